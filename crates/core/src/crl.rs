//! Certificate revocation lists: the CRL cfssl's `gencrl` and `crl` make
//! (Go's `x509.Certificate.CreateCRL`: a v2 list signed by the CA's key,
//! the issuer its subject, each entry a serial and a revocation date, the
//! CA's key identifier as the list's authority key identifier), plus what
//! RFC 5280 requires and cfssl leaves out: a CRL number (§5.2.3, a MUST)
//! and each entry's reason code when it has one (§5.3.1).
//!
//! ```
//! use cfssl_core::{crl, initca, csr::CertificateRequest};
//! let req = CertificateRequest::from_json(br#"{"CN":"Doc CA","key":{"algo":"ecdsa","size":256}}"#)?;
//! let ca = initca::new(&req, Default::default(), &mut cfssl_core::log::NoLog)?;
//! let (cert, key) = (ca.cert, ca.key.expect("initca::new makes a key"));
//! let now = chrono::Utc::now();
//! let entries = [crl::Entry::new(vec![0x30, 0x39], now)];
//! let der = crl::create(&cert, &key, &entries, now, now + chrono::Duration::days(7), &crl::number_for(now))?;
//! assert_eq!(der[0], 0x30);
//! # Ok::<(), cfssl_core::Error>(())
//! ```

use chrono::{DateTime, Utc};

use crate::cert::{self, Certificate};
use crate::der::{self, tag};
use crate::error::{Code, Error, Result};
use crate::ext::{self, Extension, oids};
use crate::signing_key::SigningKey;

/// One revoked certificate of a list.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Entry {
    /// The serial number's magnitude, big-endian (`[0]` or empty for 0).
    pub serial: Vec<u8>,
    /// When it was revoked.
    pub revoked_at: DateTime<Utc>,
    /// Its `CRLReason` code, written as an entry extension when set
    /// (cfssl writes none).
    pub reason: Option<u8>,
}

impl Entry {
    /// An entry without a reason code.
    pub fn new(serial: Vec<u8>, revoked_at: DateTime<Utc>) -> Self {
        Self {
            serial,
            revoked_at,
            reason: None,
        }
    }

    /// The same entry with a reason code.
    #[must_use]
    pub fn with_reason(mut self, reason: u8) -> Self {
        self.reason = Some(reason);
        self
    }
}

/// A CRL number that grows with time: the milliseconds since the Unix epoch
/// of `this_update`, big-endian. Lists made without a record of the last
/// number (cfssl's `gencrl` keeps none) still number in order, as long as
/// the clock moves forward.
pub fn number_for(this_update: DateTime<Utc>) -> Vec<u8> {
    let ms = u64::try_from(this_update.timestamp_millis()).unwrap_or(0);
    ms.to_be_bytes().to_vec()
}

