//! OAuth2 client credentials for the Connect API (truphone.md §2).
//!
//! The access token lives in memory only, inside [`Auth`] (never on disk, in a log line, an
//! error or `Debug` output). It is renewed before it expires ([`assumed::REFRESH_MARGIN_SECS`]),
//! with the refresh token while that is valid, else with client credentials again. One lock
//! guards the cache *and* the fetch, so that calls arriving together wait for one new token
//! instead of each asking for its own.

use std::time::{Duration, Instant};

use reqwest::Method;
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::{assumed, wire};
use crate::error::{ProviderError, clip};
use crate::http::{Call, CallKind, Failure, Http, HttpSettings, Redactor, Reply};

/// The client's credentials and its cached tokens.
pub(super) struct Auth {
    http: Http,
    client_id: String,
    client_secret: SecretString,
    tokens: tokio::sync::Mutex<Option<Tokens>>,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The client id is not a secret (it names the account); the secret and the tokens are.
        f.debug_struct("Auth")
            .field("http", &self.http)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

/// Tokens from one grant, with when each stops being usable.
struct Tokens {
    access: SecretString,
    access_until: Instant,
    refresh: Option<Refresh>,
}

struct Refresh {
    token: SecretString,
    until: Instant,
}

/// What a grant asks for.
enum Grant<'a> {
    ClientCredentials,
    Refresh(&'a SecretString),
}

/// Why a grant failed: refused (the grant itself is bad: fall back or give up) or any other
/// failure (try again later).
enum GrantError {
    Refused(ProviderError),
    Other(ProviderError),
}

impl GrantError {
    fn into_error(self) -> ProviderError {
        match self {
            GrantError::Refused(e) | GrantError::Other(e) => e,
        }
    }
}

impl Auth {
    pub(super) fn new(
        token_url: &Url,
        client_id: String,
        client_secret: SecretString,
        settings: HttpSettings,
    ) -> Result<Self, ProviderError> {
        let client_id = client_id.trim().to_owned();
        if client_id.is_empty() || client_secret.expose_secret().trim().is_empty() {
            return Err(ProviderError::Configuration {
                message: "Truphone needs a client id and a client secret".into(),
            });
        }
        // The token endpoint is Keycloak, not the Connect API: the API's rate limit is not its.
        let settings = HttpSettings {
            rate_limit: None,
            ..settings
        };
        Ok(Auth {
            http: Http::new("truphone-auth", token_url, settings, Vec::new())?,
            client_id,
            client_secret,
            tokens: tokio::sync::Mutex::new(None),
        })
    }

    /// A valid access token: the cached one while more than the margin is left, else a new one
    /// (refresh grant when possible, else client credentials).
    pub(super) async fn token(&self) -> Result<SecretString, ProviderError> {
        let mut cached = self.tokens.lock().await;
        let now = Instant::now();
        let margin = Duration::from_secs(assumed::REFRESH_MARGIN_SECS);
        if let Some(t) = cached.as_ref()
            && t.access_until > now + margin
        {
            return Ok(t.access.clone());
        }
        let refresh = cached
            .take()
            .and_then(|t| t.refresh)
            .filter(|r| r.until > now + margin);
        let fresh = match refresh {
            Some(r) => match self.grant(Grant::Refresh(&r.token)).await {
                Ok(t) => t,
                Err(GrantError::Refused(e)) => {
                    tracing::info!(
                        provider = "truphone",
                        error = e.code(),
                        "refresh token refused; asking with client credentials"
                    );
                    self.grant(Grant::ClientCredentials)
                        .await
                        .map_err(GrantError::into_error)?
                }
                Err(GrantError::Other(e)) => return Err(e),
            },
            None => self
                .grant(Grant::ClientCredentials)
                .await
                .map_err(GrantError::into_error)?,
        };
        let access = fresh.access.clone();
        *cached = Some(fresh);
        Ok(access)
    }

    /// Forgets the tokens after the API refused `refused` (a `401`), unless another call has
    /// already replaced it. The refresh token goes too: it belongs to the refused session.
    pub(super) async fn invalidate(&self, refused: &SecretString) {
        let mut cached = self.tokens.lock().await;
        if cached
            .as_ref()
            .is_some_and(|t| t.access.expose_secret() == refused.expose_secret())
        {
            *cached = None;
        }
    }

    /// A redactor for texts Truphone sends back: the client secret and `token`.
    pub(super) fn redactor(&self, token: Option<&SecretString>) -> Redactor {
        let mut secrets = vec![self.client_secret.clone()];
        secrets.extend(token.cloned());
        Redactor::new(secrets)
    }

