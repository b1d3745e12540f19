//! The lint rules mailctl knows: stable code, severity, what each catches
//! and why it matters. This table is the single source for
//! `mailctl lint --help` and `docs/lint-rules.md` (a test keeps the file
//! equal to `markdown()`); the checks themselves live in `lint.rs`.

use std::fmt::Write as _;

use crate::spec::Severity;

#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub code: &'static str,
    pub severity: Severity,
    /// Which file kind the rule reads.
    pub file: &'static str,
    pub catches: &'static str,
    pub why: &'static str,
}

const fn rule(
    code: &'static str,
    severity: Severity,
    file: &'static str,
    catches: &'static str,
    why: &'static str,
) -> Rule {
    Rule {
        code,
        severity,
        file,
        catches,
        why,
    }
}

use Severity::{Error, Warning};

pub const RULES: &[Rule] = &[
    rule(
        "syntax",
        Error,
        "main.cf",
        "a line without `=` (`virtual domains x`)",
        "postconf and every daemon stop with `fatal: missing '=' after attribute name`",
    ),
    rule(
        "invalid-parameter-name",
        Error,
        "main.cf, master.cf",
        "a parameter name with spaces, punctuation or non-ASCII letters (`virtual domains = x`)",
        "Postfix refuses the whole file (`missing '=' after attribute name`)",
    ),
    rule(
        "unknown-parameter",
        Error,
        "main.cf, master.cf",
        "a name Postfix 3.7 does not know, that no master.cf service defines and nothing references (with a did-you-mean)",
        "Postfix ignores it silently (postconf only says `unused parameter`), so a typo turns a setting off",
    ),
    rule(
        "obsolete-parameter",
        Warning,
        "main.cf, master.cf",
        "a renamed or deprecated name that Postfix 3.7 still honours (`virtual_maps`, `smtpd_use_tls`, `disable_dns_lookups`)",
        "it will stop working in a later Postfix (3.9 already logs warnings for many); the replacement is named",
    ),
    rule(
        "removed-parameter",
        Error,
        "main.cf, master.cf",
        "an old name Postfix 3.7 no longer reads (`sender_based_routing`, `smtpd_tls_cipherlist`)",
        "the setting has no effect at all; the replacement is named",
    ),
    rule(
        "undefined-parameter",
        Error,
        "main.cf, master.cf",
        "`$name` referring to a parameter that is defined nowhere",
        "Postfix expands it to nothing: `relay_domains = $undefined` silently becomes empty",
    ),
    rule(
        "duplicate-parameter",
        Warning,
        "main.cf",
        "a parameter defined twice",
        "only the last definition counts; the earlier one is dead and misleads readers",
    ),
    rule(
        "domain-in-multiple-classes",
        Error,
        "main.cf",
        "a domain listed in more than one of mydestination, virtual_alias_domains, virtual_mailbox_domains, relay_domains (maps included)",
        "Postfix picks one address class and mail goes to the wrong place (trivial-rewrite: `do not list domain ... in BOTH`)",
    ),
    rule(
        "open-relay",
        Error,
        "main.cf, master.cf",
        "smtpd_relay_restrictions and smtpd_recipient_restrictions (main.cf, or a smtpd service's `-o`) where neither rejects mail for other domains (`reject_unauth_destination`, `defer_unauth_destination`, `reject`) before a `permit` (or `permit_mynetworks` with `mynetworks = 0.0.0.0/0`), or where neither names such a control at all",
        "with a `permit` first the server relays mail from anyone to anywhere and is abused for spam within hours; with no control at all smtpd refuses to start",
    ),
    rule(
        "invalid-tls-level",
        Error,
        "main.cf, master.cf",
        "`*_tls_security_level` set to a level that does not exist (`smtpd_tls_security_level = bogus`)",
        "Postfix fails at runtime; postconf does not notice",
    ),
    rule(
        "invalid-number",
        Error,
        "main.cf, master.cf",
        "a numeric parameter with a value that is not a number (`message_size_limit = 10M`)",
        "`postfix check` and every daemon stop with `bad numerical configuration`",
    ),
    rule(
        "invalid-boolean",
        Error,
        "main.cf, master.cf",
        "a yes/no parameter with another value (`biff = false`)",
        "daemons stop with `bad boolean configuration`",
    ),
    rule(
        "invalid-time",
        Error,
        "main.cf, master.cf",
        "a time parameter that is not a number with an optional s/m/h/d/w unit (`maximal_queue_lifetime = 5 days`)",
        "daemons stop with `bad time value`",
    ),
    rule(
        "tls-file-missing",
        Error,
        "main.cf (on disk)",
        "a TLS certificate or key file that does not exist",
        "TLS is switched off (level `may`) or every TLS session fails (`encrypt`)",
    ),
    rule(
        "tls-key-mismatch",
        Error,
        "main.cf (on disk)",
        "a TLS certificate whose public key is not the key file's (checked with `openssl`, when installed)",
        "every TLS handshake fails: `key values mismatch`",
    ),
    rule(
        "tls-key-unchecked",
        Warning,
        "main.cf (on disk)",
        "a TLS certificate and key that could not be compared: `openssl` is not installed, or cannot read one of them",
        "a mismatch (`tls-key-mismatch`) would go unnoticed until every TLS handshake fails",
    ),
    rule(
        "map-source-missing",
        Error,
        "main.cf (on disk)",
        "a `hash:`/`lmdb:`/`btree:`/`cdb:` map whose source file does not exist",
        "the table cannot be rebuilt; lookups fail with `451 Temporary lookup failure` once the database goes",
    ),
    rule(
        "map-not-compiled",
        Error,
        "main.cf (on disk)",
        "an indexed map whose `.db`/`.lmdb`/`.cdb` file does not exist (run postmap)",
        "every lookup fails and mail is deferred: `hash:/etc/postfix/virtual is unavailable`",
    ),
    rule(
        "map-stale",
        Warning,
        "main.cf (on disk)",
        "a map source newer than its compiled database",
        "Postfix still uses the old contents until `postmap` runs",
    ),
    rule(
        "table-bad-line",
        Error,
        "lookup table",
        "a line that is not `key whitespace value` (`user@example.com:password`)",
        "postmap skips it with only a warning, so the entry silently does not exist",
    ),
    rule(
        "table-duplicate-key",
        Error,
        "lookup table",
        "the same key twice (keys compare case-insensitively)",
        "postmap keeps the first value and warns; the later line has no effect",
    ),
    rule(
        "table-bad-address",
        Error,
        "lookup table",
        "a key or alias target that should be an address (`user@domain`, `@domain`) but is not",
        "it never matches a recipient (keys) or bounces (targets)",
    ),
    rule(
        "master-field-count",
        Error,
        "master.cf",
        "a service line with fewer than eight columns",
        "Postfix stops with `bad field count`",
    ),
    rule(
        "master-unknown-type",
        Error,
        "master.cf",
        "a service type other than inet, unix, unix-dgram, fifo, pass",
        "Postfix stops with `invalid type field`",
    ),
    rule(
        "master-bad-field",
        Error,
        "master.cf",
        "private/unpriv/chroot not `y`, `n` or `-`; wakeup or maxproc not a number or `-`",
        "master(8) refuses to start",
    ),
    rule(
        "master-duplicate-service",
        Warning,
        "master.cf",
        "the same service name and type defined twice",
        "the later entry replaces the earlier one",
    ),
];

