//! The ordered change feed: reading numbered `FEED` items and the consumers' cursors.

use super::*;

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
