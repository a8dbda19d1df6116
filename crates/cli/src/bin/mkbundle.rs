//! The `mkbundle` binary: a shim handing the command line and standard
//! error to [`cfssl_cli::mkbundle::run`].

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut argv = std::env::args_os().map(|a| a.to_string_lossy().into_owned());
    let program = argv.next().unwrap_or_else(|| "mkbundle".into());
    let args: Vec<String> = argv.collect();
    let code = cfssl_cli::mkbundle::run(&program, &args, &mut std::io::stderr());
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
