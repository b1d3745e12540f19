//! Reading `mailctl.toml` into the wire types of `raw.rs`, fast.
//!
//! A spec for a large installation is mostly `[[domain]]` tables (a thousand
//! domains with a million aliases is 40 MiB of TOML). Parsing such a file in
//! one piece builds a document tree of nearly a gigabyte before serde sees
//! it, and most of the time goes into the kernel handing out fresh pages. So
//! when the file has the usual shape — settings first, then `[[domain]]`
//! tables whose sub-tables are all `[domain.*]` — each domain is parsed on its
//! own, in parallel, from its own slice of the file. Any other shape is parsed
//! in one piece. Both paths give the same result; the per-domain path only
//! remembers where each slice starts so that spans still point into the file.

use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use super::diagnostic::{Diagnostic, SourceFile, suggest};
use super::raw::{RawDomain, RawPostfix, RawServer, RawSpec, RawTls};

/// A `[[domain]]` table and the byte offset its spans are relative to.
#[derive(Debug)]
pub struct DomainEntry<'a> {
    pub base: usize,
    pub domain: Spanned<RawDomain<'a>>,
}

/// The spec as read, with every span made absolute by `DomainEntry::base`;
/// it borrows from the spec text (`'a`).
#[derive(Debug)]
pub struct LoadedSpec<'a> {
    pub version: Spanned<i64>,
    pub server: Spanned<RawServer>,
    pub postfix: RawPostfix,
    pub tls: RawTls,
    pub dkim: super::dns::RawDkimSettings,
    pub dns: super::dns::RawDnsSettings,
    pub acme: Option<Spanned<super::acme::RawAcme>>,
    pub dovecot: super::raw::RawDovecot,
    pub domains: Vec<DomainEntry<'a>>,
}

/// Everything before the first `[[domain]]`, in the per-domain path.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPreamble {
    version: Spanned<i64>,
    server: Spanned<RawServer>,
    #[serde(default)]
    postfix: RawPostfix,
    #[serde(default)]
    tls: RawTls,
    #[serde(default)]
    dkim: super::dns::RawDkimSettings,
    #[serde(default)]
    dns: super::dns::RawDnsSettings,
    acme: Option<Spanned<super::acme::RawAcme>>,
    #[serde(default)]
    dovecot: super::raw::RawDovecot,
}

/// One slice of the file that starts with `[[domain]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDomainSlice<'a> {
    #[serde(borrow)]
    domain: Vec<Spanned<RawDomain<'a>>>,
}

/// Parse the spec text. A syntax or schema error is one diagnostic: TOML
/// parsing cannot go on past it.
pub fn parse(file: &SourceFile) -> Result<LoadedSpec<'_>, Box<Diagnostic>> {
    match domain_slices(&file.text) {
        // On any error, the whole document decides: a shape the slicing
        // misjudged (a quoted `[["domain"]]`, say) must not change the answer.
        Some(starts) if !starts.is_empty() => {
            parse_in_slices(file, &starts).or_else(|_| parse_whole(file))
        }
        _ => parse_whole(file),
    }
}

fn parse_whole(file: &SourceFile) -> Result<LoadedSpec<'_>, Box<Diagnostic>> {
    let raw: RawSpec = toml::from_str(&file.text).map_err(|e| toml_diagnostic(file, 0, &e))?;
    Ok(LoadedSpec {
        version: raw.version,
        server: raw.server,
        postfix: raw.postfix,
        tls: raw.tls,
        dkim: raw.dkim,
        dns: raw.dns,
        acme: raw.acme,
        dovecot: raw.dovecot,
        domains: raw
            .domains
            .into_iter()
            .map(|domain| DomainEntry { base: 0, domain })
            .collect(),
    })
}

