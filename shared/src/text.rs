//! Text normalisation shared by score parsing, term matching and sentiment.

use unicode_normalization::UnicodeNormalization;

/// Folds text for matching: lower case, diacritics removed, a few letters that do not
/// decompose in Unicode spelled out (`ł` -> `l`, `ß` -> `ss`), `ё` -> `е`, and typographic
/// apostrophes made plain. Keycap emoji and other symbols are kept as they are.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        for lower in c.to_lowercase() {
            match lower {
                'ł' => out.push('l'),
                'đ' => out.push('d'),
                'ø' => out.push('o'),
                'ß' => out.push_str("ss"),
                'æ' => out.push_str("ae"),
                'œ' => out.push_str("oe"),
                'ı' => out.push('i'),
                'ё' => out.push('е'),
                '\u{2019}' | '\u{2018}' | '\u{02bc}' | '`' => out.push('\''),
                other => out.push(other),
            }
        }
    }
    out
}

/// True for the combining marks NFD splits off accented letters (U+0300..U+036F and the
/// Cyrillic/extended ranges), which `fold` drops. Keycap U+20E3 is kept: it makes `3️⃣` a score.
fn is_combining_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036f}' | '\u{1ab0}'..='\u{1aff}' | '\u{1dc0}'..='\u{1dff}' | '\u{0483}'..='\u{0489}')
}

/// Splits folded text into words: runs of letters, digits and inner apostrophes.
pub fn words(folded: &str) -> impl Iterator<Item = &str> {
    folded
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|w| w.trim_matches('\''))
        .filter(|w| !w.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_removes_case_and_diacritics_across_scripts() {
        assert_eq!(fold("Děkuji, ŽLUŤOUČKÝ kůň"), "dekuji, zlutoucky kun");
        assert_eq!(fold("Łódź Straße"), "lodz strasse");
        assert_eq!(fold("Ёлка ДЕВЯТЬ"), "елка девять");
        assert_eq!(fold("Đakovo čačak"), "dakovo cacak");
        assert_eq!(fold("I\u{2019}d give"), "i'd give");
    }

    #[test]
    fn fold_keeps_keycaps() {
        assert_eq!(fold("7\u{fe0f}\u{20e3}"), "7\u{fe0f}\u{20e3}");
    }

    #[test]
    fn words_split_on_punctuation_and_keep_inner_apostrophes() {
        let folded = fold("Score: 9/10 -- I'd say 'great'!");
        let got: Vec<&str> = words(&folded).collect();
        assert_eq!(got, ["score", "9", "10", "i'd", "say", "great"]);
    }
}
