//! Timestamps as cfssl's SQLite driver (mattn/go-sqlite3) writes and reads
//! them: Go's `2006-01-02 15:04:05.999999999-07:00` in UTC
//! (`2027-11-27 21:35:00+00:00`, `2026-11-27 21:39:33.177247801+00:00`), and
//! on reading also SQLite's own `CURRENT_TIMESTAMP` form without an offset
//! (`2026-11-27 21:40:05`, which `revoke` leaves), RFC 3339's `T` and `Z`,
//! and Go's zero time `0001-01-01 00:00:00+00:00`.
//!
//! The form matters beyond looks: cfssl's queries filter with
//! `CURRENT_TIMESTAMP < expiry`, which SQLite compares as text, so only a
//! `YYYY-MM-DD HH:MM:SS…` value sorts right.

use chrono::{DateTime, NaiveDateTime, Timelike, Utc};

/// Go's text for a UTC time: fractional seconds only when not zero, without
/// trailing zeros.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// let t = Utc.with_ymd_and_hms(2027, 11, 27, 21, 35, 0).unwrap();
/// assert_eq!(cfssl_certdb::format_time(t), "2027-11-27 21:35:00+00:00");
/// let t = t + chrono::Duration::nanoseconds(177_247_800);
/// assert_eq!(cfssl_certdb::format_time(t), "2027-11-27 21:35:00.1772478+00:00");
/// ```
pub fn format(t: DateTime<Utc>) -> String {
    let base = t.format("%Y-%m-%d %H:%M:%S").to_string();
    let nanos = t.nanosecond() % 1_000_000_000;
    if nanos == 0 {
        format!("{base}+00:00")
    } else {
        let frac = format!("{nanos:09}");
        format!("{base}.{}+00:00", frac.trim_end_matches('0'))
    }
}

/// Reads a stored timestamp in any of the shapes cfssl leaves behind.
///
/// ```
/// let a = cfssl_certdb::parse_time("2026-11-27 21:40:05").unwrap();
/// let b = cfssl_certdb::parse_time("2026-11-27 21:40:05+00:00").unwrap();
/// let c = cfssl_certdb::parse_time("2026-11-27T22:40:05+01:00").unwrap();
/// assert!(a == b && b == c);
/// assert!(cfssl_certdb::parse_time("yesterday").is_none());
/// ```
pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    let t = text.trim();
    for f in [
        "%Y-%m-%d %H:%M:%S%.f%:z",
        "%Y-%m-%dT%H:%M:%S%.f%:z",
        "%Y-%m-%d %H:%M:%S%.fZ",
        "%Y-%m-%dT%H:%M:%S%.fZ",
    ] {
        if let Ok(d) = DateTime::parse_from_str(t, f) {
            return Some(d.with_timezone(&Utc));
        }
    }
    if let Some(z) = t.strip_suffix('Z') {
        for f in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
            if let Ok(d) = NaiveDateTime::parse_from_str(z, f) {
                return Some(d.and_utc());
            }
        }
    }
    for f in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(t, f) {
            return Some(d.and_utc());
        }
    }
    chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
}

/// Go's zero time, which cfssl stores as `revoked_at` until a revocation.
pub(crate) fn zero() -> DateTime<Utc> {
    cfssl_core::api::go_zero_time()
}
