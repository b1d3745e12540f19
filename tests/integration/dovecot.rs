//! Dovecot from the spec, checked by Dovecot's own tools: every example that
//! enables Dovecot renders a `dovecot.conf` that `doveconf -n` reads without a
//! word on stderr; `mailctl passwd` stores a hash that `doveadm pw -t`
//! verifies, in a 0600 file, printing neither the password nor the hash; the
//! rendered passdb is private; and `client-config` writes autoconfig XML.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Stdio};

use crate::support::{self, mailctl, run};

fn enables_dovecot(spec: &Path) -> bool {
    let table: toml::Table = fs::read_to_string(spec).unwrap().parse().unwrap();
    table
        .get("dovecot")
        .and_then(|d| d.get("enabled"))
        .and_then(toml::Value::as_bool)
        == Some(true)
}

#[test]
fn doveconf_reads_every_example_that_enables_dovecot() {
    let doveconf = support::require_program("doveconf");
    let mut checked = 0;
    for spec in support::examples()
        .into_iter()
        .filter(|s| enables_dovecot(s))
    {
        let out = tempfile::tempdir().unwrap();
        let rendered = run(mailctl()
            .arg("render")
            .arg("--no-postmap")
            .arg("--spec")
            .arg(&spec)
            .arg("--out")
            .arg(out.path()));
        assert_eq!(rendered.code, 0, "{}: {}", spec.display(), rendered.stderr);
        let conf = out.path().join("dovecot/dovecot.conf");
        let result = run(Command::new(&doveconf).arg("-n").arg("-c").arg(&conf));
        assert!(
            result.code == 0 && result.stderr.is_empty(),
            "{}: `doveconf -n -c {}` exited {} with stderr:\n{}",
            spec.display(),
            conf.display(),
            result.code,
            result.stderr
        );
        assert!(
            result.stdout.contains("passdb {"),
            "{}: no passdb in:\n{}",
            spec.display(),
            result.stdout
        );
        checked += 1;
    }
    assert!(
        checked >= 2,
        "every example should enable Dovecot; checked {checked}"
    );
}

/// A spec in a temporary directory with a passwords file next to it.
fn spec_with_passwords(dir: &Path) -> std::path::PathBuf {
    let spec = dir.join("mailctl.toml");
    fs::write(
        &spec,
        "version = 1\n[server]\nhostname = \"mail.example.test\"\nservices = [\"smtp\", \"submission\", \"imaps\"]\n\
         [tls]\ncert_file = \"/etc/ssl/mail.pem\"\nkey_file = \"/etc/ssl/mail.key\"\n\
         [dovecot]\nenabled = true\npasswords_file = \"passwords\"\n\
         [[domain]]\nname = \"example.test\"\nmailboxes = [\"alice\", { local = \"bob\", imap = false }]\n\
         [domain.aliases]\ninfo = [\"alice\", \"bob\"]\n[domain.dkim]\nenabled = false\n",
    )
    .unwrap();
    spec
}

