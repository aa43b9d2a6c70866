//! Bundle assignment lifecycle on the sandbox clock (esimgo.md §2.1):
//! `processing → queued → active → depleted → expired`, `queued → lapsed`, any → `revoked`.
//!
//! Each eSIM is simulated lazily, event by event, from the instant it was last brought up to
//! date to "now" whenever a request looks at it. Nothing depends on wall-clock sleeps.

use time::OffsetDateTime;

use super::model::{BundleState, ProfileStatus};
use super::state::EsimGo;

const NANOS_PER_DAY: u128 = 86_400 * 1_000_000_000;

impl EsimGo {
    /// Brings every eSIM up to `now`.
    pub fn sync_all(&mut self, now: OffsetDateTime) {
        for e in 0..self.esims.len() {
            self.sync_esim(e, now);
        }
    }

    /// Brings one eSIM's assignments up to `now`.
    pub fn sync_esim(&mut self, e: usize, now: OffsetDateTime) {
        let Some(from) = self.esims.get(e).map(|x| x.synced_to) else {
            return;
        };
        if now <= from {
            return;
        }
        let mut t = from;
        // Bounded: every step moves to a strictly later event; an eSIM has few assignments.
        for _ in 0..10_000 {
            self.settle(e, t);
            let next = self.next_event(e, t).filter(|n| *n < now).unwrap_or(now);
            self.use_data_automatically(e, t, next);
            t = next;
            if t >= now {
                break;
            }
        }
        self.settle(e, now);
        if let Some(x) = self.esims.get_mut(e) {
            x.synced_to = now;
        }
    }

    fn assignment_ids(&self, e: usize) -> Vec<usize> {
        self.esims
            .get(e)
            .map(|x| x.assignments.clone())
            .unwrap_or_default()
    }

    fn has_active(&self, ids: &[usize]) -> bool {
        ids.iter().any(|&a| {
            self.assignments
                .get(a)
                .is_some_and(|x| x.state == BundleState::Active)
        })
    }

