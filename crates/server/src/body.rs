//! Reading a request body within bounds: at most `max` bytes, within
//! `timeout`. cfssl reads bodies with `io.ReadAll` and no limit, so a huge or
//! endless body grows its memory without end; here it is refused.

use std::time::Duration;

use axum::body::Body;
use http_body_util::BodyExt;

use crate::reply::ApiError;

/// Reads the whole body, or fails with 413 (too large) or 408 (too slow).
pub(crate) async fn read(body: Body, max: usize, timeout: Duration) -> Result<Vec<u8>, ApiError> {
    let limited = http_body_util::Limited::new(body, max);
    match tokio::time::timeout(timeout, limited.collect()).await {
        Err(_) => Err(ApiError::Http(
            408,
            format!(
                "request body not received within {} seconds",
                timeout.as_secs()
            ),
        )),
        Ok(Err(e)) => {
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                Err(ApiError::Http(
                    413,
                    format!("request body is larger than the limit of {max} bytes"),
                ))
            } else {
                Err(ApiError::bad_request(format!(
                    "failed to read request body: {e}"
                )))
            }
        }
        Ok(Ok(collected)) => Ok(collected.to_bytes().to_vec()),
    }
}
