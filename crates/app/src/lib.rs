//! eSIM Desk's use cases. The desktop shell and the `esimdesk` CLI are thin faces over this
//! crate; it knows nothing of Tauri or of terminals.

pub mod accounts;
pub mod cancel;
pub mod cancel_esim;
pub mod catalogue;
pub mod checkout;
pub mod codes;
pub mod credentials;
pub mod desk;
pub mod devices;
pub mod diagnostics;
pub mod error;
pub mod esims;
pub mod identifiers;
pub mod instructions;
pub mod maintenance;
pub mod orders;
pub mod provisioning;
pub mod purchase;
pub mod rates;
pub mod reconcile;
pub mod secrets;
pub mod settings;
pub mod status;
mod test_hooks;
pub mod top_up;
pub mod views;

pub use desk::{DATA_DIR_ENV, Desk, data_dir_override, database_path, os_keychain};
pub use error::{AppError, ErrorPayload, MoneyMoved};
pub use secrets::{EphemeralSecrets, SecretSource};

// What the faces (window, CLI) name, so that they depend on this crate alone (ARCHITECTURE.md).
pub use esimdesk_core::{
    Country, Currency, DataAllowance, ExchangeRate, MarkupRule, MarkupScope, Money, OrderKind,
    OrderState, PackageState, ProviderKind, Region, Rounding,
};
pub use esimdesk_providers::CatalogueQuery;
pub use esimdesk_store::SearchQuery;
pub use views::{
    CatalogueFreshness, CustomerView, DeskSettings, Destination, EsimSummary, EsimView,
    JournaledOrder, OfferingView, OrderView, PackageView, ProviderAccount, SearchHit, SearchSort,
};

use serde::Serialize;
use ts_rs::TS;

/// What the window's title bar and "About" show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub name: String,
    pub version: String,
}

/// A money error in what a person or a provider gave, as the input error it is.
pub(crate) fn money(e: esimdesk_core::MoneyError) -> AppError {
    AppError::InvalidInput {
        field: "amount".into(),
        message: e.to_string(),
    }
}

pub fn about() -> AppInfo {
    AppInfo {
        name: "eSIM Desk".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    }
}
