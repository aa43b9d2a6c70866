//! Simulator of the ITT eSIM API 1.0.0, InnoTravelTech (contract: itt.md), served under `/itt`
//! — the real `https://serviceapi.innotraveltech.com` on loopback, so the base URL is
//! `http://127.0.0.1:PORT/itt` and the paths are the reference's `/esim/…` (§1, open point 2).
//!
//! | path (every one `POST` with a JSON body) | what | reference |
//! |---|---|---|
//! | `/itt/esim/search` | packages by `eSim.country_code` / `region_type`; search `tracking_id` (15 chars, expires) | §4 |
//! | `/itt/esim/single-esim-package` | confirmed price; the booking tracking id (22 chars) | §5, open point 9 |
//! | `/itt/esim/update-travellers` | travellers on the booking tracking id | §6 (path assumed) |
//! | `/itt/esim/create-booking` | the booking, charged to the partner credit; once per tracking id | §7, open points 5, 15 |
//! | `/itt/esim/booking-details` | status, travellers, `esims[]`; by booking id or tracking id | §8 (path assumed) |
//! | `/itt/esim/installation-instructions` | steps in `en` / `es`, activation code | §9 (path assumed) |
//! | `/itt/esim/compatible-devices` | devices | §10 (path assumed) |
//! | `/itt/esim/data-usage` | MB used and left | §11 (path assumed) |
//! | `/itt/esim/topup-packages`, `/itt/esim/create-topup-booking`, `/itt/esim/topup-history` | top-ups | §12 (paths assumed) |
//! | `/itt/esim/register-webhook` | acknowledgement only | §13 (path assumed) |
//!
//! Every call needs both headers `apikey` and `secretecode` (`401 {"status": "failed",
//! "reason": "Invalid API credentials"}` otherwise, before anything else), and most bodies the
//! partner's `member_id` (string or number, §2). Errors follow §14 ([`error`]): `400` missing
//! field or bad JSON, `404` unknown or expired id, `200` with `status: "failed"` for a business
//! refusal (insufficient balance), `500`. Prices are decimal strings in BDT (open point 14),
//! data in MB of 1024.
//!
//! There is no cancel operation (open point 13): a guess at one is `404`, another method on a
//! known path `405`. Every fault kind works on these routes; `dropAfterCommit` fires on
//! create-booking and create-topup-booking (and update-travellers), and never on a repeated
//! create-booking, which commits nothing.

pub mod admin;
pub mod admin_http;
pub mod bookings;
pub mod config;
pub mod error;
pub mod esims;
pub mod instructions;
pub mod lifecycle;
pub mod model;
pub mod packages;
pub mod search;
pub mod state;
pub mod views;

use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::extract::{OriginalUri, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::admin::RequestRecord;
use crate::app::{AppState, lock};
use crate::catalogue::Catalogue;
use crate::config::SandboxConfig;
use crate::faults;
pub use config::{IttConfig, IttFulfilment, IttOutcome};
use error::IttError;
use packages::Packages;
use state::{Itt, Settings};

/// The provider's id (`esimdesk providers add itt`).
pub const ID: &str = "itt";

/// Path prefix of the simulated API: its base URL.
pub const PREFIX: &str = "/itt";

/// The SM-DP+ of every activation code (the reference's example, §8).
pub const SMDP_ADDRESS: &str = "rsp.sandbox-itt.example.com";

/// Where the (never served) QR image links of booking details point.
const QR_URL_BASE: &str = "https://sandbox-itt.example.com/qr";

/// What the ITT handlers are given: the shared services and this simulator.
pub type Ctx = crate::app::Ctx<Sim>;

/// `LPA:1$rsp.sandbox-itt.example.com$<matching id>`.
pub fn activation_code(matching_id: &str) -> String {
    format!("LPA:1${SMDP_ADDRESS}${matching_id}")
}

/// The `qrcode_url` of one eSIM of a booking.
pub fn qrcode_url(booking_id: &str, iccid: &str) -> String {
    format!("{QR_URL_BASE}/{booking_id}-{iccid}.png")
}

/// The ITT simulator: its partner account, its packages (fixed for the run) and its state
/// behind its own lock.
#[derive(Debug)]
pub struct Sim {
    api_key: String,
    secret_code: String,
    member_id: String,
    /// `"<api key>\n<secret code>\n<member id>\n"`, what `esimdesk providers add itt` reads.
    credential: String,
    packages: Arc<Packages>,
    state: Mutex<Itt>,
}

impl Sim {
    pub fn new(config: &SandboxConfig, catalogue: &Catalogue) -> Self {
        let c = &config.itt;
        let packages = Arc::new(Packages::generate(catalogue));
        let settings = Settings::new(c, config.auto_usage, config.seed);
        Self {
            api_key: c.api_key.clone(),
            secret_code: c.secret_code.clone(),
            member_id: c.member_id.clone(),
            credential: format!("{}\n{}\n{}\n", c.api_key, c.secret_code, c.member_id),
            state: Mutex::new(Itt::new(settings, Arc::clone(&packages))),
            packages,
        }
    }

    pub fn lock(&self) -> MutexGuard<'_, Itt> {
        lock(&self.state)
    }

    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    pub fn secret_code(&self) -> &str {
        &self.secret_code
    }

    pub fn member_id(&self) -> &str {
        &self.member_id
    }

    /// The packages, read without the state's lock (they never change during a run).
    pub fn packages(&self) -> &Packages {
        &self.packages
    }

    /// Both credential headers present and right.
    fn authorised(&self, headers: &HeaderMap) -> bool {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        header("apikey") == Some(self.api_key.as_str())
            && header("secretecode") == Some(self.secret_code.as_str())
    }
}

