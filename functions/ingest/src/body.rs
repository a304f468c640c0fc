//! Reads a request body whole, refusing it once it passes the size limit (never buffering more).

use crate::error::AppError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_LENGTH;
use http_body_util::{BodyExt, LengthLimitError, Limited};

/// 256 KiB: more than any platform sends for one delivery.
pub const BODY_LIMIT: usize = 256 * 1024;

/// The raw bytes of a body no larger than [`BODY_LIMIT`], for verifying a signature before parsing.
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = AppError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, AppError> {
        let too_large = AppError::PayloadTooLarge { limit: BODY_LIMIT };
        let declared = req
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|len| len > BODY_LIMIT as u64) {
            return Err(too_large);
        }
        // The declared length may be absent or false: the limit also holds while reading.
        match Limited::new(req.into_body(), BODY_LIMIT).collect().await {
            Ok(collected) => Ok(RawBody(collected.to_bytes())),
            Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(too_large),
            Err(e) => {
                tracing::debug!(error = %e, "body could not be read");
                Err(AppError::bad_request(
                    "unreadable_body",
                    "the request body could not be read",
                ))
            }
        }
    }
}
