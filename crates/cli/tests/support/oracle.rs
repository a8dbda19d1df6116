//! Independent checks of what our binaries produced: every certificate is
//! parsed by x509-parser and by `openssl x509`, every CSR by x509-parser and
//! `openssl req -verify`, and a certificate whose issuer is in the folder is
//! chain-verified with `openssl verify`.
//!
//! A check that fails on our output is excused only when it fails the same way
//! on cfssl's output at the same place (a case may build a broken input on
//! purpose, like the tampered CSR of `err-sign-tampered-csr`).

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;
use x509_parser::certificate::X509Certificate;
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::prelude::FromDer;

use super::case::{Case, list_files};
use super::pem::{self, Block, Piece};
use super::replay::{Replay, Tools};

/// The outcome of the independent checks of one case.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    /// Checks our output failed (and cfssl's passed).
    pub(crate) failures: Vec<String>,
    /// Informational lines (checks skipped, failures shared with cfssl).
    pub(crate) notes: Vec<String>,
}

/// A PEM block we produced, with cfssl's block at the same place.
struct Product {
    place: String,
    ours: Block,
    theirs: Option<Block>,
    /// Folders holding the issuer candidates: ours, cfssl's.
    folders: (PathBuf, PathBuf),
}

/// Runs every independent check on a replayed case.
pub(crate) fn check(case: &Case, replay: &Replay, tools: &Tools) -> Findings {
    let mut findings = Findings::default();
    let openssl = openssl_available(tools);
    if !openssl {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            findings
                .failures
                .push("openssl is not installed, and CI=true requires its checks".to_owned());
        } else {
            let note =
                "openssl not found: skipping the openssl checks (they are required when CI=true)";
            eprintln!("{note}");
            findings.notes.push(note.to_owned());
        }
    }
    let mut performed: Vec<(&str, usize)> = Vec::new();
    for product in products(case, replay) {
        let checks: Vec<(&str, Check)> = match product.ours.label.as_str() {
            "CERTIFICATE" => {
                let mut checks = vec![("x509-parser", Check::ParseCertificate)];
                if openssl {
                    checks.push(("openssl x509 -noout -text", Check::OpensslX509));
                    checks.push(("openssl verify", Check::OpensslVerify));
                }
                checks
            }
            "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => {
                let mut checks = vec![("x509-parser", Check::ParseCsr)];
                if openssl {
                    checks.push(("openssl req -noout -verify", Check::OpensslReq));
                }
                checks
            }
            _ => Vec::new(),
        };
        for (name, check) in checks {
            let problem = match check.run(&product.ours, &product.folders.0, tools) {
                Ok(false) => continue,
                Ok(true) => {
                    match performed.iter_mut().find(|(n, _)| *n == name) {
                        Some((_, count)) => *count += 1,
                        None => performed.push((name, 1)),
                    }
                    continue;
                }
                Err(problem) => problem,
            };
            let theirs = product
                .theirs
                .as_ref()
                .map(|block| check.run(block, &product.folders.1, tools));
            match theirs {
                Some(Err(_)) => findings.notes.push(format!(
                    "{}: {name} fails, as it does on cfssl's output: {problem}",
                    product.place
                )),
                _ => findings
                    .failures
                    .push(format!("{}: {name}: {problem}", product.place)),
            }
        }
    }
    if !performed.is_empty() {
        let performed: Vec<String> = performed
            .iter()
            .map(|(name, count)| format!("{name} ×{count}"))
            .collect();
        let performed = performed.join(", ");
        findings
            .notes
            .push(format!("independent checks passed: {performed}"));
    }
    findings
}

#[derive(Debug, Clone, Copy)]
enum Check {
    ParseCertificate,
    ParseCsr,
    OpensslX509,
    OpensslReq,
    OpensslVerify,
}

impl Check {
    /// Runs the check; `Ok(false)` when it does not apply to this block.
    fn run(self, block: &Block, folder: &Path, tools: &Tools) -> Result<bool, String> {
        let der = block.der.as_deref().ok_or("PEM body is not base64")?;
        match self {
            Self::ParseCertificate => match X509Certificate::from_der(der) {
                Ok(([], _)) => Ok(true),
                Ok((rest, _)) => Err(format!("{} bytes after the certificate", rest.len())),
                Err(e) => Err(e.to_string()),
            },
            Self::ParseCsr => match X509CertificationRequest::from_der(der) {
                Ok(([], _)) => Ok(true),
                Ok((rest, _)) => Err(format!("{} bytes after the request", rest.len())),
                Err(e) => Err(e.to_string()),
            },
            Self::OpensslX509 => {
                openssl(tools, &["x509", "-noout", "-text"], block, None).map(|_| true)
            }
            Self::OpensslReq => {
                let output = openssl(tools, &["req", "-noout", "-verify"], block, None)?;
                if output.contains("verify OK") {
                    Ok(true)
                } else {
                    Err(format!("no `verify OK` in: {output}"))
                }
            }
            Self::OpensslVerify => {
                // An unparseable certificate is reported by the parse checks.
                let Ok((_, cert)) = X509Certificate::from_der(der) else {
                    return Ok(false);
                };
                if cert.issuer().as_raw() == cert.subject().as_raw() {
                    return Ok(false);
                }
                let Some(issuer) = issuer_file(folder, cert.issuer().as_raw()) else {
                    return Ok(false);
                };
                let ca = issuer.display().to_string();
                let args = ["verify", "-no_check_time", "-partial_chain", "-CAfile", &ca];
                let file = issuer
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned();
                openssl(tools, &args, block, Some(folder))
                    .map(|_| true)
                    .map_err(|e| format!("against {file}: {e}"))
            }
        }
    }
}

