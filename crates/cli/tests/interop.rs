//! Interoperability of what our `cfssl` and `cfssljson` issue with other X.509
//! and TLS implementations, for each key type: RSA-2048, ECDSA P-256, ECDSA
//! P-384 and Ed25519.
//!
//! Each test issues, with the binaries built for this run and cfssl-style
//! command lines (`fixtures/interop/README.md`), a root CA whose subject has a
//! multi-valued OU RDN, an intermediate CA (`pathlen:0`), and a server and a
//! client certificate signed by the intermediate. Then:
//!
//! 1. `openssl verify -x509_strict` accepts the server certificate for
//!    `sslserver` and the client certificate for `sslclient`, and refuses each
//!    for the other purpose;
//! 2. every certificate and CSR is parsed by x509-parser (which also checks
//!    every signature, with ring) and by `openssl x509` / `openssl req
//!    -verify`, and every private key by `openssl pkey`;
//! 3. `openssl s_server` (sending the intermediate, requiring a client
//!    certificate) and a client on Python's `ssl` module (host name checked,
//!    client chain presented) complete a mutual-TLS exchange; a client without
//!    a certificate, and a client expecting another host name, are refused.
//!    Both sides verify strictly (`-x509_strict`, `VERIFY_X509_STRICT`, the
//!    default from Python 3.13 on).
//!
//! Needs `openssl` and `python3` (with its `ssl` module) on `PATH`. Without
//! them each test passes with a message, unless the environment variable `CI`
//! is `true`, where it fails.

use std::fs;
use std::io::{Read, Write as _};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use x509_parser::certificate::X509Certificate;
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::extensions::GeneralName;
use x509_parser::oid_registry::OID_X509_ORGANIZATIONAL_UNIT;
use x509_parser::pem::Pem;
use x509_parser::prelude::FromDer;
use x509_parser::x509::SubjectPublicKeyInfo;

/// Longest any external program may run before it is killed and the test fails.
const PROCESS_TIMEOUT: Duration = Duration::from_secs(20);
/// Longest wait for `openssl s_server` to listen, and for a line in its log.
const SERVER_TIMEOUT: Duration = Duration::from_secs(10);
/// Socket timeout of the Python client, in seconds.
const CLIENT_SOCKET_TIMEOUT_SECS: &str = "10";
/// How often a bounded wait looks again.
const POLL_INTERVAL: Duration = Duration::from_millis(20);

/// The Python TLS client (see its docstring for its output).
const TLS_CLIENT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/tls_client.py");

/// The certificates of one PKI, each with its issuer, parents first. Every
/// `<name>` has a CSR request `<name>.json` and gets `<name>.pem`,
/// `<name>-key.pem` and `<name>.csr` from `cfssljson -bare <name>`.
const CERTIFICATES: [(&str, &str); 4] = [
    ("root", "root"),
    ("int", "root"),
    ("server", "int"),
    ("client", "int"),
];

/// Connections the TLS server accepts before it exits on its own: one per
/// client run in [`check_mutual_tls`].
const TLS_CONNECTIONS: usize = 4;

#[derive(Clone, Copy, Debug)]
enum KeyType {
    Rsa2048,
    EcdsaP256,
    EcdsaP384,
    Ed25519,
}

impl KeyType {
    /// The `key` object of a cfssl CSR request.
    fn request(self) -> Value {
        match self {
            Self::Rsa2048 => json!({"algo": "rsa", "size": 2048}),
            Self::EcdsaP256 => json!({"algo": "ecdsa", "size": 256}),
            Self::EcdsaP384 => json!({"algo": "ecdsa", "size": 384}),
            Self::Ed25519 => json!({"algo": "ed25519"}),
        }
    }

    /// The public key algorithm OID of a SubjectPublicKeyInfo, and its curve
    /// OID for EC keys.
    fn spki_algorithm(self) -> (&'static str, Option<&'static str>) {
        match self {
            Self::Rsa2048 => ("1.2.840.113549.1.1.1", None),
            Self::EcdsaP256 => ("1.2.840.10045.2.1", Some("1.2.840.10045.3.1.7")),
            Self::EcdsaP384 => ("1.2.840.10045.2.1", Some("1.3.132.0.34")),
            Self::Ed25519 => ("1.3.101.112", None),
        }
    }
}

