//! SIMs and subscriptions (truphone.md §7, §8): `GET /v2/sims/{iccid}`,
//! `GET /v2/subscriptions` (filters `iccid`, `email`, `product-id`, `after`, `before`, paged),
//! `GET /v2/subscriptions/{id}`, `POST /v2/subscriptions/{id}/activate`, and the public QR image
//! the `_qrcode` links point to.
//!
//! `after` and `before` compare the subscription's `created_date` (whole seconds): `after` is
//! inclusive and `before` exclusive, so a client reconciling a sale with `after=<sale time>`
//! (open point 4) finds a plan created in the very second of the sale.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use esimdesk_core::ActivationCode;
use esimdesk_core::qr::{QrOptions, render_png};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

use super::Ctx;
use super::error::{Query, TruphoneError};
use super::listing::Paging;
use super::model::SubscriptionStatus;
use super::state::Truphone;
use super::views::Base;
use crate::faults::Committed;

/// Side of the QR images, in pixels (at least).
const QR_SIZE_PX: u32 = 400;

/// `GET /v2/sims/{iccid}`.
pub async fn sim(
    State(app): State<Ctx>,
    base: Base,
    Path(iccid): Path<String>,
) -> Result<Json<Value>, TruphoneError> {
    let now = app.clock.now();
    let mut st = app.sim.lock();
    st.settle(now)?;
    let idx = st
        .sim_index(&iccid)
        .ok_or_else(|| TruphoneError::not_found("SIM", &iccid))?;
    Ok(Json(Truphone::sim_view(st.sim(idx)?, &base)))
}

/// A filter date: ISO 8601 (`2025-06-02T09:14:00Z`) or the documented Java pattern
/// `yyyy-MM-dd'T'HH:mm:ssZ` (`2025-06-02T09:14:00+0000`). An unencoded `+` arrives as a space
/// after form decoding, so a space is read as `+`.
fn filter_date(name: &str, text: &str) -> Result<OffsetDateTime, TruphoneError> {
    let text = text.replace(' ', "+");
    OffsetDateTime::parse(&text, &Rfc3339)
        .or_else(|_| {
            OffsetDateTime::parse(
                &text,
                format_description!(
                    "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory][offset_minute]"
                ),
            )
        })
        .map_err(|_| {
            TruphoneError::unparsable(format!("{name} is not a date-time like 2025-06-02T09:14:00Z"))
        })
}

/// `GET /v2/subscriptions`: every subscription matching all filters, oldest first.
pub async fn list(
    State(app): State<Ctx>,
    base: Base,
    uri: Uri,
) -> Result<Json<Value>, TruphoneError> {
    let q = Query::parse(uri.query());
    let paging = Paging::parse(&q)?;
    let after = q
        .get("after")
        .map(|t| filter_date("after", t))
        .transpose()?;
    let before = q
        .get("before")
        .map(|t| filter_date("before", t))
        .transpose()?;
    let (iccid, email, product) = (q.get("iccid"), q.get("email"), q.get("product-id"));
    let now = app.clock.now();
    let mut st = app.sim.lock();
    st.settle(now)?;
    let items: Vec<Value> = st
        .subscriptions
        .iter()
        .filter(|s| {
            let sim = st.sims.get(s.sim);
            let created = s.created_at.replace_nanosecond(0).unwrap_or(s.created_at);
            iccid.is_none_or(|i| sim.is_some_and(|x| x.iccid == i))
                && email.is_none_or(|e| {
                    sim.and_then(|x| x.email.as_deref())
                        .is_some_and(|x| x.eq_ignore_ascii_case(e))
                })
                && product.is_none_or(|p| s.product_id == p)
                && after.is_none_or(|a| created >= a)
                && before.is_none_or(|b| created < b)
        })
        .map(|s| st.subscription_view(s, now, &base))
        .collect();
    let filters: Vec<(&str, String)> = [
        ("iccid", iccid),
        ("email", email),
        ("product-id", product),
        ("after", q.get("after")),
        ("before", q.get("before")),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v.to_owned())))
    .collect();
    Ok(Json(paging.envelope(
        items,
        &base.url("/v2/subscriptions"),
        &filters,
    )))
}

/// `GET /v2/subscriptions/{id}`: one list item.
pub async fn one(
    State(app): State<Ctx>,
    base: Base,
    Path(id): Path<String>,
) -> Result<Json<Value>, TruphoneError> {
    let now = app.clock.now();
    let mut st = app.sim.lock();
    st.settle(now)?;
    let sub = st
        .subscription_index(&id)
        .and_then(|i| st.subscriptions.get(i))
        .ok_or_else(|| TruphoneError::not_found("subscription", &id))?;
    Ok(Json(st.subscription_view(sub, now, &base)))
}

/// `POST /v2/subscriptions/{id}/activate` (assumed from the `_activate` link, §8.2): a `PENDING`
/// plan starts now, keeping its length. No body, or an empty JSON object.
pub async fn activate(
    State(app): State<Ctx>,
    base: Base,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, TruphoneError> {
    if !body.iter().all(u8::is_ascii_whitespace) {
        let empty: serde_json::Map<String, Value> = super::error::parse_body(&headers, &body)?;
        if !empty.is_empty() {
            return Err(TruphoneError::params("this request takes no body"));
        }
    }
    let now = app.clock.now();
    let mut st = app.sim.lock();
    st.settle(now)?;
    let idx = st
        .subscription_index(&id)
        .ok_or_else(|| TruphoneError::not_found("subscription", &id))?;
    let sub = st
        .subscriptions
        .get_mut(idx)
        .ok_or_else(|| TruphoneError::internal("subscription index out of range"))?;
    let status = sub.status(now);
    if status != SubscriptionStatus::Pending {
        return Err(TruphoneError::params(format!(
            "subscription {id} is {}; only a PENDING one can be activated",
            status.wire()
        )));
    }
    let early = sub.activation_at - now;
    sub.activation_at = now;
    sub.expiry_at = sub.expiry_at.saturating_sub(early);
    let view = st
        .subscriptions
        .get(idx)
        .map(|s| st.subscription_view(s, now, &base))
        .unwrap_or_default();
    Ok((Extension(Committed), Json(view)).into_response())
}

/// `GET /truphone/qrcode/v1/esim/{code}`: the public QR image of an activation code (the
/// `_qrcode` links), a PNG. No token needed: the reference calls it a public URL usable in an
/// `<img>`.
pub async fn qr_code(Path(code): Path<String>) -> Response {
    let png = ActivationCode::parse(&code)
        .map_err(|e| TruphoneError::not_found("activation code", &format!("{code:?} ({e})")))
        .and_then(|c| {
            render_png(&c.to_string(), QrOptions::default(), QR_SIZE_PX)
                .map_err(|e| TruphoneError::internal(format!("QR image: {e}")))
        });
    match png {
        Ok(png) => {
            let mut r = (StatusCode::OK, png).into_response();
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
            r
        }
        Err(e) => e.into_response(),
    }
}
