//! cfssl's commands. Each reads its inputs, calls `cfssl-core`, and prints
//! through the context; none holds PKI logic of its own.

use cfssl_core::Error;
use cfssl_core::config::Config;

use crate::dispatch::{CmdError, Command, Ctx};
use crate::log::Level;

mod bundle;
mod certdb;
mod certinfo;
mod crl;
mod gencert;
mod info;
mod misc;
mod ocsp;
mod remote;
mod revoke;
mod serve;
mod sign;

/// The commands this build implements, in the order the top usage lists
/// them. cfssl's `scan` is not listed (not supported).
pub const COMMANDS: &[Command] = &[
    Command {
        name: "sign",
        run: sign::sign,
    },
    Command {
        name: "version",
        run: misc::version,
    },
    Command {
        name: "print-defaults",
        run: misc::print_defaults,
    },
    Command {
        name: "gencert",
        run: gencert::gencert,
    },
    Command {
        name: "gencsr",
        run: gencert::gencsr,
    },
    Command {
        name: "selfsign",
        run: sign::selfsign,
    },
    Command {
        name: "info",
        run: info::info,
    },
    Command {
        name: "certinfo",
        run: certinfo::certinfo,
    },
    Command {
        name: "genkey",
        run: gencert::genkey,
    },
    Command {
        name: "revoke",
        run: revoke::revoke,
    },
    Command {
        name: "serve",
        run: serve::serve,
    },
    Command {
        name: "gencrl",
        run: crl::gencrl,
    },
    Command {
        name: "crl",
        run: crl::crl,
    },
    Command {
        name: "certdb",
        run: certdb::certdb,
    },
    Command {
        name: "ocspsign",
        run: ocsp::ocspsign,
    },
    Command {
        name: "ocsprefresh",
        run: ocsp::ocsprefresh,
    },
    Command {
        name: "ocspdump",
        run: ocsp::ocspdump,
    },
    Command {
        name: "ocspserve",
        run: ocsp::ocspserve,
    },
    Command {
        name: "bundle",
        run: bundle::bundle,
    },
];

/// A core error as cfssl prints it: coded errors as JSON, others as text.
pub(crate) fn core_err(e: Error) -> CmdError {
    match e.code() {
        Some(code) => CmdError::Cfssl {
            code: code.number(),
            message: e.message().to_string(),
        },
        None => CmdError::Plain(e.message().to_string()),
    }
}

pub(crate) use cfssl_core::signer::load::shown_name;

/// Go's text for a failed file operation: `open X: no such file or directory`.
pub(crate) fn go_io_error(op: &str, path: &str, e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    let path = shown_name(path);
    let reason = match e.kind() {
        ErrorKind::NotFound => "no such file or directory".to_string(),
        ErrorKind::PermissionDenied => "permission denied".to_string(),
        ErrorKind::IsADirectory => return format!("read {path}: is a directory"),
        _ => cfssl_core::go::os::errno_text(e),
    };
    format!("{op} {path}: {reason}")
}

/// Reads a whole file, Go style errors.
pub(crate) fn read_file(path: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| go_io_error("open", path, &e))
}

/// cfssl's `cli.ReadStdin`: `-` is standard input, anything else a file.
pub(crate) fn read_input(ctx: &mut Ctx<'_, '_>, path: &str) -> Result<Vec<u8>, CmdError> {
    if path == "-" {
        let mut buf = Vec::new();
        ctx.io
            .stdin
            .read_to_end(&mut buf)
            .map_err(|e| CmdError::Plain(format!("read /dev/stdin: {e}")))?;
        Ok(buf)
    } else {
        read_file(path).map_err(CmdError::Plain)
    }
}

/// cfssl's `helpers.ReadBytes`: `[file:]path` or `env:NAME`.
pub(crate) fn read_bytes(ctx: &Ctx<'_, '_>, val: &str) -> Result<Vec<u8>, String> {
    read_bytes_with(ctx.io.env, val)
}

