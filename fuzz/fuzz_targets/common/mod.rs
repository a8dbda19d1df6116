//! Shared set-up of the fuzz targets: a fixed CA, a fixed leaf key and CSR, a
//! fixed clock, so that every run of an input does the same work.
#![allow(dead_code)]

use std::sync::OnceLock;

use chrono::{DateTime, Utc};

use cfssl_core::cert::Certificate;
use cfssl_core::config::Config;
use cfssl_core::csr::CertificateRequest;
use cfssl_core::initca;
use cfssl_core::key::{Curve, KeySpec, PrivateKey};
use cfssl_core::log::NoLog;
use cfssl_core::signer::{FixedClock, FixedEntropy, LocalSigner, SignRequest};

pub struct Fixed {
    pub ca_cert_pem: String,
    pub ca_key_pem: String,
    pub leaf_key_pem: String,
    pub leaf_csr_pem: String,
    /// The CA's notBefore: the fixed "now" of every signer.
    pub now: DateTime<Utc>,
}

pub fn clock() -> FixedClock {
    FixedClock(fixed().now)
}

/// Generated once per process.
pub fn fixed() -> &'static Fixed {
    static FIXED: OnceLock<Fixed> = OnceLock::new();
    FIXED.get_or_init(|| {
        let req =
            CertificateRequest::from_json(br#"{"CN":"Fuzz CA","key":{"algo":"ecdsa","size":256}}"#)
                .expect("CA request");
        let ca = initca::new(&req, initca::Options::default(), &mut NoLog).expect("CA");
        let leaf_key = PrivateKey::generate_spec(KeySpec::Ecdsa(Curve::P256)).expect("leaf key");
        let leaf_req = CertificateRequest::from_json(
            br#"{"CN":"leaf.test","hosts":["leaf.test","10.0.0.1"]}"#,
        )
        .expect("leaf request");
        let leaf_csr_pem = leaf_req.generate_pem(&leaf_key).expect("leaf CSR");
        let now = Certificate::from_pem(ca.cert.as_bytes())
            .expect("CA parses")
            .not_before();
        Fixed {
            ca_key_pem: ca.key.clone().expect("new CA has a key"),
            ca_cert_pem: ca.cert,
            leaf_key_pem: leaf_key.to_pem(),
            leaf_csr_pem,
            now,
        }
    })
}

pub fn leaf_key() -> PrivateKey {
    PrivateKey::from_pem(fixed().leaf_key_pem.as_bytes()).expect("leaf key parses")
}

pub fn ca_key() -> PrivateKey {
    PrivateKey::from_pem(fixed().ca_key_pem.as_bytes()).expect("CA key parses")
}

pub fn ca_cert() -> Certificate {
    Certificate::from_pem(fixed().ca_cert_pem.as_bytes()).expect("CA cert parses")
}

/// A signer for the fixed CA with `policy`, a fixed clock and serial.
pub fn signer(policy: Config) -> LocalSigner {
    LocalSigner::new(ca_cert(), ca_key(), policy)
        .with_clock(clock())
        .with_entropy(FixedEntropy(vec![0x42]))
}

/// Signs `csr_pem` and checks that whatever comes out is a certificate that
/// parses back.
pub fn sign_and_check(signer: &mut LocalSigner, req: &SignRequest) {
    if let Ok(der) = signer.sign(req, &mut NoLog) {
        let cert = Certificate::from_der(&der).expect("issued certificate parses");
        let _ = cert.subject();
        let _ = cert.sans();
        let _ = cfssl_core::certinfo::certificate_json(&cert);
    }
}

/// Exercises every accessor of a parsed certificate.
pub fn walk_certificate(c: &Certificate) {
    let _ = c.to_pem();
    let _ = c.subject();
    let _ = c.issuer();
    let _ = c.sans();
    let _ = c.basic_constraints();
    let _ = c.subject_key_id();
    let _ = c.authority_key_id();
    let _ = c.not_before();
    let _ = c.not_after();
    let _ = cfssl_core::cert::decimal(c.serial());
    let _ = cfssl_core::certinfo::certificate_json(c);
    let _ = c.extensions().len();
}
