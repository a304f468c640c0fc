//! The month's figures as flat `figure,value` rows: the CSV attachment and the text part's source.

use sarafan_core::report::MonthReport;
use serde_json::Value;

/// Keys that name an element of a list better than its position does.
const NATURAL_KEYS: [&str; 7] = ["month", "platform", "category", "theme", "term", "kind", "cohort"];

/// Every number of the report, named by its path with list elements named by their natural key
/// (`trend.2026-03.nps`, `reasons.promoter.themes.staff.share`); text (quotes, mentions) is left
/// out. A figure with no value (no answers, nothing to divide by) is an empty cell, never NaN.
pub fn flatten(report: &MonthReport) -> Vec<(String, String)> {
    let mut rows = Vec::new();
    let value = serde_json::to_value(report).unwrap_or(Value::Null);
    walk(&value, String::new(), &mut rows);
    rows
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

fn element_key(element: &Value, index: usize) -> String {
    if let Some(obj) = element.as_object() {
        if let (Some(a), Some(b)) = (obj.get("first_day"), obj.get("last_day")) {
            return format!("{a}-{b}");
        }
        for key in NATURAL_KEYS {
            match obj.get(key) {
                Some(Value::String(s)) => return s.clone(),
                Some(Value::Number(n)) => return n.to_string(),
                _ => {}
            }
        }
    }
    (index + 1).to_string()
}

fn walk(value: &Value, path: String, rows: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if NATURAL_KEYS.contains(&key.as_str()) && !matches!(v, Value::Object(_) | Value::Array(_)) {
                    continue;
                }
                walk(v, join(&path, key), rows);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, join(&path, &element_key(item, i)), rows);
            }
        }
        Value::Number(n) => rows.push((path, n.to_string())),
        Value::Bool(b) => rows.push((path, b.to_string())),
        Value::Null => rows.push((path, String::new())),
        Value::String(_) => {}
    }
}

/// The CSV attachment: a header, then one figure a row.
pub fn csv(report: &MonthReport) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["figure", "value"])?;
    for (figure, value) in flatten(report) {
        w.write_record([figure, value])?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sarafan_core::report::{month_report, MonthlyCounters};

    #[test]
    fn figures_are_named_by_natural_keys_and_missing_values_are_empty() {
        let mut c = MonthlyCounters::new();
        let march: sarafan_core::YearMonth = "2026-03".parse().unwrap();
        c.entry(march).or_default().insert("responses.score.10".into(), 3);
        c.entry(march).or_default().insert("responses.score.2".into(), 1);
        let rows = flatten(&month_report(march, &c));
        let get = |k: &str| rows.iter().find(|(f, _)| f == k).map(|(_, v)| v.clone());
        // 3 promoters and 1 detractor of 4: NPS = 75 - 25 = 50
        assert_eq!(get("nps.nps").as_deref(), Some("50.0"));
        assert_eq!(get("trend.2026-03.responses").as_deref(), Some("4"));
        assert_eq!(get("trend.2026-02.nps").as_deref(), Some(""));
        assert_eq!(get("listening.weeks.29-31.per_day").as_deref(), Some("0.0"));
        assert_eq!(get("compounding.projection.12.baseline_total").as_deref(), Some("0.0"));
        assert!(rows.iter().all(|(_, v)| !v.contains("NaN")));
        let csv = String::from_utf8(csv(&month_report(march, &c)).unwrap()).unwrap();
        assert!(csv.starts_with("figure,value\n"));
        assert!(csv.contains("\nnps.promoters,3\n"));
    }
}
