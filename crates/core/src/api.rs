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
use crate::go::json::go_string;
use crate::go::json::{self as gojson, Decoder, Value};
use crate::signer::{SignRequest, SubjectOverride, split_hosts};

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

impl InfoRequest {
    /// A request for a label and a profile.
    pub fn new(label: impl Into<String>, profile: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            profile: profile.into(),
        }
    }

    /// The body cfssl's remote client POSTs to `/info`:
    /// `{"label":…,"profile":…}`.
    pub fn to_json(&self) -> String {
        client_info_request(&self.label, &self.profile)
    }
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

/// The body of `/revoke` (cfssl's `jsonRevokeRequest`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RevokeRequest {
    /// `serial`: decimal, as stored.
    pub serial: String,
    /// `authority_key_id`: lowercase hex without colons, as stored (not
    /// normalised, as in cfssl).
    pub authority_key_id: String,
    /// `reason`: a name or a number, as a string (see
    /// [`crate::revocation::reason_code`]).
    pub reason: String,
}

/// Reads a `/revoke` body.
///
/// # Errors
/// [`Error::Json`] with Go's message (a `reason` that is a JSON number is
/// a type error, as in cfssl).
///
/// ```
/// let r = cfssl_core::api::revoke_request(br#"{"serial":"12","authority_key_id":"ab","reason":"keyCompromise"}"#)?;
/// assert_eq!((r.serial.as_str(), r.reason.as_str()), ("12", "keyCompromise"));
/// assert!(cfssl_core::api::revoke_request(br#"{"serial":"12","reason":1}"#).is_err());
/// # Ok::<(), cfssl_core::Error>(())
/// ```
pub fn revoke_request(body: &[u8]) -> Result<RevokeRequest> {
    let v = gojson::parse(body)?;
    let mut d = Decoder::new();
    let mut out = RevokeRequest::default();
    if !matches!(v, Value::Object(_) | Value::Null) {
        d.top_level_error(&v, "revoke.jsonRevokeRequest");
    }
    d.object(
        &v,
        "jsonRevokeRequest",
        "revoke.jsonRevokeRequest",
        &["serial", "authority_key_id", "reason"],
        |d, f, v| match f {
            "serial" => d.string(v, &mut out.serial),
            "authority_key_id" => d.string(v, &mut out.authority_key_id),
            _ => d.string(v, &mut out.reason),
        },
    );
    d.finish(out)
}

/// The body of `/gencrl` (cfssl's `gencrl.jsonCRLRequest`).
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct GenCrlRequest {
    /// `certificate`: the issuer, PEM.
    pub certificate: String,
    /// `serialNumber`: decimal serials.
    pub serial_number: Vec<String>,
    /// `issuingKey`: the issuer's key, PEM.
    pub issuing_key: String,
    /// `expireTime`: the lifetime in seconds (see
    /// [`crate::crl::go_parse_int32`]); empty for a week.
    pub expire_time: String,
}

/// Reads a `/gencrl` body.
///
/// # Errors
/// [`Error::Json`] with Go's message.
///
/// ```
/// let r = cfssl_core::api::gencrl_request(br#"{"serialNumber":["1","2"],"expireTime":"60"}"#)?;
/// assert_eq!((r.serial_number.len(), r.expire_time.as_str()), (2, "60"));
/// # Ok::<(), cfssl_core::Error>(())
/// ```
pub fn gencrl_request(body: &[u8]) -> Result<GenCrlRequest> {
    let v = gojson::parse(body)?;
    let mut d = Decoder::new();
    let mut out = GenCrlRequest::default();
    if !matches!(v, Value::Object(_) | Value::Null) {
        d.top_level_error(&v, "gencrl.jsonCRLRequest");
    }
    d.object(
        &v,
        "jsonCRLRequest",
        "gencrl.jsonCRLRequest",
        &["certificate", "serialNumber", "issuingKey", "expireTime"],
        |d, f, v| match f {
            "certificate" => d.string(v, &mut out.certificate),
            "serialNumber" => d.strings(v, &mut out.serial_number),
            "issuingKey" => d.string(v, &mut out.issuing_key),
            _ => d.string(v, &mut out.expire_time),
        },
    );
    d.finish(out)
}

