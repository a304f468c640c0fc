//! Spikes of negative brand mentions: when the last day's complaints far outrun the usual day.
//!
//! Counts come from hourly counters (`mentions.brand.hour.DD.HH.negative`), never from the
//! mentions themselves. For the hour `h` (the current, partial hour included):
//! - `last_24h(h)` is the sum of hours `h-23 ..= h`;
//! - `trailing_28d(h)` is the sum of the 672 hours before those, whose daily mean is `/ 28`.
//!
//! The hour is a spike when `last_24h >= MIN_MENTIONS` and `last_24h >= FACTOR x` the daily
//! mean. A spike *episode* is the run of consecutive spike hours ending now; it **subsides**
//! at the first hour whose 24-hour count falls below the threshold again, and the next spike
//! hour after that starts a new episode (and a new alert).

use crate::ledger::metric;
use crate::month::YearMonth;
use chrono::{DateTime, Datelike, Duration, DurationRound, TimeZone, Timelike, Utc};
use std::collections::BTreeMap;

/// Fewer complaints than this in a day are never a spike, however quiet the month was.
pub const MIN_MENTIONS: u64 = 5;
/// How many times the trailing daily mean the last 24 hours must reach.
pub const FACTOR: u64 = 3;
pub const TRAILING_DAYS: u64 = 28;
/// How far back an ongoing episode is traced to find its first hour. A steady spike lifts its
/// own trailing mean and subsides within ~9 days (`28 / FACTOR`), so two weeks is ample.
pub const MAX_EPISODE_HOURS: usize = 14 * 24;
const DAY_HOURS: usize = 24;
const TRAILING_HOURS: usize = TRAILING_DAYS as usize * DAY_HOURS;
/// Hours a series must hold to judge every hour of the longest episode: its own hours, plus a
/// day and four weeks of history before the first of them.
pub const SERIES_HOURS: usize = MAX_EPISODE_HOURS + DAY_HOURS + TRAILING_HOURS;

/// What to do about spikes, given the counts now and whether this episode was announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpikeDecision {
    /// A spike nobody was told about yet: alert staff.
    Raise,
    /// The spike was announced already and goes on: say nothing more.
    Hold,
    /// The announced spike is over: the count fell below the threshold.
    Subsided,
    /// No spike, none announced.
    Quiet,
}

/// True when `last_24h` negative mentions are a spike against `trailing_28d` in the 4 weeks before.
pub fn is_spike(last_24h: u64, trailing_28d: u64) -> bool {
    // `last_24h >= FACTOR * trailing_28d / 28` without the rounding of a division.
    last_24h >= MIN_MENTIONS && last_24h.saturating_mul(TRAILING_DAYS) >= trailing_28d.saturating_mul(FACTOR)
}

/// Decides on a spike; `currently_open` says whether the ongoing episode was announced.
pub fn assess(last_24h: u64, trailing_28d: u64, currently_open: bool) -> SpikeDecision {
    match (is_spike(last_24h, trailing_28d), currently_open) {
        (true, false) => SpikeDecision::Raise,
        (true, true) => SpikeDecision::Hold,
        (false, true) => SpikeDecision::Subsided,
        (false, false) => SpikeDecision::Quiet,
    }
}

/// Hourly counts of negative brand mentions, oldest first; the last hour is "now".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HourlySeries {
    /// The hour the first count belongs to.
    first_hour: DateTime<Utc>,
    /// `prefix[i]` is the sum of the first `i` hours, so any window sums in O(1).
    prefix: Vec<u64>,
}

/// The counts around `now`, and the ongoing episode if there is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpikeReading {
    pub last_24h: u64,
    pub trailing_28d: u64,
    /// The first hour of the ongoing spike episode; `None` when `now` is no spike.
    pub episode_start: Option<DateTime<Utc>>,
}

impl SpikeReading {
    /// The trailing daily mean, for people.
    pub fn daily_mean(&self) -> f64 {
        self.trailing_28d as f64 / TRAILING_DAYS as f64
    }
}

impl HourlySeries {
    /// Builds the [`SERIES_HOURS`] hours ending with the hour of `now` from monthly counters
    /// (`month -> metric -> count`); months missing from the map count as quiet.
    pub fn from_counters(counters: &BTreeMap<YearMonth, BTreeMap<String, i64>>, now: DateTime<Utc>) -> Self {
        let last_hour = hour_of(now);
        let first_hour = last_hour - Duration::hours(SERIES_HOURS as i64 - 1);
        let mut counts = vec![0u64; SERIES_HOURS];
        for (month, metrics) in counters {
            for (name, value) in metrics {
                let Some((day, hour)) = metric::parse_brand_negative_in_hour(name) else {
                    continue;
                };
                let Some(at) = Utc
                    .with_ymd_and_hms(month.year(), month.month(), day, hour, 0, 0)
                    .single()
                else {
                    continue;
                };
                let index = (at - first_hour).num_hours();
                if (0..SERIES_HOURS as i64).contains(&index) {
                    counts[index as usize] += (*value).max(0) as u64;
                }
            }
        }
        HourlySeries::new(first_hour, &counts)
    }

