//! Sentiment of a mention: lexicon scoring with negation, intensifiers, contrast and emoji.
//!
//! Rules (docs/sentiment.md has the long form):
//! - each polar word, idiom, emoji or emoticon adds its weight; an intensifier scales the next
//!   polar word; a negator (`not`, `не`, `nie`, `pas`) or a glued `ne-` flips and softens the
//!   polar words of the next three words of its clause, so "not bad" is mildly positive;
//! - after `but`/`но`/`ale`/`aber`/`pero`/`mais` what came before in the sentence counts half
//!   and what follows one and a half; a `but` followed by nothing polar turns what came before
//!   against itself ("friendly, but they lost my key"); a clause opened by `although` counts half;
//! - in a question praise counts little ("is the service good?") and complaint most of its weight;
//! - the sum decides: `|sum| < THRESHOLD` is neutral; `score` squashes it into -1..1.

use super::lexicon::{self, Hit, Lexicon, EMOTICONS};
use super::{detect_language, Lang};
use crate::text;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sentiment {
    Positive,
    Neutral,
    Negative,
}

impl Sentiment {
    pub const ALL: [Sentiment; 3] = [Sentiment::Positive, Sentiment::Neutral, Sentiment::Negative];

    pub fn as_str(self) -> &'static str {
        match self {
            Sentiment::Positive => "positive",
            Sentiment::Neutral => "neutral",
            Sentiment::Negative => "negative",
        }
    }
}

