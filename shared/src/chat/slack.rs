//! Slack Web API: open a DM, post and update Block Kit messages, read a user's locale.

use super::retry::{with_retries, Attempt, RetryPolicy};
use super::{network_reason, trim_base, ChatError, Pacer};
use crate::model::{MessageRef, Platform};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

pub const DEFAULT_API_URL: &str = "https://slack.com/api";

/// Slack errors that mean "try again later", not "never".
const TRANSIENT_ERRORS: &[&str] = &[
    "ratelimited",
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
];

#[derive(Debug, Clone)]
pub struct SlackClient {
    http: reqwest::Client,
    base: String,
    token: SecretString,
    retry: RetryPolicy,
    pacer: Arc<Pacer>,
}

impl SlackClient {
    pub fn new(http: reqwest::Client, base_url: impl Into<String>, token: SecretString) -> Self {
        SlackClient {
            http,
            base: trim_base(base_url),
            token,
            retry: RetryPolicy::default(),
            pacer: Arc::new(Pacer::slack()),
        }
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    pub fn with_pacer(mut self, pacer: Pacer) -> Self {
        self.pacer = Arc::new(pacer);
        self
    }

    /// The direct-message channel with a user (`conversations.open`), the same one every time.
    pub async fn open_dm(&self, user: &str) -> Result<String, ChatError> {
        let answer = self.call("conversations.open", json!({ "users": user })).await?;
        answer["channel"]["id"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| malformed("conversations.open", "channel.id"))
    }

    /// Posts a message (`chat.postMessage`); `text` is the notification and fallback for `blocks`.
    pub async fn post_message(
        &self,
        channel: &str,
        text: &str,
        blocks: Option<&Value>,
    ) -> Result<MessageRef, ChatError> {
        let mut body = json!({ "channel": channel, "text": text });
        if let Some(blocks) = blocks {
            body["blocks"] = blocks.clone();
        }
        self.pacer.wait(channel).await;
        let answer = self.call("chat.postMessage", body).await?;
        let ts = answer["ts"]
            .as_str()
            .ok_or_else(|| malformed("chat.postMessage", "ts"))?;
        // Slack answers with the channel id even when posted by name ("#alerts"): updates need the id.
        let channel = answer["channel"].as_str().unwrap_or(channel);
        Ok(MessageRef {
            channel: channel.to_string(),
            ts: ts.to_string(),
        })
    }

    /// Replaces a posted message's text and blocks (`chat.update`).
    pub async fn update_message(
        &self,
        message: &MessageRef,
        text: &str,
        blocks: Option<&Value>,
    ) -> Result<(), ChatError> {
        let mut body = json!({ "channel": message.channel, "ts": message.ts, "text": text });
        if let Some(blocks) = blocks {
            body["blocks"] = blocks.clone();
        }
        self.call("chat.update", body).await.map(drop)
    }

    /// The user's Slack locale ("ru-RU"), if Slack knows it (`users.info` with `include_locale`).
    pub async fn user_locale(&self, user: &str) -> Result<Option<String>, ChatError> {
        // users.info takes form or query arguments only, not JSON.
        let answer = self
            .send("users.info", || {
                self.http
                    .get(format!("{}/users.info", self.base))
                    .query(&[("user", user), ("include_locale", "true")])
            })
            .await?;
        Ok(answer["user"]["locale"].as_str().map(str::to_string))
    }

    async fn call(&self, method: &str, body: Value) -> Result<Value, ChatError> {
        self.send(method, || self.http.post(format!("{}/{method}", self.base)).json(&body))
            .await
    }

    async fn send(&self, method: &str, request: impl Fn() -> reqwest::RequestBuilder) -> Result<Value, ChatError> {
        with_retries(&self.retry, Platform::Slack, method, || async {
            let sent = request().bearer_auth(self.token.expose_secret()).send().await;
            let response = match sent {
                Ok(r) => r,
                Err(e) => {
                    return Attempt::Retry {
                        after: None,
                        reason: network_reason(e),
                    }
                }
            };
            let status = response.status();
            if status.as_u16() == 429 {
                let after = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
                return Attempt::Retry {
                    after: Some(after.unwrap_or(Duration::from_secs(1))),
                    reason: "ratelimited".into(),
                };
            }
            if status.is_server_error() {
                return Attempt::Retry {
                    after: None,
                    reason: format!("HTTP {}", status.as_u16()),
                };
            }
            let body: Value = match response.json().await {
                Ok(v) => v,
                Err(_) if status.is_success() => return Attempt::Failed(malformed(method, "JSON body")),
                Err(_) => return Attempt::Failed(permanent(format!("HTTP {}", status.as_u16()))),
            };
            if body["ok"].as_bool() == Some(true) {
                return Attempt::Done(body);
            }
            let error = body["error"].as_str().unwrap_or("unknown_error").to_string();
            if TRANSIENT_ERRORS.contains(&error.as_str()) {
                Attempt::Retry {
                    after: None,
                    reason: error,
                }
            } else {
                Attempt::Failed(permanent(error))
            }
        })
        .await
    }
}

fn permanent(reason: String) -> ChatError {
    ChatError::Permanent {
        platform: Platform::Slack,
        reason,
    }
}

fn malformed(method: &str, field: &str) -> ChatError {
    permanent(format!("{method} answered without {field}"))
}
