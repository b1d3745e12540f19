//! Real Postfix against the configuration mailctl renders: `postconf` reads
//! every example without a warning, `postmap` answers for every address an
//! example defines (with values this test derives from the TOML itself, not
//! from mailctl's code), and a Postfix instance on loopback delivers and
//! refuses mail exactly as a spec says.
//!
//! The delivery test may change only where Postfix listens and where it keeps
//! its queue, data and log. Everything else is the rendered configuration, so
//! a failure here is a failure of what mailctl writes.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use tempfile::TempDir;
use toml::{Table, Value};

use crate::support::{self, Run, run};

/// The programs these tests drive; each one's absence fails the test.
const PROGRAMS: [&str; 6] = [
    "postconf",
    "postmap",
    "postfix",
    "postqueue",
    "swaks",
    "openssl",
];

/// The key that no spec defines, in every hosted domain.
const UNKNOWN_LOCAL: &str = "no-such-user-mailctl-test";

// --- what a spec says the maps must hold, derived here from the TOML --------

/// The lookup tables a spec implies, worked out from the TOML alone.
struct ExpectedMaps {
    /// `hash` or `lmdb`.
    map_type: String,
    /// `virtual`: an address, or `@domain` for a catch-all, and its targets.
    aliases: BTreeMap<String, Vec<String>>,
    /// `vmailbox`: a mailbox address and its Maildir under the mailbox base.
    mailboxes: BTreeMap<String, String>,
    /// `vdomains`: the hosted domains.
    domains: Vec<String>,
    /// Domains that only mirror a hosted domain (never in `vdomains`).
    alias_domains: Vec<String>,
    /// Domains with `parked = true`: they receive no mail, so they are not
    /// in `vdomains` and Postfix refuses their recipients as relaying.
    parked: Vec<String>,
}

fn parse_spec(path: &Path) -> Table {
    let text =
        fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.parse::<Table>()
        .unwrap_or_else(|e| panic!("{} is not valid TOML: {e}", path.display()))
}

/// A string, or a list of strings: how the spec writes alias targets.
fn strings(value: &Value, what: &str) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .unwrap_or_else(|| panic!("{what}: {item:?} is not a string"))
                    .to_owned()
            })
            .collect(),
        other => panic!("{what}: {other:?} is neither a string nor a list of strings"),
    }
}

fn expected_maps(spec: &Path) -> ExpectedMaps {
    let table = parse_spec(spec);
    let map_type = table
        .get("postfix")
        .and_then(|p| p.get("map_type"))
        .and_then(Value::as_str)
        .unwrap_or("hash")
        .to_owned();
    let mut expected = ExpectedMaps {
        map_type,
        aliases: BTreeMap::new(),
        mailboxes: BTreeMap::new(),
        domains: Vec::new(),
        alias_domains: Vec::new(),
        parked: Vec::new(),
    };
    let domains = table
        .get("domain")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    for domain in domains {
        let name = domain["name"]
            .as_str()
            .expect("domain.name is a string")
            .to_lowercase();
        // A bare target is a local part in the alias's own domain.
        let qualify = |target: String| {
            let target = target.to_lowercase();
            if target.contains('@') {
                target
            } else {
                format!("{target}@{name}")
            }
        };

        let mailbox_locals: Vec<String> = domain
            .get("mailboxes")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(|m| match m {
                Value::String(local) => local.to_lowercase(),
                Value::Table(t) => t["local"]
                    .as_str()
                    .expect("mailbox local is a string")
                    .to_lowercase(),
                other => panic!(
                    "{}: mailbox {other:?} is neither a string nor a table",
                    spec.display()
                ),
            })
            .collect();
        for local in &mailbox_locals {
            expected
                .mailboxes
                .insert(format!("{local}@{name}"), format!("{name}/{local}/"));
        }

        let mut alias_locals = Vec::new();
        if let Some(aliases) = domain.get("aliases").and_then(Value::as_table) {
            for (local, targets) in aliases {
                let local = local.to_lowercase();
                let targets = strings(targets, &format!("alias {local}@{name}"))
                    .into_iter()
                    .map(qualify)
                    .collect();
                expected.aliases.insert(format!("{local}@{name}"), targets);
                alias_locals.push(local);
            }
        }

        // The alias table is consulted first, so with a catch-all each
        // mailbox must map to itself or the catch-all would swallow it.
        let catch_all: Option<Vec<String>> = domain.get("catch_all").map(|c| {
            strings(c, &format!("catch_all of {name}"))
                .into_iter()
                .map(qualify)
                .collect()
        });
        if let Some(catch_all) = &catch_all {
            for local in &mailbox_locals {
                expected
                    .aliases
                    .insert(format!("{local}@{name}"), vec![format!("{local}@{name}")]);
            }
            expected
                .aliases
                .insert(format!("@{name}"), catch_all.clone());
        }

        let alias_domains = domain
            .get("alias_domains")
            .map(|a| strings(a, "alias_domains"))
            .unwrap_or_default();
        for alias_domain in alias_domains {
            let alias_domain = alias_domain.to_lowercase();
            for local in mailbox_locals.iter().chain(&alias_locals) {
                expected.aliases.insert(
                    format!("{local}@{alias_domain}"),
                    vec![format!("{local}@{name}")],
                );
            }
            if let Some(catch_all) = &catch_all {
                expected
                    .aliases
                    .insert(format!("@{alias_domain}"), catch_all.clone());
            }
            expected.alias_domains.push(alias_domain);
        }
        if domain.get("parked").and_then(Value::as_bool) == Some(true) {
            expected.parked.push(name);
        } else {
            expected.domains.push(name);
        }
    }
    expected
}

