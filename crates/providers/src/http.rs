//! HTTP for every adapter: reqwest with rustls, a timeout on every call, a client-side rate limit
//! per provider (governor), retries with backoff (backon) for idempotent reads only, honouring
//! `Retry-After` on 429/503, bounded reply bodies, and one tracing span per attempt with the
//! provider, method, path, status and elapsed time. Credentials are sent only as sensitive
//! headers and never reach a span, a log line or an error.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use backon::{ExponentialBuilder, Retryable};
use bytes::{Bytes, BytesMut};
use governor::clock::DefaultClock;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use tracing::Instrument;
use url::Url;

use crate::error::{ProviderError, clip};

/// Tuning for one provider's HTTP traffic.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Whole-call timeout (connect, send, read the reply) for ordinary calls.
    pub timeout: Duration,
    /// Timeout to establish a connection.
    pub connect_timeout: Duration,
    /// Client-side limit: at most `requests` per `per`, evenly spaced (no bursts), shared by all
    /// calls of one adapter instance. `None` disables it.
    pub rate_limit: Option<RateLimit>,
    /// Retries of an idempotent read after a 429/502/503/504, a timeout or a lost connection.
    /// Purchases are never retried.
    pub max_retries: usize,
    /// Wait before a retry when the provider sends no `Retry-After`.
    pub default_retry_after: Duration,
    /// A `Retry-After` longer than this is not waited for: the call fails with the wait in it.
    pub max_retry_wait: Duration,
    /// Every server error (5xx) on an idempotent call is worth a retry, as the provider's
    /// reference says (Telness §11: "retry GETs"). Off: only 502/503/504, which say "try again"
    /// by themselves; a 500 may be a bug that retrying only repeats.
    pub retry_server_errors: bool,
    /// The provider's request-id / correlation header (Truphone `X-Correlation-ID`). When set,
    /// every logical call sends one id in it (the same on each retry), the caller's own when it
    /// gives one ([`Call::correlation`]), else a fresh UUID. eSIM Go documents none.
    pub correlation_header: Option<HeaderName>,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            rate_limit: None,
            max_retries: 3,
            default_retry_after: Duration::from_secs(1),
            max_retry_wait: Duration::from_secs(30),
            retry_server_errors: false,
            correlation_header: None,
        }
    }
}

/// `requests` per `per`, spaced evenly.
#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    pub requests: NonZeroU32,
    pub per: Duration,
}

impl RateLimit {
    pub fn per_second(requests: NonZeroU32) -> Self {
        RateLimit {
            requests,
            per: Duration::from_secs(1),
        }
    }
}

/// Removes secret texts from anything a provider sends back before it is kept in an error
/// (a provider that echoes the key in an error message must not put it on screen).
#[derive(Clone, Default)]
pub(crate) struct Redactor {
    secrets: Vec<SecretString>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} secrets)", self.secrets.len())
    }
}

impl Redactor {
    pub(crate) fn new(secrets: Vec<SecretString>) -> Self {
        Redactor { secrets }
    }

    pub(crate) fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.secrets {
            let s = secret.expose_secret();
            if s.len() >= 4 && out.contains(s) {
                out = out.replace(s, "[REDACTED]");
            }
        }
        out
    }
}

/// Whether a call may be repeated safely.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallKind {
    /// Changes nothing, or sets the same thing again (reads, dry runs, `PUT`): retried on
    /// transient failures.
    Idempotent,
    /// Spends money or changes state in a way that must not happen twice (a purchase, a
    /// revoke): sent exactly once. A failure after the request may have reached the provider is
    /// [`ProviderError::OutcomeUnknown`].
    Once,
}

