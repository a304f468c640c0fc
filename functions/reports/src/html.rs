//! The report as one self-contained HTML page: table layout and inline CSS, as mail clients need.

use crate::charts::Chart;
use crate::i18n::{Labels, Locale};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use sarafan_core::durations::MedianMinutes;
use sarafan_core::report::MonthReport;
use std::fmt::Write;

/// Escaping for HTML text and attribute values: the one the survey pages use too.
pub use sarafan_core::html::escape;

/// Where the charts' images come from: `cid:` parts of the email, or data URIs in a file
/// (a browser opening the saved report has no email parts to look in).
#[derive(Debug, Clone, Copy)]
pub enum Images<'a> {
    Cid,
    Embedded(&'a [Chart]),
}

impl Images<'_> {
    fn src(&self, cid: &str) -> String {
        match self {
            Images::Cid => format!("cid:{cid}"),
            Images::Embedded(charts) => charts
                .iter()
                .find(|c| c.cid == cid)
                .map(|c| format!("data:image/png;base64,{}", BASE64.encode(&c.png)))
                .unwrap_or_default(),
        }
    }
}

pub fn signed(value: Option<f64>, digits: usize) -> String {
    match value {
        Some(v) => format!("{v:+.digits$}"),
        None => "–".to_string(),
    }
}

pub fn plain(value: Option<f64>, digits: usize) -> String {
    value
        .map(|v| format!("{v:.digits$}"))
        .unwrap_or_else(|| "–".to_string())
}

pub fn percent(share: Option<f64>) -> String {
    share
        .map(|s| format!("{:.0}%", s * 100.0))
        .unwrap_or_else(|| "–".to_string())
}

/// A relative change as `+12%` / `−40%`.
pub fn change(value: Option<f64>) -> String {
    value
        .map(|v| format!("{:+.0}%", v * 100.0))
        .unwrap_or_else(|| "–".to_string())
}

/// Minutes as `12 min`, `3.5 h` or `2.1 d`; a lower bound gets `>`.
pub fn duration(m: Option<MedianMinutes>, l: &Labels) -> String {
    let Some(m) = m else { return "–".to_string() };
    let prefix = if m.at_least { "> " } else { "" };
    if m.minutes < 90.0 {
        format!("{prefix}{:.0} {}", m.minutes, l.minutes)
    } else if m.minutes < 48.0 * 60.0 {
        format!("{prefix}{:.1} {}", m.minutes / 60.0, l.hours)
    } else {
        format!("{prefix}{:.1} {}", m.minutes / 1440.0, l.days)
    }
}

const TD: &str = "padding:6px 8px;border-bottom:1px solid #e5e7eb;text-align:right;font-size:14px";
const TDL: &str = "padding:6px 8px;border-bottom:1px solid #e5e7eb;text-align:left;font-size:14px";
const TH: &str = "padding:6px 8px;border-bottom:2px solid #cbd5e1;text-align:right;font-size:13px;color:#475569";
const THL: &str = "padding:6px 8px;border-bottom:2px solid #cbd5e1;text-align:left;font-size:13px;color:#475569";
const H2: &str = "font-size:17px;margin:18px 0 8px;color:#0f172a";
const NOTE: &str = "font-size:13px;color:#475569;margin:4px 0";

/// A short note under a heading or above a table.
fn note(text: &str) -> String {
    format!("<p style=\"{NOTE}\">{}</p>", escape(text))
}

/// A section row of the outer table.
fn section(h: &mut String, title: &str, inner: &str) {
    section_at(h, "", title, inner);
}

/// A section that "What to act on" links to (`#id`).
fn section_at(h: &mut String, id: &str, title: &str, inner: &str) {
    let id = if id.is_empty() {
        String::new()
    } else {
        format!(" id=\"{id}\"")
    };
    let _ = write!(
        h,
        "<tr><td style=\"padding:4px 28px\"><h2{id} style=\"{H2}\">{}</h2>{inner}</td></tr>",
        escape(title)
    );
}

