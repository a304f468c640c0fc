//! Slack: the Events API (`url_verification`, `message` events) and interactivity
//! (`block_actions` from the NPS buttons and from staff alert buttons).
//!
//! - a DM (`channel_type: "im"`) is a chat reply: an answer if its author has a survey;
//! - a channel message naming a brand (or competitor) term is a mention (`slack:{channel}:{ts}`);
//! - bot messages and edits (`bot_id`, any `subtype`) are ignored, so our own questions never
//!   come back as answers;
//! - retries (`X-Slack-Retry-Num`) carry the same `event_id`: the delivery key
//!   `slack:event:{event_id}` stores them once.

use super::flex::StrOrSkip;
use crate::body::RawBody;
use crate::error::{acknowledge_unreadable, missing, parse_json, parse_json_in, AppError};
use crate::inbound::{store_all, ChatReply, Inbound, ReplyContent};
use crate::mentions::MentionClassifier;
use crate::{configured, unix_time, verify, AppState};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use sarafan_core::chat_ids::{parse_alert_button, parse_nps_button};
use sarafan_core::ledger::Change;
use sarafan_core::model::{Identity, Mention, Platform};
use serde::Deserialize;
use std::borrow::Cow;

/// The Events API envelope (`url_verification` or `event_callback`). Fields only read here
/// borrow from the body (unless JSON escapes make a copy necessary).
#[derive(Debug, Deserialize)]
struct Envelope<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    challenge: Option<String>,
    #[serde(borrow)]
    event_id: Option<Cow<'a, str>>,
    event_time: Option<i64>,
    #[serde(borrow)]
    event: Option<Event<'a>>,
}

#[derive(Debug, Deserialize)]
struct Event<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    subtype: Option<Cow<'a, str>>,
    #[serde(borrow)]
    bot_id: Option<Cow<'a, str>>,
    /// An id in message events, a whole user object in `team_join` and `user_change`.
    #[serde(default, borrow)]
    user: StrOrSkip<'a>,
    text: Option<String>,
    /// An id in message events, a whole channel object in `channel_created` and `im_created`.
    #[serde(default, borrow)]
    channel: StrOrSkip<'a>,
    #[serde(borrow)]
    channel_type: Option<Cow<'a, str>>,
    #[serde(borrow)]
    ts: Option<Cow<'a, str>>,
}

/// What an Events API delivery asks for.
#[derive(Debug, PartialEq)]
pub enum SlackEvent {
    /// `url_verification`: answer the challenge.
    Challenge(String),
    Items(Vec<Inbound>),
}

/// Slack's `ts` ("1355517523.000005") as a time.
fn slack_ts(ts: &str) -> Option<DateTime<Utc>> {
    let (secs, micros) = ts.split_once('.').unwrap_or((ts, "0"));
    let micros: u32 = format!("{micros:0<6}").get(..6)?.parse().ok()?;
    DateTime::from_timestamp(secs.parse().ok()?, micros * 1000)
}

/// Normalises an Events API body (already verified).
pub fn normalise_event(
    raw: &[u8],
    classifier: &dyn MentionClassifier,
    now: DateTime<Utc>,
) -> Result<SlackEvent, AppError> {
    let envelope: Envelope = parse_json(raw)?;
    match &*envelope.kind {
        "url_verification" => Ok(SlackEvent::Challenge(
            envelope.challenge.ok_or_else(|| missing("challenge"))?,
        )),
        "event_callback" => {
            let event_id = envelope.event_id.ok_or_else(|| missing("event_id"))?;
            let event = envelope.event.ok_or_else(|| missing("event"))?;
            let at = envelope.event_time.map(|t| unix_time(t, now)).unwrap_or(now);
            Ok(SlackEvent::Items(
                message(event_id, event, at, classifier).into_iter().collect(),
            ))
        }
        other => {
            tracing::debug!(kind = other, "unknown Slack envelope type: ignored");
            Ok(SlackEvent::Items(vec![]))
        }
    }
}

fn message(event_id: Cow<str>, event: Event, at: DateTime<Utc>, classifier: &dyn MentionClassifier) -> Option<Inbound> {
    if event.kind != "message" {
        tracing::info!(event_id = %event_id, kind = %event.kind, "Slack event type Sarafan does not use: ignored");
        return None;
    }
    if event.subtype.is_some() || event.bot_id.is_some() {
        tracing::debug!(subtype = ?event.subtype, "bot message or edit: ignored");
        return None;
    }
    let (user, text) = (event.user.into_option()?.into_owned(), event.text?);
    let delivery = ["slack:event:", &event_id].concat();
    match event.channel_type.as_deref() {
        Some("im") => Some(Inbound::ChatReply(ChatReply {
            delivery,
            identity: Identity::new(Platform::Slack, user),
            content: ReplyContent::Text(text),
            locale: None,
            at,
        })),
        Some("channel" | "group" | "mpim") => {
            let found = classifier.classify_if_matched(&text, None)?;
            let channel = event.channel.into_option().unwrap_or_default();
            let ts = event.ts.unwrap_or(event_id);
            Some(Inbound::Store {
                delivery,
                change: Change::Mention(Mention {
                    id: ["slack:", &channel, ":", &ts].concat(),
                    source: Platform::Slack.to_string(),
                    created_at: slack_ts(&ts).unwrap_or(at),
                    text,
                    url: None,
                    author: Some(user),
                    lang: found.lang,
                    sentiment: found.sentiment,
                    matched_terms: found.matched_terms,
                    competitor: found.competitor,
                }),
            })
        }
        other => {
            tracing::debug!(channel_type = ?other, "message in an unhandled channel type: ignored");
            None
        }
    }
}

