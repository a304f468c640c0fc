//! The learned half of sentiment: a small network over hashed word, word-pair and conjunction
//! features, trained in this repository (`examples/train_sentiment.rs`) and
//! embedded in the binary.
//!
//! Rules read explicit words, negation and quoting well and say why; they do not scale to
//! opinions told as facts ("day 9 and still no call back", "quoted 300, charged 540. Cool cool
//! cool."). A linear model over n-grams cannot tell "waited 20 minutes, as they said" from
//! "waited 20 minutes and nobody came": the same words weigh the same wherever they stand. This
//! model (fastText-style) averages an `i8` embedding of every feature, passes the average
//! through one hidden layer, and scores three classes; its features include conjunctions the
//! rules mark (a span of time or a number in a sentence with a negator or "again", praise
//! beside a failure, a second price against the first). Since the fourteenth session the file
//! holds two such networks, trained from different seeds on the same data, and their class
//! probabilities are averaged; the features are hashed once for both, and a feature's rows for
//! both are adjacent in the file. docs/sentiment.md has the figures and how to retrain.

use super::sentiment::{Blend, Token};
use super::Lang;
use crate::text;
use std::borrow::Cow;
use std::sync::LazyLock;

/// The classes the model scores, in the order of its outputs.
pub const CLASSES: [super::Sentiment; 3] = [
    super::Sentiment::Negative,
    super::Sentiment::Neutral,
    super::Sentiment::Positive,
];

/// The weights file's first bytes, and the version of the features and the blend it was
/// trained on: a change to [`for_each_feature`] or to what the file holds must bump it, and the
/// trainer be run again (`SRFNSM07` since the twelfth session: the plain mentions' thresholds;
/// `SRFNSM08` since the fourteenth: several networks, averaged; `SRFNSM09` since the fifteenth:
/// the firm complaints' thresholds).
const MAGIC: &[u8; 8] = b"SRFNSM09";
/// The widest embedding the file may hold (the run-time sum lives on the stack).
pub const MAX_DIM: usize = 64;
/// The widest hidden layer the file may hold.
pub const MAX_HIDDEN: usize = 64;
/// Per-language complaint thresholds: one per [`Lang::ALL`], then one for no language.
pub const THRESHOLD_SLOTS: usize = Lang::ALL.len() + 1;

/// The embeddings are read where the binary holds them, not copied: a mention touches only the
/// pages of its own features.
static EMBEDDED: LazyLock<Option<Model>> =
    LazyLock::new(|| Model::from_static(include_bytes!("sentiment_model.bin")).ok());

/// The model shipped in the binary, if the build embeds a valid one (a unit test makes sure).
pub fn embedded() -> Option<&'static Model> {
    EMBEDDED.as_ref()
}

/// What the rules say of each word, for the conjunction features (bits of a `u8`).
pub mod role {
    pub const NEGATOR: u8 = 1;
    pub const AGAIN: u8 = 2;
    pub const WAIT: u8 = 4;
    pub const SPAN: u8 = 8;
    pub const NUMBER: u8 = 16;
    pub const PRAISE: u8 = 32;
    pub const COMPLAINT: u8 = 64;
    pub const QUESTION: u8 = 128;
}

/// How the rules and the model share the verdict, as the trainer chose it on its dev split:
/// the rules' hold, the praise and neutral thresholds, and a complaint threshold per language,
/// with another for a plain mention ([`Blend::plain`]) and the neutral probability that voids a
/// firm complaint of the rules ([`Blend::firm_neutral`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub rules_hold: f32,
    pub praise: f32,
    pub neutral: f32,
    /// In [`Lang::ALL`] order, then the one for a mention with no language.
    pub complaint: [f32; THRESHOLD_SLOTS],
    /// The same slots: the complaint threshold for a plain mention, where it is above
    /// `complaint` (0: none of its own).
    pub plain: [f32; THRESHOLD_SLOTS],
    /// The same slots: the neutral probability at which the model voids a firm complaint of
    /// the rules ([`Blend::firm_neutral`]; above 1: never).
    pub firm: [f32; THRESHOLD_SLOTS],
}

impl Thresholds {
    /// The blend for a mention in `lang`.
    pub fn blend(&self, lang: Option<Lang>) -> Blend {
        let slot = lang
            .and_then(|l| Lang::ALL.iter().position(|x| *x == l))
            .unwrap_or(Lang::ALL.len());
        Blend {
            rules_hold: self.rules_hold,
            complaint: self.complaint[slot],
            plain: self.plain[slot],
            firm_neutral: self.firm[slot],
            praise: self.praise,
            neutral: self.neutral,
            disagree: super::sentiment::DISAGREE,
            firm_disagree: super::sentiment::FIRM_DISAGREE,
        }
    }
}

/// The networks the file may hold (their sums live on the stack).
pub const MAX_NETS: usize = 4;

