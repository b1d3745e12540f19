//! Escaping text for XML character data and attribute values: the `JUnit`
//! report of `check-dns` and the mail-client autoconfig file share it.

use std::fmt::Write as _;

/// `&`, `<`, `>` and both quotes as entities. XML 1.0 cannot carry most
/// control characters at all, so those are written as `\u{..}` text.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() && !matches!(c, '\n' | '\t') => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(
            super::escape(r#"a&b<c>"d'"#),
            "a&amp;b&lt;c&gt;&quot;d&apos;"
        );
        assert_eq!(super::escape("x\u{1b}y\n"), "x\\u{1b}y\n");
    }
}
