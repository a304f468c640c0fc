//! The change feed: reading the numbered events and the consumers' cursors.

use super::*;

#[async_trait]
impl ChangeFeed for SqliteStore {
    async fn read_feed(&self, after: u64, limit: usize) -> StoreResult<Vec<FeedEntry>> {
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached("SELECT seq, recorded_at, event FROM feed WHERE seq > ?1 ORDER BY seq LIMIT ?2")
            .map_err(backend)?;
        let rows = stmt
            .query_map(params![after as i64, limit as i64], |r| {
                Ok(FeedEntry {
                    seq: r.get::<_, i64>(0)? as u64,
                    recorded_at: parse_ts(&r.get::<_, String>(1)?)?,
                    event: from_json_str(&r.get::<_, String>(2)?)?,
                })
            })
            .map_err(backend)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend)
    }

    async fn cursor(&self, consumer: &str) -> StoreResult<u64> {
        let seq: Option<i64> = self
            .reader()
            .one("SELECT seq FROM cursors WHERE consumer = ?1", [consumer], |r| r.get(0))
            .optional()
            .map_err(backend)?;
        Ok(seq.unwrap_or(0) as u64)
    }

    async fn save_cursor(&self, consumer: &str, seq: u64) -> StoreResult<()> {
        self.write(WriteOp::SaveCursor {
            consumer: consumer.to_string(),
            seq,
        })
        .await?;
        Ok(())
    }
}
