//! Reads the 0-10 NPS score out of a free-text chat reply, in every language we survey in.

use std::collections::{BTreeSet, HashMap};
use std::sync::LazyLock;

use crate::nps::Score;
use crate::text::{fold, words};

/// Why a reply was not read as a score. The chat then asks again: it never guesses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScoreRefusal {
    #[error("no score found in the reply")]
    NoScore,
    /// The different scores the reply could mean: sorted, distinct, at least two, all 0-10.
    #[error("several different scores in the reply: {0:?}")]
    Ambiguous(Vec<u8>),
    /// The first number outside 0-10, as written ("11", "-1", "100%").
    #[error("{0} is outside 0-10")]
    OutOfRange(i64),
}

/// Reads the score a customer typed in reply to "how likely are you to recommend us?".
///
/// Every number in the reply is a candidate: digits, keycap emoji (`9️⃣`, `🔟`) and number
/// words in the languages below, matched after [`fold`] (case and diacritics ignored).
/// Only the denominator of a "/10" framing ("9/10", "9 out of 10", "9 из 10", "9 z 10"...)
/// is not. The reply is a score only when every candidate is the same number within 0-10.
///
/// - Two or more different candidates within 0-10 are [`ScoreRefusal::Ambiguous`]
///   ("7 or 8", "7-8", "between 5 and 6"); a fraction is both its neighbours ("7.5" is 7
///   or 8), while "8.0" and "8,0" are a whole 8 and "1,000" is a thousand.
/// - Otherwise a candidate outside 0-10 is [`ScoreRefusal::OutOfRange`] ("11", "-1",
///   "minus one", "11/10", "9, 100% sure"); "10.5" reports its upper neighbour, 11.
/// - A score on another scale is never converted: "5/5", "4 out of 5", "5 stars", "5⭐"
///   (five or less before a star), "#1" and "number one" refuse rather than read as ours.
/// - Number words that are also ordinary words elsewhere (English "one", Czech "ten" =
///   "that", Portuguese "um", Italian "sei" = "you are"...) count only where a number is
///   clearly meant: alone, at the end, framed, or beside another number (see `Standing`).
///   French "neuf" ("new"), English "Sept" and German "Dez." (months) are accepted risks:
///   they read as 9, 7 and 10 anywhere.
/// - School grades on other scales are left out of the word lists: "пятёрка", "jednička",
///   "petica", "szóstka" would be a false score, so they give [`ScoreRefusal::NoScore`].
pub fn parse_score(text: &str) -> Result<Score, ScoreRefusal> {
    let folded = fold(text);
    let items = scan(&folded);
    read(&items).verdict()
}

/// Where a number word may stand and still be read as a number rather than as the
/// ordinary word it also is. Any number word counts as the numerator of a framing
/// ("one out of ten"), after a minus word ("minus one"), and when linked to another
/// number by "or", "to", "-", "/"... ("one or two", "ten or nine").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    /// Means only a number in every language we read.
    Anywhere,
    /// Also as the reply's last word: "I'd give it a ten", not Czech "ten servis".
    AtEnd,
    /// Also as the reply's only word: "One!", not "one of the best".
    Alone,
    /// Only in the number contexts above: Portuguese "um" is also English "um...".
    BesideNumbers,
}

/// A number as written in the reply, before it becomes candidate scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Number {
    magnitude: i64,
    negative: bool,
    /// Has a non-zero decimal part, so it lies between two whole numbers.
    fractional: bool,
    standing: Standing,
}

impl Number {
    fn whole(magnitude: i64, standing: Standing) -> Self {
        Number {
            magnitude,
            negative: false,
            fractional: false,
            standing,
        }
    }

    fn is_ten(self) -> bool {
        !self.negative && !self.fractional && self.magnitude == 10
    }

    /// The whole numbers it may mean: itself, or both neighbours of a fraction.
    fn candidates(self, negated: bool) -> impl Iterator<Item = i64> {
        let sign = if self.negative || negated { -1 } else { 1 };
        let near = sign * self.magnitude;
        let far = self.fractional.then(|| near.saturating_add(sign));
        std::iter::once(near).chain(far)
    }
}

/// A piece of the folded reply, as far as scores are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Item<'a> {
    Number(Number),
    Word(&'a str),
    Slash,
    Dash,
    /// A star, as a word or an emoji: "5 stars" rates on another scale.
    Star,
    /// "#", "№", "number": "#1" is a rank, not a score.
    Rank,
    /// Any other punctuation or symbol.
    Mark,
}

/// Splits folded text into items. Runs of letters go through [`words`]; digits, signs and
/// the emoji that carry numbers are read here, since `words` drops them.
fn scan(folded: &str) -> Vec<Item<'_>> {
    let chars: Vec<(usize, char)> = folded.char_indices().collect();
    let mut items = Vec::new();
    let mut letters_from = None;
    let mut i = 0;
    while let Some(&(at, c)) = chars.get(i) {
        if is_letter_run(c) {
            letters_from.get_or_insert(at);
            i += 1;
            continue;
        }
        if let Some(from) = letters_from.take() {
            push_words(&folded[from..at], &mut items);
        }
        let (item, next) = match c {
            '0'..='9' => {
                let (number, next) = read_number(&chars, i);
                (Item::Number(number), next)
            }
            '-' | '\u{2212}' if is_minus_sign(&chars, i, &items) => {
                let (number, next) = read_number(&chars, i + 1);
                let negative = Number {
                    negative: true,
                    ..number
                };
                (Item::Number(negative), next)
            }
            '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' => (Item::Dash, i + 1),
            '/' | '\u{2044}' | '\u{2215}' | '\u{ff0f}' => (Item::Slash, i + 1),
            '\u{1f51f}' => (Item::Number(Number::whole(10, Standing::Anywhere)), i + 1),
            '\u{2b50}' | '\u{2605}' | '\u{1f31f}' => (Item::Star, i + 1),
            '#' | '\u{2116}' => (Item::Rank, i + 1),
            // Emoji glue means nothing alone; a keycap's is read with its digit.
            '\u{fe0f}' | '\u{20e3}' | '\u{200d}' => {
                i += 1;
                continue;
            }
            _ => (Item::Mark, i + 1),
        };
        items.push(item);
        i = next;
    }
    if let Some(from) = letters_from {
        push_words(&folded[from..], &mut items);
    }
    items
}

/// Letters, inner apostrophes and the spaces between words; ASCII digits are read apart.
fn is_letter_run(c: char) -> bool {
    c == '\'' || c.is_whitespace() || (c.is_alphanumeric() && !c.is_ascii_digit())
}

fn push_words<'a>(run: &'a str, items: &mut Vec<Item<'a>>) {
    for word in words(run) {
        let item = if let Some(entry) = LEXICON.get(word) {
            Item::Number(Number::whole(i64::from(entry.value), entry.standing))
        } else if STAR_WORDS.contains(&word) {
            Item::Star
        } else if RANK_WORDS.contains(&word) {
            Item::Rank
        } else {
            Item::Word(word)
        };
        items.push(item);
    }
}

