//! Sentiment of a mention: lexicon scoring with negation, intensifiers, contrast and emoji.

use super::learned;
pub use super::lexicon::Aside;
use super::lexicon::{self, FunctionWord, Hit, Lexicon, EMOTICONS};
use super::{detect_language, Lang};
use crate::text;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// One sentiment type for the whole product: the record's field is the classifier's verdict.
pub use crate::model::Sentiment;

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
const QUESTION_POSITIVE: f32 = 0.25;
const QUESTION_NEGATIVE: f32 = 0.8;
const MAX_BOOST: f32 = 3.0;
/// The first clause may be a sarcastic opener when it is this short ("oh great", "qué maravilla").
const OPENER_WORDS: usize = 4;
/// "Without" negates, but after thanks it is praise ("thanks, no hidden fees"): it shows no
/// failure after a sarcastic opener.
/// Words that may stand in a bare sarcastic opener beside the praise ("oh great", "no super",
/// "ну спасибо", "qué maravilla", "e hvala").
const PARTICLES: [&str; 11] = ["oh", "ah", "wow", "no", "nu", "ну", "e", "que", "na", "ach", "well"];
const WITHOUT: [&str; 7] = ["without", "без", "bez", "sans", "sin", "ohne", "brez"];
/// How many words after each word of a "neither ... nor" its polar word may come
/// ("ni pa vredno", "ни плохо"), and how far the second word may follow the first.
const CORRELATIVE_GAP: usize = 2;
const CORRELATIVE_REACH: usize = 6;
/// Lukewarm words ("ok", "fine") open no sarcasm; "great", "thanks" may.
const OPENER_MIN: f32 = 1.0;
/// The upside-down face's weight (`lexicon::emoji`): an emoji this negative marks irony.
const IRONY: f32 = -2.5;
/// A price against its quote, and a failure repeated ("again" with a negator).
const PRICE_GAP: f32 = -1.5;
const AGAIN_FAILED: f32 = -1.0;
/// A waiting verb and a span of time in one sentence, when no cue there said it already.
const WAIT_COUNTED: f32 = -1.0;
/// Words that join a word to itself in a tautology, a lukewarm verdict ("номер как номер",
/// "чехол як чехол", "kawa jak kawa", "auto jako auto", "servis kao servis", "un caffè come un
/// caffè" is not one: only the word, the joint and the word again).
const TAUTOLOGY_JOINTS: [&str; 11] = [
    "как", "як", "jak", "jako", "ako", "kao", "kot", "come", "como", "comme", "wie",
];
/// Interjections that may stand before an opener, set off by a comma, without ending it ("о,
/// чудово, вдруге загубили ключ", "oh, great, ..."); the opener's praise is then irony only
/// before a complaint word or cue (`Scorer::interjected`: "Ну, отличный сервис, снова приеду" is
/// praise). Not "no" (Spanish, Italian: "No, el servicio fue excelente") nor a Latin "o" (an
/// article, "or").
const OPENER_INTERJECTIONS: [&str; 11] = ["oh", "ah", "ahh", "ach", "ay", "eh", "ох", "о", "ах", "ой", "ну"];
/// Words of "is" that, before a pause, make a paused tautology ("kafa je... kafa"): a
/// lukewarm verdict (`Scorer::paused_tautology_at`).
const PAUSED_JOINTS: [&str; 14] = [
    "is", "was", "ist", "war", "es", "est", "e", "je", "jest", "to", "это", "це", "є", "је",
];
/// Words of "only" and "except" that, after a way of saying neither way, turn the mention
/// into a complaint told after it ("kebab jak kebab, tylko sos ...", "ћевапи као ћевапи, само
/// десет комада постало осам"), beside the lexicons' contrasts and concessions; folded.
const NEITHER_TURNS: [&str; 51] = [
    "only",
    "except",
    "tylko",
    "tyle",
    "jedynie",
    "oprocz",
    "poza",
    "тільки",
    "лише",
    "крім",
    "окрім",
    "рахувати",
    "єдине",
    "хіба",
    "только",
    "лишь",
    "кроме",
    "считать",
    "единственное",
    "разве",
    "samo",
    "osim",
    "jedino",
    "razen",
    "jen",
    "jenom",
    "pouze",
    "krome",
    "akorat",
    "len",
    "iba",
    "okrem",
    "nur",
    "ausser",
    "bloss",
    "abgesehen",
    "solo",
    "solamente",
    "excepto",
    "salvo",
    "menos",
    "sauf",
    "seulement",
    "tranne",
    "peccato",
    "soltanto",
    "exceto",
    "tirando",
    "somente",
    "apenas",
    "fora",
];
/// Words that, after the writer's own doing, make it a complaint told through teeth: one's fault
/// for trusting or going back ("my fault for trusting them", "Colpa mia che ci sono tornato",
/// "C'est ma faute d'y être retourné", "Selbst schuld dass ich nochmal hin bin", "should have
/// known"), "apparently" ("moja napaka očitno") or a slip in the telling ("I had forgotten to
/// mention the staff were rude"). Folded when first read.
const OWN_DOING_TURNS: &str =
    "trusting trusted believing believed apparently obviously supposedly known learned learnt \
     going went returning returned mention mentioned say tell \
     vertraut geglaubt offenbar anscheinend offensichtlich angeblich nochmal wieder hingegangen \
     gelernt erwähnen sagen \
     tornato tornata fidato fidata creduto evidentemente dire menzionare \
     retourné retournée revenu revenue confiance apparemment visiblement mentionner \
     voltado voltar voltei confiado confiar confiei acreditado acreditei aparentemente dizer mencionar \
     volver vuelto volví confiado confié creído creí decir \
     вернулся вернулась доверился доверилась поверил поверила видимо очевидно оказывается сказать \
     упомянуть \
     повернувся повернулася довірився довірилася повірив повірила мабуть виявляється сказати згадати \
     wróciłem wróciłam zaufałem zaufałam uwierzyłem uwierzyłam widocznie najwyraźniej wspomnieć \
     powiedzieć \
     vrátil vrátila věřil věřila zřejmě evidentně veril verila zrejme zmínit říct spomenúť povedať \
     vratio vratila vjerovao vjerovala verovao verovala povjerovao poverovao očito očitno spomenuti \
     reći vrnil vrnila zaupal zaupala verjel verjela";

/// `OWN_DOING_TURNS`, folded.
static OWN_DOING_TURN_WORDS: std::sync::LazyLock<std::collections::HashSet<String>> =
    std::sync::LazyLock::new(|| OWN_DOING_TURNS.split_whitespace().map(text::fold).collect());
/// Complaint words milder than this count nothing in a question.
const WEAK_NEGATIVE: f32 = -0.6;
/// A promise in a mention that tells of a failure.
const BROKEN_PROMISE: f32 = -1.0;

/// Classifies `text`, in the language `lang` names (an ISO code or locale like `cs-CZ`), or
/// in the detected language when `lang` is `None` or unknown. Never panics; text with no
/// signal (empty, a URL, a question) is neutral.
///
/// Rules (docs/sentiment.md has the long form):
/// - each polar word, idiom, emoji or emoticon adds its weight; an intensifier scales the next
///   polar word; a negator (`not`, `не`, `nie`, `pas`) or a glued `ne-` flips and softens the
///   polar words of the next three words of its clause, so "not bad" is mildly positive;
/// - a "neither ... nor" around a praise word and a complaint word ("neither good nor bad", "ni
///   dobro ni loše", "ни плохо, ни хорошо") is lukewarm: its polar words count nothing;
/// - after `but`/`но`/`ale`/`aber`/`pero`/`mais` what came before in the sentence counts half
///   and what follows one and a half; a `but` followed by nothing polar turns what came before
///   against itself ("friendly, but they lost my key"); a clause opened by `although` counts half;
/// - in a question praise counts little ("is the service good?") and complaint most of its weight;
/// - the sum decides: `|sum| < THRESHOLD` is neutral; `score` squashes it into -1..1.
pub fn classify(text: &str, lang: Option<&str>) -> SentimentResult {
    classify_in(text, detect_language(text, lang))
}

/// Classifies `text` in a language already known (`None`: English rules, emoji still count):
/// the rules, then the learned model where the rules are not sure ([`Blend`]).
pub fn classify_in(text: &str, lang: Option<Lang>) -> SentimentResult {
    with_tokens(text, |tokens| {
        let Some(model) = learned::embedded() else {
            return verdict(Scorer::new(lexicon::chain(lang), tokens).score());
        };
        let reading = Scorer::new(lexicon::chain(lang), tokens).score_and_roles();
        let (sum, roles) = (reading.sum, &reading.roles);
        let words = word_count(tokens);
        let facts = Facts {
            sum,
            firm: reading.firm,
            worded: reading.worded,
            aside: reading.aside,
            words,
            plain: is_plain(sum, roles),
        };
        // The model is asked only when the rules are not sure: explicit mentions cost no more.
        model.thresholds.blend(lang).decide(
            facts,
            || says_settled(lexicon::chain(lang), tokens),
            || model_reads(model, tokens, roles, lang, sum, words),
        )
    })
}

/// The rules alone (the lexicon, cues and facts; no learned model): the classifier before
/// issue 24's model, kept for comparison in the eval and the speed bench.
pub fn classify_by_rules(text: &str, lang: Option<Lang>) -> SentimentResult {
    with_tokens(text, |tokens| {
        verdict(Scorer::new(lexicon::chain(lang), tokens).score())
    })
}

/// What the rules sum to and what the model gives each class ([`learned::CLASSES`] order),
/// for the trainer's choice of [`Blend`].
pub fn rules_and_model(text: &str, lang: Option<Lang>) -> (f32, Option<[f32; 3]>) {
    with_tokens(text, |tokens| {
        let Reading { sum, roles, .. } = Scorer::new(lexicon::chain(lang), tokens).score_and_roles();
        let model = learned::embedded();
        (
            sum,
            model.and_then(|m| model_reads(m, tokens, &roles, lang, sum, word_count(tokens))),
        )
    })
}

/// Mentions longer than this many words are left to the rules: the model learnt from
/// mentions of 3 to 40 words, and in a long post (an article, a feed item) a few sentences of
/// plain facts would outweigh the one that holds the opinion.
pub const MODEL_MAX_WORDS: usize = 150;

