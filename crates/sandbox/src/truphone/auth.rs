//! OAuth2 client credentials (truphone.md §2): the Keycloak-style token endpoint at
//! `/truphone/auth/realms/tru-staff/protocol/openid-connect/token` and the bearer check of every
//! API call.
//!
//! The token endpoint takes `application/x-www-form-urlencoded` with the client's id and secret
//! either in the body (`client_id`, `client_secret`) or as HTTP Basic with only `grant_type` in
//! the body (the PHP client's form); grants `client_credentials` and `refresh_token`. Tokens are
//! opaque random strings (shaped like the reference's JWT example) that expire on the sandbox
//! clock. Errors follow the Keycloak convention the reference assumes: a wrong client is `401
//! unauthorized_client`, a bad refresh token `400 invalid_grant`.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

use super::Ctx;
use super::model::later;

/// The header of a JWT signed with RS256, as the reference's example token starts.
const TOKEN_HEAD: &str = "eyJhbGciOiJSUzI1NiJ9";

/// An error of the token endpoint: `{error, error_description}` (RFC 6749 §5.2, Keycloak).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("{status} {error}: {error_description}")]
pub struct OAuthError {
    #[serde(skip)]
    pub status: StatusCode,
    pub error: &'static str,
    pub error_description: String,
}

impl OAuthError {
    fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            error,
            error_description: description.into(),
        }
    }

    fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    /// The reference's documented failure for a wrong client (§2).
    fn unauthorized_client() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized_client",
            "Invalid client or Invalid client credentials",
        )
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self)).into_response();
        no_store(response.headers_mut());
        response
    }
}

/// The error body of a status the sandbox answers on the token endpoint's behalf (a fault).
pub fn oauth_error_body(status: StatusCode, message: &str) -> Response {
    let error = match status.as_u16() {
        400 => "invalid_request",
        401 => "unauthorized_client",
        429 => "too_many_requests",
        503 => "temporarily_unavailable",
        _ => "server_error",
    };
    OAuthError::new(status, error, message).into_response()
}

/// RFC 6749 §5.1: token responses must not be cached.
fn no_store(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

/// The tokens handed out, each with its expiry on the sandbox clock.
#[derive(Debug, Default)]
pub struct Tokens {
    access: HashMap<String, OffsetDateTime>,
    refresh: HashMap<String, OffsetDateTime>,
    issued: u64,
    refreshed: u64,
}

/// A grant's answer (§2, open point 3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: u64,
    pub refresh_expires_in: u64,
}

impl Tokens {
    /// A new access and refresh token pair. Tokens come from the OS's randomness, not from the
    /// run's seed: they must not repeat across runs or after a reset.
    pub fn issue(
        &mut self,
        now: OffsetDateTime,
        lifetime: Duration,
        refresh_lifetime: Duration,
        by_refresh: bool,
    ) -> Grant {
        self.prune(now);
        let access_token = mint_token();
        let refresh_token = mint_token();
        self.access
            .insert(access_token.clone(), later(now, lifetime));
        self.refresh
            .insert(refresh_token.clone(), later(now, refresh_lifetime));
        self.issued += 1;
        if by_refresh {
            self.refreshed += 1;
        }
        Grant {
            access_token,
            refresh_token,
            expires_in: lifetime.as_secs(),
            refresh_expires_in: refresh_lifetime.as_secs(),
        }
    }

    /// Whether `token` is a live access token.
    pub fn is_live(&self, token: &str, now: OffsetDateTime) -> bool {
        self.access.get(token).is_some_and(|&until| now < until)
    }

    /// Whether `token` is a live refresh token. A refresh token may be used more than once
    /// until it expires (Keycloak's default: refresh tokens are not revoked on use).
    pub fn refresh_is_live(&self, token: &str, now: OffsetDateTime) -> bool {
        self.refresh.get(token).is_some_and(|&until| now < until)
    }

    /// Every access token ends now; refresh tokens still work (a token lost mid-sale).
    pub fn expire_access(&mut self) {
        self.access.clear();
    }

