//! cfssl's `certinfo` JSON: for a certificate (mirrors `certinfo.ParseCertificate`)
//! and for a CSR (Go's `x509.CertificateRequest` as `json.MarshalIndent` writes it).

use crate::cert::{self, Certificate};
use crate::csr::Csr;
use crate::der::{self, Tlv, go_base128, go_header, structure_error, syntax_error, tag};
use crate::error::{Error, Result};
use crate::ext::oids as ext_oids;
use crate::go::json::Json as GoJson;
use crate::key::oids;
use crate::name::{
    self, OID_C, OID_CN, OID_L, OID_O, OID_OU, OID_POSTAL, OID_SERIAL, OID_ST, OID_STREET,
};

/// cfssl's name for a signature algorithm (`helpers.SignatureString`).
pub fn signature_string(oid: &str) -> &'static str {
    match oid {
        oids::SHA1_WITH_RSA => "SHA1WithRSA",
        oids::SHA256_WITH_RSA => "SHA256WithRSA",
        oids::SHA384_WITH_RSA => "SHA384WithRSA",
        oids::SHA512_WITH_RSA => "SHA512WithRSA",
        oids::ECDSA_SHA256 => "ECDSAWithSHA256",
        oids::ECDSA_SHA384 => "ECDSAWithSHA384",
        oids::ECDSA_SHA512 => "ECDSAWithSHA512",
        oids::ED25519 => "Ed25519",
        _ => "Unknown Signature",
    }
}

fn hex_colon(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Every attribute value of a DER Name, in RDN order.
fn all_values(name_der: &[u8]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Some(top) = der::read_one(name_der) else {
        return out;
    };
    for rdn in der::read_all(top.content).unwrap_or_default() {
        for atv in der::read_all(rdn.content).unwrap_or_default() {
            let parts = der::read_all(atv.content).unwrap_or_default();
            if let (Some(o), Some(v)) = (parts.first(), parts.get(1))
                && let (Some(oid), Some(val)) = (
                    der::oid_to_string(o.content),
                    name::decode_string(v.tag, v.content),
                )
            {
                out.push((oid, val));
            }
        }
    }
    out
}

/// A name as cfssl's `certinfo.Name` holds it: each field the last (common
/// name, serial number) or all, comma-joined, of its attribute values, and
/// every value in RDN order in `names`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct NameInfo {
    /// `common_name`.
    pub common_name: String,
    /// `serial_number`.
    pub serial_number: String,
    /// `country`.
    pub country: String,
    /// `organization`.
    pub organization: String,
    /// `organizational_unit`.
    pub organizational_unit: String,
    /// `locality`.
    pub locality: String,
    /// `province`.
    pub province: String,
    /// `street_address`.
    pub street_address: String,
    /// `postal_code`.
    pub postal_code: String,
    /// `names`: every attribute value, in order.
    pub names: Vec<String>,
}

impl NameInfo {
    /// Reads a DER `Name`.
    pub fn from_der(name_der: &[u8]) -> Self {
        let values = all_values(name_der);
        let join = |oid: &str| -> String {
            values
                .iter()
                .filter(|(o, _)| o == oid)
                .map(|(_, v)| v.as_str())
                .collect::<Vec<_>>()
                .join(",")
        };
        let last = |oid: &str| -> String {
            values
                .iter()
                .rev()
                .find(|(o, _)| o == oid)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        Self {
            common_name: last(OID_CN),
            serial_number: last(OID_SERIAL),
            country: join(OID_C),
            organization: join(OID_O),
            organizational_unit: join(OID_OU),
            locality: join(OID_L),
            province: join(OID_ST),
            street_address: join(OID_STREET),
            postal_code: join(OID_POSTAL),
            names: values.into_iter().map(|(_, v)| v).collect(),
        }
    }

    /// The value Go marshals (every field `omitempty`).
    pub fn to_go_json(&self) -> GoJson {
        let fields = [
            ("common_name", &self.common_name),
            ("serial_number", &self.serial_number),
            ("country", &self.country),
            ("organization", &self.organization),
            ("organizational_unit", &self.organizational_unit),
            ("locality", &self.locality),
            ("province", &self.province),
            ("street_address", &self.street_address),
            ("postal_code", &self.postal_code),
        ];
        let mut members: Vec<(&'static str, GoJson)> = fields
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k, GoJson::Str(v.clone())))
            .collect();
        if !self.names.is_empty() {
            members.push(("names", GoJson::strings(self.names.clone())));
        }
        GoJson::Obj(members)
    }
}

/// What `cfssl certinfo -cert` prints and `/certinfo` answers: cfssl's
/// `certinfo.Certificate`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CertInfo {
    /// `subject`.
    pub subject: NameInfo,
    /// `issuer`.
    pub issuer: NameInfo,
    /// `serial_number`, decimal.
    pub serial_number: String,
    /// `sans`: DNS names, then IP addresses.
    pub sans: Vec<String>,
    /// `not_before`.
    pub not_before: chrono::DateTime<chrono::Utc>,
    /// `not_after`.
    pub not_after: chrono::DateTime<chrono::Utc>,
    /// `sigalg`, cfssl's name for the signature algorithm.
    pub sigalg: &'static str,
    /// `authority_key_id`, upper-case hex bytes joined by `:` ("" when none).
    pub authority_key_id: String,
    /// `subject_key_id`, as `authority_key_id`.
    pub subject_key_id: String,
    /// `pem`, with its trailing newline.
    pub pem: String,
}

impl CertInfo {
    /// cfssl's `certinfo.ParseCertificate`.
    pub fn from_certificate(c: &Certificate) -> Self {
        let sans = c.sans();
        let mut san_list: Vec<String> = sans.dns.clone();
        san_list.extend(sans.ips.iter().map(ToString::to_string));
        Self {
            subject: NameInfo::from_der(c.subject_raw()),
            issuer: NameInfo::from_der(c.issuer_raw()),
            serial_number: cert::decimal(c.serial()),
            sans: san_list,
            not_before: c.not_before(),
            not_after: c.not_after(),
            sigalg: signature_string(c.signature_algorithm_oid()),
            authority_key_id: c
                .authority_key_id()
                .map(|k| hex_colon(&k))
                .unwrap_or_default(),
            subject_key_id: c
                .subject_key_id()
                .map(|k| hex_colon(&k))
                .unwrap_or_default(),
            pem: c.to_pem(),
        }
    }

    /// The value Go marshals (`sans` is `omitempty`).
    pub fn to_go_json(&self) -> GoJson {
        let time = |t: &chrono::DateTime<chrono::Utc>| {
            GoJson::Str(t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        };
        let mut members = vec![
            ("subject", self.subject.to_go_json()),
            ("issuer", self.issuer.to_go_json()),
            ("serial_number", GoJson::Str(self.serial_number.clone())),
        ];
        if !self.sans.is_empty() {
            members.push(("sans", GoJson::strings(self.sans.clone())));
        }
        members.extend([
            ("not_before", time(&self.not_before)),
            ("not_after", time(&self.not_after)),
            ("sigalg", GoJson::Str(self.sigalg.to_string())),
            (
                "authority_key_id",
                GoJson::Str(self.authority_key_id.clone()),
            ),
            ("subject_key_id", GoJson::Str(self.subject_key_id.clone())),
            ("pem", GoJson::Str(self.pem.clone())),
        ]);
        GoJson::Obj(members)
    }

    /// Compact, as the `/certinfo` endpoint answers inside its envelope.
    pub fn to_json(&self) -> String {
        self.to_go_json().to_compact()
    }

    /// Indented, as `cfssl certinfo -cert` prints it (without the final
    /// newline).
    pub fn to_json_indented(&self) -> String {
        self.to_go_json().to_indented()
    }
}

/// The indented JSON cfssl's `certinfo -cert` prints (without the final
/// newline): [`CertInfo::to_json_indented`] of the certificate.
pub fn certificate_json(c: &Certificate) -> String {
    CertInfo::from_certificate(c).to_json_indented()
}

// ---------------------------------------------------------------------------
// `certinfo -csr`: cfssl prints the `*x509.CertificateRequest` that Go's
// `x509.ParseCertificateRequest` returns, through `json.MarshalIndent(csr, "", "  ")`.
// What follows rebuilds that struct from the DER the way Go 1.19 (the
// toolchain of the reference cfssl 1.6.5 build) fills it, then writes it with
// Go's JSON rules: `[]byte` as base64, nil slices and pointers as `null`,
// `*big.Int` as a bare number, OIDs as arrays of ints, `net.IP` as text.

/// The JSON cfssl's `certinfo -csr` prints (without the final newline): Go's
/// `x509.CertificateRequest` for `csr`, field for field.
///
/// A request that Go's parser would refuse (see [`csr_pem_json`]) is still
/// written, as far as it can be read.
///
/// ```
/// use cfssl_core::csr::{CertificateRequest, Csr};
/// use cfssl_core::key::PrivateKey;
/// let req = CertificateRequest::from_json(br#"{"CN":"a.test","hosts":["a.test"]}"#)?;
/// let key = PrivateKey::generate(&req.key)?;
/// let csr = Csr::from_der(&req.generate(&key)?)?;
/// let json = cfssl_core::certinfo::csr_json(&csr);
/// assert!(json.contains("\"CommonName\": \"a.test\""));
/// assert!(json.contains("\"DNSNames\": [\n    \"a.test\"\n  ]"));
/// # Ok::<(), cfssl_core::Error>(())
/// ```
pub fn csr_json(csr: &Csr) -> String {
    go_certificate_request(csr.raw()).0.to_indented()
}

/// `cfssl certinfo -csr` on PEM input (mirrors `certinfo.ParseCSRPEM`, then
/// `json.MarshalIndent`): the first PEM block, whatever its label, read as
/// Go's `x509.ParseCertificateRequest` reads it. Unlike [`Csr::from_pem`],
/// this accepts everything Go accepts (any ASN.1 value type in names, for
/// example) and fails where Go fails, with Go's message.
///
/// # Errors
/// Code 9002 `CSR Decode failed` when there is no PEM block;
/// [`Error::Invalid`] with Go's message when Go's parser refuses the
/// request, for example `x509: unsupported elliptic curve`,
/// `x509: certificate request contains duplicate requested extensions` or,
/// for a certificate, `asn1: structure error: tags don't match (2 vs …) … int @2`.
pub fn csr_pem_json(input: &[u8]) -> Result<String> {
    let block = crate::go::pem::first(input)
        .ok_or_else(|| Error::coded(crate::error::Code::CsrDecodeFailed, "CSR Decode failed"))?;
    match go_certificate_request(block.contents()) {
        (_, Some(message)) => Err(Error::Invalid(message)),
        (json, None) => Ok(json.to_indented()),
    }
}

/// Remembers the first error Go's parser would have stopped at.
#[derive(Debug, Default)]
struct FirstError(Option<String>);

impl FirstError {
    fn set(&mut self, message: String) {
        if self.0.is_none() {
            self.0 = Some(message);
        }
    }
}

/// The pieces of a PKCS#10 request, as Go's `certificateRequest` ASN.1 struct holds them.
struct CsrParts<'a> {
    raw: &'a [u8],
    tbs: &'a [u8],
    version: &'a [u8],
    subject: &'a [u8],
    spki: &'a [u8],
    attributes: Vec<Tlv<'a>>,
    signature_algorithm: Tlv<'a>,
    signature: Tlv<'a>,
}

