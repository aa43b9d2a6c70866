//! Provider accounts: which provider, a label and the API base URL. Never a secret: API keys live
//! in the OS keychain under the account's id.

use esimdesk_core::ProviderKind;
use rusqlite::{OptionalExtension, Row, params};
use time::OffsetDateTime;

use crate::columns::{from_ts, provider, ts};
use crate::error::{Result, StoreError};
use crate::store::Store;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderAccount {
    /// The desk's own id for the account (also its keychain entry's name).
    pub id: String,
    pub provider: ProviderKind,
    pub label: String,
    pub base_url: String,
    pub created_at: OffsetDateTime,
}

fn from_row(r: &Row<'_>) -> Result<ProviderAccount> {
    Ok(ProviderAccount {
        id: r.get(0)?,
        provider: provider(&r.get::<_, String>(1)?)?,
        label: r.get(2)?,
        base_url: r.get(3)?,
        created_at: from_ts(r.get(4)?)?,
    })
}

const COLUMNS: &str = "id, provider, label, base_url, created_at";

impl Store {
    /// Adds an account or updates its provider, label and base URL (its creation time stays).
    pub fn upsert_account(&self, a: &ProviderAccount) -> Result<()> {
        if a.id.trim().is_empty() {
            return Err(StoreError::Invalid("an account needs an id".into()));
        }
        self.conn().execute(
            "INSERT INTO provider_accounts (id, provider, label, base_url, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (id) DO UPDATE SET
                provider = excluded.provider, label = excluded.label, base_url = excluded.base_url",
            params![
                a.id,
                a.provider.id(),
                a.label,
                a.base_url,
                ts(a.created_at)?
            ],
        )?;
        Ok(())
    }

    pub fn accounts(&self) -> Result<Vec<ProviderAccount>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM provider_accounts ORDER BY id"
        ))?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(from_row(r)?);
        }
        Ok(out)
    }

    pub fn account(&self, id: &str) -> Result<Option<ProviderAccount>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM provider_accounts WHERE id = ?1"
        ))?;
        stmt.query_row([id], |r| Ok(from_row(r)))
            .optional()?
            .transpose()
    }

    /// Removes an account with its cached catalogue. Orders, eSIMs and stock bought through it
    /// stay (they are money records). [`StoreError::NotFound`] if there is no such account.
    pub fn remove_account(&self, id: &str) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let n = tx.execute("DELETE FROM provider_accounts WHERE id = ?1", [id])?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("provider account '{id}'")));
        }
        crate::catalogue::drop_unused_coverages(&tx)?;
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
    fn upsert_list_and_remove() {
        let (_dir, store) = temp_store();
        account(&store, "b", ProviderKind::Telness);
        account(&store, "a", ProviderKind::Esimgo);
        let mut a = store.account("a").unwrap().unwrap();
        a.label = "Main".into();
        a.created_at = OffsetDateTime::now_utc();
        store.upsert_account(&a).unwrap();
        let back = store.account("a").unwrap().unwrap();
        assert_eq!(back.label, "Main");
        assert_eq!(back.created_at, OffsetDateTime::UNIX_EPOCH);
        let ids: Vec<String> = store
            .accounts()
            .unwrap()
            .into_iter()
            .map(|a| a.id)
            .collect();
        assert_eq!(ids, ["a", "b"]);
        store.remove_account("b").unwrap();
        assert!(store.account("b").unwrap().is_none());
        assert!(matches!(
            store.remove_account("b"),
            Err(StoreError::NotFound(_))
        ));
    }
}
