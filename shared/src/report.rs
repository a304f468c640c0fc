//! The month's report figures, computed from monthly aggregate counters only (no records).

use crate::compounding::{observed_rate, CohortRow, CohortTable, CompoundingModel, ProjectedMonth};
use crate::durations::{self, MedianMinutes};
use crate::ledger::metric;
use crate::model::{AlertKind, Mention, Platform, Response, Sentiment};
use crate::month::YearMonth;
use crate::nps::{Category, NpsSummary};
use crate::nps_change::NpsChange;
use crate::rate_change::{self, RateChange};
use crate::themes::{themes_of, Theme};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Counters of each month, as the store keeps them.
pub type MonthlyCounters = BTreeMap<YearMonth, BTreeMap<String, i64>>;

/// How many months of history a report shows (trend, cohorts).
pub const HISTORY_MONTHS: i32 = 12;
/// How far the compounding projection looks ahead.
pub const PROJECTION_MONTHS: u32 = 12;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NpsFigures {
    pub responses: u64,
    pub promoters: u64,
    pub passives: u64,
    pub detractors: u64,
    pub promoter_share: Option<f64>,
    pub passive_share: Option<f64>,
    pub detractor_share: Option<f64>,
    pub nps: Option<f64>,
    pub margin_95: Option<f64>,
}

impl From<NpsSummary> for NpsFigures {
    fn from(s: NpsSummary) -> Self {
        NpsFigures {
            responses: s.total(),
            promoters: s.promoters,
            passives: s.passives,
            detractors: s.detractors,
            promoter_share: s.share(Category::Promoter),
            passive_share: s.share(Category::Passive),
            detractor_share: s.share(Category::Detractor),
            nps: s.nps(),
            margin_95: s.margin_95(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendPoint {
    pub month: YearMonth,
    pub responses: u64,
    pub nps: Option<f64>,
    pub margin_95: Option<f64>,
}

/// Sales of a month split the way DOMAIN.md section 3 counts them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SalesMonth {
    pub month: YearMonth,
    /// N_t: new customers brought by marketing (not referred).
    pub new: u64,
    /// R_t: returning customers plus referred newcomers.
    pub returning: u64,
    pub total: u64,
    /// `R_t / (N_{t-1} + R_{t-1})`.
    pub observed_rate: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferralFunnel {
    /// Referral links handed to promoters (the asks).
    pub asks: u64,
    pub clicks: u64,
    pub referred_purchases: u64,
    pub conversions: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompoundingFigures {
    pub history: Vec<SalesMonth>,
    pub rate: Option<f64>,
    pub multiplier: Option<f64>,
    /// A projection from this month's new-customer count and observed rate, beside the baseline.
    pub projection: Vec<ProjectedMonth>,
    pub cohorts: CohortTable,
}

/// Asked vs answered on one platform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseRate {
    pub platform: Platform,
    /// Questions sent this month (0 where we do not ask: web forms, survey tools).
    pub asked: u64,
    pub answered: u64,
    /// `answered / asked`; `None` where nothing was asked.
    pub rate: Option<f64>,
}

/// One theme of one category's comments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeCount {
    pub theme: Theme,
    pub comments: u64,
    /// Share of the category's comments naming the theme.
    pub share: Option<f64>,
    /// A few of the month's comments naming it (a bounded read, see docs/report.md).
    pub quotes: Vec<String>,
}

/// The reasons customers of one category gave, most named first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryReasons {
    pub category: Category,
    pub comments: u64,
    pub themes: Vec<ThemeCount>,
}

/// Sales split: how much of the month came back or was referred.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SalesRates {
    pub purchases: u64,
    pub repeat_purchases: u64,
    pub new_customers: u64,
    pub referred_customers: u64,
    /// Repeat purchases / all purchases.
    pub repeat_rate: Option<f64>,
    /// Referred newcomers / all newcomers.
    pub referral_rate: Option<f64>,
}

/// One week of the month's mentions (days 1-7, 8-14, 15-21, 22-28, 29-end).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MentionWeek {
    pub first_day: u32,
    pub last_day: u32,
    pub positive: u64,
    pub neutral: u64,
    pub negative: u64,
    /// Mentions a day: weeks of different lengths compare as rates.
    pub per_day: f64,
    /// Change of `per_day` against the week before; `None` for the first week or after a silent one.
    pub change: Option<f64>,
    /// Negative mentions / all mentions of the week.
    pub negative_share: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TermShare {
    pub term: String,
    pub mentions: u64,
    pub share: Option<f64>,
}

/// Mentions heard on one source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceShare {
    pub source: String,
    pub mentions: u64,
    /// Of all the month's mentions.
    pub share: Option<f64>,
}

/// A mention worth reading, with its link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MentionQuote {
    pub source: String,
    pub text: String,
    pub url: Option<String>,
    pub sentiment: Sentiment,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListeningFigures {
    pub mentions: u64,
    pub brand_mentions: u64,
    pub competitor_mentions: u64,
    pub positive: u64,
    pub neutral: u64,
    pub negative: u64,
    pub positive_share: Option<f64>,
    pub negative_share: Option<f64>,
    pub weeks: Vec<MentionWeek>,
    /// Brand mentions / (brand + competitor mentions).
    pub share_of_voice: Option<f64>,
    pub terms: Vec<TermShare>,
    /// Mentions by where they were heard, most first.
    #[serde(default)]
    pub sources: Vec<SourceShare>,
    /// Brand mentions the brand was not told about (heard by listening, no @handle tagged).
    #[serde(default)]
    pub organic: u64,
    /// Organic / brand mentions.
    #[serde(default)]
    pub organic_share: Option<f64>,
    pub top_positive: Vec<MentionQuote>,
    pub top_negative: Vec<MentionQuote>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertsRaised {
    pub kind: AlertKind,
    pub raised: u64,
}

/// Closing the loop on alerts raised this month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoopFigures {
    pub raised: u64,
    pub by_kind: Vec<AlertsRaised>,
    pub claimed: u64,
    pub resolved: u64,
    pub claim_rate: Option<f64>,
    pub resolve_rate: Option<f64>,
    pub median_minutes_to_claim: Option<MedianMinutes>,
    pub median_minutes_to_resolve: Option<MedianMinutes>,
}

