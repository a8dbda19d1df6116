//! `serve`'s revocation endpoints (`/crl`, `/gencrl`, `/ocspsign`,
//! `/revoke` with an OCSP signer) against cfssl 1.6.5's recorded answers
//! (`fixtures/ocsp/endpoints-cases.json`), the CRLs and responses compared
//! through OpenSSL.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod support;

use support::serve::request as post;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn ours() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cfssl"))
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// A scratch folder laid out as the recording's: the OCSP fixtures, the
/// server fixtures one folder up, a copy of the database cfssl refreshed.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    support::serve::copy_dir(&fixtures().join("ocsp"), &dir.path().join("ocsp"));
    support::serve::copy_dir(&fixtures().join("server"), &dir.path().join("server"));
    std::fs::copy(
        fixtures().join("ocsp/cfssl-1.6.5-refreshed.db"),
        dir.path().join("ocsp/certs.db"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("ocsp/db.json"),
        r#"{"driver":"sqlite3","data_source":"certs.db"}"#,
    )
    .unwrap();
    dir
}

fn openssl_text(dir: &Path, der: &[u8], args: &[&str]) -> String {
    std::fs::write(dir.join("x.der"), der).unwrap();
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `openssl crl -text` without times, signature, CRL number and entry
/// reasons (ours has them: ledger 32, 34).
fn crl_shape(dir: &Path, b64: &str) -> Vec<String> {
    let der = cfssl_core::go::base64::decode(b64.as_bytes()).unwrap();
    let text = openssl_text(
        dir,
        &der,
        &["crl", "-inform", "DER", "-in", "x.der", "-noout", "-text"],
    );
    let out = support::pki::crl_shape(&text, false);
    assert!(out.len() > 5, "{text}");
    out
}

/// `openssl ocsp -resp_text` of a base64 response without times and
/// signature.
fn ocsp_shape(dir: &Path, b64: &str) -> Vec<String> {
    let der = cfssl_core::go::base64::decode(b64.as_bytes()).unwrap();
    support::pki::ocsp_shape(dir, &der)
}

fn result_of(body: &str) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_str(body).unwrap();
    v["result"].clone()
}

