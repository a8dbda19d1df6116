//! # cfssl-server
//!
//! cfssl's HTTP signing service (`cfssl serve`): the `/api/v1/cfssl/…`
//! endpoints with cfssl's envelope, status codes, error codes and log lines,
//! served by hyper (through axum's router) on tokio, with rustls for TLS and
//! mutual TLS.
//!
//! All PKI work and every JSON shape is `cfssl-core`'s; this crate reads
//! requests, bounds them (body size, header and body read time, connection
//! count), calls the core, and writes the answer.
//!
//! ```no_run
//! use std::sync::Arc;
//! use cfssl_core::{config::Config, signer::LocalSigner};
//! use cfssl_server::{ServeOptions, StderrLog};
//!
//! let signer = LocalSigner::from_pem(&std::fs::read("ca.pem")?, &std::fs::read("ca-key.pem")?, Config::cfssl_default())?;
//! let log = Arc::new(StderrLog::new(1));
//! let mut opts = ServeOptions::new(log.clone());
//! opts.signer = Some(Arc::new(signer.with_log(log)));
//! cfssl_server::run(opts)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod app;
mod body;
pub mod dial;
pub mod fetch;
mod handlers;
pub mod issuers;
mod listen;
mod log;
pub mod multiroot;
pub mod ocsp;
pub mod remote;
mod reply;
mod tls;
pub mod whole_file;

pub use app::{BundlerError, CrlIssuer, Endpoint, ServeOptions};
pub use listen::{Limits, ServeError, run, run_ocsp, run_ocsp_until, run_until};
pub use log::StderrLog;
pub use tls::{MinTlsVersion, TlsOptions};
