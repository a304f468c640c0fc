//! The chat clients against recorded local servers: exact method, path, token and JSON of each call.
#![cfg(feature = "chat")]

use sarafan_core::chat::{
    ChatError, InlineButton, ListRow, Pacer, RetryPolicy, SlackClient, TelegramClient, WhatsappClient,
};
use sarafan_core::model::{MessageRef, Platform};
use secrecy::SecretString;
use serde_json::{json, Value};
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const SLACK_TOKEN: &str = "xoxb-test-token";
const TELEGRAM_TOKEN: &str = "123456:TEST-token";
const WHATSAPP_TOKEN: &str = "EAAG-test-token";

fn quick() -> RetryPolicy {
    RetryPolicy::quick(Duration::from_secs(3))
}

fn slack(server: &MockServer) -> SlackClient {
    SlackClient::new(reqwest::Client::new(), server.uri(), SecretString::from(SLACK_TOKEN))
        .with_retry(quick())
        .with_pacer(Pacer::unpaced())
}

fn telegram(base: &str) -> TelegramClient {
    TelegramClient::new(reqwest::Client::new(), base, SecretString::from(TELEGRAM_TOKEN))
        .with_retry(quick())
        .with_pacer(Pacer::unpaced())
}

fn whatsapp(server: &MockServer) -> WhatsappClient {
    WhatsappClient::new(
        reqwest::Client::new(),
        server.uri(),
        "1055",
        SecretString::from(WHATSAPP_TOKEN),
    )
    .with_retry(quick())
    .with_pacer(Pacer::unpaced())
}

fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

fn body(request: &Request) -> Value {
    serde_json::from_slice(&request.body).unwrap()
}

fn bearer(request: &Request) -> &str {
    request.headers.get("authorization").unwrap().to_str().unwrap()
}

