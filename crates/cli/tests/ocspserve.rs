//! `ocspserve` against cfssl 1.6.5's recorded answers
//! (`fixtures/ocsp/ocspserve-cases.json`: the same responses file and
//! database, the same requests), OpenSSL's `ocsp -url` as a client of ours,
//! the fresh signing cfssl lacks, and bad clients.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use support::serve::{Serve, start_command};

fn ours() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cfssl"))
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

fn b64(s: &str) -> Vec<u8> {
    cfssl_core::go::base64::decode(s.as_bytes()).unwrap()
}

/// A scratch folder holding the OCSP fixtures, the CA and a db-config for
/// a copy of the database cfssl 1.6.5 refreshed.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let ocsp = fixtures().join("ocsp");
    for e in std::fs::read_dir(&ocsp).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), dir.path().join(e.file_name())).unwrap();
        }
    }
    support::serve::copy_dir(
        &ocsp.join("ocspserve-requests"),
        &dir.path().join("requests"),
    );
    for f in ["ca.pem", "ca-key.pem", "rsa-ca.pem", "leaf-p256.csr"] {
        std::fs::copy(fixtures().join("server").join(f), dir.path().join(f)).unwrap();
    }
    std::fs::copy(
        ocsp.join("cfssl-1.6.5-refreshed.db"),
        dir.path().join("certs.db"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("db.json"),
        r#"{"driver":"sqlite3","data_source":"certs.db"}"#,
    )
    .unwrap();
    dir
}

fn start(dir: &Path, args: &[&str]) -> Serve {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let log = dir.join("ocspserve.log");
    start_command(&ours(), dir, "ocspserve", &args, || {
        Stdio::from(std::fs::File::create(&log).unwrap())
    })
    .expect("ocspserve starts")
}

/// One HTTP/1.1 request on its own connection: status, headers (names in
/// lower case, in order), body.
fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if method == "POST" || method == "PUT" {
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    if method == "POST" || method == "PUT" {
        // A server that refuses a huge body may close before it is sent.
        let _ = s.write_all(body);
    }
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let hdrs = lines
        .map(|l| {
            let (k, v) = l.split_once(": ").unwrap();
            (k.to_ascii_lowercase(), v.to_string())
        })
        .collect();
    (status, hdrs, raw[end + 4..].to_vec())
}

