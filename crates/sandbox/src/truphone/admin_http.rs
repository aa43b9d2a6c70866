//! Truphone's part of the admin HTTP API, under `/_admin/truphone` (the same operations as
//! [`super::admin::TruphoneAdmin`]):
//!
//! | method and path | body | answer |
//! |---|---|---|
//! | `GET /_admin/truphone/orders` | — | `[{orderId, correlationId, operationType, simType, status, productId, country, email, iccid, subscriptionId, activationCode, pushEid, soldPrice, soldCurrency, voucher, failure, created, ended}]`: every order, answered or not, oldest first |
//! | `GET /_admin/truphone/sims` | — | `[{iccid, simType, status, matchingId, activationCode, email, orderId, subscriptions:[id]}]` |
//! | `POST /_admin/truphone/sims/{iccid}/status` | `{status}` (`Released`, `Downloaded`, `Installed`, `Unavailable`) | `{iccid, status}` |
//! | `GET /_admin/truphone/subscriptions` | — | `[{subscriptionId, iccid, productId, orderId, status, initialBytes, currentBytes, created, activation, expiry}]` |
//! | `GET /_admin/truphone/fulfilment` | — | `{fulfillingMs, completionMs, outcome}` |
//! | `POST /_admin/truphone/fulfilment` | `{fulfillingMs?, completionMs?, outcome?}` (`complete`, `fail`, `never`) | the same, for orders created from now on |
//! | `POST /_admin/truphone/orders/{orderId}/outcome` | `{outcome}` | `{orderId, outcome}`: how that order ends |
//! | `POST /_admin/truphone/vouchers` | `{enabled}` | `{enabled}` |
//! | `GET /_admin/truphone/tokens` | — | `{issued, refreshed, live}` |
//! | `POST /_admin/truphone/tokens/expire` | — | 204: every access token ends now (refresh tokens still work) |
//! | `POST /_admin/truphone/tokens/revoke` | — | 204: every access and refresh token ends now |
//! | `POST /_admin/truphone/consume` | `{subscription, bytes}` or `{subscription, mb}` (1 MB = 1024² bytes); `subscription` is a subscription id or an ICCID | `{consumedBytes}` |

use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::admin::{
    TruphoneAdmin, TruphoneOrderRecord, TruphoneSimRecord, TruphoneSubscriptionRecord,
    TruphoneTokenStats, fulfilment_json,
};
use super::config::TruphoneOutcome;
use super::model::TruphoneSimStatus;
use crate::admin::AdminError;
use crate::app::AppState;
use crate::esimgo::StrictJson;

/// Routes under `/_admin/truphone`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/orders", get(list_orders))
        .route("/orders/{id}/outcome", post(order_outcome))
        .route("/sims", get(list_sims))
        .route("/sims/{iccid}/status", post(sim_status))
        .route("/subscriptions", get(list_subscriptions))
        .route("/fulfilment", get(get_fulfilment).post(set_fulfilment))
        .route("/vouchers", post(vouchers))
        .route("/tokens", get(tokens))
        .route("/tokens/expire", post(expire_tokens))
        .route("/tokens/revoke", post(revoke_tokens))
        .route("/consume", post(consume))
}

fn truphone(app: &AppState) -> TruphoneAdmin {
    TruphoneAdmin::from_shared(app)
}

async fn list_orders(State(app): State<AppState>) -> Json<Vec<TruphoneOrderRecord>> {
    Json(truphone(&app).orders())
}

async fn list_sims(State(app): State<AppState>) -> Json<Vec<TruphoneSimRecord>> {
    Json(truphone(&app).sims())
}

async fn list_subscriptions(State(app): State<AppState>) -> Json<Vec<TruphoneSubscriptionRecord>> {
    Json(truphone(&app).subscriptions())
}

async fn get_fulfilment(State(app): State<AppState>) -> Json<Value> {
    Json(fulfilment_json(truphone(&app).fulfilment()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct FulfilmentBody {
    #[serde(default)]
    fulfilling_ms: Option<u64>,
    #[serde(default)]
    completion_ms: Option<u64>,
    #[serde(default)]
    outcome: Option<TruphoneOutcome>,
}

async fn set_fulfilment(
    State(app): State<AppState>,
    StrictJson(body): StrictJson<FulfilmentBody>,
) -> Json<Value> {
    let admin = truphone(&app);
    let mut f = admin.fulfilment();
    if let Some(ms) = body.fulfilling_ms {
        f.fulfilling_after = Duration::from_millis(ms);
    }
    if let Some(ms) = body.completion_ms {
        f.completion_delay = Duration::from_millis(ms);
    }
    if let Some(o) = body.outcome {
        f.outcome = o;
    }
    admin.set_fulfilment(f);
    Json(fulfilment_json(f))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutcomeBody {
    outcome: TruphoneOutcome,
}

async fn order_outcome(
    State(app): State<AppState>,
    Path(id): Path<String>,
    StrictJson(body): StrictJson<OutcomeBody>,
) -> Result<Json<Value>, AdminError> {
    truphone(&app).set_order_outcome(&id, body.outcome)?;
    Ok(Json(json!({"orderId": id, "outcome": body.outcome})))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusBody {
    status: TruphoneSimStatus,
}

async fn sim_status(
    State(app): State<AppState>,
    Path(iccid): Path<String>,
    StrictJson(body): StrictJson<StatusBody>,
) -> Result<Json<Value>, AdminError> {
    truphone(&app).set_sim_status(&iccid, body.status)?;
    Ok(Json(json!({"iccid": iccid, "status": body.status})))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VouchersBody {
    enabled: bool,
}

async fn vouchers(
    State(app): State<AppState>,
    StrictJson(body): StrictJson<VouchersBody>,
) -> Json<Value> {
    truphone(&app).set_vouchers(body.enabled);
    Json(json!({"enabled": body.enabled}))
}

async fn tokens(State(app): State<AppState>) -> Json<TruphoneTokenStats> {
    Json(truphone(&app).tokens())
}

async fn expire_tokens(State(app): State<AppState>) -> StatusCode {
    truphone(&app).expire_tokens();
    StatusCode::NO_CONTENT
}

async fn revoke_tokens(State(app): State<AppState>) -> StatusCode {
    truphone(&app).revoke_tokens();
    StatusCode::NO_CONTENT
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsumeBody {
    subscription: String,
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
        (None, Some(mb)) => mb.saturating_mul(1024 * 1024),
        _ => {
            return Err(AdminError::Invalid(
                "give exactly one of bytes, mb".to_owned(),
            ));
        }
    };
    let used = truphone(&app).consume(&body.subscription, bytes)?;
    Ok(Json(json!({"consumedBytes": used})))
}
