//! The schema: versioned migrations, applied in order and stamped in `user_version`.

use super::*;

/// `PRAGMA application_id` of a Sarafan database ("SRFN"): tells ours from foreign files.
pub(super) const APPLICATION_ID: i64 = 0x5352_464e;

/// Schema migrations; index + 1 is the `user_version` after applying it. Never edit a
/// released step: add a new one.
const MIGRATIONS: &[&str] = &[
    // 1: the records, the idempotency keys, the aggregates and the change feed.
    r#"
    CREATE TABLE deliveries (key TEXT PRIMARY KEY, applied_at TEXT NOT NULL);
    CREATE TABLE customers (
        id TEXT PRIMARY KEY, name TEXT, email TEXT, locale TEXT,
        opted_out INTEGER NOT NULL DEFAULT 0, last_asked_at TEXT, cohort TEXT, created_at TEXT NOT NULL);
    CREATE TABLE identities (
        platform TEXT NOT NULL, address TEXT NOT NULL, customer_id TEXT NOT NULL,
        PRIMARY KEY (platform, address));
    CREATE TABLE surveys (
        id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, platform TEXT NOT NULL, address TEXT NOT NULL,
        stage TEXT NOT NULL, asked_at TEXT NOT NULL, body TEXT NOT NULL);
    CREATE INDEX surveys_by_identity ON surveys (platform, address, asked_at);
    CREATE TABLE responses (
        id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, platform TEXT NOT NULL, score INTEGER NOT NULL,
        comment TEXT, locale TEXT, submitted_at TEXT NOT NULL, brand TEXT);
    CREATE INDEX responses_by_time ON responses (submitted_at, id);
    CREATE INDEX responses_by_customer ON responses (customer_id, submitted_at);
    CREATE TABLE mentions (
        id TEXT PRIMARY KEY, source TEXT NOT NULL, text TEXT NOT NULL, url TEXT, author TEXT, lang TEXT,
        sentiment TEXT NOT NULL, matched_terms TEXT NOT NULL, competitor INTEGER NOT NULL, created_at TEXT NOT NULL);
    CREATE INDEX mentions_by_time ON mentions (created_at, id);
    CREATE TABLE purchases (
        id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, kind TEXT NOT NULL, referral_code TEXT,
        amount REAL, currency TEXT, purchased_at TEXT NOT NULL);
    CREATE INDEX purchases_by_time ON purchases (purchased_at, id);
    CREATE TABLE referrals (
        code TEXT PRIMARY KEY, customer_id TEXT NOT NULL, clicks INTEGER NOT NULL DEFAULT 0,
        conversions INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL);
    CREATE INDEX referrals_by_customer ON referrals (customer_id);
    CREATE TABLE alerts (
        id TEXT PRIMARY KEY, kind TEXT NOT NULL, subject_id TEXT NOT NULL, status TEXT NOT NULL,
        claimed_by TEXT, created_at TEXT NOT NULL, claimed_at TEXT, resolved_at TEXT);
    CREATE INDEX alerts_by_time ON alerts (created_at, id);
    CREATE TABLE reports (
        month TEXT NOT NULL, brand TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL, emailed_at TEXT,
        body TEXT NOT NULL, PRIMARY KEY (month, brand));
    CREATE TABLE aggregates (month TEXT NOT NULL, metric TEXT NOT NULL, value INTEGER NOT NULL,
        PRIMARY KEY (month, metric));
    CREATE TABLE feed (seq INTEGER PRIMARY KEY AUTOINCREMENT, ordering_key TEXT NOT NULL, kind TEXT NOT NULL,
        event TEXT NOT NULL, recorded_at TEXT NOT NULL);
    CREATE TABLE cursors (consumer TEXT PRIMARY KEY, seq INTEGER NOT NULL);
    "#,
    // 2: alerts remember their chat message so staff buttons can update it in place.
    r#"
    ALTER TABLE alerts ADD COLUMN message TEXT;
    CREATE INDEX feed_by_key ON feed (ordering_key, seq);
    "#,
    // 3: outreach's lease (one feed worker per file) and its claims on messages (see guard.rs).
    r#"
    CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, until TEXT NOT NULL);
    CREATE TABLE send_claims (key TEXT PRIMARY KEY, claimant TEXT NOT NULL, claimed_at TEXT NOT NULL);
    "#,
    // 4: events outreach holds back until a platform's retry_after passes (see parking.rs).
    r#"
    CREATE TABLE parked_events (lane TEXT NOT NULL, record_id TEXT NOT NULL, event TEXT NOT NULL,
        due TEXT NOT NULL, PRIMARY KEY (lane, record_id));
    "#,
];

pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Applies migrations `from+1..=to` in one transaction each, stamping the version.
pub(super) fn migrate(conn: &Connection, from: i64, to: i64) -> StoreResult<()> {
    for version in from + 1..=to {
        let step = MIGRATIONS[(version - 1) as usize];
        let sql = format!(
            "BEGIN IMMEDIATE; {step}; PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {version}; COMMIT;"
        );
        if let Err(e) = conn.execute_batch(&sql) {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(backend(e));
        }
        tracing::info!(version, "sqlite schema migrated");
    }
    Ok(())
}

/// Opens a database with only the first `version` migrations: how older releases left it.
#[doc(hidden)]
pub fn create_at_version(path: &Path, version: i64) -> StoreResult<()> {
    let conn = Connection::open(path).map_err(backend)?;
    migrate(&conn, 0, version)
}
