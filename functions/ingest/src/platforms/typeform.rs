//! Typeform `form_response`: the `nps` answer is the score (an `opinion_scale` answer only when
//! the operator names its field ref in `TYPEFORM_SCORE_FIELD`), the first long/short text answer
//! the comment, and the customer comes from the hidden fields `customer_id` and `email` (and
//! `locale`, when the form passes one). A form with neither stores nothing: an opinion scale may
//! ask anything (Typeform's own example rates the weather 1-5), and reading it as NPS would file
//! a detractor and alert staff.
//!
//! The response id is `typeform:{form_response.token}`: one response per submission, however
//! often Typeform delivers it.

use crate::body::RawBody;
use crate::error::{acknowledge_unreadable, missing, parse_json, AppError};
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
    #[serde(rename = "ref")]
    reference: Option<String>,
}

/// Normalises a Typeform delivery (already verified). `score_field` is `TYPEFORM_SCORE_FIELD`:
/// the ref of an `opinion_scale` field read as the score when the form has no `nps` field.
pub fn normalise(raw: &[u8], score_field: Option<&str>, now: DateTime<Utc>) -> Result<Vec<Inbound>, AppError> {
    let webhook: Webhook = parse_json(raw)?;
    if webhook.event_type != "form_response" {
        tracing::debug!(event_type = %webhook.event_type, "unhandled Typeform event: ignored");
        return Ok(vec![]);
    }
    let form = webhook.form_response.ok_or_else(|| missing("form_response"))?;
    // The nps field wins wherever it stands; the named opinion scale is read only without one.
    let is_score = |answer: &Answer| {
        answer.kind == "number"
            && match answer.field.kind.as_str() {
                "nps" => true,
                "opinion_scale" => score_field.is_some_and(|f| answer.field.reference.as_deref() == Some(f)),
                _ => false,
            }
    };
    let scored = form
        .answers
        .iter()
        .enumerate()
        .filter(|(_, answer)| is_score(answer))
        .min_by_key(|(_, answer)| answer.field.kind != "nps");
    let mut score = None;
    if let Some((i, answer)) = scored {
        let field = format!("form_response.answers[{i}].number");
        let value = answer.number.ok_or_else(|| missing(&field))?;
        score = Some(
            Score::new(value).map_err(|_| AppError::invalid_field(&field, format!("{value} is not a 0-10 score")))?,
        );
    }
    let mut comment = None;
    for answer in &form.answers {
        match (answer.field.kind.as_str(), answer.kind.as_str()) {
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
        tracing::info!(
            event_id = %webhook.event_id,
            score_field = ?score_field,
            "Typeform response without an nps answer (or the TYPEFORM_SCORE_FIELD opinion scale): ignored"
        );
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
    let items = normalise(&body, state.config.typeform_score_field.as_deref(), state.now());
    store_all(
        &state,
        acknowledge_unreadable("typeform", Some(&body), items, Vec::new)?,
    )
    .await?;
    Ok(StatusCode::OK)
}
