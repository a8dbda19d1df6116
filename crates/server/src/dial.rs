//! Fetching the certificates a TLS server presents: for `certinfo -domain`
//! and the `domain` of `/certinfo` (cfssl's `certinfo.ParseCertificateDomain`:
//! no verification, an inspection tool shows what it is given), and for
//! `bundle -domain` and `/bundle` (the chain, checked by the bundler as
//! cfssl's verified dial checks it; the handshake signature checked here).
//! Go's dial and handshake error texts, bounded waits.

use std::io::{self, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, SignatureScheme};

/// How long a dial may take to connect and finish the TLS handshake
/// (cfssl dials with a 10 s timeout).
pub const DOMAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Go's `net.SplitHostPort`: `host:port`, `[v6]:port`; `None` when `s` has
/// no port or is malformed (cfssl then dials `s` on port 443).
fn split_host_port(s: &str) -> Option<(&str, &str)> {
    let colon = s.rfind(':')?;
    let (host, port) = (&s[..colon], &s[colon + 1..]);
    let host = if let Some(inner) = host.strip_prefix('[') {
        let inner = inner.strip_suffix(']')?;
        if inner.contains(['[', ']']) {
            return None;
        }
        inner
    } else {
        if host.contains([':', '[', ']']) {
            return None;
        }
        host
    };
    if port.contains(['[', ']']) {
        return None;
    }
    Some((host, port))
}

/// Go's `net.JoinHostPort`.
fn join_host_port(host: &str, port: &str) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// A port number, or Go's dial error for it.
fn parse_port(port: &str) -> Result<u16, String> {
    match port {
        "" => Ok(0),
        "http" => Ok(80),
        "https" => Ok(443),
        _ if port.bytes().all(|b| b.is_ascii_digit()) => port
            .parse::<u16>()
            .map_err(|_| format!("dial tcp: address {port}: invalid port")),
        _ => Err(format!("dial tcp: address tcp/{port}: unknown port")),
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
    )
}

/// Connects to `domain` (`host[:port]`, port 443 by default), completes a
/// TLS handshake without verifying the server's certificate, and returns
/// the leaf certificate's DER (mirrors `certinfo.ParseCertificateDomain`).
/// Connecting and the handshake together are bounded by `timeout`. Errors
/// read like Go's: `dial tcp 127.0.0.1:1: connect: connection refused`.
pub fn server_leaf_certificate(domain: &str, timeout: Duration) -> Result<Vec<u8>, String> {
    let (host, _) = split_host_port(domain).unwrap_or((domain, "443"));
    fetch_chain(domain, host, timeout, false)?
        .into_iter()
        .next()
        .ok_or_else(|| "received no server certificates".to_string())
}

/// Connects to `address` (`host[:port]`, port 443 by default), completes
/// a TLS handshake naming `server_name` (SNI; none for an IP) without
/// verifying the server's certificate, and returns the certificates the
/// server sent, leaf first (the chain `bundle -domain` bundles and checks
/// itself). Bounded by `timeout`; Go's error texts.
///
/// # Errors
/// Go's dial and handshake texts (`dial tcp 127.0.0.1:1: connect:
/// connection refused`).
pub fn server_certificates(
    address: &str,
    server_name: &str,
    timeout: Duration,
) -> Result<Vec<Vec<u8>>, String> {
    fetch_chain(address, server_name, timeout, true)
}

