//! The listen function's settings: which sources are on, their addresses and credentials, the
//! terms to listen for and how far back a first run looks.

use crate::sources::{bluesky, reddit, Source};
use crate::sources::{bluesky::Bluesky, feeds::Feeds, hackernews::HackerNews, mastodon::Mastodon, reddit::Reddit};
use sarafan_core::settings::{self, Vars};
use secrecy::SecretString;

pub const DEFAULT_HN_SEARCH_URL: &str = "https://hn.algolia.com/api/v1";
pub const DEFAULT_LOOKBACK_HOURS: u32 = 24;

use sarafan_core::clock::SharedClock;
pub use sarafan_core::settings::ConfigError;

/// What a run listens for and where.
pub struct Config {
    pub brand_terms: Vec<String>,
    pub competitor_terms: Vec<String>,
    pub default_locale: String,
    /// How far back the first run of a source and term looks.
    pub lookback_hours: u32,
    pub sources: Vec<Box<dyn Source>>,
    /// One line per source, on or off and why, for the start-up log.
    pub described: Vec<String>,
    /// What time a run is (the system clock; a set one in tests).
    pub clock: SharedClock,
}

impl Config {
    /// Reads the listen variables (the environment, or a Lambda's secret merged into it).
    /// An empty value is unset, except `HN_SEARCH_URL`, where empty turns Hacker News off.
    pub fn from_vars(vars: &Vars) -> Result<Config, ConfigError> {
        // URLs keep the form given (a feed's trailing slash may matter).
        let url = |name: &'static str, value: String| -> Result<String, ConfigError> {
            settings::http_url(name, &value).map(|_| value)
        };
        let lookback_hours = vars.number_in("LISTEN_LOOKBACK_HOURS", 1..=24 * 30, "hours", DEFAULT_LOOKBACK_HOURS)?;
        let timeout = match vars.get("LISTEN_TIMEOUT_SECONDS") {
            None => crate::http::CALL_TIMEOUT,
            Some(_) => {
                std::time::Duration::from_secs(vars.number_in("LISTEN_TIMEOUT_SECONDS", 1..=120, "seconds", 0)?)
            }
        };
        let http = crate::http::client(timeout);
        let mut sources: Vec<Box<dyn Source>> = Vec::new();
        let mut described = Vec::new();

        match vars.raw("HN_SEARCH_URL") {
            Some("") => described.push("hackernews: off (HN_SEARCH_URL is empty)".into()),
            value => {
                let base = url("HN_SEARCH_URL", value.unwrap_or(DEFAULT_HN_SEARCH_URL).to_string())?;
                described.push(format!("hackernews: on ({base})"));
                sources.push(Box::new(HackerNews::new(http.clone(), &base)));
            }
        }
        match (vars.string("REDDIT_CLIENT_ID"), vars.string("REDDIT_CLIENT_SECRET")) {
            (Some(id), Some(secret)) => {
                let base = url(
                    "REDDIT_API_URL",
                    vars.or("REDDIT_API_URL", reddit::DEFAULT_API_URL).to_string(),
                )?;
                described.push(format!("reddit: on ({base})"));
                sources.push(Box::new(Reddit::new(
                    http.clone(),
                    &base,
                    &id,
                    SecretString::from(secret),
                )));
            }
            _ => described.push("reddit: off (set REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET)".into()),
        }
        match (vars.string("BLUESKY_HANDLE"), vars.string("BLUESKY_APP_PASSWORD")) {
            (Some(handle), Some(password)) => {
                let base = url(
                    "BLUESKY_API_URL",
                    vars.or("BLUESKY_API_URL", bluesky::DEFAULT_API_URL).to_string(),
                )?;
                described.push(format!("bluesky: on ({base} as {handle})"));
                sources.push(Box::new(Bluesky::new(
                    http.clone(),
                    &base,
                    &handle,
                    SecretString::from(password),
                )));
            }
            _ => described.push("bluesky: off (set BLUESKY_HANDLE and BLUESKY_APP_PASSWORD)".into()),
        }
        match vars.string("MASTODON_URL") {
            Some(base) => {
                let base = url("MASTODON_URL", base)?;
                let token = vars.string("MASTODON_TOKEN").map(SecretString::from);
                described.push(format!(
                    "mastodon: on ({base}{})",
                    if token.is_some() {
                        ""
                    } else {
                        "; without MASTODON_TOKEN only #hashtag terms are read"
                    }
                ));
                sources.push(Box::new(Mastodon::new(http.clone(), &base, token)));
            }
            None => described.push("mastodon: off (set MASTODON_URL)".into()),
        }
        let feeds = vars.list("LISTEN_FEEDS");
        if feeds.is_empty() {
            described.push("feed: off (set LISTEN_FEEDS)".into());
        } else {
            let feeds = feeds
                .into_iter()
                .map(|f| url("LISTEN_FEEDS", f))
                .collect::<Result<Vec<_>, _>>()?;
            described.push(format!("feed: on ({} feeds)", feeds.len()));
            sources.push(Box::new(Feeds::new(http, feeds)));
        }
        Ok(Config {
            brand_terms: vars.list("SARAFAN_BRAND_TERMS"),
            competitor_terms: vars.list("SARAFAN_COMPETITOR_TERMS"),
            default_locale: vars.or("SARAFAN_DEFAULT_LOCALE", "en").to_string(),
            lookback_hours,
            sources,
            described,
            clock: sarafan_core::clock::system(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_vars(&Vars::from_pairs(vars.iter().copied()))
    }

    fn names(c: &Config) -> Vec<&'static str> {
        c.sources.iter().map(|s| s.name()).collect()
    }

    #[test]
    fn hacker_news_is_on_by_default_and_the_rest_when_configured() {
        let c = config(&[]).unwrap();
        assert_eq!(names(&c), ["hackernews"]);
        assert_eq!(c.lookback_hours, 24);
        let c = config(&[
            ("HN_SEARCH_URL", ""),
            ("REDDIT_CLIENT_ID", "id"),
            ("REDDIT_CLIENT_SECRET", "s"),
            ("BLUESKY_HANDLE", "sprite.bsky.social"),
            ("BLUESKY_APP_PASSWORD", "p"),
            ("MASTODON_URL", "https://mastodon.social"),
            ("LISTEN_FEEDS", "https://a.example/feed, https://b.example/atom"),
            ("LISTEN_LOOKBACK_HOURS", "48"),
        ])
        .unwrap();
        assert_eq!(names(&c), ["reddit", "bluesky", "mastodon", "feed"]);
        assert_eq!(c.lookback_hours, 48);
        assert!(c
            .described
            .iter()
            .any(|d| d == "hackernews: off (HN_SEARCH_URL is empty)"));
        // Only one half of a credential pair leaves the source off.
        assert_eq!(
            names(&config(&[("HN_SEARCH_URL", ""), ("REDDIT_CLIENT_ID", "id")]).unwrap()),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (name, value) in [
            ("LISTEN_LOOKBACK_HOURS", "a day"),
            ("LISTEN_LOOKBACK_HOURS", "0"),
            ("LISTEN_TIMEOUT_SECONDS", "forever"),
            ("LISTEN_FEEDS", "ftp://x.example/feed"),
            ("HN_SEARCH_URL", "hn"),
            ("MASTODON_URL", "mastodon.social"),
        ] {
            let err = config(&[(name, value)])
                .err()
                .unwrap_or_else(|| panic!("{name}={value}"));
            assert_eq!(err.name, name);
        }
    }
}
