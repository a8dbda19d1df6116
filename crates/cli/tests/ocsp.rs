//! `ocspsign`, `ocsprefresh` and `ocspdump` against cfssl 1.6.5's recorded
//! answers (`fixtures/ocsp/`), with OpenSSL as the judge of every response
//! we sign (`openssl ocsp -respin … -CAfile` says `Response verify OK` and
//! the status).

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod support;

use support::pg::psql;
use support::undated;

fn ours() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cfssl"))
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

fn run_in(bin: &Path, dir: &Path, args: &[&str]) -> Output {
    Command::new(bin)
        .args(args)
        .current_dir(dir)
        .env("TZ", "UTC")
        .output()
        .unwrap()
}

fn run(dir: &Path, args: &[&str]) -> Output {
    run_in(&ours(), dir, args)
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// The DER of `{"ocspResponse":"…"}`.
fn response_der(json: &str) -> Vec<u8> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    cfssl_core::go::base64::decode(v["ocspResponse"].as_str().unwrap().as_bytes()).unwrap()
}

/// `nextUpdate - thisUpdate` of a response, in seconds.
fn interval(der: &[u8]) -> i64 {
    let r = cfssl_core::ocsp::Response::from_der(der).unwrap();
    (r.next_update.unwrap() - r.this_update).num_seconds()
}

