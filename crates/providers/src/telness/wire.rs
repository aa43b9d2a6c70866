//! Telness Connect API v2 wire types, field names exactly as in the wire reference
//! (`telness.md`). Private to the adapter; mapped to core types in `map.rs`.
//!
//! Reading rules: unknown fields are ignored, absent optional fields stay absent (never zero), and
//! numbers are read from their exact JSON text (money never goes through `f64`). Where the seed
//! and the reference disagree (§13), both spellings are accepted here: `dataMb` / `dataGb`
//! (open point 3), `dataBytes` / `dataUsed`+`dataRemaining` (open point 6). Category prefixes
//! (open point 2) and `ACTIVE` / `ACTIVATED` (open point 7) are values, read in `map.rs`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

pub(super) use crate::json_number::Number;

/// Longest `X-Idempotency-Key` Telness accepts (§1, docs).
pub(super) const MAX_IDEMPOTENCY_KEY_LEN: usize = 256;

/// The idempotency key header (§1).
pub(super) const IDEMPOTENCY_KEY_HEADER: &str = "x-idempotency-key";

/// The API key header (§1; header names are case-insensitive).
pub(super) const API_KEY_HEADER: &str = "x-api-key";

// ---------------------------------------------------------------------------------------------
// Product offerings (§4)

/// `GET /product-offerings`: `{ "items": [...], "pagination": {...} }`. Items stay raw so that
/// one unreadable offering is skipped, not the whole page.
#[derive(Debug, Deserialize)]
pub(super) struct OfferingList {
    #[serde(default)]
    pub items: Vec<Box<RawValue>>,
    pub pagination: Option<Pagination>,
}

/// Only the cursor shape is followed; the `{total, limit, offset, sort}` shape (§4.1) has no
/// `nextCursor` and ends the walk.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Pagination {
    pub next_cursor: Option<String>,
}

/// An offering (§4.1, §4.2); only what the desk uses.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Offering {
    pub product_offering_id: String,
    pub status: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub product: Option<Product>,
    pub price: Option<Price>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Product {
    /// `SUBSCRIPTION` | `SUBSCRIPTION_ADDON` | ...
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// `TRAVEL_ESIM_PACKAGE` or `PRODUCT_CATEGORY_TRAVEL_ESIM_PACKAGE` (open point 2).
    pub category: Option<String>,
    pub features: Option<Features>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Features {
    /// The reference's allowance, in (binary) megabytes.
    pub data_mb: Option<Number>,
    /// The seed's spelling (open point 3), in gigabytes; read only when `dataMb` is absent.
    pub data_gb: Option<Number>,
    pub validity_days: Option<Number>,
    pub countries: Option<Vec<String>>,
    pub regions: Option<Vec<String>>,
    pub activation_type: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Price {
    /// Major units: what the customer pays (`grossPrice − discount`).
    pub net_price: Option<Number>,
    pub gross_price: Option<Number>,
    pub discount: Option<Number>,
    pub currency: Option<String>,
    pub price_type: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Orders (§5, §6, §8): requests

/// `POST /orders` body (§5.1). Field order is fixed, so the same sale always serialises to the
/// same bytes: an idempotent re-send must carry an identical body (§1).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CreateOrder<'a> {
    pub customer: CustomerRef<'a>,
    pub line_items: Vec<LineItem<'a>>,
    /// Ordered map: deterministic bytes.
    pub metadata: BTreeMap<&'static str, &'a str>,
}

/// The order's customer: an existing one, or a new one created by the order (§5.1).
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub(super) enum CustomerRef<'a> {
    Existing(ExistingCustomer),
    New(NewCustomer<'a>),
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ExistingCustomer {
    pub customer_id: String,
}

/// `{ "name", "customerType", "referenceId", "contact": { "email" } }` (§5.1, notes: 3rd-party).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct NewCustomer<'a> {
    pub name: &'a str,
    pub customer_type: &'static str,
    pub reference_id: &'a str,
    pub contact: Contact<'a>,
}

#[derive(Debug, Serialize)]
pub(super) struct Contact<'a> {
    pub email: &'a str,
}

/// The two Travel eSIM line kinds (§5.2).
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all_fields = "camelCase")]
pub(super) enum LineItem<'a> {
    /// The eSIM container.
    #[serde(rename = "SUBSCRIPTION")]
    Subscription {
        line_item_id: String,
        product_offering_id: &'a str,
        subscriber: Subscriber<'a>,
        sim: Sim,
    },
    /// A data package, on a subscription of the same order (`parentLineItemId`) or an existing
    /// one (`subscriptionId`, a top-up): exactly one of the two.
    #[serde(rename = "ADDON")]
    Addon {
        line_item_id: String,
        product_offering_id: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        parent_line_item_id: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        subscription_id: Option<&'a str>,
    },
}

#[derive(Debug, Serialize)]
pub(super) struct Subscriber<'a> {
    pub name: &'a str,
    pub email: &'a str,
}

