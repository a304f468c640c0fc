//! Attribute values, timestamps and JSON docs: the small conversions every item uses.

use super::*;

/// RFC 3339 in UTC with microseconds (`2026-03-10T12:00:00.000000Z`), as
/// `to_rfc3339_opts(SecondsFormat::Micros, true)` writes it, without the formatting machinery:
/// every transaction writes several of these.
pub(super) fn ts(at: DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    let (year, nanos) = (at.year(), at.nanosecond());
    // Years outside 0..=9999 and leap seconds take chrono's path.
    if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 {
        return at.to_rfc3339_opts(SecondsFormat::Micros, true);
    }
    let mut out = [0u8; 27];
    let mut put = |from: usize, width: usize, mut value: u32| {
        for i in (from..from + width).rev() {
            out[i] = b'0' + (value % 10) as u8;
            value /= 10;
        }
    };
    put(0, 4, year as u32);
    put(5, 2, at.month());
    put(8, 2, at.day());
    put(11, 2, at.hour());
    put(14, 2, at.minute());
    put(17, 2, at.second());
    put(20, 6, nanos / 1_000);
    for (i, sep) in [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'.'),
        (26, b'Z'),
    ] {
        out[i] = sep;
    }
    out.iter().map(|&b| char::from(b)).collect()
}

pub(super) fn s(v: impl Into<String>) -> Av {
    Av::S(v.into())
}

pub(super) fn n(v: impl ToString) -> Av {
    Av::N(v.to_string())
}

pub(super) fn key(pk: impl Into<String>, sk: impl Into<String>) -> Item {
    key_with_room(pk, sk, 0)
}

/// A key with room for `more` attributes, so filling the item does not grow the map.
pub(super) fn key_with_room(pk: impl Into<String>, sk: impl Into<String>, more: usize) -> Item {
    let mut item = HashMap::with_capacity(2 + more);
    item.insert(PK.to_string(), s(pk));
    item.insert(SK.to_string(), s(sk));
    item
}

pub(super) fn attr_s<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name).and_then(|v| v.as_s().ok()).map(String::as_str)
}

pub(super) fn attr_n(item: &Item, name: &str) -> StoreResult<Option<i64>> {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .map(|v| v.parse::<i64>().map_err(|e| corrupt(format!("attribute {name}: {e}"))))
        .transpose()
}

pub(super) fn to_json<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    to_json_sized(value, 256)
}

/// As [`to_json`], into a buffer of `capacity` bytes (a record with a long text would
/// otherwise grow it several times).
pub(super) fn to_json_sized<T: serde::Serialize>(value: &T, capacity: usize) -> StoreResult<String> {
    let mut out = Vec::with_capacity(capacity);
    serde_json::to_writer(&mut out, value).map_err(corrupt)?;
    String::from_utf8(out).map_err(corrupt)
}

pub(super) fn doc_of<T: serde::de::DeserializeOwned>(item: &Item) -> StoreResult<T> {
    let doc = attr_s(item, DOC).ok_or_else(|| corrupt("item without doc"))?;
    serde_json::from_str(doc).map_err(|e| corrupt(format!("{e} in {doc:.80}")))
}

pub(super) fn epoch_after(at: DateTime<Utc>, days: i64) -> i64 {
    (at + chrono::Duration::days(days)).timestamp()
}
