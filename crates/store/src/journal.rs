//! The purchase journal. An order's intent — lines, customer, client reference, payment
//! reference — is committed before any provider call; every state change after that is a row in
//! `order_events` and must be a legal [`OrderState`] move. An illegal one is refused and changes
//! nothing. Orders whose purchase may or may not have happened (submitted, provisioning, unknown)
//! are listed for reconciliation by [`Store::unsettled_orders`].

use esimdesk_core::{Iccid, Order, OrderLine, OrderState};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use time::OffsetDateTime;

use crate::audit;
use crate::columns::{from_name, from_ts, from_ts_opt, money, now, provider, ts};
use crate::customers;
use crate::error::{Result, StoreError};
use crate::store::Store;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournaledOrder {
    /// The order as journaled, with its current state and provider reference. `customer` is
    /// `None` once the customer was erased.
    pub order: Order,
    pub account_id: String,
    pub customer_id: Option<i64>,
    pub updated_at: OffsetDateTime,
    /// The detail of the latest state change that had one (a provider's refusal, ...).
    pub last_detail: Option<String>,
    /// When every eSIM the order produced was saved with its activation code; `None` while
    /// the codes are still to be fetched (reconciliation keeps working on it) or the order is
    /// not completed.
    pub delivered_at: Option<OffsetDateTime>,
}

/// What accompanies a state change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StateChange {
    pub detail: Option<String>,
    /// The provider's id for the order, once known (kept once set).
    pub provider_reference: Option<String>,
}

impl StateChange {
    pub fn detail(detail: impl Into<String>) -> Self {
        StateChange {
            detail: Some(detail.into()),
            provider_reference: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderEvent {
    pub id: i64,
    pub client_reference: String,
    pub at: OffsetDateTime,
    /// `None` for the journaling itself.
    pub from: Option<OrderState>,
    pub to: OrderState,
    pub detail: Option<String>,
    pub provider_reference: Option<String>,
    pub actor: String,
}

fn lines(conn: &Connection, reference: &str) -> Result<Vec<OrderLine>> {
    let mut stmt = conn.prepare_cached(
        "SELECT offering_code, quantity, unit_cost_minor, cost_currency, unit_retail_minor,
                retail_currency, iccid
         FROM order_lines WHERE client_reference = ?1 ORDER BY line_no",
    )?;
    let mut rows = stmt.query([reference])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let iccid: Option<String> = r.get(6)?;
        out.push(OrderLine {
            offering_code: r.get(0)?,
            quantity: u32::try_from(r.get::<_, i64>(1)?)
                .map_err(|_| StoreError::corrupt("order line quantity"))?,
            unit_cost: money(r.get(2)?, &r.get::<_, String>(3)?)?,
            unit_retail: money(r.get(4)?, &r.get::<_, String>(5)?)?,
            iccid: iccid
                .map(|i| Iccid::from_provider(&i).map(|(i, _)| i))
                .transpose()
                .map_err(|e| StoreError::corrupt(format!("ICCID in order {reference}: {e}")))?,
        });
    }
    Ok(out)
}

const ORDER_COLUMNS: &str = "client_reference, account_id, provider, kind, customer_id,
    payment_reference, state, provider_reference, created_at, updated_at, last_detail, delivered_at";

fn load_where(
    conn: &Connection,
    condition: &str,
    arg: &dyn rusqlite::ToSql,
) -> Result<Vec<JournaledOrder>> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {ORDER_COLUMNS} FROM orders {condition}"))?;
    let mut rows = stmt.query([arg])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let reference: String = r.get(0)?;
        let customer_id: Option<i64> = r.get(4)?;
        let customer = match customer_id {
            Some(id) => customers::load(conn, id)?,
            None => None,
        };
        out.push(JournaledOrder {
            order: Order {
                lines: lines(conn, &reference)?,
                provider: provider(&r.get::<_, String>(2)?)?,
                kind: from_name(&r.get::<_, String>(3)?)?,
                customer,
                payment_reference: r.get(5)?,
                state: from_name::<OrderState>(&r.get::<_, String>(6)?)?,
                provider_reference: r.get(7)?,
                created_at: from_ts(r.get(8)?)?,
                client_reference: reference,
            },
            account_id: r.get(1)?,
            customer_id,
            updated_at: from_ts(r.get(9)?)?,
            last_detail: r.get(10)?,
            delivered_at: from_ts_opt(r.get(11)?)?,
        });
    }
    Ok(out)
}

