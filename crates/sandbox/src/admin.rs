//! Control of a running sandbox that no real provider API has: the sandbox clock, faults, rate
//! limit, latency, the request log, reset — and each provider's own controls (data use, balance,
//! fulfilment, ...). Available in-process ([`Admin`]) and over HTTP under `/_admin` with the
//! header `X-Admin-Token: <token>` (401 without it). Bodies are JSON and parsed strictly
//! (unknown fields → 400).
//!
//! The common operations:
//!
//! | method and path | body | answer |
//! |---|---|---|
//! | `GET /_admin/state` | — | `{now, rateLimitPerSecond, faults, <provider id>: {...}}`, e.g. `esimgo:{balance, currency, catalogueSize, orders, esims, assignments, inventoryItems}` |
//! | `GET /_admin/requests` | — | `[{seq, provider, method, path, query, orderType, idempotencyKey, correlationId, status}]`: the last [`REQUEST_LOG_LIMIT`] provider requests, oldest first; `status` is `null` when no response was sent (a dropped connection) |
//! | `DELETE /_admin/requests` | — | 204; empties that log |
//! | `POST /_admin/reset` | — | the state after reset |
//! | `GET /_admin/clock` | — | `{now}` |
//! | `POST /_admin/clock/advance` | `{days?, hours?, minutes?, seconds?}` | `{now}` |
//! | `GET /_admin/faults` | — | `[{id, kind, ..., remaining, fired}]` |
//! | `POST /_admin/faults` | a [`FaultSpec`]: `{kind, ms?, status?, retryAfter?, message?, path?, method?, orderType?, count?}` | `{id}` |
//! | `DELETE /_admin/faults` / `DELETE /_admin/faults/{id}` | — | 204 |
//! | `POST /_admin/rate-limit` | `{perSecond: n \| null}` (null or 0 = off) | `{rateLimitPerSecond}` |
//! | `POST /_admin/latency` | `{ms}` added to every provider request | `{ms}` |
//!
//! Each provider's own operations live under `/_admin/<provider id>/…` and are listed in its
//! module: eSIM Go's (`/_admin/esimgo/orders`, `balance`, `consume`, `profile-status`),
//! Telness's (`/_admin/telness/orders`, `subscriptions`, `fulfilment`, `consume`, ...) and
//! Truphone's (`/_admin/truphone/orders`, `sims`, `subscriptions`, `fulfilment`, `tokens`,
//! `consume`, ...) and ITT's (`/_admin/itt/bookings`, `quotes`, `topups`, `fulfilment`,
//! `balance`, `consume`, `searches/expire`, ...).
//!
//! Fault kinds: `latency` (`ms`), `status` (`status`, default 503; `Retry-After: 1` for 429/503
//! unless `retryAfter`; the body in that provider's error shape), `malformedJson` (handled, then
//! half the body), `drop` (connection closed, request not handled), `dropAfterCommit` (handled;
//! if it changed state — eSIM Go's `POST /orders` transaction, apply, refund, revoke, top-up;
//! Telness's create order, add line, submit, cancel order or subscription; Truphone's create
//! order and activate subscription; ITT's create-booking, create-topup-booking and
//! update-travellers — the connection is closed without a response). `path` is
//! a prefix of the request path (e.g. `/v2.4/orders`), `method` is case-insensitive, `count` is
//! how many times it fires (absent: until removed). `orderType` (`validate` or `transaction`)
//! limits a fault to `POST /v2.4/orders` requests whose JSON body has that `type`: the dry run
//! and the purchase share method and path.

use std::time::Duration;

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use std::collections::VecDeque;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::app::{AppState, lock};
use crate::clock::rfc3339;
use crate::esimgo::StrictJson;
use crate::faults::{ActiveFault, FaultSpec};

pub const PREFIX: &str = "/_admin";

/// Provider requests kept in the request log (the oldest go first): enough for any test, and
/// bounded for a sandbox left running in demo mode.
pub const REQUEST_LOG_LIMIT: usize = 10_000;

/// One provider request as the sandbox received it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[derive(Default)]
pub struct RequestRecord {
    /// 1, 2, 3, ... since start (or the last reset), also across log trimming.
    pub seq: u64,
    /// The simulated provider that received it (`esimgo`, `telness`).
    pub provider: String,
    pub method: String,
    /// Path as the client sent it, e.g. `/v2.4/orders`.
    pub path: String,
    /// Raw query string, empty when none.
    pub query: String,
    /// `validate` or `transaction` for a `POST /v2.4/orders` whose body says so.
    pub order_type: Option<String>,
    /// The `X-Idempotency-Key` header as sent (Telness), when present.
    pub idempotency_key: Option<String>,
    /// The `X-Correlation-ID` header as sent (Truphone), when present.
    pub correlation_id: Option<String>,
    /// The status sent; `None` while in flight or when the connection was dropped unanswered.
    pub status: Option<u16>,
}