/// The body of `/ocspsign` (cfssl's `ocsp.jsonSignRequest`).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct OcspSignRequest {
    /// `certificate`: PEM.
    pub certificate: String,
    /// `status`: `good` (the default), `revoked` or `unknown`.
    pub status: String,
    /// `reason`: a `CRLReason` code (a JSON number), used when revoked.
    pub reason: i64,
    /// `revoked_at`: `YYYY-MM-DD`, or `now`/empty for now.
    pub revoked_at: String,
    /// `issuer_hash`: `SHA1` (when empty), `SHA256`, `SHA384`, `SHA512`.
    pub issuer_hash: String,
}

/// Reads an `/ocspsign` body.
///
/// # Errors
/// [`Error::Json`] with Go's message (a string `reason` is a type error).
///
/// ```
/// let r = cfssl_core::api::ocspsign_request(br#"{"certificate":"x","reason":1}"#)?;
/// assert_eq!((r.status.as_str(), r.reason), ("good", 1));
/// assert!(cfssl_core::api::ocspsign_request(br#"{"reason":"1"}"#).is_err());
/// # Ok::<(), cfssl_core::Error>(())
/// ```
pub fn ocspsign_request(body: &[u8]) -> Result<OcspSignRequest> {
    let v = gojson::parse(body)?;
    let mut d = Decoder::new();
    let mut out = OcspSignRequest {
        certificate: String::new(),
        status: "good".into(),
        reason: 0,
        revoked_at: String::new(),
        issuer_hash: String::new(),
    };
    if !matches!(v, Value::Object(_) | Value::Null) {
        d.top_level_error(&v, "ocsp.jsonSignRequest");
    }
    d.object(
        &v,
        "jsonSignRequest",
        "ocsp.jsonSignRequest",
        &[
            "certificate",
            "status",
            "reason",
            "revoked_at",
            "issuer_hash",
        ],
        |d, f, v| match f {
            "certificate" => d.string(v, &mut out.certificate),
            "status" => d.string(v, &mut out.status),
            "reason" => d.int(v, &mut out.reason),
            "revoked_at" => d.string(v, &mut out.revoked_at),
            _ => d.string(v, &mut out.issuer_hash),
        },
    );
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
    }
}

/// The `info` result (cfssl's `info.Resp`): what `/info` answers and what
/// `cfssl info` prints.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Info {
    /// The CA certificate, PEM, as the signer sends it (the local signer
    /// sends it without its final newline).
    pub certificate: String,
    /// The profile's usages.
    pub usages: Vec<String>,
    /// The profile's expiry as written in its config.
    pub expiry: String,
}

impl Info {
    /// The info of a local signer for one of its profiles.
    pub fn local(ca: Option<&Certificate>, profile: &Profile) -> Self {
        let pem = ca.map(Certificate::to_pem).unwrap_or_default();
        Self {
            certificate: pem.trim_end_matches('\n').to_string(),
            usages: profile.usages.clone(),
            expiry: profile.expiry_string().to_string(),
        }
    }

    /// The JSON cfssl writes: `{"certificate":…,"usages":[…],"expiry":…}`.
    pub fn to_json(&self) -> String {
        let usages: Vec<String> = self.usages.iter().map(|u| go_string(u)).collect();
        format!(
            "{{\"certificate\":{},\"usages\":[{}],\"expiry\":{}}}",
            go_string(&self.certificate),
            usages.join(","),
            go_string(&self.expiry)
        )
    }
}

