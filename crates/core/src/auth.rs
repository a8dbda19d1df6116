//! cfssl's "standard" authentication provider and the authenticated request
//! it signs (mirrors cfssl's `auth` package).
//!
//! The token is HMAC-SHA256 over the exact bytes of the inner request, keyed
//! with the hex-decoded `auth_keys` key; nothing else is mixed in. Keys may be
//! written as hex, `env:NAME` (the variable holds the hex) or `file:PATH` (the
//! file holds the hex, surrounding whitespace ignored). This crate does no
//! I/O, so the caller resolves `env:` and `file:` through a closure.
//!
//! ```
//! use cfssl_core::auth::{AuthenticatedRequest, KeySource, Standard};
//!
//! let key = Standard::new("env:CFSSL_KEY", |src| match src {
//!     KeySource::Env("CFSSL_KEY") => Ok("00112233445566778899aabbccddeeff".into()),
//!     other => Err(format!("unexpected {other:?}")),
//! })?;
//! let inner = br#"{"certificate_request":"..."}"#;
//! let req = AuthenticatedRequest::new(1_700_000_000, key.token(inner), inner.to_vec());
//! let wire = req.to_json();
//! assert!(wire.starts_with(r#"{"timestamp":1700000000,"token":""#));
//!
//! let back = AuthenticatedRequest::from_json(wire.as_bytes())?;
//! assert!(key.verify(&back.request, &back.token));
//! assert!(!key.verify(b"tampered", &back.token));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use aws_lc_rs::hmac;

use crate::error::{Error, Result};
use crate::go::base64 as gobase64;
use crate::go::json::go_string;
use crate::go::json::{self as gojson, Decoder, Value};
use crate::key::Zeroizing;

/// Where an `auth_keys` key that is not plain hex is to be read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySource<'a> {
    /// `env:NAME`: the environment variable `NAME` holds the hex key.
    Env(&'a str),
    /// `file:PATH`: the file holds the hex key (whitespace around it is trimmed).
    File(&'a str),
}

/// Why a key could not be made into a [`Standard`] provider.
///
/// cfssl's config loader reports every one of these as
/// `failed to create new standard auth provider`; the variants say more.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// A `prefix:` other than `env:` and `file:` (Go's `unknown key prefix: PREFIX`).
    UnknownPrefix(String),
    /// The resolver could not read the `env:` or `file:` source; its message.
    Unreadable(String),
    /// The key text is not hex (Go's `encoding/hex` message).
    NotHex(String),
    /// The key is empty, which would make every token forgeable. cfssl accepts
    /// it (an unset `env:` variable gives an empty key); we refuse it.
    Empty,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownPrefix(p) => write!(f, "unknown key prefix: {p}"),
            Self::Unreadable(m) | Self::NotHex(m) => f.write_str(m),
            Self::Empty => f.write_str("the authentication key is empty"),
        }
    }
}

impl std::error::Error for KeyError {}

/// Go's `hex.DecodeString`, with Go's error texts.
fn hex_decode(s: &str) -> std::result::Result<Vec<u8>, KeyError> {
    let digit = |c: u8| -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    };
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len() / 2);
    for pair in bytes.chunks(2) {
        // Go checks the characters of a pair before the length.
        let hi = digit(pair[0]);
        let Some(hi) = hi else {
            return Err(KeyError::NotHex(invalid_byte(pair[0])));
        };
        let Some(&lo) = pair.get(1) else {
            return Err(KeyError::NotHex(
                "encoding/hex: odd length hex string".into(),
            ));
        };
        let Some(lo) = digit(lo) else {
            return Err(KeyError::NotHex(invalid_byte(lo)));
        };
        out.push(hi << 4 | lo);
    }
    Ok(out)
}

