//! Go's `time.Duration` text form: parsing (`time.ParseDuration`) and
//! printing (`Duration.String`).
//!
//! ```
//! use cfssl_core::duration::{format, parse};
//! assert_eq!(parse("8760h").unwrap(), 8760 * 3600 * 1_000_000_000);
//! assert_eq!(parse("1h30m").unwrap(), 5_400_000_000_000);
//! assert_eq!(format(parse("1.5h").unwrap()), "1h30m0s");
//! assert!(parse("365d").is_err());
//! ```

use crate::error::{Error, Result};

/// Nanoseconds, as Go's `time.Duration`.
pub type Nanos = i64;

const UNITS: &[(&str, u64)] = &[
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("μs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

/// Parses a Go duration string, with Go's error messages
/// (`time: unknown unit "d" in duration "365d"`).
///
/// # Errors
/// [`Error::Duration`] with Go's text when `s` is not a Go duration.
pub fn parse(s: &str) -> Result<Nanos> {
    let orig = s;
    let invalid = || Error::Duration(format!("time: invalid duration {}", go_quote(orig)));
    let mut s = s;
    let mut neg = false;
    if let Some(c) = s.chars().next()
        && (c == '-' || c == '+')
    {
        neg = c == '-';
        s = &s[1..];
    }
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: u64 = 0;
    while !s.is_empty() {
        // integer part
        let int_len = s.bytes().take_while(u8::is_ascii_digit).count();
        let (int_part, rest) = s.split_at(int_len);
        s = rest;
        let mut frac_part = "";
        if let Some(rest) = s.strip_prefix('.') {
            let n = rest.bytes().take_while(u8::is_ascii_digit).count();
            frac_part = &rest[..n];
            s = &rest[n..];
            if int_part.is_empty() && frac_part.is_empty() {
                return Err(invalid());
            }
        } else if int_part.is_empty() {
            return Err(invalid());
        }
        let unit_len = s
            .char_indices()
            .find(|(_, c)| *c == '.' || c.is_ascii_digit())
            .map_or(s.len(), |(i, _)| i);
        let (unit, rest) = s.split_at(unit_len);
        s = rest;
        if unit.is_empty() {
            return Err(Error::Duration(format!(
                "time: missing unit in duration {}",
                go_quote(orig)
            )));
        }
        let Some(&(_, scale)) = UNITS.iter().find(|(u, _)| *u == unit) else {
            return Err(Error::Duration(format!(
                "time: unknown unit {} in duration {}",
                go_quote(unit),
                go_quote(orig)
            )));
        };
        let v: u64 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().map_err(|_| invalid())?
        };
        let mut part = v.checked_mul(scale).ok_or_else(invalid)?;
        if !frac_part.is_empty() {
            // Go accumulates the fraction as a float scaled by the unit.
            let mut f = 0f64;
            let mut scale_f = 1f64;
            for d in frac_part.bytes().take(18) {
                f = f * 10.0 + f64::from(d - b'0');
                scale_f *= 10.0;
            }
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let add = (f * (scale as f64 / scale_f)) as u64;
            part = part.checked_add(add).ok_or_else(invalid)?;
        }
        total = total.checked_add(part).ok_or_else(invalid)?;
        if total > i64::MAX as u64 + u64::from(neg) {
            return Err(invalid());
        }
    }
    if neg {
        Ok(0i64.wrapping_sub_unsigned(total))
    } else {
        i64::try_from(total).map_err(|_| invalid())
    }
}

/// Go's `strconv.Quote` for the short ASCII strings seen in durations.
fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Formats nanoseconds as Go's `Duration.String` does (`8760h0m0s`, `5m0s`,
/// `1.5s`, `0s`).
pub fn format(d: Nanos) -> String {
    if d == 0 {
        return "0s".into();
    }
    let neg = d < 0;
    let u = d.unsigned_abs();
    let mut out = String::new();
    if u < 1_000_000_000 {
        let (unit, div) = if u < 1_000 {
            ("ns", 1)
        } else if u < 1_000_000 {
            ("µs", 1_000)
        } else {
            ("ms", 1_000_000)
        };
        out.push_str(&frac(u, div));
        out.push_str(unit);
    } else {
        let h = u / 3_600_000_000_000;
        let m = (u / 60_000_000_000) % 60;
        let s_ns = u % 60_000_000_000;
        if h > 0 {
            out.push_str(&format!("{h}h"));
        }
        if h > 0 || m > 0 {
            out.push_str(&format!("{m}m"));
        }
        out.push_str(&frac(s_ns, 1_000_000_000));
        out.push('s');
    }
    if neg {
        out.insert(0, '-');
    }
    out
}

fn frac(v: u64, div: u64) -> String {
    let int = v / div;
    let rem = v % div;
    if rem == 0 {
        return int.to_string();
    }
    let width = div.to_string().len() - 1;
    let digits = format!("{rem:0width$}");
    format!("{int}.{}", digits.trim_end_matches('0'))
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
