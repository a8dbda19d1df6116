//! `certinfo`: a certificate (`-cert`, or the one a TLS server presents with
//! `-domain`) or a CSR (`-csr`) as cfssl's JSON (mirrors cfssl's
//! `cli/certinfo` and `certinfo.ParseCertificateDomain`).

use cfssl_core::cert::Certificate;
use cfssl_server::dial::{DOMAIN_TIMEOUT, server_leaf_certificate};

use super::{core_err, load_config_logged, print_line, read_input};
use crate::dispatch::{CmdError, Ctx};
use crate::flags::Flags;

/// `cfssl certinfo -cert FILE|- | -csr FILE|- | -domain HOST[:PORT] | -serial N -aki ID -db-config F`.
pub(crate) fn certinfo(
    flags: &Flags,
    _args: &[String],
    ctx: &mut Ctx<'_, '_>,
) -> Result<(), CmdError> {
    load_config_logged(flags, ctx)?;
    let cert = flags.string("cert");
    if !cert.is_empty() {
        let bytes = read_input(ctx, cert)?;
        let c = Certificate::from_pem(&bytes).map_err(core_err)?;
        return print_line(ctx, &cfssl_core::certinfo::certificate_json(&c));
    }
    let csr = flags.string("csr");
    if !csr.is_empty() {
        let bytes = read_input(ctx, csr)?;
        let json = cfssl_core::certinfo::csr_pem_json(&bytes).map_err(core_err)?;
        return print_line(ctx, &json);
    }
    let domain = flags.string("domain");
    if !domain.is_empty() {
        let leaf = server_leaf_certificate(domain, DOMAIN_TIMEOUT).map_err(CmdError::Plain)?;
        let c = Certificate::from_der(&leaf).map_err(core_err)?;
        return print_line(ctx, &cfssl_core::certinfo::certificate_json(&c));
    }
    if !flags.string("serial").is_empty() && !flags.string("aki").is_empty() {
        if flags.string("db-config").is_empty() {
            return Err(CmdError::Plain(
                "need DB config file (provide with -db-config)".into(),
            ));
        }
        return Err(CmdError::Plain(
            "certinfo -serial/-aki: looking certificates up in a certificate database is not \
             supported by this build yet"
                .into(),
        ));
    }
    Err(CmdError::Plain(
        "Must specify certinfo target through -cert, -csr, -domain or -serial + -aki".into(),
    ))
}
