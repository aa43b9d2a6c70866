//! ITT's part of the admin HTTP API, under `/_admin/itt` (the same operations as
//! [`super::admin::IttAdmin`]):
//!
//! | method and path | body | answer |
//! |---|---|---|
//! | `GET /_admin/itt/quotes` | — | `[{trackingId, searchTrackingId, packageId, price, passengers, bookingId, created}]` |
//! | `GET /_admin/itt/bookings` | — | `[{bookingId, trackingId, searchTrackingId, packageId, title, status, quantity, totalPrice, currency, email, passengers, iccids, activationCodes, failure, created, ended}]`: every booking, answered or not, oldest first |
//! | `POST /_admin/itt/bookings/{id}/outcome` | `{outcome}` (`confirm`, `fail`, `never`); `id` a booking id or booking tracking id | `{id, outcome}` |
//! | `GET /_admin/itt/topups` | — | `[{bookingId, trackingId, iccid, packageId, totalPrice, currency, created}]` |
//! | `GET /_admin/itt/webhooks` | — | `[{supplierCode, supplierUid, notificationType, webhookUrl, registered}]` |
//! | `GET /_admin/itt/fulfilment` | — | `{pendingMs, outcome}` |
//! | `POST /_admin/itt/fulfilment` | `{pendingMs?, outcome?}` (`confirm`, `fail`, `never`, `insufficientBalance`) | the same, for bookings created from now on |
//! | `GET /_admin/itt/balance` | — | `{balance, currency}` (`balance` a decimal string) |
//! | `POST /_admin/itt/balance` | `{balance}` (decimal string, e.g. `"10.00"`) | `{balance, currency}` |
//! | `POST /_admin/itt/consume` | `{iccid, mb}` (1 MB = 1024² bytes) | `{consumedMb}` |
//! | `POST /_admin/itt/searches/expire` | — | `{expired}`: every search tracking id expires now |
//! | `POST /_admin/itt/search-lifetime` | `{seconds}` | `{seconds}` |

use std::time::Duration;

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::admin::{IttAdmin, IttBookingRecord, IttQuoteRecord, IttTopupRecord, fulfilment_json};
use super::config::{CURRENCY, IttOutcome};
use super::state::IttWebhookRecord;
use super::views::amount;
use crate::admin::AdminError;
use crate::app::AppState;
use crate::esimgo::StrictJson;
use crate::money::parse_cents;

/// Routes under `/_admin/itt`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/quotes", get(list_quotes))
        .route("/bookings", get(list_bookings))
        .route("/bookings/{id}/outcome", post(booking_outcome))
        .route("/topups", get(list_topups))
        .route("/webhooks", get(list_webhooks))
        .route("/fulfilment", get(get_fulfilment).post(set_fulfilment))
        .route("/balance", get(get_balance).post(set_balance))
        .route("/consume", post(consume))
        .route("/searches/expire", post(expire_searches))
        .route("/search-lifetime", post(search_lifetime))
}

fn itt(app: &AppState) -> IttAdmin {
    IttAdmin::from_shared(app)
}

async fn list_quotes(State(app): State<AppState>) -> Json<Vec<IttQuoteRecord>> {
    Json(itt(&app).quotes())
}

async fn list_bookings(State(app): State<AppState>) -> Json<Vec<IttBookingRecord>> {
    Json(itt(&app).bookings())
}

async fn list_topups(State(app): State<AppState>) -> Json<Vec<IttTopupRecord>> {
    Json(itt(&app).topups())
}

async fn list_webhooks(State(app): State<AppState>) -> Json<Vec<IttWebhookRecord>> {
    Json(itt(&app).webhooks())
}

async fn get_fulfilment(State(app): State<AppState>) -> Json<Value> {
    Json(fulfilment_json(itt(&app).fulfilment()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct FulfilmentBody {
    #[serde(default)]
    pending_ms: Option<u64>,
    #[serde(default)]
    outcome: Option<IttOutcome>,
}

async fn set_fulfilment(
    State(app): State<AppState>,
    StrictJson(body): StrictJson<FulfilmentBody>,
) -> Json<Value> {
    let admin = itt(&app);
    let mut f = admin.fulfilment();
    if let Some(ms) = body.pending_ms {
        f.pending_for = Duration::from_millis(ms);
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
    outcome: IttOutcome,
}

async fn booking_outcome(
    State(app): State<AppState>,
    Path(id): Path<String>,
    StrictJson(body): StrictJson<OutcomeBody>,
) -> Result<Json<Value>, AdminError> {
    itt(&app).set_booking_outcome(&id, body.outcome)?;
    Ok(Json(json!({"id": id, "outcome": body.outcome})))
}

fn balance_json(cents: i64) -> Value {
    json!({"balance": amount(cents), "currency": CURRENCY})
}

async fn get_balance(State(app): State<AppState>) -> Json<Value> {
    Json(balance_json(itt(&app).balance_cents()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BalanceBody {
    balance: String,
}

async fn set_balance(
    State(app): State<AppState>,
    StrictJson(body): StrictJson<BalanceBody>,
) -> Result<Json<Value>, AdminError> {
    let cents = parse_cents(&body.balance).map_err(|e| AdminError::Invalid(e.to_string()))?;
    let admin = itt(&app);
    admin.set_balance_cents(cents)?;
    Ok(Json(balance_json(admin.balance_cents())))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsumeBody {
    iccid: String,
    mb: u64,
}

async fn consume(
    State(app): State<AppState>,
    StrictJson(body): StrictJson<ConsumeBody>,
) -> Result<Json<Value>, AdminError> {
    let used = itt(&app).consume(&body.iccid, body.mb)?;
    Ok(Json(json!({"consumedMb": used})))
}

async fn expire_searches(State(app): State<AppState>) -> Json<Value> {
    Json(json!({"expired": itt(&app).expire_searches()}))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LifetimeBody {
    seconds: u64,
}

async fn search_lifetime(
    State(app): State<AppState>,
    StrictJson(body): StrictJson<LifetimeBody>,
) -> Result<Json<Value>, AdminError> {
    itt(&app).set_search_lifetime(Duration::from_secs(body.seconds))?;
    Ok(Json(json!({"seconds": body.seconds})))
}
