//! The report's words in each language `REPORT_LOCALE` can name (en, ru).

use sarafan_core::model::AlertKind;
use sarafan_core::themes::Theme;
use sarafan_core::Category;

/// The report's language. Unknown locales fall back to English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    #[default]
    En,
    Ru,
}

impl Locale {
    /// `ru`, `ru-RU`, `ru_RU.UTF-8` are Russian; anything else is English.
    pub fn parse(s: &str) -> Locale {
        match s.trim().to_ascii_lowercase().split(['-', '_', '.']).next() {
            Some("ru") => Locale::Ru,
            _ => Locale::En,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Ru => "ru",
        }
    }

    pub fn labels(self) -> &'static Labels {
        match self {
            Locale::En => &EN,
            Locale::Ru => &RU,
        }
    }
}

/// Every heading and label the email, its charts and its text part use.
#[derive(Debug)]
pub struct Labels {
    pub title: &'static str,
    pub empty_month: &'static str,
    pub nps: &'static str,
    pub margin_note: &'static str,
    pub few_answers: &'static str,
    pub no_answers: &'static str,
    pub answers: &'static str,
    pub compounding_rate: &'static str,
    pub multiplier: &'static str,
    pub categories: &'static str,
    pub promoters: &'static str,
    pub passives: &'static str,
    pub detractors: &'static str,
    pub trend: &'static str,
    pub month: &'static str,
    pub response_rates: &'static str,
    pub platform: &'static str,
    pub asked: &'static str,
    pub answered: &'static str,
    pub rate: &'static str,
    pub reasons: &'static str,
    pub theme: &'static str,
    pub comments: &'static str,
    pub share: &'static str,
    pub example: &'static str,
    pub no_comments: &'static str,
    pub referral_funnel: &'static str,
    pub asks: &'static str,
    pub clicks: &'static str,
    pub referred: &'static str,
    pub sales: &'static str,
    pub repeat_rate: &'static str,
    pub referral_rate: &'static str,
    pub compounding: &'static str,
    pub new_n: &'static str,
    pub returning_r: &'static str,
    pub total: &'static str,
    pub observed_r: &'static str,
    pub projection: &'static str,
    pub with_compounding: &'static str,
    pub without_compounding: &'static str,
    pub baseline_short: &'static str,
    pub cumulative: &'static str,
    pub cohorts: &'static str,
    pub cohort: &'static str,
    pub listening: &'static str,
    pub mentions: &'static str,
    pub positive: &'static str,
    pub neutral: &'static str,
    pub negative: &'static str,
    pub week: &'static str,
    pub per_day: &'static str,
    pub week_change: &'static str,
    pub share_of_voice: &'static str,
    pub vs_last_month: &'static str,
    pub vs_last_year: &'static str,
    pub interval: &'static str,
    pub within_noise: &'static str,
    pub real_rise: &'static str,
    pub real_fall: &'static str,
    pub no_comparison: &'static str,
    pub act_on: &'static str,
    pub act_theme: &'static str,
    pub act_open_alerts: &'static str,
    pub act_referral: &'static str,
    pub act_step_clicks: &'static str,
    pub act_step_purchases: &'static str,
    pub term: &'static str,
    pub source: &'static str,
    pub organic: &'static str,
    pub top_positive: &'static str,
    pub top_negative: &'static str,
    pub closing_loop: &'static str,
    pub raised: &'static str,
    pub claimed: &'static str,
    pub resolved: &'static str,
    pub median_claim: &'static str,
    pub median_resolve: &'static str,
    pub heard_funnel: &'static str,
    pub heard: &'static str,
    pub acted_on: &'static str,
    pub shared: &'static str,
    pub minutes: &'static str,
    pub hours: &'static str,
    pub days: &'static str,
    pub months_ahead: &'static str,
    pub customers: &'static str,
    pub csv_note: &'static str,
}

