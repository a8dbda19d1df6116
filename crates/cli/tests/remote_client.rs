//! Remote signing, both ways, against what cfssl 1.6.5 recorded
//! (`fixtures/server/client-cases.jsonl` and `client-wire/`, see the
//! folder's README).
//!
//! Each recorded client command (`sign`, `gencert`, `info` with `-remote`, a
//! config's `remote`/`auth_remote` profiles, failover groups, TLS and mutual
//! TLS) runs again with a client and a set of servers started with the
//! recorded set-ups, and what the client printed (stdout, stderr, exit
//! status) is compared with the recording through a normalised summary:
//! ports and timestamps masked, certificates compared through
//! `support::summary` (issuer, subject, SANs, usages, validity length), the
//! rest exactly. Three pairings:
//!
//! - our client against our `serve`;
//! - our client against the reference `serve`;
//! - the reference client against our `serve`.
//!
//! The reference is cfssl 1.6.5 when `CFSSL_REFERENCE_BIN_DIR` names a folder
//! holding its `cfssl`, else Debian's golang-cfssl (`/usr/bin/cfssl`); without
//! either the two live pairings skip, except in CI. Deliberate differences are
//! in `fixtures/server/client-divergences.json`, each for the pairings it
//! applies to and, where it says so, with the exit status we must give
//! instead; a listed case that stops differing fails the test.
//!
//! The `wire` cases check what our client sends, byte for byte, against what
//! cfssl's client sent to a capturing server; the front-end test runs `serve
//! -remote` between a client and two upstream servers.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use support::serve::{Serve, copy_dir, fixtures, free_port, start_bin, start_with_args};
use support::summary::{Context, summarise_text};

fn ours() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cfssl"))
}

/// The reference cfssl and its name in the ledger (`1.6.5` or `debian`), or
/// `None` (then the live pairings skip, except in CI, where Debian's
/// golang-cfssl must be there).
fn reference() -> Option<(PathBuf, &'static str)> {
    if let Some(dir) = std::env::var_os("CFSSL_REFERENCE_BIN_DIR") {
        let bin = Path::new(&dir).join("cfssl");
        assert!(bin.exists(), "{} does not exist", bin.display());
        return Some((bin, "1.6.5"));
    }
    let debian = Command::new("dpkg-query")
        .args(["-W", "-f=${db:Status-Status}", "golang-cfssl"])
        .output()
        .is_ok_and(|o| o.stdout == b"installed");
    if debian {
        return Some((PathBuf::from("/usr/bin/cfssl"), "debian"));
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "no reference cfssl (golang-cfssl or CFSSL_REFERENCE_BIN_DIR), and CI needs one"
    );
    eprintln!("skipped: no reference cfssl (install golang-cfssl or set CFSSL_REFERENCE_BIN_DIR)");
    None
}

