//! What customers and staff read, in each supported language, with per-locale overrides from a file.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

macro_rules! keys {
    ($($variant:ident => $name:literal [$($placeholder:literal),*]),* $(,)?) => {
        /// One message of the catalogue.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Key { $($variant),* }

        impl Key {
            pub const ALL: &'static [Key] = &[$(Key::$variant),*];

            /// The name operators use in the overrides file.
            pub fn as_str(self) -> &'static str {
                match self { $(Key::$variant => $name),* }
            }

            /// The `{placeholders}` this message may use.
            pub fn placeholders(self) -> &'static [&'static str] {
                match self { $(Key::$variant => &[$($placeholder),*]),* }
            }
        }
    };
}

keys! {
    Question => "question" [],
    QuestionBrand => "question_brand" ["brand"],
    ScoreHint => "score_hint" [],
    TypeHint => "type_hint" [],
    ListButton => "list_button" [],
    PromoterFollowUp => "promoter_follow_up" ["link"],
    PromoterThanks => "promoter_thanks" [],
    PassiveFollowUp => "passive_follow_up" [],
    DetractorFollowUp => "detractor_follow_up" [],
    CommentThanks => "comment_thanks" [],
    ReaskNoScore => "reask_no_score" [],
    ReaskAmbiguous => "reask_ambiguous" [],
    ReaskOutOfRange => "reask_out_of_range" [],
    OptedOut => "opted_out" [],
    AlertDetractor => "alert_detractor" ["score"],
    AlertKudos => "alert_kudos" ["score"],
    AlertMention => "alert_mention" ["source"],
    AlertSpike => "alert_spike" ["count", "mean"],
    AlertPraise => "alert_praise" ["source"],
    FieldStaff => "field_staff" [],
    FieldCustomer => "field_customer" [],
    FieldPlatform => "field_platform" [],
    FieldLanguage => "field_language" [],
    FieldPrevious => "field_previous" [],
    FieldComment => "field_comment" [],
    FieldSentiment => "field_sentiment" [],
    FieldLink => "field_link" [],
    NoPrevious => "no_previous" [],
    AwaitingComment => "awaiting_comment" [],
    SentimentNegative => "sentiment_negative" [],
    ButtonClaim => "button_claim" [],
    ButtonResolve => "button_resolve" [],
    StatusClaimed => "status_claimed" ["user", "time"],
    StatusResolved => "status_resolved" ["user", "time"],
    EmailSubject => "email_subject" [],
    EmailFooter => "email_footer" [],
    Unsubscribe => "unsubscribe" [],
    UnsubscribeConfirm => "unsubscribe_confirm" [],
    UnsubscribeButton => "unsubscribe_button" [],
    PageSubmit => "page_submit" [],
    PageComment => "page_comment" [],
    PageThanks => "page_thanks" [],
    PageScoreMissing => "page_score_missing" [],
    PageCommentTooLong => "page_comment_too_long" ["max"],
    PageCommentEditsUsed => "page_comment_edits_used" ["max"],
    LinkInvalid => "link_invalid" [],
    SurveyClosed => "survey_closed" [],
}

/// Placeholders an override must keep: without them the message loses its point.
const REQUIRED: &[(Key, &str)] = &[(Key::PromoterFollowUp, "link"), (Key::QuestionBrand, "brand")];

pub const FALLBACK_LOCALE: &str = "en";

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("cannot read the templates file {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the templates file {path} is not valid JSON: {source}")]
    Json {
        path: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("templates file {path}: {problem}")]
    Invalid { path: String, problem: String },
}

/// The message catalogue: built-in texts for en, ru, uk, cs, hr, de, es, plus operator overrides.
#[derive(Debug, Clone)]
pub struct Templates {
    locales: BTreeMap<String, BTreeMap<Key, String>>,
}

impl Default for Templates {
    fn default() -> Self {
        Templates::builtin()
    }
}

impl Templates {
    pub fn builtin() -> Self {
        let locales = BUILTIN
            .iter()
            .map(|(locale, texts)| {
                let texts = texts
                    .iter()
                    .map(|(key, text)| (*key, (*text).to_string()))
                    .collect::<BTreeMap<_, _>>();
                (locale.to_string(), texts)
            })
            .collect();
        Templates { locales }
    }

