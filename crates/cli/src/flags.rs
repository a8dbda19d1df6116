//! cfssl's command-line flags: the one table of all 58 flags that every command accepts
//! (mirrors `registerFlags` in cfssl's `cli/config.go`, v1.6.5) and the one flag of ours
//! after them (`-pem`), each command's usage text and
//! the flags its usage lists (the `UsageText`/`Flags` of `cli/<cmd>/<cmd>.go`), and the typed
//! result of parsing a command's arguments, [`Flags`].
//!
//! cfssl parses every command's arguments against the whole table, so any flag is accepted by
//! any command (`cfssl version -initca -port 5` works); a command's list only decides which
//! flags its usage text shows.

use crate::goflag::{self, DefValue, FlagDef, GoDuration, ParseError, Values};

const fn string(name: &'static str, default: &'static str, usage: &'static str) -> FlagDef {
    FlagDef {
        name,
        default: DefValue::String(default),
        usage,
    }
}

const fn boolean(name: &'static str, usage: &'static str) -> FlagDef {
    FlagDef {
        name,
        default: DefValue::Bool(false),
        usage,
    }
}

const fn int(name: &'static str, default: i64, usage: &'static str) -> FlagDef {
    FlagDef {
        name,
        default: DefValue::Int(default),
        usage,
    }
}

const fn duration(name: &'static str, default: GoDuration, usage: &'static str) -> FlagDef {
    FlagDef {
        name,
        default: DefValue::Duration(default),
        usage,
    }
}

