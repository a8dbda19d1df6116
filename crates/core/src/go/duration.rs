//! Go's `time.Duration` text form: parsing (`time.ParseDuration`) and
//! printing (`Duration.String`).
//!
//! ```
//! use cfssl_core::go::duration::{format, parse};
//! assert_eq!(parse("8760h").unwrap(), 8760 * 3600 * 1_000_000_000);
//! assert_eq!(parse("1h30m").unwrap(), 5_400_000_000_000);
//! assert_eq!(format(parse("1.5h").unwrap()), "1h30m0s");
//! assert!(parse("365d").is_err());
//! ```

use crate::error::{Error, Result};

/// Nanoseconds, as Go's `time.Duration`.
pub type Nanos = i64;

const NANOS_PER_MICRO: i64 = 1_000;
const NANOS_PER_MILLI: i64 = 1_000_000;
const NANOS_PER_SEC: i64 = 1_000_000_000;

/// Parses a duration with the grammar and error texts of Go's `time.ParseDuration` (Go 1.19).
///
/// The grammar is `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+` with units `ns`, `us`, `µs` (U+00B5),
/// `μs` (U+03BC), `ms`, `s`, `m`, `h`, or the bare string `0` (optionally signed). There are
/// no days or years. Examples: `8760h`, `1h30m`, `1.5h`, `+5h`, `-1m`, `0`, `.5s`, `1h1h`.
///
/// # Errors
///
/// [`Error::Duration`] with Go's messages, with Go's quoting of the input:
/// `time: invalid duration "x"`, `time: unknown unit "d" in duration "365d"`,
/// `time: missing unit in duration "10"`; overflow beyond ±2^63 ns is `time: invalid duration`.
pub fn parse(input: &str) -> Result<Nanos> {
    let invalid = || Error::Duration(format!("time: invalid duration {}", go_time_quote(input)));
    let mut s = input.as_bytes();
    let mut neg = false;
    if let Some((&c, rest)) = s.split_first()
        && (c == b'-' || c == b'+')
    {
        neg = c == b'-';
        s = rest;
    }
    if s == b"0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    const LIMIT: u64 = 1 << 63;
    let mut total: u64 = 0;
    while !s.is_empty() {
        // The next character must be [0-9.].
        if !(s[0] == b'.' || s[0].is_ascii_digit()) {
            return Err(invalid());
        }
        // Consume [0-9]*.
        let before = s.len();
        let (mut v, rest) = leading_int(s).ok_or_else(invalid)?;
        s = rest;
        let pre = before != s.len();
        // Consume (\.[0-9]*)?.
        let mut post = false;
        let (mut frac, mut scale) = (0u64, 1f64);
        if let Some((&b'.', rest)) = s.split_first() {
            s = rest;
            let before = s.len();
            let (f, sc, rest) = leading_fraction(s);
            (frac, scale, s) = (f, sc, rest);
            post = before != s.len();
        }
        if !pre && !post {
            // No digits, as in ".s" or "-.s".
            return Err(invalid());
        }
        // Consume the unit: everything up to the next [0-9.].
        let unit_len = s
            .iter()
            .position(|&c| c == b'.' || c.is_ascii_digit())
            .unwrap_or(s.len());
        if unit_len == 0 {
            return Err(Error::Duration(format!(
                "time: missing unit in duration {}",
                go_time_quote(input)
            )));
        }
        let (unit_bytes, rest) = s.split_at(unit_len);
        s = rest;
        let Some(unit) = duration_unit(unit_bytes) else {
            return Err(Error::Duration(format!(
                "time: unknown unit {} in duration {}",
                go_time_quote(&String::from_utf8_lossy(unit_bytes)),
                go_time_quote(input)
            )));
        };
        if v > LIMIT / unit {
            return Err(invalid());
        }
        v *= unit;
        if frac > 0 {
            // Go uses float64 here; `as` reproduces Go's truncating float-to-integer conversion.
            #[allow(
                clippy::cast_precision_loss,
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss
            )]
            let extra = (frac as f64 * (unit as f64 / scale)) as u64;
            v = v.saturating_add(extra);
            if v > LIMIT {
                return Err(invalid());
            }
        }
        total = total.saturating_add(v);
        if total > LIMIT {
            return Err(invalid());
        }
    }
    if neg {
        // total <= 2^63, so the negation fits (2^63 becomes i64::MIN).
        return Ok(0i64.wrapping_sub_unsigned(total));
    }
    i64::try_from(total).map_err(|_| invalid())
}