fn passwd_stdin(spec: &Path, address: &str, password: &str) -> support::Run {
    let mut child = mailctl()
        .args(["passwd", "--stdin", address, "--spec"])
        .arg(spec)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // mailctl refuses an address that is not a mailbox before it reads the
    // password; it may be gone before this write, which then fails with
    // EPIPE. Its exit code and output are what the tests judge.
    let written = child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes());
    if let Err(e) = written {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    let output = child.wait_with_output().unwrap();
    support::Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn passwd_stores_a_hash_that_dovecot_verifies_and_prints_no_secret() {
    let doveadm = support::require_program("doveadm");
    let dir = tempfile::tempdir().unwrap();
    let spec = spec_with_passwords(dir.path());
    let password = "correct horse battery staple";

    let result = passwd_stdin(&spec, "Alice@Example.test", password);
    assert_eq!(result.code, 0, "{}", result.stderr);
    let file = dir.path().join("passwords");
    assert_eq!(
        fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let text = fs::read_to_string(&file).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("alice@example.test:"))
        .expect("a line for alice");
    let hash = line.split_once(':').unwrap().1;
    assert!(hash.starts_with("{SHA512-CRYPT}$6$"), "{hash}");
    for shown in [&result.stdout, &result.stderr] {
        assert!(
            !shown.contains(password) && !shown.contains(hash),
            "a secret was printed:\n{shown}"
        );
    }
    let verified = run(Command::new(&doveadm).args(["-O", "pw", "-t", hash, "-p", password]));
    assert!(
        verified.code == 0 && verified.stdout.contains("(verified)"),
        "{}{}",
        verified.stdout,
        verified.stderr
    );
    let wrong = run(Command::new(&doveadm).args(["-O", "pw", "-t", hash, "-p", "wrong"]));
    assert_ne!(wrong.code, 0);

    // Only mailboxes log in; the spec's directory of mistakes gets a hint.
    let alias = passwd_stdin(&spec, "info@example.test", password);
    assert_eq!(alias.code, 2);
    assert!(
        alias.stderr.contains("is not a mailbox"),
        "{}",
        alias.stderr
    );
    let empty = passwd_stdin(&spec, "alice@example.test", "");
    assert_eq!(empty.code, 2, "{}", empty.stderr);

    // The rendered passdb holds the hash and is never readable by others;
    // bob may not use IMAP, so he is on the IMAP deny list.
    passwd_stdin(&spec, "bob@example.test", "bob's password");
    let out = dir.path().join("out");
    let rendered = run(mailctl()
        .args(["render", "--no-postmap", "--spec"])
        .arg(&spec)
        .arg("--out")
        .arg(&out));
    assert_eq!(rendered.code, 0, "{}", rendered.stderr);
    assert!(!rendered.stderr.contains(hash));
    let passdb = out.join("dovecot/passwd");
    let meta = fs::metadata(&passdb).unwrap();
    assert_eq!(meta.mode() & 0o007, 0, "the passdb is readable by others");
    let passdb_text = fs::read_to_string(&passdb).unwrap();
    assert!(
        passdb_text.contains(&format!("alice@example.test:{hash}::::::")),
        "{passdb_text}"
    );
    assert!(
        passdb_text.contains("bob@example.test:{SHA512-CRYPT}"),
        "{passdb_text}"
    );
    let deny_imap = fs::read_to_string(out.join("dovecot/deny-imap")).unwrap();
    assert!(
        deny_imap.contains("\nbob@example.test\n") && !deny_imap.contains("alice@"),
        "{deny_imap}"
    );
    let sender_login = fs::read_to_string(out.join("sender_login")).unwrap();
    assert!(
        sender_login.contains("info@example.test\talice@example.test, bob@example.test"),
        "{sender_login}"
    );
}

#[test]
fn client_config_prints_settings_and_writes_autoconfig() {
    let dir = tempfile::tempdir().unwrap();
    let spec = spec_with_passwords(dir.path());
    let result = run(mailctl()
        .args(["client-config", "--spec"])
        .arg(&spec)
        .arg("--autoconfig")
        .arg(dir.path().join("www")));
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert_eq!(
        result.stdout,
        "Mail domains: example.test\n\
         incoming  IMAP  server mail.example.test  port 993  SSL/TLS  login: your full email address, normal password\n\
         outgoing  SMTP  server mail.example.test  port 587  STARTTLS  login: your full email address, normal password\n"
    );
    let xml = fs::read_to_string(
        dir.path()
            .join("www/.well-known/autoconfig/mail/config-v1.1.xml"),
    )
    .unwrap();
    assert!(xml.contains("<incomingServer type=\"imap\">\n      <hostname>mail.example.test</hostname>\n      <port>993</port>\n      <socketType>SSL</socketType>"), "{xml}");
    assert!(
        xml.contains("<port>587</port>\n      <socketType>STARTTLS</socketType>"),
        "{xml}"
    );

    let json = run(mailctl()
        .args(["client-config", "--format", "json", "--spec"])
        .arg(&spec));
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(value["incoming"][0]["port"], 993);
    assert_eq!(value["outgoing"][0]["tls"], "STARTTLS");
}

/// `mailctl validate` hands the rendered `dovecot.conf` to `doveconf -n` and
/// the rendered `opendkim.conf` to `opendkim -n`: a template override that
/// the daemon would refuse makes the spec invalid (exit 1), and the stock
/// templates pass.
#[test]
fn validate_runs_the_daemons_own_checks_on_the_rendered_configuration() {
    for (program, template, bad_line, said) in [
        (
            "doveconf",
            "dovecot/dovecot.conf.j2",
            "no_such_setting = 1",
            "Unknown setting: no_such_setting",
        ),
        (
            "opendkim",
            "opendkim/opendkim.conf.j2",
            "NoSuchSetting yes",
            "unrecognized parameter",
        ),
    ] {
        support::require_program(program);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("templates").join(template);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        let stock = fs::read_to_string(support::repo().join("templates").join(template)).unwrap();
        fs::write(&path, format!("{stock}{bad_line}\n")).unwrap();
        let spec = support::example("multi-domain.toml");
        let result = run(mailctl()
            .args(["validate", "--spec"])
            .arg(&spec)
            .arg("--templates")
            .arg(dir.path().join("templates")));
        assert_eq!(result.code, 1, "{program}: {}", result.stderr);
        assert!(
            result.stderr.contains(&format!("error[{program}]")) && result.stderr.contains(said),
            "{program}: {}",
            result.stderr
        );
    }
    for spec in support::examples() {
        let clean = run(mailctl().args(["validate", "-v", "--spec"]).arg(&spec));
        assert_eq!(clean.code, 0, "{}: {}", spec.display(), clean.stderr);
        for program in ["doveconf", "opendkim"] {
            assert!(
                clean.stderr.contains(&format!("{program}: ")),
                "{}: validate did not run {program}:\n{}",
                spec.display(),
                clean.stderr
            );
        }
    }
}
