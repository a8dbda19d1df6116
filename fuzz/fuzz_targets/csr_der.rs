//! PKCS#10 DER: parsing, accessors, signature check, and (when the signature
//! holds) signing it with a fixed CA after wrapping it in PEM.
#![no_main]

use cfssl_core::config::Config;
use cfssl_core::csr::Csr;
use cfssl_core::signer::SignRequest;
use libfuzzer_sys::fuzz_target;

#[path = "common/mod.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(csr) = Csr::from_der(data) else {
        return;
    };
    assert_eq!(csr.raw(), data);
    let _ = csr.sans();
    let _ = csr.basic_constraints();
    let _ = csr.subject().to_der();
    let _ = csr.public_key_der();
    let _ = csr.extensions().len();
    if csr.verify().is_ok() {
        let pem = cfssl_core::go::pem::encode("CERTIFICATE REQUEST", data);
        let config = Config::from_json(
            br#"{"signing":{"default":{"usages":["signing"],"expiry":"1h","copy_extensions":true}}}"#,
        )
        .expect("fixed policy");
        common::sign_and_check(&mut common::signer(config), &SignRequest::new(pem));
    }
});
