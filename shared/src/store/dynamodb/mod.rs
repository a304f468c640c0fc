//! The DynamoDB store: one table (see docs/data-model.md), each change one TransactWriteItems.

mod group;
mod guard;
mod parking;
pub mod stream;
pub mod table;

use super::*;
use crate::ledger::{self, Deltas, Guard, PurchaseContext, Subject};
use aws_config::SdkConfig;
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue as Av, ConditionCheck, KeysAndAttributes, Put, TransactWriteItem, Update,
};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, SecondsFormat, Utc};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use table::{BY_CUSTOMER, BY_KIND_TIME, PK, SK, TTL, TYPE};

pub use table::create_table;

pub type Item = HashMap<String, Av>;

/// The record as JSON: one attribute holds the whole record, so the schema can evolve freely.
const DOC: &str = "doc";
/// Delivery keys are kept this long: platforms redeliver within hours, operators replay within days.
pub const DELIVERY_TTL_DAYS: i64 = 30;
/// Events written for the stream alone expire after this many days (the stream holds 24 hours).
pub const STREAM_EVENT_TTL_DAYS: i64 = 7;
/// A survey conversation is over long before this; TTL then removes its state.
pub const SURVEY_TTL_DAYS: i64 = 180;
/// How often one change is retried when a concurrent writer won a race on an item it read.
const MAX_ATTEMPTS: u32 = 8;
/// Aggregate counters are attributes `c:{metric}` of the month's item.
const COUNTER_PREFIX: &str = "c:";
const FEED_PK: &str = "FEED";
const SEQ_PK: &str = "FEED#SEQ";
/// Singleton items have this sort key.
const ONE: &str = "#";

/// The DynamoDB store: a client built once, and the table name.
#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
    feed: Feed,
    /// With the ordered feed, one transaction at a time per process moves `FEED#SEQ` (shared by
    /// the store's clones), holding the last sequence number this process wrote or read: the
    /// process's writers queue here instead of racing each other for the counter, and only
    /// another process's writer can make a transaction lose (docs/data-model.md, "The change feed").
    feed_writer: Arc<tokio::sync::Mutex<Option<u64>>>,
    /// When this process last lost the feed counter to another process's write: while that is
    /// recent, changes read the counter before their turn instead of trusting their own last
    /// write (a transaction that fails on it costs more than the read).
    feed_lost_at: Arc<std::sync::Mutex<Option<std::time::Instant>>>,
    /// With the ordered feed, the mentions and responses waiting for a turn at the counter,
    /// written together by whoever has the turn (group.rs).
    group: Arc<group::Queue>,
    /// gsi1 partitions this process has named in their `MONTHS#{kind}` items.
    known_partitions: Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
}

/// Where a store's events go (docs/data-model.md, "The change feed").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Feed {
    /// Numbered `FEED` items after the global counter `FEED#SEQ`, for `ChangeFeed` readers
    /// (`sarafan serve`'s outreach worker).
    Ordered,
    /// Items under `EVENT#{ordering key}`, for DynamoDB Streams alone (outreach in Lambda):
    /// no item every event-writing change must touch.
    Stream,
}

pub(crate) fn backend<E: std::error::Error + Send + Sync + 'static>(e: E) -> StoreError {
    StoreError::Backend(Box::new(e))
}

/// Error codes that say "not now": the platform should retry later (ingest answers 503). Besides
/// throttling and DynamoDB's own faults, that is a table or permission an operator has yet to
/// put right (missing table, denied access, expired or unknown credentials): a redelivery after
/// the fix succeeds, as after freeing a full disk.
fn transient_code(code: Option<&str>) -> bool {
    matches!(
        code,
        Some(
            "ThrottlingException"
                | "ProvisionedThroughputExceededException"
                | "RequestLimitExceeded"
                | "LimitExceededException"
                | "InternalServerError"
                | "ServiceUnavailable"
                | "TransactionInProgressException"
                | "TransactionConflictException"
                | "ResourceNotFoundException"
                | "AccessDeniedException"
                | "ExpiredTokenException"
                | "UnrecognizedClientException"
        )
    )
}

/// Maps SDK errors: unreachable, timed out or throttled after the SDK's retries is `Unavailable`.
pub(crate) fn sdk_err<E>(e: SdkError<E, HttpResponse>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match &e {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_) => {
            StoreError::Unavailable(DisplayErrorContext(&e).to_string())
        }
        SdkError::ServiceError(se) if transient_code(se.err().code()) => {
            StoreError::Unavailable(DisplayErrorContext(&e).to_string())
        }
        _ => backend(e),
    }
}

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

/// RFC 3339 in UTC with microseconds (`2026-03-10T12:00:00.000000Z`), as
/// `to_rfc3339_opts(SecondsFormat::Micros, true)` writes it, without the formatting machinery:
/// every transaction writes several of these.
fn ts(at: DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    let (year, nanos) = (at.year(), at.nanosecond());
    // Years outside 0..=9999 and leap seconds take chrono's path.
    if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 {
        return at.to_rfc3339_opts(SecondsFormat::Micros, true);
    }
    let mut out = [0u8; 27];
    let mut put = |from: usize, width: usize, mut value: u32| {
        for i in (from..from + width).rev() {
            out[i] = b'0' + (value % 10) as u8;
            value /= 10;
        }
    };
    put(0, 4, year as u32);
    put(5, 2, at.month());
    put(8, 2, at.day());
    put(11, 2, at.hour());
    put(14, 2, at.minute());
    put(17, 2, at.second());
    put(20, 6, nanos / 1_000);
    for (i, sep) in [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'.'),
        (26, b'Z'),
    ] {
        out[i] = sep;
    }
    out.iter().map(|&b| char::from(b)).collect()
}

fn s(v: impl Into<String>) -> Av {
    Av::S(v.into())
}

fn n(v: impl ToString) -> Av {
    Av::N(v.to_string())
}

fn key(pk: impl Into<String>, sk: impl Into<String>) -> Item {
    key_with_room(pk, sk, 0)
}

/// A key with room for `more` attributes, so filling the item does not grow the map.
fn key_with_room(pk: impl Into<String>, sk: impl Into<String>, more: usize) -> Item {
    let mut item = HashMap::with_capacity(2 + more);
    item.insert(PK.to_string(), s(pk));
    item.insert(SK.to_string(), s(sk));
    item
}

fn attr_s<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name).and_then(|v| v.as_s().ok()).map(String::as_str)
}

fn attr_n(item: &Item, name: &str) -> StoreResult<Option<i64>> {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .map(|v| v.parse::<i64>().map_err(|e| corrupt(format!("attribute {name}: {e}"))))
        .transpose()
}

fn to_json<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    to_json_sized(value, 256)
}

/// As [`to_json`], into a buffer of `capacity` bytes (a record with a long text would
/// otherwise grow it several times).
fn to_json_sized<T: serde::Serialize>(value: &T, capacity: usize) -> StoreResult<String> {
    let mut out = Vec::with_capacity(capacity);
    serde_json::to_writer(&mut out, value).map_err(corrupt)?;
    String::from_utf8(out).map_err(corrupt)
}

fn doc_of<T: serde::de::DeserializeOwned>(item: &Item) -> StoreResult<T> {
    let doc = attr_s(item, DOC).ok_or_else(|| corrupt("item without doc"))?;
    serde_json::from_str(doc).map_err(|e| corrupt(format!("{e} in {doc:.80}")))
}

fn epoch_after(at: DateTime<Utc>, days: i64) -> i64 {
    (at + chrono::Duration::days(days)).timestamp()
}

// Item keys: every access pattern of docs/data-model.md starts from one of these.
fn delivery_key(delivery: &str) -> Item {
    key(["DELIVERY#", delivery].concat(), ONE)
}
fn customer_key(id: &str) -> Item {
    key(format!("CUSTOMER#{id}"), ONE)
}
fn identity_pk(identity: &Identity) -> String {
    format!("IDENTITY#{}#{}", identity.platform, identity.address)
}
fn identity_key(identity: &Identity) -> Item {
    key(identity_pk(identity), "CUSTOMER")
}
fn survey_key(state: &SurveyState) -> Item {
    key(
        identity_pk(&state.identity),
        format!("SURVEY#{}#{}", ts(state.survey.asked_at), state.id),
    )
}
fn response_key(id: &str) -> Item {
    key(format!("RESPONSE#{id}"), ONE)
}
fn mention_key(id: &str) -> Item {
    // Type, doc and the by-time index's two keys follow.
    key_with_room(["MENTION#", id].concat(), ONE, 4)
}
fn purchase_key(id: &str) -> Item {
    key(format!("PURCHASE#{id}"), ONE)
}
fn referral_key(code: &str) -> Item {
    key(format!("REFERRAL#{code}"), ONE)
}
fn alert_key(id: &str) -> Item {
    key(format!("ALERT#{id}"), ONE)
}
fn report_key(month: YearMonth, brand: Option<&str>) -> Item {
    key(format!("REPORT#{month}#{}", brand.unwrap_or_default()), ONE)
}
/// A month's counters are spread over this many items: a change adds to one of them (chosen
/// by its delivery key), and [`AggregateReader::counters`] sums them all. Concurrent writers
/// then rarely touch the same item (DynamoDB cancels a transaction that meets another on an
/// item), and no single item takes every write of a month: 256 shards hold 10,000 webhooks a
/// second within DynamoDB's 1,000 write units a second per item (docs/data-model.md,
/// "Capacity in AWS"). Shards `00` to `15` are the 16 that tables written before held.
pub const AGGREGATE_SHARDS: u32 = 256;
fn aggregate_key(month: YearMonth, shard: u32) -> Item {
    key(format!("AGG#{month}#{shard:02}"), ONE)
}
/// The one item per month written before the counters were sharded: still read and summed.
fn unsharded_aggregate_key(month: YearMonth) -> Item {
    key(format!("AGG#{month}"), ONE)
}
/// The aggregate shard a delivery writes to: FNV-1a of its key (stable across builds, so a
/// transaction's shape is the same on every run).
fn aggregate_shard(delivery: &str) -> u32 {
    (fnv1a(delivery) % u64::from(AGGREGATE_SHARDS)) as u32
}
fn cursor_key(consumer: &str) -> Item {
    key(format!("CURSOR#{consumer}"), ONE)
}
/// Zero-padded so the sort key orders like the number.
fn feed_sk(seq: u64) -> String {
    let digits = seq.to_string();
    let mut out = "0".repeat(20usize.saturating_sub(digits.len()));
    out.push_str(&digits);
    out
}

