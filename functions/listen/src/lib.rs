//! sarafan-listen: organic listening. On a schedule it searches public sources (Hacker News,
//! Reddit, Bluesky, Mastodon, RSS/Atom feeds) for the configured brand and competitor terms and
//! stores each new post that names one as a mention, through the same classification as
//! `/api/mentions`; outreach then raises alerts, spikes and kudos from the change feed as for any
//! mention, and the report counts them.
//!
//! Each source and query keeps a cursor in the store (`listen:{source}:{query}`: the newest
//! post time seen, Unix seconds, moved only forward): a run asks for posts from the cursor on,
//! the first run from `LISTEN_LOOKBACK_HOURS` ago. Mention ids are `{source}:{the source's id}`
//! and the delivery key is the same, so a post found twice (two terms, two runs, an overlap at the
//! cursor) is stored once. A rate-limited source writes `listen:{source}:not-before` and is not
//! asked again before that time; a failing source is logged and retried next run while the
//! others go on.

pub mod config;
pub mod http;
pub mod sources;

pub use config::{Config, ConfigError};

use chrono::{DateTime, Duration, Utc};
use sarafan_core::clock::{Clock, SharedClock};
use sarafan_core::ledger::{Applied, Change};
use sarafan_core::listening::{Listening, MentionClassifier};
use sarafan_core::model::Mention;
use sarafan_core::store::{ChangeFeed, ChangeWriter, StoreError};
use sources::Source;

/// The store ports a run uses: writing mentions, and cursors.
pub trait ListenStore: ChangeWriter + ChangeFeed {}

impl<T: ChangeWriter + ChangeFeed + ?Sized> ListenStore for T {}

/// What one source did in a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceRun {
    pub source: &'static str,
    /// Posts the source returned.
    pub fetched: usize,
    /// Of those, posts newer than the cursor.
    pub new: usize,
    /// Of those, mentions stored (naming a term, never stored before).
    pub stored: usize,
    /// Queries that failed (logged; retried next run).
    pub failed: usize,
    /// Set when the source asked us to wait: not asked again before then.
    pub paused_until: Option<DateTime<Utc>>,
}

/// Listens once in every configured source.
pub struct Listener {
    sources: Vec<Box<dyn Source>>,
    terms: Vec<String>,
    classifier: Listening,
    lookback: Duration,
    clock: SharedClock,
}

impl Listener {
    pub fn new(config: Config) -> Self {
        let mut terms = config.brand_terms.clone();
        terms.extend(config.competitor_terms.iter().cloned());
        Listener {
            classifier: Listening::new(&config.brand_terms, &config.competitor_terms)
                .with_default_locale(&config.default_locale),
            sources: config.sources,
            terms,
            lookback: Duration::hours(i64::from(config.lookback_hours)),
            clock: config.clock,
        }
    }

    /// The clock a run takes its time from ([`Config::clock`]).
    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// One run over every source, one after another. A store failure stops the run (the next
    /// run retries from the saved cursors); a source failure only skips that source.
    pub async fn run_once<S: ListenStore + ?Sized>(
        &self,
        store: &S,
        now: DateTime<Utc>,
    ) -> Result<Vec<SourceRun>, StoreError> {
        let mut runs = Vec::with_capacity(self.sources.len());
        for source in &self.sources {
            runs.push(self.run_source(source.as_ref(), store, now).await?);
        }
        Ok(runs)
    }

    async fn run_source<S: ListenStore + ?Sized>(
        &self,
        source: &dyn Source,
        store: &S,
        now: DateTime<Utc>,
    ) -> Result<SourceRun, StoreError> {
        let name = source.name();
        let mut run = SourceRun {
            source: name,
            ..SourceRun::default()
        };
        let pause_key = format!("listen:{name}:not-before");
        let not_before = store.cursor(&pause_key).await?;
        if now.timestamp() < not_before as i64 {
            tracing::info!(
                source = name,
                until = not_before,
                "rate limited earlier: not asked before then"
            );
            run.paused_until = DateTime::from_timestamp(not_before as i64, 0);
            return Ok(run);
        }
        for query in source.queries(&self.terms) {
            let key = format!("listen:{name}:{query}");
            let cursor = store.cursor(&key).await?;
            let since = if cursor == 0 {
                now - self.lookback
            } else {
                DateTime::from_timestamp(cursor as i64, 0).unwrap_or(now - self.lookback)
            };
            let posts = match source.fetch(&query, since, now).await {
                Ok(posts) => posts,
                Err(e) => match e.paused_until(now) {
                    Some(until) => {
                        let wait_s = (until - now).num_seconds();
                        tracing::warn!(source = name, query = %query, wait_s, "rate limited: the source is paused until then");
                        store.save_cursor(&pause_key, until.timestamp().max(0) as u64).await?;
                        run.paused_until = Some(until);
                        run.failed += 1;
                        break;
                    }
                    None => {
                        tracing::warn!(source = name, query = %query, error = %e, "source failed: retried next run");
                        run.failed += 1;
                        continue;
                    }
                },
            };
            run.fetched += posts.len();
            let mut newest = cursor as i64;
            for post in posts {
                if post.created_at < since {
                    continue;
                }
                // Posts in the cursor's own second were looked at last run: checked again, not new.
                if cursor == 0 || post.created_at.timestamp() > cursor as i64 {
                    run.new += 1;
                }
                newest = newest.max(post.created_at.timestamp());
                let Some(found) = self.classifier.classify_if_matched(&post.text, None) else {
                    continue;
                };
                let id = format!("{name}:{}", post.id);
                let mention = Mention {
                    id: id.clone(),
                    source: name.to_string(),
                    text: post.text,
                    url: post.url,
                    author: post.author,
                    lang: found.lang,
                    sentiment: found.sentiment,
                    matched_terms: found.matched_terms,
                    competitor: found.competitor,
                    created_at: post.created_at,
                };
                if store.apply(&id, Change::Mention(mention)).await? == Applied::Stored {
                    run.stored += 1;
                }
            }
            // The cursor moves only once the posts up to it are stored; the next run asks from it
            // again (inclusive), so a post sharing its second is not skipped.
            if newest > cursor as i64 {
                store.save_cursor(&key, newest as u64).await?;
            }
        }
        tracing::info!(
            source = name,
            fetched = run.fetched,
            new = run.new,
            stored = run.stored,
            failed = run.failed,
            "listened"
        );
        Ok(run)
    }
}

/// How often `sarafan serve` and `sarafan listen` listen; in AWS the schedule says
/// (`ListenSchedule` in template.yaml, the same 10 minutes by default).
pub const EVERY: std::time::Duration = std::time::Duration::from_secs(600);

impl Listener {
    /// True when a run would ask anything: a source is on and there is a term (or a feed) to ask.
    pub fn has_work(&self) -> bool {
        self.sources.iter().any(|s| !s.queries(&self.terms).is_empty())
    }

    /// Listens now and then every [`EVERY`] until `stop` resolves; a failed run is logged and
    /// the next one tries again.
    pub async fn run_forever<S: ListenStore + ?Sized>(&self, store: &S, stop: impl std::future::Future<Output = ()>) {
        let mut ticks = tokio::time::interval(EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(stop);
        loop {
            tokio::select! {
                _ = &mut stop => return,
                _ = ticks.tick() => {
                    if let Err(e) = self.run_once(store, self.clock.now()).await {
                        tracing::warn!(error = %e, "listening run stopped by the store; the next run retries from the saved cursors");
                    }
                }
            }
        }
    }
}
