//! `certinfo -csr`: Go's `x509.CertificateRequest` JSON, checked byte for byte
//! against cfssl 1.6.5's recorded output and, for other key types, for shape.

// Test helpers outside `#[test]` functions: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use cfssl_core::certinfo::{csr_json, csr_pem_json};
use cfssl_core::csr::{CertificateRequest, Csr};
use cfssl_core::key::PrivateKey;
use serde_json::Value;

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/certinfo")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A fresh CSR for `request` (cfssl CSR JSON) and its key.
fn make_csr(request: &str) -> (Csr, PrivateKey) {
    let req = CertificateRequest::from_json(request.as_bytes()).unwrap();
    let key = PrivateKey::generate(&req.key).unwrap();
    (Csr::from_der(&req.generate(&key).unwrap()).unwrap(), key)
}

/// Standard base64, for comparing `[]byte` fields.
fn b64(data: &[u8]) -> String {
    let pem = cfssl_core::go::pem::encode("X", data);
    pem.lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<String>()
}

/// The decimal text of a big-endian unsigned integer.
fn decimal(bytes: &[u8]) -> String {
    cfssl_core::cert::decimal(bytes)
}

/// Parses our output and checks the fields every request has.
fn parse_and_check_common(csr: &Csr, json: &str) -> Value {
    // serde_json cannot hold an RSA modulus as a number; Go writes it bare, so
    // only its place is checked here (the RSA test checks its digits).
    let huge = regex::Regex::new(r"\d{300,}").unwrap();
    let v: Value = serde_json::from_str(&huge.replace_all(json, "0")).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "Raw",
            "RawTBSCertificateRequest",
            "RawSubjectPublicKeyInfo",
            "RawSubject",
            "Version",
            "Signature",
            "SignatureAlgorithm",
            "PublicKeyAlgorithm",
            "PublicKey",
            "Subject",
            "Attributes",
            "Extensions",
            "ExtraExtensions",
            "DNSNames",
            "EmailAddresses",
            "IPAddresses",
            "URIs"
        ]
    );
    assert_eq!(v["Raw"], b64(csr.raw()));
    assert_eq!(v["RawSubjectPublicKeyInfo"], b64(csr.public_key_der()));
    assert_eq!(v["Version"], 0);
    assert_eq!(v["ExtraExtensions"], Value::Null);
    assert_eq!(v["Subject"]["ExtraNames"], Value::Null);
    let pem = cfssl_core::go::pem::encode("CERTIFICATE REQUEST", csr.raw());
    assert_eq!(csr_pem_json(pem.as_bytes()).unwrap(), json);
    v
}

#[test]
fn golden_ecdsa_csr_matches_cfssl_byte_for_byte() {
    let csr = Csr::from_pem(&fixture("ca.csr")).unwrap();
    let expected = String::from_utf8(fixture("2.stdout")).unwrap();
    // cfssl prints the JSON with fmt.Println.
    let ours = format!("{}\n", csr_json(&csr));
    assert_eq!(ours, expected);
    let from_pem = csr_pem_json(&fixture("ca.csr")).unwrap();
    assert_eq!(format!("{from_pem}\n"), expected);
}

#[test]
fn ecdsa_p384_csr_is_well_formed() {
    let (csr, _) = make_csr(
        r#"{"CN":"p384.test","key":{"algo":"ecdsa","size":384},
            "names":[{"C":"DE","O":"B","OU":"x"},{"OU":"y"}],
            "hosts":["p384.test","10.1.2.3","::1","ops@p384.test","spiffe://p384.test/svc"]}"#,
    );
    let json = csr_json(&csr);
    let v = parse_and_check_common(&csr, &json);
    assert_eq!(v["SignatureAlgorithm"], 11, "ECDSAWithSHA384");
    assert_eq!(v["PublicKeyAlgorithm"], 3, "ECDSA");
    let point = &csr.public_key_der()[csr.public_key_der().len() - 97..];
    assert_eq!(point[0], 4);
    assert!(json.contains(&format!("\"X\": {},\n", decimal(&point[1..49]))));
    assert!(json.contains(&format!("\"Y\": {}\n", decimal(&point[49..]))));
    assert_eq!(v["PublicKey"]["Curve"], serde_json::json!({}));
    assert_eq!(v["Subject"]["CommonName"], "p384.test");
    assert_eq!(v["Subject"]["Country"], serde_json::json!(["DE"]));
    assert_eq!(
        v["Subject"]["OrganizationalUnit"],
        serde_json::json!(["x", "y"])
    );
    assert_eq!(v["Subject"]["StreetAddress"], Value::Null);
    assert_eq!(v["Subject"]["SerialNumber"], "");
    assert_eq!(
        v["Subject"]["Names"][0],
        serde_json::json!({"Type": [2, 5, 4, 6], "Value": "DE"})
    );
    assert_eq!(v["DNSNames"], serde_json::json!(["p384.test"]));
    assert_eq!(v["IPAddresses"], serde_json::json!(["10.1.2.3", "::1"]));
    assert_eq!(v["EmailAddresses"], serde_json::json!(["ops@p384.test"]));
    assert_eq!(
        v["URIs"],
        serde_json::json!([{
            "Scheme": "spiffe", "Opaque": "", "User": null, "Host": "p384.test",
            "Path": "/svc", "RawPath": "", "OmitHost": false, "ForceQuery": false,
            "RawQuery": "", "Fragment": "", "RawFragment": ""
        }])
    );
    assert_eq!(v["Extensions"][0]["Id"], serde_json::json!([2, 5, 29, 17]));
    assert_eq!(v["Extensions"][0]["Critical"], false);
    assert_eq!(
        v["Attributes"][0]["Type"],
        serde_json::json!([1, 2, 840, 113549, 1, 9, 14])
    );
}

