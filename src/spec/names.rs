//! Checks for single values by where they end up: domain names, local parts
//! and addresses (lookup tables and DNS), and free text that goes into
//! `main.cf`. Each check returns the normalised value or a reason that reads
//! well after "`value` is not valid: ".
//!
//! The rules are deliberately stricter than the RFCs where Postfix would
//! split, expand or misread a value: a lookup table splits on whitespace and
//! commas, `main.cf` expands `$name`, and a newline starts a new parameter.

use std::borrow::Cow;

/// Why a character must not reach a Postfix file, if it must not.
fn forbidden_char(c: char) -> Option<String> {
    match c {
        '\n' => Some("contains a newline, which would start a new line in a Postfix file".into()),
        '\r' => Some("contains a carriage return (\\r)".into()),
        '\0' => Some("contains a NUL byte".into()),
        '$' => Some("contains `$`, which Postfix expands as a parameter reference".into()),
        c if c.is_control() => Some(format!(
            "contains the control character U+{:04X}",
            u32::from(c)
        )),
        _ => None,
    }
}

/// Bytes a local part may hold: ASCII letters, digits and `. _ - +`.
const LOCAL_PART_BYTE: [bool; 256] = byte_set(b"._-+");
/// Bytes a domain name's labels may hold: ASCII letters, digits and `-`.
const LABEL_BYTE: [bool; 256] = byte_set(b"-");

const fn byte_set(extra: &[u8]) -> [bool; 256] {
    let mut set = [false; 256];
    let mut b = 0;
    while b < 256 {
        #[allow(clippy::cast_possible_truncation)]
        let c = b as u8;
        set[b] = c.is_ascii_alphanumeric();
        b += 1;
    }
    let mut i = 0;
    while i < extra.len() {
        set[extra[i] as usize] = true;
        i += 1;
    }
    set
}

/// The common case of `check_local_part`, in one pass over the bytes: a
/// local part that `check_local_part` accepts without a second look. When
/// this says no, the full check runs and explains why (or accepts it).
fn is_plain_local_part(bytes: &[u8]) -> bool {
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if bytes.len() > 64 || first == b'.' || last == b'.' {
        return false;
    }
    let mut previous = 0u8;
    for &b in bytes {
        if !LOCAL_PART_BYTE[usize::from(b)] || (b == b'.' && previous == b'.') {
            return false;
        }
        previous = b;
    }
    true
}

/// The common case of `domain_name`, in one pass over the bytes: an ASCII
/// name without a trailing dot whose lower-case form `domain_name` accepts
/// as it is. When this says no, the full check runs (IDNs, errors).
fn is_plain_domain(bytes: &[u8]) -> bool {
    if bytes.is_empty() || bytes.len() > 253 {
        return false;
    }
    let mut dots = 0;
    let mut label_start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'.' {
            if !is_plain_label(&bytes[label_start..i]) {
                return false;
            }
            dots += 1;
            label_start = i + 1;
        } else if !LABEL_BYTE[usize::from(b)] {
            return false;
        }
    }
    let tld = &bytes[label_start..];
    dots > 0 && is_plain_label(tld) && !tld.iter().all(u8::is_ascii_digit)
}

fn is_plain_label(label: &[u8]) -> bool {
    matches!((label.first(), label.last()), (Some(&first), Some(&last)) if first != b'-' && last != b'-')
        && label.len() <= 63
}

/// A domain name or host name: IDNs become lower-case A-labels; labels are
/// letters, digits and hyphens; at least two labels.
pub fn domain_name(input: &str) -> Result<String, String> {
    let trimmed = input.strip_suffix('.').unwrap_or(input);
    if is_plain_domain(trimmed.as_bytes()) {
        return Ok(trimmed.to_ascii_lowercase());
    }
    domain_name_in_full(input)
}

