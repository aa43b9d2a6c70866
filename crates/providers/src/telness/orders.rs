//! Orders (telness.md §5, §6, §8): the cart, its price, the one submit, the order's status, and
//! cancelling an order before it completes.
//!
//! The purchase protocol is the app's (`provider.rs`): the dry run creates and prices the cart
//! and hands its id back as the draft; the purchase is the submit of that draft, sent once.
//!
//! Retries: the cart creation carries the sale's idempotency key, so a re-send returns the first
//! cart instead of a second one (§1), and a cart charges nothing anyway (§3): it is retried like
//! a read. Pricing changes nothing (§6): retried. The submit spends money and the cancel changes
//! state once: never retried.

use std::collections::BTreeMap;

use esimdesk_core::{Money, OrderKind};
use reqwest::Method;

use super::errors::Op;
use super::map::{self, OrderView, SubscriptionState};
use super::{
    Telness, assumed, catalogue, parse, subscription_id, subscriptions, wire, with_idempotency_key,
};
use crate::error::{ProviderError, clip};
use crate::http::{Call, CallKind};
use crate::{
    CancelOutcome, OrderRequest, OrderStatus, PlacedLine, PlacedOrder, PricedLine, Refund,
    RequestLine, TopUpRequest, ValidatedOrder,
};

/// A cart to create: its body, and which request line each of its lines prices.
struct Cart<'a> {
    body: wire::CreateOrder<'a>,
    /// `(lineItemId, index into `lines`)`, for the per-line prices.
    priced_by: Vec<(String, usize)>,
    lines: Vec<RequestLine>,
}

fn metadata(client_reference: &str) -> BTreeMap<&'static str, &str> {
    BTreeMap::from([(assumed::SALE_REFERENCE_KEY, client_reference.trim())])
}

/// Refuses, before anything is sent, what the desk never orders: no line, or a quantity outside
/// 1 to [`assumed::MAX_ESIMS_PER_ORDER`] eSIMs in all.
fn check_lines(lines: &[RequestLine]) -> Result<(), ProviderError> {
    let total: u64 = lines.iter().map(|l| u64::from(l.quantity)).sum();
    if lines.is_empty()
        || lines.iter().any(|l| l.quantity == 0)
        || total > u64::from(assumed::MAX_ESIMS_PER_ORDER)
    {
        return Err(ProviderError::InvalidRequest {
            message: format!(
                "a Telness sale takes 1 to {} eSIMs, each with a package",
                assumed::MAX_ESIMS_PER_ORDER
            ),
        });
    }
    if let Some(l) = lines.iter().find(|l| l.offering_code.trim().is_empty()) {
        return Err(ProviderError::InvalidRequest {
            message: format!("line '{}' names no package", clip(&l.offering_code)),
        });
    }
    Ok(())
}

