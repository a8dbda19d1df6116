//! `revoke`: marks a certificate of the certificate database revoked
//! (mirrors cfssl's `cli/revoke`).

use super::{core_err, load_config_logged};
use crate::dispatch::{CmdError, Ctx};
use crate::flags::Flags;

/// `cfssl revoke -db-config F -serial N -aki HEX [-reason R]`. Prints
/// nothing on success, as cfssl.
pub(crate) fn revoke(
    flags: &Flags,
    args: &[String],
    ctx: &mut Ctx<'_, '_>,
) -> Result<(), CmdError> {
    load_config_logged(flags, ctx)?;
    if !args.is_empty() {
        return Err(CmdError::Plain(
            "argument is provided but not defined; please refer to the usage by flag -h".into(),
        ));
    }
    let (serial, aki) = (flags.string("serial"), flags.string("aki"));
    if serial.is_empty() {
        return Err(CmdError::Plain(
            "serial number is required but not provided".into(),
        ));
    }
    if aki.is_empty() {
        return Err(CmdError::Plain(
            "authority key id is required but not provided".into(),
        ));
    }
    let db = super::remote::open_db(flags, ctx)?
        .ok_or_else(|| CmdError::Plain("need DB config file (provide with -db-config)".into()))?;
    let reason = cfssl_core::revocation::reason_code(flags.string("reason")).map_err(|e| {
        // cfssl logs a coded error in its JSON form.
        ctx.error(&format!("Invalid reason code: {}", e.go_text()));
        core_err(e)
    })?;
    // As cfssl: the serial and the AKI must be exactly as stored (decimal,
    // lowercase hex without colons).
    db.revoke_certificate(serial, aki, reason).map_err(core_err)
}
