//! The log lines cfssl prints while it works, handed to the caller.
//!
//! The library never prints: functions that cfssl logs from take a
//! `&mut dyn Log`, and the CLI formats the lines as cfssl does.

/// cfssl's log levels, in its numbering (`-loglevel` values: 0 DEBUG … 5 FATAL).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// 0: debugging detail.
    Debug = 0,
    /// 1: normal progress (cfssl's default level).
    Info = 1,
    /// 2: something unusual.
    Warning = 2,
    /// 3: a failure.
    Error = 3,
    /// 4: a serious failure.
    Critical = 4,
    /// 5: a fatal failure (cfssl exits with status 1 after logging it).
    Fatal = 5,
}

impl Level {
    /// The level's numeric value, as compared with `-loglevel`.
    pub const fn number(self) -> i64 {
        self as i64
    }

    /// The tag cfssl prints between brackets: `DEBUG`, `INFO`, `WARNING`, `ERROR`,
    /// `CRITICAL`, `FATAL`.
    pub const fn tag(self) -> &'static str {
        match self {
            Self::Debug => "DEBUG",
            Self::Info => "INFO",
            Self::Warning => "WARNING",
            Self::Error => "ERROR",
            Self::Critical => "CRITICAL",
            Self::Fatal => "FATAL",
        }
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.tag())
    }
}

/// One log line as Go's `log` with `LstdFlags` and cfssl's prefix writes it:
/// `2026/11/27 21:39:06 [INFO] msg\n` (the newline only if `msg` lacks one).
pub fn format_line(time: chrono::NaiveDateTime, level: Level, msg: &str) -> String {
    use chrono::{Datelike, Timelike};
    use std::fmt::Write as _;
    let mut line = String::with_capacity(32 + msg.len());
    // Written field by field: a strftime pattern is parsed anew on every
    // call, and a busy server logs several lines per request.
    let _ = write!(
        line,
        "{:04}/{:02}/{:02} {:02}:{:02}:{:02} [{}] {msg}",
        time.year(),
        time.month(),
        time.day(),
        time.hour(),
        time.minute(),
        time.second(),
        level.tag()
    );
    if !line.ends_with('\n') {
        line.push('\n');
    }
    line
}

/// A sink for log lines.
pub trait Log {
    /// Records one message.
    fn log(&mut self, level: Level, msg: &str);
}

/// A sink for log lines that many threads share (a server's logger).
pub trait SharedLog: Send + Sync {
    /// Records one message.
    fn log(&self, level: Level, msg: &str);

    /// Whether a message of `level` would be recorded, so that callers can
    /// skip building it. The default says yes.
    fn enabled(&self, level: Level) -> bool {
        let _ = level;
        true
    }

    /// Waits until every line recorded so far is written (for sinks that
    /// buffer). The default does nothing.
    fn flush(&self) {}
}

/// Lends a [`SharedLog`] where a [`Log`] is asked for.
#[derive(Clone, Copy)]
pub struct Shared<'a>(pub &'a dyn SharedLog);

impl std::fmt::Debug for Shared<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Shared")
    }
}

impl Log for Shared<'_> {
    fn log(&mut self, level: Level, msg: &str) {
        self.0.log(level, msg);
    }
}

/// Discards everything.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoLog;

impl Log for NoLog {
    fn log(&mut self, _: Level, _: &str) {}
}

/// Collects lines, for tests and callers that print later.
impl Log for Vec<(Level, String)> {
    fn log(&mut self, level: Level, msg: &str) {
        self.push((level, msg.to_string()));
    }
}