/// The body cfssl's remote client POSTs to `/sign` (and signs into the
/// inner request of `/authsign`): Go's `json.Marshal` of its whole
/// `signer.SignRequest`, Go field names and zero values included, so that a
/// server (or multirootca) reads what cfssl's client would have sent.
///
/// ```
/// use cfssl_core::signer::SignRequest;
/// let mut req = SignRequest::new("PEM");
/// req.profile = "server".into();
/// assert_eq!(
///     cfssl_core::api::client_sign_request(&req),
///     r#"{"hosts":null,"certificate_request":"PEM","profile":"server","crl_override":"","label":"","NotBefore":"0001-01-01T00:00:00Z","NotAfter":"0001-01-01T00:00:00Z","ReturnPrecert":false,"metadata":null}"#
/// );
/// ```
pub fn client_sign_request(req: &SignRequest) -> String {
    let mut out = String::from("{\"hosts\":");
    match &req.hosts {
        None => out.push_str("null"),
        Some(h) => {
            let items: Vec<String> = h.iter().map(|s| go_string(s)).collect();
            out.push('[');
            out.push_str(&items.join(","));
            out.push(']');
        }
    }
    out.push_str(",\"certificate_request\":");
    out.push_str(&go_string(&String::from_utf8_lossy(&req.request)));
    if let Some(s) = &req.subject {
        out.push_str(",\"subject\":{\"CN\":");
        out.push_str(&go_string(&s.cn));
        out.push_str(",\"names\":");
        if s.names.is_empty() {
            out.push_str("null");
        } else {
            let names: Vec<String> = s.names.iter().map(name_json).collect();
            out.push('[');
            out.push_str(&names.join(","));
            out.push(']');
        }
        out.push_str(",\"SerialNumber\":");
        out.push_str(&go_string(&s.serial_number));
        out.push('}');
    }
    for (key, value) in [
        ("profile", &req.profile),
        ("crl_override", &req.crl_override),
        ("label", &req.label),
    ] {
        out.push_str(&format!(",\"{key}\":{}", go_string(value)));
    }
    if let Some(serial) = &req.serial {
        out.push_str(",\"serial\":");
        out.push_str(&crate::cert::decimal(serial));
    }
    out.push_str(
        ",\"NotBefore\":\"0001-01-01T00:00:00Z\",\"NotAfter\":\"0001-01-01T00:00:00Z\",\"ReturnPrecert\":false,\"metadata\":null}",
    );
    out
}

/// Go's JSON of a `csr.Name` (every field `omitempty`, `OID` keys sorted).
fn name_json(n: &csr::Name) -> String {
    let mut fields = Vec::new();
    for (key, value) in [
        ("C", &n.c),
        ("ST", &n.st),
        ("L", &n.l),
        ("O", &n.o),
        ("OU", &n.ou),
        ("E", &n.e),
        ("SerialNumber", &n.serial_number),
    ] {
        if !value.is_empty() {
            fields.push(format!("\"{key}\":{}", go_string(value)));
        }
    }
    if !n.oid.is_empty() {
        let mut oids: Vec<&(String, String)> = n.oid.iter().collect();
        oids.sort_by(|a, b| a.0.cmp(&b.0));
        oids.dedup_by(|a, b| a.0 == b.0);
        let items: Vec<String> = oids
            .iter()
            .map(|(k, v)| format!("{}:{}", go_string(k), go_string(v)))
            .collect();
        fields.push(format!("\"OID\":{{{}}}", items.join(",")));
    }
    format!("{{{}}}", fields.join(","))
}

/// The body cfssl's remote client POSTs to `/info`: `{"label":…,"profile":…}`.
pub fn client_info_request(label: &str, profile: &str) -> String {
    format!(
        "{{\"label\":{},\"profile\":{}}}",
        go_string(label),
        go_string(profile)
    )
}

/// What a remote answered with HTTP 200, read as cfssl's client reads it
/// (`api.Response`): the `result` object's members, or the error cfssl's
/// client makes of the reply.
fn remote_result(body: &[u8]) -> Result<Vec<(String, Value)>> {
    use crate::error::Code;
    let v = gojson::parse(body).map_err(|e| Error::coded(Code::ApiClientJsonError, e.message()))?;
    let mut d = Decoder::new();
    let mut success = false;
    let mut result = Value::Null;
    let mut first_error: Option<String> = None;
    if !matches!(v, Value::Object(_) | Value::Null) {
        d.top_level_error(&v, "api.Response");
    }
    d.object(
        &v,
        "Response",
        "api.Response",
        &["success", "result", "errors", "messages"],
        |d, f, v| match f {
            "success" => d.bool(v, &mut success),
            "result" => result = v.clone(),
            "errors" => match v {
                Value::Array(items) => {
                    for it in items {
                        let mut message = String::new();
                        let mut code = 0;
                        d.object(
                            it,
                            "ResponseMessage",
                            "api.ResponseMessage",
                            &["code", "message"],
                            |d, f, v| {
                                if f == "code" {
                                    d.int(v, &mut code);
                                } else {
                                    d.string(v, &mut message);
                                }
                            },
                        );
                        first_error.get_or_insert(message);
                    }
                }
                Value::Null => {}
                other => d.wrong_type(other, "[]api.ResponseMessage"),
            },
            _ => {}
        },
    );
    d.finish(())
        .map_err(|e| Error::coded(Code::ApiClientJsonError, e.message()))?;
    if !success || matches!(result, Value::Null) {
        return Err(match first_error {
            Some(m) => Error::coded(Code::ApiClientServerRequestFailed, m),
            None => Error::coded(
                Code::ApiClientServerRequestFailed,
                "API client error: Server request failed",
            ),
        });
    }
    match &result {
        Value::Object(members) => Ok(members.clone()),
        _ => Err(Error::coded(
            Code::ApiClientHttpError,
            "response is formatted improperly",
        )),
    }
}

