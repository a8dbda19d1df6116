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
        let db = super::remote::open_db(flags, ctx)?.ok_or_else(|| {
            CmdError::Plain("need DB config file (provide with -db-config)".into())
        })?;
        // cfssl's ParseSerialNumber: the AKI lower-cased, colons removed.
        let aki = flags.string("aki").to_ascii_lowercase().replace(':', "");
        let rows = db
            .get_certificate(flags.string("serial"), &aki)
            .map_err(core_err)?;
        let row = match rows.as_slice() {
            [] => return Err(CmdError::Plain("no certificate found".into())),
            [one] => one,
            _ => return Err(CmdError::Plain("more than one certificate found".into())),
        };
        let c = Certificate::from_pem(row.pem.as_bytes()).map_err(core_err)?;
        return print_line(ctx, &cfssl_core::certinfo::certificate_json(&c));
    }
    Err(CmdError::Plain(
        "Must specify certinfo target through -cert, -csr, -domain or -serial + -aki".into(),
    ))
}
