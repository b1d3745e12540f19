//! `mailctl init`: the non-interactive path from flags, and the wizard
//! driven through a real pseudo-terminal, answer by answer, including a wrong
//! answer that is re-asked, Esc and Ctrl-C.

use std::path::Path;
use std::process::Command;

use rexpect::session::{PtySession, spawn_command};

use crate::support::{mailctl, run};

fn validate(spec: &Path) {
    let r = run(mailctl().arg("validate").arg("--spec").arg(spec));
    assert_eq!(
        r.code,
        0,
        "the written spec does not validate:\n{}\n{}",
        r.stderr,
        std::fs::read_to_string(spec).unwrap_or_default()
    );
}

#[test]
fn non_interactive_writes_a_valid_spec_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("mailctl.toml");
    let r = run(mailctl().current_dir(dir.path()).args([
        "init",
        "--non-interactive",
        "--domain",
        "example.com",
        "--ipv4",
        "203.0.113.10",
        "--agree-tos",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("wrote mailctl.toml"), "{}", r.stderr);
    for step in [
        "mailctl dkim keygen",
        "mailctl dns",
        "mailctl render --diff",
        "mailctl cert issue",
    ] {
        assert!(
            r.stderr.contains(step),
            "next steps lack `{step}`:\n{}",
            r.stderr
        );
    }
    validate(&spec);
    let text = std::fs::read_to_string(&spec).unwrap();
    assert!(text.contains("hostname = \"mail.example.com\""), "{text}");
    assert!(
        text.contains("contact = \"postmaster@example.com\""),
        "{text}"
    );

    // A second run refuses, and leaves the file alone.
    let r = run(mailctl().current_dir(dir.path()).args([
        "init",
        "--non-interactive",
        "--domain",
        "example.net",
        "--ipv4",
        "203.0.113.10",
    ]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("`mailctl.toml` already exists; nothing was written"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("help: pass --force"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&spec).unwrap(), text);

    // --force replaces it.
    let r = run(mailctl().current_dir(dir.path()).args([
        "init",
        "--non-interactive",
        "--force",
        "--domain",
        "example.net",
        "--ipv4",
        "203.0.113.10",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        std::fs::read_to_string(&spec)
            .unwrap()
            .contains("name = \"example.net\"")
    );
    validate(&spec);
}

#[test]
fn non_interactive_reports_every_bad_answer() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(mailctl().current_dir(dir.path()).args([
        "init",
        "--non-interactive",
        "--domain",
        "example.com",
        "--hostname",
        "example.com",
        "--ipv4",
        "127.0.0.1",
        "--contact",
        "nobody",
        "--challenge",
        "http-01",
        "--dns-zone",
        "example.com",
    ]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    for problem in [
        "--ipv4 `127.0.0.1` is a loopback address",
        "--contact `nobody` is not an email address",
        "--dns-zone is for dns-01",
        "the host name `example.com` is also a mail domain",
        "no address",
    ] {
        assert!(
            r.stderr.contains(problem),
            "missing `{problem}` in:\n{}",
            r.stderr
        );
    }
    assert!(!dir.path().join("mailctl.toml").exists());
}

#[test]
fn without_a_terminal_init_says_so_instead_of_hanging() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(mailctl()
        .current_dir(dir.path())
        .arg("init")
        .stdin(std::process::Stdio::null()));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("there is no terminal to ask on"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("--non-interactive"), "{}", r.stderr);
    assert!(!dir.path().join("mailctl.toml").exists());
}

#[test]
fn answer_flags_need_non_interactive() {
    let r = run(mailctl().args(["init", "--domain", "example.com"]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--non-interactive"), "{}", r.stderr);
}

/// The wizard on a pseudo-terminal. Fails loudly when no pty can be opened.
fn wizard(dir: &Path, output: &str) -> PtySession {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mailctl"));
    command
        .current_dir(dir)
        .env_remove("MAILCTL_SPEC")
        .env("NO_COLOR", "1")
        .env("TERM", "xterm")
        .args(["init", "--output", output])
        // Deterministic choices instead of this machine's interfaces.
        .args([
            "--offer-address",
            "203.0.113.10",
            "--offer-address",
            "10.0.0.5",
            "--offer-address",
            "2001:db8::10",
        ]);
    spawn_command(command, Some(20_000))
        .unwrap_or_else(|e| panic!("cannot run mailctl init in a pseudo-terminal: {e}"))
}

const ENTER: &str = "\r";
const DOWN: &str = "\x1b[B";

fn expect(p: &mut PtySession, text: &str) -> String {
    p.exp_string(text)
        .unwrap_or_else(|e| panic!("waiting for `{text}`: {e}"))
}

fn send(p: &mut PtySession, keys: &str) {
    p.send(keys).expect("write to the pty");
    p.flush().expect("flush the pty");
}

fn exit_code(p: &PtySession) -> String {
    format!("{:?}", p.process().wait().expect("wait for mailctl"))
}

#[test]
fn wizard_in_a_pty_matches_non_interactive() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = wizard(dir.path(), "wizard.toml");

    expect(&mut p, "Mail domain(s)");
    send(&mut p, &format!("example.com example.net{ENTER}"));
    expect(&mut p, "Mail host name");
    // A mail domain is not a host name: re-asked with the reason.
    send(&mut p, &format!("example.com{ENTER}"));
    expect(&mut p, "is also a mail domain");
    expect(&mut p, "Mail host name");
    send(&mut p, ENTER); // the default, mail.example.com
    expect(&mut p, "Public IPv4 addresses");
    send(&mut p, ENTER); // 203.0.113.10 is pre-selected, 10.0.0.5 (private) is not
    expect(&mut p, "Other public IPv4 addresses");
    send(&mut p, &format!("198.51.100.7{ENTER}"));
    expect(&mut p, "Public IPv6 addresses");
    send(&mut p, ENTER);
    expect(&mut p, "Other public IPv6 addresses");
    send(&mut p, ENTER);
    expect(&mut p, "Contact address");
    send(&mut p, &format!("hostmaster@example.net{ENTER}"));
    expect(&mut p, "Services for your users");
    send(&mut p, &format!("{DOWN}{DOWN}{DOWN} {ENTER}")); // also POP3S
    expect(&mut p, "DKIM key algorithm");
    send(&mut p, &format!("{DOWN}{ENTER}")); // ed25519
    expect(&mut p, "DMARC policy");
    send(&mut p, ENTER); // none
    expect(&mut p, "DMARC reports go to");
    send(&mut p, ENTER);
    expect(&mut p, "MTA-STS mode");
    send(&mut p, ENTER); // testing
    expect(&mut p, "TLS-RPT");
    send(&mut p, &format!("none{ENTER}"));
    expect(&mut p, "ACME CA");
    send(&mut p, &format!("{DOWN}{ENTER}")); // letsencrypt-staging
    expect(&mut p, "How the CA checks");
    send(&mut p, ENTER); // http-01
    expect(&mut p, "accept the CA's terms");
    send(&mut p, "y");
    let summary = expect(&mut p, "Write wizard.toml?");
    for line in [
        "mail.example.com",
        "203.0.113.10, 198.51.100.7",
        "2001:db8::10",
        "smtp, submission, submissions, imaps, pop3s",
        "ed25519",
    ] {
        assert!(summary.contains(line), "summary lacks `{line}`:\n{summary}");
    }
    send(&mut p, "y");
    expect(&mut p, "wrote wizard.toml");
    p.exp_eof().expect("mailctl init ends");
    let status = exit_code(&p);
    assert!(
        status.starts_with("Exited(") && status.ends_with(", 0)"),
        "{status}"
    );

    let wizard_spec = dir.path().join("wizard.toml");
    validate(&wizard_spec);

    let r = run(mailctl().current_dir(dir.path()).args([
        "init",
        "--non-interactive",
        "--output",
        "flags.toml",
        "--domain",
        "example.com",
        "--domain",
        "example.net",
        "--ipv4",
        "203.0.113.10",
        "--ipv4",
        "198.51.100.7",
        "--ipv6",
        "2001:db8::10",
        "--contact",
        "hostmaster@example.net",
        "--service",
        "submission",
        "--service",
        "submissions",
        "--service",
        "imaps",
        "--service",
        "pop3s",
        "--dkim-algorithm",
        "ed25519",
        "--tls-rpt-rua",
        "none",
        "--acme-directory",
        "letsencrypt-staging",
        "--agree-tos",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(&wizard_spec).unwrap(),
        std::fs::read_to_string(dir.path().join("flags.toml")).unwrap(),
        "the wizard and --non-interactive wrote different specs for the same answers"
    );
}

#[test]
fn ctrl_c_in_a_text_question_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = wizard(dir.path(), "mailctl.toml");
    expect(&mut p, "Mail domain(s)");
    send(&mut p, "example.c");
    p.send_control('c').expect("send Ctrl-C");
    expect(&mut p, "cancelled; nothing was written");
    p.exp_eof().expect("mailctl init ends");
    let status = exit_code(&p);
    assert!(
        status.starts_with("Exited(") && status.ends_with(", 2)"),
        "{status}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "files were left behind"
    );
}

#[test]
fn ctrl_c_in_a_choice_writes_nothing_and_shows_the_cursor() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = wizard(dir.path(), "mailctl.toml");
    expect(&mut p, "Mail domain(s)");
    send(&mut p, &format!("example.com{ENTER}"));
    expect(&mut p, "Mail host name");
    send(&mut p, ENTER);
    expect(&mut p, "Public IPv4 addresses");
    // dialoguer hides the cursor in a choice; Ctrl-C there is a SIGINT.
    p.send_control('c').expect("send Ctrl-C");
    let rest = p.exp_eof().expect("mailctl init ends");
    assert!(rest.contains("cancelled; nothing was written"), "{rest:?}");
    assert!(
        rest.contains("\x1b[?25h"),
        "the cursor was not shown again: {rest:?}"
    );
    let status = exit_code(&p);
    assert!(
        status.starts_with("Exited(") && status.ends_with(", 2)"),
        "{status}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "files were left behind"
    );
}

#[test]
fn esc_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = wizard(dir.path(), "mailctl.toml");
    expect(&mut p, "Mail domain(s)");
    send(&mut p, "\x1b");
    expect(&mut p, "cancelled; nothing was written");
    p.exp_eof().expect("mailctl init ends");
    let status = exit_code(&p);
    assert!(
        status.starts_with("Exited(") && status.ends_with(", 2)"),
        "{status}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "files were left behind"
    );
}
