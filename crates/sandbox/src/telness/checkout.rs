//! `POST /orders/{id}/calculate-price` (§6) and `POST /orders/{id}/submit` (§8.1).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;

use super::error::{TelnessError, expect_no_body, parse_optional_body};
use super::model::OrderState;
use super::offerings::CURRENCY;
use super::state::Telness;
use super::views::validate;
use super::wire::SubmitOrder;
use super::{Ctx, Done, mutate};
use crate::clock::rfc3339;
use crate::money::Major;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Pricing {
    subtotal: Major,
    tax_amount: Major,
    fees: Major,
    total: Major,
    tax_included: bool,
    currency: &'static str,
    calculated_at: String,
    line_item_pricing: Vec<LinePricing>,
    line_items: Vec<LineTotals>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct LinePricing {
    line_item_id: String,
    description: String,
    amount: Major,
    tax_amount: Major,
    tax_included: bool,
    tax_breakdown: Vec<Value>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct LineTotals {
    line_item_id: String,
    subtotal: Major,
    total: Major,
    tax_amount: Major,
    tax_included: bool,
    tax_breakdown: Vec<Value>,
    fees: Vec<Value>,
    total_fees: Major,
    discounts: Vec<Discount>,
    total_discounts: Major,
}

#[derive(Debug, Serialize)]
struct Discount {
    name: &'static str,
    amount: Major,
}

impl Telness {
    /// Prices an order. Prices include tax (the offerings say `taxIncluded`) and no fees apply,
    /// so `total` is the sum of the lines' net prices. The result is cached while the order is
    /// unchanged: `calculatedAt` stays that of the first pricing.
    fn price(&mut self, idx: usize, now: OffsetDateTime) -> Result<Value, TelnessError> {
        let order = self.order(idx)?;
        if matches!(order.state, OrderState::Cancelled | OrderState::Expired) {
            return Err(TelnessError::conflict(format!(
                "order {} is {} and cannot be priced",
                order.id,
                order.state.wire()
            )));
        }
        let validation = validate(order);
        if !validation.is_valid {
            return Err(validation.to_error());
        }
        let mut line_item_pricing = Vec::new();
        let mut line_items = Vec::new();
        for line in &order.lines {
            let offering = self
                .offerings
                .get(line.offering_id())
                .ok_or_else(|| TelnessError::internal("an ordered offering vanished"))?;
            line_item_pricing.push(LinePricing {
                line_item_id: line.id().to_owned(),
                description: offering.name.clone(),
                amount: Major(offering.net_cents()),
                tax_amount: Major(0),
                tax_included: true,
                tax_breakdown: Vec::new(),
            });
            line_items.push(LineTotals {
                line_item_id: line.id().to_owned(),
                subtotal: Major(offering.gross_cents),
                total: Major(offering.net_cents()),
                tax_amount: Major(0),
                tax_included: true,
                tax_breakdown: Vec::new(),
                fees: Vec::new(),
                total_fees: Major(0),
                discounts: if offering.discount_cents > 0 {
                    vec![Discount {
                        name: "Offer discount",
                        amount: Major(offering.discount_cents),
                    }]
                } else {
                    Vec::new()
                },
                total_discounts: Major(offering.discount_cents),
            });
        }
        let total = self.order_total(order);
        let order = self.order_mut(idx)?;
        let calculated_at = *order.priced_at.get_or_insert(now);
        let pricing = Pricing {
            subtotal: Major(total),
            tax_amount: Major(0),
            fees: Major(0),
            total: Major(total),
            tax_included: true,
            currency: CURRENCY,
            calculated_at: rfc3339(calculated_at),
            line_item_pricing,
            line_items,
        };
        Ok(serde_json::json!({ "pricing": pricing }))
    }

    /// Submits a cart: `409` unless `PENDING`/`CONFIGURED`, `400` if invalid, `412` when
    /// payment is required and none is given (§8.1, open point 11).
    fn submit(
        &mut self,
        idx: usize,
        req: SubmitOrder,
        now: OffsetDateTime,
    ) -> Result<(), TelnessError> {
        let order = self.order(idx)?;
        if !order.state.is_cart() {
            return Err(TelnessError::conflict(format!(
                "order {} is {}; only a PENDING or CONFIGURED order can be submitted",
                order.id,
                order.state.wire()
            )));
        }
        let validation = validate(order);
        if !validation.is_valid {
            return Err(validation.to_error());
        }
        if let Some(session) = &req.payment_session_id {
            // Payment sessions are not simulated (the desk takes external payment), so no
            // session id can be known here.
            return Err(TelnessError::field(
                "paymentSessionId",
                "NOT_FOUND",
                &format!("no completed payment session {session}"),
            ));
        }
        if let Some(payment) = &req.external_payment {
            if payment.reference.trim().is_empty() {
                return Err(TelnessError::field(
                    "externalPayment.reference",
                    "FIELD_REQUIRED",
                    "the external payment reference is empty",
                ));
            }
            if let Some(u) = &payment.receipt_url
                && url::Url::parse(u).is_err()
            {
                return Err(TelnessError::field(
                    "externalPayment.receiptUrl",
                    "INVALID_VALUE",
                    "receiptUrl is not a URL",
                ));
            }
        } else if self.requires_payment(order) {
            return Err(TelnessError::precondition(
                "Payment is required before this order can be submitted",
            )
            .with_hint("Submit with externalPayment.reference once the payment is taken"));
        }
        // Top-ups go to subscriptions that must still be usable.
        for target in order
            .lines
            .iter()
            .filter_map(|l| l.as_addon()?.subscription_id.as_deref())
        {
            let s = self.subscription_index(target)?;
            let status = self.subscription(s)?.status;
            if status != super::model::SubscriptionStatus::Activated {
                return Err(TelnessError::conflict(format!(
                    "subscription {target} is {}",
                    status.wire()
                )));
            }
        }
        let fulfilment = self.fulfilment;
        let order = self.order_mut(idx)?;
        order.state = OrderState::Submitted;
        order.submitted_at = Some(now);
        order.updated_at = now;
        order.external_payment = req.external_payment;
        if let Some(extra) = req.metadata {
            order
                .metadata
                .get_or_insert_with(Default::default)
                .extend(extra);
        }
        order.outcome = fulfilment.outcome;
        order.completion_delay = fulfilment.completion_delay;
        order.next_at = Some(now + fulfilment.processing_after);
        tracing::info!(order = %order.id, "Telness order submitted");
        // With no delays configured the order is fulfilled before the answer is written.
        self.settle(now)
    }
}

/// `POST /orders/{orderId}/calculate-price` (no body).
pub async fn calculate(
    State(app): State<Ctx>,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, TelnessError> {
    mutate(&app, &uri, &headers, &body, |st, now| {
        let idx = st.order_index(&id)?;
        expect_no_body(&headers, &body)?;
        Ok(Done::unchanged(StatusCode::OK, st.price(idx, now)?))
    })
}

/// `POST /orders/{orderId}/submit` → the order (`SUBMITTED`, or further along when the
/// configured delays are zero).
pub async fn submit(
    State(app): State<Ctx>,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, TelnessError> {
    mutate(&app, &uri, &headers, &body, |st, now| {
        let idx = st.order_index(&id)?;
        let req: SubmitOrder = parse_optional_body(&headers, &body)?;
        st.submit(idx, req, now)?;
        Ok(Done::committed(StatusCode::OK, st.order_view(idx)?))
    })
}
