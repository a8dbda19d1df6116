//! Reading X.509 certificates: the fields cfssl's commands use, with the raw
//! bytes kept where cfssl copies them (the subject becomes a child's issuer).

use chrono::{DateTime, TimeZone, Utc};

use crate::der::{self, tag};
use crate::error::{Code, Error, Result};
use crate::ext::{self, Extension, oids};
use crate::hosts::Sans;
use crate::name::Subject;

/// A parsed certificate.
#[derive(Clone, Debug)]
pub struct Certificate {
    raw: Vec<u8>,
    serial: Vec<u8>,
    sig_alg: String,
    issuer_raw: Vec<u8>,
    subject_raw: Vec<u8>,
    not_before: DateTime<Utc>,
    not_after: DateTime<Utc>,
    spki: Vec<u8>,
    extensions: Vec<Extension>,
}

impl Certificate {
    /// Parses one PEM certificate as cfssl's `helpers.ParseCertificatePEM`.
    ///
    /// # Errors
    /// 1002 `Failed to decode certificate` when there is no PEM block, 1003
    /// `Failed to parse certificate` when the block is not a certificate.
    pub fn from_pem(input: &[u8]) -> Result<Self> {
        let block = crate::go::pem::first(input.trim_ascii()).ok_or_else(|| {
            Error::coded(
                Code::CertificateDecodeFailed,
                "Failed to decode certificate",
            )
        })?;
        Self::from_der(block.contents())
    }

    /// Every `CERTIFICATE` block of PEM text, in order (cfssl's
    /// `helpers.ParseCertificatesPEM`); blocks of other types are skipped.
    ///
    /// # Errors
    /// 1002 `Failed to decode certificate` when there is no certificate
    /// block, 1003 when one does not parse.
    pub fn all_from_pem(input: &[u8]) -> Result<Vec<Self>> {
        let blocks = pem::parse_many(input).unwrap_or_default();
        let certs: Vec<Self> = blocks
            .iter()
            .filter(|b| b.tag() == "CERTIFICATE")
            .map(|b| Self::from_der(b.contents()))
            .collect::<Result<_>>()?;
        if certs.is_empty() {
            return Err(Error::coded(
                Code::CertificateDecodeFailed,
                "Failed to decode certificate",
            ));
        }
        Ok(certs)
    }

    /// Parses a DER certificate.
    ///
    /// # Errors
    /// 1003 `Failed to parse certificate`, also for input that is BER but
    /// not DER (a non-minimal or indefinite length), which Go refuses.
    pub fn from_der(input: &[u8]) -> Result<Self> {
        let failed = || Error::coded(Code::CertificateParseFailed, "Failed to parse certificate");
        // Go's parser takes DER only: a BER length or an indefinite length is
        // refused (cfssl 1.6.5: 1003), not read leniently.
        if der::first_not_der(input).is_some() {
            return Err(failed());
        }
        Self::parse(input).ok_or_else(failed)
    }

    fn parse(input: &[u8]) -> Option<Self> {
        let top = der::read_one(input)?;
        let parts = der::read_all(top.content)?;
        let tbs = parts.first()?;
        if tbs.tag != tag::SEQUENCE || parts.len() != 3 {
            return None;
        }
        let mut f = der::read_all(tbs.content)?.into_iter().peekable();
        if f.peek()?.tag == 0xa0 {
            f.next();
        }
        let serial = f.next().filter(|t| t.tag == tag::INTEGER)?;
        let alg = f.next()?;
        let sig_alg = der::oid_to_string(der::read_all(alg.content)?.first()?.content)?;
        let issuer = f.next().filter(|t| t.tag == tag::SEQUENCE)?;
        let validity = der::read_all(f.next()?.content)?;
        let subject = f.next().filter(|t| t.tag == tag::SEQUENCE)?;
        let spki = f.next().filter(|t| t.tag == tag::SEQUENCE)?;
        let mut extensions = Vec::new();
        for t in f {
            if t.tag == 0xa3 {
                extensions = Extension::parse_list(der::read_one(t.content)?.content)?;
            }
        }
        Subject::from_der(subject.raw)?;
        Some(Self {
            raw: input.to_vec(),
            serial: serial.content.to_vec(),
            sig_alg,
            issuer_raw: issuer.raw.to_vec(),
            subject_raw: subject.raw.to_vec(),
            not_before: parse_time(validity.first()?)?,
            not_after: parse_time(validity.get(1)?)?,
            spki: spki.raw.to_vec(),
            extensions,
        })
    }

