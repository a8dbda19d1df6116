//! The bundler in `serve` against cfssl 1.6.5's recorded answers
//! (`fixtures/bundle/ubiquity/serve-cases.json`, `record-serve.sh`): `/bundle`
//! with every flavour, keys, hostname checks and bad input, and `bundle:true`
//! on `/sign`, `/authsign` and `/newcert`, under servers with both pools and
//! metadata, with roots only, and with neither (the system's trust store);
//! then serve's start-up with bundle flags that do not load.
//!
//! A bundle of a fixed certificate is compared key by key (hostnames as a
//! set); a bundle of a certificate signed during the request is compared on
//! everything that does not depend on the new certificate (status, root,
//! issuer, chain above the leaf, key type, signature algorithm), and its
//! leaf must be the certificate returned.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod support;

use support::serve::request;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

fn ours() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cfssl"))
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/bundle/ubiquity")
}

fn sorted_hostnames(v: &mut Value) {
    if let Some(h) = v["hostnames"].as_array_mut() {
        h.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    }
}

/// The PEM blocks of a bundle's `bundle` string.
fn blocks(v: &Value) -> Vec<String> {
    v["bundle"]
        .as_str()
        .unwrap()
        .split_inclusive("-----END CERTIFICATE-----")
        .map(|b| b.trim().to_string())
        .filter(|b| !b.is_empty())
        .collect()
}

/// A bundle of a fixed certificate: key by key, in cfssl's key order.
fn same_bundle(name: &str, mine: &Value, theirs: &Value) {
    let (mut mine, mut theirs) = (mine.clone(), theirs.clone());
    sorted_hostnames(&mut mine);
    sorted_hostnames(&mut theirs);
    let keys: Vec<&String> = theirs.as_object().unwrap().keys().collect();
    let my_keys: Vec<&String> = mine.as_object().unwrap().keys().collect();
    assert_eq!(my_keys, keys, "{name}");
    for k in keys {
        assert_eq!(mine[k], theirs[k], "{name}: {k}");
    }
}

/// A bundle of a certificate signed for the request: all but what the new
/// certificate decides, and its leaf is `cert`.
fn same_fresh_bundle(name: &str, mine: &Value, theirs: &Value, cert: &str) {
    let keys: Vec<&String> = theirs.as_object().unwrap().keys().collect();
    let my_keys: Vec<&String> = mine.as_object().unwrap().keys().collect();
    assert_eq!(my_keys, keys, "{name}");
    for k in [
        "crl_support",
        "issuer",
        "key",
        "key_size",
        "key_type",
        "ocsp",
        "ocsp_support",
        "root",
        "signature",
        "status",
        "subject",
        "hostnames",
    ] {
        assert_eq!(mine[k], theirs[k], "{name}: {k}");
    }
    assert_eq!(mine["crt"].as_str().unwrap(), cert.trim_end(), "{name}");
    let (mb, tb) = (blocks(mine), blocks(theirs));
    assert_eq!(mb.len(), tb.len(), "{name}");
    assert_eq!(mb[0], cert.trim_end(), "{name}: the leaf first");
    assert_eq!(mb[1..], tb[1..], "{name}: the chain above the leaf");
}

fn start(args: &[String], log: &Path) -> support::serve::Serve {
    support::serve::start_command(&ours(), &fixtures(), "serve", args, || {
        Stdio::from(std::fs::File::create(log).unwrap())
    })
    .expect("serve starts")
}