/// The model's class probabilities, for a mention short enough for it (`words`: its
/// [`word_count`]).
fn model_reads(
    model: &learned::Model,
    tokens: &[Token<'_>],
    roles: &[u8],
    lang: Option<Lang>,
    sum: f32,
    words: usize,
) -> Option<[f32; 3]> {
    (words <= MODEL_MAX_WORDS).then(|| model.probabilities(tokens, roles, lang, sum))
}

/// How many words the mention has (emoji, marks and quotes are no words).
fn word_count(tokens: &[Token<'_>]) -> usize {
    tokens.iter().filter(|t| matches!(t, Token::Word(_))).count()
}

/// A plain mention: the rules found nothing in it (a sum of 0 and no role: no number, span of
/// time, negator, "again", waiting verb or opinion word; a question mark alone leaves it
/// plain), so only the model's words could call it a complaint ([`Blend::plain`]).
fn is_plain(sum: f32, roles: &[u8]) -> bool {
    sum == 0.0 && roles.iter().all(|r| *r == 0)
}

/// How much complaint of the rules a mention that tells the writer's own doing
/// ([`Aside::OwnDoing`]) voids: "parcel a day late, but I gave the wrong house number" sums a
/// delay and a contrast.
pub const OWN_DOING_REACH: f32 = 2.6;

/// How much complaint of the rules each [`Aside`] voids (`firm`: it rests on a firm fact): a way
/// of saying neither way none (under the rules' threshold), nor one's own doing where the
/// complaint rests on a firm fact ("Сама попросила перезвонить, так никто и не перезвонил": the
/// request was the writer's, the silence is the business's).
fn reach(aside: Aside, firm: bool) -> f32 {
    match aside {
        Aside::OwnDoing if !firm => OWN_DOING_REACH,
        Aside::Neither | Aside::OwnDoing => THRESHOLD,
    }
}

/// Whether a mention with an `aside` ([`Facts::aside`]) is neutral on the rules' `sum`: no more
/// praise than a mild "ok" (under `VOIDABLE`), no explicit complaint word, and no more
/// complaint than the aside's `reach`.
fn aside_voids(aside: Option<Aside>, sum: f32, worded: bool, firm: bool) -> bool {
    aside.is_some_and(|aside| !worded && sum > -reach(aside, firm) && sum < VOIDABLE)
}

/// What the rules read in a mention (`Scorer::score_and_roles`).
struct Reading {
    sum: f32,
    /// What the rules said of each token (`learned::role` bits), for the model.
    roles: Vec<u8>,
    /// The complaint rests on a firm fact (`Scorer::firm`).
    firm: bool,
    /// It holds an explicit complaint word (`Scorer::strongest`, [`WORDED`]).
    worded: bool,
    /// What it says beside its matter (`Scorer::aside`).
    aside: Option<Aside>,
}

/// What the trainer needs of a text ([`model_features_and_rules`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RulesReading {
    /// The learned model's features (see `learned::for_each_feature`).
    pub features: Vec<u32>,
    /// What the rules sum to.
    pub sum: f32,
    pub words: usize,
    /// The rules' complaint rests on a firm fact ([`Blend::decide`]).
    pub firm: bool,
    /// It holds an explicit complaint word ([`WORDED`], [`Blend::decide`]).
    pub worded: bool,
    /// What it says beside its matter ([`Facts::aside`]).
    pub aside: Option<Aside>,
    /// The rules found nothing in it ([`Blend::plain`]).
    pub plain: bool,
    /// It closes by saying its matter is settled (`says_settled`, [`Blend::decide`]).
    pub settled: bool,
}

/// The learned model's features of `text` and what the rules read in it ([`RulesReading`]).
pub fn model_features_and_rules(text: &str, lang: Option<Lang>, bits: u8) -> RulesReading {
    with_tokens(text, |tokens| {
        let lexicons = lexicon::chain(lang);
        let Reading {
            sum,
            roles,
            firm,
            worded,
            aside,
        } = Scorer::new(lexicons, tokens).score_and_roles();
        let mut features = Vec::new();
        learned::for_each_feature(tokens, &roles, lang, sum, bits, |bucket| features.push(bucket));
        RulesReading {
            features,
            sum,
            words: word_count(tokens),
            firm,
            worded,
            aside,
            plain: is_plain(sum, &roles),
            settled: says_settled(lexicons, tokens),
        }
    })
}

/// The learned model's features of `text` (see `learned::for_each_feature`).
pub fn model_features(text: &str, lang: Option<Lang>, bits: u8) -> Vec<u32> {
    model_features_and_rules(text, lang, bits).features
}

/// The most words a settled phrase and the words before it that may void it span
/// (`Lexicon::settled_start`).
const SETTLED_WORDS: usize = 8;

/// Whether the mention closes by saying its matter is settled (`Lexicon::settled_start`: "so all
/// good", "passt schon", "mi paše"): in its last words, with only punctuation and emoji that are
/// not negative after them (not "All good 🤡"), not in a question, not closed by a quotation mark
/// (someone else's "jetzt ist alles gut"), with no word before it in its run of words that voids
/// it (`Lexicon::breaks_settled`, the language's own lexicon's and the one that holds the
/// phrase), and not said earlier in the mention too ("Sve pet, samo hrana hladna ... Inače sve
/// pet.", "spoko spoko spoko" are said through teeth).
fn says_settled<'a>(lexicons: &[&Lexicon], tokens: &[Token<'a>]) -> bool {
    let Some(last) = tokens.iter().rposition(|t| matches!(t, Token::Word(_))) else {
        return false;
    };
    let after_ok = tokens[last + 1..].iter().all(|t| match t {
        Token::Quote(_) | Token::SentenceEnd { question: true, .. } => false,
        Token::Emo(weight) => *weight >= 0.0,
        _ => true,
    });
    if !after_ok {
        return false;
    }
    let run_start = tokens[..last]
        .iter()
        .rposition(|t| !matches!(t, Token::Word(_)))
        .map_or(0, |k| k + 1)
        .max((last + 1).saturating_sub(SETTLED_WORDS));
    let words_of = |span: &[Token<'a>]| -> Vec<&'a str> {
        span.iter()
            .filter_map(|t| match t {
                Token::Word(w) => Some(*w),
                _ => None,
            })
            .collect()
    };
    let words = words_of(&tokens[run_start..=last]);
    // Each lexicon's reading of the run, and where its longest phrase starts in it (a lexicon
    // with no phrase ending in the last word costs one lookup).
    let readings: Vec<(Vec<Cow<'_, str>>, Option<usize>)> = lexicons
        .iter()
        .map(|lexicon| {
            if !lexicon.ends_a_settled_phrase(&lexicon.spelling(words[words.len() - 1])) {
                return (Vec::new(), None);
            }
            let spelled: Vec<Cow<'_, str>> = words.iter().map(|w| lexicon.spelling(w)).collect();
            let refs: Vec<&str> = spelled.iter().map(|w| w.as_ref()).collect();
            let start = lexicon.settled_start(&refs);
            (spelled, start)
        })
        .collect();
    let Some(start) = readings.iter().filter_map(|(_, s)| *s).min() else {
        return false;
    };
    // What voids it: the language's own lexicon's words, and those of the lexicon that holds
    // the phrase (English "no" is Polish "well": "no spoko").
    let voided = lexicons
        .iter()
        .zip(&readings)
        .enumerate()
        .filter(|(k, (_, (_, at)))| *k == 0 || *at == Some(start))
        .any(|(_, (lexicon, (spelled, _)))| {
            if spelled.is_empty() {
                words[..start]
                    .iter()
                    .any(|w| lexicon.breaks_settled(&lexicon.spelling(w)))
            } else {
                spelled[..start].iter().any(|w| lexicon.breaks_settled(w))
            }
        });
    if voided {
        return false;
    }
    // Said earlier in the mention: the same words in a row before the phrase.
    let phrase = &words[start..];
    let earlier = words_of(&tokens[..run_start + start]);
    !earlier.windows(phrase.len()).any(|w| w == phrase)
}

/// Decodes entities, drops links and handles, folds and tokenises `text`, and hands the
/// tokens to `read`.
fn with_tokens<R>(text: &str, read: impl FnOnce(&[Token<'_>]) -> R) -> R {
    let decoded = text::decode_entities(text);
    let cleaned = strip_links_and_handles(&decoded);
    let folded = text::fold(&cleaned);
    read(&tokenize(&folded))
}

/// The rules' verdict on their sum.
fn verdict(sum: f32) -> SentimentResult {
    let sentiment = if sum >= THRESHOLD {
        Sentiment::Positive
    } else if sum <= -THRESHOLD {
        Sentiment::Negative
    } else {
        Sentiment::Neutral
    };
    SentimentResult {
        sentiment,
        score: squash(sentiment, sum),
    }
}

/// The score of a verdict: 0 when neutral, else the sum squashed into -1..1.
fn squash(sentiment: Sentiment, sum: f32) -> f32 {
    if sentiment == Sentiment::Neutral {
        0.0
    } else {
        sum / (sum * sum + 4.0).sqrt()
    }
}

/// The model may turn neutral a complaint of the rules weaker than this: one mild word
/// ("wait", "late").
const VOIDABLE: f32 = 0.75;
/// Since the tenth session's second round, also one weaker than this that rests on no firm fact:
/// mild complaint words and a waiting fact ("waited 40 minutes", -1), which near-misses use as
/// much as complaints do. A complaint cue ("nothing went as promised"), a negated praise word
/// ("not good") or a price above its quote stands (`Scorer::firm`), and so does sarcasm or an
/// explicit complaint word (-2 and more). Since the fifteenth session a firm one is voided too
/// where the model reads it as neutral with the language's `Blend::firm_neutral`. Since the
/// nineteenth session the model's plain disagreement (`DISAGREE`) voids stronger ones too, never
/// an explicit complaint word (`WORDED`); sarcasm told by an emoji or an ironic opener is no
/// word, so it stands only where the model hears it (as it does: its features mark praise before
/// a failure).
const VOIDABLE_UNLESS_FIRM: f32 = 1.6;
/// Since the nineteenth session: where the model gives a complaint this little and neutral its
/// `Blend::neutral`, a complaint of the rules short of `Blend::rules_hold` is no opinion however
/// strong below the hold, unless it holds an explicit complaint word (`WORDED`); a firm one only
/// where neutral also reaches the language's `Blend::firm_neutral` (which the trainer keeps from
/// voiding a unit test's "Nicht gut.") or, in a mention of `READ_WHOLE` words or more, where the
/// complaint is at most `FIRM_DISAGREE`. Of the eighteenth session's model's 81 false alarms on
/// the fresh sets complaints_blind23 and 24, 42 were the rules' own complaints, 12 of them where
/// the model gave a complaint 0.25 or less (one complaint heard there). The trainer chose the
/// model's thresholds with it: a change means training again (`TRAIN_DISAGREE` compares).
pub const DISAGREE: f32 = 0.3;
/// A complaint word of the lexicon this strong or stronger ("terrible", "ужасный", "unacceptable";
/// not the -1.5 tier: "rude", "still waiting") is an explicit complaint the model's disagreement
/// never voids ("Sprite опять сорвали сроки ремонта, ужасный сервис", to which the model gives a
/// complaint 0.13).
pub const WORDED: f32 = 2.0;
/// A firm complaint of the rules in a mention of at least `READ_WHOLE` words is voided where the
/// model gives a complaint at most `FIRM_DISAGREE`, whatever the language's `Blend::firm_neutral`
/// (which the trainer sets high to keep short explicit ones: "Nicht gut.", 0.16; "Rien ne s'est
/// passé comme promis.", 0.13): in a longer mention the model reads the reason beside the rules'
/// cue ("Zum dritten Mal dieses Jahr im Hotel Seeblick, die Firma macht da ihre Klausurtagungen",
/// 0.20). A unit test's firm complaint of 9 words ("Zum dritten Mal in der Werkstatt wegen
/// desselben Geräuschs.") gets 0.18 to 0.28 from the seeds: at 0.3 the seed rule found no seed.
pub const FIRM_DISAGREE: f32 = 0.2;
/// See `FIRM_DISAGREE`.
pub const READ_WHOLE: usize = 7;

/// How the rules and the model share the verdict. The rules speak for explicit words: a sum
/// of `rules_hold` or more either way stands (and says why). Below it, the model calls a
/// complaint when it gives that class `complaint` or more (and more than praise), praise at
/// `praise`; otherwise the rules' verdict stands. The thresholds were chosen by the trainer on
/// validation data it does not train on (docs/sentiment.md).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Blend {
    pub rules_hold: f32,
    pub complaint: f32,
    /// The complaint threshold for a plain mention (the rules found nothing in it), where it is
    /// above `complaint`: since the twelfth session the unit tests' guard raises this one, not
    /// `complaint`, for a plain sentence of theirs ("Ten den jsem auto přivezl do servisu."), so
    /// one plain fact the model over-reads no longer costs the language's every complaint; since
    /// the sixteenth session the stress set's guard may raise it too ("Třetího května přijedu na
    /// výměnu oleje.").
    pub plain: f32,
    /// Since the fifteenth session: when the model gives neutral this much (and `neutral`), a
    /// firm complaint of the rules weaker than `VOIDABLE_UNLESS_FIRM` is no opinion either
    /// ("third time at the garage this year: tyres, service, MOT", where "third time" is a
    /// complaint cue). Chosen per language on the dev split, never where it would void a unit
    /// test's complaint (above 1: never).
    pub firm_neutral: f32,
    pub praise: f32,
    /// When the model gives neutral this much, a weak complaint of the rules is no opinion
    /// (`f32::INFINITY`: never). Weak praise of the rules ("not bad", 👍) stands.
    pub neutral: f32,
    /// The model's complaint probability at or below which (with `neutral` met, and for a firm
    /// complaint `firm_neutral`) a complaint of the rules short of `rules_hold` and with no
    /// explicit complaint word ([`WORDED`]) is no opinion ([`DISAGREE`]; below 0: never).
    pub disagree: f32,
    /// The same for a firm complaint in a mention of `READ_WHOLE` words or more, whatever
    /// `firm_neutral` ([`FIRM_DISAGREE`]; below 0: never).
    pub firm_disagree: f32,
}

/// What the rules found in a mention, for [`Blend::decide`] (its doc says what each weighs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Facts {
    /// The rules' sum.
    pub sum: f32,
    /// The rules' complaint rests on a firm fact (`Scorer::firm`).
    pub firm: bool,
    /// It holds an explicit complaint word ([`WORDED`]).
    pub worded: bool,
    /// What it says beside its matter, with no contrast, concession or "only" after it
    /// (`Scorer::aside`; where it says more than one, the one that voids most):
    /// - neither way ([`Aside::Neither`], since the twentieth session): a lukewarm verdict
    ///   ("nothing special", "neither good nor bad", "номер как номер") or a choice of the
    ///   writer's own not yet made ("torn between", "не знаю, який пакет обрати"); the model
    ///   hears "cattivo" in "né buono né cattivo";
    /// - the writer's own doing ([`Aside::OwnDoing`], since the twenty-first session): "my
    ///   fault", "I forgot", "я сама попросила" (not after a negator: "not my fault").
    ///
    /// Where the rest of the rules' words make no more praise than a mild "ok" (under
    /// `VOIDABLE`), no explicit complaint word and no more complaint than the aside's reach (none,
    /// `OWN_DOING_REACH`), the mention is neutral whatever the model reads.
    pub aside: Option<Aside>,
    /// Its words.
    pub words: usize,
    /// The rules found nothing in it (`is_plain`).
    pub plain: bool,
}

impl Blend {
    /// The model's complaint probability a mention needs: a plain one's (`is_plain`) is the
    /// higher of `complaint` and `plain`.
    pub fn complaint_threshold(&self, plain: bool) -> f32 {
        if plain {
            self.complaint.max(self.plain)
        } else {
            self.complaint
        }
    }

    /// The verdict on a rules' sum; `probabilities` (the model's, `None` without a model) is
    /// called only when the rules are not sure.
    /// `firm`: the rules' complaint rests on a firm fact (a complaint cue outside a question, a
    /// negated praise word, a price above its quote; `Scorer::firm`). `plain`: the rules found
    /// nothing in the mention (`is_plain`). `settled` (asked only before a complaint): the
    /// mention closes by saying its matter is settled ("it's 3:40 so all good", "Mein Fehler";
    /// `says_settled`), which since the seventeenth session voids a complaint that rests on no
    /// firm fact and no strong word (weaker than `VOIDABLE_UNLESS_FIRM`), whether the model's
    /// or the rules'. Since the nineteenth session a complaint of the rules short of their hold
    /// and with no explicit complaint word (`worded`: [`WORDED`]) is no opinion where the model
    /// gives a complaint at most `disagree` and neutral at least `neutral` (for a firm one also
    /// the language's `firm_neutral`, or, in a mention of [`READ_WHOLE`] `words` or more, a
    /// complaint at most `firm_disagree`). Since the twentieth session a mention that says
    /// neither way, with no more than a mild word of the rules beside it, is neutral before the
    /// hold or the model is asked; since the twenty-first session so is one that tells the
    /// writer's own doing with no more than a modest complaint of the rules beside it (`aside`,
    /// [`Facts::aside`]).
    pub fn decide(
        &self,
        facts: Facts,
        settled: impl FnOnce() -> bool,
        probabilities: impl FnOnce() -> Option<[f32; 3]>,
    ) -> SentimentResult {
        let Facts {
            sum,
            firm,
            worded,
            aside,
            words,
            plain,
        } = facts;
        if aside_voids(aside, sum, worded, firm) {
            // "it was ok, nothing special", "né buono né cattivo": neither way, whatever the
            // model hears in its words (a mild "ok" beside it is no praise either). The rules
            // alone (`Scorer::score`) void it the same way, so they agree whatever the hold.
            return verdict(0.0);
        }
        if sum.abs() >= self.rules_hold {
            return verdict(sum);
        }
        let Some([negative, neutral, positive]) = probabilities() else {
            return verdict(sum);
        };
        let settles = !firm && sum > -VOIDABLE_UNLESS_FIRM;
        let (sentiment, p) = if negative >= self.complaint_threshold(plain) && negative > positive {
            if settles && settled() {
                // "they told me upfront so no biggie": the model hears the wait, not the close.
                return verdict(0.0);
            }
            (Sentiment::Negative, negative)
        } else if positive >= self.praise && positive > negative {
            (Sentiment::Positive, positive)
        } else if sum <= -THRESHOLD
            && !worded
            && neutral >= self.neutral
            && ((negative <= self.disagree && (!firm || neutral >= self.firm_neutral))
                || (firm && words >= READ_WHOLE && negative <= self.firm_disagree))
        {
            // A complaint of the rules, short of their hold, that the model reads as plainly
            // not one ("still waiting on the part, they said 2 weeks, so right on schedule").
            return verdict(0.0);
        } else if neutral >= self.neutral
            && sum <= -THRESHOLD
            && (sum > -VOIDABLE || ((!firm || neutral >= self.firm_neutral) && sum > -VOIDABLE_UNLESS_FIRM))
        {
            // A weak complaint of the rules the model reads as neutral: no false alarm.
            return verdict(0.0);
        } else if sum <= -THRESHOLD && settles && settled() {
            // A weak complaint of the rules the mention itself calls settled.
            return verdict(0.0);
        } else {
            return verdict(sum);
        };
        // The rules' sum where it agrees, plus the model's confidence: a verdict of the model
        // alone scores modestly (0.15 to 0.45), below kudos' 0.6.
        let sign = if sentiment == Sentiment::Negative { -1.0 } else { 1.0 };
        let magnitude = (sum * sign).max(0.0) + THRESHOLD + (p - 0.5).max(0.0) * 1.4;
        SentimentResult {
            sentiment,
            score: squash(sentiment, sign * magnitude),
        }
    }
}

/// Drops URLs and @handles (a handle's name is not an opinion: `@BadBoyCars`), keeps the
/// words of hashtags, split at camel humps (`#NeverAgain` -> `Never Again`). Text between
/// such words is copied in one piece; text with none is borrowed.
fn strip_links_and_handles(text: &str) -> Cow<'_, str> {
    let mut out = String::new();
    // `text[..copied]` is in `out`, changed where it had to be.
    let mut copied = 0;
    let mut at = 0;
    for piece in pieces_ending_in_space(text) {
        let start = at;
        at += piece.len();
        let word = piece.trim_end();
        let bare = word.trim_start_matches(|c: char| !c.is_alphanumeric() && c != '@' && c != '#');
        // Every word this changes starts with one of these: a quick no for the rest.
        if !matches!(bare.as_bytes().first(), Some(b'@' | b'#' | b'h' | b'H' | b'w' | b'W')) {
            continue;
        }
        let starts = |prefix: &str| bare.get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix));
        let link = starts("http://") || starts("https://") || starts("www.");
        let handle = bare.starts_with('@') && bare.len() > 1;
        let hashtag = word.find('#').filter(|_| bare.starts_with('#'));
        if !link && !handle && hashtag.is_none() {
            continue;
        }
        if out.capacity() == 0 {
            out.reserve(text.len());
        }
        out.push_str(&text[copied..start]);
        copied = start + word.len();
        match hashtag {
            Some(hash) if !link && !handle => {
                out.push_str(&word[..hash]);
                let mut prev: Option<char> = None;
                for c in word[hash + 1..].chars() {
                    if prev.is_some_and(char::is_lowercase) && c.is_uppercase() {
                        out.push(' ');
                    }
                    out.push(if c == '_' { ' ' } else { c });
                    prev = Some(c);
                }
            }
            _ => out.push(' '),
        }
    }
    // Every change ends past the word it changed, so nothing moved `copied`: nothing changed.
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// `text.split_inclusive(char::is_whitespace)`, with ASCII bytes tested without decoding
/// (std's searcher calls the predicate through a pointer for every character).
fn pieces_ending_in_space(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let bytes = rest.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let (space, len) = if bytes[i].is_ascii() {
                (char::from(bytes[i]).is_whitespace(), 1)
            } else {
                let c = rest[i..].chars().next().unwrap_or_default();
                (c.is_whitespace(), c.len_utf8())
            };
            i += len;
            if space {
                break;
            }
        }
        let (piece, after) = rest.split_at(i);
        rest = after;
        Some(piece)
    })
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Token<'a> {
    Word(&'a str),
    /// An emoji or emoticon, with its weight.
    Emo(f32),
    /// `,` `;` `:` dashes, brackets: negation and intensifiers stop here.
    ClauseEnd,
    /// A quotation mark: `Some(true)` opens (`„` `«`), `Some(false)` closes (`»`), `None`
    /// toggles (`"` `“` `”`). Praise in quotes is someone else's word ("the light you
    /// "fixed"", „wird erledigt“, «вже виїхав») and counts nothing.
    Quote(Option<bool>),
    /// `.` `!` `?` `…` and line breaks; `question` when a `?` was among them.
    SentenceEnd {
        question: bool,
        /// An ellipsis ("…", "...") was among them: a pause ("Kafa je... kafa").
        pause: bool,
    },
}

