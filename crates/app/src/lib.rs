//! eSIM Desk's use cases. The desktop shell and the `esimdesk` CLI are thin faces over this
//! crate; it knows nothing of Tauri or of terminals.

pub mod codes;
pub mod error;
pub mod identifiers;

pub use error::{AppError, ErrorPayload};

use serde::Serialize;
use ts_rs::TS;

/// What the window's title bar and "About" show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct AppInfo {
    pub name: String,
    pub version: String,
}

pub fn about() -> AppInfo {
    AppInfo {
        name: "eSIM Desk".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    }
}
