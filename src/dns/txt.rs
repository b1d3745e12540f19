//! TXT record text in master-file form: split into character-strings of at
//! most 255 bytes (RFC 1035 §3.3.14), each quoted, with `"` and `\` escaped.
//! Resolvers hand the strings back separately; DKIM, SPF and DMARC readers
//! join them without a separator, so the split may fall anywhere.

/// The longest character-string DNS can carry.
pub const MAX_STRING: usize = 255;

/// Split `text` into chunks of at most `MAX_STRING` bytes, never inside a
/// UTF-8 character.
pub fn split(text: &str) -> Vec<&str> {
    let mut chunks = Vec::with_capacity(text.len() / MAX_STRING + 1);
    let mut rest = text;
    while rest.len() > MAX_STRING {
        let mut end = MAX_STRING;
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        chunks.push(&rest[..end]);
        rest = &rest[end..];
    }
    if !rest.is_empty() || chunks.is_empty() {
        chunks.push(rest);
    }
    chunks
}

/// The quoted master-file form: `"chunk" "chunk" ...`.
pub fn quoted(text: &str) -> String {
    split(text)
        .iter()
        .map(|chunk| {
            let mut q = String::with_capacity(chunk.len() + 2);
            q.push('"');
            for c in chunk.chars() {
                if matches!(c, '"' | '\\') {
                    q.push('\\');
                }
                q.push(c);
            }
            q.push('"');
            q
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `SubjectPublicKeyInfo` of an RSA-4096 key, base64 (736 characters).
    const RSA_4096_SPKI: &str = include_str!("../../tests/fixtures/dkim/rsa-4096.spki.b64");

    #[test]
    fn an_rsa_4096_dkim_record_splits_into_255_byte_strings() {
        let p = RSA_4096_SPKI.trim();
        assert_eq!(p.len(), 736);
        let text = format!("v=DKIM1; k=rsa; p={p}");
        let chunks = split(&text);
        assert_eq!(
            chunks.iter().map(|c| c.len()).collect::<Vec<_>>(),
            vec![255, 255, 244]
        );
        assert_eq!(chunks.concat(), text);
        let zone = quoted(&text);
        assert_eq!(zone.matches('"').count(), 6);
        assert!(
            zone.starts_with("\"v=DKIM1; k=rsa; p=MIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEA")
        );
    }

    #[test]
    fn short_and_exact_lengths() {
        assert_eq!(split(""), vec![""]);
        assert_eq!(split(&"a".repeat(255)).len(), 1);
        assert_eq!(
            split(&"a".repeat(256))
                .iter()
                .map(|c| c.len())
                .collect::<Vec<_>>(),
            vec![255, 1]
        );
        assert_eq!(quoted("v=spf1 -all"), "\"v=spf1 -all\"");
    }

    #[test]
    fn quotes_and_backslashes_are_escaped_and_characters_kept_whole() {
        assert_eq!(quoted(r#"a"b\c"#), r#""a\"b\\c""#);
        let text = format!("{}é", "a".repeat(254));
        assert_eq!(
            split(&text).iter().map(|c| c.len()).collect::<Vec<_>>(),
            vec![254, 2]
        );
    }
}
