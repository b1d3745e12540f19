//! `mailctl render`: write the Postfix files (and `OpenDKIM`'s tables and the
//! MTA-STS policies the spec asks for), or show what would change.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use serde::Serialize;

use crate::cli::{GlobalArgs, RenderArgs, ReportFormat};
use crate::exit::Exit;
use crate::output::Output;
use crate::postfix::tools::PostfixTools;
use crate::render::apply::{self, ApplyOptions, Change};
use crate::render::{RenderedFile, Target};

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
    super::without_huge_pages();
    let path = super::spec_path(global.spec.as_deref())?;
    let mut timer = super::Timer::new(output);
    let spec = super::load_spec(&path, output, &mut timer)?;
    let dir = Target::Postfix.dir(&spec, args.out.as_deref());

    // Phases of a large spec: render, compare with disk, write and postmap.
    let progress = output.progress(3, "render", args.format == ReportFormat::Json);
    progress.message("rendering the files");
    let files =
        crate::render::render(&spec, args.templates.as_deref()).context("nothing was written")?;
    timer.lap("render");
    progress.advance(1);
    progress.suspend(|| {
        warn_about_missing_keys(&spec, *output);
        warn_about_missing_certificate(&spec, *output);
    });
    progress.message("comparing with the files on disk");
    // One plan per directory, committed together; Postfix's last.
    let mut groups: BTreeMap<Target, Vec<RenderedFile>> = BTreeMap::new();
    for file in files {
        groups.entry(file.target.clone()).or_default().push(file);
    }
    // One run writes at a time: the lock is held from before the files on
    // disk are compared (a run that waited compares with what the other run
    // wrote) until every rename is done. `--check` and `--diff` take none.
    let lock = if args.check || args.diff {
        None
    } else {
        Some(apply::lock(
            &dir,
            std::time::Duration::from_secs(args.lock_timeout),
        )?)
    };
    let mut plans = Vec::with_capacity(groups.len());
    for (target, files) in groups.into_iter().rev() {
        plans.push((
            target.clone(),
            apply::plan(&target.dir(&spec, args.out.as_deref()), files)?,
        ));
    }
    timer.lap("compare with disk");
    progress.advance(1);
    let changed = plans.iter().any(|(_, plan)| plan.has_changes());

    let mode = if args.diff {
        "diff"
    } else if args.check {
        "check"
    } else {
        "write"
    };
    let mut applied: Option<apply::ApplyReport> = None;
    let mut reloaded = false;
    if args.diff {
        progress.finish();
        if args.format == ReportFormat::Text {
            let diff: String = plans.iter().map(|(_, plan)| plan.diff()).collect();
            output.stdout(&diff);
        }
    } else if !args.check {
        progress.message("writing the files and compiling the lookup tables");
        let tools = if args.no_postmap {
            None
        } else {
            PostfixTools::find()
        };
        if tools.is_none() && !args.no_postmap {
            progress.suspend(|| output.warning("postmap not found: the lookup tables were written but not compiled; install Postfix or run postmap yourself"));
        }
        // Stage every directory first, then rename everything: a failure in
        // one directory leaves every directory as it was.
        let mut staged = Vec::with_capacity(plans.len());
        for (target, plan) in &plans {
            let postfix = if *target == Target::Postfix {
                tools.as_ref()
            } else {
                None
            };
            staged.push(apply::stage(
                plan,
                ApplyOptions {
                    map_type: spec.postfix.map_type,
                    postfix,
                },
            )?);
        }
        let report = apply::commit(staged)?;
        drop(lock);
        timer.lap("write and postmap");
        progress.finish();
        let postfix_changed = plans
            .iter()
            .any(|(t, plan)| *t == Target::Postfix && plan.has_changes());
        if args.reload && postfix_changed {
            let tools = PostfixTools::find()
                .ok_or(crate::postfix::tools::ToolError::Missing { program: "postmap" })?;
            tools
                .reload(&dir)
                .context("the new files are in place, but Postfix did not reload")?;
            reloaded = true;
        }
        applied = Some(report);
    }
    progress.finish();

    let files: Vec<FileReport> = plans
        .iter()
        .flat_map(|(_, plan)| &plan.files)
        .map(|f| FileReport {
            name: f.file.name,
            path: f.path.display().to_string(),
            change: f.change,
        })
        .collect();
    match args.format {
        ReportFormat::Json => output.json(&Report {
            dir: dir.display().to_string(),
            mode,
            changed,
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
                output.status(&format!(
                    "compiled the lookup tables {}",
                    report.compiled.join(", ")
                ));
            }
            if !changed {
                output.status(&format!("{} is up to date", dir.display()));
            }
            if reloaded {
                output.status("reloaded Postfix");
            }
        }
    }
    // The model of a large spec is millions of small allocations, made on
    // the validation threads; freeing them one by one just before the
    // process exits is wasted work (6 % of a 100k-alias run's instructions),
    // and the kernel takes the memory back at exit anyway.
    std::mem::forget(spec);
    Ok(if args.check && changed {
        Exit::Problems
    } else {
        Exit::Success
    })
}

/// The rendered files name the certificate; without it Postfix offers no
/// STARTTLS (and refuses submission and submissions, which need TLS), and
/// Dovecot does not start. Rendering first is normal on a new server, so
/// this is a warning that says what to do.
fn warn_about_missing_certificate(spec: &crate::spec::Spec, output: Output) {
    let tls = &spec.tls;
    let missing: Vec<&str> = [&tls.cert_file, &tls.key_file]
        .into_iter()
        .filter(|file| !std::path::Path::new(file).exists())
        .map(String::as_str)
        .collect();
    if missing.is_empty() {
        return;
    }
    let fix = if spec.acme.is_some() {
        "run `mailctl cert issue`"
    } else {
        "add `[acme]` and run `mailctl cert issue`, or point `[tls] cert_file` and `key_file` at your certificate"
    };
    output.warning(&format!(
        "no TLS certificate yet ({} missing): Postfix offers no STARTTLS and refuses submission, and Dovecot does not start; {fix}",
        missing.join(" and ")
    ));
}

/// `OpenDKIM` cannot sign for a domain whose key does not exist yet. One line
/// per domain for a few, a count for many.
fn warn_about_missing_keys(spec: &crate::spec::Spec, output: Output) {
    let keys = crate::dkim::keys(spec);
    let missing: Vec<_> = keys
        .iter()
        .filter(|k| k.signing && !k.path.exists())
        .collect();
    match missing.as_slice() {
        [] => {}
        few @ [_, ..] if few.len() <= 3 => {
            for key in few {
                output.warning(&format!(
                    "no DKIM key for {} (selector `{}`) at {}: OpenDKIM cannot sign its mail until `mailctl dkim keygen` creates it",
                    key.domain,
                    key.selector,
                    key.path.display()
                ));
            }
        }
        many => output.warning(&format!(
            "no DKIM key for {} domains ({}, ...) under {}: OpenDKIM cannot sign their mail until `mailctl dkim keygen` creates them",
            many.len(),
            many.iter().take(3).map(|k| k.domain.as_str()).collect::<Vec<_>>().join(", "),
            spec.dkim.key_dir.display()
        )),
    }
}
