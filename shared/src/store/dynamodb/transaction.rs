//! One change's transaction: the feed sequence, stream events and counters it adds, and the whole assembled ready to send.

use super::*;

impl DynamoStore {
    /// Adds the feed sequence bump and the event items: the counter must still hold what was
    /// read, so concurrent writers of events serialise (the loser reads again and retries).
    /// The feed's last sequence number (`None` while it is empty).
    pub(super) async fn feed_seq(&self) -> StoreResult<Option<u64>> {
        let counter = self.get(key(SEQ_PK, ONE)).await?;
        Ok(counter
            .as_ref()
            .map(|i| attr_n(i, "seq"))
            .transpose()?
            .map(|seq| seq.unwrap_or(0) as u64))
    }

    /// The plan's events as feed items after `last` (the sequence number read before
    /// planning), with the counter's move from `last` as their guard.
    /// Returns the counter's new value.
    fn plan_feed(plan: &mut Plan<'_>, last: Option<u64>, mut now_ts: String) -> StoreResult<u64> {
        let cond = match last {
            Some(last) => Cond {
                expr: Some("seq = :last".into()),
                values: HashMap::from([(":last".into(), n(last))]),
                ..Cond::default()
            },
            None => Cond::absent(),
        };
        let last = last.unwrap_or(0);
        let next = last + plan.events.len() as u64;
        plan.update(
            key(SEQ_PK, ONE),
            "SET seq = :next, #type = :counter".into(),
            cond,
            vec![(":next".into(), n(next)), (":counter".into(), s("feed_counter"))],
            Role::Feed,
        )?;
        let events = std::mem::take(&mut plan.events);
        let count = events.len();
        for (i, event) in events.into_iter().enumerate() {
            let seq = last + 1 + i as u64;
            let mut item = key_with_room(FEED_PK, feed_sk(seq), 6);
            item.insert(TYPE.into(), s("event"));
            item.insert("seq".into(), n(seq));
            item.insert("kind".into(), s(event.kind()));
            item.insert("ordering_key".into(), s(event.ordering_key()));
            let recorded_at = if i + 1 == count {
                std::mem::take(&mut now_ts)
            } else {
                now_ts.clone()
            };
            item.insert("recorded_at".into(), s(recorded_at));
            item.insert("event".into(), s(to_json(&event)?));
            plan.put(item, Cond::absent(), Role::Feed)?;
        }
        Ok(next)
    }

    /// The plan's events as items for the stream alone: `EVENT#{ordering key}` /
    /// `{recorded_at}#{delivery}#{i}`, unique because the delivery key is claimed in the same
    /// transaction. A subject's events share a partition key, so its stream records keep their
    /// order; no counter is read or written. They expire after [`STREAM_EVENT_TTL_DAYS`]: the
    /// stream keeps a record for 24 hours, and nothing reads the item itself.
    fn plan_stream_events(plan: &mut Plan<'_>, delivery: &str, now: DateTime<Utc>, now_ts: String) -> StoreResult<()> {
        let expires_at = epoch_after(now, STREAM_EVENT_TTL_DAYS);
        for (i, event) in std::mem::take(&mut plan.events).into_iter().enumerate() {
            let ordering_key = event.ordering_key();
            let sk = format!("{now_ts}#{delivery}#{i:02}");
            let mut item = key_with_room(["EVENT#", ordering_key.as_str()].concat(), sk, 6);
            item.insert(TYPE.into(), s("event"));
            item.insert("kind".into(), s(event.kind()));
            item.insert("ordering_key".into(), s(ordering_key));
            item.insert("recorded_at".into(), s(now_ts.clone()));
            item.insert("event".into(), s(to_json(&event)?));
            item.insert(TTL.into(), n(expires_at));
            plan.put(item, Cond::absent(), Role::Context)?;
        }
        Ok(())
    }