/// Every cfssl flag, in `registerFlags` order, with cfssl's defaults and descriptions
/// (byte-for-byte, including the trailing space of `mutual-tls-ca` and the `sepearted` typo of
/// `pgp-name`), then ours: `pem` (CRLs as PEM; not in cfssl).
pub static FLAGS: [FlagDef; 59] = [
    string(
        "hostname",
        "",
        "Hostname for the cert, could be a comma-separated hostname list",
    ),
    string(
        "cert",
        "",
        "Client certificate that contains the public key",
    ),
    string(
        "csr",
        "",
        "Certificate signature request file for new public key",
    ),
    string(
        "ca",
        "",
        "CA used to sign the new certificate -- accepts '[file:]fname' or 'env:varname'",
    ),
    string(
        "ca-key",
        "",
        "CA private key -- accepts '[file:]fname' or 'env:varname'",
    ),
    string("tls-cert", "", "Other endpoint CA to set up TLS protocol"),
    string("tls-key", "", "Other endpoint CA private key"),
    string(
        "mutual-tls-ca",
        "",
        "Mutual TLS - require clients be signed by this CA ",
    ),
    string(
        "mutual-tls-cn",
        "",
        "Mutual TLS - regex for whitelist of allowed client CNs",
    ),
    string("tls-remote-ca", "", "CAs to trust for remote TLS requests"),
    string(
        "mutual-tls-client-cert",
        "",
        "Mutual TLS - client certificate to call remote instance requiring client certs",
    ),
    string(
        "mutual-tls-client-key",
        "",
        "Mutual TLS - client key to call remote instance requiring client certs",
    ),
    string("key", "", "private key for the certificate"),
    string("intermediates", "", "intermediate certs"),
    string("ca-bundle", "", "path to root certificate store"),
    string("int-bundle", "", "path to intermediate certificate store"),
    string("address", "127.0.0.1", "Address to bind"),
    int("port", 8888, "Port to bind"),
    string(
        "min-tls-version",
        "",
        "Minimum version of TLS to use, defaults to 1.0",
    ),
    string("config", "", "path to configuration file"),
    string("profile", "", "signing profile to use"),
    boolean("initca", "initialise new CA"),
    boolean(
        "renewca",
        "re-generate a CA certificate from existing CA certificate/key",
    ),
    string("int-dir", "", "specify intermediates directory"),
    string(
        "flavor",
        "ubiquitous",
        "Bundle Flavor: ubiquitous, optimal and force.",
    ),
    string(
        "metadata",
        "",
        "Metadata file for root certificate presence. The content of the file is a json \
         dictionary (k,v): each key k is SHA-1 digest of a root certificate while value v is a \
         list of key store filenames.",
    ),
    string("domain", "", "remote server domain name"),
    string("ip", "", "remote server ip"),
    string("remote", "", "remote CFSSL server"),
    string("label", "", "key label to use in remote CFSSL server"),
    string(
        "authkey",
        "",
        "key to authenticate requests to remote CFSSL server",
    ),
    string("responder", "", "Certificate for OCSP responder"),
    string(
        "responder-key",
        "",
        "private key for OCSP responder certificate",
    ),
    string(
        "status",
        "good",
        "Status of the certificate: good, revoked, unknown",
    ),
    string("reason", "0", "Reason code for revocation"),
    string("revoked-at", "now", "Date of revocation (YYYY-MM-DD)"),
    duration(
        "interval",
        GoDuration::from_hours(4 * 24),
        "Interval between OCSP updates (default: 96h)",
    ),
    boolean("list", "list possible scanners"),
    string("family", "", "scanner family regular expression"),
    string("scanner", "", "scanner regular expression"),
    duration(
        "timeout",
        GoDuration::from_mins(5),
        "duration (ns, us, ms, s, m, h) to scan each host before timing out",
    ),
    string("csv", "", "file containing CSV of hosts"),
    int("num-workers", 10, "number of workers to use for scan"),
    int("max-hosts", 100, "maximum number of hosts to scan"),
    string("responses", "", "file to load OCSP responses from"),
    string("path", "/", "Path on which the server will listen"),
    string("crl", "", "CRL URL Override"),
    string(
        "password",
        "0",
        "Password for accessing PKCS #12 data passed to bundler",
    ),
    string("usage", "", "usage of private key"),
    string(
        "pgp-private",
        "",
        "file to load a PGP Private key decryption",
    ),
    string(
        "pgp-name",
        "",
        "PGP public key name, can be a comma-sepearted  key name list",
    ),
    string("serial", "", "certificate serial number"),
    string("cn", "", "certificate common name (CN)"),
    string("aki", "", "certificate issuer (authority) key identifier"),
    string("db-config", "", "certificate db configuration file"),
    duration(
        "expiry",
        GoDuration::from_hours(7 * 24),
        "time from now after which the CRL will expire (default: one week)",
    ),
    int("loglevel", 1, "Log level (0 = DEBUG, 5 = FATAL)"),
    string("disable", "", "endpoints to disable"),
    boolean(
        "pem",
        "print the CRL as PEM (X509 CRL) instead of one line of base64 DER (not in cfssl)",
    ),
];

/// The flag cfssl appends to every command's usage list (and that sets the log level).
pub const LOGLEVEL: &str = "loglevel";

/// A command's usage: the text block `cfssl CMD -h` prints and the flags it then lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommandUsage {
    /// The command name, e.g. `gencert`.
    pub name: &'static str,
    /// cfssl's `UsageText`, verbatim (including its quirks, e.g. selfsign's `Usage of gencert:`).
    pub text: &'static str,
    /// The flags the usage lists, in cfssl's order, before the implicit `loglevel`. Names that
    /// are not in [`FLAGS`] (sign's `mutual-tls-cert`, `mutual-tls-key`) are kept, as in cfssl,
    /// and skipped when printing.
    pub flags: &'static [&'static str],
}

