//! Cancellation requests and results: what to cancel or revoke, and where the money went.

use crate::esims::EsimHandle;

/// What to cancel or revoke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CancelTarget {
    /// An order not yet fulfilled.
    Order { provider_reference: String },
    /// One package on an eSIM. An unused package inside the provider's refund window goes back
    /// to the provider's inventory (eSIM Go documents no way to learn the `offerId` a refund to
    /// the balance needs, esimgo.md §8.3).
    Package {
        esim: EsimHandle,
        offering_code: String,
        /// The exact application to revoke ([`crate::PackageUsage::assignment_id`]): never
        /// "whichever the provider picks".
        assignment_id: String,
    },
    /// The whole eSIM.
    Esim { esim: EsimHandle },
}

/// Where the money of a cancelled item went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refund {
    ToBalance,
    ToInventory,
    None,
    /// The provider did not say.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelOutcome {
    pub refund: Refund,
    /// The provider's own words, for the agent.
    pub message: Option<String>,
}
