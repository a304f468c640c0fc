//! What one delivery asks Sarafan to do, decided without I/O, and the step that stores it.
//!
//! Chat replies (Slack DMs and buttons, Telegram messages and buttons, WhatsApp messages and
//! list/button replies) all go through [`answer`]: the customer's latest survey decides whether
//! the reply is a score, a comment, an opt-out, or nothing.

use crate::error::AppError;
use crate::AppState;
use chrono::{DateTime, Utc};
use sarafan_core::ledger::{Applied, Change};
use sarafan_core::model::{Identity, Response};
use sarafan_core::store::StoreError;
use sarafan_core::survey::{Reply, ReplyOutcome};
use sarafan_core::Score;

/// One thing a delivery carries, normalised from the platform's payload.
// A delivery carries one or a few items, each moved once into the store: boxing saves nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Inbound {
    /// Store this change under this delivery key (idempotent on it).
    Store { delivery: String, change: Change },
    /// A customer wrote or clicked in a chat: an answer if they have a survey.
    ChatReply(ChatReply),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChatReply {
    pub delivery: String,
    pub identity: Identity,
    pub content: ReplyContent,
    /// The customer's language as the platform reports it (Telegram `language_code`).
    pub locale: Option<String>,
    /// When the customer replied, as the platform says (stable across redeliveries).
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ReplyContent {
    Button(Score),
    Text(String),
}

/// The id of the response a survey's score is stored under. One per survey, so two replies
/// racing (a typed "9" and a click) cannot both be stored.
pub fn response_id(survey_id: &str) -> String {
    format!("{survey_id}:response")
}

/// Turns a reply into the change it makes to the customer's survey, if any.
pub async fn answer(state: &AppState, reply: ChatReply) -> Result<Option<(String, Change)>, StoreError> {
    let Some(mut survey) = state.store.latest_survey(&reply.identity).await? else {
        tracing::debug!(platform = %reply.identity.platform, "chat message from someone with no survey: ignored");
        return Ok(None);
    };
    let content = match &reply.content {
        ReplyContent::Button(score) => Reply::Button(*score),
        ReplyContent::Text(text) => Reply::Text(text),
    };
    let outcome = survey.survey.on_reply(content, &state.policy, reply.at);
    let customer_id = survey.customer_id.clone();
    let change = match outcome {
        ReplyOutcome::Scored(score) => {
            let id = response_id(&survey.id);
            survey.response_id = Some(id.clone());
            Change::Response {
                response: Response {
                    id,
                    customer_id,
                    platform: reply.identity.platform,
                    score,
                    comment: None,
                    locale: reply.locale.or_else(|| survey.locale.clone()),
                    submitted_at: reply.at,
                    brand: survey.brand.clone(),
                },
                survey: Some(survey),
            }
        }
        ReplyOutcome::AskAgain(refusal) => Change::ScoreNotUnderstood {
            customer_id,
            identity: reply.identity,
            reason: refusal.to_string(),
        },
        ReplyOutcome::Comment(comment) => {
            let Some(response_id) = survey.response_id.clone() else {
                tracing::warn!(survey_id = %survey.id, "comment on a scored survey with no response id: ignored");
                return Ok(None);
            };
            Change::Comment {
                response_id,
                customer_id,
                comment,
                survey: Some(survey),
            }
        }
        ReplyOutcome::OptedOut => Change::OptOut {
            customer_id,
            identity: Some(reply.identity),
            survey: Some(survey),
        },
        ReplyOutcome::Expired => Change::Survey(survey),
        ReplyOutcome::Ignored => {
            tracing::debug!(survey_id = %survey.id, "reply ignored by the survey");
            return Ok(None);
        }
    };
    Ok(Some((reply.delivery, change)))
}

/// Stores everything a delivery carries; a duplicate delivery stores nothing again.
pub async fn store_all(state: &AppState, items: Vec<Inbound>) -> Result<(), AppError> {
    for item in items {
        let (delivery, change) = match item {
            Inbound::Store { delivery, change } => (delivery, change),
            Inbound::ChatReply(reply) => match answer(state, reply).await? {
                Some(found) => found,
                None => continue,
            },
        };
        let kind = change_kind(&change);
        match state.store.apply(&delivery, change).await {
            Ok(Applied::Stored) => tracing::info!(delivery = %delivery, kind, "stored"),
            Ok(Applied::Duplicate) => tracing::info!(delivery = %delivery, kind, "duplicate delivery: already stored"),
            // A staff button on an alert that no longer exists, a comment on an erased response:
            // nothing to do, and retrying would not help.
            Err(StoreError::NotFound(what)) => tracing::warn!(delivery = %delivery, kind, %what, "not found: ignored"),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

fn change_kind(change: &Change) -> &'static str {
    match change {
        Change::Customer(_) => "customer",
        Change::SurveyRequested { .. } => "survey_requested",
        Change::Survey(_) => "survey",
        Change::Response { .. } => "response",
        Change::Comment { .. } => "comment",
        Change::ScoreNotUnderstood { .. } => "score_not_understood",
        Change::OptOut { .. } => "opt_out",
        Change::Mention(_) => "mention",
        Change::Purchase(_) => "purchase",
        Change::ReferralCreated(_) => "referral_created",
        Change::ReferralClick { .. } => "referral_click",
        Change::Alert(_) => "alert",
        Change::AlertAction { .. } => "alert_action",
        Change::Report(_) => "report",
    }
}