fn parse_in_slices<'a>(
    file: &'a SourceFile,
    starts: &[usize],
) -> Result<LoadedSpec<'a>, Box<Diagnostic>> {
    let text = file.text.as_str();
    let preamble: RawPreamble =
        toml::from_str(&text[..starts[0]]).map_err(|e| toml_diagnostic(file, 0, &e))?;

    let ranges: Vec<Range<usize>> = starts
        .iter()
        .enumerate()
        .map(|(i, &start)| start..starts.get(i + 1).copied().unwrap_or(text.len()))
        .collect();
    let parsed = super::parallel::map(&ranges, |_, range| {
        toml::from_str::<RawDomainSlice>(&text[range.clone()])
            .map(|slice| {
                slice
                    .domain
                    .into_iter()
                    .map(|domain| DomainEntry {
                        base: range.start,
                        domain,
                    })
                    .collect::<Vec<_>>()
            })
            .map_err(|e| toml_diagnostic(file, range.start, &e))
    });
    let mut domains = Vec::with_capacity(ranges.len());
    for entries in parsed {
        domains.extend(entries?);
    }
    Ok(LoadedSpec {
        version: preamble.version,
        server: preamble.server,
        postfix: preamble.postfix,
        tls: preamble.tls,
        dkim: preamble.dkim,
        dns: preamble.dns,
        acme: preamble.acme,
        dovecot: preamble.dovecot,
        domains,
    })
}

/// The byte offsets of the `[[domain]]` headers, if the file can be parsed
/// domain by domain: after the first `[[domain]]`, every table header must be
/// `[[domain]]` or name a table inside it. `None` means "parse it whole".
///
/// One pass over the bytes that steps over strings (all four kinds, escapes
/// included) and comments as the TOML lexer does, so a `[[domain]]` inside a
/// multi-line string is never mistaken for one. It runs on one core before
/// the parallel parse, so it must cost little more than reading the file.
/// An unterminated string means "parse it whole", which reports the error.
fn domain_slices(text: &str) -> Option<Vec<usize>> {
    let bytes = text.as_bytes();
    let mut starts = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        // The start of a line: indentation before a header is allowed.
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t') {
            i += 1;
        }
        if bytes.get(i) == Some(&b'[') {
            let line = text[i..].lines().next().unwrap_or("");
            let header = line.split('#').next().unwrap_or("").trim_end();
            if header == "[[domain]]" {
                starts.push(i);
            } else if !starts.is_empty()
                && !header.starts_with("[domain.")
                && !header.starts_with("[[domain.")
            {
                return None;
            }
        }
        // The rest of the line, and of any multi-line string that starts on it.
        loop {
            i = next(bytes, i, &LINE_STOPS);
            match bytes.get(i) {
                None => return Some(starts),
                Some(b'\n') => {
                    i += 1;
                    break;
                }
                Some(b'#') => i = next(bytes, i, &NEWLINE),
                Some(&quote) => i = string_end(bytes, i, quote)?,
            }
        }
    }
    Some(starts)
}

/// The bytes that end a run of ordinary bytes on a line, outside strings.
const LINE_STOPS: [bool; 256] = byte_set(b"\n#\"'");
const NEWLINE: [bool; 256] = byte_set(b"\n");
const BASIC_STOPS: [bool; 256] = byte_set(b"\n\"\\");
const LITERAL_STOPS: [bool; 256] = byte_set(b"\n'");
const MULTI_BASIC_STOPS: [bool; 256] = byte_set(b"\"\\");
const MULTI_LITERAL_STOPS: [bool; 256] = byte_set(b"'");

const fn byte_set(members: &[u8]) -> [bool; 256] {
    let mut set = [false; 256];
    let mut i = 0;
    while i < members.len() {
        set[members[i] as usize] = true;
        i += 1;
    }
    set
}

/// The first byte at or after `from` that is in `set`, or the end.
fn next(bytes: &[u8], from: usize, set: &[bool; 256]) -> usize {
    bytes
        .get(from..)
        .and_then(|rest| rest.iter().position(|&b| set[usize::from(b)]))
        .map_or(bytes.len(), |n| from + n)
}