    /// `POST <token URL>`, form-encoded, credentials in the body (§2). Changes nothing at the
    /// provider: retried like a read on transient failures.
    async fn grant(&self, grant: Grant<'_>) -> Result<Tokens, GrantError> {
        let mut call = Call::new(Method::POST, &[], CallKind::Idempotent);
        call.headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        call.body = Some(self.form(&grant));
        let started = Instant::now();
        let reply = match self.http.send(&call).await {
            Ok(reply) => reply,
            Err(Failure::Status(reply)) => return Err(self.refusal(&reply)),
            Err(Failure::Error(e)) => return Err(GrantError::Other(e)),
        };
        self.tokens_from(&reply, started).map_err(GrantError::Other)
    }

    /// The form body: the grant, then the client's credentials (§2's documented form).
    fn form(&self, grant: &Grant<'_>) -> Vec<u8> {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        match grant {
            Grant::ClientCredentials => {
                form.append_pair("grant_type", "client_credentials");
            }
            Grant::Refresh(token) => {
                form.append_pair("grant_type", "refresh_token");
                form.append_pair("refresh_token", token.expose_secret());
            }
        }
        form.append_pair("client_id", &self.client_id);
        form.append_pair("client_secret", self.client_secret.expose_secret());
        form.finish().into_bytes()
    }

    /// A token-endpoint error in words a desk agent can act on.
    fn refusal(&self, reply: &Reply) -> GrantError {
        let redactor = self.redactor(None);
        let body = serde_json::from_slice::<wire::TokenError>(&reply.body).ok();
        let detail = body
            .as_ref()
            .and_then(|b| {
                b.error_description
                    .as_deref()
                    .or(b.error.as_deref())
                    .map(str::trim)
            })
            .filter(|d| !d.is_empty())
            .map(|d| clip(&redactor.scrub(d)));
        if let Some(code) = body.as_ref().and_then(|b| b.error.as_deref()) {
            tracing::info!(provider = "truphone", status = reply.status.as_u16(), error = %clip(&redactor.scrub(code)), "token refused");
        }
        match reply.status.as_u16() {
            // Keycloak: `401 unauthorized_client` / `invalid_client` for wrong credentials,
            // `400 invalid_grant` for a bad refresh token, `400 unauthorized_client` for a
            // client not allowed this grant: the credentials are what the desk can fix.
            400 | 401 | 403 => GrantError::Refused(ProviderError::Unauthorised {
                message: Some(match detail {
                    Some(d) => format!("Truphone refused the client id and secret ({d})"),
                    None => "Truphone refused the client id and secret".to_owned(),
                }),
            }),
            404 | 405 => GrantError::Other(ProviderError::Configuration {
                message: "Truphone's sign-in address was not found: check the API address".into(),
            }),
            429 => GrantError::Other(ProviderError::RateLimited {
                retry_after: reply.retry_after(),
            }),
            _ => GrantError::Other(ProviderError::Unavailable {
                message: Some(match detail {
                    Some(d) => format!("Truphone's sign-in failed: {d}"),
                    None => format!("Truphone's sign-in failed (HTTP {})", reply.status.as_u16()),
                }),
                retry_after: reply.retry_after(),
            }),
        }
    }

    /// The token reply, read without ever quoting it (it holds the tokens): a reply that cannot
    /// be read is described, not shown.
    fn tokens_from(&self, reply: &Reply, asked_at: Instant) -> Result<Tokens, ProviderError> {
        let unreadable = |detail: &str| ProviderError::malformed("Truphone sign-in reply", detail);
        let parsed: wire::TokenReply = serde_json::from_slice(&reply.body)
            .map_err(|_| unreadable("not the expected JSON token reply"))?;
        if let Some(kind) = parsed.token_type.as_deref()
            && !kind.trim().eq_ignore_ascii_case("bearer")
        {
            return Err(unreadable("the token is not a bearer token"));
        }
        let access = parsed
            .access_token
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| unreadable("no access_token"))?;
        if HeaderValue::from_str(&format!("Bearer {access}")).is_err() {
            return Err(unreadable("the access token cannot be sent in a header"));
        }
        // Lifetimes count from when the token was asked for: the reply may have taken a while.
        let lifetime = |n: Option<wire::Number>, default: u64| -> Result<Instant, ProviderError> {
            let secs = match n {
                Some(n) => n
                    .as_u64()
                    .ok_or_else(|| unreadable("a token lifetime is not a whole number"))?,
                None => default,
            };
            let secs = secs.min(assumed::MAX_TOKEN_LIFETIME_SECS);
            Ok(asked_at + Duration::from_secs(secs))
        };
        let access_until = lifetime(parsed.expires_in, assumed::DEFAULT_ACCESS_LIFETIME_SECS)?;
        let refresh = match parsed
            .refresh_token
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
        {
            Some(token) => Some(Refresh {
                token: SecretString::from(token),
                until: lifetime(
                    parsed.refresh_expires_in,
                    assumed::DEFAULT_REFRESH_LIFETIME_SECS,
                )?,
            }),
            None => None,
        };
        tracing::debug!(
            provider = "truphone",
            refreshable = refresh.is_some(),
            "new access token"
        );
        Ok(Tokens {
            access: SecretString::from(access),
            access_until,
            refresh,
        })
    }
}
