//! The `cfssl` top level (mirrors `cli.Start` in cfssl's `cli/cli.go`): picks the command,
//! parses its flags against the shared table, sets the log level, runs it, and turns the
//! outcome into cfssl's stderr text and exit status.
//!
//! Exit statuses: 0 success (also `-h`), 1 no/unknown command or a command error, 2 a flag
//! error.

use std::fmt;
use std::io::{Read, Write};

use crate::flags::{self, Flags};
use crate::goflag::{self, ParseError};
use crate::log::{Level, Logger};

/// cfssl commands this build will not have, and why (docs/compat.md):
/// not listed, and refused with the reason.
const NOT_SUPPORTED: &[(&str, &str)] = &[(
    "scan",
    "it grades a TLS server's configuration (protocol versions, cipher suites, curves, session resumption), which is not part of running a CA, and cfssl's scanners depend on its own fork of Go's TLS stack; use a TLS scanner such as testssl.sh or sslyze",
)];

/// Exit status of a successful run, and of `-h`.
pub const EXIT_OK: i32 = 0;
/// Exit status of a missing or unknown command, and of a failed command.
pub const EXIT_FAILURE: i32 = 1;
/// Exit status of a command line Go's `flag` package rejects.
pub const EXIT_USAGE: i32 = 2;

/// The process environment a run sees: standard streams and environment variables, passed in
/// so that tests can run commands in-process.
pub struct Io<'a> {
    /// Standard input (read by commands given `-` as a file name).
    pub stdin: &'a mut dyn Read,
    /// Standard output.
    pub stdout: &'a mut dyn Write,
    /// Standard error: logs, usage texts, error messages.
    pub stderr: &'a mut dyn Write,
    /// Looks up an environment variable (`env:NAME` file arguments, `CFSSL_CA_PK_PASSWORD`).
    pub env: &'a dyn Fn(&str) -> Option<String>,
}

impl fmt::Debug for Io<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Io").finish_non_exhaustive()
    }
}

/// How a command failed; [`run_cfssl`] prints it to stderr and exits with status 1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CmdError {
    /// An error of cfssl's own type (`cfssl/errors.Error`), printed as the JSON object
    /// `{"code":N,"message":"…"}` and a newline.
    Cfssl {
        /// cfssl's code: category × 1000 + reason, e.g. 2400.
        code: u32,
        /// The message, e.g. `RSA key is too weak`.
        message: String,
    },
    /// Any other error, printed as its text and a newline
    /// (e.g. `only one argument is accepted, please check with usage`).
    Plain(String),
    /// The `-config` file could not be loaded; printed as `Failed to load config file: ` and
    /// this text, with no newline.
    ConfigLoad(String),
}

impl fmt::Display for CmdError {
    /// The text cfssl prints for the error, without the trailing newline.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cfssl { code, message } => {
                f.write_str(&cfssl_core::wire::error_json(*code, message))
            }
            Self::Plain(text) => f.write_str(text),
            Self::ConfigLoad(text) => write!(f, "Failed to load config file: {text}"),
        }
    }
}

impl std::error::Error for CmdError {}

impl CmdError {
    /// Exactly what cfssl writes to stderr for this error: the text, plus a newline except for
    /// [`CmdError::ConfigLoad`].
    pub fn stderr_text(&self) -> String {
        match self {
            Self::ConfigLoad(_) => self.to_string(),
            _ => format!("{self}\n"),
        }
    }
}

/// What a command gets besides its flags and positional arguments.
pub struct Ctx<'a, 'b> {
    /// Streams and environment.
    pub io: &'a mut Io<'b>,
    /// The logger, at the level `-loglevel` set.
    pub log: Logger,
}

impl fmt::Debug for Ctx<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ctx")
            .field("io", &self.io)
            .field("log", &self.log)
            .finish()
    }
}

impl Ctx<'_, '_> {
    /// Logs `msg` to stderr at `level`.
    pub fn log_at(&mut self, level: Level, msg: &str) {
        self.log.log(self.io.stderr, level, msg);
    }

    /// Logs `msg` to stderr at DEBUG.
    pub fn debug(&mut self, msg: &str) {
        self.log_at(Level::Debug, msg);
    }

