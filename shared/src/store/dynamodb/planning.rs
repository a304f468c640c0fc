//! Write planning: a change's records, customer and survey as items of its transaction, after reading what the ledger needs.

use super::*;

impl DynamoStore {
    pub(super) async fn cohort_of(&self, customer_id: &str) -> StoreResult<Option<YearMonth>> {
        let item = self.get(customer_key(customer_id)).await?;
        item.as_ref()
            .and_then(|i| attr_s(i, "cohort"))
            .map(|c| c.parse().map_err(|e| corrupt(format!("cohort {c:?}: {e}"))))
            .transpose()
    }

    /// Inserts or updates a customer like the SQLite store: fields coalesce, identities merge
    /// (an identity moves from its former owner), opt-out is never undone.
    async fn plan_customer(&self, plan: &mut Plan<'_>, c: &Customer) -> StoreResult<()> {
        let prev = self.get(customer_key(&c.id)).await?;
        let old: Option<Customer> = prev.as_ref().map(doc_of).transpose()?;
        let mut merged = match old {
            Some(old) => Customer {
                id: c.id.clone(),
                name: c.name.clone().or(old.name),
                email: c.email.clone().or(old.email),
                locale: c.locale.clone().or(old.locale),
                identities: old.identities.into_iter().chain(c.identities.iter().cloned()).collect(),
                opted_out: old.opted_out || c.opted_out,
                last_asked_at: c.last_asked_at.or(old.last_asked_at),
                created_at: old.created_at,
            },
            None => c.clone(),
        };
        merged
            .identities
            .sort_by(|a, b| (a.platform, &a.address).cmp(&(b.platform, &b.address)));
        merged.identities.dedup();
        let mut moved: BTreeMap<String, Vec<Identity>> = BTreeMap::new();
        for identity in &c.identities {
            let item = self.get(identity_key(identity)).await?;
            let owner = item.as_ref().and_then(|i| attr_s(i, "customer_id")).map(str::to_string);
            let cond = match &owner {
                Some(o) => Cond {
                    expr: Some("customer_id = :owner".into()),
                    values: HashMap::from([(":owner".into(), s(o))]),
                    ..Cond::default()
                },
                None => Cond::absent(),
            };
            let mut new = identity_key(identity);
            new.insert(TYPE.into(), s("identity"));
            new.insert("customer_id".into(), s(&c.id));
            plan.put(new, cond, Role::Context)?;
            if let Some(o) = owner.filter(|o| *o != c.id) {
                moved.entry(o).or_default().push(identity.clone());
            }
        }
        for (former, identities) in moved {
            let prev = self.get(customer_key(&former)).await?;
            if let Some(item) = &prev {
                let mut other: Customer = doc_of(item)?;
                other.identities.retain(|i| !identities.contains(i));
                plan.save_customer(&other, Some(item))?;
            }
        }
        plan.save_customer(&merged, prev.as_ref())
    }

