//! `#[tauri::command]`s: a few lines each, calling `esimdesk-app`.

use esimdesk_app::codes::{self, CodeView};
use esimdesk_app::identifiers::{self, IdentifierCheck};
use esimdesk_app::{AppInfo, ErrorPayload};

#[tauri::command]
pub fn app_info() -> AppInfo {
    esimdesk_app::about()
}

#[tauri::command]
pub fn inspect_code(input: String) -> Result<CodeView, ErrorPayload> {
    codes::view(&input).map_err(|e| e.payload())
}

#[tauri::command]
pub fn check_iccid(input: String) -> IdentifierCheck {
    identifiers::check_iccid(&input)
}

#[tauri::command]
pub fn check_eid(input: String) -> IdentifierCheck {
    identifiers::check_eid(&input)
}
