//! `mailctl cert` end to end against a real ACME server: Pebble on loopback,
//! resolving through a real Knot DNS (which also takes the dns-01 updates,
//! signed with TSIG). Every test starts its own servers on free ports.

use std::io::{Read as _, Write as _};
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use super::knot::Knot;
use super::pebble::Pebble;
use super::support::{self, mailctl, redact, run};

const TSIG_KEY: &str = "mailctl-key";
const TSIG_SECRET: &str = "bWFpbGN0bC10ZXN0LXRzaWctc2VjcmV0LTMyYnl0ZXM=";
const HOST: &str = "mail.example.test";

fn zone() -> (String, String) {
    (
        "example.test".to_owned(),
        "$ORIGIN example.test.\n$TTL 60\n\
         @ SOA ns.example.test. hostmaster.example.test. 2026120101 3600 600 86400 60\n\
         @ NS ns.example.test.\n\
         ns A 127.0.0.1\n\
         mail A 127.0.0.1\n\
         mta-sts A 127.0.0.1\n\
         ; Pebble dials 127.0.0.2, where nothing answers http-01.\n\
         unreachable A 127.0.0.2\n"
            .to_owned(),
    )
}

/// Knot, Pebble and a spec in a temporary directory.
struct Lab {
    dir: tempfile::TempDir,
    knot: Knot,
    pebble: Pebble,
}

impl Lab {
    fn start(pebble_env: &[(&str, &str)]) -> Lab {
        let knot = Knot::start_with_tsig(&[zone()], TSIG_KEY, TSIG_SECRET);
        let pebble = Pebble::start(knot.port, pebble_env);
        let dir = tempfile::tempdir().expect("temp dir");
        Lab { dir, knot, pebble }
    }

    fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    fn cert_dir(&self) -> PathBuf {
        self.state().join("certs").join(HOST)
    }

    /// Write the spec with `acme` lines added to the `[acme]` table; without
    /// a challenge line, http-01 standalone on Pebble's http port.
    fn spec(&self, acme: &str) -> PathBuf {
        let challenge = if acme.contains("challenge") || acme.contains("webroot") {
            String::new()
        } else {
            format!("http_listen = \"127.0.0.1:{}\"\n", self.pebble.http_port)
        };
        let text = format!(
            "version = 1\n\n[server]\nhostname = \"{HOST}\"\nipv4 = [\"127.0.0.1\"]\n\n\
             [postfix]\nconfig_dir = \"{out}\"\n\n\
             [acme]\ndirectory = \"{dir}\"\ncontact = \"admin@example.test\"\nagree_tos = true\n\
             ca_bundle = \"{ca}\"\nstate_dir = \"{state}\"\n{challenge}{acme}\n\n\
             [[domain]]\nname = \"example.test\"\nmailboxes = [\"alice\"]\n",
            out = self.dir.path().join("postfix").display(),
            dir = self.pebble.directory(),
            ca = self.pebble.tls_ca.display(),
            state = self.state().display(),
        );
        let path = self.dir.path().join("mailctl.toml");
        std::fs::write(&path, text).expect("write spec");
        path
    }

    // A method, not a function, so that a test cannot run `cert` without
    // the Pebble and Knot this fixture keeps alive.
    #[allow(clippy::unused_self)]
    fn cert(&self, spec: &Path, args: &[&str]) -> support::Run {
        run(mailctl().arg("cert").args(args).arg("--spec").arg(spec))
    }