/// One request to make. Its `Debug` leaves the body out: a token request's body holds the
/// client secret.
pub(crate) struct Call {
    pub method: Method,
    /// Path segments under the base URL, each percent-encoded on its own.
    pub segments: Vec<String>,
    pub query: Vec<(&'static str, String)>,
    /// Headers other than credentials (`Accept`, `Content-Type`).
    pub headers: HeaderMap,
    pub body: Option<Vec<u8>>,
    pub kind: CallKind,
    /// Largest reply body accepted.
    pub max_body: usize,
    /// Overrides the whole-call timeout (e.g. a ZIP download).
    pub timeout: Option<Duration>,
    /// Per-call credentials (a short-lived OAuth token): sent as sensitive headers and scrubbed
    /// from error texts like the adapter's fixed credentials.
    pub secret_headers: Vec<(HeaderName, SecretString)>,
    /// Correlation id for this call (see [`HttpSettings::correlation_header`]).
    pub correlation: Option<String>,
}

impl std::fmt::Debug for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("method", &self.method)
            .field("segments", &self.segments)
            .field("query", &self.query)
            .field("kind", &self.kind)
            .field("body_bytes", &self.body.as_ref().map(Vec::len))
            .field("correlation", &self.correlation)
            .finish_non_exhaustive()
    }
}

/// Largest JSON reply accepted by default.
pub(crate) const MAX_JSON_BODY: usize = 16 * 1024 * 1024;

impl Call {
    pub(crate) fn new(method: Method, segments: &[&str], kind: CallKind) -> Self {
        let mut headers = HeaderMap::new();
        headers.insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        Call {
            method,
            segments: segments.iter().map(|s| (*s).to_owned()).collect(),
            query: Vec::new(),
            headers,
            body: None,
            kind,
            max_body: MAX_JSON_BODY,
            timeout: None,
            secret_headers: Vec::new(),
            correlation: None,
        }
    }

    pub(crate) fn get(segments: &[&str]) -> Self {
        Call::new(Method::GET, segments, CallKind::Idempotent)
    }

    pub(crate) fn query(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.query.push((name, value.into()));
        self
    }

    pub(crate) fn accept(mut self, value: &'static str) -> Self {
        self.headers
            .insert(reqwest::header::ACCEPT, HeaderValue::from_static(value));
        self
    }

    /// Sends `value` as a sensitive header on this call only.
    #[allow(dead_code)] // for token-based adapters
    pub(crate) fn secret_header(mut self, name: HeaderName, value: SecretString) -> Self {
        self.secret_headers.push((name, value));
        self
    }

    /// The correlation id to send (e.g. the desk's client reference on a purchase).
    #[allow(dead_code)] // for adapters whose API has a correlation header
    pub(crate) fn correlation(mut self, id: impl Into<String>) -> Self {
        self.correlation = Some(id.into());
        self
    }

    pub(crate) fn json_body(mut self, body: Vec<u8>) -> Self {
        self.headers.insert(
            reqwest::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        self.body = Some(body);
        self
    }

    /// The path for logs and errors: `GET /esims/…/bundles` (no query: it may hold filters
    /// with customer data).
    pub(crate) fn label(&self) -> String {
        format!("{} /{}", self.method, self.segments.join("/"))
    }
}

/// A reply that arrived, whatever its status.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    /// `Retry-After` as a duration (seconds or an HTTP date).
    pub(crate) fn retry_after(&self) -> Option<Duration> {
        parse_retry_after(
            self.headers
                .get(reqwest::header::RETRY_AFTER)?
                .to_str()
                .ok()?,
        )
    }

    pub(crate) fn content_type(&self) -> Option<&str> {
        self.headers
            .get(reqwest::header::CONTENT_TYPE)?
            .to_str()
            .ok()
    }
}

/// Why a call did not produce a 2xx reply.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The provider answered with a non-2xx status (after any retries); the adapter maps it.
    Status(Reply),
    /// No usable reply: timeout, no connection, lost purchase reply, oversized body.
    Error(ProviderError),
}

impl From<ProviderError> for Failure {
    fn from(e: ProviderError) -> Self {
        Failure::Error(e)
    }
}

type Limiter = RateLimiter<NotKeyed, InMemoryState, DefaultClock>;

