//! The order object (§5.3) with its `validation` and `requirements`, as every order endpoint
//! answers it.

use serde::Serialize;
use serde_json::Value;

use super::error::{Detail, TelnessError};
use super::model::{Customer, Order};
use super::state::Telness;
use super::wire::{Contact, CustomerType, ExternalPayment, LineItem, Metadata};
use crate::clock::rfc3339;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Validation {
    pub is_valid: bool,
    pub missing_fields: Vec<String>,
    pub errors: Vec<FieldError>,
    /// Only the lines with something missing or wrong (the reference's example of a valid
    /// two-line order shows an empty list).
    pub line_item_validation: Vec<LineValidation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub message: String,
    pub property: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LineValidation {
    pub line_item_id: String,
    pub is_valid: bool,
    pub missing_fields: Vec<String>,
    pub errors: Vec<FieldError>,
}

impl Validation {
    /// The `400` that pricing or submitting an order in this state answers.
    pub fn to_error(&self) -> TelnessError {
        let mut e = TelnessError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "The order is not valid; read its validation",
        );
        let fields = self.missing_fields.iter().map(|f| (f.clone(), true));
        let errors = self.errors.iter().map(|f| (f.property.clone(), false));
        for (property, missing) in fields.chain(errors) {
            e = e.with_detail(Detail {
                message: if missing {
                    format!("{property} is required")
                } else {
                    "is not valid".to_owned()
                },
                code: if missing {
                    "FIELD_REQUIRED"
                } else {
                    "INVALID_VALUE"
                },
                property: Some(property),
                suggestion: None,
            });
        }
        for line in &self.line_item_validation {
            for f in &line.missing_fields {
                e = e.with_detail(Detail {
                    message: format!("{f} is required"),
                    code: "FIELD_REQUIRED",
                    property: Some(format!("lineItems[{}].{f}", line.line_item_id)),
                    suggestion: None,
                });
            }
            for f in &line.errors {
                e = e.with_detail(Detail {
                    message: f.message.clone(),
                    code: "INVALID_VALUE",
                    property: Some(format!("lineItems[{}].{}", line.line_item_id, f.property)),
                    suggestion: None,
                });
            }
        }
        e
    }
}

fn blank(text: Option<&String>) -> bool {
    text.is_none_or(|t| t.trim().is_empty())
}

