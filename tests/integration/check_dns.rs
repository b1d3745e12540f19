//! `mailctl check-dns` against a real Knot DNS on loopback: the zones
//! `mailctl dns --format zone` produces pass every check; then one mutated
//! zone per check gives exactly the expected finding and exit 1; a closed
//! port gives exit 3 within the timeout; a zone the server refuses gives
//! findings, not a crash.

use std::fmt::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::knot::Knot;
use super::support::{self, mailctl, run};

const SPEC: &str = r#"version = 1

[server]
hostname = "mail.example.com"
ipv4 = ["192.0.2.10"]
ipv6 = ["2001:db8::10"]
services = ["smtp", "submissions", "imaps"]

[tls]
cert_file = "@CERT@"
key_file = "/etc/ssl/mail/privkey.pem"

[dovecot]
enabled = true

[dkim]
key_dir = "dkim"
selector = "mail"

[dns]
tlsa = true
caa_issuers = ["letsencrypt.org"]

[[domain]]
name = "example.com"
mailboxes = ["alice"]

[domain.aliases]
postmaster = "alice"
dmarc = "alice"
tlsrpt = "alice"

[domain.spf]
mechanisms = ["include:_spf.example.org"]

[domain.dmarc]
policy = "reject"
rua = ["dmarc@example.com", "agg@example.org"]

[domain.mta_sts]
mode = "enforce"

[domain.tls_rpt]
rua = ["tlsrpt@example.com"]

[[domain]]
name = "example.org"
mailboxes = ["bob"]

[domain.aliases]
postmaster = "bob"

[domain.dkim]
selectors = ["2026b", "2026a"]
"#;

const V4_REVERSE: &str = "2.0.192.in-addr.arpa";
const V6_REVERSE: &str = "8.b.d.0.1.0.0.2.ip6.arpa";

/// A spec with the test DKIM keys beside it.
struct Fixture {
    dir: tempfile::TempDir,
    spec: PathBuf,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    // The certificate, and a next key beside it (a rollover in progress):
    // `mailctl dns` lists a TLSA record for each.
    let tls = dir.path().join("tls");
    std::fs::create_dir(&tls).expect("tls dir");
    let cert = tls.join("cert.pem");
    std::fs::copy(
        support::repo().join("tests/fixtures/dkim/tls-test-cert.pem"),
        &cert,
    )
    .expect("copy certificate");
    let spki =
        std::fs::read_to_string(support::repo().join("tests/fixtures/dkim/rsa-4096.spki.b64"))
            .expect("next key");
    let lines: Vec<&str> = spki
        .trim()
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).expect("base64"))
        .collect();
    std::fs::write(
        tls.join("next.pub.pem"),
        format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            lines.join("\n")
        ),
    )
    .expect("next.pub.pem");
    let spec = dir.path().join("mailctl.toml");
    std::fs::write(&spec, SPEC.replace("@CERT@", &cert.display().to_string())).expect("spec");
    for (domain, selector) in [
        ("example.com", "mail"),
        ("example.org", "2026a"),
        ("example.org", "2026b"),
    ] {
        let to = dir.path().join("dkim").join(domain);
        std::fs::create_dir_all(&to).expect("key dir");
        let dest = to.join(format!("{selector}.pem"));
        std::fs::copy(
            support::repo().join(format!("tests/fixtures/dkim/{domain}/{selector}.pem")),
            &dest,
        )
        .expect("copy key");
        std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    Fixture { dir, spec }
}

/// SOA and NS, which `mailctl dns` leaves to the zone's owner.
fn head(origin: &str) -> String {
    format!(
        "$ORIGIN {origin}.\n@ 300 IN SOA ns1.example.com. hostmaster.example.com. 1 3600 600 86400 300\n@ 300 IN NS ns1.example.com.\n"
    )
}

/// Every zone: `mailctl dns --format zone` per domain, the SPF include
/// target, and the two reverse zones with the PTR records.
fn zones(fx: &Fixture) -> Vec<(String, String)> {
    let mut zones = Vec::new();
    for origin in ["example.com", "example.org"] {
        let out = run(mailctl()
            .args(["dns", "--format", "zone", "--domain", origin, "--spec"])
            .arg(&fx.spec));
        assert_eq!(out.code, 0, "{}", out.stderr);
        let mut text = format!("{}{}", head(origin), out.stdout);
        if origin == "example.com" {
            text.push_str("ns1.example.com. 300 IN A 127.0.0.1\n");
        } else {
            text.push_str("_spf.example.org. 300 IN TXT \"v=spf1 ip4:198.51.100.0/24 -all\"\n");
        }
        zones.push((origin.to_owned(), text));
    }
    zones.push((
        V4_REVERSE.to_owned(),
        format!(
            "{}10.2.0.192.in-addr.arpa. 300 IN PTR mail.example.com.\n",
            head(V4_REVERSE)
        ),
    ));
    zones.push((
        V6_REVERSE.to_owned(),
        format!(
            "{}0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. 300 IN PTR mail.example.com.\n",
            head(V6_REVERSE)
        ),
    ));
    zones
}

