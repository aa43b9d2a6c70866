//! The [`Store`] handle: where the database lives, opening it, and the one connection.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::Connection;

use crate::error::{Result, StoreError};
use crate::schema;

/// Environment variable that overrides the data directory.
pub const DATA_DIR_ENV: &str = "ESIMDESK_DATA_DIR";
/// The database file's name inside the data directory.
pub const DB_FILE_NAME: &str = "esim-desk.sqlite3";
/// The Tauri app's identifier, so the CLI and the desktop app share one database.
const APP_IDENTIFIER: &str = "app.esimdesk.desk";

/// The desk's database. Cheap to share (`Arc<Store>`); every call takes the connection briefly.
#[derive(Debug)]
pub struct Store {
    conn: Mutex<Connection>,
    path: PathBuf,
}

impl Store {
    /// Opens the database at `path`, creating it and its directory if needed, and brings its
    /// schema up to date. Refuses a file that is not an eSIM Desk database
    /// ([`StoreError::NotOurs`]) or that a newer eSIM Desk wrote ([`StoreError::NewerSchema`]),
    /// changing nothing in either case.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::io(format!("cannot create {}", dir.display()), e))?;
        }
        let conn = schema::open_connection(path)?;
        Ok(Store {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
        })
    }

    /// Opens [`Store::default_path`].
    pub fn open_default() -> Result<Store> {
        Store::open(&Store::default_path()?)
    }

    /// `$ESIMDESK_DATA_DIR/esim-desk.sqlite3` when the variable is set and not empty, else the
    /// file in the platform's app-data directory (the same one the Tauri app uses:
    /// `~/.local/share/app.esimdesk.desk` on Linux, `~/Library/Application Support/...` on macOS,
    /// `%APPDATA%\...` on Windows).
    pub fn default_path() -> Result<PathBuf> {
        resolve_default_path(
            std::env::var_os(DATA_DIR_ENV),
            directories::BaseDirs::new().map(|b| b.data_dir().to_path_buf()),
        )
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The connection. A panic while it was held (the only way the mutex is poisoned) happened
    /// inside a transaction that SQLite rolled back when it was dropped, so the connection is
    /// still consistent and is used again.
    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn resolve_default_path(
    env_dir: Option<std::ffi::OsString>,
    platform_data_dir: Option<PathBuf>,
) -> Result<PathBuf> {
    if let Some(dir) = env_dir.filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(dir).join(DB_FILE_NAME));
    }
    let base = platform_data_dir.ok_or(StoreError::NoDataDir)?;
    Ok(base.join(APP_IDENTIFIER).join(DB_FILE_NAME))
}

#[cfg(test)]
pub(crate) mod test_support {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::accounts::ProviderAccount;
    use esimdesk_core::ProviderKind;
    use time::OffsetDateTime;

    pub(crate) fn temp_store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("desk.sqlite3")).unwrap();
        (dir, store)
    }

    pub(crate) fn account(store: &Store, id: &str, provider: ProviderKind) {
        store
            .upsert_account(&ProviderAccount {
                id: id.into(),
                provider,
                label: format!("{id} account"),
                base_url: "https://api.example.invalid".into(),
                created_at: OffsetDateTime::UNIX_EPOCH,
            })
            .unwrap();
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::test_support::*;
    use super::*;

    #[test]
    fn opens_with_wal_and_foreign_keys() {
        let (_dir, store) = temp_store();
        let conn = store.conn();
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, i64::from(crate::supported_version()));
    }

    #[test]
    fn reopens_an_existing_database() {
        let (dir, store) = temp_store();
        account(&store, "a", esimdesk_core::ProviderKind::Esimgo);
        drop(store);
        let again = Store::open(&dir.path().join("desk.sqlite3")).unwrap();
        assert_eq!(again.accounts().unwrap().len(), 1);
    }

    #[test]
    fn refuses_a_newer_schema_and_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("desk.sqlite3");
        drop(Store::open(&path).unwrap());
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "user_version", 99).unwrap();
        }
        let before = std::fs::read(&path).unwrap();
        match Store::open(&path) {
            Err(StoreError::NewerSchema { found, supported }) => {
                assert_eq!(found, 99);
                assert_eq!(supported, crate::supported_version());
            }
            other => panic!("expected NewerSchema, got {other:?}"),
        }
        let err = Store::open(&path).unwrap_err().to_string();
        assert!(err.contains("newer version of eSIM Desk"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), before);
    }

    #[test]
    fn refuses_other_databases_and_other_files() {
        let dir = tempfile::tempdir().unwrap();
        let other = dir.path().join("other.sqlite3");
        {
            let conn = Connection::open(&other).unwrap();
            conn.execute_batch("CREATE TABLE t (x)").unwrap();
        }
        assert!(matches!(
            Store::open(&other),
            Err(StoreError::NotOurs { .. })
        ));
        let text = dir.path().join("notes.txt");
        std::fs::write(
            &text,
            "definitely not a database, just some text ".repeat(50),
        )
        .unwrap();
        assert!(matches!(
            Store::open(&text),
            Err(StoreError::NotOurs { .. })
        ));
    }

    #[test]
    fn default_path_honours_the_environment() {
        assert_eq!(
            resolve_default_path(
                Some("/data/desk".into()),
                Some("/home/a/.local/share".into())
            )
            .unwrap(),
            Path::new("/data/desk/esim-desk.sqlite3")
        );
        assert_eq!(
            resolve_default_path(Some("".into()), Some("/home/a/.local/share".into())).unwrap(),
            Path::new("/home/a/.local/share/app.esimdesk.desk/esim-desk.sqlite3")
        );
        assert!(matches!(
            resolve_default_path(None, None),
            Err(StoreError::NoDataDir)
        ));
        assert!(Store::default_path().unwrap().ends_with(DB_FILE_NAME));
    }

    #[test]
    fn store_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Store>();
    }
}