    /// The built-in texts with the overrides of a JSON file (`{ "ru": { "question": "..." } }`).
    pub fn from_file(path: &Path) -> Result<Self, TemplateError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| TemplateError::Read {
            path: shown.clone(),
            source,
        })?;
        Templates::with_overrides(&text).map_err(|e| match e {
            TemplateError::Json { source, .. } => TemplateError::Json { path: shown, source },
            TemplateError::Invalid { problem, .. } => TemplateError::Invalid { path: shown, problem },
            other => other,
        })
    }

    /// The built-in texts with overrides given as JSON. A new locale may be added; its missing
    /// messages fall back to English. Unknown keys and lost placeholders are refused.
    pub fn with_overrides(json: &str) -> Result<Self, TemplateError> {
        let invalid = |problem: String| TemplateError::Invalid {
            path: "(inline)".into(),
            problem,
        };
        let value: Value = serde_json::from_str(json).map_err(|source| TemplateError::Json {
            path: "(inline)".into(),
            source,
        })?;
        let Value::Object(locales) = value else {
            return Err(invalid(
                "expected an object of locales, like {\"ru\": {\"question\": \"...\"}}".into(),
            ));
        };
        let mut templates = Templates::builtin();
        for (locale, texts) in locales {
            let normal = normalize_locale(&locale).ok_or_else(|| invalid(format!("{locale:?} is not a locale")))?;
            let Value::Object(texts) = texts else {
                return Err(invalid(format!("{locale}: expected an object of messages")));
            };
            let entry = templates.locales.entry(normal).or_default();
            for (name, text) in texts {
                let key = Key::ALL.iter().copied().find(|k| k.as_str() == name).ok_or_else(|| {
                    let known: Vec<&str> = Key::ALL.iter().map(|k| k.as_str()).collect();
                    invalid(format!("{locale}.{name}: unknown message; known: {}", known.join(", ")))
                })?;
                let Value::String(text) = text else {
                    return Err(invalid(format!("{locale}.{name}: expected a string")));
                };
                for used in placeholders_in(&text) {
                    if !key.placeholders().contains(&used) {
                        return Err(invalid(format!(
                            "{locale}.{name}: unknown placeholder {{{used}}}; this message may use {:?}",
                            key.placeholders()
                        )));
                    }
                }
                for (required_key, placeholder) in REQUIRED {
                    if *required_key == key && !placeholders_in(&text).any(|p| p == *placeholder) {
                        return Err(invalid(format!("{locale}.{name}: must contain {{{placeholder}}}")));
                    }
                }
                entry.insert(key, text);
            }
        }
        Ok(templates)
    }

    pub fn has_locale(&self, locale: &str) -> bool {
        self.locales.contains_key(locale)
    }

    /// The message in `locale`, or in English when that locale lacks it.
    pub fn text(&self, locale: &str, key: Key) -> &str {
        self.locales
            .get(locale)
            .and_then(|texts| texts.get(&key))
            .or_else(|| self.locales.get(FALLBACK_LOCALE).and_then(|texts| texts.get(&key)))
            .map(String::as_str)
            .unwrap_or_default()
    }

    /// The message with its placeholders filled in one pass, so a value that itself looks like a
    /// placeholder (a brand named "{link}") stays as written.
    pub fn render(&self, locale: &str, key: Key, vars: &[(&str, &str)]) -> String {
        fill(self.text(locale, key), vars)
    }

    /// The first candidate we have texts for ("ru-RU" -> "ru"), else the default, else English.
    pub fn resolve_locale<'a>(
        &self,
        candidates: impl IntoIterator<Item = Option<&'a str>>,
        default: &'a str,
    ) -> String {
        candidates
            .into_iter()
            .flatten()
            .chain([default])
            .filter_map(normalize_locale)
            .find(|l| self.has_locale(l))
            .unwrap_or_else(|| FALLBACK_LOCALE.to_string())
    }
}

/// The language part of a locale tag, lower case: "ru-RU", "ru_RU" and "RU" are all "ru".
pub fn normalize_locale(tag: &str) -> Option<String> {
    let language = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    let plausible = (2..=3).contains(&language.len()) && language.bytes().all(|b| b.is_ascii_lowercase());
    plausible.then_some(language)
}

