//! Telness errors as the reference writes them (telness.md §11, open point 9), and the strict
//! reading of request bodies and query strings that produces most of them.

use axum::Json;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// One entry of `details[]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Detail {
    pub message: String,
    pub code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub property: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
}

/// An error answer: `{message, code, details[], hint?}` with its status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("{status} {code}: {message}")]
pub struct TelnessError {
    #[serde(skip)]
    pub status: StatusCode,
    pub message: String,
    pub code: &'static str,
    pub details: Vec<Detail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// The `code` the simulator writes for each status (§11, assumed).
fn code_of(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "VALIDATION_ERROR",
        401 => "UNAUTHORIZED",
        403 => "FORBIDDEN",
        404 => "NOT_FOUND",
        409 => "CONFLICT",
        412 => "PRECONDITION_FAILED",
        429 => "RATE_LIMITED",
        503 => "SERVICE_UNAVAILABLE",
        s if s >= 500 => "INTERNAL_ERROR",
        _ => "ERROR",
    }
}

impl TelnessError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            code: code_of(status),
            details: Vec::new(),
            hint: None,
        }
    }

    /// `400 VALIDATION_ERROR` with one detail naming the offending `property`.
    pub fn field(property: impl Into<String>, detail_code: &'static str, msg: &str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Validation failed for the request").with_detail(
            Detail {
                message: msg.to_owned(),
                code: detail_code,
                property: Some(property.into()),
                suggestion: None,
            },
        )
    }

    /// `400 VALIDATION_ERROR` about the body as a whole (it does not parse, or is missing).
    pub fn body(msg: impl Into<String>) -> Self {
        let msg = msg.into();
        Self::new(StatusCode::BAD_REQUEST, "Validation failed for the request").with_detail(
            Detail {
                message: msg,
                code: "INVALID_BODY",
                property: None,
                suggestion: None,
            },
        )
    }

    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Missing or invalid API key")
            .with_hint("Send the key in the X-API-Key header")
    }

    pub fn not_found(what: &str, id: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, format!("{what} {id} not found"))
    }

    pub fn conflict(msg: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, msg)
    }

    pub fn precondition(msg: impl Into<String>) -> Self {
        Self::new(StatusCode::PRECONDITION_FAILED, msg)
    }

    pub fn internal(msg: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, msg)
    }

    pub fn with_detail(mut self, detail: Detail) -> Self {
        self.details.push(detail);
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_suggestion(mut self, suggestion: &str) -> Self {
        if let Some(last) = self.details.last_mut() {
            last.suggestion = Some(suggestion.to_owned());
        }
        self
    }
}

impl IntoResponse for TelnessError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::warn!(status = %self.status, message = %self.message, "Telness simulator error");
        }
        (self.status, Json(self)).into_response()
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

/// Whether a body has anything but white space.
pub fn is_blank(body: &[u8]) -> bool {
    body.iter().all(u8::is_ascii_whitespace)
}

/// A required JSON body, parsed strictly: the reference asks for `Content-Type:
/// application/json` on every request with a body (§1), and a wrong field name must be refused,
/// not ignored.
pub fn parse_body<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<T, TelnessError> {
    if is_blank(body) {
        return Err(TelnessError::body("a JSON request body is required"));
    }
    parse_present(headers, body)
}

/// An optional JSON body: none (or only white space) reads as `T::default()`.
pub fn parse_optional_body<T: DeserializeOwned + Default>(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<T, TelnessError> {
    if is_blank(body) {
        return Ok(T::default());
    }
    parse_present(headers, body)
}

fn parse_present<T: DeserializeOwned>(headers: &HeaderMap, body: &[u8]) -> Result<T, TelnessError> {
    if !is_json(headers) {
        return Err(TelnessError::body("Content-Type must be application/json"));
    }
    serde_json::from_slice(body).map_err(|e| {
        tracing::debug!(error = %e, "rejected Telness request body");
        TelnessError::body(format!("the request body does not parse: {e}"))
    })
}

/// No body expected (`calculate-price`, subscription `cancel`): none, or an empty JSON object.
pub fn expect_no_body(headers: &HeaderMap, body: &[u8]) -> Result<(), TelnessError> {
    if is_blank(body) {
        return Ok(());
    }
    let value: serde_json::Value = parse_present(headers, body)?;
    match value.as_object() {
        Some(map) if map.is_empty() => Ok(()),
        _ => Err(TelnessError::body("this request takes no body")),
    }
}

/// Query parameters, repeated names kept in order.
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

    /// Every value of the named parameters, whether repeated (`a=X&a=Y`) or comma-separated
    /// (`a=X,Y`) — the reference does not say which (open point 4), so both are taken.
    pub fn list(&self, names: &[&str]) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| names.contains(&k.as_str()))
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// The last value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_body_has_the_reference_shape() {
        let e = TelnessError::field("lineItems", "FIELD_REQUIRED", "a package is needed")
            .with_suggestion("Add a data package")
            .with_hint("Add a TRAVEL_ESIM_PACKAGE addon");
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["code"], "VALIDATION_ERROR");
        assert_eq!(v["message"], "Validation failed for the request");
        assert_eq!(v["details"][0]["property"], "lineItems");
        assert_eq!(v["details"][0]["code"], "FIELD_REQUIRED");
        assert_eq!(v["details"][0]["suggestion"], "Add a data package");
        assert_eq!(v["hint"], "Add a TRAVEL_ESIM_PACKAGE addon");
        assert!(v.get("status").is_none());
    }

    #[test]
    fn lists_take_both_syntaxes() {
        let q = Query::parse(Some("categories=A,B&categories=C&x=1&type=S"));
        assert_eq!(q.list(&["categories"]), ["A", "B", "C"]);
        assert_eq!(q.list(&["types", "type"]), ["S"]);
        assert_eq!(q.get("x"), Some("1"));
    }
}
