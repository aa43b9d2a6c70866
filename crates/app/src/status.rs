//! The window's status line: which accounts exist and what they can do, how fresh each catalogue
//! is, whether the keychain is usable, the desk settings and how many orders await
//! reconciliation. Works offline; reads no key.

use esimdesk_core::ProviderKind;
use esimdesk_store::KeychainStatus;
use serde::Serialize;
use ts_rs::TS;

use crate::desk::Desk;
use crate::views::{CatalogueFreshness, DeskSettings, ProviderAccount};
use crate::{AppError, AppInfo};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum KeychainState {
    Available,
    Locked,
    Unavailable,
}

/// Whether provider keys can be stored and read on this machine, in words for the desk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct KeychainView {
    pub available: bool,
    pub state: KeychainState,
    /// What is wrong, when something is.
    pub message: Option<String>,
    /// What to do about it.
    pub hint: Option<String>,
}

impl KeychainView {
    pub fn of(status: &KeychainStatus) -> KeychainView {
        match status {
            KeychainStatus::Available => KeychainView {
                available: true,
                state: KeychainState::Available,
                message: None,
                hint: None,
            },
            KeychainStatus::Locked { hint } => KeychainView {
                available: false,
                state: KeychainState::Locked,
                message: Some("the system keychain is locked".to_owned()),
                hint: Some(hint.clone()),
            },
            KeychainStatus::Unavailable { reason, hint } => KeychainView {
                available: false,
                state: KeychainState::Unavailable,
                message: Some(format!("no system keychain is available: {reason}")),
                hint: Some(hint.clone()),
            },
        }
    }
}

/// A provider account and what the window may offer for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct AccountView {
    pub account: ProviderAccount,
    /// The provider prices an order before buying (checkout shows its exact total).
    pub can_validate: bool,
    /// Packages can be added to an eSIM it sold.
    pub can_top_up: bool,
    /// Remaining data can be read.
    pub can_refresh_usage: bool,
    /// A package can be revoked from an eSIM (the eSIM screen's "Cancel package").
    pub can_cancel: bool,
    /// The whole eSIM can be cancelled (the eSIM screen's "Cancel eSIM").
    pub can_cancel_esim: bool,
    /// The provider registers each eSIM to the traveller: checkout needs their email too.
    pub needs_customer_email: bool,
    /// The provider words installation steps in the customer's language (checkout asks which).
    pub instructions_in_language: bool,
    /// The provider lists the phones its eSIMs work on (checkout checks the customer's).
    pub can_check_device: bool,
}

/// A provider the account form offers, as this version knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct ProviderChoice {
    pub kind: ProviderKind,
    pub name: String,
    /// The live API's address (used when the form leaves it empty).
    pub live_url: Option<String>,
    /// This version has an adapter for it; `false`: shown as coming.
    pub ready: bool,
    /// What the account form asks for (one value per field, in this order).
    pub credential_fields: Vec<crate::credentials::CredentialField>,
}

/// Every provider, ready or not, in the order the form lists them.
pub fn provider_choices() -> Vec<ProviderChoice> {
    ProviderKind::ALL
        .into_iter()
        .map(|kind| ProviderChoice {
            kind,
            name: kind.display_name().to_owned(),
            live_url: crate::desk::default_base_url(kind).map(str::to_owned),
            ready: esimdesk_providers::capabilities::of(kind).is_some(),
            credential_fields: crate::credentials::fields(kind),
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct AppStatus {
    pub info: AppInfo,
    /// A built-in sandbox plays the providers: nothing is bought for real.
    pub demo: bool,
    /// A real provider account was added during demo mode; restarting leaves demo mode.
    pub restart_to_leave_demo: bool,
    pub keychain: KeychainView,
    pub accounts: Vec<AccountView>,
    /// The providers an account can be added for.
    pub providers: Vec<ProviderChoice>,
    pub freshness: Vec<CatalogueFreshness>,
    pub settings: DeskSettings,
    /// Orders reconciliation works on: sent but not settled (submitted, provisioning, unknown),
    /// or completed with activation codes still to fetch.
    pub unsettled_orders: usize,
    /// Orders reconciliation could not settle with certainty: a person must (Orders screen).
    pub orders_needing_a_person: usize,
}

/// The status, from the database alone (the keychain's state is probed by the caller, on a
/// thread that may block).
/// The status, with the OS keychain probed now (it may block while the keychain asks to be
/// unlocked: call from a worker thread).
pub fn status_now(desk: &Desk, demo: bool) -> Result<AppStatus, AppError> {
    status(desk, demo, &esimdesk_store::Keychain::new().status())
}

pub fn status(desk: &Desk, demo: bool, keychain: &KeychainStatus) -> Result<AppStatus, AppError> {
    let store = desk.store();
    let accounts = store
        .accounts()?
        .into_iter()
        .map(|account| {
            let c = desk.capabilities(&account)?;
            Ok(AccountView {
                can_validate: c.validate_order,
                can_top_up: c.top_up,
                can_refresh_usage: c.usage,
                can_cancel: c.revoke_package,
                can_cancel_esim: c.cancel_esim,
                needs_customer_email: c.requires_customer,
                instructions_in_language: c.install_instructions,
                can_check_device: c.device_list,
                account: account.into(),
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok(AppStatus {
        info: crate::about(),
        demo,
        restart_to_leave_demo: false,
        keychain: KeychainView::of(keychain),
        accounts,
        providers: provider_choices(),
        freshness: crate::catalogue::freshness(desk)?,
        settings: store.desk_settings()?.into(),
        unsettled_orders: store.unsettled_orders()?.len(),
        orders_needing_a_person: store.orders_needing_a_person()?.len(),
    })
}