/// A few networks over the same features, their class probabilities averaged, and one set of
/// thresholds for the average. Each network: averaged `i8` embeddings of hashed features -> one
/// ReLU hidden layer -> three classes. Networks trained from different seeds disagree most where
/// each is least sure, so their average is steadier than any one of them (docs/sentiment.md).
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    bits: u8,
    dim: usize,
    hidden: usize,
    nets: Vec<Net>,
    /// `nets x dim` `i8` weights a bucket, stored as bytes, bucket-major: a feature's rows for
    /// every network are adjacent, so a feature costs one memory fetch however many networks
    /// read it. Borrowed from the binary for the embedded model.
    embeddings: Cow<'static, [u8]>,
    pub thresholds: Thresholds,
}

/// One network's dense weights (its embeddings are the model's, interleaved).
#[derive(Debug, Clone, PartialEq)]
struct Net {
    /// The network's embeddings' one scale: a weight is `i8 * scale`.
    scale: f32,
    /// `hidden x dim`, row-major, and `hidden` biases.
    w1: Vec<f32>,
    b1: Vec<f32>,
    /// `3 x hidden`, row-major, and three biases.
    w2: Vec<f32>,
    b2: [f32; 3],
}

/// The float weights the trainer learns, before quantising.
#[derive(Debug, Clone)]
pub struct FloatWeights {
    pub bits: u8,
    pub dim: usize,
    pub hidden: usize,
    pub embeddings: Vec<f32>,
    pub w1: Vec<f32>,
    pub b1: Vec<f32>,
    pub w2: Vec<f32>,
    pub b2: [f32; 3],
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    #[error("not a sentiment model file (or one for other features: retrain it)")]
    Magic,
    #[error("bucket bits {0} out of range 8..=24")]
    Bits(u8),
    #[error("embedding width {dim} or hidden layer {hidden} out of range 1..=64")]
    Shape { dim: usize, hidden: usize },
    #[error("{0} networks: a model holds 1 to 4, all of one shape")]
    Nets(usize),
    #[error("expected {expected} bytes of weights, found {found}")]
    Length { expected: usize, found: usize },
}

fn check_shape(bits: u8, dim: usize, hidden: usize) -> Result<(), ModelError> {
    if !(8..=24).contains(&bits) {
        return Err(ModelError::Bits(bits));
    }
    if !(1..=MAX_DIM).contains(&dim) || !(1..=MAX_HIDDEN).contains(&hidden) {
        return Err(ModelError::Shape { dim, hidden });
    }
    Ok(())
}

/// The thresholds' floats, after the header: hold, praise, neutral, complaint, plain, firm.
const THRESHOLD_FLOATS: usize = 3 + 3 * THRESHOLD_SLOTS;

/// One network's floats: scale, w1, b1, w2, b2.
fn net_floats(dim: usize, hidden: usize) -> usize {
    1 + hidden * dim + hidden + 3 * hidden + 3
}

/// Header: magic, bits (u8), dim (u8), hidden (u8), networks (u8). Then the thresholds, each
/// network's floats, and the interleaved embeddings.
const HEADER: usize = 8 + 4;

