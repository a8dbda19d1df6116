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
use rusqlite::{Connection, OpenFlags, TransactionBehavior, params};

use crate::gotime;
use crate::schema::{Migration, up};
use crate::{Accessor, CertificateRecord, OcspRecord, RevokedEntry, db_error};

/// An open SQLite certificate database.
#[derive(Debug)]
pub(crate) struct Sqlite {
    conn: Mutex<Connection>,
    /// Inserts waiting for `conn`, committed together.
    batch: crate::batch::Batcher,
    /// Whether the table has migration 002's columns (a database at
    /// migration 001 gets the 8 original ones, as cfssl 1.4 wrote).
    has_002: bool,
}

const SCHEMA_001: &str = include_str!("../migrations/sqlite/001_CreateCertificates.sql");
const SCHEMA_002: &str = include_str!("../migrations/sqlite/002_AddMetadataToCertificates.sql");

/// What the tables of a database say about its schema.
struct State {
    /// Schema version (see [`crate::schema`]).
    found: u8,
    /// Whether it has any table at all.
    any_table: bool,
    /// Whether goose's `goose_db_version` table is there.
    goose: bool,
}

fn state(conn: &Connection) -> Result<State> {
    let tables: Vec<String> = {
        let mut st = conn
            .prepare("SELECT name FROM sqlite_master WHERE type='table'")
            .map_err(db_error)?;
        st.query_map([], |r| r.get(0))
            .map_err(db_error)?
            .collect::<std::result::Result<_, _>>()
            .map_err(db_error)?
    };
    let has = |name: &str| tables.iter().any(|t| t == name);
    let found = if !has("certificates") {
        0
    } else {
        let mut st = conn
            .prepare("SELECT name FROM pragma_table_info('certificates')")
            .map_err(db_error)?;
        let columns: Vec<String> = st
            .query_map([], |r| r.get(0))
            .map_err(db_error)?
            .collect::<std::result::Result<_, _>>()
            .map_err(db_error)?;
        if columns.iter().any(|c| c == "issued_at") {
            2
        } else {
            1
        }
    };
    Ok(State {
        found,
        any_table: !tables.is_empty(),
        goose: has("goose_db_version"),
    })
}

/// Opens (creating it when absent) a database file; whether it was new.
fn connect(path: &str) -> Result<(Connection, bool)> {
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
    if is_new {
        // Readers never wait for the writer; only for files made here.
        let _: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(db_error)?;
    }
    Ok((conn, is_new))
}

/// Brings the schema to the latest migration in one transaction holding
/// the write lock. Unless `explicit` (the migrate command), a database
/// with tables but no `certificates` is another application's: refused
/// and left as it is, as cfssl refuses it.
fn upgrade(conn: &mut Connection, explicit: bool) -> Result<Migration> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db_error)?;
    let st = state(&tx)?;
    if st.found == 0 && st.any_table && !explicit {
        return Err(db_error("no such table: certificates"));
    }
    let plan = Migration::plan(st.found);
    for v in &plan.applied {
        let sql = if *v == 1 { SCHEMA_001 } else { SCHEMA_002 };
        tx.execute_batch(up(sql)).map_err(db_error)?;
        if st.goose {
            tx.execute(
                "INSERT INTO goose_db_version (version_id, is_applied) VALUES (?1, 1)",
                [i64::from(*v)],
            )
            .map_err(db_error)?;
        }
    }
    tx.commit().map_err(db_error)?;
    Ok(plan)
}

/// `cfssl certdb migrate` on SQLite.
pub(crate) fn migrate(path: &str) -> Result<Migration> {
    let (mut conn, _) = connect(path)?;
    upgrade(&mut conn, true)
}