/// The new-eSIM cart (§5.1, §5.2): per eSIM, a `SUBSCRIPTION` line for the traveller and an
/// `ADDON` line for the package, linked by `parentLineItemId`.
fn new_esim_cart<'a>(
    t: &Telness,
    request: &'a OrderRequest,
    subscription_offering: &'a str,
) -> Result<Cart<'a>, ProviderError> {
    check_lines(&request.lines)?;
    let traveller = request.customer.as_ref();
    let name = traveller.map(|c| c.name.trim()).unwrap_or("");
    let email = traveller
        .and_then(|c| c.email.as_deref())
        .map(str::trim)
        .unwrap_or("");
    // §5.2 (assumed required): each eSIM is registered to the traveller by name and email.
    if name.is_empty() || email.is_empty() {
        return Err(ProviderError::InvalidRequest {
            message:
                "Telness registers each eSIM to the traveller: enter the customer's name and email"
                    .into(),
        });
    }
    let customer = match t.desk_customer_id.as_deref() {
        Some(id) => wire::CustomerRef::Existing(wire::ExistingCustomer {
            customer_id: id.to_owned(),
        }),
        // Open point 16: no desk customer configured, so the order creates one for the
        // traveller, tagged with the sale reference.
        None => wire::CustomerRef::New(wire::NewCustomer {
            name,
            customer_type: assumed::NEW_CUSTOMER_TYPE,
            reference_id: request.client_reference.trim(),
            contact: wire::Contact { email },
        }),
    };
    let mut line_items = Vec::new();
    let mut priced_by = Vec::new();
    let mut n = 0_u32;
    for (index, line) in request.lines.iter().enumerate() {
        for _ in 0..line.quantity {
            n += 1;
            let container = format!("{}{n}", assumed::SUBSCRIPTION_LINE_PREFIX);
            let package = format!("{}{n}", assumed::PACKAGE_LINE_PREFIX);
            priced_by.push((container.clone(), index));
            priced_by.push((package.clone(), index));
            line_items.push(wire::LineItem::Subscription {
                line_item_id: container.clone(),
                product_offering_id: subscription_offering,
                subscriber: wire::Subscriber { name, email },
                sim: wire::Sim { esim: true },
            });
            line_items.push(wire::LineItem::Addon {
                line_item_id: package,
                product_offering_id: line.offering_code.trim(),
                parent_line_item_id: Some(container),
                subscription_id: None,
            });
        }
    }
    Ok(Cart {
        body: wire::CreateOrder {
            customer,
            line_items,
            metadata: metadata(&request.client_reference),
        },
        priced_by,
        lines: request.lines.clone(),
    })
}

/// The top-up cart (§5.4): one `ADDON` line with the eSIM's `subscriptionId`, for the
/// subscription's own customer (read from it), else the desk's.
async fn top_up_cart<'a>(
    t: &Telness,
    request: &'a TopUpRequest,
) -> Result<Cart<'a>, ProviderError> {
    let subscription = subscription_id(&request.esim)?;
    if request.offering_code.trim().is_empty() {
        return Err(ProviderError::InvalidRequest {
            message: "the top-up names no package".into(),
        });
    }
    let current = subscriptions::read(t, subscription).await?;
    if SubscriptionState::parse(current.status.as_deref()) == SubscriptionState::Cancelled {
        return Err(ProviderError::InvalidRequest {
            message: format!(
                "eSIM {} is cancelled at Telness: a package cannot be added; sell a new eSIM",
                request.esim.iccid
            ),
        });
    }
    let customer_id = current
        .customer
        .and_then(|c| c.customer_id)
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty())
        .or_else(|| t.desk_customer_id.clone())
        .ok_or_else(|| ProviderError::Configuration {
            message: "Telness names no customer for this eSIM: set the desk's Telness customer id"
                .into(),
        })?;
    let lines = vec![RequestLine {
        offering_code: request.offering_code.clone(),
        quantity: 1,
    }];
    Ok(Cart {
        body: wire::CreateOrder {
            customer: wire::CustomerRef::Existing(wire::ExistingCustomer { customer_id }),
            line_items: vec![wire::LineItem::Addon {
                line_item_id: assumed::TOP_UP_LINE_ID.to_owned(),
                product_offering_id: request.offering_code.trim(),
                parent_line_item_id: None,
                subscription_id: Some(subscription),
            }],
            metadata: metadata(&request.client_reference),
        },
        priced_by: vec![(assumed::TOP_UP_LINE_ID.to_owned(), 0)],
        lines,
    })
}

