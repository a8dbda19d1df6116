//! Keys that sign: the seam between what is signed (certificates, CSRs,
//! CRLs, OCSP responses) and where the private key lives.
//!
//! [`PrivateKey`](crate::key::PrivateKey) is the in-memory implementation.
//! A key held elsewhere (an HSM over PKCS #11, a cloud KMS, another signing
//! service) implements [`SigningKey`] with its public key, its type and a
//! `sign_with`; everything else (which algorithm cfssl would pick, the DER
//! AlgorithmIdentifier) comes from the provided methods, so such a key signs
//! byte-for-byte what an in-memory key of the same type would.
//!
//! ```
//! use cfssl_core::key::{KeySpec, PrivateKey};
//! use cfssl_core::signing_key::{SignatureScheme, SigningKey};
//!
//! /// A key that lives "elsewhere": here a wrapper that counts signatures.
//! #[derive(Debug)]
//! struct Counting { inner: PrivateKey, count: std::sync::atomic::AtomicUsize }
//!
//! impl SigningKey for Counting {
//!     fn public_key_der(&self) -> Vec<u8> { self.inner.public_key_der() }
//!     fn spec(&self) -> KeySpec { self.inner.spec() }
//!     fn sign_with(&self, scheme: SignatureScheme, message: &[u8]) -> cfssl_core::Result<Vec<u8>> {
//!         self.count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
//!         self.inner.sign_with(scheme, message)
//!     }
//! }
//!
//! let key = Counting { inner: PrivateKey::generate_spec(KeySpec::Rsa(3072))?, count: Default::default() };
//! assert_eq!(key.signature_scheme(), SignatureScheme::RsaPkcs1Sha384); // cfssl's DefaultSigAlgo
//! assert_eq!(key.go_signature_scheme(), SignatureScheme::RsaPkcs1Sha256); // Go's, for CRLs and OCSP
//! key.sign(b"to be signed")?;
//! assert_eq!(key.count.load(std::sync::atomic::Ordering::Relaxed), 1);
//! # Ok::<(), cfssl_core::Error>(())
//! ```

use crate::der;
use crate::error::Result;
use crate::key::{Curve, KeySpec, oids};

/// A signature algorithm as certificates name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureScheme {
    /// `sha256WithRSAEncryption` (PKCS #1 v1.5).
    RsaPkcs1Sha256,
    /// `sha384WithRSAEncryption`.
    RsaPkcs1Sha384,
    /// `sha512WithRSAEncryption`.
    RsaPkcs1Sha512,
    /// `ecdsa-with-SHA256`.
    EcdsaSha256,
    /// `ecdsa-with-SHA384`.
    EcdsaSha384,
    /// `ecdsa-with-SHA512`.
    EcdsaSha512,
    /// `Ed25519`.
    Ed25519,
}

impl SignatureScheme {
    /// The dotted OID.
    pub fn oid(self) -> &'static str {
        match self {
            Self::RsaPkcs1Sha256 => oids::SHA256_WITH_RSA,
            Self::RsaPkcs1Sha384 => oids::SHA384_WITH_RSA,
            Self::RsaPkcs1Sha512 => oids::SHA512_WITH_RSA,
            Self::EcdsaSha256 => oids::ECDSA_SHA256,
            Self::EcdsaSha384 => oids::ECDSA_SHA384,
            Self::EcdsaSha512 => oids::ECDSA_SHA512,
            Self::Ed25519 => oids::ED25519,
        }
    }

    /// The DER AlgorithmIdentifier, as Go writes it (a NULL parameter for
    /// RSA, none otherwise).
    ///
    /// ```
    /// use cfssl_core::signing_key::SignatureScheme;
    /// assert_eq!(SignatureScheme::Ed25519.algorithm_identifier(), [0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70]);
    /// ```
    pub fn algorithm_identifier(self) -> Vec<u8> {
        let oid = der::oid_str(self.oid());
        match self {
            Self::RsaPkcs1Sha256 | Self::RsaPkcs1Sha384 | Self::RsaPkcs1Sha512 => {
                der::seq(&[&oid, &der::null()])
            }
            _ => der::seq(&[&oid]),
        }
    }

    /// cfssl's `signer.DefaultSigAlgo` for a key type: RSA of 4096 bits or
    /// more SHA-512, of 3072 or more SHA-384, else SHA-256; ECDSA by curve.
    pub fn cfssl_default(spec: KeySpec) -> Self {
        match spec {
            KeySpec::Rsa(b) if b >= 4096 => Self::RsaPkcs1Sha512,
            KeySpec::Rsa(b) if b >= 3072 => Self::RsaPkcs1Sha384,
            KeySpec::Rsa(_) => Self::RsaPkcs1Sha256,
            KeySpec::Ecdsa(Curve::P256) => Self::EcdsaSha256,
            KeySpec::Ecdsa(Curve::P384) => Self::EcdsaSha384,
            KeySpec::Ecdsa(Curve::P521) => Self::EcdsaSha512,
            KeySpec::Ed25519 => Self::Ed25519,
        }
    }

    /// Go's `x509.signingParamsForPublicKey` (what `CreateCRL` and
    /// `ocsp.CreateResponse` use): RSA always SHA-256, else as
    /// [`Self::cfssl_default`].
    pub fn go_default(spec: KeySpec) -> Self {
        match spec {
            KeySpec::Rsa(_) => Self::RsaPkcs1Sha256,
            other => Self::cfssl_default(other),
        }
    }
}

/// A private key that signs, wherever it is held.
///
/// Implementations are shared between threads (a server signs many requests
/// at once). The provided methods choose algorithms as cfssl and Go do; an
/// implementation needs only the three required ones.
pub trait SigningKey: Send + Sync + std::fmt::Debug {
    /// The SubjectPublicKeyInfo DER of the public half.
    fn public_key_der(&self) -> Vec<u8>;

    /// The key's type and size.
    fn spec(&self) -> KeySpec;

    /// Signs `message` with `scheme` and returns the signature value (for
    /// ECDSA the DER `Ecdsa-Sig-Value`, for RSA the PKCS #1 v1.5 block).
    ///
    /// # Errors
    /// Code 1000 when the key cannot sign (the device refuses, the scheme
    /// does not fit the key).
    fn sign_with(&self, scheme: SignatureScheme, message: &[u8]) -> Result<Vec<u8>>;

    /// The scheme certificates and CSRs are signed with (cfssl's choice).
    fn signature_scheme(&self) -> SignatureScheme {
        SignatureScheme::cfssl_default(self.spec())
    }

    /// The scheme CRLs and OCSP responses are signed with (Go's choice).
    fn go_signature_scheme(&self) -> SignatureScheme {
        SignatureScheme::go_default(self.spec())
    }

    /// The DER AlgorithmIdentifier of [`Self::signature_scheme`].
    fn signature_algorithm(&self) -> Vec<u8> {
        self.signature_scheme().algorithm_identifier()
    }

    /// The DER AlgorithmIdentifier of [`Self::go_signature_scheme`].
    fn go_signature_algorithm(&self) -> Vec<u8> {
        self.go_signature_scheme().algorithm_identifier()
    }

    /// [`Self::sign_with`] the scheme of [`Self::signature_scheme`].
    ///
    /// # Errors
    /// As [`Self::sign_with`].
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        self.sign_with(self.signature_scheme(), message)
    }

    /// [`Self::sign_with`] the scheme of [`Self::go_signature_scheme`].
    ///
    /// # Errors
    /// As [`Self::sign_with`].
    fn sign_go(&self, message: &[u8]) -> Result<Vec<u8>> {
        self.sign_with(self.go_signature_scheme(), message)
    }
}