/// The nanoseconds per unit for a `time.ParseDuration` unit, as Go's `unitMap`.
fn duration_unit(unit: &[u8]) -> Option<u64> {
    Some(match unit {
        b"ns" => 1,
        // "µs" with U+00B5 MICRO SIGN and with U+03BC GREEK SMALL LETTER MU.
        b"us" | b"\xc2\xb5s" | b"\xce\xbcs" => 1_000,
        b"ms" => 1_000_000,
        b"s" => 1_000_000_000,
        b"m" => 60_000_000_000,
        b"h" => 3_600_000_000_000,
        _ => return None,
    })
}

/// Consumes a leading `[0-9]*` (mirrors Go's `time.leadingInt`); `None` on overflow past 2^63.
fn leading_int(s: &[u8]) -> Option<(u64, &[u8])> {
    let mut x: u64 = 0;
    let digits = s.iter().take_while(|c| c.is_ascii_digit()).count();
    for &c in &s[..digits] {
        if x > (1 << 63) / 10 {
            return None;
        }
        x = x * 10 + u64::from(c - b'0');
        if x > 1 << 63 {
            return None;
        }
    }
    Some((x, &s[digits..]))
}

/// Consumes a leading `[0-9]*` fraction (mirrors Go's `time.leadingFraction`): stops gaining
/// precision instead of failing on overflow.
fn leading_fraction(s: &[u8]) -> (u64, f64, &[u8]) {
    let mut x: u64 = 0;
    let mut scale = 1f64;
    let mut overflow = false;
    let digits = s.iter().take_while(|c| c.is_ascii_digit()).count();
    for &c in &s[..digits] {
        if overflow {
            continue;
        }
        if x > ((1u64 << 63) - 1) / 10 {
            overflow = true;
            continue;
        }
        let y = x * 10 + u64::from(c - b'0');
        if y > 1 << 63 {
            overflow = true;
            continue;
        }
        x = y;
        scale *= 10.0;
    }
    (x, scale, &s[digits..])
}

/// Quotes a string the way Go's `time` package does in its error messages: ASCII printable
/// characters as-is (with `"` and `\` backslash-escaped), every byte of anything else as `\xNN`.
fn go_time_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if u32::from(c) >= 0x80 || c < ' ' {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        } else {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.push('"');
    out
}

/// Formats a duration as Go's `Duration.String` does: `96h0m0s`, `168h0m0s`, `5m0s`,
/// `1h30m0s`, `1.5s`, `0s`, `1.2ms`, `3µs`, `7ns`, `-1m0s`.
pub fn format(d: Nanos) -> String {
    let mut u = d.unsigned_abs();
    let neg = d < 0;
    // Built back to front, like Go.
    let mut rev: Vec<u8> = Vec::with_capacity(32);
    if u < NANOS_PER_SEC.unsigned_abs() {
        if u == 0 {
            return "0s".to_owned();
        }
        rev.push(b's');
        let prec = if u < NANOS_PER_MICRO.unsigned_abs() {
            rev.push(b'n');
            0
        } else if u < NANOS_PER_MILLI.unsigned_abs() {
            // "µ" is 0xC2 0xB5, pushed in reverse.
            rev.extend_from_slice(&[0xB5, 0xC2]);
            3
        } else {
            rev.push(b'm');
            6
        };
        u = push_frac_rev(&mut rev, u, prec);
        push_int_rev(&mut rev, u);
    } else {
        rev.push(b's');
        u = push_frac_rev(&mut rev, u, 9);
        // u is now whole seconds.
        push_int_rev(&mut rev, u % 60);
        u /= 60;
        if u > 0 {
            rev.push(b'm');
            push_int_rev(&mut rev, u % 60);
            u /= 60;
            // Stop at hours: days can be different lengths.
            if u > 0 {
                rev.push(b'h');
                push_int_rev(&mut rev, u);
            }
        }
    }
    if neg {
        rev.push(b'-');
    }
    rev.reverse();
    String::from_utf8_lossy(&rev).into_owned()
}

