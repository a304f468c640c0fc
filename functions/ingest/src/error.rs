//! The one place ingest errors become HTTP answers: 4xx with a safe message, 5xx logged in full
//! and answered without internals.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use sarafan_core::store::StoreError;
use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The route's secret is not configured (or the thing asked for does not exist).
    #[error("not found")]
    NotFound,
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    #[error("the body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// The body was authentic but could not be understood; `detail` names the field.
    #[error("{error}: {detail}")]
    BadRequest { error: &'static str, detail: String },
    #[error("{0}")]
    NotImplemented(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AppError {
    pub fn bad_request(error: &'static str, detail: impl Into<String>) -> AppError {
        AppError::BadRequest {
            error,
            detail: detail.into(),
        }
    }

    /// A field that is present but not acceptable.
    pub fn invalid_field(field: &str, why: impl std::fmt::Display) -> AppError {
        AppError::bad_request("invalid_field", format!("{field}: {why}"))
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::NotImplemented(_) => StatusCode::NOT_IMPLEMENTED,
            AppError::Store(StoreError::NotFound(_)) => StatusCode::NOT_FOUND,
            AppError::Store(e) if e.is_transient() => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// The JSON error body: `{"error": "...", "detail": "..."}`.
pub fn error_body(status: StatusCode, error: &str, detail: &str) -> Response {
    (status, Json(serde_json::json!({ "error": error, "detail": detail }))).into_response()
}

/// A store error and its causes on one line, each said once (a wrapper often repeats its
/// cause's text): the log keeps the root cause, such as "database or disk is full".
fn causes(e: &StoreError) -> String {
    let mut line = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        source = cause.source();
    }
    line
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        match &self {
            AppError::NotFound => error_body(status, "not_found", "no such route is configured here"),
            AppError::Unauthorized(why) => error_body(status, "unauthorized", why),
            AppError::PayloadTooLarge { .. } => error_body(status, "payload_too_large", &self.to_string()),
            AppError::BadRequest { error, detail } => error_body(status, error, detail),
            AppError::NotImplemented(what) => error_body(status, "not_implemented", what),
            // The thing asked for (a customer to erase) is not stored: its name came in the request.
            AppError::Store(e @ StoreError::NotFound(_)) => error_body(status, "not_found", &e.to_string()),
            AppError::Store(e) if e.is_transient() => {
                tracing::warn!(error = %causes(e), "store unavailable; asking the sender to retry");
                error_body(status, "unavailable", "the store is unavailable; retry later")
            }
            AppError::Store(e) => {
                tracing::error!(error = %causes(e), "store failed");
                error_body(status, "internal", "the request could not be stored")
            }
        }
    }
}

/// Parses a JSON body; a failure names the path of the offending field. `T` may borrow
/// strings from `raw`.
pub fn parse_json<'de, T: Deserialize<'de>>(raw: &'de [u8]) -> Result<T, AppError> {
    parse_json_in(raw, "")
}

/// Parses JSON found inside something else (Slack's form field `payload`): the path in a
/// failure starts with `within`.
pub fn parse_json_in<'de, T: Deserialize<'de>>(raw: &'de [u8], within: &str) -> Result<T, AppError> {
    // Tracking the path costs on every field of every body; only a failure needs it, so a
    // failed parse is run again with tracking to name the field (parsing is deterministic).
    // A body checked as UTF-8 in one pass (most are) is parsed as text, so its strings are not
    // checked again one by one; any other goes byte by byte, with the same outcome.
    // Bytes after the value (`{...}xyz`) make the body malformed: `end` refuses them.
    let parsed = match std::str::from_utf8(raw) {
        Ok(text) => {
            let mut de = serde_json::Deserializer::from_str(text);
            T::deserialize(&mut de).and_then(|value| de.end().map(|()| value))
        }
        Err(_) => {
            let mut de = serde_json::Deserializer::from_slice(raw);
            T::deserialize(&mut de).and_then(|value| de.end().map(|()| value))
        }
    };
    if let Ok(value) = parsed {
        return Ok(value);
    }
    let de = &mut serde_json::Deserializer::from_slice(raw);
    let tracked = serde_path_to_error::deserialize(&mut *de);
    if let Ok(value) = tracked {
        // The value itself parsed: what failed is what follows it.
        return match de.end() {
            Ok(()) => Ok(value),
            Err(trailing) => Err(AppError::bad_request("malformed_body", trailing.to_string())),
        };
    }
    tracked.map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let path = match (within.is_empty(), path == ".") {
            (true, true) => String::new(),
            (true, false) => path,
            (false, true) => within.to_string(),
            (false, false) => format!("{within}.{path}"),
        };
        let detail = if path.is_empty() {
            inner.to_string()
        } else {
            format!("{path}: {inner}")
        };
        AppError::bad_request("malformed_body", detail)
    })
}

/// The rule of platform routes: an authentic delivery that is a JSON object (the top-level shape
/// every platform sends) but that Sarafan cannot read is acknowledged and logged, not refused: the
/// platform would retry the same bytes for days, and Slack turns off an app whose deliveries
/// fail. Only a body no platform sends (not JSON, not an object, bytes after the value) stays a
/// 400. `json` is the JSON the platform sent (Slack interactivity: the `payload` field).
pub fn acknowledge_unreadable<T>(
    platform: &'static str,
    json: Option<&[u8]>,
    result: Result<T, AppError>,
    nothing: impl FnOnce() -> T,
) -> Result<T, AppError> {
    match result {
        Err(AppError::BadRequest { error, detail })
            if json.is_some_and(|raw| {
                serde_json::from_slice::<std::collections::HashMap<String, serde::de::IgnoredAny>>(raw).is_ok()
            }) =>
        {
            tracing::warn!(platform, error, detail = %detail, "authentic delivery Sarafan cannot read: acknowledged and ignored");
            Ok(nothing())
        }
        other => other,
    }
}

/// Reads one part of an already parsed body (a Meta change's `value`, one X post); a failure
/// names the field under `at`.
pub fn value_as<T: serde::de::DeserializeOwned>(value: serde_json::Value, at: &str) -> Result<T, AppError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." {
            at.to_string()
        } else {
            format!("{at}.{path}")
        };
        AppError::bad_request("malformed_body", format!("{path}: {}", e.into_inner()))
    })
}

/// A field the payload must have for what it says it is.
pub fn missing(field: &str) -> AppError {
    AppError::bad_request("missing_field", format!("{field}: missing"))
}