    /// Logs `msg` to stderr at INFO.
    pub fn info(&mut self, msg: &str) {
        self.log_at(Level::Info, msg);
    }

    /// Logs `msg` to stderr at WARNING.
    pub fn warning(&mut self, msg: &str) {
        self.log_at(Level::Warning, msg);
    }

    /// Logs `msg` to stderr at ERROR.
    pub fn error(&mut self, msg: &str) {
        self.log_at(Level::Error, msg);
    }

    /// Logs `msg` to stderr at CRITICAL.
    pub fn critical(&mut self, msg: &str) {
        self.log_at(Level::Critical, msg);
    }

    /// Logs `msg` to stderr at FATAL (the command must then return an error itself).
    pub fn fatal(&mut self, msg: &str) {
        self.log_at(Level::Fatal, msg);
    }
}

/// A command's entry point: the parsed flags, the positional arguments after them, and the
/// context. Mirrors cfssl's `Command.Main`.
pub type CmdFn = fn(&Flags, &[String], &mut Ctx<'_, '_>) -> Result<(), CmdError>;

/// One `cfssl` command. Its usage text and listed flags come from
/// [`flags::command_usage`] by name.
#[derive(Clone, Copy, Debug)]
pub struct Command {
    /// The name typed after `cfssl`, e.g. `gencert`.
    pub name: &'static str,
    /// The implementation.
    pub run: CmdFn,
}

/// The top-level usage (cfssl's `flag.Usage`): `Usage:`, `Available commands:`, one
/// `\tNAME` line per command in table order (cfssl's order is random), and `Top-level flags:`
/// (cfssl defines none, so nothing follows).
pub fn top_usage(commands: &[Command]) -> String {
    let mut out = String::from("Usage:\nAvailable commands:\n");
    for c in commands {
        out.push('\t');
        out.push_str(c.name);
        out.push('\n');
    }
    out.push_str("Top-level flags:\n");
    out
}

/// Runs `cfssl` with `args` — the command-line arguments *after* the program name — against
/// the command table `commands`, and returns the exit status.
///
/// Steps, as cfssl's `cli.Start`:
/// 1. top-level flags: there are none, so `-h`/`-help` prints [`top_usage`] (exit 0) and any
///    other flag is `flag provided but not defined: -X` plus the top usage (exit 2);
/// 2. no command: `No command is given.` plus the top usage (exit 1); a name not in the table:
///    `Command X is not defined.` plus the top usage (exit 1);
/// 3. the command's arguments are parsed against all of [`flags::FLAGS`]: `-h` prints the
///    command's [`flags::usage_text`] (exit 0), an error prints Go's message and that usage
///    (exit 2);
/// 4. the logger gets the `-loglevel` value and the command runs; an error is printed with
///    [`CmdError::stderr_text`] (exit 1).
///
/// Loading `-config` (which cfssl does for every command before running it) is left to the
/// commands, which report failures as [`CmdError::ConfigLoad`].
pub fn run_cfssl(args: &[String], commands: &[Command], io: &mut Io<'_>) -> i32 {
    let status = dispatch(args, commands, io);
    // Like Go, nothing useful can be done about a stream that fails to flush.
    let _ = io.stdout.flush();
    let _ = io.stderr.flush();
    status
}

fn dispatch(args: &[String], commands: &[Command], io: &mut Io<'_>) -> i32 {
    let top = match goflag::parse(&[], args) {
        Ok(parsed) => parsed.args,
        Err(ParseError::Help) => {
            write_stderr(io, &top_usage(commands));
            return EXIT_OK;
        }
        Err(ParseError::Invalid(msg)) => {
            write_stderr(io, &format!("{msg}\n{}", top_usage(commands)));
            return EXIT_USAGE;
        }
    };
    let Some((name, rest)) = top.split_first() else {
        write_stderr(
            io,
            &format!("No command is given.\n{}", top_usage(commands)),
        );
        return EXIT_FAILURE;
    };
    let Some(command) = commands.iter().find(|c| c.name == name.as_str()) else {
        if let Some((_, why)) = NOT_SUPPORTED.iter().find(|(n, _)| *n == name.as_str()) {
            write_stderr(
                io,
                &format!("cfssl {name} is not supported by cfssl-rs: {why}\n"),
            );
            return EXIT_FAILURE;
        }
        write_stderr(
            io,
            &format!("Command {name} is not defined.\n{}", top_usage(commands)),
        );
        return EXIT_FAILURE;
    };
    let (flags, positional) = match flags::parse(rest) {
        Ok(parsed) => parsed,
        Err(ParseError::Help) => {
            write_stderr(io, &flags::usage_text(command.name));
            return EXIT_OK;
        }
        Err(ParseError::Invalid(msg)) => {
            write_stderr(io, &format!("{msg}\n{}", flags::usage_text(command.name)));
            return EXIT_USAGE;
        }
    };
    let log = Logger::new(flags.int(flags::LOGLEVEL));
    let mut ctx = Ctx { io, log };
    match (command.run)(&flags, &positional, &mut ctx) {
        Ok(()) => EXIT_OK,
        Err(e) => {
            write_stderr(ctx.io, &e.stderr_text());
            EXIT_FAILURE
        }
    }
}