/// POST /webhooks/slack/events
pub async fn events(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Response, AppError> {
    let secrets = configured(&state.config.slack_signing_secret)?;
    let now = state.now();
    verify::slack(secrets, &headers, &body, now)?;
    if let Some(retry) = headers.get("x-slack-retry-num").and_then(|v| v.to_str().ok()) {
        tracing::info!(retry, reason = ?headers.get("x-slack-retry-reason"), "Slack retry");
    }
    let event = normalise_event(&body, state.classifier.as_ref(), now);
    match acknowledge_unreadable("slack", Some(&body), event, || SlackEvent::Items(vec![]))? {
        SlackEvent::Challenge(challenge) => Ok(Json(serde_json::json!({ "challenge": challenge })).into_response()),
        SlackEvent::Items(items) => {
            store_all(&state, items).await?;
            Ok(StatusCode::OK.into_response())
        }
    }
}

/// The interactivity payload (form field `payload`).
#[derive(Debug, Deserialize)]
struct Interaction {
    #[serde(rename = "type")]
    kind: String,
    user: Option<User>,
    trigger_id: Option<String>,
    #[serde(default)]
    actions: Vec<Action>,
}

#[derive(Debug, Deserialize)]
struct User {
    id: String,
}

#[derive(Debug, Deserialize)]
struct Action {
    /// Block Kit actions have one; legacy attachment buttons (`interactive_message`) do not.
    action_id: Option<String>,
    value: Option<String>,
    action_ts: Option<String>,
}

/// The form field `payload` of an interactivity body: the interaction's JSON.
fn payload_field(raw: &[u8]) -> Option<Cow<'_, str>> {
    form_urlencoded::parse(raw)
        .find(|(name, _)| name == "payload")
        .map(|(_, value)| value)
}

/// Normalises an interactivity body (already verified): `payload=<JSON>`, form-encoded.
pub fn normalise_interaction(raw: &[u8], now: DateTime<Utc>) -> Result<Vec<Inbound>, AppError> {
    let payload = payload_field(raw).ok_or_else(|| missing("payload"))?;
    let interaction: Interaction = parse_json_in(payload.as_bytes(), "payload")?;
    if interaction.kind != "block_actions" {
        tracing::info!(kind = %interaction.kind, "Slack interaction type Sarafan does not use: ignored");
        return Ok(vec![]);
    }
    let user = interaction.user.ok_or_else(|| missing("payload.user"))?.id;
    let trigger = interaction.trigger_id.unwrap_or_default();
    let mut items = Vec::new();
    for action in interaction.actions {
        let Some(action_id) = action.action_id else {
            tracing::info!(trigger_id = %trigger, "Slack action without an action_id: ignored");
            continue;
        };
        let at = action.action_ts.as_deref().and_then(slack_ts).unwrap_or(now);
        let delivery = format!(
            "slack:action:{trigger}:{}:{}",
            action.action_ts.as_deref().unwrap_or(""),
            action_id
        );
        let id = action_id.as_str();
        let value = action.value.as_deref().unwrap_or("");
        if let Some(score) = parse_nps_button(id).or_else(|| parse_nps_button(value)) {
            items.push(Inbound::ChatReply(ChatReply {
                delivery,
                identity: Identity::new(Platform::Slack, user.clone()),
                content: ReplyContent::Button(score),
                locale: None,
                at,
            }));
        } else if let Some((action, alert_id)) = parse_alert_button(id).or_else(|| parse_alert_button(value)) {
            items.push(Inbound::Store {
                delivery,
                change: Change::AlertAction {
                    alert_id: alert_id.to_string(),
                    action,
                    by: user.clone(),
                    at,
                },
            });
        } else {
            tracing::debug!(action_id = id, "unknown Slack action: ignored");
        }
    }
    Ok(items)
}

/// POST /webhooks/slack/interactions
pub async fn interactions(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<StatusCode, AppError> {
    let secrets = configured(&state.config.slack_signing_secret)?;
    let now = state.now();
    verify::slack(secrets, &headers, &body, now)?;
    let items = match normalise_interaction(&body, now) {
        Err(e @ AppError::BadRequest { .. }) => {
            let payload = payload_field(&body);
            acknowledge_unreadable("slack", payload.as_deref().map(str::as_bytes), Err(e), Vec::new)?
        }
        other => other?,
    };
    store_all(&state, items).await?;
    Ok(StatusCode::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slack_timestamps_keep_their_microseconds() {
        let t = slack_ts("1355517523.000005").unwrap();
        assert_eq!(t.timestamp(), 1355517523);
        assert_eq!(t.timestamp_subsec_micros(), 5);
        assert_eq!(slack_ts("1548426417.84").unwrap().timestamp_subsec_micros(), 840000);
        assert!(slack_ts("soon").is_none());
    }
}