/// The rule list for `mailctl lint --help`.
pub fn help_table() -> String {
    let mut out = String::from("Rules (code, severity: what it catches; why it matters):\n");
    for r in RULES {
        let _ = writeln!(
            out,
            "  {} ({}): {}; {}",
            r.code,
            r.severity.name(),
            strip_ticks(r.catches),
            strip_ticks(r.why)
        );
    }
    out.push_str("\nThe full list with reasons is in docs/lint-rules.md.");
    out
}

fn strip_ticks(text: &str) -> String {
    text.replace('`', "")
}

/// `docs/lint-rules.md`.
pub fn markdown() -> String {
    let mut out = String::from(
        "# `mailctl lint` rules\n\n\
         <!-- Generated from src/postfix/rules.rs; a test fails when this file is stale. \
         Regenerate with `MAILCTL_UPDATE_DOCS=1 cargo test --lib postfix::rules`. -->\n\n\
         `mailctl lint PATH...` checks an existing Postfix configuration: a `main.cf`, a `master.cf`, \
         a lookup-table source, or a whole configuration directory (its `main.cf`, `master.cf` and \
         every map `main.cf` references). `mailctl validate` applies the same rules to the files it \
         renders. Each finding has a file, a line, a severity, a stable code (below), a message, and \
         a `help:` suggestion where there is one. Exit status: 0 when nothing is at error level, 1 \
         when something is, 2 when a path does not exist, 3 on an I/O error.\n\n\
         Parameter names and defaults come from Postfix 3.7 (`postconf -d`, regenerated by \
         `scripts/gen-postfix-catalogue.sh`). Rules marked *on disk* run only when the files are \
         read from disk, not on `mailctl validate`'s in-memory render.\n\n\
         | code | severity | file | what it catches | why it matters |\n\
         |---|---|---|---|---|\n",
    );
    for r in RULES {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} |",
            r.code,
            r.severity.name(),
            r.file,
            r.catches.replace('|', "\\|"),
            r.why.replace('|', "\\|")
        );
    }
    out
}

pub fn find(code: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_kebab_case() {
        let mut codes: Vec<_> = RULES.iter().map(|r| r.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), RULES.len());
        assert!(
            codes
                .iter()
                .all(|c| c.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'))
        );
    }

    #[test]
    fn docs_lint_rules_md_is_fresh() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/lint-rules.md");
        let expected = markdown();
        if std::env::var_os("MAILCTL_UPDATE_DOCS").is_some() {
            std::fs::write(&path, &expected).expect("write docs/lint-rules.md");
        }
        let actual = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            actual == expected,
            "docs/lint-rules.md is stale; regenerate with MAILCTL_UPDATE_DOCS=1 cargo test --lib postfix::rules"
        );
    }
}
