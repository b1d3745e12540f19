//! Running Postfix's own programs (`postmap`, `postfix reload`) on a
//! configuration directory. Always with `-c DIR`: on a machine where Postfix
//! was installed without a configuration, the defaults do not exist.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::render::Compile;
use crate::spec::model::MapType;

#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    #[error("cannot run `{}`", program.display())]
    Spawn {
        program: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{command}` failed ({status}): {stderr}")]
    Failed {
        command: String,
        status: String,
        stderr: String,
    },
    #[error("`{program}` is not installed (not found on PATH)")]
    Missing { program: &'static str },
}

/// Where Postfix's programs are on this machine.
#[derive(Debug, Clone)]
pub struct PostfixTools {
    pub postmap: PathBuf,
    pub postalias: PathBuf,
    pub postfix: Option<PathBuf>,
}

impl PostfixTools {
    /// Find the programs on `PATH` (and in `/usr/sbin`, which is often not
    /// on a normal user's `PATH`). `None` when `postmap` is not installed.
    pub fn find() -> Option<PostfixTools> {
        Some(PostfixTools {
            postmap: find_program("postmap")?,
            postalias: find_program("postalias")?,
            postfix: find_program("postfix"),
        })
    }

    /// Compile a lookup table: `postmap -c CONFIG_DIR TYPE:SOURCE` (or
    /// `postalias` for aliases(5) files). They only warn (and exit 0) about
    /// lines they skip, so any warning from a table mailctl rendered is a
    /// failure.
    pub fn compile(
        &self,
        compile: Compile,
        config_dir: &Path,
        map_type: MapType,
        source: &Path,
    ) -> Result<(), ToolError> {
        let table = format!("{}:{}", map_type.name(), source.display());
        let (program, name) = match compile {
            Compile::Postmap => (&self.postmap, "postmap"),
            Compile::Postalias => (&self.postalias, "postalias"),
        };
        let mut command = Command::new(program);
        command.arg("-c").arg(config_dir).arg(&table);
        run(&mut command, &format!("{name} {table}"))
    }

    /// `postfix -c DIR reload`.
    pub fn reload(&self, config_dir: &Path) -> Result<(), ToolError> {
        let program = self
            .postfix
            .as_ref()
            .ok_or(ToolError::Missing { program: "postfix" })?;
        let mut command = Command::new(program);
        command.arg("-c").arg(config_dir).arg("reload");
        run(
            &mut command,
            &format!("postfix -c {} reload", config_dir.display()),
        )
    }
}

fn run(command: &mut Command, shown: &str) -> Result<(), ToolError> {
    let output = command.output().map_err(|source| ToolError::Spawn {
        program: PathBuf::from(command.get_program()),
        source,
    })?;
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
    if output.status.success() && !stderr.contains("warning:") && !stderr.contains("fatal:") {
        return Ok(());
    }
    Err(ToolError::Failed {
        command: shown.to_owned(),
        status: output.status.to_string(),
        stderr: if stderr.is_empty() {
            "no message".to_owned()
        } else {
            stderr
        },
    })
}

pub(crate) fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/bin")])
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}
