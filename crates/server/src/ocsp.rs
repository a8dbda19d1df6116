//! cfssl's OCSP responder (`cfssl ocspserve`, RFC 5019): answers GET and
//! POST OCSP requests with stored responses, from a responses file or from
//! the certificate database, with cfssl's statuses, bodies and caching
//! headers (`ETag`, `If-None-Match` → 304, `Cache-Control` max-age until
//! nextUpdate, `Last-Modified`, `Expires`).
//!
//! Where it differs from cfssl 1.6.5 (docs/compat.md): GET works under a
//! `-path` other than `/` (cfssl does not strip the prefix), a GET whose
//! base64 holds `//` is answered (Go's router redirects it, losing a
//! byte), a responses file's response for another issuer's certificate of
//! the same serial is not served for this one, and, with a signer given
//! ([`DbSource::with_signer`]), a response missing, stale or disagreeing
//! with its certificate's row is signed afresh, stored and served, so a
//! revocation shows at once.
//!
//! ```no_run
//! use std::sync::Arc;
//! use cfssl_server::ocsp::{FileSource, OcspServeOptions};
//! use cfssl_server::StderrLog;
//! let log = Arc::new(StderrLog::new(1));
//! let text = std::fs::read_to_string("responses.txt")?;
//! let source = FileSource::from_text(&text, log.as_ref());
//! let opts = OcspServeOptions::new(Arc::new(source), log);
//! cfssl_server::run_ocsp(opts)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use cfssl_core::log::{Level, SharedLog};
use cfssl_core::ocsp::{self, CertStatus, Request as OcspRequest, Response as OcspResponse};
use chrono::{DateTime, Utc};

use crate::listen::Limits;

/// A stored response ready to serve: parsed and its signature checked once
/// (as Go's `ocsp.ParseResponse` does on every request), its caching
/// headers made.
#[derive(Debug)]
pub struct Answer {
    der: bytes::Bytes,
    next_update: DateTime<Utc>,
    etag: HeaderValue,
    last_modified: HeaderValue,
    expires: HeaderValue,
}

impl Answer {
    /// Reads a stored DER response.
    ///
    /// # Errors
    /// When it is not a successful basic response with one answer, or its
    /// signature does not verify with the certificate it carries.
    pub fn new(der: Vec<u8>) -> cfssl_core::Result<Self> {
        let parsed = OcspResponse::from_der(&der)?;
        parsed.check_embedded_signature()?;
        Ok(Self::from_parsed(der, &parsed))
    }

    /// A response this process has just signed: read, not checked again.
    ///
    /// # Errors
    /// When it does not parse.
    fn signed_here(der: Vec<u8>) -> cfssl_core::Result<Self> {
        let parsed = OcspResponse::from_der(&der)?;
        Ok(Self::from_parsed(der, &parsed))
    }

    fn from_parsed(der: Vec<u8>, parsed: &OcspResponse) -> Self {
        // Go's zero time when there is no nextUpdate.
        let zero = DateTime::<Utc>::from_timestamp(-62_135_596_800, 0).unwrap_or_default();
        let next_update = parsed.next_update.unwrap_or(zero);
        let value = |s: String| HeaderValue::from_str(&s).unwrap_or(HeaderValue::from_static(""));
        let etag = value(format!(
            "\"{}\"",
            cfssl_core::cert::hex(&ocsp::HashAlgorithm::Sha256.digest(&der)).to_ascii_uppercase()
        ));
        Self {
            last_modified: value(rfc1123(parsed.this_update)),
            expires: value(rfc1123(next_update)),
            etag,
            next_update,
            der: der.into(),
        }
    }

    /// The DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }
}

/// What a source found for a request.
#[derive(Debug)]
#[non_exhaustive]
pub enum Lookup {
    /// A response to serve.
    Found(Arc<Answer>),
    /// Nothing for this certificate (answered `unauthorized`).
    NotFound,
    /// A stored response that cannot be served (answered 200
    /// `internalError`, as cfssl): why.
    Unusable(String),
}

/// What a responder looks responses up in.
pub trait Source: Send + Sync + std::fmt::Debug {
    /// The response for `req`.
    ///
    /// # Errors
    /// The source's failure (answered 500 `internalError`).
    fn response(&self, req: &OcspRequest) -> Result<Lookup, String>;

    /// Whether [`Self::response`] may block (a database): it then runs off
    /// the async workers.
    fn blocks(&self) -> bool {
        false
    }
}

/// A response of a responses file and its CertID.
#[derive(Debug)]
struct Stored {
    answer: Arc<Answer>,
    cert_id: ocsp::CertId,
}

