//! Outreach settings from the environment, read once at startup; a bad value stops the start.

use crate::email::{EmailChannel, SesSurveyMailer};
use crate::templates::{normalize_locale, Templates};
use sarafan_core::chat::{self, SlackClient, TelegramClient, WhatsappClient};
use sarafan_core::clock::SharedClock;
use sarafan_core::listening::TermSet;
pub use sarafan_core::settings::ConfigError;
use sarafan_core::settings::Vars;
use sarafan_core::survey::SurveyPolicy;
use sarafan_core::survey_link::LinkSecrets;
use std::path::Path;
use std::time::Duration;

/// What outreach decides with, besides the clients and texts.
#[derive(Debug, Clone)]
pub struct OutreachConfig {
    /// Base of referral links (`{public_url}/r/{code}`); without it promoters are thanked without one.
    pub public_url: Option<String>,
    pub alert_channel: Option<String>,
    pub kudos_channel: Option<String>,
    /// Employees' names (`SARAFAN_STAFF_NAMES`): a positive brand mention naming one is kudos.
    pub staff: TermSet,
    pub default_locale: String,
    pub policy: SurveyPolicy,
    pub worker: WorkerTuning,
    /// Who this worker is in the store's lease and message claims: random per process.
    pub claimant: String,
    /// How long the feed worker's lease on the store lasts unless renewed
    /// (`SARAFAN_OUTREACH_LEASE_SECS`); a second worker takes over this long after the first stops.
    pub lease_ttl: Duration,
    /// A claim on a message older than this is taken to be its claimant's last act before it
    /// died, and taken over (longer than a Lambda can run, so a live sender is never overtaken).
    pub claim_stale_after: Duration,
    /// The email channel (`SURVEY_FROM`): surveys by email and promoters' links by email.
    pub email: Option<EmailChannel>,
    /// Raised when the feed worker is to stop: a record being retried gives up then (see
    /// `outbox`). Never raised in Lambda, where the invocation's end is the limit.
    pub stop: crate::StopSignal,
    /// Where messages sent but not recorded at a stop are kept until the next start (beside an
    /// SQLite database); without one, such a message may be sent again after the restart.
    pub outbox: Option<std::path::PathBuf>,
    /// What time it is for the throttle, the answer window, spikes and the lease: the system
    /// clock, or a set one in tests.
    pub clock: SharedClock,
}

/// A fresh name for a worker's lease and claims: the process id (for the logs) and a random
/// part (std's per-instance random hasher keys), so no two workers share one.
pub fn new_claimant() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut random = std::collections::hash_map::RandomState::new().build_hasher();
    random.write_u32(std::process::id());
    format!("outreach-{}-{:016x}", std::process::id(), random.finish())
}

impl Default for OutreachConfig {
    fn default() -> Self {
        OutreachConfig {
            public_url: None,
            alert_channel: None,
            kudos_channel: None,
            staff: TermSet::default(),
            default_locale: "en".into(),
            policy: SurveyPolicy::default(),
            worker: WorkerTuning::default(),
            claimant: new_claimant(),
            lease_ttl: Duration::from_secs(30),
            claim_stale_after: Duration::from_secs(120),
            email: None,
            stop: crate::StopSignal::default(),
            outbox: None,
            clock: sarafan_core::clock::system(),
        }
    }
}

/// How the feed worker polls and backs off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerTuning {
    pub batch: usize,
    /// Wait between polls of an empty feed.
    pub poll: Duration,
    /// After a transient failure the wait doubles from `poll` up to this.
    pub max_backoff: Duration,
}

impl Default for WorkerTuning {
    fn default() -> Self {
        WorkerTuning {
            batch: 100,
            poll: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
        }
    }
}

/// The chat clients of the configured platforms; a platform without a token is `None`.
#[derive(Debug, Clone, Default)]
pub struct ChatClients {
    pub slack: Option<SlackClient>,
    pub telegram: Option<TelegramClient>,
    pub whatsapp: Option<WhatsappClient>,
}

impl ChatClients {
    /// Every client with `retry` as its retry policy.
    pub fn with_retry(self, retry: chat::RetryPolicy) -> Self {
        ChatClients {
            slack: self.slack.map(|c| c.with_retry(retry)),
            telegram: self.telegram.map(|c| c.with_retry(retry)),
            whatsapp: self.whatsapp.map(|c| c.with_retry(retry)),
        }
    }
}