/// The handshake of [`server_certificates`]; `check_handshake`: whether the
/// server must prove it holds the leaf's key (its handshake signature
/// checked), as the verified dial that `bundle -domain` stands for does.
fn fetch_chain(
    address: &str,
    server_name: &str,
    timeout: Duration,
    check_handshake: bool,
) -> Result<Vec<Vec<u8>>, String> {
    let deadline = Instant::now() + timeout;
    let domain = address;
    let (host, port) = split_host_port(domain).unwrap_or((domain, "443"));
    let address = join_host_port(host, port);
    let port = parse_port(port)?;
    // Go dials the local system for an empty host.
    let lookup_host = if host.is_empty() { "localhost" } else { host };
    let candidates: Vec<SocketAddr> = (lookup_host, port)
        .to_socket_addrs()
        .map_err(|_| format!("dial tcp: lookup {lookup_host}: no such host"))?
        .collect();
    let mut stream = None;
    let mut first_error = None;
    for addr in &candidates {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            first_error.get_or_insert_with(|| format!("dial tcp {addr}: i/o timeout"));
            break;
        }
        match TcpStream::connect_timeout(addr, left) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) if is_timeout(&e) => {
                first_error.get_or_insert_with(|| format!("dial tcp {addr}: i/o timeout"));
            }
            Err(e) => {
                first_error.get_or_insert_with(|| {
                    format!(
                        "dial tcp {addr}: connect: {}",
                        cfssl_core::go::os::errno_text(&e)
                    )
                });
            }
        }
    }
    let Some(mut stream) = stream else {
        return Err(
            first_error.unwrap_or_else(|| format!("dial tcp: lookup {lookup_host}: no such host"))
        );
    };
    let sni = if server_name.is_empty() {
        host
    } else {
        server_name
    };
    let server_name = ServerName::try_from(sni.to_string())
        .map_err(|_| format!("tls: invalid server name {sni:?}"))?;
    let mut conn = ClientConnection::new(
        Arc::new(insecure_client_config(check_handshake)?),
        server_name,
    )
    .map_err(|e| format!("tls: {e}"))?;
    while conn.is_handshaking() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(format!("tls: handshake with {address} timed out"));
        }
        stream
            .set_read_timeout(Some(left))
            .and_then(|()| stream.set_write_timeout(Some(left)))
            .map_err(|e| {
                format!(
                    "set deadline for {address}: {}",
                    cfssl_core::go::os::errno_text(&e)
                )
            })?;
        if let Err(e) = conn.complete_io(&mut stream) {
            return Err(handshake_error(&e, &address));
        }
    }
    let certs: Vec<Vec<u8>> = conn
        .peer_certificates()
        .unwrap_or_default()
        .iter()
        .map(|c| c.as_ref().to_vec())
        .collect();
    if certs.is_empty() {
        return Err("received no server certificates".into());
    }
    // Close politely, as Go's conn.Close does; the certificates are in hand.
    conn.send_close_notify();
    let _ = conn.write_tls(&mut stream);
    let _ = stream.flush();
    Ok(certs)
}

/// Where `bundle -domain D [-ip IP]` dials and the name it checks: `D`
/// (the server name) on port 443, or `IP` on that port when given. A port
/// in `D` (`host:8443`) is used instead of 443 (cfssl always appends
/// `:443`, so such a `D` fails there with Go's "too many colons").
pub fn bundle_target(domain: &str, ip: &str) -> (String, String) {
    let (host, port) = split_host_port(domain).unwrap_or((domain, "443"));
    let dial_host = if ip.is_empty() { host } else { ip };
    (join_host_port(dial_host, port), host.to_string())
}

/// The chain `bundle -domain D [-ip IP]` bundles: the certificates the
/// server sends, fetched as [`server_certificates`] does, with the address
/// dialed and the server name (see [`bundle_target`]).
///
/// # Errors
/// cfssl's 6000 with Go's dial text; 1002 when the server's certificates
/// do not parse.
pub fn remote_chain(
    domain: &str,
    ip: &str,
) -> Result<(Vec<cfssl_core::cert::Certificate>, String, String), cfssl_core::Error> {
    let (address, server_name) = bundle_target(domain, ip);
    remote_chain_at(address, server_name)
}

/// [`remote_chain`] as cfssl's `/bundle` dials: always port 443 of the
/// `ip`, else of the `domain` (a `domain` with a port fails with Go's
/// "too many colons", so the endpoint cannot be pointed at other ports).
///
/// # Errors
/// As [`remote_chain`].
pub fn remote_chain_443(
    domain: &str,
    ip: &str,
) -> Result<(Vec<cfssl_core::cert::Certificate>, String, String), cfssl_core::Error> {
    let address = format!("{}:443", if ip.is_empty() { domain } else { ip });
    if split_host_port(&address).is_none() {
        return Err(cfssl_core::Error::coded(
            cfssl_core::Code::DialFailed,
            format!("dial tcp: address {address}: too many colons in address"),
        ));
    }
    remote_chain_at(address, domain.to_string())
}