impl<'a> CsrParts<'a> {
    /// Go's `asn1.Unmarshal` into its `certificateRequest` struct, with its errors.
    fn new(raw: &'a [u8]) -> std::result::Result<Self, String> {
        let mut pos = 0;
        let top = go_field(
            raw,
            &mut pos,
            Some(GoType::SEQUENCE_OF("certificateRequest")),
        )?;
        if pos != raw.len() {
            return Err(syntax_error("trailing data"));
        }
        let body = top.content;
        let mut p = 0;
        let tbs = go_field(
            body,
            &mut p,
            Some(GoType::SEQUENCE_OF("tbsCertificateRequest")),
        )?;
        let (version, subject, spki, attributes) = {
            let b = tbs.content;
            let mut q = 0;
            let version = go_field(b, &mut q, Some(GoType::primitive(2, "int")))?;
            int64(version.content)?;
            let subject = go_field(b, &mut q, None)?;
            let spki = go_field(b, &mut q, Some(GoType::SEQUENCE_OF("publicKeyInfo")))?;
            {
                let k = spki.content;
                let mut r = 0;
                go_algorithm_identifier(k, &mut r)?;
                let bits = go_field(k, &mut r, Some(GoType::primitive(3, "BitString")))?;
                bit_string(bits.content)?;
            }
            let attrs = go_field(b, &mut q, Some(GoType::ATTRIBUTES))?;
            let mut attributes = Vec::new();
            let mut r = 0;
            while r < attrs.content.len() {
                attributes.push(go_field(attrs.content, &mut r, None)?);
            }
            (version, subject, spki, attributes)
        };
        let signature_algorithm = go_algorithm_identifier(body, &mut p)?;
        let signature = go_field(body, &mut p, Some(GoType::primitive(3, "BitString")))?;
        bit_string(signature.content)?;
        Ok(Self {
            raw,
            tbs: tbs.raw,
            version: version.content,
            subject: subject.raw,
            spki: spki.raw,
            attributes,
            signature_algorithm,
            signature,
        })
    }
}

/// What Go's `encoding/asn1` expects of a struct field.
#[derive(Clone, Copy)]
struct GoType {
    class: u8,
    tag: u32,
    compound: bool,
    /// The Go type's name, as the "tags don't match" error gives it.
    name: &'static str,
    /// The field's parameters, as `%+v` prints them.
    params: &'static str,
}

const PLAIN_PARAMS: &str = "{optional:false explicit:false application:false private:false \
     defaultValue:<nil> tag:<nil> stringType:0 timeType:0 set:false omitEmpty:false}";

impl GoType {
    #[allow(non_snake_case)]
    const fn SEQUENCE_OF(name: &'static str) -> Self {
        Self {
            class: 0,
            tag: 16,
            compound: true,
            name,
            params: PLAIN_PARAMS,
        }
    }

    const fn primitive(tag: u32, name: &'static str) -> Self {
        Self {
            class: 0,
            tag,
            compound: false,
            name,
            params: PLAIN_PARAMS,
        }
    }

    /// `RawAttributes []asn1.RawValue `asn1:"tag:0"``. (Go prints the tag
    /// parameter as a pointer, which cannot be reproduced; `tag:0` stands for it.)
    const ATTRIBUTES: Self = Self {
        class: 2,
        tag: 0,
        compound: true,
        name: "",
        params: "{optional:false explicit:false application:false private:false \
                 defaultValue:<nil> tag:0 stringType:0 timeType:0 set:false omitEmpty:false}",
    };
}

/// Reads the next field of a struct body as Go's `parseField` does; `None`
/// is an `asn1.RawValue`, which takes any element.
fn go_field<'a>(
    body: &'a [u8],
    pos: &mut usize,
    want: Option<GoType>,
) -> std::result::Result<Tlv<'a>, String> {
    if *pos >= body.len() {
        return Err(syntax_error("sequence truncated"));
    }
    let rest = &body[*pos..];
    let h = go_header(rest)?;
    let end = h
        .size
        .checked_add(h.length)
        .filter(|end| *end <= rest.len())
        .ok_or_else(|| syntax_error("data truncated"))?;
    if let Some(w) = want
        && (h.class != w.class || h.tag != w.tag || h.compound != w.compound)
    {
        return Err(structure_error(&format!(
            "tags don't match ({} vs {{class:{} tag:{} length:{} isCompound:{}}}) {} {} @{}",
            w.tag,
            h.class,
            h.tag,
            h.length,
            h.compound,
            w.params,
            w.name,
            *pos + h.size
        )));
    }
    *pos += end;
    Ok(Tlv {
        tag: rest[0],
        content: &rest[h.size..end],
        raw: &rest[..end],
    })
}

/// A `pkix.AlgorithmIdentifier` field: `SEQUENCE { OID, ANY OPTIONAL }`.
fn go_algorithm_identifier<'a>(
    body: &'a [u8],
    pos: &mut usize,
) -> std::result::Result<Tlv<'a>, String> {
    let alg = go_field(body, pos, Some(GoType::SEQUENCE_OF("AlgorithmIdentifier")))?;
    let mut q = 0;
    let oid = go_field(
        alg.content,
        &mut q,
        Some(GoType::primitive(6, "ObjectIdentifier")),
    )?;
    oid_arcs(oid.content)?;
    if q < alg.content.len() {
        go_field(alg.content, &mut q, None)?;
    }
    Ok(alg)
}

/// Go's `x509.CertificateRequest` for a DER request, and the error Go's
/// parser would return for it, if any (mirrors `parseCertificateRequest`).
fn go_certificate_request(raw: &[u8]) -> (GoJson, Option<String>) {
    let p = match CsrParts::new(raw) {
        Ok(p) => p,
        Err(e) => return (GoJson::Null, Some(e)),
    };
    let mut err = FirstError::default();

    let version = int64(p.version).unwrap_or_default();
    let signature = bit_string(p.signature.content)
        .map(|b| b.right_align())
        .unwrap_or_default();
    let (public_key_algorithm, public_key) = public_key(p.spki);
    let public_key = public_key.unwrap_or_else(|e| {
        err.set(e);
        GoJson::Null
    });
    let subject = go_name_json(p.subject).unwrap_or_else(|e| {
        err.set(e);
        GoJson::Null
    });
    let attributes: Vec<GoJson> = p.attributes.iter().filter_map(attribute_set).collect();
    let extensions = requested_extensions(&p.attributes).unwrap_or_else(|e| {
        err.set(e);
        Vec::new()
    });
    let mut sans = GoSans::default();
    for e in extensions.iter().filter(|e| e.oid == [2, 5, 29, 17]) {
        match go_sans(&e.value) {
            Ok(s) => sans = s,
            Err(e) => err.set(e),
        }
    }
    let extensions_json = if extensions.is_empty() {
        GoJson::Null
    } else {
        GoJson::Arr(
            extensions
                .iter()
                .map(|e| {
                    GoJson::Obj(vec![
                        ("Id", GoJson::oid(&e.oid)),
                        ("Critical", GoJson::Bool(e.critical)),
                        ("Value", GoJson::bytes(&e.value)),
                    ])
                })
                .collect(),
        )
    };
    let json = GoJson::Obj(vec![
        ("Raw", GoJson::bytes(p.raw)),
        ("RawTBSCertificateRequest", GoJson::bytes(p.tbs)),
        ("RawSubjectPublicKeyInfo", GoJson::bytes(p.spki)),
        ("RawSubject", GoJson::bytes(p.subject)),
        ("Version", GoJson::Num(version.to_string())),
        ("Signature", GoJson::bytes(&signature)),
        (
            "SignatureAlgorithm",
            GoJson::Num(signature_algorithm(&p.signature_algorithm).to_string()),
        ),
        (
            "PublicKeyAlgorithm",
            GoJson::Num(public_key_algorithm.to_string()),
        ),
        ("PublicKey", public_key),
        ("Subject", subject),
        (
            "Attributes",
            if attributes.is_empty() {
                GoJson::Null
            } else {
                GoJson::Arr(attributes)
            },
        ),
        ("Extensions", extensions_json),
        ("ExtraExtensions", GoJson::Null),
        ("DNSNames", GoJson::strings(sans.dns)),
        ("EmailAddresses", GoJson::strings(sans.emails)),
        ("IPAddresses", GoJson::strings(sans.ips)),
        (
            "URIs",
            if sans.uris.is_empty() {
                GoJson::Null
            } else {
                GoJson::Arr(sans.uris)
            },
        ),
    ]);
    (json, err.0)
}

