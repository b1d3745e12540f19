//! Answering dns-01 (RFC 8555 §8.4): `_acme-challenge` TXT records added and
//! removed by RFC 2136 dynamic update, signed with TSIG (RFC 8945), and a
//! wait until the primary serves them. Answers to an UPDATE count only when
//! their TSIG signature verifies (RFC 8945 §5.3).
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
    send_update(dns, secret, &message).map_err(update)?;
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
    match send_update(dns, secret, &message) {
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

/// Sign an UPDATE, send it, and accept only a signed success.
fn send_update(dns: &Dns01, secret: &[u8], message: &[u8]) -> Result<(), String> {
    let (signed, mac) = sign(
        message,
        &dns.tsig_key,
        dns.tsig_algorithm,
        secret,
        unix_now(),
    );
    let response = exchange(dns.server, &signed)?;
    judge_update(
        &response,
        message,
        &mac,
        &dns.tsig_key,
        dns.tsig_algorithm,
        secret,
        unix_now(),
    )
}

/// Whether the answer to an UPDATE says it was done, signed by the server.
/// A server that refuses our signature answers NOTAUTH and says why in the
/// TSIG error of its answer (BADSIG, BADKEY, BADTIME): that reason is the
/// one to show.
fn judge_update(
    response: &[u8],
    request: &[u8],
    request_mac: &[u8],
    key: &str,
    algorithm: TsigAlgorithm,
    secret: &[u8],
    now: u64,
) -> Result<(), String> {
    if let Err(reason) = check_response(response, request) {
        let ours = response.get(..2) == request.get(..2);
        if ours
            && let Ok(Some(tsig)) = response_tsig(response)
            && tsig.error != 0
        {
            return Err(format!(
                "the server refused the signature: {}",
                tsig_error_name(tsig.error)
            ));
        }
        return Err(reason);
    }
    verify_response(response, request_mac, key, algorithm, secret, now)
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

/// Append a TSIG record (RFC 8945 §4.2) signing `message`; also returns
/// the MAC, which the response's signature covers (§5.3).
fn sign(
    message: &[u8],
    key: &str,
    algorithm: TsigAlgorithm,
    secret: &[u8],
    now: u64,
) -> (Vec<u8>, Vec<u8>) {
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
    (out, mac)
}

/// The TSIG record at the end of a response, as RFC 8945 §4.2 lays it out.
struct ResponseTsig {
    /// Where the record starts: the signed part of the message ends here.
    start: usize,
    /// Key and algorithm names in canonical form (uncompressed, lower case).
    key: Vec<u8>,
    algorithm: Vec<u8>,
    time: [u8; 6],
    fudge: u16,
    mac: Vec<u8>,
    original_id: [u8; 2],
    error: u16,
    other: Vec<u8>,
}

/// A name at `i` in canonical wire form, following compression pointers,
/// and the offset after it where it appears.
fn read_name(m: &[u8], mut i: usize) -> Option<(Vec<u8>, usize)> {
    let mut name = Vec::new();
    let mut after = None;
    // Each pointer must go backwards: no loops.
    let mut limit = i;
    loop {
        let len = *m.get(i)?;
        if len & 0xc0 == 0xc0 {
            let target = usize::from(u16::from_be_bytes([len & 0x3f, *m.get(i + 1)?]));
            after.get_or_insert(i + 2);
            if target >= limit {
                return None;
            }
            limit = target;
            i = target;
            continue;
        }
        name.push(len);
        if len == 0 {
            return Some((name, after.unwrap_or(i + 1)));
        }
        let label = m.get(i + 1..i + 1 + usize::from(len))?;
        name.extend(label.iter().map(u8::to_ascii_lowercase));
        i += 1 + usize::from(len);
    }
}

/// The response's TSIG record: `Ok(None)` when it has none, `Err` when
/// the message cannot be parsed.
fn response_tsig(m: &[u8]) -> Result<Option<ResponseTsig>, String> {
    let malformed = || "malformed answer".to_owned();
    let u16_at = |i: usize| -> Result<u16, String> {
        Ok(u16::from_be_bytes([
            *m.get(i).ok_or_else(malformed)?,
            *m.get(i + 1).ok_or_else(malformed)?,
        ]))
    };
    let counts = [u16_at(4)?, u16_at(6)?, u16_at(8)?, u16_at(10)?];
    let mut i = 12;
    for _ in 0..counts[0] {
        i = skip_name(m, i).ok_or_else(malformed)? + 4;
    }
    let records = counts[1..].iter().map(|&n| usize::from(n)).sum::<usize>();
    let mut last = None;
    for _ in 0..records {
        let start = i;
        i = skip_name(m, i).ok_or_else(malformed)?;
        let rtype = u16_at(i)?;
        let rdlen = usize::from(u16_at(i + 8)?);
        last = Some((start, rtype, i + 10, i + 10 + rdlen));
        i += 10 + rdlen;
    }
    if i > m.len() {
        return Err(malformed());
    }
    // TSIG is the last record of the additional section, or absent.
    if counts[3] == 0 {
        return Ok(None);
    }
    let Some((start, TYPE_TSIG, rdata, end)) = last else {
        return Ok(None);
    };
    let (key, _) = read_name(m, start).ok_or_else(malformed)?;
    let (algorithm, mut j) = read_name(m, rdata).ok_or_else(malformed)?;
    let time: [u8; 6] = m
        .get(j..j + 6)
        .and_then(|t| t.try_into().ok())
        .ok_or_else(malformed)?;
    let fudge = u16_at(j + 6)?;
    let mac_len = usize::from(u16_at(j + 8)?);
    let mac = m
        .get(j + 10..j + 10 + mac_len)
        .ok_or_else(malformed)?
        .to_vec();
    j += 10 + mac_len;
    let original_id = [
        *m.get(j).ok_or_else(malformed)?,
        *m.get(j + 1).ok_or_else(malformed)?,
    ];
    let error = u16_at(j + 2)?;
    let other_len = usize::from(u16_at(j + 4)?);
    let other = m
        .get(j + 6..j + 6 + other_len)
        .ok_or_else(malformed)?
        .to_vec();
    if j + 6 + other_len != end {
        return Err(malformed());
    }
    Ok(Some(ResponseTsig {
        start,
        key,
        algorithm,
        time,
        fudge,
        mac,
        original_id,
        error,
        other,
    }))
}

fn tsig_error_name(error: u16) -> String {
    match error {
        16 => "BADSIG (the TSIG secret is wrong)".into(),
        17 => "BADKEY (the server does not know the TSIG key)".into(),
        18 => {
            "BADTIME (this machine's clock and the server's differ by more than 5 minutes)".into()
        }
        22 => "BADTRUNC".into(),
        n => format!("TSIG error {n}"),
    }
}

/// Check the TSIG signature of a response (RFC 8945 §5.3): by the same key
/// and algorithm, over the request's MAC, the response without its TSIG
/// record, and the TSIG variables; signed within the fudge of `now`. A
/// response that is not signed is refused: anyone on the path could have
/// sent it.
fn verify_response(
    response: &[u8],
    request_mac: &[u8],
    key: &str,
    algorithm: TsigAlgorithm,
    secret: &[u8],
    now: u64,
) -> Result<(), String> {
    let tsig = response_tsig(response)?.ok_or_else(|| {
        "the answer carries no TSIG signature, so it may not come from the server".to_owned()
    })?;
    if tsig.error != 0 {
        return Err(format!(
            "the server refused the signature: {}",
            tsig_error_name(tsig.error)
        ));
    }
    let mut expected_key = Vec::new();
    push_name(&mut expected_key, key);
    let mut expected_algorithm = Vec::new();
    push_name(&mut expected_algorithm, algorithm_name(algorithm));
    if tsig.key != expected_key || tsig.algorithm != expected_algorithm {
        return Err("the answer is signed with another TSIG key or algorithm".into());
    }
    let mut digest_input = Vec::with_capacity(response.len() + 128);
    push_u16(
        &mut digest_input,
        u16::try_from(request_mac.len()).unwrap_or(0),
    );
    digest_input.extend_from_slice(request_mac);
    let message_start = digest_input.len();
    digest_input.extend_from_slice(&response[..tsig.start]);
    // The message as it was before the TSIG record was added: the original
    // ID, and one additional record fewer.
    digest_input[message_start..message_start + 2].copy_from_slice(&tsig.original_id);
    let arcount = u16::from_be_bytes([response[10], response[11]]).saturating_sub(1);
    digest_input[message_start + 10..message_start + 12].copy_from_slice(&arcount.to_be_bytes());
    digest_input.extend_from_slice(&tsig.key);
    push_u16(&mut digest_input, CLASS_ANY);
    digest_input.extend_from_slice(&0u32.to_be_bytes());
    digest_input.extend_from_slice(&tsig.algorithm);
    digest_input.extend_from_slice(&tsig.time);
    push_u16(&mut digest_input, tsig.fudge);
    push_u16(&mut digest_input, tsig.error);
    push_u16(
        &mut digest_input,
        u16::try_from(tsig.other.len()).unwrap_or(0),
    );
    digest_input.extend_from_slice(&tsig.other);
    if !mac_matches(algorithm, secret, &digest_input, &tsig.mac) {
        return Err("the answer's TSIG signature does not verify".into());
    }
    let mut time = [0u8; 8];
    time[2..].copy_from_slice(&tsig.time);
    let signed = u64::from_be_bytes(time);
    if signed.abs_diff(now) > u64::from(tsig.fudge) {
        return Err(format!(
            "the answer was signed at {signed}, {} s away from this machine's clock ({now})",
            signed.abs_diff(now)
        ));
    }
    Ok(())
}

/// Whether `mac` is the full HMAC of `data` (compared in constant time).
fn mac_matches(algorithm: TsigAlgorithm, secret: &[u8], data: &[u8], mac: &[u8]) -> bool {
    macro_rules! verify {
        ($digest:ty) => {{
            let mut hmac =
                Hmac::<$digest>::new_from_slice(secret).expect("HMAC takes any key length");
            hmac.update(data);
            hmac.verify_slice(mac).is_ok()
        }};
    }
    match algorithm {
        TsigAlgorithm::HmacSha256 => verify!(sha2::Sha256),
        TsigAlgorithm::HmacSha384 => verify!(sha2::Sha384),
        TsigAlgorithm::HmacSha512 => verify!(sha2::Sha512),
    }
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
        let (signed, mac) = sign(
            &message,
            "mailctl-key",
            TsigAlgorithm::HmacSha256,
            b"secret",
            1_700_000_000,
        );
        assert_eq!(mac.len(), 32);
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
        assert_eq!((signed, mac), again);
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

    /// A response to an UPDATE, signed by Knot 3.2 with `mailctl-key`
    /// (hmac-sha256), captured with dnspython, which verified it too.
    const KNOT_RESPONSE: &str = "b70ba8000001000000000001076578616d706c65047465737400000600010b6d61696c63746c2d6b65790000fa00ff00000000003d0b686d61632d7368613235360000006b0eba5c012c0020fe0f79fa4a56e46565a58ff7b5ac430e364bc3937a2d7159c60b284d06bdb8fbb70b00000000";
    const KNOT_REQUEST_MAC: &str =
        "5a3f52744e9d3f984bd54b3959773de3dee8ce6b6d17f51f9727965b5e4a30d2";
    const KNOT_SIGNED_AT: u64 = 1_796_127_324;
    const KNOT_SECRET: &str = "bWFpbGN0bC10ZXN0LXRzaWctc2VjcmV0LTMyYnl0ZXM=";

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    fn verify_knot(
        response: &[u8],
        request_mac: &[u8],
        secret: &[u8],
        now: u64,
    ) -> Result<(), String> {
        verify_response(
            response,
            request_mac,
            "mailctl-key",
            TsigAlgorithm::HmacSha256,
            secret,
            now,
        )
    }

    #[test]
    fn a_response_signed_by_knot_verifies_and_any_change_fails() {
        let response = hex(KNOT_RESPONSE);
        let mac = hex(KNOT_REQUEST_MAC);
        let secret = STANDARD.decode(KNOT_SECRET).unwrap();
        verify_knot(&response, &mac, &secret, KNOT_SIGNED_AT).unwrap();
        verify_knot(&response, &mac, &secret, KNOT_SIGNED_AT + 300).unwrap();

        let fails = |response: &[u8], mac: &[u8], secret: &[u8], now: u64, says: &str| {
            let error = verify_knot(response, mac, secret, now).unwrap_err();
            assert!(error.contains(says), "{error}");
        };
        // Another secret, another request, another clock.
        fails(
            &response,
            &mac,
            b"another secret",
            KNOT_SIGNED_AT,
            "does not verify",
        );
        let mut other_mac = mac.clone();
        other_mac[0] ^= 1;
        fails(
            &response,
            &other_mac,
            &secret,
            KNOT_SIGNED_AT,
            "does not verify",
        );
        fails(
            &response,
            &mac,
            &secret,
            KNOT_SIGNED_AT + 301,
            "away from this machine's clock",
        );
        // Every byte of the signed part matters (the rcode and counts too).
        for i in 2..12 {
            let mut changed = response.clone();
            changed[i] ^= 0x01;
            assert!(
                verify_knot(&changed, &mac, &secret, KNOT_SIGNED_AT).is_err(),
                "byte {i} changed and it still verified"
            );
        }
        // The same answer without its TSIG record: unsigned, refused.
        let start = response_tsig(&response).unwrap().unwrap().start;
        let mut unsigned = response[..start].to_vec();
        unsigned[11] = 0;
        fails(
            &unsigned,
            &mac,
            &secret,
            KNOT_SIGNED_AT,
            "carries no TSIG signature",
        );
        // A TSIG error from the server is reported as such.
        let mut badsig = response.clone();
        let error_at = badsig.len() - 4;
        badsig[error_at..error_at + 2].copy_from_slice(&16u16.to_be_bytes());
        fails(&badsig, &mac, &secret, KNOT_SIGNED_AT, "BADSIG");
    }

    /// NOTAUTH with a TSIG error (here BADTIME, as a server answers a
    /// request signed with a clock far off) reports the TSIG error; NOTAUTH
    /// without one reports the rcode.
    #[test]
    fn a_refused_signature_says_why() {
        let mut response = hex(KNOT_RESPONSE);
        let mac = hex(KNOT_REQUEST_MAC);
        let secret = STANDARD.decode(KNOT_SECRET).unwrap();
        // The request: the same id, as the response's header repeats it.
        let request = response[..12].to_vec();
        let judge = |response: &[u8]| {
            judge_update(
                response,
                &request,
                &mac,
                "mailctl-key",
                TsigAlgorithm::HmacSha256,
                &secret,
                KNOT_SIGNED_AT,
            )
        };
        assert_eq!(judge(&response), Ok(()));
        response[3] = (response[3] & 0xf0) | 9; // rcode NOTAUTH
        assert!(judge(&response).unwrap_err().contains("NOTAUTH"));
        let error_at = response.len() - 4;
        response[error_at..error_at + 2].copy_from_slice(&18u16.to_be_bytes());
        let error = judge(&response).unwrap_err();
        assert!(error.contains("BADTIME"), "{error}");
    }

    #[test]
    fn compressed_names_are_read_and_pointer_loops_refused() {
        // "example.test" at 0, then "mail" + a pointer to it at 14.
        let m = b"\x07example\x04test\x00\x04mail\xc0\x00\xc0\x16";
        assert_eq!(
            read_name(m, 14),
            Some((b"\x04mail\x07example\x04test\x00".to_vec(), 21))
        );
        // A pointer to itself.
        assert_eq!(read_name(m, 21), None);
    }
}
