//! Whether the response rate and the compounding rate r really changed between two months: the
//! change, its 95% interval and the same plain verdict as NPS's ([`crate::nps_change::Verdict`]).
//!
//! The response rate is a proportion (answers of questions asked), so the difference of two months
//! has the variance `p1 (1 - p1) / n1 + p2 (1 - p2) / n2`.
//!
//! The observed r is a count over a base, `R_t / B_t` with `B_t = N_{t-1} + R_{t-1}` (DOMAIN.md
//! section 3): not a proportion, since one buyer may bring back several. Modelled as each of last
//! month's buyers bringing back a Poisson number of buyers with mean r, `R_t` given `B_t` has
//! variance `r B_t`, so `r_t` has `r / B_t`. `R_{t-1}` sits in both months' figures, but the
//! surprise of a month (`R_t - r B_t`) has mean zero whatever happened before, so two months'
//! errors are uncorrelated and the variance of the difference is the sum. Under "no change" both
//! months share one rate, estimated pooled: `var = phi * r_pooled * (1 / B_1 + 1 / B_2)`.
//!
//! What the monthly aggregates cannot show is how evenly buyers bring others back: a few customers
//! referring many friends make the counts vary more than Poisson, and the aggregates count
//! purchases, not who brought them. So `phi` is estimated from the report's twelve months instead
//! (Pearson's chi-square of the monthly counts around the year's rate, over its degrees of
//! freedom, never below 1): any extra scatter, from uneven referrers or from r really moving during
//! the year, widens the interval. The rule is conservative: with fewer than
//! [`MIN_RATE_MONTHS`] months to estimate `phi` from, or a base under
//! [`crate::nps_change::MIN_ANSWERS`] buyers in either month, the verdict is "within noise".

use crate::nps_change::{Verdict, MIN_ANSWERS};
use serde::{Deserialize, Serialize};

/// Months with an observed r needed to estimate how much more than Poisson the counts scatter.
pub const MIN_RATE_MONTHS: usize = 3;

/// A rate of one month against another (shares, not percent).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RateChange {
    pub current: Option<f64>,
    pub previous: Option<f64>,
    /// Questions asked (response rate) or last month's buyers (r) behind each rate.
    pub current_base: u64,
    pub previous_base: u64,
    /// `current - previous`.
    pub delta: Option<f64>,
    /// Half-width of the difference's 95% interval.
    pub margin_95: Option<f64>,
    pub verdict: Verdict,
}

impl Default for RateChange {
    fn default() -> Self {
        RateChange {
            current: None,
            previous: None,
            current_base: 0,
            previous_base: 0,
            delta: None,
            margin_95: None,
            verdict: Verdict::NoComparison,
        }
    }
}

/// The verdict on `delta` with interval `margin`, given the smaller base of the two months.
fn verdict(delta: f64, margin: f64, enough: bool) -> Verdict {
    if !enough || delta.abs() <= margin {
        Verdict::WithinNoise
    } else if delta > 0.0 {
        Verdict::RealRise
    } else {
        Verdict::RealFall
    }
}

/// Two proportions `part / whole` (a part above its whole counts as the whole: answers to last
/// month's questions can outnumber this month's).
pub fn compare_proportions(now: (u64, u64), before: (u64, u64)) -> RateChange {
    let share = |(part, whole): (u64, u64)| (whole > 0).then(|| part.min(whole) as f64 / whole as f64);
    let (p1, p2) = (share(now), share(before));
    let mut change = RateChange {
        current: p1,
        previous: p2,
        current_base: now.1,
        previous_base: before.1,
        ..RateChange::default()
    };
    if let (Some(p1), Some(p2)) = (p1, p2) {
        let var = p1 * (1.0 - p1) / now.1 as f64 + p2 * (1.0 - p2) / before.1 as f64;
        let (delta, margin) = (p1 - p2, 1.96 * var.sqrt());
        change.delta = Some(delta);
        change.margin_95 = Some(margin);
        change.verdict = verdict(delta, margin, now.1.min(before.1) >= MIN_ANSWERS);
    }
    change
}

/// How much more than Poisson the monthly counts `(R_t, B_t)` scatter around their common rate:
/// Pearson's chi-square over its degrees of freedom, at least 1. `None` with fewer than
/// [`MIN_RATE_MONTHS`] months that had a base.
pub fn dispersion(months: &[(u64, u64)]) -> Option<f64> {
    let months: Vec<(f64, f64)> = months
        .iter()
        .filter(|(_, base)| *base > 0)
        .map(|(r, b)| (*r as f64, *b as f64))
        .collect();
    if months.len() < MIN_RATE_MONTHS {
        return None;
    }
    let (returning, base) = months.iter().fold((0.0, 0.0), |(r, b), m| (r + m.0, b + m.1));
    let rate = returning / base;
    if rate == 0.0 {
        return Some(1.0);
    }
    let chi_square: f64 = months.iter().map(|(r, b)| (r - rate * b).powi(2) / (rate * b)).sum();
    Some((chi_square / (months.len() - 1) as f64).max(1.0))
}

