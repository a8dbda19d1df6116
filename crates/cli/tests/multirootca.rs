//! Our `multirootca` against what cfssl 1.6.5's multirootca did
//! (`fixtures/multirootca/cases.json`, recorded by its `record.sh`): every
//! recorded request replayed through a normalised summary (status,
//! `Content-Type`, `X-Content-Type-Options`, the body key by key with the
//! certificate taken out, the log lines with times, ports and serial numbers
//! taken out), the signed certificates read with x509-parser and verified
//! with `openssl verify`, the certificate database rows, the start-ups, our
//! `cfssl gencert -remote` against it, and bounded bodies.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::serve::{copy_dir, free_port};
use x509_parser::prelude::*;

const BIN: &str = env!("CARGO_BIN_EXE_multirootca");
const CFSSL: &str = env!("CARGO_BIN_EXE_cfssl");
const API: &str = "/api/v1/cfssl/";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/multirootca")
}

fn recorded() -> Value {
    serde_json::from_slice(&std::fs::read(fixtures().join("cases.json")).unwrap()).unwrap()
}

/// A copy of the fixtures folder to run in.
fn workdir() -> tempfile::TempDir {
    let d = tempfile::TempDir::new().unwrap();
    copy_dir(&fixtures(), d.path());
    d
}

struct Server {
    child: Child,
    addr: SocketAddr,
    stderr: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts our multirootca in `dir` on a free loopback port.
    fn start(dir: &Path, args: &[&str]) -> Self {
        let port = free_port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let stderr = dir.join(format!("stderr-{port}.txt"));
        let child = Command::new(BIN)
            .current_dir(dir)
            .arg("-a")
            .arg(addr.to_string())
            .args(args)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .unwrap();
        let mut s = Self {
            child,
            addr,
            stderr,
        };
        let end = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(addr).is_err() {
            assert!(
                s.child.try_wait().unwrap().is_none(),
                "multirootca exited: {}",
                s.log()
            );
            assert!(Instant::now() < end, "multirootca did not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
        s
    }

    fn log(&self) -> String {
        support::undated(&std::fs::read(&self.stderr).unwrap_or_default())
    }

    /// Stops it with SIGTERM and waits.
    fn stop(mut self) -> String {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
        self.log()
    }
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn request(addr: SocketAddr, method: &str, path: &str, body: Option<&str>) -> Answer {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut out = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    if let Some(b) = body {
        out.push_str(&format!("Content-Length: {}\r\n", b.len()));
    }
    out.push_str("\r\n");
    out.push_str(body.unwrap_or_default());
    s.write_all(out.as_bytes()).unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    parse(&raw).unwrap_or_else(|| panic!("no HTTP answer: {:?}", String::from_utf8_lossy(&raw)))
}

fn parse(raw: &[u8]) -> Option<Answer> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
        .collect();
    let rest = &raw[split + 4..];
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v == "chunked");
    let body = if chunked {
        dechunk(rest)?
    } else {
        rest.to_vec()
    };
    Some(Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&body).to_string(),
    })
}

fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let end = rest.windows(2).position(|w| w == b"\r\n")?;
        let size =
            usize::from_str_radix(std::str::from_utf8(&rest[..end]).ok()?.trim(), 16).ok()?;
        rest = &rest[end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(rest.get(..size)?);
        rest = rest.get(size + 2..)?;
    }
}

/// Log lines with what changes between runs replaced: client ports and
/// serial numbers.
fn normalise_log(text: &str) -> String {
    let port = regex::Regex::new(r"127\.0\.0\.1:\d+").unwrap();
    let serial = regex::Regex::new(r"(serial number |serialno=)\d+").unwrap();
    let t = port.replace_all(text, "127.0.0.1:{PORT}");
    serial.replace_all(&t, "${1}N").into_owned()
}

/// The body as JSON with the certificate taken out (returned apart), or the
/// text itself when it is not JSON.
fn summary(body: &str) -> (Value, Option<String>) {
    match serde_json::from_str::<Value>(body) {
        Ok(mut v) => {
            let cert = v
                .pointer_mut("/result/certificate")
                .map(|c| std::mem::replace(c, Value::String("CERTIFICATE".into())));
            (v, cert.and_then(|c| c.as_str().map(String::from)))
        }
        Err(_) => (Value::String(body.to_string()), None),
    }
}

