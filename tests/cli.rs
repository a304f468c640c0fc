//! System tests of the `sarafan` binary: the demo, the calculator, exports and bad usage.

use std::path::Path;
use std::process::{Command, Output};

fn sarafan(args: &[&str], db: Option<&Path>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sarafan"));
    cmd.args(args).env_remove("SARAFAN_STORE").env_remove("RUST_LOG");
    if let Some(db) = db {
        cmd.env("SARAFAN_DB", db);
    }
    cmd.output().expect("run sarafan")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn jsonl(o: &Output) -> Vec<serde_json::Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object a line"))
        .collect()
}

#[test]
fn demo_writes_a_store_and_a_report_and_exports_read_it_back() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    let run = sarafan(&["demo", "--out", out.to_str().unwrap()], None);
    assert!(run.status.success(), "{}", stderr(&run));
    let db = out.join("sarafan.db");
    assert!(db.exists());
    let text = stdout(&run);
    assert!(text.contains("NPS"), "{text}");
    assert!(text.contains("observed compounding rate r"), "{text}");
    let report = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_str().unwrap().starts_with("report-"))
        .expect("a report file");
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.contains("Net Promoter Score") && html.contains("Compounding customers"));
    // The report opens with whether NPS really changed, against last month and last year.
    assert!(
        html.contains("Against last month (") && html.contains("Against the same month last year ("),
        "{html}"
    );
    assert!(["within noise", "a real rise", "a real fall"]
        .iter()
        .any(|v| html.contains(v)));
    // "What to act on" links to the sections it names (the demo's detractors do grow a reason).
    assert!(
        html.contains("What to act on") && html.contains("href=\"#reasons\""),
        "{html}"
    );
    assert!(html.contains("id=\"reasons\"") && html.contains("id=\"closing-the-loop\""));
    // Progress goes to standard error, not standard output.
    assert!(stderr(&run).contains("sarafan demo: writing"));

    // Every kind exports with exactly the contract's fields.
    let expect: &[(&str, &[&str])] = &[
        (
            "responses",
            &[
                "id",
                "customer_id",
                "platform",
                "score",
                "category",
                "comment",
                "locale",
                "submitted_at",
            ],
        ),
        (
            "mentions",
            &[
                "id",
                "source",
                "text",
                "lang",
                "sentiment",
                "matched_terms",
                "competitor",
                "created_at",
            ],
        ),
        (
            "purchases",
            &["id", "customer_id", "kind", "referral_code", "amount", "purchased_at"],
        ),
        (
            "referrals",
            &["code", "customer_id", "clicks", "conversions", "created_at"],
        ),
        (
            "alerts",
            &[
                "id",
                "kind",
                "subject_id",
                "status",
                "claimed_by",
                "created_at",
                "resolved_at",
            ],
        ),
    ];
    for (kind, fields) in expect {
        let export = sarafan(&["export", kind], Some(&db));
        assert!(export.status.success(), "{kind}: {}", stderr(&export));
        let rows = jsonl(&export);
        assert!(rows.len() > 10, "{kind}: {} rows", rows.len());
        for row in &rows {
            let keys: Vec<&str> = row.as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(&keys, fields, "{kind}");
        }
    }
    let responses = jsonl(&sarafan(&["export", "responses"], Some(&db)));
    let platforms: std::collections::BTreeSet<&str> =
        responses.iter().map(|r| r["platform"].as_str().unwrap()).collect();
    assert_eq!(
        platforms.into_iter().collect::<Vec<_>>(),
        ["slack", "telegram", "web", "whatsapp"]
    );
    let locales: std::collections::BTreeSet<&str> = responses.iter().filter_map(|r| r["locale"].as_str()).collect();
    assert!(locales.len() >= 5, "{locales:?}");
    for r in &responses {
        let score = r["score"].as_u64().unwrap();
        let category = match score {
            9..=10 => "promoter",
            7..=8 => "passive",
            _ => "detractor",
        };
        assert_eq!(r["category"], category);
    }
    let referrals = jsonl(&sarafan(&["export", "referrals"], Some(&db)));
    assert!(referrals.iter().any(|r| r["conversions"].as_u64().unwrap() > 0));

    // A month filter keeps only that month; CSV has the header and one line a record.
    let month = &responses[0]["submitted_at"].as_str().unwrap()[..7];
    let of_month = jsonl(&sarafan(&["export", "responses", "--month", month], Some(&db)));
    assert!(!of_month.is_empty());
    assert!(of_month
        .iter()
        .all(|r| r["submitted_at"].as_str().unwrap().starts_with(month)));
    let csv = sarafan(&["export", "responses", "--month", month, "--format", "csv"], Some(&db));
    let csv = stdout(&csv);
    assert_eq!(
        csv.lines().next().unwrap(),
        "id,customer_id,platform,score,category,comment,locale,submitted_at"
    );
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(reader.records().count(), of_month.len());

    // The report was stored too.
    let reports = jsonl(&sarafan(&["export", "reports"], Some(&db)));
    assert_eq!(reports.len(), 1);
    assert!(reports[0]["report"]["nps"]["responses"].as_u64().unwrap() > 0);
}

