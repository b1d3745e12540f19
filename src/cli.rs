//! The command line, as clap sees it: the global flags and one `*Args`
//! struct per command. No behaviour here; `commands/` does the work.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXIT_CODES: &str = "\
Exit codes:
  0  success; for checking commands, nothing to report at error level
  1  a checking command found problems (validate, lint, check-dns, render --check)
  2  usage error, or the spec or input is invalid
  3  the environment failed: I/O error, a required program missing or failing";

#[derive(Debug, Parser)]
#[command(
    name = "mailctl",
    version,
    about = "Run a self-hosted mail domain from one declarative TOML spec",
    long_about = "Run a self-hosted mail domain from one declarative TOML spec.\n\n\
        mailctl reads mailctl.toml (the spec) and renders the Postfix configuration \
        from it, checking every value on the way.",
    after_help = EXIT_CODES,
    after_long_help = EXIT_CODES,
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]
    #[arg(long, global = true, env = "MAILCTL_SPEC", value_name = "PATH")]
    pub spec: Option<PathBuf>,

    /// When to colour output
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// Print only errors
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print more: what was done and how long each step took
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stderr is a terminal and NO_COLOR is not set
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ReportFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the spec: syntax, schema, every value and the rules across values
    #[command(
        long_about = "Check the spec: TOML syntax, unknown keys (with suggestions), every value \
            for the file it ends up in, and the rules across values (duplicates, alias targets, \
            alias loops, the host name against the domains). Then render the Postfix files in \
            memory. All problems are reported in one run, with file, line and column.",
        after_help = "Examples:\n  mailctl validate\n  mailctl validate --spec examples/multi-domain.toml\n  mailctl validate --format json | jq '.diagnostics[] | .message'"
    )]
    Validate(ValidateArgs),

    /// Write main.cf, master.cf and the lookup tables, atomically
    #[command(
        long_about = "Render the Postfix configuration from the spec and write it atomically: \
            every changed file is staged and synced, the lookup tables are compiled with \
            postmap, and only then is each file renamed into place (the previous version is \
            kept under .mailctl-backup/). If anything fails, the previous files stay as they \
            were. A second run with the same spec changes nothing.",
        after_help = "Examples:\n  mailctl render --diff                 # what would change, writes nothing\n  mailctl render --check                # exit 1 if anything would change (for CI)\n  mailctl render --out out/ --no-postmap\n  mailctl render --reload               # write, then `postfix reload`"
    )]
    Render(RenderArgs),
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    pub format: ReportFormat,

    /// Use templates from this directory instead of the built-in ones
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Directory to write to [default: the spec's postfix.config_dir, /etc/postfix]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Print a unified diff against the files on disk; write nothing
    #[arg(long, conflicts_with_all = ["check", "reload"])]
    pub diff: bool,

    /// Write nothing; exit 1 if any file would change
    #[arg(long, conflicts_with = "reload")]
    pub check: bool,

    /// Do not compile the lookup tables with postmap
    #[arg(long)]
    pub no_postmap: bool,

    /// Run `postfix reload` after writing changed files
    #[arg(long)]
    pub reload: bool,

    /// Use templates from this directory instead of the built-in ones
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,

    /// Output format
    #[arg(long, value_enum, default_value_t)]
    pub format: ReportFormat,
}
