//! Top-ups (itt.md §12): the packages one eSIM can take (`/esim/topup-packages`), the one
//! booking (`/esim/create-topup-booking`, sent once) and the eSIM's top-up history, which is how
//! a top-up is read back.
//!
//! ITT leaves nothing behind before a top-up is booked, so the dry run reads the eSIM's top-up
//! list for the price and hands back a desk-made draft reference (see
//! [`assumed::TOP_UP_DRAFT_PREFIX`]): reading it looks the history for that package booked
//! since the dry run. A booked top-up is referenced by its `booking_id`
//! ([`assumed::TOP_UP_BOOKING_PREFIX`]).

use esimdesk_core::{Iccid, Money, Offering, OrderKind};
use time::OffsetDateTime;

use super::{Itt, assumed, bookings, map, wire};
use crate::error::{ProviderError, clip};
use crate::http::CallKind;
use crate::{
    CatalogueQuery, EsimHandle, IssuedEsim, OrderDelivery, OrderStatus, PlacedLine, PlacedOrder,
    PricedLine, SkippedItem, TopUpRequest, ValidatedOrder,
};

/// A top-up as the desk references it.
#[derive(Debug, PartialEq, Eq)]
enum Reference<'a> {
    /// Priced at `since` (unix seconds), perhaps booked since.
    Draft {
        since: i64,
        tracking_id: &'a str,
        iccid: &'a str,
        package_id: &'a str,
    },
    Booked {
        tracking_id: &'a str,
        iccid: &'a str,
        booking_id: &'a str,
    },
}

/// Whether `reference` names a top-up rather than a booking tracking id.
pub(super) fn is_reference(reference: &str) -> bool {
    let r = reference.trim();
    r.starts_with(assumed::TOP_UP_DRAFT_PREFIX) || r.starts_with(assumed::TOP_UP_BOOKING_PREFIX)
}

fn parse_reference(reference: &str) -> Result<Reference<'_>, ProviderError> {
    let r = reference.trim();
    let bad = || ProviderError::InvalidRequest {
        message: format!("'{}' is not an ITT top-up reference", clip(r)),
    };
    let filled = |s: &&str| !s.is_empty();
    if let Some(rest) = r.strip_prefix(assumed::TOP_UP_BOOKING_PREFIX) {
        let mut parts = rest.splitn(3, ':');
        let (Some(tracking_id), Some(iccid), Some(booking_id)) = (
            parts.next().filter(filled),
            parts.next().filter(filled),
            parts.next().filter(filled),
        ) else {
            return Err(bad());
        };
        return Ok(Reference::Booked {
            tracking_id,
            iccid,
            booking_id,
        });
    }
    let rest = r
        .strip_prefix(assumed::TOP_UP_DRAFT_PREFIX)
        .ok_or_else(bad)?;
    let mut parts = rest.splitn(4, ':');
    let (Some(since), Some(tracking_id), Some(iccid), Some(package_id)) = (
        parts.next().and_then(|s| s.parse::<i64>().ok()),
        parts.next().filter(filled),
        parts.next().filter(filled),
        parts.next().filter(filled),
    ) else {
        return Err(bad());
    };
    Ok(Reference::Draft {
        since,
        tracking_id,
        iccid,
        package_id,
    })
}

fn draft_reference(since: i64, tracking_id: &str, iccid: &Iccid, package_id: &str) -> String {
    format!(
        "{}{since}:{tracking_id}:{iccid}:{package_id}",
        assumed::TOP_UP_DRAFT_PREFIX,
        iccid = iccid.as_str()
    )
}

fn booking_reference(tracking_id: &str, iccid: &str, booking_id: &str) -> String {
    format!(
        "{}{tracking_id}:{iccid}:{booking_id}",
        assumed::TOP_UP_BOOKING_PREFIX
    )
}

/// The eSIM's booking tracking id, refused when it could not sit in a reference.
fn tracking_id(esim: &EsimHandle) -> Result<&str, ProviderError> {
    let id = assumed::tracking_id_of(esim)?;
    if id.contains(':') {
        return Err(ProviderError::InvalidRequest {
            message: format!("'{}' is not an ITT booking tracking id", clip(id)),
        });
    }
    Ok(id)
}

