//! Row mapping: timestamps, JSON and enum columns, records from rows, and lookups by key.

use super::*;

pub(super) fn ts(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub(super) fn parse_ts(s: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
}

fn opt_ts(s: Option<String>) -> rusqlite::Result<Option<DateTime<Utc>>> {
    s.as_deref().map(parse_ts).transpose()
}

pub(super) fn conversion<E: std::error::Error + Send + Sync + 'static>(e: E) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
}

#[derive(Debug, thiserror::Error)]
#[error("unknown value {0:?}")]
struct UnknownValue(String);

pub(super) fn from_json_str<T: serde::de::DeserializeOwned>(s: &str) -> rusqlite::Result<T> {
    serde_json::from_str(s).map_err(conversion)
}

/// Enum columns are stored as their serde names.
fn enum_from<T: serde::de::DeserializeOwned>(s: String) -> rusqlite::Result<T> {
    serde_json::from_value(serde_json::Value::String(s.clone())).map_err(|_| conversion(UnknownValue(s)))
}

pub(super) fn response_from_row(r: &Row<'_>) -> rusqlite::Result<Response> {
    Ok(Response {
        id: r.get("id")?,
        customer_id: r.get("customer_id")?,
        platform: enum_from(r.get("platform")?)?,
        score: Score::new(r.get("score")?).map_err(conversion)?,
        comment: r.get("comment")?,
        locale: r.get("locale")?,
        submitted_at: parse_ts(&r.get::<_, String>("submitted_at")?)?,
        brand: r.get("brand")?,
    })
}

pub(super) fn mention_from_row(r: &Row<'_>) -> rusqlite::Result<Mention> {
    Ok(Mention {
        id: r.get("id")?,
        source: r.get("source")?,
        text: r.get("text")?,
        url: r.get("url")?,
        author: r.get("author")?,
        lang: r.get("lang")?,
        sentiment: enum_from(r.get("sentiment")?)?,
        matched_terms: from_json_str(&r.get::<_, String>("matched_terms")?)?,
        competitor: r.get("competitor")?,
        created_at: parse_ts(&r.get::<_, String>("created_at")?)?,
    })
}

pub(super) fn purchase_from_row(r: &Row<'_>) -> rusqlite::Result<Purchase> {
    let code: Option<String> = r.get("referral_code")?;
    Ok(Purchase {
        id: r.get("id")?,
        customer_id: r.get("customer_id")?,
        kind: enum_from(r.get("kind")?)?,
        referral_code: code.map(|c| c.parse()).transpose().map_err(conversion)?,
        amount: r.get("amount")?,
        currency: r.get("currency")?,
        purchased_at: parse_ts(&r.get::<_, String>("purchased_at")?)?,
    })
}

pub(super) fn referral_from_row(r: &Row<'_>) -> rusqlite::Result<Referral> {
    Ok(Referral {
        code: r.get::<_, String>("code")?.parse().map_err(conversion)?,
        customer_id: r.get("customer_id")?,
        clicks: r.get::<_, i64>("clicks")? as u64,
        conversions: r.get::<_, i64>("conversions")? as u64,
        created_at: parse_ts(&r.get::<_, String>("created_at")?)?,
    })
}

pub(super) fn alert_from_row(r: &Row<'_>) -> rusqlite::Result<Alert> {
    let message: Option<String> = r.get("message")?;
    Ok(Alert {
        id: r.get("id")?,
        kind: enum_from(r.get("kind")?)?,
        subject_id: r.get("subject_id")?,
        status: enum_from(r.get("status")?)?,
        claimed_by: r.get("claimed_by")?,
        created_at: parse_ts(&r.get::<_, String>("created_at")?)?,
        claimed_at: opt_ts(r.get("claimed_at")?)?,
        resolved_at: opt_ts(r.get("resolved_at")?)?,
        message: message.as_deref().map(from_json_str).transpose()?,
    })
}

pub(super) fn report_from_row(r: &Row<'_>) -> rusqlite::Result<StoredReport> {
    let brand: String = r.get("brand")?;
    Ok(StoredReport {
        month: r.get::<_, String>("month")?.parse().map_err(conversion)?,
        brand: (!brand.is_empty()).then_some(brand),
        created_at: parse_ts(&r.get::<_, String>("created_at")?)?,
        emailed_at: opt_ts(r.get("emailed_at")?)?,
        body: from_json_str(&r.get::<_, String>("body")?)?,
    })
}

fn customer_from_row(tx: &Connection, r: &Row<'_>) -> rusqlite::Result<Customer> {
    let id: String = r.get("id")?;
    let mut stmt = tx
        .prepare_cached("SELECT platform, address FROM identities WHERE customer_id = ?1 ORDER BY platform, address")?;
    let identities = stmt
        .query_map([&id], |i| {
            Ok(Identity {
                platform: enum_from(i.get(0)?)?,
                address: i.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Customer {
        id,
        name: r.get("name")?,
        email: r.get("email")?,
        locale: r.get("locale")?,
        identities,
        opted_out: r.get("opted_out")?,
        last_asked_at: opt_ts(r.get("last_asked_at")?)?,
        created_at: parse_ts(&r.get::<_, String>("created_at")?)?,
    })
}

pub(super) fn get_customer(conn: &Connection, id: &str) -> rusqlite::Result<Option<Customer>> {
    conn.one("SELECT * FROM customers WHERE id = ?1", [id], |r| {
        customer_from_row(conn, r)
    })
    .optional()
}

pub(super) fn get_customer_by_identity(conn: &Connection, identity: &Identity) -> rusqlite::Result<Option<Customer>> {
    let id: Option<String> = conn
        .one(
            "SELECT customer_id FROM identities WHERE platform = ?1 AND address = ?2",
            params![identity.platform.as_str(), identity.address],
            |r| r.get(0),
        )
        .optional()?;
    match id {
        Some(id) => get_customer(conn, &id),
        None => Ok(None),
    }
}

pub(super) fn get_referral(conn: &Connection, code: &str) -> rusqlite::Result<Option<Referral>> {
    conn.one("SELECT * FROM referrals WHERE code = ?1", [code], referral_from_row)
        .optional()
}

pub(super) fn cohort_of(conn: &Connection, customer_id: &str) -> rusqlite::Result<Option<YearMonth>> {
    let cohort: Option<Option<String>> = conn
        .one("SELECT cohort FROM customers WHERE id = ?1", [customer_id], |r| {
            r.get(0)
        })
        .optional()?;
    cohort.flatten().map(|c| c.parse().map_err(conversion)).transpose()
}
