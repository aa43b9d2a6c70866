//! What a package gives: a fixed amount of data, or unlimited.

use std::fmt;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::data_amount::DataAmount;

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
    use super::*;

    #[test]
    fn displays_readably() {
        assert_eq!(DataAllowance::Unlimited.to_string(), "Unlimited");
        let five = DataAllowance::Limited {
            amount: DataAmount::from_bytes(5_000_000_000),
        };
        assert_eq!(five.to_string(), "5 GB");
        assert_eq!(five.limited_bytes(), Some(5_000_000_000));
        assert_eq!(DataAllowance::Unlimited.limited_bytes(), None);
    }
}
