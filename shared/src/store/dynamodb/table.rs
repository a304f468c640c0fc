//! The one definition of Sarafan's DynamoDB table: keys, indexes, TTL and stream, used to create it.

use super::{backend, sdk_err};
use crate::store::{StoreError, StoreResult};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, StreamSpecification, StreamViewType, TableStatus, TimeToLiveSpecification,
};
use aws_sdk_dynamodb::Client;
use std::time::Duration;

/// Partition key of every item (`CUSTOMER#{id}`, `FEED`, ...).
pub const PK: &str = "pk";
/// Sort key of every item.
pub const SK: &str = "sk";
/// The item type (`customer`, `response`, `event`, ...): stream consumers filter on it.
pub const TYPE: &str = "type";
/// Epoch seconds after which DynamoDB's TTL may delete the item (delivery keys, surveys).
pub const TTL: &str = "expires_at";

/// A global secondary index, described as data so template.yaml can be generated and checked from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexDefinition {
    pub name: &'static str,
    pub partition_key: &'static str,
    pub sort_key: &'static str,
    /// Every attribute is projected, so listings and lookups need no second read.
    pub projection_all: bool,
}

/// The table: string keys everywhere, on-demand billing, NEW_IMAGE stream, TTL on [`TTL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableDefinition {
    pub partition_key: &'static str,
    pub sort_key: &'static str,
    pub indexes: &'static [IndexDefinition],
    pub ttl_attribute: &'static str,
    /// `NEW_IMAGE`: the outreach Lambda needs only what was written.
    pub stream_view_type: &'static str,
    /// `PAY_PER_REQUEST`: traffic is bursty and small.
    pub billing_mode: &'static str,
}

/// Records by kind in time order: `gsi1pk = {kind}` (`responses`, `mentions`...),
/// `gsi1sk = {RFC 3339 time}#{id}` (reports: `{YYYY-MM}#{brand}`). A month is a sort-key range.
pub const BY_KIND_TIME: IndexDefinition = IndexDefinition {
    name: "gsi1",
    partition_key: "gsi1pk",
    sort_key: "gsi1sk",
    projection_all: true,
};

/// A customer's records: `gsi2pk = CUSTOMER#{id}`, `gsi2sk = RESPONSE#{time}#{id}` or `REFERRAL#{time}#{code}`.
pub const BY_CUSTOMER: IndexDefinition = IndexDefinition {
    name: "gsi2",
    partition_key: "gsi2pk",
    sort_key: "gsi2sk",
    projection_all: true,
};

pub const TABLE: TableDefinition = TableDefinition {
    partition_key: PK,
    sort_key: SK,
    indexes: &[BY_KIND_TIME, BY_CUSTOMER],
    ttl_attribute: TTL,
    stream_view_type: "NEW_IMAGE",
    billing_mode: "PAY_PER_REQUEST",
};

impl TableDefinition {
    /// Every key attribute of the table and its indexes (all strings), each once.
    pub fn key_attributes(&self) -> Vec<&'static str> {
        let mut names = vec![self.partition_key, self.sort_key];
        for index in self.indexes {
            names.extend([index.partition_key, index.sort_key]);
        }
        names
    }
}

fn key_schema(partition: &str, sort: &str) -> StoreResult<Vec<KeySchemaElement>> {
    [(partition, KeyType::Hash), (sort, KeyType::Range)]
        .into_iter()
        .map(|(name, kind)| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kind)
                .build()
                .map_err(backend)
        })
        .collect()
}

/// Creates the table as [`TABLE`] defines it, waits until it is active and turns TTL on.
/// An existing table of that name is an error (`ResourceInUseException`), never changed.
pub async fn create_table(client: &Client, name: &str) -> StoreResult<()> {
    let def = TABLE;
    let attributes = def
        .key_attributes()
        .into_iter()
        .map(|attr| {
            AttributeDefinition::builder()
                .attribute_name(attr)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(backend)
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let indexes = def
        .indexes
        .iter()
        .map(|index| {
            let projection = if index.projection_all {
                ProjectionType::All
            } else {
                ProjectionType::KeysOnly
            };
            GlobalSecondaryIndex::builder()
                .index_name(index.name)
                .set_key_schema(Some(key_schema(index.partition_key, index.sort_key)?))
                .projection(Projection::builder().projection_type(projection).build())
                .build()
                .map_err(backend)
        })
        .collect::<StoreResult<Vec<_>>>()?;
    client
        .create_table()
        .table_name(name)
        .set_attribute_definitions(Some(attributes))
        .set_key_schema(Some(key_schema(def.partition_key, def.sort_key)?))
        .set_global_secondary_indexes(Some(indexes))
        .billing_mode(BillingMode::from(def.billing_mode))
        .stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::from(def.stream_view_type))
                .build()
                .map_err(backend)?,
        )
        .send()
        .await
        .map_err(sdk_err)?;
    // TTL can only be set on an active table; creation takes seconds in AWS, none locally.
    for _ in 0..120 {
        let described = client.describe_table().table_name(name).send().await.map_err(sdk_err)?;
        if described.table().and_then(|t| t.table_status()) == Some(&TableStatus::Active) {
            client
                .update_time_to_live()
                .table_name(name)
                .time_to_live_specification(
                    TimeToLiveSpecification::builder()
                        .enabled(true)
                        .attribute_name(def.ttl_attribute)
                        .build()
                        .map_err(backend)?,
                )
                .send()
                .await
                .map_err(sdk_err)?;
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Err(StoreError::Unavailable(format!(
        "table {name} did not become active within a minute"
    )))
}
