//! OCSP (RFC 6960, with RFC 5019's profile for responders): signing a
//! response as cfssl's `ocsp.StandardSigner` does, and reading the requests
//! and responses an OCSP responder handles. No I/O.
//!
//! What a signed response holds (cfssl's choices, through Go's
//! `x/crypto/ocsp.CreateResponse`): one `SingleResponse` for the
//! certificate; the responder named by its subject; `producedAt` now to the
//! minute, `thisUpdate` now to the hour and `nextUpdate` one interval later
//! (unless the request sets them); for a revoked certificate the revocation
//! time and, when it is not 0, the reason; the responder's certificate
//! unless it is the issuer's; the signature algorithm Go picks for the
//! responder's key (RSA SHA-256, ECDSA by curve). Ed25519 responder keys,
//! which Go's OCSP code refuses, sign with Ed25519 (RFC 8410).
//!
//! Written by hand, over this crate's DER writer, because the bytes must be
//! cfssl's (field order, the NULL in the CertID's hash algorithm, the
//! truncations) and no OCSP crate writes responses that way.
//!
//! ```
//! use cfssl_core::{ocsp, initca, csr::CertificateRequest};
//! let req = CertificateRequest::from_json(br#"{"CN":"Doc CA","key":{"algo":"ecdsa","size":256}}"#)?;
//! let ca = initca::new(&req, Default::default(), &mut cfssl_core::log::NoLog)?;
//! let (cert, key) = (ca.cert, ca.key.expect("initca::new makes a key"));
//! // The CA answers for itself here; a real leaf is signed by the CA.
//! let signer = ocsp::Signer::new(cert.clone(), cert.clone(), key, chrono::Duration::hours(96))?;
//! let der = signer.sign(&ocsp::SignRequest::new(&cert, ocsp::CertStatus::Good))?;
//! let resp = ocsp::Response::from_der(&der)?;
//! assert_eq!(resp.status, ocsp::CertStatus::Good);
//! assert_eq!(resp.cert_id.serial, cert.serial());
//! # Ok::<(), cfssl_core::Error>(())
//! ```

use aws_lc_rs::digest;

use chrono::{DateTime, Datelike, Duration, Timelike, Utc};

use crate::cert::Certificate;
use crate::der::{self, tag};
use crate::error::{Code, Error, Result};
use crate::signing_key::SigningKey;

/// `id-pkix-ocsp-basic`.
const BASIC: &str = "1.3.6.1.5.5.7.48.1.1";
/// `id-pkix-ocsp-nonce`.
const NONCE: &str = "1.3.6.1.5.5.7.48.1.2";
/// The longest serial a CertID may carry (RFC 5280 allows 20 octets).
const MAX_SERIAL_OCTETS: usize = 64;

/// A `CRLReason` code RFC 5280 defines (0-6, 8-10), else `None`.
pub fn valid_reason(code: i64) -> Option<u8> {
    u8::try_from(code).ok().filter(|r| *r <= 10 && *r != 7)
}

/// The DER of an `OCSPResponse` that carries only an error status (RFC
/// 6960 §4.2.1), as responders send them.
pub mod errors {
    /// `malformedRequest` (1).
    pub const MALFORMED_REQUEST: &[u8] = &[0x30, 0x03, 0x0a, 0x01, 0x01];
    /// `internalError` (2).
    pub const INTERNAL_ERROR: &[u8] = &[0x30, 0x03, 0x0a, 0x01, 0x02];
    /// `tryLater` (3).
    pub const TRY_LATER: &[u8] = &[0x30, 0x03, 0x0a, 0x01, 0x03];
    /// `unauthorized` (6): what a responder says for a certificate it knows
    /// nothing of (RFC 5019 §2.2.3).
    pub const UNAUTHORIZED: &[u8] = &[0x30, 0x03, 0x0a, 0x01, 0x06];
}

