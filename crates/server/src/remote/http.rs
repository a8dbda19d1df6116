//! One POST to a remote cfssl, made as cfssl's client makes it
//! (`api/client.server.post`): a fresh connection per request
//! (`Connection: close`), `Content-Type: application/json`, HTTP/1.1, TLS
//! for `https://` addresses; a non-200 answer is an error whose message is
//! the answer's body. Errors are worded as Go's `net/http` words them
//! (`failed POST to URL: Post "URL": dial tcp 127.0.0.1:1: connect:
//! connection refused`) so scripts matching cfssl's messages keep working.
//!
//! Unlike cfssl's client, every wait is bounded ([`ClientOptions`]) and so
//! is the size of an answer.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use cfssl_core::Error;
use cfssl_core::error::{Code, go_errno_text};
use cfssl_core::log::{Level, SharedLog};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::header;
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use super::RemoteUrl;
use super::proxy;

/// What the client sends as `User-Agent`.
const USER_AGENT: &str = concat!("cfssl-rs/", env!("CARGO_PKG_VERSION"));

/// Bounds on one remote request.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ClientOptions {
    /// Connecting, per address (Go's dialer: 30 s).
    pub connect_timeout: Duration,
    /// The TLS handshake (Go's transport: 10 s).
    pub handshake_timeout: Duration,
    /// Sending the request and reading the whole answer (cfssl's client
    /// has no bound: a server that never answers hangs it for ever).
    pub request_timeout: Duration,
    /// The largest answer read (cfssl's client has no bound).
    pub max_response_bytes: usize,
    /// Whether `HTTP_PROXY`, `HTTPS_PROXY` and `NO_PROXY` apply, as in
    /// cfssl's client (Go's `ProxyFromEnvironment`).
    pub use_proxy_environment: bool,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(30),
            handshake_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            max_response_bytes: 16 << 20,
            use_proxy_environment: true,
        }
    }
}

/// Why a request failed before an answer was read.
enum Failure {
    /// On the way there or back: 7400 `failed POST to …`.
    Post(String),
    /// Reading the answer's body: 7300.
    Read(String),
}

/// POSTs `body` to `endpoint` of `url` and returns the body of a 200
/// answer.
///
/// # Errors
/// 7400 for a request that failed on the way or an answer that is not 200
/// (its body is the message, and `http error with URL` is logged), 7300
/// when the answer could not be read.
pub(crate) async fn post(
    url: &RemoteUrl,
    endpoint: &str,
    body: &[u8],
    tls: Option<Arc<rustls::ClientConfig>>,
    opts: &ClientOptions,
    log: &dyn SharedLog,
) -> Result<Vec<u8>, Error> {
    let full = url.endpoint(endpoint);
    match exchange(url, endpoint, body, tls, opts).await {
        Ok((200, answer)) => Ok(answer),
        Ok((_, answer)) => {
            log.log(Level::Error, &format!("http error with {full}"));
            Err(Error::coded(
                Code::ApiClientHttpError,
                String::from_utf8_lossy(&answer),
            ))
        }
        Err(Failure::Post(detail)) => Err(Error::coded(
            Code::ApiClientHttpError,
            format!("failed POST to {full}: Post \"{full}\": {detail}"),
        )),
        Err(Failure::Read(detail)) => Err(Error::coded(Code::ApiClientIoError, detail)),
    }
}

async fn exchange(
    url: &RemoteUrl,
    endpoint: &str,
    body: &[u8],
    tls: Option<Arc<rustls::ClientConfig>>,
    opts: &ClientOptions,
) -> Result<(u16, Vec<u8>), Failure> {
    let proxy = if opts.use_proxy_environment {
        proxy::for_url(url, |name| std::env::var(name).ok()).map_err(Failure::Post)?
    } else {
        None
    };
    let (mut stream, target) = match &proxy {
        None => (
            connect(url.host(), url.port(), opts.connect_timeout).await?,
            url.path(endpoint),
        ),
        Some(p) => {
            let stream = connect(&p.host, p.port, opts.connect_timeout)
                .await
                .map_err(|f| match f {
                    Failure::Post(e) | Failure::Read(e) => {
                        Failure::Post(format!("proxyconnect tcp: {e}"))
                    }
                })?;
            // Plain HTTP goes to the proxy with the absolute URL; TLS
            // through a CONNECT tunnel.
            let target = if url.is_https() {
                url.path(endpoint)
            } else {
                url.endpoint(endpoint)
            };
            (stream, target)
        }
    };
    if let (Some(p), true) = (&proxy, url.is_https()) {
        tokio::time::timeout(
            opts.connect_timeout,
            proxy::connect_tunnel(&mut stream, url, p),
        )
        .await
        .map_err(|_| Failure::Post("proxyconnect tcp: i/o timeout".into()))?
        .map_err(Failure::Post)?;
    }
    let mut request = hyper::Request::post(target);
    if let (Some(p), false) = (&proxy, url.is_https())
        && let Some(auth) = &p.authorization
    {
        request = request.header(header::PROXY_AUTHORIZATION, auth);
    }
    let request = request
        .header(header::HOST, url.authority())
        .header(header::USER_AGENT, USER_AGENT)
        .header(header::CONNECTION, "close")
        .header(header::CONTENT_LENGTH, body.len())
        .header(header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::copy_from_slice(body)))
        .map_err(|e| Failure::Post(e.to_string()))?;
    let local = stream.local_addr().ok();
    let peer = stream.peer_addr().ok();
    let addrs = (local, peer);
    let work = async {
        if url.is_https() {
            let Some(tls) = tls else {
                return Err(Failure::Post("tls: no TLS configuration".into()));
            };
            let name = ServerName::try_from(url.host().to_string())
                .map_err(|_| Failure::Post(format!("tls: invalid server name {:?}", url.host())))?;
            let connector = tokio_rustls::TlsConnector::from(tls);
            let stream =
                tokio::time::timeout(opts.handshake_timeout, connector.connect(name, stream))
                    .await
                    .map_err(|_| Failure::Post("net/http: TLS handshake timeout".into()))?
                    .map_err(|e| Failure::Post(io_text(&e, addrs)))?;
            send(stream, request, opts.max_response_bytes, addrs).await
        } else {
            send(stream, request, opts.max_response_bytes, addrs).await
        }
    };
    tokio::time::timeout(opts.request_timeout, work)
        .await
        .map_err(|_| {
            Failure::Post(
                "context deadline exceeded (Client.Timeout exceeded while awaiting headers)".into(),
            )
        })?
}

