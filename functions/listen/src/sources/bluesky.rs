//! Bluesky's `app.bsky.feed.searchPosts` (docs.bsky.app/docs/api/app-bsky-feed-search-posts)
//! with an app-password session from `com.atproto.server.createSession`: newest first
//! (`sort=latest`), from `since`, paged by `cursor`.

use super::{each_item, Post, Source, SourceError, MAX_PAGES};
use crate::http;
use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::sync::Mutex;

pub const DEFAULT_API_URL: &str = "https://bsky.social";

pub struct Bluesky {
    http: reqwest::Client,
    base: String,
    handle: String,
    password: SecretString,
    session: Mutex<Option<SecretString>>,
}

impl Bluesky {
    pub fn new(http: reqwest::Client, base: &str, handle: &str, password: SecretString) -> Self {
        Bluesky {
            http,
            base: base.trim_end_matches('/').to_string(),
            handle: handle.to_string(),
            password,
            session: Mutex::new(None),
        }
    }

    async fn access_jwt(&self) -> Result<SecretString, SourceError> {
        let mut session = self.session.lock().await;
        if let Some(jwt) = session.as_ref() {
            return Ok(jwt.clone());
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Session {
            access_jwt: String,
        }
        let request = self
            .http
            .post(format!("{}/xrpc/com.atproto.server.createSession", self.base))
            .json(&serde_json::json!({
                "identifier": self.handle,
                "password": self.password.expose_secret(),
            }));
        let created: Session = http::json(http::send(request).await?).await?;
        let jwt = SecretString::from(created.access_jwt);
        *session = Some(jwt.clone());
        Ok(jwt)
    }
}

#[derive(Debug, Deserialize)]
struct SearchPosts {
    cursor: Option<String>,
    #[serde(default)]
    posts: Vec<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct PostView {
    uri: String,
    author: Author,
    record: Record,
}

#[derive(Debug, Deserialize)]
struct Author {
    handle: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record {
    #[serde(default)]
    text: String,
    created_at: DateTime<Utc>,
}

#[async_trait]
impl Source for Bluesky {
    fn name(&self) -> &'static str {
        "bluesky"
    }

    async fn fetch(&self, query: &str, since: DateTime<Utc>, _now: DateTime<Utc>) -> Result<Vec<Post>, SourceError> {
        let jwt = self.access_jwt().await?;
        let mut posts = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut params = vec![
                ("q", query.to_string()),
                ("sort", "latest".into()),
                ("since", since.to_rfc3339_opts(SecondsFormat::Secs, true)),
                ("limit", "100".into()),
            ];
            if let Some(cursor) = &cursor {
                params.push(("cursor", cursor.clone()));
            }
            let request = self
                .http
                .get(format!("{}/xrpc/app.bsky.feed.searchPosts", self.base))
                .bearer_auth(jwt.expose_secret())
                .query(&params);
            let page: SearchPosts = http::json(http::send(request).await?).await?;
            let empty = page.posts.is_empty();
            for view in each_item::<PostView>(self.name(), page.posts) {
                // at://did:plc:.../app.bsky.feed.post/{rkey}: the web address ends in the rkey.
                let rkey = view.uri.rsplit('/').next().unwrap_or_default().to_string();
                posts.push(Post {
                    url: Some(format!("https://bsky.app/profile/{}/post/{rkey}", view.author.handle)),
                    id: view.uri,
                    text: view.record.text,
                    author: Some(format!("@{}", view.author.handle)),
                    created_at: view.record.created_at,
                });
            }
            match page.cursor {
                Some(next) if !empty => cursor = Some(next),
                _ => break,
            }
        }
        Ok(posts)
    }
}