/// `openssl ocsp` checking `der` for `cert` against the CA: its verdict
/// line for the certificate and whether the signature verified.
fn openssl_check(dir: &Path, der: &[u8], ca: &Path, cert: &Path) -> (String, bool) {
    std::fs::write(dir.join("check.der"), der).unwrap();
    let out = Command::new("openssl")
        .arg("ocsp")
        .arg("-respin")
        .arg("check.der")
        .arg("-CAfile")
        .arg(ca)
        .arg("-issuer")
        .arg(ca)
        .arg("-cert")
        .arg(cert)
        .arg("-no_nonce")
        .current_dir(dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let verified = String::from_utf8_lossy(&out.stderr).contains("Response verify OK");
    (stdout, verified)
}

struct Case {
    name: String,
    args: Vec<String>,
    rc: i32,
    stdout: String,
    stderr: String,
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(fixtures().join("ocsp/ocspsign-cases.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let s = |c: &serde_json::Value, k: &str| c[k].as_str().unwrap().to_string();
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| Case {
            name: s(c, "name"),
            args: c["args"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_string())
                .collect(),
            rc: i32::try_from(c["rc"].as_i64().unwrap()).unwrap(),
            stdout: s(c, "stdout"),
            stderr: s(c, "stderr"),
        })
        .collect()
}

/// Every recorded `ocspsign` case: the same exit status, log lines and
/// error; for responses the same content through OpenSSL and the same
/// interval. Three cases differ on purpose (docs/compat.md): cfssl's own
/// default `-reason 0` and reason 10 fail there and sign here (ledger 29),
/// and an argument after the flags, which cfssl ignores (signing a good
/// response for `-cert c.pem x -status revoked`), is refused (ledger 36).
#[test]
fn ocspsign_answers_as_cfssl() {
    let dir = fixtures().join("ocsp");
    let scratch = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for case in cases() {
        let args: Vec<&str> = std::iter::once("ocspsign")
            .chain(case.args.iter().map(String::as_str))
            .collect();
        let out = run(&dir, &args);
        let name = case.name.as_str();
        let stderr = undated(&out.stderr);
        match name {
            "revoked-default-reason" | "revoked-reason-10" => {
                assert_eq!(case.rc, 1, "{name}: cfssl refuses");
                let der = response_der(&ok(&out));
                let r = cfssl_core::ocsp::Response::from_der(&der).unwrap();
                let want = if name == "revoked-reason-10" { 10 } else { 0 };
                assert!(
                    matches!(r.status, cfssl_core::ocsp::CertStatus::Revoked { reason, .. } if reason == want),
                    "{name}: {:?}",
                    r.status
                );
                continue;
            }
            "extra-argument" => {
                assert_eq!(case.rc, 0, "cfssl ignores the argument");
                assert_eq!(out.status.code(), Some(1));
                assert!(out.stdout.is_empty());
                assert!(
                    stderr.contains("argument \"extra\" is provided but not defined"),
                    "{stderr}"
                );
                continue;
            }
            _ => {}
        }
        assert_eq!(out.status.code(), Some(case.rc), "{name}: {stderr}");
        assert_eq!(stderr, case.stderr, "{name}: stderr");
        if case.rc == 0 {
            let (theirs, mine) = (response_der(&case.stdout), response_der(&ok(&out)));
            assert_eq!(
                support::pki::ocsp_shape(scratch.path(), &mine),
                support::pki::ocsp_shape(scratch.path(), &theirs),
                "{name}"
            );
            assert_eq!(interval(&mine), interval(&theirs), "{name}: interval");
            // Only the times and the signature differ: same length.
            assert!(mine.len().abs_diff(theirs.len()) <= 2, "{name}: sizes");
        } else {
            assert!(out.stdout.is_empty(), "{name}");
        }
        checked += 1;
    }
    assert_eq!(checked, 22);
}

/// OpenSSL verifies the responses we sign, each with its status, whether
/// the CA answers itself or a delegated responder (RSA or ECDSA) does.
#[test]
fn openssl_verifies_our_responses() {
    let dir = fixtures().join("ocsp");
    let scratch = tempfile::tempdir().unwrap();
    let ca = fixtures().join("server/ca.pem");
    let leaf = dir.join("leaf2.pem");
    for (responder, key) in [
        ("responder.pem", "responder-key.pem"),
        ("responder-rsa.pem", "responder-rsa-key.pem"),
        ("../server/ca.pem", "../server/ca-key.pem"),
    ] {
        for (status, extra, want) in [
            ("good", &[][..], "leaf2.pem: good"),
            ("unknown", &[][..], "leaf2.pem: unknown"),
            (
                "revoked",
                &["-reason", "superseded", "-revoked-at", "2026-10-31"][..],
                "leaf2.pem: revoked",
            ),
        ] {
            let mut args = vec![
                "ocspsign",
                "-ca",
                "../server/ca.pem",
                "-responder",
                responder,
                "-responder-key",
                key,
                "-cert",
                "leaf2.pem",
                "-status",
                status,
            ];
            args.extend_from_slice(extra);
            let der = response_der(&ok(&run(&dir, &args)));
            let (verdict, verified) = openssl_check(scratch.path(), &der, &ca, &leaf);
            assert!(verified, "{responder} {status}: {verdict}");
            assert!(verdict.contains(want), "{responder} {status}: {verdict}");
            if status == "revoked" {
                assert!(verdict.contains("Reason: superseded"), "{verdict}");
                assert!(
                    verdict.contains("Revocation Time: Oct 31 00:00:00 2026 GMT"),
                    "{verdict}"
                );
            }
        }
    }
}

/// A responder key that is not the responder certificate's is refused
/// (cfssl signs, and nobody can verify the result: ledger 37); a responder
/// certificate clients will not trust gets a warning.
#[test]
fn bad_responders_are_caught() {
    let dir = fixtures().join("ocsp");
    let out = run(
        &dir,
        &[
            "ocspsign",
            "-ca",
            "../server/ca.pem",
            "-responder",
            "responder.pem",
            "-responder-key",
            "responder-rsa-key.pem",
            "-cert",
            "leaf1.pem",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        undated(&out.stderr)
            .ends_with("{\"code\":2300,\"message\":\"Private key does not match public key\"}\n"),
        "{}",
        undated(&out.stderr)
    );
    let out = run(
        &dir,
        &[
            "ocspsign",
            "-ca",
            "../server/ca.pem",
            "-responder",
            "../server/rsa-ca.pem",
            "-responder-key",
            "../server/rsa-ca-key.pem",
            "-cert",
            "leaf1.pem",
        ],
    );
    ok(&out);
    assert!(
        undated(&out.stderr)
            .contains("[WARNING] the responder certificate is neither the CA nor issued by it"),
        "{}",
        undated(&out.stderr)
    );
}

/// Column values of an SQLite file, through Python's sqlite3 (not ours).
fn sqlite(db: &Path, query: &str) -> Vec<String> {
    let out = Command::new("python3")
        .arg("-c")
        .arg(format!(
            "import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\n\
             for r in c.execute({query:?}):\n    print('|'.join(str(v) for v in r))"
        ))
        .arg(db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

/// A scratch folder with the CA, responder and a db-config for `certs.db`.
fn db_scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (from, to) in [
        ("server/ca.pem", "ca.pem"),
        ("server/ca-key.pem", "ca-key.pem"),
        ("server/leaf-p256.csr", "leaf.csr"),
        ("ocsp/responder.pem", "responder.pem"),
        ("ocsp/responder-key.pem", "responder-key.pem"),
        ("ocsp/other-leaf.pem", "other-leaf.pem"),
    ] {
        std::fs::copy(fixtures().join(from), dir.path().join(to)).unwrap();
    }
    std::fs::write(
        dir.path().join("db.json"),
        r#"{"driver":"sqlite3","data_source":"certs.db"}"#,
    )
    .unwrap();
    dir
}

const REFRESH: &[&str] = &[
    "ocsprefresh",
    "-db-config",
    "db.json",
    "-ca",
    "ca.pem",
    "-responder",
    "responder.pem",
    "-responder-key",
    "responder-key.pem",
];

/// Each line of an `ocspdump` as DER.
fn dumped(text: &str) -> Vec<Vec<u8>> {
    text.lines()
        .map(|l| cfssl_core::go::base64::decode(l.as_bytes()).unwrap())
        .collect()
}

/// The status openssl reports for each response of a dump, checking it
/// against the certificate of the same serial in the database.
fn statuses(dir: &Path, dump: &str) -> Vec<String> {
    statuses_with(dir, dump, &|serial| {
        sqlite(
            &dir.join("certs.db"),
            &format!("select pem from certificates where serial_number = '{serial}'"),
        )
        .join("\n")
    })
}

/// [`statuses`] with the certificate of a serial from `pem_of`.
fn statuses_with(dir: &Path, dump: &str, pem_of: &dyn Fn(&str) -> String) -> Vec<String> {
    let mut out = Vec::new();
    for der in dumped(dump) {
        let r = cfssl_core::ocsp::Response::from_der(&der).unwrap();
        let serial = r.cert_id.serial_decimal();
        let pem = pem_of(&serial);
        std::fs::write(dir.join("leaf.pem"), format!("{}\n", pem.trim_end())).unwrap();
        let (verdict, verified) =
            openssl_check(dir, &der, &dir.join("ca.pem"), &dir.join("leaf.pem"));
        assert!(verified, "{serial}: {verdict}");
        let status = verdict
            .lines()
            .find_map(|l| l.split_once("leaf.pem: ").map(|(_, s)| s.to_string()))
            .unwrap_or_else(|| panic!("{verdict}"));
        out.push(format!("{serial} {status}"));
    }
    out.sort();
    out
}

/// The database cfssl 1.6.5 left after `sign`, `revoke` and `ocsprefresh`
/// (`fixtures/ocsp/record-refresh.sh`): our `ocspdump` prints what cfssl's
/// printed (its DER stored as SQLite text, NULs and all); we revoke one of
/// cfssl's rows and refresh: the three responses are replaced in place,
/// each verified by OpenSSL with the status of its row.
#[test]
fn rows_cfssl_wrote_are_dumped_revoked_and_refreshed() {
    let dir = db_scratch();
    let db = dir.path().join("certs.db");
    std::fs::copy(fixtures().join("ocsp/cfssl-1.6.5-refreshed.db"), &db).unwrap();
    let serials: Vec<String> =
        std::fs::read_to_string(fixtures().join("ocsp/cfssl-1.6.5-refreshed.serials"))
            .unwrap()
            .lines()
            .map(String::from)
            .collect();
    let dump = ok(&run(dir.path(), &["ocspdump", "-db-config", "db.json"]));
    assert_eq!(
        dump,
        std::fs::read_to_string(fixtures().join("ocsp/cfssl-1.6.5-ocspdump.txt")).unwrap()
    );
    let mut want = vec![
        format!("{} good", serials[0]),
        format!("{} revoked", serials[1]),
        format!("{} good", serials[2]),
    ];
    want.sort();
    assert_eq!(statuses(dir.path(), &dump), want);
    let before = sqlite(
        &db,
        "select serial_number, expiry, hex(body) from ocsp_responses",
    );

    ok(&run(
        dir.path(),
        &[
            "revoke",
            "-db-config",
            "db.json",
            "-serial",
            &serials[2],
            "-aki",
            "58b58d6a5e95ac90284316ffa705c918f37acc03",
            "-reason",
            "superseded",
        ],
    ));
    let mut args = REFRESH.to_vec();
    args.extend(["-interval", "2h"]);
    let out = run(dir.path(), &args);
    ok(&out);
    assert!(
        undated(&out.stderr).contains("stored 3 OCSP response(s); skipped 0"),
        "{}",
        undated(&out.stderr)
    );
    let after = sqlite(
        &db,
        "select serial_number, expiry, hex(body) from ocsp_responses",
    );
    assert_eq!(after.len(), 3);
    for (b, a) in before.iter().zip(&after) {
        let (b, a): (Vec<&str>, Vec<&str>) = (b.split('|').collect(), a.split('|').collect());
        assert_eq!(a[0], b[0], "same rows, same order");
        assert_ne!(a[2], b[2], "a new response");
        assert!(a[1] < b[1], "expiry now + 2h, before cfssl's ten years");
    }
    let dump = ok(&run(dir.path(), &["ocspdump", "-db-config", "db.json"]));
    let mut want = vec![
        format!("{} good", serials[0]),
        format!("{} revoked", serials[1]),
        format!("{} revoked", serials[2]),
    ];
    want.sort();
    assert_eq!(statuses(dir.path(), &dump), want);
    for der in dumped(&dump) {
        assert_eq!(interval(&der), 7200);
    }
}

/// A certificate of another CA in the database is skipped with a warning
/// (cfssl stops there with 8100: ledger 38), and the rest are refreshed;
/// the flags cfssl requires are required, each with cfssl's error.
#[test]
fn refresh_skips_other_issuers_and_needs_its_flags() {
    let dir = db_scratch();
    for _ in 0..2 {
        ok(&run(
            dir.path(),
            &[
                "sign",
                "-db-config",
                "db.json",
                "-ca",
                "ca.pem",
                "-ca-key",
                "ca-key.pem",
                "leaf.csr",
            ],
        ));
    }
    let other = std::fs::read_to_string(dir.path().join("other-leaf.pem")).unwrap();
    let script = format!(
        "import sqlite3\nc = sqlite3.connect('certs.db')\n\
         c.execute(\"insert into certificates (serial_number, authority_key_identifier, ca_label, status, reason, expiry, revoked_at, pem) values ('777', '00ff', '', 'good', 0, '2999-01-01 00:00:00+00:00', '0001-01-01 00:00:00+00:00', ?)\", ({other:?},))\n\
         c.commit()"
    );
    let py = Command::new("python3")
        .arg("-c")
        .arg(script)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        py.status.success(),
        "{}",
        String::from_utf8_lossy(&py.stderr)
    );
    let out = run(dir.path(), REFRESH);
    ok(&out);
    let log = undated(&out.stderr);
    assert!(
        log.contains("[WARNING] skipped certificate serial 777 AKI 00ff: Certificate not issued by this issuer"),
        "{log}"
    );
    assert!(
        log.contains("stored 2 OCSP response(s); skipped 1"),
        "{log}"
    );
    let dump = ok(&run(dir.path(), &["ocspdump", "-db-config", "db.json"]));
    assert_eq!(dumped(&dump).len(), 2);
    for s in statuses(dir.path(), &dump) {
        assert!(s.ends_with(" good"), "{s}");
    }
    for der in dumped(&dump) {
        assert_eq!(interval(&der), 96 * 3600, "the default interval");
    }
    // cfssl's messages for each missing flag, in its order.
    for (drop, want) in [
        (
            "-db-config",
            "need DB config file (provide with -db-config)",
        ),
        (
            "-responder",
            "need responder certificate (provide with -responder)",
        ),
        (
            "-responder-key",
            "need responder key (provide with -responder-key)",
        ),
        ("-ca", "need CA certificate (provide with -ca)"),
    ] {
        let i = REFRESH.iter().position(|a| *a == drop).unwrap();
        let mut args = REFRESH.to_vec();
        args.drain(i..i + 2);
        let out = run(dir.path(), &args);
        assert_eq!(out.status.code(), Some(1), "{drop}");
        assert_eq!(undated(&out.stderr), format!("{want}\n"), "{drop}");
    }
    let out = run(dir.path(), &["ocspdump"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        undated(&out.stderr),
        "need DB config file (provide with -db-config)\n"
    );
}

/// With cfssl 1.6.5 at hand (`CFSSL_REFERENCE_BIN_DIR`): its `ocspdump`
/// prints what ours does from the rows we stored, and its `ocsprefresh`
/// refreshes the certificates we recorded.
#[test]
fn the_reference_reads_and_refreshes_what_we_store() {
    let Some(refdir) = std::env::var_os("CFSSL_REFERENCE_BIN_DIR") else {
        eprintln!("skipped: no CFSSL_REFERENCE_BIN_DIR");
        return;
    };
    let reference = Path::new(&refdir).join("cfssl");
    let dir = db_scratch();
    for _ in 0..3 {
        ok(&run(
            dir.path(),
            &[
                "sign",
                "-db-config",
                "db.json",
                "-ca",
                "ca.pem",
                "-ca-key",
                "ca-key.pem",
                "leaf.csr",
            ],
        ));
    }
    ok(&run(dir.path(), REFRESH));
    let dump = ["ocspdump", "-db-config", "db.json"];
    let mine = ok(&run(dir.path(), &dump));
    assert_eq!(dumped(&mine).len(), 3);
    assert_eq!(ok(&run_in(&reference, dir.path(), &dump)), mine);
    ok(&run_in(&reference, dir.path(), REFRESH));
    let theirs = ok(&run(dir.path(), &dump));
    assert_eq!(dumped(&theirs).len(), 3);
    assert_ne!(theirs, mine);
    assert_eq!(statuses(dir.path(), &theirs).len(), 3);
}

/// A fresh database with cfssl's PostgreSQL schema; `None` (the test
/// skips) without the test cluster outside CI.
fn pg_database(name: &str) -> Option<String> {
    let url = support::pg::pg_database(name)?;
    support::pg::cfssl_schema(&url);
    Some(url)
}

/// On PostgreSQL, the rows cfssl 1.6.5 wrote there (`sign`, `revoke`,
/// `ocsprefresh`; `fixtures/ocsp/cfssl-1.6.5-refreshed-pg.sql`): dumped,
/// revoked and refreshed in place by us, each response verified by
/// OpenSSL; with cfssl 1.6.5 at hand, its `ocspdump` prints what ours
/// does from the rows we stored, and its `ocsprefresh` refreshes them.
#[test]
fn postgres_rows_cfssl_wrote_are_dumped_revoked_and_refreshed() {
    let Some(url) = pg_database("ocsp_refresh") else {
        return;
    };
    let dir = db_scratch();
    std::fs::write(
        dir.path().join("db.json"),
        format!(r#"{{"driver":"postgres","data_source":"{url}?sslmode=disable"}}"#),
    )
    .unwrap();
    let inserts =
        std::fs::read_to_string(fixtures().join("ocsp/cfssl-1.6.5-refreshed-pg.sql")).unwrap();
    psql(&url, &inserts);
    let serials: Vec<String> =
        std::fs::read_to_string(fixtures().join("ocsp/cfssl-1.6.5-refreshed-pg.serials"))
            .unwrap()
            .lines()
            .map(String::from)
            .collect();
    let pem_of = |serial: &str| {
        psql(
            &url,
            &format!(
                "SELECT encode(pem, 'escape') FROM certificates WHERE serial_number = '{serial}'::bytea"
            ),
        )
    };
    let dump = ["ocspdump", "-db-config", "db.json"];
    let text = ok(&run(dir.path(), &dump));
    let mut want = vec![
        format!("{} good", serials[0]),
        format!("{} revoked", serials[1]),
        format!("{} good", serials[2]),
    ];
    want.sort();
    assert_eq!(statuses_with(dir.path(), &text, &pem_of), want);
    ok(&run(
        dir.path(),
        &[
            "revoke",
            "-db-config",
            "db.json",
            "-serial",
            &serials[2],
            "-aki",
            "58b58d6a5e95ac90284316ffa705c918f37acc03",
            "-reason",
            "superseded",
        ],
    ));
    let mut args = REFRESH.to_vec();
    args.extend(["-interval", "2h"]);
    ok(&run(dir.path(), &args));
    assert_eq!(
        psql(
            &url,
            "SELECT count(*), count(DISTINCT body) FROM ocsp_responses"
        )
        .trim(),
        "3|3"
    );
    assert_eq!(
        psql(
            &url,
            "SELECT count(*) FROM ocsp_responses WHERE expiry < now() + interval '3 hours'"
        )
        .trim(),
        "3",
        "every row refreshed in place"
    );
    let mine = ok(&run(dir.path(), &dump));
    let mut want = vec![
        format!("{} good", serials[0]),
        format!("{} revoked", serials[1]),
        format!("{} revoked", serials[2]),
    ];
    want.sort();
    assert_eq!(statuses_with(dir.path(), &mine, &pem_of), want);
    if let Some(refdir) = std::env::var_os("CFSSL_REFERENCE_BIN_DIR") {
        let reference = Path::new(&refdir).join("cfssl");
        assert_eq!(ok(&run_in(&reference, dir.path(), &dump)), mine);
        ok(&run_in(&reference, dir.path(), REFRESH));
        let theirs = ok(&run(dir.path(), &dump));
        assert_ne!(theirs, mine);
        assert_eq!(statuses_with(dir.path(), &theirs, &pem_of), want);
    }
}
