//! Per-language sentiment lexicons: polar words and stems, negators, intensifiers, contrast words.

mod cs;
mod de;
mod en;
mod es;
mod fr;
mod hbs;
mod it;
mod pl;
mod pt;
mod ru;
mod sk;
mod uk;

use super::Lang;
use crate::text;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::collections::HashMap as StdHashMap;
use std::sync::LazyLock;

/// A language's lexicon as written in its source file.
///
/// Written for Sarafan from general knowledge of each language, weighted for what customers
/// say about a business. Entries are written with their diacritics and folded (`text::fold`)
/// when the tables are built, once. `word*` is a stem that takes a bounded inflection ending
/// (Slavic cases, verb persons); `a_b` is a two-word idiom.
pub(super) struct Source {
    /// Polar entries by weight: space-separated words, `stem*`s and `two_word` idioms.
    pub words: &'static [(f32, &'static str)],
    /// Deeds a customer expects of the business (`fixed`, `apologised`, `called_back`,
    /// `refunded`), written like words: a plain fact alone, a complaint when negated ("never
    /// called back", "nobody can explain"), praise after a complaint ("wrong part, but they
    /// apologised and fixed it").
    pub duties: &'static str,
    /// Words that flip the polarity of what follows in their clause (`not`, `не`, `nie`).
    pub negators: &'static str,
    /// Words that scale the next polar word: (factor, words).
    pub intensifiers: &'static [(f32, &'static str)],
    /// `but`: what comes after outweighs what came before.
    pub contrasts: &'static str,
    /// Words that are `but` only some of the time (Russian `а` is as often `and`): they weigh
    /// like `but` but never turn the sentence on their own.
    pub soft_contrasts: &'static str,
    /// `although`: the clause it opens weighs less.
    pub concessives: &'static str,
    /// Prefixes that negate a polar word they are glued to (`ne` + `spokojený`).
    pub negating_prefixes: &'static str,
    /// Superlative prefixes (`nej` + `lepší`), which strengthen the word.
    pub superlative_prefixes: &'static str,
    /// Longest ending a stem of five letters or more may take (shorter stems take up to 3).
    pub max_ending: usize,
    /// Look Cyrillic words up in Latin spelling (Serbian is written in both scripts).
    pub latin_only: bool,
    /// Negative concord (Slavic): in "nikdo nezavolal" the two negations are one, so a
    /// glued `ne-` under a negator flips once; in German "nicht unfreundlich" they cancel.
    pub negative_concord: bool,
    /// Facts that carry an opinion without any evaluative word, as short patterns: a repeat
    /// ("third visit", "called five times"), a wait counted in weeks, "not even", something done
    /// unasked, a price with no surprise. (weight, patterns); see `Cue`.
    pub cues: &'static [(f32, &'static str)],
    /// Words that, right after a cue, show it was no cue: "twice *a* year", "two times
    /// *cheaper*", "not even *sure*".
    pub cue_breakers: &'static str,
    /// Words that, right before a cue or between its items, show it was no cue: "*every*
    /// third time", "waiting *next* week", "жду *через* неделю".
    pub cue_blockers: &'static str,
    /// Words for a price given before the work ("quoted", "estimate", `Kostenvoranschlag`,
    /// `presupuesto`, `сказали`), whole words and `stem*`s: with a later charge word and two
    /// numbers in the mention, a price against its quote ("quoted 220, invoice 389").
    pub quotes: &'static str,
    /// Words for what was charged ("invoice", "charged", "paid", `Rechnung`, `factura`).
    pub charges: &'static str,
    /// "Again" and "still" (`zase`, `wieder`, `vez` of `otra vez`, `stále`, `sigue`): with a
    /// negator in the clause a failure repeated or lasting ("otra vez no arranca", "stále
    /// neprišlo"); after a sarcastic opener they show the praise was irony ("great, closed
    /// again").
    pub agains: &'static str,
    /// Waiting and chasing in the first person (`waiting`, `чекаю`, `czekam`, `j'attends`) and
    /// spans of time (`weeks`, `тиждень`, `tygodni`, `semaines`): both in one sentence, a
    /// wait counted ("Чекаю на бампер з Польщі вже 24 дні"), however far apart.
    pub waits: &'static str,
    pub spans: &'static str,
}

/// A cue pattern: items joined by `+` (up to `CUE_GAP` other words may stand before the item)
/// or `>` (the item follows at once), each item one or more forms joined by `|`, each form a
/// whole word, a `stem*` (taking an ending as lexicon stems do) or `#` (a number in digits);
/// the first item takes whole words and numbers only, so that finding where a cue may start
/// costs nothing beyond the function-word probe every word gets. The items must come in
/// order within one sentence: `third|second+visit|time` matches "third visit" and "second
/// time"; `without+me|my|having+ask*` matches "without me even asking"; `not>even` only
/// "not even".
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Cue {
    pub value: f32,
    items: Vec<CueItem>,
}

#[derive(Debug, Clone, PartialEq)]
struct CueItem {
    forms: Vec<CueForm>,
    /// How many other words may stand before this item (0 for the first).
    gap: usize,
}

impl CueItem {
    /// Whitespace-separated words and `stem*`s as one item's forms.
    fn parse(list: &str) -> CueItem {
        let forms = list
            .split_whitespace()
            .map(|f| match f.strip_suffix('*') {
                Some(stem) => CueForm::Stem(text::fold(stem)),
                None => CueForm::Word(text::fold(f)),
            })
            .collect();
        CueItem { forms, gap: 0 }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum CueForm {
    Word(String),
    Stem(String),
    Number,
}

/// The weight that marks a cue as a promise ("was promised Friday", `slíbili`, `versprochen`):
/// no opinion alone, a complaint when the mention also tells of a failure (a negator, "again",
/// another complaint, a wait counted).
pub(super) const PROMISE_CUE: f32 = -0.5;

/// Words allowed before an item joined by `+`.
const CUE_GAP: usize = 3;

/// A lexicon ready for lookups.
pub(super) struct Lexicon {
    words: HashMap<String, Entry>,
    stems: HashMap<String, Entry>,
    /// The first three letters of every word and stem: a word whose own are not here is
    /// neither, which one probe tells (most words of a text are in no lexicon, and a stem
    /// lookup would otherwise probe once per ending letter).
    heads: HashSet<[char; 3]>,
    /// Two-word idioms by their first word: (second word, entry).
    phrases: HashMap<String, Vec<(String, Entry)>>,
    /// Negators, intensifiers, contrast and concessive words in one table: a word of the text
    /// costs one probe here, not one per kind.
    function_words: HashMap<String, FunctionWord>,
    negating_prefixes: Vec<String>,
    superlative_prefixes: Vec<String>,
    max_ending: usize,
    latin_only: bool,
    negative_concord: bool,
    cues: Vec<Cue>,
    /// Words that void a cue they follow (blockers are marked in `function_words`).
    cue_breakers: HashSet<String>,
    /// Cues by the word that starts them (those words are marked in `function_words`), and
    /// the cues a number starts; each list longest cue first.
    cue_starts: HashMap<String, Vec<usize>>,
    cue_numbers: Vec<usize>,
    /// The most words one of the cues and the word after it can span.
    max_cue_words: usize,
    /// A price before the work and what was charged (see `Source::quotes`).
    quotes: CueItem,
    charges: CueItem,
    /// "Neither ... nor" of the language: its first word and the word that answers it.
    correlatives: &'static [(&'static str, &'static str)],
    /// Ways of saying a matter is settled (see `settled_phrases`), folded, by their last word: the
    /// words before it.
    settled: HashMap<String, Vec<Vec<String>>>,
    /// Words that make a settled phrase after them someone else's claim or a state before
    /// (`settled_breakers`), folded.
    settled_breakers: HashSet<String>,
    /// Ways of saying neither way and of telling one's own doing (see `neither_phrases`,
    /// `own_doing_phrases`), folded, by their first word: the words after it, and which it is.
    neither: HashMap<String, Vec<(Vec<String>, Aside)>>,
}

/// What a phrase of `neither_phrases` or `own_doing_phrases` says beside the mention's matter
/// (`sentiment::Facts::aside`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aside {
    /// Neither way: a lukewarm verdict, a choice not yet made.
    Neither,
    /// The writer's own doing: "my fault", "I forgot", "я сама попросила".
    OwnDoing,
}

/// What a function word does; a word may do several things (the scorer decides which wins).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct FunctionWord {
    pub negator: bool,
    pub contrast: bool,
    pub soft_contrast: bool,
    pub concessive: bool,
    pub intensifier: Option<f32>,
    /// A cue may start at this word.
    pub cue_start: bool,
    /// A cue may not start right after this word, nor run across it.
    pub cue_blocker: bool,
    /// A two-word idiom starts with this word (its lexicon's `phrases` has it).
    pub phrase_start: bool,
    /// "Again": a failure repeated, or irony after a sarcastic opener.
    pub again: bool,
    /// A way of saying neither way or of telling one's own doing starts with this word
    /// (`neither_phrases`, `own_doing_phrases`).
    pub neither_start: bool,
    /// A waiting verb, a span of time (see `Source::waits`).
    pub wait: bool,
    pub span: bool,
}