/// A minus sign rather than a hyphen or a range: right before a digit, not glued to a
/// word ("covid-19") and not after a number ("7-8", "7 -8").
fn is_minus_sign(chars: &[(usize, char)], i: usize, items: &[Item]) -> bool {
    let before_digit = chars.get(i + 1).is_some_and(|&(_, c)| c.is_ascii_digit());
    let glued = i > 0 && chars[i - 1].1.is_alphanumeric();
    before_digit && !glued && !matches!(items.last(), Some(Item::Number(_)))
}

/// Reads "9", "1️⃣0️⃣", "8.0", "7,5", "1,000" from `start`; returns it and the next index.
fn read_number(chars: &[(usize, char)], start: usize) -> (Number, usize) {
    let (mut magnitude, _, mut i) = read_digits(chars, start);
    let mut fractional = false;
    while matches!(chars.get(i), Some((_, '.' | ','))) {
        if !chars.get(i + 1).is_some_and(|&(_, c)| c.is_ascii_digit()) {
            break; // "10." or "9, thanks": punctuation, not a decimal point
        }
        let (group, len, next) = read_digits(chars, i + 1);
        i = next;
        if len == 3 {
            // "1,000" and "1.000" are thousands: a reply never has three decimals.
            magnitude = magnitude.saturating_mul(1000).saturating_add(group);
        } else {
            fractional = group != 0;
            break;
        }
    }
    let number = Number {
        fractional,
        ..Number::whole(magnitude, Standing::Anywhere)
    };
    (number, i)
}

/// Reads a run of digits, each maybe a keycap (digit, U+FE0F, U+20E3), so `1️⃣0️⃣` is 10.
/// Returns the value (saturated), the digit count and the next index.
fn read_digits(chars: &[(usize, char)], start: usize) -> (i64, usize, usize) {
    let (mut value, mut count, mut i) = (0i64, 0usize, start);
    while let Some(&(_, c)) = chars.get(i) {
        if let Some(digit) = c.to_digit(10) {
            value = value.saturating_mul(10).saturating_add(i64::from(digit));
            count += 1;
        } else if !(count > 0 && matches!(c, '\u{fe0f}' | '\u{20e3}')) {
            break;
        }
        i += 1;
    }
    (value, count, i)
}

/// The candidate scores of a reply and whether one of them rates on another scale.
#[derive(Debug, Default)]
struct Reading {
    candidates: Vec<i64>,
    other_scale: bool,
}

fn read(items: &[Item]) -> Reading {
    let spoken = items
        .iter()
        .filter(|item| matches!(item, Item::Number(_) | Item::Word(_)))
        .count();
    let mut is_denominator = vec![false; items.len()];
    let mut reading = Reading::default();
    for (k, item) in items.iter().enumerate() {
        let Item::Number(number) = *item else {
            continue;
        };
        if is_denominator[k] {
            continue;
        }
        let negated = k > 0 && matches!(items[k - 1], Item::Word(w) if MINUS_WORDS.contains(&w));
        let denominator = denominator_after(items, k);
        let in_number_context = negated || denominator.is_some() || is_linked(items, k);
        let counts = in_number_context
            || match number.standing {
                Standing::Anywhere => true,
                Standing::AtEnd => !items[k + 1..].iter().any(is_spoken),
                Standing::Alone => spoken == 1,
                Standing::BesideNumbers => false,
            };
        if !counts {
            continue;
        }
        match denominator.map(|d| (d, items[d])) {
            Some((d, Item::Number(ten))) if ten.is_ten() => is_denominator[d] = true,
            Some(_) => reading.other_scale = true,
            None => {}
        }
        let ranked = k > 0 && items[k - 1] == Item::Rank;
        let starred = items.get(k + 1) == Some(&Item::Star) && number.magnitude <= 5;
        reading.other_scale |= ranked || starred;
        reading.candidates.extend(number.candidates(negated));
    }
    reading
}

fn is_spoken(item: &Item) -> bool {
    matches!(item, Item::Number(_) | Item::Word(_))
}

/// The index of the number after a framing ("/", "out of", "из"...) that follows item `k`.
fn denominator_after(items: &[Item], k: usize) -> Option<usize> {
    let rest = &items[k + 1..];
    if let [Item::Slash, Item::Number(_), ..] = rest {
        return Some(k + 2);
    }
    DENOMINATOR_LINKS.iter().find_map(|link| {
        let n = link.len();
        let linked = rest.len() > n
            && rest[..n]
                .iter()
                .zip(link.iter())
                .all(|(item, word)| *item == Item::Word(word))
            && matches!(rest[n], Item::Number(_));
        linked.then_some(k + 1 + n)
    })
}

/// True when item `k` is joined to a neighbouring number: "one or two", "ten-nine".
fn is_linked(items: &[Item], k: usize) -> bool {
    let is_link = |item: &Item| match item {
        Item::Dash | Item::Slash => true,
        Item::Word(w) => RANGE_LINKS.contains(w),
        _ => false,
    };
    let before = k >= 2 && is_link(&items[k - 1]) && matches!(items[k - 2], Item::Number(_));
    let after = items.get(k + 1).is_some_and(is_link) && matches!(items.get(k + 2), Some(Item::Number(_)));
    before || after
}

impl Reading {
    fn verdict(&self) -> Result<Score, ScoreRefusal> {
        let in_range: BTreeSet<u8> = self
            .candidates
            .iter()
            .filter_map(|&v| Score::new(v).ok().map(Score::value))
            .collect();
        if in_range.len() > 1 {
            return Err(ScoreRefusal::Ambiguous(in_range.into_iter().collect()));
        }
        if let Some(&outside) = self.candidates.iter().find(|&&v| Score::new(v).is_err()) {
            return Err(ScoreRefusal::OutOfRange(outside));
        }
        match in_range.first() {
            Some(&value) if !self.other_scale => {
                Score::new(i64::from(value)).map_err(|e| ScoreRefusal::OutOfRange(e.0))
            }
            _ => Err(ScoreRefusal::NoScore),
        }
    }
}

// The word lists are written as people spell them, folded once on first use, and kept
// compact by hand: one entry a line would make them hard to check against a language.

#[rustfmt::skip]
const ENGLISH: &[(&str, u8)] = &[
    ("zero", 0), ("nil", 0), ("nought", 0), ("naught", 0), ("one", 1), ("two", 2),
    ("three", 3), ("four", 4), ("five", 5), ("six", 6), ("seven", 7), ("eight", 8),
    ("nine", 9), ("ten", 10), ("eleven", 11), ("twenty", 20), ("thirty", 30), ("forty", 40),
    ("fifty", 50), ("sixty", 60), ("seventy", 70), ("eighty", 80), ("ninety", 90),
    ("hundred", 100),
];

