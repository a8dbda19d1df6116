//! A row of `certificates` (cfssl's `certdb.CertificateRecord`).

use cfssl_core::cert::Certificate;
use cfssl_core::go::json::go_string;
use cfssl_core::signer::IssuedCertificate;
use chrono::{DateTime, Utc};

/// One row of `certificates`, every column of both cfssl migrations.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CertificateRecord {
    /// `serial_number`: decimal.
    pub serial: String,
    /// `authority_key_identifier`: lowercase hex, no separators.
    pub aki: String,
    /// `ca_label`: the sign request's `label`.
    pub ca_label: String,
    /// `status`: `good`, `revoked` or `unknown`.
    pub status: String,
    /// `reason`: the RFC 5280 reason code (0 while good).
    pub reason: i64,
    /// `expiry`: the certificate's notAfter.
    pub expiry: DateTime<Utc>,
    /// `revoked_at`: Go's zero time until revoked.
    pub revoked_at: DateTime<Utc>,
    /// `pem`: the certificate, PEM with its final newline.
    pub pem: String,
    /// `issued_at` (migration 002): when it was signed; `None` on a row
    /// written to a database at migration 001.
    pub issued_at: Option<DateTime<Utc>>,
    /// `not_before` (002).
    pub not_before: Option<DateTime<Utc>>,
    /// `metadata` (002): JSON, `null` from cfssl's signers.
    pub metadata: Vec<u8>,
    /// `sans` (002): JSON array of the DNS SANs, `null` when there are none.
    pub sans: Vec<u8>,
    /// `common_name` (002): the subject's CN (SQL NULL for `None`, as
    /// cfssl's `/certadd` stores an absent one).
    pub common_name: Option<String>,
}

impl CertificateRecord {
    /// The row cfssl's local signer inserts for a certificate it has just
    /// signed: status `good`, reason 0, `revoked_at` zero, `issued_at` now.
    pub fn issued(cert: &IssuedCertificate, label: &str, now: DateTime<Utc>) -> Self {
        let c: &Certificate = &cert.certificate;
        let dns = c.sans().dns;
        let sans = if dns.is_empty() {
            b"null".to_vec()
        } else {
            let items: Vec<String> = dns.iter().map(|d| go_string(d)).collect();
            format!("[{}]", items.join(",")).into_bytes()
        };
        Self {
            serial: cert.serial_decimal(),
            aki: cert.authority_key_id_hex(),
            ca_label: label.to_string(),
            status: "good".into(),
            reason: 0,
            expiry: c.not_after(),
            revoked_at: crate::gotime::zero(),
            pem: cert.to_pem(),
            issued_at: Some(now),
            not_before: Some(c.not_before()),
            metadata: b"null".to_vec(),
            sans,
            common_name: Some(c.subject().common_name),
        }
    }

    /// The row of a certificate issued elsewhere, as cfssl's `/certadd`
    /// stores it: the request's values as given (the AKI too, in whatever
    /// case it was sent), times in UTC, absent `issued_at`/`not_before` and
    /// an empty `common_name` as NULL, absent `metadata`/`sans` as `{}`
    /// (what sqlx's `JSONText` writes for nothing). The caller has checked
    /// the request against its certificate.
    pub fn added(req: &cfssl_core::api::CertAddRequest) -> Self {
        let zero = crate::gotime::zero();
        Self {
            serial: req.serial_number.clone(),
            aki: req.authority_key_identifier.clone(),
            ca_label: req.ca_label.clone(),
            status: req.status.clone(),
            reason: req.reason,
            expiry: req.expiry.map_or(zero, |t| t.instant),
            revoked_at: req.revoked_at.map_or(zero, |t| t.instant),
            pem: req.pem.clone(),
            issued_at: req.issued_at.map(|t| t.instant),
            not_before: req.not_before.map(|t| t.instant),
            metadata: req.metadata.clone().unwrap_or_else(|| b"{}".to_vec()),
            sans: req.sans.clone().unwrap_or_else(|| b"{}".to_vec()),
            common_name: Some(req.common_name.clone()).filter(|c| !c.is_empty()),
        }
    }

    /// A row of serial `serial` and AKI `ab`, for the backends' tests.
    #[cfg(test)]
    pub(crate) fn sample(serial: &str) -> Self {
        Self {
            serial: serial.into(),
            aki: "ab".into(),
            ca_label: String::new(),
            status: "good".into(),
            reason: 0,
            expiry: crate::gotime::zero(),
            revoked_at: crate::gotime::zero(),
            pem: "pem".into(),
            issued_at: None,
            not_before: None,
            metadata: b"{}".to_vec(),
            sans: b"{}".to_vec(),
            common_name: None,
        }
    }
}

/// One row of `ocsp_responses` (cfssl's `certdb.OCSPRecord`): a signed
/// response kept for a responder to serve until `expiry`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct OcspRecord {
    /// `serial_number`: the certificate's serial, decimal.
    pub serial: String,
    /// `authority_key_identifier`: the certificate's AKI, lowercase hex.
    pub aki: String,
    /// `body`: the DER `OCSPResponse`.
    pub body: Vec<u8>,
    /// `expiry`: when it stops being served (cfssl's `ocsprefresh` sets
    /// the refresh time plus its interval).
    pub expiry: DateTime<Utc>,
}

impl OcspRecord {
    /// A row.
    pub fn new(serial: String, aki: String, body: Vec<u8>, expiry: DateTime<Utc>) -> Self {
        Self {
            serial,
            aki,
            body,
            expiry,
        }
    }
}

/// The columns of a revoked row a CRL lists.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RevokedEntry {
    /// `serial_number`: decimal.
    pub serial: String,
    /// `authority_key_identifier`: hex, as stored.
    pub aki: String,
    /// `revoked_at`.
    pub revoked_at: DateTime<Utc>,
    /// `reason`: the RFC 5280 reason code.
    pub reason: i64,
}