/// The usage of each of cfssl 1.6.5's 19 commands, alphabetically.
pub static COMMAND_USAGES: [CommandUsage; 19] = [
    CommandUsage {
        name: "bundle",
        text: "cfssl bundle -- create a certificate bundle that contains the client cert

Usage of bundle:
\t- Bundle local certificate files
        cfssl bundle -cert file [-ca-bundle file] [-int-bundle file] [-int-dir dir] [-metadata file] [-key keyfile] [-flavor optimal|ubiquitous|force] [-password password]
\t- Bundle certificate from remote server.
        cfssl bundle -domain domain_name [-ip ip_address] [-ca-bundle file] [-int-bundle file] [-int-dir dir] [-metadata file]

Flags:
",
        flags: &[
            "cert",
            "key",
            "ca-bundle",
            "int-bundle",
            "flavor",
            "int-dir",
            "metadata",
            "domain",
            "ip",
            "password",
        ],
    },
    CommandUsage {
        name: "certinfo",
        text: "cfssl certinfo -- output certinfo about the given cert

Usage of certinfo:
\t- Data from local certificate files
        cfssl certinfo -cert file
\t- Data from local CSR file
        cfssl certinfo -csr file
\t- Data from certificate from remote server.
        cfssl certinfo -domain domain_name
\t- Data from CA storage
        cfssl certinfo -sn serial (requires -db-config and -aki)

Flags:
",
        flags: &["aki", "cert", "csr", "db-config", "domain", "serial"],
    },
    CommandUsage {
        name: "crl",
        text: "cfssl crl -- generate a new Certificate Revocation List from Database

Usage of crl:
        cfssl crl

Flags:
",
        flags: &["db-config", "ca", "ca-key", "expiry", "pem"],
    },
    CommandUsage {
        name: "gencert",
        text: "cfssl gencert -- generate a new key and signed certificate

Usage of gencert:
    Generate a new key and cert from CSR:
        cfssl gencert -initca CSRJSON
        cfssl gencert -ca cert -ca-key key [-config config] [-profile profile] [-hostname hostname] CSRJSON
        cfssl gencert -remote remote_host [-config config] [-profile profile] [-label label] [-hostname hostname] CSRJSON

    Re-generate a CA cert with the CA key and CSR:
        cfssl gencert -initca -ca-key key CSRJSON

    Re-generate a CA cert with the CA key and certificate:
        cfssl gencert -renewca -ca cert -ca-key key

Arguments:
        CSRJSON:    JSON file containing the request, use '-' for reading JSON from stdin

Flags:
",
        flags: &[
            "initca", "remote", "ca", "ca-key", "config", "cn", "hostname", "profile", "label",
        ],
    },
    CommandUsage {
        name: "gencrl",
        text: "cfssl gencrl -- generate a new Certificate Revocation List

Usage of gencrl:
        cfssl gencrl INPUTFILE CERT KEY TIME

Arguments:
        INPUTFILE:               Text file with one serial number per line, use '-' for reading text from stdin
        CERT:                    The certificate that is signing this CRL, use '-' for reading text from stdin
        KEY:                     The private key of the certificate that is signing the CRL, use '-' for reading text from stdin
        TIME (OPTIONAL):         The desired expiration from now, in seconds

Flags:
",
        flags: &["pem"],
    },
    CommandUsage {
        name: "gencsr",
        text: "cfssl gencsr -- generate a csr from a private key with existing CSR json specification or certificate

Usage of gencsr:
        cfssl gencsr -key private_key_file [-host hostname_override] CSRJSON
        cfssl gencsr -key private_key_file [-host hostname_override] -cert certificate_file

Arguments:
        CSRJSON:    JSON file containing the request, use '-' for reading JSON from stdin

Flags:
",
        flags: &["key", "cert"],
    },
    CommandUsage {
        name: "genkey",
        text: "cfssl genkey -- generate a new key and CSR

Usage of genkey:
        cfssl genkey CSRJSON

Arguments:
        CSRJSON:    JSON file containing the request, use '-' for reading JSON from stdin

Flags:
",
        flags: &["initca", "config"],
    },
    CommandUsage {
        name: "info",
        text: "cfssl info -- get info about a remote signer

Usage:

Get info about a remote signer:
cfssl info -remote remote_host [-label label] [-profile profile] [-label label] 

Flags:
",
        flags: &["remote", "label", "profile", "config"],
    },
    CommandUsage {
        name: "ocspdump",
        text: "cfssl ocspdump -- generates a series of concatenated OCSP responses
for use with ocspserve from all OCSP responses in the cert db

Usage of ocspdump:
        cfssl ocspdump -db-config db-config

Flags:
",
        flags: &["db-config"],
    },
    CommandUsage {
        name: "ocsprefresh",
        text: "cfssl ocsprefresh -- refreshes the ocsp_responses table
with new OCSP responses for all known unexpired certificates

Usage of ocsprefresh:
        cfssl ocsprefresh -db-config db-config -ca cert -responder cert -responder-key key [-interval 96h]

Flags:
",
        flags: &["ca", "responder", "responder-key", "db-config", "interval"],
    },
    CommandUsage {
        name: "ocspserve",
        text: "cfssl ocspserve -- set up an HTTP server that handles OCSP requests from either a file or directly from a database (see RFC 5019)

  Usage of ocspserve:
          cfssl ocspserve [-address address] [-port port] [-responses file] [-db-config db-config]

  Flags:
  ",
        flags: &["address", "port", "responses", "db-config"],
    },
    CommandUsage {
        name: "ocspsign",
        text: "cfssl ocspsign -- signs an OCSP response for a given CA, cert, and status.
Returns a base64-encoded OCSP response.

Usage of ocspsign:
        cfssl ocspsign -ca cert -responder cert -responder-key key -cert cert [-status status] [-reason code] [-revoked-at YYYY-MM-DD] [-interval 96h]

Flags:
",
        flags: &[
            "ca",
            "responder",
            "responder-key",
            "reason",
            "status",
            "revoked-at",
            "interval",
        ],
    },
    CommandUsage {
        name: "print-defaults",
        text: "cfssl print-defaults -- print default configurations that can be used as a template

Usage of print-defaults:
        cfssl print-defaults TYPE

If \"list\" is used as the TYPE, the list of supported types will be printed.
",
        flags: &[],
    },
    CommandUsage {
        name: "revoke",
        text: "cfssl revoke -- revoke a certificate in the certificate store

Usage:

Revoke a certificate:
\t   cfssl revoke -db-config config_file -serial serial -aki authority_key_id [-reason reason]

Reason can be an integer code or a string in ReasonFlags in RFC 5280

Flags:
",
        flags: &["serial", "reason"],
    },
    CommandUsage {
        name: "scan",
        text: "cfssl scan -- scan a host for issues
Usage of scan:
        cfssl scan [-family regexp] [-scanner regexp] [-timeout duration] [-ip IPAddr] [-num-workers num] [-max-hosts num] [-csv hosts.csv] HOST+
        cfssl scan -list

Arguments:
        HOST:    Host(s) to scan (including port)
Flags:
",
        flags: &[
            "list",
            "family",
            "scanner",
            "timeout",
            "ip",
            "ca-bundle",
            "num-workers",
            "csv",
            "max-hosts",
        ],
    },
    CommandUsage {
        name: "selfsign",
        text: "cfssl selfsign -- generate a new self-signed key and signed certificate

Usage of gencert:
        cfssl selfsign HOSTNAME CSRJSON

WARNING: this should ONLY be used for testing. This should never be
used in production.

WARNING: self-signed certificates are insecure; they do not provide
the authentication required for secure systems. Use these at your own
risk.

Arguments:
        HOSTNAME:   Hostname for the cert
        CSRJSON:    JSON file containing the request, use '-' for reading JSON from stdin

Flags:
",
        flags: &["config"],
    },
    CommandUsage {
        name: "serve",
        text: "cfssl serve -- set up a HTTP server handles CF SSL requests

Usage of serve:
        cfssl serve [-address address] [-min-tls-version version] [-ca cert] [-ca-bundle bundle] \\
                    [-ca-key key] [-int-bundle bundle] [-int-dir dir] [-port port] \\
                    [-metadata file] [-remote remote_host] [-config config] \\
                    [-responder cert] [-responder-key key] \\
                    [-tls-cert cert] [-tls-key key] [-mutual-tls-ca ca] [-mutual-tls-cn regex] \\
                    [-tls-remote-ca ca] [-mutual-tls-client-cert cert] [-mutual-tls-client-key key] \\
                    [-db-config db-config] [-disable endpoint[,endpoint]]

Flags:
",
        flags: &[
            "address",
            "port",
            "min-tls-version",
            "ca",
            "ca-key",
            "ca-bundle",
            "int-bundle",
            "int-dir",
            "metadata",
            "remote",
            "config",
            "responder",
            "responder-key",
            "tls-key",
            "tls-cert",
            "mutual-tls-ca",
            "mutual-tls-cn",
            "tls-remote-ca",
            "mutual-tls-client-cert",
            "mutual-tls-client-key",
            "db-config",
            "disable",
        ],
    },
    CommandUsage {
        name: "sign",
        text: "cfssl sign -- signs a client cert with a host name by a given CA and CA key

Usage of sign:
        cfssl sign -ca cert -ca-key key [mutual-tls-cert cert] [mutual-tls-key key] [-config config] [-profile profile] [-hostname hostname] [-db-config db-config] CSR [SUBJECT]
        cfssl sign -remote remote_host [mutual-tls-cert cert] [mutual-tls-key key] [-config config] [-profile profile] [-label label] [-hostname hostname] CSR [SUBJECT]

Arguments:
        CSR:        PEM file for certificate request, use '-' for reading PEM from stdin.

Note: CSR can also be supplied via flag values; flag value will take precedence over the argument.

SUBJECT is an optional file containing subject information to use for the certificate instead of the subject information in the CSR.

Flags:
",
        flags: &[
            "hostname",
            "csr",
            "ca",
            "ca-key",
            "config",
            "profile",
            "label",
            "remote",
            "mutual-tls-cert",
            "mutual-tls-key",
            "db-config",
        ],
    },
    CommandUsage {
        name: "version",
        text: "cfssl version -- print out the version of CF SSL

Usage of version:
\tcfssl version
",
        flags: &[],
    },
];