/// The last member named `key` (Go's map keeps the last duplicate).
fn member<'a>(members: &'a [(String, Value)], key: &str) -> Option<&'a Value> {
    members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// The certificate a remote `/sign` or `/authsign` answered with HTTP 200.
///
/// # Errors
/// As cfssl's client: 7200 for a reply that is not JSON, 7500 with the
/// remote's first error message for `success:false`, 7400 `response doesn't
/// contain certificate.` when there is no certificate (cfssl's client
/// panics when `certificate` is missing or not a string).
///
/// ```
/// let cert = cfssl_core::api::remote_certificate(
///     br#"{"success":true,"result":{"certificate":"PEM"},"errors":[],"messages":[]}"#,
/// )?;
/// assert_eq!(cert, "PEM");
/// let e = cfssl_core::api::remote_certificate(
///     br#"{"success":false,"result":null,"errors":[{"code":400,"message":"invalid token"}],"messages":[]}"#,
/// ).unwrap_err();
/// assert_eq!((e.code(), e.message()), (Some(cfssl_core::Code::ApiClientServerRequestFailed), "invalid token"));
/// # Ok::<(), cfssl_core::Error>(())
/// ```
pub fn remote_certificate(body: &[u8]) -> Result<String> {
    let members = remote_result(body)?;
    match member(&members, "certificate") {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        _ => Err(Error::coded(
            crate::error::Code::ApiClientHttpError,
            "response doesn't contain certificate.",
        )),
    }
}

/// The info a remote `/info` answered with HTTP 200.
///
/// # Errors
/// As [`remote_certificate`]; members of the wrong type are 7200 (cfssl's
/// client panics on them).
pub fn remote_info(body: &[u8]) -> Result<Info> {
    let members = remote_result(body)?;
    let bad = || {
        Error::coded(
            crate::error::Code::ApiClientJsonError,
            "API client JSON config error",
        )
    };
    let mut info = Info::default();
    match member(&members, "certificate") {
        Some(Value::String(s)) => info.certificate = s.clone(),
        None => {}
        Some(_) => return Err(bad()),
    }
    match member(&members, "usages") {
        Some(Value::Array(items)) => {
            for it in items {
                match it {
                    Value::String(s) => info.usages.push(s.clone()),
                    _ => return Err(bad()),
                }
            }
        }
        Some(Value::Null) | None => {}
        Some(_) => return Err(bad()),
    }
    match member(&members, "expiry") {
        Some(Value::String(s)) => info.expiry = s.clone(),
        Some(Value::Null) | None => {}
        Some(_) => return Err(bad()),
    }
    Ok(info)
}

/// A time read from JSON as Go's `time.Time` reads it: RFC 3339, with the
/// instant and whether it was written in UTC (`Z`). Go compares times with
/// their location, so cfssl's `/certadd` takes an expiry as the
/// certificate's only when it is written with `Z`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct GoTime {
    /// The instant.
    pub instant: chrono::DateTime<chrono::Utc>,
    /// Written with `Z` (Go's UTC location) rather than a numeric offset.
    pub utc: bool,
}

