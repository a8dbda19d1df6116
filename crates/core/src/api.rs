//! The JSON of cfssl's HTTP API (`/api/v1/cfssl/…`): request bodies read
//! with Go's `encoding/json` rules, and results and the response envelope
//! written byte for byte as cfssl's Go handlers write them.
//!
//! Nothing here does I/O: the server reads a body, hands the bytes to one of
//! the readers below, and writes what the writers return.
//!
//! ```
//! use cfssl_core::api;
//! let req = api::sign_request(br#"{"certificate_request":"PEM","hostname":"a.test,b.test","bundle":true}"#)?;
//! assert_eq!(req.sign.hosts, Some(vec!["a.test".to_string(), "b.test".to_string()]));
//! assert!(req.bundle);
//! assert_eq!(
//!     api::success(r#"{"healthy":true}"#, &[]),
//!     "{\"success\":true,\"result\":{\"healthy\":true},\"errors\":[],\"messages\":[]}\n"
//! );
//! # Ok::<(), cfssl_core::Error>(())
//! ```

use crate::cert::Certificate;
use crate::config::Profile;
use crate::csr::{self, CertificateRequest};
use crate::error::{Error, Result};
use crate::gojson::{self, Decoder, Value};
use crate::signer::{SignRequest, SubjectOverride, split_hosts};
use crate::wire::go_string;

/// cfssl's message when a request asks for a bundle the server cannot build
/// (sent with code 5300 in `messages` of a successful response).
pub const NO_BUNDLER_MESSAGE: &str =
    "This request requires a bundler, but one is not initialized for the API server.";

/// cfssl's warning for a certificate without hosts (code 5300 in `messages`
/// of `/newcert`, and logged by `gencert`).
pub const NO_HOSTS_MESSAGE: &str =
    "This certificate lacks a \"hosts\" field. This makes it unsuitable for
