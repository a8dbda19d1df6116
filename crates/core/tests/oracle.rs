//! Everything the library makes is read back by someone else's parser
//! (`x509-parser`) and, where `openssl` is installed, by OpenSSL, and chains
//! are verified.

// Test helpers outside `#[test]` functions: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::process::Command;

use cfssl_core::cert::Certificate;
use cfssl_core::config::Config;
use cfssl_core::csr::CertificateRequest;
use cfssl_core::initca;
use cfssl_core::key::PrivateKey;
use cfssl_core::log::NoLog;
use cfssl_core::signer::{FixedClock, FixedEntropy, LocalSigner, SignRequest, split_hosts};
use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use x509_parser::prelude::*;

const CONFIG: &[u8] = br#"{"signing":{"default":{"expiry":"8760h"},"profiles":{
  "www":{"usages":["signing","key encipherment","server auth","client auth"],"expiry":"8760h"},
  "sub":{"usages":["cert sign","crl sign"],"expiry":"43800h","ca_constraint":{"is_ca":true,"max_path_len":0,"max_path_len_zero":true}}}}}"#;

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 21, 39, 31).unwrap()
}

fn make_ca(algo: &str, size: i64) -> (initca::CaOutput, PrivateKey) {
    let req = CertificateRequest::from_json(
        format!(
            r#"{{"CN":"Oracle CA {algo}","key":{{"algo":"{algo}","size":{size}}},
                "names":[{{"C":"US","O":"Oracle","OU":"a"}},{{"OU":"b"}}]}}"#
        )
        .as_bytes(),
    )
    .unwrap();
    let opts = cfssl_core::signer::Sources::default().with_clock(FixedClock(now()));
    let out = initca::new(&req, opts, &mut NoLog).unwrap();
    let key = PrivateKey::from_pem(out.key.as_ref().unwrap().to_pem().as_bytes()).unwrap();
    (out, key)
}

fn sign_leaf(signer: &mut LocalSigner, algo: &str, size: i64, profile: &str) -> (Vec<u8>, String) {
    let req = CertificateRequest::from_json(
        format!(r#"{{"CN":"leaf.oracle.test","key":{{"algo":"{algo}","size":{size}}}}}"#)
            .as_bytes(),
    )
    .unwrap();
    let key = PrivateKey::generate(&req.key).unwrap();
    let csr = req.generate_pem(&key).unwrap();
    let mut sreq = SignRequest::new(csr.clone());
    sreq.hosts = split_hosts("leaf.oracle.test,127.0.0.1,ops@oracle.test,spiffe://oracle/x");
    sreq.profile = profile.into();
    (signer.sign(&sreq, &mut NoLog).unwrap(), csr)
}

fn pem_der(pem_text: &str) -> Vec<u8> {
    ::pem::parse(pem_text).unwrap().into_contents()
}

fn openssl_available() -> bool {
    let ok = Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "openssl is required in CI"
        );
        eprintln!("openssl not found: skipping the OpenSSL checks");
    }
    ok
}

fn write(dir: &std::path::Path, name: &str, der: &[u8], label: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, cfssl_core::go::pem::encode(label, der)).unwrap();
    p
}

