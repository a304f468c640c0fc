//! The store's ports: one narrow trait per capability, and the adapters that implement them.
//!
//! One design, serverless-rust-demo's: a function takes the ports it uses (`compute` reads
//! [`AggregateReader`] and [`RecordLister`]; listening writes with [`ChangeWriter`] and reads the
//! [`ChangeFeed`]), and only a host holds [`Store`], every port at once, to lend out. Each adapter
//! implements the ports in one file each (`sqlite/readers.rs`, `dynamodb/guard.rs`, ...).

#[cfg(any(test, feature = "conformance"))]
pub mod conformance;
#[cfg(feature = "dynamodb")]
pub mod dynamodb;
#[cfg(feature = "sqlite")]
pub mod sqlite;

use crate::ledger::{Applied, Change};
use crate::model::*;
use crate::month::YearMonth;
use crate::referral::ReferralCode;
use async_trait::async_trait;
use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store cannot do this now, and time or an operator can cure it (busy or locked, disk
    /// full, a read-only file, I/O errors, unreachable, throttled): the caller should retry later
    /// (ingest answers 503). The text keeps the root cause ("database or disk is full").
    #[error("the store is unavailable: {0}")]
    Unavailable(String),
    /// The file is not a Sarafan database (or not a database at all, or empty); it was left untouched.
    #[error("{path} is not a Sarafan database ({reason}); it was left untouched")]
    Foreign { path: String, reason: String },
    /// A command that only reads or changes what is stored found no database; none was created.
    #[error("no database at {path}")]
    Missing { path: String },
    /// The database cannot be written (a read-only file, directory or file system, a full disk).
    #[error("{path} cannot be written ({reason})")]
    NotWritable { path: String, reason: String },
    #[error("the database at {path} has schema version {found}, newer than this build's {supported}; upgrade sarafan")]
    TooNew { path: String, found: i64, supported: i64 },
    #[error("{0} not found")]
    NotFound(String),
    #[error("stored data could not be read: {0}")]
    Corrupt(String),
    #[error("store backend error")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    /// Retrying later may succeed: a platform should redeliver. Sarafan's one meaning of
    /// "transient" for the store: the adapter classified the failure as one time or an operator
    /// cures ([`StoreError::Unavailable`]).
    pub fn is_transient(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }

    /// A backend failure the adapter did not classify: neither known to pass nor known to be a
    /// refusal. Ingest answers it as an internal error; outreach, where giving up drops a
    /// customer's message, tries it again (`OutreachError::is_retried`).
    pub fn is_unclassified(&self) -> bool {
        matches!(self, StoreError::Backend(_))
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Applies changes idempotently: records, their events and their counters, all or nothing.
#[async_trait]
pub trait ChangeWriter: Send + Sync {
    async fn apply(&self, delivery: &str, change: Change) -> StoreResult<Applied>;
}

#[async_trait]
pub trait CustomerReader: Send + Sync {
    async fn customer(&self, id: &str) -> StoreResult<Option<Customer>>;
    async fn customer_by_identity(&self, identity: &Identity) -> StoreResult<Option<Customer>>;
}

#[async_trait]
pub trait SurveyReader: Send + Sync {
    /// The newest survey with this chat identity, whatever its stage.
    async fn latest_survey(&self, identity: &Identity) -> StoreResult<Option<SurveyState>>;
}

#[async_trait]
pub trait ResponseReader: Send + Sync {
    async fn response(&self, id: &str) -> StoreResult<Option<Response>>;
    /// A customer's responses, oldest first.
    async fn responses_of(&self, customer_id: &str) -> StoreResult<Vec<Response>>;
}

#[async_trait]
pub trait ReferralReader: Send + Sync {
    async fn referral(&self, code: &ReferralCode) -> StoreResult<Option<Referral>>;
    async fn referral_of(&self, customer_id: &str) -> StoreResult<Option<Referral>>;
}

#[async_trait]
pub trait AlertReader: Send + Sync {
    async fn alert(&self, id: &str) -> StoreResult<Option<Alert>>;
}

#[async_trait]
pub trait MentionReader: Send + Sync {
    async fn mention(&self, id: &str) -> StoreResult<Option<Mention>>;
    /// The newest negative mentions of the brand itself (competitors' are left out) created in
    /// `from..until`, newest first, at most `limit`: the examples a spike alert quotes.
    async fn brand_complaints(
        &self,
        from: chrono::DateTime<chrono::Utc>,
        until: chrono::DateTime<chrono::Utc>,
        limit: usize,
    ) -> StoreResult<Vec<Mention>>;
}

/// Which side effects (a message sent, an alert posted) already happened, so a redelivered
/// event does not repeat them. Keys share the delivery keys' space: `effect:{event kind}:{subject}`.
#[async_trait]
pub trait EffectLog: Send + Sync {
    async fn effect_done(&self, key: &str) -> StoreResult<bool>;
    /// Records an effect that has no record of its own to store with it (a thank-you message).
    async fn mark_effect_done(&self, key: &str) -> StoreResult<()>;
}

#[async_trait]
pub trait ReportReader: Send + Sync {
    async fn report(&self, month: YearMonth, brand: Option<&str>) -> StoreResult<Option<StoredReport>>;
}

/// The monthly aggregate items: `metric -> count` for a month.
#[async_trait]
pub trait AggregateReader: Send + Sync {
    async fn counters(&self, month: YearMonth) -> StoreResult<BTreeMap<String, i64>>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordKind {
    Responses,
    Mentions,
    Purchases,
    Referrals,
    Alerts,
    Reports,
}

impl RecordKind {
    pub const ALL: [RecordKind; 6] = [
        RecordKind::Responses,
        RecordKind::Mentions,
        RecordKind::Purchases,
        RecordKind::Referrals,
        RecordKind::Alerts,
        RecordKind::Reports,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Responses => "responses",
            RecordKind::Mentions => "mentions",
            RecordKind::Purchases => "purchases",
            RecordKind::Referrals => "referrals",
            RecordKind::Alerts => "alerts",
            RecordKind::Reports => "reports",
        }
    }

    pub fn parse(s: &str) -> Option<RecordKind> {
        RecordKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Response(Response),
    Mention(Mention),
    Purchase(Purchase),
    Referral(Referral),
    Alert(Alert),
    Report(StoredReport),
}

/// One page of a listing; `next` continues it.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub records: Vec<Record>,
    pub next: Option<String>,
}

/// Lists stored records of a kind, optionally of one month, in time order, page by page.
#[async_trait]
pub trait RecordLister: Send + Sync {
    async fn list(
        &self,
        kind: RecordKind,
        month: Option<YearMonth>,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Page>;
}

/// The ordered, durable log of domain events, read by a consumer with a cursor (at least once).
#[async_trait]
pub trait ChangeFeed: Send + Sync {
    async fn read_feed(&self, after: u64, limit: usize) -> StoreResult<Vec<FeedEntry>>;
    async fn cursor(&self, consumer: &str) -> StoreResult<u64>;
    async fn save_cursor(&self, consumer: &str, seq: u64) -> StoreResult<()>;
}

/// Every port, for wiring: what a host holds (the ingest router's state, outreach's `Outreach`,
/// the CLI's commands, the Lambda start-up) and lends out. A function below a host names only the
/// ports it uses (`&dyn AggregateReader`, `impl ChangeWriter + ChangeFeed`), as
/// serverless-rust-demo's domain functions do; each adapter implements the ports one file each.
pub trait Store:
    ChangeWriter
    + CustomerReader
    + SurveyReader
    + ResponseReader
    + ReferralReader
    + AlertReader
    + MentionReader
    + ReportReader
    + AggregateReader
    + RecordLister
    + ChangeFeed
    + EffectLog
    + SendGuard
    + ParkedEvents
    + CustomerEraser
{
}

impl<T> Store for T where
    T: ChangeWriter
        + CustomerReader
        + SurveyReader
        + ResponseReader
        + ReferralReader
        + AlertReader
        + MentionReader
        + ReportReader
        + AggregateReader
        + RecordLister
        + ChangeFeed
        + EffectLog
        + SendGuard
        + ParkedEvents
        + CustomerEraser
{
}

/// What asking for a lease came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lease {
    /// The caller holds it (newly taken, renewed, or taken over after it lapsed).
    Held,
    /// Someone else holds it until `until`.
    HeldBy {
        holder: String,
        until: chrono::DateTime<chrono::Utc>,
    },
}

/// What claiming a message came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendClaim {
    /// The caller may send it.
    Claimed,
    /// `claimant` claimed it recently and may be sending it now: try again later.
    InFlight { claimant: String },
}

/// Who may send what: outreach's lease on the store (one feed worker per store) and its claims
/// on single messages (one sender per message, even across Lambdas on different stream shards).
///
/// A claim is written before the send and is what keeps a message from going out twice: only
/// one caller gets `Claimed`. The sender records the message, then releases the claim; whoever
/// claims after that must check the record before sending. A claim is taken again by the same claimant (a retry after a
/// failed send), or by anyone once it is older than `stale_after` (its claimant died between
/// the claim and the record: the message may or may not have gone out, so this is where the
/// one possible duplicate comes from).
#[async_trait]
pub trait SendGuard: Send + Sync {
    /// Takes the lease `name` for `holder` for `ttl` if it is free, lapsed or already `holder`'s.
    async fn lease(&self, name: &str, holder: &str, ttl: std::time::Duration) -> StoreResult<Lease>;
    /// Gives the lease up if `holder` has it, so a successor need not wait for it to lapse.
    async fn release_lease(&self, name: &str, holder: &str) -> StoreResult<()>;
    async fn claim_send(&self, key: &str, claimant: &str, stale_after: std::time::Duration) -> StoreResult<SendClaim>;
    /// Drops `claimant`'s claim on `key` (the send failed and will be retried, maybe by another).
    async fn release_send(&self, key: &str, claimant: &str) -> StoreResult<()>;
}

/// An event outreach holds back because the recipient's platform asked it to wait (a rate
/// limit longer than a Lambda invocation can wait): nothing may be sent for it before `due`.
#[derive(Debug, Clone, PartialEq)]
pub struct ParkedEvent {
    /// The recipient (outreach's lane: `customer:{id}`, `staff`): its later events park behind it.
    pub lane: String,
    /// The stream record the event came in (its sequence number): parking it again is a no-op.
    pub record_id: String,
    pub event: crate::model::DomainEvent,
    pub due: chrono::DateTime<chrono::Utc>,
}

/// Events parked until their due time (outreach in Lambda, where a long wait cannot be slept
/// out in the invocation); a scheduled sweep hands them back when due.
#[async_trait]
pub trait ParkedEvents: Send + Sync {
    /// Keeps `parked` until its due time; the same lane and record again only moves its due time.
    async fn park(&self, parked: &ParkedEvent) -> StoreResult<()>;
    /// The parked events, at most `limit` of them (every one when `None`), each lane's in
    /// record order.
    async fn parked_first(&self, limit: Option<usize>) -> StoreResult<Vec<ParkedEvent>>;
    /// Every parked event, each lane's in record order.
    async fn parked(&self) -> StoreResult<Vec<ParkedEvent>> {
        self.parked_first(None).await
    }
    /// The parked events of `lane`, in record order.
    async fn parked_in(&self, lane: &str) -> StoreResult<Vec<ParkedEvent>>;
    /// Every parked event, as [`ParkedEvents::parked`], when there are at most `at_most` of them;
    /// `None` when there are more, read no further. One read serves a whole batch's recipients
    /// when little is parked (the usual case: nothing).
    async fn parked_if_at_most(&self, at_most: usize) -> StoreResult<Option<Vec<ParkedEvent>>> {
        let parked = self.parked_first(Some(at_most.saturating_add(1))).await?;
        Ok((parked.len() <= at_most).then_some(parked))
    }
    /// Drops a parked event (it was handled).
    async fn unpark(&self, lane: &str, record_id: &str) -> StoreResult<()>;
}

/// The order of stream records: sequence numbers are decimal strings of varying length.
pub fn record_order(a: &str, b: &str) -> std::cmp::Ordering {
    (a.len(), a).cmp(&(b.len(), b))
}

/// What an erasure did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Erasure {
    /// Records changed or removed.
    pub records: u64,
}

