//! Stock: pre-bought bundles and pre-provisioned eSIMs (with their activation codes), issued to
//! customers with no network and flagged for synchronisation later.
//!
//! Issuing is one `UPDATE ... RETURNING` inside an immediate (write-locked) transaction that
//! only takes an item still unissued, so two desks sharing the database can never issue the same
//! item: the second one takes the next item, or gets [`StoreError::OutOfStock`].

use esimdesk_core::{ActivationCode, Iccid, Money, ProviderKind};
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use time::OffsetDateTime;

use crate::audit;
use crate::columns::{from_ts, from_ts_opt, money, now, provider, ts};
use crate::error::{Result, StoreError};
use crate::store::Store;

/// An item to put into stock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStockItem {
    pub provider: ProviderKind,
    pub account_id: String,
    pub offering_code: String,
    /// For a pre-provisioned eSIM; `None` for a bundle bought ahead without an eSIM.
    pub iccid: Option<Iccid>,
    pub activation_code: Option<ActivationCode>,
    /// What the desk paid for it.
    pub cost: Money,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockSync {
    /// Nothing to tell the provider.
    None,
    /// Issued offline; the assignment still has to reach the provider.
    Pending,
    Synced,
}

impl StockSync {
    fn name(self) -> &'static str {
        match self {
            StockSync::None => "none",
            StockSync::Pending => "pending",
            StockSync::Synced => "synced",
        }
    }

    fn from_name(name: &str) -> Result<Self> {
        [StockSync::None, StockSync::Pending, StockSync::Synced]
            .into_iter()
            .find(|s| s.name() == name)
            .ok_or_else(|| StoreError::corrupt(format!("stock sync state '{name}'")))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockItem {
    pub id: i64,
    pub provider: ProviderKind,
    pub account_id: String,
    pub offering_code: String,
    pub iccid: Option<Iccid>,
    /// Bearer credential: shown only when the item is delivered.
    pub activation_code: Option<ActivationCode>,
    pub cost: Money,
    pub added_at: OffsetDateTime,
    pub issued_at: Option<OffsetDateTime>,
    pub issued_by: Option<String>,
    pub customer_id: Option<i64>,
    pub sync: StockSync,
}

const COLUMNS: &str = "id, provider, account_id, offering_code, iccid, activation_code,
    cost_minor, currency, added_at, issued_at, issued_by, customer_id, sync_state";

fn from_row(r: &Row<'_>) -> Result<StockItem> {
    let id: i64 = r.get(0)?;
    let iccid: Option<String> = r.get(4)?;
    let code: Option<String> = r.get(5)?;
    Ok(StockItem {
        id,
        provider: provider(&r.get::<_, String>(1)?)?,
        account_id: r.get(2)?,
        offering_code: r.get(3)?,
        iccid: iccid
            .map(|i| Iccid::from_provider(&i).map(|(i, _)| i))
            .transpose()
            .map_err(|e| StoreError::corrupt(format!("ICCID of stock item {id}: {e}")))?,
        activation_code: code
            .map(|c| ActivationCode::parse(&c))
            .transpose()
            .map_err(|e| StoreError::corrupt(format!("code of stock item {id}: {e}")))?,
        cost: money(r.get(6)?, &r.get::<_, String>(7)?)?,
        added_at: from_ts(r.get(8)?)?,
        issued_at: from_ts_opt(r.get(9)?)?,
        issued_by: r.get(10)?,
        customer_id: r.get(11)?,
        sync: StockSync::from_name(&r.get::<_, String>(12)?)?,
    })
}

fn query(conn: &Connection, condition: &str, arg: &dyn rusqlite::ToSql) -> Result<Vec<StockItem>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM stock {condition}"))?;
    let mut rows = stmt.query([arg])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(from_row(r)?);
    }
    Ok(out)
}

