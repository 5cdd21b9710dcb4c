//! The server's `Retry-After`, kept: a layer on the kube client's HTTP stack that writes an
//! error answer's `Retry-After` header into the answer's Kubernetes `Status`, as its
//! `details.retryAfterSeconds`. kube reads an error's body, not its headers; API priority and
//! fairness answers 429 with a plain-text body and the header only. With this layer the watch
//! sees how long the server asked it to wait ([`super::failure::classify`]).

use bytes::Bytes;
use http::{HeaderMap, Response, StatusCode};
use http_body_util::{BodyExt as _, Either, Full, Limited};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::SystemTime;
use tower::{Layer, Service};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The most of an error answer's body read to rewrite it; a longer one is cut.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Adds [`RetryAfter`] to a client's stack.
#[derive(Clone, Copy, Debug, Default)]
pub struct RetryAfterLayer;

impl<S> Layer<S> for RetryAfterLayer {
    type Service = RetryAfter<S>;
    fn layer(&self, inner: S) -> Self::Service {
        RetryAfter { inner }
    }
}

/// See the module: an error answer with `Retry-After` comes out as a `Status` carrying it.
#[derive(Clone, Debug)]
pub struct RetryAfter<S> {
    inner: S,
}

/// The seconds a `Retry-After` header asks for: a number of seconds, or an HTTP date
/// (`Wed, 21 Oct 2026 07:28:00 GMT`) counted from `now`. `None` without one, or when it does
/// not read.
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<u64> {
    let text = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(seconds);
    }
    let at: jiff::Timestamp = jiff::fmt::rfc2822::DateTimeParser::new()
        .parse_timestamp(text)
        .ok()?;
    let at = SystemTime::from(at);
    Some(at.duration_since(now).map(|d| d.as_secs()).unwrap_or(0))
}

/// `body` (an error answer of `status`) as a `Status` whose `details.retryAfterSeconds` is
/// `seconds`: the Status the server sent with it set, or one made of a plain-text body
/// (its text the message, the status's reason phrase the reason).
pub fn with_retry_after(status: StatusCode, body: &[u8], seconds: u64) -> Vec<u8> {
    let mut value = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(v) if v.get("kind").and_then(|k| k.as_str()) == Some("Status") => v,
        _ => {
            let text = String::from_utf8_lossy(body).trim().to_string();
            let reason = status
                .canonical_reason()
                .unwrap_or("Error")
                .replace(' ', "");
            serde_json::json!({"kind": "Status", "apiVersion": "v1", "metadata": {},
                "status": "Failure", "message": text, "reason": reason,
                "code": status.as_u16()})
        }
    };
    let seconds = seconds.min(u64::from(u32::MAX));
    match value.get_mut("details") {
        Some(details) if details.is_object() => {
            if details.get("retryAfterSeconds").is_none() {
                details["retryAfterSeconds"] = seconds.into();
            }
        }
        _ => value["details"] = serde_json::json!({"retryAfterSeconds": seconds}),
    }
    value.to_string().into_bytes()
}

impl<S, Request, B> Service<Request> for RetryAfter<S>
where
    S: Service<Request, Response = Response<B>>,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = Response<Either<B, Full<Bytes>>>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let future = self.inner.call(request);
        Box::pin(async move {
            let response = future.await.map_err(Into::into)?;
            let status = response.status();
            let seconds = (status.is_client_error() || status.is_server_error())
                .then(|| retry_after(response.headers(), SystemTime::now()))
                .flatten();
            let Some(seconds) = seconds else {
                return Ok(response.map(Either::Left));
            };
            let (mut parts, body) = response.into_parts();
            let body = Limited::new(body, MAX_ERROR_BODY)
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            let rewritten = with_retry_after(status, &body, seconds);
            parts.headers.remove(http::header::CONTENT_LENGTH);
            parts.headers.insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/json"),
            );
            Ok(Response::from_parts(
                parts,
                Either::Right(Full::new(Bytes::from(rewritten))),
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers, SystemTime::now()), None);
        headers.insert(http::header::RETRY_AFTER, "12".parse().unwrap());
        assert_eq!(retry_after(&headers, SystemTime::now()), Some(12));
        let now = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_445_412_460);
        headers.insert(
            http::header::RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&headers, now), Some(20));
        headers.insert(http::header::RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&headers, now), None);
    }

    #[test]
    fn a_plain_answer_becomes_a_status_that_carries_the_wait() {
        let body = with_retry_after(
            StatusCode::TOO_MANY_REQUESTS,
            b"Too many requests, please try again later.\n",
            12,
        );
        let status: kube::core::Status = serde_json::from_slice(&body).unwrap();
        assert_eq!(status.code, 429);
        assert_eq!(status.reason, "TooManyRequests");
        assert_eq!(status.message, "Too many requests, please try again later.");
        assert_eq!(status.details.unwrap().retry_after_seconds, 12);
        // A Status keeps its own retryAfterSeconds; one without gets the header's.
        let own = br#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"m",
            "reason":"ServiceUnavailable","code":503,"details":{"retryAfterSeconds":3}}"#;
        let status: kube::core::Status =
            serde_json::from_slice(&with_retry_after(StatusCode::SERVICE_UNAVAILABLE, own, 9))
                .unwrap();
        assert_eq!(status.details.unwrap().retry_after_seconds, 3);
    }
}
