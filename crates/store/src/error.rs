//! The store's one error type. Messages are written for a desk agent or the person supporting
//! them; none of them ever carries a secret.

use std::path::PathBuf;

use esimdesk_core::{IllegalTransition, MoneyError};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database was written by a newer eSIM Desk; opening it with this one could damage it.
    #[error(
        "this database was written by a newer version of eSIM Desk (schema {found}; this version \
         understands up to {supported}); update eSIM Desk rather than opening it with this one"
    )]
    NewerSchema { found: u32, supported: u32 },
    /// The file is an SQLite database of some other program, or no database at all.
    #[error("{path} is not an eSIM Desk database")]
    NotOurs { path: PathBuf },
    #[error("an order with client reference '{0}' is already in the journal")]
    DuplicateReference(String),
    #[error("{0} not found")]
    NotFound(String),
    #[error(transparent)]
    IllegalTransition(#[from] IllegalTransition),
    #[error("nothing left in stock for offering '{offering_code}'")]
    OutOfStock { offering_code: String },
    #[error("stock item {id} was already issued")]
    AlreadyIssued { id: i64 },
    #[error("ICCID {0} is already in stock")]
    DuplicateStock(String),
    /// Input the store refuses before writing anything.
    #[error("{0}")]
    Invalid(String),
    /// Something stored cannot be read back (a damaged or hand-edited database).
    #[error("the database holds unreadable data: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Money(#[from] MoneyError),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("no application data directory is known on this system; set ESIMDESK_DATA_DIR")]
    NoDataDir,
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database upgrade failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
}

impl StoreError {
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        StoreError::Io {
            context: context.into(),
            source,
        }
    }

    pub(crate) fn corrupt(what: impl Into<String>) -> Self {
        StoreError::Corrupt(what.into())
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
