//! `GET /r/{code}`: a referred friend clicks a promoter's link. The click is counted and the
//! friend sent on to `REFERRAL_LANDING_URL` with `ref={code}`; an unknown code gets a 404 page.
//!
//! Click inflation: a client known by its address counts once per code per UTC day (the delivery
//! key holds a hash of code, day and address, so a repeat is a duplicate delivery, stored once).

use crate::error::AppError;
use crate::AppState;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::header::{CACHE_CONTROL, LOCATION};
use axum::http::{Extensions, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use sarafan_core::ledger::Change;
use sarafan_core::referral::ReferralCode;
use sha2::{Digest, Sha256};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};

/// A click from a client we cannot tell apart counts every time, so it gets its own delivery key
/// (time plus a per-process counter).
static CLICKS: AtomicU64 = AtomicU64::new(0);

/// The clicking client's address: the TCP peer under `sarafan serve`, unless it is a proxy on
/// loopback; then (and under API Gateway, which appends the caller) the last `X-Forwarded-For`
/// entry, the one added by the proxy nearest to us, which the client cannot choose.
pub fn client_address(headers: &HeaderMap, peer: Option<IpAddr>) -> Option<IpAddr> {
    if let Some(ip) = peer.filter(|ip| !ip.is_loopback()) {
        return Some(ip);
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .last()
        .and_then(|last| last.trim().parse().ok());
    forwarded.or(peer)
}

/// The delivery key of one click: per client and day when the client is known, unique otherwise.
/// The address is hashed: delivery keys are stored, and addresses are personal data.
fn click_delivery(code: &ReferralCode, client: Option<IpAddr>, now: chrono::DateTime<chrono::Utc>) -> String {
    match client {
        Some(ip) => {
            let day = now.format("%Y-%m-%d");
            let digest = Sha256::digest(format!("{code}|{day}|{ip}"));
            format!("referral:click:{code}:{day}:{}", &hex::encode(digest)[..16])
        }
        None => format!(
            "referral:click:{code}:{}:{}",
            now.timestamp_nanos_opt().unwrap_or_default(),
            CLICKS.fetch_add(1, Ordering::Relaxed)
        ),
    }
}

fn not_found() -> Response {
    let page = "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Link not found</title>\
                <body><h1>This referral link is not valid</h1><p>Check the link you were sent, or ask your friend for a new one.</p></body></html>";
    (StatusCode::NOT_FOUND, [(CACHE_CONTROL, "no-store")], Html(page)).into_response()
}

pub async fn click(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    extensions: Extensions,
) -> Result<Response, AppError> {
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
    let peer = extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let delivery = click_delivery(&code, client_address(&headers, peer), now);
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
