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

/// Write `bytes` to `path` atomically (a new temp file in the same
/// directory, fsync, rename, fsync of the directory) with `mode`, so a reader
/// sees the old or the new file. The temp file is removed on any error.
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
    // `create_new` and `O_NOFOLLOW`: never write through a file or a
    // symlink someone planted at the predictable name.
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(nofollow())
        .mode(mode)
        .open(&temp)
        .map_err(|e| io("write", e))?;
    let written = (|| {
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(std::fs::Permissions::from_mode(mode))?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temp, path)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(io("write", e));
    }
    // The rename itself survives a crash only once the directory is synced.
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io("sync the directory of", e))?;
    Ok(())
}

/// `O_NOFOLLOW` for `OpenOptionsExt::custom_flags`.
pub(crate) fn nofollow() -> i32 {
    i32::try_from(rustix::fs::OFlags::NOFOLLOW.bits()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_atomic_does_not_follow_a_planted_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("victim");
        std::fs::write(&target, "precious").unwrap();
        let path = dir.path().join("fullchain.pem");
        // The temp name write_atomic uses in this process.
        let temp = dir
            .path()
            .join(format!(".fullchain.pem.tmp-{}", std::process::id()));
        std::os::unix::fs::symlink(&target, &temp).unwrap();
        let err = write_atomic(&path, b"new", 0o644).unwrap_err();
        assert!(matches!(err, AcmeError::Io { .. }), "{err}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious");
        assert!(!path.exists());
        // Once the name is free, it writes, and leaves no temp file behind.
        std::fs::remove_file(&temp).unwrap();
        write_atomic(&path, b"new", 0o600).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert!(!temp.exists());
    }
}
