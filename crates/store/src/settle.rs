//! Recording a provider's answer to a purchase: the order's new state, the eSIMs it produced with
//! their activation codes, and the customer they belong to — in one transaction, so a crash can
//! never leave a paid order marked done without its QR codes. An order is "delivered" once every
//! eSIM it produced is saved with its code; until then reconciliation keeps working on it.

use esimdesk_core::{ActivationCode, Customer, Iccid, OrderKind, OrderState, ProviderKind};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::columns::{now, ts};
use crate::customers;
use crate::error::{Result, StoreError};
use crate::journal::{self, JournaledOrder, StateChange};
use crate::store::Store;

/// An eSIM as a provider's answer gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnsweredEsim {
    pub iccid: Iccid,
    /// `None` while the provider has not given it yet.
    pub activation_code: Option<ActivationCode>,
    /// The provider's own id for the eSIM, where its calls need one.
    pub provider_ref: Option<String>,
}

/// What a provider answered about one journaled order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer<'a> {
    pub to: OrderState,
    pub change: StateChange,
    pub provider: ProviderKind,
    pub esims: &'a [AnsweredEsim],
    /// The customer to record when the order has none yet (a new eSIM's buyer).
    pub customer: Option<&'a Customer>,
    /// A completed order this answer undoes (a revoke's original sale or top-up), moved to
    /// cancelled in the same transaction.
    pub cancels: Option<&'a str>,
}

impl Store {
    /// Records an answer in one transaction: the state move (none when the order is already
    /// there; an illegal one is refused and changes nothing), each eSIM — one the desk already
    /// holds keeps its record (packages, status, order, customer) and only gains a code or
    /// provider id it lacked; a new one is saved for the order's customer (for a top-up: the
    /// topped-up eSIM's customer) — and the delivered mark once every eSIM has its code.
    pub fn record_answer(
        &self,
        client_reference: &str,
        answer: &Answer<'_>,
        actor: &str,
    ) -> Result<JournaledOrder> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let order = journal::load(&tx, client_reference)?
            .ok_or_else(|| StoreError::NotFound(format!("order {client_reference}")))?;
        if order.order.state != answer.to {
            journal::move_state(&tx, client_reference, answer.to, &answer.change, actor)?;
        }
        let customer_id = owner(&tx, &order, answer.customer)?;
        let at = ts(now())?;
        for esim in answer.esims {
            tx.execute(
                "INSERT INTO esims (iccid, provider, account_id, provider_ref, activation_code,
                    profile_status, order_reference, customer_id, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)
                 ON CONFLICT (iccid) DO UPDATE SET
                    provider_ref = coalesce(provider_ref, excluded.provider_ref),
                    activation_code = coalesce(activation_code, excluded.activation_code),
                    updated_at = excluded.updated_at",
                params![
                    esim.iccid.as_str(),
                    answer.provider.id(),
                    order.account_id,
                    esim.provider_ref,
                    esim.activation_code.as_ref().map(ToString::to_string),
                    esimdesk_core::ProfileStatus::Released.name(),
                    client_reference,
                    customer_id,
                    at
                ],
            )?;
        }
        if answer.to == OrderState::Completed && order.delivered_at.is_none() {
            let missing_code = answer.esims.iter().try_fold(false, |missing, e| {
                let has_code: bool = tx.query_row(
                    "SELECT activation_code IS NOT NULL FROM esims WHERE iccid = ?1",
                    [e.iccid.as_str()],
                    |r| r.get(0),
                )?;
                Ok::<_, StoreError>(missing || !has_code)
            })?;
            let nothing_issued = order.order.kind == OrderKind::NewEsim && answer.esims.is_empty();
            if !missing_code && !nothing_issued {
                tx.execute(
                    "UPDATE orders SET delivered_at = ?2 WHERE client_reference = ?1",
                    params![client_reference, at],
                )?;
            }
        }
        if let Some(original) = answer.cancels
            && answer.to == OrderState::Completed
        {
            journal::move_state(
                &tx,
                original,
                OrderState::Cancelled,
                &StateChange::detail(format!("taken back by order {client_reference}")),
                actor,
            )?;
        }
        let settled = journal::load(&tx, client_reference)?
            .ok_or_else(|| StoreError::NotFound(format!("order {client_reference}")))?;
        tx.commit()?;
        Ok(settled)
    }
}

