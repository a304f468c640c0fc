//! Minute histograms of how long staff took, and medians read back from them.
//!
//! A median needs every duration, but reports read only counters; so each claim and
//! resolution adds one to a bucket, and the median is interpolated inside the bucket that
//! holds the middle rank. The answer is exact to within that bucket's width: one minute up
//! to 5 minutes, at most half the bucket's lower edge above that, and "more than a week"
//! past the last edge.

use serde::{Deserialize, Serialize};

/// Upper edges (inclusive, in minutes) of the buckets; the last bucket is "over 10080".
pub const EDGES: [u32; 24] = [
    1, 2, 3, 4, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 360, 480, 720, 1080, 1440, 2160, 2880, 4320, 10080,
];

/// The name of the bucket that holds `minutes`: its upper edge, or `over` past the last.
pub fn bucket(minutes: i64) -> String {
    let minutes = minutes.max(0);
    EDGES
        .iter()
        .find(|edge| minutes <= i64::from(**edge))
        .map(|edge| edge.to_string())
        .unwrap_or_else(|| "over".to_string())
}

/// The bucket names in order, the overflow last.
pub fn bucket_names() -> impl Iterator<Item = String> {
    EDGES
        .iter()
        .map(|e| e.to_string())
        .chain(std::iter::once("over".to_string()))
}

/// A median read from a histogram, in minutes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MedianMinutes {
    pub minutes: f64,
    /// True when the middle rank fell past the last edge: the figure is a lower bound.
    pub at_least: bool,
}

/// The median of `counts` (one per bucket, in `bucket_names` order), linearly interpolated
/// inside its bucket: `lower + width * (n/2 - before) / in_bucket`. `None` with no samples.
pub fn median(counts: &[u64]) -> Option<MedianMinutes> {
    let n: u64 = counts.iter().sum();
    if n == 0 {
        return None;
    }
    let middle = n as f64 / 2.0;
    let mut before = 0u64;
    for (i, count) in counts.iter().enumerate() {
        if *count == 0 {
            continue;
        }
        if (before + count) as f64 >= middle {
            let lower = if i == 0 { 0.0 } else { f64::from(EDGES[i - 1]) };
            let Some(upper) = EDGES.get(i).map(|e| f64::from(*e)) else {
                return Some(MedianMinutes {
                    minutes: lower,
                    at_least: true,
                });
            };
            let minutes = lower + (upper - lower) * (middle - before as f64) / *count as f64;
            return Some(MedianMinutes {
                minutes,
                at_least: false,
            });
        }
        before += count;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts_of(minutes: &[i64]) -> Vec<u64> {
        bucket_names()
            .map(|name| minutes.iter().filter(|m| bucket(**m) == name).count() as u64)
            .collect()
    }

    #[test]
    fn buckets_are_named_by_their_upper_edge() {
        assert_eq!(bucket(0), "1");
        assert_eq!(bucket(3), "3");
        assert_eq!(bucket(12), "15");
        assert_eq!(bucket(10080), "10080");
        assert_eq!(bucket(10081), "over");
        assert_eq!(bucket(-5), "1");
        assert_eq!(bucket_names().count(), EDGES.len() + 1);
    }

    #[test]
    fn median_interpolates_inside_the_middle_bucket() {
        // 3, 12 and 40 minutes: n/2 = 1.5; the bucket (10, 15] holds rank 2 with 1 before it,
        // so the median is 10 + 5 * (1.5 - 1) / 1 = 12.5 (the exact median is 12)
        let m = median(&counts_of(&[3, 12, 40])).unwrap();
        assert!((m.minutes - 12.5).abs() < 1e-9, "{m:?}");
        assert!(!m.at_least);
        // four claims at 4, 4, 50, 100: n/2 = 2 is reached in (3, 4] with both: 3 + 1 * 2/2 = 4
        assert!((median(&counts_of(&[4, 4, 50, 100])).unwrap().minutes - 4.0).abs() < 1e-9);
    }

    #[test]
    fn median_past_the_last_edge_is_a_lower_bound_and_none_without_samples() {
        let m = median(&counts_of(&[20_000, 30_000])).unwrap();
        assert_eq!(
            m,
            MedianMinutes {
                minutes: 10080.0,
                at_least: true
            }
        );
        assert_eq!(median(&counts_of(&[])), None);
    }
}