websites. For more information see the Baseline Requirements for the Issuance and Management
of Publicly-Trusted Certificates, v.1.1.6, from the CA/Browser Forum (https://cabforum.org);
specifically, section 10.2.3 (\"Information Requirements\").";

/// The body of `/sign`, or the inner request of `/authsign` (cfssl's
/// `jsonSignRequest`).
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct ApiSignRequest {
    /// The request for the signer: `hostname` (split on commas) wins over
    /// `hosts`; `subject`, `profile`, `label` and `serial` as sent.
    pub sign: SignRequest,
    /// `bundle`: also return the chain.
    pub bundle: bool,
}

/// Reads a sign request body.
///
/// # Errors
/// Any JSON error (syntax, a wrong type, a `serial` that is not an integer);
/// cfssl answers all of them with `Unable to parse sign request`.
pub fn sign_request(body: &[u8]) -> Result<ApiSignRequest> {
    let v = gojson::parse(body)?;
    let mut d = Decoder::new();
    let mut out = ApiSignRequest::default();
    let mut hostname = String::new();
    let mut hosts: Option<Vec<String>> = None;
    let mut csr_text = String::new();
    if !matches!(v, Value::Object(_) | Value::Null) {
        d.top_level_error(&v, "signhandler.jsonSignRequest");
    }
    d.object(
        &v,
        "jsonSignRequest",
        "signhandler.jsonSignRequest",
        &[
            "hostname",
            "hosts",
            "certificate_request",
            "subject",
            "profile",
            "label",
            "serial",
            "bundle",
        ],
        |d, f, v| match f {
            "hostname" => d.string(v, &mut hostname),
            "hosts" => match v {
                Value::Null => hosts = None,
                _ => {
                    let mut h = Vec::new();
                    d.strings(v, &mut h);
                    hosts = Some(h);
                }
            },
            "certificate_request" => d.string(v, &mut csr_text),
            "subject" => {
                if matches!(v, Value::Null) {
                    out.sign.subject = None;
                } else {
                    let mut s = out.sign.subject.take().unwrap_or_default();
                    if decode_subject(d, v, &mut s) {
                        out.sign.subject = Some(s);
                    }
                }
            }
            "profile" => d.string(v, &mut out.sign.profile),
            "label" => d.string(v, &mut out.sign.label),
            "serial" => match v {
                Value::Null => out.sign.serial = None,
                Value::Number(n) => match decimal_to_bytes(n) {
                    Some(b) => out.sign.serial = Some(b),
                    None => d.custom_error(Error::Json(format!(
                        "math/big: cannot unmarshal {} into a *big.Int",
                        go_string(n)
                    ))),
                },
                other => d.wrong_type(other, "big.Int"),
            },
            _ => d.bool(v, &mut out.bundle),
        },
    );
    out.sign.hosts = if hostname.is_empty() {
        hosts
    } else {
        split_hosts(&hostname)
    };
    out.sign.request = csr_text.into_bytes();
    d.finish(out)
}

fn decode_subject(d: &mut Decoder, v: &Value, s: &mut SubjectOverride) -> bool {
    d.object(
        v,
        "Subject",
        "signer.Subject",
        &["CN", "names", "SerialNumber"],
        |d, f, v| match f {
            "CN" => d.string(v, &mut s.cn),
            "names" => d.array(v, "[]csr.Name", &mut s.names, csr::decode_name),
            _ => d.string(v, &mut s.serial_number),
        },
    )
}

/// A non-negative decimal integer as big-endian bytes without leading zeros
/// (`0` is one zero byte). `None` for anything else.
fn decimal_to_bytes(n: &str) -> Option<Vec<u8>> {
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut out: Vec<u8> = vec![0];
    for digit in n.bytes().map(|b| b - b'0') {
        let mut carry = u32::from(digit);
        for byte in out.iter_mut().rev() {
            let v = u32::from(*byte) * 10 + carry;
            *byte = (v & 0xff) as u8;
            carry = v >> 8;
        }
        while carry > 0 {
            out.insert(0, (carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    let first = out.iter().position(|b| *b != 0).unwrap_or(out.len() - 1);
    Some(out.split_off(first))
}

/// The body of `/info` (cfssl's `info.Req`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct InfoRequest {
    /// `label` (only multirootca chooses a signer by it).
    pub label: String,
    /// `profile` ("" or unknown: the default profile).
    pub profile: String,
}

/// Reads an `/info` body.
///
/// # Errors
/// [`Error::Json`] with Go's message.
pub fn info_request(body: &[u8]) -> Result<InfoRequest> {
    let v = gojson::parse(body)?;
    let mut d = Decoder::new();
    let mut out = InfoRequest::default();
    d.object(&v, "Req", "info.Req", &["label", "profile"], |d, f, v| {
        if f == "label" {
            d.string(v, &mut out.label);
        } else {
            d.string(v, &mut out.profile);
        }
    });
    d.finish(out)
}

/// The body of `/newcert` (cfssl's `genSignRequest`).
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct NewCertRequest {
    /// `request`: the CSR request, as for `genkey` (`None` when sent as
    /// `null`).
    pub request: Option<CertificateRequest>,
    /// `profile`.
    pub profile: String,
    /// `label`.
    pub label: String,
    /// `bundle`.
    pub bundle: bool,
}

/// Reads a `/newcert` body. A missing `request` is an empty CSR request, as
/// in cfssl.
///
/// # Errors
/// [`Error::Json`] with Go's message.
pub fn newcert_request(body: &[u8]) -> Result<NewCertRequest> {
    let v = gojson::parse(body)?;
    let mut d = Decoder::new();
    let mut out = NewCertRequest {
        request: Some(CertificateRequest::default()),
        ..NewCertRequest::default()
    };
    if !matches!(v, Value::Object(_) | Value::Null) {
        d.top_level_error(&v, "generator.genSignRequest");
    }
    d.object(
        &v,
        "genSignRequest",
        "generator.genSignRequest",
        &["request", "profile", "label", "bundle"],
        |d, f, v| match f {
            "request" => {
                if matches!(v, Value::Null) {
                    out.request = None;
                } else {
                    let mut r = out.request.take().unwrap_or_default();
                    if !matches!(v, Value::Object(_)) {
                        d.wrong_type(v, "csr.CertificateRequest");
                    }
                    r.decode_from(d, v);
                    out.request = Some(r);
                }
            }
            "profile" => d.string(v, &mut out.profile),
            "label" => d.string(v, &mut out.label),
            _ => d.bool(v, &mut out.bundle),
        },
    );
    d.finish(out)
}

/// Reads a body that cfssl decodes into a `map[string]string` (`/certinfo`,
/// `/bundle`): members in document order, the last of duplicate keys kept,
/// keys matched exactly.
///
/// # Errors
/// [`Error::Json`] with Go's message, e.g. `json: cannot unmarshal bool into
/// Go value of type string`.
pub fn string_map(body: &[u8]) -> Result<Vec<(String, String)>> {
    let v = gojson::parse(body)?;
    let mut d = Decoder::new();
    let mut out = Vec::new();
    d.string_map(&v, &mut out);
    d.finish(out)
}

/// The value of `key` in a string map read by [`string_map`].
pub fn map_get<'a>(map: &'a [(String, String)], key: &str) -> Option<&'a str> {
    map.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// A successful response: `result` is the JSON of the result; `messages`
/// are `(code, message)` pairs. Ends with a newline, as Go's `json.Encoder`.
pub fn success(result: &str, messages: &[(u32, &str)]) -> String {
    format!(
        "{{\"success\":true,\"result\":{result},\"errors\":[],\"messages\":[{}]}}\n",
        messages_json(messages)
    )
}

/// A failed response with one error. Ends with a newline, as Go's
/// `http.Error`.
pub fn failure(code: u32, message: &str) -> String {
    format!(
        "{{\"success\":false,\"result\":null,\"errors\":[{}],\"messages\":[]}}\n",
        crate::wire::error_json(code, message)
    )
}

fn messages_json(messages: &[(u32, &str)]) -> String {
    messages
        .iter()
        .map(|(c, m)| crate::wire::error_json(*c, m))
        .collect::<Vec<_>>()
        .join(",")
}

/// `md5`, `sha-1` and `sha-256` of DER bytes, upper-case hex (cfssl's
/// `generator.Sum`).
pub fn sums_json(der: &[u8]) -> String {
    use aws_lc_rs::digest;
    use md5::Digest;
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02X}")).collect::<String>();
    let md5 = md5::Md5::digest(der);
    let sha1 = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, der);
    let sha256 = digest::digest(&digest::SHA256, der);
    format!(
        "{{\"md5\":\"{}\",\"sha-1\":\"{}\",\"sha-256\":\"{}\"}}",
        hex(&md5),
        hex(sha1.as_ref()),
        hex(sha256.as_ref())
    )
}

/// The `info` result (cfssl's `info.Resp`): the CA certificate PEM without
/// its final newline, the profile's usages and expiry as written.
pub fn info_json(ca: Option<&Certificate>, profile: &Profile) -> String {
    let pem = ca.map(Certificate::to_pem).unwrap_or_default();
    let usages: Vec<String> = profile.usages.iter().map(|u| go_string(u)).collect();
    format!(
        "{{\"certificate\":{},\"usages\":[{}],\"expiry\":{}}}",
        go_string(pem.trim_end_matches('\n')),
        usages.join(","),
        go_string(profile.expiry_string())
    )
}

/// Go's `json.Compact`: the JSON text without the whitespace outside strings.
/// Compacting what `json.MarshalIndent` writes gives what `json.Marshal`
/// writes, so the one indented writer serves both forms.
///
/// ```
/// assert_eq!(cfssl_core::api::compact("{\n  \"a\": [\n    \"x y\"\n  ]\n}"), r#"{"a":["x y"]}"#);
/// ```
pub fn compact(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in json.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !matches!(c, ' ' | '\t' | '\n' | '\r') {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostname_wins_over_hosts_and_empty_hosts_clear() {
        let r =
            sign_request(br#"{"hosts":["x"],"hostname":"a,b","certificate_request":"C"}"#).unwrap();
        assert_eq!(r.sign.hosts.unwrap(), ["a", "b"]);
        assert_eq!(r.sign.request, b"C");
        let r = sign_request(br#"{"hosts":[]}"#).unwrap();
        assert_eq!(r.sign.hosts, Some(vec![]));
        let r = sign_request(br#"{"hosts":null}"#).unwrap();
        assert_eq!(r.sign.hosts, None);
        let r = sign_request(br#"{"Certificate_Request":"C","PROFILE":"p"}"#).unwrap();
        assert_eq!(r.sign.request, b"C");
        assert_eq!(r.sign.profile, "p");
    }

    #[test]
    fn serials_and_subjects() {
        let r = sign_request(br#"{"serial":12345678901234567890123}"#).unwrap();
        let n: u128 = 12_345_678_901_234_567_890_123;
        let want: Vec<u8> = n
            .to_be_bytes()
            .iter()
            .copied()
            .skip_while(|b| *b == 0)
            .collect();
        assert_eq!(r.sign.serial.unwrap(), want);
        assert_eq!(decimal_to_bytes("0").unwrap(), [0]);
        assert_eq!(decimal_to_bytes("256").unwrap(), [1, 0]);
        assert!(sign_request(br#"{"serial":1.5}"#).is_err());
        assert!(sign_request(br#"{"serial":-3}"#).is_err());
        assert!(sign_request(br#"{"serial":"7"}"#).is_err());
        let r = sign_request(br#"{"subject":{"cn":"x","names":[{"O":"o"}],"serialnumber":"9"}}"#)
            .unwrap();
        let s = r.sign.subject.unwrap();
        assert_eq!((s.cn.as_str(), s.serial_number.as_str()), ("x", "9"));
        assert_eq!(s.names[0].o, "o");
        assert!(sign_request(br#"{"hosts":"a"}"#).is_err());
        assert!(sign_request(b"[]").is_err());
        assert!(sign_request(b"").is_err());
    }

    #[test]
    fn other_bodies() {
        assert_eq!(
            info_request(br#"{"Profile":"p"}"#).unwrap().profile,
            "p".to_string()
        );
        assert_eq!(
            info_request(br#"{"profile":1}"#).unwrap_err().message(),
            "json: cannot unmarshal number into Go struct field Req.profile of type string"
        );
        let n = newcert_request(br#"{"request":{"CN":"a","hosts":["h"]},"profile":"p"}"#).unwrap();
        assert_eq!(n.request.unwrap().hosts, ["h"]);
        assert!(
            newcert_request(br#"{"request":null}"#)
                .unwrap()
                .request
                .is_none()
        );
        assert!(newcert_request(b"{}").unwrap().request.is_some());
        assert_eq!(
            string_map(br#"{"certificate":true}"#)
                .unwrap_err()
                .message(),
            "json: cannot unmarshal bool into Go value of type string"
        );
        let m = string_map(br#"{"a":"1","a":"2"}"#).unwrap();
        assert_eq!(map_get(&m, "a"), Some("2"));
    }

    #[test]
    fn envelopes() {
        assert_eq!(
            failure(400, "invalid token"),
            "{\"success\":false,\"result\":null,\"errors\":[{\"code\":400,\"message\":\"invalid token\"}],\"messages\":[]}\n"
        );
        assert_eq!(
            success("{}", &[(5300, "m")]),
            "{\"success\":true,\"result\":{},\"errors\":[],\"messages\":[{\"code\":5300,\"message\":\"m\"}]}\n"
        );
        assert_eq!(
            sums_json(b""),
            "{\"md5\":\"D41D8CD98F00B204E9800998ECF8427E\",\"sha-1\":\"DA39A3EE5E6B4B0D3255BFEF95601890AFD80709\",\"sha-256\":\"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855\"}"
        );
        assert_eq!(compact("[ \"a\\\" b\" ,\n 1 ]"), "[\"a\\\" b\",1]");
    }
}
