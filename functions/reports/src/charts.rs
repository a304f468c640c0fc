//! The report's charts as PNG, drawn with plotters on a bitmap with an embedded font.
//!
//! Lambda has no fonts, so DejaVu Sans (Bitstream Vera licence, see assets/) is compiled in
//! and registered with plotters' ab_glyph text renderer. Charts are drawn at twice the size
//! they are shown (600 px wide in the email) so they stay sharp on high-density screens.

use crate::i18n::Labels;
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};
use sarafan_core::report::MonthReport;
use std::sync::Once;

static FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
static REGISTER: Once = Once::new();

/// Width and height in pixels; shown at half that.
pub const SIZE: (u32, u32) = (1200, 560);
/// Font sizes are in drawn pixels (twice the shown size).
const TITLE: u32 = 34;
const LABEL: u32 = 24;

#[derive(Debug, thiserror::Error)]
#[error("drawing the {chart} chart: {reason}")]
pub struct ChartError {
    pub chart: &'static str,
    pub reason: String,
}

/// One chart: its content id in the email (`cid:`), its alt text and its PNG bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub cid: &'static str,
    pub alt: String,
    pub png: Vec<u8>,
}

const GREEN: RGBColor = RGBColor(22, 163, 74);
const GREY: RGBColor = RGBColor(163, 163, 163);
const RED: RGBColor = RGBColor(220, 38, 38);
const INDIGO: RGBColor = RGBColor(79, 70, 229);
const SLATE: RGBColor = RGBColor(100, 116, 139);

fn font() -> &'static str {
    REGISTER.call_once(|| {
        // The bytes are a known-good TTF compiled in; failing here is a build defect.
        if register_font("sans-serif", FontStyle::Normal, FONT).is_err() {
            tracing::error!("the embedded font could not be registered");
        }
    });
    "sans-serif"
}

type Area<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;

/// Draws on a white canvas of [`SIZE`] and encodes it as PNG.
fn draw(chart: &'static str, paint: impl FnOnce(&Area<'_>) -> Result<(), String>) -> Result<Vec<u8>, ChartError> {
    let fail = |reason: String| ChartError { chart, reason };
    let (w, h) = SIZE;
    let mut pixels = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(e.to_string()))?;
        paint(&root).map_err(fail)?;
        root.present().map_err(|e| fail(e.to_string()))?;
    }
    let mut png = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut png, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|e| fail(e.to_string()))?;
        writer.write_image_data(&pixels).map_err(|e| fail(e.to_string()))?;
    }
    Ok(png)
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// A y range that is never empty (an empty month still gets axes) and leaves room for labels.
fn upper(max: f64) -> f64 {
    if max.is_finite() && max > 0.0 {
        max * 1.18
    } else {
        1.0
    }
}

/// Short month label: `03/26`.
fn month_label(m: sarafan_core::YearMonth) -> String {
    format!("{:02}/{:02}", m.month(), m.year() % 100)
}

/// The axes of a chart with one column a month: `months` along the bottom (`03/26`), `y` up
/// the side with signed labels (`+20`), the mesh drawn. The trend and its changes share them.
fn month_axes<'a, 'b>(
    root: &'a Area<'b>,
    (caption, caption_size): (&str, u32),
    months: &[sarafan_core::YearMonth],
    y: std::ops::Range<f64>,
) -> Result<
    ChartContext<
        'a,
        BitMapBackend<'b>,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    String,
> {
    let f = font();
    let n = months.len().max(1);
    let mut chart = ChartBuilder::on(root)
        .caption(caption, (f, caption_size))
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), y)
        .map_err(err)?;
    let labels: Vec<String> = months.iter().map(|m| month_label(*m)).collect();
    chart
        .configure_mesh()
        .x_labels(n)
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 {
                labels.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .y_labels(9)
        .y_label_formatter(&|y| format!("{y:+.0}"))
        .label_style((f, LABEL))
        .light_line_style(WHITE)
        .draw()
        .map_err(err)?;
    Ok(chart)
}

