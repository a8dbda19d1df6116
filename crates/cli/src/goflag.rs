//! An emulation of Go's standard `flag` package (as of Go 1.19, the toolchain the reference cfssl
//! builds were made with), plus the Go value syntaxes it relies on: `time.ParseDuration`,
//! `Duration.String`, `strconv.ParseInt(s, 0, bits)`, `strconv.ParseBool` and `%q` quoting,
//! and Go's text for an operating-system error.
//!
//! This module is mechanism only: it knows Go's command-line syntax, not any program's flags.
//! A program describes its flags as a table of [`FlagDef`]s and calls [`parse`].
//!
//! The rules reproduced (mirrors `flag.FlagSet.parseOne`):
//! - `-name` and `--name` are the same flag;
//! - non-boolean flags take their value as `-name=value` or as the next argument `-name value`;
//! - boolean flags are `-name` (true) or `-name=value` with a `strconv.ParseBool` value;
//!   `-name false` sets the flag and leaves `false` as the first positional argument;
//! - `--` ends the flags and is consumed; a lone `-` is a positional argument;
//! - parsing stops at the first argument that is not a flag; it and everything after it are
//!   the positional arguments;
//! - `-h`, `-help`, `--help` (also with `=value`) are a help request unless defined as flags;
//! - errors carry Go's exact wording (see [`ParseError`]).

use std::fmt;
use std::str::FromStr;

#[cfg(test)]
const NANOS_PER_MICRO: i64 = 1_000;
#[cfg(test)]
const NANOS_PER_MILLI: i64 = 1_000_000;
const NANOS_PER_SEC: i64 = 1_000_000_000;
const NANOS_PER_MIN: i64 = 60 * NANOS_PER_SEC;
const NANOS_PER_HOUR: i64 = 60 * NANOS_PER_MIN;

// ---------------------------------------------------------------------------------------------
// Durations
// ---------------------------------------------------------------------------------------------

/// A Go `time.Duration`: a signed count of nanoseconds.
///
/// Parsed with [`parse_go_duration`] (also via [`FromStr`]) and displayed in Go's
/// `Duration.String` form (`96h0m0s`, `1.5s`, `-1m0s`, `0s`) by [`format_go_duration`]
/// (also via [`fmt::Display`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GoDuration(i64);

impl GoDuration {
    /// The zero duration.
    pub const ZERO: Self = Self(0);

    /// A duration of `nanos` nanoseconds (may be negative).
    pub const fn from_nanos(nanos: i64) -> Self {
        Self(nanos)
    }

    /// A duration of `secs` seconds, saturating at the `i64` nanosecond range.
    pub const fn from_secs(secs: i64) -> Self {
        Self(secs.saturating_mul(NANOS_PER_SEC))
    }

    /// A duration of `mins` minutes, saturating at the `i64` nanosecond range.
    pub const fn from_mins(mins: i64) -> Self {
        Self(mins.saturating_mul(NANOS_PER_MIN))
    }

    /// A duration of `hours` hours, saturating at the `i64` nanosecond range.
    pub const fn from_hours(hours: i64) -> Self {
        Self(hours.saturating_mul(NANOS_PER_HOUR))
    }

    /// The signed number of nanoseconds.
    pub const fn as_nanos(self) -> i64 {
        self.0
    }

    /// Whether the duration is below zero.
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// The duration as a [`std::time::Duration`], or `None` when it is negative.
    pub fn to_std(self) -> Option<std::time::Duration> {
        u64::try_from(self.0)
            .ok()
            .map(std::time::Duration::from_nanos)
    }
}

impl fmt::Display for GoDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_go_duration(*self))
    }
}

impl FromStr for GoDuration {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_go_duration(s)
    }
}

/// Parses a duration with the grammar and error texts of Go's `time.ParseDuration` (Go 1.19);
/// see [`cfssl_core::go::duration::parse`].
///
/// # Errors
///
/// Go's message, e.g. `time: unknown unit "d" in duration "365d"`.
pub fn parse_go_duration(input: &str) -> Result<GoDuration, String> {
    cfssl_core::go::duration::parse(input)
        .map(GoDuration)
        .map_err(|e| e.message().to_owned())
}

/// Formats a duration as Go's `Duration.String` does (`96h0m0s`, `5m0s`, `1.5s`, `0s`); see
/// [`cfssl_core::go::duration::format`].
pub fn format_go_duration(d: GoDuration) -> String {
    cfssl_core::go::duration::format(d.0)
}

// ---------------------------------------------------------------------------------------------
// Integers and booleans
// ---------------------------------------------------------------------------------------------

pub use cfssl_core::go::strconv::{GoIntError, GoIntErrorKind, parse_go_bool, parse_go_int};

// ---------------------------------------------------------------------------------------------
// Quoting
// ---------------------------------------------------------------------------------------------

