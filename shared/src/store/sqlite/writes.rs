//! Writes: a change's records and the ledger's answer (events, counters, state) in one transaction.

use super::*;

/// Reads the customers and identities the ledger asks for into `read`: the change's customer,
/// each identity's owner, the former owners' customers.
fn read_customers(tx: &Transaction<'_>, change: &Change, read: &mut ledger::Read) -> rusqlite::Result<()> {
    if let Some(id) = ledger::customer_to_read(change, read) {
        read.customer = get_customer(tx, id)?;
    }
    for identity in ledger::identities_to_read(change) {
        let owner = tx
            .one(
                "SELECT customer_id FROM identities WHERE platform = ?1 AND address = ?2",
                params![identity.platform.as_str(), identity.address],
                |r| r.get(0),
            )
            .optional()?;
        read.owners.push((identity.clone(), owner));
    }
    for former in ledger::former_owners(change, &read.owners) {
        read.former.extend(get_customer(tx, &former)?);
    }
    Ok(())
}

/// Writes a customer as the ledger decided it (its identities are rows of their own, written
/// from the ledger's owners); its cohort is left as it is.
fn save_customer(tx: &Transaction<'_>, c: &Customer) -> rusqlite::Result<()> {
    tx.run(
        "INSERT INTO customers (id, name, email, locale, opted_out, last_asked_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET
           name = excluded.name, email = excluded.email, locale = excluded.locale,
           opted_out = excluded.opted_out, last_asked_at = excluded.last_asked_at",
        params![
            c.id,
            c.name,
            c.email,
            c.locale,
            c.opted_out,
            c.last_asked_at.map(ts),
            ts(c.created_at)
        ],
    )?;
    Ok(())
}

/// Makes sure a customer row exists for records that name one (`customer`, as the ledger names
/// it), leaving a stored one as it is.
fn ensure_customer(tx: &Transaction<'_>, customer: &Customer) -> rusqlite::Result<()> {
    tx.run(
        "INSERT OR IGNORE INTO customers (id, created_at) VALUES (?1, ?2)",
        params![customer.id, ts(customer.created_at)],
    )?;
    Ok(())
}

pub(super) fn save_survey(tx: &Transaction<'_>, s: &SurveyState) -> StoreResult<()> {
    let body = serde_json::to_string(s).map_err(json_err)?;
    tx.run(
        "INSERT INTO surveys (id, customer_id, platform, address, stage, asked_at, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET stage = excluded.stage, body = excluded.body",
        params![
            s.id,
            s.customer_id,
            s.identity.platform.as_str(),
            s.identity.address,
            s.survey.stage.as_str(),
            ts(s.survey.asked_at),
            body
        ],
    )
    .map_err(backend)?;
    Ok(())
}

/// Outcome of writing one change inside the transaction.
enum Written {
    Stored {
        events: Vec<DomainEvent>,
        deltas: Deltas,
    },
    /// The record already exists under another delivery key: a duplicate all the same.
    AlreadyThere,
}

fn stored(events: Vec<DomainEvent>, deltas: Deltas) -> Written {
    Written::Stored { events, deltas }
}

