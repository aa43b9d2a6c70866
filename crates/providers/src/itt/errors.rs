//! ITT replies → success or a typed [`ProviderError`] (itt.md §14, all assumed).
//!
//! A reply is a success only when the HTTP status is 2xx **and** the envelope's `status` is
//! `"success"`. Anything else is an error whose text is `reason`, else `message`, else the HTTP
//! status line; the status decides the variant where it says something (`401`, `404`, `429`,
//! `5xx`), the text where ITT refuses with a `200` (business refusals such as "Insufficient
//! balance"). Every text is scrubbed of both credentials and clipped.

use reqwest::StatusCode;

use super::{assumed, wire};
use crate::error::{ProviderError, clip};
use crate::http::{CallKind, Failure, Redactor, Reply};

/// A call that did not give a 2xx reply.
pub(super) fn map_failure(failure: Failure, kind: CallKind, redactor: &Redactor) -> ProviderError {
    match failure {
        Failure::Error(e) => e,
        Failure::Status(reply) => map_status(&reply, kind, redactor),
    }
}

/// A 2xx reply: `Ok` when its envelope says success; otherwise ITT's refusal, typed. A 2xx
/// whose envelope cannot be read is malformed, or for a purchase, of unknown outcome.
pub(super) fn check_envelope(
    reply: &Reply,
    kind: CallKind,
    redactor: &Redactor,
) -> Result<(), ProviderError> {
    let unreadable = |detail: &str| match kind {
        CallKind::Once => ProviderError::OutcomeUnknown {
            detail: format!("ITT answered with a reply that could not be read ({detail})"),
        },
        CallKind::Idempotent => ProviderError::malformed("ITT reply", detail),
    };
    let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(&reply.body) else {
        return Err(unreadable("not a JSON object"));
    };
    let Some(status) = map.get("status").and_then(serde_json::Value::as_str) else {
        return Err(unreadable("no status"));
    };
    if status.trim().eq_ignore_ascii_case(wire::SUCCESS) {
        return Ok(());
    }
    // §14: a refusal in a 200 (no stock, insufficient balance): nothing was done.
    let text = describe(&map, reply.status, redactor);
    Err(refusal(&text).unwrap_or(ProviderError::InvalidRequest { message: text }))
}

fn map_status(reply: &Reply, kind: CallKind, redactor: &Redactor) -> ProviderError {
    let text = match serde_json::from_slice(&reply.body) {
        Ok(serde_json::Value::Object(map)) => describe(&map, reply.status, redactor),
        _ => plain_text(&reply.body, redactor).unwrap_or_else(|| status_line(reply.status)),
    };
    let once = kind == CallKind::Once;
    match reply.status.as_u16() {
        401 => ProviderError::Unauthorised {
            message: Some(text),
        },
        404 | 410 => ProviderError::NotFound {
            message: Some(text),
        },
        429 => ProviderError::RateLimited {
            retry_after: reply.retry_after(),
        },
        // A purchase answered by a timeout or a server fault may have been carried out.
        408 | 500..=599 if once => ProviderError::OutcomeUnknown {
            detail: clip(&format!(
                "ITT answered HTTP {}: {text}",
                reply.status.as_u16()
            )),
        },
        408 => ProviderError::Timeout,
        500..=599 => ProviderError::Unavailable {
            message: Some(text),
            retry_after: reply.retry_after(),
        },
        403 => refusal(&text).unwrap_or(ProviderError::Forbidden {
            message: Some(text),
        }),
        _ => refusal(&text).unwrap_or(ProviderError::InvalidRequest { message: text }),
    }
}

/// The variant a refusal's words call for (§14), if they call for one.
fn refusal(text: &str) -> Option<ProviderError> {
    let lower = text.to_lowercase();
    let says = |words: &[&str]| words.iter().any(|w| lower.contains(w));
    let message = Some(text.to_owned());
    if says(assumed::INSUFFICIENT_BALANCE_WORDS) {
        Some(ProviderError::InsufficientBalance { message })
    } else if says(assumed::CREDENTIAL_WORDS) {
        Some(ProviderError::Unauthorised { message })
    } else if says(assumed::NOT_FOUND_WORDS) {
        Some(ProviderError::NotFound { message })
    } else if says(assumed::NO_STOCK_WORDS) {
        Some(ProviderError::Forbidden { message })
    } else {
        None
    }
}

/// `reason`, else `message`, else the status line (§14); scrubbed and clipped.
fn describe(
    map: &serde_json::Map<String, serde_json::Value>,
    status: StatusCode,
    redactor: &Redactor,
) -> String {
    ["reason", "message"]
        .iter()
        .filter_map(|k| map.get(*k)?.as_str())
        .map(|s| clip(&redactor.scrub(s.trim())))
        .find(|s| !s.is_empty())
        .unwrap_or_else(|| status_line(status))
}

/// A body that is not JSON: its text, unless it is empty or an HTML page.
fn plain_text(body: &[u8], redactor: &Redactor) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?.trim();
    if text.is_empty() || text.starts_with('<') {
        return None;
    }
    Some(clip(&redactor.scrub(text)))
}

