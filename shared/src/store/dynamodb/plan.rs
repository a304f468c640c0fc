//! The transaction plan: the items of one change's TransactWriteItems, their conditions, and what a failed one means.

use super::*;

/// What a failed condition on a transaction item means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    /// The delivery key exists: a duplicate delivery.
    Delivery,
    /// The record exists under another delivery key: a duplicate all the same.
    Record,
    /// Something read before writing changed meanwhile: read again.
    Context,
    /// The feed counter moved, or the feed slots it promised are taken (another process wrote
    /// events): read it again and retry at once.
    Feed,
}

/// A condition expression with its placeholders.
#[derive(Default)]
pub(super) struct Cond {
    pub(super) expr: Option<String>,
    pub(super) names: HashMap<String, String>,
    pub(super) values: HashMap<String, Av>,
}

impl Cond {
    pub(super) fn none() -> Self {
        Cond::default()
    }
    pub(super) fn absent() -> Self {
        Cond {
            expr: Some(["attribute_not_exists(", PK, ")"].concat()),
            ..Cond::default()
        }
    }
    pub(super) fn present() -> Self {
        Cond {
            expr: Some(["attribute_exists(", PK, ")"].concat()),
            ..Cond::default()
        }
    }
    /// The item is as we read it: its doc unchanged, or still absent.
    pub(super) fn unchanged(prev: Option<&Item>) -> Self {
        match prev.and_then(|i| attr_s(i, DOC)) {
            Some(doc) => Cond {
                expr: Some("#doc = :prev".into()),
                names: HashMap::from([("#doc".into(), DOC.into())]),
                values: HashMap::from([(":prev".into(), s(doc))]),
            },
            None => Cond::absent(),
        }
    }
    /// An identity's owner is as we read it (`None`: the identity is still unknown).
    pub(super) fn owned_by(owner: Option<&str>) -> Self {
        match owner {
            Some(owner) => Cond {
                expr: Some("customer_id = :owner".into()),
                values: HashMap::from([(":owner".into(), s(owner))]),
                ..Cond::default()
            },
            None => Cond::absent(),
        }
    }
    /// A customer's cohort is as we read it.
    pub(super) fn cohort_is(cohort: Option<YearMonth>) -> Self {
        match cohort {
            Some(c) => Cond {
                expr: Some("cohort = :cohort".into()),
                values: HashMap::from([(":cohort".into(), s(c.to_string()))]),
                ..Cond::default()
            },
            None => Cond {
                expr: Some("attribute_not_exists(cohort)".into()),
                ..Cond::default()
            },
        }
    }
}

fn opt_map<K, V>(m: HashMap<K, V>) -> Option<HashMap<K, V>> {
    (!m.is_empty()).then_some(m)
}

/// The items of one change's transaction, each with what its failed condition would mean.
pub(super) struct Plan<'a> {
    table: &'a str,
    /// The items and, at the same index, their roles (kept apart: an item is large, and the
    /// transaction takes the items as they are).
    pub(super) items: Vec<TransactWriteItem>,
    pub(super) roles: Vec<Role>,
    pub(super) events: Vec<DomainEvent>,
    pub(super) deltas: Deltas,
    /// The gsi1 partitions (`{kind}#{month}`) of the records written.
    pub(super) partitions: Vec<String>,
}

impl<'a> Plan<'a> {
    pub(super) fn new(table: &'a str) -> Self {
        Plan {
            table,
            // A mention: claim, record, feed counter, feed event, the month's counters.
            items: Vec::with_capacity(8),
            roles: Vec::with_capacity(8),
            events: Vec::new(),
            deltas: Deltas::default(),
            partitions: Vec::new(),
        }
    }

    pub(super) fn put(&mut self, item: Item, cond: Cond, role: Role) -> StoreResult<()> {
        if let Some(partition) = attr_s(&item, BY_KIND_TIME.partition_key).filter(|p| p.contains('#')) {
            self.partitions.push(partition.to_string());
        }
        let put = Put::builder()
            .table_name(self.table)
            .set_item(Some(item))
            .set_condition_expression(cond.expr)
            .set_expression_attribute_names(opt_map(cond.names))
            .set_expression_attribute_values(opt_map(cond.values))
            .build()
            .map_err(backend)?;
        self.push(TransactWriteItem::builder().put(put).build(), role);
        Ok(())
    }

