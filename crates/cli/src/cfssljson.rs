//! `cfssljson`: split the JSON that cfssl prints into files. Mirrors `cmd/cfssljson` of cfssl 1.6.5
//! (spec `cfssl-cli.md` §6).
//!
//! Flags follow Go's `flag` package: `-bare`, `-f FILE` (default `-`, standard input), `-stdout`,
//! `-version`, `-h`/`-help`; the first positional argument is the base name of the files (default
//! `cert`). Without `-bare` the input is cfssl's API envelope
//! (`{"success":…,"result":{…},"errors":[…],"messages":[…]}`) and `result` is used; with `-bare` the
//! input is the object itself. Recognised keys, in write order:
//!
//! | key (first present wins)                   | file                                  | mode      |
//! |--------------------------------------------|---------------------------------------|-----------|
//! | `cert`, else `certificate` (skipped if "") | `NAME.pem`                            | 0664      |
//! | `key`, else `private_key` (skipped if "")  | `NAME-key.pem`                        | 0600      |
//! | `encrypted_key`                            | `NAME-key.enc`                        | 0600      |
//! | `csr`, else `certificate_request`          | `NAME.csr`                            | 0644      |
//! | `result.bundle.bundle` + `.root`           | `NAME-bundle.pem`, `NAME-root.pem`    | 0644      |
//! | `ocspResponse` (base64, decoded)           | `NAME-response.der`                   | 0644      |
//!
//! With `-stdout` nothing is written; each content is printed followed by a newline, binary ones
//! (`encrypted_key`, `ocspResponse`) base64-encoded. Error texts are cfssl's, including Go's
//! `encoding/json`, `encoding/base64` and `os` error wording, which this module reproduces.
//!
//! # Deliberate divergences from cfssl 1.6.5
//!
//! 1. **A recognised key whose value is not a string** (number, boolean, null, object, array):
//!    cfssl panics (`interface conversion: interface {} is float64, not string`, exit 2). We print
//!    `Failed to parse input: "cert" must be a string, found number` (naming the key cfssl would
//!    have read), exit 1, and write nothing. Reason: a panic trace is not an error message, and
//!    the exit status should say "bad input" like every other input error.
//! 2. **All or nothing, and atomic.** Every output is validated and prepared before anything is
//!    written: each file is first written (and synced) to a temporary file in its target's
//!    directory, and only when all of them are ready are they renamed into place, in cfssl's write
//!    order. A failure never leaves a truncated or half-written file, and a missing directory
//!    writes nothing: cfssl writes the earlier files and then fails with
//!    `open nodir/x.pem: no such file or directory`; we print that same text, exit 1, and leave
//!    the directory as it was. Reason: a half-replaced set (new certificate, old key) breaks TLS
//!    in ways that are hard to diagnose. Consequences of replacing by rename: a file that existed
//!    is a new inode (hard links to the old file keep the old content; owner becomes the user
//!    running cfssljson). Symbolic links are followed, as cfssl's `open` would, and the file they
//!    point to is replaced. Two cases cannot be replaced by rename and are written in place as
//!    cfssl does (after every other output has been prepared): an existing special file (FIFO,
//!    device), and an existing writable file in a directory where no new file can be created.
//!    If renaming fails midway (the directory changed under us), the files already renamed stay.
//! 3. **Key files are always left with mode 0600** (`NAME-key.pem`, `NAME-key.enc`). They are
//!    created with that mode from the start (never wider and then narrowed), and set to exactly
//!    0600 even when the file existed before with a wider mode (cfssl keeps the old mode, so a
//!    0644 key file stays world-readable) or when the umask would have removed owner bits. Reason:
//!    a private key readable by others is a security problem, not a compatibility feature. Other
//!    files behave as in cfssl: a new file gets 0664 (`.pem`) or 0644 minus the process umask; a
//!    file that existed keeps its mode.
//! 4. **Output errors are reported.** cfssl ignores errors writing to standard output (and dies
//!    from SIGPIPE on a closed pipe); we print `write /dev/stdout: <error>` and exit 1. Reason: a
//!    silently truncated `-stdout` output looks like success.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use cfssl_core::key::Zeroizing;
use json::{Map, Value};

/// What `cfssljson` reads from and writes to: the process's standard streams and working
/// directory, or stand-ins for them in tests.
pub struct CfssljsonIo<'a> {
    /// Input when `-f` is `-` (the default).
    pub stdin: &'a mut dyn Read,
    /// Receives the `-stdout` output and the `-version` text.
    pub stdout: &'a mut dyn Write,
    /// Receives error messages and the usage text.
    pub stderr: &'a mut dyn Write,
    /// Directory that relative file names (the `-f` input, the output base name) are resolved
    /// against. Messages show the names as given.
    pub cwd: &'a Path,
}

impl fmt::Debug for CfssljsonIo<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CfssljsonIo")
            .field("cwd", &self.cwd)
            .finish_non_exhaustive()
    }
}

/// Runs `cfssljson` with `args` (without the program name) and returns the process exit status:
/// 0 on success (and for `-h`), 1 on any input or output error, 2 on a command-line error.
/// Mirrors cfssl's `cmd/cfssljson/cfssljson.go` `main`; see the module documentation for the
/// behaviour and the deliberate divergences.
pub fn run_cfssljson(args: &[String], io: &mut CfssljsonIo<'_>) -> i32 {
    let opts = match flags::parse(args) {
        Ok(opts) => opts,
        Err(flags::Stop::Help) => {
            // Go's flag package prints the usage to standard error and exits 0 for -h.
            let _ = io.stderr.write_all(flags::usage().as_bytes());
            let _ = io.stderr.flush();
            return 0;
        }
        Err(flags::Stop::Error(msg)) => {
            let _ = write!(io.stderr, "{msg}\n{}", flags::usage());
            let _ = io.stderr.flush();
            return 2;
        }
    };
    let outcome = if opts.version {
        // cfssl prints version.FormatVersion(): "Version: …\nRuntime: <go version>\n".
        let text = crate::version_text();
        print_stdout(io, text.as_bytes())
    } else {
        run(&opts, io)
    };
    match outcome {
        Ok(()) => 0,
        Err(Fatal(text)) => {
            let _ = io.stderr.write_all(text.as_bytes());
            let _ = io.stderr.flush();
            1
        }
    }
}

