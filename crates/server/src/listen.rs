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
use tokio::net::{TcpListener, TcpStream};
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
/// The main thread accepts connections and hands each to the worker
/// thread (one per core, each with a single-threaded runtime) that has the
/// fewest open, where it is served to the end: a request never moves
/// between threads, so no thread has to wake another for it. A
/// work-stealing runtime here cost about a futex call and an eventfd write
/// per request (strace) and a third more CPU per request (120 against 180
/// µs, `docs/performance.md`); workers taking connections from the socket
/// themselves were faster still but could leave a core idle, when one
/// worker happened to accept every connection.
///
/// # Errors
/// [`ServeError`] when the server cannot start.
pub fn run(opts: ServeOptions) -> Result<(), ServeError> {
    run_app(Listen::serve(opts))
}

/// Runs the OCSP responder (`cfssl ocspserve`) as [`run`] runs `serve`:
/// until SIGTERM or SIGINT, then gracefully.
///
/// # Errors
/// [`ServeError`] when the server cannot start.
pub fn run_ocsp(opts: crate::ocsp::OcspServeOptions) -> Result<(), ServeError> {
    run_app(Listen::ocsp(opts))
}

/// What a listener serves and how: the address, TLS, bounds, log, and the
/// application (cfssl's API for `serve`, the OCSP responder for
/// `ocspserve`).
pub(crate) struct Listen {
    pub(crate) address: String,
    pub(crate) port: u16,
    pub(crate) tls: Option<crate::tls::TlsOptions>,
    pub(crate) limits: Limits,
    pub(crate) log: Arc<dyn cfssl_core::log::SharedLog>,
    pub(crate) app: Router,
    /// The start-up line to log instead of `Now listening on ADDRESS`.
    pub(crate) announce: Option<String>,
}

impl Listen {
    fn serve(mut opts: ServeOptions) -> Self {
        let (app, _) = router(&mut opts);
        Self {
            address: opts.address,
            port: opts.port,
            tls: opts.tls,
            limits: opts.limits,
            log: opts.log,
            app,
            announce: None,
        }
    }

    fn ocsp(opts: crate::ocsp::OcspServeOptions) -> Self {
        let app = crate::ocsp::router(&opts);
        Self {
            address: opts.address,
            port: opts.port,
            tls: None,
            limits: opts.limits,
            log: opts.log,
            app,
            announce: None,
        }
    }
}

pub(crate) fn run_app(listen: Listen) -> Result<(), ServeError> {
    let runtime = |what: &str| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| ServeError::Runtime(format!("failed to start the {what} runtime: {e}")))
    };
    let main = runtime("main")?;
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    // Serving threads hold their log lines until they run out of work
    // (crate::log::defer_on_this_thread).
    let worker_runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .on_thread_park(crate::log::flush_thread)
            .build()
            .map_err(|e| ServeError::Runtime(format!("failed to start the worker runtime: {e}")))
    };
    let server = main.block_on(Server::start(listen))?;
    let shared = server.shared.clone();
    let mut workers = Vec::with_capacity(threads);
    let mut queues = Vec::with_capacity(threads);
    for n in 0..threads {
        let rt = worker_runtime()?;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Handed>();
        let open = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        queues.push((tx, open.clone()));
        let shared = shared.clone();
        let worker = std::thread::Builder::new()
            .name(format!("cfssl-serve-{n}"))
            .spawn(move || {
                crate::log::defer_on_this_thread();
                rt.block_on(async move {
                    while let Some(h) = rx.recv().await {
                        match TcpStream::from_std(h.stream) {
                            Ok(stream) => {
                                let (shared, open) = (shared.clone(), open.clone());
                                tokio::spawn(async move {
                                    serve_one(shared, stream, h.peer).await;
                                    // Its lines out before the slot is given
                                    // back (shutdown waits on the slots).
                                    crate::log::flush_thread();
                                    drop(h.permit);
                                    open.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
                                });
                            }
                            Err(_) => {
                                open.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
                            }
                        }
                    }
                    // The connections this thread serves end on it.
                    shared.drained().await;
                });
                crate::log::flush_thread();
            })
            .map_err(|e| ServeError::Runtime(format!("failed to start a worker thread: {e}")))?;
        workers.push(worker);
    }
    let (stop_tx, stop_rx) = watch::channel(false);
    main.block_on(async {
        let signal = async {
            let name = termination().await;
            shared.log.log(
                Level::Info,
                &format!("received {name}, finishing requests in flight"),
            );
        };
        {
            let accepting = accept_loop(
                &shared,
                server.listener,
                stop_rx,
                move |stream, peer, permit| {
                    let Some((queue, open)) = queues
                        .iter()
                        .min_by_key(|(_, open)| open.load(std::sync::atomic::Ordering::Relaxed))
                    else {
                        return;
                    };
                    // Out of the main runtime's reactor, into the worker's.
                    if let Ok(stream) = stream.into_std() {
                        open.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let _ = queue.send(Handed {
                            stream,
                            peer,
                            permit,
                        });
                    }
                },
            );
            tokio::pin!(accepting);
            tokio::select! {
                () = &mut accepting => {}
                () = signal => {}
            }
            stop_tx.send_replace(true);
            accepting.await;
        }
        // The hand-off queues are gone with the loop: workers finish the
        // connections they have, then end.
        shared.finish().await;
    });
    for w in workers {
        let _ = w.join();
    }
    Ok(())
}

