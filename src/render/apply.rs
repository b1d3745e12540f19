//! Plan, then apply: compare the rendered files with what is on disk, then
//! write only what changed, so that either every file is new or none is.
//!
//! Applying goes through a staging directory inside the target directory
//! (same file system, so `rename` is atomic): every changed file is written
//! and fsynced there, maps are compiled there with `postmap`, and only when
//! all of that worked is each file renamed into place, after a hard-link
//! backup of the file it replaces under `.mailctl-backup/`. If a rename fails
//! half-way, the files already replaced are put back from those backups.

use std::fs::{self, File, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::RenderedFile;
use crate::postfix::tools::{PostfixTools, ToolError};
use crate::spec::model::MapType;

/// Mode for new files: Postfix files are world-readable, never writable by others.
const NEW_FILE_MODE: u32 = 0o644;
const BACKUP_DIR: &str = ".mailctl-backup";
/// The lock one `render` holds while it writes, in the Postfix directory's
/// backup directory (not among the rendered files).
pub const LOCK_FILE: &str = ".mailctl-lock";

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Unchanged,
    Created,
    Updated,
}

#[derive(Debug)]
pub struct PlannedFile {
    pub file: RenderedFile,
    pub path: PathBuf,
    pub change: Change,
    /// What is on disk now, for `--diff`; `None` when there is no file.
    pub current: Option<Vec<u8>>,
    /// The current file's mode and owner, kept when it is replaced.
    current_meta: Option<(u32, u32, u32)>,
}

