//! Reasons behind a score: comment themes found by keyword and phrase patterns per language.
//!
//! Themes are counted when a comment is written (`themes.{category}.{theme}` counters), so the
//! report reads only the monthly aggregates. Patterns are words of folded text (`text::fold`);
//! a word ending in `*` matches any word it starts (a stem), and several words match only in
//! sequence ("took ages"). A comment counts once per theme however often it names it.

use crate::text::{fold, words};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What customers talk about when they explain a score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    /// Waiting, slowness, long handovers.
    Waiting,
    /// How staff treated the customer: friendly, helpful, rude.
    Staff,
    /// Prices, fees, value for money.
    Price,
    /// Paperwork and documents.
    Paperwork,
    /// Pushy selling of extras.
    Pressure,
    /// Calls not returned, no follow-up.
    FollowUp,
    /// The car's condition at handover.
    Cleanliness,
    /// Ready when promised, quick service.
    OnTime,
    /// Recommending, telling friends, coming back.
    Recommend,
    /// Going beyond service: the moments people retell.
    Enchantment,
}

impl Theme {
    pub const ALL: [Theme; 10] = [
        Theme::Waiting,
        Theme::Staff,
        Theme::Price,
        Theme::Paperwork,
        Theme::Pressure,
        Theme::FollowUp,
        Theme::Cleanliness,
        Theme::OnTime,
        Theme::Recommend,
        Theme::Enchantment,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Waiting => "waiting",
            Theme::Staff => "staff",
            Theme::Price => "price",
            Theme::Paperwork => "paperwork",
            Theme::Pressure => "pressure",
            Theme::FollowUp => "follow_up",
            Theme::Cleanliness => "cleanliness",
            Theme::OnTime => "on_time",
            Theme::Recommend => "recommend",
            Theme::Enchantment => "enchantment",
        }
    }

    pub fn parse(s: &str) -> Option<Theme> {
        Theme::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

impl fmt::Display for Theme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The languages with their own pattern lists (ISO 639-1).
pub const LANGUAGES: [&str; 6] = ["en", "ru", "uk", "cs", "de", "es"];

/// Patterns of one language: `(theme, pattern)`.
fn patterns(lang: &str) -> &'static [(Theme, &'static str)] {
    use Theme::*;
    match lang {
        "en" => &[
            (Waiting, "wait*"),
            (Waiting, "took ages"),
            (Waiting, "slow*"),
            (Waiting, "hours"),
            (Waiting, "queue*"),
            (Staff, "explain*"),
            (Staff, "friendly"),
            (Staff, "helpful"),
            (Staff, "rude*"),
            (Staff, "staff"),
            (Staff, "team"),
            (Staff, "salesman"),
            (Price, "price*"),
            (Price, "expensive"),
            (Price, "overpriced"),
            (Price, "cheap*"),
            (Paperwork, "paperwork"),
            (Paperwork, "documents"),
            (Pressure, "pushed"),
            (Pressure, "pushy"),
            (Pressure, "pressure"),
            (Pressure, "upsell*"),
            (FollowUp, "called me back"),
            (FollowUp, "call back"),
            (FollowUp, "callback*"),
            (FollowUp, "never called"),
            (FollowUp, "no reply"),
            (Cleanliness, "dirty"),
            (Cleanliness, "clean*"),
            (OnTime, "on time"),
            (OnTime, "same day"),
            (OnTime, "ready"),
            (OnTime, "quick*"),
            (OnTime, "fast"),
            (Recommend, "recommend*"),
            (Recommend, "told my"),
            (Recommend, "come back"),
            (Enchantment, "bow"),
            (Enchantment, "birthday"),
            (Enchantment, "flowers"),
            (Enchantment, "made her day"),
            (Enchantment, "made my day"),
        ],
        "ru" => &[
            (Waiting, "жд*"),
            (Waiting, "долго"),
            (Waiting, "очеред*"),
            (Waiting, "два часа"),
            (Staff, "менеджер*"),
            (Staff, "объяснил*"),
            (Staff, "персонал*"),
            (Staff, "вежлив*"),
            (Staff, "хамств*"),
            (Staff, "никто не подошел"),
            (Price, "цен*"),
            (Price, "дорог*"),
            (Paperwork, "документ*"),
            (Pressure, "навязыва*"),
            (Pressure, "навязанн*"),
            (Pressure, "навязали"),
            (FollowUp, "перезвон*"),
            (Cleanliness, "грязн*"),
            (OnTime, "вовремя"),
            (OnTime, "быстро"),
            (Recommend, "рекоменд*"),
        ],
        "uk" => &[
            (Waiting, "чека*"),
            (Waiting, "довго"),
            (Staff, "персонал*"),
            (Staff, "привітн*"),
            (Price, "цін*"),
            (Price, "дорог*"),
            (FollowUp, "передзвон*"),
            (OnTime, "швидко"),
            (Recommend, "рекоменд*"),
        ],
        "cs" => &[
            (Waiting, "cek*"),
            (Waiting, "dlouho"),
            (Staff, "pristup"),
            (Staff, "poradil*"),
            (Price, "drah*"),
            (Price, "cen*"),
            (Paperwork, "papirovani"),
            (FollowUp, "neozval*"),
            (OnTime, "vcas"),
            (Recommend, "doporuc*"),
        ],
        "de" => &[
            (Waiting, "gewartet"),
            (Waiting, "dauerte lange"),
            (Waiting, "warten"),
            (Staff, "freundlich*"),
            (Staff, "beratung"),
            (Price, "preis*"),
            (Price, "teuer"),
            (Paperwork, "papierkram"),
            (FollowUp, "zuruckgerufen"),
            (Cleanliness, "schmutzig"),
            (OnTime, "punktlich"),
            (OnTime, "schnell"),
            (Recommend, "empfehlen"),
            (Recommend, "gerne wieder"),
        ],
        "es" => &[
            (Waiting, "esper*"),
            (Waiting, "tardo"),
            (Staff, "atencion"),
            (Staff, "amables"),
            (Price, "caro"),
            (Price, "precio*"),
            (Paperwork, "papeleo"),
            (FollowUp, "devolvio la llamada"),
            (OnTime, "a tiempo"),
            (Recommend, "recomiendo"),
            (Recommend, "volvere"),
        ],
        _ => &[],
    }
}