impl std::str::FromStr for Sentiment {
    type Err = UnknownSentiment;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Sentiment::ALL
            .into_iter()
            .find(|v| v.as_str() == s.trim())
            .ok_or_else(|| UnknownSentiment(s.to_string()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown sentiment {0:?} (expected positive, neutral or negative)")]
pub struct UnknownSentiment(pub String);

/// The verdict on a text: its class and a score from -1 (very negative) to 1 (very positive).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SentimentResult {
    pub sentiment: Sentiment,
    pub score: f32,
}

/// Sums smaller than this either way are neutral: one hedged word is not an opinion.
const THRESHOLD: f32 = 0.3;
/// How far a negator reaches, in words.
const NEGATION_SCOPE: u8 = 3;
/// A negated word keeps this much of its weight, reversed ("not bad" is not "good").
const NEGATION_FACTOR: f32 = -0.75;
const BEFORE_CONTRAST: f32 = 0.5;
const AFTER_CONTRAST: f32 = 1.5;
const CONCESSIVE: f32 = 0.5;
const QUESTION_POSITIVE: f32 = 0.3;
const QUESTION_NEGATIVE: f32 = 0.8;
const MAX_BOOST: f32 = 3.0;

/// Classifies `text`, in the language `lang` names (an ISO code or locale like `cs-CZ`), or
/// in the detected language when `lang` is `None` or unknown. Never panics; text with no
/// signal (empty, a URL, a question) is neutral.
pub fn classify(text: &str, lang: Option<&str>) -> SentimentResult {
    classify_in(text, detect_language(text, lang))
}

/// Classifies `text` in a language already known (`None`: English rules, emoji still count).
pub fn classify_in(text: &str, lang: Option<Lang>) -> SentimentResult {
    let lexicons = lexicon::chain(lang);
    let cleaned = strip_links_and_handles(&text::decode_entities(text));
    let folded = text::fold(&cleaned);
    let tokens = tokenize(&folded);
    let sum = Scorer::new(&lexicons).score(&tokens);
    let sentiment = if sum >= THRESHOLD {
        Sentiment::Positive
    } else if sum <= -THRESHOLD {
        Sentiment::Negative
    } else {
        Sentiment::Neutral
    };
    let score = if sentiment == Sentiment::Neutral {
        0.0
    } else {
        sum / (sum * sum + 4.0).sqrt()
    };
    SentimentResult { sentiment, score }
}

/// Drops URLs and @handles (a handle's name is not an opinion: `@BadBoyCars`), keeps the
/// words of hashtags, split at camel humps (`#NeverAgain` -> `Never Again`).
fn strip_links_and_handles(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for piece in text.split_inclusive(char::is_whitespace) {
        let word = piece.trim_end();
        let gap = &piece[word.len()..];
        let lower = word.to_ascii_lowercase();
        let bare = lower.trim_start_matches(|c: char| !c.is_alphanumeric() && c != '@' && c != '#');
        let link =
            bare.starts_with("http://") || bare.starts_with("https://") || bare.starts_with("www.");
        let handle = bare.starts_with('@') && bare.len() > 1;
        if link || handle {
            out.push(' ');
        } else if let Some(at) = word.find('#').filter(|_| bare.starts_with('#')) {
            out.push_str(&word[..at]);
            let mut prev: Option<char> = None;
            for c in word[at + 1..].chars() {
                if prev.is_some_and(char::is_lowercase) && c.is_uppercase() {
                    out.push(' ');
                }
                out.push(if c == '_' { ' ' } else { c });
                prev = Some(c);
            }
        } else {
            out.push_str(word);
        }
        out.push_str(gap);
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Token<'a> {
    Word(&'a str),
    /// An emoji or emoticon, with its weight.
    Emo(f32),
    /// `,` `;` `:` dashes, brackets: negation and intensifiers stop here.
    ClauseEnd,
    /// `.` `!` `?` `…` and line breaks; `question` when a `?` was among them.
    SentenceEnd {
        question: bool,
    },
}

/// One pass over folded text.
fn tokenize(folded: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut rest = folded;
    let mut prev: Option<char> = None;
    while let Some(c) = rest.chars().next() {
        if c.is_alphanumeric() {
            let end = word_end(rest);
            tokens.push(Token::Word(&rest[..end]));
            prev = rest[..end].chars().last();
            rest = &rest[end..];
            continue;
        }
        if let Some((len, weight)) = emoticon(rest, prev) {
            tokens.push(Token::Emo(weight));
            rest = &rest[len..];
            prev = Some(' ');
            continue;
        }
        let len = c.len_utf8();
        let next = rest[len..].chars().next();
        match c {
            '.' if prev.is_some_and(|p| p.is_ascii_digit())
                && next.is_some_and(|n| n.is_ascii_digit()) => {}
            '.' | '!' | '?' | '…' | '\n' | '。' => {
                let question = c == '?';
                match tokens.last_mut() {
                    Some(Token::SentenceEnd { question: q }) => *q |= question,
                    _ => tokens.push(Token::SentenceEnd { question }),
                }
            }
            ',' | ';' | ':' | '(' | ')' | '[' | ']' | '–' | '—' | '"' | '«' | '»' | '“' | '”' => {
                if !matches!(
                    tokens.last(),
                    Some(Token::ClauseEnd | Token::SentenceEnd { .. })
                ) {
                    tokens.push(Token::ClauseEnd);
                }
            }
            _ => {
                if let Some(weight) = lexicon::emoji(c) {
                    tokens.push(Token::Emo(weight));
                }
            }
        }
        prev = Some(c);
        rest = &rest[len..];
    }
    tokens
}

/// End of the word at the start of `s`: letters, digits and apostrophes between them.
fn word_end(s: &str) -> usize {
    let mut end = 0;
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c.is_alphanumeric() {
            end = i + c.len_utf8();
        } else if c == '\'' && chars.peek().is_some_and(|(_, n)| n.is_alphanumeric()) {
            continue;
        } else {
            break;
        }
    }
    end
}

/// An emoticon at the start of `s`, with its length in bytes. Letter-ending emoticons
/// (`:d`, `:p`) must not run into a word (`:pro`), and `xd` style ones are not recognised
/// at all, since folded text has no case left to tell them from words.
fn emoticon(s: &str, prev: Option<char>) -> Option<(usize, f32)> {
    let first = s.chars().next()?;
    if !matches!(first, ':' | ';' | '=' | '<' | '>') {
        // Runet smileys: `спасибо)))` and `(((`; a single bracket is just a bracket.
        if first == ')' || first == '(' {
            let run = s.chars().take_while(|c| *c == first).count();
            let followed_by_word = s[run..].chars().next().is_some_and(char::is_alphanumeric);
            if run >= 2 && !followed_by_word {
                return Some((run, if first == ')' { 1.0 } else { -1.0 }));
            }
        }
        return None;
    }
    // `10:30`, `a:b`: a colon right after a digit is not a face.
    if first == ':' && prev.is_some_and(|p| p.is_ascii_digit()) {
        return None;
    }
    for &(face, weight) in EMOTICONS {
        if let Some(after) = s.strip_prefix(face) {
            let last = face.chars().last()?;
            if last.is_alphanumeric() && after.chars().next().is_some_and(char::is_alphanumeric) {
                continue;
            }
            // `:)))` is one happy face.
            let repeat = if matches!(last, ')' | '(') {
                after.chars().take_while(|c| *c == last).count()
            } else {
                0
            };
            return Some((face.len() + repeat, weight));
        }
    }
    None
}

/// Walks the tokens once, keeping only the current sentence's running sums.
struct Scorer<'l> {
    lexicons: &'l [&'static Lexicon],
    total: f32,
    positive: f32,
    negative: f32,
    after_contrast: bool,
    /// Whether anything polar came after the last `but`.
    polar_after_contrast: bool,
    in_concessive: bool,
    negation: u8,
    boost: f32,
}

impl<'l> Scorer<'l> {
    fn new(lexicons: &'l [&'static Lexicon]) -> Self {
        Scorer {
            lexicons,
            total: 0.0,
            positive: 0.0,
            negative: 0.0,
            after_contrast: false,
            polar_after_contrast: false,
            in_concessive: false,
            negation: 0,
            boost: 1.0,
        }
    }