/// Every recorded request: the same status, content type and envelope.
#[test]
fn bundle_endpoints_answer_as_cfssl() {
    let text = std::fs::read_to_string(fixtures().join("serve-cases.json")).unwrap();
    let recorded: Value = serde_json::from_str(&text).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let mut compared = 0;
    for startup in recorded["startup"].as_array().unwrap() {
        if !startup["rc"].is_null() || startup["server"] == "missing-ca-bundle" {
            continue;
        }
        let server = startup["server"].as_str().unwrap();
        if server == "bad-int-bundle" {
            continue;
        }
        let args: Vec<String> = startup["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_string())
            .collect();
        let log = scratch.path().join(format!("{server}.log"));
        let serve = start(&args, &log);
        for c in recorded["requests"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["server"] == server)
        {
            let name = c["name"].as_str().unwrap();
            let (status, ctype, body) = request(
                serve.addr,
                c["method"].as_str().unwrap(),
                c["path"].as_str().unwrap(),
                c["body"].as_str(),
            );
            assert_eq!(
                u64::from(status),
                c["status"].as_u64().unwrap(),
                "{name}: {body}"
            );
            assert_eq!(
                Some(ctype.as_str()),
                c["content_type"]
                    .as_str()
                    .map(str::to_ascii_lowercase)
                    .as_deref(),
                "{name}"
            );
            let mine: Value = serde_json::from_str(&body).unwrap();
            let theirs: Value = serde_json::from_str(c["response"].as_str().unwrap()).unwrap();
            for k in ["success", "errors", "messages"] {
                assert_eq!(mine[k], theirs[k], "{name}: {k}");
            }
            let (mr, tr) = (&mine["result"], &theirs["result"]);
            if c["path"] == "/api/v1/cfssl/bundle" {
                if tr.is_null() {
                    assert!(mr.is_null(), "{name}");
                } else {
                    same_bundle(name, mr, tr);
                }
            } else {
                let tk: Vec<&String> = tr.as_object().unwrap().keys().collect();
                let mk: Vec<&String> = mr.as_object().unwrap().keys().collect();
                assert_eq!(mk, tk, "{name}: result keys");
                if tr.get("bundle").is_some() {
                    let cert = mr["certificate"].as_str().unwrap();
                    same_fresh_bundle(name, &mr["bundle"], &tr["bundle"], cert);
                }
            }
            compared += 1;
        }
        let log = std::fs::read_to_string(&log).unwrap();
        for line in startup["log"].as_array().unwrap() {
            let line = line.as_str().unwrap();
            assert!(log.contains(line), "{server}: {line:?} in\n{log}");
        }
    }
    assert_eq!(compared, 26);
}

/// Start-up with bundle flags that do not load: a metadata file stops serve
/// with cfssl's message; a pool file that cannot be read or parsed disables
/// `/bundle` and the signing endpoints with cfssl's lines.
#[test]
fn bad_bundle_flags_at_start_up_as_cfssl() {
    let text = std::fs::read_to_string(fixtures().join("serve-cases.json")).unwrap();
    let recorded: Value = serde_json::from_str(&text).unwrap();
    let mut checked = 0;
    for startup in recorded["startup"].as_array().unwrap() {
        let server = startup["server"].as_str().unwrap();
        let args: Vec<String> = startup["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_string())
            .collect();
        let lines: Vec<&str> = startup["log"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap())
            .collect();
        match server {
            "bad-metadata" | "missing-metadata" => {
                let mut full = vec!["serve", "-address", "127.0.0.1", "-port", "0"];
                full.extend(args.iter().map(String::as_str));
                let out = Command::new(ours())
                    .args(&full)
                    .current_dir(fixtures())
                    .output()
                    .unwrap();
                assert_eq!(out.status.code(), startup["rc"].as_i64().map(|r| r as i32));
                let stderr = support::undated(&out.stderr);
                for line in &lines {
                    assert!(stderr.contains(line), "{server}: {line:?} in\n{stderr}");
                }
            }
            "missing-ca-bundle" | "bad-int-bundle" => {
                let scratch = tempfile::tempdir().unwrap();
                let log = scratch.path().join("serve.log");
                let serve = start(&args, &log);
                let (status, _, _) =
                    request(serve.addr, "POST", "/api/v1/cfssl/bundle", Some("{}"));
                assert_eq!(status, 404, "{server}: /bundle disabled");
                let (status, _, _) = request(serve.addr, "POST", "/api/v1/cfssl/sign", Some("{}"));
                assert_eq!(status, 404, "{server}: /sign disabled");
                drop(serve);
                let log = support::undated(&std::fs::read(&log).unwrap());
                for line in lines
                    .iter()
                    .filter(|l| l.contains("bundl") || l.contains("'sign'"))
                {
                    assert!(log.contains(line), "{server}: {line:?} in\n{log}");
                }
            }
            _ => continue,
        }
        checked += 1;
    }
    assert_eq!(checked, 4);
}
