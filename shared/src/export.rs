//! Export rows: every stored record as the contract's fields, in the contract's order.

use crate::store::{Record, RecordKind};
use serde_json::{json, Map, Value};

/// The exported fields of a kind, in order (docs/contract.md, "Exported fields").
pub fn fields(kind: RecordKind) -> &'static [&'static str] {
    match kind {
        RecordKind::Responses => &[
            "id",
            "customer_id",
            "platform",
            "score",
            "category",
            "comment",
            "locale",
            "submitted_at",
        ],
        RecordKind::Mentions => &[
            "id",
            "source",
            "text",
            "lang",
            "sentiment",
            "matched_terms",
            "competitor",
            "created_at",
        ],
        RecordKind::Purchases => &["id", "customer_id", "kind", "referral_code", "amount", "purchased_at"],
        RecordKind::Referrals => &["code", "customer_id", "clicks", "conversions", "created_at"],
        RecordKind::Alerts => &[
            "id",
            "kind",
            "subject_id",
            "status",
            "claimed_by",
            "created_at",
            "resolved_at",
        ],
        RecordKind::Reports => &["month", "brand", "created_at", "emailed_at", "report"],
    }
}

fn time(at: chrono::DateTime<chrono::Utc>) -> Value {
    Value::String(at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// One record as an ordered JSON object with exactly the fields of its kind.
pub fn row(record: &Record) -> Map<String, Value> {
    let values: Vec<Value> = match record {
        Record::Response(r) => vec![
            json!(r.id),
            json!(r.customer_id),
            json!(r.platform.as_str()),
            json!(r.score.value()),
            json!(r.category().as_str()),
            json!(r.comment),
            json!(r.locale),
            time(r.submitted_at),
        ],
        Record::Mention(m) => vec![
            json!(m.id),
            json!(m.source),
            json!(m.text),
            json!(m.lang),
            json!(m.sentiment.as_str()),
            json!(m.matched_terms),
            json!(m.competitor),
            time(m.created_at),
        ],
        Record::Purchase(p) => vec![
            json!(p.id),
            json!(p.customer_id),
            json!(p.kind.as_str()),
            json!(p.referral_code.as_ref().map(|c| c.as_str())),
            json!(p.amount),
            time(p.purchased_at),
        ],
        Record::Referral(r) => {
            vec![
                json!(r.code.as_str()),
                json!(r.customer_id),
                json!(r.clicks),
                json!(r.conversions),
                time(r.created_at),
            ]
        }
        Record::Alert(a) => vec![
            json!(a.id),
            json!(a.kind.as_str()),
            json!(a.subject_id),
            json!(a.status.as_str()),
            json!(a.claimed_by),
            time(a.created_at),
            a.resolved_at.map(time).unwrap_or(Value::Null),
        ],
        Record::Report(r) => vec![
            json!(r.month.to_string()),
            json!(r.brand),
            time(r.created_at),
            r.emailed_at.map(time).unwrap_or(Value::Null),
            r.body.clone(),
        ],
    };
    fields(kind_of(record))
        .iter()
        .map(|f| f.to_string())
        .zip(values)
        .collect()
}

pub fn kind_of(record: &Record) -> RecordKind {
    match record {
        Record::Response(_) => RecordKind::Responses,
        Record::Mention(_) => RecordKind::Mentions,
        Record::Purchase(_) => RecordKind::Purchases,
        Record::Referral(_) => RecordKind::Referrals,
        Record::Alert(_) => RecordKind::Alerts,
        Record::Report(_) => RecordKind::Reports,
    }
}

/// A value as a CSV cell: text, lists joined with `;`, nested objects as JSON, null empty.
///
/// Text that a spreadsheet would run as a formula is neutralised as OWASP's CSV injection
/// guidance says: a cell starting with `=`, `+`, `-`, `@`, tab or carriage return gets a leading
/// `'`, so the application shows it as text (`=HYPERLINK(...)` becomes `'=HYPERLINK(...)`).
/// That applies to every text cell, wherever its text came from, so a customer id or comment of
/// `-1` is exported as `'-1`; numbers the program writes (scores, amounts, counts) are JSON
/// numbers here and stay numbers. The CSV writer quotes every cell that is not a number
/// (`QuoteStyle::NonNumeric`), so a `;` or `,` inside text cannot start a new cell either.
pub fn csv_cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => neutralise_formula(s.clone()),
        Value::Array(items) => {
            let joined = items.iter().map(csv_cell).collect::<Vec<_>>().join(";");
            neutralise_formula(joined)
        }
        other => other.to_string(),
    }
}

/// `'` before text a spreadsheet would read as a formula (OWASP: `=`, `+`, `-`, `@`, tab, CR).
fn neutralise_formula(text: String) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Platform, Response};
    use crate::nps::Score;
    use chrono::TimeZone;

    #[test]
    fn response_rows_carry_the_contract_fields_in_order() {
        let response = Response {
            id: "r1".into(),
            customer_id: "telegram:42".into(),
            platform: Platform::Telegram,
            score: Score::new(6).unwrap(),
            comment: Some("slow".into()),
            locale: Some("ru".into()),
            submitted_at: chrono::Utc.with_ymd_and_hms(2026, 3, 1, 8, 30, 0).unwrap(),
            brand: None,
        };
        let row = row(&Record::Response(response));
        let keys: Vec<&str> = row.keys().map(String::as_str).collect();
        assert_eq!(keys, fields(RecordKind::Responses));
        assert_eq!(row["category"], "detractor");
        assert_eq!(row["score"], 6);
        assert_eq!(row["submitted_at"], "2026-03-01T08:30:00Z");
    }

    #[test]
    fn csv_cells_flatten_lists_and_nulls() {
        assert_eq!(csv_cell(&json!(["Sarafan", "@sarafan"])), "Sarafan;'@sarafan");
        assert_eq!(csv_cell(&Value::Null), "");
        assert_eq!(csv_cell(&json!(true)), "true");
        assert_eq!(csv_cell(&json!("a,b")), "a,b");
    }

    #[test]
    fn text_a_spreadsheet_would_run_gets_a_quote_and_numbers_stay_numbers() {
        for formula in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK(\"http://x\")"] {
            assert_eq!(csv_cell(&json!(formula)), format!("'{formula}"));
        }
        assert_eq!(csv_cell(&json!(["@sarafan", "Sarafan"])), "'@sarafan;Sarafan");
        for text in ["Sarafan", "1+1", " =1", "'=1", "", "a=b"] {
            assert_eq!(csv_cell(&json!(text)), text);
        }
        assert_eq!(csv_cell(&json!(-1)), "-1");
        assert_eq!(csv_cell(&json!(-2.5)), "-2.5");
    }
}
