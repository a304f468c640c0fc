//! The email survey's pages, as HTML: the score form, the thank-you page, the unsubscribe
//! confirmation and the refusals. No script, no external resources, styles inline; every
//! customer-supplied string is escaped.

use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY};
use axum::http::{HeaderName, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use sarafan_core::html::{escape, with_link};
use sarafan_core::templates::{Key, Templates};

/// The longest comment kept; a longer one is refused with the reason, and nothing is stored.
pub const MAX_COMMENT_CHARS: usize = 2000;

const BODY: &str = "margin:0;padding:24px 12px;background:#f4f5f7;font-family:Arial,Helvetica,sans-serif;color:#1f2328";
const CARD: &str =
    "max-width:560px;margin:0 auto;background:#ffffff;border:1px solid #d0d7de;border-radius:8px;padding:24px";
const LINK: &str = "color:#0a58ca";

/// One page in one language.
pub struct Page<'a> {
    pub templates: &'a Templates,
    pub locale: &'a str,
}

/// What the form shows.
pub struct Form<'a> {
    /// The score chosen (from the clicked link, or the one stored).
    pub score: Option<u8>,
    /// The score is stored and can no longer change: shown, not offered.
    pub score_fixed: bool,
    pub comment: &'a str,
    /// A refusal to show above the form (no score chosen, a comment too long).
    pub problem: Option<String>,
}

impl Page<'_> {
    fn t(&self, key: Key) -> &str {
        self.templates.text(self.locale, key)
    }

    fn document(&self, status: StatusCode, title: &str, content: &str) -> Response {
        let html = format!(
            "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <meta name=\"robots\" content=\"noindex\"><title>{title}</title></head>\
             <body style=\"{BODY}\"><main style=\"{CARD}\">{content}</main></body></html>",
            lang = escape(self.locale),
            title = escape(title),
        );
        (
            status,
            [
                // The token in the address is the customer's key to their answer.
                (CACHE_CONTROL, "no-store"),
                (REFERRER_POLICY, "no-referrer"),
                (
                    CONTENT_SECURITY_POLICY,
                    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
                ),
                (HeaderName::from_static("x-robots-tag"), "noindex"),
            ],
            Html(html),
        )
            .into_response()
    }

    /// A page that only says something (an invalid link, a closed survey, the opt-out done).
    pub fn message(&self, status: StatusCode, key: Key) -> Response {
        let text = self.t(key);
        self.document(
            status,
            text,
            &format!("<p style=\"font-size:18px\">{}</p>", escape(text)),
        )
    }

    /// The question with the form: eleven scores (one chosen), a comment box, the button.
    /// `intro` comes first (the thanks and follow-up once answered); `token` is the last path
    /// segment, so the form posts back to this page's own address.
    pub fn form(&self, status: StatusCode, question: &str, intro: &str, form: &Form<'_>, token: &str) -> Response {
        let mut html = String::with_capacity(4096);
        html.push_str(intro);
        if !form.score_fixed {
            html.push_str(&format!(
                "<h1 style=\"font-size:20px;line-height:1.3;margin:0 0 8px\">{}</h1><p style=\"margin:0 0 16px;color:#57606a\">{}</p>",
                escape(question),
                escape(self.t(Key::ScoreHint))
            ));
        }
        if let Some(problem) = &form.problem {
            html.push_str(&format!(
                "<p role=\"alert\" style=\"background:#fff1f0;border:1px solid #cf222e;padding:8px;border-radius:4px\">{}</p>",
                escape(problem)
            ));
        }
        html.push_str(&format!("<form method=\"post\" action=\"{}\">", escape(token)));
        if form.score_fixed {
            if let Some(score) = form.score {
                html.push_str(&format!("<input type=\"hidden\" name=\"score\" value=\"{score}\">"));
            }
        } else {
            html.push_str("<fieldset style=\"border:0;padding:0;margin:0 0 16px\"><legend style=\"position:absolute;left:-9999px\">0-10</legend><div style=\"display:flex;flex-wrap:wrap;gap:4px\">");
            for score in 0..=10u8 {
                let checked = if form.score == Some(score) { " checked" } else { "" };
                html.push_str(&format!(
                    "<label style=\"display:inline-block;min-width:36px;text-align:center;border:1px solid #d0d7de;border-radius:4px;padding:6px 4px;cursor:pointer\">\
                     <input type=\"radio\" name=\"score\" value=\"{score}\" id=\"score-{score}\"{checked}> {score}</label>"
                ));
            }
            html.push_str("</div></fieldset>");
        }
        html.push_str(&format!(
            "<label for=\"comment\" style=\"display:block;margin:0 0 4px\">{}</label>\
             <textarea id=\"comment\" name=\"comment\" rows=\"5\" maxlength=\"{MAX_COMMENT_CHARS}\" \
             style=\"width:100%;box-sizing:border-box;font:inherit;padding:8px\">{}</textarea>\
             <p style=\"margin:16px 0 0\"><button type=\"submit\" id=\"send\" \
             style=\"background:#1f6feb;color:#ffffff;border:0;border-radius:6px;padding:10px 20px;font-size:16px;cursor:pointer\">{}</button></p></form>",
            escape(self.t(Key::PageComment)),
            escape(form.comment),
            escape(self.t(Key::PageSubmit)),
        ));
        html.push_str(&format!(
            "<p style=\"margin:24px 0 0;font-size:12px;color:#57606a\"><a href=\"{}/unsubscribe\" style=\"{LINK}\">{}</a></p>",
            escape(token),
            escape(self.t(Key::Unsubscribe))
        ));
        self.document(status, question, &html)
    }

    /// The thanks and the follow-up once a score is stored: the promoter's referral link, or
    /// the question the comment box answers (what would make it a 10 / what went wrong).
    pub fn thanks(&self, follow_up: &str, referral_link: Option<&str>, commented: bool) -> String {
        let mut html = format!(
            "<h1 style=\"font-size:20px;margin:0 0 12px\">{}</h1>",
            escape(self.t(Key::PageThanks))
        );
        let follow_up = match referral_link {
            Some(link) => with_link(follow_up, link, LINK),
            None => escape(follow_up),
        };
        html.push_str(&format!(
            "<p id=\"follow-up\" style=\"margin:0 0 16px\">{follow_up}</p>"
        ));
        if commented {
            html.push_str(&format!(
                "<p id=\"comment-thanks\" style=\"margin:0 0 16px\">{}</p>",
                escape(self.t(Key::CommentThanks))
            ));
        }
        html
    }

    /// The unsubscribe confirmation: a GET shows it (mail scanners open links too); the
    /// button posts, and only the post opts out.
    pub fn unsubscribe(&self) -> Response {
        let question = self.t(Key::UnsubscribeConfirm);
        let html = format!(
            "<h1 style=\"font-size:20px;margin:0 0 16px\">{}</h1><form method=\"post\" action=\"unsubscribe\">\
             <button type=\"submit\" id=\"unsubscribe\" style=\"background:#cf222e;color:#ffffff;border:0;border-radius:6px;padding:10px 20px;font-size:16px;cursor:pointer\">{}</button></form>",
            escape(question),
            escape(self.t(Key::UnsubscribeButton))
        );
        self.document(StatusCode::OK, question, &html)
    }
}
