//! A new eSIM (itt.md §3, §5–§8) on the app's purchase protocol (`provider.rs`):
//!
//! - the dry run ([`validate`]) searches afresh, prices the package with
//!   `/esim/single-esim-package` (which hands out the **booking tracking id**) and, with the
//!   customer, registers the traveller on it (`/esim/update-travellers`): that tracking id is the
//!   draft. Without a customer it is only a price check and leaves no draft.
//! - the purchase ([`place`]) is one `/esim/create-booking` on the draft's tracking id, sent
//!   once. A lost reply is [`ProviderError::OutcomeUnknown`], settled by reading the tracking id.
//! - the order is read by its tracking id ([`status`]): `/esim/booking-details` with an empty
//!   `booking_id`.

use esimdesk_core::{Money, OrderKind};

use super::{Itt, assumed, catalogue, map, wire};
use crate::error::{ProviderError, clip};
use crate::http::CallKind;
use crate::{
    DeliverySource, OrderDelivery, OrderRequest, OrderStatus, PlacedLine, PlacedOrder, PricedLine,
    RequestLine, ValidatedOrder,
};

/// The traveller as ITT registers them (§6), checked before anything is sent.
struct Traveller<'a> {
    first_name: &'a str,
    last_name: &'a str,
    email: &'a str,
    contact_no: Option<String>,
}

fn traveller(request: &OrderRequest) -> Result<Option<Traveller<'_>>, ProviderError> {
    let Some(customer) = request.customer.as_ref() else {
        return Ok(None);
    };
    let (first_name, last_name) =
        assumed::split_name(&customer.name).ok_or_else(|| ProviderError::InvalidRequest {
            message:
                "ITT registers the traveller by first and last name: enter the customer's full name"
                    .into(),
        })?;
    let email = customer
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .ok_or_else(|| ProviderError::InvalidRequest {
            message:
                "ITT registers the traveller with an email address: enter the customer's email"
                    .into(),
        })?;
    Ok(Some(Traveller {
        first_name,
        last_name,
        email,
        contact_no: assumed::contact_no(customer.phone.as_deref()),
    }))
}

/// One booking tracking id prices one package (§5): a sale is one line of one eSIM.
fn one_line(lines: &[RequestLine]) -> Result<&RequestLine, ProviderError> {
    match lines {
        [line]
            if line.quantity == assumed::ESIMS_PER_BOOKING
                && !line.offering_code.trim().is_empty() =>
        {
            Ok(line)
        }
        _ => Err(ProviderError::InvalidRequest {
            message: format!(
                "an ITT sale books {} eSIM with one package: sell several eSIMs one by one",
                assumed::ESIMS_PER_BOOKING
            ),
        }),
    }
}

/// The dry run: a fresh search, the price confirmed by single-package, and (with a customer)
/// the traveller registered on the booking tracking id, which becomes the draft.
pub(super) async fn validate(
    t: &Itt,
    request: &OrderRequest,
) -> Result<ValidatedOrder, ProviderError> {
    let line = one_line(&request.lines)?;
    let traveller = traveller(request)?;
    let code = line.offering_code.trim();
    let (search_tracking_id, _) = catalogue::find(t, code).await?;
    let priced: wire::SinglePackageReply = t
        .post(
            wire::SINGLE_PACKAGE_PATH,
            CallKind::Idempotent,
            &wire::SinglePackage {
                tracking_id: &search_tracking_id,
                package_id: code,
            },
            "single eSIM package",
        )
        .await?;
    let booking_tracking_id = priced
        .tracking_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ProviderError::malformed("single eSIM package", "no tracking_id"))?
        .to_owned();
    let (amount, currency) = assumed::confirmed_price(&priced)
        .ok_or_else(|| ProviderError::malformed("single eSIM package", "no price"))?;
    let total = map::money(amount, Some(&currency))
        .map_err(|e| ProviderError::malformed("single eSIM package", e))?;
    let draft = match traveller {
        Some(traveller) => {
            update_travellers(t, &booking_tracking_id, &traveller).await?;
            tracing::info!(provider = "itt", tracking_id = %booking_tracking_id, "sale priced and traveller registered");
            Some(booking_tracking_id)
        }
        // A price check (before the customer is known): the tracking id is left unused.
        None => None,
    };
    Ok(ValidatedOrder {
        total,
        lines: vec![PricedLine {
            offering_code: line.offering_code.clone(),
            quantity: line.quantity,
            unit_price: Some(total),
            subtotal: Some(total),
        }],
        draft,
    })
}