/// The language whose patterns apply: the locale's (`ru-RU` -> `ru`) when we have patterns
/// for it, else the one the text looks like, else none.
pub fn language_of(text: &str, locale: Option<&str>) -> Option<&'static str> {
    let from_locale = locale
        .and_then(|l| l.split(['-', '_']).next())
        .map(|l| l.to_ascii_lowercase())
        .and_then(|l| LANGUAGES.into_iter().find(|known| *known == l));
    from_locale.or_else(|| {
        let code = whatlang::detect_lang(text)?.code();
        let two = match code {
            "eng" => "en",
            "rus" => "ru",
            "ukr" => "uk",
            "ces" => "cs",
            "deu" => "de",
            "spa" => "es",
            _ => return None,
        };
        Some(two)
    })
}

fn word_matches(pattern: &str, word: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(stem) => word.starts_with(stem),
        None => word == pattern,
    }
}

/// The themes a comment names, in `Theme::ALL` order, each once.
pub fn themes_of(comment: &str, locale: Option<&str>) -> Vec<Theme> {
    let folded = fold(comment);
    let text_words: Vec<&str> = words(&folded).collect();
    let langs: Vec<&str> = match language_of(comment, locale) {
        Some(lang) => vec![lang],
        None => LANGUAGES.to_vec(),
    };
    let mut found = Vec::new();
    for lang in langs {
        for (theme, pattern_words) in compiled(lang) {
            if found.contains(theme) {
                continue;
            }
            let hit = text_words.windows(pattern_words.len()).enumerate().any(|(i, window)| {
                window.iter().zip(pattern_words).all(|(w, p)| word_matches(p, w))
                    && !(i > 0 && NEGATIONS.contains(&text_words[i - 1]))
            });
            if hit {
                found.push(*theme);
            }
        }
    }
    found.sort();
    found
}

