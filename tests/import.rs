//! System tests of `sarafan import`: a Delighted export of several months into a fresh SQLite
//! store, the monthly reports it feeds, a second run that adds nothing, refused rows with their
//! line numbers, and Sarafan's own export taken back in.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn sarafan(args: &[&str], db: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sarafan"))
        .args(args)
        .env_remove("SARAFAN_STORE")
        .env_remove("RUST_LOG")
        .env("SARAFAN_DB", db)
        .output()
        .expect("run sarafan")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import/delighted-responses.csv")
}

fn jsonl(o: &Output) -> Vec<serde_json::Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object a line"))
        .collect()
}

/// `sarafan report --month` for `month`, then the stored report's NPS figures.
fn reported_nps(db: &Path, out: &Path, month: &str) -> serde_json::Value {
    let run = sarafan(&["report", "--month", month, "--out", out.to_str().unwrap()], db);
    assert!(run.status.success(), "{}", stderr(&run));
    let html = std::fs::read_to_string(out.join(format!("report-{month}.html"))).unwrap();
    assert!(html.contains("Net Promoter Score"));
    let reports = jsonl(&sarafan(&["export", "reports", "--month", month], db));
    assert_eq!(reports.len(), 1, "{reports:?}");
    reports[0]["report"]["nps"].clone()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

#[test]
fn a_delighted_export_of_several_months_shows_in_their_reports_and_imports_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sarafan.db");
    let file = fixture();

    let first = sarafan(&["import", "delighted", file.to_str().unwrap()], &db);
    assert!(first.status.success(), "{}", stderr(&first));
    // 13 rows: 12 NPS answers and one CSAT answer, which is not NPS.
    assert_eq!(
        stdout(&first).trim(),
        "read 13, stored 12, duplicates 0, refused 0, skipped 1 (not NPS)"
    );

    // By hand, months in UTC (tests/fixtures/import/README.md):
    // January: 10, 9, 8, 3, 10 -> 3 promoters, 1 passive, 1 detractor of 5: (3 - 1) / 5 = +40.
    let january = reported_nps(&db, dir.path(), "2026-01");
    assert_eq!(january["responses"], 5);
    assert_eq!(
        (&january["promoters"], &january["passives"], &january["detractors"]),
        (&3.into(), &1.into(), &1.into())
    );
    assert!(close(january["nps"].as_f64().unwrap(), 40.0), "{january}");
    // February: 6 (31 January in Denver, 1 February in UTC), 7, 9, 2 -> 1 / 1 / 2 of 4: -25.
    let february = reported_nps(&db, dir.path(), "2026-02");
    assert_eq!(february["responses"], 4);
    assert!(close(february["nps"].as_f64().unwrap(), -25.0), "{february}");

    // The answers are stored as responses, with their comments and times in UTC.
    let responses = jsonl(&sarafan(&["export", "responses"], &db));
    assert_eq!(responses.len(), 12);
    let r1004 = responses.iter().find(|r| r["id"] == "delighted:1004").unwrap();
    assert_eq!(r1004["score"], 3);
    assert_eq!(r1004["category"], "detractor");
    assert_eq!(r1004["comment"], "Service took three days.\nNobody called back.");
    assert_eq!(r1004["submitted_at"], "2026-01-20T12:30:00Z");
    assert_eq!(r1004["customer_id"], "delighted:dev@example.com");
    let r1006 = responses.iter().find(|r| r["id"] == "delighted:1006").unwrap();
    assert_eq!(r1006["submitted_at"], "2026-02-01T03:00:00Z");

    // A second run stores nothing and counts every answer as a duplicate.
    let second = sarafan(&["import", "delighted", file.to_str().unwrap()], &db);
    assert!(second.status.success(), "{}", stderr(&second));
    assert_eq!(
        stdout(&second).trim(),
        "read 13, stored 0, duplicates 12, refused 0, skipped 1 (not NPS)"
    );
    assert_eq!(jsonl(&sarafan(&["export", "responses"], &db)).len(), 12);
    let january = reported_nps(&db, dir.path(), "2026-01");
    assert_eq!(january["responses"], 5);
    assert!(close(january["nps"].as_f64().unwrap(), 40.0), "{january}");
}

#[test]
fn bad_rows_are_refused_with_their_line_numbers_and_the_rest_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sarafan.db");
    let file = dir.path().join("export.csv");
    std::fs::write(
        &file,
        "Response ID,Score,Comment,Response timestamp,Email,Name\n\
         1,9,Good,2026-04-02 10:00:00 -0700,a@example.com,A\n\
         2,11,Too good,2026-04-03 10:00:00 -0700,b@example.com,B\n\
         3,,No score,2026-04-04 10:00:00 -0700,c@example.com,C\n\
         4,7,Bad date,04/05/2026,d@example.com,D\n\
         5,0,Awful,2026-04-06T10:00:00Z,e@example.com,E\n",
    )
    .unwrap();
    let run = sarafan(&["import", "delighted", file.to_str().unwrap()], &db);
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    assert_eq!(stdout(&run).trim(), "read 5, stored 2, duplicates 0, refused 3");
    let err = stderr(&run);
    assert!(err.contains("line 3: refused: score 11 is outside 0-10"), "{err}");
    assert!(err.contains("line 4: refused: no score"), "{err}");
    assert!(err.contains("line 5: refused: timestamp \"04/05/2026\""), "{err}");
    assert!(!err.contains("line 2:") && !err.contains("line 6:"), "{err}");
    let ids: Vec<_> = jsonl(&sarafan(&["export", "responses"], &db))
        .into_iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(ids.contains(&"delighted:1".to_string()) && ids.contains(&"delighted:5".to_string()));

    // Fixed and run again: only the rows that were refused go in.
    std::fs::write(
        &file,
        "Response ID,Score,Comment,Response timestamp,Email,Name\n\
         1,9,Good,2026-04-02 10:00:00 -0700,a@example.com,A\n\
         2,10,Too good,2026-04-03 10:00:00 -0700,b@example.com,B\n\
         3,8,No score,2026-04-04 10:00:00 -0700,c@example.com,C\n\
         4,7,Bad date,2026-04-05 10:00:00 -0700,d@example.com,D\n\
         5,0,Awful,2026-04-06T10:00:00Z,e@example.com,E\n",
    )
    .unwrap();
    let again = sarafan(&["import", "delighted", file.to_str().unwrap()], &db);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(stdout(&again).trim(), "read 5, stored 3, duplicates 2, refused 0");
}

