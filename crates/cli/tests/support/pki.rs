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

/// `openssl ocsp -respin -resp_text -noverify` of a DER response (written
/// to `dir/shape.der`) without what changes from run to run: the three
/// times and the signature.
pub(crate) fn ocsp_shape(dir: &Path, der: &[u8]) -> Vec<String> {
    std::fs::write(dir.join("shape.der"), der).unwrap();
    let out = Command::new("openssl")
        .args(["ocsp", "-respin", "shape.der", "-resp_text", "-noverify"])
        .current_dir(dir)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut lines = Vec::new();
    let mut in_signature = false;
    for l in text.lines() {
        let t = l.trim();
        if t.starts_with("Signature Value") {
            in_signature = true;
            continue;
        }
        if in_signature && t.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
            continue;
        }
        in_signature = false;
        match t.split_once(": ") {
            Some((k @ ("Produced At" | "This Update" | "Next Update"), _)) => lines.push(k.into()),
            _ => lines.push(t.to_string()),
        }
    }
    assert!(lines.len() > 10, "{text}");
    lines
}

/// `openssl crl -text` without what differs from run to run (times,
/// signature) and without the CRL number; with `reasons` false, also
/// without the entries' reason codes (cfssl writes neither: ours has both).
pub(crate) fn crl_shape(text: &str, reasons: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(l) = lines.next() {
        let t = l.trim();
        if t.starts_with("X509v3 CRL Number")
            || (!reasons && t.starts_with("X509v3 CRL Reason Code"))
        {
            lines.next();
            continue;
        }
        if !reasons && t.starts_with("CRL entry extensions") {
            continue;
        }
        if t.starts_with("Signature Value") {
            break;
        }
        if let Some((k @ ("Last Update" | "Next Update" | "Revocation Date"), _)) =
            t.split_once(':')
        {
            out.push(k.to_string());
            continue;
        }
        out.push(t.to_string());
    }
    out
}