impl FunctionWord {
    /// Whether the word is marked only as the start of a way of saying neither way: for all else
    /// it is a plain word (the opener's plain words, elisions).
    pub fn only_neither_start(&self) -> bool {
        *self
            == FunctionWord {
                neither_start: true,
                ..FunctionWord::default()
            }
    }

    /// Whether the word changes how the words around it are scored (not only cues).
    pub fn scores(&self) -> bool {
        self.negator || self.contrast || self.soft_contrast || self.concessive || self.intensifier.is_some()
    }
}

/// A lexicon entry: a polar word's weight, or a duty (see `Source::duties`).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Entry {
    value: f32,
    duty: bool,
}

/// A polar word or duty found in a lexicon: its weight, whether a glued prefix negated it,
/// and whether it is a duty (weighed by what came before it, not on its own).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Hit {
    pub value: f32,
    pub prefix_negated: bool,
    pub duty: bool,
}

/// What a duty done weighs after a complaint, and (reversed, as negation does) left undone.
const DUTY_WEIGHT: f32 = 1.0;

/// Words shorter than this are never looked up by stem or prefix: too many false friends.
const MIN_STEM_CHARS: usize = 3;
// `heads` holds three letters: no stem may be shorter.
const _: () = assert!(MIN_STEM_CHARS >= 3);
/// Stems shorter than this take at most this many ending letters.
const SHORT_STEM_CHARS: usize = 5;
const SHORT_STEM_MAX_ENDING: usize = 3;
/// Longer words are not words (hashes, base64, keyboard mashing); skip them.
const MAX_WORD_CHARS: usize = 40;

impl Lexicon {
    fn build(source: &Source) -> Lexicon {
        let mut lexicon = Lexicon {
            words: HashMap::default(),
            stems: HashMap::default(),
            heads: HashSet::default(),
            phrases: HashMap::default(),
            function_words: HashMap::default(),
            negating_prefixes: source.negating_prefixes.split_whitespace().map(text::fold).collect(),
            superlative_prefixes: source.superlative_prefixes.split_whitespace().map(text::fold).collect(),
            max_ending: source.max_ending,
            latin_only: source.latin_only,
            negative_concord: source.negative_concord,
            cues: Vec::new(),
            cue_breakers: source.cue_breakers.split_whitespace().map(text::fold).collect(),
            cue_starts: HashMap::default(),
            cue_numbers: Vec::new(),
            max_cue_words: 0,
            quotes: CueItem::parse(source.quotes),
            charges: CueItem::parse(source.charges),
            correlatives: &[],
            settled: HashMap::default(),
            settled_breakers: HashSet::default(),
            neither: HashMap::default(),
        };
        for (value, list) in source.cues {
            for pattern in list.split_whitespace() {
                lexicon.add_cue(*value, pattern);
            }
        }
        let polar = source.words.iter().map(|(value, list)| (*value, false, *list));
        let duties = std::iter::once((DUTY_WEIGHT, true, source.duties));
        for (value, duty, list) in polar.chain(duties) {
            for item in list.split_whitespace() {
                let item = text::fold(item);
                let entry = Entry { value, duty };
                if let Some(stem) = item.strip_suffix('*') {
                    lexicon.stems.insert(stem.to_string(), entry);
                } else if let Some((first, second)) = item.split_once('_') {
                    lexicon
                        .phrases
                        .entry(first.to_string())
                        .or_default()
                        .push((second.to_string(), entry));
                } else {
                    lexicon.words.insert(item, entry);
                }
            }
        }
        lexicon.heads = (lexicon.words.keys())
            .chain(lexicon.stems.keys())
            .filter_map(|w| head(w))
            .collect();
        let mut function = |list: &str, set: &dyn Fn(&mut FunctionWord)| {
            for word in list.split_whitespace() {
                set(lexicon.function_words.entry(text::fold(word)).or_default());
            }
        };
        function(source.negators, &|f| f.negator = true);
        function(source.contrasts, &|f| f.contrast = true);
        function(source.soft_contrasts, &|f| f.soft_contrast = true);
        function(source.concessives, &|f| f.concessive = true);
        for (factor, list) in source.intensifiers {
            function(list, &|f| f.intensifier = Some(*factor));
        }
        function(source.cue_blockers, &|f| f.cue_blocker = true);
        function(source.agains, &|f| f.again = true);
        function(source.waits, &|f| f.wait = true);
        function(source.spans, &|f| f.span = true);
        // At one word the longest cue is tried first.
        let cues = &lexicon.cues;
        let longest_first = |list: &mut Vec<usize>| list.sort_by_key(|&i| std::cmp::Reverse(cues[i].items.len()));
        lexicon.cue_starts.values_mut().for_each(longest_first);
        longest_first(&mut lexicon.cue_numbers);
        for word in lexicon.cue_starts.keys() {
            lexicon.function_words.entry(word.clone()).or_default().cue_start = true;
        }
        for word in lexicon.phrases.keys() {
            lexicon.function_words.entry(word.clone()).or_default().phrase_start = true;
        }
        lexicon
    }

    fn add_cue(&mut self, value: f32, pattern: &str) {
        let form = |f: &str| match f.strip_suffix('*') {
            _ if f == "#" => CueForm::Number,
            Some(stem) => CueForm::Stem(text::fold(stem)),
            None => CueForm::Word(text::fold(f)),
        };
        let mut items = Vec::new();
        let mut gap = 0;
        let mut rest = pattern;
        loop {
            let end = rest.find(['+', '>']).unwrap_or(rest.len());
            let forms = rest[..end].split('|').map(form).collect();
            items.push(CueItem { forms, gap });
            match rest[end..].chars().next() {
                Some(joint) => gap = if joint == '+' { CUE_GAP } else { 0 },
                None => break,
            }
            rest = &rest[end + 1..];
        }
        let index = self.cues.len();
        // The first word, each later item with the words its gap allows, and a breaker.
        let span = 1 + items.iter().skip(1).map(|item| item.gap + 1).sum::<usize>() + 1;
        self.max_cue_words = self.max_cue_words.max(span);
        for first in &items[0].forms {
            match first {
                CueForm::Word(word) => self.cue_starts.entry(word.clone()).or_default().push(index),
                CueForm::Number => self.cue_numbers.push(index),
                CueForm::Stem(stem) => {
                    panic!("cue {pattern:?}: the first item takes whole words, not the stem {stem}*")
                }
            }
        }
        self.cues.push(Cue { value, items });
    }