#[test]
fn every_key_type_makes_a_chain_others_accept() {
    for (algo, size) in [
        ("rsa", 2048),
        ("ecdsa", 256),
        ("ecdsa", 384),
        ("ecdsa", 521),
        ("ed25519", 0),
    ] {
        let (ca, ca_key) = make_ca(algo, size);
        let ca_der = pem_der(&ca.cert.to_pem());
        let (_, ca_x) = X509Certificate::from_der(&ca_der).unwrap();
        assert_eq!(ca_x.version(), X509Version::V3);
        assert!(ca_x.is_ca(), "{algo}");
        assert_eq!(ca_x.subject(), ca_x.issuer());
        assert!(aki(&ca_x).is_none(), "no AKI on a root");
        assert!(ski(&ca_x).is_some());
        ca_x.verify_signature(None).unwrap_or_else(|e| {
            // x509-parser cannot verify every algorithm (Ed25519, P-521);
            // OpenSSL below covers those.
            eprintln!("{algo}: x509-parser could not verify the root: {e}");
        });
        let ous: Vec<_> = ca_x.subject().iter_organizational_unit().collect();
        assert_eq!(ous.len(), 2, "two OUs in one multi-valued RDN");
        // NotBefore = round(now) - 5 min; 43800h validity.
        // 21:39:31 rounds up to 21:40:00, minus the 5-minute backdate.
        let expected_nb = Utc.with_ymd_and_hms(2026, 11, 27, 21, 35, 0).unwrap();
        assert_eq!(
            ca_x.validity().not_before.timestamp(),
            expected_nb.timestamp()
        );
        assert_eq!(
            ca_x.validity().not_after.timestamp() - ca_x.validity().not_before.timestamp(),
            43_800 * 3600
        );
        let csr_der = pem_der(&ca.csr.to_pem());
        let (_, csr_x) = X509CertificationRequest::from_der(&csr_der).unwrap();
        assert_eq!(csr_x.certification_request_info.subject, *ca_x.subject());

        let cfg = Config::from_json(CONFIG).unwrap();
        let mut signer = LocalSigner::new(
            Certificate::from_pem(ca.cert.to_pem().as_bytes()).unwrap(),
            ca_key,
            cfg,
        )
        .with_clock(FixedClock(now()));
        let (leaf_der, leaf_csr) = sign_leaf(&mut signer, algo, size, "www");
        let (_, leaf) = X509Certificate::from_der(&leaf_der).unwrap();
        assert_eq!(leaf.issuer().as_raw(), ca_x.subject().as_raw());
        let san = leaf.subject_alternative_name().unwrap().unwrap();
        assert_eq!(san.value.general_names.len(), 4);
        let eku = leaf.extended_key_usage().unwrap().unwrap();
        assert!(eku.value.server_auth && eku.value.client_auth);
        assert_eq!(aki(&leaf), ski(&ca_x), "{algo}: AKI = issuer SKI");
        let (sub_der, _) = sign_leaf(&mut signer, algo, size, "sub");
        let (_, sub_x) = X509Certificate::from_der(&sub_der).unwrap();
        assert!(sub_x.is_ca());
        assert_eq!(
            sub_x
                .basic_constraints()
                .unwrap()
                .unwrap()
                .value
                .path_len_constraint,
            Some(0)
        );

        if openssl_available() {
            let dir = tempfile::tempdir().unwrap();
            let ca_path = write(dir.path(), "ca.pem", &ca_der, "CERTIFICATE");
            let leaf_path = write(dir.path(), "leaf.pem", &leaf_der, "CERTIFICATE");
            let out = Command::new("openssl")
                .args(["verify", "-CAfile"])
                .arg(&ca_path)
                .arg(&leaf_path)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{algo}: openssl verify: {}",
                String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr)
            );
            let csr_path = dir.path().join("leaf.csr");
            std::fs::write(&csr_path, &leaf_csr).unwrap();
            let out = Command::new("openssl")
                .args(["req", "-noout", "-verify", "-in"])
                .arg(&csr_path)
                .output()
                .unwrap();
            assert!(out.status.success(), "{algo}: openssl req -verify");
            let key_path = dir.path().join("ca-key.pem");
            std::fs::write(&key_path, ca.key.as_ref().unwrap().to_pem()).unwrap();
            let out = Command::new("openssl")
                .args(["pkey", "-noout", "-in"])
                .arg(&key_path)
                .output()
                .unwrap();
            assert!(out.status.success(), "{algo}: openssl reads the key PEM");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Serial numbers are positive and at most 20 octets whatever the random
    /// bytes are (cfssl: 20 random bytes with the top bit cleared).
    #[test]
    fn serials_are_positive_and_at_most_20_octets(bytes in proptest::collection::vec(any::<u8>(), 20)) {
        prop_assume!(bytes.iter().any(|b| *b != 0));
        let (ca, key) = shared_ca();
        let cfg = Config::from_json(CONFIG).unwrap();
        let signer = LocalSigner::new(Certificate::from_pem(ca.as_bytes()).unwrap(), key, cfg)
            .with_entropy(FixedEntropy(bytes));
        let req = CertificateRequest::from_json(br#"{"CN":"s"}"#).unwrap();
        let k = PrivateKey::generate(&req.key).unwrap();
        let mut sreq = SignRequest::new(req.generate_pem(&k).unwrap());
        sreq.profile = "www".into();
        let der = signer.sign(&sreq, &mut NoLog).unwrap();
        let (_, x) = X509Certificate::from_der(&der).unwrap();
        let raw = x.raw_serial();
        prop_assert!(raw.len() <= 20);
        prop_assert!(raw[0] & 0x80 == 0, "positive");
        prop_assert!(raw.len() == 1 || raw[0] != 0 || raw[1] & 0x80 != 0, "minimal");
    }
}

fn ski(c: &X509Certificate<'_>) -> Option<Vec<u8>> {
    c.extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(k) => Some(k.0.to_vec()),
            _ => None,
        })
}

fn aki(c: &X509Certificate<'_>) -> Option<Vec<u8>> {
    c.extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::AuthorityKeyIdentifier(a) => {
                a.key_identifier.as_ref().map(|k| k.0.to_vec())
            }
            _ => None,
        })
}

fn shared_ca() -> (String, PrivateKey) {
    use std::sync::OnceLock;
    static CA: OnceLock<(String, String)> = OnceLock::new();
    let (cert, key) = CA.get_or_init(|| {
        let (out, _) = make_ca("ecdsa", 256);
        (out.cert.to_pem(), out.key.unwrap().to_pem())
    });
    (cert.clone(), PrivateKey::from_pem(key.as_bytes()).unwrap())
}