// --- running Postfix's tools -------------------------------------------------

fn require_programs() {
    for program in PROGRAMS {
        support::require_program(program);
    }
}

fn command(program: &str) -> Command {
    Command::new(support::require_program(program))
}

/// Run a Postfix tool that must succeed and say nothing on stderr.
fn quiet_success(command: &mut Command) -> Run {
    let shown = format!("{command:?}");
    let result = run(command);
    assert!(
        result.code == 0 && result.stderr.is_empty(),
        "`{shown}` exited {} with stderr:\n{}\nstdout:\n{}",
        result.code,
        result.stderr,
        result.stdout
    );
    result
}

/// `mailctl render --spec SPEC --out DIR`, which must succeed.
fn render(spec: &Path, out: &Path) {
    let result = run(support::mailctl()
        .arg("render")
        .arg("--spec")
        .arg(spec)
        .arg("--out")
        .arg(out));
    assert_eq!(
        result.code,
        0,
        "mailctl render --spec {} failed:\nstdout:\n{}\nstderr:\n{}",
        spec.display(),
        result.stdout,
        result.stderr
    );
}

/// `postmap -c DIR -q KEY TYPE:DIR/MAP`.
fn postmap_query(dir: &Path, map_type: &str, map: &str, key: &str) -> Run {
    run(command("postmap")
        .arg("-c")
        .arg(dir)
        .arg("-q")
        .arg(key)
        .arg(format!("{map_type}:{}", dir.join(map).display())))
}

/// A lookup that must find `key`; returns the value.
fn lookup(dir: &Path, map_type: &str, map: &str, key: &str, example: &str) -> String {
    let result = postmap_query(dir, map_type, map, key);
    assert!(
        result.code == 0 && result.stderr.is_empty(),
        "{example}: `postmap -q {key} {map_type}:{map}` exited {} (expected a value)\nstdout: {}\nstderr: {}",
        result.code,
        result.stdout,
        result.stderr
    );
    result.stdout.trim_end_matches('\n').to_owned()
}

/// A lookup that must not find `key`: postmap exits 1, silently.
fn assert_absent(dir: &Path, map_type: &str, map: &str, key: &str, example: &str) {
    let result = postmap_query(dir, map_type, map, key);
    assert!(
        result.code == 1 && result.stdout.is_empty() && result.stderr.is_empty(),
        "{example}: `postmap -q {key} {map_type}:{map}` should find nothing (exit 1), but exited {}\nstdout: {}\nstderr: {}",
        result.code,
        result.stdout,
        result.stderr
    );
}

fn split_targets(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect()
}

fn example_name(spec: &Path) -> String {
    spec.file_name()
        .expect("a file")
        .to_string_lossy()
        .into_owned()
}

/// Render an example into a fresh directory, dated back so that Postfix's
/// tools do not stop to wait for files written within the last second.
fn render_example(spec: &Path) -> TempDir {
    let out = tempfile::tempdir().expect("temp dir");
    render(spec, out.path());
    support::backdate(out.path());
    out
}

// --- requirement 1: every example, read by Postfix's own tools --------------