#[derive(Debug)]
pub struct Plan {
    pub dir: PathBuf,
    pub files: Vec<PlannedFile>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("cannot {action} `{}`", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("`{}` is a symbolic link; mailctl replaces files atomically and does not replace or follow links: render into the link's target directory instead", path.display())]
    Symlink { path: PathBuf },
    #[error("restoring `{}` failed while undoing a failed write; check it by hand ({failure})", path.display())]
    Restore {
        path: PathBuf,
        failure: String,
        #[source]
        source: io::Error,
    },
    #[error("another mailctl render holds the lock `{}` (pid {pid}); gave up after {seconds} s", path.display())]
    Locked {
        path: PathBuf,
        pid: String,
        seconds: u64,
    },
    #[error("compiling the lookup tables failed; nothing was written, the previous files in `{}` are untouched", dir.display())]
    Postmap {
        dir: PathBuf,
        #[source]
        source: ToolError,
    },
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> ApplyError {
    let path = path.to_path_buf();
    move |source| ApplyError::Io {
        action,
        path,
        source,
    }
}

/// Compare each rendered file with the file of the same name in `dir`.
pub fn plan(dir: &Path, files: Vec<RenderedFile>) -> Result<Plan, ApplyError> {
    let mut planned = Vec::with_capacity(files.len());
    for file in files {
        let path = dir.join(file.name);
        // Replacing a link by a file would silently cut it; following it
        // would write outside the directory the user named.
        if path
            .symlink_metadata()
            .is_ok_and(|m| m.file_type().is_symlink())
        {
            return Err(ApplyError::Symlink { path });
        }
        let (current, current_meta) = match fs::read(&path) {
            Ok(bytes) => {
                let meta = fs::metadata(&path).map_err(io_error("read", &path))?;
                (
                    Some(bytes),
                    Some((meta.mode() & 0o7777, meta.uid(), meta.gid())),
                )
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => (None, None),
            Err(e) => return Err(io_error("read", &path)(e)),
        };
        let change = match &current {
            None => Change::Created,
            Some(bytes) if *bytes == file.contents => Change::Unchanged,
            Some(_) => Change::Updated,
        };
        planned.push(PlannedFile {
            file,
            path,
            change,
            current,
            current_meta,
        });
    }
    Ok(Plan {
        dir: dir.to_path_buf(),
        files: planned,
    })
}

impl Plan {
    pub fn has_changes(&self) -> bool {
        self.files.iter().any(|f| f.change != Change::Unchanged)
    }

    /// A unified diff of every changed file against what is on disk.
    pub fn diff(&self) -> String {
        let mut out = String::new();
        for planned in self.files.iter().filter(|f| f.change != Change::Unchanged) {
            let old = planned
                .current
                .as_deref()
                .map(String::from_utf8_lossy)
                .unwrap_or_default();
            let new = String::from_utf8_lossy(&planned.file.contents);
            let diff = similar::TextDiff::from_lines(old.as_ref(), new.as_ref());
            let old_name = if planned.current.is_some() {
                planned.path.display().to_string()
            } else {
                "/dev/null".to_owned()
            };
            out.push_str(
                &diff
                    .unified_diff()
                    .context_radius(3)
                    .header(&old_name, &planned.path.display().to_string())
                    .to_string(),
            );
        }
        out
    }
}

/// How to apply a plan.
#[derive(Debug, Clone, Copy)]
pub struct ApplyOptions<'a> {
    pub map_type: MapType,
    /// `None` skips compiling the maps (`--no-postmap`, or no Postfix here).
    pub postfix: Option<&'a PostfixTools>,
}

/// What applying did.
#[derive(Debug, Default, serde::Serialize)]
pub struct ApplyReport {
    /// Files written, by path.
    pub written: Vec<String>,
    /// Maps compiled with `postmap`, by name.
    pub compiled: Vec<String>,
}

/// A plan whose new files are written, synced and compiled in its staging
/// directory, waiting to be renamed into place by `commit`.
pub struct Staged {
    stage: Stage,
    dir: PathBuf,
    moves: Vec<Move>,
    report: ApplyReport,
}

/// One staged file and where it goes.
struct Move {
    staged: PathBuf,
    target: PathBuf,
    name: String,
}

/// Write the plan's changed files into place, compiling maps first.
pub fn apply(plan: &Plan, options: ApplyOptions) -> Result<ApplyReport, ApplyError> {
    commit(vec![stage(plan, options)?])
}

/// Everything but the renames: write each changed file into a staging
/// directory next to its target, and compile the maps there. Nothing the
/// user has is touched yet, so a failure here loses nothing.
pub fn stage(plan: &Plan, options: ApplyOptions) -> Result<Staged, ApplyError> {
    fs::create_dir_all(&plan.dir).map_err(io_error("create directory", &plan.dir))?;
    let stage = Stage::create(&plan.dir)?;
    let mut report = ApplyReport::default();

    let mut moves: Vec<Move> = Vec::new();
    for planned in plan.files.iter().filter(|f| f.change != Change::Unchanged) {
        let staged = stage.write(
            &planned.file.contents,
            planned.file.name,
            planned.current_meta,
            planned.file.secret_group,
        )?;
        moves.push(Move {
            staged,
            target: planned.path.clone(),
            name: planned.file.name.to_owned(),
        });
        report.written.push(planned.path.display().to_string());
    }

    if let Some(tools) = options.postfix {
        // postmap reads main.cf from its -c directory: give it the new one.
        // Postfix tools wait for a main.cf or source file written in the last
        // second to settle (they guard against half-written files). Ours are
        // complete and synced, so they are dated back instead.
        if !plan
            .files
            .iter()
            .any(|f| f.file.name == "main.cf" && f.change != Change::Unchanged)
            && let Some(main_cf) = plan.files.iter().find(|f| f.file.name == "main.cf")
        {
            stage.write(&main_cf.file.contents, "main.cf", None, None)?;
        }
        backdate(&stage.dir.join("main.cf"))?;
        for planned in plan.files.iter().filter(|f| f.file.compile.is_some()) {
            let compile = planned.file.compile.expect("filtered on compile");
            let db_name = format!("{}{}", planned.file.name, options.map_type.db_suffix());
            let stale = planned.change != Change::Unchanged
                || db_is_stale(&planned.path, &plan.dir.join(&db_name));
            if !stale {
                continue;
            }
            let source = if planned.change == Change::Unchanged {
                stage.write(
                    &planned.file.contents,
                    planned.file.name,
                    planned.current_meta,
                    None,
                )?
            } else {
                stage.dir.join(planned.file.name)
            };
            backdate(&source)?;
            tools
                .compile(compile, &stage.dir, options.map_type, &source)
                .map_err(|source| ApplyError::Postmap {
                    dir: plan.dir.clone(),
                    source,
                })?;
            let db = stage.dir.join(&db_name);
            if let Some((mode, uid, gid)) = planned.current_meta {
                set_meta(&db, mode & !0o002, uid, gid)?;
            }
            moves.push(Move {
                staged: db,
                target: plan.dir.join(&db_name),
                name: db_name,
            });
            report.compiled.push(planned.file.name.to_owned());
        }
    }

    Ok(Staged {
        stage,
        dir: plan.dir.clone(),
        moves,
        report,
    })
}

/// Rename every staged file of every plan into place, backing up what each
/// replaces. On the first failure, undo every rename already done, in every
/// directory, so that either all files are new or none is.
pub fn commit(staged: Vec<Staged>) -> Result<ApplyReport, ApplyError> {
    let mut done: Vec<Done> = Vec::new();
    for plan in &staged {
        if let Err(error) = commit_plan(plan, &mut done) {
            return Err(roll_back(&done, &error).unwrap_or(error));
        }
    }
    let mut report = ApplyReport::default();
    for plan in staged {
        sync_dir(&plan.dir)?;
        report.written.extend(plan.report.written);
        report.compiled.extend(plan.report.compiled);
        drop(plan.stage);
    }
    Ok(report)
}

/// A `.db`/`.lmdb` that is missing or older than its source needs `postmap`.
fn db_is_stale(source: &Path, db: &Path) -> bool {
    let modified = |p: &Path| fs::metadata(p).and_then(|m| m.modified()).ok();
    match (modified(source), modified(db)) {
        (Some(source), Some(db)) => db < source,
        _ => true,
    }
}

fn backdate(path: &Path) -> Result<(), ApplyError> {
    let past = SystemTime::now() - Duration::from_secs(2);
    File::options()
        .write(true)
        .open(path)
        .and_then(|f| f.set_modified(past))
        .map_err(io_error("set the modification time of", path))
}

fn set_meta(path: &Path, mode: u32, uid: u32, gid: u32) -> Result<(), ApplyError> {
    fs::set_permissions(path, Permissions::from_mode(mode))
        .map_err(io_error("set the mode of", path))?;
    // Only root can give a file away; anyone else keeps their own files.
    match std::os::unix::fs::chown(path, Some(uid), Some(gid)) {
        Err(e) if e.kind() != io::ErrorKind::PermissionDenied => {
            Err(io_error("set the owner of", path)(e))
        }
        _ => Ok(()),
    }
}

/// A rename done by `commit`: the target, and its backup if it replaced a file.
struct Done {
    target: PathBuf,
    backup: Option<PathBuf>,
}

fn commit_plan(plan: &Staged, done: &mut Vec<Done>) -> Result<(), ApplyError> {
    let backup_dir = plan.dir.join(BACKUP_DIR);
    if !plan.moves.is_empty() {
        fs::create_dir_all(&backup_dir).map_err(io_error("create directory", &backup_dir))?;
    }
    for Move {
        staged,
        target,
        name,
    } in &plan.moves
    {
        let backup = backup_dir.join(name);
        // `plan` refused links and directories, so anything here is a file.
        let had_file = target.symlink_metadata().is_ok();
        if had_file {
            match fs::remove_file(&backup) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => {
                    return Err(io_error("replace backup", &backup)(e));
                }
                _ => {}
            }
            fs::hard_link(target, &backup).map_err(io_error("back up", target))?;
        }
        fs::rename(staged, target).map_err(io_error("write", target))?;
        done.push(Done {
            target: target.clone(),
            backup: had_file.then_some(backup),
        });
    }
    Ok(())
}

