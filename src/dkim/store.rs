//! Writing private keys: created with mode 0600 from the first byte (never
//! chmod-ed afterwards), in a directory of mode 0700, through a temporary
//! file in the same directory that is synced and then linked (new keys:
//! fails if the key appeared meanwhile) or renamed (with `force`) into place.

use std::fs::{self, DirBuilder, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
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

/// Write `pem` to `path` atomically with mode 0600.
pub fn write_key(path: &Path, pem: &str, force: bool) -> Result<Written, DkimError> {
    let error = |source| DkimError::Write {
        path: path.to_path_buf(),
        source,
    };
    let existed = path.exists();
    if existed && !force {
        return Ok(Written::Kept);
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(error)?;
    let name = path
        .file_name()
        .map_or_else(|| "key".into(), |n| n.to_string_lossy().into_owned());
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp)?;
        file.write_all(pem.as_bytes())?;
        file.sync_all()?;
        if force {
            fs::rename(&temp, path)?;
        } else {
            // A hard link fails if `path` exists: no key is ever overwritten
            // by a race with another keygen.
            fs::hard_link(&temp, path)?;
            fs::remove_file(&temp)?;
        }
        fs::File::open(dir)?.sync_all()
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&temp);
        if e.kind() == std::io::ErrorKind::AlreadyExists {
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
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    #[test]
    fn keys_are_private_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("example.com/mail.pem");
        assert_eq!(write_key(&path, "one", false).unwrap(), Written::Created);
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
        assert_eq!(write_key(&path, "two", false).unwrap(), Written::Kept);
        assert_eq!(fs::read_to_string(&path).unwrap(), "one");
        assert_eq!(write_key(&path, "three", true).unwrap(), Written::Replaced);
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
}