#[derive(Debug, Serialize)]
pub(super) struct Sim {
    pub esim: bool,
}

/// `POST /orders/{id}/submit` body (§8.1): the desk's card terminal is the payment.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SubmitOrder<'a> {
    pub external_payment: ExternalPayment<'a>,
}

#[derive(Debug, Serialize)]
pub(super) struct ExternalPayment<'a> {
    pub reference: &'a str,
}

// ---------------------------------------------------------------------------------------------
// Orders: replies

/// The order object (§5.3): reply of create, get, submit and cancel.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Order {
    pub order_id: Option<String>,
    pub state: Option<String>,
    #[serde(default)]
    pub line_items: Option<Vec<OrderLineItem>>,
    pub validation: Option<Validation>,
    pub metadata: Option<BTreeMap<String, serde_json::Value>>,
    pub created_entities: Option<CreatedEntities>,
    pub created_at: Option<String>,
}

/// An order line as echoed (§5.3).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct OrderLineItem {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub product_offering_id: Option<String>,
    /// Set on a top-up's `ADDON` line: the subscription it goes on.
    pub subscription_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Validation {
    pub is_valid: Option<bool>,
    #[serde(default)]
    pub missing_fields: Vec<String>,
    #[serde(default)]
    pub errors: Vec<ValidationError>,
    #[serde(default)]
    pub line_item_validation: Vec<LineItemValidation>,
}

