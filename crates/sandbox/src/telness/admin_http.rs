//! Telness's part of the admin HTTP API, under `/_admin/telness` (the same operations as
//! [`super::admin::TelnessAdmin`]):
//!
//! | method and path | body | answer |
//! |---|---|---|
//! | `GET /_admin/telness/orders` | — | `[{orderId, state, customerId, lines:[{lineItemId, type, productOfferingId, parentLineItemId?, subscriptionId?}], total, currency, paymentReference, created, submitted, completed, subscriptions:[id]}]`: every order, answered or not, oldest first |
//! | `GET /_admin/telness/subscriptions` | — | `[{subscriptionId, referenceId, status, iccid, activationCode, customerId, orderId, packages:[{addonId, productOfferingId, orderId, state, topUp, limitBytes, remainingBytes, activated, expires}]}]` |
//! | `GET /_admin/telness/fulfilment` | — | `{processingMs, completionMs, outcome}` |
//! | `POST /_admin/telness/fulfilment` | `{processingMs?, completionMs?, outcome?}` (`complete`, `stayProcessing`, `cancel`) | the same, for orders submitted from now on |
//! | `POST /_admin/telness/orders/{orderId}/outcome` | `{outcome}` | `{orderId, outcome}`: how that submitted order ends |
//! | `POST /_admin/telness/subscriptions/{id}/reference` | `{referenceId}` | `{subscriptionId, referenceId}`: makes it addressable as `rid_<referenceId>` |
//! | `POST /_admin/telness/consume` | `{subscription, bytes}` or `{subscription, mb}` (1 MB = 1024² bytes); `subscription` is an id, `rid_<referenceId>` or an ICCID | `{consumedBytes}` |

use std::time::Duration;

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::admin::{TelnessAdmin, TelnessOrderRecord, TelnessSubscriptionRecord, fulfilment_json};
use super::config::TelnessOutcome;
use crate::admin::AdminError;
use crate::app::AppState;
use crate::esimgo::StrictJson;

/// Routes under `/_admin/telness`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/orders", get(list_orders))
        .route("/orders/{id}/outcome", post(order_outcome))
        .route("/subscriptions", get(list_subscriptions))
        .route("/subscriptions/{id}/reference", post(set_reference))
        .route("/fulfilment", get(get_fulfilment).post(set_fulfilment))
        .route("/consume", post(consume))
}

fn telness(app: &AppState) -> TelnessAdmin {
    TelnessAdmin::from_shared(app)
}

async fn list_orders(State(app): State<AppState>) -> Json<Vec<TelnessOrderRecord>> {
    Json(telness(&app).orders())
}

async fn list_subscriptions(State(app): State<AppState>) -> Json<Vec<TelnessSubscriptionRecord>> {
    Json(telness(&app).subscriptions())
}

async fn get_fulfilment(State(app): State<AppState>) -> Json<Value> {
    Json(fulfilment_json(telness(&app).fulfilment()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct FulfilmentBody {
    #[serde(default)]
    processing_ms: Option<u64>,
    #[serde(default)]
    completion_ms: Option<u64>,
    #[serde(default)]
    outcome: Option<TelnessOutcome>,
}

async fn set_fulfilment(
    State(app): State<AppState>,
    StrictJson(body): StrictJson<FulfilmentBody>,
) -> Json<Value> {
    let admin = telness(&app);
    let mut f = admin.fulfilment();
    if let Some(ms) = body.processing_ms {
        f.processing_after = Duration::from_millis(ms);
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
    outcome: TelnessOutcome,
}

async fn order_outcome(
    State(app): State<AppState>,
    Path(id): Path<String>,
    StrictJson(body): StrictJson<OutcomeBody>,
) -> Result<Json<Value>, AdminError> {
    telness(&app).set_order_outcome(&id, body.outcome)?;
    Ok(Json(json!({"orderId": id, "outcome": body.outcome})))
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
    let used = telness(&app).consume(&body.subscription, bytes)?;
    Ok(Json(json!({"consumedBytes": used})))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ReferenceBody {
    reference_id: String,
}

async fn set_reference(
    State(app): State<AppState>,
    Path(id): Path<String>,
    StrictJson(body): StrictJson<ReferenceBody>,
) -> Result<Json<Value>, AdminError> {
    telness(&app).set_reference(&id, &body.reference_id)?;
    Ok(Json(
        json!({"subscriptionId": id, "referenceId": body.reference_id}),
    ))
}
