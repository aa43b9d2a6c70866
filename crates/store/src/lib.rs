//! eSIM Desk's local store: one SQLite database file holding everything that works offline —
//! provider accounts (never their secrets), cached catalogues and their search index, markup
//! rules, the purchase journal, eSIMs and customers, stock, and the audit log.
//!
//! [`Store`] is synchronous and `Send + Sync` (one connection behind a mutex); callers on an
//! async runtime run it on a blocking thread. Each area lives in its own module, each adding
//! methods to [`Store`].

mod accounts;
mod audit;
mod catalogue;
mod customers;
mod error;
mod esims;
mod journal;
mod maintenance;
mod markup;
mod names;
mod schema;
mod search;
mod settings;
mod stock;
mod store;
mod util;

pub use accounts::ProviderAccount;
pub use audit::AuditEntry;
pub use catalogue::CatalogueFreshness;
pub use error::{Result, StoreError};
pub use esims::{EsimSummary, StoredEsim};
pub use journal::{JournaledOrder, OrderEvent, StateChange};
pub use markup::{MarkupRule, MarkupScope};
pub use names::{Destination, DestinationKind};
pub use schema::{APPLICATION_ID, supported_version};
pub use search::{SearchHit, SearchQuery, SearchSort};
pub use settings::DeskSettings;
pub use stock::{NewStockItem, StockItem, StockSync};
pub use store::{DATA_DIR_ENV, DB_FILE_NAME, Store};