impl Labels {
    pub fn category(&self, c: Category) -> &'static str {
        match c {
            Category::Promoter => self.promoters,
            Category::Passive => self.passives,
            Category::Detractor => self.detractors,
        }
    }

    pub fn theme(&self, theme: Theme) -> &'static str {
        let ru = std::ptr::eq(self, &RU);
        match (theme, ru) {
            (Theme::Waiting, false) => "Waiting",
            (Theme::Waiting, true) => "Ожидание",
            (Theme::Staff, false) => "Staff",
            (Theme::Staff, true) => "Персонал",
            (Theme::Price, false) => "Prices",
            (Theme::Price, true) => "Цены",
            (Theme::Paperwork, false) => "Paperwork",
            (Theme::Paperwork, true) => "Документы",
            (Theme::Pressure, false) => "Pushy selling",
            (Theme::Pressure, true) => "Навязывание",
            (Theme::FollowUp, false) => "No follow-up",
            (Theme::FollowUp, true) => "Не перезвонили",
            (Theme::Cleanliness, false) => "Car's condition",
            (Theme::Cleanliness, true) => "Чистота машины",
            (Theme::OnTime, false) => "On time, quick",
            (Theme::OnTime, true) => "Вовремя, быстро",
            (Theme::Recommend, false) => "Would recommend",
            (Theme::Recommend, true) => "Рекомендуют",
            (Theme::Enchantment, false) => "Special moments",
            (Theme::Enchantment, true) => "Особые моменты",
        }
    }

    pub fn alert_kind(&self, kind: AlertKind) -> &'static str {
        let ru = std::ptr::eq(self, &RU);
        match (kind, ru) {
            (AlertKind::Detractor, false) => "detractors",
            (AlertKind::Detractor, true) => "критики",
            (AlertKind::NegativeMention, false) => "negative mentions",
            (AlertKind::NegativeMention, true) => "негативные упоминания",
            (AlertKind::Spike, false) => "spikes",
            (AlertKind::Spike, true) => "всплески",
            (AlertKind::Kudos, false) => "kudos",
            (AlertKind::Kudos, true) => "благодарности",
        }
    }
}

pub static EN: Labels = Labels {
    title: "Word of mouth",
    empty_month: "No answers, purchases or mentions were recorded this month.",
    nps: "Net Promoter Score",
    margin_note: "From {n} answers; ± is the 95% margin.",
    few_answers: "Only {n} answers: treat this score as a rough signal.",
    no_answers: "No answers this month.",
    answers: "Answers",
    compounding_rate: "Compounding rate r",
    multiplier: "multiplier 1/(1−r)",
    categories: "Promoters, passives, detractors",
    promoters: "Promoters",
    passives: "Passives",
    detractors: "Detractors",
    trend: "NPS, last 12 months",
    month: "Month",
    response_rates: "Response rate by platform",
    platform: "Platform",
    asked: "Asked",
    answered: "Answered",
    rate: "Rate",
    reasons: "Top reasons",
    theme: "Theme",
    comments: "Comments",
    share: "Share",
    example: "For example",
    no_comments: "No comments.",
    referral_funnel: "Referral funnel",
    asks: "Links asked to share",
    clicks: "Clicks",
    referred: "Referred purchases",
    sales: "Repeat and referral",
    repeat_rate: "Repeat purchases",
    referral_rate: "New customers by referral",
    compounding: "Compounding customers",
    new_n: "New (N)",
    returning_r: "Returning + referred (R)",
    total: "Total",
    observed_r: "Observed r",
    projection: "Next 12 months at this rate, against no compounding",
    with_compounding: "with compounding",
    without_compounding: "without compounding (dealership A)",
    baseline_short: "A: no compounding",
    cumulative: "Cumulative",
    cohorts: "Cohorts: returns and referrals by months since first purchase",
    cohort: "Cohort",
    listening: "Listening",
    mentions: "Mentions",
    positive: "Positive",
    neutral: "Neutral",
    negative: "Negative",
    week: "Days",
    per_day: "Per day",
    week_change: "Week over week",
    share_of_voice: "Share of voice",
    vs_last_month: "Against last month",
    vs_last_year: "Against the same month last year",
    interval: "95% interval of the change",
    within_noise: "within noise",
    real_rise: "a real rise",
    real_fall: "a real fall",
    no_comparison: "no answers to compare with",
    act_on: "What to act on",
    act_theme: "Detractors' reason growing most",
    act_open_alerts: "Alerts still open",
    act_referral: "Referral step converting less",
    act_step_clicks: "links shared -> clicks",
    act_step_purchases: "clicks -> purchases",
    term: "Term",
    source: "Heard on",
    organic: "Organic (found by listening, brand not tagged)",
    top_positive: "Top positive mentions",
    top_negative: "Top negative mentions",
    closing_loop: "Closing the loop",
    raised: "Alerts raised",
    claimed: "Claimed",
    resolved: "Resolved",
    median_claim: "Median time to claim",
    median_resolve: "Median time to resolve",
    heard_funnel: "Heard → acted on → shared",
    heard: "Heard",
    acted_on: "Acted on",
    shared: "Shared with the team",
    minutes: "min",
    hours: "h",
    days: "d",
    months_ahead: "Months ahead",
    customers: "Customers",
    csv_note: "The month's figures are attached as CSV.",
};