/// The request log behind [`Admin::requests`].
#[derive(Debug, Default)]
pub struct RequestLog {
    next_seq: u64,
    entries: VecDeque<RequestRecord>,
}

impl RequestLog {
    /// Records a request as it arrives (its `seq` and `status` are set here); returns its
    /// `seq` for [`RequestLog::finish`].
    pub fn start(&mut self, record: RequestRecord) -> u64 {
        self.next_seq += 1;
        if self.entries.len() >= REQUEST_LOG_LIMIT {
            self.entries.pop_front();
        }
        self.entries.push_back(RequestRecord {
            seq: self.next_seq,
            status: None,
            ..record
        });
        self.next_seq
    }

    /// Notes the status answered to request `seq`.
    pub fn finish(&mut self, seq: u64, status: u16) {
        if let Some(r) = self.entries.iter_mut().rev().find(|r| r.seq == seq) {
            r.status = Some(status);
        }
    }

    pub fn list(&self) -> Vec<RequestRecord> {
        self.entries.iter().cloned().collect()
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Empties the log and starts counting from 1 again.
    pub fn reset(&mut self) {
        *self = Self::default();
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AdminError {
    #[error("unknown ICCID {0}")]
    UnknownIccid(String),
    #[error("{0}")]
    Invalid(String),
    #[error("no fault with id {0}")]
    UnknownFault(u64),
    #[error("unknown order {0}")]
    UnknownOrder(String),
    #[error("unknown subscription {0}")]
    UnknownSubscription(String),
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        let status = match self {
            AdminError::UnknownIccid(_)
            | AdminError::UnknownFault(_)
            | AdminError::UnknownOrder(_)
            | AdminError::UnknownSubscription(_) => StatusCode::NOT_FOUND,
            AdminError::Invalid(_) => StatusCode::BAD_REQUEST,
        };
        (status, Json(json!({"message": self.to_string()}))).into_response()
    }
}

/// In-process admin handle (cheap to clone).
#[derive(Debug, Clone)]
pub struct Admin {
    shared: AppState,
}

impl Admin {
    pub(crate) fn new(shared: AppState) -> Self {
        Self { shared }
    }

    /// The shared state, for the providers' own admin operations.
    pub(crate) fn shared(&self) -> &AppState {
        &self.shared
    }

    /// The sandbox clock.
    pub fn now(&self) -> OffsetDateTime {
        self.shared.clock.now()
    }

    /// Moves the sandbox clock forward; lifecycles follow on the next look.
    pub fn advance_clock(&self, by: Duration) -> OffsetDateTime {
        self.shared.clock.advance(by);
        self.now()
    }

    pub fn add_fault(&self, spec: FaultSpec) -> Result<u64, AdminError> {
        spec.check().map_err(AdminError::Invalid)?;
        Ok(lock(&self.shared.faults).add(spec))
    }

    pub fn remove_fault(&self, id: u64) -> Result<(), AdminError> {
        if lock(&self.shared.faults).remove(id) {
            Ok(())
        } else {
            Err(AdminError::UnknownFault(id))
        }
    }

    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    pub fn faults(&self) -> Vec<ActiveFault> {
        lock(&self.shared.faults).list()
    }

    /// Requests per second per client; `None` or `Some(0)` switches enforcement off.
    pub fn set_rate_limit(&self, per_second: Option<u32>) {
        lock(&self.shared.limiter).set_limit(per_second);
    }

    /// Latency added to every provider request.
    pub fn set_base_latency(&self, latency: Duration) {
        *lock(&self.shared.base_latency) = latency;
    }

    /// Back to the state right after start: every provider's state as configured (no orders,
    /// eSIMs, subscriptions or inventory, opening balance), clock at its start, the configured
    /// faults, rate limit and latency, an empty request log.
    pub fn reset(&self) {
        for provider in self.shared.providers.all() {
            provider.reset();
        }
        {
            let mut faults = lock(&self.shared.faults);
            faults.clear();
            for spec in &self.shared.config.faults {
                faults.add(spec.clone());
            }
        }
        lock(&self.shared.limiter).set_limit(self.shared.config.rate_limit_per_second);
        *lock(&self.shared.base_latency) = self.shared.config.base_latency;
        lock(&self.shared.requests).reset();
        self.shared.clock.reset();
    }

    /// The last 10,000 provider requests (`REQUEST_LOG_LIMIT`; admin calls are not logged),
    /// oldest first, with the status answered.
    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.shared.requests).list()
    }

    /// Empties the request log (sequence numbers carry on).
    pub fn clear_requests(&self) {
        lock(&self.shared.requests).clear();
    }

