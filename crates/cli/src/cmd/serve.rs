//! `serve`: reads cfssl's serve flags, builds the signer and the TLS set-up,
//! and runs the `cfssl-server` HTTP API (mirrors cfssl's `cli/serve`).

use std::sync::Arc;

use cfssl_core::log::SharedLog;
use cfssl_server::{MinTlsVersion, ServeOptions, StderrLog, TlsOptions};

use super::remote::Built;
use super::{load_config_logged, read_bytes, shown_name};
use crate::dispatch::{CmdError, Ctx};
use crate::flags::Flags;
use cfssl_core::signer::Signer;

/// `cfssl serve [-address A] [-port P] [-ca C -ca-key K] [-config F] [-tls-cert C -tls-key K
/// [-mutual-tls-ca CA [-mutual-tls-cn RE]]] [-min-tls-version V] [-disable E,…]`.
pub(crate) fn serve(flags: &Flags, args: &[String], ctx: &mut Ctx<'_, '_>) -> Result<(), CmdError> {
    let config = load_config_logged(flags, ctx)?;
    if !args.is_empty() {
        return Err(CmdError::Plain(
            "argument is provided but not defined; please refer to the usage by flag -h".into(),
        ));
    }
    // cfssl loads the platform metadata first; a file that does not load
    // stops serve.
    let metadata = super::bundle::load_metadata(ctx, flags.string("metadata"))
        .map_err(|e| CmdError::Plain(e.to_string()))?;
    let min_version =
        MinTlsVersion::parse(flags.string("min-tls-version")).map_err(CmdError::Plain)?;
    let shared: Arc<dyn SharedLog> = Arc::new(StderrLog::new(ctx.log.level));

    // cfssl reads env: and file: auth keys while loading the config.
    let auth = match &config {
        Some(c) => super::remote::providers(c, ctx)?,
        None => cfssl_core::auth::Providers::default(),
    };
    // cfssl opens the database first; a db-config that does not load stops
    // serve.
    let db: Option<Arc<dyn cfssl_certdb::Accessor>> =
        super::remote::open_db(flags, ctx)?.map(Arc::from);
    ctx.info("Initializing signer");
    let signer: Option<Arc<dyn Signer>> =
        match super::remote::build(flags, ctx, config, shared.clone()) {
            Ok(Built::Local(s)) => {
                let local: Arc<dyn Signer> = Arc::new(s.with_log(shared.clone()));
                Some(match &db {
                    Some(db) => Arc::new(cfssl_certdb::RecordingSigner::new(local, db.clone())),
                    None => local,
                })
            }
            Ok(Built::Remote(s)) => Some(Arc::new(s)),
            Err(e) => {
                ctx.warning(&format!("couldn't initialize signer: {e}"));
                None
            }
        };
    // cfssl then builds its OCSP signer from -ca, -responder and
    // -responder-key (else -key); without one /ocspsign is disabled.
    let ca = flags.string("ca");
    ctx.debug(&format!("Loading issuer cert: {}", shown_name(ca)));
    let ocsp_signer = match read_bytes(ctx, ca) {
        Err(e) => {
            ctx.warning(&format!("couldn't initialize ocsp signer: {e}"));
            None
        }
        Ok(_) => {
            ctx.debug(&format!(
                "Loading responder cert: {}",
                shown_name(flags.string("responder"))
            ));
            match super::ocsp::signer_from_flags(flags, ctx) {
                Ok(s) => Some(Arc::new(s)),
                Err(e) => {
                    ctx.warning(&format!("couldn't initialize ocsp signer: {e}"));
                    None
                }
            }
        }
    };
    // /crl signs with -ca and -ca-key, read again as cfssl does.
    let crl_issuer = (|| {
        let cert = read_bytes(ctx, flags.string("ca")).ok()?;
        let key = cfssl_core::key::Zeroizing::new(read_bytes(ctx, flags.string("ca-key")).ok()?);
        let cert = cfssl_core::cert::Certificate::from_pem(&cert).ok()?;
        let key = cfssl_core::key::PrivateKey::from_pem(&key).ok()?;
        cfssl_server::CrlIssuer::new(cert, key).ok().map(Arc::new)
    })();

    let mut opts = ServeOptions::new(shared);
    opts.address = flags.string("address").to_string();
    opts.port = u16::try_from(flags.int("port")).map_err(|_| {
        CmdError::Plain(format!(
            "listen tcp: address {}: invalid port",
            flags.int("port")
        ))
    })?;
    opts.signer = signer;
    opts.db = db;
    opts.ocsp_signer = ocsp_signer;
    opts.crl_issuer = crl_issuer;
    opts.auth = auth;
    // /bundle always has a bundler (the system's roots without
    // -ca-bundle); the signing endpoints bundle only with both pools.
    let (ca_bundle, int_bundle) = (flags.string("ca-bundle"), flags.string("int-bundle"));
    match super::bundle::pools(ca_bundle, int_bundle) {
        Ok(b) => {
            let source = super::bundle::issuer_source(ctx, flags.string("int-dir"))?;
            opts.bundler = Some(Arc::new(
                b.with_metadata(metadata).with_issuer_source(source),
            ));
        }
        Err(e) => {
            opts.bundler_error = Some(cfssl_server::BundlerError {
                log_line: e.log_line,
                reason: cfssl_core::wire::error_json(e.code, &e.message),
            });
        }
    }
    opts.bundle_on_sign = !ca_bundle.is_empty() && !int_bundle.is_empty();
    opts.disable = flags
        .string("disable")
        .split(',')
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    let (cert, key) = (flags.string("tls-cert"), flags.string("tls-key"));
    if !cert.is_empty() && !key.is_empty() {
        let mut tls = TlsOptions::new(
            read_bytes(ctx, cert).map_err(CmdError::Plain)?,
            read_bytes(ctx, key).map_err(CmdError::Plain)?,
        );
        tls.min_version = min_version;
        let ca = flags.string("mutual-tls-ca");
        if !ca.is_empty() {
            tls.client_ca_pem =
                Some(read_bytes(ctx, ca).map_err(|e| {
                    CmdError::Plain(format!("failed to load mutual TLS CA file: {e}"))
                })?);
            let cn = flags.string("mutual-tls-cn");
            if !cn.is_empty() {
                tls.client_cn = Some(
                    regex::Regex::new(cn)
                        .map_err(|e| CmdError::Plain(format!("malformed CN regex: {e}")))?,
                );
            }
        }
        opts.tls = Some(tls);
    }
    cfssl_server::run(opts).map_err(|e| CmdError::Plain(e.to_string()))
}
