//! The app itself: about, status, diagnostics.

use esimdesk_app::status::{self, AppStatus};
use esimdesk_app::{AppInfo, ErrorPayload, diagnostics};
use esimdesk_store::Keychain;
use tauri::State;

use crate::state::{DeskState, blocking};

#[tauri::command]
pub fn app_info() -> AppInfo {
    esimdesk_app::about()
}

#[tauri::command]
pub async fn status(state: State<'_, DeskState>) -> Result<AppStatus, ErrorPayload> {
    let desk = state.desk.clone();
    let demo = state.is_demo();
    let mut s = blocking(move || status::status(&desk, demo, &Keychain::new().status())).await?;
    s.restart_to_leave_demo = demo && state.real_account_added();
    Ok(s)
}

/// Version, OS and the redacted end of the newest log, for "Copy diagnostics".
#[tauri::command]
pub async fn diagnostics(state: State<'_, DeskState>) -> Result<String, ErrorPayload> {
    let dir = state.log_dir.clone();
    blocking(move || Ok(diagnostics::diagnostics(&dir))).await
}
