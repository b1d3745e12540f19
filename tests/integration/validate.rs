//! `mailctl validate` end to end: the examples pass, every invalid spec in
//! `tests/fixtures/invalid/` fails with exactly one located error (the output
//! is snapshotted), and the spec is found where the README says.

use std::fs;

use crate::support::{example, examples, mailctl, redact, repo, run};

#[test]
fn every_example_is_valid() {
    for spec in examples() {
        let out = run(mailctl().arg("validate").arg("--spec").arg(&spec));
        assert_eq!(out.code, 0, "{}: {}", spec.display(), out.stderr);
        assert_eq!(out.stdout, "");
        assert!(out.stderr.ends_with("is valid\n"), "{}", out.stderr);
    }
}

#[test]
fn every_invalid_spec_fails_with_one_located_error() {
    let dir = repo().join("tests/fixtures/invalid");
    let mut specs: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    specs.sort();
    assert!(
        specs.len() >= 25,
        "the corpus needs at least 25 invalid specs"
    );
    for spec in specs {
        let name = spec.file_stem().unwrap().to_string_lossy().into_owned();
        let out = run(mailctl()
            .current_dir(&dir)
            .arg("validate")
            .arg("--spec")
            .arg(spec.file_name().unwrap()));
        assert_eq!(out.code, 1, "{name}: {}", out.stderr);
        assert_eq!(
            out.stderr.matches("\nerror[").count() + usize::from(out.stderr.starts_with("error[")),
            1,
            "{name} must have exactly one error:\n{}",
            out.stderr
        );
        assert!(
            out.stderr.contains(&format!("--> {name}.toml:")),
            "{name}: no location:\n{}",
            out.stderr
        );
        insta::assert_snapshot!(format!("invalid_{name}"), out.stderr);
    }
}

#[test]
fn json_report_lists_every_diagnostic() {
    let spec = repo().join("tests/fixtures/invalid/alias-loop.toml");
    let out = run(mailctl()
        .args(["validate", "--format", "json", "--spec"])
        .arg(&spec));
    assert_eq!(out.code, 1);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON on stdout");
    assert_eq!(report["valid"], false);
    assert_eq!(report["errors"], 1);
    let d = &report["diagnostics"][0];
    assert_eq!(d["code"], "alias-loop");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["line"], 11);
    assert_eq!(d["column"], 1);
    assert_eq!(d["key"], "domain[0].aliases.sales");

    let out = run(mailctl()
        .args(["validate", "--format", "json", "--spec"])
        .arg(example("minimal.toml")));
    assert_eq!(out.code, 0);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["valid"], true);
    assert_eq!(report["diagnostics"].as_array().unwrap().len(), 0);
}

#[test]
fn several_problems_are_reported_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("mailctl.toml");
    fs::write(
        &spec,
        r#"version = 1
[server]
hostname = "mail.example.com"
ipv4 = ["203.0.113.300"]

[[domain]]
name = "example.com"
mailboxes = ["alice", "al ice"]

[domain.aliases]
info = "nobody"
"#,
    )
    .unwrap();
    let out = run(mailctl().current_dir(dir.path()).arg("validate"));
    assert_eq!(out.code, 1);
    assert_eq!(out.stderr.matches("error[").count(), 3, "{}", out.stderr);
    // Sorted by position.
    let lines: Vec<usize> = ["mailctl.toml:4:", "mailctl.toml:8:", "mailctl.toml:11:"]
        .iter()
        .map(|l| {
            out.stderr
                .find(l)
                .unwrap_or_else(|| panic!("{l} missing:\n{}", out.stderr))
        })
        .collect();
    assert!(lines.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn spec_comes_from_flag_environment_or_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    // No spec anywhere: a usage error that says what to do.
    let out = run(mailctl().current_dir(dir.path()).arg("validate"));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("no spec found"), "{}", out.stderr);
    assert!(out.stderr.contains("mailctl init"), "{}", out.stderr);

    // MAILCTL_SPEC.
    let out = run(mailctl()
        .current_dir(dir.path())
        .env("MAILCTL_SPEC", example("minimal.toml"))
        .arg("validate"));
    assert_eq!(out.code, 0, "{}", out.stderr);

    // ./mailctl.toml.
    fs::copy(example("minimal.toml"), dir.path().join("mailctl.toml")).unwrap();
    let out = run(mailctl().current_dir(dir.path()).arg("validate"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stderr, "mailctl.toml is valid\n");

    // A spec that does not exist is a usage error too.
    let out = run(mailctl().args(["validate", "--spec", "/nonexistent/mailctl.toml"]));
    assert_eq!(out.code, 2);
    assert_eq!(
        redact(&out.stderr, dir.path()),
        "error: cannot read spec `/nonexistent/mailctl.toml`\n  caused by: No such file or directory (os error 2)\n"
    );
}

#[test]
fn warnings_do_not_fail_validation() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("mailctl.toml");
    fs::write(
        &spec,
        "version = 1\n[server]\nhostname = \"mail.example.com\"\n[postfix]\nlmtp_destination = \"unix:private/lmtp\"\n",
    )
    .unwrap();
    let out = run(mailctl().current_dir(dir.path()).arg("validate"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .starts_with("warning[unused-key]: `lmtp_destination` has no effect"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.ends_with("mailctl.toml is valid (1 warning)\n"),
        "{}",
        out.stderr
    );
    // --quiet hides warnings and the summary.
    let out = run(mailctl()
        .current_dir(dir.path())
        .args(["validate", "--quiet"]));
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
}

#[test]
fn colour_only_when_asked_and_never_with_no_color() {
    let spec = repo().join("tests/fixtures/invalid/unknown-key.toml");
    let out = run(mailctl()
        .args(["validate", "--color", "always", "--spec"])
        .arg(&spec));
    assert!(
        out.stderr.contains("\x1b[1;31merror[unknown-key]"),
        "{}",
        out.stderr
    );
    // Not a terminal: no colour by default.
    let out = run(mailctl()
        .env_remove("NO_COLOR")
        .args(["validate", "--spec"])
        .arg(&spec));
    assert!(!out.stderr.contains('\x1b'));
}