/// Writes the change's own records, reads what the ledger needs, and persists the ledger's
/// answer (its events and counters, and the state it decides): all in the one transaction.
fn write_change(tx: &Transaction<'_>, change: Change) -> StoreResult<Written> {
    let mut read = ledger::Read::default();
    match &change {
        Change::Customer(_) | Change::SurveyRequested { .. } => {
            read_customers(tx, &change, &mut read).map_err(backend)?;
        }
        Change::Survey(state) => {
            let previous: Option<String> = tx
                .one("SELECT stage FROM surveys WHERE id = ?1", [&state.id], |r| r.get(0))
                .optional()
                .map_err(backend)?;
            read.survey_is_new = previous.is_none();
            read.survey_was_asked = previous.as_deref() == Some("asked");
            save_survey(tx, state)?;
            read_customers(tx, &change, &mut read).map_err(backend)?;
        }
        Change::Response { response: r, survey } => {
            let inserted = tx
                .run(
                    "INSERT OR IGNORE INTO responses (id, customer_id, platform, score, comment, locale, submitted_at, brand)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![
                        r.id,
                        r.customer_id,
                        r.platform.as_str(),
                        r.score.value(),
                        r.comment,
                        r.locale,
                        ts(r.submitted_at),
                        r.brand
                    ],
                )
                .map_err(backend)?;
            if inserted == 0 {
                return Ok(Written::AlreadyThere);
            }
            if let Some(s) = survey {
                save_survey(tx, s)?;
            }
        }
        Change::Comment {
            response_id, survey, ..
        } => {
            read.response = tx
                .one(
                    "SELECT * FROM responses WHERE id = ?1",
                    [response_id],
                    response_from_row,
                )
                .optional()
                .map_err(backend)?;
            if let Some(s) = survey {
                save_survey(tx, s)?;
            }
        }
        Change::ScoreNotUnderstood { .. } | Change::Report(_) => {}
        Change::OptOut { survey, .. } => {
            read.now = Utc::now();
            read_customers(tx, &change, &mut read).map_err(backend)?;
            if let Some(s) = survey {
                save_survey(tx, s)?;
            }
        }
        Change::Mention(m) => {
            let terms = serde_json::to_string(&m.matched_terms).map_err(json_err)?;
            let inserted = tx
                .run(
                    "INSERT OR IGNORE INTO mentions (id, source, text, url, author, lang, sentiment, matched_terms, competitor, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                    params![
                        m.id,
                        m.source,
                        m.text,
                        m.url,
                        m.author,
                        m.lang,
                        m.sentiment.as_str(),
                        terms,
                        m.competitor,
                        ts(m.created_at)
                    ],
                )
                .map_err(backend)?;
            if inserted == 0 {
                return Ok(Written::AlreadyThere);
            }
        }
        Change::Purchase(p) => {
            let inserted = tx
                .run(
                    "INSERT OR IGNORE INTO purchases (id, customer_id, kind, referral_code, amount, currency, purchased_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                        p.id,
                        p.customer_id,
                        p.kind.as_str(),
                        p.referral_code.as_ref().map(|c| c.as_str()),
                        p.amount,
                        p.currency,
                        ts(p.purchased_at)
                    ],
                )
                .map_err(backend)?;
            if inserted == 0 {
                return Ok(Written::AlreadyThere);
            }
            let referral = match &p.referral_code {
                Some(code) => get_referral(tx, code.as_str()).map_err(backend)?,
                None => None,
            };
            read.purchase = PurchaseContext {
                buyer_cohort: cohort_of(tx, &p.customer_id).map_err(backend)?,
                referrer_cohort: match &referral {
                    Some(r) => cohort_of(tx, &r.customer_id).map_err(backend)?,
                    None => None,
                },
                referral,
            };
        }
        Change::ReferralCreated(r) => {
            let inserted = tx
                .run(
                    "INSERT OR IGNORE INTO referrals (code, customer_id, clicks, conversions, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![r.code.as_str(), r.customer_id, r.clicks as i64, r.conversions as i64, ts(r.created_at)],
                )
                .map_err(backend)?;
            if inserted == 0 {
                return Ok(Written::AlreadyThere);
            }
        }
        Change::ReferralClick { code, .. } => {
            let updated = tx
                .run(
                    "UPDATE referrals SET clicks = clicks + 1 WHERE code = ?1",
                    [code.as_str()],
                )
                .map_err(backend)?;
            // Nothing was counted if it is unknown; the ledger refuses the click then.
            read.referral_stored = updated > 0;
        }
        Change::Alert(Alert { id, .. }) | Change::AlertAction { alert_id: id, .. } => {
            read.alert = tx
                .one("SELECT * FROM alerts WHERE id = ?1", [id], alert_from_row)
                .optional()
                .map_err(backend)?;
        }
    }
    let outcome = ledger::decide(&change, &read).map_err(|m| StoreError::NotFound(m.0))?;
    if let Some(c) = &outcome.named_customer {
        ensure_customer(tx, c).map_err(backend)?;
    }
    if let Some(r) = &outcome.response {
        tx.run(
            "UPDATE responses SET comment = ?2 WHERE id = ?1",
            params![r.id, r.comment],
        )
        .map_err(backend)?;
    }
    if let Some(a) = &outcome.alert {
        save_alert(tx, a)?;
    }
    for c in &outcome.customers {
        save_customer(tx, c).map_err(backend)?;
    }
    for (identity, owner) in &outcome.identities {
        tx.run(
            "INSERT INTO identities (platform, address, customer_id) VALUES (?1, ?2, ?3)
             ON CONFLICT (platform, address) DO UPDATE SET customer_id = excluded.customer_id",
            params![identity.platform.as_str(), identity.address, owner],
        )
        .map_err(backend)?;
    }
    if let (Some(cohort), Change::Purchase(p)) = (outcome.set_buyer_cohort, &change) {
        tx.run(
            "UPDATE customers SET cohort = ?2 WHERE id = ?1",
            params![p.customer_id, cohort.to_string()],
        )
        .map_err(backend)?;
    }
    if let Some(code) = &outcome.conversion {
        tx.run(
            "UPDATE referrals SET conversions = conversions + 1 WHERE code = ?1",
            [code.as_str()],
        )
        .map_err(backend)?;
    }
    if let Change::Report(r) = &change {
        let body = serde_json::to_string(&r.body).map_err(json_err)?;
        tx.run(
            "INSERT INTO reports (month, brand, created_at, emailed_at, body) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (month, brand) DO UPDATE SET created_at = excluded.created_at, body = excluded.body,
               emailed_at = coalesce(excluded.emailed_at, emailed_at)",
            params![
                r.month.to_string(),
                r.brand.clone().unwrap_or_default(),
                ts(r.created_at),
                r.emailed_at.map(ts),
                body
            ],
        )
        .map_err(backend)?;
    }
    Ok(stored(outcome.events, outcome.deltas))
}

