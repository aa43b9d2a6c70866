//! Provider accounts: the key goes to the OS keychain, the account row to the database, and
//! neither happens unless the provider accepted the key.

use esimdesk_core::{Money, ProviderKind};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use time::OffsetDateTime;
use ts_rs::TS;

use crate::AppError;
use crate::desk::{Desk, build_provider, default_base_url};
use crate::views::ProviderAccount;

#[derive(Debug, Clone)]
pub struct NewAccount {
    pub provider: ProviderKind,
    /// Defaults to the provider's id ("esimgo"); a second account of the same provider needs its own.
    pub id: Option<String>,
    pub label: Option<String>,
    /// Defaults to the provider's live API.
    pub base_url: Option<String>,
    /// The credential's text: one value per line, in the order of
    /// [`crate::credentials::fields`] (an API key alone for most providers).
    pub key: SecretString,
}

/// An account that works: the provider answered with its balance.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct AccountCheck {
    pub account: ProviderAccount,
    pub balance: Option<Money>,
}

/// Tests the key with a real call, then stores the key in the keychain and the account in the
/// database. A rejected key stores nothing.
pub async fn add_account(desk: &Desk, new: NewAccount) -> Result<AccountCheck, AppError> {
    // One value per field of the provider's form, none empty: refused before any call.
    let key = crate::credentials::from_text(new.provider, new.key.expose_secret())?;
    let id = new
        .id
        .unwrap_or_else(|| new.provider.id().to_owned())
        .trim()
        .to_owned();
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_:.".contains(c))
    {
        return Err(AppError::InvalidInput {
            field: "account id".into(),
            message: "use letters, digits and - _ : . only".into(),
        });
    }
    let base_url = match new.base_url {
        Some(url) => url.trim().to_owned(),
        None => default_base_url(new.provider)
            .ok_or(AppError::ProviderNotAvailable(new.provider))?
            .to_owned(),
    };
    let account = esimdesk_store::ProviderAccount {
        id: id.clone(),
        provider: new.provider,
        label: new
            .label
            .unwrap_or_else(|| new.provider.display_name().to_owned()),
        base_url,
        created_at: OffsetDateTime::now_utc(),
    };
    let provider = build_provider(&account, key.clone())?;
    let balance = if provider.capabilities().balance {
        Some(provider.balance().await?.available)
    } else {
        provider.check_credentials().await?;
        None
    };
    desk.secrets().set(&id, &key)?;
    desk.store().upsert_account(&account)?;
    desk.forget_provider(&id);
    desk.store().audit(
        &desk.actor(),
        "account.add",
        &format!("{} ({}) at {}", id, account.provider.id(), account.base_url),
    )?;
    tracing::info!(account = %id, provider = account.provider.id(), "provider account added");
    Ok(AccountCheck {
        account: account.into(),
        balance,
    })
}

pub fn list_accounts(desk: &Desk) -> Result<Vec<ProviderAccount>, AppError> {
    Ok(desk
        .store()
        .accounts()?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Removes the account and its key. Orders and eSIMs bought through it stay.
pub fn remove_account(desk: &Desk, id: &str) -> Result<(), AppError> {
    if desk.store().account(id)?.is_none() {
        return Err(AppError::UnknownAccount(id.to_owned()));
    }
    desk.secrets().delete(id)?;
    desk.store().remove_account(id)?;
    desk.forget_provider(id);
    desk.store().audit(&desk.actor(), "account.remove", id)?;
    Ok(())
}

/// The balance of an account, asked of the provider now.
pub async fn balance(desk: &Desk, id: &str) -> Result<Money, AppError> {
    Ok(desk.provider(id)?.balance().await?.available)
}
