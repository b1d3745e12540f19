//! Pebble, the ACME test CA, on loopback for the tests: its own TLS CA made
//! with openssl, free ports for the ACME and management listeners and for
//! the http-01 port it dials, `-dnsserver` pointing at a test Knot (never the
//! system resolver), no random validation sleeps, no authorization reuse.
//! Stopped when the guard is dropped. See `components.md` §2.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::support;

pub struct Pebble {
    /// The ACME listener, `https://127.0.0.1:<port>/dir`.
    pub port: u16,
    pub management_port: u16,
    /// The port Pebble dials for http-01 (its `httpPort`).
    pub http_port: u16,
    /// The CA of Pebble's own TLS certificate: `[acme] ca_bundle`.
    pub tls_ca: PathBuf,
    pub dir: tempfile::TempDir,
    child: Child,
}

fn openssl(args: &[&str]) {
    let run = support::run(Command::new(support::require_program("openssl")).args(args));
    assert_eq!(run.code, 0, "openssl {args:?}: {}", run.stderr);
}

impl Pebble {
    /// Start Pebble resolving through the DNS server on 127.0.0.1:`dns_port`,
    /// with extra environment variables (e.g. `PEBBLE_WFE_NONCEREJECT`).
    pub fn start(dns_port: u16, env: &[(&str, &str)]) -> Pebble {
        let pebble = support::require_program("pebble");
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        let path = |name: &str| d.join(name).display().to_string();
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "30",
            "-subj",
            "/CN=mailctl test pebble TLS CA",
            "-keyout",
            &path("ca.key"),
            "-out",
            &path("ca.pem"),
        ]);
        openssl(&[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-keyout",
            &path("key.pem"),
            "-out",
            &path("cert.csr"),
        ]);
        std::fs::write(
            d.join("ext.cnf"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth\n",
        )
        .expect("ext.cnf");
        openssl(&[
            "x509",
            "-req",
            "-in",
            &path("cert.csr"),
            "-CA",
            &path("ca.pem"),
            "-CAkey",
            &path("ca.key"),
            "-CAcreateserial",
            "-days",
            "30",
            "-extfile",
            &path("ext.cnf"),
            "-out",
            &path("cert.pem"),
        ]);
        // Free ports are picked by binding port 0 and letting go, so another
        // test can take one before Pebble binds it: then Pebble exits, and
        // starting again on new ports is the fix.
        let mut dir = Some(dir);
        for attempt in 1..=3 {
            let port = support::free_loopback_port();
            let management_port = support::free_loopback_port();
            let http_port = support::free_loopback_port();
            let tls_port = support::free_loopback_port();
            let d = dir
                .as_ref()
                .expect("kept until started")
                .path()
                .to_path_buf();
            let path = |name: &str| d.join(name).display().to_string();
            let config = serde_json::json!({
                "pebble": {
                    "listenAddress": format!("127.0.0.1:{port}"),
                    "managementListenAddress": format!("127.0.0.1:{management_port}"),
                    "certificate": path("cert.pem"),
                    "privateKey": path("key.pem"),
                    "httpPort": http_port,
                    "tlsPort": tls_port,
                    "ocspResponderURL": "",
                    "externalAccountBindingRequired": false
                }
            });
            std::fs::write(d.join("pebble-config.json"), config.to_string()).expect("config");
            let log = std::fs::File::create(d.join("pebble.log")).expect("log");
            let mut command = Command::new(&pebble);
            command
                .arg("-config")
                .arg(d.join("pebble-config.json"))
                .arg("-dnsserver")
                .arg(format!("127.0.0.1:{dns_port}"))
                .env("PEBBLE_VA_NOSLEEP", "1")
                .env("PEBBLE_AUTHZREUSE", "0")
                .env("PEBBLE_WFE_NONCEREJECT", "0")
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("log"))
                .stderr(log);
            for (key, value) in env {
                command.env(key, value);
            }
            let child = command.spawn().expect("pebble starts");
            let mut started = Pebble {
                port,
                management_port,
                http_port,
                tls_ca: d.join("ca.pem"),
                dir: dir.take().expect("kept until started"),
                child,
            };
            let start = Instant::now();
            loop {
                if started
                    .curl(port, "/dir")
                    .is_some_and(|b| b.contains("newOrder"))
                {
                    return started;
                }
                let exited = started.child.try_wait().ok().flatten().is_some();
                if exited && attempt < 3 {
                    eprintln!(
                        "pebble exited (attempt {attempt}), starting it on other ports; its log:\n{}",
                        started.log()
                    );
                    break;
                }
                assert!(
                    !exited && start.elapsed() < Duration::from_secs(15),
                    "pebble did not start; its log:\n{}",
                    started.log()
                );
                std::thread::sleep(Duration::from_millis(50));
            }
            dir = Some(std::mem::replace(
                &mut started.dir,
                tempfile::tempdir().expect("temp dir"),
            ));
        }
        unreachable!("the last attempt returns or panics")
    }

    pub fn directory(&self) -> String {
        format!("https://127.0.0.1:{}/dir", self.port)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("pebble.log")).unwrap_or_default()
    }

    fn curl(&self, port: u16, path: &str) -> Option<String> {
        let out = Command::new(support::require_program("curl"))
            .args(["-sf", "--max-time", "2", "--cacert"])
            .arg(&self.tls_ca)
            .arg(format!("https://127.0.0.1:{port}{path}"))
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// The root that issues certificates (new on every start), as PEM.
    pub fn issuing_root(&self) -> String {
        self.curl(self.management_port, "/roots/0")
            .expect("pebble's issuing root")
    }
}

impl Drop for Pebble {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
