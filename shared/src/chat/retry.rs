//! Bounded retries: rate limits and outages are waited out for a while, then handed back as transient.

use super::ChatError;
use crate::model::Platform;
use std::future::Future;
use std::time::Duration;
use tokio::time::Instant;

/// How long a client keeps trying one request before giving the event back for a later retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total time one request may spend waiting between attempts.
    pub budget: Duration,
    /// The first wait after an outage (doubled each time); rate limits use the platform's own wait.
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            budget: Duration::from_secs(30),
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
        }
    }
}

impl RetryPolicy {
    /// No waiting in the client at all: the first failure worth retrying is handed back (with
    /// the platform's requested wait, if any), for a caller that schedules retries itself, per
    /// recipient, instead of holding everyone up while one chat is waited out.
    pub fn none() -> Self {
        RetryPolicy {
            budget: Duration::ZERO,
            initial_backoff: Duration::ZERO,
            max_backoff: Duration::ZERO,
        }
    }

    /// Small waits and budget, for tests and local runs.
    pub fn quick(budget: Duration) -> Self {
        RetryPolicy {
            budget,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(100),
        }
    }
}

/// What one attempt of a request came to.
pub(crate) enum Attempt<T> {
    Done(T),
    /// Worth another try, after the platform's requested wait if it named one.
    Retry {
        after: Option<Duration>,
        reason: String,
    },
    Failed(ChatError),
}

/// Runs `attempt` until it is done, fails for good, or the next wait would exceed the budget.
pub(crate) async fn with_retries<T, F, Fut>(
    policy: &RetryPolicy,
    platform: Platform,
    method: &str,
    mut attempt: F,
) -> Result<T, ChatError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Attempt<T>>,
{
    let started = Instant::now();
    let mut backoff = policy.initial_backoff;
    loop {
        match attempt().await {
            Attempt::Done(value) => return Ok(value),
            Attempt::Failed(e) => return Err(e),
            Attempt::Retry { after, reason } => {
                let wait = after.unwrap_or(backoff);
                backoff = (backoff * 2).min(policy.max_backoff);
                if started.elapsed() + wait > policy.budget {
                    tracing::warn!(%platform, method, %reason, "retry budget spent; the event will be retried later");
                    // The platform's own wait goes back with the error, so the caller can honour it.
                    return Err(match after {
                        Some(retry_after) => ChatError::RateLimited {
                            platform,
                            reason,
                            retry_after,
                        },
                        None => ChatError::Transient { platform, reason },
                    });
                }
                tracing::info!(%platform, method, %reason, wait_ms = wait.as_millis() as u64, "retrying");
                tokio::time::sleep(wait).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn retries_until_done_within_the_budget() {
        let calls = AtomicUsize::new(0);
        let result = with_retries(
            &RetryPolicy::quick(Duration::from_secs(1)),
            Platform::Slack,
            "m",
            || async {
                if calls.fetch_add(1, Ordering::SeqCst) < 2 {
                    Attempt::Retry {
                        after: None,
                        reason: "HTTP 503".into(),
                    }
                } else {
                    Attempt::Done(7)
                }
            },
        )
        .await;
        assert_eq!(result, Ok(7));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_wait_beyond_the_budget_gives_a_transient_error_at_once() {
        let calls = AtomicUsize::new(0);
        let result: Result<(), _> = with_retries(
            &RetryPolicy::quick(Duration::from_secs(1)),
            Platform::Telegram,
            "m",
            || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Attempt::Retry {
                    after: Some(Duration::from_secs(60)),
                    reason: "rate limited".into(),
                }
            },
        )
        .await;
        assert_eq!(
            result,
            Err(ChatError::RateLimited {
                platform: Platform::Telegram,
                reason: "rate limited".into(),
                retry_after: Duration::from_secs(60),
            })
        );
        assert_eq!(calls.load(Ordering::SeqCst), 1, "no sleeping past the budget");
        assert!(result.unwrap_err().is_transient());
    }

    #[tokio::test]
    async fn without_a_budget_the_first_failure_comes_back_with_its_wait() {
        let calls = AtomicUsize::new(0);
        let result: Result<(), _> = with_retries(&RetryPolicy::none(), Platform::Slack, "m", || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Attempt::Retry {
                after: if calls.load(Ordering::SeqCst) == 1 {
                    None
                } else {
                    Some(Duration::from_secs(3))
                },
                reason: "HTTP 500".into(),
            }
        })
        .await;
        assert!(matches!(result, Err(ChatError::Transient { .. })));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_permanent_failure_is_not_retried() {
        let calls = AtomicUsize::new(0);
        let result: Result<(), _> = with_retries(
            &RetryPolicy::quick(Duration::from_secs(1)),
            Platform::Slack,
            "m",
            || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Attempt::Failed(ChatError::Permanent {
                    platform: Platform::Slack,
                    reason: "channel_not_found".into(),
                })
            },
        )
        .await;
        assert!(matches!(result, Err(ChatError::Permanent { .. })));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
