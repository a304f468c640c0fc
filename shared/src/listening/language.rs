//! Language of a mention: the sender's hint when there is one, else detection tuned for short texts.

use crate::text;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

/// The languages Sarafan listens in, as ISO 639-1 codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    En,
    Ru,
    Uk,
    Cs,
    Sk,
    Pl,
    Hr,
    Sr,
    Bs,
    Sl,
    De,
    Es,
    Fr,
    It,
    Pt,
}

impl Lang {
    pub const ALL: [Lang; 15] = [
        Lang::En,
        Lang::Ru,
        Lang::Uk,
        Lang::Cs,
        Lang::Sk,
        Lang::Pl,
        Lang::Hr,
        Lang::Sr,
        Lang::Bs,
        Lang::Sl,
        Lang::De,
        Lang::Es,
        Lang::Fr,
        Lang::It,
        Lang::Pt,
    ];

    /// The ISO 639-1 code: `en`, `ru`, `uk`...
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ru => "ru",
            Lang::Uk => "uk",
            Lang::Cs => "cs",
            Lang::Sk => "sk",
            Lang::Pl => "pl",
            Lang::Hr => "hr",
            Lang::Sr => "sr",
            Lang::Bs => "bs",
            Lang::Sl => "sl",
            Lang::De => "de",
            Lang::Es => "es",
            Lang::Fr => "fr",
            Lang::It => "it",
            Lang::Pt => "pt",
        }
    }

    /// Reads a language tag as platforms send it: `uk`, `UK`, `uk-UA`, `cs_CZ`, or the
    /// ISO 639-2 code (`ukr`, `cze`/`ces`). `None` for languages Sarafan does not know.
    pub fn from_code(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Some(match primary.as_str() {
            "en" | "eng" => Lang::En,
            "ru" | "rus" => Lang::Ru,
            "uk" | "ukr" => Lang::Uk,
            "cs" | "ces" | "cze" => Lang::Cs,
            "sk" | "slk" | "slo" => Lang::Sk,
            "pl" | "pol" => Lang::Pl,
            "hr" | "hrv" => Lang::Hr,
            "sr" | "srp" => Lang::Sr,
            "bs" | "bos" => Lang::Bs,
            "sl" | "slv" => Lang::Sl,
            "de" | "deu" | "ger" => Lang::De,
            "es" | "spa" => Lang::Es,
            "fr" | "fra" | "fre" => Lang::Fr,
            "it" | "ita" => Lang::It,
            "pt" | "por" => Lang::Pt,
            _ => return None,
        })
    }

    fn from_whatlang(lang: whatlang::Lang) -> Option<Lang> {
        Some(match lang {
            whatlang::Lang::Eng => Lang::En,
            whatlang::Lang::Rus => Lang::Ru,
            whatlang::Lang::Ukr => Lang::Uk,
            whatlang::Lang::Ces => Lang::Cs,
            whatlang::Lang::Slk => Lang::Sk,
            whatlang::Lang::Pol => Lang::Pl,
            whatlang::Lang::Hrv => Lang::Hr,
            whatlang::Lang::Srp => Lang::Sr,
            whatlang::Lang::Slv => Lang::Sl,
            whatlang::Lang::Deu => Lang::De,
            whatlang::Lang::Spa => Lang::Es,
            whatlang::Lang::Fra => Lang::Fr,
            whatlang::Lang::Ita => Lang::It,
            whatlang::Lang::Por => Lang::Pt,
            _ => return None,
        })
    }

    /// Its place in [`Lang::ALL`].
    pub(super) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language {0:?}")]
pub struct UnknownLang(pub String);

impl FromStr for Lang {
    type Err = UnknownLang;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Lang::from_code(s).ok_or_else(|| UnknownLang(s.to_string()))
    }
}

/// The language of `text`: the `hint` (a mention's `lang`, a customer's locale) when it
/// names a known language, else detected. `None` when the text has no letters to go by
/// (empty, emoji only, digits) or is in a script Sarafan does not listen in.
pub fn detect_language(text: &str, hint: Option<&str>) -> Option<Lang> {
    if let Some(lang) = hint.and_then(Lang::from_code) {
        return Some(lang);
    }
    detect(text)
}