impl Model {
    /// Quantises each network's embeddings to `i8` (one scale a network; the small dense layers
    /// stay `f32`) and interleaves them.
    pub fn quantise(weights: &[FloatWeights], thresholds: Thresholds) -> Result<Model, ModelError> {
        let Some(first) = weights.first() else {
            return Err(ModelError::Nets(0));
        };
        let FloatWeights { bits, dim, hidden, .. } = *first;
        check_shape(bits, dim, hidden)?;
        if weights.len() > MAX_NETS || weights.iter().any(|w| (w.bits, w.dim, w.hidden) != (bits, dim, hidden)) {
            return Err(ModelError::Nets(weights.len()));
        }
        for w in weights {
            let sizes = [
                (w.embeddings.len(), dim << bits),
                (w.w1.len(), hidden * dim),
                (w.b1.len(), hidden),
                (w.w2.len(), 3 * hidden),
            ];
            for (found, expected) in sizes {
                if found != expected {
                    return Err(ModelError::Length { expected, found });
                }
            }
        }
        let scales: Vec<f32> = weights
            .iter()
            .map(|w| {
                let max = w.embeddings.iter().fold(0f32, |m, x| m.max(x.abs()));
                if max > 0.0 {
                    max / 127.0
                } else {
                    1.0
                }
            })
            .collect();
        let mut embeddings = Vec::with_capacity(weights.len() * (dim << bits));
        for bucket in 0..1usize << bits {
            for (w, scale) in weights.iter().zip(&scales) {
                let row = &w.embeddings[bucket * dim..(bucket + 1) * dim];
                embeddings.extend(row.iter().map(|x| (x / scale).round().clamp(-127.0, 127.0) as i8 as u8));
            }
        }
        let nets = weights
            .iter()
            .zip(scales)
            .map(|(w, scale)| Net {
                scale,
                w1: w.w1.clone(),
                b1: w.b1.clone(),
                w2: w.w2.clone(),
                b2: w.b2,
            })
            .collect();
        Ok(Model {
            bits,
            dim,
            hidden,
            nets,
            embeddings: Cow::Owned(embeddings),
            thresholds,
        })
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.size());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&[self.bits, self.dim as u8, self.hidden as u8, self.nets.len() as u8]);
        let t = &self.thresholds;
        let head = [t.rules_hold, t.praise, t.neutral];
        let nets = self.nets.iter().flat_map(|net| {
            std::iter::once(&net.scale)
                .chain(&net.w1)
                .chain(&net.b1)
                .chain(&net.w2)
                .chain(&net.b2)
        });
        for f in head
            .iter()
            .chain(&t.complaint)
            .chain(&t.plain)
            .chain(&t.firm)
            .chain(nets)
        {
            out.extend_from_slice(&f.to_le_bytes());
        }
        out.extend_from_slice(&self.embeddings);
        out
    }

    /// Reads a weights file (its embeddings copied).
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelError> {
        Self::parse(bytes, |e| Cow::Owned(e.to_vec()))
    }

    /// Reads a weights file the binary holds (its embeddings borrowed).
    pub fn from_static(bytes: &'static [u8]) -> Result<Model, ModelError> {
        Self::parse(bytes, Cow::Borrowed)
    }

    fn parse<'a>(bytes: &'a [u8], embeddings: impl Fn(&'a [u8]) -> Cow<'static, [u8]>) -> Result<Model, ModelError> {
        if bytes.len() < HEADER || &bytes[..8] != MAGIC {
            return Err(ModelError::Magic);
        }
        let (bits, dim, hidden, count) = (
            bytes[8],
            usize::from(bytes[9]),
            usize::from(bytes[10]),
            usize::from(bytes[11]),
        );
        check_shape(bits, dim, hidden)?;
        if !(1..=MAX_NETS).contains(&count) {
            return Err(ModelError::Nets(count));
        }
        let floats = THRESHOLD_FLOATS + count * net_floats(dim, hidden);
        let expected = 4 * floats + count * (dim << bits);
        let found = bytes.len() - HEADER;
        if found != expected {
            return Err(ModelError::Length { expected, found });
        }
        let values: Vec<f32> = bytes[HEADER..HEADER + 4 * floats]
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        let (head, rest) = values.split_at(3);
        let (complaint, rest) = rest.split_at(THRESHOLD_SLOTS);
        let (plain, rest) = rest.split_at(THRESHOLD_SLOTS);
        let (firm, rest) = rest.split_at(THRESHOLD_SLOTS);
        let mut thresholds = Thresholds {
            rules_hold: head[0],
            praise: head[1],
            neutral: head[2],
            complaint: [0.0; THRESHOLD_SLOTS],
            plain: [0.0; THRESHOLD_SLOTS],
            firm: [0.0; THRESHOLD_SLOTS],
        };
        thresholds.complaint.copy_from_slice(complaint);
        thresholds.plain.copy_from_slice(plain);
        thresholds.firm.copy_from_slice(firm);
        let nets = rest
            .chunks_exact(net_floats(dim, hidden))
            .map(|values| {
                let (scale, rest) = values.split_at(1);
                let (w1, rest) = rest.split_at(hidden * dim);
                let (b1, rest) = rest.split_at(hidden);
                let (w2, b2) = rest.split_at(3 * hidden);
                Net {
                    scale: scale[0],
                    w1: w1.to_vec(),
                    b1: b1.to_vec(),
                    w2: w2.to_vec(),
                    b2: [b2[0], b2[1], b2[2]],
                }
            })
            .collect();
        Ok(Model {
            bits,
            dim,
            hidden,
            nets,
            embeddings: embeddings(&bytes[HEADER + 4 * floats..]),
            thresholds,
        })
    }

    pub fn bits(&self) -> u8 {
        self.bits
    }

    /// How many networks are averaged.
    pub fn networks(&self) -> usize {
        self.nets.len()
    }

    /// Bytes the model takes in the binary.
    pub fn size(&self) -> usize {
        HEADER + 4 * (THRESHOLD_FLOATS + self.nets.len() * net_floats(self.dim, self.hidden)) + self.embeddings.len()
    }

    /// Class probabilities (in [`CLASSES`] order) for a tokenised text: the features are
    /// hashed once, and every network adds its embedding of each.
    ///
    /// The buckets are gathered first and their rows added in a tight loop after: the rows'
    /// fetches from memory (what the model's cost mostly is) then overlap, instead of each
    /// waiting behind the hashing of the next feature. Integer sums: the order changes nothing.
    pub(super) fn probabilities(&self, tokens: &[Token<'_>], roles: &[u8], lang: Option<Lang>, rules: f32) -> [f32; 3] {
        let mut sums = [[0i32; MAX_DIM]; MAX_NETS];
        let mut pending = [0u32; 256];
        let (mut len, mut n) = (0usize, 0u32);
        for_each_feature(tokens, roles, lang, rules, self.bits, |bucket| {
            pending[len] = bucket;
            len += 1;
            n += 1;
            if len == pending.len() {
                self.add_all(&mut sums, &pending);
                len = 0;
            }
        });
        self.add_all(&mut sums, &pending[..len]);
        self.average(&sums, n)
    }

    /// Class probabilities for features already hashed (`sentiment::model_features`).
    pub fn probabilities_of(&self, features: &[u32]) -> [f32; 3] {
        let mut sums = [[0i32; MAX_DIM]; MAX_NETS];
        self.add_all(&mut sums, features);
        self.average(&sums, features.len() as u32)
    }

    /// Adds each feature's row of each network to that network's sum (the shipped width, 32,
    /// with the loops' lengths known to the compiler).
    fn add_all(&self, sums: &mut [[i32; MAX_DIM]; MAX_NETS], buckets: &[u32]) {
        // One byte of each feature's rows read first, in a loop of independent loads: the
        // rows' cache lines are fetched side by side, and the adds below find them there.
        let touched = buckets
            .iter()
            .fold(0u8, |t, b| t ^ self.rows(*b).first().copied().unwrap_or(0));
        std::hint::black_box(touched);
        match self.dim {
            32 => self.add_rows::<32>(sums, buckets),
            _ => {
                for bucket in buckets {
                    for (sum, row) in sums.iter_mut().zip(self.rows(*bucket).chunks_exact(self.dim)) {
                        for (s, w) in sum.iter_mut().zip(row) {
                            *s += i32::from(*w as i8);
                        }
                    }
                }
            }
        }
    }

    fn add_rows<const D: usize>(&self, sums: &mut [[i32; MAX_DIM]; MAX_NETS], buckets: &[u32]) {
        for bucket in buckets {
            for (sum, row) in sums.iter_mut().zip(self.rows(*bucket).chunks_exact(D)) {
                let (Some(sum), Ok(row)) = (sum.first_chunk_mut::<D>(), <&[u8; D]>::try_from(row)) else {
                    continue;
                };
                for k in 0..D {
                    sum[k] += i32::from(row[k] as i8);
                }
            }
        }
    }

    /// A feature's rows, every network's side by side (`bucket < 1 << bits`, so they are there;
    /// none for a bucket outside the table).
    #[inline]
    fn rows(&self, bucket: u32) -> &[u8] {
        let width = self.dim * self.nets.len();
        let at = bucket as usize * width;
        self.embeddings.get(at..at + width).unwrap_or_default()
    }

    /// The networks' class probabilities, averaged.
    fn average(&self, sums: &[[i32; MAX_DIM]; MAX_NETS], n: u32) -> [f32; 3] {
        let mut p = [0f32; 3];
        for (net, sum) in self.nets.iter().zip(sums) {
            let q = net.output(sum, n, self.dim, self.hidden);
            for (p, q) in p.iter_mut().zip(q) {
                *p += q;
            }
        }
        p.map(|p| p / self.nets.len() as f32)
    }
}

