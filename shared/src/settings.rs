//! One way to read settings: the variables a host was given ([`Vars`]), helpers for a required or
//! optional variable, comma lists and rotating secrets, and one [`ConfigError`] naming the variable.
//!
//! Every host reads its variables once at start-up into a [`Vars`] (the process environment, plus
//! in Lambda the variables of one Secrets Manager secret, see `secrets`) and hands that one value
//! to each crate's `from_vars`. A blank value counts as unset everywhere, so an operator can clear
//! a variable by emptying it. The variables themselves are listed in docs/contract.md.

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// A variable that stops a host from starting: its name, and what is wrong with it.
///
/// `reason` continues the sentence the name begins, so the error reads
/// `REFERRAL_LANDING_URL is invalid: must be an http(s) URL`; build it with [`ConfigError::invalid`],
/// [`ConfigError::not_set`] or [`ConfigError::required_when`]. It never quotes a secret's value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name} {reason}")]
pub struct ConfigError {
    pub name: &'static str,
    pub reason: String,
}

impl ConfigError {
    /// A value that cannot be used: `{name} is invalid: {why}`.
    pub fn invalid(name: &'static str, why: impl fmt::Display) -> Self {
        ConfigError {
            name,
            reason: format!("is invalid: {why}"),
        }
    }

    /// A variable that must be set: `{name} is not set: {what}` (what it is for).
    pub fn not_set(name: &'static str, what: impl fmt::Display) -> Self {
        ConfigError {
            name,
            reason: format!("is not set: {what}"),
        }
    }

    /// A variable another one needs: `{name} is required when {condition}`.
    pub fn required_when(name: &'static str, condition: impl fmt::Display) -> Self {
        ConfigError {
            name,
            reason: format!("is required when {condition}"),
        }
    }
}

/// The variables a host was started with: names to values. Values may be secrets, so only the
/// names print.
#[derive(Clone, Default)]
pub struct Vars {
    vars: HashMap<String, String>,
}

