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