/// `/esim/update-travellers` (§6): setting the same traveller again changes nothing, so it is
/// retried like a read.
async fn update_travellers(
    t: &Itt,
    booking_tracking_id: &str,
    traveller: &Traveller<'_>,
) -> Result<(), ProviderError> {
    let body = wire::UpdateTravellers {
        booking_tracking_id,
        member_id: t.member_id(),
        save_pax: assumed::SAVE_PAX,
        passenger: vec![wire::Passenger {
            pax_id: assumed::LEAD_PAX_ID,
            pax_type: assumed::PAX_TYPE,
            first_name: traveller.first_name,
            last_name: traveller.last_name,
            contact_no: traveller.contact_no.clone(),
            email_address: traveller.email,
        }],
    };
    let _: serde_json::Value = t
        .post(
            assumed::UPDATE_TRAVELLERS_PATH,
            CallKind::Idempotent,
            &body,
            "traveller update",
        )
        .await?;
    Ok(())
}

/// The purchase: one `/esim/create-booking` on the draft's tracking id, never retried. Once ITT
/// has accepted it, nothing after it turns into an error: the eSIMs are read with
/// booking-details, and if that read fails the order is reported as provisioning (poll again).
pub(super) async fn place(t: &Itt, request: &OrderRequest) -> Result<PlacedOrder, ProviderError> {
    let tracking_id = request
        .draft
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .ok_or_else(|| ProviderError::InvalidRequest {
            message: "an ITT sale books the tracking id its dry run priced, and none was given: nothing was sent".into(),
        })?;
    let customer = request.customer.as_ref();
    // §7: the lead contact's email is required; refused here rather than by ITT.
    let email = customer
        .and_then(|c| c.email.as_deref())
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .ok_or_else(|| ProviderError::InvalidRequest {
            message: "ITT books with the customer's email address: enter it; nothing was sent"
                .into(),
        })?;
    let body = wire::CreateBooking {
        booking_tracking_id: tracking_id,
        member_id: t.member_id(),
        contact_no: assumed::contact_no(customer.and_then(|c| c.phone.as_deref())),
        email_address: email,
        payment_type: assumed::PAYMENT_TYPE,
    };
    tracing::info!(provider = "itt", tracking_id = %tracking_id, "booking");
    let booked: wire::BookingReply = t
        .post(
            wire::CREATE_BOOKING_PATH,
            CallKind::Once,
            &body,
            "the booking",
        )
        .await
        .map_err(|e| match e {
            ProviderError::OutcomeUnknown { detail } => ProviderError::OutcomeUnknown {
                detail: clip(&format!("booking tracking id {tracking_id}: {detail}")),
            },
            other => other,
        })?;
    if let Some(id) = booked.booking_id.as_deref() {
        tracing::info!(provider = "itt", tracking_id = %tracking_id, booking_id = %id, "booked");
    }
    if let Some(other) = booked.tracking_id.as_deref().map(str::trim)
        && !other.is_empty()
        && other != tracking_id
    {
        // The order stays under the journaled tracking id, which reconciliation reads.
        tracing::warn!(provider = "itt", tracking_id = %tracking_id, answered = %clip(other), "ITT answered the booking under another tracking id");
    }
    let lines = vec![PlacedLine {
        offering_code: request
            .lines
            .first()
            .map(|l| l.offering_code.clone())
            .unwrap_or_default(),
        quantity: assumed::ESIMS_PER_BOOKING,
        iccids: Vec::new(),
    }];
    let mut placed = match status(t, tracking_id).await {
        Ok(read) if read.status != OrderStatus::Draft => read,
        Ok(_) => from_reply(
            tracking_id,
            &booked,
            lines.clone(),
            Some("ITT does not list the booking yet"),
        ),
        Err(e) => from_reply(
            tracking_id,
            &booked,
            lines.clone(),
            Some(&format!(
                "the booking's eSIMs could not be read yet ({})",
                e.code()
            )),
        ),
    };
    if placed.lines.is_empty() {
        placed.lines = lines;
    }
    if placed.total.is_none() {
        placed.total = reply_total(&booked);
    }
    Ok(placed)
}