/// The responses of a file, as `ocspdump` prints them (base64 DER separated
/// by white space), looked up by serial as cfssl does.
#[derive(Debug, Default)]
pub struct FileSource {
    by_serial: HashMap<String, Vec<Stored>>,
    count: usize,
}

impl FileSource {
    /// Reads the responses of `text`, logging (as cfssl) each entry that is
    /// not base64 or not a usable response, and how many were read.
    pub fn from_text(text: &str, log: &dyn SharedLog) -> Self {
        let mut src = Self::default();
        for b64 in text.split(|c: char| c.is_ascii_whitespace()) {
            if b64.is_empty() {
                continue;
            }
            let der = match cfssl_core::go::base64::decode(b64.as_bytes()) {
                Ok(der) => der,
                Err(e) => {
                    log.log(Level::Error, &format!("Base64 decode error {e} on: {b64}"));
                    continue;
                }
            };
            let cert_id = match OcspResponse::from_der(&der) {
                Ok(p) => p.cert_id,
                Err(e) => {
                    log.log(Level::Error, &format!("OCSP decode error {e} on: {b64}"));
                    continue;
                }
            };
            let answer = match Answer::new(der) {
                Ok(a) => Arc::new(a),
                Err(e) => {
                    log.log(Level::Error, &format!("OCSP decode error {e} on: {b64}"));
                    continue;
                }
            };
            let list = src.by_serial.entry(cert_id.serial_decimal()).or_default();
            // The same CertID again replaces the earlier one, as cfssl's
            // last-wins map.
            list.retain(|s| s.cert_id != cert_id);
            list.push(Stored { answer, cert_id });
        }
        src.count = src.by_serial.values().map(Vec::len).sum();
        log.log(Level::Info, &format!("Read {} OCSP responses", src.count));
        src
    }

    /// How many responses it holds.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

impl Source for FileSource {
    fn response(&self, req: &OcspRequest) -> Result<Lookup, String> {
        let Some(list) = self.by_serial.get(&req.cert_id.serial_decimal()) else {
            return Ok(Lookup::NotFound);
        };
        let id = &req.cert_id;
        // The response for this very CertID; else, for a request hashed
        // otherwise (cfssl matches the serial alone), the last read of that
        // serial whose issuer cannot be compared. A response of the same
        // hash for another issuer is never served for this one.
        let exact = list.iter().find(|s| &s.cert_id == id);
        let other_hash = || list.iter().rev().find(|s| s.cert_id.hash != id.hash);
        Ok(exact
            .or_else(other_hash)
            .map_or(Lookup::NotFound, |s| Lookup::Found(s.answer.clone())))
    }
}

/// The responses of the certificate database (`ocsp_responses`), looked up
/// as cfssl does: by the request's serial and the hex of its issuer key
/// hash (the AKI, for SHA-1 CertIDs of cfssl's CAs), the one with the
/// latest expiry when several match.
pub struct DbSource {
    db: Arc<dyn cfssl_certdb::Accessor>,
    /// The fresh-response signer and its CA's key identifier (lowercase
    /// hex: the AKI its certificates are stored under).
    signer: Option<(Arc<ocsp::Signer>, String)>,
    log: Arc<dyn SharedLog>,
    /// Responses already checked, by the SHA-256 of their DER (cleared
    /// when it holds [`CACHE_LIMIT`]).
    checked: std::sync::Mutex<HashMap<Vec<u8>, Arc<Answer>>>,
}

/// How many checked responses a [`DbSource`] keeps.
const CACHE_LIMIT: usize = 1 << 16;

impl std::fmt::Debug for DbSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbSource")
            .field("db", &self.db)
            .field("signer", &self.signer.is_some())
            .finish_non_exhaustive()
    }
}

impl DbSource {
    /// Serves what the database holds, as cfssl.
    pub fn new(db: Arc<dyn cfssl_certdb::Accessor>, log: Arc<dyn SharedLog>) -> Self {
        Self {
            db,
            signer: None,
            log,
            checked: std::sync::Mutex::default(),
        }
    }

    /// A stored response as an answer: checked once, then from the cache.
    fn answer(&self, der: Vec<u8>) -> Lookup {
        let key = ocsp::HashAlgorithm::Sha256.digest(&der);
        let cached = self.checked.lock().ok().and_then(|c| c.get(&key).cloned());
        if let Some(a) = cached {
            return Lookup::Found(a);
        }
        match Answer::new(der) {
            Ok(a) => {
                let a = Arc::new(a);
                if let Ok(mut c) = self.checked.lock() {
                    if c.len() >= CACHE_LIMIT {
                        c.clear();
                    }
                    c.insert(key, a.clone());
                }
                Lookup::Found(a)
            }
            Err(e) => Lookup::Unusable(e.to_string()),
        }
    }

