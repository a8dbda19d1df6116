//! `info` with a local signer.

use super::gencert::load_signer;
use super::{load_config, print_raw};
use crate::dispatch::{CmdError, Ctx};
use crate::flags::Flags;
use cfssl_core::wire::go_string;

/// `cfssl info -config F -ca C -ca-key K [-profile P]`.
pub(crate) fn info(flags: &Flags, args: &[String], ctx: &mut Ctx<'_, '_>) -> Result<(), CmdError> {
    let config = load_config(flags)?;
    if !args.is_empty() {
        return Err(CmdError::Plain(
            "argument is provided but not defined; please refer to the usage by flag -h.".into(),
        ));
    }
    if !flags.string("remote").is_empty() {
        return Err(CmdError::Cfssl {
            code: 5300,
            message: "remote info (-remote) is not supported by this build".into(),
        });
    }
    let Some(config) = config else {
        return Err(CmdError::Plain(
            "Either -remote or -config must be given. Refer to cfssl info -h for usage.".into(),
        ));
    };
    let profile = config.profile(flags.string("profile")).clone();
    let signer = load_signer(flags, ctx, Some(config))?;
    let pem = signer
        .certificate()
        .map(cfssl_core::cert::Certificate::to_pem)
        .unwrap_or_default();
    let usages: Vec<String> = profile.usages.iter().map(|u| go_string(u)).collect();
    let out = format!(
        "{{\"certificate\":{},\"usages\":[{}],\"expiry\":{}}}",
        go_string(pem.trim_end_matches('\n')),
        usages.join(","),
        go_string(profile.expiry_string())
    );
    print_raw(ctx, &out)
}