    /// The indices of the cues that may start at `word`, longest first: those of the word
    /// when `function_words` marks it as a cue start, those of a number when it is one.
    pub fn cues_from(&self, word: &str, marked_start: bool) -> &[usize] {
        if marked_start {
            self.cue_starts.get(word).map_or(&[], Vec::as_slice)
        } else if is_number(word) {
            &self.cue_numbers
        } else {
            &[]
        }
    }

    /// The most words (from its first on) any cue and the word after it can span.
    pub fn max_cue_words(&self) -> usize {
        self.max_cue_words
    }

    pub fn cue(&self, index: usize) -> &Cue {
        &self.cues[index]
    }

    /// Whether `word` is a quote word (`quote`) or a charge word (`!quote`).
    pub fn is_price_word(&self, word: &str, quote: bool) -> bool {
        let item = if quote { &self.quotes } else { &self.charges };
        !item.forms.is_empty() && self.cue_item_matches(item, word)
    }

    /// Whether `word` is one of the forms of a cue's `item`.
    fn cue_item_matches(&self, item: &CueItem, word: &str) -> bool {
        item.forms.iter().any(|form| match form {
            CueForm::Word(w) => w == word,
            CueForm::Number => is_number(word),
            CueForm::Stem(stem) => word.starts_with(stem.as_str()) && self.stem_cuts(word).any(|end| end == stem.len()),
        })
    }

    /// The stems a word may have, as byte ends, longest first: the word itself, then one
    /// ending letter cut at a time, as long as the ending stays bounded (`max_ending`; stems
    /// under five letters take at most three) and the stem keeps three letters.
    fn stem_cuts<'w>(&self, word: &'w str) -> impl Iterator<Item = usize> + 'w {
        let chars = word.chars().count();
        std::iter::once(word.len())
            .chain(word.char_indices().rev().map(|(i, _)| i))
            .enumerate()
            .take(self.max_ending + 1)
            .filter(move |&(ending, _)| {
                let stem_chars = chars.saturating_sub(ending);
                stem_chars >= MIN_STEM_CHARS && (stem_chars >= SHORT_STEM_CHARS || ending <= SHORT_STEM_MAX_ENDING)
            })
            .map(|(_, end)| end)
    }

    /// Matches `cue`, whose first item is `words[0]`, against the words after it (in this
    /// lexicon's spelling): the index in `words` of its last item, if every item is found
    /// within its gap, no blocker stands in a gap and no breaker follows. (The scorer checks
    /// the word before: a blocker there also voids the cue.)
    pub fn match_cue<W: AsRef<str>>(&self, cue: &Cue, words: &[W]) -> Option<usize> {
        let mut at = 0;
        for item in &cue.items[1..] {
            let rest = words.get(at + 1..)?;
            let step = rest
                .iter()
                .take(item.gap + 1)
                .position(|w| self.cue_item_matches(item, w.as_ref()))?;
            let blocked = |w: &W| self.function_word(w.as_ref()).is_some_and(|f| f.cue_blocker);
            if rest[..step].iter().any(blocked) {
                return None;
            }
            at += step + 1;
        }
        let broken = words
            .get(at + 1)
            .is_some_and(|next| self.cue_breakers.contains(next.as_ref()));
        (!broken).then_some(at)
    }

    /// The spelling this lexicon is written in: Serbian Cyrillic is looked up in Latin.
    pub fn spelling<'a>(&self, word: &'a str) -> std::borrow::Cow<'a, str> {
        if self.latin_only && text::has_cyrillic(word) {
            std::borrow::Cow::Owned(text::latinize(word))
        } else {
            std::borrow::Cow::Borrowed(word)
        }
    }

    pub fn negative_concord(&self) -> bool {
        self.negative_concord
    }

    /// True for a word that starts with a negating prefix and goes on (`nezavolal`, `нечестно`).
    pub fn has_negating_prefix(&self, word: &str) -> bool {
        self.negating_prefixes
            .iter()
            .any(|p| word.len() > p.len() + 2 && word.starts_with(p.as_str()))
    }

    /// The word that answers `first` in a "neither ... nor" of the language, if `first` opens one.
    pub fn correlative(&self, first: &str) -> Option<&'static str> {
        self.correlatives
            .iter()
            .find(|(f, _)| *f == first)
            .map(|(_, second)| *second)
    }

    /// Where the longest of this lexicon's ways of saying a matter is settled (`settled_phrases`)
    /// that ends `words` (the mention's last words up to punctuation, in order, in this lexicon's
    /// spelling) starts, if one does.
    pub fn settled_start(&self, words: &[&str]) -> Option<usize> {
        let (last, before) = words.split_last()?;
        self.settled
            .get(*last)?
            .iter()
            .filter_map(|phrase| {
                let start = before.len().checked_sub(phrase.len())?;
                before[start..].iter().zip(phrase).all(|(w, p)| w == p).then_some(start)
            })
            .min()
    }

    /// Whether `word` makes what follows it someone else's claim or a state before
    /// (`settled_breakers`: "they say", "apparently", "like", "before").
    pub fn claims(&self, word: &str) -> bool {
        self.settled_breakers.contains(word)
    }

    /// Whether `word` before a settled phrase voids it: a negator ("not all good", `nije sve u
    /// redu`), "again" or "still" ("опять бывает"), or a word that makes it someone else's claim
    /// or a state before (`claims`: "sad kažu da je sve u redu", "prej je bilo vse ok").
    pub fn breaks_settled(&self, word: &str) -> bool {
        self.claims(word) || self.function_word(word).is_some_and(|f| f.negator || f.again)
    }

    /// Whether one of this lexicon's settled phrases ends in `word` (in its spelling).
    pub fn ends_a_settled_phrase(&self, word: &str) -> bool {
        self.settled.contains_key(word)
    }

    /// How many of `words` (a run of the mention's words, in this lexicon's spelling, from one
    /// marked `neither_start`) the longest of this lexicon's ways of saying neither way or of
    /// telling one's own doing (`neither_phrases`, `own_doing_phrases`) that starts them spans,
    /// and which it is, if one does.
    pub fn neither_len<W: AsRef<str>>(&self, words: &[W]) -> Option<(usize, Aside)> {
        let (first, rest) = words.split_first()?;
        self.neither
            .get(first.as_ref())?
            .iter()
            .filter(|(phrase, _)| {
                phrase.len() <= rest.len() && rest.iter().zip(phrase.iter()).all(|(w, p)| w.as_ref() == p)
            })
            .map(|(phrase, aside)| (phrase.len() + 1, *aside))
            .max_by_key(|(len, _)| *len)
    }

    /// The word's function (negator, intensifier, contrast...), if it has one.
    pub fn function_word(&self, word: &str) -> Option<FunctionWord> {
        self.function_words.get(word).copied()
    }

    pub fn phrase(&self, first: &str, second: &str) -> Option<Hit> {
        self.phrases
            .get(first)?
            .iter()
            .find(|(s, _)| s == second)
            .map(|(_, entry)| Hit {
                value: entry.value,
                prefix_negated: false,
                duty: entry.duty,
            })
    }

    /// Looks a folded word up: whole word, then stem + ending, then a superlative or
    /// negating prefix glued to a known word.
    pub fn lookup(&self, word: &str) -> Option<Hit> {
        if word.chars().count() > MAX_WORD_CHARS {
            return None;
        }
        if let Some(entry) = self.entry(word) {
            return Some(Hit {
                value: entry.value,
                prefix_negated: false,
                duty: entry.duty,
            });
        }
        for prefix in &self.superlative_prefixes {
            if let Some(rest) = word.strip_prefix(prefix.as_str()) {
                if let Some(entry) = self.entry(rest).filter(|e| !e.duty) {
                    return Some(Hit {
                        value: entry.value * 1.3,
                        prefix_negated: false,
                        duty: false,
                    });
                }
            }
        }
        for prefix in &self.negating_prefixes {
            if let Some(rest) = word.strip_prefix(prefix.as_str()) {
                if let Some(entry) = self.entry(rest) {
                    return Some(Hit {
                        value: entry.value,
                        prefix_negated: true,
                        duty: entry.duty,
                    });
                }
            }
        }
        None
    }

    fn entry(&self, word: &str) -> Option<Entry> {
        // A stem has at least MIN_STEM_CHARS (3) letters, so it shares the word's head.
        if head(word).is_some_and(|head| !self.heads.contains(&head)) {
            return None;
        }
        if let Some(entry) = self.words.get(word) {
            return Some(*entry);
        }
        // Longest stem first; a lookup costs at most max_ending + 1 hash probes.
        self.stem_cuts(word)
            .find_map(|end| self.stems.get(&word[..end]).copied())
    }
}