/// `/esim/topup-packages` for one eSIM (§12.1).
async fn packages(
    t: &Itt,
    esim: &EsimHandle,
) -> Result<Vec<Result<wire::Package, SkippedItem>>, ProviderError> {
    let body = wire::EsimCall {
        member_id: t.member_id(),
        tracking_id: tracking_id(esim)?,
        esim_iccid: esim.iccid.as_str(),
        preferred_language: None,
    };
    let list: wire::PackageList = t
        .post(
            assumed::TOP_UP_PACKAGES_PATH,
            CallKind::Idempotent,
            &body,
            "top-up packages",
        )
        .await?;
    Ok(list
        .data
        .iter()
        .map(|raw| map::package(raw).map_err(|(code, reason)| SkippedItem { code, reason }))
        .collect())
}

/// The packages ITT offers for this eSIM, narrowed by `query` where a package says where it
/// works (one that does not goes on this eSIM's own coverage, and is kept).
pub(super) async fn offerings(
    t: &Itt,
    esim: &EsimHandle,
    query: &CatalogueQuery,
) -> Result<Vec<Offering>, ProviderError> {
    let mut out = Vec::new();
    for item in packages(t, esim).await? {
        let offering = item
            .map_err(|s| s.reason)
            .and_then(|p| map::offering(&p, true));
        match offering {
            Ok(o) if o.countries.is_empty() && o.region.is_none() => out.push(o),
            Ok(o) if query.matches(&o) => out.push(o),
            Ok(_) => {}
            Err(reason) => {
                tracing::info!(provider = "itt", reason = %reason, "top-up package skipped")
            }
        }
    }
    Ok(out)
}

/// The top-up's dry run: its price as the eSIM's top-up list gives it, and a draft reference
/// for reading it back (no call to ITT changes anything here).
pub(super) async fn validate(
    t: &Itt,
    request: &TopUpRequest,
) -> Result<ValidatedOrder, ProviderError> {
    let code = request.offering_code.trim();
    let tracking = tracking_id(&request.esim)?;
    let since = OffsetDateTime::now_utc().unix_timestamp();
    let package = packages(t, &request.esim)
        .await?
        .into_iter()
        .flatten()
        .find(|p| p.package_id.trim() == code)
        .ok_or_else(|| ProviderError::InvalidRequest {
            message: format!(
                "ITT does not offer package {} as a top-up for eSIM {}",
                clip(code),
                request.esim.iccid
            ),
        })?;
    let total = map::money(
        package
            .sell_price
            .ok_or_else(|| ProviderError::malformed("top-up package", "no sell_price"))?,
        package.sell_currency.as_deref(),
    )
    .map_err(|e| ProviderError::malformed("top-up package", e))?;
    Ok(ValidatedOrder {
        total,
        lines: vec![PricedLine {
            offering_code: request.offering_code.clone(),
            quantity: 1,
            unit_price: Some(total),
            subtotal: Some(total),
        }],
        draft: Some(draft_reference(since, tracking, &request.esim.iccid, code)),
    })
}

