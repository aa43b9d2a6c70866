//! The schema, its versioned migrations (numbered `.sql` files in `crates/store/migrations/`, run
//! by rusqlite_migration, which keeps the version in `PRAGMA user_version`) and the checks made
//! before a database is touched: it must be ours (`PRAGMA application_id`) and not newer than
//! this build understands.
//!
//! Tables (all `STRICT`; times are UTC Unix nanoseconds; money is integer minor units + ISO code):
//!
//! - `settings` — desk settings, key/value.
//! - `provider_accounts` — configured provider accounts (never their secrets: those live in the
//!   OS keychain).
//! - `catalogue_syncs` — per account: when its catalogue was fetched and how many offerings.
//! - `offerings` — every account's cached catalogue, with the retail price under the current
//!   markup rules precomputed (`retail_minor`, `price_per_gb_minor`) so results sort by an index
//!   (`offerings_search`: coverage, retail, filter columns). See `search.rs`.
//! - `coverages`, `coverage_destinations` — the distinct country lists offerings cover and the
//!   destinations (countries, regions) each one serves.
//! - `destinations`, `destination_names` — countries (from core/keshvar) and regions, with every
//!   name they go by, folded for matching.
//! - `markup_rules` — global, per-provider and per-region markup.
//! - `customers` — walk-in customers; erasable (`forget_customer`).
//! - `orders`, `order_lines`, `order_events` — the purchase journal.
//! - `esims`, `esim_packages`, `usage_snapshots` — eSIMs the desk sold or imported.
//! - `stock` — pre-bought bundles and pre-provisioned eSIMs.
//! - `audit_log` — who did what with money, when.

use rusqlite::{Connection, OpenFlags, Transaction};
use rusqlite_migration::{HookError, M, Migrations};

use crate::error::{Result, StoreError};
use crate::names;

/// `PRAGMA application_id` of every eSIM Desk database ("ESDK").
pub const APPLICATION_ID: i32 = 0x4553_444B;

/// `(file name, SQL)` of a file in `migrations/`, so that the name listed is the file compiled in.
macro_rules! migration {
    ($file:literal) => {
        ($file, include_str!(concat!("../migrations/", $file)))
    };
}

/// The migrations, oldest first: schema version N is the first N applied. Each is a numbered file
/// in `crates/store/migrations/`, compiled in.
///
/// **A migration that has shipped is never edited**: databases at its version already ran it,
/// and would never see the change. A schema change is a new file with the next number, added
/// here (a test fails on a file in `migrations/` that is not listed, or the reverse).
///
/// - `0001_init.sql`: the tables (see the module docs); its hook adds the offering indexes
///   ([`OFFERING_INDEXES`]) and fills the destination names.
/// - `0002_delivery.sql`: the purchase protocol's "delivered" mark. An order is completed when the
///   provider says so, and delivered once every eSIM it produced is saved with its activation
///   code (in the same transaction as the answer where the answer carries them).
///   Reconciliation keeps working on completed orders that are not delivered yet. Orders
///   completed before this migration count as delivered when none of their eSIMs lacks a code.
///   Also the provider's id of each package on an eSIM (what a revoke names).
/// - `0003_exchange_rates.sql`: the agency's exchange rates, and offerings priced in the desk's
///   selling currency (`retail_currency`; `incomparable` when no rate converts them, listed
///   after the rest by the search index).
/// - `0004_incomparable_by_currency.sql`: among offerings no rate converts, each currency is
///   listed together (the search index orders by currency before price).
const MIGRATIONS: &[(&str, &str)] = &[
    migration!("0001_init.sql"),
    migration!("0002_delivery.sql"),
    migration!("0003_exchange_rates.sql"),
    migration!("0004_incomparable_by_currency.sql"),
];

fn fill_destinations(tx: &Transaction) -> Result<(), HookError> {
    names::fill(tx).map_err(|e| match e {
        StoreError::Sqlite(e) => HookError::RusqliteError(e),
        other => HookError::Hook(other.to_string()),
    })
}

/// The secondary indexes of `offerings`, exactly as migration 1 creates them. `offerings_search`
/// is the search index: per coverage in retail order, with every filter column, so a destination
/// search walks it in order and stops at the limit (see `search.rs`).
pub(crate) const OFFERING_INDEXES: &str = "
CREATE UNIQUE INDEX offerings_code ON offerings(code_key, account_id);
CREATE INDEX offerings_search ON offerings(coverage_id, incomparable, retail_currency, retail_minor,
    id, data_bytes, validity_days, provider, price_per_gb_minor);
";

/// The offerings' indexes as `0001_init.sql` created them; frozen, since a migration never
/// changes (`0003` replaces the search index with [`OFFERING_INDEXES`]'s).
const OFFERING_INDEXES_0001: &str = "
CREATE UNIQUE INDEX offerings_code ON offerings(code_key, account_id);
CREATE INDEX offerings_search ON offerings(coverage_id, retail_minor, id, data_bytes,
    validity_days, provider, price_per_gb_minor);
";

