//! State shared by every simulated API and the admin API of one sandbox run.

use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::admin::RequestLog;
use crate::catalogue::Catalogue;
use crate::clock::SandboxClock;
use crate::config::SandboxConfig;
use crate::esimgo::state::{EsimGo, Settings};
use crate::faults::FaultSet;
use crate::ratelimit::{RateLimiter, Window};

#[derive(Debug)]
pub struct Shared {
    pub config: SandboxConfig,
    pub clock: SandboxClock,
    pub admin_token: String,
    pub faults: Mutex<FaultSet>,
    pub limiter: Mutex<RateLimiter>,
    pub base_latency: Mutex<Duration>,
    pub esimgo: Mutex<EsimGo>,
    /// Every provider request and its status, for tests ([`crate::Admin::requests`]).
    pub requests: Mutex<RequestLog>,
}

pub type AppState = Arc<Shared>;

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
        let settings = Settings {
            api_key: config.esimgo_api_key.clone(),
            smdp_address: config.smdp_address.clone(),
            initial_balance_cents: config.initial_balance_cents,
            processing_delay: config.processing_delay,
            lapse_after: config.lapse_after,
            auto_usage: config.auto_usage,
            seed: config.seed,
        };
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
            esimgo: Mutex::new(EsimGo::new(settings, catalogue)),
            requests: Mutex::new(RequestLog::default()),
            config,
        }
    }

    pub fn esimgo_api_key(&self) -> &str {
        &self.config.esimgo_api_key
    }

    pub fn rate_check(&self, ip: Option<IpAddr>, consume: bool) -> Window {
        lock(&self.limiter).check(ip, consume)
    }
}
