//! The `cfssl` and `cfssljson` command-line tools: thin shells over
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

/// Runs `cfssl` with the arguments after the program name; returns the exit code.
pub fn run_cfssl(args: &[String], io: &mut dispatch::Io<'_>) -> i32 {
    dispatch::run_cfssl(args, cmd::COMMANDS, io)
}
