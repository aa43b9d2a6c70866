//! Telness's part of the admin API, in-process: what it recorded (orders, subscriptions and
//! their packages), its order lifecycle, data use — through [`Admin::telness`]
//! ([`TelnessAdmin`]). The same operations over HTTP are in [`super::admin_http`].

use std::sync::{Arc, MutexGuard};

use serde::{Serialize, Serializer};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::config::{TelnessFulfilment, TelnessOutcome};
use super::model::OrderState;
use super::state::Telness;
use crate::admin::{Admin, AdminError};
use crate::app::AppState;
use crate::clock::rfc3339;
use crate::money::Major;

/// An order as the simulated Telness recorded it (whether or not its reply reached the client).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TelnessOrderRecord {
    pub order_id: String,
    /// `PENDING`, `SUBMITTED`, `PROCESSING`, `COMPLETED`, `CANCELLED`, `EXPIRED`, ...
    pub state: String,
    pub customer_id: Option<String>,
    pub lines: Vec<TelnessLineRecord>,
    /// What the order costs, in EUR cents (`total` in major units over HTTP).
    #[serde(rename = "total", serialize_with = "ser_cents")]
    pub total_cents: i64,
    pub currency: String,
    /// `externalPayment.reference` once submitted.
    pub payment_reference: Option<String>,
    #[serde(serialize_with = "ser_time")]
    pub created: OffsetDateTime,
    #[serde(serialize_with = "ser_time_opt")]
    pub submitted: Option<OffsetDateTime>,
    #[serde(serialize_with = "ser_time_opt")]
    pub completed: Option<OffsetDateTime>,
    /// Subscriptions it created (once `PROCESSING`), in line order.
    pub subscriptions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TelnessLineRecord {
    pub line_item_id: String,
    /// `SUBSCRIPTION` or `ADDON`.
    #[serde(rename = "type")]
    pub kind: String,
    pub product_offering_id: String,
    pub parent_line_item_id: Option<String>,
    /// The subscription a top-up package goes on.
    pub subscription_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TelnessSubscriptionRecord {
    pub subscription_id: String,
    pub reference_id: Option<String>,
    /// `PENDING`, `ACTIVATED`, `CANCELLED`.
    pub status: String,
    pub iccid: String,
    /// `LPA:1$<smdp>$<matching id>`, as its QR code carries it.
    pub activation_code: String,
    pub customer_id: String,
    pub order_id: String,
    pub packages: Vec<TelnessPackageRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TelnessPackageRecord {
    pub addon_id: String,
    pub product_offering_id: String,
    /// The order that bought it.
    pub order_id: String,
    /// `PENDING`, `ACTIVE`, `EXPIRED`, `CANCELLED`.
    pub state: String,
    /// Added by a top-up order rather than with the eSIM.
    pub top_up: bool,
    pub limit_bytes: u64,
    pub remaining_bytes: u64,
    #[serde(serialize_with = "ser_time_opt")]
    pub activated: Option<OffsetDateTime>,
    #[serde(serialize_with = "ser_time_opt")]
    pub expires: Option<OffsetDateTime>,
}

fn ser_time<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(*t))
}

fn ser_time_opt<S: Serializer>(t: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
    t.map(rfc3339).serialize(s)
}

fn ser_cents<S: Serializer>(cents: &i64, s: S) -> Result<S::Ok, S::Error> {
    Major(*cents).serialize(s)
}

/// Longest subscription `referenceId` (§9.1).
const MAX_REFERENCE_LEN: usize = 255;

impl Admin {
    /// Telness Connect's controls and records.
    pub fn telness(&self) -> TelnessAdmin {
        TelnessAdmin::from_shared(self.shared())
    }
}

/// In-process control of the simulated Telness Connect (cheap to clone).
#[derive(Debug, Clone)]
pub struct TelnessAdmin {
    shared: AppState,
}

impl TelnessAdmin {
    pub(crate) fn from_shared(shared: &AppState) -> Self {
        Self {
            shared: Arc::clone(shared),
        }
    }

