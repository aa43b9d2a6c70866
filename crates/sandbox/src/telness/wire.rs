//! Telness request bodies, parsed strictly: the fields the reference documents are accepted
//! (even those the simulator does not act on), anything else is refused — a misspelt field must
//! fail here as it would at Telness, not be silently ignored.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::TelnessError;

/// `metadata`: an object of strings (§5.1).
pub type Metadata = BTreeMap<String, String>;

/// `POST /orders` (§5.1). Only `customer` and the lines matter to a Travel eSIM; the rest is
/// kept and echoed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateOrder {
    #[serde(default)]
    pub customer: Option<Value>,
    #[serde(default)]
    pub user: Option<Value>,
    #[serde(default)]
    pub line_items: Vec<LineItem>,
    #[serde(default)]
    pub billing: Option<Value>,
    #[serde(default)]
    pub shipping: Option<Value>,
    #[serde(default)]
    pub promo_code: Option<String>,
    #[serde(default)]
    pub metadata: Option<Metadata>,
}

/// One line item (§5.2). Travel eSIM uses two of the reference's kinds; the others
/// (licence, top-up, external product, changes) are refused as the tenant does not sell them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LineItem {
    Subscription(SubscriptionLine),
    Addon(AddonLine),
}

impl LineItem {
    pub fn id(&self) -> &str {
        match self {
            Self::Subscription(s) => &s.line_item_id,
            Self::Addon(a) => &a.line_item_id,
        }
    }

    pub fn offering_id(&self) -> &str {
        match self {
            Self::Subscription(s) => &s.product_offering_id,
            Self::Addon(a) => &a.product_offering_id,
        }
    }

    pub fn as_addon(&self) -> Option<&AddonLine> {
        match self {
            Self::Addon(a) => Some(a),
            Self::Subscription(_) => None,
        }
    }

    pub fn as_subscription(&self) -> Option<&SubscriptionLine> {
        match self {
            Self::Subscription(s) => Some(s),
            Self::Addon(_) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SubscriptionLine {
    pub line_item_id: String,
    pub product_offering_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscriber: Option<Subscriber>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sim: Option<SimSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msisdn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_activation_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Subscriber {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SimSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub esim: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AddonLine {
    pub line_item_id: String,
    pub product_offering_id: String,
    /// A subscription line of the same order (a new eSIM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_line_item_id: Option<String>,
    /// An existing subscription (a top-up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

/// `customer: {"customerId"}` (§5.1).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExistingCustomer {
    pub customer_id: String,
}

/// `customer: {"name", "customerType", "referenceId", "contact": {"email"}}` (§5.1).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NewCustomer {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub customer_type: Option<CustomerType>,
    #[serde(default)]
    pub reference_id: Option<String>,
    #[serde(default)]
    pub contact: Option<Contact>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CustomerType {
    Consumer,
    Business,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// The two shapes of `customer`, told apart by `customerId` (parsed by hand: an untagged enum
/// would answer a misspelt field with a message nobody can act on).
#[derive(Debug, Clone)]
pub enum CustomerRef {
    Existing(ExistingCustomer),
    New(NewCustomer),
}

impl CustomerRef {
    pub fn parse(value: &Value) -> Result<Self, TelnessError> {
        let bad = |e: serde_json::Error| {
            TelnessError::field("customer", "INVALID_VALUE", &format!("customer: {e}"))
        };
        let Some(map) = value.as_object() else {
            return Err(TelnessError::field(
                "customer",
                "INVALID_VALUE",
                "customer must be an object",
            ));
        };
        if map.contains_key("customerId") {
            serde_json::from_value(value.clone())
                .map(Self::Existing)
                .map_err(bad)
        } else {
            serde_json::from_value(value.clone())
                .map(Self::New)
                .map_err(bad)
        }
    }
}

/// `POST /orders/{id}/submit` (§8.1). An empty body is an empty object.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SubmitOrder {
    #[serde(default)]
    pub external_payment: Option<ExternalPayment>,
    #[serde(default)]
    pub payment_session_id: Option<String>,
    #[serde(default)]
    pub metadata: Option<Metadata>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExternalPayment {
    pub reference: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_url: Option<String>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn line_items_are_tagged_and_strict() {
        let line: LineItem = serde_json::from_value(json!({"type": "ADDON", "lineItemId": "p",
            "productOfferingId": "o", "parentLineItemId": "s"}))
        .unwrap();
        assert_eq!(
            line.as_addon()
                .and_then(|a| a.parent_line_item_id.as_deref()),
            Some("s")
        );
        assert_eq!(
            serde_json::to_value(&line).unwrap(),
            json!({"type": "ADDON", "lineItemId": "p", "productOfferingId": "o",
                "parentLineItemId": "s"})
        );
        for bad in [
            json!({"type": "ADDON", "lineItemId": "p", "productOfferingId": "o", "parentLineItemID": "s"}),
            json!({"type": "LICENSE", "lineItemId": "p", "productOfferingId": "o"}),
            json!({"lineItemId": "p", "productOfferingId": "o"}),
            json!({"type": "SUBSCRIPTION", "productOfferingId": "o"}),
        ] {
            assert!(
                serde_json::from_value::<LineItem>(bad.clone()).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn customers_of_both_shapes() {
        assert!(matches!(
            CustomerRef::parse(&json!({"customerId": "c"})).unwrap(),
            CustomerRef::Existing(_)
        ));
        assert!(matches!(
            CustomerRef::parse(&json!({"name": "Ana", "customerType": "CONSUMER",
                "contact": {"email": "a@example.com"}}))
            .unwrap(),
            CustomerRef::New(_)
        ));
        assert!(CustomerRef::parse(&json!({"customerId": "c", "name": "x"})).is_err());
        assert!(CustomerRef::parse(&json!({"nmae": "x"})).is_err());
        assert!(CustomerRef::parse(&json!("c")).is_err());
    }
}
