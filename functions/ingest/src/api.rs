//! The generic API for survey tools, listening tools, shops and CRMs: `Authorization: Bearer
//! <SARAFAN_API_TOKEN>` and the JSON bodies docs/contract.md gives.

use crate::body::RawBody;
use crate::error::{missing, parse_json, AppError};
use crate::inbound::{store_all, Inbound};
use crate::platforms::flex::FlexId;
use crate::{configured, verify, AppState};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use chrono::{DateTime, Utc};
use sarafan_core::compounding::PurchaseKind;
use sarafan_core::ledger::Change;
use sarafan_core::model::{Customer, Identity, Mention, Platform, Purchase, Response};
use sarafan_core::referral::ReferralCode;
use sarafan_core::score_text::parse_score;
use sarafan_core::whatsapp_user;
use sarafan_core::Score;
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

fn authorised(state: &AppState, headers: &HeaderMap) -> Result<(), AppError> {
    verify::bearer(configured(&state.config.api_token)?, headers)
}

/// A stable id for a body that names none: the same body sent twice is the same record.
fn id_of(raw: &[u8]) -> String {
    format!("api:{}", &hex::encode(Sha256::digest(raw))[..24])
}

fn required(value: String, field: &str) -> Result<String, AppError> {
    let value = value.trim();
    if value.is_empty() {
        Err(AppError::invalid_field(field, "must not be empty"))
    } else {
        Ok(value.to_string())
    }
}

#[derive(Debug, Deserialize)]
struct ResponseIn {
    id: Option<String>,
    customer: CustomerIn,
    score: Option<i64>,
    text: Option<String>,
    comment: Option<String>,
    submitted_at: Option<DateTime<Utc>>,
    brand: Option<String>,
}

#[derive(Debug, Deserialize)]
struct CustomerIn {
    id: String,
    platform: Option<String>,
    name: Option<String>,
    email: Option<String>,
    locale: Option<String>,
}