    /// One ADD per month, on the delivery's shard of the month; every metric of the change is
    /// an attribute `c:{metric}`.
    fn plan_counters(plan: &mut Plan<'_>, shard: u32) -> StoreResult<()> {
        // The deltas are ordered by month, then metric: each month's metrics are one run.
        let mut deltas = std::mem::take(&mut plan.deltas).0.into_iter().peekable();
        while let Some(&((month, _), _)) = deltas.peek() {
            let mut metrics = Vec::new();
            while let Some(((_, metric), delta)) = deltas.next_if(|((m, _), _)| *m == month) {
                metrics.push((metric, delta));
            }
            let mut cond = Cond::none();
            cond.names.reserve(metrics.len() + 1);
            let mut values = Vec::with_capacity(metrics.len() + 1);
            values.push((":aggregate".to_string(), s("aggregate")));
            let mut expr = String::with_capacity(32 + metrics.len() * 12);
            expr.push_str("SET #type = :aggregate ADD ");
            for (i, (metric, delta)) in metrics.into_iter().enumerate() {
                let (name, value) = counter_placeholders(i);
                if i > 0 {
                    expr.push_str(", ");
                }
                expr.push_str(&name);
                expr.push(' ');
                expr.push_str(&value);
                let mut attribute = metric;
                attribute.insert_str(0, COUNTER_PREFIX);
                cond.names.insert(name, attribute);
                values.push((value, n(delta)));
            }
            plan.update(aggregate_key(month, shard), expr, cond, values, Role::Context)?;
        }
        Ok(())
    }
}

/// The `i`th counter's name and value placeholders: `#c{i}` and `:c{i}`.
fn counter_placeholders(i: usize) -> (String, String) {
    const NAMES: [&str; 10] = ["#c0", "#c1", "#c2", "#c3", "#c4", "#c5", "#c6", "#c7", "#c8", "#c9"];
    const VALUES: [&str; 10] = [":c0", ":c1", ":c2", ":c3", ":c4", ":c5", ":c6", ":c7", ":c8", ":c9"];
    match NAMES.get(i).zip(VALUES.get(i)) {
        Some((name, value)) => (name.to_string(), value.to_string()),
        None => {
            let digits = i.to_string();
            (["#c", &digits].concat(), [":c", &digits].concat())
        }
    }
}

/// The feed's last sequence number, for planning a transaction: read it when the change has
/// events, or take it as given.
pub(super) enum FeedSeq {
    Read,
    Known(Option<u64>),
}

impl DynamoStore {
    /// The one transaction that stores `change` under `delivery`: the delivery claim, the
    /// records, the feed events after `feed_seq` (the feed's last sequence number, `None`
    /// while empty) and the monthly counters. Reads only what the change itself needs to see
    /// (a mention or a response needs nothing); sends nothing.
    pub async fn transaction(
        &self,
        delivery: &str,
        change: &Change,
        now: DateTime<Utc>,
        feed_seq: Option<u64>,
    ) -> StoreResult<Vec<TransactWriteItem>> {
        Ok(self
            .plan_transaction(delivery, change, now, FeedSeq::Known(feed_seq))
            .await?
            .items)
    }

    pub(super) async fn plan_transaction(
        &self,
        delivery: &str,
        change: &Change,
        now: DateTime<Utc>,
        feed_seq: FeedSeq,
    ) -> StoreResult<Planned> {
        let mut plan = Plan::new(&self.table);
        self.plan_member(&mut plan, delivery, change, now).await?;
        let last = match (self.feed, feed_seq) {
            (Feed::Ordered, FeedSeq::Read) if !plan.events.is_empty() => self.feed_seq().await?,
            (_, FeedSeq::Known(last)) => last,
            (_, FeedSeq::Read) => None,
        };
        self.finish_plan(plan, delivery, now, last)
    }

