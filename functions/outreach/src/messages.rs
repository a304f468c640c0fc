//! How outreach's messages look on each platform: the question's buttons and the staff alerts' blocks.

use sarafan_core::chat::{InlineButton, ListRow};
use sarafan_core::chat_ids::{alert_button, nps_button};
use sarafan_core::ledger::AlertAction;
use sarafan_core::Score;
use serde_json::{json, Value};

/// Escapes text for Slack mrkdwn, so a customer cannot write `<!channel>` or a disguised link.
pub fn escape_mrkdwn(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// A web link in Slack's link syntax; anything but http(s) is no link. The URL is escaped
/// inside the brackets, so it cannot smuggle its own label or mention.
pub fn slack_link(url: Option<&str>) -> Option<String> {
    url.filter(|u| u.starts_with("https://") || u.starts_with("http://"))
        .map(|u| format!("<{}>", escape_mrkdwn(u).replace('|', "%7C")))
}

/// Slack section text is limited to 3000 characters; long comments are cut with an ellipsis.
pub fn clip(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(max_chars - 1).collect();
        cut.push('…');
        cut
    }
}

/// The question with eleven score buttons, 0 to 10, in one row.
pub fn slack_question_blocks(question: &str, hint: &str) -> Value {
    let buttons: Vec<Value> = Score::all()
        .map(|score| {
            let id = nps_button(score);
            json!({
                "type": "button",
                "text": { "type": "plain_text", "text": score.to_string() },
                "action_id": id,
                "value": id,
            })
        })
        .collect();
    json!([
        { "type": "section", "text": { "type": "mrkdwn", "text": escape_mrkdwn(question) } },
        { "type": "actions", "block_id": "nps", "elements": buttons },
        { "type": "context", "elements": [{ "type": "mrkdwn", "text": escape_mrkdwn(hint) }] },
    ])
}

/// Telegram allows at most eight buttons a row: 0-5 and 6-10.
pub fn telegram_score_keyboard() -> Vec<Vec<InlineButton>> {
    let button = |score: Score| InlineButton {
        text: score.to_string(),
        callback_data: nps_button(score),
    };
    let (low, high): (Vec<Score>, Vec<Score>) = Score::all().partition(|s| s.value() <= 5);
    vec![
        low.into_iter().map(button).collect(),
        high.into_iter().map(button).collect(),
    ]
}

/// WhatsApp lists hold at most ten rows, one short of 0-10: the rows are 1-10, and the message
/// asks for a typed number too, so a 0 is still one reply away (ingest parses typed scores).
pub fn whatsapp_score_rows() -> Vec<ListRow> {
    Score::all()
        .filter(|s| s.value() >= 1)
        .map(|score| ListRow {
            id: nps_button(score),
            title: score.to_string(),
        })
        .collect()
}

/// A staff alert as Slack shows it; every value in it is already escaped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertView {
    pub title: String,
    pub fields: Vec<(String, String)>,
    /// The customer's own words (comment or mention), quoted.
    pub quote: Option<String>,
    pub status: Option<String>,
    pub buttons: Option<AlertButtons>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AlertButtons {
    pub alert_id: String,
    pub claim_label: String,
    pub resolve_label: String,
    /// Claimed alerts keep only "Resolved"; resolved ones have no buttons at all.
    pub can_claim: bool,
}

impl AlertView {
    /// The notification text (also what Slack shows where blocks cannot be rendered) and the blocks.
    pub fn render(&self) -> (String, Value) {
        let mut text = format!("*{}*", self.title);
        for (label, value) in &self.fields {
            text.push_str(&format!("\n{label}: {value}"));
        }
        if let Some(quote) = &self.quote {
            text.push_str(&format!("\n{}", quoted(quote)));
        }
        if let Some(status) = &self.status {
            text.push_str(&format!("\n{status}"));
        }
        let mut blocks =
            vec![json!({ "type": "section", "text": { "type": "mrkdwn", "text": format!("*{}*", self.title) } })];
        if !self.fields.is_empty() {
            // Slack takes at most ten fields in a section.
            let fields: Vec<Value> = self
                .fields
                .iter()
                .take(10)
                .map(|(label, value)| json!({ "type": "mrkdwn", "text": clip(&format!("*{label}*\n{value}"), 2000) }))
                .collect();
            blocks.push(json!({ "type": "section", "fields": fields }));
        }
        if let Some(quote) = &self.quote {
            blocks.push(json!({ "type": "section", "text": { "type": "mrkdwn", "text": clip(&quoted(quote), 3000) } }));
        }
        if let Some(status) = &self.status {
            blocks.push(json!({ "type": "context", "elements": [{ "type": "mrkdwn", "text": status }] }));
        }
        if let Some(b) = &self.buttons {
            let mut elements = Vec::new();
            if b.can_claim {
                let id = alert_button(AlertAction::Claim, &b.alert_id);
                elements.push(json!({
                    "type": "button", "style": "primary", "action_id": id, "value": id,
                    "text": { "type": "plain_text", "text": b.claim_label },
                }));
            }
            let id = alert_button(AlertAction::Resolve, &b.alert_id);
            elements.push(json!({
                "type": "button", "action_id": id, "value": id,
                "text": { "type": "plain_text", "text": b.resolve_label },
            }));
            blocks.push(json!({ "type": "actions", "block_id": "alert", "elements": elements }));
        }
        (clip(&text, 3000), Value::Array(blocks))
    }
}

fn quoted(text: &str) -> String {
    text.lines()
        .map(|line| format!("> {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_text_cannot_ping_or_link() {
        assert_eq!(
            escape_mrkdwn("<!channel> see <https://evil.example|bank> & co"),
            "&lt;!channel&gt; see &lt;https://evil.example|bank&gt; &amp; co"
        );
    }

    #[test]
    fn slack_question_has_eleven_score_buttons_in_order() {
        let blocks = slack_question_blocks("How likely?", "0 = no");
        let buttons = blocks[1]["elements"].as_array().unwrap();
        let ids: Vec<&str> = buttons.iter().map(|b| b["action_id"].as_str().unwrap()).collect();
        let expected: Vec<String> = (0..=10).map(|s| format!("nps:{s}")).collect();
        assert_eq!(ids, expected);
        assert_eq!(buttons[10]["value"], "nps:10");
    }

    #[test]
    fn telegram_keyboard_fits_the_row_limit_and_covers_every_score() {
        let rows = telegram_score_keyboard();
        assert!(rows.iter().all(|r| r.len() <= 8));
        let data: Vec<String> = rows.concat().into_iter().map(|b| b.callback_data).collect();
        assert_eq!(data, (0..=10).map(|s| format!("nps:{s}")).collect::<Vec<_>>());
    }

    #[test]
    fn whatsapp_rows_fit_the_ten_row_limit() {
        let rows = whatsapp_score_rows();
        assert_eq!(rows.len(), sarafan_core::chat::whatsapp::MAX_LIST_ROWS);
        assert_eq!(rows.last().unwrap().id, "nps:10");
    }

    #[test]
    fn a_claimed_alert_keeps_only_the_resolve_button() {
        let view = AlertView {
            title: "Detractor".into(),
            buttons: Some(AlertButtons {
                alert_id: "det-r1".into(),
                claim_label: "I'll handle it".into(),
                resolve_label: "Resolved".into(),
                can_claim: false,
            }),
            ..Default::default()
        };
        let (_, blocks) = view.render();
        let actions = blocks.as_array().unwrap().last().unwrap();
        assert_eq!(actions["elements"].as_array().unwrap().len(), 1);
        assert_eq!(actions["elements"][0]["action_id"], "alert:resolve:det-r1");
    }
}