    fn versions(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.cert_dir().join("versions"))
            .map(|d| {
                d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }

    fn current(&self) -> (Vec<u8>, Vec<u8>) {
        (
            std::fs::read(self.cert_dir().join("fullchain.pem")).expect("fullchain"),
            std::fs::read(self.cert_dir().join("privkey.pem")).expect("privkey"),
        )
    }

    /// `openssl verify` of the current leaf against Pebble's issuing root,
    /// with the rest of the chain as untrusted intermediates.
    fn verify_chain(&self) {
        let chain = String::from_utf8(self.current().0).unwrap();
        let end = "-----END CERTIFICATE-----";
        let split = chain.find(end).expect("a certificate") + end.len();
        let leaf = self.dir.path().join("leaf.pem");
        let rest = self.dir.path().join("intermediates.pem");
        let root = self.dir.path().join("root.pem");
        std::fs::write(&leaf, &chain[..split]).unwrap();
        std::fs::write(&rest, chain[split..].trim_start()).unwrap();
        std::fs::write(&root, self.pebble.issuing_root()).unwrap();
        let out = run(Command::new(support::require_program("openssl"))
            .arg("verify")
            .arg("-CAfile")
            .arg(&root)
            .arg("-untrusted")
            .arg(&rest)
            .arg(&leaf));
        assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
        assert!(out.stdout.contains(": OK"), "{}", out.stdout);
    }

    fn status(&self, spec: &Path) -> serde_json::Value {
        let out = self.cert(spec, &["status", "--format", "json"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let report: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
        report["certificates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == HOST)
            .expect("the spec's certificate")
            .clone()
    }
}

fn assert_ok(out: &support::Run, what: &str, lab: &Lab) {
    assert_eq!(
        out.code,
        0,
        "{what}:\n{}\n--- pebble log:\n{}",
        out.stderr,
        lab.pebble.log()
    );
}

#[test]
fn standalone_http01_issue_renew_status_and_postfix() {
    let lab = Lab::start(&[]);
    let spec = lab.spec("");

    let started = Instant::now();
    let out = lab.cert(&spec, &["issue", "-v"]);
    let took = started.elapsed();
    assert_ok(&out, "issue", &lab);
    eprintln!(
        "issuance by standalone http-01 took {:.2} s",
        took.as_secs_f64()
    );
    assert!(
        out.stderr
            .contains("issued a certificate for `mail.example.test`"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("created an ACME account"),
        "{}",
        out.stderr
    );
    lab.verify_chain();
    assert_eq!(lab.versions(), ["0001"]);
    let mode = |p: PathBuf| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(lab.cert_dir().join("privkey.pem")), 0o600);
    let account = std::fs::read_dir(lab.state().join("accounts"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    assert_eq!(mode(account.join("account.json")), 0o600);

    // Fresh: renew does nothing.
    let before = lab.current();
    let out = lab.cert(&spec, &["renew"]);
    assert_ok(&out, "renew", &lab);
    assert!(out.stderr.contains("is not due"), "{}", out.stderr);
    assert_eq!(lab.current(), before);
    assert_eq!(lab.versions(), ["0001"]);

    // The account is reused, and --force renews.
    let out = lab.cert(&spec, &["renew", "--force", "-v"]);
    assert_ok(&out, "renew --force", &lab);
    assert!(
        !out.stderr.contains("created an ACME account"),
        "{}",
        out.stderr
    );
    assert_eq!(lab.versions(), ["0001", "0002"]);
    assert_ne!(lab.current().0, before.0);
    lab.verify_chain();

    let status = lab.status(&spec);
    assert_eq!(status["present"], true);
    assert_eq!(status["due"], false);
    assert_eq!(status["matches_spec"], true);
    assert_eq!(status["key_type"], "ecdsa-p256");
    assert_eq!(status["names"], serde_json::json!([HOST]));
    assert_eq!(status["version"], "0002");
    assert!(
        status["issuer"].as_str().unwrap().contains("Pebble"),
        "{status}"
    );
    let text = lab.cert(&spec, &["status"]);
    assert!(
        text.stdout.contains("due:        no; renewal from "),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("spec names: match"), "{}", text.stdout);

    // The rendered main.cf points at the store, and the real Postfix accepts it.
    let out_dir = lab.dir.path().join("postfix");
    let render = run(mailctl()
        .args(["render", "--no-postmap", "--spec"])
        .arg(&spec)
        .arg("--out")
        .arg(&out_dir));
    assert_eq!(render.code, 0, "{}", render.stderr);
    support::backdate(&out_dir);
    let postconf = support::require_program("postconf");
    let get = |name: &str| {
        let out = run(Command::new(&postconf)
            .arg("-c")
            .arg(&out_dir)
            .arg("-h")
            .arg(name));
        assert_eq!(out.code, 0, "{}", out.stderr);
        out.stdout.trim().to_owned()
    };
    assert_eq!(
        get("smtpd_tls_cert_file"),
        lab.cert_dir().join("fullchain.pem").display().to_string()
    );
    assert_eq!(
        get("smtpd_tls_key_file"),
        lab.cert_dir().join("privkey.pem").display().to_string()
    );
    let out = run(Command::new(&postconf).arg("-c").arg(&out_dir).arg("-n"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stderr, "", "postconf -n must be clean");
}

/// A static file server on 127.0.0.1:`port` for `root`, standing in for the
/// web server a webroot belongs to.
fn serve_directory(port: u16, root: PathBuf) {
    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).expect("bind the web server");
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 2048];
            let n = stream.read(&mut buf).unwrap_or(0);
            let request = String::from_utf8_lossy(&buf[..n]).into_owned();
            let path = request
                .split(' ')
                .nth(1)
                .unwrap_or("/")
                .trim_start_matches('/')
                .to_owned();
            let response = match std::fs::read(root.join(&path)) {
                Ok(body) if !path.contains("..") => {
                    let mut r = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    )
                    .into_bytes();
                    r.extend_from_slice(&body);
                    r
                }
                _ => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_vec(),
            };
            let _ = stream.write_all(&response);
        }
    });
}

#[test]
fn webroot_http01() {
    let lab = Lab::start(&[]);
    let webroot = lab.dir.path().join("www");
    std::fs::create_dir_all(&webroot).unwrap();
    serve_directory(lab.pebble.http_port, webroot.clone());
    let spec = lab.spec(&format!("webroot = \"{}\"", webroot.display()));
    let out = lab.cert(&spec, &["issue"]);
    assert_ok(&out, "issue", &lab);
    lab.verify_chain();
    // The token files (and the directories mailctl made) are gone.
    assert!(
        !webroot.join(".well-known").exists(),
        "token files were left behind"
    );
}

#[test]
fn dns01_through_knot_with_tsig() {
    let lab = Lab::start(&[]);
    let secret = lab.dir.path().join("tsig.secret");
    std::fs::write(&secret, format!("{TSIG_SECRET}\n")).unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
    let acme = format!(
        "challenge = \"dns-01\"\nnames = [\"{HOST}\", \"*.example.test\"]\ndns_server = \"127.0.0.1:{}\"\ndns_zone = \"example.test\"\ntsig_key = \"{TSIG_KEY}\"\ntsig_secret_file = \"{}\"",
        lab.knot.port,
        secret.display()
    );
    let spec = lab.spec(&acme);
    // A secret others can read is refused, before anything is ordered.
    let out = lab.cert(&spec, &["issue"]);
    assert!(
        out.stderr.contains("can be read by other users"),
        "{}",
        out.stderr
    );
    assert_eq!(out.code, 2, "{}", out.stderr);

    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    // Another secret: Knot refuses the update, and says why (BADSIG).
    std::fs::write(&secret, "d3JvbmctdHNpZy1zZWNyZXQtZm9yLXRoZS10ZXN0LTMy\n").unwrap();
    let out = lab.cert(&spec, &["issue"]);
    assert_ne!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("the server refused the signature: BADSIG"),
        "{}",
        out.stderr
    );
    std::fs::write(&secret, format!("{TSIG_SECRET}\n")).unwrap();
    let started = Instant::now();
    let out = lab.cert(&spec, &["issue", "-v"]);
    assert_ok(&out, "issue", &lab);
    eprintln!(
        "issuance by dns-01 (2 names) took {:.2} s",
        started.elapsed().as_secs_f64()
    );
    assert!(
        out.stderr.contains("published 2 TXT records"),
        "{}",
        out.stderr
    );
    lab.verify_chain();
    let status = lab.status(&spec);
    assert_eq!(status["names"], serde_json::json!(["*.example.test", HOST]));
    // Cleaned up afterwards.
    assert_eq!(
        lab.knot.kdig("_acme-challenge.example.test", "TXT"),
        Vec::<String>::new()
    );
    assert_eq!(
        lab.knot.kdig(&format!("_acme-challenge.{HOST}"), "TXT"),
        Vec::<String>::new()
    );
}