impl GoTime {
    /// Parses Go's `time.RFC3339` layout as `time.Time.UnmarshalJSON` does
    /// (Go 1.19): `2006-01-02T15:04:05Z07:00`, optional fractional
    /// seconds, `T` and `Z` in upper case.
    ///
    /// ```
    /// use cfssl_core::api::GoTime;
    /// let t = GoTime::parse("2027-12-03T10:48:00Z").unwrap();
    /// assert!(t.utc);
    /// assert_eq!(GoTime::parse("2027-12-03T12:48:00+02:00").unwrap().instant, t.instant);
    /// assert!(GoTime::parse("2027-12-03 10:48:00Z").is_none());
    /// ```
    pub fn parse(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        let digits =
            |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
        let shape = b.len() >= 20
            && digits(0..4)
            && b[4] == b'-'
            && digits(5..7)
            && b[7] == b'-'
            && digits(8..10)
            && b[10] == b'T'
            && digits(11..13)
            && b[13] == b':'
            && digits(14..16)
            && b[16] == b':'
            && digits(17..19)
            && &b[17..19] != b"60";
        if !shape {
            return None;
        }
        let mut rest = &b[19..];
        if let Some(frac) = rest.strip_prefix(b".") {
            let n = frac.iter().take_while(|d| d.is_ascii_digit()).count();
            if n == 0 {
                return None;
            }
            rest = &frac[n..];
        }
        let utc = match rest {
            b"Z" => true,
            [b'+' | b'-', h1, h2, b':', m1, m2]
                if [h1, h2, m1, m2].iter().all(|d| d.is_ascii_digit()) =>
            {
                false
            }
            _ => return None,
        };
        let instant = chrono::DateTime::parse_from_rfc3339(s).ok()?.to_utc();
        Some(Self { instant, utc })
    }

    /// Go's `IsZero`: the instant is 0001-01-01 00:00:00 UTC, whatever the
    /// offset it was written with.
    pub fn is_zero(&self) -> bool {
        self.instant == go_zero_time()
    }
}

/// Go's zero `time.Time`, 0001-01-01 00:00:00 UTC (what cfssl stores for
/// a time never set, such as a good certificate's `revoked_at`).
pub fn go_zero_time() -> chrono::DateTime<chrono::Utc> {
    // Year 1 is within chrono's range: the fallback is never taken.
    chrono::NaiveDate::from_ymd_opt(1, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(chrono::DateTime::<chrono::Utc>::MIN_UTC, |n| n.and_utc())
}

/// The fields of a certificate record as cfssl's `certdb.CertificateRecord`
/// names them: the JSON keys of `/certadd` and the columns of the
/// `certificates` table (migration 001's first 8, then 002's), in that order.
pub const CERTIFICATE_RECORD_FIELDS: [&str; 13] = [
    "serial_number",
    "authority_key_identifier",
    "ca_label",
    "status",
    "reason",
    "expiry",
    "revoked_at",
    "pem",
    "issued_at",
    "not_before",
    "metadata",
    "sans",
    "common_name",
];

/// The body of `/certadd` (cfssl's `certadd.AddRequest`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CertAddRequest {
    /// `serial_number`: decimal.
    pub serial_number: String,
    /// `authority_key_identifier`: hex, stored as given.
    pub authority_key_identifier: String,
    /// `ca_label`.
    pub ca_label: String,
    /// `status`: `good`, `revoked` or `unknown`.
    pub status: String,
    /// `reason`.
    pub reason: i64,
    /// `expiry` (`None` when absent or `null`).
    pub expiry: Option<GoTime>,
    /// `revoked_at`.
    pub revoked_at: Option<GoTime>,
    /// `pem`.
    pub pem: String,
    /// `issued_at`.
    pub issued_at: Option<GoTime>,
    /// `not_before`.
    pub not_before: Option<GoTime>,
    /// `metadata`: the raw JSON as sent (`None` when absent).
    pub metadata: Option<Vec<u8>>,
    /// `sans`: the raw JSON as sent.
    pub sans: Option<Vec<u8>>,
    /// `common_name`.
    pub common_name: String,
}

/// A Go `time.Time` member (RFC 3339) as `encoding/json` reads it: `None`
/// for `null` or after recording Go's error.
fn go_time_member(d: &mut Decoder, v: &Value) -> Option<GoTime> {
    match v {
        Value::Null => None,
        Value::String(s) => {
            let t = GoTime::parse(s);
            if t.is_none() {
                d.custom_error(Error::Json(format!(
                    "parsing time {} as \"2006-01-02T15:04:05Z07:00\": cannot parse",
                    go_string(s)
                )));
            }
            t
        }
        _ => {
            d.custom_error(Error::Json(
                "Time.UnmarshalJSON: input is not a JSON string".into(),
            ));
            None
        }
    }
}

