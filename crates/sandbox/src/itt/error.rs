//! ITT errors as the reference's contract writes them (itt.md §14): always the envelope
//! `{"status": "failed", "reason": "…"}` — `401` bad credentials, `400` a missing field or bad
//! JSON, `404` an unknown or expired id, `200` a business refusal (insufficient balance), `500`
//! a server fault — and the lenient reading of request bodies that produces most of them.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// An answer with `status: "failed"`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {reason}")]
pub struct IttError {
    pub status: StatusCode,
    pub reason: String,
    /// The tracking id the request named, echoed as the platform's envelope does.
    pub tracking_id: Option<String>,
}

impl IttError {
    pub fn new(status: StatusCode, reason: impl Into<String>) -> Self {
        Self {
            status,
            reason: reason.into(),
            tracking_id: None,
        }
    }

    /// `401`: `apikey`/`secretecode` missing or wrong (the reference's exact reason).
    pub fn credentials() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Invalid API credentials")
    }

    /// `400`: a required field is missing or has the wrong type, or the body is not JSON.
    pub fn bad_request(reason: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, reason)
    }

    /// `404`: an unknown or expired tracking id, package, booking or ICCID.
    pub fn not_found(reason: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, reason)
    }

    /// `200` with `status: "failed"`: the request was understood and refused (no stock,
    /// insufficient balance) — a client must look at `status`, not only at HTTP.
    pub fn refused(reason: impl Into<String>) -> Self {
        Self::new(StatusCode::OK, reason)
    }

    pub fn internal(reason: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, reason)
    }

    pub fn with_tracking_id(mut self, tracking_id: &str) -> Self {
        self.tracking_id = Some(tracking_id.to_owned());
        self
    }
}

impl IntoResponse for IttError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::warn!(status = %self.status, error = %self, "ITT simulator error");
        }
        let mut body = json!({"status": "failed", "reason": self.reason});
        if let (Some(id), Some(map)) = (self.tracking_id, body.as_object_mut()) {
            map.insert("tracking_id".to_owned(), Value::from(id));
        }
        (self.status, Json(body)).into_response()
    }
}

/// A request body: a JSON object read leniently, as a PHP platform reads it. Unknown fields
/// are ignored (the bodies are assumed, open points 4 and 5: a client sending one more field
/// than the simulator knows must not fail here and pass in production); identifiers and
/// numbers are taken as strings or JSON numbers (`member_id` is `"2"` in one sample and `1` in
/// another, §2); a wrong type of a known field is a `400`.
#[derive(Debug, Default)]
pub struct Fields(Map<String, Value>);

impl Fields {
    pub fn parse(body: &[u8]) -> Result<Self, IttError> {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => Ok(Self(map)),
            Ok(_) => Err(IttError::bad_request(
                "The request body must be a JSON object",
            )),
            Err(e) => Err(IttError::bad_request(format!(
                "The request body is not valid JSON: {e}"
            ))),
        }
    }

    /// A text field: a string (trimmed) or a number; absent, `null` or blank is `None`.
    pub fn text(&self, name: &str) -> Result<Option<String>, IttError> {
        text_of(name, self.0.get(name))
    }

    /// A required text field (`400 "<name> is required"`).
    pub fn required(&self, name: &str) -> Result<String, IttError> {
        self.text(name)?
            .ok_or_else(|| IttError::bad_request(format!("{name} is required")))
    }

    /// A nested object (absent or `null` is `None`).
    pub fn object(&self, name: &str) -> Result<Option<Fields>, IttError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(map)) => Ok(Some(Self(map.clone()))),
            Some(_) => Err(IttError::bad_request(format!("{name} must be an object"))),
        }
    }

    /// An array of objects (absent or `null` is `None`).
    pub fn objects(&self, name: &str) -> Result<Option<Vec<Fields>>, IttError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| match item {
                    Value::Object(map) => Ok(Self(map.clone())),
                    _ => Err(IttError::bad_request(format!(
                        "every item of {name} must be an object"
                    ))),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(_) => Err(IttError::bad_request(format!("{name} must be an array"))),
        }
    }

    /// The object as it came, for echoing (`search_parameter`).
    pub fn echo(&self) -> Map<String, Value> {
        self.0.clone()
    }

    /// `member_id`, required and equal to the partner account's. A wrong one is refused like
    /// wrong header credentials (`401`): the member id is part of the desk's credential.
    pub fn member(&self, expected: &str) -> Result<(), IttError> {
        let member = self.required("member_id")?;
        if member == expected {
            Ok(())
        } else {
            Err(IttError::new(
                StatusCode::UNAUTHORIZED,
                format!("member_id {member} does not belong to these API credentials"),
            ))
        }
    }
}

fn text_of(name: &str, value: Option<&Value>) -> Result<Option<String>, IttError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => {
            let s = s.trim();
            Ok((!s.is_empty()).then(|| s.to_owned()))
        }
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(IttError::bad_request(format!(
            "{name} must be a string or a number"
        ))),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_envelope_is_the_reference_shape() {
        let r = IttError::refused("Insufficient balance").with_tracking_id("T1");
        assert_eq!(r.status, StatusCode::OK);
        let response = r.into_response();
        assert_eq!(response.status(), StatusCode::OK);
    }

    #[test]
    fn bodies_are_read_leniently() {
        let f =
            Fields::parse(br#"{"member_id": 2, "a": " x ", "b": "", "c": true, "z": 1}"#).unwrap();
        assert_eq!(f.text("member_id").unwrap().as_deref(), Some("2"));
        assert_eq!(f.text("a").unwrap().as_deref(), Some("x"));
        assert_eq!(f.text("b").unwrap(), None);
        assert!(f.text("c").is_err());
        assert_eq!(f.required("b").unwrap_err().reason, "b is required");
        assert!(f.member("2").is_ok());
        assert_eq!(f.member("3").unwrap_err().status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            Fields::parse(b"[1]").unwrap_err().status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            Fields::parse(b"{\"a\":").unwrap_err().status,
            StatusCode::BAD_REQUEST
        );
    }
}
