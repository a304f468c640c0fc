//! `GET /r/{code}`: a referred friend clicks a promoter's link. The click is counted and the
//! friend sent on to `REFERRAL_LANDING_URL` with `ref={code}`; an unknown code gets a 404 page.

use crate::error::AppError;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, LOCATION};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use sarafan_core::ledger::Change;
use sarafan_core::referral::ReferralCode;
use std::sync::atomic::{AtomicU64, Ordering};

/// Every click counts, so each gets its own delivery key (time plus a per-process counter).
static CLICKS: AtomicU64 = AtomicU64::new(0);

fn not_found() -> Response {
    let page = "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Link not found</title>\
                <body><h1>This referral link is not valid</h1><p>Check the link you were sent, or ask your friend for a new one.</p></body></html>";
    (StatusCode::NOT_FOUND, [(CACHE_CONTROL, "no-store")], Html(page)).into_response()
}

pub async fn click(State(state): State<AppState>, Path(code): Path<String>) -> Result<Response, AppError> {
    let Some(landing) = state.config.referral_landing_url.clone() else {
        return Ok(not_found());
    };
    let Ok(code) = code.parse::<ReferralCode>() else {
        return Ok(not_found());
    };
    if state.store.referral(&code).await?.is_none() {
        return Ok(not_found());
    }
    let now = state.now();
    let delivery = format!(
        "referral:click:{code}:{}:{}",
        now.timestamp_nanos_opt().unwrap_or_default(),
        CLICKS.fetch_add(1, Ordering::Relaxed)
    );
    crate::inbound::store_all(
        &state,
        vec![crate::inbound::Inbound::Store {
            delivery,
            change: Change::ReferralClick {
                code: code.clone(),
                at: now,
            },
        }],
    )
    .await?;
    let mut target = landing;
    target.query_pairs_mut().append_pair("ref", code.as_str());
    // no-store: a browser or proxy must not replay the redirect without the click being counted.
    Ok((
        StatusCode::FOUND,
        [(LOCATION, target.to_string()), (CACHE_CONTROL, "no-store".into())],
    )
        .into_response())
}
