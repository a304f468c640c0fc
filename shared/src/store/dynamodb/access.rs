//! Reading and writing single items, batches and queries: what the readers, planning and erasure build on.

use super::*;

impl DynamoStore {
    pub(super) async fn get(&self, key: Item) -> StoreResult<Option<Item>> {
        self.raw_item(key).await
    }

    /// The items of `keys` that exist, read consistently in one BatchGetItem (up to 100 keys),
    /// again for any DynamoDB leaves unread under load.
    pub(super) async fn batch_get(&self, keys: Vec<Item>) -> StoreResult<Vec<Item>> {
        let mut request = KeysAndAttributes::builder()
            .set_keys(Some(keys))
            .consistent_read(true)
            .build()
            .map_err(backend)?;
        let mut out = Vec::new();
        for attempt in 0.. {
            let answer = self
                .client
                .batch_get_item()
                .request_items(&self.table, request)
                .send()
                .await
                .map_err(sdk_err)?;
            out.extend(
                answer
                    .responses
                    .unwrap_or_default()
                    .remove(&self.table)
                    .unwrap_or_default(),
            );
            match answer.unprocessed_keys.unwrap_or_default().remove(&self.table) {
                Some(rest) if !rest.keys().is_empty() => {
                    if attempt >= MAX_ATTEMPTS {
                        return Err(StoreError::Unavailable("keys left unread by BatchGetItem".into()));
                    }
                    tokio::time::sleep(Duration::from_millis(20 * (1 << attempt.min(5)))).await;
                    request = rest;
                }
                _ => break,
            }
        }
        Ok(out)
    }

    /// Writes one item as it is (no condition).
    pub(super) async fn put(&self, item: Item) -> StoreResult<()> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(sdk_err)?;
        Ok(())
    }

    /// Deletes one item by its key (no condition).
    pub(super) async fn delete(&self, key: Item) -> StoreResult<()> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .send()
            .await
            .map_err(sdk_err)?;
        Ok(())
    }

    /// The months of `kind` with records in gsi1's month partitions, oldest first, as named in
    /// `MONTHS#{kind}` (read consistently: a month a write has just named is found).
    pub(super) async fn kind_months(&self, kind: RecordKind) -> StoreResult<Vec<String>> {
        Ok(self
            .query_all(None, PK, &format!("MONTHS#{}", kind.as_str()), None, true, None)
            .await?
            .iter()
            .filter_map(|item| attr_s(item, SK).map(str::to_string))
            .collect())
    }

    /// Up to `limit` items of gsi1 partition `pk` with sort keys from `from` to `to` (inclusive,
    /// either end open), in sort-key order or (`forward` false) the reverse, passing over items
    /// `keep` refuses. DynamoDB stops a page at 1 MB: this keeps asking until `limit` or the end.
    pub(super) async fn index_range(
        &self,
        pk: &str,
        (from, to): (Option<&str>, Option<&str>),
        forward: bool,
        limit: usize,
        keep: &(dyn Fn(&Item) -> StoreResult<bool> + Sync),
    ) -> StoreResult<Vec<Item>> {
        let mut out = Vec::new();
        let mut start: Option<Item> = None;
        while out.len() < limit {
            let query = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(BY_KIND_TIME.name)
                .expression_attribute_names("#pk", BY_KIND_TIME.partition_key)
                .expression_attribute_values(":pk", s(pk));
            let query = match (from, to) {
                (None, None) => query.key_condition_expression("#pk = :pk"),
                (from, to) => {
                    let query = query.expression_attribute_names("#sk", BY_KIND_TIME.sort_key);
                    match (from, to) {
                        (Some(from), Some(to)) => query
                            .key_condition_expression("#pk = :pk AND #sk BETWEEN :from AND :to")
                            .expression_attribute_values(":from", s(from))
                            .expression_attribute_values(":to", s(to)),
                        (Some(from), None) => query
                            .key_condition_expression("#pk = :pk AND #sk >= :from")
                            .expression_attribute_values(":from", s(from)),
                        (None, _) => query
                            .key_condition_expression("#pk = :pk AND #sk <= :to")
                            .expression_attribute_values(":to", s(to.unwrap_or_default())),
                    }
                }
            };
            let page = query
                .scan_index_forward(forward)
                .limit((limit - out.len()).min(1000) as i32)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(sdk_err)?;
            for item in page.items.unwrap_or_default() {
                if keep(&item)? {
                    out.push(item);
                }
            }
            match page.last_evaluated_key {
                Some(last) => start = Some(last),
                None => break,
            }
        }
        out.truncate(limit);
        Ok(out)
    }

    /// The raw item of a delivery key (to check its TTL).
    pub async fn delivery_item(&self, delivery: &str) -> StoreResult<Option<Item>> {
        self.get(delivery_key(delivery)).await
    }

    /// The raw item of a survey state (to check its TTL).
    pub async fn survey_item(&self, state: &SurveyState) -> StoreResult<Option<Item>> {
        self.get(survey_key(state)).await
    }
}

impl DynamoStore {
    /// Every item of a query, following LastEvaluatedKey, optionally stopping at `limit`.
    pub(super) async fn query_all(
        &self,
        index: Option<&str>,
        pk_name: &str,
        pk: &str,
        sk: Option<(&str, String)>,
        forward: bool,
        limit: Option<usize>,
    ) -> StoreResult<Vec<Item>> {
        let mut out = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let mut names = HashMap::from([("#pk".to_string(), pk_name.to_string())]);
            let mut values = HashMap::from([(":pk".to_string(), s(pk))]);
            let mut expr = "#pk = :pk".to_string();
            if let Some((sk_name, prefix)) = &sk {
                names.insert("#sk".into(), sk_name.to_string());
                values.insert(":prefix".into(), s(prefix));
                expr.push_str(" AND begins_with(#sk, :prefix)");
            }
            let remaining = limit.map(|l| l - out.len());
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .set_index_name(index.map(str::to_string))
                .key_condition_expression(expr)
                .set_expression_attribute_names(Some(names))
                .set_expression_attribute_values(Some(values))
                .scan_index_forward(forward)
                .set_limit(remaining.map(|r| r.min(1000) as i32))
                .consistent_read(index.is_none())
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(sdk_err)?;
            out.extend(page.items.unwrap_or_default());
            match page.last_evaluated_key {
                Some(last) if limit.is_none_or(|l| out.len() < l) => start = Some(last),
                _ => return Ok(out),
            }
        }
    }
}