/// A word's first three letters (`None` for shorter words).
fn head(word: &str) -> Option<[char; 3]> {
    let mut chars = word.chars();
    Some([chars.next()?, chars.next()?, chars.next()?])
}

pub(super) fn is_number(word: &str) -> bool {
    !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit())
}

/// Built once, on first use.
static LEXICONS: LazyLock<StdHashMap<&'static str, Lexicon>> = LazyLock::new(|| {
    [
        ("en", &en::SOURCE),
        ("ru", &ru::SOURCE),
        ("uk", &uk::SOURCE),
        ("cs", &cs::SOURCE),
        ("sk", &sk::SOURCE),
        ("pl", &pl::SOURCE),
        ("hbs", &hbs::SOURCE),
        ("de", &de::SOURCE),
        ("es", &es::SOURCE),
        ("fr", &fr::SOURCE),
        ("it", &it::SOURCE),
        ("pt", &pt::SOURCE),
    ]
    .into_iter()
    .map(|(name, source)| {
        let mut lexicon = Lexicon::build(source);
        lexicon.correlatives = correlatives(name);
        for phrase in settled_phrases(name).split(',') {
            let mut words: Vec<String> = phrase.split_whitespace().map(text::fold).collect();
            if let Some(last) = words.pop() {
                lexicon.settled.entry(last).or_default().push(words);
            }
        }
        lexicon.settled_breakers = settled_breakers(name).split_whitespace().map(text::fold).collect();
        let asides = [
            (neither_phrases(name), Aside::Neither),
            (own_doing_phrases(name), Aside::OwnDoing),
        ];
        for (phrases, aside) in asides {
            for phrase in phrases.split(',') {
                let mut words = phrase.split_whitespace().map(text::fold);
                if let Some(first) = words.next() {
                    lexicon.function_words.entry(first.clone()).or_default().neither_start = true;
                    lexicon.neither.entry(first).or_default().push((words.collect(), aside));
                }
            }
        }
        (name, lexicon)
    })
    .collect()
});

/// Each lexicon's "neither ... nor" (folded: Italian `né` is `ne`). Serbian Cyrillic `ни` is
/// read as `ni`. Slovenian `ni` ("is not") and the Slavic `ne ... ne` are no correlatives here.
fn correlatives(name: &str) -> &'static [(&'static str, &'static str)] {
    match name {
        "en" => &[("neither", "nor")],
        "de" => &[("weder", "noch")],
        "es" | "fr" => &[("ni", "ni")],
        "it" => &[("ne", "ne")],
        "pt" => &[("nem", "nem")],
        "ru" => &[("ни", "ни")],
        "uk" => &[("ні", "ні")],
        "cs" | "sk" => &[("ani", "ani")],
        "pl" => &[("ani", "ani"), ("ni", "ni")],
        "hbs" => &[("ni", "ni"), ("niti", "niti")],
        _ => &[],
    }
}

