//! CSRs in PEM (`cfssl sign` input): parsing, signature check, and signing
//! with a fixed CA, once under the default profile and once under a profile
//! that copies the CSR's extensions.
#![no_main]

use cfssl_core::config::Config;
use cfssl_core::csr::Csr;
use cfssl_core::signer::SignRequest;
use libfuzzer_sys::fuzz_target;

#[path = "common/mod.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(csr) = Csr::from_pem(data) else {
        return;
    };
    let _ = csr.sans();
    let _ = csr.basic_constraints();
    let _ = csr.subject().to_der();
    if csr.verify().is_err() {
        return;
    }
    let policies = [
        r#"{"signing":{"default":{"usages":["signing"],"expiry":"1h"}}}"#,
        r#"{"signing":{"default":{"usages":["signing"],"expiry":"1h","copy_extensions":true,
            "ca_constraint":{"is_ca":true,"max_path_len":2}}}}"#,
    ];
    for policy in policies {
        let config = Config::from_json(policy.as_bytes()).expect("fixed policy");
        let mut signer = common::signer(config);
        common::sign_and_check(&mut signer, &SignRequest::new(data.to_vec()));
    }
});
