//! Group commit: inserts that arrive while another insert is being
//! committed wait for it, then go to the database together, in one
//! transaction.
//!
//! A busy signer inserts one row per certificate, and each transaction
//! costs a synchronous write to disk (SQLite's journal, PostgreSQL's WAL)
//! that takes far longer than the insert itself. cfssl commits each row on
//! its own; here the first insert to find the connection free commits
//! every row queued by then (each under its own savepoint, so that one
//! failing row, a duplicate, fails alone), and each caller gets its own
//! row's result only once that transaction is committed. A certificate is
//! still never handed out before its row is durable: a caller returns when
//! the commit that holds its row has returned.

use std::sync::{Arc, Mutex, PoisonError};

use cfssl_core::{Code, Error, Result};

use crate::CertificateRecord;

/// One queued insert and, once its batch is committed, its result.
#[derive(Debug)]
struct Slot {
    record: CertificateRecord,
    result: Mutex<Option<Result<()>>>,
}

/// The queue of inserts waiting for the connection.
#[derive(Debug, Default)]
pub(crate) struct Batcher {
    queue: Mutex<Vec<Arc<Slot>>>,
}

fn poisoned<T>(_: PoisonError<T>) -> Error {
    Error::coded(
        Code::CertStoreUnknown,
        "the database connection was poisoned",
    )
}

impl Batcher {
    /// How many inserts are queued (for tests).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.queue.lock().map_or(0, |q| q.len())
    }

    /// Inserts `record` through `conn`: queues it, waits for the
    /// connection, and then either finds it committed by the batch before
    /// or commits everything queued with `commit`, which returns one result
    /// per record, in order.
    pub(crate) fn insert<C>(
        &self,
        conn: &Mutex<C>,
        record: &CertificateRecord,
        commit: impl FnOnce(&mut C, &[&CertificateRecord]) -> Vec<Result<()>>,
    ) -> Result<()> {
        let mine = Arc::new(Slot {
            record: record.clone(),
            result: Mutex::new(None),
        });
        self.queue.lock().map_err(poisoned)?.push(mine.clone());
        let mut c = conn.lock().map_err(poisoned)?;
        if let Some(done) = mine.result.lock().map_err(poisoned)?.take() {
            return done;
        }
        // Everything queued, this insert included (no one else took it:
        // a batch is taken only by the holder of the connection).
        let batch = std::mem::take(&mut *self.queue.lock().map_err(poisoned)?);
        let records: Vec<&CertificateRecord> = batch.iter().map(|s| &s.record).collect();
        let mut results = commit(&mut c, &records);
        results.resize(
            batch.len(),
            Err(Error::coded(
                Code::CertStoreUnknown,
                "the batch returned no result for this row",
            )),
        );
        for (slot, r) in batch.iter().zip(results) {
            *slot.result.lock().map_err(poisoned)? = Some(r);
        }
        drop(c);
        let mine = mine.result.lock().map_err(poisoned)?.take();
        mine.unwrap_or_else(|| {
            Err(Error::coded(
                Code::CertStoreUnknown,
                "the row was not in its own batch",
            ))
        })
    }
}