/// gsi1 spreads a month's records of one kind over this many partitions, chosen by the record's
/// id: 10,000 records a second of one kind at 2 write units each stay within DynamoDB's 1,000
/// write units a second per partition (docs/data-model.md, "Capacity in AWS").
pub const KIND_MONTH_SHARDS: u32 = 32;

/// FNV-1a: stable across builds and runs, so a key always names the same shard.
fn fnv1a(key: &str) -> u64 {
    key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A record's gsi1 partition: its kind, the month of its time and a shard of its id
/// (`mentions#2026-03#07`), so no index partition takes every write of a kind. Reports keep one
/// partition, `reports`; tables written before this hold every record of a kind under the kind
/// alone, which listings read too.
fn by_kind_month(kind: RecordKind, at: DateTime<Utc>, id: &str) -> String {
    let shard = fnv1a(id) % u64::from(KIND_MONTH_SHARDS);
    format!("{}#{}#{shard:02}", kind.as_str(), YearMonth::of(at))
}

/// The gsi1 partitions of `kind` in `month`, shard by shard.
fn kind_month_partitions(kind: RecordKind, month: &str) -> impl Iterator<Item = String> + '_ {
    (0..KIND_MONTH_SHARDS).map(move |shard| format!("{}#{month}#{shard:02}", kind.as_str()))
}

/// The item that says gsi1 has partitions for a kind and month (`MONTHS#{kind}` / `{month}`):
/// listings of every month find the months here.
fn month_marker_key(partition: &str) -> Option<(String, Item)> {
    let mut parts = partition.splitn(3, '#');
    let (kind, month) = (parts.next()?, parts.next()?);
    Some((format!("{kind}#{month}"), key(format!("MONTHS#{kind}"), month)))
}

/// A record item: keys, type, the JSON doc and its index keys.
fn record_item(
    mut item: Item,
    kind: &str,
    doc: String,
    by_time: Option<(&str, String)>,
    by_customer: Option<(&str, String)>,
) -> Item {
    item.insert(TYPE.into(), s(kind));
    item.insert(DOC.into(), s(doc));
    if let Some((pk, sk)) = by_time {
        item.insert(BY_KIND_TIME.partition_key.into(), s(pk));
        item.insert(BY_KIND_TIME.sort_key.into(), s(sk));
    }
    if let Some((pk, sk)) = by_customer {
        item.insert(BY_CUSTOMER.partition_key.into(), s(pk));
        item.insert(BY_CUSTOMER.sort_key.into(), s(sk));
    }
    item
}

fn response_item(r: &Response) -> StoreResult<Item> {
    let at = ts(r.submitted_at);
    Ok(record_item(
        response_key(&r.id),
        "response",
        to_json(r)?,
        Some((
            &by_kind_month(RecordKind::Responses, r.submitted_at, &r.id),
            format!("{at}#{}", r.id),
        )),
        Some((
            &format!("CUSTOMER#{}", r.customer_id),
            format!("RESPONSE#{at}#{}", r.id),
        )),
    ))
}

fn mention_item(m: &Mention) -> StoreResult<Item> {
    // The doc is mostly the text; JSON escapes make it a little longer.
    let doc = to_json_sized(m, 256 + m.text.len() + m.text.len() / 8)?;
    Ok(record_item(
        mention_key(&m.id),
        "mention",
        doc,
        Some((
            &by_kind_month(RecordKind::Mentions, m.created_at, &m.id),
            [&ts(m.created_at), "#", &m.id].concat(),
        )),
        None,
    ))
}

fn purchase_item(p: &Purchase) -> StoreResult<Item> {
    Ok(record_item(
        purchase_key(&p.id),
        "purchase",
        to_json(p)?,
        Some((
            &by_kind_month(RecordKind::Purchases, p.purchased_at, &p.id),
            format!("{}#{}", ts(p.purchased_at), p.id),
        )),
        None,
    ))
}

fn referral_item(r: &Referral) -> StoreResult<Item> {
    let at = ts(r.created_at);
    let mut item = record_item(
        referral_key(r.code.as_str()),
        "referral",
        to_json(r)?,
        Some((
            &by_kind_month(RecordKind::Referrals, r.created_at, r.code.as_str()),
            format!("{at}#{}", r.code),
        )),
        Some((
            &format!("CUSTOMER#{}", r.customer_id),
            format!("REFERRAL#{at}#{}", r.code),
        )),
    );
    // Counted with ADD, outside the doc, so clicks never contend with anything else.
    item.insert("clicks".into(), n(r.clicks));
    item.insert("conversions".into(), n(r.conversions));
    Ok(item)
}

fn referral_from(item: &Item) -> StoreResult<Referral> {
    let mut r: Referral = doc_of(item)?;
    r.clicks = attr_n(item, "clicks")?.unwrap_or(0) as u64;
    r.conversions = attr_n(item, "conversions")?.unwrap_or(0) as u64;
    Ok(r)
}

fn alert_item(a: &Alert) -> StoreResult<Item> {
    Ok(record_item(
        alert_key(&a.id),
        "alert",
        to_json(a)?,
        Some((
            &by_kind_month(RecordKind::Alerts, a.created_at, &a.id),
            format!("{}#{}", ts(a.created_at), a.id),
        )),
        None,
    ))
}

fn report_item(r: &StoredReport) -> StoreResult<Item> {
    Ok(record_item(
        report_key(r.month, r.brand.as_deref()),
        "report",
        to_json(r)?,
        Some((
            RecordKind::Reports.as_str(),
            format!("{}#{}", r.month, r.brand.as_deref().unwrap_or_default()),
        )),
        None,
    ))
}

fn survey_item(state: &SurveyState) -> StoreResult<Item> {
    let mut item = record_item(survey_key(state), "survey", to_json(state)?, None, None);
    item.insert(TTL.into(), n(epoch_after(state.survey.asked_at, SURVEY_TTL_DAYS)));
    Ok(item)
}

/// What a failed condition on a transaction item means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// The delivery key exists: a duplicate delivery.
    Delivery,
    /// The record exists under another delivery key: a duplicate all the same.
    Record,
    /// Something read before writing changed meanwhile: read again.
    Context,
    /// The feed counter moved, or the feed slots it promised are taken (another process wrote
    /// events): read it again and retry at once.
    Feed,
}

/// A condition expression with its placeholders.
#[derive(Default)]
struct Cond {
    expr: Option<String>,
    names: HashMap<String, String>,
    values: HashMap<String, Av>,
}

impl Cond {
    fn none() -> Self {
        Cond::default()
    }
    fn absent() -> Self {
        Cond {
            expr: Some(["attribute_not_exists(", PK, ")"].concat()),
            ..Cond::default()
        }
    }
    fn present() -> Self {
        Cond {
            expr: Some(["attribute_exists(", PK, ")"].concat()),
            ..Cond::default()
        }
    }
    /// The item is as we read it: its doc unchanged, or still absent.
    fn unchanged(prev: Option<&Item>) -> Self {
        match prev.and_then(|i| attr_s(i, DOC)) {
            Some(doc) => Cond {
                expr: Some("#doc = :prev".into()),
                names: HashMap::from([("#doc".into(), DOC.into())]),
                values: HashMap::from([(":prev".into(), s(doc))]),
            },
            None => Cond::absent(),
        }
    }
    /// A customer's cohort is as we read it.
    fn cohort_is(cohort: Option<YearMonth>) -> Self {
        match cohort {
            Some(c) => Cond {
                expr: Some("cohort = :cohort".into()),
                values: HashMap::from([(":cohort".into(), s(c.to_string()))]),
                ..Cond::default()
            },
            None => Cond {
                expr: Some("attribute_not_exists(cohort)".into()),
                ..Cond::default()
            },
        }
    }
}

fn opt_map<K, V>(m: HashMap<K, V>) -> Option<HashMap<K, V>> {
    (!m.is_empty()).then_some(m)
}

/// The items of one change's transaction, each with what its failed condition would mean.
struct Plan<'a> {
    table: &'a str,
    /// The items and, at the same index, their roles (kept apart: an item is large, and the
    /// transaction takes the items as they are).
    items: Vec<TransactWriteItem>,
    roles: Vec<Role>,
    events: Vec<DomainEvent>,
    deltas: Deltas,
    /// The gsi1 partitions (`{kind}#{month}`) of the records written.
    partitions: Vec<String>,
}

impl<'a> Plan<'a> {
    fn new(table: &'a str) -> Self {
        Plan {
            table,
            // A mention: claim, record, feed counter, feed event, the month's counters.
            items: Vec::with_capacity(8),
            roles: Vec::with_capacity(8),
            events: Vec::new(),
            deltas: Deltas::default(),
            partitions: Vec::new(),
        }
    }

    fn put(&mut self, item: Item, cond: Cond, role: Role) -> StoreResult<()> {
        if let Some(partition) = attr_s(&item, BY_KIND_TIME.partition_key).filter(|p| p.contains('#')) {
            self.partitions.push(partition.to_string());
        }
        let put = Put::builder()
            .table_name(self.table)
            .set_item(Some(item))
            .set_condition_expression(cond.expr)
            .set_expression_attribute_names(opt_map(cond.names))
            .set_expression_attribute_values(opt_map(cond.values))
            .build()
            .map_err(backend)?;
        self.push(TransactWriteItem::builder().put(put).build(), role);
        Ok(())
    }

    fn update(
        &mut self,
        key: Item,
        expr: String,
        mut cond: Cond,
        values: Vec<(String, Av)>,
        role: Role,
    ) -> StoreResult<()> {
        cond.values.reserve(values.len());
        cond.values.extend(values);
        if expr.contains("#type") {
            cond.names.entry("#type".into()).or_insert_with(|| TYPE.into());
        }
        let update = Update::builder()
            .table_name(self.table)
            .set_key(Some(key))
            .update_expression(expr)
            .set_condition_expression(cond.expr)
            .set_expression_attribute_names(opt_map(cond.names))
            .set_expression_attribute_values(opt_map(cond.values))
            .build()
            .map_err(backend)?;
        self.push(TransactWriteItem::builder().update(update).build(), role);
        Ok(())
    }

    fn check(&mut self, key: Item, cond: Cond) -> StoreResult<()> {
        let check = ConditionCheck::builder()
            .table_name(self.table)
            .set_key(Some(key))
            .set_condition_expression(cond.expr)
            .set_expression_attribute_names(opt_map(cond.names))
            .set_expression_attribute_values(opt_map(cond.values))
            .build()
            .map_err(backend)?;
        self.push(
            TransactWriteItem::builder().condition_check(check).build(),
            Role::Context,
        );
        Ok(())
    }

    fn push(&mut self, item: TransactWriteItem, role: Role) {
        self.items.push(item);
        self.roles.push(role);
    }

