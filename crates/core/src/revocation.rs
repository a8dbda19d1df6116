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
            crate::wire::go_string(reason)
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

#[cfg(test)]
mod tests {
    use super::reason_code;

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
            assert_eq!(reason_code(bad).unwrap_err().code(), Some(8200), "{bad}");
        }
        assert_eq!(
            reason_code("stolen").unwrap_err().to_string(),
            "strconv.Atoi: parsing \"stolen\": invalid syntax"
        );
    }
}