fn placeholders_in(text: &str) -> impl Iterator<Item = &str> {
    text.split('{').skip(1).filter_map(|rest| {
        let (name, _) = rest.split_once('}')?;
        (!name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')).then_some(name)
    })
}

fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.split_once('}').and_then(|(name, tail)| {
            vars.iter()
                .find(|(var, _)| *var == name)
                .map(|(_, value)| (value, tail))
        }) {
            Some((value, tail)) => {
                out.push_str(value);
                rest = tail;
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

type Catalogue = &'static [(Key, &'static str)];

const BUILTIN: &[(&str, Catalogue)] = &[
    ("en", EN),
    ("ru", RU),
    ("uk", UK),
    ("cs", CS),
    ("hr", HR),
    ("de", DE),
    ("es", ES),
];

const EN: Catalogue = &[
    (Key::Question, "How likely are you to recommend us to a friend or family member?"),
    (Key::QuestionBrand, "How likely are you to recommend {brand} to a friend or family member?"),
    (Key::ScoreHint, "0 = not at all likely, 10 = extremely likely."),
    (Key::TypeHint, "Tap the button to choose, or just reply with a number from 0 to 10."),
    (Key::ListButton, "Choose a score"),
    (Key::PromoterFollowUp, "Thank you, that means a lot to us! If you know someone who would like us too, here is your personal link to share: {link}"),
    (Key::PromoterThanks, "Thank you, that means a lot to us! What did you like most?"),
    (Key::PassiveFollowUp, "Thank you! What would make it a 10 for you?"),
    (Key::DetractorFollowUp, "We're sorry we let you down. What went wrong? Your answer goes straight to our team."),
    (Key::CommentThanks, "Thank you for telling us. We read every answer."),
    (Key::ReaskNoScore, "Sorry, I couldn't find a score in that. Please reply with one number from 0 to 10."),
    (Key::ReaskAmbiguous, "Sorry, I saw more than one number there. Please reply with just one number from 0 to 10."),
    (Key::ReaskOutOfRange, "The scale only goes from 0 to 10. Please reply with one number in that range."),
    (Key::OptedOut, "Done: we won't send you any more surveys. Thank you for your time."),
    (Key::AlertDetractor, "Detractor: scored {score}/10"),
    (Key::AlertKudos, "Praise: scored {score}/10"),
    (Key::AlertMention, "Negative mention on {source}"),
    (Key::AlertSpike, "Spike in negative mentions: {count} in the last 24 hours (usually {mean} a day)"),
    (Key::AlertPraise, "Praise on {source}"),
    (Key::FieldStaff, "Staff named"),
    (Key::FieldCustomer, "Customer"),
    (Key::FieldPlatform, "Platform"),
    (Key::FieldLanguage, "Language"),
    (Key::FieldPrevious, "Previous scores"),
    (Key::FieldComment, "Comment"),
    (Key::FieldSentiment, "Sentiment"),
    (Key::FieldLink, "Link"),
    (Key::NoPrevious, "none, first answer"),
    (Key::AwaitingComment, "no comment yet"),
    (Key::SentimentNegative, "negative"),
    (Key::ButtonClaim, "I'll handle it"),
    (Key::ButtonResolve, "Resolved"),
    (Key::StatusClaimed, "Claimed by {user} at {time}"),
    (Key::StatusResolved, "Resolved by {user} at {time}"),
    (Key::EmailSubject, "One quick question for you"),
    (Key::EmailFooter, "You are receiving this one-question survey because you are our customer."),
    (Key::Unsubscribe, "Unsubscribe from surveys"),
    (Key::UnsubscribeConfirm, "Stop receiving survey emails from us?"),
    (Key::UnsubscribeButton, "Yes, unsubscribe me"),
    (Key::PageSubmit, "Send"),
    (Key::PageComment, "Anything you would like to add? (optional)"),
    (Key::PageThanks, "Thank you! Your answer has been recorded."),
    (Key::PageScoreMissing, "Please choose a score from 0 to 10."),
    (Key::PageCommentTooLong, "Your comment is too long: please keep it under {max} characters."),
    (Key::PageCommentEditsUsed, "You have changed your comment {max} times, the most allowed: the last one you sent is kept."),
    (Key::LinkInvalid, "This survey link is not valid. Please use the link from your email."),
    (Key::SurveyClosed, "This survey has closed. Thank you all the same."),
];

const RU: Catalogue = &[
    (Key::Question, "Насколько вероятно, что вы порекомендуете нас другу или близким?"),
    (Key::QuestionBrand, "Насколько вероятно, что вы порекомендуете {brand} другу или близким?"),
    (Key::ScoreHint, "0 — точно нет, 10 — обязательно порекомендую."),
    (Key::TypeHint, "Нажмите кнопку, чтобы выбрать, или просто ответьте числом от 0 до 10."),
    (Key::ListButton, "Выбрать оценку"),
    (Key::PromoterFollowUp, "Спасибо, нам очень приятно! Если знаете кого-то, кому мы тоже понравимся, вот ваша личная ссылка, которой можно поделиться: {link}"),
    (Key::PromoterThanks, "Спасибо, нам очень приятно! Что вам понравилось больше всего?"),
    (Key::PassiveFollowUp, "Спасибо! Что нам сделать, чтобы вы поставили 10?"),
    (Key::DetractorFollowUp, "Нам жаль, что мы вас подвели. Что пошло не так? Ваш ответ сразу получит наша команда."),
    (Key::CommentThanks, "Спасибо, что рассказали. Мы читаем каждый ответ."),
    (Key::ReaskNoScore, "Извините, я не нашёл в ответе оценку. Пожалуйста, ответьте одним числом от 0 до 10."),
    (Key::ReaskAmbiguous, "Извините, в ответе несколько чисел. Пожалуйста, напишите одно число от 0 до 10."),
    (Key::ReaskOutOfRange, "Шкала — от 0 до 10. Пожалуйста, ответьте одним числом в этих пределах."),
    (Key::OptedOut, "Готово: мы больше не будем присылать вам опросы. Спасибо за ваше время."),
    (Key::AlertDetractor, "Критик: оценка {score}/10"),
    (Key::AlertKudos, "Похвала: оценка {score}/10"),
    (Key::AlertMention, "Негативное упоминание: {source}"),
    (Key::AlertSpike, "Всплеск негатива: {count} упоминаний за 24 часа (обычно {mean} в день)"),
    (Key::AlertPraise, "Похвала: {source}"),
    (Key::FieldStaff, "Сотрудники"),
    (Key::FieldCustomer, "Клиент"),
    (Key::FieldPlatform, "Платформа"),
    (Key::FieldLanguage, "Язык"),
    (Key::FieldPrevious, "Прошлые оценки"),
    (Key::FieldComment, "Комментарий"),
    (Key::FieldSentiment, "Тональность"),
    (Key::FieldLink, "Ссылка"),
    (Key::NoPrevious, "нет, первый ответ"),
    (Key::AwaitingComment, "комментария пока нет"),
    (Key::SentimentNegative, "негативная"),
    (Key::ButtonClaim, "Беру на себя"),
    (Key::ButtonResolve, "Решено"),
    (Key::StatusClaimed, "Взято в работу: {user}, {time}"),
    (Key::StatusResolved, "Решено: {user}, {time}"),
    (Key::EmailSubject, "Один короткий вопрос"),
    (Key::EmailFooter, "Вы получили этот опрос из одного вопроса, потому что вы наш клиент."),
    (Key::Unsubscribe, "Отписаться от опросов"),
    (Key::UnsubscribeConfirm, "Больше не присылать вам опросы по почте?"),
    (Key::UnsubscribeButton, "Да, отписать меня"),
    (Key::PageSubmit, "Отправить"),
    (Key::PageComment, "Хотите что-нибудь добавить? (необязательно)"),
    (Key::PageThanks, "Спасибо! Ваш ответ записан."),
    (Key::PageScoreMissing, "Пожалуйста, выберите оценку от 0 до 10."),
    (Key::PageCommentTooLong, "Комментарий слишком длинный: пожалуйста, не больше {max} символов."),
    (Key::PageCommentEditsUsed, "Комментарий уже изменён {max} раз, больше нельзя: сохранён последний отправленный."),
    (Key::LinkInvalid, "Эта ссылка на опрос недействительна. Пожалуйста, откройте ссылку из письма."),
    (Key::SurveyClosed, "Этот опрос уже закрыт. Всё равно спасибо."),
];

const UK: Catalogue = &[
    (Key::Question, "Наскільки ймовірно, що ви порекомендуєте нас другові чи рідним?"),
    (Key::QuestionBrand, "Наскільки ймовірно, що ви порекомендуєте {brand} другові чи рідним?"),
    (Key::ScoreHint, "0 — точно ні, 10 — неодмінно порекомендую."),
    (Key::TypeHint, "Натисніть кнопку, щоб обрати, або просто надішліть число від 0 до 10."),
    (Key::ListButton, "Обрати оцінку"),
    (Key::PromoterFollowUp, "Дякуємо, нам дуже приємно! Якщо знаєте когось, кому ми теж сподобаємося, ось ваше особисте посилання, яким можна поділитися: {link}"),
    (Key::PromoterThanks, "Дякуємо, нам дуже приємно! Що вам сподобалося найбільше?"),
    (Key::PassiveFollowUp, "Дякуємо! Що нам зробити, щоб ви поставили 10?"),
    (Key::DetractorFollowUp, "Нам шкода, що ми вас підвели. Що пішло не так? Вашу відповідь одразу отримає наша команда."),
    (Key::CommentThanks, "Дякуємо, що розповіли. Ми читаємо кожну відповідь."),
    (Key::ReaskNoScore, "Вибачте, я не знайшов у відповіді оцінки. Будь ласка, надішліть одне число від 0 до 10."),
    (Key::ReaskAmbiguous, "Вибачте, у відповіді кілька чисел. Будь ласка, напишіть одне число від 0 до 10."),
    (Key::ReaskOutOfRange, "Шкала — від 0 до 10. Будь ласка, надішліть одне число в цих межах."),
    (Key::OptedOut, "Готово: ми більше не надсилатимемо вам опитувань. Дякуємо за ваш час."),
    (Key::AlertDetractor, "Критик: оцінка {score}/10"),
    (Key::AlertKudos, "Похвала: оцінка {score}/10"),
    (Key::AlertMention, "Негативна згадка: {source}"),
    (Key::AlertSpike, "Сплеск негативу: {count} згадок за 24 години (зазвичай {mean} на день)"),
    (Key::AlertPraise, "Похвала: {source}"),
    (Key::FieldStaff, "Співробітники"),
    (Key::FieldCustomer, "Клієнт"),
    (Key::FieldPlatform, "Платформа"),
    (Key::FieldLanguage, "Мова"),
    (Key::FieldPrevious, "Попередні оцінки"),
    (Key::FieldComment, "Коментар"),
    (Key::FieldSentiment, "Тональність"),
    (Key::FieldLink, "Посилання"),
    (Key::NoPrevious, "немає, перша відповідь"),
    (Key::AwaitingComment, "коментаря ще немає"),
    (Key::SentimentNegative, "негативна"),
    (Key::ButtonClaim, "Беру на себе"),
    (Key::ButtonResolve, "Вирішено"),
    (Key::StatusClaimed, "Взято в роботу: {user}, {time}"),
    (Key::StatusResolved, "Вирішено: {user}, {time}"),
    (Key::EmailSubject, "Одне коротке запитання"),
    (Key::EmailFooter, "Ви отримали це опитування з одного запитання, бо ви наш клієнт."),
    (Key::Unsubscribe, "Відписатися від опитувань"),
    (Key::UnsubscribeConfirm, "Більше не надсилати вам опитування поштою?"),
    (Key::UnsubscribeButton, "Так, відписати мене"),
    (Key::PageSubmit, "Надіслати"),
    (Key::PageComment, "Бажаєте щось додати? (необов'язково)"),
    (Key::PageThanks, "Дякуємо! Вашу відповідь записано."),
    (Key::PageScoreMissing, "Будь ласка, оберіть оцінку від 0 до 10."),
    (Key::PageCommentTooLong, "Коментар задовгий: будь ласка, не більше {max} символів."),
    (Key::PageCommentEditsUsed, "Коментар уже змінено {max} разів, більше не можна: збережено останній надісланий."),
    (Key::LinkInvalid, "Це посилання на опитування недійсне. Будь ласка, відкрийте посилання з листа."),
    (Key::SurveyClosed, "Це опитування вже закрито. Все одно дякуємо."),
];

const CS: Catalogue = &[
    (Key::Question, "Jak pravděpodobné je, že nás doporučíte příteli nebo někomu z rodiny?"),
    (Key::QuestionBrand, "Jak pravděpodobné je, že doporučíte {brand} příteli nebo někomu z rodiny?"),
    (Key::ScoreHint, "0 = vůbec ne, 10 = určitě ano."),
    (Key::TypeHint, "Klepnutím na tlačítko vyberte, nebo prostě odpovězte číslem od 0 do 10."),
    (Key::ListButton, "Vybrat hodnocení"),
    (Key::PromoterFollowUp, "Děkujeme, moc nás to těší! Pokud znáte někoho, komu bychom se také líbili, tady je váš osobní odkaz ke sdílení: {link}"),
    (Key::PromoterThanks, "Děkujeme, moc nás to těší! Co se vám líbilo nejvíc?"),
    (Key::PassiveFollowUp, "Děkujeme! Co by muselo být jinak, abyste nám dali 10?"),
    (Key::DetractorFollowUp, "Mrzí nás, že jsme vás zklamali. Co se pokazilo? Vaše odpověď půjde přímo našemu týmu."),
    (Key::CommentThanks, "Děkujeme, že jste nám to napsali. Čteme každou odpověď."),
    (Key::ReaskNoScore, "Promiňte, v odpovědi jsem nenašel hodnocení. Odpovězte prosím jedním číslem od 0 do 10."),
    (Key::ReaskAmbiguous, "Promiňte, v odpovědi je více čísel. Napište prosím jen jedno číslo od 0 do 10."),
    (Key::ReaskOutOfRange, "Stupnice je jen od 0 do 10. Odpovězte prosím jedním číslem v tomto rozsahu."),
    (Key::OptedOut, "Hotovo: další průzkumy vám už posílat nebudeme. Děkujeme za váš čas."),
    (Key::AlertDetractor, "Kritik: hodnocení {score}/10"),
    (Key::AlertKudos, "Pochvala: hodnocení {score}/10"),
    (Key::AlertMention, "Negativní zmínka: {source}"),
    (Key::AlertSpike, "Nárůst negativních zmínek: {count} za 24 hodin (obvykle {mean} denně)"),
    (Key::AlertPraise, "Pochvala: {source}"),
    (Key::FieldStaff, "Zmínění zaměstnanci"),
    (Key::FieldCustomer, "Zákazník"),
    (Key::FieldPlatform, "Platforma"),
    (Key::FieldLanguage, "Jazyk"),
    (Key::FieldPrevious, "Předchozí hodnocení"),
    (Key::FieldComment, "Komentář"),
    (Key::FieldSentiment, "Vyznění"),
    (Key::FieldLink, "Odkaz"),
    (Key::NoPrevious, "žádné, první odpověď"),
    (Key::AwaitingComment, "zatím bez komentáře"),
    (Key::SentimentNegative, "negativní"),
    (Key::ButtonClaim, "Vezmu si to"),
    (Key::ButtonResolve, "Vyřešeno"),
    (Key::StatusClaimed, "Převzato: {user}, {time}"),
    (Key::StatusResolved, "Vyřešeno: {user}, {time}"),
    (Key::EmailSubject, "Jedna krátká otázka"),
    (Key::EmailFooter, "Tento průzkum s jedinou otázkou dostáváte, protože jste náš zákazník."),
    (Key::Unsubscribe, "Odhlásit se z průzkumů"),
    (Key::UnsubscribeConfirm, "Už vám nemáme posílat průzkumy e-mailem?"),
    (Key::UnsubscribeButton, "Ano, odhlásit"),
    (Key::PageSubmit, "Odeslat"),
    (Key::PageComment, "Chcete něco dodat? (nepovinné)"),
    (Key::PageThanks, "Děkujeme! Vaše odpověď je zaznamenána."),
    (Key::PageScoreMissing, "Vyberte prosím hodnocení od 0 do 10."),
    (Key::PageCommentTooLong, "Komentář je příliš dlouhý: napište prosím nejvýše {max} znaků."),
    (Key::PageCommentEditsUsed, "Komentář jste už změnili {max}krát, víc to nejde: platí poslední odeslaný."),
    (Key::LinkInvalid, "Tento odkaz na průzkum není platný. Použijte prosím odkaz z e-mailu."),
    (Key::SurveyClosed, "Tento průzkum už je uzavřen. Přesto děkujeme."),
];

const HR: Catalogue = &[
    (Key::Question, "Koliko je vjerojatno da biste nas preporučili prijatelju ili članu obitelji?"),
    (Key::QuestionBrand, "Koliko je vjerojatno da biste {brand} preporučili prijatelju ili članu obitelji?"),
    (Key::ScoreHint, "0 = nimalo vjerojatno, 10 = iznimno vjerojatno."),
    (Key::TypeHint, "Dodirnite gumb za odabir ili jednostavno odgovorite brojem od 0 do 10."),
    (Key::ListButton, "Odaberite ocjenu"),
    (Key::PromoterFollowUp, "Hvala vam, to nam puno znači! Ako poznajete nekoga kome bismo se i mi svidjeli, evo vaše osobne poveznice za dijeljenje: {link}"),
    (Key::PromoterThanks, "Hvala vam, to nam puno znači! Što vam se najviše svidjelo?"),
    (Key::PassiveFollowUp, "Hvala! Što bismo trebali učiniti da nam date 10?"),
    (Key::DetractorFollowUp, "Žao nam je što smo vas razočarali. Što je pošlo po zlu? Vaš odgovor ide izravno našem timu."),
    (Key::CommentThanks, "Hvala što ste nam rekli. Čitamo svaki odgovor."),
    (Key::ReaskNoScore, "Oprostite, u odgovoru nisam pronašao ocjenu. Molimo odgovorite jednim brojem od 0 do 10."),
    (Key::ReaskAmbiguous, "Oprostite, u odgovoru je više brojeva. Molimo napišite samo jedan broj od 0 do 10."),
    (Key::ReaskOutOfRange, "Ljestvica ide samo od 0 do 10. Molimo odgovorite jednim brojem u tom rasponu."),
    (Key::OptedOut, "Gotovo: više vam nećemo slati ankete. Hvala na vašem vremenu."),
    (Key::AlertDetractor, "Kritičar: ocjena {score}/10"),
    (Key::AlertKudos, "Pohvala: ocjena {score}/10"),
    (Key::AlertMention, "Negativno spominjanje: {source}"),
    (Key::AlertSpike, "Nagli porast negativnih spominjanja: {count} u 24 sata (obično {mean} dnevno)"),
    (Key::AlertPraise, "Pohvala: {source}"),
    (Key::FieldStaff, "Spomenuti zaposlenici"),
    (Key::FieldCustomer, "Kupac"),
    (Key::FieldPlatform, "Platforma"),
    (Key::FieldLanguage, "Jezik"),
    (Key::FieldPrevious, "Prethodne ocjene"),
    (Key::FieldComment, "Komentar"),
    (Key::FieldSentiment, "Ton"),
    (Key::FieldLink, "Poveznica"),
    (Key::NoPrevious, "nema, prvi odgovor"),
    (Key::AwaitingComment, "još bez komentara"),
    (Key::SentimentNegative, "negativan"),
    (Key::ButtonClaim, "Preuzimam"),
    (Key::ButtonResolve, "Riješeno"),
    (Key::StatusClaimed, "Preuzeto: {user}, {time}"),
    (Key::StatusResolved, "Riješeno: {user}, {time}"),
    (Key::EmailSubject, "Jedno kratko pitanje"),
    (Key::EmailFooter, "Ovu anketu s jednim pitanjem primate jer ste naš kupac."),
    (Key::Unsubscribe, "Odjava od anketa"),
    (Key::UnsubscribeConfirm, "Želite li da vam više ne šaljemo ankete e-poštom?"),
    (Key::UnsubscribeButton, "Da, odjavi me"),
    (Key::PageSubmit, "Pošalji"),
    (Key::PageComment, "Želite li nešto dodati? (neobavezno)"),
    (Key::PageThanks, "Hvala! Vaš odgovor je zabilježen."),
    (Key::PageScoreMissing, "Molimo odaberite ocjenu od 0 do 10."),
    (Key::PageCommentTooLong, "Komentar je predug: molimo najviše {max} znakova."),
    (Key::PageCommentEditsUsed, "Komentar ste već promijenili {max} puta, više nije moguće: vrijedi posljednji poslani."),
    (Key::LinkInvalid, "Ova poveznica na anketu nije valjana. Molimo koristite poveznicu iz e-pošte."),
    (Key::SurveyClosed, "Ova je anketa zatvorena. Svejedno hvala."),
];

const DE: Catalogue = &[
    (Key::Question, "Wie wahrscheinlich ist es, dass Sie uns einem Freund oder Familienmitglied empfehlen?"),
    (Key::QuestionBrand, "Wie wahrscheinlich ist es, dass Sie {brand} einem Freund oder Familienmitglied empfehlen?"),
    (Key::ScoreHint, "0 = überhaupt nicht wahrscheinlich, 10 = äußerst wahrscheinlich."),
    (Key::TypeHint, "Tippen Sie auf die Schaltfläche oder antworten Sie einfach mit einer Zahl von 0 bis 10."),
    (Key::ListButton, "Bewertung wählen"),
    (Key::PromoterFollowUp, "Vielen Dank, das freut uns sehr! Wenn Sie jemanden kennen, dem wir auch gefallen würden, hier ist Ihr persönlicher Link zum Teilen: {link}"),
    (Key::PromoterThanks, "Vielen Dank, das freut uns sehr! Was hat Ihnen am besten gefallen?"),
    (Key::PassiveFollowUp, "Danke! Was müssten wir tun, damit Sie uns eine 10 geben?"),
    (Key::DetractorFollowUp, "Es tut uns leid, dass wir Sie enttäuscht haben. Was ist schiefgelaufen? Ihre Antwort geht direkt an unser Team."),
    (Key::CommentThanks, "Danke, dass Sie uns das mitteilen. Wir lesen jede Antwort."),
    (Key::ReaskNoScore, "Entschuldigung, darin konnte ich keine Bewertung finden. Bitte antworten Sie mit einer Zahl von 0 bis 10."),
    (Key::ReaskAmbiguous, "Entschuldigung, da standen mehrere Zahlen. Bitte antworten Sie mit nur einer Zahl von 0 bis 10."),
    (Key::ReaskOutOfRange, "Die Skala reicht nur von 0 bis 10. Bitte antworten Sie mit einer Zahl in diesem Bereich."),
    (Key::OptedOut, "Erledigt: Wir senden Ihnen keine Umfragen mehr. Danke für Ihre Zeit."),
    (Key::AlertDetractor, "Kritiker: Bewertung {score}/10"),
    (Key::AlertKudos, "Lob: Bewertung {score}/10"),
    (Key::AlertMention, "Negative Erwähnung auf {source}"),
    (Key::AlertSpike, "Häufung negativer Erwähnungen: {count} in 24 Stunden (sonst {mean} am Tag)"),
    (Key::AlertPraise, "Lob auf {source}"),
    (Key::FieldStaff, "Genannte Mitarbeiter"),
    (Key::FieldCustomer, "Kunde"),
    (Key::FieldPlatform, "Plattform"),
    (Key::FieldLanguage, "Sprache"),
    (Key::FieldPrevious, "Frühere Bewertungen"),
    (Key::FieldComment, "Kommentar"),
    (Key::FieldSentiment, "Stimmung"),
    (Key::FieldLink, "Link"),
    (Key::NoPrevious, "keine, erste Antwort"),
    (Key::AwaitingComment, "noch kein Kommentar"),
    (Key::SentimentNegative, "negativ"),
    (Key::ButtonClaim, "Ich kümmere mich"),
    (Key::ButtonResolve, "Erledigt"),
    (Key::StatusClaimed, "Übernommen von {user} um {time}"),
    (Key::StatusResolved, "Erledigt von {user} um {time}"),
    (Key::EmailSubject, "Eine kurze Frage"),
    (Key::EmailFooter, "Sie erhalten diese Umfrage mit nur einer Frage, weil Sie unser Kunde sind."),
    (Key::Unsubscribe, "Von Umfragen abmelden"),
    (Key::UnsubscribeConfirm, "Keine Umfragen mehr per E-Mail von uns erhalten?"),
    (Key::UnsubscribeButton, "Ja, abmelden"),
    (Key::PageSubmit, "Senden"),
    (Key::PageComment, "Möchten Sie noch etwas ergänzen? (optional)"),
    (Key::PageThanks, "Vielen Dank! Ihre Antwort wurde gespeichert."),
    (Key::PageScoreMissing, "Bitte wählen Sie eine Bewertung von 0 bis 10."),
    (Key::PageCommentTooLong, "Ihr Kommentar ist zu lang: bitte höchstens {max} Zeichen."),
    (Key::PageCommentEditsUsed, "Sie haben Ihren Kommentar bereits {max}-mal geändert, öfter geht es nicht: der zuletzt gesendete gilt."),
    (Key::LinkInvalid, "Dieser Umfragelink ist ungültig. Bitte verwenden Sie den Link aus Ihrer E-Mail."),
    (Key::SurveyClosed, "Diese Umfrage ist beendet. Trotzdem vielen Dank."),
];

const ES: Catalogue = &[
    (Key::Question, "¿Qué probabilidad hay de que nos recomiende a un amigo o familiar?"),
    (Key::QuestionBrand, "¿Qué probabilidad hay de que recomiende {brand} a un amigo o familiar?"),
    (Key::ScoreHint, "0 = nada probable, 10 = muy probable."),
    (Key::TypeHint, "Toque el botón para elegir o simplemente responda con un número del 0 al 10."),
    (Key::ListButton, "Elegir puntuación"),
    (Key::PromoterFollowUp, "¡Gracias, significa mucho para nosotros! Si conoce a alguien a quien también le gustaríamos, aquí tiene su enlace personal para compartir: {link}"),
    (Key::PromoterThanks, "¡Gracias, significa mucho para nosotros! ¿Qué es lo que más le gustó?"),
    (Key::PassiveFollowUp, "¡Gracias! ¿Qué haría falta para que nos diera un 10?"),
    (Key::DetractorFollowUp, "Lamentamos haberle decepcionado. ¿Qué salió mal? Su respuesta llega directamente a nuestro equipo."),
    (Key::CommentThanks, "Gracias por contárnoslo. Leemos todas las respuestas."),
    (Key::ReaskNoScore, "Disculpe, no encontré una puntuación en su respuesta. Responda con un número del 0 al 10, por favor."),
    (Key::ReaskAmbiguous, "Disculpe, vi más de un número. Responda con un solo número del 0 al 10, por favor."),
    (Key::ReaskOutOfRange, "La escala va solo del 0 al 10. Responda con un número dentro de ese rango, por favor."),
    (Key::OptedOut, "Hecho: no le enviaremos más encuestas. Gracias por su tiempo."),
    (Key::AlertDetractor, "Detractor: puntuación {score}/10"),
    (Key::AlertKudos, "Elogio: puntuación {score}/10"),
    (Key::AlertMention, "Mención negativa en {source}"),
    (Key::AlertSpike, "Pico de menciones negativas: {count} en 24 horas (normalmente {mean} al día)"),
    (Key::AlertPraise, "Elogio en {source}"),
    (Key::FieldStaff, "Personal mencionado"),
    (Key::FieldCustomer, "Cliente"),
    (Key::FieldPlatform, "Plataforma"),
    (Key::FieldLanguage, "Idioma"),
    (Key::FieldPrevious, "Puntuaciones anteriores"),
    (Key::FieldComment, "Comentario"),
    (Key::FieldSentiment, "Sentimiento"),
    (Key::FieldLink, "Enlace"),
    (Key::NoPrevious, "ninguna, primera respuesta"),
    (Key::AwaitingComment, "aún sin comentario"),
    (Key::SentimentNegative, "negativo"),
    (Key::ButtonClaim, "Me encargo yo"),
    (Key::ButtonResolve, "Resuelto"),
    (Key::StatusClaimed, "Asignado a {user}, {time}"),
    (Key::StatusResolved, "Resuelto por {user}, {time}"),
    (Key::EmailSubject, "Una pregunta rápida"),
    (Key::EmailFooter, "Recibe esta encuesta de una sola pregunta porque es nuestro cliente."),
    (Key::Unsubscribe, "Darse de baja de las encuestas"),
    (Key::UnsubscribeConfirm, "¿Dejar de recibir encuestas nuestras por correo?"),
    (Key::UnsubscribeButton, "Sí, darme de baja"),
    (Key::PageSubmit, "Enviar"),
    (Key::PageComment, "¿Quiere añadir algo? (opcional)"),
    (Key::PageThanks, "¡Gracias! Su respuesta ha quedado registrada."),
    (Key::PageScoreMissing, "Elija una puntuación de 0 a 10."),
    (Key::PageCommentTooLong, "Su comentario es demasiado largo: como máximo {max} caracteres."),
    (Key::PageCommentEditsUsed, "Ya ha cambiado su comentario {max} veces, el máximo: se conserva el último que envió."),
    (Key::LinkInvalid, "Este enlace de la encuesta no es válido. Use el enlace de su correo."),
    (Key::SurveyClosed, "Esta encuesta ya está cerrada. Gracias de todos modos."),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_locale_has_every_message_with_its_placeholders() {
        let templates = Templates::builtin();
        for (locale, catalogue) in BUILTIN {
            for key in Key::ALL {
                let text = catalogue
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, t)| *t)
                    .unwrap_or_else(|| panic!("{locale} lacks {}", key.as_str()));
                assert!(!text.trim().is_empty());
                let mut used: Vec<&str> = placeholders_in(text).collect();
                used.sort_unstable();
                let mut expected = key.placeholders().to_vec();
                expected.sort_unstable();
                assert_eq!(used, expected, "{locale}.{}", key.as_str());
            }
            assert_eq!(catalogue.len(), Key::ALL.len(), "{locale} has a duplicate");
            assert!(templates.has_locale(locale));
        }
    }

    #[test]
    fn list_button_fits_whatsapp_twenty_characters() {
        let templates = Templates::builtin();
        for (locale, _) in BUILTIN {
            assert!(
                templates.text(locale, Key::ListButton).chars().count() <= 20,
                "{locale}"
            );
        }
    }

    #[test]
    fn render_fills_placeholders_once() {
        let t = Templates::builtin();
        assert_eq!(
            t.render("en", Key::QuestionBrand, &[("brand", "{link} Motors")]),
            "How likely are you to recommend {link} Motors to a friend or family member?"
        );
        assert!(t
            .render("ru", Key::PromoterFollowUp, &[("link", "https://s.example/r/abc")])
            .ends_with(": https://s.example/r/abc"));
    }

    #[test]
    fn locale_resolution_takes_the_language_of_the_first_known_candidate() {
        let t = Templates::builtin();
        assert_eq!(t.resolve_locale([Some("ru-RU")], "en"), "ru");
        assert_eq!(t.resolve_locale([None, Some("uk_UA")], "en"), "uk");
        assert_eq!(
            t.resolve_locale([Some("pt-BR")], "de"),
            "de",
            "unknown language: the default"
        );
        assert_eq!(t.resolve_locale([Some("zz")], "xx"), "en");
        assert_eq!(t.resolve_locale([Some("")], "cs"), "cs");
    }

    #[test]
    fn overrides_replace_one_message_and_missing_ones_fall_back_to_english() {
        let t = Templates::with_overrides(
            r#"{"ru": {"question": "Порекомендуете нас?"}, "pl": {"passive_follow_up": "Co zrobić, by było 10?"}}"#,
        )
        .unwrap();
        assert_eq!(t.text("ru", Key::Question), "Порекомендуете нас?");
        assert!(t.text("ru", Key::PassiveFollowUp).starts_with("Спасибо"));
        assert_eq!(t.text("pl", Key::PassiveFollowUp), "Co zrobić, by było 10?");
        assert_eq!(t.text("pl", Key::Question), t.text("en", Key::Question));
        assert_eq!(t.resolve_locale([Some("pl-PL")], "en"), "pl");
    }

    #[test]
    fn bad_overrides_are_refused_with_the_reason() {
        let err = |json: &str| Templates::with_overrides(json).unwrap_err().to_string();
        assert!(err(r#"{"ru": {"questoin": "x"}}"#).contains("ru.questoin: unknown message"));
        assert!(err(r#"{"ru": {"question": "x {name}"}}"#).contains("unknown placeholder {name}"));
        assert!(err(r#"{"de": {"promoter_follow_up": "Danke!"}}"#).contains("must contain {link}"));
        assert!(err(r#"{"ru": {"question": 5}}"#).contains("expected a string"));
        assert!(err(r#"["ru"]"#).contains("expected an object"));
        assert!(err("{not json").contains("not valid JSON"));
    }

    #[test]
    fn an_operators_file_overrides_the_builtin_texts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("templates.json");
        std::fs::write(&path, r#"{"uk": {"comment_thanks": "Дякуємо!"}}"#).unwrap();
        let t = Templates::from_file(&path).unwrap();
        assert_eq!(t.text("uk", Key::CommentThanks), "Дякуємо!");
        std::fs::write(&path, r#"{"uk": {"thanks": "Дякуємо!"}}"#).unwrap();
        let err = Templates::from_file(&path).unwrap_err().to_string();
        assert!(
            err.contains("templates.json") && err.contains("uk.thanks: unknown message"),
            "{err}"
        );
    }

    #[test]
    fn a_missing_file_is_a_clear_error() {
        let err = Templates::from_file(Path::new("/nonexistent/templates.json")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/templates.json"), "{err}");
    }
}