/// The recorded metrics families (the three of multirootca; Go's runtime
/// and handler families are not ours: docs/compat.md).
fn metric_lines(body: &str) -> Vec<&str> {
    body.lines()
        .filter(|l| {
            [
                "bad_inputs_total",
                "requests_errored_total",
                "requests_total",
            ]
            .iter()
            .any(|f| {
                l.starts_with(f)
                    || l.starts_with(&format!("# HELP {f} "))
                    || l.starts_with(&format!("# TYPE {f} "))
            })
        })
        .collect()
}

fn usages(profile: &str, label: &str) -> (Vec<&'static str>, i64) {
    // The profiles of config-primary.json and config-secondary.json.
    match (label, profile) {
        ("primary", "server") => (vec!["serverAuth"], 720),
        ("primary", "client") => (vec!["clientAuth"], 2160),
        ("primary", "extended") => (vec!["serverAuth"], 720),
        ("primary", _) => (vec!["serverAuth", "clientAuth"], 168),
        ("secondary", "serialed") => (vec!["serverAuth"], 24),
        ("secondary", _) => (vec!["clientAuth"], 48),
        other => panic!("no profile {other:?}"),
    }
}

/// Checks a certificate signed for a recorded case's `check`.
fn check_certificate(dir: &Path, name: &str, pem_text: &str, check: &Value) {
    let label = check["label"].as_str().unwrap();
    let profile = check["profile"].as_str().unwrap();
    let ca_pem = std::fs::read(dir.join(format!("{label}-ca.pem"))).unwrap();
    let (_, ca_block) = parse_x509_pem(&ca_pem).unwrap();
    let ca = ca_block.parse_x509().unwrap();
    let (_, block) = parse_x509_pem(pem_text.as_bytes()).unwrap();
    let cert = block.parse_x509().unwrap();
    assert_eq!(
        cert.issuer().as_raw(),
        ca.subject().as_raw(),
        "{name}: issuer"
    );
    let (ekus, hours) = usages(profile, label);
    let eku = cert.extended_key_usage().unwrap().unwrap().value;
    let mut got = Vec::new();
    if eku.server_auth {
        got.push("serverAuth");
    }
    if eku.client_auth {
        got.push("clientAuth");
    }
    assert_eq!(got, ekus, "{name}: extended key usages");
    let validity = cert.validity();
    let span = validity.not_after.timestamp() - validity.not_before.timestamp();
    if let (Some(nb), Some(na)) = (check["not_before"].as_str(), check["not_after"].as_str()) {
        let ts = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp();
        assert_eq!(validity.not_before.timestamp(), ts(nb), "{name}: notBefore");
        assert_eq!(validity.not_after.timestamp(), ts(na), "{name}: notAfter");
    } else {
        assert_eq!(span, hours * 3600, "{name}: validity of the profile");
    }
    if let Some(hosts) = check["hosts"].as_array() {
        let san = cert.subject_alternative_name().unwrap().unwrap().value;
        let names: Vec<String> = san
            .general_names
            .iter()
            .map(|g| match g {
                GeneralName::DNSName(d) => (*d).to_string(),
                GeneralName::IPAddress(ip) => {
                    ip.iter().map(u8::to_string).collect::<Vec<_>>().join(".")
                }
                other => format!("{other:?}"),
            })
            .collect();
        let want: Vec<String> = hosts
            .iter()
            .map(|h| h.as_str().unwrap().to_string())
            .collect();
        assert_eq!(names, want, "{name}: SANs");
    }
    if let Some(cn) = check["cn"].as_str() {
        let got = cert
            .subject()
            .iter_common_name()
            .next()
            .unwrap()
            .as_str()
            .unwrap();
        assert_eq!(got, cn, "{name}: CN");
        let o = cert
            .subject()
            .iter_organization()
            .next()
            .unwrap()
            .as_str()
            .unwrap();
        assert_eq!(o, check["o"].as_str().unwrap(), "{name}: O");
    }
    if let Some(serial) = check["serial"].as_str() {
        assert_eq!(cert.serial.to_string(), serial, "{name}: serial");
    }
    if let Some(ext) = check["extension"].as_array() {
        let oid = ext[0].as_str().unwrap();
        let e = cert
            .extensions()
            .iter()
            .find(|e| e.oid.to_id_string() == oid)
            .unwrap_or_else(|| panic!("{name}: no extension {oid}"));
        assert_eq!(e.critical, ext[1].as_bool().unwrap(), "{name}: critical");
        assert_eq!(
            support::der::hex(e.value),
            ext[2].as_str().unwrap(),
            "{name}: value"
        );
    }
    // openssl, with a notBefore in the future checked at that time.
    let leaf = dir.join(format!("{}.pem", name.replace('/', "-")));
    std::fs::write(&leaf, pem_text).unwrap();
    let at = (validity.not_before.timestamp() + 60).to_string();
    // An extension of the request's own, critical, is unknown to openssl.
    let ignore = if check["extension"][1] == true {
        "-ignore_critical"
    } else {
        "-x509_strict"
    };
    let out = Command::new("openssl")
        .args(["verify", ignore, "-attime", &at, "-CAfile"])
        .arg(dir.join(format!("{label}-ca.pem")))
        .arg(&leaf)
        .output()
        .expect("openssl must be installed");
    assert!(
        out.status.success(),
        "{name}: openssl verify: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Replays one recorded set-up's cases; returns the certificates signed for
/// the primary label, with their case names.
fn replay_setup(setup: &str, rec: &Value) -> Vec<(String, String)> {
    let dir = workdir();
    let args: Vec<&str> = rec["setups"][setup]["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    let server = Server::start(dir.path(), &args);
    let mut failures = Vec::new();
    let mut primary = Vec::new();
    let mut cases = 0;
    for case in rec["cases"].as_array().unwrap() {
        if case["setup"] != setup {
            continue;
        }
        cases += 1;
        let name = case["name"].as_str().unwrap();
        let req = &case["request"];
        let before = server.log().len();
        let got = request(
            server.addr,
            req["method"].as_str().unwrap(),
            req["path"].as_str().unwrap(),
            req["body"].as_str(),
        );
        let log = server.log()[before..].to_string();
        let want = &case["response"];
        let mut diffs = Vec::new();
        if u64::from(got.status) != want["status"].as_u64().unwrap() {
            diffs.push(format!("status {} != {}", got.status, want["status"]));
        }
        for h in ["content-type", "x-content-type-options"] {
            if got.header(h) != want["headers"][h].as_str() {
                diffs.push(format!(
                    "{h} {:?} != {:?}",
                    got.header(h),
                    want["headers"][h]
                ));
            }
        }
        let want_body = want["body"].as_str().unwrap();
        if name.ends_with("/metrics") {
            if metric_lines(&got.body) != metric_lines(want_body) {
                diffs.push(format!("metrics\n{}\n!=\n{}", got.body, want_body));
            }
        } else {
            let (g, gcert) = summary(&got.body);
            let (w, wcert) = summary(want_body);
            if g != w {
                diffs.push(format!("body {g} != {w}"));
            }
            if gcert.is_some() != wcert.is_some() {
                diffs.push("certificate presence differs".into());
            }
            if let (Some(pem), Some(check)) = (gcert, case.get("check")) {
                check_certificate(dir.path(), name, &pem, check);
                if check["label"] == "primary" {
                    primary.push((name.to_string(), pem));
                }
            }
        }
        let want_log = normalise_log(case["log"].as_str().unwrap());
        if normalise_log(&log) != want_log {
            diffs.push(format!("log {:?} != {want_log:?}", normalise_log(&log)));
        }
        if !diffs.is_empty() {
            failures.push(format!("{name}: {}", diffs.join("; ")));
        }
    }
    assert!(cases >= 3, "no recorded cases for {setup}");
    let stopped = server.stop();
    assert!(stopped.contains("server stopped"), "{stopped}");
    // The rows of the primary label's database, as cfssl's.
    let db = open_db(dir.path());
    let rows = &rec["setups"][setup]["db_rows"];
    assert_eq!(
        primary.len(),
        rows.as_array().unwrap().len(),
        "rows recorded"
    );
    for (name, pem) in &primary {
        let c = cfssl_core::cert::Certificate::from_pem(pem.as_bytes()).unwrap();
        let found = db
            .get_certificate(&c.serial_decimal(), &c.authority_key_id_hex())
            .unwrap();
        assert_eq!(found.len(), 1, "{name}: one row");
        assert_eq!(found[0].ca_label, "primary", "{name}: ca_label");
        assert_eq!(found[0].pem, *pem, "{name}: stored PEM");
        if name.ends_with("/metadata") {
            assert_eq!(found[0].metadata, br#"{"a":"x","b":1}"#, "{name}: metadata");
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    primary
}

fn open_db(dir: &Path) -> Box<dyn cfssl_certdb::Accessor> {
    let cfg = cfssl_certdb::DbConfig::from_json(
        format!(
            "{{\"driver\":\"sqlite3\",\"data_source\":\"{}\"}}",
            dir.join("certs.db").display()
        )
        .as_bytes(),
    )
    .unwrap();
    cfssl_certdb::open(&cfg, &mut cfssl_core::log::NoLog).unwrap()
}

#[test]
fn recorded_requests_main() {
    let rec = recorded();
    let primary = replay_setup("main", &rec);
    assert_eq!(primary.len(), 9, "the primary label's certificates");
}

#[test]
fn recorded_requests_default_label() {
    let rec = recorded();
    assert_eq!(replay_setup("deflabel", &rec).len(), 1);
}

/// What our start-up says differs from cfssl's on purpose (docs/compat.md
/// 51 and 52): the root is named, Red October is refused, a key that is not
/// the certificate's stops start-up.
fn expected_startup(name: &str, rec: &Value) -> (Option<i64>, String) {
    let exit = rec["exit"].as_i64();
    let stderr = rec["stderr"].as_str().unwrap().replace("{BIN}", BIN);
    match name {
        "rofile" | "rofile-server" => (
            Some(1),
            "[WARNING] Red October support is currently experimental\n[FATAL] root a: Red October keys are not supported (rofile://): decrypt the key and name it with file://\n".into(),
        ),
        "key-mismatch" => (
            Some(1),
            "[FATAL] root a: the private key is not the key of the certificate (their public keys differ)\n".into(),
        ),
        "invalid-line" => (exit, stderr.replace("invalid config file", "invalid config file (line 5)")),
        "bad-section" => (exit, stderr.replace("invalid config file", "invalid config file (line 1)")),
        _ if stderr.contains("[FATAL] ") && rec["roots"].is_string() => {
            (exit, stderr.replace("[FATAL] ", "[FATAL] root a: "))
        }
        _ => (exit, stderr),
    }
}

#[test]
fn recorded_startups() {
    let rec = recorded();
    let mut failures = Vec::new();
    for st in rec["startups"].as_array().unwrap() {
        let name = st["name"].as_str().unwrap();
        let dir = workdir();
        let mut args: Vec<String> = Vec::new();
        if let Some(roots) = st["roots"].as_str() {
            let text = roots.replace("{DIR}", &dir.path().display().to_string());
            std::fs::write(dir.path().join("startup.conf"), text).unwrap();
        }
        for a in st["args"].as_array().map(Vec::as_slice).unwrap_or_default() {
            args.push(a.as_str().unwrap().to_string());
        }
        let (exit, stderr) = expected_startup(name, st);
        let port = free_port();
        let mut child = Command::new(BIN)
            .current_dir(dir.path())
            .arg("-a")
            .arg(format!("127.0.0.1:{port}"))
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let end = Instant::now() + Duration::from_secs(5);
        let mut listening = false;
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break Some(s);
            }
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                listening = true;
                break None;
            }
            if Instant::now() > end {
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        match (exit, status) {
            (Some(code), Some(s)) => {
                let mut err = String::new();
                child
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut err)
                    .unwrap();
                let err = support::undated(err.as_bytes());
                if s.code() != Some(i32::try_from(code).unwrap()) || err != stderr {
                    failures.push(format!(
                        "{name}: exit {s} stderr {err:?}, want {code} {stderr:?}"
                    ));
                }
            }
            (None, None) if listening => {
                for (label, want) in st["info"].as_object().unwrap() {
                    let addr = format!("127.0.0.1:{port}").parse().unwrap();
                    let body = format!("{{\"label\":\"{label}\"}}");
                    let got = request(addr, "POST", "/api/v1/cfssl/info", Some(&body));
                    if u64::from(got.status) != want.as_u64().unwrap() {
                        failures.push(format!("{name}: info {label} {}", got.status));
                    }
                }
                let _ = child.kill();
                let _ = child.wait();
            }
            (want, got) => {
                let _ = child.kill();
                let _ = child.wait();
                failures.push(format!(
                    "{name}: want exit {want:?}, got {got:?} (listening {listening})"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `-h` and a bad flag, as Go's flag package.
#[test]
fn help_and_bad_flags() {
    let out = Command::new(BIN).arg("-h").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let usage = String::from_utf8(out.stderr).unwrap();
    assert!(
        usage.starts_with(&format!("Usage of {BIN}:\n  -a string\n")),
        "{usage}"
    );
    let out = Command::new(BIN).arg("-loglevel=x").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .starts_with("invalid value \"x\" for flag -loglevel: parse error\nUsage of ")
    );
}

/// Our `cfssl gencert -remote` with an `auth_remote` client config gets a
/// certificate from our multirootca, for the label it names.
#[test]
fn cfssl_gencert_remote_with_auth_remote() {
    let dir = workdir();
    let server = Server::start(dir.path(), &["-roots", "roots.conf"]);
    let client = r#"{"signing":{"default":{"auth_remote":{"remote":"ca","auth_key":"primary"}},
        "profiles":{"server":{"auth_remote":{"remote":"ca","auth_key":"primary"}}}},
        "auth_keys":{"primary":{"type":"standard","key":"042e8686a21524900a1d753017d6d267"}},
        "remotes":{"ca":"127.0.0.1:1"}}"#;
    std::fs::write(dir.path().join("client.json"), client).unwrap();
    let out = Command::new(CFSSL)
        .current_dir(dir.path())
        .args(["gencert", "-remote"])
        .arg(server.addr.to_string())
        .args([
            "-config",
            "client.json",
            "-profile",
            "server",
            "-label",
            "primary",
            "csr-leaf.json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        server.log()
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let check = serde_json::json!({"label": "primary", "profile": "server",
        "hosts": ["leaf.example.test", "127.0.0.1"]});
    check_certificate(
        dir.path(),
        "gencert-remote",
        v["cert"].as_str().unwrap(),
        &check,
    );
    // The secondary label has no profile "server"; its default profile
    // wants the secondary key, not the primary one.
    for (profile, refusal) in [("server", "invalid profile"), ("", "invalid token")] {
        let out = Command::new(CFSSL)
            .current_dir(dir.path())
            .args(["gencert", "-remote"])
            .arg(server.addr.to_string())
            .args(["-config", "client.json", "-profile", profile])
            .args(["-label", "secondary", "csr-leaf.json"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{profile}: {err}");
        assert!(err.contains(refusal), "{profile}: {err}");
    }
    let db = open_db(dir.path());
    let c =
        cfssl_core::cert::Certificate::from_pem(v["cert"].as_str().unwrap().as_bytes()).unwrap();
    let rows = db
        .get_certificate(&c.serial_decimal(), &c.authority_key_id_hex())
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].ca_label, "primary");
}

/// A body larger than the limit is refused (413, the envelope with code 1),
/// a body that never ends is cut off after the body timeout (408), and the
/// server keeps answering others meanwhile.
#[test]
fn huge_and_slow_bodies() {
    let dir = workdir();
    let server = Server::start(dir.path(), &["-roots", "roots.conf"]);
    // Slow: headers promising 100 bytes, then 10 of them, then nothing.
    let mut slow = TcpStream::connect(server.addr).unwrap();
    slow.write_all(
        b"POST /api/v1/cfssl/authsign HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"token\":",
    )
    .unwrap();
    let started = Instant::now();
    // Huge.
    let huge = "x".repeat(2 << 20);
    let got = request(server.addr, "POST", &format!("{API}authsign"), Some(&huge));
    assert_eq!(got.status, 413);
    assert_eq!(
        got.body,
        "{\"success\":false,\"result\":null,\"errors\":[{\"code\":1,\"message\":\"request body is larger than the limit of 1048576 bytes\"}],\"messages\":[]}\n"
    );
    let info = request(
        server.addr,
        "POST",
        &format!("{API}info"),
        Some(r#"{"label":"primary"}"#),
    );
    assert_eq!(info.status, 200);
    // The slow one is answered 408 once the body timeout (30 s) is over.
    slow.set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut raw = Vec::new();
    let _ = slow.read_to_end(&mut raw);
    let answer = parse(&raw).expect("an answer to the slow request");
    assert_eq!(answer.status, 408, "{}", answer.body);
    assert!(
        started.elapsed() >= Duration::from_secs(25),
        "{:?}",
        started.elapsed()
    );
    let info = request(
        server.addr,
        "POST",
        &format!("{API}info"),
        Some(r#"{"label":"secondary"}"#),
    );
    assert_eq!(info.status, 200);
    let log = server.stop();
    assert!(
        log.contains("[ERROR] [HTTP 413] 1 - request body is larger"),
        "{log}"
    );
    assert!(
        log.contains("[ERROR] [HTTP 408] 1 - request body not received within 30 seconds"),
        "{log}"
    );
}
