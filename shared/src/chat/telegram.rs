//! Telegram Bot API: `sendMessage` with an inline keyboard, `answerCallbackQuery`.

use super::retry::{with_retries, Attempt, RetryPolicy};
use super::{network_reason, trim_base, ChatError, Pacer};
use crate::model::Platform;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

pub const DEFAULT_API_URL: &str = "https://api.telegram.org";

/// One inline keyboard button; `callback_data` comes back in the `callback_query` (at most 64 bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InlineButton {
    pub text: String,
    pub callback_data: String,
}

#[derive(Debug, Clone)]
pub struct TelegramClient {
    http: reqwest::Client,
    base: String,
    token: SecretString,
    retry: RetryPolicy,
    pacer: Arc<Pacer>,
}

impl TelegramClient {
    pub fn new(http: reqwest::Client, base_url: impl Into<String>, token: SecretString) -> Self {
        TelegramClient {
            http,
            base: trim_base(base_url),
            token,
            retry: RetryPolicy::default(),
            pacer: Arc::new(Pacer::telegram()),
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

    /// Sends plain text (no parse mode, so a customer's words are never read as markup), with an
    /// optional inline keyboard given as rows of buttons. Returns the message id.
    pub async fn send_message(
        &self,
        chat_id: &str,
        text: &str,
        keyboard: Option<&[Vec<InlineButton>]>,
    ) -> Result<i64, ChatError> {
        let mut body = json!({ "chat_id": chat_id_value(chat_id), "text": text });
        if let Some(rows) = keyboard {
            body["reply_markup"] = json!({ "inline_keyboard": rows });
        }
        self.pacer.wait(chat_id).await;
        let result = self.call("sendMessage", &body).await?;
        result["message_id"]
            .as_i64()
            .ok_or_else(|| permanent("sendMessage answered without message_id".into()))
    }

    /// Stops the button's loading spinner, optionally with a short notice.
    pub async fn answer_callback_query(&self, callback_query_id: &str, text: Option<&str>) -> Result<(), ChatError> {
        let mut body = json!({ "callback_query_id": callback_query_id });
        if let Some(text) = text {
            body["text"] = json!(text);
        }
        self.call("answerCallbackQuery", &body).await.map(drop)
    }

    async fn call(&self, method: &str, body: &Value) -> Result<Value, ChatError> {
        with_retries(&self.retry, Platform::Telegram, method, || async {
            let url = format!("{}/bot{}/{method}", self.base, self.token.expose_secret());
            let response = match self.http.post(url).json(body).send().await {
                Ok(r) => r,
                Err(e) => {
                    return Attempt::Retry {
                        after: None,
                        reason: network_reason(e),
                    }
                }
            };
            let status = response.status();
            let answer: Value = match response.json().await {
                Ok(v) => v,
                Err(_) if status.is_server_error() || status.as_u16() == 429 => {
                    return Attempt::Retry {
                        after: None,
                        reason: format!("HTTP {}", status.as_u16()),
                    }
                }
                Err(_) => return Attempt::Failed(permanent(format!("HTTP {} without a JSON body", status.as_u16()))),
            };
            if answer["ok"].as_bool() == Some(true) {
                return Attempt::Done(answer["result"].clone());
            }
            let code = answer["error_code"].as_u64().unwrap_or(u64::from(status.as_u16()));
            let description = answer["description"].as_str().unwrap_or("no description").to_string();
            if code == 429 {
                let after = answer["parameters"]["retry_after"].as_u64().unwrap_or(1);
                Attempt::Retry {
                    after: Some(Duration::from_secs(after)),
                    reason: description,
                }
            } else if code >= 500 {
                Attempt::Retry {
                    after: None,
                    reason: description,
                }
            } else {
                // 403 "bot was blocked by the user", 400 "chat not found", 401 a wrong token.
                Attempt::Failed(permanent(format!("{code} {description}")))
            }
        })
        .await
    }
}

/// Private chats have numeric ids; public channels are named "@channel".
fn chat_id_value(chat_id: &str) -> Value {
    match chat_id.parse::<i64>() {
        Ok(id) => json!(id),
        Err(_) => json!(chat_id),
    }
}

fn permanent(reason: String) -> ChatError {
    ChatError::Permanent {
        platform: Platform::Telegram,
        reason,
    }
}
