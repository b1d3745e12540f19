//! DKIM keys: which keys a spec needs (`keys`), making them (RSA 2048/3072
//! or Ed25519 per RFC 8463, as PKCS#8 PEM), storing them (`store`: atomic,
//! mode 0600, never overwritten without `force`), and the public half that
//! goes into the `<selector>._domainkey` TXT record.
//!
//! Private keys are held in `Zeroizing` buffers and never formatted into an
//! error or a message; errors name the file, not its content.

pub mod opendkim;
pub mod store;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::traits::PublicKeyParts;
use zeroize::Zeroizing;

use crate::spec::Spec;
pub use crate::spec::dns::DkimAlgorithm;

/// Why a DKIM key could not be made, read or written.
#[derive(Debug, thiserror::Error)]
pub enum DkimError {
    #[error("cannot read DKIM key `{}`", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{}` is not a PKCS#8 PEM RSA or Ed25519 private key", path.display())]
    Parse { path: PathBuf },
    #[error("cannot write DKIM key `{}`", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot generate a {} key", algorithm.name())]
    Generate {
        algorithm: DkimAlgorithm,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// One key the spec asks for: a domain and a selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRef {
    pub domain: String,
    pub selector: String,
    /// The algorithm a new key for this selector gets.
    pub algorithm: DkimAlgorithm,
    pub path: PathBuf,
    /// The first selector of a domain signs; the others are published only
    /// (rotation: the old key stays in DNS until it is retired).
    pub signing: bool,
}

/// `<key_dir>/<domain>/<selector>.pem`.
pub fn key_path(key_dir: &Path, domain: &str, selector: &str) -> PathBuf {
    key_dir.join(domain).join(format!("{selector}.pem"))
}

/// Every key the spec needs, in spec order: per domain with DKIM, each
/// selector (the default selector when the domain lists none).
pub fn keys(spec: &Spec) -> Vec<KeyRef> {
    let mut keys = Vec::new();
    for domain in &spec.domains {
        let Some(dkim) = &domain.dns.dkim else {
            continue;
        };
        let algorithm = dkim.algorithm.unwrap_or(spec.dkim.algorithm);
        let default = [spec.dkim.selector.clone()];
        let selectors = if dkim.selectors.is_empty() {
            &default[..]
        } else {
            &dkim.selectors[..]
        };
        for (i, selector) in selectors.iter().enumerate() {
            keys.push(KeyRef {
                domain: domain.name.clone(),
                selector: selector.clone(),
                algorithm,
                path: key_path(&spec.dkim.key_dir, &domain.name, selector),
                signing: i == 0,
            });
        }
    }
    keys
}

/// The public half of a DKIM key, as DNS publishes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    /// The DER `SubjectPublicKeyInfo` (RFC 6376 §3.6.1), and the modulus size.
    Rsa { spki: Vec<u8>, bits: usize },
    /// The raw 32-byte key (RFC 8463 §4.2).
    Ed25519([u8; 32]),
}

impl PublicKey {
    /// The `k=` tag.
    pub fn key_type(&self) -> &'static str {
        match self {
            PublicKey::Rsa { .. } => "rsa",
            PublicKey::Ed25519(_) => "ed25519",
        }
    }

    /// The `p=` tag: base64 of the key data.
    pub fn p_value(&self) -> String {
        match self {
            PublicKey::Rsa { spki, .. } => STANDARD.encode(spki),
            PublicKey::Ed25519(key) => STANDARD.encode(key),
        }
    }

    /// The TXT record value.
    pub fn txt(&self) -> String {
        format!("v=DKIM1; k={}; p={}", self.key_type(), self.p_value())
    }

    pub fn describe(&self) -> String {
        match self {
            PublicKey::Rsa { bits, .. } => format!("rsa-{bits}"),
            PublicKey::Ed25519(_) => "ed25519".to_owned(),
        }
    }
}

/// A new private key as PKCS#8 PEM.
pub fn generate(algorithm: DkimAlgorithm) -> Result<Zeroizing<String>, DkimError> {
    let mut rng = rand_core::OsRng;
    let boxed = |e: Box<dyn std::error::Error + Send + Sync>| DkimError::Generate {
        algorithm,
        source: e,
    };
    match algorithm {
        DkimAlgorithm::Rsa2048 | DkimAlgorithm::Rsa3072 => {
            let bits = if algorithm == DkimAlgorithm::Rsa2048 {
                2048
            } else {
                3072
            };
            let key = rsa::RsaPrivateKey::new(&mut rng, bits).map_err(|e| boxed(Box::new(e)))?;
            key.to_pkcs8_pem(LineEnding::LF)
                .map_err(|e| boxed(Box::new(e)))
        }
        DkimAlgorithm::Ed25519 => {
            let key = ed25519_dalek::SigningKey::generate(&mut rng);
            // PKCS#8 v1, without the optional public key: OpenSSL 3.0 (and
            // so OpenDKIM on Debian 12) cannot read the v2 form.
            let bytes = ed25519_dalek::pkcs8::KeypairBytes {
                secret_key: key.to_bytes(),
                public_key: None,
            };
            bytes
                .to_pkcs8_pem(LineEnding::LF)
                .map_err(|e| boxed(Box::new(e)))
        }
    }
}

