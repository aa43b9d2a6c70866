//! The registry of simulated providers, and what each must offer the rest of the sandbox.
//!
//! A simulator is a private module (`esimgo/`, `telness/`, `truphone/`, `itt/`) that owns its routes, its state
//! behind its own lock, its credential, its admin routes and its line in
//! [`crate::SandboxHandle::provider_lines`]. The server, the admin API and the binary only
//! iterate over [`Providers::all`]; adding a provider means a new module, a field here and a
//! line in [`Providers::new`], [`Providers::all`] and [`check_config`] — nothing in the other
//! simulators.

use std::fmt;
use std::sync::Arc;

use axum::Router;
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::app::AppState;
use crate::catalogue::Catalogue;
use crate::config::SandboxConfig;
use crate::error::SandboxError;
use crate::{esimgo, itt, telness, truphone};

/// One simulated provider API, as the server, the admin API and the binary see it.
pub trait Simulator: Send + Sync + fmt::Debug {
    /// The provider's id as the desk names it (`esimdesk providers add <id>`).
    fn id(&self) -> &'static str;

    /// Path prefix of its API on the sandbox server, e.g. `/v2.4`: with the server's origin,
    /// the base URL a client is given. (A provider may also serve a sibling path the client
    /// derives from that base, as Truphone's token endpoint.)
    fn prefix(&self) -> &'static str;

    /// The exact text `esimdesk providers add <id>` reads on standard input for this provider.
    fn credential(&self) -> &str;

    /// The demo credential fields of its provider line (e.g. `api_key`), beside the common
    /// `provider`, `base_url`, `credential`, `admin_url` and `admin_token`.
    fn line_fields(&self) -> Map<String, Value>;

    /// Its API routes, already under [`Simulator::prefix`], with its own gate (credential,
    /// request log, faults) in front.
    fn api_router(self: Arc<Self>, shared: AppState) -> Router<AppState>;

    /// Its admin routes, mounted under `/_admin/<id>` behind the admin token.
    fn admin_router(self: Arc<Self>) -> Router<AppState>;

    /// Its part of `GET /_admin/state`.
    fn summary(&self, now: OffsetDateTime) -> Value;

    /// Back to the state right after start (the configured settings).
    fn reset(&self);
}

/// Every simulated provider of one sandbox run, each behind its own lock.
#[derive(Debug)]
pub struct Providers {
    pub esimgo: Arc<esimgo::Sim>,
    pub telness: Arc<telness::Sim>,
    pub truphone: Arc<truphone::Sim>,
    pub itt: Arc<itt::Sim>,
}

impl Providers {
    pub fn new(config: &SandboxConfig, catalogue: Arc<Catalogue>) -> Self {
        Self {
            esimgo: Arc::new(esimgo::Sim::new(config, Arc::clone(&catalogue))),
            telness: Arc::new(telness::Sim::new(config, &catalogue)),
            truphone: Arc::new(truphone::Sim::new(config, &catalogue)),
            itt: Arc::new(itt::Sim::new(config, &catalogue)),
        }
    }

    /// All of them, in the order the binary prints their lines.
    pub fn all(&self) -> Vec<Arc<dyn Simulator>> {
        vec![
            Arc::clone(&self.esimgo) as Arc<dyn Simulator>,
            Arc::clone(&self.telness) as Arc<dyn Simulator>,
            Arc::clone(&self.truphone) as Arc<dyn Simulator>,
            Arc::clone(&self.itt) as Arc<dyn Simulator>,
        ]
    }

    /// The provider with this id.
    pub fn find(&self, id: &str) -> Option<Arc<dyn Simulator>> {
        self.all().into_iter().find(|p| p.id() == id)
    }
}

/// Each provider's checks of its part of the configuration.
pub fn check_config(config: &SandboxConfig) -> Result<(), SandboxError> {
    esimgo::check_config(config).map_err(SandboxError::Config)?;
    telness::check_config(config).map_err(SandboxError::Config)?;
    truphone::check_config(config).map_err(SandboxError::Config)?;
    itt::check_config(config).map_err(SandboxError::Config)?;
    Ok(())
}