#[rustfmt::skip]
const RUSSIAN: &[(&str, u8)] = &[
    ("ноль", 0), ("нуль", 0), ("один", 1), ("одна", 1), ("одно", 1), ("одну", 1), ("два", 2),
    ("две", 2), ("три", 3), ("четыре", 4), ("пять", 5), ("шесть", 6), ("шестёрка", 6),
    ("шестёрку", 6), ("семь", 7), ("семёрка", 7), ("семёрку", 7), ("восемь", 8),
    ("восьмёрка", 8), ("восьмёрку", 8), ("девять", 9), ("девятка", 9), ("девятку", 9),
    ("девяточка", 9), ("девяточку", 9), ("десять", 10), ("десяти", 10), ("десятка", 10),
    ("десятку", 10), ("десяточка", 10), ("десяточку", 10), ("одиннадцать", 11),
    ("двадцать", 20), ("тридцать", 30), ("сорок", 40), ("пятьдесят", 50), ("шестьдесят", 60),
    ("семьдесят", 70), ("восемьдесят", 80), ("девяносто", 90), ("сто", 100),
];

#[rustfmt::skip]
const UKRAINIAN: &[(&str, u8)] = &[
    ("нуль", 0), ("один", 1), ("одна", 1), ("одну", 1), ("два", 2), ("дві", 2), ("три", 3),
    ("чотири", 4), ("п'ять", 5), ("шість", 6), ("шістка", 6), ("шістку", 6), ("сім", 7),
    ("вісім", 8), ("вісімка", 8), ("вісімку", 8), ("дев'ять", 9), ("дев'ятка", 9),
    ("дев'ятку", 9), ("десять", 10), ("десяти", 10), ("десятка", 10), ("десятку", 10),
    ("одинадцять", 11), ("двадцять", 20), ("тридцять", 30), ("сорок", 40),
    ("п'ятдесят", 50), ("шістдесят", 60), ("сімдесят", 70), ("вісімдесят", 80),
    ("дев'яносто", 90), ("сто", 100),
];

#[rustfmt::skip]
const CZECH: &[(&str, u8)] = &[
    ("nula", 0), ("jedna", 1), ("jeden", 1), ("jedno", 1), ("dva", 2), ("dvě", 2), ("tři", 3),
    ("čtyři", 4), ("pět", 5), ("šest", 6), ("šestka", 6), ("šestku", 6), ("sedm", 7),
    ("sedmička", 7), ("sedmičku", 7), ("osm", 8), ("osmička", 8), ("osmičku", 8),
    ("devět", 9), ("devítka", 9), ("devítku", 9), ("deset", 10), ("deseti", 10),
    ("desítka", 10), ("desítku", 10), ("jedenáct", 11), ("dvacet", 20), ("třicet", 30),
    ("čtyřicet", 40), ("padesát", 50), ("šedesát", 60), ("sedmdesát", 70), ("osmdesát", 80),
    ("devadesát", 90),
];

#[rustfmt::skip]
const SLOVAK: &[(&str, u8)] = &[
    ("nula", 0), ("jeden", 1), ("jedna", 1), ("jedno", 1), ("dva", 2), ("dve", 2), ("tri", 3),
    ("štyri", 4), ("päť", 5), ("šesť", 6), ("šestka", 6), ("šestku", 6), ("sedem", 7),
    ("sedmička", 7), ("sedmičku", 7), ("osem", 8), ("osmička", 8), ("osmičku", 8),
    ("deväť", 9), ("deviatka", 9), ("deviatku", 9), ("desať", 10), ("desiatich", 10),
    ("desiatka", 10), ("desiatku", 10), ("jedenásť", 11), ("dvadsať", 20), ("tridsať", 30),
    ("štyridsať", 40), ("päťdesiat", 50), ("šesťdesiat", 60), ("sedemdesiat", 70),
    ("osemdesiat", 80), ("deväťdesiat", 90),
];

#[rustfmt::skip]
const POLISH: &[(&str, u8)] = &[
    ("zero", 0), ("jeden", 1), ("jedna", 1), ("jedno", 1), ("dwa", 2), ("dwie", 2),
    ("trzy", 3), ("cztery", 4), ("pięć", 5), ("sześć", 6), ("siedem", 7), ("siódemka", 7),
    ("siódemkę", 7), ("osiem", 8), ("ósemka", 8), ("ósemkę", 8), ("dziewięć", 9),
    ("dziewiątka", 9), ("dziewiątkę", 9), ("dziesięć", 10), ("dziesięciu", 10),
    ("dziesiątka", 10), ("dziesiątkę", 10), ("jedenaście", 11), ("dwadzieścia", 20),
    ("trzydzieści", 30), ("czterdzieści", 40), ("pięćdziesiąt", 50), ("sześćdziesiąt", 60),
    ("siedemdziesiąt", 70), ("osiemdziesiąt", 80), ("dziewięćdziesiąt", 90),
];

/// Croatian, Bosnian and Serbian in Latin script (ijekavian and ekavian forms).
#[rustfmt::skip]
const SERBO_CROATIAN_LATIN: &[(&str, u8)] = &[
    ("nula", 0), ("jedan", 1), ("jedna", 1), ("jedno", 1), ("dva", 2), ("dvije", 2),
    ("dve", 2), ("tri", 3), ("četiri", 4), ("pet", 5), ("šest", 6), ("sedam", 7), ("osam", 8),
    ("osmica", 8), ("osmicu", 8), ("devet", 9), ("devetka", 9), ("devetku", 9), ("deset", 10),
    ("desetka", 10), ("desetku", 10), ("jedanaest", 11), ("dvadeset", 20), ("trideset", 30),
    ("četrdeset", 40), ("pedeset", 50), ("šezdeset", 60), ("sedamdeset", 70),
    ("osamdeset", 80), ("devedeset", 90),
];

#[rustfmt::skip]
const SERBIAN_CYRILLIC: &[(&str, u8)] = &[
    ("нула", 0), ("један", 1), ("једна", 1), ("једно", 1), ("два", 2), ("две", 2),
    ("двије", 2), ("три", 3), ("четири", 4), ("пет", 5), ("шест", 6), ("седам", 7),
    ("осам", 8), ("осмица", 8), ("осмицу", 8), ("девет", 9), ("деветка", 9), ("деветку", 9),
    ("десет", 10), ("десетка", 10), ("десетку", 10), ("једанаест", 11), ("двадесет", 20),
    ("тридесет", 30), ("четрдесет", 40), ("педесет", 50), ("шездесет", 60),
    ("седамдесет", 70), ("осамдесет", 80), ("деведесет", 90), ("сто", 100),
];

#[rustfmt::skip]
const SLOVENIAN: &[(&str, u8)] = &[
    ("nič", 0), ("nula", 0), ("ena", 1), ("dva", 2), ("dve", 2), ("tri", 3), ("štiri", 4),
    ("pet", 5), ("šest", 6), ("sedem", 7), ("osem", 8), ("devet", 9), ("devetka", 9),
    ("devetko", 9), ("deset", 10), ("desetih", 10), ("desetka", 10), ("desetko", 10),
    ("enajst", 11), ("dvajset", 20), ("trideset", 30), ("štirideset", 40), ("petdeset", 50),
    ("šestdeset", 60), ("sedemdeset", 70), ("osemdeset", 80), ("devetdeset", 90),
];

