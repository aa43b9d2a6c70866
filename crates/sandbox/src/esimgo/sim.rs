//! The eSIM Go simulator as the registry sees it ([`Simulator`]): its key, its state behind its
//! own lock, its routes, admin routes and summary.

use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::state::{self, EsimGo, Settings};
use super::{Ctx, ID, PREFIX, admin, router};
use crate::app::{AppState, lock};
use crate::catalogue::Catalogue;
use crate::config::SandboxConfig;
use crate::money::Major;
use crate::providers::Simulator;

/// The eSIM Go simulator: its API key and its state behind its own lock.
#[derive(Debug)]
pub struct Sim {
    api_key: String,
    state: Mutex<EsimGo>,
}

impl Sim {
    pub fn new(config: &SandboxConfig, catalogue: Arc<Catalogue>) -> Self {
        let settings = Settings {
            api_key: config.esimgo_api_key.clone(),
            smdp_address: config.smdp_address.clone(),
            initial_balance_cents: config.initial_balance_cents,
            processing_delay: config.processing_delay,
            lapse_after: config.lapse_after,
            auto_usage: config.auto_usage,
            seed: config.seed,
        };
        Self {
            api_key: config.esimgo_api_key.clone(),
            state: Mutex::new(EsimGo::new(settings, catalogue)),
        }
    }

    pub fn lock(&self) -> MutexGuard<'_, EsimGo> {
        lock(&self.state)
    }

    pub fn api_key(&self) -> &str {
        &self.api_key
    }
}

impl Simulator for Sim {
    fn id(&self) -> &'static str {
        ID
    }

    fn prefix(&self) -> &'static str {
        PREFIX
    }

    /// eSIM Go has one credential: the API key sent as `X-API-Key`.
    fn credential(&self) -> &str {
        &self.api_key
    }

    fn line_fields(&self) -> Map<String, Value> {
        let mut fields = Map::new();
        fields.insert("api_key".to_owned(), Value::from(self.api_key.clone()));
        fields
    }

    fn api_router(self: Arc<Self>, shared: AppState) -> Router<AppState> {
        router(Ctx { shared, sim: self })
    }

    fn admin_router(self: Arc<Self>) -> Router<AppState> {
        admin::router()
    }

    fn summary(&self, _now: OffsetDateTime) -> Value {
        let st = self.lock();
        json!({
            "balance": Major(st.balance_cents),
            "currency": state::CURRENCY,
            "catalogueSize": st.catalogue.len(),
            "orders": st.orders.len(),
            "esims": st.esims.len(),
            "assignments": st.assignments.len(),
            "inventoryItems": st.inventory.len(),
        })
    }

    fn reset(&self) {
        self.lock().reset();
    }
}

/// eSIM Go's part of the configuration: a key to accept and an SM-DP+ address that makes
/// activation codes our own parser accepts.
pub fn check_config(config: &SandboxConfig) -> Result<(), String> {
    if config.esimgo_api_key.trim().is_empty() {
        return Err("the eSIM Go API key is empty".to_owned());
    }
    esimdesk_core::ActivationCode::new(&config.smdp_address, "TEST", None, false)
        .map_err(|e| format!("SM-DP+ address {:?}: {e}", config.smdp_address))?;
    Ok(())
}
