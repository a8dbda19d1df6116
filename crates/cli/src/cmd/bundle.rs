//! `bundle`: a certificate's chain to a trusted root (mirrors cfssl's
//! `cli/bundle`; the bundler itself is `cfssl_core::bundle`).

use cfssl_core::bundle::{Bundler, Flavor, Metadata, MetadataError};
use cfssl_core::cert::Certificate;
use cfssl_core::key::Zeroizing;

use super::{CtxLog, core_err, go_io_error, load_config_logged, print_raw, read_input};
use crate::dispatch::{CmdError, Ctx};
use crate::flags::Flags;

/// A pool file that cfssl's `NewBundler` cannot load: the ERROR line it
/// logs, and its error.
#[derive(Debug)]
pub(crate) struct PoolError {
    pub(crate) log_line: String,
    pub(crate) code: u32,
    pub(crate) message: String,
}

/// A pool file (`-ca-bundle`, `-int-bundle`) as cfssl reads it: a read
/// failure is `{category}001` with Go's text, a file that does not parse
/// `{category}003`.
fn pool(path: &str, category: u32, what: &str) -> Result<Vec<Certificate>, PoolError> {
    let bytes = std::fs::read(path).map_err(|e| {
        let text = go_io_error("open", path, &e);
        PoolError {
            log_line: format!("{what} bundle failed to load: {text}"),
            code: category + 1,
            message: text,
        }
    })?;
    cfssl_core::bundle::parse_certificates_pem(&bytes).map_err(|e| PoolError {
        log_line: format!("failed to parse {what} bundle: {}", e.go_text()),
        code: category + 3,
        message: format!("Failed to parse {what} certificate"),
    })
}

/// The pools of `-ca-bundle` (the system's trust store when empty, as Go's
/// nil pool) and `-int-bundle`, read as cfssl's `NewBundler` reads them.
pub(crate) fn pools(ca: &str, int: &str) -> Result<Bundler, PoolError> {
    let roots = match ca {
        "" => cfssl_server::dial::system_root_certificates()
            .iter()
            .filter_map(|der| Certificate::from_der(der).ok())
            .collect(),
        path => pool(path, 4000, "root")?,
    };
    let intermediates = match int {
        "" => Vec::new(),
        path => pool(path, 3000, "intermediate")?,
    };
    Ok(Bundler::new(roots, intermediates))
}

/// AIA issuer fetching, stashing into `-int-dir` when given (the folder
/// made when missing, as cfssl's `NewBundler` makes it).
pub(crate) fn issuer_source(
    ctx: &mut Ctx<'_, '_>,
    int_dir: &str,
) -> Result<std::sync::Arc<cfssl_server::issuers::HttpIssuers>, CmdError> {
    let dir = (!int_dir.is_empty()).then(|| std::path::PathBuf::from(int_dir));
    cfssl_server::issuers::HttpIssuers::new(dir, &mut CtxLog(ctx))
        .map(std::sync::Arc::new)
        .map_err(CmdError::Plain)
}

/// Loads `-metadata` as cfssl's `ubiquity.LoadPlatforms`: keystore paths
/// relative to the file's folder, each platform loaded logged at INFO.
pub(crate) fn load_metadata(ctx: &mut Ctx<'_, '_>, path: &str) -> Result<Metadata, MetadataError> {
    if path.is_empty() {
        return Ok(Metadata::default());
    }
    let json =
        std::fs::read(path).map_err(|e| MetadataError::Load(go_io_error("open", path, &e)))?;
    let mut read = |p: &str| std::fs::read(p).map_err(|e| go_io_error("open", p, &e));
    Metadata::from_json(&json, path, &mut read, &mut CtxLog(ctx))
}

/// `cfssl bundle (-cert FILE [-key FILE] [-password P] | -domain D [-ip IP])
/// [-ca-bundle F] [-int-bundle F] [-int-dir DIR] [-metadata F] [-flavor F]`:
/// prints the bundle JSON (no final newline). Without `-ca-bundle`, the
/// system's trust store, as cfssl.
pub(crate) fn bundle(
    flags: &Flags,
    args: &[String],
    ctx: &mut Ctx<'_, '_>,
) -> Result<(), CmdError> {
    load_config_logged(flags, ctx)?;
    let _ = args;
    let (cert_file, domain) = (flags.string("cert"), flags.string("domain"));
    // cfssl's `bundle` ignores a metadata file it cannot load (and so
    // reports "No platform metadata present"); we do the same but say why.
    let metadata = load_metadata(ctx, flags.string("metadata")).unwrap_or_else(|e| {
        ctx.warning(&format!("-metadata ignored: {e}"));
        Metadata::default()
    });
    let flavor = Flavor::from_name(flags.string("flavor"));
    let bundler = if flavor == Flavor::Force {
        if cert_file.is_empty() && !domain.is_empty() {
            // cfssl's force bundler has no pools: its dial then verifies
            // with the system's roots (Go's nil pool).
            pools("", "").map_err(|e| CmdError::Plain(e.message))?
        } else {
            Bundler::default()
        }
    } else {
        let pools = pools(flags.string("ca-bundle"), flags.string("int-bundle")).map_err(|e| {
            ctx.error(&e.log_line);
            CmdError::Cfssl {
                code: e.code,
                message: e.message,
            }
        })?;
        pools.with_issuer_source(issuer_source(ctx, flags.string("int-dir"))?)
    };
    let bundler = bundler.with_metadata(metadata);
    let now = chrono::Utc::now();
    let bundle = if !cert_file.is_empty() {
        let certs = if cert_file == "-" {
            read_input(ctx, "-")?
        } else {
            std::fs::read(cert_file).map_err(|e| CmdError::Cfssl {
                code: 1001,
                message: go_io_error("open", cert_file, &e),
            })?
        };
        let key_file = flags.string("key");
        let key = Zeroizing::new(match key_file {
            "" => Vec::new(),
            "-" => read_input(ctx, "-")?,
            path => std::fs::read(path).map_err(|e| CmdError::Cfssl {
                code: 2001,
                message: go_io_error("open", path, &e),
            })?,
        });
        if !key_file.is_empty() && key.is_empty() {
            // cfssl panics here (it wraps a nil error).
            return Err(CmdError::Cfssl {
                code: 2002,
                message: "Failed to decode private key".into(),
            });
        }
        // cfssl hands -password (default "0") to PKCS #12 files only, not
        // to standard input.
        let password = if cert_file == "-" {
            ""
        } else {
            flags.string("password")
        };
        bundler.bundle_from_pem_or_der(&certs, &key, password, flavor, now, &mut CtxLog(ctx))
    } else if !domain.is_empty() {
        cfssl_server::dial::remote_chain(domain, flags.string("ip")).and_then(
            |(certs, dialed, name)| {
                bundler.bundle_from_remote(certs, &name, &dialed, flavor, now, &mut CtxLog(ctx))
            },
        )
    } else {
        return Err(CmdError::Plain(
            "Must specify bundle target through -cert or -domain".into(),
        ));
    };
    print_raw(ctx, &bundle.map_err(core_err)?.to_json())
}
