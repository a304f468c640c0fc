//! Net Promoter Score: the 0-10 score, its category and the summary with its margin.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An answer to "how likely are you to recommend us?", 0 to 10 inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "u8")]
pub struct Score(u8);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("score {0} is outside 0-10")]
pub struct ScoreOutOfRange(pub i64);

impl Score {
    pub const MAX: u8 = 10;

    pub fn new(value: i64) -> Result<Self, ScoreOutOfRange> {
        if (0..=i64::from(Self::MAX)).contains(&value) {
            Ok(Score(value as u8))
        } else {
            Err(ScoreOutOfRange(value))
        }
    }

    pub fn value(self) -> u8 {
        self.0
    }

    pub fn category(self) -> Category {
        match self.0 {
            9..=10 => Category::Promoter,
            7..=8 => Category::Passive,
            _ => Category::Detractor,
        }
    }

    /// All eleven scores, 0 first: the buttons of the question.
    pub fn all() -> impl Iterator<Item = Score> {
        (0..=Self::MAX).map(Score)
    }
}

impl TryFrom<i64> for Score {
    type Error = ScoreOutOfRange;
    fn try_from(value: i64) -> Result<Self, Self::Error> {
        Score::new(value)
    }
}

impl From<Score> for u8 {
    fn from(score: Score) -> u8 {
        score.0
    }
}

impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Promoter,
    Passive,
    Detractor,
}

impl Category {
    pub const ALL: [Category; 3] = [Category::Promoter, Category::Passive, Category::Detractor];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Promoter => "promoter",
            Category::Passive => "passive",
            Category::Detractor => "detractor",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The NPS of a set of answers, with the counts it came from and its uncertainty.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct NpsSummary {
    pub promoters: u64,
    pub passives: u64,
    pub detractors: u64,
}

impl NpsSummary {
    pub fn from_scores(scores: impl IntoIterator<Item = Score>) -> Self {
        let mut summary = NpsSummary::default();
        for score in scores {
            summary.add(score.category(), 1);
        }
        summary
    }

    /// Built from a histogram of scores 0..=10 (the monthly aggregate keeps one).
    pub fn from_histogram(counts: &[u64; 11]) -> Self {
        let mut summary = NpsSummary::default();
        for (score, count) in Score::all().zip(counts) {
            summary.add(score.category(), *count);
        }
        summary
    }

    pub fn add(&mut self, category: Category, count: u64) {
        match category {
            Category::Promoter => self.promoters += count,
            Category::Passive => self.passives += count,
            Category::Detractor => self.detractors += count,
        }
    }

    pub fn total(&self) -> u64 {
        self.promoters + self.passives + self.detractors
    }

    pub fn count(&self, category: Category) -> u64 {
        match category {
            Category::Promoter => self.promoters,
            Category::Passive => self.passives,
            Category::Detractor => self.detractors,
        }
    }

    /// Share of answers in `category`, 0.0 to 1.0; `None` with no answers.
    pub fn share(&self, category: Category) -> Option<f64> {
        let n = self.total();
        (n > 0).then(|| self.count(category) as f64 / n as f64)
    }

    /// % promoters - % detractors, -100 to +100; `None` with no answers.
    pub fn nps(&self) -> Option<f64> {
        let p = self.share(Category::Promoter)?;
        let d = self.share(Category::Detractor)?;
        Some(100.0 * (p - d))
    }

    /// Standard error of the NPS in points: `100 * sqrt((p + d - (p - d)^2) / n)`.
    pub fn standard_error(&self) -> Option<f64> {
        let n = self.total() as f64;
        let p = self.share(Category::Promoter)?;
        let d = self.share(Category::Detractor)?;
        let variance = (p + d - (p - d).powi(2)).max(0.0);
        Some(100.0 * (variance / n).sqrt())
    }

    /// Half-width of the 95% confidence interval, in NPS points (1.96 standard errors).
    pub fn margin_95(&self) -> Option<f64> {
        self.standard_error().map(|se| 1.96 * se)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scores(values: &[i64]) -> Vec<Score> {
        values.iter().map(|v| Score::new(*v).unwrap()).collect()
    }

    #[test]
    fn categories_follow_the_nps_bands() {
        let got: Vec<Category> = Score::all().map(Score::category).collect();
        use Category::*;
        assert_eq!(
            got,
            [
                Detractor, Detractor, Detractor, Detractor, Detractor, Detractor, Detractor, Passive, Passive,
                Promoter, Promoter
            ]
        );
    }

    #[test]
    fn score_refuses_values_outside_0_to_10() {
        assert_eq!(Score::new(11), Err(ScoreOutOfRange(11)));
        assert_eq!(Score::new(-1), Err(ScoreOutOfRange(-1)));
        assert!(serde_json::from_str::<Score>("12").is_err());
        assert_eq!(serde_json::from_str::<Score>("7").unwrap().value(), 7);
    }

    #[test]
    fn given_ten_answers_then_nps_and_margin_match_hand_computation() {
        // GIVEN 5 promoters, 3 passives, 2 detractors
        let summary = NpsSummary::from_scores(scores(&[10, 9, 9, 10, 9, 7, 8, 7, 3, 6]));
        // THEN p = 0.5, d = 0.2, NPS = 30
        assert_eq!((summary.promoters, summary.passives, summary.detractors), (5, 3, 2));
        assert!((summary.nps().unwrap() - 30.0).abs() < 1e-9);
        // SE = 100 * sqrt((0.5 + 0.2 - 0.09) / 10) = 100 * sqrt(0.061) = 24.698...
        let se = summary.standard_error().unwrap();
        assert!((se - 24.698_178).abs() < 1e-5, "{se}");
        assert!((summary.margin_95().unwrap() - 48.408_429).abs() < 1e-5);
    }

    #[test]
    fn given_twelve_answers_with_nps_40_then_margin_is_wide() {
        // 6 promoters, 4 passives, 2 detractors: NPS 33.3; the margin is about +-47 points
        let summary = NpsSummary::from_scores(scores(&[9, 9, 9, 10, 10, 10, 7, 7, 8, 8, 2, 5]));
        assert!((summary.nps().unwrap() - 33.333_333).abs() < 1e-5);
        // p=0.5, d=1/6: (0.6667 - 0.1111) / 12 = 0.046296; sqrt = 0.215166 -> 21.5166 * 1.96
        assert!((summary.margin_95().unwrap() - 42.172_6).abs() < 1e-3);
    }

    #[test]
    fn all_promoters_has_zero_margin_and_no_answers_has_no_figures() {
        let all = NpsSummary::from_scores(scores(&[10, 9, 10]));
        assert_eq!(all.nps(), Some(100.0));
        assert_eq!(all.standard_error(), Some(0.0));
        let empty = NpsSummary::default();
        assert_eq!(empty.nps(), None);
        assert_eq!(empty.margin_95(), None);
        assert_eq!(empty.share(Category::Promoter), None);
    }

    #[test]
    fn histogram_and_scores_agree() {
        let mut histogram = [0u64; 11];
        for s in scores(&[0, 6, 7, 8, 9, 10, 10]) {
            histogram[s.value() as usize] += 1;
        }
        assert_eq!(
            NpsSummary::from_histogram(&histogram),
            NpsSummary::from_scores(scores(&[0, 6, 7, 8, 9, 10, 10]))
        );
    }
}
