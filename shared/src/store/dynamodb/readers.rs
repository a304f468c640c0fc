//! The readers by key: mentions, effects, customers, surveys, responses, referrals, alerts, reports, counters.

use super::*;

#[async_trait]
impl MentionReader for DynamoStore {
    async fn mention(&self, id: &str) -> StoreResult<Option<Mention>> {
        self.get(mention_key(id)).await?.as_ref().map(doc_of).transpose()
    }

    async fn brand_complaints(
        &self,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<Mention>> {
        // Sort keys are `{time}#{id}`: BETWEEN the two times is `from..until`. Sentiment is in the
        // doc only, so the window is read newest first and filtered here; it is one day of mentions.
        let mut months = vec![YearMonth::of(from)];
        while let Some(&last) = months.last().filter(|m| **m < YearMonth::of(until)) {
            months.push(last.next());
        }
        let (from, until) = (ts(from), ts(until));
        let keep = |item: &Item| {
            let mention: Mention = doc_of(item)?;
            Ok(mention.sentiment == Sentiment::Negative && !mention.competitor)
        };
        let mut items = Vec::new();
        let partitions = std::iter::once(RecordKind::Mentions.as_str().to_string()).chain(
            months
                .iter()
                .flat_map(|m| kind_month_partitions(RecordKind::Mentions, &m.to_string()).collect::<Vec<_>>()),
        );
        for partition in partitions {
            items.extend(
                self.index_range(&partition, (Some(&from), Some(&until)), false, limit, &keep)
                    .await?,
            );
        }
        items.sort_by(|a, b| attr_s(b, BY_KIND_TIME.sort_key).cmp(&attr_s(a, BY_KIND_TIME.sort_key)));
        items.truncate(limit);
        let complaints = items.iter().map(doc_of).collect::<StoreResult<Vec<Mention>>>()?;
        Ok(complaints)
    }
}

/// Effects share the delivery keys' items (and their TTL), as in the SQLite store.
#[async_trait]
impl EffectLog for DynamoStore {
    async fn effect_done(&self, key: &str) -> StoreResult<bool> {
        Ok(self.get(delivery_key(key)).await?.is_some())
    }

    async fn mark_effect_done(&self, key: &str) -> StoreResult<()> {
        let mut item = delivery_key(key);
        item.insert(TYPE.into(), s("delivery"));
        item.insert(TTL.into(), n(epoch_after(Utc::now(), DELIVERY_TTL_DAYS)));
        self.put(item).await
    }
}

#[async_trait]
impl CustomerReader for DynamoStore {
    async fn customer(&self, id: &str) -> StoreResult<Option<Customer>> {
        self.get(customer_key(id)).await?.as_ref().map(doc_of).transpose()
    }

    async fn customer_by_identity(&self, identity: &Identity) -> StoreResult<Option<Customer>> {
        let item = self.get(identity_key(identity)).await?;
        match item.as_ref().and_then(|i| attr_s(i, "customer_id")) {
            Some(id) => self.customer(id).await,
            None => Ok(None),
        }
    }
}

#[async_trait]
impl SurveyReader for DynamoStore {
    async fn latest_survey(&self, identity: &Identity) -> StoreResult<Option<SurveyState>> {
        // Surveys live in their identity's partition, newest last: one consistent query.
        let items = self
            .query_all(
                None,
                PK,
                &identity_pk(identity),
                Some((SK, "SURVEY#".into())),
                false,
                Some(1),
            )
            .await?;
        items.first().map(doc_of).transpose()
    }
}

#[async_trait]
impl ResponseReader for DynamoStore {
    async fn response(&self, id: &str) -> StoreResult<Option<Response>> {
        self.get(response_key(id)).await?.as_ref().map(doc_of).transpose()
    }

    async fn responses_of(&self, customer_id: &str) -> StoreResult<Vec<Response>> {
        let items = self
            .query_all(
                Some(BY_CUSTOMER.name),
                BY_CUSTOMER.partition_key,
                &format!("CUSTOMER#{customer_id}"),
                Some((BY_CUSTOMER.sort_key, "RESPONSE#".into())),
                true,
                None,
            )
            .await?;
        items.iter().map(doc_of).collect()
    }
}

#[async_trait]
impl ReferralReader for DynamoStore {
    async fn referral(&self, code: &ReferralCode) -> StoreResult<Option<Referral>> {
        self.get(referral_key(code.as_str()))
            .await?
            .as_ref()
            .map(referral_from)
            .transpose()
    }

    async fn referral_of(&self, customer_id: &str) -> StoreResult<Option<Referral>> {
        let items = self
            .query_all(
                Some(BY_CUSTOMER.name),
                BY_CUSTOMER.partition_key,
                &format!("CUSTOMER#{customer_id}"),
                Some((BY_CUSTOMER.sort_key, "REFERRAL#".into())),
                true,
                Some(1),
            )
            .await?;
        match items.first() {
            // The index is eventually consistent: the counters come from the item itself.
            Some(item) => self.referral(&referral_from(item)?.code).await,
            None => Ok(None),
        }
    }
}

#[async_trait]
impl AlertReader for DynamoStore {
    async fn alert(&self, id: &str) -> StoreResult<Option<Alert>> {
        self.get(alert_key(id)).await?.as_ref().map(doc_of).transpose()
    }
}

#[async_trait]
impl ReportReader for DynamoStore {
    async fn report(&self, month: YearMonth, brand: Option<&str>) -> StoreResult<Option<StoredReport>> {
        self.get(report_key(month, brand))
            .await?
            .as_ref()
            .map(doc_of)
            .transpose()
    }
}

#[async_trait]
impl AggregateReader for DynamoStore {
    async fn counters(&self, month: YearMonth) -> StoreResult<BTreeMap<String, i64>> {
        // Every shard of the month and the unsharded item, consistent, in BatchGetItems of
        // DynamoDB's 100 keys at most (three for 257 keys).
        let keys: Vec<Item> = (0..AGGREGATE_SHARDS)
            .map(|shard| aggregate_key(month, shard))
            .chain(std::iter::once(unsharded_aggregate_key(month)))
            .collect();
        let mut items = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(100) {
            items.extend(self.batch_get(chunk.to_vec()).await?);
        }
        let mut out = BTreeMap::new();
        for item in items {
            for (name, value) in &item {
                if let Some(metric) = name.strip_prefix(COUNTER_PREFIX) {
                    let v = value
                        .as_n()
                        .ok()
                        .and_then(|v| v.parse::<i64>().ok())
                        .ok_or_else(|| corrupt(format!("counter {name}")))?;
                    *out.entry(metric.to_string()).or_default() += v;
                }
            }
        }
        Ok(out)
    }
}
