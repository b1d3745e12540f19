//! Answering dns-01 (RFC 8555 §8.4): `_acme-challenge` TXT records added and
//! removed by RFC 2136 dynamic update, signed with TSIG (RFC 8945), and a
//! wait until the primary serves them.
//!
//! Hand-written on purpose: an UPDATE with a TSIG record and a TXT query
//! are a few hundred bytes of well-specified wire format, where the DNS
//! crates would bring a second resolver stack and DNSSEC crypto with them.
//! Everything goes over TCP to the one server `[acme] dns_server` names.
//! The calls block; they run while nothing else on the runtime needs to.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac as _};
use zeroize::Zeroizing;

use super::AcmeError;
use super::client::Progress;
use crate::spec::acme::{Dns01, TsigAlgorithm};

const TYPE_SOA: u16 = 6;
const TYPE_TXT: u16 = 16;
const TYPE_TSIG: u16 = 250;
const CLASS_IN: u16 = 1;
const CLASS_NONE: u16 = 254;
const CLASS_ANY: u16 = 255;
const OPCODE_UPDATE: u16 = 5 << 11;
const TTL: u32 = 60;
const FUDGE: u16 = 300;
const IO_TIMEOUT: Duration = Duration::from_secs(5);
/// How long to wait for the primary to serve a new record.
const SERVE_TIMEOUT: Duration = Duration::from_secs(60);

/// One `_acme-challenge` record.
#[derive(Debug, Clone)]
pub struct TxtRecord {
    pub name: String,
    pub value: String,
}

/// Read the base64 TSIG secret; the file must be readable by its owner only.
pub fn read_secret(path: &Path) -> Result<Zeroizing<Vec<u8>>, AcmeError> {
    let err = |reason: String| AcmeError::TsigSecret {
        path: path.to_path_buf(),
        reason,
    };
    let meta = std::fs::metadata(path).map_err(|e| err(format!("cannot be read: {e}")))?;
    let mode = meta.permissions().mode();
    if mode & 0o077 != 0 {
        return Err(err(format!(
            "can be read by other users (mode {:04o}); run `chmod 600 {}`",
            mode & 0o7777,
            path.display()
        )));
    }
    let text = Zeroizing::new(
        std::fs::read_to_string(path).map_err(|e| err(format!("cannot be read: {e}")))?,
    );
    // Accept the bare secret or a BIND/Knot style `secret: ...` / `secret "...";` line.
    let encoded = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            l.trim_start_matches("secret")
                .trim_start_matches(':')
                .trim()
                .trim_end_matches(';')
                .trim_matches('"')
        })
        .unwrap_or_default();
    let secret = STANDARD
        .decode(encoded)
        .map_err(|_| err("is not a base64 secret".into()))?;
    if secret.is_empty() {
        return Err(err("is empty".into()));
    }
    Ok(Zeroizing::new(secret))
}