pub(crate) fn load(conn: &Connection, reference: &str) -> Result<Option<JournaledOrder>> {
    Ok(load_where(conn, "WHERE client_reference = ?1", &reference)?
        .into_iter()
        .next())
}

/// Moves an order to `to` inside `tx`, with its event and audit rows; refuses an illegal move.
/// A move to the state the order is already in records nothing.
pub(crate) fn move_state(
    tx: &Connection,
    client_reference: &str,
    to: OrderState,
    change: &StateChange,
    actor: &str,
) -> Result<OrderState> {
    let at = ts(now())?;
    let from: Option<String> = tx
        .query_row(
            "SELECT state FROM orders WHERE client_reference = ?1",
            [client_reference],
            |r| r.get(0),
        )
        .optional()?;
    let from = from_name::<OrderState>(
        &from.ok_or_else(|| StoreError::NotFound(format!("order {client_reference}")))?,
    )?;
    from.transition(to)?;
    tx.execute(
        "UPDATE orders SET state = ?2, updated_at = ?3,
            provider_reference = coalesce(?4, provider_reference),
            last_detail = coalesce(?5, last_detail)
         WHERE client_reference = ?1",
        params![
            client_reference,
            to.name(),
            at,
            change.provider_reference,
            change.detail
        ],
    )?;
    tx.execute(
        "INSERT INTO order_events (client_reference, at, from_state, to_state, detail,
            provider_reference, actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            client_reference,
            at,
            from.name(),
            to.name(),
            change.detail,
            change.provider_reference,
            actor
        ],
    )?;
    let mut detail = format!("order {client_reference}: {} → {}", from.name(), to.name());
    if let Some(p) = &change.provider_reference {
        detail.push_str(&format!(" (provider reference {p})"));
    }
    audit::record(tx, actor, "order.state", &detail)?;
    Ok(from)
}

