//! Listing records of a kind in time order across gsi1 partitions, page by page.

use super::*;

/// One gsi1 partition in a [`Merge`]: the items read and not yet taken, where the next read starts.
struct Part {
    pk: String,
    buffer: std::collections::VecDeque<Item>,
    /// The sort key of the last item read (the next read starts after it).
    last: Option<String>,
    done: bool,
}

impl Part {
    fn new(pk: String) -> Self {
        Part {
            pk,
            buffer: Default::default(),
            last: None,
            done: false,
        }
    }
    fn head(&self) -> Option<&str> {
        self.buffer.front().and_then(|i| attr_s(i, BY_KIND_TIME.sort_key))
    }
}

/// Records of a kind in sort-key order across gsi1 partitions: the unsplit one, merged with one
/// month's shards at a time (the next month's once every shard of this one is read out). Each
/// partition is read in chunks, so a page costs about its own size plus a chunk per partition.
struct Merge {
    unsplit: Part,
    months: std::collections::VecDeque<Vec<String>>,
    current: Vec<Part>,
    from: Option<String>,
    to: Option<String>,
    /// A page's start: the sort key of the previous page's last record, itself left out.
    after: Option<String>,
    chunk: usize,
}

impl Merge {
    fn new(
        unsplit: String,
        months: Vec<Vec<String>>,
        from: Option<String>,
        to: Option<String>,
        after: Option<String>,
        limit: usize,
    ) -> Self {
        Merge {
            unsplit: Part::new(unsplit),
            months: months.into(),
            current: Vec::new(),
            from,
            to,
            after,
            chunk: (limit / KIND_MONTH_SHARDS as usize + 1).clamp(8, 1000),
        }
    }

    async fn fill(&self, store: &DynamoStore, part: &mut Part) -> StoreResult<()> {
        if part.done || !part.buffer.is_empty() {
            return Ok(());
        }
        let skip = part.last.clone().or_else(|| self.after.clone());
        let from = match (&skip, &self.from) {
            (Some(skip), Some(from)) => Some(skip.max(from).clone()),
            (skip, from) => skip.clone().or_else(|| from.clone()),
        };
        let keep = |item: &Item| Ok(skip.is_none() || attr_s(item, BY_KIND_TIME.sort_key) != skip.as_deref());
        let got = store
            .index_range(&part.pk, (from.as_deref(), self.to.as_deref()), true, self.chunk, &keep)
            .await?;
        part.done = got.len() < self.chunk;
        part.last = got
            .last()
            .and_then(|i| attr_s(i, BY_KIND_TIME.sort_key))
            .map(str::to_string)
            .or(part.last.take());
        part.buffer.extend(got);
        Ok(())
    }

    /// The next record in sort-key order, or `None` after the last.
    async fn next(&mut self, store: &DynamoStore) -> StoreResult<Option<Item>> {
        loop {
            let mut unsplit = std::mem::replace(&mut self.unsplit, Part::new(String::new()));
            let filled = self.fill(store, &mut unsplit).await;
            self.unsplit = unsplit;
            filled?;
            let mut current = std::mem::take(&mut self.current);
            let mut filled = Ok(());
            for part in current.iter_mut() {
                filled = filled.and(self.fill(store, part).await);
            }
            self.current = current;
            filled?;
            let month_done = self.current.iter().all(|p| p.done && p.buffer.is_empty());
            if month_done {
                if let Some(next) = self.months.pop_front() {
                    self.current = next.into_iter().map(Part::new).collect();
                    continue;
                }
            }
            let best = std::iter::once(&mut self.unsplit)
                .chain(self.current.iter_mut())
                .filter(|p| p.head().is_some())
                .min_by(|a, b| a.head().cmp(&b.head()));
            return Ok(best.and_then(|p| p.buffer.pop_front()));
        }
    }
}

/// Page cursors: the index keys of the last record returned, as JSON (opaque to callers).
fn encode_cursor(item: &Item) -> Option<String> {
    let keys: Vec<&str> = [BY_KIND_TIME.partition_key, BY_KIND_TIME.sort_key, PK, SK]
        .iter()
        .map(|k| attr_s(item, k))
        .collect::<Option<_>>()?;
    serde_json::to_string(&keys).ok()
}

fn decode_cursor(cursor: &str) -> StoreResult<Item> {
    let keys: Vec<String> =
        serde_json::from_str(cursor).map_err(|_| StoreError::NotFound(format!("page cursor {cursor:?}")))?;
    let names = [BY_KIND_TIME.partition_key, BY_KIND_TIME.sort_key, PK, SK];
    if keys.len() != names.len() {
        return Err(StoreError::NotFound(format!("page cursor {cursor:?}")));
    }
    Ok(names
        .iter()
        .map(|n| n.to_string())
        .zip(keys.into_iter().map(s))
        .collect())
}

fn record_from(kind: RecordKind, item: &Item) -> StoreResult<Record> {
    Ok(match kind {
        RecordKind::Responses => Record::Response(doc_of(item)?),
        RecordKind::Mentions => Record::Mention(doc_of(item)?),
        RecordKind::Purchases => Record::Purchase(doc_of(item)?),
        RecordKind::Referrals => Record::Referral(referral_from(item)?),
        RecordKind::Alerts => Record::Alert(doc_of(item)?),
        RecordKind::Reports => Record::Report(doc_of(item)?),
    })
}

#[async_trait]
impl RecordLister for DynamoStore {
    async fn list(
        &self,
        kind: RecordKind,
        month: Option<YearMonth>,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Page> {
        // Sort keys start with the time (reports: the month), so a month is a key range.
        let between = month.map(|m| match kind {
            RecordKind::Reports => (m.to_string(), m.next().to_string()),
            _ => (ts(m.start()), ts(m.end())),
        });
        // A page starts after the last record of the one before: its sort key is unique in the kind.
        let after_sk = after
            .map(decode_cursor)
            .transpose()?
            .and_then(|k| attr_s(&k, BY_KIND_TIME.sort_key).map(str::to_string));
        let from = match (&between, &after_sk) {
            (Some((from, _)), Some(after)) => Some(from.max(after).clone()),
            (Some((from, _)), None) => Some(from.clone()),
            (None, after) => after.clone(),
        };
        // The kind's unsplit partition (reports; records of tables written before the split)
        // is merged with the month partitions, one month's shards at a time: months hold
        // disjoint, ascending ranges, so a later month is read only once the earlier are done.
        let groups: Vec<Vec<String>> = match (kind, month) {
            (RecordKind::Reports, _) => Vec::new(),
            (_, Some(m)) => vec![kind_month_partitions(kind, &m.to_string()).collect()],
            (_, None) => {
                let first_month = from.as_deref().map(|f| f.get(..7).unwrap_or(f));
                self.kind_months(kind)
                    .await?
                    .iter()
                    .filter(|m| first_month.is_none_or(|first| m.as_str() >= first))
                    .map(|m| kind_month_partitions(kind, m).collect())
                    .collect()
            }
        };
        let upper = between.as_ref().map(|(_, to)| to.clone());
        let mut merge = Merge::new(
            kind.as_str().to_string(),
            groups,
            from.clone(),
            upper,
            after_sk.clone(),
            limit,
        );
        let mut items = Vec::with_capacity(limit.min(1000));
        while items.len() < limit {
            match merge.next(self).await? {
                Some(item) => items.push(item),
                None => break,
            }
        }
        let next = if items.len() == limit {
            items.last().and_then(encode_cursor)
        } else {
            None
        };
        let records = items.iter().map(|i| record_from(kind, i)).collect::<StoreResult<_>>()?;
        Ok(Page { records, next })
    }
}
