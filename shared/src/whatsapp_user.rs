//! How Sarafan addresses a WhatsApp customer: by phone number, or by business-scoped user id.
//!
//! Since April 2026 Meta gives every WhatsApp user a business-scoped user id (BSUID), and a user
//! who adopts a username may reach a business without a phone number: webhooks then carry
//! `from_user_id` and no `from`, and the Cloud API's messages endpoint takes the id in
//! `recipient` instead of `to`. Meta's "Business-scoped user IDs" page
//! (developers.facebook.com/documentation/business-messaging/whatsapp/business-scoped-user-ids)
//! gives the form: a two-letter ISO country code, a period, then up to 128 alphanumeric
//! characters (`US.13491208655302741918`); a parent BSUID shared across portfolios has `ENT.`
//! after the country (`US.ENT.11815799212886844830`). A new phone number means a new BSUID.

/// The longest id part Meta's form allows.
const MAX_ID_CHARS: usize = 128;

/// True for a business-scoped user id (`US.1349...`, `US.ENT.1181...`).
pub fn is_business_scoped_id(value: &str) -> bool {
    let Some((country, rest)) = value.split_once('.') else {
        return false;
    };
    let id = rest.strip_prefix("ENT.").unwrap_or(rest);
    country.len() == 2
        && country.bytes().all(|b| b.is_ascii_uppercase())
        && !id.is_empty()
        && id.len() <= MAX_ID_CHARS
        && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The address a customer is stored and messaged under: a BSUID as given, or a phone number
/// as the digits WhatsApp reports in `wa_id` (`+1 650-555-1234` becomes `16505551234`).
/// `None` when `value` is neither.
pub fn address(value: &str) -> Option<String> {
    let value = value.trim();
    if is_business_scoped_id(value) {
        return Some(value.to_string());
    }
    // A phone number holds digits and the usual separators, nothing else.
    if !value
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '.'))
    {
        return None;
    }
    let digits: String = value.chars().filter(char::is_ascii_digit).collect();
    // E.164 numbers have at most 15 digits; none is shorter than 7 with its country code.
    (7..=15).contains(&digits.len()).then_some(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_scoped_ids_are_told_from_phone_numbers() {
        assert!(is_business_scoped_id("US.13491208655302741918"));
        assert!(is_business_scoped_id("BR.1502576394655843"));
        assert!(is_business_scoped_id("US.ENT.11815799212886844830"));
        assert!(!is_business_scoped_id("16505551234"));
        assert!(!is_business_scoped_id("us.1349"));
        assert!(!is_business_scoped_id("USA.1349"));
        assert!(!is_business_scoped_id("US."));
        assert!(!is_business_scoped_id("US.12 34"));
        assert!(!is_business_scoped_id(&format!("US.{}", "1".repeat(129))));
    }

    #[test]
    fn addresses_keep_ids_and_reduce_phones_to_digits() {
        assert_eq!(
            address(" US.13491208655302741918 ").as_deref(),
            Some("US.13491208655302741918")
        );
        assert_eq!(address("+1 (650) 555-1234").as_deref(), Some("16505551234"));
        assert_eq!(address("16505551234").as_deref(), Some("16505551234"));
        assert_eq!(address("call me"), None);
        assert_eq!(address("12345"), None);
        assert_eq!(address("us.1349"), None);
    }
}
