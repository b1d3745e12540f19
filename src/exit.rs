//! The exit codes (see the README and `mailctl --help`) and the one function
//! that decides which one an error deserves.

use crate::postfix::tools::ToolError;
use crate::render::RenderError;
use crate::render::apply::ApplyError;
use crate::spec::SpecError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Success; for checking commands, nothing at error level.
    Success = 0,
    /// A checking command ran, and the answer is "no".
    Problems = 1,
    /// Usage error, or the spec or input is invalid.
    Invalid = 2,
    /// The environment failed: I/O, a program missing or failing.
    Environment = 3,
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit as u8)
    }
}

/// Walk the error chain: the first error mailctl knows decides the code.
pub fn classify(error: &anyhow::Error) -> Exit {
    for cause in error.chain() {
        if let Some(e) = cause.downcast_ref::<SpecError>() {
            return match e {
                SpecError::Read { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                    Exit::Invalid
                }
                SpecError::Read { .. } => Exit::Environment,
                SpecError::Invalid { .. } => Exit::Invalid,
            };
        }
        if let Some(e) = cause.downcast_ref::<RenderError>() {
            return match e {
                RenderError::ReadTemplate { .. } => Exit::Environment,
                RenderError::Passwords { source } => match source {
                    crate::dovecot::DovecotError::Passwords(
                        crate::dovecot::password::PasswordsError::Invalid { .. },
                    ) => Exit::Invalid,
                    crate::dovecot::DovecotError::Passwords(
                        crate::dovecot::password::PasswordsError::Io { .. },
                    ) => Exit::Environment,
                },
                RenderError::Template { .. } | RenderError::ControlCharacter { .. } => {
                    Exit::Invalid
                }
            };
        }
        if let Some(e) = cause.downcast_ref::<crate::dkim::DkimError>() {
            return match e {
                crate::dkim::DkimError::Parse { .. } => Exit::Invalid,
                crate::dkim::DkimError::Read { .. }
                | crate::dkim::DkimError::Write { .. }
                | crate::dkim::DkimError::Generate { .. } => Exit::Environment,
            };
        }
        if let Some(e) = cause.downcast_ref::<crate::dovecot::password::PasswordsError>() {
            return match e {
                crate::dovecot::password::PasswordsError::Invalid { .. } => Exit::Invalid,
                crate::dovecot::password::PasswordsError::Io { .. } => Exit::Environment,
            };
        }
        if let Some(e) = cause.downcast_ref::<crate::postfix::lint::LintError>() {
            return match e {
                crate::postfix::lint::LintError::NotFound { .. }
                | crate::postfix::lint::LintError::NotPostfixDir { .. } => Exit::Invalid,
                crate::postfix::lint::LintError::Read { .. } => Exit::Environment,
            };
        }
        if let Some(e) = cause.downcast_ref::<crate::acme::AcmeError>() {
            return if e.is_invalid_input() {
                Exit::Invalid
            } else {
                Exit::Environment
            };
        }
        if cause.downcast_ref::<crate::check::CheckError>().is_some() {
            return Exit::Environment;
        }
        if cause.downcast_ref::<ApplyError>().is_some()
            || cause.downcast_ref::<ToolError>().is_some()
        {
            return Exit::Environment;
        }
        if cause.downcast_ref::<std::io::Error>().is_some() {
            return Exit::Environment;
        }
    }
    Exit::Invalid
}
