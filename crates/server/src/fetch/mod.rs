//! A small bounded HTTP client for plain `GET` and `POST` requests, as the
//! revocation checker and the bundler use Go's default `http.Client`: one
//! fresh HTTP/1.1 connection per request, `https://` verified against the
//! system's trust store (rustls), `HTTP_PROXY`/`HTTPS_PROXY`/`NO_PROXY`
//! honoured, redirects followed as Go follows them (at most 10; 301, 302
//! and 303 turn a `POST` into a `GET`, 307 and 308 repeat it).
//!
//! Unlike Go's default client, every wait is bounded (connecting, the TLS
//! handshake, the whole exchange) and so is the size of an answer
//! ([`FetchOptions`]). Errors are worded as Go words them (`Get
//! "http://127.0.0.1:1/x.crl": dial tcp 127.0.0.1:1: connect: connection
//! refused`), so log lines match cfssl's.
//!
//! cfssl's remote-signing client ([`crate::remote`]) sends its requests
//! through the same transport.
//!
//! ```no_run
//! use cfssl_server::fetch::{self, FetchOptions};
//!
//! let answer = fetch::get("http://crl.example.com/ca.crl", &FetchOptions::default())?;
//! if answer.status < 300 {
//!     println!("{} bytes of CRL", answer.body.len());
//! }
//! # Ok::<(), fetch::FetchError>(())
//! ```

mod proxy;
pub(crate) mod transport;
mod url;

use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

pub use hyper::body::Bytes;
pub use url::Url;

use transport::{Failure, Outgoing};

/// Bounds on one request.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct FetchOptions {
    /// Connecting, per address (Go's dialer: 30 s).
    pub connect_timeout: Duration,
    /// The TLS handshake (Go's transport: 10 s).
    pub handshake_timeout: Duration,
    /// Sending the request and reading the whole answer, per request of a
    /// redirect chain (Go's default client has no bound: a server that
    /// never answers hangs it for ever).
    pub request_timeout: Duration,
    /// The largest answer read (Go reads whatever comes).
    pub max_response_bytes: usize,
    /// Whether `HTTP_PROXY`, `HTTPS_PROXY` and `NO_PROXY` apply (Go's
    /// `ProxyFromEnvironment`).
    pub use_proxy_environment: bool,
    /// How many redirects are followed before giving up (Go: 10). Zero
    /// returns the redirect answer itself. cfssl's remote-signing client
    /// ignores this: it never follows redirects.
    pub max_redirects: usize,
}

impl Default for FetchOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(30),
            handshake_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            max_response_bytes: 16 << 20,
            use_proxy_environment: true,
            max_redirects: 10,
        }
    }
}

/// An answer: its status and its whole body (any status: as with Go's
/// client, a 404 is an answer, not an error).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Response {
    /// The HTTP status code.
    pub status: u16,
    /// The body, at most [`FetchOptions::max_response_bytes`] long.
    pub body: Bytes,
}

/// Why a request gave no answer.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FetchError {
    /// The URL cannot be requested, or the request failed on the way there
    /// or back: Go's `url.Error`, shown as `Get "URL": detail`.
    Request {
        /// `Get` or `Post`, as Go writes the method in its errors.
        method: &'static str,
        /// The URL asked for (the last one of a redirect chain).
        url: String,
        /// What went wrong, in Go's words.
        detail: String,
    },
    /// The body could not be read to its end (Go: the error of
    /// `io.ReadAll`, such as `unexpected EOF`).
    Body(String),
    /// The body is larger than [`FetchOptions::max_response_bytes`].
    TooLarge {
        /// The limit.
        limit: usize,
    },
    /// No client could be set up: the system's trust store or the
    /// runtime.
    Setup(String),
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Request {
                method,
                url,
                detail,
            } => write!(f, "{method} \"{url}\": {detail}"),
            Self::Body(detail) | Self::Setup(detail) => f.write_str(detail),
            Self::TooLarge { limit } => write!(f, "the answer is larger than {limit} bytes"),
        }
    }
}

impl std::error::Error for FetchError {}

/// `GET url`, waiting for the answer (on a runtime of its own, or on the
/// caller's multi-threaded one).
///
/// # Errors
/// [`FetchError`]; an answer of any status is `Ok`.
pub fn get(url: &str, opts: &FetchOptions) -> Result<Response, FetchError> {
    wait(send("GET", url, None, opts))
}