impl fmt::Debug for Vars {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&str> = self.vars.keys().map(String::as_str).collect();
        names.sort_unstable();
        f.debug_struct("Vars").field("names", &names).finish()
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Vars {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(pairs: I) -> Self {
        Vars {
            vars: pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect(),
        }
    }
}

impl Vars {
    /// The process environment, read once (the environment is never written afterwards:
    /// `set_var` is unsound once threads run). A variable whose name or value is not UTF-8 is
    /// left out (no Sarafan variable is such), rather than stopping every command.
    pub fn from_env() -> Self {
        std::env::vars_os()
            .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)))
            .collect()
    }

    /// The given pairs (tests pass a literal list).
    pub fn from_pairs<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        pairs.into_iter().collect()
    }

    /// Sets `name` (a host deciding a value for this run, as `sarafan serve` does for its token).
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.vars.insert(name.into(), value.into());
    }

    /// The value of `name` as given, trimmed, even if empty: for the few variables where an empty
    /// value means something (`HN_SEARCH_URL=` turns Hacker News off).
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(|v| v.trim())
    }

    /// The value of `name`, trimmed; `None` when unset or blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.raw(name).filter(|v| !v.is_empty())
    }

    /// [`Self::get`] as an owned string.
    pub fn string(&self, name: &str) -> Option<String> {
        self.get(name).map(str::to_string)
    }

    /// The value of `name`, or `default` when unset or blank.
    pub fn or<'a>(&'a self, name: &str, default: &'a str) -> &'a str {
        self.get(name).unwrap_or(default)
    }

    /// The value of a variable that must be set; `what` says what it is for.
    pub fn required(&self, name: &'static str, what: &str) -> Result<&str, ConfigError> {
        self.get(name).ok_or_else(|| ConfigError::not_set(name, what))
    }

    /// True when `name` holds a value.
    pub fn is_set(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// A comma list (`SARAFAN_BRAND_TERMS`, `REPORT_RECIPIENTS`): items trimmed, empty ones
    /// dropped; unset is an empty list.
    pub fn list(&self, name: &str) -> Vec<String> {
        self.get(name).map(comma_list).unwrap_or_default()
    }

    /// A secret that may hold several comma-separated values while it rotates; `None` when it
    /// holds none (the route it guards answers 404, the platform it signs for is off).
    pub fn secrets(&self, name: &str) -> Option<Secrets> {
        self.get(name).and_then(Secrets::parse)
    }

    /// A number in `range`, or `default` when unset; `unit` names what it counts, for the error
    /// (`"seconds"`: `"ten" is not a whole number of seconds from 1 to 3600`).
    pub fn number_in<T>(
        &self,
        name: &'static str,
        range: std::ops::RangeInclusive<T>,
        unit: &str,
        default: T,
    ) -> Result<T, ConfigError>
    where
        T: FromStr + PartialOrd + fmt::Display + Copy,
    {
        match self.get(name) {
            None => Ok(default),
            Some(raw) => raw.parse::<T>().ok().filter(|n| range.contains(n)).ok_or_else(|| {
                ConfigError::invalid(
                    name,
                    format!(
                        "{raw:?} is not a whole number of {unit} from {} to {}",
                        range.start(),
                        range.end()
                    ),
                )
            }),
        }
    }

    /// An http(s) URL, without its trailing slash; `None` when unset.
    pub fn http_url(&self, name: &'static str) -> Result<Option<String>, ConfigError> {
        self.get(name).map(|raw| http_url(name, raw)).transpose()
    }

    /// Every variable, for hosts that pass them on (a child process, a second reader).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Adds `more` where this has no value (a variable set to a non-empty value here wins), so
    /// an operator can override one value of a Lambda's secret without editing the secret.
    pub fn merge_missing(mut self, more: impl IntoIterator<Item = (String, String)>) -> Self {
        for (name, value) in more {
            if !self.is_set(&name) {
                self.vars.insert(name, value);
            }
        }
        self
    }
}

/// `raw` as an http(s) URL without its trailing slash, or an error naming `name`.
pub fn http_url(name: &'static str, raw: &str) -> Result<String, ConfigError> {
    match url::Url::parse(raw) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(raw.trim_end_matches('/').to_string()),
        _ => Err(ConfigError::invalid(name, format!("{raw:?} is not an http(s) URL"))),
    }
}

/// A comma list: items trimmed, empty ones dropped.
pub fn comma_list(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(String::from)
        .collect()
}

/// One secret setting: one or more comma-separated values, so a secret can be rotated without
/// downtime (the old and the new value are both accepted while it changes; outbound calls use
/// the first).
#[derive(Clone)]
pub struct Secrets {
    values: Vec<SecretString>,
    /// The value the last signed request matched: while a secret rotates, senders sign with
    /// one value at a time, so trying it first spares a second HMAC over the body. Shared by
    /// clones (the router's state is cloned per request).
    last_match: Arc<AtomicUsize>,
}

impl Secrets {
    /// `None` when `raw` holds no value.
    pub fn parse(raw: &str) -> Option<Secrets> {
        let values: Vec<SecretString> = raw
            .split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(SecretString::from)
            .collect();
        (!values.is_empty()).then_some(Secrets {
            values,
            last_match: Arc::default(),
        })
    }

    /// The value outbound calls authenticate with: the first.
    pub fn first(&self) -> SecretString {
        self.values[0].clone()
    }

    /// The secret values, for keying an HMAC.
    pub fn each(&self) -> impl Iterator<Item = &[u8]> {
        self.values.iter().map(|s| s.expose_secret().as_bytes())
    }