/// What an order still lacks before it can be priced and submitted. What the reference would
/// refuse outright (unknown offerings, a package line linked to nothing) never gets this far.
pub fn validate(order: &Order) -> Validation {
    let mut v = Validation::default();
    if order.customer.is_none() {
        v.missing_fields.push("customer".to_owned());
    }
    if order.lines.is_empty() {
        v.missing_fields.push("lineItems".to_owned());
    }
    for line in &order.lines {
        let Some(sub) = line.as_subscription() else {
            continue;
        };
        let mut missing = Vec::new();
        let subscriber = sub.subscriber.as_ref();
        if blank(subscriber.and_then(|s| s.name.as_ref())) {
            missing.push("subscriber.name".to_owned());
        }
        if blank(subscriber.and_then(|s| s.email.as_ref())) {
            missing.push("subscriber.email".to_owned());
        }
        if sub.sim.as_ref().and_then(|s| s.esim).is_none() {
            missing.push("sim.esim".to_owned());
        }
        let mut errors = Vec::new();
        let has_package = order.lines.iter().any(|l| {
            l.as_addon()
                .is_some_and(|a| a.parent_line_item_id.as_deref() == Some(&sub.line_item_id))
        });
        if !has_package {
            errors.push(FieldError {
                message: "a Travel eSIM needs a TRAVEL_ESIM_PACKAGE addon".to_owned(),
                property: "lineItems".to_owned(),
            });
        }
        if !missing.is_empty() || !errors.is_empty() {
            v.line_item_validation.push(LineValidation {
                line_item_id: sub.line_item_id.clone(),
                is_valid: false,
                missing_fields: missing,
                errors,
            });
        }
    }
    v.is_valid =
        v.missing_fields.is_empty() && v.errors.is_empty() && v.line_item_validation.is_empty();
    v
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Requirements {
    requires_payment: &'static str,
    requires_payment_profile: &'static str,
    requires_signing: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct CustomerView {
    customer_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    customer_type: Option<CustomerType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reference_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    contact: Option<Contact>,
}

impl CustomerView {
    /// `{customerId}`, plus the creation details when the order created the customer.
    fn of(c: &Customer) -> Self {
        let details = c.created_by_order;
        Self {
            customer_id: c.id.clone(),
            name: c.name.clone().filter(|_| details),
            customer_type: details.then_some(c.customer_type),
            reference_id: c.reference_id.clone().filter(|_| details),
            contact: c.contact.clone().filter(|_| details),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct CreatedSubscription {
    subscription_id: String,
}

#[derive(Debug, Serialize)]
struct CreatedEntities {
    subscriptions: Vec<CreatedSubscription>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct OrderView<'a> {
    order_id: &'a str,
    state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    customer: Option<CustomerView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<&'a Value>,
    line_items: &'a [LineItem],
    validation: Validation,
    requirements: Requirements,
    #[serde(skip_serializing_if = "Option::is_none")]
    billing: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    shipping: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    promo_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<&'a Metadata>,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_payment: Option<&'a ExternalPayment>,
    created_entities: CreatedEntities,
    created_at: String,
    updated_at: String,
    expires_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    submitted_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    completed_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cancelled_at: Option<String>,
}

impl Telness {
    /// The sum of the lines' net prices, in EUR cents.
    pub fn order_total(&self, order: &Order) -> i64 {
        order
            .lines
            .iter()
            .filter_map(|l| self.offerings.get(l.offering_id()))
            .map(super::offerings::Offering::net_cents)
            .sum()
    }

    /// Payment is required whenever there is something to pay (§7: a zero-total order needs
    /// none).
    pub fn requires_payment(&self, order: &Order) -> bool {
        self.order_total(order) > 0
    }

    /// The order object (§5.3).
    pub fn order_view(&self, idx: usize) -> Result<Value, TelnessError> {
        let o = self.order(idx)?;
        // Subscriptions are announced once the order has fulfilled them (seed: "filled once
        // fulfilled"); a subscription still being provisioned is not listed yet.
        let created = if o.state == super::model::OrderState::Completed {
            o.subscriptions
                .iter()
                .filter_map(|&s| self.subscriptions.get(s))
                .map(|s| CreatedSubscription {
                    subscription_id: s.id.clone(),
                })
                .collect()
        } else {
            Vec::new()
        };
        let view = OrderView {
            order_id: &o.id,
            state: o.state.wire(),
            customer: o
                .customer
                .and_then(|c| self.customers.get(c))
                .map(CustomerView::of),
            user: o.user.as_ref(),
            line_items: &o.lines,
            validation: validate(o),
            requirements: Requirements {
                requires_payment: if self.requires_payment(o) {
                    "REQUIRED"
                } else {
                    "NOT_REQUIRED"
                },
                requires_payment_profile: "NOT_REQUIRED",
                requires_signing: "NOT_REQUIRED",
            },
            billing: o.billing.as_ref(),
            shipping: o.shipping.as_ref(),
            promo_code: o.promo_code.as_deref(),
            metadata: o.metadata.as_ref(),
            external_payment: o.external_payment.as_ref(),
            created_entities: CreatedEntities {
                subscriptions: created,
            },
            created_at: rfc3339(o.created_at),
            updated_at: rfc3339(o.updated_at),
            expires_at: rfc3339(o.expires_at),
            submitted_at: o.submitted_at.map(rfc3339),
            completed_at: o.completed_at.map(rfc3339),
            cancelled_at: o.cancelled_at.map(rfc3339),
        };
        serde_json::to_value(view).map_err(|e| TelnessError::internal(e.to_string()))
    }
}
