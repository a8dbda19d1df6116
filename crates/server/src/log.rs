//! The server's log: cfssl's line format on standard error, shared by every
//! request.
//!
//! A signing request logs four lines. Each line in its own `write(2)` is
//! what cfssl does; here the lines a request logs while it is handled on one
//! thread are gathered ([`batched`]), keeping their order and their own
//! timestamps, and a serving thread writes the batches of every request it
//! answered with one `write(2)` when its runtime runs out of work (or past
//! 64 KiB): one write per burst of requests instead of one per request,
//! through the thread's own descriptor of standard error, so the serving
//! threads never wait on each other's writes. Lines logged outside a batch
//! (start-up, key generation on the blocking pool) are written at once. A writer thread fed through a shared buffer was tried
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
    /// On a serving thread ([`defer_on_this_thread`]): finished batches not
    /// written yet, written when the thread's runtime has nothing left to
    /// do ([`flush_thread`], its park hook) or when they pass
    /// [`DEFER_LIMIT`]. `None` elsewhere: batches are written at once.
    static DEFERRED: RefCell<Option<Deferred>> = const { RefCell::new(None) };
}

/// Bytes of finished batches a serving thread holds before writing them
/// anyway (about 200 signing requests' lines).
const DEFER_LIMIT: usize = 64 * 1024;

/// A serving thread's pending lines, written when dropped (the thread
/// ends) as well.
struct Deferred(Vec<u8>);

impl Drop for Deferred {
    fn drop(&mut self) {
        if !self.0.is_empty() {
            write_out(&self.0);
        }
    }
}

/// Makes this thread hold finished batches until [`flush_thread`]: one
/// write(2) for all the requests answered since the runtime last ran out
/// of work, instead of one per request. Nothing waits on it: when the
/// thread has nothing else to do, it writes at once.
pub(crate) fn defer_on_this_thread() {
    DEFERRED.with_borrow_mut(|d| {
        if d.is_none() {
            *d = Some(Deferred(Vec::with_capacity(DEFER_LIMIT)));
        }
    });
}

/// Writes this thread's held lines (the serving runtimes' park hook).
pub(crate) fn flush_thread() {
    let pending = DEFERRED.with_borrow_mut(|d| {
        d.as_mut()
            .filter(|d| !d.0.is_empty())
            .map(|d| std::mem::take(&mut d.0))
    });
    if let Some(bytes) = pending {
        write_out(&bytes);
        // Give the buffer back for the next round.
        DEFERRED.with_borrow_mut(|d| {
            if let Some(d) = d.as_mut().filter(|d| d.0.is_empty()) {
                let mut bytes = bytes;
                bytes.clear();
                d.0 = bytes;
            }
        });
    }
}

thread_local! {
    /// This thread's own handle on standard error (a duplicate of fd 2):
    /// writing through it takes no lock. Through `std::io::stderr()`, the
    /// process-wide lock made the two serving threads wait on each other
    /// (a `futex` call for most requests under load, strace).
    static STDERR: RefCell<Option<std::fs::File>> = const { RefCell::new(None) };
}

fn write_out(bytes: &[u8]) {
    use std::os::fd::AsFd;
    // As Go's log package, a failed write to stderr is dropped. Each call
    // is one write(2), so lines of different threads do not mix (the file
    // offset is shared and moved atomically, as for one descriptor).
    // try_with: at thread exit this descriptor may be gone already (thread
    // locals are destroyed in reverse order); stderr itself then.
    let written = STDERR.try_with(|cell| {
        let mut f = cell.borrow_mut();
        if f.is_none() {
            *f = std::io::stderr()
                .as_fd()
                .try_clone_to_owned()
                .ok()
                .map(std::fs::File::from);
        }
        f.as_mut().map(|f| {
            let _ = f.write_all(bytes);
        })
    });
    if !matches!(written, Ok(Some(()))) {
        let _ = std::io::stderr().lock().write_all(bytes);
    }
}

/// Runs `f` with this thread's [`StderrLog`] lines gathered, then writes
/// them at once. `f` must not move to another thread (no `.await` inside).
pub(crate) fn batched<R>(f: impl FnOnce() -> R) -> R {
    /// Puts the outer batch back even when `f` panics, so that later lines
    /// of this thread are not swallowed.
    struct Restore(Option<Option<Vec<u8>>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            if let Some(outer) = self.0.take() {
                BATCH.with_borrow_mut(|b| *b = outer);
            }
        }
    }
    let outer = BATCH.with_borrow_mut(|b| b.replace(Vec::new()));
    let mut restore = Restore(Some(outer));
    let r = f();
    let outer = restore.0.take().unwrap_or_default();
    let mine = BATCH.with_borrow_mut(|b| std::mem::replace(b, outer));
    if let Some(bytes) = mine.filter(|b| !b.is_empty()) {
        let full = DEFERRED.with_borrow_mut(|d| {
            d.as_mut().map(|d| {
                d.0.extend_from_slice(&bytes);
                d.0.len() >= DEFER_LIMIT
            })
        });
        match full {
            None => write_out(&bytes),
            Some(true) => flush_thread(),
            Some(false) => {}
        }
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