/// `POST /orders` with `X-Idempotency-Key: <ref>-order`. An order Telness already finds invalid
/// is refused here with its reasons (it could not be priced or submitted anyway, §6).
async fn create(
    t: &Telness,
    cart: &Cart<'_>,
    client_reference: &str,
) -> Result<String, ProviderError> {
    let bytes = serde_json::to_vec(&cart.body).map_err(|e| ProviderError::Configuration {
        message: format!("cannot encode the order: {e}"),
    })?;
    let call = Call::new(Method::POST, &["orders"], CallKind::Idempotent).json_body(bytes);
    let call = with_idempotency_key(call, client_reference, assumed::CART_KEY_SUFFIX)?;
    let reply = t.send(&call, Op::Cart).await?;
    let order: wire::Order = parse(&reply.body, "order")?;
    if let Some(problems) = order.validation.as_ref().and_then(map::validation_problems) {
        return Err(ProviderError::InvalidRequest {
            message: format!("Telness cannot take this order: {problems}"),
        });
    }
    let view = map::order_view(order)?;
    tracing::info!(provider = "telness", order = %view.placed.provider_reference, "cart created");
    Ok(view.placed.provider_reference)
}

/// `POST /orders/{id}/calculate-price` (§6): the exact total, and each request line's share.
async fn price(
    t: &Telness,
    order_id: &str,
    cart: &Cart<'_>,
) -> Result<ValidatedOrder, ProviderError> {
    let call = Call::new(
        Method::POST,
        &["orders", order_id, "calculate-price"],
        CallKind::Idempotent,
    );
    let reply = t.send(&call, Op::Other).await?;
    let priced: wire::PriceReply = parse(&reply.body, "order price")?;
    let currency = map::currency(priced.pricing.currency.as_deref(), "order price")?;
    let total = map::money(
        priced
            .pricing
            .total
            .ok_or_else(|| ProviderError::malformed("order price", "no total"))?,
        currency,
        "order total",
    )?;
    // Each request line's subtotal: the sum of its container and package lines, when Telness
    // priced every one of them.
    let mut subtotals: Vec<Option<Money>> = vec![Some(Money::zero(currency)); cart.lines.len()];
    for (line_id, index) in &cart.priced_by {
        let amount = priced
            .pricing
            .line_item_pricing
            .iter()
            .find(|p| p.line_item_id.as_deref() == Some(line_id.as_str()))
            .and_then(|p| p.amount)
            .map(|a| map::money(a, currency, "line price"))
            .transpose()?;
        if let Some(slot) = subtotals.get_mut(*index) {
            *slot = match (*slot, amount) {
                (Some(sum), Some(a)) => sum.checked_add(a).ok(),
                _ => None,
            };
        }
    }
    let lines = cart
        .lines
        .iter()
        .zip(subtotals)
        .map(|(line, subtotal)| PricedLine {
            offering_code: line.offering_code.clone(),
            quantity: line.quantity,
            unit_price: subtotal.and_then(|s| unit_price(s, line.quantity)),
            subtotal,
        })
        .collect();
    Ok(ValidatedOrder {
        total,
        lines,
        draft: Some(order_id.to_owned()),
    })
}

/// The subtotal per eSIM, when it divides exactly.
fn unit_price(subtotal: Money, quantity: u32) -> Option<Money> {
    let q = i64::from(quantity);
    (q > 0 && subtotal.minor() % q == 0)
        .then(|| Money::from_minor(subtotal.minor() / q, subtotal.currency()))
}

/// The dry run of a sale: its cart, priced, is the draft the sale submits. Without a traveller
/// (the checkout screen's price, shown before the customer's details are typed) it is a price
/// check: a cart for a placeholder traveller, priced and cancelled, leaving no draft.
pub(super) async fn validate_new(
    t: &Telness,
    request: &OrderRequest,
) -> Result<ValidatedOrder, ProviderError> {
    let offering = catalogue::subscription_offering(t).await?;
    if request.customer.is_some() {
        let cart = new_esim_cart(t, request, &offering)?;
        let id = create(t, &cart, &request.client_reference).await?;
        return price(t, &id, &cart).await;
    }
    let (name, email) = assumed::PRICE_CHECK_TRAVELLER;
    let check = OrderRequest {
        customer: Some(esimdesk_core::Customer {
            name: name.to_owned(),
            email: Some(email.to_owned()),
            ..esimdesk_core::Customer::default()
        }),
        ..request.clone()
    };
    let cart = new_esim_cart(t, &check, &offering)?;
    let id = create(t, &cart, &check.client_reference).await?;
    let priced = price(t, &id, &cart).await;
    // Tidy: the price-check cart would expire anyway, so a failed cancel is only logged.
    if let Err(e) = cancel(t, &id).await {
        tracing::info!(provider = "telness", order = %id, error = e.code(), "price-check cart left to expire");
    }
    Ok(ValidatedOrder {
        draft: None,
        ..priced?
    })
}