fn invalid_byte(b: u8) -> String {
    // Go formats the byte as a rune with %#U.
    let c = char::from(b);
    if c.is_ascii_graphic() || c == ' ' {
        format!("encoding/hex: invalid byte: U+{:04X} '{c}'", u32::from(b))
    } else {
        format!("encoding/hex: invalid byte: U+{:04X}", u32::from(b))
    }
}

/// cfssl's `auth.Standard`: HMAC-SHA256 tokens under one key.
pub struct Standard {
    key: hmac::Key,
    // Kept only so that two providers can be compared in tests and the key
    // length reported; wiped on drop.
    len: usize,
}

impl fmt::Debug for Standard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Standard")
            .field("key", &format_args!("[{} bytes, not shown]", self.len))
            .finish()
    }
}

impl Standard {
    /// A provider for an `auth_keys` `key` value (mirrors `auth.New`): hex,
    /// `env:NAME` or `file:PATH`; `resolve` reads the latter two and returns
    /// the text found (file contents are trimmed here, as cfssl does).
    ///
    /// # Errors
    /// [`KeyError`]: an unknown prefix, an unreadable source, text that is not
    /// hex, or an empty key.
    pub fn new(
        key: &str,
        resolve: impl FnOnce(KeySource<'_>) -> std::result::Result<String, String>,
    ) -> std::result::Result<Self, KeyError> {
        let text: Zeroizing<String> = match key.split_once(':') {
            Some(("env", name)) => {
                Zeroizing::new(resolve(KeySource::Env(name)).map_err(KeyError::Unreadable)?)
            }
            Some(("file", path)) => {
                let raw =
                    Zeroizing::new(resolve(KeySource::File(path)).map_err(KeyError::Unreadable)?);
                Zeroizing::new(raw.trim().to_string())
            }
            Some((prefix, _)) => return Err(KeyError::UnknownPrefix(prefix.to_string())),
            None => Zeroizing::new(key.to_string()),
        };
        Self::from_hex(&text)
    }

    /// A provider for a hex key.
    ///
    /// # Errors
    /// [`KeyError::NotHex`] or [`KeyError::Empty`].
    pub fn from_hex(hex: &str) -> std::result::Result<Self, KeyError> {
        let bytes = Zeroizing::new(hex_decode(hex)?);
        Self::from_bytes(&bytes)
    }

    /// A provider for raw key bytes.
    ///
    /// # Errors
    /// [`KeyError::Empty`] for an empty key.
    pub fn from_bytes(key: &[u8]) -> std::result::Result<Self, KeyError> {
        if key.is_empty() {
            return Err(KeyError::Empty);
        }
        Ok(Self {
            key: hmac::Key::new(hmac::HMAC_SHA256, key),
            len: key.len(),
        })
    }

    /// The token for `request`: HMAC-SHA256 over exactly those bytes (32 bytes).
    pub fn token(&self, request: &[u8]) -> Vec<u8> {
        hmac::sign(&self.key, request).as_ref().to_vec()
    }

    /// Whether `token` is the token of `request`, compared in constant time.
    pub fn verify(&self, request: &[u8], token: &[u8]) -> bool {
        hmac::verify(&self.key, request, token).is_ok()
    }
}

/// The auth providers of a configuration's profiles (cfssl's
/// `SigningProfile.Provider` and `PrevProvider`), keys resolved once.
#[derive(Debug, Default)]
pub struct Providers {
    /// `(profile name, auth_key provider, prev_auth_key provider)`; the
    /// default profile has the name "".
    by_profile: Vec<(String, Standard, Option<Standard>)>,
    /// `(profile name, auth_remote key provider)`: the key a client signs its
    /// requests to a remote `/authsign` with (cfssl's `RemoteProvider`).
    remote_by_profile: Vec<(String, Standard)>,
}

impl Providers {
    /// Builds the providers of every profile with an `auth_key`.
    /// `resolve` reads `env:` and `file:` key sources.
    ///
    /// # Errors
    /// 5200 `failed to create new standard auth provider` (cfssl's text) when
    /// a key cannot be read or is not hex.
    pub fn from_config(
        cfg: &crate::config::Config,
        mut resolve: impl FnMut(KeySource<'_>) -> std::result::Result<String, String>,
    ) -> Result<Self> {
        let mut key = |name: &str| -> Result<Option<Standard>> {
            if name.is_empty() {
                return Ok(None);
            }
            let text = cfg
                .auth_keys
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, k)| k.key.as_str())
                .unwrap_or_default();
            Standard::new(text, &mut resolve).map(Some).map_err(|_| {
                Error::coded(
                    crate::error::Code::PolicyInvalidPolicy,
                    "failed to create new standard auth provider",
                )
            })
        };
        let mut by_profile = Vec::new();
        let mut remote_by_profile = Vec::new();
        let named = std::iter::once(("", &cfg.default))
            .chain(cfg.profiles.iter().map(|(n, p)| (n.as_str(), p)));
        for (name, p) in named {
            if let Some(k) = key(&p.auth_key)? {
                by_profile.push((name.to_string(), k, key(p.prev_auth_key())?));
            }
            if let Some(k) = key(p.auth_remote().1)? {
                remote_by_profile.push((name.to_string(), k));
            }
        }
        Ok(Self {
            by_profile,
            remote_by_profile,
        })
    }