    /// Every access and refresh token ends now: the client must authenticate again.
    pub fn revoke_all(&mut self) {
        self.access.clear();
        self.refresh.clear();
    }

    /// Access tokens issued since start (or the last reset), by either grant.
    pub fn issued(&self) -> u64 {
        self.issued
    }

    /// Of those, how many came from a `refresh_token` grant.
    pub fn refreshed(&self) -> u64 {
        self.refreshed
    }

    /// Access tokens still live at `now`.
    pub fn live(&self, now: OffsetDateTime) -> usize {
        self.access.values().filter(|&&until| now < until).count()
    }

    /// Forgets expired tokens, so that a sandbox left running in demo mode stays small.
    fn prune(&mut self, now: OffsetDateTime) {
        self.access.retain(|_, until| now < *until);
        self.refresh.retain(|_, until| now < *until);
    }
}

fn mint_token() -> String {
    let a = uuid::Uuid::new_v4().simple().to_string();
    let b = uuid::Uuid::new_v4().simple().to_string();
    format!("{TOKEN_HEAD}.{a}.{b}")
}

/// The bearer token of a request, if it sent `Authorization: Bearer <token>`.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// The id and secret sent as HTTP Basic, if any. `Err` when the header is Basic but unreadable.
fn basic(headers: &HeaderMap) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or_default().trim();
    let Some((scheme, encoded)) = text.split_once(' ') else {
        return Ok(None);
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Ok(None);
    }
    let decoded = base64_decode(encoded.trim())
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(OAuthError::unauthorized_client)?;
    let (id, secret) = decoded
        .split_once(':')
        .ok_or_else(OAuthError::unauthorized_client)?;
    Ok(Some((id.to_owned(), secret.to_owned())))
}

/// Standard base64 (RFC 4648 §4), padding optional. Written out rather than adding a crate for
/// the one place the sandbox reads base64: HTTP Basic credentials.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let digits = text.trim_end_matches('=');
    if text.len() - digits.len() > 2 {
        return None;
    }
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0u32;
    for b in digits.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).ok()?);
        }
    }
    // A lone sixth of a byte cannot end valid base64.
    (bits < 6).then_some(out)
}

/// Whether the request says its body is a form.
fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// The form's fields; a repeated one is refused (RFC 6749 §3.2: "MUST NOT be included more
/// than once").
fn parse_form(body: &[u8]) -> Result<HashMap<String, String>, OAuthError> {
    let mut fields = HashMap::new();
    let mut seen = HashSet::new();
    for (k, v) in url::form_urlencoded::parse(body) {
        if !seen.insert(k.clone().into_owned()) {
            return Err(OAuthError::invalid_request(format!(
                "duplicated parameter {k}"
            )));
        }
        fields.insert(k.into_owned(), v.into_owned());
    }
    Ok(fields)
}

/// `POST …/protocol/openid-connect/token`.
pub async fn token(State(app): State<Ctx>, headers: HeaderMap, body: Bytes) -> Response {
    match grant(&app, &headers, &body) {
        Ok(grant) => {
            let mut response = Json(json!({
                "access_token": grant.access_token,
                "expires_in": grant.expires_in,
                "refresh_expires_in": grant.refresh_expires_in,
                "refresh_token": grant.refresh_token,
                "token_type": "Bearer",
                "not-before-policy": 0,
                "scope": "profile email",
            }))
            .into_response();
            no_store(response.headers_mut());
            response
        }
        Err(e) => {
            tracing::debug!(error = %e, "Truphone token request refused");
            e.into_response()
        }
    }
}