/// A connection handed from the accepting thread to a worker.
struct Handed {
    stream: std::net::TcpStream,
    peer: SocketAddr,
    permit: tokio::sync::OwnedSemaphorePermit,
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
/// a free one). Runs on the caller's runtime.
///
/// # Errors
/// [`ServeError`] when the server cannot start.
pub async fn run_until(
    opts: ServeOptions,
    stop: impl Future<Output = ()>,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    run_app_until(Listen::serve(opts), stop, ready).await
}

/// [`run_ocsp`] until `stop` completes, on the caller's runtime, as
/// [`run_until`].
///
/// # Errors
/// [`ServeError`] when the server cannot start.
pub async fn run_ocsp_until(
    opts: crate::ocsp::OcspServeOptions,
    stop: impl Future<Output = ()>,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    run_app_until(Listen::ocsp(opts), stop, ready).await
}

pub(crate) async fn run_app_until(
    listen: Listen,
    stop: impl Future<Output = ()>,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    let server = Server::start(listen).await?;
    ready(server.bound);
    let (stop_tx, stop_rx) = watch::channel(false);
    let shared = server.shared.clone();
    let local = shared.clone();
    let accepting = accept_loop(
        &shared,
        server.listener,
        stop_rx,
        move |stream, peer, permit| {
            let shared = local.clone();
            tokio::spawn(async move {
                serve_one(shared, stream, peer).await;
                drop(permit);
            });
        },
    );
    tokio::pin!(accepting);
    tokio::select! {
        () = &mut accepting => {}
        () = stop => {}
    }
    stop_tx.send_replace(true);
    accepting.await;
    shared.finish().await;
    Ok(())
}

/// A bound, set-up server.
struct Server {
    listener: TcpListener,
    bound: SocketAddr,
    shared: Arc<Shared>,
}

/// What every accept loop and connection shares.
struct Shared {
    app: Router,
    tls: Option<tokio_rustls::TlsAcceptor>,
    client_cn: Option<regex::Regex>,
    limits: Limits,
    log: Arc<dyn cfssl_core::log::SharedLog>,
    /// One permit per connection open.
    slots: Arc<Semaphore>,
    /// Tells open connections to finish.
    stop: watch::Sender<bool>,
}

impl Server {
    /// Sets up TLS, binds, and logs as cfssl.
    async fn start(opts: Listen) -> Result<Self, ServeError> {
        let tls = match &opts.tls {
            Some(t) => Some(tokio_rustls::TlsAcceptor::from(Arc::new(
                t.server_config().map_err(ServeError::Tls)?,
            ))),
            None => None,
        };
        let client_cn = opts.tls.as_ref().and_then(|t| t.client_cn.clone());
        let mutual = opts.tls.as_ref().is_some_and(|t| t.client_ca_pem.is_some());
        let app = opts.app;
        let announce = opts.announce;
        let log = opts.log.clone();
        let limits = opts.limits.clone();
        let shown = if opts.address.contains(':') {
            format!("[{}]:{}", opts.address, opts.port)
        } else {
            format!("{}:{}", opts.address, opts.port)
        };
        let listener = TcpListener::bind(&shown).await.map_err(|e| {
            ServeError::Listen(format!("listen tcp {shown}: {}", go_bind_error(&e)))
        })?;
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
        let line = announce.unwrap_or_else(|| match (&tls, mutual) {
            (None, _) => format!("Now listening on {shown}"),
            (Some(_), false) => format!("Now listening on https://{shown}"),
            (Some(_), true) => format!("Now listening with mutual TLS on https://{shown}"),
        });
        log.log(Level::Info, &line);
        let (stop, _) = watch::channel(false);
        Ok(Self {
            listener,
            bound,
            shared: Arc::new(Shared {
                app,
                tls,
                client_cn,
                slots: Arc::new(Semaphore::new(limits.max_connections)),
                limits,
                log,
                stop,
            }),
        })
    }
}

impl Shared {
    /// Tells open connections to finish and waits (up to the grace period)
    /// until they have, then logs that the server stopped.
    async fn finish(&self) {
        self.stop.send_replace(true);
        // Every connection holds a slot: all slots back means all finished.
        let all = u32::try_from(self.limits.max_connections).unwrap_or(u32::MAX);
        if tokio::time::timeout(self.limits.shutdown_grace, self.slots.acquire_many(all))
            .await
            .is_err()
        {
            self.log.log(
                Level::Warning,
                "shutdown grace period over, closing the connections still open",
            );
        }
        self.log.log(Level::Info, "server stopped");
        self.log.flush();
    }