    /// Makes sure a customer item exists for records that name one, without touching its doc.
    fn ensure_customer(
        &mut self,
        id: &str,
        at: DateTime<Utc>,
        set_cohort: Option<YearMonth>,
        mut cond: Cond,
    ) -> StoreResult<()> {
        let doc = to_json(&Customer::new(id, at))?;
        let mut expr = "SET #doc = if_not_exists(#doc, :doc), #type = :customer".to_string();
        let mut values = vec![(":doc".to_string(), s(doc)), (":customer".to_string(), s("customer"))];
        // A purchase's first new purchase sets the buyer's cohort (under the ledger's guard
        // that it is still unset).
        if let Some(set) = set_cohort {
            expr.push_str(", cohort = :newcohort");
            values.push((":newcohort".into(), s(set.to_string())));
        }
        cond.names.insert("#doc".into(), DOC.into());
        self.update(customer_key(id), expr, cond, values, Role::Context)
    }

    /// Writes a customer's doc, on the condition that it is still what was read.
    fn save_customer(&mut self, customer: &Customer, prev: Option<&Item>) -> StoreResult<()> {
        let mut cond = Cond::unchanged(prev);
        cond.names.insert("#doc".into(), DOC.into());
        self.update(
            customer_key(&customer.id),
            "SET #doc = :doc, #type = :customer".into(),
            cond,
            vec![
                (":doc".into(), s(to_json(customer)?)),
                (":customer".into(), s("customer")),
            ],
            Role::Context,
        )
    }

    fn save_survey(&mut self, state: &SurveyState) -> StoreResult<()> {
        self.put(survey_item(state)?, Cond::none(), Role::Context)
    }
}

/// What a failed transaction means for `apply`.
enum Failure {
    Duplicate,
    /// Worth another attempt; `feed` when only the feed counter stood in the way (another
    /// process's events went first), which needs no backoff: the counter is read again.
    Retry {
        why: String,
        feed: bool,
    },
    Fatal(StoreError),
}

fn classify(e: SdkError<TransactWriteItemsError, HttpResponse>, roles: &[Role]) -> Failure {
    if let SdkError::ServiceError(se) = &e {
        if let TransactWriteItemsError::TransactionCanceledException(tc) = se.err() {
            let reasons = tc.cancellation_reasons();
            let failed = |role: Role| {
                reasons
                    .iter()
                    .zip(roles)
                    .any(|(r, rl)| *rl == role && r.code() == Some("ConditionalCheckFailed"))
            };
            if failed(Role::Delivery) || failed(Role::Record) {
                return Failure::Duplicate;
            }
            let codes: Vec<&str> = reasons
                .iter()
                .filter_map(|r| r.code())
                .filter(|c| *c != "None")
                .collect();
            let feed = reasons
                .iter()
                .zip(roles)
                .all(|(r, rl)| *rl == Role::Feed || matches!(r.code(), None | Some("None")));
            if failed(Role::Context)
                || failed(Role::Feed)
                || codes.iter().all(|c| {
                    matches!(
                        *c,
                        "TransactionConflict" | "ThrottlingError" | "ProvisionedThroughputExceeded"
                    )
                })
            {
                return Failure::Retry {
                    why: format!("transaction cancelled: {codes:?}"),
                    feed,
                };
            }
            return Failure::Fatal(backend(e));
        }
        if transient_code(se.err().code()) {
            return Failure::Retry {
                why: DisplayErrorContext(&e).to_string(),
                feed: false,
            };
        }
    }
    Failure::Fatal(sdk_err(e))
}

