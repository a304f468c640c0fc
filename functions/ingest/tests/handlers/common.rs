//! The test harness: a fresh SQLite store per test, every secret configured, a fixed clock,
//! signing helpers and fixture loading.

use async_trait::async_trait;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use chrono::{DateTime, Duration, Utc};
use http_body_util::BodyExt;
use sarafan_core::ledger::{Applied, Change};
use sarafan_core::model::*;
use sarafan_core::month::YearMonth;
use sarafan_core::referral::ReferralCode;
pub use sarafan_core::signing::{base64_signature, meta_signature, slack_signature};
use sarafan_core::store::sqlite::SqliteStore;
use sarafan_core::store::*;
use sarafan_core::survey::{Survey, SurveyPolicy};
use sarafan_ingest::{app, AppState, Config};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use tower::ServiceExt;

/// 2026-03-10T12:00:00Z: the tests' "now", and the time inside the fixtures.
pub const NOW: i64 = 1_773_144_000;

pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(NOW, 0).unwrap()
}

pub const SLACK_SECRET: &str = "slack-secret";
pub const SLACK_OLD_SECRET: &str = "old-slack-secret";
pub const TELEGRAM_SECRET: &str = "tg-secret";
pub const META_VERIFY: &str = "meta-verify";
pub const META_SECRET: &str = "meta-secret";
pub const X_SECRET: &str = "x-secret";
pub const TYPEFORM_SECRET: &str = "tf-secret";
pub const API_TOKEN: &str = "api-token";
pub const LANDING: &str = "https://sprite.example/welcome?utm_source=referral";

pub fn all_vars() -> Vec<(&'static str, String)> {
    vec![
        ("SARAFAN_STORE", "sqlite".into()),
        ("SLACK_SIGNING_SECRET", format!("{SLACK_SECRET},{SLACK_OLD_SECRET}")),
        ("TELEGRAM_WEBHOOK_SECRET", TELEGRAM_SECRET.into()),
        ("META_VERIFY_TOKEN", META_VERIFY.into()),
        ("META_APP_SECRET", META_SECRET.into()),
        ("X_CONSUMER_SECRET", X_SECRET.into()),
        ("TYPEFORM_SECRET", TYPEFORM_SECRET.into()),
        ("SARAFAN_API_TOKEN", format!("{API_TOKEN},next-api-token")),
        ("REFERRAL_LANDING_URL", LANDING.into()),
        ("SARAFAN_BRAND_TERMS", "Sprite,@SpriteCars".into()),
        ("SARAFAN_COMPETITOR_TERMS", "Fanta Motors".into()),
        ("SLACK_BOT_TOKEN", "xoxb-test".into()),
        ("TELEGRAM_BOT_TOKEN", "123:test".into()),
        ("WHATSAPP_TOKEN", "wa-test".into()),
        ("WHATSAPP_PHONE_NUMBER_ID", "1055".into()),
    ]
}

pub fn fixture(rel: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A fixture with one JSON value replaced (`pointer` as in RFC 6901).
pub fn fixture_with(rel: &str, pointer: &str, value: serde_json::Value) -> String {
    let mut json: serde_json::Value = serde_json::from_str(&fixture(rel)).unwrap();
    *json
        .pointer_mut(pointer)
        .unwrap_or_else(|| panic!("{pointer} not in {rel}")) = value;
    json.to_string()
}

pub struct Harness {
    pub store: Arc<SqliteStore>,
    pub state: AppState,
    _dir: tempfile::TempDir,
}

impl Harness {
    pub fn new() -> Self {
        Self::with_vars(all_vars())
    }

    pub fn with_vars(vars: Vec<(&'static str, String)>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open(dir.path().join("sarafan.db")).unwrap());
        let config = Config::from_vars(&sarafan_core::settings::Vars::from_pairs(vars)).unwrap();
        let state = AppState::new(store.clone(), config).with_clock(Arc::new(now));
        Harness {
            store,
            state,
            _dir: dir,
        }
    }

    pub fn app(&self) -> Router {
        app(self.state.clone())
    }

    pub async fn send(&self, req: Request<Body>) -> Answer {
        send(self.app(), req).await
    }

    /// A customer met on a chat platform, asked the NPS question `days_ago` days before now.
    pub async fn seed_survey(&self, identity: Identity, days_ago: i64) -> SurveyState {
        let asked_at = now() - Duration::days(days_ago);
        let mut customer = Customer::new(identity.customer_id(), asked_at);
        customer.identities.push(identity.clone());
        self.store
            .apply(
                &format!("seed:customer:{}", customer.id),
                Change::Customer(customer.clone()),
            )
            .await
            .unwrap();
        let state = SurveyState {
            id: format!("survey-{}", identity.customer_id()),
            customer_id: customer.id,
            identity,
            locale: None,
            brand: Some("Sprite".into()),
            survey: Survey::ask(&SurveyPolicy::default(), asked_at),
            response_id: None,
            error: None,
        };
        let applied = self
            .store
            .apply(&format!("seed:{}", state.id), Change::Survey(state.clone()))
            .await
            .unwrap();
        assert_eq!(applied, Applied::Stored);
        state
    }

    pub async fn seed_referral(&self, owner: &str) -> ReferralCode {
        let code = ReferralCode::generate();
        let referral = Referral {
            code: code.clone(),
            customer_id: owner.into(),
            clicks: 0,
            conversions: 0,
            created_at: now() - Duration::days(3),
        };
        self.store
            .apply(&format!("seed:referral:{code}"), Change::ReferralCreated(referral))
            .await
            .unwrap();
        code
    }

    pub async fn seed_alert(&self, id: &str) {
        let alert = Alert {
            id: id.into(),
            kind: AlertKind::Detractor,
            subject_id: "response-1".into(),
            status: AlertStatus::Open,
            claimed_by: None,
            created_at: now() - Duration::hours(1),
            claimed_at: None,
            resolved_at: None,
            message: None,
        };
        self.store
            .apply(&format!("seed:alert:{id}"), Change::Alert(alert))
            .await
            .unwrap();
    }

    /// The kinds of the events in the change feed, oldest first.
    pub async fn feed(&self) -> Vec<&'static str> {
        self.store
            .read_feed(0, 1000)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.event.kind())
            .collect()
    }

    pub async fn mentions(&self) -> Vec<Mention> {
        let page = self.store.list(RecordKind::Mentions, None, None, 1000).await.unwrap();
        page.records
            .into_iter()
            .map(|r| match r {
                Record::Mention(m) => m,
                other => panic!("{other:?}"),
            })
            .collect()
    }

    pub async fn responses(&self) -> Vec<Response> {
        let page = self.store.list(RecordKind::Responses, None, None, 1000).await.unwrap();
        page.records
            .into_iter()
            .map(|r| match r {
                Record::Response(m) => m,
                other => panic!("{other:?}"),
            })
            .collect()
    }
}

