//! What the faces see: the window (through IPC) and the CLI (`--json`). These types are owned
//! by `app` and mapped here from store rows and core entities, so that renaming a database
//! column or reshaping a domain type never changes the window's contract or a script's JSON.
//!
//! One casing on the wire: field names are camelCase (`#[serde(rename_all = "camelCase")]`),
//! checked over every generated binding by `cargo xtask test`. Enum values keep their stable
//! names (`"needs_person"`), the same ones the journal stores.

mod catalogue;
mod esims;
mod orders;
mod settings;

pub use catalogue::{
    CatalogueFreshness, Destination, DestinationKind, OfferingView, SearchHit, SearchSort,
};
pub use esims::{EsimSummary, EsimView, PackageView, UsageReading};
pub use orders::{CustomerView, JournaledOrder, OrderLineView, OrderView};
pub use settings::{DeskSettings, ProviderAccount};