/// Each lexicon's ways of closing a mention by saying its matter is settled (issue 24): a wait
/// still inside what was promised, a delay told in advance, a slip that was the writer's own, a
/// routine visit ("it's 3:40 so all good", "they told me upfront so no biggie", "Mein Fehler",
/// "перенесли на 18:00 без проблем", "termin je zdaj v sredo. mi paše"). Comma-separated
/// phrases of whole words, written with their diacritics and folded when built; Serbian
/// Cyrillic is read in Latin. Closing a mention (only punctuation and emoji after it), outside
/// quotes and questions, such a phrase voids a complaint that rests on no firm fact and no
/// strong word (`Blend::decide`). Words that are as often said through teeth or mean something
/// else in a complaint ("perfect", "great", "I understand", a bare "normal", "tranquilo" (the
/// mechanic "tan tranquilo"), "no big deal" (they "acted like it was no big deal"), "vale" (what
/// it is worth), Polish `luz` (play in the steering), a bare "бывает") are not here; since the
/// twenty-first session the writer's own lack of hurry ("I'm in no rush", "non ho fretta", "ne
/// žurim") and a few calm closes ("alles entspannt", "ça se comprend", "дело житейское") are, but
/// not a hurry no one has ("no rush", "they are in no hurry", "спешить некуда", "no hay prisa"), a
/// bare "logical" ("Duschen seit Oktober kalt, ab Januar 5 € mehr Beitrag. Logisch."), "makes
/// sense", "as expected", "that's well known" ("to se zna"), "tranquille" or "ganz normal", as
/// often said through teeth.
pub(super) fn settled_phrases(name: &str) -> &'static str {
    match name {
        "en" => {
            "i'm not in a rush, im not in a rush, i'm in no rush, im in no rush, i'm in no hurry, im in no hurry, fair play, \
             all good, all fine, all sorted, no problem, no problems, not a problem, no problem at all, \
             no worries, no biggie, no harm done, no stress, no drama, fair enough, \
             my bad, my mistake, not their fault, totally fine, that's fine, \
             thats fine, which is fine, fine by me, works for me, totally understandable, understandable, \
             it happens, these things happen, nothing serious, nothing urgent, can't blame them, \
             cant blame them"
        }
        "de" => {
            "alles entspannt, hab keine eile, habe keine eile, bei mir eilt es nicht, \
             alles gut, alles ok, alles okay, alles in ordnung, kein problem, keine probleme, kein thema, \
             kein ding, kein stress, halb so wild, passt schon, passt scho, mein fehler, meine schuld, \
             mein eigener fehler, nicht deren schuld, nicht ihre schuld, kann passieren, kann mal passieren, \
             kann ja mal passieren, verständlich, völlig ok, völlig okay, völlig in ordnung, nichts schlimmes, \
             nichts dramatisches, nichts wildes, nichts dringendes"
        }
        "es" => {
            "no tengo prisa, \
             sin problema, sin problemas, ningún problema, no pasa nada, todo bien, todo ok, todo correcto, \
             culpa mía, mi culpa, fue culpa mía, no es culpa suya, no es culpa de ellos, es normal, \
             lo normal, nada grave, nada urgente, sin prisa, me viene bien, me va bien, comprensible, \
             se entiende, sin drama, cero drama, cosas que pasan"
        }
        "fr" => {
            "je suis pas pressé, je suis pas pressée, je ne suis pas pressé, je ne suis pas pressée, ça se comprend, \
             pas de souci, pas de soucis, aucun souci, aucun problème, pas de problème, pas de problèmes, \
             sans problème, pas grave, c'est pas grave, rien de grave, rien d'urgent, ma faute, \
             c'est ma faute, pas leur faute, ça me va, ça va, tout va bien, tout est ok, tout est bon, \
             compréhensible, ça arrive, c'est normal"
        }
        "it" => {
            "non ho fretta, \
             nessun problema, tutto ok, tutto bene, tutto a posto, va bene, mi va bene, \
             colpa mia, è colpa mia, non è colpa loro, non c'entrano, niente di grave, niente di urgente, \
             nulla di grave, ci sta, può capitare, comprensibile, è normale, nessun dramma"
        }
        "pt" => {
            "não tenho pressa, tô sem pressa, to sem pressa, estou sem pressa, \
             sem problema, sem problemas, nenhum problema, tudo bem, tudo certo, tudo ok, tudo tranquilo, \
             de boa, culpa minha, foi culpa minha, minha culpa, não é culpa deles, \
             nada grave, nada urgente, é normal, me serve, compreensível, sem stress, sem estresse, \
             faz parte"
        }
        "cs" => {
            "nespěchám, dá se to pochopit, \
             v pohodě, žádný problém, žádnej problém, není problém, není to nic vážného, bez problému, \
             bez problémů, moje chyba, moje vina, \
             v klidu, nic vážného, nic vážnýho, nic hrozného, nic hroznýho, nic urgentního, to se stává, \
             stává se, pochopitelné, vyhovuje mi to, mně to vyhovuje, v pořádku, všechno v pořádku, \
             vše v pořádku, není to jejich vina, oni za to nemůžou, oni za to nemohou"
        }
        "sk" => {
            "neponáhľam sa, dá sa to pochopiť, \
             v pohode, žiadny problém, žiaden problém, nie je problém, nie je to nič vážne, bez problému, \
             bez problémov, moja chyba, moja vina, \
             v kľude, nič vážne, nič hrozné, nič urgentné, to sa stáva, stáva sa, pochopiteľné, \
             vyhovuje mi to, mne to vyhovuje, v poriadku, všetko v poriadku, nie je to ich vina, \
             oni za to nemôžu"
        }
        "pl" => {
            "nie spieszy mi się, nigdzie mi się nie spieszy, \
             bez problemu, bez problemów, żaden problem, nie ma problemu, spoko, moja wina, mój błąd, w porządku, \
             wszystko w porządku, wszystko ok, wszystko gra, nic strasznego, nic poważnego, nic pilnego, \
             to normalne, zdarza się, to zrozumiałe, zrozumiałe, nie ich wina, to nie ich wina, \
             pasuje mi, mi pasuje"
        }
        "ru" => {
            "не спешу, мне не к спеху, дело житейское, \
             без проблем, никаких проблем, нет проблем, ничего страшного, не страшно, моя вина, \
             моя ошибка, сам виноват, сама виновата, всё нормально, всё норм, всё ок, всё в порядке, всё хорошо, \
             с кем не бывает, ничего срочного, ничего серьёзного, меня устраивает, не их вина, \
             они не виноваты, претензий нет"
        }
        "uk" => {
            "не поспішаю, мені не горить, діло житейське, \
             без проблем, жодних проблем, немає проблем, нема проблем, нічого страшного, не страшно, \
             моя вина, моя помилка, сам винен, сама винна, все нормально, все норм, все ок, все в порядку, \
             усе гаразд, все гаразд, \
             з ким не буває, нічого термінового, нічого серйозного, мене влаштовує, не їхня вина, \
             вони не винні, претензій немає"
        }
        // Croatian, Serbian, Bosnian, then Slovenian.
        "hbs" => {
            "ne žurim, nisam u žurbi, meni se ne mudi, razumljivo, \
             nema problema, bez problema, nikakav problem, nije problem, nije ništa strašno, nema veze, \
             moja greška, moja krivica, moja krivnja, sam sam kriv, sama sam kriva, sve ok, sve okej, \
             sve u redu, u redu, sve pet, \
             ništa strašno, nije strašno, ništa hitno, ništa ozbiljno, dešava se, događa se, dogodi se, \
             desi se, odgovara mi, meni odgovara, nisu oni krivi, oni nisu krivi, nije do njih, \
             ni problema, brez problema, brez težav, ni panike, mi paše, meni paše, vse ok, vse v redu, \
             v redu, moja napaka, moja krivda, sam sem kriv, sama sem kriva, nič hudega, nič nujnega, \
             se zgodi, zgodi se, niso oni krivi, ni njihova krivda"
        }
        _ => "",
    }
}

/// The most words a way of saying neither way or of telling one's own doing (`neither_phrases`,
/// `own_doing_phrases`) spans.
pub(super) const MAX_NEITHER_WORDS: usize = 6;

