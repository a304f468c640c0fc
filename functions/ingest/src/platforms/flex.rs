//! Leniency where platforms are inconsistent: ids sent as numbers or strings, times as Unix
//! seconds (number or string) or RFC 3339, fields that are a string in one event type and an
//! object in another.

use chrono::{DateTime, Utc};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;

/// A field read only when it is a string: Slack's `user` and `channel` are ids in message events
/// and whole objects in `team_join`, `user_change`, `channel_created` and the like. Anything else
/// (object, array, number) is skipped as `None`, so the event's type decides what is used.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StrOrSkip<'a>(pub Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for StrOrSkip<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StrOrSkip<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(StrOrSkip(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(StrOrSkip(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(StrOrSkip(Some(Cow::Owned(v))))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(StrOrSkip(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(StrOrSkip(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(StrOrSkip(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(StrOrSkip(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(StrOrSkip(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(StrOrSkip(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(StrOrSkip(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(StrOrSkip(None))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'a> StrOrSkip<'a> {
    pub fn into_option(self) -> Option<Cow<'a, str>> {
        self.0
    }
}

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

    #[test]
    fn a_string_field_sent_as_an_object_is_skipped_not_refused() {
        let s: StrOrSkip = serde_json::from_str("\"U123\"").unwrap();
        assert_eq!(s.into_option().as_deref(), Some("U123"));
        let s: StrOrSkip = serde_json::from_str(r#"{"id": "U123", "profile": {"a": [1, 2]}}"#).unwrap();
        assert_eq!(s, StrOrSkip(None));
        let s: StrOrSkip = serde_json::from_str("[1, {\"b\": null}]").unwrap();
        assert_eq!(s, StrOrSkip(None));
        let s: StrOrSkip = serde_json::from_str("\"a\\\"b\"").unwrap();
        assert_eq!(s.into_option().as_deref(), Some("a\"b"));
    }
}
