//! eSIMs at the provider: how calls address one, the packages on it and what is left of them,
//! and whether a package fits it.

use esimdesk_core::{DataAmount, Iccid, Package, ProfileStatus};
use time::OffsetDateTime;

/// A phone model a provider says takes its eSIMs (ITT, itt.md §10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompatibleDevice {
    /// e.g. `Apple`; empty when the provider does not say.
    pub brand: String,
    /// e.g. `iPhone 15`.
    pub model: String,
    /// e.g. `ios`, where the provider says.
    pub os: Option<String>,
}

/// How to install an eSIM, in one language, as the provider words it (ITT, itt.md §9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallInstructions {
    /// The language the steps are in (ISO 639-1, e.g. `es`): the one asked for where the
    /// provider has it.
    pub language: String,
    /// The steps for an iPhone, in order.
    pub ios: Vec<String>,
    /// The steps for an Android phone, in order.
    pub android: Vec<String>,
}

/// An eSIM as a provider addresses it: the ICCID, plus the provider's own id where its API keys
/// calls by something else (a Telness subscription id, an ITT booking tracking id).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EsimHandle {
    pub iccid: Iccid,
    pub provider_ref: Option<String>,
}

impl EsimHandle {
    pub fn iccid(iccid: Iccid) -> Self {
        EsimHandle {
            iccid,
            provider_ref: None,
        }
    }
}

/// A package on an eSIM with the provider's handle for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageUsage {
    pub package: Package,
    /// What the provider calls this application of the package (eSIM Go assignment id), needed
    /// to revoke exactly it.
    pub assignment_id: Option<String>,
    pub assigned_at: Option<OffsetDateTime>,
    /// Data at assignment, when reported separately from the allowance.
    pub initial: Option<DataAmount>,
}

/// The packages of one eSIM and what is left on them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EsimUsage {
    pub iccid: Iccid,
    pub packages: Vec<PackageUsage>,
    pub profile_status: Option<ProfileStatus>,
    pub taken_at: OffsetDateTime,
}

/// Whether a package fits an existing eSIM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopUpCheck {
    Compatible,
    Incompatible,
    /// The provider cannot tell beforehand.
    Unknown,
}