/// [`MIGRATIONS`] for rusqlite_migration.
fn migration_list() -> Vec<M<'static>> {
    MIGRATIONS
        .iter()
        .map(|&(file, sql)| match file {
            "0001_init.sql" => M::up_with_hook(sql, |tx: &Transaction| {
                tx.execute_batch(OFFERING_INDEXES_0001)?;
                fill_destinations(tx)
            }),
            "0003_exchange_rates.sql" => M::up_with_hook(sql, |tx: &Transaction| {
                // Offerings cached before: priced in the selling currency where a rate exists
                // (none yet), flagged where their currency is not the selling one.
                crate::rates::load_price_list(tx)
                    .and_then(|list| crate::retail::reprice_all(tx, &list))
                    .map_err(|e| match e {
                        StoreError::Sqlite(e) => HookError::RusqliteError(e),
                        other => HookError::Hook(other.to_string()),
                    })
            }),
            _ => M::up(sql),
        })
        .collect()
}

pub(crate) fn migrations() -> Migrations<'static> {
    Migrations::new(migration_list())
}

/// The schema version this build writes.
pub fn supported_version() -> u32 {
    u32::try_from(migration_list().len()).unwrap_or(u32::MAX)
}

/// What a database file says about itself before anything is changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    pub application_id: i32,
    pub user_version: u32,
    pub has_tables: bool,
}

pub(crate) fn header(conn: &Connection) -> Result<Header> {
    let application_id: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    let user_version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let has_tables: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table')",
        [],
        |r| r.get(0),
    )?;
    Ok(Header {
        application_id,
        user_version: u32::try_from(user_version).unwrap_or(u32::MAX),
        has_tables,
    })
}

/// Refuses a database that is not ours or is newer than this build.
pub(crate) fn check_header(h: Header, path: &std::path::Path) -> Result<()> {
    let fresh = h.application_id == 0 && h.user_version == 0 && !h.has_tables;
    if !fresh && h.application_id != APPLICATION_ID {
        return Err(StoreError::NotOurs {
            path: path.to_path_buf(),
        });
    }
    let supported = supported_version();
    if h.user_version > supported {
        return Err(StoreError::NewerSchema {
            found: h.user_version,
            supported,
        });
    }
    Ok(())
}

/// Per-connection settings: WAL (readers never block the writer), foreign keys on, and a page
/// cache large enough for a 100,000-offering catalogue load.
///
/// `synchronous=FULL`: in WAL mode, NORMAL may lose the last committed transactions on power
/// loss or an OS crash, and the last one may be a purchase journaled as sent. FULL syncs the WAL
/// on every commit; catalogue loads are one transaction, so they pay it once.
pub(crate) fn configure(conn: &Connection) -> Result<()> {
    // Only takes effect on a new, empty database (before WAL is set): larger pages make bulk
    // catalogue loads cheaper.
    conn.pragma_update(None, "page_size", 8192)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.pragma_update(None, "cache_size", -32_768)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

/// Opens (creating if needed), checks and migrates a database.
pub(crate) fn open_connection(path: &std::path::Path) -> Result<Connection> {
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI,
    )?;
    let h = header(&conn).map_err(|e| not_a_database(e, path))?;
    check_header(h, path)?;
    configure(&conn)?;
    migrate(&mut conn)?;
    Ok(conn)
}

pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    migrations().to_latest(conn)?;
    Ok(())
}

/// SQLite says "file is not a database" for a file that is not SQLite at all.
pub(crate) fn not_a_database(e: StoreError, path: &std::path::Path) -> StoreError {
    match e {
        StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, _))
            if f.code == rusqlite::ErrorCode::NotADatabase =>
        {
            StoreError::NotOurs {
                path: path.to_path_buf(),
            }
        }
        other => other,
    }
}

