//! `#[tauri::command]`s: a few lines each, calling `esimdesk-app`. Arguments arrive in camelCase
//! (Tauri's default); every error crosses as an `ErrorPayload`.
//!
//! Events: `sync-progress` (`SyncProgress`), `checkout-progress` (`CheckoutProgress`, also for
//! top-ups), `orders-reconciled` (`Reconciled[]`, after start-up reconciliation settled some).

pub mod accounts;
pub mod app;
pub mod catalogue;
pub mod codes;
pub mod esims;
pub mod sales;
pub mod settings;

pub const SYNC_PROGRESS: &str = "sync-progress";
pub const CHECKOUT_PROGRESS: &str = "checkout-progress";
pub const ORDERS_RECONCILED: &str = "orders-reconciled";
