//! The DynamoDB store: one table (see docs/data-model.md), each change one TransactWriteItems.

mod access;
mod apply;
mod codec;
mod conditions;
mod erasure;
mod errors;
mod feed;
mod group;
mod guard;
mod items;
mod keys;
mod listing;
mod parking;
mod plan;
mod planning;
mod readers;
#[cfg(feature = "dynamodb-streams")]
pub mod shards;
pub mod stream;
pub mod table;
#[cfg(any(test, feature = "test-support"))]
mod test_table;
mod transaction;

use super::*;
use crate::ledger::{self, Deltas, Guard, PurchaseContext, Subject};
use aws_config::SdkConfig;
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue as Av, ConditionCheck, KeysAndAttributes, Put, TransactWriteItem, Update,
};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, SecondsFormat, Utc};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use table::{BY_CUSTOMER, BY_KIND_TIME, PK, SK, TTL, TYPE};

use apply::*;
use codec::*;
use conditions::*;
use errors::*;
use feed::*;
use items::*;
use keys::*;
pub use keys::{AGGREGATE_SHARDS, KIND_MONTH_SHARDS};
use plan::*;
pub use table::create_table;
#[cfg(any(test, feature = "test-support"))]
pub use test_table::{counted, fresh_table, Requests};
use transaction::*;

pub type Item = HashMap<String, Av>;

/// The record as JSON: one attribute holds the whole record, so the schema can evolve freely.
const DOC: &str = "doc";
/// Delivery keys are kept this long: platforms redeliver within hours, operators replay within days.
pub const DELIVERY_TTL_DAYS: i64 = 30;
/// Events written for the stream alone expire after this many days (the stream holds 24 hours).
pub const STREAM_EVENT_TTL_DAYS: i64 = 7;
/// A survey conversation is over long before this; TTL then removes its state.
pub const SURVEY_TTL_DAYS: i64 = 180;
/// How often one change is retried when a concurrent writer won a race on an item it read.
const MAX_ATTEMPTS: u32 = 8;
/// Aggregate counters are attributes `c:{metric}` of the month's item.
const COUNTER_PREFIX: &str = "c:";
const FEED_PK: &str = "FEED";
const SEQ_PK: &str = "FEED#SEQ";
/// Singleton items have this sort key.
const ONE: &str = "#";

/// The DynamoDB store: a client built once, and the table name.
#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
    feed: Feed,
    /// With the ordered feed, one transaction at a time per process moves `FEED#SEQ` (shared by
    /// the store's clones), holding the last sequence number this process wrote or read: the
    /// process's writers queue here instead of racing each other for the counter, and only
    /// another process's writer can make a transaction lose (docs/data-model.md, "The change feed").
    feed_writer: Arc<tokio::sync::Mutex<Option<u64>>>,
    /// When this process last lost the feed counter to another process's write: while that is
    /// recent, changes read the counter before their turn instead of trusting their own last
    /// write (a transaction that fails on it costs more than the read).
    feed_lost_at: Arc<std::sync::Mutex<Option<std::time::Instant>>>,
    /// With the ordered feed, the mentions and responses waiting for a turn at the counter,
    /// written together by whoever has the turn (group.rs).
    group: Arc<group::Queue>,
    /// gsi1 partitions this process has named in their `MONTHS#{kind}` items.
    known_partitions: Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
}

/// Where a store's events go (docs/data-model.md, "The change feed").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Feed {
    /// Numbered `FEED` items after the global counter `FEED#SEQ`, for `ChangeFeed` readers
    /// (`sarafan serve`'s outreach worker).
    Ordered,
    /// Items under `EVENT#{ordering key}`, for DynamoDB Streams alone (outreach in Lambda):
    /// no item every event-writing change must touch.
    Stream,
}

impl DynamoStore {
    /// A store whose events form the ordered feed `ChangeFeed` reads.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoStore {
            client,
            table: table.into(),
            feed: Feed::Ordered,
            feed_writer: Arc::default(),
            feed_lost_at: Arc::default(),
            group: Arc::default(),
            known_partitions: Arc::default(),
        }
    }

    /// The same store writing its events for DynamoDB Streams only: they are not numbered, so
    /// no write touches `FEED#SEQ`, and `ChangeFeed::read_feed` does not see them.
    pub fn with_stream_feed(mut self) -> Self {
        self.feed = Feed::Stream;
        self
    }

    /// Builds the SDK config from the environment (region, credentials, `AWS_ENDPOINT_URL`,
    /// `AWS_ENDPOINT_URL_DYNAMODB`) with bounded timeouts and retries. Makes no network call.
    pub async fn sdk_config() -> SdkConfig {
        Self::config_loader().load().await
    }

    /// The loader [`Self::sdk_config`] uses, for callers that need to adjust it (tests shorten retries).
    pub fn config_loader() -> aws_config::ConfigLoader {
        crate::aws::config_loader()
    }

    /// The store on table `table`, configured from the environment (see [`Self::sdk_config`]).
    pub async fn from_env(table: impl Into<String>) -> Self {
        Self::from_sdk_config(&Self::sdk_config().await, table)
    }

    /// The store on table `table` with a config already loaded (shared with other AWS clients).
    /// In Lambda (`AWS_LAMBDA_FUNCTION_NAME` is set) events are written for the stream alone:
    /// outreach reads them there, and nothing in Lambda reads the ordered feed.
    pub fn from_sdk_config(config: &SdkConfig, table: impl Into<String>) -> Self {
        let store = DynamoStore::new(Client::new(config), table);
        match std::env::var_os("AWS_LAMBDA_FUNCTION_NAME") {
            Some(_) => store.with_stream_feed(),
            None => store,
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// Reads one item, strongly consistent (reads before writes must see the latest write).
    pub async fn raw_item(&self, key: Item) -> StoreResult<Option<Item>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk_err)?;
        Ok(out.item)
    }
}

#[cfg(test)]
mod tests;
