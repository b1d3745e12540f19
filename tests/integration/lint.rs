//! `mailctl lint`: one fixture directory per rule under
//! `tests/fixtures/lint/` (`<code>--bad*` must produce the finding,
//! `<code>--clean*` must lint clean), snapshotted; a differential test
//! against the real `postconf`; Debian's stock configuration; the rendered
//! examples; and the exit codes.
//!
//! A fixture may hold a `POSTMAP` file: `hash:NAME` lines are compiled with
//! the real postmap after copying, and `STALE NAME` makes NAME's source
//! newer than its database.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{self, backdate, mailctl, redact, require_program, run};

fn fixtures() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(support::repo().join("tests/fixtures/lint"))
        .expect("tests/fixtures/lint exists")
        .map(|e| e.expect("readable").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// The rule code a fixture is about: the part of its name before `--`.
fn code_of(fixture: &Path) -> String {
    let name = fixture
        .file_name()
        .expect("named")
        .to_string_lossy()
        .into_owned();
    name.split("--")
        .next()
        .expect("split has a first")
        .to_owned()
}

/// Copy a fixture into a fresh directory and compile its maps.
fn prepare(fixture: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for entry in std::fs::read_dir(fixture).expect("readable fixture") {
        let path = entry.expect("readable").path();
        std::fs::copy(&path, dir.path().join(path.file_name().expect("named"))).expect("copy");
    }
    backdate(dir.path());
    let Ok(steps) = std::fs::read_to_string(dir.path().join("POSTMAP")) else {
        return dir;
    };
    std::fs::remove_file(dir.path().join("POSTMAP")).expect("remove POSTMAP");
    let postmap = require_program("postmap");
    let mut stale = Vec::new();
    for step in steps.lines() {
        if let Some(name) = step.strip_prefix("STALE ") {
            stale.push(name.to_owned());
            continue;
        }
        let (kind, name) = step.split_once(':').expect("POSTMAP lines are TYPE:NAME");
        let table = format!("{kind}:{}", dir.path().join(name).display());
        let result = run(std::process::Command::new(&postmap)
            .arg("-c")
            .arg(dir.path())
            .arg(&table));
        assert_eq!(result.code, 0, "postmap {table}: {}", result.stderr);
    }
    backdate(dir.path());
    for name in stale {
        // The source is newer than everything else.
        filetime::set_file_mtime(dir.path().join(name), filetime::FileTime::now())
            .expect("set mtime");
    }
    dir
}

fn lint_json(dir: &Path) -> Value {
    let result = run(mailctl().args(["lint", "--format", "json"]).arg(dir));
    assert!(
        result.code == 0 || result.code == 1,
        "lint failed: {}",
        result.stderr
    );
    serde_json::from_str(&result.stdout).expect("lint prints JSON")
}

fn findings(report: &Value) -> &Vec<Value> {
    report["findings"].as_array().expect("findings is a list")
}

#[test]
fn every_rule_has_a_failing_and_a_clean_fixture() {
    let codes: BTreeSet<String> = fixtures().iter().map(|f| code_of(f)).collect();
    let names: BTreeSet<String> = fixtures()
        .iter()
        .map(|f| f.file_name().expect("named").to_string_lossy().into_owned())
        .collect();
    for rule in mailctl::postfix::rules::RULES {
        assert!(
            codes.contains(rule.code),
            "no fixture for rule `{}`",
            rule.code
        );
        assert!(
            names.contains(&format!("{}--bad", rule.code)),
            "no failing fixture for `{}`",
            rule.code
        );
        assert!(
            names.contains(&format!("{}--clean", rule.code)),
            "no clean fixture for `{}`",
            rule.code
        );
    }
}

#[test]
fn fixtures_produce_their_finding_and_match_snapshots() {
    for fixture in fixtures() {
        let name = fixture
            .file_name()
            .expect("named")
            .to_string_lossy()
            .into_owned();
        let code = code_of(&fixture);
        let dir = prepare(&fixture);
        let report = lint_json(dir.path());
        let hits = findings(&report)
            .iter()
            .filter(|f| f["code"] == code.as_str())
            .count();
        if name.contains("--bad") {
            assert!(
                hits > 0,
                "{name}: expected a `{code}` finding, got {report:#}"
            );
        } else {
            assert_eq!(
                hits, 0,
                "{name}: expected no `{code}` finding, got {report:#}"
            );
            assert_eq!(
                report["errors"], 0,
                "{name}: a clean fixture has no errors: {report:#}"
            );
        }
        let result = run(mailctl().arg("lint").arg(dir.path()));
        let shown = format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            result.code,
            redact(&result.stdout, dir.path()),
            redact(&result.stderr, dir.path())
        );
        insta::assert_snapshot!(name, shown);
    }
}