/// Connects to the first address of the host that answers; the error of
/// the first address tried otherwise (IPv4 first, as Go's dialer reports).
async fn connect(host: &str, port: u16, timeout: Duration) -> Result<TcpStream, Failure> {
    let mut candidates: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|_| Failure::Post(format!("dial tcp: lookup {host}: no such host")))?
        .collect();
    candidates.sort_by_key(SocketAddr::is_ipv6);
    let mut first_error = None;
    for addr in &candidates {
        match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
            Ok(Ok(s)) => return Ok(s),
            Ok(Err(e)) => {
                first_error.get_or_insert_with(|| {
                    format!("dial tcp {addr}: connect: {}", go_errno_text(&e))
                });
            }
            Err(_) => {
                first_error.get_or_insert_with(|| format!("dial tcp {addr}: i/o timeout"));
            }
        }
    }
    Err(Failure::Post(first_error.unwrap_or_else(|| {
        format!("dial tcp: lookup {host}: no such host")
    })))
}

type Addrs = (Option<SocketAddr>, Option<SocketAddr>);

async fn send<T>(
    io: T,
    request: hyper::Request<Full<Bytes>>,
    max: usize,
    addrs: Addrs,
) -> Result<(u16, Vec<u8>), Failure>
where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| Failure::Post(hyper_text(&e, addrs)))?;
    // The connection is driven beside the request; it ends with the answer
    // (`Connection: close`).
    let driver = tokio::spawn(conn);
    let outcome = async {
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| Failure::Post(hyper_text(&e, addrs)))?;
        let status = response.status().as_u16();
        let body = Limited::new(response.into_body(), max)
            .collect()
            .await
            .map_err(|e| {
                if e.downcast_ref::<http_body_util::LengthLimitError>()
                    .is_some()
                {
                    Failure::Read(format!("the answer is larger than {max} bytes"))
                } else {
                    Failure::Read(error_chain_text(e.as_ref(), addrs))
                }
            })?
            .to_bytes();
        Ok((status, body.to_vec()))
    }
    .await;
    driver.abort();
    outcome
}

fn hyper_text(e: &hyper::Error, addrs: Addrs) -> String {
    let text = error_chain_text(e, addrs);
    if text.is_empty() || (e.is_incomplete_message() && !text.contains("tls")) {
        "EOF".into()
    } else {
        text
    }
}

/// Go's words for the deepest TLS or socket error in a chain.
fn error_chain_text(e: &(dyn std::error::Error + 'static), addrs: Addrs) -> String {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    let mut io: Option<&std::io::Error> = None;
    while let Some(err) = cur {
        if let Some(t) = err.downcast_ref::<rustls::Error>() {
            return tls_text(t);
        }
        if let Some(i) = err.downcast_ref::<std::io::Error>() {
            if let Some(t) = i
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            {
                return tls_text(t);
            }
            io = Some(i);
        }
        cur = err.source();
    }
    match io {
        Some(i) => io_text(i, addrs),
        None if e
            .to_string()
            .contains("connection closed before message completed") =>
        {
            "EOF".into()
        }
        None => e.to_string(),
    }
}

fn io_text(e: &std::io::Error, addrs: Addrs) -> String {
    if let Some(t) = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        return tls_text(t);
    }
    match e.kind() {
        std::io::ErrorKind::UnexpectedEof => "EOF".into(),
        _ => match addrs {
            (Some(l), Some(p)) => format!("read tcp {l}->{p}: read: {}", go_errno_text(e)),
            _ => go_errno_text(e),
        },
    }
}

/// Go's `crypto/tls` and `crypto/x509` words for the common failures,
/// rustls's otherwise.
fn tls_text(e: &rustls::Error) -> String {
    use rustls::CertificateError as C;
    match e {
        rustls::Error::AlertReceived(alert) => {
            format!("remote error: tls: {}", crate::dial::alert_text(*alert))
        }
        rustls::Error::InvalidCertificate(C::UnknownIssuer) => {
            "x509: certificate signed by unknown authority".into()
        }
        rustls::Error::InvalidCertificate(C::Expired | C::ExpiredContext { .. })
        | rustls::Error::InvalidCertificate(C::NotValidYet | C::NotValidYetContext { .. }) => {
            "x509: certificate has expired or is not yet valid".into()
        }
        rustls::Error::InvalidCertificate(
            C::NotValidForName | C::NotValidForNameContext { .. },
        ) => "x509: certificate is not valid for the host asked for".into(),
        rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType) => {
            "tls: first record does not look like a TLS handshake".into()
        }
        other => format!("tls: {other}"),
    }
}
