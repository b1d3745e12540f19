//! The whole mail server on loopback, from one rendered spec: Postfix hands
//! mail for a mailbox, an alias and a catch-all to Dovecot over LMTP; the
//! users read it back over IMAPS and POP3S with the passwords `mailctl
//! passwd` set (a wrong one, or POP3 for a mailbox with `pop3 = false`, is
//! refused); and submission (STARTTLS) and submissions (implicit TLS)
//! accept mail only after AUTH, only inside TLS, and only from a sender
//! address the login owns.
//!
//! Submitted mail is DKIM-signed by an `OpenDKIM` milter using the key of
//! `mailctl dkim keygen` and the tables `mailctl render` writes, and the
//! signature verifies (dkimpy) against the TXT value `mailctl dkim show` prints.
//!
//! The test changes only listen addresses, ports (the milter's too), and the
//! queue, run, data and log directories; everything else is what mailctl
//! rendered. It writes `OpenDKIM`'s own `opendkim.conf`, which mailctl does not
//! render (only its tables).

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::support::{self, Run, mailctl, run};

const PROGRAMS: [&str; 10] = [
    "opendkim",
    "postconf",
    "postfix",
    "postqueue",
    "swaks",
    "openssl",
    "dovecot",
    "doveadm",
    "curl",
    "doveconf",
];
const FIXTURE: &str = "tests/fixtures/e2e/mailflow.toml";
const PASSWORDS: [(&str, &str); 3] = [
    ("alice@example.test", "alice's secret pass"),
    ("bob@example.test", "bob-pw-2"),
    ("carol@catchall.test", "carol pw 3"),
];
const TIMEOUT: Duration = Duration::from_secs(15);

fn command(program: &str) -> Command {
    Command::new(support::require_program(program))
}

fn ok(command: &mut Command) -> Run {
    let shown = format!("{command:?}");
    let result = run(command);
    assert!(
        result.code == 0,
        "`{shown}` exited {}:\n{}{}",
        result.code,
        result.stdout,
        result.stderr
    );
    result
}

/// Postfix and Dovecot started from one rendered spec. Drop stops both
/// (Postfix first: its smtpd processes hold Dovecot's auth connection).
struct MailServer {
    root: TempDir,
    conf: PathBuf,
    dovecot_conf: PathBuf,
    dovecot_run: PathBuf,
    vmail: PathBuf,
    cert: PathBuf,
    smtp: u16,
    submission: u16,
    submissions: u16,
    imaps: u16,
    pop3s: u16,
    postfix_started: bool,
    dovecot_started: bool,
    spec: PathBuf,
    /// `OpenDKIM` in the foreground (`-f`), a child of the test.
    opendkim: Option<std::process::Child>,
}

impl MailServer {
    fn start() -> MailServer {
        for program in PROGRAMS {
            support::require_program(program);
        }
        // Short: Dovecot's socket paths must stay under 108 bytes.
        let root = tempfile::Builder::new()
            .prefix("mf")
            .tempdir_in("/tmp")
            .unwrap();
        let base = root.path().to_path_buf();
        fs::set_permissions(&base, fs::Permissions::from_mode(0o755)).unwrap();
        let [conf, spool, data, vmail, tls, drun, dstate] =
            ["conf", "spool", "data", "vmail", "tls", "drun", "dstate"].map(|d| base.join(d));
        for dir in [&conf, &spool, &data, &vmail, &tls, &drun, &dstate] {
            fs::create_dir(dir).unwrap();
            fs::set_permissions(dir, fs::Permissions::from_mode(0o755)).unwrap();
        }
        std::os::unix::fs::chown(&vmail, Some(5000), Some(5000))
            .expect("chown vmail (the test must run as root)");
        std::os::unix::fs::chown(&data, Some(user_id("postfix")), None).unwrap();
        let dovecot_dir = conf.join("dovecot");
        let cert = tls.join("cert.pem");
        let key = tls.join("key.pem");
        let text = fs::read_to_string(support::repo().join(FIXTURE))
            .unwrap()
            .replace("@MAILBOX_BASE@", &vmail.display().to_string())
            .replace("@TLS_CERT@", &cert.display().to_string())
            .replace("@TLS_KEY@", &key.display().to_string())
            .replace("@DOVECOT_DIR@", &dovecot_dir.display().to_string())
            .replace("@QUEUE_DIR@", &spool.display().to_string())
            .replace("@DKIM_KEYS@", &base.join("dkim").display().to_string());
        let spec = base.join("mailctl.toml");
        fs::write(&spec, text).unwrap();
        ok(command("openssl")
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
            .args([
                "-subj",
                "/CN=mx.example.test",
                "-addext",
                "subjectAltName=DNS:mx.example.test,IP:127.0.0.1",
            ])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert));

