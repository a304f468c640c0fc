//! Escaping for the HTML customers read (the survey email, the survey pages).

/// `text` safe inside HTML text and double-quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A message holding one `{link}`, escaped, with the link made a real anchor.
pub fn with_link(message: &str, url: &str, style: &str) -> String {
    let anchor = format!(
        "<a href=\"{url}\" style=\"{style}\">{url}</a>",
        url = escape(url),
        style = escape(style)
    );
    match message.split_once("{link}") {
        Some((before, after)) => format!("{}{anchor}{}", escape(before), escape(after)),
        None => format!("{} {anchor}", escape(message)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_quotes_are_escaped() {
        assert_eq!(
            escape(r#"<script>alert("x" & 'y')</script>"#),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
        assert_eq!(escape("Děkujeme"), "Děkujeme");
    }

    #[test]
    fn the_link_placeholder_becomes_an_anchor_and_the_rest_stays_text() {
        assert_eq!(
            with_link("<b>Share</b>: {link}!", "https://s.example/r/abc?x=1&y=2", ""),
            "&lt;b&gt;Share&lt;/b&gt;: <a href=\"https://s.example/r/abc?x=1&amp;y=2\" style=\"\">https://s.example/r/abc?x=1&amp;y=2</a>!"
        );
    }
}
