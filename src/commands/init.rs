//! `mailctl init`: the wizard, or `--non-interactive` answers from the
//! flags; both become the same spec text (`wizard::spec_text`), which is
//! validated before it is written, and written only where no file is (unless
//! `--force`).

use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::cli::{InitArgs, InitChallenge, InitDmarcPolicy, InitMtaSts, InitService, KeyAlgorithm};
use crate::exit::Exit;
use crate::output::Output;
use crate::spec::SourceFile;
use crate::spec::dns::{DkimAlgorithm, DmarcPolicy, MtaStsMode};
use crate::spec::raw::Service;
use crate::wizard::answers::{
    self, Answers, ChallengeAnswers, DEFAULT_TSIG_KEY, DEFAULT_TSIG_SECRET_FILE,
};
use crate::wizard::{prompts, spec_text};

pub fn run(args: &InitArgs, output: &Output) -> Result<Exit> {
    let path = args.output.as_path();
    refuse_overwrite(path, args.force)?;
    let answers = if args.non_interactive {
        from_flags(args)?
    } else {
        if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
            bail!(
                "`mailctl init` asks questions, and there is no terminal to ask on\n\
                 help: for scripts and CI, pass the answers as flags: `mailctl init --non-interactive --domain example.com --ipv4 203.0.113.10` (see `mailctl init --help`)"
            );
        }
        let mut found = args.offer_address.clone();
        if found.is_empty() {
            found = prompts::interface_addresses();
        }
        let offered = answers::offered(&found);
        let wizard = prompts::Wizard::new(output.color());
        let asked = wizard
            .ask(&offered, &path.display().to_string())
            .context("the wizard could not talk to the terminal")?;
        let Some(answers) = asked else {
            output.warning(&format!(
                "cancelled; nothing was written to `{}`",
                path.display()
            ));
            return Ok(Exit::Invalid);
        };
        answers
    };
    let text = spec_text::render(&answers);
    check(path, &text, *output)?;
    // Asked again: the file may have appeared while the questions were open.
    refuse_overwrite(path, args.force)?;
    write(path, &text, args.force)?;
    output.status(&format!("wrote {}", path.display()));
    output.status(&next_steps(path, &answers));
    Ok(Exit::Success)
}

fn refuse_overwrite(path: &Path, force: bool) -> Result<()> {
    if !force && path.symlink_metadata().is_ok() {
        bail!(
            "`{}` already exists; nothing was written\n\
             help: pass --force to replace it, or --output PATH to write elsewhere",
            path.display()
        );
    }
    Ok(())
}

/// The generated spec must pass `validate`; if it does not, that is a bug in
/// the wizard, and the file is not written.
fn check(path: &Path, text: &str, output: Output) -> Result<()> {
    let file = SourceFile::new(path, text.to_owned());
    if let Err(error) = crate::spec::from_source(&file) {
        if let crate::spec::SpecError::Invalid { diagnostics, .. } = &error {
            output.diagnostics(diagnostics);
        }
        return Err(error).context("the answers do not make a valid spec (a bug in `mailctl init`: please report it); nothing was written");
    }
    Ok(())
}

/// Write the spec through a temporary file in the same directory: without
/// `--force`, a hard link puts it in place only if nothing is there, so an
/// existing file is never replaced; with `--force`, a rename replaces it.
fn write(path: &Path, text: &str, force: bool) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.mailctl-init-{}", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        // `--output /etc/mailctl/mailctl.toml` on a fresh host.
        std::fs::create_dir_all(dir)?;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        if force {
            std::fs::rename(&temp, path)
        } else {
            std::fs::hard_link(&temp, path)
        }
    })();
    let _ = std::fs::remove_file(&temp);
    match result {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => bail!(
            "`{}` already exists; nothing was written\nhelp: pass --force to replace it",
            path.display()
        ),
        other => other.with_context(|| format!("cannot write `{}`", path.display())),
    }
}

