//! `ocspsign`, `ocsprefresh` and `ocspdump`: OCSP responses signed for a
//! CA's certificates, one at a time or for the whole certificate database
//! (mirrors cfssl's `cli/ocspsign`, `cli/ocsprefresh`, `cli/ocspdump`; the
//! responses themselves are `cfssl_core::ocsp`).

use cfssl_certdb::OcspRecord;
use cfssl_core::cert::Certificate;
use cfssl_core::key::{PrivateKey, Zeroizing};
use cfssl_core::ocsp::{self, CertStatus, SignRequest, Signer};

use super::{core_err, load_config_logged, print_line, read_bytes, read_file};
use crate::dispatch::{CmdError, Ctx};
use crate::flags::Flags;

/// Refuses arguments after the flags: Go's flag parsing stops at the first
/// one, so in cfssl `ocspsign -cert c.pem x -status revoked` signs a *good*
/// response without a word.
fn no_arguments(args: &[String]) -> Result<(), CmdError> {
    match args.first() {
        None => Ok(()),
        Some(first) => Err(CmdError::Plain(format!(
            "argument {} is provided but not defined (flags go before arguments); please refer to the usage by flag -h",
            cfssl_core::go::json::go_string(first)
        ))),
    }
}

/// cfssl's `ocspsign.SignerFromConfig`: the CA (`-ca`, `[file:]` or
/// `env:`), the responder certificate and its key (`-responder-key`, else
/// `-key`), `-interval`. The key must be the responder's (cfssl does not
/// check). Logs what clients will make of the responder.
fn load_signer(flags: &Flags, ctx: &mut Ctx<'_, '_>) -> Result<Signer, CmdError> {
    let signer = signer_from_flags(flags, ctx)
        .inspect_err(|e| ctx.critical(&format!("Unable to create OCSP signer: {}", e)))?;
    if let Some(problem) = signer.responder_problem() {
        ctx.warning(&problem);
    }
    Ok(signer)
}

/// The OCSP signer of `-ca`, `-responder`, `-responder-key` (else `-key`)
/// and `-interval`, without logging.
pub(crate) fn signer_from_flags(flags: &Flags, ctx: &mut Ctx<'_, '_>) -> Result<Signer, CmdError> {
    (|| {
        let ca = read_bytes(ctx, flags.string("ca")).map_err(CmdError::Plain)?;
        let responder = read_file(flags.string("responder")).map_err(CmdError::Plain)?;
        let key_file = match flags.string("responder-key") {
            "" => flags.string("key"),
            k => k,
        };
        let key = Zeroizing::new(read_file(key_file).map_err(|e| CmdError::Cfssl {
            code: 1001,
            message: e,
        })?);
        let issuer = Certificate::from_pem(&ca).map_err(core_err)?;
        let responder = Certificate::from_pem(&responder).map_err(core_err)?;
        let key = PrivateKey::from_pem(&key).map_err(core_err)?;
        let interval = chrono::Duration::nanoseconds(flags.duration("interval").as_nanos());
        Signer::new(issuer, responder, key, interval).map_err(core_err)
    })()
}

/// `cfssl ocspsign -ca CA -responder CERT -responder-key KEY -cert CERT
/// [-status S] [-reason R] [-revoked-at D] [-interval I]`: prints
/// `{"ocspResponse":"<base64 DER>"}`. `-status revoked` without `-reason`
/// is reason 0 (cfssl's default `0` fails it).
pub(crate) fn ocspsign(
    flags: &Flags,
    args: &[String],
    ctx: &mut Ctx<'_, '_>,
) -> Result<(), CmdError> {
    load_config_logged(flags, ctx)?;
    no_arguments(args)?;
    let cert = read_file(flags.string("cert"))
        .map_err(CmdError::Plain)
        .inspect_err(|e| ctx.critical(&format!("Unable to read certificate: {}", e)))?;
    let cert = Certificate::from_pem(&cert)
        .map_err(core_err)
        .inspect_err(|e| ctx.critical(&format!("Unable to parse certificate: {}", e)))?;
    let status_name = flags.string("status");
    let mut status = CertStatus::Good;
    if status_name == "revoked" {
        let reason = cfssl_core::revocation::reason_code(flags.string("reason"))
            .map_err(core_err)
            .inspect_err(|e| ctx.critical(&format!("Invalid reason code: {}", e)))?;
        let at = flags.string("revoked-at");
        let at = cfssl_core::revocation::revoked_at(at, chrono::Utc::now()).map_err(|e| {
            ctx.critical(&format!("Malformed revocation time: {at}"));
            CmdError::Plain(e)
        })?;
        status = CertStatus::Revoked {
            at,
            // reason_code gives 0..=10.
            reason: u8::try_from(reason).unwrap_or(0),
        };
    } else if status_name == "unknown" {
        status = CertStatus::Unknown;
    }
    let signer = load_signer(flags, ctx)?;
    let signed = signer
        .check_issued(&cert)
        .and_then(|()| ocsp::check_status_name(status_name))
        .and_then(|()| signer.sign(&SignRequest::new(&cert, status)))
        .map_err(core_err)
        .inspect_err(|e| ctx.critical(&format!("Unable to sign OCSP response: {}", e)))?;
    print_line(ctx, &response_json(&signed))
}