#[test]
fn demo_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let mut exports = Vec::new();
    for run in ["a", "b"] {
        let out = dir.path().join(run);
        assert!(sarafan(&["demo", "--out", out.to_str().unwrap()], None)
            .status
            .success());
        let db = out.join("sarafan.db");
        exports.push((
            stdout(&sarafan(&["export", "responses"], Some(&db))),
            stdout(&sarafan(&["export", "purchases"], Some(&db))),
        ));
    }
    assert_eq!(exports[0], exports[1]);
    // Running the demo again into the same folder starts afresh rather than doubling.
    let out = dir.path().join("a");
    assert!(sarafan(&["demo", "--out", out.to_str().unwrap()], None)
        .status
        .success());
    let again = stdout(&sarafan(&["export", "responses"], Some(&out.join("sarafan.db"))));
    assert_eq!(again, exports[0].0);
}

#[test]
fn compound_json_follows_the_recurrence() {
    let o = sarafan(
        &[
            "compound",
            "--new-per-month",
            "50",
            "--rate",
            "0.45",
            "--months",
            "12",
            "--initial-returning",
            "35",
            "--json",
        ],
        None,
    );
    assert!(o.status.success());
    let rows = jsonl(&o);
    assert_eq!(rows.len(), 12);
    assert_eq!(
        rows[0],
        serde_json::json!({"month": 1, "new": 50.0, "returning": 35.0, "total": 85.0, "cumulative": 85.0, "baseline_total": 50.0})
    );
    assert_eq!(rows[1]["returning"], 38.25);
    let mut cumulative = 0.0;
    for pair in rows.windows(2) {
        let expected = 0.45 * pair[0]["total"].as_f64().unwrap();
        assert!((pair[1]["returning"].as_f64().unwrap() - expected).abs() < 1e-3);
    }
    for r in &rows {
        cumulative += r["total"].as_f64().unwrap();
        assert!((r["cumulative"].as_f64().unwrap() - cumulative).abs() < 1e-3);
    }
    let table = sarafan(
        &["compound", "--new-per-month", "50", "--rate", "0.45", "--months", "3"],
        None,
    );
    assert!(
        stdout(&table).contains("multiplier 1/(1-r) = 1.82"),
        "{}",
        stdout(&table)
    );
}

#[test]
fn bad_usage_exits_2_with_a_one_line_reason() {
    let cases: &[&[&str]] = &[
        &["compound", "--new-per-month", "50", "--rate", "1", "--months", "12"],
        &["compound", "--new-per-month", "50", "--rate", "-0.1", "--months", "12"],
        &["compound", "--new-per-month", "-5", "--rate", "0.4", "--months", "12"],
        &["compound", "--new-per-month", "5", "--rate", "0.4", "--months", "0"],
        &["export", "responses", "--month", "2026-13"],
        &["export", "orders"],
        &["report", "--month", "March"],
        &["demo", "--bogus"],
        &["nonsense"],
    ];
    for args in cases {
        let o = sarafan(args, None);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o).trim_end().lines().count(), 1, "{args:?}: {}", stderr(&o));
        assert!(stdout(&o).is_empty());
    }
}