    /// A series from plain counts, `counts[0]` being the hour of `first_hour`.
    pub fn new(first_hour: DateTime<Utc>, counts: &[u64]) -> Self {
        let mut prefix = Vec::with_capacity(counts.len() + 1);
        prefix.push(0);
        for count in counts {
            prefix.push(prefix[prefix.len() - 1] + count);
        }
        HourlySeries {
            first_hour: hour_of(first_hour),
            prefix,
        }
    }

    fn len(&self) -> usize {
        self.prefix.len() - 1
    }

    /// Sum of the hours `from ..= to` (indexes; hours before the series count as quiet).
    fn sum(&self, from: isize, to: isize) -> u64 {
        let to = (to + 1).clamp(0, self.len() as isize) as usize;
        let from = from.clamp(0, to as isize) as usize;
        self.prefix[to] - self.prefix[from]
    }

    fn counts_at(&self, h: usize) -> (u64, u64) {
        let h = h as isize;
        let day = DAY_HOURS as isize;
        let last_24h = self.sum(h - day + 1, h);
        let trailing = self.sum(h - day - TRAILING_HOURS as isize + 1, h - day);
        (last_24h, trailing)
    }

    /// The counts at the series' last hour, and where the ongoing episode began: the earliest
    /// hour from which every hour up to now was a spike (at most [`MAX_EPISODE_HOURS`] back).
    pub fn reading(&self) -> SpikeReading {
        let Some(now) = self.len().checked_sub(1) else {
            return SpikeReading {
                last_24h: 0,
                trailing_28d: 0,
                episode_start: None,
            };
        };
        let (last_24h, trailing_28d) = self.counts_at(now);
        let mut episode_start = None;
        let oldest = (now + 1).saturating_sub(MAX_EPISODE_HOURS);
        for h in (oldest..=now).rev() {
            let (last, trailing) = self.counts_at(h);
            if !is_spike(last, trailing) {
                break;
            }
            episode_start = Some(self.first_hour + Duration::hours(h as i64));
        }
        SpikeReading {
            last_24h,
            trailing_28d,
            episode_start,
        }
    }
}

/// The months a series ending at `now` reads from, oldest first.
pub fn months_for(now: DateTime<Utc>) -> Vec<YearMonth> {
    let first = YearMonth::of(hour_of(now) - Duration::hours(SERIES_HOURS as i64 - 1));
    let last = YearMonth::of(now);
    let mut months = vec![first];
    while *months.last().expect("starts with one month") < last {
        let next = months[months.len() - 1].next();
        months.push(next);
    }
    months
}

/// The instants the last-24-hours count of a reading at `now` covers: the hour of `now` (all of
/// it) and the 23 hours before it, as `from..until`.
pub fn last_day_window(now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let until = hour_of(now) + Duration::hours(1);
    (until - Duration::hours(DAY_HOURS as i64), until)
}

/// The start of the hour `at` falls in.
pub fn hour_of(at: DateTime<Utc>) -> DateTime<Utc> {
    // Truncation only fails for instants beyond chrono's range; they stay as they are.
    at.duration_trunc(Duration::hours(1)).unwrap_or(at)
}

