//! What outreach does for each domain event: ask, follow up, thank, alert staff, update alerts.
//!
//! Effects happen once per event: before sending, the handler checks the effect log for the
//! effect's key (`effect:{event kind}:{subject}`) and claims the key in the store (a conditional
//! write: of two workers or Lambdas only one may send); after sending it records the key, with
//! the record the effect produced (the survey, the alert) where there is one. Once the platform
//! has accepted a message only the record is retried, never the send. A crash between the send
//! and the record leaves a claim that is taken over once stale: that message may go out once
//! more, and only that one (see docs/deploy.md, "Delivery guarantees").

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
use sarafan_core::referral::ReferralCode;
use sarafan_core::store::{SendClaim, StoreError};
use sarafan_core::survey::Survey;
use sarafan_core::Category;
use std::sync::Arc;

/// The store ports outreach needs: the whole store plus its effect log and mention reader.
pub use sarafan_core::store::FullStore as OutreachStore;

/// Outreach's dependencies, built once at startup and lent to every event.
pub struct Outreach {
    pub store: Arc<dyn OutreachStore>,
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

/// A negative mention older than this when outreach sees it (a backfill, a long outage) still
/// alerts staff, but is not assessed for a spike: spike alerts are news.
pub const SPIKE_NEWS_HOURS: i64 = 48;

/// How many of the latest complaints a spike alert quotes.
const SPIKE_EXAMPLES: usize = 3;
/// Each quoted complaint is cut to this many characters, so all of them fit one Slack section.
const SPIKE_EXAMPLE_CHARS: usize = 800;

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
        DomainEvent::ResponseRecorded { response_id, .. } => deps.follow_up(response_id).await,
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

    /// Claims the message `key` for this worker before it is sent; `false` if, claimed, it
    /// turns out to be sent and recorded already (by a sender that has just let go of its claim).
    async fn claim(&self, key: &str) -> Result<bool, OutreachError> {
        match self
            .store
            .claim_send(key, &self.config.claimant, self.config.claim_stale_after)
            .await?
        {
            SendClaim::Claimed => {}
            SendClaim::InFlight { claimant } => {
                return Err(OutreachError::InFlight {
                    key: key.to_string(),
                    claimant,
                })
            }
        }
        // A sender records its message before dropping its claim, so whoever claims after the
        // drop sees the record here.
        if self.store.effect_done(key).await? {
            self.unclaim(key).await;
            return Ok(false);
        }
        Ok(true)
    }

    /// A send failed and will be retried: let whoever retries it claim it. Best effort, as our
    /// own retry claims it again anyway and anyone else's once the claim is stale.
    async fn unclaim(&self, key: &str) {
        if let Err(e) = self.store.release_send(key, &self.config.claimant).await {
            tracing::debug!(key, error = %e, "claim not released");
        }
    }