/// Everything outreach reads from the environment.
#[derive(Debug)]
pub struct Settings {
    pub config: OutreachConfig,
    pub chat: ChatClients,
    pub templates: Templates,
}

impl Settings {
    /// Reads outreach's variables (the host's, or a literal list in tests).
    pub fn from_vars(vars: &Vars) -> Result<Self, ConfigError> {
        let http = chat::http_client();
        // Secret variables may list several values for rotation; outbound calls use the first.
        let slack = vars.secrets("SLACK_BOT_TOKEN").map(|token| {
            let base = vars.or("SLACK_API_URL", chat::slack::DEFAULT_API_URL);
            SlackClient::new(http.clone(), base.to_string(), token.first())
        });
        let telegram = vars.secrets("TELEGRAM_BOT_TOKEN").map(|token| {
            let base = vars.or("TELEGRAM_API_URL", chat::telegram::DEFAULT_API_URL);
            TelegramClient::new(http.clone(), base.to_string(), token.first())
        });
        let whatsapp = match (vars.secrets("WHATSAPP_TOKEN"), vars.get("WHATSAPP_PHONE_NUMBER_ID")) {
            (Some(token), Some(phone_number_id)) => {
                let base = vars.or("META_GRAPH_URL", chat::whatsapp::DEFAULT_API_URL);
                Some(WhatsappClient::new(
                    http.clone(),
                    base.to_string(),
                    phone_number_id.to_string(),
                    token.first(),
                ))
            }
            (Some(_), None) => {
                return Err(ConfigError::required_when(
                    "WHATSAPP_PHONE_NUMBER_ID",
                    "WHATSAPP_TOKEN is set",
                ))
            }
            _ => None,
        };
        let public_url = vars.http_url("SARAFAN_PUBLIC_URL")?;
        let templates = match vars.get("SARAFAN_TEMPLATES") {
            Some(path) => {
                Templates::from_file(Path::new(path)).map_err(|e| ConfigError::invalid("SARAFAN_TEMPLATES", e))?
            }
            None => Templates::builtin(),
        };
        let default_locale = match vars.get("SARAFAN_DEFAULT_LOCALE") {
            None => "en".to_string(),
            Some(tag) => normalize_locale(tag)
                .filter(|l| templates.has_locale(l))
                .ok_or_else(|| {
                    ConfigError::invalid(
                        "SARAFAN_DEFAULT_LOCALE",
                        format!("no messages for {tag:?}; add them with SARAFAN_TEMPLATES"),
                    )
                })?,
        };
        let lease_ttl = Duration::from_secs(vars.number_in(
            "SARAFAN_OUTREACH_LEASE_SECS",
            1..=3600,
            "seconds",
            OutreachConfig::default().lease_ttl.as_secs(),
        )?);
        let email = match vars.string("SURVEY_FROM") {
            None => None,
            Some(from) => {
                let links = vars
                    .get("SARAFAN_LINK_SECRET")
                    .and_then(LinkSecrets::parse)
                    .ok_or_else(|| {
                        ConfigError::required_when(
                            "SARAFAN_LINK_SECRET",
                            "SURVEY_FROM is set (it signs the survey links)",
                        )
                    })?;
                let public_url = public_url.clone().ok_or_else(|| {
                    ConfigError::required_when(
                        "SARAFAN_PUBLIC_URL",
                        "SURVEY_FROM is set (the survey links point there)",
                    )
                })?;
                Some(EmailChannel {
                    mailer: std::sync::Arc::new(SesSurveyMailer::default()),
                    from,
                    links,
                    public_url,
                })
            }
        };
        Ok(Settings {
            config: OutreachConfig {
                email,
                lease_ttl,
                public_url,
                alert_channel: vars.string("SLACK_ALERT_CHANNEL"),
                kudos_channel: vars.string("SLACK_KUDOS_CHANNEL"),
                staff: TermSet::parse(vars.or("SARAFAN_STAFF_NAMES", ""), ""),
                default_locale,
                ..OutreachConfig::default()
            },
            chat: ChatClients {
                slack,
                telegram,
                whatsapp,
            },
            templates,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        Settings::from_vars(&Vars::from_pairs(vars.iter().copied()))
    }

    #[test]
    fn nothing_set_means_no_platforms_and_english() {
        let s = settings(&[]).unwrap();
        assert!(s.chat.slack.is_none() && s.chat.telegram.is_none() && s.chat.whatsapp.is_none());
        assert_eq!(s.config.default_locale, "en");
    }

    #[test]
    fn tokens_never_show_in_debug_output() {
        let s = settings(&[
            ("SLACK_BOT_TOKEN", "xoxb-secret-1,xoxb-secret-2"),
            ("TELEGRAM_BOT_TOKEN", "123:telegram-secret"),
            ("WHATSAPP_TOKEN", "EAAG-secret"),
            ("WHATSAPP_PHONE_NUMBER_ID", "1055"),
        ])
        .unwrap();
        let shown = format!("{s:?}");
        for secret in ["xoxb-secret", "telegram-secret", "EAAG-secret"] {
            assert!(!shown.contains(secret), "{secret} leaked");
        }
        assert!(s.chat.whatsapp.is_some());
    }

    #[test]
    fn bad_values_name_the_variable() {
        let err = |vars: &[(&str, &str)]| settings(vars).unwrap_err().to_string();
        assert!(err(&[("SARAFAN_DEFAULT_LOCALE", "tlh")]).starts_with("SARAFAN_DEFAULT_LOCALE"));
        assert!(err(&[("SARAFAN_PUBLIC_URL", "sarafan.example")]).starts_with("SARAFAN_PUBLIC_URL"));
        assert!(err(&[("WHATSAPP_TOKEN", "t")]).starts_with("WHATSAPP_PHONE_NUMBER_ID"));
        assert!(err(&[("SARAFAN_TEMPLATES", "/nonexistent.json")]).contains("/nonexistent.json"));
        assert!(err(&[("SARAFAN_OUTREACH_LEASE_SECS", "0")]).starts_with("SARAFAN_OUTREACH_LEASE_SECS"));
        assert!(err(&[("SARAFAN_OUTREACH_LEASE_SECS", "ten")]).starts_with("SARAFAN_OUTREACH_LEASE_SECS"));
        assert_eq!(
            settings(&[("SARAFAN_OUTREACH_LEASE_SECS", "5")])
                .unwrap()
                .config
                .lease_ttl,
            Duration::from_secs(5)
        );
    }

    #[test]
    fn survey_from_needs_the_link_secret_and_the_public_url() {
        let err = |vars: &[(&str, &str)]| settings(vars).unwrap_err().to_string();
        assert!(err(&[
            ("SURVEY_FROM", "nps@s.example"),
            ("SARAFAN_PUBLIC_URL", "https://s.example")
        ])
        .starts_with("SARAFAN_LINK_SECRET"));
        assert!(
            err(&[("SURVEY_FROM", "nps@s.example"), ("SARAFAN_LINK_SECRET", "k")]).starts_with("SARAFAN_PUBLIC_URL")
        );
        let s = settings(&[
            ("SURVEY_FROM", "Sprite <nps@s.example>"),
            ("SARAFAN_LINK_SECRET", "link-secret-1,old"),
            ("SARAFAN_PUBLIC_URL", "https://s.example/"),
        ])
        .unwrap();
        let email = s.config.email.expect("the email channel");
        assert_eq!(
            (email.from.as_str(), email.public_url.as_str()),
            ("Sprite <nps@s.example>", "https://s.example")
        );
        assert!(!format!("{email:?}").contains("link-secret-1"));
        assert!(settings(&[]).unwrap().config.email.is_none());
    }

    #[test]
    fn default_locale_is_normalised() {
        let s = settings(&[
            ("SARAFAN_DEFAULT_LOCALE", "de-AT"),
            ("SARAFAN_PUBLIC_URL", "https://s.example/"),
        ])
        .unwrap();
        assert_eq!(s.config.default_locale, "de");
        assert!(s.config.staff.is_empty());
        assert_eq!(s.config.public_url.as_deref(), Some("https://s.example"));
    }

    #[test]
    fn staff_names_are_a_comma_list() {
        let s = settings(&[("SARAFAN_STAFF_NAMES", "Anna Novak, Ivan ,,")]).unwrap();
        assert_eq!(s.config.staff.brand_terms().collect::<Vec<_>>(), ["Anna Novak", "Ivan"]);
    }
}
