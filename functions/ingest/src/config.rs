//! The ingest function's settings, read once from the CONTRACT's environment variables.

use sarafan_core::survey_link::LinkSecrets;
use sarafan_core::templates::Templates;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use subtle::ConstantTimeEq;
use url::Url;

/// One secret setting: one or more comma-separated values, so a secret can be rotated
/// without downtime (both the old and the new value are accepted while it changes).
#[derive(Clone)]
pub struct Secrets {
    values: Vec<SecretString>,
    /// The value the last signed request matched: while a secret rotates, senders sign with
    /// one value at a time, so trying it first spares a second HMAC over the body. Shared by
    /// clones (the router's state is cloned per request).
    last_match: Arc<AtomicUsize>,
}

impl Secrets {
    /// `None` when the variable is unset or holds no value: the route it guards answers 404.
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

    /// The secret values, for keying an HMAC.
    pub(crate) fn each(&self) -> impl Iterator<Item = &[u8]> {
        self.values.iter().map(|s| s.expose_secret().as_bytes())
    }

    /// True when `accepts` holds for one of the values, trying the one that matched last
    /// first. A refusal tries them all, so its time says nothing about which came close.
    pub(crate) fn any_keyed(&self, mut accepts: impl FnMut(&[u8]) -> bool) -> bool {
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

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// `SARAFAN_TRUSTED_PROXIES`: the addresses (or CIDR blocks) of proxies in front of Sarafan whose
/// `X-Forwarded-For` is believed. Anyone else can write that header, so from any other peer it
/// is ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    blocks: Vec<(IpAddr, u8)>,
}

impl TrustedProxies {
    /// Parses a comma list of addresses and CIDR blocks (`127.0.0.1, 10.0.0.0/8, ::1`).
    pub fn parse(raw: &str) -> Result<TrustedProxies, String> {
        let mut blocks = Vec::new();
        for item in raw.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let (addr, bits) = match item.split_once('/') {
                Some((addr, bits)) => (addr, Some(bits)),
                None => (item, None),
            };
            let addr: IpAddr = addr
                .parse()
                .map_err(|_| format!("{item:?} is not an IP address or CIDR block"))?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            let bits = match bits {
                None => max,
                Some(bits) => bits
                    .parse::<u8>()
                    .ok()
                    .filter(|b| *b <= max)
                    .ok_or_else(|| format!("{item:?}: the prefix length must be 0-{max}"))?,
            };
            blocks.push((addr, bits));
        }
        Ok(TrustedProxies { blocks })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        self.blocks.iter().any(|&(block, bits)| match (block, ip) {
            (IpAddr::V4(block), IpAddr::V4(ip)) => prefix_matches(&block.octets(), &ip.octets(), bits),
            (IpAddr::V6(block), IpAddr::V6(ip)) => prefix_matches(&block.octets(), &ip.octets(), bits),
            _ => false,
        })
    }
}

/// True when the first `bits` bits of `a` and `b` agree.
fn prefix_matches(a: &[u8], b: &[u8], bits: u8) -> bool {
    let (whole, rest) = (usize::from(bits / 8), bits % 8);
    a[..whole] == b[..whole] && (rest == 0 || (a[whole] ^ b[whole]) >> (8 - rest) == 0)
}

