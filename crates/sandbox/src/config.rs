//! How a sandbox is started.

use std::time::Duration;

use time::OffsetDateTime;

use crate::faults::FaultSpec;
use crate::itt::IttConfig;
use crate::telness::TelnessConfig;
use crate::truphone::TruphoneConfig;

/// Simulated data use, for every provider: once an eSIM's bundle (package) is ready, the
/// customer "installs" it after `start_after` and then uses `bytes_per_day` while the sandbox
/// clock advances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AutoUsage {
    pub start_after: Duration,
    pub bytes_per_day: u64,
}

impl Default for AutoUsage {
    fn default() -> Self {
        Self {
            start_after: Duration::from_secs(3_600),
            bytes_per_day: 250_000_000,
        }
    }
}

/// Everything a sandbox run is made of. `SandboxConfig::default()` suits tests and demo mode.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// TCP port on 127.0.0.1; 0 picks any free port.
    pub port: u16,
    /// Seed of the catalogue and of every minted identifier.
    pub seed: u64,
    /// Number of bundles in the catalogue (50..=100 000).
    pub catalogue_size: usize,
    /// The eSIM Go API key the sandbox accepts.
    pub esimgo_api_key: String,
    /// Token for the `/_admin` API (header `X-Admin-Token`); `None` mints a random one.
    pub admin_token: Option<String>,
    /// Opening eSIM Go organisation balance in US cents.
    pub initial_balance_cents: i64,
    /// SM-DP+ host name of eSIMs minted by eSIM Go (a bare FQDN).
    pub smdp_address: String,
    /// Requests per second per client IP; `None` switches enforcement off (headers still sent).
    pub rate_limit_per_second: Option<u32>,
    /// Latency added to every provider API request (on top of injected faults).
    pub base_latency: Duration,
    /// Time a new eSIM Go assignment spends in `processing` before it is `queued`.
    pub processing_delay: Duration,
    /// An eSIM Go bundle never started within this time lapses.
    pub lapse_after: Duration,
    /// Automatic data use as the clock advances; `None` means data is only used via the admin API.
    pub auto_usage: Option<AutoUsage>,
    /// The sandbox clock's starting instant; `None` means the wall clock at start.
    pub start_time: Option<OffsetDateTime>,
    /// Whether the sandbox clock also moves with the wall clock (it always moves when advanced).
    pub clock_follows_wall: bool,
    /// Faults active from the start (and again after an admin reset).
    pub faults: Vec<FaultSpec>,
    /// The Telness Connect simulator: its key, its demo customer, its order lifecycle. (The
    /// eSIM Go fields above stay flat, as callers already spell them.)
    pub telness: TelnessConfig,
    /// The Truphone Connect simulator: its OAuth2 client, token lifetimes, order fulfilment.
    pub truphone: TruphoneConfig,
    /// The ITT eSIM API simulator: its partner account (API key, secret code, member id),
    /// search lifetime, booking fulfilment and partner credit.
    pub itt: IttConfig,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            port: 0,
            seed: 42,
            catalogue_size: 500,
            esimgo_api_key: "sandbox-esimgo-key-0001".to_owned(),
            admin_token: None,
            initial_balance_cents: 100_000,
            smdp_address: "smdp.example".to_owned(),
            rate_limit_per_second: Some(10),
            base_latency: Duration::ZERO,
            processing_delay: Duration::ZERO,
            lapse_after: Duration::from_secs(365 * 86_400),
            auto_usage: Some(AutoUsage::default()),
            start_time: None,
            clock_follows_wall: true,
            faults: Vec::new(),
            telness: TelnessConfig::default(),
            truphone: TruphoneConfig::default(),
            itt: IttConfig::default(),
        }
    }
}

impl SandboxConfig {
    /// Defaults for deterministic tests: no rate limit, frozen clock, no automatic usage.
    pub fn for_tests() -> Self {
        Self {
            rate_limit_per_second: None,
            clock_follows_wall: false,
            auto_usage: None,
            ..Self::default()
        }
    }
}
