//! eSIM Go error replies → [`ProviderError`] (esimgo.md §1.2).
//!
//! Bodies may be JSON `{"message"}`, plain text (documented for `POST /orders`) or empty; the
//! text is surfaced whatever its form. eSIM Go answers a bad key with 403 (sometimes 401), uses
//! 403 also for "not accessible / nothing left in inventory", and 400 for validation failures,
//! unknown bundles and orders, and insufficient balance.

use crate::error::ProviderError;
use crate::http::{Failure, Redactor, Reply, error_text, status_error};

/// What was being done, where the meaning of a status depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    /// `GET /organisation`: a 403 here can only be the key.
    Organisation,
    /// `POST /orders` with `type: transaction`: spends money.
    Transaction,
    /// A revoke: changes state once.
    Revoke,
    Other,
}

/// Maps a transport or status failure.
pub(super) fn map_failure(failure: Failure, op: Op, redactor: &Redactor) -> ProviderError {
    match failure {
        Failure::Error(e) => e,
        Failure::Status(reply) => map_reply(&reply, op, redactor),
    }
}

pub(super) fn map_reply(reply: &Reply, op: Op, redactor: &Redactor) -> ProviderError {
    let status = reply.status.as_u16();
    let message = error_text(&reply.body, redactor);
    let lower = message.as_deref().unwrap_or("").to_ascii_lowercase();
    let once = matches!(op, Op::Transaction | Op::Revoke);
    match status {
        401 => ProviderError::Unauthorised { message },
        403 if op == Op::Organisation || mentions_key(&lower) => {
            ProviderError::Unauthorised { message }
        }
        403 => ProviderError::Forbidden { message },
        400 if lower.contains("insufficient") => ProviderError::InsufficientBalance { message },
        400 if lower.contains("not found") => ProviderError::NotFound { message },
        404 => ProviderError::NotFound { message },
        410 => ProviderError::NotFound {
            message: Some(message.unwrap_or_else(|| "the eSIM has been deactivated".to_owned())),
        },
        // Refused before processing: nothing was bought.
        429 => ProviderError::RateLimited {
            retry_after: reply.retry_after(),
        },
        // A purchase answered by a timeout or a server error (503 = "still processing") may
        // have been carried out: only reconciliation can tell.
        408 | 500..=599 if once => ProviderError::OutcomeUnknown {
            detail: format!(
                "HTTP {status}{}",
                message.map(|m| format!(": {m}")).unwrap_or_default()
            ),
        },
        _ => status_error(reply.status, message, reply.retry_after()),
    }
}

fn mentions_key(lower: &str) -> bool {
    [
        "unauthorised",
        "unauthorized",
        "api key",
        "apikey",
        "api-key",
        "invalid key",
        "token",
    ]
    .iter()
    .any(|k| lower.contains(k))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use std::time::Duration;

    use bytes::Bytes;
    use reqwest::StatusCode;
    use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};

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

    #[test]
    fn statuses_per_reference() {
        assert_eq!(
            map(403, r#"{"message": "Unauthorised"}"#, Op::Other),
            ProviderError::Unauthorised {
                message: Some("Unauthorised".into())
            }
        );
        assert_eq!(map(403, "", Op::Organisation).code(), "unauthorised");
        assert_eq!(map(401, "", Op::Transaction).code(), "unauthorised");
        assert_eq!(
            map(403, r#"{"message": "eSIM not accessible"}"#, Op::Other),
            ProviderError::Forbidden {
                message: Some("eSIM not accessible".into())
            }
        );
        assert_eq!(
            map(403, r#"{"message": "No available bundles"}"#, Op::Other).code(),
            "forbidden"
        );
        assert_eq!(
            map(
                400,
                r#"{"message": "Insufficient balance"}"#,
                Op::Transaction
            ),
            ProviderError::InsufficientBalance {
                message: Some("Insufficient balance".into())
            }
        );
        assert_eq!(
            map(400, r#"{"message": "Bundle not found"}"#, Op::Other).code(),
            "not_found"
        );
        assert_eq!(
            map(400, r#"{"message": "Order not found"}"#, Op::Other).code(),
            "not_found"
        );
        assert_eq!(
            map(400, r#"{"message": "Invalid ICCID"}"#, Op::Other),
            ProviderError::InvalidRequest {
                message: "Invalid ICCID".into()
            }
        );
        assert_eq!(map(410, "", Op::Other).code(), "not_found");
        assert_eq!(map(500, "", Op::Other).code(), "unavailable");
        assert_eq!(map(503, "", Op::Other).code(), "unavailable");
    }

    #[test]
    fn plain_text_and_empty_bodies() {
        // `POST /orders` documents text/plain error bodies.
        assert_eq!(
            map(400, "failed to parse request body\n", Op::Transaction),
            ProviderError::InvalidRequest {
                message: "failed to parse request body".into()
            }
        );
        assert_eq!(
            map(400, "", Op::Other),
            ProviderError::InvalidRequest {
                message: "HTTP 400 Bad Request".into()
            }
        );
        assert_eq!(
            map(403, "", Op::Other),
            ProviderError::Forbidden { message: None }
        );
    }

    #[test]
    fn a_purchase_answered_by_a_server_error_is_unknown() {
        for status in [500, 502, 503, 504, 408] {
            assert_eq!(
                map(status, "", Op::Transaction).code(),
                "outcome_unknown",
                "{status}"
            );
        }
        // Rate limited before processing: nothing bought, say so.
        let mut r = reply(429, r#"{"message": "Rate limit exceeded"}"#);
        r.headers.insert(RETRY_AFTER, HeaderValue::from_static("1"));
        assert_eq!(
            map_reply(&r, Op::Transaction, &Redactor::default()),
            ProviderError::RateLimited {
                retry_after: Some(Duration::from_secs(1))
            }
        );
    }
}