    /// Applies every transition due at `t`.
    fn settle(&mut self, e: usize, t: OffsetDateTime) {
        let ids = self.assignment_ids(e);
        let lapse = self.settings.lapse_after;
        loop {
            let mut changed = false;
            let mut events: Vec<(&'static str, String, OffsetDateTime)> = Vec::new();
            for &a in &ids {
                let Some(x) = self.assignments.get_mut(a) else {
                    continue;
                };
                match x.state {
                    BundleState::Processing if x.ready_at <= t => {
                        x.state = BundleState::Queued;
                        changed = true;
                    }
                    BundleState::Queued if x.ready_at + lapse <= t => {
                        x.state = BundleState::Lapsed;
                        events.push(("Bundle Lapsed", x.bundle.clone(), x.ready_at + lapse));
                        changed = true;
                    }
                    BundleState::Active | BundleState::Depleted
                        if x.end_time.is_some_and(|end| end <= t) =>
                    {
                        x.state = BundleState::Expired;
                        events.push(("Bundle Expired", x.bundle.clone(), x.end_time.unwrap_or(t)));
                        changed = true;
                    }
                    BundleState::Active if !x.unlimited && x.remaining_bytes == 0 => {
                        x.state = BundleState::Depleted;
                        changed = true;
                    }
                    _ => {}
                }
            }
            for (name, bundle, at) in events {
                self.push_history(e, name, &bundle, at);
            }
            if let Some(auto) = self.settings.auto_usage
                && !self.has_active(&ids)
            {
                let due = ids.iter().copied().find(|&a| {
                    self.assignments.get(a).is_some_and(|x| {
                        x.state == BundleState::Queued && x.ready_at + auto.start_after <= t
                    })
                });
                if let Some(a) = due {
                    self.start_assignment(a, t);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }

    /// The next instant after `t` at which something changes for this eSIM.
    fn next_event(&self, e: usize, t: OffsetDateTime) -> Option<OffsetDateTime> {
        let ids = self.assignment_ids(e);
        let active = self.has_active(&ids);
        let auto = self.settings.auto_usage;
        let mut next: Option<OffsetDateTime> = None;
        let mut consider = |c: OffsetDateTime| {
            if c > t && next.is_none_or(|n| c < n) {
                next = Some(c);
            }
        };
        for &a in &ids {
            let Some(x) = self.assignments.get(a) else {
                continue;
            };
            match x.state {
                BundleState::Processing => consider(x.ready_at),
                BundleState::Queued => {
                    consider(x.ready_at + self.settings.lapse_after);
                    if let (Some(auto), false) = (auto, active) {
                        consider(x.ready_at + auto.start_after);
                    }
                }
                BundleState::Active => {
                    if let Some(end) = x.end_time {
                        consider(end);
                    }
                    if let Some(auto) = auto
                        && !x.unlimited
                        && x.remaining_bytes > 0
                        && auto.bytes_per_day > 0
                    {
                        let nanos = (u128::from(x.remaining_bytes) * NANOS_PER_DAY)
                            .div_ceil(u128::from(auto.bytes_per_day));
                        let nanos = i64::try_from(nanos).unwrap_or(i64::MAX);
                        consider(t.saturating_add(time::Duration::nanoseconds(nanos)));
                    }
                }
                BundleState::Depleted => {
                    if let Some(end) = x.end_time {
                        consider(end);
                    }
                }
                BundleState::Expired | BundleState::Revoked | BundleState::Lapsed => {}
            }
        }
        next
    }

    fn use_data_automatically(&mut self, e: usize, from: OffsetDateTime, to: OffsetDateTime) {
        let Some(auto) = self.settings.auto_usage else {
            return;
        };
        let nanos = u128::try_from((to - from).whole_nanoseconds()).unwrap_or(0);
        let bytes = u64::try_from(u128::from(auto.bytes_per_day) * nanos / NANOS_PER_DAY)
            .unwrap_or(u64::MAX);
        for a in self.assignment_ids(e) {
            if let Some(x) = self.assignments.get_mut(a)
                && x.state == BundleState::Active
                && !x.unlimited
            {
                x.remaining_bytes = x.remaining_bytes.saturating_sub(bytes);
            }
        }
    }

    /// First use of a bundle: it becomes active and its validity starts.
    pub(crate) fn start_assignment(&mut self, a: usize, t: OffsetDateTime) {
        let Some(x) = self.assignments.get_mut(a) else {
            return;
        };
        x.state = BundleState::Active;
        x.started_at = Some(t);
        x.end_time = Some(t + time::Duration::days(i64::from(x.duration_days)));
        let (e, bundle) = (x.esim, x.bundle.clone());
        let country = self
            .catalogue
            .get(&bundle)
            .and_then(|b| b.countries.first().map(|c| c.iso.to_owned()));
        let mut first_attach = false;
        if let Some(esim) = self.esims.get_mut(e) {
            if matches!(
                esim.profile_status,
                ProfileStatus::Released | ProfileStatus::Downloaded
            ) {
                esim.profile_status = ProfileStatus::Installed;
            }
            if esim.first_installed.is_none() {
                esim.first_installed = Some(t);
                first_attach = true;
            }
            if esim.last_country.is_none() {
                esim.last_country = country;
            }
        }
        if first_attach {
            self.push_history(e, "eSIM First Attachment", "", t);
        }
        self.push_history(e, "eSIM First Use", &bundle, t);
    }

    /// Uses `bytes` of data on an eSIM now, starting queued bundles as needed (the admin
    /// "consume" call). Returns the bytes actually counted.
    pub fn consume(&mut self, e: usize, bytes: u64, now: OffsetDateTime) -> Result<u64, String> {
        self.sync_esim(e, now);
        let ids = self.assignment_ids(e);
        let mut left = bytes;
        let mut used = 0u64;
        for _ in 0..=ids.len() {
            let active = ids.iter().copied().find(|&a| {
                self.assignments
                    .get(a)
                    .is_some_and(|x| x.state == BundleState::Active)
            });
            let current = match active {
                Some(a) => a,
                None => {
                    let next = ids
                        .iter()
                        .copied()
                        .find(|&a| self.assignments.get(a).is_some_and(|x| x.state.is_unused()));
                    let Some(a) = next else { break };
                    if let Some(x) = self.assignments.get_mut(a) {
                        x.ready_at = x.ready_at.min(now);
                    }
                    self.start_assignment(a, now);
                    a
                }
            };
            let Some(x) = self.assignments.get_mut(current) else {
                break;
            };
            if x.unlimited {
                used += left;
                left = 0;
            } else {
                let take = left.min(x.remaining_bytes);
                x.remaining_bytes -= take;
                used += take;
                left -= take;
                if x.remaining_bytes == 0 {
                    x.state = BundleState::Depleted;
                    let name = x.bundle.clone();
                    self.push_history(e, "eSIM Utilisation Alert", &name, now);
                }
            }
            if left == 0 {
                break;
            }
        }
        if used == 0 && bytes > 0 {
            return Err("the eSIM has no bundle with data left".to_owned());
        }
        Ok(used)
    }
}
