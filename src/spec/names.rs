//! Checks for single values by where they end up: domain names, local parts
//! and addresses (lookup tables and DNS), and free text that goes into
//! `main.cf`. Each check returns the normalised value or a reason that reads
//! well after "`value` is not valid: ".
//!
//! The rules are deliberately stricter than the RFCs where Postfix would
//! split, expand or misread a value: a lookup table splits on whitespace and
//! commas, `main.cf` expands `$name`, and a newline starts a new parameter.

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

/// A domain name or host name: IDNs become lower-case A-labels; labels are
/// letters, digits and hyphens; at least two labels.
pub fn domain_name(input: &str) -> Result<String, String> {
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
fn check_local_part(input: &str) -> Result<(), String> {
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

/// An address, or a bare local part that means "in `default_domain`" (a
/// lower-case A-label). Called for every alias target of a spec, so the
/// common cases build exactly one string.
pub fn address(input: &str, default_domain: &str) -> Result<String, String> {
    if let Some((local, domain)) = input.rsplit_once('@') {
        check_local_part(local).map_err(|e| format!("has a local part that {e}"))?;
        if domain.is_empty() {
            return Err("has nothing after `@`".into());
        }
        if domain == default_domain {
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
