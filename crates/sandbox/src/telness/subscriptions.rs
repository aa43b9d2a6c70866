//! Subscriptions (telness.md §9): `GET /subscriptions/{id}`, its eSIM QR code, its usage (and
//! the bulk usage read), and `POST /subscriptions/{id}/cancel`. A subscription is addressed by
//! its id or by the client's reference as `rid_<referenceId>`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde::Serialize;
use serde_json::{Value, json};
use std::sync::MutexGuard;
use time::OffsetDateTime;

use super::error::{Query, TelnessError, expect_no_body};
use super::model::{Subscription, SubscriptionStatus};
use super::state::Telness;
use super::wire::{Metadata, Subscriber};
use super::{Ctx, Done, mutate};
use crate::clock::{date, rfc3339};

/// How long a QR code's data stays valid (the reference: "sensitive and expires").
const QR_LIFETIME: time::Duration = time::Duration::days(7);
/// Host of the (fictitious) QR image URLs, as in the reference's example.
const QR_HOST: &str = "https://esim.sandbox-telness.example.com/qr";
/// Most subscriptions one bulk usage read takes.
const BULK_LIMIT: usize = 100;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SubscriptionView<'a> {
    subscription_id: &'a str,
    status: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    display: String,
    msisdn: &'a str,
    customer: Value,
    sim: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    activated_at: Option<String>,
    created_at: String,
    updated_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    cancelled_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reference_id: Option<&'a str>,
    product_offering: Value,
    subscriber: &'a Subscriber,
    extensions: Value,
    metadata: Metadata,
    /// The packages (assumed shape, §9.1 / open point 8).
    addons: Vec<AddonView<'a>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct AddonView<'a> {
    addon_id: &'a str,
    product_offering_id: &'a str,
    state: &'static str,
    data_mb: u64,
    validity_days: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    activated_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<String>,
}

/// `46731234567` → `+46 73 123 45 67`.
fn pretty_msisdn(msisdn: &str) -> String {
    let part = |r: std::ops::Range<usize>| msisdn.get(r).unwrap_or("");
    format!(
        "+{} {} {} {} {}",
        part(0..2),
        part(2..4),
        part(4..7),
        part(7..9),
        part(9..msisdn.len())
    )
}

impl Telness {
    fn subscription_view(&self, idx: usize) -> Result<Value, TelnessError> {
        let s = self.subscription(idx)?;
        let customer = self.customers.get(s.customer);
        let offering_name = self.offerings.get(&s.offering_id).map(|o| o.name.clone());
        let view = SubscriptionView {
            subscription_id: &s.id,
            status: s.status.wire(),
            kind: "TRAVEL_ESIM",
            display: pretty_msisdn(&s.msisdn),
            msisdn: &s.msisdn,
            customer: json!({
                "customerId": customer.map(|c| c.id.clone()),
                "name": customer.and_then(|c| c.name.clone()),
            }),
            sim: json!({ "esim": true, "iccid": s.iccid, "imei": null }),
            activated_at: s.activated_at.map(rfc3339),
            created_at: rfc3339(s.created_at),
            updated_at: rfc3339(s.updated_at),
            cancelled_at: s.cancelled_at.map(rfc3339),
            reference_id: s.reference_id.as_deref(),
            product_offering: json!({
                "productOfferingId": s.offering_id,
                "name": offering_name,
            }),
            subscriber: &s.subscriber,
            extensions: json!({}),
            metadata: s.metadata.clone().unwrap_or_default(),
            addons: s
                .packages
                .iter()
                .map(|p| AddonView {
                    addon_id: &p.addon_id,
                    product_offering_id: &p.offering_id,
                    state: p.state.wire(),
                    data_mb: p.data_mb,
                    validity_days: p.validity_days,
                    activated_at: p.activated_at.map(rfc3339),
                    expires_at: p.expires_at.map(rfc3339),
                })
                .collect(),
        };
        serde_json::to_value(view).map_err(|e| TelnessError::internal(e.to_string()))
    }
}