/// Headers to compare: without `date` and `connection`, `max-age`'s
/// number replaced (it counts down).
fn comparable(h: &[(String, String)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = h
        .iter()
        .filter(|(k, _)| k != "date" && k != "connection")
        .map(|(k, v)| {
            let v = match v.strip_prefix("max-age=") {
                Some(rest) if !v.starts_with("max-age=0,") => {
                    format!(
                        "max-age=N{}",
                        rest.trim_start_matches(|c: char| c.is_ascii_digit())
                    )
                }
                _ => v.clone(),
            };
            (k.clone(), v)
        })
        .collect();
    out.sort();
    out
}

/// Every recorded request, from the file (`-path /` and `-path /ocsp/`)
/// and from the database: the same status, headers and body bytes as
/// cfssl 1.6.5, but for the cases docs/compat.md ledgers (item 39): GET
/// under `-path /ocsp/` is answered; a file's response for another
/// issuer's certificate of the same serial is not served; a URL with a
/// broken percent-escape gets the responder's 400 (Go's HTTP server
/// refuses it before the responder sees it).
#[test]
fn ocspserve_answers_as_cfssl() {
    let dir = scratch();
    let file = start(dir.path(), &["-responses", "cfssl-1.6.5-ocspdump.txt"]);
    let db = start(dir.path(), &["-db-config", "db.json"]);
    let path = start(
        dir.path(),
        &["-responses", "cfssl-1.6.5-ocspdump.txt", "-path", "/ocsp/"],
    );
    let text = std::fs::read_to_string(fixtures().join("ocsp/ocspserve-cases.json")).unwrap();
    let cases: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut compared = 0;
    for c in cases.as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let addr = match c["setup"].as_str().unwrap() {
            "file" => file.addr,
            "db" => db.addr,
            _ => path.addr,
        };
        let headers: Vec<(String, String)> = c["headers"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
            .collect();
        let (status, hdrs, body) = http(
            addr,
            c["method"].as_str().unwrap(),
            c["path"].as_str().unwrap(),
            &headers,
            &b64(c["body"].as_str().unwrap()),
        );
        let want_status = u16::try_from(c["status"].as_u64().unwrap()).unwrap();
        let want_body = b64(c["response_body"].as_str().unwrap());
        let want_headers: Vec<(String, String)> = c["response_headers"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.as_str().unwrap().to_string()))
            .collect();
        match name {
            "file POST other-issuer" => {
                assert_eq!(want_body.len(), 860, "cfssl serves cert1's response");
                assert_eq!((status, body.as_slice()), (200, &[0x30, 3, 0x0a, 1, 6][..]));
                continue;
            }
            "path GET" => {
                assert_eq!(want_status, 400, "cfssl does not strip the prefix");
                assert_eq!(status, 200);
                let file_case = cases
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|c| c["name"] == "file GET cert1-sha1")
                    .unwrap();
                assert_eq!(body, b64(file_case["response_body"].as_str().unwrap()));
                continue;
            }
            "file GET bad escape" | "db GET bad escape" => {
                assert_eq!(want_status, 400);
                assert_eq!(status, 400, "{name}");
                assert!(body.is_empty(), "{name}");
                continue;
            }
            _ => {}
        }
        assert_eq!(status, want_status, "{name}");
        let mut mine = comparable(&hdrs);
        if c["method"] == "HEAD" {
            // hyper says `content-length: 0` for the empty 405; Go says
            // nothing.
            mine.retain(|(k, v)| !(k == "content-length" && v == "0"));
        }
        assert_eq!(mine, comparable(&want_headers), "{name}");
        assert_eq!(body, want_body, "{name}");
        let age = hdrs
            .iter()
            .find(|(k, _)| k == "cache-control")
            .and_then(|(_, cc)| cc.strip_prefix("max-age="));
        {
            if let Some(age) = age {
                let n: i64 = age.split(',').next().unwrap().parse().unwrap();
                let theirs = want_headers
                    .iter()
                    .find(|(k, _)| k == "cache-control")
                    .and_then(|(_, v)| v.strip_prefix("max-age="))
                    .and_then(|v| v.split(',').next())
                    .map(|v| v.parse::<i64>().unwrap())
                    .unwrap();
                assert!(n <= theirs, "{name}: max-age counts down to nextUpdate");
            }
        }
        compared += 1;
    }
    assert_eq!(compared, 39);
}