/// Signs a CRL (DER) for `issuer` with `key`: version 2, Go's signature
/// algorithm for the key, `this_update` and `next_update` to the second,
/// `entries` in order (the list left out when empty, as Go does), and the
/// extensions AKI (when the CA has an SKI) and CRL number.
///
/// # Errors
/// 2300 when `key` is not the issuer's key; 1000 when signing fails.
pub fn create(
    issuer: &Certificate,
    key: &dyn SigningKey,
    entries: &[Entry],
    this_update: DateTime<Utc>,
    next_update: DateTime<Utc>,
    number: &[u8],
) -> Result<Vec<u8>> {
    if key.public_key_der() != issuer.public_key_der() {
        return Err(Error::coded(
            Code::PrivateKeyMismatch,
            "the key does not belong to the CA certificate",
        ));
    }
    // Whole seconds, as Go's asn1 writes times.
    let at = |t: DateTime<Utc>| DateTime::<Utc>::from_timestamp(t.timestamp(), 0).unwrap_or(t);
    let alg = key.go_signature_algorithm();
    let mut tbs: Vec<Vec<u8>> = vec![
        der::int(1),
        alg.clone(),
        issuer.subject_raw().to_vec(),
        cert::encode_time(at(this_update)),
        cert::encode_time(at(next_update)),
    ];
    if !entries.is_empty() {
        let list: Vec<Vec<u8>> = entries
            .iter()
            .map(|e| {
                let mut parts = vec![der::uint(&e.serial), cert::encode_time(at(e.revoked_at))];
                if let Some(r) = e.reason {
                    let reason =
                        Extension::new(oids::CRL_REASON, false, der::tlv(tag::ENUMERATED, &[r]));
                    parts.push(der::seq(&[&reason.to_der()]));
                }
                let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
                der::seq(&refs)
            })
            .collect();
        let refs: Vec<&[u8]> = list.iter().map(Vec::as_slice).collect();
        tbs.push(der::seq(&refs));
    }
    let mut exts = Vec::new();
    if let Some(ski) = issuer.subject_key_id().filter(|k| !k.is_empty()) {
        exts.push(Extension::new(oids::AKI, false, ext::authority_key_id(&ski)).to_der());
    }
    exts.push(Extension::new(oids::CRL_NUMBER, false, der::uint(number)).to_der());
    let ext_refs: Vec<&[u8]> = exts.iter().map(Vec::as_slice).collect();
    tbs.push(der::explicit(0, &der::seq(&ext_refs)));
    let tbs_refs: Vec<&[u8]> = tbs.iter().map(Vec::as_slice).collect();
    let tbs = der::seq(&tbs_refs);
    let sig = key.sign_go(&tbs)?;
    Ok(der::seq(&[&tbs, &alg, &der::bit_string(&sig)]))
}

/// A serial number in decimal (an optional `+`, then digits only) as
/// big-endian bytes; `None` for anything else (cfssl lists it as serial 0).
///
/// ```
/// assert_eq!(cfssl_core::crl::decimal_serial("12345"), Some(vec![0x30, 0x39]));
/// assert_eq!(cfssl_core::crl::decimal_serial("0x10"), None);
/// ```
pub fn decimal_serial(s: &str) -> Option<Vec<u8>> {
    let digits = s.strip_prefix('+').unwrap_or(s);
    // 160 digits is 66 octets, past any serial RFC 5280 allows (20); the
    // bound keeps a hostile list from costing quadratic time.
    (!digits.is_empty() && digits.len() <= 160 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| decimal_bytes(digits))
}

/// Big-endian bytes of a decimal number.
fn decimal_bytes(digits: &str) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::new();
    for d in digits.bytes() {
        let mut carry = u32::from(d - b'0');
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
    out
}

