//! Choosing the signer of `sign`, `gencert` and `info` as cfssl's
//! `sign.SignerFromConfig` does: `-remote` points every profile at a remote
//! cfssl, a config's `remote`/`auth_remote` profiles sign remotely, the rest
//! locally with `-ca`/`-ca-key`; `-tls-remote-ca` and
//! `-mutual-tls-client-cert`/`-key` set up TLS to the remote.

use std::sync::{Arc, Mutex};

use cfssl_core::api::{Info, InfoRequest};
use cfssl_core::auth::{KeySource, Providers};
use cfssl_core::config::Config;
use cfssl_core::log::{Level, Log, SharedLog};
use cfssl_core::signer::{IssuedCertificate, LocalSigner, SignRequest, Signer};
use cfssl_server::remote::{self, RemoteSigner, TlsTrust};

use super::gencert::load_signer;
use super::{CtxLog, core_err, read_file, shown_name};
use crate::dispatch::{CmdError, Ctx};
use crate::flags::Flags;

/// Log lines written while a remote call runs, then handed to the command's
/// logger in order.
#[derive(Default)]
pub(crate) struct Collected(Mutex<Vec<(Level, String)>>);

impl SharedLog for Collected {
    fn log(&self, level: Level, msg: &str) {
        if let Ok(mut lines) = self.0.lock() {
            lines.push((level, msg.to_string()));
        }
    }
}

impl Collected {
    fn drain_into(&self, ctx: &mut Ctx<'_, '_>) {
        let lines = self
            .0
            .lock()
            .map(|mut l| std::mem::take(&mut *l))
            .unwrap_or_default();
        for (level, msg) in lines {
            CtxLog(ctx).log(level, &msg);
        }
    }
}

/// The signer a command signs with.
pub(crate) enum AnySigner {
    /// `-ca`/`-ca-key` only, recording into the `-db-config` database when
    /// there is one.
    Local(LocalSigner, Option<Box<dyn cfssl_certdb::Accessor>>),
    /// Some or all profiles remote.
    Remote(RemoteSigner, Arc<Collected>),
}

impl AnySigner {
    /// Signs `req`; the certificate PEM (a remote's exactly as it sent it).
    pub(crate) fn sign(
        &self,
        req: &SignRequest,
        ctx: &mut Ctx<'_, '_>,
    ) -> Result<String, CmdError> {
        match self {
            Self::Local(s, db) => {
                let der = s.sign(req, &mut CtxLog(ctx)).map_err(core_err)?;
                if let Some(db) = db {
                    // Handed out only once recorded, as cfssl does.
                    let issued = IssuedCertificate::from_der(&der).map_err(core_err)?;
                    let row = cfssl_certdb::CertificateRecord::issued(
                        &issued,
                        &req.label,
                        chrono::Utc::now(),
                    );
                    db.insert_certificate(&row).map_err(core_err)?;
                }
                Ok(cfssl_core::go::pem::encode("CERTIFICATE", &der))
            }
            Self::Remote(s, log) => {
                let out = remote::block_on(s.sign_pem(req)).and_then(|r| r);
                log.drain_into(ctx);
                out.map_err(core_err)
            }
        }
    }

    /// The info of `req.profile`.
    pub(crate) fn info(&self, req: &InfoRequest, ctx: &mut Ctx<'_, '_>) -> Result<Info, CmdError> {
        match self {
            Self::Local(s, _) => s.info(req).map_err(core_err),
            Self::Remote(s, log) => {
                let out = s.info(req);
                log.drain_into(ctx);
                out.map_err(core_err)
            }
        }
    }
}

/// Reads `-tls-remote-ca` and the mutual TLS client pair, logging as cfssl.
fn trust(flags: &Flags, ctx: &mut Ctx<'_, '_>, log_use: bool) -> Result<TlsTrust, CmdError> {
    let mut trust = TlsTrust::default();
    let (cert, key) = (
        flags.string("mutual-tls-client-cert"),
        flags.string("mutual-tls-client-key"),
    );
    if !cert.is_empty() && !key.is_empty() {
        let pair = read_file(cert).and_then(|c| read_file(key).map(|k| (c, k)));
        let checked = pair.and_then(|(c, k)| remote::check_client_pem(&c, &k).map(|()| (c, k)));
        match checked {
            Ok(pair) => trust.client_pem = Some(pair),
            Err(e) => {
                ctx.log_at(
                    Level::Critical,
                    &format!(
                        "Unable to read client certificate from file: {} or key from file: {}",
                        shown_name(cert),
                        shown_name(key)
                    ),
                );
                if log_use {
                    ctx.info(&format!(
                        "Invalid mutual-tls-cert: {} or mutual-tls-key: {}, defaulting to no client auth",
                        shown_name(cert),
                        shown_name(key)
                    ));
                }
                return Err(CmdError::Plain(e));
            }
        }
        ctx.debug("Client certificate loaded ");
        if log_use {
            ctx.info(&format!(
                "Using client auth with mutual-tls-cert: {} and mutual-tls-key: {}",
                shown_name(cert),
                shown_name(key)
            ));
        }
    }
    let ca = flags.string("tls-remote-ca");
    if !ca.is_empty() {
        let pem = read_file(ca).map_err(|e| {
            if log_use {
                ctx.info(&format!(
                    "Invalid tls-remote-ca: {}, defaulting to system trust store",
                    shown_name(ca)
                ));
            }
            CmdError::Plain(e)
        })?;
        if let Err(e) = remote::check_roots_pem(&pem) {
            if log_use {
                ctx.info(&format!(
                    "Invalid tls-remote-ca: {}, defaulting to system trust store",
                    shown_name(ca)
                ));
            }
            return Err(CmdError::Plain(e));
        }
        if log_use {
            ctx.info(&format!(
                "Using trusted CA from tls-remote-ca: {}",
                shown_name(ca)
            ));
        }
        trust.roots_pem = Some(pem);
    }
    Ok(trust)
}

