//! Backup, restore and integrity checks, with SQLite's online backup API (consistent copies while
//! the app keeps running).

use std::path::{Path, PathBuf};

use rusqlite::MAIN_DB;

use crate::audit;
use crate::error::{Result, StoreError};
use crate::schema;
use crate::settings;
use crate::store::Store;

fn partial_path(dest: &Path) -> PathBuf {
    let mut name = dest
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".partial");
    dest.with_file_name(name)
}

impl Store {
    /// Writes a consistent copy of the database to `dest` (replacing it), through a temporary
    /// file beside it, so `dest` is never left half-written.
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        if dest == self.path() {
            return Err(StoreError::Invalid(
                "a backup cannot overwrite the database itself".into(),
            ));
        }
        if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::io(format!("cannot create {}", dir.display()), e))?;
        }
        let tmp = partial_path(dest);
        let _ = std::fs::remove_file(&tmp);
        let result = (|| {
            self.conn().backup(MAIN_DB, &tmp, None)?;
            // A backup is a single self-contained file: no WAL beside it.
            {
                let copy = rusqlite::Connection::open(&tmp)?;
                copy.pragma_update(None, "journal_mode", "DELETE")?;
            }
            schema::validate_file(&tmp)?;
            std::fs::rename(&tmp, dest).map_err(|e| {
                StoreError::io(format!("cannot write the backup {}", dest.display()), e)
            })
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result?;
        let conn = self.conn();
        let actor = settings::actor(&conn)?;
        audit::record(
            &conn,
            &actor,
            "maintenance.backup",
            &format!("to {}", dest.display()),
        )
    }

    /// Replaces the whole database with the backup at `src`, after checking it is an eSIM Desk
    /// database of a version this build can open, and intact. A backup from an older version is
    /// migrated after the restore. Nothing changes if the check fails.
    pub fn restore_from(&self, src: &Path) -> Result<()> {
        schema::validate_file(src)?;
        let mut conn = self.conn();
        conn.restore(MAIN_DB, src, None::<fn(rusqlite::backup::Progress)>)?;
        schema::configure(&conn)?;
        schema::migrate(&mut conn)?;
        let actor = settings::actor(&conn)?;
        audit::record(
            &conn,
            &actor,
            "maintenance.restore",
            &format!("from {}", src.display()),
        )
    }

    /// SQLite's `integrity_check` and `foreign_key_check`: an empty list means healthy; each
    /// entry is one problem found.
    pub fn integrity_check(&self) -> Result<Vec<String>> {
        let conn = self.conn();
        let mut problems = Vec::new();
        {
            let mut stmt = conn.prepare("PRAGMA integrity_check")?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let line: String = r.get(0)?;
                if line != "ok" {
                    problems.push(line);
                }
            }
        }
        let mut stmt = conn.prepare("PRAGMA foreign_key_check")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let table: String = r.get(0)?;
            let rowid: Option<i64> = r.get(1)?;
            let parent: String = r.get(2)?;
            problems.push(format!(
                "{table} row {} refers to a missing {parent}",
                rowid.map_or_else(|| "?".to_owned(), |id| id.to_string())
            ));
        }
        Ok(problems)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::journal::tests::order;
    use crate::store::test_support::*;
    use esimdesk_core::ProviderKind;

    #[test]
    fn backup_restore_and_integrity() {
        let (dir, store) = temp_store();
        account(&store, "go", ProviderKind::Esimgo);
        store
            .journal_order(&order("desk-1", None), "go", "m")
            .unwrap();
        assert!(store.integrity_check().unwrap().is_empty());
        let backup = dir.path().join("backups/desk-backup.sqlite3");
        store.backup_to(&backup).unwrap();
        assert!(backup.is_file());
        assert!(!partial_path(&backup).exists());
        assert!(store.backup_to(store.path()).is_err());

        // Changes after the backup are undone by restoring it.
        store
            .journal_order(&order("desk-2", None), "go", "m")
            .unwrap();
        store.remove_account("go").unwrap();
        store.restore_from(&backup).unwrap();
        assert!(store.order("desk-1").unwrap().is_some());
        assert!(store.order("desk-2").unwrap().is_none());
        assert!(store.account("go").unwrap().is_some());
        assert!(store.integrity_check().unwrap().is_empty());
        // The restored database is still a working one, and opens again.
        store
            .journal_order(&order("desk-3", None), "go", "m")
            .unwrap();
        let path = store.path().to_path_buf();
        drop(store);
        let again = Store::open(&path).unwrap();
        assert!(again.order("desk-3").unwrap().is_some());
        assert!(
            again
                .audit_log(10)
                .unwrap()
                .iter()
                .any(|e| e.action == "maintenance.restore")
        );
    }

    #[test]
    fn restore_refuses_what_is_not_a_supported_backup() {
        let (dir, store) = temp_store();
        store
            .journal_order(&order("desk-1", None), "go", "m")
            .unwrap();
        let text = dir.path().join("notes.txt");
        std::fs::write(&text, "not a database ".repeat(100)).unwrap();
        assert!(matches!(
            store.restore_from(&text),
            Err(StoreError::NotOurs { .. })
        ));
        let other = dir.path().join("other.sqlite3");
        rusqlite::Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .unwrap();
        assert!(matches!(
            store.restore_from(&other),
            Err(StoreError::NotOurs { .. })
        ));
        let newer = dir.path().join("newer.sqlite3");
        store.backup_to(&newer).unwrap();
        rusqlite::Connection::open(&newer)
            .unwrap()
            .pragma_update(None, "user_version", 42)
            .unwrap();
        assert!(matches!(
            store.restore_from(&newer),
            Err(StoreError::NewerSchema { found: 42, .. })
        ));
        assert!(matches!(
            store.restore_from(&dir.path().join("missing.sqlite3")),
            Err(StoreError::NotFound(_))
        ));
        assert!(store.order("desk-1").unwrap().is_some());
    }

    #[test]
    fn integrity_check_reports_broken_references() {
        let (_dir, store) = temp_store();
        {
            let conn = store.conn();
            conn.pragma_update(None, "foreign_keys", false).unwrap();
            conn.execute(
                "INSERT INTO catalogue_syncs (account_id, fetched_at, offering_count)
                 VALUES ('ghost', 0, 0)",
                [],
            )
            .unwrap();
            conn.pragma_update(None, "foreign_keys", true).unwrap();
        }
        let problems = store.integrity_check().unwrap();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("catalogue_syncs"));
    }
}
