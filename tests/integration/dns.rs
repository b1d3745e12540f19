//! `mailctl dns` and `mailctl dkim` end to end: the three formats of every
//! example (snapshots), invalid specs for the DNS keys, key generation, and
//! the zones served by a real Knot DNS and queried back with `kdig`.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use super::knot::{self, Knot};
use super::support::{self, mailctl, redact, run};

/// A temporary copy of an example with the test DKIM keys in `dkim/` beside
/// it (the examples say `key_dir = "dkim"`, relative to the spec file), and,
/// for specs that ask for TLSA, the test certificate as `[tls] cert_file`.
fn example_with_keys(name: &str, keys: bool) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut text = std::fs::read_to_string(support::example(name)).expect("example");
    let cert = support::repo().join("tests/fixtures/dkim/tls-test-cert.pem");
    text = text.replace(
        "cert_file = \"/etc/ssl/mail/fullchain.pem\"",
        &format!("cert_file = \"{}\"", cert.display()),
    );
    let spec = dir.path().join(name);
    std::fs::write(&spec, text).expect("write spec");
    if keys {
        copy_keys(
            &support::repo().join("tests/fixtures/dkim"),
            &dir.path().join("dkim"),
        );
    }
    (dir, spec)
}

fn copy_keys(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("fixture keys") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            let target = to.join(path.file_name().expect("name"));
            std::fs::create_dir_all(&target).expect("key dir");
            for key in std::fs::read_dir(&path).expect("domain keys") {
                let key = key.expect("key").path();
                let dest = target.join(key.file_name().expect("name"));
                std::fs::copy(&key, &dest).expect("copy key");
                std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o600))
                    .expect("chmod");
            }
        }
    }
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .expect("stem")
        .to_string_lossy()
        .into_owned()
}

fn dns(spec: &Path, args: &[&str]) -> support::Run {
    run(mailctl().arg("dns").arg("--spec").arg(spec).args(args))
}

#[test]
fn every_example_in_every_format() {
    for example in support::examples() {
        let name = example
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let (dir, spec) = example_with_keys(&name, true);
        for format in ["zone", "json", "table"] {
            let out = dns(&spec, &["--format", format]);
            assert_eq!(out.code, 0, "{name} {format}: {}", out.stderr);
            let text = format!(
                "exit: {}\n--- stdout\n{}--- stderr\n{}",
                out.code,
                redact(&out.stdout, dir.path()),
                redact(&out.stderr, dir.path())
            );
            insta::assert_snapshot!(format!("{}_{format}", stem(&example)), text);
        }
    }
}