/// "ein" and "eine" are left out: far more often "a" than "one".
#[rustfmt::skip]
const GERMAN: &[(&str, u8)] = &[
    ("null", 0), ("eins", 1), ("zwei", 2), ("zwo", 2), ("drei", 3), ("vier", 4), ("fünf", 5),
    ("fuenf", 5), ("sechs", 6), ("sieben", 7), ("acht", 8), ("neun", 9), ("zehn", 10),
    ("elf", 11), ("zwanzig", 20), ("dreißig", 30), ("vierzig", 40), ("fünfzig", 50),
    ("sechzig", 60), ("siebzig", 70), ("achtzig", 80), ("neunzig", 90), ("hundert", 100),
];

#[rustfmt::skip]
const FRENCH: &[(&str, u8)] = &[
    ("zéro", 0), ("un", 1), ("une", 1), ("deux", 2), ("trois", 3), ("quatre", 4), ("cinq", 5),
    ("six", 6), ("sept", 7), ("huit", 8), ("neuf", 9), ("dix", 10), ("onze", 11),
    ("vingt", 20), ("trente", 30), ("quarante", 40), ("cinquante", 50), ("soixante", 60),
    ("septante", 70), ("huitante", 80), ("nonante", 90),
];

/// "once" (11) is left out: it is also English "once".
#[rustfmt::skip]
const SPANISH: &[(&str, u8)] = &[
    ("cero", 0), ("uno", 1), ("una", 1), ("un", 1), ("dos", 2), ("tres", 3), ("cuatro", 4),
    ("cinco", 5), ("seis", 6), ("siete", 7), ("ocho", 8), ("nueve", 9), ("diez", 10),
    ("veinte", 20), ("treinta", 30), ("cuarenta", 40), ("cincuenta", 50), ("sesenta", 60),
    ("setenta", 70), ("ochenta", 80), ("noventa", 90), ("cien", 100), ("ciento", 100),
];

#[rustfmt::skip]
const ITALIAN: &[(&str, u8)] = &[
    ("zero", 0), ("uno", 1), ("una", 1), ("un", 1), ("due", 2), ("tre", 3), ("quattro", 4),
    ("cinque", 5), ("sei", 6), ("sette", 7), ("otto", 8), ("nove", 9), ("dieci", 10),
    ("undici", 11), ("venti", 20), ("trenta", 30), ("quaranta", 40), ("cinquanta", 50),
    ("sessanta", 60), ("settanta", 70), ("ottanta", 80), ("novanta", 90), ("cento", 100),
];

#[rustfmt::skip]
const PORTUGUESE: &[(&str, u8)] = &[
    ("zero", 0), ("um", 1), ("uma", 1), ("dois", 2), ("duas", 2), ("três", 3), ("quatro", 4),
    ("cinco", 5), ("seis", 6), ("sete", 7), ("oito", 8), ("nove", 9), ("dez", 10),
    ("onze", 11), ("vinte", 20), ("trinta", 30), ("quarenta", 40), ("cinquenta", 50),
    ("sessenta", 60), ("setenta", 70), ("oitenta", 80), ("noventa", 90), ("cem", 100),
    ("cento", 100),
];

const LANGUAGES: &[(&str, &[(&str, u8)])] = &[
    ("en", ENGLISH),
    ("ru", RUSSIAN),
    ("uk", UKRAINIAN),
    ("cs", CZECH),
    ("sk", SLOVAK),
    ("pl", POLISH),
    ("hr-bs-sr-Latn", SERBO_CROATIAN_LATIN),
    ("sr-Cyrl", SERBIAN_CYRILLIC),
    ("sl", SLOVENIAN),
    ("de", GERMAN),
    ("fr", FRENCH),
    ("es", SPANISH),
    ("it", ITALIAN),
    ("pt", PORTUGUESE),
];

/// Number words that are also ordinary words, in any of our languages, and where they
/// must stand to count (every other number word counts anywhere).
const CAUTIOUS: &[(&str, Standing)] = &[
    ("one", Standing::Alone),        // "one of the best"
    ("ten", Standing::AtEnd),        // Czech/Slovak "that": "ten servis"
    ("un", Standing::Alone),         // the French/Spanish/Italian article: "un 9"
    ("une", Standing::Alone),        // French article
    ("uno", Standing::Alone),        // Italian article, Spanish pronoun: "uno de los mejores"
    ("una", Standing::Alone),        // Spanish/Italian article
    ("uma", Standing::Alone),        // Portuguese article
    ("um", Standing::BesideNumbers), // Portuguese article, English "um..."
    ("dos", Standing::AtEnd),        // Portuguese "of the": "um dos melhores"
    ("tres", Standing::AtEnd),       // French "très" ("very")
    ("due", Standing::Alone),        // English "due to"
    ("sei", Standing::Alone),        // Italian "you are": "sei il migliore"
    ("nove", Standing::AtEnd),       // Croatian/Serbian "new": "nove usluge"
    ("pet", Standing::Alone),        // English "pet"
    ("päť", Standing::Alone),        // folds to "pat", an English word and name
    ("pięć", Standing::AtEnd),       // folds to "piec", Polish "oven"
    ("nič", Standing::Alone),        // folds to "nic", Czech/Polish "nothing": "nic moc"
    ("ena", Standing::Alone),        // Slovenian "one" in "ena izmed najboljših"
    ("jedna", Standing::Alone),      // "jedna z nejlepších": "one of the best"
    ("jeden", Standing::Alone),      // also German "every": "jeden Tag"
    ("jedno", Standing::Alone),
    ("jedan", Standing::Alone),
    ("один", Standing::Alone), // "один из лучших"
    ("одна", Standing::Alone),
    ("одно", Standing::Alone),
    ("одну", Standing::Alone),
    ("један", Standing::Alone),
    ("једна", Standing::Alone),
    ("једно", Standing::Alone),
];

/// Framings whose following "10" is the scale, not a second score (after "/" too).
#[rustfmt::skip]
const DENOMINATOR_LINKS: &[&[&str]] = &[
    &["out", "of"], &["outta"], &["of"], &["from"], &["из"], &["з"], &["із"], &["зі"],
    &["z"], &["ze"], &["na"], &["od"], &["од"], &["von"], &["aus"], &["sur"], &["de"],
    &["sobre"], &["su"], &["di"],
];

/// Words joining two numbers into a choice or a range: "7 or 8", "between 5 and 6".
const RANGE_LINKS: &[&str] = &[
    "or", "to", "and", "или", "либо", "и", "до", "або", "чи", "і", "nebo", "ci", "alebo", "a", "az", "albo", "lub",
    "czy", "i", "do", "ili", "ali", "in", "oder", "und", "bis", "ou", "et", "o", "u", "y", "e", "oppure",
];