/// The public key of a PKCS#8 PEM private key (RSA or Ed25519).
pub fn public_key_from_pem(pem: &str) -> Option<PublicKey> {
    if let Ok(key) = ed25519_dalek::SigningKey::from_pkcs8_pem(pem) {
        return Some(PublicKey::Ed25519(key.verifying_key().to_bytes()));
    }
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(pem).ok()?;
    let public = rsa::RsaPublicKey::from(&key);
    let spki = public.to_public_key_der().ok()?.as_bytes().to_vec();
    Some(PublicKey::Rsa {
        spki,
        bits: public.n().bits(),
    })
}

/// Public keys already derived, by the private key file's content.
/// Deriving an RSA public key means a full private-key parse with its
/// consistency checks and CRT precomputation (about half a millisecond for
/// 2048 bits), and hosts often point many domains at one key file (symlinks,
/// copies), so reading a spec's keys through one cache parses each distinct
/// key once. The content is compared whole (no digest to trust), and is held
/// in `Zeroizing` buffers that are wiped when the cache is dropped; keep a
/// cache for one command's key reading, no longer.
#[derive(Debug, Default)]
pub struct PublicKeyCache {
    derived: HashMap<Pem, PublicKey>,
}

/// A private key file's content, as a map key (`Zeroizing` is not `Hash`).
#[derive(PartialEq, Eq)]
struct Pem(Zeroizing<String>);

impl std::hash::Hash for Pem {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.as_str().hash(state);
    }
}

/// Never the key itself.
impl std::fmt::Debug for Pem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pem(..)")
    }
}

impl PublicKeyCache {
    /// Read a private key file and return its public key, parsing the file
    /// only if no file with the same content was read before.
    pub fn read(&mut self, path: &Path) -> Result<PublicKey, DkimError> {
        let pem = Pem(Zeroizing::new(std::fs::read_to_string(path).map_err(
            |source| DkimError::Read {
                path: path.to_path_buf(),
                source,
            },
        )?));
        if let Some(public) = self.derived.get(&pem) {
            return Ok(public.clone());
        }
        let public = public_key_from_pem(&pem.0).ok_or_else(|| DkimError::Parse {
            path: path.to_path_buf(),
        })?;
        self.derived.insert(pem, public.clone());
        Ok(public)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8463 appendix A.2: the example Ed25519 key and its `p=` value.
    #[test]
    fn rfc8463_example_key() {
        let secret: [u8; 32] = STANDARD
            .decode("nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=")
            .unwrap()
            .try_into()
            .unwrap();
        let key = ed25519_dalek::SigningKey::from_bytes(&secret);
        let pem = key.to_pkcs8_pem(LineEnding::LF).unwrap();
        let public = public_key_from_pem(&pem).unwrap();
        assert_eq!(
            public.p_value(),
            "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
        );
        assert_eq!(
            public.txt(),
            "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
        );
    }

    #[test]
    fn ed25519_keys_round_trip() {
        let pem = generate(DkimAlgorithm::Ed25519).unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        // v1 (48 bytes of DER, 64 of base64): the form OpenSSL 3.0 reads.
        assert_eq!(pem.lines().nth(1).unwrap().len(), 64);
        assert!(matches!(
            public_key_from_pem(&pem),
            Some(PublicKey::Ed25519(_))
        ));
    }

    #[test]
    fn the_cache_parses_each_distinct_key_once() {
        let dir = tempfile::tempdir().unwrap();
        let rsa = include_str!("../../tests/fixtures/dkim/example.com/mail.pem");
        let ed25519 = generate(DkimAlgorithm::Ed25519).unwrap();
        let write = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path
        };
        let (a, b, c) = (write("a", rsa), write("b", rsa), write("c", &ed25519));
        let bad = write("bad", "not a key");
        let mut cache = PublicKeyCache::default();
        let first = cache.read(&a).unwrap();
        assert_eq!(cache.read(&b).unwrap(), first);
        assert_eq!(cache.derived.len(), 1);
        assert_eq!(cache.read(&c).unwrap().key_type(), "ed25519");
        assert_eq!(cache.derived.len(), 2);
        assert!(matches!(cache.read(&bad), Err(DkimError::Parse { .. })));
        assert!(matches!(
            cache.read(&dir.path().join("missing")),
            Err(DkimError::Read { .. })
        ));
        // A key file that changed between reads is parsed again.
        std::fs::write(&a, &*ed25519).unwrap();
        assert_eq!(cache.read(&a).unwrap().key_type(), "ed25519");
    }

    #[test]
    fn the_fixture_rsa_key_gives_its_spki() {
        let pem = include_str!("../../tests/fixtures/dkim/example.com/mail.pem");
        let public = public_key_from_pem(pem).unwrap();
        assert_eq!(public.describe(), "rsa-2048");
        assert!(
            public
                .p_value()
                .starts_with("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA")
        );
    }

    #[test]
    fn garbage_is_not_a_key() {
        assert_eq!(
            public_key_from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
            None
        );
    }
}
