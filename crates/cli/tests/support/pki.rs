//! Reading what the CRL and certificate database tests produce with other
//! parsers: x509-parser for serial numbers, OpenSSL for CRLs.

#![allow(clippy::unwrap_used)] // test support: a failed unwrap is a failed test

use std::path::Path;
use std::process::{Command, Output};

/// The decimal serial number of a certificate in PEM.
pub(crate) fn serial_of(pem: &str) -> String {
    let (_, block) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).unwrap();
    let cert = block.parse_x509().unwrap();
    cert.tbs_certificate.serial.to_str_radix(10)
}

/// `openssl crl -inform DER` with `args` on a CRL printed as one line of
/// base64 DER (cfssl's form), written to `dir/list.der` first.
pub(crate) fn openssl_crl(dir: &Path, b64: &[u8], args: &[&str]) -> Output {
    let text = String::from_utf8_lossy(b64);
    let der = super::pem::decode_base64(text.trim_end()).expect("one line of base64 DER");
    std::fs::write(dir.join("list.der"), der).unwrap();
    Command::new("openssl")
        .args(["crl", "-inform", "DER", "-in", "list.der"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}
