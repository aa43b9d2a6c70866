//! Booking an eSIM (itt.md §6–§8): travellers on the booking tracking id, the booking itself
//! (charged to the partner credit, one booking per tracking id), and its details.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::Ctx;
use super::config::{CURRENCY, IttOutcome};
use super::error::{Fields, IttError};
use super::model::{Booking, BookingStatus, Contact, IttPassenger, later};
use super::state::Itt;
use super::views::{amount, committed, stamp, success};
use super::{SMDP_ADDRESS, activation_code, qrcode_url};

/// Most eSIMs one booking issues (`quantity`, assumed).
const MAX_QUANTITY: u32 = 10;

/// A plausible e-mail address: something, `@`, a domain with a dot.
pub fn is_email(text: &str) -> bool {
    text.split_once('@')
        .is_some_and(|(a, b)| !a.is_empty() && b.contains('.') && !b.starts_with('.'))
}

/// `payment_type`: partner credit (`wallet`, the default) only (open point 6).
pub fn check_payment(f: &Fields) -> Result<(), IttError> {
    match f.text("payment_type")?.as_deref() {
        None => Ok(()),
        Some(p) if p.eq_ignore_ascii_case("wallet") => Ok(()),
        // A real payment type the platform knows from its flight API, not offered for eSIMs.
        Some(p) if p.eq_ignore_ascii_case("onlinepayment") => Err(IttError::refused(
            "payment_type onlinepayment is not supported for eSIM bookings; use wallet",
        )),
        Some(p) => Err(IttError::bad_request(format!(
            "payment_type {p} is not supported; use wallet"
        ))),
    }
}

fn passenger(i: usize, p: &Fields) -> Result<IttPassenger, IttError> {
    let req = |name: &str| {
        p.text(name)?
            .ok_or_else(|| IttError::bad_request(format!("passenger[{i}].{name} is required")))
    };
    let email_address = req("email_address")?;
    if !is_email(&email_address) {
        return Err(IttError::bad_request(format!(
            "passenger[{i}].email_address {email_address} is not an e-mail address"
        )));
    }
    Ok(IttPassenger {
        pax_id: req("pax_id")?,
        pax_type: p.text("pax_type")?,
        title: p.text("title")?,
        first_name: req("first_name")?,
        last_name: req("last_name")?,
        isd_code: p.text("isd_code")?,
        contact_no: p.text("contact_no")?,
        email_address,
    })
}

fn passenger_wire(tracking_id: &str, p: &IttPassenger) -> Value {
    json!({
        "tracking_id": tracking_id,
        "pax_id": p.pax_id,
        "pax_type": p.pax_type,
        "title": p.title,
        "first_name": p.first_name,
        "last_name": p.last_name,
        "isd_code": p.isd_code,
        "contact_no": p.contact_no,
        "email_address": p.email_address,
    })
}

/// `POST /esim/update-travellers` (§6): replaces the travellers of a booking tracking id
/// (before or after the booking: "may call it again later").
pub async fn update_travellers(State(app): State<Ctx>, body: Bytes) -> Result<Response, IttError> {
    let f = Fields::parse(&body)?;
    let tracking_id = f.required("booking_tracking_id")?;
    f.member(app.sim.member_id())?;
    let items = f
        .objects("passenger")?
        .filter(|items| !items.is_empty())
        .ok_or_else(|| IttError::bad_request("passenger is required"))?;
    let passengers = items
        .iter()
        .enumerate()
        .map(|(i, p)| passenger(i, p))
        .collect::<Result<Vec<_>, _>>()?;
    let save_pax = f
        .text("save_pax")?
        .is_some_and(|s| s.eq_ignore_ascii_case("yes"));
    let mut st = app.sim.lock();
    let idx = st.quote_index(&tracking_id).ok_or_else(|| {
        IttError::not_found(format!("Booking tracking id {tracking_id} not found"))
            .with_tracking_id(&tracking_id)
    })?;
    let quote = st.quote_mut(idx)?;
    quote.passengers = passengers;
    quote.save_pax = save_pax;
    let data: Vec<Value> = quote
        .passengers
        .iter()
        .map(|p| passenger_wire(&tracking_id, p))
        .collect();
    Ok(committed(success(
        "Passenger data has been successfully updated.",
        json!({"tracking_id": tracking_id, "total_guest": data.len(), "data": data}),
    )))
}