fn table(head: &[(&str, bool)], rows: &[Vec<(String, bool)>]) -> String {
    let mut t = String::from(
        "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"border-collapse:collapse\"><tr>",
    );
    for (label, left) in head {
        let _ = write!(
            t,
            "<th style=\"{}\">{}</th>",
            if *left { THL } else { TH },
            escape(label)
        );
    }
    t.push_str("</tr>");
    for row in rows {
        t.push_str("<tr>");
        for (cell, left) in row {
            // Short figures (2026-03, 30 / 34, +12%, 21.0 h) never break when a phone squeezes
            // the table.
            let nowrap = if cell.chars().count() <= 12 && cell.chars().any(|c| c.is_ascii_digit()) {
                ";white-space:nowrap"
            } else {
                ""
            };
            let _ = write!(
                t,
                "<td style=\"{}{nowrap}\">{}</td>",
                if *left { TDL } else { TD },
                escape(cell)
            );
        }
        t.push_str("</tr>");
    }
    t.push_str("</table>");
    t
}

fn image(images: Images<'_>, cid: &str, alt: &str) -> String {
    format!(
        "<img src=\"{}\" width=\"600\" alt=\"{}\" style=\"display:block;width:100%;max-width:600px;height:auto;border:0;margin:8px 0\">",
        images.src(cid),
        escape(alt)
    )
}

fn l_(s: &str) -> (String, bool) {
    (s.to_string(), true)
}

fn r_(s: impl ToString) -> (String, bool) {
    (s.to_string(), false)
}