// --- ASN.1 values, as Go's `encoding/asn1` and `cryptobyte` read them ---

/// A DER INTEGER that is minimally encoded (`checkInteger`).
fn minimal_integer(c: &[u8]) -> bool {
    match c {
        [] => false,
        [0, b, ..] if b & 0x80 == 0 => false,
        [0xff, b, ..] if b & 0x80 != 0 => false,
        _ => true,
    }
}

/// `asn1.parseInt64`.
fn int64(c: &[u8]) -> std::result::Result<i64, String> {
    if c.is_empty() {
        return Err(structure_error("empty integer"));
    }
    if !minimal_integer(c) {
        return Err(structure_error("integer not minimally-encoded"));
    }
    if c.len() > 8 {
        return Err(structure_error("integer too large"));
    }
    let mut v: i64 = if c[0] & 0x80 != 0 { -1 } else { 0 };
    for b in c {
        v = (v << 8) | i64::from(*b);
    }
    Ok(v)
}

/// A `*big.Int` read with `cryptobyte.ReadASN1Integer`, judged for sign.
enum BigInt {
    Malformed,
    NotPositive,
    /// Decimal text of a positive value.
    Positive(String),
}

fn big_int(t: Option<&Tlv<'_>>) -> BigInt {
    let Some(t) = t.filter(|t| t.tag == tag::INTEGER && minimal_integer(t.content)) else {
        return BigInt::Malformed;
    };
    if t.content[0] & 0x80 != 0 || t.content.iter().all(|b| *b == 0) {
        return BigInt::NotPositive;
    }
    BigInt::Positive(cert::decimal(t.content))
}

/// Go's `asn1.BitString`.
struct BitString<'a> {
    bytes: &'a [u8],
    bit_length: usize,
}

impl BitString<'_> {
    /// `BitString.RightAlign`.
    fn right_align(&self) -> Vec<u8> {
        let shift = 8 - (self.bit_length % 8);
        if shift == 8 || self.bytes.is_empty() {
            return self.bytes.to_vec();
        }
        let mut a = Vec::with_capacity(self.bytes.len());
        a.push(self.bytes[0] >> shift);
        for pair in self.bytes.windows(2) {
            a.push((pair[0] << (8 - shift)) | (pair[1] >> shift));
        }
        a
    }
}

/// `asn1.parseBitString`.
fn bit_string(c: &[u8]) -> std::result::Result<BitString<'_>, String> {
    let Some((&padding, bytes)) = c.split_first() else {
        return Err(syntax_error("zero length BIT STRING"));
    };
    let last = bytes.last().copied().unwrap_or(0);
    if padding > 7 || (bytes.is_empty() && padding > 0) || last & ((1u8 << padding) - 1) != 0 {
        return Err(syntax_error("invalid padding bits in BIT STRING"));
    }
    Ok(BitString {
        bytes,
        bit_length: bytes.len() * 8 - usize::from(padding),
    })
}

/// `asn1.parseObjectIdentifier`, as arcs (each at most 31 bits, as Go requires).
fn oid_arcs(c: &[u8]) -> std::result::Result<Vec<u64>, String> {
    if c.is_empty() {
        return Err(syntax_error("zero length OBJECT IDENTIFIER"));
    }
    let (first, mut at) = go_base128(c)?;
    let first = u64::from(first);
    let mut arcs = if first < 80 {
        vec![first / 40, first % 40]
    } else {
        vec![2, first - 80]
    };
    while at < c.len() {
        let (v, used) = go_base128(&c[at..])?;
        arcs.push(u64::from(v));
        at += used;
    }
    Ok(arcs)
}

fn oid_of(t: Option<&Tlv<'_>>) -> Option<Vec<u64>> {
    t.filter(|t| t.tag == tag::OID)
        .and_then(|t| oid_arcs(t.content).ok())
}

/// `asn1` PrintableString characters (with `*` and `&`, which Go accepts when parsing).
fn is_printable(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b" '()+,-./:=?*&".contains(&b)
}

/// An ASN.1 value decoded into an `interface{}` field, as `encoding/asn1`
/// does it: strings, `int64`, `BitString`, OIDs, times and `[]byte`; other
/// universal types, constructed values and tagged values are left nil. The
/// second item is the value when Go holds it as a `string`.
fn any_value(t: &Tlv<'_>) -> std::result::Result<(GoJson, Option<Vec<u8>>), String> {
    let c = t.content;
    let text = |s: Vec<u8>| Ok((GoJson::Text(s.clone()), Some(s)));
    match t.tag {
        0x13 if c.iter().all(|b| is_printable(*b)) => text(c.to_vec()),
        0x13 => Err(syntax_error("PrintableString contains invalid character")),
        0x12 if c.iter().all(|b| b.is_ascii_digit() || *b == b' ') => text(c.to_vec()),
        0x12 => Err(syntax_error("NumericString contains invalid character")),
        0x16 if c.is_ascii() => text(c.to_vec()),
        0x16 => Err(syntax_error("IA5String contains invalid character")),
        0x14 => text(c.to_vec()),
        0x0c => match std::str::from_utf8(c) {
            Ok(_) => text(c.to_vec()),
            Err(_) => Err("asn1: invalid UTF-8 string".into()),
        },
        0x1e => {
            if !c.len().is_multiple_of(2) {
                return Err("pkcs12: odd-length BMP string".into());
            }
            let c = c.strip_suffix(&[0, 0]).unwrap_or(c);
            let units: Vec<u16> = c
                .chunks_exact(2)
                .map(|p| u16::from_be_bytes([p[0], p[1]]))
                .collect();
            text(String::from_utf16_lossy(&units).into_bytes())
        }
        tag::INTEGER => Ok((GoJson::Num(int64(c)?.to_string()), None)),
        tag::BIT_STRING => {
            let b = bit_string(c)?;
            Ok((
                GoJson::Obj(vec![
                    ("Bytes", GoJson::bytes(b.bytes)),
                    ("BitLength", GoJson::Num(b.bit_length.to_string())),
                ]),
                None,
            ))
        }
        tag::OID => Ok((GoJson::oid(&oid_arcs(c)?), None)),
        tag::UTC_TIME => Ok((GoJson::Str(asn1_time(c, false)?), None)),
        tag::GENERALIZED_TIME => Ok((GoJson::Str(asn1_time(c, true)?), None)),
        tag::OCTET_STRING => Ok((GoJson::bytes(c), None)),
        _ => Ok((GoJson::Null, None)),
    }
}

/// A UTCTime or GeneralizedTime value read as `encoding/asn1` reads it
/// (`parseUTCTime`, `parseGeneralizedTime`: Go's `time.Parse` with the
/// layouts `0601021504Z0700`, `060102150405Z0700` or `20060102150405Z0700`,
/// refusing text that would not format back the same), written as
/// `time.Time` marshals to JSON (RFC 3339).
fn asn1_time(c: &[u8], generalized: bool) -> std::result::Result<String, String> {
    let s = String::from_utf8_lossy(c);
    let (t, layout) = if generalized {
        let layout = "20060102150405Z0700";
        (go_time::parse(&s, layout)?, layout)
    } else {
        match go_time::parse(&s, "0601021504Z0700") {
            Ok(t) => (t, "0601021504Z0700"),
            Err(_) => {
                let layout = "060102150405Z0700";
                (go_time::parse(&s, layout)?, layout)
            }
        }
    };
    let back = t.format(layout);
    if back != s {
        return Err(format!(
            "asn1: time did not serialize back to the original value and may be invalid: \
             given {}, but serialized as {}",
            go_url::quote(&s),
            go_url::quote(&back)
        ));
    }
    let mut t = t;
    if !generalized && t.year >= 2050 {
        t.year -= 100;
    }
    Ok(t.rfc3339())
}

/// The part of Go's `time.Parse` and `Time.Format` that ASN.1 times use.
mod go_time {
    use super::go_url::quote;

    /// A parsed time in its own zone (`None`: UTC).
    #[derive(Debug, PartialEq, Eq)]
    pub(super) struct Time {
        pub(super) year: i32,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
        nanos: u32,
        offset: Option<i32>,
    }

    /// Layout elements, longest first.
    const ELEMENTS: [&str; 8] = ["Z0700", "2006", "06", "01", "02", "15", "04", "05"];

    /// `getnum`: one or two digits (exactly two when `fixed`).
    fn getnum(v: &str, fixed: bool) -> Option<(u32, &str)> {
        let b = v.as_bytes();
        let d0 = b.first().filter(|c| c.is_ascii_digit())?;
        match b.get(1).filter(|c| c.is_ascii_digit()) {
            Some(d1) => Some((u32::from(d0 - b'0') * 10 + u32::from(d1 - b'0'), &v[2..])),
            None if fixed => None,
            None => Some((u32::from(d0 - b'0'), &v[1..])),
        }
    }

    /// Go's `atoi` as `time` uses it: an optional sign, then digits only.
    fn atoi(s: &str) -> Option<i32> {
        let (neg, digits) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let v: i32 = digits.parse().ok()?;
        Some(if neg { -v } else { v })
    }

    fn days_in(month: u32, year: i32) -> u32 {
        match month {
            2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        }
    }