/// Go's `fmtFrac`, writing reversed: the fraction `v / 10^prec` without trailing zeros (and
/// without the point when it is zero). Returns `v / 10^prec`.
fn push_frac_rev(rev: &mut Vec<u8>, mut v: u64, prec: u32) -> u64 {
    let mut print = false;
    for _ in 0..prec {
        let digit = v % 10;
        print = print || digit != 0;
        if print {
            rev.push(b'0' + digit_byte(digit));
        }
        v /= 10;
    }
    if print {
        rev.push(b'.');
    }
    v
}

/// Go's `fmtInt`, writing reversed.
fn push_int_rev(rev: &mut Vec<u8>, mut v: u64) {
    if v == 0 {
        rev.push(b'0');
        return;
    }
    while v > 0 {
        rev.push(b'0' + digit_byte(v % 10));
        v /= 10;
    }
}

/// A value known to be below 10, as a byte.
fn digit_byte(d: u64) -> u8 {
    u8::try_from(d % 10).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const H: i64 = 3_600_000_000_000;

    #[test]
    fn parses_go_forms() {
        assert_eq!(parse("8760h").unwrap(), 8760 * H);
        assert_eq!(parse("1.5h").unwrap(), H * 3 / 2);
        assert_eq!(parse("+5h").unwrap(), 5 * H);
        assert_eq!(parse("-1m").unwrap(), -60_000_000_000);
        assert_eq!(parse("0").unwrap(), 0);
        assert_eq!(parse("0s").unwrap(), 0);
        assert_eq!(parse("1h30m10s500ms").unwrap(), H + 1_810_500_000_000);
        assert_eq!(parse("300µs").unwrap(), 300_000);
        assert_eq!(parse(".5s").unwrap(), 500_000_000);
    }

    #[test]
    fn go_error_messages() {
        let msg = |s: &str| parse(s).unwrap_err().to_string();
        assert_eq!(msg("365d"), r#"time: unknown unit "d" in duration "365d""#);
        assert_eq!(msg("10y"), r#"time: unknown unit "y" in duration "10y""#);
        assert_eq!(msg("10"), r#"time: missing unit in duration "10""#);
        assert_eq!(msg(""), r#"time: invalid duration """#);
        assert_eq!(msg("h"), r#"time: invalid duration "h""#);
        assert_eq!(msg("."), r#"time: invalid duration ".""#);
        assert_eq!(msg("-"), r#"time: invalid duration "-""#);
    }

    #[test]
    fn formats_like_go() {
        assert_eq!(format(96 * H), "96h0m0s");
        assert_eq!(format(168 * H), "168h0m0s");
        assert_eq!(format(300_000_000_000), "5m0s");
        assert_eq!(format(1_500_000_000), "1.5s");
        assert_eq!(format(0), "0s");
        assert_eq!(format(-H), "-1h0m0s");
        assert_eq!(format(1500), "1.5µs");
    }

    proptest! {
        #[test]
        fn format_then_parse_round_trips(d in -(1i64 << 62)..(1i64 << 62)) {
            prop_assert_eq!(parse(&format(d)).unwrap(), d);
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,12}") {
            let _ = parse(&s);
        }

        #[test]
        fn hours_minutes_compose(h in 0i64..100_000, m in 0i64..60) {
            prop_assert_eq!(parse(&format!("{h}h{m}m")).unwrap(), h * H + m * 60_000_000_000);
        }
    }
}