        for (address, password) in PASSWORDS {
            let mut child = mailctl()
                .args(["passwd", "--stdin", address, "--spec"])
                .arg(&spec)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            child
                .stdin
                .take()
                .unwrap()
                .write_all(format!("{password}\n").as_bytes())
                .unwrap();
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "mailctl passwd {address}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let keygen = run(mailctl().args(["dkim", "keygen", "--spec"]).arg(&spec));
        assert_eq!(keygen.code, 0, "mailctl dkim keygen: {}", keygen.stderr);
        let rendered = run(mailctl()
            .arg("render")
            .arg("--spec")
            .arg(&spec)
            .arg("--out")
            .arg(&conf));
        assert_eq!(rendered.code, 0, "mailctl render: {}", rendered.stderr);

        let mut server = MailServer {
            conf: conf.clone(),
            dovecot_conf: dovecot_dir.join("dovecot.conf"),
            dovecot_run: drun.clone(),
            vmail,
            cert,
            smtp: support::free_loopback_port(),
            submission: support::free_loopback_port(),
            submissions: support::free_loopback_port(),
            imaps: support::free_loopback_port(),
            pop3s: support::free_loopback_port(),
            postfix_started: false,
            dovecot_started: false,
            opendkim: None,
            spec: spec.clone(),
            root,
        };

        // Postfix: only listen addresses, ports, queue, data and log move.
        support::backdate(&conf);
        ok(command("postconf")
            .arg("-c")
            .arg(&conf)
            .arg("-e")
            .arg("inet_interfaces = 127.0.0.1")
            .arg("inet_protocols = ipv4")
            .arg(format!("queue_directory = {}", spool.display()))
            .arg(format!("data_directory = {}", data.display()))
            .arg(format!("maillog_file_prefixes = {}", base.display()))
            .arg(format!("maillog_file = {}", base.join("maillog").display())));
        for (service, port) in [
            ("smtp", server.smtp),
            ("submission", server.submission),
            ("submissions", server.submissions),
        ] {
            support::backdate(&conf);
            let entry = ok(command("postconf")
                .arg("-c")
                .arg(&conf)
                .arg("-M")
                .arg(format!("{service}/inet")))
            .stdout;
            let rest = entry
                .trim()
                .strip_prefix(service)
                .unwrap_or_else(|| panic!("no `{service}` in master.cf: {entry}"));
            let name = format!("127.0.0.1:{port}");
            ok(command("postconf")
                .arg("-c")
                .arg(&conf)
                .arg("-Me")
                .arg(format!("{name}/inet={name}{rest}")));
            ok(command("postconf")
                .arg("-c")
                .arg(&conf)
                .arg("-MX")
                .arg(format!("{service}/inet")));
        }
        support::backdate(&conf);
        // OpenDKIM: mailctl renders its tables, not its daemon settings; the
        // milter moves to a free port. Sign-only mode: it never needs DNS.
        let milter = support::free_loopback_port();
        let tables = conf.join("opendkim");
        let opendkim_conf = base.join("opendkim.conf");
        fs::write(
            &opendkim_conf,
            format!(
                "Syslog no\nMode s\nSocket inet:{milter}@127.0.0.1\nKeyTable file:{t}/KeyTable\n\
                 SigningTable refile:{t}/SigningTable\nInternalHosts refile:{t}/TrustedHosts\n\
                 ExternalIgnoreList refile:{t}/TrustedHosts\nCanonicalization relaxed/simple\n\
                 OversignHeaders From\nRequireSafeKeys false\n",
                t = tables.display()
            ),
        )
        .unwrap();
        server.opendkim = Some(
            command("opendkim")
                .arg("-f")
                .arg("-x")
                .arg(&opendkim_conf)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(fs::File::create(base.join("opendkim.stderr")).unwrap())
                .spawn()
                .unwrap(),
        );
        assert!(
            support::wait_for_port(milter, Duration::from_secs(10)),
            "OpenDKIM did not listen on 127.0.0.1:{milter}: {}",
            server.log("opendkim.stderr")
        );
        support::backdate(&conf);
        ok(command("postconf")
            .arg("-c")
            .arg(&conf)
            .arg("-e")
            .arg(format!("smtpd_milters = inet:127.0.0.1:{milter}"))
            .arg(format!("non_smtpd_milters = inet:127.0.0.1:{milter}")));
        support::backdate(&conf);
        server.postfix_started = true;
        ok(command("postfix").arg("-c").arg(&conf).arg("start"));

        // Dovecot: only listen address, ports, run, state and log directories move.
        let dovecot_text = fs::read_to_string(&server.dovecot_conf)
            .unwrap()
            .replace("listen = *, ::", "listen = 127.0.0.1")
            .replace("port = 993", &format!("port = {}", server.imaps))
            .replace("port = 995", &format!("port = {}", server.pop3s))
            .replace(
                "base_dir = /run/dovecot/",
                &format!("base_dir = {}/", drun.display()),
            )
            .replace(
                "state_dir = /var/lib/dovecot",
                &format!("state_dir = {}", dstate.display()),
            )
            .replace(
                "log_path = syslog",
                &format!("log_path = {}", base.join("dovecot.log").display()),
            );
        fs::write(&server.dovecot_conf, dovecot_text).unwrap();
        let doveconf = run(command("doveconf")
            .arg("-n")
            .arg("-c")
            .arg(&server.dovecot_conf));
        assert!(
            doveconf.code == 0 && doveconf.stderr.is_empty(),
            "doveconf: {}",
            doveconf.stderr
        );
        // Dovecot keeps the caller's stderr open after daemonizing: never a pipe.
        let stderr = fs::File::create(base.join("dovecot.stderr")).unwrap();
        server.dovecot_started = true;
        let status = command("dovecot")
            .arg("-c")
            .arg(&server.dovecot_conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .status()
            .unwrap();
        assert!(
            status.success(),
            "dovecot did not start: {}",
            server.log("dovecot.stderr")
        );

        for port in [
            server.smtp,
            server.submission,
            server.submissions,
            server.imaps,
            server.pop3s,
        ] {
            assert!(
                support::wait_for_port(port, Duration::from_secs(10)),
                "nothing listens on 127.0.0.1:{port}"
            );
        }
        server
    }

    fn log(&self, name: &str) -> String {
        fs::read_to_string(self.root.path().join(name)).unwrap_or_default()
    }

    fn swaks(port: u16, args: &[&str]) -> Run {
        run(command("swaks")
            .args(["--server", "127.0.0.1", "--port"])
            .arg(port.to_string())
            .args(["--helo", "client.example.test", "--timeout", "10"])
            .args(args))
    }

    fn curl(&self, user: &str, password: &str, url: &str, extra: &[&str]) -> Run {
        run(command("curl")
            .args(["-sS", "--max-time", "20", "--cacert"])
            .arg(&self.cert)
            .arg("-u")
            .arg(format!("{user}:{password}"))
            .arg(url)
            .args(extra))
    }

    /// Verify a delivered message's DKIM signature with dkimpy (Debian's
    /// python3-dkim) against the TXT record `mailctl dkim show` publishes.
    fn verify_dkim(&self, message: &str) {
        let shown = run(mailctl()
            .args(["dkim", "show", "--format", "json", "--spec"])
            .arg(&self.spec));
        let keys: serde_json::Value = serde_json::from_str(&shown.stdout).expect("dkim show JSON");
        let txt = keys
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["name"] == "mail._domainkey.example.test")
            .and_then(|k| k["value"].as_str())
            .expect("a TXT value for mail._domainkey.example.test")
            .to_owned();
        let file = self.root.path().join("signed.eml");
        fs::write(&file, message).unwrap();
        let python = PathBuf::from("/usr/bin/python3");
        assert!(
            python.is_file(),
            "/usr/bin/python3 is missing; apt-get install python3-dkim"
        );
        let script = "import sys, dkim\n\
            txt = sys.argv[2].encode()\n\
            def dns(name, timeout=5):\n    return txt if name == b'mail._domainkey.example.test.' else None\n\
            sys.exit(0 if dkim.verify(open(sys.argv[1], 'rb').read(), dnsfunc=dns) else 1)\n";
        let verified = run(Command::new(&python)
            .arg("-c")
            .arg(script)
            .arg(&file)
            .arg(&txt));
        assert_eq!(
            verified.code, 0,
            "dkimpy did not verify the signature (install python3-dkim):\n{}{}",
            verified.stdout, verified.stderr
        );
        // A changed body must fail: the check can fail.
        fs::write(
            &file,
            message
                .replacen("mailctl", "mailctI", 1)
                .replace("This is a test", "This is a tesT"),
        )
        .unwrap();
        let tampered = run(Command::new(&python)
            .arg("-c")
            .arg(script)
            .arg(&file)
            .arg(&txt));
        assert_ne!(tampered.code, 0, "a tampered message verified");
    }