impl Store {
    /// Adds items to stock, all or none. [`StoreError::DuplicateStock`] if an ICCID is already
    /// in stock. Returns the new items' ids.
    pub fn add_stock(&self, items: &[NewStockItem], actor: &str) -> Result<Vec<i64>> {
        let at = ts(now())?;
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut ids = Vec::with_capacity(items.len());
        {
            let mut exists = tx.prepare_cached("SELECT 1 FROM stock WHERE iccid = ?1")?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO stock (provider, account_id, offering_code, iccid, activation_code,
                    cost_minor, currency, added_at, added_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            for item in items {
                if item.offering_code.trim().is_empty() {
                    return Err(StoreError::Invalid(
                        "a stock item needs an offering code".into(),
                    ));
                }
                let iccid = item.iccid.as_ref().map(|i| i.as_str().to_owned());
                if let Some(i) = &iccid
                    && exists.exists([i])?
                {
                    return Err(StoreError::DuplicateStock(i.clone()));
                }
                insert.execute(params![
                    item.provider.id(),
                    item.account_id,
                    item.offering_code,
                    iccid,
                    item.activation_code.as_ref().map(ToString::to_string),
                    item.cost.minor(),
                    item.cost.currency().code(),
                    at,
                    actor
                ])?;
                ids.push(tx.last_insert_rowid());
            }
        }
        let total: i64 = items.iter().map(|i| i.cost.minor()).sum();
        audit::record(
            &tx,
            actor,
            "stock.add",
            &format!("{} items, cost {total} minor units in total", items.len()),
        )?;
        tx.commit()?;
        Ok(ids)
    }

    /// Stock items, oldest first; only those not yet issued when `available_only`.
    pub fn stock(&self, available_only: bool) -> Result<Vec<StockItem>> {
        let condition = if available_only {
            "WHERE issued_at IS NULL AND ?1 ORDER BY id"
        } else {
            "WHERE ?1 ORDER BY id"
        };
        query(&self.conn(), condition, &true)
    }

    /// Issues the oldest available item of `offering_code` to a customer, offline: marks it
    /// issued and flags it for synchronisation. Atomic across desks sharing the database.
    pub fn issue_from_stock(
        &self,
        offering_code: &str,
        customer_id: Option<i64>,
        actor: &str,
    ) -> Result<StockItem> {
        self.issue(
            "id = (SELECT id FROM stock WHERE offering_code = ?1 AND issued_at IS NULL
                   ORDER BY id LIMIT 1)",
            &offering_code,
            customer_id,
            actor,
        )?
        .ok_or_else(|| StoreError::OutOfStock {
            offering_code: offering_code.to_owned(),
        })
    }

    /// Issues one particular item. [`StoreError::AlreadyIssued`] if someone issued it first.
    pub fn issue_stock_item(
        &self,
        id: i64,
        customer_id: Option<i64>,
        actor: &str,
    ) -> Result<StockItem> {
        match self.issue("id = ?1", &id, customer_id, actor)? {
            Some(item) => Ok(item),
            None => {
                let known = query(&self.conn(), "WHERE id = ?1", &id)?;
                if known.is_empty() {
                    Err(StoreError::NotFound(format!("stock item {id}")))
                } else {
                    Err(StoreError::AlreadyIssued { id })
                }
            }
        }
    }

