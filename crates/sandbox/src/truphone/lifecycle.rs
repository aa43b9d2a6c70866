//! Orders and data use on the sandbox clock (truphone.md §6 "Simulator lifecycle", §8).
//!
//! Orders: `ACCEPTED`, then `FULFILLING` after the fulfilment delay, then after the completion
//! delay `COMPLETED` — the SIM and its subscription now exist — or `FAILED`, or it stays
//! `FULFILLING`, as its outcome says. A top-up whose SIM became `Unavailable` meanwhile fails.
//!
//! Subscriptions run from their activation date (the completion, unless the order set one) for
//! the product's duration; their status follows from dates and balance. With automatic usage
//! configured, a SIM's customer installs it `start_after` its creation and then uses data at a
//! steady rate, from the oldest active subscription first.
//!
//! Everything is computed lazily, event by event in time order, whenever a request looks:
//! nothing depends on wall-clock sleeps.

use time::OffsetDateTime;

use super::config::TruphoneOutcome;
use super::error::TruphoneError;
use super::model::{
    OperationType, Order, OrderStatus, Output, SimCard, SimType, Subscription, TruphoneSimStatus,
    later,
};
use super::state::Truphone;

const NANOS_PER_DAY: u128 = 86_400 * 1_000_000_000;

impl Truphone {
    /// Brings every order and SIM up to `now`.
    pub fn settle(&mut self, now: OffsetDateTime) -> Result<(), TruphoneError> {
        // Bounded: each step ends one event.
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
        for s in 0..self.sims.len() {
            self.sync_usage(s, now);
        }
        Ok(())
    }

    /// The step due at `t` for order `idx`.
    fn order_event(&mut self, idx: usize, t: OffsetDateTime) -> Result<(), TruphoneError> {
        let order = self.order_mut(idx)?;
        order.next_at = None;
        match order.status {
            OrderStatus::Accepted => {
                order.status = OrderStatus::Fulfilling;
                order.fulfilling_at = Some(t);
                order.next_at = match order.outcome {
                    TruphoneOutcome::Never => None,
                    TruphoneOutcome::Complete | TruphoneOutcome::Fail => {
                        Some(later(t, order.completion_delay))
                    }
                };
                Ok(())
            }
            OrderStatus::Fulfilling => match order.outcome {
                TruphoneOutcome::Complete => self.complete(idx, t),
                TruphoneOutcome::Fail => self.fail(
                    idx,
                    t,
                    "The order could not be fulfilled (simulated failure)",
                ),
                TruphoneOutcome::Never => Ok(()),
            },
            OrderStatus::Completed | OrderStatus::Failed => Ok(()),
        }
    }

    /// Ends an order `FAILED`; nothing was provisioned.
    pub fn fail(&mut self, idx: usize, t: OffsetDateTime, why: &str) -> Result<(), TruphoneError> {
        let order = self.order_mut(idx)?;
        order.status = OrderStatus::Failed;
        order.failure = Some(why.to_owned());
        order.ended_at = Some(t);
        order.next_at = None;
        tracing::info!(order = %order.id, why, "Truphone order failed");
        Ok(())
    }

    /// `FULFILLING → COMPLETED`: an activation gets its SIM, every order its subscription.
    fn complete(&mut self, idx: usize, t: OffsetDateTime) -> Result<(), TruphoneError> {
        let order = self.order(idx)?.clone();
        let (sim, matching_id, voucher) = match order.operation {
            OperationType::Activation => {
                let (iccid, matching_id) = match order.sim_type {
                    SimType::Esim => {
                        let (iccid, m) = self.mint_esim()?;
                        (iccid, Some(m))
                    }
                    SimType::Psim => (order.iccid.clone().unwrap_or_default(), None),
                };
                if self.sim_index(&iccid).is_some() {
                    // A physical SIM activated twice while both orders were under way.
                    return self.fail(idx, t, &format!("SIM {iccid} is already active"));
                }
                let sim = self.add_sim(SimCard {
                    iccid,
                    sim_type: order.sim_type,
                    status: TruphoneSimStatus::Released,
                    matching_id: matching_id.clone(),
                    last_modified: t,
                    created_at: t,
                    order_id: order.id.clone(),
                    email: order.subscriber.email.clone(),
                    subscriptions: Vec::new(),
                    usage_synced_to: t,
                });
                let voucher = self.vouchers.then(|| self.mint_voucher());
                (sim, matching_id, voucher)
            }
            OperationType::Topup => {
                let iccid = order.iccid.clone().unwrap_or_default();
                let Some(sim) = self.sim_index(&iccid) else {
                    return self.fail(idx, t, &format!("SIM {iccid} not found"));
                };
                self.sync_usage(sim, t);
                if self.sim(sim)?.status == TruphoneSimStatus::Unavailable {
                    return self.fail(
                        idx,
                        t,
                        &format!("SIM {iccid} is Unavailable and cannot be topped up"),
                    );
                }
                (sim, None, None)
            }
        };
        let subscription_id = self.new_subscription(sim, &order, t)?;
        let iccid = self.sim(sim)?.iccid.clone();
        let order = self.order_mut(idx)?;
        order.status = OrderStatus::Completed;
        order.ended_at = Some(t);
        order.output = Some(Output {
            iccid,
            matching_id,
            subscription_id,
            voucher,
        });
        Ok(())
    }