    /// A summary of the state, as `GET /_admin/state` answers.
    pub fn summary(&self) -> Value {
        let now = self.now();
        let rate_limit = lock(&self.shared.limiter).limit();
        let mut summary = json!({
            "now": rfc3339(now),
            "rateLimitPerSecond": rate_limit,
            "faults": lock(&self.shared.faults).list(),
        });
        if let Some(map) = summary.as_object_mut() {
            for provider in self.shared.providers.all() {
                map.insert(provider.id().to_owned(), provider.summary(now));
            }
        }
        summary
    }
}

// ------------------------------------------------------------------ HTTP

pub fn router(app: AppState) -> Router<AppState> {
    let mut routes = Router::new()
        .route("/state", get(state))
        .route("/requests", get(list_requests).delete(clear_requests))
        .route("/reset", post(reset))
        .route("/clock", get(clock))
        .route("/clock/advance", post(advance))
        .route(
            "/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/faults/{id}", delete(remove_fault))
        .route("/rate-limit", post(rate_limit))
        .route("/latency", post(latency));
    for provider in app.providers.all() {
        let path = format!("/{}", provider.id());
        routes = routes.nest(&path, provider.admin_router());
    }
    let routes = routes.layer(middleware::from_fn_with_state(app, check_token));
    Router::new().nest(PREFIX, routes)
}

async fn check_token(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let ok = req
        .headers()
        .get("x-admin-token")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t == app.admin_token);
    if ok {
        next.run(req).await
    } else {
        (
            StatusCode::UNAUTHORIZED,
            Json(json!({"message": "X-Admin-Token missing or wrong"})),
        )
            .into_response()
    }
}

fn admin(app: &AppState) -> Admin {
    Admin::new(std::sync::Arc::clone(app))
}

async fn state(State(app): State<AppState>) -> Json<Value> {
    Json(admin(&app).summary())
}

async fn list_requests(State(app): State<AppState>) -> Json<Vec<RequestRecord>> {
    Json(admin(&app).requests())
}

async fn clear_requests(State(app): State<AppState>) -> StatusCode {
    admin(&app).clear_requests();
    StatusCode::NO_CONTENT
}

async fn reset(State(app): State<AppState>) -> Json<Value> {
    let a = admin(&app);
    a.reset();
    Json(a.summary())
}

async fn clock(State(app): State<AppState>) -> Json<Value> {
    Json(json!({"now": rfc3339(app.clock.now())}))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AdvanceBody {
    #[serde(default)]
    seconds: u64,
    #[serde(default)]
    minutes: u64,
    #[serde(default)]
    hours: u64,
    #[serde(default)]
    days: u64,
}

async fn advance(
    State(app): State<AppState>,
    StrictJson(body): StrictJson<AdvanceBody>,
) -> Result<Json<Value>, AdminError> {
    let total = body
        .days
        .checked_mul(86_400)
        .and_then(|d| d.checked_add(body.hours.checked_mul(3_600)?))
        .and_then(|d| d.checked_add(body.minutes.checked_mul(60)?))
        .and_then(|d| d.checked_add(body.seconds))
        .filter(|&s| s <= 100 * 365 * 86_400)
        .ok_or_else(|| AdminError::Invalid("advance by at most 100 years".to_owned()))?;
    let now = admin(&app).advance_clock(Duration::from_secs(total));
    Ok(Json(json!({"now": rfc3339(now)})))
}

async fn list_faults(State(app): State<AppState>) -> Json<Vec<ActiveFault>> {
    Json(admin(&app).faults())
}

async fn add_fault(
    State(app): State<AppState>,
    StrictJson(spec): StrictJson<FaultSpec>,
) -> Result<Json<Value>, AdminError> {
    let id = admin(&app).add_fault(spec)?;
    Ok(Json(json!({"id": id})))
}

async fn clear_faults(State(app): State<AppState>) -> StatusCode {
    admin(&app).clear_faults();
    StatusCode::NO_CONTENT
}

async fn remove_fault(
    State(app): State<AppState>,
    Path(id): Path<u64>,
) -> Result<StatusCode, AdminError> {
    admin(&app).remove_fault(id)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RateLimitBody {
    per_second: Option<u32>,
}

async fn rate_limit(
    State(app): State<AppState>,
    StrictJson(body): StrictJson<RateLimitBody>,
) -> Json<Value> {
    admin(&app).set_rate_limit(body.per_second);
    Json(json!({"rateLimitPerSecond": lock(&app.limiter).limit()}))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LatencyBody {
    ms: u64,
}

async fn latency(
    State(app): State<AppState>,
    StrictJson(body): StrictJson<LatencyBody>,
) -> Result<Json<Value>, AdminError> {
    if body.ms > 600_000 {
        return Err(AdminError::Invalid(
            "latency is at most 600000 ms".to_owned(),
        ));
    }
    admin(&app).set_base_latency(Duration::from_millis(body.ms));
    Ok(Json(json!({"ms": body.ms})))
}