    /// True when `accepts` holds for one of the values, trying the one that matched last
    /// first. A refusal tries them all, so its time says nothing about which came close.
    pub fn any_keyed(&self, mut accepts: impl FnMut(&[u8]) -> bool) -> bool {
        let count = self.values.len();
        let first = self.last_match.load(Ordering::Relaxed) % count;
        let found = (0..count)
            .map(|offset| (first + offset) % count)
            .find(|&i| accepts(self.values[i].expose_secret().as_bytes()));
        if let Some(i) = found.filter(|&i| i != first) {
            self.last_match.store(i, Ordering::Relaxed);
        }
        found.is_some()
    }

    /// True when `given` equals one of the values. Both sides are hashed first so the
    /// comparison takes the same time whatever the lengths and contents.
    pub fn matches(&self, given: &str) -> bool {
        let given = Sha256::digest(given.as_bytes());
        self.each()
            .map(|secret| Sha256::digest(secret).ct_eq(&given))
            .fold(subtle::Choice::from(0), |any, one| any | one)
            .into()
    }
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secrets([REDACTED; {}])", self.values.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_is_unset_and_lists_drop_empty_items() {
        let vars = Vars::from_pairs([("A", "  x "), ("B", "  "), ("L", " a, b ,, c ,")]);
        assert_eq!(vars.get("A"), Some("x"));
        assert_eq!(vars.get("B"), None);
        assert_eq!(vars.raw("B"), Some(""));
        assert_eq!(vars.get("C"), None);
        assert_eq!(vars.or("C", "en"), "en");
        assert_eq!(vars.list("L"), ["a", "b", "c"]);
        assert!(vars.list("C").is_empty());
    }

    #[test]
    fn errors_name_the_variable_and_read_as_one_sentence() {
        let vars = Vars::from_pairs([("N", "ten"), ("U", "example.com"), ("Z", "0")]);
        assert_eq!(
            vars.required("REPORT_FROM", "the address the report is sent from")
                .unwrap_err()
                .to_string(),
            "REPORT_FROM is not set: the address the report is sent from"
        );
        let err = vars.number_in("N", 1u64..=3600, "seconds", 30).unwrap_err();
        assert_eq!(err.name, "N");
        assert_eq!(
            err.to_string(),
            "N is invalid: \"ten\" is not a whole number of seconds from 1 to 3600"
        );
        assert!(vars.number_in("Z", 1u64..=3600, "seconds", 30).is_err());
        assert_eq!(vars.number_in("M", 1u64..=3600, "seconds", 30), Ok(30));
        assert_eq!(
            vars.http_url("U").unwrap_err().to_string(),
            "U is invalid: \"example.com\" is not an http(s) URL"
        );
        assert_eq!(
            Vars::from_pairs([("U", "https://s.example/")]).http_url("U"),
            Ok(Some("https://s.example".to_string()))
        );
        assert_eq!(
            ConfigError::required_when("WHATSAPP_PHONE_NUMBER_ID", "WHATSAPP_TOKEN is set").to_string(),
            "WHATSAPP_PHONE_NUMBER_ID is required when WHATSAPP_TOKEN is set"
        );
    }

    #[test]
    fn values_already_set_win_over_merged_ones() {
        let vars = Vars::from_pairs([("T", "from-env"), ("X", " ")]).merge_missing([
            ("T".to_string(), "from-secret".to_string()),
            ("X".to_string(), "x".to_string()),
            ("N".to_string(), "new".to_string()),
        ]);
        assert_eq!(
            (vars.get("T"), vars.get("X"), vars.get("N")),
            (Some("from-env"), Some("x"), Some("new"))
        );
    }

    #[test]
    fn debug_output_shows_names_only() {
        let shown = format!("{:?}", Vars::from_pairs([("SLACK_BOT_TOKEN", "xoxb-very-secret")]));
        assert!(shown.contains("SLACK_BOT_TOKEN") && !shown.contains("xoxb-very-secret"));
        let secrets = Vars::from_pairs([("S", "a,b")]).secrets("S").unwrap();
        assert_eq!(format!("{secrets:?}"), "Secrets([REDACTED; 2])");
        assert_eq!(secrets.first().expose_secret(), "a");
    }
}