/// What the platform sees: status, headers, body.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The `detail` of a JSON error body (asserting the `error` field is there too).
    pub fn detail(&self) -> String {
        let json = self.json();
        assert!(json["error"].is_string(), "{json}");
        json["detail"].as_str().unwrap_or_else(|| panic!("{json}")).to_string()
    }
}

pub async fn send<B>(app: Router, req: Request<B>) -> Answer
where
    B: http_body::Body<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    let res = app.oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

pub fn post(path: &str, content_type: &str, headers: &[(&str, String)], body: impl Into<Vec<u8>>) -> Request<Body> {
    let mut req = Request::post(path).header("content-type", content_type);
    for (name, value) in headers {
        req = req.header(*name, value);
    }
    req.body(Body::from(body.into())).unwrap()
}

pub fn slack_event(body: &str) -> Request<Body> {
    slack_signed(
        "/webhooks/slack/events",
        "application/json",
        body.as_bytes(),
        NOW,
        SLACK_SECRET,
    )
}

pub fn slack_signed(path: &str, content_type: &str, body: &[u8], timestamp: i64, secret: &str) -> Request<Body> {
    post(
        path,
        content_type,
        &[
            ("x-slack-request-timestamp", timestamp.to_string()),
            ("x-slack-signature", slack_signature(secret, timestamp, body)),
        ],
        body.to_vec(),
    )
}

/// A Slack interactivity request: the payload JSON form-encoded in `payload`.
pub fn slack_interaction(payload: &str) -> Request<Body> {
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("payload", payload)
        .finish();
    slack_signed(
        "/webhooks/slack/interactions",
        "application/x-www-form-urlencoded",
        body.as_bytes(),
        NOW,
        SLACK_SECRET,
    )
}

pub fn telegram(body: &str) -> Request<Body> {
    post(
        "/webhooks/telegram",
        "application/json",
        &[("x-telegram-bot-api-secret-token", TELEGRAM_SECRET.into())],
        body,
    )
}

pub fn meta(body: &str) -> Request<Body> {
    post(
        "/webhooks/meta",
        "application/json",
        &[("x-hub-signature-256", meta_signature(META_SECRET, body.as_bytes()))],
        body,
    )
}

pub fn x(body: &str) -> Request<Body> {
    post(
        "/webhooks/x",
        "application/json",
        &[(
            "x-twitter-webhooks-signature",
            base64_signature(X_SECRET, body.as_bytes()),
        )],
        body,
    )
}

pub fn typeform(body: &str) -> Request<Body> {
    post(
        "/webhooks/typeform",
        "application/json",
        &[("typeform-signature", base64_signature(TYPEFORM_SECRET, body.as_bytes()))],
        body,
    )
}

pub fn api(path: &str, body: &str) -> Request<Body> {
    post(
        path,
        "application/json",
        &[("authorization", format!("Bearer {API_TOKEN}"))],
        body,
    )
}

pub fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

/// A store that cannot be reached: every call fails as `Unavailable`.
pub struct Unreachable {
    transient: bool,
}

fn failure(transient: bool) -> StoreError {
    let internals = "connection refused by 10.0.0.7:5432 (secret internals)";
    if transient {
        StoreError::Unavailable(internals.into())
    } else {
        StoreError::Backend(internals.into())
    }
}