fn remote_chain_at(
    address: String,
    server_name: String,
) -> Result<(Vec<cfssl_core::cert::Certificate>, String, String), cfssl_core::Error> {
    let ders = server_certificates(&address, &server_name, DOMAIN_TIMEOUT)
        .map_err(|e| cfssl_core::Error::coded(cfssl_core::Code::DialFailed, e))?;
    let certs = ders
        .iter()
        .map(|d| cfssl_core::cert::Certificate::from_der(d))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((certs, address, server_name))
}

/// A failed handshake as Go words it where the two agree
/// (`remote error: tls: handshake failure`, `EOF`, `tls: first record does
/// not look like a TLS handshake`), rustls's words otherwise.
fn handshake_error(e: &io::Error, address: &str) -> String {
    if let Some(tls) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        return match tls {
            rustls::Error::AlertReceived(alert) => {
                format!("remote error: tls: {}", alert_text(*alert))
            }
            rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType) => {
                "tls: first record does not look like a TLS handshake".into()
            }
            other => format!("tls: {other}"),
        };
    }
    match e.kind() {
        io::ErrorKind::UnexpectedEof => "EOF".into(),
        _ if is_timeout(e) => format!("tls: handshake with {address} timed out"),
        _ => format!("read tcp {address}: {}", cfssl_core::go::os::errno_text(e)),
    }
}

/// Go's text for a TLS alert (`alertText` in crypto/tls).
pub(crate) fn alert_text(alert: rustls::AlertDescription) -> String {
    use rustls::AlertDescription as A;
    match alert {
        A::CloseNotify => "close notify".into(),
        A::UnexpectedMessage => "unexpected message".into(),
        A::BadRecordMac => "bad record MAC".into(),
        A::HandshakeFailure => "handshake failure".into(),
        A::BadCertificate => "bad certificate".into(),
        A::UnsupportedCertificate => "unsupported certificate".into(),
        A::CertificateRevoked => "revoked certificate".into(),
        A::CertificateExpired => "expired certificate".into(),
        A::CertificateUnknown => "unknown certificate".into(),
        A::IllegalParameter => "illegal parameter".into(),
        A::UnknownCA => "unknown certificate authority".into(),
        A::AccessDenied => "access denied".into(),
        A::DecodeError => "error decoding message".into(),
        A::DecryptError => "error decrypting message".into(),
        A::ProtocolVersion => "protocol version not supported".into(),
        A::InsufficientSecurity => "insufficient security level".into(),
        A::InternalError => "internal error".into(),
        A::InappropriateFallback => "inappropriate fallback".into(),
        A::UserCanceled => "user canceled".into(),
        A::NoRenegotiation => "no renegotiation".into(),
        A::MissingExtension => "missing extension".into(),
        A::UnsupportedExtension => "unsupported extension".into(),
        A::UnrecognisedName => "unrecognized name".into(),
        A::NoApplicationProtocol => "no application protocol".into(),
        A::CertificateRequired => "certificate required".into(),
        other => format!("alert({})", u8::from(other)),
    }
}

/// A client configuration that accepts any server certificate.
///
/// `certinfo -domain` is an inspection tool: its job is to show whatever
/// certificate a server presents, including self-signed, expired, misnamed
/// or privately issued ones, exactly as cfssl does with Go's
/// `InsecureSkipVerify`. Nothing is sent over the connection, and the
/// certificate is only printed, never trusted.
///
/// With `check_handshake` (`bundle -domain`, which then checks the chain
/// itself as cfssl's verified dial does), the server's handshake signature
/// is still checked, so the chain comes from a server holding the leaf's
/// key.
fn insecure_client_config(check_handshake: bool) -> Result<ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = DangerousAcceptAnyServerCert {
        algorithms: provider.signature_verification_algorithms,
        check_handshake,
    };
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("tls: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(config)
}

