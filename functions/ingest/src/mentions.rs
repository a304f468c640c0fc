//! TEMPORARY seam: decides whether text mentions the brand (or a competitor) until the
//! listening module in sarafan-core (term matching + sentiment) lands and replaces [`TermMatcher`].
//!
//! Keep it tiny: one trait, one naive implementation. Handlers only call [`MentionClassifier`].

use sarafan_core::model::Sentiment;
use sarafan_core::text::fold;

/// What listening makes of a piece of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    /// The configured terms found in the text, as configured.
    pub matched_terms: Vec<String>,
    /// True when only competitor terms matched.
    pub competitor: bool,
    pub sentiment: Sentiment,
}

impl Classification {
    /// Did any brand or competitor term match?
    pub fn matched(&self) -> bool {
        !self.matched_terms.is_empty()
    }
}

pub trait MentionClassifier: Send + Sync {
    fn classify(&self, text: &str) -> Classification;
}

/// Case- and accent-insensitive substring matching of `SARAFAN_BRAND_TERMS` and
/// `SARAFAN_COMPETITOR_TERMS`; every mention is neutral (no sentiment yet).
#[derive(Debug, Clone, Default)]
pub struct TermMatcher {
    brand: Vec<(String, String)>,
    competitors: Vec<(String, String)>,
}

impl TermMatcher {
    pub fn new(brand: &[String], competitors: &[String]) -> Self {
        let folded = |terms: &[String]| terms.iter().map(|t| (t.clone(), fold(t))).collect();
        TermMatcher {
            brand: folded(brand),
            competitors: folded(competitors),
        }
    }
}

impl MentionClassifier for TermMatcher {
    fn classify(&self, text: &str) -> Classification {
        let text = fold(text);
        let hits = |terms: &[(String, String)]| -> Vec<String> {
            terms
                .iter()
                .filter(|(_, folded)| !folded.is_empty() && text.contains(folded.as_str()))
                .map(|(term, _)| term.clone())
                .collect()
        };
        let brand = hits(&self.brand);
        let (matched_terms, competitor) = if brand.is_empty() {
            let competitors = hits(&self.competitors);
            let competitor = !competitors.is_empty();
            (competitors, competitor)
        } else {
            (brand, false)
        };
        Classification {
            matched_terms,
            competitor,
            sentiment: Sentiment::Neutral,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brand_terms_match_whatever_the_case_and_accents_and_competitors_only_alone() {
        let m = TermMatcher::new(&["Sprite".into(), "@sprite_cars".into()], &["Fanta".into()]);
        let c = m.classify("Loving my new SPRITÉ, thanks @Sprite_Cars");
        assert_eq!(c.matched_terms, ["Sprite", "@sprite_cars"]);
        assert!(!c.competitor);
        let c = m.classify("fanta dealership was better");
        assert_eq!(
            (c.matched_terms.as_slice(), c.competitor),
            (&["Fanta".to_string()][..], true)
        );
        assert!(!m.classify("nothing to see").matched());
    }
}
