//! The `Provider` trait and one adapter module per provider API.
//!
//! Adapters speak each provider's documented wire format (private wire types, mapped to
//! `esimdesk-core` types at the edge) over [`http`]: reqwest with rustls, timeouts, a client-side
//! rate limit, retries for idempotent reads only, and credentials that never reach a log line or
//! an error.

pub mod capabilities;
pub mod error;
pub mod esimgo;
pub(crate) mod http;
pub mod provider;
pub mod qr_bundle;
pub mod types;

#[cfg(test)]
mod test_server;

pub use capabilities::Capabilities;
pub use error::ProviderError;
pub use http::{HttpSettings, RateLimit};
pub use provider::{MAX_CATALOGUE_PAGES, ProgressFn, Provider};
pub use qr_bundle::{BundleError, BundleLimits, BundleRow, QrBundle, read_qr_bundle};
pub use types::*;
