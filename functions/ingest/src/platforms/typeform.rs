//! Typeform `form_response`: the `nps` or `opinion_scale` answer is the score, the first
//! long/short text answer the comment, and the customer comes from the hidden fields
//! `customer_id` and `email` (and `locale`, when the form passes one).
//!
//! The response id is `typeform:{form_response.token}`: one response per submission, however
//! often Typeform delivers it.

use crate::body::RawBody;
use crate::error::{missing, parse_json, AppError};
use crate::inbound::{store_all, Inbound};
use crate::{configured, verify, AppState};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use sarafan_core::ledger::Change;
use sarafan_core::model::{Customer, Platform, Response};
use sarafan_core::Score;
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Debug, Deserialize)]
struct Webhook {
    event_id: String,
    event_type: String,
    form_response: Option<FormResponse>,
}

#[derive(Debug, Deserialize)]
struct FormResponse {
    token: String,
    submitted_at: Option<DateTime<Utc>>,
    #[serde(default)]
    hidden: HashMap<String, serde_json::Value>,
    #[serde(default)]
    answers: Vec<Answer>,
}

#[derive(Debug, Deserialize)]
struct Answer {
    #[serde(rename = "type")]
    kind: String,
    field: Field,
    number: Option<i64>,
    text: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Field {
    #[serde(rename = "type")]
    kind: String,
}

/// Normalises a Typeform delivery (already verified).
pub fn normalise(raw: &[u8], now: DateTime<Utc>) -> Result<Vec<Inbound>, AppError> {
    let webhook: Webhook = parse_json(raw)?;
    if webhook.event_type != "form_response" {
        tracing::debug!(event_type = %webhook.event_type, "unhandled Typeform event: ignored");
        return Ok(vec![]);
    }
    let form = webhook.form_response.ok_or_else(|| missing("form_response"))?;
    let mut score = None;
    let mut comment = None;
    for (i, answer) in form.answers.iter().enumerate() {
        match (answer.field.kind.as_str(), answer.kind.as_str()) {
            ("nps" | "opinion_scale", "number") if score.is_none() => {
                let field = format!("form_response.answers[{i}].number");
                let value = answer.number.ok_or_else(|| missing(&field))?;
                score = Some(
                    Score::new(value)
                        .map_err(|_| AppError::invalid_field(&field, format!("{value} is not a 0-10 score")))?,
                );
            }
            ("long_text" | "short_text", "text") if comment.is_none() => {
                comment = answer
                    .text
                    .clone()
                    .map(|t| t.trim().to_string())
                    .filter(|t| !t.is_empty());
            }
            _ => {}
        }
    }
    let Some(score) = score else {
        tracing::warn!(event_id = %webhook.event_id, "Typeform response without an nps or opinion_scale answer: ignored");
        return Ok(vec![]);
    };
    let hidden = |name: &str| {
        form.hidden
            .get(name)
            .and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let email = hidden("email").map(str::to_string);
    let customer_id = match (hidden("customer_id"), &email) {
        (Some(id), _) => id.to_string(),
        (None, Some(email)) => format!("email:{}", email.to_lowercase()),
        (None, None) => format!("typeform:{}", form.token),
    };
    let submitted_at = form.submitted_at.unwrap_or(now);
    let locale = hidden("locale").map(str::to_string);
    let mut items = Vec::new();
    if email.is_some() || locale.is_some() {
        let mut customer = Customer::new(customer_id.clone(), submitted_at);
        customer.email = email;
        customer.locale = locale.clone();
        items.push(Inbound::Store {
            delivery: format!("typeform:{}:customer", form.token),
            change: Change::Customer(customer),
        });
    }
    items.push(Inbound::Store {
        delivery: format!("typeform:{}", webhook.event_id),
        change: Change::Response {
            response: Response {
                id: format!("typeform:{}", form.token),
                customer_id,
                platform: Platform::Typeform,
                score,
                comment,
                locale,
                submitted_at,
                brand: hidden("brand").map(str::to_string),
            },
            survey: None,
        },
    });
    Ok(items)
}

/// POST /webhooks/typeform
pub async fn form_response(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<StatusCode, AppError> {
    let secrets = configured(&state.config.typeform_secret)?;
    verify::sha256_base64(secrets, &headers, "typeform-signature", &body)?;
    store_all(&state, normalise(&body, state.now())?).await?;
    Ok(StatusCode::OK)
}
