//! `mailctl render` end to end: snapshots of every rendered file, byte-for-
//! byte idempotence, `--check`/`--diff`, kept file modes, backups, and the
//! promise that bad input or a failure half-way leaves the previous files
//! exactly as they were.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::support::{example, examples, mailctl, redact, run};

const RENDERED: [&str; 6] = [
    "main.cf",
    "master.cf",
    "virtual",
    "vmailbox",
    "vdomains",
    "aliases",
];

/// Every regular file in `dir` (not in subdirectories), by name.
fn snapshot_dir(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                fs::read(&p).unwrap(),
            )
        })
        .collect()
}

fn render(spec: &Path, out: &Path, extra: &[&str]) -> crate::support::Run {
    run(mailctl()
        .arg("render")
        .arg("--spec")
        .arg(spec)
        .arg("--out")
        .arg(out)
        .args(extra))
}

/// Every file render wrote under `dir`, relative, sorted; backups left out.
fn rendered_files(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().is_some_and(|n| n == ".mailctl-backup") {
                continue;
            }
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    found.sort();
    found
}

/// A spec in a temp dir, from text.
fn spec_file(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("mailctl.toml");
    fs::write(&path, text).unwrap();
    path
}

const SMALL: &str = r#"version = 1
[server]
hostname = "mail.example.com"

[[domain]]
name = "example.com"
mailboxes = ["alice", "bob"]

[domain.aliases]
info = ["alice", "bob"]
"#;

#[test]
fn rendered_files_match_snapshots() {
    for spec in examples() {
        let out = tempfile::tempdir().unwrap();
        let result = render(&spec, out.path(), &["--no-postmap"]);
        assert_eq!(result.code, 0, "{}", result.stderr);
        let stem = spec.file_stem().unwrap().to_string_lossy().into_owned();
        let written = rendered_files(out.path());
        for name in RENDERED {
            assert!(written.contains(&name.to_owned()), "{stem}: no {name}");
        }
        for name in written {
            let text = fs::read_to_string(out.path().join(&name)).unwrap();
            let snapshot = format!("{stem}_{}", name.replace('/', "_"));
            insta::assert_snapshot!(snapshot, redact(&text, out.path()));
        }
    }
}