/// Every recorded request in order: the same status, content type and
/// envelope; CRLs and OCSP responses the same through OpenSSL. Three
/// differ on purpose (docs/compat.md): a serial that is not decimal and a
/// key that is not the certificate's are refused by `/gencrl` (ledger
/// 33), and `/ocspsign` refuses a reason that is no RFC 5280 code (ledger
/// 41). After `/revoke` our responder's fresh response is in the
/// database at once (cfssl's serve stores none).
#[test]
fn revocation_endpoints_answer_as_cfssl() {
    let dir = scratch();
    let ocsp = dir.path().join("ocsp");
    let args: Vec<String> = [
        "-ca",
        "../server/ca.pem",
        "-ca-key",
        "../server/ca-key.pem",
        "-config",
        "config.json",
        "-db-config",
        "db.json",
        "-responder",
        "responder.pem",
        "-responder-key",
        "responder-key.pem",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let log = ocsp.join("serve.log");
    let serve = support::serve::start_command(&ours(), &ocsp, "serve", &args, || {
        Stdio::from(std::fs::File::create(&log).unwrap())
    })
    .expect("serve starts");
    let text = std::fs::read_to_string(fixtures().join("ocsp/endpoints-cases.json")).unwrap();
    let cases: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut compared = 0;
    for c in cases.as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let (status, ctype, body) = post(
            serve.addr,
            c["method"].as_str().unwrap(),
            c["path"].as_str().unwrap(),
            c["body"].as_str(),
        );
        let want = c["response"].as_str().unwrap();
        let want_status = c["status"].as_u64().unwrap();
        match name {
            "gencrl-hex-serial" | "gencrl-wrong-key" | "ocspsign-revoked-reason-99" => {
                assert_eq!(want_status, 200, "{name}: cfssl signs");
                assert_eq!(status, 400, "{name}: {body}");
                let msg = result_error(&body);
                let expect = match name {
                    "gencrl-hex-serial" => {
                        "serialNumber[0] is not a decimal serial number: \"0x10\""
                    }
                    "gencrl-wrong-key" => "the key does not belong to the CA certificate",
                    _ => "Invalid revocation reason 99: RFC 5280 codes are 0-6 and 8-10",
                };
                assert_eq!(msg, expect, "{name}");
                continue;
            }
            _ => {}
        }
        assert_eq!(u64::from(status), want_status, "{name}: {body}");
        assert_eq!(
            Some(ctype.as_str()),
            c["content_type"]
                .as_str()
                .map(str::to_ascii_lowercase)
                .as_deref(),
            "{name}"
        );
        let theirs = result_of(want);
        let mine = result_of(&body);
        if status == 200 && (name.starts_with("crl") || name.starts_with("gencrl")) {
            let der = cfssl_core::go::base64::decode(mine.as_str().unwrap().as_bytes()).unwrap();
            std::fs::write(ocsp.join("ours.der"), der).unwrap();
            let verify = Command::new("openssl")
                .args([
                    "crl",
                    "-inform",
                    "DER",
                    "-in",
                    "ours.der",
                    "-noout",
                    "-CAfile",
                    "../server/ca.pem",
                    "-verify",
                ])
                .current_dir(&ocsp)
                .output()
                .unwrap();
            assert!(
                String::from_utf8_lossy(&verify.stderr).contains("verify OK"),
                "{name}: {}",
                String::from_utf8_lossy(&verify.stderr)
            );
            assert_eq!(
                crl_shape(&ocsp, mine.as_str().unwrap()),
                crl_shape(&ocsp, theirs.as_str().unwrap()),
                "{name}"
            );
        } else if status == 200 && name.starts_with("ocspsign") {
            assert_eq!(
                ocsp_shape(&ocsp, mine["ocspResponse"].as_str().unwrap()),
                ocsp_shape(&ocsp, theirs["ocspResponse"].as_str().unwrap()),
                "{name}"
            );
        } else {
            assert_eq!(body, want, "{name}");
        }
        compared += 1;
    }
    assert_eq!(compared, 29);
    // The fresh response /revoke stored for the third certificate.
    let serials =
        std::fs::read_to_string(fixtures().join("ocsp/cfssl-1.6.5-refreshed.serials")).unwrap();
    let third = serials.lines().nth(2).unwrap();
    let dump = Command::new(ours())
        .args(["ocspdump", "-db-config", "db.json"])
        .current_dir(&ocsp)
        .output()
        .unwrap();
    let revoked = String::from_utf8(dump.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            cfssl_core::ocsp::Response::from_der(
                &cfssl_core::go::base64::decode(l.as_bytes()).unwrap(),
            )
            .unwrap()
        })
        .find(|r| r.cert_id.serial_decimal() == third)
        .unwrap();
    assert!(
        matches!(
            revoked.status,
            cfssl_core::ocsp::CertStatus::Revoked { reason: 4, .. }
        ),
        "{:?}",
        revoked.status
    );
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(
        log.contains("[ERROR] error from ParseCertificatePEM{\"code\":1002,\"message\":\"Failed to decode certificate\"}"),
        "{log}"
    );
    assert!(log.contains("[INFO] requested expiry time of 1h"), "{log}");
}

fn result_error(body: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(body).unwrap();
    v["errors"][0]["message"].as_str().unwrap().to_string()
}

/// `/crl?format=der` and `?format=pem` (not in cfssl, upstream #1417): the
/// list itself, usable as a CRL distribution point, verified by OpenSSL;
/// another format is refused.
#[test]
fn crl_formats_for_distribution_points() {
    let dir = scratch();
    let ocsp = dir.path().join("ocsp");
    let args: Vec<String> = [
        "-ca",
        "../server/ca.pem",
        "-ca-key",
        "../server/ca-key.pem",
        "-db-config",
        "db.json",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let serve = support::serve::start_command(&ours(), &ocsp, "serve", &args, Stdio::null)
        .expect("serve starts");
    let mut s = TcpStream::connect(serve.addr).unwrap();
    s.write_all(
        b"GET /api/v1/cfssl/crl?format=der HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(
        head.contains("content-type: application/pkix-crl"),
        "{head}"
    );
    std::fs::write(ocsp.join("list.der"), &raw[end + 4..]).unwrap();
    let verify = Command::new("openssl")
        .args([
            "crl",
            "-inform",
            "DER",
            "-in",
            "list.der",
            "-noout",
            "-CAfile",
            "../server/ca.pem",
            "-verify",
        ])
        .current_dir(&ocsp)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&verify.stderr).contains("verify OK"),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    let (status, ctype, body) = post(
        serve.addr,
        "GET",
        "/api/v1/cfssl/crl?format=pem&expiry=2h",
        None,
    );
    assert_eq!((status, ctype.as_str()), (200, "application/x-pem-file"));
    assert!(body.starts_with("-----BEGIN X509 CRL-----\n"), "{body}");
    let (status, _, body) = post(serve.addr, "GET", "/api/v1/cfssl/crl?format=xml", None);
    assert_eq!(status, 400);
    assert_eq!(
        result_error(&body),
        "unknown format \"xml\": der or pem (or none for cfssl's JSON)"
    );
}