impl DynamoStore {
    /// A store whose events form the ordered feed `ChangeFeed` reads.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoStore {
            client,
            table: table.into(),
            feed: Feed::Ordered,
            feed_writer: Arc::default(),
            feed_lost_at: Arc::default(),
            group: Arc::default(),
            known_partitions: Arc::default(),
        }
    }

    /// The same store writing its events for DynamoDB Streams only: they are not numbered, so
    /// no write touches `FEED#SEQ`, and `ChangeFeed::read_feed` does not see them.
    pub fn with_stream_feed(mut self) -> Self {
        self.feed = Feed::Stream;
        self
    }

    /// Builds the SDK config from the environment (region, credentials, `AWS_ENDPOINT_URL`,
    /// `AWS_ENDPOINT_URL_DYNAMODB`) with bounded timeouts and retries. Makes no network call.
    pub async fn sdk_config() -> SdkConfig {
        Self::config_loader().load().await
    }

    /// The loader [`Self::sdk_config`] uses, for callers that need to adjust it (tests shorten retries).
    pub fn config_loader() -> aws_config::ConfigLoader {
        crate::aws::config_loader()
    }

    /// The store on table `table`, configured from the environment (see [`Self::sdk_config`]).
    pub async fn from_env(table: impl Into<String>) -> Self {
        Self::from_sdk_config(&Self::sdk_config().await, table)
    }

    /// The store on table `table` with a config already loaded (shared with other AWS clients).
    /// In Lambda (`AWS_LAMBDA_FUNCTION_NAME` is set) events are written for the stream alone:
    /// outreach reads them there, and nothing in Lambda reads the ordered feed.
    pub fn from_sdk_config(config: &SdkConfig, table: impl Into<String>) -> Self {
        let store = DynamoStore::new(Client::new(config), table);
        match std::env::var_os("AWS_LAMBDA_FUNCTION_NAME") {
            Some(_) => store.with_stream_feed(),
            None => store,
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// Reads one item, strongly consistent (reads before writes must see the latest write).
    pub async fn raw_item(&self, key: Item) -> StoreResult<Option<Item>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk_err)?;
        Ok(out.item)
    }

    async fn get(&self, key: Item) -> StoreResult<Option<Item>> {
        self.raw_item(key).await
    }

    /// The items of `keys` that exist, read consistently in one BatchGetItem (up to 100 keys),
    /// again for any DynamoDB leaves unread under load.
    async fn batch_get(&self, keys: Vec<Item>) -> StoreResult<Vec<Item>> {
        let mut request = KeysAndAttributes::builder()
            .set_keys(Some(keys))
            .consistent_read(true)
            .build()
            .map_err(backend)?;
        let mut out = Vec::new();
        for attempt in 0.. {
            let answer = self
                .client
                .batch_get_item()
                .request_items(&self.table, request)
                .send()
                .await
                .map_err(sdk_err)?;
            out.extend(
                answer
                    .responses
                    .unwrap_or_default()
                    .remove(&self.table)
                    .unwrap_or_default(),
            );
            match answer.unprocessed_keys.unwrap_or_default().remove(&self.table) {
                Some(rest) if !rest.keys().is_empty() => {
                    if attempt >= MAX_ATTEMPTS {
                        return Err(StoreError::Unavailable("keys left unread by BatchGetItem".into()));
                    }
                    tokio::time::sleep(Duration::from_millis(20 * (1 << attempt.min(5)))).await;
                    request = rest;
                }
                _ => break,
            }
        }
        Ok(out)
    }

    /// Writes one item as it is (no condition).
    async fn put(&self, item: Item) -> StoreResult<()> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(sdk_err)?;
        Ok(())
    }

    /// Deletes one item by its key (no condition).
    async fn delete(&self, key: Item) -> StoreResult<()> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .send()
            .await
            .map_err(sdk_err)?;
        Ok(())
    }

    /// The months of `kind` with records in gsi1's month partitions, oldest first, as named in
    /// `MONTHS#{kind}` (read consistently: a month a write has just named is found).
    async fn kind_months(&self, kind: RecordKind) -> StoreResult<Vec<String>> {
        Ok(self
            .query_all(None, PK, &format!("MONTHS#{}", kind.as_str()), None, true, None)
            .await?
            .iter()
            .filter_map(|item| attr_s(item, SK).map(str::to_string))
            .collect())
    }

    /// Up to `limit` items of gsi1 partition `pk` with sort keys from `from` to `to` (inclusive,
    /// either end open), in sort-key order or (`forward` false) the reverse, passing over items
    /// `keep` refuses. DynamoDB stops a page at 1 MB: this keeps asking until `limit` or the end.
    async fn index_range(
        &self,
        pk: &str,
        (from, to): (Option<&str>, Option<&str>),
        forward: bool,
        limit: usize,
        keep: &(dyn Fn(&Item) -> StoreResult<bool> + Sync),
    ) -> StoreResult<Vec<Item>> {
        let mut out = Vec::new();
        let mut start: Option<Item> = None;
        while out.len() < limit {
            let query = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(BY_KIND_TIME.name)
                .expression_attribute_names("#pk", BY_KIND_TIME.partition_key)
                .expression_attribute_values(":pk", s(pk));
            let query = match (from, to) {
                (None, None) => query.key_condition_expression("#pk = :pk"),
                (from, to) => {
                    let query = query.expression_attribute_names("#sk", BY_KIND_TIME.sort_key);
                    match (from, to) {
                        (Some(from), Some(to)) => query
                            .key_condition_expression("#pk = :pk AND #sk BETWEEN :from AND :to")
                            .expression_attribute_values(":from", s(from))
                            .expression_attribute_values(":to", s(to)),
                        (Some(from), None) => query
                            .key_condition_expression("#pk = :pk AND #sk >= :from")
                            .expression_attribute_values(":from", s(from)),
                        (None, _) => query
                            .key_condition_expression("#pk = :pk AND #sk <= :to")
                            .expression_attribute_values(":to", s(to.unwrap_or_default())),
                    }
                }
            };
            let page = query
                .scan_index_forward(forward)
                .limit((limit - out.len()).min(1000) as i32)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(sdk_err)?;
            for item in page.items.unwrap_or_default() {
                if keep(&item)? {
                    out.push(item);
                }
            }
            match page.last_evaluated_key {
                Some(last) => start = Some(last),
                None => break,
            }
        }
        out.truncate(limit);
        Ok(out)
    }

    /// The raw item of a delivery key (to check its TTL).
    pub async fn delivery_item(&self, delivery: &str) -> StoreResult<Option<Item>> {
        self.get(delivery_key(delivery)).await
    }

    /// The raw item of a survey state (to check its TTL).
    pub async fn survey_item(&self, state: &SurveyState) -> StoreResult<Option<Item>> {
        self.get(survey_key(state)).await
    }

    async fn cohort_of(&self, customer_id: &str) -> StoreResult<Option<YearMonth>> {
        let item = self.get(customer_key(customer_id)).await?;
        item.as_ref()
            .and_then(|i| attr_s(i, "cohort"))
            .map(|c| c.parse().map_err(|e| corrupt(format!("cohort {c:?}: {e}"))))
            .transpose()
    }

    /// Inserts or updates a customer like the SQLite store: fields coalesce, identities merge
    /// (an identity moves from its former owner), opt-out is never undone.
    async fn plan_customer(&self, plan: &mut Plan<'_>, c: &Customer) -> StoreResult<()> {
        let prev = self.get(customer_key(&c.id)).await?;
        let old: Option<Customer> = prev.as_ref().map(doc_of).transpose()?;
        let mut merged = match old {
            Some(old) => Customer {
                id: c.id.clone(),
                name: c.name.clone().or(old.name),
                email: c.email.clone().or(old.email),
                locale: c.locale.clone().or(old.locale),
                identities: old.identities.into_iter().chain(c.identities.iter().cloned()).collect(),
                opted_out: old.opted_out || c.opted_out,
                last_asked_at: c.last_asked_at.or(old.last_asked_at),
                created_at: old.created_at,
            },
            None => c.clone(),
        };
        merged
            .identities
            .sort_by(|a, b| (a.platform, &a.address).cmp(&(b.platform, &b.address)));
        merged.identities.dedup();
        let mut moved: BTreeMap<String, Vec<Identity>> = BTreeMap::new();
        for identity in &c.identities {
            let item = self.get(identity_key(identity)).await?;
            let owner = item.as_ref().and_then(|i| attr_s(i, "customer_id")).map(str::to_string);
            let cond = match &owner {
                Some(o) => Cond {
                    expr: Some("customer_id = :owner".into()),
                    values: HashMap::from([(":owner".into(), s(o))]),
                    ..Cond::default()
                },
                None => Cond::absent(),
            };
            let mut new = identity_key(identity);
            new.insert(TYPE.into(), s("identity"));
            new.insert("customer_id".into(), s(&c.id));
            plan.put(new, cond, Role::Context)?;
            if let Some(o) = owner.filter(|o| *o != c.id) {
                moved.entry(o).or_default().push(identity.clone());
            }
        }
        for (former, identities) in moved {
            let prev = self.get(customer_key(&former)).await?;
            if let Some(item) = &prev {
                let mut other: Customer = doc_of(item)?;
                other.identities.retain(|i| !identities.contains(i));
                plan.save_customer(&other, Some(item))?;
            }
        }
        plan.save_customer(&merged, prev.as_ref())
    }

    /// Reads what the change depends on, asks the ledger what it does, and fills the plan with
    /// the ledger's answer: its records, events and counters, each write under the condition
    /// the ledger's guards set for its item (see [`Guards`]).
    async fn plan_change(&self, plan: &mut Plan<'_>, change: &Change) -> StoreResult<()> {
        let decide = |read: &ledger::Read| ledger::decide(change, read).map_err(|m| StoreError::NotFound(m.0));
        // By reference: a mention's text is most of the change, and copying it is not free.
        let outcome = match change {
            Change::Customer(c) => {
                self.plan_customer(plan, c).await?;
                decide(&ledger::Read::default())?
            }
            Change::SurveyRequested { customer, .. } => {
                self.plan_customer(plan, customer).await?;
                decide(&ledger::Read::default())?
            }
            Change::Survey(state) => {
                let prev = self.get(survey_key(state)).await?;
                // Outreach records the question before sending it; refused, it was never asked.
                let survey_was_asked = prev
                    .as_ref()
                    .map(doc_of::<SurveyState>)
                    .transpose()?
                    .is_some_and(|p| p.survey.stage == crate::survey::SurveyStage::Asked);
                let mut outcome = decide(&ledger::Read {
                    survey_is_new: prev.is_none(),
                    survey_was_asked,
                    ..Default::default()
                })?;
                let mut guards = Guards::of(&mut outcome);
                guards.put(plan, survey_item(state)?, prev.as_ref())?;
                if let Some(asked_at) = outcome.last_asked_at {
                    let customer = self.get(customer_key(&state.customer_id)).await?;
                    if let Some(item) = &customer {
                        let mut c: Customer = doc_of(item)?;
                        c.last_asked_at = Some(asked_at);
                        plan.save_customer(&c, Some(item))?;
                    }
                }
                if let Some(asked_at) = outcome.withdrawn_asked_at {
                    let customer = self.get(customer_key(&state.customer_id)).await?;
                    if let Some(item) = &customer {
                        let mut c: Customer = doc_of(item)?;
                        if c.last_asked_at == Some(asked_at) {
                            c.last_asked_at = None;
                            plan.save_customer(&c, Some(item))?;
                        }
                    }
                }
                guards.check_rest(plan, &[])?;
                outcome
            }
            Change::Response { response: r, survey } => {
                let mut outcome = decide(&ledger::Read::default())?;
                let mut guards = Guards::of(&mut outcome);
                plan.ensure_customer(&r.customer_id, r.submitted_at, None, Cond::none())?;
                guards.put(plan, response_item(r)?, None)?;
                if let Some(s) = survey {
                    plan.save_survey(s)?;
                }
                guards.check_rest(plan, &[])?;
                outcome
            }
            Change::Comment {
                response_id, survey, ..
            } => {
                let prev = self.get(response_key(response_id)).await?;
                let mut outcome = decide(&ledger::Read {
                    response: prev.as_ref().map(doc_of).transpose()?,
                    ..Default::default()
                })?;
                let mut guards = Guards::of(&mut outcome);
                if let Some(r) = &outcome.response {
                    guards.put(plan, response_item(r)?, prev.as_ref())?;
                }
                if let Some(s) = survey {
                    plan.save_survey(s)?;
                }
                guards.check_rest(plan, &[prev.as_ref()])?;
                outcome
            }
            Change::ScoreNotUnderstood { .. } => decide(&ledger::Read::default())?,
            Change::OptOut {
                customer_id, survey, ..
            } => {
                let prev = self.get(customer_key(customer_id)).await?;
                let mut c: Customer = match &prev {
                    Some(item) => doc_of(item)?,
                    None => Customer::new(customer_id, Utc::now()),
                };
                c.opted_out = true;
                plan.save_customer(&c, prev.as_ref())?;
                if let Some(s) = survey {
                    plan.save_survey(s)?;
                }
                decide(&ledger::Read::default())?
            }
            Change::Mention(m) => {
                let mut outcome = decide(&ledger::Read::default())?;
                let mut guards = Guards::of(&mut outcome);
                guards.put(plan, mention_item(m)?, None)?;
                guards.check_rest(plan, &[])?;
                outcome
            }
            Change::Purchase(p) => self.plan_purchase(plan, change, p).await?,
            Change::ReferralCreated(r) => {
                let mut outcome = decide(&ledger::Read::default())?;
                let mut guards = Guards::of(&mut outcome);
                plan.ensure_customer(&r.customer_id, r.created_at, None, Cond::none())?;
                guards.put(plan, referral_item(r)?, None)?;
                guards.check_rest(plan, &[])?;
                outcome
            }
            Change::ReferralClick { code, .. } => {
                let referral_stored = self.get(referral_key(code.as_str())).await?.is_some();
                let mut outcome = decide(&ledger::Read {
                    referral_stored,
                    ..Default::default()
                })?;
                let mut guards = Guards::of(&mut outcome);
                guards.update(
                    plan,
                    referral_key(code.as_str()),
                    "ADD clicks :one",
                    vec![(":one".into(), n(1))],
                )?;
                guards.check_rest(plan, &[])?;
                outcome
            }
            Change::Alert(_) | Change::AlertAction { .. } => {
                let id = match change {
                    Change::Alert(a) => &a.id,
                    Change::AlertAction { alert_id, .. } => alert_id,
                    _ => unreachable!("matched above"),
                };
                let prev = self.get(alert_key(id)).await?;
                let mut outcome = decide(&ledger::Read {
                    alert: prev.as_ref().map(doc_of).transpose()?,
                    ..Default::default()
                })?;
                let mut guards = Guards::of(&mut outcome);
                if let Some(alert) = &outcome.alert {
                    guards.put(plan, alert_item(alert)?, prev.as_ref())?;
                }
                // An action that changes nothing still reports the alert as read.
                guards.check_rest(plan, &[prev.as_ref()])?;
                outcome
            }
            Change::Report(r) => {
                let prev = self.get(report_key(r.month, r.brand.as_deref())).await?;
                let mut outcome = decide(&ledger::Read::default())?;
                let mut guards = Guards::of(&mut outcome);
                let emailed_at = match &prev {
                    Some(item) => r.emailed_at.or(doc_of::<StoredReport>(item)?.emailed_at),
                    None => r.emailed_at,
                };
                let report = StoredReport {
                    emailed_at,
                    ..r.clone()
                };
                guards.put(plan, report_item(&report)?, prev.as_ref())?;
                guards.check_rest(plan, &[])?;
                outcome
            }
        };
        plan.deltas.merge(outcome.deltas);
        plan.events.extend(outcome.events);
        Ok(())
    }

    /// A purchase reads the buyer's cohort, the referral and the referrer's cohort; the ledger
    /// decides what it counts and what must still be as read (else the whole change is read
    /// again).
    async fn plan_purchase(&self, plan: &mut Plan<'_>, change: &Change, p: &Purchase) -> StoreResult<ledger::Outcome> {
        let buyer_cohort = self.cohort_of(&p.customer_id).await?;
        let referral = match &p.referral_code {
            Some(code) => self
                .get(referral_key(code.as_str()))
                .await?
                .as_ref()
                .map(referral_from)
                .transpose()?,
            None => None,
        };
        let referrer = referral
            .as_ref()
            .map(|r| r.customer_id.clone())
            .filter(|id| *id != p.customer_id);
        let referrer_cohort = match &referrer {
            Some(id) => self.cohort_of(id).await?,
            None => None,
        };
        let read = ledger::Read {
            purchase: PurchaseContext {
                buyer_cohort,
                referral,
                referrer_cohort,
            },
            ..Default::default()
        };
        let mut outcome = ledger::decide(change, &read).map_err(|m| StoreError::NotFound(m.0))?;
        let mut guards = Guards::of(&mut outcome);
        let buyer = guards.condition(&customer_key(&p.customer_id), None);
        plan.ensure_customer(&p.customer_id, p.purchased_at, outcome.set_buyer_cohort, buyer)?;
        guards.put(plan, purchase_item(p)?, None)?;
        if let (Some(code), Some(_)) = (&p.referral_code, &outcome.conversion) {
            guards.update(
                plan,
                referral_key(code.as_str()),
                "ADD conversions :one",
                vec![(":one".into(), n(1))],
            )?;
        }
        // The unknown code and the referrer's cohort: condition checks.
        guards.check_rest(plan, &[])?;
        Ok(outcome)
    }
}