/// Letters and words are only sampled from the start: a few sentences decide, and it keeps a
/// 10,000-character post as cheap as a tweet.
const SAMPLE_CHARS: usize = 300;
/// The most whatlang's vote can add to one language (a reliable verdict at full confidence).
const MAX_WHATLANG_VOTE: f64 = 4.0;
const LATIN_CANDIDATES: &[Lang] = &[
    Lang::En,
    Lang::Cs,
    Lang::Sk,
    Lang::Pl,
    Lang::Hr,
    Lang::Sr,
    Lang::Sl,
    Lang::De,
    Lang::Es,
    Lang::Fr,
    Lang::It,
    Lang::Pt,
];
const CYRILLIC_CANDIDATES: &[Lang] = &[Lang::Ru, Lang::Uk, Lang::Sr];

/// The first `SAMPLE_CHARS` characters of `text`, borrowed.
fn sample(text: &str) -> &str {
    // No longer than SAMPLE_CHARS bytes, or ASCII that far: bytes are chars.
    if text.len() <= SAMPLE_CHARS {
        return text;
    }
    if text.as_bytes()[..SAMPLE_CHARS].is_ascii() {
        return &text[..SAMPLE_CHARS];
    }
    match text.char_indices().nth(SAMPLE_CHARS) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

fn detect(text: &str) -> Option<Lang> {
    let sample = sample(text);
    detect_sample(sample, &text::fold(sample))
}

/// Detects the language of `sample` (already cut to [`SAMPLE_CHARS`]), given its fold.
fn detect_sample(sample: &str, folded: &str) -> Option<Lang> {
    let (mut cyrillic, mut latin) = (0usize, 0usize);
    let mut ukrainian_letter = false;
    // Short mentions defeat trigram statistics, so letters only one language uses and its
    // commonest little words vote alongside whatlang.
    let mut votes = [0.0f64; Lang::ALL.len()];
    // ASCII letters only count as Latin; the loop below is for the rest.
    let ascii = sample.bytes().take_while(u8::is_ascii).count();
    latin += sample.as_bytes()[..ascii]
        .iter()
        .filter(|b| b.is_ascii_alphabetic())
        .count();
    for c in sample[ascii..].chars() {
        if c.is_ascii() {
            latin += usize::from(c.is_ascii_alphabetic());
            continue;
        }
        if c.is_alphabetic() {
            if text::is_cyrillic(c) {
                cyrillic += 1;
                ukrainian_letter |= matches!(c, 'і' | 'ї' | 'є' | 'ґ' | 'І' | 'Ї' | 'Є');
            } else if matches!(c, '\u{00c0}'..='\u{024f}') {
                latin += 1;
            }
        }
        // Every voting character is outside ASCII; lower-casing one at a time spares a copy.
        for lower in c.to_lowercase() {
            for &(lang, weight) in letter_votes(lower) {
                votes[lang.index()] += weight;
            }
        }
    }
    if cyrillic == 0 && latin == 0 {
        return None;
    }
    let candidates = if cyrillic > latin {
        CYRILLIC_CANDIDATES
    } else {
        LATIN_CANDIDATES
    };
    for word in text::words(folded) {
        if let Some(langs) = FUNCTION_WORDS.get(word) {
            for &lang in langs {
                votes[lang.index()] += 1.0;
            }
        }
    }
    if cyrillic > latin && cyrillic >= 25 && !ukrainian_letter {
        // Ukrainian prose is full of `і`; a sentence of some length without one is not Ukrainian.
        votes[Lang::Uk.index()] -= 1.5;
    }
    // whatlang is most of detection's cost: ask it only when its vote could change the winner.
    if decisive(&votes, candidates) {
        return Some(winner(&votes, candidates));
    }
    let own = lead(&votes, candidates);
    let reliable = whatlang_vote(sample, candidates, cyrillic, latin, &mut votes);
    // A few words with no letter or little word of their own ("Good", "A test post message")
    // leave only trigram statistics, which guess wildly on so little: better no language (the
    // caller falls back to the customer's, the platform's or the default) than a confident
    // wrong one.
    if cyrillic + latin < TOO_SHORT_LETTERS && own < 1.0 && !reliable {
        return None;
    }
    Some(winner(&votes, candidates))
}

/// Below this many letters, trigram statistics alone do not place a text.
const TOO_SHORT_LETTERS: usize = 40;

/// How far the leading candidate is ahead of the next one.
fn lead(votes: &[f64], candidates: &[Lang]) -> f64 {
    let best = winner(votes, candidates);
    candidates
        .iter()
        .filter(|&&lang| lang != best)
        .map(|&lang| votes[best.index()] - votes[lang.index()])
        .fold(f64::INFINITY, f64::min)
}

/// True when the leader is ahead of every other candidate by more than whatlang could add.
fn decisive(votes: &[f64], candidates: &[Lang]) -> bool {
    let best = winner(votes, candidates);
    candidates
        .iter()
        .filter(|&&lang| lang != best)
        .all(|&lang| votes[best.index()] - votes[lang.index()] > MAX_WHATLANG_VOTE)
}

/// Adds whatlang's vote; true when whatlang calls its verdict reliable.
fn whatlang_vote(sample: &str, candidates: &[Lang], cyrillic: usize, latin: usize, votes: &mut [f64]) -> bool {
    let detector =
        whatlang::Detector::with_allowlist(candidates.iter().filter_map(|lang| whatlang_of(*lang)).collect());
    if let Some(info) = detector.detect(sample) {
        if let Some(lang) = Lang::from_whatlang(info.lang()) {
            let weight = if info.is_reliable() { MAX_WHATLANG_VOTE } else { 1.5 } * info.confidence().max(0.3);
            if lang == Lang::Hr && latin >= cyrillic {
                // whatlang knows Serbian only in Cyrillic; in Latin its "Croatian" is either.
                votes[Lang::Hr.index()] += weight / 2.0;
                votes[Lang::Sr.index()] += weight / 2.0;
            } else {
                votes[lang.index()] += weight;
            }
            return info.is_reliable();
        }
    }
    false
}

/// The candidate with most votes; ties go to the earlier candidate, the commoner language of the script.
fn winner(votes: &[f64], candidates: &[Lang]) -> Lang {
    let mut best = candidates[0];
    for &lang in candidates {
        if votes[lang.index()] > votes[best.index()] {
            best = lang;
        }
    }
    best
}

fn whatlang_of(lang: Lang) -> Option<whatlang::Lang> {
    Some(match lang {
        Lang::En => whatlang::Lang::Eng,
        Lang::Ru => whatlang::Lang::Rus,
        Lang::Uk => whatlang::Lang::Ukr,
        Lang::Cs => whatlang::Lang::Ces,
        Lang::Sk => whatlang::Lang::Slk,
        Lang::Pl => whatlang::Lang::Pol,
        Lang::Hr => whatlang::Lang::Hrv,
        Lang::Sr => whatlang::Lang::Srp,
        Lang::Sl => whatlang::Lang::Slv,
        Lang::De => whatlang::Lang::Deu,
        Lang::Es => whatlang::Lang::Spa,
        Lang::Fr => whatlang::Lang::Fra,
        Lang::It => whatlang::Lang::Ita,
        Lang::Pt => whatlang::Lang::Por,
        Lang::Bs => return None,
    })
}

/// Letters that point at one language (or a few): Ukrainian `і ї є ґ`, Serbian `ђ ј љ њ ћ џ`,
/// Russian `ы э ъ ё`, Czech `ř ů ě`, Polish `ł ą ę ś ź ż`, and so on.
fn letter_votes(c: char) -> &'static [(Lang, f64)] {
    match c {
        'і' | 'ї' | 'є' | 'ґ' => &[(Lang::Uk, 3.0)],
        'ђ' | 'ј' | 'љ' | 'њ' | 'ћ' | 'џ' => &[(Lang::Sr, 3.0)],
        'ы' | 'э' | 'ъ' | 'ё' => &[(Lang::Ru, 3.0)],
        'ř' | 'ů' | 'ě' => &[(Lang::Cs, 3.0)],
        'ľ' | 'ĺ' | 'ŕ' => &[(Lang::Sk, 3.0)],
        'ô' => &[(Lang::Sk, 1.0), (Lang::Fr, 1.0)],
        'ä' => &[(Lang::De, 1.0), (Lang::Sk, 1.0)],
        'ł' | 'ą' | 'ę' | 'ś' | 'ź' | 'ż' | 'ń' => &[(Lang::Pl, 3.0)],
        'ß' | 'ü' | 'ö' => &[(Lang::De, 3.0)],
        'đ' => &[(Lang::Hr, 2.0), (Lang::Sr, 1.0)],
        'ć' => &[(Lang::Hr, 1.0), (Lang::Sr, 1.0), (Lang::Pl, 1.0)],
        'č' | 'š' | 'ž' => &[
            (Lang::Cs, 0.5),
            (Lang::Sk, 0.5),
            (Lang::Hr, 0.5),
            (Lang::Sr, 0.5),
            (Lang::Sl, 0.5),
        ],
        'ý' => &[(Lang::Cs, 1.0), (Lang::Sk, 1.0)],
        'ú' => &[(Lang::Sk, 0.7), (Lang::Cs, 0.2), (Lang::Es, 0.3), (Lang::Pt, 0.2)],
        'á' | 'é' | 'í' => &[
            (Lang::Cs, 0.3),
            (Lang::Sk, 0.3),
            (Lang::Es, 0.2),
            (Lang::Fr, 0.1),
            (Lang::Pt, 0.2),
        ],
        'à' => &[(Lang::Fr, 1.5), (Lang::Pt, 0.5), (Lang::It, 0.5)],
        'ñ' | '¿' | '¡' => &[(Lang::Es, 3.0)],
        'ç' => &[(Lang::Fr, 1.5), (Lang::Pt, 1.5)],
        'è' | 'ê' | 'î' | 'û' | 'ë' | 'ï' | 'œ' | 'â' => &[(Lang::Fr, 1.5), (Lang::It, 0.5)],
        'ã' | 'õ' => &[(Lang::Pt, 3.0)],
        'ò' | 'ì' | 'ù' => &[(Lang::It, 2.0)],
        _ => &[],
    }
}

