//! `mailctl completions SHELL` and the hidden `mailctl generate-man DIR`:
//! completion scripts and man pages come from the binary's own clap
//! definition, so they cannot describe another CLI than the one installed.
//! The copies committed under `completions/` and `man/` are refreshed by
//! `scripts/refresh-generated.sh`, and a test fails when they are stale.

use std::path::Path;

use anyhow::{Context, Result};
use clap::CommandFactory;
use clap_complete::Shell as Generator;
use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, roman};

use crate::cli::{Cli, CompletionsArgs, EXIT_CODES, GenerateManArgs, Shell};
use crate::exit::Exit;
use crate::output::Output;

/// Every shell, with the file name its script is committed under.
pub const SHELLS: [(Shell, &str); 5] = [
    (Shell::Bash, "mailctl.bash"),
    (Shell::Zsh, "_mailctl"),
    (Shell::Fish, "mailctl.fish"),
    (Shell::Elvish, "mailctl.elv"),
    (Shell::PowerShell, "_mailctl.ps1"),
];

pub fn run(args: &CompletionsArgs, output: &Output) -> Result<Exit> {
    output.stdout(&script(args.shell));
    Ok(Exit::Success)
}

pub fn run_man(args: &GenerateManArgs, output: &Output) -> Result<Exit> {
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create `{}`", args.dir.display()))?;
    for (name, page) in man_pages() {
        let path = args.dir.join(&name);
        write(&path, page.as_bytes())?;
        output.verbose(&format!("wrote {}", path.display()));
    }
    Ok(Exit::Success)
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("cannot write `{}`", path.display()))
}

/// The completion script for `shell`.
pub fn script(shell: Shell) -> String {
    let generator = match shell {
        Shell::Bash => Generator::Bash,
        Shell::Zsh => Generator::Zsh,
        Shell::Fish => Generator::Fish,
        Shell::Elvish => Generator::Elvish,
        Shell::PowerShell => Generator::PowerShell,
    };
    let mut command = Cli::command();
    let mut bytes = Vec::new();
    clap_complete::generate(generator, &mut command, "mailctl", &mut bytes);
    String::from_utf8(bytes).expect("completion scripts are UTF-8")
}

/// Every man page, as (file name, roff text): `mailctl.1`, then one page per
/// visible subcommand (`mailctl-cert-issue.1`, ...), sorted by name.
pub fn man_pages() -> Vec<(String, String)> {
    let mut root = Cli::command().disable_help_subcommand(true);
    root.build();
    let mut pages = Vec::new();
    collect(&root, true, &mut pages);
    pages.sort();
    pages
}

fn collect(command: &clap::Command, top: bool, pages: &mut Vec<(String, String)>) {
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        collect(sub, false, pages);
    }
    let man = Man::new(command.clone());
    let mut page = Vec::new();
    render(&man, command, top, &mut page).expect("writing to memory cannot fail");
    pages.push((
        man.get_filename(),
        String::from_utf8(page).expect("roff is UTF-8"),
    ));
}

/// `clap_mangen`'s sections, then the examples (the command's `after_help`,
/// kept line by line) and the exit status from `cli::EXIT_CODES`, the same
/// text `mailctl --help` shows.
fn render(man: &Man, command: &clap::Command, top: bool, w: &mut Vec<u8>) -> std::io::Result<()> {
    man.render_title(w)?;
    man.render_name_section(w)?;
    man.render_synopsis_section(w)?;
    man.render_description_section(w)?;
    if command.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(w)?;
    }
    if command.get_subcommands().any(|s| !s.is_hide_set()) {
        man.render_subcommands_section(w)?;
    }
    let mut roff = Roff::new();
    let extra = command
        .get_after_long_help()
        .or_else(|| command.get_after_help())
        .map(ToString::to_string)
        .filter(|text| !top || text != EXIT_CODES);
    if let Some(text) = extra {
        let (heading, body) = match text.strip_prefix("Examples:\n") {
            Some(body) => ("EXAMPLES", body.to_owned()),
            None => ("NOTES", text.clone()),
        };
        roff.control("SH", [heading]);
        roff.control("nf", []);
        for line in body.lines() {
            roff.text([roman(line)]);
        }
        roff.control("fi", []);
    }
    roff.control("SH", ["EXIT STATUS"]);
    let mut codes = EXIT_CODES.lines().skip(1).peekable();
    while let Some(line) = codes.next() {
        let (code, meaning) = line.trim().split_once("  ").unwrap_or(("", line));
        let mut meaning = meaning.trim().to_owned();
        // Continuation lines are indented past the code.
        while let Some(next) = codes.peek() {
            if next.trim_start().starts_with(|c: char| c.is_ascii_digit()) {
                break;
            }
            meaning.push(' ');
            meaning.push_str(next.trim());
            codes.next();
        }
        roff.control("TP", []);
        roff.text([bold(code)]);
        roff.text([roman(meaning)]);
    }
    if !top {
        roff.control("SH", ["SEE ALSO"]);
        roff.text([bold("mailctl"), roman("(1)")]);
    }
    roff.to_writer(w)?;
    if command.get_version().is_some() {
        man.render_version_section(w)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn man_pages_carry_the_exit_codes_and_examples() {
        let pages = man_pages();
        let names: Vec<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
        for name in [
            "mailctl.1",
            "mailctl-init.1",
            "mailctl-dkim-keygen.1",
            "mailctl-cert-issue.1",
            "mailctl-completions.1",
        ] {
            assert!(names.contains(&name), "{name} missing from {names:?}");
        }
        assert!(
            !names
                .iter()
                .any(|n| n.contains("generate-man") || n.contains("help")),
            "{names:?}"
        );
        let top = &pages.iter().find(|(n, _)| n == "mailctl.1").unwrap().1;
        assert!(
            top.contains(".SH \"EXIT STATUS\"") || top.contains(".SH EXIT STATUS"),
            "{top}"
        );
        assert!(top.contains("ACME server error"), "{top}");
        let init = &pages.iter().find(|(n, _)| n == "mailctl-init.1").unwrap().1;
        assert!(init.contains(".SH EXAMPLES"), "{init}");
        assert!(init.contains("non\\-interactive"), "{init}");
    }

    /// Help that teaches: every command has a short and a long description
    /// and at least two examples.
    #[test]
    fn every_command_has_help_and_examples() {
        fn visit(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for sub in command
                .get_subcommands()
                .filter(|s| !s.is_hide_set() && s.get_name() != "help")
            {
                let path = format!("{path} {}", sub.get_name());
                if sub.get_about().is_none() || sub.get_long_about().is_none() {
                    missing.push(format!("{path}: no short or long description"));
                }
                let examples = sub
                    .get_after_help()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                let count = examples.strip_prefix("Examples:\n").map_or(0, |e| {
                    e.lines()
                        .filter(|l| {
                            l.trim_start().starts_with("mailctl")
                                || l.trim_start().starts_with("printf")
                        })
                        .count()
                });
                if count < 2 && sub.get_subcommands().next().is_none() {
                    missing.push(format!("{path}: {count} examples"));
                }
                visit(sub, &path, missing);
            }
        }
        let mut missing = Vec::new();
        visit(&Cli::command(), "mailctl", &mut missing);
        assert!(missing.is_empty(), "{missing:#?}");
    }

    #[test]
    fn every_shell_has_a_script() {
        for (shell, _) in SHELLS {
            assert!(script(shell).contains("mailctl"), "{shell:?}");
        }
    }
}