#[test]
fn second_render_changes_nothing() {
    let out = tempfile::tempdir().unwrap();
    let spec = example("multi-domain.toml");
    let first = render(&spec, out.path(), &[]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    for name in RENDERED {
        assert!(
            first
                .stderr
                .contains(&format!("created {}", out.path().join(name).display())),
            "{}",
            first.stderr
        );
    }
    let before = snapshot_dir(out.path());
    let mtimes: Vec<_> = RENDERED
        .iter()
        .map(|n| {
            fs::metadata(out.path().join(n))
                .unwrap()
                .modified()
                .unwrap()
        })
        .collect();

    let second = render(&spec, out.path(), &[]);
    assert_eq!(second.code, 0);
    assert!(
        redact(&second.stderr, out.path()).ends_with("\n[TMP] is up to date\n"),
        "{}",
        second.stderr
    );
    assert_eq!(
        snapshot_dir(out.path()),
        before,
        "a second render must not change a byte"
    );
    let after: Vec<_> = RENDERED
        .iter()
        .map(|n| {
            fs::metadata(out.path().join(n))
                .unwrap()
                .modified()
                .unwrap()
        })
        .collect();
    assert_eq!(mtimes, after, "unchanged files are not rewritten");

    let check = render(&spec, out.path(), &["--check"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
}

#[test]
fn check_and_diff_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("postfix");
    let spec = spec_file(dir.path(), SMALL);

    let check = render(&spec, &out, &["--check"]);
    assert_eq!(
        check.code, 1,
        "pending changes are exit 1: {}",
        check.stderr
    );
    assert!(check.stderr.contains("would create"), "{}", check.stderr);
    assert!(!out.exists(), "--check must not create the directory");

    let diff = render(&spec, &out, &["--diff"]);
    assert_eq!(diff.code, 0);
    assert!(
        diff.stdout
            .contains("+info@example.com\talice@example.com, bob@example.com"),
        "{}",
        diff.stdout
    );
    assert!(diff.stdout.contains("--- /dev/null"), "{}", diff.stdout);
    assert!(!out.exists(), "--diff must not write");

    assert_eq!(render(&spec, &out, &["--no-postmap"]).code, 0);
    fs::write(
        &spec,
        SMALL.replace(r#"info = ["alice", "bob"]"#, r#"info = "bob""#),
    )
    .unwrap();
    let diff = render(&spec, &out, &["--diff"]);
    assert_eq!(diff.code, 0);
    let diff = redact(&diff.stdout, dir.path());
    insta::assert_snapshot!("diff_after_alias_change", diff);
    let check = render(&spec, &out, &["--check", "--format", "json"]);
    assert_eq!(check.code, 1);
    let report: serde_json::Value = serde_json::from_str(&check.stdout).unwrap();
    assert_eq!(report["changed"], true);
    let changes: Vec<(String, String)> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_owned(),
                f["change"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(changes.contains(&("virtual".into(), "updated".into())));
    assert!(changes.contains(&("main.cf".into(), "unchanged".into())));
}

#[test]
fn modes_are_kept_and_replaced_files_backed_up() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("postfix");
    let spec = spec_file(dir.path(), SMALL);
    assert_eq!(render(&spec, &out, &["--no-postmap"]).code, 0);
    for name in RENDERED {
        let mode = fs::metadata(out.join(name)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644, "{name}");
    }
    let old_virtual = fs::read(out.join("virtual")).unwrap();
    fs::set_permissions(out.join("virtual"), fs::Permissions::from_mode(0o640)).unwrap();
    fs::set_permissions(out.join("main.cf"), fs::Permissions::from_mode(0o666)).unwrap();

    fs::write(
        &spec,
        SMALL
            .replace("mail.example.com", "mx.example.com")
            .replace(r#"info = ["alice", "bob"]"#, r#"info = "bob""#),
    )
    .unwrap();
    let result = render(&spec, &out, &["--no-postmap"]);
    assert_eq!(result.code, 0, "{}", result.stderr);
    let mode = |name: &str| fs::metadata(out.join(name)).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode("virtual"), 0o640, "an admin's mode is kept");
    assert_eq!(mode("main.cf"), 0o664, "but never world-writable");
    assert_eq!(
        fs::read(out.join(".mailctl-backup/virtual")).unwrap(),
        old_virtual
    );
    assert!(
        fs::read_to_string(out.join("virtual"))
            .unwrap()
            .contains("info@example.com\tbob@example.com\n")
    );
    // Nothing else is left in the directory: no temp files, no stage.
    let mut names: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            ".mailctl-backup",
            "aliases",
            "main.cf",
            "master.cf",
            "opendkim",
            "vdomains",
            "virtual",
            "vmailbox"
        ]
    );
}

#[test]
fn maps_are_compiled_with_postmap() {
    crate::support::require_program("postmap");
    let out = tempfile::tempdir().unwrap();
    let result = render(&example("minimal.toml"), out.path(), &[]);
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert!(
        result
            .stderr
            .contains("compiled the lookup tables virtual, vmailbox, vdomains, aliases"),
        "{}",
        result.stderr
    );
    for name in ["virtual", "vmailbox", "vdomains", "aliases"] {
        let source = fs::metadata(out.path().join(name))
            .unwrap()
            .modified()
            .unwrap();
        let db = fs::metadata(out.path().join(format!("{name}.db")))
            .unwrap()
            .modified()
            .unwrap();
        assert!(db >= source, "{name}.db must not be older than its source");
    }
    // A missing .db is rebuilt even when the source is unchanged.
    fs::remove_file(out.path().join("vdomains.db")).unwrap();
    let result = render(&example("minimal.toml"), out.path(), &[]);
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert!(
        result
            .stderr
            .contains("compiled the lookup tables vdomains\n"),
        "{}",
        result.stderr
    );
    assert!(out.path().join("vdomains.db").exists());
}

/// Values that must never reach a rendered file, in each place a value can
/// come from. Each must make render exit 2 and leave the directory alone.
#[test]
fn injection_never_reaches_a_rendered_file() {
    type SpecWith = fn(&str) -> String;
    let payloads = [
        ("newline", "\\nmydestination = evil.example"),
        ("carriage return", "\\rrelayhost = evil.example"),
        ("NUL", "\\u0000"),
        ("expansion", "$mydestination"),
    ];
    let places: [(&str, SpecWith); 4] = [
        ("domain", |p| {
            SMALL.replace(
                r#"name = "example.com""#,
                &format!(r#"name = "example.com{p}""#),
            )
        }),
        ("alias target", |p| {
            SMALL.replace(
                r#"info = ["alice", "bob"]"#,
                &format!(r#"info = ["alice", "bob{p}"]"#),
            )
        }),
        ("hostname", |p| {
            SMALL.replace(
                r#"hostname = "mail.example.com""#,
                &format!(r#"hostname = "mail.example.com{p}""#),
            )
        }),
        ("extra parameter", |p| {
            SMALL.replace(
                "\n[[domain]]",
                &format!("\n[postfix.extra]\ndelay_warning_time = \"4h{p}\"\n\n[[domain]]"),
            )
        }),
    ];
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("postfix");
    let spec = spec_file(dir.path(), SMALL);
    assert_eq!(render(&spec, &out, &["--no-postmap"]).code, 0);
    let before = snapshot_dir(&out);

    for (place, make) in places {
        for (what, payload) in payloads {
            fs::write(&spec, make(payload)).unwrap();
            let result = render(&spec, &out, &[]);
            assert_eq!(
                result.code, 2,
                "{what} in {place} must be refused:\n{}",
                result.stderr
            );
            assert!(
                result.stderr.contains("error[invalid-value]"),
                "{what} in {place}:\n{}",
                result.stderr
            );
            assert!(
                result.stderr.contains("nothing was written"),
                "{}",
                result.stderr
            );
            assert_eq!(
                snapshot_dir(&out),
                before,
                "{what} in {place} changed the output directory"
            );
        }
    }
}

#[test]
fn failing_postmap_leaves_previous_files_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("postfix");
    let spec = spec_file(dir.path(), SMALL);
    assert_eq!(render(&spec, &out, &["--no-postmap"]).code, 0);
    let before = snapshot_dir(&out);

    // A postmap that fails, first on PATH.
    let bin = dir.path().join("bin");
    fs::create_dir(&bin).unwrap();
    fs::write(
        bin.join("postmap"),
        "#!/bin/sh\necho 'postmap: fatal: disk on fire' >&2\nexit 1\n",
    )
    .unwrap();
    fs::set_permissions(bin.join("postmap"), fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );

    fs::write(&spec, SMALL.replace("alice", "carol")).unwrap();
    let result = run(mailctl()
        .env("PATH", path)
        .arg("render")
        .arg("--spec")
        .arg(&spec)
        .arg("--out")
        .arg(&out));
    assert_eq!(result.code, 3, "{}", result.stderr);
    assert!(
        result.stderr.contains("the previous files in"),
        "{}",
        result.stderr
    );
    assert!(
        result.stderr.contains("postmap: fatal: disk on fire"),
        "{}",
        result.stderr
    );
    assert_eq!(snapshot_dir(&out), before);
    let leftovers: Vec<_> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with(".mailctl-stage"))
        .collect();
    assert!(leftovers.is_empty(), "stage left behind: {leftovers:?}");
}

#[test]
fn failure_half_way_through_the_renames_is_rolled_back() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("postfix");
    let spec = spec_file(dir.path(), SMALL);
    assert_eq!(render(&spec, &out, &["--no-postmap"]).code, 0);
    // A directory where the backup of `vmailbox` must go: main.cf, master.cf
    // and virtual are already renamed into place when this fails.
    fs::create_dir_all(out.join(".mailctl-backup/vmailbox/blocker")).unwrap();
    let before = snapshot_dir(&out);

    fs::write(
        &spec,
        SMALL
            .replace("mail.example.com", "mx.example.com")
            .replace("alice", "carol"),
    )
    .unwrap();
    let result = render(&spec, &out, &["--no-postmap"]);
    assert_eq!(result.code, 3, "{}", result.stderr);
    assert!(
        result.stderr.contains("cannot replace backup"),
        "{}",
        result.stderr
    );
    assert_eq!(
        snapshot_dir(&out),
        before,
        "every file must be back as it was"
    );
}

#[test]
fn unwritable_output_directory_is_an_environment_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    fs::write(&file, "x").unwrap();
    let result = render(
        &example("minimal.toml"),
        &file.join("postfix"),
        &["--no-postmap"],
    );
    assert_eq!(result.code, 3, "{}", result.stderr);
    assert!(
        result.stderr.contains("Not a directory"),
        "{}",
        result.stderr
    );
    assert_eq!(fs::read(&file).unwrap(), b"x");
}