/// Each lexicon's ways of saying neither way (issue 24): a lukewarm verdict ("nothing special",
/// "ни рыба ни мясо", "bez rewelacji", "né meglio né peggio") or the writer's own choice not yet
/// made ("torn between", "pas décidé entre", "не знаю, який пакет обрати"). Comma-separated
/// phrases of whole words, written with their diacritics and folded when built (Serbian
/// Cyrillic is read in Latin), matched from their first word across commas within a sentence.
/// Inside one no word or cue counts, and a mention that holds one, where the rules' sum is under
/// a complaint and under 0.75 of praise, with no explicit complaint word and no contrast,
/// concession or "only" after it (`Facts::neither`), is neutral whatever the model reads
/// (`Blend::decide`): the issue asks that "fine I guess, nothing special" be neither. Left out
/// because they as often complain or say something else: a bare "don't know whether" ("не знаю,
/// вернусь ли"), "not decided" without a choice (the warranty department "hasn't decided"), "ni
/// plus ni moins" and "ni más ni menos" (emphatic: "nothing less than theft"), "sans plus" and
/// "sin más" (also "without further ado"), "ну такое" (as often "not good"), "haven't decided
/// whether" (the insurer "hasn't decided whether to pay"), "geht so" ("das geht so nicht"), "so so"
/// ("so so disappointed"), a bare "ujdzie" ("nie ujdzie im to na sucho"), Polish "nie wiem który"
/// ("nie wiem który raz dzwonię": I've called I don't know how many times), "mais ou menos" (also "about": "about 3 hours"), "nic
/// moc" (a complaint in Czech), "average" words (also "the average wait"), "to je to" ("that's
/// it": "Seen. I to je to." after a message left unanswered), "ništa više" (also "nothing works
/// any more"), Portuguese "nem bom nem ruim" (a phrase would blank the negated "bom" that
/// cancels a mild praise word: the lukewarm "neither ... nor" reads it already), "comível" ("não
/// era comível").
pub(super) fn neither_phrases(name: &str) -> &'static str {
    match name {
        "en" => {
            "nothing special, nothing too special, nothing to write home about, nothing fancy, \
             nothing amazing, nothing outstanding, nothing spectacular, nothing extraordinary, \
             middle of the road, run of the mill, neither better nor worse, no better no worse, \
             fine i guess, ok i guess, okay i guess, meh, not bad not great, \
             torn between, can't decide between, cant decide between, can't decide which, \
             cant decide which, haven't decided between, havent decided between, \
             not sure which one, \
             don't know which one, dont know which one, can't make up my mind, cant make up my mind"
        }
        "de" => {
            "nichts besonderes, nichts besondres, nichts weltbewegendes, nichts tolles, nichts dolles, \
             nichts spektakuläres, nichts herausragendes, weder besser noch schlechter, \
             nicht besser nicht schlechter, nicht besser und nicht schlechter, \
             keine entscheidung ob, nicht entschieden ob, noch unentschlossen, unentschlossen ob, \
             kann mich nicht entscheiden, weiß nicht welche, weiß nicht welchen, weiß nicht welches, \
             schwanke zwischen, so mittel, eher mittel"
        }
        "es" => {
            "nada especial, nada del otro mundo, nada del otro jueves, nada extraordinario, \
             nada destacable, ni fu ni fa, ni mejor ni peor, normalito, normalita, del montón, \
             no me decido, no sé cuál, no sé qué elegir, no sé cuál elegir, dudo entre, dudando entre, \
             no he decidido si, no he decidido entre, indeciso entre, indecisa entre"
        }
        "fr" => {
            "rien de spécial, rien de particulier, rien d'extraordinaire, rien d'exceptionnel, \
             rien de fou, rien de bien fou, rien de transcendant, ni mieux ni pire, \
             ni meilleur ni pire, bof, pas décidé entre, pas décidé si, pas encore décidé entre, \
             pas encore décidé si, pas encore choisi entre, hésite entre, j'hésite entre, \
             sais pas quel, sais pas quelle, sais pas lequel, sais pas laquelle"
        }
        "it" => {
            "niente di speciale, niente di che, niente di particolare, niente di eccezionale, \
             niente di trascendentale, così così, nella media, né carne né pesce, né meglio né peggio, \
             senza infamia e senza lode, come tanti, come tante, di migliori e di peggiori, \
             non ho ancora deciso, non ho deciso se, non so quale, indeciso tra, indecisa tra, \
             non mi decido, sono indeciso, sono indecisa"
        }
        "pt" => {
            "nada de especial, nada demais, nada de mais, nada especial, nada de extraordinário, \
             nada excepcional, nem fede nem cheira, nem melhor nem pior, normalzinho, normalzinha, \
             ainda não decidi, não decidi se, não sei qual, indeciso entre, indecisa entre, \
             em dúvida entre, na dúvida entre, dá pro gasto"
        }
        "ru" => {
            "ничего особенного, ничего выдающегося, ничего сверхъестественного, ни рыба ни мясо, \
             ни то ни сё, так себе, средненько, на троечку, не лучше и не хуже, \
             не хуже и не лучше, ни лучше ни хуже, не плохо не хорошо, не хорошо не плохо, \
             не плохо и не хорошо, не хорошо и не плохо, ещё не решил, ещё не решила, \
             пока не решил, пока не решила, не определился, не определилась, не могу определиться, \
             не знаю какой, не знаю какую, не знаю какое, не знаю какие, не знаю что выбрать, \
             не могу выбрать, выбираю между"
        }
        "uk" => {
            "нічого особливого, нічого надзвичайного, ні риба ні м'ясо, так собі, ні вау ні фу, \
             не краще й не гірше, не краще і не гірше, не гірше й не краще, ні краще ні гірше, \
             посередньо, ще не вирішив, ще не вирішила, досі не вирішив, досі не вирішила, \
             поки не вирішив, поки не вирішила, не визначився, не визначилася, не можу визначитися, \
             не знаю який, не знаю яку, не знаю яке, не знаю які, не знаю що обрати, \
             не знаю що вибрати, не можу обрати, не можу вибрати, вибираю між"
        }
        "pl" => {
            "nic specjalnego, nic szczególnego, nic nadzwyczajnego, bez rewelacji, szału nie ma, \
             takie sobie, taki sobie, taka sobie, ani lepiej ani gorzej, ani lepszy ani gorszy, \
             nie zachwyca, ujdzie w tłoku, nie zdecydowałem, nie zdecydowałam, nie mogę się zdecydować, \
             nie wiem co wybrać, waham się między"
        }
        "cs" => {
            "nic extra, nic zvláštního, nic speciálního, nic výjimečného, ujde to, ani lepší ani horší, \
             nerozhodl jsem se, nerozhodla jsem se, ještě jsem se nerozhodl, ještě jsem se nerozhodla, \
             nemůžu se rozhodnout, nevím který, nevím kterou, nevím které, nevím co vybrat, váhám mezi"
        }
        "sk" => {
            "nič extra, nič zvláštne, nič špeciálne, nič výnimočné, ujde to, ani lepšie ani horšie, \
             nerozhodol som sa, nerozhodla som sa, ešte som sa nerozhodol, ešte som sa nerozhodla, \
             neviem sa rozhodnúť, neviem ktorý, neviem ktorú, neviem ktoré, neviem čo vybrať, váham medzi"
        }
        // Croatian, Serbian, Bosnian, then Slovenian.
        "hbs" => {
            "ništa posebno, ništa specijalno, ništa spektakularno, ništa naročito, ni riba ni meso, ni wow ni bljak, ni loše ni nešto, \
             osrednje, ni bolje ni gore, ni bolji ni lošiji, nije ni nešto posebno, nije nešto posebno, \
             nisam se odlučio, nisam se odlučila, još se nisam odlučio, još se nisam odlučila, \
             ne mogu se odlučiti, ne mogu da se odlučim, ne znam koji, ne znam koju, ne znam koje, \
             ne znam šta da izaberem, ne znam što odabrati, dvoumim se, razmišljam da li, \
             nič posebnega, nič kaj posebnega, ne boljša ne slabša, ne boljše ne slabše, \
             ne boljši ne slabši, niti boljše niti slabše, se še nisem odločil, se še nisem odločila, \
             nisem se še odločil, nisem se še odločila, ne morem se odločiti, ne vem kateri, \
             ne vem katero, ne vem katera, potem se odločim"
        }
        _ => "",
    }
}