impl crate::providers::Simulator for Sim {
    fn id(&self) -> &'static str {
        ID
    }

    fn prefix(&self) -> &'static str {
        PREFIX
    }

    /// Three lines: the API key, the secret code, the member id.
    fn credential(&self) -> &str {
        &self.credential
    }

    fn line_fields(&self) -> Map<String, Value> {
        let mut fields = Map::new();
        fields.insert("api_key".to_owned(), Value::from(self.api_key.clone()));
        fields.insert(
            "secret_code".to_owned(),
            Value::from(self.secret_code.clone()),
        );
        fields.insert("member_id".to_owned(), Value::from(self.member_id.clone()));
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
            tracing::warn!(error = %e, "ITT lifecycle could not be brought up to date");
        }
        admin::IttAdmin::summary(&st, now)
    }

    fn reset(&self) {
        self.lock().reset();
    }
}

/// ITT's part of the configuration.
pub fn check_config(config: &SandboxConfig) -> Result<(), String> {
    let c = &config.itt;
    // The credential is three lines, and the first two travel as header values.
    for (name, value) in [
        ("API key", &c.api_key),
        ("secret code", &c.secret_code),
        ("member id", &c.member_id),
    ] {
        if value.trim().is_empty() || value.trim() != value {
            return Err(format!(
                "the ITT {name} is empty or has surrounding white space"
            ));
        }
        if !value.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(format!(
                "the ITT {name} must be printable ASCII without spaces"
            ));
        }
    }
    if c.search_lifetime.as_secs() == 0 {
        return Err("the ITT search lifetime is at least one second".to_owned());
    }
    if c.balance < 0 {
        return Err("the ITT opening balance is negative".to_owned());
    }
    Ok(())
}

/// The API under [`PREFIX`], credentials, request log and faults in front.
fn router(ctx: Ctx) -> Router<AppState> {
    let api = Router::new()
        .route("/esim/search", post(search::search))
        .route("/esim/single-esim-package", post(search::single_package))
        .route("/esim/update-travellers", post(bookings::update_travellers))
        .route("/esim/create-booking", post(bookings::create_booking))
        .route("/esim/booking-details", post(bookings::booking_details))
        .route(
            "/esim/installation-instructions",
            post(esims::installation_instructions),
        )
        .route("/esim/compatible-devices", post(esims::compatible_devices))
        .route("/esim/data-usage", post(esims::data_usage))
        .route("/esim/topup-packages", post(esims::topup_packages))
        .route(
            "/esim/create-topup-booking",
            post(esims::create_topup_booking),
        )
        .route("/esim/topup-history", post(esims::topup_history))
        .route("/esim/register-webhook", post(esims::register_webhook))
        .fallback(no_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(ctx.clone(), gate))
        .with_state(ctx);
    Router::new().nest(PREFIX, api)
}

/// A `404` for any path the simulated API does not have — a cancel endpoint among them.
async fn no_route() -> IttError {
    IttError::not_found("Not Found")
}

/// A `405` for a known path with another method: every operation is a `POST` (§1).
async fn method_not_allowed() -> IttError {
    IttError::new(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
}

/// The error body of a status the sandbox answers for ITT (an injected fault).
fn error_body(status: StatusCode, message: &str) -> Response {
    IttError::new(status, message).into_response()
}

/// Logs the request, checks `apikey` and `secretecode` (`401` before anything else), then runs
/// it through the injected faults.
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
        ..RequestRecord::default()
    });
    let response = if app.sim.authorised(req.headers()) {
        faults::run(&app.shared, req, next, None, error_body).await
    } else {
        IttError::credentials().into_response()
    };
    // Not reached when a fault drops the connection: the log keeps `status: None`.
    lock(&app.requests).finish(seq, response.status().as_u16());
    response
}
