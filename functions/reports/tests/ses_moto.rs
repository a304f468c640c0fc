//! System test: the report sent through SES v2 to a local moto server, fetched back as raw
//! MIME and parsed as a mail client would. Needs `AWS_ENDPOINT_URL` (scripts/test starts moto).

use chrono::{TimeZone, Utc};
use mail_parser::{MessageParser, MimeHeaders};
use sarafan_core::ledger::Change;
use sarafan_core::model::*;
use sarafan_core::settings::Vars;
use sarafan_core::store::sqlite::SqliteStore;
use sarafan_core::store::{ChangeWriter, ReportReader};
use sarafan_core::{Score, YearMonth};
use sarafan_reports::job::{self, EmailWhen, JobError, Settings};
use sarafan_reports::ses::{MailError, SesMailer};
use std::io::{Read, Write};

fn endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| {
        panic!(
            "AWS_ENDPOINT_URL is not set: this system test needs a moto server. scripts/test starts one; \
             by hand: `moto_server -p 5123 &` and `export AWS_ENDPOINT_URL=http://127.0.0.1:5123`"
        )
    })
}

/// GET over plain HTTP/1.0 (the emulator is local): the body as text.
fn http_get(endpoint: &str, path: &str) -> String {
    let host = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(host).expect("the moto server answers");
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP response");
    assert!(head.starts_with("HTTP/1.") && head.contains(" 200 "), "{head}");
    body.to_string()
}

/// Every raw message moto captured from `source`, wherever in data.json it keeps them.
fn raw_messages_from(data: &serde_json::Value, source: &str, found: &mut Vec<String>) {
    match data {
        serde_json::Value::Object(map) => {
            if map.get("source").and_then(|s| s.as_str()) == Some(source) {
                if let Some(raw) = map.get("raw_data").and_then(|r| r.as_str()) {
                    found.push(raw.to_string());
                }
            }
            map.values().for_each(|v| raw_messages_from(v, source, found));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| raw_messages_from(v, source, found)),
        _ => {}
    }
}

async fn small_store(dir: &std::path::Path) -> SqliteStore {
    let store = SqliteStore::open(dir.join("sarafan.db")).unwrap();
    for (i, (score, comment)) in [
        (10, "Anna explained everything, ready on time"),
        (4, "Waited two hours and nobody came"),
    ]
    .into_iter()
    .enumerate()
    {
        let response = Response {
            id: format!("r{i}"),
            customer_id: format!("c{i}"),
            platform: Platform::Telegram,
            score: Score::new(score).unwrap(),
            comment: Some(comment.into()),
            locale: Some("en".into()),
            submitted_at: Utc.with_ymd_and_hms(2026, 3, 4 + i as u32, 10, 0, 0).unwrap(),
            brand: None,
        };
        store
            .apply(&format!("r{i}"), Change::Response { response, survey: None })
            .await
            .unwrap();
    }
    let mention = Mention {
        id: "m1".into(),
        source: "x".into(),
        text: "Brightside Motors fixed my brakes the same day".into(),
        url: Some("https://x.example/m1".into()),
        author: None,
        lang: Some("en".into()),
        sentiment: Sentiment::Positive,
        matched_terms: vec!["Brightside Motors".into()],
        competitor: false,
        created_at: Utc.with_ymd_and_hms(2026, 3, 9, 12, 0, 0).unwrap(),
    };
    store.apply("m1", Change::Mention(mention)).await.unwrap();
    store
}

