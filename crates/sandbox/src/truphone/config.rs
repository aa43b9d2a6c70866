//! How the Truphone Connect simulator is set up: the OAuth2 client it accepts, token lifetimes,
//! and how orders are fulfilled (truphone.md §2, §6 "Simulator lifecycle").

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The demo OAuth2 client id (the reference's example request, §2).
pub const DEMO_CLIENT_ID: &str = "desk-sandbox";
/// The demo OAuth2 client secret (the reference's fake example secret, §2).
pub const DEMO_CLIENT_SECRET: &str = "00000000-fake-4f3a-9fba-000000000000";
/// Access tokens last about 5 minutes (§2).
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(300);
/// Refresh tokens last about 30 minutes (§2).
pub const DEFAULT_REFRESH_TOKEN_LIFETIME: Duration = Duration::from_secs(1_800);

/// How an order ends once it has been `FULFILLING` for the completion delay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TruphoneOutcome {
    /// `COMPLETED`, with its SIM and subscription.
    #[default]
    Complete,
    /// `FAILED`, with the simulator's `error` body (open point 6); nothing is provisioned.
    Fail,
    /// Stays `FULFILLING` until told otherwise (a provider that never finishes).
    Never,
}

/// How orders move on: `ACCEPTED` → `FULFILLING` after `fulfilling_after`, then the outcome
/// after `completion_delay` more. Each order keeps the settings it was created under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TruphoneFulfilment {
    pub fulfilling_after: Duration,
    pub completion_delay: Duration,
    pub outcome: TruphoneOutcome,
}

impl TruphoneFulfilment {
    /// Done at once: the first poll already sees `COMPLETED`.
    pub fn immediate() -> Self {
        Self::completing_after(Duration::ZERO)
    }

    /// `FULFILLING` at once, `COMPLETED` after `delay`.
    pub fn completing_after(delay: Duration) -> Self {
        Self {
            fulfilling_after: Duration::ZERO,
            completion_delay: delay,
            outcome: TruphoneOutcome::Complete,
        }
    }

    /// `FULFILLING` at once, `FAILED` after `delay`.
    pub fn failing_after(delay: Duration) -> Self {
        Self {
            outcome: TruphoneOutcome::Fail,
            ..Self::completing_after(delay)
        }
    }

    /// `FULFILLING` at once, and never further.
    pub fn never() -> Self {
        Self {
            outcome: TruphoneOutcome::Never,
            ..Self::completing_after(Duration::ZERO)
        }
    }
}

impl Default for TruphoneFulfilment {
    /// The reference's simulator lifecycle: `FULFILLING` after ~1 s, then `COMPLETED` after a
    /// configurable delay, 3 s by default (§6).
    fn default() -> Self {
        Self {
            fulfilling_after: Duration::from_secs(1),
            completion_delay: Duration::from_secs(3),
            outcome: TruphoneOutcome::Complete,
        }
    }
}

/// The Truphone Connect simulator's part of [`crate::SandboxConfig`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TruphoneConfig {
    /// The OAuth2 client id the token endpoint accepts.
    pub client_id: String,
    /// Its client secret.
    pub client_secret: String,
    /// Lifetime of an access token on the sandbox clock (`expires_in`).
    pub token_lifetime: Duration,
    /// Lifetime of a refresh token on the sandbox clock (`refresh_expires_in`).
    pub refresh_token_lifetime: Duration,
    /// How orders created from now on are fulfilled.
    pub fulfilment: TruphoneFulfilment,
    /// The account has the voucher service: completed activations carry `output.data.code`
    /// (§5.5). Off by default, as the reference's simulator note says.
    pub vouchers: bool,
}

impl Default for TruphoneConfig {
    fn default() -> Self {
        Self {
            client_id: DEMO_CLIENT_ID.to_owned(),
            client_secret: DEMO_CLIENT_SECRET.to_owned(),
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
            refresh_token_lifetime: DEFAULT_REFRESH_TOKEN_LIFETIME,
            fulfilment: TruphoneFulfilment::default(),
            vouchers: false,
        }
    }
}