#[test]
fn domain_limits_the_output_and_unknown_domains_are_usage_errors() {
    let (_dir, spec) = example_with_keys("multi-domain.toml", true);
    let out = dns(&spec, &["--format", "json", "--domain", "Example.COM"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let set: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    let records = set["records"].as_array().expect("records");
    assert!(!records.is_empty());
    assert!(records.iter().all(|r| r["domain"] == "example.com"));

    let out = dns(&spec, &["--domain", "example.cmo"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("error: `example.cmo` is not a zone mailctl has records for"),
        "{}",
        out.stderr
    );
}

#[test]
fn missing_keys_are_advice_not_errors() {
    let (dir, spec) = example_with_keys("minimal.toml", false);
    let out = dns(&spec, &["--format", "zone"]);
    assert_eq!(out.code, 0);
    let stderr = redact(&out.stderr, dir.path());
    assert!(stderr.contains("warning: no DKIM key for `example.com` selector `mail` at `[TMP]/dkim/example.com/mail.pem`; run `mailctl dkim keygen`"), "{stderr}");
    assert!(
        out.stdout
            .contains("; NOTE: no DKIM record for selector `mail`"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("_domainkey"));
}

#[test]
fn mta_sts_policy_file() {
    let (_dir, spec) = example_with_keys("multi-domain.toml", true);
    let out = dns(&spec, &["--mta-sts-policy", "example.org"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "version: STSv1\r\nmode: enforce\r\nmx: mx.example.org\r\nmax_age: 604800\r\n"
    );
    let out = dns(&spec, &["--mta-sts-policy", "example.com"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("domain `example.com` has no MTA-STS policy"),
        "{}",
        out.stderr
    );
}

/// Every file under `tests/fixtures/invalid-dns/` is an invalid spec:
/// `validate` exits 1 and the diagnostics are snapshotted; `dns` exits 2.
#[test]
fn invalid_dns_specs() {
    let dir = support::repo().join("tests/fixtures/invalid-dns");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 10, "expected the invalid-dns cases");
    for case in cases {
        let out = run(mailctl().arg("validate").arg("--spec").arg(&case));
        assert_eq!(out.code, 1, "{}: {}", case.display(), out.stderr);
        insta::assert_snapshot!(
            format!("invalid_{}", stem(&case)),
            redact(&out.stderr, &dir)
        );
        let out = dns(&case, &[]);
        assert_eq!(out.code, 2, "{}", case.display());
    }
}

#[test]
fn keygen_creates_private_keys_once_and_show_prints_them() {
    let (dir, spec) = example_with_keys("multi-domain.toml", false);
    // A group no machine has: the keys stay 0600, with one warning.
    set_key_group(&spec, "mailctl-no-such-group");
    let out = run(mailctl().args(["dkim", "keygen", "--spec"]).arg(&spec));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stderr
            .matches("group `mailctl-no-such-group` (`[dkim] key_group`) does not exist: the new keys are mode 0600, readable by their owner only; OpenDKIM will not be able to read the key unless it runs as root")
            .count(),
        1,
        "{}",
        out.stderr
    );
    let keys = dir.path().join("dkim");
    let paths = [
        "example.org/2026b.pem",
        "example.org/2026a.pem",
        "example.com/2026c.pem",
    ];
    for key in paths {
        let path = keys.join(key);
        let mode = std::fs::metadata(&path).expect(key).permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{key}");
        assert!(
            std::fs::read_to_string(&path)
                .expect(key)
                .starts_with("-----BEGIN PRIVATE KEY-----\n")
        );
    }
    assert_eq!(
        std::fs::metadata(keys.join("example.org"))
            .expect("dir")
            .permissions()
            .mode()
            & 0o777,
        0o700
    );
    assert!(
        !keys.join("forward.example").exists(),
        "DKIM is off for forward.example"
    );
    assert!(
        !keys.join("parked.example").exists(),
        "parked domains have no keys"
    );
    assert!(!out.stderr.contains("PRIVATE KEY") && !out.stdout.contains("PRIVATE KEY"));

    let before = std::fs::read(keys.join("example.com/2026c.pem")).expect("key");
    let out = run(mailctl()
        .args(["dkim", "keygen", "--format", "json", "--spec"])
        .arg(&spec));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    assert!(
        report
            .as_array()
            .expect("list")
            .iter()
            .all(|k| k["status"] == "kept"),
        "{report}"
    );
    assert_eq!(
        std::fs::read(keys.join("example.com/2026c.pem")).expect("key"),
        before
    );

    let out = run(mailctl()
        .args([
            "dkim",
            "keygen",
            "--force",
            "--domain",
            "example.com",
            "--spec",
        ])
        .arg(&spec));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_ne!(
        std::fs::read(keys.join("example.com/2026c.pem")).expect("key"),
        before
    );

    // A new selector (rotation) with another algorithm: created, with a hint.
    let out = run(mailctl()
        .args([
            "dkim",
            "keygen",
            "--domain",
            "example.com",
            "--selector",
            "next",
            "--algorithm",
            "ed25519",
            "--spec",
        ])
        .arg(&spec));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("selector `next` is not in the spec"),
        "{}",
        out.stderr
    );
    assert!(keys.join("example.com/next.pem").exists());

    // `dkim show` and `dns` agree on every key.
    let show = run(mailctl()
        .args(["dkim", "show", "--format", "json", "--spec"])
        .arg(&spec));
    assert_eq!(show.code, 0, "{}", show.stderr);
    let shown: serde_json::Value = serde_json::from_str(&show.stdout).expect("json");
    let records = dns_json(&spec);
    for key in shown.as_array().expect("list") {
        assert_eq!(key["status"], "present");
        let name = key["name"].as_str().expect("name");
        let record = records
            .iter()
            .find(|r| r["name"] == name && r["type"] == "TXT")
            .expect(name);
        assert_eq!(record["value"], key["value"]);
    }
    let text = run(mailctl()
        .args(["dkim", "show", "--domain", "example.com", "--spec"])
        .arg(&spec));
    assert!(
        text.stdout
            .starts_with("2026c._domainkey.example.com. 3600 IN TXT \"v=DKIM1; k=rsa; p="),
        "{}",
        text.stdout
    );
    // Published as a second selector, the Ed25519 key made above shows as
    // one (RFC 8463: `k=ed25519`, the raw 32-byte key in base64).
    let rotated = std::fs::read_to_string(&spec).unwrap().replace(
        "selectors = [\"2026c\"]",
        "selectors = [\"2026c\", \"next\"]",
    );
    std::fs::write(&spec, rotated).unwrap();
    let text = run(mailctl()
        .args(["dkim", "show", "--domain", "example.com", "--spec"])
        .arg(&spec));
    let next = text
        .stdout
        .lines()
        .find(|l| l.starts_with("next._domainkey.example.com. 3600 IN TXT"))
        .unwrap_or_else(|| panic!("no record for `next`:\n{}{}", text.stdout, text.stderr));
    let p = next
        .split("p=")
        .nth(1)
        .expect("a p= tag")
        .trim_end_matches('"');
    assert!(next.contains("\"v=DKIM1; k=ed25519; p="), "{next}");
    assert_eq!(p.len(), 44, "a 32-byte key in base64: {next}");

    let out = run(mailctl()
        .args(["dkim", "keygen", "--domain", "parked.example", "--spec"])
        .arg(&spec));
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("domain `parked.example` has no DKIM keys"),
        "{}",
        out.stderr
    );
}

/// Set `[dkim] key_group` in a copied example.
fn set_key_group(spec: &Path, group: &str) {
    let text = std::fs::read_to_string(spec).expect("spec");
    assert!(
        text.contains("\n[dkim]\n"),
        "the example has a [dkim] table"
    );
    let text = text.replace(
        "\n[dkim]\n",
        &format!("\n[dkim]\nkey_group = \"{group}\"\n"),
    );
    std::fs::write(spec, text).expect("write spec");
}

/// A group's id from /etc/group.
fn gid_of(group: &str) -> u32 {
    std::fs::read_to_string("/etc/group")
        .expect("/etc/group")
        .lines()
        .find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            (fields[0] == group).then(|| fields[2].parse().expect("gid"))
        })
        .unwrap_or_else(|| panic!("no group `{group}`"))
}

fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .expect("status")
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1).map(|euid| euid == "0"))
        .expect("Uid line")
}

/// `OpenDKIM` runs as its own user: keygen gives the keys to `[dkim]
/// key_group` (here `nogroup`, which every Debian machine has and root is
/// not in), 0640, in 0750 directories of that group.
#[test]
fn keygen_gives_keys_to_the_key_group() {
    use std::os::unix::fs::MetadataExt as _;
    let (dir, spec) = example_with_keys("minimal.toml", false);
    set_key_group(&spec, "nogroup");
    let out = run(mailctl()
        .args(["dkim", "keygen", "--algorithm", "ed25519", "--spec"])
        .arg(&spec));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let key = dir.path().join("dkim/example.com/mail.pem");
    let meta = std::fs::metadata(&key).expect("key");
    let domain_dir = std::fs::metadata(key.parent().expect("dir")).expect("dir");
    if running_as_root() {
        let gid = gid_of("nogroup");
        assert_eq!((meta.mode() & 0o777, meta.gid()), (0o640, gid));
        assert_eq!((domain_dir.mode() & 0o777, domain_dir.gid()), (0o750, gid));
        assert!(!out.stderr.contains("warning"), "{}", out.stderr);
    } else {
        assert_eq!(meta.mode() & 0o777, 0o600);
        assert_eq!(domain_dir.mode() & 0o777, 0o700);
        assert!(
            out.stderr
                .contains("only root can give the keys to group `nogroup`"),
            "{}",
            out.stderr
        );
    }
}