/// The usage of the commands this project adds to cfssl's.
pub static EXTRA_USAGES: [CommandUsage; 1] = [CommandUsage {
    name: "certdb",
    text: "cfssl certdb -- create or upgrade the certificate database schema

Usage:

Bring the schema to cfssl's latest migration (002); a database already there is left as it is:
\t   cfssl certdb migrate -db-config config_file

Flags:
",
    flags: &["db-config"],
}];

/// The usage of command `name`: cfssl's, or one this project adds.
pub fn command_usage(name: &str) -> Option<&'static CommandUsage> {
    COMMAND_USAGES
        .iter()
        .chain(&EXTRA_USAGES)
        .find(|u| u.name == name)
}

/// The definition of flag `name` in [`FLAGS`].
pub fn flag_def(name: &str) -> Option<&'static FlagDef> {
    FLAGS.iter().find(|d| d.name == name)
}

/// One usage line for a flag, as cfssl's `printDefaultValue`: `  -NAME=DEFAULT: DESCRIPTION`,
/// with an empty default shown as `""`.
pub fn flag_usage_line(def: &FlagDef) -> String {
    let default = def.def_value_string();
    let shown = if default.is_empty() {
        "\"\"".to_owned()
    } else {
        default
    };
    format!("  -{}={shown}: {}\n", def.name, def.usage)
}

