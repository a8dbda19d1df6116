//! `cfssl certinfo`: `-csr` against cfssl 1.6.5's recorded output, `-domain`
//! against a local `openssl s_server` serving a certificate made by our own
//! `cfssl`, and the error paths.
//!
//! The `-domain` tests need the `openssl` command; without it they skip with
//! a message, except under `CI=true`, where they fail.

// Test helpers outside `#[test]` functions: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod support;

use support::serve::free_port;

const CFSSL: &str = env!("CARGO_BIN_EXE_cfssl");

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/certinfo")
        .join(name)
}

/// Runs our `cfssl` in `dir` with `args` and optional standard input.
fn cfssl(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(CFSSL)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(bytes) = stdin {
        input.write_all(bytes).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Asserts exit status 1 and exactly `stderr` (plus a newline), no stdout.
fn assert_fails_with(out: &Output, stderr: &str) {
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));
    assert_eq!(text(&out.stderr), format!("{stderr}\n"));
    assert_eq!(text(&out.stdout), "");
}

#[test]
fn csr_prints_gos_certificate_request_like_cfssl() {
    let dir = tempfile::tempdir().unwrap();
    let expected = std::fs::read_to_string(fixture("2.stdout")).unwrap();
    let csr = fixture("ca.csr");
    let out = cfssl(
        dir.path(),
        &["certinfo", "-csr", csr.to_str().unwrap()],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    assert_eq!(text(&out.stdout), expected);
    assert_eq!(text(&out.stderr), "");

    let pem = std::fs::read(&csr).unwrap();
    let out = cfssl(dir.path(), &["certinfo", "-csr", "-"], Some(&pem));
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    assert_eq!(text(&out.stdout), expected);
}

#[test]
fn csr_errors_read_like_cfssl() {
    let dir = tempfile::tempdir().unwrap();
    let out = cfssl(dir.path(), &["certinfo", "-csr", "missing.csr"], None);
    assert_fails_with(&out, "open missing.csr: no such file or directory");
    let out = cfssl(dir.path(), &["certinfo", "-csr", "-"], Some(b"not pem"));
    assert_fails_with(&out, r#"{"code":9002,"message":"CSR Decode failed"}"#);
}

#[test]
fn missing_target_and_database_lookups_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = cfssl(dir.path(), &["certinfo"], None);
    assert_fails_with(
        &out,
        "Must specify certinfo target through -cert, -csr, -domain or -serial + -aki",
    );
    // -serial alone is no target, as in cfssl.
    let out = cfssl(dir.path(), &["certinfo", "-serial", "1"], None);
    assert_fails_with(
        &out,
        "Must specify certinfo target through -cert, -csr, -domain or -serial + -aki",
    );
    let out = cfssl(
        dir.path(),
        &["certinfo", "-serial", "1", "-aki", "ab"],
        None,
    );
    assert_fails_with(&out, "need DB config file (provide with -db-config)");
    let out = cfssl(
        dir.path(),
        &[
            "certinfo",
            "-serial",
            "1",
            "-aki",
            "ab",
            "-db-config",
            "db.json",
        ],
        None,
    );
    // No such db-config file: cfssl 1.6.5's words.
    assert_fails_with(
        &out,
        r#"{"code":5200,"message":"could not read configuration file"}"#,
    );
}

#[test]
fn domain_connection_refused_reads_like_go() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let target = format!("127.0.0.1:{port}");
    let out = cfssl(dir.path(), &["certinfo", "-domain", &target], None);
    assert_fails_with(
        &out,
        &format!("dial tcp {target}: connect: connection refused"),
    );
}

/// Whether the `openssl` command can be run; skips (or, under `CI=true`,
/// fails) the calling test when it cannot.
fn openssl_available(test: &str) -> bool {
    let found = Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{test}: the openssl command is required in CI"
        );
        eprintln!("skipping {test}: the openssl command is not installed");
    }
    found
}

