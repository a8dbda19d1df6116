//! `gencrl` against cfssl 1.6.5's recorded output (`fixtures/crl/`), read
//! with OpenSSL: the same list, issuer, signature algorithm and AKI, plus
//! the CRL number cfssl leaves out; signed so that `openssl crl -verify`
//! accepts it.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::pki::{openssl_crl, serial_of};

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

/// `openssl crl -text` without times, signature and CRL number.
fn shape(text: &str) -> Vec<String> {
    support::pki::crl_shape(text, true)
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

/// `crl -db-config`: the CRL lists this CA's revoked certificates of the
/// database, with their reason codes, and none of another issuer's;
/// `openssl verify -crl_check` refuses the revoked leaf and accepts the
/// good one.
#[test]
fn crl_from_the_database_for_this_ca_only() {
    let dir = tempfile::tempdir().unwrap();
    let server = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/server");
    for f in ["ca.pem", "ca-key.pem", "leaf-p256.csr"] {
        std::fs::copy(server.join(f), dir.path().join(f)).unwrap();
    }
    std::fs::write(
        dir.path().join("db.json"),
        r#"{"driver":"sqlite3","data_source":"certs.db"}"#,
    )
    .unwrap();
    let sign = || {
        let out = run(
            dir.path(),
            &[
                "sign",
                "-db-config",
                "db.json",
                "-ca",
                "ca.pem",
                "-ca-key",
                "ca-key.pem",
                "leaf-p256.csr",
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["cert"].as_str().unwrap().to_string()
    };
    let (revoked, good) = (sign(), sign());
    std::fs::write(dir.path().join("revoked.pem"), &revoked).unwrap();
    std::fs::write(dir.path().join("good.pem"), &good).unwrap();
    let aki = "58b58d6a5e95ac90284316ffa705c918f37acc03";
    let out = run(
        dir.path(),
        &[
            "revoke",
            "-db-config",
            "db.json",
            "-serial",
            &serial_of(&revoked),
            "-aki",
            aki,
            "-reason",
            "keyCompromise",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A revoked row of another CA in the same database.
    let py = Command::new("python3")
        .arg("-c")
        .arg(
            "import sqlite3\nc = sqlite3.connect('certs.db')\n\
             c.execute(\"insert into certificates (serial_number, authority_key_identifier, ca_label, status, reason, expiry, revoked_at, pem) values ('777', '00ff', '', 'revoked', 1, '2999-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00', 'x')\")\n\
             c.commit()",
        )
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        py.status.success(),
        "{}",
        String::from_utf8_lossy(&py.stderr)
    );
    let out = run(
        dir.path(),
        &[
            "crl",
            "-db-config",
            "db.json",
            "-ca",
            "ca.pem",
            "-ca-key",
            "ca-key.pem",
            "-expiry",
            "1h",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("left out 1 revoked certificate(s) of other issuers"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verify = openssl_crl(
        dir.path(),
        &out.stdout,
        &["-noout", "-CAfile", "ca.pem", "-verify"],
    );
    assert!(String::from_utf8_lossy(&verify.stderr).contains("verify OK"));
    let text = String::from_utf8(openssl_crl(dir.path(), &out.stdout, &["-noout", "-text"]).stdout)
        .unwrap();
    assert_eq!(text.matches("Serial Number:").count(), 1, "{text}");
    assert!(text.contains("Key Compromise"), "{text}");
    assert!(!text.contains("Serial Number: 0309"), "{text}");
    let pem = openssl_crl(dir.path(), &out.stdout, &["-outform", "PEM"]).stdout;
    std::fs::write(dir.path().join("list.pem"), pem).unwrap();
    let check = |leaf: &str| {
        Command::new("openssl")
            .args([
                "verify",
                "-crl_check",
                "-CAfile",
                "ca.pem",
                "-CRLfile",
                "list.pem",
                leaf,
            ])
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    let bad = check("revoked.pem");
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stdout).contains("certificate revoked")
            || String::from_utf8_lossy(&bad.stderr).contains("certificate revoked"),
        "{bad:?}"
    );
    let ok = check("good.pem");
    assert!(ok.status.success(), "{ok:?}");
    // A missing flag: an error, not cfssl's empty line and success.
    let out = run(
        dir.path(),
        &["crl", "-db-config", "db.json", "-ca", "ca.pem"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
}

/// `-pem` (not in cfssl): the same list as PEM, which `openssl crl` reads
/// as it is and verifies.
#[test]
fn pem_output_is_read_by_openssl() {
    let dir = scratch();
    let out = run(
        dir.path(),
        &[
            "gencrl",
            "-pem",
            "serials.txt",
            "ca.pem",
            "ca-key.pem",
            "86400",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("-----BEGIN X509 CRL-----\n"), "{text}");
    assert!(text.ends_with("-----END X509 CRL-----\n"), "{text}");
    std::fs::write(dir.path().join("list.pem"), &text).unwrap();
    let verify = Command::new("openssl")
        .args([
            "crl", "-in", "list.pem", "-noout", "-CAfile", "ca.pem", "-verify", "-text",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&verify.stderr).contains("verify OK"));
    assert_eq!(
        String::from_utf8_lossy(&verify.stdout)
            .matches("Serial Number:")
            .count(),
        2
    );
    let usage = run(dir.path(), &["gencrl", "-h"]);
    assert!(
        String::from_utf8_lossy(&usage.stderr).contains("-pem=false: print the CRL as PEM"),
        "{}",
        String::from_utf8_lossy(&usage.stderr)
    );
}

/// `crl -db-config` on the database cfssl 1.6.5 wrote and revoked in
/// (`fixtures/ocsp/cfssl-1.6.5-refreshed.db`): the list cfssl's `crl`
/// printed for it (`cfssl-1.6.5-crl.b64`), plus the CRL number and the
/// entry's reason (ledger 32, 34); without `-db-config`, `-ca` or
/// `-ca-key`, cfssl's message and exit 1 (cfssl: exit 0 and an empty line,
/// ledger 35).
#[test]
fn crl_of_the_database_cfssl_wrote() {
    let dir = scratch();
    let ocsp = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/ocsp");
    std::fs::copy(
        ocsp.join("cfssl-1.6.5-refreshed.db"),
        dir.path().join("certs.db"),
    )
    .unwrap();
    let server = ocsp.join("../server");
    std::fs::copy(server.join("ca.pem"), dir.path().join("server-ca.pem")).unwrap();
    std::fs::copy(
        server.join("ca-key.pem"),
        dir.path().join("server-ca-key.pem"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("db.json"),
        r#"{"driver":"sqlite3","data_source":"certs.db"}"#,
    )
    .unwrap();
    let full = [
        "crl",
        "-db-config",
        "db.json",
        "-ca",
        "server-ca.pem",
        "-ca-key",
        "server-ca-key.pem",
        "-expiry",
        "24h",
    ];
    let out = run(dir.path(), &full);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs = std::fs::read(ocsp.join("cfssl-1.6.5-crl.b64")).unwrap();
    let text = |b64: &[u8]| {
        String::from_utf8(openssl_crl(dir.path(), b64, &["-noout", "-text"]).stdout).unwrap()
    };
    let (mine, theirs) = (text(&out.stdout), text(&theirs));
    let without_reason = |t: &str| support::pki::crl_shape(t, false);
    assert_eq!(without_reason(&mine), without_reason(&theirs));
    assert!(mine.contains("Key Compromise"), "{mine}");
    assert!(mine.contains("X509v3 CRL Number"), "{mine}");
    let cases: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(ocsp.join("crl-missing-flags.json")).unwrap(),
    )
    .unwrap();
    for c in cases.as_array().unwrap() {
        let drop = c["without"].as_str().unwrap();
        let i = full.iter().position(|a| *a == drop).unwrap();
        let mut args = full.to_vec();
        args.drain(i..i + 2);
        let out = run(dir.path(), &args);
        assert_eq!(c["rc"], 0, "cfssl exits 0");
        assert_eq!(out.status.code(), Some(1), "{drop}");
        assert!(out.stdout.is_empty(), "{drop}");
        let want = c["stderr"]
            .as_str()
            .unwrap()
            .trim()
            .trim_start_matches("[ERROR] ");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(want),
            "{drop}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