/// The block `cfssl NAME -h` prints to stderr: a TAB, the command's usage text, then one
/// [`flag_usage_line`] per listed flag that exists, then the `-loglevel` line.
///
/// A name cfssl does not know gets an empty usage text (a TAB and the `-loglevel` line).
pub fn usage_text(name: &str) -> String {
    let (text, listed) = command_usage(name).map_or(("", &[][..]), |u| (u.text, u.flags));
    let mut out = format!("\t{text}");
    for flag in listed.iter().chain(std::iter::once(&LOGLEVEL)) {
        if let Some(def) = flag_def(flag) {
            out.push_str(&flag_usage_line(def));
        }
    }
    out
}

/// Parses a command's arguments (everything after the command name) against [`FLAGS`].
///
/// Returns the flags and the positional arguments after them.
///
/// # Errors
///
/// [`ParseError::Help`] for `-h`/`-help`, [`ParseError::Invalid`] with Go's message otherwise;
/// see [`goflag::parse`].
pub fn parse(args: &[String]) -> Result<(Flags, Vec<String>), ParseError> {
    let parsed = goflag::parse(&FLAGS, args)?;
    Ok((
        Flags {
            values: parsed.values,
        },
        parsed.args,
    ))
}

/// The value of every cfssl flag after parsing a command line (cfssl's `cli.Config`).
///
/// The accessors take a flag name as cfssl spells it (`"ca-key"`) and must be called with the
/// right type: asking for a flag that is not in [`FLAGS`], or with the wrong accessor, is a
/// programming error and panics (every such call is exercised by the command's tests).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flags {
    values: Values<'static>,
}

