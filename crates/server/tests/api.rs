//! The server in-process on a loopback port: cfssl's envelope and codes for
//! each endpoint, the log lines, and the bounds (huge and slow requests,
//! many connections, graceful shutdown), through raw HTTP/1.1 so every byte
//! on the wire is checked.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cfssl_core::config::Config;
use cfssl_core::csr::CertificateRequest;
use cfssl_core::key::PrivateKey;
use cfssl_core::log::{Level, NoLog, SharedLog};
use cfssl_core::signer::LocalSigner;
use cfssl_core::{cert::Certificate, initca};
use cfssl_server::{Limits, ServeOptions};

#[derive(Default)]
struct Lines(Mutex<Vec<(Level, String)>>);

impl SharedLog for Lines {
    fn log(&self, level: Level, msg: &str) {
        self.0.lock().unwrap().push((level, msg.to_string()));
    }
}

impl Lines {
    fn has(&self, level: Level, text: &str) -> bool {
        self.0
            .lock()
            .unwrap()
            .iter()
            .any(|(l, m)| *l == level && m.contains(text))
    }
}

struct Server {
    addr: SocketAddr,
    log: Arc<Lines>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<Result<(), cfssl_server::ServeError>>>,
}

impl Server {
    fn stop(mut self) -> Result<(), cfssl_server::ServeError> {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        self.thread.take().unwrap().join().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

const CONFIG: &str = r#"{"signing":{"default":{"expiry":"168h","usages":["signing","key encipherment","server auth"]},
 "profiles":{"client":{"expiry":"1h","usages":["client auth"]},
             "authed":{"expiry":"1h","usages":["server auth"],"auth_key":"k"},
             "serial":{"expiry":"1h","usages":["server auth"],"ClientProvidesSerialNumbers":true}}},
 "auth_keys":{"k":{"type":"standard","key":"0123456789abcdef0123456789abcdef"}}}"#;

fn ca() -> (String, String) {
    let req =
        CertificateRequest::from_json(br#"{"CN":"Test CA","key":{"algo":"ecdsa","size":256}}"#)
            .unwrap();
    let out = initca::new(&req, Default::default(), &mut NoLog).unwrap();
    (out.cert.to_pem(), out.key.unwrap().to_pem())
}

fn start_with(limits: Limits, configure: impl FnOnce(&mut ServeOptions)) -> Server {
    let (cert, key) = ca();
    let log = Arc::new(Lines::default());
    let shared: Arc<dyn SharedLog> = log.clone();
    let signer = LocalSigner::new(
        Certificate::from_pem(cert.as_bytes()).unwrap(),
        PrivateKey::from_pem(key.as_bytes()).unwrap(),
        Config::from_json(CONFIG.as_bytes()).unwrap(),
    )
    .with_log(shared.clone());
    let mut opts = ServeOptions::new(shared);
    opts.port = 0;
    opts.signer = Some(Arc::new(signer));
    opts.limits = limits;
    configure(&mut opts);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(cfssl_server::run_until(
            opts,
            async {
                let _ = rx.await;
            },
            move |a| {
                let _ = ready_tx.send(a);
            },
        ))
    });
    let addr = ready_rx
        .recv_timeout(Duration::from_secs(10))
        .expect("server started");
    Server {
        addr,
        log,
        stop: Some(tx),
        thread: Some(thread),
    }
}

fn start() -> Server {
    start_with(Limits::default(), |_| {})
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

fn parse_response(raw: &[u8]) -> Response {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n").expect("a full response");
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Response {
        status,
        headers,
        body: body.to_string(),
    }
}

fn request(addr: SocketAddr, method: &str, path: &str, body: &str) -> Response {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    parse_response(&raw)
}

fn post(addr: SocketAddr, endpoint: &str, body: &str) -> Response {
    request(addr, "POST", &format!("/api/v1/cfssl/{endpoint}"), body)
}

fn csr(cn: &str, hosts: &[&str]) -> String {
    let hosts: Vec<String> = hosts.iter().map(|h| format!("\"{h}\"")).collect();
    let req = CertificateRequest::from_json(
        format!("{{\"CN\":\"{cn}\",\"hosts\":[{}]}}", hosts.join(",")).as_bytes(),
    )
    .unwrap();
    let key = PrivateKey::generate(&req.key).unwrap();
    req.generate_pem(&key).unwrap()
}

fn error_body(code: u32, message: &str) -> String {
    format!(
        "{{\"success\":false,\"result\":null,\"errors\":[{{\"code\":{code},\"message\":{}}}],\"messages\":[]}}\n",
        serde_json::to_string(message).unwrap()
    )
}

fn assert_error(r: &Response, status: u16, code: u32, message: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.body, error_body(code, message));
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
}