/// The ledger's guards for one change, as DynamoDB conditions: each write to a guarded item
/// carries its guard's condition, and what no write carries becomes a condition check.
/// [`Guard::New`] fails as a duplicate (the record's role); every other guard as a lost race.
struct Guards {
    pending: Vec<(Item, Guard)>,
}

impl Guards {
    fn of(outcome: &mut ledger::Outcome) -> Self {
        let pending = std::mem::take(&mut outcome.guards)
            .into_iter()
            .map(|g| (guard_key(&g), g))
            .collect();
        Guards { pending }
    }

    /// The guard on `key`, taken; `None` when the ledger set none.
    fn take(&mut self, key: &Item) -> Option<Guard> {
        let at = self.pending.iter().position(|(k, _)| k == key)?;
        Some(self.pending.remove(at).1)
    }

    /// The condition for writing the item at `key` (read as `read`), and its role.
    fn condition_and_role(&mut self, key: &Item, read: Option<&Item>) -> (Cond, Role) {
        match self.take(key) {
            Some(guard) => guard_condition(&guard, read),
            None => (Cond::none(), Role::Context),
        }
    }

    fn condition(&mut self, key: &Item, read: Option<&Item>) -> Cond {
        self.condition_and_role(key, read).0
    }

    /// Puts `item` under its guard's condition.
    fn put(&mut self, plan: &mut Plan<'_>, item: Item, read: Option<&Item>) -> StoreResult<()> {
        let key: Item = [PK, SK]
            .iter()
            .filter_map(|k| item.get(*k).map(|v| (k.to_string(), v.clone())))
            .collect();
        let (cond, role) = self.condition_and_role(&key, read);
        plan.put(item, cond, role)
    }

    /// Updates the item at `key` under its guard's condition.
    fn update(&mut self, plan: &mut Plan<'_>, key: Item, expr: &str, values: Vec<(String, Av)>) -> StoreResult<()> {
        let (cond, role) = self.condition_and_role(&key, None);
        plan.update(key, expr.into(), cond, values, role)
    }

    /// Every guard no write carried, as a condition check; `reads` are the items read for
    /// [`Guard::AsRead`] guards.
    fn check_rest(self, plan: &mut Plan<'_>, reads: &[Option<&Item>]) -> StoreResult<()> {
        for (key, guard) in self.pending {
            let read = reads
                .iter()
                .flatten()
                .find(|i| i.get(PK) == key.get(PK) && i.get(SK) == key.get(SK));
            let (cond, _) = guard_condition(&guard, read.copied());
            plan.check(key, cond)?;
        }
        Ok(())
    }
}

/// The key of the item a guard's subject is stored under.
fn guard_key(guard: &Guard) -> Item {
    let subject = match guard {
        Guard::New(s) | Guard::AsRead(s) | Guard::Stored(s) => s,
        Guard::CohortIs(customer_id, _) => return customer_key(customer_id),
    };
    match subject {
        Subject::Survey(state) => survey_key(state),
        Subject::Response(id) => response_key(id),
        Subject::Mention(id) => mention_key(id),
        Subject::Purchase(id) => purchase_key(id),
        Subject::Referral(code) => referral_key(code.as_str()),
        Subject::Alert(id) => alert_key(id),
        Subject::Report { month, brand } => report_key(*month, brand.as_deref()),
    }
}

/// A guard as a condition on its item (`read`: the item as the decision read it), and what
/// its failure means.
fn guard_condition(guard: &Guard, read: Option<&Item>) -> (Cond, Role) {
    match guard {
        Guard::New(_) => (Cond::absent(), Role::Record),
        Guard::AsRead(_) => (Cond::unchanged(read), Role::Context),
        Guard::Stored(_) => (Cond::present(), Role::Context),
        Guard::CohortIs(_, cohort) => (Cond::cohort_is(*cohort), Role::Context),
    }
}

impl DynamoStore {
    /// Adds the feed sequence bump and the event items: the counter must still hold what was
    /// read, so concurrent writers of events serialise (the loser reads again and retries).
    /// The feed's last sequence number (`None` while it is empty).
    async fn feed_seq(&self) -> StoreResult<Option<u64>> {
        let counter = self.get(key(SEQ_PK, ONE)).await?;
        Ok(counter
            .as_ref()
            .map(|i| attr_n(i, "seq"))
            .transpose()?
            .map(|seq| seq.unwrap_or(0) as u64))
    }

    /// The plan's events as feed items after `last` (the sequence number read before
    /// planning), with the counter's move from `last` as their guard.
    /// Returns the counter's new value.
    fn plan_feed(plan: &mut Plan<'_>, last: Option<u64>, mut now_ts: String) -> StoreResult<u64> {
        let cond = match last {
            Some(last) => Cond {
                expr: Some("seq = :last".into()),
                values: HashMap::from([(":last".into(), n(last))]),
                ..Cond::default()
            },
            None => Cond::absent(),
        };
        let last = last.unwrap_or(0);
        let next = last + plan.events.len() as u64;
        plan.update(
            key(SEQ_PK, ONE),
            "SET seq = :next, #type = :counter".into(),
            cond,
            vec![(":next".into(), n(next)), (":counter".into(), s("feed_counter"))],
            Role::Feed,
        )?;
        let events = std::mem::take(&mut plan.events);
        let count = events.len();
        for (i, event) in events.into_iter().enumerate() {
            let seq = last + 1 + i as u64;
            let mut item = key_with_room(FEED_PK, feed_sk(seq), 6);
            item.insert(TYPE.into(), s("event"));
            item.insert("seq".into(), n(seq));
            item.insert("kind".into(), s(event.kind()));
            item.insert("ordering_key".into(), s(event.ordering_key()));
            let recorded_at = if i + 1 == count {
                std::mem::take(&mut now_ts)
            } else {
                now_ts.clone()
            };
            item.insert("recorded_at".into(), s(recorded_at));
            item.insert("event".into(), s(to_json(&event)?));
            plan.put(item, Cond::absent(), Role::Feed)?;
        }
        Ok(next)
    }

    /// The plan's events as items for the stream alone: `EVENT#{ordering key}` /
    /// `{recorded_at}#{delivery}#{i}`, unique because the delivery key is claimed in the same
    /// transaction. A subject's events share a partition key, so its stream records keep their
    /// order; no counter is read or written. They expire after [`STREAM_EVENT_TTL_DAYS`]: the
    /// stream keeps a record for 24 hours, and nothing reads the item itself.
    fn plan_stream_events(plan: &mut Plan<'_>, delivery: &str, now: DateTime<Utc>, now_ts: String) -> StoreResult<()> {
        let expires_at = epoch_after(now, STREAM_EVENT_TTL_DAYS);
        for (i, event) in std::mem::take(&mut plan.events).into_iter().enumerate() {
            let ordering_key = event.ordering_key();
            let sk = format!("{now_ts}#{delivery}#{i:02}");
            let mut item = key_with_room(["EVENT#", ordering_key.as_str()].concat(), sk, 6);
            item.insert(TYPE.into(), s("event"));
            item.insert("kind".into(), s(event.kind()));
            item.insert("ordering_key".into(), s(ordering_key));
            item.insert("recorded_at".into(), s(now_ts.clone()));
            item.insert("event".into(), s(to_json(&event)?));
            item.insert(TTL.into(), n(expires_at));
            plan.put(item, Cond::absent(), Role::Context)?;
        }
        Ok(())
    }

    /// One ADD per month, on the delivery's shard of the month; every metric of the change is
    /// an attribute `c:{metric}`.
    fn plan_counters(plan: &mut Plan<'_>, shard: u32) -> StoreResult<()> {
        // The deltas are ordered by month, then metric: each month's metrics are one run.
        let mut deltas = std::mem::take(&mut plan.deltas).0.into_iter().peekable();
        while let Some(&((month, _), _)) = deltas.peek() {
            let mut metrics = Vec::new();
            while let Some(((_, metric), delta)) = deltas.next_if(|((m, _), _)| *m == month) {
                metrics.push((metric, delta));
            }
            let mut cond = Cond::none();
            cond.names.reserve(metrics.len() + 1);
            let mut values = Vec::with_capacity(metrics.len() + 1);
            values.push((":aggregate".to_string(), s("aggregate")));
            let mut expr = String::with_capacity(32 + metrics.len() * 12);
            expr.push_str("SET #type = :aggregate ADD ");
            for (i, (metric, delta)) in metrics.into_iter().enumerate() {
                let (name, value) = counter_placeholders(i);
                if i > 0 {
                    expr.push_str(", ");
                }
                expr.push_str(&name);
                expr.push(' ');
                expr.push_str(&value);
                let mut attribute = metric;
                attribute.insert_str(0, COUNTER_PREFIX);
                cond.names.insert(name, attribute);
                values.push((value, n(delta)));
            }
            plan.update(aggregate_key(month, shard), expr, cond, values, Role::Context)?;
        }
        Ok(())
    }
}

/// The `i`th counter's name and value placeholders: `#c{i}` and `:c{i}`.
fn counter_placeholders(i: usize) -> (String, String) {
    const NAMES: [&str; 10] = ["#c0", "#c1", "#c2", "#c3", "#c4", "#c5", "#c6", "#c7", "#c8", "#c9"];
    const VALUES: [&str; 10] = [":c0", ":c1", ":c2", ":c3", ":c4", ":c5", ":c6", ":c7", ":c8", ":c9"];
    match NAMES.get(i).zip(VALUES.get(i)) {
        Some((name, value)) => (name.to_string(), value.to_string()),
        None => {
            let digits = i.to_string();
            (["#c", &digits].concat(), [":c", &digits].concat())
        }
    }
}

/// The feed's last sequence number, for planning a transaction: read it when the change has
/// events, or take it as given.
enum FeedSeq {
    Read,
    Known(Option<u64>),
}

impl DynamoStore {
    /// The one transaction that stores `change` under `delivery`: the delivery claim, the
    /// records, the feed events after `feed_seq` (the feed's last sequence number, `None`
    /// while empty) and the monthly counters. Reads only what the change itself needs to see
    /// (a mention or a response needs nothing); sends nothing.
    pub async fn transaction(
        &self,
        delivery: &str,
        change: &Change,
        now: DateTime<Utc>,
        feed_seq: Option<u64>,
    ) -> StoreResult<Vec<TransactWriteItem>> {
        Ok(self
            .plan_transaction(delivery, change, now, FeedSeq::Known(feed_seq))
            .await?
            .items)
    }