/// cfssl's start-up errors and log lines (`ocspserve-startup.json`): bad
/// entries of a responses file logged and skipped, a missing file, no
/// source, an argument.
#[test]
fn ocspserve_starts_as_cfssl() {
    let dir = scratch();
    let dump = std::fs::read_to_string(dir.path().join("cfssl-1.6.5-ocspdump.txt")).unwrap();
    let lines: Vec<&str> = dump.lines().collect();
    std::fs::write(
        dir.path().join("mixed.txt"),
        format!("{}\n@@notbase64@@\naGVsbG8=\n{}\n", lines[0], lines[1]),
    )
    .unwrap();
    let text = std::fs::read_to_string(fixtures().join("ocsp/ocspserve-startup.json")).unwrap();
    let cases: serde_json::Value = serde_json::from_str(&text).unwrap();
    for c in cases.as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let args: Vec<String> = c["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().replace("MIXED", "mixed.txt"))
            .collect();
        let port = support::serve::free_port().to_string();
        let mut child = Command::new(ours())
            .args(["ocspserve", "-port", &port])
            .args(&args)
            .current_dir(dir.path())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut rc = None;
        for _ in 0..100 {
            if let Some(st) = child.try_wait().unwrap() {
                rc = st.code();
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if rc.is_none() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        let err = support::undated(err.as_bytes());
        let want_rc = c["rc"].as_i64().map(|n| i32::try_from(n).unwrap());
        assert_eq!(rc, want_rc, "{name}: {err}");
        let want = c["stderr"].as_str().unwrap();
        if name == "mixed file" {
            // Go's asn1 error text is not copied; the lines are.
            let theirs: Vec<&str> = want.lines().collect();
            let mine: Vec<&str> = err.lines().collect();
            assert_eq!(mine.len(), theirs.len(), "{err}");
            assert_eq!(mine[0], theirs[0]);
            assert!(
                mine[1].starts_with("[ERROR] OCSP decode error ")
                    && mine[1].ends_with(" on: aGVsbG8="),
                "{err}"
            );
            assert_eq!(mine[2..4], theirs[2..4]);
            assert!(
                mine[4].starts_with("[INFO] Now listening on 127.0.0.1:"),
                "{err}"
            );
        } else {
            assert_eq!(err, want, "{name}");
        }
    }
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(ours())
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// `openssl ocsp -url` against ours: its verdict for `cert`.
fn openssl_url(dir: &Path, addr: SocketAddr, cert: &str, extra: &[&str]) -> (String, String) {
    let out = Command::new("openssl")
        .args(["ocsp", "-issuer", "ca.pem", "-CAfile", "ca.pem"])
        .args(extra)
        .args(["-cert", cert, "-url", &format!("http://{addr}/")])
        .current_dir(dir)
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// OpenSSL as the client: good, revoked and unknown certificates from a
/// responses file and from the database, verified against the CA; a
/// certificate the responder knows nothing of gets `unauthorized`.
#[test]
fn openssl_asks_ours() {
    let dir = scratch();
    // A responses file with an `unknown` response for cert3.
    let out = ok(&run(
        dir.path(),
        &[
            "ocspsign",
            "-ca",
            "ca.pem",
            "-responder",
            "responder.pem",
            "-responder-key",
            "responder-key.pem",
            "-cert",
            "requests/cert3.pem",
            "-status",
            "unknown",
        ],
    ));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let dump = std::fs::read_to_string(dir.path().join("cfssl-1.6.5-ocspdump.txt")).unwrap();
    let lines: Vec<&str> = dump.lines().collect();
    std::fs::write(
        dir.path().join("mine.txt"),
        format!(
            "{}\n{}\n{}\n",
            lines[0],
            lines[1],
            v["ocspResponse"].as_str().unwrap()
        ),
    )
    .unwrap();
    let file = start(dir.path(), &["-responses", "mine.txt"]);
    let db = start(dir.path(), &["-db-config", "db.json"]);
    for (addr, third) in [(file.addr, "unknown"), (db.addr, "good")] {
        for (cert, want) in [
            ("requests/cert1.pem", "good"),
            ("requests/cert2.pem", "revoked"),
            ("requests/cert3.pem", third),
        ] {
            let (stdout, stderr) = openssl_url(dir.path(), addr, cert, &["-no_nonce"]);
            assert!(stderr.contains("Response verify OK"), "{cert}: {stderr}");
            assert!(
                stdout.contains(&format!("{cert}: {want}")),
                "{cert}: {stdout}"
            );
        }
        // A nonce is accepted and not echoed (RFC 5019).
        let (stdout, stderr) = openssl_url(dir.path(), addr, "requests/cert1.pem", &[]);
        assert!(stderr.contains("WARNING: no nonce in response"), "{stderr}");
        assert!(stdout.contains("requests/cert1.pem: good"), "{stdout}");
        // A certificate it knows nothing of.
        let (stdout, stderr) = openssl_url(
            dir.path(),
            addr,
            "requests/cert1.pem",
            &["-serial", "0x1234"],
        );
        assert!(
            format!("{stdout}{stderr}").contains("unauthorized"),
            "{stdout}{stderr}"
        );
    }
}

/// With `-ca`, `-responder` and `-responder-key` (not in cfssl) the
/// database responder signs what it lacks: a certificate without a stored
/// response is answered, and a revocation made by `cfssl revoke` shows on
/// the next request, without `ocsprefresh`; the fresh response is stored.
/// SHA-256 CertIDs, which cfssl's database lookup never matches, are
/// answered too.
#[test]
fn fresh_signing_shows_a_revocation_at_once() {
    let dir = scratch();
    std::fs::remove_file(dir.path().join("certs.db")).unwrap();
    let signed = ok(&run(
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
    ));
    let v: serde_json::Value = serde_json::from_str(&signed).unwrap();
    std::fs::write(dir.path().join("leaf.pem"), v["cert"].as_str().unwrap()).unwrap();
    let serve = start(
        dir.path(),
        &[
            "-db-config",
            "db.json",
            "-ca",
            "ca.pem",
            "-responder",
            "responder.pem",
            "-responder-key",
            "responder-key.pem",
            "-interval",
            "1h",
        ],
    );
    let (stdout, stderr) = openssl_url(dir.path(), serve.addr, "leaf.pem", &["-no_nonce"]);
    assert!(stderr.contains("Response verify OK"), "{stderr}");
    assert!(stdout.contains("leaf.pem: good"), "{stdout}");
    let serial = support::pki::serial_of(v["cert"].as_str().unwrap());
    ok(&run(
        dir.path(),
        &[
            "revoke",
            "-db-config",
            "db.json",
            "-serial",
            &serial,
            "-aki",
            "58b58d6a5e95ac90284316ffa705c918f37acc03",
            "-reason",
            "keyCompromise",
        ],
    ));
    let (stdout, stderr) = openssl_url(dir.path(), serve.addr, "leaf.pem", &["-no_nonce"]);
    assert!(stderr.contains("Response verify OK"), "{stderr}");
    assert!(stdout.contains("leaf.pem: revoked"), "{stdout}");
    assert!(stdout.contains("Reason: keyCompromise"), "{stdout}");
    let (stdout, stderr) = openssl_url(
        dir.path(),
        serve.addr,
        "leaf.pem",
        &["-no_nonce", "-sha256"],
    );
    assert!(stderr.contains("Response verify OK"), "{stderr}");
    assert!(stdout.contains("leaf.pem: revoked"), "{stdout}");
    // The stored response is the revoked one: ocspdump prints it.
    let dump = ok(&run(dir.path(), &["ocspdump", "-db-config", "db.json"]));
    let lines: Vec<&str> = dump.lines().collect();
    assert_eq!(lines.len(), 1);
    let r = cfssl_core::ocsp::Response::from_der(&b64(lines[0])).unwrap();
    assert_eq!(r.status.name(), "revoked");
    let log = std::fs::read_to_string(dir.path().join("ocspserve.log")).unwrap();
    assert!(
        log.contains("signed a fresh OCSP response (revoked)"),
        "{log}"
    );
    // Incomplete signing flags are refused at start.
    let out = run(
        dir.path(),
        &["ocspserve", "-db-config", "db.json", "-ca", "ca.pem"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("signing fresh responses needs all of -ca, -responder and -responder-key"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Bad clients: a body past 64 KiB is refused before it is read whole,
/// garbage and truncated requests get `malformedRequest`, and the
/// responder still answers afterwards. cfssl reads any body to its end.
#[test]
fn bad_requests_get_answers_not_panics() {
    let dir = scratch();
    let serve = start(dir.path(), &["-responses", "cfssl-1.6.5-ocspdump.txt"]);
    // 1 MiB: answered 400, or the connection closed while it is sent.
    let mut s = TcpStream::connect(serve.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let head = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
        1 << 20
    );
    s.write_all(head.as_bytes()).unwrap();
    let _ = s.write_all(&vec![0x30u8; 1 << 20]);
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    assert!(
        raw.is_empty() || raw.starts_with(b"HTTP/1.1 400"),
        "{}",
        String::from_utf8_lossy(&raw)
    );
    let good = std::fs::read(dir.path().join("requests/cert1-sha1.der")).unwrap();
    for cut in [1, 2, 10, good.len() - 1] {
        let (status, _, body) = http(serve.addr, "POST", "/", &[], &good[..cut]);
        assert_eq!(
            (status, body.as_slice()),
            (400, &[0x30, 3, 0x0a, 1, 1][..]),
            "{cut}"
        );
    }
    let mut trailing = good.clone();
    trailing.push(0);
    let (status, _, _) = http(serve.addr, "POST", "/", &[], &trailing);
    assert_eq!(status, 400);
    let (status, _, body) = http(serve.addr, "POST", "/", &[], &good);
    assert_eq!(status, 200);
    assert!(body.len() > 800);
}

/// A stored response whose signature does not verify with the responder
/// certificate it carries is not served, as in cfssl (Go's
/// `ocsp.ParseResponse` checks it): dropped from a responses file at
/// start, `internalError` from the database.
#[test]
fn tampered_responses_are_not_served() {
    let dir = scratch();
    let dump = std::fs::read_to_string(dir.path().join("cfssl-1.6.5-ocspdump.txt")).unwrap();
    let first = b64(dump.lines().next().unwrap());
    // cert1 is good: make it say unknown (same length, signature now wrong).
    let at = first
        .windows(4)
        .position(|w| w == [0x80, 0x00, 0x18, 0x0f])
        .unwrap();
    let mut bad = first;
    bad[at] = 0x82;
    std::fs::write(
        dir.path().join("bad.txt"),
        format!("{}\n", cfssl_core::go::base64::encode(&bad)),
    )
    .unwrap();
    let file = start(dir.path(), &["-responses", "bad.txt"]);
    let req = std::fs::read(dir.path().join("requests/cert1-sha1.der")).unwrap();
    let (status, _, body) = http(file.addr, "POST", "/", &[], &req);
    assert_eq!((status, body.as_slice()), (200, &[0x30, 3, 0x0a, 1, 6][..]));
    let log = std::fs::read_to_string(dir.path().join("ocspserve.log")).unwrap();
    assert!(log.contains("[INFO] Read 0 OCSP responses"), "{log}");
    assert!(
        log.contains("bad signature on embedded certificate"),
        "{log}"
    );
    drop(file);
    let serials =
        std::fs::read_to_string(dir.path().join("cfssl-1.6.5-refreshed.serials")).unwrap();
    let script = format!(
        "import sqlite3\nc = sqlite3.connect('certs.db')\nn = c.execute('update ocsp_responses set body = ? where serial_number = ?', (bytes.fromhex('{}'), '{}')).rowcount\nc.commit()\nassert n == 1, n",
        hex(&bad),
        serials.lines().next().unwrap()
    );
    let py = Command::new("python3")
        .args(["-c", &script])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        py.status.success(),
        "{}",
        String::from_utf8_lossy(&py.stderr)
    );
    let db = start(dir.path(), &["-db-config", "db.json"]);
    let (status, _, body) = http(db.addr, "POST", "/", &[], &req);
    assert_eq!((status, body.as_slice()), (200, &[0x30, 3, 0x0a, 1, 2][..]));
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Responses cfssl 1.6.5 stored in PostgreSQL (`fixtures/ocsp/
/// cfssl-1.6.5-refreshed-pg.sql`) served from there; the database stopped
/// at once (a crash): `internalError` with status 500, as cfssl answers a
/// source error; back: answered again, without a restart.
#[test]
fn ocspserve_from_postgres_outlives_the_database_going_away() {
    if std::env::var_os("CFSSL_TEST_PG_URL").is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs PostgreSQL: .ci/run starts scripts/pg-cluster.sh"
        );
        eprintln!("skipped: no CFSSL_TEST_PG_URL (eval \"$(scripts/pg-cluster.sh start)\")");
        return;
    }
    let cluster = support::pg::Cluster::start();
    let url = cluster.url.clone();
    support::pg::cfssl_schema(&url);
    support::pg::psql(
        &url,
        &std::fs::read_to_string(fixtures().join("ocsp/cfssl-1.6.5-refreshed-pg.sql")).unwrap(),
    );
    let dir = scratch();
    std::fs::write(
        dir.path().join("pg.json"),
        format!(r#"{{"driver":"postgres","data_source":"{url}?sslmode=disable"}}"#),
    )
    .unwrap();
    // The PostgreSQL recording's first certificate.
    let serial = std::fs::read_to_string(fixtures().join("ocsp/cfssl-1.6.5-refreshed-pg.serials"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    let issuer =
        cfssl_core::cert::Certificate::from_pem(&std::fs::read(dir.path().join("ca.pem")).unwrap())
            .unwrap();
    let serial_bytes = cfssl_core::crl::decimal_serial(&serial).unwrap();
    let mut content = serial_bytes;
    if content[0] & 0x80 != 0 {
        content.insert(0, 0);
    }
    let id =
        cfssl_core::ocsp::CertId::new(&issuer, &content, cfssl_core::ocsp::HashAlgorithm::Sha1);
    let req = cfssl_core::ocsp::Request::to_der(&id);
    let serve = start(dir.path(), &["-db-config", "pg.json"]);
    let ask = || http(serve.addr, "POST", "/", &[], &req);
    let (status, _, body) = ask();
    assert_eq!(status, 200);
    let r = cfssl_core::ocsp::Response::from_der(&body).unwrap();
    assert_eq!(
        (r.cert_id.serial_decimal(), r.status.name()),
        (serial, "good")
    );
    cluster.run("pause");
    let (status, _, body) = ask();
    assert_eq!((status, body.as_slice()), (500, &[0x30, 3, 0x0a, 1, 2][..]));
    cluster.run("resume");
    let (status, _, body) = ask();
    assert_eq!(status, 200, "{body:?}");
    let log = std::fs::read_to_string(dir.path().join("ocspserve.log")).unwrap();
    assert!(
        log.contains("Error retrieving response for request"),
        "{log}"
    );
}