#[derive(Debug, Deserialize)]
pub(super) struct ValidationError {
    pub message: Option<String>,
    pub property: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct LineItemValidation {
    pub line_item_id: Option<String>,
    pub is_valid: Option<bool>,
    #[serde(default)]
    pub missing_fields: Vec<String>,
    #[serde(default)]
    pub errors: Vec<ValidationError>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CustomerInfo {
    pub customer_id: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct CreatedEntities {
    #[serde(default)]
    pub subscriptions: Vec<CreatedSubscription>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CreatedSubscription {
    pub subscription_id: Option<String>,
}

/// `POST /orders/{id}/calculate-price` reply (§6).
#[derive(Debug, Deserialize)]
pub(super) struct PriceReply {
    pub pricing: Pricing,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Pricing {
    pub total: Option<Number>,
    pub currency: Option<String>,
    #[serde(default)]
    pub line_item_pricing: Vec<LineItemPricing>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct LineItemPricing {
    pub line_item_id: Option<String>,
    pub amount: Option<Number>,
}

// ---------------------------------------------------------------------------------------------
// Subscriptions (§9)

/// The subscription object (§9.1); only what the desk uses.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Subscription {
    /// `ACTIVATED` (reference) or `ACTIVE` (seed), open point 7.
    pub status: Option<String>,
    pub sim: Option<SubscriptionSim>,
    pub customer: Option<CustomerInfo>,
    pub pending_status: Option<PendingStatus>,
}

#[derive(Debug, Deserialize)]
pub(super) struct SubscriptionSim {
    pub iccid: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PendingStatus {
    pub status: Option<String>,
    pub scheduled_at: Option<String>,
}

/// `GET /subscriptions/{id}/esim/qrcode` (§9.3). `qrCodeData` is a bearer credential: never
/// logged, never in a note.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct QrCode {
    pub qr_code_data: Option<String>,
}

/// `GET /subscriptions/{id}/usage` (§9.4): the reference's `dataBytes` / `topupBytes`, or the
/// seed's `dataUsed` / `dataRemaining` (open point 6).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Usage {
    pub data_bytes: Option<ByteBucket>,
    pub topup_bytes: Option<ByteBucket>,
    pub data_used: Option<Number>,
    pub data_remaining: Option<Number>,
    pub updated_at: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct ByteBucket {
    pub remaining: Option<Number>,
    pub limit: Option<Number>,
}

// ---------------------------------------------------------------------------------------------
// Errors (§11)

/// The error body (§11; assumed shape, see `assumed.rs`).
#[derive(Debug, Deserialize)]
pub(super) struct ErrorBody {
    pub message: Option<String>,
    pub code: Option<String>,
    #[serde(default)]
    pub details: Vec<ErrorDetail>,
    pub hint: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct ErrorDetail {
    pub message: Option<String>,
    pub property: Option<String>,
    pub suggestion: Option<String>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn a_new_esim_cart_serialises_as_the_reference_example() {
        let body = CreateOrder {
            customer: CustomerRef::Existing(ExistingCustomer {
                customer_id: "123e4567-e89b-12d3-a456-426614174000".into(),
            }),
            line_items: vec![
                LineItem::Subscription {
                    line_item_id: "esim-container".into(),
                    product_offering_id: "travel-esim-subscription-offering-id",
                    subscriber: Subscriber {
                        name: "Ana García",
                        email: "ana@example.com",
                    },
                    sim: Sim { esim: true },
                },
                LineItem::Addon {
                    line_item_id: "data-package".into(),
                    product_offering_id: "europe-5gb-30days-offering-id",
                    parent_line_item_id: Some("esim-container".into()),
                    subscription_id: None,
                },
            ],
            metadata: BTreeMap::from([("deskSaleRef", "DSK-2025-000123")]),
        };
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({
              "customer": { "customerId": "123e4567-e89b-12d3-a456-426614174000" },
              "lineItems": [
                { "type": "SUBSCRIPTION", "lineItemId": "esim-container",
                  "productOfferingId": "travel-esim-subscription-offering-id",
                  "subscriber": { "name": "Ana García", "email": "ana@example.com" },
                  "sim": { "esim": true } },
                { "type": "ADDON", "lineItemId": "data-package",
                  "productOfferingId": "europe-5gb-30days-offering-id", "parentLineItemId": "esim-container" }
              ],
              "metadata": { "deskSaleRef": "DSK-2025-000123" }
            })
        );
    }

    #[test]
    fn a_new_customer_and_a_top_up_line() {
        let customer = CustomerRef::New(NewCustomer {
            name: "Ana García",
            customer_type: "CONSUMER",
            reference_id: "desk-1",
            contact: Contact {
                email: "ana@example.com",
            },
        });
        assert_eq!(
            serde_json::to_value(&customer).unwrap(),
            serde_json::json!({"name": "Ana García", "customerType": "CONSUMER",
                "referenceId": "desk-1", "contact": {"email": "ana@example.com"}})
        );
        let line = LineItem::Addon {
            line_item_id: "topup-package".into(),
            product_offering_id: "europe-10gb-30days-offering-id",
            parent_line_item_id: None,
            subscription_id: Some("d8174435-6378-4be5-a9f5-8b4aaadae5d4"),
        };
        assert_eq!(
            serde_json::to_value(&line).unwrap(),
            serde_json::json!({"type": "ADDON", "lineItemId": "topup-package",
                "productOfferingId": "europe-10gb-30days-offering-id",
                "subscriptionId": "d8174435-6378-4be5-a9f5-8b4aaadae5d4"})
        );
    }

    #[test]
    fn the_submit_body() {
        let body = SubmitOrder {
            external_payment: ExternalPayment {
                reference: "term-7Q2K-0042",
            },
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"externalPayment":{"reference":"term-7Q2K-0042"}}"#
        );
    }

    #[test]
    fn the_reference_order_reply() {
        let order: Order = serde_json::from_str(
            r#"{"orderId": "4b0f6a8e-2d7c-4e59-9a39-0f1d2c3b4a55", "state": "PENDING",
            "customer": { "customerId": "123e4567-e89b-12d3-a456-426614174000" },
            "lineItems": [
              { "type": "SUBSCRIPTION", "lineItemId": "esim-container",
                "productOfferingId": "travel-esim-subscription-offering-id",
                "subscriber": { "name": "Ana García", "email": "ana@example.com" }, "sim": { "esim": true } },
              { "type": "ADDON", "lineItemId": "data-package",
                "productOfferingId": "europe-5gb-30days-offering-id", "parentLineItemId": "esim-container" }
            ],
            "validation": { "isValid": true, "missingFields": [], "errors": [], "lineItemValidation": [] },
            "requirements": { "requiresPayment": "REQUIRED", "requiresPaymentProfile": "NOT_REQUIRED",
                              "requiresSigning": "NOT_REQUIRED" },
            "metadata": { "deskSaleRef": "DSK-2025-000123" },
            "createdAt": "2025-06-02T09:14:00Z", "updatedAt": "2025-06-02T09:14:00Z",
            "expiresAt": "2025-06-09T09:14:00Z"}"#,
        )
        .unwrap();
        assert_eq!(order.state.as_deref(), Some("PENDING"));
        assert_eq!(order.line_items.unwrap().len(), 2);
        assert_eq!(order.validation.unwrap().is_valid, Some(true));
    }

    #[test]
    fn both_usage_shapes_read() {
        let reference: Usage = serde_json::from_str(
            r#"{"dataBytes": { "remaining": 4294967296, "limit": 5368709120 },
            "topupBytes": { "remaining": 0, "limit": 0 }, "callCount": 0, "callSeconds": 0, "smsCount": 0,
            "period": { "startDate": "2025-06-02", "endDate": "2025-07-01" },
            "updatedAt": "2025-06-05T18:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(
            reference.data_bytes.unwrap().limit.unwrap().as_u64(),
            Some(5_368_709_120)
        );
        let seed: Usage =
            serde_json::from_str(r#"{"dataUsed": 1073741824, "dataRemaining": 4294967296}"#)
                .unwrap();
        assert!(seed.data_bytes.is_none());
        assert_eq!(seed.data_used.unwrap().as_u64(), Some(1_073_741_824));
    }
}
