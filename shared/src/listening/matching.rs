//! Which configured brand and competitor terms a mention names, tagged or organic, in any script.

use crate::text;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::sync::LazyLock;
use unicode_normalization::UnicodeNormalization;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Name,
    Handle,
    Tag,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    /// As configured, which is what a match reports.
    configured: String,
    form: Form,
    competitor: bool,
    /// Match keys of the words of a name; the folded handle or tag (without `@`/`#`) otherwise.
    keys: Vec<String>,
}

/// The brand's and the competitors' terms, from `SARAFAN_BRAND_TERMS` and
/// `SARAFAN_COMPETITOR_TERMS` (comma lists of names, @handles and #tags).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TermSet {
    terms: Vec<Term>,
}

/// What a mention names: the configured terms found in it, as configured, and whose they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MentionMatch {
    pub matched_terms: Vec<String>,
    pub brand: bool,
    pub competitor: bool,
}

impl MentionMatch {
    /// True when the mention names at least one configured term.
    pub fn is_match(&self) -> bool {
        self.brand || self.competitor
    }
}

impl TermSet {
    /// Reads the two comma lists. Blank items are skipped; a term listed twice counts once.
    pub fn parse(brand: &str, competitors: &str) -> TermSet {
        let mut terms: Vec<Term> = Vec::new();
        for (list, competitor) in [(brand, false), (competitors, true)] {
            for configured in list.split(',').map(str::trim) {
                let Some(term) = Term::parse(configured, competitor) else {
                    continue;
                };
                if !terms
                    .iter()
                    .any(|t| t.configured == term.configured && t.competitor == competitor)
                {
                    terms.push(term);
                }
            }
        }
        TermSet { terms }
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The brand's terms, as configured.
    pub fn brand_terms(&self) -> impl Iterator<Item = &str> {
        self.terms
            .iter()
            .filter(|t| !t.competitor)
            .map(|t| t.configured.as_str())
    }

    /// The competitors' terms, as configured.
    pub fn competitor_terms(&self) -> impl Iterator<Item = &str> {
        self.terms
            .iter()
            .filter(|t| t.competitor)
            .map(|t| t.configured.as_str())
    }
}

impl Term {
    fn parse(configured: &str, competitor: bool) -> Option<Term> {
        let (form, body) = if let Some(handle) = configured.strip_prefix('@') {
            (Form::Handle, handle)
        } else if let Some(tag) = configured.strip_prefix('#') {
            (Form::Tag, tag)
        } else {
            (Form::Name, configured)
        };
        let keys: Vec<String> = match form {
            Form::Name => {
                let folded = text::fold(&body.nfc().collect::<String>());
                text::words(&folded)
                    .flat_map(|w| w.split('\''))
                    .filter(|w| !w.is_empty())
                    .map(match_key)
                    .collect()
            }
            Form::Handle | Form::Tag => {
                let folded = text::fold(body.trim_end_matches('.'));
                if folded.is_empty() || !folded.chars().all(is_handle_char) {
                    return None;
                }
                vec![folded]
            }
        };
        if keys.is_empty() {
            return None;
        }
        Some(Term {
            configured: configured.to_string(),
            form,
            competitor,
            keys,
        })
    }

