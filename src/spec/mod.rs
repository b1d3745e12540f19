//! The spec, `mailctl.toml`: reading it (`load`), its wire format (`raw`),
//! the checks (`validate`, `names`) and the validated model (`model`), plus
//! the located diagnostics every input check reports (`diagnostic`).

pub mod acme;
pub mod checker;
pub mod diagnostic;
pub mod dns;
pub mod load;
pub mod model;
pub mod names;
pub(crate) mod parallel;
pub mod raw;
pub mod validate;

use std::path::{Path, PathBuf};

pub use diagnostic::{Diagnostic, Severity, SourceFile};
pub use model::Spec;

/// Why a spec could not be turned into a model.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("cannot read spec `{}`", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("spec `{}` is not valid ({} error{})", path.display(), count_errors(diagnostics), if count_errors(diagnostics) == 1 { "" } else { "s" })]
    Invalid {
        path: PathBuf,
        /// Every problem found, errors and warnings, sorted by position.
        diagnostics: Vec<Diagnostic>,
    },
}

fn count_errors(diagnostics: &[Diagnostic]) -> usize {
    diagnostics.iter().filter(|d| d.is_error()).count()
}

/// A valid spec and the warnings found on the way.
#[derive(Debug)]
pub struct LoadedSpec {
    pub spec: Spec,
    pub warnings: Vec<Diagnostic>,
}

/// Read, parse and validate the spec at `path`.
pub fn load(path: &Path) -> Result<LoadedSpec, SpecError> {
    from_source(&read(path)?)
}

/// Parse and validate spec text that is already in memory.
pub fn from_source(file: &SourceFile) -> Result<LoadedSpec, SpecError> {
    check(file, &parse(file)?)
}

/// Read the spec file (the first of the three steps of `load`).
pub fn read(path: &Path) -> Result<SourceFile, SpecError> {
    let text = std::fs::read_to_string(path).map_err(|source| SpecError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(SourceFile::new(path, text))
}

/// Parse the TOML into the wire types (the second step).
pub fn parse(file: &SourceFile) -> Result<load::LoadedSpec<'_>, SpecError> {
    load::parse(file).map_err(|d| SpecError::Invalid {
        path: file.path.clone(),
        diagnostics: vec![*d],
    })
}

/// Validate the parsed spec into the model (the third step).
pub fn check(file: &SourceFile, loaded: &load::LoadedSpec) -> Result<LoadedSpec, SpecError> {
    match validate::validate(file, loaded) {
        (Some(spec), warnings) => Ok(LoadedSpec { spec, warnings }),
        (None, diagnostics) => Err(SpecError::Invalid {
            path: file.path.clone(),
            diagnostics,
        }),
    }
}