#[test]
fn postconf_reads_every_example_without_a_warning() {
    require_programs();
    let examples = support::examples();
    assert!(!examples.is_empty(), "no example specs under examples/");
    for spec in examples {
        let example = example_name(&spec);
        let out = render_example(&spec);
        let dir = out.path();

        let main_cf = quiet_success(command("postconf").arg("-c").arg(dir).arg("-n"));
        let config_directory = format!("config_directory = {}", dir.display());
        assert!(
            main_cf.stdout.lines().any(|line| line == config_directory),
            "{example}: `postconf -n` did not read {}:\n{}",
            dir.display(),
            main_cf.stdout
        );
        let master_cf = quiet_success(command("postconf").arg("-c").arg(dir).arg("-M"));
        assert!(
            master_cf
                .stdout
                .lines()
                .any(|line| line.split_whitespace().take(2).eq(["smtp", "inet"])),
            "{example}: master.cf has no `smtp inet` service:\n{}",
            master_cf.stdout
        );

        // The tables the next test queries are the ones main.cf names.
        let map_type = expected_maps(&spec).map_type;
        let maps = quiet_success(command("postconf").arg("-c").arg(dir).args([
            "-x",
            "-h",
            "virtual_alias_maps",
            "virtual_mailbox_maps",
            "virtual_mailbox_domains",
        ]));
        let want: Vec<String> = ["virtual", "vmailbox", "vdomains"]
            .iter()
            .map(|map| format!("{map_type}:{}", dir.join(map).display()))
            .collect();
        assert_eq!(
            maps.stdout.lines().collect::<Vec<_>>(),
            want,
            "{example}: main.cf names other tables"
        );
    }
}

#[test]
fn postmap_answers_for_every_address_of_every_example() {
    require_programs();
    for spec in support::examples() {
        let example = example_name(&spec);
        let expected = expected_maps(&spec);
        let map_type = expected.map_type.as_str();
        assert!(!expected.domains.is_empty(), "{example}: defines no domain");
        let out = render_example(&spec);
        let dir = out.path();

        let (suffix, other) = match map_type {
            "hash" => (".db", ".lmdb"),
            "lmdb" => (".lmdb", ".db"),
            other => panic!("{example}: unknown map_type `{other}`"),
        };
        for map in ["virtual", "vmailbox", "vdomains"] {
            let compiled = dir.join(format!("{map}{suffix}"));
            assert!(
                compiled.is_file(),
                "{example}: {} was not compiled",
                compiled.display()
            );
            let stray = dir.join(format!("{map}{other}"));
            assert!(
                !stray.exists(),
                "{example}: {} exists, but the spec asks for {map_type}",
                stray.display()
            );
        }

        for (key, targets) in &expected.aliases {
            let value = lookup(dir, map_type, "virtual", key, &example);
            assert_eq!(
                &split_targets(&value),
                targets,
                "{example}: virtual maps `{key}` to `{value}`"
            );
        }
        for (address, maildir) in &expected.mailboxes {
            let value = lookup(dir, map_type, "vmailbox", address, &example);
            assert_eq!(
                &value, maildir,
                "{example}: vmailbox maps `{address}` to `{value}`"
            );
        }
        for domain in &expected.domains {
            assert_eq!(
                lookup(dir, map_type, "vdomains", domain, &example),
                "OK",
                "{example}: vdomains `{domain}`"
            );
            let unknown = format!("{UNKNOWN_LOCAL}@{domain}");
            assert_absent(dir, map_type, "virtual", &unknown, &example);
            assert_absent(dir, map_type, "vmailbox", &unknown, &example);
        }
        // Postfix refuses a domain listed as both alias and mailbox domain.
        for alias_domain in &expected.alias_domains {
            assert_absent(dir, map_type, "vdomains", alias_domain, &example);
            assert_absent(
                dir,
                map_type,
                "virtual",
                &format!("{UNKNOWN_LOCAL}@{alias_domain}"),
                &example,
            );
        }
        for parked in &expected.parked {
            assert_absent(dir, map_type, "vdomains", parked, &example);
            assert_absent(
                dir,
                map_type,
                "virtual",
                &format!("postmaster@{parked}"),
                &example,
            );
        }
        assert_absent(dir, map_type, "vdomains", "outside.test", &example);
    }
}

// --- requirement 2: a Postfix instance on loopback ---------------------------

