//! The machine forms of a check-dns run: the JSON document, `JUnit` XML (one
//! test case per check) and GitHub workflow commands (annotations on the
//! spec line that defines each expectation). The text form, which colours,
//! is in `output.rs`.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use super::checks::{Finding, Status, Summary};

/// The JSON document (`--format json`). Schema version 1:
/// `{ version, spec, strict, summary {checks, passed, failed, warnings,
/// lookup_failures, queries_sent}, findings [ {domain, name, type, check,
/// status, severity, message, expected, found, hint?, spec? {file, line,
/// column}} ] }`.
#[derive(Debug, Serialize)]
pub struct Report<'a> {
    pub version: u32,
    pub spec: &'a Path,
    pub strict: bool,
    pub summary: Summary,
    pub findings: &'a [Finding],
}

/// Print the JSON document on stdout as it is serialised, rather than
/// building it as one string first: with thousands of zones the document is
/// tens of megabytes, which was a quarter of the run's peak memory. The
/// bytes are those of `Output::json` (pretty-printed, one newline after); a
/// closed pipe (`| head`) ends quietly, as there.
pub fn print_json(report: &Report<'_>) {
    use std::io::Write as _;
    let stdout = std::io::stdout().lock();
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, stdout);
    let written = serde_json::to_writer_pretty(&mut out, report)
        .map_err(std::io::Error::from)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
    if let Err(e) = written
        && e.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(0);
    }
}

fn details(f: &Finding) -> String {
    let mut text = format!("expected: {}\nfound:    {}", f.expected, f.found);
    if let Some(hint) = &f.hint {
        let _ = write!(text, "\nhint:     {hint}");
    }
    if let Some(at) = &f.spec {
        let _ = write!(
            text,
            "\nspec:     {}:{}:{}",
            at.file.display(),
            at.line,
            at.column
        );
    }
    text
}

/// `JUnit` XML: one `<testsuite>` per zone, one `<testcase>` per check.
/// Failures are `<failure>`, lookups that could not be done `<error>`;
/// warnings are failures with `--strict`, otherwise passing cases that say
/// so in `<system-out>`.
pub fn junit(findings: &[Finding], strict: bool) -> String {
    let mut zones: Vec<&str> = Vec::new();
    for f in findings {
        if !zones.contains(&f.domain.as_str()) {
            zones.push(&f.domain);
        }
    }
    let failing = |f: &Finding| f.status == Status::Fail || (strict && f.status == Status::Warning);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"mailctl check-dns\" tests=\"{}\" failures=\"{}\" errors=\"{}\">",
        findings.len(),
        findings.iter().filter(|f| failing(f)).count(),
        findings
            .iter()
            .filter(|f| f.status == Status::LookupFailed)
            .count()
    );
    for zone in zones {
        let cases: Vec<&Finding> = findings.iter().filter(|f| f.domain == zone).collect();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\">",
            crate::xml::escape(zone),
            cases.len(),
            cases.iter().filter(|f| failing(f)).count(),
            cases
                .iter()
                .filter(|f| f.status == Status::LookupFailed)
                .count()
        );
        for f in cases {
            let _ = write!(
                out,
                "    <testcase classname=\"check-dns.{}\" name=\"{} {} {}\"",
                crate::xml::escape(zone),
                f.check,
                crate::xml::escape(&f.name),
                f.rtype.name()
            );
            if let Some(at) = &f.spec {
                let _ = write!(
                    out,
                    " file=\"{}\" line=\"{}\"",
                    crate::xml::escape(&at.file.display().to_string()),
                    at.line
                );
            }
            let body = match f.status {
                Status::Pass => None,
                Status::Warning if !strict => Some(format!(
                    "      <system-out>warning: {}\n{}</system-out>\n",
                    crate::xml::escape(&f.message),
                    crate::xml::escape(&details(f))
                )),
                Status::Fail | Status::Warning => Some(format!(
                    "      <failure message=\"{}\" type=\"{}\">{}</failure>\n",
                    crate::xml::escape(&f.message),
                    f.status.name(),
                    crate::xml::escape(&details(f))
                )),
                Status::LookupFailed => Some(format!(
                    "      <error message=\"{}\" type=\"lookup-failed\">{}</error>\n",
                    crate::xml::escape(&f.message),
                    crate::xml::escape(&details(f))
                )),
            };
            match body {
                None => out.push_str("/>\n"),
                Some(body) => {
                    out.push_str(">\n");
                    out.push_str(&body);
                    out.push_str("    </testcase>\n");
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// GitHub workflow command escaping: the message part.
fn gh_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// GitHub workflow command escaping: a property value.
fn gh_property(text: &str) -> String {
    gh_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// One `::error`/`::warning` workflow command per finding that did not
/// pass, on the spec line that defines the expectation, then a `::notice`
/// with the summary.
pub fn github(findings: &[Finding], summary: &Summary) -> String {
    let mut out = String::new();
    for f in findings {
        let level = match f.status {
            Status::Pass => continue,
            Status::Fail | Status::LookupFailed => "error",
            Status::Warning => "warning",
        };
        let mut props = Vec::new();
        if let Some(at) = &f.spec {
            props.push(format!(
                "file={}",
                gh_property(&at.file.display().to_string())
            ));
            props.push(format!("line={}", at.line));
            props.push(format!("col={}", at.column));
        }
        props.push(format!(
            "title={}",
            gh_property(&format!(
                "check-dns {} {} {}",
                f.check,
                f.name,
                f.rtype.name()
            ))
        ));
        let _ = writeln!(
            out,
            "::{level} {}::{}",
            props.join(","),
            gh_data(&format!("{}\n{}", f.message, details(f)))
        );
    }
    let _ = writeln!(
        out,
        "::notice title=mailctl check-dns::{} checks: {} passed, {} failed, {} warnings, {} lookups failed",
        summary.checks, summary.passed, summary.failed, summary.warnings, summary.lookup_failures
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dns::RecordType;

    fn finding(status: Status) -> Finding {
        Finding {
            domain: "example.com".into(),
            name: "_dmarc.example.com".into(),
            rtype: RecordType::TXT,
            check: "dmarc-policy",
            status,
            severity: status.severity(),
            message: "DMARC policy is p=none, the spec says p=reject".into(),
            expected: "p=reject".into(),
            found: "p=none <&>".into(),
            hint: Some("publish it".into()),
            spec: None,
        }
    }

    #[test]
    fn junit_escapes_and_counts() {
        let text = junit(&[finding(Status::Fail), finding(Status::Pass)], false);
        assert!(text.contains("tests=\"2\" failures=\"1\" errors=\"0\""));
        assert!(text.contains("p=none &lt;&amp;&gt;"));
        assert!(text.contains("<testcase classname=\"check-dns.example.com\" name=\"dmarc-policy _dmarc.example.com TXT\"/>"));
    }

    #[test]
    fn github_commands_escape_newlines_and_properties() {
        let s = Summary::of(&[finding(Status::Fail)], 1);
        let text = github(&[finding(Status::Fail)], &s);
        let first = text.lines().next().unwrap();
        assert!(first.starts_with(
            "::error title=check-dns dmarc-policy _dmarc.example.com TXT::DMARC policy"
        ));
        assert!(first.contains("%0Aexpected: p=reject%0Afound:    p=none"));
    }
}
