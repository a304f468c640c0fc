//! What outreach does for each domain event: ask, follow up, thank, alert staff, update alerts.
//!
//! Effects happen once per event: before sending, the handler checks the effect log for the
//! effect's key (`effect:{event kind}:{subject}`) and claims the key in the store (a conditional
//! write: of two workers or Lambdas only one may send); after sending it records the key, with
//! the record the effect produced (the survey, the alert) where there is one. Once the platform
//! has accepted a message only the record is retried, never the send. A crash between the send
//! and the record leaves a claim that is taken over once stale: that message may go out once
//! more, and only that one (see docs/deploy.md, "Delivery guarantees").
//!
//! This file dispatches each event; each idea has its file: `asking` (the question, re-asks,
//! the opt-out confirmation), `follow_up` (thanks, referral links, the follow-up question, the
//! comment), `detractor_alert`, `mention_alerts` (negative mentions and spikes), `share_kudos`,
//! `staff_alerts` (posting and updating any alert) and `sending` (claim, send once, record).

mod asking;
mod detractor_alert;
mod follow_up;
mod mention_alerts;
mod sending;
mod share_kudos;
mod staff_alerts;

pub use detractor_alert::detractor_alert_id;
pub use mention_alerts::SPIKE_NEWS_HOURS;

use crate::config::{ChatClients, OutreachConfig};
use crate::email::{referral_message, MailError, SurveyEmail};
use crate::messages::{
    clip, escape_mrkdwn, slack_link, slack_question_blocks, telegram_score_keyboard, whatsapp_score_rows, AlertButtons,
    AlertView,
};
use crate::templates::{Key, Templates};
use chrono::{DateTime, Utc};
use sarafan_core::chat::ChatError;
use sarafan_core::ledger::Change;
use sarafan_core::listening::{kudos, spike};
use sarafan_core::model::*;
use sarafan_core::nps::Score;
use sarafan_core::referral::ReferralCode;
use sarafan_core::store::{SendClaim, Store, StoreError};
use sarafan_core::survey::Survey;
use sarafan_core::Category;
use std::sync::Arc;

/// Outreach's dependencies, built once at startup and lent to every event: the host's state, so
/// it holds the whole [`Store`] (its steps read customers, surveys and mentions, write changes,
/// log effects, claim sends and park events).
pub struct Outreach {
    pub store: Arc<dyn Store>,
    pub chat: ChatClients,
    pub templates: Templates,
    pub config: OutreachConfig,
}

/// What handling an event came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled {
    /// `messages` new messages went out (0: everything was done before, a redelivery).
    Done { messages: usize },
    /// The question could not be delivered; the survey is recorded as failed with this reason.
    SurveyFailed(String),
    /// Nothing to do, and why.
    Skipped(String),
}

#[derive(Debug, thiserror::Error)]
pub enum OutreachError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Chat(#[from] ChatError),
    #[error(transparent)]
    Mail(#[from] MailError),
    /// Another worker claimed this message and may be sending it now.
    #[error("{key} is being sent by {claimant}")]
    InFlight { key: String, claimant: String },
    /// The worker is stopping while this message, sent, waits to be recorded: its claim stays,
    /// and the outbox (if any) has it recorded at the next start.
    #[error("{key} was sent; stopping before it could be recorded")]
    Stopped { key: String },
}

/// Whether outreach tries a failed store call again rather than give the event up: when the
/// store says it is transient, and also when the store could not say (an unclassified backend
/// error), since giving up drops a customer's message or a staff alert for good.
fn store_retried(e: &StoreError) -> bool {
    e.is_transient() || e.is_unclassified()
}

impl OutreachError {
    /// The event must be redelivered, not skipped: the failure is transient (the store's, the
    /// chat platform's or the mail service's own verdict), unclassified, or another sender's
    /// claim is in the way.
    pub fn is_retried(&self) -> bool {
        match self {
            OutreachError::Store(e) => store_retried(e),
            OutreachError::Chat(e) => e.is_transient(),
            OutreachError::Mail(e) => e.is_transient(),
            OutreachError::InFlight { .. } | OutreachError::Stopped { .. } => true,
        }
    }

    /// The wait the platform asked for before the next try, if it named one.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            OutreachError::Chat(e) => e.retry_after(),
            _ => None,
        }
    }
}