/// The hash of a CertID.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashAlgorithm {
    /// SHA-1, the default (and RFC 5019's).
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlgorithm {
    /// By the names of cfssl's `/ocspsign` `issuer_hash` (`SHA1`, `SHA256`,
    /// `SHA384`, `SHA512`).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "SHA1" => Some(Self::Sha1),
            "SHA256" => Some(Self::Sha256),
            "SHA384" => Some(Self::Sha384),
            "SHA512" => Some(Self::Sha512),
            _ => None,
        }
    }

    /// Its name as [`Self::from_name`] takes it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "SHA1",
            Self::Sha256 => "SHA256",
            Self::Sha384 => "SHA384",
            Self::Sha512 => "SHA512",
        }
    }

    fn oid(self) -> &'static str {
        match self {
            Self::Sha1 => "1.3.14.3.2.26",
            Self::Sha256 => "2.16.840.1.101.3.4.2.1",
            Self::Sha384 => "2.16.840.1.101.3.4.2.2",
            Self::Sha512 => "2.16.840.1.101.3.4.2.3",
        }
    }

    fn from_oid(oid: &str) -> Option<Self> {
        [Self::Sha1, Self::Sha256, Self::Sha384, Self::Sha512]
            .into_iter()
            .find(|h| h.oid() == oid)
    }

    /// The digest of `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        let alg = match self {
            Self::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
            Self::Sha256 => &digest::SHA256,
            Self::Sha384 => &digest::SHA384,
            Self::Sha512 => &digest::SHA512,
        };
        digest::digest(alg, data).as_ref().to_vec()
    }
}

/// A certificate's status in a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertStatus {
    /// Not revoked.
    Good,
    /// Revoked at a time, for a `CRLReason` code (0 is written as no reason).
    Revoked {
        /// When.
        at: DateTime<Utc>,
        /// The RFC 5280 reason code.
        reason: u8,
    },
    /// The responder does not know the certificate.
    Unknown,
}

impl CertStatus {
    /// The word cfssl uses for it (`good`, `revoked`, `unknown`), as in the
    /// database's `status` column.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Good => "good",
            Self::Revoked { .. } => "revoked",
            Self::Unknown => "unknown",
        }
    }
}

/// Checks a status word as cfssl's signer does.
///
/// # Errors
/// 8200 `Invalid revocation status` for anything but `good`, `revoked`,
/// `unknown`.
pub fn check_status_name(name: &str) -> Result<()> {
    match name {
        "good" | "revoked" | "unknown" => Ok(()),
        _ => Err(Error::coded(
            Code::OcspInvalidStatus,
            "Invalid revocation status",
        )),
    }
}

/// A certificate's identity in requests and responses (RFC 6960 §4.1.1).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct CertId {
    /// The hash of the two issuer fields.
    pub hash: HashAlgorithm,
    /// The hash of the issuer's DER subject.
    pub issuer_name_hash: Vec<u8>,
    /// The hash of the issuer's public key (the BIT STRING's bytes).
    pub issuer_key_hash: Vec<u8>,
    /// The serial number's INTEGER content (two's complement, big-endian).
    pub serial: Vec<u8>,
}

impl CertId {
    /// The CertID of serial `serial` (INTEGER content octets, as
    /// [`Certificate::serial`] gives them) issued by `issuer`.
    pub fn new(issuer: &Certificate, serial: &[u8], hash: HashAlgorithm) -> Self {
        let key = crate::key::parse_spki(issuer.public_key_der()).map_or(&[][..], |s| s.key);
        Self {
            hash,
            issuer_name_hash: hash.digest(issuer.subject_raw()),
            issuer_key_hash: hash.digest(key),
            serial: serial.to_vec(),
        }
    }

    /// The serial number in decimal (as the database stores it).
    pub fn serial_decimal(&self) -> String {
        crate::cert::signed_decimal(&self.serial)
    }

    /// The issuer key hash in lowercase hex: for a SHA-1 CertID of a CA
    /// whose key identifier is the SHA-1 of its key (cfssl's CAs), the AKI
    /// of the certificates it issued, as the database stores it.
    pub fn issuer_key_hash_hex(&self) -> String {
        crate::cert::hex(&self.issuer_key_hash)
    }

    fn to_der(&self) -> Vec<u8> {
        let alg = der::seq(&[&der::oid_str(self.hash.oid()), &der::null()]);
        der::seq(&[
            &alg,
            &der::octet_string(&self.issuer_name_hash),
            &der::octet_string(&self.issuer_key_hash),
            &der::tlv(tag::INTEGER, &self.serial),
        ])
    }

