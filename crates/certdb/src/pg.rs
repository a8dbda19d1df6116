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
use crate::{Accessor, CertificateRecord, OcspRecord, RevokedEntry, db_error};

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

/// Connects as lib/pq would (see [`crate::pg_tls`]): in clear text only
/// for `sslmode=disable`, else over TLS with lib/pq's checks.
fn connect(data_source: &str) -> Result<Client> {
    let p = crate::pg_tls::parse(data_source, std::env::var("PGSSLMODE").ok()).map_err(db_error)?;
    if p.mode == "disable" {
        return Client::connect(&p.data_source, NoTls).map_err(pg_error);
    }
    let config = crate::pg_tls::client_config(&p).map_err(db_error)?;
    Client::connect(
        &p.data_source,
        tokio_postgres_rustls::MakeRustlsConnect::new(config),
    )
    .map_err(pg_error)
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
    let mut client = connect(url)?;
    upgrade(&mut client, true)
}

/// An open PostgreSQL certificate database.
pub(crate) struct Postgres {
    url: String,
    client: Mutex<Option<Client>>,
    /// Inserts waiting for `client`, committed together.
    batch: crate::batch::Batcher,
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
        let mut client = connect(url)?;
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
            batch: crate::batch::Batcher::default(),
            has_002,
        })
    }

    /// The rows `filter` (a `WHERE` clause with `$N` parameters) selects.
    fn select(
        &self,
        filter: &str,
        args: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Vec<CertificateRecord>> {
        let extra = if self.has_002 {
            ", issued_at, not_before, metadata::text, sans::text, common_name"
        } else {
            ""
        };
        let sql = format!(
            "SELECT serial_number, authority_key_identifier, ca_label, status, reason, expiry, revoked_at, pem{extra} FROM certificates {filter}"
        );
        self.with(|c| {
            let rows = c.query(&sql, args).map_err(pg_error)?;
            // try_get throughout: a value the Rust types cannot hold (a
            // timestamp of 'infinity') is this query's error, not a panic
            // with the connection's lock held.
            rows.iter()
                .map(|row| {
                    let has = self.has_002;
                    let opt_text = |i: usize| -> Result<Option<String>> {
                        if has {
                            row.try_get::<_, Option<String>>(i).map_err(pg_error)
                        } else {
                            Ok(None)
                        }
                    };
                    let opt_time = |i: usize| -> Result<Option<chrono::DateTime<chrono::Utc>>> {
                        if has {
                            row.try_get(i).map_err(pg_error)
                        } else {
                            Ok(None)
                        }
                    };
                    Ok(CertificateRecord {
                        serial: text(row.try_get(0).map_err(pg_error)?),
                        aki: text(row.try_get(1).map_err(pg_error)?),
                        ca_label: text(row.try_get(2).map_err(pg_error)?),
                        status: text(row.try_get(3).map_err(pg_error)?),
                        reason: i64::from(
                            row.try_get::<_, Option<i32>>(4)
                                .map_err(pg_error)?
                                .unwrap_or(0),
                        ),
                        expiry: row
                            .try_get::<_, Option<_>>(5)
                            .map_err(pg_error)?
                            .unwrap_or_else(crate::gotime::zero),
                        revoked_at: row
                            .try_get::<_, Option<_>>(6)
                            .map_err(pg_error)?
                            .unwrap_or_else(crate::gotime::zero),
                        pem: text(row.try_get(7).map_err(pg_error)?),
                        issued_at: opt_time(8)?,
                        not_before: opt_time(9)?,
                        metadata: opt_text(10)?.unwrap_or_default().into_bytes(),
                        sans: opt_text(11)?.unwrap_or_default().into_bytes(),
                        common_name: opt_text(12)?,
                    })
                })
                .collect()
        })
    }

    fn with<T>(&self, f: impl FnOnce(&mut Client) -> Result<T>) -> Result<T> {
        let mut guard = self.client.lock().map_err(|_| {
            Error::coded(
                Code::CertStoreUnknown,
                "the database connection was poisoned",
            )
        })?;
        f(self.connected(&mut guard)?)
    }

    /// The connection in `slot`, made again first when it is gone.
    fn connected<'a>(&self, slot: &'a mut Option<Client>) -> Result<&'a mut Client> {
        if slot.as_ref().is_none_or(Client::is_closed) {
            *slot = Some(connect(&self.url)?);
        }
        slot.as_mut()
            .ok_or_else(|| db_error("no database connection"))
    }
}