/// A `ServerCertVerifier` that accepts every certificate chain without
/// checking it (no trust anchor, name, validity or usage checks), the
/// equivalent of Go's `InsecureSkipVerify` (see [`insecure_client_config`]).
///
/// For `certinfo -domain`, handshake signatures are accepted unchecked too:
/// with the certificate itself untrusted, a signature check proves nothing
/// that inspection relies on, and it would turn away the legacy servers
/// people most often inspect (RSA keys under 2048 bits, SHA-1 signatures),
/// which cfssl shows. For `bundle -domain` (`check_handshake`) they are
/// checked: its chain is then checked by the bundler.
#[derive(Debug)]
struct DangerousAcceptAnyServerCert {
    algorithms: WebPkiSupportedAlgorithms,
    check_handshake: bool,
}

impl ServerCertVerifier for DangerousAcceptAnyServerCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        if self.check_handshake {
            return rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms);
        }
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        if self.check_handshake {
            return rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms);
        }
        Ok(HandshakeSignatureValid::assertion())
    }

    /// The provider's schemes, plus the SHA-1 ones old TLS 1.2 servers may
    /// insist on (Go's client offers them too).
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        let mut schemes = self.algorithms.supported_schemes();
        if self.check_handshake {
            return schemes;
        }
        for legacy in [
            SignatureScheme::RSA_PKCS1_SHA1,
            SignatureScheme::ECDSA_SHA1_Legacy,
        ] {
            if !schemes.contains(&legacy) {
                schemes.push(legacy);
            }
        }
        schemes
    }
}

/// The DER certificates of the system's trust store (what Go's
/// `x509.SystemCertPool` gives cfssl when no root bundle is named).
pub fn system_root_certificates() -> Vec<Vec<u8>> {
    rustls_native_certs::load_native_certs()
        .certs
        .into_iter()
        .map(|c| c.as_ref().to_vec())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_host_port_like_go() {
        assert_eq!(split_host_port("a.test:8443"), Some(("a.test", "8443")));
        assert_eq!(split_host_port("[::1]:443"), Some(("::1", "443")));
        assert_eq!(split_host_port(":443"), Some(("", "443")));
        assert_eq!(split_host_port("a.test:"), Some(("a.test", "")));
        assert_eq!(split_host_port("a.test"), None);
        assert_eq!(split_host_port("::1"), None);
        assert_eq!(split_host_port("[::1]"), None);
        assert_eq!(join_host_port("::1", "443"), "[::1]:443");
        assert_eq!(join_host_port("a.test", "443"), "a.test:443");
    }

    #[test]
    fn ports_like_go() {
        assert_eq!(parse_port("443"), Ok(443));
        assert_eq!(parse_port("https"), Ok(443));
        assert_eq!(
            parse_port("70000"),
            Err("dial tcp: address 70000: invalid port".into())
        );
        assert_eq!(
            parse_port("nope"),
            Err("dial tcp: address tcp/nope: unknown port".into())
        );
    }

    #[test]
    fn refused_connection_reads_like_go() {
        // Bind then drop a listener so the port is (almost certainly) closed.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap();
        let err = server_leaf_certificate(&format!("127.0.0.1:{port}"), Duration::from_secs(5))
            .unwrap_err();
        assert_eq!(
            err,
            format!("dial tcp 127.0.0.1:{port}: connect: connection refused")
        );
    }

    #[test]
    fn non_tls_server_is_reported() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            if let Ok((mut s, _)) = listener.accept() {
                let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n");
            }
        });
        let err = server_leaf_certificate(&addr.to_string(), Duration::from_secs(5)).unwrap_err();
        server.join().unwrap();
        assert_eq!(err, "tls: first record does not look like a TLS handshake");
    }

    #[test]
    fn silent_server_times_out() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let started = Instant::now();
        let err =
            server_leaf_certificate(&addr.to_string(), Duration::from_millis(300)).unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(err, format!("tls: handshake with {addr} timed out"));
        drop(listener);
    }
}
