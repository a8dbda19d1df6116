//! multirootca's endpoints, answering as cfssl 1.6.5's `cmd/multirootca`:
//! `/authsign` with its own error envelope (code 1 and the HTTP status,
//! `Content-Type` as Go sniffs it: `text/plain; charset=utf-8`), `/info`
//! through cfssl's `api.HTTPHandler` (as `serve`'s endpoints), `/metrics`.
//!
//! Unlike cfssl, a refused request is not dumped (token included) to
//! standard output.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use axum::routing::any;
use cfssl_core::auth::AuthenticatedRequest;
use cfssl_core::log::{Level, SharedLog};

use super::metrics::{self, Metrics};
use super::root::Root;
use crate::app::Peer;
use crate::listen::Limits;
use crate::reply::{ApiError, Reply, not_found};

/// What the handlers share.
pub(crate) struct State {
    roots: Vec<Root>,
    default_label: String,
    log: Arc<dyn SharedLog>,
    limits: Limits,
    metrics: Metrics,
}

impl State {
    pub(crate) fn new(
        roots: Vec<Root>,
        default_label: String,
        log: Arc<dyn SharedLog>,
        limits: Limits,
    ) -> Self {
        Self {
            roots,
            default_label,
            log,
            limits,
            metrics: Metrics::default(),
        }
    }

    fn root(&self, label: &str) -> Option<&Root> {
        self.roots.iter().find(|r| r.label == label)
    }
}

const AUTHSIGN: &str = "/api/v1/cfssl/authsign";
const INFO: &str = "/api/v1/cfssl/info";

/// The router: the three paths, Go's `404 page not found` elsewhere.
pub(crate) fn router(st: State) -> Router {
    let st = Arc::new(st);
    let (a, i, m) = (st.clone(), st.clone(), st);
    Router::new()
        .route(AUTHSIGN, any(move |req: Request| authsign(a.clone(), req)))
        .route(INFO, any(move |req: Request| info(i.clone(), req)))
        .route(
            "/metrics",
            any(move || {
                let m = m.clone();
                async move { text(200, metrics::CONTENT_TYPE, m.metrics.render()) }
            }),
        )
        .fallback(|| async { not_found() })
}

