//! The remote-signing client: cfssl's `api/client` and `signer/remote`.
//!
//! A [`RemoteSigner`] signs by asking another cfssl: each profile of its
//! policy that has a remote address (`remote` or `auth_remote` in the
//! config, or every profile after [`Config::override_remotes`], which is
//! what `-remote` does) is sent to that address's `/sign`, or, when the
//! profile has an `auth_remote` key, to its `/authsign` with cfssl's HMAC
//! token. An address may be a comma-separated failover group: each server
//! is tried in order and the first success wins (cfssl moves on after any
//! failure, an error answer included). Profiles without a remote address
//! are signed by the local signer it is given, if any (cfssl's `universal`
//! signer).
//!
//! The requests carry exactly what cfssl's client sends
//! ([`cfssl_core::api::client_sign_request`]); the answers are read as it
//! reads them ([`cfssl_core::api::remote_certificate`]), with its error
//! codes: 7400 for a failed request or a non-200 answer (the body is the
//! message), 7500 for `success:false`, 7300 when the answer cannot be read,
//! 5300 `failed to connect to remote` for an address that cannot be read.
//!
//! The client is async (a `serve -remote` front end awaits its upstream);
//! [`Signer::issue`] and [`Signer::info`] wait for it, on the caller's
//! runtime when there is one (from a blocking thread), on a small runtime of
//! their own otherwise (the CLI).
//!
//! ```no_run
//! use std::sync::Arc;
//! use cfssl_core::config::Config;
//! use cfssl_core::signer::{SignRequest, Signer};
//! use cfssl_server::remote::{RemoteSigner, TlsTrust};
//!
//! let mut policy = Config::cfssl_default();
//! policy.override_remotes("ca.internal:8888");
//! let log = Arc::new(cfssl_server::StderrLog::new(1));
//! let signer = RemoteSigner::new(policy, Default::default(), TlsTrust::default(), log)?;
//! let issued = signer.issue(&SignRequest::new(std::fs::read("leaf.csr")?))?;
//! println!("{}", issued.to_pem());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod http;
mod url;

use std::future::Future;
use std::sync::{Arc, OnceLock};

use cfssl_core::api::{self, Info, InfoRequest};
use cfssl_core::auth::{AuthenticatedRequest, Providers};
use cfssl_core::cert::Certificate;
use cfssl_core::config::Config;
use cfssl_core::error::Code;
use cfssl_core::log::{Level, SharedLog};
use cfssl_core::signer::{IssuedCertificate, SignRequest, Signer};
use cfssl_core::{Error, Result};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

pub use http::ClientOptions;
pub use url::RemoteUrl;

/// Whom the client trusts, and who it is, over TLS (`-tls-remote-ca`,
/// `-mutual-tls-client-cert`, `-mutual-tls-client-key`).
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct TlsTrust {
    /// PEM roots to trust instead of the system's.
    pub roots_pem: Option<Vec<u8>>,
    /// A client certificate chain and its key, PEM, for mutual TLS.
    pub client_pem: Option<(Vec<u8>, Vec<u8>)>,
}

impl std::fmt::Debug for TlsTrust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsTrust")
            .field("roots", &self.roots_pem.is_some())
            .field("client_cert", &self.client_pem.is_some())
            .finish()
    }
}

impl TlsTrust {
    /// The rustls client configuration: the given roots, or the system's
    /// trust store (as Go's client uses when no pool is given), and the
    /// client certificate if any. HTTP/1.1 only, as cfssl's client.
    ///
    /// # Errors
    /// Go's words where cfssl has them (`failed to load cert pool` for a
    /// roots file without a certificate), a message naming the file's
    /// problem otherwise.
    pub fn client_config(&self) -> std::result::Result<rustls::ClientConfig, String> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let roots = match self.roots_pem.as_deref() {
            // Go's PEMToCertPool: an empty file means no pool, so the system's.
            Some(pem) if !pem.is_empty() => roots_from_pem(pem)?,
            _ => {
                let mut roots = rustls::RootCertStore::empty();
                for c in rustls_native_certs::load_native_certs().certs {
                    // A system certificate rustls cannot use is skipped, as
                    // Go's pool skips what it cannot parse.
                    let _ = roots.add(c);
                }
                roots
            }
        };
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("tls: {e}"))?
            .with_root_certificates(roots);
        match &self.client_pem {
            None => Ok(builder.with_no_client_auth()),
            Some((cert, key)) => {
                let (certs, key) = client_pair(cert, key)?;
                builder
                    .with_client_auth_cert(certs, key)
                    .map_err(|_| "tls: private key does not match public key".to_string())
            }
        }
    }
}