/// Put back what `commit` replaced, newest first. Returns an error only if
/// a restore itself failed: that one matters more than the original.
fn roll_back(done: &[Done], cause: &ApplyError) -> Option<ApplyError> {
    let mut failed = None;
    for Done { target, backup } in done.iter().rev() {
        let result = match backup {
            Some(backup) => fs::rename(backup, target),
            None => fs::remove_file(target),
        };
        if let Err(source) = result {
            failed.get_or_insert(ApplyError::Restore {
                path: target.clone(),
                failure: cause.to_string(),
                source,
            });
        }
        if let Some(dir) = target.parent() {
            let _ = sync_dir(dir);
        }
    }
    failed
}

fn sync_dir(dir: &Path) -> Result<(), ApplyError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_error("sync directory", dir))
}

/// An exclusive `flock(2)` on `<dir>/.mailctl-backup/.mailctl-lock`, held while open (and
/// released when the process ends, also when it is killed).
#[derive(Debug)]
pub struct Lock {
    _file: File,
    pub path: PathBuf,
}

/// Take the lock of `dir` (created 0600, never through a symbolic link),
/// waiting up to `wait` for another run to release it.
pub fn lock(dir: &Path, wait: Duration) -> Result<Lock, ApplyError> {
    use rustix::fs::{FlockOperation, flock};
    use std::io::{Read as _, Seek as _};
    use std::os::unix::fs::OpenOptionsExt;
    let dir = dir.join(BACKUP_DIR);
    fs::create_dir_all(&dir).map_err(io_error("create directory", &dir))?;
    let path = dir.join(LOCK_FILE);
    let mut file = File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(i32::try_from(rustix::fs::OFlags::NOFOLLOW.bits()).expect("O_NOFOLLOW fits"))
        .open(&path)
        .map_err(io_error("open the lock (not a symbolic link)", &path))?;
    let start = std::time::Instant::now();
    loop {
        match flock(&file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => break,
            Err(e) if e == rustix::io::Errno::WOULDBLOCK => {
                if start.elapsed() >= wait {
                    let mut pid = String::new();
                    let _ = file.rewind().and_then(|()| file.read_to_string(&mut pid));
                    let pid = pid.trim();
                    return Err(ApplyError::Locked {
                        pid: if pid.is_empty() { "unknown" } else { pid }.to_owned(),
                        path,
                        seconds: wait.as_secs(),
                    });
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => return Err(io_error("lock", &path)(e.into())),
        }
    }
    let _ = file
        .set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| writeln!(file, "{}", std::process::id()));
    Ok(Lock { _file: file, path })
}

/// A private directory for the new files, removed when dropped.
struct Stage {
    dir: PathBuf,
}

impl Stage {
    fn create(parent: &Path) -> Result<Stage, ApplyError> {
        remove_stale_stages(parent);
        let dir = parent.join(format!("{STAGE_PREFIX}{}", std::process::id()));
        // A stage left behind by a killed run of this same pid is stale.
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir(&dir).map_err(io_error("create directory", &dir))?;
        fs::set_permissions(&dir, Permissions::from_mode(0o700))
            .map_err(io_error("set the mode of", &dir))?;
        Ok(Stage { dir })
    }

    /// Write, set mode and owner, fsync; returns the staged path. A secret
    /// is created 0600 before its first byte is written.
    fn write(
        &self,
        contents: &[u8],
        name: &str,
        meta: Option<(u32, u32, u32)>,
        secret_group: Option<&str>,
    ) -> Result<PathBuf, ApplyError> {
        use std::os::unix::fs::OpenOptionsExt;
        let path = self.dir.join(name);
        let _ = fs::remove_file(&path);
        let create_mode = if secret_group.is_some() {
            0o600
        } else {
            NEW_FILE_MODE
        };
        let mut file = File::options()
            .write(true)
            .create_new(true)
            .mode(create_mode)
            .open(&path)
            .map_err(io_error("write", &path))?;
        file.write_all(contents).map_err(io_error("write", &path))?;
        match (meta, secret_group) {
            (Some((mode, uid, gid)), None) => set_meta(&path, mode & !0o002, uid, gid)?,
            (Some((mode, uid, gid)), Some(_)) => set_meta(&path, mode & !0o007, uid, gid)?,
            (None, None) => fs::set_permissions(&path, Permissions::from_mode(NEW_FILE_MODE))
                .map_err(io_error("set the mode of", &path))?,
            (None, Some(group)) => {
                // Readable by the group only when the file really is that
                // group's; otherwise it stays 0600.
                let mode = match group_id(group) {
                    Some(gid) if std::os::unix::fs::chown(&path, None, Some(gid)).is_ok() => 0o640,
                    _ => 0o600,
                };
                fs::set_permissions(&path, Permissions::from_mode(mode))
                    .map_err(io_error("set the mode of", &path))?;
            }
        }
        file.sync_all().map_err(io_error("sync", &path))?;
        Ok(path)
    }
}

const STAGE_PREFIX: &str = ".mailctl-stage-";

/// Remove the stages of runs that were killed (their process is gone), so
/// they do not pile up beside the configuration. A stage whose process
/// still runs, or that cannot be told, is left alone.
fn remove_stale_stages(parent: &Path) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(STAGE_PREFIX))
            // Digits only, and above 0: `-5` would name a process group.
            .and_then(|pid| pid.parse::<u32>().ok())
            .and_then(|pid| i32::try_from(pid).ok())
            .filter(|&pid| pid > 0)
            .and_then(rustix::process::Pid::from_raw)
        else {
            continue;
        };
        let gone = matches!(
            rustix::process::test_kill_process(pid),
            Err(rustix::io::Errno::SRCH)
        );
        if gone && entry.file_type().is_ok_and(|t| t.is_dir()) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// A group's id from /etc/group; `None` when there is no such group.
