//! The listener: accepts connections (plain, TLS or mutual TLS), serves
//! HTTP/1.1 and HTTP/2 on them with hyper, bounds what a client can hold
//! (connections, header and body time, body size, handshake time), and shuts
//! down gracefully: on SIGTERM or SIGINT it stops accepting, lets requests in
//! flight finish (up to a grace period), then returns.
//!
//! cfssl's Go server sets none of these bounds: a client that sends headers
//! slowly, or a body without end, holds a connection and memory for as long
//! as it likes, and SIGTERM ends the process mid-request.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use cfssl_core::log::Level;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

use crate::app::{Peer, ServeOptions, router};
use crate::reply::text_response;

/// Bounds on what clients can make the server hold.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest request body accepted (413 beyond it). Default 1 MiB: a
    /// CSR is a few kilobytes.
    pub max_body_bytes: usize,
    /// Time a client has to send a request's headers, and to send the next
    /// request on a kept-alive connection. Default 10 s.
    pub header_timeout: Duration,
    /// Time a client has to send a request's body (408 beyond it). Default
    /// 30 s.
    pub body_timeout: Duration,
    /// Time a client has to finish the TLS handshake. Default 10 s.
    pub handshake_timeout: Duration,
    /// Connections served at once; more wait in the kernel's accept queue.
    /// Default 1024.
    pub max_connections: usize,
    /// How long requests in flight may take to finish after SIGTERM or
    /// SIGINT. Default 30 s.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 1 << 20,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            handshake_timeout: Duration::from_secs(10),
            max_connections: 1024,
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

/// Why the server could not start or run.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServeError {
    /// The address could not be listened on (Go's text: `listen tcp
    /// 127.0.0.1:8888: bind: address already in use`).
    Listen(String),
    /// The TLS set-up could not be read.
    Tls(String),
    /// The async runtime could not start.
    Runtime(String),
}

impl std::fmt::Display for ServeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Listen(m) | Self::Tls(m) | Self::Runtime(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for ServeError {}

/// Runs the server until SIGTERM or SIGINT, then shuts down gracefully.
///
/// # Errors
/// [`ServeError`] when the server cannot start.
pub fn run(opts: ServeOptions) -> Result<(), ServeError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| ServeError::Runtime(format!("failed to start the runtime: {e}")))?;
    rt.block_on(async {
        let log = opts.log.clone();
        let stop = async move {
            let name = termination().await;
            log.log(
                Level::Info,
                &format!("received {name}, finishing requests in flight"),
            );
        };
        run_until(opts, stop, |_| {}).await
    })
}

/// SIGTERM or SIGINT, whichever comes first; its name.
async fn termination() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(mut term), Ok(mut int)) => tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
            },
            _ => {
                let _ = tokio::signal::ctrl_c().await;
                "SIGINT"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "SIGINT"
    }
}