#[test]
fn bad_usage_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sarafan.db");
    let unknown = sarafan(&["import", "typeform", fixture().to_str().unwrap()], &db);
    assert_eq!(unknown.status.code(), Some(2), "{}", stderr(&unknown));
    assert!(stderr(&unknown).contains("unknown import kind"));
    let missing = dir.path().join("nope.csv");
    let unreadable = sarafan(&["import", "delighted", missing.to_str().unwrap()], &db);
    assert_eq!(unreadable.status.code(), Some(2), "{}", stderr(&unreadable));
    assert!(stderr(&unreadable).contains("cannot read"));
    // Not a Delighted export: no score column.
    let other = dir.path().join("other.csv");
    std::fs::write(&other, "id,rating,when\n1,5,2026-01-01T00:00:00Z\n").unwrap();
    let wrong = sarafan(&["import", "delighted", other.to_str().unwrap()], &db);
    assert_eq!(wrong.status.code(), Some(2), "{}", stderr(&wrong));
    assert!(stderr(&wrong).contains("no score column"), "{}", stderr(&wrong));
}

#[test]
fn sarafans_own_export_goes_back_into_a_fresh_store() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let run = Command::new(env!("CARGO_BIN_EXE_sarafan"))
        .args(["demo", "--out", demo.to_str().unwrap()])
        .env_remove("SARAFAN_STORE")
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", stderr(&run));
    let source = demo.join("sarafan.db");
    let exported = sarafan(&["export", "responses"], &source);
    assert!(exported.status.success());
    let original = jsonl(&exported);
    assert!(original.len() > 100);

    for (format, name) in [("jsonl", "responses.jsonl"), ("csv", "responses.csv")] {
        let out = sarafan(&["export", "responses", "--format", format], &source);
        let file = dir.path().join(name);
        std::fs::write(&file, &out.stdout).unwrap();
        let fresh = dir.path().join(format!("fresh-{format}.db"));
        let import = sarafan(&["import", "responses", file.to_str().unwrap()], &fresh);
        assert!(import.status.success(), "{format}: {}", stderr(&import));
        let n = original.len();
        assert_eq!(
            stdout(&import).trim(),
            format!("read {n}, stored {n}, duplicates 0, refused 0")
        );
        let back = jsonl(&sarafan(&["export", "responses"], &fresh));
        let mut back_sorted = back.clone();
        let mut original_sorted = original.clone();
        let key = |r: &serde_json::Value| r["id"].as_str().unwrap().to_string();
        back_sorted.sort_by_key(key);
        original_sorted.sort_by_key(key);
        assert_eq!(back_sorted, original_sorted, "{format}");

        let twice = sarafan(&["import", "responses", file.to_str().unwrap()], &fresh);
        assert!(twice.status.success());
        assert_eq!(
            stdout(&twice).trim(),
            format!("read {n}, stored 0, duplicates {n}, refused 0")
        );
    }
}

#[test]
fn an_import_stopped_part_way_finishes_on_the_next_run_counting_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sarafan.db");
    // The first run saw only the start of the file (the rows up to 1005, as if it had stopped).
    let full = std::fs::read_to_string(fixture()).unwrap();
    let cut = full.find("\n1006,").unwrap() + 1;
    let partial = dir.path().join("partial.csv");
    std::fs::write(&partial, &full[..cut]).unwrap();
    let first = sarafan(&["import", "delighted", partial.to_str().unwrap()], &db);
    assert!(first.status.success(), "{}", stderr(&first));
    assert_eq!(stdout(&first).trim(), "read 5, stored 5, duplicates 0, refused 0");

    let rest = sarafan(&["import", "delighted", fixture().to_str().unwrap()], &db);
    assert!(rest.status.success(), "{}", stderr(&rest));
    assert_eq!(
        stdout(&rest).trim(),
        "read 13, stored 7, duplicates 5, refused 0, skipped 1 (not NPS)"
    );
    let january = reported_nps(&db, dir.path(), "2026-01");
    assert_eq!(january["responses"], 5);
    assert!(close(january["nps"].as_f64().unwrap(), 40.0), "{january}");
    let march = reported_nps(&db, dir.path(), "2026-03");
    // March: 10, 10, 5 -> 2 promoters, 1 detractor of 3: 100 * (2 - 1) / 3.
    assert_eq!(march["responses"], 3);
    assert!(close(march["nps"].as_f64().unwrap(), 100.0 / 3.0), "{march}");
}
