//! Orders (truphone.md §5–§7): the one purchase `POST`, the order read the app polls, and the
//! order's activation code.
//!
//! The purchase protocol is the app's (`provider.rs`): the adapter sends the order once. Truphone
//! documents no idempotency (§3), so nothing that may have reached it is ever sent again: a lost
//! reply, a timeout, a `5xx` or an unreadable `2xx` is [`ProviderError::OutcomeUnknown`]. The one
//! re-send is after a `401` (see `Truphone::send`): a refusal at the door, nothing ordered.

use esimdesk_core::{Country, Eid, Iccid, OrderKind};
use reqwest::Method;
use reqwest::header::HeaderValue;

use super::errors::Op;
use super::{Truphone, assumed, map, parse, reconcile, subscriptions, wire};
use crate::error::{ProviderError, clip};
use crate::http::{Call, CallKind};
use crate::{
    DeliverySource, IssuedEsim, OrderDelivery, OrderRequest, OrderStatus, PlacedOrder, RequestLine,
    TopUpRequest,
};

/// A Truphone order is one product on one SIM (§5.1: `product.id`, one `subscriber`): a sale
/// of anything else is refused before sending.
fn single_line(lines: &[RequestLine]) -> Result<&str, ProviderError> {
    match lines {
        [line] if line.quantity == 1 && !line.offering_code.trim().is_empty() => {
            Ok(line.offering_code.trim())
        }
        _ => Err(ProviderError::InvalidRequest {
            message: "a Truphone sale is one eSIM with one package: sell them one at a time".into(),
        }),
    }
}

/// The journal's client reference as the `X-Correlation-ID` (§3): it must be a header value,
/// checked before anything is sent (the shared client would otherwise drop it silently).
fn correlation_id(client_reference: &str) -> Result<String, ProviderError> {
    let reference = client_reference.trim();
    if reference.is_empty()
        || !reference.bytes().all(|b| b.is_ascii_graphic())
        || HeaderValue::from_str(reference).is_err()
    {
        return Err(ProviderError::InvalidRequest {
            message: format!(
                "the sale reference '{}' cannot be a Truphone correlation id (printable ASCII without spaces)",
                clip(reference)
            ),
        });
    }
    Ok(reference.to_owned())
}

/// `first_name` / `last_name`: the name split at its first white space (assumed, §5.1).
fn split_name(name: &str) -> Option<(&str, &str)> {
    let (first, last) = name.trim().split_once(char::is_whitespace)?;
    let last = last.trim();
    (!first.is_empty() && !last.is_empty()).then_some((first, last))
}

/// The order's `country`: the request's, else the account's.
fn country(t: &Truphone, requested: Option<Country>) -> Option<String> {
    requested.or(t.sale_country).map(Country::code)
}

/// One `ACTIVATION` order (§5.1, §5.3); with `push`, the device is an iPhone with that EID
/// (§7 push install).
pub(super) async fn place_new(
    t: &Truphone,
    request: &OrderRequest,
    push: Option<&Eid>,
) -> Result<PlacedOrder, ProviderError> {
    let product = single_line(&request.lines)?;
    let reference = correlation_id(&request.client_reference)?;
    let customer = request.customer.as_ref();
    let email = customer
        .and_then(|c| c.email.as_deref())
        .map(str::trim)
        .filter(|e| !e.is_empty());
    let names = customer.and_then(|c| split_name(&c.name));
    let (Some(email), Some((first_name, last_name))) = (email, names) else {
        return Err(ProviderError::InvalidRequest {
            message: "Truphone registers each eSIM to the traveller: enter the customer's first and last name and email"
                .into(),
        });
    };
    let Some(country) = country(t, request.sale_country) else {
        return Err(ProviderError::InvalidRequest {
            message: "Truphone needs the country of sale: set the desk's country for this Truphone account"
                .into(),
        });
    };
    let model = customer
        .and_then(|c| c.device_model.as_deref())
        .map(str::trim)
        .filter(|m| !m.is_empty());
    let device = match push {
        Some(eid) => Some(wire::Device {
            operating_system: Some(assumed::PUSH_INSTALL_OS),
            model,
            eid: Some(eid.as_str()),
        }),
        // No EID without push: an ordinary sale is delivered by QR code.
        None => model.map(|model| wire::Device {
            operating_system: None,
            model: Some(model),
            eid: None,
        }),
    };
    let body = wire::CreateOrder {
        operation_type: wire::ACTIVATION,
        sim_type: wire::ESIM,
        country: Some(&country),
        product: wire::ProductRef { id: product },
        subscriber: wire::Subscriber {
            email: Some(email),
            first_name: Some(first_name),
            last_name: Some(last_name),
            // Assumed (§5.1): the desk does not ask for residence; the country of sale.
            country_of_residence: Some(&country),
            device,
            sim: None,
        },
    };
    post(t, &body, reference, OrderKind::NewEsim, product, None).await
}

/// One `TOPUP` order on an existing eSIM (§5.4).
pub(super) async fn place_top_up(
    t: &Truphone,
    request: &TopUpRequest,
) -> Result<PlacedOrder, ProviderError> {
    let product = request.offering_code.trim();
    if product.is_empty() {
        return Err(ProviderError::InvalidRequest {
            message: "the top-up names no package".into(),
        });
    }
    let reference = correlation_id(&request.client_reference)?;
    // §5.4 names only the product and the ICCID; the example carries a country: the sale's,
    // else the account's, when known.
    let country = country(t, request.sale_country);
    let body = wire::CreateOrder {
        operation_type: wire::TOPUP,
        sim_type: wire::ESIM,
        country: country.as_deref(),
        product: wire::ProductRef { id: product },
        subscriber: wire::Subscriber {
            sim: Some(wire::SimRef {
                iccid: request.esim.iccid.as_str(),
            }),
            ..wire::Subscriber::default()
        },
    };
    post(
        t,
        &body,
        reference,
        OrderKind::TopUp,
        product,
        Some(&request.esim.iccid),
    )
    .await
}

