//! Hostile inputs through the real `cfssl` and `cfssljson` binaries.
//!
//! Every case runs one binary in a fresh folder holding a copy of
//! `fixtures/hostile/` (see its README for what each file is), and checks:
//!
//! - the process ends by itself within [`DEADLINE`] and within an address-space limit of
//!   [`MEMORY_LIMIT_KIB`] (set with `ulimit -v`), and not by a signal;
//! - no panic, stack overflow or abort text on stderr;
//! - the exit status (1 for errors, 2 for command-line errors, 0 where cfssl succeeds);
//! - for failures: stderr names the problem (each listed fragment appears), stdout is empty, and
//!   the folder is exactly as before (names, kinds, modes and contents of every file);
//! - for successes: the case's own check of the folder and the output;
//! - private key material from the folder never appears on stderr.
//!
//! Cases whose set-up needs an unprivileged user (a mode-000 file) or a way to make a folder
//! read-only (mode 0555, or `chattr +i` when running as root) are reported as skipped when the
//! machine offers neither; each says what it really exercises.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const CFSSL: &str = env!("CARGO_BIN_EXE_cfssl");
const CFSSLJSON: &str = env!("CARGO_BIN_EXE_cfssljson");

/// Longest a case may run (debug build, 100 MB inputs included).
const DEADLINE: Duration = Duration::from_secs(90);

/// Address-space limit of every run (`ulimit -v`, KiB): 1.5 GiB, so a 100 MB input may be read
/// and parsed, but not copied many times over.
const MEMORY_LIMIT_KIB: u64 = 1536 * 1024;

/// Size of the generated large inputs.
const BIG: usize = 100 * 1024 * 1024;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/hostile")
}

#[derive(Clone, Copy, Debug)]
enum Bin {
    Cfssl,
    Cfssljson,
}

/// What a case's folder looked like after the run, and what the process printed.
struct Run {
    code: i32,
    stdout: Vec<u8>,
    stderr: String,
}

type Check = fn(&Path, &Run) -> Result<(), String>;

enum Expect {
    /// Exit status and fragments of stderr; nothing in the folder may change.
    Fail(i32, &'static [&'static str]),
    /// Success, as cfssl behaves; the function checks the folder and output.
    Ok(Check),
}

/// Set-up run in the case folder before the binary; `Err` skips the case with the reason.
type Prepare = fn(&Path) -> Result<Option<Guard>, String>;

/// Undoes a set-up that would stop the folder from being removed (`chattr +i`).
struct Guard(PathBuf);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
        let _ = fs::set_permissions(&self.0, fs::Permissions::from_mode(0o755));
    }
}

struct Case {
    name: &'static str,
    bin: Bin,
    /// `{big-string}`, `{big-ws}`, `{deep}` and `{deep-ok}` stand for generated inputs,
    /// `{ca-key-text}` for the text of `ca-key.pem`.
    args: &'static [&'static str],
    /// A file of the folder fed to standard input.
    stdin: Option<&'static str>,
    prepare: Option<Prepare>,
    expect: Expect,
}

const fn fail(
    name: &'static str,
    bin: Bin,
    args: &'static [&'static str],
    code: i32,
    stderr: &'static [&'static str],
) -> Case {
    Case {
        name,
        bin,
        args,
        stdin: None,
        prepare: None,
        expect: Expect::Fail(code, stderr),
    }
}

