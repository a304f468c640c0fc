//! The weekly digest's link to the month's report, end to end on SQLite: `sarafan demo` stores a
//! year and its latest month's report, `sarafan digest` posts the week (recording Slack server)
//! with the signed link, and that link opened through `sarafan serve` shows the report, every
//! chart drawn, in headless Chromium. Altered, foreign and other months' signatures are 404.

#[path = "support/browser.rs"]
mod browser;
#[path = "support/demo.rs"]
mod demo;
#[path = "support/serve.rs"]
mod serve_support;
#[path = "support/slack.rs"]
mod slack;

use browser::Browser;
use chrono::{NaiveDate, Utc};
use sarafan_core::digest::IsoWeek;
use sarafan_core::report_link;
use sarafan_core::settings::Vars;
use sarafan_core::store::sqlite::SqliteStore;
use sarafan_core::survey_link::LinkSecrets;
use sarafan_core::YearMonth;
use sarafan_reports::digest::{report_link as digest_report_link, DigestSettings, ReportLinks};
use serde_json::json;
use serve_support::{Launch, Serve};
use slack::{posts, slack_accepting};
use std::path::Path;
use std::process::{Command, Output};
use wiremock::MockServer;

const CHANNEL: &str = "C0DIGEST";
/// Links are signed with the first value; the second is an older one still accepted.
const LINK_SECRET: &str = "report-link-new,report-link-old";

/// `sarafan serve` (tests/support/serve.rs) on `db`, up.
async fn start_serve(dir: &Path, db: &Path, link_secret: Option<&str>) -> Serve {
    let launch = Launch::new(dir);
    let base = launch.base();
    let mut launch = launch
        .var("RUST_LOG", "info")
        .var("SARAFAN_DB", db)
        .var("SARAFAN_BRAND_TERMS", "Brightside Motors")
        .var("HN_SEARCH_URL", "")
        .var("SARAFAN_PUBLIC_URL", base);
    if let Some(secret) = link_secret {
        launch = launch.var("SARAFAN_LINK_SECRET", secret);
    }
    launch.start().await
}

