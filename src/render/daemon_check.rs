//! A rendered daemon configuration judged by the daemon's own parser
//! (`doveconf -n -c FILE`, `opendkim -n -x FILE`), for `mailctl validate`.
//! mailctl's templates are checked by tests; this catches what an override
//! template (`--templates`) or a different daemon version would refuse.

use std::process::Command;

use crate::spec::Diagnostic;

/// How to ask one daemon about one rendered file.
pub struct DaemonCheck {
    /// The program, looked up on `PATH` and in the sbin directories.
    pub program: &'static str,
    /// Its arguments before the file's path.
    pub args: &'static [&'static str],
    /// The rendered file's name, as messages show it.
    pub file_name: &'static str,
}

impl DaemonCheck {
    /// `None` when the program is not installed (the check is skipped);
    /// otherwise the problems found: each stderr line is an error (both
    /// daemons print nothing there for a good file), and so is a non-zero
    /// exit that printed nothing.
    pub fn run(&self, contents: &[u8]) -> Option<Vec<Diagnostic>> {
        let program = crate::postfix::tools::find_program(self.program)?;
        let dir =
            std::env::temp_dir().join(format!("mailctl-{}-{}", self.program, std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let file = dir.join(self.file_name);
        let checked = (|| {
            std::fs::create_dir(&dir)?;
            std::fs::write(&file, contents)?;
            Command::new(&program).args(self.args).arg(&file).output()
        })();
        let _ = std::fs::remove_dir_all(&dir);
        let out = match checked {
            Ok(out) => out,
            Err(e) => {
                return Some(vec![Diagnostic::warning(
                    self.program,
                    format!(
                        "could not run {} on the rendered {}: {e}",
                        self.program, self.file_name
                    ),
                )]);
            }
        };
        let stderr = String::from_utf8_lossy(&out.stderr);
        let mut problems: Vec<Diagnostic> = stderr
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|line| {
                let line = line.replace(&file.display().to_string(), self.file_name);
                Diagnostic::error(
                    self.program,
                    format!(
                        "rendered {}: {} says: {}",
                        self.file_name,
                        self.program,
                        line.trim()
                    ),
                )
            })
            .collect();
        if !out.status.success() && problems.is_empty() {
            problems.push(Diagnostic::error(
                self.program,
                format!(
                    "rendered {}: {} exited {}",
                    self.file_name, self.program, out.status
                ),
            ));
        }
        Some(problems)
    }
}

/// Dovecot's verdict on `dovecot.conf`.
pub const DOVECONF: DaemonCheck = DaemonCheck {
    program: "doveconf",
    args: &["-n", "-c"],
    file_name: "dovecot.conf",
};

/// `OpenDKIM`'s verdict on `opendkim.conf` (`-n`: parse and exit).
pub const OPENDKIM: DaemonCheck = DaemonCheck {
    program: "opendkim",
    args: &["-n", "-x"],
    file_name: "opendkim.conf",
};