/// Every `unused parameter` and `undefined parameter` warning postconf
/// prints for a fixture must also be a mailctl finding on that name.
#[test]
fn postconf_warnings_are_all_mailctl_findings() {
    let postconf = require_program("postconf");
    let mut checked = 0;
    for fixture in fixtures() {
        let name = fixture
            .file_name()
            .expect("named")
            .to_string_lossy()
            .into_owned();
        let dir = prepare(&fixture);
        let result = run(std::process::Command::new(&postconf)
            .arg("-c")
            .arg(dir.path())
            .arg("-n"));
        if result.code != 0 {
            // postconf cannot read it (a fatal syntax error); mailctl's own
            // fixtures cover those.
            assert!(
                result.stderr.contains("fatal:"),
                "{name}: {}",
                result.stderr
            );
            continue;
        }
        let report = lint_json(dir.path());
        for line in result.stderr.lines() {
            let (kind, parameter) = if let Some((_, rest)) = line.split_once(": unused parameter: ")
            {
                ("unused", rest.split('=').next().expect("name=value"))
            } else if let Some((_, rest)) = line.split_once(": undefined parameter: ") {
                ("undefined", rest.trim())
            } else {
                continue;
            };
            let expected: &[&str] = if kind == "unused" {
                &[
                    "unknown-parameter",
                    "obsolete-parameter",
                    "removed-parameter",
                    "invalid-parameter-name",
                ]
            } else {
                &["undefined-parameter"]
            };
            let found = findings(&report)
                .iter()
                .any(|f| f["key"] == parameter && expected.iter().any(|c| f["code"] == *c));
            assert!(
                found,
                "{name}: postconf says `{line}`, mailctl has no finding for `{parameter}`: {report:#}"
            );
            checked += 1;
        }
    }
    // The fixtures are built to make postconf warn; a run that compared
    // nothing would prove nothing.
    assert!(
        checked >= 6,
        "only {checked} postconf warnings were compared"
    );
}

/// A stock Debian 12 configuration, built the way the postfix package's
/// postinst builds it ("Internet Site"), has nothing at error level.
#[test]
fn stock_debian_configuration_lints_without_errors() {
    let postconf = require_program("postconf");
    let postalias = require_program("postalias");
    let share = Path::new("/usr/share/postfix");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut main = std::fs::read_to_string(share.join("main.cf.debian"))
        .expect("postfix ships main.cf.debian");
    main.push_str(
        &std::fs::read_to_string(share.join("main.cf.tls")).expect("postfix ships main.cf.tls"),
    );
    std::fs::write(dir.path().join("main.cf"), main).expect("write main.cf");
    std::fs::copy(share.join("master.cf.dist"), dir.path().join("master.cf"))
        .expect("postfix ships master.cf.dist");
    // postinst runs newaliases on /etc/aliases; this machine's has no .db,
    // so the test keeps its own copy next to main.cf and compiles it.
    // Likewise /etc/mailname, which postinst writes.
    let mailname = dir.path().join("mailname");
    std::fs::write(&mailname, "debian.example.test\n").expect("write mailname");
    let aliases = dir.path().join("aliases");
    std::fs::write(&aliases, "postmaster:    root\n").expect("write aliases");
    backdate(dir.path());
    let aliases_map = format!("hash:{}", aliases.display());
    let settings = [
        "smtpd_relay_restrictions=permit_mynetworks permit_sasl_authenticated defer_unauth_destination".to_owned(),
        "myhostname=debian.example.test".to_owned(),
        format!("alias_maps={aliases_map}"),
        format!("alias_database={aliases_map}"),
        format!("myorigin={}", mailname.display()),
        "mydestination=$myhostname, debian.example.test, localhost.example.test, localhost".to_owned(),
        "relayhost=".to_owned(),
        "mynetworks=127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128".to_owned(),
        "mailbox_size_limit=0".to_owned(),
        "recipient_delimiter=+".to_owned(),
        "inet_interfaces=all".to_owned(),
        "inet_protocols=all".to_owned(),
    ];
    for setting in &settings {
        let result = run(std::process::Command::new(&postconf)
            .arg("-c")
            .arg(dir.path())
            .arg("-e")
            .arg(setting));
        assert_eq!(result.code, 0, "postconf -e {setting}: {}", result.stderr);
        backdate(dir.path());
    }
    let result = run(std::process::Command::new(&postalias)
        .arg("-c")
        .arg(dir.path())
        .arg(&aliases_map));
    assert_eq!(result.code, 0, "postalias: {}", result.stderr);
    backdate(dir.path());

    let report = lint_json(dir.path());
    let errors: Vec<&Value> = findings(&report)
        .iter()
        .filter(|f| f["severity"] == "error")
        .collect();
    // The snakeoil certificate exists only where ssl-cert is installed.
    let errors: Vec<&&Value> = errors
        .iter()
        .filter(|f| {
            f["code"] != "tls-file-missing"
                || Path::new("/etc/ssl/certs/ssl-cert-snakeoil.pem").exists()
        })
        .collect();
    assert!(errors.is_empty(), "stock Debian has errors: {errors:#?}");
}