#[test]
fn a_report_for_a_future_month_is_bad_usage() {
    let dir = tempfile::tempdir().unwrap();
    let o = sarafan(
        &["report", "--month", "2999-01", "--out", dir.path().to_str().unwrap()],
        Some(&dir.path().join("x.db")),
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn export_refuses_a_foreign_file_and_leaves_it_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.db");
    std::fs::write(&path, b"not a database at all, just notes").unwrap();
    let o = sarafan(&["export", "responses"], Some(&path));
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not a Sarafan database"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&path).unwrap(), b"not a database at all, just notes");
    let missing = sarafan(&["export", "responses"], Some(&dir.path().join("missing.db")));
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("no database at"));
    assert!(!dir.path().join("missing.db").exists());
}

#[test]
fn forget_erases_a_customer_from_every_export_and_keeps_the_figures() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    assert!(sarafan(&["demo", "--out", out.to_str().unwrap()], None)
        .status
        .success());
    let db = out.join("sarafan.db");
    let responses = jsonl(&sarafan(&["export", "responses"], Some(&db)));
    let victim = responses
        .iter()
        .find(|r| r["comment"].is_string() && r["customer_id"].as_str().unwrap().starts_with("telegram:"))
        .expect("a Telegram customer with a comment");
    let id = victim["customer_id"].as_str().unwrap().to_string();
    let comment = victim["comment"].as_str().unwrap().to_string();
    let before: Vec<u64> = responses.iter().map(|r| r["score"].as_u64().unwrap()).collect();

    let o = sarafan(&["forget", "--customer", &id], Some(&db));
    assert!(o.status.success(), "{}", stderr(&o));
    for kind in ["responses", "purchases", "referrals", "alerts", "mentions"] {
        let text = stdout(&sarafan(&["export", kind], Some(&db)));
        assert!(!text.contains(&format!("\"{id}\"")), "{id} still in {kind}");
    }
    let after = jsonl(&sarafan(&["export", "responses"], Some(&db)));
    // Every answer is still counted; the erased one has lost its comment.
    assert_eq!(
        after.iter().map(|r| r["score"].as_u64().unwrap()).collect::<Vec<_>>(),
        before
    );
    let erased = after.iter().find(|r| r["id"] == victim["id"]).unwrap();
    assert!(erased["comment"].is_null(), "{erased} kept {comment:?}");
    assert!(
        erased["customer_id"].as_str().unwrap().starts_with("erased-"),
        "{erased}"
    );
    let again = sarafan(&["forget", "--customer", &id], Some(&db));
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(
        sarafan(&["forget", "--customer", " "], Some(&db)).status.code(),
        Some(2)
    );
}

/// Stores records as ingest would, through the store's own API.
fn store_records<K: AsRef<str>>(db: &Path, changes: Vec<(K, sarafan_core::ledger::Change)>) {
    use sarafan_core::store::ChangeWriter;
    let store = sarafan_core::store::sqlite::SqliteStore::open(db).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    for (delivery, change) in changes {
        runtime.block_on(store.apply(delivery.as_ref(), change)).unwrap();
    }
}

