//! What each fuzz target does with one input. Shared, as source, with the corpus replay test
//! (`functions/ingest/tests/fuzz_corpus.rs` includes this file), so a crash fixed here stays fixed
//! on stable in `scripts/test`, without libFuzzer or nightly flags.
//!
//! Every target must not panic, and checks what must hold for any input, not only "no crash":
//! a normaliser's error is a 4xx, a verified signature is one we computed, an HTTP answer is
//! never a 5xx while the store is healthy.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Request};
use axum::Router;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sarafan_core::listening::{classify, detect_language, match_mention, TermSet};
use sarafan_core::parse_score;
use sarafan_core::store::sqlite::SqliteStore;
use sarafan_ingest::error::AppError;
use sarafan_ingest::mentions::Listening;
use sarafan_ingest::platforms::{meta as meta_platform, slack, telegram as telegram_platform};
use sarafan_ingest::platforms::{typeform as typeform_platform, x as x_platform};
use sarafan_ingest::{app, verify, AppState, Config, Secrets};
use sha2::Sha256;
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;

/// 2026-03-10T12:00:00Z, the time inside the fixtures the corpora were seeded from.
pub const NOW: i64 = 1_773_144_000;

const SLACK_SECRET: &str = "slack-secret";
const TELEGRAM_SECRET: &str = "tg-secret";
const META_SECRET: &str = "meta-secret";
const X_SECRET: &str = "x-secret";
const TYPEFORM_SECRET: &str = "tf-secret";
const API_TOKEN: &str = "api-token";

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(NOW, 0).unwrap_or_default()
}

fn classifier() -> &'static Listening {
    static LISTENING: OnceLock<Listening> = OnceLock::new();
    LISTENING.get_or_init(|| Listening::new(&["Sprite".into(), "@SpriteCars".into()], &["Fanta Motors".into()]))
}

/// A normaliser may refuse a body, but only as a client error (a 4xx the platform sees).
fn refusal_is_a_client_error(result: Result<(), AppError>) {
    if let Err(e) = result {
        assert!(
            matches!(e, AppError::BadRequest { .. }),
            "a normaliser refused a body with a non-4xx error: {e:?}"
        );
    }
}

/// `POST /webhooks/slack/events` body (already verified).
pub fn slack_events(data: &[u8]) {
    refusal_is_a_client_error(slack::normalise_event(data, classifier(), now()).map(drop));
}

/// `POST /webhooks/slack/interactions` body: form-encoded `payload=<JSON>`.
pub fn slack_interactions(data: &[u8]) {
    refusal_is_a_client_error(slack::normalise_interaction(data, now()).map(drop));
}

/// `POST /webhooks/telegram` body: a Bot API `Update`.
pub fn telegram(data: &[u8]) {
    refusal_is_a_client_error(telegram_platform::normalise(data, now()).map(drop));
}

/// `POST /webhooks/meta` body: Pages, Instagram and WhatsApp notifications.
pub fn meta(data: &[u8]) {
    refusal_is_a_client_error(meta_platform::normalise(data, classifier(), now()).map(drop));
}

/// `POST /webhooks/x` body: Account Activity events.
pub fn x(data: &[u8]) {
    refusal_is_a_client_error(x_platform::normalise(data, classifier(), now()).map(drop));
}

/// `POST /webhooks/typeform` body: a `form_response`.
pub fn typeform(data: &[u8]) {
    refusal_is_a_client_error(typeform_platform::normalise(data, Some("score"), now()).map(drop));
}

/// The free-text NPS answer parser: any text either gives a 0-10 score or is refused.
pub fn score(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(score) = parse_score(&text) {
        assert!((0..=10).contains(&score.value()), "{text:?} gave {}", score.value());
    }
}

/// Splits `data` at the first `sep`: (before, after); all of it before when there is none.
fn split(data: &[u8], sep: u8) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == sep) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[]),
    }
}

/// Listening: `terms \n lang hint \n text`; brand and competitor terms both come from the input
/// (the first line, `brand|competitors`), so term parsing is fuzzed too.
pub fn listening(data: &[u8]) {
    let (terms, rest) = split(data, b'\n');
    let (hint, text) = split(rest, b'\n');
    let (terms, hint, text) = (
        String::from_utf8_lossy(terms),
        String::from_utf8_lossy(hint),
        String::from_utf8_lossy(text),
    );
    let (brand, competitors) = terms.split_once('|').unwrap_or((&terms, ""));
    let hint = Some(hint.as_ref()).filter(|h| !h.is_empty());
    let verdict = classify(&text, hint);
    assert!(
        (-1.0..=1.0).contains(&verdict.score),
        "sentiment score {} outside -1..1 for {text:?}",
        verdict.score
    );
    let _ = detect_language(&text, hint);
    let set = TermSet::parse(brand, competitors);
    let found = match_mention(&set, &text);
    let configured: Vec<&str> = set.brand_terms().chain(set.competitor_terms()).collect();
    for term in &found.matched_terms {
        assert!(
            configured.contains(&term.as_str()),
            "{term:?} matched but not configured"
        );
    }
    assert_eq!(found.is_match(), !found.matched_terms.is_empty(), "{found:?}");
}

