//! Faithful parsers for Postfix's own files: `main.cf`, `master.cf` and
//! lookup-table sources. They never fail: what they cannot make sense of is
//! kept as a problem for the lint rules to report, and every item keeps its
//! line so a finding can point at it.
//!
//! The shared syntax (postconf(5), master(5), postmap(1)): a line whose first
//! non-blank character is `#` is a comment, blank lines are ignored, and a
//! line that starts with whitespace continues the previous logical line.

/// One physical line of a logical line: its number and text.
#[derive(Debug, Clone, Copy)]
pub struct Segment<'a> {
    /// 1-based.
    pub line: usize,
    pub text: &'a str,
}

/// A logical line: the first physical line and its continuations.
#[derive(Debug, Clone)]
pub struct LogicalLine<'a> {
    pub segments: Vec<Segment<'a>>,
}

impl<'a> LogicalLine<'a> {
    pub fn first(&self) -> Segment<'a> {
        self.segments[0]
    }

    /// The whole logical line, continuations joined with a space.
    pub fn joined(&self) -> std::borrow::Cow<'a, str> {
        if self.segments.len() == 1 {
            return self.segments[0].text.trim_end().into();
        }
        self.segments
            .iter()
            .map(|s| s.text.trim())
            .collect::<Vec<_>>()
            .join(" ")
            .into()
    }
}

/// Split `text` into logical lines. A continuation line before any logical
/// line starts one of its own (Postfix does the same, with a warning).
pub fn logical_lines(text: &str) -> Vec<LogicalLine<'_>> {
    let mut lines: Vec<LogicalLine> = Vec::new();
    for (index, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let trimmed = raw.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let segment = Segment {
            line: index + 1,
            text: raw,
        };
        match lines.last_mut() {
            Some(last) if trimmed.len() != raw.len() => last.segments.push(segment),
            _ => lines.push(LogicalLine {
                segments: vec![segment],
            }),
        }
    }
    lines
}

/// One `name = value` in `main.cf`.
#[derive(Debug, Clone)]
pub struct Parameter<'a> {
    pub name: &'a str,
    pub value: String,
    pub line: usize,
    /// The first physical line, for showing the finding.
    pub line_text: &'a str,
    /// 1-based character column of the name.
    pub column: usize,
}

/// A `main.cf`: its parameters in file order, and the lines without `=`.
#[derive(Debug, Default)]
pub struct MainCf<'a> {
    pub parameters: Vec<Parameter<'a>>,
    /// Lines Postfix rejects outright (`missing '=' after attribute name`).
    pub malformed: Vec<Segment<'a>>,
}

impl MainCf<'_> {
    /// The effective definition of `name`: the last one wins.
    pub fn get(&self, name: &str) -> Option<&Parameter<'_>> {
        self.parameters.iter().rev().find(|p| p.name == name)
    }
}

pub fn parse_main_cf(text: &str) -> MainCf<'_> {
    let mut main = MainCf::default();
    for logical in logical_lines(text) {
        let first = logical.first();
        let Some((name, _)) = first.text.split_once('=') else {
            main.malformed.push(first);
            continue;
        };
        let joined = logical.joined();
        let value = joined
            .split_once('=')
            .map_or("", |(_, v)| v)
            .trim()
            .to_owned();
        let leading = first.text.len() - first.text.trim_start().len();
        main.parameters.push(Parameter {
            name: name.trim(),
            value,
            line: first.line,
            line_text: first.text,
            column: first.text[..leading].chars().count() + 1,
        });
    }
    main
}

/// A word on a `master.cf` line, with where it is.
#[derive(Debug, Clone, Copy)]
pub struct Word<'a> {
    pub text: &'a str,
    pub line: usize,
    pub line_text: &'a str,
    /// 1-based character column.
    pub column: usize,
}

/// `-o name=value` on a service.
#[derive(Debug, Clone)]
pub struct Override<'a> {
    pub name: &'a str,
    pub value: &'a str,
    /// The `name=value` word.
    pub word: Word<'a>,
}

/// One service entry of `master.cf`.
#[derive(Debug, Clone)]
pub struct Service<'a> {
    /// Every word of the entry; the first eight are the columns
    /// (service, type, private, unpriv, chroot, wakeup, maxproc, command).
    pub words: Vec<Word<'a>>,
    pub overrides: Vec<Override<'a>>,
}

impl<'a> Service<'a> {
    pub fn name(&self) -> &'a str {
        self.words[0].text
    }

    pub fn kind(&self) -> Option<&'a str> {
        self.words.get(1).map(|w| w.text)
    }

    /// The daemon program (the eighth column).
    pub fn command(&self) -> Option<&'a str> {
        self.words.get(7).map(|w| w.text)
    }

    /// The `-o` override of `name`, if any (the last one wins).
    pub fn override_of(&self, name: &str) -> Option<&Override<'a>> {
        self.overrides.iter().rev().find(|o| o.name == name)
    }
}

