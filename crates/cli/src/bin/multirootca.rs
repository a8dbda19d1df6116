//! The `multirootca` binary: a shim handing the command line to
//! [`cfssl_cli::multirootca::run_multirootca`].

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os().map(|a| a.to_string_lossy().into_owned());
    let program = args.next().unwrap_or_else(|| "multirootca".into());
    let args: Vec<String> = args.collect();
    let code = cfssl_cli::multirootca::run_multirootca(&program, &args);
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