/// Add the records, then wait until the server answers with every value.
pub async fn publish(
    dns: &Dns01,
    secret: &[u8],
    records: &[TxtRecord],
    progress: Progress<'_>,
) -> Result<(), AcmeError> {
    let update = |reason: String| AcmeError::DnsUpdate {
        name: records.first().map(|r| r.name.clone()).unwrap_or_default(),
        server: dns.server,
        reason,
    };
    let message = update_message(dns, records, CLASS_IN, TTL);
    let signed = sign(
        &message,
        &dns.tsig_key,
        dns.tsig_algorithm,
        secret,
        unix_now(),
    );
    exchange(dns.server, &signed)
        .and_then(|r| check_response(&r, &message))
        .map_err(update)?;
    progress(&format!(
        "published {} TXT record{} in `{}` at {}",
        records.len(),
        if records.len() == 1 { "" } else { "s" },
        dns.zone,
        dns.server
    ));
    let start = Instant::now();
    for record in records {
        loop {
            if let Ok(values) = query_txt(dns.server, &record.name)
                && values.contains(&record.value)
            {
                break;
            }
            if start.elapsed() > SERVE_TIMEOUT {
                return Err(AcmeError::DnsNotServed {
                    name: record.name.clone(),
                    server: dns.server,
                    seconds: SERVE_TIMEOUT.as_secs(),
                });
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    Ok(())
}

/// Remove the records again; a failure is reported, not returned, because
/// it must not hide the outcome of the order.
pub fn withdraw(dns: &Dns01, secret: &[u8], records: &[TxtRecord], progress: Progress<'_>) {
    let message = update_message(dns, records, CLASS_NONE, 0);
    let signed = sign(
        &message,
        &dns.tsig_key,
        dns.tsig_algorithm,
        secret,
        unix_now(),
    );
    match exchange(dns.server, &signed).and_then(|r| check_response(&r, &message)) {
        Ok(()) => progress(&format!(
            "removed the `_acme-challenge` records from `{}`",
            dns.zone
        )),
        Err(reason) => progress(&format!(
            "warning: could not remove the `_acme-challenge` records from `{}` at {}: {reason}",
            dns.zone, dns.server
        )),
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn push_name(out: &mut Vec<u8>, name: &str) {
    for label in name
        .trim_end_matches('.')
        .split('.')
        .filter(|l| !l.is_empty())
    {
        out.push(u8::try_from(label.len()).unwrap_or(63));
        out.extend(label.bytes().map(|b| b.to_ascii_lowercase()));
    }
    out.push(0);
}

fn push_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

fn push_txt_rdata(out: &mut Vec<u8>, value: &str) {
    let chunks: Vec<&[u8]> = value.as_bytes().chunks(255).collect();
    let len: usize = chunks.iter().map(|c| c.len() + 1).sum();
    push_u16(out, u16::try_from(len).unwrap_or(u16::MAX));
    for chunk in chunks {
        out.push(u8::try_from(chunk.len()).unwrap_or(255));
        out.extend_from_slice(chunk);
    }
}

/// An UPDATE for `zone`: add (`CLASS_IN`) or delete (`CLASS_NONE`) each
/// record, without the TSIG record.
fn update_message(dns: &Dns01, records: &[TxtRecord], class: u16, ttl: u32) -> Vec<u8> {
    let id =
        u16::try_from(rand_core::RngCore::next_u32(&mut rand_core::OsRng) & 0xffff).unwrap_or(0);
    let mut m = Vec::with_capacity(512);
    push_u16(&mut m, id);
    push_u16(&mut m, OPCODE_UPDATE);
    push_u16(&mut m, 1); // ZOCOUNT
    push_u16(&mut m, 0); // PRCOUNT
    push_u16(&mut m, u16::try_from(records.len()).unwrap_or(u16::MAX)); // UPCOUNT
    push_u16(&mut m, 0); // ADCOUNT
    push_name(&mut m, &dns.zone);
    push_u16(&mut m, TYPE_SOA);
    push_u16(&mut m, CLASS_IN);
    for record in records {
        push_name(&mut m, &record.name);
        push_u16(&mut m, TYPE_TXT);
        push_u16(&mut m, class);
        m.extend_from_slice(&ttl.to_be_bytes());
        push_txt_rdata(&mut m, &record.value);
    }
    m
}

fn algorithm_name(algorithm: TsigAlgorithm) -> &'static str {
    algorithm.name()
}

fn mac(algorithm: TsigAlgorithm, secret: &[u8], data: &[u8]) -> Vec<u8> {
    macro_rules! hmac {
        ($digest:ty) => {{
            let mut mac =
                Hmac::<$digest>::new_from_slice(secret).expect("HMAC takes any key length");
            mac.update(data);
            mac.finalize().into_bytes().to_vec()
        }};
    }
    match algorithm {
        TsigAlgorithm::HmacSha256 => hmac!(sha2::Sha256),
        TsigAlgorithm::HmacSha384 => hmac!(sha2::Sha384),
        TsigAlgorithm::HmacSha512 => hmac!(sha2::Sha512),
    }
}

/// Append a TSIG record (RFC 8945 §4.2) signing `message`.
fn sign(message: &[u8], key: &str, algorithm: TsigAlgorithm, secret: &[u8], now: u64) -> Vec<u8> {
    let time = now.to_be_bytes();
    let time48 = &time[2..8];
    // The TSIG variables (§4.3.3) after the message.
    let mut digest_input = message.to_vec();
    push_name(&mut digest_input, key);
    push_u16(&mut digest_input, CLASS_ANY);
    digest_input.extend_from_slice(&0u32.to_be_bytes());
    push_name(&mut digest_input, algorithm_name(algorithm));
    digest_input.extend_from_slice(time48);
    push_u16(&mut digest_input, FUDGE);
    push_u16(&mut digest_input, 0); // error
    push_u16(&mut digest_input, 0); // other len
    let mac = mac(algorithm, secret, &digest_input);

    let mut rdata = Vec::new();
    push_name(&mut rdata, algorithm_name(algorithm));
    rdata.extend_from_slice(time48);
    push_u16(&mut rdata, FUDGE);
    push_u16(&mut rdata, u16::try_from(mac.len()).unwrap_or(0));
    rdata.extend_from_slice(&mac);
    rdata.extend_from_slice(&message[..2]); // original ID
    push_u16(&mut rdata, 0);
    push_u16(&mut rdata, 0);

    let mut out = message.to_vec();
    let adcount = u16::from_be_bytes([out[10], out[11]]) + 1;
    out[10..12].copy_from_slice(&adcount.to_be_bytes());
    push_name(&mut out, key);
    push_u16(&mut out, TYPE_TSIG);
    push_u16(&mut out, CLASS_ANY);
    out.extend_from_slice(&0u32.to_be_bytes());
    push_u16(&mut out, u16::try_from(rdata.len()).unwrap_or(0));
    out.extend_from_slice(&rdata);
    out
}

/// Send one message over TCP and read the answer.
fn exchange(server: SocketAddr, message: &[u8]) -> Result<Vec<u8>, String> {
    let mut stream = TcpStream::connect_timeout(&server, IO_TIMEOUT)
        .map_err(|e| format!("cannot connect: {e}"))?;
    stream
        .set_read_timeout(Some(IO_TIMEOUT))
        .map_err(|e| e.to_string())?;
    stream
        .set_write_timeout(Some(IO_TIMEOUT))
        .map_err(|e| e.to_string())?;
    let mut framed = u16::try_from(message.len())
        .map_err(|_| "message too long")?
        .to_be_bytes()
        .to_vec();
    framed.extend_from_slice(message);
    stream
        .write_all(&framed)
        .map_err(|e| format!("cannot send: {e}"))?;
    let mut len = [0u8; 2];
    stream
        .read_exact(&mut len)
        .map_err(|e| format!("no answer: {e}"))?;
    let mut answer = vec![0u8; usize::from(u16::from_be_bytes(len))];
    stream
        .read_exact(&mut answer)
        .map_err(|e| format!("short answer: {e}"))?;
    Ok(answer)
}

fn rcode_name(rcode: u16) -> String {
    match rcode {
        1 => "FORMERR".into(),
        2 => "SERVFAIL".into(),
        3 => "NXDOMAIN".into(),
        4 => "NOTIMP".into(),
        5 => "REFUSED (the server does not allow this update)".into(),
        8 => "NXRRSET".into(),
        9 => "NOTAUTH (the TSIG key or secret is wrong, or the server is not authoritative for the zone)".into(),
        10 => "NOTZONE (a name is outside the zone)".into(),
        n => format!("RCODE {n}"),
    }
}

fn check_response(response: &[u8], request: &[u8]) -> Result<(), String> {
    if response.len() < 12 || response[..2] != request[..2] {
        return Err("the answer does not match the request".into());
    }
    let flags = u16::from_be_bytes([response[2], response[3]]);
    match flags & 0x000f {
        0 => Ok(()),
        rcode => Err(format!("the server answered {}", rcode_name(rcode))),
    }
}

/// The TXT values at `name`, asked of `server` directly over TCP.
pub fn query_txt(server: SocketAddr, name: &str) -> Result<Vec<String>, String> {
    let id =
        u16::try_from(rand_core::RngCore::next_u32(&mut rand_core::OsRng) & 0xffff).unwrap_or(0);
    let mut q = Vec::with_capacity(64);
    push_u16(&mut q, id);
    push_u16(&mut q, 0);
    push_u16(&mut q, 1);
    push_u16(&mut q, 0);
    push_u16(&mut q, 0);
    push_u16(&mut q, 0);
    push_name(&mut q, name);
    push_u16(&mut q, TYPE_TXT);
    push_u16(&mut q, CLASS_IN);
    let r = exchange(server, &q)?;
    check_response(&r, &q)?;
    parse_txt_answers(&r).ok_or_else(|| "malformed answer".to_owned())
}

fn skip_name(m: &[u8], mut i: usize) -> Option<usize> {
    loop {
        let len = *m.get(i)?;
        if len & 0xc0 == 0xc0 {
            return Some(i + 2);
        }
        if len == 0 {
            return Some(i + 1);
        }
        i += 1 + usize::from(len);
    }
}

fn parse_txt_answers(m: &[u8]) -> Option<Vec<String>> {
    let u16_at = |i: usize| Some(u16::from_be_bytes([*m.get(i)?, *m.get(i + 1)?]));
    let qd = u16_at(4)?;
    let an = u16_at(6)?;
    let mut i = 12;
    for _ in 0..qd {
        i = skip_name(m, i)? + 4;
    }
    let mut values = Vec::new();
    for _ in 0..an {
        i = skip_name(m, i)?;
        let rtype = u16_at(i)?;
        let rdlen = usize::from(u16_at(i + 8)?);
        let rdata = m.get(i + 10..i + 10 + rdlen)?;
        i += 10 + rdlen;
        if rtype == TYPE_TXT {
            let mut value = Vec::new();
            let mut j = 0;
            while j < rdata.len() {
                let len = usize::from(rdata[j]);
                value.extend_from_slice(rdata.get(j + 1..j + 1 + len)?);
                j += 1 + len;
            }
            values.push(String::from_utf8_lossy(&value).into_owned());
        }
    }
    Some(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_wire_encoded_in_lower_case() {
        let mut out = Vec::new();
        push_name(&mut out, "_acme-challenge.Example.TEST.");
        assert_eq!(out, b"\x0f_acme-challenge\x07example\x04test\x00");
    }

    #[test]
    fn tsig_record_is_appended_and_counted() {
        let dns = Dns01 {
            server: "127.0.0.1:53".parse().unwrap(),
            zone: "example.test".into(),
            tsig_key: "mailctl-key".into(),
            tsig_algorithm: TsigAlgorithm::HmacSha256,
            tsig_secret_file: "/dev/null".into(),
        };
        let records = [TxtRecord {
            name: "_acme-challenge.mail.example.test".into(),
            value: "abc".into(),
        }];
        let message = update_message(&dns, &records, CLASS_IN, TTL);
        let signed = sign(
            &message,
            "mailctl-key",
            TsigAlgorithm::HmacSha256,
            b"secret",
            1_700_000_000,
        );
        assert_eq!(&signed[..10], &message[..10]);
        assert_eq!(&signed[12..message.len()], &message[12..]);
        assert_eq!(u16::from_be_bytes([signed[10], signed[11]]), 1);
        // The MAC is deterministic for a fixed time and key.
        let again = sign(
            &message,
            "mailctl-key",
            TsigAlgorithm::HmacSha256,
            b"secret",
            1_700_000_000,
        );
        assert_eq!(signed, again);
    }

    #[test]
    fn txt_answers_are_parsed_with_compression() {
        // Header: 1 question, 1 answer.
        let mut m = vec![0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0];
        push_name(&mut m, "a.test");
        push_u16(&mut m, TYPE_TXT);
        push_u16(&mut m, CLASS_IN);
        m.extend_from_slice(&[0xc0, 12]);
        push_u16(&mut m, TYPE_TXT);
        push_u16(&mut m, CLASS_IN);
        m.extend_from_slice(&60u32.to_be_bytes());
        push_txt_rdata(&mut m, "token-value");
        assert_eq!(parse_txt_answers(&m).unwrap(), ["token-value"]);
    }
}