    /// The state, brought up to the sandbox clock's now.
    fn settled(&self) -> (OffsetDateTime, MutexGuard<'_, Telness>) {
        let now = self.shared.clock.now();
        let mut st = self.shared.providers.telness.lock();
        if let Err(e) = st.settle(now) {
            tracing::warn!(error = %e, "Telness lifecycle could not be brought up to date");
        }
        (now, st)
    }

    /// The key it accepts in `X-API-Key`.
    pub fn api_key(&self) -> String {
        self.shared.providers.telness.api_key().to_owned()
    }

    /// The desk's existing customer.
    pub fn customer_id(&self) -> String {
        self.shared.providers.telness.customer_id().to_owned()
    }

    /// Every order, oldest first (including those whose reply a fault dropped).
    pub fn orders(&self) -> Vec<TelnessOrderRecord> {
        let (_, st) = self.settled();
        st.orders
            .iter()
            .map(|o| TelnessOrderRecord {
                order_id: o.id.clone(),
                state: o.state.wire().to_owned(),
                customer_id: o
                    .customer
                    .and_then(|c| st.customers.get(c))
                    .map(|c| c.id.clone()),
                lines: o
                    .lines
                    .iter()
                    .map(|l| TelnessLineRecord {
                        line_item_id: l.id().to_owned(),
                        kind: if l.as_addon().is_some() {
                            "ADDON"
                        } else {
                            "SUBSCRIPTION"
                        }
                        .to_owned(),
                        product_offering_id: l.offering_id().to_owned(),
                        parent_line_item_id: l
                            .as_addon()
                            .and_then(|a| a.parent_line_item_id.clone()),
                        subscription_id: l.as_addon().and_then(|a| a.subscription_id.clone()),
                    })
                    .collect(),
                total_cents: st.order_total(o),
                currency: super::offerings::CURRENCY.to_owned(),
                payment_reference: o.external_payment.as_ref().map(|p| p.reference.clone()),
                created: o.created_at,
                submitted: o.submitted_at,
                completed: o.completed_at,
                subscriptions: o
                    .subscriptions
                    .iter()
                    .filter_map(|&s| st.subscriptions.get(s))
                    .map(|s| s.id.clone())
                    .collect(),
            })
            .collect()
    }

    /// Ids of every order, oldest first.
    pub fn order_ids(&self) -> Vec<String> {
        let (_, st) = self.settled();
        st.orders.iter().map(|o| o.id.clone()).collect()
    }

    /// Every subscription with its packages, oldest first.
    pub fn subscriptions(&self) -> Vec<TelnessSubscriptionRecord> {
        let (_, st) = self.settled();
        st.subscriptions
            .iter()
            .map(|s| TelnessSubscriptionRecord {
                subscription_id: s.id.clone(),
                reference_id: s.reference_id.clone(),
                status: s.status.wire().to_owned(),
                iccid: s.iccid.clone(),
                activation_code: format!("LPA:1${}${}", st.settings.smdp_address, s.matching_id),
                customer_id: st
                    .customers
                    .get(s.customer)
                    .map(|c| c.id.clone())
                    .unwrap_or_default(),
                order_id: s.order_id.clone(),
                packages: s
                    .packages
                    .iter()
                    .map(|p| TelnessPackageRecord {
                        addon_id: p.addon_id.clone(),
                        product_offering_id: p.offering_id.clone(),
                        order_id: p.order_id.clone(),
                        state: p.state.wire().to_owned(),
                        top_up: p.top_up,
                        limit_bytes: p.limit_bytes,
                        remaining_bytes: p.remaining_bytes,
                        activated: p.activated_at,
                        expires: p.expires_at,
                    })
                    .collect(),
            })
            .collect()
    }

    /// How orders submitted from now on move on.
    pub fn fulfilment(&self) -> TelnessFulfilment {
        self.shared.providers.telness.lock().fulfilment
    }

    /// Changes the delays and outcome of orders submitted from now on (orders already
    /// submitted keep theirs; see [`TelnessAdmin::set_order_outcome`]).
    pub fn set_fulfilment(&self, fulfilment: TelnessFulfilment) {
        self.shared.providers.telness.lock().fulfilment = fulfilment;
    }

    /// Changes only the outcome of orders submitted from now on.
    pub fn set_outcome(&self, outcome: TelnessOutcome) {
        self.shared.providers.telness.lock().fulfilment.outcome = outcome;
    }

