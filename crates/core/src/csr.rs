//! cfssl's CSR request JSON (`csr.CertificateRequest`), PKCS#10 building
//! (mirrors `csr.Generate`) and parsing (mirrors `signer.ParseCertificateRequest`).
//!
//! ```
//! use cfssl_core::csr::CertificateRequest;
//! use cfssl_core::key::PrivateKey;
//! let req = CertificateRequest::from_json(br#"{"CN":"a.test","hosts":["a.test","10.0.0.1"]}"#).unwrap();
//! assert_eq!(req.key.algo, "ecdsa"); // the default key
//! let key = PrivateKey::generate(&req.key).unwrap();
//! let pem = req.generate_pem(&key).unwrap();
//! let parsed = cfssl_core::csr::Csr::from_pem(pem.as_bytes()).unwrap();
//! assert_eq!(parsed.sans().dns, ["a.test"]);
//! ```

use crate::der::{self, tag};
use crate::error::{Code, Error, Result};
use crate::ext::{self, Extension, oids};
use crate::go::json::{self as gojson, Decoder, Value};
use crate::hosts::Sans;
use crate::key::{self, KeyRequest};
use crate::name::{OID_EMAIL, Subject};
use crate::signing_key::SigningKey;

/// One entry of `names`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Name {
    /// Country.
    pub c: String,
    /// State or province.
    pub st: String,
    /// Locality.
    pub l: String,
    /// Organization.
    pub o: String,
    /// Organizational unit.
    pub ou: String,
    /// Accepted and ignored, as cfssl does.
    pub serial_number: String,
    /// emailAddress (1.6.5).
    pub e: String,
    /// Extra attributes by dotted OID (1.6.5), in document order.
    pub oid: Vec<(String, String)>,
}

/// The `ca` object of a request (only honoured by initca).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CaConfig {
    /// `pathlen`.
    pub path_length: i64,
    /// `pathlenzero`: make a pathlen of 0 explicit.
    pub path_len_zero: bool,
    /// `expiry`, a Go duration ("" = default 43800h).
    pub expiry: String,
    /// `backdate`, a Go duration ("" = default 5m).
    pub backdate: String,
}

/// A raw extension from the request's `extensions` list.
pub type RawExtension = Extension;

/// cfssl's CSR request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CertificateRequest {
    /// `CN`.
    pub cn: String,
    /// `names`.
    pub names: Vec<Name>,
    /// `hosts`.
    pub hosts: Vec<String>,
    /// `key` (defaults to ECDSA P-256).
    pub key: KeyRequest,
    /// `ca`.
    pub ca: Option<CaConfig>,
    /// `serialnumber`.
    pub serial_number: String,
    /// `delegation_enabled`.
    pub delegation_enabled: bool,
    /// `extensions`.
    pub extensions: Vec<RawExtension>,
    /// `crl_url`.
    pub crl_url: String,
}

const REQUEST_FIELDS: &[&str] = &[
    "CN",
    "names",
    "hosts",
    "key",
    "ca",
    "serialnumber",
    "delegation_enabled",
    "extensions",
    "crl_url",
];

impl CertificateRequest {
    /// Decodes a request as cfssl does (keys case-insensitive, unknown keys
    /// ignored, `key` filled field by field from the default).
    ///
    /// # Errors
    /// [`Error::Json`] with Go's message for bad syntax or a wrong type.
    pub fn from_json(input: &[u8]) -> Result<Self> {
        let v = gojson::parse(input)?;
        let mut d = Decoder::new();
        let mut req = Self::default();
        if !matches!(v, Value::Object(_) | Value::Null) {
            d.top_level_error(&v, "csr.CertificateRequest");
            return d.finish(req);
        }
        req.decode_from(&mut d, &v);
        d.finish(req)
    }

