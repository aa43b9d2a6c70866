//! Order and package lifecycles on the sandbox clock (telness.md §8.2 "Simulator lifecycle",
//! §9.2).
//!
//! Orders: a cart expires after 7 days; a submitted order is `SUBMITTED`, then `PROCESSING`
//! after the processing delay (its subscription now exists, `PENDING`), then after the
//! completion delay `COMPLETED` (subscription `ACTIVATED`, QR code available, top-up packages
//! on their subscriptions) — or `CANCELLED`, or it stays `PROCESSING`, as its outcome says.
//! Packages: `INSTANT` ones run from submission, `FIRST_USE` ones from the first data used;
//! an active package expires after its validity. With automatic usage configured, data is used
//! from `start_after` after activation.
//!
//! Everything is computed lazily, event by event in time order, whenever a request looks:
//! nothing depends on wall-clock sleeps.

use time::OffsetDateTime;

use super::config::TelnessOutcome;
use super::error::TelnessError;
use super::model::{OrderState, Package, PackageState, Subscription, SubscriptionStatus};
use super::offerings::ActivationType;
use super::state::Telness;

const NANOS_PER_DAY: u128 = 86_400 * 1_000_000_000;

impl Telness {
    /// Brings every order and subscription up to `now`.
    pub fn settle(&mut self, now: OffsetDateTime) -> Result<(), TelnessError> {
        // Order events in time order, so that a top-up completing before another order's
        // subscription is used sees the right state. Bounded: each step ends one event.
        for _ in 0..1_000_000 {
            let due = self
                .orders
                .iter()
                .enumerate()
                .filter_map(|(i, o)| o.next_at.filter(|t| *t <= now).map(|t| (t, i)))
                .min();
            let Some((t, idx)) = due else { break };
            self.order_event(idx, t)?;
        }
        for s in 0..self.subscriptions.len() {
            self.sync_subscription(s, now);
        }
        Ok(())
    }

    /// The step due at `t` for order `idx`.
    fn order_event(&mut self, idx: usize, t: OffsetDateTime) -> Result<(), TelnessError> {
        let order = self.order_mut(idx)?;
        order.next_at = None;
        match order.state {
            OrderState::Pending => {
                order.state = OrderState::Expired;
                order.updated_at = t;
                Ok(())
            }
            OrderState::Submitted => self.start_processing(idx, t),
            OrderState::Processing => match order.outcome {
                TelnessOutcome::Complete => self.complete(idx, t),
                TelnessOutcome::Cancel => {
                    self.cancel_order(idx, t);
                    Ok(())
                }
                TelnessOutcome::StayProcessing => Ok(()),
            },
            OrderState::Completed | OrderState::Cancelled | OrderState::Expired => Ok(()),
        }
    }

    /// `SUBMITTED → PROCESSING`: each subscription line's subscription is created, `PENDING`,
    /// with its packages.
    fn start_processing(&mut self, idx: usize, t: OffsetDateTime) -> Result<(), TelnessError> {
        let order = self.order(idx)?.clone();
        let customer = order
            .customer
            .ok_or_else(|| TelnessError::internal("a submitted order without a customer"))?;
        let mut created = Vec::new();
        for line in order.lines.iter().filter_map(|l| l.as_subscription()) {
            let (iccid, matching_id, msisdn) = self.mint_sim()?;
            let id = self.mint_uuid();
            let mut packages = Vec::new();
            for addon in order.lines.iter().filter_map(|l| l.as_addon()) {
                if addon.parent_line_item_id.as_deref() == Some(&line.line_item_id) {
                    packages.push(self.new_package(
                        &addon.product_offering_id,
                        &order.id,
                        false,
                    )?);
                }
            }
            created.push(self.add_subscription(Subscription {
                id,
                reference_id: None,
                status: SubscriptionStatus::Pending,
                customer,
                subscriber: line.subscriber.clone().unwrap_or_default(),
                offering_id: line.product_offering_id.clone(),
                iccid,
                matching_id,
                msisdn,
                metadata: line.metadata.clone(),
                order_id: order.id.clone(),
                created_at: t,
                updated_at: t,
                activated_at: None,
                cancelled_at: None,
                packages,
                synced_to: t,
            }));
        }
        let order = self.order_mut(idx)?;
        order.subscriptions = created;
        order.state = OrderState::Processing;
        order.processing_at = Some(t);
        order.updated_at = t;
        order.next_at = match order.outcome {
            TelnessOutcome::StayProcessing => None,
            TelnessOutcome::Complete | TelnessOutcome::Cancel => Some(t + order.completion_delay),
        };
        Ok(())
    }

