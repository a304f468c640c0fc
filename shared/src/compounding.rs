//! The law of compounding customers (DOMAIN.md section 3): projection, observed rate, cohorts.

use crate::month::YearMonth;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// `R_{t+1} = r * (N_t + R_t)`: each month's buyers bring `r` of their number back next month.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompoundingModel {
    rate: f64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("compounding rate {0} is outside [0, 1)")]
pub struct RateOutOfRange(pub f64);

/// One month of a projection, with dealership A's no-compounding line beside it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectedMonth {
    pub month: u32,
    pub new: f64,
    pub returning: f64,
    pub total: f64,
    pub cumulative: f64,
    pub baseline_total: f64,
    pub baseline_cumulative: f64,
}

impl CompoundingModel {
    pub fn new(rate: f64) -> Result<Self, RateOutOfRange> {
        if rate.is_finite() && (0.0..1.0).contains(&rate) {
            Ok(CompoundingModel { rate })
        } else {
            Err(RateOutOfRange(rate))
        }
    }

    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// `1 / (1 - r)`: the long-run total per new customer (1.82 for r = 0.45).
    pub fn multiplier(&self) -> f64 {
        1.0 / (1.0 - self.rate)
    }

    /// Where monthly totals settle with constant new customers: `N / (1 - r)`.
    pub fn steady_state_total(&self, new_per_month: f64) -> f64 {
        new_per_month * self.multiplier()
    }

    /// Projects `months` months with `new_per_month` new customers a month, starting with
    /// `initial_returning` returning/referred customers in month 1.
    pub fn project(&self, new_per_month: f64, months: u32, initial_returning: f64) -> Vec<ProjectedMonth> {
        let mut rows = Vec::with_capacity(months as usize);
        let (mut returning, mut cumulative, mut baseline_cumulative) = (initial_returning, 0.0, 0.0);
        for month in 1..=months {
            let total = new_per_month + returning;
            cumulative += total;
            baseline_cumulative += new_per_month;
            rows.push(ProjectedMonth {
                month,
                new: new_per_month,
                returning,
                total,
                cumulative,
                baseline_total: new_per_month,
                baseline_cumulative,
            });
            returning = self.rate * total;
        }
        rows
    }
}

/// The observed rate of a month: `R_t / (N_{t-1} + R_{t-1})`; `None` when last month sold nothing.
pub fn observed_rate(prev_new: u64, prev_returning: u64, returning: u64) -> Option<f64> {
    let base = prev_new + prev_returning;
    (base > 0).then(|| returning as f64 / base as f64)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PurchaseKind {
    New,
    Repeat,
}

impl PurchaseKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PurchaseKind::New => "new",
            PurchaseKind::Repeat => "repeat",
        }
    }
}

/// What the cohort table needs of a purchase: who, when, and who referred them (if anyone).
#[derive(Debug, Clone)]
pub struct CohortPurchase<'a> {
    pub customer_id: &'a str,
    pub month: YearMonth,
    pub kind: PurchaseKind,
    pub referrer_id: Option<&'a str>,
}

/// For each month's new customers, how many came back or referred someone in each later month.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CohortTable {
    pub rows: Vec<CohortRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohortRow {
    pub cohort: YearMonth,
    pub new_customers: u64,
    /// `later[k]` counts returns and referrals `k + 1` months after the cohort month.
    pub later: Vec<u64>,
}

