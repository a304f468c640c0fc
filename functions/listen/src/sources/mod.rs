//! The public places Sarafan listens in, one module each, behind one small trait.

pub mod bluesky;
pub mod feeds;
pub mod hackernews;
pub mod mastodon;
pub mod reddit;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// One post as a source gives it, before matching and classification.
#[derive(Debug, Clone, PartialEq)]
pub struct Post {
    /// The source's own id (an HN objectID, a Reddit fullname, a Bluesky at:// URI...).
    pub id: String,
    /// Plain text: HTML stripped, entities decoded, a title and body joined.
    pub text: String,
    pub url: Option<String>,
    pub author: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// 429 (or the source's own way of saying so): nothing is asked again before `after`.
    #[error("rate limited for {after:?}")]
    RateLimited { after: Duration },
    /// 429 with `Retry-After` as an HTTP date: nothing is asked again before `until`.
    #[error("rate limited until {until}")]
    RateLimitedUntil { until: DateTime<Utc> },
    /// The source answered nothing in time, or could not be reached.
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// The source answered, but not with what its documentation promises.
    #[error("{0}")]
    Answer(String),
    /// Credentials refused: nothing to retry until the operator fixes them.
    #[error("credentials refused: {0}")]
    Unauthorized(String),
}

impl SourceError {
    /// When a rate-limited source may be asked again, for a run at `now` (a date already past
    /// is now); `None` for the other failures.
    pub fn paused_until(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match *self {
            SourceError::RateLimited { after } => {
                Some(now + chrono::Duration::from_std(after).unwrap_or(chrono::Duration::hours(1)))
            }
            SourceError::RateLimitedUntil { until } => Some(until.max(now)),
            _ => None,
        }
    }
}

/// A place to search: it turns the configured terms into queries and fetches each one's posts
/// since a time, newest first or not, paging as far back as `since`.
#[async_trait]
pub trait Source: Send + Sync {
    /// `hackernews`, `reddit`, `bluesky`, `mastodon` or `feed`: the mention's `source`.
    fn name(&self) -> &'static str;

    /// What to ask for: one query per term, or (feeds) one per configured URL.
    fn queries(&self, terms: &[String]) -> Vec<String> {
        terms.to_vec()
    }

    /// The posts for `query` created at or after `since`. A post the source describes in a way
    /// Sarafan cannot read is logged and skipped; the rest are returned. `now` is the run's time
    /// (from the host's clock): a post without a date of its own is taken as made then.
    async fn fetch(&self, query: &str, since: DateTime<Utc>, now: DateTime<Utc>) -> Result<Vec<Post>, SourceError>;
}

/// The most pages one query reads in a run: a burst beyond it is read on the next run.
pub const MAX_PAGES: usize = 10;

/// Plain text of an HTML fragment (HN comments, Mastodon statuses, feed summaries): tags dropped,
/// block breaks kept as spaces, entities decoded, whitespace collapsed.
pub fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        match rest[start..].find('>') {
            Some(end) => {
                // A block ends a word; an inline tag (`<a>`, `<b>`, `<span>`) does not.
                let name: String = rest[start + 1..start + end]
                    .trim_start_matches('/')
                    .chars()
                    .take_while(char::is_ascii_alphanumeric)
                    .collect::<String>()
                    .to_ascii_lowercase();
                if matches!(
                    name.as_str(),
                    "p" | "br" | "div" | "li" | "ul" | "ol" | "tr" | "td" | "blockquote" | "h1" | "h2" | "h3" | "h4"
                ) {
                    out.push(' ');
                }
                rest = &rest[start + end + 1..];
            }
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    let decoded = sarafan_core::text::decode_entities(&out);
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Reads a source's list of items one by one: an item that does not parse is logged and
/// skipped, so one odd entry never loses the others.
pub(crate) fn each_item<T: serde::de::DeserializeOwned>(
    source: &'static str,
    items: Vec<serde_json::Value>,
) -> impl Iterator<Item = T> {
    items
        .into_iter()
        .enumerate()
        .filter_map(move |(i, item)| match serde_json::from_value(item) {
            Ok(item) => Some(item),
            Err(e) => {
                tracing::warn!(source, index = i, error = %e, "item Sarafan cannot read: skipped");
                None
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_plain_text() {
        assert_eq!(
            plain_text("<p>Loving <a href=\"x\">@Sprite</a>&#x27;s service!</p><p>Really &amp; truly</p>"),
            "Loving @Sprite's service! Really & truly"
        );
        assert_eq!(plain_text("no tags"), "no tags");
        assert_eq!(plain_text("broken <tag"), "broken");
    }
}