    fn parse(t: &der::Tlv<'_>) -> Option<Self> {
        let f = der::read_all(t.content).filter(|_| t.tag == tag::SEQUENCE)?;
        let [alg, name, key, serial] = f.as_slice() else {
            return None;
        };
        let alg = der::read_all(alg.content)?;
        let hash = HashAlgorithm::from_oid(&der::oid_to_string(alg.first()?.content)?)?;
        // Serials are at most 20 octets (RFC 5280 §4.1.2.2); longer ones,
        // up to 64, are still read, anything beyond refused.
        (name.tag == tag::OCTET_STRING && key.tag == tag::OCTET_STRING)
            .then_some(())
            .filter(|()| {
                serial.tag == tag::INTEGER
                    && !serial.content.is_empty()
                    && serial.content.len() <= MAX_SERIAL_OCTETS
            })?;
        Some(Self {
            hash,
            issuer_name_hash: name.content.to_vec(),
            issuer_key_hash: key.content.to_vec(),
            serial: serial.content.to_vec(),
        })
    }
}

/// What to sign: cfssl's `ocsp.SignRequest`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SignRequest<'a> {
    /// The certificate the response is about.
    pub certificate: &'a Certificate,
    /// Its status.
    pub status: CertStatus,
    /// The CertID hash (SHA-1 unless chosen).
    pub issuer_hash: HashAlgorithm,
    /// `thisUpdate`; now to the hour when `None`.
    pub this_update: Option<DateTime<Utc>>,
    /// `nextUpdate`; `thisUpdate` plus the signer's interval when `None`.
    pub next_update: Option<DateTime<Utc>>,
}

impl<'a> SignRequest<'a> {
    /// A request for `certificate` with `status`, everything else default.
    pub fn new(certificate: &'a Certificate, status: CertStatus) -> Self {
        Self {
            certificate,
            status,
            issuer_hash: HashAlgorithm::Sha1,
            this_update: None,
            next_update: None,
        }
    }
}

/// Signs OCSP responses for the certificates of one issuer: cfssl's
/// `ocsp.StandardSigner`.
#[derive(Debug)]
pub struct Signer {
    issuer: Certificate,
    responder: Certificate,
    key: Box<dyn SigningKey>,
    interval: Duration,
}

impl Signer {
    /// A signer for `issuer`'s certificates, answering as `responder` with
    /// its key `key`, each response valid for `interval` from its
    /// `thisUpdate`.
    ///
    /// # Errors
    /// 2300 `Private key does not match public key` when `key` is not the
    /// responder's (cfssl does not check, and signs responses nobody can
    /// verify).
    pub fn new(
        issuer: Certificate,
        responder: Certificate,
        key: impl SigningKey + 'static,
        interval: Duration,
    ) -> Result<Self> {
        if key.public_key_der() != responder.public_key_der() {
            return Err(Error::coded(
                Code::PrivateKeyMismatch,
                "Private key does not match public key",
            ));
        }
        Ok(Self {
            issuer,
            responder,
            key: Box::new(key),
            interval,
        })
    }

    /// The issuer whose certificates this signer answers for.
    pub fn issuer(&self) -> &Certificate {
        &self.issuer
    }

    /// The responder certificate.
    pub fn responder(&self) -> &Certificate {
        &self.responder
    }

    /// The interval between `thisUpdate` and `nextUpdate`.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Why clients may refuse this signer's responses (RFC 6960 §4.2.2.2),
    /// `None` when they will not: the responder is the issuer, or a
    /// certificate the issuer signed with the OCSP Signing extended key
    /// usage. cfssl checks none of this.
    pub fn responder_problem(&self) -> Option<String> {
        if self.responder.raw() == self.issuer.raw() {
            return None;
        }
        if self.responder.issuer_raw() != self.issuer.subject_raw()
            || self.responder.check_signature_from(&self.issuer).is_err()
        {
            return Some(
                "the responder certificate is neither the CA nor issued by it: clients will not trust its responses"
                    .into(),
            );
        }
        if !self
            .responder
            .ext_key_usages()
            .iter()
            .any(|o| o == "1.3.6.1.5.5.7.3.9")
        {
            return Some(
                "the responder certificate lacks the OCSP Signing extended key usage: clients will not trust its responses"
                    .into(),
            );
        }
        None
    }

