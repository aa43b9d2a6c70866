//! Truphone errors as the reference writes them (truphone.md §9): one shape,
//! `{"type": "…", "messages": ["…"]}`, with the documented type strings; and the strict reading
//! of request bodies and query strings that produces most of them.

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// `400`: the request could not be parsed (bad JSON, bad date).
pub const INVALID_HTTP_MESSAGE: &str = "INVALID_HTTP_MESSAGE";
/// `400`: parsed, but semantically wrong (missing field, unknown currency or country).
pub const INVALID_REQUEST_PARAMS: &str = "INVALID_REQUEST_PARAMS";
/// `401`: the OAuth2 token is missing or invalid (British spelling, as documented).
pub const UNAUTHORISED: &str = "UNAUTHORISED";
/// `404`: an unknown order, SIM, subscription or product (type assumed, open point 13).
pub const NOT_FOUND: &str = "NOT_FOUND";

/// An error answer: `{type, messages}` with its status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("{status} {kind}: {}", messages.join("; "))]
pub struct TruphoneError {
    #[serde(skip)]
    pub status: StatusCode,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub messages: Vec<String>,
}

/// The documented type of each status (§9). Statuses the reference does not list borrow the
/// nearest documented type rather than inventing one, except `405`, which the reference's list
/// (truncated in the material) must have some name for.
fn type_of(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => INVALID_REQUEST_PARAMS,
        401 => UNAUTHORISED,
        403 => "ACCESS_DENIED",
        404 => NOT_FOUND,
        405 => "METHOD_NOT_ALLOWED",
        406 => "UNACCEPTABLE",
        // The documented type string contains a space.
        429 => "TOO MANY REQUESTS",
        s if s >= 500 => "INTERNAL_ERROR",
        _ => INVALID_REQUEST_PARAMS,
    }
}

impl TruphoneError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            kind: type_of(status),
            messages: vec![message.into()],
        }
    }

    /// `400 INVALID_REQUEST_PARAMS`: well-formed, but wrong.
    pub fn params(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// `400 INVALID_HTTP_MESSAGE`: the request does not parse.
    pub fn unparsable(message: impl Into<String>) -> Self {
        Self {
            kind: INVALID_HTTP_MESSAGE,
            ..Self::new(StatusCode::BAD_REQUEST, message)
        }
    }

    pub fn unauthorised() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "The access token is missing, invalid or expired",
        )
    }

    pub fn not_found(what: &str, id: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, format!("{what} {id} not found"))
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
}

impl IntoResponse for TruphoneError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::warn!(status = %self.status, error = %self, "Truphone simulator error");
        }
        let unauthorised = self.status == StatusCode::UNAUTHORIZED;
        let mut response = (self.status, Json(self)).into_response();
        if unauthorised {
            // RFC 6750: a protected resource names the scheme it wants.
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// Whether the request says its body is JSON (`application/json`, parameters allowed).
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"))
}

/// A required JSON body, read in two steps so that the two documented `400` types stay apart:
/// what is not JSON at all is `INVALID_HTTP_MESSAGE`; JSON with a wrong field name or type is
/// `INVALID_REQUEST_PARAMS` (a wrong field name is refused, not ignored, so that a client
/// cannot pass a test while sending something the real API would not understand).
pub fn parse_body<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<T, TruphoneError> {
    if !is_json(headers) {
        return Err(TruphoneError::unparsable(
            "Content-Type must be application/json",
        ));
    }
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| TruphoneError::unparsable(format!("the body is not JSON: {e}")))?;
    serde_json::from_value(value).map_err(|e| {
        tracing::debug!(error = %e, "rejected Truphone request body");
        TruphoneError::params(format!("the body does not match the request: {e}"))
    })
}

/// Query parameters, in order, repeated names kept.
#[derive(Debug, Default)]
pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn parse(raw: Option<&str>) -> Self {
        Self(
            raw.map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default(),
        )
    }

    /// The last non-blank value of `name`, trimmed.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_body_has_the_reference_shape() {
        let v =
            serde_json::to_value(TruphoneError::params("subscriber.email is required")).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"type": "INVALID_REQUEST_PARAMS",
                "messages": ["subscriber.email is required"]})
        );
        assert_eq!(
            TruphoneError::new(StatusCode::TOO_MANY_REQUESTS, "slow down").kind,
            "TOO MANY REQUESTS"
        );
        assert_eq!(TruphoneError::unauthorised().kind, "UNAUTHORISED");
        assert_eq!(TruphoneError::internal("x").kind, "INTERNAL_ERROR");
        assert_eq!(
            TruphoneError::new(StatusCode::SERVICE_UNAVAILABLE, "x").kind,
            "INTERNAL_ERROR"
        );
    }

    #[test]
    fn bad_json_and_wrong_fields_are_told_apart() {
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Body {
            a: u32,
        }
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        let e = parse_body::<Body>(&headers, b"{\"a\":").unwrap_err();
        assert_eq!(e.kind, INVALID_HTTP_MESSAGE);
        let e = parse_body::<Body>(&headers, b"{\"b\":1}").unwrap_err();
        assert_eq!(e.kind, INVALID_REQUEST_PARAMS);
        assert!(parse_body::<Body>(&headers, b"{\"a\":1}").is_ok());
        let e = parse_body::<Body>(&HeaderMap::new(), b"{\"a\":1}").unwrap_err();
        assert_eq!(e.kind, INVALID_HTTP_MESSAGE);
    }
}
