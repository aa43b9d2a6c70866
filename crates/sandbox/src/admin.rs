//! Control of a running sandbox that no real provider API has: the sandbox clock, data use,
//! balance, profile status, faults, rate limit, reset. Available in-process ([`Admin`]) and over
//! HTTP under `/_admin` with the header `X-Admin-Token: <token>` (401 without it). Bodies are
//! JSON and parsed strictly (unknown fields → 400).
//!
//! | method and path | body | answer |
//! |---|---|---|
//! | `GET /_admin/state` | — | `{now, rateLimitPerSecond, faults, esimgo:{balance, currency, catalogueSize, orders, esims, assignments, inventoryItems}}` |
//! | `POST /_admin/reset` | — | the state after reset |
//! | `GET /_admin/clock` | — | `{now}` |
//! | `POST /_admin/clock/advance` | `{days?, hours?, minutes?, seconds?}` | `{now}` |
//! | `GET /_admin/faults` | — | `[{id, kind, ..., remaining, fired}]` |
//! | `POST /_admin/faults` | a [`FaultSpec`]: `{kind, ms?, status?, retryAfter?, message?, path?, method?, orderType?, count?}` | `{id}` |
//! | `DELETE /_admin/faults` / `DELETE /_admin/faults/{id}` | — | 204 |
//! | `POST /_admin/rate-limit` | `{perSecond: n \| null}` (null or 0 = off) | `{rateLimitPerSecond}` |
//! | `POST /_admin/latency` | `{ms}` added to every provider request | `{ms}` |
//! | `POST /_admin/esimgo/balance` | `{balance: 245.37 \| "245.37"}` (USD) | `{balance}` |
//! | `POST /_admin/esimgo/consume` | `{iccid, bytes}` or `{iccid, mb}` | `{consumedBytes}` |
//! | `POST /_admin/esimgo/profile-status` | `{iccid, profileStatus}` (`Released`, `Installed`, `Deactivated`, ...) | echo |
//!
//! Fault kinds: `latency` (`ms`), `status` (`status`, default 503; `Retry-After: 1` for 429/503
//! unless `retryAfter`), `malformedJson` (handled, then half the body), `drop` (connection
//! closed, request not handled), `dropAfterCommit` (handled; if it changed state — a
//! `POST /orders` transaction, apply, refund, revoke, top-up — the connection is closed without
//! a response). `path` is a prefix of the request path (e.g. `/v2.4/orders`), `method` is
//! case-insensitive, `count` is how many times it fires (absent: until removed). `orderType`
//! (`validate` or `transaction`) limits a fault to `POST /v2.4/orders` requests whose JSON body
//! has that `type`: the dry run and the purchase share method and path.

use std::time::Duration;

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::app::{AppState, lock};
use crate::clock::rfc3339;
use crate::esimgo::StrictJson;
use crate::esimgo::model::ProfileStatus;
use crate::faults::{ActiveFault, FaultSpec};
use crate::money::{Major, parse_cents};

