//! Reading the table's DynamoDB stream from a process of its own, as Lambda's event source
//! mapping reads it for the outreach function: the stream's shards, a shard's records from a
//! checkpoint on, and the checkpoints a reader keeps in the table (docs/data-model.md, "The
//! change feed").
//!
//! Only `sarafan serve` needs this: with it, the table's writers move no shared counter (the
//! events are written for the stream alone, as in Lambda), and one serve process at a time (the
//! outreach lease's holder) reads the stream.

use super::*;
use crate::model::DomainEvent;
use aws_sdk_dynamodb::types::StreamViewType;
use aws_sdk_dynamodbstreams::types::{AttributeValue as StreamAv, OperationType, ShardIteratorType};

/// Checkpoints are items `STREAM#{reader}` / `{shard id}`.
const CHECKPOINT_PREFIX: &str = "STREAM#";
/// A closed shard stays in the stream for 24 hours; its checkpoint is kept a while longer.
const CHECKPOINT_TTL_DAYS: i64 = 7;

/// One shard of the stream, and the shard it was split from (read first, to keep each key's order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shard {
    pub id: String,
    pub parent: Option<String>,
}

/// Where a reader is in one shard.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checkpoint {
    /// The last record handled (none yet: read from the oldest record the stream holds).
    pub after: Option<String>,
    /// The shard is closed and every record in it was handled.
    pub done: bool,
}

/// One `GetRecords` answer: every record's sequence number in stream order with its event (only
/// inserted event items carry one), and the iterator to read on with (none: the shard is closed
/// and read to its end).
#[derive(Debug, Default)]
pub struct ShardBatch {
    pub records: Vec<(String, Option<DomainEvent>)>,
    pub next: Option<String>,
}

impl ShardBatch {
    /// The events to hand to outreach, each with its record's sequence number.
    pub fn events(&self) -> Vec<(String, DomainEvent)> {
        self.records
            .iter()
            .filter_map(|(seq, event)| event.clone().map(|e| (seq.clone(), e)))
            .collect()
    }

    /// The sequence number of the record just before `seq` in this batch (none: `seq` is the first).
    pub fn before(&self, seq: &str) -> Option<&str> {
        let at = self.records.iter().position(|(s, _)| s == seq)?;
        at.checked_sub(1).map(|i| self.records[i].0.as_str())
    }

    pub fn last(&self) -> Option<&str> {
        self.records.last().map(|(seq, _)| seq.as_str())
    }
}

/// What reading a shard found besides records.
#[derive(Debug, thiserror::Error)]
pub enum ShardError {
    /// The iterator is older than 15 minutes, or its place left the stream (DynamoDB Local also
    /// says so of a `TRIM_HORIZON` iterator taken on an empty shard once another table wrote):
    /// ask for a new one from the checkpoint.
    #[error("the shard iterator expired")]
    IteratorExpired,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A client of the table's stream.
#[derive(Debug, Clone)]
pub struct StreamReader {
    client: aws_sdk_dynamodbstreams::Client,
    arn: String,
}

impl DynamoStore {
    /// The table's stream, when it has one that carries new images (the table `sarafan dynamodb
    /// create-table` and template.yaml make has); none otherwise.
    pub async fn stream_arn(&self) -> StoreResult<Option<String>> {
        let table = self
            .client
            .describe_table()
            .table_name(&self.table)
            .send()
            .await
            .map_err(sdk_err)?
            .table
            .ok_or_else(|| corrupt("DescribeTable answered without the table"))?;
        let images = table.stream_specification().is_some_and(|spec| {
            spec.stream_enabled()
                && matches!(
                    spec.stream_view_type(),
                    Some(StreamViewType::NewImage | StreamViewType::NewAndOldImages)
                )
        });
        Ok(table.latest_stream_arn().filter(|_| images).map(str::to_string))
    }

    /// The checkpoints `reader` has saved, by shard.
    pub async fn stream_checkpoints(&self, reader: &str) -> StoreResult<HashMap<String, Checkpoint>> {
        let items = self
            .query_all(None, PK, &checkpoint_pk(reader), None, true, None)
            .await?;
        Ok(items
            .iter()
            .filter_map(|item| {
                let checkpoint = Checkpoint {
                    after: attr_s(item, "after").map(str::to_string),
                    done: matches!(item.get("done"), Some(Av::Bool(true))),
                };
                Some((attr_s(item, SK)?.to_string(), checkpoint))
            })
            .collect())
    }

