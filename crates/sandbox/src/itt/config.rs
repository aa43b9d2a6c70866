//! How the ITT eSIM API simulator is set up: the partner account it accepts (two header secrets
//! and a member id), how long a search's tracking id lives, how bookings are fulfilled and the
//! partner credit bookings are charged to (itt.md §1, §2, §7).

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The demo `apikey` header value.
pub const DEMO_API_KEY: &str = "itt-sandbox-apikey-0001";
/// The demo `secretecode` header value (the reference's spelling of the header, §1).
pub const DEMO_SECRET_CODE: &str = "itt-sandbox-secretecode-0001";
/// The demo partner account's `member_id` (the reference's sample value, §2).
pub const DEMO_MEMBER_ID: &str = "2";
/// The currency of every price and of the partner credit: the reference's sample `BDT` (open
/// point 14), so that a desk that assumes EUR or USD shows its mistake at once.
pub const CURRENCY: &str = "BDT";
/// A search's tracking id is usable for this long after the search (not published; assumed).
pub const DEFAULT_SEARCH_LIFETIME: Duration = Duration::from_secs(30 * 60);
/// Opening partner credit: 500 000.00 BDT, in poisha.
pub const DEFAULT_BALANCE: i64 = 50_000_000;

/// How a booking ends once it has been `pending` for [`IttFulfilment::pending_for`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum IttOutcome {
    /// `confirmed`, with its eSIMs issued.
    #[default]
    Confirm,
    /// `failed`: the supplier could not issue the eSIM; the price goes back to the credit.
    Fail,
    /// Stays `pending` until an admin steers it (a supplier that never answers).
    Never,
    /// `create-booking` (and `create-topup-booking`) is refused at once with
    /// `{"status": "failed", "reason": "Insufficient balance"}`, whatever the credit: no
    /// booking is made.
    InsufficientBalance,
}

/// How bookings created from now on are fulfilled. Each booking keeps the settings it was
/// created under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IttFulfilment {
    /// Time a new booking stays `pending` (zero: the create answer is already final).
    pub pending_for: Duration,
    pub outcome: IttOutcome,
}

impl IttFulfilment {
    /// `confirmed` in the create answer (the reference's default: "creates a confirmed booking").
    pub fn immediate() -> Self {
        Self {
            pending_for: Duration::ZERO,
            outcome: IttOutcome::Confirm,
        }
    }

    /// `pending`, then `confirmed` after `delay` on the sandbox clock.
    pub fn confirming_after(delay: Duration) -> Self {
        Self {
            pending_for: delay,
            outcome: IttOutcome::Confirm,
        }
    }

    /// `pending`, then `failed` after `delay` (at once when zero).
    pub fn failing_after(delay: Duration) -> Self {
        Self {
            pending_for: delay,
            outcome: IttOutcome::Fail,
        }
    }

    /// `pending`, and never further.
    pub fn never() -> Self {
        Self {
            pending_for: Duration::ZERO,
            outcome: IttOutcome::Never,
        }
    }

    /// Every booking refused for insufficient balance.
    pub fn insufficient_balance() -> Self {
        Self {
            pending_for: Duration::ZERO,
            outcome: IttOutcome::InsufficientBalance,
        }
    }
}

impl Default for IttFulfilment {
    fn default() -> Self {
        Self::immediate()
    }
}

/// The ITT simulator's part of [`crate::SandboxConfig`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IttConfig {
    /// The `apikey` header it accepts.
    pub api_key: String,
    /// The `secretecode` header it accepts.
    pub secret_code: String,
    /// The partner account's `member_id`, required in most bodies.
    pub member_id: String,
    /// How long a search's `tracking_id` can be used for `single-esim-package`.
    pub search_lifetime: Duration,
    /// How bookings created from now on are fulfilled.
    pub fulfilment: IttFulfilment,
    /// Opening partner credit in minor units of [`CURRENCY`] (poisha: 100 to the taka).
    pub balance: i64,
}

impl Default for IttConfig {
    fn default() -> Self {
        Self {
            api_key: DEMO_API_KEY.to_owned(),
            secret_code: DEMO_SECRET_CODE.to_owned(),
            member_id: DEMO_MEMBER_ID.to_owned(),
            search_lifetime: DEFAULT_SEARCH_LIFETIME,
            fulfilment: IttFulfilment::default(),
            balance: DEFAULT_BALANCE,
        }
    }
}
