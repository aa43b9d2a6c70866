//! The application's error, and the serialisable form every face (window, CLI) shows.

use esimdesk_core::qr::QrDecodeError;
use esimdesk_core::{ActivationCodeError, EidError, IccidError, Money, ProviderKind};
use esimdesk_providers::ProviderError;
use esimdesk_store::StoreError;
use esimdesk_store::keychain::KeychainError;
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
    #[error("{field}: {message}")]
    InvalidInput { field: String, message: String },
    #[error("could not draw the QR code: {0}")]
    Qr(#[from] esimdesk_core::qr::QrError),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("the OS keychain: {0}")]
    Keychain(#[from] KeychainError),
    #[error("{0}")]
    Provider(#[from] ProviderError),
    #[error("no provider account '{0}': add it first (esimdesk providers add)")]
    UnknownAccount(String),
    #[error("the key of provider account '{0}' is not in the OS keychain: add the account again")]
    MissingKey(String),
    #[error("{0} is not supported by this version of eSIM Desk yet")]
    ProviderNotAvailable(ProviderKind),
    #[error(
        "offering '{code}' of account '{account}' is not in the local catalogue: sync the catalogue first"
    )]
    NotInCatalogue { account: String, code: String },
    #[error(
        "the provider now charges {validated} instead of {quoted}: nothing was bought; quote again"
    )]
    PriceChanged { quoted: Money, validated: Money },
    #[error(
        "order {client_reference}: the provider's answer never arrived, so it is not known whether \
         the customer was charged. Do not sell it again: reconcile the order (it asks the provider)"
    )]
    OutcomeUnknown { client_reference: String },
    #[error("order {client_reference}: nothing was bought: {source}")]
    Refused {
        client_reference: String,
        source: ProviderError,
    },
    #[error("the client reference '{0}' was already used by an order: nothing more was sent")]
    DuplicateReference(String),
    #[error("order {0} is already being submitted: wait for its answer (nothing more was sent)")]
    CheckoutInProgress(String),
    #[error("{0}")]
    QrImage(#[from] QrDecodeError),
    #[error("the QR code holds \"{content}\", which is not an eSIM activation code (LPA:1$…)")]
    NotAnActivationCode { content: String },
    #[error("eSIM {0} is not one this desk sold or knows: find it by its ICCID first")]
    UnknownEsim(String),
    #[error(
        "package {offering_code} cannot be added to eSIM {iccid}: nothing was bought; sell a new eSIM instead"
    )]
    TopUpIncompatible {
        iccid: String,
        offering_code: String,
    },
    #[error(
        "the provider's catalogue for account '{account}' came back with nothing usable \
         ({skipped} items unreadable): the cached catalogue is kept"
    )]
    EmptyCatalogue { account: String, skipped: usize },
    #[error("order {client_reference} cannot be settled that way: {message}")]
    CannotResolve {
        client_reference: String,
        message: String,
    },
    /// Any failure of a purchase (sale, top-up, revoke), with what it means for the money.
    #[error("{}", purchase_message(client_reference, *money_moved, error))]
    Purchase {
        client_reference: String,
        money_moved: MoneyMoved,
        error: Box<AppError>,
    },
}

/// Whether money may have moved when a purchase failed: the one fact the desk needs to decide
/// whether the same sale may be tried again under a new client reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum MoneyMoved {
    /// Nothing was bought: the purchase never went out, or the provider refused it. Only then
    /// may the sale be tried again under a new reference.
    NotSent,
    /// The purchase went out and its fate is not known: reconciliation settles it; trying
    /// again could buy twice.
    Maybe,
    /// The provider took the money; the desk could not finish recording it. Reconciliation
    /// completes it.
    Sent,
}

impl MoneyMoved {
    pub fn as_str(self) -> &'static str {
        match self {
            MoneyMoved::NotSent => "not_sent",
            MoneyMoved::Maybe => "maybe",
            MoneyMoved::Sent => "sent",
        }
    }
}

fn purchase_message(client_reference: &str, money_moved: MoneyMoved, error: &AppError) -> String {
    match (money_moved, error) {
        (MoneyMoved::Sent, AppError::Store(e)) => format!(
            "order {client_reference}: the provider took the order, but the desk could not \
             record it ({e}). Do not sell it again: reconciliation completes it (Orders → \
             Reconcile) once the database works"
        ),
        (MoneyMoved::Maybe, AppError::Store(e)) => format!(
            "order {client_reference}: the purchase was sent, but the desk could not record what \
             happened ({e}). Do not sell it again: reconcile the order"
        ),
        _ => error.to_string(),
    }
}