/// DOMAIN.md section 1: conversations heard, acted on, resolved, shared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeardFunnel {
    /// Answers and brand mentions captured.
    pub heard: u64,
    /// Alerts staff claimed.
    pub acted_on: u64,
    pub resolved: u64,
    /// Praise shared with the team (kudos).
    pub shared: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthReport {
    pub month: YearMonth,
    pub nps: NpsFigures,
    pub trend: Vec<TrendPoint>,
    pub response_rates: Vec<ResponseRate>,
    pub reasons: Vec<CategoryReasons>,
    pub referrals: ReferralFunnel,
    pub sales: SalesRates,
    pub compounding: CompoundingFigures,
    pub listening: ListeningFigures,
    pub closing_the_loop: LoopFigures,
    pub heard: HeardFunnel,
    /// True when the month has no answers, purchases or mentions at all.
    pub empty: bool,
    /// Did NPS really change: against last month and the same month last year.
    #[serde(default)]
    pub summary: Option<Summary>,
    /// Each month of the trend against the month before it, with the interval of the difference.
    #[serde(default)]
    pub trend_changes: Vec<TrendChange>,
}

/// "What to act on": the few things a marketer should look at first, each from the aggregates.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ActOn {
    /// The detractor theme whose comments grew most against last month: (theme, now, before).
    pub growing_detractor_theme: Option<(String, u64, u64)>,
    /// Alerts raised this month (kudos excepted) not resolved this month.
    pub open_alerts: u64,
    /// The referral step whose conversion fell most against last month: (step, now, before),
    /// step `asks_to_clicks` or `clicks_to_purchases`.
    pub falling_referral_step: Option<(String, f64, f64)>,
}

/// The report's opening: NPS against last month and the same month a year before, each with the
/// 95% interval of the difference and a verdict (see [`crate::nps_change`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub vs_last_month: crate::nps_change::NpsChange,
    pub vs_last_year: crate::nps_change::NpsChange,
    #[serde(default)]
    pub act_on: ActOn,
    /// Answers of questions asked in chats, against last month and a year before
    /// (see [`crate::rate_change`]).
    #[serde(default)]
    pub response_rate_vs_last_month: RateChange,
    #[serde(default)]
    pub response_rate_vs_last_year: RateChange,
    /// The observed compounding rate r, against last month and a year before.
    #[serde(default)]
    pub compounding_rate_vs_last_month: RateChange,
    #[serde(default)]
    pub compounding_rate_vs_last_year: RateChange,
}

/// One month's NPS against the month before: the bars of the "change to last month" chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendChange {
    pub month: YearMonth,
    pub change: NpsChange,
}

fn get(counters: &MonthlyCounters, month: YearMonth, name: &str) -> u64 {
    counters
        .get(&month)
        .and_then(|c| c.get(name))
        .copied()
        .unwrap_or(0)
        .max(0) as u64
}

fn histogram(counters: &MonthlyCounters, month: YearMonth) -> [u64; 11] {
    let mut h = [0u64; 11];
    for (score, slot) in crate::nps::Score::all().zip(h.iter_mut()) {
        *slot = get(counters, month, &metric::score(score));
    }
    h
}

fn sales(counters: &MonthlyCounters, month: YearMonth) -> (u64, u64) {
    let new_all = get(counters, month, metric::PURCHASES_NEW);
    let referred = get(counters, month, metric::PURCHASES_REFERRED).min(new_all);
    let repeat = get(counters, month, metric::PURCHASES_REPEAT);
    (new_all - referred, repeat + referred)
}

/// The months a report for `month` shows: the 12 months ending with it.
pub fn months_read(month: YearMonth) -> Vec<YearMonth> {
    (0..HISTORY_MONTHS).rev().map(|k| month.plus(-k)).collect()
}

/// Every month whose counters a report for `month` reads: the 12 it shows and the two before them
/// (the first month's change and observed r need the month before; the same month last year's r
/// needs the one before that). Reads grow with months, never with records.
pub fn months_loaded(month: YearMonth) -> Vec<YearMonth> {
    (0..HISTORY_MONTHS + 2).rev().map(|k| month.plus(-k)).collect()
}

