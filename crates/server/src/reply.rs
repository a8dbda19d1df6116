//! What a handler answers, and how cfssl writes it on the wire
//! (`api.HandleError` and `api.SendResponse`): a success is `200` with
//! `Content-Type: application/json`; an error is the envelope JSON written by
//! Go's `http.Error`, so `Content-Type: text/plain; charset=utf-8` and
//! `X-Content-Type-Options: nosniff`.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

/// A handler's failure, in cfssl's three kinds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ApiError {
    /// cfssl's `errors.HTTPError`: this status, and the status as the code.
    Http(u16, String),
    /// cfssl's typed error: status 400 and its own code.
    Cfssl(u32, String),
    /// Any other Go error: status 500, code 0.
    Other(String),
}

impl ApiError {
    pub(crate) fn bad_request(msg: impl Into<String>) -> Self {
        Self::Http(400, msg.into())
    }

    /// The status, code and message of the envelope.
    fn parts(&self) -> (u16, u32, &str) {
        match self {
            Self::Http(s, m) => (*s, u32::from(*s), m),
            Self::Cfssl(c, m) => (400, *c, m),
            Self::Other(m) => (500, 0, m),
        }
    }

    /// The number cfssl's access log shows: the cfssl code for typed errors,
    /// the HTTP status otherwise.
    pub(crate) fn log_number(&self) -> u32 {
        match self {
            Self::Cfssl(c, _) => *c,
            other => u32::from(other.parts().0),
        }
    }

    /// The text `%v` prints for this error in cfssl's log lines: typed
    /// errors print as their JSON.
    pub(crate) fn log_text(&self) -> String {
        match self {
            Self::Cfssl(c, m) => cfssl_core::wire::error_json(*c, m),
            Self::Http(_, m) | Self::Other(m) => m.clone(),
        }
    }

    pub(crate) fn into_response(self) -> Response {
        let (status, code, msg) = self.parts();
        text_response(status, cfssl_core::api::failure(code, msg))
    }
}

impl From<cfssl_core::Error> for ApiError {
    fn from(e: cfssl_core::Error) -> Self {
        match e.code() {
            Some(code) => Self::Cfssl(code.number(), e.message().to_string()),
            None => Self::Other(e.message().to_string()),
        }
    }
}

/// A successful result: the result's JSON and any `messages`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Reply {
    pub(crate) result: String,
    pub(crate) messages: Vec<(u32, String)>,
    /// A body sent as it is, with its content type, instead of the
    /// envelope (not in cfssl: `/crl?format=der`).
    raw: Option<(&'static str, Vec<u8>)>,
}

impl Reply {
    pub(crate) fn new(result: String) -> Self {
        Self {
            result,
            messages: Vec::new(),
            raw: None,
        }
    }

    /// A bare body of type `content_type`.
    pub(crate) fn raw(content_type: &'static str, body: Vec<u8>) -> Self {
        Self {
            result: String::new(),
            messages: Vec::new(),
            raw: Some((content_type, body)),
        }
    }

    pub(crate) fn with_message(mut self, code: u32, msg: &str) -> Self {
        self.messages.push((code, msg.to_string()));
        self
    }

    pub(crate) fn into_response(self) -> Response {
        if let Some((ctype, body)) = self.raw {
            let mut r = Response::new(Body::from(body));
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
            return r;
        }
        let messages: Vec<(u32, &str)> = self
            .messages
            .iter()
            .map(|(c, m)| (*c, m.as_str()))
            .collect();
        let body = cfssl_core::api::success(&self.result, &messages);
        let mut r = Response::new(Body::from(body));
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        r
    }
}

/// Go's `http.Error`: a text body with a newline already in it.
pub(crate) fn text_response(status: u16, body: String) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    r
}

/// Go's `http.NotFound`.
pub(crate) fn not_found() -> Response {
    text_response(404, "404 page not found\n".into())
}
