//! `sign` and `selfsign`.

use cfssl_core::config::Profile;
use cfssl_core::csr::CertificateRequest;
use cfssl_core::initca;
use cfssl_core::signer::{self, SignRequest, Sources, SubjectOverride, split_hosts};
use cfssl_core::wire::cert_output;

use super::{CtxLog, core_err, load_config_logged, pop_first, print_line, read_file, read_input};
use crate::dispatch::{CmdError, Ctx};
use crate::flags::Flags;

const SELFSIGN_WARNING: &str = "*** WARNING ***

Self-signed certificates are dangerous. Use this self-signed
certificate at your own risk.

It is strongly recommended that these certificates NOT be used
in production.

*** WARNING ***

";

fn too_many() -> CmdError {
    CmdError::Plain("too many arguments are provided, please check with usage".into())
}

/// `cfssl sign`.
pub(crate) fn sign(flags: &Flags, args: &[String], ctx: &mut Ctx<'_, '_>) -> Result<(), CmdError> {
    let config = load_config_logged(flags, ctx)?;
    let mut args = args;
    let mut csr_file = flags.string("csr").to_string();
    if csr_file.is_empty() {
        let (first, rest) = pop_first(args)?;
        csr_file = first.to_string();
        args = rest;
    }
    let mut subject = None;
    if !args.is_empty() {
        let (file, rest) = pop_first(args)?;
        if !rest.is_empty() {
            return Err(too_many());
        }
        let bytes = read_file(file).map_err(CmdError::Plain)?;
        // The SUBJECT JSON is cfssl's `signer.Subject`: CN, names, SerialNumber.
        let req = CertificateRequest::from_json(&bytes).map_err(core_err)?;
        subject = Some(SubjectOverride::from_request(req));
    }
    let csr = read_input(ctx, &csr_file)?;
    if flags.string("remote").is_empty() && config.is_none() {
        if flags.string("ca").is_empty() {
            ctx.error("need CA certificate (provide one with -ca)");
            return Ok(());
        }
        if flags.string("ca-key").is_empty() {
            ctx.error("need CA key (provide one with -ca-key)");
            return Ok(());
        }
    }
    let s = super::remote::signer(flags, ctx, config)?;
    // cfssl prints the CSR input back verbatim next to the certificate.
    let csr_text = String::from_utf8_lossy(&csr).into_owned();
    let mut req = SignRequest::new(csr);
    req.hosts = split_hosts(flags.string("hostname"));
    req.subject = subject;
    req.profile = flags.string("profile").to_string();
    req.label = flags.string("label").to_string();
    let cert = s.sign(&req, ctx)?;
    print_line(ctx, &cert_output(Some(&cert), Some(&csr_text), None))
}

/// `cfssl selfsign`.
pub(crate) fn selfsign(
    flags: &Flags,
    args: &[String],
    ctx: &mut Ctx<'_, '_>,
) -> Result<(), CmdError> {
    let config = load_config_logged(flags, ctx)?;
    let mut args = args;
    if flags.string("hostname").is_empty() && !flags.bool("initca") {
        // The HOSTNAME positional is required but unused, as in cfssl.
        let (_, rest) = pop_first(args)?;
        args = rest;
    }
    let (file, rest) = pop_first(args)?;
    if !rest.is_empty() {
        return Err(too_many());
    }
    let bytes = read_input(ctx, file)?;
    let req = CertificateRequest::from_json(&bytes).map_err(core_err)?;
    ctx.info("generate received request");
    let (key, csr) = initca::generate_key_and_csr(&req, &mut CtxLog(ctx)).map_err(core_err)?;
    let profile = match &config {
        Some(c) => c.profile(flags.string("profile")).clone(),
        None => Profile::selfsign_default(),
    };
    let cert = signer::selfsign(&key, &csr, &profile, &Sources::default()).map_err(core_err)?;
    let _ = ctx.io.stderr.write_all(SELFSIGN_WARNING.as_bytes());
    let cert = cfssl_core::go::pem::encode("CERTIFICATE", &cert);
    print_line(
        ctx,
        &cert_output(Some(&cert), Some(&csr.to_pem()), Some(&key.to_pem())),
    )
}