/// The `auth_keys` of `config` with `env:` and `file:` keys read.
pub(crate) fn providers(config: &Config, ctx: &Ctx<'_, '_>) -> Result<Providers, CmdError> {
    Providers::from_config(config, |src| match src {
        KeySource::Env(name) => Ok((ctx.io.env)(name).unwrap_or_default()),
        KeySource::File(path) => read_file(path).map(|b| String::from_utf8_lossy(&b).into_owned()),
    })
    .map_err(|e| {
        CmdError::ConfigLoad(cfssl_core::wire::error_json(
            e.code()
                .unwrap_or(cfssl_core::Code::PolicyInvalidPolicy)
                .number(),
            e.message(),
        ))
    })
}

/// The signer for `sign`, `gencert` and `info -config` (cfssl's
/// `SignerFromConfig`); remote calls log once they are done.
pub(crate) fn signer(
    flags: &Flags,
    ctx: &mut Ctx<'_, '_>,
    config: Option<Config>,
) -> Result<AnySigner, CmdError> {
    let log = Arc::new(Collected::default());
    let db = open_db(flags, ctx)?;
    Ok(match build(flags, ctx, config, log.clone())? {
        Built::Local(s) => AnySigner::Local(s, db),
        Built::Remote(s) => AnySigner::Remote(s, log),
    })
}

/// The certificate database of `-db-config`, if given (cfssl opens it
/// before it builds the signer). A new SQLite file gets the schema.
pub(crate) fn open_db(
    flags: &Flags,
    ctx: &mut Ctx<'_, '_>,
) -> Result<Option<Box<dyn cfssl_certdb::Accessor>>, CmdError> {
    let path = flags.string("db-config");
    if path.is_empty() {
        return Ok(None);
    }
    let bytes = read_file(path).map_err(|_| CmdError::Cfssl {
        code: 5200,
        message: "could not read configuration file".into(),
    })?;
    let cfg = cfssl_certdb::DbConfig::from_json(&bytes).map_err(core_err)?;
    cfssl_certdb::open(&cfg, &mut CtxLog(ctx))
        .map(Some)
        .map_err(core_err)
}

/// A signer as cfssl's `SignerFromConfig` builds it.
pub(crate) enum Built {
    /// Every profile signs locally.
    Local(LocalSigner),
    /// Some or all profiles sign remotely (the others locally).
    Remote(RemoteSigner),
}

/// Builds the signer of `-remote`, `-config`, `-ca` and `-ca-key`, the
/// remote client logging to `log`: `-remote` points every profile there;
/// a policy with remote and local profiles gets both signers, cfssl's
/// universal signer.
pub(crate) fn build(
    flags: &Flags,
    ctx: &mut Ctx<'_, '_>,
    config: Option<Config>,
    log: Arc<dyn SharedLog>,
) -> Result<Built, CmdError> {
    let mut policy = config.unwrap_or_else(Config::cfssl_default);
    let address = flags.string("remote");
    policy.override_remotes(address);
    let trust = trust(flags, ctx, true)?;
    if !policy.needs_remote_signer() {
        return load_signer(flags, ctx, Some(policy)).map(Built::Local);
    }
    let auth = providers(&policy, ctx)?;
    // cfssl checks the policy (and logs it at DEBUG) as it builds each
    // signer: the universal one, the local one (twice, in load_signer),
    // then the remote one.
    let local = if address.is_empty() && policy.needs_local_signer() {
        Some(load_signer(flags, ctx, Some(policy.clone()))?.with_log(log.clone()))
    } else {
        policy.log_validation(&mut CtxLog(ctx));
        None
    };
    policy.log_validation(&mut CtxLog(ctx));
    let mut s = RemoteSigner::new(policy, auth, trust, log).map_err(core_err)?;
    if let Some(local) = local {
        s = s.with_local(Arc::new(local));
    }
    Ok(Built::Remote(s))
}

/// `info -remote`: asks the remote group directly (cfssl's
/// `getInfoFromRemote`), then checks that the certificate it sent parses.
pub(crate) fn remote_info(
    flags: &Flags,
    ctx: &mut Ctx<'_, '_>,
    req: &InfoRequest,
) -> Result<Info, CmdError> {
    let trust = trust(flags, ctx, false)?;
    let log = Collected::default();
    let tls = remote::TlsCache::new(trust);
    let options = remote::ClientOptions::default();
    let out = remote::Remote::new(flags.string("remote"), &tls, &options, &log)
        .and_then(|r| remote::block_on(r.info(req)).and_then(|i| i));
    log.drain_into(ctx);
    let info = out.map_err(core_err)?;
    cfssl_core::cert::Certificate::from_pem(info.certificate.as_bytes()).map_err(core_err)?;
    Ok(info)
}
