//! What a write changes: the records, the domain events and the monthly counters, decided
//! here once so every store applies them alike in one transaction.

use crate::compounding::PurchaseKind;
use crate::model::*;
use crate::month::YearMonth;
use crate::referral::ReferralCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One idempotent write. Each is applied with a delivery key; the same key twice is a duplicate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    /// Create or update a customer (identities are merged, opt-out is never undone).
    Customer(Customer),
    /// Someone asked us to survey this customer; outreach sends the question.
    SurveyRequested {
        customer: Customer,
        identity: Identity,
        brand: Option<String>,
    },
    /// The question went out (or a survey moved on without a response).
    Survey(SurveyState),
    /// An answer, with the survey it closes (if it came through one).
    Response {
        response: Response,
        survey: Option<SurveyState>,
    },
    /// The follow-up answer, stored as the response's comment.
    Comment {
        response_id: String,
        customer_id: String,
        comment: String,
        survey: Option<SurveyState>,
    },
    /// The customer wrote something that is not one clear score; outreach asks again.
    ScoreNotUnderstood {
        customer_id: String,
        identity: Identity,
        reason: String,
    },
    /// The customer asked never to be surveyed again.
    OptOut {
        customer_id: String,
        identity: Option<Identity>,
        survey: Option<SurveyState>,
    },
    Mention(Mention),
    Purchase(Purchase),
    ReferralCreated(Referral),
    ReferralClick {
        code: ReferralCode,
        at: DateTime<Utc>,
    },
    Alert(Alert),
    AlertAction {
        alert_id: String,
        action: AlertAction,
        by: String,
        at: DateTime<Utc>,
    },
    Report(StoredReport),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertAction {
    Claim,
    Resolve,
}

/// The change that asks `identity` the NPS question: the known customer behind it, or a new
/// one named after the identity. Ingest's `/api/surveys` and `sarafan ask` both use it.
pub fn survey_request(
    known: Option<Customer>,
    identity: Identity,
    brand: Option<String>,
    now: DateTime<Utc>,
) -> Change {
    let customer = known.unwrap_or_else(|| {
        let mut customer = Customer::new(identity.customer_id(), now);
        customer.identities.push(identity.clone());
        customer
    });
    Change::SurveyRequested {
        customer,
        identity,
        brand,
    }
}

/// The outcome of applying a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    Stored,
    /// The delivery key was seen before: nothing was written.
    Duplicate,
}

/// What a store read before applying a change: besides the change, the ledger's only input.
/// Each store reads these in the change's transaction (SQLite) or checks on write that they
/// are still as read (DynamoDB's conditions, docs/data-model.md).
#[derive(Debug, Clone, Default)]
pub struct Read {
    /// Comment: the response as stored.
    pub response: Option<Response>,
    /// Alert, AlertAction: the alert as stored, if any.
    pub alert: Option<Alert>,
    /// Survey: no state of this survey is stored yet.
    pub survey_is_new: bool,
    /// Survey: the stored state says the question was asked (outreach records it before the send).
    pub survey_was_asked: bool,
    /// Purchase: the cohorts and the referral it names.
    pub purchase: PurchaseContext,
    /// ReferralClick: the clicked code is stored.
    pub referral_stored: bool,
    /// The customer [`customer_to_read`] names, as stored (`None`: not stored).
    pub customer: Option<Customer>,
    /// Customer, SurveyRequested: each identity the customer names ([`identities_to_read`])
    /// with its stored owner (`None`: an identity not seen before).
    pub owners: Vec<(Identity, Option<String>)>,
    /// Customer, SurveyRequested: the stored customers of the owners [`former_owners`] names;
    /// one not listed was read absent.
    pub former: Vec<Customer>,
    /// OptOut: when a customer opting out before anything else about them is stored is created.
    pub now: DateTime<Utc>,
}

/// The customer the ledger needs read for `change` (for a survey, after its own state, which
/// decides whether the customer's last question time moves).
pub fn customer_to_read<'a>(change: &'a Change, read: &Read) -> Option<&'a str> {
    match change {
        Change::Customer(c) | Change::SurveyRequested { customer: c, .. } => Some(&c.id),
        Change::OptOut { customer_id, .. } => Some(customer_id),
        Change::Survey(state) => {
            let failed = state.survey.stage == crate::survey::SurveyStage::Failed;
            let moves = (read.survey_is_new && !failed) || (read.survey_was_asked && failed);
            moves.then_some(state.customer_id.as_str())
        }
        _ => None,
    }
}

/// The identities whose owners the ledger needs read for `change`.
pub fn identities_to_read(change: &Change) -> &[Identity] {
    match change {
        Change::Customer(c) | Change::SurveyRequested { customer: c, .. } => &c.identities,
        _ => &[],
    }
}

/// The customers whose identities move away in `change`, given each identity's owner as read:
/// the ledger needs them read too (into [`Read::former`]).
pub fn former_owners(change: &Change, owners: &[(Identity, Option<String>)]) -> Vec<String> {
    let Some(id) = customer_to_read(change, &Read::default()) else {
        return Vec::new();
    };
    let formers: std::collections::BTreeSet<&str> = owners
        .iter()
        .filter_map(|(_, owner)| owner.as_deref())
        .filter(|owner| *owner != id)
        .collect();
    formers.into_iter().map(str::to_string).collect()
}

/// The ledger's answer for one change: its events and counters, and the state the store must
/// write besides the change's own records. Stores persist it and decide nothing themselves.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    pub events: Vec<DomainEvent>,
    pub deltas: Deltas,
    /// Comment: the response with its new comment.
    pub response: Option<Response>,
    /// Alert, AlertAction: the alert as it must be stored; `None` when it does not change.
    pub alert: Option<Alert>,
    /// Customers to store, each whole as it must be: the change's customer merged with the one
    /// stored, a former owner without the identities that moved away from it, a customer
    /// opting out, or one whose last question time moved.
    pub customers: Vec<Customer>,
    /// Identities and the customer each belongs to after the change.
    pub identities: Vec<(Identity, String)>,
    /// Response, Purchase, ReferralCreated: the customer the record names, stored as this if
    /// no customer with its id is stored yet (one that is stays as it is).
    pub named_customer: Option<Customer>,
    /// Purchase: its cohort and conversion (see [`purchase_effects`]).
    pub set_buyer_cohort: Option<YearMonth>,
    pub conversion: Option<ReferralCode>,
    /// What must still hold when the outcome is written for it to be right: the records it
    /// creates are new, and what the decision read is still as read. SQLite reads and writes
    /// in one transaction on its single writer, so they hold there by construction; DynamoDB
    /// writes each as a condition on the item (a failed one means "read again and decide
    /// again", or for [`Guard::New`] "a duplicate").
    pub guards: Vec<Guard>,
}

/// A stored thing a decision depends on.
#[derive(Debug, Clone, PartialEq)]
pub enum Subject {
    Survey(Box<SurveyState>),
    Response(String),
    Mention(String),
    Purchase(String),
    Referral(ReferralCode),
    Alert(String),
    Report { month: YearMonth, brand: Option<String> },
    Customer(String),
}