    /// The plan an order bought, on SIM `sim`; returns its id.
    fn new_subscription(
        &mut self,
        sim: usize,
        order: &Order,
        t: OffsetDateTime,
    ) -> Result<String, TruphoneError> {
        let product = self
            .products
            .get(&order.product_id)
            .ok_or_else(|| TruphoneError::internal("an ordered product vanished"))?
            .clone();
        let activation_at = order.activation_date.unwrap_or(t);
        let expiry_at = order.expiry_date.unwrap_or_else(|| {
            activation_at.saturating_add(time::Duration::days(i64::from(product.duration_days)))
        });
        let id = self.mint_subscription_id();
        self.add_subscription(Subscription {
            id: id.clone(),
            name: product.name.clone(),
            sim,
            product_id: product.id.clone(),
            order_id: order.id.clone(),
            created_at: t,
            activation_at,
            expiry_at,
            initial_bytes: product.bytes(),
            current_bytes: product.bytes(),
            sold_price: order.sold_price.clone(),
        })?;
        Ok(id)
    }

    /// Automatic data use of SIM `s` up to `to`: from the oldest usable subscription at each
    /// moment, event by event (a plan starting, ending or running dry).
    pub fn sync_usage(&mut self, s: usize, to: OffsetDateTime) {
        let auto = self.settings.auto_usage.filter(|a| a.bytes_per_day > 0);
        let Some(sim) = self.sims.get(s) else { return };
        if to <= sim.usage_synced_to {
            return;
        }
        let (from, created_at, subs) = (
            sim.usage_synced_to,
            sim.created_at,
            sim.subscriptions.clone(),
        );
        // A profile deleted from its device uses nothing.
        let auto = auto.filter(|_| sim.status != TruphoneSimStatus::Unavailable);
        let mut used_any = false;
        if let Some(auto) = auto {
            let rate = auto.bytes_per_day;
            // The customer installs the eSIM `start_after` it was made.
            let mut t = from.max(later(created_at, auto.start_after));
            // Bounded: every step moves to a strictly later event.
            for _ in 0..100_000 {
                if t >= to {
                    break;
                }
                let mut next = to;
                for sub in subs.iter().filter_map(|&i| self.subscriptions.get(i)) {
                    for edge in [sub.activation_at, sub.expiry_at] {
                        if edge > t {
                            next = next.min(edge);
                        }
                    }
                }
                let current = subs
                    .iter()
                    .copied()
                    .filter(|&i| self.subscriptions.get(i).is_some_and(|x| x.usable(t)))
                    .min_by_key(|&i| self.subscriptions.get(i).map(|x| (x.activation_at, i)));
                if let Some(sub) = current.and_then(|i| self.subscriptions.get_mut(i)) {
                    let nanos =
                        (u128::from(sub.current_bytes) * NANOS_PER_DAY).div_ceil(u128::from(rate));
                    let dry_at = t.saturating_add(time::Duration::nanoseconds(
                        i64::try_from(nanos).unwrap_or(i64::MAX),
                    ));
                    next = next.min(dry_at);
                    let bytes = if next >= dry_at {
                        sub.current_bytes
                    } else {
                        let span = u128::try_from((next - t).whole_nanoseconds()).unwrap_or(0);
                        u64::try_from(u128::from(rate) * span / NANOS_PER_DAY).unwrap_or(u64::MAX)
                    };
                    sub.current_bytes = sub.current_bytes.saturating_sub(bytes);
                    used_any |= bytes > 0;
                }
                t = next;
            }
        }
        if let Some(sim) = self.sims.get_mut(s) {
            if used_any {
                sim.mark_in_use(to);
            }
            sim.usage_synced_to = to;
        }
    }

    /// Uses `bytes` now from subscription `only`, or from the SIM's usable subscriptions
    /// oldest first (the admin "consume" call). Returns the bytes counted.
    pub fn consume(
        &mut self,
        sim: usize,
        only: Option<usize>,
        bytes: u64,
        now: OffsetDateTime,
    ) -> Result<u64, String> {
        self.settle(now).map_err(|e| e.to_string())?;
        let card = self.sims.get(sim).ok_or("no such SIM")?;
        if card.status == TruphoneSimStatus::Unavailable {
            return Err(format!("SIM {} is Unavailable", card.iccid));
        }
        let mut order: Vec<usize> = match only {
            Some(i) => vec![i],
            None => card.subscriptions.clone(),
        };
        order.retain(|&i| self.subscriptions.get(i).is_some_and(|s| s.usable(now)));
        order.sort_by_key(|&i| self.subscriptions.get(i).map(|s| (s.activation_at, i)));
        let mut left = bytes;
        for i in order {
            let Some(sub) = self.subscriptions.get_mut(i) else {
                continue;
            };
            let take = left.min(sub.current_bytes);
            sub.current_bytes -= take;
            left -= take;
        }
        let used = bytes - left;
        if used == 0 && bytes > 0 {
            return Err("no active subscription with data left".to_owned());
        }
        if let Some(card) = self.sims.get_mut(sim) {
            card.mark_in_use(now);
        }
        Ok(used)
    }
}

impl SimCard {
    /// Data flowed, so the profile is on a device.
    fn mark_in_use(&mut self, t: OffsetDateTime) {
        if matches!(
            self.status,
            TruphoneSimStatus::Released | TruphoneSimStatus::Downloaded
        ) {
            self.status = TruphoneSimStatus::Installed;
            self.last_modified = t;
        }
    }
}
