//! The server's log: cfssl's line format on standard error, one write per
//! line (as Go's `log` package), shared by every request.

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

impl SharedLog for StderrLog {
    fn log(&self, level: Level, msg: &str) {
        if level.number() >= self.level {
            let line = format_line(chrono::Local::now().naive_local(), level, msg);
            // As Go's log package, a failed write to stderr is dropped.
            let _ = std::io::stderr().lock().write_all(line.as_bytes());
        }
    }
}
