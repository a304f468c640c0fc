//! The DynamoDB store's parked events: items `PARKED` / `{lane}#{record}` (type `parked`, so the
//! stream filter never hands them to outreach), read in one query of their one partition.

use super::*;
use crate::store::{record_order, ParkedEvent, ParkedEvents};

const PARKED_PK: &str = "PARKED";

/// Sequence numbers padded to one width, so the sort key orders a lane's records.
fn parked_key(lane: &str, record_id: &str) -> Item {
    key(PARKED_PK, format!("{lane}#{record_id:0>40}"))
}

fn parked_of(item: &Item) -> StoreResult<ParkedEvent> {
    let text = |name: &str| {
        attr_s(item, name)
            .map(str::to_string)
            .ok_or_else(|| corrupt(format!("parked event without {name}")))
    };
    let due = attr_n(item, "due")?
        .and_then(DateTime::<Utc>::from_timestamp_millis)
        .ok_or_else(|| corrupt("parked event without due"))?;
    Ok(ParkedEvent {
        lane: text("lane")?,
        record_id: text("record_id")?,
        event: serde_json::from_str(&text("event")?).map_err(corrupt)?,
        due,
    })
}

#[async_trait]
impl ParkedEvents for DynamoStore {
    async fn parked_first(&self, limit: Option<usize>) -> StoreResult<Vec<ParkedEvent>> {
        let items = self.query_all(None, PK, PARKED_PK, None, true, limit).await?;
        let mut out = items.iter().map(parked_of).collect::<StoreResult<Vec<_>>>()?;
        out.sort_by(|a, b| {
            a.lane
                .cmp(&b.lane)
                .then_with(|| record_order(&a.record_id, &b.record_id))
        });
        Ok(out)
    }

    async fn park(&self, parked: &ParkedEvent) -> StoreResult<()> {
        let mut item = parked_key(&parked.lane, &parked.record_id);
        item.insert(TYPE.into(), s("parked"));
        item.insert("lane".into(), s(&parked.lane));
        item.insert("record_id".into(), s(&parked.record_id));
        item.insert("event".into(), s(to_json(&parked.event)?));
        item.insert("due".into(), n(parked.due.timestamp_millis()));
        self.put(item).await
    }

    async fn parked_in(&self, lane: &str) -> StoreResult<Vec<ParkedEvent>> {
        let items = self
            .query_all(None, PK, PARKED_PK, Some((SK, format!("{lane}#"))), true, None)
            .await?;
        let mut out = items
            .iter()
            .map(parked_of)
            .filter(|p| p.as_ref().map_or(true, |p| p.lane == lane))
            .collect::<StoreResult<Vec<_>>>()?;
        out.sort_by(|a, b| record_order(&a.record_id, &b.record_id));
        Ok(out)
    }

    async fn unpark(&self, lane: &str, record_id: &str) -> StoreResult<()> {
        self.delete(parked_key(lane, record_id)).await
    }
}
