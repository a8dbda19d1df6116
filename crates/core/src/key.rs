//! Private keys: generation from a cfssl key request, PEM in and out with
//! cfssl's labels, public key encoding, signing and signature verification.
//!
//! Mirrors cfssl's `csr.KeyRequest.Generate`, `helpers.ParsePrivateKeyPEM`
//! and `signer.DefaultSigAlgo`.
//!
//! ```
//! use cfssl_core::key::{KeyRequest, PrivateKey};
//! let key = PrivateKey::generate(&KeyRequest::new("ecdsa", 256)).unwrap();
//! let pem = key.to_pem();
//! assert!(pem.starts_with("-----BEGIN EC PRIVATE KEY-----\n"));
//! let again = PrivateKey::from_pem(pem.as_bytes()).unwrap();
//! assert_eq!(again.public_key_der(), key.public_key_der());
//! ```

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair};
use rsa::pkcs1::EncodeRsaPrivateKey;

/// A buffer wiped (overwritten with zeros) when dropped: what this crate keeps
/// private key bytes in. This is the `zeroize` crate's [`zeroize::Zeroizing`],
/// re-exported so callers need not depend on `zeroize` themselves.
///
/// ```
/// use cfssl_core::key::{PrivateKey, Zeroizing};
///
/// let pem = Zeroizing::new(b"not a key".to_vec());
/// assert!(PrivateKey::from_pem(&pem).is_err());
/// ```
pub use zeroize::Zeroizing;

use crate::der::{self, tag};
use crate::error::{Code, Error, Result};
use crate::signing_key::{SignatureScheme, SigningKey};

/// OIDs of key and signature algorithms.
pub(crate) mod oids {
    pub(crate) const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
    pub(crate) const SHA1_WITH_RSA: &str = "1.2.840.113549.1.1.5";
    pub(crate) const SHA256_WITH_RSA: &str = "1.2.840.113549.1.1.11";
    pub(crate) const SHA384_WITH_RSA: &str = "1.2.840.113549.1.1.12";
    pub(crate) const SHA512_WITH_RSA: &str = "1.2.840.113549.1.1.13";
    pub(crate) const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
    pub(crate) const ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
    pub(crate) const ECDSA_SHA384: &str = "1.2.840.10045.4.3.3";
    pub(crate) const ECDSA_SHA512: &str = "1.2.840.10045.4.3.4";
    pub(crate) const ED25519: &str = "1.3.101.112";
    pub(crate) const P256: &str = "1.2.840.10045.3.1.7";
    pub(crate) const P384: &str = "1.3.132.0.34";
    pub(crate) const P521: &str = "1.3.132.0.35";
}

/// The `key` object of a cfssl CSR request: `{"algo":"rsa","size":2048}`.
///
/// Its default is `ecdsa`/256, and a partial object in JSON is filled field
/// by field from that default, as cfssl does.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyRequest {
    /// `rsa`, `ecdsa` or `ed25519` (case-sensitive, as cfssl).
    pub algo: String,
    /// Bits for RSA, curve size for ECDSA, ignored for Ed25519.
    pub size: i64,
}

impl Default for KeyRequest {
    fn default() -> Self {
        Self::new("ecdsa", 256)
    }
}

impl KeyRequest {
    /// A key request.
    pub fn new(algo: &str, size: i64) -> Self {
        Self {
            algo: algo.to_string(),
            size,
        }
    }

    /// What cfssl logs before generating: `rsa-2048`, `ed25519-256`.
    pub fn label(&self) -> String {
        format!("{}-{}", self.algo, self.size)
    }

