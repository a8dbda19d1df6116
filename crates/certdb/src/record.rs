//! A row of `certificates` (cfssl's `certdb.CertificateRecord`).

use cfssl_core::cert::Certificate;
use cfssl_core::signer::IssuedCertificate;
use cfssl_core::wire::go_string;
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
    /// `common_name` (002): the subject's CN.
    pub common_name: String,
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
            common_name: c.subject().common_name,
        }
    }
}
