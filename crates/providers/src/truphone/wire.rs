//! Truphone Connect API v2 wire types, field names exactly as in the wire reference
//! (`truphone.md`). Private to the adapter; mapped to core types in `map.rs`.
//!
//! Reading rules: unknown fields are ignored, absent optional fields stay absent (never zero),
//! numbers are read from their exact JSON text (money never goes through `f64`), and balances are
//! accepted as numbers or numeric strings (open point 9). Types that hold a token or an activation
//! token (`TokenReply`, `Order`, `Sim`) have no `Debug`: nothing can print them by accident.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;

pub(super) use crate::json_number::Number;

/// The correlation header every request carries (§1: "we require").
pub(super) const CORRELATION_HEADER: &str = "x-correlation-id";

// ---------------------------------------------------------------------------------------------
// Authentication (§2)

/// The token reply. Only `access_token` is documented; the rest is standard OAuth2 (open
/// point 3).
#[derive(Deserialize)]
pub(super) struct TokenReply {
    pub access_token: Option<String>,
    pub expires_in: Option<Number>,
    pub refresh_token: Option<String>,
    pub refresh_expires_in: Option<Number>,
    pub token_type: Option<String>,
}

/// A refusal from the token endpoint (Keycloak: `{"error", "error_description"}`).
#[derive(Debug, Deserialize)]
pub(super) struct TokenError {
    pub error: Option<String>,
    pub error_description: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Lists (§4, §8.2)

/// `{ "data": [...], "_metadata": {...} }`. Items stay raw so that one unreadable item is
/// skipped, not the whole page.
#[derive(Debug, Deserialize)]
pub(super) struct List {
    #[serde(default)]
    pub data: Vec<Box<RawValue>>,
    #[serde(rename = "_metadata")]
    pub metadata: Option<ListMetadata>,
}

#[derive(Debug, Deserialize)]
pub(super) struct ListMetadata {
    pub page_count: Option<Number>,
    pub links: Option<ListLinks>,
}

#[derive(Debug, Deserialize)]
pub(super) struct ListLinks {
    #[serde(rename = "_next")]
    pub next: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Products (§4)

#[derive(Debug, Deserialize)]
pub(super) struct Product {
    pub id: String,
    pub name: Option<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub sim_type: Vec<String>,
    pub duration: Option<Number>,
    pub duration_unit: Option<String>,
    pub data: Option<Number>,
    pub data_unit: Option<String>,
    pub price: Option<Number>,
    pub price_currency: Option<String>,
    pub footprint_code: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Orders (§5, §6): requests

/// `POST /v2/orders` (§5.1, §5.4).
#[derive(Debug, Serialize)]
pub(super) struct CreateOrder<'a> {
    pub operation_type: &'static str,
    pub sim_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<&'a str>,
    pub product: ProductRef<'a>,
    pub subscriber: Subscriber<'a>,
}

pub(super) const ACTIVATION: &str = "ACTIVATION";
pub(super) const TOPUP: &str = "TOPUP";
pub(super) const ESIM: &str = "ESIM";

#[derive(Debug, Serialize)]
pub(super) struct ProductRef<'a> {
    pub id: &'a str,
}

/// The traveller (`ACTIVATION`) or the eSIM to top up (`TOPUP`).
#[derive(Debug, Default, Serialize)]
pub(super) struct Subscriber<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_of_residence: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<Device<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sim: Option<SimRef<'a>>,
}

#[derive(Debug, Serialize)]
pub(super) struct Device<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operating_system: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eid: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub(super) struct SimRef<'a> {
    pub iccid: &'a str,
}

// ---------------------------------------------------------------------------------------------
// Orders (§5.2, §6): replies

/// The create reply (§5.2) and the order read (§6) alike.
#[derive(Deserialize)]
pub(super) struct Order {
    pub id: Option<String>,
    pub status: Option<String>,
    pub created_date: Option<String>,
    /// Not documented on replies; read when present.
    pub operation_type: Option<String>,
    pub output: Option<Output>,
    /// Open point 6 (assumed): why a `FAILED` order failed.
    pub error: Option<ErrorBody>,
    #[serde(rename = "_metadata")]
    pub metadata: Option<OrderMetadata>,
}

