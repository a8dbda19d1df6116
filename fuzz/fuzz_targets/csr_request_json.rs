//! CSR request JSON (`cfssl gencert`/`genkey`/`selfsign` input, and `sign`'s
//! SUBJECT): decoding, subject and extension building, PKCS#10 signing with a
//! fixed key, signing that CSR with a fixed CA (copying its extensions, with
//! the request as the subject override), and CA creation from the request
//! with a fixed key and clock.
#![no_main]

use cfssl_core::config::Config;
use cfssl_core::csr::{CertificateRequest, Csr};
use cfssl_core::initca;
use cfssl_core::log::NoLog;
use cfssl_core::signer::{FixedEntropy, SignRequest, SubjectOverride};
use libfuzzer_sys::fuzz_target;

#[path = "common/mod.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(req) = CertificateRequest::from_json(data) else {
        return;
    };
    let _ = req.key.spec();
    let _ = req.key.label();
    let _ = req.validate_ca_subject();
    if let Ok(subject) = req.subject() {
        let _ = subject.to_der();
    }
    let _ = req.csr_extensions();
    let key = common::leaf_key();
    if let Ok(der) = req.generate(&key) {
        // Whatever we build, we must be able to read back and verify.
        let csr = Csr::from_der(&der).expect("our own CSR parses");
        csr.verify().expect("our own CSR verifies");
        let _ = csr.sans();
        let _ = csr.basic_constraints();
        // `cfssl sign` of that CSR: a valid signature over hostile contents,
        // under a policy that copies the CSR's extensions and may issue CAs.
        let pem = cfssl_core::go::pem::encode("CERTIFICATE REQUEST", &der);
        let policy = Config::from_json(
            br#"{"signing":{"default":{"usages":["signing","server auth"],"expiry":"1h",
                "copy_extensions":true,"ca_constraint":{"is_ca":true,"max_path_len":3}}}}"#,
        )
        .expect("fixed policy");
        let mut sreq = SignRequest::new(pem);
        sreq.subject = Some(SubjectOverride {
            cn: req.cn.clone(),
            names: req.names.clone(),
            serial_number: req.serial_number.clone(),
        });
        common::sign_and_check(&mut common::signer(policy), &sreq);
    }
    // `gencert -initca -ca-key`: a CA from the request and an existing key.
    let opts = initca::Options {
        clock: Some(Box::new(common::clock())),
        entropy: Some(Box::new(FixedEntropy(vec![7]))),
    };
    if let Ok(out) = initca::new_from_key(&req, key, opts, &mut NoLog) {
        let cert = cfssl_core::cert::Certificate::from_pem(out.cert.as_bytes())
            .expect("our own CA certificate parses");
        common::walk_certificate(&cert);
    }
});
