//! `gencrl`: a CRL from a list of serial numbers, signed with a CA's key
//! (mirrors cfssl's `cli/gencrl` and `crl.NewCRLFromFile`; the list itself
//! is `cfssl_core::crl`).

use cfssl_core::cert::Certificate;
use cfssl_core::key::{PrivateKey, Zeroizing};

use super::{core_err, load_config_logged, pop_first, print_line, read_input};
use crate::dispatch::{CmdError, Ctx};
use crate::flags::Flags;

/// `cfssl gencrl [-pem] SERIALS CERT KEY [SECONDS]`: prints the CRL as one
/// line of base64 DER, as cfssl does (as PEM with `-pem`). Each non-blank line of SERIALS must be a
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
    let seconds = cfssl_core::crl::go_parse_int32(seconds).map_err(CmdError::Plain)?;
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
    print_crl(flags, ctx, &der)
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
    let (entries, others) = cfssl_certdb::crl_entries(&rows, &issuer).map_err(CmdError::Plain)?;
    if others > 0 {
        let ski = issuer.subject_key_id_hex();
        ctx.info(&format!(
            "left out {others} revoked certificate(s) of other issuers (AKI not {})",
            if ski.is_empty() {
                "known: the CA has no SKI"
            } else {
                &ski
            }
        ));
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
    print_crl(flags, ctx, &der)
}

/// Prints a CRL as cfssl does (one line of base64 DER), or with `-pem` as
/// PEM (`X509 CRL`), which `openssl crl` and web servers read as it is.
fn print_crl(flags: &Flags, ctx: &mut Ctx<'_, '_>, der: &[u8]) -> Result<(), CmdError> {
    if flags.bool("pem") {
        super::print_raw(ctx, &cfssl_core::go::pem::encode("X509 CRL", der))
    } else {
        print_line(ctx, &cfssl_core::go::base64::encode(der))
    }
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
        let Some(serial) = cfssl_core::crl::decimal_serial(line) else {
            return Err(format!(
                "line {} of the serial list is not a decimal serial number: {}",
                n + 1,
                cfssl_core::go::json::go_string(line)
            ));
        };
        out.push(cfssl_core::crl::Entry::new(serial, now));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_lists() {
        let now = chrono::Utc::now();
        assert_eq!(serial_list(b"1\n\n  \n2\n", now).map(|v| v.len()), Ok(2));
        assert_eq!(
            serial_list(b"1\n0x1f\n", now).unwrap_err(),
            "line 2 of the serial list is not a decimal serial number: \"0x1f\""
        );
        assert!(serial_list(b"12\r\n", now).is_err());
    }
}