/// Two observed compounding rates `R / B`, with the dispersion of the year's counts
/// ([`dispersion`]; `None` leaves the verdict "within noise").
pub fn compare_compounding(now: (u64, u64), before: (u64, u64), dispersion: Option<f64>) -> RateChange {
    let rate = |(r, b): (u64, u64)| (b > 0).then(|| r as f64 / b as f64);
    let (r1, r2) = (rate(now), rate(before));
    let mut change = RateChange {
        current: r1,
        previous: r2,
        current_base: now.1,
        previous_base: before.1,
        ..RateChange::default()
    };
    if let (Some(r1), Some(r2)) = (r1, r2) {
        let pooled = (now.0 + before.0) as f64 / (now.1 + before.1) as f64;
        let phi = dispersion.unwrap_or(1.0);
        let var = phi * pooled * (1.0 / now.1 as f64 + 1.0 / before.1 as f64);
        let (delta, margin) = (r1 - r2, 1.96 * var.sqrt());
        change.delta = Some(delta);
        change.margin_95 = Some(margin);
        change.verdict = verdict(
            delta,
            margin,
            dispersion.is_some() && now.1.min(before.1) >= MIN_ANSWERS,
        );
    }
    change
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-4)
    }

    #[test]
    fn a_response_rate_that_doubled_on_a_hundred_questions_is_a_real_rise() {
        // GIVEN 60 of 100 asked answered against 30 of 100
        let c = compare_proportions((60, 100), (30, 100));
        // THEN +0.30 with 1.96 * sqrt(0.6*0.4/100 + 0.3*0.7/100) = 1.96 * sqrt(0.0045) = 0.131480
        assert!(close(c.delta, 0.30), "{c:?}");
        assert!(close(c.margin_95, 0.131_480), "{c:?}");
        assert_eq!(c.verdict, Verdict::RealRise);
        assert_eq!(compare_proportions((30, 100), (60, 100)).verdict, Verdict::RealFall);
    }

    #[test]
    fn a_small_move_of_the_response_rate_is_noise() {
        // 55 of 100 against 50 of 100: margin 1.96 * sqrt(0.2475/100 + 0.25/100) = 0.138246
        let c = compare_proportions((55, 100), (50, 100));
        assert!(close(c.margin_95, 0.138_246), "{c:?}");
        assert_eq!(c.verdict, Verdict::WithinNoise);
    }

    #[test]
    fn tiny_samples_of_questions_are_within_noise_and_answers_never_exceed_questions() {
        // 3 of 3 against 0 of 3: variance 0, yet six questions say nothing
        let c = compare_proportions((3, 3), (0, 3));
        assert_eq!((c.delta, c.margin_95), (Some(1.0), Some(0.0)));
        assert_eq!(c.verdict, Verdict::WithinNoise);
        // 29 questions are too few, 30 enough
        assert_eq!(compare_proportions((29, 29), (0, 30)).verdict, Verdict::WithinNoise);
        assert_eq!(compare_proportions((30, 30), (0, 30)).verdict, Verdict::RealRise);
        // 12 answers to 10 questions (some answered last month's) count as 10 of 10
        assert_eq!(compare_proportions((12, 10), (5, 10)).current, Some(1.0));
        // nothing asked: nothing to compare
        assert_eq!(compare_proportions((0, 0), (5, 10)).verdict, Verdict::NoComparison);
    }

    #[test]
    fn the_dispersion_is_pearsons_chi_square_over_its_degrees_of_freedom_at_least_one() {
        // Counts exactly on the common rate 0.5: no extra scatter, phi = 1
        assert_eq!(dispersion(&[(50, 100), (25, 50), (100, 200)]), Some(1.0));
        // (10,100), (30,100), (50,100): rate 0.3; chi2 = (400 + 0 + 400) / 30 = 26.6667; / 2 = 13.3333
        assert!(close(dispersion(&[(10, 100), (30, 100), (50, 100)]), 13.333_333));
        // months without a base do not count; two months are too few
        assert_eq!(dispersion(&[(10, 100), (3, 0), (30, 100)]), None);
        // no one ever came back: rate 0 and nothing scatters
        assert_eq!(dispersion(&[(0, 40), (0, 40), (0, 40)]), Some(1.0));
    }

    #[test]
    fn a_compounding_rate_change_is_judged_on_the_pooled_rate_times_the_dispersion() {
        // GIVEN r = 60/100 against 30/100, Poisson scatter (phi 1)
        let c = compare_compounding((60, 100), (30, 100), Some(1.0));
        // THEN pooled 90/200 = 0.45: margin 1.96 * sqrt(0.45 * 0.02) = 1.96 * 0.094868 = 0.185942
        assert!(close(c.delta, 0.30) && close(c.margin_95, 0.185_942), "{c:?}");
        assert_eq!(c.verdict, Verdict::RealRise);
        // AND with a year scattering four times more than Poisson the margin doubles: 0.371884
        let wide = compare_compounding((60, 100), (30, 100), Some(4.0));
        assert!(close(wide.margin_95, 0.371_884), "{wide:?}");
        assert_eq!(wide.verdict, Verdict::WithinNoise);
    }

    #[test]
    fn tiny_bases_or_too_little_history_leave_r_within_noise() {
        // r = 10/10 against 0/10: a big move on twenty buyers
        assert_eq!(
            compare_compounding((10, 10), (0, 10), Some(1.0)).verdict,
            Verdict::WithinNoise
        );
        // a large base but no dispersion estimate (fewer than three months)
        assert_eq!(
            compare_compounding((300, 500), (100, 500), None).verdict,
            Verdict::WithinNoise
        );
        assert_eq!(
            compare_compounding((300, 500), (100, 500), Some(1.0)).verdict,
            Verdict::RealRise
        );
        // last month sold nothing: no rate to compare with
        assert_eq!(
            compare_compounding((5, 50), (0, 0), Some(1.0)).verdict,
            Verdict::NoComparison
        );
    }
}