const DELIVERY_SPEC: &str = "tests/fixtures/e2e/delivery.toml";
/// Every message comes from a hosted mailbox, so that even a bounce stays here.
const SENDER: &str = "alice@example.test";
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// A Postfix instance built from a rendered spec, listening on
/// 127.0.0.1:`port`. Dropping it stops Postfix (also when a test panics, in
/// which case the maillog is printed) and then removes its directory.
struct Instance {
    conf: PathBuf,
    vmail: PathBuf,
    /// The spec's `mailbox_uid` and `mailbox_gid`.
    mailbox_owner: (u32, u32),
    maillog: PathBuf,
    port: u16,
    /// Removed last, after Postfix has stopped.
    root: TempDir,
}

impl Instance {
    /// Render the fixture with this instance's paths, point Postfix at
    /// loopback and a private queue and log, and start it.
    fn start(fixture: &str) -> Instance {
        require_programs();
        let root = tempfile::tempdir().expect("temp dir");
        let base = root.path().to_path_buf();
        let [conf, spool, data, vmail, tls] =
            ["conf", "spool", "data", "vmail", "tls"].map(|d| base.join(d));
        for dir in [&conf, &spool, &data, &vmail, &tls] {
            fs::create_dir(dir).expect("create dir");
        }
        // The postfix user and the mailbox owner must be able to walk in.
        for dir in [&base, &conf] {
            fs::set_permissions(dir, fs::Permissions::from_mode(0o755)).expect("chmod 755");
        }

        let fixture_path = support::repo().join(fixture);
        let template = fs::read_to_string(&fixture_path).expect("fixture is readable");
        let cert = tls.join("cert.pem");
        let key = tls.join("key.pem");
        let text = template
            .replace("@MAILBOX_BASE@", &vmail.display().to_string())
            .replace("@TLS_CERT@", &cert.display().to_string())
            .replace("@TLS_KEY@", &key.display().to_string());
        let spec = base.join("spec.toml");
        fs::write(&spec, &text).expect("write spec");

        let table = parse_spec(&spec);
        let id = |key: &str| {
            table
                .get("postfix")
                .and_then(|p| p.get(key))
                .and_then(Value::as_integer)
                .map_or(5000, |n| u32::try_from(n).expect("a uid/gid"))
        };
        let mailbox_owner = (id("mailbox_uid"), id("mailbox_gid"));
        chown(&vmail, mailbox_owner.0, mailbox_owner.1);
        chown(&data, postfix_uid(), u32::MAX);

        let hostname = table["server"]["hostname"]
            .as_str()
            .expect("server.hostname")
            .to_owned();
        let openssl = run(command("openssl")
            .args([
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-days",
                "2",
            ])
            .arg("-subj")
            .arg(format!("/CN={hostname}"))
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert));
        assert_eq!(openssl.code, 0, "openssl req failed:\n{}", openssl.stderr);

        render(&spec, &conf);

        // Only listen address, port, queue, data and log move; nothing else.
        let maillog = base.join("maillog");
        support::backdate(&conf);
        quiet_success(
            command("postconf")
                .arg("-c")
                .arg(&conf)
                .arg("-e")
                .arg("inet_interfaces = 127.0.0.1")
                .arg("inet_protocols = ipv4")
                .arg(format!("queue_directory = {}", spool.display()))
                .arg(format!("data_directory = {}", data.display()))
                .arg(format!("maillog_file_prefixes = {}", base.display()))
                .arg(format!("maillog_file = {}", maillog.display())),
        );
        support::backdate(&conf);
        let port = support::free_loopback_port();
        let smtp = quiet_success(
            command("postconf")
                .arg("-c")
                .arg(&conf)
                .args(["-M", "smtp/inet"]),
        );
        let entry = smtp.stdout.trim();
        let rest = entry
            .strip_prefix("smtp")
            .filter(|rest| rest.trim_start().starts_with("inet"))
            .unwrap_or_else(|| panic!("master.cf has no `smtp inet` service: `{entry}`"));
        let service = format!("127.0.0.1:{port}");
        quiet_success(
            command("postconf")
                .arg("-c")
                .arg(&conf)
                .arg("-Me")
                .arg(format!("{service}/inet={service}{rest}")),
        );
        quiet_success(
            command("postconf")
                .arg("-c")
                .arg(&conf)
                .args(["-MX", "smtp/inet"]),
        );
        support::backdate(&conf);

