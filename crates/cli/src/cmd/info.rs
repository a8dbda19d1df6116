//! `info`: the CA certificate and a profile's usages and expiry, from a
//! remote cfssl (`-remote`) or from the signer of `-config`.

use cfssl_core::api::InfoRequest;

use super::{load_config_logged, print_raw};
use crate::dispatch::{CmdError, Ctx};
use crate::flags::Flags;

/// `cfssl info -remote R [-label L] [-profile P]`, or `cfssl info -config F
/// [-ca C -ca-key K] [-profile P]`. The JSON is printed without a final
/// newline, as cfssl does.
pub(crate) fn info(flags: &Flags, args: &[String], ctx: &mut Ctx<'_, '_>) -> Result<(), CmdError> {
    let config = load_config_logged(flags, ctx)?;
    if !args.is_empty() {
        return Err(CmdError::Plain(
            "argument is provided but not defined; please refer to the usage by flag -h.".into(),
        ));
    }
    let req = InfoRequest::new(flags.string("label"), flags.string("profile"));
    let info = if !flags.string("remote").is_empty() {
        super::remote::remote_info(flags, ctx, &req)?
    } else if let Some(config) = config {
        super::remote::signer(flags, ctx, Some(config))?.info(&req, ctx)?
    } else {
        return Err(CmdError::Plain(
            "Either -remote or -config must be given. Refer to cfssl info -h for usage.".into(),
        ));
    };
    print_raw(ctx, &info.to_json())
}
