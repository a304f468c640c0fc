//! Signed links to a month's stored report (`{SARAFAN_PUBLIC_URL}/reports/{YYYY-MM}/{signature}`),
//! as the weekly digest carries them: only a holder of `SARAFAN_LINK_SECRET` can make one.
//!
//! The signature covers the month only, under its own domain prefix, so it opens that month's
//! report and nothing else: not another month, not a survey (whose tokens are signed under
//! another prefix). Links do not expire: a digest in Slack's history keeps its link, and an
//! operator revokes every link at once by removing the secret value that signed them.

use crate::survey_link::LinkSecrets;
use crate::YearMonth;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// Separates report links from survey tokens and any other use of the same secret.
const DOMAIN: &[u8] = b"sarafan-report-link-v1\n";
/// The longest signature looked at; a real one is 22 characters.
const MAX_SIGNATURE_LEN: usize = 64;

/// The signature of `month`'s report link.
pub fn signature(secrets: &LinkSecrets, month: YearMonth) -> String {
    URL_SAFE_NO_PAD.encode(secrets.tag_in(DOMAIN, month.to_string().as_bytes()))
}

/// True when one of the secrets signed `month` with `signature`.
pub fn verify(secrets: &LinkSecrets, month: YearMonth, signature: &str) -> bool {
    if signature.len() > MAX_SIGNATURE_LEN {
        return false;
    }
    match URL_SAFE_NO_PAD.decode(signature) {
        Ok(tag) => secrets.verify_tag_in(DOMAIN, month.to_string().as_bytes(), &tag),
        Err(_) => false,
    }
}

/// The link to `month`'s report under `public_url` (with or without a trailing slash).
pub fn url(public_url: &str, secrets: &LinkSecrets, month: YearMonth) -> String {
    format!(
        "{}/reports/{month}/{}",
        public_url.trim_end_matches('/'),
        signature(secrets, month)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn month(s: &str) -> YearMonth {
        s.parse().unwrap()
    }

    #[test]
    fn a_link_opens_its_month_and_no_other() {
        let secrets = LinkSecrets::parse("s3cret").unwrap();
        let sig = signature(&secrets, month("2026-11"));
        assert_eq!(sig.len(), 22, "{sig}");
        assert!(verify(&secrets, month("2026-11"), &sig));
        assert!(!verify(&secrets, month("2026-10"), &sig));
        assert!(!verify(&secrets, month("2025-11"), &sig));
        assert_eq!(
            url("https://wom.example.com/", &secrets, month("2026-11")),
            format!("https://wom.example.com/reports/2026-11/{sig}")
        );
    }

    #[test]
    fn altered_missing_foreign_and_survey_signatures_are_refused() {
        let secrets = LinkSecrets::parse("s3cret").unwrap();
        let m = month("2026-11");
        let sig = signature(&secrets, m);
        let mut flipped = sig.clone().into_bytes();
        flipped[0] = if flipped[0] == b'A' { b'B' } else { b'A' };
        assert!(!verify(&secrets, m, &String::from_utf8(flipped).unwrap()));
        for bad in [
            "",
            "x",
            "!!!!",
            &sig[..21],
            &format!("{sig}A"),
            &"A".repeat(MAX_SIGNATURE_LEN + 1),
        ] {
            assert!(!verify(&secrets, m, bad), "{bad}");
        }
        let other = LinkSecrets::parse("other").unwrap();
        assert!(!verify(&secrets, m, &signature(&other, m)));
        // The same secret signing the same bytes as a survey link gives another signature.
        let as_survey = URL_SAFE_NO_PAD.encode(secrets.tag_in(crate::survey_link::DOMAIN, b"2026-11"));
        assert_ne!(as_survey, sig);
        assert!(!verify(&secrets, m, &as_survey));
        // A survey token's signature part does not open a report either.
        let token = secrets.sign("2026-11", "a@b.example");
        let (_, survey_tag) = token.split_once('.').unwrap();
        assert!(!verify(&secrets, m, survey_tag));
    }

    #[test]
    fn while_the_secret_rotates_links_signed_with_either_value_open() {
        let old = LinkSecrets::parse("old").unwrap();
        let rotating = LinkSecrets::parse("new,old").unwrap();
        let m = month("2026-11");
        assert!(verify(&rotating, m, &signature(&old, m)));
        assert!(
            !verify(&old, m, &signature(&rotating, m)),
            "new links are signed with the first value"
        );
    }
}