impl Sqlite {
    /// Opens (creating it when absent) the database file. An empty database
    /// gets cfssl's schema; one that holds other tables but not
    /// `certificates` is refused as cfssl refuses it (`no such table:
    /// certificates`) and left untouched. A database at migration 001 is
    /// used as it is.
    pub(crate) fn open(path: &str, log: &mut dyn Log) -> Result<Self> {
        let (mut conn, _) = connect(path)?;
        let mut st = state(&conn)?;
        if st.found == 0 {
            if st.any_table {
                return Err(db_error("no such table: certificates"));
            }
            // Read again under the write lock: another signer may have
            // made it meanwhile.
            let done = upgrade(&mut conn, false)?;
            if !done.applied.is_empty() {
                log.log(
                    Level::Info,
                    &format!(
                        "created the certificate database schema (cfssl's migrations 001 and 002) in {path}"
                    ),
                );
            }
            st = state(&conn)?;
        }
        Ok(Self {
            conn: Mutex::new(conn),
            batch: crate::batch::Batcher::default(),
            has_002: st.found >= 2,
        })
    }

    /// The rows `filter` (a `WHERE` clause with `?N` parameters) selects.
    fn select(
        &self,
        filter: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<CertificateRecord>> {
        let extra = if self.has_002 {
            ", issued_at, not_before, metadata, sans, common_name"
        } else {
            ""
        };
        let sql = format!(
            "SELECT serial_number, authority_key_identifier, ca_label, status, reason, expiry, revoked_at, pem{extra} FROM certificates {filter}"
        );
        self.with(|c| {
            let mut st = c.prepare(&sql).map_err(db_error)?;
            let rows = st
                .query_map(args, |row| {
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
                        common_name: opt(12)
                            .filter(|v| *v != rusqlite::types::ValueRef::Null)
                            .map(string_of),
                    })
                })
                .map_err(db_error)?;
            rows.collect::<std::result::Result<Vec<_>, _>>()
                .map_err(db_error)
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

/// Inserts one row with `sql` (its first `n` values).
fn insert_row(conn: &Connection, sql: &str, n: usize, r: &CertificateRecord) -> Result<()> {
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
    let inserted = conn.execute(sql, &values[..n]).map_err(db_error)?;
    crate::one_inserted(inserted as u64)
}

/// Commits a batch of rows (see [`crate::batch`]): one row on its own, more
/// in one transaction with a savepoint per row.
fn commit_rows(
    conn: &mut Connection,
    sql: &str,
    n: usize,
    records: &[&CertificateRecord],
) -> Vec<Result<()>> {
    if let [one] = records {
        return vec![insert_row(conn, sql, n, one)];
    }
    let mut tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => return vec![Err(db_error(e)); records.len()],
    };
    let mut results = Vec::with_capacity(records.len());
    for r in records {
        let row = tx.savepoint().map_err(db_error).and_then(|sp| {
            insert_row(&sp, sql, n, r)?;
            sp.commit().map_err(db_error)
        });
        results.push(row);
    }
    if let Err(e) = tx.commit() {
        let e = db_error(e);
        return vec![Err(e); records.len()];
    }
    results
}

impl Sqlite {
    fn select_ocsp(&self, filter: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<OcspRecord>> {
        let sql = format!(
            "SELECT serial_number, authority_key_identifier, body, expiry FROM ocsp_responses {filter}"
        );
        self.with(|c| {
            let mut st = c.prepare(&sql).map_err(db_error)?;
            let rows = st
                .query_map(args, |row| {
                    Ok(OcspRecord {
                        serial: string_of(row.get_ref(0)?),
                        aki: string_of(row.get_ref(1)?),
                        body: bytes_of(row.get_ref(2)?),
                        expiry: time_of(row.get_ref(3)?).unwrap_or_else(gotime::zero),
                    })
                })
                .map_err(db_error)?;
            rows.collect::<std::result::Result<Vec<_>, _>>()
                .map_err(db_error)
        })
    }
}

impl Accessor for Sqlite {
    fn insert_certificate(&self, r: &CertificateRecord) -> Result<()> {
        let cols = crate::columns(self.has_002);
        let sql = crate::insert_sql(cols, |i| format!("?{}", i + 1));
        self.batch.insert(&self.conn, r, |conn, records| {
            commit_rows(conn, &sql, cols.len(), records)
        })
    }

    fn get_certificate(&self, serial: &str, aki: &str) -> Result<Vec<CertificateRecord>> {
        self.select(
            "WHERE serial_number = ?1 AND authority_key_identifier = ?2",
            &[&serial, &aki],
        )
    }

    fn revoked_certificates(&self) -> Result<Vec<CertificateRecord>> {
        // cfssl's GetRevokedAndUnexpiredCertificates, text comparison and all.
        self.select(
            "WHERE CURRENT_TIMESTAMP < expiry AND status = 'revoked'",
            &[],
        )
    }

    fn revoked_entries(&self) -> Result<Vec<RevokedEntry>> {
        self.with(|c| {
            let mut st = c
                .prepare(
                    "SELECT serial_number, authority_key_identifier, revoked_at, reason FROM certificates WHERE CURRENT_TIMESTAMP < expiry AND status = 'revoked'",
                )
                .map_err(db_error)?;
            let rows = st
                .query_map([], |row| {
                    Ok(RevokedEntry {
                        serial: string_of(row.get_ref(0)?),
                        aki: string_of(row.get_ref(1)?),
                        revoked_at: time_of(row.get_ref(2)?).unwrap_or_else(gotime::zero),
                        reason: row.get::<_, Option<i64>>(3)?.unwrap_or(0),
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

    fn unexpired_certificates(&self) -> Result<Vec<CertificateRecord>> {
        self.select("WHERE CURRENT_TIMESTAMP < expiry", &[])
    }

    fn upsert_ocsp(&self, records: &[OcspRecord]) -> Result<()> {
        let mut conn = self.conn.lock().map_err(|_| {
            Error::coded(
                Code::CertStoreUnknown,
                "the database connection was poisoned",
            )
        })?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db_error)?;
        {
            // The body as a blob (cfssl binds the DER as text; its reader
            // takes either, and a blob keeps SQLite's length() right).
            let mut st = tx
                .prepare(
                    "INSERT INTO ocsp_responses (serial_number, authority_key_identifier, body, expiry) VALUES (?1, ?2, ?3, ?4) \
                     ON CONFLICT (serial_number, authority_key_identifier) DO UPDATE SET body = excluded.body, expiry = excluded.expiry",
                )
                .map_err(db_error)?;
            for r in records {
                st.execute(params![r.serial, r.aki, r.body, gotime::format(r.expiry)])
                    .map_err(db_error)?;
            }
        }
        tx.commit().map_err(db_error)
    }

    fn unexpired_ocsp(&self) -> Result<Vec<OcspRecord>> {
        self.select_ocsp("WHERE CURRENT_TIMESTAMP < expiry", &[])
    }

    fn get_ocsp(&self, serial: &str, aki: &str) -> Result<Vec<OcspRecord>> {
        self.select_ocsp(
            "WHERE serial_number = ?1 AND authority_key_identifier = ?2",
            &[&serial, &aki],
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

    use super::*;

    /// Inserts queued while the connection is busy are committed in one
    /// batch; a duplicate among them fails alone.
    #[test]
    fn a_batch_commits_together_and_a_duplicate_fails_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.db");
        let db = std::sync::Arc::new(
            Sqlite::open(path.to_str().unwrap(), &mut cfssl_core::log::NoLog).unwrap(),
        );
        db.insert_certificate(&CertificateRecord::sample("1"))
            .unwrap();
        let held = db.conn.lock().unwrap();
        let threads: Vec<_> = ["1", "2", "3", "4", "5"]
            .into_iter()
            .map(|s| {
                let db = db.clone();
                std::thread::spawn(move || {
                    (s, db.insert_certificate(&CertificateRecord::sample(s)))
                })
            })
            .collect();
        // All five wait for the connection, queued.
        while db.batch.len() < 5 {
            std::thread::yield_now();
        }
        drop(held);
        for t in threads {
            let (serial, result) = t.join().unwrap();
            if serial == "1" {
                let e = result.unwrap_err();
                assert_eq!(e.code(), Some(Code::CertStoreUnknown));
                assert!(e.message().contains("UNIQUE constraint failed"), "{e}");
            } else {
                result.unwrap();
            }
        }
        let conn = db.conn.lock().unwrap();
        let n: i64 = conn
            .query_row("SELECT count(*) FROM certificates", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 5);
    }
}