/// Inserts one row with `sql` (its first `n` values).
fn insert_row(c: &mut Client, sql: &str, n: usize, r: &CertificateRecord) -> Result<()> {
    let values = RowValues::of(r);
    let params: Vec<&(dyn postgres::types::ToSql + Sync)> = values.params(n).collect();
    let inserted = c.execute(sql, &params).map_err(pg_error)?;
    crate::one_inserted(inserted)
}

/// Commits a batch of rows (see [`crate::batch`]): one row on its own; more
/// in one multi-row `INSERT … ON CONFLICT DO NOTHING RETURNING` (one
/// statement, so one commit and no round trip per row), where a row the
/// database did not return was a duplicate and gets the error PostgreSQL
/// gives a lone duplicate insert. Should the statement fail for another
/// reason, the rows are inserted one by one, each with its own result.
fn commit_rows(c: &mut Client, cols: &[&str], records: &[&CertificateRecord]) -> Vec<Result<()>> {
    let one = |c: &mut Client, r: &CertificateRecord| {
        let sql = crate::insert_sql(cols, |i| placeholder(i, i));
        insert_row(c, &sql, cols.len(), r)
    };
    if let [r] = records {
        return vec![one(c, r)];
    }
    let mut results = Vec::with_capacity(records.len());
    // Within PostgreSQL's 65,535 parameters a statement.
    for chunk in records.chunks(1000) {
        match insert_many(c, cols, chunk) {
            Ok(stored) => results.extend(chunk.iter().enumerate().map(|(i, _)| {
                if stored[i] {
                    Ok(())
                } else {
                    Err(db_error(
                        "pq: duplicate key value violates unique constraint \"certificates_pkey\"",
                    ))
                }
            })),
            Err(_) => results.extend(chunk.iter().map(|r| one(c, r))),
        }
    }
    results
}

/// The placeholder of value `i` (0-based) of a row whose first value is
/// parameter `at + 1`: `metadata` and `sans` are `jsonb`, sent as text.
fn placeholder(i: usize, at: usize) -> String {
    match i {
        10 | 11 => format!("${}::text::jsonb", at + 1),
        _ => format!("${}", at + 1),
    }
}

/// One `INSERT` of all `rows`, duplicates skipped; which rows were stored.
fn insert_many(c: &mut Client, cols: &[&str], rows: &[&CertificateRecord]) -> Result<Vec<bool>> {
    let n = cols.len();
    let tuples: Vec<String> = (0..rows.len())
        .map(|r| {
            let marks: Vec<String> = (0..n).map(|i| placeholder(i, r * n + i)).collect();
            format!("({})", marks.join(", "))
        })
        .collect();
    let sql = format!(
        "INSERT INTO certificates ({}) VALUES {} ON CONFLICT DO NOTHING RETURNING serial_number, authority_key_identifier",
        cols.join(", "),
        tuples.join(", ")
    );
    let owned: Vec<RowValues<'_>> = rows.iter().map(|r| RowValues::of(r)).collect();
    let params: Vec<&(dyn postgres::types::ToSql + Sync)> =
        owned.iter().flat_map(|v| v.params(n)).collect();
    let returned = c.query(&sql, &params).map_err(pg_error)?;
    let mut stored = vec![false; rows.len()];
    for row in returned {
        let (serial, aki): (Vec<u8>, Vec<u8>) = (row.get(0), row.get(1));
        // The first row with that key is the one stored.
        if let Some(i) = (0..rows.len()).find(|&i| {
            !stored[i] && rows[i].serial.as_bytes() == serial && rows[i].aki.as_bytes() == aki
        }) {
            stored[i] = true;
        }
    }
    Ok(stored)
}

/// A record's values as bound: texts as bytes (lib/pq's `bytea` of the
/// text), the reason as `int`, `metadata` and `sans` as text for `jsonb`.
struct RowValues<'a> {
    r: &'a CertificateRecord,
    /// Serial, AKI, label, status, PEM.
    texts: [&'a [u8]; 5],
    reason: i32,
    metadata: String,
    sans: String,
}

