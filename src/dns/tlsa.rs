//! The `SubjectPublicKeyInfo` that a `3 1 1` TLSA record hashes, taken from a
//! PEM certificate (the first one: the leaf of a full chain) or a PEM public
//! key. A minimal DER reader: only the few fields on the way are parsed.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// The DER bytes of the first PEM block labelled `label`.
pub fn pem_block(text: &str, label: &str) -> Option<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin)? + begin.len();
    let stop = start + text[start..].find(&end)?;
    let body: String = text[start..stop]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    STANDARD.decode(body).ok()
}

/// The `SubjectPublicKeyInfo` (DER) from a PEM certificate or public key.
pub fn spki_from_pem(text: &str) -> Option<Vec<u8>> {
    if let Some(der) = pem_block(text, "CERTIFICATE") {
        return spki_from_certificate(&der).map(<[u8]>::to_vec);
    }
    let der = pem_block(text, "PUBLIC KEY")?;
    let (tag, _, whole, rest) = tlv(&der)?;
    (tag == 0x30 && rest.is_empty()).then(|| whole.to_vec())
}

/// Certificate → tbsCertificate → the seventh field (sixth without the
/// optional `[0]` version).
pub fn spki_from_certificate(der: &[u8]) -> Option<&[u8]> {
    let (tag, certificate, _, _) = tlv(der)?;
    if tag != 0x30 {
        return None;
    }
    let (tag, tbs, _, _) = tlv(certificate)?;
    if tag != 0x30 {
        return None;
    }
    let mut rest = tbs;
    let (tag, _, _, after) = tlv(rest)?;
    if tag == 0xa0 {
        rest = after;
    }
    // serialNumber, signature, issuer, validity, subject
    for _ in 0..5 {
        rest = tlv(rest)?.3;
    }
    let (tag, _, whole, _) = tlv(rest)?;
    (tag == 0x30).then_some(whole)
}

/// One DER element: (tag, content, the whole element, what follows).
type Element<'a> = (u8, &'a [u8], &'a [u8], &'a [u8]);

fn tlv(input: &[u8]) -> Option<Element<'_>> {
    let tag = *input.first()?;
    let first = *input.get(1)?;
    let (len, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let bytes = input.get(2..2 + n)?;
        (
            bytes
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b)),
            2 + n,
        )
    };
    let end = header.checked_add(len)?;
    let whole = input.get(..end)?;
    Some((tag, &whole[header..], whole, &input[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A self-signed test certificate and its public key (openssl req -x509).
    const CERT: &str = include_str!("../../tests/fixtures/dkim/tls-test-cert.pem");
    const PUBKEY: &str = include_str!("../../tests/fixtures/dkim/tls-test-cert.pub.pem");

    #[test]
    fn the_certificate_and_its_public_key_give_the_same_spki() {
        let from_cert = spki_from_pem(CERT).unwrap();
        let from_key = spki_from_pem(PUBKEY).unwrap();
        assert_eq!(from_cert, from_key);
    }

    #[test]
    fn garbage_gives_nothing() {
        assert_eq!(spki_from_pem("no pem here"), None);
        assert_eq!(spki_from_certificate(&[0x30, 0x05, 0x01]), None);
    }
}