/// The file in `folder` holding a certificate whose subject is `issuer`;
/// `ca.pem` first, then the other `.pem` files by name.
fn issuer_file(folder: &Path, issuer: &[u8]) -> Option<PathBuf> {
    let mut names = list_files(folder);
    names.retain(|name| name.ends_with(".pem"));
    names.sort_by_key(|name| name != "ca.pem");
    names
        .into_iter()
        .map(|name| folder.join(name))
        .find(|path| {
            let text = fs::read(path).unwrap_or_default();
            pem::split(&String::from_utf8_lossy(&text))
                .into_iter()
                .any(|piece| match piece {
                    Piece::Block(Block {
                        label,
                        der: Some(der),
                        ..
                    }) if label == "CERTIFICATE" => X509Certificate::from_der(&der)
                        .is_ok_and(|(_, c)| c.subject().as_raw() == issuer),
                    _ => false,
                })
        })
}

fn openssl_available(tools: &Tools) -> bool {
    Command::new("openssl")
        .arg("version")
        .env_clear()
        .env("PATH", tools.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Runs openssl with the block as PEM on stdin; returns stdout + stderr.
fn openssl(
    tools: &Tools,
    args: &[&str],
    block: &Block,
    cwd: Option<&Path>,
) -> Result<String, String> {
    let mut command = Command::new("openssl");
    command
        .args(args)
        .env_clear()
        .env("PATH", tools.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(cwd) = cwd {
        command.current_dir(cwd);
    }
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot run openssl: {e}"))?;
    let pem = format!(
        "-----BEGIN {0}-----\n{1}\n-----END {0}-----\n",
        block.label,
        block.body.join("\n")
    );
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(pem.as_bytes());
    }
    let output = child
        .wait_with_output()
        .map_err(|e| format!("openssl: {e}"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if output.status.success() {
        Ok(text)
    } else {
        Err(format!("exit {:?}: {}", output.status.code(), text.trim()))
    }
}

/// Every PEM block our run produced (in stdout and in written files), each with
/// cfssl's block at the same place.
fn products(case: &Case, replay: &Replay) -> Vec<Product> {
    let folders = (replay.dir.path().to_path_buf(), case.dir.clone());
    let mut out = Vec::new();
    for (index, (run, recorded)) in replay.steps.iter().zip(&case.recorded).enumerate() {
        let ours = stdout_blocks(&run.stdout);
        let theirs = stdout_blocks(&recorded.stdout);
        for (place, block) in ours {
            let counterpart = theirs
                .iter()
                .find(|(p, _)| *p == place)
                .map(|(_, b)| b.clone());
            out.push(Product {
                place: format!("step {} stdout{place}", index + 1),
                ours: block,
                theirs: counterpart,
                folders: folders.clone(),
            });
        }
    }
    for name in list_files(replay.dir.path()) {
        if case.inputs.contains(&name) {
            continue;
        }
        let ours = file_blocks(&replay.dir.path().join(&name));
        let theirs = file_blocks(&case.dir.join(&name));
        for (index, block) in ours.into_iter().enumerate() {
            out.push(Product {
                place: format!("file {name} block {}", index + 1),
                ours: block,
                theirs: theirs.get(index).cloned(),
                folders: folders.clone(),
            });
        }
    }
    out
}

fn file_blocks(path: &Path) -> Vec<Block> {
    let text = fs::read(path).unwrap_or_default();
    blocks(&String::from_utf8_lossy(&text))
}

fn blocks(text: &str) -> Vec<Block> {
    pem::split(text)
        .into_iter()
        .filter_map(|piece| match piece {
            Piece::Block(block) => Some(block),
            Piece::Text(_) => None,
        })
        .collect()
}

/// PEM blocks in a step's stdout, keyed by JSON path (or block number).
fn stdout_blocks(stdout: &[u8]) -> Vec<(String, Block)> {
    let mut out = Vec::new();
    match serde_json::from_slice::<Value>(stdout) {
        Ok(value) => json_blocks(&value, "", &mut out),
        Err(_) => {
            for (index, block) in blocks(&String::from_utf8_lossy(stdout))
                .into_iter()
                .enumerate()
            {
                out.push((format!(" block {}", index + 1), block));
            }
        }
    }
    out
}

fn json_blocks(value: &Value, path: &str, out: &mut Vec<(String, Block)>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                json_blocks(value, &format!("{path}.{key}"), out);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                json_blocks(item, &format!("{path}[{index}]"), out);
            }
        }
        Value::String(text) => {
            for (index, block) in blocks(text).into_iter().enumerate() {
                out.push((format!("{path}#{}", index + 1), block));
            }
        }
        _ => {}
    }
}
