//! The email channel: the survey email (the question and eleven score links), the promoter's
//! referral link by email, and the SES v2 adapter that sends them (`SURVEY_FROM`).

use crate::templates::{Key, Templates};
use async_trait::async_trait;
use mail_builder::headers::address::Address;
use mail_builder::headers::raw::Raw;
use mail_builder::headers::url::URL;
use mail_builder::MessageBuilder;
use sarafan_core::html::{escape, with_link};
use sarafan_core::ses::{Ses, SesError};
use sarafan_core::survey_link::{LinkSecrets, SurveyUrls};
use std::fmt;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// SES answered and refused (unverified sender, sandbox recipient, throttling...).
    #[error("SES refused the email: {code}: {reason}")]
    Rejected { code: String, reason: String },
    /// SES could not be asked (network, credentials, endpoint).
    #[error("SES could not be reached: {0}")]
    Unreachable(String),
    #[error("the email could not be written: {0}")]
    Mime(String),
}

impl MailError {
    /// Retrying later may succeed (SES throttled us, or could not be reached).
    pub fn is_transient(&self) -> bool {
        match self {
            MailError::Unreachable(_) => true,
            MailError::Rejected { code, .. } => {
                matches!(
                    code.as_str(),
                    "TooManyRequestsException"
                        | "Throttling"
                        | "ThrottlingException"
                        | "LimitExceededException"
                        | "ServiceUnavailable"
                        | "InternalFailure"
                )
            }
            MailError::Mime(_) => false,
        }
    }
}

/// Sends one raw MIME message to one recipient; answers the provider's message id.
#[async_trait]
pub trait SurveyMailer: Send + Sync {
    async fn send_raw(&self, from: &str, to: &str, raw: Vec<u8>) -> Result<String, MailError>;
}

/// SES v2 `SendEmail` with raw content (sarafan-core's [`Ses`]), its client built on the first
/// email (region, credentials and `AWS_ENDPOINT_URL` from the environment), so a host that never
/// sends one makes no AWS lookup at start.
#[derive(Debug, Default)]
pub struct SesSurveyMailer {
    ses: Ses,
}

impl SesSurveyMailer {
    /// On an AWS config already loaded (a function's start-up): no second config, one HTTP client.
    pub fn on(aws: &sarafan_core::aws::SdkConfig) -> Self {
        SesSurveyMailer { ses: Ses::on(aws) }
    }
}

impl From<SesError> for MailError {
    fn from(e: SesError) -> Self {
        match e {
            SesError::Rejected { code, reason } => MailError::Rejected { code, reason },
            SesError::Unreachable(why) => MailError::Unreachable(why),
            SesError::Unbuildable(why) => MailError::Mime(why),
        }
    }
}

#[async_trait]
impl SurveyMailer for SesSurveyMailer {
    async fn send_raw(&self, from: &str, to: &str, raw: Vec<u8>) -> Result<String, MailError> {
        Ok(self.ses.send_raw(from, &[to.to_string()], raw).await?)
    }
}

/// Everything the email channel needs: set when `SURVEY_FROM` is.
#[derive(Clone)]
pub struct EmailChannel {
    pub mailer: Arc<dyn SurveyMailer>,
    /// `SURVEY_FROM`: the sender, an identity verified in SES ("Sprite Cars <nps@sprite.example>").
    pub from: String,
    /// `SARAFAN_LINK_SECRET`: signs the survey links.
    pub links: LinkSecrets,
    /// `SARAFAN_PUBLIC_URL`, where the links point.
    pub public_url: String,
}

impl fmt::Debug for EmailChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmailChannel")
            .field("from", &self.from)
            .field("links", &self.links)
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

impl EmailChannel {
    /// The links of the survey `survey_id` sent to `address`.
    pub fn urls(&self, survey_id: &str, address: &str) -> SurveyUrls {
        SurveyUrls::new(&self.public_url, &self.links.sign(survey_id, address))
    }
}

const BODY: &str = "margin:0;padding:0;background:#f4f5f7";
const CARD: &str = "background:#ffffff;border:1px solid #d0d7de;font-family:Arial,Helvetica,sans-serif;color:#1f2328";
const BUTTON: &str = "display:block;padding:10px 0;background:#1f6feb;color:#ffffff;text-decoration:none;font-weight:bold;font-family:Arial,Helvetica,sans-serif;font-size:16px;border-radius:4px;text-align:center";
const SMALL: &str = "font-size:12px;color:#57606a;font-family:Arial,Helvetica,sans-serif";