#[test]
fn templates_can_be_overridden_and_must_be_strict() {
    let dir = tempfile::tempdir().unwrap();
    let templates = dir.path().join("templates");
    fs::create_dir(&templates).unwrap();
    fs::write(
        templates.join("master.cf.j2"),
        "{{ header }}\n# custom master.cf for {{ hostname }}\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let result = render(
        &example("minimal.toml"),
        &out,
        &["--no-postmap", "--templates", templates.to_str().unwrap()],
    );
    assert_eq!(result.code, 0, "{}", result.stderr);
    let master = fs::read_to_string(out.join("master.cf")).unwrap();
    assert!(
        master.ends_with("# custom master.cf for mail.example.com\n"),
        "{master}"
    );
    // main.cf still comes from the built-in template.
    assert!(
        fs::read_to_string(out.join("main.cf"))
            .unwrap()
            .contains("reject_unauth_destination")
    );

    // An undefined variable is an error, not an empty line.
    fs::write(templates.join("master.cf.j2"), "{{ no_such_variable }}\n").unwrap();
    let out2 = dir.path().join("out2");
    let result = render(
        &example("minimal.toml"),
        &out2,
        &["--no-postmap", "--templates", templates.to_str().unwrap()],
    );
    assert_eq!(result.code, 2, "{}", result.stderr);
    assert!(
        result
            .stderr
            .contains("template `master.cf.j2` failed to render"),
        "{}",
        result.stderr
    );
    assert!(!out2.exists());
}

