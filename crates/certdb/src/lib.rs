//! # cfssl-certdb
//!
//! cfssl's certificate database: the `certificates` and `ocsp_responses`
//! tables of cfssl's two migrations, stored byte for byte as cfssl stores
//! them, so that a database cfssl 1.6.5 wrote is read here and one written
//! here is read by cfssl (spec §5.4: SQLite values bound as text, DER and
//! JSON as blobs, timestamps in Go's `2006-01-02 15:04:05.999999999-07:00`
//! text form, which SQLite's `CURRENT_TIMESTAMP < expiry` filters compare
//! as strings).
//!
//! One interface, [`Accessor`]; backends per `driver` of cfssl's db-config
//! JSON ([`DbConfig`]):
//!
//! - `sqlite3`: SQLite, compiled into the binary (rusqlite with its bundled
//!   SQLite: nothing to install, the embedded default). rusqlite is the
//!   well-kept, synchronous SQLite binding; the database is a local file and
//!   its calls take microseconds, so the server calls it from its blocking
//!   pool rather than through an async driver. A new file gets the schema by
//!   itself on first use.
//! - `postgres`: several signers sharing one database, through the
//!   `postgres` crate (rust-postgres, the well-kept synchronous client over
//!   tokio-postgres), values stored as cfssl's lib/pq stores them (the text
//!   of serials and AKIs as `bytea`).
//! - `mysql`: not supported (a clear error naming it).
//!
//! ```
//! use cfssl_certdb::{DbConfig, open};
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("certs.db");
//! let cfg = DbConfig::from_json(format!(r#"{{"driver":"sqlite3","data_source":{:?}}}"#, path.display()).as_bytes())?;
//! let db = open(&cfg, &mut cfssl_core::log::NoLog)?;
//! assert!(db.get_certificate("1", "ab")?.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod batch;
mod config;
mod gotime;
mod pg;
mod pg_tls;
mod record;
mod schema;
mod sqlite;

pub use config::DbConfig;
pub use gotime::{format as format_time, parse as parse_time};
pub use record::{CertificateRecord, OcspRecord, RevokedEntry};
pub use schema::Migration;

use cfssl_core::log::Log;
use cfssl_core::{Code, Error, Result};

/// cfssl's `certdb.Accessor`: what signers, revocation and lookups need of
/// the database. Implementations are shared between threads.
pub trait Accessor: Send + Sync + std::fmt::Debug {
    /// Records an issued certificate (cfssl's `InsertCertificate`).
    ///
    /// # Errors
    /// 11000 with the database's message, 11100 when no row was stored.
    fn insert_certificate(&self, record: &CertificateRecord) -> Result<()>;

    /// The rows for a serial (decimal) and an AKI (lowercase hex), exact
    /// matches as cfssl's `GetCertificate` (zero or one row).
    ///
    /// # Errors
    /// 11000 with the database's message.
    fn get_certificate(&self, serial: &str, aki: &str) -> Result<Vec<CertificateRecord>>;

    /// The revoked certificates that have not expired, of every issuer
    /// (cfssl's `GetRevokedAndUnexpiredCertificates`: `CURRENT_TIMESTAMP <
    /// expiry AND status = 'revoked'`).
    ///
    /// # Errors
    /// 11000 with the database's message.
    fn revoked_certificates(&self) -> Result<Vec<CertificateRecord>>;

    /// What a CRL needs of the rows [`Self::revoked_certificates`] selects
    /// (same query, four columns: no PEM is read, so a list of 100,000
    /// revocations takes megabytes, not the hundreds cfssl's `crl` does).
    ///
    /// # Errors
    /// 11000 with the database's message.
    fn revoked_entries(&self) -> Result<Vec<RevokedEntry>>;

    /// Marks a certificate revoked now with an RFC 5280 reason code
    /// (cfssl's `RevokeCertificate`).
    ///
    /// # Errors
    /// 11000 with the database's message, 11200 when no row matched.
    fn revoke_certificate(&self, serial: &str, aki: &str, reason: i64) -> Result<()>;

    /// The certificates that have not expired, of every issuer (cfssl's
    /// `GetUnexpiredCertificates`: `CURRENT_TIMESTAMP < expiry`).
    ///
    /// # Errors
    /// 11000 with the database's message.
    fn unexpired_certificates(&self) -> Result<Vec<CertificateRecord>>;

