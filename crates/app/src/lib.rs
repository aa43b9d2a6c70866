//! eSIM Desk's use cases. The desktop shell and the `esimdesk` CLI are thin faces over this
//! crate; it knows nothing of Tauri or of terminals.

pub mod codes;
pub mod error;
pub mod identifiers;

pub use error::{AppError, ErrorPayload};
