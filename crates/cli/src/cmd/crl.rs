//! `gencrl`: a CRL from a list of serial numbers, signed with a CA's key
//! (mirrors cfssl's `cli/gencrl` and `crl.NewCRLFromFile`; the list itself
//! is `cfssl_core::crl`).

use cfssl_core::cert::Certificate;
use cfssl_core::key::{PrivateKey, Zeroizing};

use super::{core_err, load_config_logged, pop_first, print_line, read_input};
use crate::dispatch::{CmdError, Ctx};
use crate::flags::Flags;

/// `cfssl gencrl SERIALS CERT KEY [SECONDS]`: prints the CRL as one line
/// of base64 DER, as cfssl does. Each non-blank line of SERIALS must be a
/// decimal serial number (cfssl lists any other line as serial 0); SECONDS
/// is the lifetime, Go's `ParseInt(s, 0, 32)`, 0 or absent for one week.
pub(crate) fn gencrl(
    flags: &Flags,
    args: &[String],
    ctx: &mut Ctx<'_, '_>,
) -> Result<(), CmdError> {
    load_config_logged(flags, ctx)?;
    let (serials_file, rest) = pop_first(args)?;
    let serials = read_input(ctx, serials_file)?;
    let (cert_file, rest) = pop_first(rest)?;
    let cert = read_input(ctx, cert_file)?;
    let (key_file, rest) = pop_first(rest)?;
    let key = Zeroizing::new(read_input(ctx, key_file)?);
    let seconds = rest.first().map_or("0", |s| s.trim());
    let seconds = go_parse_int32(seconds).map_err(CmdError::Plain)?;
    let now = chrono::Utc::now();
    let next = if seconds == 0 {
        now + chrono::Duration::weeks(1)
    } else {
        now + chrono::Duration::seconds(seconds)
    };
    let issuer = Certificate::from_pem(&cert).map_err(core_err)?;
    let entries = serial_list(&serials, now).map_err(CmdError::Plain)?;
    let key = PrivateKey::from_pem(&key).map_err(core_err)?;
    let der = cfssl_core::crl::create(
        &issuer,
        &key,
        &entries,
        now,
        next,
        &cfssl_core::crl::number_for(now),
    )
    .map_err(core_err)?;
    print_line(ctx, &cfssl_core::gobase64::encode(&der))
}

/// `cfssl crl -db-config F -ca CA -ca-key KEY [-expiry D]`: a CRL of the
/// revoked, unexpired certificates of the database that this CA issued
/// (their AKI is the CA's SKI; cfssl lists every issuer's), each with its
/// reason code when it has one, valid for `-expiry` (a week by default).
/// A missing flag is an error (cfssl logs it, prints an empty line and
/// exits 0).
pub(crate) fn crl(flags: &Flags, args: &[String], ctx: &mut Ctx<'_, '_>) -> Result<(), CmdError> {
    load_config_logged(flags, ctx)?;
    if !args.is_empty() {
        return Err(CmdError::Plain(
            "argument is provided but not defined; please refer to the usage by flag -h".into(),
        ));
    }
    for (flag, what) in [
        ("ca", "need CA certificate (provide one with -ca)"),
        ("ca-key", "need CA key (provide one with -ca-key)"),
        (
            "db-config",
            "no Database specified! (provide one with -db-config)",
        ),
    ] {
        if flags.string(flag).is_empty() {
            return Err(CmdError::Plain(what.into()));
        }
    }
    let db = super::remote::open_db(flags, ctx)?.ok_or_else(|| {
        CmdError::Plain("no Database specified! (provide one with -db-config)".into())
    })?;
    let cert = super::read_bytes(ctx, flags.string("ca")).map_err(CmdError::Plain)?;
    let key = Zeroizing::new(super::read_bytes(ctx, flags.string("ca-key")).map_err(|e| {
        CmdError::Cfssl {
            code: 1001,
            message: e,
        }
    })?);
    let issuer = Certificate::from_pem(&cert).map_err(core_err)?;
    let key = PrivateKey::from_pem(&key).map_err(core_err)?;
    let rows = db.revoked_entries().map_err(core_err)?;
    let ski: String = issuer
        .subject_key_id()
        .unwrap_or_default()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let (mine, others): (Vec<_>, Vec<_>) = rows
        .into_iter()
        .partition(|r| !ski.is_empty() && r.aki.eq_ignore_ascii_case(&ski));
    if !others.is_empty() {
        ctx.info(&format!(
            "left out {} revoked certificate(s) of other issuers (AKI not {})",
            others.len(),
            if ski.is_empty() {
                "known: the CA has no SKI"
            } else {
                &ski
            }
        ));
    }
    let mut entries = Vec::with_capacity(mine.len());
    for r in &mine {
        let Some(serial) = decimal_serial(&r.serial) else {
            return Err(CmdError::Plain(format!(
                "the database holds a serial number that is not decimal: {}",
                cfssl_core::wire::go_string(&r.serial)
            )));
        };
        let entry = cfssl_core::crl::Entry::new(serial, r.revoked_at);
        entries.push(match u8::try_from(r.reason) {
            Ok(reason) if reason != 0 => entry.with_reason(reason),
            _ => entry,
        });
    }
    let now = chrono::Utc::now();
    let lifetime = chrono::Duration::nanoseconds(flags.duration("expiry").as_nanos());
    let der = cfssl_core::crl::create(
        &issuer,
        &key,
        &entries,
        now,
        now + lifetime,
        &cfssl_core::crl::number_for(now),
    )
    .map_err(core_err)?;
    print_line(ctx, &cfssl_core::gobase64::encode(&der))
}