/// Privacy requests: erase a customer's personal data everywhere (identities and chat ids,
/// survey conversations, comments, locale, authorship of mentions posted from their chat
/// identities, quotes in stored reports), keeping the anonymous aggregates. Their answers,
/// purchases and referral stay, under a random pseudonym no one can link back, so the month's
/// figures do not change.
///
/// Only the customer's own records are touched, found by their keys and fields (`customer_id`
/// equal to the id, identities the customer owns), never by a substring of a key. Delivery keys
/// all stay: a redelivered webhook of an erased customer is still a duplicate, not applied again.
#[async_trait]
pub trait CustomerEraser: Send + Sync {
    /// `StoreError::NotFound` when no customer with this id is stored; then nothing changes.
    async fn forget_customer(&self, customer_id: &str) -> StoreResult<Erasure>;
}

/// The error for erasing a customer the store does not have.
pub fn unknown_customer(customer_id: &str) -> StoreError {
    StoreError::NotFound(format!("customer {customer_id:?}"))
}

/// The pseudonym an erased customer's records are kept under: random, so not reversible.
pub fn erased_pseudonym() -> String {
    use rand::Rng;
    let n: u64 = rand::rngs::OsRng.gen();
    format!("erased-{n:016x}")
}

/// Replaces every string in `value` that equals one of `secrets` (a customer's comments) with
/// `[erased]`, so stored reports stop quoting an erased customer. Returns whether it changed.
pub fn scrub_quotes(value: &mut serde_json::Value, secrets: &[String]) -> bool {
    use serde_json::Value;
    match value {
        Value::String(s) if secrets.iter().any(|q| !q.is_empty() && s.contains(q.as_str())) => {
            *s = "[erased]".into();
            true
        }
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |changed, v| scrub_quotes(v, secrets) | changed),
        Value::Object(map) => map
            .values_mut()
            .fold(false, |changed, v| scrub_quotes(v, secrets) | changed),
        _ => false,
    }
}