    /// Saves where `reader` is in `shard`. Only the outreach lease's holder reads the stream, so
    /// no condition: a holder that lost its lease mid-batch can at worst move a checkpoint back,
    /// and the events read again find their messages sent (each send is guarded).
    pub async fn save_stream_checkpoint(&self, reader: &str, shard: &str, checkpoint: &Checkpoint) -> StoreResult<()> {
        let expires = Utc::now() + chrono::Duration::days(CHECKPOINT_TTL_DAYS);
        let mut item = key(checkpoint_pk(reader), shard);
        item.insert(TYPE.into(), s("checkpoint"));
        item.insert("done".into(), Av::Bool(checkpoint.done));
        item.insert(TTL.into(), n(expires.timestamp()));
        if let Some(after) = &checkpoint.after {
            item.insert("after".into(), s(after.as_str()));
        }
        self.put(item).await
    }
}

fn checkpoint_pk(reader: &str) -> String {
    [CHECKPOINT_PREFIX, reader].concat()
}

impl StreamReader {
    /// A reader of the stream `arn`. Its endpoint is `AWS_ENDPOINT_URL_DYNAMODB_STREAMS` when set
    /// (the SDK reads it), else `dynamodb_endpoint` when given (DynamoDB Local serves both APIs on
    /// one port), else AWS's.
    pub fn new(config: &SdkConfig, arn: impl Into<String>, dynamodb_endpoint: Option<&str>) -> Self {
        let mut builder = aws_sdk_dynamodbstreams::config::Builder::from(config);
        if std::env::var_os("AWS_ENDPOINT_URL_DYNAMODB_STREAMS").is_none() {
            if let Some(endpoint) = dynamodb_endpoint {
                builder = builder.endpoint_url(endpoint);
            }
        }
        StreamReader {
            client: aws_sdk_dynamodbstreams::Client::from_conf(builder.build()),
            arn: arn.into(),
        }
    }

    pub fn arn(&self) -> &str {
        &self.arn
    }

    /// Every shard the stream holds (open ones and those closed within 24 hours).
    pub async fn shards(&self) -> StoreResult<Vec<Shard>> {
        let mut out = Vec::new();
        let mut start: Option<String> = None;
        loop {
            let answer = self
                .client
                .describe_stream()
                .stream_arn(&self.arn)
                .set_exclusive_start_shard_id(start.take())
                .send()
                .await
                .map_err(sdk_err)?;
            let Some(description) = answer.stream_description() else {
                return Ok(out);
            };
            for shard in description.shards() {
                if let Some(id) = shard.shard_id() {
                    out.push(Shard {
                        id: id.to_string(),
                        parent: shard.parent_shard_id().map(str::to_string),
                    });
                }
            }
            match description.last_evaluated_shard_id() {
                Some(last) => start = Some(last.to_string()),
                None => return Ok(out),
            }
        }
    }

    /// An iterator on `shard` just after `after`, or at the oldest record held when there is no
    /// checkpoint or the checkpoint's record has been trimmed (older than 24 hours).
    pub async fn iterator(&self, shard: &str, after: Option<&str>) -> StoreResult<Option<String>> {
        let request = |kind: ShardIteratorType, seq: Option<&str>| {
            self.client
                .get_shard_iterator()
                .stream_arn(&self.arn)
                .shard_id(shard)
                .shard_iterator_type(kind)
                .set_sequence_number(seq.map(str::to_string))
                .send()
        };
        if let Some(seq) = after {
            match request(ShardIteratorType::AfterSequenceNumber, Some(seq)).await {
                Ok(answer) => return Ok(answer.shard_iterator().map(str::to_string)),
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|e| e.is_trimmed_data_access_exception()) =>
                {
                    tracing::warn!(shard, after = seq, "the checkpoint's record left the stream (older than 24 hours): reading from the oldest record held");
                }
                Err(e) => return Err(sdk_err(e)),
            }
        }
        let answer = request(ShardIteratorType::TrimHorizon, None).await.map_err(sdk_err)?;
        Ok(answer.shard_iterator().map(str::to_string))
    }

    /// Up to `limit` records from `iterator`.
    pub async fn records(&self, iterator: &str, limit: i32) -> Result<ShardBatch, ShardError> {
        let answer = match self
            .client
            .get_records()
            .shard_iterator(iterator)
            .limit(limit)
            .send()
            .await
        {
            Ok(answer) => answer,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_expired_iterator_exception() || e.is_trimmed_data_access_exception()) =>
            {
                return Err(ShardError::IteratorExpired)
            }
            Err(e) => return Err(sdk_err(e).into()),
        };
        let mut records = Vec::with_capacity(answer.records().len());
        for record in answer.records() {
            let Some(change) = record.dynamodb() else { continue };
            let Some(seq) = change.sequence_number() else { continue };
            let event = match (record.event_name(), change.new_image()) {
                (Some(OperationType::Insert), Some(image)) => event_of(seq, image),
                _ => None,
            };
            records.push((seq.to_string(), event));
        }
        Ok(ShardBatch {
            records,
            next: answer.next_shard_iterator().map(str::to_string),
        })
    }
}

/// The domain event an inserted item carries: only event items do. One that cannot be decoded is
/// logged and passed over (it can never decode later), as in Lambda (stream.rs).
fn event_of(seq: &str, image: &HashMap<String, StreamAv>) -> Option<DomainEvent> {
    let item: Item = image
        .iter()
        .filter_map(|(name, value)| match value {
            StreamAv::S(v) => Some((name.clone(), Av::S(v.clone()))),
            StreamAv::N(v) => Some((name.clone(), Av::N(v.clone()))),
            _ => None,
        })
        .collect();
    if attr_s(&item, TYPE) != Some("event") {
        return None;
    }
    match feed_entry(&item) {
        Ok(entry) => Some(entry.event),
        Err(error) => {
            tracing::error!(record = seq, %error, "undecodable event item in the stream");
            None
        }
    }
}
