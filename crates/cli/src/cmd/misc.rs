//! `version` and `print-defaults`.

use super::{load_config_logged, print_raw};
use crate::dispatch::{CmdError, Ctx};
use crate::flags::Flags;

/// `cfssl version`.
pub(crate) fn version(
    flags: &Flags,
    _args: &[String],
    ctx: &mut Ctx<'_, '_>,
) -> Result<(), CmdError> {
    load_config_logged(flags, ctx)?;
    print_raw(ctx, &crate::version_text())
}

/// `cfssl print-defaults list|config|csr` (templates as printed by cfssl 1.6.5,
/// kept byte for byte in `src/defaults/`).
pub(crate) fn print_defaults(
    flags: &Flags,
    args: &[String],
    ctx: &mut Ctx<'_, '_>,
) -> Result<(), CmdError> {
    load_config_logged(flags, ctx)?;
    let Some(what) = args.first() else {
        return Err(CmdError::Plain(
            "not enough arguments are supplied --- please refer to the usage".into(),
        ));
    };
    let text = match what.as_str() {
        "config" => include_str!("../defaults/config.txt"),
        "csr" => include_str!("../defaults/csr.txt"),
        _ => "Default configurations are available for:\n\tconfig\n\tcsr\n",
    };
    print_raw(ctx, text)
}