impl Itt {
    /// The answer to create-booking for booking `idx`, as it is now: `status` `success` while
    /// `pending` or `confirmed`, `failed` (with the reason) once failed.
    fn created_view(&self, idx: usize) -> Result<Value, IttError> {
        let b = self.booking(idx)?;
        let (status, reason) = match b.status {
            BookingStatus::Confirmed => ("success", "eSIM booking confirmed."),
            BookingStatus::Pending => (
                "success",
                "eSIM booking received; the supplier is preparing the eSIM.",
            ),
            BookingStatus::Failed => (
                "failed",
                b.failure.as_deref().unwrap_or("eSIM booking failed."),
            ),
        };
        Ok(json!({
            "status": status,
            "reason": reason,
            "tracking_id": b.tracking_id,
            "booking_id": b.booking_id,
            "booking_status": b.status.wire(),
            "quantity": b.quantity.to_string(),
            "total_price": amount(b.total_cents),
            "currency": CURRENCY,
        }))
    }

    /// Records a booking on quote `quote` and charges it, `pending`; settles it at once when
    /// its fulfilment has no delay. Refusals leave nothing behind.
    fn book(
        &mut self,
        quote: usize,
        quantity: u32,
        contact: Contact,
        now: OffsetDateTime,
    ) -> Result<usize, IttError> {
        let q = self.quote(quote)?;
        let tracking_id = q.tracking_id.clone();
        if q.passengers.is_empty() {
            return Err(IttError::bad_request(format!(
                "No traveller on booking tracking id {tracking_id}: call update-travellers first"
            ))
            .with_tracking_id(&tracking_id));
        }
        let total_cents = q.price_cents.saturating_mul(i64::from(quantity));
        let package_id = q.package_id.clone();
        let f = self.fulfilment;
        if f.outcome == IttOutcome::InsufficientBalance || self.balance < total_cents {
            return Err(IttError::refused("Insufficient balance").with_tracking_id(&tracking_id));
        }
        self.balance -= total_cents;
        let booking_id = self.mint_booking_id(now);
        let idx = self.add_booking(Booking {
            booking_id,
            tracking_id,
            quote,
            package_id,
            quantity,
            total_cents,
            contact,
            status: BookingStatus::Pending,
            created_at: now,
            ended_at: None,
            due_at: (f.outcome != IttOutcome::Never).then(|| later(now, f.pending_for)),
            outcome: f.outcome,
            failure: None,
            esims: Vec::new(),
        })?;
        self.settle(now)?;
        Ok(idx)
    }
}

/// `POST /esim/create-booking` (§7). A tracking id already booked answers its booking as it
/// is, unchanged and uncharged (open point 15): a desk retrying after a lost answer gets the
/// sale it made, never a second one.
pub async fn create_booking(State(app): State<Ctx>, body: Bytes) -> Result<Response, IttError> {
    let f = Fields::parse(&body)?;
    let tracking_id = f.required("booking_tracking_id")?;
    f.member(app.sim.member_id())?;
    let email_address = f.required("email_address")?;
    if !is_email(&email_address) {
        return Err(IttError::bad_request(format!(
            "email_address {email_address} is not an e-mail address"
        )));
    }
    let quantity = match f.text("quantity")? {
        None => 1,
        Some(q) => q
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_QUANTITY).contains(n))
            .ok_or_else(|| {
                IttError::bad_request(format!(
                    "quantity must be a whole number from 1 to {MAX_QUANTITY}"
                ))
            })?,
    };
    let contact = Contact {
        isd_code: f.text("isd_code")?,
        contact_no: f.text("contact_no")?,
        email_address,
    };
    let now = app.clock.now();
    let mut st = app.sim.lock();
    st.settle(now)?;
    let quote = st.quote_index(&tracking_id).ok_or_else(|| {
        IttError::not_found(format!("Booking tracking id {tracking_id} not found"))
            .with_tracking_id(&tracking_id)
    })?;
    if let Some(existing) = st.quote(quote)?.booking {
        tracing::info!(%tracking_id, "ITT create-booking repeated: the existing booking");
        return Ok(Json(st.created_view(existing)?).into_response());
    }
    // Checked after the repeat: a retry of a booking made with wallet must find it.
    check_payment(&f)?;
    let idx = st.book(quote, quantity, contact, now)?;
    Ok(committed(st.created_view(idx)?))
}

