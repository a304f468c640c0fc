//! The report as one self-contained HTML page: table layout and inline CSS, as mail clients need.

use sarafan_core::report::MonthReport;
use std::fmt::Write;

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

fn signed(value: Option<f64>, digits: usize) -> String {
    match value {
        Some(v) => format!("{v:+.digits$}"),
        None => "–".to_string(),
    }
}

fn plain(value: Option<f64>, digits: usize) -> String {
    value
        .map(|v| format!("{v:.digits$}"))
        .unwrap_or_else(|| "–".to_string())
}

fn percent(share: Option<f64>) -> String {
    share
        .map(|s| format!("{:.0}%", s * 100.0))
        .unwrap_or_else(|| "–".to_string())
}

const TD: &str = "padding:6px 10px;border-bottom:1px solid #e5e7eb;text-align:right;font-size:14px";
const TH: &str = "padding:6px 10px;border-bottom:2px solid #cbd5e1;text-align:right;font-size:13px;color:#475569";

/// Renders the report for `brand` (shown in the title).
pub fn render(report: &MonthReport, brand: &str) -> String {
    let mut h = String::new();
    let title = format!("{} — word of mouth, {}", escape(brand), report.month);
    let _ = write!(
        h,
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>{title}</title></head><body style=\"margin:0;background:#f1f5f9;font-family:Helvetica,Arial,sans-serif;color:#0f172a\">\
         <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\"><tr><td align=\"center\" style=\"padding:24px\">\
         <table role=\"presentation\" width=\"680\" cellpadding=\"0\" cellspacing=\"0\" style=\"max-width:680px;background:#ffffff;border-radius:8px\">\
         <tr><td style=\"padding:24px 28px 8px\"><h1 style=\"margin:0;font-size:22px\">{title}</h1></td></tr>"
    );
    if report.empty {
        let _ = write!(
            h,
            "<tr><td style=\"padding:8px 28px;color:#b45309\">No answers, purchases or mentions were recorded this month.</td></tr>"
        );
    }
    // Headline: NPS with its margin.
    let n = &report.nps;
    let margin = n.margin_95.map(|m| format!(" ± {m:.0}")).unwrap_or_default();
    let caution = match n.responses {
        0 => "No answers this month.".to_string(),
        r if r < 30 => format!("Only {r} answers: treat this score as a rough signal."),
        r => format!("From {r} answers; the ± is the 95% margin."),
    };
    let _ = write!(
        h,
        "<tr><td style=\"padding:8px 28px\"><table role=\"presentation\" width=\"100%\"><tr>\
         <td style=\"padding:12px;background:#eef2ff;border-radius:6px\"><div style=\"font-size:13px;color:#475569\">Net Promoter Score</div>\
         <div style=\"font-size:34px;font-weight:bold\">{}{margin}</div><div style=\"font-size:13px;color:#475569\">{}</div></td>\
         <td style=\"padding:12px\"><div style=\"font-size:13px;color:#475569\">Compounding rate r</div><div style=\"font-size:26px;font-weight:bold\">{}</div>\
         <div style=\"font-size:13px;color:#475569\">multiplier 1/(1−r): {}</div></td></tr></table></td></tr>",
        signed(n.nps, 0),
        escape(&caution),
        percent(report.compounding.rate),
        plain(report.compounding.multiplier, 2),
    );
    // Category split as a bar of three cells.
    let _ = write!(h, "<tr><td style=\"padding:8px 28px\"><h2 style=\"font-size:16px;margin:12px 0 6px\">Promoters, passives, detractors</h2><table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\"><tr>");
    for (label, share, count, color) in [
        ("Promoters", n.promoter_share, n.promoters, "#16a34a"),
        ("Passives", n.passive_share, n.passives, "#a3a3a3"),
        ("Detractors", n.detractor_share, n.detractors, "#dc2626"),
    ] {
        let width = share.map(|s| (s * 100.0).round().max(1.0)).unwrap_or(33.0);
        let _ = write!(
            h,
            "<td width=\"{width}%\" style=\"background:{color};color:#fff;padding:6px;font-size:13px;white-space:nowrap\">{label} {count} ({})</td>",
            percent(share)
        );
    }
    h.push_str("</tr></table></td></tr>");
    // NPS trend table.
    h.push_str("<tr><td style=\"padding:8px 28px\"><h2 style=\"font-size:16px;margin:12px 0 6px\">NPS, last 12 months</h2><table role=\"presentation\" width=\"100%\" cellspacing=\"0\">");
    let _ = write!(h, "<tr><th style=\"{TH};text-align:left\">Month</th><th style=\"{TH}\">Answers</th><th style=\"{TH}\">NPS</th><th style=\"{TH}\">± 95%</th></tr>");
    for p in &report.trend {
        let _ = write!(
            h,
            "<tr><td style=\"{TD};text-align:left\">{}</td><td style=\"{TD}\">{}</td><td style=\"{TD}\">{}</td><td style=\"{TD}\">{}</td></tr>",
            p.month,
            p.responses,
            signed(p.nps, 0),
            plain(p.margin_95, 0)
        );
    }
    h.push_str("</table></td></tr>");
    // Compounding: history, then projection beside the baseline.
    h.push_str("<tr><td style=\"padding:8px 28px\"><h2 style=\"font-size:16px;margin:12px 0 6px\">Compounding customers</h2><table role=\"presentation\" width=\"100%\" cellspacing=\"0\">");
    let _ = write!(h, "<tr><th style=\"{TH};text-align:left\">Month</th><th style=\"{TH}\">New (N)</th><th style=\"{TH}\">Returning + referred (R)</th><th style=\"{TH}\">Total</th><th style=\"{TH}\">Observed r</th></tr>");
    for s in &report.compounding.history {
        let _ = write!(
            h,
            "<tr><td style=\"{TD};text-align:left\">{}</td><td style=\"{TD}\">{}</td><td style=\"{TD}\">{}</td><td style=\"{TD}\">{}</td><td style=\"{TD}\">{}</td></tr>",
            s.month,
            s.new,
            s.returning,
            s.total,
            percent(s.observed_rate)
        );
    }
    h.push_str("</table>");
    let _ = write!(h, "<h3 style=\"font-size:14px;margin:14px 0 6px\">Next 12 months at this rate, against no compounding</h3><table role=\"presentation\" width=\"100%\" cellspacing=\"0\"><tr><th style=\"{TH};text-align:left\">Month</th><th style=\"{TH}\">Total</th><th style=\"{TH}\">Cumulative</th><th style=\"{TH}\">Without compounding</th></tr>");
    for p in &report.compounding.projection {
        let _ = write!(
            h,
            "<tr><td style=\"{TD};text-align:left\">+{}</td><td style=\"{TD}\">{:.0}</td><td style=\"{TD}\">{:.0}</td><td style=\"{TD}\">{:.0}</td></tr>",
            p.month, p.total, p.cumulative, p.baseline_cumulative
        );
    }
    h.push_str("</table></td></tr>");
    // Cohorts.
    let cohorts = &report.compounding.cohorts;
    if !cohorts.rows.is_empty() {
        let width = cohorts.rows.iter().map(|r| r.later.len()).max().unwrap_or(0);
        h.push_str("<tr><td style=\"padding:8px 28px\"><h2 style=\"font-size:16px;margin:12px 0 6px\">Cohorts: returns and referrals by months since first purchase</h2><table role=\"presentation\" width=\"100%\" cellspacing=\"0\">");
        let _ = write!(
            h,
            "<tr><th style=\"{TH};text-align:left\">Cohort</th><th style=\"{TH}\">New</th>"
        );
        for k in 1..=width {
            let _ = write!(h, "<th style=\"{TH}\">+{k}</th>");
        }
        h.push_str("</tr>");
        for row in &cohorts.rows {
            let _ = write!(
                h,
                "<tr><td style=\"{TD};text-align:left\">{}</td><td style=\"{TD}\">{}</td>",
                row.cohort, row.new_customers
            );
            for k in 0..width {
                let cell = row.later.get(k).map(|c| c.to_string()).unwrap_or_default();
                let _ = write!(h, "<td style=\"{TD}\">{cell}</td>");
            }
            h.push_str("</tr>");
        }
        h.push_str("</table></td></tr>");
    }
    // Referral funnel.
    let f = &report.referrals;
    let _ = write!(
        h,
        "<tr><td style=\"padding:8px 28px 24px\"><h2 style=\"font-size:16px;margin:12px 0 6px\">Referral funnel</h2>\
         <p style=\"font-size:14px;margin:0\">{} links handed to promoters → {} clicks → {} referred new customers ({} conversions in all).</p></td></tr>",
        f.asks, f.clicks, f.referred_purchases, f.conversions
    );
    h.push_str("</table></td></tr></table></body></html>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use sarafan_core::report::{month_report, MonthlyCounters};

    #[test]
    fn escape_neutralises_markup() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }

    #[test]
    fn an_empty_month_renders_and_says_so() {
        let report = month_report("2026-05".parse().unwrap(), &MonthlyCounters::new());
        let html = render(&report, "Brightside <Motors>");
        assert!(html.contains("No answers, purchases or mentions were recorded this month."));
        assert!(html.contains("Brightside &lt;Motors&gt;"));
        assert!(!html.contains("NaN"));
    }
}
