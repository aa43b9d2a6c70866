//! Control of a running sandbox that no real provider API has: the sandbox clock, data use,
//! balance, profile status, faults, rate limit, reset. Available in-process ([`Admin`]) and over
//! HTTP under `/_admin` with the header `X-Admin-Token: <token>` (401 without it). Bodies are
//! JSON and parsed strictly (unknown fields → 400).
//!
//! | method and path | body | answer |
//! |---|---|---|
//! | `GET /_admin/state` | — | `{now, rateLimitPerSecond, faults, esimgo:{balance, currency, catalogueSize, orders, esims, assignments, inventoryItems}}` |
//! | `GET /_admin/requests` | — | `[{seq, method, path, query, orderType, status}]`: the last [`REQUEST_LOG_LIMIT`] provider requests, oldest first; `status` is `null` when no response was sent (a dropped connection) |
//! | `DELETE /_admin/requests` | — | 204; empties that log |
//! | `GET /_admin/esimgo/orders` | — | `[{reference, created, total, assigned, lines:[{type, item, quantity, esims:[{iccid, customerRef}]}]}]`: every order eSIM Go recorded, answered or not, oldest first |
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
use std::collections::VecDeque;

use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::app::{AppState, lock};
use crate::clock::rfc3339;
use crate::esimgo::StrictJson;
use crate::esimgo::model::ProfileStatus;
use crate::faults::{ActiveFault, FaultSpec};
use crate::money::{Major, parse_cents};

pub const PREFIX: &str = "/_admin";

/// Provider requests kept in the request log (the oldest go first): enough for any test, and
/// bounded for a sandbox left running in demo mode.
pub const REQUEST_LOG_LIMIT: usize = 10_000;

/// One provider request as the sandbox received it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestRecord {
    /// 1, 2, 3, ... since start (or the last reset), also across log trimming.
    pub seq: u64,
    pub method: String,
    /// Path as the client sent it, e.g. `/v2.4/orders`.
    pub path: String,
    /// Raw query string, empty when none.
    pub query: String,
    /// `validate` or `transaction` for a `POST /v2.4/orders` whose body says so.
    pub order_type: Option<String>,
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
    /// Records a request as it arrives; returns its `seq` for [`RequestLog::finish`].
    pub fn start(
        &mut self,
        method: String,
        path: String,
        query: String,
        order_type: Option<String>,
    ) -> u64 {
        self.next_seq += 1;
        if self.entries.len() >= REQUEST_LOG_LIMIT {
            self.entries.pop_front();
        }
        self.entries.push_back(RequestRecord {
            seq: self.next_seq,
            method,
            path,
            query,
            order_type,
            status: None,
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

/// An order as the simulated eSIM Go recorded it (whether or not its reply reached the client).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordedOrder {
    /// `orderReference`.
    pub reference: String,
    #[serde(serialize_with = "ser_time")]
    pub created: OffsetDateTime,
    /// What was charged, in cents (`total` in major units over HTTP).
    #[serde(rename = "total", serialize_with = "ser_cents")]
    pub total_cents: i64,
    /// `assign: true` (bundles on eSIMs) rather than to inventory.
    pub assigned: bool,
    pub lines: Vec<RecordedLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordedLine {
    /// `bundle` (a purchase) or `bundleAssignment` (an apply from inventory).
    #[serde(rename = "type")]
    pub kind: String,
    /// Bundle name (an apply reference for `bundleAssignment`).
    pub item: String,
    pub quantity: u32,
    /// The eSIMs the line's bundles went on, in order; empty for bundles put into inventory.
    pub esims: Vec<RecordedEsim>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordedEsim {
    pub iccid: String,
    /// The eSIM's `customerRef` now (empty when none was set).
    pub customer_ref: String,
}

fn ser_time<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(*t))
}

fn ser_cents<S: Serializer>(cents: &i64, s: S) -> Result<S::Ok, S::Error> {
    Major(*cents).serialize(s)
}

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

    /// Every order eSIM Go recorded, oldest first: transactions (including those whose reply a
    /// fault dropped) and applies, with their lines, eSIMs and each eSIM's `customerRef`.
    pub fn orders(&self) -> Vec<RecordedOrder> {
        let st = lock(&self.shared.esimgo);
        st.orders
            .iter()
            .map(|o| RecordedOrder {
                reference: o.reference.clone(),
                created: o.created,
                total_cents: o.total_cents,
                assigned: o.assigned,
                lines: o
                    .lines
                    .iter()
                    .map(|l| RecordedLine {
                        kind: l.kind.wire().to_owned(),
                        item: l.item.clone(),
                        quantity: l.quantity,
                        esims: l
                            .esims
                            .iter()
                            .filter_map(|&e| st.esims.get(e))
                            .map(|e| RecordedEsim {
                                iccid: e.iccid.clone(),
                                customer_ref: e.customer_ref.clone(),
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect()
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
        .route("/requests", get(list_requests).delete(clear_requests))
        .route("/esimgo/orders", get(list_orders))
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

async fn list_requests(State(app): State<AppState>) -> Json<Vec<RequestRecord>> {
    Json(admin(&app).requests())
}

async fn clear_requests(State(app): State<AppState>) -> StatusCode {
    admin(&app).clear_requests();
    StatusCode::NO_CONTENT
}

async fn list_orders(State(app): State<AppState>) -> Json<Vec<RecordedOrder>> {
    Json(admin(&app).orders())
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