/// Computes the report of `month` from the counters of the months in [`months_read`].
pub fn month_report(month: YearMonth, counters: &MonthlyCounters) -> MonthReport {
    let months = months_read(month);
    let nps = NpsFigures::from(NpsSummary::from_histogram(&histogram(counters, month)));
    let trend = months
        .iter()
        .map(|m| {
            let s = NpsSummary::from_histogram(&histogram(counters, *m));
            TrendPoint {
                month: *m,
                responses: s.total(),
                nps: s.nps(),
                margin_95: s.margin_95(),
            }
        })
        .collect();
    let mut history: Vec<SalesMonth> = Vec::with_capacity(months.len());
    for m in &months {
        let (new, returning) = sales(counters, *m);
        let (prev_new, prev_returning) = sales(counters, m.prev());
        history.push(SalesMonth {
            month: *m,
            new,
            returning,
            total: new + returning,
            observed_rate: observed_rate(prev_new, prev_returning, returning),
        });
    }
    let this = history.last().cloned().expect("twelve months");
    let rate = this.observed_rate.filter(|r| *r < 1.0);
    let model = rate.and_then(|r| CompoundingModel::new(r).ok());
    let projection = model
        .unwrap_or_else(|| CompoundingModel::new(0.0).expect("zero is a rate"))
        .project(this.new as f64, PROJECTION_MONTHS, this.returning as f64);
    let cohorts = CohortTable {
        rows: months
            .iter()
            .map(|cohort| CohortRow {
                cohort: *cohort,
                new_customers: get(counters, *cohort, metric::CUSTOMERS_NEW),
                later: (1..=cohort.months_until(month))
                    .map(|k| get(counters, cohort.plus(k), &metric::cohort(*cohort)))
                    .collect(),
            })
            .filter(|row| row.new_customers > 0 || row.later.iter().any(|c| *c > 0))
            .collect(),
    };
    let referrals = ReferralFunnel {
        asks: get(counters, month, metric::REFERRALS_CREATED),
        clicks: get(counters, month, metric::REFERRAL_CLICKS),
        referred_purchases: get(counters, month, metric::PURCHASES_REFERRED),
        conversions: get(counters, month, metric::REFERRAL_CONVERSIONS),
    };
    let empty = nps.responses == 0 && this.total == 0 && get(counters, month, metric::MENTIONS) == 0;
    let listening = listening(counters, month);
    let closing_the_loop = closing_the_loop(counters, month);
    let open_alerts = closing_the_loop.raised.saturating_sub(closing_the_loop.resolved);
    let heard = HeardFunnel {
        heard: nps.responses + listening.brand_mentions,
        acted_on: closing_the_loop.claimed,
        resolved: closing_the_loop.resolved,
        shared: get(counters, month, &metric::alerts_raised(AlertKind::Kudos)),
    };
    let new_all = get(counters, month, metric::PURCHASES_NEW);
    let repeat = get(counters, month, metric::PURCHASES_REPEAT);
    let referred = get(counters, month, metric::PURCHASES_REFERRED).min(new_all);
    let sales = SalesRates {
        purchases: new_all + repeat,
        repeat_purchases: repeat,
        new_customers: new_all,
        referred_customers: referred,
        repeat_rate: ratio(repeat, new_all + repeat),
        referral_rate: ratio(referred, new_all),
    };
    MonthReport {
        month,
        response_rates: response_rates(counters, month),
        reasons: reasons(counters, month),
        sales,
        listening,
        closing_the_loop,
        heard,
        nps,
        trend,
        referrals,
        compounding: CompoundingFigures {
            history,
            rate,
            multiplier: model.map(|m| m.multiplier()),
            projection,
            cohorts,
        },
        empty,
        summary: Some(summary(counters, month, open_alerts)),
        trend_changes: months
            .iter()
            .map(|m| TrendChange {
                month: *m,
                change: crate::nps_change::compare(
                    &NpsSummary::from_histogram(&histogram(counters, *m)),
                    &NpsSummary::from_histogram(&histogram(counters, m.prev())),
                ),
            })
            .collect(),
    }
}

/// Answers and questions asked on the platforms where we ask (web forms and survey tools answer
/// without being asked, so they are not part of a response rate).
fn asked_and_answered(counters: &MonthlyCounters, month: YearMonth) -> (u64, u64) {
    response_rates(counters, month)
        .iter()
        .filter(|r| r.asked > 0)
        .fold((0, 0), |(answered, asked), r| {
            (answered + r.answered.min(r.asked), asked + r.asked)
        })
}

/// `(R_t, N_{t-1} + R_{t-1})`: the observed r's numerator and base.
fn returning_and_base(counters: &MonthlyCounters, month: YearMonth) -> (u64, u64) {
    let (_, returning) = sales(counters, month);
    let (new, prev_returning) = sales(counters, month.prev());
    (returning, new + prev_returning)
}

/// NPS against last month and the same month a year before, from the months' score histograms
/// (both are among the months a report reads).
fn summary(counters: &MonthlyCounters, month: YearMonth, open_alerts: u64) -> Summary {
    let of = |m: YearMonth| NpsSummary::from_histogram(&histogram(counters, m));
    let now = of(month);
    let before = month.prev();
    // The detractor theme that grew most: this month's comments on it against last month's.
    let prefix = format!("themes.{}.", Category::Detractor);
    let growing_detractor_theme = counters
        .get(&month)
        .into_iter()
        .flat_map(|c| c.iter())
        .filter_map(|(name, value)| {
            let theme = name.strip_prefix(&prefix)?;
            let (now, was) = ((*value).max(0) as u64, get(counters, before, name));
            (now > was).then(|| (theme.to_string(), now, was))
        })
        .max_by(|a, b| (a.1 - a.2).cmp(&(b.1 - b.2)).then(b.0.cmp(&a.0)));
    // The referral step whose conversion fell most.
    let steps = |m: YearMonth| {
        let (asks, clicks, bought) = (
            get(counters, m, metric::REFERRALS_CREATED),
            get(counters, m, metric::REFERRAL_CLICKS),
            get(counters, m, metric::PURCHASES_REFERRED),
        );
        [
            ("asks_to_clicks", ratio(clicks, asks)),
            ("clicks_to_purchases", ratio(bought, clicks)),
        ]
    };
    let falling_referral_step = steps(month)
        .into_iter()
        .zip(steps(before))
        .filter_map(|((step, now), (_, was))| {
            let (now, was) = (now?, was?);
            (now < was).then(|| (step.to_string(), now, was))
        })
        .max_by(|a, b| (a.2 - a.1).total_cmp(&(b.2 - b.1)));
    let year_ago = month.plus(-12);
    let answered = |m| asked_and_answered(counters, m);
    let compounding = |m| returning_and_base(counters, m);
    // How much the year's counts scatter beyond Poisson: over the 12 months shown.
    let scatter = rate_change::dispersion(&months_read(month).into_iter().map(compounding).collect::<Vec<_>>());
    Summary {
        vs_last_month: crate::nps_change::compare(&now, &of(before)),
        vs_last_year: crate::nps_change::compare(&now, &of(year_ago)),
        act_on: ActOn {
            growing_detractor_theme,
            open_alerts,
            falling_referral_step,
        },
        response_rate_vs_last_month: rate_change::compare_proportions(answered(month), answered(before)),
        response_rate_vs_last_year: rate_change::compare_proportions(answered(month), answered(year_ago)),
        compounding_rate_vs_last_month: rate_change::compare_compounding(
            compounding(month),
            compounding(before),
            scatter,
        ),
        compounding_rate_vs_last_year: rate_change::compare_compounding(
            compounding(month),
            compounding(year_ago),
            scatter,
        ),
    }
}

/// `part / whole`, `None` when the whole is zero (never NaN).
pub fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