/// One `/esim/create-topup-booking` (§12.2), never retried; a lost reply is of unknown outcome.
pub(super) async fn place(t: &Itt, request: &TopUpRequest) -> Result<PlacedOrder, ProviderError> {
    let code = request.offering_code.trim();
    if code.is_empty() {
        return Err(ProviderError::InvalidRequest {
            message: "the top-up names no package".into(),
        });
    }
    let tracking = tracking_id(&request.esim)?;
    let iccid = request.esim.iccid.as_str();
    // Without a dry run's draft, a reference of the same form that reads the history from now.
    let fallback = request
        .draft
        .as_deref()
        .map(str::trim)
        .filter(|d| is_reference(d))
        .map(str::to_owned)
        .unwrap_or_else(|| {
            draft_reference(
                OffsetDateTime::now_utc().unix_timestamp(),
                tracking,
                &request.esim.iccid,
                code,
            )
        });
    let body = wire::CreateTopUpBooking {
        member_id: t.member_id(),
        tracking_id: tracking,
        esim_iccid: iccid,
        package_id: code,
        payment_type: assumed::PAYMENT_TYPE,
    };
    tracing::info!(provider = "itt", tracking_id = %tracking, "booking a top-up");
    let booked: wire::BookingReply = t
        .post(
            assumed::CREATE_TOP_UP_BOOKING_PATH,
            CallKind::Once,
            &body,
            "the top-up booking",
        )
        .await
        .map_err(|e| match e {
            ProviderError::OutcomeUnknown { detail } => ProviderError::OutcomeUnknown {
                detail: clip(&format!("top-up {fallback}: {detail}")),
            },
            other => other,
        })?;
    let provider_reference = match booked.booking_id.as_deref().map(str::trim) {
        Some(id) if !id.is_empty() && !id.contains(':') => booking_reference(tracking, iccid, id),
        _ => fallback,
    };
    Ok(placed(
        provider_reference,
        &request.esim,
        code,
        // The eSIM exists already: a confirmed top-up is complete.
        map::booking_status(
            booked.booking_status.as_deref(),
            booked.reason.as_deref(),
            1,
        ),
        booked
            .total_price
            .and_then(|a| map::money(a, booked.currency.as_deref()).ok()),
        None,
        Vec::new(),
    ))
}

fn placed(
    provider_reference: String,
    esim: &EsimHandle,
    package_id: &str,
    status: OrderStatus,
    total: Option<Money>,
    created_at: Option<OffsetDateTime>,
    notes: Vec<String>,
) -> PlacedOrder {
    PlacedOrder {
        provider_reference,
        client_reference: None,
        kind: OrderKind::TopUp,
        status,
        total,
        created_at,
        lines: vec![PlacedLine {
            offering_code: package_id.to_owned(),
            quantity: 1,
            iccids: vec![esim.iccid.clone()],
        }],
        // The eSIM and its code do not change (§12.2): no code here, the desk keeps its own.
        esims: vec![IssuedEsim {
            iccid: esim.iccid.clone(),
            activation_code: None,
            provider_ref: esim.provider_ref.clone(),
            offering_code: Some(package_id.to_owned()),
        }],
        notes,
    }
}

