//! The prepaid account at the provider.

use esimdesk_core::Money;

/// The prepaid account at the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountBalance {
    /// What can be spent now (eSIM Go: balance including test credit).
    pub available: Money,
    pub test_credit: Option<Money>,
}
