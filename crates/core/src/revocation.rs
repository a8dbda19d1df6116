//! Revocation reasons (RFC 5280 §5.3.1 `CRLReason`), read as cfssl reads
//! `-reason` and the `reason` of `/revoke` (cfssl's
//! `ocsp.ReasonStringToCode`), with one fix: cfssl accepts numbers only in
//! 1..=9, so its own default `-reason 0` fails every `revoke` and
//! `ocspsign -status revoked` that does not name a reason; here `0`
//! (unspecified) and `10` (aACompromise) are accepted too.
//!
//! ```
//! use cfssl_core::revocation::reason_code;
//! assert_eq!(reason_code("KeyCompromise"), Ok(1));
//! assert_eq!(reason_code(""), Ok(0));
//! assert_eq!(reason_code("0"), Ok(0));
//! assert_eq!(reason_code("11").unwrap_err().to_string(), "Invalid revocation status");
//! ```

use crate::error::{Code, Error, Result};

/// The reason names cfssl knows (lower case) and their codes; 7 is unused
/// in RFC 5280.
pub const REASONS: [(&str, i64); 10] = [
    ("unspecified", 0),
    ("keycompromise", 1),
    ("cacompromise", 2),
    ("affiliationchanged", 3),
    ("superseded", 4),
    ("cessationofoperation", 5),
    ("certificatehold", 6),
    ("removefromcrl", 8),
    ("privilegewithdrawn", 9),
    ("aacompromise", 10),
];

/// A reason name (any case) or number as a `CRLReason` code; `""` is 0.
///
/// # Errors
/// 8200 `Invalid revocation status` for a number outside 0..=10 (or 7,
/// which RFC 5280 leaves unused); Go's `strconv.Atoi` text for anything
/// that is neither a name nor a number, as cfssl says.
pub fn reason_code(reason: &str) -> Result<i64> {
    if reason.is_empty() {
        return Ok(0);
    }
    let lower = reason.to_ascii_lowercase();
    if let Some((_, code)) = REASONS.iter().find(|(n, _)| *n == lower) {
        return Ok(*code);
    }
    let digits = reason.strip_prefix(['+', '-']).unwrap_or(reason);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::Invalid(format!(
            "strconv.Atoi: parsing {}: invalid syntax",
            crate::go::json::go_string(reason)
        )));
    }
    match reason.parse::<i64>() {
        Ok(n) if (0..=10).contains(&n) && n != 7 => Ok(n),
        _ => Err(Error::coded(
            Code::OcspInvalidStatus,
            "Invalid revocation status",
        )),
    }
}

/// A revocation date as cfssl's `-revoked-at` takes it: `now`, or
/// `YYYY-MM-DD` (midnight UTC), read as Go's `time.Parse("2006-01-02", s)`.
///
/// ```
/// use cfssl_core::revocation::revoked_at;
/// let now = chrono::Utc::now();
/// assert_eq!(revoked_at("2026-11-01", now).unwrap().to_rfc3339(), "2026-11-01T00:00:00+00:00");
/// assert_eq!(revoked_at("now", now), Ok(now));
/// assert_eq!(revoked_at("2026-13-01", now).unwrap_err(), r#"parsing time "2026-13-01": month out of range"#);
/// ```
///
/// # Errors
/// Go's parse error text.
pub fn revoked_at(
    s: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> std::result::Result<chrono::DateTime<chrono::Utc>, String> {
    if s == "now" {
        return Ok(now);
    }
    let quoted = crate::go::json::go_string;
    let cannot = |rest: &str, elem: &str| {
        format!(
            "parsing time {} as \"2006-01-02\": cannot parse {} as {}",
            quoted(s),
            quoted(rest),
            quoted(elem)
        )
    };
    let digits =
        |v: &str, n: usize| v.len() >= n && v.as_bytes()[..n].iter().all(u8::is_ascii_digit);
    let mut rest = s;
    // "2006": four characters, Go's atoi (a sign allowed).
    let year: i32 = match rest.get(..4).and_then(|y| {
        let d = y.strip_prefix(['+', '-']).unwrap_or(y);
        (!d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
            .then(|| y.parse().ok())
            .flatten()
    }) {
        Some(y) => y,
        None => return Err(cannot(rest, "2006")),
    };
    rest = &rest[4..];
    let mut fields = [0u32; 2];
    for (i, elem) in ["01", "02"].into_iter().enumerate() {
        rest = rest.strip_prefix('-').ok_or_else(|| cannot(rest, "-"))?;
        if !digits(rest, 2) {
            return Err(cannot(rest, elem));
        }
        fields[i] = rest[..2].parse().unwrap_or(0);
        rest = &rest[2..];
        if i == 0 && !(1..=12).contains(&fields[0]) {
            return Err(format!("parsing time {}: month out of range", quoted(s)));
        }
    }
    if !rest.is_empty() {
        return Err(format!(
            "parsing time {}: extra text: {}",
            quoted(s),
            quoted(rest)
        ));
    }
    chrono::NaiveDate::from_ymd_opt(year, fields[0], fields[1])
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| format!("parsing time {}: day out of range", quoted(s)))
}

#[cfg(test)]
mod tests {
    use super::{reason_code, revoked_at};

    #[test]
    fn names_and_numbers() {
        for (name, code) in super::REASONS {
            assert_eq!(reason_code(name), Ok(code));
            assert_eq!(reason_code(&name.to_ascii_uppercase()), Ok(code));
            if code != 7 {
                assert_eq!(reason_code(&code.to_string()), Ok(code));
            }
        }
        for bad in ["7", "11", "-1", "99999999999999999999"] {
            assert_eq!(
                reason_code(bad).unwrap_err().code(),
                Some(crate::Code::OcspInvalidStatus),
                "{bad}"
            );
        }
        assert_eq!(
            reason_code("stolen").unwrap_err().to_string(),
            "strconv.Atoi: parsing \"stolen\": invalid syntax"
        );
    }

    #[test]
    fn dates_as_go_parses_them() {
        let now = chrono::Utc::now();
        for (input, want) in [
            (
                "2026/11/01",
                r#"parsing time "2026/11/01" as "2006-01-02": cannot parse "/11/01" as "-""#,
            ),
            (
                "26-11-01",
                r#"parsing time "26-11-01" as "2006-01-02": cannot parse "26-11-01" as "2006""#,
            ),
            (
                "2026-1-01",
                r#"parsing time "2026-1-01" as "2006-01-02": cannot parse "1-01" as "01""#,
            ),
            (
                "2026-02-30",
                r#"parsing time "2026-02-30": day out of range"#,
            ),
            (
                "2026-11-00",
                r#"parsing time "2026-11-00": day out of range"#,
            ),
            (
                "2026-11-01T00",
                r#"parsing time "2026-11-01T00": extra text: "T00""#,
            ),
            (
                "2026-11-32x",
                r#"parsing time "2026-11-32x": extra text: "x""#,
            ),
            (
                "",
                r#"parsing time "" as "2006-01-02": cannot parse "" as "2006""#,
            ),
        ] {
            assert_eq!(revoked_at(input, now).unwrap_err(), want, "{input}");
        }
        assert_eq!(
            revoked_at("2024-02-29", now).unwrap().to_rfc3339(),
            "2024-02-29T00:00:00+00:00"
        );
    }
}
