//! What the Truphone simulator keeps: orders, SIMs and subscriptions (truphone.md §5–§8).

use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::config::TruphoneOutcome;
use crate::clock::rfc3339;

/// `t` plus `d`, saturating (lifetimes and delays come from configuration).
pub fn later(t: OffsetDateTime, d: Duration) -> OffsetDateTime {
    t.saturating_add(time::Duration::try_from(d).unwrap_or(time::Duration::MAX))
}

/// A date-time as the reference writes them: UTC, whole seconds (`2021-02-24T09:00:00Z`, §1).
pub fn iso(t: OffsetDateTime) -> String {
    rfc3339(t.replace_nanosecond(0).unwrap_or(t))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OperationType {
    Activation,
    Topup,
}

impl OperationType {
    pub fn wire(self) -> &'static str {
        match self {
            Self::Activation => "ACTIVATION",
            Self::Topup => "TOPUP",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SimType {
    Esim,
    Psim,
}

impl SimType {
    pub fn wire(self) -> &'static str {
        match self {
            Self::Esim => "ESIM",
            Self::Psim => "PSIM",
        }
    }
}

/// An order's status (§6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderStatus {
    Accepted,
    Fulfilling,
    Completed,
    Failed,
}

impl OrderStatus {
    pub fn wire(self) -> &'static str {
        match self {
            Self::Accepted => "ACCEPTED",
            Self::Fulfilling => "FULFILLING",
            Self::Completed => "COMPLETED",
            Self::Failed => "FAILED",
        }
    }
}

/// A SIM profile's state (§8.1), in the reference's capitalised words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum TruphoneSimStatus {
    /// Ready to be installed.
    #[default]
    Released,
    /// Downloaded to the device's eUICC.
    Downloaded,
    /// Installed on the device.
    Installed,
    /// Deleted from the device or deactivated: no more top-ups.
    Unavailable,
}

impl TruphoneSimStatus {
    pub fn wire(self) -> &'static str {
        match self {
            Self::Released => "Released",
            Self::Downloaded => "Downloaded",
            Self::Installed => "Installed",
            Self::Unavailable => "Unavailable",
        }
    }
}

/// A subscription's status (§8.2), computed from its dates and balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriptionStatus {
    Pending,
    Active,
    Depleted,
    Expired,
}

impl SubscriptionStatus {
    pub fn wire(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Active => "ACTIVE",
            Self::Depleted => "DEPLETED",
            Self::Expired => "EXPIRED",
        }
    }
}

/// The price the desk says it sold at (`product.sold_price` + `sold_currency`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoldPrice {
    pub cents: i64,
    pub currency: String,
}

/// The end user of an activation (§5.1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subscriber {
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub country_of_residence: Option<String>,
}

/// What a completed order produced (§6 `output`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub iccid: String,
    /// Activation orders of an eSIM only.
    pub matching_id: Option<String>,
    pub subscription_id: String,
    /// `output.data.code` when the voucher service is on (§5.5).
    pub voucher: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Order {
    pub id: String,
    /// `X-Correlation-ID` of the request that created it.
    pub correlation_id: Option<String>,
    pub operation: OperationType,
    pub sim_type: SimType,
    pub country: String,
    pub product_id: String,
    pub sold_price: Option<SoldPrice>,
    pub activation_date: Option<OffsetDateTime>,
    pub expiry_date: Option<OffsetDateTime>,
    pub subscriber: Subscriber,
    /// `subscriber.sim.iccid`: the SIM a top-up is for, or a physical SIM to activate.
    pub iccid: Option<String>,
    /// The EID an eSIM is pushed to (iOS devices only, §7).
    pub push_eid: Option<String>,
    pub status: OrderStatus,
    pub created_at: OffsetDateTime,
    pub fulfilling_at: Option<OffsetDateTime>,
    pub ended_at: Option<OffsetDateTime>,
    /// When its next step is due; `None` when it waits for nothing (ended, or held).
    pub next_at: Option<OffsetDateTime>,
    pub completion_delay: Duration,
    pub outcome: TruphoneOutcome,
    pub output: Option<Output>,
    /// Why it `FAILED`.
    pub failure: Option<String>,
}

/// A SIM: an eSIM profile the simulator minted, or a physical SIM an order activated.
#[derive(Debug, Clone)]
pub struct SimCard {
    pub iccid: String,
    pub sim_type: SimType,
    pub status: TruphoneSimStatus,
    pub matching_id: Option<String>,
    pub last_modified: OffsetDateTime,
    pub created_at: OffsetDateTime,
    /// The activation order that created it.
    pub order_id: String,
    /// Its subscriber's email (`GET /v2/subscriptions?email=…` finds every plan on it).
    pub email: Option<String>,
    /// Its subscriptions (indices), oldest first.
    pub subscriptions: Vec<usize>,
    /// Automatic data use is computed up to here.
    pub usage_synced_to: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct Subscription {
    pub id: String,
    pub name: String,
    /// The SIM it is on (index).
    pub sim: usize,
    pub product_id: String,
    pub order_id: String,
    pub created_at: OffsetDateTime,
    pub activation_at: OffsetDateTime,
    pub expiry_at: OffsetDateTime,
    pub initial_bytes: u64,
    pub current_bytes: u64,
    pub sold_price: Option<SoldPrice>,
}

impl Subscription {
    pub fn status(&self, now: OffsetDateTime) -> SubscriptionStatus {
        if now < self.activation_at {
            SubscriptionStatus::Pending
        } else if now >= self.expiry_at {
            SubscriptionStatus::Expired
        } else if self.current_bytes == 0 {
            SubscriptionStatus::Depleted
        } else {
            SubscriptionStatus::Active
        }
    }

    /// Active, with data left, at `t`: data can be used from it.
    pub fn usable(&self, t: OffsetDateTime) -> bool {
        self.status(t) == SubscriptionStatus::Active
    }
}
