//! sarafan-core: the word-of-mouth domain (no I/O) and the adapters that give it storage.

pub mod listening;
pub mod nps;
pub mod text;

pub use nps::{Category, NpsSummary, Score};
