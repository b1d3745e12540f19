//! The lint engine: reads `main.cf`, `master.cf` and lookup-table sources
//! (from disk, or as `mailctl validate` renders them in memory), applies the
//! rules listed in `rules.rs`, and returns the findings as `Diagnostic`s.
//! It never prints; a problem in a file is a finding, and only a path that
//! cannot be read is an error.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::catalogue::{self, ValueType, is_name_byte};
use super::expand::{self, references};
use super::parse::{self, MainCf, Service};
use crate::spec::diagnostic::{self, Diagnostic, Location, suggest};

/// The directory name findings in rendered (in-memory) files use.
pub const RENDERED: &str = "<rendered>";

#[derive(Debug, thiserror::Error)]
pub enum LintError {
    #[error("`{}` does not exist", path.display())]
    NotFound { path: PathBuf },
    #[error("`{}` holds neither a main.cf nor a master.cf", path.display())]
    NotPostfixDir { path: PathBuf },
    #[error("cannot read `{}`", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// What a lint run looked at, and what it found (sorted by file and line).
#[derive(Debug, Default)]
pub struct LintReport {
    pub files: Vec<PathBuf>,
    pub findings: Vec<Diagnostic>,
}

impl LintReport {
    pub fn errors(&self) -> usize {
        self.findings.iter().filter(|d| d.is_error()).count()
    }
}

/// One configuration to check together: a `main.cf` needs its `master.cf`
/// to know which service parameters exist, and its maps to know their roles.
#[derive(Debug, Default)]
#[allow(clippy::struct_field_names)] // `config_dir` is Postfix's own name
struct Config<'a> {
    config_dir: PathBuf,
    main: Option<(PathBuf, Text<'a>)>,
    master: Option<(PathBuf, Text<'a>)>,
    tables: Vec<(PathBuf, Text<'a>)>,
    /// Files are on disk: check TLS files and compiled maps, and read the
    /// maps `main.cf` references.
    on_disk: bool,
}

/// A file's text: read from disk, or borrowed from what `render` holds in
/// memory (a million-alias `virtual` is not copied to be linted).
type Text<'a> = Cow<'a, str>;

/// Lint files and directories. A directory means its `main.cf`, `master.cf`
/// and every map `main.cf` references. A file named `main.cf*` or
/// `master.cf*` is read as such; any other file is a lookup-table source.
pub fn lint_paths(paths: &[PathBuf]) -> Result<LintReport, LintError> {
    let mut configs: Vec<Config> = Vec::new();
    let mut loose: Vec<(PathBuf, Text)> = Vec::new();
    for path in paths {
        let metadata = std::fs::metadata(path).map_err(|source| match source.kind() {
            io::ErrorKind::NotFound => LintError::NotFound { path: path.clone() },
            _ => LintError::Read {
                path: path.clone(),
                source,
            },
        })?;
        if metadata.is_dir() {
            let mut config = Config {
                config_dir: path.clone(),
                on_disk: true,
                ..Config::default()
            };
            config.main = read_if_exists(&path.join("main.cf"))?;
            config.master = read_if_exists(&path.join("master.cf"))?;
            if config.main.is_none() && config.master.is_none() {
                return Err(LintError::NotPostfixDir { path: path.clone() });
            }
            configs.push(config);
        } else {
            loose.push((path.clone(), Cow::Owned(read(path)?)));
        }
    }
    configs.extend(group_loose(loose));
    let mut report = LintReport::default();
    for config in configs {
        check(&config, &mut report);
    }
    diagnostic::sort(&mut report.findings);
    Ok(report)
}

/// Lint what `mailctl render` would write, before it is written. File names
/// in findings are `<rendered>/main.cf`; nothing on disk is consulted.
pub fn lint_rendered(files: &[(&str, &[u8])]) -> Vec<Diagnostic> {
    let dir = PathBuf::from(RENDERED);
    let mut config = Config {
        config_dir: dir.clone(),
        ..Config::default()
    };
    for (name, contents) in files {
        let entry = (dir.join(name), String::from_utf8_lossy(contents));
        match kind_of(Path::new(name)) {
            Kind::Main => config.main = Some(entry),
            Kind::Master => config.master = Some(entry),
            Kind::Table => config.tables.push(entry),
        }
    }
    let mut report = LintReport::default();
    check(&config, &mut report);
    diagnostic::sort(&mut report.findings);
    report.findings
}

enum Kind {
    Main,
    Master,
    Table,
}

fn kind_of(path: &Path) -> Kind {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    if name.starts_with("main.cf") {
        Kind::Main
    } else if name.starts_with("master.cf") {
        Kind::Master
    } else {
        Kind::Table
    }
}

/// Files named on the command line: a `main.cf` and a `master.cf` from the
/// same directory are checked together; every other file on its own.
fn group_loose(files: Vec<(PathBuf, Text)>) -> Vec<Config> {
    let mut configs: Vec<Config> = Vec::new();
    for (path, text) in files {
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let kind = kind_of(&path);
        let slot = configs.iter_mut().find(|c| {
            c.config_dir == dir
                && match kind {
                    Kind::Main => c.main.is_none(),
                    Kind::Master => c.master.is_none(),
                    Kind::Table => true,
                }
        });
        let config = if let Some(config) = slot {
            config
        } else {
            configs.push(Config {
                config_dir: dir,
                on_disk: true,
                ..Config::default()
            });
            configs.last_mut().expect("just pushed")
        };
        match kind {
            Kind::Main => config.main = Some((path, text)),
            Kind::Master => config.master = Some((path, text)),
            Kind::Table => config.tables.push((path, text)),
        }
    }
    configs
}

fn read(path: &Path) -> Result<String, LintError> {
    let bytes = std::fs::read(path).map_err(|source| LintError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(text_of(bytes))
}

/// A file's bytes as text, invalid UTF-8 replaced; copied only when it has some.
fn text_of(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn read_if_exists(path: &Path) -> Result<Option<(PathBuf, Text<'static>)>, LintError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some((path.to_path_buf(), Cow::Owned(text_of(bytes))))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(LintError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// A location from a line and a character column.
fn at(file: &Path, line: usize, line_text: &str, column: usize, width: usize) -> Location {
    Location {
        file: file.to_path_buf(),
        line,
        column,
        line_text: line_text.to_owned(),
        width: width.max(1),
    }
}

/// Everything the parameter rules need to know about the configuration.
struct Context<'a> {
    /// `main.cf` values, last definition winning.
    main_values: HashMap<&'a str, &'a str>,
    services: Vec<&'a str>,
    override_names: HashSet<&'a str>,
    /// Names some value refers to with `$name`, or that
    /// `smtpd_restriction_classes` lists: user-defined, not unknown.
    referenced: HashSet<String>,
    config_dir: String,
}

impl Context<'_> {
    fn lookup(&self, name: &str) -> Option<String> {
        if name == "config_directory" {
            return Some(self.config_dir.clone());
        }
        self.main_values
            .get(name)
            .map(|v| (*v).to_owned())
            .or_else(|| catalogue::default_of(name).map(str::to_owned))
    }

    fn expand(&self, value: &str) -> String {
        expand::expand(value, &|name| self.lookup(name))
    }

    fn is_service_parameter(&self, name: &str) -> bool {
        catalogue::is_service_parameter(name, self.services.iter().copied())
    }

    fn is_defined(&self, name: &str) -> bool {
        catalogue::is_honoured(name)
            || self.main_values.contains_key(name)
            || self.override_names.contains(name)
            || self.is_service_parameter(name)
    }
}

fn check(config: &Config, report: &mut LintReport) {
    let findings = &mut report.findings;
    let main = config
        .main
        .as_ref()
        .map(|(path, text)| (path, parse::parse_main_cf(text)));
    let master = config
        .master
        .as_ref()
        .map(|(path, text)| (path, parse::parse_master_cf(text)));
    report
        .files
        .extend(config.main.iter().map(|(p, _)| p.clone()));
    report
        .files
        .extend(config.master.iter().map(|(p, _)| p.clone()));

    let empty_main = MainCf::default();
    let main_cf = main.as_ref().map_or(&empty_main, |(_, m)| m);
    let services: &[Service] = master.as_ref().map_or(&[], |(_, s)| s.as_slice());
    let context = build_context(main_cf, services, &config.config_dir);

    if let Some((path, main_cf)) = &main {
        check_main(path, main_cf, &context, findings);
        check_domain_classes(path, main_cf, &context, config, findings);
        check_open_relay(
            path,
            main_cf,
            services,
            master.as_ref().map(|(p, _)| p.as_path()),
            &context,
            findings,
        );
        if config.on_disk {
            check_tls_files(path, main_cf, &context, findings);
        }
    }
    if let Some((path, services)) = &master {
        check_master(path, services, &context, findings);
    }

    // Lookup tables: those main.cf references (with their role), then any
    // named on the command line or rendered that nothing referenced.
    let mut linted: HashSet<PathBuf> = HashSet::new();
    if let Some((path, main_cf)) = &main {
        for reference in map_references(main_cf, &context) {
            check_map_reference(path, &reference, config, &mut linted, report);
        }
    }
    for (path, text) in &config.tables {
        if linted.insert(path.clone()) {
            report.files.push(path.clone());
            lint_table(path, text, Role::Unknown, &mut report.findings);
        }
    }
}

fn build_context<'a>(
    main: &'a MainCf<'a>,
    services: &'a [Service<'a>],
    config_dir: &Path,
) -> Context<'a> {
    let main_values: HashMap<&str, &str> = main
        .parameters
        .iter()
        .map(|p| (p.name, p.value.as_str()))
        .collect();
    let mut referenced: HashSet<String> = HashSet::new();
    let mut note =
        |value: &str| referenced.extend(references(value).iter().map(|r| r.name.to_owned()));
    for value in main_values.values() {
        note(value);
    }
    for service in services {
        for o in &service.overrides {
            note(o.value);
        }
    }
    // As postconf does: a default that is still in effect counts too
    // (`virtual_alias_maps = $virtual_maps` keeps `virtual_maps` in use).
    for (name, default) in catalogue::defaults() {
        if !main_values.contains_key(name) {
            note(default);
        }
    }
    if let Some(classes) = main_values.get("smtpd_restriction_classes") {
        referenced.extend(split_list(classes).map(str::to_owned));
    }
    Context {
        main_values,
        services: services.iter().map(Service::name).collect(),
        override_names: services
            .iter()
            .flat_map(|s| s.overrides.iter().map(|o| o.name))
            .collect(),
        referenced,
        config_dir: config_dir.display().to_string(),
    }
}

/// Postfix list syntax: words separated by commas and/or whitespace.
fn split_list(value: &str) -> impl Iterator<Item = &str> {
    value
        .split([',', ' ', '\t', '\n'])
        .filter(|w| !w.is_empty())
}

fn check_main(path: &Path, main: &MainCf, context: &Context, findings: &mut Vec<Diagnostic>) {
    for segment in &main.malformed {
        let text = segment.text.trim();
        let mut finding = Diagnostic::error("syntax", "this line is not `name = value`").at(at(
            path,
            segment.line,
            segment.text,
            1,
            segment.text.chars().count(),
        ));
        finding = finding.help(if text.contains(char::is_whitespace) {
            "a parameter line is `name = value`; a line that continues the previous value must start with whitespace"
        } else {
            "a parameter line is `name = value`"
        });
        findings.push(finding);
    }
    let mut first_line: HashMap<&str, usize> = HashMap::new();
    for p in &main.parameters {
        let value_column = p.line_text.find('=').map_or(p.column, |i| {
            let after = &p.line_text[i + 1..];
            p.line_text[..i + 1 + (after.len() - after.trim_start().len())]
                .chars()
                .count()
                + 1
        });
        let checked = Checked {
            file: path,
            name: p.name,
            value: &p.value,
            line: p.line,
            line_text: p.line_text,
            name_column: p.column,
            value_column,
        };
        check_parameter(&checked, context, findings);
        if let Some(first) = first_line.get(p.name) {
            findings.push(
                Diagnostic::warning(
                    "duplicate-parameter",
                    format!(
                        "`{}` is already defined on line {first}; this later value wins",
                        p.name
                    ),
                )
                .at(at(
                    path,
                    p.line,
                    p.line_text,
                    p.column,
                    p.name.chars().count(),
                ))
                .key(p.name)
                .help("delete the definition that should not count"),
            );
        } else {
            first_line.insert(p.name, p.line);
        }
    }
}

/// One `name = value`, from main.cf or a master.cf `-o`.
struct Checked<'a> {
    file: &'a Path,
    name: &'a str,
    value: &'a str,
    line: usize,
    line_text: &'a str,
    name_column: usize,
    value_column: usize,
}

