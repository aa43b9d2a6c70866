//! What the Telness simulator remembers: customers, orders, subscriptions and their packages.

use serde_json::Value;
use time::OffsetDateTime;

use super::config::TelnessOutcome;
use super::offerings::ActivationType;
use super::wire::{Contact, CustomerType, ExternalPayment, LineItem, Metadata, Subscriber};

/// Order states (§8.2). The reference enum also has `CONFIGURED` (complete, ready to submit)
/// and `PENDING_APPROVAL`; the reference shows a complete Travel eSIM order still `PENDING`
/// after creation and nothing here needs an approval, so neither is ever entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderState {
    Pending,
    Submitted,
    Processing,
    Completed,
    Cancelled,
    Expired,
}

impl OrderState {
    pub fn wire(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Submitted => "SUBMITTED",
            Self::Processing => "PROCESSING",
            Self::Completed => "COMPLETED",
            Self::Cancelled => "CANCELLED",
            Self::Expired => "EXPIRED",
        }
    }

    /// Still a cart: lines can be added, it can be priced and submitted.
    pub fn is_cart(self) -> bool {
        self == Self::Pending
    }

    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Completed | Self::Cancelled | Self::Expired)
    }
}

/// Subscription status (§9.2): the reference enum; the simulator emits `ACTIVATED` for a usable
/// eSIM (open point 7). `BLOCKED` and `PAUSED` are never entered (no suspend here).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriptionStatus {
    Pending,
    Activated,
    Cancelled,
}

impl SubscriptionStatus {
    pub fn wire(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Activated => "ACTIVATED",
            Self::Cancelled => "CANCELLED",
        }
    }
}

/// Data package states (§9.2, from the seed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackageState {
    Pending,
    Active,
    Expired,
    Cancelled,
}

impl PackageState {
    pub fn wire(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Active => "ACTIVE",
            Self::Expired => "EXPIRED",
            Self::Cancelled => "CANCELLED",
        }
    }

    /// Counts towards usage: not yet ended.
    pub fn is_current(self) -> bool {
        matches!(self, Self::Pending | Self::Active)
    }
}

#[derive(Debug, Clone)]
pub struct Customer {
    pub id: String,
    pub name: Option<String>,
    pub customer_type: CustomerType,
    pub reference_id: Option<String>,
    pub contact: Option<Contact>,
    /// Created by an order (its creation details are echoed on that order).
    pub created_by_order: bool,
}

#[derive(Debug, Clone)]
pub struct Order {
    pub id: String,
    pub state: OrderState,
    /// Index into `Telness::customers`.
    pub customer: Option<usize>,
    pub user: Option<Value>,
    pub billing: Option<Value>,
    pub shipping: Option<Value>,
    pub promo_code: Option<String>,
    pub metadata: Option<Metadata>,
    pub lines: Vec<LineItem>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub submitted_at: Option<OffsetDateTime>,
    pub processing_at: Option<OffsetDateTime>,
    pub completed_at: Option<OffsetDateTime>,
    pub cancelled_at: Option<OffsetDateTime>,
    pub external_payment: Option<ExternalPayment>,
    /// The lifecycle this order follows, fixed when it is submitted.
    pub outcome: TelnessOutcome,
    pub completion_delay: std::time::Duration,
    /// When its next lifecycle step is due (expiry of a cart, processing, outcome).
    pub next_at: Option<OffsetDateTime>,
    /// Subscriptions it created (indices into `Telness::subscriptions`), one per subscription
    /// line, in line order.
    pub subscriptions: Vec<usize>,
    /// When it was last priced; cleared when it changes (pricing is cached, §6).
    pub priced_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone)]
pub struct Package {
    pub addon_id: String,
    pub offering_id: String,
    pub order_id: String,
    /// Bought by a later order on an existing subscription (counted as `topupBytes`).
    pub top_up: bool,
    pub state: PackageState,
    pub activation: ActivationType,
    pub data_mb: u64,
    pub limit_bytes: u64,
    pub remaining_bytes: u64,
    pub validity_days: u32,
    pub activated_at: Option<OffsetDateTime>,
    pub expires_at: Option<OffsetDateTime>,
}

impl Package {
    /// Starts its validity at `t` (first use, or submission for `INSTANT`).
    pub fn start(&mut self, t: OffsetDateTime) {
        self.state = PackageState::Active;
        self.activated_at = Some(t);
        self.expires_at = Some(t + time::Duration::days(i64::from(self.validity_days)));
    }
}

#[derive(Debug, Clone)]
pub struct Subscription {
    pub id: String,
    pub reference_id: Option<String>,
    pub status: SubscriptionStatus,
    /// Index into `Telness::customers`.
    pub customer: usize,
    pub subscriber: Subscriber,
    pub offering_id: String,
    pub iccid: String,
    pub matching_id: String,
    pub msisdn: String,
    pub metadata: Option<Metadata>,
    pub order_id: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub activated_at: Option<OffsetDateTime>,
    pub cancelled_at: Option<OffsetDateTime>,
    pub packages: Vec<Package>,
    /// Up to when its data use and package expiries have been simulated.
    pub synced_to: OffsetDateTime,
}

impl Subscription {
    /// Cancels it and every package not yet ended.
    pub fn cancel(&mut self, t: OffsetDateTime) {
        self.status = SubscriptionStatus::Cancelled;
        self.cancelled_at = Some(t);
        self.updated_at = t;
        for p in &mut self.packages {
            if p.state.is_current() {
                p.state = PackageState::Cancelled;
            }
        }
    }
}
