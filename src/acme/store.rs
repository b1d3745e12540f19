//! The certificate store. One directory per certificate:
//!
//! ```text
//! <state_dir>/certs/<name>/
//!   versions/0001/{fullchain.pem,privkey.pem}   one directory per issuance
//!   current -> versions/0003                    switched by one rename
//!   fullchain.pem -> current/fullchain.pem      the stable paths Postfix reads
//!   privkey.pem -> current/privkey.pem
//!   .lock                                       see `lock`
//!   renewal-window.json                         see `policy::RenewalWindow`
//! ```
//!
//! A new version is written completely (keys 0600, fsynced) under a temporary
//! name and renamed into `versions/`; then a new `current` symlink is renamed
//! over the old one, so Postfix sees either the old certificate and key or
//! the new ones, never a mix. Only then are old versions pruned, keeping
//! `KEEP` of them. A failed issuance never reaches the rename, so the
//! current files stay as they were.

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use super::{AcmeError, create_dir, write_atomic};

/// How many versions are kept, the current one included.
pub const KEEP: usize = 5;

#[derive(Debug, Clone)]
pub struct Store {
    pub dir: PathBuf,
}

/// A version just stored.
#[derive(Debug, Clone)]
pub struct Stored {
    pub version: String,
    pub fullchain: PathBuf,
    pub privkey: PathBuf,
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> AcmeError {
    let path = path.to_path_buf();
    move |source| AcmeError::Io {
        action,
        path,
        source,
    }
}

impl Store {
    pub fn new(dir: PathBuf) -> Store {
        Store { dir }
    }

    /// The stable path of the chain (what `[tls] cert_file` names).
    pub fn fullchain(&self) -> PathBuf {
        self.dir.join("fullchain.pem")
    }

    /// The stable path of the key (what `[tls] key_file` names).
    pub fn privkey(&self) -> PathBuf {
        self.dir.join("privkey.pem")
    }

    pub fn versions_dir(&self) -> PathBuf {
        self.dir.join("versions")
    }

    /// The version names, oldest first.
    pub fn versions(&self) -> Result<Vec<String>, AcmeError> {
        let dir = self.versions_dir();
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io("read", &dir)(e)),
        };
        let mut versions: Vec<(u64, String)> = entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.parse::<u64>().ok().map(|n| (n, name))
            })
            .collect();
        versions.sort();
        Ok(versions.into_iter().map(|(_, name)| name).collect())
    }

    /// The version `current` points at, if any.
    pub fn current(&self) -> Option<String> {
        let target = std::fs::read_link(self.dir.join("current")).ok()?;
        target.file_name().map(|n| n.to_string_lossy().into_owned())
    }

    /// Whether there is a certificate in place.
    pub fn exists(&self) -> bool {
        self.fullchain().exists()
    }

    /// Store a new version and make it current.
    pub fn store(&self, fullchain: &str, privkey: &str) -> Result<Stored, AcmeError> {
        create_dir(&self.dir, 0o755)?;
        let versions = self.versions_dir();
        create_dir(&versions, 0o700)?;
        let next = self
            .versions()?
            .last()
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
            + 1;
        let version = format!("{next:04}");
        let staging = versions.join(format!(".new-{version}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&staging);
        create_dir(&staging, 0o700)?;
        write_atomic(&staging.join("fullchain.pem"), fullchain.as_bytes(), 0o644)?;
        write_atomic(&staging.join("privkey.pem"), privkey.as_bytes(), 0o600)?;
        let final_dir = versions.join(&version);
        std::fs::rename(&staging, &final_dir).map_err(io("store", &final_dir))?;
        sync_dir(&versions)?;

        // The stable names, once; they go through `current`.
        for name in ["fullchain.pem", "privkey.pem"] {
            let link = self.dir.join(name);
            let target = Path::new("current").join(name);
            if std::fs::read_link(&link).ok().as_deref() != Some(target.as_path()) {
                replace_symlink(&target, &link)?;
            }
        }
        replace_symlink(
            &Path::new("versions").join(&version),
            &self.dir.join("current"),
        )?;
        sync_dir(&self.dir)?;
        self.prune()?;
        Ok(Stored {
            version: version.clone(),
            fullchain: final_dir.join("fullchain.pem"),
            privkey: final_dir.join("privkey.pem"),
        })
    }

    /// Remove all but the newest `KEEP` versions, never the current one.
    pub fn prune(&self) -> Result<(), AcmeError> {
        let versions = self.versions()?;
        let current = self.current();
        if versions.len() <= KEEP {
            return Ok(());
        }
        for old in &versions[..versions.len() - KEEP] {
            if current.as_deref() == Some(old.as_str()) {
                continue;
            }
            let path = self.versions_dir().join(old);
            std::fs::remove_dir_all(&path).map_err(io("remove", &path))?;
        }
        Ok(())
    }

    /// The current private key in PEM, if there is one.
    pub fn current_key(&self) -> Result<Option<String>, AcmeError> {
        match std::fs::read_to_string(self.privkey()) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io("read", &self.privkey())(e)),
        }
    }
}

/// Point `link` at `target` atomically: a new symlink renamed over the old.
fn replace_symlink(target: &Path, link: &Path) -> Result<(), AcmeError> {
    let name = link
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = link.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let _ = std::fs::remove_file(&temp);
    symlink(target, &temp).map_err(io("create the symlink", &temp))?;
    std::fs::rename(&temp, link).map_err(io("replace", link))
}

fn sync_dir(dir: &Path) -> Result<(), AcmeError> {
    std::fs::File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(io("sync", dir))
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    #[test]
    fn versions_rotate_and_current_switches() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().join("mail.example.test"));
        assert!(!store.exists());
        for i in 1..=7 {
            let stored = store
                .store(&format!("chain {i}\n"), &format!("key {i}\n"))
                .unwrap();
            assert_eq!(stored.version, format!("{i:04}"));
            assert_eq!(
                std::fs::read_to_string(store.fullchain()).unwrap(),
                format!("chain {i}\n")
            );
            assert_eq!(
                std::fs::read_to_string(store.privkey()).unwrap(),
                format!("key {i}\n")
            );
            assert_eq!(store.current().as_deref(), Some(stored.version.as_str()));
        }
        assert_eq!(
            store.versions().unwrap(),
            ["0003", "0004", "0005", "0006", "0007"]
        );
        let mode = std::fs::metadata(store.privkey())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        // Nothing temporary is left behind.
        let leftovers: Vec<_> = std::fs::read_dir(&store.dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("tmp") || n.contains(".new"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn the_current_version_is_never_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().join("c"));
        store.store("a", "a").unwrap();
        // Point `current` back at the first version, then add more.
        for _ in 0..6 {
            store.store("b", "b").unwrap();
        }
        replace_symlink(Path::new("versions/0001"), &store.dir.join("current")).ok();
        std::fs::create_dir_all(store.versions_dir().join("0001")).unwrap();
        store.prune().unwrap();
        assert!(store.versions().unwrap().contains(&"0001".to_owned()));
    }
}