/// The order as create-booking's reply alone says it: no eSIMs yet, so at best provisioning.
fn from_reply(
    tracking_id: &str,
    booked: &wire::BookingReply,
    lines: Vec<PlacedLine>,
    note: Option<&str>,
) -> PlacedOrder {
    PlacedOrder {
        provider_reference: tracking_id.to_owned(),
        client_reference: None,
        kind: OrderKind::NewEsim,
        status: map::booking_status(
            booked.booking_status.as_deref(),
            booked.reason.as_deref(),
            0,
        ),
        total: reply_total(booked),
        created_at: None,
        lines,
        esims: Vec::new(),
        notes: note.map(str::to_owned).into_iter().collect(),
    }
}

fn reply_total(booked: &wire::BookingReply) -> Option<Money> {
    booked
        .total_price
        .and_then(|a| map::money(a, booked.currency.as_deref()).ok())
}

/// `/esim/booking-details` for the tracking id (empty `booking_id`, §3).
async fn details(t: &Itt, tracking_id: &str) -> Result<wire::BookingDetails, ProviderError> {
    t.post(
        assumed::BOOKING_DETAILS_PATH,
        CallKind::Idempotent,
        &wire::BookingLookup {
            member_id: t.member_id(),
            tracking_id,
            booking_id: assumed::LOOKUP_BY_TRACKING_ID,
        },
        "booking details",
    )
    .await
}

/// The order behind a booking tracking id. A tracking id with no booking is a draft: nothing was
/// bought through it (see [`assumed::not_booked`]).
pub(super) async fn status(t: &Itt, tracking_id: &str) -> Result<PlacedOrder, ProviderError> {
    let tracking_id = tracking_id.trim();
    let draft = || PlacedOrder {
        provider_reference: tracking_id.to_owned(),
        client_reference: None,
        kind: OrderKind::NewEsim,
        status: OrderStatus::Draft,
        total: None,
        created_at: None,
        lines: Vec::new(),
        esims: Vec::new(),
        notes: vec![format!(
            "ITT holds no booking for tracking id {tracking_id}"
        )],
    };
    match details(t, tracking_id).await {
        Ok(d)
            if assumed::unbooked_reply(
                d.booking_id.as_deref(),
                d.booking_status.as_deref(),
                d.esims.len(),
            ) =>
        {
            Ok(draft())
        }
        Ok(d) => Ok(map::placed_order(tracking_id, &d)),
        Err(e) if assumed::not_booked(&e) => Ok(draft()),
        Err(e) => Err(e),
    }
}

/// The booking's eSIMs and codes (§8).
pub(super) async fn activation_codes(
    t: &Itt,
    tracking_id: &str,
) -> Result<OrderDelivery, ProviderError> {
    let tracking_id = tracking_id.trim();
    let d = details(t, tracking_id).await?;
    let placed = map::placed_order(tracking_id, &d);
    Ok(OrderDelivery {
        esims: placed.esims,
        qr_images: Vec::new(),
        source: DeliverySource::Order,
        notes: placed.notes,
    })
}