/// One provider's HTTP client: base URL, credentials, limiter and retry policy.
pub(crate) struct Http {
    client: reqwest::Client,
    base: Url,
    provider: &'static str,
    settings: HttpSettings,
    limiter: Option<Arc<Limiter>>,
    credentials: Vec<(HeaderName, SecretString)>,
    redactor: Redactor,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Http")
            .field("provider", &self.provider)
            .field("base", &self.base.as_str())
            .field("settings", &self.settings)
            .field(
                "credentials",
                &self
                    .credentials
                    .iter()
                    .map(|(name, _)| format!("{name}: [REDACTED]"))
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Http {
    /// `base` must be `https`, or `http` on a loopback address (simulator, tests).
    pub(crate) fn new(
        provider: &'static str,
        base: &Url,
        settings: HttpSettings,
        credentials: Vec<(HeaderName, SecretString)>,
    ) -> Result<Self, ProviderError> {
        check_base_url(base)?;
        for (name, value) in &credentials {
            if HeaderValue::from_str(value.expose_secret()).is_err() {
                return Err(ProviderError::Configuration {
                    message: format!(
                        "the {name} credential contains characters a header cannot carry"
                    ),
                });
            }
        }
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.connect_timeout)
            // Never follow a redirect: it could carry the API key header to another host.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("esim-desk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ProviderError::Configuration {
                message: format!("cannot set up HTTPS: {}", e.without_url()),
            })?;
        let limiter = match settings.rate_limit {
            Some(limit) => Some(Arc::new(build_limiter(limit)?)),
            None => None,
        };
        let redactor = Redactor::new(credentials.iter().map(|(_, s)| s.clone()).collect());
        Ok(Http {
            client,
            base: base.clone(),
            provider,
            settings,
            limiter,
            credentials,
            redactor,
        })
    }

    pub(crate) fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// The adapter's redactor plus the call's own secrets (a per-call token).
    pub(crate) fn redactor_for(&self, call: &Call) -> Redactor {
        let mut r = self.redactor.clone();
        r.secrets
            .extend(call.secret_headers.iter().map(|(_, s)| s.clone()));
        r
    }

    /// Sends the call; a 2xx reply is `Ok`, anything else is a [`Failure`]. Reads are retried
    /// (at most `max_retries` times) on 429/502/503/504, timeouts and lost connections, waiting
    /// for `Retry-After` when sent; purchases are sent exactly once.
    pub(crate) async fn send(&self, call: &Call) -> Result<Reply, Failure> {
        let url = self.url(call)?;
        let request_id = call
            .correlation
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let label = call.label();
        match call.kind {
            CallKind::Once => self.attempt(call, &url, &label, &request_id, 1).await,
            CallKind::Idempotent => {
                let mut attempt_no = 0_u32;
                let backoff = ExponentialBuilder::default()
                    .with_min_delay(self.settings.default_retry_after)
                    .with_max_delay(self.settings.max_retry_wait)
                    .with_max_times(self.settings.max_retries)
                    .with_jitter();
                let max_wait = self.settings.max_retry_wait;
                let any_5xx = self.settings.retry_server_errors;
                (|| {
                    attempt_no += 1;
                    self.attempt(call, &url, &label, &request_id, attempt_no)
                })
                .retry(backoff)
                .when(|f: &Failure| retry_wait(f, max_wait, any_5xx).is_some())
                .adjust(|f: &Failure, next: Option<Duration>| {
                    // `None` means the retries are used up: keep it so.
                    let next = next?;
                    match retry_wait(f, max_wait, any_5xx) {
                        Some(Some(asked)) => Some(asked),
                        _ => Some(next),
                    }
                })
                .notify(|f: &Failure, wait: Duration| {
                    tracing::debug!(
                        provider = self.provider,
                        path = %label,
                        wait_ms = wait.as_millis() as u64,
                        reason = %failure_reason(f),
                        "retrying"
                    );
                })
                .await
            }
        }
    }

    async fn attempt(
        &self,
        call: &Call,
        url: &Url,
        label: &str,
        request_id: &str,
        attempt_no: u32,
    ) -> Result<Reply, Failure> {
        let span = tracing::info_span!(
            "provider_call",
            provider = self.provider,
            method = %call.method,
            path = %label,
            request_id = %request_id,
            attempt = attempt_no,
            status = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        async {
            if let Some(limiter) = &self.limiter {
                limiter.until_ready().await;
            }
            let started = Instant::now();
            let result = self.attempt_once(call, url, request_id).await;
            let span = tracing::Span::current();
            span.record("elapsed_ms", started.elapsed().as_millis() as u64);
            match &result {
                Ok(reply) => {
                    span.record("status", reply.status.as_u16());
                    tracing::debug!("reply");
                }
                Err(Failure::Status(reply)) => {
                    span.record("status", reply.status.as_u16());
                    tracing::info!("error reply");
                }
                Err(Failure::Error(e)) => {
                    tracing::info!(error = e.code(), "no reply");
                }
            }
            result
        }
        .instrument(span)
        .await
    }

    async fn attempt_once(
        &self,
        call: &Call,
        url: &Url,
        request_id: &str,
    ) -> Result<Reply, Failure> {
        let mut builder = self
            .client
            .request(call.method.clone(), url.clone())
            .headers(call.headers.clone());
        if let Some(name) = &self.settings.correlation_header
            && let Ok(value) = HeaderValue::from_str(request_id)
        {
            builder = builder.header(name.clone(), value);
        }
        for (name, secret) in self.credentials.iter().chain(call.secret_headers.iter()) {
            // Checked in `new`; a value that still fails is skipped rather than panicking.
            if let Ok(mut value) = HeaderValue::from_str(secret.expose_secret()) {
                value.set_sensitive(true);
                builder = builder.header(name.clone(), value);
            }
        }
        if let Some(timeout) = call.timeout {
            builder = builder.timeout(timeout);
        }
        if let Some(body) = &call.body {
            builder = builder.body(body.clone());
        }
        let mut response = match builder.send().await {
            Ok(r) => r,
            Err(e) => return Err(Failure::Error(self.transport_error(&e, call, false))),
        };
        let status = response.status();
        let headers = response.headers().clone();
        let limit = call.max_body;
        if response
            .content_length()
            .is_some_and(|len| len > limit as u64)
        {
            return Err(self.too_large(call, status));
        }
        let mut body = BytesMut::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > limit {
                        return Err(self.too_large(call, status));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => {
                    // The status arrived, the body did not. A refusal (4xx other than 408) is
                    // still a refusal: nothing happened. Anything else is a lost reply.
                    if status.is_client_error() && status != StatusCode::REQUEST_TIMEOUT {
                        return Err(Failure::Status(Reply {
                            status,
                            headers,
                            body: Bytes::new(),
                        }));
                    }
                    return Err(Failure::Error(self.transport_error(&e, call, true)));
                }
            }
        }
        let reply = Reply {
            status,
            headers,
            body: body.freeze(),
        };
        if status.is_success() {
            Ok(reply)
        } else {
            Err(Failure::Status(reply))
        }
    }

    fn too_large(&self, call: &Call, status: StatusCode) -> Failure {
        let detail = format!("reply larger than {} bytes", call.max_body);
        let refused = status.is_client_error() && status != StatusCode::REQUEST_TIMEOUT;
        if call.kind == CallKind::Once && !refused {
            Failure::Error(ProviderError::OutcomeUnknown { detail })
        } else {
            Failure::Error(ProviderError::malformed(call.label(), detail))
        }
    }

    fn transport_error(
        &self,
        e: &reqwest::Error,
        call: &Call,
        reading_body: bool,
    ) -> ProviderError {
        // reqwest's text holds the URL; ours does not need it (and never holds a credential).
        let text = self.redactor_for(call).scrub(&clip(&error_chain(e)));
        // The agent reads the plain reason; the library's chain goes to the log for support.
        let plain = plain_network_reason(&text);
        tracing::info!(detail = %text, "transport error");
        match call.kind {
            // A connection that never opened carried nothing: safe to say nothing was bought.
            CallKind::Once if e.is_connect() && !reading_body => {
                ProviderError::Network { detail: plain }
            }
            CallKind::Once => ProviderError::OutcomeUnknown {
                detail: if e.is_timeout() {
                    "no reply in time after the request was sent".to_owned()
                } else {
                    format!("connection lost after the request was sent: {text}")
                },
            },
            CallKind::Idempotent if e.is_timeout() => ProviderError::Timeout,
            CallKind::Idempotent => ProviderError::Network { detail: plain },
        }
    }

    fn url(&self, call: &Call) -> Result<Url, ProviderError> {
        let mut url = self.base.clone();
        {
            let mut segments =
                url.path_segments_mut()
                    .map_err(|()| ProviderError::Configuration {
                        message: "the base URL cannot take a path".to_owned(),
                    })?;
            segments.pop_if_empty();
            segments.extend(call.segments.iter());
        }
        if !call.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in &call.query {
                pairs.append_pair(name, value);
            }
        }
        Ok(url)
    }
}