/// `domain_name` without the fast path: IDNs, and the reason for an error.
fn domain_name_in_full(input: &str) -> Result<String, String> {
    if let Some(reason) = input.chars().find_map(forbidden_char) {
        return Err(reason);
    }
    let trimmed = input.strip_suffix('.').unwrap_or(input);
    if trimmed.is_empty() {
        return Err("is empty".into());
    }
    let ascii = if trimmed.is_ascii() {
        trimmed.to_ascii_lowercase()
    } else {
        idna::domain_to_ascii(trimmed)
            .map_err(|_| "is not a valid internationalised domain name".to_owned())?
    };
    if ascii.len() > 253 {
        return Err("is longer than 253 characters".into());
    }
    if !ascii.contains('.') {
        return Err("is not a fully qualified name (it needs at least one dot)".into());
    }
    for label in ascii.split('.') {
        if label.is_empty() {
            return Err("has an empty label (two dots in a row)".into());
        }
        if label.len() > 63 {
            return Err(format!("has a label longer than 63 characters (`{label}`)"));
        }
        if let Some(c) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
        {
            return Err(format!(
                "contains `{}`; a name may hold only letters, digits, hyphens and dots",
                c.escape_default()
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!(
                "has a label that starts or ends with `-` (`{label}`)"
            ));
        }
    }
    if ascii
        .rsplit('.')
        .next()
        .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
    {
        return Err("ends in a numeric label; an IP address is not a domain name".into());
    }
    Ok(ascii)
}

/// The characters mailctl accepts in a local part: a safe subset of RFC 5321's
/// dot-atom that no Postfix table or DNS name treats specially.
pub fn local_part(input: &str) -> Result<String, String> {
    check_local_part(input)?;
    Ok(input.to_ascii_lowercase())
}

/// The checks of `local_part`, without building the lower-case copy.
pub fn check_local_part(input: &str) -> Result<(), String> {
    if is_plain_local_part(input.as_bytes()) {
        return Ok(());
    }
    check_local_part_in_full(input)
}

/// `check_local_part` without the fast path: the reason for an error.
fn check_local_part_in_full(input: &str) -> Result<(), String> {
    if let Some(reason) = input.chars().find_map(forbidden_char) {
        return Err(reason);
    }
    if input.is_empty() {
        return Err("is empty".into());
    }
    if input.len() > 64 {
        return Err("is longer than 64 characters".into());
    }
    if let Some(c) = input
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+')))
    {
        let what = match c {
            ' ' | '\t' => "whitespace, which separates key and value in a lookup table".to_owned(),
            ',' => "`,`, which separates targets in a lookup table".to_owned(),
            '@' => "`@`; write the local part only".to_owned(),
            c => format!("`{}`", c.escape_default()),
        };
        return Err(format!(
            "contains {what}; mailctl accepts letters, digits and . _ - + in a local part"
        ));
    }
    if input.starts_with('.') || input.ends_with('.') || input.contains("..") {
        return Err("has a leading, trailing or doubled `.`".into());
    }
    Ok(())
}

/// `input.rsplit_once('@')` by a plain byte loop: for strings as short as
/// addresses, std's `memrchr` setup costs more than it saves (a tenth of
/// the instructions of checking and resolving an alias target).
pub fn split_address(input: &str) -> Option<(&str, &str)> {
    let at = input.bytes().rposition(|b| b == b'@')?;
    Some((&input[..at], &input[at + 1..]))
}

/// A checked name or local part in lower case, borrowed when it already is.
pub fn lower(input: &str) -> Cow<'_, str> {
    if input.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(input.to_ascii_lowercase())
    } else {
        Cow::Borrowed(input)
    }
}

/// An address, or a bare local part that means "in `default_domain`" (a
/// lower-case A-label). Called for every alias target of a spec, so the
/// common cases build exactly one string.
pub fn address(input: &str, default_domain: &str) -> Result<String, String> {
    if let Some((local, domain)) = split_address(input) {
        check_local_part(local).map_err(|e| format!("has a local part that {e}"))?;
        if domain.is_empty() {
            return Err("has nothing after `@`".into());
        }
        if domain == default_domain || is_plain_domain(domain.as_bytes()) {
            return Ok(input.to_ascii_lowercase());
        }
        let domain = domain_name(domain).map_err(|e| format!("has a domain that {e}"))?;
        let mut address = String::with_capacity(local.len() + 1 + domain.len());
        address.push_str(local);
        address.make_ascii_lowercase();
        address.push('@');
        address.push_str(&domain);
        Ok(address)
    } else {
        check_local_part(input)?;
        let mut address = String::with_capacity(input.len() + 1 + default_domain.len());
        address.push_str(input);
        address.make_ascii_lowercase();
        address.push('@');
        address.push_str(default_domain);
        Ok(address)
    }
}

/// Free text for the right-hand side of a `main.cf` parameter.
pub fn main_cf_value(input: &str) -> Result<String, String> {
    if let Some(reason) = input.chars().find_map(forbidden_char) {
        return Err(reason);
    }
    if input.trim() != input {
        return Err("has leading or trailing whitespace, which Postfix drops".into());
    }
    Ok(input.to_owned())
}