/// Which store a host runs on, read from `SARAFAN_STORE`, `SARAFAN_DB` and `SARAFAN_TABLE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreChoice {
    Sqlite { path: std::path::PathBuf },
    Dynamodb { table: String },
}

impl StoreChoice {
    /// Reads the choice from `vars`; `default` applies when `SARAFAN_STORE` is unset (`sqlite`
    /// for the CLI, `dynamodb` in Lambda).
    pub fn from_vars(vars: &crate::settings::Vars, default: &str) -> Result<Self, crate::settings::ConfigError> {
        use crate::settings::ConfigError;
        match vars.or("SARAFAN_STORE", default) {
            "sqlite" => Ok(StoreChoice::Sqlite {
                path: vars.or("SARAFAN_DB", "./sarafan.db").into(),
            }),
            "dynamodb" => Ok(StoreChoice::Dynamodb {
                table: vars
                    .string("SARAFAN_TABLE")
                    .ok_or_else(|| ConfigError::not_set("SARAFAN_TABLE", "SARAFAN_STORE=dynamodb needs it"))?,
            }),
            other => Err(ConfigError::invalid(
                "SARAFAN_STORE",
                format!("{other:?}: expected sqlite or dynamodb"),
            )),
        }
    }

    /// Opens the chosen store for a host that writes (serve, the Lambdas, `ask`). SQLite creates
    /// its file if the path is missing and refuses one it cannot write; DynamoDB makes no network
    /// call until the first request.
    pub async fn open(&self) -> StoreResult<std::sync::Arc<dyn Store>> {
        match self {
            #[cfg(feature = "sqlite")]
            StoreChoice::Sqlite { path } => Ok(std::sync::Arc::new(sqlite::SqliteStore::open(path)?)),
            #[cfg(not(feature = "sqlite"))]
            StoreChoice::Sqlite { .. } => Err(no_sqlite()),
            #[cfg(feature = "dynamodb")]
            StoreChoice::Dynamodb { table } => Ok(std::sync::Arc::new(dynamodb::DynamoStore::from_env(table).await)),
            #[cfg(not(feature = "dynamodb"))]
            StoreChoice::Dynamodb { .. } => Err(StoreError::Unavailable(
                "this build has no DynamoDB store (build sarafan-core with the `dynamodb` feature)".into(),
            )),
        }
    }