    fn new_package(
        &mut self,
        offering_id: &str,
        order_id: &str,
        top_up: bool,
    ) -> Result<Package, TelnessError> {
        let offering = self
            .offerings
            .get(offering_id)
            .ok_or_else(|| TelnessError::internal("an ordered offering vanished"))?;
        let (activation, data_mb, limit, days) = (
            offering.activation,
            offering.data_mb,
            offering.limit_bytes(),
            offering.validity_days,
        );
        Ok(Package {
            addon_id: self.mint_uuid(),
            offering_id: offering_id.to_owned(),
            order_id: order_id.to_owned(),
            top_up,
            state: PackageState::Pending,
            activation,
            data_mb,
            limit_bytes: limit,
            remaining_bytes: limit,
            validity_days: days,
            activated_at: None,
            expires_at: None,
        })
    }

    /// `PROCESSING → COMPLETED`: subscriptions activated, `INSTANT` packages running since
    /// submission, top-up packages put on their subscriptions.
    fn complete(&mut self, idx: usize, t: OffsetDateTime) -> Result<(), TelnessError> {
        let order = self.order(idx)?.clone();
        let submitted = order.submitted_at.unwrap_or(t);
        for &s in &order.subscriptions {
            let sub = self.subscription_mut(s)?;
            sub.status = SubscriptionStatus::Activated;
            sub.activated_at = Some(t);
            sub.updated_at = t;
            sub.synced_to = t;
            for p in &mut sub.packages {
                if p.activation == ActivationType::Instant {
                    p.start(submitted);
                }
            }
        }
        for addon in order.lines.iter().filter_map(|l| l.as_addon()) {
            let Some(target) = addon.subscription_id.as_deref() else {
                continue;
            };
            let s = self.subscription_index(target)?;
            self.sync_subscription(s, t);
            let mut package = self.new_package(&addon.product_offering_id, &order.id, true)?;
            let sub = self.subscription_mut(s)?;
            if sub.status == SubscriptionStatus::Activated {
                if package.activation == ActivationType::Instant {
                    package.start(submitted);
                }
            } else {
                // Cancelled while the top-up was on its way: it arrives cancelled.
                package.state = PackageState::Cancelled;
            }
            sub.packages.push(package);
            sub.updated_at = t;
        }
        let order = self.order_mut(idx)?;
        order.state = OrderState::Completed;
        order.completed_at = Some(t);
        order.updated_at = t;
        Ok(())
    }

    /// Ends an order not yet completed as `CANCELLED`, with any subscription it was
    /// provisioning.
    pub fn cancel_order(&mut self, idx: usize, t: OffsetDateTime) {
        let subs = self
            .orders
            .get(idx)
            .map(|o| o.subscriptions.clone())
            .unwrap_or_default();
        for s in subs {
            if let Some(sub) = self.subscriptions.get_mut(s) {
                sub.cancel(t);
            }
        }
        if let Some(order) = self.orders.get_mut(idx) {
            order.state = OrderState::Cancelled;
            order.cancelled_at = Some(t);
            order.updated_at = t;
            order.next_at = None;
        }
    }

