//! Writing private keys: created with mode 0600 from the first byte, in a
//! directory of mode 0700, through a temporary file in the same directory
//! that is synced and then linked (new keys: fails if the key appeared
//! meanwhile) or renamed (with `force`) into place.
//!
//! `OpenDKIM` reads the keys as its own user: when `[dkim] key_group` exists
//! and mailctl runs as root, the temporary file is given to that group and
//! made 0640 before it is linked into place (so no key is ever readable by
//! others), and the directories are 0750 with that group.

use std::fs::{self, DirBuilder, OpenOptions, Permissions};
use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _, PermissionsExt as _};
use std::path::Path;

use super::DkimError;

/// What `write_key` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Created,
    /// An existing key was replaced (`force`).
    Replaced,
    /// A key exists and `force` was not given; nothing was written.
    Kept,
}

/// Who may read the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAccess {
    /// Mode 0640 with this group id (directories 0750).
    Group(u32),
    /// Mode 0600, root only (directories 0700): the group does not exist.
    MissingGroup,
    /// Mode 0600 (directories 0700): only root can give files to a group.
    NotRoot,
}

impl KeyAccess {
    /// `gid`: the key group's id, `None` when there is no such group.
    pub fn decide(gid: Option<u32>, root: bool) -> KeyAccess {
        match (gid, root) {
            (None, _) => KeyAccess::MissingGroup,
            (Some(_), false) => KeyAccess::NotRoot,
            (Some(gid), true) => KeyAccess::Group(gid),
        }
    }

    /// Look up `group` and whether this process runs as root.
    pub fn for_group(group: &str) -> KeyAccess {
        KeyAccess::decide(crate::render::apply::group_id(group), is_root())
    }

    fn gid(self) -> Option<u32> {
        match self {
            KeyAccess::Group(gid) => Some(gid),
            KeyAccess::MissingGroup | KeyAccess::NotRoot => None,
        }
    }
}

/// Whether the effective user is root, from `/proc/self/status`.
fn is_root() -> bool {
    fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status
            .lines()
            .find_map(|line| line.strip_prefix("Uid:"))
            .and_then(|ids| ids.split_whitespace().nth(1).map(|euid| euid == "0"))
            .unwrap_or(false)
    })
}

/// Create `dir` and its missing parents: 0700, or 0750 with the group.
/// An existing `dir` (the domain's) is given the group too.
fn create_dirs(dir: &Path, gid: Option<u32>) -> std::io::Result<()> {
    let mut missing = Vec::new();
    let mut current = Some(dir);
    while let Some(d) = current.filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
        missing.push(d);
        current = d.parent();
    }
    for d in missing.iter().rev() {
        match DirBuilder::new().mode(0o700).create(d) {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && d.is_dir() => {}
            other => other?,
        }
    }
    if let Some(gid) = gid {
        let mut dirs = missing;
        if dirs.is_empty() {
            dirs.push(dir);
        }
        for d in dirs {
            std::os::unix::fs::chown(d, None, Some(gid))?;
            fs::set_permissions(d, Permissions::from_mode(0o750))?;
        }
    }
    Ok(())
}

/// Write `pem` to `path` atomically: mode 0600, or 0640 with `access`'s group.
pub fn write_key(
    path: &Path,
    pem: &str,
    force: bool,
    access: KeyAccess,
) -> Result<Written, DkimError> {
    let error = |source| DkimError::Write {
        path: path.to_path_buf(),
        source,
    };
    let existed = path.exists();
    if existed && !force {
        return Ok(Written::Kept);
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    create_dirs(dir, access.gid()).map_err(error)?;
    let name = path
        .file_name()
        .map_or_else(|| "key".into(), |n| n.to_string_lossy().into_owned());
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    // A temp file of this name is a leftover of a killed run whose pid we
    // now have: no live process writes it.
    let _ = fs::remove_file(&temp);
    // Only the final link may find the key already there (another keygen
    // won the race): that is "kept". AlreadyExists anywhere else is a
    // failure to write, and must not be reported as a kept key.
    let mut linking = false;
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp)?;
        if let Some(gid) = access.gid() {
            // Before the key is in place, and before its first byte.
            std::os::unix::fs::fchown(&file, None, Some(gid))?;
            file.set_permissions(Permissions::from_mode(0o640))?;
        }
        file.write_all(pem.as_bytes())?;
        file.sync_all()?;
        if force {
            fs::rename(&temp, path)?;
        } else {
            // A hard link fails if `path` exists: no key is ever overwritten
            // by a race with another keygen.
            linking = true;
            fs::hard_link(&temp, path)?;
            linking = false;
            fs::remove_file(&temp)?;
        }
        fs::File::open(dir)?.sync_all()
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&temp);
        if linking && e.kind() == std::io::ErrorKind::AlreadyExists {
            return Ok(Written::Kept);
        }
        return Err(error(e));
    }
    Ok(if existed {
        Written::Replaced
    } else {
        Written::Created
    })
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::MetadataExt as _;

    use super::*;

    #[test]
    fn the_group_reads_keys_only_when_it_exists_and_we_are_root() {
        assert_eq!(KeyAccess::decide(Some(108), true), KeyAccess::Group(108));
        assert_eq!(KeyAccess::decide(Some(108), false), KeyAccess::NotRoot);
        assert_eq!(KeyAccess::decide(None, true), KeyAccess::MissingGroup);
        assert_eq!(KeyAccess::decide(None, false), KeyAccess::MissingGroup);
    }

    #[test]
    fn keys_given_to_a_group_are_0640_in_0750_directories() {
        // The process's own group: chown to it needs no privilege.
        let dir = tempfile::tempdir().unwrap();
        let gid = fs::metadata(dir.path()).unwrap().gid();
        let path = dir.path().join("keys/example.com/mail.pem");
        assert_eq!(
            write_key(&path, "one", false, KeyAccess::Group(gid)).unwrap(),
            Written::Created
        );
        let meta = fs::metadata(&path).unwrap();
        assert_eq!((meta.mode() & 0o777, meta.gid()), (0o640, gid));
        for d in [path.parent().unwrap(), &dir.path().join("keys")] {
            let meta = fs::metadata(d).unwrap();
            assert_eq!((meta.mode() & 0o777, meta.gid()), (0o750, gid));
        }
    }

    #[test]
    fn keys_are_private_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("example.com/mail.pem");
        assert_eq!(
            write_key(&path, "one", false, KeyAccess::NotRoot).unwrap(),
            Written::Created
        );
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(
            fs::metadata(path.parent().unwrap())
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o700
        );
        assert_eq!(
            write_key(&path, "two", false, KeyAccess::NotRoot).unwrap(),
            Written::Kept
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), "one");
        assert_eq!(
            write_key(&path, "three", true, KeyAccess::NotRoot).unwrap(),
            Written::Replaced
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), "three");
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(
            fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1,
            "no temp file left"
        );
    }

    #[test]
    fn a_stale_temp_file_is_not_taken_for_a_kept_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("example.com/mail.pem");
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        let stale = path
            .parent()
            .unwrap()
            .join(format!(".mail.pem.{}.tmp", std::process::id()));
        fs::write(&stale, "left by a killed run").unwrap();
        assert_eq!(
            write_key(&path, "one", false, KeyAccess::NotRoot).unwrap(),
            Written::Created
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), "one");
        assert!(!stale.exists());
    }
}