    /// Decodes the members of `v` into `self` (a request nested in another
    /// document, such as the `request` of `/newcert`).
    pub(crate) fn decode_from(&mut self, d: &mut Decoder, v: &Value) {
        let req = self;
        d.object(
            v,
            "CertificateRequest",
            "csr.CertificateRequest",
            REQUEST_FIELDS,
            |d, f, v| match f {
                "CN" => d.string(v, &mut req.cn),
                "names" => d.array(v, "[]csr.Name", &mut req.names, decode_name),
                "hosts" => d.strings(v, &mut req.hosts),
                "key" => {
                    if matches!(v, Value::Null) {
                        req.key = KeyRequest::default();
                    } else {
                        d.object(
                            v,
                            "KeyRequest",
                            "csr.KeyRequest",
                            &["algo", "size"],
                            |d, f, v| match f {
                                "algo" => d.string(v, &mut req.key.algo),
                                _ => d.int(v, &mut req.key.size),
                            },
                        );
                    }
                }
                "ca" => {
                    if matches!(v, Value::Null) {
                        req.ca = None;
                    } else {
                        let mut ca = req.ca.take().unwrap_or_default();
                        let ok = d.object(
                            v,
                            "CAConfig",
                            "csr.CAConfig",
                            &["pathlen", "pathlenzero", "expiry", "backdate"],
                            |d, f, v| match f {
                                "pathlen" => d.int(v, &mut ca.path_length),
                                "pathlenzero" => d.bool(v, &mut ca.path_len_zero),
                                "expiry" => d.string(v, &mut ca.expiry),
                                _ => d.string(v, &mut ca.backdate),
                            },
                        );
                        if ok {
                            req.ca = Some(ca);
                        }
                    }
                }
                "serialnumber" => d.string(v, &mut req.serial_number),
                "delegation_enabled" => d.bool(v, &mut req.delegation_enabled),
                "extensions" => {
                    d.array(v, "[]pkix.Extension", &mut req.extensions, decode_extension);
                }
                _ => d.string(v, &mut req.crl_url),
            },
        );
    }

    /// The subject, as cfssl's `CertificateRequest.Name` builds it.
    ///
    /// # Errors
    /// Code 9300 `invalid OID part x` for a bad key in an `OID` map.
    pub fn subject(&self) -> Result<Subject> {
        let mut s = Subject {
            common_name: self.cn.clone(),
            serial_number: self.serial_number.clone(),
            ..Subject::default()
        };
        let push = |v: &mut Vec<String>, x: &str| {
            if !x.is_empty() {
                v.push(x.to_string());
            }
        };
        for n in &self.names {
            push(&mut s.country, &n.c);
            push(&mut s.province, &n.st);
            push(&mut s.locality, &n.l);
            push(&mut s.organization, &n.o);
            push(&mut s.organizational_unit, &n.ou);
            for (k, v) in &n.oid {
                for part in k.split('.') {
                    if part.parse::<i64>().is_err() {
                        return Err(Error::bad_csr(format!("invalid OID part {part}")));
                    }
                }
                if der::parse_dotted(k).and_then(|a| der::oid(&a)).is_none() {
                    return Err(Error::bad_csr(format!("invalid OID {k}")));
                }
                s.extra.push((k.clone(), v.clone()));
            }
            if !n.e.is_empty() {
                s.extra.push((OID_EMAIL.to_string(), n.e.clone()));
            }
        }
        Ok(s)
    }

    /// initca's subject check: a CN, or names that each carry C/ST/L/O/OU.
    ///
    /// # Errors
    /// Code 5300 `missing subject information`.
    pub fn validate_ca_subject(&self) -> Result<()> {
        if !self.cn.is_empty() {
            return Ok(());
        }
        let empty = |n: &Name| {
            format!("{}{}{}{}{}", n.c, n.st, n.l, n.o, n.ou)
                .trim()
                .is_empty()
        };
        if self.names.is_empty() || self.names.iter().any(empty) {
            return Err(Error::coded(
                Code::PolicyInvalidRequest,
                "missing subject information",
            ));
        }
        Ok(())
    }

    /// The extensions the CSR requests, in cfssl's order: SAN, then
    /// BasicConstraints (from `ca`), the delegation usage (which, as in cfssl
    /// 1.6.5, replaces the BasicConstraints), and the raw `extensions`.
    ///
    /// # Errors
    /// Code 9300 when a host cannot be encoded.
    pub fn csr_extensions(&self) -> Result<Vec<Extension>> {
        let mut exts = Vec::new();
        let sans = Sans::from_hosts(&self.hosts);
        if !sans.is_empty() {
            exts.push(Extension::new(
                oids::SAN,
                false,
                ext::subject_alt_name(&sans)?,
            ));
        }
        let mut extra = Vec::new();
        if let Some(ca) = &self.ca {
            // cfssl 1.6.5's BasicConstraints has `default:-1` on the path
            // length: -1 (no limit, as a certificate without one reads) is
            // left out, not written as INTEGER -1.
            let path = if (ca.path_length == 0 && !ca.path_len_zero) || ca.path_length < 0 {
                None
            } else {
                Some(ca.path_length)
            };
            extra.push(Extension::new(
                oids::BASIC_CONSTRAINTS,
                true,
                ext::basic_constraints(true, path),
            ));
        }
        if self.delegation_enabled {
            extra = vec![Extension::new(oids::DELEGATION_USAGE, false, der::null())];
        }
        extra.extend(self.extensions.iter().cloned());
        exts.extend(extra);
        Ok(exts)
    }