    /// Stores OCSP responses, each replacing the row of its serial and AKI
    /// or added when there is none (cfssl's `UpsertOCSP`, there one
    /// statement pair per row), all in one transaction: either every row is
    /// stored or none.
    ///
    /// # Errors
    /// 11000 with the database's message (on PostgreSQL also when a row
    /// names no certificate of `certificates`: its foreign key).
    fn upsert_ocsp(&self, records: &[OcspRecord]) -> Result<()>;

    /// The OCSP responses that have not expired (cfssl's
    /// `GetUnexpiredOCSPs`: `CURRENT_TIMESTAMP < expiry`).
    ///
    /// # Errors
    /// 11000 with the database's message.
    fn unexpired_ocsp(&self) -> Result<Vec<OcspRecord>>;

    /// The OCSP rows of a serial (decimal) and an AKI (lowercase hex),
    /// exact matches as cfssl's `GetOCSP`, expired ones included.
    ///
    /// # Errors
    /// 11000 with the database's message.
    fn get_ocsp(&self, serial: &str, aki: &str) -> Result<Vec<OcspRecord>>;
}

/// Opens the database a db-config names.
///
/// # Errors
/// 11000 when it cannot be opened or is not a database; a plain error for
/// a driver this build does not have.
pub fn open(cfg: &DbConfig, log: &mut dyn Log) -> Result<Box<dyn Accessor>> {
    match cfg.driver.as_str() {
        "sqlite3" => Ok(Box::new(sqlite::Sqlite::open(&cfg.data_source, log)?)),
        "postgres" => Ok(Box::new(pg::Postgres::open(&cfg.data_source, log)?)),
        other => Err(unsupported(other)),
    }
}

/// The error for a driver this build does not have: MySQL by name, any
/// other as Go's `database/sql` words it.
fn unsupported(driver: &str) -> Error {
    if driver == "mysql" {
        Error::Invalid(
            "db-config driver \"mysql\" is not supported by cfssl-rs (use sqlite3 or postgres)"
                .into(),
        )
    } else {
        Error::Invalid(format!(
            "sql: unknown driver {driver:?} (forgotten import?)"
        ))
    }
}

/// Creates or upgrades the schema of the database a db-config names to
/// cfssl's latest migration (002), in one transaction: the command behind
/// `cfssl certdb migrate`. A database at 002 is left as it is. See
/// [`schema`](crate::Migration) for how the version is read.
///
/// ```
/// use cfssl_certdb::{DbConfig, migrate};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("certs.db");
/// let cfg = DbConfig::from_json(format!(r#"{{"driver":"sqlite3","data_source":{:?}}}"#, path.display()).as_bytes())?;
/// assert_eq!(migrate(&cfg)?.applied, [1, 2]);
/// assert!(migrate(&cfg)?.applied.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// 11000 with the database's message (nothing is changed then); a plain
/// error for a driver this build does not have.
pub fn migrate(cfg: &DbConfig) -> Result<Migration> {
    match cfg.driver.as_str() {
        "sqlite3" => sqlite::migrate(&cfg.data_source),
        "postgres" => pg::migrate(&cfg.data_source),
        other => Err(unsupported(other)),
    }
}

/// The columns of `certificates` in insert order: migration 001's first 8,
/// then 002's. A database at migration 001 gets the first 8.
pub(crate) const COLUMNS: [&str; 13] = cfssl_core::api::CERTIFICATE_RECORD_FIELDS;

/// The columns a database with (or without) migration 002 has.
pub(crate) fn columns(has_002: bool) -> &'static [&'static str] {
    if has_002 { &COLUMNS } else { &COLUMNS[..8] }
}

/// `INSERT INTO certificates (…) VALUES (…)` for `cols`, each value written
/// by `mark` from its 0-based index (the backends' placeholders differ).
pub(crate) fn insert_sql(cols: &[&str], mark: impl Fn(usize) -> String) -> String {
    let marks: Vec<String> = (0..cols.len()).map(mark).collect();
    format!(
        "INSERT INTO certificates ({}) VALUES ({})",
        cols.join(", "),
        marks.join(", ")
    )
}

/// cfssl's check of an insert's affected rows.
pub(crate) fn one_inserted(n: u64) -> Result<()> {
    if n == 1 {
        Ok(())
    } else {
        Err(Error::coded(
            Code::CertStoreInsertionFailed,
            "failed to insert the certificate record",
        ))
    }
}

