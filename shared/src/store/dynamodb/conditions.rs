//! The ledger's guards as DynamoDB conditions on the transaction's items.

use super::*;

/// The ledger's guards for one change, as DynamoDB conditions: each write to a guarded item
/// carries its guard's condition, and what no write carries becomes a condition check.
/// [`Guard::New`] fails as a duplicate (the record's role); every other guard as a lost race.
pub(super) struct Guards {
    pending: Vec<(Item, Guard)>,
}

impl Guards {
    pub(super) fn of(outcome: &mut ledger::Outcome) -> Self {
        let pending = std::mem::take(&mut outcome.guards)
            .into_iter()
            .map(|g| (guard_key(&g), g))
            .collect();
        Guards { pending }
    }

    /// The guard on `key`, taken; `None` when the ledger set none.
    fn take(&mut self, key: &Item) -> Option<Guard> {
        let at = self.pending.iter().position(|(k, _)| k == key)?;
        Some(self.pending.remove(at).1)
    }

    /// The condition for writing the item at `key` (read as `read`), and its role.
    fn condition_and_role(&mut self, key: &Item, read: Option<&Item>) -> (Cond, Role) {
        match self.take(key) {
            Some(guard) => guard_condition(&guard, read),
            None => (Cond::none(), Role::Context),
        }
    }

    pub(super) fn condition(&mut self, key: &Item, read: Option<&Item>) -> Cond {
        self.condition_and_role(key, read).0
    }

    /// Puts `item` under its guard's condition.
    pub(super) fn put(&mut self, plan: &mut Plan<'_>, item: Item, read: Option<&Item>) -> StoreResult<()> {
        let key: Item = [PK, SK]
            .iter()
            .filter_map(|k| item.get(*k).map(|v| (k.to_string(), v.clone())))
            .collect();
        let (cond, role) = self.condition_and_role(&key, read);
        plan.put(item, cond, role)
    }

    /// Writes a customer's doc (leaving its cohort) under its guard's condition (`read`: the
    /// customer's item as read).
    pub(super) fn save_customer(
        &mut self,
        plan: &mut Plan<'_>,
        customer: &Customer,
        read: Option<&Item>,
    ) -> StoreResult<()> {
        let cond = self.condition(&customer_key(&customer.id), read);
        plan.save_customer(customer, cond)
    }

    /// Updates the item at `key` under its guard's condition.
    pub(super) fn update(
        &mut self,
        plan: &mut Plan<'_>,
        key: Item,
        expr: &str,
        values: Vec<(String, Av)>,
    ) -> StoreResult<()> {
        let (cond, role) = self.condition_and_role(&key, None);
        plan.update(key, expr.into(), cond, values, role)
    }

    /// Every guard no write carried, as a condition check; `reads` are the items read for
    /// [`Guard::AsRead`] guards.
    pub(super) fn check_rest(self, plan: &mut Plan<'_>, reads: &[Option<&Item>]) -> StoreResult<()> {
        for (key, guard) in self.pending {
            let read = reads
                .iter()
                .flatten()
                .find(|i| i.get(PK) == key.get(PK) && i.get(SK) == key.get(SK));
            let (cond, _) = guard_condition(&guard, read.copied());
            plan.check(key, cond)?;
        }
        Ok(())
    }
}

/// The key of the item a guard's subject is stored under.
fn guard_key(guard: &Guard) -> Item {
    let subject = match guard {
        Guard::New(s) | Guard::AsRead(s) | Guard::Stored(s) => s,
        Guard::CohortIs(customer_id, _) => return customer_key(customer_id),
        Guard::OwnedBy(identity, _) => return identity_key(identity),
    };
    match subject {
        Subject::Survey(state) => survey_key(state),
        Subject::Response(id) => response_key(id),
        Subject::Mention(id) => mention_key(id),
        Subject::Purchase(id) => purchase_key(id),
        Subject::Referral(code) => referral_key(code.as_str()),
        Subject::Alert(id) => alert_key(id),
        Subject::Report { month, brand } => report_key(*month, brand.as_deref()),
        Subject::Customer(id) => customer_key(id),
    }
}

/// A guard as a condition on its item (`read`: the item as the decision read it), and what
/// its failure means.
fn guard_condition(guard: &Guard, read: Option<&Item>) -> (Cond, Role) {
    match guard {
        Guard::New(_) => (Cond::absent(), Role::Record),
        Guard::AsRead(_) => (Cond::unchanged(read), Role::Context),
        Guard::Stored(_) => (Cond::present(), Role::Context),
        Guard::CohortIs(_, cohort) => (Cond::cohort_is(*cohort), Role::Context),
        Guard::OwnedBy(_, owner) => (Cond::owned_by(owner.as_deref()), Role::Context),
    }
}