impl Checked<'_> {
    fn name_at(&self) -> Location {
        at(
            self.file,
            self.line,
            self.line_text,
            self.name_column,
            self.name.chars().count(),
        )
    }

    fn value_at(&self) -> Location {
        let width = self.value.chars().count().min(
            self.line_text
                .chars()
                .count()
                .saturating_sub(self.value_column - 1),
        );
        at(
            self.file,
            self.line,
            self.line_text,
            self.value_column,
            width,
        )
    }
}

fn check_parameter(p: &Checked, context: &Context, findings: &mut Vec<Diagnostic>) {
    let name = p.name;
    if name.is_empty() || !name.bytes().all(is_name_byte) {
        let mut finding = Diagnostic::error(
            "invalid-parameter-name",
            format!("`{name}` is not a valid parameter name"),
        )
        .at(p.name_at())
        .key(name);
        let underscored: String = name.split_whitespace().collect::<Vec<_>>().join("_");
        finding = match suggest(&underscored, catalogue::defaults().keys().copied()) {
            Some(s) => finding.help(format!(
                "names are ASCII letters, digits and `_`; did you mean `{s}`?"
            )),
            None => finding.help("names are ASCII letters, digits and `_`"),
        };
        findings.push(finding);
        return;
    }
    if let Some(obsolete) = catalogue::obsolete(name) {
        let help = match obsolete.replacement {
            Some(r) => format!("use `{r}` instead ({})", obsolete.note),
            None => format!("delete it ({})", obsolete.note),
        };
        let finding = if catalogue::is_honoured(name) {
            Diagnostic::warning(
                "obsolete-parameter",
                format!("`{name}` is obsolete (since Postfix {})", obsolete.since),
            )
        } else {
            Diagnostic::error(
                "removed-parameter",
                format!(
                    "`{name}` was removed from Postfix; Postfix {} ignores it",
                    catalogue::POSTFIX_VERSION
                ),
            )
        };
        findings.push(finding.at(p.name_at()).key(name).help(help));
    } else if !catalogue::is_known(name)
        && !context.is_service_parameter(name)
        && !context.referenced.contains(name)
    {
        let mut finding = Diagnostic::error(
            "unknown-parameter",
            format!(
                "`{name}` is not a Postfix {} parameter, and nothing refers to it",
                catalogue::POSTFIX_VERSION
            ),
        )
        .at(p.name_at())
        .key(name);
        finding = match suggest(name, catalogue::defaults().keys().copied()) {
            Some(s) => finding.help(format!("did you mean `{s}`?")),
            None => finding.help("Postfix ignores it; delete it, or refer to it as `$name` if it is your own variable"),
        };
        findings.push(finding);
    }
    check_value(p, findings);
    if RUNTIME_MACROS.contains(&name) {
        return;
    }
    for r in references(p.value) {
        if !context.is_defined(r.name) {
            let candidates = catalogue::defaults()
                .keys()
                .copied()
                .chain(context.main_values.keys().copied());
            let help = match suggest(r.name, candidates) {
                Some(s) => format!("did you mean `${s}`? Postfix expands an undefined name to nothing"),
                None => "define it in main.cf, or write `$$` for a literal dollar sign; Postfix expands an undefined name to nothing".to_owned(),
            };
            let column = p.value_column + p.value[..r.offset].chars().count();
            findings.push(
                Diagnostic::error(
                    "undefined-parameter",
                    format!("`${}` refers to a parameter that is not defined", r.name),
                )
                .at(at(p.file, p.line, p.line_text, column, r.len))
                .key(r.name)
                .help(help),
            );
        }
    }
}

