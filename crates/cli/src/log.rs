//! cfssl's leveled logger (mirrors cfssl's `log` package over Go's standard `log`): lines
//! `YYYY/MM/DD HH:MM:SS [LEVEL] message` in local time (the `TZ` variable is honoured), written
//! when the message's level is at least the configured one (`-loglevel`, default 1 = INFO).

use std::io::Write;

use chrono::Local;

/// The log levels are the library's: the library reports through them and
/// this logger writes them.
pub use cfssl_core::log::Level;

/// The logger: messages below `level` are dropped. Any `i64` is allowed, as with cfssl's
/// `-loglevel` (a negative level shows everything, 6 or more shows nothing).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Logger {
    /// The lowest level written.
    pub level: i64,
}

impl Default for Logger {
    /// cfssl's default level, INFO.
    fn default() -> Self {
        Self {
            level: Level::Info.number(),
        }
    }
}

impl Logger {
    /// A logger writing messages of level `level` and above.
    pub const fn new(level: i64) -> Self {
        Self { level }
    }

    /// Whether a message of `level` would be written.
    pub const fn enabled(&self, level: Level) -> bool {
        level.number() >= self.level
    }

    /// Writes `msg` at `level` with the current local time, if enabled.
    ///
    /// Like Go's `log` package, write errors are ignored and a newline is added only when
    /// `msg` does not already end with one; multi-line messages are written as they are
    /// (only the first line gets the prefix).
    pub fn log(&self, w: &mut dyn Write, level: Level, msg: &str) {
        if self.enabled(level) {
            let line = format_line(Local::now().naive_local(), level, msg);
            // Go's log.Printf discards write errors too.
            let _ = w.write_all(line.as_bytes());
        }
    }

    /// Logs `msg` at DEBUG (cfssl `log.Debug`).
    pub fn debug(&self, w: &mut dyn Write, msg: &str) {
        self.log(w, Level::Debug, msg);
    }

    /// Logs `msg` at INFO (cfssl `log.Info`).
    pub fn info(&self, w: &mut dyn Write, msg: &str) {
        self.log(w, Level::Info, msg);
    }

    /// Logs `msg` at WARNING (cfssl `log.Warning`).
    pub fn warning(&self, w: &mut dyn Write, msg: &str) {
        self.log(w, Level::Warning, msg);
    }

    /// Logs `msg` at ERROR (cfssl `log.Error`).
    pub fn error(&self, w: &mut dyn Write, msg: &str) {
        self.log(w, Level::Error, msg);
    }

    /// Logs `msg` at CRITICAL (cfssl `log.Critical`).
    pub fn critical(&self, w: &mut dyn Write, msg: &str) {
        self.log(w, Level::Critical, msg);
    }

    /// Logs `msg` at FATAL. cfssl's `log.Fatal` then exits with status 1; here the caller must
    /// end the command itself (return an error).
    pub fn fatal(&self, w: &mut dyn Write, msg: &str) {
        self.log(w, Level::Fatal, msg);
    }
}

pub use cfssl_core::log::format_line;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, NaiveDateTime};

    fn at(h: u32, m: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 1, 7)
            .and_then(|d| d.and_hms_opt(h, m, s))
            .expect("valid time")
    }

    #[test]
    fn line_format() {
        assert_eq!(
            format_line(at(21, 39, 6), Level::Info, "generate received request"),
            "2026/01/07 21:39:06 [INFO] generate received request\n"
        );
        assert_eq!(
            format_line(at(1, 2, 3), Level::Critical, "x"),
            "2026/01/07 01:02:03 [CRITICAL] x\n"
        );
    }

    #[test]
    fn existing_trailing_newline_is_kept_single() {
        assert_eq!(
            format_line(at(0, 0, 0), Level::Error, "oops\n"),
            "2026/01/07 00:00:00 [ERROR] oops\n"
        );
        assert_eq!(
            format_line(at(0, 0, 0), Level::Warning, "a\nb"),
            "2026/01/07 00:00:00 [WARNING] a\nb\n"
        );
        assert_eq!(
            format_line(at(0, 0, 0), Level::Debug, ""),
            "2026/01/07 00:00:00 [DEBUG] \n"
        );
    }

    #[test]
    fn level_filtering() {
        let mut out = Vec::new();
        let log = Logger::new(2);
        log.debug(&mut out, "d");
        log.info(&mut out, "i");
        assert!(out.is_empty());
        log.warning(&mut out, "w");
        log.error(&mut out, "e");
        log.critical(&mut out, "c");
        log.fatal(&mut out, "f");
        let text = String::from_utf8(out).expect("utf-8");
        let tags: Vec<&str> = text
            .lines()
            .map(|l| l.split(' ').nth(2).unwrap_or(""))
            .collect();
        assert_eq!(tags, ["[WARNING]", "[ERROR]", "[CRITICAL]", "[FATAL]"]);
        assert!(
            text.lines()
                .all(|l| l.len() > 20 && l.as_bytes()[4] == b'/')
        );
    }

    #[test]
    fn extreme_levels() {
        let mut out = Vec::new();
        Logger::new(6).fatal(&mut out, "hidden");
        assert!(out.is_empty());
        Logger::new(-3).debug(&mut out, "shown");
        assert!(!out.is_empty());
        assert_eq!(Logger::default(), Logger::new(1));
        assert!(Logger::default().enabled(Level::Info));
        assert!(!Logger::default().enabled(Level::Debug));
    }

    #[test]
    fn level_numbers_and_tags() {
        let all = [
            Level::Debug,
            Level::Info,
            Level::Warning,
            Level::Error,
            Level::Critical,
            Level::Fatal,
        ];
        let numbers: Vec<i64> = all.iter().map(|l| l.number()).collect();
        assert_eq!(numbers, [0, 1, 2, 3, 4, 5]);
        assert_eq!(Level::Warning.to_string(), "WARNING");
    }
}
