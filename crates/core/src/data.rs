//! Data amounts in bytes. Providers' MB/GB are converted at the adapter edge, each with its own
//! convention written next to the conversion; these constructors name the convention.

use std::fmt;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[ts(type = "number")]
pub struct DataAmount(u64);

impl DataAmount {
    pub const fn from_bytes(bytes: u64) -> Self {
        DataAmount(bytes)
    }

    /// Decimal megabytes: 1 MB = 1,000,000 bytes (eSIM Go's convention).
    pub fn from_decimal_megabytes(mb: u64) -> Option<Self> {
        mb.checked_mul(1_000_000).map(DataAmount)
    }

    /// Binary megabytes: 1 MB = 1,048,576 bytes.
    pub fn from_binary_megabytes(mb: u64) -> Option<Self> {
        mb.checked_mul(1 << 20).map(DataAmount)
    }

    pub const fn bytes(self) -> u64 {
        self.0
    }

    pub fn saturating_sub(self, other: DataAmount) -> DataAmount {
        DataAmount(self.0.saturating_sub(other.0))
    }
}

impl fmt::Display for DataAmount {
    /// Decimal units, one decimal place where it matters: "500 MB", "1 GB", "1.5 GB".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const GB: u64 = 1_000_000_000;
        const MB: u64 = 1_000_000;
        let b = self.0;
        if b >= GB {
            let tenths = (b * 10 + GB / 2) / GB;
            if tenths.is_multiple_of(10) {
                write!(f, "{} GB", tenths / 10)
            } else {
                write!(f, "{}.{} GB", tenths / 10, tenths % 10)
            }
        } else if b >= MB {
            write!(f, "{} MB", (b + MB / 2) / MB)
        } else {
            write!(f, "{b} B")
        }
    }
}

/// What a package gives: a fixed amount, or unlimited (usually a daily high-speed quota).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DataAllowance {
    Limited { amount: DataAmount },
    Unlimited,
}

impl DataAllowance {
    pub fn limited_bytes(self) -> Option<u64> {
        match self {
            DataAllowance::Limited { amount } => Some(amount.bytes()),
            DataAllowance::Unlimited => None,
        }
    }
}

impl fmt::Display for DataAllowance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataAllowance::Limited { amount } => amount.fmt(f),
            DataAllowance::Unlimited => f.write_str("Unlimited"),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn converts_with_named_conventions() {
        assert_eq!(
            DataAmount::from_decimal_megabytes(1000).unwrap().bytes(),
            1_000_000_000
        );
        assert_eq!(
            DataAmount::from_binary_megabytes(1).unwrap().bytes(),
            1_048_576
        );
        assert!(DataAmount::from_decimal_megabytes(u64::MAX).is_none());
    }

    #[test]
    fn displays_readably() {
        assert_eq!(DataAmount::from_bytes(1_000_000_000).to_string(), "1 GB");
        assert_eq!(DataAmount::from_bytes(1_500_000_000).to_string(), "1.5 GB");
        assert_eq!(DataAmount::from_bytes(500_000_000).to_string(), "500 MB");
        assert_eq!(DataAllowance::Unlimited.to_string(), "Unlimited");
    }
}
