//! The certificate database through the CLI (`sign`/`gencert -db-config`,
//! `certinfo -db-config -serial -aki`) on SQLite, against what cfssl 1.6.5
//! writes and reads (`fixtures/certdb/`, see its README). Storage classes
//! and values are read back with Python's `sqlite3` module, not with our
//! code.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod support;

use support::pg::{Cluster, pg_database, psql};

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn ours() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cfssl"))
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

const AKI: &str = "58b58d6a5e95ac90284316ffa705c918f37acc03";

/// `cfssl sign -db-config db.json` of the fixtures' P-256 CSR with the
/// fixtures' CA.
const SIGN: [&str; 8] = [
    "sign",
    "-db-config",
    "db.json",
    "-ca",
    "ca.pem",
    "-ca-key",
    "ca-key.pem",
    "leaf-p256.csr",
];

/// The `serve` flags of the fixtures' CA recording into `db.json`.
const SERVE_DB: [&str; 6] = [
    "-ca",
    "ca.pem",
    "-ca-key",
    "ca-key.pem",
    "-db-config",
    "db.json",
];

/// Our `serve` with [`SERVE_DB`] in `dir`.
fn serve_db(dir: &Path) -> support::serve::Serve {
    support::serve::start_with_args(&ours(), dir, &SERVE_DB.map(String::from)).unwrap()
}

