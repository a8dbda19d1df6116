//! Signing-config JSON (`-config`): loading, profile lookup, and signing a
//! fixed CSR with a fixed CA under every profile of the config.
#![no_main]

use cfssl_core::config::Config;
use cfssl_core::signer::SignRequest;
use libfuzzer_sys::fuzz_target;

#[path = "common/mod.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(config) = Config::from_json(data) else {
        return;
    };
    let mut names: Vec<String> = config.profiles.iter().map(|(n, _)| n.clone()).collect();
    names.push(String::new());
    for name in &names {
        let p = config.profile(name);
        let _ = p.usage_bits();
        let _ = p.expiry_string();
        let _ = config.effective_expiry(p);
    }
    let mut signer = common::signer(config);
    for name in names.iter().take(4) {
        let mut req = SignRequest::new(common::fixed().leaf_csr_pem.clone());
        req.profile = name.clone();
        common::sign_and_check(&mut signer, &req);
    }
});
