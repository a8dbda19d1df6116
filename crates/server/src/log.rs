//! The server's log: cfssl's line format on standard error, shared by every
//! request.
//!
//! A signing request logs four lines. Each line in its own `write(2)` is
//! what cfssl does; here the lines a request logs while it is handled on one
//! thread are gathered and written with one `write(2)` when it is done
//! ([`batched`]), keeping their order and their own timestamps. Lines logged
//! outside a batch (start-up, key generation on the blocking pool) are
//! written at once. A writer thread fed through a shared buffer was tried
//! first and measured worse: its lock and wake-ups cost a dozen futex calls
//! per request under load.

use std::cell::RefCell;
use std::io::Write;

use cfssl_core::log::{Level, SharedLog, format_line};

/// Writes log lines at or above a level to standard error.
#[derive(Clone, Copy, Debug)]
pub struct StderrLog {
    level: i64,
}

impl StderrLog {
    /// A log writing lines of `level` (cfssl's `-loglevel`: 0 DEBUG … 5
    /// FATAL) and above.
    pub const fn new(level: i64) -> Self {
        Self { level }
    }
}

thread_local! {
    /// Lines of the batch open on this thread, if one is.
    static BATCH: RefCell<Option<Vec<u8>>> = const { RefCell::new(None) };
}

fn write_out(bytes: &[u8]) {
    // As Go's log package, a failed write to stderr is dropped.
    let _ = std::io::stderr().lock().write_all(bytes);
}

/// Runs `f` with this thread's [`StderrLog`] lines gathered, then writes
/// them at once. `f` must not move to another thread (no `.await` inside).
pub(crate) fn batched<R>(f: impl FnOnce() -> R) -> R {
    let outer = BATCH.with_borrow_mut(|b| b.replace(Vec::new()));
    let r = f();
    let mine = BATCH.with_borrow_mut(|b| std::mem::replace(b, outer));
    if let Some(bytes) = mine.filter(|b| !b.is_empty()) {
        write_out(&bytes);
    }
    r
}

impl SharedLog for StderrLog {
    fn enabled(&self, level: Level) -> bool {
        level.number() >= self.level
    }

    fn log(&self, level: Level, msg: &str) {
        if level.number() < self.level {
            return;
        }
        let line = format_line(chrono::Local::now().naive_local(), level, msg);
        let pending = BATCH.with_borrow_mut(|b| match b {
            Some(buf) => {
                buf.extend_from_slice(line.as_bytes());
                false
            }
            None => true,
        });
        if pending {
            write_out(line.as_bytes());
        }
    }
}