#[test]
fn csv_export_neutralises_formulas_and_jsonl_keeps_the_text_exact() {
    use sarafan_core::compounding::PurchaseKind;
    use sarafan_core::ledger::Change;
    use sarafan_core::model::{Mention, Platform, Purchase, Response, Sentiment};
    let at = chrono::DateTime::parse_from_rfc3339("2026-03-05T10:00:00Z")
        .unwrap()
        .to_utc();
    // GIVEN what outsiders typed: comments, customer ids, mention texts that spreadsheets run
    let formulas = [
        "=HYPERLINK(\"http://evil.example\",\"click\")",
        "+1 great service",
        "-1",
        "@SUM(A1:A9)",
        "\tTabbed",
        "\rCarriage",
    ];
    let response = |i: usize, customer: &str, comment: &str| Response {
        id: format!("r-{i}"),
        customer_id: customer.into(),
        platform: Platform::Api,
        score: sarafan_core::Score::new(3).unwrap(),
        comment: Some(comment.into()),
        locale: None,
        submitted_at: at,
        brand: None,
    };
    let mut changes: Vec<(String, Change)> = formulas
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let change = Change::Response {
                response: response(i, &format!("c-{i}"), f),
                survey: None,
            };
            (format!("r-{i}"), change)
        })
        .collect();
    changes.push((
        "r-id".into(),
        Change::Response {
            response: response(9, "-55", "fine"),
            survey: None,
        },
    ));
    changes.push((
        "m-1".into(),
        Change::Mention(Mention {
            id: "m-1".into(),
            source: "x".into(),
            text: "@SpriteCars =1+1".into(),
            url: None,
            author: None,
            lang: Some("en".into()),
            sentiment: Sentiment::Neutral,
            matched_terms: vec!["@SpriteCars".into()],
            competitor: false,
            created_at: at,
        }),
    ));
    changes.push((
        "p-1".into(),
        Change::Purchase(Purchase {
            id: "p-1".into(),
            customer_id: "=cmd|' /C calc'!A0".into(),
            kind: PurchaseKind::New,
            referral_code: None,
            amount: Some(12.5),
            currency: None,
            purchased_at: at,
        }),
    ));
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sarafan.db");
    store_records(&db, changes);

    // WHEN exported as CSV
    let dangerous = ['=', '+', '-', '@', '\t', '\r'];
    let mut cells = std::collections::BTreeMap::new();
    for kind in ["responses", "mentions", "purchases"] {
        let o = sarafan(&["export", kind, "--format", "csv"], Some(&db));
        assert!(o.status.success(), "{}", stderr(&o));
        let text = stdout(&o);
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header = reader.headers().unwrap().clone();
        for record in reader.records() {
            let record = record.unwrap();
            for (field, cell) in header.iter().zip(record.iter()) {
                // THEN no cell starts as a formula
                assert!(!cell.starts_with(dangerous), "{kind}.{field} = {cell:?} in\n{text}");
                cells.insert(format!("{kind}.{}.{field}", &record[0]), cell.to_string());
            }
        }
        if kind == "purchases" {
            // AND numbers the program writes stay bare numbers; text is quoted
            assert!(text.contains(",12.5,"), "{text}");
            assert!(text.contains("\"'=cmd|' /C calc'!A0\""), "{text}");
        }
        if kind == "responses" {
            assert!(text.contains(",3,"), "{text}");
            assert!(
                text.contains(r#""'=HYPERLINK(""http://evil.example"",""click"")""#),
                "{text}"
            );
        }
    }
    for (i, formula) in formulas.iter().enumerate() {
        assert_eq!(cells[&format!("responses.r-{i}.comment")], format!("'{formula}"));
    }
    assert_eq!(cells["responses.r-9.customer_id"], "'-55");
    assert_eq!(cells["mentions.m-1.text"], "'@SpriteCars =1+1");
    assert_eq!(cells["mentions.m-1.matched_terms"], "'@SpriteCars");

    // AND JSON Lines keep every text exactly as it came
    let rows = jsonl(&sarafan(&["export", "responses"], Some(&db)));
    for (i, formula) in formulas.iter().enumerate() {
        let row = rows.iter().find(|r| r["id"] == format!("r-{i}")).unwrap();
        assert_eq!(row["comment"], *formula);
    }
    let purchases = jsonl(&sarafan(&["export", "purchases"], Some(&db)));
    assert_eq!(purchases[0]["customer_id"], "=cmd|' /C calc'!A0");
    assert_eq!(purchases[0]["amount"], 12.5);
}

