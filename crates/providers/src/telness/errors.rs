//! Telness error replies → [`ProviderError`] (telness.md §11).
//!
//! The body is `{message, code, details[{message, property, suggestion}], hint}` (assumed shape,
//! see `assumed.rs`); the agent reads `message` with the details in plain words, the log gets
//! `code`. Anything else (plain text, an empty body) is read by the shared
//! [`crate::http::error_text`]. Every text is scrubbed of the API key and clipped.

use super::wire;
use crate::error::{ProviderError, clip};
use crate::http::{Failure, Redactor, Reply, error_text, status_error};

/// What was being done, where the meaning of a status depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    /// A read, or a request that spends nothing (cart creation, pricing).
    Other,
    /// `POST /orders` (the cart): a `409` here is the sale's idempotency key reused with another
    /// body.
    Cart,
    /// `POST /orders/{id}/submit`: spends money; sent once.
    Submit,
    /// A cancel (order or subscription): changes state once.
    Cancel,
}

pub(super) fn map_failure(failure: Failure, op: Op, redactor: &Redactor) -> ProviderError {
    match failure {
        Failure::Error(e) => e,
        Failure::Status(reply) => map_reply(&reply, op, redactor),
    }
}

pub(super) fn map_reply(reply: &Reply, op: Op, redactor: &Redactor) -> ProviderError {
    let status = reply.status.as_u16();
    let (message, code) = describe(&reply.body, redactor);
    if let Some(code) = &code {
        tracing::info!(provider = "telness", status, code = %code, "error reply");
    }
    let once = matches!(op, Op::Submit | Op::Cancel);
    match status {
        400 => ProviderError::InvalidRequest {
            message: message.unwrap_or_else(|| "Telness refused the request as invalid".into()),
        },
        401 => ProviderError::Unauthorised { message },
        403 => ProviderError::Forbidden { message },
        404 => ProviderError::NotFound { message },
        // Open point 11 (assumed): the order is no longer PENDING/CONFIGURED, or the submit key
        // came with another body. Either may be the trace of an earlier submit of this very
        // sale that went through: only reading the order can tell.
        409 if op == Op::Submit => ProviderError::OutcomeUnknown {
            detail: with_message(
                "Telness says the order cannot be submitted in its present state; it may already have been",
                message,
            ),
        },
        409 if op == Op::Cart => ProviderError::InvalidRequest {
            message: with_message(
                "this sale's reference was already used at Telness for a different cart; start the sale again",
                message,
            ),
        },
        409 => ProviderError::InvalidRequest {
            message: with_message(
                "Telness refused: the item is not in a state that allows this",
                message,
            ),
        },
        // §8.1: the submit's precondition (payment) is not met. Refused: nothing was bought.
        412 => ProviderError::InvalidRequest {
            message: with_message("Telness refused: a precondition is not met", message),
        },
        429 => ProviderError::RateLimited {
            retry_after: reply.retry_after(),
        },
        // A purchase or cancel answered by a timeout or server error may have been carried out.
        408 | 500..=599 if once => ProviderError::OutcomeUnknown {
            detail: with_message(&format!("HTTP {status}"), message),
        },
        _ => status_error(reply.status, message, reply.retry_after()),
    }
}

fn with_message(lead: &str, message: Option<String>) -> String {
    match message {
        Some(m) => clip(&format!("{lead}: {m}")),
        None => lead.to_owned(),
    }
}

