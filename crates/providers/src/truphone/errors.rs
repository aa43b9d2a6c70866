//! Truphone error replies → [`ProviderError`] (truphone.md §9).
//!
//! One error model: `{ "type": "INVALID_REQUEST_PARAMS", "messages": ["..."] }`. The HTTP status
//! decides first (the reference's rule), the `type` refines a status the table does not list.
//! The agent reads the messages in plain words; the log gets the `type`. Every text is scrubbed
//! of the client secret and the tokens, and clipped.

use super::wire;
use crate::error::{ProviderError, clip};
use crate::http::{Failure, Redactor, Reply, error_text, status_error};

/// What was being done, where the meaning of a status depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    /// A read: changes nothing.
    Read,
    /// `POST /v2/orders`: spends money; sent once (§3: no idempotency).
    Order,
}

/// The documented `type` strings (§9; `TOO MANY REQUESTS` with its space, as documented).
const INVALID_HTTP_MESSAGE: &str = "INVALID_HTTP_MESSAGE";
const INVALID_REQUEST_PARAMS: &str = "INVALID_REQUEST_PARAMS";
const UNAUTHORISED: &str = "UNAUTHORISED";
const ACCESS_DENIED: &str = "ACCESS_DENIED";
const UNACCEPTABLE: &str = "UNACCEPTABLE";
const TOO_MANY_REQUESTS: &str = "TOO MANY REQUESTS";
const INTERNAL_ERROR: &str = "INTERNAL_ERROR";
/// Open point 13 (assumed).
const NOT_FOUND: &str = "NOT_FOUND";

pub(super) fn map_failure(failure: Failure, op: Op, redactor: &Redactor) -> ProviderError {
    match failure {
        Failure::Error(e) => e,
        Failure::Status(reply) => map_reply(&reply, op, redactor),
    }
}