fn cases() -> Vec<Value> {
    std::fs::read_to_string(fixtures().join("client-cases.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The ports a group's commands name.
#[derive(Clone, Copy)]
struct Ports {
    port: u16,
    port2: u16,
    dead: u16,
}

impl Ports {
    fn fill(&self, s: &str) -> String {
        s.replace("{PORT}", &self.port.to_string())
            .replace("{PORT2}", &self.port2.to_string())
            .replace("{DEADPORT}", &self.dead.to_string())
    }

    fn mask(&self, s: &str) -> String {
        let mut out = s.to_string();
        for (port, name) in [
            (self.port, "{PORT}"),
            (self.port2, "{PORT2}"),
            (self.dead, "{DEADPORT}"),
        ] {
            if port == 0 {
                continue;
            }
            for host in ["127.0.0.1:", "localhost:"] {
                out = out.replace(&format!("{host}{port}"), &format!("{host}{name}"));
            }
        }
        out
    }
}

/// Writes the client config templates of `client/` with the group's ports
/// into the scratch folder.
fn write_client_configs(dir: &Path, ports: Ports) {
    for e in std::fs::read_dir(fixtures().join("client")).unwrap() {
        let e = e.unwrap();
        let text = std::fs::read_to_string(e.path()).unwrap();
        std::fs::write(dir.join("client").join(e.file_name()), ports.fill(&text)).unwrap();
    }
}

/// Starts the servers of a group: `plain+auth` is the `plain` set-up on
/// `{PORT}` and `auth` on `{PORT2}`; `mtls` is `mtls-cn` on `{PORT}`.
fn start_group(server: &Path, dir: &Path, group: &str) -> (Vec<Serve>, Ports) {
    let setups: &[&str] = match group {
        "plain+auth" => &["plain", "auth"],
        "mtls" => &["mtls-cn"],
        other => panic!("unknown group {other}"),
    };
    let servers: Vec<Serve> = setups
        .iter()
        .map(|s| start_setup(server, dir, s).unwrap_or_else(|| panic!("{s} did not start")))
        .collect();
    let ports = Ports {
        port: servers[0].addr.port(),
        port2: servers.get(1).map_or(0, |s| s.addr.port()),
        dead: free_port(),
    };
    (servers, ports)
}

/// Starts a set-up; Debian's cfssl reads no `file:` auth keys, so its `auth`
/// server gets the same config with that key written in (the client cases
/// use the other two keys only).
fn start_setup(server: &Path, dir: &Path, setup: &str) -> Option<Serve> {
    if setup != "auth" || server != Path::new("/usr/bin/cfssl") {
        return start_bin(server, dir, setup);
    }
    let key = std::fs::read_to_string(dir.join("auth-key.hex")).unwrap();
    let config = std::fs::read_to_string(dir.join("auth-config.json"))
        .unwrap()
        .replace("file:auth-key.hex", key.trim());
    std::fs::write(dir.join("auth-config-inline.json"), config).unwrap();
    let args: Vec<String> = std::fs::read_to_string(dir.join("setups/auth.args"))
        .unwrap()
        .lines()
        .map(|l| l.replace("auth-config.json", "auth-config-inline.json"))
        .collect();
    start_with_args(server, dir, &args)
}

struct Run {
    stdout: String,
    stderr: String,
    rc: i32,
}

fn run_client(client: &Path, dir: &Path, argv: &[Value], ports: Ports) -> Run {
    run_client_env(client, dir, argv, ports, &[])
}

fn run_client_env(
    client: &Path,
    dir: &Path,
    argv: &[Value],
    ports: Ports,
    env: &[(&str, String)],
) -> Run {
    let args: Vec<String> = argv[1..]
        .iter()
        .map(|a| ports.fill(a.as_str().unwrap()))
        .collect();
    let out = Command::new(client)
        .args(&args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TZ", "UTC")
        .env("HOME", dir)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap();
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        rc: out.status.code().unwrap_or(-1),
    }
}

fn normalise_json(v: &Value, ctx: &Context) -> Value {
    match v {
        Value::String(s) if s.contains("-----BEGIN") => Value::String(summarise_text(s, ctx)),
        Value::Array(items) => Value::Array(items.iter().map(|i| normalise_json(i, ctx)).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), normalise_json(v, ctx)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Masks what changes from run to run: timestamps, ports, the client's
/// source port, certificates (summarised), a Go panic's stack.
fn normalise(text: &str, ports: Ports, ctx: &Context) -> String {
    let text = ports.mask(text);
    let stamp = regex::Regex::new(r"(?m)^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d ").unwrap();
    let text = stamp.replace_all(&text, "<time> ");
    let source = regex::Regex::new(r"read tcp 127\.0\.0\.1:\d+-(>|\\u003e)").unwrap();
    let mut text = source
        .replace_all(&text, "read tcp 127.0.0.1:<port>-$1")
        .into_owned();
    let panic_at = if text.starts_with("panic: ") {
        Some(0)
    } else {
        text.find("\npanic: ").map(|at| at + 1)
    };
    if let Some(at) = panic_at {
        let end = text[at..].find('\n').map_or(text.len(), |e| at + e);
        text.truncate(end);
        text.push_str("\n<stack>");
    }
    match serde_json::from_str::<Value>(text.trim_end()) {
        Ok(v @ Value::Object(_)) if text.contains("-----BEGIN") => format!(
            "json {}{}",
            serde_json::to_string_pretty(&normalise_json(&v, ctx)).unwrap(),
            if text.ends_with('\n') {
                " + newline"
            } else {
                ""
            }
        ),
        _ => text,
    }
}

struct LedgerEntry {
    reason: String,
    pairs: Vec<String>,
    rc: Option<i32>,
}

fn ledger() -> BTreeMap<String, Vec<LedgerEntry>> {
    let v: Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("client-divergences.json")).unwrap(),
    )
    .unwrap();
    let mut out = BTreeMap::new();
    for e in v["cases"].as_array().unwrap() {
        for n in e["names"].as_array().unwrap() {
            let known = cases().iter().any(|c| c["name"] == *n);
            assert!(known, "client-divergences.json names an unknown case {n}");
            out.entry(n.as_str().unwrap().to_string())
                .or_insert_with(Vec::new)
                .push(LedgerEntry {
                    reason: e["reason"].as_str().unwrap().to_string(),
                    pairs: e["pairs"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|p| p.as_str().unwrap().to_string())
                        .collect(),
                    rc: e["rc"].as_i64().map(|r| i32::try_from(r).unwrap()),
                });
        }
    }
    out
}

/// Runs every recorded client case with `client` against servers started
/// from `server`, compares with the recording, and returns how many were
/// equal; `pair` names the pairing in the ledger.
fn replay(client: &Path, server: &Path, pair: &str) -> usize {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixtures(), dir.path());
    let ctx = Context::for_folder(dir.path());
    let ledger = ledger();
    let (mut same, mut unexpected, mut healed) = (0, Vec::new(), Vec::new());
    for group in ["plain+auth", "mtls"] {
        let (_servers, ports) = start_group(server, dir.path(), group);
        write_client_configs(dir.path(), ports);
        for case in cases().iter().filter(|c| c["setup"] == group) {
            let name = case["name"].as_str().unwrap();
            let got = run_client(client, dir.path(), case["argv"].as_array().unwrap(), ports);
            let recorded = Ports {
                port: 0,
                port2: 0,
                dead: 0,
            };
            let want = format!(
                "rc {}\n-- stdout\n{}\n-- stderr\n{}",
                case["rc"],
                normalise(case["stdout"].as_str().unwrap(), recorded, &ctx),
                normalise(case["stderr"].as_str().unwrap(), recorded, &ctx)
            );
            let have = format!(
                "rc {}\n-- stdout\n{}\n-- stderr\n{}",
                got.rc,
                normalise(&got.stdout, ports, &ctx),
                normalise(&got.stderr, ports, &ctx)
            );
            let listed = ledger
                .get(name)
                .and_then(|es| es.iter().find(|e| e.pairs.iter().any(|p| p == pair)));
            match (want == have, listed) {
                (true, None) => same += 1,
                (true, Some(_)) => healed.push(name.to_string()),
                (false, None) => {
                    unexpected.push(format!(
                        "== {name}\n-- recorded:\n{want}\n-- got:\n{have}\n"
                    ));
                }
                (false, Some(e)) => {
                    if let Some(rc) = e.rc {
                        assert_eq!(
                            got.rc, rc,
                            "{name} ({pair}): ledgered as exiting {rc} ({})\n{have}",
                            e.reason
                        );
                    }
                }
            }
        }
    }
    assert!(
        unexpected.is_empty() && healed.is_empty(),
        "{pair}: {} cases differ without an entry in client-divergences.json, listed cases that no longer differ: {healed:?} ({same} same)\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
    same
}

#[test]
fn our_client_against_our_server() {
    let same = replay(&ours(), &ours(), "ours/ours");
    assert!(same >= 30, "only {same} cases compared equal");
}

#[test]
fn our_client_against_the_reference_server() {
    let Some((reference, kind)) = reference() else {
        return;
    };
    let same = replay(&ours(), &reference, &format!("ours/{kind}"));
    assert!(same >= 30, "only {same} cases compared equal");
}

#[test]
fn reference_client_against_our_server() {
    let Some((reference, kind)) = reference() else {
        return;
    };
    let same = replay(&reference, &ours(), &format!("{kind}/ours"));
    assert!(same >= 30, "only {same} cases compared equal");
}

/// What a client sent: the request line, the headers in order, the body.
struct Sent {
    head: Vec<String>,
    body: Vec<u8>,
}

/// A one-request-at-a-time HTTP/1.1 server answering every request with a
/// canned success envelope, as `fixtures/server/tools/wire_server.py` does;
/// what it received goes back through the channel.
fn capture_server() -> (u16, std::sync::mpsc::Receiver<Sent>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let ca = std::fs::read_to_string(fixtures().join("ca.pem")).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = Vec::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                let line = line.trim_end_matches(['\r', '\n']).to_string();
                if line.is_empty() {
                    break;
                }
                head.push(line);
            }
            let length = head
                .iter()
                .find_map(|h| {
                    h.to_ascii_lowercase()
                        .strip_prefix("content-length: ")
                        .map(|n| n.parse::<usize>().unwrap())
                })
                .unwrap_or(0);
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let result = if head[0].contains("/info ") {
                format!(
                    "{{\"certificate\":{},\"usages\":[\"signing\",\"key encipherment\",\"server auth\"],\"expiry\":\"8760h\"}}",
                    serde_json::to_string(ca.trim_end_matches('\n')).unwrap()
                )
            } else {
                format!(
                    "{{\"certificate\":{}}}",
                    serde_json::to_string(&ca).unwrap()
                )
            };
            let answer =
                format!("{{\"success\":true,\"result\":{result},\"errors\":[],\"messages\":[]}}");
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                answer.len()
            );
            let _ = tx.send(Sent { head, body });
        }
    });
    (port, rx)
}