pub fn nps_trend(report: &MonthReport, l: &Labels) -> Result<Vec<u8>, ChartError> {
    draw("nps-trend", |root| {
        let points: Vec<(usize, f64, f64)> = report
            .trend
            .iter()
            .enumerate()
            .filter_map(|(i, p)| Some((i, p.nps?, p.margin_95.unwrap_or(0.0))))
            .collect();
        let n = report.trend.len().max(1);
        let months: Vec<_> = report.trend.iter().map(|p| p.month).collect();
        let mut chart = month_axes(root, (l.trend, TITLE), &months, -100f64..100f64)?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(-0.5, 0.0), (n as f64 - 0.5, 0.0)],
                SLATE.stroke_width(2),
            )))
            .map_err(err)?;
        // The 95% margin as a vertical bar: a score from few answers shows a long one.
        chart
            .draw_series(points.iter().map(|(i, nps, m)| {
                let x = *i as f64;
                PathElement::new(
                    vec![(x, (nps - m).max(-100.0)), (x, (nps + m).min(100.0))],
                    INDIGO.mix(0.35).stroke_width(10),
                )
            }))
            .map_err(err)?;
        // Months without answers break the line rather than pretending a value.
        let mut segment: Vec<(f64, f64)> = Vec::new();
        let mut last: Option<usize> = None;
        let mut segments = Vec::new();
        for (i, nps, _) in &points {
            if last.is_some_and(|l| l + 1 != *i) {
                segments.push(std::mem::take(&mut segment));
            }
            segment.push((*i as f64, *nps));
            last = Some(*i);
        }
        segments.push(segment);
        for s in segments.into_iter().filter(|s| s.len() > 1) {
            chart
                .draw_series(LineSeries::new(s, INDIGO.stroke_width(4)))
                .map_err(err)?;
        }
        chart
            .draw_series(
                points
                    .iter()
                    .map(|(i, nps, _)| Circle::new((*i as f64, *nps), 7, INDIGO.filled())),
            )
            .map_err(err)?;
        Ok(())
    })
}

/// Each month's NPS minus the month before's, as a bar with the 95% interval of the difference
/// as a whisker: green or red where the change is real, grey where it is within noise.
pub fn nps_change(report: &MonthReport, l: &Labels) -> Result<Vec<u8>, ChartError> {
    use sarafan_core::nps_change::Verdict;
    draw("nps-change", |root| {
        let bars: Vec<(usize, f64, f64, Verdict)> = report
            .trend_changes
            .iter()
            .enumerate()
            .filter_map(|(i, c)| Some((i, c.change.delta?, c.change.margin_95.unwrap_or(0.0), c.change.verdict)))
            .collect();
        // Symmetric around zero, wide enough for the longest whisker (a difference spans ±200).
        let reach = bars
            .iter()
            .map(|(_, d, m, _)| d.abs() + m)
            .fold(10.0f64, f64::max)
            .min(200.0)
            * 1.1;
        let n = report.trend_changes.len().max(1);
        let months: Vec<_> = report.trend_changes.iter().map(|c| c.month).collect();
        let mut chart = month_axes(root, (l.nps_change_chart, TITLE - 4), &months, -reach..reach)?;
        chart
            .draw_series(bars.iter().map(|(i, d, _, verdict)| {
                let color = match verdict {
                    Verdict::RealRise => GREEN,
                    Verdict::RealFall => RED,
                    _ => GREY,
                };
                let x = *i as f64;
                Rectangle::new([(x - 0.3, 0.0), (x + 0.3, *d)], color.filled())
            }))
            .map_err(err)?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(-0.5, 0.0), (n as f64 - 0.5, 0.0)],
                SLATE.stroke_width(2),
            )))
            .map_err(err)?;
        chart
            .draw_series(bars.iter().map(|(i, d, m, _)| {
                let x = *i as f64;
                PathElement::new(vec![(x, d - m), (x, d + m)], BLACK.stroke_width(3))
            }))
            .map_err(err)?;
        Ok(())
    })
}