impl Itt {
    /// Booking details (§8).
    fn details_view(&self, idx: usize, now: OffsetDateTime) -> Result<Value, IttError> {
        let b = self.booking(idx)?;
        let q = self.quote(b.quote)?;
        let p = self.package(&b.package_id)?;
        let esims = b
            .esims
            .iter()
            .map(|&e| {
                let esim = self.esim(e)?;
                Ok(json!({
                    "iccid": esim.iccid,
                    "lpa": SMDP_ADDRESS,
                    "matching_id": esim.matching_id,
                    "qrcode": activation_code(&esim.matching_id),
                    "qrcode_url": qrcode_url(&b.booking_id, &esim.iccid),
                    "apn": "internet",
                    "esim_status": esim.status(now).wire(),
                }))
            })
            .collect::<Result<Vec<_>, IttError>>()?;
        let reason = match b.status {
            BookingStatus::Failed => b.failure.as_deref().unwrap_or("eSIM booking failed."),
            _ => "Booking details found.",
        };
        Ok(success(
            reason,
            json!({
                "tracking_id": b.tracking_id,
                "booking_id": b.booking_id,
                "booking_status": b.status.wire(),
                "package": {
                    "package_id": p.id,
                    "title": p.title(),
                    "data": p.data_label(),
                    "validity_days": p.validity_days.to_string(),
                    "sell_price": amount(q.price_cents),
                    "sell_currency": CURRENCY,
                },
                "quantity": b.quantity.to_string(),
                "total_price": amount(b.total_cents),
                "currency": CURRENCY,
                "passenger": q.passengers.iter().map(|x| passenger_wire(&b.tracking_id, x)).collect::<Vec<_>>(),
                "contact": {
                    "isd_code": b.contact.isd_code,
                    "contact_no": b.contact.contact_no,
                    "email_address": b.contact.email_address,
                },
                "esims": esims,
                "created_at": stamp(b.created_at),
                "updated_at": stamp(b.ended_at.unwrap_or(b.created_at)),
            }),
        ))
    }
}

/// `POST /esim/booking-details` (§8): by `booking_id`, or by `tracking_id` with an empty
/// `booking_id` — how a desk finds out, after a lost answer, whether its booking exists. A
/// tracking id that was never booked is `404 Booking not found`.
pub async fn booking_details(State(app): State<Ctx>, body: Bytes) -> Result<Json<Value>, IttError> {
    let f = Fields::parse(&body)?;
    f.member(app.sim.member_id())?;
    let tracking_id = f.text("tracking_id")?;
    let booking_id = f.text("booking_id")?;
    let now = app.clock.now();
    let mut st = app.sim.lock();
    st.settle(now)?;
    let not_found = || {
        let e = IttError::not_found("Booking not found");
        match &tracking_id {
            Some(t) => e.with_tracking_id(t),
            None => e,
        }
    };
    let idx = match (&booking_id, &tracking_id) {
        (Some(id), _) => {
            let idx = st.booking_index(id).ok_or_else(not_found)?;
            let b = st.booking(idx)?;
            if tracking_id.as_deref().is_some_and(|t| t != b.tracking_id) {
                return Err(not_found());
            }
            idx
        }
        (None, Some(t)) => st
            .quote_index(t)
            .and_then(|q| st.quotes.get(q))
            .and_then(|q| q.booking)
            .ok_or_else(not_found)?,
        (None, None) => {
            return Err(IttError::bad_request(
                "tracking_id or booking_id is required",
            ));
        }
    };
    Ok(Json(st.details_view(idx, now)?))
}
