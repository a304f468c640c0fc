//! The report as one MIME message: text and HTML alternatives, charts as inline `cid:` PNGs,
//! and the month's figures as a CSV attachment.

use crate::charts::Chart;
use crate::html::{self, percent, plain, signed, Images};
use crate::i18n::Locale;
use mail_builder::headers::address::Address;
use mail_builder::mime::MimePart;
use mail_builder::MessageBuilder;
use sarafan_core::report::MonthReport;
use std::fmt::Write;

/// Who the report goes to and from.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    pub from: String,
    pub to: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    #[error("writing the CSV attachment")]
    Csv(#[from] csv::Error),
    #[error("writing the MIME message")]
    Mime(#[from] std::io::Error),
}

pub fn subject(report: &MonthReport, brand: &str, locale: Locale) -> String {
    let l = locale.labels();
    let margin = report.nps.margin_95.map(|m| format!(" ± {m:.0}")).unwrap_or_default();
    format!(
        "{brand} — {}, {}: NPS {}{margin}",
        l.title,
        report.month,
        signed(report.nps.nps, 0)
    )
}

/// The plain-text part: the headline figures, for clients that show no HTML.
pub fn text(report: &MonthReport, brand: &str, locale: Locale) -> String {
    let l = locale.labels();
    let mut t = String::new();
    let _ = writeln!(t, "{brand} — {}, {}\n", l.title, report.month);
    if report.empty {
        let _ = writeln!(t, "{}\n", l.empty_month);
    }
    let n = &report.nps;
    let margin = n.margin_95.map(|m| format!(" ± {m:.0}")).unwrap_or_default();
    let _ = writeln!(
        t,
        "{}: {}{margin} ({} {})",
        l.nps,
        signed(n.nps, 0),
        n.responses,
        l.answers.to_lowercase()
    );
    let _ = writeln!(
        t,
        "{} {} ({}), {} {} ({}), {} {} ({})",
        l.promoters,
        n.promoters,
        percent(n.promoter_share),
        l.passives,
        n.passives,
        percent(n.passive_share),
        l.detractors,
        n.detractors,
        percent(n.detractor_share)
    );
    let _ = writeln!(t, "\n{}:", l.response_rates);
    for r in &report.response_rates {
        let _ = writeln!(
            t,
            "  {}: {} / {} ({})",
            r.platform,
            r.answered,
            r.asked,
            percent(r.rate)
        );
    }
    let _ = writeln!(t, "\n{}:", l.reasons);
    for reasons in &report.reasons {
        let themes: Vec<String> = reasons
            .themes
            .iter()
            .map(|th| format!("{} {}", l.theme(th.theme), percent(th.share)))
            .collect();
        let _ = writeln!(t, "  {}: {}", l.category(reasons.category), themes.join(", "));
    }
    let f = &report.referrals;
    let _ = writeln!(
        t,
        "\n{}: {} → {} → {}",
        l.referral_funnel, f.asks, f.clicks, f.referred_purchases
    );
    let s = &report.sales;
    let _ = writeln!(
        t,
        "{}: {}; {}: {}",
        l.repeat_rate,
        percent(s.repeat_rate),
        l.referral_rate,
        percent(s.referral_rate)
    );
    let c = &report.compounding;
    let _ = writeln!(
        t,
        "\n{}: {} ({} {})",
        l.compounding_rate,
        percent(c.rate),
        l.multiplier,
        plain(c.multiplier, 2)
    );
    if let Some(last) = c.projection.last() {
        let _ = writeln!(
            t,
            "{}: {:.0} {} / {:.0} {}",
            l.projection, last.cumulative, l.with_compounding, last.baseline_cumulative, l.without_compounding
        );
    }
    let li = &report.listening;
    let _ = writeln!(
        t,
        "\n{}: {} {}, {} {}, {} {}, {} {}",
        l.listening,
        li.mentions,
        l.mentions.to_lowercase(),
        percent(li.positive_share),
        l.positive.to_lowercase(),
        percent(li.negative_share),
        l.negative.to_lowercase(),
        l.share_of_voice,
        percent(li.share_of_voice)
    );
    for w in &li.weeks {
        let _ = writeln!(
            t,
            "  {}–{}: {:.1} {} ({})",
            w.first_day,
            w.last_day,
            w.per_day,
            l.per_day.to_lowercase(),
            html::change(w.change)
        );
    }
    let lp = &report.closing_the_loop;
    let _ = writeln!(
        t,
        "\n{}: {} {}, {} {}, {} {}; {} {}, {} {}",
        l.closing_loop,
        lp.raised,
        l.raised.to_lowercase(),
        lp.claimed,
        l.claimed.to_lowercase(),
        lp.resolved,
        l.resolved.to_lowercase(),
        l.median_claim,
        html::duration(lp.median_minutes_to_claim, l),
        l.median_resolve.to_lowercase(),
        html::duration(lp.median_minutes_to_resolve, l)
    );
    let h = &report.heard;
    let _ = writeln!(
        t,
        "{}: {} → {} → {} / {}",
        l.heard_funnel, h.heard, h.acted_on, h.resolved, h.shared
    );
    let _ = writeln!(t, "\n{}", l.csv_note);
    t
}

/// Builds the raw message. Structure (what Gmail, Outlook and Apple Mail all render):
/// `mixed[ alternative[ text, related[ html, png... ] ], csv ]`.
pub fn build(
    report: &MonthReport,
    brand: &str,
    locale: Locale,
    charts: &[Chart],
    envelope: &Envelope,
) -> Result<Vec<u8>, MessageError> {
    let html_body = html::render(report, brand, locale, Images::Cid);
    let text_body = text(report, brand, locale);
    let csv = crate::figures::csv(report)?;
    let mut related = vec![MimePart::new("text/html", html_body)];
    for chart in charts {
        related.push(MimePart::new("image/png", chart.png.as_slice()).inline().cid(chart.cid));
    }
    let alternative = MimePart::new(
        "multipart/alternative",
        vec![
            MimePart::new("text/plain", text_body),
            MimePart::new("multipart/related", related),
        ],
    );
    let attachment = MimePart::new("text/csv", csv).attachment(format!("sarafan-{}.csv", report.month));
    let to: Vec<Address<'_>> = envelope.to.iter().map(|a| Address::from(a.as_str())).collect();
    let message = MessageBuilder::new()
        .from(envelope.from.as_str())
        .to(to)
        .subject(subject(report, brand, locale))
        .body(MimePart::new("multipart/mixed", vec![alternative, attachment]));
    Ok(message.write_to_vec()?)
}