/// A word before a match that turns it around ("no pressure", "без навязанных"). Plain "not" and
/// "не" are left out: complaints are phrased with them ("не перезвонили" is the complaint itself).
const NEGATIONS: [&str; 7] = ["no", "without", "без", "ohne", "kein", "keine", "sin"];

/// A pattern folded and split into words.
type Compiled = (Theme, Vec<String>);

/// Each language's patterns, folded and split once per process (comments are matched at ingest).
fn compiled(lang: &str) -> &'static [Compiled] {
    static COMPILED: std::sync::OnceLock<Vec<(&'static str, Vec<Compiled>)>> = std::sync::OnceLock::new();
    let all = COMPILED.get_or_init(|| {
        LANGUAGES
            .iter()
            .map(|lang| {
                let list = patterns(lang)
                    .iter()
                    .map(|(theme, p)| (*theme, fold(p).split_whitespace().map(str::to_string).collect()))
                    .collect();
                (*lang, list)
            })
            .collect()
    });
    all.iter()
        .find(|(l, _)| *l == lang)
        .map(|(_, list)| list.as_slice())
        .unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_comments_find_words_stems_and_phrases() {
        // "waited" matches the stem wait*, "nobody came" names no theme of its own
        assert_eq!(
            themes_of("Waited two hours and nobody came", Some("en")),
            [Theme::Waiting]
        );
        // a phrase matches only in sequence
        assert_eq!(
            themes_of("Fine, but the paperwork took ages", Some("en")),
            [Theme::Waiting, Theme::Paperwork]
        );
        assert_eq!(themes_of("took the ages", Some("en")), Vec::<Theme>::new());
        assert_eq!(
            themes_of("Anna explained everything and the car was ready on time", Some("en-GB")),
            [Theme::Staff, Theme::OnTime]
        );
    }

    #[test]
    fn each_language_uses_its_own_patterns_with_folded_letters() {
        // "Ждали" folds to "ждали" (stem жд*); "подошёл" folds ё to е
        assert_eq!(
            themes_of("Ждали два часа, никто не подошёл", Some("ru")),
            [Theme::Waiting, Theme::Staff]
        );
        // "zurückgerufen" folds to "zuruckgerufen"
        assert_eq!(themes_of("Hat nie zurückgerufen", Some("de")), [Theme::FollowUp]);
        assert_eq!(themes_of("Auto připravené včas", Some("cs")), [Theme::OnTime]);
        assert_eq!(
            themes_of("Nadie nos devolvió la llamada", Some("es")),
            [Theme::FollowUp]
        );
    }

    #[test]
    fn unknown_locale_falls_back_to_the_texts_language_or_all_lists() {
        // no locale: whatlang says Russian
        assert_eq!(
            themes_of("Навязывали страховку, было очень неприятно и долго", None),
            [Theme::Waiting, Theme::Pressure]
        );
        // a locale without patterns and a text too short to detect: every list is tried
        assert_eq!(themes_of("dirty", Some("xx")), [Theme::Cleanliness]);
    }

    #[test]
    fn a_negated_theme_does_not_count() {
        // "no pressure" praises the absence of pushy selling; "без навязанных" likewise
        assert_eq!(themes_of("Honest prices and no pressure", Some("en")), [Theme::Price]);
        assert_eq!(themes_of("Быстро, без навязанных допов", Some("ru")), [Theme::OnTime]);
        // but "не перезвонили" is the complaint itself
        assert_eq!(themes_of("Мне так и не перезвонили", Some("ru")), [Theme::FollowUp]);
    }

    #[test]
    fn a_theme_counts_once_per_comment() {
        assert_eq!(themes_of("wait, wait, waiting", Some("en")), [Theme::Waiting]);
    }

    #[test]
    fn theme_names_round_trip() {
        for t in Theme::ALL {
            assert_eq!(Theme::parse(t.as_str()), Some(t));
        }
    }
}