/// Whom new eSIMs of this order belong to: a top-up's eSIM's customer; else the order's
/// customer, recorded now from the answer if the order has none yet.
fn owner(
    tx: &Connection,
    order: &JournaledOrder,
    customer: Option<&Customer>,
) -> Result<Option<i64>> {
    if order.order.kind != OrderKind::NewEsim {
        let target = order.order.lines.first().and_then(|l| l.iccid.as_ref());
        return match target {
            Some(iccid) => Ok(tx
                .query_row(
                    "SELECT customer_id FROM esims WHERE iccid = ?1",
                    [iccid.as_str()],
                    |r| r.get::<_, Option<i64>>(0),
                )
                .optional()?
                .flatten()),
            None => Ok(None),
        };
    }
    match (order.customer_id, customer) {
        (Some(id), _) => Ok(Some(id)),
        (None, Some(c)) => {
            let id = customers::insert(tx, c)?;
            tx.execute(
                "UPDATE orders SET customer_id = ?2 WHERE client_reference = ?1",
                params![order.order.client_reference, id],
            )?;
            Ok(Some(id))
        }
        (None, None) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::esims::tests::{code, iccid};
    use crate::journal::tests::order;
    use crate::store::test_support::temp_store;

    fn store() -> (tempfile::TempDir, Store) {
        temp_store()
    }

    fn answered(n: u64, with_code: bool) -> AnsweredEsim {
        AnsweredEsim {
            iccid: iccid(n),
            activation_code: with_code.then(code),
            provider_ref: None,
        }
    }

    fn sent(store: &Store, reference: &str) {
        store
            .journal_order(&order(reference, None), "esimgo-main", "desk")
            .unwrap();
        store
            .record_order_state(
                reference,
                OrderState::Submitted,
                &StateChange::default(),
                "desk",
            )
            .unwrap();
    }

    #[test]
    fn the_answer_and_its_codes_land_together() {
        let (_dir, store) = store();
        sent(&store, "desk-1");
        let customer = Customer {
            name: "Ana Ruiz".into(),
            ..Customer::default()
        };
        let esims = [answered(1, true)];
        let settled = store
            .record_answer(
                "desk-1",
                &Answer {
                    to: OrderState::Completed,
                    change: StateChange {
                        detail: None,
                        provider_reference: Some("p-1".into()),
                    },
                    provider: ProviderKind::Esimgo,
                    esims: &esims,
                    customer: Some(&customer),
                    cancels: None,
                },
                "desk",
            )
            .unwrap();
        assert_eq!(settled.order.state, OrderState::Completed);
        assert!(settled.delivered_at.is_some());
        let saved = store.esim(&iccid(1)).unwrap().unwrap();
        assert!(saved.esim.activation_code.is_some());
        assert_eq!(saved.customer_id, settled.customer_id);
        assert!(store.unsettled_orders().unwrap().is_empty());
    }

    #[test]
    fn an_order_without_codes_stays_for_reconciliation() {
        let (_dir, store) = store();
        sent(&store, "desk-2");
        let esims = [answered(2, false)];
        let answer = |esims| Answer {
            to: OrderState::Completed,
            change: StateChange::default(),
            provider: ProviderKind::Esimgo,
            esims,
            customer: None,
            cancels: None,
        };
        let settled = store
            .record_answer("desk-2", &answer(&esims), "desk")
            .unwrap();
        assert_eq!(settled.order.state, OrderState::Completed);
        assert_eq!(settled.delivered_at, None);
        assert_eq!(store.unsettled_orders().unwrap().len(), 1);
        // The codes arrive later: delivered, and the state is not moved again.
        let with_code = [answered(2, true)];
        let settled = store
            .record_answer("desk-2", &answer(&with_code), "desk")
            .unwrap();
        assert!(settled.delivered_at.is_some());
        assert!(store.unsettled_orders().unwrap().is_empty());
    }

    #[test]
    fn an_illegal_answer_changes_nothing() {
        let (_dir, store) = store();
        store
            .journal_order(&order("desk-3", None), "esimgo-main", "desk")
            .unwrap();
        let esims = [answered(3, true)];
        // Never sent: an answer cannot complete it.
        let err = store.record_answer(
            "desk-3",
            &Answer {
                to: OrderState::Completed,
                change: StateChange::default(),
                provider: ProviderKind::Esimgo,
                esims: &esims,
                customer: None,
                cancels: None,
            },
            "desk",
        );
        assert!(err.is_err());
        assert!(store.esim(&iccid(3)).unwrap().is_none());
        assert_eq!(
            store.order("desk-3").unwrap().unwrap().order.state,
            OrderState::Journaled
        );
    }
}