/// POST /api/responses
pub async fn responses(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Json<Value>, AppError> {
    authorised(&state, &headers)?;
    let input: ResponseIn = parse_json(&body)?;
    let score = match (input.score, input.text.as_deref()) {
        (Some(value), _) => {
            Score::new(value).map_err(|_| AppError::invalid_field("score", format!("{value} is not a 0-10 score")))?
        }
        (None, Some(text)) => parse_score(text).map_err(|refusal| AppError::invalid_field("text", refusal))?,
        (None, None) => return Err(missing("score")),
    };
    let platform = match input.customer.platform.as_deref() {
        None => Platform::Api,
        Some(p) => Platform::parse(p)
            .ok_or_else(|| AppError::invalid_field("customer.platform", format!("unknown platform {p:?}")))?,
    };
    let id = match input.id {
        Some(id) => required(id, "id")?,
        None => id_of(&body),
    };
    let c = input.customer;
    let customer_id = required(c.id, "customer.id")?;
    let submitted_at = input.submitted_at.unwrap_or_else(|| state.now());
    let mut items = Vec::new();
    if c.name.is_some() || c.email.is_some() || c.locale.is_some() {
        let mut customer = Customer::new(customer_id.clone(), submitted_at);
        (customer.name, customer.email, customer.locale) = (c.name, c.email, c.locale.clone());
        items.push(Inbound::Store {
            delivery: format!("api:response:{id}:customer"),
            change: Change::Customer(customer),
        });
    }
    items.push(Inbound::Store {
        delivery: format!("api:response:{id}"),
        change: Change::Response {
            response: Response {
                id: id.clone(),
                customer_id,
                platform,
                score,
                comment: input.comment.map(|c| c.trim().to_string()).filter(|c| !c.is_empty()),
                locale: c.locale,
                submitted_at,
                brand: input.brand,
            },
            survey: None,
        },
    });
    store_all(&state, items).await?;
    Ok(Json(json!({ "id": id, "score": score.value() })))
}

#[derive(Debug, Deserialize)]
struct MentionIn {
    id: String,
    source: String,
    text: String,
    url: Option<String>,
    author: Option<String>,
    lang: Option<String>,
    created_at: Option<DateTime<Utc>>,
}

/// POST /api/mentions: stored when the text names a configured brand or competitor term; any
/// other text is about someone else and would only inflate the report, so it is answered
/// `{"ignored": "no configured term"}` and neither stored nor counted.
pub async fn mentions(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Json<Value>, AppError> {
    authorised(&state, &headers)?;
    let input: MentionIn = parse_json(&body)?;
    let id = required(input.id, "id")?;
    let source = required(input.source, "source")?;
    let Some(found) = state.classifier.classify_if_matched(&input.text, input.lang.as_deref()) else {
        tracing::info!(id = %id, source = %source, "mention names no configured term: ignored");
        return Ok(Json(json!({ "ignored": "no configured term" })));
    };
    let mention = Mention {
        id: id.clone(),
        source,
        text: input.text,
        url: input.url,
        author: input.author,
        lang: found.lang,
        sentiment: found.sentiment,
        matched_terms: found.matched_terms,
        competitor: found.competitor,
        created_at: input.created_at.unwrap_or_else(|| state.now()),
    };
    let item = Inbound::Store {
        delivery: format!("api:mention:{id}"),
        change: Change::Mention(mention),
    };
    store_all(&state, vec![item]).await?;
    Ok(Json(json!({ "id": id })))
}

#[derive(Debug, Deserialize)]
struct PurchaseIn {
    id: String,
    customer_id: String,
    kind: PurchaseKind,
    referral_code: Option<String>,
    amount: Option<f64>,
    currency: Option<String>,
    purchased_at: Option<DateTime<Utc>>,
}

/// POST /api/purchases
pub async fn purchases(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Json<Value>, AppError> {
    authorised(&state, &headers)?;
    let input: PurchaseIn = parse_json(&body)?;
    let id = required(input.id, "id")?;
    let referral_code = input
        .referral_code
        .filter(|c| !c.trim().is_empty())
        .map(|c| {
            c.parse::<ReferralCode>()
                .map_err(|e| AppError::invalid_field("referral_code", e))
        })
        .transpose()?;
    if input.amount.is_some_and(|a| !a.is_finite() || a < 0.0) {
        return Err(AppError::invalid_field("amount", "must be a non-negative number"));
    }
    let purchase = Purchase {
        id: id.clone(),
        customer_id: required(input.customer_id, "customer_id")?,
        kind: input.kind,
        referral_code,
        amount: input.amount,
        currency: input.currency,
        purchased_at: input.purchased_at.unwrap_or_else(|| state.now()),
    };
    let item = Inbound::Store {
        delivery: format!("api:purchase:{id}"),
        change: Change::Purchase(purchase),
    };
    store_all(&state, vec![item]).await?;
    Ok(Json(json!({ "id": id })))
}

#[derive(Debug, Deserialize)]
struct SurveysIn {
    customers: Vec<Target>,
    brand: Option<String>,
}

/// Whom to ask, on which chat.
#[derive(Debug, Deserialize)]
#[serde(tag = "platform", rename_all = "snake_case")]
enum Target {
    Slack {
        user_id: String,
    },
    Telegram {
        chat_id: FlexId,
    },
    /// `phone` holds a phone number or a business-scoped user id; `user_id` only the latter.
    Whatsapp {
        phone: Option<String>,
        user_id: Option<String>,
    },
    /// Asked by email (docs/email-surveys.md). `customer_id` joins the address to a customer
    /// known under another id (their chat), so one throttle and one opt-out hold for both.
    Email {
        email: String,
        name: Option<String>,
        locale: Option<String>,
        customer_id: Option<String>,
    },
}

/// The longest name an email target may give, in characters.
const MAX_NAME_CHARS: usize = 200;

/// What an email target adds to the customer: their name, language and the address itself.
struct EmailDetails {
    name: Option<String>,
    locale: Option<String>,
    customer_id: Option<String>,
}

impl Target {
    /// The customer's chat address (and, asked by email, what else was said of them); `at`
    /// names the target in an error.
    fn identity(self, at: &str) -> Result<(Identity, Option<EmailDetails>), AppError> {
        if let Target::Email {
            email,
            name,
            locale,
            customer_id,
        } = self
        {
            let address = sarafan_core::survey_link::email_address(&email)
                .map_err(|e| AppError::invalid_field(&format!("{at}.email"), e))?;
            let clean = |v: Option<String>| v.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
            // Stored as the language the templates are chosen by ("de-AT" is "de").
            let locale = match clean(locale) {
                Some(tag) => Some(sarafan_core::templates::normalize_locale(&tag).ok_or_else(|| {
                    AppError::invalid_field(
                        &format!("{at}.locale"),
                        format!("{tag:?} is not a language tag like en or de-AT"),
                    )
                })?),
                None => None,
            };
            let name = clean(name);
            if name.as_ref().is_some_and(|n| n.chars().count() > MAX_NAME_CHARS) {
                return Err(AppError::invalid_field(
                    &format!("{at}.name"),
                    format!("is longer than {MAX_NAME_CHARS} characters"),
                ));
            }
            let details = EmailDetails {
                name,
                locale,
                customer_id: clean(customer_id),
            };
            return Ok((Identity::new(Platform::Email, address), Some(details)));
        }
        let identity = match self {
            Target::Slack { user_id } => Identity::new(Platform::Slack, user_id.trim()),
            Target::Telegram { chat_id } => Identity::new(Platform::Telegram, chat_id.0.trim()),
            // WhatsApp reports senders as digits only ("16505551234") or by business-scoped user
            // id: the address is stored in the same form.
            Target::Whatsapp { phone, user_id } => {
                let (field, given) = match (phone, user_id) {
                    (_, Some(id)) => ("user_id", id),
                    (Some(phone), None) => ("phone", phone),
                    (None, None) => return Err(missing(&format!("{at}.phone"))),
                };
                let address = whatsapp_user::address(&given).ok_or_else(|| {
                    AppError::invalid_field(
                        &format!("{at}.{field}"),
                        format!("{given:?} is neither a phone number nor a WhatsApp business-scoped user id (like US.13491208655302741918)"),
                    )
                })?;
                Identity::new(Platform::Whatsapp, address)
            }
            Target::Email { .. } => unreachable!("answered above"),
        };
        Ok((identity, None))
    }
}

/// POST /api/surveys: records the request (`Change::SurveyRequested`); outreach asks later.
/// An `Idempotency-Key` header makes a retried request count once.
pub async fn surveys(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<(StatusCode, Json<Value>), AppError> {
    authorised(&state, &headers)?;
    let input: SurveysIn = parse_json(&body)?;
    if input.customers.is_empty() {
        return Err(AppError::invalid_field("customers", "must name at least one customer"));
    }
    let now = state.now();
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(|k| k.trim().to_string())
        .filter(|k| !k.is_empty())
        .unwrap_or_else(|| format!("{}", now.timestamp_nanos_opt().unwrap_or_default()));
    let mut items = Vec::new();
    for (i, target) in input.customers.into_iter().enumerate() {
        let (identity, email) = target.identity(&format!("customers[{i}]"))?;
        if !state.config.chat_platforms.contains(&identity.platform) {
            let missing = match identity.platform {
                Platform::Email => "SURVEY_FROM, SARAFAN_LINK_SECRET and SARAFAN_PUBLIC_URL are not all set",
                _ => "has no bot token configured",
            };
            return Err(AppError::bad_request(
                "platform not configured",
                format!("customers[{i}]: {} {missing}", identity.platform),
            ));
        }
        if identity.address.is_empty() {
            return Err(AppError::invalid_field(
                &format!("customers[{i}]"),
                "the address is empty",
            ));
        }
        let owner = state.store.customer_by_identity(&identity).await?;
        let mut known = match email.as_ref().and_then(|e| e.customer_id.as_deref()) {
            // The address is another customer's: moving it would leave their opt-out and
            // 90-day throttle behind, so the join is refused.
            Some(id) if owner.as_ref().is_some_and(|o| o.id != id) => {
                let owner = owner.map(|o| o.id).unwrap_or_default();
                return Err(AppError::invalid_field(
                    &format!("customers[{i}].customer_id"),
                    format!(
                        "{} already belongs to customer {owner:?}; ask it without customer_id, or under {owner:?}",
                        identity.address
                    ),
                ));
            }
            Some(id) => Some(
                state
                    .store
                    .customer(id)
                    .await?
                    .unwrap_or_else(|| Customer::new(id, now)),
            ),
            None => owner,
        };
        if let Some(details) = email {
            let customer = known.get_or_insert_with(|| Customer::new(identity.customer_id(), now));
            customer.email = Some(identity.address.clone());
            customer.name = details.name.or(customer.name.take());
            customer.locale = details.locale.or(customer.locale.take());
            if !customer.identities.contains(&identity) {
                customer.identities.push(identity.clone());
            }
        }
        items.push(Inbound::Store {
            delivery: format!("api:survey:{key}:{}", identity.customer_id()),
            change: sarafan_core::ledger::survey_request(known, identity, input.brand.clone(), now),
        });
    }
    let requested = items.len();
    store_all(&state, items).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({ "requested": requested }))))
}

/// DELETE /api/customers/{id}: erases the customer's personal data on the store, keeping the
/// anonymous aggregates. 200 with the number of records changed; 404 (the JSON error body) when
/// no customer with this id is stored, and then nothing changes.
pub async fn forget_customer(
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, AppError> {
    authorised(&state, &headers)?;
    let id = id.trim();
    if id.is_empty() {
        return Err(AppError::invalid_field("id", "is empty"));
    }
    let erasure = state.store.forget_customer(id).await?;
    tracing::info!(records = erasure.records, "customer erased");
    Ok(Json(json!({ "erased": true, "records": erasure.records })))
}
