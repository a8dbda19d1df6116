//! The `multirootca` command: cfssl 1.6.5's flags (`-a`, `-roots`, `-l`,
//! `-tls-cert`, `-tls-key`, `-loglevel`) read with Go's `flag` rules, the
//! roots file loaded (every root, or none: the first that fails stops
//! start-up with a message naming it), then the server of
//! [`cfssl_server::multiroot`].

use std::sync::Arc;

use cfssl_core::log::{Level, SharedLog};
use cfssl_server::StderrLog;
use cfssl_server::multiroot::{MultirootOptions, Root, parse_roots_file};

use crate::goflag::{self, DefValue, FlagDef, ParseError};

/// multirootca's flags, in Go's (sorted) usage order.
pub const FLAGS: &[FlagDef] = &[
    FlagDef {
        name: "a",
        default: DefValue::String(":8888"),
        usage: "listening address",
    },
    FlagDef {
        name: "l",
        default: DefValue::String(""),
        usage: "specify a default label",
    },
    FlagDef {
        name: "loglevel",
        default: DefValue::Int(1),
        usage: "Log level (0 = DEBUG, 5 = FATAL)",
    },
    FlagDef {
        name: "roots",
        default: DefValue::String(""),
        usage: "configuration file specifying root keys",
    },
    FlagDef {
        name: "tls-cert",
        default: DefValue::String(""),
        usage: "server certificate",
    },
    FlagDef {
        name: "tls-key",
        default: DefValue::String(""),
        usage: "server private key",
    },
];

/// Go's `flag.PrintDefaults` for [`FLAGS`], after `Usage of PROGRAM:`.
pub fn usage(program: &str) -> String {
    let mut out = format!("Usage of {program}:\n");
    for def in FLAGS {
        let (kind, default) = match def.default {
            DefValue::String(s) if !s.is_empty() => ("string", format!(" (default {s:?})")),
            DefValue::String(_) => ("string", String::new()),
            DefValue::Int(0) => ("int", String::new()),
            DefValue::Int(n) => ("int", format!(" (default {n})")),
            DefValue::Bool(_) | DefValue::Duration(_) => ("value", String::new()),
        };
        out.push_str(&format!(
            "  -{} {kind}\n    \t{}{default}\n",
            def.name, def.usage
        ));
    }
    out
}

/// Splits `-a` (Go's `host:port`; an empty host is every address).
///
/// ```
/// use cfssl_cli::multirootca::split_address;
/// assert_eq!(split_address(":8888"), Ok((String::new(), 8888)));
/// assert_eq!(split_address("[::1]:9000"), Ok(("::1".to_string(), 9000)));
/// assert!(split_address("localhost").is_err());
/// ```
///
/// # Errors
/// Go's `listen tcp` texts for a missing or bad port.
pub fn split_address(a: &str) -> Result<(String, u16), String> {
    let Some((host, port)) = a.rsplit_once(':') else {
        return Err(format!("listen tcp: address {a}: missing port in address"));
    };
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let port = if port.is_empty() {
        0
    } else {
        port.parse::<u16>()
            .map_err(|_| format!("listen tcp: address {a}: invalid port"))?
    };
    Ok((host.to_string(), port))
}

/// Runs multirootca with the arguments after the program name; returns the
/// exit status (0 after `-h` or a clean stop, 2 for a bad command line, 1
/// when start-up fails).
pub fn run_multirootca(program: &str, args: &[String]) -> i32 {
    let parsed = match goflag::parse(FLAGS, args) {
        Ok(p) => p,
        Err(ParseError::Help) => {
            eprint!("{}", usage(program));
            return 0;
        }
        Err(ParseError::Invalid(msg)) => {
            eprint!("{msg}\n{}", usage(program));
            return 2;
        }
    };
    let v = &parsed.values;
    let level = v.int("loglevel").unwrap_or(1);
    let log: Arc<dyn SharedLog> = Arc::new(StderrLog::new(level));
    let fatal = |msg: &str| {
        log.log(Level::Fatal, msg);
        log.flush();
        1
    };
    let roots_path = v.string("roots").unwrap_or_default();
    if roots_path.is_empty() {
        return fatal("no root file specified");
    }
    let text = match std::fs::read(roots_path) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) => return fatal(&go_open_error(roots_path, &e)),
    };
    let file = match parse_roots_file(&text) {
        Ok(f) => f,
        Err(e) => return fatal(&e.to_string()),
    };
    let mut roots = Vec::with_capacity(file.sections.len());
    for (label, keys) in &file.sections {
        if keys
            .iter()
            .any(|(k, v)| k == "private" && v.starts_with("rofile:"))
        {
            // cfssl warns before it tries Red October.
            log.log(
                Level::Warning,
                "Red October support is currently experimental",
            );
        }
        match Root::load(label, keys, &log) {
            Ok(r) => roots.push(r),
            Err(e) => return fatal(&e.to_string()),
        }
    }
    for r in &roots {
        log.log(Level::Info, &format!("loaded signer {}", r.label));
    }
    let a = v.string("a").unwrap_or(":8888");
    let (host, port) = match split_address(a) {
        Ok(x) => x,
        Err(e) => return fatal(&e),
    };
    let mut opts = MultirootOptions::new(log.clone());
    opts.address = host;
    opts.port = port;
    opts.shown_address = Some(a.to_string());
    opts.roots = roots;
    opts.default_label = v.string("l").unwrap_or_default().to_string();
    let (cert, key) = (
        v.string("tls-cert").unwrap_or_default(),
        v.string("tls-key").unwrap_or_default(),
    );
    if !cert.is_empty() || !key.is_empty() {
        let read = |p: &str| std::fs::read(p).map_err(|e| go_open_error(p, &e));
        match (read(cert), read(key)) {
            (Ok(c), Ok(k)) => opts.tls = Some(cfssl_server::TlsOptions::new(c, k)),
            (Err(e), _) | (_, Err(e)) => return fatal(&e),
        }
    }
    match cfssl_server::multiroot::run(opts) {
        Ok(()) => 0,
        Err(e) => fatal(&e.to_string()),
    }
}

/// Go's `open NAME: REASON`.
fn go_open_error(path: &str, e: &std::io::Error) -> String {
    let text = e.to_string();
    let reason = text.split(" (os error").next().unwrap_or(&text);
    let mut chars = reason.chars();
    let reason: String = match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    };
    format!("open {path}: {reason}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_as_go_prints_it() {
        assert_eq!(
            usage("multirootca"),
            "Usage of multirootca:\n  -a string\n    \tlistening address (default \":8888\")\n  \
             -l string\n    \tspecify a default label\n  -loglevel int\n    \tLog level (0 = DEBUG, \
             5 = FATAL) (default 1)\n  -roots string\n    \tconfiguration file specifying root keys\n  \
             -tls-cert string\n    \tserver certificate\n  -tls-key string\n    \tserver private key\n"
        );
    }

    #[test]
    fn addresses() {
        assert_eq!(split_address("127.0.0.1:1"), Ok(("127.0.0.1".into(), 1)));
        assert!(split_address("127.0.0.1:x").is_err());
        assert!(split_address("127.0.0.1:70000").is_err());
    }
}
