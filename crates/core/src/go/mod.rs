//! The Go standard-library behaviours cfssl's output depends on, each
//! reproduced once, here.
//!
//! cfssl is a Go program: its users read Go's error texts, its JSON is
//! written by `encoding/json`, its flags are parsed by `flag`, its durations
//! by `time`. Where our output must be cfssl's byte for byte, the behaviour
//! comes from this module, never from a second copy elsewhere:
//!
//! | module | Go package | what |
//! | --- | --- | --- |
//! | [`json`] | `encoding/json` | the one JSON reader (Go's syntax and type errors, field-name folding, duplicate members) and the one writer ([`json::Json`], compact or indented; [`json::go_string`]) |
//! | [`strconv`] | `strconv` | `Quote` (`%q`, [`strconv::go_quote`]), `ParseBool`, `ParseInt(s, 0, bits)` |
//! | [`duration`] | `time` | `ParseDuration` and `Duration.String` |
//! | [`base64`] | `encoding/base64` | `StdEncoding`: encoding, and decoding with Go's leniencies and error offsets |
//! | [`hex`] | `encoding/hex` | `DecodeString` and its errors |
//! | [`pem`] | `encoding/pem` | `pem.Decode` (what it skips, what it refuses) and `pem.Encode` |
//! | [`path`] | `path`, `path/filepath` | `Clean`, `Join`, `Dir` |
//! | [`os`] | `os`, `syscall` | an errno as Go prints it |
//!
//! Go's strict DER rules (`encoding/asn1`: minimal lengths, no indefinite
//! lengths) are applied by the crate's one DER reader, which every parser
//! of certificates, CSRs and keys goes through; it is internal.
//!
//! ```
//! use cfssl_core::go::{duration, json, strconv};
//! assert_eq!(strconv::go_quote("a\tb"), r#""a\tb""#);
//! assert_eq!(duration::format(duration::parse("90m")?), "1h30m0s");
//! assert_eq!(json::go_string("<a>"), r#""\u003ca\u003e""#);
//! # Ok::<(), cfssl_core::Error>(())
//! ```

pub mod base64;
pub mod duration;
pub mod hex;
pub mod json;
pub mod os;
pub mod path;
pub mod pem;
pub mod strconv;