/// "minus one" in each language, folded.
const MINUS_WORDS: &[&str] = &["minus", "минус", "мінус", "moins", "menos", "meno"];

/// "5 stars" in each language, folded: a rating on a five-star scale, not ours.
#[rustfmt::skip]
const STAR_WORDS: &[&str] = &[
    "star", "stars", "звезда", "звезды", "звезд", "звезду", "звездочки", "звездочек", "зірка", "зірки", "зірок",
    "hvezda", "hvezdy", "hvezd", "hvezdicky", "hvezdicek", "hviezda", "hviezdy", "hviezd", "hviezdicky",
    "hviezdiciek", "gwiazdka", "gwiazdki", "gwiazdek", "zvjezdica", "zvjezdice", "zvezdica", "zvezdice", "zvezdic",
    "звездица", "звездице", "stern", "sterne", "sternen", "etoile", "etoiles", "estrella", "estrellas", "stella",
    "stelle", "estrela", "estrelas",
];

/// "number one" in each language, folded: a rank, not a score.
#[rustfmt::skip]
const RANK_WORDS: &[&str] = &["number", "номер", "cislo", "numer", "nummer", "numero", "broj", "број", "stevilka"];

struct Entry {
    value: u8,
    standing: Standing,
}

/// Every number word, folded, built once per process.
static LEXICON: LazyLock<HashMap<String, Entry>> = LazyLock::new(|| {
    let mut lexicon = HashMap::new();
    for (word, value) in LANGUAGES.iter().flat_map(|(_, table)| table.iter()) {
        lexicon.entry(fold(word)).or_insert(Entry {
            value: *value,
            standing: Standing::Anywhere,
        });
    }
    for (word, standing) in CAUTIOUS {
        if let Some(entry) = lexicon.get_mut(&fold(word)) {
            entry.standing = *standing;
        }
    }
    lexicon
});

#[cfg(test)]
mod tests {
    use super::ScoreRefusal::{Ambiguous, NoScore, OutOfRange};
    use super::*;

