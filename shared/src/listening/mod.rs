//! Social listening (no I/O): which configured terms a mention names, its language, its sentiment.

pub mod classifier;
pub mod eval;
pub mod kudos;
mod language;
pub mod learned;
mod lexicon;
pub mod matching;
pub mod sentiment;
pub mod spike;

pub use classifier::{Classification, Listening, MentionClassifier};
pub use language::{detect_language, Lang};
pub use matching::{match_mention, MentionMatch, TermSet};
pub use sentiment::{classify, classify_by_rules, classify_in, Sentiment, SentimentResult};
