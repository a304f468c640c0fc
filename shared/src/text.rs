//! Text normalisation shared by score parsing, term matching and sentiment.

use std::borrow::Cow;
use unicode_normalization::UnicodeNormalization;

/// Folds text for matching: lower case, diacritics removed, a few letters that do not
/// decompose in Unicode spelled out (`ł` -> `l`, `ß` -> `ss`), `ё` -> `е`, and typographic
/// apostrophes made plain. Keycap emoji and other symbols are kept as they are.
pub fn fold(text: &str) -> String {
    if text.is_ascii() {
        // Most mentions are plain ASCII: nothing to decompose, one pass and no Unicode tables.
        let lower = text.to_ascii_lowercase();
        return if lower.contains('`') {
            lower.replace('`', "'")
        } else {
            lower
        };
    }
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
    let mut rest = folded;
    std::iter::from_fn(move || loop {
        // A run of word characters, then the separator after it (ASCII bytes tested without
        // decoding: most text is ASCII, and std's splitter decodes every character).
        let bytes = rest.as_bytes();
        let mut end = 0;
        let separator = loop {
            let Some(&b) = bytes.get(end) else { break 0 };
            if b.is_ascii() {
                if b.is_ascii_alphanumeric() || b == b'\'' {
                    end += 1;
                    continue;
                }
                break 1;
            }
            let c = rest[end..].chars().next().unwrap_or_default();
            if !c.is_alphanumeric() {
                break c.len_utf8();
            }
            end += c.len_utf8();
        };
        if end + separator == 0 {
            return None;
        }
        let word = rest[..end].trim_matches('\'');
        rest = &rest[end + separator..];
        if !word.is_empty() {
            return Some(word);
        }
    })
}

/// Transliterates the Cyrillic letters of folded text (Russian, Ukrainian, Serbian) into the
/// folded Latin spelling of the Slavic languages that write in Latin (`ж` -> `z` as `ž` folds
/// to `z`, `ч` -> `c`, `х` -> `h`), so `Сарафаном` and `Sarafanem` meet on one stem.
/// Other characters are kept as they are.
pub fn latinize(folded: &str) -> String {
    let mut out = String::with_capacity(folded.len());
    for c in folded.chars() {
        let latin: &str = match c {
            'а' => "a",
            'б' => "b",
            'в' => "v",
            'г' | 'ґ' | 'ѓ' => "g",
            'д' | 'ђ' => "d",
            'е' | 'э' => "e",
            'є' => "je",
            'ж' => "z",
            'з' | 'ѕ' => "z",
            'и' | 'і' | 'й' => "i",
            'ї' => "ji",
            'ј' => "j",
            'к' | 'ќ' => "k",
            'л' => "l",
            'љ' => "lj",
            'м' => "m",
            'н' => "n",
            'њ' => "nj",
            'о' => "o",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'ћ' | 'ц' | 'ч' => "c",
            'у' | 'ў' => "u",
            'ф' => "f",
            'х' => "h",
            'џ' => "dz",
            'ш' => "s",
            'щ' => "sc",
            'ъ' | 'ь' => "",
            'ы' => "y",
            'ю' => "ju",
            'я' => "ja",
            other => {
                out.push(other);
                continue;
            }
        };
        out.push_str(latin);
    }
    out
}

/// True when the text holds at least one Cyrillic letter.
pub fn has_cyrillic(text: &str) -> bool {
    text.chars().any(is_cyrillic)
}

/// True for letters of the Cyrillic blocks.
pub fn is_cyrillic(c: char) -> bool {
    matches!(c, '\u{0400}'..='\u{04ff}' | '\u{0500}'..='\u{052f}')
}

/// Decodes the HTML character references that reach us in scraped mentions and chat
/// exports (`&amp;`, `&#39;`, `&#x27;`, `&quot;`, `&nbsp;`...). Unknown or malformed
/// references are kept as written; one pass, so `&amp;lt;` becomes `&lt;`, not `<`.
pub fn decode_entities(text: &str) -> Cow<'_, str> {
    if !text.contains('&') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        // A reference is short; looking only a few bytes ahead keeps this linear.
        let end = rest.char_indices().take(12).find(|&(_, c)| c == ';').map(|(i, _)| i);
        let decoded = end.and_then(|end| entity(&rest[1..end]).map(|c| (c, end)));
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

fn entity(name: &str) -> Option<char> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        return char::from_u32(code).filter(|c| *c != '\0');
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "hellip" => '…',
        "ndash" => '–',
        "mdash" => '—',
        "laquo" => '«',
        "raquo" => '»',
        "rsquo" => '\u{2019}',
        "lsquo" => '\u{2018}',
        "ldquo" => '\u{201c}',
        "rdquo" => '\u{201d}',
        _ => return None,
    })
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
        assert_eq!(fold("I`D GIVE"), "i'd give");
    }

    #[test]
    fn fold_keeps_keycaps() {
        assert_eq!(fold("7\u{fe0f}\u{20e3}"), "7\u{fe0f}\u{20e3}");
    }

    proptest::proptest! {
        #[test]
        fn words_are_the_runs_std_split_finds(text in "[a-z0-9' ,.\u{e9}\u{301}\u{436}\u{2019}\u{a0}]{0,20}") {
            let std: Vec<&str> = text
                .split(|c: char| !(c.is_alphanumeric() || c == '\''))
                .map(|w| w.trim_matches('\''))
                .filter(|w| !w.is_empty())
                .collect();
            proptest::prop_assert_eq!(words(&text).collect::<Vec<_>>(), std);
        }
    }

    #[test]
    fn words_split_on_punctuation_and_keep_inner_apostrophes() {
        let folded = fold("Score: 9/10 -- I'd say 'great'!");
        let got: Vec<&str> = words(&folded).collect();
        assert_eq!(got, ["score", "9", "10", "i'd", "say", "great"]);
    }

    #[test]
    fn latinize_meets_latin_spelling_of_slavic_names() {
        assert_eq!(latinize(&fold("Сарафаном")), "sarafanom");
        assert_eq!(latinize(&fold("Жовтий Їжак")), "zovtii izak");
        assert_eq!(latinize(&fold("Љубазно Ђорђе")), "ljubazno dorde");
        assert_eq!(latinize("škoda 42"), "škoda 42");
    }

    #[test]
    fn decode_entities_handles_named_numeric_and_broken_references() {
        assert_eq!(
            decode_entities("Fish &amp; chips, it&#39;s &#x27;ok&#x27;"),
            "Fish & chips, it's 'ok'"
        );
        assert_eq!(decode_entities("a &amp;lt; b"), "a &lt; b");
        assert_eq!(decode_entities("R&D &unknown; &#xZZ; &"), "R&D &unknown; &#xZZ; &");
        assert!(matches!(decode_entities("plain"), Cow::Borrowed("plain")));
    }
}