    fn matches(&self, mention: &ScannedMention) -> bool {
        match self.form {
            Form::Handle => mention.handles.contains(&self.keys[0]),
            Form::Tag => mention.tags.contains(&self.keys[0]),
            Form::Name => {
                let n = self.keys.len();
                mention.words.windows(n).any(|window| {
                    window
                        .iter()
                        .zip(&self.keys)
                        .all(|(word, key)| word_matches(key, mention.key(word), word.cyrillic))
                })
            }
        }
    }
}

/// Finds the configured terms `text` names.
///
/// Decisions (see docs/sentiment.md, "Matching"):
/// - a **name** (`Sarafan`, `Acme Motors`) matches whole words, case- and diacritics-blind,
///   in Latin or Cyrillic (`Сарафан`), also inside handles and hashtags when it is a whole
///   part of them: `@sarafan`, `#Sarafan`, `@sarafan_cz`, `#SarafanRadio` (camel case, `_` and
///   digits split parts), but not `#sarafanradio` nor `Sarafanless`;
/// - a name may carry one Slavic case ending from a closed list (`Sarafanu`, `Сарафаном`,
///   `Acme Motorsem`); a name ending in a vowel may swap it (`Škoda` -> `Škody`, `Лада` ->
///   `Лады`, `Sprite` -> `Spritem`), but a short Latin stem only for two-letter endings, so
///   `Lada` never matches `lady`; English `-s` is not an ending, so `Seat` never matches `seats`;
/// - a **handle** (`@sarafan`) or **tag** (`#sarafan`) matches only that handle or tag, whole.
pub fn match_mention(terms: &TermSet, text: &str) -> MentionMatch {
    let mut result = MentionMatch::default();
    if terms.is_empty() || text.is_empty() {
        return result;
    }
    let mention = ScannedMention::scan(text);
    for term in &terms.terms {
        if term.matches(&mention) {
            if !result.matched_terms.contains(&term.configured) {
                result.matched_terms.push(term.configured.clone());
            }
            if term.competitor {
                result.competitor = true;
            } else {
                result.brand = true;
            }
        }
    }
    result
}

/// A word of the mention: its match key is `keys[start..end]` of the [`ScannedMention`].
#[derive(Debug)]
struct Word {
    start: usize,
    end: usize,
    cyrillic: bool,
}

/// A mention's words, handles and tags in match-key form. The keys of all words sit back to
/// back in one string: scanning a mention costs a few allocations, not one per word.
#[derive(Debug)]
struct ScannedMention {
    keys: String,
    words: Vec<Word>,
    handles: Vec<String>,
    tags: Vec<String>,
}

/// A [`ScannedMention`] being built: its keys as bytes (every piece pushed is UTF-8, checked
/// once at the end rather than word by word).
#[derive(Debug, Default)]
struct Scan {
    keys: Vec<u8>,
    words: Vec<Word>,
    handles: Vec<String>,
    tags: Vec<String>,
}

impl ScannedMention {
    fn scan(text: &str) -> ScannedMention {
        // NFC first: a decomposed accent is not alphanumeric and would split a word in two.
        let decoded = text::decode_entities(text);
        let mut scan = Scan {
            keys: Vec::with_capacity(decoded.len()),
            // Words average five letters and a space or so: room enough without growing.
            words: Vec::with_capacity(decoded.len() / 4 + 1),
            ..Scan::default()
        };
        if decoded.is_ascii() {
            // ASCII is its own NFC, and each byte is a char: no copy of the text as chars.
            scan.scan_units(decoded.as_bytes());
        } else {
            let chars: Vec<char> = decoded.nfc().collect();
            scan.scan_units(&chars);
        }
        ScannedMention {
            keys: String::from_utf8(scan.keys).unwrap_or_else(|_| unreachable!("keys are pushed as UTF-8")),
            words: scan.words,
            handles: scan.handles,
            tags: scan.tags,
        }
    }

    fn key(&self, word: &Word) -> &str {
        &self.keys[word.start..word.end]
    }
}

impl Scan {
    /// One pass over the text's characters (bytes when it is ASCII).
    fn scan_units<C: Copy + Into<char>>(&mut self, units: &[C]) {
        let at = |i: usize| -> char { units[i].into() };
        let mut i = 0;
        // Whether the unit before `i` is a letter or digit.
        let mut after_word = false;
        while i < units.len() {
            let c = at(i);
            if (c == '@' || c == '#') && !after_word && i + 1 < units.len() && at(i + 1).is_alphanumeric() {
                let start = i + 1;
                let mut end = start;
                while end < units.len() && is_handle_char(at(end)) {
                    end += 1;
                }
                while end > start && at(end - 1) == '.' {
                    end -= 1;
                }
                let run: String = units[start..end].iter().map(|&u| u.into()).collect();
                let folded = text::fold(&run);
                let list = if c == '@' { &mut self.handles } else { &mut self.tags };
                if !list.contains(&folded) {
                    list.push(folded);
                }
                for part in split_compound(&units[start..end]) {
                    self.push_word(&part);
                }
                after_word = at(end - 1).is_alphanumeric();
                i = end;
            } else if c.is_alphanumeric() {
                let start = i;
                while i < units.len() && at(i).is_alphanumeric() {
                    i += 1;
                }
                self.push_word_units(&units[start..i]);
                after_word = true;
            } else {
                after_word = false;
                i += 1;
            }
        }
    }

    fn push_word_units<C: Copy + Into<char>>(&mut self, word: &[C]) {
        let start = self.keys.len();
        if word.iter().all(|&u| u.into().is_ascii()) {
            // Folding and latinizing leave ASCII letters and digits as they are, lower-cased:
            // one pass straight into the key buffer, for the commonest words.
            self.keys
                .extend(word.iter().map(|&u| match u.into().to_ascii_lowercase() {
                    'y' => b'i',
                    // ASCII: the char is one byte.
                    lower => lower as u8,
                }));
            self.words.push(Word {
                start,
                end: self.keys.len(),
                cyrillic: false,
            });
        } else {
            let word: String = word.iter().map(|&u| u.into()).collect();
            self.push_word(&word);
        }
    }

