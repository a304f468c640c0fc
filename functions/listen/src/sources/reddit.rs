//! Reddit search with application-only OAuth (github.com/reddit-archive/reddit/wiki/OAuth2,
//! "Application Only OAuth"): a `client_credentials` token from `/api/v1/access_token`, then
//! `GET {REDDIT_API_URL}/search?q=...&sort=new` (a Listing of `t3` posts, paged by `after`).

use super::{each_item, Post, Source, SourceError, MAX_PAGES};
use crate::http;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::sync::Mutex;

/// Where tokens come from when `REDDIT_API_URL` is Reddit's own.
const TOKEN_URL: &str = "https://www.reddit.com/api/v1/access_token";
pub const DEFAULT_API_URL: &str = "https://oauth.reddit.com";

pub struct Reddit {
    http: reqwest::Client,
    api: String,
    token_url: String,
    client_id: String,
    client_secret: SecretString,
    /// The app-only token, fetched once a run (it lasts a day; a run lasts seconds).
    token: Mutex<Option<SecretString>>,
}

impl Reddit {
    /// `api` is `REDDIT_API_URL`. Reddit issues tokens on www.reddit.com and answers searches on
    /// oauth.reddit.com; another base (a proxy, a test server) serves both.
    pub fn new(http: reqwest::Client, api: &str, client_id: &str, client_secret: SecretString) -> Self {
        let api = api.trim_end_matches('/').to_string();
        let token_url = if api == DEFAULT_API_URL {
            TOKEN_URL.to_string()
        } else {
            format!("{api}/api/v1/access_token")
        };
        Reddit {
            http,
            api,
            token_url,
            client_id: client_id.to_string(),
            client_secret,
            token: Mutex::new(None),
        }
    }

    async fn token(&self) -> Result<SecretString, SourceError> {
        let mut token = self.token.lock().await;
        if let Some(t) = token.as_ref() {
            return Ok(t.clone());
        }
        #[derive(Deserialize)]
        struct Granted {
            access_token: String,
        }
        let request = self
            .http
            .post(&self.token_url)
            .basic_auth(&self.client_id, Some(self.client_secret.expose_secret()))
            .form(&[("grant_type", "client_credentials")]);
        let granted: Granted = http::json(http::send(request).await?).await?;
        let fresh = SecretString::from(granted.access_token);
        *token = Some(fresh.clone());
        Ok(fresh)
    }
}

#[derive(Debug, Deserialize)]
struct Listing {
    data: ListingData,
}

#[derive(Debug, Deserialize)]
struct ListingData {
    after: Option<String>,
    #[serde(default)]
    children: Vec<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct Thing {
    data: Link,
}

#[derive(Debug, Deserialize)]
struct Link {
    /// The fullname, `t3_...`.
    name: String,
    title: Option<String>,
    #[serde(default)]
    selftext: String,
    author: Option<String>,
    permalink: Option<String>,
    created_utc: f64,
}

#[async_trait]
impl Source for Reddit {
    fn name(&self) -> &'static str {
        "reddit"
    }

    async fn fetch(&self, query: &str, since: DateTime<Utc>, _now: DateTime<Utc>) -> Result<Vec<Post>, SourceError> {
        let token = self.token().await?;
        let mut posts = Vec::new();
        let mut after: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut params = vec![
                ("q", query.to_string()),
                ("sort", "new".into()),
                ("limit", "100".into()),
                ("raw_json", "1".into()),
            ];
            if let Some(after) = &after {
                params.push(("after", after.clone()));
            }
            let request = self
                .http
                .get(format!("{}/search", self.api))
                .bearer_auth(token.expose_secret())
                .query(&params);
            let listing: Listing = http::json(http::send(request).await?).await?;
            let mut older = false;
            for thing in each_item::<Thing>(self.name(), listing.data.children) {
                let link = thing.data;
                let Some(created_at) = DateTime::from_timestamp(link.created_utc as i64, 0) else {
                    continue;
                };
                older |= created_at < since;
                let text = [link.title.unwrap_or_default(), link.selftext]
                    .into_iter()
                    .filter(|t| !t.trim().is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
                posts.push(Post {
                    id: link.name,
                    text,
                    url: link.permalink.map(|p| format!("https://www.reddit.com{p}")),
                    author: link.author.map(|a| format!("u/{a}")),
                    created_at,
                });
            }
            // Sorted newest first: a post older than the cursor means the rest are older too.
            match listing.data.after {
                Some(next) if !older => after = Some(next),
                _ => break,
            }
        }
        Ok(posts)
    }
}