#[derive(Debug, Clone, Copy, Serialize)]
struct ByteCounts {
    remaining: u64,
    limit: u64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Period {
    start_date: String,
    end_date: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct UsageView {
    data_bytes: ByteCounts,
    topup_bytes: ByteCounts,
    call_count: u64,
    call_seconds: u64,
    sms_count: u64,
    period: Period,
    updated_at: String,
    /// The seed's shape (bytes), beside the reference's.
    data_used: u64,
    data_remaining: u64,
}

/// Usage (§9.4) in the reference's shape, plus the seed's `dataUsed`/`dataRemaining` in bytes
/// (open point 6). Plan data is the packages bought with the eSIM, top-up data those added
/// later; only packages not yet ended count.
fn usage_view(s: &Subscription, now: OffsetDateTime) -> UsageView {
    let current = || s.packages.iter().filter(|p| p.state.is_current());
    let sum = |top_up: bool| {
        current().filter(|p| p.top_up == top_up).fold(
            ByteCounts {
                remaining: 0,
                limit: 0,
            },
            |acc, p| ByteCounts {
                remaining: acc.remaining + p.remaining_bytes,
                limit: acc.limit + p.limit_bytes,
            },
        )
    };
    let (plan, topup) = (sum(false), sum(true));
    let remaining = plan.remaining + topup.remaining;
    let start = current()
        .filter_map(|p| p.activated_at)
        .min()
        .or(s.activated_at)
        .unwrap_or(s.created_at);
    // The last day any current package runs (a package not started yet: as if from now).
    let end = current()
        .map(|p| {
            p.expires_at
                .unwrap_or(now + time::Duration::days(i64::from(p.validity_days)))
        })
        .max()
        .map_or(start, |e| (e - time::Duration::SECOND).max(start));
    UsageView {
        data_bytes: plan,
        topup_bytes: topup,
        call_count: 0,
        call_seconds: 0,
        sms_count: 0,
        period: Period {
            start_date: date(start),
            end_date: date(end),
        },
        updated_at: rfc3339(now),
        data_used: (plan.limit + topup.limit).saturating_sub(remaining),
        data_remaining: remaining,
    }
}

/// Brings the state up to now and finds a subscription by its path segment.
fn settled<'a>(
    app: &'a Ctx,
    address: &str,
) -> Result<(OffsetDateTime, MutexGuard<'a, Telness>, usize), TelnessError> {
    let now = app.clock.now();
    let mut st = app.sim.lock();
    st.settle(now)?;
    let idx = st.subscription_index(address)?;
    Ok((now, st, idx))
}

/// `GET /subscriptions/{subscriptionId}`.
pub async fn one(
    State(app): State<Ctx>,
    Path(id): Path<String>,
) -> Result<Json<Value>, TelnessError> {
    let (_, st, idx) = settled(&app, &id)?;
    Ok(Json(st.subscription_view(idx)?))
}

/// `GET /subscriptions/{subscriptionId}/esim/qrcode`: `409` until the subscription is
/// activated, and once it is cancelled (assumed).
pub async fn qr_code(
    State(app): State<Ctx>,
    Path(id): Path<String>,
) -> Result<Json<Value>, TelnessError> {
    let (now, st, idx) = settled(&app, &id)?;
    let s = st.subscription(idx)?;
    if s.status != SubscriptionStatus::Activated {
        return Err(TelnessError::conflict(format!(
            "subscription {id} is {}; its eSIM profile is not available",
            s.status.wire()
        )));
    }
    Ok(Json(json!({
        "subscriptionId": s.id,
        "qrCodeData": format!("LPA:1${}${}", st.settings.smdp_address, s.matching_id),
        "qrCodeUrl": format!("{QR_HOST}/{}", s.id),
        "expiresAt": rfc3339(now + QR_LIFETIME),
        "metadata": {},
    })))
}

/// `GET /subscriptions/{subscriptionId}/usage`.
pub async fn usage(
    State(app): State<Ctx>,
    Path(id): Path<String>,
) -> Result<Json<Value>, TelnessError> {
    let (now, st, idx) = settled(&app, &id)?;
    Ok(Json(json!(usage_view(st.subscription(idx)?, now))))
}

/// `GET /subscriptions/usage?subscriptionId=…&subscriptionId=…&aggregate=false` (1–100 ids).
pub async fn bulk_usage(State(app): State<Ctx>, uri: Uri) -> Result<Json<Value>, TelnessError> {
    let q = Query::parse(uri.query());
    let ids = q.list(&["subscriptionId"]);
    if ids.is_empty() || ids.len() > BULK_LIMIT {
        return Err(TelnessError::field(
            "subscriptionId",
            "INVALID_VALUE",
            "give 1 to 100 subscriptionId parameters",
        ));
    }
    let aggregate = match q.get("aggregate").map(str::trim) {
        None | Some("" | "false") => false,
        Some("true") => true,
        Some(_) => {
            return Err(TelnessError::field(
                "aggregate",
                "INVALID_VALUE",
                "aggregate must be true or false",
            ));
        }
    };
    let now = app.clock.now();
    let mut st = app.sim.lock();
    st.settle(now)?;
    let mut items = Vec::new();
    let (mut remaining, mut limit, mut used) = (0u64, 0u64, 0u64);
    for id in &ids {
        let s = st.subscription(st.subscription_index(id)?)?;
        let usage = usage_view(s, now);
        remaining += usage.data_remaining;
        used += usage.data_used;
        limit += usage.data_bytes.limit + usage.topup_bytes.limit;
        items.push(json!({ "subscriptionId": s.id, "usage": usage }));
    }
    let aggregate = aggregate.then(|| {
        json!({
            "dataBytes": { "remaining": remaining, "limit": limit },
            "dataUsed": used,
            "updatedAt": rfc3339(now),
        })
    });
    Ok(Json(json!({ "items": items, "aggregate": aggregate })))
}

/// `POST /subscriptions/{subscriptionId}/cancel` (no body) → the subscription, `CANCELLED`
/// with `cancelledAt` (assumed, §9.5). `409` while it is still being provisioned or when it
/// already is cancelled.
pub async fn cancel(
    State(app): State<Ctx>,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, TelnessError> {
    mutate(&app, &uri, &headers, &body, |st, now| {
        let idx = st.subscription_index(&id)?;
        expect_no_body(&headers, &body)?;
        let sub = st.subscription_mut(idx)?;
        if sub.status != SubscriptionStatus::Activated {
            return Err(TelnessError::conflict(format!(
                "subscription {id} is {} and cannot be cancelled",
                sub.status.wire()
            )));
        }
        sub.cancel(now);
        tracing::info!(subscription = %sub.id, "Telness subscription cancelled");
        Ok(Done::committed(StatusCode::OK, st.subscription_view(idx)?))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msisdns_are_pretty_printed() {
        assert_eq!(pretty_msisdn("46730000001"), "+46 73 000 00 01");
    }
}