    fn issue(
        &self,
        which: &str,
        arg: &dyn rusqlite::ToSql,
        customer_id: Option<i64>,
        actor: &str,
    ) -> Result<Option<StockItem>> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let item = tx
            .prepare_cached(&format!(
                "UPDATE stock SET issued_at = ?2, issued_by = ?3, customer_id = ?4,
                    sync_state = 'pending'
                 WHERE {which} AND issued_at IS NULL
                 RETURNING {COLUMNS}"
            ))?
            .query_row(params![arg, ts(now())?, actor, customer_id], |r| {
                Ok(from_row(r))
            })
            .optional()?
            .transpose()?;
        if let Some(item) = &item {
            audit::record(
                &tx,
                actor,
                "stock.issue",
                &format!(
                    "stock item {} ({}), cost {}",
                    item.id, item.offering_code, item.cost
                ),
            )?;
        }
        tx.commit()?;
        Ok(item)
    }

    /// Items issued offline whose assignment has not reached the provider yet.
    pub fn pending_stock_sync(&self) -> Result<Vec<StockItem>> {
        query(
            &self.conn(),
            "WHERE sync_state = 'pending' AND ?1 ORDER BY id",
            &true,
        )
    }

    pub fn mark_stock_synced(&self, id: i64) -> Result<()> {
        let n = self.conn().execute(
            "UPDATE stock SET sync_state = 'synced' WHERE id = ?1 AND sync_state = 'pending'",
            [id],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!(
                "stock item {id} waiting for synchronisation"
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::esims::tests::{code, iccid};
    use crate::store::test_support::*;
    use esimdesk_core::Currency;
    use std::sync::Arc;

    fn item(n: u64) -> NewStockItem {
        NewStockItem {
            provider: ProviderKind::Esimgo,
            account_id: "go".into(),
            offering_code: "esim_1GB_7D_NL_V2".into(),
            iccid: Some(iccid(n)),
            activation_code: Some(code()),
            cost: Money::from_minor(165, Currency::parse("USD").unwrap()),
        }
    }

    #[test]
    fn add_issue_and_sync() {
        let (_dir, store) = temp_store();
        let ids = store.add_stock(&[item(1), item(2)], "maria").unwrap();
        assert_eq!(ids.len(), 2);
        assert!(matches!(
            store.add_stock(&[item(3), item(1)], "maria"),
            Err(StoreError::DuplicateStock(_))
        ));
        assert_eq!(store.stock(false).unwrap().len(), 2, "all or none");
        let first = store
            .issue_from_stock("esim_1GB_7D_NL_V2", None, "maria")
            .unwrap();
        assert_eq!(first.id, ids[0]);
        assert_eq!(first.sync, StockSync::Pending);
        assert_eq!(first.issued_by.as_deref(), Some("maria"));
        assert!(first.activation_code.is_some());
        assert_eq!(store.stock(true).unwrap().len(), 1);
        assert!(matches!(
            store.issue_stock_item(ids[0], None, "maria"),
            Err(StoreError::AlreadyIssued { .. })
        ));
        store.issue_stock_item(ids[1], None, "maria").unwrap();
        assert!(matches!(
            store.issue_from_stock("esim_1GB_7D_NL_V2", None, "maria"),
            Err(StoreError::OutOfStock { .. })
        ));
        assert_eq!(store.pending_stock_sync().unwrap().len(), 2);
        store.mark_stock_synced(ids[0]).unwrap();
        assert_eq!(store.pending_stock_sync().unwrap().len(), 1);
        assert!(store.mark_stock_synced(ids[0]).is_err());
        let audit = store.audit_log(10).unwrap();
        assert_eq!(
            audit.iter().filter(|e| e.action == "stock.issue").count(),
            2
        );
    }

    #[test]
    fn two_desks_never_issue_the_same_item() {
        let (dir, store) = temp_store();
        let items: Vec<NewStockItem> = (1..=20).map(item).collect();
        store.add_stock(&items, "maria").unwrap();
        let path = dir.path().join("desk.sqlite3");
        // Two desks: two separate connections to one file, several threads each.
        let desks = [Arc::new(store), Arc::new(Store::open(&path).unwrap())];
        let handles: Vec<_> = (0..6)
            .map(|t| {
                let desk = Arc::clone(&desks[t % 2]);
                std::thread::spawn(move || {
                    let mut got = Vec::new();
                    while let Ok(i) = desk.issue_from_stock("esim_1GB_7D_NL_V2", None, "d") {
                        got.push(i.id);
                    }
                    got
                })
            })
            .collect();
        let mut all: Vec<i64> = handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        all.sort_unstable();
        let before = all.len();
        all.dedup();
        assert_eq!(before, 20);
        assert_eq!(all.len(), 20);
    }
}