/// Vertical bars with their value written above each.
fn bars(chart_name: &'static str, title: &str, items: &[(&str, f64, String, RGBColor)]) -> Result<Vec<u8>, ChartError> {
    let f = font();
    draw(chart_name, |root| {
        let max = items.iter().map(|i| i.1).fold(0.0, f64::max);
        let n = items.len().max(1);
        let mut chart = ChartBuilder::on(root)
            .caption(title, (f, TITLE))
            .margin(20)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(0f64..n as f64, 0f64..upper(max))
            .map_err(err)?;
        let names: Vec<String> = items.iter().map(|i| i.0.to_string()).collect();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n * 2 + 1)
            .x_label_formatter(&|x| {
                let i = (x - 0.5).round();
                if (x - 0.5 - i).abs() < 1e-6 && i >= 0.0 {
                    names.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_labels(6)
            .y_label_formatter(&|y| format!("{y:.0}"))
            .label_style((f, LABEL))
            .light_line_style(WHITE)
            .draw()
            .map_err(err)?;
        chart
            .draw_series(items.iter().enumerate().map(|(i, (_, v, _, color))| {
                let x = i as f64;
                Rectangle::new([(x + 0.18, 0.0), (x + 0.82, *v)], color.filled())
            }))
            .map_err(err)?;
        let gap = upper(max) * 0.06;
        chart
            .draw_series(items.iter().enumerate().map(|(i, (_, v, text, _))| {
                Text::new(
                    text.clone(),
                    (i as f64 + 0.5, v + gap),
                    (f, LABEL + 4)
                        .into_font()
                        .color(&BLACK)
                        .pos(plotters::style::text_anchor::Pos::new(
                            plotters::style::text_anchor::HPos::Center,
                            plotters::style::text_anchor::VPos::Center,
                        )),
                )
            }))
            .map_err(err)?;
        Ok(())
    })
}

fn pct(share: Option<f64>) -> String {
    share.map(|s| format!("{:.0}%", s * 100.0)).unwrap_or_default()
}

pub fn category_split(report: &MonthReport, l: &Labels) -> Result<Vec<u8>, ChartError> {
    let n = &report.nps;
    let items = [
        (
            l.promoters,
            n.promoters as f64,
            format!("{} ({})", n.promoters, pct(n.promoter_share)),
            GREEN,
        ),
        (
            l.passives,
            n.passives as f64,
            format!("{} ({})", n.passives, pct(n.passive_share)),
            GREY,
        ),
        (
            l.detractors,
            n.detractors as f64,
            format!("{} ({})", n.detractors, pct(n.detractor_share)),
            RED,
        ),
    ];
    bars("category-split", l.categories, &items)
}

pub fn referral_funnel(report: &MonthReport, l: &Labels) -> Result<Vec<u8>, ChartError> {
    let r = &report.referrals;
    let items = [
        (l.asks, r.asks as f64, r.asks.to_string(), INDIGO),
        (l.clicks, r.clicks as f64, r.clicks.to_string(), RGBColor(99, 102, 241)),
        (
            l.referred,
            r.referred_purchases as f64,
            r.referred_purchases.to_string(),
            GREEN,
        ),
    ];
    bars("referral-funnel", l.referral_funnel, &items)
}

pub fn compounding_projection(report: &MonthReport, l: &Labels) -> Result<Vec<u8>, ChartError> {
    let f = font();
    draw("compounding", |root| {
        let p = &report.compounding.projection;
        let max = p.iter().map(|m| m.total.max(m.baseline_total)).fold(0.0, f64::max);
        let months = p.len().max(1) as f64;
        let mut chart = ChartBuilder::on(root)
            .caption(l.projection, (f, TITLE - 4))
            .margin(20)
            .x_label_area_size(60)
            .y_label_area_size(80)
            .build_cartesian_2d(0.5f64..months + 0.5, 0f64..upper(max))
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_labels(p.len().max(1))
            .x_label_formatter(&|x| format!("+{x:.0}"))
            .x_desc(l.months_ahead)
            .y_labels(6)
            .y_label_formatter(&|y| format!("{y:.0}"))
            .label_style((f, LABEL))
            .axis_desc_style((f, LABEL))
            .light_line_style(WHITE)
            .draw()
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(
                p.iter().map(|m| (f64::from(m.month), m.total)),
                GREEN.stroke_width(5),
            ))
            .map_err(err)?
            .label(l.with_compounding)
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 30, y)], GREEN.stroke_width(5)));
        chart
            .draw_series(LineSeries::new(
                p.iter().map(|m| (f64::from(m.month), m.baseline_total)),
                SLATE.stroke_width(4),
            ))
            .map_err(err)?
            .label(l.without_compounding)
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 30, y)], SLATE.stroke_width(4)));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .label_font((f, LABEL))
            .background_style(WHITE.mix(0.9))
            .border_style(SLATE)
            .draw()
            .map_err(err)?;
        Ok(())
    })
}

