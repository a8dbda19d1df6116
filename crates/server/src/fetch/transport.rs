//! One HTTP/1.1 exchange on a fresh connection (`Connection: close`), TLS
//! for `https://` URLs, through a proxy when the environment names one; the
//! errors worded as Go's `net/http` words them. Every wait is bounded
//! ([`FetchOptions`]) and so is the size of an answer.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use cfssl_core::go::os::errno_text as go_errno_text;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::header;
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use super::{FetchOptions, Url, proxy};

/// What the client sends as `User-Agent`.
const USER_AGENT: &str = concat!("cfssl-rs/", env!("CARGO_PKG_VERSION"));

/// Why an exchange failed before an answer was read.
#[derive(Debug)]
pub(crate) enum Failure {
    /// On the way there or back (Go: the error of `Client.Do`).
    Request(String),
    /// Reading the answer's body (Go: the error of `io.ReadAll`).
    Read(String),
    /// The answer is larger than allowed.
    TooLarge(usize),
}

/// One request to send.
#[derive(Debug)]
pub(crate) struct Outgoing<'a> {
    /// `GET` or `POST`.
    pub(crate) method: &'a str,
    /// The body and its content type, for a `POST`.
    pub(crate) body: Option<(&'a [u8], &'a str)>,
}

/// An answer: status, `Location` header, body.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) location: Option<String>,
    pub(crate) body: Bytes,
}

/// Sends `out` to `url` and reads the whole answer.
pub(crate) async fn exchange(
    url: &Url,
    out: &Outgoing<'_>,
    tls: Option<Arc<rustls::ClientConfig>>,
    opts: &FetchOptions,
) -> Result<Answer, Failure> {
    let proxy = if opts.use_proxy_environment {
        proxy::for_url(url, |name| std::env::var(name).ok()).map_err(Failure::Request)?
    } else {
        None
    };
    let (mut stream, target) = match &proxy {
        None => (
            connect(url.host(), url.port(), opts.connect_timeout).await?,
            url.request_target().to_string(),
        ),
        Some(p) => {
            let stream = connect(&p.host, p.port, opts.connect_timeout)
                .await
                .map_err(|f| match f {
                    Failure::Request(e) | Failure::Read(e) => {
                        Failure::Request(format!("proxyconnect tcp: {e}"))
                    }
                    other @ Failure::TooLarge(_) => other,
                })?;
            // Plain HTTP goes to the proxy with the absolute URL; TLS
            // through a CONNECT tunnel.
            let target = if url.is_https() {
                url.request_target().to_string()
            } else {
                url.as_str().to_string()
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
        .map_err(|_| Failure::Request("proxyconnect tcp: i/o timeout".into()))?
        .map_err(Failure::Request)?;
    }
    let mut request = hyper::Request::builder().method(out.method).uri(target);
    if let (Some(p), false) = (&proxy, url.is_https())
        && let Some(auth) = &p.authorization
    {
        request = request.header(header::PROXY_AUTHORIZATION, auth);
    }
    request = request
        .header(header::HOST, url.authority())
        .header(header::USER_AGENT, USER_AGENT)
        .header(header::CONNECTION, "close");
    let body = match out.body {
        Some((bytes, content_type)) => {
            request = request
                .header(header::CONTENT_LENGTH, bytes.len())
                .header(header::CONTENT_TYPE, content_type);
            Bytes::copy_from_slice(bytes)
        }
        None => Bytes::new(),
    };
    let request = request
        .body(Full::new(body))
        .map_err(|e| Failure::Request(e.to_string()))?;
    let local = stream.local_addr().ok();
    let peer = stream.peer_addr().ok();
    let addrs = (local, peer);
    let work = async {
        if url.is_https() {
            let Some(tls) = tls else {
                return Err(Failure::Request("tls: no TLS configuration".into()));
            };
            let name = ServerName::try_from(url.host().to_string()).map_err(|_| {
                Failure::Request(format!("tls: invalid server name {:?}", url.host()))
            })?;
            let connector = tokio_rustls::TlsConnector::from(tls);
            let stream =
                tokio::time::timeout(opts.handshake_timeout, connector.connect(name, stream))
                    .await
                    .map_err(|_| Failure::Request("net/http: TLS handshake timeout".into()))?
                    .map_err(|e| Failure::Request(io_text(&e, addrs)))?;
            send(stream, request, opts.max_response_bytes, addrs).await
        } else {
            send(stream, request, opts.max_response_bytes, addrs).await
        }
    };
    tokio::time::timeout(opts.request_timeout, work)
        .await
        .map_err(|_| {
            Failure::Request(
                "context deadline exceeded (Client.Timeout exceeded while awaiting headers)".into(),
            )
        })?
}

/// Connects to the first address of the host that answers; the error of
/// the first address tried otherwise (IPv4 first, as Go's dialer reports).
async fn connect(host: &str, port: u16, timeout: Duration) -> Result<TcpStream, Failure> {
    let mut candidates: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|_| Failure::Request(format!("dial tcp: lookup {host}: no such host")))?
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
    Err(Failure::Request(first_error.unwrap_or_else(|| {
        format!("dial tcp: lookup {host}: no such host")
    })))
}

type Addrs = (Option<SocketAddr>, Option<SocketAddr>);

async fn send<T>(
    io: T,
    request: hyper::Request<Full<Bytes>>,
    max: usize,
    addrs: Addrs,
) -> Result<Answer, Failure>
where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| Failure::Request(hyper_text(&e, addrs)))?;
    // The connection is driven beside the request; it ends with the answer
    // (`Connection: close`).
    let driver = tokio::spawn(conn);
    let outcome = async {
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| Failure::Request(hyper_text(&e, addrs)))?;
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = Limited::new(response.into_body(), max)
            .collect()
            .await
            .map_err(|e| {
                if e.downcast_ref::<http_body_util::LengthLimitError>()
                    .is_some()
                {
                    Failure::TooLarge(max)
                } else {
                    Failure::Read(error_chain_text(e.as_ref(), addrs))
                }
            })?
            .to_bytes();
        Ok(Answer {
            status,
            location,
            body,
        })
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