fn sarafan_digest(week: &str, db: &Path, slack: &MockServer, vars: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sarafan"));
    cmd.args(["digest", "--week", week, "--force"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("SARAFAN_DB", db)
        .env("SARAFAN_BRAND_TERMS", "Brightside Motors")
        .env("SLACK_BOT_TOKEN", "xoxb-digest-test")
        .env("SLACK_API_URL", slack.uri())
        .env("SLACK_DIGEST_CHANNEL", CHANNEL);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run sarafan digest");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out
}

/// Every image of the page: loaded, and drawn with a size.
const IMAGES: &str = r#"
return [...document.images].map(img => ({
  alt: img.alt, complete: img.complete, natural: img.naturalWidth, shown: img.getBoundingClientRect().width,
  data: img.src.startsWith('data:image/png;base64,'),
}));
"#;

#[tokio::test]
async fn the_digest_links_to_the_months_report_and_the_link_opens_it_in_a_browser_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let demo::Demo { db, month, .. } = demo::demo(dir.path());
    let serve = start_serve(dir.path(), &db, Some(LINK_SECRET)).await;
    let secrets = LinkSecrets::parse(LINK_SECRET).unwrap();
    let link = format!(
        "{}/reports/{month}/{}",
        serve.base,
        report_link::signature(&secrets, month)
    );

    // GIVEN a week whose Sunday is in the month of the stored report
    let mid = NaiveDate::from_ymd_opt(month.year(), month.month(), 15).unwrap();
    let week = IsoWeek::of(mid).to_string();
    let slack = slack_accepting().await;
    // WHEN the digest is posted with SARAFAN_PUBLIC_URL and SARAFAN_LINK_SECRET set
    sarafan_digest(
        &week,
        &db,
        &slack,
        &[
            ("SARAFAN_PUBLIC_URL", &format!("{}/", serve.base)),
            ("SARAFAN_LINK_SECRET", LINK_SECRET),
        ],
    );
    // THEN its blocks end with the link to that month's report, then the context line
    let sent = posts(&slack).await;
    assert_eq!(sent.len(), 1);
    let blocks = sent[0]["blocks"].as_array().unwrap();
    assert_eq!(blocks.len(), 7, "{blocks:?}");
    assert_eq!(
        blocks[5],
        json!({"type": "section", "text": {"type": "mrkdwn", "text": format!("*Monthly report*: <{link}|{month} report>")}})
    );
    assert_eq!(blocks[6]["type"], "context");

    // Opening it answers the report, not to be cached, sent on or framed
    let http = reqwest::Client::new();
    let answer = http.get(&link).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    let header = |name: &str| answer.headers()[name].to_str().unwrap().to_string();
    assert_eq!(header("content-type"), "text/html; charset=utf-8");
    assert_eq!(header("cache-control"), "no-store");
    assert_eq!(header("referrer-policy"), "no-referrer");
    assert_eq!(
        header("content-security-policy"),
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
    );
    let html = answer.text().await.unwrap();
    assert!(
        html.contains(&format!("<title>Brightside Motors — Word of mouth, {month}</title>")),
        "{}",
        &html[..400.min(html.len())]
    );
    assert!(!html.contains("cid:"), "a browser cannot load cid: images");

    // In Chromium, under that CSP, every chart loads and is drawn
    let browser = Browser::start().await;
    browser.goto(&link).await;
    let images = browser.eval(IMAGES).await;
    let images = images.as_array().unwrap();
    assert_eq!(images.len(), 6, "the report's six charts: {images:?}");
    for img in images {
        assert_eq!(img["complete"], true, "{img}");
        assert_eq!(img["data"], true, "{img}");
        assert!(img["natural"].as_f64().unwrap() > 0.0, "not loaded: {img}");
        assert!(img["shown"].as_f64().unwrap() > 0.0, "not drawn: {img}");
    }
    browser.quit().await;

    // A link signed with the older secret value still opens it
    let old = LinkSecrets::parse("report-link-old").unwrap();
    let by_old = format!("{}/reports/{month}/{}", serve.base, report_link::signature(&old, month));
    assert_eq!(http.get(&by_old).send().await.unwrap().status(), 200);

    // Everything else is the same 404: an altered signature, another month's, one signed with
    // another secret, none, a month not stored but properly signed, a survey token's signature
    let sig = report_link::signature(&secrets, month);
    let mut altered = sig.clone().into_bytes();
    altered[3] = if altered[3] == b'x' { b'y' } else { b'x' };
    let altered = String::from_utf8(altered).unwrap();
    let other_month = month.prev();
    let foreign = report_link::signature(&LinkSecrets::parse("someone-else").unwrap(), month);
    let never = YearMonth::new(1999, 1).unwrap();
    let survey_token = secrets.sign(&month.to_string(), "a@b.example");
    let refused = [
        format!("/reports/{month}/{altered}"),
        format!("/reports/{other_month}/{sig}"),
        format!("/reports/{month}/{foreign}"),
        format!("/reports/{month}/"),
        format!("/reports/{month}"),
        format!("/reports/{never}/{}", report_link::signature(&secrets, never)),
        format!("/reports/{}{:02}/{sig}", month.year(), month.month()),
        format!("/reports/{month}-01/{sig}"),
        format!("/reports/{month}/{}", survey_token.split_once('.').unwrap().1),
        format!("/reports/{month}/{survey_token}"),
    ];
    let mut bodies = Vec::new();
    for path in &refused {
        let answer = http.get(format!("{}{path}", serve.base)).send().await.unwrap();
        assert_eq!(answer.status(), 404, "{path} (signed {sig})");
        bodies.push(answer.text().await.unwrap());
    }
    assert!(
        bodies.iter().all(|b| b == &bodies[0]),
        "one answer for every refusal: {bodies:?}"
    );
    // The report's signature does not open a survey page either
    let as_survey = http.get(format!("{}/s/{sig}", serve.base)).send().await.unwrap();
    assert_ne!(as_survey.status(), 200);
}

#[tokio::test]
async fn without_the_link_secret_the_digest_has_no_link_and_the_route_is_404() {
    let dir = tempfile::tempdir().unwrap();
    let demo::Demo { db, month, .. } = demo::demo(dir.path());
    let serve = start_serve(dir.path(), &db, None).await;
    let sig = report_link::signature(&LinkSecrets::parse(LINK_SECRET).unwrap(), month);
    let answer = reqwest::get(format!("{}/reports/{month}/{sig}", serve.base))
        .await
        .unwrap();
    assert_eq!(answer.status(), 404);
    let week_of = |day| IsoWeek::of(NaiveDate::from_ymd_opt(month.year(), month.month(), day).unwrap()).to_string();
    // Only one of the two settings: no link, and nothing said about it (two weeks, as each is
    // posted once)
    for (day, vars) in [
        (8, vec![("SARAFAN_PUBLIC_URL", serve.base.as_str())]),
        (15, vec![("SARAFAN_LINK_SECRET", LINK_SECRET)]),
    ] {
        let slack = slack_accepting().await;
        let out = sarafan_digest(&week_of(day), &db, &slack, &vars);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("SARAFAN_"), "{vars:?}: {stderr}");
        let sent = posts(&slack).await;
        assert_eq!(sent.len(), 1, "{vars:?}");
        let blocks = sent[0]["blocks"].as_array().unwrap();
        assert_eq!(blocks.len(), 6, "{vars:?}: {blocks:?}");
        assert!(!sent[0].to_string().contains("/reports/"), "{vars:?}");
    }
}