pub fn sentiment_by_week(report: &MonthReport, l: &Labels) -> Result<Vec<u8>, ChartError> {
    let f = font();
    draw("sentiment", |root| {
        let weeks = &report.listening.weeks;
        let max = weeks.iter().map(|w| w.per_day).fold(0.0, f64::max);
        let n = weeks.len().max(1);
        let title = format!("{} — {}", l.mentions, l.per_day.to_lowercase());
        let mut chart = ChartBuilder::on(root)
            .caption(title, (f, TITLE))
            .margin(20)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(0f64..n as f64, 0f64..upper(max))
            .map_err(err)?;
        let names: Vec<String> = weeks
            .iter()
            .map(|w| format!("{}–{}", w.first_day, w.last_day))
            .collect();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n * 2 + 1)
            .x_label_formatter(&|x| {
                let i = (x - 0.5).round();
                if (x - 0.5 - i).abs() < 1e-6 && i >= 0.0 {
                    names.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_labels(6)
            .y_label_formatter(&|y| format!("{y:.1}"))
            .label_style((f, LABEL))
            .light_line_style(WHITE)
            .draw()
            .map_err(err)?;
        // Stacked per-day rates: negative at the bottom, where a rise is easiest to see.
        for (layer, (label, color)) in [(l.negative, RED), (l.neutral, GREY), (l.positive, GREEN)]
            .into_iter()
            .enumerate()
        {
            let rects = weeks.iter().enumerate().map(move |(i, w)| {
                let days = f64::from(w.last_day - w.first_day + 1);
                let parts = [
                    w.negative as f64 / days,
                    w.neutral as f64 / days,
                    w.positive as f64 / days,
                ];
                let bottom: f64 = parts[..layer].iter().sum();
                let top = bottom + parts[layer];
                Rectangle::new([(i as f64 + 0.2, bottom), (i as f64 + 0.8, top)], color.filled())
            });
            chart
                .draw_series(rects)
                .map_err(err)?
                .label(label)
                .legend(move |(x, y)| Rectangle::new([(x, y - 8), (x + 20, y + 8)], color.filled()));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .label_font((f, LABEL))
            .background_style(WHITE.mix(0.9))
            .border_style(SLATE)
            .draw()
            .map_err(err)?;
        Ok(())
    })
}

/// All six charts, in the order the email shows them.
pub fn render_all(report: &MonthReport, l: &Labels) -> Result<Vec<Chart>, ChartError> {
    Ok(vec![
        Chart {
            cid: "nps-trend",
            alt: l.trend.to_string(),
            png: nps_trend(report, l)?,
        },
        Chart {
            cid: "nps-change",
            alt: l.nps_change_chart.to_string(),
            png: nps_change(report, l)?,
        },
        Chart {
            cid: "category-split",
            alt: l.categories.to_string(),
            png: category_split(report, l)?,
        },
        Chart {
            cid: "referral-funnel",
            alt: l.referral_funnel.to_string(),
            png: referral_funnel(report, l)?,
        },
        Chart {
            cid: "compounding",
            alt: l.projection.to_string(),
            png: compounding_projection(report, l)?,
        },
        Chart {
            cid: "sentiment",
            alt: l.listening.to_string(),
            png: sentiment_by_week(report, l)?,
        },
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;
    use sarafan_core::report::{month_report, MonthlyCounters};

    fn decode(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
        let decoder = png::Decoder::new(png_bytes);
        let mut reader = decoder.read_info().expect("a PNG header");
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).expect("a PNG frame");
        buf.truncate(info.buffer_size());
        (info.width, info.height, buf)
    }

    #[test]
    fn an_empty_month_still_draws_every_chart_as_a_valid_png() {
        let report = month_report("2026-05".parse().unwrap(), &MonthlyCounters::new());
        let charts = render_all(&report, Locale::En.labels()).unwrap();
        assert_eq!(charts.len(), 6);
        for chart in charts {
            let (w, h, pixels) = decode(&chart.png);
            assert_eq!((w, h), SIZE, "{}", chart.cid);
            // Axes and the title are drawn: not a blank white canvas
            assert!(pixels.iter().any(|p| *p < 128), "{} is blank", chart.cid);
        }
    }

    fn has_pixel(pixels: &[u8], color: RGBColor) -> bool {
        pixels.chunks(3).any(|p| p == [color.0, color.1, color.2])
    }

    #[test]
    fn the_change_chart_colours_a_real_change_and_greys_noise() {
        // GIVEN February 40/20/40 and March 60/20/20: +40 ± 23.52, a real rise
        let mut c = MonthlyCounters::new();
        for (month, p, a, d) in [("2026-03", 60, 20, 20), ("2026-02", 40, 20, 40)] {
            let month: sarafan_core::YearMonth = month.parse().unwrap();
            for (score, n) in [("10", p), ("7", a), ("0", d)] {
                c.entry(month)
                    .or_default()
                    .insert(format!("responses.score.{score}"), n);
            }
        }
        let (_, _, pixels) =
            decode(&nps_change(&month_report("2026-03".parse().unwrap(), &c), Locale::En.labels()).unwrap());
        assert!(has_pixel(&pixels, GREEN) && !has_pixel(&pixels, RED));
        // WHEN March has only 10 answers the same move is within noise: grey, not green
        let march: sarafan_core::YearMonth = "2026-03".parse().unwrap();
        for (score, n) in [("10", 6), ("7", 2), ("0", 2)] {
            c.get_mut(&march).unwrap().insert(format!("responses.score.{score}"), n);
        }
        let (_, _, pixels) = decode(&nps_change(&month_report(march, &c), Locale::En.labels()).unwrap());
        assert!(has_pixel(&pixels, GREY) && !has_pixel(&pixels, GREEN));
    }

    #[test]
    fn text_is_drawn_with_the_embedded_font() {
        // A caption in Cyrillic: with no font registered nothing would be drawn at the top
        let report = month_report("2026-05".parse().unwrap(), &MonthlyCounters::new());
        let (w, _, pixels) = decode(&nps_trend(&report, Locale::Ru.labels()).unwrap());
        let top_band = &pixels[..(w * 60 * 3) as usize];
        assert!(top_band.iter().any(|p| *p < 100), "the caption was not drawn");
    }
}
