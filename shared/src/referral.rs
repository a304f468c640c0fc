//! Referral codes: short, URL-safe, unambiguous when read aloud or retyped.

use rand::Rng;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Lower-case letters and digits without the look-alikes 0/o, 1/l/i: 31 symbols.
pub const ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";
/// 9 symbols of 31 carry 9 * log2(31) = 44.6 bits.
pub const CODE_LEN: usize = 9;

/// A promoter's personal referral code, as in `SARAFAN_PUBLIC_URL/r/{code}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ReferralCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a referral code: {0:?}")]
pub struct BadReferralCode(pub String);

impl ReferralCode {
    /// A fresh code from the operating system's CSPRNG.
    pub fn generate() -> Self {
        Self::generate_with(&mut rand::rngs::OsRng)
    }

    /// A code from the given generator (the demo uses a seeded one to be reproducible).
    pub fn generate_with<R: Rng + ?Sized>(rng: &mut R) -> Self {
        let code = (0..CODE_LEN)
            .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
            .collect();
        ReferralCode(code)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Bits of entropy in a generated code.
    pub fn entropy_bits() -> f64 {
        CODE_LEN as f64 * (ALPHABET.len() as f64).log2()
    }
}

impl FromStr for ReferralCode {
    type Err = BadReferralCode;
    /// Accepts what a person may retype: any case, surrounding spaces.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let code = s.trim().to_ascii_lowercase();
        if code.len() == CODE_LEN && code.bytes().all(|b| ALPHABET.contains(&b)) {
            Ok(ReferralCode(code))
        } else {
            Err(BadReferralCode(s.to_string()))
        }
    }
}

impl TryFrom<String> for ReferralCode {
    type Error = BadReferralCode;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<ReferralCode> for String {
    fn from(code: ReferralCode) -> String {
        code.0
    }
}

impl fmt::Display for ReferralCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_short_url_safe_and_free_of_look_alikes() {
        let code = ReferralCode::generate();
        assert_eq!(code.as_str().len(), CODE_LEN);
        for c in code.as_str().chars() {
            assert!(c.is_ascii_lowercase() || c.is_ascii_digit(), "{c}");
            assert!(!"01oli".contains(c), "look-alike {c}");
        }
        assert!(ReferralCode::entropy_bits() >= 40.0);
    }

    #[test]
    fn hundred_thousand_draws_are_unique_and_use_the_whole_alphabet() {
        let mut seen = HashSet::new();
        let mut symbols = HashSet::new();
        for _ in 0..100_000 {
            let code = ReferralCode::generate();
            symbols.extend(code.as_str().bytes());
            assert!(seen.insert(code), "duplicate code");
        }
        assert_eq!(symbols.len(), ALPHABET.len());
    }

    #[test]
    fn parsing_accepts_retyped_codes_and_refuses_others() {
        let code = ReferralCode::generate();
        let retyped = format!(" {} ", code.as_str().to_uppercase());
        assert_eq!(retyped.parse::<ReferralCode>().unwrap(), code);
        for bad in ["", "abc", "abcdefgh0", "abcdefghl", "abcdefgh/", "abcdefghjk"] {
            assert!(bad.parse::<ReferralCode>().is_err(), "{bad}");
        }
    }
}
