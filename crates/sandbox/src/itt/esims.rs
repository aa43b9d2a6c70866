//! What a desk does with an issued eSIM (itt.md §9–§13): installation instructions, compatible
//! devices, data usage, top-ups and their history, and the webhook registration it does not
//! need (the desk polls) but may call.

use std::sync::MutexGuard;

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use bytes::Bytes;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::Ctx;
use super::bookings::check_payment;
use super::config::{CURRENCY, IttOutcome};
use super::error::{Fields, IttError};
use super::instructions;
use super::model::{EsimStatus, Topup, later};
use super::packages::PackageKind;
use super::state::{Itt, IttWebhookRecord};
use super::views::{amount, committed, flag, stamp, success};
use super::{SMDP_ADDRESS, activation_code, qrcode_url};

impl Itt {
    /// The eSIM `eSim_iccid` of the booking with booking tracking id `tracking_id` (both
    /// required): `404` when either is unknown or they do not belong together.
    fn esim_of(&self, f: &Fields) -> Result<(usize, String), IttError> {
        let tracking_id = f.required("tracking_id")?;
        let iccid = f.required("eSim_iccid")?;
        let not_found = || {
            IttError::not_found(format!(
                "eSIM {iccid} not found on booking tracking id {tracking_id}"
            ))
            .with_tracking_id(&tracking_id)
        };
        let e = self.esim_index(&iccid).ok_or_else(not_found)?;
        let booking = self.booking(self.esim(e)?.booking)?;
        if booking.tracking_id != tracking_id {
            return Err(not_found());
        }
        Ok((e, tracking_id))
    }
}

/// Checks `member_id`, settles the state and finds the eSIM the body names.
fn locate<'a>(
    app: &'a Ctx,
    f: &Fields,
) -> Result<(OffsetDateTime, MutexGuard<'a, Itt>, usize, String), IttError> {
    f.member(app.sim.member_id())?;
    let now = app.clock.now();
    let mut st = app.sim.lock();
    st.settle(now)?;
    let (e, tracking_id) = st.esim_of(f)?;
    Ok((now, st, e, tracking_id))
}

/// `POST /esim/installation-instructions` (§9): steps in `preferred_language` (`en`, `es`;
/// any other → `en`) and the activation code.
pub async fn installation_instructions(
    State(app): State<Ctx>,
    body: Bytes,
) -> Result<Json<Value>, IttError> {
    let f = Fields::parse(&body)?;
    let language = instructions::language(f.text("preferred_language")?.as_deref());
    let (_, st, e, tracking_id) = locate(&app, &f)?;
    let esim = st.esim(e)?;
    let booking = st.booking(esim.booking)?;
    let (ios, android) = instructions::steps_for(language);
    Ok(Json(success(
        "Installation instructions found.",
        json!({
            "tracking_id": tracking_id,
            "data": {
                "language": language,
                "iccid": esim.iccid,
                "ios": ios,
                "android": android,
                "qrcode": activation_code(&esim.matching_id),
                "qrcode_url": qrcode_url(&booking.booking_id, &esim.iccid),
                "manual": {"smdp_address": SMDP_ADDRESS, "activation_code": esim.matching_id},
            },
        }),
    )))
}

/// `POST /esim/compatible-devices` (§10).
pub async fn compatible_devices(
    State(app): State<Ctx>,
    body: Bytes,
) -> Result<Json<Value>, IttError> {
    let f = Fields::parse(&body)?;
    f.member(app.sim.member_id())?;
    Ok(Json(success(
        "Compatible devices found.",
        json!({"data": instructions::devices()}),
    )))
}

/// `POST /esim/data-usage` (§11): MB as numeric strings.
pub async fn data_usage(State(app): State<Ctx>, body: Bytes) -> Result<Json<Value>, IttError> {
    let f = Fields::parse(&body)?;
    let (now, st, e, tracking_id) = locate(&app, &f)?;
    let esim = st.esim(e)?;
    let used = esim.used_mb();
    Ok(Json(success(
        "Data usage found.",
        json!({
            "tracking_id": tracking_id,
            "data": {
                "iccid": esim.iccid,
                "total": esim.total_mb.to_string(),
                "remaining": esim.total_mb.saturating_sub(used).to_string(),
                "used": used.to_string(),
                "unit": "MB",
                "is_unlimited": flag(false),
                "esim_status": esim.status(now).wire(),
                "activated_at": esim.activated_at.map(stamp),
                "expired_at": stamp(esim.expires_at()),
                "updated_at": stamp(now),
            },
        }),
    )))
}