    /// Checks the request the way cfssl's `KeyRequest.Generate` does.
    ///
    /// # Errors
    /// Code 2400 with `RSA key is too weak`, `RSA key size too large`,
    /// `invalid curve` or `invalid algorithm`.
    pub fn spec(&self) -> Result<KeySpec> {
        match self.algo.as_str() {
            "rsa" => {
                if self.size < 2048 {
                    Err(Error::key_gen("RSA key is too weak"))
                } else if self.size > 8192 {
                    Err(Error::key_gen("RSA key size too large"))
                } else {
                    // 2048..=8192 fits in u32.
                    Ok(KeySpec::Rsa(u32::try_from(self.size).unwrap_or(2048)))
                }
            }
            "ecdsa" => match self.size {
                256 => Ok(KeySpec::Ecdsa(Curve::P256)),
                384 => Ok(KeySpec::Ecdsa(Curve::P384)),
                521 => Ok(KeySpec::Ecdsa(Curve::P521)),
                _ => Err(Error::key_gen("invalid curve")),
            },
            "ed25519" => Ok(KeySpec::Ed25519),
            _ => Err(Error::key_gen("invalid algorithm")),
        }
    }
}

/// NIST curves cfssl supports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Curve {
    /// P-256 (prime256v1).
    P256,
    /// P-384 (secp384r1).
    P384,
    /// P-521 (secp521r1).
    P521,
}

impl Curve {
    fn oid(self) -> &'static str {
        match self {
            Self::P256 => oids::P256,
            Self::P384 => oids::P384,
            Self::P521 => oids::P521,
        }
    }

    fn from_oid(oid: &str) -> Option<Self> {
        match oid {
            oids::P256 => Some(Self::P256),
            oids::P384 => Some(Self::P384),
            oids::P521 => Some(Self::P521),
            _ => None,
        }
    }

    fn signing(self) -> &'static signature::EcdsaSigningAlgorithm {
        match self {
            Self::P256 => &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
            Self::P384 => &signature::ECDSA_P384_SHA384_ASN1_SIGNING,
            Self::P521 => &signature::ECDSA_P521_SHA512_ASN1_SIGNING,
        }
    }

    /// Size in bits as cfssl names it (256, 384, 521).
    pub fn bits(self) -> u32 {
        match self {
            Self::P256 => 256,
            Self::P384 => 384,
            Self::P521 => 521,
        }
    }
}

/// A validated key type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySpec {
    /// RSA with this many modulus bits.
    Rsa(u32),
    /// ECDSA on this curve.
    Ecdsa(Curve),
    /// Ed25519.
    Ed25519,
}

// Key material: the aws-lc-rs key pairs live in AWS-LC, whose allocator
// overwrites memory before freeing it; the DER copies kept here for output are
// `Zeroizing`, wiped on drop.
enum Inner {
    Rsa {
        pair: signature::RsaKeyPair,
        pkcs1: Zeroizing<Vec<u8>>,
    },
    Ecdsa {
        pair: EcdsaKeyPair,
        curve: Curve,
    },
    Ed25519 {
        pair: Ed25519KeyPair,
        pkcs8: Zeroizing<Vec<u8>>,
    },
}

/// A private key of one of the types cfssl handles.
///
/// Its `Debug` output names the key type only, and the copies of the key's
/// bytes it holds are wiped when it is dropped.
pub struct PrivateKey {
    inner: Inner,
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        write!(f, "PrivateKey({:?})", self.spec())
    }
}

fn gen_failed() -> Error {
    Error::key_gen("key generation failed")
}

impl PrivateKey {
    /// Generates a key for a cfssl key request.
    ///
    /// # Errors
    /// Code 2400 for a request cfssl rejects (see [`KeyRequest::spec`]).
    pub fn generate(req: &KeyRequest) -> Result<Self> {
        Self::generate_spec(req.spec()?)
    }