pub(super) fn map_reply(reply: &Reply, op: Op, redactor: &Redactor) -> ProviderError {
    let status = reply.status.as_u16();
    let (message, kind) = describe(&reply.body, redactor);
    if let Some(kind) = &kind {
        tracing::info!(provider = "truphone", status, r#type = %kind, "error reply");
    }
    let kind = kind.as_deref().map(str::to_ascii_uppercase);
    match status {
        400 if kind.as_deref() == Some(INVALID_HTTP_MESSAGE) => ProviderError::InvalidRequest {
            message: with_message("Truphone could not read the request", message),
        },
        400 => ProviderError::InvalidRequest {
            message: message.unwrap_or_else(|| "Truphone refused the request as invalid".into()),
        },
        401 => ProviderError::Unauthorised { message },
        403 => ProviderError::Forbidden { message },
        404 => ProviderError::NotFound { message },
        406 => limit_reached(message),
        429 => ProviderError::RateLimited {
            retry_after: reply.retry_after(),
        },
        // A purchase answered by anything but a refusal (4xx other than 408) may have been
        // carried out: a server error, a timeout, a redirect from a proxy. Only reconciliation
        // can tell.
        s if op == Op::Order && (s == 408 || !reply.status.is_client_error()) => {
            ProviderError::OutcomeUnknown {
                detail: with_message(&format!("Truphone answered HTTP {s}"), message),
            }
        }
        _ => by_type(reply, kind.as_deref(), message),
    }
}

/// A status the table does not list: the `type` says what it is, else the status's own meaning.
fn by_type(reply: &Reply, kind: Option<&str>, message: Option<String>) -> ProviderError {
    match kind {
        Some(INVALID_HTTP_MESSAGE | INVALID_REQUEST_PARAMS) => ProviderError::InvalidRequest {
            message: message.unwrap_or_else(|| "Truphone refused the request as invalid".into()),
        },
        Some(UNAUTHORISED) => ProviderError::Unauthorised { message },
        Some(ACCESS_DENIED) => ProviderError::Forbidden { message },
        Some(UNACCEPTABLE) => limit_reached(message),
        Some(TOO_MANY_REQUESTS) => ProviderError::RateLimited {
            retry_after: reply.retry_after(),
        },
        Some(NOT_FOUND) => ProviderError::NotFound { message },
        Some(INTERNAL_ERROR) => ProviderError::Unavailable {
            message,
            retry_after: reply.retry_after(),
        },
        _ => status_error(reply.status, message, reply.retry_after()),
    }
}

/// `406 UNACCEPTABLE`: the account's daily or monthly eSIM limit (§9). Nothing was bought; the
/// account may not buy more now.
fn limit_reached(message: Option<String>) -> ProviderError {
    ProviderError::Forbidden {
        message: Some(with_message(
            "the daily or monthly eSIM limit of this Truphone account is reached",
            message,
        )),
    }
}

fn with_message(lead: &str, message: Option<String>) -> String {
    match message {
        Some(m) => clip(&format!("{lead}: {m}")),
        None => lead.to_owned(),
    }
}

/// The agent's text (the messages) and the log's `type`, from a §9 body; otherwise the shared
/// reading of any body.
pub(super) fn describe(body: &[u8], redactor: &Redactor) -> (Option<String>, Option<String>) {
    let Ok(parsed) = serde_json::from_slice::<wire::ErrorBody>(body) else {
        return (error_text(body, redactor), None);
    };
    let kind = parsed
        .kind
        .as_deref()
        .map(|k| clip(&redactor.scrub(k.trim())))
        .filter(|k| !k.is_empty());
    (
        messages(&parsed, redactor).or_else(|| error_text(body, redactor)),
        kind,
    )
}

/// The messages of an error body, joined, scrubbed and clipped.
pub(super) fn messages(body: &wire::ErrorBody, redactor: &Redactor) -> Option<String> {
    let parts: Vec<&str> = body
        .messages
        .iter()
        .chain(body.message.iter())
        .map(|m| m.trim())
        .filter(|m| !m.is_empty())
        .collect();
    if parts.is_empty() {
        return None;
    }
    let text = clip(&redactor.scrub(&parts.join("; ")));
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use std::time::Duration;

    use bytes::Bytes;
    use reqwest::StatusCode;
    use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
    use secrecy::SecretString;

    use super::*;

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status: StatusCode::from_u16(status).unwrap(),
            headers: HeaderMap::new(),
            body: Bytes::copy_from_slice(body.as_bytes()),
        }
    }

    fn map(status: u16, body: &str, op: Op) -> ProviderError {
        map_reply(&reply(status, body), op, &Redactor::default())
    }

    fn body(kind: &str, message: &str) -> String {
        format!(r#"{{"type": "{kind}", "messages": ["{message}"]}}"#)
    }

    #[test]
    fn every_documented_error() {
        assert_eq!(
            map(
                400,
                &body("INVALID_REQUEST_PARAMS", "subscriber.email is required"),
                Op::Order
            ),
            ProviderError::InvalidRequest {
                message: "subscriber.email is required".into()
            }
        );
        assert_eq!(
            map(400, &body("INVALID_HTTP_MESSAGE", "bad date"), Op::Read),
            ProviderError::InvalidRequest {
                message: "Truphone could not read the request: bad date".into()
            }
        );
        assert_eq!(
            map(401, &body("UNAUTHORISED", "token expired"), Op::Read),
            ProviderError::Unauthorised {
                message: Some("token expired".into())
            }
        );
        assert_eq!(
            map(403, &body("ACCESS_DENIED", "not yours"), Op::Read),
            ProviderError::Forbidden {
                message: Some("not yours".into())
            }
        );
        let e = map(406, &body("UNACCEPTABLE", "daily limit"), Op::Order);
        assert_eq!(e.code(), "forbidden");
        assert!(e.to_string().contains("eSIM limit"), "{e}");
        assert!(e.to_string().contains("daily limit"), "{e}");
        let mut r = reply(429, &body("TOO MANY REQUESTS", "slow down"));
        r.headers.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(
            map_reply(&r, Op::Order, &Redactor::default()),
            ProviderError::RateLimited {
                retry_after: Some(Duration::from_secs(7))
            }
        );
        assert_eq!(
            map(500, &body("INTERNAL_ERROR", "boom"), Op::Read),
            ProviderError::Unavailable {
                message: Some("boom".into()),
                retry_after: None
            }
        );
        assert_eq!(
            map(404, &body("NOT_FOUND", "no order"), Op::Read).code(),
            "not_found"
        );
        assert_eq!(
            map(400, "", Op::Read),
            ProviderError::InvalidRequest {
                message: "Truphone refused the request as invalid".into()
            }
        );
    }

    #[test]
    fn the_type_refines_an_unlisted_status() {
        assert_eq!(
            map(422, &body("INVALID_REQUEST_PARAMS", "x"), Op::Read).code(),
            "invalid_request"
        );
        assert_eq!(
            map(409, &body("UNACCEPTABLE", "x"), Op::Order).code(),
            "forbidden"
        );
        assert_eq!(
            map(418, &body("TOO MANY REQUESTS", "x"), Op::Read).code(),
            "rate_limited"
        );
        assert_eq!(map(410, "", Op::Read).code(), "not_found");
        assert_eq!(map(503, "", Op::Read).code(), "unavailable");
    }

    #[test]
    fn an_order_answered_by_a_server_error_or_a_timeout_is_unknown() {
        for status in [408, 500, 502, 503, 504, 302] {
            let e = map(status, &body("INTERNAL_ERROR", "boom"), Op::Order);
            assert_eq!(e.code(), "outcome_unknown", "{status}");
        }
        // Refusals stay refusals: nothing was bought.
        for status in [400, 401, 403, 404, 406, 409, 429] {
            assert_ne!(map(status, "", Op::Order).code(), "outcome_unknown");
        }
    }

    #[test]
    fn secrets_are_scrubbed_from_every_text() {
        let r = Redactor::new(vec![
            SecretString::from("eyJ-ACCESS-TOKEN"),
            SecretString::from("client-secret-123"),
        ]);
        let e = map_reply(
            &reply(
                400,
                r#"{"type": "eyJ-ACCESS-TOKEN", "messages": ["token eyJ-ACCESS-TOKEN", "secret client-secret-123"]}"#,
            ),
            Op::Read,
            &r,
        );
        let text = format!("{e} {e:?}");
        assert!(!text.contains("eyJ-ACCESS-TOKEN"), "{text}");
        assert!(!text.contains("client-secret-123"), "{text}");
        assert!(text.contains("[REDACTED]"), "{text}");
    }
}