impl Net {
    /// The embeddings' sum over `sqrt(n)` (a long mention is not surer for its length)
    /// through the hidden layer to the class probabilities.
    fn output(&self, sum: &[i32; MAX_DIM], n: u32, dim: usize, hidden: usize) -> [f32; 3] {
        let norm = self.scale / (n.max(1) as f32).sqrt();
        let mut x = [0f32; MAX_DIM];
        for (x, s) in x.iter_mut().zip(&sum[..dim]) {
            *x = *s as f32 * norm;
        }
        let mut logits = self.b2;
        for j in 0..hidden {
            let z = self.b1[j] + dot(&self.w1[j * dim..(j + 1) * dim], &x[..dim]);
            if z > 0.0 {
                for (c, logit) in logits.iter_mut().enumerate() {
                    *logit += self.w2[c * hidden + j] * z;
                }
            }
        }
        softmax(logits)
    }
}

/// A dot product summed in eight lanes: the adds of one lane do not wait on the others', so a
/// row costs a few steps rather than one step a weight (since the fourteenth session; the
/// order of the float adds is part of the model, and the trainer scores with this function).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let whole = a.len().min(b.len()) / 8 * 8;
    let mut lanes = [0f32; 8];
    for (a, b) in a[..whole].chunks_exact(8).zip(b[..whole].chunks_exact(8)) {
        for k in 0..8 {
            lanes[k] += a[k] * b[k];
        }
    }
    let tail: f32 = a[whole..].iter().zip(&b[whole..]).map(|(a, b)| a * b).sum();
    lanes.iter().sum::<f32>() + tail
}

pub fn softmax(logits: [f32; 3]) -> [f32; 3] {
    let max = logits.iter().fold(f32::NEG_INFINITY, |m, l| m.max(*l));
    let exp = logits.map(|l| (l - max).exp());
    let sum: f32 = exp.iter().sum();
    exp.map(|e| e / sum)
}

/// Golden-ratio multiplier: spreads a hash's bits into its top bits (Fibonacci hashing).
const SPREAD: u64 = 0x9E37_79B9_7F4A_7C15;
/// Multiplier of the byte and character hashes (an odd 64-bit constant with mixed bits).
const STEP: u64 = 0xFF51_AFD7_ED55_8CCD;

