//! An eSIM the desk sold, holds in stock, or imported: its identity, code and packages.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::activation_code::ActivationCode;
use crate::iccid::Iccid;
use crate::offering::ProviderKind;
use crate::package::Package;

/// Whether the profile is on a phone, as the provider reports it. Shown before anyone promises
/// a refund: an installed eSIM has been used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ProfileStatus {
    /// Ready to install, not installed (or installed once and removed).
    Released,
    /// Delivered to the phone, not yet enabled.
    Downloaded,
    Installed,
    /// Cannot be installed; issue a new eSIM.
    Unavailable,
    /// Permanently unusable.
    Deactivated,
    /// The provider does not report it.
    Unknown,
}

crate::enum_names::string_forms!(ProfileStatus, "profile status", [
    Released => "released",
    Downloaded => "downloaded",
    Installed => "installed",
    Unavailable => "unavailable",
    Deactivated => "deactivated",
    Unknown => "unknown",
]);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Esim {
    pub iccid: Iccid,
    pub provider: ProviderKind,
    /// Bearer credential: shown only on screens that deliver it, never logged in full.
    pub activation_code: Option<ActivationCode>,
    pub profile_status: ProfileStatus,
    pub packages: Vec<Package>,
}