    /// Builds and signs the PKCS#10 request with `key` (DER).
    ///
    /// # Errors
    /// Code 9300 for a bad OID or host, 1000 if signing fails.
    pub fn generate(&self, key: &dyn SigningKey) -> Result<Vec<u8>> {
        build_csr(&self.subject()?, &self.csr_extensions()?, key)
    }

    /// As [`Self::generate`], PEM-encoded (`CERTIFICATE REQUEST`).
    ///
    /// # Errors
    /// As [`Self::generate`].
    pub fn generate_pem(&self, key: &dyn SigningKey) -> Result<String> {
        Ok(crate::go::pem::encode(
            "CERTIFICATE REQUEST",
            &self.generate(key)?,
        ))
    }
}

pub(crate) fn decode_name(d: &mut Decoder, v: &Value, n: &mut Name) {
    d.object(
        v,
        "Name",
        "csr.Name",
        &["C", "ST", "L", "O", "OU", "SerialNumber", "E", "OID"],
        |d, f, v| match f {
            "C" => d.string(v, &mut n.c),
            "ST" => d.string(v, &mut n.st),
            "L" => d.string(v, &mut n.l),
            "O" => d.string(v, &mut n.o),
            "OU" => d.string(v, &mut n.ou),
            "SerialNumber" => d.string(v, &mut n.serial_number),
            "E" => d.string(v, &mut n.e),
            _ => d.string_map(v, &mut n.oid),
        },
    );
}

impl Default for Extension {
    fn default() -> Self {
        Self::new("", false, Vec::new())
    }
}

fn decode_extension(d: &mut Decoder, v: &Value, e: &mut Extension) {
    d.object(
        v,
        "Extension",
        "pkix.Extension",
        &["Id", "Critical", "Value"],
        |d, f, v| match f {
            "Id" => match v {
                Value::Array(items) => {
                    let mut arcs = Vec::with_capacity(items.len());
                    for it in items {
                        let mut n = 0i64;
                        d.int(it, &mut n);
                        arcs.push(n);
                    }
                    // What Go's `asn1.Marshal` will write for these arcs;
                    // arcs it refuses are kept as given, and generating the
                    // CSR refuses them as Go does.
                    e.oid = der::go_oid_content(&arcs)
                        .and_then(|c| der::oid_to_string(&c))
                        .unwrap_or_else(|| {
                            arcs.iter()
                                .map(i64::to_string)
                                .collect::<Vec<_>>()
                                .join(".")
                        });
                }
                Value::Null => {}
                other => d.wrong_type(other, "asn1.ObjectIdentifier"),
            },
            "Critical" => d.bool(v, &mut e.critical),
            _ => match v {
                Value::String(s) => match crate::go::base64::decode(s.as_bytes()) {
                    Ok(b) => e.value = b,
                    Err(bad) => d.custom_error(Error::Json(bad.to_string())),
                },
                Value::Null => {}
                other => d.wrong_type(other, "[]uint8"),
            },
        },
    );
}

/// Builds a PKCS#10 request as Go's `x509.CreateCertificateRequest`.
pub(crate) fn build_csr(
    subject: &Subject,
    exts: &[Extension],
    key: &dyn SigningKey,
) -> Result<Vec<u8>> {
    let attrs = if exts.is_empty() {
        der::explicit(0, &[])
    } else {
        let mut list = Vec::new();
        for e in exts {
            list.extend(e.try_to_der().ok_or_else(|| {
                Error::bad_csr(
                    "x509: failed to serialise extensions attribute: \
                     asn1: structure error: invalid object identifier",
                )
            })?);
        }
        let attr = der::seq(&[
            &der::oid_str(oids::EXTENSION_REQUEST),
            &der::tlv(tag::SET, &der::tlv(tag::SEQUENCE, &list)),
        ]);
        der::explicit(0, &attr)
    };
    let info = der::seq(&[
        &der::int(0),
        &subject.to_der(),
        &key.public_key_der(),
        &attrs,
    ]);
    let sig = key.sign(&info)?;
    Ok(der::seq(&[
        &info,
        &key.signature_algorithm(),
        &der::bit_string(&sig),
    ]))
}