#[inline]
fn step(h: u64, x: u64) -> u64 {
    (h ^ x).wrapping_mul(STEP).rotate_left(29)
}

fn hash_bytes(seed: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(seed, |h, b| step(h, u64::from(*b)))
}

// Seeds that keep the kinds of feature apart.
const UNIGRAM: u64 = 1;
const BIGRAM: u64 = 2;
const LANGUAGE: u64 = 4;
const EMOJI: u64 = 5;
const MARK: u64 = 6;
const RULES: u64 = 7;
const SENTENCE_ROLES: u64 = 8;
const MENTION_ROLES: u64 = 9;
const WITH_SPAN: u64 = 10;
const WITH_NEGATOR: u64 = 11;
const WITH_AGAIN: u64 = 12;
const NUMBERS: u64 = 13;
const OPENER: u64 = 14;
const STEM: u64 = 15;
/// A word of at least `STEM_FROM` letters also gives its first `STEM_LETTERS` as a feature.
const STEM_FROM: usize = 5;
const STEM_LETTERS: usize = 4;
/// The rules' sum, cut into bands (negative to positive): the model learns how far to trust
/// each, a strong band more than a weak one.
const RULE_BANDS: [f32; 6] = [-2.0, -1.0, -0.3, 0.3, 1.0, 2.0];
/// Stand-ins for what is not a word, in bigrams and marks.
const NUMBER: u64 = 0x4E55_4D42;
const SENTENCE_START: u64 = 0x5354_4152;
const CLAUSE_START: u64 = 0x434C_4155;

