//! The ingest function's settings, read once from the CONTRACT's environment variables.

use sarafan_core::settings::Vars;
use sarafan_core::survey_link::LinkSecrets;
use sarafan_core::templates::Templates;
use std::net::IpAddr;
use url::Url;

pub use sarafan_core::settings::{ConfigError, Secrets};

/// `SARAFAN_TRUSTED_PROXIES`: the addresses (or CIDR blocks) of proxies in front of Sarafan whose
/// `X-Forwarded-For` is believed. Anyone else can write that header, so from any other peer it
/// is ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    blocks: Vec<(IpAddr, u8)>,
}

/// An entry of `SARAFAN_TRUSTED_PROXIES` that is not an address or CIDR block.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProxyError {
    #[error("{item:?} is not an IP address or CIDR block")]
    NotAnAddress {
        item: String,
        #[source]
        source: std::net::AddrParseError,
    },
    #[error("{item:?}: the prefix length must be 0-{max}")]
    PrefixLength { item: String, max: u8 },
}

impl TrustedProxies {
    /// Parses a comma list of addresses and CIDR blocks (`127.0.0.1, 10.0.0.0/8, ::1`).
    pub fn parse(raw: &str) -> Result<TrustedProxies, ProxyError> {
        let mut blocks = Vec::new();
        for item in raw.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let (addr, bits) = match item.split_once('/') {
                Some((addr, bits)) => (addr, Some(bits)),
                None => (item, None),
            };
            let addr: IpAddr = addr.parse().map_err(|source| ProxyError::NotAnAddress {
                item: item.to_string(),
                source,
            })?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            let bits = match bits {
                None => max,
                Some(bits) => {
                    bits.parse::<u8>()
                        .ok()
                        .filter(|b| *b <= max)
                        .ok_or_else(|| ProxyError::PrefixLength {
                            item: item.to_string(),
                            max,
                        })?
                }
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
    /// Reads the given variables (the host's, or a literal list in tests).
    pub fn from_vars(vars: &Vars) -> Result<Config, ConfigError> {
        let referral_landing_url = vars
            .get("REFERRAL_LANDING_URL")
            .map(|raw| {
                let url = Url::parse(raw).map_err(|e| ConfigError::invalid("REFERRAL_LANDING_URL", e))?;
                if !matches!(url.scheme(), "http" | "https") {
                    return Err(ConfigError::invalid("REFERRAL_LANDING_URL", "must be an http(s) URL"));
                }
                Ok(url)
            })
            .transpose()?;
        let trusted_proxies = TrustedProxies::parse(vars.or("SARAFAN_TRUSTED_PROXIES", ""))
            .map_err(|reason| ConfigError::invalid("SARAFAN_TRUSTED_PROXIES", reason))?;
        let public_url = vars.http_url("SARAFAN_PUBLIC_URL")?;
        let templates = match vars.get("SARAFAN_TEMPLATES") {
            Some(path) => Templates::from_file(std::path::Path::new(path))
                .map_err(|e| ConfigError::invalid("SARAFAN_TEMPLATES", e))?,
            None => Templates::builtin(),
        };
        let link_secret = vars.get("SARAFAN_LINK_SECRET").and_then(LinkSecrets::parse);
        let report = sarafan_reports::job::Settings::from_vars(vars)?;
        let email_surveys = vars.is_set("SURVEY_FROM") && link_secret.is_some() && public_url.is_some();
        Ok(Config {
            slack_signing_secret: vars.secrets("SLACK_SIGNING_SECRET"),
            telegram_webhook_secret: vars.secrets("TELEGRAM_WEBHOOK_SECRET"),
            meta_verify_token: vars.secrets("META_VERIFY_TOKEN"),
            meta_app_secret: vars.secrets("META_APP_SECRET"),
            x_consumer_secret: vars.secrets("X_CONSUMER_SECRET"),
            typeform_secret: vars.secrets("TYPEFORM_SECRET"),
            typeform_score_field: vars.string("TYPEFORM_SCORE_FIELD"),
            api_token: vars.secrets("SARAFAN_API_TOKEN"),
            referral_landing_url,
            trusted_proxies,
            brand_terms: vars.list("SARAFAN_BRAND_TERMS"),
            competitor_terms: vars.list("SARAFAN_COMPETITOR_TERMS"),
            default_locale: vars.or("SARAFAN_DEFAULT_LOCALE", "en").to_string(),
            chat_platforms: [
                (sarafan_core::model::Platform::Slack, vars.is_set("SLACK_BOT_TOKEN")),
                (
                    sarafan_core::model::Platform::Telegram,
                    vars.is_set("TELEGRAM_BOT_TOKEN"),
                ),
                (
                    sarafan_core::model::Platform::Whatsapp,
                    vars.is_set("WHATSAPP_TOKEN") && vars.is_set("WHATSAPP_PHONE_NUMBER_ID"),
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
        let err = TrustedProxies::parse("10.0.0.1, localhost").unwrap_err();
        assert_eq!(err.to_string(), r#""localhost" is not an IP address or CIDR block"#);
        assert!(
            std::error::Error::source(&err).is_some(),
            "the address parser's error is its source"
        );
        assert_eq!(
            TrustedProxies::parse("::/129").unwrap_err(),
            ProxyError::PrefixLength {
                item: "::/129".into(),
                max: 128
            }
        );
        let err = Config::from_vars(&Vars::from_pairs([("SARAFAN_TRUSTED_PROXIES", "proxy.local")])).unwrap_err();
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
        let config = Config::from_vars(&Vars::from_pairs([
            ("SLACK_SIGNING_SECRET", "s1,s2"),
            ("SARAFAN_BRAND_TERMS", "Sprite, @sprite ,#sprite"),
            ("REFERRAL_LANDING_URL", "https://shop.example/welcome?utm=ref"),
        ]))
        .unwrap();
        assert!(config.slack_signing_secret.unwrap().matches("s2"));
        assert!(config.telegram_webhook_secret.is_none());
        assert_eq!(config.brand_terms, ["Sprite", "@sprite", "#sprite"]);
        assert_eq!(config.default_locale, "en");
        assert!(!format!(
            "{:?}",
            Config::from_vars(&Vars::from_pairs([("SARAFAN_API_TOKEN", "tok-123")])).unwrap()
        )
        .contains("tok-123"));
    }

    #[test]
    fn config_names_the_invalid_variable() {
        let err = Config::from_vars(&Vars::from_pairs([("REFERRAL_LANDING_URL", "not a url")])).unwrap_err();
        assert!(err.to_string().starts_with("REFERRAL_LANDING_URL is invalid"), "{err}");
        let err = Config::from_vars(&Vars::from_pairs([("REFERRAL_LANDING_URL", "ftp://shop.example/")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "REFERRAL_LANDING_URL is invalid: must be an http(s) URL"
        );
    }
}
