//! eSIMs the desk sold, as the eSIMs screen and `esimdesk esim` show them.

use esimdesk_core::{
    DataAllowance, DataAmount, Package, PackageState, ProfileStatus, ProviderKind, UsageSnapshot,
};
use serde::Serialize;
use time::OffsetDateTime;
use ts_rs::TS;

/// What was left of a package when the provider was last asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct UsageReading {
    /// `None`: the provider did not say (unlimited packages, mostly).
    pub remaining: Option<DataAmount>,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub taken_at: OffsetDateTime,
}

impl From<UsageSnapshot> for UsageReading {
    fn from(u: UsageSnapshot) -> Self {
        UsageReading {
            remaining: u.remaining,
            taken_at: u.taken_at,
        }
    }
}

/// A package on an eSIM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PackageView {
    /// The offering code it was bought as.
    pub offering_code: String,
    pub state: PackageState,
    pub allowance: DataAllowance,
    pub usage: Option<UsageReading>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[ts(type = "string | null")]
    pub starts_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[ts(type = "string | null")]
    pub ends_at: Option<OffsetDateTime>,
    /// The provider's id for this one application of the package: what "Cancel package" names.
    pub provider_id: Option<String>,
}

impl From<Package> for PackageView {
    fn from(p: Package) -> Self {
        PackageView {
            offering_code: p.offering_code,
            state: p.state,
            allowance: p.allowance,
            usage: p.usage.map(Into::into),
            starts_at: p.starts_at,
            ends_at: p.ends_at,
            provider_id: p.provider_id,
        }
    }
}

/// One eSIM as the desk holds it. The activation code is not here: it travels only in the
/// views that deliver it ([`crate::codes::CodeView`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct EsimView {
    pub iccid: String,
    /// Why the ICCID fails the desk's check, for one a provider issued and the desk keeps as
    /// issued (ITT's 18-digit samples); `None` for a valid one.
    pub iccid_problem: Option<String>,
    pub provider: ProviderKind,
    pub account_id: String,
    pub profile_status: ProfileStatus,
    pub packages: Vec<PackageView>,
    /// The journal's client reference of the order that bought it.
    pub order_reference: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub created_at: OffsetDateTime,
}

impl From<esimdesk_store::StoredEsim> for EsimView {
    fn from(s: esimdesk_store::StoredEsim) -> Self {
        EsimView {
            iccid_problem: s.esim.iccid.problem().map(|p| p.to_string()),
            iccid: s.esim.iccid.to_string(),
            provider: s.esim.provider,
            account_id: s.account_id,
            profile_status: s.esim.profile_status,
            packages: s.esim.packages.into_iter().map(Into::into).collect(),
            order_reference: s.order_reference,
            created_at: s.created_at,
        }
    }
}

/// One line of an eSIM search result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct EsimSummary {
    pub iccid: String,
    pub provider: ProviderKind,
    pub account_id: String,
    pub profile_status: ProfileStatus,
    pub order_reference: Option<String>,
    pub customer_name: Option<String>,
    pub customer_email: Option<String>,
    pub customer_phone: Option<String>,
    /// How many packages it carries.
    pub packages: usize,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub created_at: OffsetDateTime,
}

impl From<esimdesk_store::EsimSummary> for EsimSummary {
    fn from(s: esimdesk_store::EsimSummary) -> Self {
        EsimSummary {
            iccid: s.iccid,
            provider: s.provider,
            account_id: s.account_id,
            profile_status: s.profile_status,
            order_reference: s.order_reference,
            customer_name: s.customer_name,
            customer_email: s.customer_email,
            customer_phone: s.customer_phone,
            packages: s.packages,
            created_at: s.created_at,
        }
    }
}