/// `POST /v2/orders`, once, with the sale's reference as `X-Correlation-ID`. A `2xx` means
/// Truphone took the order: from then on, a reply that cannot be read is a lost answer.
async fn post(
    t: &Truphone,
    body: &wire::CreateOrder<'_>,
    reference: String,
    kind: OrderKind,
    product: &str,
    iccid: Option<&Iccid>,
) -> Result<PlacedOrder, ProviderError> {
    let bytes = serde_json::to_vec(body).map_err(|e| ProviderError::Configuration {
        message: format!("cannot encode the order: {e}"),
    })?;
    let call = Call::new(Method::POST, &["v2", "orders"], CallKind::Once)
        .json_body(bytes)
        .correlation(reference.clone());
    let reply = t.send(call, Op::Order).await?;
    let lost = |detail: String| ProviderError::OutcomeUnknown {
        detail: clip(&format!(
            "Truphone accepted the order (HTTP {}) but {detail}",
            reply.status.as_u16()
        )),
    };
    let order: wire::Order = serde_json::from_slice(&reply.body)
        .map_err(|_| lost("its reply could not be read".to_owned()))?;
    let placed = map::placed_order(order, Some(kind), &t.auth.redactor(None))
        .map_err(|e| lost(format!("its reply names no order ({e})")))?;
    tracing::info!(
        provider = "truphone",
        order = %placed.provider_reference,
        correlation = %reference,
        kind = kind.name(),
        "order accepted"
    );
    Ok(map::with_line(placed, product, iccid))
}

/// `GET /v2/orders/{id}` (§6), or, for an order found through its subscription, that
/// subscription (`reconcile.rs`).
pub(super) async fn status(t: &Truphone, reference: &str) -> Result<PlacedOrder, ProviderError> {
    if let Some(found) = reconcile::parse_reference(reference) {
        let (iccid, id) = found?;
        return reconcile::subscription_order(t, &iccid, id).await;
    }
    read(t, reference).await
}

async fn read(t: &Truphone, reference: &str) -> Result<PlacedOrder, ProviderError> {
    let id = reference.trim();
    if id.is_empty() {
        return Err(ProviderError::InvalidRequest {
            message: "no Truphone order id given".into(),
        });
    }
    let reply = t.send(Call::get(&["v2", "orders", id]), Op::Read).await?;
    let order: wire::Order = parse(&reply.body, "order")?;
    map::placed_order(order, None, &t.auth.redactor(None))
}

/// The order's eSIM with its code (§7): from the order (`matching_id` + `_smdp`, or `_lpa`),
/// else from its SIM (`GET /v2/sims/{iccid}`, `_lpa` with `LPA:`), e.g. for a top-up, whose
/// order carries no matching id. An order not completed yet has no eSIM: a note says so.
pub(super) async fn activation_codes(
    t: &Truphone,
    reference: &str,
) -> Result<OrderDelivery, ProviderError> {
    let placed = status(t, reference).await?;
    let mut notes = placed.notes;
    if placed.status != OrderStatus::Completed {
        notes.push(format!(
            "Truphone order {} is not completed yet ({}): no activation code",
            clip(reference),
            describe(&placed.status)
        ));
        return Ok(OrderDelivery {
            esims: Vec::new(),
            qr_images: Vec::new(),
            source: DeliverySource::Order,
            notes,
        });
    }
    let mut esims: Vec<IssuedEsim> = Vec::new();
    for mut esim in placed.esims {
        if esim.activation_code.is_none() {
            match subscriptions::sim_code(t, &esim.iccid).await {
                Ok(code) => esim.activation_code = code,
                Err(e) if e.is_transient() => return Err(e),
                Err(e) => notes.push(format!("eSIM {}: no code from its SIM ({e})", esim.iccid)),
            }
            if esim.activation_code.is_none() {
                notes.push(format!(
                    "eSIM {}: Truphone gave no activation code",
                    esim.iccid
                ));
            }
        }
        esims.push(esim);
    }
    Ok(OrderDelivery {
        esims,
        qr_images: Vec::new(),
        source: DeliverySource::Order,
        notes,
    })
}

/// An order status in words, for notes.
pub(super) fn describe(status: &OrderStatus) -> String {
    match status {
        OrderStatus::Draft => "a draft".into(),
        OrderStatus::Provisioning => "being prepared".into(),
        OrderStatus::Completed => "completed".into(),
        OrderStatus::Failed { reason: Some(r) } => format!("failed: {r}"),
        OrderStatus::Failed { reason: None } => "failed".into(),
        OrderStatus::Cancelled => "cancelled".into(),
        OrderStatus::Unrecognised { raw } => format!("in state {raw}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_at_the_first_space() {
        assert_eq!(split_name("Ana García"), Some(("Ana", "García")));
        assert_eq!(
            split_name("  Ana María  García López "),
            Some(("Ana", "María  García López"))
        );
        assert_eq!(split_name("Madonna"), None);
        assert_eq!(split_name("  "), None);
    }

    #[test]
    fn correlation_ids_are_printable_ascii() {
        assert_eq!(correlation_id(" desk-42 ").ok().as_deref(), Some("desk-42"));
        for bad in ["", "two words", "ñandú", "a\u{7}b"] {
            assert!(correlation_id(bad).is_err(), "{bad:?}");
        }
    }
}
