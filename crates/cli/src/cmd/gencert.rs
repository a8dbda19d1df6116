//! `gencert`, `genkey` and `gencsr`.

use cfssl_core::cert::Certificate;
use cfssl_core::csr::CertificateRequest;
use cfssl_core::initca;
use cfssl_core::key::{PrivateKey, Zeroizing};
use cfssl_core::signer::{LocalSigner, SignRequest, split_hosts};
use cfssl_core::wire::cert_output;

use super::{CtxLog, core_err, load_config_logged, pop_first, print_line, read_bytes, read_input};
use crate::dispatch::{CmdError, Ctx};
use crate::flags::Flags;

/// The warning cfssl prints when a leaf has no hosts.
const NO_HOSTS_WARNING: &str =
    "This certificate lacks a \"hosts\" field. This makes it unsuitable for
websites. For more information see the Baseline Requirements for the Issuance and Management
of Publicly-Trusted Certificates, v.1.1.6, from the CA/Browser Forum (https://cabforum.org);
specifically, section 10.2.3 (\"Information Requirements\").";

fn only_one(rest: &[String]) -> Result<(), CmdError> {
    if rest.is_empty() {
        Ok(())
    } else {
        Err(CmdError::Plain(
            "only one argument is accepted, please check with usage".into(),
        ))
    }
}

fn read_request(ctx: &mut Ctx<'_, '_>, args: &[String]) -> Result<CertificateRequest, CmdError> {
    let (file, rest) = pop_first(args)?;
    only_one(rest)?;
    let bytes = read_input(ctx, file)?;
    CertificateRequest::from_json(&bytes).map_err(core_err)
}

/// Loads the local signer from `-ca`/`-ca-key` (cfssl's `SignerFromConfig`),
/// reading them as cfssl's `helpers.ReadBytes` does.
pub(crate) fn load_signer(
    flags: &Flags,
    ctx: &mut Ctx<'_, '_>,
    config: Option<cfssl_core::config::Config>,
) -> Result<LocalSigner, CmdError> {
    let env = ctx.io.env;
    let mut read = |name: &str| super::read_bytes_with(env, name);
    cfssl_core::signer::load::local_signer(
        flags.string("ca"),
        flags.string("ca-key"),
        config,
        &mut read,
        &mut CtxLog(ctx),
    )
    .map_err(core_err)
}

/// `cfssl gencert`.
pub(crate) fn gencert(
    flags: &Flags,
    args: &[String],
    ctx: &mut Ctx<'_, '_>,
) -> Result<(), CmdError> {
    let config = load_config_logged(flags, ctx)?;
    if flags.bool("renewca") {
        ctx.info("re-generate a CA certificate from CA cert and key");
        let cert = renew(flags, ctx).inspect_err(|e| ctx.error(&e.to_string()))?;
        return print_line(ctx, &cert_output(Some(&cert), None, None));
    }
    let mut req = read_request(ctx, args)?;
    let cn = flags.string("cn");
    if !cn.is_empty() {
        req.cn = cn.to_string();
    }
    if flags.bool("initca") {
        let ca_key = flags.string("ca-key");
        let out = if ca_key.is_empty() {
            ctx.info("generating a new CA key and certificate from CSR");
            initca::new(&req, Default::default(), &mut CtxLog(ctx)).map_err(core_err)?
        } else {
            ctx.info("re-generate a CA certificate from CSR and CA key");
            let key = Zeroizing::new(read_bytes(ctx, ca_key).map_err(CmdError::Plain)?);
            let key = PrivateKey::from_pem(&key).map_err(core_err)?;
            initca::new_from_key(&req, key, Default::default(), &mut CtxLog(ctx)).map_err(|e| {
                ctx.error(&e.go_text());
                core_err(e)
            })?
        };
        return print_ca(ctx, &out);
    }
    if req.ca.is_some() {
        return Err(CmdError::Plain(
            "ca section only permitted in initca".into(),
        ));
    }
    let hosts = split_hosts(flags.string("hostname"));
    if let Some(h) = &hosts {
        req.hosts.clone_from(h);
    }
    if flags.string("remote").is_empty() && config.is_none() {
        if flags.string("ca").is_empty() {
            ctx.error("need a CA certificate (provide one with -ca)");
            return Ok(());
        }
        if flags.string("ca-key").is_empty() {
            ctx.error("need a CA key (provide one with -ca-key)");
            return Ok(());
        }
    }
    ctx.info("generate received request");
    let (key, csr) = initca::generate_key_and_csr(&req, &mut CtxLog(ctx)).map_err(core_err)?;
    let signer = super::remote::signer(flags, ctx, config)?;
    let mut sreq = SignRequest::from_csr(csr.clone());
    sreq.hosts.clone_from(&hosts);
    sreq.profile = flags.string("profile").to_string();
    sreq.label = flags.string("label").to_string();
    sreq.crl_override = flags.string("crl").to_string();
    let cert = signer.sign(&sreq, ctx)?;
    if hosts.as_ref().is_none_or(Vec::is_empty) && req.hosts.is_empty() {
        ctx.warning(NO_HOSTS_WARNING);
    }
    print_line(
        ctx,
        &cert_output(Some(&cert), Some(&csr.to_pem()), Some(&key.to_pem())),
    )
}

fn renew(flags: &Flags, ctx: &mut Ctx<'_, '_>) -> Result<String, CmdError> {
    let ca = read_bytes(ctx, flags.string("ca")).map_err(CmdError::Plain)?;
    let ca = Certificate::from_pem(&ca).map_err(core_err)?;
    let key = Zeroizing::new(read_bytes(ctx, flags.string("ca-key")).map_err(CmdError::Plain)?);
    let key = PrivateKey::from_pem(&key).map_err(core_err)?;
    initca::renew(&ca, key, Default::default(), &mut CtxLog(ctx))
        .map(|cert| cert.to_pem())
        .map_err(core_err)
}

/// initca's output as cfssl prints it.
fn print_ca(ctx: &mut Ctx<'_, '_>, out: &initca::CaOutput) -> Result<(), CmdError> {
    let key = out.key.as_ref().map(PrivateKey::to_pem);
    print_line(
        ctx,
        &cert_output(
            Some(&out.cert.to_pem()),
            Some(&out.csr.to_pem()),
            key.as_deref(),
        ),
    )
}

/// `cfssl genkey`.
pub(crate) fn genkey(
    flags: &Flags,
    args: &[String],
    ctx: &mut Ctx<'_, '_>,
) -> Result<(), CmdError> {
    load_config_logged(flags, ctx)?;
    let req = read_request(ctx, args)?;
    if flags.bool("initca") {
        let out = initca::new(&req, Default::default(), &mut CtxLog(ctx)).map_err(core_err)?;
        return print_ca(ctx, &out);
    }
    if req.ca.is_some() {
        return Err(CmdError::Plain(
            "ca section only permitted in initca".into(),
        ));
    }
    ctx.info("generate received request");
    let (key, csr) = initca::generate_key_and_csr(&req, &mut CtxLog(ctx)).map_err(core_err)?;
    print_line(
        ctx,
        &cert_output(None, Some(&csr.to_pem()), Some(&key.to_pem())),
    )
}

/// `cfssl gencsr`.
pub(crate) fn gencsr(
    flags: &Flags,
    args: &[String],
    ctx: &mut Ctx<'_, '_>,
) -> Result<(), CmdError> {
    load_config_logged(flags, ctx)?;
    let key_file = flags.string("key");
    if key_file.is_empty() {
        return Err(CmdError::Plain(
            "private key file is required through '-key', please check with usage".into(),
        ));
    }
    let key_bytes = Zeroizing::new(read_bytes(ctx, key_file).map_err(CmdError::Plain)?);
    let key = PrivateKey::from_pem(&key_bytes).map_err(core_err)?;
    let mut req = if flags.string("cert").is_empty() {
        read_request(ctx, args)?
    } else {
        if !args.is_empty() {
            return Err(CmdError::Plain(
                "no argument is accepted with '-cert', please check with usage".into(),
            ));
        }
        let cert = read_bytes(ctx, flags.string("cert")).map_err(CmdError::Plain)?;
        initca::request_from_certificate(&Certificate::from_pem(&cert).map_err(core_err)?)
    };
    if let Some(h) = split_hosts(flags.string("hostname")) {
        req.hosts = h;
    }
    let csr = req.generate_pem(&key).map_err(core_err)?;
    ctx.info("encoded CSR");
    let key_text = String::from_utf8_lossy(&key_bytes);
    print_line(ctx, &cert_output(None, Some(&csr), Some(&key_text)))
}
