//! Praise worth sharing with the team: a brand mention that names an employee, or glows.

use super::matching::{match_mention, TermSet};
use super::sentiment::{classify, Sentiment};

/// A sentiment score at least this high is praise on its own, without naming anyone:
/// roughly two plain compliments, or one with an intensifier ("really great service").
pub const STRONGLY_POSITIVE: f32 = 0.6;

/// Why a mention is kudos.
#[derive(Debug, Clone, PartialEq)]
pub enum Kudos {
    /// Praise naming these employees (as configured in `SARAFAN_STAFF_NAMES`).
    NamesStaff(Vec<String>),
    /// Praise of the brand strong enough to share by itself; the score is the classifier's.
    StronglyPositive(f32),
}

/// Decides whether a mention is kudos: it must be about the brand (not only a competitor) and
/// positive; then naming a member of `staff` or a score of [`STRONGLY_POSITIVE`] makes it so.
pub fn kudos(text: &str, lang: Option<&str>, competitor: bool, staff: &TermSet) -> Option<Kudos> {
    if competitor {
        return None;
    }
    let verdict = classify(text, lang);
    if verdict.sentiment != Sentiment::Positive {
        return None;
    }
    let named = match_mention(staff, text).matched_terms;
    if !named.is_empty() {
        return Some(Kudos::NamesStaff(named));
    }
    (verdict.score >= STRONGLY_POSITIVE).then_some(Kudos::StronglyPositive(verdict.score))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn praise_naming_staff_or_glowing_is_kudos() {
        let staff = TermSet::parse("Anna Novak, Ivan", "");
        // GIVEN mentions of the brand, with and without staff names, praising or not
        // WHEN judged
        // THEN praise naming staff is kudos (in any case form), plain mild praise is not
        assert_eq!(
            kudos("Anna Novak at Sprite was helpful", Some("en"), false, &staff),
            Some(Kudos::NamesStaff(vec!["Anna Novak".into()]))
        );
        assert_eq!(
            kudos(
                "Спасибо Ивану из Sprite, всё хорошо",
                Some("ru"),
                false,
                &TermSet::parse("Иван", "")
            ),
            Some(Kudos::NamesStaff(vec!["Иван".into()]))
        );
        assert_eq!(
            kudos("Picked up my car at Sprite, fine", Some("en"), false, &staff),
            None
        );
        assert!(matches!(
            kudos("Sprite is absolutely amazing, best service ever, thank you!", Some("en"), false, &staff),
            Some(Kudos::StronglyPositive(score)) if score >= STRONGLY_POSITIVE
        ));
        // a complaint naming staff is not kudos, nor is praise of a competitor
        assert_eq!(kudos("Ivan at Sprite was rude", Some("en"), false, &staff), None);
        assert_eq!(kudos("Ivan at Rival was wonderful", Some("en"), true, &staff), None);
        // with no staff configured, only glowing praise counts
        assert_eq!(
            kudos("Anna at Sprite was helpful", Some("en"), false, &TermSet::default()),
            None
        );
    }
}