/// A failure: the complete text for standard error (exit status 1).
#[derive(Debug)]
struct Fatal(String);

/// Builds a [`Fatal`] from a one-line message.
fn fatal(msg: impl fmt::Display) -> Fatal {
    Fatal(format!("{msg}\n"))
}

/// One file cfssljson writes (or prints with `-stdout`).
#[derive(Debug)]
struct Output {
    /// File name as it appears in messages: base name plus suffix.
    name: String,
    contents: Vec<u8>,
    /// Printed base64-encoded with `-stdout`.
    binary: bool,
    /// cfssl's creation mode (before the umask).
    mode: u32,
    /// A private key file: always left with mode 0600 (divergence 3).
    secret: bool,
}

impl Drop for Output {
    /// A private key's bytes are wiped when no longer needed.
    fn drop(&mut self) {
        if self.secret {
            drop(Zeroizing::new(std::mem::take(&mut self.contents)));
        }
    }
}

fn run(opts: &flags::Options, io: &mut CfssljsonIo<'_>) -> Result<(), Fatal> {
    // The input holds the private key: wiped once done with.
    let data = Zeroizing::new(read_input(&opts.input, io)?);
    let doc = json::parse(&data).map_err(|e| fatal(format_args!("Failed to parse input: {e}")))?;
    let input = if opts.bare {
        decode::bare(&doc)
    } else {
        decode::envelope(&doc).and_then(|response| {
            if response.success {
                Ok(response.result.unwrap_or_default())
            } else {
                let mut text = String::from("Request failed:\n");
                for message in response.errors.messages() {
                    text.push('\t');
                    text.push_str(message);
                    text.push('\n');
                }
                Err(Fatal(text))
            }
        })
    }?;
    let outputs = collect_outputs(&input, &opts.base_name)?;
    if opts.stdout {
        let mut text = Vec::new();
        for out in &outputs {
            if out.binary {
                text.extend_from_slice(cfssl_core::go::base64::encode(&out.contents).as_bytes());
            } else {
                text.extend_from_slice(&out.contents);
            }
            text.push(b'\n');
        }
        print_stdout(io, &text)
    } else {
        files::write_all(io.cwd, &outputs).map_err(fatal)
    }
}

fn print_stdout(io: &mut CfssljsonIo<'_>, text: &[u8]) -> Result<(), Fatal> {
    io.stdout
        .write_all(text)
        .and_then(|()| io.stdout.flush())
        .map_err(|e| fatal(format_args!("write /dev/stdout: {}", go_error(&e))))
}

/// Reads the whole input: standard input for `-`, else the named file (Go's `os.ReadFile`).
fn read_input(name: &str, io: &mut CfssljsonIo<'_>) -> Result<Vec<u8>, Fatal> {
    let mut data = Vec::new();
    if name == "-" {
        io.stdin.read_to_end(&mut data).map_err(|e| {
            fatal(format_args!(
                "Failed to read input: read /dev/stdin: {}",
                go_error(&e)
            ))
        })?;
        return Ok(data);
    }
    if name.is_empty() {
        // Go opens "" and fails; joining "" to the directory would open the directory instead.
        return Err(fatal(
            "Failed to read input: open : no such file or directory",
        ));
    }
    // A key pasted in place of the file name is not echoed.
    let shown = crate::cmd::shown_name(name);
    let mut file = File::open(io.cwd.join(name)).map_err(|e| {
        fatal(format_args!(
            "Failed to read input: open {shown}: {}",
            go_error(&e)
        ))
    })?;
    file.read_to_end(&mut data).map_err(|e| {
        fatal(format_args!(
            "Failed to read input: read {shown}: {}",
            go_error(&e)
        ))
    })?;
    Ok(data)
}

/// Picks the recognised keys out of `input`, in cfssl's order, checking everything before
/// anything is written.
fn collect_outputs(input: &Map<'_>, base: &str) -> Result<Vec<Output>, Fatal> {
    let mut outs = Vec::new();
    let mut push = |suffix: &str, contents: Vec<u8>, binary: bool, mode: u32, secret: bool| {
        outs.push(Output {
            name: format!("{base}{suffix}"),
            contents,
            binary,
            mode,
            secret,
        });
    };

    if let Some(cert) = string_value(input, "cert", "certificate")?
        && !cert.is_empty()
    {
        push(".pem", cert.as_bytes().to_vec(), false, 0o664, false);
    }
    if let Some(key) = string_value(input, "key", "private_key")?
        && !key.is_empty()
    {
        push("-key.pem", key.as_bytes().to_vec(), false, 0o600, true);
    }
    if let Some(enc) = input.get("encrypted_key") {
        // Written even when empty, and verbatim (not base64-decoded), as cfssl does.
        let enc = expect_string("encrypted_key", enc)?;
        push("-key.enc", enc.as_bytes().to_vec(), true, 0o600, true);
    }
    if let Some(csr) = string_value(input, "csr", "certificate_request")?
        && !csr.is_empty()
    {
        push(".csr", csr.as_bytes().to_vec(), false, 0o644, false);
    }
    // Only an object under "result" holding an object under "bundle" is looked at (cfssl's
    // checked type assertions); from there on both strings are required.
    if let Some(Value::Object(result)) = input.get("result")
        && let Some(Value::Object(bundle)) = Map::of(result).get("bundle")
    {
        let bundle = Map::of(bundle);
        let Some(Value::String(chain)) = bundle.get("bundle") else {
            return Err(fatal("inner bundle parsing failed!"));
        };
        let Some(Value::String(root)) = bundle.get("root") else {
            return Err(fatal("root parsing failed!"));
        };
        let chain = format!("{chain}\n{root}");
        push("-bundle.pem", chain.into_bytes(), false, 0o644, false);
        push("-root.pem", root.as_bytes().to_vec(), false, 0o644, false);
    }
    if let Some(resp) = input.get("ocspResponse") {
        let resp = expect_string("ocspResponse", resp)?;
        let der = cfssl_core::go::base64::decode(resp.as_bytes()).map_err(
            |cfssl_core::go::base64::CorruptInput(offset)| {
                fatal(format_args!(
                    "Failed to parse ocspResponse: illegal base64 data at input byte {offset}"
                ))
            },
        )?;
        push("-response.der", der, true, 0o644, false);
    }
    Ok(outs)
}