    async fn plan_transaction(
        &self,
        delivery: &str,
        change: &Change,
        now: DateTime<Utc>,
        feed_seq: FeedSeq,
    ) -> StoreResult<Planned> {
        let mut plan = Plan::new(&self.table);
        self.plan_member(&mut plan, delivery, change, now).await?;
        let last = match (self.feed, feed_seq) {
            (Feed::Ordered, FeedSeq::Read) if !plan.events.is_empty() => self.feed_seq().await?,
            (_, FeedSeq::Known(last)) => last,
            (_, FeedSeq::Read) => None,
        };
        self.finish_plan(plan, delivery, now, last)
    }

    /// One change's own items in `plan`: its delivery claim, then its records and what the
    /// ledger decided (events and counters are kept in the plan for [`Self::finish_plan`]).
    async fn plan_member(
        &self,
        plan: &mut Plan<'_>,
        delivery: &str,
        change: &Change,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut claim = key_with_room(["DELIVERY#", delivery].concat(), ONE, 3);
        claim.insert(TYPE.into(), s("delivery"));
        claim.insert("applied_at".into(), s(ts(now)));
        claim.insert(TTL.into(), n(epoch_after(now, DELIVERY_TTL_DAYS)));
        plan.put(claim, Cond::absent(), Role::Delivery)?;
        self.plan_change(plan, change).await
    }

    /// Adds what a transaction writes besides its changes' own items: the events (numbered
    /// after `last` in the ordered feed, or for the stream alone), the counters on the shard of
    /// `delivery` (the first change's), and the month partitions this process names first.
    fn finish_plan(
        &self,
        mut plan: Plan<'_>,
        delivery: &str,
        now: DateTime<Utc>,
        last: Option<u64>,
    ) -> StoreResult<Planned> {
        // Formatted once: every feed event carries it.
        let now_ts = ts(now);
        let mut feed_seq_after = None;
        if !plan.events.is_empty() {
            match self.feed {
                Feed::Ordered => feed_seq_after = Some(Self::plan_feed(&mut plan, last, now_ts)?),
                Feed::Stream => Self::plan_stream_events(&mut plan, delivery, now, now_ts)?,
            }
        }
        Self::plan_counters(&mut plan, aggregate_shard(delivery))?;
        // A record's month partition is named in `MONTHS#{kind}` once per process (an
        // unconditional Put, so processes racing to name it agree).
        let mut new_partitions: Vec<String> = Vec::new();
        for partition in std::mem::take(&mut plan.partitions) {
            let Some((kind_month, mut marker)) = month_marker_key(&partition) else {
                continue;
            };
            let known = self.known_partitions.lock().unwrap_or_else(|e| e.into_inner());
            if known.contains(&kind_month) || new_partitions.contains(&kind_month) {
                continue;
            }
            drop(known);
            marker.insert(TYPE.into(), s("month"));
            plan.put(marker, Cond::none(), Role::Context)?;
            new_partitions.push(kind_month);
        }
        Ok(Planned {
            items: plan.items,
            roles: plan.roles,
            feed_seq_after,
            new_partitions,
        })
    }
}

/// A change's transaction, ready to send.
struct Planned {
    items: Vec<TransactWriteItem>,
    roles: Vec<Role>,
    /// The feed counter once the transaction is written, when it moves it.
    feed_seq_after: Option<u64>,
    /// gsi1 partitions named in `MONTHS#{kind}` by this transaction.
    new_partitions: Vec<String>,
}

/// Whether planning `change` reads nothing from the table: its transaction alone decides it.
fn plans_without_reading(change: &Change) -> bool {
    matches!(
        change,
        Change::Mention(_) | Change::Response { .. } | Change::ReferralCreated(_) | Change::ScoreNotUnderstood { .. }
    )
}

/// How many times a change may lose the feed counter to another process's writes (each time
/// it reads the counter again and retries at once) besides its [`MAX_ATTEMPTS`] other tries.
const MAX_FEED_RACES: u32 = 64;
/// How long a writer that lost the feed counter to another process waits before reading it
/// again: 20-70 ms, about one transaction of the other process's. Retrying at once made two
/// `serve` processes thrash on the counter (bench: 39 deliveries/s against 66 with a pause).
pub(super) fn feed_race_pause() -> Duration {
    Duration::from_millis(20 + rand::random::<u64>() % 50)
}

/// How long after losing the feed counter to another process a process reads it before writing.
const FEED_CONTENDED_FOR: Duration = Duration::from_secs(10);
/// How long a change waits for its turn at the feed counter before answering `Unavailable`.
const FEED_TURN_WAIT: Duration = Duration::from_secs(20);

#[async_trait]
impl ChangeWriter for DynamoStore {
    async fn apply(&self, delivery: &str, change: Change) -> StoreResult<Applied> {
        // A change whose plan reads nothing (a mention, a response) goes straight to its
        // transaction: the transaction's own condition on the delivery key finds a redelivery,
        // so such a change costs one round trip; with the ordered feed it is written together
        // with the process's other waiting ones (group.rs). Any other change checks the
        // delivery first, as SQLite does (a redelivery is a duplicate even if its subject is
        // gone), with the feed counter, when events are numbered, in the same read.
        let reads_first = !plans_without_reading(&change);
        if !reads_first && self.feed == Feed::Ordered {
            return self.apply_grouped(delivery, change).await;
        }
        let mut read_seq = None;
        if reads_first {
            let mut keys = vec![delivery_key(delivery)];
            if self.feed == Feed::Ordered {
                keys.push(key(SEQ_PK, ONE));
            }
            for item in self.batch_get(keys).await? {
                match attr_s(&item, PK) {
                    Some(SEQ_PK) => read_seq = Some(attr_n(&item, "seq")?.unwrap_or(0) as u64),
                    _ => return Ok(Applied::Duplicate),
                }
            }
        }
        // With the ordered feed this process's writers take turns (see `feed_writer`); the
        // counter is the freshest of what this process last wrote and what was just read.
        let mut feed_writer = match self.feed {
            Feed::Ordered => {
                // Bounded: while DynamoDB is unreachable each turn can take the SDK's whole
                // operation timeout, and a webhook should hear 503 rather than wait for them all.
                let guard = tokio::time::timeout(FEED_TURN_WAIT, self.feed_writer.clone().lock_owned())
                    .await
                    .map_err(|_| {
                        StoreError::Unavailable(format!(
                            "waited {} s for this process's other feed writes",
                            FEED_TURN_WAIT.as_secs()
                        ))
                    })?;
                Some(guard)
            }
            Feed::Stream => None,
        };
        let known = feed_writer.as_deref().copied().flatten().max(read_seq);
        let mut seq = match known {
            Some(last) => FeedSeq::Known(Some(last)),
            // Nothing read and nothing written by this process yet: the plan reads the counter
            // if the change has events.
            None if !reads_first => FeedSeq::Read,
            None => FeedSeq::Known(None),
        };
        let mut last_failure = String::new();
        let (mut attempt, mut feed_races) = (0, 0);
        while attempt < MAX_ATTEMPTS {
            let now = Utc::now();
            let planned = self.plan_transaction(delivery, &change, now, seq).await?;
            // The token makes the SDK's own retry of this very request (after a lost answer)
            // succeed instead of failing on the delivery key it wrote the first time.
            let token = format!("{:032x}", rand::random::<u128>());
            let sent = self
                .client
                .transact_write_items()
                .set_transact_items(Some(planned.items))
                .client_request_token(token)
                .send()
                .await;
            let failure = match sent {
                Ok(_) => {
                    if let (Some(guard), Some(after)) = (feed_writer.as_mut(), planned.feed_seq_after) {
                        **guard = Some(after);
                    }
                    self.known_partitions
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .extend(planned.new_partitions);
                    return Ok(Applied::Stored);
                }
                Err(e) => classify(e, &planned.roles),
            };
            match failure {
                Failure::Duplicate => return Ok(Applied::Duplicate),
                Failure::Retry { why, feed } => {
                    tracing::debug!(
                        delivery,
                        attempt,
                        why,
                        feed,
                        "dynamodb transaction lost a race; retrying"
                    );
                    last_failure = why;
                    if let Some(guard) = feed_writer.as_mut() {
                        **guard = None;
                    }
                    // A retry lost a race: the counter may have moved since it was read.
                    seq = FeedSeq::Read;
                    if feed {
                        *self.feed_lost_at.lock().unwrap_or_else(|e| e.into_inner()) = Some(std::time::Instant::now());
                    }
                    if feed && feed_races < MAX_FEED_RACES {
                        // Another process's events went first: the counter has moved (or is
                        // moving). Its writer is likely to write again at once, so this one
                        // stands aside for about a transaction's time before reading it again.
                        feed_races += 1;
                        tokio::time::sleep(feed_race_pause()).await;
                    } else {
                        attempt += 1;
                        if attempt < MAX_ATTEMPTS {
                            let jitter = rand::random::<u64>() % 50;
                            tokio::time::sleep(Duration::from_millis(20 * (1 << attempt.min(5)) + jitter)).await;
                        }
                    }
                }
                Failure::Fatal(e) => return Err(e),
            }
        }
        Err(StoreError::Unavailable(format!(
            "gave up after {MAX_ATTEMPTS} contended attempts: {last_failure}"
        )))
    }
}

impl DynamoStore {
    /// Every item of a query, following LastEvaluatedKey, optionally stopping at `limit`.
    async fn query_all(
        &self,
        index: Option<&str>,
        pk_name: &str,
        pk: &str,
        sk: Option<(&str, String)>,
        forward: bool,
        limit: Option<usize>,
    ) -> StoreResult<Vec<Item>> {
        let mut out = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let mut names = HashMap::from([("#pk".to_string(), pk_name.to_string())]);
            let mut values = HashMap::from([(":pk".to_string(), s(pk))]);
            let mut expr = "#pk = :pk".to_string();
            if let Some((sk_name, prefix)) = &sk {
                names.insert("#sk".into(), sk_name.to_string());
                values.insert(":prefix".into(), s(prefix));
                expr.push_str(" AND begins_with(#sk, :prefix)");
            }
            let remaining = limit.map(|l| l - out.len());
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .set_index_name(index.map(str::to_string))
                .key_condition_expression(expr)
                .set_expression_attribute_names(Some(names))
                .set_expression_attribute_values(Some(values))
                .scan_index_forward(forward)
                .set_limit(remaining.map(|r| r.min(1000) as i32))
                .consistent_read(index.is_none())
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(sdk_err)?;
            out.extend(page.items.unwrap_or_default());
            match page.last_evaluated_key {
                Some(last) if limit.is_none_or(|l| out.len() < l) => start = Some(last),
                _ => return Ok(out),
            }
        }
    }
}

