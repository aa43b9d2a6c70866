//! The schema, its versioned migrations (rusqlite_migration, `PRAGMA user_version`) and the checks
//! made before a database is touched: it must be ours (`PRAGMA application_id`) and not newer than
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

const V1: &str = r#"
PRAGMA application_id = 1163084875;

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE provider_accounts (
    id         TEXT PRIMARY KEY,
    provider   TEXT NOT NULL,
    label      TEXT NOT NULL,
    base_url   TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE catalogue_syncs (
    account_id     TEXT PRIMARY KEY REFERENCES provider_accounts(id) ON DELETE CASCADE,
    fetched_at     INTEGER NOT NULL,
    offering_count INTEGER NOT NULL
) STRICT;

-- Distinct coverages: one list of countries (in the provider's order) with the region a search
-- by region finds it under. Regional offerings share a handful of them.
CREATE TABLE coverages (
    id        INTEGER PRIMARY KEY,
    countries TEXT NOT NULL,            -- alpha-2 codes, comma-separated
    region    TEXT,                     -- region code a search by region finds it under
    UNIQUE (countries, region)
) STRICT;

-- Which destinations (country code, or region code such as 'EUROPE') each coverage serves.
CREATE TABLE coverage_destinations (
    dest        TEXT NOT NULL,
    coverage_id INTEGER NOT NULL REFERENCES coverages(id) ON DELETE CASCADE,
    PRIMARY KEY (dest, coverage_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE offerings (
    id                 INTEGER PRIMARY KEY,
    account_id         TEXT NOT NULL REFERENCES provider_accounts(id) ON DELETE CASCADE,
    coverage_id        INTEGER NOT NULL REFERENCES coverages(id),
    provider           TEXT NOT NULL,
    code               TEXT NOT NULL,
    code_key           TEXT NOT NULL,   -- lower-case code: exact and prefix search
    name               TEXT NOT NULL,
    region             TEXT,            -- the region the provider named
    markup_region      TEXT,            -- region markup rules see (region, or common home region)
    data_bytes         INTEGER,         -- NULL: unlimited
    validity_days      INTEGER NOT NULL,
    cost_minor         INTEGER NOT NULL,
    currency           TEXT NOT NULL,
    retail_minor       INTEGER NOT NULL,
    price_per_gb_minor INTEGER,         -- retail per decimal GB; NULL for unlimited
    activation         TEXT NOT NULL,
    speeds             TEXT NOT NULL,   -- JSON array of strings
    top_up             INTEGER NOT NULL
) STRICT;
-- Indexes: OFFERING_INDEXES below (also used to rebuild them after a large load).

CREATE TABLE destinations (
    key  TEXT PRIMARY KEY,              -- 'ES', 'EUROPE'
    kind TEXT NOT NULL CHECK (kind IN ('country', 'region')),
    code TEXT NOT NULL,                 -- 'ES', 'EUROPE'
    name TEXT NOT NULL
) STRICT;

CREATE TABLE destination_names (
    name_key TEXT NOT NULL,             -- folded name, or a folded word-suffix of it
    dest     TEXT NOT NULL REFERENCES destinations(key),
    whole    INTEGER NOT NULL,          -- 1: the whole name; 0: a suffix starting at a word
    label    TEXT NOT NULL,             -- the name as written
    PRIMARY KEY (name_key, dest)
) STRICT, WITHOUT ROWID;

CREATE TABLE markup_rules (
    scope        TEXT PRIMARY KEY,      -- 'global', 'provider:esimgo', 'region:EUROPE'
    basis_points INTEGER NOT NULL,
    rounding     TEXT NOT NULL,         -- 'nearest' or 'ending:99'
    updated_at   INTEGER NOT NULL
) STRICT;

CREATE TABLE customers (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    email        TEXT,
    phone        TEXT,
    device_model TEXT,
    eid          TEXT,
    search_key   TEXT NOT NULL,         -- folded name and e-mail
    phone_digits TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    forgotten_at INTEGER
) STRICT;

-- Money records: no foreign key to provider_accounts, they outlive a removed account.
CREATE TABLE orders (
    client_reference   TEXT PRIMARY KEY,
    account_id         TEXT NOT NULL,
    provider           TEXT NOT NULL,
    kind               TEXT NOT NULL,
    customer_id        INTEGER REFERENCES customers(id),
    payment_reference  TEXT,
    state              TEXT NOT NULL,
    provider_reference TEXT,
    total_cost_minor   INTEGER NOT NULL,
    total_retail_minor INTEGER NOT NULL,
    currency           TEXT NOT NULL,   -- of the retail total
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    last_detail        TEXT
) STRICT;
CREATE INDEX orders_created ON orders(created_at);
CREATE INDEX orders_unsettled ON orders(state) WHERE state IN ('submitted', 'provisioning', 'unknown');
CREATE INDEX orders_customer ON orders(customer_id);

CREATE TABLE order_lines (
    client_reference  TEXT NOT NULL REFERENCES orders(client_reference),
    line_no           INTEGER NOT NULL,
    offering_code     TEXT NOT NULL,
    quantity          INTEGER NOT NULL,
    unit_cost_minor   INTEGER NOT NULL,
    cost_currency     TEXT NOT NULL,
    unit_retail_minor INTEGER NOT NULL,
    retail_currency   TEXT NOT NULL,
    iccid             TEXT,
    PRIMARY KEY (client_reference, line_no)
) STRICT, WITHOUT ROWID;

CREATE TABLE order_events (
    id                 INTEGER PRIMARY KEY,
    client_reference   TEXT NOT NULL REFERENCES orders(client_reference),
    at                 INTEGER NOT NULL,
    from_state         TEXT,
    to_state           TEXT NOT NULL,
    detail             TEXT,
    provider_reference TEXT,
    actor              TEXT NOT NULL
) STRICT;
CREATE INDEX order_events_order ON order_events(client_reference, id);

CREATE TABLE esims (
    iccid           TEXT PRIMARY KEY,
    provider        TEXT NOT NULL,
    account_id      TEXT NOT NULL,
    provider_ref    TEXT,
    activation_code TEXT,
    profile_status  TEXT NOT NULL,
    order_reference TEXT,               -- the journal's client reference, when bought through it
    customer_id     INTEGER REFERENCES customers(id),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX esims_customer ON esims(customer_id);
CREATE INDEX esims_created ON esims(created_at);

CREATE TABLE esim_packages (
    iccid           TEXT NOT NULL REFERENCES esims(iccid) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    offering_code   TEXT NOT NULL,
    state           TEXT NOT NULL,
    allowance_bytes INTEGER,            -- NULL: unlimited
    remaining_bytes INTEGER,
    usage_taken_at  INTEGER,            -- NULL: no usage reading yet
    starts_at       INTEGER,
    ends_at         INTEGER,
    PRIMARY KEY (iccid, position)
) STRICT, WITHOUT ROWID;

CREATE TABLE usage_snapshots (
    id              INTEGER PRIMARY KEY,
    iccid           TEXT NOT NULL REFERENCES esims(iccid) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    offering_code   TEXT NOT NULL,
    state           TEXT NOT NULL,
    remaining_bytes INTEGER,
    taken_at        INTEGER NOT NULL
) STRICT;
CREATE INDEX usage_snapshots_esim ON usage_snapshots(iccid, taken_at);

CREATE TABLE stock (
    id               INTEGER PRIMARY KEY,
    provider         TEXT NOT NULL,
    account_id       TEXT NOT NULL,
    offering_code    TEXT NOT NULL,
    iccid            TEXT UNIQUE,
    activation_code  TEXT,
    cost_minor       INTEGER NOT NULL,
    currency         TEXT NOT NULL,
    added_at         INTEGER NOT NULL,
    added_by         TEXT NOT NULL,
    issued_at        INTEGER,
    issued_by        TEXT,
    customer_id      INTEGER REFERENCES customers(id),
    client_reference TEXT,
    sync_state       TEXT NOT NULL DEFAULT 'none' CHECK (sync_state IN ('none', 'pending', 'synced'))
) STRICT;
CREATE INDEX stock_available ON stock(offering_code, id) WHERE issued_at IS NULL;
CREATE INDEX stock_pending ON stock(id) WHERE sync_state = 'pending';

CREATE TABLE audit_log (
    id     INTEGER PRIMARY KEY,
    at     INTEGER NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
) STRICT;
"#;

/// The purchase protocol's "delivered" mark: an order is completed when the provider says so,
/// and delivered once every eSIM it produced is saved with its activation code (in the same
/// transaction as the answer where the answer carries them). Reconciliation keeps working on
/// completed orders that are not delivered yet. Orders completed before this migration count as
/// delivered when none of their eSIMs lacks a code.
const V2: &str = r#"
ALTER TABLE orders ADD COLUMN delivered_at INTEGER;
-- The provider's id of one application of a package (eSIM Go assignment id): what a revoke names.
ALTER TABLE esim_packages ADD COLUMN provider_id TEXT;
UPDATE orders SET delivered_at = updated_at
 WHERE state = 'completed'
   AND NOT EXISTS (SELECT 1 FROM esims
                    WHERE esims.order_reference = orders.client_reference
                      AND esims.activation_code IS NULL);
DROP INDEX orders_unsettled;
CREATE INDEX orders_unsettled ON orders(state)
 WHERE state IN ('submitted', 'provisioning', 'unknown', 'needs_person')
    OR (state = 'completed' AND delivered_at IS NULL);
"#;

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
CREATE INDEX offerings_search ON offerings(coverage_id, retail_minor, id, data_bytes,
    validity_days, provider, price_per_gb_minor);
";

/// The migrations, oldest first; schema version N is the first N applied. Never edit one that
/// has shipped: add a new one.
fn migration_list() -> Vec<M<'static>> {
    vec![
        M::up_with_hook(V1, |tx: &Transaction| {
            tx.execute_batch(OFFERING_INDEXES)?;
            fill_destinations(tx)
        }),
        M::up(V2),
    ]
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