/// The string under `key`, else under `fallback` (cfssl consults `fallback` only when `key` is
/// absent, even when `key` holds "").
fn string_value<'v>(input: &Map<'v>, key: &str, fallback: &str) -> Result<Option<&'v str>, Fatal> {
    match (input.get(key), input.get(fallback)) {
        (Some(value), _) => expect_string(key, value).map(Some),
        (None, Some(value)) => expect_string(fallback, value).map(Some),
        (None, None) => Ok(None),
    }
}

/// Divergence 1: cfssl panics on a non-string value; we name the key and what was found.
fn expect_string<'v>(key: &str, value: &'v Value) -> Result<&'v str, Fatal> {
    match value {
        Value::String(s) => Ok(s),
        other => Err(fatal(format_args!(
            "Failed to parse input: \"{key}\" must be a string, found {}",
            json::json_kind(other)
        ))),
    }
}

/// Formats an I/O error the way Go's `syscall.Errno` prints: the C library's message with a
/// lowercase first letter and no "(os error N)" suffix.
fn go_error(err: &io::Error) -> String {
    if err.raw_os_error().is_some() {
        cfssl_core::go::os::errno_text(err)
    } else {
        err.to_string()
    }
}

/// cfssljson's four flags, read with the CLI's Go `flag` parser ([`crate::goflag`]).
mod flags {
    use crate::goflag::{self, DefValue, FlagDef, ParseError};

    /// cfssljson's flags, as `cmd/cfssljson` defines them.
    const DEFS: &[FlagDef] = &[
        FlagDef {
            name: "bare",
            default: DefValue::Bool(false),
            usage: "the response from CFSSL is not wrapped in the API standard response",
        },
        FlagDef {
            name: "f",
            default: DefValue::String("-"),
            usage: "JSON input",
        },
        FlagDef {
            name: "stdout",
            default: DefValue::Bool(false),
            usage: "output the response instead of saving to a file",
        },
        FlagDef {
            name: "version",
            default: DefValue::Bool(false),
            usage: "print version and exit",
        },
    ];

    /// Go's default usage text (`flag.PrintDefaults`), with the program name cfssl's users see.
    pub(super) fn usage() -> String {
        format!("Usage of cfssljson:\n{}", goflag::print_defaults(DEFS))
    }

    /// The parsed command line.
    #[derive(Debug, PartialEq, Eq)]
    pub(super) struct Options {
        pub(super) bare: bool,
        pub(super) input: String,
        pub(super) stdout: bool,
        pub(super) version: bool,
        pub(super) base_name: String,
    }

    /// Why parsing stopped without options.
    #[derive(Debug, PartialEq, Eq)]
    pub(super) enum Stop {
        /// `-h` or `-help`: print the usage, exit 0.
        Help,
        /// A bad command line: print the message and the usage, exit 2.
        Error(String),
    }