    /// The text of the message with `subject` in `mailbox`'s Maildir.
    fn message(&self, mailbox: &str, subject: &str) -> String {
        let dir = self.vmail.join(mailbox).join("Maildir");
        ["new", "cur"]
            .iter()
            .filter_map(|sub| fs::read_dir(dir.join(sub)).ok())
            .flatten()
            .map(|entry| fs::read_to_string(entry.unwrap().path()).unwrap_or_default())
            .find(|text| text.contains(&format!("Subject: {subject}")))
            .unwrap_or_default()
    }

    /// Wait until every subject is in the Maildir of `mailbox` (`domain/local`).
    fn wait_for(&self, mailbox: &str, subjects: &[&str]) {
        let dir = self.vmail.join(mailbox).join("Maildir");
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let mut text = String::new();
            for sub in ["new", "cur"] {
                if let Ok(entries) = fs::read_dir(dir.join(sub)) {
                    for entry in entries {
                        text.push_str(
                            &fs::read_to_string(entry.unwrap().path()).unwrap_or_default(),
                        );
                    }
                }
            }
            let missing: Vec<&&str> = subjects
                .iter()
                .filter(|s| !text.contains(&format!("Subject: {s}")))
                .collect();
            if missing.is_empty() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{mailbox} did not get {missing:?} within {TIMEOUT:?}\nmaillog:\n{}\ndovecot.log:\n{}",
                self.log("maillog"),
                self.log("dovecot.log")
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for MailServer {
    fn drop(&mut self) {
        if let Some(mut opendkim) = self.opendkim.take() {
            let _ = opendkim.kill();
            let _ = opendkim.wait();
        }
        if self.postfix_started {
            let _ = run(command("postfix").arg("-c").arg(&self.conf).arg("stop"));
        }
        if self.dovecot_started {
            let master =
                fs::read_to_string(self.dovecot_run.join("master.pid")).unwrap_or_default();
            let _ = run(command("doveadm")
                .arg("-c")
                .arg(&self.dovecot_conf)
                .arg("stop"));
            // Dovecot's auth, log and stats processes can outlive the master
            // (they stay in its session): end them one by one.
            if let Ok(master) = master.trim().parse::<u32>() {
                let ps = run(Command::new("ps")
                    .args(["-o", "pid=", "-s"])
                    .arg(master.to_string()));
                for pid in ps.stdout.split_whitespace() {
                    let _ = run(Command::new("kill").arg(pid));
                }
            }
        }
        if std::thread::panicking() {
            eprintln!(
                "--- maillog:\n{}--- dovecot.log:\n{}",
                self.log("maillog"),
                self.log("dovecot.log")
            );
        }
    }
}

/// A user's uid from /etc/passwd (the Debian packages add `postfix`).
fn user_id(name: &str) -> u32 {
    let passwd = fs::read_to_string("/etc/passwd").unwrap();
    passwd
        .lines()
        .find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            (fields[0] == name).then(|| fields[2].parse().unwrap())
        })
        .unwrap_or_else(|| panic!("no `{name}` user in /etc/passwd"))
}