/// Checks a roots file as cfssl's `helpers.LoadPEMCertPool` does (an empty
/// one is allowed: it means the system's store).
///
/// # Errors
/// `failed to load cert pool` when it holds no usable certificate.
pub fn check_roots_pem(pem: &[u8]) -> std::result::Result<(), String> {
    if pem.is_empty() {
        Ok(())
    } else {
        roots_from_pem(pem).map(drop)
    }
}

/// Checks a client certificate and key as Go's `tls.X509KeyPair` does.
///
/// # Errors
/// Go's messages: `tls: failed to find any PEM data in certificate input`,
/// `tls: failed to find any PEM data in key input`, `tls: private key does
/// not match public key`.
pub fn check_client_pem(cert: &[u8], key: &[u8]) -> std::result::Result<(), String> {
    let (certs, key) = client_pair(cert, key)?;
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    let signing = provider
        .key_provider
        .load_private_key(key)
        .map_err(|_| "tls: failed to parse private key".to_string())?;
    let ours = signing
        .public_key()
        .ok_or_else(|| "tls: private key does not match public key".to_string())?;
    let leaf =
        Certificate::from_der(certs[0].as_ref()).map_err(|e| format!("tls: {}", e.message()))?;
    if ours.as_ref() == leaf.public_key_der() {
        Ok(())
    } else {
        Err("tls: private key does not match public key".into())
    }
}

fn roots_from_pem(pem: &[u8]) -> std::result::Result<rustls::RootCertStore, String> {
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(pem) {
        let c = c.map_err(|_| "failed to load cert pool".to_string())?;
        roots
            .add(c)
            .map_err(|_| "failed to load cert pool".to_string())?;
    }
    if roots.is_empty() {
        return Err("failed to load cert pool".into());
    }
    Ok(roots)
}

type ClientPair = (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>);

fn client_pair(cert: &[u8], key: &[u8]) -> std::result::Result<ClientPair, String> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert)
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| "tls: failed to find any PEM data in certificate input".to_string())?;
    if certs.is_empty() {
        return Err("tls: failed to find any PEM data in certificate input".into());
    }
    let key = PrivateKeyDer::from_pem_slice(key)
        .map_err(|_| "tls: failed to find any PEM data in key input".to_string())?;
    Ok((certs, key))
}

/// A group of remote servers with the TLS set-up to reach them.
pub struct Remote<'a> {
    servers: Vec<RemoteUrl>,
    tls: &'a TlsCache,
    options: &'a ClientOptions,
    log: &'a dyn SharedLog,
}

/// A TLS client configuration built on first use (plain HTTP remotes never
/// read the system's trust store).
#[derive(Default)]
pub struct TlsCache {
    trust: TlsTrust,
    built: OnceLock<std::result::Result<Arc<rustls::ClientConfig>, String>>,
}

impl std::fmt::Debug for TlsCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsCache")
            .field("trust", &self.trust)
            .finish_non_exhaustive()
    }
}

impl TlsCache {
    /// A cache for this trust.
    pub fn new(trust: TlsTrust) -> Self {
        Self {
            trust,
            built: OnceLock::new(),
        }
    }

    fn get(&self) -> Result<Arc<rustls::ClientConfig>> {
        self.built
            .get_or_init(|| self.trust.client_config().map(Arc::new))
            .clone()
            .map_err(|e| Error::coded(Code::ApiClientHttpError, e))
    }
}

impl std::fmt::Debug for Remote<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remote")
            .field("servers", &self.servers)
            .finish_non_exhaustive()
    }
}

