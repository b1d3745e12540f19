//! mailctl: run a self-hosted mail domain from one declarative TOML spec.
//!
//! The library does the work; `main.rs` only parses the command line and
//! maps the result to an exit code.
//!
//! - `spec`: reading and validating `mailctl.toml` into a model
//! - `render`: the Postfix files from the model, and writing them safely
//! - `postfix`: Postfix's own programs
//! - `dns`, `dkim`: the DNS records a spec needs, and the DKIM keys behind them
//! - `client`: the settings mail clients need, and Thunderbird autoconfig
//! - `dovecot`: Dovecot's configuration and the mailbox login hashes
//! - `check`: `check-dns`, live DNS compared with those records
//! - `acme`: ACME certificates, their store and renewal
//! - `wizard`: `mailctl init`'s questions, and the spec text they become
//! - `cli`, `commands`, `output`, `exit`: the command-line front end

pub mod acme;
pub mod check;
pub mod cli;
pub mod client;
pub mod commands;
pub mod dkim;
pub mod dns;
pub mod dovecot;
pub mod exit;
pub mod output;
pub mod postfix;
pub mod render;
pub mod spec;
pub mod wizard;
pub mod xml;

use clap::Parser;

/// Parse the command line, run the command, print any error, and return the
/// exit code.
pub fn run() -> exit::Exit {
    let cli = cli::Cli::parse();
    let output = output::Output::new(&cli.global);
    match commands::run(cli, &output) {
        Ok(code) => code,
        Err(error) => {
            output.error(&error);
            exit::classify(&error)
        }
    }
}
