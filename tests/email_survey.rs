//! System test of NPS by email: `sarafan serve` (on SQLite, and on DynamoDB Local) asks by email
//! through SES v2 on a local moto server; the raw MIME is taken apart (both parts, the eleven
//! links, the RFC 8058 headers); a mail scanner's GETs store nothing; the page's POST stores the
//! answer once; a detractor alerts staff in a recorded Slack; the one-click unsubscribe opts out.
//! Needs `AWS_ENDPOINT_URL` (moto) and `AWS_ENDPOINT_URL_DYNAMODB` (DynamoDB Local): scripts/test
//! starts both.

#[path = "support/browser.rs"]
mod browser;
#[path = "support/serve.rs"]
mod serve_support;

use mail_parser::MessageParser;
use sarafan_core::model::{Identity, Platform};
use sarafan_core::store::dynamodb::DynamoStore;
use sarafan_core::store::sqlite::SqliteStore;
use sarafan_core::store::Store;
use sarafan_core::survey_link::LinkSecrets;
use serde_json::{json, Value};
use serve_support::Launch;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const API_TOKEN: &str = "api-token";
/// Rotating: links are signed with the first value, and either verifies.
const LINK_SECRET: &str = "link-secret-new,link-secret-old";
const SLACK_TOKEN: &str = "xoxb-slack-bot-token";
const ALERTS: &str = "C0ALERTS";
const TG_TOKEN: &str = "123456:telegram-bot-token";
/// A customer known by their Telegram chat, later asked by email too.
const TG_CHAT: &str = "777001";
/// A customer known by their Telegram chat, first asked by email (joined), who unsubscribes there.
const TG_CHAT_UNSUBSCRIBED: &str = "777002";
const TG_WEBHOOK_SECRET: &str = "tg-webhook-secret";

fn moto() -> String {
    std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| {
        panic!(
            "AWS_ENDPOINT_URL is not set: this system test needs a moto server. scripts/test starts one; \
             by hand: `moto_server -p 5123 &` and `export AWS_ENDPOINT_URL=http://127.0.0.1:5123`"
        )
    })
}

/// The AWS settings the suite runs with, handed on to the processes it starts.
fn aws_env() -> Vec<(String, String)> {
    let mut vars = vec![("AWS_ENDPOINT_URL".to_string(), moto())];
    for (name, default) in [
        ("AWS_ENDPOINT_URL_DYNAMODB", ""),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", "us-east-1"),
    ] {
        let value = std::env::var(name).unwrap_or_else(|_| default.to_string());
        if !value.is_empty() {
            vars.push((name.to_string(), value));
        }
    }
    vars
}

fn unique() -> String {
    format!("{:x}", chrono::Utc::now().timestamp_nanos_opt().unwrap())
}

/// Which store serve runs on, and the variables that choose it.
enum StoreUnderTest {
    Sqlite(std::path::PathBuf),
    Dynamodb(String),
}

impl StoreUnderTest {
    fn env(&self) -> Vec<(String, String)> {
        match self {
            StoreUnderTest::Sqlite(db) => vec![
                ("SARAFAN_STORE".into(), "sqlite".into()),
                ("SARAFAN_DB".into(), db.display().to_string()),
            ],
            StoreUnderTest::Dynamodb(table) => vec![
                ("SARAFAN_STORE".into(), "dynamodb".into()),
                ("SARAFAN_TABLE".into(), table.clone()),
            ],
        }
    }

    async fn open(&self) -> Arc<dyn Store> {
        match self {
            StoreUnderTest::Sqlite(db) => Arc::new(SqliteStore::open(db).unwrap()),
            StoreUnderTest::Dynamodb(table) => Arc::new(DynamoStore::from_env(table.clone()).await),
        }
    }
}

/// A running `sarafan serve` (tests/support/serve.rs) with the variables it was started with.
struct Serve {
    serve: serve_support::Serve,
    env: Vec<(String, String)>,
}

impl std::ops::Deref for Serve {
    type Target = serve_support::Serve;

    fn deref(&self) -> &serve_support::Serve {
        &self.serve
    }
}

impl Serve {
    async fn start(dir: &Path, store: &StoreUnderTest, from: &str, slack: &MockServer, telegram: &MockServer) -> Serve {
        let launch = Launch::new(dir);
        let mut env = aws_env();
        env.extend(store.env());
        env.extend(
            [
                ("PATH", std::env::var("PATH").unwrap_or_default()),
                ("RUST_LOG", "info".into()),
                ("SARAFAN_API_TOKEN", API_TOKEN.into()),
                // The links in the email point at this very server.
                ("SARAFAN_PUBLIC_URL", launch.base()),
                ("SARAFAN_LINK_SECRET", LINK_SECRET.into()),
                ("SURVEY_FROM", from.into()),
                ("REFERRAL_LANDING_URL", "https://sprite.example.com/welcome".into()),
                ("SLACK_BOT_TOKEN", SLACK_TOKEN.into()),
                ("SLACK_API_URL", slack.uri()),
                ("SLACK_ALERT_CHANNEL", ALERTS.into()),
                ("TELEGRAM_BOT_TOKEN", TG_TOKEN.into()),
                ("TELEGRAM_API_URL", telegram.uri()),
                ("TELEGRAM_WEBHOOK_SECRET", TG_WEBHOOK_SECRET.into()),
                ("HN_SEARCH_URL", String::new()),
            ]
            .map(|(k, v)| (k.to_string(), v)),
        );
        let serve = launch.vars(env.clone()).start().await;
        Serve { serve, env }
    }

