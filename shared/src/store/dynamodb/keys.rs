//! Item keys: every access pattern of docs/data-model.md starts from one of these.

use super::*;

pub(super) fn delivery_key(delivery: &str) -> Item {
    key(["DELIVERY#", delivery].concat(), ONE)
}
pub(super) fn customer_key(id: &str) -> Item {
    key(format!("CUSTOMER#{id}"), ONE)
}
pub(super) fn identity_pk(identity: &Identity) -> String {
    format!("IDENTITY#{}#{}", identity.platform, identity.address)
}
pub(super) fn identity_key(identity: &Identity) -> Item {
    key(identity_pk(identity), "CUSTOMER")
}
pub(super) fn survey_key(state: &SurveyState) -> Item {
    key(
        identity_pk(&state.identity),
        format!("SURVEY#{}#{}", ts(state.survey.asked_at), state.id),
    )
}
pub(super) fn response_key(id: &str) -> Item {
    key(format!("RESPONSE#{id}"), ONE)
}
pub(super) fn mention_key(id: &str) -> Item {
    // Type, doc and the by-time index's two keys follow.
    key_with_room(["MENTION#", id].concat(), ONE, 4)
}
pub(super) fn purchase_key(id: &str) -> Item {
    key(format!("PURCHASE#{id}"), ONE)
}
pub(super) fn referral_key(code: &str) -> Item {
    key(format!("REFERRAL#{code}"), ONE)
}
pub(super) fn alert_key(id: &str) -> Item {
    key(format!("ALERT#{id}"), ONE)
}
pub(super) fn report_key(month: YearMonth, brand: Option<&str>) -> Item {
    key(format!("REPORT#{month}#{}", brand.unwrap_or_default()), ONE)
}
/// A month's counters are spread over this many items: a change adds to one of them (chosen
/// by its delivery key), and [`AggregateReader::counters`] sums them all. Concurrent writers
/// then rarely touch the same item (DynamoDB cancels a transaction that meets another on an
/// item), and no single item takes every write of a month: 256 shards hold 10,000 webhooks a
/// second within DynamoDB's 1,000 write units a second per item (docs/data-model.md,
/// "Capacity in AWS"). Shards `00` to `15` are the 16 that tables written before held.
pub const AGGREGATE_SHARDS: u32 = 256;
pub(super) fn aggregate_key(month: YearMonth, shard: u32) -> Item {
    key(format!("AGG#{month}#{shard:02}"), ONE)
}
/// The one item per month written before the counters were sharded: still read and summed.
pub(super) fn unsharded_aggregate_key(month: YearMonth) -> Item {
    key(format!("AGG#{month}"), ONE)
}
/// The aggregate shard a delivery writes to: FNV-1a of its key (stable across builds, so a
/// transaction's shape is the same on every run).
pub(super) fn aggregate_shard(delivery: &str) -> u32 {
    (fnv1a(delivery) % u64::from(AGGREGATE_SHARDS)) as u32
}
pub(super) fn cursor_key(consumer: &str) -> Item {
    key(format!("CURSOR#{consumer}"), ONE)
}
/// Zero-padded so the sort key orders like the number.
pub(super) fn feed_sk(seq: u64) -> String {
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
pub(super) fn fnv1a(key: &str) -> u64 {
    key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A record's gsi1 partition: its kind, the month of its time and a shard of its id
/// (`mentions#2026-03#07`), so no index partition takes every write of a kind. Reports keep one
/// partition, `reports`; tables written before this hold every record of a kind under the kind
/// alone, which listings read too.
pub(super) fn by_kind_month(kind: RecordKind, at: DateTime<Utc>, id: &str) -> String {
    let shard = fnv1a(id) % u64::from(KIND_MONTH_SHARDS);
    format!("{}#{}#{shard:02}", kind.as_str(), YearMonth::of(at))
}

/// The gsi1 partitions of `kind` in `month`, shard by shard.
pub(super) fn kind_month_partitions(kind: RecordKind, month: &str) -> impl Iterator<Item = String> + '_ {
    (0..KIND_MONTH_SHARDS).map(move |shard| format!("{}#{month}#{shard:02}", kind.as_str()))
}

/// The item that says gsi1 has partitions for a kind and month (`MONTHS#{kind}` / `{month}`):
/// listings of every month find the months here.
pub(super) fn month_marker_key(partition: &str) -> Option<(String, Item)> {
    let mut parts = partition.splitn(3, '#');
    let (kind, month) = (parts.next()?, parts.next()?);
    Some((format!("{kind}#{month}"), key(format!("MONTHS#{kind}"), month)))
}