    /// Waits, up to the grace period, until no connection is open (each
    /// holds a slot), so that a worker's runtime keeps serving the
    /// connections it accepted until they finish.
    async fn drained(&self) {
        let all = u32::try_from(self.limits.max_connections).unwrap_or(u32::MAX);
        let _ = tokio::time::timeout(self.limits.shutdown_grace, async {
            // Taken and given back at once: only a wait.
            drop(self.slots.acquire_many(all).await);
        })
        .await;
    }
}

/// Accepts connections until `stop` turns true, handing each (with its
/// connection slot) to `hand_off`.
async fn accept_loop(
    shared: &Arc<Shared>,
    listener: TcpListener,
    mut stop: watch::Receiver<bool>,
    mut hand_off: impl FnMut(TcpStream, SocketAddr, tokio::sync::OwnedSemaphorePermit),
) {
    loop {
        if *stop.borrow() {
            break;
        }
        let permit = tokio::select! {
            p = shared.slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            _ = stop.changed() => break,
        };
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little
                    // instead of spinning.
                    shared.log.log(Level::Warning, &format!("accept failed: {e}"));
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stop.changed() => break,
        };
        let _ = stream.set_nodelay(true);
        hand_off(stream, peer, permit);
    }
}

/// Serves one accepted connection: the TLS handshake if any (or Go's answer
/// to plain HTTP on a TLS port), then HTTP until the client or the server
/// is done.
async fn serve_one(shared: Arc<Shared>, stream: TcpStream, peer: SocketAddr) {
    let conn = Connection {
        app: shared.app.clone(),
        peer,
        limits: shared.limits.clone(),
        log: shared.log.clone(),
        client_cn: shared.client_cn.clone(),
        stop: shared.stop.subscribe(),
    };
    let limits = &shared.limits;
    match &shared.tls {
        None => conn.serve(TokioIo::new(stream), None).await,
        Some(acceptor) => {
            if speaks_plain_http(&stream, limits.handshake_timeout).await {
                // Go's answer to plain HTTP on a TLS port.
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut stream = stream;
                // Read what was sent first: closing with unread bytes would
                // reset the connection before the client reads the answer.
                let mut sink = [0u8; 4096];
                let _ =
                    tokio::time::timeout(Duration::from_millis(100), stream.read(&mut sink)).await;
                let _ = stream
                    .write_all(b"HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n")
                    .await;
                let _ = stream.shutdown().await;
                return;
            }
            let hs = tokio::time::timeout(limits.handshake_timeout, acceptor.accept(stream));
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
}

/// Whether a client on a TLS port opened with an HTTP method (an ASCII
/// capital letter) instead of a TLS handshake record (0x16).
async fn speaks_plain_http(stream: &TcpStream, wait: Duration) -> bool {
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