#[test]
fn render_json_report() {
    let out = tempfile::tempdir().unwrap();
    let result = render(
        &example("minimal.toml"),
        out.path(),
        &["--no-postmap", "--format", "json"],
    );
    assert_eq!(result.code, 0, "{}", result.stderr);
    let report: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    assert_eq!(report["mode"], "write");
    assert_eq!(report["changed"], true);
    let written: Vec<String> = report["applied"]["written"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| redact(p.as_str().unwrap(), out.path()))
        .collect();
    assert_eq!(
        written,
        [
            "[TMP]/dovecot/dovecot.conf",
            "[TMP]/dovecot/users",
            "[TMP]/dovecot/passwd",
            "[TMP]/opendkim/opendkim.conf",
            "[TMP]/opendkim/KeyTable",
            "[TMP]/opendkim/SigningTable",
            "[TMP]/opendkim/TrustedHosts",
            "[TMP]/main.cf",
            "[TMP]/master.cf",
            "[TMP]/virtual",
            "[TMP]/vmailbox",
            "[TMP]/vdomains",
            "[TMP]/aliases",
            "[TMP]/sender_login"
        ]
    );
    assert_eq!(report["applied"]["compiled"].as_array().unwrap().len(), 0);
}

#[test]
fn reload_without_a_running_postfix_fails_after_writing() {
    crate::support::require_program("postfix");
    let out = tempfile::tempdir().unwrap();
    let result = render(
        &example("minimal.toml"),
        out.path(),
        &["--no-postmap", "--reload"],
    );
    assert_eq!(result.code, 3, "{}", result.stderr);
    assert!(
        result
            .stderr
            .contains("the new files are in place, but Postfix did not reload"),
        "{}",
        result.stderr
    );
    assert!(out.path().join("main.cf").exists());
}