    /// One change's own items in `plan`: its delivery claim, then its records and what the
    /// ledger decided (events and counters are kept in the plan for [`Self::finish_plan`]).
    pub(super) async fn plan_member(
        &self,
        plan: &mut Plan<'_>,
        delivery: &str,
        change: &Change,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut claim = key_with_room(["DELIVERY#", delivery].concat(), ONE, 3);
        claim.insert(TYPE.into(), s("delivery"));
        claim.insert("applied_at".into(), s(ts(now)));
        claim.insert(TTL.into(), n(epoch_after(now, DELIVERY_TTL_DAYS)));
        plan.put(claim, Cond::absent(), Role::Delivery)?;
        self.plan_change(plan, change).await
    }

    /// Adds what a transaction writes besides its changes' own items: the events (numbered
    /// after `last` in the ordered feed, or for the stream alone), the counters on the shard of
    /// `delivery` (the first change's), and the month partitions this process names first.
    pub(super) fn finish_plan(
        &self,
        mut plan: Plan<'_>,
        delivery: &str,
        now: DateTime<Utc>,
        last: Option<u64>,
    ) -> StoreResult<Planned> {
        // Formatted once: every feed event carries it.
        let now_ts = ts(now);
        let mut feed_seq_after = None;
        if !plan.events.is_empty() {
            match self.feed {
                Feed::Ordered => feed_seq_after = Some(Self::plan_feed(&mut plan, last, now_ts)?),
                Feed::Stream => Self::plan_stream_events(&mut plan, delivery, now, now_ts)?,
            }
        }
        Self::plan_counters(&mut plan, aggregate_shard(delivery))?;
        // A record's month partition is named in `MONTHS#{kind}` once per process (an
        // unconditional Put, so processes racing to name it agree).
        let mut new_partitions: Vec<String> = Vec::new();
        for partition in std::mem::take(&mut plan.partitions) {
            let Some((kind_month, mut marker)) = month_marker_key(&partition) else {
                continue;
            };
            let known = self.known_partitions.lock().unwrap_or_else(|e| e.into_inner());
            if known.contains(&kind_month) || new_partitions.contains(&kind_month) {
                continue;
            }
            drop(known);
            marker.insert(TYPE.into(), s("month"));
            plan.put(marker, Cond::none(), Role::Context)?;
            new_partitions.push(kind_month);
        }
        Ok(Planned {
            items: plan.items,
            roles: plan.roles,
            feed_seq_after,
            new_partitions,
        })
    }
}

/// A change's transaction, ready to send.
pub(super) struct Planned {
    pub(super) items: Vec<TransactWriteItem>,
    pub(super) roles: Vec<Role>,
    /// The feed counter once the transaction is written, when it moves it.
    pub(super) feed_seq_after: Option<u64>,
    /// gsi1 partitions named in `MONTHS#{kind}` by this transaction.
    pub(super) new_partitions: Vec<String>,
}

impl DynamoStore {
    /// Sends a planned transaction's items; once written, the month partitions it named are
    /// known to this process. Returns the planned transaction's roles and feed counter for the
    /// caller to read a failure or move its counter.
    pub(super) async fn send_planned(
        &self,
        planned: Planned,
    ) -> (
        Vec<Role>,
        Option<u64>,
        Result<(), SdkError<TransactWriteItemsError, HttpResponse>>,
    ) {
        // The token makes the SDK's own retry of this very request (after a lost answer)
        // succeed instead of failing on the delivery key it wrote the first time.
        let token = format!("{:032x}", rand::random::<u128>());
        let sent = self
            .client
            .transact_write_items()
            .set_transact_items(Some(planned.items))
            .client_request_token(token)
            .send()
            .await;
        if sent.is_ok() {
            self.known_partitions
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend(planned.new_partitions);
        }
        (planned.roles, planned.feed_seq_after, sent.map(|_| ()))
    }
}

/// Whether planning `change` reads nothing from the table: its transaction alone decides it.
pub(super) fn plans_without_reading(change: &Change) -> bool {
    matches!(
        change,
        Change::Mention(_) | Change::Response { .. } | Change::ReferralCreated(_) | Change::ScoreNotUnderstood { .. }
    )
}
