//! The `cfssl`, `cfssljson` and `mkbundle` command-line tools: thin shells over
//! `cfssl-core` that reproduce cfssl's flags, output and exit codes.
//!
//! The binaries in `src/bin` only hand their arguments and standard streams
//! to [`run_cfssl`] and [`cfssljson::run_cfssljson`].

pub mod cfssljson;
pub mod cmd;
pub mod dispatch;
pub mod flags;
pub mod goflag;
pub mod log;
pub mod mkbundle;
pub mod multirootca;

/// Runs `cfssl` with the arguments after the program name; returns the exit code.
pub fn run_cfssl(args: &[String], io: &mut dispatch::Io<'_>) -> i32 {
    dispatch::run_cfssl(args, cmd::COMMANDS, io)
}

/// The cfssl release whose behaviour these tools reproduce.
pub const CFSSL_VERSION: &str = "1.6.5";

/// What `cfssl version` and `cfssljson -version` print: cfssl's two-line
/// shape, with our own runtime line (a ledgered divergence).
pub fn version_text() -> String {
    format!(
        "Version: {CFSSL_VERSION}\nRuntime: cfssl-rs {} (Rust)\n",
        env!("CARGO_PKG_VERSION")
    )
}