fn hmac(secret: &str, parts: &[&[u8]]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!());
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

fn headers(pairs: &[(&'static str, &[u8])]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        // Bytes a client cannot send in a header never reach the check: skip them.
        if let Ok(value) = HeaderValue::from_bytes(value) {
            map.insert(*name, value);
        }
    }
    map
}

/// The signature and token checks: `signature \0 timestamp \0 body`. For any input the check
/// must not panic, must accept the signature we compute, and must accept a given one only if it
/// is the one we compute (a forged signature never passes).
pub fn verify(data: &[u8]) {
    let (given, rest) = split(data, 0);
    let (timestamp, body) = split(rest, 0);
    // What a server can read of the header: visible ASCII only (`HeaderValue::to_str`), so a
    // timestamp padded with Unicode spaces (U+0085) is unreadable, not "1773144000" trimmed.
    let readable = HeaderValue::from_bytes(timestamp)
        .ok()
        .and_then(|v| v.to_str().ok().map(str::to_string));
    let ts = readable
        .clone()
        .unwrap_or_else(|| String::from_utf8_lossy(timestamp).into_owned());
    let at = now();
    let slack_secrets = Secrets::parse(&format!("old-secret,{SLACK_SECRET}")).unwrap_or_else(|| unreachable!());
    let slack_good = format!(
        "v0={}",
        hex::encode(hmac(SLACK_SECRET, &[b"v0:", ts.trim().as_bytes(), b":", body]))
    );
    let fresh = ts.trim().parse::<i64>().is_ok_and(|t| {
        NOW.checked_sub(t)
            .and_then(i64::checked_abs)
            .is_some_and(|skew| skew <= 300)
    });
    let accepted = |h: HeaderMap| verify::slack(&slack_secrets, &h, body, at).is_ok();
    assert_eq!(
        accepted(headers(&[
            ("x-slack-request-timestamp", timestamp),
            ("x-slack-signature", slack_good.as_bytes())
        ])),
        fresh && readable.is_some(),
        "our own Slack signature, timestamp {ts:?}"
    );
    if accepted(headers(&[
        ("x-slack-request-timestamp", timestamp),
        ("x-slack-signature", given),
    ])) {
        let given = String::from_utf8_lossy(given);
        let decoded = given.trim().strip_prefix("v0=").and_then(|h| hex::decode(h).ok());
        assert_eq!(
            decoded,
            hex::decode(&slack_good[3..]).ok(),
            "forged Slack signature {given:?}"
        );
    }

    let secrets = Secrets::parse(&format!("{META_SECRET},{X_SECRET}")).unwrap_or_else(|| unreachable!());
    let mac = hmac(META_SECRET, &[body]);
    let meta_good = format!("sha256={}", hex::encode(&mac));
    assert!(verify::meta(
        &secrets,
        &headers(&[("x-hub-signature-256", meta_good.as_bytes())]),
        body
    )
    .is_ok());
    if verify::meta(&secrets, &headers(&[("x-hub-signature-256", given)]), body).is_ok() {
        let given = String::from_utf8_lossy(given);
        let decoded = given.trim().strip_prefix("sha256=").and_then(|h| hex::decode(h).ok());
        let other = hmac(X_SECRET, &[body]);
        assert!(
            decoded == Some(mac.clone()) || decoded == Some(other),
            "forged Meta signature {given:?}"
        );
    }

    let name = "typeform-signature";
    let b64_good = format!("sha256={}", BASE64.encode(&mac));
    assert!(verify::sha256_base64(&secrets, &headers(&[(name, b64_good.as_bytes())]), name, body).is_ok());
    if verify::sha256_base64(&secrets, &headers(&[(name, given)]), name, body).is_ok() {
        let given = String::from_utf8_lossy(given);
        let decoded = given.trim().strip_prefix("sha256=").and_then(|b| BASE64.decode(b).ok());
        let other = hmac(X_SECRET, &[body]);
        assert!(
            decoded == Some(mac) || decoded == Some(other),
            "forged base64 signature {given:?}"
        );
    }

    let tokens = Secrets::parse(&format!("{TELEGRAM_SECRET},next-secret")).unwrap_or_else(|| unreachable!());
    let token_name = "x-telegram-bot-api-secret-token";
    if verify::token_header(&tokens, &headers(&[(token_name, given)]), token_name).is_ok() {
        let given = String::from_utf8_lossy(given);
        assert!(
            ["tg-secret", "next-secret"].contains(&given.trim()),
            "forged token {given:?}"
        );
    }
    if verify::bearer(&tokens, &headers(&[("authorization", given)])).is_ok() {
        let given = String::from_utf8_lossy(given);
        let token = given.trim().get(7..).map(str::trim);
        assert!(
            matches!(token, Some("tg-secret" | "next-secret")),
            "forged bearer {given:?}"
        );
    }
}

/// One router over a SQLite store in a temporary directory, built once per process.
struct Routes {
    runtime: tokio::runtime::Runtime,
    router: Router,
    _dir: tempfile::TempDir,
}

fn routes() -> &'static Routes {
    static ROUTES: OnceLock<Routes> = OnceLock::new();
    ROUTES.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temporary directory: {e}"));
        let store = SqliteStore::open(dir.path().join("sarafan.db")).unwrap_or_else(|e| panic!("store: {e}"));
        let vars = [
            ("SARAFAN_STORE", "sqlite"),
            ("SLACK_SIGNING_SECRET", SLACK_SECRET),
            ("TELEGRAM_WEBHOOK_SECRET", TELEGRAM_SECRET),
            ("META_VERIFY_TOKEN", "meta-verify"),
            ("META_APP_SECRET", META_SECRET),
            ("X_CONSUMER_SECRET", X_SECRET),
            ("TYPEFORM_SECRET", TYPEFORM_SECRET),
            ("SARAFAN_API_TOKEN", API_TOKEN),
            (
                "REFERRAL_LANDING_URL",
                "https://sprite.example/welcome?utm_source=referral",
            ),
            ("SARAFAN_BRAND_TERMS", "Sprite,@SpriteCars"),
            ("SARAFAN_COMPETITOR_TERMS", "Fanta Motors"),
            ("SLACK_BOT_TOKEN", "xoxb-test"),
            ("TELEGRAM_BOT_TOKEN", "123:test"),
            ("WHATSAPP_TOKEN", "wa-test"),
            ("WHATSAPP_PHONE_NUMBER_ID", "1055"),
        ];
        let config = Config::from_vars(&sarafan_core::settings::Vars::from_pairs(vars))
            .unwrap_or_else(|e| panic!("config: {e}"));
        let state = AppState::new(Arc::new(store), config).with_clock(Arc::new(now));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap_or_else(|e| panic!("runtime: {e}"));
        Routes {
            runtime,
            router: app(state),
            _dir: dir,
        }
    })
}

