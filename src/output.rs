//! The only place that prints. Reports go to stdout (text or JSON); messages,
//! diagnostics and progress go to stderr. Colour only on a terminal, never
//! with `NO_COLOR`, unless `--color always`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::fmt::Write as _;
use std::io::{self, IsTerminal, Write};

use crate::cli::{ColorChoice, GlobalArgs};
use crate::spec::{Diagnostic, Severity};

#[derive(Debug, Clone, Copy)]
pub struct Output {
    color: bool,
    quiet: bool,
    verbose: bool,
}

#[derive(Clone, Copy)]
enum Style {
    Error,
    Warning,
    Help,
    Dim,
    Bold,
}

impl Output {
    pub fn new(args: &GlobalArgs) -> Self {
        let color = match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && io::stderr().is_terminal()
            }
        };
        Output {
            color,
            quiet: args.quiet,
            verbose: args.verbose,
        }
    }

    fn paint(self, style: Style, text: &str) -> String {
        if !self.color {
            return text.to_owned();
        }
        let code = match style {
            Style::Error => "1;31",
            Style::Warning => "1;33",
            Style::Help => "1;36",
            Style::Dim => "2",
            Style::Bold => "1",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }

    /// A report on stdout. A closed pipe (`| head`) ends quietly.
    pub fn stdout(&self, text: &str) {
        let mut out = io::stdout().lock();
        if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush())
            && e.kind() == io::ErrorKind::BrokenPipe
        {
            std::process::exit(0);
        }
    }

    /// A JSON report on stdout, one document, pretty-printed.
    pub fn json(&self, value: &impl serde::Serialize) {
        let mut text = serde_json::to_string_pretty(value).expect("reports serialise");
        text.push('\n');
        self.stdout(&text);
    }

    /// A progress or result line on stderr; hidden with `--quiet`.
    pub fn status(&self, text: &str) {
        if !self.quiet {
            eprintln!("{text}");
        }
    }

    /// Detail for `--verbose` only.
    pub fn verbose(&self, text: &str) {
        if self.verbose {
            eprintln!("{}", self.paint(Style::Dim, text));
        }
    }

    pub fn warning(&self, text: &str) {
        if !self.quiet {
            eprintln!("{}: {text}", self.paint(Style::Warning, "warning"));
        }
    }

    /// An error and its causes, then any hint.
    pub fn error(&self, error: &anyhow::Error) {
        let mut text = format!("{}: {error}", self.paint(Style::Error, "error"));
        for cause in error.chain().skip(1) {
            let _ = write!(text, "\n  {} {cause}", self.paint(Style::Dim, "caused by:"));
        }
        eprintln!("{text}");
    }

    /// Diagnostics in the compiler style: message, location, the line with a
    /// caret, key, expectation, suggestion. Warnings are hidden with `--quiet`.
    pub fn diagnostics(&self, diagnostics: &[Diagnostic]) {
        let mut text = String::new();
        for d in diagnostics {
            if self.quiet && d.severity == Severity::Warning {
                continue;
            }
            self.format_diagnostic(&mut text, d);
        }
        eprint!("{text}");
    }

    pub fn format_diagnostic(&self, out: &mut String, d: &Diagnostic) {
        let style = match d.severity {
            Severity::Error => Style::Error,
            Severity::Warning => Style::Warning,
        };
        let label = self.paint(style, &format!("{}[{}]", d.severity.name(), d.code));
        let _ = writeln!(out, "{label}: {}", self.paint(Style::Bold, &d.message));
        let gutter;
        if let Some(at) = &d.location {
            let number = at.line.to_string();
            gutter = " ".repeat(number.len());
            let bar = self.paint(Style::Dim, "|");
            let _ = writeln!(
                out,
                "{gutter}{} {}:{}:{}",
                self.paint(Style::Dim, "-->"),
                at.file.display(),
                at.line,
                at.column
            );
            let _ = writeln!(out, "{gutter} {bar}");
            let shown: String = at
                .line_text
                .chars()
                .map(|c| if c.is_control() && c != '\t' { '\u{fffd}' } else { c })
                .collect();
            let _ = writeln!(out, "{} {bar} {shown}", self.paint(Style::Dim, &number));
            let pad: String = at
                .line_text
                .chars()
                .take(at.column - 1)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let carets = self.paint(style, &"^".repeat(at.width));
            let _ = writeln!(out, "{gutter} {bar} {pad}{carets}");
        } else {
            gutter = String::new();
        }
        if let Some(key) = &d.key {
            let _ = writeln!(out, "{gutter} = key: {key}");
        }
        if let Some(expected) = &d.expected {
            let _ = writeln!(out, "{gutter} = expected: {expected}");
        }
        if let Some(help) = &d.help {
            let _ = writeln!(out, "{}: {help}", self.paint(Style::Help, "help"));
        }
        out.push('\n');
    }

    /// Lint findings on stdout, grouped per file: `file:line: severity[code]:
    /// message`, then `help:`. Warnings are hidden with `--quiet`.
    pub fn lint_findings(&self, findings: &[Diagnostic]) {
        let mut text = String::new();
        let mut current: Option<&std::path::Path> = None;
        for d in findings {
            if self.quiet && d.severity == Severity::Warning {
                continue;
            }
            let file = d.location.as_ref().map(|l| l.file.as_path());
            if current.is_some() && current != file {
                text.push('\n');
            }
            current = file;
            let style = if d.is_error() { Style::Error } else { Style::Warning };
            let place = d
                .location
                .as_ref()
                .map(|l| format!("{}:{}: ", l.file.display(), l.line))
                .unwrap_or_default();
            let label = self.paint(style, &format!("{}[{}]", d.severity.name(), d.code));
            let _ = writeln!(text, "{}{label}: {}", self.paint(Style::Bold, &place), d.message);
            if let Some(help) = &d.help {
                let _ = writeln!(text, "  {}: {help}", self.paint(Style::Help, "help"));
            }
        }
        self.stdout(&text);
    }

    /// The `check-dns` text report on stdout: per zone, one line per check
    /// (`✓` pass, `✗` fail, `!` warning, `?` lookup failed), expected and
    /// found under each that did not pass, then the summary. `--quiet` shows
    /// only the checks that did not pass.
    pub fn check_dns_text(&self, findings: &[crate::check::Finding], summary: &crate::check::Summary) {
        use crate::check::Status;
        let mut text = String::new();
        let mut zone: Option<&str> = None;
        for f in findings {
            if self.quiet && f.status == Status::Pass {
                continue;
            }
            if zone != Some(f.domain.as_str()) {
                if zone.is_some() {
                    text.push('\n');
                }
                let _ = writeln!(text, "{}", self.paint(Style::Bold, &f.domain));
                zone = Some(&f.domain);
            }
            let (mark, style) = match f.status {
                Status::Pass => ("✓", Style::Dim),
                Status::Fail => ("✗", Style::Error),
                Status::Warning => ("!", Style::Warning),
                Status::LookupFailed => ("?", Style::Error),
            };
            let _ = writeln!(
                text,
                "  {} {} {}",
                self.paint(style, mark),
                self.paint(Style::Dim, &format!("[{}]", f.check)),
                f.message
            );
            if f.status != Status::Pass {
                let _ = writeln!(text, "      expected: {}", f.expected);
                let _ = writeln!(text, "      found:    {}", f.found);
                if let Some(hint) = &f.hint {
                    let _ = writeln!(text, "      {}: {hint}", self.paint(Style::Help, "hint"));
                }
                if let Some(at) = &f.spec {
                    let _ = writeln!(text, "      spec:     {}:{}:{}", at.file.display(), at.line, at.column);
                }
            }
        }
        if !text.is_empty() {
            text.push('\n');
        }
        let _ = writeln!(
            text,
            "{} checks: {} passed, {} failed, {} warnings, {} lookups failed ({} queries)",
            summary.checks, summary.passed, summary.failed, summary.warnings, summary.lookup_failures, summary.queries_sent
        );
        self.stdout(&text);
    }
}