impl Default for Flags {
    fn default() -> Self {
        Self::defaults()
    }
}

impl Flags {
    /// Every flag at its default, as when a command is given no flags.
    pub fn defaults() -> Self {
        Self {
            values: Values::defaults(&FLAGS),
        }
    }

    /// The value of string flag `name`.
    ///
    /// # Panics
    ///
    /// If `name` is not a string flag of [`FLAGS`].
    pub fn string(&self, name: &str) -> &str {
        match self.values.string(name) {
            Some(s) => s,
            None => misuse(name, "string flag"),
        }
    }

    /// The value of boolean flag `name`.
    ///
    /// # Panics
    ///
    /// If `name` is not a boolean flag of [`FLAGS`].
    pub fn bool(&self, name: &str) -> bool {
        self.values
            .bool(name)
            .unwrap_or_else(|| misuse(name, "boolean flag"))
    }

    /// The value of integer flag `name`.
    ///
    /// # Panics
    ///
    /// If `name` is not an integer flag of [`FLAGS`].
    pub fn int(&self, name: &str) -> i64 {
        self.values
            .int(name)
            .unwrap_or_else(|| misuse(name, "integer flag"))
    }

    /// The value of duration flag `name`.
    ///
    /// # Panics
    ///
    /// If `name` is not a duration flag of [`FLAGS`].
    pub fn duration(&self, name: &str) -> GoDuration {
        self.values
            .duration(name)
            .unwrap_or_else(|| misuse(name, "duration flag"))
    }

    /// Whether flag `name` appeared on the command line (even with its default value).
    ///
    /// # Panics
    ///
    /// If `name` is not in [`FLAGS`].
    pub fn is_set(&self, name: &str) -> bool {
        if self.values.def(name).is_none() {
            misuse(name, "flag");
        }
        self.values.is_set(name)
    }

    /// Sets flag `name` as if `-name=text` had been given (Go's `FlagSet.Set`).
    ///
    /// # Errors
    ///
    /// Go's message for the failure, e.g. `parse error` or `no such flag`.
    pub fn set(&mut self, name: &str, text: &str) -> Result<(), String> {
        self.values.set(name, text).map_err(|e| e.to_string())
    }

    /// The underlying generic values.
    pub fn values(&self) -> &Values<'static> {
        &self.values
    }
}