pub(crate) fn group_id(name: &str) -> Option<u32> {
    let groups = fs::read_to_string("/etc/group").ok()?;
    groups.lines().find_map(|line| {
        let mut fields = line.split(':');
        (fields.next() == Some(name))
            .then(|| fields.nth(1)?.parse().ok())
            .flatten()
    })
}

impl Drop for Stage {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_of_killed_runs_are_removed_and_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        // A process that has ended: its pid names no process now.
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let stale = dir.path().join(format!("{STAGE_PREFIX}{dead}"));
        // pid 1 runs as long as the machine does.
        let live = dir.path().join(format!("{STAGE_PREFIX}1"));
        let unrelated = dir.path().join(format!("{STAGE_PREFIX}notapid"));
        let group = dir.path().join(format!("{STAGE_PREFIX}-5"));
        let zero = dir.path().join(format!("{STAGE_PREFIX}0"));
        for d in [&stale, &live, &unrelated, &group, &zero] {
            fs::create_dir(d).unwrap();
            fs::write(d.join("main.cf"), "staged").unwrap();
        }
        let stage = Stage::create(dir.path()).unwrap();
        assert!(stage.dir.is_dir());
        assert!(!stale.exists(), "the stage of a killed run is left");
        assert!(live.exists() && unrelated.exists() && group.exists() && zero.exists());
        drop(stage);
    }

    #[test]
    fn the_lock_is_exclusive_private_and_never_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let first = lock(dir.path(), Duration::ZERO).unwrap();
        assert_eq!(first.path, dir.path().join(BACKUP_DIR).join(LOCK_FILE));
        assert_eq!(
            fs::metadata(&first.path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let err = lock(dir.path(), Duration::from_millis(200)).unwrap_err();
        assert!(matches!(err, ApplyError::Locked { .. }), "{err}");
        drop(first);
        drop(lock(dir.path(), Duration::ZERO).unwrap());

        let other = tempfile::tempdir().unwrap();
        let target = other.path().join("elsewhere");
        fs::create_dir(other.path().join(BACKUP_DIR)).unwrap();
        std::os::unix::fs::symlink(&target, other.path().join(BACKUP_DIR).join(LOCK_FILE)).unwrap();
        assert!(lock(other.path(), Duration::ZERO).is_err());
        assert!(!target.exists(), "the link was not followed");
    }
}
