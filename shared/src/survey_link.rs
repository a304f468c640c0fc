//! Signed links of email surveys (`{SARAFAN_PUBLIC_URL}/s/{token}`): the token names the survey
//! and the address it was sent to, and only a holder of `SARAFAN_LINK_SECRET` can make one.
//!
//! The token is signed, not encrypted: it carries the survey id and the address, which the
//! recipient knows already. A guessed or altered token fails the HMAC and is refused.

use crate::referral::ReferralCode;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;

/// Bytes of the HMAC kept in a token: 128 bits, beyond guessing, and a shorter link.
const MAC_LEN: usize = 16;
/// Separates the signature of a survey link from any other use of the same secret.
pub(crate) const DOMAIN: &[u8] = b"sarafan-survey-link-v1\n";
/// The longest token accepted, so a hostile path costs nothing to refuse.
pub const MAX_TOKEN_LEN: usize = 1024;

/// `SARAFAN_LINK_SECRET`: one or more comma-separated values. Links are signed with the first;
/// any of them verifies one, so the secret can rotate while links already sent keep working.
#[derive(Clone)]
pub struct LinkSecrets {
    values: Vec<Vec<u8>>,
}

impl fmt::Debug for LinkSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LinkSecrets([REDACTED; {}])", self.values.len())
    }
}

impl LinkSecrets {
    /// `None` when the value holds no secret (then email surveys are off).
    pub fn parse(raw: &str) -> Option<LinkSecrets> {
        let values: Vec<Vec<u8>> = raw
            .split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| v.as_bytes().to_vec())
            .collect();
        (!values.is_empty()).then_some(LinkSecrets { values })
    }

    fn mac(secret: &[u8], payload: &[u8]) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
        mac.update(DOMAIN);
        mac.update(payload);
        mac
    }

    /// The token of the survey `survey_id` sent to `address`.
    pub fn sign(&self, survey_id: &str, address: &str) -> String {
        let payload = format!("{survey_id}\n{address}");
        let tag = Self::mac(&self.values[0], payload.as_bytes()).finalize().into_bytes();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(&tag[..MAC_LEN])
        )
    }

    /// HMAC-SHA256 of `data` under one value: a value only this deployment can derive, for
    /// codes that must be the same on a retry and unguessable.
    fn keyed_digest(secret: &[u8], data: &str) -> [u8; 32] {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
        mac.update(b"sarafan-derived-v1\n");
        mac.update(data.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// The referral code made for the promoter's email response `response_id`, under each
    /// value, the signing (first) one first: the thank-you page makes the first, and outreach
    /// finds the one stored by its code (a consistent read) even while the secret rotates.
    pub fn referral_codes(&self, response_id: &str) -> Vec<ReferralCode> {
        use rand::SeedableRng;
        self.values
            .iter()
            .map(|secret| {
                let seed = Self::keyed_digest(secret, &format!("referral:{response_id}"));
                ReferralCode::generate_with(&mut rand::rngs::StdRng::from_seed(seed))
            })
            .collect()
    }

    /// The truncated HMAC of `payload` under the signing (first) value, for another kind of link
    /// signed with the same secret: `domain` keeps its signatures apart from survey tokens.
    pub(crate) fn tag_in(&self, domain: &[u8], payload: &[u8]) -> Vec<u8> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.values[0]).expect("HMAC takes keys of any length");
        mac.update(domain);
        mac.update(payload);
        mac.finalize().into_bytes()[..MAC_LEN].to_vec()
    }

    /// True when one of the values signed `payload` under `domain` with `tag`. Every value is
    /// tried, each in constant time (as [`LinkSecrets::verify`]).
    pub(crate) fn verify_tag_in(&self, domain: &[u8], payload: &[u8], tag: &[u8]) -> bool {
        if tag.len() != MAC_LEN {
            return false;
        }
        self.values.iter().fold(false, |any, secret| {
            let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
            mac.update(domain);
            mac.update(payload);
            mac.verify_truncated_left(tag).is_ok() | any
        })
    }

    /// The survey a token names, if one of the secrets signed it. Every secret is tried, in
    /// constant time each, so a refusal says nothing about how close a forgery came.
    pub fn verify(&self, token: &str) -> Result<LinkTarget, BadLink> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(BadLink);
        }
        let (payload, tag) = token.split_once('.').ok_or(BadLink)?;
        let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| BadLink)?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| BadLink)?;
        if tag.len() != MAC_LEN {
            return Err(BadLink);
        }
        let signed = self.values.iter().fold(false, |any, secret| {
            Self::mac(secret, &payload).verify_truncated_left(&tag).is_ok() | any
        });
        if !signed {
            return Err(BadLink);
        }
        let payload = String::from_utf8(payload).map_err(|_| BadLink)?;
        let (survey_id, address) = payload.split_once('\n').ok_or(BadLink)?;
        Ok(LinkTarget {
            survey_id: survey_id.to_string(),
            address: address.to_string(),
        })
    }
}