    /// `sarafan ARGS` with serve's settings.
    fn sarafan(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_sarafan"))
            .args(args)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .output()
            .unwrap()
    }

    async fn surveys(&self, body: Value) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}/api/surveys", self.base))
            .bearer_auth(API_TOKEN)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, url: &str) -> (u16, String) {
        let r = self.http.get(url).send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    async fn post_form(&self, url: &str, fields: &[(&str, &str)]) -> (u16, String) {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let r = self
            .http
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }
}

/// GET over plain HTTP/1.0 from the local moto server.
fn http_get(endpoint: &str, path: &str) -> String {
    let host = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(host).expect("the moto server answers");
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP response");
    assert!(head.contains(" 200 "), "{head}");
    body.to_string()
}

/// Every raw message moto captured from `source`, wherever in data.json it keeps them.
fn raw_messages_from(data: &Value, source: &str, found: &mut Vec<String>) {
    match data {
        Value::Object(map) => {
            if map.get("source").and_then(|s| s.as_str()) == Some(source) {
                if let Some(raw) = map.get("raw_data").and_then(|r| r.as_str()) {
                    found.push(raw.to_string());
                }
            }
            map.values().for_each(|v| raw_messages_from(v, source, found));
        }
        Value::Array(items) => items.iter().for_each(|v| raw_messages_from(v, source, found)),
        _ => {}
    }
}

/// The raw messages sent from `from` to `to`, as moto holds them now.
fn mails(from: &str, to: &str) -> Vec<String> {
    let data: Value = serde_json::from_str(&http_get(&moto(), "/moto-api/data.json")).unwrap();
    let mut raws = Vec::new();
    raw_messages_from(&data["ses"], from, &mut raws);
    raws.into_iter()
        .filter(|raw| {
            MessageParser::default()
                .parse(raw.as_bytes())
                .and_then(|m| {
                    m.to()
                        .and_then(|a| a.first())
                        .and_then(|a| a.address())
                        .map(str::to_string)
                })
                .as_deref()
                == Some(to)
        })
        .collect()
}

async fn wait_for_mails(serve: &Serve, from: &str, to: &str, count: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let found = mails(from, to);
        if found.len() >= count {
            return found;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {count} emails to {to} after 30 s\n{}",
            found.len(),
            serve.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// One survey email, taken apart.
struct SurveyMail {
    subject: String,
    text: String,
    html: String,
    list_unsubscribe: String,
    list_unsubscribe_post: String,
    /// The eleven score links, 0 to 10, as the HTML part has them.
    links: Vec<String>,
    unsubscribe: String,
}

fn take_apart(raw: &str) -> SurveyMail {
    let message = MessageParser::default().parse(raw.as_bytes()).expect("a MIME message");
    let text = message.body_text(0).expect("a text/plain part").to_string();
    let html = message.body_html(0).expect("a text/html part").to_string();
    assert_eq!(message.text_body.len(), 1);
    assert_eq!(message.html_body.len(), 1);
    // Raw header values: mail-parser reads List-* as URLs or text.
    let raw_header = |name: &str| {
        raw.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .unwrap_or_else(|| panic!("no {name} header in\n{raw}"))
            .trim()
            .to_string()
    };
    let links: Vec<String> = html
        .split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .filter(|l| l.contains("?score="))
        .map(|l| l.replace("&amp;", "&"))
        .collect();
    let unsubscribe = html
        .split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .find(|l| l.ends_with("/unsubscribe"))
        .expect("an unsubscribe link in the footer")
        .to_string();
    SurveyMail {
        subject: message.subject().unwrap_or_default().to_string(),
        text,
        html,
        list_unsubscribe: raw_header("List-Unsubscribe"),
        list_unsubscribe_post: raw_header("List-Unsubscribe-Post"),
        links,
        unsubscribe,
    }
}

/// The token of a survey page link (`{base}/s/{token}?score=N`).
fn token_of(link: &str) -> String {
    let after = link.split("/s/").nth(1).unwrap();
    after.split(['?', '/']).next().unwrap().to_string()
}

async fn slack() -> MockServer {
    let slack = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/chat.postMessage"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"ok": true, "channel": ALERTS, "ts": "1773150000.000100"})),
        )
        .mount(&slack)
        .await;
    Mock::given(method("POST"))
        .and(path("/chat.update"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"ok": true, "channel": ALERTS, "ts": "1773150000.000100"})),
        )
        .mount(&slack)
        .await;
    slack
}

