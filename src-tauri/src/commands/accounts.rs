//! Provider accounts. The credential's values go straight into a `SecretString`, then to the
//! keychain; they are never logged or sent back.

use std::sync::Arc;

use esimdesk_app::accounts::{self, AccountCheck, NewAccount};
use esimdesk_app::credentials;
use esimdesk_app::{Desk, ErrorPayload, ProviderKind, os_keychain};
use tauri::State;

use crate::state::{DeskState, blocking, blocking_async};

/// Adds an account after the provider accepted its key. In demo mode it goes to the real
/// database and keychain (not the demo's); `status.restart_to_leave_demo` then says so.
#[tauri::command]
pub async fn add_account(
    state: State<'_, DeskState>,
    provider: ProviderKind,
    id: Option<String>,
    label: Option<String>,
    base_url: Option<String>,
    credential: Vec<String>,
) -> Result<AccountCheck, ErrorPayload> {
    let demo = state.is_demo();
    let desk = state.desk.clone();
    let real_db = state.real_db.clone();
    let check = blocking_async(move || async move {
        let new = NewAccount {
            provider,
            id: id.filter(|s| !s.trim().is_empty()),
            label: label.filter(|s| !s.trim().is_empty()),
            base_url: base_url.filter(|s| !s.trim().is_empty()),
            key: credentials::from_values(provider, &credential)?,
        };
        let desk = if demo {
            Arc::new(Desk::open(real_db.parent(), os_keychain())?)
        } else {
            desk
        };
        accounts::add_account(&desk, new).await
    })
    .await?;
    if demo {
        state.mark_real_account_added();
    }
    Ok(check)
}

#[tauri::command]
pub async fn remove_account(state: State<'_, DeskState>, id: String) -> Result<(), ErrorPayload> {
    let desk = state.desk.clone();
    blocking(move || accounts::remove_account(&desk, &id)).await
}