/// Renders the report for `brand` in `locale`.
pub fn render(report: &MonthReport, brand: &str, locale: Locale, images: Images<'_>) -> String {
    let l = locale.labels();
    let mut h = String::new();
    let title = format!("{} — {}, {}", escape(brand), escape(l.title), report.month);
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>{title}</title></head><body style=\"margin:0;padding:0;background:#f1f5f9;font-family:Helvetica,Arial,sans-serif;color:#0f172a\">\
         <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"background:#f1f5f9\"><tr><td align=\"center\" style=\"padding:24px 8px\">\
         <!--[if mso]><table role=\"presentation\" width=\"680\" cellpadding=\"0\" cellspacing=\"0\"><tr><td><![endif]-->\
         <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"width:100%;max-width:680px;table-layout:fixed;background:#ffffff;border-radius:8px\">\
         <tr><td style=\"padding:24px 28px 8px\"><h1 style=\"margin:0;font-size:22px\">{title}</h1></td></tr>",
        locale.code()
    );
    if report.empty {
        let _ = write!(
            h,
            "<tr><td style=\"padding:8px 28px;color:#b45309;font-size:15px\">{}</td></tr>",
            escape(l.empty_month)
        );
    }
    // Headline: NPS with its margin, beside the compounding rate.
    let n = &report.nps;
    // The margin smaller beside the score, on one line: "+22 ± 21" fits half a phone's width.
    let margin = n
        .margin_95
        .map(|m| format!("<span style=\"font-size:20px\"> ± {m:.0}</span>"))
        .unwrap_or_default();
    let caution = match n.responses {
        0 => l.no_answers.to_string(),
        r if r < 30 => l.few_answers.replace("{n}", &r.to_string()),
        r => l.margin_note.replace("{n}", &r.to_string()),
    };
    let _ = write!(
        h,
        "<tr><td style=\"padding:8px 28px\"><table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\"><tr>\
         <td width=\"50%\" style=\"padding:12px;background:#eef2ff;vertical-align:top\"><div style=\"{NOTE}\">{}</div>\
         <div style=\"font-size:34px;font-weight:bold;white-space:nowrap\">{}{margin}</div><div style=\"{NOTE}\">{}</div></td>\
         <td width=\"50%\" style=\"padding:12px;vertical-align:top\"><div style=\"{NOTE}\">{}</div><div style=\"font-size:28px;font-weight:bold\">{}</div>\
         <div style=\"{NOTE}\">{}: {}</div></td></tr></table></td></tr>",
        escape(l.nps),
        signed(n.nps, 0),
        escape(&caution),
        escape(l.compounding_rate),
        percent(report.compounding.rate),
        escape(l.multiplier),
        plain(report.compounding.multiplier, 2),
    );
    // Did it really change: against last month and the same month a year before.
    if let Some(summary) = &report.summary {
        use sarafan_core::nps_change::Verdict;
        let line = |label: &str,
                    month: sarafan_core::YearMonth,
                    change: Option<String>,
                    verdict: Verdict,
                    none: &str| {
            let (verdict, color) = match verdict {
                Verdict::RealRise => (l.real_rise, "#15803d"),
                Verdict::RealFall => (l.real_fall, "#b91c1c"),
                Verdict::WithinNoise => (l.within_noise, "#475569"),
                Verdict::NoComparison => (none, "#475569"),
            };
            let change = change.map(|c| format!("{c} — ")).unwrap_or_default();
            format!(
                "<div style=\"font-size:15px;margin:4px 0\">{} ({month}): {change}<b style=\"color:{color}\">{}</b></div>",
                escape(label),
                escape(verdict)
            )
        };
        let nps = |c: &sarafan_core::nps_change::NpsChange| match (c.delta, c.margin_95) {
            (Some(d), Some(m)) => Some(format!("{d:+.1} ({}: ± {m:.1})", escape(l.interval))),
            _ => None,
        };
        // Rates change in percentage points (response rate) or in r itself.
        let rate = |c: &sarafan_core::rate_change::RateChange, scale: f64, digits: usize, unit: &str| match (
            c.delta,
            c.margin_95,
        ) {
            (Some(d), Some(m)) => Some(format!(
                "{:+.digits$}{unit} ({}: ± {:.digits$}{unit})",
                d * scale,
                escape(l.interval),
                m * scale
            )),
            _ => None,
        };
        let (last_month, last_year) = (report.month.prev(), report.month.plus(-12));
        let pp = format!(" {}", l.points);
        let heading = |label: &str, value: String| {
            format!(
                "<div style=\"font-size:13px;color:#475569;margin:8px 0 2px\"><b>{}</b>: {value}</div>",
                escape(label)
            )
        };
        let rr_now = summary.response_rate_vs_last_month.current;
        let _ = write!(
            h,
            "<tr><td id=\"summary\" style=\"padding:4px 28px 8px\">{}{}{}{}{}{}{}{}{}</td></tr>",
            heading(l.nps, signed(report.nps.nps, 0)),
            line(
                l.vs_last_month,
                last_month,
                nps(&summary.vs_last_month),
                summary.vs_last_month.verdict,
                l.no_comparison
            ),
            line(
                l.vs_last_year,
                last_year,
                nps(&summary.vs_last_year),
                summary.vs_last_year.verdict,
                l.no_comparison
            ),
            heading(l.summary_response_rate, percent(rr_now)),
            line(
                l.vs_last_month,
                last_month,
                rate(&summary.response_rate_vs_last_month, 100.0, 0, &pp),
                summary.response_rate_vs_last_month.verdict,
                l.nothing_to_compare
            ),
            line(
                l.vs_last_year,
                last_year,
                rate(&summary.response_rate_vs_last_year, 100.0, 0, &pp),
                summary.response_rate_vs_last_year.verdict,
                l.nothing_to_compare
            ),
            // r in percent, as the headline shows it; its changes in percentage points.
            heading(
                l.summary_compounding_rate,
                percent(summary.compounding_rate_vs_last_month.current)
            ),
            line(
                l.vs_last_month,
                last_month,
                rate(&summary.compounding_rate_vs_last_month, 100.0, 0, &pp),
                summary.compounding_rate_vs_last_month.verdict,
                l.nothing_to_compare
            ),
            line(
                l.vs_last_year,
                last_year,
                rate(&summary.compounding_rate_vs_last_year, 100.0, 0, &pp),
                summary.compounding_rate_vs_last_year.verdict,
                l.nothing_to_compare
            ),
        );
        // What to act on, each linking to its section.
        let act = &summary.act_on;
        let mut items = Vec::new();
        if let Some((theme, now, was)) = &act.growing_detractor_theme {
            items.push(format!(
                "<a href=\"#reasons\" style=\"color:#4f46e5\">{}</a>: {} ({was} → {now})",
                escape(l.act_theme),
                escape(sarafan_core::themes::Theme::parse(theme).map_or(theme.as_str(), |t| l.theme(t)))
            ));
        }
        if act.open_alerts > 0 {
            items.push(format!(
                "<a href=\"#closing-the-loop\" style=\"color:#4f46e5\">{}</a>: {}",
                escape(l.act_open_alerts),
                act.open_alerts
            ));
        }
        if let Some((step, now, was)) = &act.falling_referral_step {
            let step = if step == "asks_to_clicks" {
                l.act_step_clicks
            } else {
                l.act_step_purchases
            };
            items.push(format!(
                "<a href=\"#referrals\" style=\"color:#4f46e5\">{}</a>: {} ({} → {})",
                escape(l.act_referral),
                escape(step),
                percent(Some(*was)),
                percent(Some(*now))
            ));
        }
        if !items.is_empty() {
            let list: String = items
                .iter()
                .map(|i| format!("<li style=\"margin:2px 0\">{i}</li>"))
                .collect();
            let _ = write!(
                h,
                "<tr><td style=\"padding:0 28px 8px\"><div style=\"{NOTE}\"><b>{}</b></div><ul style=\"margin:4px 0;padding-left:20px;font-size:14px\">{list}</ul></td></tr>",
                escape(l.act_on)
            );
        }
    }
    // Categories and trend.
    let rows = vec![
        vec![l_(l.promoters), r_(n.promoters), r_(percent(n.promoter_share))],
        vec![l_(l.passives), r_(n.passives), r_(percent(n.passive_share))],
        vec![l_(l.detractors), r_(n.detractors), r_(percent(n.detractor_share))],
    ];
    let inner = format!(
        "{}{}",
        image(images, "category-split", l.categories),
        table(&[("", true), (l.answers, false), (l.share, false)], &rows)
    );
    section(&mut h, l.categories, &inner);
    let rows: Vec<_> = report
        .trend
        .iter()
        .map(|p| {
            vec![
                l_(&p.month.to_string()),
                r_(p.responses),
                r_(signed(p.nps, 0)),
                r_(plain(p.margin_95, 0)),
            ]
        })
        .collect();
    let inner = format!(
        "{}{}{}",
        image(images, "nps-trend", l.trend),
        image(images, "nps-change", l.nps_change_chart),
        table(
            &[(l.month, true), (l.answers, false), ("NPS", false), ("± 95%", false)],
            &rows
        )
    );
    section(&mut h, l.trend, &inner);
    // Response rates.
    let rows: Vec<_> = report
        .response_rates
        .iter()
        .map(|r| {
            vec![
                l_(r.platform.as_str()),
                r_(r.asked),
                r_(r.answered),
                r_(percent(r.rate)),
            ]
        })
        .collect();
    let inner = if rows.is_empty() {
        note(l.no_answers)
    } else {
        table(
            &[
                (l.platform, true),
                (l.asked, false),
                (l.answered, false),
                (l.rate, false),
            ],
            &rows,
        )
    };
    section(&mut h, l.response_rates, &inner);
    // Reasons, by category, with quotes.
    let mut inner = String::new();
    for reasons in &report.reasons {
        let _ = write!(
            inner,
            "<h3 style=\"font-size:15px;margin:12px 0 4px\">{} <span style=\"font-weight:normal;color:#475569\">({} {})</span></h3>",
            escape(l.category(reasons.category)),
            reasons.comments,
            escape(&l.comments.to_lowercase())
        );
        if reasons.themes.is_empty() {
            inner.push_str(&note(l.no_comments));
            continue;
        }
        inner.push_str("<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"border-collapse:collapse\">");
        for t in &reasons.themes {
            let quotes: String = t
                .quotes
                .iter()
                .map(|q| {
                    format!(
                        "<div style=\"font-size:13px;color:#334155;font-style:italic;margin:2px 0\">“{}”</div>",
                        escape(q)
                    )
                })
                .collect();
            let _ = write!(
                inner,
                "<tr><td style=\"{TDL};width:38%;vertical-align:top\"><b>{}</b><br><span style=\"color:#475569;font-size:13px\">{} · {}</span></td><td style=\"{TDL}\">{quotes}</td></tr>",
                escape(l.theme(t.theme)),
                t.comments,
                percent(t.share)
            );
        }
        inner.push_str("</table>");
    }
    section_at(&mut h, "reasons", l.reasons, &inner);
    // Referral funnel and sales rates.
    let f = &report.referrals;
    let s = &report.sales;
    let rows = vec![
        vec![l_(l.asks), r_(f.asks), r_("")],
        vec![
            l_(l.clicks),
            r_(f.clicks),
            r_(percent(sarafan_core::report::ratio(f.clicks, f.asks))),
        ],
        vec![
            l_(l.referred),
            r_(f.referred_purchases),
            r_(percent(sarafan_core::report::ratio(f.referred_purchases, f.clicks))),
        ],
        vec![
            l_(l.repeat_rate),
            r_(format!("{} / {}", s.repeat_purchases, s.purchases)),
            r_(percent(s.repeat_rate)),
        ],
        vec![
            l_(l.referral_rate),
            r_(format!("{} / {}", s.referred_customers, s.new_customers)),
            r_(percent(s.referral_rate)),
        ],
    ];
    let inner = format!(
        "{}{}",
        image(images, "referral-funnel", l.referral_funnel),
        table(&[("", true), ("", false), (l.rate, false)], &rows)
    );
    section_at(&mut h, "referrals", l.referral_funnel, &inner);
    // Compounding: history, projection, cohorts.
    let c = &report.compounding;
    let history: Vec<_> = c
        .history
        .iter()
        .map(|s| {
            vec![
                l_(&s.month.to_string()),
                r_(s.new),
                r_(s.returning),
                r_(s.total),
                r_(percent(s.observed_rate)),
            ]
        })
        .collect();
    let projection: Vec<_> = c
        .projection
        .iter()
        .map(|p| {
            vec![
                l_(&format!("+{}", p.month)),
                r_(format!("{:.0}", p.total)),
                r_(format!("{:.0}", p.baseline_total)),
                r_(format!("{:.0}", p.cumulative)),
                r_(format!("{:.0}", p.baseline_cumulative)),
            ]
        })
        .collect();
    // Short headings, explained once above: five columns must fit a phone's 375 px in any font
    // (with DejaVu Sans, the long ones made the table 349 px wide where 303 were free).
    let mut inner = note(l.history_note);
    inner.push_str(&table(
        &[
            (l.month, true),
            ("N", false),
            ("R", false),
            (l.total, false),
            ("r", false),
        ],
        &history,
    ));
    let _ = write!(
        inner,
        "<h3 style=\"font-size:15px;margin:14px 0 4px\">{}</h3>{}",
        escape(l.projection),
        image(images, "compounding", l.projection)
    );
    // Short headings, explained once above: five columns must fit a phone's 375 px.
    inner.push_str(&note(l.projection_note));
    inner.push_str(&table(
        &[
            (l.months_ahead, true),
            (l.projection_with, false),
            // Dealership A, by its name in every language.
            ("A", false),
            (l.projection_cumulative_with, false),
            (l.projection_cumulative_without, false),
        ],
        &projection,
    ));
    let width = c.cohorts.rows.iter().map(|r| r.later.len()).max().unwrap_or(0);
    if !c.cohorts.rows.is_empty() {
        let _ = write!(
            inner,
            "<h3 style=\"font-size:15px;margin:14px 0 4px\">{}</h3>",
            escape(l.cohorts)
        );
        let mut head: Vec<(String, bool)> = vec![(l.cohort.to_string(), true), (l.new_n.to_string(), false)];
        head.extend((1..=width).map(|k| (format!("+{k}"), false)));
        let head_refs: Vec<(&str, bool)> = head.iter().map(|(s, b)| (s.as_str(), *b)).collect();
        let rows: Vec<_> = c
            .cohorts
            .rows
            .iter()
            .map(|row| {
                let mut cells = vec![l_(&month_short(row.cohort)), r_(row.new_customers)];
                cells.extend((0..width).map(|k| r_(row.later.get(k).map(|v| v.to_string()).unwrap_or_default())));
                cells
            })
            .collect();
        // Twelve columns of small numbers: a smaller font keeps the table inside 600 px, and on a
        // phone it scrolls sideways instead of widening the whole email.
        inner.push_str("<div style=\"overflow-x:auto;max-width:100%\">");
        inner.push_str(
            &table(&head_refs, &rows)
                .replace("font-size:14px", "font-size:12px")
                .replace("padding:6px 8px", "padding:4px 3px"),
        );
        inner.push_str("</div>");
    }
    section(&mut h, l.compounding, &inner);
    // Listening.
    let li = &report.listening;
    let rows = vec![
        vec![l_(l.mentions), r_(li.mentions), r_("")],
        vec![l_(l.positive), r_(li.positive), r_(percent(li.positive_share))],
        vec![l_(l.neutral), r_(li.neutral), r_("")],
        vec![l_(l.negative), r_(li.negative), r_(percent(li.negative_share))],
        vec![
            l_(l.share_of_voice),
            r_(format!(
                "{} / {}",
                li.brand_mentions,
                li.brand_mentions + li.competitor_mentions
            )),
            r_(percent(li.share_of_voice)),
        ],
        vec![
            l_(l.organic),
            r_(format!("{} / {}", li.organic, li.brand_mentions)),
            r_(percent(li.organic_share)),
        ],
    ];
    let mut inner = table(&[("", true), ("", false), (l.share, false)], &rows);
    inner.push_str(&image(images, "sentiment", l.listening));
    let weeks: Vec<_> = li
        .weeks
        .iter()
        .map(|w| {
            vec![
                l_(&format!("{}–{}", w.first_day, w.last_day)),
                r_(format!("{:.1}", w.per_day)),
                r_(change(w.change)),
                r_(percent(w.negative_share)),
            ]
        })
        .collect();
    inner.push_str(&table(
        &[
            (l.week, true),
            (l.per_day, false),
            (l.week_change, false),
            (l.negative, false),
        ],
        &weeks,
    ));
    if !li.terms.is_empty() {
        let rows: Vec<_> = li
            .terms
            .iter()
            .map(|t| vec![l_(&t.term), r_(t.mentions), r_(percent(t.share))])
            .collect();
        inner.push_str("<div style=\"height:10px\"></div>");
        inner.push_str(&table(&[(l.term, true), (l.mentions, false), (l.share, false)], &rows));
    }
    if !li.sources.is_empty() {
        let rows: Vec<_> = li
            .sources
            .iter()
            .map(|s| vec![l_(&s.source), r_(s.mentions), r_(percent(s.share))])
            .collect();
        inner.push_str("<div style=\"height:10px\"></div>");
        inner.push_str(&table(
            &[(l.source, true), (l.mentions, false), (l.share, false)],
            &rows,
        ));
    }
    for (title, list, color) in [
        (l.top_positive, &li.top_positive, "#16a34a"),
        (l.top_negative, &li.top_negative, "#dc2626"),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = write!(
            inner,
            "<h3 style=\"font-size:15px;margin:14px 0 4px\">{}</h3>",
            escape(title)
        );
        for m in list {
            let link = m
                .url
                .as_deref()
                .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
                .map(|u| {
                    format!(
                        " <a href=\"{}\" style=\"color:#4f46e5\">{}</a>",
                        escape(u),
                        escape(&m.source)
                    )
                })
                .unwrap_or_else(|| format!(" <span style=\"color:#475569\">{}</span>", escape(&m.source)));
            let _ = write!(
                inner,
                "<div style=\"border-left:3px solid {color};padding:4px 10px;margin:6px 0;font-size:14px\">{}{link}</div>",
                escape(&m.text)
            );
        }
    }
    section(&mut h, l.listening, &inner);
    // Closing the loop, and heard -> acted on -> shared.
    let lp = &report.closing_the_loop;
    let kinds = lp
        .by_kind
        .iter()
        .filter(|k| k.raised > 0)
        .map(|k| format!("{} {}", k.raised, l.alert_kind(k.kind)))
        .collect::<Vec<_>>()
        .join(", ");
    let rows = vec![
        vec![l_(l.raised), r_(lp.raised), r_(kinds)],
        vec![l_(l.claimed), r_(lp.claimed), r_(percent(lp.claim_rate))],
        vec![l_(l.resolved), r_(lp.resolved), r_(percent(lp.resolve_rate))],
        vec![l_(l.median_claim), r_(duration(lp.median_minutes_to_claim, l)), r_("")],
        vec![
            l_(l.median_resolve),
            r_(duration(lp.median_minutes_to_resolve, l)),
            r_(""),
        ],
    ];
    section_at(
        &mut h,
        "closing-the-loop",
        l.closing_loop,
        &table(&[("", true), ("", false), ("", false)], &rows),
    );
    let hf = &report.heard;
    let rows = vec![vec![r_(hf.heard), r_(hf.acted_on), r_(hf.resolved), r_(hf.shared)]];
    section(
        &mut h,
        l.heard_funnel,
        &table(
            &[
                (l.heard, false),
                (l.acted_on, false),
                (l.resolved, false),
                (l.shared, false),
            ],
            &rows,
        ),
    );
    let _ = write!(
        h,
        "<tr><td style=\"padding:12px 28px 24px\"><p style=\"{NOTE}\">{}</p></td></tr>",
        escape(l.csv_note)
    );
    // Outlook for Windows ignores max-width: the conditional table holds it at 680 px.
    h.push_str("</table><!--[if mso]></td></tr></table><![endif]--></td></tr></table></body></html>\n");
    h
}

