//! What the server serves: cfssl's endpoint table, which endpoints a given
//! set-up enables (with cfssl's start-up log lines), and the router.

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::Method;
use axum::response::Response;
use axum::routing::any;
use cfssl_core::log::{Level, SharedLog};
use cfssl_core::signer::Signer;

use crate::listen::Limits;
use crate::reply::{ApiError, not_found};
use crate::tls::TlsOptions;

/// Where `/api/v1/cfssl/<key>` endpoints live.
pub(crate) const API_PREFIX: &str = "/api/v1/cfssl/";

/// cfssl serve's endpoints, by the key `-disable` names them with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Endpoint {
    /// `sign`.
    Sign,
    /// `authsign`.
    AuthSign,
    /// `info`.
    Info,
    /// `crl`.
    Crl,
    /// `gencrl`.
    GenCrl,
    /// `newcert`.
    NewCert,
    /// `bundle`.
    Bundle,
    /// `newkey`.
    NewKey,
    /// `init_ca`.
    InitCa,
    /// `scan`.
    Scan,
    /// `scaninfo`.
    ScanInfo,
    /// `certinfo`.
    CertInfo,
    /// `ocspsign`.
    OcspSign,
    /// `revoke`.
    Revoke,
    /// `/`, the static web UI.
    Static,
    /// `health`.
    Health,
    /// `certadd`.
    CertAdd,
}

impl Endpoint {
    /// Every endpoint, in the order the start-up log lists them.
    pub const ALL: [Self; 17] = [
        Self::Sign,
        Self::AuthSign,
        Self::Info,
        Self::Crl,
        Self::GenCrl,
        Self::NewCert,
        Self::Bundle,
        Self::NewKey,
        Self::InitCa,
        Self::Scan,
        Self::ScanInfo,
        Self::CertInfo,
        Self::OcspSign,
        Self::Revoke,
        Self::Static,
        Self::Health,
        Self::CertAdd,
    ];

    /// The key (`sign`, `init_ca`, `/`).
    pub const fn key(self) -> &'static str {
        match self {
            Self::Sign => "sign",
            Self::AuthSign => "authsign",
            Self::Info => "info",
            Self::Crl => "crl",
            Self::GenCrl => "gencrl",
            Self::NewCert => "newcert",
            Self::Bundle => "bundle",
            Self::NewKey => "newkey",
            Self::InitCa => "init_ca",
            Self::Scan => "scan",
            Self::ScanInfo => "scaninfo",
            Self::CertInfo => "certinfo",
            Self::OcspSign => "ocspsign",
            Self::Revoke => "revoke",
            Self::Static => "/",
            Self::Health => "health",
            Self::CertAdd => "certadd",
        }
    }

    /// The one method cfssl accepts on it.
    pub(crate) fn method(self) -> Method {
        match self {
            Self::Health | Self::Crl | Self::Scan | Self::ScanInfo | Self::Static => Method::GET,
            _ => Method::POST,
        }
    }

    /// Whether this build serves it.
    const fn implemented(self) -> bool {
        matches!(
            self,
            Self::Sign
                | Self::AuthSign
                | Self::Info
                | Self::NewCert
                | Self::NewKey
                | Self::InitCa
                | Self::CertInfo
                | Self::Health
                | Self::Revoke
                | Self::CertAdd
                | Self::Crl
                | Self::GenCrl
                | Self::OcspSign
                | Self::Bundle
        )
    }

    /// Whether answering it generates keys (run off the async workers).
    pub(crate) const fn generates_keys(self) -> bool {
        matches!(self, Self::NewCert | Self::NewKey | Self::InitCa)
    }
}