/// Parameters whose `$name`s are delivery-time macros (`$user`,
/// `$EXTENSION`, `$client_address`), not other parameters; postconf does
/// not expand them either.
const RUNTIME_MACROS: &[&str] = &[
    "mailbox_command",
    "luser_relay",
    "forward_path",
    "smtpd_reject_footer",
    "postscreen_reject_footer",
    "default_rbl_reply",
    "smtpd_expansion_filter",
    "command_expansion_filter",
];

const SERVER_TLS_LEVELS: &[&str] = &["none", "may", "encrypt"];
const CLIENT_TLS_LEVELS: &[&str] = &[
    "none",
    "may",
    "encrypt",
    "dane",
    "dane-only",
    "fingerprint",
    "verify",
    "secure",
];

fn check_value(p: &Checked, findings: &mut Vec<Diagnostic>) {
    let value = p.value;
    if value.contains('$') {
        return;
    }
    if p.name.ends_with("_tls_security_level") && !value.is_empty() {
        let server = p.name.starts_with("smtpd_")
            || p.name.starts_with("postscreen_")
            || p.name == "tlsproxy_tls_security_level";
        let levels = if server {
            SERVER_TLS_LEVELS
        } else {
            CLIENT_TLS_LEVELS
        };
        if !levels.contains(&value) {
            let mut help = format!("`{}` is one of: {}", p.name, levels.join(", "));
            if let Some(s) = suggest(value, levels.iter().copied()) {
                help = format!("did you mean `{s}`? {help}");
            }
            findings.push(
                Diagnostic::error(
                    "invalid-tls-level",
                    format!("`{value}` is not a TLS security level for `{}`", p.name),
                )
                .at(p.value_at())
                .key(p.name)
                .help(help),
            );
        }
        return;
    }
    let (code, ok, expected) = match catalogue::value_type(p.name) {
        ValueType::Number => (
            "invalid-number",
            {
                let digits = value.strip_prefix('-').unwrap_or(value);
                !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
            },
            "a whole number (no units: `10240000`, not `10M`)",
        ),
        ValueType::Boolean => (
            "invalid-boolean",
            value.eq_ignore_ascii_case("yes") || value.eq_ignore_ascii_case("no"),
            "`yes` or `no`",
        ),
        ValueType::Time => (
            "invalid-time",
            catalogue::is_time(value),
            "a number with an optional unit s, m, h, d or w (`300s`, `5d`)",
        ),
        ValueType::Other => return,
    };
    if !ok {
        findings.push(
            Diagnostic::error(
                code,
                format!("`{}` must be {expected}, not `{value}`", p.name),
            )
            .at(p.value_at())
            .key(p.name)
            .help(match catalogue::default_of(p.name) {
                Some(d) if !d.is_empty() => format!("the default is `{d}`"),
                _ => format!("use {expected}"),
            }),
        );
    }
}

