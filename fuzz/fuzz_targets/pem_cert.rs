//! Certificates in PEM (`-ca`, `-cert`) and DER: parsing, every accessor,
//! certinfo's JSON, gencsr's request-from-certificate, and using the
//! certificate as a CA (with a key that does not match it).
#![no_main]

use cfssl_core::cert::Certificate;
use cfssl_core::config::Config;
use cfssl_core::initca;
use cfssl_core::signer::{LocalSigner, SignRequest};
use libfuzzer_sys::fuzz_target;

#[path = "common/mod.rs"]
mod common;

fn walk(cert: Certificate) {
    common::walk_certificate(&cert);
    let req = initca::request_from_certificate(&cert);
    let _ = req.generate(&common::leaf_key());
    let mut signer =
        LocalSigner::new(cert, common::ca_key(), Config::default()).with_clock(common::clock());
    let _ = signer.key_matches();
    common::sign_and_check(
        &mut signer,
        &SignRequest::new(common::fixed().leaf_csr_pem.clone()),
    );
}

fuzz_target!(|data: &[u8]| {
    if let Ok(cert) = Certificate::from_pem(data) {
        walk(cert);
    }
    if let Ok(cert) = Certificate::from_der(data) {
        walk(cert);
    }
});