    /// The DER.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// PEM (`CERTIFICATE`).
    pub fn to_pem(&self) -> String {
        crate::go::pem::encode("CERTIFICATE", &self.raw)
    }

    /// Serial number content octets (two's complement, big-endian).
    pub fn serial(&self) -> &[u8] {
        &self.serial
    }

    /// The signature's bytes (the BIT STRING's content after its unused-bits
    /// octet; empty if malformed). cfssl tells certificates apart by these.
    pub fn signature(&self) -> &[u8] {
        self.tbs_and_signature().map_or(&[], |(_, sig)| sig)
    }

    /// Dotted OID of the signature algorithm.
    pub fn signature_algorithm_oid(&self) -> &str {
        &self.sig_alg
    }

    /// Raw DER of the subject Name.
    pub fn subject_raw(&self) -> &[u8] {
        &self.subject_raw
    }

    /// Raw DER of the issuer Name.
    pub fn issuer_raw(&self) -> &[u8] {
        &self.issuer_raw
    }

    /// The subject in field form.
    pub fn subject(&self) -> Subject {
        Subject::from_der(&self.subject_raw).unwrap_or_default()
    }

    /// The issuer in field form.
    pub fn issuer(&self) -> Subject {
        Subject::from_der(&self.issuer_raw).unwrap_or_default()
    }

    /// notBefore.
    pub fn not_before(&self) -> DateTime<Utc> {
        self.not_before
    }

    /// notAfter.
    pub fn not_after(&self) -> DateTime<Utc> {
        self.not_after
    }

    /// SubjectPublicKeyInfo DER.
    pub fn public_key_der(&self) -> &[u8] {
        &self.spki
    }

    /// Extensions in order.
    pub fn extensions(&self) -> &[Extension] {
        &self.extensions
    }

    fn ext(&self, oid: &str) -> Option<&Extension> {
        self.extensions.iter().find(|e| e.oid == oid)
    }

    /// The SubjectKeyIdentifier, if present.
    pub fn subject_key_id(&self) -> Option<Vec<u8>> {
        let e = self.ext(oids::SKI)?;
        let t = der::read_one(&e.value)?;
        Some(t.content.to_vec())
    }

    /// The SubjectKeyIdentifier in lowercase hex ("" when there is none).
    pub fn subject_key_id_hex(&self) -> String {
        hex(&self.subject_key_id().unwrap_or_default())
    }

    /// The AuthorityKeyIdentifier in lowercase hex without separators, as
    /// cfssl's certificate database stores it ("" when there is none).
    pub fn authority_key_id_hex(&self) -> String {
        hex(&self.authority_key_id().unwrap_or_default())
    }

    /// The serial number in decimal, signed as Go's `big.Int` prints it
    /// (as cfssl logs and stores it).
    pub fn serial_decimal(&self) -> String {
        signed_decimal(&self.serial)
    }

    /// The AuthorityKeyIdentifier keyIdentifier, if present.
    pub fn authority_key_id(&self) -> Option<Vec<u8>> {
        let e = self.ext(oids::AKI)?;
        let t = der::read_one(&e.value)?;
        der::read_all(t.content)?
            .into_iter()
            .find(|p| p.tag == 0x80)
            .map(|p| p.content.to_vec())
    }

    /// BasicConstraints as Go reads them: (`IsCA`, `MaxPathLen`,
    /// `MaxPathLenZero`), with `MaxPathLen` -1 when absent.
    pub fn basic_constraints(&self) -> (bool, i64, bool) {
        match self
            .ext(oids::BASIC_CONSTRAINTS)
            .and_then(|e| ext::parse_basic_constraints(&e.value))
        {
            Some((ca, Some(n))) => (ca, n, n == 0),
            Some((ca, None)) => (ca, -1, false),
            None => (false, -1, false),
        }
    }

