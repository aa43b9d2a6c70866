//! How the Telness Connect simulator is set up: its key, the desk's customer, the SM-DP+ of its
//! activation codes and the order lifecycle (telness.md §8.2 "Simulator lifecycle").

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The demo `X-API-Key`, shaped like the reference's test keys (`tk_test_…`).
pub const DEMO_API_KEY: &str = "tk_test_SANDBOX0000000000000001";
/// The demo desk's existing customer (telness.md open point 16: a desk orders for one
/// configured `customerId` and puts the traveller in `subscriber`).
pub const DEMO_CUSTOMER_ID: &str = "6d1f3c2a-8b47-4e19-9c05-3a7e5b2d1f80";
/// The SM-DP+ host of the reference's examples (§9.3, §10).
pub const DEMO_SMDP_ADDRESS: &str = "rsp.sandbox-telness.example.com";

/// How a submitted order ends once it has been `PROCESSING` for the completion delay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TelnessOutcome {
    /// `COMPLETED`, with its subscription `ACTIVATED` and its QR code available.
    #[default]
    Complete,
    /// Stays `PROCESSING` until told otherwise (a provider that never finishes).
    StayProcessing,
    /// Ends `CANCELLED`; any subscription it was provisioning is cancelled too.
    Cancel,
}

/// How submitted orders move on (the lifecycle part of [`TelnessConfig`]), as the admin API
/// reads and changes it while the sandbox runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TelnessFulfilment {
    /// `SUBMITTED` → `PROCESSING` after this.
    pub processing_after: Duration,
    /// `PROCESSING` → the outcome after this.
    pub completion_delay: Duration,
    pub outcome: TelnessOutcome,
}

/// The Telness Connect simulator's part of [`crate::SandboxConfig`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TelnessConfig {
    /// The key it accepts in `X-API-Key`.
    pub api_key: String,
    /// An existing customer of the tenant, for `customer: {"customerId": …}`.
    pub customer_id: String,
    /// SM-DP+ host name in the activation codes it mints (a bare FQDN).
    pub smdp_address: String,
    /// Time a submitted order stays `SUBMITTED` before it is `PROCESSING` (reference: ~1 s).
    pub processing_after: Duration,
    /// Time an order stays `PROCESSING` before its outcome (reference: 2 s by default).
    pub completion_delay: Duration,
    /// How orders submitted from now on end.
    pub outcome: TelnessOutcome,
}

impl TelnessConfig {
    pub fn fulfilment(&self) -> TelnessFulfilment {
        TelnessFulfilment {
            processing_after: self.processing_after,
            completion_delay: self.completion_delay,
            outcome: self.outcome,
        }
    }
}

impl Default for TelnessConfig {
    fn default() -> Self {
        Self {
            api_key: DEMO_API_KEY.to_owned(),
            customer_id: DEMO_CUSTOMER_ID.to_owned(),
            smdp_address: DEMO_SMDP_ADDRESS.to_owned(),
            processing_after: Duration::from_secs(1),
            completion_delay: Duration::from_secs(2),
            outcome: TelnessOutcome::Complete,
        }
    }
}