/// `POST /esim/topup-packages` (§12.1): the top-ups of the eSIM's supplier and region, with
/// the booking tracking id to book them on. A package that is not rechargeable has none.
pub async fn topup_packages(State(app): State<Ctx>, body: Bytes) -> Result<Json<Value>, IttError> {
    let f = Fields::parse(&body)?;
    let (now, st, e, tracking_id) = locate(&app, &f)?;
    let esim = st.esim(e)?;
    if esim.status(now) == EsimStatus::Expired {
        return Err(expired(&esim.iccid).with_tracking_id(&tracking_id));
    }
    let package = st.package(&st.booking(esim.booking)?.package_id)?;
    let found: Vec<Value> = if package.rechargeable {
        app.sim
            .packages()
            .topups_for(package)
            .map(|p| p.wire(&tracking_id))
            .collect()
    } else {
        Vec::new()
    };
    let n = found.len();
    Ok(Json(success(
        &format!("A total of {n} top-up packages were found for this eSIM."),
        json!({
            "tracking_id": tracking_id,
            "total_esim_package": n.to_string(),
            "data": found,
        }),
    )))
}

fn expired(iccid: &str) -> IttError {
    IttError::refused(format!("eSIM {iccid} has expired and cannot be topped up"))
}

/// `POST /esim/create-topup-booking` (§12.2): confirmed at once, charged to the credit; the
/// eSIM and its activation code do not change. Never idempotent (no key is published).
pub async fn create_topup_booking(
    State(app): State<Ctx>,
    body: Bytes,
) -> Result<Response, IttError> {
    let f = Fields::parse(&body)?;
    let package_id = f.required("package_id")?;
    let (now, mut st, e, tracking_id) = locate(&app, &f)?;
    check_payment(&f)?;
    let esim = st.esim(e)?;
    let iccid = esim.iccid.clone();
    let own = st.package(&st.booking(esim.booking)?.package_id)?;
    let topup = app
        .sim
        .packages()
        .get(&package_id)
        .filter(|p| {
            p.kind == PackageKind::Topup
                && own.rechargeable
                && app.sim.packages().topups_for(own).any(|t| t.id == p.id)
        })
        .ok_or_else(|| {
            IttError::not_found(format!(
                "Top-up package {package_id} not found for this eSIM"
            ))
            .with_tracking_id(&tracking_id)
        })?;
    if esim.status(now) == EsimStatus::Expired {
        return Err(expired(&iccid).with_tracking_id(&tracking_id));
    }
    if st.fulfilment.outcome == IttOutcome::InsufficientBalance || st.balance < topup.price_cents {
        return Err(IttError::refused("Insufficient balance").with_tracking_id(&tracking_id));
    }
    st.balance -= topup.price_cents;
    let booking_id = st.mint_topup_id(now);
    let t = st.topups.len();
    st.topups.push(Topup {
        booking_id: booking_id.clone(),
        esim: e,
        package_id: package_id.clone(),
        price_cents: topup.price_cents,
        created_at: now,
    });
    let esim = st.esim_mut(e)?;
    esim.total_mb = esim.total_mb.saturating_add(topup.data_mb);
    let until = later(
        now,
        std::time::Duration::from_secs(u64::from(topup.validity_days) * 86_400),
    );
    esim.extended_until = Some(esim.extended_until.map_or(until, |x| x.max(until)));
    esim.topups.push(t);
    tracing::info!(%booking_id, %iccid, "ITT top-up confirmed");
    Ok(committed(success(
        "Top-up confirmed.",
        json!({
            "tracking_id": tracking_id,
            "booking_id": booking_id,
            "booking_status": "confirmed",
            "eSim_iccid": iccid,
            "package_id": package_id,
            "total_price": amount(topup.price_cents),
            "currency": CURRENCY,
        }),
    )))
}

/// `POST /esim/topup-history` (§12.3): the eSIM's top-ups, oldest first.
pub async fn topup_history(State(app): State<Ctx>, body: Bytes) -> Result<Json<Value>, IttError> {
    let f = Fields::parse(&body)?;
    let (_, st, e, tracking_id) = locate(&app, &f)?;
    let items = st
        .esim(e)?
        .topups
        .iter()
        .filter_map(|&t| st.topups.get(t))
        .map(|t| {
            let p = st.package(&t.package_id)?;
            Ok(json!({
                "booking_id": t.booking_id,
                "package_id": t.package_id,
                "title": p.title(),
                "data": p.data_label(),
                "data_amount": p.data_mb.to_string(),
                "sell_price": amount(t.price_cents),
                "sell_currency": CURRENCY,
                "booking_status": "confirmed",
                "created_at": stamp(t.created_at),
            }))
        })
        .collect::<Result<Vec<_>, IttError>>()?;
    Ok(Json(success(
        &format!(
            "A total of {} top-ups were found for this eSIM.",
            items.len()
        ),
        json!({"tracking_id": tracking_id, "data": items}),
    )))
}

/// `POST /esim/register-webhook` (§13): acknowledged and recorded; no event is ever sent.
pub async fn register_webhook(
    State(app): State<Ctx>,
    body: Bytes,
) -> Result<Json<Value>, IttError> {
    let f = Fields::parse(&body)?;
    let record = IttWebhookRecord {
        supplier_code: f.text("supplier_code")?,
        supplier_uid: f.text("supplier_uid")?,
        notification_type: f.required("notification_type")?,
        webhook_url: f.text("webhook_url")?,
        registered: app.clock.now(),
    };
    app.sim.lock().webhooks.push(record);
    Ok(Json(success("Webhook registered.", json!({}))))
}