    /// `time.Parse(layout, value)` for layouts made of [`ELEMENTS`] only.
    pub(super) fn parse(value: &str, layout: &str) -> Result<Time, String> {
        let cannot = |rest: &str, elem: &str| {
            format!(
                "parsing time {} as {}: cannot parse {} as {}",
                quote(value),
                quote(layout),
                quote(rest),
                quote(elem)
            )
        };
        let out_of_range =
            |what: &str| format!("parsing time {}: {what} out of range", quote(value));
        let mut t = Time {
            year: 0,
            month: 1,
            day: 1,
            hour: 0,
            minute: 0,
            second: 0,
            nanos: 0,
            offset: None,
        };
        let (mut v, mut l) = (value, layout);
        while !l.is_empty() {
            let Some(elem) = ELEMENTS.iter().find(|e| l.starts_with(**e)) else {
                return Err(cannot(v, l));
            };
            l = &l[elem.len()..];
            match *elem {
                "2006" => {
                    let (Some(p), Some(rest)) = (v.get(..4), v.get(4..)) else {
                        return Err(cannot(v, elem));
                    };
                    if !p.as_bytes()[0].is_ascii_digit() {
                        return Err(cannot(v, elem));
                    }
                    v = rest;
                    t.year = atoi(p).ok_or_else(|| cannot(v, elem))?;
                }
                "06" => {
                    let y = v.get(..2).and_then(atoi).ok_or_else(|| cannot(v, elem))?;
                    v = &v[2..];
                    t.year = if y >= 69 { 1900 + y } else { 2000 + y };
                }
                "Z0700" => {
                    if let Some(rest) = v.strip_prefix('Z') {
                        v = rest;
                        continue;
                    }
                    let (Some(zone), Some(rest)) = (v.get(..5), v.get(5..)) else {
                        return Err(cannot(v, elem));
                    };
                    v = rest;
                    let hh = zone.get(1..3).and_then(|h| getnum(h, true)).map(|(n, _)| n);
                    let mm = zone.get(3..5).and_then(|m| getnum(m, true)).map(|(n, _)| n);
                    let (Some(hh), Some(mm)) = (hh, mm) else {
                        return Err(cannot(v, elem));
                    };
                    if hh > 24 {
                        return Err(out_of_range("time zone offset hour"));
                    }
                    if mm > 60 {
                        return Err(out_of_range("time zone offset minute"));
                    }
                    let secs = i32::try_from((hh * 60 + mm) * 60).unwrap_or(0);
                    t.offset = Some(match zone.as_bytes()[0] {
                        b'+' => secs,
                        b'-' => -secs,
                        _ => return Err(cannot(v, elem)),
                    });
                }
                _ => {
                    let fixed = *elem != "15";
                    let (n, rest) = getnum(v, fixed).ok_or_else(|| cannot(v, elem))?;
                    v = rest;
                    let (slot, limit, name) = match *elem {
                        "01" => (&mut t.month, 13, "month"),
                        "02" => (&mut t.day, 32, "day"),
                        "15" => (&mut t.hour, 24, "hour"),
                        "04" => (&mut t.minute, 60, "minute"),
                        _ => (&mut t.second, 60, "second"),
                    };
                    if n >= limit || (*elem == "01" && n == 0) {
                        return Err(out_of_range(name));
                    }
                    *slot = n;
                    // A fraction after the seconds is accepted even when the layout has none.
                    if *elem == "05"
                        && let [b'.' | b',', d, ..] = v.as_bytes()
                        && d.is_ascii_digit()
                    {
                        let n = 1 + v[1..].bytes().take_while(u8::is_ascii_digit).count();
                        let digits = &v[1..n.min(10)];
                        let scaled = format!("{digits:0<9}");
                        t.nanos = scaled.parse().unwrap_or(0);
                        v = &v[n..];
                    }
                }
            }
        }
        if !v.is_empty() {
            return Err(format!(
                "parsing time {}: extra text: {}",
                quote(value),
                quote(v)
            ));
        }
        if t.day < 1 || t.day > days_in(t.month, t.year) {
            return Err(out_of_range("day"));
        }
        // A zero offset is UTC (the reference runs with TZ=UTC).
        if t.offset == Some(0) {
            t.offset = None;
        }
        Ok(t)
    }

    impl Time {
        /// `Time.Format(layout)` for layouts made of [`ELEMENTS`] only.
        pub(super) fn format(&self, layout: &str) -> String {
            let mut out = String::new();
            let mut l = layout;
            while let Some(elem) = ELEMENTS.iter().find(|e| l.starts_with(**e)) {
                l = &l[elem.len()..];
                match *elem {
                    "2006" => out.push_str(&format!("{:04}", self.year)),
                    "06" => out.push_str(&format!("{:02}", self.year.rem_euclid(100))),
                    "01" => out.push_str(&format!("{:02}", self.month)),
                    "02" => out.push_str(&format!("{:02}", self.day)),
                    "15" => out.push_str(&format!("{:02}", self.hour)),
                    "04" => out.push_str(&format!("{:02}", self.minute)),
                    "05" => out.push_str(&format!("{:02}", self.second)),
                    _ => out.push_str(&self.zone("")),
                }
            }
            out
        }

        /// `Z`, or the offset as `±hh<sep>mm`.
        fn zone(&self, sep: &str) -> String {
            match self.offset {
                None => "Z".into(),
                Some(o) => {
                    let minutes = o.abs() / 60;
                    let sign = if o < 0 { '-' } else { '+' };
                    format!("{sign}{:02}{sep}{:02}", minutes / 60, minutes % 60)
                }
            }
        }

        /// `time.RFC3339Nano`, as `Time.MarshalJSON` writes it.
        pub(super) fn rfc3339(&self) -> String {
            let mut frac = String::new();
            if self.nanos != 0 {
                frac = format!(".{:09}", self.nanos)
                    .trim_end_matches('0')
                    .to_string();
            }
            format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{frac}{}",
                self.year,
                self.month,
                self.day,
                self.hour,
                self.minute,
                self.second,
                self.zone(":")
            )
        }
    }
}

// --- Subject ---

/// One `pkix.AttributeTypeAndValue`.
struct Atv {
    oid: Vec<u64>,
    value: GoJson,
    /// The value, when Go holds it as a `string`.
    text: Option<Vec<u8>>,
}

impl Atv {
    fn json(&self) -> GoJson {
        GoJson::Obj(vec![
            ("Type", GoJson::oid(&self.oid)),
            ("Value", self.value.clone()),
        ])
    }
}

/// `SEQUENCE { type OID, value ANY }` into a `pkix.AttributeTypeAndValue`
/// (further elements are ignored, as Go does).
fn parse_atv(t: &Tlv<'_>) -> std::result::Result<Atv, String> {
    if t.tag != tag::SEQUENCE {
        return Err(structure_error("sequence tag mismatch"));
    }
    let parts = der::read_all(t.content).ok_or_else(|| syntax_error("data truncated"))?;
    let oid = match parts.first() {
        Some(o) if o.tag == tag::OID => oid_arcs(o.content)?,
        Some(_) => return Err(structure_error("tags don't match")),
        None => return Err(syntax_error("sequence truncated")),
    };
    let v = parts
        .get(1)
        .ok_or_else(|| syntax_error("sequence truncated"))?;
    let (value, text) = any_value(v)?;
    Ok(Atv { oid, value, text })
}

/// A Name (`RDNSequence`) as Go's `pkix.Name` after `FillFromRDNSequence`.
fn go_name_json(name: &[u8]) -> std::result::Result<GoJson, String> {
    let top = der::read_one(name).ok_or_else(|| syntax_error("data truncated"))?;
    if top.tag != tag::SEQUENCE {
        return Err(structure_error("tags don't match"));
    }
    let mut atvs = Vec::new();
    for rdn in der::read_all(top.content).ok_or_else(|| syntax_error("data truncated"))? {
        if rdn.tag != tag::SET {
            return Err(structure_error("sequence tag mismatch"));
        }
        for atv in der::read_all(rdn.content).ok_or_else(|| syntax_error("data truncated"))? {
            atvs.push(parse_atv(&atv)?);
        }
    }
    let mut fields: [Vec<Vec<u8>>; 7] = Default::default();
    let (mut serial, mut common_name) = (Vec::new(), Vec::new());
    for atv in &atvs {
        let Some(value) = &atv.text else { continue };
        let [2, 5, 4, n] = atv.oid.as_slice() else {
            continue;
        };
        let slot = match n {
            3 => {
                common_name.clone_from(value);
                continue;
            }
            5 => {
                serial.clone_from(value);
                continue;
            }
            6 => 0,
            10 => 1,
            11 => 2,
            7 => 3,
            8 => 4,
            9 => 5,
            17 => 6,
            _ => continue,
        };
        fields[slot].push(value.clone());
    }
    let [
        country,
        organization,
        unit,
        locality,
        province,
        street,
        postal,
    ] = fields;
    Ok(GoJson::Obj(vec![
        ("Country", GoJson::texts(country)),
        ("Organization", GoJson::texts(organization)),
        ("OrganizationalUnit", GoJson::texts(unit)),
        ("Locality", GoJson::texts(locality)),
        ("Province", GoJson::texts(province)),
        ("StreetAddress", GoJson::texts(street)),
        ("PostalCode", GoJson::texts(postal)),
        ("SerialNumber", GoJson::Text(serial)),
        ("CommonName", GoJson::Text(common_name)),
        (
            "Names",
            if atvs.is_empty() {
                GoJson::Null
            } else {
                GoJson::Arr(atvs.iter().map(Atv::json).collect())
            },
        ),
        ("ExtraNames", GoJson::Null),
    ]))
}

// --- Attributes and requested extensions ---

/// One attribute as a `pkix.AttributeTypeAndValueSET`, or `None` for those
/// Go skips (mirrors `parseRawAttributes`: challengePassword and the like).
fn attribute_set(a: &Tlv<'_>) -> Option<GoJson> {
    if a.tag != tag::SEQUENCE {
        return None;
    }
    let parts = der::read_all(a.content)?;
    let oid = oid_of(parts.first())?;
    let set = parts.get(1).filter(|s| s.tag == tag::SET)?;
    let mut values = Vec::new();
    for seq in der::read_all(set.content)? {
        if seq.tag != tag::SEQUENCE {
            return None;
        }
        let mut atvs = Vec::new();
        for atv in der::read_all(seq.content)? {
            atvs.push(parse_atv(&atv).ok()?.json());
        }
        values.push(GoJson::Arr(atvs));
    }
    Some(GoJson::Obj(vec![
        ("Type", GoJson::oid(&oid)),
        ("Value", GoJson::Arr(values)),
    ]))
}

