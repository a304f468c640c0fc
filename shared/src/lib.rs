//! sarafan-core: the word-of-mouth domain (no I/O) and the adapters that give it storage.

pub mod compounding;
pub mod durations;
pub mod export;
pub mod ledger;
pub mod model;
pub mod month;
pub mod nps;
pub mod referral;
pub mod report;
pub mod score_text;
pub mod store;
pub mod survey;
pub mod text;
pub mod themes;

pub use month::YearMonth;
pub use nps::{Category, NpsSummary, Score};