/// A CRL lifetime in seconds as cfssl's `gencrl` reads it: Go's
/// `strconv.ParseInt(s, 0, 32)`: an optional sign, then `0x`, `0o`,
/// `0b` or a leading `0` (octal) for the base, underscores between digits
/// only after such a prefix; Go's error texts.
///
/// # Errors
/// Go's `strconv` message.
pub fn go_parse_int32(s: &str) -> Result<i64, String> {
    let syntax = || {
        format!(
            "strconv.ParseInt: parsing {}: invalid syntax",
            crate::go::json::go_string(s)
        )
    };
    let (negative, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits, prefixed) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d.to_string(), true)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d.to_string(), true)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d.to_string(), true)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].to_string(), true)
    } else {
        (10, lower, false)
    };
    // Go's underscoreOK: only after a base prefix, between digits.
    if digits.contains('_') && (!prefixed || digits.ends_with('_') || digits.contains("__")) {
        return Err(syntax());
    }
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    // Digits of the base only: from_str_radix would take a sign here.
    if clean.is_empty() || !clean.chars().all(|c| c.is_digit(radix)) {
        return Err(syntax());
    }
    let magnitude = u64::from_str_radix(&clean, radix).map_err(|e| match e.kind() {
        std::num::IntErrorKind::PosOverflow => format!(
            "strconv.ParseInt: parsing {}: value out of range",
            crate::go::json::go_string(s)
        ),
        _ => syntax(),
    })?;
    let value = if negative {
        -i128::from(magnitude)
    } else {
        i128::from(magnitude)
    };
    if value < i128::from(i32::MIN) || value > i128::from(i32::MAX) {
        return Err(format!(
            "strconv.ParseInt: parsing {}: value out of range",
            crate::go::json::go_string(s)
        ));
    }
    // Within i32, so within i64.
    Ok(value as i64)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

    use super::*;
    use x509_parser::prelude::*;

    /// Read back with x509-parser: entries, reason codes, number, AKI.
    #[test]
    fn entries_reasons_and_number_as_another_parser_reads_them() {
        let req = crate::csr::CertificateRequest::from_json(
            br#"{"CN":"Unit CA","key":{"algo":"ecdsa","size":256}}"#,
        )
        .unwrap();
        let ca = crate::initca::new(&req, Default::default(), &mut crate::log::NoLog).unwrap();
        let cert = ca.cert;
        let key = ca.key.unwrap();
        let now = Utc::now();
        let entries = [
            Entry::new(vec![0x30, 0x39], now),
            Entry::new(vec![0x80, 1], now).with_reason(1),
        ];
        let der = create(
            &cert,
            &key,
            &entries,
            now,
            now + chrono::Duration::hours(1),
            &number_for(now),
        )
        .unwrap();
        let (rest, list) = CertificateRevocationList::from_der(&der).unwrap();
        assert!(rest.is_empty());
        let revoked: Vec<_> = list.iter_revoked_certificates().collect();
        assert_eq!(revoked.len(), 2);
        assert_eq!(revoked[0].raw_serial(), [0x30, 0x39]);
        assert_eq!(revoked[0].reason_code(), None);
        assert_eq!(revoked[1].raw_serial(), [0, 0x80, 1]);
        assert_eq!(revoked[1].reason_code().map(|(_, r)| r.0), Some(1));
        let n = list.crl_number().unwrap();
        assert_eq!(
            n.to_bytes_be(),
            number_for(now)
                .into_iter()
                .skip_while(|b| *b == 0)
                .collect::<Vec<_>>()
        );
        assert_eq!(list.tbs_cert_list.version, Some(X509Version::V2));
    }

    #[test]
    fn go_base_zero_integers() {
        assert_eq!(go_parse_int32("86400"), Ok(86400));
        assert_eq!(go_parse_int32("0x10"), Ok(16));
        assert_eq!(go_parse_int32("010"), Ok(8));
        assert_eq!(go_parse_int32("-0b11"), Ok(-3));
        assert_eq!(go_parse_int32("0x_1_0"), Ok(16));
        assert_eq!(go_parse_int32("0"), Ok(0));
        assert_eq!(
            go_parse_int32("abc"),
            Err("strconv.ParseInt: parsing \"abc\": invalid syntax".into())
        );
        assert_eq!(
            go_parse_int32("1_000"),
            Err("strconv.ParseInt: parsing \"1_000\": invalid syntax".into())
        );
        assert_eq!(
            go_parse_int32("2147483648"),
            Err("strconv.ParseInt: parsing \"2147483648\": value out of range".into())
        );
        assert_eq!(go_parse_int32("-2147483648"), Ok(-2_147_483_648));
        for bad in ["++1", "-+1", "0x+10", "0+7", "+-1", "0x-1"] {
            assert!(go_parse_int32(bad).is_err(), "{bad}");
        }
        assert_eq!(decimal_serial(&"9".repeat(161)), None);
        assert!(decimal_serial(&"9".repeat(160)).is_some());
    }

    #[test]
    fn serials_in_decimal() {
        assert_eq!(decimal_bytes("12345"), [0x30, 0x39]);
        assert_eq!(
            decimal_bytes("98765432109876543210"),
            [0x05, 0x5a, 0xa5, 0x4d, 0x38, 0xe5, 0x26, 0x7e, 0xea]
        );
        assert_eq!(decimal_bytes("0"), Vec::<u8>::new());
    }
}