/// A `pkix.Extension`.
struct GoExtension {
    oid: Vec<u64>,
    critical: bool,
    value: Vec<u8>,
}

/// The extensions of every extensionRequest attribute (mirrors `parseCSRExtensions`).
fn requested_extensions(attrs: &[Tlv<'_>]) -> std::result::Result<Vec<GoExtension>, String> {
    let mut out: Vec<GoExtension> = Vec::new();
    for a in attrs {
        // pkcs10Attribute { Id OID, Values SET OF ANY }; unreadable ones are skipped.
        let Some(parts) = der::read_all(a.content).filter(|_| a.tag == tag::SEQUENCE) else {
            continue;
        };
        let Some(oid) = oid_of(parts.first()) else {
            continue;
        };
        let Some(values) = parts
            .get(1)
            .filter(|s| s.tag == tag::SET)
            .and_then(|s| der::read_all(s.content))
        else {
            continue;
        };
        let Some(first) = values.first() else {
            continue;
        };
        if der::parse_dotted(ext_oids::EXTENSION_REQUEST).as_deref() != Some(oid.as_slice()) {
            continue;
        }
        if first.tag != tag::SEQUENCE {
            return Err(structure_error("tags don't match"));
        }
        for e in der::read_all(first.content).ok_or_else(|| syntax_error("data truncated"))? {
            let ext = parse_extension(&e)?;
            if out.iter().any(|o| o.oid == ext.oid) {
                return Err(
                    "x509: certificate request contains duplicate requested extensions".into(),
                );
            }
            out.push(ext);
        }
    }
    Ok(out)
}

/// `SEQUENCE { extnID OID, critical BOOLEAN OPTIONAL, extnValue OCTET STRING }`.
fn parse_extension(e: &Tlv<'_>) -> std::result::Result<GoExtension, String> {
    if e.tag != tag::SEQUENCE {
        return Err(structure_error("sequence tag mismatch"));
    }
    let parts = der::read_all(e.content).ok_or_else(|| syntax_error("data truncated"))?;
    let mut it = parts.iter().peekable();
    let oid = match it.next() {
        Some(o) if o.tag == tag::OID => oid_arcs(o.content)?,
        Some(_) => return Err(structure_error("tags don't match")),
        None => return Err(syntax_error("sequence truncated")),
    };
    let mut critical = false;
    if let Some(b) = it.next_if(|t| t.tag == tag::BOOLEAN) {
        critical = match b.content {
            [0] => false,
            [0xff] => true,
            _ => return Err(syntax_error("invalid boolean")),
        };
    }
    let value = match it.next() {
        Some(v) if v.tag == tag::OCTET_STRING => v.content.to_vec(),
        Some(_) => return Err(structure_error("tags don't match")),
        None => return Err(syntax_error("sequence truncated")),
    };
    Ok(GoExtension {
        oid,
        critical,
        value,
    })
}

// --- Signature and public key algorithms, public keys ---

/// Go's `x509.SignatureAlgorithm` number for an AlgorithmIdentifier
/// (mirrors `getSignatureAlgorithmFromAI`; 0 is `UnknownSignatureAlgorithm`).
fn signature_algorithm(alg: &Tlv<'_>) -> u8 {
    let Some(parts) = der::read_all(alg.content) else {
        return 0;
    };
    let Some(oid) = parts
        .first()
        .filter(|t| t.tag == tag::OID)
        .and_then(|t| der::oid_to_string(t.content))
    else {
        return 0;
    };
    let params = parts.get(1).map_or(&[][..], |p| p.raw);
    match oid.as_str() {
        "1.2.840.113549.1.1.2" => 1,                      // MD2WithRSA
        "1.2.840.113549.1.1.4" => 2,                      // MD5WithRSA
        oids::SHA1_WITH_RSA | "1.3.14.3.2.29" => 3,       // SHA1WithRSA
        oids::SHA256_WITH_RSA => 4,                       // SHA256WithRSA
        oids::SHA384_WITH_RSA => 5,                       // SHA384WithRSA
        oids::SHA512_WITH_RSA => 6,                       // SHA512WithRSA
        "1.2.840.10040.4.3" => 7,                         // DSAWithSHA1
        "2.16.840.1.101.3.4.3.2" => 8,                    // DSAWithSHA256
        "1.2.840.10045.4.1" => 9,                         // ECDSAWithSHA1
        oids::ECDSA_SHA256 => 10,                         // ECDSAWithSHA256
        oids::ECDSA_SHA384 => 11,                         // ECDSAWithSHA384
        oids::ECDSA_SHA512 => 12,                         // ECDSAWithSHA512
        "1.2.840.113549.1.1.10" => pss_algorithm(params), // SHA*WithRSAPSS
        oids::ED25519 if params.is_empty() => 16,         // PureEd25519
        _ => 0,
    }
}

/// An AlgorithmIdentifier: the OID and the parameters' full encoding.
fn algorithm_identifier<'a>(t: Option<&Tlv<'a>>) -> Option<(String, &'a [u8])> {
    let t = t.filter(|t| t.tag == tag::SEQUENCE)?;
    let parts = der::read_all(t.content)?;
    let oid = parts
        .first()
        .filter(|o| o.tag == tag::OID)
        .and_then(|o| der::oid_to_string(o.content))?;
    Some((oid, parts.get(1).map_or(&[][..], |p| p.raw)))
}

/// RSASSA-PSS parameters into one of Go's three PSS buckets (13, 14, 15),
/// or 0 when they are not the hash/MGF1-hash/salt = hash size/trailer 1
/// combination Go accepts.
fn pss_algorithm(params: &[u8]) -> u8 {
    fn explicit<'a>(t: Option<&Tlv<'a>>, n: u8) -> Option<Tlv<'a>> {
        der::read_one(t.filter(|t| t.tag == 0xa0 | n)?.content)
    }
    let pss = || -> Option<u8> {
        let (top, _) = der::read(params)?;
        let fields = der::read_all(top.content).filter(|_| top.tag == tag::SEQUENCE)?;
        let (hash, hash_params) = algorithm_identifier(explicit(fields.first(), 0).as_ref())?;
        let (mgf, mgf_params) = algorithm_identifier(explicit(fields.get(1), 1).as_ref())?;
        let salt = explicit(fields.get(2), 2).filter(|t| t.tag == tag::INTEGER)?;
        let salt = int64(salt.content).ok()?;
        let trailer = match fields.get(3) {
            Some(_) => {
                let t = explicit(fields.get(3), 3).filter(|t| t.tag == tag::INTEGER)?;
                int64(t.content).ok()?
            }
            None => 1,
        };
        let (mgf1_hash, mgf1_params) = algorithm_identifier(Some(&der::read(mgf_params)?.0))?;
        let null_or_empty = |p: &[u8]| p.is_empty() || p == [5, 0];
        if !null_or_empty(hash_params)
            || mgf != "1.2.840.113549.1.1.8"
            || mgf1_hash != hash
            || !null_or_empty(mgf1_params)
            || trailer != 1
        {
            return None;
        }
        match (hash.as_str(), salt) {
            ("2.16.840.1.101.3.4.2.1", 32) => Some(13),
            ("2.16.840.1.101.3.4.2.2", 48) => Some(14),
            ("2.16.840.1.101.3.4.2.3", 64) => Some(15),
            _ => None,
        }
    };
    pss().unwrap_or(0)
}

/// Go's `x509.PublicKeyAlgorithm` number and the parsed public key as Go
/// marshals it (mirrors `parsePublicKey`): `*rsa.PublicKey` `{N, E}`,
/// `*dsa.PublicKey` `{P, Q, G, Y}`, `*ecdsa.PublicKey` `{Curve, X, Y}` (Go's
/// curve values have no exported fields, so `{}`), `ed25519.PublicKey` as
/// base64, and nil for other algorithms.
fn public_key(spki: &[u8]) -> (u8, std::result::Result<GoJson, String>) {
    let parsed = der::read_one(spki)
        .filter(|t| t.tag == tag::SEQUENCE)
        .and_then(|t| der::read_all(t.content));
    let Some(parts) = parsed else {
        return (0, Err(syntax_error("data truncated")));
    };
    let Some((oid, params)) = algorithm_identifier(parts.first()) else {
        return (0, Err(structure_error("tags don't match")));
    };
    let algorithm = match oid.as_str() {
        oids::RSA_ENCRYPTION => 1,
        "1.2.840.10040.4.1" => 2,
        oids::EC_PUBLIC_KEY => 3,
        oids::ED25519 => 4,
        _ => return (0, Ok(GoJson::Null)),
    };
    let key = match parts.get(1).filter(|t| t.tag == tag::BIT_STRING) {
        Some(t) => match bit_string(t.content) {
            Ok(b) => b.right_align(),
            Err(e) => return (algorithm, Err(e)),
        },
        None => return (algorithm, Err(structure_error("tags don't match"))),
    };
    let json = match algorithm {
        1 => rsa_public_key(params, &key),
        2 => dsa_public_key(params, &key),
        3 => ecdsa_public_key(params, &key),
        _ => ed25519_public_key(params, &key),
    };
    (algorithm, json)
}

fn rsa_public_key(params: &[u8], key: &[u8]) -> std::result::Result<GoJson, String> {
    if params != [5, 0] {
        return Err("x509: RSA key missing NULL parameters".into());
    }
    let fields = der::read(key)
        .filter(|(t, _)| t.tag == tag::SEQUENCE)
        .and_then(|(t, _)| der::read_all(t.content))
        .ok_or("x509: invalid RSA public key")?;
    let n = match big_int(fields.first()) {
        BigInt::Malformed => return Err("x509: invalid RSA modulus".into()),
        BigInt::NotPositive => None,
        BigInt::Positive(n) => Some(n),
    };
    let e = fields
        .get(1)
        .filter(|t| t.tag == tag::INTEGER)
        .and_then(|t| int64(t.content).ok())
        .ok_or("x509: invalid RSA public exponent")?;
    let n = n.ok_or("x509: RSA modulus is not a positive number")?;
    if e <= 0 {
        return Err("x509: RSA public exponent is not a positive number".into());
    }
    Ok(GoJson::Obj(vec![
        ("N", GoJson::Num(n)),
        ("E", GoJson::Num(e.to_string())),
    ]))
}

