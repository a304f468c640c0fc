//! Erasure: a customer's personal data removed from every item naming them.

use super::*;

/// Erasure walks the whole table once (a Scan): privacy requests are rare, and a scan finds
/// every item naming the customer whatever index it is or is not in. An item is theirs by its
/// type and the field that names its customer (equal to the id), never by text inside a key;
/// delivery keys all stay. Items are rewritten one by one, the customer item last; a failure
/// midway leaves the rest for a re-run, which finishes the job (idempotent).
#[async_trait]
impl CustomerEraser for DynamoStore {
    async fn forget_customer(&self, customer_id: &str) -> StoreResult<Erasure> {
        // Every record naming a customer makes sure their item exists (`ensure_customer`), and
        // it goes last, so no item means nothing of theirs is stored.
        let Some(customer_item) = self.get(customer_key(customer_id)).await? else {
            return Err(super::unknown_customer(customer_id));
        };
        let anon = super::erased_pseudonym();
        let customer: Customer = doc_of(&customer_item)?;
        let customer_key_pk = format!("customer#{customer_id}");
        let (mut records, mut comments, mut reports) = (0u64, Vec::new(), Vec::new());
        let mut start: Option<Item> = None;
        loop {
            let page = self
                .client
                .scan()
                .table_name(&self.table)
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(sdk_err)?;
            for item in page.items.unwrap_or_default() {
                let key_of = |item: &Item| {
                    key(
                        attr_s(item, PK).unwrap_or_default(),
                        attr_s(item, SK).unwrap_or_default(),
                    )
                };
                let rewrite = match attr_s(&item, TYPE) {
                    Some("response") => {
                        let mut r: Response = doc_of(&item)?;
                        (r.customer_id == customer_id).then(|| {
                            comments.extend(r.comment.take());
                            r.customer_id = anon.clone();
                            r.locale = None;
                            response_item(&r)
                        })
                    }
                    Some("purchase") => {
                        let mut p: Purchase = doc_of(&item)?;
                        (p.customer_id == customer_id).then(|| {
                            p.customer_id = anon.clone();
                            purchase_item(&p)
                        })
                    }
                    Some("referral") => {
                        let mut r = referral_from(&item)?;
                        (r.customer_id == customer_id).then(|| {
                            r.customer_id = anon.clone();
                            referral_item(&r)
                        })
                    }
                    Some("mention") => {
                        // Posted from one of their chat identities (a Slack channel message).
                        let mut m: Mention = doc_of(&item)?;
                        let theirs = customer.identities.iter().any(|i| {
                            m.source == i.platform.as_str() && m.author.as_deref() == Some(i.address.as_str())
                        });
                        theirs.then(|| {
                            m.author = None;
                            mention_item(&m)
                        })
                    }
                    Some("report") => {
                        reports.push(item.clone());
                        None
                    }
                    _ => None,
                };
                let delete = match attr_s(&item, TYPE) {
                    Some("survey") => doc_of::<SurveyState>(&item)?.customer_id == customer_id,
                    Some("identity") => attr_s(&item, "customer_id") == Some(customer_id),
                    // The feed's events and those parked for a platform's retry_after.
                    Some("event" | "parked") => attr_s(&item, "event")
                        .and_then(|e| serde_json::from_str::<DomainEvent>(e).ok())
                        .is_some_and(|e| e.ordering_key() == customer_key_pk),
                    _ => false,
                };
                if let Some(new) = rewrite {
                    // The record stays where listings find it: a record written before gsi1 was
                    // split by month keeps its kind-only key (no MONTHS# item names its month).
                    let mut new = new?;
                    if let Some(listed) = item.get(BY_KIND_TIME.partition_key) {
                        new.insert(BY_KIND_TIME.partition_key.into(), listed.clone());
                    }
                    self.put(new).await?;
                    records += 1;
                } else if delete {
                    self.delete(key_of(&item)).await?;
                    records += 1;
                }
            }
            match page.last_evaluated_key {
                Some(last) => start = Some(last),
                None => break,
            }
        }
        for item in reports {
            let mut report: StoredReport = doc_of(&item)?;
            if super::scrub_quotes(&mut report.body, &comments) {
                self.put(report_item(&report)?).await?;
                records += 1;
            }
        }
        // The pseudonym keeps the cohort, so cohort tables do not change; never surveyed again.
        let mut anon_customer = Customer::new(anon.clone(), Utc::now());
        anon_customer.opted_out = true;
        let mut new = customer_key(&anon);
        new.insert(TYPE.into(), s("customer"));
        new.insert(DOC.into(), s(to_json(&anon_customer)?));
        if let Some(cohort) = customer_item.get("cohort") {
            new.insert("cohort".into(), cohort.clone());
        }
        self.put(new).await?;
        self.delete(customer_key(customer_id)).await?;
        records += 1;
        Ok(Erasure { records })
    }
}
