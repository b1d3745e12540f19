//! ACME certificates for the mail host: the account, orders and their
//! challenges (`client`, `http01`, `dns01`), the keys and CSRs (`keys`), the
//! versioned certificate store Postfix reads from (`store`), what a stored
//! certificate says about itself (`certificate`), when to renew (`policy`,
//! with ACME Renewal Information), the lock against concurrent runs
//! (`lock`) and the deploy hooks (`hooks`).
//!
//! Only `client`, `http01` and `dns01` are async; `commands/cert.rs` starts
//! the tokio runtime they run on.

pub mod certificate;
pub mod client;
pub mod dns01;
pub mod hooks;
pub mod http01;
pub mod keys;
pub mod lock;
pub mod policy;
pub mod store;

use std::path::PathBuf;

/// Why a certificate could not be issued, renewed or read.
#[derive(Debug, thiserror::Error)]
pub enum AcmeError {
    #[error("cannot reach the ACME server at `{directory}`")]
    Unreachable {
        directory: String,
        #[source]
        source: instant_acme::Error,
    },
    #[error("the ACME server failed to {action}")]
    Server {
        action: String,
        #[source]
        source: instant_acme::Error,
    },
    #[error("the CA could not validate `{identifier}` by {challenge}: {detail}")]
    Validation {
        identifier: String,
        challenge: &'static str,
        detail: String,
    },
    #[error("the order for {names} became invalid: {detail}")]
    OrderInvalid { names: String, detail: String },
    #[error(
        "no account exists yet for `{directory}`, and the CA's terms of service are not agreed"
    )]
    TermsNotAgreed { directory: String },
    #[error("cannot use `{}` as the ACME server's CA bundle: {reason}", path.display())]
    CaBundle { path: PathBuf, reason: String },
    #[error("the CA sent the challenge token `{token}`, which is not base64url (RFC 8555 §8.1)")]
    BadToken { token: String },
    #[error("the CA offers no {challenge} challenge for `{identifier}`")]
    NoChallenge {
        identifier: String,
        challenge: &'static str,
    },
    #[error("cannot listen on `{address}` for the http-01 challenge")]
    Listen {
        address: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot {action} `{}`", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the TSIG secret in `{}` {reason}", path.display())]
    TsigSecret { path: PathBuf, reason: String },
    #[error("the DNS update of `{name}` at `{server}` failed: {reason}")]
    DnsUpdate {
        name: String,
        server: std::net::SocketAddr,
        reason: String,
    },
    #[error("`{server}` did not serve the TXT record `{name}` within {seconds} s")]
    DnsNotServed {
        name: String,
        server: std::net::SocketAddr,
        seconds: u64,
    },
    #[error("another `mailctl cert` run (pid {pid}) holds the lock `{}`, and it was not released within {seconds} s", path.display())]
    Locked {
        path: PathBuf,
        pid: String,
        seconds: u64,
    },
    #[error("deploy hook `{hook}` {outcome}")]
    Hook { hook: String, outcome: String },
    #[error("`{}` is not a usable certificate: {reason}", path.display())]
    BadCertificate { path: PathBuf, reason: String },
    #[error("cannot make the certificate key or request: {reason}")]
    Key { reason: String },
}

impl AcmeError {
    /// Whether the spec or the input is at fault (exit 2) rather than the
    /// environment (exit 3).
    pub fn is_invalid_input(&self) -> bool {
        matches!(
            self,
            AcmeError::TermsNotAgreed { .. }
                | AcmeError::CaBundle { .. }
                | AcmeError::TsigSecret { .. }
        )
    }
}

/// Create `path`'s directory (and its parents) for an error-reporting caller.
pub(crate) fn create_dir(path: &std::path::Path, mode: u32) -> Result<(), AcmeError> {
    use std::os::unix::fs::DirBuilderExt as _;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(mode)
        .create(path)
        .map_err(|source| AcmeError::Io {
            action: "create the directory",
            path: path.to_path_buf(),
            source,
        })
}

/// Write `bytes` to `path` atomically (temp file in the same directory,
/// fsync, rename) with `mode`, so a reader sees the old or the new file.
pub(crate) fn write_atomic(
    path: &std::path::Path,
    bytes: &[u8],
    mode: u32,
) -> Result<(), AcmeError> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let io = |action, source| AcmeError::Io {
        action,
        path: path.to_path_buf(),
        source,
    };
    let dir = path.parent().unwrap_or(std::path::Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(&temp)
        .map_err(|e| io("write", e))?;
    {
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(|e| io("write", e))?;
    }
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| io("write", e))?;
    std::fs::rename(&temp, path).map_err(|e| io("write", e))?;
    Ok(())
}