const fn ok(name: &'static str, bin: Bin, args: &'static [&'static str], check: Check) -> Case {
    Case {
        name,
        bin,
        args,
        stdin: None,
        prepare: None,
        expect: Expect::Ok(check),
    }
}

impl Case {
    const fn stdin(mut self, file: &'static str) -> Self {
        self.stdin = Some(file);
        self
    }

    const fn prepare(mut self, prepare: Prepare) -> Self {
        self.prepare = Some(prepare);
        self
    }
}

use Bin::{Cfssl, Cfssljson};

/// The table. Names start with the spec §9 code they produce, where there is one.
fn cases() -> Vec<Case> {
    vec![
        // ---- §9 error codes, in order ----
        fail(
            "1000 CA key does not match the CA certificate (gencert)",
            Cfssl,
            &["gencert", "-ca", "ca.pem", "-ca-key", "other-key.pem", "-config", "config.json", "-profile", "www", "leaf-csr.json"],
            1,
            &[r#"{"code":1000,"message":"x509: provided PrivateKey doesn't match parent's PublicKey"}"#],
        ),
        fail(
            "1000 CA key does not match the CA certificate (sign)",
            Cfssl,
            &["sign", "-ca", "ca.pem", "-ca-key", "other-key.pem", "-config", "config.json", "-profile", "www", "leaf.csr"],
            1,
            &[r#"{"code":1000,"message":"x509: provided PrivateKey doesn't match parent's PublicKey"}"#],
        ),
        fail(
            "1001 CA key file missing",
            Cfssl,
            &["gencert", "-ca", "ca.pem", "-ca-key", "missing-key.pem", "-config", "config.json", "leaf-csr.json"],
            1,
            &[r#"{"code":1001,"message":"open missing-key.pem: no such file or directory"}"#],
        ),
        fail(
            "1002 CA certificate is binary garbage",
            Cfssl,
            &["gencert", "-ca", "binary-garbage.bin", "-ca-key", "ca-key.pem", "-config", "config.json", "leaf-csr.json"],
            1,
            &[r#"{"code":1002,"message":"Failed to decode certificate"}"#],
        ),
        fail(
            "1002 CA certificate PEM truncated (no END line)",
            Cfssl,
            &["gencert", "-ca", "truncated-cert.pem", "-ca-key", "ca-key.pem", "-config", "config.json", "leaf-csr.json"],
            1,
            &[r#"{"code":1002,"message":"Failed to decode certificate"}"#],
        ),
        fail(
            "1003 CA certificate PEM holds bytes that are not DER",
            Cfssl,
            &["gencert", "-ca", "garbage-cert.pem", "-ca-key", "ca-key.pem", "-config", "config.json", "leaf-csr.json"],
            1,
            &[r#"{"code":1003,"message":"Failed to parse certificate"}"#],
        ),
        fail(
            "1003 CA certificate DER cut short inside intact PEM",
            Cfssl,
            &["gencert", "-ca", "short-der-cert.pem", "-ca-key", "ca-key.pem", "-config", "config.json", "leaf-csr.json"],
            1,
            &[r#"{"code":1003,"message":"Failed to parse certificate"}"#],
        ),
        fail(
            "1003 wrong PEM type: a CSR given as the CA certificate",
            Cfssl,
            &["gencert", "-ca", "leaf.csr", "-ca-key", "ca-key.pem", "-config", "config.json", "leaf-csr.json"],
            1,
            &[r#"{"code":1003,"message":"Failed to parse certificate"}"#],
        ),
        fail(
            "1003 wrong PEM type: a private key given as the CA certificate",
            Cfssl,
            &["gencert", "-ca", "ca-key.pem", "-ca-key", "ca-key.pem", "-config", "config.json", "leaf-csr.json"],
            1,
            &[r#"{"code":1003,"message":"Failed to parse certificate"}"#],
        ),
        fail(
            "8200 revocation reason out of range",
            Cfssl,
            &["revoke", "-serial", "1", "-aki", "00", "-db-config", "{db-config}", "-reason", "12"],
            1,
            &[r#"{"code":8200,"message":"Invalid revocation status"}"#],
        ),
        fail(
            "revoke without a database",
            Cfssl,
            &["revoke", "-serial", "1", "-aki", "00"],
            1,
            &["need DB config file (provide with -db-config)"],
        ),
        fail(
            "ocspsign without a certificate to answer for",
            Cfssl,
            &["ocspsign", "-ca", "ca.pem"],
            1,
            &["open : no such file or directory"],
        ),
        fail(
            "8100 ocspsign for a certificate of another issuer",
            Cfssl,
            &["ocspsign", "-ca", "ca.pem", "-responder", "ca.pem", "-responder-key", "ca-key.pem", "-cert", "other-issuer-leaf.pem"],
            1,
            &[r#"{"code":8100,"message":"Certificate not issued by this issuer"}"#],
        ),
        fail(
            "8200 ocspsign with a status that is not one",
            Cfssl,
            &["ocspsign", "-ca", "ca.pem", "-responder", "ca.pem", "-responder-key", "ca-key.pem", "-cert", "ca.pem", "-status", "valid"],
            1,
            &[r#"{"code":8200,"message":"Invalid revocation status"}"#],
        ),
        fail(
            "2000 -config without -ca",
            Cfssl,
            &["gencert", "-config", "config.json", "leaf-csr.json"],
            1,
            &[r#"{"code":2000,"message":"Unknown private key error"}"#],
        ),
        fail(
            "2002 CA key PEM truncated (no END line)",
            Cfssl,
            &["gencert", "-ca", "ca.pem", "-ca-key", "truncated-key.pem", "-config", "config.json", "leaf-csr.json"],
            1,
            &[r#"{"code":2002,"message":"Failed to decode private key"}"#],
        ),
        fail(
            "2002 CA key is binary garbage",
            Cfssl,
            &["gencert", "-ca", "ca.pem", "-ca-key", "binary-garbage.bin", "-config", "config.json", "leaf-csr.json"],
            1,
            &[r#"{"code":2002,"message":"Failed to decode private key"}"#],
        ),
        fail(
            "2002 CA key file holds only EC PARAMETERS",
            Cfssl,
            &["gencert", "-ca", "ca.pem", "-ca-key", "ec-params-only.pem", "-config", "config.json", "leaf-csr.json"],
            1,
            &[r#"{"code":2002,"message":"Failed to decode private key"}"#],
        ),
        fail(
            "2002 CA key from an unset environment variable",
            Cfssl,
            &["gencert", "-ca", "ca.pem", "-ca-key", "env:NO_SUCH_VARIABLE", "-config", "config.json", "leaf-csr.json"],
            1,
            &[r#"{"code":2002,"message":"Failed to decode private key"}"#],
        ),
        fail(
            "CA key text pasted where its file name belongs is not echoed",
            Cfssl,
            &["gencert", "-ca", "ca.pem", "-ca-key", "{ca-key-text}", "-config", "config.json", "leaf-csr.json"],
            1,
            &[r#"{"code":1001,"message":"open [PEM data given as a file name, not shown]: "#],
        ),
        fail(
            "2003 CA key PEM holds bytes that are not DER",
            Cfssl,
            &["gencert", "-ca", "ca.pem", "-ca-key", "garbage-key.pem", "-config", "config.json", "leaf-csr.json"],
            1,
            &[r#"{"code":2003,"message":"Failed to parse private key"}"#],
        ),
        fail(
            "2003 wrong PEM type: a certificate given as the CA key",
            Cfssl,
            &["gencert", "-ca", "ca.pem", "-ca-key", "ca.pem", "-config", "config.json", "leaf-csr.json"],
            1,
            &[r#"{"code":2003,"message":"Failed to parse private key"}"#],
        ),
        fail(
            "2100 CA key encrypted (legacy PEM encryption)",
            Cfssl,
            &["gencert", "-ca", "ca.pem", "-ca-key", "encrypted-legacy-key.pem", "-config", "config.json", "leaf-csr.json"],
            1,
            &[r#"{"code":2100,"message":"Private key is encrypted."}"#],
        ),
        fail(
            "2100 CA key encrypted (PKCS#8)",
            Cfssl,
            &["gencert", "-ca", "ca.pem", "-ca-key", "encrypted-pkcs8-key.pem", "-config", "config.json", "leaf-csr.json"],
            1,
            &[r#"{"code":2100,"message":"Private key is encrypted."}"#],
        ),
        fail(
            "2300 renewca with a key that is not the CA's",
            Cfssl,
            &["gencert", "-renewca", "-ca", "ca.pem", "-ca-key", "other-key.pem"],
            1,
            &[r#"{"code":2300,"message":"Private key does not match public key"}"#],
        ),
        fail(
            "2400 RSA 1024",
            Cfssl,
            &["gencert", "-initca", "rsa1024-csr.json"],
            1,
            &[r#"{"code":2400,"message":"RSA key is too weak"}"#],
        ),
        fail(
            "2400 RSA 16384",
            Cfssl,
            &["gencert", "-initca", "rsa16384-csr.json"],
            1,
            &[r#"{"code":2400,"message":"RSA key size too large"}"#],
        ),
        fail(
            "2400 unknown curve",
            Cfssl,
            &["genkey", "bad-curve-csr.json"],
            1,
            &[r#"{"code":2400,"message":"invalid curve"}"#],
        ),
        fail(
            "2400 upper-case algorithm",
            Cfssl,
            &["genkey", "bad-algo-csr.json"],
            1,
            &[r#"{"code":2400,"message":"invalid algorithm"}"#],
        ),
        fail(
            "5100 unknown profile falls back to a default without usages",
            Cfssl,
            &["gencert", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-config", "config-default-no-usages.json", "-profile", "kubernetse", "leaf-csr.json"],
            1,
            &[r#"{"code":5100,"message":"Invalid policy: no key usage available"}"#],
        ),
        fail(
            "5200 not_after before not_before",
            Cfssl,
            &["gencert", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-config", "config-dates-reversed.json", "leaf-csr.json"],
            1,
            &[r#"Failed to load config file: {"code":5200,"message":"not_after (2029-01-01"#, "is before not_before (2030-01-02"],
        ),
        fail(
            "5200 expiry in days",
            Cfssl,
            &["gencert", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-config", "config-days.json", "leaf-csr.json"],
            1,
            &[r#"Failed to load config file: {"code":5200,"message":"time: unknown unit \"d\" in duration \"365d\""}"#],
        ),
        fail(
            "5200 profile without expiry",
            Cfssl,
            &["gencert", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-config", "config-empty-expiry.json", "leaf-csr.json"],
            1,
            &[r#"{"code":5200,"message":"empty expiry string"}"#],
        ),
        fail(
            "5200 profile without usages",
            Cfssl,
            &["gencert", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-config", "config-profile-no-usages.json", "leaf-csr.json"],
            1,
            &[r#"{"code":5200,"message":"invalid configuration"}"#],
        ),
        fail(
            "5200 name_whitelist that is not a regular expression",
            Cfssl,
            &["gencert", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-config", "config-bad-regex.json", "leaf-csr.json"],
            1,
            &[r#"{"code":5200,"message":"failed to compile name whitelist section"}"#],
        ),
        fail(
            "5200 config of the wrong JSON type",
            Cfssl,
            &["gencert", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-config", "config-type-error.json", "leaf-csr.json"],
            1,
            &["failed to unmarshal configuration: json: cannot unmarshal string into Go struct field SigningProfile.signing.default.usages of type []string"],
        ),
        fail(
            "5200 config is a folder (unreadable)",
            Cfssl,
            &["gencert", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-config", "folder", "leaf-csr.json"],
            1,
            &[r#"Failed to load config file: {"code":5200,"message":"could not read configuration file"}"#],
        )
        .prepare(make_folder),
        fail(
            "config without a signing section",
            Cfssl,
            &["gencert", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-config", "config-no-signing.json", "leaf-csr.json"],
            1,
            &[r#"Failed to load config file: No "signing" field present"#],
        ),
        fail(
            "5300 initca without subject",
            Cfssl,
            &["gencert", "-initca", "no-subject-csr.json"],
            1,
            &[r#"{"code":5300,"message":"missing subject information"}"#],
        ),
        fail(
            "5300 CSR asks for a CA under a leaf profile",
            Cfssl,
            &["sign", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-config", "config.json", "-profile", "www", "subca.csr"],
            1,
            &["local signer policy disallows issuing CA certificate", r#"{"code":5300,"message":"Policy violation request"}"#],
        ),
        fail(
            "5300 remote address that cannot be read",
            Cfssl,
            &["gencert", "-remote", "localhost:notaport", "-config", "config.json", "leaf-csr.json"],
            1,
            &[
                r#"[ERROR] bad url: strconv.Atoi: parsing "notaport": invalid syntax"#,
                r#"{"code":5300,"message":"failed to connect to remote"}"#,
            ],
        ),
        fail(
            "5500 name outside the whitelist",
            Cfssl,
            &["sign", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-config", "config-whitelist.json", "leaf.csr"],
            1,
            &[r#"{"code":5500,"message":"Request does not match policy whitelist"}"#],
        ),
        fail(
            "9002 CSR is binary garbage",
            Cfssl,
            &["sign", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-config", "config.json", "binary-garbage.bin"],
            1,
            &[r#"{"code":9002,"message":"CSR Decode failed"}"#],
        ),
        fail(
            "9002 CSR PEM truncated (no END line)",
            Cfssl,
            &["sign", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-config", "config.json", "truncated.csr"],
            1,
            &[r#"{"code":9002,"message":"CSR Decode failed"}"#],
        ),
        fail(
            "9003 CSR PEM holds bytes that are not DER",
            Cfssl,
            &["sign", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-config", "config.json", "garbage.csr"],
            1,
            &[r#"{"code":9003,"message":"CSR Parsing failed"}"#],
        ),
        fail(
            "9003 CSR whose outer length is BER, not DER (Go's text, as cfssl)",
            Cfssl,
            &["sign", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-config", "config.json", "-profile", "www", "ber-length.csr"],
            1,
            &[r#"{"code":9003,"message":"asn1: structure error: superfluous leading zeros in length"}"#],
        ),
        fail(
            "1003 CA certificate whose outer length is BER, not DER (as cfssl)",
            Cfssl,
            &["sign", "-ca", "ber-length-cert.pem", "-ca-key", "ca-key.pem", "-config", "config.json", "-profile", "www", "leaf.csr"],
            1,
            &[r#"{"code":1003,"message":"Failed to parse certificate"}"#],
        ),
        fail(
            "1003 certinfo of a certificate whose outer length is BER (as cfssl)",
            Cfssl,
            &["certinfo", "-cert", "ber-length-cert.pem"],
            1,
            &[r#"{"code":1003,"message":"Failed to parse certificate"}"#],
        ),
        fail(
            "2003 CA key whose outer length is BER, not DER (as cfssl)",
            Cfssl,
            &["sign", "-ca", "ca.pem", "-ca-key", "ber-length-key.pem", "-config", "config.json", "-profile", "www", "leaf.csr"],
            1,
            &[r#"{"code":2003,"message":"Failed to parse private key"}"#],
        ),
        fail(
            "9300 wrong PEM type: a certificate given as the CSR",
            Cfssl,
            &["sign", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-config", "config.json", "ca.pem"],
            1,
            &[r#"{"code":9300,"message":"not a csr"}"#],
        ),
        fail(
            "9300 CSR with a bad signature",
            Cfssl,
            &["sign", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-config", "config.json", "-profile", "www", "tampered.csr"],
            1,
            &[r#"{"code":9300,"message":"crypto/rsa: verification error"}"#],
        ),
        fail(
            "9300 non-ASCII host in the CSR JSON",
            Cfssl,
            &["gencert", "-initca", "nonascii-host-csr.json"],
            1,
            &[r#"{"code":9300,"message":"x509: \"bücher.example\" cannot be encoded as an IA5String"}"#],
        ),
        fail(
            "9300 non-ASCII host in -hostname",
            Cfssl,
            &["gencert", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-config", "config.json", "-profile", "www", "-hostname", "ok.example,bücher.example", "leaf-csr.json"],
            1,
            &[r#"{"code":9300,"message":"x509: \"bücher.example\" cannot be encoded as an IA5String"}"#],
        ),
        fail(
            "9300 one-arc extension OID in the CSR JSON (genkey)",
            Cfssl,
            &["genkey", "one-arc-oid-csr.json"],
            1,
            &[r#"{"code":9300,"message":"x509: failed to serialise extensions attribute: asn1: structure error: invalid object identifier"}"#],
        ),
        fail(
            "9300 one-arc extension OID in the CSR JSON (gencert -initca)",
            Cfssl,
            &["gencert", "-initca", "one-arc-oid-csr.json"],
            1,
            &[r#"{"code":9300,"message":"x509: failed to serialise extensions attribute: asn1: structure error: invalid object identifier"}"#],
        ),
        fail(
            "9300 bad OID in names",
            Cfssl,
            &["genkey", "bad-oid-csr.json"],
            1,
            &[r#"{"code":9300,"message":"invalid OID part x"}"#],
        ),
        ok(
            "empty host is kept as an empty DNS name, as cfssl does",
            Cfssl,
            &["gencert", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-config", "config.json", "-profile", "www", "empty-host-csr.json"],
            check_cert_key_csr_on_stdout,
        ),
        // ---- JSON ----
        fail(
            "truncated CSR JSON",
            Cfssl,
            &["genkey", "truncated-csr.json"],
            1,
            &["unexpected end of JSON input"],
        ),
        fail(
            "empty CSR JSON file",
            Cfssl,
            &["genkey", "empty.json"],
            1,
            &["unexpected end of JSON input"],
        ),
        fail(
            "CSR JSON with a second object after the first",
            Cfssl,
            &["genkey", "trailing-csr.json"],
            1,
            &["invalid character '{' after top-level value"],
        ),
        fail(
            "CSR JSON with a wrong type",
            Cfssl,
            &["genkey", "type-error-csr.json"],
            1,
            &["json: cannot unmarshal string into Go struct field CertificateRequest.hosts of type []string"],
        ),
        fail(
            "CSR JSON behind a UTF-8 byte-order mark",
            Cfssl,
            &["genkey", "bom-csr.json"],
            1,
            &["invalid character 'ï' looking for beginning of value"],
        ),
        fail(
            "CSR JSON is binary garbage (from standard input)",
            Cfssl,
            &["genkey", "-"],
            1,
            &["invalid character '<' looking for beginning of value"],
        )
        .stdin("binary-garbage.bin"),
        fail(
            "config is binary garbage",
            Cfssl,
            &["gencert", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-config", "binary-garbage.bin", "leaf-csr.json"],
            1,
            &[r#"Failed to load config file: {"code":5200,"message":"failed to unmarshal configuration: invalid character '\u003c' looking for beginning of value"}"#],
        ),
        fail(
            "a private key given as the config does not echo the key",
            Cfssl,
            &["gencert", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-config", "ca-key.pem", "leaf-csr.json"],
            1,
            &["failed to unmarshal configuration: invalid character '-' in numeric literal"],
        ),
        fail(
            "CSR JSON nested 100000 deep",
            Cfssl,
            &["genkey", "{deep}"],
            1,
            &["invalid character '[' exceeded max depth"],
        ),
        fail(
            "config nested 100000 deep",
            Cfssl,
            &["gencert", "-initca", "-config", "{deep}", "ca-csr.json"],
            1,
            &["failed to unmarshal configuration: invalid character '[' exceeded max depth"],
        ),
        ok(
            "CSR JSON nested 10000 deep (Go's limit) in an ignored key",
            Cfssl,
            &["genkey", "{deep-ok}"],
            check_csr_key_on_stdout,
        ),
        ok(
            "100 MB CSR JSON (a 100 MB string in an ignored key)",
            Cfssl,
            &["genkey", "{big-string}"],
            check_csr_key_on_stdout,
        ),
        fail(
            "100 MB CSR JSON of whitespace, then garbage",
            Cfssl,
            &["genkey", "{big-ws}"],
            1,
            &["invalid character '@' looking for beginning of value"],
        ),
        fail(
            "100 MB config",
            Cfssl,
            &["gencert", "-initca", "-config", "{big-string}", "ca-csr.json"],
            1,
            &[r#"Failed to load config file: No "signing" field present"#],
        ),
        // ---- files that cannot be read ----
        fail(
            "CSR JSON file missing",
            Cfssl,
            &["genkey", "missing.json"],
            1,
            &["open missing.json: no such file or directory"],
        ),
        fail(
            "CSR JSON path is a folder",
            Cfssl,
            &["genkey", "folder"],
            1,
            &["read folder: is a directory"],
        )
        .prepare(make_folder),
        fail(
            "CSR JSON path goes through a regular file",
            Cfssl,
            &["genkey", "ca.pem/csr.json"],
            1,
            &["open ca.pem/csr.json: not a directory"],
        ),
        fail(
            "CSR JSON file without read permission (needs an unprivileged user)",
            Cfssl,
            &["genkey", "locked.json"],
            1,
            &["open locked.json: permission denied"],
        )
        .prepare(make_unreadable_file),
        fail(
            "CA key file without read permission (needs an unprivileged user)",
            Cfssl,
            &["gencert", "-ca", "ca.pem", "-ca-key", "locked.json", "-config", "config.json", "leaf-csr.json"],
            1,
            &[r#"{"code":1001,"message":"open locked.json: permission denied"}"#],
        )
        .prepare(make_unreadable_file),
        // ---- command line ----
        fail(
            "unknown flag (exit 2)",
            Cfssl,
            &["gencert", "-nosuchflag", "leaf-csr.json"],
            2,
            &["flag provided but not defined: -nosuchflag"],
        ),
        fail(
            "flag after the file becomes a second argument",
            Cfssl,
            &["gencert", "-initca", "ca-csr.json", "-loglevel", "0"],
            1,
            &["only one argument is accepted, please check with usage"],
        ),
        fail(
            "ca section without -initca",
            Cfssl,
            &["gencert", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-config", "config.json", "subca-csr.json"],
            1,
            &["ca section only permitted in initca"],
        ),
        // ---- cfssljson ----
        fail(
            "cfssljson: input file missing",
            Cfssljson,
            &["-bare", "-f", "missing.json", "out"],
            1,
            &["Failed to read input: open missing.json: no such file or directory"],
        ),
        fail(
            "cfssljson: input is a folder",
            Cfssljson,
            &["-bare", "-f", "folder", "out"],
            1,
            &["Failed to read input: read folder: is a directory"],
        )
        .prepare(make_folder),
        fail(
            "cfssljson: input is binary garbage",
            Cfssljson,
            &["-bare", "out"],
            1,
            &["Failed to parse input: invalid character '<' looking for beginning of value"],
        )
        .stdin("binary-garbage.bin"),
        fail(
            "cfssljson: a private key given as input does not echo the key",
            Cfssljson,
            &["-bare", "-f", "ca-key.pem", "out"],
            1,
            &["Failed to parse input: invalid character '-' in numeric literal"],
        ),
        fail(
            "cfssljson: key text pasted where the input file name belongs is not echoed",
            Cfssljson,
            &["-bare", "-f", "{ca-key-text}", "out"],
            1,
            &["Failed to read input: open [PEM data given as a file name, not shown]: "],
        ),
        fail(
            "cfssljson: empty input",
            Cfssljson,
            &["-bare", "-f", "empty.json", "out"],
            1,
            &["Failed to parse input: unexpected end of JSON input"],
        ),
        fail(
            "cfssljson: a number where the certificate should be",
            Cfssljson,
            &["-bare", "-f", "cfssljson-number.json", "out"],
            1,
            &[r#"Failed to parse input: "cert" must be a string, found number"#],
        ),
        fail(
            "cfssljson: failed API envelope",
            Cfssljson,
            &["-f", "cfssljson-failed-envelope.json", "out"],
            1,
            &["Request failed:\n\tpolicy violation\n"],
        ),
        fail(
            "cfssljson: OCSP response that is not base64",
            Cfssljson,
            &["-bare", "-f", "cfssljson-bad-ocsp.json", "out"],
            1,
            &["Failed to parse ocspResponse: illegal base64 data at input byte 3"],
        ),
        fail(
            "cfssljson: bundle without root",
            Cfssljson,
            &["-bare", "-f", "cfssljson-bundle-no-root.json", "out"],
            1,
            &["root parsing failed!"],
        ),
        fail(
            "cfssljson: input nested 100000 deep",
            Cfssljson,
            &["-bare", "-f", "{deep}", "out"],
            1,
            &["Failed to parse input: invalid character '[' exceeded max depth"],
        ),
        fail(
            "cfssljson: 100 MB of whitespace, then garbage",
            Cfssljson,
            &["-bare", "-f", "{big-ws}", "out"],
            1,
            &["Failed to parse input: invalid character '@' looking for beginning of value"],
        ),
        ok(
            "cfssljson: 100 MB input with nothing to write",
            Cfssljson,
            &["-bare", "-f", "{big-string}", "out"],
            check_nothing_written,
        ),
        fail(
            "cfssljson: output folder missing",
            Cfssljson,
            &["-bare", "-f", "cfssljson-good.json", "nodir/out"],
            1,
            &["open nodir/out.pem: no such file or directory"],
        ),
        fail(
            "cfssljson: output path goes through a regular file",
            Cfssljson,
            &["-bare", "-f", "cfssljson-good.json", "ca.pem/out"],
            1,
            &["open ca.pem/out.pem: not a directory"],
        ),
        fail(
            "cfssljson: output folder cannot be written (mode 0555, or chattr +i as root)",
            Cfssljson,
            &["-bare", "-f", "cfssljson-good.json", "folder/out"],
            1,
            &["open folder/out.pem: "],
        )
        .prepare(make_readonly_folder),
        fail(
            "cfssljson: an output name is a folder",
            Cfssljson,
            &["-bare", "-f", "cfssljson-good.json", "out"],
            1,
            &["open out-key.pem: is a directory"],
        )
        .prepare(make_key_name_a_folder),
        ok(
            "cfssljson: key file exists with mode 0644",
            Cfssljson,
            &["-bare", "-f", "cfssljson-good.json", "out"],
            check_key_replaced_not_rewritten,
        )
        .prepare(make_world_readable_key),
        fail(
            "cfssljson: key file exists with mode 0644 and a later output is bad",
            Cfssljson,
            &["-bare", "-f", "cfssljson-key-then-bad-ocsp.json", "out"],
            1,
            &["Failed to parse ocspResponse: illegal base64 data at input byte 3"],
        )
        .prepare(make_world_readable_key),
    ]
}

// ---- set-ups ----

fn make_folder(dir: &Path) -> Result<Option<Guard>, String> {
    fs::create_dir(dir.join("folder")).map_err(|e| e.to_string())?;
    fs::write(dir.join("folder/inside.txt"), "x").map_err(|e| e.to_string())?;
    Ok(None)
}

/// A file with mode 000. Privileged users read it anyway: the case is then skipped (the
/// folder-as-file and path-through-a-file cases cover unreadable input for them).
fn make_unreadable_file(dir: &Path) -> Result<Option<Guard>, String> {
    let path = dir.join("locked.json");
    fs::write(&path, r#"{"CN":"locked.example.test"}"#).map_err(|e| e.to_string())?;
    fs::set_permissions(&path, fs::Permissions::from_mode(0o000)).map_err(|e| e.to_string())?;
    if fs::read(&path).is_ok() {
        return Err("privileged user: a mode-000 file is still readable".into());
    }
    Ok(None)
}

/// A folder no file can be created in: mode 0555 for an unprivileged user; as root, whom
/// modes do not stop, the immutable attribute (`chattr +i`) when the file system has it.
fn make_readonly_folder(dir: &Path) -> Result<Option<Guard>, String> {
    let folder = dir.join("folder");
    fs::create_dir(&folder).map_err(|e| e.to_string())?;
    fs::set_permissions(&folder, fs::Permissions::from_mode(0o555)).map_err(|e| e.to_string())?;
    let guard = Guard(folder.clone());
    if fs::write(folder.join("probe"), "").is_err() {
        return Ok(Some(guard));
    }
    let _ = fs::remove_file(folder.join("probe"));
    let immutable = Command::new("chattr")
        .arg("+i")
        .arg(&folder)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if immutable && fs::write(folder.join("probe"), "").is_err() {
        return Ok(Some(guard));
    }
    Err("privileged user and no `chattr +i`: every folder is writable".into())
}

fn make_key_name_a_folder(dir: &Path) -> Result<Option<Guard>, String> {
    fs::create_dir(dir.join("out-key.pem")).map_err(|e| e.to_string())?;
    Ok(None)
}

/// `out-key.pem` exists, world-readable, with a hard link `old-key-link` to the same file, so
/// the check can tell whether the new key was ever written into that file.
fn make_world_readable_key(dir: &Path) -> Result<Option<Guard>, String> {
    let key = dir.join("out-key.pem");
    fs::write(&key, "OLD KEY\n").map_err(|e| e.to_string())?;
    fs::set_permissions(&key, fs::Permissions::from_mode(0o644)).map_err(|e| e.to_string())?;
    fs::hard_link(&key, dir.join("old-key-link")).map_err(|e| e.to_string())?;
    Ok(None)
}

// ---- checks of successful runs ----

fn stdout_json(run: &Run) -> Result<serde_json::Value, String> {
    serde_json::from_slice(&run.stdout).map_err(|e| format!("stdout is not JSON: {e}"))
}

fn has_pem(v: &serde_json::Value, key: &str, label: &str) -> Result<(), String> {
    let text = v[key].as_str().ok_or(format!("no {key:?} in the output"))?;
    if text.starts_with(&format!("-----BEGIN {label}")) {
        Ok(())
    } else {
        Err(format!("{key:?} is not a {label} PEM"))
    }
}

fn check_cert_key_csr_on_stdout(_: &Path, run: &Run) -> Result<(), String> {
    let v = stdout_json(run)?;
    has_pem(&v, "cert", "CERTIFICATE")?;
    has_pem(&v, "csr", "CERTIFICATE REQUEST")?;
    has_pem(&v, "key", "")
}

fn check_csr_key_on_stdout(_: &Path, run: &Run) -> Result<(), String> {
    let v = stdout_json(run)?;
    has_pem(&v, "csr", "CERTIFICATE REQUEST")?;
    has_pem(&v, "key", "")
}

fn check_nothing_written(dir: &Path, run: &Run) -> Result<(), String> {
    if !run.stdout.is_empty() {
        return Err("unexpected output".into());
    }
    for name in ["out.pem", "out-key.pem", "out.csr"] {
        if dir.join(name).exists() {
            return Err(format!("{name} written"));
        }
    }
    Ok(())
}

/// The new key is in a new file of mode 0600; the old, world-readable file (still reachable
/// through its hard link) never held it.
fn check_key_replaced_not_rewritten(dir: &Path, _: &Run) -> Result<(), String> {
    let key = dir.join("out-key.pem");
    let meta = fs::metadata(&key).map_err(|e| e.to_string())?;
    if meta.permissions().mode() & 0o777 != 0o600 {
        return Err(format!(
            "key file mode {:o}, expected 600",
            meta.permissions().mode() & 0o777
        ));
    }
    let new = fs::read_to_string(&key).map_err(|e| e.to_string())?;
    if !new.contains("BEGIN EC PRIVATE KEY") {
        return Err("key file does not hold the new key".into());
    }
    let link = dir.join("old-key-link");
    let old_meta = fs::metadata(&link).map_err(|e| e.to_string())?;
    if old_meta.ino() == meta.ino() {
        return Err("the key was written into the existing 0644 file".into());
    }
    if fs::read_to_string(&link).map_err(|e| e.to_string())? != "OLD KEY\n" {
        return Err("the old 0644 file was rewritten".into());
    }
    for entry in fs::read_dir(dir).map_err(|e| e.to_string())? {
        let name = entry.map_err(|e| e.to_string())?.file_name();
        if name.to_string_lossy().starts_with(".cfssljson-") {
            return Err(format!("temporary file left: {name:?}"));
        }
    }
    Ok(())
}

// ---- running ----

/// Everything about a folder's contents: kind, mode and bytes of each entry.
type Snapshot = BTreeMap<PathBuf, (String, u32, Vec<u8>)>;

fn snapshot(dir: &Path) -> Snapshot {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let rel = path.strip_prefix(dir).unwrap_or(&path).to_path_buf();
            let Ok(meta) = fs::symlink_metadata(&path) else {
                continue;
            };
            let mode = meta.permissions().mode() & 0o7777;
            if meta.is_dir() {
                todo.push(path);
                out.insert(rel, ("dir".into(), mode, Vec::new()));
            } else {
                let bytes = fs::read(&path).unwrap_or_else(|_| b"<unreadable>".to_vec());
                out.insert(rel, ("file".into(), mode, bytes));
            }
        }
    }
    out
}

fn describe_changes(before: &Snapshot, after: &Snapshot) -> String {
    let mut out = Vec::new();
    for (path, entry) in before {
        match after.get(path) {
            None => out.push(format!("removed {}", path.display())),
            Some(now) if now != entry => out.push(format!(
                "changed {} ({} {:o} -> {} {:o})",
                path.display(),
                entry.0,
                entry.1,
                now.0,
                now.1
            )),
            Some(_) => {}
        }
    }
    for path in after.keys() {
        if !before.contains_key(path) {
            out.push(format!("added {}", path.display()));
        }
    }
    out.join(", ")
}

/// Base64 fragments of every private key in the folder, which stderr must never show.
fn key_fragments(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.contains("key") {
            continue;
        }
        let Ok(text) = fs::read_to_string(entry.path()) else {
            continue;
        };
        if !text.contains("PRIVATE KEY") {
            continue;
        }
        for line in text.lines() {
            if line.len() >= 24 && !line.contains(':') && !line.starts_with("-----") {
                out.push(line[..24].to_string());
            }
        }
    }
    out
}

fn copy_fixtures(dir: &Path) {
    for entry in fs::read_dir(fixtures()).expect("fixtures/hostile") {
        let entry = entry.expect("entry");
        if entry.file_type().expect("type").is_file() {
            let to = dir.join(entry.file_name());
            fs::copy(entry.path(), &to).expect("copy fixture");
            fs::set_permissions(&to, fs::Permissions::from_mode(0o644)).expect("chmod");
        }
    }
}

/// The generated inputs, shared by every case.
struct Generated {
    _dir: tempfile::TempDir,
    subs: Vec<(&'static str, String)>,
}

fn generate() -> Generated {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        fs::write(&path, bytes).expect("write generated input");
        path.to_string_lossy().into_owned()
    };
    let mut big_string = Vec::with_capacity(BIG + 64);
    big_string.extend_from_slice(br#"{"CN":"big.example.test","comment":""#);
    big_string.resize(big_string.len() + BIG, b'a');
    big_string.extend_from_slice(b"\"}\n");
    let mut big_ws = vec![b' '; BIG];
    big_ws.extend_from_slice(b"@\n");
    let deep = "[".repeat(100_000);
    let deep_ok = format!(
        r#"{{"CN":"deep.example.test","comment":{}{}}}"#,
        "[".repeat(9_999),
        "]".repeat(9_999)
    );
    let subs = vec![
        ("{big-string}", write("big-string.json", &big_string)),
        ("{big-ws}", write("big-ws.json", &big_ws)),
        ("{deep}", write("deep.json", deep.as_bytes())),
        ("{deep-ok}", write("deep-ok.json", deep_ok.as_bytes())),
        (
            "{db-config}",
            write(
                "db.json",
                format!(
                    r#"{{"driver":"sqlite3","data_source":{:?}}}"#,
                    dir.path().join("certs.db").display().to_string()
                )
                .as_bytes(),
            ),
        ),
        (
            "{ca-key-text}",
            fs::read_to_string(fixtures().join("ca-key.pem")).expect("ca-key.pem"),
        ),
    ];
    Generated { _dir: dir, subs }
}

enum Outcome {
    Passed(Duration),
    Skipped(String),
    Failed(String),
}

fn run_case(case: &Case, generated: &Generated) -> Outcome {
    let dir = tempfile::tempdir().expect("tempdir");
    let out_dir = tempfile::tempdir().expect("tempdir");
    copy_fixtures(dir.path());
    let _guard = match case.prepare.map(|p| p(dir.path())) {
        Some(Err(reason)) => return Outcome::Skipped(reason),
        Some(Ok(guard)) => guard,
        None => None,
    };
    let fragments = key_fragments(dir.path());
    let before = snapshot(dir.path());
    let bin = match case.bin {
        Cfssl => CFSSL,
        Cfssljson => CFSSLJSON,
    };
    let args: Vec<String> = case
        .args
        .iter()
        .map(|a| {
            generated
                .subs
                .iter()
                .find(|(k, _)| k == a)
                .map_or_else(|| (*a).to_string(), |(_, v)| v.clone())
        })
        .collect();
    let stdout_path = out_dir.path().join("stdout");
    let stderr_path = out_dir.path().join("stderr");
    let stdin = match case.stdin {
        Some(file) => Stdio::from(fs::File::open(dir.path().join(file)).expect("stdin file")),
        None => Stdio::null(),
    };
    let started = Instant::now();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v {MEMORY_LIMIT_KIB} && exec \"$0\" \"$@\""
        ))
        .arg(bin)
        .args(&args)
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", dir.path())
        .env("TZ", "UTC")
        .env("LC_ALL", "C")
        .stdin(stdin)
        .stdout(fs::File::create(&stdout_path).expect("stdout file"))
        .stderr(fs::File::create(&stderr_path).expect("stderr file"))
        .spawn()
        .expect("spawn");
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            return Outcome::Failed(format!("still running after {DEADLINE:?}"));
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = started.elapsed();
    let run = Run {
        code: status.code().unwrap_or(-1),
        stdout: fs::read(&stdout_path).expect("stdout"),
        stderr: String::from_utf8_lossy(&fs::read(&stderr_path).expect("stderr")).into_owned(),
    };
    let mut problems = Vec::new();
    if status.code().is_none() {
        problems.push(format!("killed by a signal ({status})"));
    }
    for bad in [
        "panicked",
        "RUST_BACKTRACE",
        "stack overflow",
        "fatal runtime error",
        "memory allocation",
        "goroutine",
    ] {
        if run.stderr.contains(bad) {
            problems.push(format!("stderr contains {bad:?}"));
        }
    }
    if run.stderr.contains("PRIVATE KEY") || fragments.iter().any(|f| run.stderr.contains(f)) {
        problems.push("private key material on stderr".into());
    }
    match &case.expect {
        Expect::Fail(code, needles) => {
            if run.code != *code {
                problems.push(format!("exit status {}, expected {code}", run.code));
            }
            for needle in *needles {
                if !run.stderr.contains(needle) {
                    problems.push(format!("stderr lacks {needle:?}"));
                }
            }
            if !run.stdout.is_empty() {
                problems.push(format!("{} bytes on stdout", run.stdout.len()));
            }
            let after = snapshot(dir.path());
            if after != before {
                problems.push(format!(
                    "folder changed: {}",
                    describe_changes(&before, &after)
                ));
            }
        }
        Expect::Ok(check) => {
            if run.code != 0 {
                problems.push(format!("exit status {}, expected 0", run.code));
            }
            let after = snapshot(dir.path());
            if matches!(case.bin, Cfssl) && after != before {
                problems.push(format!(
                    "cfssl writes no files, but the folder changed: {}",
                    describe_changes(&before, &after)
                ));
            }
            if let Err(e) = check(dir.path(), &run) {
                problems.push(e);
            }
        }
    }
    if problems.is_empty() {
        Outcome::Passed(elapsed)
    } else {
        let tail: String = run
            .stderr
            .chars()
            .rev()
            .take(600)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        Outcome::Failed(format!("{}\n    stderr: …{tail}", problems.join("; ")))
    }
}

#[test]
fn hostile_inputs() {
    let cases = cases();
    assert!(cases.len() >= 40, "{} cases", cases.len());
    let generated = generate();
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, Outcome)>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(case) = cases.get(i) else {
                        break;
                    };
                    let outcome = run_case(case, &generated);
                    results.lock().expect("lock").push((i, outcome));
                }
            });
        }
    });
    let mut results = results.into_inner().expect("results");
    results.sort_by_key(|(i, _)| *i);
    let mut failures = Vec::new();
    for (i, outcome) in &results {
        let name = cases[*i].name;
        match outcome {
            Outcome::Passed(t) => eprintln!("ok      {t:>8.2?}  {name}"),
            Outcome::Skipped(why) => eprintln!("skipped           {name}: {why}"),
            Outcome::Failed(why) => {
                eprintln!("FAILED            {name}: {why}");
                failures.push(name);
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} hostile cases failed: {failures:#?}",
        failures.len(),
        cases.len()
    );
}

/// The case names are unique (the report refers to cases by name).
#[test]
fn case_names_are_unique() {
    let cases = cases();
    let mut names: Vec<&str> = cases.iter().map(|c| c.name).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len());
}