pub use cfssl_core::go::strconv::go_quote;

// ---------------------------------------------------------------------------------------------
// Flag tables and values
// ---------------------------------------------------------------------------------------------

/// The type of a flag, as Go's `flag.Bool`, `flag.String`, `flag.Int`, `flag.Duration`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A boolean flag: `-name` or `-name=value`.
    Bool,
    /// A string flag.
    String,
    /// A signed 64-bit integer flag, in `strconv.ParseInt(s, 0, 64)` syntax.
    Int,
    /// A duration flag, in `time.ParseDuration` syntax.
    Duration,
}

/// The default value of a flag in a static table; its variant decides the flag's [`Kind`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefValue {
    /// A boolean flag defaulting to this value.
    Bool(bool),
    /// A string flag defaulting to this value.
    String(&'static str),
    /// An integer flag defaulting to this value.
    Int(i64),
    /// A duration flag defaulting to this value.
    Duration(GoDuration),
}

/// One flag definition: name (without dashes), default value (and so type), and the usage
/// description Go prints for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlagDef {
    /// The flag name without leading dashes, e.g. `ca-key`.
    pub name: &'static str,
    /// The default value; its variant is the flag's type.
    pub default: DefValue,
    /// The description shown in usage texts.
    pub usage: &'static str,
}

impl FlagDef {
    /// The flag's type.
    pub const fn kind(&self) -> Kind {
        match self.default {
            DefValue::Bool(_) => Kind::Bool,
            DefValue::String(_) => Kind::String,
            DefValue::Int(_) => Kind::Int,
            DefValue::Duration(_) => Kind::Duration,
        }
    }

    /// The default rendered as Go's `Flag.DefValue`: `false`, `8888`, `96h0m0s`, or the string
    /// itself (unquoted; empty for an empty string).
    pub fn def_value_string(&self) -> String {
        self.default_value().to_string()
    }

    /// The default as a [`Value`].
    pub fn default_value(&self) -> Value {
        match self.default {
            DefValue::Bool(b) => Value::Bool(b),
            DefValue::String(s) => Value::String(s.to_owned()),
            DefValue::Int(i) => Value::Int(i),
            DefValue::Duration(d) => Value::Duration(d),
        }
    }
}

/// A flag's current value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// A boolean flag's value.
    Bool(bool),
    /// A string flag's value.
    String(String),
    /// An integer flag's value.
    Int(i64),
    /// A duration flag's value.
    Duration(GoDuration),
}

impl fmt::Display for Value {
    /// Renders the value as Go's `flag.Value.String()` does.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bool(b) => write!(f, "{b}"),
            Self::String(s) => f.write_str(s),
            Self::Int(i) => write!(f, "{i}"),
            Self::Duration(d) => write!(f, "{d}"),
        }
    }
}

/// Why a value was rejected by [`Values::set`]; displays as Go's flag errors do
/// (`parse error`, `value out of range`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetError {
    /// No flag with that name is defined.
    NotDefined,
    /// The text is not valid for the flag's type (Go's `errParse`).
    Parse,
    /// An integer outside the `i64` range (Go's `errRange`).
    Range,
}

impl fmt::Display for SetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotDefined => "no such flag",
            Self::Parse => "parse error",
            Self::Range => "value out of range",
        })
    }
}

impl std::error::Error for SetError {}

/// The values of every flag in a table, and which were set on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Values<'d> {
    defs: &'d [FlagDef],
    values: Vec<Value>,
    set: Vec<bool>,
}

impl<'d> Values<'d> {
    /// Every flag of `defs` at its default, none marked as set.
    pub fn defaults(defs: &'d [FlagDef]) -> Self {
        Self {
            defs,
            values: defs.iter().map(FlagDef::default_value).collect(),
            set: vec![false; defs.len()],
        }
    }

