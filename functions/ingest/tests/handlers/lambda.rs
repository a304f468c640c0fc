//! The same router under Lambda: requests built from an API Gateway HTTP API v2 event.

use crate::common::*;
use axum::http::StatusCode;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use sarafan_core::model::{Identity, Platform};
use sarafan_core::store::*;
use serde_json::{json, Value};

/// An API Gateway v2 event for this request, from the fixture envelope.
fn event(
    method: &str,
    path: &str,
    query: &str,
    headers: &[(&str, String)],
    body: &[u8],
    base64: bool,
) -> lambda_http::Request {
    let mut e: Value = serde_json::from_str(&fixture("apigw/http_api_v2.json")).unwrap();
    e["rawPath"] = json!(path);
    e["rawQueryString"] = json!(query);
    e["requestContext"]["http"]["method"] = json!(method);
    e["requestContext"]["http"]["path"] = json!(path);
    for (name, value) in headers {
        e["headers"][*name] = json!(value);
    }
    e["body"] = if base64 {
        json!(BASE64.encode(body))
    } else {
        json!(String::from_utf8(body.to_vec()).unwrap())
    };
    e["isBase64Encoded"] = json!(base64);
    lambda_http::request::from_str(&e.to_string()).unwrap()
}

fn slack_headers(body: &[u8]) -> Vec<(&'static str, String)> {
    vec![
        ("x-slack-request-timestamp", NOW.to_string()),
        ("x-slack-signature", slack_signature(SLACK_SECRET, NOW, body)),
    ]
}