    /// Generates a key of a validated type.
    ///
    /// # Errors
    /// Code 2400 if the system random source or the crypto library fails.
    pub fn generate_spec(spec: KeySpec) -> Result<Self> {
        let inner = match spec {
            KeySpec::Rsa(bits) => {
                // `rsa::PrivateKey` and its `SecretDocument` wipe themselves on drop.
                let key = crate::rsagen::generate(bits).map_err(|_| gen_failed())?;
                let pkcs1 = key.to_pkcs1_der().map_err(|_| gen_failed())?;
                let pkcs1 = Zeroizing::new(pkcs1.as_bytes().to_vec());
                let pair = signature::RsaKeyPair::from_der(&pkcs1).map_err(|_| gen_failed())?;
                Inner::Rsa { pair, pkcs1 }
            }
            KeySpec::Ecdsa(curve) => Inner::Ecdsa {
                pair: EcdsaKeyPair::generate(curve.signing()).map_err(|_| gen_failed())?,
                curve,
            },
            KeySpec::Ed25519 => {
                let pair = Ed25519KeyPair::generate().map_err(|_| gen_failed())?;
                let pkcs8 = Zeroizing::new(
                    pair.to_pkcs8v1()
                        .map_err(|_| gen_failed())?
                        .as_ref()
                        .to_vec(),
                );
                Inner::Ed25519 { pair, pkcs8 }
            }
        };
        Ok(Self { inner })
    }

    /// The key's type.
    pub fn spec(&self) -> KeySpec {
        match &self.inner {
            Inner::Rsa { pair, .. } => {
                KeySpec::Rsa(u32::try_from(pair.public_modulus_len() * 8).unwrap_or(u32::MAX))
            }
            Inner::Ecdsa { curve, .. } => KeySpec::Ecdsa(*curve),
            Inner::Ed25519 { .. } => KeySpec::Ed25519,
        }
    }

    /// Parses a PEM private key as cfssl 1.6.5 does: PKCS#1 (`RSA PRIVATE
    /// KEY`), SEC1 (`EC PRIVATE KEY`, also after a leading `EC PARAMETERS`
    /// block), PKCS#8 (`PRIVATE KEY`) and cfssl's `Ed25519 PRIVATE KEY`.
    ///
    /// # Errors
    /// 2002 when there is no PEM block, 2100 for an encrypted key, 2003 when
    /// the DER is not a key of a supported type.
    pub fn from_pem(input: &[u8]) -> Result<Self> {
        // The decoded DER of every block is moved into a wiped-on-drop buffer.
        let blocks: Vec<(String, bool, Zeroizing<Vec<u8>>)> = pem::parse_many(input)
            .unwrap_or_default()
            .into_iter()
            .map(|b| {
                let encrypted = b
                    .headers()
                    .get("Proc-Type")
                    .is_some_and(|v| v.contains("ENCRYPTED"));
                (
                    b.tag().to_string(),
                    encrypted,
                    Zeroizing::new(b.into_contents()),
                )
            })
            .collect();
        let mut iter = blocks.iter();
        let mut block = iter.next().ok_or_else(|| {
            Error::coded(Code::PrivateKeyDecodeFailed, "Failed to decode private key")
        })?;
        if block.0 == "EC PARAMETERS" {
            block = iter.next().ok_or_else(|| {
                Error::coded(Code::PrivateKeyDecodeFailed, "Failed to decode private key")
            })?;
        }
        let (tag, encrypted, der) = block;
        if *encrypted || tag == "ENCRYPTED PRIVATE KEY" {
            return Err(Error::coded(
                Code::PrivateKeyEncrypted,
                "Private key is encrypted.",
            ));
        }
        Self::from_der(der)
    }

    /// Parses a DER private key: PKCS#8, PKCS#1 or SEC1 (tried in that
    /// order, as Go's `derhelpers.ParsePrivateKeyDER`).
    ///
    /// # Errors
    /// 2003 `Failed to parse private key`, also for BER that is not DER
    /// (Go's rule, applied by the crate's one DER reader before the key
    /// parsers see the bytes).
    pub fn from_der(input: &[u8]) -> Result<Self> {
        let parse_failed =
            || Error::coded(Code::PrivateKeyParseFailed, "Failed to parse private key");
        if der::first_not_der(input).is_some() {
            return Err(parse_failed());
        }
        if let Some(k) = Self::from_pkcs8(input) {
            return Ok(k);
        }
        if let Ok(pair) = signature::RsaKeyPair::from_der(input) {
            return Ok(Self {
                inner: Inner::Rsa {
                    pair,
                    pkcs1: Zeroizing::new(input.to_vec()),
                },
            });
        }
        let curve = sec1_curve(input).ok_or_else(parse_failed)?;
        let pair = EcdsaKeyPair::from_private_key_der(curve.signing(), input)
            .map_err(|_| parse_failed())?;
        Ok(Self {
            inner: Inner::Ecdsa { pair, curve },
        })
    }

