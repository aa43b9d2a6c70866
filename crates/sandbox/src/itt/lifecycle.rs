//! Bookings and data use on the sandbox clock (itt.md §7, §11).
//!
//! A booking is `pending` for its fulfilment's `pending_for`, then `confirmed` — its eSIMs now
//! exist — or `failed` (its price back on the partner credit), or it stays `pending`, as its
//! outcome says. With `pending_for` zero the create answer is already final.
//!
//! An eSIM is `NOT_ACTIVE` until data flows (`first-usage`), then `ACTIVE` for the package's
//! days, `FINISHED` with no data left and `EXPIRED` after its validity; a top-up adds data and
//! keeps it usable for the top-up's days. With automatic usage configured, its customer starts
//! using data `start_after` it was issued, at a steady rate.
//!
//! Everything is computed lazily whenever a request or the admin looks: nothing depends on
//! wall-clock sleeps.

use time::OffsetDateTime;

use super::config::IttOutcome;
use super::error::IttError;
use super::model::{BookingStatus, Esim, later};
use super::state::Itt;

const NANOS_PER_DAY: u128 = 86_400 * 1_000_000_000;

impl Itt {
    /// Brings every booking and eSIM up to `now`.
    pub fn settle(&mut self, now: OffsetDateTime) -> Result<(), IttError> {
        // In time order, so that minted identifiers do not depend on when anyone looked.
        let mut due: Vec<(OffsetDateTime, usize)> = self
            .bookings
            .iter()
            .enumerate()
            .filter_map(|(i, b)| b.due_at.filter(|t| *t <= now).map(|t| (t, i)))
            .collect();
        due.sort();
        for (t, idx) in due {
            self.end_booking(idx, t)?;
        }
        for e in 0..self.esims.len() {
            self.sync_usage(e, now);
        }
        Ok(())
    }

    /// A pending booking's step due at `t`, as its outcome says.
    pub fn end_booking(&mut self, idx: usize, t: OffsetDateTime) -> Result<(), IttError> {
        let booking = self.booking_mut(idx)?;
        booking.due_at = None;
        if booking.status != BookingStatus::Pending {
            return Ok(());
        }
        match booking.outcome {
            IttOutcome::Confirm => self.confirm(idx, t),
            IttOutcome::Fail => self.fail(
                idx,
                t,
                "The supplier could not issue the eSIM (simulated failure)",
            ),
            // Held, or refused before it was made (never recorded): nothing to do.
            IttOutcome::Never | IttOutcome::InsufficientBalance => Ok(()),
        }
    }

    /// `pending → confirmed`: the booking's eSIMs are issued.
    fn confirm(&mut self, idx: usize, t: OffsetDateTime) -> Result<(), IttError> {
        let (quantity, package_id) = {
            let b = self.booking(idx)?;
            (b.quantity, b.package_id.clone())
        };
        let validity_days = self.package(&package_id)?.validity_days;
        let data_mb = self.package(&package_id)?.data_mb;
        let mut issued = Vec::new();
        for _ in 0..quantity {
            let (iccid, matching_id) = self.mint_esim()?;
            issued.push(self.add_esim(Esim {
                iccid,
                matching_id,
                booking: idx,
                issued_at: t,
                total_mb: data_mb,
                used_bytes: 0,
                activated_at: None,
                validity_days,
                extended_until: None,
                usage_synced_to: t,
                topups: Vec::new(),
            }));
        }
        let booking = self.booking_mut(idx)?;
        booking.status = BookingStatus::Confirmed;
        booking.ended_at = Some(t);
        booking.esims = issued;
        tracing::info!(booking = %booking.booking_id, "ITT booking confirmed");
        Ok(())
    }

    /// Ends a booking `failed`; nothing was issued and the price goes back to the credit.
    pub fn fail(&mut self, idx: usize, t: OffsetDateTime, why: &str) -> Result<(), IttError> {
        let booking = self.booking_mut(idx)?;
        booking.status = BookingStatus::Failed;
        booking.failure = Some(why.to_owned());
        booking.ended_at = Some(t);
        booking.due_at = None;
        let refund = booking.total_cents;
        tracing::info!(booking = %booking.booking_id, why, "ITT booking failed");
        self.balance = self.balance.saturating_add(refund);
        Ok(())
    }

    /// Automatic data use of eSIM `e` up to `to`, while it has data and validity left.
    fn sync_usage(&mut self, e: usize, to: OffsetDateTime) {
        let auto = self.settings.auto_usage.filter(|a| a.bytes_per_day > 0);
        let Some(esim) = self.esims.get_mut(e) else {
            return;
        };
        if to <= esim.usage_synced_to {
            return;
        }
        if let Some(auto) = auto {
            let start = esim
                .usage_synced_to
                .max(later(esim.issued_at, auto.start_after));
            if start < to && start < esim.expires_at() && esim.left_bytes() > 0 {
                // The first use starts the package's validity, which moves the end.
                esim.activated_at.get_or_insert(start);
                let end = to.min(esim.expires_at());
                if start < end {
                    let span = u128::try_from((end - start).whole_nanoseconds()).unwrap_or(0);
                    let bytes =
                        u64::try_from(u128::from(auto.bytes_per_day) * span / NANOS_PER_DAY)
                            .unwrap_or(u64::MAX);
                    esim.used_bytes = esim.used_bytes.saturating_add(bytes.min(esim.left_bytes()));
                }
            }
        }
        esim.usage_synced_to = to;
    }

    /// Uses `mb` MB now on eSIM `e` (the admin "consume" call). Returns the MB counted.
    pub fn consume(&mut self, e: usize, mb: u64, now: OffsetDateTime) -> Result<u64, String> {
        self.settle(now).map_err(|err| err.to_string())?;
        let esim = self.esims.get_mut(e).ok_or("no such eSIM")?;
        if now >= esim.expires_at() {
            return Err(format!("eSIM {} has expired", esim.iccid));
        }
        let wanted = mb.saturating_mul(1024 * 1024);
        let take = wanted.min(esim.left_bytes());
        if take == 0 && wanted > 0 {
            return Err(format!("eSIM {} has no data left", esim.iccid));
        }
        if esim.activated_at.is_none() && take > 0 {
            esim.activated_at = Some(now);
        }
        esim.used_bytes += take;
        Ok(take / (1024 * 1024))
    }
}
