//! The shared test harness: run the built binary, find the real programs the
//! tests need (failing loudly when one is missing), and paths to the repo's
//! files.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root.
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A file under `examples/`.
pub fn example(name: &str) -> PathBuf {
    repo().join("examples").join(name)
}

/// Every example spec, sorted.
pub fn examples() -> Vec<PathBuf> {
    let mut specs: Vec<PathBuf> = std::fs::read_dir(repo().join("examples"))
        .expect("examples/ exists")
        .map(|e| e.expect("readable").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    specs.sort();
    specs
}

/// The `mailctl` binary under test, with a clean environment: no colour, no
/// spec from the environment.
pub fn mailctl() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mailctl"));
    command.env_remove("MAILCTL_SPEC").env("NO_COLOR", "1");
    command
}

/// The path of a program the tests need. Panics with an install hint when it
/// is missing: a test that needs a real server never skips quietly.
pub fn require_program(name: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/bin"), PathBuf::from("/sbin")])
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("`{name}` is not installed; the tests need it. Run `bash .ci/run` (it installs the Debian packages), or apt-get install the package that ships `{name}`")
        })
}

/// Date every file in `dir` back by ten seconds: Postfix tools sleep up to
/// two seconds on a main.cf or map source written within the last second.
pub fn backdate(dir: &Path) {
    let past = filetime::FileTime::from_unix_time(filetime::FileTime::now().unix_seconds() - 10, 0);
    for entry in std::fs::read_dir(dir).expect("readable dir") {
        let path = entry.expect("readable").path();
        if path.is_file() {
            filetime::set_file_mtime(&path, past).expect("set mtime");
        }
    }
}

/// The output of a finished command, as text.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Run a command to completion.
pub fn run(command: &mut Command) -> Run {
    let output = command.output().expect("command runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Replace a temporary directory's path with `[TMP]` in output.
pub fn redact(text: &str, dir: &Path) -> String {
    text.replace(&dir.display().to_string(), "[TMP]")
        .replace(&repo().display().to_string(), "[REPO]")
}

/// A TCP port on 127.0.0.1 that was free a moment ago: bind port 0, read the
/// port the kernel chose, and let it go for a server under test to take.
pub fn free_loopback_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("bind a port on 127.0.0.1")
        .port()
}

/// Wait until something accepts TCP connections on 127.0.0.1:`port`;
/// `false` after `timeout`.
pub fn wait_for_port(port: u16, timeout: std::time::Duration) -> bool {
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if std::net::TcpStream::connect_timeout(&address, std::time::Duration::from_millis(200))
            .is_ok()
        {
            return true;
        }
        if std::time::Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Wait until a socket listens on 127.0.0.1:`port`, without connecting to
/// it: read from `/proc/net/tcp` (state `0A` is LISTEN). For servers that a
/// bare connect upsets: `OpenDKIM` 2.11 can crash on the next milter
/// connection after one that closed without a word (upstream issue #128),
/// and a bare connect to Postfix with a milter is one of those.
/// `false` after `timeout`.
pub fn wait_for_listen(port: u16, timeout: std::time::Duration) -> bool {
    let local = format!("0100007F:{port:04X}");
    let deadline = std::time::Instant::now() + timeout;
    loop {
        let table = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
        let listening = table.lines().skip(1).any(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            fields.get(1) == Some(&local.as_str()) && fields.get(3) == Some(&"0A")
        });
        if listening {
            return true;
        }
        if std::time::Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