        let instance = Instance {
            conf,
            vmail,
            mailbox_owner,
            maillog,
            port,
            root,
        };
        // From here on, Drop stops Postfix whatever happens.
        let started = run(command("postfix")
            .arg("-c")
            .arg(&instance.conf)
            .arg("start"));
        assert_eq!(
            started.code, 0,
            "postfix start failed:\n{}{}",
            started.stdout, started.stderr
        );
        assert!(
            support::wait_for_port(instance.port, Duration::from_secs(10)),
            "Postfix did not listen on 127.0.0.1:{} within 10 s",
            instance.port
        );
        instance
    }

    /// Send one message with swaks over STARTTLS; `extra` adds swaks options.
    fn send(&self, to: &str, subject: &str, extra: &[&str]) -> Run {
        run(command("swaks")
            .args(["--server", "127.0.0.1", "--port"])
            .arg(self.port.to_string())
            .args([
                "--helo",
                "client.example.test",
                "--from",
                SENDER,
                "--to",
                to,
                "--tls",
                "--timeout",
                "10",
            ])
            .arg("--header")
            .arg(format!("Subject: {subject}"))
            .args(["--body", "mailctl end-to-end test message"])
            .args(extra))
    }

    /// Deliver to `to`; the message must be queued.
    fn deliver(&self, to: &str, subject: &str) {
        let result = self.send(to, subject, &[]);
        assert!(
            result.code == 0 && result.stdout.contains("250 2.0.0 Ok: queued"),
            "swaks to <{to}> exited {}; expected the message to be queued:\n{}{}",
            result.code,
            result.stdout,
            result.stderr
        );
    }

    /// RCPT TO `to` and stop there: even if Postfix wrongly accepted the
    /// recipient, no message is queued, so nothing can leave the machine.
    fn probe(&self, to: &str) -> Run {
        self.send(to, "probe", &["--quit-after", "RCPT"])
    }

    fn queue_is_empty(&self) -> bool {
        let queue = run(command("postqueue").arg("-c").arg(&self.conf).arg("-p"));
        queue.code == 0 && queue.stdout.contains("Mail queue is empty")
    }

    /// Where each subject landed: subject → the directories under the
    /// mailbox base (`domain/local/new`) that hold a message with it.
    fn landed(&self, subjects: &[&str]) -> BTreeMap<String, BTreeSet<String>> {
        let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for file in files_under(&self.vmail) {
            let text = fs::read_to_string(&file).unwrap_or_default();
            let relative = file.strip_prefix(&self.vmail).expect("under vmail");
            let parts: Vec<String> = relative
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            for subject in subjects {
                if text
                    .lines()
                    .any(|line| line == format!("Subject: {subject}"))
                {
                    let dir = parts[..parts.len() - 1].join("/");
                    found.entry((*subject).to_owned()).or_default().insert(dir);
                }
            }
        }
        found
    }

    fn maillog(&self) -> String {
        fs::read_to_string(&self.maillog)
            .unwrap_or_else(|e| format!("(no maillog at {}: {e})", self.maillog.display()))
    }
}

impl Drop for Instance {
    #[allow(
        clippy::print_stderr,
        reason = "the maillog is what explains a failed Postfix test"
    )]
    fn drop(&mut self) {
        let stopped = run(command("postfix").arg("-c").arg(&self.conf).arg("stop"));
        if std::thread::panicking() {
            eprintln!(
                "--- postfix stop exited {}: {}{}\n--- maillog ({}):\n{}--- end of maillog; files kept in {}",
                stopped.code,
                stopped.stdout,
                stopped.stderr,
                self.maillog.display(),
                self.maillog(),
                self.root.path().display()
            );
            // Keep the files for a look after the failure.
            let _ =
                std::mem::replace(&mut self.root, tempfile::tempdir().expect("temp dir")).keep();
        }
    }
}

/// Whether the server answered with `reply` (swaks marks server lines with
/// `<-`, `<~` under TLS, and a `*` for an error reply).
fn replied(result: &Run, reply: &str) -> bool {
    result
        .stdout
        .lines()
        .any(|line| line.starts_with('<') && line.contains(&format!(" {reply}")))
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in
            fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        {
            let path = entry.expect("readable entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn chown(path: &Path, uid: u32, gid: u32) {
    let gid = (gid != u32::MAX).then_some(gid);
    std::os::unix::fs::chown(path, Some(uid), gid).unwrap_or_else(|e| {
        panic!(
            "cannot chown {} to {uid}: {e}; the Postfix delivery test must run as root",
            path.display()
        )
    });
}

/// The `postfix` user's uid, from /etc/passwd (the Debian package adds it).
fn postfix_uid() -> u32 {
    let passwd = fs::read_to_string("/etc/passwd").expect("/etc/passwd is readable");
    passwd
        .lines()
        .find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            (fields.first() == Some(&"postfix")).then(|| fields[2].parse().expect("numeric uid"))
        })
        .expect("no `postfix` user in /etc/passwd; install the postfix package")
}

