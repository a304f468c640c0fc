//! sarafan-outreach: what customers and staff see: the NPS question, follow-ups, referral links, staff alerts.

pub mod config;
pub mod email;
pub mod handler;
pub mod messages;
pub mod outbox;
pub mod stop;
pub mod stream;
#[cfg(feature = "stream-reader")]
pub mod stream_worker;
pub mod templates;
pub mod worker;

pub use aws_lambda_events::event::dynamodb::Event as StreamEvent;
pub use config::{ChatClients, ConfigError, OutreachConfig, Settings, WorkerTuning};
pub use handler::{handle, handle_entry, Handled, Outreach, OutreachError};
pub use stop::StopSignal;
pub use stream::{
    deliver_parked, deliver_parked_backing_off, handle_stream_batch, handle_stream_batch_parking,
    handle_stream_batch_within, Clock, Invocation, ParkedBackoff, Swept, SystemClock,
};
#[cfg(feature = "stream-reader")]
pub use stream_worker::run_stream_worker;
pub use templates::{Key, Templates};
pub use worker::run_feed_worker;

use aws_lambda_events::event::streams::DynamoDbEventResponse;
use sarafan_core::lambda::Started;
use sarafan_core::store::StoreChoice;

/// Outreach wired on a started function (`sarafan_core::lambda::start`): its settings from the
/// function's variables, on the store and the AWS config started once (SES shares that config).
pub fn outreach_on(started: &Started) -> Result<Outreach, ConfigError> {
    let settings = Settings::from_vars(&started.vars)?;
    let mut config = settings.config;
    config.outbox = outbox_for(&started.choice);
    if let Some(email) = &mut config.email {
        email.mailer = std::sync::Arc::new(email::SesSurveyMailer::on(&started.aws));
    }
    Ok(Outreach {
        store: started.store.clone(),
        chat: settings.chat,
        templates: settings.templates,
        config,
    })
}

/// Where the feed worker keeps messages sent but not recorded at a stop: beside an SQLite file.
/// On DynamoDB there is none (see docs/deploy.md, "Delivery guarantees").
pub fn outbox_for(choice: &StoreChoice) -> Option<std::path::PathBuf> {
    match choice {
        StoreChoice::Sqlite { path } => Some(outbox::beside(path)),
        StoreChoice::Dynamodb { .. } => None,
    }
}

/// The Lambda handler: one DynamoDB Streams batch, within `invocation`. Records that are not
/// inserted feed events (the filter in template.yaml should already have left them out) are
/// passed over.
pub async fn handle_stream_event(
    deps: &Outreach,
    event: &StreamEvent,
    invocation: Invocation<'_>,
) -> DynamoDbEventResponse {
    let records = sarafan_core::store::dynamodb::stream::events_from_stream(event);
    tracing::debug!(records = event.records.len(), events = records.len(), "stream batch");
    handle_stream_batch_within(deps, records, invocation).await
}

/// The input EventBridge Scheduler sends for the sweep of parked events (template.yaml).
pub const SWEEP_INPUT: &str = r#"{"sarafan":"deliver-parked"}"#;

/// What the outreach Lambda was invoked with.
#[derive(Debug)]
pub enum Invoked {
    Stream(Box<StreamEvent>),
    /// The scheduled sweep of parked events ([`SWEEP_INPUT`]).
    Sweep,
}

/// An invocation the outreach Lambda cannot read: the invocation fails with this message.
#[derive(Debug, thiserror::Error)]
pub enum InvokedError {
    /// It has `Records` but is not a DynamoDB Streams batch.
    #[error("not a DynamoDB stream batch: {0}")]
    NotAStreamBatch(#[source] serde_json::Error),
    /// Neither a stream batch nor the sweep; `got` is the payload, cut at 200 characters.
    #[error("expected a DynamoDB stream batch (Records) or the sweep {SWEEP_INPUT}, got {got}")]
    Unexpected { got: String },
}

impl Invoked {
    /// Tells a stream batch from the sweep; anything else is an error naming what was expected.
    pub fn from_payload(payload: serde_json::Value) -> Result<Invoked, InvokedError> {
        if payload.get("Records").is_some() {
            return serde_json::from_value(payload)
                .map(|event| Invoked::Stream(Box::new(event)))
                .map_err(InvokedError::NotAStreamBatch);
        }
        if payload.get("sarafan").and_then(|v| v.as_str()) == Some("deliver-parked") {
            return Ok(Invoked::Sweep);
        }
        Err(InvokedError::Unexpected {
            got: format!("{:.200}", payload.to_string()),
        })
    }
}

/// The Lambda handler for either input: the batch response, or what the sweep did.
pub async fn handle_invocation(
    deps: &Outreach,
    invoked: &Invoked,
    invocation: Invocation<'_>,
) -> Result<serde_json::Value, OutreachError> {
    match invoked {
        Invoked::Stream(event) => {
            let response = handle_stream_event(deps, event, invocation).await;
            Ok(serde_json::to_value(response).unwrap_or_default())
        }
        Invoked::Sweep => {
            let swept = deliver_parked(deps, invocation).await?;
            tracing::info!(handled = swept.handled, waiting = swept.waiting, "parked events swept");
            Ok(serde_json::json!({"handled": swept.handled, "waiting": swept.waiting}))
        }
    }
}

/// Runs the feed worker until interrupted: outreach outside Lambda, where no stream drives it.
pub async fn run_worker(mut deps: Outreach) {
    // The worker retries per recipient (see `run_feed_worker`); the clients must not wait.
    deps.chat = deps.chat.with_retry(sarafan_core::chat::RetryPolicy::none());
    // One lease holder sends: a claim older than the lease is a dead worker's (see serve.rs).
    deps.config.claim_stale_after = deps.config.lease_ttl;
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    run_feed_worker(&deps, "outreach", shutdown).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreadable_invocation_says_what_was_expected_and_keeps_its_cause() {
        let err = Invoked::from_payload(serde_json::json!({"Records": "none"})).unwrap_err();
        assert!(matches!(err, InvokedError::NotAStreamBatch(_)), "{err:?}");
        assert!(err.to_string().starts_with("not a DynamoDB stream batch: "), "{err}");
        let cause = std::error::Error::source(&err).expect("the JSON error as its source");
        assert!(err.to_string().ends_with(&cause.to_string()), "{err} / {cause}");

        let err = Invoked::from_payload(serde_json::json!({"hello": 1})).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"expected a DynamoDB stream batch (Records) or the sweep {"sarafan":"deliver-parked"}, got {"hello":1}"#
        );
        let long = serde_json::json!({"text": "x".repeat(500)});
        match Invoked::from_payload(long).unwrap_err() {
            InvokedError::Unexpected { got } => assert_eq!(got.chars().count(), 200),
            other => panic!("{other:?}"),
        }
    }
}