    fn from_pkcs8(input: &[u8]) -> Option<Self> {
        // PrivateKeyInfo ::= SEQUENCE { version, AlgorithmIdentifier, OCTET STRING, ... }
        let top = der::read_one(input)?;
        let parts = der::read_all(top.content)?;
        let alg = der::read_all(parts.get(1)?.content)?;
        let alg_oid = der::oid_to_string(alg.first()?.content)?;
        let key = parts.get(2)?;
        match alg_oid.as_str() {
            oids::RSA_ENCRYPTION => {
                let pair = signature::RsaKeyPair::from_der(key.content).ok()?;
                Some(Self {
                    inner: Inner::Rsa {
                        pair,
                        pkcs1: Zeroizing::new(key.content.to_vec()),
                    },
                })
            }
            oids::EC_PUBLIC_KEY => {
                let curve = Curve::from_oid(&der::oid_to_string(alg.get(1)?.content)?)?;
                let pair = EcdsaKeyPair::from_private_key_der(curve.signing(), input).ok()?;
                Some(Self {
                    inner: Inner::Ecdsa { pair, curve },
                })
            }
            oids::ED25519 => {
                let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(input).ok()?;
                let pkcs8 = Zeroizing::new(pair.to_pkcs8v1().ok()?.as_ref().to_vec());
                Some(Self {
                    inner: Inner::Ed25519 { pair, pkcs8 },
                })
            }
            _ => None,
        }
    }

    /// The key as cfssl writes it: `RSA PRIVATE KEY` (PKCS#1), `EC PRIVATE
    /// KEY` (SEC1 with curve and public key), and for Ed25519 the PKCS#8
    /// bytes under the standard `PRIVATE KEY` label (cfssl uses `Ed25519
    /// PRIVATE KEY`, which OpenSSL cannot read; a ledgered divergence).
    ///
    /// The returned text is the caller's to protect; the DER copied to make it
    /// is wiped here.
    pub fn to_pem(&self) -> String {
        let (label, mut der) = match &self.inner {
            Inner::Rsa { pkcs1, .. } => ("RSA PRIVATE KEY", pkcs1.clone()),
            Inner::Ecdsa { pair, curve } => ("EC PRIVATE KEY", sec1_der(pair, *curve)),
            Inner::Ed25519 { pkcs8, .. } => ("PRIVATE KEY", pkcs8.clone()),
        };
        // Move (not copy) the DER into the PEM block, and take it back to wipe it.
        let block = pem::Pem::new(label, std::mem::take(&mut *der));
        let text = pem::encode_config(
            &block,
            pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
        );
        drop(Zeroizing::new(block.into_contents()));
        text
    }

    /// The SubjectPublicKeyInfo DER of the public key.
    pub fn public_key_der(&self) -> Vec<u8> {
        match &self.inner {
            Inner::Rsa { pair, .. } => der::seq(&[
                &der::seq(&[&der::oid_str(oids::RSA_ENCRYPTION), &der::null()]),
                &der::bit_string(pair.public_key().as_ref()),
            ]),
            Inner::Ecdsa { pair, curve } => der::seq(&[
                &der::seq(&[
                    &der::oid_str(oids::EC_PUBLIC_KEY),
                    &der::oid_str(curve.oid()),
                ]),
                &der::bit_string(pair.public_key().as_ref()),
            ]),
            Inner::Ed25519 { pair, .. } => der::seq(&[
                &der::seq(&[&der::oid_str(oids::ED25519)]),
                &der::bit_string(pair.public_key().as_ref()),
            ]),
        }
    }
}

impl SigningKey for PrivateKey {
    fn public_key_der(&self) -> Vec<u8> {
        PrivateKey::public_key_der(self)
    }

    fn spec(&self) -> KeySpec {
        PrivateKey::spec(self)
    }

