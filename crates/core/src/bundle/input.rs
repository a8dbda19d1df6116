//! What `bundle` reads as its certificate input (cfssl's
//! `BundleFromPEMorDER`): PEM (certificate and PKCS #7 blocks), else DER:
//! a PKCS #7 `SignedData` (`.p7b`), a PKCS #12 file (`-password`), or
//! certificates one after another.
//!
//! PKCS #12 is read with the `p12-keystore` crate, which reads both the
//! legacy encryption (3DES, RC2) that cfssl's Go reader knows and the AES
//! one OpenSSL 3 writes by default, and files holding a chain as well as
//! the leaf; cfssl reads only legacy files of exactly one certificate and
//! one key, and says "Failed to decode certificate" for the rest and for a
//! wrong password. We read those and name a wrong password (ledger 46).
//!
//! ```
//! use cfssl_core::bundle::read_input;
//! let e = read_input(b"not a certificate", "").unwrap_err();
//! assert_eq!((e.code(), e.message()), (Some(cfssl_core::Code::CertificateDecodeFailed), "Failed to decode certificate"));
//! ```

use crate::cert::Certificate;
use crate::der;
use crate::error::{Code, Error, Result};
use crate::key::PrivateKey;

const SIGNED_DATA: &str = "1.2.840.113549.1.7.2";

/// The certificates of `input` (and the key a PKCS #12 file holds), the
/// leaf first when the file says which one it is.
///
/// # Errors
/// The PEM reading's error when neither PEM nor any DER form reads (1002
/// `Failed to decode certificate`, 1003 for a block that is no
/// certificate); 1002 naming the password when a PKCS #12 file's does not
/// open it.
pub fn read_input(input: &[u8], password: &str) -> Result<(Vec<Certificate>, Option<PrivateKey>)> {
    let pem_error = match parse_certificates_pem(input) {
        Ok(certs) if !certs.is_empty() => return Ok((certs, None)),
        Ok(_) => Error::coded(
            Code::CertificateDecodeFailed,
            "Failed to decode certificate",
        ),
        Err(e) => e,
    };
    let der = input.trim_ascii();
    if let Some(certs) = pkcs7_certificates(der) {
        return match certs {
            Ok(certs) if !certs.is_empty() => Ok((certs, None)),
            _ => Err(pem_error),
        };
    }
    match pkcs12(der, password) {
        Pkcs12::Read(certs, key) if !certs.is_empty() => return Ok((certs, key)),
        Pkcs12::WrongPassword => {
            return Err(Error::coded(
                Code::CertificateDecodeFailed,
                "Failed to decode certificate: the PKCS #12 file's MAC does not match: wrong -password?",
            ));
        }
        _ => {}
    }
    match concatenated(der) {
        Some(certs) if !certs.is_empty() => Ok((certs, None)),
        _ => Err(pem_error),
    }
}

/// cfssl's `helpers.ParseCertificatesPEM`, as its bundler reads inputs and
/// pool files: Go's `pem.Decode` block after block, each a certificate or
/// a PKCS #7 `SignedData` of certificates (1003 otherwise); anything left
/// that is not a block is 1002. Empty input is no certificates.
///
/// ```
/// use cfssl_core::bundle::parse_certificates_pem;
/// assert!(parse_certificates_pem(b"").unwrap().is_empty());
/// assert_eq!(parse_certificates_pem(b"junk").unwrap_err().code(), Some(cfssl_core::Code::CertificateDecodeFailed));
/// ```
///
/// # Errors
/// 1003 `Failed to parse certificate`, 1002 `Failed to decode certificate`.
pub fn parse_certificates_pem(input: &[u8]) -> Result<Vec<Certificate>> {
    let mut rest = input.trim_ascii();
    let mut certs = Vec::new();
    while !rest.is_empty() {
        let (block, after) = crate::go::pem::go_decode(rest);
        let Some(block) = block else {
            break;
        };
        match Certificate::from_der(&block.bytes) {
            Ok(c) => certs.push(c),
            Err(_) => match pkcs7_certificates(&block.bytes) {
                Some(Ok(more)) if !more.is_empty() => certs.extend(more),
                _ => {
                    return Err(Error::coded(
                        Code::CertificateParseFailed,
                        "Failed to parse certificate",
                    ));
                }
            },
        }
        rest = after;
    }
    if !rest.is_empty() {
        return Err(Error::coded(
            Code::CertificateDecodeFailed,
            "Failed to decode certificate",
        ));
    }
    Ok(certs)
}

/// The certificates of a PKCS #7 `SignedData`; `None` when `der` is no
/// PKCS #7 `ContentInfo`, `Some(Err)` for another content type or
/// certificates that do not parse.
pub(crate) fn pkcs7_certificates(der: &[u8]) -> Option<Result<Vec<Certificate>>> {
    let (top, rest) = der::read(der)?;
    if !rest.is_empty() || top.tag != 0x30 {
        return None;
    }
    let parts = der::read_all(top.content)?;
    let oid = parts
        .first()
        .filter(|t| t.tag == 0x06)
        .and_then(|t| der::oid_to_string(t.content))?;
    if !oid.starts_with("1.2.840.113549.1.7.") {
        return None;
    }
    let bad = || {
        Error::coded(
            Code::CertificateDecodeFailed,
            "can only extract certificates from signed data content info",
        )
    };
    if oid != SIGNED_DATA {
        return Some(Err(bad()));
    }
    let certs = (|| {
        let explicit = parts.get(1).filter(|t| t.tag == 0xa0)?;
        let signed = der::read_one(explicit.content).filter(|t| t.tag == 0x30)?;
        let fields = der::read_all(signed.content)?;
        let Some(set) = fields.iter().find(|t| t.tag == 0xa0) else {
            return Some(Vec::new());
        };
        der::read_all(set.content)?
            .iter()
            .map(|c| Certificate::from_der(c.raw).ok())
            .collect::<Option<Vec<_>>>()
    })();
    Some(certs.ok_or_else(bad))
}

enum Pkcs12 {
    Read(Vec<Certificate>, Option<PrivateKey>),
    WrongPassword,
    Unreadable,
}

/// A PKCS #12 file: its certificates (the key's own first) and its key.
fn pkcs12(der: &[u8], password: &str) -> Pkcs12 {
    let archive = match p12_keystore::Pkcs12Archive::from_pkcs12(der, password) {
        Ok(a) => a,
        Err(p12_keystore::error::Error::MacError(_)) => return Pkcs12::WrongPassword,
        Err(_) => return Pkcs12::Unreadable,
    };
    let key = archive
        .keys
        .first()
        .and_then(|k| PrivateKey::from_der(k.key.as_der()).ok());
    let mut certs: Vec<Certificate> = archive
        .certs
        .iter()
        .filter_map(|c| Certificate::from_der(c.cert.as_der()).ok())
        .collect();
    if let Some(k) = &key
        && let Some(i) = certs
            .iter()
            .position(|c| c.public_key_der() == k.public_key_der())
    {
        let leaf = certs.remove(i);
        certs.insert(0, leaf);
    }
    Pkcs12::Read(certs, key)
}

/// Go's `x509.ParseCertificates`: DER certificates one after another.
fn concatenated(mut der: &[u8]) -> Option<Vec<Certificate>> {
    let mut certs = Vec::new();
    while !der.is_empty() {
        let (t, rest) = der::read(der)?;
        certs.push(Certificate::from_der(t.raw).ok()?);
        der = rest;
    }
    Some(certs)
}
