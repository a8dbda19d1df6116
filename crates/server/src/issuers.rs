//! Where the bundler finds intermediates its pools lack: the AIA
//! `caIssuers` URLs of the certificates it bundles, fetched with
//! [`crate::fetch`], and the stash folder (`-int-dir`) where cfssl keeps
//! what verified, one PEM file per intermediate.
//!
//! cfssl fetches with Go's default client, unbounded; here a fetch is
//! bounded (10 s to connect, 10 s for a handshake, 15 s in all, 1 MiB: an
//! issuer certificate is a few KiB), and a stashed file is written whole
//! ([`crate::whole_file`]) with cfssl's mode, 0644 less the umask.
//!
//! ```no_run
//! use std::sync::Arc;
//! use cfssl_core::bundle::Bundler;
//! use cfssl_server::issuers::HttpIssuers;
//!
//! let mut log = cfssl_core::log::NoLog;
//! let source = HttpIssuers::new(Some("intermediates".into()), &mut log)?;
//! let bundler = Bundler::new(Vec::new(), Vec::new()).with_issuer_source(Arc::new(source));
//! # Ok::<(), String>(())
//! ```

use std::path::PathBuf;
use std::time::Duration;

use cfssl_core::bundle::IssuerSource;
use cfssl_core::log::{Level, Log};

use crate::fetch::{self, FetchOptions};

/// AIA issuers over HTTP(S), and the stash folder if one is named.
#[derive(Debug)]
pub struct HttpIssuers {
    stash: Option<PathBuf>,
    options: FetchOptions,
}

impl HttpIssuers {
    /// A source stashing into `stash` (made when missing, with cfssl's log
    /// lines, as its `NewBundler` does), or stashing nothing.
    ///
    /// # Errors
    /// The folder cannot be made (Go's text).
    pub fn new(stash: Option<PathBuf>, log: &mut dyn Log) -> Result<Self, String> {
        if let Some(dir) = &stash
            && !dir.exists()
        {
            let shown = dir.display();
            log.log(
                Level::Info,
                &format!("intermediate stash directory {shown} doesn't exist, creating"),
            );
            std::fs::create_dir_all(dir).map_err(|e| {
                let text = format!(
                    "failed to create intermediate stash directory {shown}: mkdir {shown}: {}",
                    cfssl_core::go::os::errno_text(&e)
                );
                log.log(Level::Error, &text);
                text
            })?;
            log.log(
                Level::Info,
                &format!("intermediate stash directory {shown} created"),
            );
        }
        let options = FetchOptions {
            connect_timeout: Duration::from_secs(10),
            handshake_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(15),
            max_response_bytes: 1 << 20,
            ..FetchOptions::default()
        };
        Ok(Self { stash, options })
    }
}

impl IssuerSource for HttpIssuers {
    fn fetch(&self, url: &str) -> Result<Vec<u8>, String> {
        // Any status: cfssl reads the body and tries to parse it.
        fetch::get(url, &self.options)
            .map(|r| r.body.to_vec())
            .map_err(|e| e.to_string())
    }

    fn stash(&self, name: &str, pem: &str) -> Option<Result<(), String>> {
        let dir = self.stash.as_ref()?;
        if name.contains('/') || name.starts_with('.') {
            // From a CN with a slash: cfssl's filepath.Join would leave the
            // folder (or name a subfolder that is not there).
            return Some(Err(format!(
                "{name:?} is not a file name in {}",
                dir.display()
            )));
        }
        let path = dir.join(name);
        Some(
            crate::whole_file::Pending::create(&path.to_string_lossy(), 0o644)
                .and_then(|file| file.commit(pem.as_bytes())),
        )
    }
}