/// `POST url` with `body` as `content_type`, waiting for the answer.
///
/// # Errors
/// [`FetchError`]; an answer of any status is `Ok`.
pub fn post(
    url: &str,
    content_type: &str,
    body: &[u8],
    opts: &FetchOptions,
) -> Result<Response, FetchError> {
    wait(send("POST", url, Some((body, content_type)), opts))
}

fn wait<F>(fut: F) -> Result<Response, FetchError>
where
    F: Future<Output = Result<Response, FetchError>> + Send,
{
    crate::remote::block_on(fut).map_err(|e| FetchError::Setup(e.message().to_string()))?
}

/// `GET url` (`body` `None`) or `POST url` with a body and its content
/// type, following redirects as Go's default client does.
///
/// # Errors
/// [`FetchError`]; an answer of any status is `Ok`.
pub async fn send(
    method: &'static str,
    url: &str,
    body: Option<(&[u8], &str)>,
    opts: &FetchOptions,
) -> Result<Response, FetchError> {
    let mut method = method;
    let mut body = body;
    let mut current = url.to_string();
    let mut redirects = 0usize;
    loop {
        let go_method = if method == "POST" { "Post" } else { "Get" };
        let fail = |url: &str, detail: String| FetchError::Request {
            method: go_method,
            url: url.to_string(),
            detail,
        };
        let parsed = Url::parse(&current).map_err(|d| fail(&current, d))?;
        let tls = if parsed.is_https() {
            Some(system_tls().map_err(FetchError::Setup)?)
        } else {
            None
        };
        let answer = transport::exchange(&parsed, &Outgoing { method, body }, tls, opts)
            .await
            .map_err(|f| match f {
                Failure::Request(d) => fail(&current, d),
                Failure::Read(d) => FetchError::Body(d),
                Failure::TooLarge(limit) => FetchError::TooLarge { limit },
            })?;
        let next = match (answer.status, &answer.location) {
            (301 | 302 | 303 | 307 | 308, Some(loc)) if opts.max_redirects > 0 => parsed.join(loc),
            _ => {
                return Ok(Response {
                    status: answer.status,
                    body: answer.body,
                });
            }
        };
        if matches!(answer.status, 301..=303) && method != "GET" {
            method = "GET";
            body = None;
        }
        redirects += 1;
        if redirects >= opts.max_redirects {
            let go_method = if method == "POST" { "Post" } else { "Get" };
            return Err(FetchError::Request {
                method: go_method,
                url: next,
                detail: format!("stopped after {} redirects", opts.max_redirects),
            });
        }
        current = next;
    }
}

/// The client configuration trusting the system's roots, made once.
fn system_tls() -> Result<Arc<rustls::ClientConfig>, String> {
    static CONFIG: OnceLock<Result<Arc<rustls::ClientConfig>, String>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            crate::remote::TlsTrust::default()
                .client_config()
                .map(Arc::new)
        })
        .clone()
}

/// The revocation checker's network ([`cfssl_core::revoke_check::Fetch`])
/// through this client, with these bounds.
///
/// ```no_run
/// use cfssl_core::revoke_check::{Checker, Status};
/// use cfssl_server::fetch::Fetcher;
///
/// let cert = cfssl_core::cert::Certificate::from_pem(&std::fs::read("int.pem")?)?;
/// let checker = Checker::new(Fetcher::default());
/// let status = checker.verify(&cert, None, chrono::Utc::now(), &mut cfssl_core::log::NoLog);
/// println!("{}", if status == Status::Good { "good" } else { "not good" });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Fetcher {
    /// The bounds on each request.
    pub options: FetchOptions,
}

impl Fetcher {
    /// A fetcher with these bounds.
    pub fn new(options: FetchOptions) -> Self {
        Self { options }
    }
}

impl cfssl_core::revoke_check::Fetch for Fetcher {
    fn get(&self, url: &str) -> Result<cfssl_core::revoke_check::Fetched, String> {
        get(url, &self.options)
            .map(fetched)
            .map_err(|e| e.to_string())
    }

    fn post(
        &self,
        url: &str,
        content_type: &str,
        body: &[u8],
    ) -> Result<cfssl_core::revoke_check::Fetched, String> {
        post(url, content_type, body, &self.options)
            .map(fetched)
            .map_err(|e| e.to_string())
    }
}

fn fetched(r: Response) -> cfssl_core::revoke_check::Fetched {
    cfssl_core::revoke_check::Fetched {
        status: r.status,
        body: r.body.to_vec(),
    }
}