#[test]
fn rendered_configuration_delivers_mail_on_loopback() {
    let postfix = Instance::start(DELIVERY_SPEC);

    // (recipient, subject, the Maildirs that must get it and no others)
    let deliveries: [(&str, &str, &[&str]); 6] = [
        (
            "alice@example.test",
            "mailctl-e2e mailbox",
            &["example.test/alice"],
        ),
        (
            "info@example.test",
            "mailctl-e2e alias",
            &["example.test/alice", "example.test/bob"],
        ),
        (
            "carol@catchall.test",
            "mailctl-e2e mailbox in a catch-all domain",
            &["catchall.test/carol"],
        ),
        (
            "whoever@catchall.test",
            "mailctl-e2e catch-all",
            &["catchall.test/dave"],
        ),
        (
            "bob@alias.test",
            "mailctl-e2e alias domain mailbox",
            &["example.test/bob"],
        ),
        (
            "info@alias.test",
            "mailctl-e2e alias domain alias",
            &["example.test/alice", "example.test/bob"],
        ),
    ];
    for (to, subject, _) in deliveries {
        postfix.deliver(to, subject);
    }

    // Refused while the client waits, not bounced later.
    for unknown in ["nobody@example.test", "nobody@alias.test"] {
        let result = postfix.probe(unknown);
        assert!(
            result.code == 24 && replied(&result, &format!("550 5.1.1 <{unknown}>")),
            "RCPT TO <{unknown}> should get 550 5.1.1 (swaks exit 24), got exit {}:\n{}{}",
            result.code,
            result.stdout,
            result.stderr
        );
    }

    let subjects: Vec<&str> = deliveries.iter().map(|(_, subject, _)| *subject).collect();
    // virtual(8) writes into tmp/ and then moves the file to new/: a message
    // seen in tmp/ is still on its way, so poll until the picture settles.
    let want: BTreeMap<String, BTreeSet<String>> = deliveries
        .iter()
        .map(|(_, subject, boxes)| {
            (
                (*subject).to_owned(),
                boxes.iter().map(|b| format!("{b}/new")).collect(),
            )
        })
        .collect();
    let deadline = Instant::now() + DELIVERY_TIMEOUT;
    while postfix.landed(&subjects) != want && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    // Once the queue is empty, every delivery attempt (and any bounce) is done.
    while !postfix.queue_is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        postfix.queue_is_empty(),
        "the queue did not drain within {DELIVERY_TIMEOUT:?}"
    );
    assert_eq!(
        postfix.landed(&subjects),
        want,
        "messages landed in the wrong Maildirs"
    );

    // Every message arrived over STARTTLS with the certificate from the spec,
    // and is owned by the spec's mailbox owner.
    for file in files_under(&postfix.vmail) {
        let text = fs::read_to_string(&file).expect("readable message");
        assert!(
            text.contains("(using TLSv1."),
            "{} did not arrive over TLS:\n{text}",
            file.display()
        );
        let meta = fs::metadata(&file).expect("metadata");
        assert_eq!(
            (meta.uid(), meta.gid()),
            postfix.mailbox_owner,
            "{} has the wrong owner",
            file.display()
        );
    }

    let log = postfix.maillog();
    let problems: Vec<&str> = log
        .lines()
        .filter(|line| {
            ["warning:", "fatal:", "panic:"]
                .iter()
                .any(|w| line.contains(w))
        })
        .collect();
    assert!(
        problems.is_empty(),
        "Postfix logged problems:\n{}",
        problems.join("\n")
    );
}

/// A client on loopback that tries to relay to an outside domain is refused
/// with 554: mailctl permits relaying only to authenticated users unless the
/// spec sets `postfix.local_relay`. The probe stops after RCPT, so nothing is
/// queued and nothing could leave the machine even if this failed.
#[test]
fn relay_from_loopback_to_an_outside_domain_is_refused() {
    let postfix = Instance::start(DELIVERY_SPEC);
    let result = postfix.probe("someone@outside.test");
    assert!(
        result.code == 24
            && replied(
                &result,
                "554 5.7.1 <someone@outside.test>: Relay access denied"
            ),
        "RCPT TO <someone@outside.test> should get 554 5.7.1 Relay access denied (swaks exit 24), got exit {}:\n{}{}",
        result.code,
        result.stdout,
        result.stderr
    );
}