fn next_steps(path: &Path, a: &Answers) -> String {
    let spec = if path == Path::new("mailctl.toml") {
        String::new()
    } else {
        format!(" --spec {}", path.display())
    };
    let mut text = format!(
        "\nNext steps:\n  \
         mailctl validate{spec}              # check the spec after every edit\n  \
         mailctl dkim keygen{spec}           # create the DKIM keys\n  \
         mailctl dns{spec}                   # the DNS records to publish\n  \
         mailctl render{spec} --diff         # what would change in /etc/postfix; then without --diff\n  \
         mailctl cert issue{spec} --dry-run  # then without --dry-run, for the real certificate\n  \
         mailctl check-dns{spec}             # once the records are published"
    );
    if !a.acme.agree_tos {
        text.push_str("\nnote: `agree_tos = false`: set it to true in the spec to accept the CA's terms; no certificate without it");
    }
    text
}

/// The answers from the flags, with the wizard's defaults for the rest.
/// Every problem is reported at once.
pub fn from_flags(args: &InitArgs) -> Result<Answers> {
    let mut problems: Vec<String> = Vec::new();
    let mut domains: Vec<String> = Vec::new();
    for d in &args.domain {
        match answers::domain_list(d) {
            Ok(list) => {
                for domain in list {
                    if domains.contains(&domain) {
                        problems.push(format!("--domain `{domain}` is given twice"));
                    } else {
                        domains.push(domain);
                    }
                }
            }
            Err(e) => problems.push(format!("--domain {e}")),
        }
    }
    let hostname = args
        .hostname
        .clone()
        .unwrap_or_else(|| answers::default_hostname(&domains));
    let hostname = answers::hostname(&hostname, &[]).unwrap_or(hostname);
    let mut ipv4 = Vec::new();
    for ip in &args.ipv4 {
        match answers::ipv4_list(ip) {
            Ok(list) => ipv4.extend(
                list.into_iter()
                    .filter(|a| !ipv4.contains(a))
                    .collect::<Vec<_>>(),
            ),
            Err(e) => problems.push(format!("--ipv4 {e}")),
        }
    }
    let mut ipv6 = Vec::new();
    for ip in &args.ipv6 {
        match answers::ipv6_list(ip) {
            Ok(list) => ipv6.extend(
                list.into_iter()
                    .filter(|a| !ipv6.contains(a))
                    .collect::<Vec<_>>(),
            ),
            Err(e) => problems.push(format!("--ipv6 {e}")),
        }
    }
    let email = |flag: &str, value: &str, problems: &mut Vec<String>| match answers::email(value) {
        Ok(e) => Some(e),
        Err(e) => {
            problems.push(format!("{flag} `{value}` {e}"));
            None
        }
    };
    let contact = match &args.contact {
        Some(c) => email("--contact", c, &mut problems).unwrap_or_default(),
        None => answers::default_contact(&domains),
    };
    let mut a = Answers::with_defaults(domains.clone(), hostname, ipv4, ipv6, contact);
    if !args.service.is_empty() {
        a.services = Service::ALL
            .into_iter()
            .filter(|s| *s != Service::Smtp)
            .filter(|s| {
                args.service.iter().any(|f| {
                    matches!(
                        (f, s),
                        (InitService::Submission, Service::Submission)
                            | (InitService::Submissions, Service::Submissions)
                            | (InitService::Imaps, Service::Imaps)
                            | (InitService::Pop3s, Service::Pop3s)
                    )
                })
            })
            .collect();
    }
    if let Some(alg) = args.dkim_algorithm {
        a.dkim_algorithm = match alg {
            KeyAlgorithm::Rsa2048 => DkimAlgorithm::Rsa2048,
            KeyAlgorithm::Rsa3072 => DkimAlgorithm::Rsa3072,
            KeyAlgorithm::Ed25519 => DkimAlgorithm::Ed25519,
        };
    }
    if let Some(p) = args.dmarc_policy {
        a.dmarc_policy = match p {
            InitDmarcPolicy::None => DmarcPolicy::None,
            InitDmarcPolicy::Quarantine => DmarcPolicy::Quarantine,
            InitDmarcPolicy::Reject => DmarcPolicy::Reject,
        };
    }
    if let Some(rua) = &args.dmarc_rua {
        a.dmarc_rua = if rua == "none" {
            None
        } else {
            email("--dmarc-rua", rua, &mut problems)
        };
    }
    if let Some(m) = args.mta_sts {
        a.mta_sts = match m {
            InitMtaSts::Testing => Some(MtaStsMode::Testing),
            InitMtaSts::Enforce => Some(MtaStsMode::Enforce),
            InitMtaSts::Off => None,
        };
    }
    if let Some(rua) = &args.tls_rpt_rua {
        a.tls_rpt_rua = if rua == "none" {
            None
        } else {
            email("--tls-rpt-rua", rua, &mut problems)
        };
    }
    if let Some(dir) = &args.acme_directory {
        match answers::directory(dir) {
            Ok(d) => a.acme.directory = d,
            Err(e) => problems.push(format!("--acme-directory `{dir}` {e}")),
        }
    }
    a.acme.agree_tos = args.agree_tos;
    let dns_flags = [
        ("--dns-server", args.dns_server.is_some()),
        ("--dns-zone", args.dns_zone.is_some()),
        ("--tsig-key", args.tsig_key.is_some()),
        ("--tsig-secret-file", args.tsig_secret_file.is_some()),
    ];
    if args.challenge == Some(InitChallenge::Dns01) {
        let mut checked =
            |flag: &str, value: &str, check: &dyn Fn(&str) -> Result<String, String>| {
                check(value).unwrap_or_else(|e| {
                    problems.push(format!("{flag} `{value}` {e}"));
                    value.to_owned()
                })
            };
        let server = match &args.dns_server {
            Some(s) => checked("--dns-server", s, &answers::dns_server),
            None => checked("--dns-server", "", &|_| {
                Err("is missing: --challenge dns-01 needs the primary server that accepts RFC 2136 updates".to_owned())
            }),
        };
        let first = domains.first().cloned().unwrap_or_default();
        let zone = args.dns_zone.as_deref().unwrap_or(&first);
        let zone = checked("--dns-zone", zone, &|z| {
            answers::domain_list(z).map(|l| l[0].clone())
        });
        let tsig_key = checked(
            "--tsig-key",
            args.tsig_key.as_deref().unwrap_or(DEFAULT_TSIG_KEY),
            &answers::tsig_key,
        );
        let tsig_secret_file = checked(
            "--tsig-secret-file",
            args.tsig_secret_file
                .as_deref()
                .unwrap_or(DEFAULT_TSIG_SECRET_FILE),
            &answers::secret_file,
        );
        a.acme.challenge = ChallengeAnswers::Dns01 {
            server,
            zone,
            tsig_key,
            tsig_secret_file,
        };
    } else if let Some((flag, _)) = dns_flags.iter().find(|(_, given)| *given) {
        problems.push(format!("{flag} is for dns-01: add `--challenge dns-01`"));
    }
    problems.extend(a.problems());
    if problems.is_empty() {
        return Ok(a);
    }
    let mut message = format!(
        "the answers are not usable ({} problem{}); nothing was written",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for p in &problems {
        message.push_str("\n  - ");
        message.push_str(p);
    }
    if a.ipv4.is_empty() && a.ipv6.is_empty() {
        let found: Vec<String> = answers::offered(&prompts::interface_addresses())
            .iter()
            .map(|o| o.ip.to_string())
            .collect();
        if !found.is_empty() {
            let _ = write!(
                message,
                "\nhelp: this machine's interfaces have {}",
                found.join(", ")
            );
        }
    }
    bail!(message)
}