/// Why a message to a customer did not go out.
enum SendError {
    NotConfigured(Platform),
    Chat(ChatError),
    Mail(MailError),
}

pub const NOT_CONFIGURED: &str = "platform not configured";

/// A platform's client, or why there is none.
fn configured<C>(client: &Option<C>, platform: Platform) -> Result<&C, SendError> {
    client.as_ref().ok_or(SendError::NotConfigured(platform))
}

/// Handles one event from the change feed.
pub async fn handle_entry(entry: &FeedEntry, deps: &Outreach) -> Result<Handled, OutreachError> {
    handle(&entry.seq.to_string(), &entry.event, deps).await
}

/// Handles one event; `event_id` is unique per event and the same on redelivery (the feed's
/// sequence number, or the stream record's id), for effects that have no subject of their own.
pub async fn handle(event_id: &str, event: &DomainEvent, deps: &Outreach) -> Result<Handled, OutreachError> {
    let handled = match event {
        DomainEvent::SurveyRequested {
            customer_id,
            identity,
            brand,
        } => deps.ask(event_id, customer_id, identity, brand.as_deref()).await,
        DomainEvent::ResponseRecorded {
            response_id,
            platform,
            score,
            ..
        } => {
            if deps.follow_up_has_work(*platform, *score) {
                deps.follow_up(response_id).await
            } else {
                Ok(Handled::Skipped(format!(
                    "nothing to send or store for this answer on {platform}"
                )))
            }
        }
        DomainEvent::CommentRecorded { response_id, .. } => deps.on_comment(response_id).await,
        DomainEvent::ScoreNotUnderstood {
            customer_id,
            identity,
            reason,
        } => deps.reask(event_id, customer_id, identity, reason).await,
        DomainEvent::OptedOut { customer_id, identity } => deps.confirm_opt_out(customer_id, identity.as_ref()).await,
        DomainEvent::MentionRecorded { mention_id, sentiment } => deps.on_mention(mention_id, *sentiment).await,
        DomainEvent::AlertChanged { alert_id, .. } => deps.refresh_alert(alert_id).await,
        DomainEvent::PurchaseRecorded { .. } | DomainEvent::ReferralClicked { .. } => {
            Ok(Handled::Skipped("nothing to send".into()))
        }
    };
    match &handled {
        Ok(outcome) => tracing::debug!(kind = event.kind(), event_id, ?outcome, "handled"),
        Err(e) => {
            tracing::warn!(kind = event.kind(), event_id, error = %e, retried = e.is_retried(), "not handled")
        }
    }
    handled
}

/// The longest wait between attempts to record a message already sent.
const RECORD_MAX_BACKOFF: std::time::Duration = std::time::Duration::from_secs(5);

impl Outreach {
    fn now(&self) -> DateTime<Utc> {
        self.config.clock.now()
    }

    async fn customer_locale(&self, customer: Option<&Customer>, extra: Option<&str>) -> String {
        self.templates.resolve_locale(
            [customer.and_then(|c| c.locale.as_deref()), extra],
            &self.config.default_locale,
        )
    }

    /// Whether outreach has a client for `platform`.
    fn can_send(&self, platform: Platform) -> bool {
        match platform {
            Platform::Slack => self.chat.slack.is_some(),
            Platform::Telegram => self.chat.telegram.is_some(),
            Platform::Whatsapp => self.chat.whatsapp.is_some(),
            Platform::Email => self.config.email.is_some(),
            _ => false,
        }
    }

    /// The customer's chat on the platform they answered on, unless they opted out.
    fn chat_identity(customer: Option<&Customer>, platform: Platform) -> Option<Identity> {
        let customer = customer.filter(|c| !c.opted_out)?;
        customer
            .identities
            .iter()
            .find(|i| i.platform == platform && platform.is_chat())
            .cloned()
    }

    fn staff_locale(&self) -> &str {
        &self.config.default_locale
    }
}