/// cfssl's check of a revocation's affected rows.
pub(crate) fn one_revoked(n: u64) -> Result<()> {
    match n {
        1 => Ok(()),
        0 => Err(Error::coded(
            Code::CertStoreRecordNotFound,
            "failed to revoke the certificate: certificate not found",
        )),
        n => Err(Error::coded(
            Code::CertStoreUnknown,
            format!("{n} rows are affected, should be 1 row"),
        )),
    }
}

/// A database error as cfssl reports it: 11000 with the driver's text.
pub(crate) fn db_error(e: impl std::fmt::Display) -> Error {
    Error::coded(Code::CertStoreUnknown, e.to_string())
}

/// A signer that records every certificate it issues before handing it
/// out: cfssl's local signer with a `certdb.Accessor` set. A certificate
/// whose row cannot be committed is not returned.
///
/// ```no_run
/// use std::sync::Arc;
/// use cfssl_certdb::{DbConfig, RecordingSigner, open};
/// use cfssl_core::signer::{LocalSigner, SignRequest, Signer};
/// let local = LocalSigner::from_pem(&std::fs::read("ca.pem")?, &std::fs::read("ca-key.pem")?,
///     cfssl_core::config::Config::cfssl_default())?;
/// let db = open(&DbConfig::from_json(br#"{"driver":"sqlite3","data_source":"certs.db"}"#)?,
///     &mut cfssl_core::log::NoLog)?;
/// let signer = RecordingSigner::new(Arc::new(local), db.into());
/// let issued = signer.issue(&SignRequest::new(std::fs::read("leaf.csr")?))?; // recorded
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct RecordingSigner {
    inner: std::sync::Arc<dyn cfssl_core::signer::Signer>,
    db: std::sync::Arc<dyn Accessor>,
}

impl RecordingSigner {
    /// Records what `inner` issues into `db`.
    pub fn new(
        inner: std::sync::Arc<dyn cfssl_core::signer::Signer>,
        db: std::sync::Arc<dyn Accessor>,
    ) -> Self {
        Self { inner, db }
    }

    /// The database it records into.
    pub fn database(&self) -> &std::sync::Arc<dyn Accessor> {
        &self.db
    }
}

impl cfssl_core::signer::Signer for RecordingSigner {
    fn issue(
        &self,
        req: &cfssl_core::signer::SignRequest,
    ) -> Result<cfssl_core::signer::IssuedCertificate> {
        let issued = self.inner.issue(req)?;
        if req.return_precert {
            // cfssl returns a precertificate before it records anything.
            return Ok(issued);
        }
        let mut row = CertificateRecord::issued(&issued, &req.label, chrono::Utc::now());
        if let Some(m) = &req.metadata {
            row.metadata = m.clone().into_bytes();
        }
        self.db.insert_certificate(&row)?;
        Ok(issued)
    }

    fn certificate(&self) -> Option<&cfssl_core::cert::Certificate> {
        self.inner.certificate()
    }

    fn policy(&self) -> &cfssl_core::config::Config {
        self.inner.policy()
    }

    fn info(&self, req: &cfssl_core::api::InfoRequest) -> Result<cfssl_core::api::Info> {
        self.inner.info(req)
    }
}

/// The entries of a CRL for `issuer` from the revoked rows of the
/// database: the rows whose AKI is the issuer's key identifier (any case),
/// each with its reason code when it has one; and how many rows belong to
/// other issuers (left out: cfssl lists them all, and a serial of another
/// CA could revoke the wrong certificate).
///
/// # Errors
/// A row of this issuer whose serial is not decimal, named.
pub fn crl_entries(
    rows: &[RevokedEntry],
    issuer: &cfssl_core::cert::Certificate,
) -> std::result::Result<(Vec<cfssl_core::crl::Entry>, usize), String> {
    let ski = issuer.subject_key_id_hex();
    let mut entries = Vec::with_capacity(rows.len());
    let mut others = 0;
    for r in rows {
        if ski.is_empty() || !r.aki.eq_ignore_ascii_case(&ski) {
            others += 1;
            continue;
        }
        let serial = cfssl_core::crl::decimal_serial(&r.serial).ok_or_else(|| {
            format!(
                "the database holds a serial number that is not decimal: {}",
                cfssl_core::go::json::go_string(&r.serial)
            )
        })?;
        let entry = cfssl_core::crl::Entry::new(serial, r.revoked_at);
        // A code RFC 5280 does not define (7, above 10) is left out.
        entries.push(match cfssl_core::ocsp::valid_reason(r.reason) {
            Some(reason) if reason != 0 => entry.with_reason(reason),
            _ => entry,
        });
    }
    Ok((entries, others))
}
