//! Mailbox login passwords: which hash schemes the spec accepts, hashing a
//! new password (SHA512-CRYPT, which every Dovecot build verifies), and the
//! passwords file `mailctl passwd` maintains.
//!
//! Neither a password nor a hash is ever put into a message: an error names
//! the key and the scheme, never the value.

use std::fs::{self, File, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

/// The schemes mailctl accepts, with the crypt(3)/PHC prefix the hash after
/// `{SCHEME}` must start with. All of them are in Debian's Dovecot 2.3 build
/// (`doveadm pw -l`); ARGON2 needs Dovecot built with libsodium, as Debian's is.
pub const SCHEMES: [(&str, &[&str]); 5] = [
    ("SHA512-CRYPT", &["$6$"]),
    ("SHA256-CRYPT", &["$5$"]),
    ("BLF-CRYPT", &["$2y$", "$2b$", "$2a$"]),
    ("ARGON2ID", &["$argon2id$"]),
    ("ARGON2I", &["$argon2i$"]),
];

/// Schemes Dovecot knows that store the password in the clear or behind a
/// fast, unsalted hash: refused with their own message.
const WEAK_SCHEMES: [&str; 14] = [
    "PLAIN",
    "CLEAR",
    "CLEARTEXT",
    "PLAIN-TRUNC",
    "PLAIN-MD4",
    "PLAIN-MD5",
    "LDAP-MD5",
    "MD5",
    "SHA",
    "SHA1",
    "SHA256",
    "SHA512",
    "CRAM-MD5",
    "DIGEST-MD5",
];

/// Why a password hash is refused. The message never contains the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashProblem {
    pub message: String,
    pub help: Option<String>,
}

/// Check a `{SCHEME}hash` value for Dovecot's passwd-file.
pub fn check_hash(value: &str) -> Result<String, HashProblem> {
    let problem = |message: &str, help: Option<String>| HashProblem {
        message: message.to_owned(),
        help,
    };
    let Some(rest) = value.strip_prefix('{') else {
        return Err(problem(
            "is not a password hash (it has no `{SCHEME}` prefix); a plain password must never be in the spec",
            Some("run `mailctl passwd ADDRESS`, which stores only a hash".into()),
        ));
    };
    let Some((scheme, hash)) = rest.split_once('}') else {
        return Err(problem("has no closing `}` after the scheme", None));
    };
    let upper = scheme.to_ascii_uppercase();
    if WEAK_SCHEMES.contains(&upper.as_str()) {
        return Err(problem(
            &format!(
                "uses scheme `{upper}`, which stores the password in the clear or with a fast unsalted hash"
            ),
            Some("run `mailctl passwd ADDRESS` for a SHA512-CRYPT hash".into()),
        ));
    }
    let Some((name, prefixes)) = SCHEMES.iter().find(|(name, _)| *name == upper) else {
        let suggestion = crate::spec::diagnostic::suggest(&upper, SCHEMES.iter().map(|(n, _)| *n));
        return Err(problem(
            &format!(
                "uses scheme `{}`, which mailctl does not accept",
                scheme.escape_debug()
            ),
            Some(match suggestion {
                Some(s) => format!("did you mean `{s}`? accepted: {}", scheme_list()),
                None => format!("accepted schemes: {}", scheme_list()),
            }),
        ));
    };
    if !prefixes.iter().any(|p| hash.starts_with(p)) {
        return Err(problem(
            &format!(
                "is not a {name} hash (it should start with `{}`)",
                prefixes[0]
            ),
            None,
        ));
    }
    // One line of a passwd-file: no field separator, no line break.
    if hash.contains(|c: char| c == ':' || c.is_whitespace() || c.is_control()) {
        return Err(problem(
            "contains `:`, whitespace or a control character",
            None,
        ));
    }
    Ok(format!("{{{name}}}{hash}"))
}