fn month_short(m: sarafan_core::YearMonth) -> String {
    format!("{:02}/{:02}", m.month(), m.year() % 100)
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
        let html = render(&report, "Brightside <Motors>", Locale::En, Images::Cid);
        assert!(html.contains("No answers, purchases or mentions were recorded this month."));
        assert!(html.contains("Brightside &lt;Motors&gt;"));
        assert!(!html.contains("NaN"));
    }

    #[test]
    fn headings_follow_the_locale_and_images_point_at_their_parts() {
        let report = month_report("2026-05".parse().unwrap(), &MonthlyCounters::new());
        let ru = render(&report, "B", Locale::Ru, Images::Cid);
        assert!(ru.contains("Воронка рекомендаций") && ru.contains("Главные причины"));
        assert!(ru.contains("src=\"cid:nps-trend\""));
        let charts = [Chart {
            cid: "nps-trend",
            alt: String::new(),
            png: vec![1, 2, 3],
        }];
        let file = render(&report, "B", Locale::En, Images::Embedded(&charts));
        // base64 of [1, 2, 3] is AQID
        assert!(file.contains("src=\"data:image/png;base64,AQID\""));
        assert!(!file.contains("cid:"));
    }

    #[test]
    fn the_email_html_needs_no_css_support_and_shows_every_chart_by_cid() {
        // GIVEN a month with answers, so the summary and every section are drawn
        let mut c = MonthlyCounters::new();
        let march: sarafan_core::YearMonth = "2026-03".parse().unwrap();
        for (score, n) in [("10", 40), ("7", 20), ("2", 10)] {
            c.entry(march)
                .or_default()
                .insert(format!("responses.score.{score}"), n);
        }
        let html = render(&month_report(march, &c), "B", Locale::En, Images::Cid);
        // THEN no <style> sheet, classes or external resources (clients strip or block them):
        // the layout is tables and inline styles only
        for absent in ["<style", "class=", "<link", "<script", "src=\"http", "url("] {
            assert!(!html.contains(absent), "{absent} in the email HTML");
        }
        assert!(html.matches("<table role=\"presentation\"").count() >= 3);
        // AND every chart is an <img> with a width attribute (clients ignoring CSS size it by that)
        // and a cid: source, the NPS change chart beside the trend
        let imgs: Vec<&str> = html
            .split("<img ")
            .skip(1)
            .map(|s| s.split('>').next().unwrap())
            .collect();
        assert_eq!(imgs.len(), 6);
        assert!(imgs
            .iter()
            .all(|i| i.contains("width=\"600\"") && i.contains("src=\"cid:")));
        let trend = html.find("src=\"cid:nps-trend\"").unwrap();
        let change = html.find("src=\"cid:nps-change\"").unwrap();
        assert!(trend < change);
        // AND the summary comes before every section
        assert!(html.find("id=\"summary\"").unwrap() < html.find("<h2").unwrap());
    }

    #[test]
    fn durations_read_in_minutes_hours_or_days() {
        let l = Locale::En.labels();
        let m = |minutes, at_least| Some(MedianMinutes { minutes, at_least });
        assert_eq!(duration(m(12.5, false), l), "12 min");
        assert_eq!(duration(m(150.0, false), l), "2.5 h");
        assert_eq!(duration(m(10080.0, true), l), "> 7.0 d");
        assert_eq!(duration(None, l), "–");
    }
}
