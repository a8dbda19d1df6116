//! `mkbundle`: cfssl's trust-bundle builder (`cmd/mkbundle`). It walks the
//! files and folders given, reads every PEM `CERTIFICATE` block of every
//! regular file, checks each certificate online with cfssl's revocation
//! checker ([`cfssl_core::revoke_check`], soft-fail), and writes those that
//! are neither revoked, expired, not yet valid nor uncheckable to one PEM
//! file (`-f`, default `cert-bundle.crt`), using `-nw` parallel workers.
//!
//! Where it differs from cfssl 1.6.5 (`docs/compat.md`, items 60 to 66):
//! the bundle is in input order, not worker order, and is written whole or
//! not at all; each file's log lines stay together; every network wait is
//! bounded; a bundle that cannot be written is exit status 1.
//!
//! ```no_run
//! let args = vec!["-f".to_string(), "bundle.crt".into(), "certs/".into()];
//! let code = cfssl_cli::mkbundle::run("mkbundle", &args, &mut std::io::stderr());
//! assert_eq!(code, 0);
//! ```

mod walk;

use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cfssl_core::cert::Certificate;
use cfssl_core::go::os::errno_text as go_errno_text;
use cfssl_core::go::pem as pemfmt;
use cfssl_core::log::{Level, Log};
use cfssl_core::revoke_check::{Checker, Fetch, Status};
use cfssl_server::fetch::{FetchOptions, Fetcher};

use crate::goflag::{self, DefValue, FlagDef, ParseError};
use crate::log::{Logger, format_line};

pub use cfssl_server::whole_file::Pending;

/// mkbundle's flags, as 1.6.5 defines them.
pub const FLAGS: &[FlagDef] = &[
    FlagDef {
        name: "f",
        default: DefValue::String("cert-bundle.crt"),
        usage: "path to store certificate bundle",
    },
    FlagDef {
        name: "nw",
        default: DefValue::Int(4),
        usage: "number of workers",
    },
];

/// The bounds on each CRL, caIssuers and OCSP request (cfssl has none).
pub fn fetch_options() -> FetchOptions {
    let mut o = FetchOptions::default();
    o.connect_timeout = Duration::from_secs(10);
    o.handshake_timeout = Duration::from_secs(10);
    o.request_timeout = Duration::from_secs(15);
    o.max_response_bytes = 64 << 20;
    o
}

/// Runs mkbundle with the arguments after the program name (`program` is
/// named in the usage text, as Go names `os.Args[0]`); the log goes to
/// `stderr`. Returns the exit status.
pub fn run(program: &str, args: &[String], stderr: &mut (dyn Write + Send)) -> i32 {
    let parsed = match goflag::parse(FLAGS, args) {
        Ok(p) => p,
        Err(e) => {
            let mut text = String::new();
            if let ParseError::Invalid(msg) = &e {
                text.push_str(msg);
                text.push('\n');
            }
            text.push_str(&format!("Usage of {program}:\n"));
            text.push_str(&goflag::print_defaults(FLAGS));
            let _ = stderr.write_all(text.as_bytes());
            return if e == ParseError::Help { 0 } else { 2 };
        }
    };
    let output = parsed
        .values
        .string("f")
        .unwrap_or("cert-bundle.crt")
        .to_string();
    let workers = parsed.values.int("nw").unwrap_or(4);
    let fetcher = Fetcher::new(fetch_options());
    build(&output, workers, &parsed.args, &fetcher, stderr)
}

/// Builds the bundle `output` from `paths` with `workers` workers, checking
/// through `fetch`; the log goes to `stderr`. Returns the exit status.
pub fn build<F: Fetch>(
    output: &str,
    workers: i64,
    paths: &[String],
    fetch: &F,
    stderr: &mut (dyn Write + Send),
) -> i32 {
    let sink = Sink {
        out: Mutex::new(stderr),
        logger: Logger::default(),
    };
    let pending = match Pending::create(output, 0o666) {
        Ok(p) => p,
        Err(e) => {
            sink.line(Level::Error, &e);
            return 1;
        }
    };
    let kept = if workers < 1 {
        // cfssl starts no worker and writes an empty bundle at once.
        Vec::new()
    } else {
        let mut found = sink.buffer();
        let files = walk::regular_files(paths, &mut found);
        sink.flush(found);
        check_files(&files, usize::try_from(workers).unwrap_or(1), fetch, &sink)
    };
    let text: String = kept.iter().map(Certificate::to_pem).collect();
    match pending.commit(text.as_bytes()) {
        Ok(()) => {
            sink.line(Level::Info, &format!("Wrote {} certificates.", kept.len()));
            0
        }
        Err(e) => {
            sink.line(Level::Error, &format!("Failed to write PEM block: {e}"));
            1
        }
    }
}