impl<'a> Remote<'a> {
    /// The group at `addresses` (comma-separated).
    ///
    /// # Errors
    /// 5300 `failed to connect to remote` when an address cannot be read
    /// (logged as cfssl does: `bad url: …`).
    pub fn new(
        addresses: &str,
        tls: &'a TlsCache,
        options: &'a ClientOptions,
        log: &'a dyn SharedLog,
    ) -> Result<Self> {
        let servers = RemoteUrl::group(addresses).map_err(|e| {
            log.log(Level::Error, &format!("bad url: {e}"));
            Error::coded(Code::PolicyInvalidRequest, "failed to connect to remote")
        })?;
        Ok(Self {
            servers,
            tls,
            options,
            log,
        })
    }

    /// POSTs `body` to `endpoint` of each server in turn until one answers
    /// with success, and reads the answer with `read`.
    async fn call<T>(
        &self,
        endpoint: &str,
        body: &[u8],
        read: impl Fn(&[u8]) -> Result<T>,
    ) -> Result<T> {
        let mut last = Error::coded(Code::PolicyInvalidRequest, "failed to connect to remote");
        for server in &self.servers {
            let tls = if server.is_https() {
                Some(self.tls.get()?)
            } else {
                None
            };
            let outcome = http::post(server, endpoint, body, tls, self.options, self.log)
                .await
                .and_then(|answer| {
                    read(&answer).inspect_err(|_| {
                        self.log.log(
                            Level::Debug,
                            &format!(
                                "Unable to parse response body:{}",
                                String::from_utf8_lossy(&answer)
                            ),
                        );
                    })
                });
            match outcome {
                Ok(v) => return Ok(v),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// `POST /sign` with cfssl's client JSON of `req`; the certificate PEM.
    ///
    /// # Errors
    /// See the module documentation.
    pub async fn sign(&self, req: &SignRequest) -> Result<String> {
        let body = api::client_sign_request(req);
        self.call("sign", body.as_bytes(), api::remote_certificate)
            .await
    }

    /// `POST /authsign` with the request signed by `key`; the certificate PEM.
    ///
    /// # Errors
    /// See the module documentation.
    pub async fn authsign(
        &self,
        req: &SignRequest,
        key: &cfssl_core::auth::Standard,
    ) -> Result<String> {
        let inner = api::client_sign_request(req).into_bytes();
        let token = key.token(&inner);
        let body =
            AuthenticatedRequest::new(chrono::Utc::now().timestamp(), token, inner).to_json();
        self.call("authsign", body.as_bytes(), api::remote_certificate)
            .await
    }

    /// `POST /info`.
    ///
    /// # Errors
    /// See the module documentation.
    pub async fn info(&self, req: &InfoRequest) -> Result<Info> {
        self.call("info", req.to_json().as_bytes(), api::remote_info)
            .await
    }
}

/// A signer that signs remote profiles remotely and, given a local signer,
/// the others locally (cfssl's `remote` and `universal` signers).
pub struct RemoteSigner {
    policy: Config,
    providers: Providers,
    tls: TlsCache,
    options: ClientOptions,
    local: Option<Arc<dyn Signer>>,
    log: Arc<dyn SharedLog>,
}

impl std::fmt::Debug for RemoteSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteSigner")
            .field("local", &self.local.is_some())
            .field("tls", &self.tls)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl RemoteSigner {
    /// A signer for `policy`, whose `auth_remote` keys are in `providers`
    /// ([`Providers::from_config`]).
    ///
    /// # Errors
    /// 5200 `Invalid or unknown policy` when no profile signs remotely.
    pub fn new(
        policy: Config,
        providers: Providers,
        trust: TlsTrust,
        log: Arc<dyn SharedLog>,
    ) -> Result<Self> {
        if !policy.needs_remote_signer() {
            return Err(Error::coded(
                Code::PolicyInvalidPolicy,
                "Invalid or unknown policy",
            ));
        }
        Ok(Self {
            policy,
            providers,
            tls: TlsCache::new(trust),
            options: ClientOptions::default(),
            local: None,
            log,
        })
    }

    /// Signs the profiles that have no remote address with `local`.
    pub fn with_local(mut self, local: Arc<dyn Signer>) -> Self {
        self.local = Some(local);
        self
    }

    /// Other bounds on each remote request.
    pub fn with_options(mut self, options: ClientOptions) -> Self {
        self.options = options;
        self
    }

    /// Where a request for `profile` goes: `Ok(None)` for the local signer,
    /// else the remote address. With both local and remote profiles, an
    /// unknown profile name is 5400 (cfssl's universal signer); with remote
    /// ones only, it falls back to the default profile.
    fn route(&self, profile: &str) -> Result<Option<&str>> {
        let known = profile.is_empty() || self.policy.profiles.iter().any(|(n, _)| n == profile);
        if self.local.is_some() && !known {
            return Err(Error::coded(
                Code::PolicyUnknownProfile,
                "Unknown policy profile",
            ));
        }
        let p = self.policy.profile(profile);
        if p.signs_remotely() {
            Ok(Some(p.remote_server()))
        } else if self.local.is_some() {
            Ok(None)
        } else {
            // A remote-only signer sends every profile to its remote (cfssl
            // falls back to the default profile's address).
            Ok(Some(self.policy.default.remote_server()))
        }
    }

    /// Signs `req` and returns the certificate PEM as the remote sent it.
    ///
    /// # Errors
    /// See the module documentation; a local signer's errors for local
    /// profiles.
    pub async fn sign_pem(&self, req: &SignRequest) -> Result<String> {
        let Some(address) = self.route(&req.profile)? else {
            return self.local_signer().issue(req).map(|c| c.to_pem());
        };
        let remote = Remote::new(address, &self.tls, &self.options, self.log.as_ref())?;
        match self
            .providers
            .remote_for_profile(&self.policy, &req.profile)
        {
            Some(key) => remote.authsign(req, key).await,
            None => remote.sign(req).await,
        }
    }

    /// The info of the profile `req.profile`: asked of the remote for a
    /// remote profile (unauthenticated, as cfssl does), of the local signer
    /// otherwise.
    ///
    /// # Errors
    /// See the module documentation.
    pub async fn info_of(&self, req: &InfoRequest) -> Result<Info> {
        let Some(address) = self.route(&req.profile)? else {
            return self.local_signer().info(req);
        };
        Remote::new(address, &self.tls, &self.options, self.log.as_ref())?
            .info(req)
            .await
    }

    fn local_signer(&self) -> &dyn Signer {
        // `route` answers `None` only when there is a local signer.
        self.local.as_deref().unwrap_or(self)
    }
}

impl Signer for RemoteSigner {
    fn issue(&self, req: &SignRequest) -> Result<IssuedCertificate> {
        let pem = block_on(self.sign_pem(req))??;
        Certificate::from_pem(pem.as_bytes()).map(IssuedCertificate::from_certificate)
    }

    fn certificate(&self) -> Option<&Certificate> {
        self.local.as_deref().and_then(Signer::certificate)
    }

    fn policy(&self) -> &Config {
        &self.policy
    }

    fn info(&self, req: &InfoRequest) -> Result<Info> {
        block_on(self.info_of(req))?
    }
}

/// Runs `fut` to completion from synchronous code: on the current
/// multi-threaded tokio runtime when there is one (from a blocking task or
/// a worker), on a runtime of its own otherwise (the CLI).
///
/// # Errors
/// When no runtime can be started.
pub fn block_on<F: Future + Send>(fut: F) -> Result<F::Output>
where
    F::Output: Send,
{
    use tokio::runtime::{Builder, Handle, RuntimeFlavor};
    let own = |fut: F| {
        Builder::new_current_thread()
            .enable_all()
            .build()
            .map(|rt| rt.block_on(fut))
            .map_err(|e| {
                Error::coded(
                    Code::ApiClientIoError,
                    format!("cannot start the HTTP client: {e}"),
                )
            })
    };
    match Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => {
            Ok(tokio::task::block_in_place(|| handle.block_on(fut)))
        }
        // A single-threaded runtime cannot be blocked on: wait on another
        // thread.
        Ok(_) => std::thread::scope(|s| {
            s.spawn(|| own(fut)).join().unwrap_or_else(|_| {
                Err(Error::coded(
                    Code::ApiClientIoError,
                    "the HTTP client failed",
                ))
            })
        }),
        Err(_) => own(fut),
    }
}