#[tokio::test]
async fn the_report_sent_through_ses_parses_with_html_inline_charts_text_and_matching_csv() {
    let endpoint = endpoint();
    // The SDK reads region and credentials from the environment; moto accepts any.
    for (name, value) in [
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
    ] {
        if std::env::var_os(name).is_none() {
            std::env::set_var(name, value);
        }
    }
    let mailer = SesMailer::from_env().await;
    // A sender unique to this run, so captures of earlier runs are not mistaken for ours.
    let from = format!(
        "reports-{}@brightside.example",
        Utc::now().timestamp_nanos_opt().unwrap()
    );
    let settings = Settings::from_vars(&Vars::from_pairs([
        ("REPORT_FROM", from.as_str()),
        ("REPORT_RECIPIENTS", "owner@brightside.example"),
    ]))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = small_store(dir.path()).await;
    let month: YearMonth = "2026-03".parse().unwrap();

    // An unverified sender is refused with SES's reason; the stored report stays.
    let err = job::run(&store, Some(&mailer), &settings, month, EmailWhen::Always, &Utc::now)
        .await
        .unwrap_err();
    let JobError::Mail {
        source: MailError::Rejected { code, reason },
        ..
    } = &err
    else {
        panic!("expected SES's refusal, got {err:?}")
    };
    assert_eq!(code, "MessageRejected", "{reason}");
    assert!(store.report(month, None).await.unwrap().is_some());

    // Verify the sender first, as real SES requires; then the report goes out.
    mailer
        .client()
        .await
        .create_email_identity()
        .email_identity(&from)
        .send()
        .await
        .expect("CreateEmailIdentity");
    let outcome = job::run(&store, Some(&mailer), &settings, month, EmailWhen::Always, &Utc::now)
        .await
        .unwrap();
    assert!(matches!(outcome.emailed, job::Emailed::Sent { .. }));

    let data: serde_json::Value = serde_json::from_str(&http_get(&endpoint, "/moto-api/data.json")).unwrap();
    let mut raws = Vec::new();
    raw_messages_from(&data["ses"]["RawMessage"], &from, &mut raws);
    assert_eq!(raws.len(), 1, "one message captured from {from}");
    let message = MessageParser::default()
        .parse(raws[0].as_bytes())
        .expect("a parsable MIME message");
    assert!(message.subject().unwrap().contains("NPS"));

    // HTML part, and every cid: in it has an inline image/png part that decodes as a PNG
    let html = message.body_html(0).expect("an HTML part").to_string();
    let cids: Vec<&str> = html
        .split("src=\"cid:")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect();
    assert_eq!(cids.len(), 6, "six charts");
    for cid in &cids {
        let part = message
            .parts
            .iter()
            .find(|p| p.content_id() == Some(*cid))
            .unwrap_or_else(|| panic!("no part for cid:{cid}"));
        let ct = part.content_type().unwrap();
        assert_eq!((ct.ctype(), ct.subtype()), ("image", Some("png")));
        let decoder = png::Decoder::new(part.contents());
        let info = decoder.read_info().expect("a PNG").info().clone();
        assert_eq!((info.width, info.height), sarafan_reports::charts::SIZE);
    }
    assert!(
        !html.contains("http://") || html.contains("https://x.example/m1"),
        "no external requests"
    );
    assert!(!html.contains("<script"));

    // A text part
    let text = message.body_text(0).expect("a text part");
    assert!(text.contains("NPS") || text.contains("Net Promoter Score"));

    // A CSV attachment whose figures match the stored report
    let csv_part = message
        .attachments()
        .find(|p| p.attachment_name().is_some_and(|n| n.ends_with(".csv")))
        .expect("a CSV attachment");
    let stored = store.report(month, None).await.unwrap().unwrap();
    assert!(stored.emailed_at.is_some());
    let mut reader = csv::Reader::from_reader(csv_part.contents());
    let rows: std::collections::HashMap<String, String> = reader
        .records()
        .map(|r| r.unwrap())
        .map(|r| (r[0].to_string(), r[1].to_string()))
        .collect();
    let number = |figure: &str| {
        rows.get(figure)
            .unwrap_or_else(|| panic!("{figure} missing"))
            .parse::<f64>()
            .unwrap()
    };
    let body = &stored.body;
    let checks = [
        ("nps.nps", "/nps/nps"),
        ("nps.margin_95", "/nps/margin_95"),
        ("nps.responses", "/nps/responses"),
        ("nps.promoters", "/nps/promoters"),
        ("response_rates.telegram.answered", "/response_rates/0/answered"),
        ("reasons.detractor.comments", "/reasons/2/comments"),
        ("listening.mentions", "/listening/mentions"),
        ("listening.weeks.8-14.per_day", "/listening/weeks/1/per_day"),
        ("closing_the_loop.raised", "/closing_the_loop/raised"),
        (
            "compounding.projection.12.baseline_total",
            "/compounding/projection/11/baseline_total",
        ),
        ("trend.2026-03.responses", "/trend/11/responses"),
    ];
    for (figure, pointer) in checks {
        let stored_value = body
            .pointer(pointer)
            .and_then(|v| v.as_f64())
            .unwrap_or_else(|| panic!("{pointer}"));
        assert!(
            (number(figure) - stored_value).abs() < 1e-9,
            "{figure}: {} vs {stored_value}",
            number(figure)
        );
    }
    // 1 promoter, 1 detractor: NPS 0; margin = 1.96 * 100 * sqrt((0.5 + 0.5 - 0) / 2) = 138.59
    assert!((number("nps.nps") - 0.0).abs() < 1e-9);
    assert!((number("nps.margin_95") - 138.593_6).abs() < 1e-3);
    // One mention on day 9: week 8-14 runs at 1/7 a day
    assert!((number("listening.weeks.8-14.per_day") - 1.0 / 7.0).abs() < 1e-9);
}
