//! `bundle` against cfssl 1.6.5's recorded runs (`fixtures/bundle/`): the
//! same exit status, log lines and errors, and the bundle JSON key by key
//! (hostnames as a set: cfssl writes them in Go's map order); OpenSSL
//! verifies the chains we return.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod support;

use support::undated;

fn ours() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cfssl"))
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/bundle")
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(ours())
        .args(args)
        .current_dir(dir)
        .env("TZ", "UTC")
        .output()
        .unwrap()
}

/// The JSON with `hostnames` sorted, and its key order.
fn normalised(text: &str) -> (serde_json::Value, Vec<String>) {
    let mut v: serde_json::Value = serde_json::from_str(text).unwrap();
    let keys = v.as_object().unwrap().keys().cloned().collect();
    if let Some(h) = v["hostnames"].as_array_mut() {
        h.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    }
    (v, keys)
}

/// Replays `cases.json` of `dir`: exit status, stderr, and the bundle JSON
/// key by key in cfssl's key order. Our one deliberate stderr difference
/// (ledger 44): a `-metadata` file we cannot load is named in a WARNING
/// line (cfssl ignores it without a word); `warned` lists those cases.
fn replay(dir: &Path, warned: &[&str], read_more: &[(&str, &str)]) -> usize {
    let text = std::fs::read_to_string(dir.join("cases.json")).unwrap();
    let cases: serde_json::Value = serde_json::from_str(&text).unwrap();
    let by_name = |n: &str| {
        cases
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == n)
            .unwrap()
            .clone()
    };
    let mut n = 0;
    for c in cases.as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        if name == "leaf-in-roots" {
            // cfssl strips the only certificate of the chain (the leaf is
            // in the root pool) and panics (exit 2); we keep it (ledger 48).
            assert_eq!(c["rc"], 2, "{name}: cfssl panics");
            let out = run(
                dir,
                &[
                    "bundle",
                    "-cert",
                    "int-by-rsa.pem",
                    "-ca-bundle",
                    "ints.pem",
                ],
            );
            assert!(out.status.success(), "{name}: {}", undated(&out.stderr));
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(v["bundle"], v["crt"], "{name}: the leaf alone");
            assert_eq!(v["root"], v["crt"], "{name}: its own root");
            n += 1;
            continue;
        }
        // Inputs cfssl cannot read and we do (ledger 46): we answer what
        // cfssl answers for the same chain in a form it reads.
        let c = &match read_more.iter().find(|(case, _)| *case == name) {
            Some((_, like)) => {
                assert_eq!(c["rc"], 1, "{name}: cfssl fails");
                let mut like = by_name(like);
                like["args"] = c["args"].clone();
                like
            }
            None => c.clone(),
        };
        let args: Vec<&str> = std::iter::once("bundle")
            .chain(
                c["args"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap()),
            )
            .collect();
        let out = run(dir, &args);
        assert_eq!(
            i64::from(out.status.code().unwrap()),
            c["rc"].as_i64().unwrap(),
            "{name}: {}",
            undated(&out.stderr)
        );
        let mut stderr = undated(&out.stderr);
        if name == "p12-wrong-password" {
            // Ledger 46: we say why (cfssl: "Failed to decode certificate").
            let ours = ": the PKCS #12 file's MAC does not match: wrong -password?";
            assert!(stderr.contains(ours), "{name}: {stderr}");
            stderr = stderr.replace(ours, "");
        }
        let (warnings, rest): (Vec<&str>, Vec<&str>) = stderr
            .split_inclusive('\n')
            .partition(|l| l.starts_with("[WARNING] -metadata ignored: "));
        assert_eq!(
            warnings.len(),
            usize::from(warned.contains(&name)),
            "{name}: {warnings:?}"
        );
        assert_eq!(rest.concat(), c["stderr"].as_str().unwrap(), "{name}");
        if c["rc"] == 0 {
            let stdout = String::from_utf8(out.stdout).unwrap();
            assert!(
                !stdout.ends_with('\n'),
                "{name}: no final newline, as cfssl"
            );
            let (mine, my_keys) = normalised(&stdout);
            let (theirs, their_keys) = normalised(c["stdout"].as_str().unwrap());
            assert_eq!(my_keys, their_keys, "{name}");
            for k in &their_keys {
                assert_eq!(mine[k], theirs[k], "{name}: {k}");
            }
        } else {
            assert!(out.stdout.is_empty(), "{name}");
        }
        n += 1;
    }
    n
}

