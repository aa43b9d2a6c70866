//! The audit log: every money-related action, with time and actor (the desk profile name).
//! Details never carry secrets or customer data (only ids and references), so erasing a customer
//! leaves nothing of them here.

use rusqlite::{Connection, params};
use time::OffsetDateTime;

use crate::columns::{from_ts, now, ts};
use crate::error::Result;
use crate::store::Store;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: i64,
    pub at: OffsetDateTime,
    pub actor: String,
    /// Dotted action name, e.g. `order.journal`, `order.state`, `markup.set`, `stock.issue`.
    pub action: String,
    pub detail: String,
}

/// Writes an entry on `conn` (inside the caller's transaction, so it commits or rolls back with
/// the action it records).
pub(crate) fn record(conn: &Connection, actor: &str, action: &str, detail: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO audit_log (at, actor, action, detail) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![ts(now())?, actor, action, detail])?;
    Ok(())
}

impl Store {
    pub fn audit(&self, actor: &str, action: &str, detail: &str) -> Result<()> {
        record(&self.conn(), actor, action, detail)
    }

    /// The latest `limit` entries, newest first.
    pub fn audit_log(&self, limit: usize) -> Result<Vec<AuditEntry>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id, at, actor, action, detail FROM audit_log ORDER BY id DESC LIMIT ?1",
        )?;
        let mut rows = stmt.query([i64::try_from(limit).unwrap_or(i64::MAX)])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(AuditEntry {
                id: r.get(0)?,
                at: from_ts(r.get(1)?)?,
                actor: r.get(2)?,
                action: r.get(3)?,
                detail: r.get(4)?,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use crate::store::test_support::*;

    #[test]
    fn newest_first_with_limit() {
        let (_dir, store) = temp_store();
        store
            .audit("maria", "payment.taken", "order desk-1")
            .unwrap();
        store.audit("maria", "refund", "order desk-1").unwrap();
        let log = store.audit_log(1).unwrap();
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].action, "refund");
        assert_eq!(log[0].actor, "maria");
        assert_eq!(store.audit_log(10).unwrap().len(), 2);
    }
}