/// A parsed PKCS#10 certificate request.
#[derive(Clone, Debug)]
pub struct Csr {
    raw: Vec<u8>,
    subject: Subject,
    spki: Vec<u8>,
    extensions: Vec<Extension>,
    info: Vec<u8>,
    sig_alg: String,
    signature: Vec<u8>,
}

impl Csr {
    /// Parses a PEM CSR (`CERTIFICATE REQUEST` or `NEW CERTIFICATE
    /// REQUEST`), as cfssl's `ParseCertificateRequest`.
    ///
    /// # Errors
    /// 9002 when there is no PEM, 9300 `not a csr` for another PEM type,
    /// 9003 when the DER is malformed.
    pub fn from_pem(input: &[u8]) -> Result<Self> {
        let block = crate::go::pem::first(input)
            .ok_or_else(|| Error::coded(Code::CsrDecodeFailed, "CSR Decode failed"))?;
        if block.tag() != "CERTIFICATE REQUEST" && block.tag() != "NEW CERTIFICATE REQUEST" {
            return Err(Error::bad_csr("not a csr"));
        }
        Self::from_der(block.contents())
    }

    /// Parses a DER CSR.
    ///
    /// # Errors
    /// 9003 with Go's `encoding/asn1` message when a header is complete but
    /// not DER (`asn1: structure error: superfluous leading zeros in
    /// length`, `… non-minimal length`, `asn1: syntax error: indefinite
    /// length found (not DER)`), as cfssl; 9003 `CSR Parsing failed` when
    /// otherwise malformed.
    pub fn from_der(input: &[u8]) -> Result<Self> {
        if let Some(message) = der::first_not_der(input) {
            return Err(Error::coded(Code::CsrParseFailed, message));
        }
        Self::parse(input).ok_or_else(|| Error::coded(Code::CsrParseFailed, "CSR Parsing failed"))
    }

    fn parse(input: &[u8]) -> Option<Self> {
        let top = der::read_one(input)?;
        let parts = der::read_all(top.content)?;
        let [info, alg, sig] = parts.as_slice() else {
            return None;
        };
        let fields = der::read_all(info.content)?;
        let subject_raw = fields.get(1)?;
        let subject = Subject::from_der(subject_raw.raw)?;
        let spki = fields.get(2)?;
        let mut extensions = Vec::new();
        if let Some(attrs) = fields.get(3).filter(|t| t.tag == 0xa0) {
            for attr in der::read_all(attrs.content)? {
                let a = der::read_all(attr.content)?;
                if der::oid_to_string(a.first()?.content)? == oids::EXTENSION_REQUEST {
                    let set = a.get(1)?;
                    let list = der::read_one(set.content)?;
                    extensions = Extension::parse_list(list.content)?;
                }
            }
        }
        let alg_parts = der::read_all(alg.content)?;
        let sig_alg = der::oid_to_string(alg_parts.first()?.content)?;
        if sig.tag != tag::BIT_STRING || sig.content.first() != Some(&0) {
            return None;
        }
        Some(Self {
            raw: input.to_vec(),
            subject,
            spki: spki.raw.to_vec(),
            extensions,
            info: info.raw.to_vec(),
            sig_alg,
            signature: sig.content[1..].to_vec(),
        })
    }

    /// Verifies the request's self-signature.
    ///
    /// # Errors
    /// 9300 with Go's message (`crypto/rsa: verification error`).
    pub fn verify(&self) -> Result<()> {
        key::verify(&self.spki, &self.sig_alg, &self.info, &self.signature).map_err(Error::bad_csr)
    }

    /// PEM (`CERTIFICATE REQUEST`) with its trailing newline, as cfssl
    /// prints it.
    pub fn to_pem(&self) -> String {
        crate::go::pem::encode("CERTIFICATE REQUEST", &self.raw)
    }

    /// The DER.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// The subject.
    pub fn subject(&self) -> &Subject {
        &self.subject
    }

    /// The SubjectPublicKeyInfo DER.
    pub fn public_key_der(&self) -> &[u8] {
        &self.spki
    }

    /// Requested extensions, in order.
    pub fn extensions(&self) -> &[Extension] {
        &self.extensions
    }