pub(super) async fn validate_top_up(
    t: &Telness,
    request: &TopUpRequest,
) -> Result<ValidatedOrder, ProviderError> {
    let cart = top_up_cart(t, request).await?;
    let id = create(t, &cart, &request.client_reference).await?;
    price(t, &id, &cart).await
}

/// The draft to submit: the dry run's, or (no draft journaled) the cart created now under the
/// sale's idempotency key, which returns the dry run's cart if there was one.
pub(super) async fn place_new(
    t: &Telness,
    request: &OrderRequest,
) -> Result<PlacedOrder, ProviderError> {
    let draft = match draft_of(request.draft.as_deref()) {
        Some(id) => id,
        None => {
            let offering = catalogue::subscription_offering(t).await?;
            let cart = new_esim_cart(t, request, &offering)?;
            create(t, &cart, &request.client_reference).await?
        }
    };
    let mut view = submit(
        t,
        &draft,
        &request.client_reference,
        request.payment_reference.as_deref(),
    )
    .await?;
    // The submit reply may echo no lines (the reference's example has none): the request's.
    view.placed.kind = OrderKind::NewEsim;
    if view.placed.lines.is_empty() {
        view.placed.lines = placed_lines(&request.lines);
    }
    Ok(subscriptions::with_esims(t, view, None).await)
}

pub(super) async fn place_top_up(
    t: &Telness,
    request: &TopUpRequest,
) -> Result<PlacedOrder, ProviderError> {
    let draft = match draft_of(request.draft.as_deref()) {
        Some(id) => id,
        None => {
            let cart = top_up_cart(t, request).await?;
            create(t, &cart, &request.client_reference).await?
        }
    };
    let mut view = submit(
        t,
        &draft,
        &request.client_reference,
        request.payment_reference.as_deref(),
    )
    .await?;
    // A top-up creates no subscription (§8.3): the package lands on the request's eSIM.
    view.placed.kind = OrderKind::TopUp;
    if view.placed.lines.is_empty() {
        view.placed.lines = placed_lines(&[RequestLine {
            offering_code: request.offering_code.clone(),
            quantity: 1,
        }]);
    }
    if view.top_up_targets.is_empty() {
        view.top_up_targets
            .push(subscription_id(&request.esim)?.to_owned());
    }
    Ok(subscriptions::with_esims(t, view, Some(&request.esim)).await)
}

fn placed_lines(lines: &[RequestLine]) -> Vec<PlacedLine> {
    lines
        .iter()
        .map(|l| PlacedLine {
            offering_code: l.offering_code.clone(),
            quantity: l.quantity,
            iccids: Vec::new(),
        })
        .collect()
}

fn draft_of(draft: Option<&str>) -> Option<String> {
    draft
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_owned)
}

