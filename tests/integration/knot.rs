//! A Knot DNS server on loopback for the tests: authoritative for the zones
//! it is given, on a free port, from a config in a temporary directory, and
//! stopped when the guard is dropped. See `components.md` §3 for the recipe.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::support;

pub struct Knot {
    pub port: u16,
    pub dir: tempfile::TempDir,
    child: Child,
    kdig: PathBuf,
}

impl Knot {
    /// Start knotd serving `zones` (origin, master-file text). Each zone is
    /// checked with `kzonecheck` first, so a bad zone fails with its message.
    pub fn start(zones: &[(String, String)]) -> Knot {
        Knot::launch(zones, None)
    }

    /// Like `start`, with a TSIG key (hmac-sha256, base64 `secret`) that may
    /// send RFC 2136 updates to every zone, for dns-01.
    pub fn start_with_tsig(zones: &[(String, String)], key: &str, secret: &str) -> Knot {
        Knot::launch(zones, Some((key, secret)))
    }

    fn launch(zones: &[(String, String)], tsig: Option<(&str, &str)>) -> Knot {
        let knotd = support::require_program("knotd");
        let kdig = support::require_program("kdig");
        let dir = tempfile::tempdir().expect("temp dir");
        for sub in ["run", "db", "zones"] {
            std::fs::create_dir_all(dir.path().join(sub)).expect("knot dirs");
        }
        let mut zone_conf = String::new();
        for (origin, text) in zones {
            let path = dir.path().join("zones").join(format!("{origin}.zone"));
            std::fs::write(&path, text).expect("write zone");
            kzonecheck(origin, &path);
            let _ = writeln!(zone_conf, "  - domain: {origin}");
            if tsig.is_some() {
                zone_conf.push_str("    acl: tsig-update\n");
            }
        }
        // Updates need a journal; zones that are only served do not.
        let (key_conf, journal) = match tsig {
            Some((key, secret)) => (
                format!(
                    "key:\n  - id: {key}\n    algorithm: hmac-sha256\n    secret: {secret}\n\
                     acl:\n  - id: tsig-update\n    address: [ 127.0.0.0/8 ]\n    key: {key}\n    action: update\n"
                ),
                "changes",
            ),
            None => (String::new(), "none"),
        };
        let port = free_port();
        let root = dir.path().display();
        let conf = format!(
            "server:\n    rundir: \"{root}/run\"\n    pidfile: \"{root}/run/knot.pid\"\n    listen: [ 127.0.0.1@{port} ]\n\
             log:\n  - target: stderr\n    any: info\n\
             database:\n    storage: \"{root}/db\"\n\
             {key_conf}\
             template:\n  - id: default\n    storage: \"{root}/zones\"\n    file: \"%s.zone\"\n    semantic-checks: on\n    zonefile-sync: -1\n    zonefile-load: whole\n    journal-content: {journal}\n\
             zone:\n{zone_conf}"
        );
        let conf_path = dir.path().join("knot.conf");
        std::fs::write(&conf_path, conf).expect("write knot.conf");
        let log = std::fs::File::create(dir.path().join("knotd.log")).expect("knotd log");
        let child = Command::new(knotd)
            .arg("-c")
            .arg(&conf_path)
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .expect("knotd starts");
        let knot = Knot {
            port,
            dir,
            child,
            kdig,
        };
        knot.wait_ready(&zones[0].0);
        knot
    }

    /// Poll over TCP until the first zone's SOA is served (UDP probes sent
    /// before knotd binds wait out their whole timeout).
    fn wait_ready(&self, origin: &str) {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if !self.kdig(origin, "SOA").is_empty() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let log = std::fs::read_to_string(self.dir.path().join("knotd.log")).unwrap_or_default();
        panic!("knotd did not serve {origin} within 10 s; its log:\n{log}");
    }

    /// `kdig +short` answers for `name` and `rtype`, one per line.
    pub fn kdig(&self, name: &str, rtype: &str) -> Vec<String> {
        let output = Command::new(&self.kdig)
            .args([
                "@127.0.0.1",
                "-p",
                &self.port.to_string(),
                "+tcp",
                "+short",
                "+timeout=2",
                "+retry=0",
                rtype,
                name,
            ])
            .output()
            .expect("kdig runs");
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(str::to_owned)
            .filter(|l| !l.is_empty())
            .collect()
    }
}

impl Knot {
    /// An unbound configuration (for libunbound users such as
    /// `opendkim-testkey`) that sends queries for `origins` to this server.
    pub fn unbound_config(&self, origins: &[String]) -> PathBuf {
        let mut conf = String::from(
            "server:\n    do-not-query-localhost: no\n    module-config: \"iterator\"\n    chroot: \"\"\n    username: \"\"\n    use-syslog: no\n",
        );
        for origin in origins {
            let _ = write!(
                conf,
                "stub-zone:\n    name: \"{origin}\"\n    stub-addr: 127.0.0.1@{}\n",
                self.port
            );
        }
        let path = self.dir.path().join("unbound.conf");
        std::fs::write(&path, conf).expect("write unbound.conf");
        path
    }
}

impl Drop for Knot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `kzonecheck -o ORIGIN FILE` must pass silently.
pub fn kzonecheck(origin: &str, path: &Path) {
    let program = support::require_program("kzonecheck");
    let run = support::run(Command::new(program).arg("-o").arg(origin).arg(path));
    assert_eq!(
        run.code,
        0,
        "kzonecheck rejected the zone {origin}:\n{}{}\n--- zone:\n{}",
        run.stdout,
        run.stderr,
        std::fs::read_to_string(path).unwrap_or_default()
    );
}

/// A port that was free a moment ago, for both TCP and UDP.
fn free_port() -> u16 {
    loop {
        let tcp = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = tcp.local_addr().expect("addr").port();
        if std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// The character-strings of a TXT answer in presentation form, joined:
/// `"ab" "c\"d"` → `abc"d`. Handles `\"`, `\\` and `\DDD`.
pub fn join_txt(answer: &str) -> String {
    let mut out = Vec::new();
    let bytes = answer.as_bytes();
    let mut i = 0;
    let mut quoted = false;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'"' => quoted = !quoted,
            b'\\' if i + 3 < bytes.len() + 1 && bytes[i + 1].is_ascii_digit() => {
                let n: u8 = answer[i + 1..i + 4].parse().expect("\\DDD escape");
                out.push(n);
                i += 3;
            }
            b'\\' => {
                out.push(bytes[i + 1]);
                i += 1;
            }
            b' ' if !quoted => {}
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).expect("TXT is UTF-8")
}

#[test]
fn txt_answers_are_joined() {
    assert_eq!(
        join_txt(r#""v=DKIM1; k=rsa; p=AB" "CD""#),
        "v=DKIM1; k=rsa; p=ABCD"
    );
    assert_eq!(join_txt(r#""a\"b\\c\059""#), "a\"b\\c;");
}
