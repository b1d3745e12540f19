//! Answering http-01 (RFC 8555 §8.3): either a minimal responder of our own,
//! which answers only `GET /.well-known/acme-challenge/<token>` and stops when
//! the order is done, or token files in a web server's document root, removed
//! afterwards.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

use super::{AcmeError, create_dir, write_atomic};

const PREFIX: &str = "/.well-known/acme-challenge/";
/// Connections answered at once (validation servers use a handful).
const MAX_CONNECTIONS: usize = 64;
/// The pause after a failed accept.
const ACCEPT_RETRY: Duration = Duration::from_millis(100);
/// How long a client may take to send its request: a validation server
/// sends it at once, and an idle connection must not hold a slot for long.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);

/// Token → key authorization.
type Tokens = Arc<Mutex<HashMap<String, String>>>;

/// The standalone responder; it stops when dropped.
pub struct Responder {
    tokens: Tokens,
    task: tokio::task::JoinHandle<()>,
    pub address: SocketAddr,
}

impl Responder {
    /// Bind `address` and start answering. Must run inside a tokio runtime.
    pub async fn start(address: SocketAddr) -> Result<Responder, AcmeError> {
        let listener = TcpListener::bind(address)
            .await
            .map_err(|source| AcmeError::Listen { address, source })?;
        let address = listener.local_addr().unwrap_or(address);
        let tokens: Tokens = Arc::default();
        let shared = tokens.clone();
        // At most this many connections are answered at once: a flood of
        // connections waits in the backlog instead of using up our files.
        let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
        let task = tokio::spawn(async move {
            loop {
                let Ok(slot) = slots.clone().acquire_owned().await else {
                    return;
                };
                let Ok((stream, _)) = listener.accept().await else {
                    // Out of file descriptors (EMFILE, ENFILE) or a connection
                    // reset before we took it: pause rather than spin, since
                    // accept fails again at once while the cause lasts.
                    tokio::time::sleep(ACCEPT_RETRY).await;
                    continue;
                };
                let tokens = shared.clone();
                tokio::spawn(async move {
                    let _ =
                        tokio::time::timeout(Duration::from_secs(10), answer(stream, tokens)).await;
                    drop(slot);
                });
            }
        });
        Ok(Responder {
            tokens,
            task,
            address,
        })
    }