    /// The `auth_remote` key of the profile `name` resolves to (the default
    /// for "" or an unknown name), with which a client authenticates its
    /// requests to the remote's `/authsign`; `None` when the profile has no
    /// `auth_remote` (its requests go to `/sign` unauthenticated).
    pub fn remote_for_profile(&self, cfg: &crate::config::Config, name: &str) -> Option<&Standard> {
        let known = cfg.profiles.iter().any(|(n, _)| n == name);
        let key = if known { name } else { "" };
        self.remote_by_profile
            .iter()
            .find(|(n, _)| n == key)
            .map(|(_, k)| k)
    }

    /// The providers of the profile `name` resolves to (the default for ""
    /// or an unknown name, as cfssl falls back).
    pub fn for_profile(
        &self,
        cfg: &crate::config::Config,
        name: &str,
    ) -> Option<(&Standard, Option<&Standard>)> {
        let known = cfg.profiles.iter().any(|(n, _)| n == name);
        let key = if known { name } else { "" };
        self.by_profile
            .iter()
            .find(|(n, _, _)| n == key)
            .map(|(_, k, prev)| (k, prev.as_ref()))
    }
}

/// cfssl's `auth.AuthenticatedRequest`: the body of `POST /authsign`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthenticatedRequest {
    /// Unix seconds when the request was made (cfssl never checks it).
    pub timestamp: i64,
    /// Optional extra data (unused by the standard provider); omitted when empty.
    pub remote_address: Vec<u8>,
    /// The token over [`Self::request`].
    pub token: Vec<u8>,
    /// The exact bytes of the inner JSON request.
    pub request: Vec<u8>,
}

impl AuthenticatedRequest {
    /// A request without remote address.
    pub fn new(timestamp: i64, token: Vec<u8>, request: Vec<u8>) -> Self {
        Self {
            timestamp,
            remote_address: Vec::new(),
            token,
            request,
        }
    }

    /// The JSON cfssl's client sends, field for field in Go's order:
    /// `{"timestamp":N,"remote_address":"…","token":"…","request":"…"}`, with
    /// `timestamp` omitted when 0 and `remote_address` when empty (Go's
    /// `omitempty`), byte strings as padded standard base64.
    pub fn to_json(&self) -> String {
        let mut out = String::from("{");
        if self.timestamp != 0 {
            out.push_str(&format!("\"timestamp\":{},", self.timestamp));
        }
        if !self.remote_address.is_empty() {
            out.push_str(&format!(
                "\"remote_address\":{},",
                go_string(&gobase64::encode(&self.remote_address))
            ));
        }
        out.push_str(&format!(
            "\"token\":{},\"request\":{}}}",
            go_string(&gobase64::encode(&self.token)),
            go_string(&gobase64::encode(&self.request))
        ));
        out
    }