/// A stable name for an episode: its first hour, `2026031014`.
pub fn episode_id(start: DateTime<Utc>) -> String {
    format!(
        "{:04}{:02}{:02}{:02}",
        start.year(),
        start.month(),
        start.day(),
        start.hour()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use SpikeDecision::*;

    #[test]
    fn assess_follows_the_threshold_and_the_open_episode() {
        // GIVEN the last day's count, the 4 weeks before it, and whether a spike is announced
        // WHEN assessed
        // THEN an unannounced spike is raised once, and a fall below the threshold subsides it
        let cases = [
            // (last 24h, trailing 28 days, open, decision)
            (5, 0, false, Raise),    // a quiet month, then five complaints
            (4, 0, false, Quiet),    // four are not enough, however quiet
            (6, 56, false, Raise),   // mean 2/day, 6 = 3x
            (5, 56, false, Quiet),   // mean 2/day, 5 < 6
            (30, 280, false, Raise), // mean 10/day, exactly 3x
            (29, 280, false, Quiet), // just under 3x
            (9, 56, true, Hold),     // still spiking: no second alert
            (5, 56, true, Subsided), // fell below 3x the mean
            (4, 0, true, Subsided),  // fell below the minimum
            (0, 0, false, Quiet),
            (u64::MAX, u64::MAX, false, Raise), // no overflow
        ];
        for (last, trailing, open, want) in cases {
            assert_eq!(assess(last, trailing, open), want, "{last} vs {trailing}, open {open}");
        }
    }

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, day, hour, 0, 0).unwrap()
    }

    /// A series ending at `now` with `events` as (hours before now, count).
    fn series(now: DateTime<Utc>, events: &[(usize, u64)]) -> HourlySeries {
        let mut counts = vec![0; SERIES_HOURS];
        for &(ago, n) in events {
            counts[SERIES_HOURS - 1 - ago] += n;
        }
        HourlySeries::new(now - Duration::hours(SERIES_HOURS as i64 - 1), &counts)
    }

    #[test]
    fn a_burst_after_a_quiet_month_is_an_episode_from_its_first_spike_hour() {
        // GIVEN one complaint every 4 days for a month, then 3 complaints 2 hours ago and 3 now
        let now = at(30, 12);
        let mut events: Vec<(usize, u64)> = (0..7).map(|k| (24 + 5 + k * 96, 1)).collect();
        events.extend([(2, 3), (0, 3)]);
        let reading = series(now, &events).reading();
        // THEN the last day holds 6, the 4 weeks before 7, and the spike began this hour
        assert_eq!((reading.last_24h, reading.trailing_28d), (6, 7));
        assert_eq!(reading.episode_start, Some(now));
        assert!((reading.daily_mean() - 0.25).abs() < 1e-9);
    }

    #[test]
    fn an_ongoing_episode_keeps_the_hour_it_began() {
        // GIVEN 5 complaints 10 hours ago (a spike then) and 2 more now
        let now = at(30, 12);
        let reading = series(now, &[(10, 5), (0, 2)]).reading();
        // THEN the episode is the one that began 10 hours ago, whatever came since
        assert_eq!(reading.last_24h, 7);
        assert_eq!(reading.episode_start, Some(now - Duration::hours(10)));
    }

    #[test]
    fn after_it_subsides_a_new_burst_is_a_new_episode() {
        // GIVEN a burst 30 hours ago (gone from the last 24h) and a new burst now
        let now = at(30, 12);
        let reading = series(now, &[(30, 6), (0, 6)]).reading();
        // THEN the burst 30h ago is history (trailing 6, mean 0.2/day) and the episode is new
        assert_eq!((reading.last_24h, reading.trailing_28d), (6, 6));
        assert_eq!(reading.episode_start, Some(now));
        // and with nothing now, the old burst has subsided: no episode
        assert_eq!(series(now, &[(30, 6)]).reading().episode_start, None);
    }

    #[test]
    fn a_busy_brand_needs_three_times_its_usual_day() {
        // GIVEN 10 complaints a day for 4 weeks
        let now = at(30, 12);
        let usual: Vec<(usize, u64)> = (0..28).map(|d| (24 + d * 24 + 5, 10)).collect();
        let with = |extra: u64| {
            let mut events = usual.clone();
            events.push((0, extra));
            series(now, &events).reading().episode_start
        };
        // THEN 29 in a day is not a spike and 30 is
        assert_eq!(with(29), None);
        assert_eq!(with(30), Some(now));
    }

    #[test]
    fn counters_become_an_hourly_series_across_months() {
        // GIVEN complaints counted on 28 Feb 23:00 and 1 Mar 00:00
        let mut counters: BTreeMap<YearMonth, BTreeMap<String, i64>> = BTreeMap::new();
        let feb = YearMonth::new(2026, 2).unwrap();
        let mar = YearMonth::new(2026, 3).unwrap();
        counters
            .entry(feb)
            .or_default()
            .insert(metric::brand_negative_in_hour(28, 23), 3);
        counters
            .entry(mar)
            .or_default()
            .insert(metric::brand_negative_in_hour(1, 0), 2);
        counters.entry(mar).or_default().insert("mentions.negative".into(), 99);
        // WHEN read at 1 Mar 00:40
        let now = at(1, 0) + Duration::minutes(40);
        let reading = HourlySeries::from_counters(&counters, now).reading();
        // THEN both hours are in the last day, and nothing else counts
        assert_eq!((reading.last_24h, reading.trailing_28d), (5, 0));
        assert_eq!(reading.episode_start, Some(at(1, 0)));
        assert_eq!(episode_id(at(1, 0)), "2026030100");
        // and the examples of that day's complaints are read from the same 24 hours
        assert_eq!(last_day_window(now), (at(1, 1) - Duration::hours(24), at(1, 1)));
        // the series reaches back 6 weeks: January, February and March
        assert_eq!(months_for(now), [YearMonth::new(2026, 1).unwrap(), feb, mar]);
    }
}