impl Store {
    /// Commits an order's intent before anything is sent: its lines, customer (stored in the
    /// customers table), client and payment references, in state `Journaled` (or `Validated`
    /// when the provider's dry run came first). Fails with [`StoreError::DuplicateReference`]
    /// if the client reference is already journaled.
    pub fn journal_order(&self, order: &Order, account_id: &str, actor: &str) -> Result<()> {
        let reference = order.client_reference.trim();
        if reference.is_empty() || reference != order.client_reference {
            return Err(StoreError::Invalid(
                "an order needs a client reference without surrounding spaces".into(),
            ));
        }
        if order.lines.is_empty() {
            return Err(StoreError::Invalid(format!(
                "order {reference} has no lines"
            )));
        }
        if !matches!(order.state, OrderState::Journaled | OrderState::Validated) {
            return Err(StoreError::Invalid(format!(
                "a new order starts as journaled or validated, not {}",
                order.state.name()
            )));
        }
        if order.lines.iter().any(|l| l.quantity == 0) {
            return Err(StoreError::Invalid(format!(
                "order {reference} has a line with quantity 0"
            )));
        }
        let cost = order.total_cost()?;
        let retail = order.total_retail()?;
        let at = ts(now())?;
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let exists: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM orders WHERE client_reference = ?1)",
            [reference],
            |r| r.get(0),
        )?;
        if exists {
            return Err(StoreError::DuplicateReference(reference.to_owned()));
        }
        let customer_id = order
            .customer
            .as_ref()
            .map(|c| customers::insert(&tx, c))
            .transpose()?;
        tx.execute(
            "INSERT INTO orders (client_reference, account_id, provider, kind, customer_id,
                payment_reference, state, provider_reference, total_cost_minor,
                total_retail_minor, currency, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            params![
                reference,
                account_id,
                order.provider.id(),
                order.kind.name(),
                customer_id,
                order.payment_reference,
                order.state.name(),
                order.provider_reference,
                cost.minor(),
                retail.minor(),
                retail.currency().code(),
                ts(order.created_at)?,
                at
            ],
        )?;
        for (i, l) in order.lines.iter().enumerate() {
            tx.execute(
                "INSERT INTO order_lines (client_reference, line_no, offering_code, quantity,
                    unit_cost_minor, cost_currency, unit_retail_minor, retail_currency, iccid)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    reference,
                    i64::try_from(i).unwrap_or(i64::MAX),
                    l.offering_code,
                    l.quantity,
                    l.unit_cost.minor(),
                    l.unit_cost.currency().code(),
                    l.unit_retail.minor(),
                    l.unit_retail.currency().code(),
                    l.iccid.as_ref().map(|i| i.as_str().to_owned())
                ],
            )?;
        }
        tx.execute(
            "INSERT INTO order_events (client_reference, at, from_state, to_state, detail,
                provider_reference, actor) VALUES (?1, ?2, NULL, ?3, NULL, ?4, ?5)",
            params![
                reference,
                at,
                order.state.name(),
                order.provider_reference,
                actor
            ],
        )?;
        audit::record(
            &tx,
            actor,
            "order.journal",
            &format!(
                "order {reference} ({} via {account_id}): retail {retail}, cost {cost}, payment {}",
                order.provider.id(),
                order.payment_reference.as_deref().unwrap_or("none")
            ),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Moves an order to `to`, recording the change. An illegal move (core's
    /// [`OrderState::transition`]) fails with [`StoreError::IllegalTransition`] and changes
    /// nothing; an unknown reference with [`StoreError::NotFound`].
    pub fn record_order_state(
        &self,
        client_reference: &str,
        to: OrderState,
        change: &StateChange,
        actor: &str,
    ) -> Result<JournaledOrder> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        move_state(&tx, client_reference, to, change, actor)?;
        let order = load(&tx, client_reference)?
            .ok_or_else(|| StoreError::NotFound(format!("order {client_reference}")))?;
        tx.commit()?;
        Ok(order)
    }

    pub fn order(&self, client_reference: &str) -> Result<Option<JournaledOrder>> {
        load(&self.conn(), client_reference)
    }

    /// The latest `limit` orders, newest first.
    pub fn orders(&self, limit: usize) -> Result<Vec<JournaledOrder>> {
        load_where(
            &self.conn(),
            "ORDER BY created_at DESC, client_reference DESC LIMIT ?1",
            &i64::try_from(limit).unwrap_or(i64::MAX),
        )
    }

    /// Orders reconciliation must work on, oldest first: those that may or may not have been
    /// bought (submitted, provisioning, unknown) — it asks the provider, never buys again — and
    /// those completed whose activation codes are not all saved yet. Orders waiting for a person
    /// are not among them.
    pub fn unsettled_orders(&self) -> Result<Vec<JournaledOrder>> {
        load_where(
            &self.conn(),
            "WHERE (state IN ('submitted', 'provisioning', 'unknown')
                    OR (state = 'completed' AND delivered_at IS NULL)) AND ?1
             ORDER BY created_at",
            &true,
        )
    }

    /// Orders about one eSIM, oldest first: the sale that produced it and every top-up or revoke
    /// naming it.
    pub fn orders_touching_esim(&self, iccid: &Iccid) -> Result<Vec<JournaledOrder>> {
        load_where(
            &self.conn(),
            "WHERE client_reference IN (
                 SELECT order_reference FROM esims WHERE iccid = ?1
                 UNION SELECT client_reference FROM order_lines WHERE iccid = ?1)
             ORDER BY created_at",
            &iccid.as_str(),
        )
    }

    /// Orders reconciliation could not settle with certainty, oldest first.
    pub fn orders_needing_a_person(&self) -> Result<Vec<JournaledOrder>> {
        load_where(
            &self.conn(),
            "WHERE state = ?1 ORDER BY created_at",
            &OrderState::NeedsPerson.name(),
        )
    }

    /// The order, if any, that already holds this provider reference (a provider order can be
    /// the answer to one journal order only).
    pub fn order_by_provider_reference(
        &self,
        provider_reference: &str,
    ) -> Result<Option<JournaledOrder>> {
        Ok(load_where(
            &self.conn(),
            "WHERE provider_reference = ?1 LIMIT 1",
            &provider_reference,
        )?
        .into_iter()
        .next())
    }

    /// Every state change of an order, oldest first. [`StoreError::NotFound`] for an unknown
    /// reference.
    pub fn order_events(&self, client_reference: &str) -> Result<Vec<OrderEvent>> {
        let conn = self.conn();
        if load(&conn, client_reference)?.is_none() {
            return Err(StoreError::NotFound(format!("order {client_reference}")));
        }
        let mut stmt = conn.prepare_cached(
            "SELECT id, client_reference, at, from_state, to_state, detail, provider_reference,
                    actor
             FROM order_events WHERE client_reference = ?1 ORDER BY id",
        )?;
        let mut rows = stmt.query([client_reference])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(OrderEvent {
                id: r.get(0)?,
                client_reference: r.get(1)?,
                at: from_ts(r.get(2)?)?,
                from: r
                    .get::<_, Option<String>>(3)?
                    .map(|s| from_name::<OrderState>(&s))
                    .transpose()?,
                to: from_name::<OrderState>(&r.get::<_, String>(4)?)?,
                detail: r.get(5)?,
                provider_reference: r.get(6)?,
                actor: r.get(7)?,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::store::test_support::*;
    use esimdesk_core::{Currency, Customer, Money, OrderKind, ProviderKind};

    pub(crate) fn order(reference: &str, customer: Option<Customer>) -> Order {
        let usd = Currency::parse("USD").unwrap();
        Order {
            client_reference: reference.into(),
            provider: ProviderKind::Esimgo,
            kind: OrderKind::NewEsim,
            lines: vec![OrderLine {
                offering_code: "esim_1GB_7D_NL_V2".into(),
                quantity: 2,
                unit_cost: Money::from_minor(165, usd),
                unit_retail: Money::from_minor(499, usd),
                iccid: None,
            }],
            customer,
            payment_reference: Some("card-778".into()),
            state: OrderState::Journaled,
            provider_reference: None,
            created_at: OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap(),
        }
    }

    fn ana() -> Customer {
        Customer {
            name: "Ana".into(),
            email: Some("ana@example.com".into()),
            ..Customer::default()
        }
    }

    #[test]
    fn journal_then_move_through_legal_states() {
        let (_dir, store) = temp_store();
        let o = order("desk-1", Some(ana()));
        store.journal_order(&o, "go", "maria").unwrap();
        let j = store.order("desk-1").unwrap().unwrap();
        assert_eq!(j.order, o);
        assert_eq!(j.account_id, "go");
        assert!(matches!(
            store.journal_order(&o, "go", "maria"),
            Err(StoreError::DuplicateReference(r)) if r == "desk-1"
        ));
        store
            .record_order_state(
                "desk-1",
                OrderState::Submitted,
                &StateChange::default(),
                "maria",
            )
            .unwrap();
        assert_eq!(store.unsettled_orders().unwrap().len(), 1);
        let j = store
            .record_order_state(
                "desk-1",
                OrderState::Completed,
                &StateChange {
                    detail: Some("2 eSIMs".into()),
                    provider_reference: Some("go-order-9".into()),
                },
                "maria",
            )
            .unwrap();
        assert_eq!(j.order.state, OrderState::Completed);
        assert_eq!(j.order.provider_reference.as_deref(), Some("go-order-9"));
        assert_eq!(j.last_detail.as_deref(), Some("2 eSIMs"));
        // Completed without its eSIMs and codes (see `record_answer`): not delivered, so
        // reconciliation still works on it.
        assert_eq!(j.delivered_at, None);
        assert_eq!(store.unsettled_orders().unwrap().len(), 1);
        let events = store.order_events("desk-1").unwrap();
        let moves: Vec<(Option<OrderState>, OrderState)> =
            events.iter().map(|e| (e.from, e.to)).collect();
        assert_eq!(
            moves,
            [
                (None, OrderState::Journaled),
                (Some(OrderState::Journaled), OrderState::Submitted),
                (Some(OrderState::Submitted), OrderState::Completed)
            ]
        );
        assert!(events.iter().all(|e| e.actor == "maria"));
        let audit = store.audit_log(10).unwrap();
        assert_eq!(
            audit
                .iter()
                .filter(|e| e.action.starts_with("order."))
                .count(),
            3
        );
        assert!(audit.iter().all(|e| !e.detail.contains("Ana")));
    }

    #[test]
    fn an_illegal_transition_changes_nothing() {
        let (_dir, store) = temp_store();
        store
            .journal_order(&order("desk-2", None), "go", "maria")
            .unwrap();
        store
            .record_order_state(
                "desk-2",
                OrderState::Submitted,
                &StateChange::default(),
                "m",
            )
            .unwrap();
        store
            .record_order_state(
                "desk-2",
                OrderState::Unknown,
                &StateChange::detail("timeout"),
                "m",
            )
            .unwrap();
        let before = store.order("desk-2").unwrap().unwrap();
        let events_before = store.order_events("desk-2").unwrap();
        let audit_before = store.audit_log(100).unwrap();
        // Never back to "not sent yet": that would invite a second purchase.
        let err = store
            .record_order_state(
                "desk-2",
                OrderState::Journaled,
                &StateChange {
                    detail: Some("retry".into()),
                    provider_reference: Some("x".into()),
                },
                "m",
            )
            .unwrap_err();
        assert!(matches!(err, StoreError::IllegalTransition(_)), "{err}");
        assert_eq!(err.to_string(), "order cannot go from unknown to journaled");
        assert_eq!(store.order("desk-2").unwrap().unwrap(), before);
        assert_eq!(store.order_events("desk-2").unwrap(), events_before);
        assert_eq!(store.audit_log(100).unwrap(), audit_before);
        assert!(matches!(
            store.record_order_state("nope", OrderState::Failed, &StateChange::default(), "m"),
            Err(StoreError::NotFound(_))
        ));
    }

    #[test]
    fn refuses_bad_orders_and_lists_newest_first() {
        let (_dir, store) = temp_store();
        let mut empty = order("desk-3", None);
        empty.lines.clear();
        assert!(matches!(
            store.journal_order(&empty, "go", "m"),
            Err(StoreError::Invalid(_))
        ));
        let mut submitted = order("desk-3", None);
        submitted.state = OrderState::Submitted;
        assert!(store.journal_order(&submitted, "go", "m").is_err());
        assert!(store.order("desk-3").unwrap().is_none());
        for i in 0..3 {
            let mut o = order(&format!("desk-{}", 10 + i), None);
            o.created_at += time::Duration::minutes(i);
            store.journal_order(&o, "go", "m").unwrap();
        }
        let refs: Vec<String> = store
            .orders(2)
            .unwrap()
            .into_iter()
            .map(|j| j.order.client_reference)
            .collect();
        assert_eq!(refs, ["desk-12", "desk-11"]);
    }

    #[test]
    fn forgetting_the_customer_keeps_the_money_records() {
        let (_dir, store) = temp_store();
        store
            .journal_order(&order("desk-4", Some(ana())), "go", "m")
            .unwrap();
        store
            .record_order_state(
                "desk-4",
                OrderState::Submitted,
                &StateChange::default(),
                "m",
            )
            .unwrap();
        store
            .record_order_state(
                "desk-4",
                OrderState::Completed,
                &StateChange::default(),
                "m",
            )
            .unwrap();
        let j = store.order("desk-4").unwrap().unwrap();
        let id = j.customer_id.unwrap();
        store.forget_customer(id).unwrap();
        let after = store.order("desk-4").unwrap().unwrap();
        assert_eq!(after.order.customer, None);
        assert_eq!(after.customer_id, Some(id));
        assert_eq!(after.order.lines, j.order.lines);
        assert_eq!(after.order.total_retail().unwrap().minor(), 998);
        assert_eq!(after.order.payment_reference.as_deref(), Some("card-778"));
        assert_eq!(after.order.state, OrderState::Completed);
        assert_eq!(store.order_events("desk-4").unwrap().len(), 3);
        let (cost, retail): (i64, i64) = store
            .conn()
            .query_row(
                "SELECT total_cost_minor, total_retail_minor FROM orders WHERE client_reference = 'desk-4'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((cost, retail), (330, 998));
    }
}