    /// The flag table these values belong to.
    pub fn defs(&self) -> &'d [FlagDef] {
        self.defs
    }

    /// The index of `name` in the table (the first one, should the table repeat a name).
    fn index(&self, name: &str) -> Option<usize> {
        self.defs.iter().position(|d| d.name == name)
    }

    /// The definition of `name`.
    pub fn def(&self, name: &str) -> Option<&'d FlagDef> {
        self.defs.iter().find(|d| d.name == name)
    }

    /// The current value of `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.index(name).and_then(|i| self.values.get(i))
    }

    /// Whether `name` was given on the command line (or through [`Values::set`]), even if to
    /// its default value — Go's `FlagSet.Visit`.
    pub fn is_set(&self, name: &str) -> bool {
        self.index(name)
            .and_then(|i| self.set.get(i))
            .copied()
            .unwrap_or(false)
    }

    /// The value of string flag `name`; `None` if there is no such string flag.
    pub fn string(&self, name: &str) -> Option<&str> {
        match self.get(name) {
            Some(Value::String(s)) => Some(s),
            _ => None,
        }
    }

    /// The value of boolean flag `name`; `None` if there is no such boolean flag.
    pub fn bool(&self, name: &str) -> Option<bool> {
        match self.get(name) {
            Some(Value::Bool(b)) => Some(*b),
            _ => None,
        }
    }

    /// The value of integer flag `name`; `None` if there is no such integer flag.
    pub fn int(&self, name: &str) -> Option<i64> {
        match self.get(name) {
            Some(Value::Int(i)) => Some(*i),
            _ => None,
        }
    }

    /// The value of duration flag `name`; `None` if there is no such duration flag.
    pub fn duration(&self, name: &str) -> Option<GoDuration> {
        match self.get(name) {
            Some(Value::Duration(d)) => Some(*d),
            _ => None,
        }
    }

    /// Sets flag `name` from its command-line text and marks it as set (Go's `FlagSet.Set`).
    ///
    /// # Errors
    ///
    /// [`SetError::NotDefined`] for an unknown name; [`SetError::Parse`] or
    /// [`SetError::Range`] when `text` is not valid for the flag's type.
    pub fn set(&mut self, name: &str, text: &str) -> Result<(), SetError> {
        let i = self.index(name).ok_or(SetError::NotDefined)?;
        let value = match self.defs[i].kind() {
            Kind::Bool => Value::Bool(parse_go_bool(text).ok_or(SetError::Parse)?),
            Kind::String => Value::String(text.to_owned()),
            Kind::Int => Value::Int(parse_go_int(text, 64).map_err(|e| match e.kind {
                GoIntErrorKind::Syntax => SetError::Parse,
                GoIntErrorKind::Range => SetError::Range,
            })?),
            Kind::Duration => {
                Value::Duration(parse_go_duration(text).map_err(|_| SetError::Parse)?)
            }
        };
        self.values[i] = value;
        self.set[i] = true;
        Ok(())
    }
}