/// The agent's text (message, details, hint) and the log's `code`, from a §11 body; otherwise
/// the shared reading of any body.
fn describe(body: &[u8], redactor: &Redactor) -> (Option<String>, Option<String>) {
    let Ok(parsed) = serde_json::from_slice::<wire::ErrorBody>(body) else {
        return (error_text(body, redactor), None);
    };
    let mut parts: Vec<String> = Vec::new();
    if let Some(m) = parsed
        .message
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())
    {
        parts.push(m.to_owned());
    }
    for d in &parsed.details {
        let Some(m) = d
            .message
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
        else {
            continue;
        };
        let mut text = match d
            .property
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            Some(p) => format!("{p}: {m}"),
            None => m.to_owned(),
        };
        if let Some(s) = d
            .suggestion
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            text.push_str(&format!(" ({s})"));
        }
        parts.push(text);
    }
    if let Some(h) = parsed
        .hint
        .as_deref()
        .map(str::trim)
        .filter(|h| !h.is_empty())
    {
        parts.push(h.to_owned());
    }
    let code = parsed
        .code
        .map(|c| clip(&redactor.scrub(&c)))
        .filter(|c| !c.is_empty());
    if parts.is_empty() {
        return (error_text(body, redactor), code);
    }
    let text = clip(&redactor.scrub(&parts.join("; ")));
    ((!text.is_empty()).then_some(text), code)
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

    const VALIDATION: &str = r#"{"message": "Validation failed for the request", "code": "VALIDATION_ERROR",
        "details": [{"message": "Order must contain a TRAVEL_ESIM_PACKAGE line item", "code": "FIELD_REQUIRED",
                     "property": "lineItems", "suggestion": "Add a data package"}],
        "hint": "Add a TRAVEL_ESIM_PACKAGE addon linked with parentLineItemId"}"#;

    #[test]
    fn validation_errors_in_plain_words() {
        assert_eq!(
            map(400, VALIDATION, Op::Cart),
            ProviderError::InvalidRequest {
                message: "Validation failed for the request; lineItems: Order must contain a \
                    TRAVEL_ESIM_PACKAGE line item (Add a data package); Add a TRAVEL_ESIM_PACKAGE \
                    addon linked with parentLineItemId"
                    .into()
            }
        );
        assert_eq!(
            map(400, "", Op::Other),
            ProviderError::InvalidRequest {
                message: "Telness refused the request as invalid".into()
            }
        );
        assert_eq!(
            map(400, "plain words", Op::Other),
            ProviderError::InvalidRequest {
                message: "plain words".into()
            }
        );
    }

    #[test]
    fn every_documented_status() {
        let body = |code: &str, m: &str| format!(r#"{{"message": "{m}", "code": "{code}"}}"#);
        assert_eq!(
            map(401, &body("UNAUTHORIZED", "Invalid API key"), Op::Other),
            ProviderError::Unauthorised {
                message: Some("Invalid API key".into())
            }
        );
        assert_eq!(
            map(403, &body("FORBIDDEN", "no"), Op::Other).code(),
            "forbidden"
        );
        assert_eq!(
            map(404, &body("NOT_FOUND", "no order"), Op::Other).code(),
            "not_found"
        );
        let e = map(409, &body("CONFLICT", "key reused"), Op::Cart);
        assert_eq!(e.code(), "invalid_request");
        assert!(e.to_string().contains("already used"), "{e}");
        let e = map(409, &body("CONFLICT", "order is COMPLETED"), Op::Cancel);
        assert_eq!(e.code(), "invalid_request");
        assert!(e.to_string().contains("order is COMPLETED"), "{e}");
        let e = map(
            412,
            &body("PRECONDITION_FAILED", "payment required"),
            Op::Submit,
        );
        assert_eq!(e.code(), "invalid_request");
        assert!(e.to_string().contains("payment required"), "{e}");
        let mut r = reply(429, &body("RATE_LIMITED", "slow down"));
        r.headers.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(
            map_reply(&r, Op::Submit, &Redactor::default()),
            ProviderError::RateLimited {
                retry_after: Some(Duration::from_secs(7))
            }
        );
        assert_eq!(map(500, "", Op::Other).code(), "unavailable");
        assert_eq!(map(503, "", Op::Cart).code(), "unavailable");
    }

    #[test]
    fn a_submit_or_cancel_answered_by_a_server_error_or_conflict_is_unknown() {
        for status in [408, 500, 502, 503, 504] {
            assert_eq!(
                map(status, "", Op::Submit).code(),
                "outcome_unknown",
                "{status}"
            );
            assert_eq!(
                map(status, "", Op::Cancel).code(),
                "outcome_unknown",
                "{status}"
            );
        }
        assert_eq!(map(409, "", Op::Submit).code(), "outcome_unknown");
    }

    #[test]
    fn the_key_is_scrubbed_from_every_text() {
        let r = Redactor::new(vec![SecretString::from("tk_live_SECRET123")]);
        let e = map_reply(
            &reply(
                400,
                r#"{"message": "bad key tk_live_SECRET123", "code": "tk_live_SECRET123",
                "details": [{"message": "tk_live_SECRET123 again"}]}"#,
            ),
            Op::Other,
            &r,
        );
        let text = format!("{e} {e:?}");
        assert!(!text.contains("tk_live_SECRET123"), "{text}");
        assert!(text.contains("[REDACTED]"), "{text}");
    }
}