fn build_limiter(limit: RateLimit) -> Result<Limiter, ProviderError> {
    let period = limit.per / limit.requests.get();
    // Evenly spaced, burst of one: never more than `requests` inside any window of `per`,
    // which matters against a fixed-window server limit.
    let quota = Quota::with_period(period).ok_or_else(|| ProviderError::Configuration {
        message: "the rate limit period must be longer than zero".to_owned(),
    })?;
    Ok(RateLimiter::direct(quota.allow_burst(NonZeroU32::MIN)))
}

fn check_base_url(base: &Url) -> Result<(), ProviderError> {
    let loopback = match base.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    let ok = match base.scheme() {
        "https" => base.host().is_some(),
        "http" => loopback,
        _ => false,
    };
    if !ok {
        return Err(ProviderError::Configuration {
            message: format!(
                "the base URL must use https (plain http only on this machine for the simulator): {}",
                base.origin().ascii_serialization()
            ),
        });
    }
    if !base.username().is_empty() || base.password().is_some() || base.query().is_some() {
        return Err(ProviderError::Configuration {
            message: "the base URL must not carry credentials or a query".to_owned(),
        });
    }
    Ok(())
}

/// `Some(wait)` when the failure is worth retrying: `Some(Some(d))` when the provider asked for
/// `d`, `Some(None)` for the backoff's own delay. `None` to stop.
fn retry_wait(
    failure: &Failure,
    max_wait: Duration,
    any_server_error: bool,
) -> Option<Option<Duration>> {
    match failure {
        Failure::Status(reply) => match reply.status.as_u16() {
            429 | 502 | 503 | 504 => match reply.retry_after() {
                Some(d) if d > max_wait => None,
                asked => Some(asked),
            },
            500..=599 if any_server_error => Some(None),
            _ => None,
        },
        Failure::Error(ProviderError::Timeout | ProviderError::Network { .. }) => Some(None),
        Failure::Error(_) => None,
    }
}