/// Reads a `/certadd` body with Go's rules: field names matched
/// case-insensitively, the last of duplicates kept, times in RFC 3339,
/// `metadata` and `sans` kept byte for byte.
///
/// ```
/// let r = cfssl_core::api::cert_add_request(
///     br#"{"serial_number":"12","status":"good","expiry":"2027-01-01T00:00:00Z","metadata":{"a":  1}}"#,
/// )?;
/// assert_eq!(r.metadata.as_deref(), Some(&br#"{"a":  1}"#[..]));
/// assert!(cfssl_core::api::cert_add_request(br#"{"reason":"1"}"#).is_err());
/// # Ok::<(), cfssl_core::Error>(())
/// ```
///
/// # Errors
/// [`Error::Json`] for a body Go's `json.Unmarshal` refuses.
pub fn cert_add_request(body: &[u8]) -> Result<CertAddRequest> {
    let v = gojson::parse(body)?;
    let mut d = Decoder::new();
    let mut out = CertAddRequest::default();
    if !matches!(v, Value::Object(_) | Value::Null) {
        d.top_level_error(&v, "certadd.AddRequest");
    }
    let time = |d: &mut Decoder, v: &Value, slot: &mut Option<GoTime>| {
        if let Some(t) = go_time_member(d, v) {
            *slot = Some(t);
        }
    };
    d.object(
        &v,
        "AddRequest",
        "certadd.AddRequest",
        &CERTIFICATE_RECORD_FIELDS,
        |d, f, v| match f {
            "serial_number" => d.string(v, &mut out.serial_number),
            "authority_key_identifier" => d.string(v, &mut out.authority_key_identifier),
            "ca_label" => d.string(v, &mut out.ca_label),
            "status" => d.string(v, &mut out.status),
            "reason" => d.int(v, &mut out.reason),
            "expiry" => time(d, v, &mut out.expiry),
            "revoked_at" => time(d, v, &mut out.revoked_at),
            "pem" => d.string(v, &mut out.pem),
            "issued_at" => {
                if matches!(v, Value::Null) {
                    out.issued_at = None;
                } else {
                    time(d, v, &mut out.issued_at);
                }
            }
            "not_before" => {
                if matches!(v, Value::Null) {
                    out.not_before = None;
                } else {
                    time(d, v, &mut out.not_before);
                }
            }
            "common_name" => d.string(v, &mut out.common_name),
            // metadata and sans: their raw bytes, below.
            _ => {}
        },
    );
    let mut out = d.finish(out)?;
    if matches!(v, Value::Object(_)) {
        for (key, raw) in gojson::raw_members(body) {
            let field = CERTIFICATE_RECORD_FIELDS
                .iter()
                .find(|f| **f == key)
                .or_else(|| {
                    CERTIFICATE_RECORD_FIELDS
                        .iter()
                        .find(|f| gojson::field_matches(&key, f))
                });
            match field {
                Some(&"metadata") => out.metadata = Some(raw.to_vec()),
                Some(&"sans") => out.sans = Some(raw.to_vec()),
                _ => {}
            }
        }
    }
    Ok(out)
}