/// One past the closing quote of the string that opens at `start` with
/// `quote`. Basic strings (`"`, `"""`) honour backslash escapes, literal
/// ones (`'`, `'''`) do not; a multi-line string may end with up to two
/// quotes of its own before the closing three. `None` when the string does
/// not end, or a one-line string reaches the end of its line.
fn string_end(bytes: &[u8], start: usize, quote: u8) -> Option<usize> {
    let basic = quote == b'"';
    let triple = [quote; 3];
    if bytes[start..].starts_with(&triple) {
        let stops = if basic {
            &MULTI_BASIC_STOPS
        } else {
            &MULTI_LITERAL_STOPS
        };
        let mut i = start + 3;
        loop {
            i = next(bytes, i, stops);
            if i >= bytes.len() {
                return None;
            }
            if bytes[i] == b'\\' {
                i += 2;
            } else if bytes[i..].starts_with(&triple) {
                let mut end = i + 3;
                while end < bytes.len() && end < i + 5 && bytes[end] == quote {
                    end += 1;
                }
                return Some(end);
            } else {
                i += 1;
            }
        }
    }
    let stops = if basic { &BASIC_STOPS } else { &LITERAL_STOPS };
    let mut i = start + 1;
    loop {
        i = next(bytes, i, stops);
        match bytes.get(i) {
            Some(b'\\') => i += 2,
            Some(&b) if b == quote => return Some(i + 1),
            _ => return None,
        }
    }
}

/// Turn a TOML error into a located diagnostic, with a did-you-mean for
/// unknown keys and enum values (serde's messages name both the offender and
/// the accepted set, so the suggestion comes from them).
fn toml_diagnostic(file: &SourceFile, base: usize, error: &toml::de::Error) -> Box<Diagnostic> {
    let message = error.message().trim().to_owned();
    let mut diagnostic = if let Some(rest) = message.strip_prefix("unknown field ") {
        let (name, expected) = split_unknown(rest);
        let mut d = Diagnostic::error("unknown-key", format!("unknown key `{name}`"));
        if let Some(expected) = expected {
            if let Some(s) = suggest(&name, expected.iter().map(String::as_str)) {
                d = d.help(format!("did you mean `{s}`?"));
            }
            d = d.expected(format!("one of {}", quote_list(&expected)));
        }
        d
    } else if let Some(rest) = message.strip_prefix("unknown variant ") {
        let (name, expected) = split_unknown(rest);
        let mut d = Diagnostic::error("invalid-value", format!("unknown value `{name}`"));
        if let Some(expected) = expected {
            if let Some(s) = suggest(&name, expected.iter().map(String::as_str)) {
                d = d.help(format!("did you mean `{s}`?"));
            }
            d = d.expected(format!("one of {}", quote_list(&expected)));
        }
        d
    } else if let Some(rest) = message.strip_prefix("missing field ") {
        Diagnostic::error(
            "missing-key",
            format!("missing key {}", rest.trim_matches('`').replace('`', "")),
        )
        .help(format!(
            "add `{} = ...`; see the spec reference in the README",
            rest.trim_matches('`')
        ))
    } else if message.starts_with("invalid type") {
        Diagnostic::error("invalid-type", message.clone())
    } else {
        Diagnostic::error("syntax", message.clone())
    };
    if diagnostic.code == "invalid-type" && message.contains("expected a sequence") {
        diagnostic = diagnostic.help("write a list, e.g. `[\"...\"]`, even for one value");
    }
    if let Some(span) = error.span() {
        let start = base + span.start;
        if let Some(key) = key_at(&file.text, start) {
            diagnostic = diagnostic.key(key);
        }
        diagnostic = diagnostic.at(file.locate(start..base + span.end));
    }
    Box::new(diagnostic)
}

