//! The learned half of sentiment: a linear model over hashed word and character n-grams, trained
//! in this repository (`examples/train_sentiment.rs`) and embedded in the binary.
//!
//! Rules read explicit words, negation and quoting well and say why; they do not scale to
//! opinions told as facts ("day 9 and still no call back", "quoted 300, charged 540. Cool cool
//! cool."). The model reads those from the words and word pieces people use for them, in every
//! language, with no weights fetched at run time. docs/sentiment.md has the figures and how to
//! retrain.

use super::sentiment::{Sentiment, Token};
use super::Lang;
use std::sync::LazyLock;

/// The classes the model scores, in the order of its weights.
pub const CLASSES: [Sentiment; 3] = [Sentiment::Negative, Sentiment::Neutral, Sentiment::Positive];

/// The weights file's first bytes, and the version of the features it was trained on: a
/// change to [`for_each_feature`] must bump it, and the trainer be run again.
const MAGIC: &[u8; 8] = b"SRFNSM03";
/// Header: magic, bucket bits (u8), three padding bytes, scale (f32), three biases (f32).
const HEADER: usize = 8 + 4 + 4 + 12;
/// Words longer than this are not cut into character n-grams (links, garbage).
const MAX_WORD_CHARS: usize = 24;

static EMBEDDED: LazyLock<Option<Model>> =
    LazyLock::new(|| Model::from_bytes(include_bytes!("sentiment_model.bin")).ok());

/// The model shipped in the binary, if the build embeds a valid one (a unit test makes sure).
pub fn embedded() -> Option<&'static Model> {
    EMBEDDED.as_ref()
}

/// A linear model with `i8` weights: per hashed feature, one weight per class.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    bits: u8,
    scale: f32,
    bias: [f32; 3],
    /// `3 << bits` weights, bucket-major: a feature's three weights are adjacent.
    weights: Vec<i8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    #[error("not a sentiment model file (or one for other features: retrain it)")]
    Magic,
    #[error("bucket bits {0} out of range 8..=24")]
    Bits(u8),
    #[error("expected {expected} weights (a byte each), found {found}")]
    Length { expected: usize, found: usize },
}

impl Model {
    /// Quantises float weights (`3 << bits` of them, bucket-major) to `i8`.
    pub fn quantise(bits: u8, bias: [f32; 3], weights: &[f32]) -> Result<Model, ModelError> {
        if !(8..=24).contains(&bits) {
            return Err(ModelError::Bits(bits));
        }
        if weights.len() != 3 << bits {
            return Err(ModelError::Length {
                expected: 3 << bits,
                found: weights.len(),
            });
        }
        let max = weights.iter().fold(0f32, |m, w| m.max(w.abs()));
        let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
        let weights = weights
            .iter()
            .map(|w| (w / scale).round().clamp(-127.0, 127.0) as i8)
            .collect();
        Ok(Model {
            bits,
            scale,
            bias,
            weights,
        })
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER + self.weights.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&[self.bits, 0, 0, 0]);
        out.extend_from_slice(&self.scale.to_le_bytes());
        for b in self.bias {
            out.extend_from_slice(&b.to_le_bytes());
        }
        out.extend(self.weights.iter().map(|w| *w as u8));
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelError> {
        if bytes.len() < HEADER || &bytes[..8] != MAGIC {
            return Err(ModelError::Magic);
        }
        let bits = bytes[8];
        if !(8..=24).contains(&bits) {
            return Err(ModelError::Bits(bits));
        }
        let f32_at = |at: usize| f32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
        let expected = 3usize << bits;
        let found = bytes.len() - HEADER;
        if found != expected {
            return Err(ModelError::Length { expected, found });
        }
        Ok(Model {
            bits,
            scale: f32_at(12),
            bias: [f32_at(16), f32_at(20), f32_at(24)],
            weights: bytes[HEADER..].iter().map(|b| *b as i8).collect(),
        })
    }

    pub fn bits(&self) -> u8 {
        self.bits
    }