/// The POST routes, chosen by the input's first byte.
pub const ROUTES: [&str; 10] = [
    "/api/responses",
    "/api/mentions",
    "/api/purchases",
    "/api/surveys",
    "/webhooks/slack/events",
    "/webhooks/slack/interactions",
    "/webhooks/telegram",
    "/webhooks/meta",
    "/webhooks/x",
    "/webhooks/typeform",
];

/// A request to `route` with `body`, signed or authorised as that route's platform would.
pub fn signed_request(route: &str, body: Vec<u8>) -> Request<Body> {
    let req = Request::post(route).header("content-type", "application/json");
    let req = match route {
        "/webhooks/slack/events" | "/webhooks/slack/interactions" => {
            let ts = NOW.to_string();
            let signature = hex::encode(hmac(SLACK_SECRET, &[b"v0:", ts.as_bytes(), b":", &body]));
            req.header("x-slack-request-timestamp", ts)
                .header("x-slack-signature", format!("v0={signature}"))
        }
        "/webhooks/telegram" => req.header("x-telegram-bot-api-secret-token", TELEGRAM_SECRET),
        "/webhooks/meta" => req.header(
            "x-hub-signature-256",
            format!("sha256={}", hex::encode(hmac(META_SECRET, &[&body]))),
        ),
        "/webhooks/x" => req.header(
            "x-twitter-webhooks-signature",
            format!("sha256={}", BASE64.encode(hmac(X_SECRET, &[&body]))),
        ),
        "/webhooks/typeform" => req.header(
            "typeform-signature",
            format!("sha256={}", BASE64.encode(hmac(TYPEFORM_SECRET, &[&body]))),
        ),
        _ => req.header("authorization", format!("Bearer {API_TOKEN}")),
    };
    req.body(Body::from(body)).unwrap_or_else(|e| panic!("request: {e}"))
}

/// The whole handler path (verify, parse, normalise, store, answer) through `app(..).oneshot`:
/// first byte picks the route, the rest is the body, validly signed. With a healthy store no
/// body may earn a 5xx (CONTRACT: 4xx for what the caller got wrong, never a 500).
pub fn api_routes(data: &[u8]) {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let route = ROUTES[usize::from(pick) % ROUTES.len()];
    let routes = routes();
    let request = signed_request(route, body.to_vec());
    let status = routes.runtime.block_on(async {
        let answer = routes
            .router
            .clone()
            .oneshot(request)
            .await
            .unwrap_or_else(|e| match e {});
        let status = answer.status();
        let bytes = http_body_util::BodyExt::collect(answer.into_body())
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        (status, bytes)
    });
    let (status, bytes) = status;
    assert!(
        !status.is_server_error(),
        "{route} answered {status} to a signed body: {}",
        String::from_utf8_lossy(&bytes)
    );
    assert_ne!(status.as_u16(), 401, "{route} refused our own signature");
}