#[tokio::test]
async fn slack_calls_are_exactly_what_the_web_api_expects() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/conversations.open"))
        .respond_with(ok(json!({"ok": true, "channel": {"id": "D024BE91L"}})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/chat.postMessage"))
        .respond_with(ok(json!({"ok": true, "channel": "C0ALERTS", "ts": "1712.0001"})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/chat.update"))
        .respond_with(ok(json!({"ok": true, "channel": "C0ALERTS", "ts": "1712.0001"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/users.info"))
        .respond_with(ok(json!({"ok": true, "user": {"id": "U0CUSTOMER", "locale": "ru-RU"}})))
        .mount(&server)
        .await;

    let client = slack(&server);
    assert_eq!(client.open_dm("U0CUSTOMER").await.unwrap(), "D024BE91L");
    let blocks = json!([{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]);
    let message = client.post_message("#alerts", "hi", Some(&blocks)).await.unwrap();
    assert_eq!(
        message,
        MessageRef {
            channel: "C0ALERTS".into(),
            ts: "1712.0001".into()
        }
    );
    client.update_message(&message, "hi again", None).await.unwrap();
    assert_eq!(
        client.user_locale("U0CUSTOMER").await.unwrap().as_deref(),
        Some("ru-RU")
    );

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 4);
    for r in &requests {
        assert_eq!(bearer(r), format!("Bearer {SLACK_TOKEN}"));
    }
    assert_eq!(body(&requests[0]), json!({"users": "U0CUSTOMER"}));
    assert_eq!(
        body(&requests[1]),
        json!({"channel": "#alerts", "text": "hi", "blocks": blocks})
    );
    assert_eq!(
        body(&requests[2]),
        json!({"channel": "C0ALERTS", "ts": "1712.0001", "text": "hi again"})
    );
    assert_eq!(requests[3].method.as_str(), "GET");
    assert_eq!(requests[3].url.query(), Some("user=U0CUSTOMER&include_locale=true"));
    assert!(requests[1]
        .headers
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("application/json"));
}

#[tokio::test]
async fn slack_ok_false_is_a_permanent_error_with_slacks_reason() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/chat.postMessage"))
        .respond_with(ok(json!({"ok": false, "error": "channel_not_found"})))
        .mount(&server)
        .await;
    let err = slack(&server).post_message("C404", "hi", None).await.unwrap_err();
    assert_eq!(
        err,
        ChatError::Permanent {
            platform: Platform::Slack,
            reason: "channel_not_found".into()
        }
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1, "not retried");
}

#[tokio::test]
async fn slack_outage_beyond_the_budget_is_transient() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/chat.postMessage"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let client = slack(&server).with_retry(RetryPolicy::quick(Duration::from_millis(200)));
    let err = client.post_message("C1", "hi", None).await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    assert!(
        server.received_requests().await.unwrap().len() >= 2,
        "retried before giving up"
    );
}

#[tokio::test]
async fn telegram_send_message_with_keyboard() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/bot{TELEGRAM_TOKEN}/sendMessage")))
        .respond_with(ok(
            json!({"ok": true, "result": {"message_id": 77, "chat": {"id": 4242}}}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/bot{TELEGRAM_TOKEN}/answerCallbackQuery")))
        .respond_with(ok(json!({"ok": true, "result": true})))
        .mount(&server)
        .await;
    let client = telegram(&server.uri());
    let keyboard = vec![vec![InlineButton {
        text: "0".into(),
        callback_data: "nps:0".into(),
    }]];
    assert_eq!(
        client
            .send_message("4242", "How likely?", Some(&keyboard))
            .await
            .unwrap(),
        77
    );
    client.send_message("@sarafan_news", "plain", None).await.unwrap();
    client.answer_callback_query("cbq-1", None).await.unwrap();

    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        body(&requests[0]),
        json!({"chat_id": 4242, "text": "How likely?",
               "reply_markup": {"inline_keyboard": [[{"text": "0", "callback_data": "nps:0"}]]}})
    );
    assert_eq!(body(&requests[1]), json!({"chat_id": "@sarafan_news", "text": "plain"}));
    assert_eq!(body(&requests[2]), json!({"callback_query_id": "cbq-1"}));
    assert!(
        requests.iter().all(|r| r.headers.get("authorization").is_none()),
        "the token is in the path"
    );
}

#[tokio::test]
async fn telegram_rate_limit_waits_retry_after_then_delivers_once() {
    let server = MockServer::start().await;
    let path_ = format!("/bot{TELEGRAM_TOKEN}/sendMessage");
    Mock::given(method("POST"))
        .and(path(path_.clone()))
        .respond_with(ResponseTemplate::new(429).set_body_json(json!({
            "ok": false, "error_code": 429, "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1}})))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(path_))
        .respond_with(ok(json!({"ok": true, "result": {"message_id": 5}})))
        .mount(&server)
        .await;
    assert_eq!(telegram(&server.uri()).send_message("1", "hi", None).await.unwrap(), 5);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn telegram_blocked_bot_is_permanent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "ok": false, "error_code": 403, "description": "Forbidden: bot was blocked by the user"})))
        .mount(&server)
        .await;
    let err = telegram(&server.uri()).send_message("1", "hi", None).await.unwrap_err();
    assert!(!err.is_transient());
    assert!(err.reason().contains("bot was blocked"), "{err}");
}

#[tokio::test]
async fn the_telegram_token_never_appears_in_errors() {
    // Nothing listens on port 9 (discard) here: a connection error naming the URL would leak the token.
    let client = telegram("http://127.0.0.1:9").with_retry(RetryPolicy::quick(Duration::from_millis(50)));
    let err = client.send_message("1", "hi", None).await.unwrap_err();
    assert!(err.is_transient());
    assert!(!err.to_string().contains("TEST-token"), "{err}");
    assert!(!format!("{client:?} {err:?}").contains("TEST-token"));
}

#[tokio::test]
async fn whatsapp_text_and_list_messages() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/1055/messages"))
        .respond_with(ok(
            json!({"messaging_product": "whatsapp", "contacts": [{"input": "4207", "wa_id": "4207"}],
                                "messages": [{"id": "wamid.HBg"}]}),
        ))
        .mount(&server)
        .await;
    let client = whatsapp(&server);
    assert_eq!(client.send_text("420777", "Thanks!").await.unwrap(), "wamid.HBg");
    let rows = vec![ListRow {
        id: "nps:1".into(),
        title: "1".into(),
    }];
    client
        .send_list("420777", "How likely?", "Choose a score", "Choose a score", &rows)
        .await
        .unwrap();

    let requests = server.received_requests().await.unwrap();
    for r in &requests {
        assert_eq!(bearer(r), format!("Bearer {WHATSAPP_TOKEN}"));
    }
    assert_eq!(
        body(&requests[0]),
        json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": "420777",
               "type": "text", "text": {"preview_url": false, "body": "Thanks!"}})
    );
    assert_eq!(
        body(&requests[1]),
        json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": "420777",
               "type": "interactive", "interactive": {"type": "list", "body": {"text": "How likely?"},
               "action": {"button": "Choose a score",
                          "sections": [{"title": "Choose a score", "rows": [{"id": "nps:1", "title": "1"}]}]}}})
    );
}

#[tokio::test]
async fn a_whatsapp_user_known_by_business_scoped_id_is_sent_to_as_recipient() {
    // Meta's messages endpoint takes a BSUID in `recipient` instead of `to`; the answer names
    // the user by `user_id` (restfb's send-message-recipient-only fixture has the same shape).
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/1055/messages"))
        .respond_with(ok(json!({"messaging_product": "whatsapp",
            "contacts": [{"input": "US.13491208655302741918", "user_id": "US.13491208655302741918"}],
            "messages": [{"id": "wamid.BSUID"}]})))
        .mount(&server)
        .await;
    let client = whatsapp(&server);
    assert_eq!(
        client.send_text("US.13491208655302741918", "Thanks!").await.unwrap(),
        "wamid.BSUID"
    );
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        body(&requests[0]),
        json!({"messaging_product": "whatsapp", "recipient_type": "individual",
               "recipient": "US.13491208655302741918",
               "type": "text", "text": {"preview_url": false, "body": "Thanks!"}})
    );
}

#[tokio::test]
async fn whatsapp_errors_are_sorted_into_retry_and_refusal() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": {
            "message": "Re-engagement message", "type": "OAuthException", "code": 131047}})))
        .mount(&server)
        .await;
    let err = whatsapp(&server).send_text("1", "hi").await.unwrap_err();
    assert_eq!(
        err,
        ChatError::Permanent {
            platform: Platform::Whatsapp,
            reason: "131047 Re-engagement message".into()
        }
    );

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": {
            "message": "Rate limit hit", "type": "OAuthException", "code": 130429}})))
        .mount(&server)
        .await;
    let client = whatsapp(&server).with_retry(RetryPolicy::quick(Duration::from_millis(100)));
    assert!(client.send_text("1", "hi").await.unwrap_err().is_transient());
    // An eleven-row list is refused before any request: WhatsApp allows ten.
    let rows: Vec<ListRow> = (0..=10)
        .map(|s| ListRow {
            id: format!("nps:{s}"),
            title: s.to_string(),
        })
        .collect();
    let before = server.received_requests().await.unwrap().len();
    assert!(client.send_list("1", "b", "x", "x", &rows).await.is_err());
    assert_eq!(server.received_requests().await.unwrap().len(), before);
}
