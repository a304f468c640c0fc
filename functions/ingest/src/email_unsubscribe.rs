//! `GET|POST /s/{token}/unsubscribe`: the unsubscribe link of a survey email. RFC 8058: the
//! mail client's one-click POST (or the confirm page's button) opts out; a GET, which mail
//! scanners make too, only asks to confirm.

use crate::body::RawBody;
use crate::email_survey::{invalid, lookup, Lookup};
use crate::error::AppError;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use sarafan_core::ledger::Change;
use sarafan_core::model::{Customer, Identity, SurveyState};
use sarafan_core::survey::SurveyStage;
use sarafan_core::templates::Key;

/// The customer a link's address belongs to, with the link's survey when it is the latest.
async fn subscriber(
    state: &AppState,
    token: &str,
) -> Result<Option<(Customer, Identity, Option<SurveyState>)>, AppError> {
    let (identity, survey) = match lookup(state, token).await? {
        Lookup::Invalid => return Ok(None),
        Lookup::Superseded { identity, .. } => (identity, None),
        Lookup::Current { identity, survey } => (identity, Some(survey)),
    };
    Ok(state
        .store
        .customer_by_identity(&identity)
        .await?
        .map(|customer| (customer, identity, survey)))
}

/// GET /s/{token}/unsubscribe: asks to confirm (a scanner's GET must not opt anyone out).
pub async fn unsubscribe_page(State(state): State<AppState>, Path(token): Path<String>) -> Result<Response, AppError> {
    let Some((customer, _, survey)) = subscriber(&state, &token).await? else {
        return Ok(invalid(&state));
    };
    let locale = unsubscribe_locale(&state, &customer, survey.as_ref());
    let page = state.page_for(Some(&locale));
    if customer.opted_out {
        return Ok(page.message(StatusCode::OK, Key::OptedOut));
    }
    Ok(page.unsubscribe())
}

fn unsubscribe_locale(state: &AppState, customer: &Customer, survey: Option<&SurveyState>) -> String {
    state.config.templates.resolve_locale(
        [survey.and_then(|s| s.locale.as_deref()), customer.locale.as_deref()],
        &state.config.default_locale,
    )
}

/// POST /s/{token}/unsubscribe: the RFC 8058 one-click POST (`List-Unsubscribe=One-Click`) or
/// the confirmation page's button. Records the opt-out (once); it holds on every channel.
pub async fn unsubscribe(
    State(state): State<AppState>,
    Path(token): Path<String>,
    RawBody(_body): RawBody,
) -> Result<Response, AppError> {
    let Some((customer, identity, survey)) = subscriber(&state, &token).await? else {
        return Ok(invalid(&state));
    };
    let locale = unsubscribe_locale(&state, &customer, survey.as_ref());
    if !customer.opted_out {
        let survey = survey.map(|mut s| {
            s.survey.stage = SurveyStage::OptedOut;
            s
        });
        let delivery = format!("email:opt_out:{}", customer.id);
        let change = Change::OptOut {
            customer_id: customer.id.clone(),
            identity: Some(identity),
            survey,
        };
        state.store.apply(&delivery, change).await?;
        tracing::info!(customer_id = %customer.id, "unsubscribed by email link");
    }
    Ok(state.page_for(Some(&locale)).message(StatusCode::OK, Key::OptedOut))
}
