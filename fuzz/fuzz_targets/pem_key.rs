//! Private keys in PEM (`-ca-key`, `-key`) and DER: parsing, re-encoding,
//! public key and signing.
#![no_main]

use cfssl_core::key::PrivateKey;
use libfuzzer_sys::fuzz_target;

fn walk(key: &PrivateKey) {
    let pem = key.to_pem();
    let again = PrivateKey::from_pem(pem.as_bytes()).expect("our own key PEM parses");
    assert_eq!(
        again.public_key_der(),
        key.public_key_der(),
        "same key after a round trip"
    );
    let _ = key.signature_algorithm();
    let _ = key.sign(b"fuzz");
}

fuzz_target!(|data: &[u8]| {
    if let Ok(key) = PrivateKey::from_pem(data) {
        walk(&key);
    }
    if let Ok(key) = PrivateKey::from_der(data) {
        walk(&key);
    }
});