/// Writes an alert as the ledger decided it.
fn save_alert(tx: &Transaction<'_>, a: &Alert) -> StoreResult<()> {
    let message = a
        .message
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(json_err)?;
    tx.run(
        "INSERT INTO alerts (id, kind, subject_id, status, claimed_by, created_at, claimed_at, resolved_at, message)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, claimed_by = excluded.claimed_by,
           claimed_at = excluded.claimed_at, resolved_at = excluded.resolved_at, message = excluded.message",
        params![
            a.id,
            a.kind.as_str(),
            a.subject_id,
            a.status.as_str(),
            a.claimed_by,
            ts(a.created_at),
            a.claimed_at.map(ts),
            a.resolved_at.map(ts),
            message
        ],
    )
    .map_err(backend)?;
    Ok(())
}

pub(super) fn apply_in(tx: &Transaction<'_>, delivery: &str, change: Change) -> StoreResult<Applied> {
    let now = Utc::now();
    let claimed = tx
        .run(
            "INSERT OR IGNORE INTO deliveries (key, applied_at) VALUES (?1, ?2)",
            params![delivery, ts(now)],
        )
        .map_err(backend)?;
    if claimed == 0 {
        return Ok(Applied::Duplicate);
    }
    let (events, deltas) = match write_change(tx, change)? {
        Written::AlreadyThere => return Ok(Applied::Duplicate),
        Written::Stored { events, deltas } => (events, deltas),
    };
    let mut add = tx
        .prepare_cached(
            "INSERT INTO aggregates (month, metric, value) VALUES (?1, ?2, ?3)
             ON CONFLICT (month, metric) DO UPDATE SET value = value + excluded.value",
        )
        .map_err(backend)?;
    for ((month, metric), delta) in deltas.0 {
        add.execute(params![month.to_string(), metric, delta])
            .map_err(backend)?;
    }
    let mut log = tx
        .prepare_cached("INSERT INTO feed (ordering_key, kind, event, recorded_at) VALUES (?1, ?2, ?3, ?4)")
        .map_err(backend)?;
    for event in events {
        let json = serde_json::to_string(&event).map_err(json_err)?;
        log.execute(params![event.ordering_key(), event.kind(), json, ts(now)])
            .map_err(backend)?;
    }
    Ok(Applied::Stored)
}

#[async_trait]
impl ChangeWriter for SqliteStore {
    async fn apply(&self, delivery: &str, change: Change) -> StoreResult<Applied> {
        self.write(WriteOp::Apply {
            delivery: delivery.to_string(),
            change,
        })
        .await
    }
}