/// What a valid token names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkTarget {
    pub survey_id: String,
    /// The email address the survey was sent to (the survey's identity).
    pub address: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the survey link is not valid")]
pub struct BadLink;

/// The links of one email survey, under `SARAFAN_PUBLIC_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyUrls {
    pub page: String,
    pub unsubscribe: String,
}

impl SurveyUrls {
    /// `public_url` without its trailing slash.
    pub fn new(public_url: &str, token: &str) -> Self {
        let base = public_url.trim_end_matches('/');
        SurveyUrls {
            page: format!("{base}/s/{token}"),
            unsubscribe: format!("{base}/s/{token}/unsubscribe"),
        }
    }

    /// The link of one of the eleven score buttons.
    pub fn score(&self, score: u8) -> String {
        format!("{}?score={score}", self.page)
    }
}

/// Why an email address is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an email address ({1})")]
pub struct BadAddress(pub String, pub &'static str);

/// The address as a survey's identity holds it: trimmed, lower case (so one person asked by
/// `Anna@Example.com` and `anna@example.com` is one customer), checked for the shape SES sends to.
pub fn email_address(raw: &str) -> Result<String, BadAddress> {
    let address = raw.trim().to_lowercase();
    let refuse = |why| Err(BadAddress(raw.to_string(), why));
    if address.is_empty() {
        return refuse("it is empty");
    }
    if address.len() > 254 {
        return refuse("longer than 254 characters");
    }
    let Some((local, domain)) = address.rsplit_once('@') else {
        return refuse("no @");
    };
    if local.is_empty() || local.len() > 64 || local.contains('@') {
        return refuse("the part before @ must be 1-64 characters, without another @");
    }
    if address
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || "<>()[],;:\"\\".contains(c))
    {
        return refuse("spaces, quotes and <>()[],;:\\ are not accepted");
    }
    let labels: Vec<&str> = domain.split('.').collect();
    let good_label = |l: &&str| !l.is_empty() && l.len() <= 63 && !l.starts_with('-') && !l.ends_with('-');
    if labels.len() < 2 || !labels.iter().all(good_label) {
        return refuse("the domain after @ must be a name like example.com");
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return refuse("dots may not start, end or repeat in the part before @");
    }
    Ok(address)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_token_names_its_survey_and_address() {
        let secrets = LinkSecrets::parse("s3cret").unwrap();
        let token = secrets.sign("survey-42", "anna@example.com");
        assert!(
            token.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)),
            "{token}"
        );
        assert_eq!(
            secrets.verify(&token),
            Ok(LinkTarget {
                survey_id: "survey-42".into(),
                address: "anna@example.com".into()
            })
        );
    }

    #[test]
    fn a_referral_code_is_the_same_on_every_try_and_secret_bound() {
        // GIVEN the deployment's secret, and the same after a rotation (new value first)
        let secrets = LinkSecrets::parse("s3cret").unwrap();
        let rotated = LinkSecrets::parse("n3w, s3cret").unwrap();
        // WHEN the code for one response is derived twice, and for another response
        let first = secrets.referral_codes("survey-1:response");
        // THEN it is the same code each time, another response has another, and the rotated
        // secrets still derive the old code (second) beside the new one (first)
        assert_eq!(first, secrets.referral_codes("survey-1:response"));
        assert_eq!(first.len(), 1);
        assert_ne!(first, secrets.referral_codes("survey-2:response"));
        let after = rotated.referral_codes("survey-1:response");
        assert_eq!(after.len(), 2);
        assert_eq!(after[1], first[0]);
        assert_ne!(after[0], first[0]);
    }

    #[test]
    fn altered_guessed_and_foreign_tokens_are_refused() {
        let secrets = LinkSecrets::parse("s3cret").unwrap();
        let token = secrets.sign("survey-42", "anna@example.com");
        // Another survey id under the same signature.
        let (_, tag) = token.split_once('.').unwrap();
        let forged = format!("{}.{tag}", URL_SAFE_NO_PAD.encode("survey-43\nanna@example.com"));
        assert_eq!(secrets.verify(&forged), Err(BadLink));
        // One character of the signature changed.
        let mut flipped = token.clone().into_bytes();
        let last = flipped.len() - 1;
        flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(secrets.verify(&String::from_utf8(flipped).unwrap()), Err(BadLink));
        for bad in ["", ".", "abc", "abc.def", &"a".repeat(MAX_TOKEN_LEN + 1)] {
            assert_eq!(secrets.verify(bad), Err(BadLink), "{bad}");
        }
        // Signed with another secret.
        let other = LinkSecrets::parse("other")
            .unwrap()
            .sign("survey-42", "anna@example.com");
        assert_eq!(secrets.verify(&other), Err(BadLink));
    }

    #[test]
    fn while_the_secret_rotates_links_signed_with_either_value_verify() {
        let old = LinkSecrets::parse("old").unwrap();
        let rotating = LinkSecrets::parse("new, old").unwrap();
        let sent_before = old.sign("survey-1", "a@b.example");
        assert_eq!(rotating.verify(&sent_before).unwrap().survey_id, "survey-1");
        let sent_now = rotating.sign("survey-2", "a@b.example");
        assert!(
            old.verify(&sent_now).is_err(),
            "new links are signed with the first value"
        );
        assert_eq!(format!("{rotating:?}"), "LinkSecrets([REDACTED; 2])");
        assert!(LinkSecrets::parse(" , ").is_none());
    }

    #[test]
    fn urls_are_the_page_its_eleven_scores_and_the_unsubscribe_path() {
        let urls = SurveyUrls::new("https://wom.example.com/", "tok.en");
        assert_eq!(urls.page, "https://wom.example.com/s/tok.en");
        assert_eq!(urls.score(7), "https://wom.example.com/s/tok.en?score=7");
        assert_eq!(urls.unsubscribe, "https://wom.example.com/s/tok.en/unsubscribe");
    }

    #[test]
    fn addresses_are_normalised_and_bad_ones_say_why() {
        assert_eq!(
            email_address("  Anna.Novak@Example.COM ").unwrap(),
            "anna.novak@example.com"
        );
        assert_eq!(email_address("a+nps@mail.example.cz").unwrap(), "a+nps@mail.example.cz");
        for bad in [
            "",
            "anna",
            "anna@",
            "@example.com",
            "anna@example",
            "anna@@example.com",
            "anna smith@example.com",
            "<anna@example.com>",
            "anna@-example.com",
            "anna..n@example.com",
            "anna@example..com",
        ] {
            let err = email_address(bad).unwrap_err();
            assert!(err.to_string().contains("is not an email address"), "{bad}: {err}");
        }
    }
}
