//! Webhook signatures as the platforms compute them, for the tests and benches that send signed
//! requests (the ingest API checks them in functions/ingest/src/verify.rs).

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt::Display;

/// HMAC-SHA256 of `parts`, one after the other, under `secret`.
pub fn hmac_sha256(secret: &str, parts: &[&[u8]]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

/// Lower-case hex, as Slack and Meta write their signatures.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Slack's `X-Slack-Signature` for `body` sent at `timestamp` (`X-Slack-Request-Timestamp`):
/// `v0=` and the hex HMAC of `v0:{timestamp}:{body}`.
pub fn slack_signature(secret: &str, timestamp: impl Display, body: &[u8]) -> String {
    let timestamp = timestamp.to_string();
    format!(
        "v0={}",
        hex(&hmac_sha256(secret, &[b"v0:", timestamp.as_bytes(), b":", body]))
    )
}

/// Meta's `X-Hub-Signature-256`: `sha256=` and the hex HMAC of the body.
pub fn meta_signature(secret: &str, body: &[u8]) -> String {
    format!("sha256={}", hex(&hmac_sha256(secret, &[body])))
}

/// X's `X-Twitter-Webhooks-Signature` (and its CRC `response_token`) and Typeform's
/// `Typeform-Signature`: `sha256=` and the base64 HMAC of the body.
pub fn base64_signature(secret: &str, body: &[u8]) -> String {
    format!("sha256={}", BASE64.encode(hmac_sha256(secret, &[body])))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?".
    #[test]
    fn hmac_sha256_matches_rfc_4231() {
        assert_eq!(
            hex(&hmac_sha256("Jefe", &[b"what do ya want ", b"for nothing?"])),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