    fn push_word(&mut self, word: &str) {
        if word.is_empty() {
            return;
        }
        if word.is_ascii() {
            return self.push_word_units(word.as_bytes());
        }
        let start = self.keys.len();
        self.keys.extend_from_slice(match_key(&text::fold(word)).as_bytes());
        self.words.push(Word {
            start,
            end: self.keys.len(),
            cyrillic: text::has_cyrillic(word),
        });
    }
}

fn is_handle_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '.'
}

/// Splits a handle or hashtag into its parts: at `_` and `.`, between letters and digits, and
/// at camel-case humps (`SarafanRadio` -> `Sarafan`, `Radio`; `ACMEMotors` -> `ACME`, `Motors`).
fn split_compound<C: Copy + Into<char>>(run: &[C]) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    for (i, c) in run.iter().map(|&u| u.into()).enumerate() {
        if !c.is_alphanumeric() {
            parts.push(std::mem::take(&mut current));
            continue;
        }
        if let Some(prev) = i.checked_sub(1).and_then(|p| run.get(p)).map(|&u| u.into()) {
            let next = run.get(i + 1).map(|&u| u.into());
            let hump = prev.is_lowercase() && c.is_uppercase();
            let acronym_end = prev.is_uppercase() && c.is_uppercase() && next.is_some_and(char::is_lowercase);
            let digits = prev.is_alphanumeric() && prev.is_numeric() != c.is_numeric();
            if hump || acronym_end || digits {
                parts.push(std::mem::take(&mut current));
            }
        }
        current.push(c);
    }
    parts.push(current);
    parts.retain(|p| !p.is_empty());
    parts
}

/// The form words are compared in: folded, Cyrillic spelled in Latin, `y` read as `i` (so
/// `Toyota` meets `Тойота`, whose `й` folds to `и`).
fn match_key(folded: &str) -> String {
    text::latinize(folded).replace('y', "i")
}

/// Slavic case endings a name may take (Czech, Slovak, Polish, Russian, Ukrainian,
/// Serbian/Croatian), written in match-key form. Deliberately no English `-s`: `Seat` must not
/// match `seats`.
const ENDING_LIST: &[&str] = &[
    "a", "u", "e", "i", "y", "em", "om", "am", "um", "ou", "oi", "ei", "oj", "ej", "ov", "iv", "ow", "ie", "ju", "ja",
    "ji", "im", "ih", "ah", "ovi", "owi", "ova", "ove", "ovu", "ami", "ima", "ach", "och", "ech", "ich", "iem", "oju",
    "eju", "ovih", "ovima",
];

static ENDINGS: LazyLock<HashSet<String>> = LazyLock::new(|| ENDING_LIST.iter().map(|e| match_key(e)).collect());

