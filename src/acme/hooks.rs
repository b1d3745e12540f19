//! Deploy hooks: argument lists from `[acme] deploy_hooks`, run without a
//! shell after a new certificate is in place, with its paths in the
//! environment.

use std::io::Read;
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal, kill_process_group};

use super::AcmeError;

/// What a hook learns about the new certificate.
#[derive(Debug, Clone)]
pub struct Deployed<'a> {
    pub fullchain: &'a Path,
    pub privkey: &'a Path,
    pub dir: &'a Path,
    pub names: &'a [String],
    pub version: &'a str,
}

/// The environment variables each hook gets.
pub fn environment(d: &Deployed) -> Vec<(&'static str, String)> {
    vec![
        ("MAILCTL_CERT_FULLCHAIN", d.fullchain.display().to_string()),
        ("MAILCTL_CERT_KEY", d.privkey.display().to_string()),
        ("MAILCTL_CERT_DIR", d.dir.display().to_string()),
        ("MAILCTL_CERT_NAMES", d.names.join(" ")),
        ("MAILCTL_CERT_VERSION", d.version.to_owned()),
    ]
}

/// How much of a hook's output is kept (the last bytes of each stream).
pub const OUTPUT_LIMIT: usize = 64 * 1024;

/// Read `stream` to its end on a thread, keeping only its last
/// `OUTPUT_LIMIT` bytes, so a chatty hook cannot fill the memory.
fn capture(mut stream: impl Read + Send + 'static) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            match stream.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    kept.extend_from_slice(&buf[..n]);
                    if kept.len() > OUTPUT_LIMIT {
                        kept.drain(..kept.len() - OUTPUT_LIMIT);
                    }
                }
            }
        }
        let _ = tx.send(kept);
    });
    rx
}

/// Run one hook in its own process group, killing the group when it runs
/// longer than `timeout`; its output comes back for the caller to show.
pub fn run(argv: &[String], deployed: &Deployed, timeout: Duration) -> Result<String, AcmeError> {
    let shown = argv.join(" ");
    let mut child = Command::new(&argv[0])
        .args(&argv[1..])
        .envs(environment(deployed))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(|e| AcmeError::Hook {
            hook: shown.clone(),
            outcome: format!("could not be started: {e}"),
        })?;
    let stdout = child.stdout.take().map(capture);
    let stderr = child.stderr.take().map(capture);
    let started = Instant::now();
    let wait_error = |e: std::io::Error| AcmeError::Hook {
        hook: shown.clone(),
        outcome: format!("could not be waited for: {e}"),
    };
    let status = loop {
        if let Some(status) = child.try_wait().map_err(wait_error)? {
            break Some(status);
        }
        if started.elapsed() >= timeout {
            // The whole group: `sh -c` and what it started.
            let _ = kill_process_group(Pid::from_child(&child), Signal::KILL);
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // A process that left the group may still hold the pipes: do not wait
    // for it long.
    let collect = |rx: Option<mpsc::Receiver<Vec<u8>>>| {
        rx.and_then(|rx| rx.recv_timeout(Duration::from_secs(1)).ok())
            .unwrap_or_default()
    };
    let mut text = String::from_utf8_lossy(&collect(stdout)).into_owned();
    text.push_str(&String::from_utf8_lossy(&collect(stderr)));
    let status = match status {
        Some(status) if status.success() => return Ok(text),
        Some(status) => status.code().map_or_else(
            || "was killed by a signal".to_owned(),
            |c| format!("exited with status {c}"),
        ),
        None => format!(
            "did not finish within {} s and was killed",
            timeout.as_secs_f64()
        ),
    };
    let detail = text.trim();
    Err(AcmeError::Hook {
        hook: shown,
        outcome: if detail.is_empty() {
            status
        } else {
            format!("{status}: {detail}")
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployed() -> Deployed<'static> {
        Deployed {
            fullchain: Path::new("/nonexistent/fullchain.pem"),
            privkey: Path::new("/nonexistent/privkey.pem"),
            dir: Path::new("/nonexistent"),
            names: &[],
            version: "0001",
        }
    }

    fn argv(args: &[&str]) -> Vec<String> {
        args.iter().map(|&a| a.to_owned()).collect()
    }

    #[test]
    fn a_hung_hook_and_its_children_are_killed() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        // The child of `sh` is in the same group and must die too.
        let script = format!("sleep 30 & echo $! > {}; wait", pid_file.display());
        let started = Instant::now();
        let err = run(
            &argv(&["sh", "-c", &script]),
            &deployed(),
            Duration::from_millis(300),
        )
        .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(
            err.to_string().contains("did not finish within 0.3 s"),
            "{err}"
        );
        let pid = std::fs::read_to_string(&pid_file).unwrap();
        std::thread::sleep(Duration::from_millis(200));
        let alive = std::fs::read_to_string(format!("/proc/{}/stat", pid.trim()))
            .is_ok_and(|s| !s.contains(") Z "));
        assert!(!alive, "the hook's child `sleep` survived");
    }

    #[test]
    fn output_is_capped_to_its_end() {
        let text = run(
            &argv(&[
                "sh",
                "-c",
                "head -c 300000 /dev/zero | tr '\\0' a; echo END",
            ]),
            &deployed(),
            Duration::from_secs(30),
        )
        .unwrap();
        assert!(text.len() <= OUTPUT_LIMIT, "{}", text.len());
        assert!(text.ends_with("END\n"));
    }
}