impl<'a> RowValues<'a> {
    fn of(r: &'a CertificateRecord) -> Self {
        Self {
            r,
            texts: [
                r.serial.as_bytes(),
                r.aki.as_bytes(),
                r.ca_label.as_bytes(),
                r.status.as_bytes(),
                r.pem.as_bytes(),
            ],
            reason: i32::try_from(r.reason).unwrap_or(0),
            metadata: String::from_utf8_lossy(&r.metadata).into_owned(),
            sans: String::from_utf8_lossy(&r.sans).into_owned(),
        }
    }

    /// The first `n` values, in column order.
    fn params(&self, n: usize) -> impl Iterator<Item = &(dyn postgres::types::ToSql + Sync)> {
        let r = self.r;
        let [serial, aki, label, status, pem] = &self.texts;
        let all: [&(dyn postgres::types::ToSql + Sync); 13] = [
            serial,
            aki,
            label,
            status,
            &self.reason,
            &r.expiry,
            &r.revoked_at,
            pem,
            &r.issued_at,
            &r.not_before,
            &self.metadata,
            &self.sans,
            &r.common_name,
        ];
        all.into_iter().take(n)
    }
}

fn text(v: Option<Vec<u8>>) -> String {
    String::from_utf8_lossy(&v.unwrap_or_default()).into_owned()
}

impl Accessor for Postgres {
    fn insert_certificate(&self, r: &CertificateRecord) -> Result<()> {
        let cols = crate::columns(self.has_002);
        self.batch.insert(&self.client, r, |slot, records| {
            match self.connected(slot) {
                Ok(c) => commit_rows(c, cols, records),
                Err(e) => vec![Err(e); records.len()],
            }
        })
    }

    fn get_certificate(&self, serial: &str, aki: &str) -> Result<Vec<CertificateRecord>> {
        self.select(
            "WHERE serial_number = $1 AND authority_key_identifier = $2",
            &[&serial.as_bytes(), &aki.as_bytes()],
        )
    }

    fn revoked_certificates(&self) -> Result<Vec<CertificateRecord>> {
        // cfssl's GetRevokedAndUnexpiredCertificates; lib/pq sends the
        // status as bytes.
        self.select(
            "WHERE CURRENT_TIMESTAMP < expiry AND status = $1",
            &[&"revoked".as_bytes()],
        )
    }