/// Everything `cfssl serve` is started with.
#[non_exhaustive]
pub struct ServeOptions {
    /// `-address` (default `127.0.0.1`).
    pub address: String,
    /// `-port` (default 8888; 0 picks a free port).
    pub port: u16,
    /// The signer built from `-ca`, `-ca-key` and `-config`; `None` when it
    /// could not be built (the endpoints that need it are then disabled).
    pub signer: Option<Arc<dyn Signer>>,
    /// `-disable`: endpoint keys not to serve.
    pub disable: Vec<String>,
    /// `-tls-cert`/`-tls-key` and mutual TLS; `None` for plain HTTP.
    pub tls: Option<TlsOptions>,
    /// The `auth_key` providers of the signer's profiles (`/authsign`),
    /// keys already read.
    pub auth: cfssl_core::auth::Providers,
    /// Bounds on bodies, waits and connections.
    pub limits: Limits,
    /// The certificate database of `-db-config` (the signer records into it
    /// through a `cfssl_certdb::RecordingSigner`; `/certinfo` looks up
    /// serials in it).
    pub db: Option<Arc<dyn cfssl_certdb::Accessor>>,
    /// The CA certificate and key `/crl` signs with (cfssl reads `-ca` and
    /// `-ca-key` again for it); `/crl` is disabled without them.
    pub crl_issuer: Option<Arc<CrlIssuer>>,
    /// The OCSP signer of `-responder` (`/ocspsign`, and `/revoke`'s fresh
    /// response); `/ocspsign` is disabled without one.
    pub ocsp_signer: Option<Arc<cfssl_core::ocsp::Signer>>,
    /// The bundler of `/bundle` (cfssl's: `-ca-bundle`, or the system's
    /// roots without it, and `-int-bundle`); `/bundle` is disabled without
    /// one.
    pub bundler: Option<Arc<cfssl_core::bundle::Bundler>>,
    /// Why the bundler could not be made (a pool file that cannot be read
    /// or parsed): `/bundle` is disabled, and so are `/sign`, `/authsign`
    /// and `/newcert` when they would bundle, each with cfssl's lines.
    pub bundler_error: Option<BundlerError>,
    /// Whether `/sign`, `/authsign` and `/newcert` bundle on `bundle:true`
    /// (cfssl: only when both `-ca-bundle` and `-int-bundle` are given;
    /// otherwise they answer with the "requires a bundler" message).
    pub bundle_on_sign: bool,
    /// Where log lines go.
    pub log: Arc<dyn SharedLog>,
}

/// A bundler that could not be made, as cfssl reports it at start-up.
#[derive(Clone, Debug)]
pub struct BundlerError {
    /// The ERROR line cfssl logs each time it tries (`root bundle failed
    /// to load: open F: no such file or directory`).
    pub log_line: String,
    /// The reason the endpoints are disabled with (cfssl's error JSON).
    pub reason: String,
}

/// A CA certificate and its key, for CRLs.
#[derive(Debug)]
pub struct CrlIssuer {
    /// The CA certificate.
    pub certificate: cfssl_core::cert::Certificate,
    /// Its key.
    pub key: cfssl_core::key::PrivateKey,
}

impl CrlIssuer {
    /// The pair, checked to belong together.
    ///
    /// # Errors
    /// 2300 when the key is not the certificate's.
    pub fn new(
        certificate: cfssl_core::cert::Certificate,
        key: cfssl_core::key::PrivateKey,
    ) -> cfssl_core::Result<Self> {
        if key.public_key_der() != certificate.public_key_der() {
            return Err(cfssl_core::Error::coded(
                cfssl_core::Code::PrivateKeyMismatch,
                "Private key does not match public key",
            ));
        }
        Ok(Self { certificate, key })
    }
}

impl std::fmt::Debug for ServeOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeOptions")
            .field("address", &self.address)
            .field("port", &self.port)
            .field("signer", &self.signer.is_some())
            .field("disable", &self.disable)
            .field("tls", &self.tls.is_some())
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl ServeOptions {
    /// cfssl's defaults: `127.0.0.1:8888`, no signer, plain HTTP.
    pub fn new(log: Arc<dyn SharedLog>) -> Self {
        Self {
            address: "127.0.0.1".into(),
            port: 8888,
            signer: None,
            disable: Vec::new(),
            tls: None,
            auth: cfssl_core::auth::Providers::default(),
            limits: Limits::default(),
            db: None,
            crl_issuer: None,
            ocsp_signer: None,
            bundler: None,
            bundler_error: None,
            bundle_on_sign: false,
            log,
        }
    }
}