/// Erasure walks the whole table once (a Scan): privacy requests are rare, and a scan finds
/// every item naming the customer whatever index it is or is not in. An item is theirs by its
/// type and the field that names its customer (equal to the id), never by text inside a key;
/// delivery keys all stay. Items are rewritten one by one, the customer item last; a failure
/// midway leaves the rest for a re-run, which finishes the job (idempotent).
#[async_trait]
impl CustomerEraser for DynamoStore {
    async fn forget_customer(&self, customer_id: &str) -> StoreResult<Erasure> {
        // Every record naming a customer makes sure their item exists (`ensure_customer`), and
        // it goes last, so no item means nothing of theirs is stored.
        let Some(customer_item) = self.get(customer_key(customer_id)).await? else {
            return Err(super::unknown_customer(customer_id));
        };
        let anon = super::erased_pseudonym();
        let customer: Customer = doc_of(&customer_item)?;
        let customer_key_pk = format!("customer#{customer_id}");
        let (mut records, mut comments, mut reports) = (0u64, Vec::new(), Vec::new());
        let mut start: Option<Item> = None;
        loop {
            let page = self
                .client
                .scan()
                .table_name(&self.table)
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(sdk_err)?;
            for item in page.items.unwrap_or_default() {
                let key_of = |item: &Item| {
                    key(
                        attr_s(item, PK).unwrap_or_default(),
                        attr_s(item, SK).unwrap_or_default(),
                    )
                };
                let rewrite = match attr_s(&item, TYPE) {
                    Some("response") => {
                        let mut r: Response = doc_of(&item)?;
                        (r.customer_id == customer_id).then(|| {
                            comments.extend(r.comment.take());
                            r.customer_id = anon.clone();
                            r.locale = None;
                            response_item(&r)
                        })
                    }
                    Some("purchase") => {
                        let mut p: Purchase = doc_of(&item)?;
                        (p.customer_id == customer_id).then(|| {
                            p.customer_id = anon.clone();
                            purchase_item(&p)
                        })
                    }
                    Some("referral") => {
                        let mut r = referral_from(&item)?;
                        (r.customer_id == customer_id).then(|| {
                            r.customer_id = anon.clone();
                            referral_item(&r)
                        })
                    }
                    Some("mention") => {
                        // Posted from one of their chat identities (a Slack channel message).
                        let mut m: Mention = doc_of(&item)?;
                        let theirs = customer.identities.iter().any(|i| {
                            m.source == i.platform.as_str() && m.author.as_deref() == Some(i.address.as_str())
                        });
                        theirs.then(|| {
                            m.author = None;
                            mention_item(&m)
                        })
                    }
                    Some("report") => {
                        reports.push(item.clone());
                        None
                    }
                    _ => None,
                };
                let delete = match attr_s(&item, TYPE) {
                    Some("survey") => doc_of::<SurveyState>(&item)?.customer_id == customer_id,
                    Some("identity") => attr_s(&item, "customer_id") == Some(customer_id),
                    // The feed's events and those parked for a platform's retry_after.
                    Some("event" | "parked") => attr_s(&item, "event")
                        .and_then(|e| serde_json::from_str::<DomainEvent>(e).ok())
                        .is_some_and(|e| e.ordering_key() == customer_key_pk),
                    _ => false,
                };
                if let Some(new) = rewrite {
                    // The record stays where listings find it: a record written before gsi1 was
                    // split by month keeps its kind-only key (no MONTHS# item names its month).
                    let mut new = new?;
                    if let Some(listed) = item.get(BY_KIND_TIME.partition_key) {
                        new.insert(BY_KIND_TIME.partition_key.into(), listed.clone());
                    }
                    self.put(new).await?;
                    records += 1;
                } else if delete {
                    self.delete(key_of(&item)).await?;
                    records += 1;
                }
            }
            match page.last_evaluated_key {
                Some(last) => start = Some(last),
                None => break,
            }
        }
        for item in reports {
            let mut report: StoredReport = doc_of(&item)?;
            if super::scrub_quotes(&mut report.body, &comments) {
                self.put(report_item(&report)?).await?;
                records += 1;
            }
        }
        // The pseudonym keeps the cohort, so cohort tables do not change; never surveyed again.
        let mut anon_customer = Customer::new(anon.clone(), Utc::now());
        anon_customer.opted_out = true;
        let mut new = customer_key(&anon);
        new.insert(TYPE.into(), s("customer"));
        new.insert(DOC.into(), s(to_json(&anon_customer)?));
        if let Some(cohort) = customer_item.get("cohort") {
            new.insert("cohort".into(), cohort.clone());
        }
        self.put(new).await?;
        self.delete(customer_key(customer_id)).await?;
        records += 1;
        Ok(Erasure { records })
    }
}

#[async_trait]
impl MentionReader for DynamoStore {
    async fn mention(&self, id: &str) -> StoreResult<Option<Mention>> {
        self.get(mention_key(id)).await?.as_ref().map(doc_of).transpose()
    }

    async fn brand_complaints(
        &self,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<Mention>> {
        // Sort keys are `{time}#{id}`: BETWEEN the two times is `from..until`. Sentiment is in the
        // doc only, so the window is read newest first and filtered here; it is one day of mentions.
        let mut months = vec![YearMonth::of(from)];
        while let Some(&last) = months.last().filter(|m| **m < YearMonth::of(until)) {
            months.push(last.next());
        }
        let (from, until) = (ts(from), ts(until));
        let keep = |item: &Item| {
            let mention: Mention = doc_of(item)?;
            Ok(mention.sentiment == Sentiment::Negative && !mention.competitor)
        };
        let mut items = Vec::new();
        let partitions = std::iter::once(RecordKind::Mentions.as_str().to_string()).chain(
            months
                .iter()
                .flat_map(|m| kind_month_partitions(RecordKind::Mentions, &m.to_string()).collect::<Vec<_>>()),
        );
        for partition in partitions {
            items.extend(
                self.index_range(&partition, (Some(&from), Some(&until)), false, limit, &keep)
                    .await?,
            );
        }
        items.sort_by(|a, b| attr_s(b, BY_KIND_TIME.sort_key).cmp(&attr_s(a, BY_KIND_TIME.sort_key)));
        items.truncate(limit);
        let complaints = items.iter().map(doc_of).collect::<StoreResult<Vec<Mention>>>()?;
        Ok(complaints)
    }
}

/// Effects share the delivery keys' items (and their TTL), as in the SQLite store.
#[async_trait]
impl EffectLog for DynamoStore {
    async fn effect_done(&self, key: &str) -> StoreResult<bool> {
        Ok(self.get(delivery_key(key)).await?.is_some())
    }

    async fn mark_effect_done(&self, key: &str) -> StoreResult<()> {
        let mut item = delivery_key(key);
        item.insert(TYPE.into(), s("delivery"));
        item.insert(TTL.into(), n(epoch_after(Utc::now(), DELIVERY_TTL_DAYS)));
        self.put(item).await
    }
}

#[async_trait]
impl CustomerReader for DynamoStore {
    async fn customer(&self, id: &str) -> StoreResult<Option<Customer>> {
        self.get(customer_key(id)).await?.as_ref().map(doc_of).transpose()
    }

    async fn customer_by_identity(&self, identity: &Identity) -> StoreResult<Option<Customer>> {
        let item = self.get(identity_key(identity)).await?;
        match item.as_ref().and_then(|i| attr_s(i, "customer_id")) {
            Some(id) => self.customer(id).await,
            None => Ok(None),
        }
    }
}

#[async_trait]
impl SurveyReader for DynamoStore {
    async fn latest_survey(&self, identity: &Identity) -> StoreResult<Option<SurveyState>> {
        // Surveys live in their identity's partition, newest last: one consistent query.
        let items = self
            .query_all(
                None,
                PK,
                &identity_pk(identity),
                Some((SK, "SURVEY#".into())),
                false,
                Some(1),
            )
            .await?;
        items.first().map(doc_of).transpose()
    }
}

#[async_trait]
impl ResponseReader for DynamoStore {
    async fn response(&self, id: &str) -> StoreResult<Option<Response>> {
        self.get(response_key(id)).await?.as_ref().map(doc_of).transpose()
    }

    async fn responses_of(&self, customer_id: &str) -> StoreResult<Vec<Response>> {
        let items = self
            .query_all(
                Some(BY_CUSTOMER.name),
                BY_CUSTOMER.partition_key,
                &format!("CUSTOMER#{customer_id}"),
                Some((BY_CUSTOMER.sort_key, "RESPONSE#".into())),
                true,
                None,
            )
            .await?;
        items.iter().map(doc_of).collect()
    }
}

#[async_trait]
impl ReferralReader for DynamoStore {
    async fn referral(&self, code: &ReferralCode) -> StoreResult<Option<Referral>> {
        self.get(referral_key(code.as_str()))
            .await?
            .as_ref()
            .map(referral_from)
            .transpose()
    }

