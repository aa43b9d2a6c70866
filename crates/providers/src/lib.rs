//! The `Provider` trait and one adapter module per provider API.
//!
//! Adapters speak each provider's documented wire format (private wire types, mapped to
//! `esimdesk-core` types at the edge) over [`http`]: reqwest with rustls, timeouts, a client-side
//! rate limit, retries for idempotent reads only, and credentials that never reach a log line or
//! an error.

mod balance;
mod cancel;
pub mod capabilities;
mod catalogue;
mod delivery;
pub mod error;
pub mod esimgo;
mod esims;
pub(crate) mod http;
pub mod itt;
mod json_number;
mod orders;
pub mod provider;
pub mod qr_bundle;
pub mod telness;
pub mod truphone;

#[cfg(test)]
mod test_server;

pub use capabilities::Capabilities;
pub use error::ProviderError;
pub use http::{HttpSettings, RateLimit};
pub use provider::{MAX_CATALOGUE_PAGES, ProgressFn, Provider};
pub use qr_bundle::{BundleError, BundleLimits, BundleRow, QrBundle, read_qr_bundle};
// Requests and results of `Provider` calls, each by name (no globs: what is public is chosen).
pub use balance::AccountBalance;
pub use cancel::{CancelOutcome, CancelTarget, Refund};
pub use catalogue::{
    Catalogue, CataloguePage, CatalogueProgress, CatalogueQuery, PageToken, SkippedItem,
};
pub use delivery::{DeliverySource, OrderDelivery, QrImage};
pub use esims::{
    CompatibleDevice, EsimHandle, EsimUsage, InstallInstructions, PackageUsage, TopUpCheck,
};
pub use orders::{
    IssuedEsim, MatchBasis, OrderLookup, OrderMatch, OrderRequest, OrderStatus, PlacedLine,
    PlacedOrder, PricedLine, RequestLine, TopUpRequest, ValidatedOrder,
};