/// Reports a call of a [`Flags`] accessor with a name or type the table does not have.
#[cold]
#[track_caller]
fn misuse(name: &str, what: &str) -> ! {
    panic!("cfssl has no {what} named {name:?}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::goflag::Kind;

    fn argv(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn table_has_58_unique_flags_and_ours() {
        let mut names: Vec<&str> = FLAGS.iter().map(|d| d.name).collect();
        assert_eq!(names.last(), Some(&"pem"));
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 59);
    }

    #[test]
    fn table_types_and_defaults() {
        let kinds = |k: Kind| -> Vec<&str> {
            FLAGS
                .iter()
                .filter(|d| d.kind() == k)
                .map(|d| d.name)
                .collect()
        };
        assert_eq!(kinds(Kind::Bool), ["initca", "renewca", "list", "pem"]);
        assert_eq!(
            kinds(Kind::Int),
            ["port", "num-workers", "max-hosts", "loglevel"]
        );
        assert_eq!(kinds(Kind::Duration), ["interval", "timeout", "expiry"]);
        let non_empty: Vec<(&str, String)> = FLAGS
            .iter()
            .map(|d| (d.name, d.def_value_string()))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        let want = [
            ("address", "127.0.0.1"),
            ("port", "8888"),
            ("initca", "false"),
            ("renewca", "false"),
            ("flavor", "ubiquitous"),
            ("status", "good"),
            ("reason", "0"),
            ("revoked-at", "now"),
            ("interval", "96h0m0s"),
            ("list", "false"),
            ("timeout", "5m0s"),
            ("num-workers", "10"),
            ("max-hosts", "100"),
            ("path", "/"),
            ("password", "0"),
            ("expiry", "168h0m0s"),
            ("loglevel", "1"),
            ("pem", "false"),
        ];
        let want: Vec<(&str, String)> = want.iter().map(|(n, v)| (*n, (*v).to_owned())).collect();
        assert_eq!(non_empty, want);
    }

    #[test]
    fn every_command_lists_only_known_flags_except_signs_mutual_tls() {
        for u in &COMMAND_USAGES {
            for f in u.flags {
                let known = flag_def(f).is_some();
                let expected_unknown =
                    u.name == "sign" && (*f == "mutual-tls-cert" || *f == "mutual-tls-key");
                assert_eq!(known, !expected_unknown, "{} lists {f}", u.name);
            }
        }
        let mut names: Vec<&str> = COMMAND_USAGES.iter().map(|u| u.name).collect();
        let sorted = {
            let mut s = names.clone();
            s.sort_unstable();
            s
        };
        assert_eq!(names, sorted);
        names.dedup();
        assert_eq!(names.len(), 19);
    }

    /// `cfssl gencert -h` in cfssl 1.6.5 (the golden `err-unknown-flag` case minus its first
    /// line, `flag provided but not defined: -nosuchflag`).
    fn gencert_usage() -> &'static str {
        let golden = include_str!("../../../fixtures/golden/err-unknown-flag/1.stderr");
        golden.split_once('\n').map_or(golden, |(_, usage)| usage)
    }

    #[test]
    fn gencert_usage_matches_cfssl() {
        assert_eq!(usage_text("gencert"), gencert_usage());
    }

    #[test]
    fn sign_usage_skips_undefined_flags() {
        let text = usage_text("sign");
        assert!(text.ends_with(
            "Flags:
  -hostname=\"\": Hostname for the cert, could be a comma-separated hostname list
  -csr=\"\": Certificate signature request file for new public key
  -ca=\"\": CA used to sign the new certificate -- accepts '[file:]fname' or 'env:varname'
  -ca-key=\"\": CA private key -- accepts '[file:]fname' or 'env:varname'
  -config=\"\": path to configuration file
  -profile=\"\": signing profile to use
  -label=\"\": key label to use in remote CFSSL server
  -remote=\"\": remote CFSSL server
  -db-config=\"\": certificate db configuration file
  -loglevel=1: Log level (0 = DEBUG, 5 = FATAL)
"
        ));
    }

    #[test]
    fn usage_shows_non_string_defaults_unquoted() {
        assert_eq!(
            usage_text("ocspserve"),
            "\tcfssl ocspserve -- set up an HTTP server that handles OCSP requests from either a \
             file or directly from a database (see RFC 5019)

  Usage of ocspserve:
          cfssl ocspserve [-address address] [-port port] [-responses file] [-db-config db-config]

  Flags:
    -address=127.0.0.1: Address to bind
  -port=8888: Port to bind
  -responses=\"\": file to load OCSP responses from
  -db-config=\"\": certificate db configuration file
  -loglevel=1: Log level (0 = DEBUG, 5 = FATAL)
"
        );
        let ocsp = usage_text("ocspsign");
        assert!(
            ocsp.contains("\n  -interval=96h0m0s: Interval between OCSP updates (default: 96h)\n")
        );
        assert!(
            ocsp.contains("\n  -status=good: Status of the certificate: good, revoked, unknown\n")
        );
        assert!(ocsp.contains("\n  -reason=0: Reason code for revocation\n"));
        assert!(usage_text("crl").contains(
            "\n  -expiry=168h0m0s: time from now after which the CRL will expire (default: one week)\n"
        ));
        assert!(usage_text("scan").contains(
            "\n  -timeout=5m0s: duration (ns, us, ms, s, m, h) to scan each host before timing out\n"
        ));
    }

    #[test]
    fn usage_without_listed_flags_has_only_loglevel() {
        assert_eq!(
            usage_text("version"),
            "\tcfssl version -- print out the version of CF SSL\n\nUsage of version:\n\tcfssl \
             version\n  -loglevel=1: Log level (0 = DEBUG, 5 = FATAL)\n"
        );
        assert_eq!(
            usage_text("no-such-command"),
            "\t  -loglevel=1: Log level (0 = DEBUG, 5 = FATAL)\n"
        );
    }

    #[test]
    fn any_command_accepts_any_flag() {
        let (flags, args) = parse(&argv(&["-initca", "-port", "5", "x"])).expect("valid");
        assert!(flags.bool("initca"));
        assert_eq!(flags.int("port"), 5);
        assert!(flags.is_set("port"));
        assert!(!flags.is_set("ca"));
        assert_eq!(args, ["x"]);
    }

    #[test]
    fn typed_accessors() {
        let (flags, _) = parse(&argv(&[
            "-ca=ca.pem",
            "--interval",
            "1h",
            "-expiry=30m",
            "-loglevel",
            "0",
        ]))
        .expect("valid");
        assert_eq!(flags.string("ca"), "ca.pem");
        assert_eq!(flags.string("ca-key"), "");
        assert_eq!(flags.duration("interval"), GoDuration::from_hours(1));
        assert_eq!(flags.duration("expiry"), GoDuration::from_mins(30));
        assert_eq!(flags.duration("timeout"), GoDuration::from_mins(5));
        assert_eq!(flags.int("loglevel"), 0);
        assert!(!flags.bool("renewca"));
        assert_eq!(Flags::default(), Flags::defaults());
    }

    #[test]
    fn set_overrides_a_value() {
        let mut flags = Flags::defaults();
        assert_eq!(flags.set("hostname", "a,b"), Ok(()));
        assert_eq!(flags.string("hostname"), "a,b");
        assert!(flags.is_set("hostname"));
        assert_eq!(flags.set("port", "x"), Err("parse error".to_owned()));
    }

    #[test]
    #[should_panic(expected = "cfssl has no string flag named \"port\"")]
    fn wrong_accessor_panics() {
        let _ = Flags::defaults().string("port");
    }

    #[test]
    #[should_panic(expected = "cfssl has no flag named \"nosuch\"")]
    fn unknown_name_panics() {
        let _ = Flags::defaults().is_set("nosuch");
    }
}
