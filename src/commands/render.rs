//! `mailctl render`: write the Postfix files, or show what would change.

use anyhow::{Context, Result};
use serde::Serialize;

use crate::cli::{GlobalArgs, RenderArgs, ReportFormat};
use crate::exit::Exit;
use crate::output::Output;
use crate::postfix::tools::PostfixTools;
use crate::render::apply::{self, ApplyOptions, Change};

#[derive(Serialize)]
struct FileReport<'a> {
    name: &'a str,
    path: String,
    change: Change,
}

#[derive(Serialize)]
struct Report<'a> {
    dir: String,
    mode: &'static str,
    changed: bool,
    files: Vec<FileReport<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    applied: Option<apply::ApplyReport>,
    reloaded: bool,
}

pub fn run(global: &GlobalArgs, args: &RenderArgs, output: &Output) -> Result<Exit> {
    let path = super::spec_path(global.spec.as_deref())?;
    let mut timer = super::Timer::new(output);
    let spec = super::load_spec(&path, output, &mut timer)?;
    let dir = args.out.clone().unwrap_or_else(|| spec.postfix.config_dir.clone());

    let files = crate::render::render(&spec, args.templates.as_deref()).context("nothing was written")?;
    timer.lap("render");
    let plan = apply::plan(&dir, files)?;
    timer.lap("compare with disk");

    let mode = if args.diff { "diff" } else if args.check { "check" } else { "write" };
    let mut applied = None;
    let mut reloaded = false;
    if args.diff {
        if args.format == ReportFormat::Text {
            output.stdout(&plan.diff());
        }
    } else if !args.check {
        let tools = if args.no_postmap { None } else { PostfixTools::find() };
        if tools.is_none() && !args.no_postmap {
            output.warning("postmap not found: the lookup tables were written but not compiled; install Postfix or run postmap yourself");
        }
        let report = apply::apply(&plan, ApplyOptions { map_type: spec.postfix.map_type, postfix: tools.as_ref() })?;
        timer.lap("write and postmap");
        if args.reload && !report.written.is_empty() {
            let tools = PostfixTools::find().ok_or(crate::postfix::tools::ToolError::Missing { program: "postmap" })?;
            tools.reload(&dir).context("the new files are in place, but Postfix did not reload")?;
            reloaded = true;
        }
        applied = Some(report);
    }

    let files: Vec<FileReport> = plan
        .files
        .iter()
        .map(|f| FileReport { name: f.file.name, path: f.path.display().to_string(), change: f.change })
        .collect();
    match args.format {
        ReportFormat::Json => output.json(&Report {
            dir: dir.display().to_string(),
            mode,
            changed: plan.has_changes(),
            files,
            applied,
            reloaded,
        }),
        ReportFormat::Text => {
            for f in &files {
                let verb = match (f.change, mode) {
                    (Change::Unchanged, _) => continue,
                    (Change::Created, "write") => "created",
                    (Change::Updated, "write") => "updated",
                    (Change::Created, _) => "would create",
                    (Change::Updated, _) => "would update",
                };
                output.status(&format!("{verb} {}", f.path));
            }
            if let Some(report) = &applied
                && !report.compiled.is_empty()
            {
                output.status(&format!("compiled {} with postmap", report.compiled.join(", ")));
            }
            if !plan.has_changes() {
                output.status(&format!("{} is up to date", dir.display()));
            }
            if reloaded {
                output.status("reloaded Postfix");
            }
        }
    }
    Ok(if args.check && plan.has_changes() { Exit::Problems } else { Exit::Success })
}