/// Reads a database file read-only and checks it is an eSIM Desk database this build can open
/// and that SQLite finds it intact.
pub(crate) fn validate_file(path: &std::path::Path) -> Result<()> {
    if !path.is_file() {
        return Err(StoreError::NotFound(format!(
            "backup file {}",
            path.display()
        )));
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let h = header(&conn).map_err(|e| not_a_database(e, path))?;
    if h.application_id != APPLICATION_ID || h.user_version == 0 {
        return Err(StoreError::NotOurs {
            path: path.to_path_buf(),
        });
    }
    check_header(h, path)?;
    let verdict: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    if verdict != "ok" {
        return Err(StoreError::Corrupt(format!(
            "{} fails SQLite's check: {verdict}",
            path.display()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn application_id_matches_the_sql() {
        assert_eq!(APPLICATION_ID, 1_163_084_875);
        assert!(migrations().validate().is_ok());
    }

    #[test]
    fn every_file_in_migrations_is_listed_in_order() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        files.sort();
        let listed: Vec<&str> = MIGRATIONS.iter().map(|(file, _)| *file).collect();
        assert_eq!(
            files, listed,
            "a file in migrations/ and MIGRATIONS disagree"
        );
        for (i, file) in listed.iter().enumerate() {
            // 0001_…, 0002_…: numbered from one, no gap, no repeat, each a .sql file.
            assert!(
                file.starts_with(&format!("{:04}_", i + 1)) && file.ends_with(".sql"),
                "{file} should be migration {:04}_….sql",
                i + 1
            );
        }
        assert_eq!(supported_version() as usize, listed.len());
    }

    #[test]
    fn a_database_at_version_1_migrates() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("desk.sqlite3");
        {
            // What the build before migration 2 left: version 1, an order completed with its
            // code, one completed still waiting for it, and a package.
            let mut conn = Connection::open(&path).unwrap();
            configure(&conn).unwrap();
            migrations().to_version(&mut conn, 1).unwrap();
            assert_eq!(header(&conn).unwrap().user_version, 1);
            conn.execute_batch(
                "INSERT INTO orders (client_reference, account_id, provider, kind, state,
                    total_cost_minor, total_retail_minor, currency, created_at, updated_at)
                 VALUES ('with-code', 'go', 'esimgo', 'new_esim', 'completed', 1, 1, 'USD', 5, 7),
                        ('without', 'go', 'esimgo', 'new_esim', 'completed', 1, 1, 'USD', 5, 8);
                 INSERT INTO esims (iccid, provider, account_id, activation_code, profile_status,
                    order_reference, created_at, updated_at)
                 VALUES ('8944000000000000001', 'esimgo', 'go', 'LPA:1$a.example$X', 'released',
                         'with-code', 5, 5),
                        ('8944000000000000002', 'esimgo', 'go', NULL, 'released',
                         'without', 5, 5);
                 INSERT INTO esim_packages (iccid, position, offering_code, state)
                 VALUES ('8944000000000000001', 0, 'esim_1GB_7D_NL_V2', 'active');",
            )
            .unwrap();
        }
        let store = crate::Store::open(&path).unwrap();
        let conn = store.conn();
        assert_eq!(header(&conn).unwrap().user_version, supported_version());
        let delivered = |reference: &str| -> Option<i64> {
            conn.query_row(
                "SELECT delivered_at FROM orders WHERE client_reference = ?1",
                [reference],
                |r| r.get(0),
            )
            .unwrap()
        };
        assert_eq!(delivered("with-code"), Some(7));
        assert_eq!(delivered("without"), None);
        let provider_id: Option<String> = conn
            .query_row("SELECT provider_id FROM esim_packages", [], |r| r.get(0))
            .unwrap();
        assert_eq!(provider_id, None);
        // The order still waiting for its code is on the unsettled index's list again.
        let unsettled: i64 = conn
            .query_row(
                "SELECT count(*) FROM orders INDEXED BY orders_unsettled
                 WHERE state IN ('submitted', 'provisioning', 'unknown', 'needs_person')
                    OR (state = 'completed' AND delivered_at IS NULL)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(unsettled, 1);
    }

    #[test]
    fn offerings_cached_before_rates_are_priced_in_the_selling_currency_or_flagged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("desk.sqlite3");
        {
            // Version 2: a USD desk caching a USD and a EUR offering, retail in their own
            // currencies.
            let mut conn = Connection::open(&path).unwrap();
            configure(&conn).unwrap();
            migrations().to_version(&mut conn, 2).unwrap();
            conn.execute_batch(
                "INSERT INTO provider_accounts (id, provider, label, base_url, created_at)
                 VALUES ('go', 'esimgo', 'Go', 'http://x', 1), ('tn', 'telness', 'T', 'http://y', 1);
                 INSERT INTO coverages (id, countries, region) VALUES (1, 'ES', NULL);
                 INSERT INTO offerings (account_id, coverage_id, provider, code, code_key, name,
                    region, markup_region, data_bytes, validity_days, cost_minor, currency,
                    retail_minor, price_per_gb_minor, activation, speeds, top_up)
                 VALUES ('go', 1, 'esimgo', 'A', 'a', 'A', NULL, 'EUROPE', 1000000000, 7, 500,
                         'USD', 500, 500, 'first_use', '[]', 0),
                        ('tn', 1, 'telness', 'B', 'b', 'B', NULL, 'EUROPE', 1000000000, 7, 400,
                         'EUR', 400, 400, 'first_use', '[]', 0);",
            )
            .unwrap();
        }
        let store = crate::Store::open(&path).unwrap();
        let conn = store.conn();
        let rows: Vec<(String, String, bool)> = conn
            .prepare("SELECT code, retail_currency, incomparable FROM offerings ORDER BY code")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            rows,
            vec![
                ("A".to_owned(), "USD".to_owned(), false),
                ("B".to_owned(), "EUR".to_owned(), true)
            ]
        );
    }

    #[test]
    fn commits_survive_power_loss() {
        let dir = tempfile::tempdir().unwrap();
        let conn = open_connection(&dir.path().join("desk.sqlite3")).unwrap();
        // 2 = FULL: every commit is on disk before it returns (NORMAL, 1, can lose the last ones).
        let level: i64 = conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(level, 2);
    }
}