    /// Parses `args` with Go's `flag.Parse` rules ([`goflag::parse`]); the first remaining
    /// argument is the base name (default `cert`).
    pub(super) fn parse(args: &[String]) -> Result<Options, Stop> {
        let parsed = goflag::parse(DEFS, args).map_err(|e| match e {
            ParseError::Help => Stop::Help,
            ParseError::Invalid(message) => Stop::Error(message),
        })?;
        let v = &parsed.values;
        Ok(Options {
            bare: v.bool("bare").unwrap_or(false),
            input: v.string("f").unwrap_or("-").to_owned(),
            stdout: v.bool("stdout").unwrap_or(false),
            version: v.bool("version").unwrap_or(false),
            base_name: parsed
                .args
                .first()
                .cloned()
                .unwrap_or_else(|| "cert".to_owned()),
        })
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn parse_strs(args: &[&str]) -> Result<Options, Stop> {
            let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
            parse(&args)
        }

        fn err(msg: &str) -> Result<Options, Stop> {
            Err(Stop::Error(msg.to_owned()))
        }

        #[test]
        fn usage_is_go_print_defaults() {
            assert_eq!(
                usage(),
                "Usage of cfssljson:
  -bare
    \tthe response from CFSSL is not wrapped in the API standard response
  -f string
    \tJSON input (default \"-\")
  -stdout
    \toutput the response instead of saving to a file
  -version
    \tprint version and exit
"
            );
        }

        #[test]
        fn defaults() {
            let opts = parse_strs(&[]).expect("no args parse");
            assert_eq!(
                opts,
                Options {
                    bare: false,
                    input: "-".into(),
                    stdout: false,
                    version: false,
                    base_name: "cert".into()
                }
            );
        }

        #[test]
        fn go_flag_syntax() {
            let opts = parse_strs(&["--bare", "-f=in.json", "-stdout=true", "name", "extra"])
                .expect("valid");
            assert!(opts.bare && opts.stdout && !opts.version);
            assert_eq!(
                (opts.input.as_str(), opts.base_name.as_str()),
                ("in.json", "name")
            );

            let opts = parse_strs(&["-f", "-bare", "x"]).expect("valid");
            assert_eq!(
                opts.input, "-bare",
                "a string flag takes the next argument whatever it is"
            );
            assert!(!opts.bare);

            let opts = parse_strs(&["-bare=false", "-bare", "-bare=F"]).expect("valid");
            assert!(!opts.bare, "last setting wins");

            let opts = parse_strs(&["x", "-bare"]).expect("valid");
            assert!(!opts.bare, "parsing stops at the first non-flag");
            assert_eq!(opts.base_name, "x");

            let opts = parse_strs(&["-", "-bare"]).expect("valid");
            assert_eq!(opts.base_name, "-", "a lone dash is a positional argument");

            let opts = parse_strs(&["-bare", "--", "-x"]).expect("valid");
            assert_eq!(opts.base_name, "-x", "-- ends the flags");

            let opts = parse_strs(&["-bare", "--"]).expect("valid");
            assert_eq!(opts.base_name, "cert");

            let opts = parse_strs(&["", "-bare"]).expect("valid");
            assert_eq!(opts.base_name, "");
        }

        #[test]
        fn help_and_errors() {
            for help in ["-h", "-help", "--help", "--h", "-h=1"] {
                assert_eq!(parse_strs(&[help]), Err(Stop::Help), "{help}");
            }
            assert_eq!(
                parse_strs(&["-x"]),
                err("flag provided but not defined: -x")
            );
            assert_eq!(
                parse_strs(&["--loglevel=3"]),
                err("flag provided but not defined: -loglevel")
            );
            assert_eq!(parse_strs(&["-f"]), err("flag needs an argument: -f"));
            assert_eq!(
                parse_strs(&["-bare=maybe"]),
                err("invalid boolean value \"maybe\" for -bare: parse error")
            );
            assert_eq!(
                parse_strs(&["-stdout="]),
                err("invalid boolean value \"\" for -stdout: parse error")
            );
            assert_eq!(
                parse_strs(&["-version=\"x\"\n"]),
                err("invalid boolean value \"\\\"x\\\"\\n\" for -version: parse error")
            );
            assert_eq!(parse_strs(&["---x"]), err("bad flag syntax: ---x"));
            assert_eq!(parse_strs(&["-=x"]), err("bad flag syntax: -=x"));
            assert_eq!(parse_strs(&["--=x"]), err("bad flag syntax: --=x"));
            // Errors stop parsing before later flags are looked at.
            assert_eq!(
                parse_strs(&["-y", "-h"]),
                err("flag provided but not defined: -y")
            );
        }
    }
}

/// cfssljson's input is read with the project's one JSON reader
/// ([`cfssl_core::go::json`]), which has Go's syntax errors and string
/// decoding; this module adds the views cfssljson's decoding needs.
mod json {
    pub(super) use cfssl_core::go::json::Value;

    /// Parses a whole document; the error is Go's `SyntaxError` text.
    pub(super) fn parse(data: &[u8]) -> Result<Value, String> {
        cfssl_core::go::json::parse(data).map_err(|e| e.message().to_string())
    }

    /// The kind in JSON's own words, for our messages.
    pub(super) fn json_kind(v: &Value) -> &'static str {
        match v {
            Value::Bool(_) => "boolean",
            other => other.go_kind(),
        }
    }

    /// A decoded object as Go's `map[string]interface{}` sees it: the last duplicate wins.
    #[derive(Debug, Default)]
    pub(super) struct Map<'v> {
        members: Vec<(&'v str, &'v Value)>,
    }

    impl<'v> Map<'v> {
        pub(super) fn of(members: &'v [(String, Value)]) -> Self {
            let mut map = Self::default();
            map.extend(members);
            map
        }

        /// Adds members; later ones shadow earlier ones with the same key.
        pub(super) fn extend(&mut self, members: &'v [(String, Value)]) {
            self.members
                .extend(members.iter().map(|(k, v)| (k.as_str(), v)));
        }

        pub(super) fn get(&self, key: &str) -> Option<&'v Value> {
            self.members
                .iter()
                .rev()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| *v)
        }
    }
}

/// Go's `json.Unmarshal` into cfssljson's two targets: `map[string]interface{}` (`-bare`) and
/// `main.Response` (the API envelope), with Go's type-error texts (first error in document order)
/// and Go's merging rules for repeated keys.
mod decode {
    use super::json::{Map, Value};
    use super::{Fatal, fatal};

    /// Go's `UnmarshalTypeError.Error()`.
    fn type_error(value: &str, context: Option<(&str, &str)>, ty: &str) -> String {
        match context {
            Some((strukt, field)) => format!(
                "json: cannot unmarshal {value} into Go struct field {strukt}.{field} of type {ty}"
            ),
            None => format!("json: cannot unmarshal {value} into Go value of type {ty}"),
        }
    }

    fn parse_failure(err: &str) -> Fatal {
        fatal(format_args!("Failed to parse input: {err}"))
    }

