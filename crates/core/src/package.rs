//! A data package on an eSIM and its lifecycle (eSIM Go calls it a bundle assignment).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use ts_rs::TS;

use crate::allowance::DataAllowance;
use crate::data_amount::DataAmount;
use crate::transition::IllegalTransition;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PackageState {
    /// Being assigned by the provider; the eSIM may already install.
    Processing,
    /// Assigned, not used yet.
    Queued,
    /// In use, data left, within validity.
    Active,
    /// No data left, still within validity.
    Depleted,
    /// Validity over.
    Expired,
    /// Taken off the eSIM.
    Revoked,
    /// Expired without ever being used.
    Lapsed,
    /// A state the provider reported that this version does not know: shown as it is, never
    /// counted as usable, and never a reason to fail a whole usage refresh.
    Unknown,
}

crate::enum_names::string_forms!(PackageState, "package state", [
    Processing => "processing",
    Queued => "queued",
    Active => "active",
    Depleted => "depleted",
    Expired => "expired",
    Revoked => "revoked",
    Lapsed => "lapsed",
    Unknown => "unknown",
]);

impl PackageState {
    pub fn is_final(self) -> bool {
        matches!(
            self,
            PackageState::Expired | PackageState::Revoked | PackageState::Lapsed
        )
    }

    /// Whether the package can still carry data now or later.
    pub fn is_usable(self) -> bool {
        matches!(
            self,
            PackageState::Processing | PackageState::Queued | PackageState::Active
        )
    }

    pub fn can_move_to(self, to: PackageState) -> bool {
        use PackageState::*;
        match (self, to) {
            (from, Revoked) => !from.is_final(),
            (Processing, Queued | Active) => true,
            (Queued, Active | Lapsed) => true,
            (Active, Depleted | Expired) => true,
            (Depleted, Expired) => true,
            // A state the desk could not read says nothing about the lifecycle: the provider's
            // next reading decides.
            (Unknown, _) | (_, Unknown) => true,
            _ => false,
        }
    }

    /// Moves to `to`, refusing moves the lifecycle does not allow (e.g. expired → active).
    pub fn transition(self, to: PackageState) -> Result<PackageState, IllegalTransition> {
        if self.can_move_to(to) {
            Ok(to)
        } else {
            Err(IllegalTransition {
                entity: "package",
                from: self.name(),
                to: to.name(),
            })
        }
    }
}

/// A usage reading, taken at a time, kept so the desk can show how fresh it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsageSnapshot {
    pub remaining: Option<DataAmount>,
    pub taken_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// The offering code it was bought as.
    pub offering_code: String,
    pub state: PackageState,
    pub allowance: DataAllowance,
    pub usage: Option<UsageSnapshot>,
    pub starts_at: Option<OffsetDateTime>,
    pub ends_at: Option<OffsetDateTime>,
    /// The provider's id for this one application of the package (eSIM Go assignment id): what
    /// a revoke names, so that it takes back exactly the package shown and no other.
    pub provider_id: Option<String>,
}

impl Package {
    /// Fraction used in per-mille (0..=1000), for usage bars; `None` when unknown or unlimited.
    pub fn used_per_mille(&self) -> Option<u32> {
        let total = self.allowance.limited_bytes()?;
        let remaining = self.usage?.remaining?.bytes().min(total);
        if total == 0 {
            return None;
        }
        u32::try_from(u128::from(total - remaining) * 1000 / u128::from(total)).ok()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::PackageState::*;
    use super::*;

    #[test]
    fn allowed_moves() {
        for (from, to) in [
            (Processing, Queued),
            (Queued, Active),
            (Active, Depleted),
            (Active, Expired),
            (Depleted, Expired),
            (Queued, Lapsed),
            (Active, Revoked),
            (Processing, Revoked),
        ] {
            assert_eq!(from.transition(to), Ok(to), "{from:?} → {to:?}");
        }
    }

    #[test]
    fn refused_moves() {
        for (from, to) in [
            (Expired, Active),
            (Revoked, Active),
            (Lapsed, Queued),
            (Depleted, Active),
            (Expired, Revoked),
            (Active, Queued),
        ] {
            let err = from.transition(to).unwrap_err();
            assert_eq!(err.entity, "package");
            assert!(err.to_string().contains(from.name()));
        }
    }

    #[test]
    fn usage_fraction() {
        let p = Package {
            offering_code: "x".into(),
            state: Active,
            allowance: DataAllowance::Limited {
                amount: DataAmount::from_bytes(1000),
            },
            usage: Some(UsageSnapshot {
                remaining: Some(DataAmount::from_bytes(250)),
                taken_at: OffsetDateTime::UNIX_EPOCH,
            }),
            starts_at: None,
            ends_at: None,
            provider_id: None,
        };
        assert_eq!(p.used_per_mille(), Some(750));
    }
}
