//! The readers: records by key, effects, counters, and listings page by page.

use super::*;

#[async_trait]
impl MentionReader for SqliteStore {
    async fn mention(&self, id: &str) -> StoreResult<Option<Mention>> {
        self.reader()
            .one("SELECT * FROM mentions WHERE id = ?1", [id], mention_from_row)
            .optional()
            .map_err(backend)
    }

    async fn brand_complaints(
        &self,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<Mention>> {
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached(
                "SELECT * FROM mentions WHERE created_at >= ?1 AND created_at < ?2 AND sentiment = ?3 AND competitor = 0
                 ORDER BY created_at DESC, id DESC LIMIT ?4",
            )
            .map_err(backend)?;
        let rows = stmt
            .query_map(
                params![ts(from), ts(until), Sentiment::Negative.as_str(), limit as i64],
                mention_from_row,
            )
            .map_err(backend)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend)
    }
}

#[async_trait]
impl EffectLog for SqliteStore {
    async fn effect_done(&self, key: &str) -> StoreResult<bool> {
        self.reader()
            .one("SELECT count(*) > 0 FROM deliveries WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .map_err(backend)
    }

    async fn mark_effect_done(&self, key: &str) -> StoreResult<()> {
        self.write(WriteOp::MarkEffect { key: key.to_string() }).await?;
        Ok(())
    }
}

#[async_trait]
impl CustomerReader for SqliteStore {
    async fn customer(&self, id: &str) -> StoreResult<Option<Customer>> {
        get_customer(&self.reader(), id).map_err(backend)
    }

    async fn customer_by_identity(&self, identity: &Identity) -> StoreResult<Option<Customer>> {
        get_customer_by_identity(&self.reader(), identity).map_err(backend)
    }
}

#[async_trait]
impl SurveyReader for SqliteStore {
    async fn latest_survey(&self, identity: &Identity) -> StoreResult<Option<SurveyState>> {
        let body: Option<String> = self
            .reader()
            .one(
                "SELECT body FROM surveys WHERE platform = ?1 AND address = ?2 ORDER BY asked_at DESC, id DESC LIMIT 1",
                params![identity.platform.as_str(), identity.address],
                |r| r.get(0),
            )
            .optional()
            .map_err(backend)?;
        body.map(|b| serde_json::from_str(&b).map_err(json_err)).transpose()
    }
}

#[async_trait]
impl ResponseReader for SqliteStore {
    async fn response(&self, id: &str) -> StoreResult<Option<Response>> {
        self.reader()
            .one("SELECT * FROM responses WHERE id = ?1", [id], response_from_row)
            .optional()
            .map_err(backend)
    }

    async fn responses_of(&self, customer_id: &str) -> StoreResult<Vec<Response>> {
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached("SELECT * FROM responses WHERE customer_id = ?1 ORDER BY submitted_at, id")
            .map_err(backend)?;
        let rows = stmt.query_map([customer_id], response_from_row).map_err(backend)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend)
    }
}

#[async_trait]
impl ReferralReader for SqliteStore {
    async fn referral(&self, code: &ReferralCode) -> StoreResult<Option<Referral>> {
        get_referral(&self.reader(), code.as_str()).map_err(backend)
    }

    async fn referral_of(&self, customer_id: &str) -> StoreResult<Option<Referral>> {
        self.reader()
            .one(
                "SELECT * FROM referrals WHERE customer_id = ?1 ORDER BY created_at LIMIT 1",
                [customer_id],
                referral_from_row,
            )
            .optional()
            .map_err(backend)
    }
}

#[async_trait]
impl AlertReader for SqliteStore {
    async fn alert(&self, id: &str) -> StoreResult<Option<Alert>> {
        self.reader()
            .one("SELECT * FROM alerts WHERE id = ?1", [id], alert_from_row)
            .optional()
            .map_err(backend)
    }
}

#[async_trait]
impl ReportReader for SqliteStore {
    async fn report(&self, month: YearMonth, brand: Option<&str>) -> StoreResult<Option<StoredReport>> {
        self.reader()
            .one(
                "SELECT * FROM reports WHERE month = ?1 AND brand = ?2",
                params![month.to_string(), brand.unwrap_or_default()],
                report_from_row,
            )
            .optional()
            .map_err(backend)
    }
}

#[async_trait]
impl AggregateReader for SqliteStore {
    async fn counters(&self, month: YearMonth) -> StoreResult<BTreeMap<String, i64>> {
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached("SELECT metric, value FROM aggregates WHERE month = ?1")
            .map_err(backend)?;
        let rows = stmt
            .query_map([month.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(backend)?;
        rows.collect::<rusqlite::Result<BTreeMap<_, _>>>().map_err(backend)
    }
}

/// Page cursors are `{time}|{key}` of the last record returned.
fn split_cursor(after: Option<&str>) -> (String, String) {
    match after.and_then(|a| a.split_once('|')) {
        Some((t, k)) => (t.to_string(), k.to_string()),
        None => (String::new(), String::new()),
    }
}

#[async_trait]
impl RecordLister for SqliteStore {
    async fn list(
        &self,
        kind: RecordKind,
        month: Option<YearMonth>,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Page> {
        let (table, time_col, key_col) = match kind {
            RecordKind::Responses => ("responses", "submitted_at", "id"),
            RecordKind::Mentions => ("mentions", "created_at", "id"),
            RecordKind::Purchases => ("purchases", "purchased_at", "id"),
            RecordKind::Referrals => ("referrals", "created_at", "code"),
            RecordKind::Alerts => ("alerts", "created_at", "id"),
            RecordKind::Reports => ("reports", "month", "brand"),
        };
        let (from, to) = match (kind, month) {
            (RecordKind::Reports, Some(m)) => (m.to_string(), m.next().to_string()),
            (_, Some(m)) => (ts(m.start()), ts(m.end())),
            (_, None) => (String::new(), "\u{10ffff}".to_string()),
        };
        let (after_time, after_key) = split_cursor(after);
        let sql = format!(
            "SELECT * FROM {table} WHERE {time_col} >= ?1 AND {time_col} < ?2 AND ({time_col}, {key_col}) > (?3, ?4)
             ORDER BY {time_col}, {key_col} LIMIT ?5"
        );
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
        let mut rows = stmt
            .query(params![from, to, after_time, after_key, limit as i64])
            .map_err(backend)?;
        let mut records = Vec::new();
        let mut last = None;
        while let Some(row) = rows.next().map_err(backend)? {
            last = Some(format!(
                "{}|{}",
                row.get::<_, String>(time_col).map_err(backend)?,
                row.get::<_, String>(key_col).map_err(backend)?
            ));
            records.push(
                match kind {
                    RecordKind::Responses => response_from_row(row).map(Record::Response),
                    RecordKind::Mentions => mention_from_row(row).map(Record::Mention),
                    RecordKind::Purchases => purchase_from_row(row).map(Record::Purchase),
                    RecordKind::Referrals => referral_from_row(row).map(Record::Referral),
                    RecordKind::Alerts => alert_from_row(row).map(Record::Alert),
                    RecordKind::Reports => report_from_row(row).map(Record::Report),
                }
                .map_err(backend)?,
            );
        }
        let next = if records.len() == limit { last } else { None };
        Ok(Page { records, next })
    }
}