    /// Also signs: for a certificate of `signer`'s CA that the database
    /// holds, a stored response that is missing, past its nextUpdate, or
    /// of another status than the certificate's row is replaced by a fresh
    /// one (stored for SHA-1 CertIDs, the ones cfssl stores); requests
    /// with other hashes get a fresh response each time.
    #[must_use]
    pub fn with_signer(mut self, signer: Arc<ocsp::Signer>) -> Self {
        let ski = signer.issuer().subject_key_id_hex();
        self.signer = Some((signer, ski));
        self
    }

    fn stored(&self, serial: &str, key: &str) -> Result<Option<Vec<u8>>, String> {
        let rows = self
            .db
            .get_ocsp(serial, key)
            .map_err(|e| e.message().to_string())?;
        Ok(rows.into_iter().max_by_key(|r| r.expiry).map(|r| r.body))
    }

    /// The answer when the signer's CA issued what `req` asks about: the
    /// DER, and whether it was signed just now.
    fn fresh(
        &self,
        signer: &ocsp::Signer,
        ski: &str,
        req: &OcspRequest,
    ) -> Result<Option<(Vec<u8>, bool)>, String> {
        let id = &req.cert_id;
        let serial = id.serial_decimal();
        let rows = self
            .db
            .get_certificate(&serial, ski)
            .map_err(|e| e.message().to_string())?;
        let Some(row) = rows.into_iter().next() else {
            return Ok(self
                .stored(&serial, &id.issuer_key_hash_hex())?
                .map(|der| (der, false)));
        };
        let status = match row.status.as_str() {
            // Whole seconds, as the response holds them (a stored time
            // may have microseconds), so that a stored answer matches.
            "revoked" => CertStatus::Revoked {
                at: DateTime::from_timestamp(row.revoked_at.timestamp(), 0)
                    .unwrap_or(row.revoked_at),
                reason: ocsp::valid_reason(row.reason).unwrap_or(0),
            },
            "good" => CertStatus::Good,
            _ => CertStatus::Unknown,
        };
        let now = Utc::now();
        let sha1 = id.hash == ocsp::HashAlgorithm::Sha1;
        let stored = if sha1 {
            self.stored(&serial, ski)?
        } else {
            None
        };
        if let Some(der) = stored {
            let current = OcspResponse::from_der(&der)
                .is_ok_and(|r| r.status == status && r.next_update.is_some_and(|n| now < n));
            if current {
                return Ok(Some((der, false)));
            }
        }
        let cert = cfssl_core::cert::Certificate::from_pem(row.pem.as_bytes())
            .map_err(|e| format!("the stored certificate does not parse: {e}"))?;
        let mut sign = ocsp::SignRequest::new(&cert, status);
        sign.issuer_hash = id.hash;
        let der = signer
            .sign_at(&sign, now)
            .map_err(|e| format!("signing a fresh response failed: {e}"))?;
        if sha1 {
            let record = cfssl_certdb::OcspRecord::new(
                serial,
                ski.to_string(),
                der.clone(),
                now + signer.interval(),
            );
            self.db
                .upsert_ocsp(&[record])
                .map_err(|e| e.message().to_string())?;
        }
        self.log.log(
            Level::Info,
            &format!(
                "signed a fresh OCSP response ({}) for serial {}",
                status.name(),
                id.serial_decimal()
            ),
        );
        Ok(Some((der, true)))
    }
}

impl Source for DbSource {
    fn response(&self, req: &OcspRequest) -> Result<Lookup, String> {
        if let Some((signer, ski)) = &self.signer {
            let id = &req.cert_id;
            let mine = ocsp::CertId::new(signer.issuer(), &id.serial, id.hash);
            if mine.issuer_name_hash == id.issuer_name_hash
                && mine.issuer_key_hash == id.issuer_key_hash
            {
                return Ok(match self.fresh(signer, ski, req)? {
                    None => Lookup::NotFound,
                    // Signed here just now: not checked again, not cached
                    // (each is new).
                    Some((der, true)) => Answer::signed_here(der).map_or_else(
                        |e| Lookup::Unusable(e.to_string()),
                        |a| Lookup::Found(Arc::new(a)),
                    ),
                    Some((der, false)) => self.answer(der),
                });
            }
        }
        Ok(self
            .stored(
                &req.cert_id.serial_decimal(),
                &req.cert_id.issuer_key_hash_hex(),
            )?
            .map_or(Lookup::NotFound, |der| self.answer(der)))
    }