#[async_trait]
impl ChangeWriter for Unreachable {
    async fn apply(&self, _: &str, _: Change) -> StoreResult<Applied> {
        Err(failure(self.transient))
    }
}
#[async_trait]
impl CustomerReader for Unreachable {
    async fn customer(&self, _: &str) -> StoreResult<Option<Customer>> {
        Err(failure(self.transient))
    }
    async fn customer_by_identity(&self, _: &Identity) -> StoreResult<Option<Customer>> {
        Err(failure(self.transient))
    }
}
#[async_trait]
impl SurveyReader for Unreachable {
    async fn latest_survey(&self, _: &Identity) -> StoreResult<Option<SurveyState>> {
        Err(failure(self.transient))
    }
}
#[async_trait]
impl ResponseReader for Unreachable {
    async fn response(&self, _: &str) -> StoreResult<Option<Response>> {
        Err(failure(self.transient))
    }
    async fn responses_of(&self, _: &str) -> StoreResult<Vec<Response>> {
        Err(failure(self.transient))
    }
}
#[async_trait]
impl ReferralReader for Unreachable {
    async fn referral(&self, _: &ReferralCode) -> StoreResult<Option<Referral>> {
        Err(failure(self.transient))
    }
    async fn referral_of(&self, _: &str) -> StoreResult<Option<Referral>> {
        Err(failure(self.transient))
    }
}
#[async_trait]
impl AlertReader for Unreachable {
    async fn alert(&self, _: &str) -> StoreResult<Option<Alert>> {
        Err(failure(self.transient))
    }
}
#[async_trait]
impl ReportReader for Unreachable {
    async fn report(&self, _: YearMonth, _: Option<&str>) -> StoreResult<Option<StoredReport>> {
        Err(failure(self.transient))
    }
}
#[async_trait]
impl AggregateReader for Unreachable {
    async fn counters(&self, _: YearMonth) -> StoreResult<BTreeMap<String, i64>> {
        Err(failure(self.transient))
    }
}
#[async_trait]
impl RecordLister for Unreachable {
    async fn list(&self, _: RecordKind, _: Option<YearMonth>, _: Option<&str>, _: usize) -> StoreResult<Page> {
        Err(failure(self.transient))
    }
}
#[async_trait]
impl ChangeFeed for Unreachable {
    async fn read_feed(&self, _: u64, _: usize) -> StoreResult<Vec<FeedEntry>> {
        Err(failure(self.transient))
    }
    async fn cursor(&self, _: &str) -> StoreResult<u64> {
        Err(failure(self.transient))
    }
    async fn save_cursor(&self, _: &str, _: u64) -> StoreResult<()> {
        Err(failure(self.transient))
    }
}

#[async_trait]
impl MentionReader for Unreachable {
    async fn mention(&self, _: &str) -> StoreResult<Option<Mention>> {
        Err(failure(self.transient))
    }
    async fn brand_complaints(&self, _: DateTime<Utc>, _: DateTime<Utc>, _: usize) -> StoreResult<Vec<Mention>> {
        Err(failure(self.transient))
    }
}
#[async_trait]
impl EffectLog for Unreachable {
    async fn effect_done(&self, _: &str) -> StoreResult<bool> {
        Err(failure(self.transient))
    }
    async fn mark_effect_done(&self, _: &str) -> StoreResult<()> {
        Err(failure(self.transient))
    }
}
#[async_trait]
impl SendGuard for Unreachable {
    async fn lease(&self, _: &str, _: &str, _: std::time::Duration) -> StoreResult<Lease> {
        Err(failure(self.transient))
    }
    async fn release_lease(&self, _: &str, _: &str) -> StoreResult<()> {
        Err(failure(self.transient))
    }
    async fn claim_send(&self, _: &str, _: &str, _: std::time::Duration) -> StoreResult<SendClaim> {
        Err(failure(self.transient))
    }
    async fn release_send(&self, _: &str, _: &str) -> StoreResult<()> {
        Err(failure(self.transient))
    }
}
#[async_trait]
impl ParkedEvents for Unreachable {
    async fn park(&self, _: &ParkedEvent) -> StoreResult<()> {
        Err(failure(self.transient))
    }
    async fn parked_first(&self, _: Option<usize>) -> StoreResult<Vec<ParkedEvent>> {
        Err(failure(self.transient))
    }
    async fn parked_in(&self, _: &str) -> StoreResult<Vec<ParkedEvent>> {
        Err(failure(self.transient))
    }
    async fn unpark(&self, _: &str, _: &str) -> StoreResult<()> {
        Err(failure(self.transient))
    }
}
#[async_trait]
impl CustomerEraser for Unreachable {
    async fn forget_customer(&self, _: &str) -> StoreResult<Erasure> {
        Err(failure(self.transient))
    }
}

/// The app on a store that cannot be reached.
pub fn unreachable_app() -> Router {
    failing_app(true)
}

/// The app on a store that fails, transiently or not.
pub fn failing_app(transient: bool) -> Router {
    let config = Config::from_vars(&sarafan_core::settings::Vars::from_pairs(all_vars())).unwrap();
    app(AppState::new(Arc::new(Unreachable { transient }), config).with_clock(Arc::new(now)))
}