/// Reads the inner request of multirootca's `/authsign` the way it does:
/// Go's `json.Unmarshal` into cfssl's full `signer.SignRequest` (not serve's
/// `jsonSignRequest`), so `hosts`, `certificate_request`, `subject`,
/// `profile`, `crl_override`, `label`, `serial`, `extensions`, `NotBefore`,
/// `NotAfter`, `ReturnPrecert` and `metadata` are read, and `hostname` and
/// `bundle` are not fields (ignored).
///
/// ```
/// let req = cfssl_core::api::full_sign_request(
///     br#"{"hosts":["a.test"],"label":"primary","NotAfter":"2030-01-01T00:00:00Z","metadata":{"b":1,"a":"x"}}"#,
/// )?;
/// assert_eq!(req.label, "primary");
/// assert_eq!(req.metadata.as_deref(), Some(r#"{"a":"x","b":1}"#));
/// assert!(cfssl_core::api::full_sign_request(br#"{"hosts":"a.test"}"#).is_err());
/// # Ok::<(), cfssl_core::Error>(())
/// ```
///
/// # Errors
/// [`Error::Json`] with Go's text for a syntax or type error, an `id` that
/// is not an OID string, a time that is not RFC 3339, a serial that is not
/// an integer.
pub fn full_sign_request(body: &[u8]) -> Result<SignRequest> {
    const FIELDS: [&str; 12] = [
        "hosts",
        "certificate_request",
        "subject",
        "profile",
        "crl_override",
        "label",
        "serial",
        "extensions",
        "NotBefore",
        "NotAfter",
        "ReturnPrecert",
        "metadata",
    ];
    let v = gojson::parse(body)?;
    let mut d = Decoder::new();
    let mut out = SignRequest::default();
    let mut csr_text = String::new();
    if !matches!(v, Value::Object(_) | Value::Null) {
        d.top_level_error(&v, "signer.SignRequest");
    }
    let time = |d: &mut Decoder, v: &Value, slot: &mut Option<chrono::DateTime<chrono::Utc>>| {
        if let Some(t) = go_time_member(d, v) {
            *slot = (!t.is_zero()).then_some(t.instant);
        }
    };
    d.object(
        &v,
        "SignRequest",
        "signer.SignRequest",
        &FIELDS,
        |d, f, v| match f {
            "hosts" => match v {
                Value::Null => out.hosts = None,
                _ => {
                    let mut h = Vec::new();
                    d.strings(v, &mut h);
                    out.hosts = Some(h);
                }
            },
            "certificate_request" => d.string(v, &mut csr_text),
            "subject" => {
                if matches!(v, Value::Null) {
                    out.subject = None;
                } else {
                    let mut s = out.subject.take().unwrap_or_default();
                    if decode_subject(d, v, &mut s) {
                        out.subject = Some(s);
                    }
                }
            }
            "profile" => d.string(v, &mut out.profile),
            "crl_override" => d.string(v, &mut out.crl_override),
            "label" => d.string(v, &mut out.label),
            "serial" => match v {
                Value::Null => out.serial = None,
                Value::Number(n) => match decimal_to_bytes(n) {
                    Some(b) => out.serial = Some(b),
                    None => d.custom_error(Error::Json(format!(
                        "math/big: cannot unmarshal {} into a *big.Int",
                        go_string(n)
                    ))),
                },
                other => d.custom_error(Error::Json(format!(
                    "math/big: cannot unmarshal {} into a *big.Int",
                    go_string(&gojson_text(other))
                ))),
            },
            "extensions" => d.array(
                v,
                "[]signer.Extension",
                &mut out.extensions,
                decode_extension,
            ),
            "NotBefore" => time(d, v, &mut out.not_before),
            "NotAfter" => time(d, v, &mut out.not_after),
            "ReturnPrecert" => d.bool(v, &mut out.return_precert),
            _ => match v {
                Value::Null => out.metadata = None,
                Value::Object(_) => match go_marshal_interface(v) {
                    Ok(text) => out.metadata = Some(text),
                    Err(n) => d.custom_error(Error::Json(format!(
                        "json: cannot unmarshal number {n} into Go struct field \
                     SignRequest.metadata of type float64"
                    ))),
                },
                other => d.wrong_type(other, "map[string]interface {}"),
            },
        },
    );
    out.request = csr_text.into_bytes();
    d.finish(out)
}

/// The JSON text of a value as Go's decoder hands it to a custom
/// `UnmarshalJSON` (compact; what `big.Int` quotes in its error).
fn gojson_text(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.clone(),
        Value::String(s) => go_string(s),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(gojson_text).collect::<Vec<_>>().join(",")
        ),
        Value::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{}:{}", go_string(k), gojson_text(v)))
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}

fn decode_extension(d: &mut Decoder, v: &Value, e: &mut crate::signer::RequestExtension) {
    d.object(
        v,
        "Extension",
        "signer.Extension",
        &["id", "critical", "value"],
        |d, f, v| match f {
            "id" => match v {
                // config.OID's UnmarshalJSON: a quoted dotted OID.
                Value::String(s) => match go_parse_oid(s) {
                    Some(oid) => e.id = oid,
                    None => d.custom_error(Error::Json("Invalid OID".into())),
                },
                Value::Null => {}
                other => d.custom_error(Error::Json(format!(
                    "OID JSON string not wrapped in quotes.{}",
                    gojson_text(other)
                ))),
            },
            "critical" => d.bool(v, &mut e.critical),
            _ => d.string(v, &mut e.value),
        },
    );
}