#[test]
fn rsa2048_pki_interoperates() {
    check_interop(KeyType::Rsa2048);
}

#[test]
fn ecdsa_p256_pki_interoperates() {
    check_interop(KeyType::EcdsaP256);
}

#[test]
fn ecdsa_p384_pki_interoperates() {
    check_interop(KeyType::EcdsaP384);
}

#[test]
fn ed25519_pki_interoperates() {
    check_interop(KeyType::Ed25519);
}

fn check_interop(key: KeyType) {
    if !external_tools_available(key) {
        return;
    }
    let dir = tempfile::Builder::new()
        .prefix("cfssl-interop-")
        .tempdir()
        .expect("create a temporary folder");
    let dir = dir.path();
    issue_pki(dir, key);
    check_openssl_verify(dir);
    check_with_x509_parser(dir, key);
    check_with_openssl_parsers(dir);
    check_mutual_tls(dir);
}

// ---------------------------------------------------------------------------
// Tools

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Whether `openssl` and `python3` with its `ssl` module run here. When one is
/// missing: fails under `CI=true`, otherwise says that the test is skipped.
fn external_tools_available(key: KeyType) -> bool {
    let probes: [(&str, &[&str]); 2] = [
        ("openssl", &["version"]),
        ("python3", &["-c", "import ssl"]),
    ];
    let missing: Vec<&str> = probes
        .iter()
        .filter(|(program, args)| !runs_successfully(program, args))
        .map(|(program, _)| *program)
        .collect();
    if missing.is_empty() {
        return true;
    }
    let message = format!(
        "interop {key:?}: {} not available (python3 needs its ssl module)",
        missing.join(" and ")
    );
    assert!(!in_ci(), "{message}; CI=true requires these checks");
    eprintln!("{message}: skipping the test (it fails instead when CI=true)");
    false
}

fn runs_successfully(program: &str, args: &[&str]) -> bool {
    let Ok(mut child) = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    else {
        return false;
    };
    wait_or_kill(&mut child, PROCESS_TIMEOUT).is_some_and(|status| status.success())
}

fn cfssl(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cfssl"));
    command.current_dir(dir);
    command
}

fn cfssljson(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cfssljson"));
    command.current_dir(dir);
    command
}

fn openssl(dir: &Path) -> Command {
    let mut command = Command::new("openssl");
    command.current_dir(dir);
    command
}

// ---------------------------------------------------------------------------
// Issuing the PKI

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/interop")
        .join(name)
}

/// Writes the fixtures into `dir`, each CSR request with a `key` of type `key`.
fn write_inputs(dir: &Path, key: KeyType) {
    for (name, _) in CERTIFICATES {
        let file = format!("{name}.json");
        let text = fs::read_to_string(fixture(&file)).expect("interop fixture readable");
        let mut request: Value = serde_json::from_str(&text).expect("interop fixture is JSON");
        let Some(fields) = request.as_object_mut() else {
            panic!("fixtures/interop/{file} is not a JSON object");
        };
        fields.insert("key".to_owned(), key.request());
        let text = serde_json::to_string_pretty(&request).expect("serialise a CSR request");
        fs::write(dir.join(&file), text).expect("write a CSR request");
    }
    fs::copy(fixture("config.json"), dir.join("config.json")).expect("copy config.json");
}

/// The arguments of each `cfssl gencert`, whose output goes to `cfssljson
/// -bare <name>`; the same command lines as in `fixtures/interop/README.md`.
const GENCERT: [(&str, &str); 4] = [
    ("root", "-initca root.json"),
    (
        "int",
        "-ca root.pem -ca-key root-key.pem -config config.json -profile intermediate int.json",
    ),
    (
        "server",
        "-ca int.pem -ca-key int-key.pem -config config.json -profile server \
         -hostname=localhost,127.0.0.1 server.json",
    ),
    (
        "client",
        "-ca int.pem -ca-key int-key.pem -config config.json -profile client client.json",
    ),
];

fn issue_pki(dir: &Path, key: KeyType) {
    write_inputs(dir, key);
    for (name, args) in GENCERT {
        let args: Vec<&str> = args.split_whitespace().collect();
        gencert(dir, &args, name);
    }
}