    fn blocks(&self) -> bool {
        true
    }
}

/// Everything `cfssl ocspserve` is started with.
#[non_exhaustive]
pub struct OcspServeOptions {
    /// `-address` (default `127.0.0.1`).
    pub address: String,
    /// `-port` (default 8888; 0 picks a free port).
    pub port: u16,
    /// `-path` (default `/`): where requests are answered.
    pub path: String,
    /// Where responses come from.
    pub source: Arc<dyn Source>,
    /// Bounds on bodies, waits and connections (bodies: 64 KiB by default;
    /// an OCSP request is a few hundred bytes).
    pub limits: Limits,
    /// Where log lines go.
    pub log: Arc<dyn SharedLog>,
}

impl std::fmt::Debug for OcspServeOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OcspServeOptions")
            .field("address", &self.address)
            .field("port", &self.port)
            .field("path", &self.path)
            .field("source", &self.source)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl OcspServeOptions {
    /// cfssl's defaults: `127.0.0.1:8888`, path `/`.
    pub fn new(source: Arc<dyn Source>, log: Arc<dyn SharedLog>) -> Self {
        let limits = Limits {
            max_body_bytes: 64 * 1024,
            ..Limits::default()
        };
        Self {
            address: "127.0.0.1".into(),
            port: 8888,
            path: "/".into(),
            source,
            limits,
            log,
        }
    }
}

struct Responder {
    prefix: String,
    source: Arc<dyn Source>,
    limits: Limits,
    log: Arc<dyn SharedLog>,
}

/// The responder's router: everything under the path prefix is a request.
pub(crate) fn router(opts: &OcspServeOptions) -> Router {
    let mut prefix = opts.path.clone();
    if !prefix.ends_with('/') {
        prefix.push('/');
    }
    opts.log
        .log(Level::Info, "Registering OCSP responder handler");
    let r = Arc::new(Responder {
        prefix,
        source: opts.source.clone(),
        limits: opts.limits.clone(),
        log: opts.log.clone(),
    });
    Router::new().fallback(move |req: Request| {
        let r = r.clone();
        async move { r.serve(req).await }
    })
}

/// A response with cfssl's `Cache-Control: max-age=0, no-cache`.
fn uncached(status: StatusCode, body: &'static [u8], ocsp_type: bool) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("max-age=0, no-cache"),
    );
    if ocsp_type {
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/ocsp-response"),
        );
    }
    r
}

/// Go's `time.RFC1123` in UTC: `Fri, 27 Nov 2026 21:00:00 UTC`.
fn rfc1123(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S UTC").to_string()
}

/// Percent-decodes `s` (Go's `url.QueryUnescape`), with `+` decoded as
/// `plus`: a space for query values, `+` for ocspserve's GET path (cfssl
/// turns the spaces back into `+`, which base64 uses). `None` for a broken
/// escape.
pub(crate) fn percent_decode(s: &str, plus: u8) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = |c: u8| (c as char).to_digit(16);
                let hi = hex(*b.get(i + 1)?)?;
                let lo = hex(*b.get(i + 2)?)?;
                // Two hex digits: at most 255.
                out.push(u8::try_from(hi * 16 + lo).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(plus);
                i += 1;
            }
            b' ' => {
                out.push(if plus == b'+' { b'+' } else { b' ' });
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Some(out)
}