    /// Checks that the issuer signed `cert`, as cfssl does before signing.
    ///
    /// # Errors
    /// 8100 `Certificate not issued by this issuer` when its issuer name is
    /// not the issuer's subject; 8200 with Go's x509 text when the
    /// issuer's key did not sign it.
    pub fn check_issued(&self, cert: &Certificate) -> Result<()> {
        if cert.issuer_raw() != self.issuer.subject_raw() {
            return Err(Error::coded(
                Code::OcspIssuerMismatch,
                "Certificate not issued by this issuer",
            ));
        }
        cert.check_signature_from(&self.issuer)
            .map_err(|e| Error::coded(Code::OcspInvalidStatus, e))
    }

    /// Signs a response now.
    ///
    /// # Errors
    /// As [`Self::check_issued`]; 1000 when signing fails.
    pub fn sign(&self, req: &SignRequest<'_>) -> Result<Vec<u8>> {
        self.sign_at(req, Utc::now())
    }

    /// Signs a response as if it were `now` (for reproducible output).
    ///
    /// # Errors
    /// As [`Self::sign`].
    pub fn sign_at(&self, req: &SignRequest<'_>, now: DateTime<Utc>) -> Result<Vec<u8>> {
        self.check_issued(req.certificate)?;
        let this_update = req.this_update.unwrap_or_else(|| truncate(now, 3600));
        let next_update = req.next_update.unwrap_or(this_update + self.interval);
        let mut times = vec![now, this_update, next_update];
        if let CertStatus::Revoked { at, .. } = req.status {
            times.push(at);
        }
        // GeneralizedTime holds four-digit years (Go's asn1 refuses others).
        if let Some(t) = times.iter().find(|t| !(0..=9999).contains(&t.year())) {
            return Err(Error::Invalid(format!(
                "time {t} cannot be written in an OCSP response (years 0-9999)"
            )));
        }
        let id = CertId::new(&self.issuer, req.certificate.serial(), req.issuer_hash);
        let status = match req.status {
            CertStatus::Good => der::implicit(0, &[]),
            CertStatus::Unknown => der::implicit(2, &[]),
            CertStatus::Revoked { at, reason } => {
                let mut info = generalized(at);
                if reason != 0 {
                    info.extend(der::explicit(0, &der::tlv(tag::ENUMERATED, &[reason])));
                }
                der::explicit(1, &info)
            }
        };
        let single = der::seq(&[
            &id.to_der(),
            &status,
            &generalized(this_update),
            &der::explicit(0, &generalized(next_update)),
        ]);
        let tbs = der::seq(&[
            &der::explicit(1, self.responder.subject_raw()),
            &generalized(truncate(now, 60)),
            &der::seq(&[&single]),
        ]);
        let alg = self.key.go_signature_algorithm();
        let sig = self.key.sign_go(&tbs)?;
        let certs = if self.responder.raw() == self.issuer.raw() {
            Vec::new()
        } else {
            der::explicit(0, &der::seq(&[self.responder.raw()]))
        };
        let basic = der::seq(&[&tbs, &alg, &der::bit_string(&sig), &certs]);
        let bytes = der::seq(&[&der::oid_str(BASIC), &der::octet_string(&basic)]);
        Ok(der::seq(&[
            &der::tlv(tag::ENUMERATED, &[0]),
            &der::explicit(0, &bytes),
        ]))
    }
}

/// A request a client sent (RFC 6960 §4.1.1), as Go's `ocsp.ParseRequest`
/// reads it: the first certificate asked about.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Request {
    /// The certificate asked about.
    pub cert_id: CertId,
    /// Whether it carries a nonce extension (not echoed: RFC 5019 §4).
    pub has_nonce: bool,
}