fn status_line(status: StatusCode) -> String {
    format!(
        "HTTP {} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    )
    .trim()
    .to_owned()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use bytes::Bytes;
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

    fn read(status: u16, body: &str) -> ProviderError {
        let r = reply(status, body);
        if r.status.is_success() {
            check_envelope(&r, CallKind::Idempotent, &Redactor::default()).unwrap_err()
        } else {
            map_status(&r, CallKind::Idempotent, &Redactor::default())
        }
    }

    fn buy(status: u16, body: &str) -> ProviderError {
        let r = reply(status, body);
        if r.status.is_success() {
            check_envelope(&r, CallKind::Once, &Redactor::default()).unwrap_err()
        } else {
            map_status(&r, CallKind::Once, &Redactor::default())
        }
    }

    #[test]
    fn success_needs_2xx_and_status_success() {
        let ok = reply(200, r#"{"status": "success", "reason": "found"}"#);
        assert!(check_envelope(&ok, CallKind::Once, &Redactor::default()).is_ok());
        assert_eq!(
            read(
                200,
                r#"{"status": "failed", "reason": "package_id is required"}"#
            ),
            ProviderError::InvalidRequest {
                message: "package_id is required".into()
            }
        );
        // The text is `reason`, else `message`, else the status line.
        assert_eq!(
            read(200, r#"{"status": "error", "message": "Something odd"}"#),
            ProviderError::InvalidRequest {
                message: "Something odd".into()
            }
        );
        assert_eq!(
            read(200, r#"{"status": "failed"}"#),
            ProviderError::InvalidRequest {
                message: "HTTP 200 OK".into()
            }
        );
    }

    #[test]
    fn the_documented_error_table() {
        assert_eq!(
            read(
                401,
                r#"{"status": "failed", "reason": "Invalid API credentials"}"#
            ),
            ProviderError::Unauthorised {
                message: Some("Invalid API credentials".into())
            }
        );
        assert_eq!(
            read(
                400,
                r#"{"status": "failed", "reason": "package_id is required"}"#
            ),
            ProviderError::InvalidRequest {
                message: "package_id is required".into()
            }
        );
        assert_eq!(
            read(
                404,
                r#"{"status": "failed", "reason": "Booking not found"}"#
            ),
            ProviderError::NotFound {
                message: Some("Booking not found".into())
            }
        );
        assert_eq!(
            buy(
                200,
                r#"{"status": "failed", "reason": "Insufficient balance"}"#
            ),
            ProviderError::InsufficientBalance {
                message: Some("Insufficient balance".into())
            }
        );
        assert_eq!(
            read(500, r#"{"status": "failed", "reason": "Internal error"}"#),
            ProviderError::Unavailable {
                message: Some("Internal error".into()),
                retry_after: None
            }
        );
        assert_eq!(
            read(
                200,
                r#"{"status": "failed", "reason": "Package out of stock"}"#
            )
            .code(),
            "forbidden"
        );
        assert_eq!(
            read(
                200,
                r#"{"status": "failed", "reason": "Invalid API credentials"}"#
            )
            .code(),
            "unauthorised"
        );
        assert_eq!(
            read(
                200,
                r#"{"status": "failed", "reason": "Tracking id not found"}"#
            )
            .code(),
            "not_found"
        );
        assert_eq!(read(403, "").code(), "forbidden");
        assert_eq!(read(408, "").code(), "timeout");
        let mut r = reply(429, "");
        r.headers.insert(RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(
            map_status(&r, CallKind::Once, &Redactor::default()).retry_after(),
            Some(std::time::Duration::from_secs(3))
        );
        assert_eq!(
            read(502, "<html>bad gateway</html>"),
            ProviderError::Unavailable {
                message: Some("HTTP 502 Bad Gateway".into()),
                retry_after: None
            }
        );
        assert_eq!(
            read(400, "plain words"),
            ProviderError::InvalidRequest {
                message: "plain words".into()
            }
        );
    }

    #[test]
    fn a_purchase_answered_by_a_fault_or_garbage_is_of_unknown_outcome() {
        for status in [408, 500, 502, 503, 504] {
            assert_eq!(buy(status, "").code(), "outcome_unknown", "{status}");
        }
        assert_eq!(buy(200, "not json").code(), "outcome_unknown");
        assert_eq!(buy(200, r#"{"booking_id": "X"}"#).code(), "outcome_unknown");
        assert_eq!(read(200, "not json").code(), "malformed_reply");
        // A refusal is a refusal, purchase or not: nothing was bought.
        assert_eq!(
            buy(400, r#"{"reason": "email_address is required"}"#).code(),
            "invalid_request"
        );
        assert_eq!(buy(401, "").code(), "unauthorised");
    }

    #[test]
    fn credentials_are_scrubbed_from_every_text() {
        let r = Redactor::new(vec![
            SecretString::from("itt-key-SECRET-1"),
            SecretString::from("itt-code-SECRET-2"),
        ]);
        let e = map_status(
            &reply(
                401,
                r#"{"status": "failed", "reason": "apikey itt-key-SECRET-1 / itt-code-SECRET-2 refused"}"#,
            ),
            CallKind::Idempotent,
            &r,
        );
        let text = format!("{e} {e:?}");
        assert!(!text.contains("SECRET"), "{text}");
        assert!(text.contains("[REDACTED]"), "{text}");
    }
}