fn grant(app: &Ctx, headers: &HeaderMap, body: &[u8]) -> Result<Grant, OAuthError> {
    if !is_form(headers) {
        return Err(OAuthError::invalid_request(
            "Content-Type must be application/x-www-form-urlencoded",
        ));
    }
    let form = parse_form(body)?;
    let grant_type = form
        .get("grant_type")
        .map(String::as_str)
        .ok_or_else(|| OAuthError::invalid_request("Missing form parameter: grant_type"))?;
    if !matches!(grant_type, "client_credentials" | "refresh_token") {
        return Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            format!("Unsupported grant_type {grant_type}"),
        ));
    }
    authenticate_client(app, headers, &form)?;
    let now = app.clock.now();
    let mut st = app.sim.lock();
    let (lifetime, refresh_lifetime) = (
        st.settings.token_lifetime,
        st.settings.refresh_token_lifetime,
    );
    let by_refresh = grant_type == "refresh_token";
    if by_refresh {
        let refresh = form
            .get("refresh_token")
            .filter(|t| !t.is_empty())
            .ok_or_else(|| OAuthError::invalid_request("Missing form parameter: refresh_token"))?;
        if !st.tokens.refresh_is_live(refresh, now) {
            return Err(OAuthError::new(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "Invalid refresh token",
            ));
        }
    }
    let grant = st.tokens.issue(now, lifetime, refresh_lifetime, by_refresh);
    tracing::debug!(grant_type, "Truphone token issued");
    Ok(grant)
}

/// The client, by one method only: HTTP Basic (a `client_id` alone may accompany it) or
/// `client_id` + `client_secret` in the form.
fn authenticate_client(
    app: &Ctx,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<(), OAuthError> {
    let (id, secret) = match basic(headers)? {
        Some((id, secret)) => {
            if form.contains_key("client_secret") {
                return Err(OAuthError::invalid_request(
                    "use one client authentication method: HTTP Basic or client_secret",
                ));
            }
            if form.get("client_id").is_some_and(|body_id| *body_id != id) {
                return Err(OAuthError::unauthorized_client());
            }
            (id, secret)
        }
        None => (
            form.get("client_id").cloned().unwrap_or_default(),
            form.get("client_secret").cloned().unwrap_or_default(),
        ),
    };
    if id == app.sim.client_id() && secret == app.sim.client_secret() {
        Ok(())
    } else {
        Err(OAuthError::unauthorized_client())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn decodes_basic_credentials() {
        assert_eq!(
            base64_decode("ZGVzay1zYW5kYm94OnMzY3JldA==").unwrap(),
            b"desk-sandbox:s3cret"
        );
        assert_eq!(base64_decode("YQ").unwrap(), b"a");
        assert_eq!(base64_decode("").unwrap(), b"");
        assert!(base64_decode("Y").is_none());
        assert!(base64_decode("Y===").is_none());
        assert!(base64_decode("a b").is_none());
    }

    #[test]
    fn tokens_expire_and_can_be_revoked() {
        let t0 = OffsetDateTime::UNIX_EPOCH;
        let mut tokens = Tokens::default();
        let g = tokens.issue(
            t0,
            Duration::from_secs(300),
            Duration::from_secs(1_800),
            false,
        );
        assert_eq!(g.expires_in, 300);
        assert!(g.access_token.starts_with(TOKEN_HEAD));
        assert_ne!(g.access_token, g.refresh_token);
        assert!(tokens.is_live(&g.access_token, t0 + time::Duration::seconds(299)));
        assert!(!tokens.is_live(&g.access_token, t0 + time::Duration::seconds(300)));
        assert!(tokens.refresh_is_live(&g.refresh_token, t0 + time::Duration::seconds(1_799)));
        assert!(!tokens.is_live(&g.refresh_token, t0));
        tokens.expire_access();
        assert!(!tokens.is_live(&g.access_token, t0));
        assert!(tokens.refresh_is_live(&g.refresh_token, t0));
        tokens.revoke_all();
        assert!(!tokens.refresh_is_live(&g.refresh_token, t0));
        assert_eq!(tokens.issued(), 1);
    }

    #[test]
    fn reads_the_bearer() {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer abc"),
        );
        assert_eq!(bearer(&h), Some("abc"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer(&h), None);
    }
}
