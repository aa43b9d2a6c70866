//! Checking codes and identifiers: pure, no database.

use esimdesk_app::ErrorPayload;
use esimdesk_app::codes::{self, CodeView};
use esimdesk_app::identifiers::{self, IdentifierCheck};

use crate::state::blocking;

#[tauri::command]
pub fn inspect_code(input: String) -> Result<CodeView, ErrorPayload> {
    codes::view(&input).map_err(|e| e.payload())
}

/// A picture (PNG, JPEG, WebP; at most 20 MB) holding an activation code's QR code.
#[tauri::command]
pub async fn inspect_code_image(bytes: Vec<u8>) -> Result<CodeView, ErrorPayload> {
    blocking(move || codes::view_from_image(&bytes)).await
}

#[tauri::command]
pub fn check_iccid(input: String) -> IdentifierCheck {
    identifiers::check_iccid(&input)
}

#[tauri::command]
pub fn check_eid(input: String) -> IdentifierCheck {
    identifiers::check_eid(&input)
}