    /// Reads the JSON as Go's `json.Unmarshal` into cfssl's struct: keys
    /// matched case-insensitively, unknown keys ignored, `null` leaves a field
    /// empty, byte strings base64 (or, as Go also allows, arrays of numbers).
    ///
    /// # Errors
    /// [`Error::Json`] with Go's text: a syntax error, a type error
    /// (`json: cannot unmarshal number into Go struct field
    /// AuthenticatedRequest.token of type []uint8`) or a base64 error
    /// (`illegal base64 data at input byte 4`).
    pub fn from_json(input: &[u8]) -> Result<Self> {
        let v = gojson::parse(input)?;
        let mut d = Decoder::new();
        let mut out = Self::default();
        if !matches!(v, Value::Object(_) | Value::Null) {
            d.top_level_error(&v, "auth.AuthenticatedRequest");
        }
        d.object(
            &v,
            "AuthenticatedRequest",
            "auth.AuthenticatedRequest",
            &["timestamp", "remote_address", "token", "request"],
            |d, f, v| match f {
                "timestamp" => match v {
                    Value::Number(n) => match n.parse::<i64>() {
                        Ok(t) => out.timestamp = t,
                        Err(_) => d.custom_error(Error::Json(format!(
                            "json: cannot unmarshal number {n} into Go struct field \
                             AuthenticatedRequest.timestamp of type int64"
                        ))),
                    },
                    Value::Null => {}
                    other => d.wrong_type(other, "int64"),
                },
                "remote_address" => go_bytes(d, v, f, &mut out.remote_address),
                "token" => go_bytes(d, v, f, &mut out.token),
                _ => go_bytes(d, v, f, &mut out.request),
            },
        );
        d.finish(out)
    }
}

