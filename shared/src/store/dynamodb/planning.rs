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

    /// Reads the customers and identities the ledger asks for (the change's customer, each
    /// identity's owner, the former owners' customers) into `read`; returns the customer items
    /// read, for the conditions that they are still as read.
    async fn read_customers(&self, change: &Change, read: &mut ledger::Read) -> StoreResult<Vec<Item>> {
        let mut items = Vec::new();
        if let Some(id) = ledger::customer_to_read(change, read) {
            if let Some(item) = self.get(customer_key(id)).await? {
                read.customer = Some(doc_of(&item)?);
                items.push(item);
            }
        }
        for identity in ledger::identities_to_read(change) {
            let item = self.get(identity_key(identity)).await?;
            let owner = item.as_ref().and_then(|i| attr_s(i, "customer_id")).map(str::to_string);
            read.owners.push((identity.clone(), owner));
        }
        for former in ledger::former_owners(change, &read.owners) {
            if let Some(item) = self.get(customer_key(&former)).await? {
                read.former.push(doc_of(&item)?);
                items.push(item);
            }
        }
        Ok(items)
    }

    /// Writes the customers and identity owners the ledger decided, each under its guard.
    fn save_customers(
        plan: &mut Plan<'_>,
        guards: &mut Guards,
        outcome: &ledger::Outcome,
        read: &[Item],
    ) -> StoreResult<()> {
        for (identity, owner) in &outcome.identities {
            let mut item = identity_key(identity);
            item.insert(TYPE.into(), s("identity"));
            item.insert("customer_id".into(), s(owner));
            guards.put(plan, item, None)?;
        }
        for customer in &outcome.customers {
            let key = customer_key(&customer.id);
            let prev = read
                .iter()
                .find(|i| i.get(PK) == key.get(PK) && i.get(SK) == key.get(SK));
            guards.save_customer(plan, customer, prev)?;
        }
        Ok(())
    }

    /// Reads what the change depends on, asks the ledger what it does, and fills the plan with
    /// the ledger's answer: its records, events and counters, each write under the condition
    /// the ledger's guards set for its item (see [`Guards`]).
    pub(super) async fn plan_change(&self, plan: &mut Plan<'_>, change: &Change) -> StoreResult<()> {
        let decide = |read: &ledger::Read| ledger::decide(change, read).map_err(|m| StoreError::NotFound(m.0));
        // By reference: a mention's text is most of the change, and copying it is not free.
        let outcome = match change {
            Change::Customer(_) | Change::SurveyRequested { .. } | Change::OptOut { .. } => {
                let mut read = ledger::Read {
                    now: Utc::now(),
                    ..Default::default()
                };
                let customers = self.read_customers(change, &mut read).await?;
                let mut outcome = decide(&read)?;
                let mut guards = Guards::of(&mut outcome);
                Self::save_customers(plan, &mut guards, &outcome, &customers)?;
                if let Change::OptOut { survey: Some(s), .. } = change {
                    plan.save_survey(s)?;
                }
                guards.check_rest(plan, &customers.iter().map(Some).collect::<Vec<_>>())?;
                outcome
            }
            Change::Survey(state) => {
                let prev = self.get(survey_key(state)).await?;
                // Outreach records the question before sending it; refused, it was never asked.
                let survey_was_asked = prev
                    .as_ref()
                    .map(doc_of::<SurveyState>)
                    .transpose()?
                    .is_some_and(|p| p.survey.stage == crate::survey::SurveyStage::Asked);
                let mut read = ledger::Read {
                    survey_is_new: prev.is_none(),
                    survey_was_asked,
                    ..Default::default()
                };
                let customers = self.read_customers(change, &mut read).await?;
                let mut outcome = decide(&read)?;
                let mut guards = Guards::of(&mut outcome);
                guards.put(plan, survey_item(state)?, prev.as_ref())?;
                Self::save_customers(plan, &mut guards, &outcome, &customers)?;
                guards.check_rest(plan, &customers.iter().map(Some).collect::<Vec<_>>())?;
                outcome
            }
            Change::Response { response: r, survey } => {
                let mut outcome = decide(&ledger::Read::default())?;
                let mut guards = Guards::of(&mut outcome);
                if let Some(c) = &outcome.named_customer {
                    plan.ensure_customer(c, None, Cond::none())?;
                }
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
                if let Some(c) = &outcome.named_customer {
                    plan.ensure_customer(c, None, Cond::none())?;
                }
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
        if let Some(c) = &outcome.named_customer {
            plan.ensure_customer(c, outcome.set_buyer_cohort, buyer)?;
        }
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
