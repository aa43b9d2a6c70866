//! What the ITT simulator keeps along the identifier chain (itt.md §2): searches (their
//! tracking ids), quotes (the booking tracking ids single-package hands out, with their
//! travellers), bookings, eSIMs and top-ups.

use std::time::Duration;

use serde::Serialize;
use time::OffsetDateTime;

use super::config::IttOutcome;

/// `t` plus `d`, saturating (delays come from configuration).
pub fn later(t: OffsetDateTime, d: Duration) -> OffsetDateTime {
    t.saturating_add(time::Duration::try_from(d).unwrap_or(time::Duration::MAX))
}

/// What a search asked for (kept instead of its results: `single-esim-package` checks that
/// the package was among them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Criteria {
    pub region_type: Option<super::packages::CoverageType>,
    pub country_code: Option<String>,
    /// `eSim.plan_type`; only `data` packages exist.
    pub plan_type: Option<String>,
    pub topup_included: bool,
    /// `None` for `all`.
    pub supplier_uid: Option<String>,
}

/// A search, kept under its tracking id.
#[derive(Debug, Clone)]
pub struct Search {
    pub criteria: Criteria,
    pub expires_at: OffsetDateTime,
}

/// A traveller as update-travellers sets them (§6).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IttPassenger {
    pub pax_id: String,
    pub pax_type: Option<String>,
    pub title: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub isd_code: Option<String>,
    pub contact_no: Option<String>,
    pub email_address: String,
}

/// A confirmed price for one package: the booking tracking id of single-package (§5).
#[derive(Debug, Clone)]
pub struct Quote {
    pub tracking_id: String,
    pub search_tracking_id: String,
    pub package_id: String,
    pub price_cents: i64,
    pub created_at: OffsetDateTime,
    pub passengers: Vec<IttPassenger>,
    pub save_pax: bool,
    /// The booking made on it (at most one: a repeated create-booking returns it).
    pub booking: Option<usize>,
}

/// `booking_status` (§7, open point 11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookingStatus {
    Pending,
    Confirmed,
    Failed,
}

impl BookingStatus {
    pub fn wire(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Confirmed => "confirmed",
            Self::Failed => "failed",
        }
    }
}

/// The lead contact of create-booking.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contact {
    pub isd_code: Option<String>,
    pub contact_no: Option<String>,
    pub email_address: String,
}

#[derive(Debug, Clone)]
pub struct Booking {
    pub booking_id: String,
    /// The booking tracking id (the quote's).
    pub tracking_id: String,
    pub quote: usize,
    pub package_id: String,
    pub quantity: u32,
    pub total_cents: i64,
    pub contact: Contact,
    pub status: BookingStatus,
    pub created_at: OffsetDateTime,
    pub ended_at: Option<OffsetDateTime>,
    /// When it leaves `pending`; `None` once ended or while held.
    pub due_at: Option<OffsetDateTime>,
    pub outcome: IttOutcome,
    pub failure: Option<String>,
    /// Its eSIMs (indices), once confirmed.
    pub esims: Vec<usize>,
}

/// `esim_status` (§11, open point 11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EsimStatus {
    NotActive,
    Active,
    Finished,
    Expired,
}

impl EsimStatus {
    pub fn wire(self) -> &'static str {
        match self {
            Self::NotActive => "NOT_ACTIVE",
            Self::Active => "ACTIVE",
            Self::Finished => "FINISHED",
            Self::Expired => "EXPIRED",
        }
    }
}

const MIB: u64 = 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Esim {
    pub iccid: String,
    pub matching_id: String,
    pub booking: usize,
    pub issued_at: OffsetDateTime,
    /// The package's allowance plus every top-up's, in MB of 1024² bytes.
    pub total_mb: u64,
    pub used_bytes: u64,
    /// First data use (`first-usage` activation policy).
    pub activated_at: Option<OffsetDateTime>,
    pub validity_days: u32,
    /// A top-up keeps the eSIM usable at least until here.
    pub extended_until: Option<OffsetDateTime>,
    /// Automatic data use is computed up to here.
    pub usage_synced_to: OffsetDateTime,
    /// Its top-ups (indices), oldest first.
    pub topups: Vec<usize>,
}

impl Esim {
    pub fn total_bytes(&self) -> u64 {
        self.total_mb.saturating_mul(MIB)
    }

    pub fn left_bytes(&self) -> u64 {
        self.total_bytes().saturating_sub(self.used_bytes)
    }

    /// Whole MB used (rounded down, so that `used + remaining = total`).
    pub fn used_mb(&self) -> u64 {
        self.used_bytes / MIB
    }

    /// The end of its validity: the package's days from first use (or the activation window
    /// from issue, when never used), or later if a top-up extended it.
    pub fn expires_at(&self) -> OffsetDateTime {
        let base = match self.activated_at {
            Some(t) => t.saturating_add(time::Duration::days(i64::from(self.validity_days))),
            None => self
                .issued_at
                .saturating_add(time::Duration::days(i64::from(
                    super::packages::ACTIVATION_DAYS,
                ))),
        };
        self.extended_until.map_or(base, |e| base.max(e))
    }

    pub fn status(&self, now: OffsetDateTime) -> EsimStatus {
        if now >= self.expires_at() {
            EsimStatus::Expired
        } else if self.left_bytes() == 0 {
            EsimStatus::Finished
        } else if self.activated_at.is_some() {
            EsimStatus::Active
        } else {
            EsimStatus::NotActive
        }
    }
}

#[derive(Debug, Clone)]
pub struct Topup {
    pub booking_id: String,
    pub esim: usize,
    pub package_id: String,
    pub price_cents: i64,
    pub created_at: OffsetDateTime,
}