fn dsa_public_key(params: &[u8], key: &[u8]) -> std::result::Result<GoJson, String> {
    let y = match der::read(key) {
        Some((t, _)) => big_int(Some(&t)),
        None => BigInt::Malformed,
    };
    if matches!(y, BigInt::Malformed) {
        return Err("x509: invalid DSA public key".into());
    }
    let pqg = der::read(params)
        .filter(|(t, _)| t.tag == tag::SEQUENCE)
        .and_then(|(t, _)| der::read_all(t.content))
        .unwrap_or_default();
    let [p, q, g] = [0, 1, 2].map(|i| big_int(pqg.get(i)));
    if [&p, &q, &g].iter().any(|v| matches!(v, BigInt::Malformed)) {
        return Err("x509: invalid DSA parameters".into());
    }
    let mut out = Vec::new();
    for (name, v) in [("P", p), ("Q", q), ("G", g), ("Y", y)] {
        match v {
            BigInt::Positive(d) => out.push((name, GoJson::Num(d))),
            _ => return Err("x509: zero or negative DSA parameter".into()),
        }
    }
    Ok(GoJson::Obj(out))
}

fn ecdsa_public_key(params: &[u8], key: &[u8]) -> std::result::Result<GoJson, String> {
    use aws_lc_rs::signature as sig;
    let curve = der::read(params)
        .filter(|(t, _)| t.tag == tag::OID)
        .and_then(|(t, _)| der::oid_to_string(t.content))
        .ok_or("x509: invalid ECDSA parameters")?;
    let (size, check): (usize, Option<&'static sig::EcdsaVerificationAlgorithm>) =
        match curve.as_str() {
            "1.3.132.0.33" => (28, None), // P-224: aws-lc-rs has no verifier to check the point with
            oids::P256 => (32, Some(&sig::ECDSA_P256_SHA256_ASN1)),
            oids::P384 => (48, Some(&sig::ECDSA_P384_SHA384_ASN1)),
            oids::P521 => (66, Some(&sig::ECDSA_P521_SHA512_ASN1)),
            _ => return Err("x509: unsupported elliptic curve".into()),
        };
    let bad_point = "x509: failed to unmarshal elliptic curve point";
    if key.len() != 1 + 2 * size || key[0] != 4 {
        return Err(bad_point.into());
    }
    if let Some(alg) = check
        && sig::ParsedPublicKey::new(alg, key).is_err()
    {
        return Err(bad_point.into());
    }
    let (x, y) = key[1..].split_at(size);
    Ok(GoJson::Obj(vec![
        ("Curve", GoJson::Obj(Vec::new())),
        ("X", GoJson::Num(cert::decimal(x))),
        ("Y", GoJson::Num(cert::decimal(y))),
    ]))
}

fn ed25519_public_key(params: &[u8], key: &[u8]) -> std::result::Result<GoJson, String> {
    if !params.is_empty() {
        return Err("x509: Ed25519 key encoded with illegal parameters".into());
    }
    if key.len() != 32 {
        return Err("x509: wrong Ed25519 public key size".into());
    }
    Ok(GoJson::bytes(key))
}

// --- Subject alternative names ---

/// The SANs Go files into a `CertificateRequest` (mirrors `parseSANExtension`).
#[derive(Default)]
struct GoSans {
    dns: Vec<String>,
    emails: Vec<String>,
    ips: Vec<String>,
    uris: Vec<GoJson>,
}

fn go_sans(value: &[u8]) -> std::result::Result<GoSans, String> {
    let names = der::read(value)
        .filter(|(t, _)| t.tag == tag::SEQUENCE)
        .ok_or("x509: invalid subject alternative names")?;
    let names = der::read_all(names.0.content).ok_or("x509: invalid subject alternative name")?;
    let mut out = GoSans::default();
    for gn in names {
        let text = || String::from_utf8_lossy(gn.content).into_owned();
        match gn.tag {
            0x81 if gn.content.is_ascii() => out.emails.push(text()),
            0x81 => return Err("x509: SAN rfc822Name is malformed".into()),
            0x82 if gn.content.is_ascii() => out.dns.push(text()),
            0x82 => return Err("x509: SAN dNSName is malformed".into()),
            0x86 if gn.content.is_ascii() => out.uris.push(san_uri(&text())?),
            0x86 => return Err("x509: SAN uniformResourceIdentifier is malformed".into()),
            0x87 => out.ips.push(go_ip(gn.content).ok_or_else(|| {
                format!(
                    "x509: cannot parse IP address of length {}",
                    gn.content.len()
                )
            })?),
            _ => {}
        }
    }
    Ok(out)
}

/// `net.IP.String` for a 4- or 16-byte address (IPv4-mapped IPv6 as IPv4).
fn go_ip(b: &[u8]) -> Option<String> {
    if let Ok(v4) = <[u8; 4]>::try_from(b) {
        return Some(std::net::Ipv4Addr::from(v4).to_string());
    }
    let v6 = std::net::Ipv6Addr::from(<[u8; 16]>::try_from(b).ok()?);
    Some(match v6.to_ipv4_mapped() {
        Some(v4) => v4.to_string(),
        None => v6.to_string(),
    })
}

/// A URI SAN as the `*url.URL` Go keeps for it.
fn san_uri(uri: &str) -> std::result::Result<GoJson, String> {
    let u = go_url::parse(uri)
        .map_err(|e| format!("x509: cannot parse URI {}: {e}", go_url::quote(uri)))?;
    if !u.host.is_empty() && !valid_uri_domain(&u.host) {
        return Err(format!(
            "x509: cannot parse URI {}: invalid domain",
            go_url::quote(uri)
        ));
    }
    Ok(u.json())
}

/// `domainToReverseLabels(host)` succeeds: no empty label, printable ASCII only.
fn valid_uri_domain(host: &str) -> bool {
    host.split('.')
        .all(|l| !l.is_empty() && l.bytes().all(|c| (33..=126).contains(&c)))
}

/// A port of the parts of Go's `net/url` (1.19) that `url.Parse` uses.
mod go_url {
    use super::GoJson;

    /// Go's `url.URL`, with `User` reduced to whether it is set (its fields
    /// are unexported, so Go writes a set one as `{}`).
    #[derive(Debug, Default, PartialEq, Eq)]
    pub(super) struct Url {
        pub(super) scheme: String,
        pub(super) opaque: String,
        pub(super) user: bool,
        pub(super) host: String,
        pub(super) path: Vec<u8>,
        pub(super) raw_path: String,
        pub(super) omit_host: bool,
        pub(super) force_query: bool,
        pub(super) raw_query: String,
        pub(super) fragment: Vec<u8>,
        pub(super) raw_fragment: String,
    }

    impl Url {
        pub(super) fn json(&self) -> GoJson {
            let s = |v: &str| GoJson::Str(v.to_string());
            GoJson::Obj(vec![
                ("Scheme", s(&self.scheme)),
                ("Opaque", s(&self.opaque)),
                (
                    "User",
                    if self.user {
                        GoJson::Obj(Vec::new())
                    } else {
                        GoJson::Null
                    },
                ),
                ("Host", s(&self.host)),
                ("Path", GoJson::Text(self.path.clone())),
                ("RawPath", s(&self.raw_path)),
                ("OmitHost", GoJson::Bool(self.omit_host)),
                ("ForceQuery", GoJson::Bool(self.force_query)),
                ("RawQuery", s(&self.raw_query)),
                ("Fragment", GoJson::Text(self.fragment.clone())),
                ("RawFragment", s(&self.raw_fragment)),
            ])
        }
    }

    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Mode {
        Path,
        Host,
        Zone,
        UserPassword,
        Fragment,
    }

    /// `strconv.Quote` (the project's one).
    pub(super) fn quote(s: &str) -> String {
        crate::go::strconv::go_quote(s)
    }

    fn should_escape(c: u8, mode: Mode) -> bool {
        if c.is_ascii_alphanumeric() {
            return false;
        }
        if matches!(mode, Mode::Host | Mode::Zone) && b"!$&'()*+,;=:[]<>\"".contains(&c) {
            return false;
        }
        match c {
            b'-' | b'_' | b'.' | b'~' => return false,
            b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => match mode {
                Mode::Path => return c == b'?',
                Mode::UserPassword => return matches!(c, b'@' | b'/' | b'?' | b':'),
                Mode::Fragment => return false,
                Mode::Host | Mode::Zone => {}
            },
            _ => {}
        }
        if mode == Mode::Fragment && matches!(c, b'!' | b'(' | b')' | b'*') {
            return false;
        }
        true
    }

    fn unhex(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => 0,
        }
    }

    /// `url.unescape`; the result may hold any bytes.
    fn unescape(s: &[u8], mode: Mode) -> Result<Vec<u8>, String> {
        let mut out = Vec::with_capacity(s.len());
        let mut i = 0;
        while i < s.len() {
            match s[i] {
                b'%' => {
                    let hex = |j: usize| s.get(j).is_some_and(u8::is_ascii_hexdigit);
                    if !hex(i + 1) || !hex(i + 2) {
                        let end = (i + 3).min(s.len());
                        return Err(format!(
                            "invalid URL escape {}",
                            quote(&String::from_utf8_lossy(&s[i..end]))
                        ));
                    }
                    let v = (unhex(s[i + 1]) << 4) | unhex(s[i + 2]);
                    let is_25 = &s[i..i + 3] == b"%25";
                    if (mode == Mode::Host && unhex(s[i + 1]) < 8 && !is_25)
                        || (mode == Mode::Zone
                            && !is_25
                            && v != b' '
                            && should_escape(v, Mode::Host))
                    {
                        return Err(format!(
                            "invalid URL escape {}",
                            quote(&String::from_utf8_lossy(&s[i..i + 3]))
                        ));
                    }
                    out.push(v);
                    i += 3;
                }
                c => {
                    if matches!(mode, Mode::Host | Mode::Zone) && c < 0x80 && should_escape(c, mode)
                    {
                        return Err(format!(
                            "invalid character {} in host name",
                            quote(&char::from(c).to_string())
                        ));
                    }
                    out.push(c);
                    i += 1;
                }
            }
        }
        Ok(out)
    }

    fn escape(s: &[u8], mode: Mode) -> Vec<u8> {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        let mut out = Vec::with_capacity(s.len());
        for &c in s {
            if should_escape(c, mode) {
                out.extend_from_slice(&[b'%', HEX[usize::from(c >> 4)], HEX[usize::from(c & 15)]]);
            } else {
                out.push(c);
            }
        }
        out
    }

    fn text(b: &[u8]) -> String {
        String::from_utf8_lossy(b).into_owned()
    }

    /// `url.Parse`. The error is Go's `*url.Error` text.
    pub(super) fn parse(raw: &str) -> Result<Url, String> {
        let (u, frag) = raw.split_once('#').unwrap_or((raw, ""));
        let mut url = parse_without_fragment(u).map_err(|e| format!("parse {}: {e}", quote(u)))?;
        if frag.is_empty() {
            return Ok(url);
        }
        let f = unescape(frag.as_bytes(), Mode::Fragment)
            .map_err(|e| format!("parse {}: {e}", quote(raw)))?;
        url.fragment.clone_from(&f);
        if escape(&f, Mode::Fragment) != frag.as_bytes() {
            url.raw_fragment = frag.to_string();
        }
        Ok(url)
    }

    /// `getScheme`: the scheme and the rest, or no scheme.
    fn scheme(raw: &str) -> Result<(&str, &str), String> {
        for (i, c) in raw.bytes().enumerate() {
            match c {
                b'a'..=b'z' | b'A'..=b'Z' => {}
                b'0'..=b'9' | b'+' | b'-' | b'.' if i > 0 => {}
                b':' if i == 0 => return Err("missing protocol scheme".into()),
                b':' => return Ok((&raw[..i], &raw[i + 1..])),
                _ => return Ok(("", raw)),
            }
        }
        Ok(("", raw))
    }

    fn parse_without_fragment(raw: &str) -> Result<Url, String> {
        if raw.bytes().any(|b| b < 0x20 || b == 0x7f) {
            return Err("net/url: invalid control character in URL".into());
        }
        let mut url = Url::default();
        if raw == "*" {
            url.path = b"*".to_vec();
            return Ok(url);
        }
        let (scheme, mut rest) = scheme(raw)?;
        url.scheme = scheme.to_ascii_lowercase();
        if rest.ends_with('?') && rest.matches('?').count() == 1 {
            url.force_query = true;
            rest = &rest[..rest.len() - 1];
        } else if let Some((r, q)) = rest.split_once('?') {
            rest = r;
            url.raw_query = q.to_string();
        }
        if !rest.starts_with('/') {
            if !url.scheme.is_empty() {
                url.opaque = rest.to_string();
                return Ok(url);
            }
            if rest.split('/').next().is_some_and(|seg| seg.contains(':')) {
                return Err("first path segment in URL cannot contain colon".into());
            }
        }
        if (!url.scheme.is_empty() || !rest.starts_with("///")) && rest.starts_with("//") {
            let (authority, path) = match rest[2..].find('/') {
                Some(i) => rest[2..].split_at(i),
                None => (&rest[2..], ""),
            };
            (url.user, url.host) = parse_authority(authority)?;
            rest = path;
        } else if !url.scheme.is_empty() && rest.starts_with('/') {
            url.omit_host = true;
        }
        let p = unescape(rest.as_bytes(), Mode::Path)?;
        url.path.clone_from(&p);
        if escape(&p, Mode::Path) != rest.as_bytes() {
            url.raw_path = rest.to_string();
        }
        Ok(url)
    }

    fn parse_authority(authority: &str) -> Result<(bool, String), String> {
        let at = authority.rfind('@');
        let host = parse_host(at.map_or(authority, |i| &authority[i + 1..]))?;
        let Some(i) = at else {
            return Ok((false, host));
        };
        let userinfo = &authority[..i];
        let valid = userinfo
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"-._:~!$&'()*+,;=%@".contains(&c));
        if !valid || !userinfo.is_ascii() {
            return Err("net/url: invalid userinfo".into());
        }
        let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
        unescape(user.as_bytes(), Mode::UserPassword)?;
        unescape(password.as_bytes(), Mode::UserPassword)?;
        Ok((true, host))
    }

    fn valid_optional_port(port: &str) -> bool {
        port.is_empty()
            || port
                .strip_prefix(':')
                .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
    }

    fn parse_host(host: &str) -> Result<String, String> {
        if host.starts_with('[') {
            let i = host.rfind(']').ok_or("missing ']' in host")?;
            let colon_port = &host[i + 1..];
            if !valid_optional_port(colon_port) {
                return Err(format!("invalid port {} after host", quote(colon_port)));
            }
            if let Some(zone) = host[..i].find("%25") {
                let b = host.as_bytes();
                let mut out = unescape(&b[..zone], Mode::Host)?;
                out.extend(unescape(&b[zone..i], Mode::Zone)?);
                out.extend(unescape(&b[i..], Mode::Host)?);
                return Ok(text(&out));
            }
        } else if let Some(i) = host.rfind(':') {
            let colon_port = &host[i..];
            if !valid_optional_port(colon_port) {
                return Err(format!("invalid port {} after host", quote(colon_port)));
            }
        }
        Ok(text(&unescape(host.as_bytes(), Mode::Host)?))
    }
}