impl Responder {
    async fn serve(self: Arc<Self>, req: Request) -> Response {
        let path = req.uri().path().to_string();
        let rest = if let Some(rest) = path.strip_prefix(&self.prefix) {
            rest.to_string()
        } else if path == self.prefix.trim_end_matches('/') && !path.is_empty() {
            // Go's router sends the folder's name without its slash there.
            let mut r = Response::new(Body::from(format!(
                "<a href=\"{}\">Moved Permanently</a>.\n\n",
                self.prefix
            )));
            *r.status_mut() = StatusCode::MOVED_PERMANENTLY;
            if let Ok(v) = HeaderValue::from_str(&self.prefix) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            return r;
        } else {
            return crate::reply::not_found();
        };
        let method = req.method().clone();
        let if_none_match = req
            .headers()
            .get(header::IF_NONE_MATCH)
            .map(|v| v.as_bytes().to_vec());
        let body = match method {
            Method::GET => {
                // The path as the client sent it, percent-escapes and all.
                let raw = rest;
                let Some(text) = percent_decode(&raw, b'+') else {
                    self.log
                        .log(Level::Debug, &format!("Error decoding URL: {path}"));
                    return uncached(StatusCode::BAD_REQUEST, b"", false);
                };
                let text = text.strip_prefix(b"/").unwrap_or(&text);
                match cfssl_core::go::base64::decode(text) {
                    Ok(der) => der,
                    Err(_) => {
                        self.log.log(
                            Level::Debug,
                            &format!(
                                "Error decoding base64 from URL: {}",
                                String::from_utf8_lossy(text)
                            ),
                        );
                        return uncached(StatusCode::BAD_REQUEST, b"", false);
                    }
                }
            }
            Method::POST => {
                match crate::body::read(
                    req.into_body(),
                    self.limits.max_body_bytes,
                    self.limits.body_timeout,
                )
                .await
                {
                    Ok(b) => b,
                    Err(e) => {
                        self.log.log(
                            Level::Error,
                            &format!("Problem reading body of POST: {}", e.log_text()),
                        );
                        return uncached(StatusCode::BAD_REQUEST, b"", false);
                    }
                }
            }
            _ => return uncached(StatusCode::METHOD_NOT_ALLOWED, b"", false),
        };
        let debug = self.log.enabled(Level::Debug);
        if debug {
            let b64 = cfssl_core::go::base64::encode(&body);
            self.log
                .log(Level::Debug, &format!("Received OCSP request: {b64}"));
        }
        let Ok(request) = OcspRequest::from_der(&body) else {
            if debug {
                let b64 = cfssl_core::go::base64::encode(&body);
                self.log
                    .log(Level::Debug, &format!("Error decoding request body: {b64}"));
            }
            return uncached(
                StatusCode::BAD_REQUEST,
                ocsp::errors::MALFORMED_REQUEST,
                true,
            );
        };
        let found = if self.source.blocks() {
            let (source, r) = (self.source.clone(), request.clone());
            tokio::task::spawn_blocking(move || source.response(&r))
                .await
                .unwrap_or_else(|e| Err(format!("the lookup failed: {e}")))
        } else {
            self.source.response(&request)
        };
        let answer = match found {
            Ok(Lookup::Found(a)) => a,
            Ok(Lookup::NotFound) => {
                self.log.log(
                    Level::Info,
                    &format!(
                        "No response found for request: serial {}, request body {}",
                        hex_serial(&request.cert_id.serial),
                        cfssl_core::go::base64::encode(&body)
                    ),
                );
                return uncached(StatusCode::OK, ocsp::errors::UNAUTHORIZED, true);
            }
            Ok(Lookup::Unusable(e)) => {
                self.log.log(
                    Level::Error,
                    &format!(
                        "Error parsing response for serial {}: {e}",
                        hex_serial(&request.cert_id.serial)
                    ),
                );
                return uncached(StatusCode::OK, ocsp::errors::INTERNAL_ERROR, true);
            }
            Err(e) => {
                self.log.log(
                    Level::Info,
                    &format!(
                        "Error retrieving response for request: serial {}, request body {}, error: {e}",
                        hex_serial(&request.cert_id.serial),
                        cfssl_core::go::base64::encode(&body)
                    ),
                );
                return uncached(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ocsp::errors::INTERNAL_ERROR,
                    true,
                );
            }
        };
        let now = Utc::now();
        let max_age = if now < answer.next_update {
            (answer.next_update - now).num_seconds()
        } else {
            0
        };
        let not_modified = if_none_match.is_some_and(|v| v == answer.etag.as_bytes());
        let mut r = Response::new(if not_modified {
            Body::empty()
        } else {
            Body::from(answer.der.clone())
        });
        *r.status_mut() = if not_modified {
            StatusCode::NOT_MODIFIED
        } else {
            StatusCode::OK
        };
        let h = r.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&format!(
            "max-age={max_age}, public, no-transform, must-revalidate"
        )) {
            h.insert(header::CACHE_CONTROL, v);
        }
        if !not_modified {
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/ocsp-response"),
            );
        }
        h.insert(header::LAST_MODIFIED, answer.last_modified.clone());
        h.insert(header::EXPIRES, answer.expires.clone());
        h.insert(header::ETAG, answer.etag.clone());
        r
    }
}

/// A serial as Go's `%x` of a `big.Int` prints it: lowercase hex without
/// leading zeros.
fn hex_serial(serial: &[u8]) -> String {
    let s = cfssl_core::cert::hex(serial);
    match s.trim_start_matches('0') {
        "" => "0".into(),
        rest => rest.to_string(),
    }
}