/// Each lexicon's ways of telling the writer's own doing (issue 24): the fault, the slip or the
/// request was their own ("my fault", "I had forgotten", "me equivoqué", "я сама попросила", "na
/// moją prośbę"). Written, matched and scored as `neither_phrases` are (inside one no word or cue
/// counts), but only as the writer's own word: not after a negator in its clause ("not my fault",
/// "wasn't in any way my fault"), not after a word that makes it someone else's claim in its
/// sentence (`settled_breakers`: "apparently it's my fault", "acted like it was my fault"), not
/// in quotes ('just said "my bad"') and not in a question ("so it's my fault now?"). A mention
/// that tells one, with no contrast, concession, "only" or `OWN_DOING_TURNS` word after it and no
/// explicit complaint word, is neutral where the rules' complaint is under
/// `sentiment::OWN_DOING_REACH` and rests on no firm fact ("сама попросила перезвонить, так никто
/// и не перезвонил" stands): "arrived a day late because I gave the wrong house number". Left out because they as often tell a complaint: a bare "I forgot" ("I forgot to
/// mention the staff were rude", "I forgot how slow they are"; only "I had forgotten" and its
/// kin), "I asked them to" and "I asked for it" (to be ready by Friday, and it wasn't), "it was
/// me who" ("c'est moi qui ai dû les rappeler"), "I myself" ("я сама позвонила"), "I dropped
/// it/my car off", hbs and Slovenian "sam sam tražio" (a refund, never paid); "I wasn't home"
/// (as often the courier's claim the writer denies: "left a note that I wasn't home, and I sat
/// by the door all day"), "as I asked" ("не так, как я просила": the negator stands before its
/// comma), a masculine "сам разбил" (also the mechanic "himself"). Since the twenty-second
/// session also the writer running late, as a plural imperative ("commencez sans moi", "krenite
/// bez mene"; not English "start without me", also "they decided to start without me") and their
/// own wrong detail ("я сам вказав не те відділення", "sam ja napisao krivi broj", "c'est moi qui
/// avais mis ..."; not a bare "c'est moi qui avais": "... raison"); not "pedido meu" alone ("o
/// pedido meu veio errado": my order), nor "сама разбила" (also a worker "herself").
pub(super) fn own_doing_phrases(name: &str) -> &'static str {
    match name {
        "en" => {
            "my fault, my own fault, my bad, my mistake, my own mistake, my own doing, my own stupidity, \
             that's on me, thats on me, i had forgotten, i'd forgotten, \
             at my request, at my own request, i put the wrong, i gave the wrong, i wrote the wrong, \
             i typed the wrong, i entered the wrong, i gave them the wrong, i left the lights on, \
             i got the date wrong, i got the time wrong, i mixed up"
        }
        "de" => {
            "mein fehler, meine schuld, selbst schuld, selber schuld, eigene schuld, mein eigener fehler, \
             hatte ich vergessen, ich hatte vergessen, auf meinen wunsch, auf meinen eigenen wunsch, ich hab mich vertan, \
             ich habe mich vertan, hab mich vertan, ich hatte mich vertan, ich hab mich verschrieben, \
             fangt ohne mich an"
        }
        "es" => {
            "culpa mía, mi culpa, fue culpa mía, error mío, fallo mío, me equivoqué, me confundí, \
             se me había olvidado, lo pedí yo, lo pedí así, a petición mía, a petición propia, \
             a mi petición, puse mal, puse el número mal, \
             empezad sin mí, empiecen sin mí"
        }
        "fr" => {
            "ma faute, de ma faute, mon erreur, ma bêtise, j'avais oublié, \
             je me suis trompé, je me suis trompée, à ma demande, je l'avais demandé, \
             c'est moi qui me suis trompé, c'est moi qui me suis trompée, j'avais mis le mauvais, \
             j'ai mis le mauvais, j'avais donné le mauvais, j'ai donné le mauvais, \
             commencez sans moi, c'est moi qui avais mis, \
             c'est moi qui avais laissé, c'est moi qui avais oublié, c'est moi qui avais donné"
        }
        "it" => {
            "colpa mia, è colpa mia, errore mio, mi sono sbagliato, mi sono sbagliata, ho sbagliato io, \
             mi ero dimenticato, mi ero dimenticata, avevo dimenticato, l'ho chiesto io, su mia richiesta, \
             iniziate senza di me, cominciate senza di me"
        }
        "pt" => {
            "culpa minha, minha culpa, foi culpa minha, erro meu, foi erro meu, vacilo meu, \
             me enganei, eu tinha esquecido, a pedido meu, a meu pedido, eu que pedi, \
             eu mesmo pedi, eu mesma pedi, coloquei o número errado, coloquei o endereço errado, \
             passei o número errado, passei o endereço errado, \
             foi pedido meu, comecem sem mim"
        }
        "ru" => {
            "моя вина, по моей вине, сам виноват, сама виновата, моя ошибка, я ошибся, я ошиблась, \
             сам попросил, сама попросила, по моей просьбе, сам перепутал, \
             сама перепутала, я перепутал, я перепутала, \
             начинайте без меня, \
             я сам указал не, я сама указала не"
        }
        "uk" => {
            "моя вина, з моєї вини, сам винен, сама винна, моя помилка, я помилився, я помилилася, \
             я помилилась, сам попросив, сама попросила, на моє прохання, \
             сам переплутав, сама переплутала, я переплутав, я переплутала, \
             починайте без мене, я сам вказав не, я сама вказала не, розбила сама"
        }
        "pl" => {
            "moja wina, z mojej winy, mój błąd, sam jestem sobie winien, sama jestem sobie winna, \
             sam sobie winien, sama sobie winna, pomyliłem się, pomyliłam się, \
             sam poprosiłem, sama poprosiłam, na moją prośbę, \
             zaczynajcie beze mnie"
        }
        "cs" => {
            "moje chyba, moje vina, moje blbost, spletl jsem se, spletla jsem se, sám jsem si řekl, sama jsem si řekla, na mou žádost, na moji žádost, začněte beze mě"
        }
        "sk" => {
            "moja chyba, moja vina, pomýlil som sa, pomýlila som sa, \
             sám som si povedal, sama som si povedala, na moju žiadosť, začnite bezo mňa"
        }
        // Croatian, Serbian, Bosnian, then Slovenian.
        "hbs" => {
            "moja greška, moja krivica, moja krivnja, sam sam kriv, sama sam kriva, pogriješio sam, \
             pogriješila sam, pogrešio sam, pogrešila sam, na moj zahtjev, na moj zahtev, moja napaka, \
             sam sem kriv, sama sem kriva, zmotil sem se, zmotila sem se, \
             krenite bez mene, počnite bez mene, ja sam napisao krivi, ja sam napisala krivi, \
             napisao sam krivi, napisala sam krivi, sam ja napisao krivi, sam ja napisala krivi, začnite brez mene"
        }
        _ => "",
    }
}

/// Words that, before a settled phrase in its run of words, make it someone else's claim ("they
/// say", "apparently", "as if") or a state before ("before", `prej`, `předtím`): "sad kažu da je
/// sve u redu", "офіціант поводився так ніби все норм", "prej je bilo vse ok" are complaints.
fn settled_breakers(name: &str) -> &'static str {
    match name {
        "en" => {
            "said says say claim claims claimed apparently supposedly if before previously like told telling \
             saying somehow"
        }
        "de" => "sagt sagen sagte sagten meint meinen meinte angeblich ob vorher früher",
        "es" => "dice dicen dijo dijeron según supuestamente si antes",
        "fr" => "dit disent disait prétend prétendent disant si avant",
        "it" => "dice dicono detto dicevano sembra presumibilmente se prima",
        "pt" => "diz dizem disse disseram supostamente se antes",
        "cs" => "říkají říká říkali řekl řekla řekli tvrdí tvrdili prý prej jestli předtím dřív",
        "sk" => "hovoria hovorí hovorili povedal povedala povedali tvrdia tvrdili vraj či predtým",
        "pl" => "mówią mówi mówili twierdzą twierdzili niby podobno czy wcześniej przedtem jakby",
        "ru" => "говорят говорит сказали утверждают якобы будто ли раньше типа",
        "uk" => "кажуть каже сказали стверджують нібито ніби чи раніше",
        "hbs" => "kažu kaže rekli rekao rekla tvrde tvrdili navodno kao li prije ranije pravijo pravi menda prej",
        _ => "",
    }
}

/// The lexicons consulted for a language, its own first: close languages lend words
/// (Czech and Slovak, Russian and Ukrainian), and English, which social posts everywhere
/// borrow from, comes last. Italian, Portuguese and Slovenian have no lexicon of their own
/// yet and borrow the nearest ones.
pub(super) fn chain(lang: Option<Lang>) -> &'static [&'static Lexicon] {
    // Looked up once per language: every classification asks.
    static CHAINS: LazyLock<Vec<Vec<&'static Lexicon>>> =
        LazyLock::new(|| Lang::ALL.iter().map(|&lang| chain_of(lang)).collect());
    &CHAINS[lang.unwrap_or(Lang::En).index()]
}