/// A scratch folder with the signing inputs and a db-config for `db`.
fn scratch(db: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let server = fixtures().join("server");
    for f in [
        "ca.pem",
        "ca-key.pem",
        "config.json",
        "leaf-p256.csr",
        "csr-leaf-p256.json",
    ] {
        std::fs::copy(server.join(f), dir.path().join(f)).unwrap();
    }
    std::fs::write(
        dir.path().join("db.json"),
        format!(r#"{{"driver":"sqlite3","data_source":"{db}"}}"#),
    )
    .unwrap();
    dir
}

fn run(bin: &Path, dir: &Path, args: &[&str]) -> Output {
    Command::new(bin)
        .args(args)
        .current_dir(dir)
        .env("TZ", "UTC")
        .output()
        .unwrap()
}

/// Runs a Python snippet with `sqlite3` imported and `db` open as `c`.
fn python(db: &Path, code: &str) -> String {
    let out = Command::new("python3")
        .arg("-c")
        .arg(format!(
            "import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\n{code}"
        ))
        .arg(db)
        .output()
        .expect("python3 reads the databases");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Each column's storage class, in table order, per row.
fn storage_classes(db: &Path) -> Vec<String> {
    python(
        db,
        "cols = [r[1] for r in c.execute('pragma table_info(certificates)')]\n\
         for row in c.execute('select ' + ','.join('typeof(%s)' % x for x in cols) + ' from certificates'):\n\
         \x20   print(' '.join(cols[i] + '=' + t for i, t in enumerate(row)))",
    )
    .lines()
    .map(String::from)
    .collect()
}

#[test]
fn sign_records_the_row_as_cfssl_does() {
    let dir = scratch("certs.db");
    let out = run(
        &ours(),
        dir.path(),
        &[
            "sign",
            "-db-config",
            "db.json",
            "-ca",
            "ca.pem",
            "-ca-key",
            "ca-key.pem",
            "-config",
            "config.json",
            "-profile",
            "server",
            "-label",
            "fixture-label",
            "leaf-p256.csr",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("created the certificate database schema"),
        "{stderr}"
    );
    let db = dir.path().join("certs.db");
    // The same storage class in every column as the row cfssl 1.6.5 wrote.
    let cfssl = storage_classes(&fixtures().join("certdb/cfssl-1.6.5.db"));
    assert_eq!(storage_classes(&db), cfssl);
    assert!(cfssl[0].contains("metadata=blob sans=blob"), "{cfssl:?}");
    // The values as cfssl writes them.
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = python(
        &db,
        "r = c.execute('select serial_number, authority_key_identifier, ca_label, status, reason, expiry, revoked_at, 1, issued_at, not_before, metadata, sans, common_name from certificates').fetchone()\n\
         print('\\n'.join(x if isinstance(x, str) else (x.decode() if isinstance(x, bytes) else repr(x)) for x in r))\n\
         print(c.execute(\"select count(*) from certificates where CURRENT_TIMESTAMP < expiry\").fetchone()[0])",
    );
    let f: Vec<&str> = row.lines().collect();
    assert!(
        f[0].bytes().all(|b| b.is_ascii_digit()),
        "decimal serial {}",
        f[0]
    );
    assert_eq!(&f[1..5], [AKI, "fixture-label", "good", "0"]);
    let stamp = regex::Regex::new(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d*[1-9])?\+00:00$").unwrap();
    for t in [f[5], f[6], f[8], f[9]] {
        assert!(stamp.is_match(t), "Go's timestamp form: {t}");
    }
    assert_eq!(f[6], "0001-01-01 00:00:00+00:00");
    // The PEM handed out is the PEM stored, final newline included.
    let pem = python(
        &db,
        "import sys; sys.stdout.write(c.execute('select pem from certificates').fetchone()[0])",
    );
    assert_eq!(printed["cert"].as_str().unwrap(), pem);
    let tail: Vec<&str> = f[f.len() - 5..].to_vec();
    assert_eq!(
        tail[1..3],
        ["null", r#"["leaf.example.com","www.leaf.example.com"]"#]
    );
    assert_eq!(tail[3], "leaf.example.com");
    assert_eq!(tail[4], "1", "CURRENT_TIMESTAMP < expiry finds the row");
}

#[test]
fn rows_cfssl_wrote_are_read() {
    let dir = scratch("cfssl.db");
    std::fs::copy(
        fixtures().join("certdb/cfssl-1.6.5.db"),
        dir.path().join("cfssl.db"),
    )
    .unwrap();
    let serial = std::fs::read_to_string(fixtures().join("certdb/cfssl-1.6.5.serial")).unwrap();
    // certinfo normalises the AKI as cfssl does (upper case, colons).
    let aki = "58:B5:8D:6A:5E:95:AC:90:28:43:16:FF:A7:05:C9:18:F3:7A:CC:03";
    let out = run(
        &ours(),
        dir.path(),
        &[
            "certinfo",
            "-db-config",
            "db.json",
            "-serial",
            serial.trim(),
            "-aki",
            aki,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let want = std::fs::read(fixtures().join("certdb/cfssl-1.6.5-certinfo.json")).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&want)
    );
    let out = run(
        &ours(),
        dir.path(),
        &[
            "certinfo",
            "-db-config",
            "db.json",
            "-serial",
            "1",
            "-aki",
            AKI,
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "no certificate found"
    );
}

/// The reference cfssl reads what we write (1.6.5's `certinfo -db-config`
/// when CFSSL_REFERENCE_BIN_DIR names it), and Debian's cfssl (which has no
/// `certinfo -serial`) writes into a database we made, beside our rows.
#[test]
fn the_reference_reads_and_writes_our_database() {
    let dir = scratch("certs.db");
    let sign = SIGN;
    assert!(run(&ours(), dir.path(), &sign).status.success());
    let serial = python(
        &dir.path().join("certs.db"),
        "print(c.execute('select serial_number from certificates').fetchone()[0])",
    );
    if let Some(refdir) = std::env::var_os("CFSSL_REFERENCE_BIN_DIR") {
        let reference = Path::new(&refdir).join("cfssl");
        let args = [
            "certinfo",
            "-db-config",
            "db.json",
            "-serial",
            serial.trim(),
            "-aki",
            AKI,
        ];
        let theirs = run(&reference, dir.path(), &args);
        assert!(
            theirs.status.success(),
            "{}",
            String::from_utf8_lossy(&theirs.stderr)
        );
        assert_eq!(theirs.stdout, run(&ours(), dir.path(), &args).stdout);
        // On a copy: the Debian part below wants the row as it is.
        let copy = tempfile::tempdir().unwrap();
        support::serve::copy_dir(dir.path(), copy.path());
        reference_revokes_from_our_rows(&reference, copy.path(), serial.trim());
    }
    let debian = Path::new("/usr/bin/cfssl");
    let is_debian = Command::new("dpkg-query")
        .args(["-W", "-f=${db:Status-Status}", "golang-cfssl"])
        .output()
        .is_ok_and(|o| o.stdout == b"installed");
    if !is_debian {
        assert!(std::env::var_os("CI").is_none(), "CI needs golang-cfssl");
        eprintln!("skipped the Debian part: golang-cfssl is not installed");
        return;
    }
    let theirs = run(debian, dir.path(), &sign);
    assert!(
        theirs.status.success(),
        "{}",
        String::from_utf8_lossy(&theirs.stderr)
    );
    // Debian's cfssl (older than 1.5) writes the 8 columns of migration 001,
    // and an empty AKI; our signer goes on writing beside its row.
    assert!(run(&ours(), dir.path(), &sign).status.success());
    let rows = python(
        &dir.path().join("certs.db"),
        "for r in c.execute('select authority_key_identifier, issued_at is null, status from certificates order by issued_at is null, issued_at'): print(r)",
    );
    assert_eq!(
        rows,
        format!("('{AKI}', 0, 'good')\n('{AKI}', 0, 'good')\n('', 1, 'good')\n"),
        "rows: ours, ours, Debian's"
    );
}

#[test]
fn a_database_at_migration_001_gets_the_original_columns() {
    let dir = scratch("old.db");
    let db = dir.path().join("old.db");
    let migration = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../certdb/migrations/sqlite/001_CreateCertificates.sql"),
    )
    .unwrap();
    let up = migration.split("-- +goose Down").next().unwrap();
    python(&db, &format!("c.executescript({up:?})\nc.commit()"));
    let out = run(
        &ours(),
        dir.path(),
        &[
            "gencert",
            "-db-config",
            "db.json",
            "-ca",
            "ca.pem",
            "-ca-key",
            "ca-key.pem",
            "csr-leaf-p256.json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        python(
            &db,
            "print(c.execute('select count(*), status from certificates').fetchone())"
        )
        .trim(),
        "(1, 'good')"
    );
}

#[test]
fn bad_databases_get_cfssl_errors_and_no_certificate() {
    let cases: &[(&str, Option<&[u8]>, &str)] = &[
        (
            "nope.json",
            None,
            r#"{"code":5200,"message":"could not read configuration file"}"#,
        ),
        (
            "db.json",
            Some(br#"{"driver":"sqlite3"}"#),
            r#"{"code":5200,"message":"invalid db configuration"}"#,
        ),
        (
            "db.json",
            Some(b"notjson"),
            r#"{"code":5200,"message":"failed to unmarshal configuration: invalid character 'o' in literal null (expecting 'u')"}"#,
        ),
        (
            "db.json",
            Some(br#"{"driver":"oracle","data_source":"x"}"#),
            r#"sql: unknown driver "oracle" (forgotten import?)"#,
        ),
        (
            "db.json",
            Some(br#"{"driver":"sqlite3","data_source":"not-a-db"}"#),
            r#"{"code":11000,"message":"file is not a database"}"#,
        ),
        (
            "db.json",
            Some(br#"{"driver":"sqlite3","data_source":"no/such/dir/c.db"}"#),
            r#"{"code":11000,"message":"unable to open database file"#,
        ),
        (
            "db.json",
            Some(br#"{"driver":"mysql","data_source":"u:p@tcp(127.0.0.1:3306)/certs"}"#),
            r#"db-config driver "mysql" is not supported by cfssl-rs (use sqlite3 or postgres)"#,
        ),
    ];
    // A PostgreSQL server that is not there (nothing listens on the port):
    // cfssl 1.6.5 says `dial tcp 127.0.0.1:P: connect: connection refused`.
    let port = support::serve::free_port();
    let unreachable = format!(
        r#"{{"driver":"postgres","data_source":"postgres://cfssl@127.0.0.1:{port}/x?sslmode=disable"}}"#
    );
    let cases: Vec<(&str, Option<&[u8]>, &str)> = cases
        .iter()
        .copied()
        .chain([(
            "db.json",
            Some(unreachable.as_bytes()),
            r#"{"code":11000,"message":"error connecting to server: Connection refused (os error 111)"}"#,
        )])
        .collect();
    // Another application's database is refused and left untouched.
    {
        let dir = scratch("other.db");
        python(
            &dir.path().join("other.db"),
            "c.execute('create table t (x)'); c.commit()",
        );
        let out = run(&ours(), dir.path(), &SIGN);
        assert_eq!(out.status.code(), Some(1));
        assert!(out.stdout.is_empty());
        assert!(
            String::from_utf8_lossy(&out.stderr)
                .contains(r#"{"code":11000,"message":"no such table: certificates"}"#)
        );
        assert_eq!(
            python(
                &dir.path().join("other.db"),
                "print([r[0] for r in c.execute(\"select name from sqlite_master\")])"
            )
            .trim(),
            "['t']"
        );
    }
    for (config, content, want) in &cases {
        let dir = scratch("unused.db");
        std::fs::write(dir.path().join("not-a-db"), b"hello, not a database\n").unwrap();
        if let Some(c) = content {
            std::fs::write(dir.path().join(config), c).unwrap();
        }
        let out = run(
            &ours(),
            dir.path(),
            &[
                "sign",
                "-db-config",
                config,
                "-ca",
                "ca.pem",
                "-ca-key",
                "ca-key.pem",
                "leaf-p256.csr",
            ],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{config}: {stderr}");
        assert!(
            out.stdout.is_empty(),
            "no certificate is handed out: {config}"
        );
        assert!(
            stderr.contains(want),
            "{config} {content:?}: want {want}, got {stderr}"
        );
        assert_eq!(
            std::fs::read(dir.path().join("not-a-db")).unwrap(),
            b"hello, not a database\n",
            "the file that is not a database is left as it was"
        );
    }
}

/// `procs` processes signing `each` certificates at once with `sign
/// -db-config`, on a database that does not exist yet (so that they also
/// race to create the schema); asserts none failed.
fn sign_at_once(dir: &Path, procs: usize, each: usize) {
    let sign = SIGN;
    let handles: Vec<_> = (0..procs)
        .map(|_| {
            let d = dir.to_path_buf();
            std::thread::spawn(move || {
                (0..each)
                    .map(|_| run(&ours(), &d, &sign))
                    .filter(|o| !o.status.success())
                    .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let failures: Vec<String> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    assert!(failures.is_empty(), "{failures:?}");
}

/// Several `cfssl sign -db-config` processes on one file at once: every
/// certificate recorded, no "database is locked".
#[test]
fn concurrent_signers_share_one_file() {
    let dir = scratch("certs.db");
    let (procs, each) = (8, 5);
    sign_at_once(dir.path(), procs, each);
    let n = python(
        &dir.path().join("certs.db"),
        "print(c.execute('select count(*) from certificates').fetchone()[0])",
    );
    assert_eq!(n.trim(), (procs * each).to_string());
}

/// One HTTP/1.1 POST, the answer's status line and body.
fn post(addr: std::net::SocketAddr, path: &str, body: &str) -> (String, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    (head.lines().next().unwrap().to_string(), body.to_string())
}

/// `serve -db-config`: `/sign` records the row (with the request's label)
/// before answering, `/certinfo` finds it by serial and AKI (normalised),
/// and answers cfssl's 500 `no certificate found` for an unknown one.
#[test]
fn serve_records_and_looks_up() {
    let dir = scratch("serve.db");
    let serve = serve_db(dir.path());
    let csr = std::fs::read_to_string(dir.path().join("leaf-p256.csr")).unwrap();
    let body = serde_json::json!({"certificate_request": csr, "label": "srv"}).to_string();
    let (status, answer) = post(serve.addr, "/api/v1/cfssl/sign", &body);
    assert_eq!(status, "HTTP/1.1 200 OK", "{answer}");
    let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
    let db = dir.path().join("serve.db");
    let row = python(
        &db,
        "import sys; r = c.execute('select serial_number, ca_label, pem from certificates').fetchone(); sys.stdout.write('\\n'.join(r))",
    );
    let (serial, rest) = row.split_once('\n').unwrap();
    let (label, pem) = rest.split_once('\n').unwrap();
    assert_eq!(label, "srv");
    assert_eq!(answer["result"]["certificate"].as_str().unwrap(), pem);
    let aki = "58:B5:8D:6A:5E:95:AC:90:28:43:16:FF:A7:05:C9:18:F3:7A:CC:03";
    let (status, found) = post(
        serve.addr,
        "/api/v1/cfssl/certinfo",
        &format!(r#"{{"serial":"{serial}","authority_key_id":"{aki}"}}"#),
    );
    assert_eq!(status, "HTTP/1.1 200 OK", "{found}");
    let found: serde_json::Value = serde_json::from_str(&found).unwrap();
    assert_eq!(found["result"]["serial_number"], serial);
    let (status, missing) = post(
        serve.addr,
        "/api/v1/cfssl/certinfo",
        r#"{"serial":"1","authority_key_id":"ab"}"#,
    );
    assert_eq!(status, "HTTP/1.1 500 Internal Server Error");
    assert_eq!(
        missing,
        "{\"success\":false,\"result\":null,\"errors\":[{\"code\":0,\"message\":\"no certificate found\"}],\"messages\":[]}\n"
    );
    // /revoke: cfssl 1.6.5's statuses and errors for the same requests
    // (recorded against its serve on a copy of this database), but for
    // reason "0", which cfssl refuses (ledger).
    let failed = |code: u32, m: &str| {
        format!(
            "{{\"success\":false,\"result\":null,\"errors\":[{{\"code\":{code},\"message\":\"{m}\"}}],\"messages\":[]}}\n"
        )
    };
    let not_found = failed(
        11200,
        "failed to revoke the certificate: certificate not found",
    );
    let cases = [
        (
            r#"{"serial":"1","authority_key_id":"ab"}"#.to_string(),
            "400",
            not_found.clone(),
        ),
        (
            r#"{"authority_key_id":"ab"}"#.into(),
            "400",
            failed(400, "serial number is required but not provided"),
        ),
        (
            r#"{"serial":"1","reason":1}"#.into(),
            "400",
            failed(400, "Unable to parse revocation request"),
        ),
        (
            r#"{"serial":"1","reason":"bogus"}"#.into(),
            "400",
            failed(400, "Invalid reason code"),
        ),
        (r#"{"serial":"1","reason":"0"}"#.into(), "400", not_found),
        (
            format!(r#"{{"serial":"{serial}","authority_key_id":"{AKI}","reason":"superseded"}}"#),
            "200",
            "{\"success\":true,\"result\":{},\"errors\":[],\"messages\":[]}\n".into(),
        ),
    ];
    for (body, code, want) in cases {
        let (status, answer) = post(serve.addr, "/api/v1/cfssl/revoke", &body);
        assert!(
            status.starts_with(&format!("HTTP/1.1 {code}")),
            "{body}: {status}"
        );
        assert_eq!(answer, want, "{body}");
    }
    assert_eq!(
        python(
            &db,
            "print(c.execute('select status, reason from certificates').fetchone())"
        )
        .trim(),
        "('revoked', 4)"
    );
}

/// `revoke`, with cfssl 1.6.5's answers for each case (recorded by running
/// it on a copy of the same database): the row is updated as cfssl's SQL
/// does (`status`, `reason`, `revoked_at = CURRENT_TIMESTAMP`); the AKI is
/// not normalised; the default reason `0` is accepted (cfssl refuses its
/// own default with 8200: ledger).
#[test]
fn revoke_updates_the_row_as_cfssl_does() {
    let dir = scratch("certs.db");
    let sign = SIGN;
    assert!(run(&ours(), dir.path(), &sign).status.success());
    let db = dir.path().join("certs.db");
    let serial = python(
        &db,
        "print(c.execute('select serial_number from certificates').fetchone()[0])",
    );
    let serial = serial.trim();
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["-serial", "1", "-aki", AKI, "-reason", "1"],
            1,
            r#"{"code":11200,"message":"failed to revoke the certificate: certificate not found"}"#,
        ),
        (
            &[
                "-serial",
                serial,
                "-aki",
                "58B5:8D6A5E95AC90284316FFA705C918F37ACC03",
            ],
            1,
            r#"{"code":11200,"message":"failed to revoke the certificate: certificate not found"}"#,
        ),
        (
            &["-serial", serial, "-aki", AKI, "-reason", "11"],
            1,
            r#"[ERROR] Invalid reason code: {"code":8200,"message":"Invalid revocation status"}"#,
        ),
        (
            &["-serial", serial, "-aki", AKI, "-reason", "stolen"],
            1,
            r#"strconv.Atoi: parsing "stolen": invalid syntax"#,
        ),
        (
            &["-serial", serial],
            1,
            "authority key id is required but not provided",
        ),
        (
            &["-aki", AKI],
            1,
            "serial number is required but not provided",
        ),
        (
            &["-serial", serial, "-aki", AKI, "-reason", "keyCompromise"],
            0,
            "",
        ),
    ];
    for (args, rc, want) in cases {
        let mut argv = vec!["revoke", "-db-config", "db.json"];
        argv.extend_from_slice(args);
        let out = run(&ours(), dir.path(), &argv);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(*rc), "{args:?}: {stderr}");
        assert!(stderr.contains(want), "{args:?}: want {want}, got {stderr}");
        assert!(out.stdout.is_empty());
    }
    let row = python(
        &db,
        "print(c.execute('select status, reason, typeof(revoked_at), revoked_at from certificates').fetchone())",
    );
    let re =
        regex::Regex::new(r"^\('revoked', 1, 'text', '\d{4}-\d\d-\d\d \d\d:\d\d:\d\d'\)$").unwrap();
    assert!(re.is_match(row.trim()), "{row}");
    // The default reason (0, unspecified): accepted here.
    let out = run(
        &ours(),
        dir.path(),
        &[
            "revoke",
            "-db-config",
            "db.json",
            "-serial",
            serial,
            "-aki",
            AKI,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        python(
            &db,
            "print(c.execute('select reason from certificates').fetchone()[0])"
        )
        .trim()
            == "0"
    );
}

/// Whether the PostgreSQL tests can run (`CFSSL_TEST_PG_URL`, which CI
/// always sets); a test that starts its own cluster skips without it.
fn pg_available() -> bool {
    if std::env::var_os("CFSSL_TEST_PG_URL").is_some() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI needs PostgreSQL: .ci/run starts scripts/pg-cluster.sh"
    );
    eprintln!("skipped: no CFSSL_TEST_PG_URL (eval \"$(scripts/pg-cluster.sh start)\")");
    false
}

fn pg_scratch(url: &str) -> tempfile::TempDir {
    let dir = scratch("unused");
    std::fs::write(
        dir.path().join("db.json"),
        format!(r#"{{"driver":"postgres","data_source":"{url}?sslmode=disable"}}"#),
    )
    .unwrap();
    dir
}

/// On PostgreSQL: the schema made on an empty database, the row stored as
/// cfssl's lib/pq stores it (the text of serial, AKI, label and status as
/// `bytea`, jsonb metadata and sans), read back by `certinfo`, revoked by
/// `revoke`; and, with cfssl 1.6.5 as the reference, its row beside ours
/// equal column by column but for serial and times, and each reads the
/// other's.
#[test]
fn postgres_stores_reads_and_revokes_as_cfssl() {
    let Some(url) = pg_database("cfssl_rows") else {
        return;
    };
    let dir = pg_scratch(&url);
    let sign = |bin: &Path, label: &str| {
        run(
            bin,
            dir.path(),
            &[
                "sign",
                "-db-config",
                "db.json",
                "-ca",
                "ca.pem",
                "-ca-key",
                "ca-key.pem",
                "-label",
                label,
                "leaf-p256.csr",
            ],
        )
    };
    let out = sign(&ours(), "ours");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let columns = "encode(authority_key_identifier,'escape'), encode(status,'escape'), reason, revoked_at, metadata, sans, common_name, pem LIKE '-----BEGIN CERTIFICATE-----%' AND pem LIKE '%-----END CERTIFICATE-----\n'";
    let row = psql(
        &url,
        &format!("SELECT {columns} FROM certificates WHERE ca_label = 'ours'"),
    );
    assert_eq!(
        row.trim(),
        format!(
            r#"{AKI}|good|0|0001-01-01 00:00:00+00|null|["leaf.example.com", "www.leaf.example.com"]|leaf.example.com|t"#
        )
    );
    let serial = psql(
        &url,
        "SELECT encode(serial_number,'escape') FROM certificates WHERE ca_label = 'ours'",
    );
    let serial = serial.trim();
    assert!(serial.bytes().all(|b| b.is_ascii_digit()), "{serial}");
    let info = [
        "certinfo",
        "-db-config",
        "db.json",
        "-serial",
        serial,
        "-aki",
        AKI,
    ];
    let out = run(&ours(), dir.path(), &info);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    if let Some(refdir) = std::env::var_os("CFSSL_REFERENCE_BIN_DIR") {
        let reference = Path::new(&refdir).join("cfssl");
        assert!(sign(&reference, "theirs").status.success());
        let theirs = psql(
            &url,
            &format!("SELECT {columns} FROM certificates WHERE ca_label = 'theirs'"),
        );
        assert_eq!(theirs, row, "cfssl 1.6.5's row and ours");
        assert_eq!(run(&reference, dir.path(), &info).stdout, out.stdout);
        let their_serial = psql(
            &url,
            "SELECT encode(serial_number,'escape') FROM certificates WHERE ca_label = 'theirs'",
        );
        let mine = run(
            &ours(),
            dir.path(),
            &[
                "certinfo",
                "-db-config",
                "db.json",
                "-serial",
                their_serial.trim(),
                "-aki",
                AKI,
            ],
        );
        assert!(mine.status.success());
    }
    let out = run(
        &ours(),
        dir.path(),
        &[
            "revoke",
            "-db-config",
            "db.json",
            "-serial",
            serial,
            "-aki",
            AKI,
            "-reason",
            "superseded",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        psql(&url, "SELECT encode(status,'escape'), reason, revoked_at > now() - interval '1 hour' FROM certificates WHERE ca_label = 'ours'").trim(),
        "revoked|4|t"
    );
    let out = run(
        &ours(),
        dir.path(),
        &[
            "revoke",
            "-db-config",
            "db.json",
            "-serial",
            "1",
            "-aki",
            AKI,
        ],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains(
        r#"{"code":11200,"message":"failed to revoke the certificate: certificate not found"}"#
    ));
}

/// Several signers on one PostgreSQL database: no lost rows, no duplicates.
#[test]
fn postgres_concurrent_signers() {
    let Some(url) = pg_database("cfssl_concurrent") else {
        return;
    };
    let dir = pg_scratch(&url);
    let (procs, each) = (6, 5);
    sign_at_once(dir.path(), procs, each);
    assert_eq!(
        psql(
            &url,
            "SELECT count(*), count(DISTINCT serial_number) FROM certificates"
        )
        .trim(),
        format!("{0}|{0}", procs * each)
    );
}

/// One HTTP/1.1 POST that may fail (the server may be gone): the status
/// line and body, or `None`.
fn try_post(addr: std::net::SocketAddr, path: &str, body: &str) -> Option<(String, String)> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .ok()?;
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut answer = String::new();
    s.read_to_string(&mut answer).ok()?;
    let (head, body) = answer.split_once("\r\n\r\n")?;
    Some((head.lines().next()?.to_string(), body.to_string()))
}

/// Starts `serve -db-config db.json` in `dir`, has four clients sign
/// until at least `min` certificates came back, kills the server with
/// SIGKILL while they are still signing, and returns the serial of every
/// certificate a client received. Then starts it again on the same
/// database and signs once more.
fn sign_through_a_sigkill(dir: &Path, min: usize) -> Vec<String> {
    use std::sync::{Arc, Mutex};
    let args = SERVE_DB.map(String::from);
    let csr = std::fs::read_to_string(dir.join("leaf-p256.csr")).unwrap();
    let body = serde_json::json!({"certificate_request": csr}).to_string();
    let mut serve = support::serve::start_with_args(&ours(), dir, &args).unwrap();
    let addr = serve.addr;
    let received = Arc::new(Mutex::new(Vec::new()));
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let (received, body) = (received.clone(), body.clone());
            std::thread::spawn(move || {
                // Until the server is gone: a refused connection or a
                // connection cut before the answer.
                while let Some((status, answer)) = try_post(addr, "/api/v1/cfssl/sign", &body) {
                    assert_eq!(status, "HTTP/1.1 200 OK", "{answer}");
                    let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
                    let pem = answer["result"]["certificate"].as_str().unwrap();
                    received.lock().unwrap().push(support::pki::serial_of(pem));
                }
            })
        })
        .collect();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while received.lock().unwrap().len() < min && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    serve.child.kill().unwrap(); // SIGKILL
    serve.child.wait().unwrap();
    for c in clients {
        c.join().unwrap();
    }
    let received = std::mem::take(&mut *received.lock().unwrap());
    assert!(received.len() >= min, "only {} signed", received.len());
    let again = support::serve::start_with_args(&ours(), dir, &args).unwrap();
    let (status, answer) = try_post(again.addr, "/api/v1/cfssl/sign", &body).unwrap();
    assert_eq!(status, "HTTP/1.1 200 OK", "after the restart: {answer}");
    received
}

/// Durability on SQLite: every certificate a client received before
/// `serve` was killed with SIGKILL is in the file, which is intact and
/// takes rows again after a restart.
#[test]
fn sqlite_keeps_every_certificate_through_sigkill() {
    let dir = scratch("kill.db");
    let received = sign_through_a_sigkill(dir.path(), 200);
    let db = dir.path().join("kill.db");
    assert_eq!(
        python(
            &db,
            "print(c.execute('pragma integrity_check').fetchone()[0])"
        )
        .trim(),
        "ok"
    );
    let stored: std::collections::HashSet<String> = python(
        &db,
        "for r in c.execute('select serial_number from certificates'): print(r[0])",
    )
    .lines()
    .map(String::from)
    .collect();
    let missing: Vec<&String> = received.iter().filter(|s| !stored.contains(*s)).collect();
    assert!(missing.is_empty(), "handed out but not stored: {missing:?}");
    // Every row once; the one signed after the restart is there too.
    let rows = python(
        &db,
        "print(c.execute('select count(*), count(distinct serial_number) from certificates').fetchone())",
    );
    let n = stored.len();
    assert_eq!(rows.trim(), format!("({n}, {n})"));
    assert!(n > received.len());
}

/// Durability on PostgreSQL, as on SQLite.
#[test]
fn postgres_keeps_every_certificate_through_sigkill() {
    let Some(url) = pg_database("cfssl_sigkill") else {
        return;
    };
    let dir = pg_scratch(&url);
    let received = sign_through_a_sigkill(dir.path(), 200);
    let stored: std::collections::HashSet<String> = psql(
        &url,
        "SELECT convert_from(serial_number, 'UTF8') FROM certificates",
    )
    .lines()
    .map(String::from)
    .collect();
    let missing: Vec<&String> = received.iter().filter(|s| !stored.contains(*s)).collect();
    assert!(missing.is_empty(), "handed out but not stored: {missing:?}");
    let n = stored.len();
    assert_eq!(
        psql(
            &url,
            "SELECT count(*), count(DISTINCT serial_number) FROM certificates"
        )
        .trim(),
        format!("{n}|{n}")
    );
    assert!(n > received.len());
}

/// The `-- +goose Up` part of one of our migration files.
fn migration_up(backend: &str, file: &str) -> String {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../certdb/migrations")
            .join(backend)
            .join(file),
    )
    .unwrap();
    text.split("-- +goose Down").next().unwrap().to_string()
}

/// `cfssl certdb migrate`, with its stderr.
fn migrate(dir: &Path) -> (bool, String) {
    let out = run(
        &ours(),
        dir,
        &["certdb", "migrate", "-db-config", "db.json"],
    );
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `certdb migrate` on SQLite: a new file gets both migrations, a second
/// run does nothing; a database at 001 with goose's table and a row gets
/// 002 (the row kept, goose told); a failed upgrade changes nothing; a
/// database of another application gets the schema only when asked.
#[test]
fn certdb_migrate_on_sqlite() {
    let dir = scratch("m.db");
    let db = dir.path().join("m.db");
    let (ok, log) = migrate(dir.path());
    assert!(ok, "{log}");
    assert!(
        log.contains("[INFO] certdb: the database had no schema: applied migration 001 and 002"),
        "{log}"
    );
    let columns = |db: &Path| {
        python(
            db,
            "print(' '.join(r[1] for r in c.execute('pragma table_info(certificates)')))",
        )
        .trim()
        .to_string()
    };
    assert_eq!(
        columns(&db),
        "serial_number authority_key_identifier ca_label status reason expiry revoked_at pem issued_at not_before metadata sans common_name"
    );
    let (ok, log) = migrate(dir.path());
    assert!(
        ok && log.contains("the schema is at migration 002: nothing to do"),
        "{log}"
    );

    // At 001, with goose's table as goose makes it, and a row.
    let dir = scratch("old.db");
    let db = dir.path().join("old.db");
    let goose = "CREATE TABLE goose_db_version (id INTEGER PRIMARY KEY AUTOINCREMENT, version_id INTEGER NOT NULL, is_applied INTEGER NOT NULL, tstamp TIMESTAMP DEFAULT (datetime('now')));\
                 INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, 1), (1, 1);";
    let up = migration_up("sqlite", "001_CreateCertificates.sql");
    python(
        &db,
        &format!("c.executescript({up:?} + {goose:?})\nc.commit()"),
    );
    let sign = SIGN;
    assert!(run(&ours(), dir.path(), &sign).status.success());
    let (ok, log) = migrate(dir.path());
    assert!(ok, "{log}");
    assert!(
        log.contains("the schema was at migration 001: applied migration 002"),
        "{log}"
    );
    assert!(columns(&db).ends_with("pem issued_at not_before metadata sans common_name"));
    assert_eq!(
        python(&db, "print([r[0] for r in c.execute('select version_id from goose_db_version order by id')])").trim(),
        "[0, 1, 2]"
    );
    assert!(run(&ours(), dir.path(), &sign).status.success());
    assert_eq!(
        python(
            &db,
            "print(c.execute('select count(*), count(issued_at) from certificates').fetchone())"
        )
        .trim(),
        "(2, 1)",
        "the row from before is kept; the new one has 002's columns"
    );

    // A half-done manual upgrade: migration 002 fails, nothing changes.
    let dir = scratch("half.db");
    let db = dir.path().join("half.db");
    python(
        &db,
        &format!(
            "c.executescript({up:?} + 'ALTER TABLE certificates ADD COLUMN sans text;')\nc.commit()"
        ),
    );
    let before = columns(&db);
    let (ok, log) = migrate(dir.path());
    assert!(!ok);
    assert!(
        log.contains(r#"{"code":11000,"message":"duplicate column name: sans"}"#),
        "{log}"
    );
    assert_eq!(
        columns(&db),
        before,
        "the failed upgrade is rolled back whole"
    );

    // Another application's database: refused by sign, migrated on request.
    let dir = scratch("app.db");
    let db = dir.path().join("app.db");
    python(&db, "c.execute('create table notes (t text)')\nc.commit()");
    assert!(!run(&ours(), dir.path(), &sign).status.success());
    let (ok, log) = migrate(dir.path());
    assert!(ok, "{log}");
    assert!(run(&ours(), dir.path(), &sign).status.success());
    assert_eq!(
        python(&db, "print(sorted(r[0] for r in c.execute(\"select name from sqlite_master where type='table'\")))").trim(),
        "['certificates', 'notes', 'ocsp_responses']"
    );
}

/// `certdb migrate` on PostgreSQL: an empty database gets both
/// migrations; one at 001 with goose's table gets 002 and goose is told.
#[test]
fn certdb_migrate_on_postgres() {
    let Some(url) = pg_database("cfssl_migrate") else {
        return;
    };
    let dir = pg_scratch(&url);
    let (ok, log) = migrate(dir.path());
    assert!(ok, "{log}");
    assert!(
        log.contains("the database had no schema: applied migration 001 and 002"),
        "{log}"
    );
    let (ok, log) = migrate(dir.path());
    assert!(ok && log.contains("nothing to do"), "{log}");
    psql(&url, "DROP TABLE ocsp_responses; DROP TABLE certificates");
    psql(&url, &migration_up("pg", "001_CreateCertificates.sql"));
    psql(
        &url,
        "CREATE TABLE goose_db_version (id serial NOT NULL, version_id bigint NOT NULL, is_applied boolean NOT NULL, tstamp timestamp NULL default now(), PRIMARY KEY(id)); \
         INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, true), (1, true)",
    );
    let (ok, log) = migrate(dir.path());
    assert!(ok, "{log}");
    assert!(
        log.contains("the schema was at migration 001: applied migration 002"),
        "{log}"
    );
    assert_eq!(
        psql(
            &url,
            "SELECT string_agg(version_id::text, ',' ORDER BY id) FROM goose_db_version"
        )
        .trim(),
        "0,1,2"
    );
    assert_eq!(
        psql(
            &url,
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'certificates'"
        )
        .trim(),
        "13"
    );
}

/// A database file the signer may not write: a clear error, no
/// certificate, the file unchanged. As root (CI), the signer runs as
/// `nobody` so that the file's mode applies.
#[test]
fn a_read_only_database_gets_an_error_and_no_certificate() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let dir = scratch("ro.db");
    let (ok, log) = migrate(dir.path());
    assert!(ok, "{log}");
    let db = dir.path().join("ro.db");
    // Back to a plain journal, so that no -wal or -shm file is needed.
    python(&db, "c.execute('pragma journal_mode=delete')");
    let before = std::fs::read(&db).unwrap();
    let mode =
        |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    mode(dir.path(), 0o755);
    for e in std::fs::read_dir(dir.path()).unwrap() {
        mode(&e.unwrap().path(), 0o644);
    }
    mode(&db, 0o444);
    let root = Command::new("id").arg("-u").output().unwrap().stdout == b"0\n";
    let mut sign = Command::new(ours());
    sign.args(SIGN).current_dir(dir.path());
    if root {
        sign.uid(65534).gid(65534);
    }
    let out = sign.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(out.stdout.is_empty(), "no certificate is handed out");
    assert!(
        stderr.contains(r#"{"code":11000,"message":"attempt to write a readonly database"}"#),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&db).unwrap(), before);
}

/// One HTTP/1.1 request: the status code and the body.
fn http(addr: std::net::SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    let code = head.split(' ').nth(1).unwrap().parse().unwrap();
    (code, body.to_string())
}

/// `/certadd`: cfssl 1.6.5's answers to 26 requests, replayed in order
/// against our serve on a new SQLite file (`fixtures/certdb/
/// record-certadd.sh` recorded them on a database made by cfssl's own
/// migrations), then every stored row compared column by column, storage
/// class included, with the rows cfssl stored.
#[test]
fn certadd_answers_and_stores_as_cfssl() {
    let dir = scratch("add.db");
    let serve = serve_db(dir.path());
    let read = |f: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("certdb").join(f)).unwrap())
            .unwrap()
    };
    let cases = read("certadd-cases.json");
    let cases = cases.as_array().unwrap();
    assert_eq!(cases.len(), 26);
    for case in cases {
        let s = |k: &str| case[k].as_str().unwrap();
        let (status, body) = http(serve.addr, s("method"), "/api/v1/cfssl/certadd", s("body"));
        assert_eq!(
            (status, body.as_str()),
            (case["status"].as_u64().unwrap() as u16, s("response")),
            "case {}",
            s("name")
        );
    }
    let rows = python(
        &dir.path().join("add.db"),
        "import json\n\
         cols = [r[1] for r in c.execute('pragma table_info(certificates)')]\n\
         out = []\n\
         for row in c.execute('select ' + ','.join('typeof(%s), %s' % (x, x) for x in cols) + ' from certificates order by rowid'):\n\
         \x20   out.append({cols[i]: [row[2*i], row[2*i+1].decode() if isinstance(row[2*i+1], bytes) else row[2*i+1]] for i in range(len(cols))})\n\
         print(json.dumps(out))",
    );
    let rows: serde_json::Value = serde_json::from_str(&rows).unwrap();
    assert_eq!(rows, read("certadd-rows.json"));
}

/// Several `serve -db-config` processes on one PostgreSQL database (empty
/// at their start), each signing for three clients at once: every
/// certificate handed out is stored, once; no row is lost or doubled.
#[test]
fn several_servers_share_one_postgres_database() {
    let Some(url) = pg_database("cfssl_servers") else {
        return;
    };
    let dir = pg_scratch(&url);
    let args = SERVE_DB.map(String::from);
    let servers: Vec<_> = (0..3)
        .map(|_| support::serve::start_with_args(&ours(), dir.path(), &args).unwrap())
        .collect();
    let csr = std::fs::read_to_string(dir.path().join("leaf-p256.csr")).unwrap();
    let body = serde_json::json!({"certificate_request": csr}).to_string();
    let each = 25;
    let clients: Vec<_> = servers
        .iter()
        .flat_map(|s| std::iter::repeat_n(s.addr, 3))
        .map(|addr| {
            let body = body.clone();
            std::thread::spawn(move || {
                (0..each)
                    .map(|_| {
                        let (status, answer) =
                            try_post(addr, "/api/v1/cfssl/sign", &body).expect("an answer");
                        assert_eq!(status, "HTTP/1.1 200 OK", "{answer}");
                        let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
                        support::pki::serial_of(answer["result"]["certificate"].as_str().unwrap())
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let received: Vec<String> = clients
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    assert_eq!(received.len(), 9 * each);
    let stored: std::collections::HashSet<String> = psql(
        &url,
        "SELECT convert_from(serial_number, 'UTF8') FROM certificates",
    )
    .lines()
    .map(String::from)
    .collect();
    let missing: Vec<&String> = received.iter().filter(|s| !stored.contains(*s)).collect();
    assert!(missing.is_empty(), "handed out but not stored: {missing:?}");
    assert_eq!(
        psql(
            &url,
            "SELECT count(*), count(DISTINCT serial_number) FROM certificates"
        )
        .trim(),
        format!("{0}|{0}", 9 * each)
    );
}

/// The database goes away under a running `serve -db-config` (PostgreSQL
/// stopped at once, as in a crash): requests fail with cfssl's 11000 and
/// no certificate; when it is back, the server reconnects by itself and
/// signs again. Only what was answered 200 is stored.
#[test]
fn serve_outlives_postgres_going_away() {
    if !pg_available() {
        return;
    }
    let cluster = Cluster::start();
    let dir = pg_scratch(&cluster.url);
    let serve = serve_db(dir.path());
    let csr = std::fs::read_to_string(dir.path().join("leaf-p256.csr")).unwrap();
    let body = serde_json::json!({"certificate_request": csr}).to_string();
    let sign = || try_post(serve.addr, "/api/v1/cfssl/sign", &body).unwrap();
    assert_eq!(sign().0, "HTTP/1.1 200 OK");
    cluster.run("pause");
    for _ in 0..2 {
        let (status, answer) = sign();
        assert_eq!(status, "HTTP/1.1 400 Bad Request", "{answer}");
        assert!(answer.contains(r#""code":11000"#), "{answer}");
        assert!(!answer.contains("BEGIN CERTIFICATE"), "{answer}");
    }
    cluster.run("resume");
    let (status, answer) = sign();
    assert_eq!(
        status, "HTTP/1.1 200 OK",
        "after the database came back: {answer}"
    );
    assert_eq!(
        psql(&cluster.url, "SELECT count(*) FROM certificates").trim(),
        "2"
    );
}

/// cfssl 1.6.5's `crl` and `ocsprefresh` on a row we wrote and revoked:
/// its CRL lists the serial (read with `openssl crl`), and the OCSP
/// response it stores says revoked, key compromise (`openssl ocsp`).
fn reference_revokes_from_our_rows(reference: &Path, dir: &Path, serial: &str) {
    let revoke = [
        "revoke",
        "-db-config",
        "db.json",
        "-serial",
        serial,
        "-aki",
        AKI,
        "-reason",
        "keyCompromise",
    ];
    assert!(run(&ours(), dir, &revoke).status.success());
    let crl = run(
        reference,
        dir,
        &[
            "crl",
            "-db-config",
            "db.json",
            "-ca",
            "ca.pem",
            "-ca-key",
            "ca-key.pem",
        ],
    );
    assert!(
        crl.status.success(),
        "{}",
        String::from_utf8_lossy(&crl.stderr)
    );
    let text = support::pki::openssl_crl(dir, &crl.stdout, &["-noout", "-text"]);
    let hex = python(
        &dir.join("certs.db"),
        &format!("print(format({serial}, 'X'))"),
    );
    // openssl writes whole bytes: a leading zero when the hex is odd.
    let listed: Vec<String> = String::from_utf8_lossy(&text.stdout)
        .lines()
        .filter_map(|l| l.trim().strip_prefix("Serial Number: "))
        .map(|h| h.trim_start_matches('0').to_string())
        .collect();
    assert_eq!(
        listed,
        [hex.trim().to_string()],
        "{}",
        String::from_utf8_lossy(&text.stdout)
    );
    let refresh = run(
        reference,
        dir,
        &[
            "ocsprefresh",
            "-db-config",
            "db.json",
            "-responder",
            "ca.pem",
            "-responder-key",
            "ca-key.pem",
            "-ca",
            "ca.pem",
        ],
    );
    assert!(
        refresh.status.success(),
        "{}",
        String::from_utf8_lossy(&refresh.stderr)
    );
    python(
        &dir.join("certs.db"),
        "c.text_factory = bytes\nopen(sys.argv[1] + '.ocsp', 'wb').write(c.execute('select body from ocsp_responses').fetchone()[0])",
    );
    let ocsp = Command::new("openssl")
        .args([
            "ocsp",
            "-respin",
            "certs.db.ocsp",
            "-noverify",
            "-resp_text",
        ])
        .current_dir(dir)
        .output()
        .unwrap();
    let ocsp = String::from_utf8_lossy(&ocsp.stdout);
    assert!(ocsp.contains("Cert Status: revoked"), "{ocsp}");
    assert!(
        ocsp.contains("Revocation Reason: keyCompromise (0x1)"),
        "{ocsp}"
    );
}

/// TLS to PostgreSQL as cfssl's lib/pq makes it, against a cluster serving
/// the fixtures' TLS certificate (127.0.0.1, from the fixtures' CA):
/// `require` encrypts without checking; `verify-full` with the right
/// `sslrootcert` signs, with another CA's it is refused (so the check is
/// made, over TLS); an `sslmode` lib/pq does not know gets lib/pq's error.
#[test]
fn postgres_over_tls_as_lib_pq() {
    if !pg_available() {
        return;
    }
    let server = fixtures().join("server");
    let cluster = Cluster::start_with(&[
        ("CFSSL_PG_TLS_CERT", &server.join("tls-server.pem")),
        ("CFSSL_PG_TLS_KEY", &server.join("tls-server-key.pem")),
    ]);
    assert_eq!(psql(&cluster.url, "SHOW ssl").trim(), "on");
    let dir = scratch("unused");
    std::fs::copy(
        server.join("client-ca.pem"),
        dir.path().join("other-ca.pem"),
    )
    .unwrap();
    let url = cluster.url.clone();
    let sign_with = |query: &str| {
        std::fs::write(
            dir.path().join("db.json"),
            format!(r#"{{"driver":"postgres","data_source":"{url}{query}"}}"#),
        )
        .unwrap();
        run(&ours(), dir.path(), &SIGN)
    };
    for query in [
        "",
        "?sslmode=require",
        "?sslmode=verify-full&sslrootcert=ca.pem",
        "?sslmode=verify-ca&sslrootcert=ca.pem",
    ] {
        let out = sign_with(query);
        assert!(
            out.status.success(),
            "{query}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = sign_with("?sslmode=verify-full&sslrootcert=other-ca.pem");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(
        stderr.contains(r#"{"code":11000,"message":"error performing TLS handshake: invalid peer certificate: UnknownIssuer"}"#),
        "{stderr}"
    );
    let out = sign_with("?sslmode=allow");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(r#"pq: unsupported sslmode \"allow\""#),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        psql(&cluster.url, "SELECT count(*) FROM certificates").trim(),
        "4"
    );
}

/// A PostgreSQL value the reader cannot hold (a revoked row whose
/// `revoked_at` is `'infinity'`): `/crl` answers the database error, and the
/// same server still answers from the database afterwards (the read does
/// not panic with the connection's lock held).
#[test]
fn postgres_value_out_of_range_is_an_error_not_a_dead_connection() {
    let Some(url) = pg_database("cfssl_infinity") else {
        return;
    };
    let dir = pg_scratch(&url);
    let out = run(&ours(), dir.path(), &SIGN);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let serial = support::pki::serial_of(v["cert"].as_str().unwrap());
    psql(
        &url,
        "INSERT INTO certificates (serial_number, authority_key_identifier, ca_label, status, reason, expiry, revoked_at, pem) \
         VALUES ('1'::bytea, '58b58d6a5e95ac90284316ffa705c918f37acc03'::bytea, ''::bytea, 'revoked'::bytea, 1, '2999-01-01', 'infinity', 'x'::bytea)",
    );
    let serve = serve_db(dir.path());
    let get = |path: &str| {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(serve.addr).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    };
    let crl = get("/api/v1/cfssl/crl");
    assert!(crl.starts_with("HTTP/1.1 400"), "{crl}");
    assert!(crl.contains(r#""code":11000"#), "{crl}");
    let body = format!(r#"{{"serial":"{serial}","authority_key_id":"{AKI}"}}"#);
    let (status, answer) = post(serve.addr, "/api/v1/cfssl/certinfo", &body);
    assert_eq!(status, "HTTP/1.1 200 OK", "{answer}");
    assert!(answer.contains("BEGIN CERTIFICATE"), "{answer}");
}
