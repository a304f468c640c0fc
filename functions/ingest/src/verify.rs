//! Authenticity checks, each over the raw bytes before any parsing and in constant time.

use crate::config::Secrets;
use crate::error::AppError;
use axum::http::HeaderMap;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Slack refuses to replay requests older (or newer) than this.
pub const SLACK_MAX_SKEW_SECS: i64 = 300;

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim)
}

fn mac(secret: &[u8], parts: &[&[u8]]) -> HmacSha256 {
    // HMAC takes keys of any length: this cannot fail.
    let mut mac = HmacSha256::new_from_slice(secret).unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    for part in parts {
        mac.update(part);
    }
    mac
}

/// True when `expected` is the HMAC-SHA256 of `parts` under one of the secrets (`verify_slice`
/// compares in constant time). The secret that matched last is tried first.
pub fn hmac_matches(secrets: &Secrets, parts: &[&[u8]], expected: &[u8]) -> bool {
    secrets.any_keyed(|secret| mac(secret, parts).verify_slice(expected).is_ok())
}

/// HMAC-SHA256 of `message` under the current secret (the first value), base64: for X's CRC.
pub fn hmac_base64(secrets: &Secrets, message: &[u8]) -> String {
    let secret = secrets.each().next().unwrap_or_default();
    BASE64.encode(mac(secret, &[message]).finalize().into_bytes())
}

/// Slack: `X-Slack-Signature: v0=<hex HMAC(secret, "v0:{timestamp}:{body}")>`, and the
/// `X-Slack-Request-Timestamp` within 300 s of now.
pub fn slack(secrets: &Secrets, headers: &HeaderMap, body: &[u8], now: DateTime<Utc>) -> Result<(), AppError> {
    let timestamp = header(headers, "x-slack-request-timestamp").ok_or(AppError::Unauthorized("missing timestamp"))?;
    let signature = header(headers, "x-slack-signature").ok_or(AppError::Unauthorized("missing signature"))?;
    let sent_at: i64 = timestamp
        .parse()
        .map_err(|_| AppError::Unauthorized("malformed timestamp"))?;
    // Checked: a timestamp near i64::MIN would overflow the subtraction (a panic with overflow checks).
    let skew = now.timestamp().checked_sub(sent_at).and_then(i64::checked_abs);
    if skew.is_none_or(|skew| skew > SLACK_MAX_SKEW_SECS) {
        return Err(AppError::Unauthorized("timestamp too far from now"));
    }
    let expected = signature
        .strip_prefix("v0=")
        .and_then(|h| hex::decode(h).ok())
        .ok_or(AppError::Unauthorized("malformed signature"))?;
    let parts: [&[u8]; 4] = [b"v0:", timestamp.as_bytes(), b":", body];
    if hmac_matches(secrets, &parts, &expected) {
        Ok(())
    } else {
        Err(AppError::Unauthorized("wrong signature"))
    }
}

/// Meta: `X-Hub-Signature-256: sha256=<hex HMAC(app secret, body)>`.
pub fn meta(secrets: &Secrets, headers: &HeaderMap, body: &[u8]) -> Result<(), AppError> {
    let signature = header(headers, "x-hub-signature-256").ok_or(AppError::Unauthorized("missing signature"))?;
    let expected = signature
        .strip_prefix("sha256=")
        .and_then(|h| hex::decode(h).ok())
        .ok_or(AppError::Unauthorized("malformed signature"))?;
    if hmac_matches(secrets, &[body], &expected) {
        Ok(())
    } else {
        Err(AppError::Unauthorized("wrong signature"))
    }
}

/// X and Typeform: `{header}: sha256=<base64 HMAC(secret, body)>`.
pub fn sha256_base64(secrets: &Secrets, headers: &HeaderMap, name: &str, body: &[u8]) -> Result<(), AppError> {
    let signature = header(headers, name).ok_or(AppError::Unauthorized("missing signature"))?;
    let expected = signature
        .strip_prefix("sha256=")
        .and_then(|b| BASE64.decode(b).ok())
        .ok_or(AppError::Unauthorized("malformed signature"))?;
    if hmac_matches(secrets, &[body], &expected) {
        Ok(())
    } else {
        Err(AppError::Unauthorized("wrong signature"))
    }
}

/// A shared token in a header (Telegram's `X-Telegram-Bot-Api-Secret-Token`).
pub fn token_header(secrets: &Secrets, headers: &HeaderMap, name: &str) -> Result<(), AppError> {
    let given = header(headers, name).ok_or(AppError::Unauthorized("missing token"))?;
    if secrets.matches(given) {
        Ok(())
    } else {
        Err(AppError::Unauthorized("wrong token"))
    }
}

/// `Authorization: Bearer <token>`.
pub fn bearer(secrets: &Secrets, headers: &HeaderMap) -> Result<(), AppError> {
    let value = header(headers, "authorization").ok_or(AppError::Unauthorized("missing bearer token"))?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .ok_or(AppError::Unauthorized("missing bearer token"))?;
    if secrets.matches(token.trim()) {
        Ok(())
    } else {
        Err(AppError::Unauthorized("wrong bearer token"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slack_timestamp_at_the_ends_of_i64_is_refused_not_a_panic() {
        // Found writing the verify fuzz target (input kept in fuzz/regressions/verify): `now - i64::MIN` overflowed.
        let secrets = Secrets::parse("slack-secret").unwrap();
        let now = DateTime::from_timestamp(1_773_144_000, 0).unwrap();
        for ts in [i64::MIN, i64::MAX, -1] {
            let mut headers = HeaderMap::new();
            headers.insert("x-slack-request-timestamp", ts.to_string().parse().unwrap());
            headers.insert("x-slack-signature", "v0=00".parse().unwrap());
            let refused = slack(&secrets, &headers, b"{}", now).unwrap_err();
            assert!(
                matches!(refused, AppError::Unauthorized("timestamp too far from now")),
                "{ts}"
            );
        }
    }
}
