//! multirootca: cfssl's authenticated signing server for several CAs
//! ("roots"), each chosen by a request's `label` (cfssl 1.6.5's
//! `cmd/multirootca`).
//!
//! Three endpoints: `POST /api/v1/cfssl/authsign` (an HMAC-authenticated
//! sign request, checked in cfssl's order: method, outer JSON, inner JSON,
//! label defaulting, the label's `nets`, the label, its profile, the
//! profile's `auth_key`, the token, the CSR, signing), `POST
//! /api/v1/cfssl/info` and `GET /metrics` (Prometheus text). The listener
//! is `serve`'s, with its bounds on bodies, waits and connections.
//!
//! ```no_run
//! use std::sync::Arc;
//! use cfssl_core::log::SharedLog;
//! use cfssl_server::multiroot::{MultirootOptions, Root, parse_roots_file};
//!
//! let log: Arc<dyn SharedLog> = Arc::new(cfssl_server::StderrLog::new(1));
//! let file = parse_roots_file(&std::fs::read_to_string("roots.conf")?)?;
//! let mut opts = MultirootOptions::new(log.clone());
//! for (label, keys) in &file.sections {
//!     opts.roots.push(Root::load(label, keys, &log)?);
//! }
//! opts.address = "127.0.0.1".into();
//! cfssl_server::multiroot::run(opts)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod handlers;
mod metrics;
mod nets;
mod root;
mod roots_file;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use cfssl_core::log::SharedLog;

pub use nets::{InvalidCidr, NetAcl};
pub use root::{LoadError, Root, RootError};
pub use roots_file::{DEFAULT_SECTION, InvalidRootsFile, RootsFile, parse_roots_file};

use crate::listen::{Limits, Listen, ServeError};
use crate::tls::TlsOptions;

/// Everything multirootca is started with.
#[non_exhaustive]
pub struct MultirootOptions {
    /// The host of `-a` (empty: every IPv4 address).
    pub address: String,
    /// The port of `-a` (default 8888).
    pub port: u16,
    /// What `-a` said, for the start-up line (`Now listening on :8888`).
    pub shown_address: Option<String>,
    /// The roots, by label.
    pub roots: Vec<Root>,
    /// `-l`: the label of requests that name none.
    pub default_label: String,
    /// `-tls-cert`/`-tls-key`; `None` for plain HTTP.
    pub tls: Option<TlsOptions>,
    /// Bounds on bodies, waits and connections (as `serve`'s).
    pub limits: Limits,
    /// Where log lines go.
    pub log: Arc<dyn SharedLog>,
}

impl std::fmt::Debug for MultirootOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MultirootOptions")
            .field("address", &self.address)
            .field("port", &self.port)
            .field("roots", &self.roots)
            .field("default_label", &self.default_label)
            .field("tls", &self.tls.is_some())
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl MultirootOptions {
    /// cfssl's defaults: every address, port 8888, no roots, no default
    /// label, plain HTTP.
    pub fn new(log: Arc<dyn SharedLog>) -> Self {
        Self {
            address: String::new(),
            port: 8888,
            shown_address: None,
            roots: Vec::new(),
            default_label: String::new(),
            tls: None,
            limits: Limits::default(),
            log,
        }
    }

    fn into_listen(self) -> Listen {
        let shown = self
            .shown_address
            .clone()
            .unwrap_or_else(|| format!("{}:{}", self.address, self.port));
        // cfssl's two start-up lines (the TLS one with its space).
        let announce = if self.tls.is_some() {
            format!("Now listening on https:// {shown}")
        } else {
            format!("Now listening on {shown}")
        };
        let address = if self.address.is_empty() {
            "0.0.0.0".to_string()
        } else {
            self.address.clone()
        };
        let app = handlers::router(handlers::State::new(
            self.roots,
            self.default_label,
            self.log.clone(),
            self.limits.clone(),
        ));
        Listen {
            address,
            port: self.port,
            tls: self.tls,
            limits: self.limits,
            log: self.log,
            app,
            announce: Some(announce),
        }
    }
}

/// Runs multirootca until SIGTERM or SIGINT, then shuts down gracefully
/// (as [`crate::run`]).
///
/// # Errors
/// [`ServeError`] when the server cannot start.
pub fn run(opts: MultirootOptions) -> Result<(), ServeError> {
    crate::listen::run_app(opts.into_listen())
}

/// [`run`] until `stop` completes, on the caller's runtime; `ready` gets the
/// bound address.
///
/// # Errors
/// [`ServeError`] when the server cannot start.
pub async fn run_until(
    opts: MultirootOptions,
    stop: impl Future<Output = ()>,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    crate::listen::run_app_until(opts.into_listen(), stop, ready).await
}