/// Whether a mention's word is the term's word, allowing one case ending.
fn word_matches(key: &str, word: &str, cyrillic: bool) -> bool {
    // Every way of matching below starts the word with the key's first letter (a stem keeps
    // at least three): most words of a mention end here.
    if word.as_bytes().first() != key.as_bytes().first() {
        return false;
    }
    if word == key {
        return true;
    }
    // Two-letter names (`VW`, `BP`) are not inflected in writing; only an exact match counts.
    if key.chars().count() < 3 {
        return false;
    }
    if let Some(ending) = word.strip_prefix(key) {
        if ENDINGS.contains(ending) {
            return true;
        }
    }
    // Names ending in a vowel swap it for the case ending: Škoda -> Škody, Лада -> Ладой,
    // Sprite -> Spritem, Volvo -> Volvem.
    let Some(last) = key.chars().last().filter(|c| matches!(c, 'a' | 'e' | 'o')) else {
        return false;
    };
    let stem = &key[..key.len() - last.len_utf8()];
    let stem_len = stem.chars().count();
    // `-e`/`-o` names need a longer stem: `Lego` must not become `leg` + ending.
    let min_stem = if last == 'a' { 3 } else { 4 };
    if stem_len < min_stem {
        return false;
    }
    let Some(ending) = word.strip_prefix(stem) else {
        return false;
    };
    // A short Latin stem with a one-letter ending makes ordinary English words
    // (`Lada` -> `lady`); Cyrillic spelling cannot be English, so it may.
    let short_latin = stem_len < 4 && !cyrillic && ending.chars().count() < 2;
    !ending.is_empty() && ENDINGS.contains(ending) && !short_latin
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_of_any_length_are_keyed_and_matched() {
        let long = "Supercalifragilisticexpialidociousyachts";
        let terms = TermSet::parse(&format!("{long},Sprite"), "");
        let found = match_mention(&terms, &format!("the {} and my sprite", long.to_uppercase()));
        assert_eq!(found.matched_terms, [long, "Sprite"]);
        assert!(!match_mention(&terms, "Supercalifragilisticexpialidociousyacht").is_match());
    }

    fn brand(terms: &str) -> TermSet {
        TermSet::parse(terms, "")
    }

    fn names(set: &TermSet, text: &str) -> Vec<String> {
        match_mention(set, text).matched_terms
    }

    #[test]
    fn parse_reads_comma_lists_and_skips_blanks() {
        // GIVEN the two environment lists with stray spaces, blanks and a repeat
        let set = TermSet::parse(" Sarafan, @sarafan ,, #SarafanRadio,Sarafan", "Acme Motors, @acme");
        // THEN each term is kept once, as configured, on its side
        assert_eq!(
            set.brand_terms().collect::<Vec<_>>(),
            ["Sarafan", "@sarafan", "#SarafanRadio"]
        );
        assert_eq!(set.competitor_terms().collect::<Vec<_>>(), ["Acme Motors", "@acme"]);
        assert!(TermSet::parse(" , @, #", "").is_empty());
    }

    #[test]
    fn organic_mentions_match_without_tags_in_any_case() {
        let set = brand("Sarafan");
        let cases = [
            "loving my new Sarafan",
            "SARAFAN is great",
            "sarafan's service desk",
            "Tried sarafan.",
            "info@sarafan.cz wrote back",
        ];
        for text in cases {
            assert_eq!(names(&set, text), ["Sarafan"], "{text}");
        }
    }

    #[test]
    fn a_name_matches_whole_parts_of_handles_and_hashtags() {
        // GIVEN the brand configured as a plain name
        let set = brand("Sarafan");
        // WHEN it appears as a handle, a hashtag or a camel-case part of one
        // THEN it matches; a tag that merely starts with it does not
        let cases = [
            ("thanks @sarafan!", true),
            ("#sarafan rocks", true),
            ("#SarafanRadio works", true),
            ("#RadioSarafan works", true),
            ("ask @sarafan_cz", true),
            ("#Sarafan2024 launch", true),
            ("#sarafanradio works", false),
            ("#SARAFANRADIO works", false),
        ];
        for (text, want) in cases {
            assert_eq!(match_mention(&set, text).brand, want, "{text}");
        }
    }

    #[test]
    fn handles_and_tags_match_only_themselves() {
        // GIVEN a handle and a tag as the brand's terms
        let set = brand("@sarafan, #wordofmouth");
        // THEN the handle matches @Sarafan but not the bare word, and the tag matches whole
        assert_eq!(names(&set, "Hi @Sarafan."), ["@sarafan"]);
        assert!(names(&set, "I love Sarafan").is_empty());
        assert!(names(&set, "hi @sarafan_cz").is_empty());
        assert_eq!(names(&set, "so true #WordOfMouth"), ["#wordofmouth"]);
        assert!(names(&set, "#wordofmouthmarketing").is_empty());
        assert!(names(&set, "word of mouth").is_empty());
        assert!(names(&set, "mail me at x@sarafan").is_empty());
    }

    #[test]
    fn slavic_inflections_match_in_latin_and_cyrillic() {
        let set = brand("Sarafan");
        let cases = [
            ("cs", "Jsem spokojený se Sarafanem"),
            ("cs", "Napsal jsem Sarafanu"),
            ("cs", "recenze Sarafanů"),
            ("sk", "So Sarafanom som spokojný"),
            ("pl", "Piszę o Sarafanie"),
            ("pl", "Dziękuję Sarafanowi"),
            ("ru", "Купил через Сарафан"),
            ("ru", "Отзыв о Сарафане"),
            ("ru", "Доволен Сарафаном"),
            ("ru", "У Сарафана лучший сервис"),
            ("uk", "Дякую Сарафану"),
            ("uk", "Задоволений Сарафаном"),
            ("sr", "Хвала Сарафану"),
            ("hr", "Zadovoljan sam Sarafanom"),
        ];
        for (lang, text) in cases {
            assert!(match_mention(&set, text).brand, "{lang}: {text}");
        }
    }

    #[test]
    fn feminine_names_swap_their_final_a() {
        let skoda = brand("Škoda");
        for text in [
            "Jezdím Škodou",
            "servis Škody",
            "Шкода",
            "Купил Шкоду",
            "Jeżdżę Skodą",
            "#skoda",
        ] {
            assert!(match_mention(&skoda, text).brand, "{text}");
        }
        let lada = brand("Lada");
        for text in ["Лады больше нет", "Еду на Ладе", "Ладой доволен", "jezdím Ladou"]
        {
            assert!(match_mention(&lada, text).brand, "{text}");
        }
    }

    #[test]
    fn names_ending_in_e_or_o_decline_too() {
        let cases = [
            ("Sprite", "se Spritem", true),
            ("Sprite", "bez Spritu", true),
            ("Volvo", "jezdím Volvem", true),
            ("Volvo", "servis Volva", true),
            // The soft sign folds away: Вольво is volvo.
            ("Volvo", "Вольво лучше", true),
            // Transliteration is letter by letter; Спрайт (sprajt) is not Sprite.
            ("Sprite", "Спрайт", false),
        ];
        for (term, text, want) in cases {
            assert_eq!(match_mention(&brand(term), text).brand, want, "{term} in {text:?}");
        }
    }

    #[test]
    fn false_friends_do_not_match() {
        // GIVEN brands that are the beginning of ordinary words
        let cases = [
            ("Sprite", "what a spritely old man"),
            ("Sprite", "sprites in a video game"),
            ("Lada", "climbed the ladder"),
            ("Lada", "the lady at the desk"),
            ("Lada", "ladies and gentlemen"),
            ("Seat", "the seats were dirty"),
            ("Sarafan", "Sarafanless days"),
            ("Sarafan", "сарафанное радио работает"),
            ("Mini", "a minimum of fuss"),
            ("Kia", "kiosk by the road"),
            ("Sprite", "Der Sprit ist teuer"),
            ("Lego", "broke my leg again"),
            ("Lego", "legal advice"),
            ("Acme Motors", "acme of motoring"),
            ("Acme Motors", "Acme sells motors"),
        ];
        for (term, text) in cases {
            // WHEN a mention holds only the longer word
            // THEN the brand is not matched
            assert!(!match_mention(&brand(term), text).brand, "{term} in {text:?}");
        }
    }

    #[test]
    fn multi_word_names_match_as_phrases() {
        let set = TermSet::parse("Sarafan", "Acme Motors, Mercedes-Benz");
        let got = match_mention(&set, "Went to ACME motors, then to Mercedes Benz");
        assert_eq!(got.matched_terms, ["Acme Motors", "Mercedes-Benz"]);
        assert!(got.competitor && !got.brand);
        assert!(match_mention(&set, "Byl jsem v Acme Motorsu").competitor);
        assert!(match_mention(&set, "fan of @AcmeMotors").competitor);
    }

    #[test]
    fn brand_and_competitor_are_reported_together() {
        let set = TermSet::parse("Sarafan, @sarafan", "Acme");
        let got = match_mention(&set, "@sarafan beats Acme, Sarafan all the way");
        assert_eq!(got.matched_terms, ["Sarafan", "@sarafan", "Acme"]);
        assert!(got.brand && got.competitor && got.is_match());
    }

    #[test]
    fn diacritics_and_entities_do_not_hide_a_name() {
        let set = TermSet::parse("Škoda, Citroën", "");
        assert_eq!(names(&set, "skoda &amp; CITROEN"), ["Škoda", "Citroën"]);
        // Decomposed accents (NFD) as some keyboards send them.
        assert_eq!(names(&set, "S\u{30c}koda"), ["Škoda"]);
    }

    #[test]
    fn nothing_configured_or_nothing_said_matches_nothing() {
        assert!(!match_mention(&TermSet::default(), "Sarafan").is_match());
        assert!(!match_mention(&brand("Sarafan"), "").is_match());
        assert!(!match_mention(&brand("Sarafan"), "👍👍 :)").is_match());
    }

    #[test]
    fn long_texts_are_scanned_in_one_pass() {
        let set = TermSet::parse("Sarafan, #sarafan, @sarafan", "Acme Motors");
        let long = "blah ".repeat(20_000) + "Acme Motors";
        let got = match_mention(&set, &long);
        assert_eq!(got.matched_terms, ["Acme Motors"]);
    }
}