/// [`read_bytes`] with the environment lookup given.
pub(crate) fn read_bytes_with(
    env: &dyn Fn(&str) -> Option<String>,
    val: &str,
) -> Result<Vec<u8>, String> {
    let parts: Vec<&str> = val.splitn(2, ':').collect();
    match parts.as_slice() {
        [path] => read_file(path),
        ["env", name] => Ok(env(name).unwrap_or_default().into_bytes()),
        ["file", path] => read_file(path),
        [prefix, _] => Err(format!("unknown prefix: {}", shown_name(prefix))),
        _ => Err(format!("unknown prefix: {}", shown_name(val))),
    }
}

/// cfssl's `cli.PopFirstArgument`.
pub(crate) fn pop_first(args: &[String]) -> Result<(&str, &[String]), CmdError> {
    match args.split_first() {
        Some((first, rest)) => Ok((first.as_str(), rest)),
        None => Err(CmdError::Plain(
            "not enough arguments are supplied --- please refer to the usage".into(),
        )),
    }
}

/// [`load_config`], with the DEBUG lines cfssl writes while loading.
pub(crate) fn load_config_logged(
    flags: &crate::flags::Flags,
    ctx: &mut Ctx<'_, '_>,
) -> Result<Option<Config>, CmdError> {
    let path = flags.string("config");
    if !path.is_empty() {
        ctx.debug(&format!(
            "loading configuration file from {}",
            shown_name(path)
        ));
    }
    let config = load_config(flags)?;
    if let Some(c) = &config {
        c.log_loading(&mut CtxLog(ctx));
    }
    Ok(config)
}

/// Loads `-config` as cfssl does before every command.
pub(crate) fn load_config(flags: &crate::flags::Flags) -> Result<Option<Config>, CmdError> {
    let path = flags.string("config");
    if path.is_empty() {
        return Ok(None);
    }
    let bytes = std::fs::read(path).map_err(|_| {
        CmdError::ConfigLoad(cfssl_core::wire::error_json(
            5200,
            "could not read configuration file",
        ))
    })?;
    Config::from_json(&bytes)
        .map(Some)
        .map_err(|e| CmdError::ConfigLoad(e.go_text()))
}

/// Forwards core log lines to the command's logger.
pub(crate) struct CtxLog<'c, 'a, 'b>(pub(crate) &'c mut Ctx<'a, 'b>);

impl cfssl_core::log::Log for CtxLog<'_, '_, '_> {
    fn log(&mut self, level: Level, msg: &str) {
        self.0.log_at(level, msg);
    }
}

/// Writes a line of output to stdout.
pub(crate) fn print_line(ctx: &mut Ctx<'_, '_>, s: &str) -> Result<(), CmdError> {
    print_raw(ctx, &format!("{s}\n"))
}

/// Writes output to stdout as is.
pub(crate) fn print_raw(ctx: &mut Ctx<'_, '_>, s: &str) -> Result<(), CmdError> {
    ctx.io
        .stdout
        .write_all(s.as_bytes())
        .map_err(|e| CmdError::Plain(format!("write /dev/stdout: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (found by the secrets review): a key pasted where its file
    /// name belongs (`-ca-key "$CA_KEY"` instead of `-ca-key env:CA_KEY`)
    /// came back whole in `open -----BEGIN EC PRIVATE KEY-----…: no such
    /// file or directory`.
    #[test]
    fn pem_given_as_a_file_name_is_not_echoed() {
        let key = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIMbZRwxceu1D0u6D6HPsYP7w\n-----END EC PRIVATE KEY-----\n";
        let msg = read_file(key).unwrap_err();
        assert!(!msg.contains("MHcCAQEE"), "{msg}");
        assert!(
            msg.starts_with("open [PEM data given as a file name, not shown]: "),
            "{msg}"
        );
        let encrypted = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\nMIIE\n";
        let io = &mut crate::dispatch::Io {
            stdin: &mut std::io::empty(),
            stdout: &mut std::io::sink(),
            stderr: &mut std::io::sink(),
            env: &|_| None,
        };
        let ctx = Ctx {
            io,
            log: crate::log::Logger::new(1),
        };
        let msg = read_bytes(&ctx, encrypted).unwrap_err();
        assert_eq!(
            msg,
            "unknown prefix: [PEM data given as a file name, not shown]"
        );
        // Ordinary names are shown as given.
        assert_eq!(
            read_file("no-such-dir/ca-key.pem").unwrap_err(),
            "open no-such-dir/ca-key.pem: no such file or directory"
        );
    }
}
