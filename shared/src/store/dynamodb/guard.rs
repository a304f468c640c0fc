//! The DynamoDB send guard: `LEASE#{name}` and `CLAIM#{key}` items, each taken with one
//! conditional put, so two Lambdas (or two `serve`s) racing for the same one cannot both win.

use super::*;
use crate::store::{Lease, SendClaim, SendGuard};

fn lease_key(name: &str) -> Item {
    key(format!("LEASE#{name}"), ONE)
}

fn claim_key(send: &str) -> Item {
    key(format!("CLAIM#{send}"), ONE)
}

/// Milliseconds since the epoch: conditions compare numbers, not timestamps.
fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

fn after(at: DateTime<Utc>, span: std::time::Duration) -> DateTime<Utc> {
    at + chrono::Duration::from_std(span).unwrap_or(chrono::Duration::MAX)
}

fn condition_failed<E: ProvideErrorMetadata>(e: &SdkError<E, HttpResponse>) -> bool {
    matches!(e, SdkError::ServiceError(se) if se.err().code() == Some("ConditionalCheckFailedException"))
}

impl DynamoStore {
    /// Puts `item` unless another `owner` holds it with `at` newer than `expired_before`; on a
    /// lost race, returns the item that won.
    async fn put_unless_held(
        &self,
        item: Item,
        owner_attr: &str,
        owner: &str,
        at_attr: &str,
        expired_before: i64,
    ) -> StoreResult<Option<Item>> {
        let key: Item = [PK, SK]
            .iter()
            .filter_map(|k| Some((k.to_string(), item.get(*k)?.clone())))
            .collect();
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#pk) OR #owner = :owner OR #at < :expired")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#owner", owner_attr)
            .expression_attribute_names("#at", at_attr)
            .expression_attribute_values(":owner", s(owner))
            .expression_attribute_values(":expired", n(expired_before))
            .send()
            .await;
        match put {
            Ok(_) => Ok(None),
            Err(e) if condition_failed(&e) => Ok(Some(self.get(key).await?.unwrap_or_default())),
            Err(e) => Err(sdk_err(e)),
        }
    }

    /// Deletes the item at `key` if `owner_attr` is `owner`; someone else's is left alone.
    async fn delete_if_owned(&self, key: Item, owner_attr: &str, owner: &str) -> StoreResult<()> {
        let deleted = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .condition_expression("#owner = :owner")
            .expression_attribute_names("#owner", owner_attr)
            .expression_attribute_values(":owner", s(owner))
            .send()
            .await;
        match deleted {
            Ok(_) => Ok(()),
            Err(e) if condition_failed(&e) => Ok(()),
            Err(e) => Err(sdk_err(e)),
        }
    }
}

#[async_trait]
impl SendGuard for DynamoStore {
    async fn lease(&self, name: &str, holder: &str, ttl: std::time::Duration) -> StoreResult<Lease> {
        let now = Utc::now();
        let mut item = lease_key(name);
        item.insert(TYPE.into(), s("lease"));
        item.insert("holder".into(), s(holder));
        item.insert("until".into(), n(millis(after(now, ttl))));
        match self
            .put_unless_held(item, "holder", holder, "until", millis(now))
            .await?
        {
            None => Ok(Lease::Held),
            Some(winner) => Ok(Lease::HeldBy {
                holder: attr_s(&winner, "holder").unwrap_or_default().to_string(),
                until: attr_n(&winner, "until")?
                    .and_then(DateTime::<Utc>::from_timestamp_millis)
                    .unwrap_or(now),
            }),
        }
    }

    async fn release_lease(&self, name: &str, holder: &str) -> StoreResult<()> {
        self.delete_if_owned(lease_key(name), "holder", holder).await
    }

    async fn claim_send(&self, key: &str, claimant: &str, stale_after: std::time::Duration) -> StoreResult<SendClaim> {
        let now = Utc::now();
        let stale_before = now - chrono::Duration::from_std(stale_after).unwrap_or(chrono::Duration::MAX);
        let mut item = claim_key(key);
        item.insert(TYPE.into(), s("claim"));
        item.insert("claimant".into(), s(claimant));
        item.insert("claimed_at".into(), n(millis(now)));
        // Claims outlive their message only as long as its delivery key does.
        item.insert(TTL.into(), n(epoch_after(now, DELIVERY_TTL_DAYS)));
        match self
            .put_unless_held(item, "claimant", claimant, "claimed_at", millis(stale_before))
            .await?
        {
            None => Ok(SendClaim::Claimed),
            Some(winner) => Ok(SendClaim::InFlight {
                claimant: attr_s(&winner, "claimant").unwrap_or_default().to_string(),
            }),
        }
    }

    async fn release_send(&self, key: &str, claimant: &str) -> StoreResult<()> {
        self.delete_if_owned(claim_key(key), "claimant", claimant).await
    }
}