    /// How one submitted order, not yet ended, ends: e.g. release an order held in
    /// `PROCESSING` (`Complete`, due now at the earliest), or make it end `CANCELLED`.
    pub fn set_order_outcome(
        &self,
        order_id: &str,
        outcome: TelnessOutcome,
    ) -> Result<(), AdminError> {
        let (now, mut st) = self.settled();
        let idx = st
            .order_index(order_id)
            .map_err(|_| AdminError::UnknownOrder(order_id.to_owned()))?;
        let order = st
            .orders
            .get_mut(idx)
            .ok_or_else(|| AdminError::UnknownOrder(order_id.to_owned()))?;
        match order.state {
            OrderState::Submitted => order.outcome = outcome,
            OrderState::Processing => {
                order.outcome = outcome;
                let due = order.processing_at.unwrap_or(now) + order.completion_delay;
                order.next_at = match outcome {
                    TelnessOutcome::StayProcessing => None,
                    TelnessOutcome::Complete | TelnessOutcome::Cancel => Some(due.max(now)),
                };
            }
            other => {
                return Err(AdminError::Invalid(format!(
                    "order {order_id} is {}; only a SUBMITTED or PROCESSING order can be steered",
                    other.wire()
                )));
            }
        }
        st.settle(now)
            .map_err(|e| AdminError::Invalid(e.message.clone()))
    }

    /// Gives a subscription (by id, `rid_<referenceId>` or ICCID) the client's own reference,
    /// so that it can be addressed as `rid_<reference>` (§1, §9.1). The reference documents no
    /// way to set it through an order, so the simulator refuses `referenceId` on order lines and
    /// offers this instead (as a portal or another API of the tenant would). References are
    /// unique per tenant and have 1 to 255 characters.
    pub fn set_reference(&self, subscription: &str, reference: &str) -> Result<(), AdminError> {
        if reference.is_empty() || reference.chars().count() > MAX_REFERENCE_LEN {
            return Err(AdminError::Invalid(
                "a referenceId has 1 to 255 characters".to_owned(),
            ));
        }
        let (now, mut st) = self.settled();
        let s = st
            .find_subscription(subscription)
            .ok_or_else(|| AdminError::UnknownSubscription(subscription.to_owned()))?;
        if st.reference_taken(reference) {
            return Err(AdminError::Invalid(format!(
                "referenceId {reference:?} is already used"
            )));
        }
        let sub = st
            .subscriptions
            .get_mut(s)
            .ok_or_else(|| AdminError::UnknownSubscription(subscription.to_owned()))?;
        sub.reference_id = Some(reference.to_owned());
        sub.updated_at = now;
        Ok(())
    }

    /// Uses `bytes` of data on a subscription (by id, `rid_<referenceId>` or ICCID) now,
    /// starting its next `FIRST_USE` package when none is running. Returns the bytes counted.
    pub fn consume(&self, subscription: &str, bytes: u64) -> Result<u64, AdminError> {
        let (now, mut st) = self.settled();
        let s = st
            .find_subscription(subscription)
            .ok_or_else(|| AdminError::UnknownSubscription(subscription.to_owned()))?;
        st.consume(s, bytes, now).map_err(AdminError::Invalid)
    }

    /// Its part of `GET /_admin/state`.
    pub(crate) fn summary(st: &Telness) -> Value {
        json!({
            "currency": super::offerings::CURRENCY,
            "offerings": st.offerings.len(),
            "customers": st.customers.len(),
            "orders": st.orders.len(),
            "subscriptions": st.subscriptions.len(),
            "idempotencyKeys": st.idempotency.len(),
            "fulfilment": fulfilment_json(st.fulfilment),
        })
    }
}

/// The lifecycle settings as the admin API shows them.
pub(crate) fn fulfilment_json(f: TelnessFulfilment) -> Value {
    json!({
        "processingMs": u64::try_from(f.processing_after.as_millis()).unwrap_or(u64::MAX),
        "completionMs": u64::try_from(f.completion_delay.as_millis()).unwrap_or(u64::MAX),
        "outcome": f.outcome,
    })
}
