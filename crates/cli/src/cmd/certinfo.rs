//! `certinfo` for certificates.

use cfssl_core::cert::Certificate;

use super::{core_err, load_config, print_line, read_input};
use crate::dispatch::{CmdError, Ctx};
use crate::flags::Flags;

/// `cfssl certinfo -cert FILE|-`.
pub(crate) fn certinfo(
    flags: &Flags,
    _args: &[String],
    ctx: &mut Ctx<'_, '_>,
) -> Result<(), CmdError> {
    load_config(flags)?;
    let cert = flags.string("cert");
    if !cert.is_empty() {
        let bytes = read_input(ctx, cert)?;
        let c = Certificate::from_pem(&bytes).map_err(core_err)?;
        return print_line(ctx, &cfssl_core::certinfo::certificate_json(&c));
    }
    if !flags.string("csr").is_empty()
        || !flags.string("domain").is_empty()
        || !flags.string("serial").is_empty()
    {
        return Err(CmdError::Plain(
            "certinfo of a CSR, a remote domain or a database serial is not supported by this build yet"
                .into(),
        ));
    }
    Err(CmdError::Plain(
        "Must specify certinfo target through -cert, -csr, -domain or -serial + -aki".into(),
    ))
}