/// The four address classes a domain may belong to; one at most.
const DOMAIN_CLASSES: [&str; 4] = [
    "mydestination",
    "virtual_alias_domains",
    "virtual_mailbox_domains",
    "relay_domains",
];

fn check_domain_classes(
    path: &Path,
    main: &MainCf,
    context: &Context,
    config: &Config,
    findings: &mut Vec<Diagnostic>,
) {
    let mut seen: HashMap<String, &str> = HashMap::new();
    for class in DOMAIN_CLASSES {
        let Some(p) = main.get(class) else { continue };
        let mut domains: Vec<String> = Vec::new();
        for word in split_list(&context.expand(&p.value)) {
            if word.contains('$') || word.starts_with('/') {
                continue;
            }
            if let Some((kind, source)) = word.split_once(':') {
                if let Some(text) = table_text(kind, source, config) {
                    parse::parse_table(
                        &text,
                        |e| domains.push(e.key.to_ascii_lowercase()),
                        |_| {},
                        |_| {},
                    );
                }
                continue;
            }
            domains.push(word.trim_end_matches('.').to_ascii_lowercase());
        }
        for domain in domains {
            match seen.get(domain.as_str()) {
                Some(&other) if other != class => findings.push(
                    Diagnostic::error(
                        "domain-in-multiple-classes",
                        format!("`{domain}` is listed in both `{other}` and `{class}`"),
                    )
                    .at(at(path, p.line, p.line_text, p.column, class.len()))
                    .key(class)
                    .help("a domain belongs to exactly one address class; remove it from all but one (see ADDRESS_CLASS_README)"),
                ),
                Some(_) => {}
                None => {
                    seen.insert(domain, class);
                }
            }
        }
    }
}

/// The source text of a table reference like `hash:/etc/postfix/vdomains`,
/// from the files being linted or (on disk) the file system.
fn table_text<'c>(kind: &str, source: &str, config: &'c Config) -> Option<Cow<'c, str>> {
    let kind = kind.strip_prefix("proxy:").unwrap_or(kind);
    if !INDEXED_TYPES.iter().any(|(t, _)| *t == kind) && kind != "texthash" {
        return None;
    }
    let source = source.strip_prefix("proxy:").unwrap_or(source);
    let path = Path::new(source);
    if let Some((_, text)) = config.tables.iter().find(|(p, _)| p == path) {
        return Some(Cow::Borrowed(text));
    }
    if config.on_disk {
        std::fs::read_to_string(path).ok().map(Cow::Owned)
    } else {
        None
    }
}

/// What lets mail for other domains through: Postfix refuses to relay only
/// when one of the two lists rejects unauthorised destinations.
fn protects(list: &str, open_mynetworks: bool) -> bool {
    for word in split_list(list) {
        match word {
            "reject_unauth_destination"
            | "defer_unauth_destination"
            | "reject"
            | "defer"
            | "defer_if_permit" => return true,
            "permit" => return false,
            "permit_mynetworks" if open_mynetworks => return false,
            _ => {}
        }
    }
    false
}

/// Whether a list names a relay control at all: smtpd refuses to start
/// when neither list does ("specify at least one working instance of").
fn names_relay_control(list: &str) -> bool {
    split_list(list).any(|w| {
        matches!(
            w,
            "reject_unauth_destination"
                | "defer_unauth_destination"
                | "reject"
                | "defer"
                | "defer_if_permit"
        )
    })
}