/// Checks every file with `workers` threads; returns the certificates kept,
/// in file order and, within a file, block order.
fn check_files<F: Fetch>(
    files: &[String],
    workers: usize,
    fetch: &F,
    sink: &Sink<'_>,
) -> Vec<Certificate> {
    let checker = Checker::new(fetch);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, Vec<Certificate>)>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..workers.min(files.len().max(1)) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = files.get(i) else {
                        break;
                    };
                    let mut log = sink.buffer();
                    let kept = check_file(path, &checker, &mut log);
                    sink.flush(log);
                    if let Ok(mut r) = results.lock() {
                        r.push((i, kept));
                    }
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_else(|p| p.into_inner());
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().flat_map(|(_, certs)| certs).collect()
}

/// One file, as cfssl's worker reads it.
fn check_file<F: Fetch>(path: &str, checker: &Checker<&F>, log: &mut dyn Log) -> Vec<Certificate> {
    log.log(Level::Info, &format!("Loading {path}"));
    let data = match std::fs::read(path) {
        Ok(d) => d,
        Err(e) => {
            let op = if e.kind() == std::io::ErrorKind::IsADirectory {
                "read"
            } else {
                "open"
            };
            log.log(
                Level::Warning,
                &format!("{op} {path}: {}", go_errno_text(&e)),
            );
            return Vec::new();
        }
    };
    let mut kept = Vec::new();
    let mut rest: &[u8] = &data;
    while !rest.is_empty() {
        let (block, after) = pemfmt::go_decode(rest);
        let Some(block) = block else {
            log.log(Level::Warning, &format!("{path}: no PEM data found"));
            break;
        };
        rest = after;
        if block.label != "CERTIFICATE" {
            log.log(Level::Info, "Skipping non-certificate");
            continue;
        }
        let Ok(cert) = Certificate::from_der(&block.bytes) else {
            log.log(
                Level::Warning,
                "Invalid certificate: x509: malformed certificate",
            );
            continue;
        };
        log.log(
            Level::Info,
            &format!("Validating {}", cfssl_core::bundle::go_name(&cert)),
        );
        match checker.verify(&cert, None, chrono::Utc::now(), log) {
            Status::Good => kept.push(cert),
            Status::Failed => log.log(Level::Warning, "Failed to verify certificate."),
            Status::Revoked => log.log(Level::Info, "Skipping revoked certificate"),
        }
    }
    kept
}

/// Where the log lines go: each file's lines are gathered and written
/// together, so that the workers' lines do not interleave.
struct Sink<'a> {
    out: Mutex<&'a mut (dyn Write + Send)>,
    logger: Logger,
}

/// One file's log lines, dated as they are made.
struct Lines {
    logger: Logger,
    text: String,
}

impl Log for Lines {
    fn log(&mut self, level: Level, msg: &str) {
        if self.logger.enabled(level) {
            self.text
                .push_str(&format_line(chrono::Local::now().naive_local(), level, msg));
        }
    }
}

impl Sink<'_> {
    fn buffer(&self) -> Lines {
        Lines {
            logger: self.logger,
            text: String::new(),
        }
    }

    fn flush(&self, lines: Lines) {
        if let Ok(mut out) = self.out.lock() {
            // Go's log package ignores write errors too.
            let _ = out.write_all(lines.text.as_bytes());
            let _ = out.flush();
        }
    }

    fn line(&self, level: Level, msg: &str) {
        let mut l = self.buffer();
        l.log(level, msg);
        self.flush(l);
    }
}