fn chain_of(lang: Lang) -> Vec<&'static Lexicon> {
    let lang = Some(lang);
    let names: &[&str] = match lang {
        None | Some(Lang::En) => &["en"],
        Some(Lang::Ru) => &["ru", "uk", "en"],
        Some(Lang::Uk) => &["uk", "ru", "en"],
        Some(Lang::Cs) => &["cs", "sk", "en"],
        Some(Lang::Sk) => &["sk", "cs", "en"],
        Some(Lang::Pl) => &["pl", "en"],
        Some(Lang::Hr | Lang::Sr | Lang::Bs | Lang::Sl) => &["hbs", "en"],
        Some(Lang::De) => &["de", "en"],
        Some(Lang::Es) => &["es", "en"],
        Some(Lang::Fr) => &["fr", "en"],
        Some(Lang::It) => &["it", "fr", "es", "en"],
        Some(Lang::Pt) => &["pt", "es", "en"],
    };
    names.iter().filter_map(|name| LEXICONS.get(name)).collect()
}

/// Emoji and their weights; a sequence's modifiers (skin tone, variation selector, ZWJ
/// partners) carry none.
pub(super) fn emoji(c: char) -> Option<f32> {
    Some(match c {
        // Upside-down face: irony ("love finding a new scratch 🙃"); the only emoji below
        // -2, which is how the scorer knows it (`IRONY`).
        '🙃' => -2.5,
        '😍' | '🥰' | '🤩' | '❤' | '♥' | '💕' | '💖' | '💗' | '💓' | '💞' | '💯' | '😻' => 2.0,
        '😀' | '😃' | '😄' | '😁' | '😊' | '☺' | '🙂' | '😎' | '👍' | '👏' | '🙌' | '🎉' | '🥳' | '⭐' | '🌟'
        | '✨' | '💪' | '👌' | '🙏' | '🤗' | '😘' | '✅' | '🏆' | '🥇' | '🔝' => 1.5,
        '😂' | '🤣' | '😅' | '😉' | '🔥' => 0.5,
        '😬' | '🐌' | '🐢' | '⚠' | '😐' | '😳' => -0.5,
        '😱' | '🤡' | '😑' => -1.0,
        '😞' | '😢' | '😭' | '😩' | '😫' | '😖' | '😣' | '☹' | '🙁' | '😒' | '😔' | '😟' | '😕' | '🙄' | '❌'
        | '🚫' | '🤦' | '😿' => -1.5,
        '😡' | '😠' | '🤬' | '👎' | '💩' | '🤮' | '🤢' | '💔' | '😤' => -2.0,
        _ => return None,
    })
}

/// Emoticons, folded (so `:D` is `:d`), longest first so `:-)` wins over `:-`.
pub(super) const EMOTICONS: &[(&str, f32)] = &[
    (">:(", -2.0),
    (":'(", -2.0),
    (":,(", -2.0),
    (":-)", 1.5),
    (":-d", 2.0),
    (":-(", -1.5),
    (":-/", -0.7),
    (":-p", 0.5),
    (";-)", 1.0),
    (":)", 1.5),
    ("=)", 1.5),
    (":]", 1.5),
    (":d", 2.0),
    (";)", 1.0),
    (";d", 1.5),
    ("<3", 2.0),
    (":(", -1.5),
    ("=(", -1.5),
    (":[", -1.5),
    (":/", -0.7),
    (":\\", -0.7),
    (":p", 0.5),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_way_of_saying_neither_way_fits_the_scorer_s_window() {
        // GIVEN every lexicon's ways of saying neither way
        for name in ["en", "ru", "uk", "cs", "sk", "pl", "hbs", "de", "es", "fr", "it", "pt"] {
            let phrases = [neither_phrases(name), own_doing_phrases(name)];
            for phrase in phrases.iter().flat_map(|p| p.split(',')) {
                // THEN each has words and no more than the scorer reads ahead
                let words = phrase.split_whitespace().count();
                assert!((1..=MAX_NEITHER_WORDS).contains(&words), "{name}: {phrase:?}");
            }
        }
    }

    fn lexicon(name: &str) -> &'static Lexicon {
        LEXICONS.get(name).unwrap()
    }

    #[test]
    fn each_language_gets_its_chain_from_the_cache() {
        for (i, &lang) in Lang::ALL.iter().enumerate() {
            assert_eq!(lang.index(), i);
            let names = |chain: &[&Lexicon]| chain.iter().map(|l| *l as *const Lexicon).collect::<Vec<_>>();
            assert_eq!(names(chain(Some(lang))), names(&chain_of(lang)), "{lang}");
        }
        assert!(std::ptr::eq(chain(None), chain(Some(Lang::En))));
        assert_eq!(chain(Some(Lang::Ru)).len(), 3);
    }

    #[test]
    fn every_lexicon_builds_with_both_polarities() {
        for (name, lexicon) in LEXICONS.iter() {
            let values: Vec<f32> = lexicon
                .words
                .values()
                .chain(lexicon.stems.values())
                .filter(|e| !e.duty)
                .map(|e| e.value)
                .collect();
            assert!(values.iter().any(|v| *v > 0.0), "{name} has no positive words");
            assert!(values.iter().any(|v| *v < 0.0), "{name} has no negative words");
            let functions: Vec<FunctionWord> = lexicon.function_words.values().copied().collect();
            assert!(functions.iter().any(|f| f.negator), "{name} has no negators");
            assert!(functions.iter().any(|f| f.contrast), "{name} has no contrast words");
        }
    }

    #[test]
    fn stems_take_case_endings_but_not_long_tails() {
        let cs = lexicon("cs");
        assert!(cs.lookup(&text::fold("spokojený")).unwrap().value > 0.0);
        assert!(cs.lookup(&text::fold("spokojenými")).unwrap().value > 0.0);
        let ru = lexicon("ru");
        assert!(ru.lookup("отвратительно").unwrap().value < 0.0);
        assert!(ru.lookup("отвратительного").unwrap().value < 0.0);
        // A stem is not a licence to match any word that starts with it.
        assert_eq!(cs.lookup(&text::fold("dobrodružství")), None);
    }

    #[test]
    fn glued_prefixes_negate_or_strengthen() {
        let ru = lexicon("ru");
        let hit = ru.lookup("неплохо").unwrap();
        assert!(hit.prefix_negated && hit.value < 0.0, "{hit:?}");
        let cs = lexicon("cs");
        let best = cs.lookup(&text::fold("nejlepší")).unwrap();
        let better = cs.lookup(&text::fold("lepší")).unwrap();
        assert!(!best.prefix_negated && best.value > better.value);
        // `ne` glued to a word the lexicon does not know stays unknown: neděle is Sunday.
        assert_eq!(cs.lookup(&text::fold("neděle")), None);
    }

    #[test]
    fn serbian_cyrillic_is_read_in_latin() {
        let hbs = lexicon("hbs");
        let word = hbs.spelling("одлично");
        assert_eq!(word, "odlicno");
        assert!(hbs.lookup(&word).unwrap().value > 0.0);
    }

    #[test]
    fn overlong_words_are_skipped() {
        let en = lexicon("en");
        assert_eq!(en.lookup(&"good".repeat(20)), None);
    }
}