fn check(spec: &Path, port: u16, extra: &[&str]) -> support::Run {
    run(mailctl()
        .args(["check-dns", "--timeout", "2", "--nameserver"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("--spec")
        .arg(spec)
        .args(extra))
}

fn json(out: &support::Run) -> serde_json::Value {
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", out.stdout, out.stderr))
}

/// `(check, status)` of every finding that did not pass.
fn problems(report: &serde_json::Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["status"] != "pass")
        .map(|f| {
            (
                f["check"].as_str().unwrap().to_owned(),
                f["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Replace `from` by `to` in one zone (the text must be there).
fn mutate(zones: &[(String, String)], origin: &str, from: &str, to: &str) -> Vec<(String, String)> {
    zones
        .iter()
        .map(|(o, text)| {
            if o == origin {
                assert!(
                    text.contains(from),
                    "`{from}` is not in zone {origin}:\n{text}"
                );
                (o.clone(), text.replacen(from, to, 1))
            } else {
                (o.clone(), text.clone())
            }
        })
        .collect()
}

/// The line of a zone that holds `needle`.
fn line<'a>(zones: &'a [(String, String)], origin: &str, needle: &str) -> &'a str {
    let text = &zones.iter().find(|(o, _)| o == origin).expect("zone").1;
    text.lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no `{needle}` in {origin}"))
}

#[test]
fn check_dns_passes_on_the_zones_mailctl_dns_produces() {
    let fx = fixture();
    let zones = zones(&fx);
    let knot = Knot::start(&zones);
    let out = check(&fx.spec, knot.port, &["--format", "json"]);
    let report = json(&out);
    assert_eq!(
        problems(&report),
        Vec::<(String, String)>::new(),
        "{}",
        out.stdout
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let checks: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["check"].as_str().unwrap())
        .collect();
    for wanted in [
        "mx",
        "mx-host-resolves",
        "host-address",
        "ptr",
        "fcrdns",
        "spf-record",
        "spf-syntax",
        "spf-lookups",
        "spf-void-lookups",
        "spf-pass",
        "spf-all",
        "dkim-record",
        "dkim-key",
        "dmarc-record",
        "dmarc-policy",
        "dmarc-reports",
        "dmarc-report-auth",
        "mta-sts-record",
        "mta-sts-id",
        "mta-sts-host",
        "tls-rpt-record",
        "tls-rpt-rua",
        "srv",
        "caa",
        "tlsa",
        "tlsa-next",
    ] {
        assert!(
            checks.contains(&wanted),
            "no `{wanted}` check ran: {checks:?}"
        );
    }
    // The other formats agree.
    let text = check(&fx.spec, knot.port, &[]);
    assert_eq!(text.code, 0);
    assert!(
        text.stdout
            .contains("example.com\n  ✓ [mx] MX of example.com: 10 mail.example.com."),
        "{}",
        text.stdout
    );
    assert!(!text.stdout.contains('✗'));
    let junit = check(&fx.spec, knot.port, &["--format", "junit"]);
    assert!(junit.stdout.starts_with("<?xml"));
    assert!(
        junit.stdout.contains("failures=\"0\" errors=\"0\""),
        "{}",
        junit.stdout
    );
    let github = check(&fx.spec, knot.port, &["--format", "github"]);
    assert_eq!(github.stdout.lines().count(), 1, "{}", github.stdout);
    assert!(
        github
            .stdout
            .starts_with("::notice title=mailctl check-dns::")
    );
}

#[test]
#[allow(clippy::type_complexity, clippy::print_stderr)]
fn check_dns_mutation_matrix() {
    let fx = fixture();
    let base = zones(&fx);
    let dkim_org = line(&base, "example.org", "2026a._domainkey").to_owned();
    let other_p = dkim_org.split("p=").nth(1).expect("p=").to_owned();
    let dkim_com = line(&base, "example.com", "mail._domainkey").to_owned();
    let spf = line(&base, "example.com", "include:_spf.example.org").to_owned();
    let dmarc = line(&base, "example.com", "v=DMARC1; p=reject").to_owned();
    let tlsa = line(&base, "example.com", "IN TLSA").to_owned();
    let tlsa_next = base
        .iter()
        .find(|(o, _)| o == "example.com")
        .expect("zone")
        .1
        .lines()
        .filter(|l| l.contains("IN TLSA"))
        .nth(1)
        .expect("a TLSA record for the next key")
        .to_owned();
    let sts = line(&base, "example.com", "v=STSv1").to_owned();
    let caa = line(&base, "example.com", "issue \"letsencrypt.org\"").to_owned();
    let mx = line(&base, "example.com", "IN MX").to_owned();

    let lookups = spf.replace("include:_spf.example.org", "include:l1.example.com")
        + "\nl1.example.com. 300 IN TXT \"v=spf1 include:l2.example.com include:l3.example.com -all\"\n\
        l2.example.com. 300 IN TXT \"v=spf1 a:mail.example.com a:mail.example.com a:mail.example.com a:mail.example.com -all\"\n\
        l3.example.com. 300 IN TXT \"v=spf1 a:mail.example.com a:mail.example.com a:mail.example.com a:mail.example.com -all\"";

    // (what, zone, from, to, expected finding, status, exit)
    let dkim_wrong = format!("{}p={other_p}", dkim_com.split("p=").next().unwrap());
    let cases: Vec<(&str, &str, String, String, &str, &str, i32, &[&str])> = vec![
        (
            "missing DKIM record",
            "example.com",
            dkim_com.clone(),
            String::new(),
            "dkim-record",
            "fail",
            1,
            &[],
        ),
        (
            "wrong DKIM p=",
            "example.com",
            dkim_com.clone(),
            dkim_wrong,
            "dkim-key",
            "fail",
            1,
            &[],
        ),
        (
            "SPF without the server's IPv4",
            "example.com",
            "v=spf1 ip4:192.0.2.10 ".into(),
            "v=spf1 ".into(),
            "spf-pass",
            "fail",
            1,
            &[],
        ),
        (
            "SPF with 11 lookups through nested includes",
            "example.com",
            spf.clone(),
            lookups,
            "spf-lookups",
            "fail",
            1,
            &[],
        ),
        (
            "SPF ending in ~all",
            "example.com",
            "-all\"".into(),
            "~all\"".into(),
            "spf-all",
            "fail",
            1,
            &[],
        ),
        (
            "two DMARC records",
            "example.com",
            dmarc.clone(),
            format!("{dmarc}\n{}", dmarc.replace("p=reject", "p=none")),
            "dmarc-record",
            "fail",
            1,
            &[],
        ),
        (
            "p=none where the spec says reject",
            "example.com",
            "p=reject".into(),
            "p=none".into(),
            "dmarc-policy",
            "fail",
            1,
            &[],
        ),
        (
            "rua tag removed from DMARC",
            "example.com",
            "; rua=mailto:dmarc@example.com,mailto:agg@example.org".into(),
            String::new(),
            "dmarc-reports",
            "fail",
            1,
            &[],
        ),
        (
            "removed RFC 7489 tag pct=",
            "example.com",
            "p=reject".into(),
            "p=reject; pct=50".into(),
            "dmarc-removed-tag",
            "warning",
            0,
            &[],
        ),
        (
            "removed RFC 7489 tag pct=, --strict",
            "example.com",
            "p=reject".into(),
            "p=reject; pct=50".into(),
            "dmarc-removed-tag",
            "warning",
            1,
            &["--strict"],
        ),
        (
            "report authorisation missing",
            "example.org",
            "example.com._report._dmarc".into(),
            "example.com._report._dmarcx".into(),
            "dmarc-report-auth",
            "fail",
            1,
            &[],
        ),
        (
            "wrong MX priority",
            "example.com",
            mx.clone(),
            mx.replace("10 mail.example.com.", "20 mail.example.com."),
            "mx",
            "fail",
            1,
            &[],
        ),
        (
            "wrong MTA-STS id",
            "example.com",
            sts.clone(),
            sts.replace("id=", "id=0"),
            "mta-sts-id",
            "fail",
            1,
            &[],
        ),
        (
            "two MTA-STS records",
            "example.com",
            sts.clone(),
            format!("{sts}\n{}", sts.replace("id=", "id=0")),
            "mta-sts-record",
            "fail",
            1,
            &[],
        ),
        (
            "CAA for another CA",
            "example.com",
            caa.clone(),
            caa.replace("letsencrypt.org", "pki.goog"),
            "caa",
            "fail",
            1,
            &[],
        ),
        (
            "TLSA for another key",
            "example.com",
            tlsa.clone(),
            format!("{} {}", &tlsa[..tlsa.rfind(' ').unwrap()], "00".repeat(32)),
            "tlsa",
            "fail",
            1,
            &[],
        ),
        (
            "TLSA of the next key missing",
            "example.com",
            tlsa_next.clone(),
            String::new(),
            "tlsa-next",
            "fail",
            1,
            &[],
        ),
        (
            "missing PTR",
            V4_REVERSE,
            "10.2.0.192.in-addr.arpa. 300 IN PTR mail.example.com.".into(),
            "11.2.0.192.in-addr.arpa. 300 IN PTR mail.example.com.".into(),
            "ptr",
            "fail",
            1,
            &[],
        ),
        (
            "IPv6 PTR naming another host",
            V6_REVERSE,
            "PTR mail.example.com.".into(),
            "PTR mx.example.com.".into(),
            "ptr",
            "fail",
            1,
            &[],
        ),
    ];
    let mut matrix = String::new();
    let mut failures = Vec::new();
    for (what, origin, from, to, finding, status, exit, extra) in cases {
        let zones = mutate(&base, origin, &from, &to);
        let knot = Knot::start(&zones);
        let mut args = vec!["--format", "json"];
        args.extend_from_slice(extra);
        let out = check(&fx.spec, knot.port, &args);
        let got = problems(&json(&out));
        let want = vec![(finding.to_owned(), status.to_owned())];
        let _ = writeln!(matrix, "{what:45} -> {got:?} exit {}", out.code);
        if got != want || out.code != exit {
            failures.push(format!(
                "{what}: expected {want:?} exit {exit}, got {got:?} exit {}\n{}",
                out.code, out.stdout
            ));
        }
    }
    eprintln!("mutation matrix:\n{matrix}");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    drop(fx.dir);
}

/// Before the first certificate, with a next key already beside where it
/// will be: `mailctl dns` lists only the next key's TLSA record, and
/// check-dns checks it as the next key's, not as the current one's.
#[test]
fn check_dns_without_a_certificate_checks_only_the_next_key() {
    let fx = fixture();
    std::fs::remove_file(fx.dir.path().join("tls/cert.pem")).expect("remove certificate");
    let zones = zones(&fx);
    let knot = Knot::start(&zones);
    let out = check(&fx.spec, knot.port, &["--format", "json"]);
    let report = json(&out);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let tlsa: Vec<(&str, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["type"] == "TLSA")
        .map(|f| (f["check"].as_str().unwrap(), f["status"].as_str().unwrap()))
        .collect();
    assert_eq!(tlsa, [("tlsa-next", "pass")], "{}", out.stdout);
}

#[test]
fn check_dns_a_closed_port_is_exit_3_within_the_timeout() {
    let fx = fixture();
    let port = support::free_loopback_port();
    let start = Instant::now();
    let out = check(&fx.spec, port, &["--format", "json"]);
    let elapsed = start.elapsed();
    assert_eq!(out.code, 3, "{}\n{}", out.stdout, out.stderr);
    let report = json(&out);
    assert!(problems(&report).iter().all(|(_, s)| s == "lookup-failed"));
    assert!(report["summary"]["lookup_failures"].as_u64().unwrap() > 5);
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
}

#[test]
fn check_dns_a_refused_zone_gives_findings_not_a_crash() {
    let fx = fixture();
    // Serve only the reverse zones: every forward question is REFUSED.
    let all = zones(&fx);
    let knot = Knot::start(&all[2..]);
    let out = check(&fx.spec, knot.port, &["--format", "json"]);
    assert_eq!(out.code, 3, "{}\n{}", out.stdout, out.stderr);
    let report = json(&out);
    let refused = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["status"] == "lookup-failed" && f["found"].as_str().unwrap().contains("REFUSED")
        })
        .count();
    assert!(refused > 5, "{}", out.stdout);
    // The text form says so too, one line per check.
    let text = check(&fx.spec, knot.port, &[]);
    assert_eq!(text.code, 3);
    assert!(
        text.stdout
            .contains("? [mx] MX lookup for example.com failed"),
        "{}",
        text.stdout
    );
}