    /// Reads what the change depends on, asks the ledger what it does, and fills the plan with
    /// the ledger's answer: its records, events and counters, each write under the condition
    /// the ledger's guards set for its item (see [`Guards`]).
    pub(super) async fn plan_change(&self, plan: &mut Plan<'_>, change: &Change) -> StoreResult<()> {
        let decide = |read: &ledger::Read| ledger::decide(change, read).map_err(|m| StoreError::NotFound(m.0));
        // By reference: a mention's text is most of the change, and copying it is not free.
        let outcome = match change {
            Change::Customer(c) => {
                self.plan_customer(plan, c).await?;
                decide(&ledger::Read::default())?
            }
            Change::SurveyRequested { customer, .. } => {
                self.plan_customer(plan, customer).await?;
                decide(&ledger::Read::default())?
            }
            Change::Survey(state) => {
                let prev = self.get(survey_key(state)).await?;
                // Outreach records the question before sending it; refused, it was never asked.
                let survey_was_asked = prev
                    .as_ref()
                    .map(doc_of::<SurveyState>)
                    .transpose()?
                    .is_some_and(|p| p.survey.stage == crate::survey::SurveyStage::Asked);
                let mut outcome = decide(&ledger::Read {
                    survey_is_new: prev.is_none(),
                    survey_was_asked,
                    ..Default::default()
                })?;
                let mut guards = Guards::of(&mut outcome);
                guards.put(plan, survey_item(state)?, prev.as_ref())?;
                if let Some(asked_at) = outcome.last_asked_at {
                    let customer = self.get(customer_key(&state.customer_id)).await?;
                    if let Some(item) = &customer {
                        let mut c: Customer = doc_of(item)?;
                        c.last_asked_at = Some(asked_at);
                        plan.save_customer(&c, Some(item))?;
                    }
                }
                if let Some(asked_at) = outcome.withdrawn_asked_at {
                    let customer = self.get(customer_key(&state.customer_id)).await?;
                    if let Some(item) = &customer {
                        let mut c: Customer = doc_of(item)?;
                        if c.last_asked_at == Some(asked_at) {
                            c.last_asked_at = None;
                            plan.save_customer(&c, Some(item))?;
                        }
                    }
                }
                guards.check_rest(plan, &[])?;
                outcome
            }
            Change::Response { response: r, survey } => {
                let mut outcome = decide(&ledger::Read::default())?;
                let mut guards = Guards::of(&mut outcome);
                plan.ensure_customer(&r.customer_id, r.submitted_at, None, Cond::none())?;
                guards.put(plan, response_item(r)?, None)?;
                if let Some(s) = survey {
                    plan.save_survey(s)?;
                }
                guards.check_rest(plan, &[])?;
                outcome
            }
            Change::Comment {
                response_id, survey, ..
            } => {
                let prev = self.get(response_key(response_id)).await?;
                let mut outcome = decide(&ledger::Read {
                    response: prev.as_ref().map(doc_of).transpose()?,
                    ..Default::default()
                })?;
                let mut guards = Guards::of(&mut outcome);
                if let Some(r) = &outcome.response {
                    guards.put(plan, response_item(r)?, prev.as_ref())?;
                }
                if let Some(s) = survey {
                    plan.save_survey(s)?;
                }
                guards.check_rest(plan, &[prev.as_ref()])?;
                outcome
            }
            Change::ScoreNotUnderstood { .. } => decide(&ledger::Read::default())?,
            Change::OptOut {
                customer_id, survey, ..
            } => {
                let prev = self.get(customer_key(customer_id)).await?;
                let mut c: Customer = match &prev {
                    Some(item) => doc_of(item)?,
                    None => Customer::new(customer_id, Utc::now()),
                };
                c.opted_out = true;
                plan.save_customer(&c, prev.as_ref())?;
                if let Some(s) = survey {
                    plan.save_survey(s)?;
                }
                decide(&ledger::Read::default())?
            }
            Change::Mention(m) => {
                let mut outcome = decide(&ledger::Read::default())?;
                let mut guards = Guards::of(&mut outcome);
                guards.put(plan, mention_item(m)?, None)?;
                guards.check_rest(plan, &[])?;
                outcome
            }
            Change::Purchase(p) => self.plan_purchase(plan, change, p).await?,
            Change::ReferralCreated(r) => {
                let mut outcome = decide(&ledger::Read::default())?;
                let mut guards = Guards::of(&mut outcome);
                plan.ensure_customer(&r.customer_id, r.created_at, None, Cond::none())?;
                guards.put(plan, referral_item(r)?, None)?;
                guards.check_rest(plan, &[])?;
                outcome
            }
            Change::ReferralClick { code, .. } => {
                let referral_stored = self.get(referral_key(code.as_str())).await?.is_some();
                let mut outcome = decide(&ledger::Read {
                    referral_stored,
                    ..Default::default()
                })?;
                let mut guards = Guards::of(&mut outcome);
                guards.update(
                    plan,
                    referral_key(code.as_str()),
                    "ADD clicks :one",
                    vec![(":one".into(), n(1))],
                )?;
                guards.check_rest(plan, &[])?;
                outcome
            }
            Change::Alert(_) | Change::AlertAction { .. } => {
                let id = match change {
                    Change::Alert(a) => &a.id,
                    Change::AlertAction { alert_id, .. } => alert_id,
                    _ => unreachable!("matched above"),
                };
                let prev = self.get(alert_key(id)).await?;
                let mut outcome = decide(&ledger::Read {
                    alert: prev.as_ref().map(doc_of).transpose()?,
                    ..Default::default()
                })?;
                let mut guards = Guards::of(&mut outcome);
                if let Some(alert) = &outcome.alert {
                    guards.put(plan, alert_item(alert)?, prev.as_ref())?;
                }
                // An action that changes nothing still reports the alert as read.
                guards.check_rest(plan, &[prev.as_ref()])?;
                outcome
            }
            Change::Report(r) => {
                let prev = self.get(report_key(r.month, r.brand.as_deref())).await?;
                let mut outcome = decide(&ledger::Read::default())?;
                let mut guards = Guards::of(&mut outcome);
                let emailed_at = match &prev {
                    Some(item) => r.emailed_at.or(doc_of::<StoredReport>(item)?.emailed_at),
                    None => r.emailed_at,
                };
                let report = StoredReport {
                    emailed_at,
                    ..r.clone()
                };
                guards.put(plan, report_item(&report)?, prev.as_ref())?;
                guards.check_rest(plan, &[])?;
                outcome
            }
        };
        plan.deltas.merge(outcome.deltas);
        plan.events.extend(outcome.events);
        Ok(())
    }

    /// A purchase reads the buyer's cohort, the referral and the referrer's cohort; the ledger
    /// decides what it counts and what must still be as read (else the whole change is read
    /// again).
    async fn plan_purchase(&self, plan: &mut Plan<'_>, change: &Change, p: &Purchase) -> StoreResult<ledger::Outcome> {
        let buyer_cohort = self.cohort_of(&p.customer_id).await?;
        let referral = match &p.referral_code {
            Some(code) => self
                .get(referral_key(code.as_str()))
                .await?
                .as_ref()
                .map(referral_from)
                .transpose()?,
            None => None,
        };
        let referrer = referral
            .as_ref()
            .map(|r| r.customer_id.clone())
            .filter(|id| *id != p.customer_id);
        let referrer_cohort = match &referrer {
            Some(id) => self.cohort_of(id).await?,
            None => None,
        };
        let read = ledger::Read {
            purchase: PurchaseContext {
                buyer_cohort,
                referral,
                referrer_cohort,
            },
            ..Default::default()
        };
        let mut outcome = ledger::decide(change, &read).map_err(|m| StoreError::NotFound(m.0))?;
        let mut guards = Guards::of(&mut outcome);
        let buyer = guards.condition(&customer_key(&p.customer_id), None);
        plan.ensure_customer(&p.customer_id, p.purchased_at, outcome.set_buyer_cohort, buyer)?;
        guards.put(plan, purchase_item(p)?, None)?;
        if let (Some(code), Some(_)) = (&p.referral_code, &outcome.conversion) {
            guards.update(
                plan,
                referral_key(code.as_str()),
                "ADD conversions :one",
                vec![(":one".into(), n(1))],
            )?;
        }
        // The unknown code and the referrer's cohort: condition checks.
        guards.check_rest(plan, &[])?;
        Ok(outcome)
    }
}