    /// Signs in memory with AWS-LC. An ECDSA key signs with its curve's own
    /// hash only (the pairing Go's `x509` always makes); RSA takes any of the
    /// three PKCS #1 hashes.
    fn sign_with(&self, scheme: SignatureScheme, msg: &[u8]) -> Result<Vec<u8>> {
        let fail = || Error::coded(Code::CertificateUnknown, "signing failed");
        let rng = SystemRandom::new();
        match &self.inner {
            Inner::Rsa { pair, .. } => {
                let alg: &'static dyn signature::RsaEncoding = match scheme {
                    SignatureScheme::RsaPkcs1Sha512 => &signature::RSA_PKCS1_SHA512,
                    SignatureScheme::RsaPkcs1Sha384 => &signature::RSA_PKCS1_SHA384,
                    SignatureScheme::RsaPkcs1Sha256 => &signature::RSA_PKCS1_SHA256,
                    _ => return Err(fail()),
                };
                let mut sig = vec![0u8; pair.public_modulus_len()];
                pair.sign(alg, &rng, msg, &mut sig).map_err(|_| fail())?;
                Ok(sig)
            }
            Inner::Ecdsa { pair, curve } => {
                if scheme != SignatureScheme::cfssl_default(KeySpec::Ecdsa(*curve)) {
                    return Err(fail());
                }
                Ok(pair.sign(&rng, msg).map_err(|_| fail())?.as_ref().to_vec())
            }
            Inner::Ed25519 { pair, .. } if scheme == SignatureScheme::Ed25519 => {
                Ok(pair.sign(msg).as_ref().to_vec())
            }
            Inner::Ed25519 { .. } => Err(fail()),
        }
    }
}

/// Reads the named curve of a SEC1 ECPrivateKey.
fn sec1_curve(input: &[u8]) -> Option<Curve> {
    let top = der::read_one(input)?;
    let parts = der::read_all(top.content)?;
    let params = parts.iter().find(|t| t.tag == 0xa0)?;
    let oid = der::read_one(params.content)?;
    if oid.tag != tag::OID {
        return None;
    }
    Curve::from_oid(&der::oid_to_string(oid.content)?)
}

/// SEC1 ECPrivateKey with the curve OID and public key, as Go's
/// `x509.MarshalECPrivateKey` writes it.
fn sec1_der(pair: &EcdsaKeyPair, curve: Curve) -> Zeroizing<Vec<u8>> {
    // Prefer the library's own RFC 5915 encoding; it carries both optional
    // fields. Fall back to building it when the library declines.
    if let Ok(d) =
        AsDer::<aws_lc_rs::encoding::EcPrivateKeyRfc5915Der<'static>>::as_der(&pair.private_key())
    {
        let bytes = Zeroizing::new(d.as_ref().to_vec());
        if sec1_curve(&bytes).is_some() {
            return bytes;
        }
    }
    let scalar: Zeroizing<Vec<u8>> = Zeroizing::new(
        aws_lc_rs::encoding::AsBigEndian::<aws_lc_rs::encoding::EcPrivateKeyBin<'static>>::as_be_bytes(
            &pair.private_key(),
        )
        .map(|b| b.as_ref().to_vec())
        .unwrap_or_default(),
    );
    // The intermediate encodings hold the scalar too.
    let key = Zeroizing::new(der::octet_string(&scalar));
    let body = Zeroizing::new(
        [
            der::int(1).as_slice(),
            &key,
            &der::explicit(0, &der::oid_str(curve.oid())),
            &der::explicit(1, &der::bit_string(pair.public_key().as_ref())),
        ]
        .concat(),
    );
    Zeroizing::new(der::tlv(tag::SEQUENCE, &body))
}

/// Parsed SubjectPublicKeyInfo: algorithm OID, curve OID if any, key bits.
pub(crate) struct Spki<'a> {
    pub(crate) alg: String,
    pub(crate) param: Option<String>,
    pub(crate) key: &'a [u8],
}