fn open_relay_message(relay: &str, recipient: &str, what: &str) -> String {
    if names_relay_control(relay) || names_relay_control(recipient) {
        format!("{what} let mail for any domain through before rejecting it: this is an open relay")
    } else {
        format!(
            "{what} never reject mail for other domains; smtpd refuses to start (`specify at least one working instance of: reject_unauth_destination ...`)"
        )
    }
}

fn check_open_relay(
    path: &Path,
    main: &MainCf,
    services: &[Service],
    master_path: Option<&Path>,
    context: &Context,
    findings: &mut Vec<Diagnostic>,
) {
    let open_mynetworks = main.get("mynetworks").is_some_and(|p| {
        split_list(&p.value)
            .any(|n| n == "0.0.0.0/0" || n == "[::]/0" || n == "[::/0]" || n == "::/0")
    });
    let compatibility: f64 = main
        .get("compatibility_level")
        .and_then(|p| {
            p.value
                .split('.')
                .next()
                .and_then(|major| major.parse().ok())
        })
        .unwrap_or(0.0);
    let relay_default = if compatibility < 1.0 {
        ""
    } else {
        "permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination"
    };
    let relay = main.get("smtpd_relay_restrictions");
    let recipient = main.get("smtpd_recipient_restrictions");
    let relay_value = relay.map_or(relay_default.to_owned(), |p| context.expand(&p.value));
    let recipient_value = recipient.map_or(String::new(), |p| context.expand(&p.value));
    let help = "end smtpd_relay_restrictions with `reject_unauth_destination`, e.g. `smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination`";
    if !protects(&relay_value, open_mynetworks) && !protects(&recipient_value, open_mynetworks) {
        let location = match relay.or(recipient) {
            Some(p) => at(path, p.line, p.line_text, p.column, p.name.len()),
            None => at(
                path,
                1,
                main.parameters.first().map_or("", |p| p.line_text),
                1,
                1,
            ),
        };
        findings.push(
            Diagnostic::error(
                "open-relay",
                open_relay_message(
                    &relay_value,
                    &recipient_value,
                    "smtpd_relay_restrictions and smtpd_recipient_restrictions",
                ),
            )
            .at(location)
            .key("smtpd_relay_restrictions")
            .help(help),
        );
    }
    let Some(master_path) = master_path else {
        return;
    };
    for service in services.iter().filter(|s| s.command() == Some("smtpd")) {
        let relay_o = service.override_of("smtpd_relay_restrictions");
        let recipient_o = service.override_of("smtpd_recipient_restrictions");
        let Some(shown) = relay_o.or(recipient_o) else {
            continue;
        };
        let relay = relay_o.map_or(relay_value.clone(), |o| context.expand(o.value));
        let recipient = recipient_o.map_or(recipient_value.clone(), |o| context.expand(o.value));
        if !protects(&relay, open_mynetworks) && !protects(&recipient, open_mynetworks) {
            let w = shown.word;
            findings.push(
                Diagnostic::error(
                    "open-relay",
                    open_relay_message(&relay, &recipient, &format!("the restrictions of service `{}`", service.name()))
                )
                .at(at(master_path, w.line, w.line_text, w.column, w.text.chars().count()))
                .key("smtpd_relay_restrictions")
                .help("end the list with `reject` or `reject_unauth_destination`, e.g. `-o smtpd_relay_restrictions=permit_sasl_authenticated,reject`"),
            );
        }
    }
}

fn check_tls_files(path: &Path, main: &MainCf, context: &Context, findings: &mut Vec<Diagnostic>) {
    for side in ["smtpd", "smtp"] {
        let cert_name = format!("{side}_tls_cert_file");
        let key_name = format!("{side}_tls_key_file");
        let mut existing: Vec<PathBuf> = Vec::new();
        for name in [&cert_name, &key_name, &format!("{side}_tls_CAfile")] {
            // The key defaults to `$smtpd_tls_cert_file` (one file with both).
            let Some(p) = main.get(name) else { continue };
            let file = context.expand(&p.value);
            if file.is_empty() || file.contains('$') {
                continue;
            }
            if Path::new(&file).exists() {
                existing.push(PathBuf::from(&file));
                continue;
            }
            findings.push(
                Diagnostic::error(
                    "tls-file-missing",
                    format!("`{name}` names `{file}`, which does not exist"),
                )
                .at(at(path, p.line, p.line_text, p.column, p.name.len()))
                .key(name.as_str())
                .help("fix the path, or create the certificate (`mailctl cert issue`)"),
            );
        }
        let cert = main.get(&cert_name).map(|p| context.expand(&p.value));
        let key = main
            .get(&key_name)
            .map(|p| context.expand(&p.value))
            .or_else(|| cert.clone());
        let (Some(cert), Some(key)) = (cert, key) else {
            continue;
        };
        if !Path::new(&cert).is_file() || !Path::new(&key).is_file() {
            continue;
        }
        let p = main
            .get(&key_name)
            .or_else(|| main.get(&cert_name))
            .expect("one of them is set");
        let location = at(path, p.line, p.line_text, p.column, p.name.len());
        match key_matches(Path::new(&cert), Path::new(&key)) {
            Ok(true) => {}
            Ok(false) => findings.push(
                Diagnostic::error(
                    "tls-key-mismatch",
                    format!("the private key `{key}` does not belong to the certificate `{cert}`"),
                )
                .at(location)
                .key(key_name.as_str())
                .help("point both parameters at the files of the same certificate; every TLS handshake fails otherwise"),
            ),
            Err(why) => findings.push(
                Diagnostic::warning(
                    "tls-key-unchecked",
                    format!("whether the private key `{key}` belongs to the certificate `{cert}` was not checked: {why}"),
                )
                .at(location)
                .key(key_name.as_str())
                .help("check that openssl is installed and both files are PEM (the certificate, its private key) this user can read, then run lint again"),
            ),
        }
    }
}

