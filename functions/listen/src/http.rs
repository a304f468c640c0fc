//! One HTTP client for every source: a timeout on every call, a user agent that names Sarafan,
//! and 429 / `Retry-After` turned into [`SourceError::RateLimited`] (seconds) or
//! [`SourceError::RateLimitedUntil`] (an HTTP date, compared with the run's clock by the caller).

use crate::sources::SourceError;
use reqwest::{RequestBuilder, Response, StatusCode};
use std::time::Duration;

/// No call waits longer than this for an answer by default (`LISTEN_TIMEOUT_SECONDS`): a hanging
/// source costs one timeout, not a run.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(15);
/// A 429 without `Retry-After` waits this long before the source is asked again.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(60);

/// The client every source shares; no call waits longer than `timeout`.
pub fn client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        // Reddit refuses generic agents; all of them like to know who is calling.
        .user_agent(concat!(
            "sarafan-listen/",
            env!("CARGO_PKG_VERSION"),
            " (+https://github.com/sarafan-dev/sarafan)"
        ))
        .build()
        .expect("a TLS client with the system's defaults")
}

/// Sends `request` and returns its answer when it is a success; a refusal becomes the error that
/// says what to do about it.
pub async fn send(request: RequestBuilder) -> Result<Response, SourceError> {
    let response = request.send().await.map_err(|e| {
        let why = if e.is_timeout() {
            "no answer in time (LISTEN_TIMEOUT_SECONDS)".to_string()
        } else {
            e.to_string()
        };
        SourceError::Unreachable(why)
    })?;
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    if status == StatusCode::TOO_MANY_REQUESTS {
        return Err(retry_after(&response).unwrap_or(SourceError::RateLimited {
            after: DEFAULT_RETRY_AFTER,
        }));
    }
    let body = response.text().await.unwrap_or_default();
    let body: String = body.chars().take(200).collect();
    match status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
            Err(SourceError::Unauthorized(format!("HTTP {status}: {body}")))
        }
        s if s.is_server_error() => Err(SourceError::Unreachable(format!("HTTP {status}"))),
        _ => Err(SourceError::Answer(format!("HTTP {status}: {body}"))),
    }
}

/// Reads a JSON answer.
pub async fn json<T: serde::de::DeserializeOwned>(response: Response) -> Result<T, SourceError> {
    let bytes = response
        .bytes()
        .await
        .map_err(|e| SourceError::Unreachable(e.to_string()))?;
    serde_json::from_slice(&bytes).map_err(|e| SourceError::Answer(format!("not the documented JSON: {e}")))
}

/// `Retry-After` as seconds or as an HTTP date.
fn retry_after(response: &Response) -> Option<SourceError> {
    let value = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(SourceError::RateLimited {
            after: Duration::from_secs(secs),
        });
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    Some(SourceError::RateLimitedUntil {
        until: at.with_timezone(&chrono::Utc),
    })
}
