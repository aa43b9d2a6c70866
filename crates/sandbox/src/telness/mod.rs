//! Simulator of Telness Connect API v2, Travel eSIM (contract: telness.md), served under
//! `/telness/api/v2` — the real API's `https://connect.telnesstech.com/api/v2` on loopback.
//!
//! | method and path | what | reference |
//! |---|---|---|
//! | `GET /product-offerings`, `GET /products/offerings` | offerings, filtered | §4.1, open points 1–5 |
//! | `GET /product-offerings/{id}` | one offering | §4.2 |
//! | `POST /orders` | create an order (cart) | §5 |
//! | `GET /orders/{id}` | the order (polling read) | §5.5 |
//! | `POST /orders/{id}/line-items` | add one line | §5.2 |
//! | `POST /orders/{id}/calculate-price` | price it | §6 |
//! | `POST /orders/{id}/submit` | submit with `externalPayment` | §8.1 |
//! | `POST /orders/{id}/cancel` | cancel before completion | §8.4 |
//! | `GET /subscriptions/{id}` | subscription with `addons[]` | §9.1 |
//! | `GET /subscriptions/{id}/esim/qrcode` | activation code | §9.3 |
//! | `GET /subscriptions/{id}/usage`, `GET /subscriptions/usage?subscriptionId=…` | usage | §9.4 |
//! | `POST /subscriptions/{id}/cancel` | cancel | §9.5 |
//!
//! A subscription's `referenceId` (its `rid_` address) cannot be set through an order — the
//! reference documents no such line field, so one is refused — and is given through the admin
//! API instead ([`admin::TelnessAdmin::set_reference`]).
//!
//! Every request needs `X-API-Key` (`401` otherwise). Every POST takes `X-Idempotency-Key`
//! ([`idempotency`]). Errors have the §11 shape ([`error`]). Payment sessions are not
//! simulated (the desk takes external payment), nor is the platform's rate limit (undocumented,
//! open point 13: inject a `429` with a fault instead).

pub mod admin;
pub mod admin_http;
pub mod checkout;
pub mod config;
pub mod error;
pub mod idempotency;
pub mod lifecycle;
pub mod listing;
pub mod model;
pub mod offerings;
pub mod orders;
pub mod state;
pub mod subscriptions;
pub mod views;
pub mod wire;

use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::{OriginalUri, Request, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::admin::RequestRecord;
use crate::app::{AppState, lock};
use crate::catalogue::Catalogue;
use crate::config::SandboxConfig;
use crate::faults::{self, Committed};
use crate::providers::Simulator;
pub use config::{TelnessConfig, TelnessFulfilment, TelnessOutcome};
use error::TelnessError;
use idempotency::{Fingerprint, Lookup};
use offerings::Offerings;
use state::{Settings, Telness};

/// The provider's id (`esimdesk providers add telness`).
pub const ID: &str = "telness";

/// Path prefix of the simulated API.
pub const PREFIX: &str = "/telness/api/v2";

/// What the Telness handlers are given: the shared services and this simulator.
pub type Ctx = crate::app::Ctx<Sim>;

/// The Telness Connect simulator: its key, its offerings (fixed for the run) and its state
/// behind its own lock.
#[derive(Debug)]
pub struct Sim {
    api_key: String,
    customer_id: String,
    offerings: Arc<Offerings>,
    state: Mutex<Telness>,
}

impl Sim {
    pub fn new(config: &SandboxConfig, catalogue: &Catalogue) -> Self {
        let offerings = Arc::new(Offerings::generate(config.seed, catalogue));
        let settings = Settings {
            customer_id: config.telness.customer_id.clone(),
            smdp_address: config.telness.smdp_address.clone(),
            auto_usage: config.auto_usage,
            seed: config.seed,
            fulfilment: config.telness.fulfilment(),
        };
        Self {
            api_key: config.telness.api_key.clone(),
            customer_id: config.telness.customer_id.clone(),
            state: Mutex::new(Telness::new(settings, Arc::clone(&offerings))),
            offerings,
        }
    }

    pub fn lock(&self) -> MutexGuard<'_, Telness> {
        lock(&self.state)
    }

    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    pub fn customer_id(&self) -> &str {
        &self.customer_id
    }

    /// The offerings, read without the state's lock (they never change during a run).
    pub fn offerings(&self) -> &Offerings {
        &self.offerings
    }
}

impl Simulator for Sim {
    fn id(&self) -> &'static str {
        ID
    }

    fn prefix(&self) -> &'static str {
        PREFIX
    }

    /// Telness has a single credential: the static key sent as `X-API-Key` (§1).
    fn credential(&self) -> &str {
        &self.api_key
    }

    fn line_fields(&self) -> Map<String, Value> {
        let mut fields = Map::new();
        fields.insert("api_key".to_owned(), Value::from(self.api_key.clone()));
        fields.insert(
            "customer_id".to_owned(),
            Value::from(self.customer_id.clone()),
        );
        fields
    }

    fn api_router(self: Arc<Self>, shared: AppState) -> Router<AppState> {
        router(Ctx { shared, sim: self })
    }

    fn admin_router(self: Arc<Self>) -> Router<AppState> {
        admin_http::router()
    }

    fn summary(&self, now: OffsetDateTime) -> Value {
        let mut st = self.lock();
        if let Err(e) = st.settle(now) {
            tracing::warn!(error = %e, "Telness lifecycle could not be brought up to date");
        }
        admin::TelnessAdmin::summary(&st)
    }

    fn reset(&self) {
        self.lock().reset();
    }
}