    async fn referral_of(&self, customer_id: &str) -> StoreResult<Option<Referral>> {
        let items = self
            .query_all(
                Some(BY_CUSTOMER.name),
                BY_CUSTOMER.partition_key,
                &format!("CUSTOMER#{customer_id}"),
                Some((BY_CUSTOMER.sort_key, "REFERRAL#".into())),
                true,
                Some(1),
            )
            .await?;
        match items.first() {
            // The index is eventually consistent: the counters come from the item itself.
            Some(item) => self.referral(&referral_from(item)?.code).await,
            None => Ok(None),
        }
    }
}

#[async_trait]
impl AlertReader for DynamoStore {
    async fn alert(&self, id: &str) -> StoreResult<Option<Alert>> {
        self.get(alert_key(id)).await?.as_ref().map(doc_of).transpose()
    }
}

#[async_trait]
impl ReportReader for DynamoStore {
    async fn report(&self, month: YearMonth, brand: Option<&str>) -> StoreResult<Option<StoredReport>> {
        self.get(report_key(month, brand))
            .await?
            .as_ref()
            .map(doc_of)
            .transpose()
    }
}

#[async_trait]
impl AggregateReader for DynamoStore {
    async fn counters(&self, month: YearMonth) -> StoreResult<BTreeMap<String, i64>> {
        // Every shard of the month and the unsharded item, consistent, in BatchGetItems of
        // DynamoDB's 100 keys at most (three for 257 keys).
        let keys: Vec<Item> = (0..AGGREGATE_SHARDS)
            .map(|shard| aggregate_key(month, shard))
            .chain(std::iter::once(unsharded_aggregate_key(month)))
            .collect();
        let mut items = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(100) {
            items.extend(self.batch_get(chunk.to_vec()).await?);
        }
        let mut out = BTreeMap::new();
        for item in items {
            for (name, value) in &item {
                if let Some(metric) = name.strip_prefix(COUNTER_PREFIX) {
                    let v = value
                        .as_n()
                        .ok()
                        .and_then(|v| v.parse::<i64>().ok())
                        .ok_or_else(|| corrupt(format!("counter {name}")))?;
                    *out.entry(metric.to_string()).or_default() += v;
                }
            }
        }
        Ok(out)
    }
}

/// One gsi1 partition in a [`Merge`]: the items read and not yet taken, where the next read starts.
struct Part {
    pk: String,
    buffer: std::collections::VecDeque<Item>,
    /// The sort key of the last item read (the next read starts after it).
    last: Option<String>,
    done: bool,
}

impl Part {
    fn new(pk: String) -> Self {
        Part {
            pk,
            buffer: Default::default(),
            last: None,
            done: false,
        }
    }
    fn head(&self) -> Option<&str> {
        self.buffer.front().and_then(|i| attr_s(i, BY_KIND_TIME.sort_key))
    }
}

/// Records of a kind in sort-key order across gsi1 partitions: the unsplit one, merged with one
/// month's shards at a time (the next month's once every shard of this one is read out). Each
/// partition is read in chunks, so a page costs about its own size plus a chunk per partition.
struct Merge {
    unsplit: Part,
    months: std::collections::VecDeque<Vec<String>>,
    current: Vec<Part>,
    from: Option<String>,
    to: Option<String>,
    /// A page's start: the sort key of the previous page's last record, itself left out.
    after: Option<String>,
    chunk: usize,
}

impl Merge {
    fn new(
        unsplit: String,
        months: Vec<Vec<String>>,
        from: Option<String>,
        to: Option<String>,
        after: Option<String>,
        limit: usize,
    ) -> Self {
        Merge {
            unsplit: Part::new(unsplit),
            months: months.into(),
            current: Vec::new(),
            from,
            to,
            after,
            chunk: (limit / KIND_MONTH_SHARDS as usize + 1).clamp(8, 1000),
        }
    }

    async fn fill(&self, store: &DynamoStore, part: &mut Part) -> StoreResult<()> {
        if part.done || !part.buffer.is_empty() {
            return Ok(());
        }
        let skip = part.last.clone().or_else(|| self.after.clone());
        let from = match (&skip, &self.from) {
            (Some(skip), Some(from)) => Some(skip.max(from).clone()),
            (skip, from) => skip.clone().or_else(|| from.clone()),
        };
        let keep = |item: &Item| Ok(skip.is_none() || attr_s(item, BY_KIND_TIME.sort_key) != skip.as_deref());
        let got = store
            .index_range(&part.pk, (from.as_deref(), self.to.as_deref()), true, self.chunk, &keep)
            .await?;
        part.done = got.len() < self.chunk;
        part.last = got
            .last()
            .and_then(|i| attr_s(i, BY_KIND_TIME.sort_key))
            .map(str::to_string)
            .or(part.last.take());
        part.buffer.extend(got);
        Ok(())
    }

    /// The next record in sort-key order, or `None` after the last.
    async fn next(&mut self, store: &DynamoStore) -> StoreResult<Option<Item>> {
        loop {
            let mut unsplit = std::mem::replace(&mut self.unsplit, Part::new(String::new()));
            let filled = self.fill(store, &mut unsplit).await;
            self.unsplit = unsplit;
            filled?;
            let mut current = std::mem::take(&mut self.current);
            let mut filled = Ok(());
            for part in current.iter_mut() {
                filled = filled.and(self.fill(store, part).await);
            }
            self.current = current;
            filled?;
            let month_done = self.current.iter().all(|p| p.done && p.buffer.is_empty());
            if month_done {
                if let Some(next) = self.months.pop_front() {
                    self.current = next.into_iter().map(Part::new).collect();
                    continue;
                }
            }
            let best = std::iter::once(&mut self.unsplit)
                .chain(self.current.iter_mut())
                .filter(|p| p.head().is_some())
                .min_by(|a, b| a.head().cmp(&b.head()));
            return Ok(best.and_then(|p| p.buffer.pop_front()));
        }
    }
}

/// Page cursors: the index keys of the last record returned, as JSON (opaque to callers).
fn encode_cursor(item: &Item) -> Option<String> {
    let keys: Vec<&str> = [BY_KIND_TIME.partition_key, BY_KIND_TIME.sort_key, PK, SK]
        .iter()
        .map(|k| attr_s(item, k))
        .collect::<Option<_>>()?;
    serde_json::to_string(&keys).ok()
}

fn decode_cursor(cursor: &str) -> StoreResult<Item> {
    let keys: Vec<String> =
        serde_json::from_str(cursor).map_err(|_| StoreError::NotFound(format!("page cursor {cursor:?}")))?;
    let names = [BY_KIND_TIME.partition_key, BY_KIND_TIME.sort_key, PK, SK];
    if keys.len() != names.len() {
        return Err(StoreError::NotFound(format!("page cursor {cursor:?}")));
    }
    Ok(names
        .iter()
        .map(|n| n.to_string())
        .zip(keys.into_iter().map(s))
        .collect())
}

fn record_from(kind: RecordKind, item: &Item) -> StoreResult<Record> {
    Ok(match kind {
        RecordKind::Responses => Record::Response(doc_of(item)?),
        RecordKind::Mentions => Record::Mention(doc_of(item)?),
        RecordKind::Purchases => Record::Purchase(doc_of(item)?),
        RecordKind::Referrals => Record::Referral(referral_from(item)?),
        RecordKind::Alerts => Record::Alert(doc_of(item)?),
        RecordKind::Reports => Record::Report(doc_of(item)?),
    })
}

#[async_trait]
impl RecordLister for DynamoStore {
    async fn list(
        &self,
        kind: RecordKind,
        month: Option<YearMonth>,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Page> {
        // Sort keys start with the time (reports: the month), so a month is a key range.
        let between = month.map(|m| match kind {
            RecordKind::Reports => (m.to_string(), m.next().to_string()),
            _ => (ts(m.start()), ts(m.end())),
        });
        // A page starts after the last record of the one before: its sort key is unique in the kind.
        let after_sk = after
            .map(decode_cursor)
            .transpose()?
            .and_then(|k| attr_s(&k, BY_KIND_TIME.sort_key).map(str::to_string));
        let from = match (&between, &after_sk) {
            (Some((from, _)), Some(after)) => Some(from.max(after).clone()),
            (Some((from, _)), None) => Some(from.clone()),
            (None, after) => after.clone(),
        };
        // The kind's unsplit partition (reports; records of tables written before the split)
        // is merged with the month partitions, one month's shards at a time: months hold
        // disjoint, ascending ranges, so a later month is read only once the earlier are done.
        let groups: Vec<Vec<String>> = match (kind, month) {
            (RecordKind::Reports, _) => Vec::new(),
            (_, Some(m)) => vec![kind_month_partitions(kind, &m.to_string()).collect()],
            (_, None) => {
                let first_month = from.as_deref().map(|f| f.get(..7).unwrap_or(f));
                self.kind_months(kind)
                    .await?
                    .iter()
                    .filter(|m| first_month.is_none_or(|first| m.as_str() >= first))
                    .map(|m| kind_month_partitions(kind, m).collect())
                    .collect()
            }
        };
        let upper = between.as_ref().map(|(_, to)| to.clone());
        let mut merge = Merge::new(
            kind.as_str().to_string(),
            groups,
            from.clone(),
            upper,
            after_sk.clone(),
            limit,
        );
        let mut items = Vec::with_capacity(limit.min(1000));
        while items.len() < limit {
            match merge.next(self).await? {
                Some(item) => items.push(item),
                None => break,
            }
        }
        let next = if items.len() == limit {
            items.last().and_then(encode_cursor)
        } else {
            None
        };
        let records = items.iter().map(|i| record_from(kind, i)).collect::<StoreResult<_>>()?;
        Ok(Page { records, next })
    }
}

#[async_trait]
impl ChangeFeed for DynamoStore {
    async fn read_feed(&self, after: u64, limit: usize) -> StoreResult<Vec<FeedEntry>> {
        let mut out = Vec::new();
        let mut start: Option<Item> = None;
        while out.len() < limit {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk AND #sk > :after")
                .expression_attribute_names("#pk", PK)
                .expression_attribute_names("#sk", SK)
                .expression_attribute_values(":pk", s(FEED_PK))
                .expression_attribute_values(":after", s(feed_sk(after)))
                .limit((limit - out.len()).min(1000) as i32)
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(sdk_err)?;
            for item in page.items.unwrap_or_default() {
                out.push(feed_entry(&item)?);
            }
            match page.last_evaluated_key {
                Some(last) => start = Some(last),
                None => break,
            }
        }
        Ok(out)
    }

    async fn cursor(&self, consumer: &str) -> StoreResult<u64> {
        let item = self.get(cursor_key(consumer)).await?;
        Ok(item
            .as_ref()
            .map(|i| attr_n(i, "seq"))
            .transpose()?
            .flatten()
            .unwrap_or(0) as u64)
    }

    async fn save_cursor(&self, consumer: &str, seq: u64) -> StoreResult<()> {
        let saved = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(cursor_key(consumer)))
            .update_expression("SET seq = :seq, #type = :cursor")
            // Only forward: a slow consumer instance cannot move the cursor back.
            .condition_expression("attribute_not_exists(seq) OR seq < :seq")
            .expression_attribute_names("#type", TYPE)
            .expression_attribute_values(":seq", n(seq))
            .expression_attribute_values(":cursor", s("cursor"))
            .send()
            .await;
        match saved {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(se)) if se.err().is_conditional_check_failed_exception() => Ok(()),
            Err(e) => Err(sdk_err(e)),
        }
    }
}

/// A feed item (from a query or a stream image) as the entry the SQLite feed yields.
pub(crate) fn feed_entry(item: &Item) -> StoreResult<FeedEntry> {
    // Events written for the stream alone are not numbered: their stream record is their place.
    let seq = attr_n(item, "seq")?.unwrap_or(0) as u64;
    let recorded_at = attr_s(item, "recorded_at")
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .ok_or_else(|| corrupt("event without recorded_at"))?
        .with_timezone(&Utc);
    let event = attr_s(item, "event").ok_or_else(|| corrupt("event without body"))?;
    Ok(FeedEntry {
        seq,
        recorded_at,
        event: serde_json::from_str(event).map_err(corrupt)?,
    })
}

#[cfg(test)]
mod tests;
