//! sarafan-core: the word-of-mouth domain (no I/O) and the adapters that give it storage.

#[cfg(feature = "aws")]
pub mod aws;
#[cfg(feature = "chat")]
pub mod chat;
pub mod chat_ids;
pub mod clock;
pub mod compounding;
pub mod digest;
pub mod durations;
pub mod export;
pub mod html;
#[cfg(feature = "lambda")]
pub mod lambda;
pub mod ledger;
pub mod listening;
pub mod model;
pub mod month;
pub mod nps;
pub mod nps_change;
pub mod rate_change;
pub mod referral;
pub mod report;
pub mod report_link;
pub mod score_text;
#[cfg(feature = "secrets")]
pub mod secrets;
#[cfg(feature = "ses")]
pub mod ses;
pub mod settings;
#[cfg(any(test, feature = "test-support"))]
pub mod signing;
pub mod store;
pub mod survey;
pub mod survey_link;
pub mod templates;
pub mod text;
pub mod themes;
pub mod whatsapp_user;

pub use month::YearMonth;
pub use nps::{Category, NpsSummary, Score};
pub use score_text::{parse_score, ScoreRefusal};