/// Go's `FlagSet.PrintDefaults`: each flag, sorted by name, as `  -name
/// type` and its usage on the next line after `    \t` (on the same line
/// after a tab for a one-letter boolean), with ` (default …)` when the
/// default is not the type's zero value (strings quoted).
///
/// ```
/// use cfssl_cli::goflag::{DefValue, FlagDef, print_defaults};
/// let defs = [FlagDef { name: "nw", default: DefValue::Int(4), usage: "number of workers" }];
/// assert_eq!(print_defaults(&defs), "  -nw int\n    \tnumber of workers (default 4)\n");
/// ```
pub fn print_defaults(defs: &[FlagDef]) -> String {
    let mut sorted: Vec<&FlagDef> = defs.iter().collect();
    sorted.sort_by_key(|d| d.name);
    let mut out = String::new();
    for d in sorted {
        let mut line = format!("  -{}", d.name);
        let type_name = match d.kind() {
            Kind::Bool => "",
            Kind::String => "string",
            Kind::Int => "int",
            Kind::Duration => "duration",
        };
        if !type_name.is_empty() {
            line.push(' ');
            line.push_str(type_name);
        }
        if line.len() <= 4 {
            line.push('\t');
        } else {
            line.push_str("\n    \t");
        }
        line.push_str(&d.usage.replace('\n', "\n    \t"));
        match d.default {
            DefValue::String(s) if !s.is_empty() => {
                line.push_str(&format!(" (default {})", go_quote(s)));
            }
            DefValue::Int(i) if i != 0 => line.push_str(&format!(" (default {i})")),
            DefValue::Bool(true) => line.push_str(" (default true)"),
            DefValue::Duration(g) if g != GoDuration::default() => {
                line.push_str(&format!(" (default {g})"));
            }
            _ => {}
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// A successful [`parse`]: the flag values and the positional arguments that follow the flags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed<'d> {
    /// Every flag's value.
    pub values: Values<'d>,
    /// The arguments after the flags (Go's `FlagSet.Args()`).
    pub args: Vec<String>,
}

/// Why [`parse`] stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// `-h`, `-help` or `--help` was given and is not a defined flag (Go's `flag.ErrHelp`).
    /// Go prints the usage and, since Go 1.15, exits 0.
    Help,
    /// A malformed command line. The message is Go's exact wording, e.g.
    /// `flag provided but not defined: -foo`; Go prints it, a newline and the usage, and
    /// exits 2.
    Invalid(String),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Help => f.write_str("flag: help requested"),
            Self::Invalid(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for ParseError {}

/// Parses `args` (without the program or command name) against the flag table `defs`, as Go's
/// `FlagSet.Parse` does. Later occurrences of a flag override earlier ones.
///
/// # Errors
///
/// [`ParseError::Help`] for an undefined `-h`/`-help`; otherwise [`ParseError::Invalid`] with
/// one of Go's messages: `flag provided but not defined: -foo`, `flag needs an argument: -ca`,
/// `bad flag syntax: ---x`, `invalid boolean value "maybe" for -initca: parse error`,
/// `invalid value "abc" for flag -loglevel: parse error` (or `: value out of range`).
pub fn parse<'d>(defs: &'d [FlagDef], args: &[String]) -> Result<Parsed<'d>, ParseError> {
    let mut values = Values::defaults(defs);
    let mut rest = args;
    while let Some((arg, after)) = rest.split_first() {
        let s = arg.as_str();
        let bytes = s.as_bytes();
        if bytes.len() < 2 || bytes[0] != b'-' {
            break;
        }
        let mut dashes = 1;
        if bytes[1] == b'-' {
            dashes = 2;
            if bytes.len() == 2 {
                // "--" terminates the flags and is consumed.
                rest = after;
                break;
            }
        }
        let body = &s[dashes..];
        if body.is_empty() || body.starts_with('-') || body.starts_with('=') {
            return Err(ParseError::Invalid(format!("bad flag syntax: {s}")));
        }
        rest = after;
        // An '=' after the first character splits name and value ('=' is ASCII, so the split
        // points are character boundaries).
        let (name, value) = match body.bytes().skip(1).position(|b| b == b'=') {
            Some(p) => (&body[..=p], Some(&body[p + 2..])),
            None => (body, None),
        };
        let Some(def) = values.def(name) else {
            if name == "help" || name == "h" {
                return Err(ParseError::Help);
            }
            return Err(ParseError::Invalid(format!(
                "flag provided but not defined: -{name}"
            )));
        };
        if def.kind() == Kind::Bool {
            let text = value.unwrap_or("true");
            if values.set(name, text).is_err() {
                return Err(ParseError::Invalid(format!(
                    "invalid boolean value {} for -{name}: parse error",
                    go_quote(text)
                )));
            }
            continue;
        }
        let text = match value {
            Some(v) => v,
            None => match rest.split_first() {
                Some((next, after)) => {
                    rest = after;
                    next.as_str()
                }
                None => {
                    return Err(ParseError::Invalid(format!(
                        "flag needs an argument: -{name}"
                    )));
                }
            },
        };
        if let Err(e) = values.set(name, text) {
            return Err(ParseError::Invalid(format!(
                "invalid value {} for flag -{name}: {e}",
                go_quote(text)
            )));
        }
    }
    Ok(Parsed {
        values,
        args: rest.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFS: &[FlagDef] = &[
        FlagDef {
            name: "initca",
            default: DefValue::Bool(false),
            usage: "initialise new CA",
        },
        FlagDef {
            name: "ca",
            default: DefValue::String(""),
            usage: "CA",
        },
        FlagDef {
            name: "address",
            default: DefValue::String("127.0.0.1"),
            usage: "Address to bind",
        },
        FlagDef {
            name: "loglevel",
            default: DefValue::Int(1),
            usage: "Log level",
        },
        FlagDef {
            name: "interval",
            default: DefValue::Duration(GoDuration::from_hours(96)),
            usage: "Interval",
        },
    ];

    fn argv(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| (*s).to_owned()).collect()
    }

    fn ok(args: &[&str]) -> Parsed<'static> {
        parse(DEFS, &argv(args)).expect("parse should succeed")
    }

    fn invalid(args: &[&str]) -> String {
        match parse(DEFS, &argv(args)) {
            Err(ParseError::Invalid(m)) => m,
            other => panic!("expected an Invalid error, got {other:?}"),
        }
    }

    fn dur(s: &str) -> i64 {
        parse_go_duration(s).expect("valid duration").as_nanos()
    }

    fn dur_err(s: &str) -> String {
        parse_go_duration(s).expect_err("invalid duration")
    }

    // --- flag syntax ---

    #[test]
    fn defaults_when_no_args() {
        let p = ok(&[]);
        assert_eq!(p.values.bool("initca"), Some(false));
        assert_eq!(p.values.string("ca"), Some(""));
        assert_eq!(p.values.string("address"), Some("127.0.0.1"));
        assert_eq!(p.values.int("loglevel"), Some(1));
        assert_eq!(
            p.values.duration("interval"),
            Some(GoDuration::from_hours(96))
        );
        assert!(!p.values.is_set("ca"));
        assert!(p.args.is_empty());
    }

    #[test]
    fn one_and_two_dashes_are_equivalent() {
        for args in [
            &["-ca=x.pem"][..],
            &["-ca", "x.pem"],
            &["--ca=x.pem"],
            &["--ca", "x.pem"],
        ] {
            let p = ok(args);
            assert_eq!(p.values.string("ca"), Some("x.pem"), "{args:?}");
            assert!(p.values.is_set("ca"));
            assert!(p.args.is_empty());
        }
    }

    #[test]
    fn value_may_contain_equals_and_be_empty() {
        assert_eq!(ok(&["-ca=a=b"]).values.string("ca"), Some("a=b"));
        let p = ok(&["-ca="]);
        assert_eq!(p.values.string("ca"), Some(""));
        assert!(p.values.is_set("ca"));
        // A value taken from the next argument may itself look like a flag.
        assert_eq!(ok(&["-ca", "-initca"]).values.string("ca"), Some("-initca"));
    }

    #[test]
    fn last_occurrence_wins() {
        assert_eq!(ok(&["-ca", "a", "-ca=b"]).values.string("ca"), Some("b"));
    }

    #[test]
    fn bool_forms() {
        assert_eq!(ok(&["-initca"]).values.bool("initca"), Some(true));
        assert_eq!(ok(&["--initca"]).values.bool("initca"), Some(true));
        for t in ["true", "1", "t", "T", "TRUE", "True"] {
            let arg = format!("-initca={t}");
            assert_eq!(ok(&[&arg]).values.bool("initca"), Some(true), "{t}");
        }
        for f in ["false", "0", "f", "F", "FALSE", "False"] {
            let arg = format!("-initca={f}");
            let p = ok(&[&arg]);
            assert_eq!(p.values.bool("initca"), Some(false), "{f}");
            assert!(p.values.is_set("initca"));
        }
    }

    #[test]
    fn bool_does_not_consume_next_argument() {
        let p = ok(&["-initca", "false", "c.json"]);
        assert_eq!(p.values.bool("initca"), Some(true));
        assert_eq!(p.args, argv(&["false", "c.json"]));
    }

    #[test]
    fn parsing_stops_at_first_non_flag() {
        let p = ok(&["-initca", "c.json", "-ca", "x"]);
        assert_eq!(p.args, argv(&["c.json", "-ca", "x"]));
        assert_eq!(p.values.string("ca"), Some(""));
    }

    #[test]
    fn double_dash_ends_flags_and_is_consumed() {
        let p = ok(&["-initca", "--", "-ca", "x"]);
        assert_eq!(p.args, argv(&["-ca", "x"]));
        assert_eq!(ok(&["--"]).args, Vec::<String>::new());
        // Only the first "--" is consumed.
        assert_eq!(ok(&["--", "--"]).args, argv(&["--"]));
    }

    #[test]
    fn lone_dash_is_positional() {
        let p = ok(&["-initca", "-", "-ca"]);
        assert_eq!(p.args, argv(&["-", "-ca"]));
    }

    #[test]
    fn empty_argument_is_positional() {
        assert_eq!(ok(&["", "-initca"]).args, argv(&["", "-initca"]));
    }

    #[test]
    fn unknown_flag() {
        assert_eq!(invalid(&["-foo"]), "flag provided but not defined: -foo");
        assert_eq!(invalid(&["--foo=1"]), "flag provided but not defined: -foo");
        // Names are case-sensitive.
        assert_eq!(invalid(&["-CA", "x"]), "flag provided but not defined: -CA");
    }

    #[test]
    fn missing_argument() {
        assert_eq!(invalid(&["-ca"]), "flag needs an argument: -ca");
        assert_eq!(
            invalid(&["--loglevel"]),
            "flag needs an argument: -loglevel"
        );
    }

    #[test]
    fn bad_flag_syntax() {
        assert_eq!(invalid(&["---x"]), "bad flag syntax: ---x");
        assert_eq!(invalid(&["-=x"]), "bad flag syntax: -=x");
        assert_eq!(invalid(&["--=x"]), "bad flag syntax: --=x");
        assert_eq!(invalid(&["-="]), "bad flag syntax: -=");
        assert_eq!(invalid(&["---"]), "bad flag syntax: ---");
    }

    #[test]
    fn invalid_bool_value() {
        assert_eq!(
            invalid(&["-initca=maybe"]),
            "invalid boolean value \"maybe\" for -initca: parse error"
        );
        assert_eq!(
            invalid(&["-initca="]),
            "invalid boolean value \"\" for -initca: parse error"
        );
    }

    #[test]
    fn invalid_int_and_duration_values() {
        assert_eq!(
            invalid(&["-loglevel", "abc"]),
            "invalid value \"abc\" for flag -loglevel: parse error"
        );
        assert_eq!(
            invalid(&["-loglevel=99999999999999999999"]),
            "invalid value \"99999999999999999999\" for flag -loglevel: value out of range"
        );
        assert_eq!(
            invalid(&["-interval", "5d"]),
            "invalid value \"5d\" for flag -interval: parse error"
        );
        assert_eq!(
            invalid(&["-loglevel="]),
            "invalid value \"\" for flag -loglevel: parse error"
        );
        assert_eq!(
            invalid(&["-loglevel", "a\tb"]),
            "invalid value \"a\\tb\" for flag -loglevel: parse error"
        );
    }

    #[test]
    fn int_values_use_go_literal_syntax() {
        for (text, want) in [
            ("0x10", 16),
            ("010", 8),
            ("-5", -5),
            ("+7", 7),
            ("0b101", 5),
            ("0o17", 15),
            ("1_000", 1000),
        ] {
            let p = ok(&["-loglevel", text]);
            assert_eq!(p.values.int("loglevel"), Some(want), "{text}");
        }
    }

    #[test]
    fn duration_values() {
        let p = ok(&["-interval=1h30m"]);
        assert_eq!(
            p.values.duration("interval"),
            Some(GoDuration::from_mins(90))
        );
        let p = ok(&["-interval", "-1m"]);
        assert_eq!(
            p.values.duration("interval"),
            Some(GoDuration::from_mins(-1))
        );
    }

    #[test]
    fn help_flags() {
        for args in [
            &["-h"][..],
            &["-help"],
            &["--help"],
            &["--h"],
            &["-h=1"],
            &["-initca", "-help", "-nosuch"],
        ] {
            assert_eq!(parse(DEFS, &argv(args)), Err(ParseError::Help), "{args:?}");
        }
        // After the first positional, -h is just an argument.
        assert_eq!(ok(&["x", "-h"]).args, argv(&["x", "-h"]));
        // An error before -h wins.
        assert_eq!(
            invalid(&["-nosuch", "-h"]),
            "flag provided but not defined: -nosuch"
        );
    }

    #[test]
    fn help_is_a_normal_flag_when_defined() {
        const WITH_HELP: &[FlagDef] = &[FlagDef {
            name: "h",
            default: DefValue::Bool(false),
            usage: "help",
        }];
        let p = parse(WITH_HELP, &argv(&["-h"])).expect("defined");
        assert_eq!(p.values.bool("h"), Some(true));
        assert_eq!(parse(WITH_HELP, &argv(&["-help"])), Err(ParseError::Help));
    }

    #[test]
    fn non_ascii_flag_names() {
        assert_eq!(invalid(&["-é=1"]), "flag provided but not defined: -é");
        assert_eq!(invalid(&["-éa"]), "flag provided but not defined: -éa");
    }

    #[test]
    fn typed_accessors_reject_wrong_kind_and_unknown_names() {
        let p = ok(&[]);
        assert_eq!(p.values.int("ca"), None);
        assert_eq!(p.values.string("nosuch"), None);
        assert_eq!(p.values.bool("loglevel"), None);
        assert_eq!(p.values.duration("ca"), None);
        assert!(!p.values.is_set("nosuch"));
    }

    #[test]
    fn set_marks_flags() {
        let mut v = Values::defaults(DEFS);
        assert_eq!(v.set("ca", "x"), Ok(()));
        assert!(v.is_set("ca"));
        assert_eq!(v.set("nosuch", "x"), Err(SetError::NotDefined));
        assert_eq!(v.set("loglevel", "x"), Err(SetError::Parse));
        assert_eq!(
            v.set("loglevel", "9223372036854775808"),
            Err(SetError::Range)
        );
        assert_eq!(v.set("loglevel", "-9223372036854775808"), Ok(()));
        assert_eq!(v.int("loglevel"), Some(i64::MIN));
    }

    #[test]
    fn def_value_strings() {
        let rendered: Vec<String> = DEFS.iter().map(FlagDef::def_value_string).collect();
        assert_eq!(rendered, ["false", "", "127.0.0.1", "1", "96h0m0s"]);
        assert_eq!(DEFS[4].kind(), Kind::Duration);
    }

    // --- durations ---

    #[test]
    fn duration_grammar() {
        const S: i64 = NANOS_PER_SEC;
        assert_eq!(dur("8760h"), 8760 * 3600 * S);
        assert_eq!(dur("1h30m"), 5400 * S);
        assert_eq!(dur("1.5h"), 5400 * S);
        assert_eq!(dur("+5h"), 5 * 3600 * S);
        assert_eq!(dur("-1m"), -60 * S);
        assert_eq!(dur("0"), 0);
        assert_eq!(dur("-0"), 0);
        assert_eq!(dur("+0"), 0);
        assert_eq!(dur("0s"), 0);
        assert_eq!(dur("1ns"), 1);
        assert_eq!(dur("1us"), 1_000);
        assert_eq!(dur("1µs"), 1_000);
        assert_eq!(dur("1μs"), 1_000);
        assert_eq!(dur("1ms"), 1_000_000);
        assert_eq!(dur("1s"), S);
        assert_eq!(dur(".5s"), S / 2);
        assert_eq!(dur("5.s"), 5 * S);
        assert_eq!(dur("1h1h"), 7200 * S);
        assert_eq!(dur("1.000000001s"), S + 1);
        assert_eq!(dur("0.3333333333333333333h"), 1_200_000_000_000);
        assert_eq!(dur("9223372036854775807ns"), i64::MAX);
        assert_eq!(dur("-9223372036854775808ns"), i64::MIN);
        assert_eq!(dur("2562047h47m16.854775807s"), i64::MAX);
        // Cases from Go's own time package tests.
        assert_eq!(dur("0.100000000000000000000h"), 6 * NANOS_PER_MIN);
        assert_eq!(
            dur("0.830103483285477580700h"),
            49 * NANOS_PER_MIN + 48 * S + 372_539_827
        );
        assert_eq!(dur("52763797000ns"), 52_763_797_000);
        assert_eq!(dur("9223372036854775.807us"), i64::MAX);
        assert_eq!(dur("9223372036.854775807s"), i64::MAX);
    }

    #[test]
    fn duration_errors() {
        assert_eq!(dur_err("x"), "time: invalid duration \"x\"");
        assert_eq!(dur_err(""), "time: invalid duration \"\"");
        assert_eq!(dur_err("-"), "time: invalid duration \"-\"");
        assert_eq!(dur_err(".s"), "time: invalid duration \".s\"");
        assert_eq!(
            dur_err("1h "),
            "time: unknown unit \"h \" in duration \"1h \""
        );
        assert_eq!(dur_err(" 1h"), "time: invalid duration \" 1h\"");
        assert_eq!(
            dur_err("365d"),
            "time: unknown unit \"d\" in duration \"365d\""
        );
        assert_eq!(
            dur_err("10y"),
            "time: unknown unit \"y\" in duration \"10y\""
        );
        assert_eq!(dur_err("1H"), "time: unknown unit \"H\" in duration \"1H\"");
        assert_eq!(dur_err("10"), "time: missing unit in duration \"10\"");
        assert_eq!(dur_err("1h10"), "time: missing unit in duration \"1h10\"");
        assert_eq!(dur_err("5d"), "time: unknown unit \"d\" in duration \"5d\"");
        assert_eq!(
            dur_err("9223372036854775808ns"),
            "time: invalid duration \"9223372036854775808ns\""
        );
        assert_eq!(dur_err("3000000h"), "time: invalid duration \"3000000h\"");
        assert_eq!(
            dur_err("99999999999999999999s"),
            "time: invalid duration \"99999999999999999999s\""
        );
        // Non-ASCII bytes are quoted as \x escapes, like Go's time.quote.
        assert_eq!(
            dur_err("1é"),
            "time: unknown unit \"\\xc3\\xa9\" in duration \"1\\xc3\\xa9\""
        );
        assert_eq!(dur_err("\"x"), "time: invalid duration \"\\\"x\"");
    }

    #[test]
    fn duration_formatting() {
        const S: i64 = NANOS_PER_SEC;
        let f = |n: i64| format_go_duration(GoDuration::from_nanos(n));
        assert_eq!(f(96 * 3600 * S), "96h0m0s");
        assert_eq!(f(168 * 3600 * S), "168h0m0s");
        assert_eq!(f(300 * S), "5m0s");
        assert_eq!(f(5400 * S), "1h30m0s");
        assert_eq!(f(0), "0s");
        assert_eq!(f(1_500_000_000), "1.5s");
        assert_eq!(f(1), "1ns");
        assert_eq!(f(1_100), "1.1µs");
        assert_eq!(f(2_200_000), "2.2ms");
        assert_eq!(f(-60 * S), "-1m0s");
        assert_eq!(f(S + 1), "1.000000001s");
        assert_eq!(f(43800 * 3600 * S), "43800h0m0s");
        assert_eq!(f(i64::MAX), "2562047h47m16.854775807s");
        assert_eq!(f(i64::MIN), "-2562047h47m16.854775808s");
        assert_eq!(GoDuration::from_hours(8760).to_string(), "8760h0m0s");
    }

    #[test]
    fn duration_conversions() {
        assert_eq!(
            GoDuration::from_secs(2).to_std(),
            Some(std::time::Duration::from_secs(2))
        );
        assert_eq!(GoDuration::from_secs(-2).to_std(), None);
        assert!(GoDuration::from_nanos(-1).is_negative());
        assert_eq!("1m".parse::<GoDuration>(), Ok(GoDuration::from_mins(1)));
        assert_eq!(GoDuration::from_hours(i64::MAX).as_nanos(), i64::MAX);
    }

    /// A small deterministic generator (xorshift64*) for the property loops below.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    #[test]
    fn property_format_then_parse_round_trips() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for i in 0..20_000 {
            // Mix magnitudes: full range, hours, seconds, sub-second.
            let n = match i % 4 {
                0 => rng.next().cast_signed(),
                1 => (rng.below(1_000_000) * 3_600_000_000_000).cast_signed(),
                2 => rng.below(100_000_000_000).cast_signed(),
                _ => rng.below(1_000_000_000).cast_signed(),
            };
            let n = if rng.below(2) == 0 {
                n
            } else {
                n.wrapping_neg()
            };
            let d = GoDuration::from_nanos(n);
            let text = format_go_duration(d);
            assert_eq!(parse_go_duration(&text), Ok(d), "{n} -> {text}");
        }
        for n in [0, 1, -1, i64::MAX, i64::MIN, 999, 1_000, 999_999, 1_000_000] {
            let d = GoDuration::from_nanos(n);
            assert_eq!(parse_go_duration(&format_go_duration(d)), Ok(d), "{n}");
        }
    }

    #[test]
    fn property_composed_durations_parse() {
        let mut rng = Rng(42);
        let units: [(&str, i64); 8] = [
            ("h", NANOS_PER_HOUR),
            ("m", NANOS_PER_MIN),
            ("s", NANOS_PER_SEC),
            ("ms", NANOS_PER_MILLI),
            ("us", NANOS_PER_MICRO),
            ("µs", NANOS_PER_MICRO),
            ("μs", NANOS_PER_MICRO),
            ("ns", 1),
        ];
        for _ in 0..20_000 {
            let parts = 1 + rng.below(4);
            let mut text = String::new();
            let mut want: i64 = 0;
            for _ in 0..parts {
                let (unit, nanos) = units[usize::try_from(rng.below(8)).unwrap_or(0)];
                let v = rng.below(10_000).cast_signed();
                text.push_str(&format!("{v}{unit}"));
                want += v * nanos;
            }
            let (text, want) = match rng.below(3) {
                0 => (format!("-{text}"), -want),
                1 => (format!("+{text}"), want),
                _ => (text, want),
            };
            assert_eq!(dur(&text), want, "{text}");
        }
    }

    // --- integers, booleans, quoting ---

    #[test]
    fn go_int_literals() {
        let p = |s: &str| parse_go_int(s, 64).map_err(|e| e.kind);
        assert_eq!(p("0"), Ok(0));
        assert_eq!(p("-0"), Ok(0));
        assert_eq!(p("0x10"), Ok(16));
        assert_eq!(p("0X1f"), Ok(31));
        assert_eq!(p("010"), Ok(8));
        assert_eq!(p("0o10"), Ok(8));
        assert_eq!(p("0b11"), Ok(3));
        assert_eq!(p("-5"), Ok(-5));
        assert_eq!(p("0x_1"), Ok(1));
        assert_eq!(p("1_2_3"), Ok(123));
        assert_eq!(p("9223372036854775807"), Ok(i64::MAX));
        assert_eq!(p("-9223372036854775808"), Ok(i64::MIN));
        assert_eq!(p("9223372036854775808"), Err(GoIntErrorKind::Range));
        assert_eq!(p("-9223372036854775809"), Err(GoIntErrorKind::Range));
        assert_eq!(p("0xffffffffffffffffff"), Err(GoIntErrorKind::Range));
        for bad in [
            "", "-", "+", "abc", "08", "0x", "0b", "0b2", "1_", "_1", "1__2", "0_x1", " 1", "1 ",
            "1.0", "--1", "+-1", "0x1g",
        ] {
            assert_eq!(p(bad), Err(GoIntErrorKind::Syntax), "{bad:?}");
        }
        assert_eq!(
            parse_go_int("128", 8).map_err(|e| e.kind),
            Err(GoIntErrorKind::Range)
        );
        assert_eq!(parse_go_int("-128", 8), Ok(-128));
        assert_eq!(
            parse_go_int("abc", 64).map_err(|e| e.to_string()),
            Err("strconv.ParseInt: parsing \"abc\": invalid syntax".to_owned())
        );
    }

    #[test]
    fn go_bools() {
        assert_eq!(parse_go_bool("True"), Some(true));
        assert_eq!(parse_go_bool("F"), Some(false));
        assert_eq!(parse_go_bool("yes"), None);
        assert_eq!(parse_go_bool("tRUE"), None);
    }

    #[test]
    fn go_quoting() {
        assert_eq!(go_quote("abc"), "\"abc\"");
        assert_eq!(go_quote(""), "\"\"");
        assert_eq!(go_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(
            go_quote("\n\t\r\u{7}\u{8}\u{c}\u{b}"),
            "\"\\n\\t\\r\\a\\b\\f\\v\""
        );
        assert_eq!(go_quote("\u{1}\u{7f}"), "\"\\x01\\x7f\"");
        assert_eq!(go_quote("é日本"), "\"é日本\"");
        assert_eq!(
            go_quote("\u{a0}\u{200b}\u{feff}"),
            "\"\\u00a0\\u200b\\ufeff\""
        );
        assert_eq!(go_quote("\u{f0000}"), "\"\\U000f0000\"");
    }
}
