//! The log lines cfssl prints while it works, handed to the caller.
//!
//! The library never prints: functions that cfssl logs from take a
//! `&mut dyn Log`, and the CLI formats the lines as cfssl does.

/// cfssl's log levels (0 DEBUG … 5 FATAL).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// 0
    Debug,
    /// 1
    Info,
    /// 2
    Warning,
    /// 3
    Error,
    /// 4
    Critical,
    /// 5
    Fatal,
}

impl Level {
    /// The tag cfssl prints (`INFO`, `WARNING`, …).
    pub fn tag(self) -> &'static str {
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

/// A sink for log lines.
pub trait Log {
    /// Records one message.
    fn log(&mut self, level: Level, msg: &str);
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