/// What one email says, in one language.
pub struct SurveyEmail<'a> {
    pub templates: &'a Templates,
    pub locale: &'a str,
    pub brand: Option<&'a str>,
    pub urls: &'a SurveyUrls,
}

impl SurveyEmail<'_> {
    fn question(&self) -> String {
        match self.brand {
            Some(brand) => self
                .templates
                .render(self.locale, Key::QuestionBrand, &[("brand", brand)]),
            None => self.templates.text(self.locale, Key::Question).to_string(),
        }
    }

    pub fn subject(&self) -> String {
        self.templates.text(self.locale, Key::EmailSubject).to_string()
    }

    /// The text part: the question, then each score with its link, then the footer.
    pub fn text(&self) -> String {
        let t = |key| self.templates.text(self.locale, key);
        let mut text = format!("{}\n{}\n\n", self.question(), t(Key::ScoreHint));
        for score in 0..=10u8 {
            text.push_str(&format!("{score}: {}\n", self.urls.score(score)));
        }
        text.push_str(&format!(
            "\n-- \n{}\n{}: {}\n",
            t(Key::EmailFooter),
            t(Key::Unsubscribe),
            self.urls.unsubscribe
        ));
        text
    }

    /// The HTML part: tables and inline styles only, so it reads the same without CSS support.
    pub fn html(&self) -> String {
        let t = |key| self.templates.text(self.locale, key);
        let question = escape(&self.question());
        let mut cells = String::new();
        for score in 0..=10u8 {
            cells.push_str(&format!(
                "<td width=\"9%\" style=\"padding:2px\"><a href=\"{href}\" style=\"{BUTTON}\">{score}</a></td>",
                href = escape(&self.urls.score(score)),
            ));
        }
        format!(
            "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{question}</title></head>\
             <body style=\"{BODY}\"><table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" style=\"{BODY}\"><tr><td align=\"center\" style=\"padding:24px 8px\">\
             <table role=\"presentation\" width=\"600\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" style=\"{CARD};max-width:600px\">\
             <tr><td style=\"padding:24px 24px 8px;font-size:20px;line-height:1.3;font-weight:bold\">{question}</td></tr>\
             <tr><td style=\"padding:0 24px 16px;font-size:14px;color:#57606a\">{hint}</td></tr>\
             <tr><td style=\"padding:0 20px 24px\"><table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\"><tr>{cells}</tr></table></td></tr>\
             <tr><td style=\"padding:16px 24px;border-top:1px solid #d0d7de;{SMALL}\">{footer}<br><a href=\"{unsubscribe}\" style=\"color:#57606a\">{unsubscribe_label}</a></td></tr>\
             </table></td></tr></table></body></html>",
            lang = escape(self.locale),
            hint = escape(t(Key::ScoreHint)),
            footer = escape(t(Key::EmailFooter)),
            unsubscribe = escape(&self.urls.unsubscribe),
            unsubscribe_label = escape(t(Key::Unsubscribe)),
        )
    }

    /// The whole message, with the RFC 8058 one-click unsubscribe headers.
    pub fn build(&self, from: &str, to: &str) -> Result<Vec<u8>, MailError> {
        message(
            from,
            to,
            self.subject(),
            self.text(),
            self.html(),
            &self.urls.unsubscribe,
        )
    }
}

/// The promoter's referral link, by email (the thank-you page shows it too).
pub fn referral_message(
    templates: &Templates,
    locale: &str,
    link: &str,
    urls: &SurveyUrls,
    from: &str,
    to: &str,
) -> Result<Vec<u8>, MailError> {
    let t = |key| templates.text(locale, key);
    let follow_up = templates.render(locale, Key::PromoterFollowUp, &[("link", link)]);
    let text = format!(
        "{follow_up}\n\n-- \n{}\n{}: {}\n",
        t(Key::EmailFooter),
        t(Key::Unsubscribe),
        urls.unsubscribe
    );
    let html = format!(
        "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"></head><body style=\"{BODY}\">\
         <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\"><tr><td align=\"center\" style=\"padding:24px 8px\">\
         <table role=\"presentation\" width=\"600\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" style=\"{CARD};max-width:600px\">\
         <tr><td style=\"padding:24px;font-size:16px;line-height:1.4\">{body}</td></tr>\
         <tr><td style=\"padding:16px 24px;border-top:1px solid #d0d7de;{SMALL}\">{footer}<br><a href=\"{unsubscribe}\" style=\"color:#57606a\">{label}</a></td></tr>\
         </table></td></tr></table></body></html>",
        lang = escape(locale),
        body = with_link(t(Key::PromoterFollowUp), link, "color:#0a58ca"),
        footer = escape(t(Key::EmailFooter)),
        unsubscribe = escape(&urls.unsubscribe),
        label = escape(t(Key::Unsubscribe)),
    );
    message(from, to, t(Key::PageThanks).to_string(), text, html, &urls.unsubscribe)
}