#[derive(Deserialize)]
pub(super) struct Output {
    pub matching_id: Option<String>,
    pub iccid: Option<String>,
    // `subscription_id` (the plan's subscription) is not read: reconciliation finds the
    // subscription by product and time, and usage by ICCID.
    /// §5.5: the voucher service's code.
    pub data: Option<OutputData>,
}

#[derive(Deserialize)]
pub(super) struct OutputData {
    pub code: Option<String>,
}

/// The create reply nests links under `_links`, the read under `links` (§5.2 quirk).
#[derive(Deserialize)]
pub(super) struct OrderMetadata {
    pub links: Option<OrderLinks>,
    #[serde(rename = "_links")]
    pub underscore_links: Option<OrderLinks>,
}

#[derive(Deserialize)]
pub(super) struct OrderLinks {
    #[serde(rename = "_lpa")]
    pub lpa: Option<String>,
    #[serde(rename = "_smdp")]
    pub smdp: Option<String>,
}

impl OrderMetadata {
    /// Whichever of the two spellings is present (`links` first).
    pub(super) fn links(&self) -> Option<&OrderLinks> {
        self.links.as_ref().or(self.underscore_links.as_ref())
    }
}

// ---------------------------------------------------------------------------------------------
// SIMs and subscriptions (§8)

/// `GET /v2/sims/{iccid}` (§8.1).
#[derive(Deserialize)]
pub(super) struct Sim {
    pub iccid: Option<String>,
    pub status: Option<String>,
    pub matching_id: Option<String>,
    #[serde(rename = "_metadata")]
    pub metadata: Option<OrderMetadata>,
}

/// One subscription (§8.2).
#[derive(Debug, Deserialize)]
pub(super) struct Subscription {
    pub id: Option<String>,
    pub sim_id: Option<String>,
    pub product_id: Option<String>,
    pub created_date: Option<String>,
    pub activation_date: Option<String>,
    pub expiry_date: Option<String>,
    pub status: Option<String>,
    pub initial_balance: Option<Number>,
    pub current_balance: Option<Number>,
    pub spend_balance: Option<Number>,
    pub balance_units: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Errors (§9)

/// `{ "type": "INVALID_REQUEST_PARAMS", "messages": ["..."] }`; a lone `message` is read too.
#[derive(Debug, Deserialize)]
pub(super) struct ErrorBody {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub messages: Vec<String>,
    pub message: Option<String>,
}

/// A list of strings, or one string (lenient: `sim_type`, `messages`), or `null`.
fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<OneOrMany>::deserialize(d)? {
        None => Vec::new(),
        Some(OneOrMany::One(s)) => vec![s],
        Some(OneOrMany::Many(v)) => v,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn lenient_lists_and_both_link_spellings() {
        let p: Product =
            serde_json::from_str(r#"{"id": "a=", "sim_type": "ESIM", "price": 19.5}"#).unwrap();
        assert_eq!(p.sim_type, ["ESIM"]);
        let p: Product = serde_json::from_str(r#"{"id": "a=", "sim_type": null}"#).unwrap();
        assert!(p.sim_type.is_empty());
        let e: ErrorBody =
            serde_json::from_str(r#"{"type": "INVALID_REQUEST_PARAMS", "messages": "one"}"#)
                .unwrap();
        assert_eq!(e.messages, ["one"]);
        let m: OrderMetadata =
            serde_json::from_str(r#"{"_links": {"_lpa": "1$rsp.truphone.com$X"}}"#).unwrap();
        assert_eq!(
            m.links().and_then(|l| l.lpa.as_deref()),
            Some("1$rsp.truphone.com$X")
        );
    }

    #[test]
    fn requests_leave_out_what_is_unknown() {
        let body = CreateOrder {
            operation_type: TOPUP,
            sim_type: ESIM,
            country: None,
            product: ProductRef { id: "kn8=" },
            subscriber: Subscriber {
                sim: Some(SimRef {
                    iccid: "8944470000005678901",
                }),
                ..Subscriber::default()
            },
        };
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({"operation_type": "TOPUP", "sim_type": "ESIM",
                "product": {"id": "kn8="}, "subscriber": {"sim": {"iccid": "8944470000005678901"}}})
        );
    }
}