/// `POST /orders/{id}/submit` with `externalPayment.reference` and `X-Idempotency-Key:
/// <ref>-submit`, sent exactly once: the one request that spends money. Any doubt about whether
/// it landed (no reply, a 5xx, a 409, an unreadable 2xx) is [`ProviderError::OutcomeUnknown`]
/// naming the order, which reconciliation reads.
async fn submit(
    t: &Telness,
    order_id: &str,
    client_reference: &str,
    payment_reference: Option<&str>,
) -> Result<OrderView, ProviderError> {
    // The desk's card-terminal reference; a sale recorded without one still needs a reference
    // Telness can show, and the sale's own reference is the one the desk can trace.
    let reference = payment_reference
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| client_reference.trim());
    let body = wire::SubmitOrder {
        external_payment: wire::ExternalPayment { reference },
    };
    let bytes = serde_json::to_vec(&body).map_err(|e| ProviderError::Configuration {
        message: format!("cannot encode the submit: {e}"),
    })?;
    let call = Call::new(
        Method::POST,
        &["orders", order_id, "submit"],
        CallKind::Once,
    )
    .json_body(bytes);
    let call = with_idempotency_key(call, client_reference, assumed::SUBMIT_KEY_SUFFIX)?;
    tracing::info!(provider = "telness", order = %order_id, "submitting the order");
    let unknown = |e: ProviderError| match e {
        ProviderError::OutcomeUnknown { detail } => ProviderError::OutcomeUnknown {
            detail: clip(&format!("order {order_id}: {detail}")),
        },
        other => other,
    };
    let reply = t.send(&call, Op::Submit).await.map_err(unknown)?;
    let unreadable = |e: ProviderError| ProviderError::OutcomeUnknown {
        detail: clip(&format!(
            "order {order_id} was submitted but the reply could not be read: {e}"
        )),
    };
    let order: wire::Order = parse(&reply.body, "submitted order").map_err(unreadable)?;
    let mut view = map::order_view(order).map_err(unreadable)?;
    if view.placed.provider_reference != order_id {
        view.placed.notes.push(format!(
            "Telness answered the submit of order {order_id} with order {}",
            view.placed.provider_reference
        ));
    }
    view.placed.client_reference = Some(client_reference.to_owned());
    Ok(view)
}

/// `GET /orders/{id}` (§5.5), each of its subscriptions read for its ICCID.
pub(super) async fn status(t: &Telness, order_id: &str) -> Result<PlacedOrder, ProviderError> {
    let view = read(t, order_id).await?;
    Ok(subscriptions::with_esims(t, view, None).await)
}

pub(super) async fn read(t: &Telness, order_id: &str) -> Result<OrderView, ProviderError> {
    let order: wire::Order = t
        .get_json(Call::get(&["orders", order_id]), "order")
        .await?;
    map::order_view(order)
}

/// `POST /orders/{id}/cancel` with `{}` (§8.4), sent once. The reply is the order; when it does
/// not say `CANCELLED`, the order is read again before answering.
pub(super) async fn cancel(t: &Telness, order_id: &str) -> Result<CancelOutcome, ProviderError> {
    let call = Call::new(
        Method::POST,
        &["orders", order_id, "cancel"],
        CallKind::Once,
    )
    .json_body(assumed::CANCEL_ORDER_BODY.to_vec());
    let reply = t.send(&call, Op::Cancel).await?;
    let answered = parse::<wire::Order>(&reply.body, "cancelled order")
        .ok()
        .and_then(|o| map::order_view(o).ok());
    let status = match answered {
        Some(view) if view.placed.status == OrderStatus::Cancelled => view.placed.status,
        _ => read(t, order_id).await?.placed.status,
    };
    match status {
        // External payment (§7): Telness took no money for the order, so it returns none; a
        // customer who paid at the desk is refunded there.
        OrderStatus::Cancelled => Ok(CancelOutcome {
            refund: Refund::None,
            message: Some(format!(
                "Telness cancelled order {order_id}; any payment taken at the desk is refunded there"
            )),
        }),
        other => Err(ProviderError::InvalidRequest {
            message: format!(
                "Telness did not cancel order {order_id}: it is {}",
                describe(&other)
            ),
        }),
    }
}

pub(super) fn describe(status: &OrderStatus) -> String {
    match status {
        OrderStatus::Draft => "still a cart".into(),
        OrderStatus::Provisioning => "being fulfilled".into(),
        OrderStatus::Completed => "completed".into(),
        OrderStatus::Failed { .. } => "failed".into(),
        OrderStatus::Cancelled => "cancelled".into(),
        OrderStatus::Unrecognised { raw } => format!("in state {raw}"),
    }
}