/// cfssl's `parseObjectIdentifier`: the text must contain a digit (its
/// regular expression is unanchored), and every dot-separated part must be
/// a Go `int` (`strconv.Atoi`); the OID in canonical dotted form.
fn go_parse_oid(s: &str) -> Option<String> {
    if !s.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    let parts: Option<Vec<i64>> = s.split('.').map(|p| p.parse::<i64>().ok()).collect();
    let parts = parts?;
    Some(
        parts
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join("."),
    )
}

/// Go's `json.Marshal` of a value decoded into `interface{}`: object keys
/// sorted (the last of duplicates kept), numbers as `float64`. `Err` holds
/// a number that does not fit a `float64`.
fn go_marshal_interface(v: &Value) -> std::result::Result<String, String> {
    Ok(match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::String(s) => go_string(s),
        Value::Number(n) => {
            let f: f64 = n.parse().map_err(|_| n.clone())?;
            if !f.is_finite() {
                return Err(n.clone());
            }
            go_float(f)
        }
        Value::Array(items) => {
            let parts: std::result::Result<Vec<String>, String> =
                items.iter().map(go_marshal_interface).collect();
            format!("[{}]", parts?.join(","))
        }
        Value::Object(members) => {
            let mut map = std::collections::BTreeMap::new();
            for (k, v) in members {
                map.insert(k.as_str(), go_marshal_interface(v)?);
            }
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}:{v}", go_string(k)))
                .collect();
            format!("{{{}}}", parts.join(","))
        }
    })
}

/// `encoding/json`'s float64 text: shortest digits, exponent form below
/// 1e-6 and from 1e21 (`1e+21`, `1e-7`).
fn go_float(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let s = format!("{f:e}");
        match s.split_once('e') {
            Some((m, e)) if !e.starts_with('-') => format!("{m}e+{e}"),
            _ => s,
        }
    } else {
        format!("{f}")
    }
}

#[cfg(test)]
mod full_sign_request_tests {
    use super::*;

    #[test]
    fn metadata_as_go_marshals_it() {
        let r =
            full_sign_request(br#"{"metadata":{"z":[1.0,1e21,1e-7,0.5,"<"],"a":null,"a":true}}"#)
                .unwrap();
        assert_eq!(
            r.metadata.as_deref(),
            Some(r#"{"a":true,"z":[1,1e+21,1e-7,0.5,"\u003c"]}"#)
        );
        assert_eq!(
            full_sign_request(br#"{"metadata":{"n":1e400}}"#)
                .unwrap_err()
                .message(),
            "json: cannot unmarshal number 1e400 into Go struct field SignRequest.metadata of type float64"
        );
    }

    #[test]
    fn times_extensions_and_precert() {
        let r = full_sign_request(
            br#"{"NotBefore":"0001-01-01T00:00:00Z","NotAfter":"2030-01-01T00:00:00+01:00","ReturnPrecert":true,"extensions":[{"id":"1.2.03","critical":true,"value":"0500"}]}"#,
        )
        .unwrap();
        assert_eq!(r.not_before, None);
        assert_eq!(
            r.not_after.unwrap().to_rfc3339(),
            "2029-12-31T23:00:00+00:00"
        );
        assert!(r.return_precert);
        assert_eq!(
            r.extensions,
            [crate::signer::RequestExtension::new("1.2.3", true, "0500")]
        );
        let err = |b: &[u8]| full_sign_request(b).unwrap_err().message().to_string();
        assert_eq!(err(br#"{"extensions":[{"id":"x.y"}]}"#), "Invalid OID");
        assert_eq!(
            err(br#"{"NotBefore":5}"#),
            "Time.UnmarshalJSON: input is not a JSON string"
        );
        assert_eq!(
            err(br#"{"hosts":"a"}"#),
            "json: cannot unmarshal string into Go struct field SignRequest.hosts of type []string"
        );
    }
}
