//! `mailctl passwd ADDRESS`: ask for a mailbox's new password (twice, without
//! echo, or one line on stdin), hash it, and store only the hash in the
//! spec's passwords file. Neither the password nor the hash is printed.

use std::io::BufRead;

use anyhow::{Context, Result, bail};
use zeroize::Zeroizing;

use crate::cli::{GlobalArgs, PasswdArgs};
use crate::dovecot::password;
use crate::exit::Exit;
use crate::output::Output;

pub fn run(global: &GlobalArgs, args: &PasswdArgs, output: &Output) -> Result<Exit> {
    let path = super::spec_path(global.spec.as_deref())?;
    let mut timer = super::Timer::new(output);
    let spec = super::load_spec(&path, output, &mut timer).context("no password was set")?;

    let address = args.address.trim().to_ascii_lowercase();
    let (local, domain) = address.rsplit_once('@').unwrap_or(("", ""));
    let Some(hosted) = spec.domains.iter().find(|d| d.name == domain) else {
        bail!(
            "`{}` is not in a domain of the spec; give a mailbox address such as `alice@{}`",
            args.address,
            spec.domains
                .first()
                .map_or("example.com", |d| d.name.as_str())
        );
    };
    let Some(mailbox) = hosted.mailboxes.iter().find(|m| m.local == local) else {
        let suggestion = crate::spec::diagnostic::suggest(
            local,
            hosted.mailboxes.iter().map(|m| m.local.as_str()),
        );
        match suggestion {
            Some(s) => {
                bail!("`{address}` is not a mailbox in the spec; did you mean `{s}@{domain}`?")
            }
            None => bail!(
                "`{address}` is not a mailbox in the spec; only mailboxes log in (aliases deliver to them)"
            ),
        }
    };
    let Some(file) = &spec.dovecot.passwords_file else {
        bail!(
            "the spec names no passwords file; add `passwords_file = \"passwords\"` (relative to the spec) under `[dovecot]`, then run this again"
        );
    };

    let new_password = if args.stdin {
        read_stdin()?
    } else {
        prompt(&address)?
    };
    if new_password.is_empty() {
        bail!("the password is empty; nothing was changed");
    }
    let hash = Zeroizing::new(password::hash(&new_password));
    password::set(file, &address, &hash).context("no password was set")?;
    output.status(&format!(
        "set the password of {address} in {} (mode 0600)",
        file.display()
    ));
    if mailbox.password_hash.is_some() {
        output.warning(&format!(
            "the spec also has a `password_hash` for {address}; the one in {} takes precedence",
            file.display()
        ));
    }
    output.status("run `mailctl render` to update Dovecot's password database");
    Ok(Exit::Success)
}

/// One line from stdin, without its line ending.
fn read_stdin() -> Result<Zeroizing<String>> {
    let mut line = Zeroizing::new(String::new());
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    let trimmed = line.trim_end_matches(['\n', '\r']).len();
    line.truncate(trimmed);
    Ok(line)
}

/// Ask twice on the terminal, without echo.
fn prompt(address: &str) -> Result<Zeroizing<String>> {
    let first = Zeroizing::new(
        rpassword::prompt_password(format!("New password for {address}: "))
            .context("cannot read the password from the terminal (use --stdin without one)")?,
    );
    let second = Zeroizing::new(
        rpassword::prompt_password("Again: ")
            .context("cannot read the password from the terminal")?,
    );
    if first != second {
        bail!("the passwords do not match; nothing was changed");
    }
    Ok(first)
}