/// Everything ingest reads from the environment. Secrets never print (see [`Secrets`]).
#[derive(Debug, Clone)]
pub struct Config {
    pub slack_signing_secret: Option<Secrets>,
    pub telegram_webhook_secret: Option<Secrets>,
    pub meta_verify_token: Option<Secrets>,
    pub meta_app_secret: Option<Secrets>,
    pub x_consumer_secret: Option<Secrets>,
    pub typeform_secret: Option<Secrets>,
    /// `TYPEFORM_SCORE_FIELD`: the ref of an `opinion_scale` field read as the score of forms
    /// without an `nps` field.
    pub typeform_score_field: Option<String>,
    pub api_token: Option<Secrets>,
    /// Where `GET /r/{code}` sends a referred friend; unset, that route answers 404.
    pub referral_landing_url: Option<Url>,
    /// Proxies whose `X-Forwarded-For` names the client of a referral click.
    pub trusted_proxies: TrustedProxies,
    pub brand_terms: Vec<String>,
    pub competitor_terms: Vec<String>,
    pub default_locale: String,
    /// Chat platforms outreach can ask on (their bot tokens are set): `/api/surveys` refuses others.
    /// `email` is among them when `SURVEY_FROM`, `SARAFAN_LINK_SECRET` and `SARAFAN_PUBLIC_URL` are set.
    pub chat_platforms: Vec<sarafan_core::model::Platform>,
    /// `SARAFAN_LINK_SECRET`: signs and verifies email survey links; unset, `/s/...` answers 404.
    pub link_secret: Option<LinkSecrets>,
    /// `SARAFAN_PUBLIC_URL` without its trailing slash: where referral links on the survey pages point.
    pub public_url: Option<String>,
    /// The texts of the email survey's pages: the chat catalogue with `SARAFAN_TEMPLATES` overrides.
    pub templates: Templates,
    /// The report's brand, locale and time zone (`SARAFAN_BRAND_TERMS`, `REPORT_LOCALE`,
    /// `REPORT_TIMEZONE`), read as the reports function reads them: `GET /reports/...` draws the
    /// same page.
    pub report: sarafan_reports::job::Settings,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_vars(std::env::vars())
    }

    /// Reads the given variables (tests pass a literal list).
    pub fn from_vars<K, V>(vars: impl IntoIterator<Item = (K, V)>) -> Result<Config, ConfigError>
    where
        K: Into<String>,
        V: Into<String>,
    {
        let vars: HashMap<String, String> = vars.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
        let get = |name: &str| vars.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
        let secret = |name: &str| get(name).and_then(Secrets::parse);
        let list = |name: &str| -> Vec<String> {
            get(name)
                .map(|v| {
                    v.split(',')
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default()
        };
        let referral_landing_url = get("REFERRAL_LANDING_URL")
            .map(|raw| {
                let url = Url::parse(raw).map_err(|e| ConfigError::Invalid {
                    name: "REFERRAL_LANDING_URL",
                    reason: e.to_string(),
                })?;
                if !matches!(url.scheme(), "http" | "https") {
                    return Err(ConfigError::Invalid {
                        name: "REFERRAL_LANDING_URL",
                        reason: "must be an http(s) URL".into(),
                    });
                }
                Ok(url)
            })
            .transpose()?;
        let trusted_proxies =
            TrustedProxies::parse(get("SARAFAN_TRUSTED_PROXIES").unwrap_or("")).map_err(|reason| {
                ConfigError::Invalid {
                    name: "SARAFAN_TRUSTED_PROXIES",
                    reason,
                }
            })?;
        let public_url = get("SARAFAN_PUBLIC_URL")
            .map(|raw| match Url::parse(raw) {
                Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(raw.trim_end_matches('/').to_string()),
                _ => Err(ConfigError::Invalid {
                    name: "SARAFAN_PUBLIC_URL",
                    reason: format!("{raw:?} is not an http(s) URL"),
                }),
            })
            .transpose()?;
        let templates = match get("SARAFAN_TEMPLATES") {
            Some(path) => Templates::from_file(std::path::Path::new(path)).map_err(|e| ConfigError::Invalid {
                name: "SARAFAN_TEMPLATES",
                reason: e.to_string(),
            })?,
            None => Templates::builtin(),
        };
        let link_secret = get("SARAFAN_LINK_SECRET").and_then(LinkSecrets::parse);
        let report =
            sarafan_reports::job::Settings::from_lookup(|name| get(name).map(str::to_string)).map_err(|e| {
                ConfigError::Invalid {
                    name: "REPORT_TIMEZONE",
                    reason: e.to_string(),
                }
            })?;
        let email_surveys = get("SURVEY_FROM").is_some() && link_secret.is_some() && public_url.is_some();
        Ok(Config {
            slack_signing_secret: secret("SLACK_SIGNING_SECRET"),
            telegram_webhook_secret: secret("TELEGRAM_WEBHOOK_SECRET"),
            meta_verify_token: secret("META_VERIFY_TOKEN"),
            meta_app_secret: secret("META_APP_SECRET"),
            x_consumer_secret: secret("X_CONSUMER_SECRET"),
            typeform_secret: secret("TYPEFORM_SECRET"),
            typeform_score_field: get("TYPEFORM_SCORE_FIELD").map(str::to_string),
            api_token: secret("SARAFAN_API_TOKEN"),
            referral_landing_url,
            trusted_proxies,
            brand_terms: list("SARAFAN_BRAND_TERMS"),
            competitor_terms: list("SARAFAN_COMPETITOR_TERMS"),
            default_locale: get("SARAFAN_DEFAULT_LOCALE").unwrap_or("en").to_string(),
            chat_platforms: [
                (sarafan_core::model::Platform::Slack, get("SLACK_BOT_TOKEN").is_some()),
                (
                    sarafan_core::model::Platform::Telegram,
                    get("TELEGRAM_BOT_TOKEN").is_some(),
                ),
                (
                    sarafan_core::model::Platform::Whatsapp,
                    get("WHATSAPP_TOKEN").is_some() && get("WHATSAPP_PHONE_NUMBER_ID").is_some(),
                ),
                (sarafan_core::model::Platform::Email, email_surveys),
            ]
            .into_iter()
            .filter_map(|(platform, configured)| configured.then_some(platform))
            .collect(),
            link_secret,
            public_url,
            templates,
            report,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trusted_proxies_are_addresses_and_cidr_blocks() {
        let t = TrustedProxies::parse("127.0.0.1, 10.0.0.0/8, 192.168.1.128/25, ::1").unwrap();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(t.contains(ip("127.0.0.1")));
        assert!(!t.contains(ip("127.0.0.2")));
        assert!(t.contains(ip("10.200.3.4")));
        assert!(t.contains(ip("192.168.1.200")));
        assert!(!t.contains(ip("192.168.1.100")));
        assert!(t.contains(ip("::1")));
        assert!(!t.contains(ip("::2")));
        assert!(!TrustedProxies::default().contains(ip("127.0.0.1")));
        assert!(TrustedProxies::parse("0.0.0.0/0").unwrap().contains(ip("203.0.113.9")));
        for bad in ["localhost", "10.0.0.0/33", "::/129", "1.2.3.4/x"] {
            assert!(TrustedProxies::parse(bad).is_err(), "{bad}");
        }
        let err = Config::from_vars([("SARAFAN_TRUSTED_PROXIES", "proxy.local")]).unwrap_err();
        assert!(
            err.to_string().starts_with("SARAFAN_TRUSTED_PROXIES is invalid"),
            "{err}"
        );
    }

    #[test]
    fn every_comma_separated_secret_is_accepted_and_none_is_printed() {
        let secrets = Secrets::parse(" old-secret , new-secret ,").unwrap();
        assert!(secrets.matches("old-secret"));
        assert!(secrets.matches("new-secret"));
        assert!(!secrets.matches("old-secret,new-secret"));
        assert!(!secrets.matches(""));
        assert_eq!(format!("{secrets:?}"), "Secrets([REDACTED; 2])");
        assert!(Secrets::parse(" , ").is_none());
    }

    #[test]
    fn the_value_that_matched_last_is_tried_first_and_every_value_still_counts() {
        let secrets = Secrets::parse("old,new").unwrap();
        let tried = |secrets: &Secrets, wanted: &[u8]| {
            let mut order = Vec::new();
            let found = secrets.any_keyed(|value| {
                order.push(String::from_utf8(value.to_vec()).unwrap());
                value == wanted
            });
            (found, order)
        };
        assert_eq!(tried(&secrets, b"old"), (true, vec!["old".to_string()]));
        assert_eq!(tried(&secrets, b"new"), (true, vec!["old".into(), "new".into()]));
        // A clone (the router's state per request) shares what matched last.
        let clone = secrets.clone();
        assert_eq!(tried(&clone, b"new"), (true, vec!["new".to_string()]));
        assert_eq!(tried(&clone, b"old"), (true, vec!["new".into(), "old".into()]));
        // A refusal tries every value.
        assert_eq!(tried(&secrets, b"other"), (false, vec!["old".into(), "new".into()]));
    }

    #[test]
    fn config_reads_the_contract_variables() {
        let config = Config::from_vars([
            ("SLACK_SIGNING_SECRET", "s1,s2"),
            ("SARAFAN_BRAND_TERMS", "Sprite, @sprite ,#sprite"),
            ("REFERRAL_LANDING_URL", "https://shop.example/welcome?utm=ref"),
        ])
        .unwrap();
        assert!(config.slack_signing_secret.unwrap().matches("s2"));
        assert!(config.telegram_webhook_secret.is_none());
        assert_eq!(config.brand_terms, ["Sprite", "@sprite", "#sprite"]);
        assert_eq!(config.default_locale, "en");
        assert!(!format!("{:?}", Config::from_vars([("SARAFAN_API_TOKEN", "tok-123")]).unwrap()).contains("tok-123"));
    }

    #[test]
    fn config_names_the_invalid_variable() {
        let err = Config::from_vars([("REFERRAL_LANDING_URL", "not a url")]).unwrap_err();
        assert!(err.to_string().starts_with("REFERRAL_LANDING_URL is invalid"), "{err}");
        let err = Config::from_vars([("REFERRAL_LANDING_URL", "ftp://shop.example/")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "REFERRAL_LANDING_URL is invalid: must be an http(s) URL"
        );
    }
}