    /// `-bare`: the input must be an object or `null`.
    pub(super) fn bare(doc: &Value) -> Result<Map<'_>, Fatal> {
        match doc {
            Value::Null => Ok(Map::default()),
            Value::Object(members) => {
                if let Some(number) = members.iter().find_map(|(_, v)| v.float_overflow()) {
                    let number = format!("number {number}");
                    return Err(parse_failure(&type_error(&number, None, "float64")));
                }
                Ok(Map::of(members))
            }
            other => Err(parse_failure(&type_error(
                other.go_kind(),
                None,
                "map[string]interface {}",
            ))),
        }
    }

    /// cfssl's `ResponseMessage` (the code is read from the key "int", as cfssl's tag says).
    #[derive(Debug, Clone, Default)]
    struct Message {
        code: i64,
        message: String,
    }

    /// A Go slice: stale elements past the length survive until the backing array is
    /// reallocated, which matters only when the same key appears twice.
    #[derive(Debug, Default)]
    pub(super) struct Messages {
        backing: Vec<Message>,
        len: usize,
    }

    impl Messages {
        pub(super) fn messages(&self) -> impl Iterator<Item = &str> {
            self.backing
                .iter()
                .take(self.len)
                .map(|m| m.message.as_str())
        }
    }

    /// cfssl's `Response`.
    #[derive(Debug, Default)]
    pub(super) struct Response<'v> {
        pub(super) success: bool,
        /// `None` is Go's nil map.
        pub(super) result: Option<Map<'v>>,
        pub(super) errors: Messages,
        messages: Messages,
    }

    use cfssl_core::go::json::field_matches;

    #[derive(Default)]
    struct Decoder {
        first_error: Option<String>,
    }

    impl Decoder {
        fn save(&mut self, err: String) {
            self.first_error.get_or_insert(err);
        }

        fn response<'v>(&mut self, members: &'v [(String, Value)], r: &mut Response<'v>) {
            const FIELDS: [&str; 4] = ["success", "result", "errors", "messages"];
            for (key, value) in members {
                let field = FIELDS
                    .iter()
                    .find(|f| *f == key)
                    .or_else(|| FIELDS.iter().find(|f| field_matches(key, f)));
                let ctx = |field| Some(("Response", field));
                match field.copied() {
                    Some("success") => match value {
                        Value::Bool(b) => r.success = *b,
                        Value::Null => {}
                        other => self.save(type_error(other.go_kind(), ctx("success"), "bool")),
                    },
                    Some("result") => match value {
                        Value::Object(inner) => {
                            if let Some(number) = inner.iter().find_map(|(_, v)| v.float_overflow())
                            {
                                let number = format!("number {number}");
                                self.save(type_error(&number, ctx("result"), "float64"));
                            }
                            // Go decodes into the existing map: a repeated "result" merges.
                            r.result.get_or_insert_with(Map::default).extend(inner);
                        }
                        Value::Null => r.result = None,
                        other => self.save(type_error(
                            other.go_kind(),
                            ctx("result"),
                            "map[string]interface {}",
                        )),
                    },
                    Some("errors") => self.slice(&mut r.errors, "errors", value),
                    Some("messages") => self.slice(&mut r.messages, "messages", value),
                    _ => {}
                }
            }
        }

        /// Go 1.19's `decodeState.array` into a `[]ResponseMessage`.
        fn slice(&mut self, slice: &mut Messages, field: &str, value: &Value) {
            let items = match value {
                Value::Array(items) => items,
                Value::Null => {
                    *slice = Messages::default();
                    return;
                }
                other => {
                    self.save(type_error(
                        other.go_kind(),
                        Some(("Response", field)),
                        "[]main.ResponseMessage",
                    ));
                    return;
                }
            };
            for (i, item) in items.iter().enumerate() {
                if i >= slice.backing.len() {
                    let cap = slice.backing.len();
                    slice.backing.truncate(slice.len);
                    slice
                        .backing
                        .resize((cap + cap / 2).max(4), Message::default());
                }
                if i >= slice.len {
                    slice.len = i + 1;
                }
                if let Some(message) = slice.backing.get_mut(i) {
                    self.message(message, field, item);
                }
            }
            slice.len = slice.len.min(items.len());
            if items.is_empty() {
                *slice = Messages::default();
            }
        }

        fn message(&mut self, message: &mut Message, field: &str, value: &Value) {
            let members = match value {
                Value::Object(members) => members,
                Value::Null => return,
                other => {
                    self.save(type_error(
                        other.go_kind(),
                        Some(("Response", field)),
                        "main.ResponseMessage",
                    ));
                    return;
                }
            };
            for (key, value) in members {
                let path;
                if field_matches(key, "int") {
                    path = format!("{field}.int");
                    let ctx = Some(("ResponseMessage", path.as_str()));
                    match value {
                        Value::Number(text) => match text.parse::<i64>() {
                            Ok(code) => message.code = code,
                            Err(_) => self.save(type_error(&format!("number {text}"), ctx, "int")),
                        },
                        Value::Null => {}
                        other => self.save(type_error(other.go_kind(), ctx, "int")),
                    }
                } else if field_matches(key, "message") {
                    path = format!("{field}.message");
                    let ctx = Some(("ResponseMessage", path.as_str()));
                    match value {
                        Value::String(text) => message.message.clone_from(text),
                        Value::Null => {}
                        other => self.save(type_error(other.go_kind(), ctx, "string")),
                    }
                }
            }
        }
    }

    /// Without `-bare`: cfssl's API envelope.
    pub(super) fn envelope(doc: &Value) -> Result<Response<'_>, Fatal> {
        let mut response = Response::default();
        let mut decoder = Decoder::default();
        match doc {
            Value::Null => {}
            Value::Object(members) => decoder.response(members, &mut response),
            other => decoder.save(type_error(other.go_kind(), None, "main.Response")),
        }
        match decoder.first_error {
            Some(err) => Err(parse_failure(&err)),
            None => Ok(response),
        }
    }

    #[cfg(test)]
    mod tests {
        use super::super::json::parse;
        use super::*;

        fn envelope_err(input: &str) -> String {
            let doc = parse(input.as_bytes()).expect("valid JSON");
            match envelope(&doc) {
                Err(Fatal(text)) => text,
                Ok(r) => panic!("decoded: {r:?}"),
            }
        }

        fn envelope_errors(input: &str) -> (bool, Vec<String>) {
            let doc = parse(input.as_bytes()).expect("valid JSON");
            let r = envelope(&doc).expect("decodes");
            (r.success, r.errors.messages().map(str::to_owned).collect())
        }

        #[test]
        fn envelope_type_errors() {
            let p = "Failed to parse input: json: cannot unmarshal";
            let cases: &[(&str, &str)] = &[
                ("[]", "array into Go value of type main.Response"),
                ("\"x\"", "string into Go value of type main.Response"),
                ("1", "number into Go value of type main.Response"),
                ("true", "bool into Go value of type main.Response"),
                (
                    r#"{"success":"yes"}"#,
                    "string into Go struct field Response.success of type bool",
                ),
                (
                    r#"{"success":1}"#,
                    "number into Go struct field Response.success of type bool",
                ),
                (
                    r#"{"SUCCESS":{}}"#,
                    "object into Go struct field Response.success of type bool",
                ),
                (
                    r#"{"result":[]}"#,
                    "array into Go struct field Response.result of type map[string]interface {}",
                ),
                (
                    r#"{"errors":{}}"#,
                    "object into Go struct field Response.errors of type []main.ResponseMessage",
                ),
                (
                    r#"{"messages":"m"}"#,
                    "string into Go struct field Response.messages of type []main.ResponseMessage",
                ),
                (
                    r#"{"errors":[1]}"#,
                    "number into Go struct field Response.errors of type main.ResponseMessage",
                ),
                (
                    r#"{"errors":[{"message":5}]}"#,
                    "number into Go struct field ResponseMessage.errors.message of type string",
                ),
                (
                    r#"{"errors":[{"int":1.5}]}"#,
                    "number 1.5 into Go struct field ResponseMessage.errors.int of type int",
                ),
                (
                    r#"{"errors":[{"INT":"5"}]}"#,
                    "string into Go struct field ResponseMessage.errors.int of type int",
                ),
                (
                    r#"{"success":true,"result":{"a":[1e400]}}"#,
                    "number 1e400 into Go struct field Response.result of type float64",
                ),
                // The first error in document order wins; decoding goes on after it.
                (
                    r#"{"errors":true,"success":"x"}"#,
                    "bool into Go struct field Response.errors of type []main.ResponseMessage",
                ),
            ];
            for (input, want) in cases {
                assert_eq!(
                    envelope_err(input),
                    format!("{p} {want}\n"),
                    "input {input}"
                );
            }
        }

        #[test]
        fn envelope_decoding_rules() {
            assert_eq!(envelope_errors("null"), (false, vec![]));
            assert_eq!(envelope_errors(r#"{"cert":"x"}"#), (false, vec![]));
            assert_eq!(
                envelope_errors(r#"{"Success":true,"ſuccess":false,"unknown":[1e999]}"#),
                (false, vec![])
            );
            assert_eq!(
                envelope_errors(
                    r#"{"errors":[{"code":1,"message":"a"},null,{"Message":"c","int":-0}]}"#
                ),
                (false, vec!["a".into(), String::new(), "c".into()])
            );
            // A repeated "errors" decodes into the same slice: elements are reused in place.
            assert_eq!(
                envelope_errors(r#"{"errors":[{"message":"a"},{"message":"b"}],"errors":[{}]}"#),
                (false, vec!["a".into()])
            );
            assert_eq!(
                envelope_errors(
                    r#"{"errors":[{"message":"a"},{"message":"b"}],"errors":[{}],"errors":[{},{}]}"#
                ),
                (false, vec!["a".into(), "b".into()])
            );
            assert_eq!(
                envelope_errors(r#"{"errors":[{"message":"a"}],"errors":[],"errors":[{}]}"#),
                (false, vec![String::new()])
            );

            let doc = parse(br#"{"success":true,"result":{"a":"1","b":"2"},"result":{"a":"3"}}"#)
                .expect("valid");
            let r = envelope(&doc).expect("decodes");
            let result = r.result.expect("a map");
            assert_eq!(result.get("a"), Some(&Value::String("3".into())));
            assert_eq!(
                result.get("b"),
                Some(&Value::String("2".into())),
                "maps merge"
            );
        }

        #[test]
        fn bare_targets() {
            let err = |input: &str| match bare(&parse(input.as_bytes()).expect("valid")) {
                Err(Fatal(text)) => text,
                Ok(map) => panic!("decoded {map:?}"),
            };
            assert_eq!(
                err("[]"),
                "Failed to parse input: json: cannot unmarshal array into Go value of type map[string]interface {}\n"
            );
            assert_eq!(
                err("\"s\""),
                "Failed to parse input: json: cannot unmarshal string into Go value of type map[string]interface {}\n"
            );
            assert_eq!(
                err(r#"{"x":{"y":-2e308}}"#),
                "Failed to parse input: json: cannot unmarshal number -2e308 into Go value of type float64\n"
            );
            let doc = parse(b"null").expect("valid");
            assert!(
                bare(&doc)
                    .expect("null is an empty map")
                    .get("cert")
                    .is_none()
            );
        }
    }
}

/// Writing the outputs: all prepared first, then renamed into place (divergences 2 and 3).
mod files {
    use super::*;

    /// A prepared output, ready to be put in place.
    enum Staged<'o> {
        /// A complete temporary file beside `dest`, to be renamed onto it.
        Replace {
            out: &'o Output,
            tmp: PathBuf,
            dest: PathBuf,
        },
        /// An existing file opened for writing, to be written in place (see divergence 2).
        InPlace {
            out: &'o Output,
            file: File,
            regular: bool,
        },
    }

    fn open_error(out: &Output, err: &io::Error) -> String {
        format!("open {}: {}", out.name, go_error(err))
    }

    /// Writes every output or none (apart from the cases written in place).
    pub(super) fn write_all(cwd: &Path, outputs: &[Output]) -> Result<(), String> {
        let mut staged = Vec::with_capacity(outputs.len());
        for out in outputs {
            match stage(cwd, out) {
                Ok(s) => staged.push(s),
                Err(msg) => {
                    discard(&staged);
                    return Err(msg);
                }
            }
        }
        for (i, s) in staged.iter().enumerate() {
            let done = match s {
                Staged::Replace { out, tmp, dest } => fs::rename(tmp, dest)
                    .map_err(|e| format!("rename {}: {}", out.name, go_error(&e))),
                Staged::InPlace { out, file, regular } => write_in_place(out, file, *regular),
            };
            if let Err(msg) = done {
                discard(&staged[i..]);
                return Err(msg);
            }
        }
        Ok(())
    }

    fn discard(staged: &[Staged<'_>]) {
        for s in staged {
            if let Staged::Replace { tmp, .. } = s {
                let _ = fs::remove_file(tmp);
            }
        }
    }

    fn write_in_place(out: &Output, mut file: &File, regular: bool) -> Result<(), String> {
        let write_error = |e: io::Error| format!("write {}: {}", out.name, go_error(&e));
        if regular {
            file.set_len(0).map_err(write_error)?;
        }
        file.write_all(&out.contents).map_err(write_error)
    }

    /// Follows symbolic links to the file an `open` of `path` would reach (which may not exist).
    fn resolve(mut path: PathBuf) -> io::Result<PathBuf> {
        for _ in 0..40 {
            match fs::symlink_metadata(&path) {
                Ok(meta) if meta.file_type().is_symlink() => {
                    let target = fs::read_link(&path)?;
                    path = match path.parent() {
                        Some(dir) => dir.join(target),
                        None => target,
                    };
                }
                Ok(_) => return Ok(path),
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(path),
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::other("too many levels of symbolic links"))
    }

    /// Checks one output the way Go's `os.WriteFile` would fail on it, and prepares it.
    fn stage<'o>(cwd: &Path, out: &'o Output) -> Result<Staged<'o>, String> {
        let dest = resolve(cwd.join(&out.name)).map_err(|e| open_error(out, &e))?;
        let existing = match fs::metadata(&dest) {
            Ok(meta) => Some(meta),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(open_error(out, &e)),
        };
        let dir = match (dest.parent(), dest.file_name()) {
            (Some(dir), Some(_)) => dir.to_path_buf(),
            _ => return Err(format!("open {}: is a directory", out.name)),
        };
        match existing {
            None => {
                // A key file is created 0600 (the umask may only narrow it, and is then undone);
                // other new files get cfssl's mode minus the umask.
                let create_mode = if out.secret { 0o600 } else { out.mode };
                let (tmp, file) =
                    create_temp(&dir, create_mode).map_err(|e| open_error(out, &e))?;
                fill(out, tmp, file, dest, out.secret.then_some(0o600))
            }
            Some(meta) if meta.is_dir() => Err(format!("open {}: is a directory", out.name)),
            Some(meta) if !meta.is_file() => {
                // A FIFO or device cannot be replaced by a file: write into it, as cfssl does.
                let file = OpenOptions::new()
                    .write(true)
                    .truncate(true)
                    .open(&dest)
                    .map_err(|e| open_error(out, &e))?;
                Ok(Staged::InPlace {
                    out,
                    file,
                    regular: false,
                })
            }
            Some(meta) => {
                // cfssl opens the existing file for writing: fail as it would.
                let file = OpenOptions::new()
                    .write(true)
                    .open(&dest)
                    .map_err(|e| open_error(out, &e))?;
                let final_mode = if out.secret {
                    0o600
                } else {
                    meta.permissions().mode() & 0o7777
                };
                match create_temp(&dir, 0o600) {
                    Ok((tmp, tmp_file)) => fill(out, tmp, tmp_file, dest, Some(final_mode)),
                    Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                        // No new file can be made in this directory, but the file itself is
                        // writable: cfssl would succeed, so write it in place.
                        if out.secret {
                            file.set_permissions(fs::Permissions::from_mode(0o600))
                                .map_err(|e| format!("chmod {}: {}", out.name, go_error(&e)))?;
                        }
                        Ok(Staged::InPlace {
                            out,
                            file,
                            regular: true,
                        })
                    }
                    Err(e) => Err(open_error(out, &e)),
                }
            }
        }
    }

    /// Writes the contents into the temporary file, sets its final mode and syncs it; removes
    /// it on failure.
    fn fill<'o>(
        out: &'o Output,
        tmp: PathBuf,
        mut file: File,
        dest: PathBuf,
        mode: Option<u32>,
    ) -> Result<Staged<'o>, String> {
        let result = (|| {
            if let Some(mode) = mode {
                file.set_permissions(fs::Permissions::from_mode(mode))
                    .map_err(|e| format!("chmod {}: {}", out.name, go_error(&e)))?;
            }
            file.write_all(&out.contents)
                .and_then(|()| file.sync_all())
                .map_err(|e| format!("write {}: {}", out.name, go_error(&e)))
        })();
        match result {
            Ok(()) => Ok(Staged::Replace { out, tmp, dest }),
            Err(msg) => {
                let _ = fs::remove_file(&tmp);
                Err(msg)
            }
        }
    }

    /// Creates a new, empty, uniquely named file in `dir` with `mode` (minus the umask). The name
    /// does not depend on the final name, so a long final name cannot make it too long.
    fn create_temp(dir: &Path, mode: u32) -> io::Result<(PathBuf, File)> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let pid = std::process::id();
        let mut last_error = io::Error::from(io::ErrorKind::AlreadyExists);
        for _ in 0..100 {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let tmp = dir.join(format!(".cfssljson-{pid}-{n}.tmp"));
            match OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(mode)
                .open(&tmp)
            {
                Ok(file) => return Ok((tmp, file)),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last_error = e,
                Err(e) => return Err(e),
            }
        }
        Err(last_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::goflag::go_quote;

    struct Run {
        code: i32,
        stdout: String,
        stderr: String,
    }

    fn run_in(dir: &Path, args: &[&str], stdin: &[u8]) -> Run {
        let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
        let (mut input, mut stdout, mut stderr) = (stdin, Vec::new(), Vec::new());
        let code = run_cfssljson(
            &args,
            &mut CfssljsonIo {
                stdin: &mut input,
                stdout: &mut stdout,
                stderr: &mut stderr,
                cwd: dir,
            },
        );
        Run {
            code,
            stdout: String::from_utf8(stdout).expect("utf-8 stdout"),
            stderr: String::from_utf8(stderr).expect("utf-8 stderr"),
        }
    }

    /// Regression (found by the secrets review): `-f "$KEY"` printed the key
    /// in `Failed to read input: open -----BEGIN …: no such file or directory`.
    #[test]
    fn pem_given_as_the_input_name_is_not_echoed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIMbZRwxceu1D0u6D\n-----END EC PRIVATE KEY-----\n";
        let r = run_in(dir.path(), &["-bare", "-f", key], b"");
        assert_eq!(r.code, 1);
        assert_eq!(
            r.stderr,
            "Failed to read input: open [PEM data given as a file name, not shown]: no such file or directory\n"
        );
    }

    #[test]
    fn names_resolve_against_cwd() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::write(dir.path().join("in.json"), br#"{"cert":"C","key":"K"}"#).expect("write");
        let r = run_in(dir.path(), &["-bare", "-f", "in.json", "out"], b"");
        assert_eq!((r.code, r.stdout.as_str(), r.stderr.as_str()), (0, "", ""));
        assert_eq!(fs::read(dir.path().join("out.pem")).expect("cert"), b"C");
        assert_eq!(fs::read(dir.path().join("out-key.pem")).expect("key"), b"K");
    }

    #[test]
    fn version_and_usage() {
        let dir = tempfile::tempdir().expect("tempdir");
        let r = run_in(dir.path(), &["-version"], b"");
        assert_eq!(r.code, 0);
        assert_eq!(r.stdout, crate::version_text());
        let r = run_in(dir.path(), &["-nope"], b"");
        assert_eq!(r.code, 2);
        assert_eq!(
            r.stderr,
            format!("flag provided but not defined: -nope\n{}", flags::usage())
        );
    }

    #[test]
    fn stdout_write_errors_are_reported() {
        struct Broken;
        impl Write for Broken {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::from_raw_os_error(32))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let mut stderr = Vec::new();
        let code = run_cfssljson(
            &["-bare".to_owned(), "-stdout".to_owned()],
            &mut CfssljsonIo {
                stdin: &mut &br#"{"cert":"C"}"#[..],
                stdout: &mut Broken,
                stderr: &mut stderr,
                cwd: dir.path(),
            },
        );
        assert_eq!(code, 1);
        assert_eq!(stderr, b"write /dev/stdout: broken pipe\n");
    }

    #[test]
    fn go_error_texts() {
        assert_eq!(
            go_error(&io::Error::from_raw_os_error(2)),
            "no such file or directory"
        );
        assert_eq!(
            go_error(&io::Error::from_raw_os_error(21)),
            "is a directory"
        );
        assert_eq!(
            go_error(&io::Error::from_raw_os_error(13)),
            "permission denied"
        );
    }

    #[test]
    fn go_quote_matches_strconv() {
        assert_eq!(go_quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(
            go_quote("\u{7}\u{8}\u{c}\n\r\t\u{b}"),
            r#""\a\b\f\n\r\t\v""#
        );
        assert_eq!(go_quote("\u{0}\u{1f}\u{7f}"), r#""\x00\x1f\x7f""#);
        assert_eq!(
            go_quote("é\u{a0}\u{ad}\u{85}"),
            "\"é\\u00a0\\u00ad\\u0085\""
        );
        assert_eq!(go_quote("\u{feff}😀\u{f0000}"), "\"\\ufeff😀\\U000f0000\"");
    }

    #[test]
    fn symlinked_output_replaces_the_target() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::create_dir(dir.path().join("real")).expect("mkdir");
        fs::write(dir.path().join("real/x.pem"), "old").expect("write");
        std::os::unix::fs::symlink("real/x.pem", dir.path().join("x.pem")).expect("symlink");
        std::os::unix::fs::symlink("real/new-key.pem", dir.path().join("x-key.pem"))
            .expect("symlink");
        let r = run_in(dir.path(), &["-bare", "x"], br#"{"cert":"C","key":"K"}"#);
        assert_eq!((r.code, r.stderr.as_str()), (0, ""));
        assert!(
            fs::symlink_metadata(dir.path().join("x.pem"))
                .expect("link")
                .is_symlink()
        );
        assert_eq!(fs::read(dir.path().join("real/x.pem")).expect("cert"), b"C");
        assert_eq!(
            fs::read(dir.path().join("real/new-key.pem")).expect("key"),
            b"K"
        );
    }
}