fn replied(result: &Run, reply: &str) -> bool {
    result
        .stdout
        .lines()
        .any(|line| line.starts_with('<') && line.contains(reply))
}

#[test]
fn mail_flows_through_lmtp_to_imaps_and_pop3s_and_submission_needs_auth() {
    let server = MailServer::start();
    let (alice, alice_pw) = PASSWORDS[0];
    let (bob, bob_pw) = PASSWORDS[1];
    let (carol, carol_pw) = PASSWORDS[2];

    // Inbound on the MX port: a mailbox, an alias, a catch-all.
    for (to, subject) in [
        ("alice@example.test", "mf-mailbox"),
        ("info@example.test", "mf-alias"),
        ("whoever@catchall.test", "mf-catch-all"),
    ] {
        let r = MailServer::swaks(
            server.smtp,
            &[
                "--from",
                "sender@outside.test",
                "--to",
                to,
                "--header",
                &format!("Subject: {subject}"),
                "--tls",
            ],
        );
        assert!(
            r.code == 0 && replied(&r, "250 2.0.0 Ok: queued"),
            "swaks to {to} exited {}:\n{}{}",
            r.code,
            r.stdout,
            r.stderr
        );
    }
    server.wait_for("example.test/alice", &["mf-mailbox", "mf-alias"]);
    server.wait_for("example.test/bob", &["mf-alias"]);
    server.wait_for("catchall.test/carol", &["mf-catch-all"]);
    assert!(
        server.log("maillog").contains("relay=mx.example.test["),
        "not delivered over LMTP:\n{}",
        server.log("maillog")
    );

    // Read back with the passwords `mailctl passwd` set.
    let imap = format!("imaps://127.0.0.1:{}/INBOX", server.imaps);
    let found = server.curl(alice, alice_pw, &imap, &["-X", "SEARCH SUBJECT mf-alias"]);
    let hits = found
        .stdout
        .trim()
        .strip_prefix("* SEARCH")
        .map_or(0, |ids| ids.split_whitespace().count());
    assert!(
        found.code == 0 && hits == 1,
        "IMAPS search for alice: {}{}",
        found.stdout,
        found.stderr
    );
    let message = server.curl(bob, bob_pw, &format!("{imap};UID=1"), &[]);
    assert!(
        message.code == 0 && message.stdout.contains("Subject: mf-alias"),
        "IMAPS fetch for bob: {}{}",
        message.stdout,
        message.stderr
    );
    let pop3 = server.curl(
        carol,
        carol_pw,
        &format!("pop3s://127.0.0.1:{}/1", server.pop3s),
        &[],
    );
    assert!(
        pop3.code == 0 && pop3.stdout.contains("Subject: mf-catch-all"),
        "POP3S RETR for carol: {}{}",
        pop3.stdout,
        pop3.stderr
    );
    let refused = server.curl(
        bob,
        bob_pw,
        &format!("pop3s://127.0.0.1:{}/", server.pop3s),
        &[],
    );
    assert_eq!(
        refused.code, 67,
        "bob has `pop3 = false`: his POP3 login must be refused: {}{}",
        refused.stdout, refused.stderr
    );
    let wrong = server.curl(alice, "wrong password", &imap, &["-X", "SEARCH ALL"]);
    assert_eq!(
        wrong.code, 67,
        "a wrong IMAP password must be refused (curl 67): {}{}",
        wrong.stdout, wrong.stderr
    );
    let wrong = server.curl(
        alice,
        "wrong password",
        &format!("pop3s://127.0.0.1:{}/", server.pop3s),
        &[],
    );
    assert_eq!(
        wrong.code, 67,
        "a wrong POP3 password must be refused (curl 67): {}{}",
        wrong.stdout, wrong.stderr
    );

    // Submission: STARTTLS + AUTH as the user works, and delivers.
    let auth = |user: &str, password: &str| -> Vec<String> {
        [
            "--auth",
            "PLAIN",
            "--auth-user",
            user,
            "--auth-password",
            password,
        ]
        .map(str::to_owned)
        .to_vec()
    };
    let send = |port: u16,
                tls: &str,
                from: &str,
                to: &str,
                subject: &str,
                login: Option<(&str, &str)>,
                quit_after: Option<&str>| {
        let mut args: Vec<String> = [
            "--from",
            from,
            "--to",
            to,
            "--header",
            &format!("Subject: {subject}"),
        ]
        .map(str::to_owned)
        .to_vec();
        if !tls.is_empty() {
            args.push(tls.to_owned());
        }
        if let Some((user, password)) = login {
            args.extend(auth(user, password));
        }
        if let Some(stage) = quit_after {
            args.extend(["--quit-after".to_owned(), stage.to_owned()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        MailServer::swaks(port, &args)
    };
    let r = send(
        server.submission,
        "--tls",
        alice,
        bob,
        "mf-submission",
        Some((alice, alice_pw)),
        None,
    );
    assert!(
        r.code == 0 && replied(&r, "235 2.7.0 Authentication successful"),
        "submission as alice exited {}:\n{}",
        r.code,
        r.stdout
    );
    let r = send(
        server.submissions,
        "--tlsc",
        bob,
        alice,
        "mf-submissions",
        Some((bob, bob_pw)),
        None,
    );
    assert!(
        r.code == 0 && replied(&r, "250 2.0.0 Ok: queued"),
        "submissions as bob exited {}:\n{}",
        r.code,
        r.stdout
    );
    // An alias the login reaches is its own sender address too.
    let r = send(
        server.submission,
        "--tls",
        "info@example.test",
        carol,
        "mf-alias-sender",
        Some((alice, alice_pw)),
        Some("RCPT"),
    );
    assert_eq!(
        r.code, 0,
        "alice sending as info@ (an alias that reaches her):\n{}",
        r.stdout
    );
    server.wait_for("example.test/bob", &["mf-submission"]);
    // Submitted mail is DKIM-signed with the key `mailctl dkim keygen` made.
    let signed = server.message("example.test/bob", "mf-submission");
    assert!(
        signed.contains("DKIM-Signature: v=1; a=rsa-sha256;")
            && signed.contains("d=example.test; s=mail;"),
        "the submitted message carries no DKIM signature of example.test:\n{signed}"
    );
    server.verify_dkim(&signed);
    server.wait_for("example.test/alice", &["mf-submissions"]);

    // Refused: AUTH outside TLS, relaying without AUTH, someone else's address.
    let r = send(
        server.submission,
        "",
        alice,
        bob,
        "mf-plain",
        Some((alice, alice_pw)),
        None,
    );
    assert_eq!(
        r.code, 28,
        "AUTH without TLS must not be offered (swaks 28):\n{}",
        r.stdout
    );
    let r = send(
        server.submission,
        "--tls",
        "someone@outside.test",
        "else@outside.test",
        "mf-relay",
        None,
        Some("RCPT"),
    );
    assert!(
        r.code == 24 && replied(&r, "554 5.7.1"),
        "relaying without AUTH must be refused:\n{}",
        r.stdout
    );
    let r = send(
        server.submissions,
        "--tlsc",
        "someone@outside.test",
        "else@outside.test",
        "mf-relay",
        None,
        Some("RCPT"),
    );
    assert!(
        r.code == 24 && replied(&r, "554 5.7.1"),
        "relaying without AUTH over submissions must be refused:\n{}",
        r.stdout
    );
    let r = send(
        server.submission,
        "--tls",
        bob,
        carol,
        "mf-spoof",
        Some((alice, alice_pw)),
        Some("RCPT"),
    );
    assert!(
        r.code == 24
            && replied(&r, "553 5.7.1")
            && r.stdout.contains("not owned by user alice@example.test"),
        "alice sending as bob must be refused:\n{}",
        r.stdout
    );
    let r = send(
        server.submission,
        "--tls",
        alice,
        bob,
        "mf-wrong-pw",
        Some((alice, "wrong password")),
        None,
    );
    assert_eq!(
        r.code, 28,
        "a wrong submission password must be refused:\n{}",
        r.stdout
    );

    let drained = Instant::now() + TIMEOUT;
    loop {
        let queue = run(command("postqueue").arg("-c").arg(&server.conf).arg("-p"));
        if queue.stdout.contains("Mail queue is empty") {
            break;
        }
        assert!(
            Instant::now() < drained,
            "the queue did not drain:\n{}",
            queue.stdout
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