    /// Opens the chosen store as it is, for commands that read or change what is already stored
    /// (export, report, forget): a missing SQLite path is `StoreError::Missing`, never created.
    pub async fn open_existing(&self) -> StoreResult<std::sync::Arc<dyn Store>> {
        match self {
            #[cfg(feature = "sqlite")]
            StoreChoice::Sqlite { path } => Ok(std::sync::Arc::new(sqlite::SqliteStore::open_existing(path)?)),
            #[cfg(not(feature = "sqlite"))]
            StoreChoice::Sqlite { .. } => Err(no_sqlite()),
            StoreChoice::Dynamodb { .. } => self.open().await,
        }
    }

    /// Opens the chosen store on an AWS config already loaded: a Lambda that also reads its
    /// secrets or sends email then shares one HTTP client, so its TLS roots load once at init.
    #[cfg(feature = "dynamodb")]
    pub async fn open_with(&self, aws: &aws_config::SdkConfig) -> StoreResult<std::sync::Arc<dyn Store>> {
        match self {
            StoreChoice::Dynamodb { table } => Ok(std::sync::Arc::new(dynamodb::DynamoStore::from_sdk_config(
                aws,
                table.clone(),
            ))),
            StoreChoice::Sqlite { .. } => self.open().await,
        }
    }
}