/// A `main.cf` parameter name.
pub fn parameter_name(input: &str) -> Result<String, String> {
    if input.is_empty() {
        return Err("is empty".into());
    }
    if let Some(c) = input
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_'))
    {
        return Err(format!(
            "contains `{}`; Postfix parameter names are lower-case letters, digits and `_`",
            c.escape_default()
        ));
    }
    Ok(input.to_owned())
}

/// An absolute path that goes into `main.cf` (certificate, mailbox base).
pub fn absolute_path(input: &str) -> Result<String, String> {
    if let Some(reason) = input.chars().find_map(forbidden_char) {
        return Err(reason);
    }
    if !input.starts_with('/') {
        return Err("is not an absolute path".into());
    }
    if let Some(c) = input.chars().find(|c| c.is_whitespace() || *c == ',') {
        return Err(format!(
            "contains `{}`, which Postfix treats as a list separator",
            c.escape_default()
        ));
    }
    Ok(input.to_owned())
}

/// A Postfix next-hop: `host`, `host:port`, `[host]`, `[host]:port`,
/// `[ip]:port`. Brackets turn off MX lookups, as in Postfix.
pub fn relayhost(input: &str) -> Result<String, String> {
    if let Some(reason) = input.chars().find_map(forbidden_char) {
        return Err(reason);
    }
    let (host, bracketed, port) = if let Some(rest) = input.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| "has `[` without a closing `]`".to_owned())?;
        let port = match after {
            "" => None,
            p => Some(
                p.strip_prefix(':')
                    .ok_or_else(|| format!("has `{}` after `]`", p.escape_default()))?,
            ),
        };
        (host, true, port)
    } else {
        match input.split_once(':') {
            Some((host, port)) => (host, false, Some(port)),
            None => (input, false, None),
        }
    };
    if let Some(port) = port
        && port.parse::<u16>().map_or(true, |p| p == 0)
    {
        return Err(format!("has an invalid port `{}`", port.escape_default()));
    }
    if host.parse::<std::net::IpAddr>().is_ok() {
        if !bracketed {
            return Err("is an IP address without brackets; write `[address]`".into());
        }
        return Ok(input.to_owned());
    }
    let bare = host;
    domain_name(bare).map_err(|e| format!("has a host name that {e}"))?;
    Ok(input.to_owned())
}