/// What every request handler shares.
pub(crate) struct AppState {
    pub(crate) signer: Option<Arc<dyn Signer>>,
    pub(crate) auth: cfssl_core::auth::Providers,
    pub(crate) log: Arc<dyn SharedLog>,
    pub(crate) limits: Limits,
    pub(crate) db: Option<Arc<dyn cfssl_certdb::Accessor>>,
    pub(crate) crl_issuer: Option<Arc<CrlIssuer>>,
    pub(crate) ocsp_signer: Option<Arc<cfssl_core::ocsp::Signer>>,
    /// The bundler of `/bundle`.
    pub(crate) bundler: Option<Arc<cfssl_core::bundle::Bundler>>,
    /// The bundler of `bundle:true` on the signing endpoints.
    pub(crate) sign_bundler: Option<Arc<cfssl_core::bundle::Bundler>>,
    /// Whether some profile signs at a remote: signing then waits on the
    /// network, so it runs off the async workers.
    pub(crate) remote: bool,
}

/// Why an endpoint is not served, or `None` when it is (cfssl's
/// `endpoints` table of prerequisite checks).
fn unavailable(ep: Endpoint, opts: &ServeOptions) -> Option<String> {
    let signer = opts.signer.as_deref();
    let has_db = opts.db.is_some();
    const BAD_SIGNER: &str = "signer not initialized";
    let invalid_policy = || cfssl_core::wire::error_json(5200, "Invalid or unknown policy");
    let needs_signer = matches!(
        ep,
        Endpoint::Sign
            | Endpoint::AuthSign
            | Endpoint::Info
            | Endpoint::NewCert
            | Endpoint::Crl
            | Endpoint::GenCrl
    );
    if needs_signer && signer.is_none() {
        return Some(BAD_SIGNER.into());
    }
    match ep {
        Endpoint::OcspSign if opts.ocsp_signer.is_none() => return Some(BAD_SIGNER.into()),
        Endpoint::Crl | Endpoint::Revoke if !has_db => {
            return Some("cert db not configured (missing -db-config)".into());
        }
        Endpoint::Crl if opts.crl_issuer.is_none() => {
            return Some("the CA certificate and key (-ca, -ca-key) could not be read".into());
        }
        _ => {}
    }
    if let Some(e) = &opts.bundler_error {
        let bundles = match ep {
            Endpoint::Bundle => true,
            Endpoint::Sign | Endpoint::AuthSign | Endpoint::NewCert => opts.bundle_on_sign,
            _ => false,
        };
        if bundles {
            opts.log.log(Level::Error, &e.log_line);
            return Some(e.reason.clone());
        }
    }
    if ep == Endpoint::Bundle && opts.bundler.is_none() {
        return Some("no bundler configured".into());
    }
    if matches!(ep, Endpoint::Scan | Endpoint::ScanInfo) {
        return Some(
            "not supported: TLS server scanning is not part of this CA (docs/compat.md)".into(),
        );
    }
    if !ep.implemented() {
        return Some("not implemented by this build yet".into());
    }
    let policy = signer.map(Signer::policy);
    let profiles = || {
        policy
            .into_iter()
            .flat_map(|p| std::iter::once(&p.default).chain(p.profiles.iter().map(|(_, p)| p)))
    };
    match ep {
        Endpoint::Sign if !profiles().any(|p| p.auth_key.is_empty()) => Some(invalid_policy()),
        Endpoint::AuthSign if !profiles().any(|p| !p.auth_key.is_empty()) => Some(invalid_policy()),
        _ => None,
    }
}

/// Builds the router, logging each endpoint's state as cfssl does.
pub(crate) fn router(opts: &mut ServeOptions) -> (Router, Arc<AppState>) {
    let st = Arc::new(AppState {
        signer: opts.signer.clone(),
        auth: std::mem::take(&mut opts.auth),
        log: opts.log.clone(),
        limits: opts.limits.clone(),
        db: opts.db.clone(),
        crl_issuer: opts.crl_issuer.clone(),
        ocsp_signer: opts.ocsp_signer.clone(),
        bundler: opts.bundler.clone(),
        sign_bundler: opts.bundler.clone().filter(|_| opts.bundle_on_sign),
        remote: opts
            .signer
            .as_ref()
            .is_some_and(|s| s.policy().needs_remote_signer()),
    });
    let log = opts.log.as_ref();
    let mut router = Router::new();
    for ep in Endpoint::ALL {
        log.log(Level::Debug, &format!("getHandler for {}", ep.key()));
        if opts.disable.iter().any(|d| d == ep.key()) {
            log.log(
                Level::Info,
                &format!("endpoint '{}' is explicitly disabled", ep.key()),
            );
        } else if let Some(why) = unavailable(ep, opts) {
            log.log(
                Level::Warning,
                &format!("endpoint '{}' is disabled: {why}", ep.key()),
            );
        } else {
            if ep == Endpoint::NewKey {
                log.log(Level::Info, "setting up key / CSR generator");
            }
            if ep == Endpoint::Bundle {
                log.log(Level::Info, "bundler API ready");
            }
            let path = format!("{API_PREFIX}{}", ep.key());
            log.log(Level::Info, &format!("endpoint '{path}' is enabled"));
            let state = st.clone();
            router = router.route(
                &path,
                any(move |req: Request| dispatch(state.clone(), ep, req)),
            );
        }
    }
    log.log(Level::Info, "Handler set up complete.");
    (router.fallback(|| async { not_found() }), st)
}