/// The number starting at token `i`, with groups of three digits after it joined
/// ("1.140" and "189 000" are read as one number); saturates rather than overflows.
fn number_at(tokens: &[Token<'_>], i: usize) -> u64 {
    let mut value: u64 = 0;
    for (k, token) in tokens[i..].iter().enumerate() {
        match token {
            Token::Word(w) if lexicon::is_number(w) && (k == 0 || w.len() == 3) => {
                let scale = if k == 0 { 1 } else { 1000 };
                let digits = w.parse::<u64>().unwrap_or(u64::MAX);
                value = value.saturating_mul(scale).saturating_add(digits);
            }
            _ => break,
        }
    }
    value
}

/// One pass over folded text.
fn tokenize(folded: &str) -> Vec<Token<'_>> {
    // Words average five letters and a space or so: room enough without growing.
    let mut tokens = Vec::with_capacity(folded.len() / 5 + 4);
    let mut rest = folded;
    let mut prev: Option<char> = None;
    while let Some(c) = rest.chars().next() {
        // Spaces and tabs between words: no face, no emoji, no boundary.
        if matches!(c, ' ' | '\t' | '\r') {
            prev = Some(c);
            rest = &rest[1..];
            continue;
        }
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
        let digit_follows = || rest[len..].chars().next().is_some_and(|n| n.is_ascii_digit());
        match c {
            '.' if prev.is_some_and(|p| p.is_ascii_digit()) && digit_follows() => {}
            '.' | '!' | '?' | '…' | '\n' | '。' => {
                let question = c == '?';
                let pause = c == '…' || (c == '.' && rest[len..].starts_with('.'));
                match tokens.last_mut() {
                    Some(Token::SentenceEnd { question: q, pause: p }) => {
                        *q |= question;
                        *p |= pause;
                    }
                    _ => tokens.push(Token::SentenceEnd { question, pause }),
                }
            }
            ',' | ';' | ':' | '(' | ')' | '[' | ']' | '–' | '—' | '"' | '«' | '»' | '“' | '”' | '„' => {
                if !matches!(tokens.last(), Some(Token::ClauseEnd | Token::SentenceEnd { .. })) {
                    tokens.push(Token::ClauseEnd);
                }
                match c {
                    '„' | '«' => tokens.push(Token::Quote(Some(true))),
                    '»' => tokens.push(Token::Quote(Some(false))),
                    '"' | '“' | '”' => tokens.push(Token::Quote(None)),
                    _ => {}
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
    // ASCII words byte by byte; the first byte outside ASCII hands over to the char loop.
    // An apostrophe is taken only with the letter after it, so `i` always ends a word.
    let bytes = s.as_bytes();
    let mut i = 0;
    loop {
        match bytes.get(i) {
            Some(b) if b.is_ascii_alphanumeric() => i += 1,
            Some(b'\'') if bytes.get(i + 1).is_some_and(u8::is_ascii_alphanumeric) => i += 2,
            Some(b'\'') if bytes.get(i + 1).is_some_and(|b| !b.is_ascii()) => break,
            Some(b) if !b.is_ascii() => break,
            _ => return i,
        }
    }
    i + word_end_chars(&s[i..])
}

/// [`word_end`] for text that does not start in ASCII.
fn word_end_chars(s: &str) -> usize {
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
struct Scorer<'l, 't> {
    lexicons: &'l [&'static Lexicon],
    tokens: &'l [Token<'t>],
    /// The token being scored.
    at: usize,
    total: f32,
    positive: f32,
    negative: f32,
    /// The sentence's mild complaint words (`wait`, `late`, `expensive`): in a question they
    /// ask, not complain ("how long is the wait?", "waiting room").
    weak_negative: f32,
    after_contrast: bool,
    /// Whether anything polar came after the last `but`.
    polar_after_contrast: bool,
    in_concessive: bool,
    negation: u8,
    /// The last token of a lukewarm "neither good nor bad" (`lukewarm_span`): its polar words
    /// say neither; `None` before the first. A way of saying neither way (`neither_phrases`)
    /// sets it too.
    lukewarm_until: Option<usize>,
    /// The mention says neither way somewhere: a lukewarm "neither good nor bad", a way of
    /// saying neither way (`Lexicon::neither_len`) or a tautology ("номер как номер";
    /// `TAUTOLOGY_JOINTS`). See [`Facts::aside`].
    neither: bool,
    /// A contrast, a concession or an "only" (`NEITHER_TURNS`) came after it: "kawa jak kawa,
    /// tylko że za 28 zł ...", "ni fu ni fa, aunque pesar las fresas con la caja ...", "шаурма как шаурма, если не считать ..." are
    /// complaints told after a lukewarm opening, and the mention no longer says neither way.
    /// The same after one's own doing: "my fault for booking late, but they lost the key".
    turned_after_neither: bool,
    /// The mention tells the writer's own doing (`Lexicon::neither_len`'s `Aside::OwnDoing`, as
    /// the writer's own word: `own_word`). See [`Facts::aside`].
    own_doing: bool,
    /// A word that makes what follows someone else's claim came earlier in the sentence
    /// (`Lexicon::claims`: "apparently it's my fault", "acted like it was my fault").
    claim_in_sentence: bool,
    boost: f32,
    /// Whether anything negative came before, in any sentence: a duty done after it is a
    /// mistake put right.
    complained: bool,
    /// A cue found and not yet reached: (its last token, its weight). Cues do not overlap:
    /// none starts before `cue_free_from`.
    pending_cue: Option<(usize, f32)>,
    cue_free_from: usize,
    /// Whether a negator came earlier in the clause (it turns a cue) and whether the word
    /// before was a cue blocker ("*every* third time").
    negator_in_clause: bool,
    after_cue_blocker: bool,
    /// The sentence's cues: facts, so a question's count nothing.
    cue_sum: f32,
    /// Buffers for matching a cue: the sentence's words from the cue on, and their tokens.
    cue_words: Vec<std::borrow::Cow<'t, str>>,
    cue_tokens: Vec<usize>,
    /// A sarcastic opener ("Great, ...", "Génial, ...", "No super, ..."): the praise of the
    /// mention's first clause when it is at most `OPENER_WORDS` words, and whether what
    /// follows holds no praise but a failure (a complaint, a negator, "again").
    in_opener: bool,
    opener_words: usize,
    opener: f32,
    rest_positive: bool,
    rest_failure: bool,
    /// A negator after the opener ("génial, plus de pain") shows the failure only when the
    /// opener is a bare interjection: "pleasant staff, nobody pushed me" is praise.
    rest_negator: bool,
    /// An upside-down face (irony), and all the praise of the mention it turns.
    irony: bool,
    praise: f32,
    /// Positive emoji after the opener, flipped with it.
    rest_emoji: f32,
    /// A sarcastic sandwich ("Oh great, they lost my key AGAIN. Just perfect 👏"): the praise
    /// after the opener that came after a failure (`closer`), whether praise came between the
    /// opener and the failure, whether the mention holds a contrast or concession, and whether
    /// a duty was done after the failure ("Car came back scratched. They fixed it, thank you!").
    closer: f32,
    rest_complaint: bool,
    /// An interjection stood before the opener (`OPENER_INTERJECTIONS`).
    interjected: bool,
    /// A paused tautology said neither way (`paused_tautology_at`): a number after it turns it.
    paused: bool,
    praise_before_failure: bool,
    contrasted: bool,
    remedied: bool,
    opener_plain: bool,
    /// "Again" and a negator in one clause: a failure repeated ("otra vez no arranca"); the
    /// words of the current clause.
    again_in_sentence: bool,
    negator_in_sentence: bool,
    clause_words: usize,
    /// A waiting verb and a span of time in the sentence, and a cue blocker ("жду вас
    /// *через* неделю"): see `Source::waits`.
    wait_in_sentence: bool,
    span_in_sentence: bool,
    blocker_in_sentence: bool,
    /// Inside quotation marks (see `Token::Quote`).
    in_quotes: bool,
    /// Number words in the mention (a price against its quote needs two).
    numbers: usize,
    /// A promise told (`PROMISE_CUE`), and whether the mention tells of a failure outside
    /// questions: a negator, "again", a complaint.
    promised: bool,
    failure: bool,
    /// Sentences with words so far, the sentence a promise was told in, and whether the
    /// current sentence has words: a promise followed by another sentence is usually the
    /// story of how it was broken ("Hotel said the room would be ready at 2. We sat in the
    /// lobby until five.").
    sentences: usize,
    promise_sentence: usize,
    sentence_has_words: bool,
    /// What the rules found at each token (`learned::role` bits), for the learned model's
    /// conjunction features; empty (and never written) when only the rules are asked.
    roles: Vec<u8>,
    /// A complaint that rests on a firm fact: a complaint cue outside a question ("nothing went
    /// as promised", "for the third time"), a praise word negated ("not good"), a price above
    /// its quote. The model voids it only with the language's `Blend::firm_neutral`, or (since
    /// the nineteenth session) in a mention of `READ_WHOLE` words or more at a complaint of
    /// `Blend::firm_disagree` ([`Blend::decide`]).
    firm: bool,
    /// The sentence has a complaint cue (it makes the mention `firm` unless a question).
    cue_complaint_in_sentence: bool,
    /// The most negative weight of a complaint word of the lexicon counted as one (not negated
    /// into praise): `worded` is at most -`WORDED` ([`Blend::decide`]). Counted in questions and
    /// quotes too, and before a `but` that turns it: a mention with such a word is never voided
    /// by the model's disagreement, the careful side.
    strongest: f32,
}

impl<'l, 't> Scorer<'l, 't> {
    fn new(lexicons: &'l [&'static Lexicon], tokens: &'l [Token<'t>]) -> Self {
        Scorer {
            lexicons,
            tokens,
            at: 0,
            total: 0.0,
            positive: 0.0,
            negative: 0.0,
            weak_negative: 0.0,
            after_contrast: false,
            polar_after_contrast: false,
            in_concessive: false,
            negation: 0,
            lukewarm_until: None,
            neither: false,
            turned_after_neither: false,
            own_doing: false,
            claim_in_sentence: false,
            boost: 1.0,
            complained: false,
            pending_cue: None,
            cue_free_from: 0,
            negator_in_clause: false,
            after_cue_blocker: false,
            cue_sum: 0.0,
            cue_words: Vec::new(),
            cue_tokens: Vec::new(),
            in_opener: true,
            opener_words: 0,
            opener: 0.0,
            rest_positive: false,
            rest_failure: false,
            rest_negator: false,
            rest_emoji: 0.0,
            closer: 0.0,
            rest_complaint: false,
            interjected: false,
            paused: false,
            praise_before_failure: false,
            contrasted: false,
            remedied: false,
            irony: false,
            praise: 0.0,
            opener_plain: false,
            again_in_sentence: false,
            negator_in_sentence: false,
            clause_words: 0,
            wait_in_sentence: false,
            span_in_sentence: false,
            blocker_in_sentence: false,
            numbers: 0,
            in_quotes: false,
            promised: false,
            failure: false,
            sentences: 0,
            promise_sentence: 0,
            sentence_has_words: false,
            roles: Vec::new(),
            firm: false,
            strongest: 0.0,
            cue_complaint_in_sentence: false,
        }
    }

    fn primary(&self) -> &'static Lexicon {
        self.lexicons[0]
    }

    /// The rules' sum, as the rules alone decide: a mention that says neither way or tells the
    /// writer's own doing ([`Facts::aside`]) with no more than a mild word (or a modest
    /// complaint) beside it sums to nothing.
    fn score(mut self) -> f32 {
        let sum = self.run();
        if aside_voids(self.aside(), sum, self.worded(), self.firm) {
            0.0
        } else {
            sum
        }
    }

    /// What the rules read ([`Reading`]).
    fn score_and_roles(mut self) -> Reading {
        self.roles = vec![0; self.tokens.len()];
        let sum = self.run();
        Reading {
            sum,
            roles: std::mem::take(&mut self.roles),
            firm: self.firm,
            worded: self.worded(),
            aside: self.aside(),
        }
    }

    /// Whether the mention holds an explicit complaint word ([`WORDED`]).
    fn worded(&self) -> bool {
        self.strongest <= -WORDED
    }

    /// What the mention says beside its matter, with no turn after it ([`Facts::aside`]): of
    /// several, the one that voids most.
    fn aside(&self) -> Option<Aside> {
        if self.turned_after_neither {
            None
        } else if self.own_doing {
            Some(Aside::OwnDoing)
        } else if self.neither {
            Some(Aside::Neither)
        } else {
            None
        }
    }

    /// Marks what the rules found at the token being scored (nothing unless roles are asked).
    #[inline]
    fn mark(&mut self, role: u8) {
        if let Some(r) = self.roles.get_mut(self.at) {
            *r |= role;
        }
    }

    fn run(&mut self) -> f32 {
        let tokens = self.tokens;
        let mut i = 0;
        while i < tokens.len() {
            match tokens[i] {
                Token::Word(word) => {
                    let next = match tokens.get(i + 1) {
                        Some(Token::Word(next)) => Some(*next),
                        _ => None,
                    };
                    self.at = i;
                    let used = self.word(word, next);
                    self.reach_cue(i + used);
                    i += used;
                    continue;
                }
                Token::Emo(weight) if weight > 0.0 && !self.in_opener && self.opener > 0.0 => {
                    self.at = i;
                    // "Ну спасибо, ... не открывается багажник 👏": applause after a sarcastic
                    // opener is part of the irony, not praise of its own.
                    let rest_positive = self.rest_positive;
                    self.add(weight);
                    self.rest_positive = rest_positive;
                    self.rest_emoji += weight;
                }
                Token::Emo(weight) => {
                    self.at = i;
                    self.irony |= weight <= IRONY;
                    self.add(weight);
                }
                Token::ClauseEnd => self.end_clause(),
                Token::Quote(open) => self.in_quotes = open.unwrap_or(!self.in_quotes),
                Token::SentenceEnd { question, .. } => {
                    self.end_sentence(question);
                    // An unclosed quote ends with its sentence.
                    self.in_quotes = false;
                }
            }
            i += 1;
        }
        self.end_sentence(false);
        if self.irony {
            // "Очень удобно 🙃": the upside-down face turns the mention's praise.
            self.total -= 2.0 * self.praise;
        } else if self.opener >= OPENER_MIN
            && !self.rest_positive
            && if self.interjected {
                self.rest_complaint
            } else {
                self.rest_failure || (self.rest_negator && !self.opener_plain)
            }
        {
            // "Great, they lost my key again": the praise was irony.
            self.total -= 2.0 * (self.opener + self.rest_emoji);
        } else if self.opener >= OPENER_MIN
            && self.closer > 0.0
            && !self.praise_before_failure
            && !self.contrasted
            && !self.remedied
        {
            // "Oh great, they lost my key AGAIN. Just perfect 👏", "Супер, вдруге загубили мій
            // ключ. Просто ідеально 👏👏": praise around a failure and none before it, no `but`,
            // nothing put right: the praise after it is irony too.
            self.total -= 2.0 * (self.opener + self.rest_emoji + self.closer);
        }
        if self.promised && (self.failure || self.total < 0.0 || self.sentences > self.promise_sentence + 1) {
            // "Was told Wednesday. Rang at 5, it hadn't even been looked at."
            self.total += BROKEN_PROMISE;
        }
        if self.numbers >= 2 && self.price_against_quote() {
            self.total += PRICE_GAP;
            self.firm = true;
        }
        if self.total.is_finite() {
            self.total
        } else {
            0.0
        }
    }

    /// A quote word, later a charge word outside a question, and after each a number, the
    /// charged one higher: a price against its quote ("Quote said £220. Invoice says £389.").
    /// A lower charge is no complaint ("quoted 300, charged 260").
    fn price_against_quote(&self) -> bool {
        let primary = self.primary();
        let mut quote: Option<u64> = None;
        let mut quoted = false;
        let mut charged = false;
        for (i, token) in self.tokens.iter().enumerate() {
            let Token::Word(w) = token else { continue };
            if lexicon::is_number(w) {
                let value = number_at(self.tokens, i);
                match (quoted, charged, quote) {
                    (true, false, None) => quote = Some(value),
                    (true, true, Some(q)) => return value > q,
                    _ => {}
                }
                continue;
            }
            let w = primary.spelling(w);
            if !quoted {
                quoted = primary.is_price_word(&w, true);
            } else if quote.is_some() && !charged && primary.is_price_word(&w, false) {
                let question = self.tokens[i..].iter().find_map(|t| match t {
                    Token::SentenceEnd { question, .. } => Some(*question),
                    _ => None,
                });
                charged = question != Some(true);
            }
        }
        false
    }

    /// Handles one word (and its neighbour when they form an idiom); returns how many
    /// tokens it used.
    fn word(&mut self, word: &str, next: Option<&str>) -> usize {
        let primary = self.primary();
        let word = primary.spelling(word);
        let function = primary.function_word(&word);
        if !self.in_lukewarm() {
            let phrase = function.is_some_and(|f| f.neither_start);
            // "not my fault", "apparently my fault", '"my bad" he said': someone else's.
            let aside = phrase
                .then(|| self.neither_end(self.at))
                .flatten()
                .filter(|(_, aside)| *aside == Aside::Neither || self.own_word());
            if let Some((end, aside)) = aside {
                self.lukewarm_until = Some(end);
                match aside {
                    Aside::Neither => self.neither = true,
                    Aside::OwnDoing => self.own_doing = true,
                }
            } else if let Some(end) = self.lukewarm_span(&word) {
                self.lukewarm_until = Some(end);
                self.neither = true;
            } else if TAUTOLOGY_JOINTS.contains(&word.as_ref()) {
                self.neither |= self.tautology_at(self.at);
            } else if self.paused_tautology_at(self.at) {
                self.neither = true;
                self.paused = true;
            }
        }
        self.claim_in_sentence |= primary.claims(&word);
        // In a lukewarm "neither good nor bad" its "neither" and "nor" negate nothing: no
        // failure, no turned praise, no intensified word after it. A word marked only as a
        // phrase's start is a plain word for all else.
        let function = if self.in_lukewarm() {
            None
        } else {
            function.filter(|f| !f.only_neither_start())
        };
        if (self.neither || self.own_doing) && !self.in_lukewarm() {
            self.turned_after_neither |= function.is_some_and(|f| f.contrast || f.soft_contrast || f.concessive)
                || NEITHER_TURNS.contains(&word.as_ref())
                || (self.own_doing && OWN_DOING_TURN_WORDS.contains(word.as_ref()))
                || (self.paused && lexicon::is_number(&word));
        }
        self.sentence_has_words = true;
        self.clause_words += 1;
        let interjection = self.in_opener
            && self.opener_words == 0
            && OPENER_INTERJECTIONS.contains(&word.as_ref())
            && matches!(self.tokens.get(self.at + 1), Some(Token::ClauseEnd));
        self.interjected |= interjection;
        if self.in_opener && !interjection {
            self.opener_words += 1;
            if self.opener_words > OPENER_WORDS {
                self.in_opener = false;
                self.opener = 0.0;
            }
        }
        if lexicon::is_number(&word) {
            self.numbers += 1;
            self.mark(learned::role::NUMBER);
        }
        if function.is_none() && word.contains('\'') && !self.in_opener {
            // "Génial, la boulangerie n'a plus de pain": an elided negator after the opener.
            self.rest_negator |= word
                .split('\'')
                .any(|part| primary.function_word(part).is_some_and(|f| f.negator));
        }
        if let Some(f) = function {
            if !self.in_opener && f.again {
                self.rest_failure = true;
            }
            if !self.in_opener && f.negator && !WITHOUT.contains(&word.as_ref()) {
                self.rest_negator = true;
            }
            self.wait_in_sentence |= f.wait;
            self.span_in_sentence |= f.span;
            self.blocker_in_sentence |= f.cue_blocker;
            self.again_in_sentence |= f.again;
            self.negator_in_sentence |= f.negator;
            self.failure |= f.again || f.negator;
            if !self.roles.is_empty() {
                use learned::role;
                let flags = [
                    (f.negator, role::NEGATOR),
                    (f.again, role::AGAIN),
                    (f.wait, role::WAIT),
                    (f.span, role::SPAN),
                ];
                for (on, bit) in flags {
                    if on {
                        self.mark(bit);
                    }
                }
            }
        }
        self.look_for_cue(&word, function);
        let opener_before = self.opener;
        let used = self.word_in_spelling(&word, next, function);
        if self.in_opener && self.opener == opener_before && function.is_none() && !PARTICLES.contains(&word.as_ref()) {
            self.opener_plain = true;
        }
        let negator = function.is_some_and(|f| f.negator);
        // Negative concord: in "nikdo se neomluvil" / "nikto nezavolal ohľadom reklamácie" the
        // negation belongs to the `ne-` verb and ends with it.
        if primary.negative_concord() && primary.has_negating_prefix(&word) && !negator && !self.in_lukewarm() {
            self.negation = 0;
            // "stále neprišlo": a glued `ne-` verb is a negator for "still" and "again".
            if !word.starts_with("nej") {
                self.negator_in_sentence = true;
                self.mark(learned::role::NEGATOR);
            }
        }
        self.negator_in_clause |= negator;
        self.after_cue_blocker = function.is_some_and(|f| f.cue_blocker);
        used
    }

    /// Whether a cue starts at this word; if so, it waits in `pending_cue` for its last word.
    fn look_for_cue(&mut self, word: &str, function: Option<FunctionWord>) {
        let primary = self.primary();
        let candidates = primary.cues_from(word, function.is_some_and(|f| f.cue_start));
        // In a lukewarm "neither good nor bad" the "neither ... nor" is no complaint cue (it is
        // one in "ani nezavolali, ani nenapsali").
        if candidates.is_empty() || self.at < self.cue_free_from || self.after_cue_blocker || self.in_lukewarm() {
            return;
        }
        let (mut words, mut at) = (
            std::mem::take(&mut self.cue_words),
            std::mem::take(&mut self.cue_tokens),
        );
        words.clear();
        at.clear();
        for (index, token) in self.tokens.iter().enumerate().skip(self.at) {
            match token {
                Token::Word(w) => {
                    words.push(primary.spelling(w));
                    at.push(index);
                }
                Token::SentenceEnd { .. } => break,
                Token::Emo(_) | Token::ClauseEnd | Token::Quote(_) => {}
            }
            if words.len() == primary.max_cue_words() {
                break;
            }
        }
        // "toujours pas décidé entre ...": a cue that runs into a way of saying neither way is
        // none (the writer's own choice is not made, no one failed); a shorter one that stops
        // before it may stand.
        let runs_into_neither = |last: usize| {
            at.iter().skip(1).take_while(|&&k| k <= last).any(|&k| {
                let Token::Word(w) = self.tokens[k] else { return false };
                primary
                    .function_word(&primary.spelling(w))
                    .is_some_and(|f| f.neither_start)
                    && self.neither_end(k).is_some()
            })
        };
        let found = candidates.iter().find_map(|&i| {
            let cue = primary.cue(i);
            primary
                .match_cue(cue, &words)
                .map(|end| (at[end], cue.value))
                .filter(|&(last, _)| !runs_into_neither(last))
        });
        if let Some((last, value)) = found {
            self.cue_free_from = last + 1;
            // A negated complaint is no praise ("no need to come twice"); negated praise is a
            // complaint ("not ready as promised").
            if !self.negator_in_clause {
                self.pending_cue = Some((last, value));
            } else if value > 0.0 {
                self.pending_cue = Some((last, value * NEGATION_FACTOR));
            }
        }
        (self.cue_words, self.cue_tokens) = (words, at);
    }

    fn word_in_spelling(&mut self, word: &str, next: Option<&str>, function: Option<FunctionWord>) -> usize {
        let primary = self.primary();
        // The primary lexicon's idioms are marked among its function words (one probe less
        // for most words); the others are asked.
        let primary_phrase = function.is_some_and(|f| f.phrase_start);
        if let Some(next) = next {
            let next = primary.spelling(next);
            let found = (self.lexicons.iter().enumerate())
                .filter(|&(i, _)| i > 0 || primary_phrase)
                .find_map(|(_, l)| l.phrase(word, &next));
            if let Some(hit) = found {
                self.polar(hit);
                return 2;
            }
        }
        if self.apply_function(function) {
            return 1;
        }
        if let Some(hit) = self.polar_hit(word) {
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
        self.apply_function(self.primary().function_word(word))
    }

    fn apply_function(&mut self, function: Option<FunctionWord>) -> bool {
        let Some(function) = function.filter(FunctionWord::scores) else {
            return false;
        };
        self.contrasted |= function.soft_contrast || function.contrast || function.concessive;
        if function.soft_contrast || function.contrast {
            self.positive *= BEFORE_CONTRAST;
            self.negative *= BEFORE_CONTRAST;
            self.weak_negative *= BEFORE_CONTRAST;
            self.cue_sum *= BEFORE_CONTRAST;
            self.after_contrast = true;
            // A soft `but` counts as if something polar had followed: no turning.
            self.polar_after_contrast = function.soft_contrast;
            self.end_clause();
        } else if function.concessive {
            self.end_clause();
            self.in_concessive = true;
        } else if function.negator {
            self.negation = NEGATION_SCOPE;
        } else if let Some(factor) = function.intensifier {
            self.boost = (self.boost * factor).min(MAX_BOOST);
        } else {
            return false;
        }
        true
    }

    /// Adds the pending cue once the scorer is past its last word (before token `end`).
    fn reach_cue(&mut self, end: usize) {
        if let Some((_, value)) = self.pending_cue.filter(|(at, _)| *at < end) {
            self.pending_cue = None;
            if value == lexicon::PROMISE_CUE {
                self.promised = true;
                self.promise_sentence = self.sentences;
                return;
            }
            // A cue is a fact: it weighs like a polar word around a `but`, but it is no
            // complaint for a later duty to put right ("called four times, they answer that
            // he will call back").
            self.polar_after_contrast = true;
            if !self.in_opener {
                self.rest_said(value);
            }
            self.cue_sum += if self.after_contrast {
                value * AFTER_CONTRAST
            } else {
                value
            };
            self.cue_complaint_in_sentence |= value < 0.0;
        }
    }

    /// When `word` (at `self.at`) opens a "neither ... nor" of the language (`Lexicon::
    /// correlative`) with a praise word just after one of its words and a complaint word just
    /// after the other ("neither good nor bad", "ni dobro ni loše", "ни плохо, ни хорошо"), the
    /// token of the second polar word: up to it the mention says neither. "Neither a call nor a
    /// text" (nothing polar) and "ne preporučujem, ne znaju raditi" (not a correlative of hbs)
    /// stay as they are.
    fn lukewarm_span(&self, word: &str) -> Option<usize> {
        let primary = self.primary();
        let second = primary.correlative(word)?;
        let tokens = self.tokens;
        // The sign of the first polar word within `CORRELATIVE_GAP` words after `from`, in its
        // clause, and where it stands.
        let polar_after = |from: usize| {
            let mut words = 0;
            for (k, token) in tokens.iter().enumerate().skip(from + 1) {
                let Token::Word(w) = token else { return None };
                words += 1;
                if words > CORRELATIVE_GAP {
                    return None;
                }
                if let Some(hit) = self.polar_hit(w).filter(|h| !h.duty && h.value != 0.0) {
                    let praise = (hit.value > 0.0) != hit.prefix_negated;
                    return Some((praise, k));
                }
            }
            None
        };
        let (first_praise, first_at) = polar_after(self.at)?;
        let second_at = tokens
            .iter()
            .enumerate()
            .skip(first_at + 1)
            .take(CORRELATIVE_REACH)
            .take_while(|(_, t)| !matches!(t, Token::SentenceEnd { .. }))
            .find_map(|(k, t)| match t {
                Token::Word(w) if primary.spelling(w) == second => Some(k),
                _ => None,
            })?;
        let (second_praise, end) = polar_after(second_at)?;
        (first_praise != second_praise).then_some(end)
    }

    /// Whether a phrase of one's own doing at the token being scored is the writer's own word:
    /// no negator in its clause ("not my fault", "wasn't in any way my fault"), no claim before
    /// it in its sentence ("apparently", "like"), not in quotes and not in a question ("so it's
    /// my fault now?").
    fn own_word(&self) -> bool {
        let question = self.tokens[self.at..]
            .iter()
            .find_map(|t| match t {
                Token::SentenceEnd { question, .. } => Some(*question),
                _ => None,
            })
            .unwrap_or(false);
        self.negation == 0 && !self.negator_in_clause && !self.claim_in_sentence && !self.in_quotes && !question
    }

    /// Whether the token being scored is inside a lukewarm "neither good nor bad".
    fn in_lukewarm(&self) -> bool {
        self.lukewarm_until.is_some_and(|end| self.at <= end)
    }

    /// The last token of the longest way of saying neither way or of telling one's own doing
    /// (`Lexicon::neither_len`) that starts at token `from`, and which it is, its words read
    /// across commas, emoji and quotes within the sentence.
    fn neither_end(&self, from: usize) -> Option<(usize, Aside)> {
        let primary = self.primary();
        // On the stack: a phrase's first word is often a common one ("не", "nie", "pas").
        let mut words: [std::borrow::Cow<'_, str>; lexicon::MAX_NEITHER_WORDS] = Default::default();
        let mut at = [0; lexicon::MAX_NEITHER_WORDS];
        let mut read = 0;
        for (index, token) in self.tokens.iter().enumerate().skip(from) {
            match token {
                Token::Word(w) => {
                    at[read] = index;
                    words[read] = primary.spelling(w);
                    read += 1;
                }
                Token::SentenceEnd { .. } => break,
                Token::Emo(_) | Token::ClauseEnd | Token::Quote(_) => {}
            }
            if read == lexicon::MAX_NEITHER_WORDS {
                break;
            }
        }
        primary
            .neither_len(&words[..read])
            .map(|(len, aside)| (at[len - 1], aside))
    }

    /// Whether the joint at token `at` stands between a word and that word again, with nothing
    /// between them: "номер как номер", "чехол как чехол", "un bar come un bar" is not one.
    fn tautology_at(&self, at: usize) -> bool {
        let (Some(Token::Word(before)), Some(Token::Word(after))) = (
            at.checked_sub(1).and_then(|k| self.tokens.get(k)),
            self.tokens.get(at + 1),
        ) else {
            return false;
        };
        before == after && before.chars().count() >= 3 && !lexicon::is_number(before)
    }

    /// Whether the word at token `at` is a verdict that only names its subject again after a
    /// pause: a word of its sentence, then "is" and an ellipsis, then that word alone ("Kafa u
    /// \"Bistro 7\" je... kafa.", "o açaí da Açaí Mania é... açaí", "kruh je … kruh"). The word
    /// after the pause ends its sentence or clause ("the coffee is... coffee and the cake
    /// stale" still tells a complaint, which the rules read on); a full stop is no pause
    /// ("nobody can tell me where it is. Nobody."); a number after it turns it (`paused`: "is...
    /// burger. 18 quid.").
    fn paused_tautology_at(&self, at: usize) -> bool {
        let (
            Some(Token::SentenceEnd {
                question: false,
                pause: true,
            }),
            Some(Token::Word(joint)),
            Some(Token::Word(word)),
        ) = (
            at.checked_sub(1).and_then(|k| self.tokens.get(k)),
            at.checked_sub(2).and_then(|k| self.tokens.get(k)),
            self.tokens.get(at),
        )
        else {
            return false;
        };
        let alone = matches!(
            self.tokens.get(at + 1),
            None | Some(Token::SentenceEnd { .. } | Token::ClauseEnd | Token::Emo(_))
        );
        if !alone || !PAUSED_JOINTS.contains(joint) || word.chars().count() < 3 {
            return false;
        }
        self.tokens[..at - 2]
            .iter()
            .rev()
            .take_while(|token| !matches!(token, Token::SentenceEnd { .. }))
            .any(|token| matches!(token, Token::Word(w) if w == word))
    }

    /// The first of the language's lexicons that knows `word` (each in its own spelling).
    fn polar_hit(&self, word: &str) -> Option<Hit> {
        self.lexicons.iter().find_map(|l| l.lookup(&l.spelling(word)))
    }

    fn plain_word(&mut self) {
        self.negation = self.negation.saturating_sub(1);
    }

    fn polar(&mut self, hit: Hit) {
        if self.in_lukewarm() {
            // "ni dobro ni loše": neither the praise nor the complaint is said; it answers a
            // `but` as a verdict would ("friendly, but the food neither good nor bad").
            self.plain_word();
            self.boost = 1.0;
            self.polar_after_contrast = true;
            return;
        }
        let negated = self.negation > 0;
        let flipped = negated != (hit.prefix_negated && !(negated && self.primary().negative_concord()));
        if hit.duty && !flipped && !self.complained {
            // A duty done with nothing wrong before it is a plain fact ("they fixed the
            // brakes"); it still answers a `but`, which then does not turn.
            self.plain_word();
            self.polar_after_contrast |= self.after_contrast;
            return;
        }
        // A duty done after a complaint: a mistake put right, no irony after it.
        self.remedied |= hit.duty && !flipped;
        let mut value = hit.value * self.boost;
        self.boost = 1.0;
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
        self.firm |= hit.value > 0.0 && value < 0.0;
        if hit.value < 0.0 && value < 0.0 {
            self.strongest = self.strongest.min(hit.value);
        }
        self.add(value);
    }

    /// Records a polar word or cue of `value` after the opener (`rest_positive`, `rest_failure`,
    /// and the sandwich's `closer` and `praise_before_failure`).
    fn rest_said(&mut self, value: f32) {
        if value > 0.0 {
            // A failure: a complaint, or "again" with a negator ("they AGAIN didn't call").
            let failed = self.rest_complaint || (self.rest_failure && self.rest_negator);
            if failed {
                self.closer += value;
            } else {
                self.praise_before_failure = true;
            }
        }
        self.rest_complaint |= value < 0.0;
        self.rest_positive |= value > 0.0;
        self.rest_failure |= value < 0.0;
    }

    fn add(&mut self, value: f32) {
        if self.in_quotes && value > 0.0 {
            return;
        }
        if value > 0.0 {
            self.praise += value;
        }
        if value > 0.0 {
            self.mark(learned::role::PRAISE);
        } else if value < 0.0 {
            self.mark(learned::role::COMPLAINT);
        }
        self.polar_after_contrast = true;
        if self.in_opener {
            self.opener += value;
        } else {
            self.rest_said(value);
        }
        self.complained |= value < 0.0;
        let value = if self.after_contrast {
            value * AFTER_CONTRAST
        } else {
            value
        };
        if value > 0.0 {
            self.positive += value;
        } else {
            self.negative += value;
            if value > WEAK_NEGATIVE {
                self.weak_negative += value;
            }
        }
    }

    /// "Otra vez no arranca", "znowu nikt nie oddzwonił": a failure repeated.
    fn close_again(&mut self) {
        if self.again_in_sentence && self.negator_in_sentence {
            self.cue_sum += AGAIN_FAILED;
        }
        self.again_in_sentence = false;
        self.negator_in_sentence = false;
    }

    fn end_clause(&mut self) {
        // "Hoy, otra vez, no arranca": an "again" set off by commas reaches the next clause;
        // otherwise the pair must share a clause ("not even two years old, so it should
        // still be under warranty" is no failure).
        if self.again_in_sentence && self.negator_in_sentence {
            self.close_again();
        } else if !(self.again_in_sentence && self.clause_words <= 2) {
            self.again_in_sentence = false;
            self.negator_in_sentence = false;
        }
        self.clause_words = 0;
        if self.opener_words > 0 {
            self.in_opener = false;
        }
        self.negation = 0;
        self.boost = 1.0;
        self.in_concessive = false;
        self.negator_in_clause = false;
    }

    fn end_sentence(&mut self, question: bool) {
        self.close_again();
        self.claim_in_sentence = false;
        if self.wait_in_sentence && self.span_in_sentence && !self.blocker_in_sentence && self.cue_sum == 0.0 {
            self.cue_sum += WAIT_COUNTED;
        }
        self.wait_in_sentence = false;
        self.span_in_sentence = false;
        self.blocker_in_sentence = false;
        if self.sentence_has_words {
            self.sentences += 1;
            self.sentence_has_words = false;
        }
        if self.after_contrast && !self.polar_after_contrast {
            // "Friendly enough, but they lost my key": a `but` followed by plain facts turns
            // against what came before it.
            let (positive, negative) = (self.positive, self.negative);
            self.positive = -negative;
            self.negative = -positive;
            self.weak_negative = 0.0;
            self.cue_sum = -self.cue_sum;
        }
        let (positive, negative) = if question {
            (
                self.positive * QUESTION_POSITIVE,
                (self.negative - self.weak_negative) * QUESTION_NEGATIVE,
            )
        } else {
            (self.positive, self.negative)
        };
        self.total += positive + negative;
        if !question {
            self.total += self.cue_sum;
            self.firm |= self.cue_complaint_in_sentence;
        }
        self.cue_sum = 0.0;
        self.cue_complaint_in_sentence = false;
        self.positive = 0.0;
        self.negative = 0.0;
        self.weak_negative = 0.0;
        self.after_contrast = false;
        self.polar_after_contrast = false;
        self.end_clause();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `strip_links_and_handles` does, written word by word: the spec it is checked against.
    fn strip_links_and_handles_word_by_word(text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for piece in text.split_inclusive(char::is_whitespace) {
            let word = piece.trim_end();
            let gap = &piece[word.len()..];
            let bare = word.trim_start_matches(|c: char| !c.is_alphanumeric() && c != '@' && c != '#');
            let starts = |prefix: &str| bare.get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix));
            let link = starts("http://") || starts("https://") || starts("www.");
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

    proptest::proptest! {
        #[test]
        fn links_handles_and_hashtags_are_stripped_as_word_by_word(
            words in proptest::collection::vec("(@|#|https?://|www\\.|HTTP://|[(<\"])?[a-zA-Z_#@.ß]{0,8}[ ,.>)\t\n\u{a0}]{0,2}", 0..12)
        ) {
            let text = words.concat();
            proptest::prop_assert_eq!(strip_links_and_handles(&text), strip_links_and_handles_word_by_word(&text));
        }

        #[test]
        fn words_end_where_the_char_loop_ends_them(text in "[a-zA-Z0-9'é ,.ß\u{301}\u{2019}]{0,16}") {
            proptest::prop_assert_eq!(word_end(&text), word_end_chars(&text));
        }

        #[test]
        fn pieces_split_as_std_does(text in "(\\PC|[ \t\n\r\u{b}\u{c}\u{85}\u{a0}\u{2009}\u{3000}]){0,40}") {
            let ours: Vec<&str> = pieces_ending_in_space(&text).collect();
            let std: Vec<&str> = text.split_inclusive(char::is_whitespace).collect();
            proptest::prop_assert_eq!(ours, std);
        }
    }

    /// What the rules found, for `Blend::decide`: no explicit complaint word, no way of saying
    /// neither way, no length.
    fn facts(sum: f32, firm: bool, plain: bool) -> Facts {
        Facts {
            sum,
            firm,
            worded: false,
            aside: None,
            words: 0,
            plain,
        }
    }

    fn sentiment(lang: &str, text: &str) -> Sentiment {
        classify(text, Some(lang)).sentiment
    }

    #[test]
    fn a_plain_mention_needs_its_own_threshold() {
        // GIVEN a blend whose plain mentions' complaint threshold (0.75) is above its
        // language's (0.6), and a model that gives a complaint 0.7
        let blend = Blend {
            rules_hold: 6.0,
            complaint: 0.6,
            plain: 0.75,
            firm_neutral: f32::INFINITY,
            praise: 0.8,
            neutral: 0.5,
            disagree: -1.0,
            firm_disagree: -1.0,
        };
        let model = || Some([0.7, 0.2, 0.1]);
        // WHEN a plain mention and one the rules found something in are decided
        // THEN only the second is a complaint
        assert_eq!(
            blend.decide(facts(0.0, false, true), || false, model).sentiment,
            Sentiment::Neutral
        );
        assert_eq!(
            blend.decide(facts(0.0, false, false), || false, model).sentiment,
            Sentiment::Negative
        );
        // AND a plain threshold under the language's (0: none of its own) changes nothing
        let none = Blend { plain: 0.0, ..blend };
        assert_eq!(
            none.decide(facts(0.0, false, true), || false, model).sentiment,
            Sentiment::Negative
        );
        // AND at the plain threshold itself the plain mention is a complaint
        assert_eq!(
            blend
                .decide(facts(0.0, false, true), || false, || Some([0.75, 0.15, 0.1]))
                .sentiment,
            Sentiment::Negative
        );
    }

    #[test]
    fn a_firm_complaint_is_voided_only_where_the_model_is_sure_enough() {
        // GIVEN a blend whose language voids firm complaints at a neutral probability of 0.72
        // WHEN rules' complaints are decided with the model's probabilities
        let blend = Blend {
            rules_hold: 6.0,
            complaint: 0.65,
            plain: 0.0,
            firm_neutral: 0.72,
            praise: 0.8,
            neutral: 0.5,
            disagree: -1.0,
            firm_disagree: -1.0,
        };
        let neutral = |p: f32| move || Some([0.15, p, 1.0 - 0.15 - p]);
        let decide =
            |b: &Blend, sum: f32, firm: bool, p: f32| b.decide(facts(sum, firm, false), || false, neutral(p)).sentiment;
        // THEN a firm complaint cue ("third time this year") the model reads as neutral at 0.75
        // is no opinion, at the threshold itself too, but at 0.7 it stands
        assert_eq!(decide(&blend, -1.0, true, 0.75), Sentiment::Neutral);
        assert_eq!(decide(&blend, -1.0, true, 0.72), Sentiment::Neutral);
        assert_eq!(decide(&blend, -1.0, true, 0.7), Sentiment::Negative);
        // AND a complaint that is not firm is voided at the plain neutral threshold, as before
        assert_eq!(decide(&blend, -1.0, false, 0.55), Sentiment::Neutral);
        // AND nothing voids a complaint as strong as `VOIDABLE_UNLESS_FIRM`, or any firm one
        // where the language never voids them
        assert_eq!(decide(&blend, -1.75, true, 0.8), Sentiment::Negative);
        let never = Blend {
            firm_neutral: f32::INFINITY,
            ..blend
        };
        assert_eq!(decide(&never, -1.0, true, 0.8), Sentiment::Negative);
    }

    #[test]
    fn plain_means_the_rules_found_nothing() {
        // GIVEN mentions read by the rules
        let plain = |lang: &str, text: &str| model_features_and_rules(text, Lang::from_code(lang), 16).plain;
        // THEN a plain fact with nothing the rules know is plain
        assert!(plain("cs", "Ten den jsem auto přivezl do servisu."));
        assert!(plain("en", "They fixed the brakes and replaced the wipers."));
        assert!(plain("en", "Do they open on Sunday?"));
        // AND a span of time, a number, a negator, "again" or an opinion word is not
        assert!(!plain("cs", "Nový showroom je otevřený už dva týdny."));
        assert!(!plain("en", "Quoted 300 and the invoice said 300."));
        assert!(!plain("en", "Nobody called back."));
        assert!(!plain("en", "They moved my appointment again."));
        assert!(!plain("en", "Lovely people."));
    }

    #[test]
    fn a_mention_that_tells_the_writer_s_own_doing_is_neutral_whatever_the_model_reads() {
        let aside = |lang: &str, text: &str| model_features_and_rules(text, Lang::from_code(lang), 16).aside;
        // GIVEN delays and repeat visits the writer caused or asked for, in several languages
        // (issue 24: "a day late, but I had put the wrong postcode" blames no one)
        let own = [
            ("en", "parcel came a day late, my fault, I typed the wrong postcode"),
            ("de", "Termin verpasst, mein Fehler. Neuer Termin am Freitag"),
            ("es", "la cita se retrasó una semana, culpa mía, se me olvidó confirmar"),
            (
                "fr",
                "colis arrivé avec deux jours de retard, ma faute, adresse incomplète",
            ),
            ("it", "consegna slittata a lunedì, l'ho chiesto io perché sono via"),
            ("pt", "entrega atrasou um dia, erro meu, passei o número errado"),
            ("ru", "доставку опять перенесли на пятницу, я сама попросила"),
            ("uk", "запис перенесли на суботу, сама попросила, у пʼятницю працюю"),
            ("pl", "wizytę przesunęli na czwartek, na moją prośbę"),
            ("cs", "auto si vyzvednu až zítra, moje chyba, nechal jsem doklady doma"),
            ("hr", "paket kasni dan, moja greška, napisao sam krivi kućni broj"),
        ];
        for (lang, text) in own {
            // THEN the rules read the writer's own doing, and it is neutral
            assert_eq!(aside(lang, text), Some(Aside::OwnDoing), "{lang}: {text}");
            assert_eq!(sentiment(lang, text), Sentiment::Neutral, "{lang}: {text}");
            assert_eq!(
                classify_by_rules(text, Lang::from_code(lang)).sentiment,
                Sentiment::Neutral,
                "{lang}: {text}"
            );
        }
        // AND it is only the writer's own word: not after a negator in its clause, not after a
        // claim, not in quotes, not in a question
        for (lang, text) in [
            ("en", "not my fault they lost the spare key, twice"),
            (
                "en",
                "It wasn't in any way my fault, they sent it to the wrong address.",
            ),
            ("hr", "nije moja greška što su izgubili rezervni ključ"),
            ("ru", "не моя вина, что они потеряли ключ"),
            ("en", "Apparently it's my fault they lost the parcel."),
            ("de", "Angeblich mein Fehler, dass das Paket verloren ging."),
            ("en", "The technician just said \"my bad\" and charged me anyway."),
            ("en", "So it's my fault now that you lost my keys?"),
        ] {
            assert_eq!(aside(lang, text), None, "{lang}: {text}");
        }
        // AND beside a complaint that rests on a firm fact it voids nothing: the request was the
        // writer's, the silence the business's
        let firm = "Сама попросила перезвонить, так никто и не перезвонил.";
        assert_eq!(aside("ru", firm), Some(Aside::OwnDoing));
        assert_eq!(classify_by_rules(firm, Some(Lang::Ru)).sentiment, Sentiment::Negative);
        assert_eq!(
            sentiment("en", "not my fault they lost the spare key, twice"),
            Sentiment::Negative
        );
        assert_eq!(
            sentiment("ru", "не моя вина, что они потеряли ключ"),
            Sentiment::Negative
        );
        // AND one's fault for trusting or going back, "apparently", or a turn after it, is a
        // complaint told through teeth, no own doing
        for (lang, text) in [
            ("en", "my fault for trusting them with the car again"),
            ("en", "My own fault for going back to them a second time."),
            ("it", "colpa mia che ci sono tornato"),
            ("hr", "moja greška očito, nitko mi nije rekao koji utorak"),
            ("en", "my bad for booking late, but they lost the key"),
            ("en", "I had forgotten to mention the staff were rude."),
        ] {
            assert_eq!(aside(lang, text), None, "{lang}: {text}");
        }
        // AND an explicit complaint word beside it still alarms
        assert_eq!(
            sentiment(
                "en",
                "I forgot my wallet there and the staff were rude and useless about it"
            ),
            Sentiment::Negative
        );
    }

    #[test]
    fn a_late_writer_a_slip_of_one_s_own_and_a_paused_tautology_blame_no_one() {
        let aside = |lang: &str, text: &str| model_features_and_rules(text, Lang::from_code(lang), 16).aside;
        // GIVEN the writer running late, their own wrong detail or request, and a verdict that
        // names its subject again after a pause (issue 24: the spent blind sets' false alarms)
        let said = [
            ("de", "bin spät dran zum Yoga, fangt ohne mich an 😅", Aside::OwnDoing),
            (
                "fr",
                "en retard au cours de pilates, commencez sans moi",
                Aside::OwnDoing,
            ),
            (
                "uk",
                "посилка прийшла пізніше, бо я сама вказала не те відділення",
                Aside::OwnDoing,
            ),
            (
                "pt",
                "remarquei o corte de cabelo pra sexta, foi pedido meu",
                Aside::OwnDoing,
            ),
            (
                "hr",
                "paket kasni jer sam ja napisao krivi poštanski broj",
                Aside::OwnDoing,
            ),
            (
                "fr",
                "batterie à plat, c'est moi qui avais laissé les phares allumés",
                Aside::OwnDoing,
            ),
            ("en", "the coffee at Mill Lane is... coffee.", Aside::Neither),
            ("sr", "Burek u pekari Zlatni klas je... burek.", Aside::Neither),
            ("pt", "o pastel da feira é... pastel. fazer o quê", Aside::Neither),
            ("de", "Der Döner bei Ali ist so mittel.", Aside::Neither),
        ];
        for (lang, text, expected) in said {
            // THEN the rules read the aside, and the mention is neutral
            assert_eq!(aside(lang, text), Some(expected), "{lang}: {text}");
            assert_eq!(sentiment(lang, text), Sentiment::Neutral, "{lang}: {text}");
        }
        // AND none is read where the words tell something else (a review's cases): a word named
        // again that goes on to a complaint, after a full stop (emphasis) or before a price; "as
        // I asked" (as often "not as I asked", the negator before its comma); a staff member's
        // "start without me"; "my order"; "I was the one who was right"
        for (lang, text) in [
            ("en", "the coffee is... coffee and the cake was stale"),
            ("en", "the coffee is... cold. again."),
            (
                "en",
                "Two weeks and nobody at the depot can tell me where my parcel is. Nobody.",
            ),
            ("en", "The signature burger was... burger. 18 quid."),
            ("ru", "сделали не так, как я и просила"),
            (
                "en",
                "Yoga class started 10 minutes early, guess they decided to start without me 🙄",
            ),
            ("cs", "Trenér řekl začněte beze mě a zmizel na půl hodiny"),
            (
                "pt",
                "Mais uma vez o pedido meu veio errado, pedi sem cebola e veio com cebola.",
            ),
            (
                "fr",
                "C'est moi qui avais raison : le garage a encore changé une pièce pour rien, 250 € de plus",
            ),
        ] {
            assert_eq!(aside(lang, text), None, "{lang}: {text}");
        }
    }

    #[test]
    fn a_mention_that_says_neither_way_is_neutral_whatever_the_model_reads() {
        let says_neither = |lang: &str, text: &str| {
            model_features_and_rules(text, Lang::from_code(lang), 16).aside == Some(Aside::Neither)
        };
        // GIVEN lukewarm verdicts and choices of the writer's own not yet made, in several
        // languages (issue 24: "fine I guess, nothing special" is neutral, not praise)
        let neither = [
            ("en", "The diner on 5th was ok, nothing special."),
            ("en", "torn between the Civic and the Corolla, test drives on Saturday"),
            (
                "de",
                "Werkstatt Huber: geht so. Weder besser noch schlechter als die anderen.",
            ),
            ("fr", "toujours pas décidé entre la Twingo et la C3, je repasse lundi"),
            ("it", "il bar in piazza? né meglio né peggio degli altri"),
            ("es", "el taller de la esquina, ni fu ni fa"),
            ("pt", "a oficina do bairro é normalzinha, nada de especial"),
            ("ru", "Кофе как кофе, ничего особенного."),
            ("uk", "Я навіть не знаю, який пакет ТО обрати."),
            ("pl", "obiad jak obiad, bez rewelacji"),
            ("cs", "kavárna na rohu, nic extra"),
            ("sk", "neviem sa rozhodnúť medzi Octaviou a Scalou"),
            ("hr", "hotel je bio ni bolji ni lošiji od drugih, ništa posebno"),
            ("sl", "ne vem, katero gumarno naj izberem"),
        ];
        for (lang, text) in neither {
            // THEN the rules read it as saying neither way, and it is neutral
            assert!(says_neither(lang, text), "{lang}: {text}");
            assert_eq!(sentiment(lang, text), Sentiment::Neutral, "{lang}: {text}");
            assert_eq!(
                classify_by_rules(text, Lang::from_code(lang)).sentiment,
                Sentiment::Neutral,
                "{lang}: {text}"
            );
        }
        // AND a "still not" that runs into the writer's own choice is no waiting cue
        let undecided = "toujours pas décidé entre la Twingo et la C3";
        assert!(
            classify_by_rules(undecided, Some(Lang::Fr)).score > -THRESHOLD,
            "{undecided}"
        );
        // AND a complaint told after a lukewarm opening ("but", "only", "except") no longer says
        // neither way, nor does one with an explicit complaint word
        let turned = [
            ("pl", "kawa jak kawa, tylko że za 28 zł i zimna"),
            (
                "en",
                "nothing special, but they kept my car a week longer than promised",
            ),
            ("ru", "шаурма как шаурма, если не считать что половина была пустая"),
            ("es", "ni fu ni fa, aunque me cobraron el doble de lo dicho"),
        ];
        for (lang, text) in turned {
            assert!(!says_neither(lang, text), "{lang}: {text}");
        }
        assert_eq!(
            sentiment("en", "nothing special, the staff were rude and useless"),
            Sentiment::Negative
        );
        // AND a word that only starts such phrases is a plain word for all else: "sono" keeps the
        // praise of the opener "Sono soddisfatta" from reading as sarcasm before "non"
        let praise = "Sono soddisfatta, non ho dovuto tornare.";
        assert_eq!(
            classify_by_rules(praise, Some(Lang::It)).sentiment,
            Sentiment::Positive,
            "{praise}"
        );
        // AND "like" between two different words is no tautology

        assert!(!says_neither("ru", "работает как часы"));
        assert!(
            !says_neither("ru", "сервис как сервис бывает только в мечтах у нас"),
            "only turns it"
        );
    }

    #[test]
    fn a_model_that_plainly_hears_no_complaint_voids_the_rules_short_of_their_hold() {
        // GIVEN a blend with the shipped disagreement (issue 24: 42 of the eighteenth session's
        // model's 81 false alarms on complaints_blind23 and 24 were the rules' own complaints)
        let blend = Blend {
            rules_hold: 6.0,
            complaint: 0.6,
            plain: 0.0,
            firm_neutral: 0.7,
            praise: 0.8,
            neutral: 0.5,
            disagree: DISAGREE,
            firm_disagree: FIRM_DISAGREE,
        };
        let decide =
            |sum: f32, firm: bool, p: [f32; 3]| blend.decide(facts(sum, firm, false), || false, || Some(p)).sentiment;
        // WHEN the rules call a complaint, strong or firm ("still waiting on the part ... so
        // right on schedule", -2.5), and the model gives it a complaint at 0.1 and neutral at 0.78
        // THEN it is no opinion
        assert_eq!(decide(-2.5, false, [0.1, 0.78, 0.12]), Sentiment::Neutral);
        assert_eq!(decide(-2.5, true, [0.1, 0.78, 0.12]), Sentiment::Neutral);
        assert_eq!(decide(-2.5, false, [DISAGREE, 0.6, 0.1]), Sentiment::Neutral);
        // AND a model less sure (a complaint above `disagree`, neutral under its threshold, or a
        // firm complaint's neutral under `firm_neutral`: "Nicht gut." at 0.16/0.70 in a language
        // whose firm threshold is above it) leaves the rules' complaint standing, as does a sum
        // at the rules' hold
        assert_eq!(decide(-2.5, false, [0.35, 0.55, 0.1]), Sentiment::Negative);
        assert_eq!(decide(-2.5, false, [0.1, 0.45, 0.45]), Sentiment::Negative);
        assert_eq!(decide(-0.75, true, [0.16, 0.69, 0.15]), Sentiment::Negative);
        assert_eq!(decide(-6.0, false, [0.05, 0.9, 0.05]), Sentiment::Negative);
        // AND a firm complaint of a mention long enough for the model to read its reason
        // ("Zum dritten Mal dieses Jahr im Hotel Seeblick, die Firma macht da ihre
        // Klausurtagungen") is voided at `firm_disagree` whatever `firm_neutral`, and a short one
        // ("Nicht gut.") is not
        let firm_in = |words: usize, p: [f32; 3]| {
            blend
                .decide(
                    Facts {
                        words,
                        ..facts(-1.0, true, false)
                    },
                    || false,
                    || Some(p),
                )
                .sentiment
        };
        assert_eq!(firm_in(READ_WHOLE, [FIRM_DISAGREE, 0.6, 0.2]), Sentiment::Neutral);
        assert_eq!(firm_in(READ_WHOLE, [0.25, 0.6, 0.15]), Sentiment::Negative);
        assert_eq!(firm_in(2, [0.16, 0.69, 0.15]), Sentiment::Negative);
        // AND an explicit complaint word ("ужасный сервис") is never voided by the model
        let explicit_word = Facts {
            worded: true,
            words: 8,
            ..facts(-2.0, false, false)
        };
        let worded = blend.decide(explicit_word, || false, || Some([0.13, 0.76, 0.11]));
        assert_eq!(worded.sentiment, Sentiment::Negative);
        #[rustfmt::skip]
        let explicit = [
            ("ru", "Sprite опять сорвали сроки ремонта, ужасный сервис", Neg),
        ];
        for (lang, text, label) in explicit {
            assert_eq!(sentiment(lang, text), label, "{lang}: {text}");
        }
        // AND with no disagreement (below 0) nothing changes
        let never = Blend {
            disagree: -1.0,
            firm_disagree: -1.0,
            ..blend
        };
        assert_eq!(
            never
                .decide(facts(-2.5, false, false), || false, || Some([0.1, 0.78, 0.12]))
                .sentiment,
            Sentiment::Negative
        );
    }

    #[test]
    fn a_settled_close_voids_only_a_weak_complaint_on_no_firm_fact() {
        // GIVEN a blend, and a model that hears a complaint at 0.7
        let blend = Blend {
            rules_hold: 6.0,
            complaint: 0.6,
            plain: 0.0,
            firm_neutral: f32::INFINITY,
            praise: 0.8,
            neutral: 0.5,
            disagree: -1.0,
            firm_disagree: -1.0,
        };
        let hears = || Some([0.7, 0.2, 0.1]);
        let decide = |sum: f32, firm: bool, settled: bool| {
            blend.decide(facts(sum, firm, false), move || settled, hears).sentiment
        };
        // WHEN a mention that closes by saying its matter is settled is decided
        // THEN the model's complaint on a wait (the rules' -1) is voided, and without the close
        // it stands
        assert_eq!(decide(-1.0, false, true), Sentiment::Neutral);
        assert_eq!(decide(-1.0, false, false), Sentiment::Negative);
        // AND a firm fact ("quoted 300, charged 540. no problem") or a strong word keeps it
        assert_eq!(decide(-1.0, true, true), Sentiment::Negative);
        assert_eq!(decide(-2.0, false, true), Sentiment::Negative);
        // AND the rules' own weak complaint, which the model does not overrule, is voided too
        let unsure = || Some([0.3, 0.4, 0.3]);
        assert_eq!(
            blend.decide(facts(-1.0, false, false), || true, unsure).sentiment,
            Sentiment::Neutral
        );
        assert_eq!(
            blend.decide(facts(-1.0, false, false), || false, unsure).sentiment,
            Sentiment::Negative
        );
    }

    #[test]
    fn a_mention_closed_by_saying_its_matter_is_settled_raises_no_alarm() {
        let reads_settled = |lang: &str, text: &str| model_features_and_rules(text, Lang::from_code(lang), 16).settled;
        // GIVEN a wait the model hears as a complaint, and the same wait closed by saying the
        // matter is settled (issue 24: the largest kind of complaints_blind21's false alarms)
        // (written one to a line, as the trainer's copy of the unit tests' sentences reads them,
        // so the seed rule sees a seed that misses one)
        #[rustfmt::skip]
        let bare = [
            ("en", "Had to wait an extra 40 minutes, they warned me when I booked.", Neg),
            ("de", "Das Auto war erst nach drei Tagen fertig statt nach zwei.", Neg),
        ];
        for ((lang, bare, label), close) in bare.into_iter().zip([" No biggie.", " Passt schon."]) {
            let closed = format!("{bare}{close}");
            let closed = closed.as_str();
            // THEN without its close it is a complaint, and with it none
            assert_eq!(sentiment(lang, bare), label, "{lang}: {bare}");
            assert!(reads_settled(lang, closed), "{lang}: {closed}");
            assert_ne!(sentiment(lang, closed), Sentiment::Negative, "{lang}: {closed}");
        }
        // AND a close inside the last clause counts as one in a sentence of its own
        let in_clause = "Had to wait an extra 40 minutes, they warned me when I booked, so no biggie.";
        assert!(reads_settled("en", in_clause));
        assert_ne!(sentiment("en", in_clause), Sentiment::Negative);
        // AND the rules read the close in every lexicon's languages (the model already reads
        // most of these waits as calm), and none is called a complaint
        let settled = [
            (
                "de",
                "Der Termin wurde auf Donnerstag verschoben, sie haben vorher angerufen, passt schon.",
            ),
            ("ru", "Опоздал на запись на 20 минут, перенесли на вечер без проблем."),
            ("uk", "Запізнився на 15 хвилин, пересунули запис на вечір без проблем."),
            (
                "pl",
                "Kurier przyjedzie dzień później przez święta, dali znać wcześniej, spoko.",
            ),
            ("pl", "Kurier będzie jutro zamiast dziś, dali znać, no spoko."),
            (
                "sl",
                "Termin so prestavili na sredo, ker zdravnica v ponedeljek ne dela. Mi paše.",
            ),
            ("hr", "Dijelovi kasne dva dana, javili su mi odmah, nema problema."),
            ("hr", "Majstor se javio s danom zakašnjenja, dešava se."),
            (
                "sr",
                "Чекам ред на техничком, има још пет аута испред мене, нема проблема.",
            ),
            (
                "es",
                "El paquete llega mañana en vez de hoy, me avisaron por SMS. Sin problema.",
            ),
            (
                "it",
                "Consegna in ritardo di un giorno per lo sciopero dei corrieri, loro non c'entrano.",
            ),
            ("cs", "Díl dorazí až ve čtvrtek, volali mi to dopředu, v pohodě."),
            ("sk", "Oprava potrvá o deň dlhšie, dali vedieť vopred, v pohode."),
            (
                "fr",
                "Livraison décalée d'un jour à cause de la neige, ils ont prévenu, pas de souci.",
            ),
            ("pt", "A peça chega só na sexta, avisaram logo, tudo bem."),
        ];
        for (lang, text) in settled {
            assert!(reads_settled(lang, text), "{lang}: {text}");
            assert_ne!(sentiment(lang, text), Sentiment::Negative, "{lang}: {text}");
        }
        // AND a close that is someone else's claim, a state before, after "again", a question,
        // in quotes, negated, said twice or followed by a sour face is no close
        let not_settled = [
            ("en", "Third time back for the same rattle. They say it's all good."),
            ("en", "Waited three weeks for the part. Is it all good now?"),
            (
                "en",
                "Waited three weeks for the part and they keep saying \"all good\".",
            ),
            ("en", "Waited three weeks for the part. It is not all good."),
            ("en", "They forgot to call me back. All good 😐"),
            ("ru", "Клима снова дует тёплым, а они опять всё нормально."),
            ("hr", "Sve pet, samo hrana hladna i račun pogrešan. Inače sve pet."),
            (
                "hr",
                "Klima opet puše toplo nakon dva punjenja, a sad kažu da je sve u redu.",
            ),
            ("sl", "Po servisu mi sveti lučka za motor. Prej je bilo vse ok."),
        ];
        for (lang, text) in not_settled {
            assert!(!reads_settled(lang, text), "{lang}: {text}");
        }
        // AND those that are complaints stay complaints, as does a close after a firm fact or a
        // strong word
        for (lang, text) in [
            ("en", "They forgot to call me back. All good 😐"),
            ("hr", "Sve pet, samo hrana hladna i račun pogrešan. Inače sve pet."),
            (
                "hr",
                "Klima opet puše toplo nakon dva punjenja, a sad kažu da je sve u redu.",
            ),
            ("sl", "Po servisu mi sveti lučka za motor. Prej je bilo vse ok."),
            ("en", "Quoted 300, charged 540. No problem."),
            (
                "en",
                "Still waiting on the part after three weeks, no call back. Awful. No worries.",
            ),
        ] {
            assert_eq!(sentiment(lang, text), Sentiment::Negative, "{lang}: {text}");
        }
        assert!(reads_settled("en", "Quoted 300, charged 540. No problem."));
    }

    #[test]
    fn every_settled_phrase_closes_a_mention() {
        // GIVEN every lexicon's settled phrases, each closing a mention in a language that reads
        // that lexicon
        // (Croatian, Serbian, Bosnian and Slovenian read `hbs`)
        let names = ["en", "de", "es", "fr", "it", "pt", "cs", "sk", "pl", "ru", "uk", "hbs"];
        for name in names {
            let lang = Some(if name == "hbs" {
                Lang::Hr
            } else {
                Lang::from_code(name).expect("a language code")
            });
            let phrases = lexicon::settled_phrases(name);
            assert!(!phrases.is_empty(), "{name}");
            for phrase in phrases.split(',') {
                let text = format!("2024. {}.", phrase.trim());
                // THEN each is read as written (its words tokenised and folded as the lexicon's)
                assert!(model_features_and_rules(&text, lang, 16).settled, "{name}: {text}");
            }
        }
        // AND Serbian Cyrillic is read in the Latin its lexicon is written in
        assert!(model_features_and_rules("2024. Нема проблема.", Some(Lang::Sr), 16).settled);
        assert!(!model_features_and_rules("2024. Није све у реду.", Some(Lang::Sr), 16).settled);
    }

    fn check(cases: &[(&str, &str, Sentiment)]) {
        let wrong: Vec<String> = cases
            .iter()
            .filter_map(|&(lang, text, want)| {
                let got = classify(text, Some(lang));
                (got.sentiment != want).then(|| format!("{lang}: {text:?} scored {} (want {want:?})", got.score))
            })
            .collect();
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    use Sentiment::{Negative as Neg, Neutral as Neu, Positive as Pos};

    #[test]
    fn polar_words_decide_in_every_language() {
        // GIVEN plain praise and plain complaint in each language
        // WHEN classified
        // THEN praise is positive and complaint negative
        check(&[
            ("en", "Great service, thank you!", Pos),
            ("en", "Terrible service, never again.", Neg),
            ("ru", "Отличный сервис, спасибо!", Pos),
            ("ru", "Ужасный сервис.", Neg),
            ("uk", "Чудовий сервіс, дякую!", Pos),
            ("uk", "Жахливий сервіс.", Neg),
            ("cs", "Skvělý servis, děkuji!", Pos),
            ("cs", "Hrozný servis.", Neg),
            ("sk", "Výborný servis, ďakujem!", Pos),
            ("sk", "Hrozný servis.", Neg),
            ("pl", "Świetny serwis, dziękuję!", Pos),
            ("pl", "Fatalny serwis.", Neg),
            ("hr", "Odličan servis, hvala!", Pos),
            ("hr", "Užasan servis.", Neg),
            ("sr", "Одличан сервис, хвала!", Pos),
            ("sr", "Ужасан сервис.", Neg),
            ("de", "Toller Service, danke!", Pos),
            ("de", "Schrecklicher Service.", Neg),
            ("es", "Servicio excelente, ¡gracias!", Pos),
            ("es", "Servicio horrible.", Neg),
            ("fr", "Service excellent, merci !", Pos),
            ("fr", "Service horrible.", Neg),
        ]);
    }

    #[test]
    fn neither_good_nor_bad_is_lukewarm_not_a_complaint() {
        // GIVEN "neither good nor bad" in each language: a praise word and a complaint word, both
        // under a "neither ... nor" (issue 24: lukewarm lines read as negated praise, a firm
        // complaint the model could not overrule)
        let lukewarm = [
            ("en", "Food was neither good nor bad.", Neu),
            ("de", "Das Essen war weder gut noch schlecht.", Neu),
            ("es", "La comida, ni buena ni mala.", Neu),
            ("fr", "Le repas, ni bon ni mauvais.", Neu),
            ("it", "Il servizio né buono né cattivo.", Neu),
            ("pt", "Atendimento nem bom nem mau.", Neu),
            ("cs", "Jídlo ani dobré, ani špatné.", Neu),
            ("sk", "Ani dobré, ani zlé.", Neu),
            ("pl", "Ani dobrze, ani źle.", Neu),
            ("ru", "Ни плохо, ни хорошо.", Neu),
            ("uk", "Ні добре, ні погано.", Neu),
            ("hr", "Ni dobro ni loše.", Neu),
            ("sr", "Ни добро ни лоше.", Neu),
        ];
        // WHEN the rules read each, alone and as the model's features see them
        for (lang, text, _) in lukewarm {
            let rules = classify_by_rules(text, Lang::from_code(lang));
            let RulesReading { sum, firm, .. } = model_features_and_rules(text, Lang::from_code(lang), 16);
            // THEN they say nothing either way, and no firm complaint stands in the model's way
            assert_eq!(rules.sentiment, Sentiment::Neutral, "{lang}: {text}");
            assert!(sum == 0.0 && !firm, "{lang}: {text}: sum {sum}, firm {firm}");
        }
        // AND the classifier calls each neutral
        check(&lukewarm);
        // AND a "neither ... nor" with nothing praised, a plain "not ... not" and a complaint
        // after the lukewarm part stay the complaints they are
        check(&[
            ("hr", "Ne preporučujem nikome, ne znaju raditi, loša usluga.", Neg),
            ("en", "Neither good nor bad, just rude.", Neg),
            ("cs", "Ani nezavolali, ani nenapsali.", Neg),
            ("ru", "Ни звонка, ни извинений.", Neg),
            ("de", "Weder Anruf noch Rückmeldung seit Montag.", Neg),
            ("sl", "Hrana ni dobra, postrežba ni hitra, slaba izkušnja.", Neg),
        ]);
        // AND after a `but` the lukewarm part is a verdict, not nothing that turns the praise
        let but = classify_by_rules("Friendly staff, but the food was neither good nor bad.", Some(Lang::En));
        assert_ne!(but.sentiment, Sentiment::Negative);
    }

    #[test]
    fn negation_flips_and_softens() {
        // GIVEN a polar word under a negator
        // THEN its polarity turns: "not good" is negative, "not bad" positive
        check(&[
            ("en", "The service was not good.", Neg),
            ("en", "Not bad at all.", Pos),
            ("en", "I wouldn't recommend them.", Neg),
            ("ru", "Не плохо.", Pos),
            ("ru", "Не хорошо.", Neg),
            ("ru", "Не советую.", Neg),
            ("uk", "Не погано.", Pos),
            ("uk", "Не раджу.", Neg),
            ("cs", "Není to špatné.", Pos),
            ("cs", "Nebylo to dobré.", Neg),
            ("sk", "Nie je to zlé.", Pos),
            ("sk", "Nie som spokojný.", Neg),
            ("pl", "Nie jest źle.", Pos),
            ("pl", "Nie polecam.", Neg),
            ("hr", "Nije loše.", Pos),
            ("hr", "Ne preporučujem.", Neg),
            ("sr", "Није лоше.", Pos),
            ("de", "Nicht gut.", Neg),
            ("de", "Gar nicht schlecht.", Pos),
            ("es", "No es bueno.", Neg),
            ("es", "No está mal.", Pos),
            ("fr", "Ce n'est pas bon.", Neg),
            ("fr", "Pas mal du tout.", Pos),
        ]);
        // The flip softens: "not bad" is weaker praise than "good".
        assert!(classify("not bad", Some("en")).score < classify("good", Some("en")).score);
    }

    #[test]
    fn a_glued_negating_prefix_flips_once_under_negative_concord() {
        check(&[
            ("ru", "Неплохо.", Pos),
            ("ru", "Персонал невежливый.", Neg),
            ("cs", "Jsem nespokojený.", Neg),
            ("cs", "Personál je neochotný.", Neg),
            ("pl", "Obsługa niemiła.", Neg),
            ("hr", "Nezadovoljan sam.", Neg),
            ("de", "Unfreundliches Personal.", Neg),
            // "nobody called back": one negation, not two
            ("cs", "Nikdo mi nezavolal.", Neg),
            ("sk", "Nikto mi nezavolal.", Neg),
        ]);
    }

    #[test]
    fn intensifiers_strengthen_and_diminishers_weaken() {
        for (lang, plain, strong) in [
            ("en", "good", "very good"),
            ("ru", "хорошо", "очень хорошо"),
            ("uk", "добре", "дуже добре"),
            ("cs", "dobré", "velmi dobré"),
            ("pl", "dobrze", "bardzo dobrze"),
            ("hr", "dobro", "jako dobro"),
            ("de", "gut", "sehr gut"),
            ("es", "bueno", "muy bueno"),
            ("fr", "bon", "très bon"),
        ] {
            let plain_score = classify(plain, Some(lang)).score;
            let strong_score = classify(strong, Some(lang)).score;
            assert!(
                strong_score > plain_score,
                "{lang}: {strong} ({strong_score}) vs {plain} ({plain_score})"
            );
        }
        assert!(classify("a bit slow", Some("en")).score > classify("slow", Some("en")).score);
    }

    #[test]
    fn the_clause_after_but_weighs_more() {
        // GIVEN praise, then a complaint after "but" (and the reverse)
        // THEN the part after "but" decides
        check(&[
            ("en", "Good food but rude staff.", Neg),
            ("en", "Rude staff but the food was good.", Pos),
            ("ru", "Еда хорошая, но персонал грубый.", Neg),
            ("uk", "Їжа смачна, але персонал грубий.", Neg),
            ("cs", "Dobré jídlo, ale drzý personál.", Neg),
            ("sk", "Dobré jedlo, ale drzý personál.", Neg),
            ("pl", "Dobre jedzenie, ale niemiła obsługa.", Neg),
            ("hr", "Dobra hrana, ali neljubazno osoblje.", Neg),
            ("de", "Gutes Essen, aber unfreundliches Personal.", Neg),
            ("es", "Buena comida, pero personal grosero.", Neg),
            ("fr", "Bonne cuisine, mais personnel impoli.", Neg),
            ("fr", "Personnel impoli, mais la cuisine est excellente.", Pos),
        ]);
    }

    #[test]
    fn a_but_followed_by_facts_turns_the_praise() {
        check(&[
            ("en", "Friendly enough, but they lost my spare key.", Neg),
            ("cs", "Milí, ale ztratili mi klíč.", Neg),
        ]);
        // Russian `а` is often just "and": it weighs like "but" without turning.
        assert_eq!(sentiment("ru", "Машина отличная, а сервис в центре города."), Pos);
    }

    #[test]
    fn a_duty_is_a_fact_alone_a_complaint_undone_and_praise_after_a_mistake() {
        // GIVEN a deed the customer expects of the business (fixed, called back, explained)
        check(&[
            // WHEN told as a plain fact THEN it is no opinion
            ("en", "They fixed the brakes and replaced the wipers.", Neu),
            ("cs", "Opravili brzdy a vyměnili stěrače.", Neu),
            ("de", "Die Bremsen wurden repariert.", Neu),
            // WHEN left undone THEN it is a complaint, even with no evaluative word
            ("en", "Nobody called back.", Neg),
            ("en", "Nobody can explain the extra charge.", Neg),
            ("ru", "Никто не перезвонил.", Neg),
            ("uk", "Ніхто не може пояснити.", Neg),
            ("cs", "Nikdo neumí vysvětlit proč.", Neg),
            ("sk", "Servis nedvíha telefón.", Neg),
            ("pl", "Serwis nie odbiera telefonu.", Neg),
            ("hr", "Nitko se nije javio.", Neg),
            ("de", "Der Rabatt wird nie abgezogen.", Neg),
            ("es", "Nadie me devolvió la llamada.", Neg),
            ("fr", "La remise ne s'applique jamais.", Neg),
            // WHEN done after a mistake THEN the mistake was put right
            (
                "en",
                "Wrong part ordered, but they apologised and fixed it the same day.",
                Pos,
            ),
            (
                "ru",
                "Заказали не ту деталь, но признали ошибку, извинились и всё исправили.",
                Pos,
            ),
            ("pl", "Pomylili część, ale przeprosili i naprawili to od ręki.", Pos),
            (
                "es",
                "Se equivocaron de pieza, pero se disculparon y lo arreglaron enseguida.",
                Pos,
            ),
        ]);
    }

    #[test]
    fn facts_that_carry_an_opinion_are_read_through_cues() {
        // GIVEN a complaint or praise told only as a fact: a repeat, a wait in weeks, "not
        // even", done unasked, as quoted, sooner than promised, a repeat purchase
        // WHEN classified
        // THEN the cue decides, in every language
        check(&[
            ("en", "Fourth time I have brought it in for the same noise.", Neg),
            ("en", "I have emailed them three times about the logbook.", Neg),
            ("en", "They didn't even look at the tyres.", Neg),
            ("en", "They topped up the oil without me asking.", Pos),
            ("en", "I didn't even have to ask for the loan car.", Pos),
            ("en", "Third car from this dealership.", Pos),
            ("en", "Second time buying here.", Pos),
            ("en", "The final bill was exactly what they quoted.", Pos),
            ("es", "Es la tercera vez que llevo el coche por la misma fuga.", Neg),
            ("es", "Me lavaron el coche sin que yo lo pidiera.", Pos),
            ("es", "Ni siquiera tuve que pedirlo.", Pos),
            ("fr", "Troisième fois que je ramène la voiture pour le même bruit.", Neg),
            ("fr", "Le prix final était exactement celui annoncé.", Pos),
            ("fr", "Je n'ai même pas eu à demander.", Pos),
            ("de", "Zum dritten Mal in der Werkstatt wegen desselben Geräuschs.", Neg),
            ("de", "Zum dritten Mal hier wegen desselben Geräuschs.", Neg),
            (
                "de",
                "Sie haben die Reifen gewechselt, ohne dass ich fragen musste.",
                Pos,
            ),
            ("de", "Ich musste nicht einmal nachfragen.", Pos),
            ("ru", "Жду запчасть уже три недели.", Neg),
            ("ru", "Третий раз обращаюсь с одной и той же проблемой.", Neg),
            ("ru", "Помыли машину без просьбы.", Pos),
            ("uk", "Чекаю вже два тижні на запчастину.", Neg),
            ("uk", "Вже третій раз приїжджаю з тією самою проблемою.", Neg),
            ("pl", "Czekam od trzech tygodni na część.", Neg),
            ("pl", "Nawet nie musiałem przypominać o wymianie oleju.", Pos),
            ("cs", "Volal jsem tam třikrát kvůli termínu.", Neg),
            ("cs", "Auto bylo hotové dřív, než slíbili.", Pos),
            ("sk", "Už tretíkrát riešim tú istú vec.", Neg),
            ("sk", "Ani len som nemusel žiadať.", Pos),
            ("hr", "Pet puta sam ih zvao zbog računa.", Neg),
            ("hr", "Čak nisam morao ni pitati.", Pos),
            ("sr", "Сами су понудили замену гума.", Pos),
        ]);
    }

    #[test]
    fn cues_are_facts_so_questions_and_negators_change_them() {
        // GIVEN a cue in a question, after a negator, or around a `but`
        // WHEN classified
        // THEN a question's cue counts nothing, a negator turns it, a `but` weighs it
        check(&[
            ("en", "Is the second visit free?", Neu),
            ("en", "Can I pick it up the same day?", Neu),
            ("en", "The car was not ready as promised.", Neg),
            ("en", "Nothing was ready as promised.", Neg),
            ("fr", "Rien ne s'est passé comme promis.", Neg),
            ("en", "Third car from them, but they lost my spare key.", Neg),
        ]);
    }

    #[test]
    fn cue_false_friends_stay_neutral() {
        // GIVEN plain logistics that share words with cues: weekdays that look like ordinals,
        // "already next week", "next time", intervals, a date's week, "I don't even know"
        // WHEN classified
        // THEN they stay neutral
        check(&[
            ("en", "Booked in for two visits next month.", Neu),
            ("en", "We service the car twice a year.", Neu),
            ("en", "Can we book the second week of March.", Neu),
            ("en", "Please drop the car off by noon.", Neu),
            ("es", "Quiero cita para la segunda semana de marzo.", Neu),
            ("es", "Hago la revisión dos veces al año.", Neu),
            ("es", "Espero volver en unas semanas.", Neu),
            ("de", "Einen Termin in der zweiten Woche im März, bitte.", Neu),
            ("de", "Zweitens brauche ich einen Termin.", Neu),
            ("cs", "Ve čtvrtek vyzvednu auto.", Neu),
            ("cs", "V pátek příští týden přivezu auto.", Neu),
            ("cs", "Termín mám už příští týden.", Neu),
            ("cs", "Předtím jsem tu nebyl.", Neu),
            ("cs", "Ten den jsem auto přivezl do servisu.", Neu),
            ("sk", "Druhýkrát si termín dohodnem skôr.", Neu),
            ("pl", "W piątek w przyszłym tygodniu przywiozę auto.", Neu),
            ("pl", "Mam termin od przyszłego tygodnia.", Neu),
            ("pl", "Na drugi raz umówię się wcześniej.", Neu),
            ("ru", "Во вторник заберу машину.", Neu),
            ("uk", "Термін у мене вже наступного тижня.", Neu),
            ("hr", "U četvrtak preuzimam auto.", Neu),
            ("hr", "U petak, sljedeći tjedan, dolazim po auto.", Neu),
            ("hr", "Auto je spreman, drugi put ću doći ranije.", Neu),
            ("ru", "Даже не знаю, какую комплектацию выбрать.", Neu),
            ("en", "No need to come twice, we can do both jobs at once.", Neu),
            ("cs", "Každou pátou návštěvu máte mytí zdarma.", Neu),
            ("ru", "Жду вас через неделю на замену масла.", Neu),
        ]);
    }

    #[test]
    fn complaints_told_as_facts_are_heard() {
        // GIVEN complaints with no evaluative word (issue 24): a wait counted, still nothing,
        // a broken promise, the same fault again, a price against its quote, messages unanswered
        // WHEN classified
        // THEN they are complaints
        check(&[
            ("en", "Emailed them about my refund, 17 days now.", Neg),
            ("en", "Day 9 and still no call back.", Neg),
            (
                "en",
                "Hotel said our room would be ready at 2. We sat in the lobby until five.",
                Neg,
            ),
            ("en", "Back again for the same rattle.", Neg),
            ("en", "Quote said £220. Invoice says £389.", Neg),
            ("en", "Sent three emails to the gym, silence.", Neg),
            ("en", "The courier turned up forty minutes late.", Neg),
            ("ru", "Написал им две недели назад.", Neg),
            ("ru", "Обещали перезвонить завтра. Это было во вторник.", Neg),
            ("ru", "Согласовали ремонт за 12 000. Забираю, а в счёте 19 600.", Neg),
            ("uk", "Досі не зателефонували.", Neg),
            ("cs", "Kadeřnice řekla 450. Zaplatila jsem 780.", Neg),
            ("cs", "Objednávka zaplacená před 14 dny, stále nepřišla.", Neg),
            ("sk", "Potvrdenie mi stále neprišlo.", Neg),
            ("pl", "Znowu nikt nie oddzwonił.", Neg),
            ("pl", "Telefon zniknął z szafki.", Neg),
            ("hr", "Poslao sam upit prije 10 dana. Ni odgovora.", Neg),
            ("de", "Vor 16 Tagen angefragt. Seitdem nichts.", Neg),
            ("de", "Kostenvoranschlag 680 Euro. Rechnung 1.140 Euro.", Neg),
            ("es", "Hoy, otra vez, no arranca.", Neg),
            ("es", "Presupuesto: 400. Factura: 620.", Neg),
            ("fr", "Devis 300 €, facturé 540 €.", Neg),
            ("fr", "Toujours pas de nouvelles du garage.", Neg),
        ]);
    }

    #[test]
    fn complaint_fact_false_friends_stay_neutral_or_praise() {
        // GIVEN mentions that share the complaint facts' words: a price below its quote, one
        // price, a promise told alone, a wait asked about, "still no problems", a showroom
        // open for weeks, lukewarm words
        // WHEN classified
        // THEN they are not complaints
        check(&[
            ("en", "Quoted 300, charged 260 in the end.", Neu),
            ("en", "Quoted 300 and the invoice said 300.", Neu),
            ("en", "How long is the wait for an MOT?", Neu),
            ("en", "In the waiting room, anyone know the wifi password?", Neu),
            ("en", "Two years later, still no problems.", Neu),
            ("en", "it was ok, nothing special", Neu),
            ("ru", "Обещали позвонить, когда придёт деталь.", Neu),
            ("uk", "Новий салон працює вже два тижні.", Neu),
            ("de", "Ganz okay, nichts Besonderes.", Neu),
            ("de", "Wie lange dauert bei euch die HU?", Neu),
            ("pl", "spoko, nic specjalnego", Neu),
            ("hr", "Ok je, ništa specijalno.", Neu),
            ("es", "Llevo tres meses con el coche y quiero hacer la revisión.", Neu),
            ("fr", "Depuis deux semaines, le showroom est ouvert le dimanche.", Neu),
            ("fr", "Il y a une salle d'attente avec café ?", Neu),
            ("cs", "Nový showroom je otevřený už dva týdny.", Neu),
        ]);
    }

    #[test]
    fn sarcasm_after_a_failure_is_a_complaint() {
        // GIVEN praise that opens or closes a failure, or an upside-down face
        // WHEN classified
        // THEN the mention is a complaint; praise that opens plain good news stays praise
        check(&[
            ("en", "Oh great, they lost my key again.", Neg),
            ("en", "Love finding a brand new scratch after a service 🙃", Neg),
            ("fr", "Génial, la boulangerie n'a plus de pain.", Neg),
            ("uk", "Супер, у спортзалі знову не працює душ 👌", Neg),
            ("cs", "Paráda, kavárna zase zavřená.", Neg),
            ("ru", "Ну спасибо, теперь не открывается багажник 👏", Neg),
            ("en", "Great, they fixed it in an hour.", Pos),
            ("en", "Pleasant staff, nobody pushed me into anything.", Pos),
            ("ru", "Спасибо, машину забрали без единой накрутки.", Pos),
            ("fr", "Personnel agréable, personne ne m'a forcé la main.", Pos),
        ]);
    }

    #[test]
    fn praise_around_a_failure_with_none_before_it_is_sarcasm() {
        // GIVEN a sarcastic sandwich: praise opens, a failure, praise closes (issue 24: the
        // closing praise and applause had carried such mentions past the rules' hold as praise)
        let sandwiches = [
            (
                "en",
                "oh wonderful, the garage lost my spare key again. just perfect, thanks 👏",
            ),
            (
                "de",
                "Na super, wieder den Ersatzschlüssel verloren. Echt klasse, danke 👏",
            ),
            ("fr", "génial, ils ont perdu mes papiers. vraiment top, merci 👏"),
            (
                "ru",
                "Ну отлично, опять потеряли запасной ключ. Просто прекрасно, спасибо 👏",
            ),
            ("hr", "super, opet su izgubili rezervni ključ. baš divno, hvala 👏"),
            // Since the twenty-second session: praise after an interjection and its comma, and a
            // failure the lexicons lacked ("gubicie").
            ("uk", "о, чудово, вдруге загубили мої документи. просто супер 👏"),
            ("ru", "Ну, отлично, опять потеряли мои документы. просто прекрасно 👏"),
            ("pl", "super, znowu gubicie moje papiery. dzięki 👏"),
            ("en", "oh, great, they lost my spare key again. just perfect 👏"),
        ];
        for (lang, text) in sandwiches {
            // THEN the rules alone call it a complaint
            let by_rules = classify_by_rules(text, Lang::from_code(lang));
            assert_eq!(
                by_rules.sentiment,
                Sentiment::Negative,
                "{lang}: {text} ({})",
                by_rules.score
            );
        }
        // AND praise before the failure, a `but`, or a mistake put right is no sandwich, nor is
        // an interjection before praise, even with "again" or "still" after it, a "no," or an
        // article "o" before praise (a review's cases, the twenty-second session)
        for (lang, text) in [
            ("en", "Great staff, lovely coffee, they lost my key. Thanks anyway!"),
            ("en", "Great team, but they lost my key. Thanks for sorting it though!"),
            (
                "en",
                "Lovely people! The car came back scratched, they fixed it the same day, thank you!",
            ),
            ("en", "oh, great service at Mill Lane, they fixed it in an hour 👏"),
            ("en", "Oh, great service, still my favourite garage"),
            ("ru", "Ну, отличный сервис, снова приеду"),
            ("uk", "О, Ірина найкращий майстер, знову до неї записалась"),
            ("es", "No, el servicio fue excelente, volveremos otra vez"),
            ("pt", "O barbeiro é top demais, ainda mais pelo preço"),
        ] {
            let by_rules = classify_by_rules(text, Lang::from_code(lang));
            assert_ne!(
                by_rules.sentiment,
                Sentiment::Negative,
                "{lang}: {text} ({})",
                by_rules.score
            );
        }
    }

    #[test]
    fn although_clauses_weigh_less() {
        check(&[
            ("en", "Although the coffee was good, the repair was a mess.", Neg),
            ("de", "Obwohl das Personal nett war, die Reparatur war schlecht.", Neg),
        ]);
    }

    #[test]
    fn emoji_and_emoticons_carry_sentiment() {
        check(&[
            ("en", "👍", Pos),
            ("en", "❤️❤️", Pos),
            ("en", "😡", Neg),
            ("en", "Service 👎", Neg),
            ("en", "picked up the car :)", Pos),
            ("en", "picked up the car :-(", Neg),
            ("en", "see you at 10:30 (after lunch)", Neu),
            ("ru", "Забрал машину)))", Pos),
            ("ru", "Опять в сервис(((", Neg),
            ("fr", "Voiture récupérée 😊", Pos),
            ("en", "Came back after 3 weeks 🤦\u{200d}♂\u{fe0f}", Neg),
        ]);
        // A negator does not flip an emoji: the face is the writer's own verdict.
        assert_eq!(sentiment("en", "no 😡"), Neg);
    }

    #[test]
    fn praise_in_a_question_is_not_praise() {
        check(&[
            ("en", "Is the service good?", Neu),
            ("en", "Do you have the new model in stock?", Neu),
            ("en", "Why is everything so terrible?", Neg),
            ("de", "Ist die Werkstatt gut?", Neu),
        ]);
    }

    #[test]
    fn text_without_signal_is_neutral() {
        for text in [
            "",
            "   \n\t ",
            "12345",
            "https://example.com/terrible-awful-worst",
            "www.bad-cars.example",
            "@TerribleCars @AwfulMotors",
            "The showroom opens at 9.",
            "&amp;&lt;&gt;&#39;",
            "!!!???...",
        ] {
            let got = classify(text, None);
            assert_eq!(got.sentiment, Neu, "{text:?}");
            assert_eq!(got.score, 0.0, "{text:?}");
        }
    }

    #[test]
    fn handles_and_links_are_dropped_but_hashtags_are_read() {
        assert_eq!(sentiment("en", "@TerribleCars thanks for the quick fix"), Pos);
        assert_eq!(sentiment("en", "Loving it #BestDealerEver"), Pos);
        assert_eq!(sentiment("en", "#NeverAgain"), Neg);
        assert_eq!(sentiment("en", "See https://example.com/great for the great deal"), Pos);
    }

    #[test]
    fn a_platforms_own_sample_message_is_no_complaint() {
        // GIVEN the text of a documented payload of the ingest corpus (restfb's Facebook mention
        // webhook, tests/fixtures/platforms/facebook/mention_comment_add.json), which the
        // corpus test expects stored as neutral (a model of the eighteenth session called it a
        // complaint; written here so the trainer's seed rule sees it too)
        // THEN it is neutral
        assert_eq!(sentiment("en", "Just a test message"), Neu);
    }

    #[test]
    fn html_entities_are_decoded_before_reading() {
        assert_eq!(sentiment("en", "It&#39;s not good"), Neg);
        assert_eq!(sentiment("en", "&lt;3"), Pos);
        assert_eq!(sentiment("en", "Sales &amp; service were excellent"), Pos);
        assert_eq!(sentiment("fr", "C&#x27;est pas mal"), Pos);
    }

    #[test]
    fn mixed_scripts_and_languages_do_not_break_it() {
        assert_eq!(sentiment("ru", "Super сервис, отлично 👍"), Pos);
        assert_eq!(sentiment("sr", "Ауто је одличан, servis je odličan"), Pos);
        assert_eq!(classify("Сервис ужасный, service terrible", None).sentiment, Neg);
    }

    #[test]
    fn the_hint_is_optional_and_may_be_unknown() {
        assert_eq!(classify("Das Auto ist sehr gut", None).sentiment, Pos);
        assert_eq!(classify("Das Auto ist sehr gut", Some("de-AT")).sentiment, Pos);
        assert_eq!(classify("The car is very good", Some("tlh")).sentiment, Pos);
    }

    #[test]
    fn long_texts_and_runs_of_contrast_words_are_classified() {
        // GIVEN a 10,000-character mention and a 20 times longer one, both mostly filler
        let unit = "We drove to the showroom and looked at cars. ";
        let short: String = unit.repeat(10_000 / unit.len()) + "Excellent staff!";
        let long: String = unit.repeat(200_000 / unit.len()) + "but Excellent staff but good but 👍";
        // WHEN classified THEN the verdict stands, and the test finishes: a quadratic pass over
        // 200 kB would take minutes (a megabyte takes ~0.1 s in release, ~3 s in a debug build;
        // speed itself is the warm-path benchmark's business, not a test's)
        assert_eq!(classify(&short, None).sentiment, Pos);
        assert_eq!(classify(&long, Some("en")).sentiment, Pos);
        // Contrast words only: each `but` is O(1), not a rescan of the sentence so far.
        let buts = "but ".repeat(50_000);
        assert_eq!(classify(&buts, Some("en")).sentiment, Neu);
    }

    #[test]
    fn odd_characters_never_panic() {
        let nasty = [
            "\u{0}\u{feff}\u{200d}\u{fe0f}",
            "a\u{301}\u{301}\u{301}",
            "🏳️‍🌈👨‍👩‍👧‍👦",
            "'''''",
            "n'",
            "&#xFFFFFFFF; &#0; &#; &",
            ":-",
            "((((((",
            "))))))",
            "ǅ ẞ İ",
        ];
        for text in nasty {
            let got = classify(text, None);
            assert!((-1.0..=1.0).contains(&got.score), "{text:?}");
        }
    }

    #[test]
    fn score_is_bounded_and_agrees_with_the_class() {
        for text in [
            "awful awful awful awful awful awful",
            "good",
            "great great great 😍😍😍",
            "meh",
            "bad",
        ] {
            let got = classify(text, Some("en"));
            assert!((-1.0..=1.0).contains(&got.score));
            match got.sentiment {
                Pos => assert!(got.score > 0.0),
                Neg => assert!(got.score < 0.0),
                Neu => assert_eq!(got.score, 0.0),
            }
        }
    }

    #[test]
    fn serialises_as_the_export_contract_says() {
        let got = classify("great", Some("en"));
        let json = serde_json::to_value(got).unwrap();
        assert_eq!(json["sentiment"], "positive");
        assert_eq!(serde_json::to_value(Sentiment::Neutral).unwrap(), "neutral");
        assert_eq!(serde_json::to_value(Sentiment::Negative).unwrap(), "negative");
        assert_eq!("negative".parse::<Sentiment>(), Ok(Neg));
        assert!("meh".parse::<Sentiment>().is_err());
    }
}
