//! The application's error, and the serialisable form every face (window, CLI) shows.

use esimdesk_core::{ActivationCodeError, EidError, IccidError};
use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    InvalidActivationCode(#[from] ActivationCodeError),
    #[error("{0}")]
    InvalidIccid(#[from] IccidError),
    #[error("{0}")]
    InvalidEid(#[from] EidError),
    #[error("could not draw the QR code: {0}")]
    Qr(#[from] esimdesk_core::qr::QrError),
}

impl AppError {
    /// A stable, machine-readable code; the UI and scripts branch on it, never on the text.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::InvalidActivationCode(_) => "invalid_activation_code",
            AppError::InvalidIccid(_) => "invalid_iccid",
            AppError::InvalidEid(_) => "invalid_eid",
            AppError::Qr(_) => "qr_failed",
        }
    }

    /// The input field the error concerns, so the UI can show it beside that field.
    pub fn field(&self) -> Option<String> {
        match self {
            AppError::InvalidActivationCode(e) => Some(e.field().to_string()),
            AppError::InvalidIccid(_) => Some("ICCID".to_owned()),
            AppError::InvalidEid(_) => Some("EID".to_owned()),
            AppError::Qr(_) => None,
        }
    }

    /// Bad input the user can fix (exit code 2 in the CLI), as opposed to a failure.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            AppError::InvalidActivationCode(_)
                | AppError::InvalidIccid(_)
                | AppError::InvalidEid(_)
        )
    }

    pub fn payload(&self) -> ErrorPayload {
        ErrorPayload {
            code: self.code().to_owned(),
            message: self.to_string(),
            field: self.field(),
        }
    }
}

/// What crosses to the window or a script: a stable code, a sentence a desk agent can act on,
/// and the field it concerns. Never a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ErrorPayload {
    pub code: String,
    pub message: String,
    pub field: Option<String>,
}