/// Whether the key's public half is the certificate's, asking `openssl`.
/// An error says why that cannot be told (openssl missing, a file it
/// cannot read or parse).
fn key_matches(cert: &Path, key: &Path) -> Result<bool, String> {
    let public = |args: &[&str], file: &Path| {
        let output = Command::new("openssl")
            .args(args)
            .arg(file)
            .output()
            .map_err(|e| format!("cannot run openssl: {e}"))?;
        if output.status.success() {
            Ok(output.stdout)
        } else {
            Err(format!(
                "openssl cannot read `{}`: {}",
                file.display(),
                String::from_utf8_lossy(&output.stderr)
                    .lines()
                    .next()
                    .unwrap_or("no reason given")
            ))
        }
    };
    let from_cert = public(&["x509", "-noout", "-pubkey", "-in"], cert)?;
    let from_key = public(&["pkey", "-pubout", "-in"], key)?;
    Ok(from_cert == from_key)
}

/// Map types compiled by postmap, and the file each produces.
const INDEXED_TYPES: &[(&str, &str)] = &[
    ("hash", ".db"),
    ("btree", ".db"),
    ("lmdb", ".lmdb"),
    ("cdb", ".cdb"),
];

/// What a table's keys and values are, from the parameter that uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Address → addresses (`virtual_alias_maps`, canonical maps).
    Aliases,
    /// Address → mailbox path (`virtual_mailbox_maps`).
    Mailboxes,
    /// Domain → anything (the *_domains lists).
    Domains,
    /// aliases(5) format, `name: value`; only its compiled form is checked.
    AliasFile,
    /// Any other table, or a file named on the command line.
    Unknown,
}

fn role_of(parameter: &str) -> Role {
    match parameter {
        "virtual_alias_maps"
        | "canonical_maps"
        | "sender_canonical_maps"
        | "recipient_canonical_maps" => Role::Aliases,
        "virtual_mailbox_maps" => Role::Mailboxes,
        "virtual_mailbox_domains" | "virtual_alias_domains" | "relay_domains" | "mydestination" => {
            Role::Domains
        }
        "alias_maps" | "alias_database" => Role::AliasFile,
        _ => Role::Unknown,
    }
}

struct MapReference<'a> {
    parameter: &'a parse::Parameter<'a>,
    kind: &'a str,
    indexed: Option<&'static str>,
    source: PathBuf,
}

fn map_references<'a>(main: &'a MainCf<'a>, context: &Context) -> Vec<MapReference<'a>> {
    let mut found = Vec::new();
    for p in &main.parameters {
        // Caches are databases Postfix writes itself; they have no source.
        if p.name.contains("cache") || main.get(p.name).is_some_and(|last| !std::ptr::eq(last, p)) {
            continue;
        }
        for word in split_list(&context.expand(&p.value)) {
            let word = word.strip_prefix("proxy:").unwrap_or(word);
            let Some((kind, source)) = word.split_once(':') else {
                continue;
            };
            if !source.starts_with('/') {
                continue;
            }
            let Some(kind) = ["hash", "btree", "lmdb", "cdb", "texthash"]
                .into_iter()
                .find(|k| *k == kind)
            else {
                continue;
            };
            let indexed = INDEXED_TYPES
                .iter()
                .find(|(t, _)| *t == kind)
                .map(|(_, ext)| *ext);
            found.push(MapReference {
                parameter: p,
                kind,
                indexed,
                source: PathBuf::from(source),
            });
        }
    }
    found
}

fn check_map_reference(
    main_path: &Path,
    r: &MapReference,
    config: &Config,
    linted: &mut HashSet<PathBuf>,
    report: &mut LintReport,
) {
    let p = r.parameter;
    let here = || at(main_path, p.line, p.line_text, p.column, p.name.len());
    let role = role_of(p.name);
    let loaded = config.tables.iter().find(|(path, _)| *path == r.source);
    // One report per table, however many parameters use it.
    if !linted.insert(r.source.clone()) {
        return;
    }
    if config.on_disk && loaded.is_none() {
        let Ok(source_meta) = std::fs::metadata(&r.source) else {
            report.findings.push(
                Diagnostic::error(
                    "map-source-missing",
                    format!(
                        "`{}` uses `{}:{}`, whose source file does not exist",
                        p.name,
                        r.kind,
                        r.source.display()
                    ),
                )
                .at(here())
                .key(p.name)
                .help("create the file (one `key value` a line), or remove the map from the list"),
            );
            return;
        };
        if let Some(ext) = r.indexed {
            let mut compiled = r.source.clone().into_os_string();
            compiled.push(ext);
            let postmap = if role == Role::AliasFile {
                "postalias"
            } else {
                "postmap"
            };
            match std::fs::metadata(&compiled) {
                Err(_) => report.findings.push(
                    Diagnostic::error(
                        "map-not-compiled",
                        format!(
                            "`{}` is not compiled: `{}` does not exist",
                            r.source.display(),
                            PathBuf::from(&compiled).display()
                        ),
                    )
                    .at(here())
                    .key(p.name)
                    .help(format!(
                        "run `{postmap} {}:{}`",
                        r.kind,
                        r.source.display()
                    )),
                ),
                Ok(db) => {
                    if let (Ok(source_time), Ok(db_time)) = (source_meta.modified(), db.modified())
                        && source_time > db_time
                    {
                        report.findings.push(
                            Diagnostic::warning(
                                "map-stale",
                                format!(
                                    "`{}` changed after it was last compiled",
                                    r.source.display()
                                ),
                            )
                            .at(here())
                            .key(p.name)
                            .help(format!(
                                "run `{postmap} {}:{}`; Postfix still uses the old contents",
                                r.kind,
                                r.source.display()
                            )),
                        );
                    }
                }
            }
        }
    }
    if role == Role::AliasFile {
        return;
    }
    let text = match loaded {
        Some((_, text)) => Cow::Borrowed(text.as_ref()),
        None if config.on_disk => match std::fs::read(&r.source) {
            Ok(bytes) => Cow::Owned(text_of(bytes)),
            Err(_) => return,
        },
        None => return,
    };
    report.files.push(r.source.clone());
    lint_table(&r.source, &text, role, &mut report.findings);
}

