//! Chat platform clients: the few Slack, Telegram and WhatsApp Cloud API calls outreach makes.
//!
//! Every client retries rate limits and platform outages within a bounded [`RetryPolicy`], then
//! gives up with [`ChatError::Transient`] so the event is redelivered later; refusals that no retry
//! can fix (unknown channel, blocked bot) are [`ChatError::Permanent`]. Tokens are kept as
//! [`secrecy::SecretString`] and never reach logs, errors or `Debug` output.

pub mod pace;
mod retry;
pub mod slack;
pub mod telegram;
pub mod whatsapp;

pub use pace::Pacer;
pub use retry::RetryPolicy;
pub use slack::SlackClient;
pub use telegram::{InlineButton, TelegramClient};
pub use whatsapp::{ListRow, WhatsappClient};

use crate::model::Platform;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChatError {
    /// The platform refused for good: retrying the same request cannot succeed.
    #[error("{platform} refused the request: {reason}")]
    Permanent { platform: Platform, reason: String },
    /// Rate limited or unavailable beyond the retry budget: the event should be retried later.
    #[error("{platform} is unavailable: {reason}")]
    Transient { platform: Platform, reason: String },
    /// The platform asked for a wait (`retry_after`, `Retry-After`) longer than the retry budget
    /// left: the next attempt should come after `retry_after`, counted from when it was said.
    #[error("{platform} is rate limiting: {reason} (retry after {retry_after:?})")]
    RateLimited {
        platform: Platform,
        reason: String,
        retry_after: Duration,
    },
}

impl ChatError {
    pub fn is_transient(&self) -> bool {
        matches!(self, ChatError::Transient { .. } | ChatError::RateLimited { .. })
    }

    /// The wait the platform asked for, if it named one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ChatError::RateLimited { retry_after, .. } => Some(*retry_after),
            _ => None,
        }
    }

    /// The platform's own words for what went wrong (`channel_not_found`, `Forbidden: bot was blocked by the user`).
    pub fn reason(&self) -> &str {
        match self {
            ChatError::Permanent { reason, .. }
            | ChatError::Transient { reason, .. }
            | ChatError::RateLimited { reason, .. } => reason,
        }
    }
}

/// The HTTP client every chat client shares: rustls, bounded timeouts, built once per process.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(15))
        .user_agent(concat!("sarafan/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

/// A network failure as text without the request URL: Telegram's URLs carry the bot token.
fn network_reason(e: reqwest::Error) -> String {
    let e = e.without_url();
    if e.is_timeout() {
        "request timed out".to_string()
    } else if e.is_connect() {
        "could not connect".to_string()
    } else {
        e.to_string()
    }
}

/// Base URLs come from operators with or without a trailing slash.
fn trim_base(base: impl Into<String>) -> String {
    base.into().trim_end_matches('/').to_string()
}