impl Request {
    /// Parses a DER `OCSPRequest`.
    ///
    /// # Errors
    /// A plain error naming what is wrong (a responder answers
    /// `malformedRequest`).
    pub fn from_der(input: &[u8]) -> Result<Self> {
        let bad = |what: &str| Error::Invalid(format!("malformed OCSP request: {what}"));
        let top = der::read(input)
            .filter(|(t, _)| t.tag == tag::SEQUENCE)
            .ok_or_else(|| bad("not a DER SEQUENCE"))?;
        if !top.1.is_empty() {
            return Err(bad("trailing data"));
        }
        let outer = der::read_all(top.0.content).ok_or_else(|| bad("bad DER"))?;
        let tbs = outer
            .first()
            .filter(|t| t.tag == tag::SEQUENCE)
            .ok_or_else(|| bad("no tbsRequest"))?;
        let fields = der::read_all(tbs.content).ok_or_else(|| bad("bad DER"))?;
        let mut it = fields.iter().peekable();
        if it.peek().is_some_and(|t| t.tag == 0xa0) {
            it.next();
        }
        if it.peek().is_some_and(|t| t.tag == 0xa1) {
            it.next();
        }
        let list = it
            .next()
            .filter(|t| t.tag == tag::SEQUENCE)
            .ok_or_else(|| bad("no requestList"))?;
        let mut has_nonce = false;
        if let Some(exts) = it.next().filter(|t| t.tag == 0xa2) {
            has_nonce = der::read_one(exts.content)
                .and_then(|s| der::read_all(s.content))
                .is_some_and(|list| {
                    list.iter().any(|e| {
                        der::read_all(e.content)
                            .and_then(|f| f.first().and_then(|o| der::oid_to_string(o.content)))
                            .is_some_and(|o| o == NONCE)
                    })
                });
        }
        let requests = der::read_all(list.content).ok_or_else(|| bad("bad DER"))?;
        let first = requests
            .first()
            .ok_or_else(|| bad("OCSP request contains no request body"))?;
        let req = der::read_all(first.content).ok_or_else(|| bad("bad DER"))?;
        let cert_id = req
            .first()
            .and_then(CertId::parse)
            .ok_or_else(|| bad("bad or unknown-hash CertID"))?;
        Ok(Self { cert_id, has_nonce })
    }

    /// The DER of a request for `cert_id` (no nonce), as `openssl ocsp
    /// -no_nonce` sends it.
    pub fn to_der(cert_id: &CertId) -> Vec<u8> {
        let req = der::seq(&[&cert_id.to_der()]);
        der::seq(&[&der::seq(&[&der::seq(&[&req])])])
    }
}

/// A successful response as a responder serves it: the fields of its first
/// `SingleResponse` and its times.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Response {
    /// The certificate it is about.
    pub cert_id: CertId,
    /// Its status.
    pub status: CertStatus,
    /// `producedAt`.
    pub produced_at: DateTime<Utc>,
    /// `thisUpdate`.
    pub this_update: DateTime<Utc>,
    /// `nextUpdate`, when it has one.
    pub next_update: Option<DateTime<Utc>>,
    /// The first certificate it carries (the responder's), DER.
    pub certificate: Option<Vec<u8>>,
    tbs: Vec<u8>,
    signature_algorithm: String,
    signature: Vec<u8>,
}

impl Response {
    /// Parses a DER `OCSPResponse` whose status is `successful` and whose
    /// type is the basic one.
    ///
    /// # Errors
    /// A plain error naming what is wrong.
    pub fn from_der(input: &[u8]) -> Result<Self> {
        Self::parse(input)
            .map_err(|what| Error::Invalid(format!("malformed OCSP response: {what}")))
    }