/// `SURVEY_FROM` as a mail header address: `Name <address>` or a bare address.
fn sender(from: &str) -> Address<'_> {
    match from.trim().strip_suffix('>').and_then(|rest| rest.rsplit_once('<')) {
        Some((name, address)) => {
            let name = name.trim().trim_matches('"').trim();
            Address::new_address((!name.is_empty()).then_some(name), address.trim())
        }
        None => Address::new_address(None::<&str>, from.trim()),
    }
}

fn message(
    from: &str,
    to: &str,
    subject: String,
    text: String,
    html: String,
    unsubscribe: &str,
) -> Result<Vec<u8>, MailError> {
    MessageBuilder::new()
        .from(sender(from))
        .to(to)
        .subject(subject)
        // RFC 8058: a mail client may POST `List-Unsubscribe=One-Click` to this https URL.
        .header("List-Unsubscribe", URL::new(unsubscribe.to_string()))
        .header("List-Unsubscribe-Post", Raw::new("List-Unsubscribe=One-Click"))
        .text_body(text)
        .html_body(html)
        .write_to_vec()
        .map_err(|e| MailError::Mime(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::MessageParser;

    fn urls() -> SurveyUrls {
        SurveyUrls::new("https://wom.example.com", "tok.en")
    }

    #[test]
    fn the_sender_may_carry_a_display_name() {
        let raw = |from| {
            message(
                from,
                "a@b.example",
                "s".into(),
                "t".into(),
                "<p>h</p>".into(),
                "https://u",
            )
            .unwrap()
        };
        let named = raw("\"Sprite Cars\" <nps@sprite.example>");
        let parsed = MessageParser::default().parse(&named).unwrap();
        let from = parsed.from().and_then(|a| a.first()).unwrap();
        assert_eq!(
            (from.name(), from.address()),
            (Some("Sprite Cars"), Some("nps@sprite.example"))
        );
        let bare = raw("nps@sprite.example");
        let parsed = MessageParser::default().parse(&bare).unwrap();
        assert_eq!(
            parsed.from().and_then(|a| a.first()).unwrap().address(),
            Some("nps@sprite.example")
        );
    }

    #[test]
    fn a_brand_with_markup_is_text_in_the_html_part_and_the_links_are_the_eleven_scores() {
        let templates = Templates::builtin();
        let urls = urls();
        let email = SurveyEmail {
            templates: &templates,
            locale: "de",
            brand: Some("<Sprite & Söhne>"),
            urls: &urls,
        };
        let html = email.html();
        assert!(html.contains("&lt;Sprite &amp; Söhne&gt;"), "{html}");
        assert!(!html.contains("<Sprite"));
        for score in 0..=10 {
            assert!(html.contains(&format!("href=\"https://wom.example.com/s/tok.en?score={score}\"")));
        }
        assert_eq!(html.matches("?score=").count(), 11);
        let raw = email.build("nps@sprite.example", "kunde@example.de").unwrap();
        let parsed = MessageParser::default().parse(&raw).unwrap();
        assert_eq!(parsed.subject(), Some("Eine kurze Frage"));
        assert!(parsed
            .body_text(0)
            .unwrap()
            .contains("Wie wahrscheinlich ist es, dass Sie <Sprite & Söhne>"));
        let text = String::from_utf8_lossy(&raw);
        assert!(text.contains("List-Unsubscribe: <https://wom.example.com/s/tok.en/unsubscribe>"));
        assert!(text.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
    }

    #[test]
    fn only_a_throttled_or_unreachable_ses_is_retried() {
        let rejected = |code: &str| MailError::Rejected {
            code: code.into(),
            reason: "r".into(),
        };
        assert!(rejected("TooManyRequestsException").is_transient());
        assert!(MailError::Unreachable("timeout".into()).is_transient());
        assert!(!rejected("MessageRejected").is_transient());
        assert!(!rejected("MailFromDomainNotVerifiedException").is_transient());
    }
}