    /// Records what a message the platform accepted produced. The message is out, so a store
    /// that fails now is retried here (only the record, never the send) until it takes it, or
    /// until the worker is told to stop: then the claim stays (nobody else sends it) and the
    /// message goes to the outbox, to be recorded at the next start.
    async fn record_sent(&self, key: &str, record: Option<Change>) -> Result<(), OutreachError> {
        let mut wait = std::time::Duration::from_millis(50);
        let stop = &self.config.stop;
        loop {
            let stored = async {
                match &record {
                    Some(change) => self.store.apply(key, change.clone()).await.map(drop),
                    None => self.store.mark_effect_done(key).await,
                }
            };
            // A write may hang on a locked store for its busy timeout: a stop does not wait for it
            // (should it land after all, recording it again at the next start is a duplicate).
            let stored = tokio::select! {
                stored = stored => stored,
                _ = stop.raised() => return Err(self.keep_unrecorded(key, record)),
            };
            match stored {
                Ok(()) => {
                    // The record now keeps the message single: the claim has done its work, and
                    // dropping it leaves no claim (nor the customer id some keys hold) behind.
                    self.unclaim(key).await;
                    return Ok(());
                }
                Err(e) if store_retried(&e) => {
                    tracing::warn!(key, error = %e, wait_ms = wait.as_millis() as u64, "message sent but not recorded; retrying the record");
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = stop.raised() => return Err(self.keep_unrecorded(key, record)),
                    }
                    wait = (wait * 2).min(RECORD_MAX_BACKOFF);
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Stopping with `key` sent and not recorded: keeps it in the outbox for the next start.
    fn keep_unrecorded(&self, key: &str, record: Option<Change>) -> OutreachError {
        let message = crate::outbox::Unrecorded {
            key: key.to_string(),
            claimant: self.config.claimant.clone(),
            record,
        };
        match &self.config.outbox {
            Some(path) => match crate::outbox::keep(path, &message) {
                Ok(()) => {
                    tracing::warn!(key, outbox = %path.display(), "stopping with a message sent but not recorded: kept to record at the next start; its claim keeps others from sending it")
                }
                Err(e) => {
                    tracing::error!(key, outbox = %path.display(), error = %e, "stopping with a message sent but not recorded, and it could not be kept: once its claim is stale it may be sent again")
                }
            },
            None => tracing::error!(
                key,
                "stopping with a message sent but not recorded: once its claim is stale it may be sent again"
            ),
        }
        OutreachError::Stopped { key: key.to_string() }
    }

    async fn customer_locale(&self, customer: Option<&Customer>, extra: Option<&str>) -> String {
        self.templates.resolve_locale(
            [customer.and_then(|c| c.locale.as_deref()), extra],
            &self.config.default_locale,
        )
    }

    /// SurveyRequested: ask the question unless opted out or asked recently.
    async fn ask(
        &self,
        event_id: &str,
        customer_id: &str,
        identity: &Identity,
        brand: Option<&str>,
    ) -> Result<Handled, OutreachError> {
        let key = format!("effect:survey_requested:{event_id}");
        if self.store.effect_done(&key).await? {
            return Ok(Handled::Done { messages: 0 });
        }
        let customer = self.store.customer(customer_id).await?;
        let now = self.now();
        let survey_id = format!("survey-{event_id}");
        // A survey of this event stored already: an earlier attempt recorded it and then could
        // not send (or crashed). It is this question, so the throttle it set does not apply.
        let recorded = self.store.latest_survey(identity).await?.filter(|s| s.id == survey_id);
        let (opted_out, last_asked) = customer
            .as_ref()
            .map(|c| (c.opted_out, c.last_asked_at))
            .unwrap_or_default();
        let last_asked = if recorded.is_some() { None } else { last_asked };
        if let Err(refused) = self.config.policy.may_ask(opted_out, last_asked, now) {
            tracing::info!(customer_id, %refused, "not asking");
            return Ok(Handled::Skipped(refused.to_string()));
        }
        // Slack knows its users' language; ask it only when the customer record does not say.
        let slack_locale = match (&self.chat.slack, identity.platform) {
            (Some(slack), Platform::Slack) if customer.as_ref().and_then(|c| c.locale.as_ref()).is_none() => {
                slack.user_locale(&identity.address).await.unwrap_or_else(|e| {
                    tracing::info!(error = %e, "no Slack locale; using the default");
                    None
                })
            }
            _ => None,
        };
        let locale = self.customer_locale(customer.as_ref(), slack_locale.as_deref()).await;
        let mut state = recorded.unwrap_or_else(|| SurveyState {
            id: survey_id,
            customer_id: customer_id.to_string(),
            identity: identity.clone(),
            locale: Some(locale.clone()),
            brand: brand.map(str::to_string),
            survey: Survey::ask(&self.config.policy, now),
            response_id: None,
            error: None,
        });
        if !self.claim(&key).await? {
            return Ok(Handled::Done { messages: 0 });
        }
        if self.can_send(identity.platform) {
            // Stored before the question goes out, so an answer however fast finds its survey.
            // Refused for good, it is marked failed below and no longer counts as asked.
            let stored = self
                .store
                .apply(&format!("{key}:asked"), Change::Survey(state.clone()))
                .await;
            if let Err(e) = stored {
                self.unclaim(&key).await;
                return Err(e.into());
            }
        }
        let sent = match identity.platform {
            Platform::Email => self.send_survey_email(&state, &locale).await,
            _ => self.send_question(identity, &locale, brand).await,
        };
        let outcome = match sent {
            Ok(()) => {
                self.record_sent(&key, None).await?;
                return Ok(Handled::Done { messages: 1 });
            }
            Err(SendError::Chat(e)) if e.is_transient() => {
                self.unclaim(&key).await;
                return Err(e.into());
            }
            Err(SendError::Mail(e)) if e.is_transient() => {
                self.unclaim(&key).await;
                return Err(e.into());
            }
            Err(failure) => {
                let reason = match failure {
                    SendError::NotConfigured(_) => NOT_CONFIGURED.to_string(),
                    SendError::Chat(e) => e.to_string(),
                    SendError::Mail(e) => e.to_string(),
                };
                tracing::error!(customer_id, platform = %identity.platform, %reason, "the question could not be delivered");
                state.survey.delivery_failed();
                state.error = Some(reason.clone());
                Handled::SurveyFailed(reason)
            }
        };
        self.store.apply(&key, Change::Survey(state)).await?;
        self.unclaim(&key).await;
        Ok(outcome)
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

    /// The survey email: the question and eleven score links, each signed for this survey.
    async fn send_survey_email(&self, state: &SurveyState, locale: &str) -> Result<(), SendError> {
        let email = self
            .config
            .email
            .as_ref()
            .ok_or(SendError::NotConfigured(Platform::Email))?;
        let to = &state.identity.address;
        let urls = email.urls(&state.id, to);
        let message = SurveyEmail {
            templates: &self.templates,
            locale,
            brand: state.brand.as_deref(),
            urls: &urls,
        };
        let raw = message.build(&email.from, to).map_err(SendError::Mail)?;
        let id = email
            .mailer
            .send_raw(&email.from, to, raw)
            .await
            .map_err(SendError::Mail)?;
        tracing::info!(survey_id = %state.id, message_id = %id, "survey email sent");
        Ok(())
    }

    /// A promoter who answered by email gets their referral link by email too, once.
    async fn email_referral_link(
        &self,
        response: &Response,
        customer: Option<&Customer>,
        locale: &str,
    ) -> Result<usize, OutreachError> {
        let (Some(email), Some(base)) = (&self.config.email, &self.config.public_url) else {
            return Ok(0);
        };
        let Some(customer) = customer.filter(|c| !c.opted_out) else {
            return Ok(0);
        };
        let key = format!("effect:response_recorded:{}", response.id);
        if self.store.effect_done(&key).await? {
            return Ok(0);
        }
        // The survey this response answers: the link goes to the address it was sent to (not
        // any other address of the customer's), and its links (unsubscribe) go in the footer.
        let survey_id = response.id.strip_suffix(":response").unwrap_or(&response.id);
        let mut answered = None;
        for identity in customer.identities.iter().filter(|i| i.platform == Platform::Email) {
            if self
                .store
                .latest_survey(identity)
                .await?
                .is_some_and(|s| s.id == survey_id)
            {
                answered = Some(identity);
                break;
            }
        }
        let Some(identity) = answered else {
            tracing::info!(response_id = %response.id, "referral email skipped: the answered address was asked again since, or is no longer the customer's");
            return Ok(0);
        };
        let code = self
            .email_referral_code(&email.links, &response.customer_id, &response.id)
            .await?;
        let link = format!("{base}/r/{code}");
        let urls = email.urls(survey_id, &identity.address);
        let raw = referral_message(&self.templates, locale, &link, &urls, &email.from, &identity.address)?;
        if !self.claim(&key).await? {
            return Ok(0);
        }
        match email.mailer.send_raw(&email.from, &identity.address, raw).await {
            Ok(_) => {
                self.record_sent(&key, None).await?;
                Ok(1)
            }
            Err(e) if e.is_transient() => {
                self.unclaim(&key).await;
                Err(e.into())
            }
            Err(e) => {
                tracing::error!(key, error = %e, "referral email refused; not retried");
                self.store.mark_effect_done(&key).await?;
                self.unclaim(&key).await;
                Ok(0)
            }
        }
    }

    async fn send_question(&self, identity: &Identity, locale: &str, brand: Option<&str>) -> Result<(), SendError> {
        let question = match brand {
            Some(brand) => self.templates.render(locale, Key::QuestionBrand, &[("brand", brand)]),
            None => self.templates.text(locale, Key::Question).to_string(),
        };
        let chat = |e| SendError::Chat(e);
        match identity.platform {
            Platform::Slack => {
                let slack = configured(&self.chat.slack, Platform::Slack)?;
                let channel = slack.open_dm(&identity.address).await.map_err(chat)?;
                let blocks = slack_question_blocks(&question, self.templates.text(locale, Key::ScoreHint));
                slack
                    .post_message(&channel, &escape_mrkdwn(&question), Some(&blocks))
                    .await
                    .map_err(chat)?;
            }
            Platform::Telegram => {
                let telegram = configured(&self.chat.telegram, Platform::Telegram)?;
                let text = format!("{question}\n\n{}", self.templates.text(locale, Key::ScoreHint));
                telegram
                    .send_message(&identity.address, &text, Some(&telegram_score_keyboard()))
                    .await
                    .map_err(chat)?;
            }
            Platform::Whatsapp => {
                let whatsapp = configured(&self.chat.whatsapp, Platform::Whatsapp)?;
                let body = format!("{question}\n\n{}", self.templates.text(locale, Key::TypeHint));
                let button = self.templates.text(locale, Key::ListButton);
                let section: String = button.chars().take(24).collect();
                whatsapp
                    .send_list(&identity.address, &body, button, &section, &whatsapp_score_rows())
                    .await
                    .map_err(chat)?;
            }
            other => return Err(SendError::NotConfigured(other)),
        }
        Ok(())
    }

    /// Sends plain text to a customer's chat.
    async fn send_text(&self, identity: &Identity, text: &str) -> Result<(), SendError> {
        let chat = |e| SendError::Chat(e);
        match identity.platform {
            Platform::Slack => {
                let slack = configured(&self.chat.slack, Platform::Slack)?;
                let channel = slack.open_dm(&identity.address).await.map_err(chat)?;
                slack
                    .post_message(&channel, &escape_mrkdwn(text), None)
                    .await
                    .map_err(chat)?;
            }
            Platform::Telegram => {
                let telegram = configured(&self.chat.telegram, Platform::Telegram)?;
                telegram
                    .send_message(&identity.address, text, None)
                    .await
                    .map_err(chat)?;
            }
            Platform::Whatsapp => {
                let whatsapp = configured(&self.chat.whatsapp, Platform::Whatsapp)?;
                whatsapp.send_text(&identity.address, text).await.map_err(chat)?;
            }
            other => return Err(SendError::NotConfigured(other)),
        }
        Ok(())
    }

    /// Sends `text` to the customer once under `key`. A refusal that no retry can fix is logged and
    /// counted as done, so it does not block the event's other effects; a transient one is returned.
    /// `record` is the change stored with the key (the survey moving on), if any.
    async fn send_once(
        &self,
        key: &str,
        identity: &Identity,
        text: &str,
        record: Option<Change>,
    ) -> Result<usize, OutreachError> {
        if self.store.effect_done(key).await? {
            return Ok(0);
        }
        if !self.claim(key).await? {
            return Ok(0);
        }
        match self.send_text(identity, text).await {
            Ok(()) => {
                self.record_sent(key, record).await?;
                return Ok(1);
            }
            Err(SendError::Chat(e)) if e.is_transient() => {
                self.unclaim(key).await;
                return Err(e.into());
            }
            Err(SendError::Chat(e)) => {
                tracing::error!(key, error = %e, "message refused; not retried");
            }
            Err(SendError::NotConfigured(platform)) => {
                tracing::warn!(key, %platform, "{NOT_CONFIGURED}; message not sent");
            }
            Err(SendError::Mail(e)) => {
                tracing::error!(key, error = %e, "email refused; not retried");
            }
        }
        match record {
            Some(change) => {
                self.store.apply(key, change).await?;
            }
            None => self.store.mark_effect_done(key).await?,
        }
        self.unclaim(key).await;
        Ok(0)
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

    /// ResponseRecorded: the follow-up for the category, the referral link, the staff alert.
    async fn follow_up(&self, response_id: &str) -> Result<Handled, OutreachError> {
        let Some(response) = self.store.response(response_id).await? else {
            return Ok(Handled::Skipped(format!("response {response_id} is gone")));
        };
        let customer = self.store.customer(&response.customer_id).await?;
        let identity = Self::chat_identity(customer.as_ref(), response.platform);
        let survey = match &identity {
            Some(identity) => self.store.latest_survey(identity).await?,
            None => None,
        };
        let locale = self.templates.resolve_locale(
            [
                response.locale.as_deref(),
                survey.as_ref().and_then(|s| s.locale.as_deref()),
                customer.as_ref().and_then(|c| c.locale.as_deref()),
            ],
            &self.config.default_locale,
        );
        let mut messages = 0;
        let mut customer_failure = None;
        // Answered on the email survey's page: the page asked the follow-up; a promoter's link
        // also goes by email.
        if response.platform == Platform::Email && response.category() == Category::Promoter {
            match self.email_referral_link(&response, customer.as_ref(), &locale).await {
                Ok(sent) => messages += sent,
                Err(e) if e.is_retried() => customer_failure = Some(e),
                Err(e) => return Err(e),
            }
        }
        if let Some(identity) = &identity {
            let text = match response.category() {
                Category::Promoter => match &self.config.public_url {
                    Some(base) => {
                        let code = self.referral_code(&response.customer_id, response_id).await?;
                        let link = format!("{base}/r/{code}");
                        self.templates
                            .render(&locale, Key::PromoterFollowUp, &[("link", &link)])
                    }
                    None => self.templates.text(&locale, Key::PromoterThanks).to_string(),
                },
                Category::Passive => self.templates.text(&locale, Key::PassiveFollowUp).to_string(),
                Category::Detractor => self.templates.text(&locale, Key::DetractorFollowUp).to_string(),
            };
            // The survey this response closed moves on to "follow-up asked" with the same write.
            let record = survey
                .filter(|s| s.response_id.as_deref().is_none_or(|id| id == response_id))
                .map(|mut s| {
                    s.survey.follow_up_sent();
                    Change::Survey(s)
                });
            let key = format!("effect:response_recorded:{response_id}");
            match self.send_once(&key, identity, &text, record).await {
                Ok(sent) => messages += sent,
                // Staff hear of the answer even while the customer's chat is failing; the
                // event comes back for the follow-up, and the alert's key keeps it single.
                Err(e) if e.is_retried() => customer_failure = Some(e),
                Err(e) => return Err(e),
            }
        }
        match response.category() {
            Category::Detractor => {
                messages += self
                    .raise_detractor_alert(&response, customer.as_ref(), &locale)
                    .await?
            }
            Category::Promoter if response.comment.as_deref().is_some_and(|c| !c.trim().is_empty()) => {
                messages += self.share_kudos(&response, customer.as_ref(), &locale).await?
            }
            _ => {}
        }
        if let Some(e) = customer_failure {
            return Err(e);
        }
        Ok(Handled::Done { messages })
    }

    /// The customer's referral code, created on first need. A redelivered event finds the code
    /// created the first time, so a promoter always has one link.
    async fn referral_code(&self, customer_id: &str, response_id: &str) -> Result<ReferralCode, OutreachError> {
        if let Some(referral) = self.store.referral_of(customer_id).await? {
            return Ok(referral.code);
        }
        let referral = Referral {
            code: ReferralCode::generate(),
            customer_id: customer_id.to_string(),
            clicks: 0,
            conversions: 0,
            created_at: self.now(),
        };
        let code = referral.code.clone();
        let key = format!("effect:referral_created:{response_id}");
        self.store.apply(&key, Change::ReferralCreated(referral)).await?;
        // A concurrent worker may have won the race: whichever code is stored is the one.
        Ok(self
            .store
            .referral_of(customer_id)
            .await?
            .map(|r| r.code)
            .unwrap_or(code))
    }

    /// The email promoter's referral code, as stored: theirs, or the one derived from the link
    /// secret for this response (the thank-you page made it first, or this makes it), read back
    /// by its code, a consistent read where DynamoDB's by-customer index may lag. A code not
    /// stored is never answered, so the email's /r/{code} always leads somewhere.
    async fn email_referral_code(
        &self,
        links: &sarafan_core::survey_link::LinkSecrets,
        customer_id: &str,
        response_id: &str,
    ) -> Result<ReferralCode, OutreachError> {
        if let Some(referral) = self.store.referral_of(customer_id).await? {
            return Ok(referral.code);
        }
        let codes = links.referral_codes(response_id);
        for code in &codes {
            if let Some(referral) = self.store.referral(code).await? {
                return Ok(referral.code);
            }
        }
        let referral = Referral {
            code: codes[0].clone(),
            customer_id: customer_id.to_string(),
            clicks: 0,
            conversions: 0,
            created_at: self.now(),
        };
        let key = format!("effect:referral_created:{response_id}");
        self.store.apply(&key, Change::ReferralCreated(referral)).await?;
        match self.store.referral(&codes[0]).await? {
            Some(referral) => Ok(referral.code),
            // The key made another code (under a secret rotated away): the customer's index will
            // show it; until then the event is retried rather than a dead link sent.
            None => Err(StoreError::Unavailable(format!(
                "the referral code made for {response_id} is not readable yet"
            ))
            .into()),
        }
    }

    fn staff_locale(&self) -> &str {
        &self.config.default_locale
    }

    /// The alert about a response (detractor or kudos), as it should look now.
    async fn response_alert_view(
        &self,
        kind: AlertKind,
        response: &Response,
        customer: Option<&Customer>,
        customer_locale: &str,
        alert: Option<&Alert>,
    ) -> Result<AlertView, OutreachError> {
        let l = self.staff_locale();
        let t = &self.templates;
        let score = response.score.to_string();
        let title_key = if kind == AlertKind::Kudos {
            Key::AlertKudos
        } else {
            Key::AlertDetractor
        };
        let who = customer
            .and_then(|c| c.name.clone())
            .map(|name| format!("{name} ({})", response.customer_id))
            .unwrap_or_else(|| response.customer_id.clone());
        let previous: Vec<String> = self
            .store
            .responses_of(&response.customer_id)
            .await?
            .into_iter()
            .filter(|r| r.id != response.id && r.submitted_at <= response.submitted_at)
            .rev()
            .take(5)
            .map(|r| format!("{} ({})", r.score, r.submitted_at.format("%Y-%m-%d")))
            .collect();
        let previous = if previous.is_empty() {
            t.text(l, Key::NoPrevious).to_string()
        } else {
            previous.join(", ")
        };
        let comment = response.comment.as_deref().map(str::trim).filter(|c| !c.is_empty());
        let mut fields = vec![
            (t.text(l, Key::FieldCustomer).to_string(), escape_mrkdwn(&who)),
            (t.text(l, Key::FieldPlatform).to_string(), response.platform.to_string()),
            (t.text(l, Key::FieldLanguage).to_string(), customer_locale.to_string()),
            (t.text(l, Key::FieldPrevious).to_string(), previous),
        ];
        if comment.is_none() {
            fields.push((
                t.text(l, Key::FieldComment).to_string(),
                format!("_{}_", t.text(l, Key::AwaitingComment)),
            ));
        }
        Ok(AlertView {
            title: escape_mrkdwn(&t.render(l, title_key, &[("score", &score)])),
            fields,
            quote: comment.map(escape_mrkdwn),
            status: alert.and_then(|a| self.status_line(a)),
            buttons: (kind != AlertKind::Kudos)
                .then(|| alert.map(|a| self.buttons(a)))
                .flatten()
                .flatten(),
        })
    }

    fn status_line(&self, alert: &Alert) -> Option<String> {
        let l = self.staff_locale();
        let by = alert
            .claimed_by
            .as_deref()
            .map(slack_user)
            .unwrap_or_else(|| "?".into());
        let when = |at: Option<DateTime<Utc>>| {
            at.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_default()
        };
        match alert.status {
            AlertStatus::Open => None,
            AlertStatus::Claimed => Some(self.templates.render(
                l,
                Key::StatusClaimed,
                &[("user", &by), ("time", &when(alert.claimed_at))],
            )),
            AlertStatus::Resolved => Some(self.templates.render(
                l,
                Key::StatusResolved,
                &[("user", &by), ("time", &when(alert.resolved_at))],
            )),
        }
    }

    fn buttons(&self, alert: &Alert) -> Option<AlertButtons> {
        let l = self.staff_locale();
        (alert.status != AlertStatus::Resolved).then(|| AlertButtons {
            alert_id: alert.id.clone(),
            claim_label: self.templates.text(l, Key::ButtonClaim).to_string(),
            resolve_label: self.templates.text(l, Key::ButtonResolve).to_string(),
            can_claim: alert.status == AlertStatus::Open,
        })
    }

    fn new_alert(&self, id: String, kind: AlertKind, subject_id: &str) -> Alert {
        Alert {
            id,
            kind,
            subject_id: subject_id.to_string(),
            status: AlertStatus::Open,
            claimed_by: None,
            created_at: self.now(),
            claimed_at: None,
            resolved_at: None,
            message: None,
        }
    }

    /// Posts a new alert to `channel` once under `key` and stores it with its message.
    async fn post_alert(
        &self,
        key: &str,
        channel: Option<&String>,
        mut alert: Alert,
        view: AlertView,
    ) -> Result<usize, OutreachError> {
        let (Some(slack), Some(channel)) = (&self.chat.slack, channel) else {
            tracing::warn!(alert_id = %alert.id, "no Slack token or channel for staff alerts; alert stored without a message");
            self.store.apply(key, Change::Alert(alert)).await?;
            return Ok(0);
        };
        let (text, blocks) = view.render();
        if !self.claim(key).await? {
            return Ok(0);
        }
        match slack.post_message(channel, &text, Some(&blocks)).await {
            Ok(message) => {
                alert.message = Some(message);
                self.record_sent(key, Some(Change::Alert(alert))).await?;
                Ok(1)
            }
            Err(e) if e.is_transient() => {
                self.unclaim(key).await;
                Err(e.into())
            }
            Err(e) => {
                // A wrong alert channel is an operator's mistake: keep the alert, say so loudly.
                tracing::error!(alert_id = %alert.id, error = %e, "staff alert refused by Slack");
                self.store.apply(key, Change::Alert(alert)).await?;
                self.unclaim(key).await;
                Ok(0)
            }
        }
    }

    async fn raise_detractor_alert(
        &self,
        response: &Response,
        customer: Option<&Customer>,
        locale: &str,
    ) -> Result<usize, OutreachError> {
        let key = format!("effect:response_recorded:{}:alert", response.id);
        if self.store.effect_done(&key).await? {
            return Ok(0);
        }
        let alert = self.new_alert(detractor_alert_id(&response.id), AlertKind::Detractor, &response.id);
        let view = self
            .response_alert_view(AlertKind::Detractor, response, customer, locale, Some(&alert))
            .await?;
        self.post_alert(&key, self.config.alert_channel.as_ref(), alert, view)
            .await
    }

    /// Praise with words in it is shared with the team, once, whichever event brought the words.
    async fn share_kudos(
        &self,
        response: &Response,
        customer: Option<&Customer>,
        locale: &str,
    ) -> Result<usize, OutreachError> {
        if self.config.kudos_channel.is_none() {
            return Ok(0);
        }
        let key = format!("effect:kudos:{}", response.id);
        if self.store.effect_done(&key).await? {
            return Ok(0);
        }
        let alert = self.new_alert(format!("kudos-{}", response.id), AlertKind::Kudos, &response.id);
        let view = self
            .response_alert_view(AlertKind::Kudos, response, customer, locale, None)
            .await?;
        self.post_alert(&key, self.config.kudos_channel.as_ref(), alert, view)
            .await
    }

    /// CommentRecorded: the detractor alert shows the comment; praise is shared; the customer is thanked.
    async fn on_comment(&self, response_id: &str) -> Result<Handled, OutreachError> {
        let Some(response) = self.store.response(response_id).await? else {
            return Ok(Handled::Skipped(format!("response {response_id} is gone")));
        };
        let customer = self.store.customer(&response.customer_id).await?;
        let locale = self.templates.resolve_locale(
            [
                response.locale.as_deref(),
                customer.as_ref().and_then(|c| c.locale.as_deref()),
            ],
            &self.config.default_locale,
        );
        let mut messages = 0;
        match response.category() {
            Category::Detractor => {
                if let Some(alert) = self.store.alert(&detractor_alert_id(response_id)).await? {
                    // Updating in place is idempotent: no effect key needed.
                    messages += self
                        .update_response_alert(&alert, &response, customer.as_ref(), &locale)
                        .await?;
                }
            }
            Category::Promoter => messages += self.share_kudos(&response, customer.as_ref(), &locale).await?,
            Category::Passive => {}
        }
        if let Some(identity) = Self::chat_identity(customer.as_ref(), response.platform) {
            let key = format!("effect:comment_recorded:{response_id}");
            let text = self.templates.text(&locale, Key::CommentThanks).to_string();
            messages += self.send_once(&key, &identity, &text, None).await?;
        }
        Ok(Handled::Done { messages })
    }

    async fn update_response_alert(
        &self,
        alert: &Alert,
        response: &Response,
        customer: Option<&Customer>,
        locale: &str,
    ) -> Result<usize, OutreachError> {
        let view = self
            .response_alert_view(alert.kind, response, customer, locale, Some(alert))
            .await?;
        self.update_alert_message(alert, view).await
    }

    async fn update_alert_message(&self, alert: &Alert, view: AlertView) -> Result<usize, OutreachError> {
        let (Some(slack), Some(message)) = (&self.chat.slack, &alert.message) else {
            return Ok(0);
        };
        let (text, blocks) = view.render();
        match slack.update_message(message, &text, Some(&blocks)).await {
            Ok(()) => Ok(1),
            Err(e) if e.is_transient() => Err(e.into()),
            Err(e) => {
                tracing::error!(alert_id = %alert.id, error = %e, "alert message could not be updated");
                Ok(0)
            }
        }
    }

    /// ScoreNotUnderstood: ask again, saying briefly why.
    async fn reask(
        &self,
        event_id: &str,
        customer_id: &str,
        identity: &Identity,
        reason: &str,
    ) -> Result<Handled, OutreachError> {
        let customer = self.store.customer(customer_id).await?;
        if customer.as_ref().is_some_and(|c| c.opted_out) {
            return Ok(Handled::Skipped("the customer opted out".into()));
        }
        let survey = self.store.latest_survey(identity).await?;
        let locale = self.templates.resolve_locale(
            [
                survey.as_ref().and_then(|s| s.locale.as_deref()),
                customer.as_ref().and_then(|c| c.locale.as_deref()),
            ],
            &self.config.default_locale,
        );
        let text = self.templates.text(&locale, reask_key(reason)).to_string();
        let key = format!("effect:score_not_understood:{event_id}");
        let messages = self.send_once(&key, identity, &text, None).await?;
        Ok(Handled::Done { messages })
    }

    /// OptedOut: confirm, once, in the chat the customer wrote from.
    async fn confirm_opt_out(&self, customer_id: &str, identity: Option<&Identity>) -> Result<Handled, OutreachError> {
        let customer = self.store.customer(customer_id).await?;
        let identity = identity.cloned().or_else(|| {
            customer
                .as_ref()
                .and_then(|c| c.identities.iter().find(|i| i.platform.is_chat()).cloned())
        });
        let Some(identity) = identity.filter(|i| i.platform.is_chat()) else {
            // An email unsubscribe is confirmed on its page.
            return Ok(Handled::Skipped("no chat to confirm in".into()));
        };
        let locale = self.customer_locale(customer.as_ref(), None).await;
        let text = self.templates.text(&locale, Key::OptedOut).to_string();
        let key = format!("effect:opted_out:{customer_id}");
        let messages = self.send_once(&key, &identity, &text, None).await?;
        Ok(Handled::Done { messages })
    }

    /// MentionRecorded: a negative brand mention alerts staff at once and may reveal a spike;
    /// praise of the brand or of a named employee is shared with the team.
    async fn on_mention(&self, mention_id: &str, sentiment: Sentiment) -> Result<Handled, OutreachError> {
        if sentiment == Sentiment::Neutral {
            return Ok(Handled::Skipped("neutral".into()));
        }
        let Some(mention) = self.store.mention(mention_id).await? else {
            return Ok(Handled::Skipped(format!("mention {mention_id} is gone")));
        };
        // Competitors' mentions are market intelligence for the report, not a cry for help nor praise.
        if mention.competitor {
            return Ok(Handled::Skipped("a competitor's mention".into()));
        }
        if sentiment == Sentiment::Positive {
            return self.share_mention_kudos(&mention).await;
        }
        let messages = self.alert_mention(&mention).await? + self.assess_spike(&mention).await?;
        Ok(Handled::Done { messages })
    }

    async fn alert_mention(&self, mention: &Mention) -> Result<usize, OutreachError> {
        let key = format!("effect:mention_recorded:{}", mention.id);
        if self.store.effect_done(&key).await? {
            return Ok(0);
        }
        let alert = self.new_alert(format!("men-{}", mention.id), AlertKind::NegativeMention, &mention.id);
        let view = self.mention_alert_view(mention, Some(&alert));
        self.post_alert(&key, self.config.alert_channel.as_ref(), alert, view)
            .await
    }

    /// The negative-mention counts around `at`, from the hourly counters of the months it spans.
    async fn spike_reading(&self, at: DateTime<Utc>) -> Result<spike::SpikeReading, OutreachError> {
        let mut counters = std::collections::BTreeMap::new();
        for month in spike::months_for(at) {
            counters.insert(month, self.store.counters(month).await?);
        }
        Ok(spike::HourlySeries::from_counters(&counters, at).reading())
    }

    /// One spike alert per episode (named after its first hour), however many complaints it holds.
    async fn assess_spike(&self, mention: &Mention) -> Result<usize, OutreachError> {
        let now = self.now();
        if now - mention.created_at > chrono::Duration::hours(SPIKE_NEWS_HOURS) {
            // A backfilled or long-delayed mention is history: a spike alert is for now.
            return Ok(0);
        }
        let at = mention.created_at.min(now);
        let reading = self.spike_reading(at).await?;
        let Some(start) = reading.episode_start else {
            return Ok(0);
        };
        let episode = spike::episode_id(start);
        let key = format!("effect:spike:{episode}");
        let announced = self.store.effect_done(&key).await?;
        match spike::assess(reading.last_24h, reading.trailing_28d, announced) {
            spike::SpikeDecision::Raise => {
                tracing::info!(
                    episode,
                    last_24h = reading.last_24h,
                    trailing_28d = reading.trailing_28d,
                    "negative mention spike"
                );
                let alert = self.new_alert(format!("spike-{episode}"), AlertKind::Spike, &mention.id);
                let view = self.spike_alert_view(mention, at, &reading, Some(&alert)).await?;
                self.post_alert(&key, self.config.alert_channel.as_ref(), alert, view)
                    .await
            }
            spike::SpikeDecision::Hold | spike::SpikeDecision::Subsided | spike::SpikeDecision::Quiet => Ok(0),
        }
    }

    /// The spike alert: the counts read at `at`, and the newest complaints they counted as examples
    /// (`mention`, the one that tipped it, when the store has none to show).
    async fn spike_alert_view(
        &self,
        mention: &Mention,
        at: DateTime<Utc>,
        reading: &spike::SpikeReading,
        alert: Option<&Alert>,
    ) -> Result<AlertView, OutreachError> {
        let l = self.staff_locale();
        let t = &self.templates;
        let count = reading.last_24h.to_string();
        let mean = format!("{:.1}", reading.daily_mean());
        let (from, until) = spike::last_day_window(at);
        let mut examples = self.store.brand_complaints(from, until, SPIKE_EXAMPLES).await?;
        if examples.is_empty() {
            examples.push(mention.clone());
        }
        let quote = examples.iter().map(spike_example).collect::<Vec<_>>().join("\n");
        Ok(AlertView {
            title: escape_mrkdwn(&t.render(l, Key::AlertSpike, &[("count", &count), ("mean", &mean)])),
            fields: vec![(
                t.text(l, Key::FieldSentiment).to_string(),
                t.text(l, Key::SentimentNegative).to_string(),
            )],
            quote: Some(quote),
            status: alert.and_then(|a| self.status_line(a)),
            buttons: alert.and_then(|a| self.buttons(a)),
        })
    }

    /// Praise of the brand naming an employee, or glowing, goes to the kudos channel once.
    async fn share_mention_kudos(&self, mention: &Mention) -> Result<Handled, OutreachError> {
        if self.config.kudos_channel.is_none() {
            return Ok(Handled::Skipped("no kudos channel".into()));
        }
        let Some(why) = kudos::kudos(
            &mention.text,
            mention.lang.as_deref(),
            mention.competitor,
            &self.config.staff,
        ) else {
            return Ok(Handled::Skipped("praise, but neither naming staff nor strong".into()));
        };
        let key = format!("effect:kudos:mention:{}", mention.id);
        if self.store.effect_done(&key).await? {
            return Ok(Handled::Done { messages: 0 });
        }
        let l = self.staff_locale();
        let t = &self.templates;
        let mut view = self.mention_alert_view(mention, None);
        view.title = escape_mrkdwn(&t.render(l, Key::AlertPraise, &[("source", &mention.source)]));
        // The sentiment field says "negative" for complaints; praise shows who was named instead.
        view.fields.retain(|(label, _)| label != t.text(l, Key::FieldSentiment));
        if let kudos::Kudos::NamesStaff(names) = why {
            view.fields
                .push((t.text(l, Key::FieldStaff).to_string(), escape_mrkdwn(&names.join(", "))));
        }
        let alert = self.new_alert(format!("kudos-men-{}", mention.id), AlertKind::Kudos, &mention.id);
        let messages = self
            .post_alert(&key, self.config.kudos_channel.as_ref(), alert, view)
            .await?;
        Ok(Handled::Done { messages })
    }

    fn mention_alert_view(&self, mention: &Mention, alert: Option<&Alert>) -> AlertView {
        let l = self.staff_locale();
        let t = &self.templates;
        let mut fields = Vec::new();
        if let Some(author) = &mention.author {
            fields.push((t.text(l, Key::FieldCustomer).to_string(), escape_mrkdwn(author)));
        }
        if let Some(lang) = &mention.lang {
            fields.push((t.text(l, Key::FieldLanguage).to_string(), escape_mrkdwn(lang)));
        }
        fields.push((
            t.text(l, Key::FieldSentiment).to_string(),
            t.text(l, Key::SentimentNegative).to_string(),
        ));
        if let Some(link) = slack_link(mention.url.as_deref()) {
            fields.push((t.text(l, Key::FieldLink).to_string(), link));
        }
        AlertView {
            title: escape_mrkdwn(&t.render(l, Key::AlertMention, &[("source", &mention.source)])),
            fields,
            quote: Some(escape_mrkdwn(&mention.text)),
            status: alert.and_then(|a| self.status_line(a)),
            buttons: alert.and_then(|a| self.buttons(a)),
        }
    }

    /// AlertChanged: the staff message shows who claimed it, or when it was resolved.
    async fn refresh_alert(&self, alert_id: &str) -> Result<Handled, OutreachError> {
        let Some(alert) = self.store.alert(alert_id).await? else {
            return Ok(Handled::Skipped(format!("alert {alert_id} is gone")));
        };
        if alert.message.is_none() {
            return Ok(Handled::Skipped("the alert has no chat message".into()));
        }
        let view = match alert.kind {
            AlertKind::Kudos if alert.id.starts_with("kudos-men-") => {
                return Ok(Handled::Skipped("mention kudos have no status to show".into()))
            }
            AlertKind::Detractor | AlertKind::Kudos => {
                let Some(response) = self.store.response(&alert.subject_id).await? else {
                    return Ok(Handled::Skipped("the response is gone".into()));
                };
                let customer = self.store.customer(&response.customer_id).await?;
                let locale = self
                    .customer_locale(customer.as_ref(), response.locale.as_deref())
                    .await;
                self.response_alert_view(alert.kind, &response, customer.as_ref(), &locale, Some(&alert))
                    .await?
            }
            AlertKind::NegativeMention => {
                let Some(mention) = self.store.mention(&alert.subject_id).await? else {
                    return Ok(Handled::Skipped("the mention is gone".into()));
                };
                self.mention_alert_view(&mention, Some(&alert))
            }
            AlertKind::Spike => {
                let Some(mention) = self.store.mention(&alert.subject_id).await? else {
                    return Ok(Handled::Skipped("the mention is gone".into()));
                };
                // The counts as they were when the spike was raised (the hour of its example).
                let reading = self.spike_reading(mention.created_at).await?;
                self.spike_alert_view(&mention, mention.created_at, &reading, Some(&alert))
                    .await?
            }
        };
        let messages = self.update_alert_message(&alert, view).await?;
        Ok(Handled::Done { messages })
    }
}

/// The detractor alert of a response: one per response, found again when its comment arrives.
pub fn detractor_alert_id(response_id: &str) -> String {
    format!("det-{response_id}")
}

/// One complaint quoted in a spike alert: its words (escaped), then where it was said.
fn spike_example(mention: &Mention) -> String {
    let mut example = format!(
        "{}\n— {}",
        escape_mrkdwn(&clip(&mention.text, SPIKE_EXAMPLE_CHARS)),
        escape_mrkdwn(&mention.source)
    );
    if let Some(author) = &mention.author {
        example.push_str(&format!(", {}", escape_mrkdwn(author)));
    }
    if let Some(link) = slack_link(mention.url.as_deref()) {
        example.push_str(&format!(", {link}"));
    }
    example
}

/// Slack user ids become mentions (`<@U123>`); anything else is shown as escaped text.
fn slack_user(who: &str) -> String {
    let looks_like_id = who.len() >= 9
        && who.starts_with(['U', 'W'])
        && who.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if looks_like_id {
        format!("<@{who}>")
    } else {
        escape_mrkdwn(who)
    }
}

/// Which re-ask fits the parser's reason (`ScoreRefusal`'s message, as ingest records it).
fn reask_key(reason: &str) -> Key {
    let reason = reason.to_ascii_lowercase();
    if reason.contains("several") || reason.contains("ambiguous") || reason.contains("more than one") {
        Key::ReaskAmbiguous
    } else if reason.contains("outside") || reason.contains("range") {
        Key::ReaskOutOfRange
    } else {
        Key::ReaskNoScore
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sarafan_core::score_text::ScoreRefusal;

    #[test]
    fn reasons_from_the_score_parser_pick_the_matching_reask() {
        assert_eq!(reask_key(&ScoreRefusal::NoScore.to_string()), Key::ReaskNoScore);
        assert_eq!(
            reask_key(&ScoreRefusal::Ambiguous(vec![7, 8]).to_string()),
            Key::ReaskAmbiguous
        );
        assert_eq!(
            reask_key(&ScoreRefusal::OutOfRange(11).to_string()),
            Key::ReaskOutOfRange
        );
        assert_eq!(reask_key("something new"), Key::ReaskNoScore);
    }

    #[test]
    fn only_slack_ids_become_mentions() {
        assert_eq!(slack_user("U012AB3CD"), "<@U012AB3CD>");
        assert_eq!(slack_user("<!here>"), "&lt;!here&gt;");
        assert_eq!(slack_user("anna"), "anna");
    }
}