/// The first recordings: one chain per leaf, flavours, keys, bad input.
#[test]
fn bundle_answers_as_cfssl() {
    assert_eq!(replay(&fixtures(), &[], &[]), 19);
}

/// Two chains per leaf (an intermediate cross-signed by an RSA and a
/// P-256 root): which one each flavour picks, with and without platform
/// metadata; metadata files cfssl cannot load; a SHA-1 leaf.
#[test]
fn bundle_chooses_chains_as_cfssl() {
    let warned = [
        "meta-bad-hash",
        "meta-bad-key",
        "meta-missing-keystore",
        "meta-object",
        "meta-truncated",
        "meta-missing",
    ];
    let read_more = [
        ("p7b", "der-chain"),
        ("p7-pem", "der-chain"),
        ("p12-aes", "p12-legacy"),
        ("p12-chain", "der-chain-key"),
    ];
    assert_eq!(
        replay(&fixtures().join("ubiquity"), &warned, &read_more),
        41
    );
}

/// OpenSSL verifies the chain we return against the root we name.
#[test]
fn openssl_verifies_the_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        &fixtures(),
        &[
            "bundle",
            "-cert",
            "leaf.pem",
            "-ca-bundle",
            "root.pem",
            "-int-bundle",
            "int.pem",
        ],
    );
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let bundle = v["bundle"].as_str().unwrap();
    let (leaf, rest) = bundle.split_once("-----END CERTIFICATE-----\n").unwrap();
    std::fs::write(
        dir.path().join("leaf.pem"),
        format!("{leaf}-----END CERTIFICATE-----\n"),
    )
    .unwrap();
    std::fs::write(dir.path().join("untrusted.pem"), format!("{rest}\n")).unwrap();
    std::fs::write(
        dir.path().join("root.pem"),
        format!("{}\n", v["root"].as_str().unwrap()),
    )
    .unwrap();
    let verify = Command::new("openssl")
        .args([
            "verify",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "untrusted.pem",
            "leaf.pem",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&verify.stdout).contains("leaf.pem: OK"),
        "{}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
}