/// A top-up read back from the eSIM's history (§12.3).
pub(super) async fn status(t: &Itt, reference: &str) -> Result<PlacedOrder, ProviderError> {
    let parsed = parse_reference(reference)?;
    let (tracking_id, iccid) = match parsed {
        Reference::Draft {
            tracking_id, iccid, ..
        }
        | Reference::Booked {
            tracking_id, iccid, ..
        } => (tracking_id, iccid),
    };
    let esim = EsimHandle {
        iccid: Iccid::parse(iccid).map_err(|e| ProviderError::InvalidRequest {
            message: format!("the top-up reference's ICCID is not usable: {e}"),
        })?,
        provider_ref: Some(tracking_id.to_owned()),
    };
    let history: wire::TopUpHistory = t
        .post(
            assumed::TOP_UP_HISTORY_PATH,
            CallKind::Idempotent,
            &wire::EsimCall {
                member_id: t.member_id(),
                tracking_id,
                esim_iccid: iccid,
                preferred_language: None,
            },
            "top-up history",
        )
        .await?;
    let booking_of =
        |r: &wire::TopUpRecord| r.booking_id.as_deref().map(str::trim).map(str::to_owned);
    let (record, package_id, mut notes) = match parsed {
        Reference::Booked { booking_id, .. } => {
            let record = history
                .data
                .iter()
                .find(|r| booking_of(r).as_deref() == Some(booking_id));
            let package = record
                .and_then(|r| r.package_id.as_deref())
                .unwrap_or("")
                .trim()
                .to_owned();
            let Some(record) = record else {
                return Ok(placed(
                    reference.trim().to_owned(),
                    &esim,
                    &package,
                    OrderStatus::Provisioning,
                    None,
                    None,
                    vec![format!(
                        "ITT's top-up history does not list booking {booking_id} yet"
                    )],
                ));
            };
            (record, package, Vec::new())
        }
        Reference::Draft {
            since, package_id, ..
        } => {
            let after = since - assumed::TOP_UP_LOOKUP_SKEW_SECS;
            let mut found: Vec<(&wire::TopUpRecord, OffsetDateTime)> = history
                .data
                .iter()
                .filter(|r| r.package_id.as_deref().map(str::trim) == Some(package_id))
                .filter_map(|r| {
                    let at = r.created_at.as_deref().and_then(assumed::wire_time)?;
                    (at.unix_timestamp() >= after).then_some((r, at))
                })
                .collect();
            found.sort_by_key(|(_, at)| *at);
            let mut notes = Vec::new();
            if found.len() > 1 {
                notes.push(format!(
                    "ITT lists {} top-ups of this package on eSIM {iccid} since the sale was priced; the earliest is taken",
                    found.len()
                ));
            }
            let Some((record, _)) = found.first() else {
                return Ok(placed(
                    reference.trim().to_owned(),
                    &esim,
                    package_id,
                    OrderStatus::Draft,
                    None,
                    None,
                    vec![format!(
                        "ITT lists no top-up of this package on eSIM {iccid} since the sale was priced"
                    )],
                ));
            };
            (*record, package_id.to_owned(), notes)
        }
    };
    let provider_reference = match booking_of(record) {
        Some(id) if !id.is_empty() && !id.contains(':') => {
            booking_reference(tracking_id, iccid, &id)
        }
        _ => reference.trim().to_owned(),
    };
    let total = record
        .sell_price
        .and_then(|a| map::money(a, record.sell_currency.as_deref()).ok());
    if record.sell_price.is_some() && total.is_none() {
        notes.push("the top-up's price could not be read".to_owned());
    }
    Ok(placed(
        provider_reference,
        &esim,
        &package_id,
        map::booking_status(record.booking_status.as_deref(), None, 1),
        total,
        record.created_at.as_deref().and_then(assumed::wire_time),
        notes,
    ))
}

/// A top-up's eSIM with its (unchanged) code, read from the booking it was sold under.
pub(super) async fn activation_codes(
    t: &Itt,
    reference: &str,
) -> Result<OrderDelivery, ProviderError> {
    let (tracking_id, iccid) = match parse_reference(reference)? {
        Reference::Draft {
            tracking_id, iccid, ..
        }
        | Reference::Booked {
            tracking_id, iccid, ..
        } => (tracking_id, iccid),
    };
    let mut delivery = bookings::activation_codes(t, tracking_id).await?;
    delivery.esims.retain(|e| e.iccid.as_str() == iccid);
    Ok(delivery)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn references_round_trip() {
        let iccid = Iccid::parse("8930000000000405894").unwrap();
        let draft = draft_reference(
            1_750_000_000,
            "11177260822126194QDWJV",
            &iccid,
            "X1AO00084||spain||2211||spain-10gb",
        );
        assert!(is_reference(&draft));
        assert_eq!(
            parse_reference(&draft).unwrap(),
            Reference::Draft {
                since: 1_750_000_000,
                tracking_id: "11177260822126194QDWJV",
                iccid: "8930000000000405894",
                package_id: "X1AO00084||spain||2211||spain-10gb",
            }
        );
        let booked = booking_reference("11177260822126194QDWJV", "8930000000000405894", "TU25");
        assert_eq!(
            parse_reference(&booked).unwrap(),
            Reference::Booked {
                tracking_id: "11177260822126194QDWJV",
                iccid: "8930000000000405894",
                booking_id: "TU25",
            }
        );
        assert!(!is_reference("11177260822126194QDWJV"));
        for bad in [
            "itt-topup:x:a:b:c",
            "itt-topup:1:a:b",
            "itt-topup-booking:a::c",
        ] {
            assert!(parse_reference(bad).is_err(), "{bad}");
        }
    }
}
