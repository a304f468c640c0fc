//! System tests of an operator's first minutes: `sarafan serve` with nothing configured is quiet
//! (no AWS lookup, no warning), says what turns each route on, and makes an API token for the run
//! so the generic API can be tried at once.

#[path = "support/serve.rs"]
mod serve_support;

use serve_support::{Launch, Serve};
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// `sarafan serve` (tests/support/serve.rs) in `dir` with only PATH and `extra` set, up.
async fn serve(dir: &Path, extra: &[(&str, String)]) -> Serve {
    Launch::new(dir)
        .in_dir()
        .vars(extra.iter().map(|(k, v)| (*k, v)))
        .start()
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_with_nothing_configured_is_quiet_and_makes_a_token_to_try_the_api() {
    // GIVEN a laptop with no AWS: the metadata service and any AWS endpoint are a recorder here,
    // so a lookup would show (and never leave this machine)
    let aws = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(404))
        .mount(&aws)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let serve = serve(
        dir.path(),
        &[
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", aws.uri()),
            ("AWS_ENDPOINT_URL", aws.uri()),
            ("SARAFAN_LOG_FORMAT", "text".into()),
        ],
    )
    .await;
    // Background tasks (the report schedule, listening, outreach) have had time to start.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let log = serve.log();
    // THEN nothing asked AWS and nothing warned
    assert_eq!(aws.received_requests().await.unwrap().len(), 0, "{log}");
    assert!(!log.contains("WARN") && !log.contains("ERROR"), "{log}");
    // AND each route that is off says what turns it on
    assert!(
        log.contains("/r/{code}") && log.contains("off (set REFERRAL_LANDING_URL)"),
        "{log}"
    );
    assert!(log.contains("off (set TELEGRAM_WEBHOOK_SECRET)"), "{log}");
    // AND a token was made for this run, with a curl that works as printed
    let line = log
        .lines()
        .find(|l| l.contains("this run made one"))
        .unwrap_or_else(|| panic!("{log}"));
    let token = line.rsplit(' ').next().unwrap();
    assert_eq!(token.len(), 32);
    let answer = reqwest::Client::new()
        .post(serve.url("/api/responses"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(r#"{"customer": {"id": "test-1"}, "score": 9}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert!(log.contains(&format!("Authorization: Bearer {token}")), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_are_json_when_nobody_reads_them_on_a_terminal_and_no_token_is_made_when_one_is_set() {
    let dir = tempfile::tempdir().unwrap();
    let serve = serve(dir.path(), &[("SARAFAN_API_TOKEN", "operator-token".into())]).await;
    let log = serve.log();
    // Standard error is a file here: every log line is a JSON object.
    let json_lines: Vec<serde_json::Value> = log
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(
        json_lines
            .iter()
            .any(|l| l["fields"]["route"] == "/api/*" && l["fields"]["state"] == "live"),
        "{log}"
    );
    assert!(!log.contains("this run made one"), "{log}");
}

fn sarafan(args: &[&str], env: &[(&str, String)]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sarafan"));
    cmd.args(args)
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn ok_json(body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_telegram_sets_the_webhook_with_the_secret_and_only_the_updates_sarafan_reads() {
    use wiremock::matchers::{method, path};
    let telegram = MockServer::start().await;
    // Answers as the Bot API documents them (core.telegram.org/bots/api#setwebhook, #webhookinfo).
    Mock::given(method("POST"))
        .and(path("/bot123:ABC/setWebhook"))
        .respond_with(ok_json(
            serde_json::json!({"ok": true, "result": true, "description": "Webhook was set"}),
        ))
        .mount(&telegram)
        .await;
    Mock::given(method("POST"))
        .and(path("/bot123:ABC/getWebhookInfo"))
        .respond_with(ok_json(serde_json::json!({"ok": true, "result": {
            "url": "https://wom.example.com/webhooks/telegram", "has_custom_certificate": false,
            "pending_update_count": 0, "max_connections": 40, "allowed_updates": ["message", "callback_query"]}})))
        .mount(&telegram)
        .await;
    let env = [
        ("TELEGRAM_BOT_TOKEN", "123:ABC".to_string()),
        ("TELEGRAM_WEBHOOK_SECRET", "new-secret,old-secret".to_string()),
        ("TELEGRAM_API_URL", telegram.uri()),
    ];
    let out = sarafan(&["connect", "telegram", "--url", "https://wom.example.com/"], &env);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("webhook https://wom.example.com/webhooks/telegram set"));
    let requests = telegram.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    let set: serde_json::Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(
        set,
        serde_json::json!({"url": "https://wom.example.com/webhooks/telegram", "secret_token": "new-secret",
                           "allowed_updates": ["message", "callback_query"]})
    );
    // A plain-http public URL is refused before any call, and so is an unknown platform.
    let http = sarafan(&["connect", "telegram", "--url", "http://wom.example.com"], &env);
    assert_eq!(http.status.code(), Some(2));
    assert_eq!(
        sarafan(&["connect", "fax", "--url", "https://wom.example.com"], &env)
            .status
            .code(),
        Some(2)
    );
    assert_eq!(telegram.received_requests().await.unwrap().len(), 2);
    // Slack's steps carry the manifest with the URLs filled in.
    let slack = sarafan(&["connect", "slack", "--url", "https://wom.example.com"], &[]);
    let text = String::from_utf8_lossy(&slack.stdout);
    assert!(
        text.contains("request_url: https://wom.example.com/webhooks/slack/events"),
        "{text}"
    );
    assert!(!text.contains("API_URL"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_live_asks_each_chat_platform_who_the_credentials_belong_to() {
    use wiremock::matchers::{method, path};
    let slack = MockServer::start().await;
    let telegram = MockServer::start().await;
    let graph = MockServer::start().await;
    // auth.test's documented answer (docs.slack.dev/reference/methods/auth.test).
    Mock::given(method("POST"))
        .and(path("/auth.test"))
        .respond_with(ok_json(
            serde_json::json!({"ok": true, "url": "https://subarachnoid.slack.com/",
            "team": "Subarachnoid Workspace", "user": "grace", "team_id": "T12345678", "user_id": "W12345678"}),
        ))
        .mount(&slack)
        .await;
    Mock::given(method("POST"))
        .and(path("/bot123:ABC/getMe"))
        .respond_with(ok_json(
            serde_json::json!({"ok": true, "result": {"id": 123, "is_bot": true,
            "first_name": "Sprite", "username": "sprite_bot"}}),
        ))
        .mount(&telegram)
        .await;
    Mock::given(method("POST"))
        .and(path("/bot123:ABC/getWebhookInfo"))
        .respond_with(ok_json(
            serde_json::json!({"ok": true, "result": {"url": "https://wom.example.com/webhooks/telegram",
            "has_custom_certificate": false, "pending_update_count": 0}}),
        ))
        .mount(&telegram)
        .await;
    Mock::given(method("GET"))
        .and(path("/1055"))
        .respond_with(ok_json(serde_json::json!({"verified_name": "Jasper's Market",
            "display_phone_number": "+1 631-555-5555", "id": "1055", "quality_rating": "GREEN"})))
        .mount(&graph)
        .await;
    let mut env = vec![
        ("SLACK_BOT_TOKEN", "xoxb-1".to_string()),
        ("SLACK_ALERT_CHANNEL", "C1".to_string()),
        ("SLACK_API_URL", slack.uri()),
        ("TELEGRAM_BOT_TOKEN", "123:ABC".to_string()),
        ("TELEGRAM_WEBHOOK_SECRET", "s".to_string()),
        ("TELEGRAM_API_URL", telegram.uri()),
        ("WHATSAPP_TOKEN", "wa".to_string()),
        ("WHATSAPP_PHONE_NUMBER_ID", "1055".to_string()),
        ("META_APP_SECRET", "m".to_string()),
        ("META_VERIFY_TOKEN", "v".to_string()),
        ("META_GRAPH_URL", graph.uri()),
        ("HN_SEARCH_URL", String::new()),
    ];
    let out = sarafan(&["check", "--live"], &env);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("bot grace in workspace Subarachnoid Workspace"), "{text}");
    assert!(
        text.contains("bot @sprite_bot, webhook https://wom.example.com/webhooks/telegram"),
        "{text}"
    );
    assert!(text.contains("sender +1 631-555-5555 (Jasper's Market)"), "{text}");
    assert!(
        text.contains("referral links") && text.contains("set SARAFAN_PUBLIC_URL and REFERRAL_LANDING_URL"),
        "{text}"
    );
    // GIVEN the public base THEN the webhook URLs are listed, and Telegram's must be exactly there
    env.push(("SARAFAN_PUBLIC_URL", "https://wom.example.com".to_string()));
    env.push(("REFERRAL_LANDING_URL", "https://sprite.example.com/welcome".to_string()));
    let out = sarafan(&["check", "--live"], &env);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("telegram       https://wom.example.com/webhooks/telegram"),
        "{text}"
    );
    assert!(
        text.contains("slack events   https://wom.example.com/webhooks/slack/events"),
        "{text}"
    );
    env.retain(|(k, _)| *k != "SARAFAN_PUBLIC_URL");
    env.push(("SARAFAN_PUBLIC_URL", "https://elsewhere.example.com".to_string()));
    let out = sarafan(&["check", "--live"], &env);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("run sarafan connect telegram"), "{text}");
    env.retain(|(k, _)| *k != "SARAFAN_PUBLIC_URL" && *k != "REFERRAL_LANDING_URL");
    // GIVEN a revoked Slack token and half a WhatsApp configuration THEN exit 1 naming both
    let revoked = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/auth.test"))
        .respond_with(ok_json(serde_json::json!({"ok": false, "error": "invalid_auth"})))
        .mount(&revoked)
        .await;
    env.retain(|(k, _)| *k != "SLACK_API_URL" && *k != "WHATSAPP_PHONE_NUMBER_ID");
    env.push(("SLACK_API_URL", revoked.uri()));
    let out = sarafan(&["check", "--live"], &env);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("auth.test refused SLACK_BOT_TOKEN: invalid_auth"),
        "{text}"
    );
    assert!(
        text.contains("half configured: WHATSAPP_PHONE_NUMBER_ID missing"),
        "{text}"
    );
    let reason = String::from_utf8_lossy(&out.stderr);
    assert!(
        reason.contains("slack (live)") && reason.contains("whatsapp"),
        "{reason}"
    );
}

/// The test run's local AWS (DynamoDB Local and moto, started by scripts/test).
fn local_aws() -> Vec<(&'static str, String)> {
    let mut env = Vec::new();
    for name in [
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_DYNAMODB",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_REGION",
    ] {
        let value = std::env::var(name)
            .unwrap_or_else(|_| panic!("{name} is not set: run scripts/test (it starts DynamoDB Local and moto)"));
        env.push((name, value));
    }
    env
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_live_asks_dynamodb_and_ses_only_when_the_configuration_uses_them() {
    let mut env = local_aws();
    env.push(("HN_SEARCH_URL", String::new()));
    // GIVEN the store on DynamoDB, with its table created as template.yaml defines it
    let table = format!("check-{:08x}", rand::random::<u32>());
    env.push(("SARAFAN_STORE", "dynamodb".into()));
    env.push(("SARAFAN_TABLE", table.clone()));
    let created = sarafan(&["dynamodb", "create-table"], &env);
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    // AND the report's sender, an address SES has an identity for
    let from = format!("reports-{:08x}@sarafan.example", rand::random::<u32>());
    let aws = sarafan_core::aws::sdk_config().await;
    aws_sdk_sesv2::Client::new(&aws)
        .create_email_identity()
        .email_identity(&from)
        .send()
        .await
        .unwrap();
    env.push(("REPORT_FROM", from.clone()));
    env.push(("REPORT_RECIPIENTS", "team@sarafan.example".into()));
    let out = sarafan(&["check", "--live"], &env);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    // THEN the table is active with its stream, and the sender's identity is found with its
    // verification state (moto creates identities unverified, as SES does until the link in its
    // email is followed: so check says what is missing and exits 1)
    assert!(text.contains(&format!("table {table}: ACTIVE, stream on")), "{text}");
    assert!(
        text.contains(&format!("SES identity {from} NOT verified for sending")),
        "{text}"
    );
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("email (live)"));
    // AND a sender SES has never heard of is named as such
    env.retain(|(k, _)| *k != "REPORT_FROM");
    env.push(("REPORT_FROM", "nobody@unknown.example".into()));
    let out = sarafan(&["check", "--live"], &env);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        text.contains("SES has no identity for nobody@unknown.example or unknown.example"),
        "{text}"
    );
    // AND a table that does not exist is named as wrong, with exit 1
    env.retain(|(k, _)| *k != "SARAFAN_TABLE");
    env.push(("SARAFAN_TABLE", format!("{table}-missing")));
    let out = sarafan(&["check", "--live"], &env);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("dynamodb (live)") && text.contains("DescribeTable"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_token_is_made_on_an_address_others_can_reach() {
    // GIVEN serve bound to every interface without SARAFAN_API_TOKEN
    let dir = tempfile::tempdir().unwrap();
    let serve = Launch::new(dir.path()).bind("0.0.0.0").in_dir().start().await;
    // THEN no token is made: the generic API stays off, as configured
    let log = serve.log();
    assert!(!log.contains("this run made one"), "{log}");
    assert!(log.contains("off (set SARAFAN_API_TOKEN)"), "{log}");
    let answer = reqwest::Client::new()
        .post(serve.url("/api/responses"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 404);
}