/// A leaf expiring within 30 days (made here: a recorded one would
/// expire): status bit 1, cfssl's message (its missing space included),
/// the leaf's SKI in upper-case hex.
#[test]
fn an_expiring_leaf_sets_the_expiring_bit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("ca.json"),
        r#"{"CN":"Expiring Test CA","key":{"algo":"ecdsa","size":256}}"#,
    )
    .unwrap();
    std::fs::write(d.join("leaf.json"), r#"{"CN":"soon.example.com","hosts":["soon.example.com"],"key":{"algo":"ecdsa","size":256}}"#).unwrap();
    std::fs::write(
        d.join("config.json"),
        r#"{"signing":{"default":{"expiry":"240h","usages":["signing","server auth"]}}}"#,
    )
    .unwrap();
    let init = run(d, &["gencert", "-initca", "ca.json"]);
    assert!(init.status.success());
    let v: serde_json::Value = serde_json::from_slice(&init.stdout).unwrap();
    std::fs::write(d.join("ca.pem"), v["cert"].as_str().unwrap()).unwrap();
    std::fs::write(d.join("ca-key.pem"), v["key"].as_str().unwrap()).unwrap();
    let leaf = run(
        d,
        &[
            "gencert",
            "-ca",
            "ca.pem",
            "-ca-key",
            "ca-key.pem",
            "-config",
            "config.json",
            "leaf.json",
        ],
    );
    assert!(
        leaf.status.success(),
        "{}",
        String::from_utf8_lossy(&leaf.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&leaf.stdout).unwrap();
    std::fs::write(d.join("leaf.pem"), v["cert"].as_str().unwrap()).unwrap();
    let out = run(
        d,
        &[
            "bundle",
            "-cert",
            "leaf.pem",
            "-ca-bundle",
            "ca.pem",
            "-flavor",
            "optimal",
        ],
    );
    assert!(out.status.success(), "{}", undated(&out.stderr));
    let b: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(b["status"]["code"], 3);
    assert_eq!(
        b["status"]["messages"][0],
        "The bundle is expiring within 30 days.The expiring cert is #1 in the chain."
    );
    let cert =
        cfssl_core::cert::Certificate::from_pem(v["cert"].as_str().unwrap().as_bytes()).unwrap();
    let ski: String = cert
        .subject_key_id()
        .unwrap()
        .iter()
        .map(|x| format!("{x:02X}"))
        .collect();
    assert_eq!(b["status"]["expiring_SKIs"], serde_json::json!([ski]));
    // Only the leaf: the root (the CA) is stripped.
    assert_eq!(
        b["bundle"]
            .as_str()
            .unwrap()
            .matches("BEGIN CERTIFICATE")
            .count(),
        1
    );
}

/// `bundle -domain` against cfssl 1.6.5's recorded runs
/// (`fixtures/bundle/ubiquity/domain-cases.json`, recorded on port 443 of
/// 127.0.0.5, .6 and .7): the test serves the same chains on ports of its
/// own and names them as `-domain NAME:PORT -ip 127.0.0.1` (a port in
/// `-domain` is ours, ledger 45). Where cfssl's verified dial fails it
/// answers 1200 "tls: handshake did not verify certificate chain" and we
/// answer the same, with the reason it hides in a WARNING line.
#[test]
fn bundle_domain_answers_as_cfssl() {
    let dir = fixtures().join("ubiquity");
    let with_chain = support::openssl::Server::start(
        &dir,
        "leaf.pem",
        "leaf-key.pem",
        &["-cert_chain", "int-by-rsa.pem"],
    );
    let leaf_only = support::openssl::Server::start(&dir, "leaf.pem", "leaf-key.pem", &[]);
    let closed = support::serve::free_port();
    let ports = [
        ("127.0.0.5", with_chain.port),
        ("127.0.0.6", leaf_only.port),
        ("127.0.0.7", closed),
    ];
    let text = std::fs::read_to_string(dir.join("domain-cases.json")).unwrap();
    let cases: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut n = 0;
    for c in cases.as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let recorded: Vec<&str> = c["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        // The address cfssl dialed (the -ip, else the -domain) and ours.
        let ip = recorded
            .iter()
            .position(|a| *a == "-ip")
            .map(|i| recorded[i + 1]);
        let domain_at = recorded.iter().position(|a| *a == "-domain").unwrap() + 1;
        let dialed = ip.unwrap_or(recorded[domain_at]);
        let port = ports.iter().find(|(a, _)| *a == dialed).unwrap().1;
        let mut args: Vec<String> = vec!["bundle".into()];
        for (i, a) in recorded.iter().enumerate() {
            if i == domain_at {
                let host = if ip.is_none() { "127.0.0.1" } else { a };
                args.push(format!("{host}:{port}"));
            } else if Some(*a) == ip {
                args.push("127.0.0.1".into());
            } else {
                args.push((*a).to_string());
            }
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(&dir, &args);
        let theirs_addr = format!("{dialed}:443");
        let ours_addr = format!("127.0.0.1:{port}");
        let stderr = undated(&out.stderr).replace(&ours_addr, &theirs_addr);
        let (warnings, rest): (Vec<&str>, Vec<&str>) = stderr
            .split_inclusive('\n')
            .partition(|l| l.starts_with("[WARNING] rigid TLS handshake with "));
        let want = c["stderr"].as_str().unwrap();
        assert_eq!(rest.concat(), want, "{name}");
        // The reason cfssl hides, by case (what Go's verified dial says).
        let unknown = "x509: certificate signed by unknown authority";
        let reason = match name {
            "domain-leaf-only"
            | "domain-leaf-only-no-ints"
            | "domain-untrusted"
            | "domain-force" => Some(unknown),
            "domain-wrong-name" => {
                Some("x509: certificate is valid for rsa.ubiquity.test, not wrong.ubiquity.test")
            }
            "domain-ip-as-name" => Some(
                "x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs",
            ),
            _ => None,
        };
        assert_eq!(
            reason.is_some(),
            want.contains("handshake did not verify"),
            "{name}"
        );
        let expected: Vec<String> = reason
            .map(|r| format!("[WARNING] rigid TLS handshake with {theirs_addr} failed: {r}\n"))
            .into_iter()
            .collect();
        assert_eq!(warnings, expected, "{name}");
        assert_eq!(
            i64::from(out.status.code().unwrap()),
            c["rc"].as_i64().unwrap(),
            "{name}"
        );
        if c["rc"] == 0 {
            let (mine, my_keys) = normalised(&String::from_utf8(out.stdout).unwrap());
            let (theirs, their_keys) = normalised(c["stdout"].as_str().unwrap());
            assert_eq!(my_keys, their_keys, "{name}");
            for k in &their_keys {
                assert_eq!(mine[k], theirs[k], "{name}: {k}");
            }
        }
        n += 1;
    }
    assert_eq!(n, 10);
}

/// A one-thread HTTP server on loopback serving `/int.der` and `/int.pem`
/// (the intermediate) and 404 for the rest, until dropped.
struct IssuerServer {
    port: u16,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Drop for IssuerServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let _ = std::net::TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn issuer_server(pem: Vec<u8>) -> IssuerServer {
    use std::io::{Read, Write};
    let der = cfssl_core::cert::Certificate::from_pem(&pem)
        .unwrap()
        .raw()
        .to_vec();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let done = stop.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            if done.load(std::sync::atomic::Ordering::SeqCst) {
                break;
            }
            let Ok(mut conn) = conn else { continue };
            let mut buf = [0u8; 4096];
            let n = conn.read(&mut buf).unwrap_or(0);
            let req = String::from_utf8_lossy(&buf[..n]);
            let path = req.split(' ').nth(1).unwrap_or("");
            let (status, body): (&str, &[u8]) = match path {
                "/int.der" => ("200 OK", &der),
                "/int.pem" => ("200 OK", &pem),
                _ => ("404 Not Found", b"not found"),
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = conn.write_all(head.as_bytes());
            let _ = conn.write_all(body);
        }
    });
    IssuerServer { port, stop }
}

/// A leaf of the intermediate (`int-key.pem`) whose AIA issuer URLs are
/// `urls`, signed by our cfssl.
fn aia_leaf(dir: &Path, name: &str, urls: &[String]) -> PathBuf {
    let cfg = serde_json::json!({"signing": {"default": {
        "expiry": "87600h",
        "usages": ["signing", "key encipherment", "server auth"],
        "issuer_urls": urls}}});
    let cfg_path = dir.join(format!("{name}-config.json"));
    std::fs::write(&cfg_path, cfg.to_string()).unwrap();
    let out = run(
        &fixtures().join("ubiquity"),
        &[
            "gencert",
            "-ca",
            "int-by-rsa.pem",
            "-ca-key",
            "int-key.pem",
            "-config",
            cfg_path.to_str().unwrap(),
            "csr-leaf.json",
        ],
    );
    assert!(out.status.success(), "{}", undated(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let path = dir.join(format!("{name}.pem"));
    std::fs::write(&path, v["cert"].as_str().unwrap()).unwrap();
    path
}

/// AIA `caIssuers` walking and `-int-dir` against cfssl 1.6.5's recorded
/// runs (`fixtures/bundle/ubiquity/aia-cases.json`): the test serves the
/// intermediate itself and signs leaves naming its own server; the exit
/// status, log lines, the stash's files and contents, and everything in
/// the bundle that does not depend on the leaf are cfssl's.
#[test]
fn bundle_fetches_and_stashes_issuers_as_cfssl() {
    let dir = fixtures().join("ubiquity");
    let pem = std::fs::read(dir.join("int-by-rsa.pem")).unwrap();
    let server = issuer_server(pem.clone());
    let closed = support::serve::free_port();
    let scratch = tempfile::tempdir().unwrap();
    let at = |path: &str| format!("http://127.0.0.1:{}{path}", server.port);
    let leaves = [
        ("der", vec![at("/int.der")]),
        ("pem", vec![at("/int.pem")]),
        ("missing", vec![at("/nope.crt")]),
        ("closed", vec![format!("http://127.0.0.1:{closed}/int.der")]),
        ("second-url", vec![at("/nope.crt"), at("/int.der")]),
    ]
    .map(|(name, urls)| (name, aia_leaf(scratch.path(), name, &urls)));
    let leaf = |n: &str| leaves.iter().find(|(k, _)| *k == n).unwrap().1.clone();
    let chain = scratch.path().join("given.pem");
    std::fs::write(
        &chain,
        [std::fs::read(leaf("closed")).unwrap(), pem.clone()].concat(),
    )
    .unwrap();
    let text = std::fs::read_to_string(dir.join("aia-cases.json")).unwrap();
    let cases: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut n = 0;
    for c in cases.as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let stash = scratch.path().join(format!("stash-{name}"));
        // The folder exists beforehand unless cfssl made it itself.
        let made_by_cfssl = c["stderr"].as_str().unwrap().contains("doesn't exist");
        if c["stash"].is_object() && !made_by_cfssl {
            std::fs::create_dir(&stash).unwrap();
        }
        let args: Vec<String> = std::iter::once("bundle".to_string())
            .chain(
                c["args"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| match a.as_str().unwrap() {
                        "LEAF" => leaf(c["leaf"].as_str().unwrap()).display().to_string(),
                        "CHAIN" => chain.display().to_string(),
                        "STASH" => stash.display().to_string(),
                        other => other.to_string(),
                    }),
            )
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(&dir, &args);
        let stderr = undated(&out.stderr).replace(&stash.display().to_string(), "STASH");
        assert_eq!(stderr, c["stderr"].as_str().unwrap(), "{name}");
        assert_eq!(
            i64::from(out.status.code().unwrap()),
            c["rc"].as_i64().unwrap(),
            "{name}"
        );
        let held: Option<serde_json::Map<String, serde_json::Value>> = stash.is_dir().then(|| {
            std::fs::read_dir(&stash)
                .unwrap()
                .map(|e| {
                    let e = e.unwrap();
                    let same = std::fs::read(e.path()).unwrap() == pem;
                    (
                        e.file_name().to_string_lossy().into_owned(),
                        serde_json::Value::from(if same {
                            "the intermediate's PEM"
                        } else {
                            "other"
                        }),
                    )
                })
                .collect()
        });
        assert_eq!(
            held.map(serde_json::Value::Object).unwrap_or_default(),
            c["stash"],
            "{name}: the stash"
        );
        if c["rc"] == 0 {
            let (mine, _) = normalised(&String::from_utf8(out.stdout).unwrap());
            let (theirs, _) = normalised(c["stdout"].as_str().unwrap());
            for k in [
                "issuer",
                "key",
                "key_size",
                "key_type",
                "root",
                "signature",
                "status",
                "subject",
                "hostnames",
            ] {
                assert_eq!(mine[k], theirs[k], "{name}: {k}");
            }
            let above_leaf = |v: &serde_json::Value| {
                let b = v["bundle"].as_str().unwrap().to_string();
                b.split_once("-----END CERTIFICATE-----\n")
                    .map(|(_, rest)| rest.to_string())
                    .unwrap_or_default()
            };
            assert_eq!(above_leaf(&mine), above_leaf(&theirs), "{name}");
        }
        n += 1;
    }
    assert_eq!(n, 10);
}