fn scheme_list() -> String {
    SCHEMES
        .iter()
        .map(|(n, _)| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Hash a new password as `{SHA512-CRYPT}$6$...` (5000 rounds, random salt),
/// the format `doveadm pw -s SHA512-CRYPT` writes.
pub fn hash(password: &str) -> String {
    let params =
        sha_crypt::Sha512Params::new(sha_crypt::ROUNDS_DEFAULT).expect("default rounds are valid");
    let hash = sha_crypt::sha512_simple(password, &params).expect("hashing with valid parameters");
    format!("{{SHA512-CRYPT}}{hash}")
}

#[derive(Debug, thiserror::Error)]
pub enum PasswordsError {
    #[error("cannot {action} passwords file `{}`", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("passwords file `{}` line {line}: {message}", path.display())]
    Invalid {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

/// One login in the passwords file: the address and its `{SCHEME}hash`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub address: String,
    pub hash: String,
}

/// Read the passwords file: `address:{SCHEME}hash` lines, `#` comments. A
/// missing file has no entries (no password set yet).
pub fn read(path: &Path) -> Result<Vec<Entry>, PasswordsError> {
    let text = match fs::read_to_string(path) {
        Ok(text) => Zeroizing::new(text),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(PasswordsError::Io {
                action: "read",
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let mut entries = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let invalid = |message: String| PasswordsError::Invalid {
            path: path.to_path_buf(),
            line: i + 1,
            message,
        };
        let (address, hash) = line
            .split_once(':')
            .ok_or_else(|| invalid("expected `address:{SCHEME}hash`".into()))?;
        let hash = check_hash(hash)
            .map_err(|p| invalid(format!("the hash for `{address}` {}", p.message)))?;
        entries.push(Entry {
            address: address.to_ascii_lowercase(),
            hash,
        });
    }
    Ok(entries)
}

/// Set `address`'s hash in the passwords file, replacing an older one, and
/// write the file atomically with mode 0600 (temp file, fsync, rename).
pub fn set(path: &Path, address: &str, hash: &str) -> Result<(), PasswordsError> {
    let mut entries = read(path)?;
    entries.retain(|e| e.address != address);
    entries.push(Entry {
        address: address.to_owned(),
        hash: hash.to_owned(),
    });
    entries.sort_by(|a, b| a.address.cmp(&b.address));
    let mut text = Zeroizing::new(String::from(
        "# Mailbox login hashes, written by `mailctl passwd`; address:{SCHEME}hash\n",
    ));
    for entry in &entries {
        text.push_str(&entry.address);
        text.push(':');
        text.push_str(&entry.hash);
        text.push('\n');
    }
    let io = |action, path: &Path| {
        let path = path.to_path_buf();
        move |source| PasswordsError::Io {
            action,
            path,
            source,
        }
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(io("create the directory of", path))?;
    let name = path
        .file_name()
        .map_or_else(|| "passwords".into(), |n| n.to_string_lossy().into_owned());
    let temp = dir.join(format!(".{name}.mailctl-{}", std::process::id()));
    let result = (|| {
        // Created 0600 before a byte is written, so no one can read it early.
        let mut file = {
            use std::os::unix::fs::OpenOptionsExt;
            File::options()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&temp)
                .map_err(io("create", &temp))?
        };
        fs::set_permissions(&temp, Permissions::from_mode(0o600))
            .map_err(io("set the mode of", &temp))?;
        file.write_all(text.as_bytes())
            .map_err(io("write", &temp))?;
        file.sync_all().map_err(io("sync", &temp))?;
        fs::rename(&temp, path).map_err(io("replace", path))?;
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io("sync the directory of", path))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_schemes() {
        for hash in [
            "{SHA512-CRYPT}$6$salt$abc",
            "{sha512-crypt}$6$salt$abc",
            "{BLF-CRYPT}$2y$05$abc",
            "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$abc",
        ] {
            assert!(check_hash(hash).is_ok(), "{hash}");
        }
        assert_eq!(
            check_hash("{sha512-crypt}$6$s$h").unwrap(),
            "{SHA512-CRYPT}$6$s$h"
        );
    }

    #[test]
    fn refused_values_never_repeat_the_value() {
        for value in [
            "hunter2",
            "{PLAIN}hunter2",
            "{SHA512-CRYPTX}$6$hunter2",
            "{BLF-CRYPT}$6$hunter2",
            "{SHA512-CRYPT}$6$a:hunter2",
        ] {
            let problem = check_hash(value).unwrap_err();
            assert!(
                !problem.message.contains("hunter2"),
                "{value}: {}",
                problem.message
            );
        }
        let typo = check_hash("{SHA512-CRYP}$6$x").unwrap_err();
        assert!(
            typo.help
                .unwrap()
                .starts_with("did you mean `SHA512-CRYPT`?")
        );
    }

    #[test]
    fn hashes_verify() {
        let hashed = hash("correct horse");
        let crypt = hashed.strip_prefix("{SHA512-CRYPT}").unwrap();
        assert!(sha_crypt::sha512_check("correct horse", crypt).is_ok());
        assert!(sha_crypt::sha512_check("wrong", crypt).is_err());
        assert!(check_hash(&hashed).is_ok());
    }

    #[test]
    fn set_writes_0600_and_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("passwords");
        set(&path, "alice@example.com", &hash("a")).unwrap();
        set(&path, "bob@example.com", &hash("b")).unwrap();
        set(&path, "alice@example.com", &hash("c")).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let entries = read(&path).unwrap();
        assert_eq!(entries.len(), 2);
        let alice = entries[0].hash.strip_prefix("{SHA512-CRYPT}").unwrap();
        assert!(sha_crypt::sha512_check("c", alice).is_ok());
    }
}
