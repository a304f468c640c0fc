//! How ingest classifies a mention: sarafan-core's listening classifier, shared with the listen
//! function.

pub use sarafan_core::listening::classifier::{Classification, Listening, MentionClassifier};
