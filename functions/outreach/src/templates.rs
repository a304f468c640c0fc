//! The message catalogue lives in sarafan-core, so the email survey's pages (ingest) read the
//! same texts and overrides as the chat messages sent here.

pub use sarafan_core::templates::*;