    pub fn add(&self, token: &str, key_authorization: &str) {
        self.tokens
            .lock()
            .expect("token map")
            .insert(token.to_owned(), key_authorization.to_owned());
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Read one request head and answer it; the connection closes after.
async fn answer(mut stream: tokio::net::TcpStream, tokens: Tokens) -> std::io::Result<()> {
    let Ok(head) = tokio::time::timeout(REQUEST_TIMEOUT, read_head(&mut stream)).await else {
        return Ok(());
    };
    let Some(head) = head? else {
        return Ok(());
    };
    let line = head.split(|&b| b == b'\n').next().unwrap_or(b"");
    let line = String::from_utf8_lossy(line);
    let mut parts = line.trim_end().split(' ');
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let body = if method == "GET" {
        target
            .strip_prefix(PREFIX)
            .filter(|t| {
                !t.is_empty()
                    && t.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            })
            .and_then(|t| tokens.lock().expect("token map").get(t).cloned())
    } else {
        None
    };
    let response = match body {
        Some(body) => format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
        None => {
            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_owned()
        }
    };
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

/// The request head (up to the empty line); `None` when the client closes
/// first or sends more than 8 KiB without ending it.
async fn read_head(stream: &mut tokio::net::TcpStream) -> std::io::Result<Option<Vec<u8>>> {
    let mut head = Vec::with_capacity(512);
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && !head.windows(2).any(|w| w == b"\n\n") {
        let n = stream.read(&mut buf).await?;
        if n == 0 || head.len() > 8192 {
            return Ok(None);
        }
        head.extend_from_slice(&buf[..n]);
    }
    Ok(Some(head))
}

/// Token files under a web server's document root; removed when dropped.
pub struct Webroot {
    dir: PathBuf,
    written: Vec<PathBuf>,
    created_dir: bool,
}

impl Webroot {
    pub fn new(root: &Path) -> Result<Webroot, AcmeError> {
        let dir = root.join(".well-known").join("acme-challenge");
        let created_dir = !dir.exists();
        create_dir(&dir, 0o755)?;
        Ok(Webroot {
            dir,
            written: Vec::new(),
            created_dir,
        })
    }

    pub fn add(&mut self, token: &str, key_authorization: &str) -> Result<(), AcmeError> {
        // The token becomes a file name: RFC 8555 §8.1 makes it base64url,
        // and anything else (`../`) must not choose where root writes.
        if token.len() < 16
            || !token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(AcmeError::BadToken {
                token: token.escape_debug().to_string(),
            });
        }
        let path = self.dir.join(token);
        write_atomic(&path, key_authorization.as_bytes(), 0o644)?;
        self.written.push(path);
        Ok(())
    }
}

impl Drop for Webroot {
    fn drop(&mut self) {
        for path in &self.written {
            let _ = std::fs::remove_file(path);
        }
        if self.created_dir {
            let _ = std::fs::remove_dir(&self.dir);
            if let Some(parent) = self.dir.parent() {
                let _ = std::fs::remove_dir(parent);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn get(address: SocketAddr, path: &str) -> std::io::Result<String> {
        let mut stream = tokio::net::TcpStream::connect(address).await?;
        stream
            .write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
            .await?;
        let mut response = String::new();
        stream.read_to_string(&mut response).await?;
        Ok(response)
    }

    #[tokio::test]
    async fn answers_only_known_tokens() {
        let responder = Responder::start("127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        responder.add("tok-1", "tok-1.thumbprint");
        let known = get(responder.address, "/.well-known/acme-challenge/tok-1")
            .await
            .unwrap();
        assert!(known.starts_with("HTTP/1.1 200 OK"), "{known}");
        assert!(known.ends_with("\r\n\r\ntok-1.thumbprint"), "{known}");
        for path in [
            "/.well-known/acme-challenge/tok-2",
            "/.well-known/acme-challenge/../tok-1",
            "/tok-1",
        ] {
            let other = get(responder.address, path).await.unwrap();
            assert!(other.starts_with("HTTP/1.1 404"), "{path}: {other}");
        }
    }

    /// A responder with a token, and `MAX_CONNECTIONS` connections to it
    /// that send nothing.
    async fn full_responder() -> (Responder, Vec<tokio::net::TcpStream>) {
        let responder = Responder::start("127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        responder.add("tok", "tok.thumbprint");
        let mut idle = Vec::new();
        for _ in 0..MAX_CONNECTIONS {
            idle.push(
                tokio::net::TcpStream::connect(responder.address)
                    .await
                    .unwrap(),
            );
        }
        (responder, idle)
    }

    /// Idle connections hold at most `MAX_CONNECTIONS` answers at once; the
    /// next waits in the backlog and is answered when one of them closes.
    #[tokio::test]
    async fn a_flood_of_idle_connections_waits_in_the_backlog() {
        let (responder, mut idle) = full_responder().await;
        let waiting = tokio::spawn(get(responder.address, "/.well-known/acme-challenge/tok"));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!waiting.is_finished(), "answered beyond the limit");
        drop(idle.pop());
        let answer = tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("answered once a slot was free")
            .unwrap()
            .unwrap();
        assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    }

    /// A connection that sends nothing loses its slot after
    /// `REQUEST_TIMEOUT`, so idle connections cannot keep the CA's
    /// validation request waiting for long.
    #[tokio::test]
    async fn idle_connections_give_their_slots_back() {
        let (responder, idle) = full_responder().await;
        // None of the idle connections is closed by the client.
        let answer = tokio::time::timeout(
            REQUEST_TIMEOUT * 3,
            get(responder.address, "/.well-known/acme-challenge/tok"),
        )
        .await
        .expect("answered once the idle connections timed out")
        .unwrap();
        assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
        drop(idle);
    }
}
