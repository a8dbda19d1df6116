//! The PostgreSQL backend (the `postgres` crate: rust-postgres's
//! synchronous client over tokio-postgres), for several signers sharing
//! one database.
//!
//! Storage as cfssl's lib/pq driver leaves it (spec §5.4): lib/pq sends
//! Go strings bound to `bytea` columns as their bytes, so the serial, AKI,
//! label, status and PEM columns hold the ASCII text itself (not hex of
//! it): they are bound here as byte strings. Timestamps are `timestamptz`;
//! `metadata` and `sans` are `jsonb`.
//!
//! Each statement runs on one connection held under a lock; a lost
//! connection is re-established on the next call.

use std::sync::Mutex;

use cfssl_core::log::{Level, Log};
use cfssl_core::{Code, Error, Result};
use postgres::{Client, GenericClient, NoTls};

use crate::schema::{Migration, up};
use crate::{Accessor, CertificateRecord, db_error};

const SCHEMA_001: &str = include_str!("../migrations/pg/001_CreateCertificates.sql");
const SCHEMA_002: &str = include_str!("../migrations/pg/002_AddMetadataToCertificates.sql");

/// A PostgreSQL error as 11000: a server's error in lib/pq's words
/// (`pq: <message>`), any other with its causes (`error connecting to
/// server: Connection refused (os error 111)`).
fn pg_error(e: postgres::Error) -> Error {
    if let Some(db) = e.as_db_error() {
        return db_error(format!("pq: {}", db.message()));
    }
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(&e);
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    db_error(text)
}

/// The advisory lock that serialises schema changes ("cfssl-db" in
/// ASCII).
const SCHEMA_LOCK: i64 = 0x6366_7373_6c2d_6462;

/// What the tables of the current schema say (see [`crate::schema`]):
/// the version, whether there is any table, whether goose's is there.
fn state(client: &mut impl GenericClient) -> Result<(u8, bool, bool)> {
    let row = client
        .query_one(
            "SELECT count(*), \
                    count(*) FILTER (WHERE table_name = 'certificates'), \
                    count(*) FILTER (WHERE table_name = 'goose_db_version'), \
                    (SELECT count(*) FROM information_schema.columns \
                      WHERE table_schema = current_schema() AND table_name = 'certificates' \
                        AND column_name = 'issued_at') \
               FROM information_schema.tables WHERE table_schema = current_schema()",
            &[],
        )
        .map_err(pg_error)?;
    let (tables, certs, goose, issued_at): (i64, i64, i64, i64) =
        (row.get(0), row.get(1), row.get(2), row.get(3));
    let found = match (certs, issued_at) {
        (0, _) => 0,
        (_, 0) => 1,
        _ => 2,
    };
    Ok((found, tables > 0, goose > 0))
}

/// Brings the schema to the latest migration in one transaction, under an
/// advisory lock so that signers starting at once do it once. Unless
/// `explicit`, a schema with tables but no `certificates` is refused.
fn upgrade(client: &mut Client, explicit: bool) -> Result<Migration> {
    let mut tx = client.transaction().map_err(pg_error)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
        .map_err(pg_error)?;
    let (found, any_table, goose) = state(&mut tx)?;
    if found == 0 && any_table && !explicit {
        return Err(db_error("pq: relation \"certificates\" does not exist"));
    }
    let plan = Migration::plan(found);
    for v in &plan.applied {
        let sql = if *v == 1 { SCHEMA_001 } else { SCHEMA_002 };
        tx.batch_execute(up(sql)).map_err(pg_error)?;
        if goose {
            tx.execute(
                "INSERT INTO goose_db_version (version_id, is_applied) VALUES ($1, true)",
                &[&i64::from(*v)],
            )
            .map_err(pg_error)?;
        }
    }
    tx.commit().map_err(pg_error)?;
    Ok(plan)
}

/// `cfssl certdb migrate` on PostgreSQL.
pub(crate) fn migrate(url: &str) -> Result<Migration> {
    let mut client = Client::connect(url, NoTls).map_err(pg_error)?;
    upgrade(&mut client, true)
}

/// An open PostgreSQL certificate database.
pub(crate) struct Postgres {
    url: String,
    client: Mutex<Option<Client>>,
    has_002: bool,
}

impl std::fmt::Debug for Postgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: not shown.
        f.debug_struct("Postgres")
            .field("has_002", &self.has_002)
            .finish_non_exhaustive()
    }
}