/// Which report a week links to: the month of its Sunday when that report is stored, else the
/// month before (mid-month, the current month's report does not exist yet), else none.
#[tokio::test]
async fn a_week_links_to_its_months_report_or_the_last_finished_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("sarafan.db")).unwrap();
    let links = ReportLinks {
        public_url: "https://wom.example.com".into(),
        secrets: LinkSecrets::parse("s").unwrap(),
    };
    let settings = DigestSettings::from_vars(&Vars::from_pairs([
        ("SARAFAN_PUBLIC_URL", "https://wom.example.com/"),
        ("SARAFAN_LINK_SECRET", "s"),
        ("REPORT_TIMEZONE", "Europe/Prague"),
    ]))
    .unwrap();
    assert_eq!(settings.report_links.as_ref().unwrap().public_url, links.public_url);
    let tz = settings.timezone;
    // 2026-W10: Monday 2 to Sunday 8 March; 2026-W09 ends Sunday 1 March
    let w10: IsoWeek = "2026-W10".parse().unwrap();
    let w09: IsoWeek = "2026-W09".parse().unwrap();
    let month = |s: &str| -> YearMonth { s.parse().unwrap() };
    assert_eq!(digest_report_link(&store, &links, w10, tz).await.unwrap(), None);
    let february = sarafan_reports::compute(&store, month("2026-02")).await.unwrap();
    sarafan_reports::save(&store, &february, Utc::now()).await.unwrap();
    let linked = digest_report_link(&store, &links, w10, tz).await.unwrap().unwrap();
    assert_eq!(
        linked.month,
        month("2026-02"),
        "March not stored: the last finished month"
    );
    assert_eq!(
        linked.url,
        format!(
            "https://wom.example.com/reports/2026-02/{}",
            report_link::signature(&links.secrets, month("2026-02"))
        )
    );
    let march = sarafan_reports::compute(&store, month("2026-03")).await.unwrap();
    sarafan_reports::save(&store, &march, Utc::now()).await.unwrap();
    assert_eq!(
        digest_report_link(&store, &links, w10, tz)
            .await
            .unwrap()
            .unwrap()
            .month,
        month("2026-03")
    );
    // A week whose Sunday is 1 March belongs to March, even though six of its days are February
    assert_eq!(
        digest_report_link(&store, &links, w09, tz)
            .await
            .unwrap()
            .unwrap()
            .month,
        month("2026-03")
    );
}

/// The same route on DynamoDB Local (the store the ingest function uses), in-process: the report
/// item written by the reports job is read back and drawn; a wrong signature is 404.
#[tokio::test]
async fn on_dynamodb_the_link_opens_the_stored_report_and_an_altered_one_does_not() {
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    std::env::var("AWS_ENDPOINT_URL_DYNAMODB")
        .expect("this test needs DynamoDB Local: run scripts/test (it starts it and sets AWS_ENDPOINT_URL_DYNAMODB)");
    let store = sarafan_core::store::dynamodb::fresh_table("sarafan-replink").await;
    let february: YearMonth = "2026-02".parse().unwrap();
    let report = sarafan_reports::compute(&store, february).await.unwrap();
    sarafan_reports::save(&store, &report, Utc::now()).await.unwrap();
    let links = ReportLinks {
        public_url: "https://wom.example.com".into(),
        secrets: LinkSecrets::parse(LINK_SECRET).unwrap(),
    };
    // REPORT_TIMEZONE unset: UTC
    let utc = DigestSettings::from_vars(&Vars::default()).unwrap().timezone;
    let linked = digest_report_link(&store, &links, "2026-W10".parse().unwrap(), utc)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(linked.month, february);
    let config = sarafan_ingest::Config::from_vars(&Vars::from_pairs([
        ("SARAFAN_LINK_SECRET", LINK_SECRET),
        ("SARAFAN_BRAND_TERMS", "Brightside Motors"),
    ]))
    .unwrap();
    let app = sarafan_ingest::app(sarafan_ingest::AppState::new(std::sync::Arc::new(store), config));
    let get = |path: String| {
        let app = app.clone();
        async move {
            let answer = app
                .oneshot(Request::get(path).body(Body::empty()).unwrap())
                .await
                .unwrap();
            let status = answer.status().as_u16();
            let body = axum::body::to_bytes(answer.into_body(), usize::MAX).await.unwrap();
            (status, String::from_utf8_lossy(&body).into_owned())
        }
    };
    let path = linked.url.strip_prefix("https://wom.example.com").unwrap().to_string();
    let (status, html) = get(path.clone()).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("<title>Brightside Motors — Word of mouth, 2026-02</title>"));
    assert_eq!(html.matches("src=\"data:image/png;base64,").count(), 6);
    let sig = report_link::signature(&links.secrets, february);
    let altered = format!("{}{}", if sig.starts_with('A') { "B" } else { "A" }, &sig[1..]);
    let (status, _) = get(format!("/reports/2026-02/{altered}")).await;
    assert_eq!(status, 404);
    let (status, _) = get(format!("/reports/2026-01/{sig}")).await;
    assert_eq!(status, 404);
}