/// Slack calls to `path_` so far, their bodies as JSON (or as text).
async fn slack_calls(slack: &MockServer, path_: &str) -> Vec<Value> {
    slack
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() == path_)
        .map(|r| {
            serde_json::from_slice(&r.body).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&r.body).into()))
        })
        .collect()
}

async fn verified_sender() -> String {
    let from = format!("nps-{}@sprite.example", unique());
    let config = sarafan_core::aws::sdk_config().await;
    aws_sdk_sesv2::Client::new(&config)
        .create_email_identity()
        .email_identity(&from)
        .send()
        .await
        .expect("CreateEmailIdentity on moto");
    from
}

async fn responses(store: &Arc<dyn Store>, customer_id: &str) -> Vec<sarafan_core::model::Response> {
    store.responses_of(customer_id).await.unwrap()
}

async fn end_to_end(store_kind: StoreUnderTest, dir: &Path) {
    for (name, value) in aws_env() {
        std::env::set_var(name, value);
    }
    let from = verified_sender().await;
    let slack = slack().await;
    let telegram = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/bot{TG_TOKEN}/sendMessage")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true, "result": {"message_id": 77}})))
        .mount(&telegram)
        .await;
    let serve = Serve::start(dir, &store_kind, &from, &slack, &telegram).await;
    let store = store_kind.open().await;
    let run = unique();
    let anna = format!("anna-{run}@example.com");
    let petr = format!("petr-{run}@example.cz");
    let olga = format!("olga-{run}@example.com");

    // A bad address is refused naming the field, and nothing is asked.
    let (status, body) = serve
        .surveys(json!({"customers": [{"platform": "email", "email": "anna at example.com"}]}))
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["detail"].as_str().unwrap().starts_with("customers[0].email:"),
        "{body}"
    );
    let (status, body) = serve
        .surveys(json!({"customers": [{"platform": "email", "email": anna, "locale": "not a locale"}]}))
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["detail"].as_str().unwrap().starts_with("customers[0].locale:"),
        "{body}"
    );
    let bad = serve.sarafan(&["ask", "--platform", "email", "--to", "anna@"]);
    assert_eq!(bad.status.code(), Some(2), "{}", String::from_utf8_lossy(&bad.stderr));

    // `sarafan check` sees the channel set up.
    let check = serve.sarafan(&["check"]);
    let report = String::from_utf8_lossy(&check.stdout);
    let line = report
        .lines()
        .find(|l| l.contains("email surveys"))
        .unwrap_or_else(|| panic!("{report}"));
    assert!(line.contains("ok"), "{line}");

    // Asked by the CLI (in any case of the address) and by the API.
    let asked = serve.sarafan(&["ask", "--platform", "email", "--to", &anna.to_uppercase()]);
    assert!(asked.status.success(), "{}", String::from_utf8_lossy(&asked.stderr));
    assert_eq!(String::from_utf8_lossy(&asked.stdout).trim(), format!("email:{anna}"));
    // A name past 200 characters is refused naming the field, and nothing is asked.
    let (status, body) = serve
        .surveys(json!({"customers": [{"platform": "email", "email": petr, "name": "P".repeat(201)}]}))
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["detail"].as_str().unwrap().starts_with("customers[0].name:"),
        "{body}"
    );
    let cara = format!("cara-{run}@example.com");
    let nina = format!("nina-{run}@example.com");
    let uma = format!("uma-{run}@example.com");
    let unsubscribed_chat = format!("telegram:{TG_CHAT_UNSUBSCRIBED}");
    let (status, body) = serve
        .surveys(json!({"customers": [
            {"platform": "email", "email": petr, "name": "Petr Novák", "locale": "cs-CZ"},
            {"platform": "email", "email": olga, "name": "Olga"},
            {"platform": "email", "email": cara},
            {"platform": "email", "email": nina},
            {"platform": "email", "email": uma, "customer_id": unsubscribed_chat}
        ], "brand": "Sprite Cars"}))
        .await;
    assert_eq!((status, body), (202, json!({"requested": 5})));
    // The locale is stored as the language the templates go by.
    let petr_customer = store.customer(&format!("email:{petr}")).await.unwrap().unwrap();
    assert_eq!(petr_customer.locale.as_deref(), Some("cs"));
    assert_eq!(petr_customer.name.as_deref(), Some("Petr Novák"));

    // The email, taken apart: both parts, the eleven links, the RFC 8058 headers.
    let raw = wait_for_mails(&serve, &from, &anna, 1).await.remove(0);
    let mail = take_apart(&raw);
    assert_eq!(mail.subject, "One quick question for you");
    assert!(mail
        .text
        .contains("How likely are you to recommend us to a friend or family member?"));
    assert!(mail
        .html
        .contains("How likely are you to recommend us to a friend or family member?"));
    assert_eq!(mail.links.len(), 11, "{:?}", mail.links);
    let token = token_of(&mail.links[0]);
    for (score, link) in mail.links.iter().enumerate() {
        assert_eq!(link, &format!("{}/s/{token}?score={score}", serve.base));
        let line = format!("{score}: {link}");
        assert!(mail.text.lines().any(|l| l.trim_end() == line), "{}", mail.text);
    }
    let unsubscribe = format!("{}/s/{token}/unsubscribe", serve.base);
    assert_eq!(mail.unsubscribe, unsubscribe);
    assert!(mail.text.contains(&unsubscribe));
    assert_eq!(mail.list_unsubscribe, format!("<{unsubscribe}>"));
    assert_eq!(mail.list_unsubscribe_post, "List-Unsubscribe=One-Click");
    assert!(!mail.html.contains("<script") && !mail.html.contains("<link") && !mail.html.contains("<style"));
    assert!(mail.html.contains("<table"));

    // In the customer's language, with the brand.
    let petr_mail = take_apart(&wait_for_mails(&serve, &from, &petr, 1).await.remove(0));
    assert_eq!(petr_mail.subject, "Jedna krátká otázka");
    assert!(petr_mail
        .text
        .contains("Jak pravděpodobné je, že doporučíte Sprite Cars příteli nebo někomu z rodiny?"));
    assert_eq!(petr_mail.links.len(), 11);

    // A mail scanner opens every link: each shows the form with its score chosen, none stores.
    for (score, link) in mail.links.iter().enumerate() {
        let (status, page) = serve.get(link).await;
        assert_eq!(status, 200, "{link}");
        assert!(
            page.contains(&format!("value=\"{score}\" id=\"score-{score}\" checked")),
            "{page}"
        );
        assert_eq!(page.matches(" checked").count(), 1);
    }
    let (status, page) = serve.get(&unsubscribe).await;
    assert_eq!(status, 200);
    assert!(page.contains("Stop receiving survey emails from us?"));
    let anna_id = format!("email:{anna}");
    assert!(responses(&store, &anna_id).await.is_empty(), "a GET stored an answer");
    assert!(
        !store.customer(&anna_id).await.unwrap().unwrap().opted_out,
        "a GET unsubscribed"
    );

    // Altered, foreign and guessed tokens are refused with a page, and store nothing.
    let mut altered = token.clone().into_bytes();
    let last = altered.len() - 1;
    altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).unwrap();
    let target = LinkSecrets::parse("link-secret-new").unwrap().verify(&token).unwrap();
    let foreign = LinkSecrets::parse("someone-elses")
        .unwrap()
        .sign(&target.survey_id, &anna);
    for bad in [altered.as_str(), foreign.as_str(), "guessed", "a.b"] {
        let (status, page) = serve.get(&format!("{}/s/{bad}?score=10", serve.base)).await;
        assert_eq!(status, 404, "{bad}");
        assert!(page.contains("This survey link is not valid"), "{page}");
        let (status, _) = serve
            .post_form(&format!("{}/s/{bad}", serve.base), &[("score", "10")])
            .await;
        assert_eq!(status, 404);
        let (status, _) = serve
            .post_form(
                &format!("{}/s/{bad}/unsubscribe", serve.base),
                &[("List-Unsubscribe", "One-Click")],
            )
            .await;
        assert_eq!(status, 404);
    }
    // A link signed with the old value of the rotating secret still opens.
    let old = LinkSecrets::parse("link-secret-old")
        .unwrap()
        .sign(&target.survey_id, &anna);
    assert_eq!(serve.get(&format!("{}/s/{old}?score=9", serve.base)).await.0, 200);
    assert!(responses(&store, &anna_id).await.is_empty());
    assert!(!store.customer(&anna_id).await.unwrap().unwrap().opted_out);

    // The button: no score chosen is refused; then stored once, with its comment.
    let page_url = format!("{}/s/{token}", serve.base);
    let (status, page) = serve.post_form(&page_url, &[("comment", "great")]).await;
    assert_eq!(status, 400);
    assert!(page.contains("Please choose a score from 0 to 10."));
    let too_long = "x".repeat(2001);
    let (status, page) = serve
        .post_form(&page_url, &[("score", "10"), ("comment", &too_long)])
        .await;
    assert_eq!(status, 400);
    assert!(page.contains("under 2000 characters"));
    assert!(responses(&store, &anna_id).await.is_empty());
    // In a real browser: the score link from the email opens the page with that score chosen;
    // the person writes a comment and presses the button.
    let browser = browser::Browser::start().await;
    browser.goto(&mail.links[10]).await;
    let ten = browser.find("#score-10").await;
    assert_eq!(browser.property(&ten, "checked").await, json!(true));
    let box_ = browser.find("#comment").await;
    browser.type_text(&box_, "Anna at the desk <b>was</b> great").await;
    let send = browser.find("#send").await;
    browser.click(&send).await;
    let follow_up = browser.find("#follow-up").await;
    assert!(browser
        .text(&follow_up)
        .await
        .starts_with("Thank you, that means a lot to us!"));
    let thanks = browser.find("h1").await;
    assert_eq!(browser.text(&thanks).await, "Thank you! Your answer has been recorded.");
    assert_eq!(browser.current_url().await, page_url);
    // The comment comes back as text, exactly as typed, never as markup.
    let kept = browser.find("#comment").await;
    assert_eq!(
        browser.property(&kept, "value").await,
        json!("Anna at the desk <b>was</b> great")
    );
    assert_eq!(
        browser.eval("return document.querySelectorAll('main b').length").await,
        json!(0)
    );
    let link = browser.find("#follow-up a").await;
    let href = browser.property(&link, "href").await;
    let referral = href
        .as_str()
        .and_then(|h| h.strip_prefix(&format!("{}/r/", serve.base)))
        .expect("the promoter's referral link on the thank-you page")
        .to_string();
    browser.quit().await;
    let (status, page) = serve.get(&page_url).await;
    assert_eq!(status, 200);
    assert!(page.contains("Anna at the desk &lt;b&gt;was&lt;/b&gt; great"));
    assert!(!page.contains("<b>was</b>"));
    let stored = responses(&store, &anna_id).await;
    assert_eq!(stored.len(), 1);
    assert_eq!((stored[0].score.value(), stored[0].platform), (10, Platform::Email));
    assert_eq!(stored[0].comment.as_deref(), Some("Anna at the desk <b>was</b> great"));

    // Pressed again: the comment changes, the score and the count do not.
    let (status, page) = serve
        .post_form(&page_url, &[("score", "3"), ("comment", "Anna was great, and quick")])
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("Anna was great, and quick"));
    let (status, _) = serve
        .post_form(&page_url, &[("score", "3"), ("comment", "Anna was great, and quick")])
        .await;
    assert_eq!(status, 200);
    let stored = responses(&store, &anna_id).await;
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0].score.value(), 10);
    assert_eq!(stored[0].comment.as_deref(), Some("Anna was great, and quick"));
    // The scanner coming back later still stores nothing more.
    for link in &mail.links {
        assert_eq!(serve.get(link).await.0, 200);
    }
    assert_eq!(responses(&store, &anna_id).await.len(), 1);

    // The promoter also gets the referral link by email, the same one the page showed.
    let anna_mails = wait_for_mails(&serve, &from, &anna, 2).await;
    let thanks = MessageParser::default().parse(anna_mails[1].as_bytes()).unwrap();
    let link = format!("{}/r/{referral}", serve.base);
    assert!(
        thanks.body_text(0).unwrap().contains(&link),
        "{:?}",
        thanks.body_text(0)
    );
    assert!(thanks.body_html(0).unwrap().contains(&link));
    // The emailed code is the one derived from the link secret for this response, it is stored
    // as Anna's (read by its code), and the link leads to the landing page with it.
    let code: sarafan_core::referral::ReferralCode = referral.parse().unwrap();
    let answer_id = responses(&store, &anna_id).await.remove(0).id;
    assert_eq!(
        LinkSecrets::parse(LINK_SECRET).unwrap().referral_codes(&answer_id)[0],
        code
    );
    let stored_referral = store
        .referral(&code)
        .await
        .unwrap()
        .expect("the emailed code is stored");
    assert_eq!(stored_referral.customer_id, anna_id);
    let clicked = serve.http.get(&link).send().await.unwrap();
    assert_eq!(clicked.status().as_u16(), 302);
    assert_eq!(
        clicked.headers()["location"].to_str().unwrap(),
        format!("https://sprite.example.com/welcome?ref={referral}")
    );

    // A detractor (Czech): the page asks what went wrong, in Czech; staff hear in Slack, once.
    let petr_token = token_of(&petr_mail.links[0]);
    let petr_url = format!("{}/s/{petr_token}", serve.base);
    let (status, page) = serve.post_form(&petr_url, &[("score", "2")]).await;
    assert_eq!(status, 200);
    assert!(page.contains("lang=\"cs\""));
    assert!(
        page.contains("Mrzí nás, že jsme vás zklamali. Co se pokazilo?"),
        "{page}"
    );
    let (status, _) = serve.post_form(&petr_url, &[("score", "2")]).await;
    assert_eq!(status, 200);
    let deadline = Instant::now() + Duration::from_secs(30);
    let alerts = loop {
        let alerts: Vec<Value> = slack_calls(&slack, "/chat.postMessage")
            .await
            .into_iter()
            .filter(|m| m["channel"] == ALERTS)
            .collect();
        if !alerts.is_empty() {
            break alerts;
        }
        assert!(Instant::now() < deadline, "no detractor alert\n{}", serve.log());
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(alerts[0].to_string().contains("2/10"), "{}", alerts[0]);
    let (status, page) = serve
        .post_form(&petr_url, &[("score", "2"), ("comment", "Čekal jsem dvě hodiny")])
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("Děkujeme, že jste nám to napsali."));
    let petr_id = format!("email:{petr}");
    let stored = responses(&store, &petr_id).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].comment.as_deref(), Some("Čekal jsem dvě hodiny"));
    // The comment reaches the alert (updated in place), and staff got exactly one alert.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !slack_calls(&slack, "/chat.update")
        .await
        .iter()
        .any(|u| u.to_string().contains("Čekal jsem dvě hodiny"))
    {
        assert!(
            Instant::now() < deadline,
            "the alert never showed the comment\n{}",
            serve.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let alerts_to_staff = |calls: Vec<Value>| calls.into_iter().filter(|m| m["channel"] == ALERTS).count();
    assert_eq!(alerts_to_staff(slack_calls(&slack, "/chat.postMessage").await), 1);
    // The comment may change four more times (five in all); a sixth change is refused with a
    // page that says so, and the fifth stays.
    for edit in 2..=5 {
        let (status, _) = serve
            .post_form(
                &petr_url,
                &[("score", "2"), ("comment", &format!("Čekal jsem {edit} hodiny"))],
            )
            .await;
        assert_eq!(status, 200, "edit {edit}");
    }
    let (status, page) = serve
        .post_form(&petr_url, &[("score", "2"), ("comment", "Čekal jsem věčnost")])
        .await;
    assert_eq!(status, 409);
    assert!(page.contains("Komentář jste už změnili 5krát"), "{page}");
    let stored = responses(&store, &petr_id).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].comment.as_deref(), Some("Čekal jsem 5 hodiny"));
    assert_eq!(alerts_to_staff(slack_calls(&slack, "/chat.postMessage").await), 1);

    // Two presses of the same answer at once store one response.
    let cara_mail = take_apart(&wait_for_mails(&serve, &from, &cara, 1).await.remove(0));
    let cara_url = format!("{}/s/{}", serve.base, token_of(&cara_mail.links[0]));
    let (first, second) = tokio::join!(
        serve.post_form(&cara_url, &[("score", "8")]),
        serve.post_form(&cara_url, &[("score", "8")])
    );
    assert_eq!((first.0, second.0), (200, 200));
    let stored = responses(&store, &format!("email:{cara}")).await;
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0].score.value(), 8);

    // A newer survey sent to the same address (as outreach records it) closes the older link:
    // its POST answers 410 and stores nothing.
    let nina_mail = take_apart(&wait_for_mails(&serve, &from, &nina, 1).await.remove(0));
    let nina_identity = Identity::new(Platform::Email, nina.clone());
    let mut newer = store.latest_survey(&nina_identity).await.unwrap().unwrap();
    newer.id = format!("{}-newer", newer.id);
    newer.survey.asked_at = chrono::Utc::now();
    store
        .apply(
            &format!("test:newer:{}", newer.id),
            sarafan_core::ledger::Change::Survey(newer.clone()),
        )
        .await
        .unwrap();
    assert_eq!(store.latest_survey(&nina_identity).await.unwrap().unwrap().id, newer.id);
    let nina_url = format!("{}/s/{}", serve.base, token_of(&nina_mail.links[0]));
    let (status, page) = serve.post_form(&nina_url, &[("score", "9")]).await;
    assert_eq!(status, 410);
    assert!(page.contains("This survey has closed."), "{page}");
    assert!(responses(&store, &format!("email:{nina}")).await.is_empty());

    // Unsubscribed by email, the customer (known by their chat) is not asked in chat either.
    let uma_mail = take_apart(&wait_for_mails(&serve, &from, &uma, 1).await.remove(0));
    let (status, _) = serve
        .post_form(&uma_mail.unsubscribe, &[("List-Unsubscribe", "One-Click")])
        .await;
    assert_eq!(status, 200);
    assert!(store.customer(&unsubscribed_chat).await.unwrap().unwrap().opted_out);
    let (status, _) = serve
        .surveys(json!({"customers": [{"platform": "telegram", "chat_id": TG_CHAT_UNSUBSCRIBED}]}))
        .await;
    assert_eq!(status, 202);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !serve
        .log()
        .lines()
        .any(|l| l.contains(&unsubscribed_chat) && l.contains("opted out of surveys"))
    {
        assert!(
            Instant::now() < deadline,
            "the chat question was not refused\n{}",
            serve.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        !telegram
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .any(|r| String::from_utf8_lossy(&r.body).contains(TG_CHAT_UNSUBSCRIBED)),
        "a customer unsubscribed by email was asked in chat"
    );

    // One-click unsubscribe (RFC 8058): a GET asks, the POST opts out, once.
    let olga_mail = take_apart(&wait_for_mails(&serve, &from, &olga, 1).await.remove(0));
    let olga_id = format!("email:{olga}");
    let (status, page) = serve.get(&olga_mail.unsubscribe).await;
    assert_eq!(status, 200);
    assert!(page.contains("method=\"post\""));
    assert!(!store.customer(&olga_id).await.unwrap().unwrap().opted_out);
    for _ in 0..2 {
        let (status, page) = serve
            .post_form(&olga_mail.unsubscribe, &[("List-Unsubscribe", "One-Click")])
            .await;
        assert_eq!(status, 200);
        assert!(page.contains("send you any more surveys"), "{page}");
    }
    assert!(store.customer(&olga_id).await.unwrap().unwrap().opted_out);
    let (status, page) = serve.get(&olga_mail.links[9]).await;
    assert_eq!(status, 200);
    assert!(page.contains("send you any more surveys"));
    assert!(responses(&store, &olga_id).await.is_empty());

    // A customer asked in Telegram today, then by email joined to that customer: the 90-day
    // throttle is the customer's, whatever the channel.
    let (status, _) = serve
        .surveys(json!({"customers": [{"platform": "telegram", "chat_id": TG_CHAT}]}))
        .await;
    assert_eq!(status, 202);
    let deadline = Instant::now() + Duration::from_secs(30);
    while telegram.received_requests().await.unwrap_or_default().is_empty() {
        assert!(Instant::now() < deadline, "no Telegram question\n{}", serve.log());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let zoe = format!("zoe-{run}@example.com");
    let chat_customer = format!("telegram:{TG_CHAT}");

    // Asked again: the opted-out customer, the one answered today and the one asked in chat
    // today are skipped; a new customer asked after them gets their email, so outreach has
    // seen all three.
    let (status, _) = serve
        .surveys(json!({"customers": [
            {"platform": "email", "email": olga},
            {"platform": "email", "email": anna},
            {"platform": "email", "email": zoe, "customer_id": chat_customer}
        ]}))
        .await;
    assert_eq!(status, 202);
    let later = format!("later-{run}@example.com");
    serve
        .surveys(json!({"customers": [{"platform": "email", "email": later}]}))
        .await;
    wait_for_mails(&serve, &from, &later, 1).await;
    assert_eq!(mails(&from, &olga).len(), 1, "an opted-out customer was emailed");
    assert_eq!(
        mails(&from, &anna).len(),
        2,
        "a customer asked within 90 days was asked again"
    );
    assert!(
        mails(&from, &zoe).is_empty(),
        "a customer asked in chat today was emailed"
    );
    let joined = store
        .customer_by_identity(&Identity::new(Platform::Email, zoe.clone()))
        .await
        .unwrap()
        .expect("the address joined the chat customer");
    assert_eq!(joined.id, chat_customer);

    // An address that is another customer's cannot be joined to the chat customer: it would
    // leave Olga's opt-out behind. Refused naming the field; the address stays hers.
    let (status, body) = serve
        .surveys(json!({"customers": [{"platform": "email", "email": olga, "customer_id": chat_customer}]}))
        .await;
    assert_eq!(status, 400, "{body}");
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.starts_with("customers[0].customer_id:"), "{body}");
    assert!(detail.contains(&olga_id), "{body}");
    let owner = store
        .customer_by_identity(&Identity::new(Platform::Email, olga.clone()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(owner.id, olga_id);
    assert!(owner.opted_out);

    // "stop" in the Telegram chat (a Bot API Update, tests/fixtures/telegram/message.json):
    // then asked by email, joined to that customer, they are not emailed.
    let mut update: Value = serde_json::from_str(include_str!("fixtures/telegram/message.json")).unwrap();
    update["update_id"] = json!(730400999);
    update["message"]["chat"]["id"] = json!(TG_CHAT.parse::<i64>().unwrap());
    update["message"]["from"]["id"] = json!(TG_CHAT.parse::<i64>().unwrap());
    update["message"]["text"] = json!("stop");
    let r = serve
        .http
        .post(format!("{}/webhooks/telegram", serve.base))
        .header("X-Telegram-Bot-Api-Secret-Token", TG_WEBHOOK_SECRET)
        .header("content-type", "application/json")
        .body(update.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(store.customer(&chat_customer).await.unwrap().unwrap().opted_out);
    let yuri = format!("yuri-{run}@example.com");
    let (status, _) = serve
        .surveys(json!({"customers": [{"platform": "email", "email": yuri, "customer_id": chat_customer}]}))
        .await;
    assert_eq!(status, 202);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !serve
        .log()
        .lines()
        .any(|l| l.contains(&chat_customer) && l.contains("opted out of surveys"))
    {
        assert!(
            Instant::now() < deadline,
            "the email question was not refused\n{}",
            serve.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        mails(&from, &yuri).is_empty(),
        "a customer who said stop in chat was emailed"
    );

    // A promoter's referral link goes to the address that answered, not to another address of
    // theirs that sorts first: asked at zed@, then aaron@ joined (not asked: asked today), the
    // promoter answers at zed@.
    let two_addresses = "telegram:777004";
    let zed = format!("zed-{run}@example.com");
    let aaron = format!("aaron-{run}@example.com");
    serve
        .surveys(json!({"customers": [{"platform": "email", "email": zed, "customer_id": two_addresses}]}))
        .await;
    let zed_mail = take_apart(&wait_for_mails(&serve, &from, &zed, 1).await.remove(0));
    let (status, _) = serve
        .surveys(json!({"customers": [{"platform": "email", "email": aaron, "customer_id": two_addresses}]}))
        .await;
    assert_eq!(status, 202);
    let customer = store.customer(two_addresses).await.unwrap().unwrap();
    assert_eq!(
        customer.identities.iter().find(|i| i.platform == Platform::Email),
        Some(&Identity::new(Platform::Email, aaron.clone()))
    );
    let zed_url = format!("{}/s/{}", serve.base, token_of(&zed_mail.links[0]));
    assert_eq!(serve.post_form(&zed_url, &[("score", "10")]).await.0, 200);
    let zed_mails = wait_for_mails(&serve, &from, &zed, 2).await;
    let thanks = MessageParser::default().parse(zed_mails[1].as_bytes()).unwrap();
    assert!(thanks.body_text(0).unwrap().contains(&format!("{}/r/", serve.base)));
    assert!(
        mails(&from, &aaron).is_empty(),
        "the referral link went to another address"
    );
    let log = serve.log();
    assert!(log.contains("opted out of surveys"), "{log}");
    assert!(log.contains("asked recently"), "{log}");
    let survey = store
        .latest_survey(&Identity::new(Platform::Email, anna.clone()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(survey.id, target.survey_id, "no new survey for a throttled customer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_survey_end_to_end_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    end_to_end(StoreUnderTest::Sqlite(dir.path().join("sarafan.db")), dir.path()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_survey_end_to_end_on_dynamodb() {
    std::env::var("AWS_ENDPOINT_URL_DYNAMODB")
        .expect("this test needs DynamoDB Local: run scripts/test (it starts it and sets AWS_ENDPOINT_URL_DYNAMODB)");
    for (name, value) in aws_env() {
        std::env::set_var(name, value);
    }
    let table = sarafan_core::store::dynamodb::fresh_table("sarafan-email")
        .await
        .table()
        .to_string();
    let dir = tempfile::tempdir().unwrap();
    end_to_end(StoreUnderTest::Dynamodb(table), dir.path()).await;
}

/// SES refuses a sender it has not verified: the survey is recorded as failed with SES's
/// reason, is not counted as asked, and does not throttle the next question.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_survey_email_ses_refuses_is_recorded_as_failed_with_the_reason() {
    for (name, value) in aws_env() {
        std::env::set_var(name, value);
    }
    let dir = tempfile::tempdir().unwrap();
    let store_kind = StoreUnderTest::Sqlite(dir.path().join("sarafan.db"));
    let unverified = format!("unverified-{}@sprite.example", unique());
    let slack = slack().await;
    let telegram = MockServer::start().await;
    let serve = Serve::start(dir.path(), &store_kind, &unverified, &slack, &telegram).await;
    let store = store_kind.open().await;
    let to = format!("vera-{}@example.com", unique());
    let (status, _) = serve
        .surveys(json!({"customers": [{"platform": "email", "email": to}]}))
        .await;
    assert_eq!(status, 202);
    let identity = Identity::new(Platform::Email, to.clone());
    let deadline = Instant::now() + Duration::from_secs(30);
    let survey = loop {
        if let Some(survey) = store.latest_survey(&identity).await.unwrap() {
            if survey.survey.stage == sarafan_core::survey::SurveyStage::Failed {
                break survey;
            }
        }
        assert!(Instant::now() < deadline, "no failed survey\n{}", serve.log());
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let error = survey.error.unwrap_or_default();
    assert!(error.contains("MessageRejected"), "{error}");
    assert!(mails(&unverified, &to).is_empty());
    let customer = store.customer(&format!("email:{to}")).await.unwrap().unwrap();
    assert_eq!(
        customer.last_asked_at, None,
        "a refused question must not throttle the next"
    );
}
