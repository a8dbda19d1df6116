//! One POST to a remote cfssl, made as cfssl's client makes it
//! (`api/client.server.post`): a fresh connection per request
//! (`Connection: close`), `Content-Type: application/json`, HTTP/1.1, TLS
//! for `https://` addresses; a non-200 answer is an error whose message is
//! the answer's body. Errors are worded as Go's `net/http` words them
//! (`failed POST to URL: Post "URL": dial tcp 127.0.0.1:1: connect:
//! connection refused`) so scripts matching cfssl's messages keep working.
//!
//! The exchange itself is [`crate::fetch`]'s transport, so every wait is
//! bounded ([`ClientOptions`]) and so is the size of an answer.

use std::sync::Arc;

use cfssl_core::Error;
use cfssl_core::error::Code;
use cfssl_core::log::{Level, SharedLog};

use super::RemoteUrl;
use crate::fetch::transport::{self, Failure, Outgoing};

/// Bounds on one remote request: the fetch client's (redirects are not
/// followed, as cfssl's client does not follow them for a POST).
pub use crate::fetch::FetchOptions as ClientOptions;

/// POSTs `body` to `endpoint` of `url` and returns the body of a 200
/// answer.
///
/// # Errors
/// 7400 for a request that failed on the way or an answer that is not 200
/// (its body is the message, and `http error with URL` is logged), 7300
/// when the answer could not be read.
pub(crate) async fn post(
    url: &RemoteUrl,
    endpoint: &str,
    body: &[u8],
    tls: Option<Arc<rustls::ClientConfig>>,
    opts: &ClientOptions,
    log: &dyn SharedLog,
) -> Result<Vec<u8>, Error> {
    let full = url.endpoint(endpoint);
    let out = Outgoing {
        method: "POST",
        body: Some((body, "application/json")),
    };
    match transport::exchange(&url.fetch_url(endpoint), &out, tls, opts).await {
        Ok(answer) if answer.status == 200 => Ok(answer.body.to_vec()),
        Ok(answer) => {
            log.log(Level::Error, &format!("http error with {full}"));
            Err(Error::coded(
                Code::ApiClientHttpError,
                String::from_utf8_lossy(&answer.body),
            ))
        }
        Err(Failure::Request(detail)) => Err(Error::coded(
            Code::ApiClientHttpError,
            format!("failed POST to {full}: Post \"{full}\": {detail}"),
        )),
        Err(Failure::Read(detail)) => Err(Error::coded(Code::ApiClientIoError, detail)),
        Err(Failure::TooLarge(max)) => Err(Error::coded(
            Code::ApiClientIoError,
            format!("the answer is larger than {max} bytes"),
        )),
    }
}