/// The request line and headers we send are cfssl's, but for our own
/// `User-Agent` and no `Accept-Encoding: gzip` (we do not ask for
/// compressed answers); see `client-divergences.json`'s notes.
fn comparable_head(head: &[String]) -> Vec<String> {
    head.iter()
        .filter(|h| {
            let l = h.to_ascii_lowercase();
            !l.starts_with("user-agent:") && !l.starts_with("accept-encoding:")
        })
        .map(|h| {
            // Header names are case-insensitive; hyper writes them in lower
            // case. A generated CSR's length varies: the length is checked
            // against the body instead.
            match h.split_once(": ") {
                Some((n, _)) if n.eq_ignore_ascii_case("content-length") => {
                    "content-length: <n>".to_string()
                }
                Some((n, v)) if !h.starts_with("POST ") => {
                    format!("{}: {v}", n.to_ascii_lowercase())
                }
                _ => h.clone(),
            }
        })
        .collect()
}

/// Masks what is new on every run in a body: a freshly generated CSR, the
/// token and the timestamp of an authenticated request (whose inner request
/// is decoded and compared, and whose token is checked).
fn comparable_body(body: &[u8], key_hex: &str) -> String {
    let v: Value = serde_json::from_slice(body).unwrap();
    let mask_csr = |text: &str| {
        let re = regex::Regex::new(
            r#""certificate_request":"-----BEGIN CERTIFICATE REQUEST-----[^"]*-----END CERTIFICATE REQUEST-----\\n""#,
        )
        .unwrap();
        re.replace(text, r#""certificate_request":"<CSR>""#)
            .into_owned()
    };
    if let Some(req) = v.get("request").and_then(Value::as_str) {
        let b64 = |s: &str| cfssl_core::go::base64::decode(s.as_bytes()).unwrap();
        let inner = b64(req);
        let token = b64(v["token"].as_str().unwrap());
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        return format!(
            "authenticated {keys:?}, token {}, timestamp {}, inner {}",
            if hmac_sha256(key_hex, &inner) == token {
                "matches"
            } else {
                "WRONG"
            },
            v["timestamp"].is_i64(),
            mask_csr(&String::from_utf8(inner).unwrap())
        );
    }
    mask_csr(std::str::from_utf8(body).unwrap())
}

/// HMAC-SHA256 computed by Python's `hmac`, not by our code.
fn hmac_sha256(key_hex: &str, message: &[u8]) -> Vec<u8> {
    let mut child = Command::new("python3")
        .args([
            "-c",
            "import hmac,hashlib,sys; sys.stdout.write(hmac.new(bytes.fromhex(sys.argv[1]), sys.stdin.buffer.read(), hashlib.sha256).hexdigest())",
            key_hex,
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 checks the HMAC tokens");
    child.stdin.take().unwrap().write_all(message).unwrap();
    let out = child.wait_with_output().unwrap();
    let hex = String::from_utf8(out.stdout).unwrap();
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

/// Splits a recorded wire file: the head lines, then the body.
fn recorded_wire(file: &str) -> (Vec<String>, Vec<u8>) {
    let text = std::fs::read_to_string(fixtures().join(file)).unwrap();
    let (head, body) = text.split_once("\n\n").unwrap();
    (
        head.lines().map(String::from).collect(),
        body.as_bytes().to_vec(),
    )
}

#[test]
fn our_client_sends_what_cfssl_sends() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixtures(), dir.path());
    let (port, rx) = capture_server();
    let ports = Ports {
        port,
        port2: 0,
        dead: 0,
    };
    write_client_configs(dir.path(), ports);
    let key = "042e8686a21524900a1d753017d6d267";
    let mut checked = 0;
    for case in cases().iter().filter(|c| c["setup"] == "wire") {
        let name = case["name"].as_str().unwrap();
        let got = run_client(&ours(), dir.path(), case["argv"].as_array().unwrap(), ports);
        assert_eq!(got.rc, 0, "{name}: {}", got.stderr);
        let sent = rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap();
        let (head, body) = recorded_wire(case["wire"].as_str().unwrap());
        let masked: Vec<String> = sent.head.iter().map(|h| ports.mask(h)).collect();
        assert_eq!(
            comparable_head(&masked),
            comparable_head(&head),
            "{name}: request head"
        );
        let length = format!("content-length: {}", sent.body.len());
        assert!(
            masked.iter().any(|h| h.eq_ignore_ascii_case(&length)),
            "{name}: {length}"
        );
        assert_eq!(
            comparable_body(&sent.body, key),
            comparable_body(&body, key),
            "{name}: request body"
        );
        assert!(
            !comparable_body(&sent.body, key).contains("WRONG"),
            "{name}: token"
        );
        // What the canned answer carried is printed as cfssl prints it.
        let ctx = Context::for_folder(dir.path());
        let recorded = Ports {
            port: 0,
            port2: 0,
            dead: 0,
        };
        assert_eq!(
            normalise(&got.stdout, ports, &ctx),
            normalise(case["stdout"].as_str().unwrap(), recorded, &ctx),
            "{name}: stdout"
        );
        checked += 1;
    }
    assert_eq!(checked, 6);
}

/// Whether `cert_pem` was issued by the fixtures' CA, checked by x509-parser.
fn issued_by_fixture_ca(cert_pem: &str) -> bool {
    let ca_pem = std::fs::read(fixtures().join("ca.pem")).unwrap();
    let (_, ca) = x509_parser::pem::parse_x509_pem(&ca_pem).unwrap();
    let ca = ca.parse_x509().unwrap();
    let (_, leaf) = x509_parser::pem::parse_x509_pem(cert_pem.as_bytes()).unwrap();
    let leaf = leaf.parse_x509().unwrap();
    leaf.verify_signature(Some(ca.public_key())).is_ok()
}

/// `serve -remote` as a front end: our front end, holding the client config
/// (its `authed` profile forwarded to the `auth` server's `/authsign` with
/// its key, the rest to the `plain` server's `/sign`), between clients (ours
/// and the reference's) and our two servers.
#[test]
fn serve_remote_forwards_to_the_upstream() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixtures(), dir.path());
    let (_upstream, ports) = start_group(&ours(), dir.path(), "plain+auth");
    write_client_configs(dir.path(), ports);
    let front = start_with_args(
        &ours(),
        dir.path(),
        &["-config".into(), "client/remote-config.json".into()],
    )
    .unwrap();
    let front_url = format!("http://127.0.0.1:{}", front.addr.port());
    let mut clients = vec![ours()];
    clients.extend(reference().map(|(bin, _)| bin));
    for client in &clients {
        for profile in ["", "authed", "server"] {
            let mut argv = vec![Value::from("cfssl"), "sign".into(), "-remote".into()];
            argv.push(Value::from(front_url.clone()));
            if !profile.is_empty() {
                argv.extend(["-profile".into(), Value::from(profile)]);
            }
            argv.push("leaf-p256.csr".into());
            let got = run_client(client, dir.path(), &argv, ports);
            assert_eq!(
                got.rc,
                0,
                "{} sign -profile {profile:?}: {}",
                client.display(),
                got.stderr
            );
            let out: Value = serde_json::from_str(&got.stdout).unwrap();
            assert!(issued_by_fixture_ca(out["cert"].as_str().unwrap()));
        }
        let argv: Vec<Value> = [
            "cfssl",
            "gencert",
            "-remote",
            &front_url,
            "csr-leaf-p256.json",
        ]
        .into_iter()
        .map(Value::from)
        .collect();
        let got = run_client(client, dir.path(), &argv, ports);
        assert_eq!(got.rc, 0, "{} gencert: {}", client.display(), got.stderr);
        let out: Value = serde_json::from_str(&got.stdout).unwrap();
        assert!(issued_by_fixture_ca(out["cert"].as_str().unwrap()));
        assert!(out["key"].as_str().unwrap().contains("PRIVATE KEY"));
        let argv: Vec<Value> = ["cfssl", "info", "-remote", &front_url, "-profile", "ca"]
            .into_iter()
            .map(Value::from)
            .collect();
        let got = run_client(client, dir.path(), &argv, ports);
        assert_eq!(got.rc, 0, "{} info: {}", client.display(), got.stderr);
        let info: Value = serde_json::from_str(&got.stdout).unwrap();
        assert_eq!(info["expiry"], "43800h", "the upstream's ca profile");
    }
    // The front end's /authsign is off: it holds no auth_key of its own.
    let body = b"{}";
    let mut s = std::net::TcpStream::connect(front.addr).unwrap();
    write!(
        s,
        "POST /api/v1/cfssl/authsign HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    s.write_all(body).unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
}

/// A forward proxy on loopback, whatever host a request names: a request
/// in absolute form goes to `plain`, a `CONNECT` tunnel to `tls`. Returns
/// its port and the request lines and `Proxy-Authorization` headers it saw.
fn forward_proxy(
    plain: std::net::SocketAddr,
    tls: std::net::SocketAddr,
) -> (u16, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::net::TcpStream;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(mut client) = client else { continue };
            let mut reader = BufReader::new(client.try_clone().unwrap());
            let mut head = Vec::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                head.push(line);
            }
            let Some(first) = head.first().cloned() else {
                continue;
            };
            log.lock().unwrap().push(first.trim_end().to_string());
            for h in &head[1..] {
                if let Some(v) = h.to_ascii_lowercase().strip_prefix("proxy-authorization:") {
                    // Names are case-insensitive (Go writes `Proxy-Authorization`, hyper lower case).
                    let value = &h.trim_end()[h.len() - v.len()..];
                    log.lock()
                        .unwrap()
                        .push(format!("proxy-authorization:{value}"));
                }
            }
            let connect = first.starts_with("CONNECT ");
            let mut upstream = TcpStream::connect(if connect { tls } else { plain }).unwrap();
            if connect {
                client
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .unwrap();
            } else {
                // Origin form for the server: drop the scheme and authority.
                let mut parts = first.splitn(3, ' ');
                let (method, target, version) = (
                    parts.next().unwrap(),
                    parts.next().unwrap(),
                    parts.next().unwrap(),
                );
                let path = target.splitn(4, '/').nth(3).unwrap_or_default();
                write!(upstream, "{method} /{path} {version}").unwrap();
                for h in &head[1..] {
                    if !h.to_ascii_lowercase().starts_with("proxy-") {
                        upstream.write_all(h.as_bytes()).unwrap();
                    }
                }
                upstream.write_all(b"\r\n").unwrap();
            }
            upstream.write_all(reader.buffer()).unwrap();
            let mut up_read = upstream.try_clone().unwrap();
            let mut client_write = client.try_clone().unwrap();
            let back = std::thread::spawn(move || {
                let _ = std::io::copy(&mut up_read, &mut client_write);
                let _ = client_write.shutdown(std::net::Shutdown::Both);
            });
            let mut client_read = reader.into_inner();
            let _ = std::io::copy(&mut client_read, &mut upstream);
            let _ = upstream.shutdown(std::net::Shutdown::Write);
            let _ = back.join();
        }
    });
    (port, seen)
}