pub fn parse_master_cf(text: &str) -> Vec<Service<'_>> {
    let mut services = Vec::new();
    for logical in logical_lines(text) {
        let mut words = Vec::new();
        for segment in &logical.segments {
            let mut rest = segment.text;
            let mut consumed = 0;
            while let Some(start) = rest.find(|c: char| !c.is_whitespace()) {
                let len = rest[start..]
                    .find(char::is_whitespace)
                    .unwrap_or(rest.len() - start);
                words.push(Word {
                    text: &rest[start..start + len],
                    line: segment.line,
                    line_text: segment.text,
                    column: segment.text[..consumed + start].chars().count() + 1,
                });
                consumed += start + len;
                rest = &rest[start + len..];
            }
        }
        let mut overrides = Vec::new();
        let mut index = 8;
        while index < words.len() {
            let word = words[index];
            let pair = if word.text == "-o" {
                index += 1;
                words.get(index).copied()
            } else {
                word.text
                    .strip_prefix("-o")
                    .filter(|rest| rest.contains('='))
                    .map(|rest| Word {
                        text: rest,
                        column: word.column + 2,
                        ..word
                    })
            };
            if let Some(pair) = pair
                && let Some((name, value)) = pair.text.split_once('=')
            {
                overrides.push(Override {
                    name,
                    value,
                    word: pair,
                });
            }
            index += 1;
        }
        services.push(Service { words, overrides });
    }
    services
}

/// One `key value` line of a lookup-table source.
#[derive(Debug, Clone, Copy)]
pub struct TableEntry<'a> {
    pub key: &'a str,
    /// The value on the first line; continuation lines are in `more`.
    pub value: &'a str,
    pub line: usize,
    pub line_text: &'a str,
    /// Byte offset of the key in `line_text`.
    pub key_offset: usize,
}

/// Parse a table source line by line, calling `entry` for each well-formed
/// entry and `bad` for each line that is not `key whitespace value`.
/// Callback-shaped so a million-line table is never held twice in memory.
/// Continuation lines extend the previous value; they are given to `more`.
pub fn parse_table<'a>(
    text: &'a str,
    mut entry: impl FnMut(TableEntry<'a>),
    mut more: impl FnMut(Segment<'a>),
    mut bad: impl FnMut(Segment<'a>),
) {
    let mut have_entry = false;
    for (index, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let trimmed = raw.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let segment = Segment {
            line: index + 1,
            text: raw,
        };
        if trimmed.len() != raw.len() && have_entry {
            more(segment);
            continue;
        }
        let key_offset = raw.len() - trimmed.len();
        let key_len = trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
        let value = trimmed[key_len..].trim();
        if value.is_empty() {
            have_entry = false;
            bad(segment);
            continue;
        }
        have_entry = true;
        entry(TableEntry {
            key: &trimmed[..key_len],
            value,
            line: index + 1,
            line_text: raw,
            key_offset,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn main_cf_continuations_and_comments() {
        let text = "# comment\nmyhostname = mx.example\nmydestination = a,\n  # inside\n    b\nbroken line\n";
        let main = parse_main_cf(text);
        assert_eq!(main.parameters.len(), 2);
        assert_eq!(main.parameters[1].value, "a, b");
        assert_eq!(main.parameters[1].line, 3);
        assert_eq!(main.malformed[0].line, 6);
    }

    #[test]
    fn later_definitions_win() {
        let main = parse_main_cf("a = 1\na = 2\n");
        assert_eq!(main.get("a").map(|p| p.value.as_str()), Some("2"));
    }

    #[test]
    fn master_cf_overrides_keep_their_line() {
        let text =
            "smtp inet n - y - - smtpd\n  -o syslog_name=x\n  -osmtpd_tls_security_level=encrypt\n";
        let services = parse_master_cf(text);
        assert_eq!(services[0].command(), Some("smtpd"));
        let o = &services[0].overrides;
        assert_eq!(
            (o[0].name, o[0].value, o[0].word.line, o[0].word.column),
            ("syslog_name", "x", 2, 6)
        );
        assert_eq!(
            (o[1].name, o[1].word.column),
            ("smtpd_tls_security_level", 5)
        );
    }

    #[test]
    fn table_lines() {
        let mut keys = Vec::new();
        let mut bad = Vec::new();
        parse_table(
            "a@x b@y\nuser@example.com:password\n  c@z\n",
            |e| keys.push(e.key),
            |_| {},
            |s| bad.push(s.line),
        );
        assert_eq!(keys, ["a@x"]);
        assert_eq!(bad, [2, 3]);
    }
}