/// `{"ocspResponse":"<base64 DER>"}`, as cfssl prints a response.
fn response_json(der: &[u8]) -> String {
    format!(
        "{{\"ocspResponse\":\"{}\"}}",
        cfssl_core::go::base64::encode(der)
    )
}

/// `cfssl ocsprefresh -db-config F -ca CA -responder CERT -responder-key
/// KEY [-interval I]`: signs a response for every unexpired certificate of
/// the database that this CA issued, with its recorded status, and stores
/// them all in one transaction, each kept until now plus the interval.
/// Certificates of other issuers are skipped with a warning (cfssl stops
/// at the first, having stored the ones before it).
pub(crate) fn ocsprefresh(
    flags: &Flags,
    args: &[String],
    ctx: &mut Ctx<'_, '_>,
) -> Result<(), CmdError> {
    load_config_logged(flags, ctx)?;
    no_arguments(args)?;
    for (flag, what) in [
        ("db-config", "need DB config file (provide with -db-config)"),
        (
            "responder",
            "need responder certificate (provide with -responder)",
        ),
        (
            "responder-key",
            "need responder key (provide with -responder-key)",
        ),
        ("ca", "need CA certificate (provide with -ca)"),
    ] {
        if flags.string(flag).is_empty() {
            return Err(CmdError::Plain(what.into()));
        }
    }
    let signer = load_signer(flags, ctx)?;
    let db = super::remote::open_db(flags, ctx)?
        .ok_or_else(|| CmdError::Plain("need DB config file (provide with -db-config)".into()))?;
    let rows = db.unexpired_certificates().map_err(core_err)?;
    let now = chrono::Utc::now();
    let expiry = now + signer.interval();
    let mut records = Vec::with_capacity(rows.len());
    let mut foreign = 0usize;
    for row in &rows {
        let cert = Certificate::from_pem(row.pem.as_bytes())
            .map_err(core_err)
            .inspect_err(|e| {
                ctx.critical(&format!(
                    "Unable to parse certificate (serial {}, AKI {}): {}",
                    row.serial, row.aki, e
                ));
            })?;
        if let Err(e) = signer.check_issued(&cert) {
            foreign += 1;
            ctx.warning(&format!(
                "skipped certificate serial {} AKI {}: {}",
                row.serial,
                row.aki,
                e.message()
            ));
            continue;
        }
        let status = match row.status.as_str() {
            "good" => CertStatus::Good,
            "unknown" => CertStatus::Unknown,
            "revoked" => CertStatus::Revoked {
                at: row.revoked_at,
                // A code RFC 5280 does not define is written as none.
                reason: ocsp::valid_reason(row.reason).unwrap_or(0),
            },
            other => {
                let e = CmdError::Cfssl {
                    code: cfssl_core::Code::OcspInvalidStatus.number(),
                    message: "Invalid revocation status".into(),
                };
                ctx.critical(&format!(
                    "Unable to sign OCSP response (serial {}, AKI {}, status {}): {}",
                    row.serial,
                    row.aki,
                    cfssl_core::go::json::go_string(other),
                    e
                ));
                return Err(e);
            }
        };
        let der = signer
            .sign_at(&SignRequest::new(&cert, status), now)
            .map_err(core_err)
            .inspect_err(|e| {
                ctx.critical(&format!("Unable to sign OCSP response: {}", e));
            })?;
        // Stored under the row's own serial and AKI (the keys of its
        // `certificates` row, which PostgreSQL's foreign key wants); a row
        // whose keys are not the certificate's decimal serial and lowercase
        // AKI (a /certadd as sent) cannot be found by a responder, and is
        // said so.
        let (serial, aki) = (cert.serial_decimal(), cert.authority_key_id_hex());
        if row.serial != serial || row.aki != aki {
            ctx.warning(&format!(
                "certificate serial {} AKI {} is stored under serial {} AKI {}: ocspserve looks it up by the former",
                serial, aki, row.serial, row.aki
            ));
        }
        records.push(OcspRecord::new(
            row.serial.clone(),
            row.aki.clone(),
            der,
            expiry,
        ));
    }
    db.upsert_ocsp(&records)
        .map_err(core_err)
        .inspect_err(|e| ctx.critical(&format!("Unable to save OCSP response: {}", e)))?;
    ctx.info(&format!(
        "stored {} OCSP response(s); skipped {foreign} certificate(s) of other issuers",
        records.len()
    ));
    Ok(())
}

