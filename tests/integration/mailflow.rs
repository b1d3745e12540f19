//! The whole mail server on loopback, from one rendered spec: Postfix hands
//! mail for a mailbox, an alias and a catch-all to Dovecot over LMTP; the
//! users read it back over IMAPS and POP3S with the passwords `mailctl
//! passwd` set (a wrong one, or POP3 for a mailbox with `pop3 = false`, is
//! refused); and submission (STARTTLS) and submissions (implicit TLS)
//! accept mail only after AUTH, only inside TLS, and only from a sender
//! address the login owns.
//!
//! The DNS is a Knot serving the zones `mailctl dns --format zone` prints.
//! The certificate of every TLS port is the one `mailctl cert issue`
//! obtained from Pebble (dns-01, published in that Knot with TSIG), and
//! clients verify it against Pebble's root and the host name.
//!
//! Submitted and locally generated mail is DKIM-signed by `OpenDKIM`, run
//! with the `opendkim.conf` and tables `mailctl render` writes and the key
//! of `mailctl dkim keygen`.
//! The signature verifies (dkimpy) against the key Knot serves, and
//! `OpenDKIM`'s own verifier passes it when it comes back from outside.
//!
//! The test changes only listen addresses, ports (the milter's too), and the
//! queue, run, data and log directories; everything else is what mailctl
//! rendered.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use super::knot::Knot;
use super::pebble::Pebble;
use crate::support::{self, Run, mailctl, run};

