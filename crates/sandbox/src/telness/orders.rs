//! `POST /orders`, `GET /orders/{id}`, `POST /orders/{id}/line-items`,
//! `POST /orders/{id}/cancel` (telness.md §5, §8.4).
//!
//! What the reference refuses is refused at once (`400`, `409`): unknown offerings, a line of
//! the wrong kind, a package linked to both or neither of a parent line and a subscription, a
//! Travel eSIM without a package. What is merely not filled in yet (customer, subscriber) is
//! accepted and reported in the order's `validation`, as the reference allows an order to be
//! "created with little information and completed later"; pricing and submitting then refuse it.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde_json::Value;
use time::OffsetDateTime;

use super::error::{TelnessError, parse_body, parse_optional_body};
use super::model::{Customer, Order, OrderState, SubscriptionStatus};
use super::state::Telness;
use super::wire::{CreateOrder, CustomerRef, CustomerType, LineItem};
use super::{Ctx, Done, mutate};
use crate::clock::rfc3339;

/// An abandoned cart expires this long after creation (the reference's example: 7 days).
const CART_LIFETIME: time::Duration = time::Duration::days(7);

/// The customer of a new order, before anything is written.
enum Resolved {
    Existing(usize),
    New(Customer),
}

impl Telness {
    fn resolve_customer(&mut self, value: &Value) -> Result<Resolved, TelnessError> {
        match CustomerRef::parse(value)? {
            CustomerRef::Existing(c) => self
                .customer_index(&c.customer_id)
                .map(Resolved::Existing)
                .ok_or_else(|| {
                    TelnessError::field(
                        "customer.customerId",
                        "NOT_FOUND",
                        &format!("no customer {}", c.customer_id),
                    )
                }),
            CustomerRef::New(c) => {
                if c.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
                    return Err(TelnessError::field(
                        "customer.name",
                        "FIELD_REQUIRED",
                        "a new customer needs a name",
                    ));
                }
                Ok(Resolved::New(Customer {
                    id: self.mint_uuid(),
                    name: c.name,
                    customer_type: c.customer_type.unwrap_or(CustomerType::Consumer),
                    reference_id: c.reference_id,
                    contact: c.contact,
                    created_by_order: true,
                }))
            }
        }
    }

    /// Refuses line `index` of `lines` if the reference would. `customer` is the order's
    /// customer when known (a top-up must be for one of its subscriptions).
    fn check_line(
        &self,
        index: usize,
        lines: &[LineItem],
        customer: Option<usize>,
    ) -> Result<(), TelnessError> {
        let Some(line) = lines.get(index) else {
            return Ok(());
        };
        let prop = |f: &str| format!("lineItems[{index}].{f}");
        if line.id().trim().is_empty() {
            return Err(TelnessError::field(
                prop("lineItemId"),
                "FIELD_REQUIRED",
                "lineItemId is empty",
            ));
        }
        if lines.iter().filter(|l| l.id() == line.id()).count() > 1 {
            return Err(TelnessError::field(
                prop("lineItemId"),
                "INVALID_VALUE",
                &format!("lineItemId {:?} is used twice in the order", line.id()),
            ));
        }
        let offering = self.offerings.get(line.offering_id()).ok_or_else(|| {
            TelnessError::field(
                prop("productOfferingId"),
                "NOT_FOUND",
                &format!("no product offering {}", line.offering_id()),
            )
        })?;
        match line {
            LineItem::Subscription(sub) => {
                if offering.kind != "SUBSCRIPTION" {
                    return Err(TelnessError::field(
                        prop("productOfferingId"),
                        "INVALID_VALUE",
                        "a SUBSCRIPTION line needs a subscription offering (TRAVEL_ESIM)",
                    ));
                }
                if sub.sim.as_ref().and_then(|s| s.esim) == Some(false) {
                    return Err(TelnessError::field(
                        prop("sim.esim"),
                        "INVALID_VALUE",
                        "a Travel eSIM is an eSIM: sim.esim must be true",
                    ));
                }
            }
            LineItem::Addon(addon) => {
                if !offering.is_package() {
                    return Err(TelnessError::field(
                        prop("productOfferingId"),
                        "INVALID_VALUE",
                        "an ADDON line needs a TRAVEL_ESIM_PACKAGE offering",
                    ));
                }
                match (&addon.parent_line_item_id, &addon.subscription_id) {
                    (Some(parent), None) => {
                        let linked = lines.iter().any(|l| {
                            l.as_subscription()
                                .is_some_and(|s| &s.line_item_id == parent)
                        });
                        if !linked {
                            return Err(TelnessError::field(
                                prop("parentLineItemId"),
                                "INVALID_VALUE",
                                &format!("no SUBSCRIPTION line {parent:?} in the order"),
                            ));
                        }
                    }
                    (None, Some(target)) => self.check_top_up_target(&prop, target, customer)?,
                    _ => {
                        return Err(TelnessError::field(
                            prop("parentLineItemId"),
                            "INVALID_VALUE",
                            "an ADDON line needs exactly one of parentLineItemId (a new eSIM) \
                             and subscriptionId (a top-up)",
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    fn check_top_up_target(
        &self,
        prop: &dyn Fn(&str) -> String,
        target: &str,
        customer: Option<usize>,
    ) -> Result<(), TelnessError> {
        let sub = self
            .subscription_index(target)
            .ok()
            .filter(|_| !target.starts_with(super::state::REFERENCE_PREFIX))
            .and_then(|s| self.subscriptions.get(s))
            .ok_or_else(|| {
                TelnessError::field(
                    prop("subscriptionId"),
                    "NOT_FOUND",
                    &format!("no subscription {target}"),
                )
            })?;
        if customer.is_some_and(|c| c != sub.customer) {
            return Err(TelnessError::field(
                prop("subscriptionId"),
                "INVALID_VALUE",
                "the subscription belongs to another customer",
            ));
        }
        if sub.status != SubscriptionStatus::Activated {
            return Err(TelnessError::conflict(format!(
                "subscription {target} is {}; packages can only be added to an ACTIVATED one",
                sub.status.wire()
            )));
        }
        Ok(())
    }

    fn create_order(
        &mut self,
        req: CreateOrder,
        now: OffsetDateTime,
    ) -> Result<usize, TelnessError> {
        for (name, value) in [
            ("user", &req.user),
            ("billing", &req.billing),
            ("shipping", &req.shipping),
        ] {
            if value.as_ref().is_some_and(|v| !v.is_object()) {
                return Err(TelnessError::field(
                    name,
                    "INVALID_VALUE",
                    &format!("{name} must be an object"),
                ));
            }
        }
        let customer = req
            .customer
            .as_ref()
            .map(|c| self.resolve_customer(c))
            .transpose()?;
        let customer_for_checks = match &customer {
            Some(Resolved::Existing(c)) => Some(*c),
            // A customer created now owns no subscription yet.
            Some(Resolved::New(_)) => Some(usize::MAX),
            None => None,
        };
        for i in 0..req.line_items.len() {
            self.check_line(i, &req.line_items, customer_for_checks)?;
        }
        for line in req.line_items.iter().filter_map(LineItem::as_subscription) {
            let has_package = req.line_items.iter().any(|l| {
                l.as_addon()
                    .is_some_and(|a| a.parent_line_item_id.as_deref() == Some(&line.line_item_id))
            });
            if !has_package {
                return Err(TelnessError::field(
                    "lineItems",
                    "FIELD_REQUIRED",
                    "Order must contain a TRAVEL_ESIM_PACKAGE line item",
                )
                .with_suggestion("Add a data package")
                .with_hint("Add a TRAVEL_ESIM_PACKAGE addon linked with parentLineItemId"));
            }
        }
        // Everything checked: now write.
        let customer = customer.map(|c| match c {
            Resolved::Existing(idx) => idx,
            Resolved::New(c) => self.add_customer(c),
        });
        let expires_at = now + CART_LIFETIME;
        let order = Order {
            id: self.mint_uuid(),
            state: OrderState::Pending,
            customer,
            user: req.user,
            billing: req.billing,
            shipping: req.shipping,
            promo_code: req.promo_code,
            metadata: req.metadata,
            lines: req.line_items,
            created_at: now,
            updated_at: now,
            expires_at,
            submitted_at: None,
            processing_at: None,
            completed_at: None,
            cancelled_at: None,
            external_payment: None,
            outcome: self.fulfilment.outcome,
            completion_delay: self.fulfilment.completion_delay,
            next_at: Some(expires_at),
            subscriptions: Vec::new(),
            priced_at: None,
        };
        tracing::info!(order = %order.id, "Telness order created");
        Ok(self.add_order(order))
    }

    fn add_line(
        &mut self,
        idx: usize,
        line: LineItem,
        now: OffsetDateTime,
    ) -> Result<(), TelnessError> {
        let order = self.order(idx)?;
        if !order.state.is_cart() {
            return Err(TelnessError::conflict(format!(
                "order {} is {}; lines can only be added to a PENDING or CONFIGURED order",
                order.id,
                order.state.wire()
            )));
        }
        let customer = order.customer;
        let mut lines = order.lines.clone();
        lines.push(line);
        self.check_line(lines.len() - 1, &lines, customer)?;
        let order = self.order_mut(idx)?;
        order.lines = lines;
        order.updated_at = now;
        order.priced_at = None;
        Ok(())
    }
}

/// `POST /orders` → `201` and the order, `PENDING`.
pub async fn create(
    State(app): State<Ctx>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, TelnessError> {
    mutate(&app, &uri, &headers, &body, |st, now| {
        let req: CreateOrder = parse_body(&headers, &body)?;
        let idx = st.create_order(req, now)?;
        Ok(Done::committed(StatusCode::CREATED, st.order_view(idx)?))
    })
}

/// `GET /orders/{orderId}` (the polling read).
pub async fn one(
    State(app): State<Ctx>,
    Path(id): Path<String>,
) -> Result<axum::Json<Value>, TelnessError> {
    let now = app.clock.now();
    let mut st = app.sim.lock();
    st.settle(now)?;
    let idx = st.order_index(&id)?;
    Ok(axum::Json(st.order_view(idx)?))
}

/// `POST /orders/{orderId}/line-items` → `201` and the line.
pub async fn add_line(
    State(app): State<Ctx>,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, TelnessError> {
    mutate(&app, &uri, &headers, &body, |st, now| {
        let idx = st.order_index(&id)?;
        let line: LineItem = parse_body(&headers, &body)?;
        let echo =
            serde_json::to_value(&line).map_err(|e| TelnessError::internal(e.to_string()))?;
        st.add_line(idx, line, now)?;
        Ok(Done::committed(StatusCode::CREATED, echo))
    })
}

/// `POST /orders/{orderId}/cancel` → the order, `CANCELLED`. Only before completion (`409`
/// after). The reference shows a body whose fields are unconfirmed: none, or any JSON object,
/// is taken.
pub async fn cancel(
    State(app): State<Ctx>,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, TelnessError> {
    mutate(&app, &uri, &headers, &body, |st, now| {
        let idx = st.order_index(&id)?;
        let _: serde_json::Map<String, Value> = parse_optional_body(&headers, &body)?;
        let order = st.order(idx)?;
        if order.state.is_terminal() {
            return Err(TelnessError::conflict(format!(
                "order {id} is {} and can no longer be cancelled",
                order.state.wire()
            )));
        }
        st.cancel_order(idx, now);
        tracing::info!(order = %id, at = %rfc3339(now), "Telness order cancelled");
        Ok(Done::committed(StatusCode::OK, st.order_view(idx)?))
    })
}
