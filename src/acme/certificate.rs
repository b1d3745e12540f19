//! What a stored certificate says about itself: names, issuer, validity, key
//! type and the `SubjectPublicKeyInfo` (for TLSA), read from the PEM chain
//! with x509-parser.

use std::path::Path;

use serde::Serialize;
use x509_parser::prelude::{FromDer as _, GeneralName, X509Certificate};
use x509_parser::public_key::PublicKey;

use super::AcmeError;

/// The leaf of a stored chain.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateInfo {
    /// The DNS names of the subjectAltName, sorted.
    pub names: Vec<String>,
    pub issuer: String,
    /// Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    /// `ecdsa-p256`, `rsa-2048`, or what else the key is.
    pub key_type: String,
    #[serde(skip)]
    pub spki: Vec<u8>,
    /// The leaf in DER, for the ARI certificate identifier.
    #[serde(skip)]
    pub der: Vec<u8>,
    /// How many certificates the chain holds.
    pub chain_length: usize,
}

impl CertificateInfo {
    /// The lifetime in seconds (notAfter is inclusive, RFC 5280).
    pub fn lifetime(&self) -> i64 {
        self.not_after - self.not_before + 1
    }
}

/// The DER blocks of every `CERTIFICATE` in a PEM text.
pub fn pem_certificates(text: &str) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(der) = crate::dns::tlsa::pem_block(rest, "CERTIFICATE") {
        out.push(der);
        let end = "-----END CERTIFICATE-----";
        match rest.find(end) {
            Some(i) => rest = &rest[i + end.len()..],
            None => break,
        }
    }
    out
}

/// Read the leaf of a PEM chain.
pub fn read(path: &Path) -> Result<CertificateInfo, AcmeError> {
    let text = std::fs::read_to_string(path).map_err(|source| AcmeError::Io {
        action: "read",
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text).map_err(|reason| AcmeError::BadCertificate {
        path: path.to_path_buf(),
        reason,
    })
}

/// Parse the leaf of a PEM chain.
pub fn parse(text: &str) -> Result<CertificateInfo, String> {
    let chain = pem_certificates(text);
    let der = chain.first().ok_or("it holds no PEM certificate")?;
    let (_, cert) =
        X509Certificate::from_der(der).map_err(|e| format!("it cannot be parsed: {e}"))?;
    let mut names: Vec<String> = match cert.subject_alternative_name() {
        Ok(Some(san)) => san
            .value
            .general_names
            .iter()
            .filter_map(|n| match n {
                GeneralName::DNSName(name) => Some(name.to_ascii_lowercase()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    names.sort();
    names.dedup();
    let key_type = match cert.public_key().parsed() {
        Ok(PublicKey::EC(point)) if point.key_size() == 256 => "ecdsa-p256".to_owned(),
        Ok(PublicKey::EC(point)) => format!("ecdsa-{}", point.key_size()),
        Ok(PublicKey::RSA(rsa)) => format!("rsa-{}", rsa.key_size()),
        _ => "unknown".to_owned(),
    };
    Ok(CertificateInfo {
        names,
        issuer: cert.issuer().to_string(),
        not_before: cert.validity().not_before.timestamp(),
        not_after: cert.validity().not_after.timestamp(),
        key_type,
        spki: cert.public_key().raw.to_vec(),
        der: der.clone(),
        chain_length: chain.len(),
    })
}
