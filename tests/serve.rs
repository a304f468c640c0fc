//! System tests of `sarafan serve` over real HTTP: signed webhooks of every platform in, the
//! outreach worker talking to recorded chat APIs, and `sarafan export` reading it all back.

#[path = "support/serve.rs"]
mod serve_support;

use sarafan_core::model::{Identity, Platform};
use sarafan_core::signing::{base64_signature, meta_signature, slack_signature};
use sarafan_core::store::sqlite::SqliteStore;
use sarafan_core::store::SurveyReader;
use serde_json::{json, Value};
use serve_support::Launch;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const SLACK_SECRET: &str = "slack-signing-secret";
const TELEGRAM_SECRET: &str = "telegram-webhook-secret";
const META_SECRET: &str = "meta-app-secret";
const X_SECRET: &str = "x-consumer-secret";
const TYPEFORM_SECRET: &str = "typeform-secret";
const API_TOKEN: &str = "api-token";
const TG_TOKEN: &str = "123456:telegram-bot-token";
const SLACK_TOKEN: &str = "xoxb-slack-bot-token";
const ALERTS: &str = "C0ALERTS";
const PUBLIC_URL: &str = "https://wom.example.com";

fn fixture(rel: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// A running `sarafan serve` (tests/support/serve.rs) with its database.
struct Serve {
    serve: serve_support::Serve,
    db: PathBuf,
}

impl std::ops::Deref for Serve {
    type Target = serve_support::Serve;

    fn deref(&self) -> &serve_support::Serve {
        &self.serve
    }
}

impl Serve {
    async fn start(dir: &Path, slack: &MockServer, telegram: &MockServer) -> Serve {
        let db = dir.join("sarafan.db");
        let serve = Launch::new(dir)
            .var("RUST_LOG", "info")
            .var("SARAFAN_DB", &db)
            .var("SLACK_SIGNING_SECRET", format!("old-secret,{SLACK_SECRET}"))
            .var("TELEGRAM_WEBHOOK_SECRET", TELEGRAM_SECRET)
            .var("META_APP_SECRET", META_SECRET)
            .var("META_VERIFY_TOKEN", "meta-verify")
            .var("X_CONSUMER_SECRET", X_SECRET)
            .var("TYPEFORM_SECRET", TYPEFORM_SECRET)
            .var("SARAFAN_API_TOKEN", API_TOKEN)
            .var("SARAFAN_BRAND_TERMS", "Sprite,@SpriteCars")
            // No organic listening here: nothing leaves this machine.
            .var("HN_SEARCH_URL", "")
            .var("SARAFAN_COMPETITOR_TERMS", "Fanta Motors")
            .var("REFERRAL_LANDING_URL", "https://sprite.example.com/welcome?src=wom")
            .var("SARAFAN_PUBLIC_URL", PUBLIC_URL)
            .var("SLACK_BOT_TOKEN", SLACK_TOKEN)
            .var("SLACK_API_URL", slack.uri())
            .var("SLACK_ALERT_CHANNEL", ALERTS)
            .var("TELEGRAM_BOT_TOKEN", TG_TOKEN)
            .var("TELEGRAM_API_URL", telegram.uri())
            .start()
            .await;
        Serve { serve, db }
    }

    async fn post(&self, path: &str, headers: &[(&str, String)], body: Vec<u8>) -> (u16, String) {
        let mut req = self.http.post(self.url(path)).body(body);
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        let res = req.send().await.unwrap();
        (res.status().as_u16(), res.text().await.unwrap())
    }

    async fn slack_event(&self, event: &Value) -> (u16, String) {
        let body = event.to_string();
        let ts = chrono::Utc::now().timestamp().to_string();
        let sig = slack_signature(SLACK_SECRET, &ts, body.as_bytes());
        let headers = [
            ("x-slack-request-timestamp", ts),
            ("x-slack-signature", sig),
            ("content-type", "application/json".into()),
        ];
        self.post("/webhooks/slack/events", &headers, body.into_bytes()).await
    }

    async fn slack_interaction(&self, payload: &Value) -> (u16, String) {
        let body = format!("payload={}", urlencode(&payload.to_string()));
        let ts = chrono::Utc::now().timestamp().to_string();
        let sig = slack_signature(SLACK_SECRET, &ts, body.as_bytes());
        let headers = [
            ("x-slack-request-timestamp", ts),
            ("x-slack-signature", sig),
            ("content-type", "application/x-www-form-urlencoded".into()),
        ];
        self.post("/webhooks/slack/interactions", &headers, body.into_bytes())
            .await
    }

    async fn telegram(&self, update: &Value) -> (u16, String) {
        let headers = [("x-telegram-bot-api-secret-token", TELEGRAM_SECRET.to_string())];
        self.post("/webhooks/telegram", &headers, update.to_string().into_bytes())
            .await
    }

    async fn meta(&self, payload: &Value) -> (u16, String) {
        let body = payload.to_string();
        let sig = meta_signature(META_SECRET, body.as_bytes());
        self.post("/webhooks/meta", &[("x-hub-signature-256", sig)], body.into_bytes())
            .await
    }

    async fn x(&self, payload: &Value) -> (u16, String) {
        let body = payload.to_string();
        let sig = base64_signature(X_SECRET, body.as_bytes());
        self.post(
            "/webhooks/x",
            &[("x-twitter-webhooks-signature", sig)],
            body.into_bytes(),
        )
        .await
    }

    async fn typeform(&self, payload: &Value) -> (u16, String) {
        let body = payload.to_string();
        let sig = base64_signature(TYPEFORM_SECRET, body.as_bytes());
        self.post("/webhooks/typeform", &[("typeform-signature", sig)], body.into_bytes())
            .await
    }

    async fn api(&self, path: &str, body: Value) -> (u16, String) {
        let headers = [
            ("authorization", format!("Bearer {API_TOKEN}")),
            ("content-type", "application/json".into()),
        ];
        self.post(path, &headers, body.to_string().into_bytes()).await
    }

    /// Waits (bounded) until outreach has recorded the survey it asked `identity`. Outreach
    /// stores the survey before it sends the question, so once the question has been seen this
    /// returns at once; it stays as a check that the survey is there.
    async fn wait_for_survey(&self, platform: Platform, address: &str) {
        let store = SqliteStore::open(&self.db).unwrap();
        let identity = Identity::new(platform, address.to_string());
        let deadline = Instant::now() + Duration::from_secs(20);
        while store.latest_survey(&identity).await.unwrap().is_none() {
            assert!(
                Instant::now() < deadline,
                "no survey recorded for {identity:?}\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `sarafan export KIND` on this server's database, as JSON objects.
    fn export(&self, kind: &str) -> Vec<Value> {
        let out = Command::new(env!("CARGO_BIN_EXE_sarafan"))
            .args(["export", kind])
            .env("SARAFAN_DB", &self.db)
            .env_remove("SARAFAN_STORE")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

async fn chat_apis() -> (MockServer, MockServer) {
    let slack = MockServer::start().await;
    let telegram = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/bot{TG_TOKEN}/sendMessage")))
        .respond_with(ok(json!({"ok": true, "result": {"message_id": 77}})))
        .mount(&telegram)
        .await;
    Mock::given(method("POST"))
        .and(path("/conversations.open"))
        .respond_with(ok(json!({"ok": true, "channel": {"id": "D0CUSTOMER"}})))
        .mount(&slack)
        .await;
    Mock::given(method("POST"))
        .and(path("/chat.postMessage"))
        .respond_with(ok(json!({"ok": true, "channel": ALERTS, "ts": "1773150000.000100"})))
        .mount(&slack)
        .await;
    Mock::given(method("POST"))
        .and(path("/chat.update"))
        .respond_with(ok(json!({"ok": true, "channel": ALERTS, "ts": "1773150000.000100"})))
        .mount(&slack)
        .await;
    Mock::given(method("GET"))
        .and(path("/users.info"))
        .respond_with(ok(json!({"ok": true, "user": {"id": "U0CUSTOMER", "locale": "en-US"}})))
        .mount(&slack)
        .await;
    (slack, telegram)
}

fn body(r: &Request) -> Value {
    serde_json::from_slice(&r.body).unwrap_or(Value::Null)
}

/// Waits (bounded) until the recorded requests on `server` to `path_` satisfy `ready`.
async fn wait_for(server: &MockServer, path_: &str, serve: &Serve, ready: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let bodies: Vec<Value> = server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .filter(|r| r.url.path().ends_with(path_))
            .map(body)
            .collect();
        if ready(&bodies) {
            return bodies;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {path_}: {bodies:#?}\n{}",
            serve.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn telegram_update(update_id: u64, chat: u64, content: Value) -> Value {
    let from = json!({"id": chat, "is_bot": false, "first_name": "Olga", "language_code": "ru"});
    match content {
        Value::String(text) => json!({
            "update_id": update_id,
            "message": {"message_id": update_id, "from": from, "chat": {"id": chat, "type": "private"}, "date": 1773144000, "text": text}
        }),
        data => json!({
            "update_id": update_id,
            "callback_query": {
                "id": format!("cq{update_id}"),
                "from": from,
                "message": {"message_id": 1360, "chat": {"id": chat, "type": "private"}, "date": 1773140000, "text": "?"},
                "chat_instance": "-1",
                "data": data
            }
        }),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_platform_is_received_over_http_and_exported() {
    let dir = tempfile::tempdir().unwrap();
    let (slack, telegram) = chat_apis().await;
    let serve = Serve::start(dir.path(), &slack, &telegram).await;

    // Slack: a channel message naming the brand is a mention; its retry is stored once.
    let event = fixture("slack/message_channel.json");
    assert_eq!(serve.slack_event(&event).await.0, 200);
    assert_eq!(serve.slack_event(&event).await.0, 200);
    // Meta: a Facebook comment; Instagram: a comment.
    assert_eq!(serve.meta(&fixture("meta/facebook_feed_comment.json")).await.0, 200);
    assert_eq!(serve.meta(&fixture("meta/instagram_comments.json")).await.0, 200);
    // X: a tweet naming @SpriteCars.
    assert_eq!(serve.x(&fixture("x/tweet_create_events.json")).await.0, 200);
    // Typeform: an NPS answer with a comment, the customer from hidden fields.
    assert_eq!(serve.typeform(&fixture("typeform/form_response.json")).await.0, 200);
    // The generic API.
    let (status, answer) = serve
        .api(
            "/api/responses",
            json!({"id": "web-1", "customer": {"id": "crm-77", "locale": "de"}, "text": "Ich gebe euch eine 8", "comment": "Gut, aber teuer"}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    let (status, answer) = serve
        .api(
            "/api/responses",
            json!({"customer": {"id": "crm-78"}, "text": "7 or 8"}),
        )
        .await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer.contains("text"), "{answer}");
    let mention = json!({"id": "crawler-1", "source": "forum", "text": "Sprite service was quick and friendly", "url": "https://forum.example.com/t/1"});
    assert_eq!(serve.api("/api/mentions", mention).await.0, 200);
    let purchase =
        json!({"id": "order-1", "customer_id": "crm-77", "kind": "new", "amount": 21990.0, "currency": "EUR"});
    assert!(matches!(serve.api("/api/purchases", purchase).await.0, 200 | 202));
    // Wrong signature, wrong token: 401, nothing stored.
    let (status, _) = serve
        .post(
            "/webhooks/meta",
            &[("x-hub-signature-256", "sha256=00".into())],
            b"{}".to_vec(),
        )
        .await;
    assert_eq!(status, 401);
    let (status, _) = serve
        .post(
            "/api/mentions",
            &[("authorization", "Bearer nope".into())],
            b"{}".to_vec(),
        )
        .await;
    assert_eq!(status, 401);

    let responses = serve.export("responses");
    let ids: Vec<&str> = responses.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"web-1"), "{ids:?}");
    let web = responses.iter().find(|r| r["id"] == "web-1").unwrap();
    assert_eq!(
        (web["score"].as_u64(), web["category"].as_str()),
        (Some(8), Some("passive"))
    );
    let typeform = responses
        .iter()
        .find(|r| r["platform"] == "typeform")
        .expect("the Typeform answer");
    assert_eq!(typeform["customer_id"], "crm-1042");
    assert_eq!(responses.len(), 2, "{responses:#?}");

    let mentions = serve.export("mentions");
    let sources: std::collections::BTreeSet<&str> = mentions.iter().map(|m| m["source"].as_str().unwrap()).collect();
    for source in ["slack", "facebook", "instagram", "x", "forum"] {
        assert!(sources.contains(source), "{source} missing from {sources:?}");
    }
    assert_eq!(
        mentions.iter().filter(|m| m["source"] == "slack").count(),
        1,
        "the Slack retry was stored twice"
    );
    let facebook = mentions.iter().find(|m| m["source"] == "facebook").unwrap();
    assert_eq!(facebook["sentiment"], "negative", "{facebook}");
    assert!(facebook["matched_terms"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t == "Sprite"));
    let purchases = serve.export("purchases");
    assert_eq!(purchases.len(), 1);
    assert_eq!(purchases[0]["customer_id"], "crm-77");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telegram_detractor_gets_an_apology_and_staff_see_the_alert_and_the_comment() {
    let dir = tempfile::tempdir().unwrap();
    let (slack, telegram) = chat_apis().await;
    let serve = Serve::start(dir.path(), &slack, &telegram).await;
    let chat = 424242424u64;

    // Ask on Telegram: the question comes with an inline keyboard of 11 buttons.
    let (status, answer) = serve
        .api(
            "/api/surveys",
            json!({"customers": [{"platform": "telegram", "chat_id": chat}]}),
        )
        .await;
    assert_eq!(status, 202, "{answer}");
    let sent = wait_for(&telegram, "/sendMessage", &serve, |b| !b.is_empty()).await;
    let keyboard = &sent[0]["reply_markup"]["inline_keyboard"];
    let buttons: Vec<&str> = keyboard
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row.as_array().unwrap())
        .map(|b| b["callback_data"].as_str().unwrap())
        .collect();
    assert_eq!(buttons.len(), 11, "{keyboard}");
    assert_eq!(sent[0]["chat_id"].to_string().trim_matches('"'), chat.to_string());
    serve.wait_for_survey(Platform::Telegram, &chat.to_string()).await;

    // Click 3: an apology and a question to the customer, an alert in the staff channel.
    assert_eq!(
        serve.telegram(&telegram_update(9001, chat, json!("nps:3"))).await.0,
        200
    );
    // The same update redelivered is acted on once.
    assert_eq!(
        serve.telegram(&telegram_update(9001, chat, json!("nps:3"))).await.0,
        200
    );
    let sent = wait_for(&telegram, "/sendMessage", &serve, |b| b.len() >= 2).await;
    let follow_up = sent[1]["text"].as_str().unwrap().to_string();
    let alerts = wait_for(&slack, "/chat.postMessage", &serve, |b| {
        b.iter().any(|m| m["channel"] == ALERTS)
    })
    .await;
    let alert = alerts.iter().find(|m| m["channel"] == ALERTS).unwrap();
    assert!(alert.to_string().contains('3'), "{alert}");

    // The customer explains: the staff alert is updated with the comment.
    assert_eq!(
        serve
            .telegram(&telegram_update(9002, chat, json!("waited two hours")))
            .await
            .0,
        200
    );
    let updates = wait_for(&slack, "/chat.update", &serve, |b| {
        b.iter().any(|u| u.to_string().contains("waited two hours"))
    })
    .await;
    assert_eq!(
        updates
            .iter()
            .filter(|u| u.to_string().contains("waited two hours"))
            .count(),
        1
    );

    let responses = serve.export("responses");
    assert_eq!(responses.len(), 1, "{responses:#?}");
    assert_eq!(responses[0]["score"], 3);
    assert_eq!(responses[0]["comment"], "waited two hours");
    let alerts = serve.export("alerts");
    assert_eq!(
        alerts.iter().filter(|a| a["kind"] == "detractor").count(),
        1,
        "{alerts:#?}"
    );
    // One follow-up only, despite the redelivered click.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let sent = wait_for(&telegram, "/sendMessage", &serve, |_| true).await;
    assert_eq!(
        sent.iter().filter(|m| m["text"] == follow_up.as_str()).count(),
        1,
        "{sent:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telegram_free_text_in_russian_is_scored_and_answered_in_russian() {
    let dir = tempfile::tempdir().unwrap();
    let (slack, telegram) = chat_apis().await;
    let serve = Serve::start(dir.path(), &slack, &telegram).await;
    let chat = 555000111u64;
    serve
        .api(
            "/api/surveys",
            json!({"customers": [{"platform": "telegram", "chat_id": chat}]}),
        )
        .await;
    wait_for(&telegram, "/sendMessage", &serve, |b| !b.is_empty()).await;
    serve.wait_for_survey(Platform::Telegram, &chat.to_string()).await;
    assert_eq!(
        serve.telegram(&telegram_update(9101, chat, json!("Девять"))).await.0,
        200
    );
    let sent = wait_for(&telegram, "/sendMessage", &serve, |b| b.len() >= 2).await;
    let follow_up = sent[1]["text"].as_str().unwrap();
    assert!(
        follow_up.chars().any(|c| ('а'..='я').contains(&c)),
        "not Russian: {follow_up}"
    );
    let responses = serve.export("responses");
    assert_eq!(responses[0]["score"], 9);
    assert_eq!(responses[0]["locale"], "ru");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slack_promoter_gets_a_referral_link_whose_click_and_purchase_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let (slack, telegram) = chat_apis().await;
    let serve = Serve::start(dir.path(), &slack, &telegram).await;

    let (status, answer) = serve
        .api(
            "/api/surveys",
            json!({"customers": [{"platform": "slack", "user_id": "U0CUSTOMER"}]}),
        )
        .await;
    assert_eq!(status, 202, "{answer}");
    let opened = wait_for(&slack, "/conversations.open", &serve, |b| !b.is_empty()).await;
    assert_eq!(opened[0]["users"], "U0CUSTOMER");
    let question = wait_for(&slack, "/chat.postMessage", &serve, |b| !b.is_empty()).await;
    let buttons = question[0].to_string().matches("nps:").count();
    assert!(buttons >= 11, "{}", question[0]);
    // The Slack API calls carry the bot token.
    let requests = slack.received_requests().await.unwrap();
    assert!(requests
        .iter()
        .all(|r| r.headers.get("authorization").unwrap() == &format!("Bearer {SLACK_TOKEN}")));

    serve.wait_for_survey(Platform::Slack, "U0CUSTOMER").await;

    // Click 10.
    let mut click = fixture("slack/block_actions_nps.json");
    click["actions"][0]["action_id"] = json!("nps:10");
    click["actions"][0]["value"] = json!("nps:10");
    assert_eq!(serve.slack_interaction(&click).await.0, 200);
    let posts = wait_for(&slack, "/chat.postMessage", &serve, |b| {
        b.iter().any(|m| m.to_string().contains("/r/"))
    })
    .await;
    let thanks = posts
        .iter()
        .find(|m| m.to_string().contains("/r/"))
        .unwrap()
        .to_string();
    let at = thanks.find(&format!("{PUBLIC_URL}/r/")).expect("a personal link") + PUBLIC_URL.len() + 3;
    let code: String = thanks[at..].chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
    assert_eq!(code.len(), 9, "{thanks}");

    // A friend clicks the link: 302 to the landing page with ref added.
    let res = serve.http.get(serve.url(&format!("/r/{code}"))).send().await.unwrap();
    assert_eq!(res.status(), 302);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with("https://sprite.example.com/welcome?"),
        "{location}"
    );
    assert!(
        location.contains("src=wom") && location.contains(&format!("ref={code}")),
        "{location}"
    );
    let res = serve.http.get(serve.url("/r/zzzzzzzzz")).send().await.unwrap();
    assert_eq!(res.status(), 404);

    // ...and buys with the code: one click, one conversion.
    let purchase = json!({"id": "order-9", "customer_id": "friend-1", "kind": "new", "referral_code": code});
    assert!(matches!(serve.api("/api/purchases", purchase).await.0, 200 | 202));
    let referrals = serve.export("referrals");
    assert_eq!(referrals.len(), 1, "{referrals:#?}");
    assert_eq!(
        (referrals[0]["clicks"].as_u64(), referrals[0]["conversions"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(referrals[0]["customer_id"], "slack:U0CUSTOMER");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limited_send_is_retried_and_delivered_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let slack = MockServer::start().await;
    let telegram = MockServer::start().await;
    // Telegram answers 429 with retry_after once, then accepts.
    Mock::given(method("POST"))
        .and(path(format!("/bot{TG_TOKEN}/sendMessage")))
        .respond_with(ResponseTemplate::new(429).set_body_json(
            json!({"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 1", "parameters": {"retry_after": 1}}),
        ))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&telegram)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/bot{TG_TOKEN}/sendMessage")))
        .respond_with(ok(json!({"ok": true, "result": {"message_id": 5}})))
        .with_priority(2)
        .mount(&telegram)
        .await;
    let serve = Serve::start(dir.path(), &slack, &telegram).await;
    serve
        .api(
            "/api/surveys",
            json!({"customers": [{"platform": "telegram", "chat_id": 31337}]}),
        )
        .await;
    let sent = wait_for(&telegram, "/sendMessage", &serve, |b| b.len() >= 2).await;
    // Two attempts of the same question, and no third.
    assert_eq!(sent[0], sent[1]);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let all = telegram.received_requests().await.unwrap();
    assert_eq!(all.len(), 2, "{all:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sarafan_ask_queues_the_question_that_serve_sends() {
    let dir = tempfile::tempdir().unwrap();
    let ask = |args: &[&str], token: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sarafan"));
        cmd.arg("ask")
            .args(args)
            .env("SARAFAN_DB", dir.path().join("sarafan.db"))
            .env_remove("SARAFAN_STORE");
        match token {
            Some(t) => cmd.env("TELEGRAM_BOT_TOKEN", t),
            None => cmd.env_remove("TELEGRAM_BOT_TOKEN"),
        };
        cmd.output().unwrap()
    };
    let bad = ask(&["--platform", "fax", "--to", "1"], Some(TG_TOKEN));
    assert_eq!(bad.status.code(), Some(2));
    let unconfigured = ask(&["--platform", "telegram", "--to", "4242"], None);
    assert_eq!(unconfigured.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unconfigured.stderr).contains("platform not configured"));
    let asked = ask(&["--platform", "telegram", "--to", "4242"], Some(TG_TOKEN));
    assert!(asked.status.success(), "{}", String::from_utf8_lossy(&asked.stderr));
    assert_eq!(String::from_utf8_lossy(&asked.stdout).trim(), "telegram:4242");

    let (slack, telegram) = chat_apis().await;
    let serve = Serve::start(dir.path(), &slack, &telegram).await;
    let sent = wait_for(&telegram, "/sendMessage", &serve, |b| !b.is_empty()).await;
    assert_eq!(sent[0]["chat_id"].to_string().trim_matches('"'), "4242");
}

/// A signed Instagram `comments` change, as Meta sends it, for comment `id` saying `text`.
fn instagram_comment(id: &str, text: &str) -> Value {
    let mut payload = fixture("meta/instagram_comments.json");
    let value = &mut payload["entry"][0]["changes"][0]["value"];
    value["id"] = json!(id);
    value["text"] = json!(text);
    payload
}

const SPIKE_TITLE: &str = "Spike in negative mentions";

/// The string `key` of each object in the array `items`.
fn strings<'a>(items: &'a Value, key: &str) -> Vec<&'a str> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item[key].as_str().unwrap())
        .collect()
}

fn text_of(post: &Value) -> &str {
    post["text"].as_str().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_russian_instagram_complaint_is_stored_negative_and_alerts_staff() {
    let dir = tempfile::tempdir().unwrap();
    let (slack, telegram) = chat_apis().await;
    let serve = Serve::start(dir.path(), &slack, &telegram).await;
    let text = "Ужасный сервис в Sprite: машину держали неделю, никто не перезвонил. Больше не приеду!";

    // GIVEN a signed Instagram comment in Russian complaining about the brand, delivered twice
    let comment = instagram_comment("17990001112223334", text);
    assert_eq!(serve.meta(&comment).await.0, 200);
    assert_eq!(serve.meta(&comment).await.0, 200);

    // THEN it is stored once, in full, as a negative Russian brand mention
    let mentions = serve.export("mentions");
    assert_eq!(mentions.len(), 1, "{mentions:#?}");
    let stored = &mentions[0];
    assert_eq!(stored["id"], "instagram:17990001112223334");
    assert_eq!(stored["source"], "instagram");
    assert_eq!(stored["text"], text);
    assert_eq!(stored["lang"], "ru");
    assert_eq!(stored["sentiment"], "negative", "{stored}");
    assert_eq!(stored["matched_terms"], json!(["Sprite"]));
    assert_eq!(stored["competitor"], false);

    // AND staff see one alert in the alert channel: source, author, language, sentiment, the text.
    // Meta's `comments` change carries no permalink (only the media id), so there is no link line.
    let posts = wait_for(&slack, "/chat.postMessage", &serve, |b| !b.is_empty()).await;
    assert_eq!(posts[0]["channel"], ALERTS);
    assert_eq!(
        text_of(&posts[0]),
        format!("*Negative mention on instagram*\nCustomer: lena.drives\nLanguage: ru\nSentiment: negative\n> {text}")
    );
    let blocks = &posts[0]["blocks"];
    assert_eq!(
        strings(&blocks[1]["fields"], "text"),
        ["*Customer*\nlena.drives", "*Language*\nru", "*Sentiment*\nnegative"]
    );
    assert_eq!(blocks[2]["text"]["text"], format!("> {text}"));
    assert_eq!(
        strings(&blocks[3]["elements"], "action_id"),
        [
            "alert:claim:men-instagram:17990001112223334",
            "alert:resolve:men-instagram:17990001112223334"
        ]
    );

    let alerts = serve.export("alerts");
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    assert_eq!(
        (&alerts[0]["kind"], &alerts[0]["subject_id"], &alerts[0]["status"]),
        (
            &json!("negative_mention"),
            &json!("instagram:17990001112223334"),
            &json!("open")
        )
    );
    // The redelivered comment alerted no one again: a later mention's alert comes right after the first.
    let later = json!({"id": "after-1", "source": "forum", "text": "Sprite: ужасно, отвратительный сервис", "url": "https://forum.example.com/t/9"});
    assert_eq!(serve.api("/api/mentions", later).await.0, 200);
    let posts = wait_for(&slack, "/chat.postMessage", &serve, |b| b.len() >= 2).await;
    assert_eq!(posts.len(), 2, "{posts:#?}");
    assert!(
        text_of(&posts[1]).contains("Link: <https://forum.example.com/t/9>"),
        "{}",
        posts[1]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn six_complaints_in_an_hour_after_a_quiet_month_raise_one_spike_alert() {
    let dir = tempfile::tempdir().unwrap();
    let (slack, telegram) = chat_apis().await;
    let serve = Serve::start(dir.path(), &slack, &telegram).await;
    let now = chrono::Utc::now();
    // Complaints of the quiet month, of the burst, and the one spike alert the burst is worth.
    const OLD: usize = 7;
    const BURST: usize = 6;
    const SPIKE: usize = 1;

    // GIVEN a quiet month: a listening tool reports one complaint every four days (0.25 a day)
    for k in 0..OLD as i64 {
        let at = now - chrono::Duration::days(3 + 4 * k);
        let old = json!({
            "id": format!("forum-{k}"), "source": "forum", "text": "Sprite: долго ждали машину, ужасный сервис",
            "url": format!("https://forum.example.com/t/{k}"), "created_at": at.to_rfc3339(),
        });
        assert_eq!(serve.api("/api/mentions", old).await.0, 200);
    }
    // Each old complaint still alerts staff, with its link; none of them is news enough for a spike.
    let posts = wait_for(&slack, "/chat.postMessage", &serve, |b| b.len() >= OLD).await;
    assert!(
        text_of(&posts[0]).contains("\nLink: <https://forum.example.com/t/0>\n"),
        "{}",
        posts[0]
    );

    // WHEN six complaints arrive as Instagram comments within the hour (one with mrkdwn in it)
    let burst: Vec<String> = (0..BURST)
        .map(|i| match i {
            // Not "<3": that is a heart, and would make it no complaint.
            3 => "Sprite & co: ремонт <снова> затянули, ужасный сервис".to_string(),
            _ => format!("Sprite опять сорвали сроки ремонта, ужасный сервис (#{i})"),
        })
        .collect();
    for (i, text) in burst.iter().enumerate() {
        let comment = instagram_comment(&format!("1799000000000000{i}"), text);
        assert_eq!(serve.meta(&comment).await.0, 200);
    }
    // THEN staff get the six alerts and one spike alert
    let posts = wait_for(&slack, "/chat.postMessage", &serve, |b| b.len() >= OLD + BURST + SPIKE).await;
    // AND a seventh complaint while the spike goes on alerts staff, but is no new spike; the
    // worker handles events in order, so once its alert is out every earlier event was handled.
    let last = instagram_comment("17990000000000009", "Sprite, ужасный сервис, до сих пор жду");
    assert_eq!(serve.meta(&last).await.0, 200);
    let posts_after = wait_for(&slack, "/chat.postMessage", &serve, |b| {
        b.iter().any(|p| text_of(p).contains("до сих пор жду"))
    })
    .await;
    assert_eq!(posts_after.len(), posts.len() + 1, "{posts_after:#?}");
    let spikes: Vec<&Value> = posts_after
        .iter()
        .filter(|p| text_of(p).contains(SPIKE_TITLE))
        .collect();
    assert_eq!(spikes.len(), 1, "{spikes:#?}");
    assert_eq!(posts_after.len(), OLD + BURST + SPIKE + 1, "{posts_after:#?}");
    let spike = spikes[0];
    assert_eq!(spike["channel"], ALERTS);
    let shown = text_of(spike);
    // Five or six: the spike is raised by the complaint that tips it, whichever the worker reads first.
    assert!(
        shown.starts_with("*Spike in negative mentions: 5 in the last 24 hours (usually 0.2 a day)*")
            || shown.starts_with("*Spike in negative mentions: 6 in the last 24 hours (usually 0.2 a day)*"),
        "{shown}"
    );
    assert!(shown.contains("Sentiment: negative"), "{shown}");
    // It quotes three recent complaints of the burst, escaped for Slack.
    let quoted: Vec<&str> = shown
        .lines()
        .filter_map(|l| l.strip_prefix("> "))
        .filter(|l| l.contains("Sprite"))
        .collect();
    assert_eq!(quoted.len(), 3, "{shown}");
    let escaped: Vec<String> = burst
        .iter()
        .map(|t| t.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;"))
        .collect();
    assert!(quoted.iter().all(|q| escaped.iter().any(|e| e == q)), "{shown}");
    assert!(
        !shown.contains("<снова>") && !shown.contains(" & "),
        "customer text must be escaped: {shown}"
    );

    let alerts = serve.export("alerts");
    let kinds = |kind: &str| alerts.iter().filter(|a| a["kind"] == kind).count();
    assert_eq!(
        (kinds("spike"), kinds("negative_mention")),
        (SPIKE, OLD + BURST + 1),
        "{alerts:#?}"
    );
    let mentions = serve.export("mentions");
    assert_eq!(
        mentions.iter().filter(|m| m["sentiment"] == "negative").count(),
        OLD + BURST + 1,
        "{mentions:#?}"
    );
}