impl AppError {
    /// A stable, machine-readable code; the UI and scripts branch on it, never on the text.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::InvalidActivationCode(_) => "invalid_activation_code",
            AppError::InvalidIccid(_) => "invalid_iccid",
            AppError::InvalidEid(_) => "invalid_eid",
            AppError::InvalidInput { .. } => "invalid_input",
            AppError::Qr(_) => "qr_failed",
            AppError::Store(_) => "store",
            AppError::Keychain(_) => "keychain",
            AppError::Provider(e) => e.code(),
            AppError::UnknownAccount(_) => "unknown_account",
            AppError::MissingKey(_) => "missing_key",
            AppError::ProviderNotAvailable(_) => "provider_not_available",
            AppError::NotInCatalogue { .. } => "not_in_catalogue",
            AppError::PriceChanged { .. } => "price_changed",
            AppError::OutcomeUnknown { .. } => "outcome_unknown",
            AppError::Refused { source, .. } => source.code(),
            AppError::DuplicateReference(_) => "duplicate_reference",
            AppError::CheckoutInProgress(_) => "checkout_in_progress",
            AppError::QrImage(e) => match e {
                QrDecodeError::NotAnImage(_) => "not_an_image",
                QrDecodeError::FileTooLarge { .. } | QrDecodeError::TooManyPixels { .. } => {
                    "image_too_large"
                }
                QrDecodeError::NoQrCode => "no_qr_code",
                _ => "qr_unreadable",
            },
            AppError::NotAnActivationCode { .. } => "not_an_activation_code",
            AppError::UnknownEsim(_) => "unknown_esim",
            AppError::TopUpIncompatible { .. } => "top_up_incompatible",
            AppError::EmptyCatalogue { .. } => "empty_catalogue",
            AppError::CannotResolve { .. } => "cannot_resolve",
            AppError::Purchase {
                money_moved, error, ..
            } => match (money_moved, error.as_ref()) {
                (MoneyMoved::Sent | MoneyMoved::Maybe, AppError::Store(_)) => "not_recorded",
                (_, inner) => inner.code(),
            },
        }
    }

    /// The input field the error concerns, so the UI can show it beside that field.
    pub fn field(&self) -> Option<String> {
        match self {
            AppError::InvalidActivationCode(e) => Some(e.field().to_string()),
            AppError::InvalidIccid(_) => Some("ICCID".to_owned()),
            AppError::InvalidEid(_) => Some("EID".to_owned()),
            AppError::InvalidInput { field, .. } => Some(field.clone()),
            AppError::DuplicateReference(_) | AppError::CheckoutInProgress(_) => {
                Some("client reference".to_owned())
            }
            AppError::QrImage(_) | AppError::NotAnActivationCode { .. } => Some("image".to_owned()),
            AppError::UnknownEsim(_) => Some("ICCID".to_owned()),
            AppError::Purchase { error, .. } => error.field(),
            _ => None,
        }
    }

    /// Bad input the user can fix (exit code 2 in the CLI), as opposed to a failure.
    pub fn is_bad_input(&self) -> bool {
        if let AppError::Purchase { error, .. } = self {
            return error.is_bad_input();
        }
        matches!(
            self,
            AppError::InvalidActivationCode(_)
                | AppError::InvalidIccid(_)
                | AppError::InvalidEid(_)
                | AppError::InvalidInput { .. }
                | AppError::UnknownAccount(_)
                | AppError::NotInCatalogue { .. }
                | AppError::DuplicateReference(_)
                | AppError::CheckoutInProgress(_)
                | AppError::QrImage(_)
                | AppError::NotAnActivationCode { .. }
                | AppError::UnknownEsim(_)
                | AppError::CannotResolve { .. }
        )
    }

    /// What a purchase's failure means for the money; `None` for errors outside a purchase.
    pub fn money_moved(&self) -> Option<MoneyMoved> {
        match self {
            AppError::Purchase { money_moved, .. } => Some(*money_moved),
            _ => None,
        }
    }

    /// The error inside a purchase failure (itself otherwise).
    pub fn inner(&self) -> &AppError {
        match self {
            AppError::Purchase { error, .. } => error.inner(),
            other => other,
        }
    }

    pub fn payload(&self) -> ErrorPayload {
        ErrorPayload {
            code: self.code().to_owned(),
            message: self.to_string(),
            field: self.field(),
            money_moved: self.money_moved(),
        }
    }
}

/// What crosses to the window or a script: a stable code, a sentence a desk agent can act on,
/// and the field it concerns. Never a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct ErrorPayload {
    pub code: String,
    pub message: String,
    pub field: Option<String>,
    /// Set for every failure of a purchase: whether money may have moved. Only `not_sent`
    /// allows trying the same sale again under a new client reference.
    pub money_moved: Option<MoneyMoved>,
}