#[test]
fn ed25519_csr_is_well_formed() {
    let (csr, _) = make_csr(r#"{"CN":"ed.test","key":{"algo":"ed25519"}}"#);
    let json = csr_json(&csr);
    let v = parse_and_check_common(&csr, &json);
    assert_eq!(v["SignatureAlgorithm"], 16, "PureEd25519");
    assert_eq!(v["PublicKeyAlgorithm"], 4, "Ed25519");
    let spki = csr.public_key_der();
    assert_eq!(v["PublicKey"], b64(&spki[spki.len() - 32..]));
    // No hosts: no extension request, so nil slices everywhere.
    for field in [
        "Attributes",
        "Extensions",
        "DNSNames",
        "EmailAddresses",
        "IPAddresses",
        "URIs",
    ] {
        assert_eq!(v[field], Value::Null, "{field}");
    }
    assert_eq!(v["Subject"]["Country"], Value::Null);
    assert_eq!(
        v["Subject"]["Names"],
        serde_json::json!([{"Type": [2, 5, 4, 3], "Value": "ed.test"}])
    );
}

#[test]
fn rsa_csr_is_well_formed() {
    let (csr, _) = make_csr(r#"{"CN":"rsa.test","key":{"algo":"rsa","size":2048}}"#);
    let json = csr_json(&csr);
    let v = parse_and_check_common(&csr, &json);
    assert_eq!(v["SignatureAlgorithm"], 4, "SHA256WithRSA");
    assert_eq!(v["PublicKeyAlgorithm"], 1, "RSA");
    assert_eq!(v["PublicKey"]["E"], 65537);
    // N is a bare 617-digit number, not a string.
    let n_line = json
        .lines()
        .find(|l| l.trim_start().starts_with("\"N\": "))
        .unwrap();
    let digits = n_line
        .trim()
        .trim_start_matches("\"N\": ")
        .trim_end_matches(',');
    assert!(digits.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(digits.len(), 617);
}

#[test]
fn what_go_refuses_is_refused_with_gos_words() {
    // No PEM at all: cfssl's own error.
    let e = csr_pem_json(b"garbage").unwrap_err();
    assert_eq!(
        (e.code(), e.message()),
        (Some(cfssl_core::Code::CsrDecodeFailed), "CSR Decode failed")
    );
    // A certificate given as a CSR: encoding/asn1's complaint about the version field.
    let cert = cfssl_core::go::pem::encode("CERTIFICATE", &[0x30, 5, 0x30, 3, 0xa0, 1, 0]);
    let e = csr_pem_json(cert.as_bytes()).unwrap_err();
    assert_eq!(e.code(), None);
    assert_eq!(
        e.message(),
        "asn1: structure error: tags don't match (2 vs {class:2 tag:0 length:1 isCompound:true}) \
         {optional:false explicit:false application:false private:false defaultValue:<nil> \
         tag:<nil> stringType:0 timeType:0 set:false omitEmpty:false} int @2"
    );
    // Trailing bytes after the request.
    let mut der = Csr::from_pem(&fixture("ca.csr")).unwrap().raw().to_vec();
    der.extend([0, 0]);
    let pem = cfssl_core::go::pem::encode("CERTIFICATE REQUEST", &der);
    assert_eq!(
        csr_pem_json(pem.as_bytes()).unwrap_err().message(),
        "asn1: syntax error: trailing data"
    );
}

#[test]
fn rsa_modulus_matches_the_key() {
    use x509_parser::prelude::*;
    let (csr, _) = make_csr(r#"{"CN":"rsa.test","key":{"algo":"rsa","size":2048}}"#);
    let (_, spki) = SubjectPublicKeyInfo::from_der(csr.public_key_der()).unwrap();
    let Ok(public_key::PublicKey::RSA(rsa)) = spki.parsed() else {
        panic!("not an RSA key")
    };
    let n = rsa
        .modulus
        .iter()
        .skip_while(|b| **b == 0)
        .copied()
        .collect::<Vec<_>>();
    assert!(csr_json(&csr).contains(&format!("\"N\": {},\n", decimal(&n))));
}