/// A CRL as the revocation checker reads one (Go's deprecated
/// `x509.ParseCRL`, which cfssl's checker uses): DER, or PEM `X509 CRL`
/// when the text starts with its `BEGIN` line.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct List {
    tbs: Vec<u8>,
    signature_algorithm: String,
    signature: Vec<u8>,
    /// `nextUpdate`, when the list has one.
    pub next_update: Option<DateTime<Utc>>,
    /// The serials listed (INTEGER contents), in order.
    pub revoked: Vec<Vec<u8>>,
}

impl List {
    /// Reads a CRL.
    ///
    /// ```
    /// assert!(cfssl_core::crl::List::parse(b"not a CRL").is_err());
    /// ```
    ///
    /// # Errors
    /// A message naming what is wrong (Go's asn1 texts are not copied).
    pub fn parse(input: &[u8]) -> std::result::Result<Self, String> {
        const PEM_PREFIX: &[u8] = b"-----BEGIN X509 CRL";
        let decoded;
        let der = if input.starts_with(PEM_PREFIX) {
            decoded = crate::go::pem::first(input)
                .filter(|b| b.tag() == "X509 CRL")
                .ok_or_else(|| "x509: malformed crl: bad PEM".to_string())?;
            decoded.contents()
        } else {
            input
        };
        Self::from_der(der).ok_or_else(|| "x509: malformed crl".to_string())
    }

    fn from_der(input: &[u8]) -> Option<Self> {
        let (top, rest) = der::read(input)?;
        if top.tag != tag::SEQUENCE || !rest.is_empty() {
            return None;
        }
        let parts = der::read_all(top.content)?;
        let [tbs, alg, sig] = parts.as_slice() else {
            return None;
        };
        if tbs.tag != tag::SEQUENCE || alg.tag != tag::SEQUENCE || sig.tag != tag::BIT_STRING {
            return None;
        }
        let signature_algorithm = der::oid_to_string(der::read_all(alg.content)?.first()?.content)?;
        let mut f = der::read_all(tbs.content)?.into_iter().peekable();
        if f.peek()?.tag == tag::INTEGER {
            f.next();
        }
        f.next().filter(|t| t.tag == tag::SEQUENCE)?; // signature
        f.next().filter(|t| t.tag == tag::SEQUENCE)?; // issuer
        cert::parse_time(&f.next()?)?; // thisUpdate
        let mut next_update = None;
        if let Some(t) = f.peek()
            && t.tag != tag::SEQUENCE
            && t.tag != 0xa0
        {
            next_update = Some(cert::parse_time(t)?);
            f.next();
        }
        let mut revoked = Vec::new();
        if let Some(list) = f.peek().filter(|t| t.tag == tag::SEQUENCE) {
            for entry in der::read_all(list.content)? {
                let fields = der::read_all(entry.content)?;
                let serial = fields.first().filter(|t| t.tag == tag::INTEGER)?;
                revoked.push(serial.content.to_vec());
            }
            f.next();
        }
        Some(Self {
            tbs: tbs.raw.to_vec(),
            signature_algorithm,
            signature: sig.content.get(1..)?.to_vec(),
            next_update,
            revoked,
        })
    }

    /// Whether the list needs fetching again at `now` (Go's `HasExpired`:
    /// `nextUpdate` reached, or no `nextUpdate`).
    pub fn has_expired(&self, now: DateTime<Utc>) -> bool {
        self.next_update.is_none_or(|n| now >= n)
    }

    /// Whether `serial` (INTEGER content) is listed.
    pub fn lists(&self, serial: &[u8]) -> bool {
        self.revoked.iter().any(|r| cert::same_integer(r, serial))
    }

    /// Checks that `issuer`'s key signed the list (Go's
    /// `CheckCRLSignature`: the key only, no CA checks).
    ///
    /// # Errors
    /// Go's x509 error text (`x509: ECDSA verification failure`).
    pub fn check_signature_from(&self, issuer: &Certificate) -> std::result::Result<(), String> {
        crate::key::verify(
            issuer.public_key_der(),
            &self.signature_algorithm,
            &self.tbs,
            &self.signature,
        )
    }
}