impl Postgres {
    /// Connects; an empty database gets cfssl's schema (logged).
    pub(crate) fn open(url: &str, log: &mut dyn Log) -> Result<Self> {
        let mut client = Client::connect(url, NoTls).map_err(pg_error)?;
        let (mut found, any_table, _) = state(&mut client)?;
        if found == 0 {
            if any_table {
                return Err(db_error("pq: relation \"certificates\" does not exist"));
            }
            let done = upgrade(&mut client, false)?;
            if !done.applied.is_empty() {
                log.log(
                    Level::Info,
                    "created the certificate database schema (cfssl's migrations 001 and 002)",
                );
            }
            found = state(&mut client)?.0;
        }
        let has_002 = found >= 2;
        Ok(Self {
            url: url.to_string(),
            client: Mutex::new(Some(client)),
            has_002,
        })
    }

    fn with<T>(&self, f: impl FnOnce(&mut Client) -> Result<T>) -> Result<T> {
        let mut guard = self.client.lock().map_err(|_| {
            Error::coded(
                Code::CertStoreUnknown,
                "the database connection was poisoned",
            )
        })?;
        if guard.as_ref().is_none_or(Client::is_closed) {
            *guard = Some(Client::connect(&self.url, NoTls).map_err(pg_error)?);
        }
        match guard.as_mut() {
            Some(c) => f(c),
            None => Err(db_error("no database connection")),
        }
    }
}

fn text(v: Option<Vec<u8>>) -> String {
    String::from_utf8_lossy(&v.unwrap_or_default()).into_owned()
}

impl Accessor for Postgres {
    fn insert_certificate(&self, r: &CertificateRecord) -> Result<()> {
        let metadata = String::from_utf8_lossy(&r.metadata).into_owned();
        let sans = String::from_utf8_lossy(&r.sans).into_owned();
        let reason = i32::try_from(r.reason).unwrap_or(0);
        let values: [&(dyn postgres::types::ToSql + Sync); 13] = [
            &r.serial.as_bytes(),
            &r.aki.as_bytes(),
            &r.ca_label.as_bytes(),
            &r.status.as_bytes(),
            &reason,
            &r.expiry,
            &r.revoked_at,
            &r.pem.as_bytes(),
            &r.issued_at,
            &r.not_before,
            &metadata,
            &sans,
            &r.common_name,
        ];
        let cols = crate::columns(self.has_002);
        // metadata and sans are jsonb: sent as text.
        let sql = crate::insert_sql(cols, |i| match i {
            10 | 11 => format!("${}::text::jsonb", i + 1),
            _ => format!("${}", i + 1),
        });
        self.with(|c| {
            let n = c.execute(&sql, &values[..cols.len()]).map_err(pg_error)?;
            crate::one_inserted(n)
        })
    }

    fn get_certificate(&self, serial: &str, aki: &str) -> Result<Vec<CertificateRecord>> {
        let extra = if self.has_002 {
            ", issued_at, not_before, metadata::text, sans::text, common_name"
        } else {
            ""
        };
        let sql = format!(
            "SELECT serial_number, authority_key_identifier, ca_label, status, reason, expiry, revoked_at, pem{extra} FROM certificates WHERE serial_number = $1 AND authority_key_identifier = $2"
        );
        self.with(|c| {
            let rows = c
                .query(&sql, &[&serial.as_bytes(), &aki.as_bytes()])
                .map_err(pg_error)?;
            Ok(rows
                .iter()
                .map(|row| {
                    let has = self.has_002;
                    CertificateRecord {
                        serial: text(row.get(0)),
                        aki: text(row.get(1)),
                        ca_label: text(row.get(2)),
                        status: text(row.get(3)),
                        reason: i64::from(row.get::<_, Option<i32>>(4).unwrap_or(0)),
                        expiry: row
                            .get::<_, Option<_>>(5)
                            .unwrap_or_else(crate::gotime::zero),
                        revoked_at: row
                            .get::<_, Option<_>>(6)
                            .unwrap_or_else(crate::gotime::zero),
                        pem: text(row.get(7)),
                        issued_at: if has { row.get(8) } else { None },
                        not_before: if has { row.get(9) } else { None },
                        metadata: if has {
                            row.get::<_, Option<String>>(10)
                                .unwrap_or_default()
                                .into_bytes()
                        } else {
                            Vec::new()
                        },
                        sans: if has {
                            row.get::<_, Option<String>>(11)
                                .unwrap_or_default()
                                .into_bytes()
                        } else {
                            Vec::new()
                        },
                        common_name: if has {
                            row.get::<_, Option<String>>(12)
                        } else {
                            None
                        },
                    }
                })
                .collect())
        })
    }

    fn revoke_certificate(&self, serial: &str, aki: &str, reason: i64) -> Result<()> {
        self.with(|c| {
            let n = c
                .execute(
                    "UPDATE certificates SET status = 'revoked', revoked_at = CURRENT_TIMESTAMP, reason = $1 WHERE serial_number = $2 AND authority_key_identifier = $3",
                    &[&i32::try_from(reason).unwrap_or(0), &serial.as_bytes(), &aki.as_bytes()],
                )
                .map_err(pg_error)?;
            crate::one_revoked(n)
        })
    }
}
