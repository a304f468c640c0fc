//! The month's report figures, computed from monthly aggregate counters only (no records).

use crate::compounding::{observed_rate, CohortRow, CohortTable, CompoundingModel, ProjectedMonth};
use crate::ledger::metric;
use crate::month::YearMonth;
use crate::nps::{Category, NpsSummary};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Counters of each month, as the store keeps them.
pub type MonthlyCounters = BTreeMap<YearMonth, BTreeMap<String, i64>>;

/// How many months of history a report shows (trend, cohorts).
pub const HISTORY_MONTHS: i32 = 12;
/// How far the compounding projection looks ahead.
pub const PROJECTION_MONTHS: u32 = 12;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NpsFigures {
    pub responses: u64,
    pub promoters: u64,
    pub passives: u64,
    pub detractors: u64,
    pub promoter_share: Option<f64>,
    pub passive_share: Option<f64>,
    pub detractor_share: Option<f64>,
    pub nps: Option<f64>,
    pub margin_95: Option<f64>,
}

impl From<NpsSummary> for NpsFigures {
    fn from(s: NpsSummary) -> Self {
        NpsFigures {
            responses: s.total(),
            promoters: s.promoters,
            passives: s.passives,
            detractors: s.detractors,
            promoter_share: s.share(Category::Promoter),
            passive_share: s.share(Category::Passive),
            detractor_share: s.share(Category::Detractor),
            nps: s.nps(),
            margin_95: s.margin_95(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendPoint {
    pub month: YearMonth,
    pub responses: u64,
    pub nps: Option<f64>,
    pub margin_95: Option<f64>,
}

/// Sales of a month split the way DOMAIN.md section 3 counts them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SalesMonth {
    pub month: YearMonth,
    /// N_t: new customers brought by marketing (not referred).
    pub new: u64,
    /// R_t: returning customers plus referred newcomers.
    pub returning: u64,
    pub total: u64,
    /// `R_t / (N_{t-1} + R_{t-1})`.
    pub observed_rate: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferralFunnel {
    /// Referral links handed to promoters (the asks).
    pub asks: u64,
    pub clicks: u64,
    pub referred_purchases: u64,
    pub conversions: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompoundingFigures {
    pub history: Vec<SalesMonth>,
    pub rate: Option<f64>,
    pub multiplier: Option<f64>,
    /// A projection from this month's new-customer count and observed rate, beside the baseline.
    pub projection: Vec<ProjectedMonth>,
    pub cohorts: CohortTable,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthReport {
    pub month: YearMonth,
    pub nps: NpsFigures,
    pub trend: Vec<TrendPoint>,
    pub referrals: ReferralFunnel,
    pub compounding: CompoundingFigures,
    /// True when the month has no answers, purchases or mentions at all.
    pub empty: bool,
}

fn get(counters: &MonthlyCounters, month: YearMonth, name: &str) -> u64 {
    counters
        .get(&month)
        .and_then(|c| c.get(name))
        .copied()
        .unwrap_or(0)
        .max(0) as u64
}

fn histogram(counters: &MonthlyCounters, month: YearMonth) -> [u64; 11] {
    let mut h = [0u64; 11];
    for (score, slot) in crate::nps::Score::all().zip(h.iter_mut()) {
        *slot = get(counters, month, &metric::score(score));
    }
    h
}

fn sales(counters: &MonthlyCounters, month: YearMonth) -> (u64, u64) {
    let new_all = get(counters, month, metric::PURCHASES_NEW);
    let referred = get(counters, month, metric::PURCHASES_REFERRED).min(new_all);
    let repeat = get(counters, month, metric::PURCHASES_REPEAT);
    (new_all - referred, repeat + referred)
}

/// The months a report for `month` reads: the 12 months ending with it.
pub fn months_read(month: YearMonth) -> Vec<YearMonth> {
    (0..HISTORY_MONTHS).rev().map(|k| month.plus(-k)).collect()
}

/// Computes the report of `month` from the counters of the months in [`months_read`].
pub fn month_report(month: YearMonth, counters: &MonthlyCounters) -> MonthReport {
    let months = months_read(month);
    let nps = NpsFigures::from(NpsSummary::from_histogram(&histogram(counters, month)));
    let trend = months
        .iter()
        .map(|m| {
            let s = NpsSummary::from_histogram(&histogram(counters, *m));
            TrendPoint {
                month: *m,
                responses: s.total(),
                nps: s.nps(),
                margin_95: s.margin_95(),
            }
        })
        .collect();
    let mut history: Vec<SalesMonth> = Vec::with_capacity(months.len());
    for m in &months {
        let (new, returning) = sales(counters, *m);
        let (prev_new, prev_returning) = sales(counters, m.prev());
        history.push(SalesMonth {
            month: *m,
            new,
            returning,
            total: new + returning,
            observed_rate: observed_rate(prev_new, prev_returning, returning),
        });
    }
    let this = history.last().cloned().expect("twelve months");
    let rate = this.observed_rate.filter(|r| *r < 1.0);
    let model = rate.and_then(|r| CompoundingModel::new(r).ok());
    let projection = model
        .unwrap_or_else(|| CompoundingModel::new(0.0).expect("zero is a rate"))
        .project(this.new as f64, PROJECTION_MONTHS, this.returning as f64);
    let cohorts = CohortTable {
        rows: months
            .iter()
            .map(|cohort| CohortRow {
                cohort: *cohort,
                new_customers: get(counters, *cohort, metric::CUSTOMERS_NEW),
                later: (1..=cohort.months_until(month))
                    .map(|k| get(counters, cohort.plus(k), &metric::cohort(*cohort)))
                    .collect(),
            })
            .filter(|row| row.new_customers > 0 || row.later.iter().any(|c| *c > 0))
            .collect(),
    };
    let referrals = ReferralFunnel {
        asks: get(counters, month, metric::REFERRALS_CREATED),
        clicks: get(counters, month, metric::REFERRAL_CLICKS),
        referred_purchases: get(counters, month, metric::PURCHASES_REFERRED),
        conversions: get(counters, month, metric::REFERRAL_CONVERSIONS),
    };
    let empty = nps.responses == 0 && this.total == 0 && get(counters, month, metric::MENTIONS) == 0;
    MonthReport {
        month,
        nps,
        trend,
        referrals,
        compounding: CompoundingFigures {
            history,
            rate,
            multiplier: model.map(|m| m.multiplier()),
            projection,
            cohorts,
        },
        empty,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> YearMonth {
        s.parse().unwrap()
    }

    fn set(c: &mut MonthlyCounters, month: &str, name: &str, value: i64) {
        c.entry(m(month)).or_default().insert(name.to_string(), value);
    }

    #[test]
    fn given_a_small_fixture_month_then_figures_match_hand_computation() {
        let mut c = MonthlyCounters::new();
        // February: 40 new (5 of them referred), 20 repeat
        set(&mut c, "2026-02", metric::PURCHASES_NEW, 40);
        set(&mut c, "2026-02", metric::PURCHASES_REFERRED, 5);
        set(&mut c, "2026-02", metric::PURCHASES_REPEAT, 20);
        set(&mut c, "2026-02", metric::CUSTOMERS_NEW, 40);
        // March: 50 new (10 referred), 28 repeat; answers 9,9,10,7,3
        set(&mut c, "2026-03", metric::PURCHASES_NEW, 50);
        set(&mut c, "2026-03", metric::PURCHASES_REFERRED, 10);
        set(&mut c, "2026-03", metric::PURCHASES_REPEAT, 28);
        set(&mut c, "2026-03", metric::CUSTOMERS_NEW, 50);
        set(&mut c, "2026-03", &metric::cohort(m("2026-02")), 12);
        set(&mut c, "2026-03", "responses.score.9", 2);
        set(&mut c, "2026-03", "responses.score.10", 1);
        set(&mut c, "2026-03", "responses.score.7", 1);
        set(&mut c, "2026-03", "responses.score.3", 1);
        set(&mut c, "2026-03", metric::REFERRALS_CREATED, 3);
        set(&mut c, "2026-03", metric::REFERRAL_CLICKS, 17);
        let report = month_report(m("2026-03"), &c);
        // NPS: 3 promoters, 1 passive, 1 detractor of 5 = 60 - 20 = 40
        assert!((report.nps.nps.unwrap() - 40.0).abs() < 1e-9);
        // margin: 1.96 * 100 * sqrt((0.6 + 0.2 - 0.16) / 5) = 1.96 * 35.777 = 70.12
        assert!((report.nps.margin_95.unwrap() - 70.123_3).abs() < 1e-3);
        // N_Mar = 40, R_Mar = 28 + 10 = 38; N_Feb + R_Feb = 35 + 25 = 60; r = 38 / 60
        let march = report.compounding.history.last().unwrap();
        assert_eq!((march.new, march.returning, march.total), (40, 38, 78));
        assert!((report.compounding.rate.unwrap() - 38.0 / 60.0).abs() < 1e-12);
        // Projection month 2 = r * 78
        assert!((report.compounding.projection[1].returning - 78.0 * 38.0 / 60.0).abs() < 1e-9);
        assert!(report.compounding.projection.iter().all(|p| p.baseline_total == 40.0));
        // Cohort: February's 40 customers, 12 came back in March
        let feb = &report.compounding.cohorts.rows[0];
        assert_eq!(
            (feb.cohort, feb.new_customers, feb.later.clone()),
            (m("2026-02"), 40, vec![12])
        );
        assert_eq!(
            report.referrals,
            ReferralFunnel {
                asks: 3,
                clicks: 17,
                referred_purchases: 10,
                conversions: 0
            }
        );
        assert_eq!(report.trend.len(), 12);
        assert!(!report.empty);
    }

    #[test]
    fn an_empty_month_gives_a_valid_report_without_nan() {
        let report = month_report(m("2026-05"), &MonthlyCounters::new());
        assert!(report.empty);
        assert_eq!(report.nps.nps, None);
        assert_eq!(report.compounding.rate, None);
        let json = serde_json::to_string(&report).unwrap();
        assert!(!json.contains("NaN") && !json.contains("inf"));
        assert!(report.compounding.projection.iter().all(|p| p.total.is_finite()));
    }
}
