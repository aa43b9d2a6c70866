//! The desk's settings and its provider accounts, as Providers & settings shows them.

use esimdesk_core::{Country, Currency, ProviderKind};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use ts_rs::TS;

/// The desk's own settings (also what Settings saves).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DeskSettings {
    pub desk_name: String,
    /// The currency the desk sells in.
    pub currency: Currency,
    /// Who is at the desk: the actor recorded in the audit log for actions that name no one.
    pub profile_name: String,
    /// Where the desk sells, for providers whose orders name the country of sale (Truphone).
    #[serde(default)]
    pub country: Option<Country>,
}

impl From<esimdesk_store::DeskSettings> for DeskSettings {
    fn from(s: esimdesk_store::DeskSettings) -> Self {
        DeskSettings {
            desk_name: s.desk_name,
            currency: s.currency,
            profile_name: s.profile_name,
            country: s.country,
        }
    }
}

impl From<DeskSettings> for esimdesk_store::DeskSettings {
    fn from(s: DeskSettings) -> Self {
        esimdesk_store::DeskSettings {
            desk_name: s.desk_name,
            currency: s.currency,
            profile_name: s.profile_name,
            country: s.country,
        }
    }
}

impl Default for DeskSettings {
    fn default() -> Self {
        esimdesk_store::DeskSettings::default().into()
    }
}

/// A provider account the desk holds a key for (the key itself never leaves the keychain).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ProviderAccount {
    /// The desk's own id for the account (also its keychain entry's name).
    pub id: String,
    pub provider: ProviderKind,
    pub label: String,
    pub base_url: String,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub created_at: OffsetDateTime,
}

impl From<esimdesk_store::ProviderAccount> for ProviderAccount {
    fn from(a: esimdesk_store::ProviderAccount) -> Self {
        ProviderAccount {
            id: a.id,
            provider: a.provider,
            label: a.label,
            base_url: a.base_url,
            created_at: a.created_at,
        }
    }
}