/// The dotted key an error position belongs to, from the nearest table
/// header above it and the key at the start of its line, e.g.
/// `domain.aliases.info`. Only used for errors, so a text scan is fine.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or("").trim_start();
    let table = |header: &str| {
        header
            .trim_start_matches('[')
            .split(']')
            .next()
            .unwrap_or("")
            .trim()
            .to_owned()
    };
    if line.starts_with('[') {
        return Some(table(line));
    }
    let key = line
        .split('=')
        .next()
        .map(str::trim)
        .filter(|k| !k.is_empty() && line.contains('='))?;
    let header = text[..line_start]
        .lines()
        .rev()
        .map(str::trim_start)
        .find(|l| l.starts_with('['))
        .map(table);
    Some(match header {
        Some(header) if !header.is_empty() => format!("{header}.{key}"),
        _ => key.to_owned(),
    })
}

/// Split "`name`, expected one of `a`, `b`" into the name and the list.
fn split_unknown(rest: &str) -> (String, Option<Vec<String>>) {
    let mut parts = rest.splitn(2, ", expected ");
    let name = parts.next().unwrap_or("").trim_matches('`').to_owned();
    let expected = parts.next().map(|list| {
        list.trim_start_matches("one of ")
            .split(", ")
            .map(|s| s.trim_matches('`').to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    });
    (name, expected)
}

fn quote_list(items: &[String]) -> String {
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use toml_parser::lexer::TokenKind;

    const SPEC: &str = r#"version = 1
[server]
hostname = "mail.example.com"

[[domain]]
name = "example.com"
description = """
[[domain]]
"""
[domain.aliases]
info = "alice"

[[domain]]
name = "example.net"
"#;

    /// `domain_slices` as it was, on the TOML lexer's tokens: the reference
    /// the byte scan must agree with.
    fn lexed_domain_slices(text: &str) -> Option<Vec<usize>> {
        let source = toml_parser::Source::new(text);
        let mut starts = Vec::new();
        let mut at_line_start = true;
        for token in source.lex() {
            let kind = token.kind();
            if at_line_start && kind == TokenKind::LeftSquareBracket {
                let start = token.span().start();
                let line = text[start..].lines().next().unwrap_or("");
                let header = line.split('#').next().unwrap_or("").trim_end();
                if header == "[[domain]]" {
                    starts.push(start);
                } else if !starts.is_empty()
                    && !header.starts_with("[domain.")
                    && !header.starts_with("[[domain.")
                {
                    return None;
                }
            }
            // Indentation before a header keeps us at the start of the line.
            at_line_start =
                kind == TokenKind::Newline || (at_line_start && kind == TokenKind::Whitespace);
        }
        Some(starts)
    }

    #[test]
    fn the_byte_scan_agrees_with_the_lexer() {
        let mut texts = vec![
            SPEC.to_owned(),
            "version = 1\n[[domain]]\nname = \"a.test\"\n[postfix]\n".to_owned(),
        ];
        let bodies = [
            "name = \"a.test\"\n",
            r#"name = "a\"[[domain]]"
"#,
            r#"d = """
[[domain]]
\"""
[x]
"""
"#,
            r#"d = """a"""""
name = 'b'
"#,
            "d = '''\n[[domain]]\n[postfix]\n''''\n",
            "d = 'it'\n",
            "# it's a \"comment\" [[domain]]\n[domain.aliases] # [x]\ninfo = [\"a\", 'b']\n",
            "  [domain.aliases]\r\n  \"quoted key\" = \"a\"\r\n",
            "[[domain.mx]]\nhost = \"mx.a.test\"\n",
            "x = [\n[1, 2],\n]\n",
            "\t[[domain]]  # indented, with a comment\nname = \"c.test\"\n",
            "[[ domain ]]\nname = \"d.test\"\n",
            "[[\"domain\"]]\nname = \"e.test\"\n",
            r#"d = """\
  [[domain]]"""
"#,
            r"d = 'x\'
[[domain]]
name = 'f.test'
",
        ];
        for body in bodies {
            texts.push(format!(
                "version = 1\n[server]\nhostname = \"m.a.test\"\n[[domain]]\n{body}[[domain]]\nname = \"z.test\"\n"
            ));
            texts.push(format!(
                "version = 1\n{body}[[domain]]\nname = \"z.test\"\n{body}"
            ));
        }
        for text in &texts {
            assert_eq!(domain_slices(text), lexed_domain_slices(text), "{text}");
        }
        // An unterminated string: the whole document decides, and reports it.
        for text in [
            "a = \"x\n[[domain]]\n",
            "a = '''x\n[[domain]]\n",
            "a = \"\"\"x\\\"\"\"\n",
        ] {
            assert_eq!(domain_slices(text), None, "{text}");
        }
    }

    #[test]
    fn headers_inside_strings_are_not_slices() {
        let starts = domain_slices(SPEC).unwrap();
        assert_eq!(starts.len(), 2);
        assert!(SPEC[starts[1]..].starts_with("[[domain]]\nname = \"example.net\""));
    }

    #[test]
    fn a_table_after_the_domains_means_one_piece() {
        let text = "version = 1\n[[domain]]\nname = \"a.test\"\n[postfix]\n";
        assert_eq!(domain_slices(text), None);
    }

    #[test]
    fn both_paths_give_the_same_spans() {
        let text = "version = 1\n[server]\nhostname = \"m.a.test\"\n[[domain]]\nname = \"a.test\"\n[[domain]]\nname = \"b.test\"\n";
        let file = SourceFile::new("s.toml", text.to_owned());
        let sliced = parse(&file).unwrap();
        let whole: RawSpec = toml::from_str(text).unwrap();
        for (entry, domain) in sliced.domains.iter().zip(&whole.domains) {
            let a = entry.base + entry.domain.get_ref().name.span().start;
            assert_eq!(a, domain.get_ref().name.span().start);
        }
    }

    #[test]
    fn odd_but_valid_layouts_parse_like_the_whole_document() {
        let texts = [
            "version = 1\n[server]\nhostname = \"m.a.test\"\n[[domain]]\nname = \"a.test\"\n  [postfix]\n  map_type = \"lmdb\"\n",
            "version = 1\n[server]\nhostname = \"m.a.test\"\n[[ domain ]]\nname = \"a.test\"\n[[domain]]\nname = \"b.test\"\n",
            "version = 1\n[server]\nhostname = \"m.a.test\"\n[[\"domain\"]]\nname = \"a.test\"\n[[domain]]\nname = \"b.test\"\n",
        ];
        for text in texts {
            let file = SourceFile::new("s.toml", text.to_owned());
            let loaded = parse(&file).unwrap_or_else(|d| panic!("{text}: {}", d.message));
            let whole: RawSpec = toml::from_str(text).unwrap();
            let names = |d: &[DomainEntry]| {
                d.iter()
                    .map(|e| e.domain.get_ref().name.get_ref().clone())
                    .collect::<Vec<_>>()
            };
            let whole_names: Vec<String> = whole
                .domains
                .iter()
                .map(|d| d.get_ref().name.get_ref().clone())
                .collect();
            assert_eq!(names(&loaded.domains), whole_names, "{text}");
            assert_eq!(
                loaded.postfix.map_type.is_some(),
                whole.postfix.map_type.is_some(),
                "{text}"
            );
        }
    }

    #[test]
    fn unknown_keys_get_a_suggestion() {
        let text = "version = 1\n[server]\nhostnme = \"m.a.test\"\n";
        let file = SourceFile::new("s.toml", text.to_owned());
        let d = parse(&file).unwrap_err();
        assert_eq!(d.code, "unknown-key");
        assert_eq!(d.help.as_deref(), Some("did you mean `hostname`?"));
        assert_eq!(d.location.unwrap().line, 3);
    }
}