/// The commonest function words of each language, folded. A word may vote for several.
const FUNCTION_WORD_LISTS: &[(Lang, &str)] = &[
    (Lang::En, "thanks thank please the and is was are i i'm my you it to of for with this that not they have has we at from our very what does did will would there just"),
    (Lang::Ru, "спасибо пожалуйста и в не на я что это как с очень все но был была было они мне меня у за по когда ли уже так еще нет кто до его она мы вы сегодня сейчас только"),
    (Lang::Uk, "дякую дякуємо будь ласка і й в у не на я що це як з дуже все але був була було вони мені мене та за по коли чи вже так ще ні із щодо хто до ми ви сьогодні зараз тільки"),
    (Lang::Sr, "је и да не на сам се су ли али што није са за од у веома врло нико ме ми колико ради"),
    (Lang::Cs, "děkuji děkujeme prosím a je se na to jsem jsme jste jsou ale v ve z ze s mi mě mně byl byla bylo není velmi moc už když jestli že který která které kolik tenhle proč nikdo někdo něco také ještě"),
    (Lang::Sk, "ďakujem ďakujeme prosím a je sa na to som sme ste sú ale v vo z zo s mi ma bol bola bolo nie veľmi už keď či že ktorý ktorá ktoré koľko tento prečo aj nikto niekto niečo tiež ešte ako"),
    (Lang::Pl, "dziękuję dziękujemy proszę i w nie na to jest się że z do mnie mi był była było są ale bardzo już gdy czy który która które ile ten dlaczego jak od nikt ktoś coś też jeszcze"),
    (Lang::Hr, "i je se na to sam smo ali u iz s sa mi me bio bila bilo su nije jako vrlo već kad li da koji koja koje koliko ovaj zašto"),
    (Lang::Sr, "i je se na to sam smo ali u iz s sa mi me bio bila bilo su nije vrlo već kad li da koji koja koje koliko ovaj zašto"),
    (Lang::Hr, "tko što gdje nitko uopće tjedan tjedna kava lijep lijepo djeca vrijeme tisuća sljedeći mjesec"),
    (Lang::Sr, "šta ko gde niko uopšte nedelja nedelje kafa lep lepo deca vreme hiljada sledeći mesec veoma pre deo cenu cena ovde"),
    (Lang::Sl, "in sem ni zelo tudi kaj ki ampak bil zakaj"),
    (Lang::De, "danke bitte der die das und ist ich nicht mit ein eine einen zu auf für den dem sehr war hat habe sie wir es von bei aber auch noch schon wie mein meine mir mich man kann wird wurde im zum zur dass oder wenn weil hier heute alles"),
    (Lang::Es, "gracias el la los las de que y es en un una no por con para muy pero me mi lo fue esta estoy del al se"),
    (Lang::Fr, "merci le la les de des et est un une je pas ne pour avec tres mais du au qui que il ils elle c'est j'ai sur dans"),
    (Lang::It, "grazie il la di che e un una non per con molto ma sono del della ho mi gli"),
    (Lang::Pt, "obrigado obrigada o a os as de que e um uma nao por com muito mas do da eu foi esta"),
];