fn response_rates(counters: &MonthlyCounters, month: YearMonth) -> Vec<ResponseRate> {
    Platform::ALL
        .into_iter()
        .map(|platform| {
            let asked = get(counters, month, &metric::surveys_asked_on(platform));
            let answered = Category::ALL
                .into_iter()
                .map(|c| get(counters, month, &metric::platform_category(platform, c)))
                .sum();
            ResponseRate {
                platform,
                asked,
                answered,
                rate: ratio(answered, asked),
            }
        })
        .filter(|r| r.asked > 0 || r.answered > 0)
        .collect()
}

/// How many themes per category a report shows.
pub const TOP_THEMES: usize = 5;

fn reasons(counters: &MonthlyCounters, month: YearMonth) -> Vec<CategoryReasons> {
    Category::ALL
        .into_iter()
        .map(|category| {
            let comments = get(counters, month, &metric::comments_in(category));
            let mut themes: Vec<ThemeCount> = Theme::ALL
                .into_iter()
                .map(|theme| {
                    let n = get(counters, month, &metric::theme(category, theme));
                    ThemeCount {
                        theme,
                        comments: n,
                        share: ratio(n, comments),
                        quotes: Vec::new(),
                    }
                })
                .filter(|t| t.comments > 0)
                .collect();
            // Most named first; ties in Theme order, so the report is stable.
            themes.sort_by(|a, b| b.comments.cmp(&a.comments).then(a.theme.cmp(&b.theme)));
            themes.truncate(TOP_THEMES);
            CategoryReasons {
                category,
                comments,
                themes,
            }
        })
        .collect()
}

/// Days in the month: the first of the next month minus one day.
fn days_in(month: YearMonth) -> u32 {
    (month.end() - month.start()).num_days() as u32
}

