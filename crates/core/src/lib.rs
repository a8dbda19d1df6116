//! # cfssl-core
//!
//! The PKI engine behind the `cfssl` and `cfssljson` drop-in binaries: it
//! reads cfssl's CSR-request and signing-config JSON the way cfssl does,
//! generates keys, builds CSRs, creates CAs and signs certificates per
//! profile, with cfssl's certificate contents, error codes and messages.
//!
//! The path of a certificate: a [`csr::CertificateRequest`] (cfssl's CSR
//! JSON) → a [`key::PrivateKey`] → a [`csr::Csr`] → a [`signer::Signer`]
//! (here the [`signer::LocalSigner`], under a [`config::Config`]) → a
//! [`signer::IssuedCertificate`]. Keys sign through [`signing_key::SigningKey`],
//! so a key held outside memory plugs in; errors carry cfssl's code and text
//! ([`Error::code`], [`Error::go_text`]).
//!
//! Make a CA and sign a leaf (initca returns typed values, each with
//! `to_pem`):
//!
//! ```
//! use cfssl_core::{config::Config, csr::CertificateRequest, initca, key::PrivateKey};
//! use cfssl_core::signer::{LocalSigner, SignRequest, Signer, split_hosts};
//!
//! let ca_req = CertificateRequest::from_json(br#"{"CN":"Example CA","key":{"algo":"ecdsa","size":256}}"#)?;
//! let ca = initca::new(&ca_req, Default::default(), &mut cfssl_core::log::NoLog)?;
//! assert!(ca.cert.to_pem().starts_with("-----BEGIN CERTIFICATE-----\n"));
//!
//! let config = Config::from_json(br#"{"signing":{"profiles":{"www":{"usages":["signing","server auth"],"expiry":"8760h"}}}}"#)?;
//! let signer = LocalSigner::new(ca.cert, ca.key.expect("initca::new makes a key"), config);
//!
//! let leaf_req = CertificateRequest::from_json(br#"{"CN":"www.example.test"}"#)?;
//! let leaf_key = PrivateKey::generate(&leaf_req.key)?;
//! let csr = cfssl_core::csr::Csr::from_der(&leaf_req.generate(&leaf_key)?)?;
//! let mut req = SignRequest::from_csr(csr); // parsed once, not re-encoded
//! req.hosts = split_hosts("www.example.test,127.0.0.1");
//! req.profile = "www".into();
//! let leaf = signer.issue(&req)?;
//! assert_eq!(leaf.certificate.subject().common_name, "www.example.test");
//! assert_eq!(leaf.authority_key_id_hex().len(), 40);
//! assert!(!leaf.serial_decimal().is_empty());
//! # Ok::<(), cfssl_core::Error>(())
//! ```
//!
//! Sign a CSR read from a file, with a CA loaded from cfssl's `-ca` and
//! `-ca-key` inputs and no `-config` (cfssl's default policy):
//!
//! ```
//! # use cfssl_core::{csr::CertificateRequest, initca, key::PrivateKey, log::NoLog};
//! use cfssl_core::signer::{SignRequest, Signer, load};
//! # let dir = std::env::temp_dir().join(format!("cfssl-core-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir).unwrap();
//! # let ca = initca::new(&CertificateRequest::from_json(br#"{"CN":"CA","key":{"algo":"ecdsa","size":256}}"#)?, Default::default(), &mut NoLog)?;
//! # std::fs::write(dir.join("ca.pem"), ca.cert.to_pem()).unwrap();
//! # std::fs::write(dir.join("ca-key.pem"), ca.key.unwrap().to_pem()).unwrap();
//! # let leaf = CertificateRequest::from_json(br#"{"CN":"leaf.test","hosts":["leaf.test"]}"#)?;
//! # std::fs::write(dir.join("leaf.csr"), leaf.generate_pem(&PrivateKey::generate(&leaf.key)?)?).unwrap();
//! # let path = |name: &str| dir.join(name).to_string_lossy().into_owned();
//! let mut read = |name: &str| std::fs::read(name).map_err(|e| format!("open {name}: {e}"));
//! let signer = load::local_signer(&path("ca.pem"), &path("ca-key.pem"), None, &mut read, &mut NoLog)?;
//! let csr = std::fs::read(path("leaf.csr")).expect("the CSR file");
//! let issued = signer.issue(&SignRequest::new(csr))?;
//! assert_eq!(issued.certificate.sans().dns, ["leaf.test"]);
//! # std::fs::remove_dir_all(&dir).unwrap();
//! # Ok::<(), cfssl_core::Error>(())
//! ```
//!
//! Sign with a pinned clock and serial source (reproducible output):
//!
//! ```
//! # use cfssl_core::{config::Config, csr::{CertificateRequest, Csr}, initca, key::PrivateKey, log::NoLog};
//! use cfssl_core::signer::{FixedClock, FixedEntropy, LocalSigner, SignRequest, Signer};
//! use chrono::TimeZone;
//! # let ca = initca::new(&CertificateRequest::from_json(br#"{"CN":"CA","key":{"algo":"ecdsa","size":256}}"#)?, Default::default(), &mut NoLog)?;
//! # let leaf = CertificateRequest::from_json(br#"{"CN":"leaf.test"}"#)?;
//! # let csr = Csr::from_der(&leaf.generate(&PrivateKey::generate(&leaf.key)?)?)?;
//! let at = chrono::Utc.with_ymd_and_hms(2030, 1, 1, 12, 0, 0).unwrap();
//! let signer = LocalSigner::new(ca.cert, ca.key.unwrap(), Config::default())
//!     .with_clock(FixedClock(at))
//!     .with_entropy(FixedEntropy(vec![0x42]));
//! let issued = signer.issue(&SignRequest::from_csr(csr))?;
//! // cfssl's default backdate: notBefore is five minutes before the rounded
//! // time, and the default profile's 8760h run from there.
//! let not_before = at - chrono::Duration::minutes(5);
//! assert_eq!(issued.certificate.not_before(), not_before);
//! assert_eq!(issued.certificate.not_after(), not_before + chrono::Duration::hours(8760));
//! assert!(issued.serial_decimal().starts_with("3"));
//! # Ok::<(), cfssl_core::Error>(())
//! ```
//!
//! Read certinfo as a value, print it as `cfssl certinfo` (indented) or as
//! the `/certinfo` endpoint (compact):
//!
//! ```
//! # use cfssl_core::{csr::CertificateRequest, initca, log::NoLog};
//! use cfssl_core::certinfo::CertInfo;
//! # let ca = initca::new(&CertificateRequest::from_json(br#"{"CN":"Info CA","names":[{"O":"Example"}]}"#)?, Default::default(), &mut NoLog)?;
//! let info = CertInfo::from_certificate(&ca.cert);
//! assert_eq!(info.subject.common_name, "Info CA");
//! assert_eq!(info.subject.organization, "Example");
//! assert!(info.to_json().starts_with(r#"{"subject":{"common_name":"Info CA","#));
//! assert!(info.to_json_indented().starts_with("{\n  \"subject\": {\n    \"common_name\": \"Info CA\","));
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
pub mod error;
pub mod ext;
pub mod go;
pub mod hosts;
pub mod initca;
pub mod key;
pub mod log;
pub mod name;
pub mod ocsp;
pub mod revocation;
pub mod revoke_check;
mod rsagen;
pub mod signer;
pub mod signing_key;
pub mod wire;

pub use error::{Code, Error, Result};