#[test]
fn dkim_signing_and_mta_sts_policies_are_rendered_where_the_spec_says() {
    let dir = tempfile::tempdir().unwrap();
    let web = dir.path().join("www");
    let opendkim = dir.path().join("etc-opendkim");
    let text = format!(
        "{SMALL}\n[domain.mta_sts]\nmode = \"enforce\"\nweb_root = \"{}\"\n",
        web.display()
    )
    .replace(
        "[server]",
        &format!(
            "[dkim]\nkey_dir = \"keys\"\nopendkim_dir = \"{}\"\n\n\
             [tls]\ncert_file = \"{tls}/cert.pem\"\nkey_file = \"{tls}/key.pem\"\n\n[server]",
            opendkim.display(),
            tls = dir.path().join("tls").display()
        ),
    );
    let spec = spec_file(dir.path(), &text);
    let postfix = dir.path().join("postfix");
    fs::create_dir(&postfix).unwrap();
    // Without --out, each file goes to its own directory from the spec.
    fs::write(
        &spec,
        text.replace(
            "[server]",
            &format!(
                "[postfix]\nconfig_dir = \"{}\"\n\n[server]",
                postfix.display()
            ),
        ),
    )
    .unwrap();
    let result = run(mailctl()
        .arg("render")
        .arg("--no-postmap")
        .arg("--spec")
        .arg(&spec));
    assert_eq!(result.code, 0, "{}", result.stderr);
    // No key yet: OpenDKIM could not sign, and render says so.
    assert!(
        result
            .stderr
            .contains("warning: no DKIM key for example.com"),
        "{}",
        result.stderr
    );

    let policy = fs::read_to_string(web.join(".well-known/mta-sts.txt")).unwrap();
    assert_eq!(
        policy,
        "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmax_age: 604800\r\n"
    );
    let key_table = fs::read_to_string(opendkim.join("KeyTable")).unwrap();
    let key = dir.path().join("keys/example.com/mail.pem");
    assert!(
        key_table.ends_with(&format!(
            "mail._domainkey.example.com example.com:mail:{}\n",
            key.display()
        )),
        "{key_table}"
    );
    let signing = fs::read_to_string(opendkim.join("SigningTable")).unwrap();
    assert!(
        signing.ends_with("*@example.com mail._domainkey.example.com\n"),
        "{signing}"
    );
    let main_cf = fs::read_to_string(postfix.join("main.cf")).unwrap();
    assert!(
        main_cf.contains(
            "\nsmtpd_milters = inet:127.0.0.1:8891\nnon_smtpd_milters = inet:127.0.0.1:8891\n"
        ),
        "{main_cf}"
    );

    // No certificate yet either: render says what that breaks.
    assert!(
        result.stderr.contains(&format!(
            "warning: no TLS certificate yet ({tls}/cert.pem and {tls}/key.pem missing)",
            tls = dir.path().join("tls").display()
        )),
        "{}",
        result.stderr
    );

    // After keygen, and with a certificate, the warnings are gone, and
    // nothing changes.
    fs::create_dir(dir.path().join("tls")).unwrap();
    for name in ["cert.pem", "key.pem"] {
        fs::write(dir.path().join("tls").join(name), "").unwrap();
    }
    let keygen = run(mailctl().args(["dkim", "keygen", "--spec"]).arg(&spec));
    assert_eq!(keygen.code, 0, "{}", keygen.stderr);
    let again = run(mailctl()
        .arg("render")
        .arg("--no-postmap")
        .arg("--spec")
        .arg(&spec));
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(!again.stderr.contains("warning"), "{}", again.stderr);
    assert!(
        again.stderr.ends_with("is up to date\n"),
        "{}",
        again.stderr
    );

    // A domain without DKIM and MTA-STS renders neither.
    let plain = text
        .replace(
            "[domain.mta_sts]",
            "[domain.dkim]\nenabled = false\n\n[domain.mta_sts]",
        )
        .replace(
            "mode = \"enforce\"\nweb_root",
            "mode = \"enforce\"\n#web_root",
        );
    fs::write(&spec, plain).unwrap();
    let out = dir.path().join("out");
    assert_eq!(render(&spec, &out, &["--no-postmap"]).code, 0);
    assert!(!out.join("opendkim").exists());
    assert!(!out.join("mta-sts").exists());
    assert!(
        !fs::read_to_string(out.join("main.cf"))
            .unwrap()
            .contains("milter")
    );
}

#[test]
fn a_symlinked_target_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real");
    fs::create_dir(&real).unwrap();
    fs::write(real.join("main.cf"), "# the admin's own\n").unwrap();
    let out = dir.path().join("postfix");
    fs::create_dir(&out).unwrap();
    std::os::unix::fs::symlink(real.join("main.cf"), out.join("main.cf")).unwrap();
    let spec = spec_file(dir.path(), SMALL);

    let result = render(&spec, &out, &["--no-postmap"]);
    assert_eq!(result.code, 3, "{}", result.stderr);
    assert!(
        result.stderr.contains("is a symbolic link"),
        "{}",
        result.stderr
    );
    assert!(
        out.join("main.cf")
            .symlink_metadata()
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        fs::read_to_string(real.join("main.cf")).unwrap(),
        "# the admin's own\n"
    );
    assert_eq!(
        rendered_files(&out),
        ["main.cf"],
        "nothing else was written"
    );
}