fn listening(counters: &MonthlyCounters, month: YearMonth) -> ListeningFigures {
    let mentions = get(counters, month, metric::MENTIONS);
    let brand = get(counters, month, metric::MENTIONS_BRAND);
    let competitor = get(counters, month, metric::MENTIONS_COMPETITOR);
    // The brand's own mix: competitors' mentions count for share of voice only. Months stored
    // before brand-only counters existed have just the mix of all mentions; better that than none.
    let brand_by = |s: Sentiment| get(counters, month, &metric::brand_sentiment(s));
    let all_by = |s: Sentiment| get(counters, month, &metric::sentiment(s));
    let legacy = brand > 0 && Sentiment::ALL.into_iter().all(|s| brand_by(s) == 0);
    let by = |s: Sentiment| if legacy { all_by(s) } else { brand_by(s) };
    let (positive, neutral, negative) = (by(Sentiment::Positive), by(Sentiment::Neutral), by(Sentiment::Negative));
    let last_day = days_in(month);
    let mut weeks: Vec<MentionWeek> = Vec::new();
    let mut first_day = 1;
    while first_day <= last_day {
        let end = (first_day + 6).min(last_day);
        let on = |s: Sentiment| -> u64 {
            (first_day..=end)
                .map(|day| get(counters, month, &metric::sentiment_on_day(day, s)))
                .sum()
        };
        let (p, n, neg) = (on(Sentiment::Positive), on(Sentiment::Neutral), on(Sentiment::Negative));
        let total = p + n + neg;
        let per_day = total as f64 / f64::from(end - first_day + 1);
        let change = weeks
            .last()
            .filter(|w| w.per_day > 0.0)
            .map(|w| (per_day - w.per_day) / w.per_day);
        weeks.push(MentionWeek {
            first_day,
            last_day: end,
            positive: p,
            neutral: n,
            negative: neg,
            per_day,
            change,
            negative_share: ratio(neg, total),
        });
        first_day = end + 1;
    }
    let prefix = metric::term("");
    let mut terms: Vec<TermShare> = counters
        .get(&month)
        .map(|c| {
            c.iter()
                .filter_map(|(name, value)| {
                    let term = name.strip_prefix(&prefix)?;
                    let n = (*value).max(0) as u64;
                    (n > 0).then(|| TermShare {
                        term: term.to_string(),
                        mentions: n,
                        share: ratio(n, mentions),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    terms.sort_by(|a, b| b.mentions.cmp(&a.mentions).then(a.term.cmp(&b.term)));
    let source_prefix = metric::source("");
    let mut sources: Vec<SourceShare> = counters
        .get(&month)
        .map(|c| {
            c.iter()
                .filter_map(|(name, value)| {
                    let source = name.strip_prefix(&source_prefix)?;
                    let n = (*value).max(0) as u64;
                    (n > 0).then(|| SourceShare {
                        source: source.to_string(),
                        mentions: n,
                        share: ratio(n, mentions),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    sources.sort_by(|a, b| b.mentions.cmp(&a.mentions).then(a.source.cmp(&b.source)));
    let organic = get(counters, month, metric::MENTIONS_ORGANIC);
    ListeningFigures {
        mentions,
        brand_mentions: brand,
        competitor_mentions: competitor,
        positive,
        neutral,
        negative,
        positive_share: ratio(positive, positive + neutral + negative),
        negative_share: ratio(negative, positive + neutral + negative),
        weeks,
        share_of_voice: ratio(brand, brand + competitor),
        terms,
        sources,
        organic,
        organic_share: ratio(organic, brand),
        top_positive: Vec::new(),
        top_negative: Vec::new(),
    }
}

fn closing_the_loop(counters: &MonthlyCounters, month: YearMonth) -> LoopFigures {
    let by_kind: Vec<AlertsRaised> = AlertKind::ALL
        .into_iter()
        .map(|kind| AlertsRaised {
            kind,
            raised: get(counters, month, &metric::alerts_raised(kind)),
        })
        .collect();
    // Kudos are shared, not claimed: the loop counts the alerts that ask for action.
    let raised = by_kind
        .iter()
        .filter(|k| k.kind != AlertKind::Kudos)
        .map(|k| k.raised)
        .sum();
    let claimed = get(counters, month, metric::ALERTS_CLAIMED);
    let resolved = get(counters, month, metric::ALERTS_RESOLVED);
    let histogram = |name: fn(&str) -> String| -> Vec<u64> {
        durations::bucket_names()
            .map(|bucket| get(counters, month, &name(&bucket)))
            .collect()
    };
    LoopFigures {
        raised,
        by_kind,
        claimed,
        resolved,
        claim_rate: ratio(claimed, raised),
        resolve_rate: ratio(resolved, raised),
        median_minutes_to_claim: durations::median(&histogram(metric::claim_minutes)),
        median_minutes_to_resolve: durations::median(&histogram(metric::resolve_minutes)),
    }
}

/// How many quotes a theme and how many mentions a sentiment a report shows.
pub const QUOTES_PER_THEME: usize = 2;
pub const TOP_MENTIONS: usize = 3;

/// Adds example quotes to the top themes and the top mentions, from a bounded sample of the
/// month's records (the caller reads at most a fixed number). A quote is the shortest comment
/// naming the theme that is still a sentence (at least four words): short enough to scan.
/// Top mentions are the longest brand mentions of each sentiment (long-form feedback says most).
pub fn attach_examples(report: &mut MonthReport, responses: &[Response], mentions: &[Mention]) {
    for reasons in &mut report.reasons {
        let mut pool: Vec<(&str, Vec<Theme>)> = responses
            .iter()
            .filter(|r| r.category() == reasons.category && report.month.contains(r.submitted_at))
            .filter_map(|r| {
                let c = r.comment.as_deref()?.trim();
                (c.split_whitespace().count() >= 4).then(|| (c, themes_of(c, r.locale.as_deref())))
            })
            .collect();
        pool.sort_by_key(|(c, _)| (c.chars().count(), *c));
        pool.dedup_by(|a, b| a.0 == b.0);
        for theme in &mut reasons.themes {
            theme.quotes = pool
                .iter()
                .filter(|(_, themes)| themes.contains(&theme.theme))
                .take(QUOTES_PER_THEME)
                .map(|(c, _)| c.to_string())
                .collect();
        }
    }
    let pick = |sentiment: Sentiment| -> Vec<MentionQuote> {
        let mut chosen: Vec<&Mention> = mentions
            .iter()
            .filter(|m| m.sentiment == sentiment && !m.competitor && report.month.contains(m.created_at))
            .collect();
        chosen.sort_by(|a, b| {
            b.text
                .chars()
                .count()
                .cmp(&a.text.chars().count())
                .then(a.id.cmp(&b.id))
        });
        let mut seen = std::collections::HashSet::new();
        chosen.retain(|m| seen.insert(m.text.as_str()));
        chosen
            .into_iter()
            .take(TOP_MENTIONS)
            .map(|m| MentionQuote {
                source: m.source.clone(),
                text: m.text.clone(),
                url: m.url.clone(),
                sentiment,
            })
            .collect()
    };
    report.listening.top_positive = pick(Sentiment::Positive);
    report.listening.top_negative = pick(Sentiment::Negative);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> YearMonth {
        s.parse().unwrap()
    }

    fn set(c: &mut MonthlyCounters, month: &str, name: &str, value: i64) {
        c.entry(m(month)).or_default().insert(name.to_string(), value);
    }

    #[test]
    fn given_a_small_fixture_month_then_figures_match_hand_computation() {
        let mut c = MonthlyCounters::new();
        // February: 40 new (5 of them referred), 20 repeat
        set(&mut c, "2026-02", metric::PURCHASES_NEW, 40);
        set(&mut c, "2026-02", metric::PURCHASES_REFERRED, 5);
        set(&mut c, "2026-02", metric::PURCHASES_REPEAT, 20);
        set(&mut c, "2026-02", metric::CUSTOMERS_NEW, 40);
        // March: 50 new (10 referred), 28 repeat; answers 9,9,10,7,3
        set(&mut c, "2026-03", metric::PURCHASES_NEW, 50);
        set(&mut c, "2026-03", metric::PURCHASES_REFERRED, 10);
        set(&mut c, "2026-03", metric::PURCHASES_REPEAT, 28);
        set(&mut c, "2026-03", metric::CUSTOMERS_NEW, 50);
        set(&mut c, "2026-03", &metric::cohort(m("2026-02")), 12);
        set(&mut c, "2026-03", "responses.score.9", 2);
        set(&mut c, "2026-03", "responses.score.10", 1);
        set(&mut c, "2026-03", "responses.score.7", 1);
        set(&mut c, "2026-03", "responses.score.3", 1);
        set(&mut c, "2026-03", metric::REFERRALS_CREATED, 3);
        set(&mut c, "2026-03", metric::REFERRAL_CLICKS, 17);
        let report = month_report(m("2026-03"), &c);
        // NPS: 3 promoters, 1 passive, 1 detractor of 5 = 60 - 20 = 40
        assert!((report.nps.nps.unwrap() - 40.0).abs() < 1e-9);
        // margin: 1.96 * 100 * sqrt((0.6 + 0.2 - 0.16) / 5) = 1.96 * 35.777 = 70.12
        assert!((report.nps.margin_95.unwrap() - 70.123_3).abs() < 1e-3);
        // N_Mar = 40, R_Mar = 28 + 10 = 38; N_Feb + R_Feb = 35 + 25 = 60; r = 38 / 60
        let march = report.compounding.history.last().unwrap();
        assert_eq!((march.new, march.returning, march.total), (40, 38, 78));
        assert!((report.compounding.rate.unwrap() - 38.0 / 60.0).abs() < 1e-12);
        // Projection month 2 = r * 78
        assert!((report.compounding.projection[1].returning - 78.0 * 38.0 / 60.0).abs() < 1e-9);
        assert!(report.compounding.projection.iter().all(|p| p.baseline_total == 40.0));
        // Cohort: February's 40 customers, 12 came back in March
        let feb = &report.compounding.cohorts.rows[0];
        assert_eq!(
            (feb.cohort, feb.new_customers, feb.later.clone()),
            (m("2026-02"), 40, vec![12])
        );
        assert_eq!(
            report.referrals,
            ReferralFunnel {
                asks: 3,
                clicks: 17,
                referred_purchases: 10,
                conversions: 0
            }
        );
        assert_eq!(report.trend.len(), 12);
        assert!(!report.empty);
    }

    #[test]
    fn the_summary_compares_with_last_month_and_the_same_month_last_year() {
        // GIVEN March 2026 with 100 answers 60/20/20, February 40/20/40, March 2025 one promoter
        let mut c = MonthlyCounters::new();
        for (month, p, a, d) in [("2026-03", 60, 20, 20), ("2026-02", 40, 20, 40), ("2025-03", 1, 0, 0)] {
            let month: YearMonth = month.parse().unwrap();
            c.insert(
                month,
                [
                    ("responses.score.10", p),
                    ("responses.score.7", a),
                    ("responses.score.0", d),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            );
        }
        let summary = month_report("2026-03".parse().unwrap(), &c).summary.unwrap();
        // THEN against February: +40 points, margin 23.52, a real rise (nps_change's hand case)
        let m = summary.vs_last_month;
        assert_eq!((m.delta, m.verdict), (Some(40.0), crate::nps_change::Verdict::RealRise));
        assert!((m.margin_95.unwrap() - 23.52).abs() < 1e-9);
        // AND against a year ago, one answer: within noise
        let y = summary.vs_last_year;
        assert_eq!(
            (y.previous_answers, y.verdict),
            (1, crate::nps_change::Verdict::WithinNoise)
        );
    }

    #[test]
    fn the_summary_judges_the_response_rate_and_r_from_the_aggregates() {
        // GIVEN chat questions and answers, web answers (never asked) and sales by month
        let mut c = MonthlyCounters::new();
        for (month, name, value) in [
            ("2026-03", "surveys.asked.telegram", 100),
            ("2026-03", "responses.platform.telegram.promoter", 60),
            ("2026-03", "responses.platform.web.promoter", 20),
            ("2026-02", "surveys.asked.telegram", 100),
            ("2026-02", "responses.platform.telegram.passive", 30),
            ("2025-03", "surveys.asked.whatsapp", 10),
            ("2025-03", "responses.platform.whatsapp.promoter", 10),
            ("2025-12", "purchases.new", 100),
            ("2026-01", "purchases.new", 100),
            ("2026-01", "purchases.repeat", 30),
            ("2026-02", "purchases.new", 70),
            ("2026-02", "purchases.repeat", 39),
            ("2026-03", "purchases.new", 100),
            ("2026-03", "purchases.repeat", 65),
        ] {
            set(&mut c, month, name, value);
        }
        let s = month_report(m("2026-03"), &c).summary.unwrap();
        // THEN the response rate is 60 of 100 against 30 of 100 (web answers are not asked):
        // margin 1.96 * sqrt(0.0024 + 0.0021) = 0.131480, a real rise
        let rr = s.response_rate_vs_last_month;
        assert_eq!((rr.current, rr.previous), (Some(0.6), Some(0.3)));
        assert!(close(rr.margin_95, 0.131_480), "{rr:?}");
        assert_eq!(rr.verdict, crate::nps_change::Verdict::RealRise);
        // AND against 10 of 10 a year ago: ten questions are within noise
        let ry = s.response_rate_vs_last_year;
        assert_eq!((ry.previous, ry.previous_base), (Some(1.0), 10));
        assert_eq!(ry.verdict, crate::nps_change::Verdict::WithinNoise);
        // AND r is 65/109 (Feb's 70 + 39) against 39/130 (Jan's 100 + 30): +0.296330
        let r = s.compounding_rate_vs_last_month;
        assert_eq!((r.current_base, r.previous_base), (109, 130));
        assert!(close(r.delta, 65.0 / 109.0 - 0.3), "{r:?}");
        // The year's three observed rates (30/100, 39/130, 65/109) scatter 8.2143 times Poisson
        // (chi-square 16.4286 on 2 degrees of freedom around 134/339), so the margin is
        // 1.96 * sqrt(8.214319 * 104/239 * (1/109 + 1/130)) = 0.481253: within noise
        assert!(close(r.margin_95, 0.481_253), "{r:?}");
        assert_eq!(r.verdict, crate::nps_change::Verdict::WithinNoise);
        // AND a year ago there were no sales: nothing to compare
        assert_eq!(
            s.compounding_rate_vs_last_year.verdict,
            crate::nps_change::Verdict::NoComparison
        );
    }

    #[test]
    fn each_month_of_the_trend_is_compared_with_the_one_before() {
        // GIVEN February 40/20/40 and March 60/20/20 (100 answers each), nothing before
        let mut c = MonthlyCounters::new();
        for (month, p, a, d) in [("2026-03", 60, 20, 20), ("2026-02", 40, 20, 40)] {
            set(&mut c, month, "responses.score.10", p);
            set(&mut c, month, "responses.score.7", a);
            set(&mut c, month, "responses.score.0", d);
        }
        let changes = month_report(m("2026-03"), &c).trend_changes;
        // THEN one bar per month shown, March +40 ± 23.52 (nps_change's hand case), February none
        assert_eq!(changes.len(), 12);
        let march = changes.last().unwrap();
        assert_eq!((march.month, march.change.delta), (m("2026-03"), Some(40.0)));
        assert!((march.change.margin_95.unwrap() - 23.52).abs() < 1e-9);
        assert_eq!(changes[10].change.delta, None);
    }

    #[test]
    fn what_to_act_on_comes_from_the_aggregates() {
        // GIVEN detractor themes, alerts and referral steps in March against February
        let mut c = MonthlyCounters::new();
        for (month, entries) in [
            (
                "2026-03",
                vec![
                    ("themes.detractor.waiting", 7),
                    ("themes.detractor.price", 4),
                    ("themes.detractor.staff", 1),
                    ("alerts.detractor.raised", 5),
                    ("alerts.kudos.raised", 9),
                    ("alerts.resolved", 2),
                    ("referrals.created", 20),
                    ("referrals.clicks", 10),
                    ("purchases.referred", 1),
                ],
            ),
            (
                "2026-02",
                vec![
                    ("themes.detractor.waiting", 6),
                    ("themes.detractor.price", 1),
                    ("themes.detractor.staff", 3),
                    ("referrals.created", 20),
                    ("referrals.clicks", 10),
                    ("purchases.referred", 4),
                ],
            ),
        ] {
            c.insert(
                month.parse().unwrap(),
                entries.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            );
        }
        let act = month_report("2026-03".parse().unwrap(), &c).summary.unwrap().act_on;
        // THEN price grew most (1 -> 4; waiting only 6 -> 7, staff fell)
        assert_eq!(act.growing_detractor_theme, Some(("price".to_string(), 4, 1)));
        // AND 5 alerts that ask for action were raised, 2 resolved (kudos are shared, not claimed)
        assert_eq!(act.open_alerts, 3);
        // AND clicks -> purchases fell from 40% to 10%; links -> clicks held at 50%
        assert_eq!(
            act.falling_referral_step,
            Some(("clicks_to_purchases".to_string(), 0.1, 0.4))
        );
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-4)
    }

    /// March 2026 (31 days) with answers, comments, sales, mentions and alerts.
    fn fixture() -> MonthlyCounters {
        let mut c = MonthlyCounters::new();
        let mar = "2026-03";
        for (name, value) in [
            ("responses.score.9", 2),
            ("responses.score.10", 1),
            ("responses.score.7", 1),
            ("responses.score.3", 1),
            ("surveys.asked.telegram", 8),
            ("responses.platform.telegram.promoter", 3),
            ("responses.platform.telegram.passive", 1),
            ("responses.platform.telegram.detractor", 1),
            ("surveys.asked.whatsapp", 4),
            ("comments.promoter", 2),
            ("themes.promoter.staff", 2),
            ("themes.promoter.on_time", 1),
            ("comments.detractor", 1),
            ("themes.detractor.waiting", 1),
            ("purchases.new", 50),
            ("purchases.referred", 10),
            ("purchases.repeat", 28),
            ("mentions", 10),
            ("mentions.brand", 8),
            ("mentions.competitor", 2),
            ("mentions.positive", 5),
            ("mentions.neutral", 2),
            ("mentions.negative", 3),
            // the brand's own 8: the competitor's 2 were one positive, one negative
            ("mentions.brand.positive", 4),
            ("mentions.brand.neutral", 2),
            ("mentions.brand.negative", 2),
            ("mentions.day.02.positive", 3),
            ("mentions.day.03.negative", 1),
            ("mentions.day.10.positive", 2),
            ("mentions.day.10.neutral", 2),
            ("mentions.day.30.negative", 2),
            ("mentions.term.Brightside", 8),
            ("mentions.term.Rival", 2),
            ("mentions.source.instagram", 4),
            ("mentions.source.hackernews", 1),
            ("mentions.source.reddit", 5),
            ("mentions.brand.organic", 3),
            ("alerts.detractor.raised", 3),
            ("alerts.negative_mention.raised", 1),
            ("alerts.kudos.raised", 2),
            ("alerts.claimed", 3),
            ("alerts.claim_minutes.3", 1),
            ("alerts.claim_minutes.15", 1),
            ("alerts.claim_minutes.45", 1),
            ("alerts.resolved", 2),
            ("alerts.resolve_minutes.60", 1),
            ("alerts.resolve_minutes.180", 1),
        ] {
            set(&mut c, mar, name, value);
        }
        c
    }

    #[test]
    fn given_a_fixture_month_then_rates_themes_listening_and_loop_match_hand_computation() {
        let r = month_report(m("2026-03"), &fixture());
        // Telegram: 5 answers of 8 asked = 62.5%; WhatsApp: 0 of 4; platforms with neither are left out
        assert_eq!(r.response_rates.len(), 2);
        assert_eq!(
            (
                r.response_rates[0].platform,
                r.response_rates[0].asked,
                r.response_rates[0].answered
            ),
            (Platform::Telegram, 8, 5)
        );
        assert!(close(r.response_rates[0].rate, 0.625));
        assert!(close(r.response_rates[1].rate, 0.0));
        // Promoters: 2 comments, staff in both (100%), on time in one (50%); detractors: waiting 1 of 1
        let promoters = &r.reasons[0];
        assert_eq!((promoters.category, promoters.comments), (Category::Promoter, 2));
        assert_eq!(
            promoters
                .themes
                .iter()
                .map(|t| (t.theme, t.comments))
                .collect::<Vec<_>>(),
            [(Theme::Staff, 2), (Theme::OnTime, 1)]
        );
        assert!(close(promoters.themes[1].share, 0.5));
        assert_eq!(r.reasons[1].themes, vec![]);
        assert_eq!(r.reasons[2].themes[0].theme, Theme::Waiting);
        assert!(close(r.reasons[2].themes[0].share, 1.0));
        // Sales: 50 new + 28 repeat = 78; repeat rate 28/78 = 0.358974; referral rate 10/50 = 0.2
        assert_eq!((r.sales.purchases, r.sales.referred_customers), (78, 10));
        assert!(close(r.sales.repeat_rate, 0.358_974));
        assert!(close(r.sales.referral_rate, 0.2));
        // Listening: the brand's 8 mentions are 4 positive, 2 negative (competitors' left out);
        // share of voice 8 / (8 + 2)
        let l = &r.listening;
        assert_eq!((l.positive, l.neutral, l.negative), (4, 2, 2));
        assert!(close(l.positive_share, 0.5) && close(l.negative_share, 0.25));
        assert!(close(l.share_of_voice, 0.8));
        assert_eq!((l.terms[0].term.as_str(), l.terms[0].mentions), ("Brightside", 8));
        assert!(close(l.terms[1].share, 0.2));
        // Heard on reddit 5, instagram 4, hackernews 1; 3 of the brand's 8 organic
        let sources: Vec<(&str, u64)> = l.sources.iter().map(|s| (s.source.as_str(), s.mentions)).collect();
        assert_eq!(sources, [("reddit", 5), ("instagram", 4), ("hackernews", 1)]);
        assert!(close(l.sources[0].share, 0.5));
        assert_eq!(l.organic, 3);
        assert!(close(l.organic_share, 3.0 / 8.0));
        // Weeks 1-7, 8-14, 15-21, 22-28, 29-31: 4, 4, 0, 0, 2 mentions
        let days: Vec<(u32, u32)> = l.weeks.iter().map(|w| (w.first_day, w.last_day)).collect();
        assert_eq!(days, [(1, 7), (8, 14), (15, 21), (22, 28), (29, 31)]);
        // per day: 4/7 = 0.571429 twice (change 0), then 0 (change -100%), then 2/3 after a silent week (no change)
        assert!((l.weeks[0].per_day - 0.571_429).abs() < 1e-6);
        assert_eq!(l.weeks[0].change, None);
        assert!(close(l.weeks[1].change, 0.0));
        assert!(close(l.weeks[2].change, -1.0));
        assert!((l.weeks[4].per_day - 0.666_667).abs() < 1e-6);
        assert_eq!(l.weeks[4].change, None);
        assert!(close(l.weeks[0].negative_share, 0.25));
        assert_eq!(l.weeks[2].negative_share, None);
        // Loop: 3 + 1 alerts to act on (kudos are shared, not claimed); 3 claimed (75%), 2 resolved (50%)
        let c = &r.closing_the_loop;
        assert_eq!((c.raised, c.claimed, c.resolved), (4, 3, 2));
        assert!(close(c.claim_rate, 0.75) && close(c.resolve_rate, 0.5));
        // claims in (2,3], (10,15], (30,45]: rank 1.5 falls in (10,15] -> 10 + 5 * 0.5 = 12.5 minutes
        assert!((c.median_minutes_to_claim.unwrap().minutes - 12.5).abs() < 1e-9);
        // resolutions in (45,60] and (120,180]: rank 1 is reached at the top of (45,60] -> 60 minutes
        assert!((c.median_minutes_to_resolve.unwrap().minutes - 60.0).abs() < 1e-9);
        // Heard 5 answers + 8 brand mentions = 13 -> acted on 3 -> resolved 2; shared 2 kudos
        assert_eq!(
            r.heard,
            HeardFunnel {
                heard: 13,
                acted_on: 3,
                resolved: 2,
                shared: 2
            }
        );
    }

    #[test]
    fn a_month_without_brand_only_counters_shows_the_mix_of_all_mentions() {
        // GIVEN a month stored before brand-only sentiment counters existed
        let mut c = fixture();
        for s in ["positive", "neutral", "negative"] {
            c.get_mut(&m("2026-03")).unwrap().remove(&format!("mentions.brand.{s}"));
        }
        // WHEN reported
        let l = month_report(m("2026-03"), &c).listening;
        // THEN the mix falls back to all 10 mentions (5/2/3) rather than showing none
        assert_eq!((l.positive, l.neutral, l.negative), (5, 2, 3));
        assert!(close(l.negative_share, 0.3));
    }

    #[test]
    fn examples_are_the_shortest_sentences_per_theme_and_the_longest_mentions() {
        use chrono::TimeZone;
        let at = chrono::Utc.with_ymd_and_hms(2026, 3, 5, 10, 0, 0).unwrap();
        let response = |id: &str, score: i64, comment: &str| Response {
            id: id.into(),
            customer_id: id.into(),
            platform: Platform::Web,
            score: crate::nps::Score::new(score).unwrap(),
            comment: Some(comment.into()),
            locale: Some("en".into()),
            submitted_at: at,
            brand: None,
        };
        let mention = |id: &str, text: &str, sentiment: Sentiment, competitor: bool| Mention {
            id: id.into(),
            source: "x".into(),
            text: text.into(),
            url: Some(format!("https://x.example/{id}")),
            author: None,
            lang: None,
            sentiment,
            matched_terms: vec![],
            competitor,
            created_at: at,
        };
        let mut r = month_report(m("2026-03"), &fixture());
        let responses = vec![
            response("a", 10, "Anna explained everything and the car was ready on time"),
            response("b", 9, "The staff were so friendly"),
            response("c", 9, "Friendly"), // under four words: not a quote
            response("d", 3, "Waited two hours and nobody came"),
        ];
        let mentions = vec![
            mention("m1", "Brightside is great", Sentiment::Positive, false),
            mention(
                "m2",
                "Brightside fixed my brakes the same day, great",
                Sentiment::Positive,
                false,
            ),
            mention(
                "m3",
                "Rival is much better than all of them put together",
                Sentiment::Positive,
                true,
            ),
            mention("m4", "Terrible wait", Sentiment::Negative, false),
        ];
        attach_examples(&mut r, &responses, &mentions);
        // staff: both a and b name it; b is shorter so it comes first
        assert_eq!(
            r.reasons[0].themes[0].quotes,
            [
                "The staff were so friendly",
                "Anna explained everything and the car was ready on time"
            ]
        );
        assert_eq!(r.reasons[2].themes[0].quotes, ["Waited two hours and nobody came"]);
        // competitor mentions are not ours to show; longest first
        let texts: Vec<&str> = r.listening.top_positive.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(
            texts,
            ["Brightside fixed my brakes the same day, great", "Brightside is great"]
        );
        assert_eq!(r.listening.top_negative[0].url.as_deref(), Some("https://x.example/m4"));
    }

    #[test]
    fn an_empty_month_gives_a_valid_report_without_nan() {
        let report = month_report(m("2026-05"), &MonthlyCounters::new());
        assert!(report.empty);
        assert_eq!(report.nps.nps, None);
        assert_eq!(report.compounding.rate, None);
        let json = serde_json::to_string(&report).unwrap();
        assert!(!json.contains("NaN") && !json.contains("inf"));
        assert!(report.compounding.projection.iter().all(|p| p.total.is_finite()));
        assert!(report
            .listening
            .weeks
            .iter()
            .all(|w| w.per_day == 0.0 && w.change.is_none()));
        assert_eq!(report.closing_the_loop.median_minutes_to_claim, None);
        assert_eq!(report.sales.repeat_rate, None);
    }
}
