//! The certificate's private key (new, or the current one when `reuse_key`
//! keeps a published TLSA record valid) and the CSR for an order.

use rcgen::{
    CertificateParams, DistinguishedName, KeyPair, PKCS_ECDSA_P256_SHA256, PKCS_RSA_SHA256,
};
use rsa::pkcs8::DecodePrivateKey as _;
use rsa::traits::PublicKeyParts as _;
use zeroize::Zeroizing;

use super::AcmeError;
use crate::spec::acme::KeyType;

fn key_error(e: impl std::fmt::Display) -> AcmeError {
    AcmeError::Key {
        reason: e.to_string(),
    }
}

/// A new private key as PKCS#8 PEM.
pub fn generate(key_type: KeyType) -> Result<Zeroizing<String>, AcmeError> {
    match key_type {
        KeyType::EcdsaP256 => Ok(Zeroizing::new(
            KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)
                .map_err(key_error)?
                .serialize_pem(),
        )),
        KeyType::Rsa2048 => {
            use rsa::pkcs8::{EncodePrivateKey as _, LineEnding};
            // ring signs with RSA but cannot generate RSA keys.
            let key = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 2048).map_err(key_error)?;
            let pem = key.to_pkcs8_pem(LineEnding::LF).map_err(key_error)?;
            Ok(Zeroizing::new(pem.to_string()))
        }
    }
}

/// Load a PEM key for signing the CSR.
pub fn load(pem: &str, key_type: KeyType) -> Result<KeyPair, AcmeError> {
    match key_type {
        KeyType::EcdsaP256 => KeyPair::from_pem_and_sign_algo(pem, &PKCS_ECDSA_P256_SHA256),
        KeyType::Rsa2048 => KeyPair::from_pem_and_sign_algo(pem, &PKCS_RSA_SHA256),
    }
    .map_err(key_error)
}

/// The key type of a PEM key, if it is one mailctl makes.
pub fn key_type_of(pem: &str) -> Option<KeyType> {
    if KeyPair::from_pem_and_sign_algo(pem, &PKCS_ECDSA_P256_SHA256).is_ok() {
        return Some(KeyType::EcdsaP256);
    }
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(pem).ok()?;
    (key.size() == 256).then_some(KeyType::Rsa2048)
}

/// A DER CSR for `names`, with an empty subject (the names are in the SAN).
pub fn csr(names: &[String], key: &KeyPair) -> Result<Vec<u8>, AcmeError> {
    let mut params = CertificateParams::new(names.to_vec()).map_err(key_error)?;
    params.distinguished_name = DistinguishedName::new();
    Ok(params
        .serialize_request(key)
        .map_err(key_error)?
        .der()
        .to_vec())
}

/// The DER `SubjectPublicKeyInfo` of a key (for the TLSA record).
pub fn spki(key: &KeyPair) -> Vec<u8> {
    rcgen::PublicKeyData::subject_public_key_info(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_key_types_make_a_csr() {
        for key_type in [KeyType::EcdsaP256, KeyType::Rsa2048] {
            let pem = generate(key_type).unwrap();
            assert_eq!(key_type_of(&pem), Some(key_type));
            let key = load(&pem, key_type).unwrap();
            let der = csr(&["mail.example.test".into()], &key).unwrap();
            assert_eq!(der[0], 0x30);
        }
    }
}
