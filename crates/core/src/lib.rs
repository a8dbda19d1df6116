//! # cfssl-core
//!
//! The PKI engine behind the `cfssl` and `cfssljson` drop-in binaries: it
//! reads cfssl's CSR-request and signing-config JSON the way cfssl does,
//! generates keys, builds CSRs, creates CAs and signs certificates per
//! profile, with cfssl's certificate contents, error codes and messages.
//!
//! Make a CA and sign a leaf:
//!
//! ```
//! use cfssl_core::{config::Config, csr::CertificateRequest, initca, key::PrivateKey, log::NoLog};
//! use cfssl_core::signer::{LocalSigner, SignRequest, split_hosts};
//! use cfssl_core::{cert::Certificate};
//!
//! let ca_req = CertificateRequest::from_json(br#"{"CN":"Example CA","key":{"algo":"ecdsa","size":256}}"#)?;
//! let ca = initca::new(&ca_req, initca::Options::default(), &mut NoLog)?;
//!
//! let config = Config::from_json(br#"{"signing":{"profiles":{"www":{"usages":["signing","server auth"],"expiry":"8760h"}}}}"#)?;
//! let ca_key = PrivateKey::from_pem(ca.key.as_deref().unwrap_or_default().as_bytes())?;
//! let signer = LocalSigner::new(Certificate::from_pem(ca.cert.as_bytes())?, ca_key, config);
//!
//! let leaf_req = CertificateRequest::from_json(br#"{"CN":"www.example.test"}"#)?;
//! let leaf_key = PrivateKey::generate(&leaf_req.key)?;
//! let mut req = SignRequest::new(leaf_req.generate_pem(&leaf_key)?);
//! req.hosts = split_hosts("www.example.test,127.0.0.1");
//! req.profile = "www".into();
//! let leaf = Certificate::from_der(&signer.sign(&req, &mut NoLog)?)?;
//! assert_eq!(leaf.subject().common_name, "www.example.test");
//! assert_eq!(leaf.issuer_raw(), signer.certificate().unwrap().subject_raw());
//! # Ok::<(), cfssl_core::Error>(())
//! ```

#![deny(missing_docs)]

pub mod api;
pub mod auth;
pub mod bundle;
pub mod cert;
pub mod certinfo;
pub mod config;
pub mod crl;
pub mod csr;
mod der;
pub mod duration;
pub mod error;
pub mod ext;
pub mod gobase64;
pub mod gojson;
pub mod gopath;
pub mod hosts;
pub mod initca;
pub mod key;
pub mod log;
pub mod name;
pub mod ocsp;
pub mod pemfmt;
pub mod revocation;
pub mod revoke_check;
mod rsagen;
pub mod signer;
pub mod wire;

pub use error::{Code, Error, Result};