const PROGRAMS: [&str; 12] = [
    "opendkim",
    "sendmail",
    "opendkim-testkey",
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
const HOST: &str = "mx.example.test";
const PASSWORDS: [(&str, &str); 3] = [
    ("alice@example.test", "alice's secret pass"),
    ("bob@example.test", "bob-pw-2"),
    ("carol@catchall.test", "carol pw 3"),
];
const TSIG_KEY: &str = "mailflow-key";
const TSIG_SECRET: &str = "bWFpbGZsb3ctdGVzdC10c2lnLXNlY3JldC0zMmJ5dGVz";
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

/// Knot, Pebble, Postfix, Dovecot and `OpenDKIM` started from one rendered
/// spec. Drop stops the mail servers (Postfix first: its smtpd processes
/// hold Dovecot's auth connection); Knot and Pebble stop with their guards.
struct MailServer {
    root: TempDir,
    conf: PathBuf,
    dovecot_conf: PathBuf,
    dovecot_run: PathBuf,
    vmail: PathBuf,
    /// Pebble's issuing root: the one CA the clients trust.
    ca: PathBuf,
    /// The certificate chain `mailctl cert issue` stored, leaf first.
    fullchain: PathBuf,
    smtp: u16,
    submission: u16,
    submissions: u16,
    imaps: u16,
    pop3s: u16,
    postfix_started: bool,
    dovecot_started: bool,
    /// `OpenDKIM` in the foreground (`-f`), a child of the test.
    opendkim: Option<std::process::Child>,
    knot: Knot,
    _pebble: Pebble,
}

/// SOA and NS, which `mailctl dns` leaves to the zone's owner.
fn zone_head(origin: &str) -> String {
    format!(
        "$ORIGIN {origin}.\n@ 60 IN SOA ns.{origin}. hostmaster.{origin}. 1 3600 600 86400 60\n\
         @ 60 IN NS ns.{origin}.\nns.{origin}. 60 IN A 127.0.0.1\n"
    )
}

impl MailServer {
    #[allow(clippy::too_many_lines)] // one recipe, in the order it runs
    fn start() -> MailServer {
        for program in PROGRAMS {
            support::require_program(program);
        }
        // Under /run, not /tmp: OpenDKIM refuses a key below a directory
        // others may write (/tmp is 1777), and the rendered opendkim.conf
        // keeps that check on. Short: Dovecot's socket paths must stay under
        // 108 bytes.
        let root = tempfile::Builder::new()
            .prefix("mailctl-mf")
            .tempdir_in("/run")
            .expect("a directory under /run (the test must run as root)");
        let base = root.path().to_path_buf();
        fs::set_permissions(&base, fs::Permissions::from_mode(0o755)).unwrap();
        let [conf, spool, data, vmail, drun, dstate] =
            ["conf", "spool", "data", "vmail", "drun", "dstate"].map(|d| base.join(d));
        for dir in [&conf, &spool, &data, &vmail, &drun, &dstate] {
            fs::create_dir(dir).unwrap();
            fs::set_permissions(dir, fs::Permissions::from_mode(0o755)).unwrap();
        }
        std::os::unix::fs::chown(&vmail, Some(5000), Some(5000))
            .expect("chown vmail (the test must run as root)");
        std::os::unix::fs::chown(&data, Some(user_id("postfix")), None).unwrap();
        let dovecot_dir = conf.join("dovecot");
        let tsig_secret = base.join("tsig.secret");
        fs::write(&tsig_secret, format!("{TSIG_SECRET}\n")).unwrap();
        fs::set_permissions(&tsig_secret, fs::Permissions::from_mode(0o600)).unwrap();
        // The ports of Knot and Pebble are in the spec: the fixture is filled
        // in twice, first with what `keygen` and `dns` need.
        let spec = base.join("mailctl.toml");
        let fill = |dns_server: &str, directory: &str, ca: &Path| {
            let text = fs::read_to_string(support::repo().join(FIXTURE))
                .unwrap()
                .replace("@MAILBOX_BASE@", &vmail.display().to_string())
                .replace("@DOVECOT_DIR@", &dovecot_dir.display().to_string())
                .replace("@QUEUE_DIR@", &spool.display().to_string())
                .replace("@DKIM_KEYS@", &base.join("dkim").display().to_string())
                .replace(
                    "@OPENDKIM_DIR@",
                    &conf.join("opendkim").display().to_string(),
                )
                .replace(
                    "@RESOLVER_CONFIG@",
                    &base.join("unbound.conf").display().to_string(),
                )
                .replace("@ACME_DIRECTORY@", directory)
                .replace("@ACME_CA@", &ca.display().to_string())
                .replace("@ACME_STATE@", &base.join("acme").display().to_string())
                .replace("@DNS_SERVER@", dns_server)
                .replace("@TSIG_KEY@", TSIG_KEY)
                .replace("@TSIG_SECRET_FILE@", &tsig_secret.display().to_string());
            fs::write(&spec, text).unwrap();
        };
        fill(
            "127.0.0.1:53",
            "https://127.0.0.1:1/dir",
            &base.join("none"),
        );
        let keygen = run(mailctl().args(["dkim", "keygen", "--spec"]).arg(&spec));
        assert_eq!(keygen.code, 0, "mailctl dkim keygen: {}", keygen.stderr);

        // DNS: what `mailctl dns` says to publish, served by Knot.
        let zones: Vec<(String, String)> = ["example.test", "catchall.test"]
            .iter()
            .map(|origin| {
                let records = ok(mailctl()
                    .args(["dns", "--format", "zone", "--domain", origin, "--spec"])
                    .arg(&spec))
                .stdout;
                ((*origin).to_owned(), zone_head(origin) + &records)
            })
            .collect();
        let knot = Knot::start_with_tsig(&zones, TSIG_KEY, TSIG_SECRET);
        // OpenDKIM's verifier (libunbound) asks only this Knot: `.test` is
        // not answered from unbound's built-in empty zone, and every other
        // name goes to Knot too, which refuses it, so nothing leaves loopback.
        fs::write(
            base.join("unbound.conf"),
            format!(
                "server:\n    do-not-query-localhost: no\n    local-zone: \"test.\" nodefault\n\
                 forward-zone:\n    name: \".\"\n    forward-addr: 127.0.0.1@{}\n",
                knot.port
            ),
        )
        .unwrap();

        // The certificate: `mailctl cert issue` against Pebble, by dns-01.
        let pebble = Pebble::start(knot.port, &[]);
        fill(
            &format!("127.0.0.1:{}", knot.port),
            &pebble.directory(),
            &pebble.tls_ca,
        );
        let issued = run(mailctl().args(["cert", "issue", "--spec"]).arg(&spec));
        assert_eq!(
            issued.code,
            0,
            "mailctl cert issue: {}\n--- pebble log:\n{}",
            issued.stderr,
            pebble.log()
        );
        let ca = base.join("pebble-root.pem");
        fs::write(&ca, pebble.issuing_root()).unwrap();
        let fullchain = base.join("acme/certs").join(HOST).join("fullchain.pem");
        assert!(
            fullchain.is_file(),
            "no certificate at {}",
            fullchain.display()
        );

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
            ca,
            fullchain,
            smtp: support::free_loopback_port(),
            submission: support::free_loopback_port(),
            submissions: support::free_loopback_port(),
            imaps: support::free_loopback_port(),
            pop3s: support::free_loopback_port(),
            postfix_started: false,
            dovecot_started: false,
            opendkim: None,
            knot,
            _pebble: pebble,
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
        server.start_opendkim();
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
            // Not a probe by connecting: each bare connect to Postfix is a
            // milter session aborted at CONNECT, and OpenDKIM 2.11 crashed
            // (SIGSEGV) on the next one (`wait_for_listen`).
            assert!(
                support::wait_for_listen(port, Duration::from_secs(10)),
                "nothing listens on 127.0.0.1:{port}"
            );
        }
        server
    }

    /// `OpenDKIM` with the rendered `opendkim.conf`: only the milter's port,
    /// the pid file (run directory) and logging (it can only log to syslog,
    /// which these machines lack) change. Postfix's milter lines follow
    /// the port.
    fn start_opendkim(&mut self) {
        let base = self.root.path();
        let rendered = self.conf.join("opendkim").join("opendkim.conf");
        let check = run(command("opendkim").arg("-n").arg("-x").arg(&rendered));
        assert_eq!(check.code, 0, "opendkim -n: {}", check.stderr);
        let milter = support::free_loopback_port();
        let text = fs::read_to_string(&rendered)
            .unwrap()
            .replace("inet:8891@", &format!("inet:{milter}@"))
            .replace(
                "PidFile                 /run/opendkim/opendkim.pid",
                &format!(
                    "PidFile                 {}",
                    base.join("opendkim.pid").display()
                ),
            )
            .replace("Syslog                  yes", "Syslog                  no")
            .replace("SyslogSuccess           yes", "SyslogSuccess           no");
        let moved = base.join("opendkim.conf");
        fs::write(&moved, text).unwrap();
        self.opendkim = Some(
            command("opendkim")
                .arg("-f")
                .arg("-x")
                .arg(&moved)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(fs::File::create(base.join("opendkim.stderr")).unwrap())
                .spawn()
                .unwrap(),
        );
        assert!(
            // Not a probe by connecting: see `wait_for_listen`.
            support::wait_for_listen(milter, Duration::from_secs(10)),
            "OpenDKIM did not listen on 127.0.0.1:{milter}: {}",
            self.log("opendkim.stderr")
        );
        support::backdate(&self.conf);
        ok(command("postconf")
            .arg("-c")
            .arg(&self.conf)
            .arg("-e")
            .arg(format!("smtpd_milters = inet:127.0.0.1:{milter}"))
            .arg(format!("non_smtpd_milters = inet:127.0.0.1:{milter}")));
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

    /// curl as a mail client: it trusts only Pebble's root and checks
    /// the certificate names the host it asked for.
    fn curl(&self, user: &str, password: &str, url: &str, extra: &[&str]) -> Run {
        run(command("curl")
            .args(["-sS", "--max-time", "20", "--cacert"])
            .arg(&self.ca)
            .args(["--resolve", &format!("{HOST}:{}:127.0.0.1", self.imaps)])
            .args(["--resolve", &format!("{HOST}:{}:127.0.0.1", self.pop3s)])
            .arg("-u")
            .arg(format!("{user}:{password}"))
            .arg(url)
            .args(extra))
    }

    /// The certificate a TLS port presents (`starttls`: the protocol to
    /// upgrade, as `openssl s_client -starttls` names it) is the leaf of
    /// what `mailctl cert` stored, and verifies against Pebble's root for
    /// the host name.
    fn assert_serves_the_acme_certificate(&self, port: u16, starttls: Option<&str>) {
        let mut client = command("openssl");
        client
            .args(["s_client", "-connect", &format!("127.0.0.1:{port}")])
            .args(["-servername", HOST, "-verify_hostname", HOST])
            .args(["-verify_return_error", "-CAfile"])
            .arg(&self.ca);
        if let Some(protocol) = starttls {
            client.args(["-starttls", protocol]);
        }
        let out = run(client.stdin(Stdio::null()));
        assert!(
            out.code == 0 && out.stdout.contains("Verify return code: 0 (ok)"),
            "TLS on {port} ({starttls:?}) did not verify against Pebble's root for {HOST}:\n{}{}",
            out.stdout,
            out.stderr
        );
        let begin = "-----BEGIN CERTIFICATE-----";
        let end = "-----END CERTIFICATE-----";
        let first = |text: &str| {
            let start = text.find(begin).expect("a certificate");
            let stop = text[start..].find(end).expect("its end") + start + end.len();
            text[start..stop].to_owned()
        };
        let stored = fs::read_to_string(&self.fullchain).unwrap();
        assert_eq!(
            first(&out.stdout),
            first(&stored),
            "port {port} presents another certificate than {}",
            self.fullchain.display()
        );
    }

    /// Verify a delivered message's DKIM signature with dkimpy (Debian's
    /// python3-dkim), which looks the key up in the test's Knot (dnspython,
    /// never the system resolver). A tampered copy must fail.
    fn verify_dkim(&self, message: &str) {
        let python = PathBuf::from("/usr/bin/python3");
        assert!(
            python.is_file(),
            "/usr/bin/python3 is missing; apt-get install python3-dkim"
        );
        let script = "import sys, dkim, dns.resolver, dns.exception\n\
            resolver = dns.resolver.Resolver(configure=False)\n\
            resolver.nameservers = ['127.0.0.1']\n\
            resolver.port = int(sys.argv[2])\n\
            def txt(name, timeout=5):\n\
            \x20   try:\n\
            \x20       answer = resolver.resolve(name.decode(), 'TXT', lifetime=timeout)\n\
            \x20   except dns.exception.DNSException:\n\
            \x20       return None\n\
            \x20   return b''.join(answer[0].strings)\n\
            try:\n\
            \x20   ok = dkim.verify(open(sys.argv[1], 'rb').read(), dnsfunc=txt)\n\
            except dkim.DKIMException as e:\n\
            \x20   print('verify error:', e)\n\
            \x20   ok = False\n\
            sys.exit(0 if ok else 1)\n";
        let file = self.root.path().join("signed.eml");
        let verify = |text: &str| {
            fs::write(&file, text).unwrap();
            run(Command::new(&python)
                .arg("-c")
                .arg(script)
                .arg(&file)
                .arg(self.knot.port.to_string()))
        };
        let verified = verify(message);
        assert_eq!(
            verified.code, 0,
            "dkimpy did not verify the signature with the key in Knot (install python3-dkim):\n{}{}",
            verified.stdout, verified.stderr
        );
        // A changed body must fail: the check can fail.
        let tampered = verify(&message.replace("This is a test", "This is a tesT"));
        assert_ne!(tampered.code, 0, "a tampered message verified");
    }

    /// The text of the first message in `mailbox`'s Maildir that contains
    /// `needle`, waiting for it up to `TIMEOUT`.
    fn message(&self, mailbox: &str, needle: &str) -> String {
        let dir = self.vmail.join(mailbox).join("Maildir");
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let found = ["new", "cur"]
                .iter()
                .filter_map(|sub| fs::read_dir(dir.join(sub)).ok())
                .flatten()
                .map(|entry| fs::read_to_string(entry.unwrap().path()).unwrap_or_default())
                .find(|text| text.contains(needle));
            if let Some(text) = found {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "{mailbox} got no message with `{needle}` within {TIMEOUT:?}\nmaillog:\n{}",
                self.log("maillog")
            );
            std::thread::sleep(Duration::from_millis(50));
        }
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
            if std::thread::panicking()
                && let Ok(Some(status)) = opendkim.try_wait()
            {
                eprintln!("--- OpenDKIM had already exited: {status}");
            }
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
                "--- maillog:\n{}--- dovecot.log:\n{}--- opendkim.stderr:\n{}",
                self.log("maillog"),
                self.log("dovecot.log"),
                self.log("opendkim.stderr")
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

    // Every TLS port presents the certificate `mailctl cert` got from Pebble.
    server.assert_serves_the_acme_certificate(server.imaps, None);
    server.assert_serves_the_acme_certificate(server.pop3s, None);
    server.assert_serves_the_acme_certificate(server.submissions, None);
    server.assert_serves_the_acme_certificate(server.submission, Some("smtp"));
    server.assert_serves_the_acme_certificate(server.smtp, Some("smtp"));
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
    let imap = format!("imaps://{HOST}:{}/INBOX", server.imaps);
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
        &format!("pop3s://{HOST}:{}/1", server.pop3s),
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
        &format!("pop3s://{HOST}:{}/", server.pop3s),
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
        &format!("pop3s://{HOST}:{}/", server.pop3s),
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
    let signed = server.message("example.test/bob", "Subject: mf-submission");
    assert!(
        signed.contains("DKIM-Signature: v=1; a=rsa-sha256;")
            && signed.contains("d=example.test; s=mail;"),
        "the submitted message carries no DKIM signature of example.test:\n{signed}"
    );
    server.verify_dkim(&signed);
    // Mail generated on the host (sendmail → pickup → cleanup, through
    // `non_smtpd_milters`) is signed too.
    let mut sendmail = command("sendmail")
        .arg("-C")
        .arg(&server.conf)
        .args(["-f", alice, bob])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    sendmail
        .stdin
        .take()
        .unwrap()
        .write_all(
            format!(
                "From: {alice}\nTo: {bob}\nSubject: mf-local\n\nThis is a test from the host.\n"
            )
            .as_bytes(),
        )
        .unwrap();
    let sent = sendmail.wait_with_output().unwrap();
    assert!(
        sent.status.success(),
        "sendmail: {}",
        String::from_utf8_lossy(&sent.stderr)
    );
    let local = server.message("example.test/bob", "Subject: mf-local");
    assert!(
        local.contains("DKIM-Signature: v=1; a=rsa-sha256;")
            && local.contains("d=example.test; s=mail;"),
        "mail from the host carries no DKIM signature of example.test:\n{local}"
    );
    server.verify_dkim(&local);
    // The key OpenDKIM signs with is the one in DNS (its own check, through
    // the rendered opendkim.conf and resolver configuration).
    let testkey = run(command("opendkim-testkey")
        .arg("-x")
        .arg(server.conf.join("opendkim").join("opendkim.conf"))
        .arg("-vvv"));
    assert!(
        testkey.code == 0
            && format!("{}{}", testkey.stdout, testkey.stderr).contains("1 pass, 0 fail"),
        "opendkim-testkey: {}{}",
        testkey.stdout,
        testkey.stderr
    );
    server.wait_for("example.test/alice", &["mf-submissions"]);

    // The signed message coming back from outside (127.0.0.2, not an
    // internal host) passes OpenDKIM's verifier, which looks the key up in
    // Knot; a changed body fails it.
    // A header added above the signature is not signed: it tells the
    // two copies apart without breaking either.
    let resent = &signed[signed.find("DKIM-Signature:").expect("a signature")..];
    for (case, body, verdict) in [
        ("intact", "This is a test", "dkim=pass"),
        ("tampered", "This is a tesT", "dkim=fail"),
    ] {
        let eml = server.root.path().join(format!("{case}.eml"));
        fs::write(
            &eml,
            format!(
                "X-Mailflow-Case: {case}\n{}",
                resent.replace("This is a test", body)
            ),
        )
        .unwrap();
        let r = MailServer::swaks(
            server.smtp,
            &[
                "--local-interface",
                "127.0.0.2",
                "--from",
                alice,
                "--to",
                carol,
                "--data",
                &eml.display().to_string(),
            ],
        );
        assert!(
            r.code == 0 && replied(&r, "250 2.0.0 Ok: queued"),
            "resending the {case} signed message exited {}:\n{}{}",
            r.code,
            r.stdout,
            r.stderr
        );
        let delivered = server.message("catchall.test/carol", &format!("X-Mailflow-Case: {case}"));
        let Some((_, results)) = delivered.split_once(&format!("Authentication-Results: {HOST};"))
        else {
            panic!("the {case} copy has no Authentication-Results:\n{delivered}");
        };
        assert!(
            results.trim_start().starts_with(verdict),
            "OpenDKIM's verdict on the {case} copy is not {verdict}:\n{delivered}"
        );
    }

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
    for (port, tls) in [(server.submission, "--tls"), (server.submissions, "--tlsc")] {
        let r = send(
            port,
            tls,
            "someone@outside.test",
            "else@outside.test",
            "mf-relay",
            None,
            Some("RCPT"),
        );
        assert!(
            r.code == 24 && replied(&r, "554 5.7.1"),
            "relaying without AUTH ({tls}) must be refused:\n{}",
            r.stdout
        );
    }
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
