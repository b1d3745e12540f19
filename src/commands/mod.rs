//! One module per subcommand: each turns its arguments into calls into the
//! library and reports through `Output`. `anyhow` lives here and in `main`.

pub mod cert;
pub mod check_dns;
pub mod client_config;
pub mod completions;
pub mod dkim;
pub mod dns;
pub mod init;
pub mod lint;
pub mod passwd;
pub mod render;
pub mod validate;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::cli::{Cli, Command};
use crate::exit::Exit;
use crate::output::Output;

/// Run the parsed command line.
pub fn run(cli: Cli, output: &Output) -> Result<Exit> {
    match cli.command {
        Command::Validate(args) => validate::run(&cli.global, &args, output),
        Command::Render(args) => render::run(&cli.global, &args, output),
        Command::Lint(args) => lint::run(&args, output),
        Command::Dns(args) => dns::run(&cli.global, &args, output),
        Command::Dkim(args) => dkim::run(&cli.global, &args, output),
        Command::Cert(args) => cert::run(&cli.global, &args, output),
        Command::CheckDns(args) => check_dns::run(&cli.global, &args, output),
        Command::Passwd(args) => passwd::run(&cli.global, &args, output),
        Command::ClientConfig(args) => client_config::run(&cli.global, &args, output),
        Command::Init(args) => init::run(&args, output),
        Command::Completions(args) => completions::run(&args, output),
        Command::GenerateMan(args) => completions::run_man(&args, output),
    }
}

/// The spec path: `--spec` or `MAILCTL_SPEC`, else `./mailctl.toml`, else
/// `/etc/mailctl/mailctl.toml`.
pub fn spec_path(given: Option<&Path>) -> Result<PathBuf> {
    if let Some(path) = given {
        return Ok(path.to_path_buf());
    }
    for candidate in ["mailctl.toml", "/etc/mailctl/mailctl.toml"] {
        if Path::new(candidate).exists() {
            return Ok(PathBuf::from(candidate));
        }
    }
    bail!(
        "no spec found: there is no ./mailctl.toml or /etc/mailctl/mailctl.toml; pass --spec PATH (or set MAILCTL_SPEC), or create one with `mailctl init`"
    )
}

/// Times the phases of a command for `--verbose`.
pub struct Timer<'a> {
    output: &'a Output,
    last: Instant,
}

impl<'a> Timer<'a> {
    pub fn new(output: &'a Output) -> Self {
        Timer {
            output,
            last: Instant::now(),
        }
    }

    pub fn lap(&mut self, what: &str) {
        let now = Instant::now();
        self.output.verbose(&format!(
            "{what}: {:.1} ms",
            (now - self.last).as_secs_f64() * 1000.0
        ));
        self.last = now;
    }
}

/// Turn transparent huge pages off for the rest of this process, for the
/// commands that hold a large spec in memory (`render`, `validate`).
///
/// mimalloc asks the kernel for huge pages. A large spec touches half a
/// gigabyte, and the kernel zeroes every 2 MiB page on first touch and, on a
/// busy machine, compacts memory to find them: more system time, and a
/// higher peak RSS, than 4 KiB pages cost (bench/README.md; `validate` of a
/// million aliases spent 46% of its cycles zeroing them). The setting is
/// inherited by child processes, so it is not made for commands that run
/// user hooks (`cert`); the children of `render` and `validate` are short
/// tools (`postmap`, `postfix reload`, `doveconf -n`, `opendkim -n`). Best
/// effort: it only tunes.
pub fn without_huge_pages() {
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}

/// What `check_spec` does with the spec as parsed once it is validated.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum AfterValidation {
    /// Leave it to the exit. A large spec is millions of small allocations
    /// made on the parse threads: freeing them one by one from this thread
    /// took longer than rendering every map, and `render`'s peak memory is
    /// reached during validation anyway.
    LeaveParsedToExit,
    /// Free it now: `validate` reaches its peak later, while it renders and
    /// lints, and freeing first lowers that peak at about the same time.
    FreeParsed,
}

/// Read, parse and validate the spec, timing each step (`-v`).
pub fn check_spec(
    path: &Path,
    timer: &mut Timer,
    after: AfterValidation,
) -> Result<crate::spec::LoadedSpec, crate::spec::SpecError> {
    let file = crate::spec::read(path)?;
    timer.lap("read spec");
    let parsed = crate::spec::parse(&file)?;
    timer.lap("parse spec");
    let checked = crate::spec::check(&file, &parsed);
    match after {
        AfterValidation::LeaveParsedToExit => std::mem::forget(parsed),
        AfterValidation::FreeParsed => drop(parsed),
    }
    timer.lap("validate spec");
    checked
}

/// Load and validate the spec, printing its diagnostics. Invalid specs are
/// an error (exit 2) for every command but `validate`.
pub fn load_spec(path: &Path, output: &Output, timer: &mut Timer) -> Result<crate::spec::Spec> {
    match check_spec(path, timer, AfterValidation::LeaveParsedToExit) {
        Ok(loaded) => {
            output.diagnostics(&loaded.warnings);
            Ok(loaded.spec)
        }
        Err(error) => {
            if let crate::spec::SpecError::Invalid { diagnostics, .. } = &error {
                output.diagnostics(diagnostics);
            }
            Err(error).context("nothing was written")
        }
    }
}
