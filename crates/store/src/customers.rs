//! Walk-in customers, in their own table so they can be erased (GDPR-style) while the money
//! records that point at them (orders, eSIMs, stock issues) stay.

use esimdesk_core::{Customer, Eid};
use rusqlite::{Connection, OptionalExtension, params};

use crate::audit;
use crate::columns::{now, ts};
use crate::error::{Result, StoreError};
use crate::folding::fold;
use crate::settings;
use crate::store::Store;

/// What partial search matches: the folded name and the lower-case e-mail.
fn search_key(c: &Customer) -> String {
    let mut key = fold(&c.name);
    if let Some(email) = &c.email {
        key.push('\u{1f}');
        key.push_str(&email.trim().to_lowercase());
    }
    key
}

pub(crate) fn phone_digits(phone: &str) -> String {
    phone.chars().filter(char::is_ascii_digit).collect()
}

fn check(c: &Customer) -> Result<()> {
    if c.name.trim().is_empty() {
        return Err(StoreError::Invalid("a customer needs a name".into()));
    }
    Ok(())
}

pub(crate) fn insert(conn: &Connection, c: &Customer) -> Result<i64> {
    check(c)?;
    conn.prepare_cached(
        "INSERT INTO customers (name, email, phone, device_model, eid, search_key, phone_digits,
            created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        c.name.trim(),
        c.email,
        c.phone,
        c.device_model,
        c.eid.as_ref().map(|e| e.as_str().to_owned()),
        search_key(c),
        c.phone.as_deref().map(phone_digits).unwrap_or_default(),
        ts(now())?
    ])?;
    Ok(conn.last_insert_rowid())
}

/// A customer by id; `None` when unknown or erased.
pub(crate) fn load(conn: &Connection, id: i64) -> Result<Option<Customer>> {
    let row = conn
        .prepare_cached(
            "SELECT name, email, phone, device_model, eid, forgotten_at FROM customers
             WHERE id = ?1",
        )?
        .query_row([id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<i64>>(5)?,
            ))
        })
        .optional()?;
    let Some((name, email, phone, device_model, eid, forgotten)) = row else {
        return Ok(None);
    };
    if forgotten.is_some() {
        return Ok(None);
    }
    let eid = eid
        .map(|e| Eid::parse(&e))
        .transpose()
        .map_err(|e| StoreError::corrupt(format!("customer {id}'s EID: {e}")))?;
    Ok(Some(Customer {
        name,
        email,
        phone,
        device_model,
        eid,
    }))
}

impl Store {
    /// Stores a new customer and returns their id.
    pub fn save_customer(&self, c: &Customer) -> Result<i64> {
        insert(&self.conn(), c)
    }

    /// Replaces a customer's details. [`StoreError::NotFound`] for an unknown or erased one.
    pub fn update_customer(&self, id: i64, c: &Customer) -> Result<()> {
        check(c)?;
        let n = self.conn().execute(
            "UPDATE customers SET name = ?2, email = ?3, phone = ?4, device_model = ?5, eid = ?6,
                search_key = ?7, phone_digits = ?8
             WHERE id = ?1 AND forgotten_at IS NULL",
            params![
                id,
                c.name.trim(),
                c.email,
                c.phone,
                c.device_model,
                c.eid.as_ref().map(|e| e.as_str().to_owned()),
                search_key(c),
                c.phone.as_deref().map(phone_digits).unwrap_or_default()
            ],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("customer {id}")));
        }
        Ok(())
    }

    /// A customer's details; `None` when unknown or erased.
    pub fn customer(&self, id: i64) -> Result<Option<Customer>> {
        load(&self.conn(), id)
    }

    /// Erases a customer's name, e-mail, phone, device and EID. Their orders (with amounts,
    /// references and states), eSIMs and stock issues stay, pointing at an anonymous record.
    /// The audit log records the erasure by id only.
    pub fn forget_customer(&self, id: i64) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let n = tx.execute(
            "UPDATE customers SET name = '', email = NULL, phone = NULL, device_model = NULL,
                eid = NULL, search_key = '', phone_digits = '', forgotten_at = ?2
             WHERE id = ?1",
            params![id, ts(now())?],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("customer {id}")));
        }
        let actor = settings::actor(&tx)?;
        audit::record(&tx, &actor, "customer.forget", &format!("customer {id}"))?;
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::store::test_support::*;

    #[test]
    fn save_update_forget() {
        let (_dir, store) = temp_store();
        let c = Customer {
            name: "Ana Pérez".into(),
            email: Some("ana@example.com".into()),
            phone: Some("+34 600 11 22 33".into()),
            device_model: Some("iPhone 15".into()),
            eid: None,
        };
        let id = store.save_customer(&c).unwrap();
        assert_eq!(store.customer(id).unwrap(), Some(c.clone()));
        let mut c2 = c.clone();
        c2.name = "Ana Pérez Gil".into();
        store.update_customer(id, &c2).unwrap();
        assert_eq!(store.customer(id).unwrap().unwrap().name, "Ana Pérez Gil");
        assert!(store.save_customer(&Customer::default()).is_err());
        store.forget_customer(id).unwrap();
        assert_eq!(store.customer(id).unwrap(), None);
        let raw: (String, Option<String>, Option<String>) = store
            .conn()
            .query_row(
                "SELECT name, email, phone FROM customers WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(raw, (String::new(), None, None));
        assert!(store.update_customer(id, &c).is_err());
        assert!(matches!(
            store.forget_customer(999),
            Err(StoreError::NotFound(_))
        ));
    }
}