/// The content rules for one lookup-table source.
fn lint_table(path: &Path, text: &str, role: Role, findings: &mut Vec<Diagnostic>) {
    // A rendered `virtual` has a million keys: the fast hasher, and a key
    // copied only when folding could change it (upper case, or not ASCII).
    let mut keys: rustc_hash::FxHashMap<Cow<str>, usize> = rustc_hash::FxHashMap::default();
    let mut entries = Vec::new();
    parse::parse_table(
        text,
        |entry| entries.push(entry),
        |_| {},
        |segment| {
            let trimmed = segment.text.trim();
            let help = if !trimmed.contains(char::is_whitespace) && trimmed.contains(':') {
                "this looks like `user:password`; passwords do not belong in a lookup table (they go to the IMAP server's passwd file)"
            } else {
                "separate the key from its value with whitespace: `key value`"
            };
            findings.push(
                Diagnostic::error(
                    "table-bad-line",
                    "expected `key whitespace value`; postmap skips this line",
                )
                .at(at(
                    path,
                    segment.line,
                    segment.text,
                    1,
                    segment.text.chars().count(),
                ))
                .help(help),
            );
        },
    );
    keys.reserve(entries.len());
    for entry in entries {
        let key_column = entry.line_text[..entry.key_offset].chars().count() + 1;
        let key_at = || {
            at(
                path,
                entry.line,
                entry.line_text,
                key_column,
                entry.key.chars().count(),
            )
        };
        let folded = if entry.key.is_ascii() && !entry.key.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Borrowed(entry.key)
        } else {
            Cow::Owned(entry.key.to_lowercase())
        };
        match keys.entry(folded) {
            std::collections::hash_map::Entry::Occupied(first) => findings.push(
                Diagnostic::error("table-duplicate-key", format!("`{}` is already a key on line {}", entry.key, first.get()))
                    .at(key_at())
                    .key(entry.key)
                    .help("postmap keeps the first entry; merge the two lines (alias targets are a comma-separated list)"),
            ),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(entry.line);
            }
        }
        if let Err(why) = check_key(entry.key, role) {
            findings.push(
                Diagnostic::error(
                    "table-bad-address",
                    format!("key `{}` is not {why}", entry.key),
                )
                .at(key_at())
                .key(entry.key)
                .help(
                    "keys are `user@domain`, `@domain` (all users) or, in a domain list, `domain`",
                ),
            );
        }
        if role == Role::Aliases {
            let value_offset = entry.line_text.len()
                - entry.line_text[entry.key_offset + entry.key.len()..]
                    .trim_start()
                    .len();
            for target in split_list(entry.value) {
                if let Err(why) = check_target(target) {
                    let offset = target.as_ptr() as usize - entry.line_text.as_ptr() as usize;
                    let column = entry.line_text[..offset.max(value_offset)].chars().count() + 1;
                    findings.push(
                        Diagnostic::error("table-bad-address", format!("alias target `{target}` is not {why}"))
                            .at(at(path, entry.line, entry.line_text, column, target.chars().count()))
                            .key(entry.key)
                            .help("targets are full addresses (`user@domain`) or local names, separated by commas"),
                    );
                }
            }
        }
    }
}

fn check_key(key: &str, role: Role) -> Result<(), &'static str> {
    match role {
        Role::Domains => {
            if key.contains('@') || !is_domain(key) {
                return Err("a domain name");
            }
            Ok(())
        }
        _ if key.contains('@') => check_address(key, true),
        Role::Aliases | Role::Mailboxes if !is_local_part(key) && !is_domain(key) => {
            Err("an address or a domain")
        }
        _ => Ok(()),
    }
}

fn check_target(target: &str) -> Result<(), &'static str> {
    if target.contains('@') {
        check_address(target, false)
    } else if is_local_part(target) {
        Ok(())
    } else {
        Err("an address")
    }
}

/// `user@domain`, or `@domain` when `catch_all` allows it.
fn check_address(address: &str, catch_all: bool) -> Result<(), &'static str> {
    let (local, domain) = address.rsplit_once('@').expect("caller checked for @");
    if local.is_empty() && !catch_all {
        return Err("an address (nothing before `@`)");
    }
    if !local.is_empty() && !is_local_part(local) {
        return Err("an address (the part before `@` has characters addresses cannot have)");
    }
    if !is_domain(domain) {
        return Err("an address (the part after `@` is not a domain name)");
    }
    Ok(())
}

fn is_local_part(local: &str) -> bool {
    !local.is_empty()
        && local.len() <= 64
        && !local
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>()[]\\,;:\"@".contains(c))
}

fn is_domain(domain: &str) -> bool {
    if domain.starts_with('[') && domain.ends_with(']') {
        return domain[1..domain.len() - 1]
            .parse::<std::net::IpAddr>()
            .is_ok()
            || domain[1..domain.len() - 1]
                .strip_prefix("IPv6:")
                .is_some_and(|ip| ip.parse::<std::net::Ipv6Addr>().is_ok());
    }
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    !domain.is_empty()
        && domain.len() <= 253
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
        })
}