/// `SARAFAN_STORE=sqlite` in a build without SQLite (a Lambda binary): nothing was opened or created.
#[cfg(not(feature = "sqlite"))]
fn no_sqlite() -> StoreError {
    StoreError::Unavailable(
        "SARAFAN_STORE=sqlite, but this build has no SQLite store (the Lambda binaries run on DynamoDB; \
         build sarafan-core with the `sqlite` feature)"
            .into(),
    )
}

#[cfg(test)]
mod choice_tests {
    use super::StoreChoice;

    #[test]
    fn store_choice_reads_the_contract_variables() {
        let vars =
            |pairs: &'static [(&'static str, &'static str)]| crate::settings::Vars::from_pairs(pairs.iter().copied());
        assert_eq!(
            StoreChoice::from_vars(&vars(&[]), "sqlite"),
            Ok(StoreChoice::Sqlite {
                path: "./sarafan.db".into()
            })
        );
        assert_eq!(
            StoreChoice::from_vars(&vars(&[("SARAFAN_TABLE", "t")]), "dynamodb"),
            Ok(StoreChoice::Dynamodb { table: "t".into() })
        );
        assert!(StoreChoice::from_vars(&vars(&[]), "dynamodb")
            .unwrap_err()
            .to_string()
            .contains("SARAFAN_TABLE"));
        assert!(StoreChoice::from_vars(&vars(&[("SARAFAN_STORE", "mongo")]), "sqlite").is_err());
    }
}
