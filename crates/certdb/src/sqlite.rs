//! The SQLite backend (rusqlite, SQLite bundled into the binary).
//!
//! Storage as cfssl's mattn/go-sqlite3 driver leaves it (spec §5.4): the
//! serial, AKI, label, status, PEM and timestamps bound as TEXT although the
//! columns say blob, the reason as an integer, `metadata` and `sans` as
//! BLOBs of JSON, timestamps in Go's text form ([`crate::format_time`]).
//!
//! Concurrency: one connection, used under a lock (statements take
//! microseconds), with a 10 s busy timeout so that several processes on one
//! file wait for each other instead of failing with "database is locked";
//! a file this crate creates is put in WAL mode (readers never wait for the
//! writer). An existing file keeps its journal mode: it may be shared with
//! cfssl or live where WAL does not work (a network file system).

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use cfssl_core::log::{Level, Log};
use cfssl_core::{Code, Error, Result};
use rusqlite::{Connection, OpenFlags, params};

use crate::gotime;
use crate::{Accessor, CertificateRecord, db_error};

/// An open SQLite certificate database.
#[derive(Debug)]
pub(crate) struct Sqlite {
    conn: Mutex<Connection>,
    /// Whether the table has migration 002's columns (a database at
    /// migration 001 gets the 8 original ones, as cfssl 1.4 wrote).
    has_002: bool,
}

const SCHEMA_001: &str = include_str!("../migrations/sqlite/001_CreateCertificates.sql");
const SCHEMA_002: &str = include_str!("../migrations/sqlite/002_AddMetadataToCertificates.sql");

/// The `-- +goose Up` part of a migration.
fn up(migration: &str) -> &str {
    migration
        .split("-- +goose Down")
        .next()
        .unwrap_or(migration)
}

impl Sqlite {
    /// Opens (creating it when absent) the database file. An empty database
    /// gets cfssl's schema; one that holds other tables but not
    /// `certificates` is refused as cfssl refuses it (`no such table:
    /// certificates`) and left untouched.
    pub(crate) fn open(path: &str, log: &mut dyn Log) -> Result<Self> {
        let is_new = !Path::new(path).exists();
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(db_error)?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(db_error)?;
        let (tables, ours): (i64, i64) = conn
            .query_row(
                "SELECT count(*), count(CASE WHEN name='certificates' THEN 1 END) FROM sqlite_master WHERE type='table'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(db_error)?;
        if ours == 0 && tables > 0 {
            // Another application's database: left as it is.
            return Err(db_error("no such table: certificates"));
        }
        if tables == 0 {
            if is_new {
                // Readers never wait for the writer; only for files made here.
                let _: String = conn
                    .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
                    .map_err(db_error)?;
            }
            let tx = conn.unchecked_transaction().map_err(db_error)?;
            tx.execute_batch(up(SCHEMA_001)).map_err(db_error)?;
            tx.execute_batch(up(SCHEMA_002)).map_err(db_error)?;
            tx.commit().map_err(db_error)?;
            log.log(
                Level::Info,
                &format!("created the certificate database schema (cfssl's migrations 001 and 002) in {path}"),
            );
        }
        let has_002 = {
            let mut st = conn
                .prepare("SELECT name FROM pragma_table_info('certificates')")
                .map_err(db_error)?;
            let names: Vec<String> = st
                .query_map([], |r| r.get(0))
                .map_err(db_error)?
                .collect::<std::result::Result<_, _>>()
                .map_err(db_error)?;
            names.iter().any(|n| n == "issued_at")
        };
        Ok(Self {
            conn: Mutex::new(conn),
            has_002,
        })
    }

    fn with<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = self.conn.lock().map_err(|_| {
            Error::coded(
                Code::CertStoreUnknown,
                "the database connection was poisoned",
            )
        })?;
        f(&conn)
    }
}

fn text_time(t: Option<chrono::DateTime<chrono::Utc>>) -> Option<String> {
    t.map(gotime::format)
}