fn failure_reason(f: &Failure) -> String {
    match f {
        Failure::Status(r) => r.status.as_u16().to_string(),
        Failure::Error(e) => e.code().to_owned(),
    }
}

/// A transport failure in words a desk agent can act on.
fn plain_network_reason(chain: &str) -> String {
    let lower = chain.to_ascii_lowercase();
    let reason = if lower.contains("refused") {
        "the connection was refused; check the API address"
    } else if lower.contains("dns") || lower.contains("lookup") || lower.contains("name or service")
    {
        "the API address's host name was not found; check the address and the internet connection"
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake")
    {
        "a secure connection could not be made"
    } else if lower.contains("unreachable") {
        "the network is unreachable; check the internet connection"
    } else if lower.contains("reset") || lower.contains("closed") || lower.contains("eof") {
        "the connection was closed by the other side"
    } else {
        "no connection; check the internet connection"
    };
    reason.to_owned()
}

fn error_chain(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut parts = Vec::new();
    let mut source = e.source();
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    if parts.is_empty() {
        parts.push(if e.is_timeout() {
            "timed out".to_owned()
        } else {
            "request failed".to_owned()
        });
    }
    parts.join(": ")
}

/// `Retry-After`: delay-seconds or an HTTP date (RFC 9110 §10.2.3).
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when =
        time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc2822).ok()?;
    let wait = when - time::OffsetDateTime::now_utc();
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

/// The human text of an error body: JSON `{"message": ...}` (or `error_description`, `reason`,
/// `error`), plain text, or nothing for an empty body. Clipped; never the raw bytes of a binary.
pub(crate) fn error_text(body: &[u8], redactor: &Redactor) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?.trim();
    if text.is_empty() {
        return None;
    }
    let found = if text.starts_with('{') {
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(serde_json::Value::Object(map)) => [
                "message",
                "error_description",
                "reason",
                "error",
                "messages",
            ]
            .iter()
            .find_map(|k| match map.get(*k) {
                Some(serde_json::Value::String(s)) if !s.trim().is_empty() => {
                    Some(s.trim().to_owned())
                }
                Some(serde_json::Value::Array(items)) => {
                    let joined: Vec<&str> =
                        items.iter().filter_map(serde_json::Value::as_str).collect();
                    (!joined.is_empty()).then(|| joined.join("; "))
                }
                _ => None,
            })
            .or_else(|| Some(text.to_owned())),
            _ => Some(text.to_owned()),
        }
    } else if text.starts_with('<') {
        // An HTML error page from a proxy says nothing useful to a desk agent.
        None
    } else {
        Some(text.to_owned())
    }?;
    let cleaned = clip(&redactor.scrub(&found));
    (!cleaned.is_empty()).then_some(cleaned)
}

