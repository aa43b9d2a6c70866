//! State shared by every simulated API and the admin API of one sandbox run: the services all
//! providers use (clock, faults, rate limiter, latency, request log, admin token) and the
//! registry of simulators, each holding its own state behind its own lock.

use std::net::IpAddr;
use std::ops::Deref;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::admin::RequestLog;
use crate::catalogue::Catalogue;
use crate::clock::SandboxClock;
use crate::config::SandboxConfig;
use crate::faults::FaultSet;
use crate::providers::Providers;
use crate::ratelimit::{RateLimiter, Window};

#[derive(Debug)]
pub struct Shared {
    pub config: SandboxConfig,
    pub clock: SandboxClock,
    pub admin_token: String,
    pub faults: Mutex<FaultSet>,
    pub limiter: Mutex<RateLimiter>,
    pub base_latency: Mutex<Duration>,
    /// Every provider request and its status, for tests ([`crate::Admin::requests`]).
    pub requests: Mutex<RequestLog>,
    /// The simulated providers.
    pub providers: Providers,
}

pub type AppState = Arc<Shared>;

/// What one simulator's handlers are given: the shared services (through `Deref`) and that
/// simulator alone, so a handler cannot reach another provider's state by mistake.
#[derive(Debug)]
pub struct Ctx<P> {
    pub shared: AppState,
    pub sim: Arc<P>,
}

impl<P> Clone for Ctx<P> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
            sim: Arc::clone(&self.sim),
        }
    }
}

impl<P> Deref for Ctx<P> {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.shared
    }
}

/// Locks a mutex, carrying on after a panic elsewhere (state stays usable for a simulator).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    pub fn new(config: SandboxConfig, catalogue: Arc<Catalogue>, admin_token: String) -> Self {
        let start = config.start_time.unwrap_or_else(|| {
            let now = time::OffsetDateTime::now_utc();
            now.replace_nanosecond(0).unwrap_or(now)
        });
        let mut faults = FaultSet::default();
        for spec in &config.faults {
            faults.add(spec.clone());
        }
        Self {
            clock: SandboxClock::new(start, config.clock_follows_wall),
            admin_token,
            faults: Mutex::new(faults),
            limiter: Mutex::new(RateLimiter::new(config.rate_limit_per_second)),
            base_latency: Mutex::new(config.base_latency),
            requests: Mutex::new(RequestLog::default()),
            providers: Providers::new(&config, catalogue),
            config,
        }
    }

    pub fn rate_check(&self, ip: Option<IpAddr>, consume: bool) -> Window {
        lock(&self.limiter).check(ip, consume)
    }
}
