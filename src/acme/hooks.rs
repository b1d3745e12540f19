//! Deploy hooks: argument lists from `[acme] deploy_hooks`, run without a
//! shell after a new certificate is in place, with its paths in the
//! environment.

use std::path::Path;
use std::process::{Command, Stdio};

use super::AcmeError;

/// What a hook learns about the new certificate.
#[derive(Debug, Clone)]
pub struct Deployed<'a> {
    pub fullchain: &'a Path,
    pub privkey: &'a Path,
    pub dir: &'a Path,
    pub names: &'a [String],
    pub version: &'a str,
}

/// The environment variables each hook gets.
pub fn environment(d: &Deployed) -> Vec<(&'static str, String)> {
    vec![
        ("MAILCTL_CERT_FULLCHAIN", d.fullchain.display().to_string()),
        ("MAILCTL_CERT_KEY", d.privkey.display().to_string()),
        ("MAILCTL_CERT_DIR", d.dir.display().to_string()),
        ("MAILCTL_CERT_NAMES", d.names.join(" ")),
        ("MAILCTL_CERT_VERSION", d.version.to_owned()),
    ]
}

/// Run one hook; its output comes back for the caller to show.
pub fn run(argv: &[String], deployed: &Deployed) -> Result<String, AcmeError> {
    let shown = argv.join(" ");
    let output = Command::new(&argv[0])
        .args(&argv[1..])
        .envs(environment(deployed))
        .stdin(Stdio::null())
        .output()
        .map_err(|e| AcmeError::Hook {
            hook: shown.clone(),
            outcome: format!("could not be started: {e}"),
        })?;
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    if output.status.success() {
        Ok(text)
    } else {
        let status = output.status.code().map_or_else(
            || "was killed by a signal".to_owned(),
            |c| format!("exited with status {c}"),
        );
        let detail = text.trim();
        Err(AcmeError::Hook {
            hook: shown,
            outcome: if detail.is_empty() {
                status
            } else {
                format!("{status}: {detail}")
            },
        })
    }
}
