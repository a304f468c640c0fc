//! sarafan-reports: the monthly report, read from the aggregates, stored, drawn and emailed.

pub mod charts;
pub mod compute;
pub mod digest;
pub mod figures;
pub mod html;
pub mod i18n;
pub mod job;
pub mod lambda;
pub mod mail;
pub mod schedule;
pub mod ses;

pub use compute::{compute, load_counters, save};
