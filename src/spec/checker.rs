//! Collecting located diagnostics while checking one part of the spec: the
//! shared helper of every validator (`validate.rs`, `dns.rs`, ...), so that
//! each reports problems the same way.

use std::fmt;
use std::ops::Range;

use toml::Spanned;

use super::diagnostic::{Diagnostic, SourceFile};

/// Collects diagnostics for a part of `file` whose spans are relative to
/// `base` (a `[[domain]]` table parsed on its own starts at its own offset).
pub struct Checker<'a> {
    pub file: &'a SourceFile,
    pub base: usize,
    pub diagnostics: Vec<Diagnostic>,
}

impl<'a> Checker<'a> {
    pub fn new(file: &'a SourceFile, base: usize) -> Self {
        Checker {
            file,
            base,
            diagnostics: Vec::new(),
        }
    }

    /// The span of a value in the file.
    pub fn span<T>(&self, value: &Spanned<T>) -> Range<usize> {
        let span = value.span();
        self.base + span.start..self.base + span.end
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// Report an error at a span of the file. The key is formatted only
    /// here: building a key string for every checked value would cost more
    /// than the check.
    pub fn error_at(
        &mut self,
        span: Range<usize>,
        code: &'static str,
        key: impl fmt::Display,
        message: String,
    ) -> &mut Diagnostic {
        let d = Diagnostic::error(code, message)
            .at(self.file.locate(span))
            .key(key.to_string());
        self.diagnostics.push(d);
        self.diagnostics.last_mut().expect("just pushed")
    }

    pub fn warning_at(
        &mut self,
        span: Range<usize>,
        code: &'static str,
        key: impl fmt::Display,
        message: String,
    ) -> &mut Diagnostic {
        let d = Diagnostic::warning(code, message)
            .at(self.file.locate(span))
            .key(key.to_string());
        self.diagnostics.push(d);
        self.diagnostics.last_mut().expect("just pushed")
    }

    /// Run a value check; on failure, report `` `value` reason `` with what
    /// was expected, and return `None`.
    pub fn check_at<T>(
        &mut self,
        span: Range<usize>,
        key: impl fmt::Display,
        value: &str,
        expected: &str,
        check: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        match check(value) {
            Ok(v) => Some(v),
            Err(reason) => {
                let shown = value.escape_debug().to_string();
                self.error_at(span, "invalid-value", key, format!("`{shown}` {reason}"))
                    .expected = Some(expected.to_owned());
                None
            }
        }
    }

    pub fn error<T>(
        &mut self,
        at: &Spanned<T>,
        code: &'static str,
        key: impl fmt::Display,
        message: String,
    ) -> &mut Diagnostic {
        self.error_at(self.span(at), code, key, message)
    }

    pub fn warning<T>(
        &mut self,
        at: &Spanned<T>,
        code: &'static str,
        key: impl fmt::Display,
        message: String,
    ) -> &mut Diagnostic {
        self.warning_at(self.span(at), code, key, message)
    }

    pub fn check<T>(
        &mut self,
        at: &Spanned<String>,
        key: impl fmt::Display,
        expected: &str,
        check: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        self.check_at(self.span(at), key, at.get_ref(), expected, check)
    }

    /// Warn that a key the spec sets does nothing, and why.
    pub fn unused<T>(&mut self, value: Option<&Spanned<T>>, key: &str, why: &str) {
        if let Some(value) = value {
            self.warning(
                value,
                "unused-key",
                key,
                format!("`{key}` has no effect {why}"),
            );
        }
    }
}
