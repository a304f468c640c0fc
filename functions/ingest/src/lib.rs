//! sarafan-ingest: the HTTP API (platform webhooks and the generic API) as one axum `Router`,
//! hosted by Lambda (`lambda_http::run`) and by `sarafan serve` (hyper, with timeouts and a cap).
//!
//! Every handler does the same four things and nothing else: verify (over the raw bytes),
//! normalise the platform's payload into domain changes, store them, answer. Sending messages
//! is outreach's job, driven by the store's change feed.

pub mod api;
pub mod body;
pub mod config;
pub mod email_survey;
pub mod email_unsubscribe;
pub mod error;
pub mod inbound;
pub mod mentions;
pub mod platforms;
pub mod referral;
pub mod report_page;
pub mod survey_page;
pub mod verify;

pub use config::{Config, ConfigError, Secrets};
pub use error::AppError;

use axum::routing::{delete, get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use mentions::{Listening, MentionClassifier};
use sarafan_core::store::Store;
use sarafan_core::survey::SurveyPolicy;
use std::sync::Arc;

/// The time source (core's [`sarafan_core::clock::Clock`], shared); tests inject a fixed one
/// (Slack's timestamp window, survey expiry), e.g. `Arc::new(|| at)`.
pub type Clock = sarafan_core::clock::SharedClock;

/// What every handler is lent: the store, the settings, the clock and the mention classifier.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub config: Arc<Config>,
    pub clock: Clock,
    pub classifier: Arc<dyn MentionClassifier>,
    pub policy: SurveyPolicy,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, config: Config) -> Self {
        let classifier = Arc::new(
            Listening::new(&config.brand_terms, &config.competitor_terms).with_default_locale(&config.default_locale),
        );
        AppState {
            store,
            config: Arc::new(config),
            clock: sarafan_core::clock::system(),
            classifier,
            policy: SurveyPolicy::default(),
        }
    }

    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    pub fn with_classifier(mut self, classifier: Arc<dyn MentionClassifier>) -> Self {
        self.classifier = classifier;
        self
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}

/// Every route in docs/contract.md.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/webhooks/slack/events", post(platforms::slack::events))
        .route("/webhooks/slack/interactions", post(platforms::slack::interactions))
        .route("/webhooks/telegram", post(platforms::telegram::update))
        .route(
            "/webhooks/meta",
            get(platforms::meta::subscribe).post(platforms::meta::notification),
        )
        .route("/webhooks/x", get(platforms::x::crc).post(platforms::x::events))
        .route("/webhooks/typeform", post(platforms::typeform::form_response))
        .route("/api/responses", post(api::responses))
        .route("/api/mentions", post(api::mentions))
        .route("/api/purchases", post(api::purchases))
        .route("/api/surveys", post(api::surveys))
        .route("/api/customers/{id}", delete(api::forget_customer))
        .route("/r/{code}", get(referral::click))
        .route("/s/{token}", get(email_survey::page).post(email_survey::answer))
        .route(
            "/s/{token}/unsubscribe",
            get(email_unsubscribe::unsubscribe_page).post(email_unsubscribe::unsubscribe),
        )
        .route("/reports/{month}/{signature}", get(report_page::page))
        .route("/health", get(health))
        .fallback(|| async { AppError::NotFound })
        .with_state(state)
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

/// The secret a route needs, or 404 when it is not configured (the route does not exist here).
pub(crate) fn configured(secrets: &Option<Secrets>) -> Result<&Secrets, AppError> {
    secrets.as_ref().ok_or(AppError::NotFound)
}

/// Seconds since the epoch as a time, or `fallback` when out of range.
pub(crate) fn unix_time(secs: i64, fallback: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or(fallback)
}
