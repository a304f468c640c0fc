//! RSS and Atom feeds the operator lists (`LISTEN_FEEDS`): Google Alerts feeds, news, blogs,
//! review sites. A feed is not searched: every entry is read and kept only if it names a
//! configured term, as any mention is.

use super::{plain_text, Post, Source, SourceError};
use crate::http;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

pub struct Feeds {
    http: reqwest::Client,
    urls: Vec<String>,
}

impl Feeds {
    pub fn new(http: reqwest::Client, urls: Vec<String>) -> Self {
        Feeds { http, urls }
    }
}

#[async_trait]
impl Source for Feeds {
    fn name(&self) -> &'static str {
        "feed"
    }

    /// One query per feed, whatever the terms.
    fn queries(&self, _terms: &[String]) -> Vec<String> {
        self.urls.clone()
    }

    async fn fetch(&self, url: &str, _since: DateTime<Utc>, now: DateTime<Utc>) -> Result<Vec<Post>, SourceError> {
        let response = http::send(self.http.get(url)).await?;
        let bytes = response
            .bytes()
            .await
            .map_err(|e| SourceError::Unreachable(e.to_string()))?;
        let feed = feed_rs::parser::parse(bytes.as_ref())
            .map_err(|e| SourceError::Answer(format!("not an RSS or Atom feed: {e}")))?;
        Ok(feed
            .entries
            .into_iter()
            .map(|entry| {
                let title = entry.title.map(|t| plain_text(&t.content)).unwrap_or_default();
                let body = entry
                    .summary
                    .map(|s| s.content)
                    .or_else(|| entry.content.and_then(|c| c.body))
                    .map(|b| plain_text(&b))
                    .unwrap_or_default();
                let text = [title, body]
                    .into_iter()
                    .filter(|t| !t.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
                Post {
                    url: entry.links.first().map(|l| l.href.clone()),
                    author: entry
                        .authors
                        .first()
                        .and_then(|a| a.name.clone())
                        .filter(|a| !a.is_empty()),
                    // An undated entry is taken as new now; its id keeps it from being stored twice.
                    created_at: entry.published.or(entry.updated).unwrap_or(now),
                    id: entry.id,
                    text,
                }
            })
            .collect())
    }
}