    type Row = (&'static str, Result<u8, ScoreRefusal>);

    /// WHEN each reply is parsed THEN it reads as its row says; every misread row is listed.
    fn assert_reads(rows: &[Row]) {
        let misread: Vec<String> = rows
            .iter()
            .filter_map(|(reply, want)| {
                let got = parse_score(reply).map(Score::value);
                (got != *want).then(|| format!("{reply:?}: got {got:?}, want {want:?}"))
            })
            .collect();
        assert!(
            misread.is_empty(),
            "{} of {} replies misread:\n{}",
            misread.len(),
            rows.len(),
            misread.join("\n")
        );
    }

    fn either(low: u8, high: u8) -> Result<u8, ScoreRefusal> {
        Err(Ambiguous(vec![low, high]))
    }

    // GIVEN replies in one language, with every score 0-10 as a word and the usual framings

    #[test]
    fn given_english_replies_then_scores_are_read() {
        assert_reads(&[
            ("zero", Ok(0)),
            ("Nil.", Ok(0)),
            ("One", Ok(1)),
            ("two", Ok(2)),
            ("Three!", Ok(3)),
            ("four", Ok(4)),
            ("five", Ok(5)),
            ("six", Ok(6)),
            ("seven", Ok(7)),
            ("EIGHT", Ok(8)),
            ("nine", Ok(9)),
            ("ten", Ok(10)),
            ("I'd give you a nine", Ok(9)),
            ("a solid eight", Ok(8)),
            ("A perfect ten!", Ok(10)),
            ("nine out of ten", Ok(9)),
            ("Ten out of ten, would recommend", Ok(10)),
            ("one out of ten", Ok(1)),
            ("one/10", Ok(1)),
            ("nine, yes nine", Ok(9)),
            ("nine 9", Ok(9)),
            ("seven or eight", either(7, 8)),
            ("ten or nine", either(9, 10)),
            ("one or two", either(1, 2)),
            ("one of the best shops in town", Err(NoScore)),
            ("One of the best shops in town, 10", Ok(10)),
            ("the best one", Err(NoScore)),
            ("twenty-nine", Err(OutOfRange(20))),
            ("eleven out of ten", Err(OutOfRange(11))),
            ("a hundred percent", Err(OutOfRange(100))),
            ("minus one", Err(OutOfRange(-1))),
        ]);
    }

    #[test]
    fn given_russian_replies_then_scores_are_read() {
        assert_reads(&[
            ("ноль", Ok(0)),
            ("нуль", Ok(0)),
            ("Один", Ok(1)),
            ("два", Ok(2)),
            ("три", Ok(3)),
            ("четыре", Ok(4)),
            ("пять", Ok(5)),
            ("шесть", Ok(6)),
            ("семь", Ok(7)),
            ("восемь", Ok(8)),
            ("ДЕВЯТЬ", Ok(9)),
            ("десять", Ok(10)),
            ("Ставлю девятку", Ok(9)),
            ("твёрдая восьмёрка", Ok(8)),
            ("твердая семерка", Ok(7)),
            ("На десяточку!", Ok(10)),
            ("Десять из десяти", Ok(10)),
            ("9 из 10", Ok(9)),
            ("девять из 10", Ok(9)),
            ("Оценка: 7", Ok(7)),
            ("восемь или девять", either(8, 9)),
            ("один из лучших сервисов", Err(NoScore)),
            ("один из лучших, 10", Ok(10)),
            ("семья довольна, 10", Ok(10)),
            // A school grade ("excellent") on a 1-5 scale, not our 5
            ("пятёрка", Err(NoScore)),
            ("на все сто", Err(OutOfRange(100))),
            ("двадцать девять", Err(OutOfRange(20))),
            ("одиннадцать", Err(OutOfRange(11))),
            ("минус один", Err(OutOfRange(-1))),
        ]);
    }

    #[test]
    fn given_ukrainian_replies_then_scores_are_read() {
        assert_reads(&[
            ("нуль", Ok(0)),
            ("один", Ok(1)),
            ("два", Ok(2)),
            ("дві", Ok(2)),
            ("три", Ok(3)),
            ("чотири", Ok(4)),
            ("п'ять", Ok(5)),
            ("п\u{2019}ять", Ok(5)),
            ("п\u{02bc}ять", Ok(5)),
            ("шість", Ok(6)),
            ("сім", Ok(7)),
            ("вісім", Ok(8)),
            ("дев'ять", Ok(9)),
            ("десять", Ok(10)),
            ("Дев\u{2019}ять з десяти", Ok(9)),
            ("9 із 10", Ok(9)),
            ("Ставлю дев'ятку", Ok(9)),
            ("десятку!", Ok(10)),
            ("вісім або дев'ять", either(8, 9)),
            ("сім'я задоволена, 10", Ok(10)),
            ("один з найкращих", Err(NoScore)),
            ("одинадцять", Err(OutOfRange(11))),
            ("мінус один", Err(OutOfRange(-1))),
        ]);
    }

    #[test]
    fn given_czech_replies_then_scores_are_read() {
        assert_reads(&[
            ("nula", Ok(0)),
            ("jedna", Ok(1)),
            ("dva", Ok(2)),
            ("dvě", Ok(2)),
            ("tři", Ok(3)),
            ("čtyři", Ok(4)),
            ("pět", Ok(5)),
            ("šest", Ok(6)),
            ("sedm", Ok(7)),
            ("osm", Ok(8)),
            ("devět", Ok(9)),
            ("deset", Ok(10)),
            ("Dal bych za deset", Ok(10)),
            ("Devítka", Ok(9)),
            ("dávám devítku", Ok(9)),
            ("desítka!", Ok(10)),
            ("osmička", Ok(8)),
            ("devět z deseti", Ok(9)),
            ("9 z 10", Ok(9)),
            ("sedm nebo osm", either(7, 8)),
            // "ten" is "that" in Czech: only a score at the end of a reply
            ("Ten servis je super", Err(NoScore)),
            ("Ten servis je super, devět", Ok(9)),
            ("jedna z nejlepších firem", Err(NoScore)),
            ("nic moc", Err(NoScore)),
            // A school grade ("excellent") on a 1-5 scale, not our 1
            ("jednička", Err(NoScore)),
            ("dvacet devět", Err(OutOfRange(20))),
            ("jedenáct", Err(OutOfRange(11))),
        ]);
    }

    #[test]
    fn given_slovak_replies_then_scores_are_read() {
        assert_reads(&[
            ("nula", Ok(0)),
            ("jeden", Ok(1)),
            ("dva", Ok(2)),
            ("tri", Ok(3)),
            ("štyri", Ok(4)),
            ("päť", Ok(5)),
            ("šesť", Ok(6)),
            ("sedem", Ok(7)),
            ("osem", Ok(8)),
            ("deväť", Ok(9)),
            ("desať", Ok(10)),
            ("Dávam deviatku", Ok(9)),
            ("desiatka", Ok(10)),
            ("deväť z desiatich", Ok(9)),
            ("8 z 10", Ok(8)),
            ("sedem alebo osem", either(7, 8)),
            ("jeden z najlepších", Err(NoScore)),
            ("jedenásť", Err(OutOfRange(11))),
        ]);
    }

    #[test]
    fn given_polish_replies_then_scores_are_read() {
        assert_reads(&[
            ("zero", Ok(0)),
            ("jeden", Ok(1)),
            ("dwa", Ok(2)),
            ("trzy", Ok(3)),
            ("cztery", Ok(4)),
            ("pięć", Ok(5)),
            ("Dałbym pięć", Ok(5)),
            ("sześć", Ok(6)),
            ("siedem", Ok(7)),
            ("osiem", Ok(8)),
            ("dziewięć", Ok(9)),
            ("dziesięć", Ok(10)),
            ("Daję dziewiątkę", Ok(9)),
            ("mocna ósemka", Ok(8)),
            ("Dziesiątka!", Ok(10)),
            ("dziewięć na dziesięć", Ok(9)),
            ("9 na 10", Ok(9)),
            ("osiem lub dziewięć", either(8, 9)),
            ("siedem albo osiem", either(7, 8)),
            ("jeden z najlepszych", Err(NoScore)),
            // "piec" (oven) folds like "pięć": only a score at the end
            ("Nowy piec działa super", Err(NoScore)),
            ("nic dodać, nic ująć, 10", Ok(10)),
            ("jedenaście", Err(OutOfRange(11))),
        ]);
    }

    #[test]
    fn given_croatian_bosnian_serbian_latin_replies_then_scores_are_read() {
        assert_reads(&[
            ("nula", Ok(0)),
            ("jedan", Ok(1)),
            ("dva", Ok(2)),
            ("dvije", Ok(2)),
            ("tri", Ok(3)),
            ("četiri", Ok(4)),
            ("pet", Ok(5)),
            ("šest", Ok(6)),
            ("sedam", Ok(7)),
            ("osam", Ok(8)),
            ("devet", Ok(9)),
            ("deset", Ok(10)),
            ("Dajem desetku", Ok(10)),
            ("devetka", Ok(9)),
            ("osmica", Ok(8)),
            ("9 od 10", Ok(9)),
            ("devet od deset", Ok(9)),
            ("sedam ili osam", either(7, 8)),
            ("jedan od najboljih", Err(NoScore)),
            // "nove" is also "new": only a score at the end
            ("Nove usluge su odlične", Err(NoScore)),
            ("pet zvjezdica", Err(NoScore)),
            ("dvadeset devet", Err(OutOfRange(20))),
            ("jedanaest", Err(OutOfRange(11))),
        ]);
    }

    #[test]
    fn given_serbian_cyrillic_replies_then_scores_are_read() {
        assert_reads(&[
            ("нула", Ok(0)),
            ("један", Ok(1)),
            ("два", Ok(2)),
            ("три", Ok(3)),
            ("четири", Ok(4)),
            ("пет", Ok(5)),
            ("шест", Ok(6)),
            ("седам", Ok(7)),
            ("осам", Ok(8)),
            ("девет", Ok(9)),
            ("десет", Ok(10)),
            ("Дајем десетку", Ok(10)),
            ("деветка", Ok(9)),
            ("9 од 10", Ok(9)),
            ("девет од десет", Ok(9)),
            ("седам или осам", either(7, 8)),
            ("један од најбољих", Err(NoScore)),
            ("пет звездица", Err(NoScore)),
            ("једанаест", Err(OutOfRange(11))),
            ("сто", Err(OutOfRange(100))),
        ]);
    }

    #[test]
    fn given_slovenian_replies_then_scores_are_read() {
        assert_reads(&[
            ("nič", Ok(0)),
            ("nula", Ok(0)),
            ("ena", Ok(1)),
            ("dva", Ok(2)),
            ("tri", Ok(3)),
            ("štiri", Ok(4)),
            ("pet", Ok(5)),
            ("šest", Ok(6)),
            ("sedem", Ok(7)),
            ("osem", Ok(8)),
            ("devet", Ok(9)),
            ("deset", Ok(10)),
            ("Dam desetko", Ok(10)),
            ("devetka", Ok(9)),
            ("9 od 10", Ok(9)),
            ("devet od desetih", Ok(9)),
            ("sedem ali osem", either(7, 8)),
            ("ena izmed najboljših", Err(NoScore)),
            ("enajst", Err(OutOfRange(11))),
        ]);
    }

    #[test]
    fn given_german_replies_then_scores_are_read() {
        assert_reads(&[
            ("null", Ok(0)),
            ("eins", Ok(1)),
            ("zwei", Ok(2)),
            ("zwo", Ok(2)),
            ("drei", Ok(3)),
            ("vier", Ok(4)),
            ("fünf", Ok(5)),
            ("fuenf", Ok(5)),
            ("sechs", Ok(6)),
            ("sieben", Ok(7)),
            ("acht", Ok(8)),
            ("neun", Ok(9)),
            ("zehn", Ok(10)),
            ("Ich gebe eine Neun", Ok(9)),
            ("9 von 10", Ok(9)),
            ("neun von zehn", Ok(9)),
            ("ZEHN!!!", Ok(10)),
            ("sieben oder acht", either(7, 8)),
            ("acht bis neun", either(8, 9)),
            ("eine tolle Firma", Err(NoScore)),
            ("jeden Tag gerne, 10", Ok(10)),
            ("elf", Err(OutOfRange(11))),
            ("hundert Prozent", Err(OutOfRange(100))),
            ("minus eins", Err(OutOfRange(-1))),
        ]);
    }

    #[test]
    fn given_french_replies_then_scores_are_read() {
        assert_reads(&[
            ("zéro", Ok(0)),
            ("un", Ok(1)),
            ("deux", Ok(2)),
            ("trois", Ok(3)),
            ("quatre", Ok(4)),
            ("cinq", Ok(5)),
            ("six", Ok(6)),
            ("sept", Ok(7)),
            ("huit", Ok(8)),
            ("neuf", Ok(9)),
            ("dix", Ok(10)),
            ("Je donne un 9", Ok(9)),
            ("un 9 sur 10", Ok(9)),
            ("neuf sur dix", Ok(9)),
            ("Très bien, 9", Ok(9)),
            ("très bien", Err(NoScore)),
            ("un service génial", Err(NoScore)),
            ("huit ou neuf", either(8, 9)),
            ("vingt-neuf", Err(OutOfRange(20))),
            ("soixante-dix", Err(OutOfRange(60))),
            ("onze", Err(OutOfRange(11))),
            ("moins un", Err(OutOfRange(-1))),
            // Accepted risk, documented: "neuf" is also "new"
            ("comme neuf !", Ok(9)),
        ]);
    }

    #[test]
    fn given_spanish_replies_then_scores_are_read() {
        assert_reads(&[
            ("cero", Ok(0)),
            ("uno", Ok(1)),
            ("dos", Ok(2)),
            ("tres", Ok(3)),
            ("cuatro", Ok(4)),
            ("cinco", Ok(5)),
            ("seis", Ok(6)),
            ("siete", Ok(7)),
            ("ocho", Ok(8)),
            ("nueve", Ok(9)),
            ("diez", Ok(10)),
            ("Le doy un 9", Ok(9)),
            ("un 8 de 10", Ok(8)),
            ("nueve de diez", Ok(9)),
            ("le doy dos", Ok(2)),
            ("siete u ocho", either(7, 8)),
            ("entre cinco y seis", either(5, 6)),
            ("uno o dos", either(1, 2)),
            ("un servicio excelente", Err(NoScore)),
            ("treinta y nueve", Err(OutOfRange(30))),
            ("cien por cien", Err(OutOfRange(100))),
            ("menos uno", Err(OutOfRange(-1))),
        ]);
    }

    #[test]
    fn given_italian_replies_then_scores_are_read() {
        assert_reads(&[
            ("zero", Ok(0)),
            ("uno", Ok(1)),
            ("due", Ok(2)),
            ("tre", Ok(3)),
            ("quattro", Ok(4)),
            ("cinque", Ok(5)),
            ("sei", Ok(6)),
            ("sette", Ok(7)),
            ("otto", Ok(8)),
            ("nove", Ok(9)),
            ("dieci", Ok(10)),
            ("Ti do un otto", Ok(8)),
            ("9 su 10", Ok(9)),
            ("nove su dieci", Ok(9)),
            ("Sei il migliore", Err(NoScore)),
            ("Sei il migliore, 10", Ok(10)),
            ("due to the delay, 6", Ok(6)),
            ("sette o otto", either(7, 8)),
            ("un servizio ottimo", Err(NoScore)),
            ("undici", Err(OutOfRange(11))),
            ("cento per cento", Err(OutOfRange(100))),
        ]);
    }

    #[test]
    fn given_portuguese_replies_then_scores_are_read() {
        assert_reads(&[
            ("zero", Ok(0)),
            ("uma", Ok(1)),
            ("um de dez", Ok(1)),
            ("dois", Ok(2)),
            ("duas", Ok(2)),
            ("três", Ok(3)),
            ("quatro", Ok(4)),
            ("cinco", Ok(5)),
            ("seis", Ok(6)),
            ("sete", Ok(7)),
            ("oito", Ok(8)),
            ("nove", Ok(9)),
            ("dez", Ok(10)),
            ("Dou um 9", Ok(9)),
            ("Dou nove", Ok(9)),
            ("nove de dez", Ok(9)),
            ("9 de 10", Ok(9)),
            ("um dos melhores", Err(NoScore)),
            ("Um dos melhores, 10", Ok(10)),
            ("um ou dois", either(1, 2)),
            ("sete ou oito", either(7, 8)),
            ("vinte e nove", Err(OutOfRange(20))),
            ("onze", Err(OutOfRange(11))),
            ("cem por cento", Err(OutOfRange(100))),
        ]);
    }

    #[test]
    fn given_digits_and_their_framings_then_the_denominator_is_not_a_second_score() {
        assert_reads(&[
            ("9", Ok(9)),
            ("0", Ok(0)),
            ("9/10", Ok(9)),
            ("9 / 10", Ok(9)),
            ("9\u{2044}10", Ok(9)),
            ("0/10", Ok(0)),
            ("10/10", Ok(10)),
            ("9 out of 10", Ok(9)),
            ("9 outta 10", Ok(9)),
            ("9 of 10", Ok(9)),
            ("9 from 10", Ok(9)),
            ("9 из 10", Ok(9)),
            ("9 z 10", Ok(9)),
            ("9 od 10", Ok(9)),
            ("9 von 10", Ok(9)),
            ("9 sur 10", Ok(9)),
            ("9 de 10", Ok(9)),
            ("9 su 10", Ok(9)),
            ("10!!!", Ok(10)),
            ("score: 7", Ok(7)),
            ("Score 7/10, thanks", Ok(7)),
            ("I'd give you an 8", Ok(8)),
            ("8.0", Ok(8)),
            ("8,0", Ok(8)),
            ("8.00/10", Ok(8)),
            ("9, yes 9", Ok(9)),
            ("10/10, 10 out of 10", Ok(10)),
            ("solid 8!!! thanks team", Ok(8)),
            ("10 \u{2b50}", Ok(10)),
        ]);
    }

    #[test]
    fn given_keycap_emoji_then_they_read_as_digits() {
        let keycaps: Vec<(String, u8)> = (0..=9u8)
            .map(|d| (format!("{d}\u{fe0f}\u{20e3}"), d))
            .chain([("\u{1f51f}".to_string(), 10)])
            .collect();
        for (keycap, value) in &keycaps {
            assert_eq!(parse_score(keycap).map(Score::value), Ok(*value), "{keycap}");
        }
        assert_reads(&[
            ("7\u{20e3}", Ok(7)),
            ("1\u{fe0f}\u{20e3}0\u{fe0f}\u{20e3}", Ok(10)),
            ("9\u{fe0f}\u{20e3}/\u{1f51f}", Ok(9)),
            ("\u{1f51f}\u{1f51f}\u{1f51f}", Ok(10)),
            ("9\u{fe0f}\u{20e3} 9", Ok(9)),
            ("7\u{fe0f}\u{20e3} or 8\u{fe0f}\u{20e3}", either(7, 8)),
            ("#\u{fe0f}\u{20e3}", Err(NoScore)),
        ]);
    }

    #[test]
    fn given_two_different_candidates_then_ambiguous_never_a_guess() {
        assert_reads(&[
            ("7 or 8", either(7, 8)),
            ("8 or 7", either(7, 8)),
            ("between 5 and 6", either(5, 6)),
            ("7-8", either(7, 8)),
            ("7 - 8", either(7, 8)),
            ("7 -8", either(7, 8)),
            ("7\u{2013}8", either(7, 8)),
            ("7/8", either(7, 8)),
            ("4 out of 5", either(4, 5)),
            ("7.5", either(7, 8)),
            ("7,5 z 10", either(7, 8)),
            ("6, 7 or 8", Err(Ambiguous(vec![6, 7, 8]))),
            ("on a scale of 1 to 10, 9", Err(Ambiguous(vec![1, 9, 10]))),
            ("Out of 10? 9", either(9, 10)),
            ("3 years a customer, 9", either(3, 9)),
        ]);
    }

    #[test]
    fn given_a_number_outside_0_to_10_then_out_of_range() {
        assert_reads(&[
            ("11", Err(OutOfRange(11))),
            ("100", Err(OutOfRange(100))),
            ("-1", Err(OutOfRange(-1))),
            ("\u{2212}2", Err(OutOfRange(-2))),
            ("score: -1", Err(OutOfRange(-1))),
            ("I'd give -3", Err(OutOfRange(-3))),
            ("11/10", Err(OutOfRange(11))),
            ("1,000", Err(OutOfRange(1000))),
            ("10.5", Err(OutOfRange(11))),
            ("-0.5", Err(OutOfRange(-1))),
            ("9, 100% recommend", Err(OutOfRange(100))),
            ("7 or 11", Err(OutOfRange(11))),
            ("since 2019, 10", Err(OutOfRange(2019))),
            // A hyphen glued to a word is not a minus sign
            ("covid-19 aside, 9", Err(OutOfRange(19))),
            ("99999999999999999999999", Err(OutOfRange(i64::MAX))),
            // Ambiguity between in-range candidates is reported first
            ("7 or 8, not 11", either(7, 8)),
        ]);
    }

    #[test]
    fn given_no_number_at_all_then_no_score() {
        assert_reads(&[
            ("great!", Err(NoScore)),
            ("", Err(NoScore)),
            ("   ", Err(NoScore)),
            ("\u{1f44d}", Err(NoScore)),
            ("thanks, see you soon", Err(NoScore)),
            ("Спасибо, всё отлично", Err(NoScore)),
            ("...", Err(NoScore)),
        ]);
    }

    #[test]
    fn given_a_score_on_another_scale_then_it_is_never_converted() {
        assert_reads(&[
            ("5/5", Err(NoScore)),
            ("3 out of 3", Err(NoScore)),
            ("5 stars", Err(NoScore)),
            ("5\u{2b50}", Err(NoScore)),
            ("5 звёзд", Err(NoScore)),
            ("#1 in town", Err(NoScore)),
            ("number one", Err(NoScore)),
            ("№1", Err(NoScore)),
            // Still a candidate: it can make a reply ambiguous
            ("5 stars, so 10", either(5, 10)),
        ]);
    }

    #[test]
    fn given_cautious_words_then_they_count_only_where_a_number_is_meant() {
        assert_reads(&[
            // Alone: the whole reply
            ("Pat was great!", Err(NoScore)),
            ("päť", Ok(5)),
            ("My pet loves you", Err(NoScore)),
            ("pet", Ok(5)),
            // At the end of the reply
            ("I'd give it a ten", Ok(10)),
            ("Ten. Love you guys", Err(NoScore)),
            // Beside numbers only
            ("um", Err(NoScore)),
            ("um, 8", Ok(8)),
            ("um/10", Ok(1)),
            // Linked to another number by a dash or a word
            ("one-two", either(1, 2)),
            ("twenty-one", Err(OutOfRange(20))),
            ("one-on-one calls were great", Err(NoScore)),
        ]);
    }

    // GIVEN the word tables THEN they are consistent with how replies are read

    #[test]
    fn every_language_names_every_score_from_0_to_10() {
        for (language, table) in LANGUAGES {
            let named: BTreeSet<u8> = table.iter().map(|(_, value)| *value).collect();
            let missing: Vec<u8> = (0..=Score::MAX).filter(|v| !named.contains(v)).collect();
            assert!(missing.is_empty(), "{language} has no word for {missing:?}");
        }
    }

    #[test]
    fn no_folded_word_means_two_different_numbers() {
        let mut meaning: HashMap<String, (u8, &str)> = HashMap::new();
        for (language, table) in LANGUAGES {
            for (word, value) in *table {
                let (first, first_language) = *meaning.entry(fold(word)).or_insert((*value, language));
                assert_eq!(
                    first, *value,
                    "{word:?} is {first} in {first_language}, {value} in {language}"
                );
            }
        }
    }

    #[test]
    fn every_table_word_is_one_word_after_folding() {
        let all = LANGUAGES
            .iter()
            .flat_map(|(_, table)| table.iter().map(|(word, _)| *word));
        for word in all.chain(CAUTIOUS.iter().map(|(word, _)| *word)) {
            let folded = fold(word);
            let split: Vec<&str> = words(&folded).collect();
            assert_eq!(split, [folded.as_str()], "{word:?}");
            assert!(!folded.contains(|c: char| c.is_ascii_digit()), "{word:?}");
        }
    }

    #[test]
    fn every_cautious_word_is_a_number_word() {
        for (word, standing) in CAUTIOUS {
            let entry = LEXICON
                .get(&fold(word))
                .unwrap_or_else(|| panic!("{word:?} is in no language"));
            assert_eq!(entry.standing, *standing, "{word:?}");
        }
    }

    #[test]
    fn helper_word_lists_are_written_folded() {
        let lists = DENOMINATOR_LINKS
            .iter()
            .flat_map(|link| link.iter())
            .chain(RANGE_LINKS)
            .chain(MINUS_WORDS)
            .chain(STAR_WORDS)
            .chain(RANK_WORDS);
        for word in lists {
            assert_eq!(fold(word), *word, "{word:?} is not folded, so it never matches");
            assert!(!LEXICON.contains_key(*word), "{word:?} is also a number word");
        }
    }
}