/// A value of a column cfssl wrote as text or as a blob, as bytes.
fn bytes_of(v: rusqlite::types::ValueRef<'_>) -> Vec<u8> {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Text(t) | ValueRef::Blob(t) => t.to_vec(),
        ValueRef::Integer(i) => i.to_string().into_bytes(),
        ValueRef::Real(f) => f.to_string().into_bytes(),
        ValueRef::Null => Vec::new(),
    }
}

fn string_of(v: rusqlite::types::ValueRef<'_>) -> String {
    String::from_utf8_lossy(&bytes_of(v)).into_owned()
}

fn time_of(v: rusqlite::types::ValueRef<'_>) -> Option<chrono::DateTime<chrono::Utc>> {
    match v {
        rusqlite::types::ValueRef::Null => None,
        other => gotime::parse(&string_of(other)),
    }
}

impl Accessor for Sqlite {
    fn insert_certificate(&self, r: &CertificateRecord) -> Result<()> {
        let (expiry, revoked_at) = (gotime::format(r.expiry), gotime::format(r.revoked_at));
        let (issued_at, not_before) = (text_time(r.issued_at), text_time(r.not_before));
        let values: [&dyn rusqlite::ToSql; 13] = [
            &r.serial,
            &r.aki,
            &r.ca_label,
            &r.status,
            &r.reason,
            &expiry,
            &revoked_at,
            &r.pem,
            &issued_at,
            &not_before,
            &r.metadata,
            &r.sans,
            &r.common_name,
        ];
        let cols = crate::columns(self.has_002);
        let sql = crate::insert_sql(cols, |i| format!("?{}", i + 1));
        self.with(|c| {
            let n = c.execute(&sql, &values[..cols.len()]).map_err(db_error)?;
            crate::one_inserted(n as u64)
        })
    }

    fn get_certificate(&self, serial: &str, aki: &str) -> Result<Vec<CertificateRecord>> {
        let extra = if self.has_002 {
            ", issued_at, not_before, metadata, sans, common_name"
        } else {
            ""
        };
        let sql = format!(
            "SELECT serial_number, authority_key_identifier, ca_label, status, reason, expiry, revoked_at, pem{extra} FROM certificates WHERE serial_number = ?1 AND authority_key_identifier = ?2"
        );
        self.with(|c| {
            let mut st = c.prepare(&sql).map_err(db_error)?;
            let rows = st
                .query_map(params![serial, aki], |row| {
                    let v = |i: usize| row.get_ref(i);
                    let opt = |i: usize| {
                        if self.has_002 {
                            row.get_ref(i).ok()
                        } else {
                            None
                        }
                    };
                    Ok(CertificateRecord {
                        serial: string_of(v(0)?),
                        aki: string_of(v(1)?),
                        ca_label: string_of(v(2)?),
                        status: string_of(v(3)?),
                        reason: row.get::<_, Option<i64>>(4)?.unwrap_or(0),
                        expiry: time_of(v(5)?).unwrap_or_else(gotime::zero),
                        revoked_at: time_of(v(6)?).unwrap_or_else(gotime::zero),
                        pem: string_of(v(7)?),
                        issued_at: opt(8).and_then(time_of),
                        not_before: opt(9).and_then(time_of),
                        metadata: opt(10).map(bytes_of).unwrap_or_default(),
                        sans: opt(11).map(bytes_of).unwrap_or_default(),
                        common_name: opt(12).map(string_of).unwrap_or_default(),
                    })
                })
                .map_err(db_error)?;
            rows.collect::<std::result::Result<Vec<_>, _>>()
                .map_err(db_error)
        })
    }

    fn revoke_certificate(&self, serial: &str, aki: &str, reason: i64) -> Result<()> {
        self.with(|c| {
            let n = c
                .execute(
                    "UPDATE certificates SET status = 'revoked', revoked_at = CURRENT_TIMESTAMP, reason = ?1 WHERE serial_number = ?2 AND authority_key_identifier = ?3",
                    params![reason, serial, aki],
                )
                .map_err(db_error)?;
            crate::one_revoked(n as u64)
        })
    }
}