/// A size such as `2G`, `512M`, `100000K` or a plain number of bytes.
pub fn size_in_bytes(input: &str) -> Result<u64, String> {
    let text = input.trim();
    let text = text
        .strip_suffix(['B', 'b'])
        .filter(|t| t.ends_with(|c: char| c.is_ascii_alphabetic()))
        .unwrap_or(text);
    let (digits, factor) = match text.chars().last() {
        Some('K' | 'k') => (&text[..text.len() - 1], 1u64 << 10),
        Some('M' | 'm') => (&text[..text.len() - 1], 1 << 20),
        Some('G' | 'g') => (&text[..text.len() - 1], 1 << 30),
        Some('T' | 't') => (&text[..text.len() - 1], 1 << 40),
        _ => (text, 1),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(factor))
        .filter(|&n| n > 0)
        .ok_or_else(|| "is not a size such as `2G`, `512M` or a number of bytes".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_names_become_a_labels() {
        assert_eq!(
            domain_name("Bücher.Example").unwrap(),
            "xn--bcher-kva.example"
        );
        assert_eq!(domain_name("example.com.").unwrap(), "example.com");
        assert!(domain_name("localhost").is_err());
        assert!(domain_name("exa mple.com").is_err());
        assert!(domain_name("-a.com").is_err());
        assert!(domain_name("a..com").is_err());
        assert!(domain_name("10.0.0.1").is_err());
        assert!(domain_name("ex$ample.com").unwrap_err().contains('$'));
        assert!(
            domain_name("a.com\nmydestination = evil")
                .unwrap_err()
                .contains("newline")
        );
    }

    /// Inputs on every edge the fast paths draw: case, dots, hyphens,
    /// lengths, digits, `$`, separators, control characters and non-ASCII.
    fn tricky_names() -> Vec<String> {
        let mut names: Vec<String> = [
            "",
            ".",
            "..",
            "a",
            "A",
            "a.",
            ".a",
            "a..b",
            "a.b",
            "a.b.",
            "a.b..",
            "A.B",
            "Ab.Cd.",
            "a-b.c",
            "-a.b",
            "a-.b",
            "a.-b",
            "a.b-",
            "a.1",
            "a.12",
            "1.a",
            "a.1b",
            "a.b1",
            "a_b.c",
            "a b.c",
            "a,b.c",
            "a$b.c",
            "a@b.c",
            "a\nb.c",
            "a\rb.c",
            "a\0b.c",
            "a\tb.c",
            "a\u{7f}b.c",
            "a\u{85}b.c",
            "bücher.example",
            "BÜCHER.example",
            "xn--bcher-kva.example",
            "a.xn--p1ai",
            "ex\u{200b}ample.com",
            "a.b\u{ff0e}c",
            "Alice",
            "alice.smith+tag",
            "a+b",
            "a_b",
            "a-b",
            "+",
            "_",
            "-",
            "a.b.c.d",
            "\u{e9}",
            "a\u{e9}",
            "ﬀ.com",
            "a.com\nmydestination = evil",
            "x.test",
            "X.Test",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        for n in [62, 63, 64, 65] {
            names.push("a".repeat(n));
            names.push(format!("{}.com", "b".repeat(n)));
            names.push(format!("x.{}", "b".repeat(n)));
        }
        for n in [251, 252, 253, 254, 255] {
            let mut long = "a.".repeat(n / 2);
            long.truncate(n - 1);
            long.push('z');
            names.push(long.clone());
            names.push(format!("{long}."));
        }
        names
    }

    #[test]
    fn fast_paths_agree_with_the_full_checks() {
        let names = tricky_names();
        assert!(names.iter().any(|n| n.contains('\n')));
        for name in &names {
            assert_eq!(
                domain_name(name),
                domain_name_in_full(name),
                "domain {name:?}"
            );
            assert_eq!(
                check_local_part(name),
                check_local_part_in_full(name),
                "local part {name:?}"
            );
            for local in ["bob", "Bob", "b.o", "b..o", "", "b o", "b$"] {
                let address_text = format!("{local}@{name}");
                // `address` splits at the last `@`, as this does.
                let (l, d) = address_text.rsplit_once('@').expect("has an @");
                assert_eq!(split_address(&address_text), Some((l, d)));
                let full = check_local_part_in_full(l)
                    .map_err(|e| format!("has a local part that {e}"))
                    .and_then(|()| {
                        if d.is_empty() {
                            return Err("has nothing after `@`".to_owned());
                        }
                        let domain =
                            domain_name_in_full(d).map_err(|e| format!("has a domain that {e}"))?;
                        Ok(format!("{}@{domain}", l.to_ascii_lowercase()))
                    });
                assert_eq!(
                    address(&address_text, "x.test"),
                    full,
                    "address {address_text:?}"
                );
            }
            assert_eq!(split_address(name), name.rsplit_once('@'));
            if !name.contains('@') {
                let bare = check_local_part_in_full(name)
                    .map(|()| format!("{}@x.test", name.to_ascii_lowercase()));
                assert_eq!(address(name, "x.test"), bare, "bare {name:?}");
            }
        }
    }

    #[test]
    fn local_parts_refuse_table_syntax() {
        assert_eq!(local_part("Alice.Smith+tag").unwrap(), "alice.smith+tag");
        for bad in ["a b", "a,b", "a@b", "a$b", "a\rb", "a\0b", ".a", "a..b", ""] {
            assert!(local_part(bad).is_err(), "{bad:?} passed");
        }
    }

    #[test]
    fn addresses_default_to_the_domain() {
        assert_eq!(address("bob", "example.com").unwrap(), "bob@example.com");
        assert_eq!(
            address("Bob@Example.NET", "x.test").unwrap(),
            "bob@example.net"
        );
        assert!(address("bob@", "x.test").is_err());
    }

    #[test]
    fn relayhosts() {
        for good in [
            "smtp.example.net",
            "[smtp.example.net]:587",
            "smtp.example.net:25",
            "[192.0.2.1]:2525",
            "[2001:db8::1]",
        ] {
            assert!(relayhost(good).is_ok(), "{good}");
        }
        for bad in [
            "192.0.2.1",
            "[smtp.example.net]:0",
            "smtp.example.net:x",
            "$relay",
        ] {
            assert!(relayhost(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(size_in_bytes("2G").unwrap(), 2 << 30);
        assert_eq!(size_in_bytes("512MB").unwrap(), 512 << 20);
        assert_eq!(size_in_bytes("1000").unwrap(), 1000);
        assert!(size_in_bytes("lots").is_err());
        assert!(size_in_bytes("0").is_err());
    }

    #[test]
    fn main_cf_values_cannot_expand_or_break_lines() {
        assert!(main_cf_value("$myhostname").is_err());
        assert!(main_cf_value("a\nb = c").is_err());
        assert!(main_cf_value("permit_mynetworks, reject").is_ok());
    }
}