/// What `mailctl render` writes for every example lints clean. Findings
/// about files outside the rendered directory (the TLS certificate, the
/// system's /etc/aliases) describe the target machine, not the render.
#[test]
fn rendered_examples_lint_clean() {
    require_program("postmap");
    for spec in support::examples() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("postfix");
        let result = run(mailctl()
            .arg("render")
            .arg("--spec")
            .arg(&spec)
            .arg("--out")
            .arg(&out));
        assert_eq!(
            result.code,
            0,
            "render {}: {}",
            spec.display(),
            result.stderr
        );
        backdate(&out);
        let report = lint_json(&out);
        let inside = out.display().to_string();
        let left: Vec<&Value> = findings(&report)
            .iter()
            .filter(|f| {
                let code = f["code"].as_str().unwrap_or_default();
                let message = f["message"].as_str().unwrap_or_default();
                let environment = code == "tls-file-missing"
                    || code.starts_with("map-")
                    || code == "tls-key-mismatch";
                !environment || message.contains(&inside)
            })
            .collect();
        assert!(
            left.is_empty(),
            "{}: rendered files have findings: {left:#?}",
            spec.display()
        );
        let files: Vec<&str> = report["files"]
            .as_array()
            .expect("files")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(
            files.len() >= 5,
            "main.cf, master.cf and the three maps were linted: {files:?}"
        );
    }
}

#[test]
fn validate_reports_template_bugs_as_lint_findings() {
    let templates = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        templates.path().join("main.cf.j2"),
        "{{ header }}\ncompatibility_level = 3.6\nmyhostname = {{ hostname }}\nsmtpd_tls_securty_level = may\n",
    )
    .expect("write template");
    let result = run(mailctl()
        .arg("validate")
        .arg("--spec")
        .arg(support::example("minimal.toml"))
        .arg("--templates")
        .arg(templates.path()));
    assert_eq!(result.code, 1, "{}", result.stderr);
    assert!(
        result.stderr.contains("error[unknown-parameter]"),
        "{}",
        result.stderr
    );
    assert!(
        result.stderr.contains("--> <rendered>/main.cf:"),
        "{}",
        result.stderr
    );
    assert!(
        result
            .stderr
            .contains("did you mean `smtpd_tls_security_level`?"),
        "{}",
        result.stderr
    );
}

#[test]
fn exit_codes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = run(mailctl().arg("lint").arg(dir.path().join("nope")));
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert!(
        missing.stderr.contains("does not exist"),
        "{}",
        missing.stderr
    );

    let empty = run(mailctl().arg("lint").arg(dir.path()));
    assert_eq!(
        empty.code, 2,
        "a directory without main.cf or master.cf: {}",
        empty.stderr
    );

    // main.cf is a directory: reading it fails, which is an I/O error.
    std::fs::create_dir(dir.path().join("main.cf")).expect("mkdir");
    let unreadable = run(mailctl().arg("lint").arg(dir.path()));
    assert_eq!(unreadable.code, 3, "{}", unreadable.stderr);

    let clean = support::repo().join("tests/fixtures/lint/syntax--clean/main.cf");
    assert_eq!(run(mailctl().arg("lint").arg(&clean)).code, 0);
    let bad = support::repo().join("tests/fixtures/lint/table-bad-line--bad/virtual");
    let result = run(mailctl().arg("lint").arg(&bad));
    assert_eq!(
        result.code, 1,
        "a lookup table on its own: {}",
        result.stdout
    );
    assert!(
        result.stdout.contains("virtual:3: error[table-bad-line]"),
        "{}",
        result.stdout
    );
}

#[test]
fn long_help_lists_every_rule() {
    let result = run(mailctl().args(["lint", "--help"]));
    assert_eq!(result.code, 0);
    for rule in mailctl::postfix::rules::RULES {
        assert!(
            result.stdout.contains(rule.code),
            "`{}` missing from lint --help",
            rule.code
        );
    }
}