/// The remote address of the connection a request came on.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Peer(pub(crate) std::net::SocketAddr);

/// cfssl's `HTTPHandler.ServeHTTP`: the method check, the handler, the
/// error mapping and the access log line.
async fn dispatch(st: Arc<AppState>, ep: Endpoint, req: Request) -> Response {
    let method = req.method().clone();
    let target = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path().to_string(), ToString::to_string);
    let query = req.uri().query().unwrap_or_default().to_string();
    let peer = req
        .extensions()
        .get::<Peer>()
        .map(|p| p.0.to_string())
        .unwrap_or_default();
    if method != ep.method() {
        let e = ApiError::Http(405, format!("Method is not allowed:\"{method}\""));
        return finish(&st, Err(e), &peer, &method, &target);
    }
    let body = match crate::body::read(
        req.into_body(),
        st.limits.max_body_bytes,
        st.limits.body_timeout,
    )
    .await
    {
        Ok(body) => body,
        Err(e) => return finish(&st, Err(e), &peer, &method, &target),
    };
    let waits_on_remote = st.remote
        && matches!(
            ep,
            Endpoint::Sign | Endpoint::AuthSign | Endpoint::Info | Endpoint::NewCert
        );
    // The database may wait (a disk write, another writer's lock).
    let waits_on_db = st.db.is_some()
        && matches!(
            ep,
            Endpoint::Sign
                | Endpoint::AuthSign
                | Endpoint::NewCert
                | Endpoint::CertInfo
                | Endpoint::Revoke
                | Endpoint::CertAdd
                | Endpoint::Crl
        );
    // Bundling may fetch issuers or dial a server; certinfo may dial.
    let waits_on_network = matches!(ep, Endpoint::Bundle | Endpoint::CertInfo)
        || (st.sign_bundler.is_some()
            && matches!(ep, Endpoint::Sign | Endpoint::AuthSign | Endpoint::NewCert));
    if ep.generates_keys() || waits_on_remote || waits_on_db || waits_on_network {
        // Key generation takes milliseconds: off the async workers.
        let state = st.clone();
        let outcome =
            tokio::task::spawn_blocking(move || crate::handlers::handle(&state, ep, &body, &query))
                .await
                .unwrap_or_else(|e| Err(ApiError::Other(format!("request handler failed: {e}"))));
        finish(&st, outcome, &peer, &method, &target)
    } else {
        // Signing takes well under a millisecond: answered here, its log
        // lines written together.
        crate::log::batched(|| {
            let outcome = crate::handlers::handle(&st, ep, &body, &query);
            finish(&st, outcome, &peer, &method, &target)
        })
    }
}

/// The response for an outcome, and cfssl's access log line for it.
fn finish(
    st: &AppState,
    outcome: Result<crate::reply::Reply, ApiError>,
    peer: &str,
    method: &Method,
    target: &str,
) -> Response {
    respond(st.log.as_ref(), outcome, peer, method, target)
}

/// cfssl's `api.HTTPHandler` end: the response for an outcome, and the
/// access log line for it (`PEER - "METHOD TARGET" NUMBER`).
pub(crate) fn respond(
    log: &dyn SharedLog,
    outcome: Result<crate::reply::Reply, ApiError>,
    peer: &str,
    method: &Method,
    target: &str,
) -> Response {
    let (response, number) = match outcome {
        Ok(reply) => (reply.into_response(), 200),
        Err(e) => {
            let n = e.log_number();
            (e.into_response(), n)
        }
    };
    log.log(
        Level::Info,
        &format!("{peer} - \"{method} {target}\" {number}"),
    );
    response
}