/// Serves until `stop` completes, then shuts down gracefully. `ready` is
/// called with the bound address once the server listens (a port of 0 picks
/// a free one).
///
/// # Errors
/// [`ServeError`] when the server cannot start.
pub async fn run_until(
    opts: ServeOptions,
    stop: impl Future<Output = ()>,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    let tls = match &opts.tls {
        Some(t) => Some(tokio_rustls::TlsAcceptor::from(Arc::new(
            t.server_config().map_err(ServeError::Tls)?,
        ))),
        None => None,
    };
    let client_cn = opts.tls.as_ref().and_then(|t| t.client_cn.clone());
    let mutual = opts.tls.as_ref().is_some_and(|t| t.client_ca_pem.is_some());
    let mut opts = opts;
    let (app, _) = router(&mut opts);
    let log = opts.log.clone();
    let limits = opts.limits.clone();
    let shown = if opts.address.contains(':') {
        format!("[{}]:{}", opts.address, opts.port)
    } else {
        format!("{}:{}", opts.address, opts.port)
    };
    let listener = TcpListener::bind(&shown)
        .await
        .map_err(|e| ServeError::Listen(format!("listen tcp {shown}: {}", go_bind_error(&e))))?;
    let bound = listener
        .local_addr()
        .map_err(|e| ServeError::Listen(format!("listen tcp {shown}: {e}")))?;
    let shown = bound.to_string();
    if let Some(re) = &client_cn {
        log.log(
            Level::Debug,
            &format!(
                "Requiring CN matches regex \"{}\" for client connections",
                re.as_str()
            ),
        );
    }
    let line = match (&tls, mutual) {
        (None, _) => format!("Now listening on {shown}"),
        (Some(_), false) => format!("Now listening on https://{shown}"),
        (Some(_), true) => format!("Now listening with mutual TLS on https://{shown}"),
    };
    log.log(Level::Info, &line);
    ready(bound);

    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::pin!(stop);
    loop {
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            () = &mut stop => break,
        };
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little
                    // instead of spinning.
                    log.log(Level::Warning, &format!("accept failed: {e}"));
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        let conn = Connection {
            app: app.clone(),
            peer,
            limits: limits.clone(),
            log: log.clone(),
            client_cn: client_cn.clone(),
            stop: stop_rx.clone(),
        };
        let tls = tls.clone();
        tokio::spawn(async move {
            let _permit = permit;
            match tls {
                None => conn.serve(TokioIo::new(stream), None).await,
                Some(acceptor) => {
                    if speaks_plain_http(&stream, limits.handshake_timeout).await {
                        // Go's answer to plain HTTP on a TLS port.
                        use tokio::io::{AsyncReadExt, AsyncWriteExt};
                        let mut stream = stream;
                        // Read what was sent first: closing with unread
                        // bytes would reset the connection before the
                        // client reads the answer.
                        let mut sink = [0u8; 4096];
                        let _ = tokio::time::timeout(
                            Duration::from_millis(100),
                            stream.read(&mut sink),
                        )
                        .await;
                        let _ = stream
                            .write_all(b"HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n")
                            .await;
                        let _ = stream.shutdown().await;
                        return;
                    }
                    let hs =
                        tokio::time::timeout(limits.handshake_timeout, acceptor.accept(stream));
                    if let Ok(Ok(s)) = hs.await {
                        let cn = s
                            .get_ref()
                            .1
                            .peer_certificates()
                            .and_then(|c| c.first())
                            .map(|c| crate::tls::peer_common_name(c));
                        conn.serve(TokioIo::new(s), cn).await;
                    }
                }
            }
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    // Every connection holds a slot: all slots back means all finished.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    if tokio::time::timeout(limits.shutdown_grace, slots.acquire_many(all))
        .await
        .is_err()
    {
        log.log(
            Level::Warning,
            "shutdown grace period over, closing the connections still open",
        );
    }
    log.log(Level::Info, "server stopped");
    log.flush();
    Ok(())
}

/// Whether a client on a TLS port opened with an HTTP method (an ASCII
/// capital letter) instead of a TLS handshake record (0x16).
async fn speaks_plain_http(stream: &tokio::net::TcpStream, wait: Duration) -> bool {
    let mut first = [0u8; 5];
    match tokio::time::timeout(wait, stream.peek(&mut first)).await {
        Ok(Ok(n)) if n > 0 => first[0].is_ascii_uppercase(),
        _ => false,
    }
}

/// Go's wording of the usual bind failures.
fn go_bind_error(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::AddrInUse => "bind: address already in use".into(),
        std::io::ErrorKind::AddrNotAvailable => "bind: cannot assign requested address".into(),
        std::io::ErrorKind::PermissionDenied => "bind: permission denied".into(),
        _ => e.to_string(),
    }
}

/// One accepted connection and what serving it needs.
struct Connection {
    app: Router,
    peer: SocketAddr,
    limits: Limits,
    log: Arc<dyn cfssl_core::log::SharedLog>,
    client_cn: Option<regex::Regex>,
    stop: watch::Receiver<bool>,
}

impl Connection {
    /// Serves HTTP/1.1 or HTTP/2 on `io` until the client is done or the
    /// server stops. `cn` is the client certificate's CN under mutual TLS.
    async fn serve<I>(mut self, io: TokioIo<I>, cn: Option<String>)
    where
        I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let peer = self.peer;
        let app = match (&self.client_cn, cn) {
            (Some(re), Some(cn)) if !re.is_match(&cn) => {
                let log = self.log.clone();
                let re = re.as_str().to_string();
                Router::new().fallback(move || {
                    let log = log.clone();
                    let (cn, re) = (cn.clone(), re.clone());
                    async move {
                        log.log(
                            Level::Warning,
                            &format!("Rejected client cert CN \"{cn}\" does not match regex {re}"),
                        );
                        text_response(403, "Invalid CN\n".into())
                    }
                })
            }
            _ => self.app.clone(),
        };
        let svc = app.map_request(move |mut r: Request<hyper::body::Incoming>| {
            r.extensions_mut().insert(Peer(peer));
            r
        });
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(self.limits.header_timeout)
            .title_case_headers(true)
            .max_buf_size(64 * 1024);
        builder
            .http2()
            .timer(TokioTimer::new())
            .max_concurrent_streams(64)
            .max_header_list_size(64 * 1024)
            .keep_alive_interval(Some(self.limits.header_timeout))
            .keep_alive_timeout(self.limits.header_timeout);
        let conn = builder.serve_connection_with_upgrades(io, TowerToHyperService::new(svc));
        tokio::pin!(conn);
        if *self.stop.borrow() {
            conn.as_mut().graceful_shutdown();
        }
        tokio::select! {
            _ = conn.as_mut() => return,
            _ = self.stop.changed() => conn.as_mut().graceful_shutdown(),
        }
        let _ = conn.await;
    }
}