/// Makes a CA and a leaf for `127.0.0.1`/`localhost` with our `cfssl`,
/// writing `ca.pem`, `ca-key.pem`, `leaf.pem` and `leaf-key.pem` in `dir`.
fn make_certificates(dir: &Path, leaf_key: &str) {
    let split = |out: &Output, name: &str| {
        assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        std::fs::write(dir.join(format!("{name}.pem")), v["cert"].as_str().unwrap()).unwrap();
        std::fs::write(
            dir.join(format!("{name}-key.pem")),
            v["key"].as_str().unwrap(),
        )
        .unwrap();
    };
    std::fs::write(
        dir.join("ca.json"),
        r#"{"CN":"Certinfo Test CA","key":{"algo":"ecdsa","size":256}}"#,
    )
    .unwrap();
    split(&cfssl(dir, &["gencert", "-initca", "ca.json"], None), "ca");
    std::fs::write(
        dir.join("config.json"),
        r#"{"signing":{"default":{"expiry":"24h","usages":["digital signature","key encipherment","server auth"]}}}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("leaf.json"),
        format!(
            r#"{{"CN":"localhost","hosts":["localhost","127.0.0.1"],"names":[{{"O":"Certinfo"}}],"key":{leaf_key}}}"#
        ),
    )
    .unwrap();
    let args = [
        "gencert",
        "-ca",
        "ca.pem",
        "-ca-key",
        "ca-key.pem",
        "-config",
        "config.json",
        "leaf.json",
    ];
    split(&cfssl(dir, &args, None), "leaf");
}

/// `-domain` prints exactly what `-cert` prints for the server's leaf.
fn check_domain(test: &str, leaf_key: &str, server_args: &[&str]) {
    if !openssl_available(test) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    make_certificates(dir.path(), leaf_key);
    let expected = cfssl(dir.path(), &["certinfo", "-cert", "leaf.pem"], None);
    assert_eq!(expected.status.code(), Some(0));

    let mut extra = vec!["-cert_chain", "ca.pem"];
    extra.extend_from_slice(server_args);
    let server = support::openssl::Server::start(dir.path(), "leaf.pem", "leaf-key.pem", &extra);
    let target = format!("127.0.0.1:{}", server.port);
    let out = cfssl(dir.path(), &["certinfo", "-domain", &target], None);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "");
    assert_eq!(text(&out.stdout), text(&expected.stdout));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["subject"]["common_name"], "localhost");
    assert_eq!(v["issuer"]["common_name"], "Certinfo Test CA");
    assert_eq!(v["sans"], serde_json::json!(["localhost", "127.0.0.1"]));

    // By name too (SNI `localhost`), when the name resolves here.
    let by_name = format!("localhost:{}", server.port);
    let out = cfssl(dir.path(), &["certinfo", "-domain", &by_name], None);
    if out.status.code() == Some(0) {
        assert_eq!(text(&out.stdout), text(&expected.stdout));
    } else {
        eprintln!(
            "{test}: localhost did not reach the server: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn domain_prints_the_servers_leaf_certificate() {
    check_domain(
        "domain_prints_the_servers_leaf_certificate",
        r#"{"algo":"ecdsa","size":256}"#,
        &[],
    );
}

#[test]
fn domain_works_over_tls12_with_an_rsa_key() {
    check_domain(
        "domain_works_over_tls12_with_an_rsa_key",
        r#"{"algo":"rsa","size":2048}"#,
        &["-tls1_2"],
    );
}

#[test]
fn domain_shows_a_legacy_rsa1024_server() {
    let test = "domain_shows_a_legacy_rsa1024_server";
    if !openssl_available(test) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // cfssl refuses to make RSA keys under 2048 bits, so openssl makes this one.
    let made = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:1024", "-nodes"])
        .args(["-keyout", "legacy-key.pem", "-out", "legacy.pem"])
        .args(["-subj", "/CN=legacy.test", "-days", "2"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", text(&made.stderr));
    let expected = cfssl(dir.path(), &["certinfo", "-cert", "legacy.pem"], None);
    assert_eq!(expected.status.code(), Some(0));
    let server = support::openssl::Server::start(
        dir.path(),
        "legacy.pem",
        "legacy-key.pem",
        &["-tls1_2", "-cipher", "DEFAULT:@SECLEVEL=0"],
    );
    let target = format!("127.0.0.1:{}", server.port);
    let out = cfssl(dir.path(), &["certinfo", "-domain", &target], None);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    assert_eq!(text(&out.stdout), text(&expected.stdout));
}

#[test]
fn domain_reports_a_server_that_is_not_tls() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        if let Ok((mut s, _)) = listener.accept() {
            let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n");
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let out = cfssl(
        dir.path(),
        &["certinfo", "-domain", &addr.to_string()],
        None,
    );
    server.join().unwrap();
    assert_fails_with(&out, "tls: first record does not look like a TLS handshake");
}
