//! Orders as the desk journals them: the intent is recorded before anything is sent, and every
//! state change is a legal move, so a crash can never make a purchase look settled when it is not.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use ts_rs::TS;

use crate::eid::Eid;
use crate::iccid::Iccid;
use crate::money::Money;
use crate::offering::ProviderKind;
use crate::transition::IllegalTransition;

/// The walk-in customer. Kept only where needed; can be erased while money records stay.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Customer {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub device_model: Option<String>,
    pub eid: Option<Eid>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OrderKind {
    /// A new eSIM with a package.
    NewEsim,
    /// A package added to an existing eSIM.
    TopUp,
    /// A package taken back off an eSIM (money may come back): journaled like a purchase, with
    /// the provider's id of the package (eSIM Go assignment id) as its provider reference.
    Revoke,
    /// A whole eSIM cancelled at the provider (Telness subscriptions): journaled like a revoke,
    /// with the provider's id of the eSIM as its provider reference.
    CancelEsim,
}

impl OrderKind {
    /// Orders that take something back rather than buy: they produce no eSIM to deliver.
    pub fn takes_back(self) -> bool {
        matches!(self, OrderKind::Revoke | OrderKind::CancelEsim)
    }
}

crate::enum_names::string_forms!(OrderKind, "order kind", [
    NewEsim => "new_esim",
    TopUp => "top_up",
    Revoke => "revoke",
    CancelEsim => "cancel_esim",
]);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderLine {
    pub offering_code: String,
    pub quantity: u32,
    /// What the provider charges per unit.
    pub unit_cost: Money,
    /// What the customer pays per unit, after markup.
    pub unit_retail: Money,
    /// For a top-up: the eSIM it goes on.
    pub iccid: Option<Iccid>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// Intent committed to the journal; nothing sent to the provider yet.
    Journaled,
    /// The provider's dry run accepted it at the price shown.
    Validated,
    /// The purchase request was sent; its reply has not been recorded.
    Submitted,
    /// The provider accepted it and is provisioning asynchronously.
    Provisioning,
    /// Done: the eSIM or package exists and is recorded.
    Completed,
    /// The provider refused it; nothing was bought.
    Failed,
    /// The reply never arrived (crash, timeout, dropped connection): only reconciliation with the
    /// provider may settle it, never a second purchase.
    Unknown,
    /// Cancelled or refunded (after completion, or by the provider before it).
    Cancelled,
    /// Reconciliation could not tell with certainty which provider order, if any, is this one
    /// (several candidates, one another desk tagged, one without a readable time): it waits for a
    /// person to settle it by hand, audited, and is never adopted by guess.
    NeedsPerson,
}

crate::enum_names::string_forms!(OrderState, "order state", [
    Journaled => "journaled",
    Validated => "validated",
    Submitted => "submitted",
    Provisioning => "provisioning",
    Completed => "completed",
    Failed => "failed",
    Unknown => "unknown",
    Cancelled => "cancelled",
    NeedsPerson => "needs_person",
]);

impl OrderState {
    /// Whether the purchase request may have gone out: from here on, a new client reference for
    /// the same sale could buy it twice.
    pub fn may_have_been_sent(self) -> bool {
        !matches!(self, OrderState::Journaled | OrderState::Validated)
    }

    pub fn is_final(self) -> bool {
        matches!(
            self,
            OrderState::Completed | OrderState::Failed | OrderState::Cancelled
        )
    }

    /// Needs reconciliation with the provider: the purchase may or may not have happened.
    pub fn is_unsettled(self) -> bool {
        matches!(
            self,
            OrderState::Submitted | OrderState::Provisioning | OrderState::Unknown
        )
    }

    pub fn can_move_to(self, to: OrderState) -> bool {
        use OrderState::*;
        matches!(
            (self, to),
            (Journaled, Validated | Submitted | Failed)
                | (Validated, Submitted | Failed)
                | (
                    Submitted,
                    Provisioning | Completed | Failed | Unknown | Cancelled | NeedsPerson
                )
                | (
                    Provisioning,
                    Completed | Failed | Unknown | Cancelled | NeedsPerson
                )
                | (
                    Unknown,
                    Provisioning | Completed | Failed | Cancelled | NeedsPerson
                )
                | (NeedsPerson, Completed | Failed | Cancelled)
                | (Completed, Cancelled)
        )
    }