/// The MTA-STS policy, `OpenDKIM`'s tables and Postfix's files are committed
/// together: a failure in Postfix's directory leaves the others as they were.
#[test]
fn a_failure_in_one_directory_leaves_every_directory_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let web = dir.path().join("www");
    let text = |mode: &str, mailbox: &str| {
        format!(
            "{SMALL}\n[domain.mta_sts]\nmode = \"{mode}\"\nweb_root = \"{}\"\n",
            web.display()
        )
        .replace("\"bob\"]", &format!("\"bob\", \"{mailbox}\"]"))
    };
    let spec = spec_file(dir.path(), &text("testing", "carol"));
    let postfix = dir.path().join("postfix");
    let with_config_dir = |t: String| {
        t.replace(
            "[server]",
            &format!(
                "[postfix]\nconfig_dir = \"{}\"\n\n[server]",
                postfix.display()
            ),
        )
    };
    fs::write(&spec, with_config_dir(text("testing", "carol"))).unwrap();
    let first = run(mailctl()
        .args(["render", "--no-postmap", "--spec"])
        .arg(&spec));
    assert_eq!(first.code, 0, "{}", first.stderr);
    let policy = fs::read_to_string(web.join(".well-known/mta-sts.txt")).unwrap();
    assert!(policy.contains("mode: testing"));
    let before = snapshot_dir(&postfix);

    let bin = dir.path().join("bin");
    fs::create_dir(&bin).unwrap();
    fs::write(
        bin.join("postmap"),
        "#!/bin/sh\necho 'postmap: fatal: no' >&2\nexit 1\n",
    )
    .unwrap();
    fs::write(bin.join("postalias"), "#!/bin/sh\nexit 0\n").unwrap();
    for tool in ["postmap", "postalias"] {
        fs::set_permissions(bin.join(tool), fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    fs::write(&spec, with_config_dir(text("enforce", "dave"))).unwrap();
    let result = run(mailctl()
        .env("PATH", path)
        .args(["render", "--spec"])
        .arg(&spec));
    assert_eq!(result.code, 3, "{}", result.stderr);
    assert_eq!(
        fs::read_to_string(web.join(".well-known/mta-sts.txt")).unwrap(),
        policy,
        "the policy must not change"
    );
    assert_eq!(snapshot_dir(&postfix), before);
}

/// Two renders at once (cron and a person) must not interleave their
/// renames: a render waits for the lock another holds, then gives up with
/// exit 3 naming the lock file. `--check` and `--diff` take no lock.
#[test]
fn a_second_render_waits_for_the_lock_then_gives_up() {
    use rustix::fs::{FlockOperation, flock};
    let tmp = tempfile::tempdir().unwrap();
    let spec = spec_file(tmp.path(), SMALL);
    let out = tmp.path().join("out");
    let lock_path = out.join(".mailctl-backup/.mailctl-lock");
    fs::create_dir_all(lock_path.parent().unwrap()).unwrap();
    let held = fs::File::create(&lock_path).unwrap();
    flock(&held, FlockOperation::NonBlockingLockExclusive).unwrap();

    let start = std::time::Instant::now();
    let result = render(&spec, &out, &["--no-postmap", "--lock-timeout", "1"]);
    assert_eq!(result.code, 3, "{}", result.stderr);
    assert!(start.elapsed() >= std::time::Duration::from_secs(1));
    assert!(
        result.stderr.contains(&format!(
            "another mailctl render holds the lock `{}`",
            lock_path.display()
        )),
        "{}",
        result.stderr
    );
    assert!(!out.join("main.cf").exists(), "nothing was written");
    assert_eq!(render(&spec, &out, &["--check"]).code, 1);
    assert_eq!(render(&spec, &out, &["--diff"]).code, 0);

    drop(held);
    let result = render(&spec, &out, &["--no-postmap", "--lock-timeout", "1"]);
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert!(out.join("main.cf").exists());

    // A render creates its lock file 0600.
    let fresh = tmp.path().join("fresh");
    let result = render(&spec, &fresh, &["--no-postmap"]);
    assert_eq!(result.code, 0, "{}", result.stderr);
    let lock = fresh.join(".mailctl-backup/.mailctl-lock");
    assert_eq!(
        fs::metadata(&lock).unwrap().permissions().mode() & 0o777,
        0o600
    );
}
