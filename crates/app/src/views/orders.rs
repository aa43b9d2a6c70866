//! Orders as the journal holds them, for the Orders screen, checkout and `esimdesk orders`.

use esimdesk_core::{Customer, Eid, Money, Order, OrderKind, OrderLine, OrderState, ProviderKind};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use ts_rs::TS;

use crate::AppError;

/// The traveller an order is for. Also what the checkout form sends.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CustomerView {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub device_model: Option<String>,
    /// The phone's EID (32 digits), where the customer gave it.
    pub eid: Option<String>,
}

impl From<Customer> for CustomerView {
    fn from(c: Customer) -> Self {
        CustomerView {
            name: c.name,
            email: c.email,
            phone: c.phone,
            device_model: c.device_model,
            eid: c.eid.map(|e| e.to_string()),
        }
    }
}

impl TryFrom<CustomerView> for Customer {
    type Error = AppError;

    /// Checks the EID (a wrong one is the person's typing error, named as such).
    fn try_from(c: CustomerView) -> Result<Self, AppError> {
        let eid = match c.eid.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            Some(text) => Some(Eid::parse(text)?),
            None => None,
        };
        Ok(Customer {
            name: c.name,
            email: c.email,
            phone: c.phone,
            device_model: c.device_model,
            eid,
        })
    }
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OrderLineView {
    pub offering_code: String,
    pub quantity: u32,
    /// What the provider charges per unit.
    pub unit_cost: Money,
    /// What the customer pays per unit, after markup.
    pub unit_retail: Money,
    /// For a top-up: the eSIM it goes on.
    pub iccid: Option<String>,
}

impl From<OrderLine> for OrderLineView {
    fn from(l: OrderLine) -> Self {
        OrderLineView {
            offering_code: l.offering_code,
            quantity: l.quantity,
            unit_cost: l.unit_cost,
            unit_retail: l.unit_retail,
            iccid: l.iccid.map(|i| i.to_string()),
        }
    }
}

/// An order: what was asked for and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OrderView {
    /// The desk's own reference for the sale.
    pub client_reference: String,
    pub provider: ProviderKind,
    pub kind: OrderKind,
    /// It takes something back (a revoke, a cancelled eSIM) rather than buys: no eSIM to deliver,
    /// no total to collect.
    pub takes_back: bool,
    pub lines: Vec<OrderLineView>,
    /// What the customer pays for the whole order; `None` when its lines cannot be added up
    /// (no lines, or lines in different currencies).
    pub retail_total: Option<Money>,
    /// `None` once the customer was erased (or for orders without one).
    pub customer: Option<CustomerView>,
    /// The desk's card terminal or payment provider reference.
    pub payment_reference: Option<String>,
    pub state: OrderState,
    /// The provider's id for the order, once known.
    pub provider_reference: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub created_at: OffsetDateTime,
}

impl From<Order> for OrderView {
    fn from(o: Order) -> Self {
        let retail_total = o.total_retail().ok();
        OrderView {
            retail_total,
            client_reference: o.client_reference,
            provider: o.provider,
            kind: o.kind,
            takes_back: o.kind.takes_back(),
            lines: o.lines.into_iter().map(Into::into).collect(),
            customer: o.customer.map(Into::into),
            payment_reference: o.payment_reference,
            state: o.state,
            provider_reference: o.provider_reference,
            created_at: o.created_at,
        }
    }
}

/// An order with what the journal knows about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct JournaledOrder {
    pub order: OrderView,
    pub account_id: String,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub updated_at: OffsetDateTime,
    /// The detail of the latest state change that had one (a provider's refusal, ...).
    pub last_detail: Option<String>,
    /// When every eSIM the order produced was saved with its activation code; `None` while
    /// the codes are still to come or the order is not completed.
    #[serde(with = "time::serde::rfc3339::option")]
    #[ts(type = "string | null")]
    pub delivered_at: Option<OffsetDateTime>,
}

impl From<esimdesk_store::JournaledOrder> for JournaledOrder {
    fn from(j: esimdesk_store::JournaledOrder) -> Self {
        JournaledOrder {
            order: j.order.into(),
            account_id: j.account_id,
            updated_at: j.updated_at,
            last_detail: j.last_detail,
            delivered_at: j.delivered_at,
        }
    }
}
