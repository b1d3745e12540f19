//! `mailctl lint PATH...`: check existing Postfix files, no spec needed.

use anyhow::Result;
use serde::Serialize;

use crate::cli::{LintArgs, ReportFormat};
use crate::exit::Exit;
use crate::output::Output;
use crate::postfix::lint;
use crate::spec::Diagnostic;

#[derive(Serialize)]
struct Report<'a> {
    files: Vec<String>,
    errors: usize,
    warnings: usize,
    findings: &'a [Diagnostic],
}

pub fn run(args: &LintArgs, output: &Output) -> Result<Exit> {
    let mut timer = super::Timer::new(output);
    let report = lint::lint_paths(&args.paths)?;
    timer.lap("lint");
    let errors = report.errors();
    let warnings = report.findings.len() - errors;
    match args.format {
        ReportFormat::Json => output.json(&Report {
            files: report
                .files
                .iter()
                .map(|f| f.display().to_string())
                .collect(),
            errors,
            warnings,
            findings: &report.findings,
        }),
        ReportFormat::Text => {
            output.lint_findings(&report.findings);
            let files = report.files.len();
            output.status(&format!(
                "{} file{}: {errors} error{}, {warnings} warning{}",
                files,
                plural(files),
                plural(errors),
                plural(warnings)
            ));
        }
    }
    Ok(if errors == 0 {
        Exit::Success
    } else {
        Exit::Problems
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