    pub fn transition(self, to: OrderState) -> Result<OrderState, IllegalTransition> {
        if self.can_move_to(to) {
            Ok(to)
        } else {
            Err(IllegalTransition {
                entity: "order",
                from: self.name(),
                to: to.name(),
            })
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// The desk's own reference, sent to the provider wherever it has a field for it, and the
    /// key by which reconciliation finds the order again.
    pub client_reference: String,
    pub provider: ProviderKind,
    pub kind: OrderKind,
    pub lines: Vec<OrderLine>,
    pub customer: Option<Customer>,
    /// The desk's card terminal or payment provider reference.
    pub payment_reference: Option<String>,
    pub state: OrderState,
    /// The provider's id for the order, once known.
    pub provider_reference: Option<String>,
    pub created_at: OffsetDateTime,
}

impl Order {
    pub fn total_cost(&self) -> Result<Money, crate::money::MoneyError> {
        self.total(|l| l.unit_cost)
    }

    pub fn total_retail(&self) -> Result<Money, crate::money::MoneyError> {
        self.total(|l| l.unit_retail)
    }

    fn total(&self, unit: impl Fn(&OrderLine) -> Money) -> Result<Money, crate::money::MoneyError> {
        let mut lines = self.lines.iter();
        let first = lines.next().ok_or(crate::money::MoneyError::Overflow)?;
        let mut sum = unit(first).checked_mul(i64::from(first.quantity))?;
        for line in lines {
            sum = sum.checked_add(unit(line).checked_mul(i64::from(line.quantity))?)?;
        }
        Ok(sum)
    }

    /// Applies a state change, refusing illegal ones and leaving the order unchanged then.
    pub fn move_to(&mut self, to: OrderState) -> Result<(), IllegalTransition> {
        self.state = self.state.transition(to)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::OrderState::*;
    use super::*;
    use crate::money::Currency;

    #[test]
    fn a_lost_reply_is_settled_only_by_reconciliation() {
        assert!(Submitted.can_move_to(Unknown));
        assert!(Unknown.can_move_to(Completed));
        assert!(Unknown.can_move_to(Failed));
        // Never back to "not sent yet", which would invite a second purchase.
        assert!(!Unknown.can_move_to(Journaled));
        assert!(!Unknown.can_move_to(Validated));
        assert!(!Unknown.can_move_to(Submitted));
        assert!(Unknown.is_unsettled());
        // A provider that cancelled the order settles it too.
        assert!(Unknown.can_move_to(Cancelled));
        // Only a person settles what reconciliation could not tell.
        assert!(Unknown.can_move_to(NeedsPerson));
        assert!(!NeedsPerson.is_unsettled());
        assert!(NeedsPerson.can_move_to(Completed) && NeedsPerson.can_move_to(Failed));
        assert!(!NeedsPerson.can_move_to(Submitted));
    }

    #[test]
    fn final_states_stay_final() {
        for from in [Failed, Cancelled] {
            for to in [
                Journaled,
                Validated,
                Submitted,
                Provisioning,
                Completed,
                Unknown,
            ] {
                assert!(from.transition(to).is_err(), "{from:?} → {to:?}");
            }
        }
        assert!(Completed.transition(Submitted).is_err());
    }

    #[test]
    fn totals_and_refused_move_changes_nothing() {
        let usd = Currency::parse("USD").unwrap();
        let mut order = Order {
            client_reference: "desk-1".into(),
            provider: ProviderKind::Esimgo,
            kind: OrderKind::NewEsim,
            lines: vec![OrderLine {
                offering_code: "esim_1GB_7D_NL_V2".into(),
                quantity: 2,
                unit_cost: Money::from_minor(165, usd),
                unit_retail: Money::from_minor(499, usd),
                iccid: None,
            }],
            customer: None,
            payment_reference: None,
            state: Journaled,
            provider_reference: None,
            created_at: OffsetDateTime::UNIX_EPOCH,
        };
        assert_eq!(order.total_cost().unwrap().minor(), 330);
        assert_eq!(order.total_retail().unwrap().minor(), 998);
        assert!(order.move_to(Completed).is_err());
        assert_eq!(order.state, Journaled);
        order.move_to(Validated).unwrap();
        assert_eq!(order.state, Validated);
    }
}
