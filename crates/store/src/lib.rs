//! eSIM Desk's local store: one SQLite database file holding everything that works offline —
//! provider accounts (never their secrets), cached catalogues and their search index, markup
//! rules, the purchase journal, eSIMs and customers, stock, and the audit log.
//!
//! [`Store`] is synchronous and `Send + Sync` (one connection behind a mutex); callers on an
//! async runtime run it on a blocking thread. Each area lives in its own module, each adding
//! methods to [`Store`].
//!
//! # Where provider keys live
//!
//! Not here: API keys live only in the operating system's keychain ([`keychain::Keychain`]),
//! service `esim-desk`, one entry per provider account whose user name is the account id
//! (`esimgo`, `esimgo:agency-2`). That is the Secret Service on Linux (GNOME Keyring, KWallet…),
//! the login keychain on macOS and the Credential Manager on Windows. The database records only
//! which accounts exist. Where no keychain is usable, [`keychain::Keychain::status`] and every
//! call say so, and keys are not stored at all: there is no plain-text fallback.

mod accounts;
mod audit;
mod catalogue;
mod columns;
mod customers;
mod error;
mod esims;
mod folding;
mod journal;
pub mod keychain;
mod maintenance;
mod markup;
mod names;
mod rates;
mod retail;
mod schema;
mod search;
mod settings;
mod settle;
mod stock;
mod store;

pub use accounts::ProviderAccount;
pub use audit::AuditEntry;
pub use catalogue::CatalogueFreshness;
pub use error::{Result, StoreError};
pub use esims::{EsimSummary, StoredEsim};
pub use journal::{JournaledOrder, OrderEvent, StateChange};
pub use keychain::{Keychain, KeychainError, KeychainStatus};
pub use names::{Destination, DestinationKind};
pub use schema::{APPLICATION_ID, supported_version};
pub use search::{SearchHit, SearchQuery, SearchSort};
pub use settings::DeskSettings;
pub use settle::{Answer, AnsweredEsim};
pub use stock::{NewStockItem, StockItem, StockSync};
pub use store::{DATA_DIR_ENV, DB_FILE_NAME, Store};