/// Writes to stderr, ignoring failures (there is nowhere left to report them).
fn write_stderr(io: &mut Io<'_>, text: &str) {
    let _ = io.stderr.write_all(text.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records what a fake command saw.
    fn record(flags: &Flags, args: &[String], ctx: &mut Ctx<'_, '_>) -> Result<(), CmdError> {
        let line = format!(
            "initca={} port={} loglevel={} args={args:?}\n",
            flags.bool("initca"),
            flags.int("port"),
            ctx.log.level
        );
        ctx.io
            .stdout
            .write_all(line.as_bytes())
            .map_err(|e| CmdError::Plain(e.to_string()))
    }

    fn fail_cfssl(_: &Flags, _: &[String], ctx: &mut Ctx<'_, '_>) -> Result<(), CmdError> {
        ctx.error("failed to process request");
        Err(CmdError::Cfssl {
            code: 2400,
            message: "RSA key is too weak <&>".to_owned(),
        })
    }

    fn fail_plain(_: &Flags, _: &[String], _: &mut Ctx<'_, '_>) -> Result<(), CmdError> {
        Err(CmdError::Plain(
            "only one argument is accepted, please check with usage".to_owned(),
        ))
    }

    fn fail_config(_: &Flags, _: &[String], _: &mut Ctx<'_, '_>) -> Result<(), CmdError> {
        Err(CmdError::ConfigLoad(
            "{\"code\":5200,\"message\":\"invalid configuration\"}".to_owned(),
        ))
    }

    fn read_env(_: &Flags, _: &[String], ctx: &mut Ctx<'_, '_>) -> Result<(), CmdError> {
        let mut input = String::new();
        ctx.io
            .stdin
            .read_to_string(&mut input)
            .map_err(|e| CmdError::Plain(e.to_string()))?;
        let value = (ctx.io.env)("CFSSL_TEST").unwrap_or_default();
        ctx.info("logged at info");
        ctx.debug("logged at debug");
        write!(ctx.io.stdout, "{input}|{value}").map_err(|e| CmdError::Plain(e.to_string()))
    }

    const COMMANDS: &[Command] = &[
        Command {
            name: "gencert",
            run: record,
        },
        Command {
            name: "version",
            run: record,
        },
        Command {
            name: "genkey",
            run: fail_cfssl,
        },
        Command {
            name: "sign",
            run: fail_plain,
        },
        Command {
            name: "info",
            run: fail_config,
        },
        Command {
            name: "selfsign",
            run: read_env,
        },
    ];

    const TOP_USAGE: &str = "Usage:\nAvailable commands:\n\tgencert\n\tversion\n\tgenkey\n\tsign\n\
                             \tinfo\n\tselfsign\nTop-level flags:\n";

    struct Outcome {
        code: i32,
        stdout: String,
        stderr: String,
    }

    fn run_with_stdin(args: &[&str], stdin: &str) -> Outcome {
        let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
        let mut input = stdin.as_bytes();
        let mut stdout = Vec::new();
        let mut stderr = Vec::new();
        let env = |name: &str| (name == "CFSSL_TEST").then(|| "from-env".to_owned());
        let mut io = Io {
            stdin: &mut input,
            stdout: &mut stdout,
            stderr: &mut stderr,
            env: &env,
        };
        let code = run_cfssl(&args, COMMANDS, &mut io);
        Outcome {
            code,
            stdout: String::from_utf8(stdout).expect("utf-8 stdout"),
            stderr: String::from_utf8(stderr).expect("utf-8 stderr"),
        }
    }

    fn run(args: &[&str]) -> Outcome {
        run_with_stdin(args, "")
    }

    /// cfssl 1.6.5's stderr for `cfssl gencert -nosuchflag c.json`, byte for byte (copied from
    /// the recorded golden case `err-unknown-flag`, exit status 2).
    const GOLDEN_UNKNOWN_FLAG: &str =
        include_str!("../../../fixtures/golden/err-unknown-flag/1.stderr");

    #[test]
    fn unknown_flag_prints_message_and_command_usage() {
        let out = run(&["gencert", "-nosuchflag", "c.json"]);
        assert_eq!(out.code, 2);
        assert_eq!(out.stderr, GOLDEN_UNKNOWN_FLAG);
        assert_eq!(out.stdout, "");
    }

    #[test]
    fn other_flag_errors_exit_2() {
        for (args, first_line) in [
            (&["gencert", "-ca"][..], "flag needs an argument: -ca"),
            (
                &["gencert", "-initca=maybe"],
                "invalid boolean value \"maybe\" for -initca: parse error",
            ),
            (
                &["gencert", "-loglevel", "abc"],
                "invalid value \"abc\" for flag -loglevel: parse error",
            ),
            (
                &["version", "-interval", "5d"],
                "invalid value \"5d\" for flag -interval: parse error",
            ),
            (&["gencert", "---x"], "bad flag syntax: ---x"),
        ] {
            let out = run(args);
            assert_eq!(out.code, 2, "{args:?}");
            let (line, usage) = out.stderr.split_once('\n').expect("two parts");
            assert_eq!(line, first_line);
            assert_eq!(usage, flags::usage_text(args[0]));
        }
    }

    #[test]
    fn no_command() {
        let out = run(&[]);
        assert_eq!(out.code, 1);
        assert_eq!(out.stderr, format!("No command is given.\n{TOP_USAGE}"));
        // "--" alone is consumed by the top-level parse.
        assert_eq!(run(&["--"]).stderr, out.stderr);
    }

    #[test]
    fn scan_is_refused_with_its_reason() {
        let out = run(&["scan", "example.com:443"]);
        assert_eq!(out.code, EXIT_FAILURE);
        assert!(
            out.stderr.starts_with(
                "cfssl scan is not supported by cfssl-rs: it grades a TLS server's configuration"
            ),
            "{}",
            out.stderr
        );
        assert!(!TOP_USAGE.contains("\tscan\n"));
    }

    #[test]
    fn unknown_command() {
        let out = run(&["frobnicate"]);
        assert_eq!(out.code, 1);
        assert_eq!(
            out.stderr,
            format!("Command frobnicate is not defined.\n{TOP_USAGE}")
        );
        assert_eq!(run(&["help"]).code, 1);
        assert_eq!(
            run(&["-", "x"]).stderr,
            format!("Command - is not defined.\n{TOP_USAGE}")
        );
    }

    #[test]
    fn top_level_has_no_flags() {
        let out = run(&["-loglevel", "3", "gencert"]);
        assert_eq!(out.code, 2);
        assert_eq!(
            out.stderr,
            format!("flag provided but not defined: -loglevel\n{TOP_USAGE}")
        );
        let out = run(&["-h"]);
        assert_eq!((out.code, out.stderr.as_str()), (0, TOP_USAGE));
        assert_eq!(run(&["--help", "gencert"]).code, 0);
        let out = run(&["--", "version"]);
        assert_eq!(out.code, 0);
        assert_eq!(out.stdout, "initca=false port=8888 loglevel=1 args=[]\n");
    }

    #[test]
    fn command_help_exits_0() {
        for help in ["-h", "-help", "--help", "--h"] {
            let out = run(&["gencert", help]);
            assert_eq!(out.code, 0, "{help}");
            assert_eq!(out.stderr, flags::usage_text("gencert"));
            assert_eq!(out.stdout, "");
        }
        // After a positional, -h is an argument of the command.
        let out = run(&["gencert", "c.json", "-h"]);
        assert_eq!(out.code, 0);
        assert_eq!(
            out.stdout,
            "initca=false port=8888 loglevel=1 args=[\"c.json\", \"-h\"]\n"
        );
    }

    #[test]
    fn any_flag_is_accepted_by_any_command() {
        let out = run(&["version", "-initca", "-port", "5"]);
        assert_eq!(out.code, 0);
        assert_eq!(out.stderr, "");
        assert_eq!(out.stdout, "initca=true port=5 loglevel=1 args=[]\n");
    }

    #[test]
    fn flags_stop_at_first_positional() {
        let out = run(&["gencert", "c.json", "-initca"]);
        assert_eq!(
            out.stdout,
            "initca=false port=8888 loglevel=1 args=[\"c.json\", \"-initca\"]\n"
        );
        let out = run(&["gencert", "-initca", "false", "--loglevel=4"]);
        assert_eq!(
            out.stdout,
            "initca=true port=8888 loglevel=1 args=[\"false\", \"--loglevel=4\"]\n"
        );
    }

    #[test]
    fn loglevel_reaches_the_command() {
        let out = run(&["gencert", "--loglevel=0x3"]);
        assert_eq!(out.stdout, "initca=false port=8888 loglevel=3 args=[]\n");
    }

    #[test]
    fn cfssl_error_is_json_with_newline() {
        let out = run(&["genkey", "-loglevel", "3"]);
        assert_eq!(out.code, 1);
        let (log_line, error) = out.stderr.split_once('\n').expect("log line then error");
        assert!(
            log_line.ends_with(" [ERROR] failed to process request"),
            "{log_line}"
        );
        assert_eq!(
            error,
            "{\"code\":2400,\"message\":\"RSA key is too weak \\u003c\\u0026\\u003e\"}\n"
        );
        // Above ERROR, the log line is dropped.
        let out = run(&["genkey", "-loglevel", "4"]);
        assert_eq!(
            out.stderr,
            "{\"code\":2400,\"message\":\"RSA key is too weak \\u003c\\u0026\\u003e\"}\n"
        );
    }

    #[test]
    fn plain_error_is_text_with_newline() {
        let out = run(&["sign", "a", "b", "c"]);
        assert_eq!(out.code, 1);
        assert_eq!(
            out.stderr,
            "only one argument is accepted, please check with usage\n"
        );
    }

    #[test]
    fn config_load_error_has_no_newline() {
        let out = run(&["info", "-config", "bad.json"]);
        assert_eq!(out.code, 1);
        assert_eq!(
            out.stderr,
            "Failed to load config file: {\"code\":5200,\"message\":\"invalid configuration\"}"
        );
    }

    #[test]
    fn commands_see_stdin_env_and_logger() {
        let out = run_with_stdin(&["selfsign"], "from-stdin");
        assert_eq!(out.code, 0);
        assert_eq!(out.stdout, "from-stdin|from-env");
        assert!(
            out.stderr.ends_with(" [INFO] logged at info\n"),
            "{}",
            out.stderr
        );
        assert_eq!(out.stderr.lines().count(), 1);
        let out = run_with_stdin(&["selfsign", "-loglevel=0"], "");
        assert_eq!(out.stderr.lines().count(), 2);
    }

    #[test]
    fn error_texts() {
        let e = CmdError::Cfssl {
            code: 1000,
            message: "x509: \"q\"\\\n\t\r\u{1}\u{8}\u{c}\u{2028}\u{2029}/é".to_owned(),
        };
        assert_eq!(
            e.to_string(),
            "{\"code\":1000,\"message\":\"x509: \\\"q\\\"\\\\\\n\\t\\r\\u0001\\u0008\\u000c\
             \\u2028\\u2029/é\"}"
        );
        assert_eq!(CmdError::Plain("p".to_owned()).stderr_text(), "p\n");
        assert_eq!(
            CmdError::ConfigLoad("e".to_owned()).stderr_text(),
            "Failed to load config file: e"
        );
    }

    #[test]
    fn top_usage_lists_table_order() {
        assert_eq!(top_usage(COMMANDS), TOP_USAGE);
        assert_eq!(
            top_usage(&[]),
            "Usage:\nAvailable commands:\nTop-level flags:\n"
        );
    }
}