fn text(status: u16, content_type: &'static str, body: String) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// What Go's `DetectContentType` makes of cfssl's JSON written without a
/// `Content-Type`.
const SNIFFED: &str = "text/plain; charset=utf-8";

/// A refused `/authsign` request (cfssl's `fail`): counted as a bad input,
/// logged as `[HTTP STATUS] 1 - MESSAGE (DETAIL)`, answered with code 1.
struct Refusal {
    status: u16,
    message: String,
    detail: String,
}

fn refuse(status: u16, message: impl Into<String>, detail: impl Into<String>) -> Refusal {
    Refusal {
        status,
        message: message.into(),
        detail: detail.into(),
    }
}

fn peer_of(req: &Request) -> Option<SocketAddr> {
    req.extensions().get::<Peer>().map(|p| p.0)
}

async fn authsign(st: Arc<State>, req: Request) -> Response {
    let peer = peer_of(&req);
    let outcome = if req.method() == Method::POST {
        match crate::body::read(
            req.into_body(),
            st.limits.max_body_bytes,
            st.limits.body_timeout,
        )
        .await
        {
            Ok(body) => {
                // Signing may wait on a certificate database: off the
                // async workers.
                let state = st.clone();
                tokio::task::spawn_blocking(move || sign(&state, peer, &body))
                    .await
                    .unwrap_or_else(|e| {
                        Err(refuse(
                            500,
                            "internal error",
                            format!("request handler failed: {e}"),
                        ))
                    })
            }
            Err(e) => Err(match e {
                ApiError::Http(status, m) => refuse(status, m, "while reading request body"),
                other => refuse(500, other.log_text(), "while reading request body"),
            }),
        }
    } else {
        Err(refuse(405, "only POST is permitted", ""))
    };
    match outcome {
        Ok(body) => text(200, SNIFFED, body),
        Err(r) => {
            st.metrics.bad_input();
            let detail = if r.detail.is_empty() {
                String::new()
            } else {
                format!(" ({})", r.detail)
            };
            st.log.log(
                Level::Error,
                &format!("[HTTP {}] 1 - {}{detail}", r.status, r.message),
            );
            text(r.status, SNIFFED, cfssl_core::api::failure(1, &r.message))
        }
    }
}

/// The checks and the signing of `/authsign`, in cfssl's order.
fn sign(st: &State, peer: Option<SocketAddr>, body: &[u8]) -> Result<String, Refusal> {
    let areq = AuthenticatedRequest::from_json(body)
        .map_err(|e| refuse(400, e.message(), "while unmarshaling request body"))?;
    let mut req = cfssl_core::api::full_sign_request(&areq.request).map_err(|e| {
        refuse(
            400,
            e.message(),
            "while unmarshalling authenticated request",
        )
    })?;
    if req.label.is_empty() {
        req.label.clone_from(&st.default_label);
    }
    let root = st.root(&req.label);
    if let Some(acl) = root.and_then(|r| r.nets.as_ref()) {
        let Some(peer) = peer else {
            return Err(refuse(500, "no client address", "while getting request IP"));
        };
        if !acl.permits(peer.ip()) {
            return Err(refuse(
                403,
                "not authorised",
                "because IP is not whitelisted",
            ));
        }
    }
    let Some(root) = root else {
        return Err(refuse(
            400,
            "bad request",
            format!("request is for non-existent label {}", req.label),
        ));
    };
    st.metrics.request(&root.label);
    let policy = root.signer.policy();
    // cfssl looks a named profile up only when the policy has profiles.
    if !policy.profiles.is_empty()
        && !req.profile.is_empty()
        && !policy.profiles.iter().any(|(n, _)| *n == req.profile)
    {
        return Err(refuse(
            400,
            "invalid profile",
            format!("failed to look up profile with name: {}", req.profile),
        ));
    }
    let Some((key, prev)) = root.auth.for_profile(policy, &req.profile) else {
        return Err(refuse(
            401,
            "authorisation required",
            "received unauthenticated request",
        ));
    };
    if !(key.verify(&areq.request, &areq.token)
        || prev.is_some_and(|p| p.verify(&areq.request, &areq.token)))
    {
        return Err(refuse(
            400,
            "invalid token",
            "received authenticated request with invalid token",
        ));
    }
    if req.request.is_empty() {
        return Err(refuse(400, "invalid request", "empty request"));
    }
    let issued = root.signer.issue(&req).map_err(|e| {
        st.metrics.errored(&root.label);
        refuse(
            400,
            "bad request",
            format!("signature failed: {}", e.go_text()),
        )
    })?;
    let requester = peer.map(|p| p.to_string()).unwrap_or_default();
    st.log.log(
        Level::Info,
        &format!(
            "signature: requester={requester}, label={}, profile={}, serialno={}",
            req.label,
            req.profile,
            issued.serial_decimal()
        ),
    );
    let result = format!(
        "{{\"certificate\":{}}}",
        cfssl_core::go::json::go_string(&issued.to_pem())
    );
    Ok(cfssl_core::api::success(&result, &[]))
}

/// `/info` (cfssl's `info.MultiHandler` behind `api.HTTPHandler`).
async fn info(st: Arc<State>, req: Request) -> Response {
    let method = req.method().clone();
    let target = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path().to_string(), ToString::to_string);
    let peer = peer_of(&req).map(|p| p.to_string()).unwrap_or_default();
    let outcome = if method == Method::POST {
        match crate::body::read(
            req.into_body(),
            st.limits.max_body_bytes,
            st.limits.body_timeout,
        )
        .await
        {
            Ok(body) => info_answer(&st, &body),
            Err(e) => Err(e),
        }
    } else {
        Err(ApiError::Http(
            405,
            format!("Method is not allowed:\"{method}\""),
        ))
    };
    crate::app::respond(st.log.as_ref(), outcome, &peer, &method, &target)
}

fn info_answer(st: &State, body: &[u8]) -> Result<Reply, ApiError> {
    let mut req = cfssl_core::api::info_request(body).map_err(|e| {
        st.log.log(
            Level::Warning,
            &format!("failed to unmarshal request: {}", e.message()),
        );
        ApiError::bad_request(e.message())
    })?;
    if req.label.is_empty() {
        req.label.clone_from(&st.default_label);
    }
    let Some(root) = st.root(&req.label) else {
        st.log.log(Level::Warning, "request for invalid endpoint");
        return Err(ApiError::bad_request("bad label"));
    };
    let info = root.signer.info(&req).map_err(|e| {
        st.log.log(
            Level::Info,
            &format!("error getting certificate: {}", e.go_text()),
        );
        ApiError::from(e)
    })?;
    Ok(Reply::new(info.to_json()))
}
