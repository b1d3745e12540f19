//! `mailctl validate`: the spec, then the files it renders, checked.

use anyhow::Result;
use serde::Serialize;

use super::AfterValidation;
use crate::cli::{GlobalArgs, ReportFormat, ValidateArgs};
use crate::exit::Exit;
use crate::output::Output;
use crate::render::{Target, daemon_check};
use crate::spec::{Diagnostic, SpecError};

#[derive(Serialize)]
struct Report<'a> {
    spec: String,
    valid: bool,
    errors: usize,
    warnings: usize,
    diagnostics: &'a [Diagnostic],
}

pub fn run(global: &GlobalArgs, args: &ValidateArgs, output: &Output) -> Result<Exit> {
    super::without_huge_pages();
    let path = super::spec_path(global.spec.as_deref())?;
    let mut timer = super::Timer::new(output);
    let diagnostics = match super::check_spec(&path, &mut timer, AfterValidation::FreeParsed) {
        Ok(loaded) => {
            // Rendering in memory catches template errors too, and linting
            // the rendered files shows a template bug as a finding.
            let files = crate::render::render(&loaded.spec, args.templates.as_deref())?;
            timer.lap("render in memory");
            let rendered: Vec<(&str, &[u8])> = files
                .iter()
                .filter(|f| f.target == Target::Postfix)
                .map(|f| (f.name, f.contents.as_slice()))
                .collect();
            let mut diagnostics = loaded.warnings;
            diagnostics.extend(crate::postfix::lint::lint_rendered(&rendered));
            timer.lap("lint rendered files");
            // Dovecot's and OpenDKIM's own parsers judge their files, when
            // they are installed.
            for (target, check) in [
                (Target::Dovecot, &daemon_check::DOVECONF),
                (Target::OpenDkim, &daemon_check::OPENDKIM),
            ] {
                let Some(file) = files
                    .iter()
                    .find(|f| f.target == target && f.name == check.file_name)
                else {
                    continue;
                };
                match check.run(&file.contents) {
                    Some(problems) => diagnostics.extend(problems),
                    None => output.verbose(&format!(
                        "{} is not installed: the rendered {} was not checked by it",
                        check.program, check.file_name
                    )),
                }
                timer.lap(check.program);
            }
            // The model and the rendered files: millions of small
            // allocations, many made on other threads, which the exit frees
            // faster than `drop` would, and nothing follows that needs the
            // memory.
            std::mem::forget((loaded.spec, files));
            diagnostics
        }
        Err(SpecError::Invalid { diagnostics, .. }) => diagnostics,
        Err(error) => return Err(error.into()),
    };
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    match args.format {
        ReportFormat::Json => output.json(&Report {
            spec: path.display().to_string(),
            valid: errors == 0,
            errors,
            warnings,
            diagnostics: &diagnostics,
        }),
        ReportFormat::Text => {
            output.diagnostics(&diagnostics);
            if errors == 0 {
                output.status(&format!(
                    "{} is valid{}",
                    path.display(),
                    match warnings {
                        0 => String::new(),
                        1 => " (1 warning)".to_owned(),
                        n => format!(" ({n} warnings)"),
                    }
                ));
            } else {
                output.status(&format!(
                    "{} is not valid: {errors} error{}, {warnings} warning{}",
                    path.display(),
                    if errors == 1 { "" } else { "s" },
                    if warnings == 1 { "" } else { "s" }
                ));
            }
        }
    }
    Ok(if errors == 0 {
        Exit::Success
    } else {
        Exit::Problems
    })
}
