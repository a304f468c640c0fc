//! `GET /r/{code}`: a referred friend clicks a promoter's link. The click is counted and the
//! friend sent on to `REFERRAL_LANDING_URL` with `ref={code}`; an unknown code gets a 404 page.
//!
//! Click inflation: a client known by its address counts once per code per UTC day (the delivery
//! key holds a hash of code, day and address, so a repeat is a duplicate delivery, stored once).
//! `X-Forwarded-For` names the client only when a proxy the operator trusts
//! (`SARAFAN_TRUSTED_PROXIES`) sent it.

use crate::config::TrustedProxies;
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

/// The clicking client's address. `peer` is who connected: the TCP peer under `sarafan serve`,
/// API Gateway's `requestContext.http.sourceIp` in Lambda. A peer that is one of the operator's
/// trusted proxies forwarded the click: then the client is the nearest `X-Forwarded-For` entry
/// (right to left) that is not itself a trusted proxy. From anyone else the header is ignored,
/// since a client can write any value there and would count as a new visitor each time.
pub fn client_address(headers: &HeaderMap, peer: Option<IpAddr>, trusted: &TrustedProxies) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.contains(peer) {
        return Some(peer);
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    for hop in hops.into_iter().rev() {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) if trusted.contains(ip) => continue,
            Ok(ip) => return Some(ip),
            // An entry that is no address: nothing to its left can be believed.
            Err(_) => break,
        }
    }
    Some(peer)
}

/// Who connected: the TCP peer (`sarafan serve`), or the caller API Gateway saw (Lambda).
fn peer_address(extensions: &Extensions) -> Option<IpAddr> {
    if let Some(ConnectInfo(addr)) = extensions.get::<ConnectInfo<SocketAddr>>() {
        return Some(addr.ip());
    }
    match extensions.get::<lambda_http::request::RequestContext>() {
        Some(lambda_http::request::RequestContext::ApiGatewayV2(context)) => {
            context.http.source_ip.as_deref().and_then(|ip| ip.parse().ok())
        }
        _ => None,
    }
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
    let client = client_address(&headers, peer_address(&extensions), &state.config.trusted_proxies);
    let delivery = click_delivery(&code, client, now);
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
