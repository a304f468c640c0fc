//! Leniency where platforms are inconsistent: ids sent as numbers or strings, times as Unix
//! seconds (number or string) or RFC 3339.

use chrono::{DateTime, Utc};
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use std::fmt;

/// An id, whether the platform sent `"123"` or `123`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlexId(pub String);

impl<'de> Deserialize<'de> for FlexId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = FlexId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an id (string or integer)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<FlexId, E> {
                Ok(FlexId(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<FlexId, E> {
                Ok(FlexId(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<FlexId, E> {
                Ok(FlexId(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// A time, whether sent as Unix seconds (`1683229471` or `"1683229471"`) or RFC 3339.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlexTime(pub DateTime<Utc>);

impl<'de> Deserialize<'de> for FlexTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = FlexTime;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a time (Unix seconds or RFC 3339)")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<FlexTime, E> {
                DateTime::from_timestamp(v, 0)
                    .map(FlexTime)
                    .ok_or_else(|| E::custom(format!("{v} is out of range")))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<FlexTime, E> {
                self.visit_i64(i64::try_from(v).map_err(|_| E::custom(format!("{v} is out of range")))?)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<FlexTime, E> {
                if let Ok(secs) = v.parse::<i64>() {
                    return self.visit_i64(secs);
                }
                DateTime::parse_from_rfc3339(v)
                    .map(|t| FlexTime(t.with_timezone(&Utc)))
                    .map_err(|_| E::custom(format!("{v:?} is not a time")))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_times_in_either_shape() {
        let id: FlexId = serde_json::from_str("123").unwrap();
        assert_eq!(id, FlexId("123".into()));
        let a: FlexTime = serde_json::from_str("1683229471").unwrap();
        let b: FlexTime = serde_json::from_str("\"1683229471\"").unwrap();
        let c: FlexTime = serde_json::from_str("\"2023-05-04T19:44:31Z\"").unwrap();
        assert_eq!((a, b), (c, c));
        assert!(serde_json::from_str::<FlexTime>("\"yesterday\"").is_err());
    }
}
