//! What the eSIM Go simulator remembers.

use time::OffsetDateTime;

/// `bundleState` (esimgo.md §2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BundleState {
    Processing,
    Queued,
    Active,
    Depleted,
    Expired,
    Revoked,
    Lapsed,
}

impl BundleState {
    pub fn wire(self) -> &'static str {
        match self {
            Self::Processing => "processing",
            Self::Queued => "queued",
            Self::Active => "active",
            Self::Depleted => "depleted",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
            Self::Lapsed => "lapsed",
        }
    }

    pub fn is_final(self) -> bool {
        matches!(self, Self::Expired | Self::Revoked | Self::Lapsed)
    }

    /// Not started yet (can still be refunded).
    pub fn is_unused(self) -> bool {
        matches!(self, Self::Processing | Self::Queued)
    }
}

/// `profileStatus` (esimgo.md §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileStatus {
    Released,
    Downloaded,
    Installed,
    Unavailable,
    Deactivated,
}

impl ProfileStatus {
    pub fn wire(self) -> &'static str {
        match self {
            Self::Released => "Released",
            Self::Downloaded => "Downloaded",
            Self::Installed => "Installed",
            Self::Unavailable => "Unavailable",
            Self::Deactivated => "Deactivated",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Released,
            Self::Downloaded,
            Self::Installed,
            Self::Unavailable,
            Self::Deactivated,
        ]
        .into_iter()
        .find(|s| s.wire().eq_ignore_ascii_case(text))
    }
}

#[derive(Debug, Clone)]
pub struct HistoryEvent {
    pub name: &'static str,
    pub bundle_name: String,
    pub date: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct Esim {
    pub iccid: String,
    pub matching_id: String,
    pub smdp_address: String,
    pub pin: String,
    pub puk: String,
    pub customer_ref: String,
    pub profile_status: ProfileStatus,
    pub first_installed: Option<OffsetDateTime>,
    pub assigned_date: OffsetDateTime,
    /// Network profile family (`V` or `U`): decides bundle compatibility.
    pub family: &'static str,
    /// Indices into `EsimGo::assignments`, oldest first.
    pub assignments: Vec<usize>,
    pub history: Vec<HistoryEvent>,
    /// Up to when the lifecycle has been simulated.
    pub synced_to: OffsetDateTime,
    /// Last country seen (ISO), once attached.
    pub last_country: Option<String>,
}

impl Esim {
    pub fn last_action(&self) -> (&str, OffsetDateTime) {
        self.history
            .last()
            .map_or(("eSIM Updated", self.assigned_date), |h| (h.name, h.date))
    }
}

/// Where the money or the bundle of an assignment came from, for refunds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Bought directly by an order transaction.
    Order,
    /// Applied from this inventory usage id.
    Inventory(u64),
}

#[derive(Debug, Clone)]
pub struct Assignment {
    pub id: u64,
    pub esim: usize,
    pub bundle: String,
    pub reference: String,
    pub assigned_at: OffsetDateTime,
    pub ready_at: OffsetDateTime,
    pub state: BundleState,
    pub initial_bytes: u64,
    pub remaining_bytes: u64,
    pub unlimited: bool,
    pub duration_days: u32,
    pub started_at: Option<OffsetDateTime>,
    pub end_time: Option<OffsetDateTime>,
    pub price_cents: i64,
    pub source: Source,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    Bundle,
    BundleAssignment,
}

impl LineKind {
    pub fn wire(self) -> &'static str {
        match self {
            Self::Bundle => "bundle",
            Self::BundleAssignment => "bundleAssignment",
        }
    }
}

#[derive(Debug, Clone)]
pub struct OrderLine {
    pub kind: LineKind,
    pub item: String,
    pub quantity: u32,
    pub price_per_unit_cents: i64,
    pub allow_reassign: bool,
    /// eSIMs the line's bundles went to (indices into `EsimGo::esims`).
    pub esims: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct Order {
    pub reference: String,
    pub created: OffsetDateTime,
    pub lines: Vec<OrderLine>,
    pub total_cents: i64,
    pub assigned: bool,
    pub source_ip: String,
    /// eSIM details are returned inline only for orders of at most five eSIMs.
    pub inline_esims: bool,
}

#[derive(Debug, Clone)]
pub struct InventoryItem {
    pub usage_id: u64,
    pub bundle: String,
    pub total: u32,
    pub remaining: u32,
    pub purchased: OffsetDateTime,
    pub expiry: OffsetDateTime,
    pub price_cents: i64,
}