fn issued(r: &Response) -> x509_parser::certificate::X509Certificate<'static> {
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let v = r.json();
    let pem = v["result"]["certificate"].as_str().unwrap().to_string();
    assert!(pem.ends_with("-----END CERTIFICATE-----\n"));
    let der = x509_parser::pem::parse_x509_pem(pem.as_bytes())
        .unwrap()
        .1
        .contents;
    let der: &'static [u8] = Box::leak(der.into_boxed_slice());
    x509_parser::parse_x509_certificate(der).unwrap().1
}

fn sans(c: &x509_parser::certificate::X509Certificate<'_>) -> Vec<String> {
    c.subject_alternative_name()
        .unwrap()
        .map(|s| {
            s.value
                .general_names
                .iter()
                .map(|n| match n {
                    x509_parser::extensions::GeneralName::DNSName(d) => (*d).to_string(),
                    other => format!("{other:?}"),
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn sign_overrides_hosts_and_logs_like_cfssl() {
    let s = start();
    let pem = csr("leaf", &["csr.example"]);
    let body = serde_json::json!({"certificate_request": pem, "hosts": ["a.example", "b.example"]});
    let r = post(s.addr, "sign", &body.to_string());
    let c = issued(&r);
    assert_eq!(sans(&c), ["a.example", "b.example"]);
    let v = r.json();
    assert_eq!(v["errors"], serde_json::json!([]));
    assert_eq!(v["messages"], serde_json::json!([]));
    assert!(
        r.body
            .starts_with("{\"success\":true,\"result\":{\"certificate\":")
    );
    assert!(r.body.ends_with("},\"errors\":[],\"messages\":[]}\n"));
    // hostname wins over hosts; an unknown profile falls back to the default.
    let body = serde_json::json!({"certificate_request": pem, "hosts": ["x"], "hostname": "h1,h2", "profile": "nope"});
    let c = issued(&post(s.addr, "sign", &body.to_string()));
    assert_eq!(sans(&c), ["h1", "h2"]);
    let days = (c.validity().not_after.timestamp() - c.validity().not_before.timestamp()) / 3600;
    assert_eq!(days, 168);
    assert!(s.log.has(Level::Info, "signature request received"));
    assert!(
        s.log
            .has(Level::Info, "signed certificate with serial number ")
    );
    assert!(s.log.has(Level::Info, "wrote response"));
    assert!(s.log.has(Level::Info, " - \"POST /api/v1/cfssl/sign\" 200"));
}

#[test]
fn sign_errors_in_cfssl_order() {
    let s = start();
    assert_error(
        &post(s.addr, "sign", "{bad"),
        400,
        400,
        "Unable to parse sign request",
    );
    assert_error(
        &post(s.addr, "sign", "[]"),
        400,
        400,
        "Unable to parse sign request",
    );
    assert_error(
        &post(s.addr, "sign", "{}"),
        400,
        400,
        "missing parameter 'certificate_request'",
    );
    assert_error(
        &post(s.addr, "sign", r#"{"certificate_request":"garbage"}"#),
        400,
        9002,
        "CSR Decode failed",
    );
    assert!(s.log.has(Level::Info, "\"POST /api/v1/cfssl/sign\" 9002"));
    let pem = csr("leaf", &["a"]);
    let body = serde_json::json!({"certificate_request": pem, "profile": "authed"});
    assert_error(
        &post(s.addr, "sign", &body.to_string()),
        400,
        400,
        "authentication required",
    );
    assert!(s.log.has(Level::Error, "profile requires authentication"));
    let body = serde_json::json!({"certificate_request": pem, "profile": "serial"});
    assert_error(
        &post(s.addr, "sign", &body.to_string()),
        400,
        1400,
        "Missing serial number in request",
    );
    let body = format!(
        "{{\"certificate_request\":{},\"profile\":\"serial\",\"serial\":123456789012345678901234567890}}",
        serde_json::to_string(&pem).unwrap()
    );
    let c = issued(&post(s.addr, "sign", &body));
    assert_eq!(
        c.raw_serial_as_string().replace(':', ""),
        "018ee90ff6c373e0ee4e3f0ad2"
    );
    // bundle without a bundler: success with cfssl's 5300 message.
    let body = serde_json::json!({"certificate_request": pem, "bundle": true});
    let r = post(s.addr, "sign", &body.to_string());
    issued(&r);
    assert_eq!(
        r.json()["messages"],
        serde_json::json!([{"code": 5300, "message": cfssl_core::api::NO_BUNDLER_MESSAGE}])
    );
}

#[test]
fn methods_paths_and_health() {
    let s = start();
    let r = request(s.addr, "GET", "/api/v1/cfssl/health", "");
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body,
        "{\"success\":true,\"result\":{\"healthy\":true},\"errors\":[],\"messages\":[]}\n"
    );
    assert_error(
        &request(s.addr, "GET", "/api/v1/cfssl/sign", ""),
        405,
        405,
        "Method is not allowed:\"GET\"",
    );
    assert_error(
        &request(s.addr, "PUT", "/api/v1/cfssl/info", "{}"),
        405,
        405,
        "Method is not allowed:\"PUT\"",
    );
    let head = request(s.addr, "HEAD", "/api/v1/cfssl/health", "");
    assert_eq!(head.status, 405);
    for path in [
        "/api/v1/cfssl/nope",
        "/api/v1/cfssl/sign/",
        "/",
        "/api/v1/cfssl/crl",
    ] {
        let r = request(s.addr, "GET", path, "");
        assert_eq!(
            (r.status, r.body.as_str()),
            (404, "404 page not found\n"),
            "{path}"
        );
    }
}

#[test]
fn info_newkey_newcert_init_ca_certinfo() {
    let s = start();
    let r = post(s.addr, "info", "{}");
    let v = r.json();
    assert_eq!(v["result"]["expiry"], "168h");
    assert_eq!(
        v["result"]["usages"],
        serde_json::json!(["signing", "key encipherment", "server auth"])
    );
    assert!(
        v["result"]["certificate"]
            .as_str()
            .unwrap()
            .ends_with("-----END CERTIFICATE-----")
    );
    let v = post(s.addr, "info", r#"{"profile":"client"}"#).json();
    assert_eq!(v["result"]["expiry"], "1h");
    assert_error(
        &post(s.addr, "info", r#"{"profile":1}"#),
        400,
        400,
        "json: cannot unmarshal number into Go struct field Req.profile of type string",
    );

    let r = post(s.addr, "newkey", "{}");
    let v = r.json();
    assert!(
        v["result"]["private_key"]
            .as_str()
            .unwrap()
            .contains("EC PRIVATE KEY")
    );
    let sums = &v["result"]["sums"]["certificate_request"];
    assert_eq!(sums["sha-256"].as_str().unwrap().len(), 64);
    assert_error(
        &post(s.addr, "newkey", r#"{"key":{"algo":"rsa","size":1024}}"#),
        400,
        2400,
        "RSA key is too weak",
    );
    assert_error(
        &post(s.addr, "newkey", r#"{"ca":{}}"#),
        400,
        400,
        "ca section only permitted in initca",
    );

    let r = post(
        s.addr,
        "newcert",
        r#"{"request":{"CN":"nc","hosts":["nc.example"]},"profile":"client"}"#,
    );
    let v = r.json();
    let keys: Vec<&String> = v["result"].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["certificate", "certificate_request", "private_key", "sums"]
    );
    assert_eq!(v["messages"], serde_json::json!([]));
    let r = post(s.addr, "newcert", r#"{"request":{"CN":"nc"}}"#);
    assert_eq!(r.json()["messages"][0]["code"], 5300);
    assert_error(
        &post(s.addr, "newcert", r#"{"request":null}"#),
        400,
        400,
        "missing request section",
    );
    // cfssl signs an auth profile here without a token; we refuse.
    assert_error(
        &post(
            s.addr,
            "newcert",
            r#"{"request":{"CN":"x","hosts":["x"]},"profile":"authed"}"#,
        ),
        400,
        400,
        "authentication required",
    );

    let r = post(
        s.addr,
        "init_ca",
        r#"{"CN":"Sub","ca":{"expiry":"8760h","pathlen":1}}"#,
    );
    let v = r.json();
    let pem = v["result"]["certificate"].as_str().unwrap().to_string();
    let keys: Vec<&String> = v["result"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["private_key", "certificate"]);
    assert_error(
        &post(s.addr, "init_ca", "{}"),
        400,
        5300,
        "missing subject information",
    );

    let body = serde_json::json!({"certificate": pem});
    let v = post(s.addr, "certinfo", &body.to_string()).json();
    assert_eq!(v["result"]["subject"]["common_name"], "Sub");
    assert!(
        v["result"]["pem"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN")
    );
    assert_error(
        &post(s.addr, "certinfo", r#"{"certificate":true}"#),
        500,
        0,
        "json: cannot unmarshal bool into Go value of type string",
    );
    assert_error(
        &post(s.addr, "certinfo", "{}"),
        400,
        400,
        "no valid parameter sets found",
    );
    assert_error(
        &post(
            s.addr,
            "certinfo",
            r#"{"serial":"1","authority_key_id":"ab"}"#,
        ),
        500,
        0,
        "cannot lookup certificate from serial without db access",
    );
}

#[test]
fn start_up_lines_and_disabled_endpoints() {
    let s = start_with(Limits::default(), |o| o.disable = vec!["sign".into()]);
    assert!(
        s.log
            .has(Level::Info, "endpoint 'sign' is explicitly disabled")
    );
    assert!(
        s.log
            .has(Level::Info, "endpoint '/api/v1/cfssl/authsign' is enabled")
    );
    assert!(s.log.has(Level::Info, "Handler set up complete."));
    assert!(
        s.log
            .has(Level::Info, &format!("Now listening on {}", s.addr))
    );
    assert_eq!(post(s.addr, "sign", "{}").status, 404);
    let bare = start_with(Limits::default(), |o| o.signer = None);
    assert!(bare.log.has(
        Level::Warning,
        "endpoint 'sign' is disabled: signer not initialized"
    ));
    assert_eq!(post(bare.addr, "info", "{}").status, 404);
    assert_eq!(
        request(bare.addr, "GET", "/api/v1/cfssl/health", "").status,
        200
    );
}

#[test]
fn a_huge_body_is_refused_without_reading_it_all() {
    let mut limits = Limits::default();
    limits.max_body_bytes = 64 * 1024;
    let s = start_with(limits, |_| {});
    let mut c = TcpStream::connect(s.addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let size = 64 * 1024 * 1024;
    write!(
        c,
        "POST /api/v1/cfssl/sign HTTP/1.1\r\nHost: t\r\nContent-Length: {size}\r\n\r\n"
    )
    .unwrap();
    let chunk = vec![b'a'; 1 << 16];
    for _ in 0..4 {
        if c.write_all(&chunk).is_err() {
            break;
        }
    }
    let mut raw = vec![0u8; 4096];
    let n = c.read(&mut raw).unwrap();
    let r = parse_response(&raw[..n]);
    assert_eq!(r.status, 413);
    assert!(
        r.body
            .contains("request body is larger than the limit of 65536 bytes")
    );
}

#[test]
fn slow_clients_are_cut_off() {
    let mut limits = Limits::default();
    limits.header_timeout = Duration::from_millis(500);
    limits.body_timeout = Duration::from_millis(500);
    let s = start_with(limits, |_| {});
    // Headers never finished: the connection is closed.
    let mut c = TcpStream::connect(s.addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    c.write_all(b"POST /api/v1/cfssl/sign HTTP/1.1\r\nHost: t\r\n")
        .unwrap();
    let started = Instant::now();
    let mut raw = Vec::new();
    let _ = c.read_to_end(&mut raw);
    assert!(started.elapsed() < Duration::from_secs(8));
    // A body that stops halfway: 408.
    let mut c = TcpStream::connect(s.addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    c.write_all(
        b"POST /api/v1/cfssl/sign HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n{\"cert",
    )
    .unwrap();
    let mut raw = vec![0u8; 4096];
    let n = c.read(&mut raw).unwrap();
    assert_eq!(parse_response(&raw[..n]).status, 408);
    // The server still answers others.
    assert_eq!(
        request(s.addr, "GET", "/api/v1/cfssl/health", "").status,
        200
    );
}

#[test]
fn many_clients_sign_at_once() {
    let s = start();
    let pem = csr("leaf", &["a.example"]);
    let body = serde_json::json!({"certificate_request": pem}).to_string();
    let addr = s.addr;
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let body = body.clone();
            std::thread::spawn(move || {
                (0..8)
                    .map(|_| {
                        let r = post(addr, "sign", &body);
                        issued(&r).raw_serial_as_string()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut serials: Vec<String> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let n = serials.len();
    serials.sort();
    serials.dedup();
    assert_eq!((n, serials.len()), (128, 128));
}

#[test]
fn shutdown_lets_requests_in_flight_finish() {
    let s = start();
    // A request whose body arrives after shutdown has begun still gets its answer.
    let mut c = TcpStream::connect(s.addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    c.write_all(b"POST /api/v1/cfssl/info HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let addr = s.addr;
    let log = s.log.clone();
    let stopper = std::thread::spawn(move || s.stop());
    std::thread::sleep(Duration::from_millis(200));
    c.write_all(b"{}").unwrap();
    let mut raw = vec![0u8; 8192];
    let n = c.read(&mut raw).unwrap();
    assert_eq!(parse_response(&raw[..n]).status, 200);
    drop(c);
    stopper.join().unwrap().unwrap();
    assert!(log.has(Level::Info, "server stopped"));
    assert!(TcpStream::connect(addr).is_err());
}

mod tls {
    use super::*;
    use cfssl_core::signer::{SignRequest, split_hosts};
    use cfssl_server::{MinTlsVersion, TlsOptions};
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};

    struct Pki {
        ca_pem: String,
        server: (String, String),
        good_client: (String, String),
        bad_client: (String, String),
    }

    fn leaf(signer: &LocalSigner, cn: &str, hosts: &str, profile: &str) -> (String, String) {
        let req = CertificateRequest::from_json(format!("{{\"CN\":\"{cn}\"}}").as_bytes()).unwrap();
        let key = PrivateKey::generate(&req.key).unwrap();
        let mut sreq = SignRequest::new(req.generate_pem(&key).unwrap());
        sreq.hosts = split_hosts(hosts);
        sreq.profile = profile.into();
        let cert = signer.sign_issued(&sreq, &mut NoLog).unwrap();
        (cert.to_pem(), key.to_pem())
    }

    fn pki() -> Pki {
        let (ca_pem, ca_key) = ca();
        let signer = LocalSigner::new(
            Certificate::from_pem(ca_pem.as_bytes()).unwrap(),
            PrivateKey::from_pem(ca_key.as_bytes()).unwrap(),
            Config::from_json(CONFIG.as_bytes()).unwrap(),
        );
        Pki {
            server: leaf(&signer, "server", "127.0.0.1", ""),
            good_client: leaf(&signer, "ops-client", "", "client"),
            bad_client: leaf(&signer, "intruder", "", "client"),
            ca_pem,
        }
    }

    fn client(pki: &Pki, cert: Option<&(String, String)>) -> rustls::ClientConfig {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_slice(pki.ca_pem.as_bytes()).unwrap())
            .unwrap();
        let b = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots);
        let mut cfg = match cert {
            None => b.with_no_client_auth(),
            Some((c, k)) => b
                .with_client_auth_cert(
                    vec![CertificateDer::from_pem_slice(c.as_bytes()).unwrap()],
                    PrivateKeyDer::from_pem_slice(k.as_bytes()).unwrap(),
                )
                .unwrap(),
        };
        cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        cfg
    }

    /// One HTTP/1.1 GET over TLS; the status and body, or the I/O error.
    fn get(
        addr: SocketAddr,
        cfg: rustls::ClientConfig,
        path: &str,
    ) -> std::io::Result<(Option<Vec<u8>>, Response)> {
        let name = ServerName::try_from("127.0.0.1").unwrap();
        let conn = rustls::ClientConnection::new(Arc::new(cfg), name).unwrap();
        let tcp = TcpStream::connect(addr)?;
        tcp.set_read_timeout(Some(Duration::from_secs(10)))?;
        let mut tls = rustls::StreamOwned::new(conn, tcp);
        while tls.conn.is_handshaking() {
            tls.conn.complete_io(&mut tls.sock)?;
        }
        let alpn = tls.conn.alpn_protocol().map(<[u8]>::to_vec);
        // ALPN may pick h2; ask again over HTTP/1.1 on a fresh connection then.
        if alpn.as_deref() == Some(b"h2") {
            return Ok((
                alpn,
                Response {
                    status: 0,
                    headers: vec![],
                    body: String::new(),
                },
            ));
        }
        write!(
            tls,
            "GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
        )?;
        let mut raw = Vec::new();
        let _ = tls.read_to_end(&mut raw);
        if !raw.windows(4).any(|w| w == b"\r\n\r\n") {
            // TLS 1.3: a refused client certificate shows after the handshake.
            return Err(std::io::Error::other("no HTTP response"));
        }
        Ok((alpn, parse_response(&raw)))
    }

    fn http1_only(mut cfg: rustls::ClientConfig) -> rustls::ClientConfig {
        cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
        cfg
    }

    fn serve(pki: &Pki, mutual: bool, cn: Option<&str>) -> Server {
        let mut tls = TlsOptions::new(
            pki.server.0.clone().into_bytes(),
            pki.server.1.clone().into_bytes(),
        );
        if mutual {
            tls.client_ca_pem = Some(pki.ca_pem.clone().into_bytes());
        }
        tls.client_cn = cn.map(|re| regex::Regex::new(re).unwrap());
        tls.min_version = MinTlsVersion::parse("1.2").unwrap();
        start_with(Limits::default(), |o| o.tls = Some(tls))
    }

    #[test]
    fn tls_serves_http2_and_http1() {
        let pki = pki();
        let s = serve(&pki, false, None);
        let (alpn, _) = get(s.addr, client(&pki, None), "/").unwrap();
        assert_eq!(alpn.as_deref(), Some(&b"h2"[..]));
        let (_, r) = get(
            s.addr,
            http1_only(client(&pki, None)),
            "/api/v1/cfssl/health",
        )
        .unwrap();
        assert_eq!(r.status, 200);
        assert!(
            s.log
                .has(Level::Info, &format!("Now listening on https://{}", s.addr))
        );
        // Plain HTTP on the TLS port gets nothing useful and the server goes on.
        let plain = std::panic::catch_unwind(|| request(s.addr, "GET", "/api/v1/cfssl/health", ""));
        assert!(plain.map(|r| r.status != 200).unwrap_or(true));
        let (_, r) = get(
            s.addr,
            http1_only(client(&pki, None)),
            "/api/v1/cfssl/health",
        )
        .unwrap();
        assert_eq!(r.status, 200);
    }

    #[test]
    fn mutual_tls_requires_a_client_certificate_and_checks_its_cn() {
        let pki = pki();
        let s = serve(&pki, true, Some("^ops-"));
        assert!(
            s.log
                .has(Level::Info, "Now listening with mutual TLS on https://")
        );
        // No client certificate: the handshake (or the first read) fails.
        let none = get(
            s.addr,
            http1_only(client(&pki, None)),
            "/api/v1/cfssl/health",
        );
        assert!(none.map(|(_, r)| r.status != 200).unwrap_or(true));
        let (_, ok) = get(
            s.addr,
            http1_only(client(&pki, Some(&pki.good_client))),
            "/api/v1/cfssl/health",
        )
        .unwrap();
        assert_eq!(ok.status, 200);
        let (_, bad) = get(
            s.addr,
            http1_only(client(&pki, Some(&pki.bad_client))),
            "/api/v1/cfssl/health",
        )
        .unwrap();
        assert_eq!((bad.status, bad.body.as_str()), (403, "Invalid CN\n"));
        assert!(s.log.has(
            Level::Warning,
            "Rejected client cert CN \"intruder\" does not match regex ^ops-"
        ));
    }

    #[test]
    fn tls_set_up_errors_are_clear() {
        assert!(MinTlsVersion::parse("1.4").unwrap_err().contains("\"1.4\""));
        assert_eq!(MinTlsVersion::parse("1.3").unwrap(), MinTlsVersion::Tls13);
        let pki = pki();
        let tls = TlsOptions::new(pki.server.0.into_bytes(), b"not a key".to_vec());
        let mut opts = ServeOptions::new(Arc::new(Lines::default()));
        opts.port = 0;
        opts.tls = Some(tls);
        let rt = tokio::runtime::Runtime::new().unwrap();
        let e = rt
            .block_on(cfssl_server::run_until(opts, async {}, |_| {}))
            .unwrap_err();
        assert!(
            e.to_string().starts_with("failed to read the TLS key"),
            "{e}"
        );
    }
}
