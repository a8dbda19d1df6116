//! The `cfssl` binary: a shim handing the command line, the real standard
//! streams and the environment to [`cfssl_cli::run_cfssl`].

use std::process::ExitCode;

use cfssl_cli::dispatch::Io;

fn main() -> ExitCode {
    // Arguments that are not UTF-8 are converted lossily rather than aborting.
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    let mut stdin = std::io::stdin().lock();
    // Not locked for the whole run: `serve` writes its log from other
    // threads, each line in one write.
    let mut stdout = std::io::stdout();
    let mut stderr = std::io::stderr();
    let env = |name: &str| std::env::var(name).ok();
    let code = cfssl_cli::run_cfssl(
        &args,
        &mut Io {
            stdin: &mut stdin,
            stdout: &mut stdout,
            stderr: &mut stderr,
            env: &env,
        },
    );
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