pub const PREFIX: &str = "/_admin";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AdminError {
    #[error("unknown ICCID {0}")]
    UnknownIccid(String),
    #[error("{0}")]
    Invalid(String),
    #[error("no fault with id {0}")]
    UnknownFault(u64),
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        let status = match self {
            AdminError::UnknownIccid(_) | AdminError::UnknownFault(_) => StatusCode::NOT_FOUND,
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

    /// The sandbox clock.
    pub fn now(&self) -> OffsetDateTime {
        self.shared.clock.now()
    }

    /// Moves the sandbox clock forward; lifecycles follow on the next look.
    pub fn advance_clock(&self, by: Duration) -> OffsetDateTime {
        self.shared.clock.advance(by);
        self.now()
    }

    pub fn balance_cents(&self) -> i64 {
        lock(&self.shared.esimgo).balance_cents
    }

    pub fn set_balance_cents(&self, cents: i64) {
        lock(&self.shared.esimgo).balance_cents = cents;
    }

    /// Uses `bytes` of data on the eSIM now (starting a queued bundle if none is active).
    pub fn consume(&self, iccid: &str, bytes: u64) -> Result<u64, AdminError> {
        let now = self.now();
        let mut st = lock(&self.shared.esimgo);
        let e = st
            .esim_index(iccid)
            .map_err(|_| AdminError::UnknownIccid(iccid.to_owned()))?;
        st.consume(e, bytes, now).map_err(AdminError::Invalid)
    }

    /// Sets an eSIM's `profileStatus` (`Released`, `Downloaded`, `Installed`, `Unavailable`,
    /// `Deactivated`).
    pub fn set_profile_status(&self, iccid: &str, status: &str) -> Result<(), AdminError> {
        let status = ProfileStatus::parse(status)
            .ok_or_else(|| AdminError::Invalid(format!("unknown profile status {status:?}")))?;
        let now = self.now();
        let mut st = lock(&self.shared.esimgo);
        let e = st
            .esim_index(iccid)
            .map_err(|_| AdminError::UnknownIccid(iccid.to_owned()))?;
        st.sync_esim(e, now);
        if let Some(esim) = st.esims.get_mut(e) {
            esim.profile_status = status;
            if status == ProfileStatus::Installed && esim.first_installed.is_none() {
                esim.first_installed = Some(now);
            }
        }
        Ok(())
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

    /// Back to the state right after start: no orders, eSIMs or inventory, opening balance,
    /// clock at its start, the configured faults, rate limit and latency.
    pub fn reset(&self) {
        lock(&self.shared.esimgo).reset();
        {
            let mut faults = lock(&self.shared.faults);
            faults.clear();
            for spec in &self.shared.config.faults {
                faults.add(spec.clone());
            }
        }
        lock(&self.shared.limiter).set_limit(self.shared.config.rate_limit_per_second);
        *lock(&self.shared.base_latency) = self.shared.config.base_latency;
        self.shared.clock.reset();
    }

    /// References of every order (transactions and applies), oldest first.
    pub fn order_references(&self) -> Vec<String> {
        lock(&self.shared.esimgo)
            .orders
            .iter()
            .map(|o| o.reference.clone())
            .collect()
    }

    /// ICCIDs of every eSIM, oldest first.
    pub fn iccids(&self) -> Vec<String> {
        lock(&self.shared.esimgo)
            .esims
            .iter()
            .map(|e| e.iccid.clone())
            .collect()
    }

    /// A summary of the state, as `GET /_admin/state` answers.
    pub fn summary(&self) -> Value {
        let st = lock(&self.shared.esimgo);
        let rate_limit = lock(&self.shared.limiter).limit();
        json!({
            "now": rfc3339(self.now()),
            "rateLimitPerSecond": rate_limit,
            "faults": lock(&self.shared.faults).list(),
            "esimgo": {
                "balance": Major(st.balance_cents),
                "currency": crate::esimgo::state::CURRENCY,
                "catalogueSize": st.catalogue.len(),
                "orders": st.orders.len(),
                "esims": st.esims.len(),
                "assignments": st.assignments.len(),
                "inventoryItems": st.inventory.len(),
            }
        })
    }
}

// ------------------------------------------------------------------ HTTP

pub fn router(app: AppState) -> Router<AppState> {
    let routes = Router::new()
        .route("/state", get(state))
        .route("/reset", post(reset))
        .route("/clock", get(clock))
        .route("/clock/advance", post(advance))
        .route(
            "/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/faults/{id}", delete(remove_fault))
        .route("/rate-limit", post(rate_limit))
        .route("/latency", post(latency))
        .route("/esimgo/balance", post(balance))
        .route("/esimgo/consume", post(consume))
        .route("/esimgo/profile-status", post(profile_status))
        .layer(middleware::from_fn_with_state(app, check_token));
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BalanceBody {
    /// A JSON number or a decimal string, in major units.
    balance: Value,
}

async fn balance(
    State(app): State<AppState>,
    StrictJson(body): StrictJson<BalanceBody>,
) -> Result<Json<Value>, AdminError> {
    let text = match &body.balance {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => {
            return Err(AdminError::Invalid(
                "balance must be a number or a decimal string".to_owned(),
            ));
        }
    };
    let cents = parse_cents(&text).map_err(|e| AdminError::Invalid(e.to_string()))?;
    admin(&app).set_balance_cents(cents);
    Ok(Json(json!({"balance": Major(cents)})))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsumeBody {
    iccid: String,
    #[serde(default)]
    bytes: Option<u64>,
    #[serde(default)]
    mb: Option<u64>,
}

async fn consume(
    State(app): State<AppState>,
    StrictJson(body): StrictJson<ConsumeBody>,
) -> Result<Json<Value>, AdminError> {
    let bytes = match (body.bytes, body.mb) {
        (Some(b), None) => b,
        (None, Some(mb)) => mb.saturating_mul(1_000_000),
        _ => {
            return Err(AdminError::Invalid(
                "give exactly one of bytes, mb".to_owned(),
            ));
        }
    };
    let used = admin(&app).consume(&body.iccid, bytes)?;
    Ok(Json(json!({"consumedBytes": used})))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ProfileStatusBody {
    iccid: String,
    profile_status: String,
}

async fn profile_status(
    State(app): State<AppState>,
    StrictJson(body): StrictJson<ProfileStatusBody>,
) -> Result<Json<Value>, AdminError> {
    admin(&app).set_profile_status(&body.iccid, &body.profile_status)?;
    Ok(Json(
        json!({"iccid": body.iccid, "profileStatus": body.profile_status}),
    ))
}
