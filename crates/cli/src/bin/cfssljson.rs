//! The `cfssljson` binary: a shim handing the command line, the real standard streams and the
//! working directory to [`cfssl_cli::cfssljson::run_cfssljson`].

use std::path::PathBuf;
use std::process::ExitCode;

use cfssl_cli::cfssljson::{CfssljsonIo, run_cfssljson};

fn main() -> ExitCode {
    // Arguments that are not UTF-8 are converted lossily rather than aborting the program.
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    // Without a readable working directory, relative names still resolve through ".".
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let mut stdin = std::io::stdin().lock();
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    let code = run_cfssljson(
        &args,
        &mut CfssljsonIo {
            stdin: &mut stdin,
            stdout: &mut stdout,
            stderr: &mut stderr,
            cwd: &cwd,
        },
    );
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