    /// KeyUsage bits as Go numbers them (bit `i` of the BIT STRING is
    /// `1 << i`: digitalSignature 1, keyCertSign 32, cRLSign 64), `None`
    /// without the extension.
    pub fn key_usage(&self) -> Option<u16> {
        let e = self.ext(oids::KEY_USAGE)?;
        let t = der::read_one(&e.value).filter(|t| t.tag == tag::BIT_STRING)?;
        let bits = t.content.get(1..)?;
        let mut usage = 0u16;
        for i in 0..9u16 {
            let byte = bits.get(usize::from(i / 8)).copied().unwrap_or(0);
            if byte & (0x80 >> (i % 8)) != 0 {
                usage |= 1 << i;
            }
        }
        Some(usage)
    }

    /// The ExtendedKeyUsage OIDs (dotted), empty without the extension.
    pub fn ext_key_usages(&self) -> Vec<String> {
        self.ext(oids::EKU)
            .and_then(|e| der::read_one(&e.value))
            .and_then(|t| der::read_all(t.content))
            .map(|list| {
                list.iter()
                    .filter(|t| t.tag == tag::OID)
                    .filter_map(|t| der::oid_to_string(t.content))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Checks that `parent` signed this certificate, as Go's
    /// `CheckSignatureFrom`: the parent must be a CA (basicConstraints
    /// `cA`, or a v1 certificate) whose key usage, if it has one, allows
    /// certificate signing, and its key must verify the signature (SHA-1
    /// signatures refused, as Go 1.18 and later refuse them).
    ///
    /// # Errors
    /// Go's x509 error text.
    pub fn check_signature_from(&self, parent: &Certificate) -> std::result::Result<(), String> {
        let v3 = parent.is_v3();
        let has_bc = parent.ext(oids::BASIC_CONSTRAINTS).is_some();
        let (is_ca, _, _) = parent.basic_constraints();
        if (v3 && !has_bc)
            || (has_bc && !is_ca)
            || parent.key_usage().is_some_and(|u| u != 0 && u & 32 == 0)
        {
            return Err(
                "x509: invalid signature: parent certificate cannot sign this kind of certificate"
                    .into(),
            );
        }
        let insecure = match self.sig_alg.as_str() {
            "1.2.840.113549.1.1.5" => Some("SHA1-RSA"),
            "1.2.840.10045.4.1" => Some("ECDSA-SHA1"),
            "1.2.840.113549.1.1.4" => Some("MD5-RSA"),
            _ => None,
        };
        if let Some(name) = insecure {
            let hint = if name == "MD5-RSA" {
                ""
            } else {
                " (temporarily override with GODEBUG=x509sha1=1)"
            };
            return Err(format!(
                "x509: cannot verify signature: insecure algorithm {name}{hint}"
            ));
        }
        let (tbs, sig) = self
            .tbs_and_signature()
            .ok_or_else(|| "x509: malformed certificate".to_string())?;
        crate::key::verify(&parent.spki, &self.sig_alg, tbs, sig)
    }

    /// Checks only that `issuer`'s key made this certificate's signature,
    /// as Go's `issuer.CheckSignature(cert.SignatureAlgorithm, …)` does (no
    /// CA or key-usage checks, SHA-1 allowed): what OCSP responses ask of
    /// the responder certificate they carry.
    ///
    /// # Errors
    /// Go's x509 error text.
    pub fn check_signature_by_key(&self, issuer: &Certificate) -> std::result::Result<(), String> {
        let (tbs, sig) = self
            .tbs_and_signature()
            .ok_or_else(|| "x509: malformed certificate".to_string())?;
        crate::key::verify(&issuer.spki, &self.sig_alg, tbs, sig)
    }

    fn is_v3(&self) -> bool {
        (|| {
            let top = der::read_one(&self.raw)?;
            let tbs = der::read(top.content)?.0;
            let first = der::read(tbs.content)?.0;
            (first.tag == 0xa0).then(|| der::read_one(first.content))?
        })()
        .is_some_and(|v| v.content == [2])
    }

    /// The raw TBSCertificate and the signature's bytes.
    fn tbs_and_signature(&self) -> Option<(&[u8], &[u8])> {
        let top = der::read_one(&self.raw)?;
        let parts = der::read_all(top.content)?;
        let sig = parts.get(2).filter(|t| t.tag == tag::BIT_STRING)?;
        Some((parts.first()?.raw, sig.content.get(1..)?))
    }

    /// The OCSP responder URLs of the AuthorityInfoAccess extension.
    pub fn ocsp_servers(&self) -> Vec<String> {
        self.access_urls(oids::AD_OCSP)
    }

    /// The CA-issuers URLs of the AuthorityInfoAccess extension.
    pub fn issuing_certificate_urls(&self) -> Vec<String> {
        self.access_urls(oids::AD_CA_ISSUERS)
    }

    fn access_urls(&self, method: &str) -> Vec<String> {
        let Some(list) = self
            .ext(oids::AIA)
            .and_then(|e| der::read_one(&e.value))
            .and_then(|t| der::read_all(t.content))
        else {
            return Vec::new();
        };
        list.iter()
            .filter_map(|ad| {
                let f = der::read_all(ad.content)?;
                let m = der::oid_to_string(f.first()?.content)?;
                let loc = f.get(1).filter(|l| l.tag == 0x86)?;
                (m == method).then(|| String::from_utf8_lossy(loc.content).into_owned())
            })
            .collect()
    }

    /// The URIs of the CRLDistributionPoints extension's full names.
    pub fn crl_distribution_points(&self) -> Vec<String> {
        let Some(points) = self
            .ext(oids::CRL_DP)
            .and_then(|e| der::read_one(&e.value))
            .and_then(|t| der::read_all(t.content))
        else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for p in points {
            let Some(fields) = der::read_all(p.content) else {
                continue;
            };
            // distributionPoint [0] { fullName [0] GeneralNames }
            let names = fields
                .first()
                .filter(|t| t.tag == 0xa0)
                .and_then(|t| der::read_one(t.content))
                .filter(|t| t.tag == 0xa0)
                .and_then(|t| der::read_all(t.content));
            for n in names.unwrap_or_default() {
                if n.tag == 0x86 {
                    out.push(String::from_utf8_lossy(n.content).into_owned());
                }
            }
        }
        out
    }

    /// Go's `Certificate.VerifyHostname` (Go 1.19: SANs only, no Common
    /// Name fallback): an IP (optionally in brackets) against the IP SANs,
    /// a name against the DNS SANs with leftmost-label wildcards; the error
    /// is Go's `HostnameError` text.
    ///
    /// ```
    /// # use cfssl_core::{config::Config, csr::CertificateRequest, initca, key::PrivateKey, log::NoLog};
    /// # use cfssl_core::{cert::Certificate, signer::{LocalSigner, SignRequest, split_hosts}};
    /// # let ca = initca::new(&CertificateRequest::from_json(br#"{"CN":"CA"}"#)?, Default::default(), &mut NoLog)?;
    /// # let signer = LocalSigner::new(ca.cert, ca.key.expect("a new key"), Config::cfssl_default());
    /// # let leaf_req = CertificateRequest::from_json(br#"{"CN":"x"}"#)?;
    /// # let mut req = SignRequest::new(leaf_req.generate_pem(&PrivateKey::generate(&leaf_req.key)?)?);
    /// # req.hosts = split_hosts("a.example,*.b.example");
    /// let cert = Certificate::from_der(&signer.sign(&req, &mut NoLog)?)?;
    /// assert!(cert.verify_hostname("A.example.").is_ok());
    /// assert!(cert.verify_hostname("c.b.example").is_ok());
    /// assert_eq!(cert.verify_hostname("d.example").unwrap_err(),
    ///     "x509: certificate is valid for a.example, *.b.example, not d.example");
    /// assert_eq!(cert.verify_hostname("127.0.0.1").unwrap_err(),
    ///     "x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs");
    /// # Ok::<(), cfssl_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// Go's text when the host does not match.
    pub fn verify_hostname(&self, host: &str) -> std::result::Result<(), String> {
        let sans = self.sans();
        // Go's matchHostnames: same label count, `*` only as the first
        // label, case and a final dot ignored.
        let matches = |pattern: &str, host: &str| {
            let (pattern, host) = (pattern.to_ascii_lowercase(), host.to_ascii_lowercase());
            let pattern = pattern.strip_suffix('.').unwrap_or(&pattern);
            let host = host.strip_suffix('.').unwrap_or(&host);
            if pattern.is_empty() || host.is_empty() {
                return false;
            }
            let (p, h): (Vec<&str>, Vec<&str>) =
                (pattern.split('.').collect(), host.split('.').collect());
            p.len() == h.len()
                && p.iter()
                    .zip(&h)
                    .enumerate()
                    .all(|(i, (p, h))| (i == 0 && *p == "*") || p == h)
        };
        let candidate = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .filter(|_| host.len() >= 3)
            .unwrap_or(host);
        let legacy = || {
            (self.ext(oids::SAN).is_none() && matches(&self.subject().common_name, candidate)).then(
                || {
                    "x509: certificate relies on legacy Common Name field, use SANs instead"
                        .to_string()
                },
            )
        };
        if let Ok(ip) = candidate.parse::<std::net::IpAddr>() {
            if sans.ips.contains(&ip) {
                return Ok(());
            }
            if let Some(e) = legacy() {
                return Err(e);
            }
            if sans.ips.is_empty() {
                return Err(format!(
                    "x509: cannot validate certificate for {candidate} because it doesn't contain any IP SANs"
                ));
            }
            let valid: Vec<String> = sans.ips.iter().map(ToString::to_string).collect();
            return Err(format!(
                "x509: certificate is valid for {}, not {candidate}",
                valid.join(", ")
            ));
        }
        if sans.dns.iter().any(|d| matches(d, host)) {
            return Ok(());
        }
        if let Some(e) = legacy() {
            return Err(e);
        }
        if sans.dns.is_empty() {
            return Err(format!(
                "x509: certificate is not valid for any names, but wanted to match {host}"
            ));
        }
        Err(format!(
            "x509: certificate is valid for {}, not {host}",
            sans.dns.join(", ")
        ))
    }

    /// The SANs.
    pub fn sans(&self) -> Sans {
        self.ext(oids::SAN)
            .and_then(|e| ext::parse_sans(&e.value))
            .unwrap_or_default()
    }
}

pub(crate) fn parse_time(t: &der::Tlv<'_>) -> Option<DateTime<Utc>> {
    let s = std::str::from_utf8(t.content).ok()?;
    let s = s.strip_suffix('Z')?;
    let (year, rest) = match t.tag {
        tag::UTC_TIME => {
            let yy: i32 = s.get(..2)?.parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, s.get(2..)?)
        }
        tag::GENERALIZED_TIME => (s.get(..4)?.parse().ok()?, s.get(4..)?),
        _ => return None,
    };
    let n = |i: usize| -> Option<u32> { rest.get(i..i + 2)?.parse().ok() };
    let sec = if rest.len() >= 10 { n(8)? } else { 0 };
    Utc.with_ymd_and_hms(year, n(0)?, n(2)?, n(4)?, n(6)?, sec)
        .single()
}

/// DER time as Go writes it: UTCTime for 1950–2049, else GeneralizedTime.
pub(crate) fn encode_time(t: DateTime<Utc>) -> Vec<u8> {
    use chrono::{Datelike, Timelike};
    let y = t.year();
    if !(0..=9999).contains(&y) {
        // Not a time a certificate can hold; written as chrono prints it
        // (only reached by callers that let such a date through).
        return der::tlv(
            tag::GENERALIZED_TIME,
            t.format("%Y%m%d%H%M%SZ").to_string().as_bytes(),
        );
    }
    // Written digit by digit: two times per certificate, and chrono's
    // strftime parses its pattern on every call.
    let mut text = [0u8; 15];
    let mut n = 0;
    let mut put = |v: u32, width: usize| {
        for i in (0..width).rev() {
            text[n + i] = b'0' + (v / 10u32.pow((width - 1 - i) as u32) % 10) as u8;
        }
        n += width;
    };
    let utc = (1950..2050).contains(&y);
    // `y` is within 0..=9999 here.
    let year = y.unsigned_abs();
    if utc {
        put(year % 100, 2);
    } else {
        put(year, 4);
    }
    put(t.month(), 2);
    put(t.day(), 2);
    put(t.hour(), 2);
    put(t.minute(), 2);
    put(t.second(), 2);
    text[n] = b'Z';
    let tag = if utc {
        tag::UTC_TIME
    } else {
        tag::GENERALIZED_TIME
    };
    der::tlv(tag, &text[..=n])
}

/// Whether two INTEGER contents (two's complement, big-endian) are the
/// same number, redundant leading bytes aside (Go compares serials as
/// `big.Int`s).
///
/// ```
/// assert!(cfssl_core::cert::same_integer(&[0x00, 0x85], &[0x00, 0x00, 0x85]));
/// assert!(!cfssl_core::cert::same_integer(&[0x01], &[0x02]));
/// ```
pub fn same_integer(a: &[u8], b: &[u8]) -> bool {
    fn trim(mut v: &[u8]) -> &[u8] {
        while let [first, second, ..] = v {
            if (*first == 0 && *second < 0x80) || (*first == 0xff && *second >= 0x80) {
                v = &v[1..];
            } else {
                break;
            }
        }
        v
    }
    trim(a) == trim(b)
}

/// Lowercase hex of `bytes`, no separators.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Decimal text of INTEGER content octets (two's complement, big-endian),
/// with a `-` for a negative number.
pub fn signed_decimal(content: &[u8]) -> String {
    match content.first() {
        Some(b) if b & 0x80 != 0 => {
            // Negative: the magnitude is the two's complement.
            let mut mag = content.to_vec();
            let mut carry = true;
            for byte in mag.iter_mut().rev() {
                *byte = !*byte;
                if carry {
                    let (v, c) = byte.overflowing_add(1);
                    *byte = v;
                    carry = c;
                }
            }
            format!("-{}", decimal(&mag))
        }
        _ => decimal(content),
    }
}

/// Decimal text of a non-negative big-endian integer (for log lines).
pub fn decimal(bytes: &[u8]) -> String {
    let mut digits: Vec<u8> = vec![0];
    for b in bytes {
        let mut carry = u32::from(*b);
        for d in &mut digits {
            let v = u32::from(*d) * 256 + carry;
            *d = (v % 10) as u8;
            carry = v / 10;
        }
        while carry > 0 {
            digits.push((carry % 10) as u8);
            carry /= 10;
        }
    }
    while digits.len() > 1 && digits.last() == Some(&0) {
        digits.pop();
    }
    digits.iter().rev().map(|d| char::from(b'0' + d)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_of_big_serials() {
        assert_eq!(decimal(&[0]), "0");
        assert_eq!(decimal(&[1, 0]), "256");
        assert_eq!(decimal(&[0xff; 8]), u64::MAX.to_string());
        let b = [
            0x23, 0x63, 0x08, 0x7a, 0x32, 0x4a, 0xdd, 0x9a, 0x3b, 0xef, 0x9b, 0x03, 0x14, 0x17,
            0x29, 0x4f, 0x89, 0xe9, 0x67, 0x03,
        ];
        assert_eq!(
            decimal(&b),
            "202023189233075257864623873334332928980846995203"
        );
    }

    #[test]
    fn time_encoding_switches_at_2050() {
        let t = Utc.with_ymd_and_hms(2049, 12, 31, 23, 59, 59).unwrap();
        assert_eq!(encode_time(t)[0], tag::UTC_TIME);
        let t = Utc.with_ymd_and_hms(2050, 1, 1, 0, 0, 0).unwrap();
        let e = encode_time(t);
        assert_eq!(e[0], tag::GENERALIZED_TIME);
        assert_eq!(&e[2..], b"20500101000000Z");
    }

    #[test]
    fn time_encoding_matches_chrono() {
        for (y, mo, d, h, mi, se) in [
            (1950, 1, 1, 0, 0, 0),
            (1999, 12, 31, 23, 59, 59),
            (2000, 2, 29, 7, 8, 9),
            (2026, 12, 3, 10, 45, 1),
            (2049, 6, 15, 12, 30, 30),
            (1949, 12, 31, 23, 59, 59),
            (2050, 1, 1, 0, 0, 0),
            (9999, 12, 31, 23, 59, 59),
            (1, 1, 1, 0, 0, 0),
        ] {
            let t = Utc.with_ymd_and_hms(y, mo, d, h, mi, se).unwrap();
            let e = encode_time(t);
            let want = if (1950..2050).contains(&y) {
                t.format("%y%m%d%H%M%SZ").to_string()
            } else {
                t.format("%Y%m%d%H%M%SZ").to_string()
            };
            assert_eq!(std::str::from_utf8(&e[2..]), Ok(want.as_str()), "{t}");
            assert_eq!(usize::from(e[1]), want.len());
        }
    }
}