fn dns_json(spec: &Path) -> Vec<serde_json::Value> {
    let out = dns(spec, &["--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let set: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    set["records"].as_array().expect("records").clone()
}

/// The SOA and NS a real zone has and `mailctl dns` leaves to its owner.
fn zone_head(origin: &str) -> String {
    format!(
        "$ORIGIN {origin}.\n@ 300 IN SOA ns1.{origin}. hostmaster.{origin}. 1 3600 600 86400 300\n@ 300 IN NS ns1.{origin}.\nns1 300 IN A 127.0.0.1\n"
    )
}

/// An answer in `kdig +short` form, made comparable with the JSON value.
fn normalise(rtype: &str, value: &str) -> String {
    match rtype {
        "TXT" => knot::join_txt(value),
        "TLSA" => {
            let parts: Vec<&str> = value.split_whitespace().collect();
            format!(
                "{} {}",
                parts[..3].join(" "),
                parts[3..].concat().to_ascii_lowercase()
            )
        }
        // kdig ends a CAA answer with a space.
        _ => value.trim_end().to_owned(),
    }
}

/// The done-criterion of `mailctl dns`: for every example, with its keys
/// generated, every zone passes `kzonecheck`, Knot serves it, and every
/// record queried back with `kdig` equals the JSON output, value by value.
#[test]
fn knot_serves_every_record_of_every_example() {
    for example in support::examples() {
        let name = example
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let (_dir, spec) = example_with_keys(&name, false);
        let keygen = run(mailctl().args(["dkim", "keygen", "--spec"]).arg(&spec));
        assert_eq!(keygen.code, 0, "{name}: {}", keygen.stderr);
        let records = dns_json(&spec);

        let mut origins: Vec<String> = Vec::new();
        for r in &records {
            let domain = r["domain"].as_str().expect("domain").to_owned();
            if !origins.contains(&domain) {
                origins.push(domain);
            }
        }
        let zones: Vec<(String, String)> = origins
            .iter()
            .map(|origin| {
                let out = dns(&spec, &["--format", "zone", "--domain", origin]);
                assert_eq!(out.code, 0, "{}", out.stderr);
                (
                    origin.clone(),
                    format!("{}{}", zone_head(origin), out.stdout),
                )
            })
            .collect();
        let server = Knot::start(&zones);

        let mut expected: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
        for r in &records {
            let key = (
                r["name"].as_str().expect("name").to_owned(),
                r["type"].as_str().expect("type").to_owned(),
            );
            expected
                .entry(key)
                .or_default()
                .push(r["value"].as_str().expect("value").to_owned());
        }
        let mut compared = 0;
        for ((owner, rtype), mut values) in expected {
            let mut answers: Vec<String> = server
                .kdig(&owner, &rtype)
                .iter()
                .map(|a| normalise(&rtype, a))
                .collect();
            values.sort();
            answers.sort();
            assert_eq!(answers, values, "{name}: {owner} {rtype}");
            compared += values.len();
        }
        assert_eq!(compared, records.len(), "{name}: every record was compared");
        check_keys_with_opendkim(&server, &spec, &origins, &name);
        assert!(compared >= 10, "{name}: only {compared} records");
        let types: Vec<&str> = records
            .iter()
            .map(|r| r["type"].as_str().expect("type"))
            .collect();
        for wanted in ["MX", "TXT", "SRV", "A", "AAAA"] {
            assert!(types.contains(&wanted), "{name}: no {wanted}");
        }
        if name == "multi-domain.toml" {
            for wanted in ["CAA", "TLSA"] {
                assert!(types.contains(&wanted), "{name}: no {wanted}");
            }
        }
    }
}

/// `OpenDKIM`, as the `opendkim` user with the `opendkim.conf` mailctl
/// renders (`RequireSafeKeys` on), signs with a key `mailctl dkim keygen`
/// made, of either algorithm, and dkimpy verifies the signature against the
/// TXT value `mailctl dkim show` prints. `opendkim -t` signs a file as mail
/// from an internal host, so no milter, socket or DNS is involved.
#[test]
fn opendkim_signs_with_the_rendered_configuration_for_either_algorithm() {
    let opendkim = support::require_program("opendkim");
    let runuser = support::require_program("runuser");
    for (algorithm, signature) in [
        ("rsa-2048", "a=rsa-sha256"),
        ("ed25519", "a=ed25519-sha256"),
    ] {
        // Under /run: OpenDKIM refuses keys below a world-writable /tmp.
        let dir = tempfile::Builder::new()
            .prefix("mailctl-dkim")
            .tempdir_in("/run")
            .expect("a directory under /run (the test must run as root)");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let out = dir.path().join("out");
        let spec = dir.path().join("mailctl.toml");
        std::fs::write(
            &spec,
            format!(
                "version = 1\n[server]\nhostname = \"mail.example.com\"\nipv4 = [\"203.0.113.10\"]\n\
                 [dkim]\nkey_dir = \"{keys}\"\nopendkim_dir = \"{out}/opendkim\"\nalgorithm = \"{algorithm}\"\n\
                 [[domain]]\nname = \"example.com\"\nmailboxes = [\"alice\"]\n",
                keys = dir.path().join("keys").display(),
                out = out.display()
            ),
        )
        .unwrap();
        let keygen = run(mailctl().args(["dkim", "keygen", "--spec"]).arg(&spec));
        assert_eq!(keygen.code, 0, "{algorithm}: {}", keygen.stderr);
        let rendered = run(mailctl()
            .args(["render", "--no-postmap", "--spec"])
            .arg(&spec)
            .arg("--out")
            .arg(&out));
        assert_eq!(rendered.code, 0, "{algorithm}: {}", rendered.stderr);
        let message = dir.path().join("message.eml");
        let text = "From: alice@example.com\nTo: bob@example.net\nSubject: signed\n\
                    Date: Tue, 01 Dec 2026 12:00:00 +0000\nMessage-ID: <1@example.com>\n\nHello.\n";
        std::fs::write(&message, text).unwrap();
        std::fs::set_permissions(&message, std::fs::Permissions::from_mode(0o644)).unwrap();
        let signed = run(std::process::Command::new(&runuser)
            .args(["-u", "opendkim", "--"])
            .arg(&opendkim)
            .arg("-x")
            .arg(out.join("opendkim/opendkim.conf"))
            .arg("-t")
            .arg(&message));
        assert_eq!(
            signed.code, 0,
            "{algorithm}: {}{}",
            signed.stdout, signed.stderr
        );
        // `FILE:` then the header, indented continuation lines included.
        let header = signed
            .stdout
            .split_once(":\n")
            .map(|(_, header)| header.to_owned())
            .unwrap_or_default();
        assert!(
            header.starts_with("DKIM-Signature: v=1; ") && header.contains(signature),
            "{algorithm}: no {signature} signature:\n{}{}",
            signed.stdout,
            signed.stderr
        );
        let show = run(mailctl()
            .args(["dkim", "show", "--format", "json", "--spec"])
            .arg(&spec));
        let keys: serde_json::Value = serde_json::from_str(&show.stdout).expect("json");
        let txt = keys[0]["value"].as_str().expect("a TXT value").to_owned();
        let script = "import sys, dkim\n\
            txt = sys.argv[2].encode()\n\
            def dns(name, timeout=5):\n    return txt if name == b'mail._domainkey.example.com.' else None\n\
            sys.exit(0 if dkim.verify(open(sys.argv[1], 'rb').read(), dnsfunc=dns) else 1)\n";
        let (headers, _) = text.split_once("\n\n").expect("a header and a body");
        let verify = |body: &str| {
            let signed = format!("{}\n{headers}\n\n{body}", header.trim_end());
            std::fs::write(&message, signed).unwrap();
            run(std::process::Command::new("/usr/bin/python3")
                .arg("-c")
                .arg(script)
                .arg(&message)
                .arg(&txt))
        };
        let good = verify("Hello.\n");
        assert_eq!(
            good.code, 0,
            "{algorithm}: dkimpy: {}{}",
            good.stdout, good.stderr
        );
        let bad = verify("Goodbye.\n");
        assert_ne!(bad.code, 0, "{algorithm}: a changed body verified");
    }
}

/// `opendkim-testkey` confirms each RSA key against the record Knot serves
/// (through libunbound, pointed at Knot). It cannot check Ed25519 keys
/// (`OpenDKIM` 2.11 compares RSA keys only); for those the comparison above,
/// of the `p=` that mailctl derives from the key file with what Knot serves,
/// is the check.
fn check_keys_with_opendkim(server: &Knot, spec: &Path, origins: &[String], name: &str) {
    let testkey = support::require_program("opendkim-testkey");
    let conf = server.dir.path().join("opendkim.conf");
    std::fs::write(
        &conf,
        format!(
            "ResolverConfiguration {}\n",
            server.unbound_config(origins).display()
        ),
    )
    .expect("opendkim.conf");
    let show = run(mailctl()
        .args(["dkim", "show", "--format", "json", "--spec"])
        .arg(spec));
    assert_eq!(show.code, 0, "{}", show.stderr);
    let keys: serde_json::Value = serde_json::from_str(&show.stdout).expect("json");
    let testkey_run = |domain: &str, selector: &str, path: &str| {
        run(std::process::Command::new(&testkey)
            .arg("-x")
            .arg(&conf)
            .args(["-vvv", "-d", domain, "-s", selector, "-k", path]))
    };
    let mut rsa = Vec::new();
    for key in keys.as_array().expect("list") {
        let (domain, selector, path) = (
            key["domain"].as_str().expect("domain"),
            key["selector"].as_str().expect("selector"),
            key["path"].as_str().expect("path"),
        );
        if key["value"]
            .as_str()
            .expect("value")
            .starts_with("v=DKIM1; k=rsa;")
        {
            let out = testkey_run(domain, selector, path);
            assert_eq!(
                out.code, 0,
                "{name}: opendkim-testkey {domain} {selector}: {}{}",
                out.stdout, out.stderr
            );
            assert!(
                format!("{}{}", out.stdout, out.stderr).contains("key OK"),
                "{name}: {}{}",
                out.stdout,
                out.stderr
            );
            rsa.push((domain.to_owned(), selector.to_owned()));
        }
    }
    assert!(!rsa.is_empty(), "{name}: no RSA key for opendkim-testkey");
    // And it can fail: another key against the same record.
    let (domain, selector) = &rsa[0];
    let other = support::repo().join("tests/fixtures/dkim/example.org/2026a.pem");
    let copy = server.dir.path().join("other.pem");
    std::fs::copy(other, &copy).expect("copy key");
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let out = testkey_run(domain, selector, &copy.display().to_string());
    assert_ne!(out.code, 0, "{name}: a foreign key passed");
    assert!(
        format!("{}{}", out.stdout, out.stderr).contains("keys do not match"),
        "{name}: {}{}",
        out.stdout,
        out.stderr
    );
}
