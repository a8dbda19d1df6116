//! `gencrl` against cfssl 1.6.5's recorded output (`fixtures/crl/`), read
//! with OpenSSL: the same list, issuer, signature algorithm and AKI, plus
//! the CRL number cfssl leaves out; signed so that `openssl crl -verify`
//! accepts it.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn ours() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cfssl"))
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/crl")
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(ours())
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

/// `openssl crl` with `args` on base64 DER text.
fn openssl_crl(dir: &Path, b64: &[u8], args: &[&str]) -> Output {
    let der = {
        let mut child = Command::new("base64")
            .arg("-d")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(b64).unwrap();
        child.wait_with_output().unwrap().stdout
    };
    std::fs::write(dir.join("list.der"), der).unwrap();
    Command::new("openssl")
        .args(["crl", "-inform", "DER", "-in", "list.der"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

/// `openssl crl -text` without what differs from run to run (times,
/// signature) and without the CRL number.
fn shape(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(l) = lines.next() {
        let t = l.trim();
        if t.starts_with("X509v3 CRL Number") {
            lines.next();
            continue;
        }
        if t.starts_with("Signature Value") {
            break;
        }
        if t.starts_with("Last Update")
            || t.starts_with("Next Update")
            || t.starts_with("Revocation Date")
        {
            out.push(t.split(':').next().unwrap().to_string());
            continue;
        }
        out.push(t.to_string());
    }
    out
}

fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in ["ca.pem", "ca-key.pem", "serials.txt"] {
        std::fs::copy(fixtures().join(f), dir.path().join(f)).unwrap();
    }
    dir
}

#[test]
fn gencrl_lists_as_cfssl_and_verifies() {
    let dir = scratch();
    let out = run(
        dir.path(),
        &["gencrl", "serials.txt", "ca.pem", "ca-key.pem", "86400"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout.iter().filter(|b| **b == b'\n').count(), 1);
    assert!(out.stdout.ends_with(b"\n"));
    let verify = openssl_crl(
        dir.path(),
        &out.stdout,
        &["-noout", "-CAfile", "ca.pem", "-verify"],
    );
    assert!(
        String::from_utf8_lossy(&verify.stderr).contains("verify OK"),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    let ours = String::from_utf8(openssl_crl(dir.path(), &out.stdout, &["-noout", "-text"]).stdout)
        .unwrap();
    let reference = std::fs::read(fixtures().join("cfssl-1.6.5-gencrl.b64")).unwrap();
    let theirs =
        String::from_utf8(openssl_crl(dir.path(), &reference, &["-noout", "-text"]).stdout)
            .unwrap();
    assert_eq!(
        shape(&ours),
        shape(&theirs),
        "ours:\n{ours}\ncfssl 1.6.5:\n{theirs}"
    );
    // What cfssl leaves out and RFC 5280 requires.
    assert!(ours.contains("X509v3 CRL Number"), "{ours}");
    assert!(!theirs.contains("X509v3 CRL Number"));
    // 86400 s between this and the next update.
    let update = |name: &str| {
        let line = ours.lines().find(|l| l.trim().starts_with(name)).unwrap();
        let when = line.split_once(": ").unwrap().1.trim().to_string();
        let out = Command::new("date")
            .args(["-u", "-d", &when, "+%s"])
            .output()
            .unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .trim()
            .parse::<i64>()
            .unwrap()
    };
    assert_eq!(update("Next Update") - update("Last Update"), 86400);
}

#[test]
fn gencrl_of_no_serials_has_no_list_and_a_week() {
    let dir = scratch();
    std::fs::write(dir.path().join("none.txt"), "\n").unwrap();
    let out = run(dir.path(), &["gencrl", "none.txt", "ca.pem", "ca-key.pem"]);
    assert!(out.status.success());
    let text = String::from_utf8(openssl_crl(dir.path(), &out.stdout, &["-noout", "-text"]).stdout)
        .unwrap();
    assert!(text.contains("No Revoked Certificates."), "{text}");
}

#[test]
fn gencrl_bad_input_gets_a_clear_error_and_no_list() {
    let dir = scratch();
    std::fs::write(dir.path().join("hex.txt"), "12345\n0x1f\n").unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/server/ca-key.pem"),
        dir.path().join("other-key.pem"),
    )
    .unwrap();
    let cases: [(&[&str], &str); 4] = [
        (
            &["gencrl", "hex.txt", "ca.pem", "ca-key.pem"],
            "line 2 of the serial list is not a decimal serial number: \"0x1f\"\n",
        ),
        (
            &["gencrl", "serials.txt", "ca.pem", "ca-key.pem", "soon"],
            "strconv.ParseInt: parsing \"soon\": invalid syntax\n",
        ),
        (
            &["gencrl", "serials.txt", "ca.pem", "other-key.pem"],
            "{\"code\":2300,\"message\":\"the key does not belong to the CA certificate\"}\n",
        ),
        (
            &["gencrl", "serials.txt", "ca.pem"],
            "not enough arguments are supplied --- please refer to the usage\n",
        ),
    ];
    for (args, want) in cases {
        let out = run(dir.path(), args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), want, "{args:?}");
    }
}
