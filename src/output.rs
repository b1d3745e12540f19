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
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && io::stderr().is_terminal()
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
        // A message may end in `help:` lines (the fix); they print after the
        // causes, with the same prefix as every other command's help.
        let message = error.to_string();
        let (first, helps) = split_help(&message);
        let mut text = format!("{}: {first}", self.paint(Style::Error, "error"));
        let mut helps = helps;
        for cause in error.chain().skip(1) {
            let cause = cause.to_string();
            let (cause, more) = split_help(&cause);
            let _ = write!(text, "\n  {} {cause}", self.paint(Style::Dim, "caused by:"));
            helps.extend(more);
        }
        for help in helps {
            let _ = write!(text, "\n{}: {help}", self.paint(Style::Help, "help"));
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
                .map(|c| {
                    if c.is_control() && c != '\t' {
                        '\u{fffd}'
                    } else {
                        c
                    }
                })
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
            let style = if d.is_error() {
                Style::Error
            } else {
                Style::Warning
            };
            let place = d
                .location
                .as_ref()
                .map(|l| format!("{}:{}: ", l.file.display(), l.line))
                .unwrap_or_default();
            let label = self.paint(style, &format!("{}[{}]", d.severity.name(), d.code));
            let _ = writeln!(
                text,
                "{}{label}: {}",
                self.paint(Style::Bold, &place),
                d.message
            );
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
    pub fn check_dns_text(
        &self,
        findings: &[crate::check::Finding],
        summary: &crate::check::Summary,
    ) {
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
                    let _ = writeln!(
                        text,
                        "      spec:     {}:{}:{}",
                        at.file.display(),
                        at.line,
                        at.column
                    );
                }
            }
        }
        if !text.is_empty() {
            text.push('\n');
        }
        let _ = writeln!(
            text,
            "{} checks: {} passed, {} failed, {} warnings, {} lookups failed ({} queries)",
            summary.checks,
            summary.passed,
            summary.failed,
            summary.warnings,
            summary.lookup_failures,
            summary.queries_sent
        );
        self.stdout(&text);
    }

    /// Whether colour is on (the wizard's prompts follow it).
    pub fn color(&self) -> bool {
        self.color
    }

    /// A `help:` line on stderr: what to do about the message before it.
    pub fn help(&self, text: &str) {
        if !self.quiet {
            eprintln!("{}: {text}", self.paint(Style::Help, "help"));
        }
    }

    /// A progress bar on stderr for long work of `total` steps (0: a spinner
    /// for steps of unknown number). It is drawn
    /// only when stderr is a terminal, and never with `--quiet` or when the
    /// report is machine-readable (`machine` = `--format json` and friends),
    /// so it cannot end up in a log or a pipe.
    pub fn progress(&self, total: u64, what: &str, machine: bool) -> Progress {
        if self.quiet || machine || !io::stderr().is_terminal() {
            return Progress { bar: None };
        }
        // `total` 0: steps of unknown number, a spinner and the current one.
        let template = match (total, self.color) {
            (0, true) => "{spinner:.cyan} {prefix:.bold} {elapsed} {wide_msg:.dim}",
            (0, false) => "{spinner} {prefix} {elapsed} {wide_msg}",
            (_, true) => {
                "{spinner:.cyan} {prefix:.bold} [{bar:30.cyan/blue}] {pos}/{len} {wide_msg:.dim}"
            }
            (_, false) => "{spinner} {prefix} [{bar:30}] {pos}/{len} {wide_msg}",
        };
        let style = indicatif::ProgressStyle::with_template(template)
            .expect("a valid template")
            .progress_chars("=> ");
        let length = (total > 0).then_some(total);
        let bar = indicatif::ProgressBar::with_draw_target(
            length,
            indicatif::ProgressDrawTarget::stderr(),
        )
        .with_style(style)
        .with_prefix(what.to_owned());
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        Progress { bar: Some(bar) }
    }
}

/// Split `help:` lines off a message.
fn split_help(message: &str) -> (String, Vec<String>) {
    let mut first = Vec::new();
    let mut helps = Vec::new();
    for line in message.lines() {
        match line.strip_prefix("help: ") {
            Some(help) => helps.push(help.to_owned()),
            None => first.push(line),
        }
    }
    (first.join("\n"), helps)
}

/// A progress bar from `Output::progress`; every method does nothing when
/// the bar is hidden. Dropping it clears the bar.
#[derive(Debug)]
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    /// What is being worked on now.
    pub fn message(&self, text: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(text.to_owned());
        }
    }

    /// `n` more steps are done.
    pub fn advance(&self, n: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(n);
        }
    }

    /// The work is done: clear the bar (again is harmless).
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    /// Print a line above the bar without tearing it.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