#[test]
fn renewal_policy_and_names_make_it_due_and_the_lock_lets_one_run_order() {
    let lab = Lab::start(&[]);
    let spec = lab.spec("");
    assert_ok(&lab.cert(&spec, &["issue"]), "issue", &lab);

    // Pebble's certificates live five years; a `renew_before` of half of
    // that or more would renew on every run: a warning, and the one-third
    // rule decides.
    let spec = lab.spec("renew_before = \"2000d\"");
    let out = lab.cert(&spec, &["renew"]);
    assert_ok(&out, "renew", &lab);
    assert_eq!(
        out.stderr
            .matches("`[acme] renew_before` (2000d 0h) is at least half")
            .count(),
        1,
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("is not due"), "{}", out.stderr);
    assert_eq!(lab.versions(), ["0001"]);

    // New names: due. Two runs at once: one orders, the other waits for
    // the lock and then finds nothing to do.
    let spec = lab.spec(&format!("names = [\"{HOST}\", \"mta-sts.example.test\"]"));
    let status = lab.status(&spec);
    assert_eq!(status["due"], true);
    assert_eq!(status["matches_spec"], false);
    let spawn = || {
        mailctl()
            .args(["cert", "renew", "--spec"])
            .arg(&spec)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn renew")
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let text = |o: &std::process::Output| String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(
        a.status.success() && b.status.success(),
        "{}\n{}",
        text(&a),
        text(&b)
    );
    assert_eq!(
        lab.versions(),
        ["0001", "0002"],
        "{}\n{}",
        text(&a),
        text(&b)
    );
    let both = format!("{}{}", text(&a), text(&b));
    assert_eq!(both.matches("issued a certificate").count(), 1, "{both}");
    assert!(both.contains("is not due"), "{both}");
    assert_eq!(lab.status(&spec)["matches_spec"], true);
}

#[test]
fn bad_nonces_are_retried() {
    let lab = Lab::start(&[("PEBBLE_WFE_NONCEREJECT", "50")]);
    let spec = lab.spec("");
    let out = lab.cert(&spec, &["issue"]);
    assert_ok(&out, "issue with half the nonces rejected", &lab);
    assert!(
        lab.pebble.log().contains("badNonce") || lab.pebble.log().contains("nonce"),
        "no nonce was rejected"
    );
    lab.verify_chain();
}

#[test]
fn a_failed_validation_exits_3_and_keeps_the_current_files() {
    let lab = Lab::start(&[]);
    let spec = lab.spec("");
    assert_ok(&lab.cert(&spec, &["issue"]), "issue", &lab);
    let before = lab.current();

    let spec = lab.spec(&format!(
        "names = [\"{HOST}\", \"unreachable.example.test\"]"
    ));
    let out = lab.cert(&spec, &["renew"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("error: the CA could not validate `unreachable.example.test` by http-01"),
        "{}",
        out.stderr
    );
    assert_eq!(lab.current(), before, "the current files changed");
    assert_eq!(lab.versions(), ["0001"]);
}

#[test]
fn deploy_hooks_get_the_paths_and_a_failing_one_keeps_the_certificate() {
    let lab = Lab::start(&[]);
    let record = lab.dir.path().join("hook.out");
    let spec = lab.spec(&format!(
        "deploy_hooks = [[\"sh\", \"-c\", \"echo \\\"$MAILCTL_CERT_FULLCHAIN $MAILCTL_CERT_NAMES\\\" > {}\"], [\"false\"]]",
        record.display()
    ));
    let out = lab.cert(&spec, &["issue"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("deploy hook `false` exited with status 1"),
        "{}",
        out.stderr
    );
    assert_eq!(
        std::fs::read_to_string(&record).unwrap(),
        format!(
            "{} {HOST}\n",
            lab.cert_dir().join("fullchain.pem").display()
        )
    );
    assert_eq!(lab.versions(), ["0001"]);
    lab.verify_chain();
}

#[test]
fn a_hung_deploy_hook_is_killed_after_hook_timeout_and_keeps_the_certificate() {
    let lab = Lab::start(&[]);
    let spec = lab.spec("deploy_hooks = [[\"sleep\", \"30\"]]\nhook_timeout = \"1s\"");
    let started = std::time::Instant::now();
    let out = lab.cert(&spec, &["issue"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(25),
        "the hook was waited for: {:?}",
        started.elapsed()
    );
    assert!(
        out.stderr
            .contains("deploy hook `sleep 30` did not finish within 1 s and was killed"),
        "{}",
        out.stderr
    );
    assert_eq!(lab.versions(), ["0001"]);
    lab.verify_chain();
}

#[test]
fn an_unreadable_current_certificate_is_due() {
    let lab = Lab::start(&[]);
    let spec = lab.spec("");
    assert_ok(&lab.cert(&spec, &["issue"]), "issue", &lab);
    std::fs::write(lab.cert_dir().join("fullchain.pem"), "garbage\n").unwrap();
    let out = lab.cert(&spec, &["renew"]);
    assert_ok(&out, "renew", &lab);
    assert!(
        out.stderr
            .contains("the current certificate cannot be read: "),
        "{}",
        out.stderr
    );
    assert_eq!(lab.versions(), ["0001", "0002"]);
    lab.verify_chain();
}

#[test]
fn dry_run_goes_through_the_flow_and_stores_nothing() {
    let lab = Lab::start(&[]);
    let spec = lab.spec("");
    let out = lab.cert(&spec, &["issue", "--dry-run"]);
    assert_ok(&out, "issue --dry-run", &lab);
    assert!(
        out.stderr.contains("dry run: the CA issued a certificate"),
        "{}",
        out.stderr
    );
    // Pebble is not a staging server mailctl knows: the user is told the
    // dry run's certificate is real.
    assert!(
        out.stderr
            .contains("has no staging server that mailctl knows"),
        "{}",
        out.stderr
    );
    assert!(!lab.cert_dir().join("fullchain.pem").exists());
    assert!(lab.versions().is_empty());
    // With a certificate in place, a forced dry run leaves it alone.
    assert_ok(&lab.cert(&spec, &["issue"]), "issue", &lab);
    let before = lab.current();
    assert_ok(
        &lab.cert(&spec, &["renew", "--force", "--dry-run"]),
        "renew --dry-run",
        &lab,
    );
    assert_eq!(lab.current(), before);
    assert_eq!(lab.versions(), ["0001"]);
}

#[test]
fn an_unreachable_acme_server_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let port = support::free_loopback_port();
    let spec = dir.path().join("mailctl.toml");
    std::fs::write(
        &spec,
        format!(
            "version = 1\n[server]\nhostname = \"{HOST}\"\n[acme]\ndirectory = \"https://127.0.0.1:{port}/dir\"\nagree_tos = true\nstate_dir = \"{}\"\nhttp_listen = \"127.0.0.1:0\"\n[[domain]]\nname = \"example.test\"\n",
            dir.path().join("state").display()
        ),
    )
    .unwrap();
    let out = run(mailctl().args(["cert", "issue", "--spec"]).arg(&spec));
    assert_eq!(out.code, 3, "{}", out.stderr);
    let stderr = redact(&out.stderr, dir.path()).replace(&port.to_string(), "[PORT]");
    assert!(
        stderr.starts_with(
            "ordering a certificate for `mail.example.test` from `https://127.0.0.1:[PORT]/dir`"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: cannot reach the ACME server at `https://127.0.0.1:[PORT]/dir`"),
        "{stderr}"
    );
    assert!(
        !dir.path()
            .join("state/certs")
            .join(HOST)
            .join("fullchain.pem")
            .exists()
    );
}

#[test]
fn no_acme_table_is_a_usage_error() {
    let out = run(mailctl()
        .args(["cert", "status", "--spec"])
        .arg(support::example("minimal.toml")));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("has no `[acme]` table"),
        "{}",
        out.stderr
    );
}

/// Every file under `tests/fixtures/invalid-acme/` is an invalid spec:
/// `validate` exits 1 with located diagnostics (snapshotted).
#[test]
fn invalid_acme_specs() {
    let dir = support::repo().join("tests/fixtures/invalid-acme");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 6, "expected the invalid-acme cases");
    for case in cases {
        let name = case.file_stem().unwrap().to_string_lossy().into_owned();
        let out = run(mailctl()
            .current_dir(&dir)
            .arg("validate")
            .arg("--spec")
            .arg(case.file_name().unwrap()));
        assert_eq!(out.code, 1, "{name}: {}", out.stderr);
        insta::assert_snapshot!(format!("invalid_acme_{name}"), out.stderr);
    }
}