pub(crate) fn parse_spki(spki: &[u8]) -> Option<Spki<'_>> {
    let top = der::read_one(spki)?;
    let parts = der::read_all(top.content)?;
    let alg = der::read_all(parts.first()?.content)?;
    let alg_oid = der::oid_to_string(alg.first()?.content)?;
    let param = alg
        .get(1)
        .filter(|t| t.tag == tag::OID)
        .and_then(|t| der::oid_to_string(t.content));
    let bits = parts.get(1)?;
    if bits.tag != tag::BIT_STRING || bits.content.first() != Some(&0) {
        return None;
    }
    Some(Spki {
        alg: alg_oid,
        param,
        key: &bits.content[1..],
    })
}

/// Verifies a signature made by the key in `spki` with the algorithm
/// `sig_alg_oid`, returning Go's error text on failure.
pub(crate) fn verify(spki: &[u8], sig_alg_oid: &str, msg: &[u8], sig: &[u8]) -> Result<(), String> {
    let info = parse_spki(spki).ok_or("x509: cannot parse public key")?;
    let alg: &'static dyn signature::VerificationAlgorithm = match (info.alg.as_str(), sig_alg_oid)
    {
        (oids::RSA_ENCRYPTION, oids::SHA256_WITH_RSA) => &signature::RSA_PKCS1_2048_8192_SHA256,
        (oids::RSA_ENCRYPTION, oids::SHA384_WITH_RSA) => &signature::RSA_PKCS1_2048_8192_SHA384,
        (oids::RSA_ENCRYPTION, oids::SHA512_WITH_RSA) => &signature::RSA_PKCS1_2048_8192_SHA512,
        (oids::RSA_ENCRYPTION, oids::SHA1_WITH_RSA) => {
            &signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY
        }
        (oids::EC_PUBLIC_KEY, o) => match (info.param.as_deref(), o) {
            (Some(oids::P256), oids::ECDSA_SHA256) => &signature::ECDSA_P256_SHA256_ASN1,
            (Some(oids::P256), oids::ECDSA_SHA384) => &signature::ECDSA_P256_SHA384_ASN1,
            (Some(oids::P384), oids::ECDSA_SHA384) => &signature::ECDSA_P384_SHA384_ASN1,
            (Some(oids::P384), oids::ECDSA_SHA256) => &signature::ECDSA_P384_SHA256_ASN1,
            (Some(oids::P521), oids::ECDSA_SHA512) => &signature::ECDSA_P521_SHA512_ASN1,
            (Some(oids::P521), oids::ECDSA_SHA256) => &signature::ECDSA_P521_SHA256_ASN1,
            (Some(oids::P521), oids::ECDSA_SHA384) => &signature::ECDSA_P521_SHA384_ASN1,
            _ => return Err("x509: cannot verify signature: algorithm unimplemented".into()),
        },
        (oids::ED25519, oids::ED25519) => &signature::ED25519,
        _ => return Err("x509: cannot verify signature: algorithm unimplemented".into()),
    };
    signature::UnparsedPublicKey::new(alg, info.key)
        .verify(msg, sig)
        .map_err(|_| match info.alg.as_str() {
            oids::RSA_ENCRYPTION => "crypto/rsa: verification error".to_string(),
            oids::EC_PUBLIC_KEY => "x509: ECDSA verification failure".to_string(),
            _ => "x509: Ed25519 verification failure".to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_validation_matches_cfssl() {
        let msg = |a: &str, s: i64| KeyRequest::new(a, s).spec().unwrap_err().to_string();
        assert_eq!(msg("rsa", 256), "RSA key is too weak");
        assert_eq!(msg("rsa", 16384), "RSA key size too large");
        assert_eq!(msg("ecdsa", 224), "invalid curve");
        assert_eq!(msg("RSA", 2048), "invalid algorithm");
        assert_eq!(
            KeyRequest::new("rsa", 2049).spec().unwrap(),
            KeySpec::Rsa(2049)
        );
        assert_eq!(
            KeyRequest::new("ed25519", 0).spec().unwrap(),
            KeySpec::Ed25519
        );
        assert_eq!(
            KeyRequest::new("rsa", 1024).spec().unwrap_err().code(),
            Some(Code::PrivateKeyGenerationFailed)
        );
    }

    #[test]
    fn every_key_type_round_trips_through_pem_and_signs() {
        for spec in [
            KeySpec::Rsa(2048),
            KeySpec::Ecdsa(Curve::P256),
            KeySpec::Ecdsa(Curve::P384),
            KeySpec::Ecdsa(Curve::P521),
            KeySpec::Ed25519,
        ] {
            let k = PrivateKey::generate_spec(spec).unwrap();
            let pem = k.to_pem();
            let back = PrivateKey::from_pem(pem.as_bytes()).unwrap();
            assert_eq!(back.spec(), spec);
            assert_eq!(back.public_key_der(), k.public_key_der());
            assert_eq!(back.to_pem(), pem, "{spec:?} PEM is stable");
            let sig = back.sign(b"hello").unwrap();
            let alg_der = k.signature_algorithm();
            let alg = der::read_one(&alg_der).unwrap();
            let oid = der::oid_to_string(der::read_all(alg.content).unwrap()[0].content).unwrap();
            verify(&k.public_key_der(), &oid, b"hello", &sig).unwrap();
            assert!(verify(&k.public_key_der(), &oid, b"hellO", &sig).is_err());
        }
    }

    /// Key material is never shown by `Debug`, and the PEM written from the
    /// wiped-on-drop copies is the same key (the RSA PKCS#1 and Ed25519
    /// PKCS#8 bytes, the EC SEC1 encoding rebuilt from AWS-LC).
    #[test]
    fn debug_hides_the_key_and_wiped_copies_still_encode() {
        for spec in [
            KeySpec::Ecdsa(Curve::P256),
            KeySpec::Ed25519,
            KeySpec::Rsa(2048),
        ] {
            let k = PrivateKey::generate_spec(spec).unwrap();
            let pem = k.to_pem();
            let shown = format!("{k:?}");
            for line in pem.lines().filter(|l| !l.starts_with("-----")) {
                assert!(!shown.contains(line), "{spec:?}: key in Debug output");
            }
            assert_eq!(pem, k.to_pem(), "{spec:?}: to_pem is repeatable");
            let again = PrivateKey::from_pem(pem.as_bytes()).unwrap();
            assert_eq!(again.public_key_der(), k.public_key_der());
        }
        let wiped: Zeroizing<Vec<u8>> = Zeroizing::new(vec![1, 2, 3]);
        assert_eq!(*wiped, [1, 2, 3]);
    }

    #[test]
    fn ec_key_pem_is_sec1_with_curve_and_public_key() {
        let k = PrivateKey::generate_spec(KeySpec::Ecdsa(Curve::P256)).unwrap();
        let pem = pem::parse(k.to_pem()).unwrap();
        assert_eq!(pem.tag(), "EC PRIVATE KEY");
        let top = der::read_one(pem.contents()).unwrap();
        let parts = der::read_all(top.content).unwrap();
        assert_eq!(parts.len(), 4, "version, key, [0] curve, [1] public key");
        assert_eq!(parts[2].tag, 0xa0);
        assert_eq!(parts[3].tag, 0xa1);
    }

    #[test]
    fn bad_pem_is_a_decode_error_and_bad_der_a_parse_error() {
        assert_eq!(
            PrivateKey::from_pem(b"not a pem").unwrap_err().code(),
            Some(Code::PrivateKeyDecodeFailed)
        );
        let junk = crate::go::pem::encode("RSA PRIVATE KEY", b"\x30\x03\x02\x01\x00");
        assert_eq!(
            PrivateKey::from_pem(junk.as_bytes()).unwrap_err().code(),
            Some(Code::PrivateKeyParseFailed)
        );
        let enc = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00000000000000000000000000000000\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        assert_eq!(
            PrivateKey::from_pem(enc.as_bytes()).unwrap_err().code(),
            Some(Code::PrivateKeyEncrypted)
        );
    }
}