    fn parse(input: &[u8]) -> std::result::Result<Self, &'static str> {
        let top = der::read_one(input)
            .filter(|t| t.tag == tag::SEQUENCE)
            .ok_or("not one DER SEQUENCE")?;
        let f = der::read_all(top.content).ok_or("bad DER")?;
        let status = f
            .first()
            .filter(|t| t.tag == tag::ENUMERATED)
            .ok_or("no status")?;
        if status.content != [0] {
            return Err("not a successful response");
        }
        let bytes = f
            .get(1)
            .filter(|t| t.tag == 0xa0)
            .and_then(|t| der::read_one(t.content))
            .and_then(|t| der::read_all(t.content))
            .ok_or("no responseBytes")?;
        let kind = bytes.first().and_then(|t| der::oid_to_string(t.content));
        if kind.as_deref() != Some(BASIC) {
            return Err("not a basic OCSP response");
        }
        let basic = bytes
            .get(1)
            .filter(|t| t.tag == tag::OCTET_STRING)
            .and_then(|t| der::read_one(t.content))
            .and_then(|t| der::read_all(t.content))
            .ok_or("bad BasicOCSPResponse")?;
        let tbs_raw = basic.first().ok_or("bad tbsResponseData")?.raw;
        let signature_algorithm = basic
            .get(1)
            .and_then(|t| der::read_all(t.content))
            .and_then(|a| a.first().and_then(|o| der::oid_to_string(o.content)))
            .ok_or("bad signatureAlgorithm")?;
        let signature = basic
            .get(2)
            .filter(|t| t.tag == tag::BIT_STRING)
            .and_then(|t| t.content.get(1..))
            .ok_or("bad signature")?
            .to_vec();
        let certificate = match basic.get(3) {
            Some(t) if t.tag == 0xa0 => der::read_one(t.content)
                .and_then(|s| der::read_all(s.content))
                .and_then(|l| l.first().map(|c| c.raw.to_vec())),
            _ => None,
        };
        let tbs = basic
            .first()
            .and_then(|t| der::read_all(t.content))
            .ok_or("bad tbsResponseData")?;
        let mut it = tbs.iter().peekable();
        if it.peek().is_some_and(|t| t.tag == 0xa0) {
            it.next();
        }
        it.next()
            .filter(|t| t.tag == 0xa1 || t.tag == 0xa2)
            .ok_or("no responderID")?;
        let produced_at = it
            .next()
            .and_then(parse_generalized)
            .ok_or("bad producedAt")?;
        let list = it
            .next()
            .and_then(|t| der::read_all(t.content))
            .ok_or("no responses")?;
        if list.len() != 1 {
            return Err("OCSP response contains bad number of responses");
        }
        let single = der::read_all(list[0].content).ok_or("bad SingleResponse")?;
        let cert_id = single.first().and_then(CertId::parse).ok_or("bad CertID")?;
        let status = match single.get(1).ok_or("no certStatus")? {
            t if t.tag == 0x80 => CertStatus::Good,
            t if t.tag == 0x82 => CertStatus::Unknown,
            t if t.tag == 0xa1 => {
                let info = der::read_all(t.content).ok_or("bad RevokedInfo")?;
                let at = info
                    .first()
                    .and_then(parse_generalized)
                    .ok_or("bad revocationTime")?;
                let reason = match info.get(1) {
                    Some(r) => der::read_one(r.content)
                        .filter(|e| e.tag == tag::ENUMERATED && e.content.len() == 1)
                        .map(|e| e.content[0])
                        .ok_or("bad revocationReason")?,
                    None => 0,
                };
                CertStatus::Revoked { at, reason }
            }
            _ => return Err("bad certStatus"),
        };
        let this_update = single
            .get(2)
            .and_then(parse_generalized)
            .ok_or("bad thisUpdate")?;
        let next_update = match single.get(3).filter(|t| t.tag == 0xa0) {
            Some(t) => Some(
                der::read_one(t.content)
                    .as_ref()
                    .and_then(parse_generalized)
                    .ok_or("bad nextUpdate")?,
            ),
            None => None,
        };
        Ok(Self {
            cert_id,
            status,
            produced_at,
            this_update,
            next_update,
            certificate,
            tbs: tbs_raw.to_vec(),
            signature_algorithm,
            signature,
        })
    }

    /// Checks the response as Go's `ocsp.ParseResponseForCert(der, leaf,
    /// issuer)` does once parsed: it must be about `serial`; when it
    /// carries a responder certificate, that certificate's key must verify
    /// the response and `issuer`'s key that certificate; otherwise
    /// `issuer`'s key must verify the response.
    ///
    /// # Errors
    /// A plain error in Go's words.
    pub fn check_for(&self, serial: &[u8], issuer: &Certificate) -> Result<()> {
        if !crate::cert::same_integer(&self.cert_id.serial, serial) {
            return Err(Error::Invalid(
                "ocsp: no response matching the supplied certificate".into(),
            ));
        }
        let bad =
            |e: String| Error::Invalid(format!("ocsp: bad signature on embedded certificate: {e}"));
        match &self.certificate {
            Some(der) => {
                let responder = Certificate::from_der(der)?;
                crate::key::verify(
                    responder.public_key_der(),
                    &self.signature_algorithm,
                    &self.tbs,
                    &self.signature,
                )
                .map_err(bad)?;
                responder.check_signature_by_key(issuer).map_err(bad)
            }
            None => crate::key::verify(
                issuer.public_key_der(),
                &self.signature_algorithm,
                &self.tbs,
                &self.signature,
            )
            .map_err(|e| Error::Invalid(format!("ocsp: {e}"))),
        }
    }

    /// Checks the signature with the key of the certificate the response
    /// carries, as Go's `ocsp.ParseResponse` does; a response without one
    /// (signed by the CA itself) is not checked here.
    ///
    /// # Errors
    /// Go's x509 text when the certificate does not parse or the signature
    /// does not verify.
    pub fn check_embedded_signature(&self) -> Result<()> {
        let Some(der) = &self.certificate else {
            return Ok(());
        };
        let cert = Certificate::from_der(der)?;
        crate::key::verify(
            cert.public_key_der(),
            &self.signature_algorithm,
            &self.tbs,
            &self.signature,
        )
        .map_err(|e| Error::Invalid(format!("bad signature on embedded certificate: {e}")))
    }
}