#[cfg(test)]
mod tests {
    //! Expected values are what Go 1.19.8 (the reference cfssl's toolchain)
    //! printed for the same input.

    use super::*;

    /// Our JSON and Go's, compared as JSON values.
    fn same_json(ours: &GoJson, go: &str) {
        let ours: serde_json::Value = serde_json::from_str(&ours.to_indented()).unwrap();
        let go: serde_json::Value = serde_json::from_str(go).unwrap();
        assert_eq!(ours, go);
    }

    #[test]
    fn json_is_indented_like_go() {
        let v = GoJson::Obj(vec![
            (
                "A",
                GoJson::Arr(vec![GoJson::Num("1".into()), GoJson::Null]),
            ),
            ("B", GoJson::Arr(Vec::new())),
            ("C", GoJson::Obj(Vec::new())),
            ("D", GoJson::Text(b"<a>&\xe9\xe2\x82".to_vec())),
        ]);
        assert_eq!(
            v.to_indented(),
            "{\n  \"A\": [\n    1,\n    null\n  ],\n  \"B\": [],\n  \"C\": {},\n  \
             \"D\": \"\\u003ca\\u003e\\u0026\\ufffd\\ufffd\\ufffd\"\n}"
        );
    }

    #[test]
    fn base64_like_go() {
        assert_eq!(crate::go::base64::encode(b""), "");
        assert_eq!(crate::go::base64::encode(b"f"), "Zg==");
        assert_eq!(crate::go::base64::encode(b"fo"), "Zm8=");
        assert_eq!(crate::go::base64::encode(b"foo"), "Zm9v");
        assert_eq!(crate::go::base64::encode(&[0xf0]), "8A==");
    }

