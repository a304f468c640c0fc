//! Telegram Bot API updates: `message` (free text: a score through the parser, or the
//! follow-up comment) and `callback_query` (a score button, data `nps:{0-10}`).
//!
//! The customer's address is the private chat's id; `from.language_code` is kept as the
//! response's locale. Redeliveries carry the same `update_id`: delivery key `telegram:{update_id}`.

use crate::body::RawBody;
use crate::error::{acknowledge_unreadable, parse_json, AppError};
use crate::inbound::{store_all, ChatReply, Inbound, ReplyContent};
use crate::{configured, unix_time, verify, AppState};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use sarafan_core::chat_ids::parse_nps_button;
use sarafan_core::model::{Identity, Platform};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Update {
    update_id: i64,
    message: Option<Message>,
    callback_query: Option<CallbackQuery>,
}

#[derive(Debug, Deserialize)]
struct Message {
    from: Option<User>,
    chat: Chat,
    date: i64,
    text: Option<String>,
}

#[derive(Debug, Deserialize)]
struct User {
    id: i64,
    #[serde(default)]
    is_bot: bool,
    language_code: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Chat {
    id: i64,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Debug, Deserialize)]
struct CallbackQuery {
    from: User,
    /// The message the button was on (absent for inline-mode messages).
    message: Option<ButtonMessage>,
    data: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ButtonMessage {
    chat: Chat,
}

/// Normalises an update (already verified).
pub fn normalise(raw: &[u8], now: DateTime<Utc>) -> Result<Vec<Inbound>, AppError> {
    let update: Update = parse_json(raw)?;
    let delivery = format!("telegram:{}", update.update_id);
    if let Some(message) = update.message {
        let from = message.from.as_ref();
        if message.chat.kind != "private" || from.is_some_and(|u| u.is_bot) {
            tracing::debug!(chat_type = %message.chat.kind, "not a customer's private message: ignored");
            return Ok(vec![]);
        }
        let Some(text) = message.text else {
            tracing::debug!("message without text: ignored");
            return Ok(vec![]);
        };
        return Ok(vec![Inbound::ChatReply(ChatReply {
            delivery,
            identity: Identity::new(Platform::Telegram, message.chat.id.to_string()),
            content: ReplyContent::Text(text),
            locale: from.and_then(|u| u.language_code.clone()),
            at: unix_time(message.date, now),
        })]);
    }
    if let Some(query) = update.callback_query {
        let Some(score) = query.data.as_deref().and_then(parse_nps_button) else {
            tracing::debug!(data = ?query.data, "unknown button: ignored");
            return Ok(vec![]);
        };
        // In a private chat the chat id is the user's id.
        let chat = query.message.map_or(query.from.id, |m| m.chat.id);
        return Ok(vec![Inbound::ChatReply(ChatReply {
            delivery,
            identity: Identity::new(Platform::Telegram, chat.to_string()),
            content: ReplyContent::Button(score),
            locale: query.from.language_code,
            at: now,
        })]);
    }
    tracing::info!(
        update_id = update.update_id,
        "Telegram update type Sarafan does not use: ignored"
    );
    Ok(vec![])
}

/// POST /webhooks/telegram
pub async fn update(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<StatusCode, AppError> {
    let secrets = configured(&state.config.telegram_webhook_secret)?;
    verify::token_header(secrets, &headers, "x-telegram-bot-api-secret-token")?;
    let items = acknowledge_unreadable("telegram", Some(&body), normalise(&body, state.now()), Vec::new)?;
    store_all(&state, items).await?;
    Ok(StatusCode::OK)
}
