//! One `mailctl cert` run per certificate at a time: an exclusive `flock(2)`
//! on `<certificate dir>/.lock`, released when the process ends (also when
//! it is killed). A second run waits for the first, then looks again at
//! whether the certificate is still due, so two runs cannot both order.

use std::io::{Read as _, Seek as _, Write as _};
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rustix::fs::{FlockOperation, flock};

use super::{AcmeError, create_dir};

/// Held while the file is open.
#[derive(Debug)]
pub struct Lock {
    _file: std::fs::File,
    pub path: PathBuf,
}

/// Take the lock in `dir`, waiting up to `wait` for another run to finish.
/// `waiting` is called once if the lock is held, with the holder's pid.
pub fn acquire(dir: &Path, wait: Duration, waiting: impl FnOnce(&str)) -> Result<Lock, AcmeError> {
    create_dir(dir, 0o755)?;
    let path = dir.join(".lock");
    let io = |source| AcmeError::Io {
        action: "open the lock",
        path: path.clone(),
        source,
    };
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .custom_flags(super::nofollow())
        .open(&path)
        .map_err(io)?;
    let start = Instant::now();
    let mut waiting = Some(waiting);
    loop {
        match flock(&file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => break,
            Err(e) if e == rustix::io::Errno::WOULDBLOCK => {
                let mut holder = String::new();
                let _ = file
                    .rewind()
                    .and_then(|()| file.read_to_string(&mut holder));
                let pid = holder.trim().to_owned();
                if let Some(f) = waiting.take() {
                    f(&pid);
                }
                if start.elapsed() >= wait {
                    return Err(AcmeError::Locked {
                        path,
                        pid,
                        seconds: wait.as_secs(),
                    });
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => return Err(io(e.into())),
        }
    }
    // Say who holds it, for the message of a run that waits.
    let _ = file
        .set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| writeln!(file, "{}", std::process::id()))
        .and_then(|()| file.flush());
    Ok(Lock { _file: file, path })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_waits_then_gives_up() {
        let dir = tempfile::tempdir().unwrap();
        let first = acquire(dir.path(), Duration::ZERO, |_| panic!("free")).unwrap();
        let mut told = None;
        let err = acquire(dir.path(), Duration::from_millis(300), |pid| {
            told = Some(pid.to_owned());
        })
        .unwrap_err();
        assert!(matches!(err, AcmeError::Locked { .. }), "{err}");
        assert_eq!(
            told.as_deref(),
            Some(std::process::id().to_string().as_str())
        );
        drop(first);
        acquire(dir.path(), Duration::ZERO, |_| panic!("released")).unwrap();
    }

    #[test]
    fn a_symlinked_lock_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("victim");
        std::fs::write(&target, "precious").unwrap();
        std::os::unix::fs::symlink(&target, dir.path().join(".lock")).unwrap();
        let err = acquire(dir.path(), Duration::ZERO, |_| panic!("free")).unwrap_err();
        assert!(matches!(err, AcmeError::Io { .. }), "{err}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious");
    }
}