const SERVICE_TYPES: &[&str] = &["inet", "unix", "unix-dgram", "fifo", "pass"];

fn check_master(
    path: &Path,
    services: &[Service],
    context: &Context,
    findings: &mut Vec<Diagnostic>,
) {
    let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
    for service in services {
        let words = &service.words;
        let first = words[0];
        let word_at =
            |w: &parse::Word| at(path, w.line, w.line_text, w.column, w.text.chars().count());
        if words.len() < 8 {
            findings.push(
                Diagnostic::error("master-field-count", format!("service `{}` has {} fields, not 8", service.name(), words.len()))
                    .at(at(path, first.line, first.line_text, first.column, first.line_text.trim().chars().count()))
                    .help("a master.cf entry is: service type private unpriv chroot wakeup maxproc command [args]"),
            );
            continue;
        }
        let kind = words[1];
        if !SERVICE_TYPES.contains(&kind.text) {
            let mut help = format!("the type is one of: {}", SERVICE_TYPES.join(", "));
            if let Some(s) = suggest(kind.text, SERVICE_TYPES.iter().copied()) {
                help = format!("did you mean `{s}`? {help}");
            }
            findings.push(
                Diagnostic::error(
                    "master-unknown-type",
                    format!("`{}` is not a master.cf service type", kind.text),
                )
                .at(word_at(&kind))
                .help(help),
            );
        } else if let Some(line) = seen.insert((service.name(), kind.text), first.line) {
            findings.push(
                Diagnostic::warning(
                    "master-duplicate-service",
                    format!(
                        "service `{}/{}` is already defined on line {line}",
                        service.name(),
                        kind.text
                    ),
                )
                .at(word_at(&first))
                .help("the later entry replaces the earlier one; delete one of them"),
            );
        }
        for (index, column) in [(2, "private"), (3, "unpriv"), (4, "chroot")] {
            let w = words[index];
            if !matches!(w.text, "y" | "n" | "-") {
                findings.push(
                    Diagnostic::error(
                        "master-bad-field",
                        format!(
                            "the {column} column is `{}`; it must be `y`, `n` or `-`",
                            w.text
                        ),
                    )
                    .at(word_at(&w))
                    .help("`-` means the built-in default"),
                );
            }
        }
        let wakeup = words[5].text;
        let wakeup_digits = wakeup.strip_suffix('?').unwrap_or(wakeup);
        if wakeup != "-"
            && (wakeup_digits.is_empty() || !wakeup_digits.bytes().all(|b| b.is_ascii_digit()))
        {
            findings.push(
                Diagnostic::error("master-bad-field", format!("the wakeup column is `{wakeup}`; it must be seconds (optionally with `?`) or `-`"))
                    .at(word_at(&words[5]))
                    .help("`-` or `0` means no wakeup"),
            );
        }
        let maxproc = words[6].text;
        if maxproc != "-" && !maxproc.bytes().all(|b| b.is_ascii_digit()) {
            findings.push(
                Diagnostic::error(
                    "master-bad-field",
                    format!("the maxproc column is `{maxproc}`; it must be a number or `-`"),
                )
                .at(word_at(&words[6]))
                .help("`-` means default_process_limit, `0` means no limit"),
            );
        }
        for o in &service.overrides {
            let w = o.word;
            check_parameter(
                &Checked {
                    file: path,
                    name: o.name,
                    value: o.value,
                    line: w.line,
                    line_text: w.line_text,
                    name_column: w.column,
                    value_column: w.column + o.name.chars().count() + 1,
                },
                context,
                findings,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(main: &str, master: &str) -> Vec<&'static str> {
        let mut files: Vec<(&str, &[u8])> = vec![("main.cf", main.as_bytes())];
        if !master.is_empty() {
            files.push(("master.cf", master.as_bytes()));
        }
        lint_rendered(&files).iter().map(|d| d.code).collect()
    }

    const SAFE: &str = "compatibility_level = 3.6\n";

    #[test]
    fn unknown_and_user_defined_parameters() {
        assert_eq!(
            codes(&format!("{SAFE}this_is_unknown = yes\n"), ""),
            ["unknown-parameter"]
        );
        assert!(codes(&format!("{SAFE}mine = x\nsmtpd_banner = $mine\n"), "").is_empty());
        assert!(
            codes(
                &format!("{SAFE}dovecot_destination_recipient_limit = 1\n"),
                "dovecot unix - n n - - pipe\n"
            )
            .is_empty()
        );
    }

    #[test]
    fn relay_needs_a_rejecting_list() {
        assert_eq!(
            codes(
                "compatibility_level = 3.6\nsmtpd_relay_restrictions = permit\n",
                ""
            ),
            ["open-relay"]
        );
        assert_eq!(codes("compatibility_level = 0\n", ""), ["open-relay"]);
        assert!(
            codes(
                "smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination\n",
                ""
            )
            .is_empty()
        );
        assert_eq!(
            codes(&format!("{SAFE}mynetworks = 0.0.0.0/0\n"), ""),
            ["open-relay"],
            "permit_mynetworks with every network permits everyone"
        );
    }

    #[test]
    fn addresses() {
        assert!(check_address("a@example.com", false).is_ok());
        assert!(check_address("@example.com", true).is_ok());
        assert!(check_address("@example.com", false).is_err());
        assert!(check_address("a b@example.com", false).is_err());
        assert!(check_address("a@example..com", false).is_err());
        assert!(check_address("a@[192.0.2.1]", false).is_ok());
    }
}