impl CohortTable {
    /// Builds the table up to and including `last`. A customer's cohort is the month of their
    /// first new purchase; a referred purchase counts for the referrer's cohort.
    pub fn from_purchases<'a>(purchases: impl IntoIterator<Item = CohortPurchase<'a>>, last: YearMonth) -> Self {
        let mut purchases: Vec<CohortPurchase<'a>> = purchases.into_iter().collect();
        purchases.sort_by_key(|p| p.month);
        let mut cohort_of: HashMap<&str, YearMonth> = HashMap::new();
        for p in purchases.iter().filter(|p| p.kind == PurchaseKind::New) {
            cohort_of.entry(p.customer_id).or_insert(p.month);
        }
        let mut new_counts: BTreeMap<YearMonth, u64> = BTreeMap::new();
        for month in cohort_of.values() {
            *new_counts.entry(*month).or_default() += 1;
        }
        let mut cells: BTreeMap<(YearMonth, i32), u64> = BTreeMap::new();
        for p in &purchases {
            let credited = match (p.kind, p.referrer_id) {
                (PurchaseKind::Repeat, _) => Some(p.customer_id),
                (PurchaseKind::New, Some(referrer)) if referrer != p.customer_id => Some(referrer),
                _ => None,
            };
            let Some(cohort) = credited.and_then(|id| cohort_of.get(id)) else {
                continue;
            };
            let offset = cohort.months_until(p.month);
            if offset >= 1 && p.month <= last {
                *cells.entry((*cohort, offset)).or_default() += 1;
            }
        }
        let rows = new_counts
            .into_iter()
            .filter(|(cohort, _)| *cohort <= last)
            .map(|(cohort, new_customers)| {
                let span = cohort.months_until(last).max(0);
                let later = (1..=span)
                    .map(|k| cells.get(&(cohort, k)).copied().unwrap_or(0))
                    .collect();
                CohortRow {
                    cohort,
                    new_customers,
                    later,
                }
            })
            .collect();
        CohortTable { rows }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn rate_must_be_in_0_to_1() {
        assert!(CompoundingModel::new(1.0).is_err());
        assert!(CompoundingModel::new(-0.1).is_err());
        assert!(CompoundingModel::new(f64::NAN).is_err());
        assert!(CompoundingModel::new(0.0).is_ok());
    }

    #[test]
    fn given_dealership_c_then_month_two_follows_the_recurrence() {
        // GIVEN 50 new a month, 35 returning in month 1, r = 0.45
        let model = CompoundingModel::new(0.45).unwrap();
        let rows = model.project(50.0, 3, 35.0);
        // THEN month 1 totals 85; month 2 returning = 0.45 * 85 = 38.25; month 3 = 0.45 * 88.25
        assert!(close(rows[0].total, 85.0));
        assert!(close(rows[1].returning, 38.25));
        assert!(close(rows[1].total, 88.25));
        assert!(close(rows[2].returning, 39.7125));
        assert!(close(rows[2].cumulative, 85.0 + 88.25 + 89.7125));
        // AND the baseline (dealership A) never compounds
        assert!(rows.iter().all(|r| close(r.baseline_total, 50.0)));
        assert!(close(rows[2].baseline_cumulative, 150.0));
    }

    #[test]
    fn projection_converges_to_n_over_1_minus_r() {
        let model = CompoundingModel::new(0.45).unwrap();
        assert!((model.multiplier() - 1.818_181_818).abs() < 1e-6);
        let last = model.project(50.0, 120, 0.0).pop().unwrap();
        assert!((last.total - model.steady_state_total(50.0)).abs() < 1e-6);
    }

    #[test]
    fn observed_rate_divides_by_last_months_buyers() {
        assert_eq!(observed_rate(50, 35, 38), Some(38.0 / 85.0));
        assert_eq!(observed_rate(0, 0, 5), None);
    }

    #[test]
    fn cohort_table_credits_returns_and_referrals_to_the_first_purchase_month() {
        let m = |s: &str| s.parse::<YearMonth>().unwrap();
        let p = |id, month, kind, referrer| CohortPurchase {
            customer_id: id,
            month: m(month),
            kind,
            referrer_id: referrer,
        };
        use PurchaseKind::*;
        let purchases = vec![
            p("a", "2026-01", New, None),
            p("b", "2026-01", New, None),
            p("c", "2026-02", New, None),
            p("a", "2026-02", Repeat, None),   // a returns 1 month later
            p("d", "2026-03", New, Some("b")), // b refers d 2 months later
            p("c", "2026-03", Repeat, None),   // c returns 1 month later
            p("a", "2026-03", Repeat, None),   // a again, 2 months later
            p("e", "2026-03", New, Some("e")), // self-referral does not count
            p("a", "2026-05", Repeat, None),   // after the last month: not counted
        ];
        let table = CohortTable::from_purchases(purchases, m("2026-03"));
        assert_eq!(table.rows.len(), 2 + 1);
        assert_eq!(
            table.rows[0],
            CohortRow {
                cohort: m("2026-01"),
                new_customers: 2,
                later: vec![1, 2]
            }
        );
        assert_eq!(
            table.rows[1],
            CohortRow {
                cohort: m("2026-02"),
                new_customers: 1,
                later: vec![1]
            }
        );
        // d and e are March's new customers, with no later months yet
        assert_eq!(
            table.rows[2],
            CohortRow {
                cohort: m("2026-03"),
                new_customers: 2,
                later: vec![]
            }
        );
    }
}