/// The default meaning of an HTTP status, for adapters to refine.
pub(crate) fn status_error(
    status: StatusCode,
    message: Option<String>,
    retry_after: Option<Duration>,
) -> ProviderError {
    match status.as_u16() {
        401 => ProviderError::Unauthorised { message },
        403 => ProviderError::Forbidden { message },
        404 | 410 => ProviderError::NotFound { message },
        408 => ProviderError::Timeout,
        429 => ProviderError::RateLimited { retry_after },
        400..=499 => ProviderError::InvalidRequest {
            message: message.unwrap_or_else(|| {
                format!(
                    "HTTP {} {}",
                    status.as_u16(),
                    status.canonical_reason().unwrap_or("")
                )
                .trim()
                .to_owned()
            }),
        },
        _ => ProviderError::Unavailable {
            message,
            retry_after,
        },
    }
}

#[cfg(test)]
mod plain_reason_tests {
    use super::plain_network_reason;

    #[test]
    fn transport_failures_read_plainly() {
        let refused = plain_network_reason(
            "client error (Connect): tcp connect error: Connection refused (os error 111)",
        );
        assert!(refused.starts_with("the connection was refused"));
        assert!(!refused.contains("os error"));
        assert!(plain_network_reason("dns error: failed to lookup address").contains("host name"));
        assert!(plain_network_reason("something else").starts_with("no connection"));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn retry_after_in_seconds_and_dates() {
        assert_eq!(parse_retry_after("1"), Some(Duration::from_secs(1)));
        assert_eq!(parse_retry_after(" 30 "), Some(Duration::from_secs(30)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn error_bodies_json_text_or_empty() {
        let r = Redactor::default();
        assert_eq!(
            error_text(br#"{"message": "Bundle not found"}"#, &r).as_deref(),
            Some("Bundle not found")
        );
        assert_eq!(
            error_text(b"Insufficient balance\n", &r).as_deref(),
            Some("Insufficient balance")
        );
        assert_eq!(error_text(b"", &r), None);
        assert_eq!(error_text(b"   ", &r), None);
        assert_eq!(error_text(b"<html><body>502</body></html>", &r), None);
        assert_eq!(error_text(&[0xff, 0xfe, 0x00], &r), None);
        assert_eq!(
            error_text(
                br#"{"type":"INVALID_REQUEST_PARAMS","messages":["a","b"]}"#,
                &r
            ),
            Some("a; b".to_owned())
        );
        assert_eq!(
            error_text(br#"{"code":"X"}"#, &r).as_deref(),
            Some(r#"{"code":"X"}"#)
        );
        assert_eq!(
            error_text(br#"{"status":"failed","reason":"Booking not found"}"#, &r).as_deref(),
            Some("Booking not found")
        );
    }

    #[test]
    fn provider_texts_are_scrubbed() {
        let r = Redactor::new(vec![SecretString::from("sk-live-123456")]);
        assert_eq!(
            error_text(br#"{"message": "key sk-live-123456 is not valid"}"#, &r).as_deref(),
            Some("key [REDACTED] is not valid")
        );
    }

    #[test]
    fn base_urls_must_be_https_or_loopback() {
        for ok in [
            "https://api.esim-go.com/v2.4",
            "http://127.0.0.1:8080/v2.4",
            "http://localhost:1/",
            "http://[::1]:9/",
        ] {
            assert!(check_base_url(&Url::parse(ok).unwrap()).is_ok(), "{ok}");
        }
        for bad in [
            "http://api.esim-go.com/v2.4",
            "ftp://127.0.0.1/",
            "https://user:pw@api.esim-go.com/",
            "https://api.esim-go.com/v2.4?api_key=x",
        ] {
            assert!(check_base_url(&Url::parse(bad).unwrap()).is_err(), "{bad}");
        }
    }

    #[test]
    fn statuses_map_to_actionable_errors() {
        let e = status_error(StatusCode::UNAUTHORIZED, None, None);
        assert_eq!(e.code(), "unauthorised");
        let e = status_error(
            StatusCode::TOO_MANY_REQUESTS,
            None,
            Some(Duration::from_secs(2)),
        );
        assert_eq!(e.retry_after(), Some(Duration::from_secs(2)));
        let e = status_error(StatusCode::BAD_REQUEST, None, None);
        assert_eq!(
            e.to_string(),
            "the provider refused the request: HTTP 400 Bad Request"
        );
        assert_eq!(
            status_error(StatusCode::GONE, None, None).code(),
            "not_found"
        );
        assert_eq!(
            status_error(StatusCode::BAD_GATEWAY, None, None).code(),
            "unavailable"
        );
    }

    #[test]
    fn urls_encode_each_segment() {
        let http = Http::new(
            "test",
            &Url::parse("http://127.0.0.1:1/v2.4").unwrap(),
            HttpSettings::default(),
            vec![],
        )
        .unwrap();
        let call = Call::get(&["catalogue", "bundle", "a b/c"]).query("countries", "GB,US");
        let url = http.url(&call).unwrap();
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:1/v2.4/catalogue/bundle/a%20b%2Fc?countries=GB%2CUS"
        );
        assert_eq!(call.label(), "GET /catalogue/bundle/a b/c");
    }

    #[tokio::test]
    async fn correlation_ids_and_per_call_secrets() {
        use crate::test_server::{Respond, TestServer};
        let server = TestServer::start("", |r| {
            // A provider that echoes the token in its error.
            let token = r.header("authorization").unwrap_or("").to_owned();
            Respond::json(401, &format!(r#"{{"message": "bad token {token}"}}"#))
        })
        .await;
        let settings = HttpSettings {
            correlation_header: Some(HeaderName::from_static("x-correlation-id")),
            default_retry_after: Duration::from_millis(1),
            ..HttpSettings::default()
        };
        let http = Http::new("test", &server.url, settings, vec![]).unwrap();
        let call = Call::get(&["v2", "orders"])
            .correlation("desk-42")
            .secret_header(
                reqwest::header::AUTHORIZATION,
                SecretString::from("Bearer eyJ-secret-token"),
            );
        let Err(Failure::Status(reply)) = http.send(&call).await else {
            panic!("expected a 401")
        };
        let text = error_text(&reply.body, &http.redactor_for(&call)).unwrap();
        assert_eq!(text, "bad token [REDACTED]");
        let r = &server.requests()[0];
        assert_eq!(r.header("x-correlation-id"), Some("desk-42"));
        assert_eq!(r.header("authorization"), Some("Bearer eyJ-secret-token"));
        // Without an id of its own, a call gets a fresh UUID, the same on every retry.
        let server = TestServer::start("", |_| {
            Respond::json(503, "").with_header("Retry-After", "0")
        })
        .await;
        let settings = HttpSettings {
            correlation_header: Some(HeaderName::from_static("x-correlation-id")),
            max_retries: 2,
            default_retry_after: Duration::from_millis(1),
            ..HttpSettings::default()
        };
        let http = Http::new("test", &server.url, settings, vec![]).unwrap();
        assert!(http.send(&Call::get(&["x"])).await.is_err());
        let ids: Vec<String> = server
            .requests()
            .iter()
            .map(|r| r.header("x-correlation-id").unwrap().to_owned())
            .collect();
        assert_eq!(ids.len(), 3);
        assert!(ids.iter().all(|id| *id == ids[0]));
        assert!(uuid::Uuid::parse_str(&ids[0]).is_ok());
    }

    #[test]
    fn debug_hides_credentials() {
        let http = Http::new(
            "test",
            &Url::parse("http://127.0.0.1:1/").unwrap(),
            HttpSettings::default(),
            vec![(
                HeaderName::from_static("x-api-key"),
                SecretString::from("very-secret-key"),
            )],
        )
        .unwrap();
        let text = format!("{http:?}");
        assert!(!text.contains("very-secret-key"));
        assert!(text.contains("x-api-key: [REDACTED]"));
    }
}