    #[test]
    fn uris_parse_like_go() {
        let empty = r#""Opaque":"","User":null,"RawPath":"","OmitHost":false,"ForceQuery":false,
            "RawQuery":"","Fragment":"","RawFragment":"""#;
        let cases: &[(&str, String)] = &[
            (
                "https://user:pw@h.test:8443/a%2Fb?q=1#frag",
                r#"{"Scheme":"https","Opaque":"","User":{},"Host":"h.test:8443","Path":"/a/b",
                "RawPath":"/a%2Fb","OmitHost":false,"ForceQuery":false,"RawQuery":"q=1",
                "Fragment":"frag","RawFragment":""}"#
                    .into(),
            ),
            (
                "https://h.test/?",
                r#"{"Scheme":"https","Opaque":"","User":null,"Host":"h.test","Path":"/","RawPath":"",
                "OmitHost":false,"ForceQuery":true,"RawQuery":"","Fragment":"","RawFragment":""}"#
                    .into(),
            ),
            (
                "https://h.test/p#a b",
                r#"{"Scheme":"https","Opaque":"","User":null,"Host":"h.test","Path":"/p","RawPath":"",
                "OmitHost":false,"ForceQuery":false,"RawQuery":"","Fragment":"a b",
                "RawFragment":"a b"}"#
                    .into(),
            ),
            (
                "http:/onlypath",
                r#"{"Scheme":"http","Opaque":"","User":null,"Host":"","Path":"/onlypath","RawPath":"",
                "OmitHost":true,"ForceQuery":false,"RawQuery":"","Fragment":"","RawFragment":""}"#
                    .into(),
            ),
            (
                "urn:uuid:1234",
                r#"{"Scheme":"urn","Opaque":"uuid:1234","User":null,"Host":"","Path":"","RawPath":"",
                "OmitHost":false,"ForceQuery":false,"RawQuery":"","Fragment":"","RawFragment":""}"#
                    .into(),
            ),
            (
                "HTTPS://UPPER.test/X",
                format!(r#"{{"Scheme":"https","Host":"UPPER.test","Path":"/X",{empty}}}"#),
            ),
            (
                "//h.test/p",
                format!(r#"{{"Scheme":"","Host":"h.test","Path":"/p",{empty}}}"#),
            ),
            (
                "http://[fe80::1%25en0]/",
                format!(r#"{{"Scheme":"http","Host":"[fe80::1%en0]","Path":"/",{empty}}}"#),
            ),
            (
                "http://h/a b",
                r#"{"Scheme":"http","Opaque":"","User":null,"Host":"h","Path":"/a b",
                "RawPath":"/a b","OmitHost":false,"ForceQuery":false,"RawQuery":"","Fragment":"",
                "RawFragment":""}"#
                    .into(),
            ),
            (
                "http://h/a??",
                r#"{"Scheme":"http","Opaque":"","User":null,"Host":"h","Path":"/a","RawPath":"",
                "OmitHost":false,"ForceQuery":false,"RawQuery":"?","Fragment":"","RawFragment":""}"#
                    .into(),
            ),
            (
                "http://h/#x%2Fy",
                r#"{"Scheme":"http","Opaque":"","User":null,"Host":"h","Path":"/","RawPath":"",
                "OmitHost":false,"ForceQuery":false,"RawQuery":"","Fragment":"x/y",
                "RawFragment":"x%2Fy"}"#
                    .into(),
            ),
            (
                "http://h/%ff%e2%82",
                r#"{"Scheme":"http","Opaque":"","User":null,"Host":"h","Path":"/\ufffd\ufffd\ufffd",
                "RawPath":"/%ff%e2%82","OmitHost":false,"ForceQuery":false,"RawQuery":"",
                "Fragment":"","RawFragment":""}"#
                    .into(),
            ),
            ("*", format!(r#"{{"Scheme":"","Host":"","Path":"*",{empty}}}"#)),
            ("", format!(r#"{{"Scheme":"","Host":"","Path":"",{empty}}}"#)),
            ("a/b:c", format!(r#"{{"Scheme":"","Host":"","Path":"a/b:c",{empty}}}"#)),
        ];
        for (uri, go) in cases {
            same_json(&san_uri(uri).unwrap(), go);
        }
    }

    #[test]
    fn uri_errors_read_like_go() {
        let cases = [
            (
                "1abc:def",
                r#"x509: cannot parse URI "1abc:def": parse "1abc:def": first path segment in URL cannot contain colon"#,
            ),
            (
                ":nope",
                r#"x509: cannot parse URI ":nope": parse ":nope": missing protocol scheme"#,
            ),
            (
                "http://h.test:80a/",
                r#"x509: cannot parse URI "http://h.test:80a/": parse "http://h.test:80a/": invalid port ":80a" after host"#,
            ),
            (
                "http://a b/",
                r#"x509: cannot parse URI "http://a b/": parse "http://a b/": invalid character " " in host name"#,
            ),
            (
                "http://h%41/",
                r#"x509: cannot parse URI "http://h%41/": parse "http://h%41/": invalid URL escape "%41""#,
            ),
            (
                "http://us er@h/",
                r#"x509: cannot parse URI "http://us er@h/": parse "http://us er@h/": net/url: invalid userinfo"#,
            ),
            (
                "http://h/\x01",
                r#"x509: cannot parse URI "http://h/\x01": parse "http://h/\x01": net/url: invalid control character in URL"#,
            ),
            (
                "http://h.test./",
                r#"x509: cannot parse URI "http://h.test./": invalid domain"#,
            ),
            (
                "http://[::1/",
                r#"x509: cannot parse URI "http://[::1/": parse "http://[::1/": missing ']' in host"#,
            ),
        ];
        for (uri, go) in cases {
            assert_eq!(san_uri(uri).unwrap_err(), go, "{uri}");
        }
    }

    #[test]
    fn times_like_go() {
        assert_eq!(
            asn1_time(b"3001020304+0530", false).unwrap(),
            "2030-01-02T03:04:00+05:30"
        );
        assert_eq!(
            asn1_time(b"4912312359Z", false).unwrap(),
            "2049-12-31T23:59:00Z"
        );
        assert_eq!(
            asn1_time(b"500101000000Z", false).unwrap(),
            "1950-01-01T00:00:00Z"
        );
        assert_eq!(
            asn1_time(b"20300102030405-0130", true).unwrap(),
            "2030-01-02T03:04:05-01:30"
        );
        assert_eq!(
            asn1_time(b"300230000000Z", false).unwrap_err(),
            r#"parsing time "300230000000Z": day out of range"#
        );
        assert_eq!(
            asn1_time(b"3001020304+0000", false).unwrap_err(),
            "asn1: time did not serialize back to the original value and may be invalid: \
             given \"3001020304+0000\", but serialized as \"3001020304Z\""
        );
        assert_eq!(
            asn1_time(b"20300102030405.5Z", true).unwrap_err(),
            "asn1: time did not serialize back to the original value and may be invalid: \
             given \"20300102030405.5Z\", but serialized as \"20300102030405Z\""
        );
    }

    #[test]
    fn name_values_of_every_type() {
        // SET { SEQUENCE { 1.2.3.4, value } } for each value, then CN as an INTEGER.
        let atv = |v: &[u8]| der::set_of(vec![der::seq(&[&der::oid_str("1.2.3.4"), v])]);
        let name = der::tlv(
            tag::SEQUENCE,
            &[
                atv(&der::int(-7)),
                atv(&der::oid_str("1.3.6")),
                atv(&der::boolean(true)),
                atv(&der::tlv(0x03, &[4, 0xf0])),
                atv(&der::tlv(0x14, &[0x41, 0xe9])),
                atv(&der::tlv(0x1e, &[0, 0xdc, 0xd8, 0x3d, 0xde, 0, 0, 0])),
                der::set_of(vec![der::seq(&[&der::oid_str("2.5.4.3"), &der::int(5)])]),
                der::set_of(vec![der::seq(&[
                    &der::oid_str("2.5.4.6"),
                    &der::tlv(tag::PRINTABLE_STRING, b"X1"),
                ])]),
            ]
            .concat(),
        );
        same_json(
            &go_name_json(&name).unwrap(),
            r#"{"Country":["X1"],"Organization":null,"OrganizationalUnit":null,"Locality":null,
            "Province":null,"StreetAddress":null,"PostalCode":null,"SerialNumber":"",
            "CommonName":"","Names":[{"Type":[1,2,3,4],"Value":-7},
            {"Type":[1,2,3,4],"Value":[1,3,6]},{"Type":[1,2,3,4],"Value":null},
            {"Type":[1,2,3,4],"Value":{"Bytes":"8A==","BitLength":4}},
            {"Type":[1,2,3,4],"Value":"A\ufffd"},{"Type":[1,2,3,4],"Value":"\u00dc\ud83d\ude00"},
            {"Type":[2,5,4,3],"Value":5},{"Type":[2,5,4,6],"Value":"X1"}],"ExtraNames":null}"#,
        );
        let bad = der::tlv(
            tag::SEQUENCE,
            &atv(&der::tlv(tag::PRINTABLE_STRING, b"a@b")),
        );
        assert_eq!(
            go_name_json(&bad).unwrap_err(),
            "asn1: syntax error: PrintableString contains invalid character"
        );
    }

    #[test]
    fn ips_print_like_go() {
        let mapped = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4];
        let compat = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4];
        assert_eq!(go_ip(&mapped).unwrap(), "1.2.3.4");
        assert_eq!(go_ip(&compat).unwrap(), "::102:304");
        assert_eq!(go_ip(&[10, 0, 0, 1]).unwrap(), "10.0.0.1");
        assert_eq!(go_ip(&[1, 2, 3]), None);
    }

    #[test]
    fn pss_buckets_like_go() {
        let alg = |oid: &str| der::seq(&[&der::oid_str(oid), &der::null()]);
        let params = |hash: &str, salt: i64| {
            let mgf = der::seq(&[&der::oid_str("1.2.840.113549.1.1.8"), &alg(hash)]);
            der::seq(&[
                &der::explicit(0, &alg(hash)),
                &der::explicit(1, &mgf),
                &der::explicit(2, &der::int(salt)),
            ])
        };
        let sig_alg = |p: Vec<u8>| {
            let t = der::seq(&[&der::oid_str("1.2.840.113549.1.1.10"), &p]);
            signature_algorithm(&der::read_one(&t).unwrap())
        };
        assert_eq!(sig_alg(params("2.16.840.1.101.3.4.2.1", 32)), 13);
        assert_eq!(sig_alg(params("2.16.840.1.101.3.4.2.2", 48)), 14);
        assert_eq!(sig_alg(params("2.16.840.1.101.3.4.2.3", 64)), 15);
        assert_eq!(sig_alg(params("2.16.840.1.101.3.4.2.1", 20)), 0);
    }

    #[test]
    fn critical_extension_attribute_value_is_nil() {
        // Go reads an Extension SEQUENCE as an AttributeTypeAndValue: the
        // BOOLEAN in second place becomes a nil value.
        let ext = |critical: bool, value: &[u8]| {
            let mut parts = vec![der::oid_str("1.2.3")];
            if critical {
                parts.push(der::boolean(true));
            }
            parts.push(der::octet_string(value));
            der::tlv(tag::SEQUENCE, &parts.concat())
        };
        let exts = der::tlv(tag::SEQUENCE, &[ext(true, b""), ext(false, &[1])].concat());
        let attr = der::seq(&[
            &der::oid_str(ext_oids::EXTENSION_REQUEST),
            &der::tlv(tag::SET, &exts),
        ]);
        let attrs = vec![der::read_one(&attr).unwrap()];
        same_json(
            &attribute_set(&attrs[0]).unwrap(),
            r#"{"Type":[1,2,840,113549,1,9,14],"Value":[[{"Type":[1,2,3],"Value":null},
            {"Type":[1,2,3],"Value":"AQ=="}]]}"#,
        );
        assert_eq!(
            requested_extensions(&attrs).err().as_deref(),
            Some("x509: certificate request contains duplicate requested extensions")
        );
    }
}
