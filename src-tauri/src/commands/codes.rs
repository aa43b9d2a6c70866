//! Checking codes and identifiers: pure, no database.

use esimdesk_app::codes::{self, CodeView};
use esimdesk_app::identifiers::{self, IdentifierCheck};
use esimdesk_app::{AppError, ErrorPayload};
use tauri::ipc::{InvokeBody, Request};

use crate::state::blocking;

#[tauri::command]
pub fn inspect_code(input: String) -> Result<CodeView, ErrorPayload> {
    codes::view(&input).map_err(|e| e.payload())
}

/// A picture (PNG, JPEG, WebP; at most 20 MB) holding an activation code's QR code, as the
/// request's raw body (a 20 MB picture as a JSON array of numbers would be ~70 MB).
#[tauri::command]
pub async fn inspect_code_image(request: Request<'_>) -> Result<CodeView, ErrorPayload> {
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(AppError::InvalidInput {
            field: "image".into(),
            message: "send the picture's bytes as the request body".into(),
        }
        .payload());
    };
    let bytes = bytes.clone();
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