    fn revoked_entries(&self) -> Result<Vec<RevokedEntry>> {
        self.with(|c| {
            let rows = c
                .query(
                    "SELECT serial_number, authority_key_identifier, revoked_at, reason FROM certificates WHERE CURRENT_TIMESTAMP < expiry AND status = $1",
                    &[&"revoked".as_bytes()],
                )
                .map_err(pg_error)?;
            // try_get: a timestamp chrono cannot hold ('infinity') is this
            // query's error, not a panic with the connection's lock held.
            rows.iter()
                .map(|row| {
                    Ok(RevokedEntry {
                        serial: text(row.try_get(0).map_err(pg_error)?),
                        aki: text(row.try_get(1).map_err(pg_error)?),
                        revoked_at: row
                            .try_get::<_, Option<_>>(2)
                            .map_err(pg_error)?
                            .unwrap_or_else(crate::gotime::zero),
                        reason: i64::from(
                            row.try_get::<_, Option<i32>>(3)
                                .map_err(pg_error)?
                                .unwrap_or(0),
                        ),
                    })
                })
                .collect()
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

    fn unexpired_certificates(&self) -> Result<Vec<CertificateRecord>> {
        self.select("WHERE CURRENT_TIMESTAMP < expiry", &[])
    }

    fn upsert_ocsp(&self, records: &[OcspRecord]) -> Result<()> {
        self.with(|c| {
            let mut tx = c.transaction().map_err(pg_error)?;
            // Multi-row statements of up to 500 rows (4 parameters each,
            // far inside PostgreSQL's 65,535).
            for chunk in records.chunks(500) {
                let marks: Vec<String> = (0..chunk.len())
                    .map(|i| {
                        let b = i * 4;
                        format!("(${}, ${}, ${}, ${})", b + 1, b + 2, b + 3, b + 4)
                    })
                    .collect();
                let sql = format!(
                    "INSERT INTO ocsp_responses (serial_number, authority_key_identifier, body, expiry) VALUES {} \
                     ON CONFLICT (serial_number, authority_key_identifier) DO UPDATE SET body = EXCLUDED.body, expiry = EXCLUDED.expiry",
                    marks.join(", ")
                );
                let mut params: Vec<&(dyn postgres::types::ToSql + Sync)> =
                    Vec::with_capacity(chunk.len() * 4);
                let keys: Vec<(&[u8], &[u8])> = chunk
                    .iter()
                    .map(|r| (r.serial.as_bytes(), r.aki.as_bytes()))
                    .collect();
                for (r, (serial, aki)) in chunk.iter().zip(&keys) {
                    params.push(serial);
                    params.push(aki);
                    params.push(&r.body);
                    params.push(&r.expiry);
                }
                tx.execute(&sql, &params).map_err(pg_error)?;
            }
            tx.commit().map_err(pg_error)
        })
    }

    fn unexpired_ocsp(&self) -> Result<Vec<OcspRecord>> {
        self.select_ocsp("WHERE CURRENT_TIMESTAMP < expiry", &[])
    }

    fn get_ocsp(&self, serial: &str, aki: &str) -> Result<Vec<OcspRecord>> {
        self.select_ocsp(
            "WHERE serial_number = $1 AND authority_key_identifier = $2",
            &[&serial.as_bytes(), &aki.as_bytes()],
        )
    }
}

impl Postgres {
    fn select_ocsp(
        &self,
        filter: &str,
        args: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Vec<OcspRecord>> {
        let sql = format!(
            "SELECT serial_number, authority_key_identifier, body, expiry FROM ocsp_responses {filter}"
        );
        self.with(|c| {
            let rows = c.query(&sql, args).map_err(pg_error)?;
            rows.iter()
                .map(|row| {
                    Ok(OcspRecord {
                        serial: text(row.try_get(0).map_err(pg_error)?),
                        aki: text(row.try_get(1).map_err(pg_error)?),
                        body: row.try_get(2).map_err(pg_error)?,
                        expiry: row
                            .try_get::<_, Option<_>>(3)
                            .map_err(pg_error)?
                            .unwrap_or_else(crate::gotime::zero),
                    })
                })
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

    use super::*;

    /// As on SQLite: a batch of inserts goes in one statement, and a
    /// duplicate among them (of a stored row, or of another row of the
    /// batch) fails alone with PostgreSQL's error for a duplicate.
    #[test]
    fn a_batch_commits_together_and_duplicates_fail_alone() {
        let Ok(url) = std::env::var("CFSSL_TEST_PG_URL") else {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI needs PostgreSQL: .ci/run starts scripts/pg-cluster.sh"
            );
            eprintln!("skipped: no CFSSL_TEST_PG_URL");
            return;
        };
        let mut admin = Client::connect(&url, NoTls).unwrap();
        // One statement a call: these two may not share a transaction.
        admin
            .batch_execute("DROP DATABASE IF EXISTS cfssl_batch_unit")
            .unwrap();
        admin
            .batch_execute("CREATE DATABASE cfssl_batch_unit")
            .unwrap();
        let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
        let db = std::sync::Arc::new(
            Postgres::open(
                &format!("{base}/cfssl_batch_unit?sslmode=disable"),
                &mut cfssl_core::log::NoLog,
            )
            .unwrap(),
        );
        db.insert_certificate(&CertificateRecord::sample("1"))
            .unwrap();
        let dup = db
            .insert_certificate(&CertificateRecord::sample("1"))
            .unwrap_err();
        let held = db.client.lock().unwrap();
        let threads: Vec<_> = ["1", "2", "3", "3", "4"]
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let db = db.clone();
                std::thread::spawn(move || {
                    (i, db.insert_certificate(&CertificateRecord::sample(s)))
                })
            })
            .collect();
        while db.batch.len() < 5 {
            std::thread::yield_now();
        }
        drop(held);
        let mut failed = Vec::new();
        for t in threads {
            let (i, result) = t.join().unwrap();
            if let Err(e) = result {
                assert_eq!(e, dup, "a duplicate in a batch fails as a lone one");
                failed.push(i);
            }
        }
        failed.sort_unstable();
        // "1" is stored already; of the two "3", one is stored.
        assert_eq!(failed.len(), 2);
        assert_eq!(failed[0], 0);
        assert!(failed[1] == 2 || failed[1] == 3);
        let n: i64 = db
            .with(|c| {
                Ok(c.query_one("SELECT count(*) FROM certificates", &[])
                    .map_err(pg_error)?
                    .get(0))
            })
            .unwrap();
        assert_eq!(n, 4);
    }
}