/// `HTTP_PROXY`, `HTTPS_PROXY` and `NO_PROXY` are honoured as cfssl's
/// client honours them (and, with cfssl 1.6.5 as the reference, its client
/// is checked to send the same through the same proxy; Debian's build
/// ignores the proxy variables).
#[test]
fn proxies_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixtures(), dir.path());
    let plain = start_bin(&ours(), dir.path(), "plain").unwrap();
    let tls = start_bin(&ours(), dir.path(), "tls").unwrap();
    let (proxy, seen) = forward_proxy(plain.addr, tls.addr);
    let ports = Ports {
        port: plain.addr.port(),
        port2: tls.addr.port(),
        dead: 0,
    };
    let argv = |remote: &str, extra: &[&str]| -> Vec<Value> {
        let mut v: Vec<Value> = ["cfssl", "sign", "-remote", remote]
            .into_iter()
            .map(Value::from)
            .collect();
        v.extend(extra.iter().map(|e| Value::from(*e)));
        v.push("leaf-p256.csr".into());
        v
    };
    let mut clients = vec![ours()];
    clients.extend(
        reference()
            .filter(|(_, kind)| *kind == "1.6.5")
            .map(|(bin, _)| bin),
    );
    for client in &clients {
        let who = client.display().to_string();
        seen.lock().unwrap().clear();
        // Plain HTTP: the absolute URL to the proxy, with its credentials.
        let env = [("HTTP_PROXY", format!("http://u:p@127.0.0.1:{proxy}"))];
        let got = run_client_env(
            client,
            dir.path(),
            &argv("http://ca.test:{PORT}", &[]),
            ports,
            &env,
        );
        assert_eq!(got.rc, 0, "{who}: {}", got.stderr);
        let out: Value = serde_json::from_str(&got.stdout).unwrap();
        assert!(issued_by_fixture_ca(out["cert"].as_str().unwrap()));
        let want_post = format!(
            "POST http://ca.test:{}/api/v1/cfssl/sign HTTP/1.1",
            ports.port
        );
        assert_eq!(
            *seen.lock().unwrap(),
            vec![
                want_post.clone(),
                "proxy-authorization: Basic dTpw".to_string()
            ],
            "{who}"
        );
        // Loopback and NO_PROXY hosts are reached directly.
        seen.lock().unwrap().clear();
        let env = [
            ("HTTP_PROXY", format!("127.0.0.1:{proxy}")),
            ("NO_PROXY", "ca.test".into()),
        ];
        let got = run_client_env(
            client,
            dir.path(),
            &argv("http://127.0.0.1:{PORT}", &[]),
            ports,
            &env,
        );
        assert_eq!(got.rc, 0, "{who}: {}", got.stderr);
        let got = run_client_env(
            client,
            dir.path(),
            &argv("http://ca.test:{PORT}", &[]),
            ports,
            &env,
        );
        assert_eq!(
            got.rc, 1,
            "{who}: ca.test does not resolve without the proxy"
        );
        assert!(
            got.stderr.contains("lookup ca.test"),
            "{who}: {}",
            got.stderr
        );
        assert!(
            seen.lock().unwrap().is_empty(),
            "{who}: {:?}",
            seen.lock().unwrap()
        );
        // TLS: a CONNECT tunnel, then the handshake with the server itself
        // (whose certificate names localhost and 127.0.0.1, not ca.test).
        let env = [("HTTPS_PROXY", format!("http://127.0.0.1:{proxy}"))];
        let got = run_client_env(
            client,
            dir.path(),
            &argv("https://ca.test:{PORT2}", &["-tls-remote-ca", "ca.pem"]),
            ports,
            &env,
        );
        assert_eq!(got.rc, 1, "{who}: {}", got.stderr);
        assert!(
            got.stderr.contains("x509: certificate"),
            "{who}: {}",
            got.stderr
        );
        assert_eq!(
            *seen.lock().unwrap(),
            vec![format!("CONNECT ca.test:{} HTTP/1.1", ports.port2)],
            "{who}"
        );
    }
}
