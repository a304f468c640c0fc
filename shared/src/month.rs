//! Calendar months (`YYYY-MM`), the unit of aggregates and reports.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A calendar month in UTC, ordered in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    year: i32,
    month: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad month {0:?}: expected YYYY-MM, e.g. 2026-03")]
pub struct BadMonth(pub String);

impl YearMonth {
    pub fn new(year: i32, month: u32) -> Option<Self> {
        ((1..=12).contains(&month) && (1970..=9999).contains(&year)).then_some(YearMonth { year, month })
    }

    pub fn of(at: DateTime<Utc>) -> Self {
        YearMonth {
            year: at.year(),
            month: at.month(),
        }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        self.month
    }

    pub fn next(self) -> Self {
        self.plus(1)
    }

    pub fn prev(self) -> Self {
        self.plus(-1)
    }

    /// This month moved by `months` (negative goes back).
    pub fn plus(self, months: i32) -> Self {
        let index = self.index() + months;
        YearMonth {
            year: index.div_euclid(12),
            month: index.rem_euclid(12) as u32 + 1,
        }
    }

    /// Whole months from `self` to `later` (negative if `later` is earlier).
    pub fn months_until(self, later: YearMonth) -> i32 {
        later.index() - self.index()
    }

    fn index(self) -> i32 {
        self.year * 12 + self.month as i32 - 1
    }

    /// The first instant of the month, UTC.
    pub fn start(self) -> DateTime<Utc> {
        let date = NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("validated month");
        Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0).expect("midnight"))
    }

    /// The first instant of the next month: months are half-open `[start, end)`.
    pub fn end(self) -> DateTime<Utc> {
        self.next().start()
    }

    pub fn contains(self, at: DateTime<Utc>) -> bool {
        YearMonth::of(at) == self
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for YearMonth {
    type Err = BadMonth;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadMonth(s.to_string());
        let (y, m) = s.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        YearMonth::new(y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?).ok_or_else(bad)
    }
}

impl Serialize for YearMonth {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for YearMonth {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_yyyy_mm() {
        let m: YearMonth = "2026-03".parse().unwrap();
        assert_eq!((m.year(), m.month()), (2026, 3));
        assert_eq!(m.to_string(), "2026-03");
        for bad in [
            "2026-13",
            "2026-00",
            "26-03",
            "2026/03",
            "2026-3",
            "march",
            "",
            "2026-03-01",
        ] {
            assert!(bad.parse::<YearMonth>().is_err(), "{bad}");
        }
    }

    #[test]
    fn arithmetic_crosses_years() {
        let dec: YearMonth = "2025-12".parse().unwrap();
        assert_eq!(dec.next().to_string(), "2026-01");
        assert_eq!(dec.next().prev(), dec);
        assert_eq!(dec.plus(-12).to_string(), "2024-12");
        assert_eq!(dec.months_until("2026-11".parse().unwrap()), 11);
    }

    #[test]
    fn month_bounds_are_half_open() {
        let feb: YearMonth = "2028-02".parse().unwrap();
        assert_eq!(feb.start().to_rfc3339(), "2028-02-01T00:00:00+00:00");
        assert_eq!(feb.end().to_rfc3339(), "2028-03-01T00:00:00+00:00");
        assert!(feb.contains(feb.start()));
        assert!(!feb.contains(feb.end()));
    }
}