/// `cfssl gencert <args> | cfssljson -bare <bare>`.
fn gencert(dir: &Path, args: &[&str], bare: &str) {
    let issued = run_ok(cfssl(dir).arg("gencert").args(args), None);
    run_ok(cfssljson(dir).args(["-bare", bare]), Some(&issued.stdout));
    for file in [
        format!("{bare}.pem"),
        format!("{bare}-key.pem"),
        format!("{bare}.csr"),
    ] {
        assert!(
            dir.join(&file).is_file(),
            "cfssljson -bare {bare} did not write {file}"
        );
    }
}

// ---------------------------------------------------------------------------
// Check 1: openssl verify with purposes

fn check_openssl_verify(dir: &Path) {
    let cases = [
        ("server.pem", "sslserver", true),
        ("client.pem", "sslclient", true),
        ("server.pem", "sslclient", false),
        ("client.pem", "sslserver", false),
    ];
    for (cert, purpose, accepted) in cases {
        let output = run(
            openssl(dir)
                .args(["verify", "-x509_strict", "-CAfile", "root.pem"])
                .args(["-untrusted", "int.pem", "-purpose", purpose, cert]),
            None,
        );
        let what = format!("openssl verify -purpose {purpose} {cert}");
        if accepted {
            assert!(
                output.status.success(),
                "{what} failed:\n{}",
                describe(&output)
            );
        } else {
            assert!(
                !output.status.success(),
                "{what} accepted it:\n{}",
                describe(&output)
            );
            // Refused for the purpose, not for a broken chain ("unsupported
            // certificate purpose" in OpenSSL 1.1, "unsuitable" in 3.x).
            assert!(
                text_of(&output).contains("certificate purpose"),
                "{what} failed for another reason than the purpose:\n{}",
                describe(&output)
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Check 2: independent parsers

/// Reads the only PEM block of `dir/file`, which must have label `label`.
fn read_pem(dir: &Path, file: &str, label: &str) -> Vec<u8> {
    let bytes = fs::read(dir.join(file)).unwrap_or_else(|e| panic!("cannot read {file}: {e}"));
    let blocks: Vec<Pem> = Pem::iter_from_buffer(&bytes)
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{file} is not PEM: {e:?}"));
    let [block] = blocks.as_slice() else {
        panic!("{file} holds {} PEM blocks, expected one", blocks.len());
    };
    assert_eq!(block.label, label, "PEM label of {file}");
    block.contents.clone()
}

fn parse_certificate<'a>(name: &str, der: &'a [u8]) -> X509Certificate<'a> {
    match X509Certificate::from_der(der) {
        Ok(([], cert)) => cert,
        Ok((rest, _)) => panic!("{name}.pem: {} bytes after the certificate", rest.len()),
        Err(e) => panic!("x509-parser cannot parse {name}.pem: {e}"),
    }
}

fn check_with_x509_parser(dir: &Path, key: KeyType) {
    let ders: Vec<Vec<u8>> = CERTIFICATES
        .iter()
        .map(|(name, _)| read_pem(dir, &format!("{name}.pem"), "CERTIFICATE"))
        .collect();
    let certs: Vec<X509Certificate<'_>> = CERTIFICATES
        .iter()
        .zip(&ders)
        .map(|((name, _), der)| parse_certificate(name, der))
        .collect();
    let cert = |wanted: &str| {
        let index = CERTIFICATES
            .iter()
            .position(|(name, _)| *name == wanted)
            .expect("a name from CERTIFICATES");
        &certs[index]
    };

    for (name, issuer_name) in CERTIFICATES {
        let (subject, issuer) = (cert(name), cert(issuer_name));
        assert_eq!(
            subject.issuer().as_raw(),
            issuer.subject().as_raw(),
            "issuer of {name}.pem is not, byte for byte, the subject of {issuer_name}.pem"
        );
        subject
            .verify_signature(Some(issuer.public_key()))
            .unwrap_or_else(|e| {
                panic!("signature of {name}.pem does not verify with {issuer_name}.pem's key: {e}")
            });
        check_key_type(&format!("{name}.pem"), subject.public_key(), key);
        check_csr(dir, name, subject);
    }
    check_root(cert("root"));
    check_intermediate(cert("int"));
    check_leaf("server", cert("server"), true);
    check_leaf("client", cert("client"), false);
}

fn check_key_type(what: &str, spki: &SubjectPublicKeyInfo<'_>, key: KeyType) {
    let (algorithm, curve) = key.spki_algorithm();
    assert_eq!(
        spki.algorithm.algorithm.to_id_string(),
        algorithm,
        "{what}: public key algorithm for {key:?}"
    );
    if let Some(curve) = curve {
        let parameter = spki.algorithm.parameters.as_ref();
        let actual = parameter
            .and_then(|p| p.as_oid().ok())
            .map(|oid| oid.to_id_string());
        assert_eq!(actual.as_deref(), Some(curve), "{what}: curve for {key:?}");
    }
    if let KeyType::Rsa2048 = key {
        let parsed = spki
            .parsed()
            .unwrap_or_else(|e| panic!("{what}: RSA key: {e}"));
        assert_eq!(parsed.key_size(), 2048, "{what}: RSA modulus size");
    }
}

/// The CSR `cfssljson` wrote next to `<name>.pem`: parsed, self-signature
/// valid, same subject and public key as the certificate.
fn check_csr(dir: &Path, name: &str, cert: &X509Certificate<'_>) {
    let der = read_pem(dir, &format!("{name}.csr"), "CERTIFICATE REQUEST");
    let csr = match X509CertificationRequest::from_der(&der) {
        Ok(([], csr)) => csr,
        Ok((rest, _)) => panic!("{name}.csr: {} bytes after the CSR", rest.len()),
        Err(e) => panic!("x509-parser cannot parse {name}.csr: {e}"),
    };
    csr.verify_signature()
        .unwrap_or_else(|e| panic!("self-signature of {name}.csr does not verify: {e}"));
    let info = &csr.certification_request_info;
    assert_eq!(
        info.subject.to_string(),
        cert.subject().to_string(),
        "subject of {name}.csr and {name}.pem"
    );
    assert_eq!(
        info.subject_pki.raw,
        cert.public_key().raw,
        "public key of {name}.csr and {name}.pem"
    );
}

fn check_root(root: &X509Certificate<'_>) {
    let multi_valued: Vec<_> = root
        .subject()
        .iter()
        .filter(|rdn| rdn.iter().count() > 1)
        .collect();
    let [ou] = multi_valued.as_slice() else {
        panic!(
            "root.pem subject {} should have one multi-valued RDN, has {}",
            root.subject(),
            multi_valued.len()
        );
    };
    let mut values: Vec<&str> = ou
        .iter()
        .map(|attribute| {
            assert_eq!(
                attribute.attr_type(),
                &OID_X509_ORGANIZATIONAL_UNIT,
                "root.pem: multi-valued RDN should hold OUs only"
            );
            attribute.as_str().expect("OU value is a string")
        })
        .collect();
    values.sort_unstable();
    assert_eq!(
        values,
        ["Platform", "Security"],
        "root.pem multi-valued OU RDN"
    );
    let constraints = root
        .basic_constraints()
        .expect("root.pem basic constraints parse")
        .expect("root.pem has basic constraints");
    assert!(constraints.value.ca, "root.pem is not a CA");
}

fn check_intermediate(int: &X509Certificate<'_>) {
    let constraints = int
        .basic_constraints()
        .expect("int.pem basic constraints parse")
        .expect("int.pem has basic constraints");
    assert!(
        constraints.critical,
        "int.pem basic constraints not critical"
    );
    assert!(constraints.value.ca, "int.pem is not a CA");
    assert_eq!(
        constraints.value.path_len_constraint,
        Some(0),
        "int.pem pathlen"
    );
    let usage = int
        .key_usage()
        .expect("int.pem key usage parses")
        .expect("int.pem has a key usage");
    assert!(
        usage.value.key_cert_sign() && usage.value.crl_sign(),
        "int.pem key usage {:?} lacks cert sign or crl sign",
        usage.value
    );
}

/// `server.pem` (`server` true) or `client.pem`: not a CA, right EKU only,
/// and for the server the host names given with `-hostname`.
fn check_leaf(name: &str, leaf: &X509Certificate<'_>, server: bool) {
    let constraints = leaf
        .basic_constraints()
        .expect("leaf basic constraints parse");
    assert!(
        constraints.is_none_or(|c| !c.value.ca),
        "{name}.pem is a CA certificate"
    );
    let usage = leaf
        .key_usage()
        .expect("leaf key usage parses")
        .unwrap_or_else(|| panic!("{name}.pem has no key usage"));
    assert!(
        usage.value.digital_signature() && usage.value.key_encipherment(),
        "{name}.pem key usage {:?}",
        usage.value
    );
    let eku = leaf
        .extended_key_usage()
        .expect("leaf extended key usage parses")
        .unwrap_or_else(|| panic!("{name}.pem has no extended key usage"));
    assert_eq!(
        (eku.value.server_auth, eku.value.client_auth),
        (server, !server),
        "{name}.pem extended key usage (server auth, client auth)"
    );
    if server {
        let san = leaf
            .subject_alternative_name()
            .expect("server SAN parses")
            .expect("server.pem has a subject alternative name");
        let names = &san.value.general_names;
        assert!(
            names.contains(&GeneralName::DNSName("localhost")),
            "server.pem SAN {names:?} lacks DNS:localhost"
        );
        assert!(
            names.contains(&GeneralName::IPAddress(&[127, 0, 0, 1])),
            "server.pem SAN {names:?} lacks IP:127.0.0.1"
        );
    }
}

fn check_with_openssl_parsers(dir: &Path) {
    for (name, _) in CERTIFICATES {
        let cert = format!("{name}.pem");
        run_ok(
            openssl(dir).args(["x509", "-noout", "-text", "-in", &cert]),
            None,
        );

        // OpenSSL 1.1 `req -verify` exits 0 even on a bad signature: read its verdict.
        let csr = format!("{name}.csr");
        let output = run_ok(
            openssl(dir).args(["req", "-noout", "-verify", "-in", &csr]),
            None,
        );
        let verdict = text_of(&output);
        assert!(
            verdict.contains("verify OK") && !verdict.contains("failure"),
            "openssl req -verify -in {csr}:\n{}",
            describe(&output)
        );

        let key = format!("{name}-key.pem");
        run_ok(openssl(dir).args(["pkey", "-noout", "-in", &key]), None);
        check_key_label(dir, &key);
    }
}

/// A private key must be under a PEM label that OpenSSL's PEM reader, and so
/// Python's `ssl`, recognise: cfssl 1.6.5's `Ed25519 PRIVATE KEY` is not one.
fn check_key_label(dir: &Path, key: &str) {
    let text = fs::read_to_string(dir.join(key)).expect("key file is text");
    let first = text.lines().next().unwrap_or_default();
    let known = ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"];
    assert!(
        known
            .iter()
            .any(|label| first == format!("-----BEGIN {label}-----")),
        "{key} starts with {first:?}, a label other TLS stacks do not load"
    );
}

// ---------------------------------------------------------------------------
// Check 3: mutual TLS between openssl s_server and Python's ssl

fn check_mutual_tls(dir: &Path) {
    let mut client_chain = fs::read(dir.join("client.pem")).expect("read client.pem");
    client_chain.extend(fs::read(dir.join("int.pem")).expect("read int.pem"));
    fs::write(dir.join("client-chain.pem"), client_chain).expect("write client-chain.pem");
    let client_cert = Some(("client-chain.pem", "client-key.pem"));

    let server = TlsServer::start(dir, TLS_CONNECTIONS);

    // The server certificate names both: `-hostname=localhost,127.0.0.1`.
    for hostname in ["localhost", "127.0.0.1"] {
        let report = tls_client(dir, server.port, hostname, client_cert);
        check_answered(dir, &server, hostname, &report);
    }

    let report = tls_client(dir, server.port, "localhost", None);
    assert_eq!(
        report.field("outcome"),
        "refused",
        "a client without a certificate was not refused: {}\n{}",
        report.summary(),
        server.logs()
    );
    server.wait_for_log("peer did not return a certificate");

    let report = tls_client(dir, server.port, "other.invalid", client_cert);
    assert!(
        report.field("error_kind") == "certificate-verify-failed"
            && report
                .field("error")
                .to_lowercase()
                .contains("hostname mismatch"),
        "a client expecting host other.invalid did not refuse the server: {}\n{}",
        report.summary(),
        server.logs()
    );
}

/// The exchange went through: the server answered, presented `server.pem`,
/// and received `client.pem`.
fn check_answered(dir: &Path, server: &TlsServer, hostname: &str, report: &ClientReport) {
    let context = || {
        format!(
            "client to {hostname}: {}\n{}",
            report.summary(),
            server.logs()
        )
    };
    assert_eq!(report.field("outcome"), "ok", "{}", context());
    let response = report.field("response");
    assert!(
        response.starts_with("HTTP/1.0 200 ok"),
        "unexpected answer {response:?}; {}",
        context()
    );

    let server_der = read_pem(dir, "server.pem", "CERTIFICATE");
    assert_eq!(
        report.field("peer_certificate_der_hex"),
        hex(&server_der),
        "the server did not present server.pem; {}",
        context()
    );

    // `s_server -www` prints the client certificate it received.
    let client_der = read_pem(dir, "client.pem", "CERTIFICATE");
    let seen = response
        .split_once("Client certificate")
        .and_then(|(_, rest)| {
            rest.find("-----BEGIN CERTIFICATE-----")
                .map(|at| &rest[at..])
        })
        .and_then(|pem| x509_parser::pem::parse_x509_pem(pem.as_bytes()).ok())
        .map(|(_, pem)| pem.contents);
    assert_eq!(
        seen.as_deref(),
        Some(client_der.as_slice()),
        "the server did not report client.pem as the client certificate; {}",
        context()
    );
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The JSON object the Python client prints (see `tests/interop/tls_client.py`).
#[derive(Debug)]
struct ClientReport(Value);

impl ClientReport {
    /// A string field; empty when absent.
    fn field(&self, name: &str) -> &str {
        self.0[name].as_str().unwrap_or_default()
    }

    /// The report without the server's answer and certificate, for messages.
    fn summary(&self) -> String {
        let mut brief = self.0.clone();
        if let Some(fields) = brief.as_object_mut() {
            fields.remove("response");
            fields.remove("peer_certificate_der_hex");
        }
        brief.to_string()
    }
}

/// Runs the Python client against 127.0.0.1:`port`, checking the server's
/// certificate against `root.pem` and `hostname`, presenting `cert` (chain
/// file, key file) if given.
fn tls_client(dir: &Path, port: u16, hostname: &str, cert: Option<(&str, &str)>) -> ClientReport {
    let port = port.to_string();
    let mut options = vec![
        ("--port", port.as_str()),
        ("--cafile", "root.pem"),
        ("--server-hostname", hostname),
        ("--timeout", CLIENT_SOCKET_TIMEOUT_SECS),
    ];
    if let Some((chain, key)) = cert {
        options.extend([("--cert", chain), ("--key", key)]);
    }
    let mut command = Command::new("python3");
    command
        .current_dir(dir)
        .arg(TLS_CLIENT)
        .args(options.iter().flat_map(|(name, value)| [name, value]));
    let output = run_ok(&mut command, None);
    match serde_json::from_slice(&output.stdout) {
        Ok(report) => ClientReport(report),
        Err(e) => panic!(
            "the TLS client printed no JSON report ({e}):\n{}",
            describe(&output)
        ),
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port on 127.0.0.1");
    listener
        .local_addr()
        .expect("address of a bound listener")
        .port()
}

/// `openssl s_server -www` on 127.0.0.1, serving `server.pem` with `int.pem`
/// and requiring a client certificate issued under `root.pem`. It exits after
/// its connections, and is killed when dropped (also when a test fails).
#[derive(Debug)]
struct TlsServer {
    child: Child,
    port: u16,
    stdout: PathBuf,
    stderr: PathBuf,
}

impl TlsServer {
    fn start(dir: &Path, connections: usize) -> Self {
        // Another program may take the free port before the server binds it: try a few.
        let mut failures = Vec::new();
        for _ in 0..3 {
            let mut server = Self::spawn(dir, free_port(), connections);
            match server.wait_until_listening() {
                Ok(()) => return server,
                Err(failure) => failures.push(failure),
            }
        }
        panic!("openssl s_server did not start:\n{}", failures.join("\n"));
    }

    fn spawn(dir: &Path, port: u16, connections: usize) -> Self {
        let stdout = dir.join(format!("s_server-{port}.out"));
        let stderr = dir.join(format!("s_server-{port}.err"));
        let log = |path: &Path| fs::File::create(path).expect("create an s_server log file");
        let accept = format!("127.0.0.1:{port}");
        let naccept = connections.to_string();
        let options = [
            ("-accept", accept.as_str()),
            // Exit after that many connections.
            ("-naccept", naccept.as_str()),
            ("-cert", "server.pem"),
            ("-key", "server-key.pem"),
            // Sent after the server certificate.
            ("-cert_chain", "int.pem"),
            // Trust anchor for client certificates.
            ("-CAfile", "root.pem"),
            // Require a client certificate; chains of up to 2 CAs.
            ("-Verify", "2"),
        ];
        let child = openssl(dir)
            .arg("s_server")
            .args(options.iter().flat_map(|(name, value)| [name, value]))
            .args(["-verify_return_error", "-x509_strict", "-www"])
            .stdin(Stdio::null())
            .stdout(log(&stdout))
            .stderr(log(&stderr))
            .spawn()
            .expect("start openssl s_server");
        Self {
            child,
            port,
            stdout,
            stderr,
        }
    }

    /// Waits for `ACCEPT`, which s_server prints once it listens.
    fn wait_until_listening(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + SERVER_TIMEOUT;
        loop {
            let stdout = fs::read_to_string(&self.stdout).unwrap_or_default();
            if stdout.lines().any(|line| line == "ACCEPT") {
                return Ok(());
            }
            match self.child.try_wait() {
                Ok(Some(status)) => {
                    return Err(format!(
                        "port {}: exited with {status}\n{}",
                        self.port,
                        self.logs()
                    ));
                }
                Ok(None) if Instant::now() < deadline => thread::sleep(POLL_INTERVAL),
                Ok(None) => {
                    return Err(format!(
                        "port {}: not listening after {SERVER_TIMEOUT:?}\n{}",
                        self.port,
                        self.logs()
                    ));
                }
                Err(e) => return Err(format!("port {}: cannot poll s_server: {e}", self.port)),
            }
        }
    }

    fn logs(&self) -> String {
        let read = |path: &Path| fs::read_to_string(path).unwrap_or_default();
        format!(
            "s_server stdout:\n{}\ns_server stderr:\n{}",
            read(&self.stdout),
            read(&self.stderr)
        )
    }

    /// Waits until the server's log holds `text`.
    fn wait_for_log(&self, text: &str) {
        let deadline = Instant::now() + SERVER_TIMEOUT;
        while !self.logs().contains(text) {
            assert!(
                Instant::now() < deadline,
                "s_server did not log {text:?} within {SERVER_TIMEOUT:?}:\n{}",
                self.logs()
            );
            thread::sleep(POLL_INTERVAL);
        }
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        // It may have exited already after its last connection.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------
// Running programs, every wait bounded

/// Runs `command` to completion (feeding `stdin`, or nothing), killing it and
/// failing after [`PROCESS_TIMEOUT`].
fn run(command: &mut Command, stdin: Option<&[u8]>) -> Output {
    let what = format!("{command:?}");
    command
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    let feeder = child.stdin.take().map(|mut pipe| {
        let data = stdin.unwrap_or_default().to_vec();
        // The program may exit without reading everything: ignore a broken pipe.
        thread::spawn(move || drop(pipe.write_all(&data)))
    });
    let stdout = read_in_background(child.stdout.take());
    let stderr = read_in_background(child.stderr.take());
    let Some(status) = wait_or_kill(&mut child, PROCESS_TIMEOUT) else {
        panic!("{what} did not finish within {PROCESS_TIMEOUT:?} and was killed");
    };
    if let Some(feeder) = feeder {
        feeder.join().expect("stdin writer thread");
    }
    Output {
        status,
        stdout: stdout.join().expect("stdout reader thread"),
        stderr: stderr.join().expect("stderr reader thread"),
    }
}

/// [`run`], failing unless the program exits with status 0.
fn run_ok(command: &mut Command, stdin: Option<&[u8]>) -> Output {
    let output = run(command, stdin);
    assert!(
        output.status.success(),
        "{command:?} failed:\n{}",
        describe(&output)
    );
    output
}

fn read_in_background(pipe: Option<impl Read + Send + 'static>) -> JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            // A read error only shortens the output shown in a failure message.
            let _ = pipe.read_to_end(&mut bytes);
        }
        bytes
    })
}

/// Waits for `child` at most `limit`; past it, kills it and returns `None`.
fn wait_or_kill(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < deadline => thread::sleep(POLL_INTERVAL),
            Ok(None) | Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

fn text_of(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn describe(output: &Output) -> String {
    format!(
        "{}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