    fn primary(&self) -> &'static Lexicon {
        self.lexicons[0]
    }

    fn score(mut self, tokens: &[Token<'_>]) -> f32 {
        let mut i = 0;
        while i < tokens.len() {
            match tokens[i] {
                Token::Word(word) => {
                    let next = match tokens.get(i + 1) {
                        Some(Token::Word(next)) => Some(*next),
                        _ => None,
                    };
                    i += self.word(word, next);
                    continue;
                }
                Token::Emo(weight) => self.add(weight),
                Token::ClauseEnd => self.end_clause(),
                Token::SentenceEnd { question } => self.end_sentence(question),
            }
            i += 1;
        }
        self.end_sentence(false);
        if self.total.is_finite() {
            self.total
        } else {
            0.0
        }
    }

    /// Handles one word (and its neighbour when they form an idiom); returns how many
    /// tokens it used.
    fn word(&mut self, word: &str, next: Option<&str>) -> usize {
        let primary = self.primary();
        let word = primary.spelling(word);
        let used = self.word_in_spelling(&word, next);
        // Negative concord: in "nikdo se neomluvil" / "nikto nezavolal ohľadom reklamácie" the
        // negation belongs to the `ne-` verb and ends with it.
        if primary.negative_concord()
            && primary.has_negating_prefix(&word)
            && !primary.is_negator(&word)
        {
            self.negation = 0;
        }
        used
    }

    fn word_in_spelling(&mut self, word: &str, next: Option<&str>) -> usize {
        let primary = self.primary();
        if let Some(next) = next {
            let next = primary.spelling(next);
            if let Some(value) = self.lexicons.iter().find_map(|l| l.phrase(word, &next)) {
                self.polar(Hit {
                    value,
                    prefix_negated: false,
                });
                return 2;
            }
        }
        if self.function_word(word) {
            return 1;
        }
        if let Some(hit) = self
            .lexicons
            .iter()
            .find_map(|l| l.lookup(&l.spelling(word)))
        {
            self.polar(hit);
            return 1;
        }
        // Elisions and clitics: `n'est`, `j'ai`, `l'accueil`; each part is a word.
        if word.contains('\'') {
            for part in word.split('\'').filter(|p| !p.is_empty()) {
                if !self.function_word(part) {
                    match self.lexicons.iter().find_map(|l| l.lookup(part)) {
                        Some(hit) => self.polar(hit),
                        None => self.plain_word(),
                    }
                }
            }
            return 1;
        }
        self.plain_word();
        1
    }

    /// Negators, intensifiers and contrast words: true when `word` was one.
    fn function_word(&mut self, word: &str) -> bool {
        let primary = self.primary();
        let soft = primary.is_soft_contrast(word);
        if soft || primary.is_contrast(word) {
            self.positive *= BEFORE_CONTRAST;
            self.negative *= BEFORE_CONTRAST;
            self.after_contrast = true;
            // A soft `but` counts as if something polar had followed: no turning.
            self.polar_after_contrast = soft;
            self.end_clause();
        } else if primary.is_concessive(word) {
            self.end_clause();
            self.in_concessive = true;
        } else if primary.is_negator(word) {
            self.negation = NEGATION_SCOPE;
        } else if let Some(factor) = primary.intensifier(word) {
            self.boost = (self.boost * factor).min(MAX_BOOST);
        } else {
            return false;
        }
        true
    }

    fn plain_word(&mut self) {
        self.negation = self.negation.saturating_sub(1);
    }

    fn polar(&mut self, hit: Hit) {
        let mut value = hit.value * self.boost;
        self.boost = 1.0;
        let negated = self.negation > 0;
        if negated {
            value *= NEGATION_FACTOR;
            self.negation -= 1;
        }
        if hit.prefix_negated && !(negated && self.primary().negative_concord()) {
            value *= NEGATION_FACTOR;
        }
        if self.in_concessive {
            value *= CONCESSIVE;
        }
        self.add(value);
    }

    fn add(&mut self, value: f32) {
        self.polar_after_contrast = true;
        let value = if self.after_contrast {
            value * AFTER_CONTRAST
        } else {
            value
        };
        if value > 0.0 {
            self.positive += value;
        } else {
            self.negative += value;
        }
    }

    fn end_clause(&mut self) {
        self.negation = 0;
        self.boost = 1.0;
        self.in_concessive = false;
    }

    fn end_sentence(&mut self, question: bool) {
        if self.after_contrast && !self.polar_after_contrast {
            // "Friendly enough, but they lost my key": a `but` followed by plain facts turns
            // against what came before it.
            let (positive, negative) = (self.positive, self.negative);
            self.positive = -negative;
            self.negative = -positive;
        }
        let (positive, negative) = if question {
            (
                self.positive * QUESTION_POSITIVE,
                self.negative * QUESTION_NEGATIVE,
            )
        } else {
            (self.positive, self.negative)
        };
        self.total += positive + negative;
        self.positive = 0.0;
        self.negative = 0.0;
        self.after_contrast = false;
        self.polar_after_contrast = false;
        self.end_clause();
    }
}