/// The roles of each sentence's words together (the `role` bits, and `QUESTION` when it ends
/// with `?`), one entry per token: what a word's neighbours in its sentence are.
fn sentence_roles(tokens: &[Token<'_>], roles: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; tokens.len()];
    let mut start = 0;
    let mut mask = 0u8;
    for (i, token) in tokens.iter().enumerate() {
        mask |= roles.get(i).copied().unwrap_or(0);
        let end = match token {
            Token::SentenceEnd { question, .. } => {
                if *question {
                    mask |= role::QUESTION;
                }
                true
            }
            _ => i + 1 == tokens.len(),
        };
        if end {
            out[start..=i].iter_mut().for_each(|m| *m = mask);
            start = i + 1;
            mask = 0;
        }
    }
    out
}

/// Every feature of a tokenised text, as a bucket below `1 << bits` (repeats count again):
/// - the language; each word (numbers as one word) and each pair of adjacent words in a
///   clause; emoji by sign; a question; a quotation; the band of the rules' sum (character
///   n-grams were tried and dropped: as good on the dev split without them, and they were
///   three quarters of the cost);
/// - conjunctions, from what the rules say of each word (`roles`, one per token): the roles
///   met in each sentence together, and in the whole mention; each word of a sentence that
///   holds a span of time or a number, a negator, or "again", marked as such ("20 minutes
///   ... nobody" is not "20 minutes ... as they said"); praise in the first clause with a
///   failure after it (sarcasm); whether the second number is above the first (a price
///   against its quote).
///
/// Used alike by the trainer and at run time.
pub(super) fn for_each_feature(
    tokens: &[Token<'_>],
    roles: &[u8],
    lang: Option<Lang>,
    rules: f32,
    bits: u8,
    mut emit: impl FnMut(u32),
) {
    let shift = 64 - u32::from(bits);
    let mut put = |h: u64| emit((h.wrapping_mul(SPREAD) >> shift) as u32);
    put(hash_bytes(LANGUAGE, lang.map_or("", |l| l.code()).as_bytes()));
    let band = RULE_BANDS.iter().filter(|edge| rules > **edge).count() as u64;
    put(step(RULES, band));
    let sentences = sentence_roles(tokens, roles);
    let mention = sentences.iter().fold(0u8, |m, s| m | s);
    put(step(MENTION_ROLES, u64::from(mention & !role::QUESTION)));
    let mut prev = SENTENCE_START;
    let (mut first_number, mut second_number) = (None::<u64>, None::<u64>);
    // The first clause's roles, and the roles after it.
    let (mut opener, mut rest, mut in_opener) = (0u8, 0u8, true);
    for (i, token) in tokens.iter().enumerate() {
        let mask = sentences[i];
        if i == 0 || matches!(tokens[i - 1], Token::SentenceEnd { .. }) {
            put(step(SENTENCE_ROLES, u64::from(mask)));
        }
        let own = roles.get(i).copied().unwrap_or(0);
        if in_opener {
            opener |= own;
        } else {
            rest |= own;
        }
        match *token {
            Token::Word(word) => {
                let number = word.bytes().all(|b| b.is_ascii_digit());
                let this = if number {
                    if first_number.is_none() {
                        first_number = word.parse().ok();
                    } else if second_number.is_none() {
                        second_number = word.parse().ok();
                    }
                    NUMBER
                } else if word.is_ascii() || !text::has_cyrillic(word) {
                    if let Some(stem) = stem(word) {
                        put(stem);
                    }
                    hash_bytes(UNIGRAM, word.as_bytes())
                } else {
                    // Cyrillic in Latin letters: Serbian's two scripts are one word, and Russian
                    // and Ukrainian roots meet those of the Latin-script Slavic languages.
                    let latin = text::latinize(word);
                    if let Some(stem) = stem(&latin) {
                        put(stem);
                    }
                    hash_bytes(UNIGRAM, latin.as_bytes())
                };
                put(this);
                put(step(step(BIGRAM, prev), this));
                prev = this;
                if mask & (role::SPAN | role::NUMBER) != 0 && own & (role::SPAN | role::NUMBER) == 0 {
                    put(step(WITH_SPAN, this));
                }
                if mask & role::NEGATOR != 0 && own & role::NEGATOR == 0 {
                    put(step(WITH_NEGATOR, this));
                }
                if mask & role::AGAIN != 0 && own & role::AGAIN == 0 {
                    put(step(WITH_AGAIN, this));
                }
            }
            Token::Emo(weight) => {
                let sign = if weight > 0.0 {
                    1
                } else if weight < 0.0 {
                    2
                } else {
                    3
                };
                put(step(EMOJI, sign));
            }
            Token::ClauseEnd => {
                prev = CLAUSE_START;
                in_opener = false;
            }
            Token::Quote(_) => put(step(MARK, 1)),
            Token::SentenceEnd { question, .. } => {
                if question {
                    put(step(MARK, 2));
                }
                prev = SENTENCE_START;
                in_opener = false;
            }
        }
    }
    // Praise first, then a failure: "Great, they lost my key again."
    let failure = role::COMPLAINT | role::NEGATOR | role::AGAIN;
    if opener & role::PRAISE != 0 && rest & failure != 0 {
        put(step(OPENER, u64::from(rest & failure)));
    }
    if let (Some(first), Some(second)) = (first_number, second_number) {
        put(step(NUMBERS, u64::from(second > first)));
    }
}

/// A word's first `STEM_LETTERS` letters, when it has `STEM_FROM` or more: what an inflected
/// word shares with its other forms (`čekám`, `čekali`, `чекаю` -> `ceka`), and related
/// languages' words with each other. A shorter word has its unigram only.
fn stem(word: &str) -> Option<u64> {
    let mut letters = word.char_indices();
    letters.clone().nth(STEM_FROM - 1)?;
    let end = letters.nth(STEM_LETTERS).map_or(word.len(), |(i, _)| i);
    Some(hash_bytes(STEM, &word.as_bytes()[..end]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listening::sentiment::model_features;

    #[test]
    fn the_embedded_model_is_there_and_valid() {
        // GIVEN the weights the build embeds (src/listening/sentiment_model.bin)
        let model = embedded().expect("sentiment_model.bin should parse: run the trainer");
        // THEN it reads back byte for byte, is under 3 MB a network, and no network's
        // embeddings are all zero
        assert!(model.size() < 3_000_000 * model.networks(), "{} bytes", model.size());
        // (read where the binary holds them, not copied)
        let width = model.dim * model.networks();
        for k in 0..model.networks() {
            let nonzero = model
                .embeddings
                .chunks_exact(width)
                .flat_map(|rows| &rows[k * model.dim..(k + 1) * model.dim])
                .filter(|w| **w != 0)
                .count();
            assert!(nonzero > 100_000, "network {k}: {nonzero} weights not zero");
        }
        assert!(matches!(model.embeddings, Cow::Borrowed(_)));
        assert_eq!(Model::from_bytes(&model.to_bytes()).as_ref(), Ok(model));
        // and every language has a complaint threshold the blend can use
        assert!(model.thresholds.complaint.iter().all(|t| (0.0..=1.0).contains(t)));
    }

    fn tiny(bits: u8, dim: usize, hidden: usize) -> FloatWeights {
        FloatWeights {
            bits,
            dim,
            hidden,
            embeddings: vec![0.0; dim << bits],
            w1: vec![0.0; hidden * dim],
            b1: vec![0.0; hidden],
            w2: vec![0.0; 3 * hidden],
            b2: [0.0; 3],
        }
    }

    const THRESHOLDS: Thresholds = Thresholds {
        rules_hold: 3.0,
        praise: 0.9,
        neutral: 0.5,
        complaint: [0.7; THRESHOLD_SLOTS],
        plain: [0.8; THRESHOLD_SLOTS],
        firm: [0.72; THRESHOLD_SLOTS],
    };

    #[test]
    fn a_bad_weights_file_is_named_not_used() {
        assert_eq!(Model::from_bytes(b"not a model at all, really"), Err(ModelError::Magic));
        let mut short = tiny(8, 4, 2);
        short.w1.pop();
        assert_eq!(
            Model::quantise(&[short], THRESHOLDS),
            Err(ModelError::Length { expected: 8, found: 7 })
        );
        assert_eq!(
            Model::quantise(&[tiny(8, 65, 2)], THRESHOLDS),
            Err(ModelError::Shape { dim: 65, hidden: 2 })
        );
        let mut bytes = Model::quantise(&[tiny(8, 4, 2)], THRESHOLDS).unwrap().to_bytes();
        bytes.pop();
        assert!(matches!(Model::from_bytes(&bytes), Err(ModelError::Length { .. })));
        bytes[8] = 40;
        assert_eq!(Model::from_bytes(&bytes), Err(ModelError::Bits(40)));
    }

    #[test]
    fn the_network_is_computed_from_the_quantised_embeddings() {
        // GIVEN two embedding dimensions, one hidden unit that passes the first, and an output
        // that reads that unit as a complaint
        let mut w = tiny(8, 2, 1);
        w.embeddings[2] = 2.0; // bucket 1, dimension 0 (the largest: scale 2/127)
        w.embeddings[4] = 1.0; // bucket 2, dimension 0
        w.embeddings[5] = -1.0; // bucket 2, dimension 1
        w.w1 = vec![1.0, 0.0];
        w.b1 = vec![0.0];
        w.w2 = vec![1.5, 0.0, 0.0];
        w.b2 = [0.0, 0.2, 0.0];
        let model = Model::quantise(std::slice::from_ref(&w), THRESHOLDS).unwrap();
        let quantised: Vec<i8> = model.embeddings[2..6].iter().map(|b| *b as i8).collect();
        assert_eq!(quantised, [127, 0, 64, -64]);
        // WHEN one text has features 1 and 2: dimension 0 sums 127 + 64 steps, over sqrt(2)
        let p = model.probabilities_of(&[1, 2]);
        let hidden = (127.0 + 64.0) / 2f32.sqrt() * 2.0 / 127.0;
        let expected = softmax([1.5 * hidden, 0.2, 0.0]);
        for c in 0..3 {
            assert!((p[c] - expected[c]).abs() < 1e-5, "{p:?} {expected:?}");
        }
        // AND a hidden unit below zero passes nothing (ReLU): only the output biases are left
        let mut w = w.clone();
        w.embeddings[6] = -1.0; // bucket 3, dimension 0
        let model = Model::quantise(std::slice::from_ref(&w), THRESHOLDS).unwrap();
        let p = model.probabilities_of(&[3]);
        let expected = softmax([0.0, 0.2, 0.0]);
        for c in 0..3 {
            assert!((p[c] - expected[c]).abs() < 1e-6, "{p:?} {expected:?}");
        }
        // AND the file reads back the same
        assert_eq!(Model::from_bytes(&model.to_bytes()), Ok(model));
    }

    #[test]
    fn networks_are_averaged_and_read_back() {
        // GIVEN two networks of one shape: one reads feature 1 as a complaint, the other as
        // praise
        let mut complaint = tiny(8, 2, 1);
        complaint.embeddings[2] = 1.0; // bucket 1, dimension 0
        complaint.w1 = vec![1.0, 0.0];
        complaint.w2 = vec![2.0, 0.0, 0.0];
        // (through its own embedding: bucket 1, dimension 1)
        let mut praise = complaint.clone();
        praise.embeddings[2] = 0.0;
        praise.embeddings[3] = 0.5;
        praise.w1 = vec![0.0, 1.0];
        praise.w2 = vec![0.0, 0.0, 2.0];
        let one = Model::quantise(std::slice::from_ref(&complaint), THRESHOLDS).unwrap();
        let other = Model::quantise(std::slice::from_ref(&praise), THRESHOLDS).unwrap();
        let both = Model::quantise(&[complaint.clone(), praise], THRESHOLDS).unwrap();
        // WHEN a text has feature 1
        let (p, q, r) = (
            one.probabilities_of(&[1]),
            other.probabilities_of(&[1]),
            both.probabilities_of(&[1]),
        );
        // THEN the pair gives the mean of the two
        for c in 0..3 {
            assert!((r[c] - (p[c] + q[c]) / 2.0).abs() < 1e-6, "{r:?} {p:?} {q:?}");
        }
        assert!(p[0] > 0.5 && q[2] > 0.4 && r[0] < p[0]);
        // AND the file holds both, reads back the same and is the size it says
        let bytes = both.to_bytes();
        assert_eq!(bytes.len(), both.size());
        assert_eq!(Model::from_bytes(&bytes).as_ref(), Ok(&both));
        assert_eq!(both.networks(), 2);
        // AND networks of two shapes, none, or more than the file holds are refused by name
        assert_eq!(
            Model::quantise(&[complaint.clone(), tiny(8, 3, 1)], THRESHOLDS),
            Err(ModelError::Nets(2))
        );
        assert_eq!(Model::quantise(&[], THRESHOLDS), Err(ModelError::Nets(0)));
        assert_eq!(
            Model::quantise(&vec![complaint; MAX_NETS + 1], THRESHOLDS),
            Err(ModelError::Nets(MAX_NETS + 1))
        );
        let mut bytes = bytes;
        bytes[11] = 0;
        assert_eq!(Model::from_bytes(&bytes), Err(ModelError::Nets(0)));
    }

    #[test]
    fn thresholds_are_per_language() {
        let mut t = THRESHOLDS;
        t.complaint[1] = 0.6; // Russian, second in Lang::ALL
        t.complaint[THRESHOLD_SLOTS - 1] = 0.95;
        assert_eq!(t.blend(Some(Lang::Ru)).complaint, 0.6);
        assert_eq!(t.blend(Some(Lang::En)).complaint, 0.7);
        assert_eq!(t.blend(None).complaint, 0.95);
    }

    #[test]
    fn features_are_the_same_every_time_and_inside_the_table() {
        let text = "Čekám už 3 týdny, pořád nic 🙄. Is it open on Sunday?";
        let a = model_features(text, Some(Lang::Cs), 16);
        assert_eq!(a, model_features(text, Some(Lang::Cs), 16));
        assert!(a.iter().all(|b| *b < 1 << 16));
        // Numbers are one word: "3 weeks" and "4 weeks" differ in no feature.
        assert_eq!(
            model_features("waited 3 weeks", Some(Lang::En), 16),
            model_features("waited 4 weeks", Some(Lang::En), 16)
        );
        // The language is a feature.
        assert_ne!(a, model_features(text, Some(Lang::Sk), 16));
        // Text with nothing in it still has the language, the rules' band and the roles.
        assert_eq!(model_features("", None, 16).len(), 3);
    }

    #[test]
    fn a_wait_beside_a_negator_is_a_feature_a_wait_as_told_is_not() {
        // GIVEN a wait told with a negator and one told as expected
        let bucket = |h: u64| (h.wrapping_mul(SPREAD) >> (64 - 16)) as u32;
        let nobody = model_features("waited 20 minutes and nobody came", Some(Lang::En), 16);
        let told = model_features("waited 20 minutes, as they said", Some(Lang::En), 16);
        // THEN the words beside the number are marked as such in both ...
        let came = hash_bytes(UNIGRAM, b"came");
        let said = hash_bytes(UNIGRAM, b"said");
        assert!(nobody.contains(&bucket(step(WITH_SPAN, came))));
        assert!(told.contains(&bucket(step(WITH_SPAN, said))));
        // ... and beside a negator only where the rules found one ("nobody")
        assert!(nobody.contains(&bucket(step(WITH_NEGATOR, came))));
        assert!(!told.contains(&bucket(step(WITH_NEGATOR, said))));
        // AND a higher second number is its own feature ("quoted 300, charged 540")
        let higher = bucket(step(NUMBERS, 1));
        assert!(model_features("quoted 300, charged 540", Some(Lang::En), 16).contains(&higher));
        assert!(!model_features("quoted 540, charged 300", Some(Lang::En), 16).contains(&higher));
    }

    #[test]
    fn cyrillic_is_read_in_latin_letters_and_inflected_forms_share_a_stem() {
        let bucket = |h: u64| (h.wrapping_mul(SPREAD) >> (64 - 16)) as u32;
        // GIVEN one Serbian mention in its two scripts: the same words, so the same features
        let latin = model_features("Čekam već dve nedelje.", Some(Lang::Sr), 16);
        let cyrillic = model_features("Чекам већ две недеље.", Some(Lang::Sr), 16);
        assert!(latin.contains(&bucket(hash_bytes(UNIGRAM, b"cekam"))), "{latin:?}");
        assert_eq!(latin, cyrillic);
        // AND forms of one verb in Czech, Ukrainian and Polish share their first four letters
        // (a word of five letters or more), while a short word has no stem of its own
        let ceka = bucket(hash_bytes(STEM, b"ceka"));
        assert!(model_features("Čekali jsme.", Some(Lang::Cs), 16).contains(&ceka));
        assert!(model_features("Чекаю досі.", Some(Lang::Uk), 16).contains(&ceka));
        assert!(!model_features("Czekam.", Some(Lang::Pl), 16).contains(&ceka));
        assert_eq!(stem("cekali"), Some(hash_bytes(STEM, b"ceka")));
        assert_eq!(stem("ceka"), None);
    }

    #[test]
    fn praise_opening_a_failure_is_a_feature() {
        // GIVEN praise in the first clause, then a failure, or then none
        let bucket = |h: u64| (h.wrapping_mul(SPREAD) >> (64 - 16)) as u32;
        let sarcasm = model_features("Great, they lost my key again.", Some(Lang::En), 16);
        let praise = model_features("Great, they found my key.", Some(Lang::En), 16);
        // The feature carries which failures followed: any of them will do here.
        let failure = role::COMPLAINT | role::NEGATOR | role::AGAIN;
        let any_opener = |features: &[u32]| {
            (1..=failure)
                .filter(|r| r & !failure == 0)
                .any(|r| features.contains(&bucket(step(OPENER, u64::from(r)))))
        };
        assert!(any_opener(&sarcasm));
        assert!(!any_opener(&praise));
    }
}