/// `cfssl ocspdump -db-config F`: every unexpired stored response, one
/// base64 DER a line (what `ocspserve -responses` reads).
pub(crate) fn ocspdump(
    flags: &Flags,
    args: &[String],
    ctx: &mut Ctx<'_, '_>,
) -> Result<(), CmdError> {
    load_config_logged(flags, ctx)?;
    no_arguments(args)?;
    if flags.string("db-config").is_empty() {
        return Err(CmdError::Plain(
            "need DB config file (provide with -db-config)".into(),
        ));
    }
    let db = super::remote::open_db(flags, ctx)?
        .ok_or_else(|| CmdError::Plain("need DB config file (provide with -db-config)".into()))?;
    let mut out = String::new();
    for r in db.unexpired_ocsp().map_err(core_err)? {
        out.push_str(&cfssl_core::go::base64::encode(&r.body));
        out.push('\n');
    }
    super::print_raw(ctx, &out)
}

/// `cfssl ocspserve [-address A] [-port P] [-path /] (-responses FILE |
/// -db-config F [-ca CA -responder CERT -responder-key KEY [-interval I]])`:
/// an RFC 5019 responder for the responses of a file (`ocspdump`'s
/// output) or of the database (`-responses` wins when both are given).
/// With the database and the three signing flags, responses missing,
/// stale or out of step with their certificate's row are signed afresh
/// (not in cfssl).
pub(crate) fn ocspserve(
    flags: &Flags,
    args: &[String],
    ctx: &mut Ctx<'_, '_>,
) -> Result<(), CmdError> {
    use std::sync::Arc;

    use cfssl_core::log::SharedLog;
    use cfssl_server::StderrLog;
    use cfssl_server::ocsp::{DbSource, FileSource, OcspServeOptions, Source};

    load_config_logged(flags, ctx)?;
    if !args.is_empty() {
        return Err(CmdError::Plain(
            "argument is provided but not defined; please refer to the usage by flag -h".into(),
        ));
    }
    let log: Arc<dyn SharedLog> = Arc::new(StderrLog::new(ctx.log.level));
    let signing: Vec<&str> = ["ca", "responder", "responder-key"]
        .into_iter()
        .filter(|f| !flags.string(f).is_empty())
        .collect();
    let responses = flags.string("responses");
    let source: Arc<dyn Source> = if !responses.is_empty() {
        if !signing.is_empty() {
            return Err(CmdError::Plain(
                "-ca, -responder and -responder-key sign fresh responses from the database: they need -db-config, not -responses".into(),
            ));
        }
        let text = std::fs::read(responses)
            .map_err(|_| CmdError::Plain("unable to read response file".into()))?;
        Arc::new(FileSource::from_text(
            &String::from_utf8_lossy(&text),
            log.as_ref(),
        ))
    } else if !flags.string("db-config").is_empty() {
        let db = super::remote::open_db(flags, ctx)
            .map_err(|e| {
                ctx.error(&e.to_string());
                CmdError::Plain("unable to read configuration file".into())
            })?
            .ok_or_else(|| CmdError::Plain("unable to read configuration file".into()))?;
        let source = DbSource::new(Arc::from(db), log.clone());
        match signing.len() {
            0 => Arc::new(source),
            3 => {
                let signer = load_signer(flags, ctx)?;
                ctx.info(&format!(
                    "signing fresh responses for the certificates of {} when the stored one is missing, stale or not their status",
                    signer.issuer().subject().common_name
                ));
                Arc::new(source.with_signer(Arc::new(signer)))
            }
            _ => {
                return Err(CmdError::Plain(
                    "signing fresh responses needs all of -ca, -responder and -responder-key"
                        .into(),
                ));
            }
        }
    } else {
        return Err(CmdError::Plain(
            "no response file or db-config provided, please set the one of these using either -responses or -db-config flags".into(),
        ));
    };
    let mut opts = OcspServeOptions::new(source, log);
    opts.address = flags.string("address").to_string();
    opts.port = u16::try_from(flags.int("port")).map_err(|_| {
        CmdError::Plain(format!(
            "listen tcp: address {}: invalid port",
            flags.int("port")
        ))
    })?;
    opts.path = flags.string("path").to_string();
    cfssl_server::run_ocsp(opts).map_err(|e| CmdError::Plain(e.to_string()))
}