    /// Brings one subscription's packages up to `to`: expiries, and automatic data use.
    pub fn sync_subscription(&mut self, s: usize, to: OffsetDateTime) {
        let auto = self.settings.auto_usage.filter(|a| a.bytes_per_day > 0);
        let Some(sub) = self.subscriptions.get_mut(s) else {
            return;
        };
        if to <= sub.synced_to {
            return;
        }
        let installed_at = match (auto, sub.status, sub.activated_at) {
            (Some(a), SubscriptionStatus::Activated, Some(at)) => Some(at + a.start_after),
            _ => None,
        };
        let mut t = sub.synced_to;
        // Bounded: every step moves to a strictly later event.
        for _ in 0..100_000 {
            expire(&mut sub.packages, t);
            let mut next = to;
            for p in &sub.packages {
                if let Some(end) = p
                    .expires_at
                    .filter(|e| p.state == PackageState::Active && *e > t)
                {
                    next = next.min(end);
                }
            }
            let using = match (auto, installed_at) {
                (Some(a), Some(at)) if at <= t => Some(a.bytes_per_day),
                (Some(_), Some(at)) => {
                    next = next.min(at);
                    None
                }
                _ => None,
            };
            if let Some(rate) = using
                && let Some(p) = current_package(&mut sub.packages, t)
            {
                let nanos =
                    (u128::from(p.remaining_bytes) * NANOS_PER_DAY).div_ceil(u128::from(rate));
                let depleted_at = t.saturating_add(time::Duration::nanoseconds(
                    i64::try_from(nanos).unwrap_or(i64::MAX),
                ));
                next = next.min(depleted_at);
                if next >= depleted_at {
                    p.remaining_bytes = 0;
                } else {
                    let span = u128::try_from((next - t).whole_nanoseconds()).unwrap_or(0);
                    let bytes =
                        u64::try_from(u128::from(rate) * span / NANOS_PER_DAY).unwrap_or(u64::MAX);
                    p.remaining_bytes = p.remaining_bytes.saturating_sub(bytes);
                }
            }
            t = next;
            if t >= to {
                break;
            }
        }
        expire(&mut sub.packages, to);
        sub.synced_to = to;
    }

    /// Uses `bytes` of data on subscription `s` now, starting `FIRST_USE` packages as needed
    /// (the admin "consume" call). Returns the bytes actually counted.
    pub fn consume(&mut self, s: usize, bytes: u64, now: OffsetDateTime) -> Result<u64, String> {
        self.settle(now).map_err(|e| e.message)?;
        let sub = self
            .subscriptions
            .get_mut(s)
            .ok_or_else(|| "no such subscription".to_owned())?;
        if sub.status != SubscriptionStatus::Activated {
            return Err(format!("the subscription is {}", sub.status.wire()));
        }
        let mut left = bytes;
        let mut used = 0u64;
        for _ in 0..=sub.packages.len() * 2 {
            if left == 0 {
                break;
            }
            let Some(p) = current_package(&mut sub.packages, now) else {
                break;
            };
            let take = left.min(p.remaining_bytes);
            p.remaining_bytes -= take;
            used += take;
            left -= take;
        }
        if used == 0 && bytes > 0 {
            return Err("the subscription has no package with data left".to_owned());
        }
        sub.updated_at = now;
        Ok(used)
    }
}

/// Active packages past their validity end.
fn expire(packages: &mut [Package], t: OffsetDateTime) {
    for p in packages {
        if p.state == PackageState::Active && p.expires_at.is_some_and(|e| e <= t) {
            p.state = PackageState::Expired;
        }
    }
}

/// The package data is used from at `t`: the oldest active one with data left, else the oldest
/// pending one, which starts now (its first use).
fn current_package(packages: &mut [Package], t: OffsetDateTime) -> Option<&mut Package> {
    let idx = packages
        .iter()
        .position(|p| p.state == PackageState::Active && p.remaining_bytes > 0)
        .or_else(|| {
            packages
                .iter()
                .position(|p| p.state == PackageState::Pending && p.remaining_bytes > 0)
        })?;
    let p = packages.get_mut(idx)?;
    if p.state == PackageState::Pending {
        p.start(t);
    }
    Some(p)
}