/// A condition the outcome is written under (see [`Outcome::guards`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Guard {
    /// The change's own record: one already stored with its id makes the change a duplicate.
    New(Subject),
    /// Still as the decision read it; if it was read absent, still absent.
    AsRead(Subject),
    /// Still stored (a count on it is added to).
    Stored(Subject),
    /// A customer's cohort is still this (`None`: still without one).
    CohortIs(String, Option<YearMonth>),
    /// An identity still belongs to this customer (`None`: still unknown).
    OwnedBy(Identity, Option<String>),
}

/// A change names something that is not stored: the store answers `StoreError::NotFound`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing(pub String);

/// Decides what `change` does, given what the store read for it: a pure function, the same
/// for every store.
pub fn decide(change: &Change, read: &Read) -> Result<Outcome, Missing> {
    let mut out = Outcome::default();
    match change {
        Change::Customer(c) => merge_customer(c, read, &mut out),
        // Stored over the month's earlier report, keeping when it was emailed.
        Change::Report(r) => out.guards.push(Guard::AsRead(Subject::Report {
            month: r.month,
            brand: r.brand.clone(),
        })),
        Change::SurveyRequested {
            customer,
            identity,
            brand,
        } => {
            merge_customer(customer, read, &mut out);
            out.events.push(DomainEvent::SurveyRequested {
                customer_id: customer.id.clone(),
                identity: identity.clone(),
                brand: brand.clone(),
            })
        }
        Change::Survey(state) => {
            // Whether it counts depends on the state read (new, or asked before).
            out.guards.push(Guard::AsRead(Subject::Survey(Box::new(state.clone()))));
            let failed = state.survey.stage == crate::survey::SurveyStage::Failed;
            // A question the platform refused was never asked: it neither counts nor throttles.
            let asked_at = state.survey.asked_at;
            // The customer's last question time throttles the next question: it moves only
            // while the customer is as read.
            if customer_to_read(change, read).is_some() {
                out.guards
                    .push(Guard::AsRead(Subject::Customer(state.customer_id.clone())));
            }
            if read.survey_is_new && !failed {
                out.deltas = survey_asked_deltas(state);
                if let Some(c) = &read.customer {
                    out.customers.push(Customer {
                        last_asked_at: Some(asked_at),
                        ..c.clone()
                    });
                }
            }
            // Recorded as asked before its send, then refused: its count is taken back, and
            // the customer's last question time if it is still this question's.
            if read.survey_was_asked && failed {
                out.deltas = survey_withdrawn_deltas(state);
                // To the microsecond: SQLite keeps times no finer.
                let micros = |t: DateTime<Utc>| t.timestamp_micros();
                let still_this = |c: &&Customer| c.last_asked_at.map(micros) == Some(micros(asked_at));
                if let Some(c) = read.customer.as_ref().filter(still_this) {
                    out.customers.push(Customer {
                        last_asked_at: None,
                        ..c.clone()
                    });
                }
            }
        }
        Change::Response { response, .. } => {
            out.guards.push(Guard::New(Subject::Response(response.id.clone())));
            out.named_customer = Some(Customer::new(response.customer_id.clone(), response.submitted_at));
            out.deltas = response_deltas(response);
            out.events.push(DomainEvent::ResponseRecorded {
                response_id: response.id.clone(),
                customer_id: response.customer_id.clone(),
                platform: response.platform,
                score: response.score,
            });
        }
        Change::Comment {
            response_id,
            customer_id,
            comment,
            ..
        } => {
            let stored = read
                .response
                .as_ref()
                .ok_or_else(|| Missing(format!("response {response_id}")))?;
            // Comments, their category and their themes, as the comment is stored now: the
            // deltas hold only while the comment is as read.
            out.guards.push(Guard::AsRead(Subject::Response(response_id.clone())));
            out.deltas = comment_deltas(stored, stored.comment.as_deref(), comment);
            out.response = Some(Response {
                comment: Some(comment.clone()),
                ..stored.clone()
            });
            out.events.push(DomainEvent::CommentRecorded {
                response_id: response_id.clone(),
                customer_id: customer_id.clone(),
            });
        }
        Change::ScoreNotUnderstood {
            customer_id,
            identity,
            reason,
        } => out.events.push(DomainEvent::ScoreNotUnderstood {
            customer_id: customer_id.clone(),
            identity: identity.clone(),
            reason: reason.clone(),
        }),
        Change::OptOut {
            customer_id, identity, ..
        } => {
            // For good: a customer not stored yet is stored opted out.
            out.guards.push(Guard::AsRead(Subject::Customer(customer_id.clone())));
            let customer = read
                .customer
                .clone()
                .unwrap_or_else(|| Customer::new(customer_id.clone(), read.now));
            out.customers.push(Customer {
                opted_out: true,
                ..customer
            });
            out.events.push(DomainEvent::OptedOut {
                customer_id: customer_id.clone(),
                identity: identity.clone(),
            })
        }
        Change::Mention(m) => {
            out.guards.push(Guard::New(Subject::Mention(m.id.clone())));
            out.deltas = mention_deltas(m);
            out.events.push(DomainEvent::MentionRecorded {
                mention_id: m.id.clone(),
                sentiment: m.sentiment,
            });
        }
        Change::Purchase(p) => {
            let effects = purchase_effects(p, &read.purchase);
            out.guards.push(Guard::New(Subject::Purchase(p.id.clone())));
            out.named_customer = Some(Customer::new(p.customer_id.clone(), p.purchased_at));
            out.guards
                .push(Guard::CohortIs(p.customer_id.clone(), read.purchase.buyer_cohort));
            if let Some(code) = &p.referral_code {
                match &read.purchase.referral {
                    // Read as unknown: it counts nothing only while it stays unknown.
                    None => out.guards.push(Guard::AsRead(Subject::Referral(code.clone()))),
                    Some(referral) => {
                        if effects.conversion.is_some() {
                            out.guards.push(Guard::Stored(Subject::Referral(code.clone())));
                        }
                        // The referrer's cohort decides which cohort a referred purchase counts in.
                        if referral.customer_id != p.customer_id {
                            out.guards.push(Guard::CohortIs(
                                referral.customer_id.clone(),
                                read.purchase.referrer_cohort,
                            ));
                        }
                    }
                }
            }
            out.deltas = effects.deltas;
            out.set_buyer_cohort = effects.set_buyer_cohort;
            out.conversion = effects.conversion;
            out.events.push(DomainEvent::PurchaseRecorded {
                purchase_id: p.id.clone(),
                customer_id: p.customer_id.clone(),
                referral_code: p.referral_code.clone(),
            });
        }
        Change::ReferralCreated(r) => {
            out.guards.push(Guard::New(Subject::Referral(r.code.clone())));
            out.named_customer = Some(Customer::new(r.customer_id.clone(), r.created_at));
            out.deltas.add(r.created_at, metric::REFERRALS_CREATED, 1);
        }
        Change::ReferralClick { code, at } => {
            if !read.referral_stored {
                return Err(Missing(format!("referral code {code}")));
            }
            out.guards.push(Guard::Stored(Subject::Referral(code.clone())));
            out.deltas.add(*at, metric::REFERRAL_CLICKS, 1);
            out.events.push(DomainEvent::ReferralClicked { code: code.clone() });
        }
        Change::Alert(a) => match &read.alert {
            // Raised again (a redelivered detractor, say): only a newer message is kept.
            Some(existing) => {
                let message = a.message.clone().or_else(|| existing.message.clone());
                if message != existing.message {
                    out.guards.push(Guard::AsRead(Subject::Alert(a.id.clone())));
                    out.alert = Some(Alert {
                        message,
                        ..existing.clone()
                    });
                }
            }
            None => {
                // Raised once: counted only while no other raise got there first.
                out.guards.push(Guard::AsRead(Subject::Alert(a.id.clone())));
                out.deltas.add(a.created_at, metric::alerts_raised(a.kind), 1);
                out.alert = Some(a.clone());
            }
        },
        Change::AlertAction {
            alert_id,
            action,
            by,
            at,
        } => {
            let alert = read
                .alert
                .as_ref()
                .ok_or_else(|| Missing(format!("alert {alert_id}")))?;
            // The event reports the status as read, and a claim counts once.
            out.guards.push(Guard::AsRead(Subject::Alert(alert_id.clone())));
            let status = match alert_action(alert, *action, by, *at) {
                Some((next, deltas)) => {
                    out.deltas = deltas;
                    let status = next.status;
                    out.alert = Some(next);
                    status
                }
                None => alert.status,
            };
            out.events.push(DomainEvent::AlertChanged {
                alert_id: alert_id.clone(),
                status,
            });
        }
    }
    Ok(out)
}