#[test]
fn an_empty_file_is_refused_by_every_command_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("sarafan.db");
    std::fs::write(&empty, b"").unwrap();
    let commands: [&[&str]; 4] = [
        &["export", "responses"],
        &["report", "--month", "2026-01", "--out", dir.path().to_str().unwrap()],
        &["forget", "--customer", "55"],
        &["ask", "--platform", "telegram", "--to", "42"],
    ];
    for args in commands {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sarafan"));
        cmd.args(args)
            .env_remove("SARAFAN_STORE")
            .env_remove("RUST_LOG")
            .env("SARAFAN_DB", &empty)
            .env("TELEGRAM_BOT_TOKEN", "123:token");
        let o = cmd.output().unwrap();
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.contains("is not a Sarafan database (the file is empty (0 bytes)); it was left untouched"),
            "{args:?}: {err}"
        );
        assert_eq!(std::fs::metadata(&empty).unwrap().len(), 0, "{args:?} wrote to it");
        let others: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(others, ["sarafan.db"], "{args:?} left files behind");
    }
    // `serve` refuses it at start, with one line, and writes nothing either.
    let mut serve = Command::new(env!("CARGO_BIN_EXE_sarafan"));
    serve
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env_clear()
        .env("SARAFAN_DB", &empty)
        .env("RUST_LOG", "off");
    let o = serve.output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("the file is empty (0 bytes)"), "{}", stderr(&o));
    assert_eq!(std::fs::metadata(&empty).unwrap().len(), 0);
}

#[test]
fn only_commands_that_write_create_a_missing_database() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("new.db");
    for args in [
        &["export", "responses"][..],
        &["forget", "--customer", "55"],
        &["report", "--month", "2026-01", "--out", dir.path().to_str().unwrap()],
    ] {
        let o = sarafan(args, Some(&missing));
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert!(stderr(&o).contains("no database at"), "{args:?}: {}", stderr(&o));
        assert!(!missing.exists(), "{args:?} created it");
    }
    // `ask` queues a question for `serve` to send: it writes, so it creates the store.
    let mut ask = Command::new(env!("CARGO_BIN_EXE_sarafan"));
    ask.args(["ask", "--platform", "telegram", "--to", "42"])
        .env_remove("SARAFAN_STORE")
        .env("SARAFAN_DB", &missing)
        .env("TELEGRAM_BOT_TOKEN", "123:token");
    let o = ask.output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(missing.exists());
    // And then the readers read it.
    assert!(sarafan(&["export", "responses"], Some(&missing)).status.success());
}

#[test]
fn forget_of_an_unknown_customer_exits_1_with_one_line_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sarafan.db");
    let purchase = |id: &str, customer: &str| sarafan_core::model::Purchase {
        id: id.into(),
        customer_id: customer.into(),
        kind: sarafan_core::compounding::PurchaseKind::New,
        referral_code: None,
        amount: None,
        currency: None,
        purchased_at: chrono::Utc::now(),
    };
    store_records(
        &db,
        vec![
            (
                "api:purchase:p-550",
                sarafan_core::ledger::Change::Purchase(purchase("p-550", "550")),
            ),
            (
                "api:purchase:p-55",
                sarafan_core::ledger::Change::Purchase(purchase("p-55", "55")),
            ),
        ],
    );
    let before = stdout(&sarafan(&["export", "purchases"], Some(&db)));
    for unknown in [":", "5", "p-550"] {
        let o = sarafan(&["forget", "--customer", unknown], Some(&db));
        assert_eq!(o.status.code(), Some(1), "{unknown}");
        assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
        assert!(stderr(&o).contains("nothing was erased"), "{}", stderr(&o));
    }
    assert_eq!(stdout(&sarafan(&["export", "purchases"], Some(&db))), before);
    let o = sarafan(&["forget", "--customer", "55"], Some(&db));
    assert!(o.status.success(), "{}", stderr(&o));
    let after = jsonl(&sarafan(&["export", "purchases"], Some(&db)));
    let buyer = |id: &str| after.iter().find(|p| p["id"] == id).unwrap()["customer_id"].clone();
    assert_eq!(buyer("p-550"), "550");
    assert!(buyer("p-55").as_str().unwrap().starts_with("erased-"));
}
