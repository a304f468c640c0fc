//! The ids Sarafan puts on chat buttons, shared by outreach (which sends them) and ingest (which reads them back).
//!
//! One convention on every platform, so a click means the same thing wherever it comes from:
//! - `nps:{0-10}`: a customer's score button. Slack sends it as the button's `action_id` (and
//!   `value`), Telegram as `callback_query.data`, WhatsApp as the `list_reply` / `button_reply` `id`.
//! - `alert:claim:{alert_id}` and `alert:resolve:{alert_id}`: a staff member's button on a Slack
//!   alert. Slack `action_id`s must be unique within a message, which these are.
//!
//! Telegram limits `callback_data` to 64 bytes and WhatsApp reply ids to 256 characters: keep
//! alert ids short.

use crate::ledger::AlertAction;
use crate::nps::Score;

pub const NPS_PREFIX: &str = "nps:";
pub const ALERT_CLAIM_PREFIX: &str = "alert:claim:";
pub const ALERT_RESOLVE_PREFIX: &str = "alert:resolve:";

/// The id of the score button for `score`: `nps:7`.
pub fn nps_button(score: Score) -> String {
    format!("{NPS_PREFIX}{score}")
}

/// The score a button id carries, if it is a score button.
pub fn parse_nps_button(id: &str) -> Option<Score> {
    let digits = id.strip_prefix(NPS_PREFIX)?;
    if digits.is_empty() || digits.len() > 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Score::new(digits.parse().ok()?).ok()
}

/// The id of a staff alert button: `alert:claim:{alert_id}` or `alert:resolve:{alert_id}`.
pub fn alert_button(action: AlertAction, alert_id: &str) -> String {
    match action {
        AlertAction::Claim => format!("{ALERT_CLAIM_PREFIX}{alert_id}"),
        AlertAction::Resolve => format!("{ALERT_RESOLVE_PREFIX}{alert_id}"),
    }
}

/// The action and alert id a staff button carries, if it is an alert button.
pub fn parse_alert_button(id: &str) -> Option<(AlertAction, &str)> {
    let (action, alert_id) = if let Some(rest) = id.strip_prefix(ALERT_CLAIM_PREFIX) {
        (AlertAction::Claim, rest)
    } else {
        (AlertAction::Resolve, id.strip_prefix(ALERT_RESOLVE_PREFIX)?)
    };
    (!alert_id.is_empty()).then_some((action, alert_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_buttons_round_trip_and_refuse_anything_else() {
        for score in Score::all() {
            assert_eq!(parse_nps_button(&nps_button(score)), Some(score));
        }
        for bad in ["nps:11", "nps:", "nps:-1", "nps:007", "nps: 7", "7", "alert:claim:a1"] {
            assert_eq!(parse_nps_button(bad), None, "{bad}");
        }
    }

    #[test]
    fn alert_buttons_round_trip() {
        for action in [AlertAction::Claim, AlertAction::Resolve] {
            assert_eq!(
                parse_alert_button(&alert_button(action, "al-42")),
                Some((action, "al-42"))
            );
        }
        assert_eq!(parse_alert_button("alert:claim:"), None);
        assert_eq!(parse_alert_button("alert:delete:al-42"), None);
        assert_eq!(parse_alert_button("nps:7"), None);
    }
}