    /// Class probabilities (in [`CLASSES`] order) for a tokenised text.
    pub(super) fn probabilities(&self, tokens: &[Token<'_>], lang: Option<Lang>, rules: f32) -> [f32; 3] {
        let mut sums = [0i32; 3];
        let mut n = 0u32;
        for_each_feature(tokens, lang, rules, self.bits, |bucket| {
            self.add(&mut sums, bucket);
            n += 1;
        });
        self.softmax(sums, n)
    }

    /// Class probabilities for features already hashed (`sentiment::model_features`).
    pub fn probabilities_of(&self, features: &[u32]) -> [f32; 3] {
        let mut sums = [0i32; 3];
        for bucket in features {
            self.add(&mut sums, *bucket);
        }
        self.softmax(sums, features.len() as u32)
    }

    #[inline]
    fn add(&self, sums: &mut [i32; 3], bucket: u32) {
        let at = bucket as usize * 3;
        // `bucket < 1 << bits`, so the three weights are there.
        if let Some(w) = self.weights.get(at..at + 3) {
            sums[0] += i32::from(w[0]);
            sums[1] += i32::from(w[1]);
            sums[2] += i32::from(w[2]);
        }
    }

    /// Each feature counts `1 / sqrt(n)`, so long mentions are not surer for their length.
    fn softmax(&self, sums: [i32; 3], n: u32) -> [f32; 3] {
        let norm = self.scale / (n.max(1) as f32).sqrt();
        softmax([0, 1, 2].map(|c| self.bias[c] + sums[c] as f32 * norm))
    }
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
const NGRAM: u64 = 3;
const LANGUAGE: u64 = 4;
const EMOJI: u64 = 5;
const MARK: u64 = 6;
const RULES: u64 = 7;
/// The rules' sum, cut into bands (negative to positive): the model learns how far to trust
/// each, a strong band more than a weak one.
const RULE_BANDS: [f32; 6] = [-2.0, -1.0, -0.3, 0.3, 1.0, 2.0];
/// Stand-ins for what is not a word, in bigrams and marks.
const NUMBER: u64 = 0x4E55_4D42;
const SENTENCE_START: u64 = 0x5354_4152;
const CLAUSE_START: u64 = 0x434C_4155;

/// Every feature of a tokenised text, as a bucket below `1 << bits` (repeats count again):
/// the language; each word (numbers as one word) and each pair of adjacent words in a clause;
/// the character 3-, 4- and 5-grams of each word with its start and end marked (`^cek`,
/// `ame$`: stems and endings of inflected words); emoji by sign; a question; a quotation;
/// the band of the rules' sum. Used alike by the trainer and at run time.
pub(super) fn for_each_feature(
    tokens: &[Token<'_>],
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
    let mut prev = SENTENCE_START;
    let mut chars = [0u64; MAX_WORD_CHARS + 2];
    for token in tokens {
        match *token {
            Token::Word(word) => {
                let number = word.bytes().all(|b| b.is_ascii_digit());
                let this = if number {
                    NUMBER
                } else {
                    hash_bytes(UNIGRAM, word.as_bytes())
                };
                put(this);
                put(step(step(BIGRAM, prev), this));
                prev = this;
                if number {
                    continue;
                }
                // `^`, the word's characters, `$`.
                let mut len = 0;
                chars[0] = u64::from('^');
                for c in word.chars() {
                    len += 1;
                    if len > MAX_WORD_CHARS {
                        break;
                    }
                    chars[len] = u64::from(c);
                }
                if len > MAX_WORD_CHARS {
                    continue;
                }
                chars[len + 1] = u64::from('$');
                let marked = &chars[..len + 2];
                for start in 0..marked.len().saturating_sub(2) {
                    let mut h = step(NGRAM, marked[start]);
                    h = step(h, marked[start + 1]);
                    for (n, c) in marked[start + 2..].iter().take(3).enumerate() {
                        h = step(h, *c);
                        put(h ^ n as u64);
                    }
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
            Token::ClauseEnd => prev = CLAUSE_START,
            Token::Quote(_) => put(step(MARK, 1)),
            Token::SentenceEnd { question } => {
                if question {
                    put(step(MARK, 2));
                }
                prev = SENTENCE_START;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listening::sentiment::model_features;

    #[test]
    fn the_embedded_model_is_there_and_valid() {
        // GIVEN the weights the build embeds (src/listening/sentiment_model.bin)
        let model = embedded().expect("sentiment_model.bin should parse: run the trainer");
        // THEN it is the size the trainer writes, and its weights are not all zero
        assert_eq!(model.bits(), 16);
        assert!(model.weights.iter().filter(|w| **w != 0).count() > 10_000);
        assert_eq!(Model::from_bytes(&model.to_bytes()).as_ref(), Ok(model));
    }

    #[test]
    fn a_bad_weights_file_is_named_not_used() {
        assert_eq!(Model::from_bytes(b"not a model at all, really"), Err(ModelError::Magic));
        assert_eq!(
            Model::quantise(8, [0.0; 3], &[0.5; 10]),
            Err(ModelError::Length {
                expected: 768,
                found: 10
            })
        );
        let mut bytes = Model::quantise(8, [0.0; 3], &[0.5; 3 << 8]).unwrap().to_bytes();
        bytes.pop();
        assert_eq!(
            Model::from_bytes(&bytes),
            Err(ModelError::Length {
                expected: 768,
                found: 767
            })
        );
        bytes[8] = 40;
        assert_eq!(Model::from_bytes(&bytes), Err(ModelError::Bits(40)));
    }

    #[test]
    fn quantising_keeps_the_largest_weight_and_the_signs() {
        let mut weights = vec![0.0f32; 3 << 8];
        weights[0] = -2.0;
        weights[4] = 1.0;
        weights[5] = 0.004;
        let model = Model::quantise(8, [0.1, 0.2, 0.3], &weights).unwrap();
        assert_eq!(&model.weights[..6], &[-127, 0, 0, 0, 64, 0]);
        // One feature in bucket 1: logits are the bias plus its weights (x1, one feature).
        let p = model.probabilities_of(&[1]);
        let expected = softmax([0.1, 0.2 + 64.0 * 2.0 / 127.0, 0.3]);
        for c in 0..3 {
            assert!((p[c] - expected[c]).abs() < 1e-6, "{p:?} {expected:?}");
        }
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
        // Text with nothing in it still has the language and the rules' band.
        assert_eq!(model_features("", None, 16).len(), 2);
    }
}
