//! Whether NPS really changed between two months: the difference of two independent NPS
//! estimates, its 95% interval, and a plain verdict.
//!
//! Each month's NPS has variance `(p + d - (p - d)^2) / n` (in shares; DOMAIN.md section 2), so
//! the difference of two independent months has the sum of their variances, and its 95% interval
//! is `delta ± 1.96 * 100 * sqrt(var_1 + var_2)` points. A change is real when the interval
//! leaves out zero. Below [`MIN_ANSWERS`] answers in either month the normal approximation says
//! too little (one answer has variance 0), so the verdict is "within noise" whatever the numbers.

use crate::nps::NpsSummary;
use serde::{Deserialize, Serialize};

/// Fewer answers than this in either month and no change is called real.
pub const MIN_ANSWERS: u64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The interval holds zero, or a month has too few answers to tell.
    WithinNoise,
    RealRise,
    RealFall,
    /// One of the months has no answers: nothing to compare.
    NoComparison,
}

/// NPS of one month against another.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NpsChange {
    pub current: Option<f64>,
    pub previous: Option<f64>,
    pub current_answers: u64,
    pub previous_answers: u64,
    /// `current - previous`, in NPS points.
    pub delta: Option<f64>,
    /// Half-width of the difference's 95% interval, in points.
    pub margin_95: Option<f64>,
    pub verdict: Verdict,
}

/// Compares `current` with `previous`.
pub fn compare(current: &NpsSummary, previous: &NpsSummary) -> NpsChange {
    let (now, before) = (current.nps(), previous.nps());
    let delta = now.zip(before).map(|(a, b)| a - b);
    let margin_95 = current
        .standard_error()
        .zip(previous.standard_error())
        .map(|(a, b)| 1.96 * (a * a + b * b).sqrt());
    let verdict = match (delta, margin_95) {
        (None, _) | (_, None) => Verdict::NoComparison,
        _ if current.total() < MIN_ANSWERS || previous.total() < MIN_ANSWERS => Verdict::WithinNoise,
        (Some(d), Some(m)) if d.abs() > m => {
            if d > 0.0 {
                Verdict::RealRise
            } else {
                Verdict::RealFall
            }
        }
        _ => Verdict::WithinNoise,
    };
    NpsChange {
        current: now,
        previous: before,
        current_answers: current.total(),
        previous_answers: previous.total(),
        delta,
        margin_95,
        verdict,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A month of `p` promoters, `a` passives and `d` detractors.
    fn month(p: u64, a: u64, d: u64) -> NpsSummary {
        let mut h = [0u64; 11];
        h[10] = p;
        h[7] = a;
        h[0] = d;
        NpsSummary::from_histogram(&h)
    }

    #[test]
    fn a_large_rise_is_real_and_its_interval_is_the_sum_of_variances() {
        // GIVEN 100 answers of 60/20/20 (NPS 40) against 100 of 40/20/40 (NPS 0)
        let c = compare(&month(60, 20, 20), &month(40, 20, 40));
        // THEN delta 40; var 0.80-0.16=0.64/100 and 0.80-0=0.80/100: 1.96*100*sqrt(0.0144) = 23.52
        assert_eq!(c.delta, Some(40.0));
        assert!((c.margin_95.unwrap() - 23.52).abs() < 1e-9, "{c:?}");
        assert_eq!(c.verdict, Verdict::RealRise);
        // AND the same the other way round is a real fall
        assert_eq!(
            compare(&month(40, 20, 40), &month(60, 20, 20)).verdict,
            Verdict::RealFall
        );
    }

    #[test]
    fn a_change_inside_the_interval_is_noise() {
        // 50/30/20 (NPS 30) against 45/30/25 (NPS 20), 100 answers each: delta 10 against a margin
        // of 1.96*100*sqrt((0.70-0.09)/100 + (0.70-0.04)/100) = 1.96*100*sqrt(0.0127) = 22.09
        let c = compare(&month(50, 30, 20), &month(45, 30, 25));
        assert!((c.delta.unwrap() - 10.0).abs() < 1e-9);
        assert!((c.margin_95.unwrap() - 22.088_0).abs() < 1e-3, "{c:?}");
        assert_eq!(c.verdict, Verdict::WithinNoise);
    }

    #[test]
    fn tiny_samples_are_within_noise_whatever_the_numbers() {
        // One promoter against one detractor: NPS +100 against -100, both with variance 0
        let c = compare(&month(1, 0, 0), &month(0, 0, 1));
        assert_eq!((c.delta, c.margin_95), (Some(200.0), Some(0.0)));
        assert_eq!(c.verdict, Verdict::WithinNoise);
        // 29 answers are still too few, 30 enough
        assert_eq!(
            compare(&month(29, 0, 0), &month(0, 0, 30)).verdict,
            Verdict::WithinNoise
        );
        assert_eq!(compare(&month(30, 0, 0), &month(0, 0, 30)).verdict, Verdict::RealRise);
    }

    #[test]
    fn a_month_without_answers_compares_with_nothing() {
        let c = compare(&month(10, 0, 0), &month(0, 0, 0));
        assert_eq!((c.delta, c.verdict), (None, Verdict::NoComparison));
    }
}
