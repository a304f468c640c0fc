//! Erasure: all of a customer's personal data goes in one transaction, or none of it.

use super::*;

#[async_trait]
impl CustomerEraser for SqliteStore {
    async fn forget_customer(&self, customer_id: &str) -> StoreResult<Erasure> {
        let mut conn = self.writer();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(backend)?;
        let erasure = erase_in(&tx, customer_id)?;
        tx.commit().map_err(backend)?;
        Ok(erasure)
    }
}

/// One transaction: all of the customer's personal data goes, or none of it. Rows are found by
/// the columns that name the customer, never by matching text inside keys; delivery keys stay.
fn erase_in(tx: &Transaction<'_>, customer_id: &str) -> StoreResult<Erasure> {
    let cohort: Option<Option<String>> = tx
        .one("SELECT cohort FROM customers WHERE id = ?1", [customer_id], |r| {
            r.get(0)
        })
        .optional()
        .map_err(backend)?;
    // Every record naming a customer makes sure their row exists (`ensure_customer`,
    // `save_customer`), so no row means nothing of theirs is stored.
    let Some(cohort) = cohort else {
        return Err(super::unknown_customer(customer_id));
    };
    let anon = super::erased_pseudonym();
    let identities: Vec<(String, String)> = {
        let mut stmt = tx
            .prepare("SELECT platform, address FROM identities WHERE customer_id = ?1")
            .map_err(backend)?;
        let rows = stmt
            .query_map([customer_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(backend)?;
        rows.collect::<rusqlite::Result<_>>().map_err(backend)?
    };
    let comments: Vec<String> = {
        let mut stmt = tx
            .prepare("SELECT comment FROM responses WHERE customer_id = ?1 AND comment IS NOT NULL")
            .map_err(backend)?;
        let rows = stmt.query_map([customer_id], |r| r.get(0)).map_err(backend)?;
        rows.collect::<rusqlite::Result<_>>().map_err(backend)?
    };
    // Events held back for a platform's retry_after (parked_events) that name them: found by
    // the event's own customer, as the feed's rows are, and deleted with the rest.
    let parked: Vec<(String, String)> = {
        let mut stmt = tx
            .prepare("SELECT lane, record_id, event FROM parked_events")
            .map_err(backend)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
            })
            .map_err(backend)?;
        let owner = format!("customer#{customer_id}");
        let mut theirs = Vec::new();
        for row in rows {
            let (lane, record_id, event) = row.map_err(backend)?;
            let names_them =
                serde_json::from_str::<crate::model::DomainEvent>(&event).is_ok_and(|e| e.ordering_key() == owner);
            if names_them {
                theirs.push((lane, record_id));
            }
        }
        theirs
    };
    let mut records = 0u64;
    let mut run = |sql: &str, params: &[&dyn rusqlite::ToSql]| -> StoreResult<()> {
        records += tx.run(sql, params).map_err(backend)? as u64;
        Ok(())
    };
    run(
        "UPDATE responses SET customer_id = ?2, comment = NULL, locale = NULL WHERE customer_id = ?1",
        &[&customer_id, &anon],
    )?;
    run(
        "UPDATE purchases SET customer_id = ?2 WHERE customer_id = ?1",
        &[&customer_id, &anon],
    )?;
    run(
        "UPDATE referrals SET customer_id = ?2 WHERE customer_id = ?1",
        &[&customer_id, &anon],
    )?;
    run("DELETE FROM surveys WHERE customer_id = ?1", &[&customer_id])?;
    run("DELETE FROM identities WHERE customer_id = ?1", &[&customer_id])?;
    run("DELETE FROM customers WHERE id = ?1", &[&customer_id])?;
    // Events still naming them: the feed's per-customer stream.
    run(
        "DELETE FROM feed WHERE ordering_key = ?1",
        &[&format!("customer#{customer_id}")],
    )?;
    for (lane, record_id) in &parked {
        run(
            "DELETE FROM parked_events WHERE lane = ?1 AND record_id = ?2",
            &[lane, record_id],
        )?;
    }
    // Mentions they posted from one of their chat identities (a Slack channel message).
    for (platform, address) in &identities {
        run(
            "UPDATE mentions SET author = NULL WHERE source = ?1 AND author = ?2",
            &[platform, address],
        )?;
    }
    // The pseudonym keeps their cohort, so cohort tables do not change; never surveyed again.
    run(
        "INSERT INTO customers (id, opted_out, cohort, created_at) VALUES (?1, 1, ?2, ?3)",
        &[&anon, &cohort, &ts(Utc::now())],
    )?;
    if !comments.is_empty() {
        let reports: Vec<(String, String, String)> = {
            let mut stmt = tx.prepare("SELECT month, brand, body FROM reports").map_err(backend)?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .map_err(backend)?;
            rows.collect::<rusqlite::Result<_>>().map_err(backend)?
        };
        for (month, brand, body) in reports {
            let mut body: serde_json::Value = serde_json::from_str(&body).map_err(json_err)?;
            if super::scrub_quotes(&mut body, &comments) {
                let body = serde_json::to_string(&body).map_err(json_err)?;
                run(
                    "UPDATE reports SET body = ?3 WHERE month = ?1 AND brand = ?2",
                    &[&month, &brand, &body],
                )?;
            }
        }
    }
    Ok(Erasure { records })
}