    /// The requested SANs.
    pub fn sans(&self) -> Sans {
        self.extensions
            .iter()
            .find(|e| e.oid == oids::SAN)
            .and_then(|e| ext::parse_sans(&e.value))
            .unwrap_or_default()
    }

    /// The requested BasicConstraints (cA, pathLen), if any.
    pub fn basic_constraints(&self) -> Option<(bool, Option<i64>)> {
        self.extensions
            .iter()
            .find(|e| e.oid == oids::BASIC_CONSTRAINTS)
            .and_then(|e| ext::parse_basic_constraints(&e.value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::PrivateKey;

    #[test]
    fn keys_are_case_insensitive_and_key_is_filled_fieldwise() {
        let r = CertificateRequest::from_json(
            br#"{"cn":"x","NAMES":[{"c":"US","o":"x","St":"s"}],"HOSTS":["a"],"Key":{"ALGO":"rsa"},"junk":1}"#,
        )
        .unwrap();
        assert_eq!(r.cn, "x");
        assert_eq!(r.names[0].st, "s");
        assert_eq!(r.key, KeyRequest::new("rsa", 256));
        let r = CertificateRequest::from_json(br#"{"key":{"size":384}}"#).unwrap();
        assert_eq!(r.key, KeyRequest::new("ecdsa", 384));
        let r = CertificateRequest::from_json(br#"{"key":null}"#).unwrap();
        assert_eq!(r.key, KeyRequest::default());
    }

    #[test]
    fn go_type_errors() {
        let msg = |s: &str| {
            CertificateRequest::from_json(s.as_bytes())
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            msg(r#"{"CN":"x","hosts":"not-a-list"}"#),
            "json: cannot unmarshal string into Go struct field CertificateRequest.hosts of type []string"
        );
        assert_eq!(
            msg(r#"{"key":{"size":"2048"}}"#),
            "json: cannot unmarshal string into Go struct field KeyRequest.key.size of type int"
        );
        assert_eq!(
            msg("[]"),
            "json: cannot unmarshal array into Go value of type csr.CertificateRequest"
        );
        assert_eq!(
            msg(r#"{"names":{}}"#),
            "json: cannot unmarshal object into Go struct field CertificateRequest.names of type []csr.Name"
        );
        assert_eq!(
            msg(r#"{"CN":5}"#),
            "json: cannot unmarshal number into Go struct field CertificateRequest.CN of type string"
        );
    }

    /// As cfssl 1.6.5's `gencsr -key -cert` of a CA without a path length
    /// (differential case `gencsr_from_cert`): `30 03 01 01 ff`, no
    /// INTEGER -1.
    #[test]
    fn a_negative_path_length_is_left_out() {
        let r = CertificateRequest::from_json(br#"{"CN":"x","ca":{"pathlen":-1}}"#).unwrap();
        let e = r.csr_extensions().unwrap();
        assert_eq!(e[0].value, [0x30, 3, 1, 1, 0xff]);
    }

    #[test]
    fn csr_extension_order_and_delegation_bug() {
        let r = CertificateRequest::from_json(
            br#"{"CN":"x","hosts":["a"],"ca":{"pathlen":0,"pathlenzero":true}}"#,
        )
        .unwrap();
        let e = r.csr_extensions().unwrap();
        assert_eq!(
            e.iter().map(|e| e.oid.as_str()).collect::<Vec<_>>(),
            [oids::SAN, oids::BASIC_CONSTRAINTS]
        );
        assert_eq!(e[1].value, ext::basic_constraints(true, Some(0)));
        let r = CertificateRequest::from_json(br#"{"CN":"x","ca":{},"delegation_enabled":true}"#)
            .unwrap();
        let e = r.csr_extensions().unwrap();
        assert_eq!(
            e.iter().map(|e| e.oid.as_str()).collect::<Vec<_>>(),
            [oids::DELEGATION_USAGE]
        );
    }

    #[test]
    fn generated_csr_parses_and_verifies() {
        let r = CertificateRequest::from_json(
            br#"{"CN":"x","hosts":["a.test","1.2.3.4"],"names":[{"O":"b"},{"O":"a"}]}"#,
        )
        .unwrap();
        let k = PrivateKey::generate(&r.key).unwrap();
        let csr = Csr::from_der(&r.generate(&k).unwrap()).unwrap();
        csr.verify().unwrap();
        assert_eq!(csr.subject().organization, ["a", "b"]);
        assert_eq!(csr.sans().ips.len(), 1);
        let mut tampered = csr.raw().to_vec();
        let pos = tampered.windows(6).position(|w| w == b"a.test").unwrap();
        tampered[pos] = b'x';
        assert_eq!(
            Csr::from_der(&tampered)
                .unwrap()
                .verify()
                .unwrap_err()
                .code(),
            Some(Code::CsrBadRequest)
        );
    }

    #[test]
    fn extension_values_are_go_base64() {
        let value = |v: &str| {
            CertificateRequest::from_json(
                format!(r#"{{"CN":"x","extensions":[{{"id":[1,2,3],"value":"{v}"}}]}}"#).as_bytes(),
            )
            .map(|r| r.extensions[0].value.clone())
        };
        assert_eq!(value("BQA=").unwrap(), [5, 0]);
        assert_eq!(value("aGk=").unwrap(), b"hi");
        assert_eq!(
            value("a$==").unwrap_err().message(),
            "illegal base64 data at input byte 1"
        );
    }

    fn ecdsa_request(json: &str) -> (CertificateRequest, PrivateKey) {
        let r = CertificateRequest::from_json(json.as_bytes()).unwrap();
        let k = PrivateKey::generate(&r.key).unwrap();
        (r, k)
    }

    #[test]
    fn non_minimal_lengths_are_refused_with_gos_text() {
        let (r, k) = ecdsa_request(r#"{"CN":"leaf","key":{"algo":"ecdsa","size":256}}"#);
        let der = r.generate(&k).unwrap();
        assert!(Csr::from_der(&der).is_ok());
        // Outer length `81 xx` rewritten as `82 00 xx`: cfssl 1.6.5 refuses it
        // (fixtures/hostile/README.md has the recorded run).
        assert_eq!(der[1], 0x81);
        let mut ber = vec![0x30, 0x82, 0x00];
        ber.extend_from_slice(&der[2..]);
        let e = Csr::from_der(&ber).unwrap_err();
        assert_eq!(e.code(), Some(Code::CsrParseFailed));
        assert_eq!(
            e.message(),
            "asn1: structure error: superfluous leading zeros in length"
        );
        // The subject's SEQUENCE (short form) rewritten in the long form.
        let top = der::read_all(der::read_one(&der).unwrap().content).unwrap();
        let fields = der::read_all(top[0].content).unwrap();
        let subject = fields[1].raw;
        let long_subject = [&[subject[0], 0x81][..], &subject[1..]].concat();
        let info = der::seq(&[fields[0].raw, &long_subject, fields[2].raw, fields[3].raw]);
        let ber = der::seq(&[&info, top[1].raw, top[2].raw]);
        assert_eq!(
            Csr::from_der(&ber).unwrap_err().message(),
            "asn1: structure error: non-minimal length"
        );
        // Bytes that are not DER at all keep cfssl's fixed text.
        assert_eq!(
            Csr::from_der(&[0x30, 0x82, 0x01, 0x00, b'x'])
                .unwrap_err()
                .message(),
            "CSR Parsing failed"
        );
    }

    #[test]
    fn extension_oids_go_cannot_marshal_are_refused() {
        const GO: &str = "x509: failed to serialise extensions attribute: \
                          asn1: structure error: invalid object identifier";
        for id in ["[1]", "[]", "[3,1]", "[1,40]"] {
            let (r, k) = ecdsa_request(&format!(
                r#"{{"CN":"leaf","key":{{"algo":"ecdsa","size":256}},"extensions":[{{"id":{id},"value":"BQA="}}]}}"#
            ));
            let e = r.generate(&k).unwrap_err();
            assert_eq!(
                (e.code(), e.message()),
                (Some(Code::CsrBadRequest), GO),
                "{id}"
            );
        }
        // A negative arc writes nothing in Go: `[1,2,-1]` is 1.2, as cfssl
        // 1.6.5 writes it.
        let (r, k) = ecdsa_request(
            r#"{"CN":"leaf","key":{"algo":"ecdsa","size":256},"extensions":[{"id":[1,2,-1],"value":"BQA="}]}"#,
        );
        let csr = Csr::from_der(&r.generate(&k).unwrap()).unwrap();
        assert_eq!(csr.extensions()[0].oid, "1.2");
        assert_eq!(csr.extensions()[0].value, [5, 0]);
    }
}