/// Telness's part of the configuration.
pub fn check_config(config: &SandboxConfig) -> Result<(), String> {
    let t = &config.telness;
    if t.api_key.trim().is_empty() {
        return Err("the Telness API key is empty".to_owned());
    }
    if t.customer_id.trim().is_empty() {
        return Err("the Telness customer id is empty".to_owned());
    }
    esimdesk_core::ActivationCode::new(&t.smdp_address, "TEST", None, false)
        .map_err(|e| format!("Telness SM-DP+ address {:?}: {e}", t.smdp_address))?;
    Ok(())
}

/// The `/telness/api/v2` router, with the API-key check, the request log and fault injection
/// in front.
fn router(ctx: Ctx) -> Router<AppState> {
    let api = Router::new()
        .route("/product-offerings", get(listing::list))
        .route("/product-offerings/{id}", get(listing::one))
        .route("/products/offerings", get(listing::list))
        .route("/orders", post(orders::create))
        .route("/orders/{id}", get(orders::one))
        .route("/orders/{id}/line-items", post(orders::add_line))
        .route("/orders/{id}/calculate-price", post(checkout::calculate))
        .route("/orders/{id}/submit", post(checkout::submit))
        .route("/orders/{id}/cancel", post(orders::cancel))
        .route("/subscriptions/usage", get(subscriptions::bulk_usage))
        .route("/subscriptions/{id}", get(subscriptions::one))
        .route(
            "/subscriptions/{id}/esim/qrcode",
            get(subscriptions::qr_code),
        )
        .route("/subscriptions/{id}/usage", get(subscriptions::usage))
        .route("/subscriptions/{id}/cancel", post(subscriptions::cancel))
        .fallback(listing::no_route)
        .layer(middleware::from_fn_with_state(ctx.clone(), gate))
        .with_state(ctx);
    Router::new().nest(PREFIX, api)
}

/// The error body of a status the sandbox answers for Telness (an injected fault).
fn error_body(status: StatusCode, message: &str) -> Response {
    TelnessError::new(status, message).into_response()
}

/// Logs the request (with its idempotency key), checks `X-API-Key` (`401` before anything
/// else), then runs it through the injected faults.
async fn gate(State(app): State<Ctx>, req: Request, next: Next) -> Response {
    let (path, query) = req.extensions().get::<OriginalUri>().map_or_else(
        || (req.uri().path().to_owned(), req.uri().query()),
        |u| (u.path().to_owned(), u.query()),
    );
    let seq = lock(&app.requests).start(RequestRecord {
        provider: ID.to_owned(),
        method: req.method().as_str().to_owned(),
        path,
        query: query.unwrap_or("").to_owned(),
        idempotency_key: idempotency::logged_key(req.headers()),
        ..RequestRecord::default()
    });
    let key_ok = req
        .headers()
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|k| k == app.sim.api_key());
    let response = if key_ok {
        faults::run(&app.shared, req, next, None, error_body).await
    } else {
        TelnessError::unauthorized().into_response()
    };
    // Not reached when a fault drops the connection: the log keeps `status: None`.
    lock(&app.requests).finish(seq, response.status().as_u16());
    response
}

/// What a mutating request answered.
#[derive(Debug)]
pub struct Done {
    status: StatusCode,
    body: Value,
    /// It changed state (the drop-after-commit fault may then swallow the answer).
    committed: bool,
}

impl Done {
    pub fn committed(status: StatusCode, body: Value) -> Self {
        Self {
            status,
            body,
            committed: true,
        }
    }

    pub fn unchanged(status: StatusCode, body: Value) -> Self {
        Self {
            status,
            body,
            committed: false,
        }
    }
}

/// Runs a mutating POST under the simulator's lock with its idempotency key: brings the
/// lifecycle up to now, answers a repeat with the first result (`409` for a different request
/// under the same key), else runs `op` and remembers a successful answer.
pub fn mutate(
    app: &Ctx,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    op: impl FnOnce(&mut Telness, OffsetDateTime) -> Result<Done, TelnessError>,
) -> Result<Response, TelnessError> {
    let key = idempotency::key_of(headers)?;
    let now = app.clock.now();
    let mut st = app.sim.lock();
    st.settle(now)?;
    let fingerprint = Fingerprint::new("POST", uri.path(), body);
    if let Some(key) = &key {
        match st.idempotency.lookup(key, &fingerprint, now) {
            Lookup::Fresh => {}
            Lookup::Replay(status, body) => {
                tracing::info!(%key, "Telness idempotent replay");
                return Ok((status, Json(body)).into_response());
            }
            Lookup::Conflict => {
                return Err(TelnessError::conflict(
                    "The idempotency key was already used with a different request",
                )
                .with_hint("Use a new X-Idempotency-Key for a different request"));
            }
        }
    }
    let done = op(&mut st, now)?;
    if let Some(key) = key {
        st.idempotency
            .remember(key, fingerprint, done.status, done.body.clone(), now);
    }
    let response = (done.status, Json(done.body));
    Ok(if done.committed {
        (Extension(Committed), response).into_response()
    } else {
        response.into_response()
    })
}