#[tokio::test]
async fn slack_events_through_api_gateway() {
    let h = Harness::new();
    let survey = h.seed_survey(Identity::new(Platform::Slack, "U0CUSTOMER"), 1).await;
    let body = fixture("slack/message_im.json");
    let answer = send(
        h.app(),
        event(
            "POST",
            "/webhooks/slack/events",
            "",
            &slack_headers(body.as_bytes()),
            body.as_bytes(),
            false,
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        h.store.responses_of(&survey.customer_id).await.unwrap()[0]
            .score
            .value(),
        9
    );
    let bad = event(
        "POST",
        "/webhooks/slack/events",
        "",
        &slack_headers(b"other"),
        body.as_bytes(),
        false,
    );
    assert_eq!(send(h.app(), bad).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn slack_interactions_through_api_gateway_with_a_base64_body() {
    let h = Harness::new();
    h.seed_alert("alert-1").await;
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("payload", &fixture("slack/block_actions_alert_claim.json"))
        .finish();
    let mut headers = slack_headers(body.as_bytes());
    headers.push(("content-type", "application/x-www-form-urlencoded".into()));
    let answer = send(
        h.app(),
        event(
            "POST",
            "/webhooks/slack/interactions",
            "",
            &headers,
            body.as_bytes(),
            true,
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(
        h.store.alert("alert-1").await.unwrap().unwrap().claimed_by.as_deref(),
        Some("U0STAFFANNA")
    );
}

#[tokio::test]
async fn telegram_through_api_gateway() {
    let h = Harness::new();
    let survey = h.seed_survey(Identity::new(Platform::Telegram, "424242424"), 1).await;
    let body = fixture("telegram/callback_query.json");
    let headers = [("x-telegram-bot-api-secret-token", TELEGRAM_SECRET.to_string())];
    let answer = send(
        h.app(),
        event("POST", "/webhooks/telegram", "", &headers, body.as_bytes(), false),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        h.store.responses_of(&survey.customer_id).await.unwrap()[0]
            .score
            .value(),
        3
    );
}

#[tokio::test]
async fn meta_check_and_notification_through_api_gateway() {
    let h = Harness::new();
    let query = "hub.mode=subscribe&hub.challenge=CHALLENGE_ACCEPTED&hub.verify_token=meta-verify";
    let answer = send(h.app(), event("GET", "/webhooks/meta", query, &[], b"", false)).await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (StatusCode::OK, "CHALLENGE_ACCEPTED")
    );
    let body = fixture("meta/instagram_comments.json");
    let headers = [("x-hub-signature-256", meta_signature(META_SECRET, body.as_bytes()))];
    let answer = send(
        h.app(),
        event("POST", "/webhooks/meta", "", &headers, body.as_bytes(), false),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(h.mentions().await.len(), 1);
}

#[tokio::test]
async fn x_crc_and_events_through_api_gateway() {
    let h = Harness::new();
    let answer = send(
        h.app(),
        event("GET", "/webhooks/x", "crc_token=abc123", &[], b"", false),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.json()["response_token"].as_str().unwrap().starts_with("sha256="));
    let body = fixture("x/tweet_create_events.json");
    let headers = [(
        "x-twitter-webhooks-signature",
        base64_signature(X_SECRET, body.as_bytes()),
    )];
    let answer = send(
        h.app(),
        event("POST", "/webhooks/x", "", &headers, body.as_bytes(), false),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(h.mentions().await[0].id, "x:1899123456789012345");
}

#[tokio::test]
async fn typeform_through_api_gateway() {
    let h = Harness::new();
    let body = fixture("typeform/form_response.json");
    let headers = [("typeform-signature", base64_signature(TYPEFORM_SECRET, body.as_bytes()))];
    let answer = send(
        h.app(),
        event("POST", "/webhooks/typeform", "", &headers, body.as_bytes(), false),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(h.store.responses_of("crm-1042").await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_generic_api_referrals_and_health_through_api_gateway() {
    let h = Harness::new();
    let auth = [("authorization", format!("Bearer {API_TOKEN}"))];
    let body = br#"{"customer":{"id":"c9"},"score":9}"#;
    let answer = send(h.app(), event("POST", "/api/responses", "", &auth, body, false)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(h.store.responses_of("c9").await.unwrap().len(), 1);
    let code = h.seed_referral("c9").await;
    let answer = send(h.app(), event("GET", &format!("/r/{code}"), "", &[], b"", false)).await;
    assert_eq!(answer.status, StatusCode::FOUND);
    assert!(answer.headers["location"]
        .to_str()
        .unwrap()
        .ends_with(&format!("ref={code}")));
    let answer = send(h.app(), event("GET", "/health", "", &[], b"", false)).await;
    assert_eq!(answer.status, StatusCode::OK);
    let big = vec![b'a'; 300 * 1024];
    let answer = send(h.app(), event("POST", "/api/mentions", "", &auth, &big, false)).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn referral_clicks_under_api_gateway_are_told_apart_by_its_source_ip_not_the_header() {
    let h = Harness::new();
    let code = h.seed_referral("c9").await;
    let click = |source_ip: &str, forwarded: &str| {
        let mut e: Value = serde_json::from_str(&fixture("apigw/http_api_v2.json")).unwrap();
        let path = format!("/r/{code}");
        e["rawPath"] = json!(path);
        e["rawQueryString"] = json!("");
        e["requestContext"]["http"]["method"] = json!("GET");
        e["requestContext"]["http"]["path"] = json!(path);
        e["requestContext"]["http"]["sourceIp"] = json!(source_ip);
        e["headers"]["x-forwarded-for"] = json!(forwarded);
        e["body"] = Value::Null;
        lambda_http::request::from_str(&e.to_string()).unwrap()
    };
    // GIVEN one caller rotating X-Forwarded-For, and a second caller
    for i in 0..10 {
        let answer = send(h.app(), click("54.80.0.1", &format!("198.51.100.{i}"))).await;
        assert_eq!(answer.status, StatusCode::FOUND);
    }
    let answer = send(h.app(), click("54.80.0.2", "198.51.100.1")).await;
    assert_eq!(answer.status, StatusCode::FOUND);
    // THEN API Gateway's sourceIp tells them apart: two clients, two clicks
    assert_eq!(h.store.referral(&code).await.unwrap().unwrap().clicks, 2);
}

#[tokio::test]
async fn the_email_survey_pages_through_api_gateway() {
    let mut vars = all_vars();
    vars.extend([
        ("SURVEY_FROM", "nps@sprite.example".to_string()),
        ("SARAFAN_LINK_SECRET", "link-secret".to_string()),
        ("SARAFAN_PUBLIC_URL", "https://wom.sprite.example".to_string()),
    ]);
    let h = Harness::with_vars(vars);
    let survey = h
        .seed_survey(Identity::new(Platform::Email, "anna@example.com"), 1)
        .await;
    let token = sarafan_core::survey_link::LinkSecrets::parse("link-secret")
        .unwrap()
        .sign(&survey.id, "anna@example.com");
    let path = format!("/s/{token}");

    // The scanner's GET: the page, with the score chosen, and nothing stored.
    let page = send(h.app(), event("GET", &path, "score=9", &[], b"", false)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("value=\"9\" id=\"score-9\" checked"),
        "{}",
        page.body
    );
    assert!(h.store.responses_of(&survey.customer_id).await.unwrap().is_empty());

    // The button: API Gateway hands the form body over base64-encoded.
    let form = [("content-type", "application/x-www-form-urlencoded".to_string())];
    for _ in 0..2 {
        let answer = send(
            h.app(),
            event("POST", &path, "", &form, b"score=9&comment=Quick+and+kind", true),
        )
        .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    }
    let stored = h.store.responses_of(&survey.customer_id).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(
        (stored[0].score.value(), stored[0].comment.as_deref()),
        (9, Some("Quick and kind"))
    );

    // RFC 8058 one-click unsubscribe.
    let unsubscribe = format!("{path}/unsubscribe");
    let answer = send(
        h.app(),
        event("POST", &unsubscribe, "", &form, b"List-Unsubscribe=One-Click", true),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(h.store.customer(&survey.customer_id).await.unwrap().unwrap().opted_out);

    // An altered token is refused, through API Gateway as under serve.
    let altered = format!("/s/x{}", &token[1..]);
    let answer = send(h.app(), event("GET", &altered, "score=9", &[], b"", false)).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
}