/// A customer as a change names it, merged with the one stored: the fields it gives replace the
/// stored ones, its identities join the stored ones (each moving from its former owner, whose
/// record loses it), and opt-out is never undone. Every customer and identity it read must
/// still be as read.
fn merge_customer(c: &Customer, read: &Read, out: &mut Outcome) {
    out.guards.push(Guard::AsRead(Subject::Customer(c.id.clone())));
    let mut merged = match &read.customer {
        Some(old) => Customer {
            id: c.id.clone(),
            name: c.name.clone().or_else(|| old.name.clone()),
            email: c.email.clone().or_else(|| old.email.clone()),
            locale: c.locale.clone().or_else(|| old.locale.clone()),
            identities: old.identities.iter().chain(&c.identities).cloned().collect(),
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
    let mut moved: BTreeMap<String, Vec<&Identity>> = BTreeMap::new();
    for identity in &c.identities {
        let owner = read
            .owners
            .iter()
            .find(|(i, _)| i == identity)
            .and_then(|(_, owner)| owner.clone());
        if let Some(former) = owner.as_ref().filter(|o| **o != c.id) {
            moved.entry(former.clone()).or_default().push(identity);
        }
        out.guards.push(Guard::OwnedBy(identity.clone(), owner));
        out.identities.push((identity.clone(), c.id.clone()));
    }
    out.customers.push(merged);
    for (former, identities) in moved {
        if let Some(stored) = read.former.iter().find(|f| f.id == former) {
            out.customers.push(Customer {
                identities: stored
                    .identities
                    .iter()
                    .filter(|i| !identities.contains(i))
                    .cloned()
                    .collect(),
                ..stored.clone()
            });
        }
        // Read absent, it must still be: a record created meanwhile would keep the identity.
        out.guards.push(Guard::AsRead(Subject::Customer(former)));
    }
}

/// Counter increments for monthly aggregate items: `(month, metric) -> delta`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deltas(pub BTreeMap<(YearMonth, String), i64>);

impl Deltas {
    pub fn add(&mut self, at: DateTime<Utc>, metric: impl Into<String>, delta: i64) {
        *self.0.entry((YearMonth::of(at), metric.into())).or_default() += delta;
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn merge(&mut self, other: Deltas) {
        if self.0.is_empty() {
            self.0 = other.0;
            return;
        }
        for (key, delta) in other.0 {
            *self.0.entry(key).or_default() += delta;
        }
    }
}

/// Metric names of the monthly aggregate items (the reports read only these).
pub mod metric {
    use crate::model::{AlertKind, Platform, Sentiment};
    use crate::month::YearMonth;
    use crate::nps::{Category, Score};
    use crate::themes::Theme;

    pub const RESPONSES: &str = "responses";
    pub const COMMENTS: &str = "comments";
    pub const MENTIONS: &str = "mentions";
    pub const MENTIONS_BRAND: &str = "mentions.brand";
    pub const MENTIONS_COMPETITOR: &str = "mentions.competitor";
    pub const PURCHASES_NEW: &str = "purchases.new";
    pub const PURCHASES_REPEAT: &str = "purchases.repeat";
    /// New customers who came through someone else's referral link.
    pub const PURCHASES_REFERRED: &str = "purchases.referred";
    pub const CUSTOMERS_NEW: &str = "customers.new";
    pub const REFERRALS_CREATED: &str = "referrals.created";
    pub const REFERRAL_CLICKS: &str = "referrals.clicks";
    pub const REFERRAL_CONVERSIONS: &str = "referrals.conversions";
    pub const SURVEYS_ASKED: &str = "surveys.asked";
    pub const ALERTS_CLAIMED: &str = "alerts.claimed";
    pub const ALERTS_RESOLVED: &str = "alerts.resolved";

    pub fn score(score: Score) -> String {
        format!("responses.score.{score}")
    }
    pub fn platform_category(platform: Platform, category: Category) -> String {
        format!("responses.platform.{platform}.{category}")
    }
    pub fn surveys_asked_on(platform: Platform) -> String {
        format!("surveys.asked.{platform}")
    }
    // Every mention counts under several of the names below: they are joined without the
    // formatting machinery (ingest's warm path).
    pub fn sentiment(sentiment: Sentiment) -> String {
        ["mentions.", sentiment.as_str()].concat()
    }
    /// Mentions by day of month and sentiment, for weekly rates and charts.
    pub fn sentiment_on_day(day: u32, sentiment: Sentiment) -> String {
        let mut name = String::with_capacity(24);
        name.push_str("mentions.day.");
        push_two_digits(&mut name, day);
        name.push('.');
        name.push_str(sentiment.as_str());
        name
    }
    /// Brand mentions only by sentiment: the brand's mix, without its competitors' mentions.
    pub fn brand_sentiment(sentiment: Sentiment) -> String {
        ["mentions.brand.", sentiment.as_str()].concat()
    }
    /// Negative brand mentions by day of month and hour (UTC): spike detection sums a rolling
    /// 24-hour window from these without reading mentions.
    pub fn brand_negative_in_hour(day: u32, hour: u32) -> String {
        let mut name = String::with_capacity(36);
        name.push_str(BRAND_NEGATIVE_HOUR_PREFIX);
        push_two_digits(&mut name, day);
        name.push('.');
        push_two_digits(&mut name, hour);
        name.push_str(".negative");
        name
    }
    /// `{n:02}`: days and hours.
    fn push_two_digits(out: &mut String, n: u32) {
        if n < 100 {
            out.push(char::from(b'0' + (n / 10) as u8));
            out.push(char::from(b'0' + (n % 10) as u8));
        } else {
            out.push_str(&n.to_string());
        }
    }
    const BRAND_NEGATIVE_HOUR_PREFIX: &str = "mentions.brand.hour.";
    /// The day and hour of a [`brand_negative_in_hour`] metric name.
    pub fn parse_brand_negative_in_hour(name: &str) -> Option<(u32, u32)> {
        let rest = name
            .strip_prefix(BRAND_NEGATIVE_HOUR_PREFIX)?
            .strip_suffix(".negative")?;
        let (day, hour) = rest.split_once('.')?;
        Some((day.parse().ok()?, hour.parse().ok()?))
    }
    pub fn term(term: &str) -> String {
        ["mentions.term.", term].concat()
    }
    /// Mentions heard on `source` (`facebook`, `hackernews`, `web`...).
    pub fn source(source: &str) -> String {
        ["mentions.source.", source].concat()
    }
    /// Brand mentions nobody addressed to the brand: heard by listening, its handle not tagged.
    pub const MENTIONS_ORGANIC: &str = "mentions.brand.organic";
    /// Returns and referrals this month credited to customers first sold in `cohort`.
    pub fn cohort(cohort: YearMonth) -> String {
        format!("cohort.{cohort}")
    }
    pub fn alerts_raised(kind: AlertKind) -> String {
        format!("alerts.{}.raised", kind.as_str())
    }
    /// Comments written by customers of a category (the base of theme shares).
    pub fn comments_in(category: Category) -> String {
        format!("comments.{category}")
    }
    /// Comments of a category that name a theme.
    pub fn theme(category: Category, theme: Theme) -> String {
        format!("themes.{category}.{theme}")
    }
    /// Alerts claimed within a bucket of minutes after they were raised (`durations::bucket`).
    pub fn claim_minutes(bucket: &str) -> String {
        format!("alerts.claim_minutes.{bucket}")
    }
    /// Alerts resolved within a bucket of minutes after they were raised.
    pub fn resolve_minutes(bucket: &str) -> String {
        format!("alerts.resolve_minutes.{bucket}")
    }
}

/// What a store knows about a purchase's context when it applies it.
#[derive(Debug, Clone, Default)]
pub struct PurchaseContext {
    /// The buyer's cohort (month of their first new purchase), if they bought before.
    pub buyer_cohort: Option<YearMonth>,
    /// The referral the purchase's code names, if it exists.
    pub referral: Option<Referral>,
    /// The referrer's cohort, if they bought before.
    pub referrer_cohort: Option<YearMonth>,
}

/// What a purchase changes besides its own row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PurchaseEffects {
    pub deltas: Deltas,
    /// Set the buyer's cohort to this month (their first new purchase).
    pub set_buyer_cohort: Option<YearMonth>,
    /// Count a conversion on this referral code.
    pub conversion: Option<ReferralCode>,
}

/// Decides a purchase's counters: new or repeat, referred (not by oneself), and the cohort it
/// is credited to (the buyer's for a repeat, the referrer's for a referral).
pub fn purchase_effects(purchase: &Purchase, ctx: &PurchaseContext) -> PurchaseEffects {
    let at = purchase.purchased_at;
    let mut effects = PurchaseEffects::default();
    let referral = ctx.referral.as_ref().filter(|r| r.customer_id != purchase.customer_id);
    match purchase.kind {
        PurchaseKind::New => {
            effects.deltas.add(at, metric::PURCHASES_NEW, 1);
            if ctx.buyer_cohort.is_none() {
                effects.deltas.add(at, metric::CUSTOMERS_NEW, 1);
                effects.set_buyer_cohort = Some(YearMonth::of(at));
            }
        }
        PurchaseKind::Repeat => {
            effects.deltas.add(at, metric::PURCHASES_REPEAT, 1);
            if let Some(cohort) = ctx.buyer_cohort.filter(|c| *c < YearMonth::of(at)) {
                effects.deltas.add(at, metric::cohort(cohort), 1);
            }
        }
    }
    if let Some(referral) = referral {
        effects.deltas.add(at, metric::REFERRAL_CONVERSIONS, 1);
        effects.conversion = Some(referral.code.clone());
        // A referred newcomer counts with the returning customers (R_t), not with marketing's N_t.
        if purchase.kind == PurchaseKind::New {
            effects.deltas.add(at, metric::PURCHASES_REFERRED, 1);
            if let Some(cohort) = ctx.referrer_cohort.filter(|c| *c < YearMonth::of(at)) {
                effects.deltas.add(at, metric::cohort(cohort), 1);
            }
        }
    }
    effects
}

pub fn response_deltas(response: &Response) -> Deltas {
    let mut d = Deltas::default();
    let at = response.submitted_at;
    d.add(at, metric::RESPONSES, 1);
    d.add(at, metric::score(response.score), 1);
    d.add(at, metric::platform_category(response.platform, response.category()), 1);
    if let Some(comment) = response.comment.as_deref().filter(|c| !c.is_empty()) {
        d.merge(comment_deltas(response, None, comment));
    }
    d
}

/// What writing `comment` on `response` changes, when it replaces `previous` (the comment
/// stored before, if any): a first comment counts once, and themes move from the old text to
/// the new one, so counters always describe the comment as stored. Attributed to the month the
/// response was submitted, like the response itself.
pub fn comment_deltas(response: &Response, previous: Option<&str>, comment: &str) -> Deltas {
    let mut d = Deltas::default();
    let at = response.submitted_at;
    let category = response.category();
    let locale = response.locale.as_deref();
    let previous = previous.filter(|p| !p.is_empty());
    if previous == Some(comment) {
        return d;
    }
    if let Some(old) = previous {
        if comment.is_empty() {
            d.add(at, metric::COMMENTS, -1);
            d.add(at, metric::comments_in(category), -1);
        }
        for theme in crate::themes::themes_of(old, locale) {
            d.add(at, metric::theme(category, theme), -1);
        }
    } else if !comment.is_empty() {
        d.add(at, metric::COMMENTS, 1);
        d.add(at, metric::comments_in(category), 1);
    }
    for theme in crate::themes::themes_of(comment, locale) {
        d.add(at, metric::theme(category, theme), 1);
    }
    d.0.retain(|_, delta| *delta != 0);
    d
}

/// What a first claim of `alert` at `at` counts: the claim, and its minutes since the alert
/// was raised in the duration histogram. Attributed to the month the alert was raised.
pub fn alert_claimed_deltas(alert: &Alert, at: DateTime<Utc>) -> Deltas {
    let mut d = Deltas::default();
    let minutes = (at - alert.created_at).num_minutes();
    d.add(alert.created_at, metric::ALERTS_CLAIMED, 1);
    d.add(
        alert.created_at,
        metric::claim_minutes(&crate::durations::bucket(minutes)),
        1,
    );
    d
}

/// What the resolution of `alert` at `at` counts, like [`alert_claimed_deltas`].
pub fn alert_resolved_deltas(alert: &Alert, at: DateTime<Utc>) -> Deltas {
    let mut d = Deltas::default();
    let minutes = (at - alert.created_at).num_minutes();
    d.add(alert.created_at, metric::ALERTS_RESOLVED, 1);
    d.add(
        alert.created_at,
        metric::resolve_minutes(&crate::durations::bucket(minutes)),
        1,
    );
    d
}

/// What a staff click does to `alert` as read: the alert as it must be stored and its
/// counters, or `None` when the click changes nothing (a second claim, a second resolution).
/// The event carries the returned alert's status, or the read one's when nothing changed.
pub fn alert_action(alert: &Alert, action: AlertAction, by: &str, at: DateTime<Utc>) -> Option<(Alert, Deltas)> {
    let mut next = alert.clone();
    match action {
        AlertAction::Claim if alert.claimed_at.is_none() => {
            if alert.status == AlertStatus::Open {
                next.status = AlertStatus::Claimed;
            }
            next.claimed_by = Some(by.to_string());
            next.claimed_at = Some(at);
            Some((next, alert_claimed_deltas(alert, at)))
        }
        AlertAction::Resolve if alert.resolved_at.is_none() => {
            next.status = AlertStatus::Resolved;
            next.resolved_at = Some(at);
            next.claimed_by = alert.claimed_by.clone().or_else(|| Some(by.to_string()));
            Some((next, alert_resolved_deltas(alert, at)))
        }
        _ => None,
    }
}

pub fn mention_deltas(mention: &Mention) -> Deltas {
    use chrono::{Datelike, Timelike};
    let mut d = Deltas::default();
    let at = mention.created_at;
    d.add(at, metric::MENTIONS, 1);
    d.add(at, metric::sentiment(mention.sentiment), 1);
    d.add(at, metric::sentiment_on_day(at.day(), mention.sentiment), 1);
    d.add(
        at,
        if mention.competitor {
            metric::MENTIONS_COMPETITOR
        } else {
            metric::MENTIONS_BRAND
        },
        1,
    );
    // Competitor-only mentions count for share of voice, never in the brand's own mix or spikes.
    if !mention.competitor {
        d.add(at, metric::brand_sentiment(mention.sentiment), 1);
        if mention.sentiment == Sentiment::Negative {
            d.add(at, metric::brand_negative_in_hour(at.day(), at.hour()), 1);
        }
    }
    for term in &mention.matched_terms {
        d.add(at, metric::term(term), 1);
    }
    d.add(at, metric::source(&mention.source), 1);
    if is_organic(mention) {
        d.add(at, metric::MENTIONS_ORGANIC, 1);
    }
    d
}

/// Sources whose posts reach Sarafan because they were addressed to the brand's own accounts (a
/// comment on its Page or Instagram, a reply to its X account, a message in its Slack).
const ADDRESSED_SOURCES: &[&str] = &["facebook", "instagram", "x", "slack"];

/// True for a brand mention the brand was not told about: heard by listening (a search, a feed,
/// a crawler posting to `/api/mentions`) and not tagging any of its @handles. These are the
/// conversations that never reach a business on their own.
pub fn is_organic(mention: &Mention) -> bool {
    !mention.competitor
        && !ADDRESSED_SOURCES.contains(&mention.source.as_str())
        && !mention.matched_terms.iter().any(|t| t.starts_with('@'))
}

/// A question recorded as asked before its send, then refused by the platform: it was never
/// asked after all, so its count is taken back.
pub fn survey_withdrawn_deltas(state: &SurveyState) -> Deltas {
    let mut d = survey_asked_deltas(state);
    d.0.values_mut().for_each(|delta| *delta = -*delta);
    d
}

pub fn survey_asked_deltas(state: &SurveyState) -> Deltas {
    let mut d = Deltas::default();
    d.add(state.survey.asked_at, metric::SURVEYS_ASKED, 1);
    d.add(
        state.survey.asked_at,
        metric::surveys_asked_on(state.identity.platform),
        1,
    );
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn mention_metric_names_are_written_as_format_would() {
        use crate::model::Sentiment;
        for day in [0, 1, 9, 10, 31, 99, 100, 123] {
            for s in [Sentiment::Positive, Sentiment::Neutral, Sentiment::Negative] {
                assert_eq!(
                    metric::sentiment_on_day(day, s),
                    format!("mentions.day.{day:02}.{}", s.as_str())
                );
            }
            for hour in [0, 7, 23, 100] {
                assert_eq!(
                    metric::brand_negative_in_hour(day, hour),
                    format!("mentions.brand.hour.{day:02}.{hour:02}.negative")
                );
            }
        }
        assert_eq!(metric::term("Škoda"), "mentions.term.Škoda");
        assert_eq!(metric::brand_sentiment(Sentiment::Negative), "mentions.brand.negative");
        assert_eq!(metric::sentiment(Sentiment::Positive), "mentions.positive");
    }

    fn response(score: i64, comment: Option<&str>) -> Response {
        Response {
            id: "r1".into(),
            customer_id: "c1".into(),
            platform: Platform::Telegram,
            score: crate::nps::Score::new(score).unwrap(),
            comment: comment.map(str::to_string),
            locale: Some("en".into()),
            submitted_at: at(3),
            brand: None,
        }
    }

    fn get(d: &Deltas, metric: &str) -> Option<i64> {
        d.0.get(&(month(3), metric.to_string())).copied()
    }

    fn mention(competitor: bool, sentiment: Sentiment) -> Mention {
        Mention {
            id: "m1".into(),
            source: "instagram".into(),
            text: "text".into(),
            url: None,
            author: None,
            lang: None,
            sentiment,
            matched_terms: vec!["Brightside".into()],
            competitor,
            created_at: Utc.with_ymd_and_hms(2026, 3, 10, 21, 45, 0).unwrap(),
        }
    }

    #[test]
    fn a_negative_brand_mention_counts_in_the_brand_mix_and_its_hour() {
        // GIVEN a negative brand mention at 21:45 on 10 March
        let d = mention_deltas(&mention(false, Sentiment::Negative));
        // THEN it counts in the brand's mix and in the 21:00 hour of day 10
        assert_eq!(get(&d, "mentions.negative"), Some(1));
        assert_eq!(get(&d, "mentions.brand.negative"), Some(1));
        assert_eq!(get(&d, "mentions.brand.hour.10.21.negative"), Some(1));
        assert_eq!(
            metric::parse_brand_negative_in_hour("mentions.brand.hour.10.21.negative"),
            Some((10, 21))
        );
        assert_eq!(metric::parse_brand_negative_in_hour("mentions.brand.negative"), None);
    }

    #[test]
    fn mentions_count_by_source_and_organic_ones_apart() {
        // GIVEN a comment on the brand's Instagram, a Reddit post naming the brand, one tagging
        // its handle, and one about a competitor
        let on = |source: &str, terms: &[&str], competitor: bool| Mention {
            source: source.into(),
            matched_terms: terms.iter().map(|t| t.to_string()).collect(),
            competitor,
            ..mention(false, Sentiment::Neutral)
        };
        let cases = [
            (on("instagram", &["Brightside"], false), false),
            (on("reddit", &["Brightside"], false), true),
            (on("reddit", &["Brightside", "@brightside"], false), false),
            (on("hackernews", &["Fanta Motors"], true), false),
        ];
        for (m, organic) in cases {
            // THEN each counts under its source, and only the untold brand mention is organic
            let d = mention_deltas(&m);
            assert_eq!(get(&d, &metric::source(&m.source)), Some(1), "{m:?}");
            assert_eq!(get(&d, metric::MENTIONS_ORGANIC).is_some(), organic, "{m:?}");
            assert_eq!(is_organic(&m), organic);
        }
    }

    #[test]
    fn a_competitors_mention_stays_out_of_the_brand_mix_and_spikes() {
        let d = mention_deltas(&mention(true, Sentiment::Negative));
        assert_eq!(get(&d, "mentions.negative"), Some(1));
        assert_eq!(get(&d, "mentions.competitor"), Some(1));
        assert_eq!(get(&d, "mentions.brand.negative"), None);
        assert!(d.0.keys().all(|(_, m)| !m.starts_with("mentions.brand.hour.")));
        // a positive brand mention has no hourly counter: only complaints make spikes
        let d = mention_deltas(&mention(false, Sentiment::Positive));
        assert_eq!(get(&d, "mentions.brand.positive"), Some(1));
        assert!(d.0.keys().all(|(_, m)| !m.starts_with("mentions.brand.hour.")));
    }

    #[test]
    fn a_first_comment_counts_its_category_and_themes() {
        let d = comment_deltas(&response(3, None), None, "Waited two hours, the car was dirty");
        assert_eq!(get(&d, metric::COMMENTS), Some(1));
        assert_eq!(get(&d, "comments.detractor"), Some(1));
        assert_eq!(get(&d, "themes.detractor.waiting"), Some(1));
        assert_eq!(get(&d, "themes.detractor.cleanliness"), Some(1));
        // a response that arrives with its comment counts the same through response_deltas
        let with = response_deltas(&response(3, Some("Waited two hours, the car was dirty")));
        assert_eq!(get(&with, "themes.detractor.waiting"), Some(1));
        assert_eq!(get(&with, "comments.detractor"), Some(1));
    }

    #[test]
    fn a_replaced_comment_moves_its_themes_and_the_same_text_changes_nothing() {
        let r = response(10, None);
        let d = comment_deltas(&r, Some("so quick"), "great price");
        // not a new comment: only themes move (on_time -1, price +1)
        assert_eq!(get(&d, metric::COMMENTS), None);
        assert_eq!(get(&d, "themes.promoter.on_time"), Some(-1));
        assert_eq!(get(&d, "themes.promoter.price"), Some(1));
        assert!(comment_deltas(&r, Some("so quick"), "so quick").is_empty());
    }

    #[test]
    fn a_comment_after_the_score_counts_as_the_same_comment_sent_with_it() {
        let text = "Waited two hours, the car was dirty";
        let bare = response(3, None);
        let answer = Change::Response {
            response: bare.clone(),
            survey: None,
        };
        let comment = Change::Comment {
            response_id: bare.id.clone(),
            customer_id: bare.customer_id.clone(),
            comment: text.into(),
            survey: None,
        };
        let mut later = decide(&answer, &Read::default()).unwrap().deltas;
        let read = Read {
            response: Some(bare.clone()),
            ..Read::default()
        };
        let outcome = decide(&comment, &read).unwrap();
        later.merge(outcome.deltas);
        let with = Change::Response {
            response: response(3, Some(text)),
            survey: None,
        };
        let mut at_once = decide(&with, &Read::default()).unwrap().deltas;
        later.0.retain(|_, d| *d != 0);
        at_once.0.retain(|_, d| *d != 0);
        assert_eq!(later, at_once);
        assert_eq!(outcome.response.unwrap().comment.as_deref(), Some(text));
        assert_eq!(outcome.events.len(), 1);
        // A comment on a response that is not stored is refused, whatever the store.
        assert_eq!(decide(&comment, &Read::default()), Err(Missing("response r1".into())));
    }

    #[test]
    fn an_alert_raised_again_counts_nothing_and_keeps_the_newer_message() {
        let alert = Alert {
            id: "a1".into(),
            kind: AlertKind::Detractor,
            subject_id: "r1".into(),
            status: AlertStatus::Claimed,
            claimed_by: Some("U1".into()),
            created_at: at(3),
            claimed_at: Some(at(3)),
            resolved_at: None,
            message: None,
        };
        let again = Change::Alert(Alert {
            status: AlertStatus::Open,
            claimed_by: None,
            claimed_at: None,
            ..alert.clone()
        });
        let read = Read {
            alert: Some(alert.clone()),
            ..Read::default()
        };
        let outcome = decide(&again, &read).unwrap();
        assert_eq!(outcome, Outcome::default(), "nothing changes, nothing counts");
        let first = decide(&again, &Read::default()).unwrap();
        assert_eq!(get(&first.deltas, "alerts.detractor.raised"), Some(1));
    }

    #[test]
    fn claims_and_resolutions_land_in_minute_buckets_of_the_raising_month() {
        let alert = Alert {
            id: "a1".into(),
            kind: AlertKind::Detractor,
            subject_id: "r1".into(),
            status: AlertStatus::Open,
            claimed_by: None,
            created_at: at(3),
            claimed_at: None,
            resolved_at: None,
            message: None,
        };
        // claimed 12 minutes after raising: bucket (10, 15]
        let d = alert_claimed_deltas(&alert, at(3) + chrono::Duration::minutes(12));
        assert_eq!(get(&d, metric::ALERTS_CLAIMED), Some(1));
        assert_eq!(get(&d, "alerts.claim_minutes.15"), Some(1));
        // resolved 2 days (2880 minutes) after raising: bucket (2160, 2880]
        let d = alert_resolved_deltas(&alert, at(3) + chrono::Duration::days(2));
        assert_eq!(get(&d, "alerts.resolve_minutes.2880"), Some(1));
    }

    fn at(month: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, month, 10, 9, 0, 0).unwrap()
    }

    fn purchase(customer: &str, kind: PurchaseKind, month: u32, code: Option<&ReferralCode>) -> Purchase {
        Purchase {
            id: format!("p-{customer}-{month}"),
            customer_id: customer.into(),
            kind,
            referral_code: code.cloned(),
            amount: None,
            currency: None,
            purchased_at: at(month),
        }
    }

    fn referral(owner: &str) -> Referral {
        Referral {
            code: ReferralCode::generate(),
            customer_id: owner.into(),
            clicks: 0,
            conversions: 0,
            created_at: at(1),
        }
    }

    fn month(m: u32) -> YearMonth {
        YearMonth::of(at(m))
    }

    #[test]
    fn first_new_purchase_sets_the_cohort_and_counts_a_new_customer() {
        let effects = purchase_effects(&purchase("a", PurchaseKind::New, 1, None), &PurchaseContext::default());
        assert_eq!(effects.set_buyer_cohort, Some(month(1)));
        assert_eq!(
            effects.deltas.0.get(&(month(1), metric::CUSTOMERS_NEW.into())),
            Some(&1)
        );
        assert_eq!(effects.conversion, None);
    }

    #[test]
    fn repeat_purchase_is_credited_to_the_buyers_cohort() {
        let ctx = PurchaseContext {
            buyer_cohort: Some(month(1)),
            ..Default::default()
        };
        let effects = purchase_effects(&purchase("a", PurchaseKind::Repeat, 3, None), &ctx);
        assert_eq!(effects.deltas.0.get(&(month(3), metric::cohort(month(1)))), Some(&1));
        assert_eq!(
            effects.deltas.0.get(&(month(3), metric::PURCHASES_REPEAT.into())),
            Some(&1)
        );
    }

    #[test]
    fn referred_purchase_converts_and_credits_the_referrers_cohort() {
        let r = referral("promoter");
        let ctx = PurchaseContext {
            referral: Some(r.clone()),
            referrer_cohort: Some(month(1)),
            ..Default::default()
        };
        let effects = purchase_effects(&purchase("friend", PurchaseKind::New, 2, Some(&r.code)), &ctx);
        assert_eq!(effects.conversion, Some(r.code.clone()));
        assert_eq!(
            effects.deltas.0.get(&(month(2), metric::PURCHASES_REFERRED.into())),
            Some(&1)
        );
        assert_eq!(effects.deltas.0.get(&(month(2), metric::cohort(month(1)))), Some(&1));
    }

    #[test]
    fn self_referral_does_not_count() {
        let r = referral("promoter");
        let ctx = PurchaseContext {
            referral: Some(r.clone()),
            buyer_cohort: Some(month(1)),
            referrer_cohort: Some(month(1)),
        };
        let effects = purchase_effects(&purchase("promoter", PurchaseKind::Repeat, 2, Some(&r.code)), &ctx);
        assert_eq!(effects.conversion, None);
        assert_eq!(
            effects.deltas.0.get(&(month(2), metric::PURCHASES_REFERRED.into())),
            None
        );
    }

    #[test]
    fn the_ledger_names_what_must_still_hold_for_each_decision() {
        // GIVEN a purchase with a referral from someone who bought in January, by a newcomer
        let referrer = referral("ref");
        let p = purchase("buyer", PurchaseKind::New, 3, Some(&referrer.code));
        let read = Read {
            purchase: PurchaseContext {
                buyer_cohort: None,
                referral: Some(referrer.clone()),
                referrer_cohort: Some(month(1)),
            },
            ..Default::default()
        };
        let out = decide(&Change::Purchase(p.clone()), &read).unwrap();
        // THEN the purchase is new, the buyer still has no cohort, the code is still stored
        // (a conversion is added to it) and the referrer's cohort is still January
        assert_eq!(
            out.guards,
            [
                Guard::New(Subject::Purchase(p.id.clone())),
                Guard::CohortIs("buyer".into(), None),
                Guard::Stored(Subject::Referral(referrer.code.clone())),
                Guard::CohortIs("ref".into(), Some(month(1))),
            ]
        );
        // A code read as unknown counts nothing, only while it stays unknown.
        let unknown = decide(&Change::Purchase(p.clone()), &Read::default()).unwrap();
        assert!(unknown.conversion.is_none());
        assert_eq!(
            unknown.guards[2],
            Guard::AsRead(Subject::Referral(referrer.code.clone()))
        );
        // A self-referral converts nothing and needs no referrer's cohort.
        let own = Read {
            purchase: PurchaseContext {
                referral: Some(Referral {
                    customer_id: "buyer".into(),
                    ..referrer.clone()
                }),
                ..Default::default()
            },
            ..Default::default()
        };
        let own = decide(&Change::Purchase(p), &own).unwrap();
        assert_eq!(own.guards.len(), 2, "{:?}", own.guards);

        // A comment: its deltas hold while the response's comment is as read.
        let comment = Change::Comment {
            response_id: "r1".into(),
            customer_id: "c1".into(),
            comment: "slow".into(),
            survey: None,
        };
        let read = Read {
            response: Some(response(6, Some("late"))),
            ..Default::default()
        };
        assert_eq!(
            decide(&comment, &read).unwrap().guards,
            [Guard::AsRead(Subject::Response("r1".into()))]
        );
        // A mention and a response are new records; a click needs its code stored.
        let m = mention(false, Sentiment::Negative);
        assert_eq!(
            decide(&Change::Mention(m), &Read::default()).unwrap().guards,
            [Guard::New(Subject::Mention("m1".into()))]
        );
        let click = Change::ReferralClick {
            code: referrer.code.clone(),
            at: at(3),
        };
        assert_eq!(
            decide(&click, &Read::default()),
            Err(Missing(format!("referral code {}", referrer.code)))
        );
        let stored = Read {
            referral_stored: true,
            ..Default::default()
        };
        assert_eq!(
            decide(&click, &stored).unwrap().guards,
            [Guard::Stored(Subject::Referral(referrer.code))]
        );
    }

    fn telegram(chat: &str) -> Identity {
        Identity::new(Platform::Telegram, chat)
    }

    fn customer_with(id: &str, identities: &[Identity]) -> Customer {
        Customer {
            identities: identities.to_vec(),
            ..Customer::new(id, at(1))
        }
    }

    #[test]
    fn a_new_customer_is_stored_as_given_with_its_identities_still_unknown() {
        // GIVEN a customer not stored yet, with an identity no one owns
        let chat = telegram("101");
        let c = Customer {
            name: Some("Jana".into()),
            ..customer_with("c1", std::slice::from_ref(&chat))
        };
        let change = Change::Customer(c.clone());
        assert_eq!(customer_to_read(&change, &Read::default()), Some("c1"));
        assert_eq!(identities_to_read(&change), std::slice::from_ref(&chat));
        let read = Read {
            owners: vec![(chat.clone(), None)],
            ..Read::default()
        };
        assert!(former_owners(&change, &read.owners).is_empty());
        // WHEN the ledger decides
        let out = decide(&change, &read).unwrap();
        // THEN it is stored as given, owns the identity, and both must still be absent
        assert_eq!(out.customers, [c]);
        assert_eq!(out.identities, [(chat.clone(), "c1".to_string())]);
        assert_eq!(
            out.guards,
            [
                Guard::AsRead(Subject::Customer("c1".into())),
                Guard::OwnedBy(chat, None),
            ]
        );
        assert!(out.events.is_empty() && out.deltas.is_empty());
    }

    #[test]
    fn a_stored_customer_is_updated_field_by_field_and_never_opted_back_in() {
        // GIVEN a stored customer who opted out, with an email, a locale and a Slack identity
        let slack = Identity::new(Platform::Slack, "U1");
        let chat = telegram("202");
        let stored = Customer {
            name: Some("Old".into()),
            email: Some("jana@example.com".into()),
            locale: Some("cs".into()),
            opted_out: true,
            last_asked_at: Some(at(2)),
            ..customer_with("c1", std::slice::from_ref(&slack))
        };
        // WHEN the same customer comes again with a new name, a Telegram chat and no opt-out
        let change = Change::Customer(Customer {
            name: Some("Jana".into()),
            created_at: at(5),
            ..customer_with("c1", &[chat.clone(), slack.clone()])
        });
        let read = Read {
            customer: Some(stored.clone()),
            owners: vec![(chat.clone(), None), (slack.clone(), Some("c1".into()))],
            ..Read::default()
        };
        // THEN the fields given replace the stored ones, the rest stay, the identities join,
        // it stays opted out and keeps when it was created; nothing moves from anyone
        assert!(former_owners(&change, &read.owners).is_empty());
        let out = decide(&change, &read).unwrap();
        assert_eq!(
            out.customers,
            [Customer {
                name: Some("Jana".into()),
                identities: vec![slack.clone(), chat.clone()],
                ..stored
            }]
        );
        assert_eq!(
            out.guards,
            [
                Guard::AsRead(Subject::Customer("c1".into())),
                Guard::OwnedBy(chat, None),
                Guard::OwnedBy(slack, Some("c1".into())),
            ]
        );
    }

    #[test]
    fn an_identity_moves_to_its_new_customer_and_leaves_the_former_ones_record() {
        // GIVEN customer A owning two chats, and customer B (not stored yet) naming one of them
        let moving = telegram("303");
        let staying = telegram("304");
        let a = Customer {
            name: Some("A".into()),
            ..customer_with("A", &[moving.clone(), staying.clone()])
        };
        let b = customer_with("B", std::slice::from_ref(&moving));
        let change = Change::Customer(b.clone());
        let owners = vec![(moving.clone(), Some("A".to_string()))];
        // THEN the ledger asks for A's record too
        assert_eq!(former_owners(&change, &owners), ["A"]);
        let read = Read {
            owners,
            former: vec![a.clone()],
            ..Read::default()
        };
        let out = decide(&change, &read).unwrap();
        // AND B gets the chat, A keeps everything but it
        assert_eq!(
            out.customers,
            [
                b,
                Customer {
                    identities: vec![staying],
                    ..a
                }
            ]
        );
        assert_eq!(out.identities, [(moving.clone(), "B".to_string())]);
        // AND B is still absent, the chat still A's, and A's record still as read
        assert_eq!(
            out.guards,
            [
                Guard::AsRead(Subject::Customer("B".into())),
                Guard::OwnedBy(moving.clone(), Some("A".into())),
                Guard::AsRead(Subject::Customer("A".into())),
            ]
        );
        // A former owner read absent is not written, and must still be absent.
        let gone = Read {
            former: Vec::new(),
            ..read
        };
        let out = decide(&Change::Customer(customer_with("B", &[moving])), &gone).unwrap();
        assert_eq!(out.customers.len(), 1);
        assert_eq!(out.guards[2], Guard::AsRead(Subject::Customer("A".into())));
    }

    #[test]
    fn a_survey_request_on_an_unknown_identity_creates_its_customer() {
        // GIVEN a WhatsApp number no customer owns
        let phone = Identity::new(Platform::Whatsapp, "+420600000009");
        let change = survey_request(None, phone.clone(), Some("Sprite".into()), at(4));
        let id = phone.customer_id();
        assert_eq!(customer_to_read(&change, &Read::default()), Some(id.as_str()));
        // WHEN the ledger decides, having read neither the customer nor an owner
        let read = Read {
            owners: vec![(phone.clone(), None)],
            ..Read::default()
        };
        let out = decide(&change, &read).unwrap();
        // THEN a customer named after the number is created owning it, and outreach asks
        assert_eq!(
            out.customers,
            [Customer {
                identities: vec![phone.clone()],
                ..Customer::new(id.clone(), at(4))
            }]
        );
        assert_eq!(out.identities, [(phone.clone(), id.clone())]);
        assert_eq!(
            out.guards,
            [
                Guard::AsRead(Subject::Customer(id.clone())),
                Guard::OwnedBy(phone.clone(), None),
            ]
        );
        assert_eq!(
            out.events,
            [DomainEvent::SurveyRequested {
                customer_id: id,
                identity: phone,
                brand: Some("Sprite".into()),
            }]
        );
    }

    #[test]
    fn opting_out_and_asking_move_the_customer_as_read() {
        // An opt-out before anything else is stored creates the customer, opted out.
        let opt_out = Change::OptOut {
            customer_id: "c9".into(),
            identity: None,
            survey: None,
        };
        let read = Read {
            now: at(6),
            ..Read::default()
        };
        let out = decide(&opt_out, &read).unwrap();
        assert_eq!(
            out.customers,
            [Customer {
                opted_out: true,
                ..Customer::new("c9", at(6))
            }]
        );
        assert_eq!(out.guards, [Guard::AsRead(Subject::Customer("c9".into()))]);
        // A question asked moves the customer's last question time; one refused after it was
        // recorded takes it back only while it is still that question's.
        let chat = telegram("505");
        let mut state = SurveyState {
            id: "s1".into(),
            customer_id: "c9".into(),
            identity: chat.clone(),
            locale: None,
            brand: None,
            survey: crate::survey::Survey::ask(&crate::survey::SurveyPolicy::default(), at(6)),
            response_id: None,
            error: None,
        };
        let stored = customer_with("c9", &[chat]);
        let asked = Read {
            survey_is_new: true,
            customer: Some(stored.clone()),
            ..Read::default()
        };
        let out = decide(&Change::Survey(state.clone()), &asked).unwrap();
        assert_eq!(out.customers[0].last_asked_at, Some(at(6)));
        assert_eq!(out.guards[1..], [Guard::AsRead(Subject::Customer("c9".into()))]);
        state.survey.stage = crate::survey::SurveyStage::Failed;
        let refused = |last| Read {
            survey_was_asked: true,
            customer: Some(Customer {
                last_asked_at: last,
                ..stored.clone()
            }),
            ..Read::default()
        };
        let change = Change::Survey(state);
        assert_eq!(
            decide(&change, &refused(Some(at(6)))).unwrap().customers[0].last_asked_at,
            None
        );
        assert!(decide(&change, &refused(Some(at(7)))).unwrap().customers.is_empty());
        // A question's time as stored to the microsecond (SQLite) is still that question's.
        let Change::Survey(mut precise) = change.clone() else {
            unreachable!("a survey change")
        };
        precise.survey.asked_at = at(6) + chrono::Duration::nanoseconds(123_456_789);
        let stored_to_micros = at(6) + chrono::Duration::microseconds(123_456);
        let out = decide(&Change::Survey(precise), &refused(Some(stored_to_micros))).unwrap();
        assert_eq!(out.customers[0].last_asked_at, None);
        // A question neither new nor withdrawn needs no customer read.
        assert_eq!(customer_to_read(&change, &Read::default()), None);
    }

    #[test]
    fn records_name_their_customer_to_be_created_if_not_stored() {
        // A response, a purchase and a referral each name a customer, created as of the
        // record's time when not stored yet (a stored one stays as it is).
        let answer = Change::Response {
            response: response(9, None),
            survey: None,
        };
        let named = |change: &Change| decide(change, &Read::default()).unwrap().named_customer;
        assert_eq!(named(&answer), Some(Customer::new("c1", at(3))));
        let bought = purchase("buyer", PurchaseKind::New, 2, None);
        assert_eq!(named(&Change::Purchase(bought)), Some(Customer::new("buyer", at(2))));
        let r = referral("promoter");
        assert_eq!(
            named(&Change::ReferralCreated(r)),
            Some(Customer::new("promoter", at(1)))
        );
        assert_eq!(named(&Change::Mention(mention(false, Sentiment::Neutral))), None);
    }
}