/// `t` truncated to a multiple of `seconds` since the epoch (Go's
/// `Truncate` for whole minutes and hours in UTC).
fn truncate(t: DateTime<Utc>, seconds: i64) -> DateTime<Utc> {
    let s = t.timestamp();
    DateTime::from_timestamp(s - s.rem_euclid(seconds), 0).unwrap_or(t)
}

/// GeneralizedTime to the second, as Go's asn1 writes it.
fn generalized(t: DateTime<Utc>) -> Vec<u8> {
    let text = format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}Z",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    der::tlv(tag::GENERALIZED_TIME, text.as_bytes())
}

fn parse_generalized(t: &der::Tlv<'_>) -> Option<DateTime<Utc>> {
    if t.tag != tag::GENERALIZED_TIME {
        return None;
    }
    let s = std::str::from_utf8(t.content).ok()?.strip_suffix('Z')?;
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.len() != 14 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let nanos = if frac.is_empty() {
        0
    } else {
        let digits: String = frac.chars().chain(std::iter::repeat('0')).take(9).collect();
        digits.parse().ok()?
    };
    let n = chrono::NaiveDateTime::parse_from_str(whole, "%Y%m%d%H%M%S").ok()?;
    Some(n.and_utc() + Duration::nanoseconds(nanos))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

    use super::*;

    fn ca(algo: &str, size: i64) -> (Certificate, crate::key::PrivateKey) {
        let req = crate::csr::CertificateRequest::from_json(
            format!(r#"{{"CN":"Unit OCSP CA","key":{{"algo":"{algo}","size":{size}}}}}"#)
                .as_bytes(),
        )
        .unwrap();
        let ca = crate::initca::new(&req, Default::default(), &mut crate::log::NoLog).unwrap();
        (ca.cert, ca.key.unwrap())
    }

    #[test]
    fn round_trip_through_our_reader_and_the_fixed_times() {
        let (cert, key) = ca("ecdsa", 256);
        let signer = Signer::new(cert.clone(), cert.clone(), key, Duration::hours(1)).unwrap();
        let now = DateTime::parse_from_rfc3339("2026-11-27T21:39:33Z")
            .unwrap()
            .to_utc();
        let at = DateTime::parse_from_rfc3339("2026-11-01T00:00:00Z")
            .unwrap()
            .to_utc();
        for status in [
            CertStatus::Good,
            CertStatus::Unknown,
            CertStatus::Revoked { at, reason: 0 },
            CertStatus::Revoked { at, reason: 4 },
        ] {
            let mut req = SignRequest::new(&cert, status);
            req.issuer_hash = HashAlgorithm::Sha256;
            let der = signer.sign_at(&req, now).unwrap();
            let r = Response::from_der(&der).unwrap();
            assert_eq!(r.status, status);
            assert_eq!(r.produced_at.to_rfc3339(), "2026-11-27T21:39:00+00:00");
            assert_eq!(r.this_update.to_rfc3339(), "2026-11-27T21:00:00+00:00");
            assert_eq!(
                r.next_update.unwrap().to_rfc3339(),
                "2026-11-27T22:00:00+00:00"
            );
            assert_eq!(
                r.cert_id,
                CertId::new(&cert, cert.serial(), HashAlgorithm::Sha256)
            );
            // The issuer answering for itself: no certificates attached.
            assert!(!der.windows(cert.raw().len()).any(|w| w == cert.raw()));
        }
    }

    #[test]
    fn the_requests_a_client_sends_are_read() {
        let (cert, _) = ca("ecdsa", 256);
        let id = CertId::new(&cert, &[0x01, 0x02], HashAlgorithm::Sha1);
        let req = Request::from_der(&Request::to_der(&id)).unwrap();
        assert_eq!(req.cert_id, id);
        assert!(!req.has_nonce);
        assert_eq!(req.cert_id.serial_decimal(), "258");
        for bad in [
            &b""[..],
            &[0x30, 0x00],
            &[0x30, 0x02, 0x30, 0x00],
            &[0x30, 0x03, 0x0a, 0x01, 0x01],
        ] {
            assert!(Request::from_der(bad).is_err(), "{bad:?}");
        }
        assert!(Response::from_der(errors::UNAUTHORIZED).is_err());
    }

    #[test]
    fn a_tampered_response_fails_its_check() {
        let (ca_cert, ca_key) = ca("ecdsa", 256);
        let (resp_cert, resp_key) = ca("ecdsa", 256);
        let signer = Signer::new(ca_cert.clone(), resp_cert, resp_key, Duration::hours(1)).unwrap();
        let _ = ca_key;
        let req = SignRequest::new(&ca_cert, CertStatus::Good);
        let der = signer.sign(&req).unwrap();
        let r = Response::from_der(&der).unwrap();
        assert!(r.certificate.is_some());
        r.check_embedded_signature().unwrap();
        // Good becomes unknown (0x80 -> 0x82): same length, bad signature.
        let at = der
            .windows(4)
            .position(|w| w == [0x80, 0x00, 0x18, 0x0f])
            .unwrap();
        let mut bad = der;
        bad[at] = 0x82;
        let r = Response::from_der(&bad).unwrap();
        assert_eq!(r.status, CertStatus::Unknown);
        assert!(r.check_embedded_signature().is_err());
    }

    #[test]
    fn a_key_that_is_not_the_responders_is_refused() {
        let (cert, _) = ca("ecdsa", 256);
        let (_, other) = ca("ecdsa", 256);
        let e = Signer::new(cert.clone(), cert, other, Duration::hours(1)).unwrap_err();
        assert_eq!(e.code(), Some(Code::PrivateKeyMismatch));
    }

    #[test]
    fn negative_serials_in_decimal() {
        let id = CertId {
            hash: HashAlgorithm::Sha1,
            issuer_name_hash: vec![],
            issuer_key_hash: vec![],
            serial: vec![0xff, 0x00],
        };
        assert_eq!(id.serial_decimal(), "-256");
    }

    #[test]
    fn hostile_serials_and_years_are_refused() {
        let (cert, key) = ca("ecdsa", 256);
        // A 100-octet serial: malformed, not a long decimal conversion.
        let mut id = CertId::new(&cert, &[1], HashAlgorithm::Sha1);
        id.serial = vec![0x7f; 100];
        assert!(Request::from_der(&Request::to_der(&id)).is_err());
        let signer = Signer::new(cert.clone(), cert.clone(), key, Duration::hours(1)).unwrap();
        let at = chrono::NaiveDate::from_ymd_opt(-1, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc();
        let req = SignRequest::new(&cert, CertStatus::Revoked { at, reason: 1 });
        assert!(signer.sign(&req).is_err());
        assert_eq!(valid_reason(7), None);
        assert_eq!(valid_reason(200), None);
        assert_eq!(valid_reason(10), Some(10));
    }
}