    pub(super) fn update(
        &mut self,
        key: Item,
        expr: String,
        mut cond: Cond,
        values: Vec<(String, Av)>,
        role: Role,
    ) -> StoreResult<()> {
        cond.values.reserve(values.len());
        cond.values.extend(values);
        if expr.contains("#type") {
            cond.names.entry("#type".into()).or_insert_with(|| TYPE.into());
        }
        let update = Update::builder()
            .table_name(self.table)
            .set_key(Some(key))
            .update_expression(expr)
            .set_condition_expression(cond.expr)
            .set_expression_attribute_names(opt_map(cond.names))
            .set_expression_attribute_values(opt_map(cond.values))
            .build()
            .map_err(backend)?;
        self.push(TransactWriteItem::builder().update(update).build(), role);
        Ok(())
    }

    pub(super) fn check(&mut self, key: Item, cond: Cond) -> StoreResult<()> {
        let check = ConditionCheck::builder()
            .table_name(self.table)
            .set_key(Some(key))
            .set_condition_expression(cond.expr)
            .set_expression_attribute_names(opt_map(cond.names))
            .set_expression_attribute_values(opt_map(cond.values))
            .build()
            .map_err(backend)?;
        self.push(
            TransactWriteItem::builder().condition_check(check).build(),
            Role::Context,
        );
        Ok(())
    }

    fn push(&mut self, item: TransactWriteItem, role: Role) {
        self.items.push(item);
        self.roles.push(role);
    }

    /// Makes sure a customer item exists for records that name one (`customer`, as the ledger
    /// names it), without touching its doc.
    pub(super) fn ensure_customer(
        &mut self,
        customer: &Customer,
        set_cohort: Option<YearMonth>,
        mut cond: Cond,
    ) -> StoreResult<()> {
        let id = customer.id.as_str();
        let doc = to_json(customer)?;
        let mut expr = "SET #doc = if_not_exists(#doc, :doc), #type = :customer".to_string();
        let mut values = vec![(":doc".to_string(), s(doc)), (":customer".to_string(), s("customer"))];
        // A purchase's first new purchase sets the buyer's cohort (under the ledger's guard
        // that it is still unset).
        if let Some(set) = set_cohort {
            expr.push_str(", cohort = :newcohort");
            values.push((":newcohort".into(), s(set.to_string())));
        }
        cond.names.insert("#doc".into(), DOC.into());
        self.update(customer_key(id), expr, cond, values, Role::Context)
    }

    /// Writes a customer's doc under `cond` (the ledger's guard on it), leaving its cohort.
    pub(super) fn save_customer(&mut self, customer: &Customer, mut cond: Cond) -> StoreResult<()> {
        cond.names.insert("#doc".into(), DOC.into());
        self.update(
            customer_key(&customer.id),
            "SET #doc = :doc, #type = :customer".into(),
            cond,
            vec![
                (":doc".into(), s(to_json(customer)?)),
                (":customer".into(), s("customer")),
            ],
            Role::Context,
        )
    }

    pub(super) fn save_survey(&mut self, state: &SurveyState) -> StoreResult<()> {
        self.put(survey_item(state)?, Cond::none(), Role::Context)
    }
}

/// What a failed transaction means for `apply`.
pub(super) enum Failure {
    Duplicate,
    /// Worth another attempt; `feed` when only the feed counter stood in the way (another
    /// process's events went first), which needs no backoff: the counter is read again.
    Retry {
        why: String,
        feed: bool,
    },
    Fatal(StoreError),
}

pub(super) fn classify(e: SdkError<TransactWriteItemsError, HttpResponse>, roles: &[Role]) -> Failure {
    if let SdkError::ServiceError(se) = &e {
        if let TransactWriteItemsError::TransactionCanceledException(tc) = se.err() {
            let reasons = tc.cancellation_reasons();
            let failed = |role: Role| {
                reasons
                    .iter()
                    .zip(roles)
                    .any(|(r, rl)| *rl == role && r.code() == Some("ConditionalCheckFailed"))
            };
            if failed(Role::Delivery) || failed(Role::Record) {
                return Failure::Duplicate;
            }
            let codes: Vec<&str> = reasons
                .iter()
                .filter_map(|r| r.code())
                .filter(|c| *c != "None")
                .collect();
            let feed = reasons
                .iter()
                .zip(roles)
                .all(|(r, rl)| *rl == Role::Feed || matches!(r.code(), None | Some("None")));
            if failed(Role::Context)
                || failed(Role::Feed)
                || codes.iter().all(|c| {
                    matches!(
                        *c,
                        "TransactionConflict" | "ThrottlingError" | "ProvisionedThroughputExceeded"
                    )
                })
            {
                return Failure::Retry {
                    why: format!("transaction cancelled: {codes:?}"),
                    feed,
                };
            }
            return Failure::Fatal(backend(e));
        }
        if transient_code(se.err().code()) {
            return Failure::Retry {
                why: DisplayErrorContext(&e).to_string(),
                feed: false,
            };
        }
    }
    Failure::Fatal(sdk_err(e))
}