pub static RU: Labels = Labels {
    title: "Сарафанное радио",
    empty_month: "В этом месяце не было ни ответов, ни покупок, ни упоминаний.",
    nps: "Индекс NPS",
    margin_note: "По {n} ответам; ± — погрешность 95%.",
    few_answers: "Всего {n} ответов: это лишь грубый ориентир.",
    no_answers: "В этом месяце ответов нет.",
    answers: "Ответы",
    compounding_rate: "Коэффициент возврата r",
    multiplier: "множитель 1/(1−r)",
    categories: "Промоутеры, нейтралы, критики",
    promoters: "Промоутеры",
    passives: "Нейтралы",
    detractors: "Критики",
    trend: "NPS за 12 месяцев",
    month: "Месяц",
    response_rates: "Доля ответивших по платформам",
    platform: "Платформа",
    asked: "Спросили",
    answered: "Ответили",
    rate: "Доля",
    reasons: "Главные причины",
    theme: "Тема",
    comments: "Комментарии",
    share: "Доля",
    example: "Например",
    no_comments: "Комментариев нет.",
    referral_funnel: "Воронка рекомендаций",
    asks: "Выдано ссылок",
    clicks: "Переходы",
    referred: "Покупки по рекомендации",
    sales: "Повторные покупки и рекомендации",
    repeat_rate: "Повторные покупки",
    referral_rate: "Новые клиенты по рекомендации",
    compounding: "Накопление клиентов",
    new_n: "Новые (N)",
    returning_r: "Вернувшиеся и приведённые (R)",
    total: "Всего",
    observed_r: "Наблюдаемый r",
    projection: "Прогноз на 12 месяцев при этом r и без накопления",
    with_compounding: "с накоплением",
    without_compounding: "без накопления (автосалон A)",
    baseline_short: "A: без накопления",
    cumulative: "Нарастающим итогом",
    cohorts: "Когорты: возвраты и рекомендации по месяцам после первой покупки",
    cohort: "Когорта",
    listening: "Мониторинг упоминаний",
    mentions: "Упоминания",
    positive: "Позитивные",
    neutral: "Нейтральные",
    negative: "Негативные",
    week: "Дни",
    per_day: "В день",
    week_change: "К прошлой неделе",
    share_of_voice: "Доля голоса",
    vs_last_month: "К прошлому месяцу",
    vs_last_year: "К тому же месяцу год назад",
    interval: "95% интервал изменения",
    within_noise: "в пределах шума",
    real_rise: "реальный рост",
    real_fall: "реальное падение",
    no_comparison: "не с чем сравнить",
    act_on: "На что обратить внимание",
    act_theme: "Причина недовольства, растущая быстрее всех",
    act_open_alerts: "Незакрытые сигналы",
    act_referral: "Шаг рекомендаций, где конверсия упала",
    act_step_clicks: "ссылки -> переходы",
    act_step_purchases: "переходы -> покупки",
    term: "Термин",
    source: "Где услышано",
    organic: "Органические (найдены мониторингом, бренд не отмечен)",
    top_positive: "Лучшие позитивные упоминания",
    top_negative: "Главные негативные упоминания",
    closing_loop: "Реакция на сигналы",
    raised: "Сигналов",
    claimed: "Взято в работу",
    resolved: "Решено",
    median_claim: "Медиана до взятия",
    median_resolve: "Медиана до решения",
    heard_funnel: "Услышано → сделано → поделились",
    heard: "Услышано",
    acted_on: "Сделано",
    shared: "Передано команде",
    minutes: "мин",
    hours: "ч",
    days: "дн",
    months_ahead: "Месяцев вперёд",
    customers: "Клиенты",
    csv_note: "Цифры месяца приложены в CSV.",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales_parse_with_regions_and_fall_back_to_english() {
        assert_eq!(Locale::parse("ru"), Locale::Ru);
        assert_eq!(Locale::parse("ru_RU.UTF-8"), Locale::Ru);
        assert_eq!(Locale::parse("RU-ru"), Locale::Ru);
        assert_eq!(Locale::parse("en-GB"), Locale::En);
        assert_eq!(Locale::parse("fr"), Locale::En);
        assert_eq!(Locale::Ru.labels().theme(Theme::Waiting), "Ожидание");
        assert_eq!(Locale::En.labels().theme(Theme::Waiting), "Waiting");
    }
}
