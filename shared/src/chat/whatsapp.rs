//! WhatsApp Cloud API: text and interactive list messages from one business phone number.

use super::retry::{with_retries, Attempt, RetryPolicy};
use super::{network_reason, trim_base, ChatError, Pacer};
use crate::model::Platform;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde_json::{json, Value};
use std::sync::Arc;

pub const DEFAULT_API_URL: &str = "https://graph.facebook.com/v21.0";

/// WhatsApp allows at most this many rows in one list message, over all its sections.
pub const MAX_LIST_ROWS: usize = 10;

/// Graph API error codes that are rate limits or temporary outages.
const TRANSIENT_CODES: &[i64] = &[1, 2, 4, 17, 341, 80007, 130429, 131000, 131016, 131048, 131056, 133004];

/// One row of a list message; its `id` comes back in the `list_reply`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListRow {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Clone)]
pub struct WhatsappClient {
    http: reqwest::Client,
    base: String,
    phone_number_id: String,
    token: SecretString,
    retry: RetryPolicy,
    pacer: Arc<Pacer>,
}

impl WhatsappClient {
    pub fn new(
        http: reqwest::Client,
        base_url: impl Into<String>,
        phone_number_id: impl Into<String>,
        token: SecretString,
    ) -> Self {
        WhatsappClient {
            http,
            base: trim_base(base_url),
            phone_number_id: phone_number_id.into(),
            token,
            retry: RetryPolicy::default(),
            pacer: Arc::new(Pacer::whatsapp()),
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

    /// Sends a text message; returns the WhatsApp message id.
    pub async fn send_text(&self, to: &str, body: &str) -> Result<String, ChatError> {
        self.send(
            to,
            json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "type": "text",
                "text": { "preview_url": false, "body": body },
            }),
        )
        .await
    }

    /// Sends an interactive list: `button` opens it (at most 20 characters), one section of rows.
    pub async fn send_list(
        &self,
        to: &str,
        body: &str,
        button: &str,
        section_title: &str,
        rows: &[ListRow],
    ) -> Result<String, ChatError> {
        if rows.is_empty() || rows.len() > MAX_LIST_ROWS {
            return Err(permanent(format!(
                "a list holds 1-{MAX_LIST_ROWS} rows, not {}",
                rows.len()
            )));
        }
        self.send(
            to,
            json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "type": "interactive",
                "interactive": {
                    "type": "list",
                    "body": { "text": body },
                    "action": {
                        "button": button,
                        "sections": [{ "title": section_title, "rows": rows }],
                    },
                },
            }),
        )
        .await
    }

    /// Sends to a phone number (`to`) or, for a customer known by a business-scoped user id,
    /// to that id (`recipient`), as the Cloud API's messages endpoint takes them.
    async fn send(&self, to: &str, mut body: Value) -> Result<String, ChatError> {
        let field = if crate::whatsapp_user::is_business_scoped_id(to) {
            "recipient"
        } else {
            "to"
        };
        body[field] = Value::String(to.to_string());
        self.pacer.wait(to).await;
        let url = format!("{}/{}/messages", self.base, self.phone_number_id);
        with_retries(&self.retry, Platform::Whatsapp, "messages", || async {
            let sent = self
                .http
                .post(&url)
                .bearer_auth(self.token.expose_secret())
                .json(&body)
                .send()
                .await;
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
            let answer: Value = response.json().await.unwrap_or(Value::Null);
            if status.is_success() {
                return match answer["messages"][0]["id"].as_str() {
                    Some(id) => Attempt::Done(id.to_string()),
                    None => Attempt::Failed(permanent("messages answered without a message id".into())),
                };
            }
            let code = answer["error"]["code"].as_i64();
            let message = answer["error"]["message"].as_str().unwrap_or("no message");
            let reason = match code {
                Some(code) => format!("{code} {message}"),
                None => format!("HTTP {}", status.as_u16()),
            };
            if status.as_u16() == 429 || status.is_server_error() || code.is_some_and(|c| TRANSIENT_CODES.contains(&c))
            {
                Attempt::Retry { after: None, reason }
            } else {
                // 131047 outside the 24-hour window, 131026 undeliverable, 190 a bad token...
                Attempt::Failed(permanent(reason))
            }
        })
        .await
    }
}

fn permanent(reason: String) -> ChatError {
    ChatError::Permanent {
        platform: Platform::Whatsapp,
        reason,
    }
}