/// The entries of a serial list: one decimal serial a line, blank lines
/// skipped, every one revoked `now`.
fn serial_list(
    text: &[u8],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<cfssl_core::crl::Entry>, String> {
    let text = String::from_utf8_lossy(text);
    let mut out = Vec::new();
    for (n, line) in text.split('\n').enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let Some(serial) = decimal_serial(line) else {
            return Err(format!(
                "line {} of the serial list is not a decimal serial number: {}",
                n + 1,
                cfssl_core::wire::go_string(line)
            ));
        };
        out.push(cfssl_core::crl::Entry::new(serial, now));
    }
    Ok(out)
}

/// A serial number in decimal (an optional `+`, then digits only) as
/// big-endian bytes.
fn decimal_serial(s: &str) -> Option<Vec<u8>> {
    let digits = s.strip_prefix('+').unwrap_or(s);
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| decimal_bytes(digits))
}

/// Big-endian bytes of a decimal number.
fn decimal_bytes(digits: &str) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::new();
    for d in digits.bytes() {
        let mut carry = u32::from(d - b'0');
        for byte in out.iter_mut().rev() {
            let v = u32::from(*byte) * 10 + carry;
            *byte = (v & 0xff) as u8;
            carry = v >> 8;
        }
        while carry > 0 {
            out.insert(0, (carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    out
}

/// Go's `strconv.ParseInt(s, 0, 32)`: an optional sign, then `0x`, `0o`,
/// `0b` or a leading `0` (octal) for the base, underscores between digits
/// only after such a prefix; Go's error texts.
fn go_parse_int32(s: &str) -> Result<i64, String> {
    let syntax = || {
        format!(
            "strconv.ParseInt: parsing {}: invalid syntax",
            cfssl_core::wire::go_string(s)
        )
    };
    let (negative, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits, prefixed) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d.to_string(), true)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d.to_string(), true)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d.to_string(), true)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].to_string(), true)
    } else {
        (10, lower, false)
    };
    // Go's underscoreOK: only after a base prefix, between digits.
    if digits.contains('_') && (!prefixed || digits.ends_with('_') || digits.contains("__")) {
        return Err(syntax());
    }
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    if clean.is_empty() {
        return Err(syntax());
    }
    let magnitude = u64::from_str_radix(&clean, radix).map_err(|e| match e.kind() {
        std::num::IntErrorKind::PosOverflow => format!(
            "strconv.ParseInt: parsing {}: value out of range",
            cfssl_core::wire::go_string(s)
        ),
        _ => syntax(),
    })?;
    let value = if negative {
        -i128::from(magnitude)
    } else {
        i128::from(magnitude)
    };
    if value < i128::from(i32::MIN) || value > i128::from(i32::MAX) {
        return Err(format!(
            "strconv.ParseInt: parsing {}: value out of range",
            cfssl_core::wire::go_string(s)
        ));
    }
    // Within i32, so within i64.
    Ok(value as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_base_zero_integers() {
        assert_eq!(go_parse_int32("86400"), Ok(86400));
        assert_eq!(go_parse_int32("0x10"), Ok(16));
        assert_eq!(go_parse_int32("010"), Ok(8));
        assert_eq!(go_parse_int32("-0b11"), Ok(-3));
        assert_eq!(go_parse_int32("0x_1_0"), Ok(16));
        assert_eq!(go_parse_int32("0"), Ok(0));
        assert_eq!(
            go_parse_int32("abc"),
            Err("strconv.ParseInt: parsing \"abc\": invalid syntax".into())
        );
        assert_eq!(
            go_parse_int32("1_000"),
            Err("strconv.ParseInt: parsing \"1_000\": invalid syntax".into())
        );
        assert_eq!(
            go_parse_int32("2147483648"),
            Err("strconv.ParseInt: parsing \"2147483648\": value out of range".into())
        );
        assert_eq!(go_parse_int32("-2147483648"), Ok(-2_147_483_648));
    }

    #[test]
    fn serials_in_decimal() {
        assert_eq!(decimal_bytes("12345"), [0x30, 0x39]);
        assert_eq!(
            decimal_bytes("98765432109876543210"),
            [0x05, 0x5a, 0xa5, 0x4d, 0x38, 0xe5, 0x26, 0x7e, 0xea]
        );
        assert_eq!(decimal_bytes("0"), Vec::<u8>::new());
        let now = chrono::Utc::now();
        assert_eq!(serial_list(b"1\n\n  \n2\n", now).map(|v| v.len()), Ok(2));
        assert_eq!(
            serial_list(b"1\n0x1f\n", now).unwrap_err(),
            "line 2 of the serial list is not a decimal serial number: \"0x1f\""
        );
        assert!(serial_list(b"12\r\n", now).is_err());
    }
}
