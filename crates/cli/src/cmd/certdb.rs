//! `certdb migrate`: creates or upgrades the certificate database's schema
//! to cfssl's latest migration. cfssl has no such command (it ships goose
//! migrations and leaves running them to its users); this one works on
//! every backend without goose and records what it applied in goose's
//! table when the database has it (`cfssl_certdb::migrate`).

use super::{core_err, pop_first, read_file};
use crate::dispatch::{CmdError, Ctx};
use crate::flags::Flags;

/// `cfssl certdb migrate -db-config F`: logs what it found and did; prints
/// nothing on standard output.
pub(crate) fn certdb(
    flags: &Flags,
    args: &[String],
    ctx: &mut Ctx<'_, '_>,
) -> Result<(), CmdError> {
    let (sub, rest) = pop_first(args)?;
    if sub != "migrate" {
        return Err(CmdError::Plain(format!(
            "unknown certdb subcommand {sub:?}: the one there is is migrate (cfssl certdb migrate -db-config file)"
        )));
    }
    // Flags may come before `migrate` or after it.
    let (after, rest) = match crate::flags::parse(rest) {
        Ok(parsed) => parsed,
        Err(crate::goflag::ParseError::Help) => {
            // As `-h` before the subcommand: the usage, and success.
            let _ = ctx
                .io
                .stderr
                .write_all(crate::flags::usage_text("certdb").as_bytes());
            return Ok(());
        }
        Err(crate::goflag::ParseError::Invalid(msg)) => return Err(CmdError::Plain(msg)),
    };
    if !rest.is_empty() {
        return Err(CmdError::Plain(
            "argument is provided but not defined; please refer to the usage by flag -h".into(),
        ));
    }
    let path = match after.string("db-config") {
        "" => flags.string("db-config"),
        p => p,
    };
    if path.is_empty() {
        return Err(CmdError::Plain(
            "need DB config file (provide with -db-config)".into(),
        ));
    }
    let bytes = read_file(path).map_err(|_| CmdError::Cfssl {
        code: 5200,
        message: "could not read configuration file".into(),
    })?;
    let cfg = cfssl_certdb::DbConfig::from_json(&bytes).map_err(core_err)?;
    let done = cfssl_certdb::migrate(&cfg).map_err(core_err)?;
    ctx.info(&format!("certdb: {}", done.summary()));
    Ok(())
}