/// A Go `[]byte` field: a base64 string, `null`, or an array of byte numbers.
fn go_bytes(d: &mut Decoder, v: &Value, field: &str, out: &mut Vec<u8>) {
    match v {
        Value::String(s) => match gobase64::decode(s.as_bytes()) {
            Ok(b) => *out = b,
            Err(e) => d.custom_error(Error::Json(e.to_string())),
        },
        Value::Null => out.clear(),
        Value::Array(items) => {
            out.clear();
            for item in items {
                let mut b = 0u8;
                match item {
                    Value::Number(text) => match text.parse::<u8>() {
                        Ok(n) => b = n,
                        Err(_) => d.custom_error(Error::Json(format!(
                            "json: cannot unmarshal number {text} into Go struct field \
                             AuthenticatedRequest.{field} of type uint8"
                        ))),
                    },
                    Value::Null => {}
                    other => d.wrong_type(other, "uint8"),
                }
                out.push(b);
            }
        }
        other => d.wrong_type(other, "[]uint8"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_io(_: KeySource<'_>) -> std::result::Result<String, String> {
        Err("no I/O in this test".into())
    }

    /// The token of the request cfssl 1.6.5 sent in the spec's capture,
    /// recomputed: HMAC over the inner bytes with the hex-decoded key.
    #[test]
    fn token_is_hmac_sha256_over_the_request_bytes() {
        let key = Standard::new("0123456789abcdef0123456789abcdef", no_io).unwrap();
        // RFC 4231 test case 2 checks the primitive itself.
        let jefe = Standard::from_bytes(b"Jefe").unwrap();
        let t = jefe.token(b"what do ya want for nothing?");
        assert_eq!(
            t.iter().map(|b| format!("{b:02x}")).collect::<String>(),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(key.token(b"x").len(), 32);
        assert!(key.verify(b"x", &key.token(b"x")));
        assert!(!key.verify(b"y", &key.token(b"x")));
        assert!(!key.verify(b"x", &key.token(b"x")[..31]));
        assert!(!key.verify(b"x", &[]));
        let other = Standard::from_hex("0123456789abcdef0123456789abcdee").unwrap();
        assert!(!other.verify(b"x", &key.token(b"x")));
        // Upper-case hex is the same key.
        let upper = Standard::from_hex("0123456789ABCDEF0123456789ABCDEF").unwrap();
        assert!(upper.verify(b"x", &key.token(b"x")));
    }

    #[test]
    fn key_sources() {
        let env = Standard::new("env:K", |s| {
            assert_eq!(s, KeySource::Env("K"));
            Ok("4a656665".into())
        })
        .unwrap();
        let file = Standard::new("file:/k", |s| {
            assert_eq!(s, KeySource::File("/k"));
            Ok("  4a656665\n".into())
        })
        .unwrap();
        let jefe = Standard::from_bytes(b"Jefe").unwrap();
        assert_eq!(env.token(b"m"), jefe.token(b"m"));
        assert_eq!(file.token(b"m"), jefe.token(b"m"));
        assert_eq!(
            Standard::new("vault:x", no_io).unwrap_err().to_string(),
            "unknown key prefix: vault"
        );
        assert_eq!(
            Standard::new("env:K", no_io).unwrap_err(),
            KeyError::Unreadable("no I/O in this test".into())
        );
        assert_eq!(
            Standard::new("env:UNSET", |_| Ok(String::new())).unwrap_err(),
            KeyError::Empty
        );
        assert_eq!(
            Standard::from_hex("abc").unwrap_err().to_string(),
            "encoding/hex: odd length hex string"
        );
        assert_eq!(
            Standard::from_hex("zz").unwrap_err().to_string(),
            "encoding/hex: invalid byte: U+007A 'z'"
        );
        assert_eq!(
            Standard::from_hex("abz").unwrap_err().to_string(),
            "encoding/hex: invalid byte: U+007A 'z'"
        );
        assert!(format!("{env:?}").contains("not shown"));
    }

    #[test]
    fn wire_shape_is_gos() {
        let mut r = AuthenticatedRequest::new(1_795_815_649, vec![1, 2, 3], b"{}".to_vec());
        assert_eq!(
            r.to_json(),
            r#"{"timestamp":1795815649,"token":"AQID","request":"e30="}"#
        );
        r.remote_address = b"10.0.0.1".to_vec();
        r.timestamp = 0;
        assert_eq!(
            r.to_json(),
            r#"{"remote_address":"MTAuMC4wLjE=","token":"AQID","request":"e30="}"#
        );
        assert_eq!(
            AuthenticatedRequest::from_json(r.to_json().as_bytes()).unwrap(),
            r
        );
    }

    #[test]
    fn decoding_follows_go() {
        let r = AuthenticatedRequest::from_json(
            br#"{"TIMESTAMP":5,"Token":[1,2],"request":"e30=","remote_address":null,"x":1}"#,
        )
        .unwrap();
        assert_eq!(
            (r.timestamp, r.token, r.request),
            (5, vec![1, 2], b"{}".to_vec())
        );
        let err = |s: &str| {
            AuthenticatedRequest::from_json(s.as_bytes())
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err(r#"{"token":"AQI"}"#),
            "illegal base64 data at input byte 0"
        );
        assert_eq!(
            err(r#"{"token":5}"#),
            "json: cannot unmarshal number into Go struct field AuthenticatedRequest.token of type []uint8"
        );
        assert_eq!(
            err(r#"{"timestamp":"5"}"#),
            "json: cannot unmarshal string into Go struct field AuthenticatedRequest.timestamp of type int64"
        );
        assert_eq!(
            err("[]"),
            "json: cannot unmarshal array into Go value of type auth.AuthenticatedRequest"
        );
        assert_eq!(
            err(r#"{"token":[1,300]}"#),
            "json: cannot unmarshal number 300 into Go struct field AuthenticatedRequest.token of type uint8"
        );
        assert_eq!(err("{"), "unexpected end of JSON input");
    }
}
