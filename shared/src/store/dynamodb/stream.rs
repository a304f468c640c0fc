//! Decodes DynamoDB Streams records of feed items into the domain events the SQLite feed yields.

use super::{feed_entry, table::TYPE, Item};
use crate::model::DomainEvent;
use aws_lambda_events::event::dynamodb::Event;
use aws_sdk_dynamodb::types::AttributeValue as Av;

/// The stream image's attributes a feed item uses (strings and numbers), as SDK values.
fn image_item(image: &serde_dynamo::Item) -> Item {
    image
        .iter()
        .filter_map(|(name, value)| match value {
            serde_dynamo::AttributeValue::S(v) => Some((name.clone(), Av::S(v.clone()))),
            serde_dynamo::AttributeValue::N(v) => Some((name.clone(), Av::N(v.clone()))),
            _ => None,
        })
        .collect()
}

/// The domain events in a stream batch, in stream order, each with the record's sequence
/// number (what a Lambda reports as a batch item failure). Only inserted feed items carry
/// events; every other item type and modification is not an event and is passed over.
/// A feed item that cannot be decoded is logged and left out: it can never decode later.
pub fn events_from_stream(event: &Event) -> Vec<(String, DomainEvent)> {
    let mut out = Vec::new();
    for record in &event.records {
        if record.event_name != "INSERT" {
            continue;
        }
        let item = image_item(&record.change.new_image);
        if item.get(TYPE).and_then(|t| t.as_s().ok()).map(String::as_str) != Some("event") {
            continue;
        }
        let id = record
            .change
            .sequence_number
            .clone()
            .unwrap_or_else(|| record.event_id.clone());
        match feed_entry(&item) {
            Ok(entry) => out.push((id, entry.event)),
            Err(error) => tracing::error!(record = %id, %error, "undecodable feed item in the stream"),
        }
    }
    out
}
