//! Mastodon on one instance (docs.joinmastodon.org/methods/search, /methods/timelines): a
//! `#tag` term reads the hashtag timeline (`GET /api/v1/timelines/tag/{tag}`, paged by
//! `max_id`), any other term full-text search (`GET /api/v2/search?type=statuses`, paged by
//! `offset`; instances answer it only with a token).

use super::{each_item, plain_text, Post, Source, SourceError, MAX_PAGES};
use crate::http;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

const PAGE: usize = 40;

pub struct Mastodon {
    http: reqwest::Client,
    base: String,
    token: Option<SecretString>,
}

impl Mastodon {
    pub fn new(http: reqwest::Client, base: &str, token: Option<SecretString>) -> Self {
        Mastodon {
            http,
            base: base.trim_end_matches('/').to_string(),
            token,
        }
    }

    fn get(&self, path: &str) -> reqwest::RequestBuilder {
        let request = self.http.get(format!("{}{path}", self.base));
        match &self.token {
            Some(token) => request.bearer_auth(token.expose_secret()),
            None => request,
        }
    }
}

#[derive(Debug, Deserialize)]
struct SearchResults {
    #[serde(default)]
    statuses: Vec<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct Status {
    id: String,
    created_at: DateTime<Utc>,
    #[serde(default)]
    content: String,
    #[serde(default)]
    spoiler_text: String,
    url: Option<String>,
    uri: Option<String>,
    account: Account,
    /// A boost carries someone else's post: it is heard where it was written.
    reblog: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct Account {
    acct: String,
}

fn post(status: Status) -> Option<Post> {
    if status.reblog.as_ref().is_some_and(|r| !r.is_null()) {
        return None;
    }
    let text = [plain_text(&status.spoiler_text), plain_text(&status.content)]
        .into_iter()
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    Some(Post {
        id: status.uri.unwrap_or(status.id),
        text,
        url: status.url,
        author: Some(format!("@{}", status.account.acct)),
        created_at: status.created_at,
    })
}

#[async_trait]
impl Source for Mastodon {
    fn name(&self) -> &'static str {
        "mastodon"
    }

    async fn fetch(&self, query: &str, since: DateTime<Utc>, _now: DateTime<Utc>) -> Result<Vec<Post>, SourceError> {
        let mut posts = Vec::new();
        let tag = query.strip_prefix('#');
        let mut max_id: Option<String> = None;
        for page in 0..MAX_PAGES {
            let statuses: Vec<serde_json::Value> = match tag {
                Some(tag) => {
                    let mut request = self
                        .get(&format!("/api/v1/timelines/tag/{}", urlencode(tag)))
                        .query(&[("limit", PAGE.to_string())]);
                    if let Some(max_id) = &max_id {
                        request = request.query(&[("max_id", max_id)]);
                    }
                    http::json(http::send(request).await?).await?
                }
                None => {
                    let request = self.get("/api/v2/search").query(&[
                        ("q", query.to_string()),
                        ("type", "statuses".into()),
                        ("resolve", "false".into()),
                        ("limit", PAGE.to_string()),
                        ("offset", (page * PAGE).to_string()),
                    ]);
                    let results: SearchResults = http::json(http::send(request).await?).await?;
                    results.statuses
                }
            };
            let count = statuses.len();
            let mut older = false;
            for status in each_item::<Status>(self.name(), statuses) {
                older |= status.created_at < since;
                max_id = Some(status.id.clone());
                posts.extend(post(status));
            }
            if count < PAGE || older {
                break;
            }
        }
        Ok(posts)
    }
}

/// A hashtag as one path segment.
fn urlencode(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes()).collect()
}
