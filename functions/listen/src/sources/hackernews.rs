//! Hacker News through its Algolia search API (hn.algolia.com/api): stories and comments by
//! date, `GET {HN_SEARCH_URL}/search_by_date?query=...&tags=(story,comment)` with
//! `numericFilters=created_at_i>=...`, paged by `page` until `nbPages`.

use super::{each_item, plain_text, Post, Source, SourceError, MAX_PAGES};
use crate::http;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Deserialize;

pub struct HackerNews {
    http: reqwest::Client,
    base: String,
}

impl HackerNews {
    pub fn new(http: reqwest::Client, base: &str) -> Self {
        HackerNews {
            http,
            base: base.trim_end_matches('/').to_string(),
        }
    }
}

#[derive(Debug, Deserialize)]
struct Page {
    #[serde(default)]
    hits: Vec<serde_json::Value>,
    #[serde(default)]
    page: usize,
    #[serde(default, rename = "nbPages")]
    pages: usize,
}

#[derive(Debug, Deserialize)]
struct Hit {
    #[serde(rename = "objectID")]
    id: String,
    created_at_i: i64,
    author: Option<String>,
    title: Option<String>,
    story_text: Option<String>,
    comment_text: Option<String>,
}

#[async_trait]
impl Source for HackerNews {
    fn name(&self) -> &'static str {
        "hackernews"
    }

    async fn fetch(&self, query: &str, since: DateTime<Utc>, _now: DateTime<Utc>) -> Result<Vec<Post>, SourceError> {
        let mut posts = Vec::new();
        for page in 0..MAX_PAGES {
            let request = self.http.get(format!("{}/search_by_date", self.base)).query(&[
                ("query", query),
                ("tags", "(story,comment)"),
                ("numericFilters", &format!("created_at_i>={}", since.timestamp())),
                ("hitsPerPage", "100"),
                ("page", &page.to_string()),
            ]);
            let answer: Page = http::json(http::send(request).await?).await?;
            for hit in each_item::<Hit>(self.name(), answer.hits) {
                let text = [hit.title, hit.story_text, hit.comment_text]
                    .into_iter()
                    .flatten()
                    .map(|part| plain_text(&part))
                    .filter(|part| !part.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
                let Some(created_at) = DateTime::from_timestamp(hit.created_at_i, 0) else {
                    continue;
                };
                posts.push(Post {
                    url: Some(format!("https://news.ycombinator.com/item?id={}", hit.id)),
                    id: hit.id,
                    text,
                    author: hit.author,
                    created_at,
                });
            }
            if answer.page + 1 >= answer.pages {
                break;
            }
        }
        Ok(posts)
    }
}