static FUNCTION_WORDS: LazyLock<FxHashMap<String, Vec<Lang>>> = LazyLock::new(|| {
    let mut map: FxHashMap<String, Vec<Lang>> = FxHashMap::default();
    for (lang, list) in FUNCTION_WORD_LISTS {
        for word in list.split_whitespace() {
            let entry = map.entry(text::fold(word)).or_default();
            if !entry.contains(lang) {
                entry.push(*lang);
            }
        }
    }
    map
});

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn the_sample_is_the_first_chars_whatever_the_script(text in "[a-z ,.\u{e9}\u{436}]{250,350}") {
            let by_chars = match text.char_indices().nth(SAMPLE_CHARS) {
                Some((end, _)) => &text[..end],
                None => &text[..],
            };
            proptest::prop_assert_eq!(sample(&text), by_chars);
        }
    }

    #[test]
    fn a_known_hint_wins_over_the_text() {
        // GIVEN a mention whose platform says it is Ukrainian
        // WHEN its language is asked for
        // THEN the hint is taken, whatever the text looks like
        assert_eq!(detect_language("Hello there", Some("uk-UA")), Some(Lang::Uk));
        assert_eq!(detect_language("Hello there", Some("CS_cz")), Some(Lang::Cs));
        assert_eq!(detect_language("Hello there", Some("ger")), Some(Lang::De));
    }

    #[test]
    fn an_unknown_hint_falls_back_to_detection() {
        assert_eq!(
            detect_language("The service was great, thank you", Some("xx")),
            Some(Lang::En)
        );
        assert_eq!(
            detect_language("The service was great, thank you", Some("")),
            Some(Lang::En)
        );
    }

    #[test]
    fn short_texts_are_placed_by_letters_and_function_words() {
        let cases = [
            ("Дякую, все чудово!", Lang::Uk),
            ("Спасибо, всё отлично!", Lang::Ru),
            ("Хвала, све је супер", Lang::Sr),
            ("Děkuji, super přístup", Lang::Cs),
            ("Ďakujem, veľmi ochotný", Lang::Sk),
            ("Dziękuję, świetna obsługa", Lang::Pl),
            ("Vielen Dank, schöne Grüße", Lang::De),
            ("¡Muchas gracias!", Lang::Es),
            ("Merci, très aimable", Lang::Fr),
            ("Thanks, the car is great", Lang::En),
            ("Hvala, nitko nije zvao", Lang::Hr),
        ];
        for (text, want) in cases {
            assert_eq!(detect_language(text, None), Some(want), "{text}");
        }
    }

    #[test]
    fn a_few_words_with_nothing_of_their_own_have_no_language() {
        // GIVEN texts too short for trigram statistics, with no letter or little word that
        // places them (whatlang alone said Czech and Portuguese)
        // THEN no language is guessed: the caller falls back to what it knows
        assert_eq!(detect_language("Good", None), None);
        assert_eq!(detect_language("A test post message", None), None);
        // AND a hint still decides
        assert_eq!(detect_language("Good", Some("en")), Some(Lang::En));
    }

    #[test]
    fn texts_without_letters_have_no_language() {
        assert_eq!(detect_language("", None), None);
        assert_eq!(detect_language("👍👍 :) 10/10", None), None);
    }

    #[test]
    fn codes_round_trip_through_serde_and_from_str() {
        for lang in Lang::ALL {
            assert_eq!(lang.code().parse::<Lang>(), Ok(lang));
            let json = serde_json::to_string(&lang).unwrap();
            assert_eq!(json, format!("\"{}\"", lang.code()));
        }
        assert!("klingon".parse::<Lang>().is_err());
    }
}
