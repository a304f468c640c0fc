//! The SQLite store's parked events: one row per held-back event, keyed by lane and record.

use super::*;
use crate::store::{record_order, ParkedEvent, ParkedEvents};

fn parked_from_row(row: &Row<'_>) -> rusqlite::Result<(String, String, String, String)> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
}

fn decode(rows: Vec<(String, String, String, String)>) -> StoreResult<Vec<ParkedEvent>> {
    let mut out = rows
        .into_iter()
        .map(|(lane, record_id, event, due)| {
            Ok(ParkedEvent {
                lane,
                record_id,
                event: serde_json::from_str(&event).map_err(json_err)?,
                due: parse_ts(&due).map_err(backend)?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    out.sort_by(|a, b| {
        a.lane
            .cmp(&b.lane)
            .then_with(|| record_order(&a.record_id, &b.record_id))
    });
    Ok(out)
}

impl SqliteStore {
    /// The parked events a `SELECT lane, record_id, event, due` statement reads.
    fn parked_rows(&self, sql: &str, args: impl rusqlite::Params) -> StoreResult<Vec<ParkedEvent>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
        let rows = stmt.query_map(args, parked_from_row).map_err(backend)?;
        decode(rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend)?)
    }
}

#[async_trait]
impl ParkedEvents for SqliteStore {
    async fn park(&self, parked: &ParkedEvent) -> StoreResult<()> {
        let event = serde_json::to_string(&parked.event).map_err(json_err)?;
        let conn = self.writer();
        conn.run(
            "INSERT INTO parked_events (lane, record_id, event, due) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (lane, record_id) DO UPDATE SET due = excluded.due",
            params![parked.lane, parked.record_id, event, ts(parked.due)],
        )
        .map(drop)
        .map_err(backend)
    }

    async fn parked_first(&self, limit: Option<usize>) -> StoreResult<Vec<ParkedEvent>> {
        // SQLite reads a negative limit as none.
        let limit = limit.map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
        self.parked_rows(
            "SELECT lane, record_id, event, due FROM parked_events LIMIT ?1",
            [limit],
        )
    }

    async fn parked_in(&self, lane: &str) -> StoreResult<Vec<ParkedEvent>> {
        self.parked_rows(
            "SELECT lane, record_id, event, due FROM parked_events WHERE lane = ?1",
            [lane],
        )
    }

    async fn unpark(&self, lane: &str, record_id: &str) -> StoreResult<()> {
        let conn = self.writer();
        conn.run(
            "DELETE FROM parked_events WHERE lane = ?1 AND record_id = ?2",
            params![lane, record_id],
        )
        .map(drop)
        .map_err(backend)
    }
}
