//! Simulator of Truphone Connect API v2, now 1GLOBAL Connect (contract: truphone.md), served
//! under `/truphone` — the real API's `https://services.truphone.com` on loopback: the API at
//! `/truphone/connect-api` (its base URL) and the token endpoint beside it, where a client
//! derives it by replacing the base URL's last segment `connect-api` (§1, §2).
//!
//! | method and path | what | reference |
//! |---|---|---|
//! | `POST /truphone/auth/realms/tru-staff/protocol/openid-connect/token` | OAuth2 token (client credentials, refresh) | §2, open point 3 |
//! | `GET /truphone/connect-api/v2/products`, `GET …/v2/products/{id}` | catalogue, paged | §4, open points 2, 8 |
//! | `POST …/v2/orders` | activation or top-up order, `201`, never idempotent | §5, open points 4, 5 |
//! | `GET …/v2/orders/{id}` | the order (polling read) | §6, open points 6, 10 |
//! | `GET …/v2/sims/{iccid}` | the SIM, `_lpa` with `LPA:` | §8.1, open point 10 |
//! | `GET …/v2/subscriptions?iccid=&email=&product-id=&after=&before=` | subscriptions, balances in bytes | §8.2, open points 4, 9 |
//! | `GET …/v2/subscriptions/{id}`, `POST …/v2/subscriptions/{id}/activate` | one; start a pending plan | §8.2 |
//! | `GET /truphone/qrcode/v1/esim/{code}` | public QR image of the `_qrcode` links | §7 |
//!
//! Every API call needs `Authorization: Bearer <access token>` (`401 UNAUTHORISED` otherwise,
//! before anything else) and `X-Correlation-ID` (§1: "we require"). The reference documents no
//! error for a missing correlation id, so it is `400 INVALID_REQUEST_PARAMS` — the request
//! parses, but a required field is missing (§9). The id is recorded in the request log and on
//! the order it created; it is not checked for uniqueness (no idempotency, open point 4).
//!
//! There is no cancel or terminate endpoint (open point 1): a guess at one is `404 NOT_FOUND`,
//! or `405` for a known path with another method. Errors have the §9 shape ([`error`]). The
//! platform's per-minute rate limit is not published (open point 12): inject a `429` with a
//! fault; every fault kind works on these routes, `dropAfterCommit` on order creation (and on
//! activating a plan).

pub mod admin;
pub mod admin_http;
pub mod auth;
pub mod config;
pub mod error;
pub mod lifecycle;
pub mod listing;
pub mod model;
pub mod orders;
pub mod products;
pub mod sims;
pub mod state;
pub mod views;

use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::extract::{OriginalUri, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::admin::RequestRecord;
use crate::app::{AppState, lock};
use crate::catalogue::Catalogue;
use crate::config::SandboxConfig;
use crate::faults::{self, ErrorBody};
pub use config::{TruphoneConfig, TruphoneFulfilment, TruphoneOutcome};
use error::TruphoneError;
pub use model::TruphoneSimStatus;
use products::Products;
use state::{Settings, Truphone};

/// The provider's id (`esimdesk providers add truphone`).
pub const ID: &str = "truphone";

/// Path prefix of the simulated API: its base URL (`https://services.truphone.com/connect-api`).
pub const PREFIX: &str = "/truphone/connect-api";

/// The token endpoint, the API base with `connect-api` replaced (§2).
pub const TOKEN_PATH: &str = "/truphone/auth/realms/tru-staff/protocol/openid-connect/token";

/// Where the public QR images of activation codes are served.
pub const QR_PATH: &str = "/truphone/qrcode/v1/esim";

/// The SM-DP+ of every Truphone activation code: "always `rsp.truphone.com`" (§6, §7).
pub const SMDP_ADDRESS: &str = "rsp.truphone.com";

/// The header every API call must carry (§1).
pub const CORRELATION_HEADER: &str = "x-correlation-id";

/// What the Truphone handlers are given: the shared services and this simulator.
pub type Ctx = crate::app::Ctx<Sim>;

/// The Truphone Connect simulator: its OAuth2 client, its products (fixed for the run) and its
/// state behind its own lock.
#[derive(Debug)]
pub struct Sim {
    client_id: String,
    client_secret: String,
    /// `"<client id>\n<client secret>\n"`, what `esimdesk providers add truphone` reads.
    credential: String,
    products: Arc<Products>,
    state: Mutex<Truphone>,
}

impl Sim {
    pub fn new(config: &SandboxConfig, catalogue: &Catalogue) -> Self {
        let t = &config.truphone;
        let products = Arc::new(Products::generate(config.seed, catalogue));
        let settings = Settings::new(t, config.auto_usage, config.seed);
        Self {
            client_id: t.client_id.clone(),
            client_secret: t.client_secret.clone(),
            credential: format!("{}\n{}\n", t.client_id, t.client_secret),
            state: Mutex::new(Truphone::new(settings, Arc::clone(&products))),
            products,
        }
    }

    pub fn lock(&self) -> MutexGuard<'_, Truphone> {
        lock(&self.state)
    }

    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    pub fn client_secret(&self) -> &str {
        &self.client_secret
    }

    /// The products, read without the state's lock (they never change during a run).
    pub fn products(&self) -> &Products {
        &self.products
    }
}

impl crate::providers::Simulator for Sim {
    fn id(&self) -> &'static str {
        ID
    }

    /// The API's base URL path; the token endpoint ([`TOKEN_PATH`]) sits beside it under
    /// `/truphone`, where a client derives it from the base URL.
    fn prefix(&self) -> &'static str {
        PREFIX
    }

    /// Two secrets, one a line: the client id, then the client secret.
    fn credential(&self) -> &str {
        &self.credential
    }

    fn line_fields(&self) -> Map<String, Value> {
        let mut fields = Map::new();
        fields.insert("client_id".to_owned(), Value::from(self.client_id.clone()));
        fields.insert(
            "client_secret".to_owned(),
            Value::from(self.client_secret.clone()),
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
            tracing::warn!(error = %e, "Truphone lifecycle could not be brought up to date");
        }
        admin::TruphoneAdmin::summary(&st, now)
    }

    fn reset(&self) {
        self.lock().reset();
    }
}

/// Truphone's part of the configuration.
pub fn check_config(config: &SandboxConfig) -> Result<(), String> {
    let t = &config.truphone;
    // The credential is two lines and the id travels in HTTP Basic: no line breaks, no `:`.
    if t.client_id.trim().is_empty() || t.client_id.contains([':', '\n', '\r']) {
        return Err("the Truphone client id is empty or has a ':' or a line break".to_owned());
    }
    if t.client_secret.trim().is_empty() || t.client_secret.contains(['\n', '\r']) {
        return Err("the Truphone client secret is empty or has a line break".to_owned());
    }
    if t.token_lifetime.as_secs() == 0 || t.refresh_token_lifetime.as_secs() == 0 {
        return Err("Truphone token lifetimes are at least one second".to_owned());
    }
    Ok(())
}

/// The `X-Correlation-ID` of a request, if it sent a non-blank one.
pub fn correlation_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get(CORRELATION_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// The API under [`PREFIX`] (bearer token, correlation id, request log and faults in front),
/// the token endpoint and the QR images (request log and faults only).
fn router(ctx: Ctx) -> Router<AppState> {
    let api = Router::new()
        .route("/v2/products", get(products::list))
        .route("/v2/products/{id}", get(products::one))
        .route("/v2/orders", post(orders::create))
        .route("/v2/orders/{id}", get(orders::one))
        .route("/v2/sims/{iccid}", get(sims::sim))
        .route("/v2/subscriptions", get(sims::list))
        .route("/v2/subscriptions/{id}", get(sims::one))
        .route("/v2/subscriptions/{id}/activate", post(sims::activate))
        .fallback(no_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(ctx.clone(), api_gate))
        .with_state(ctx.clone());
    let token = Router::new()
        .route(TOKEN_PATH, post(auth::token))
        .layer(middleware::from_fn_with_state(ctx.clone(), token_gate))
        .with_state(ctx.clone());
    let qr = Router::new()
        .route(&format!("{QR_PATH}/{{code}}"), get(sims::qr_code))
        .layer(middleware::from_fn_with_state(ctx.clone(), public_gate))
        .with_state(ctx);
    Router::new().nest(PREFIX, api).merge(token).merge(qr)
}

/// A `404` for any path the simulated API does not have — a cancel endpoint among them.
async fn no_route() -> TruphoneError {
    TruphoneError::new(StatusCode::NOT_FOUND, "Not Found")
}

/// A `405` for a known path with another method (e.g. `DELETE /v2/orders/{id}`).
async fn method_not_allowed() -> TruphoneError {
    TruphoneError::new(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
}

/// The error body of a status the sandbox answers for the Truphone API (an injected fault).
fn error_body(status: StatusCode, message: &str) -> Response {
    TruphoneError::new(status, message).into_response()
}

/// Records a request in the shared log; returns its sequence number.
fn log_request(app: &Ctx, req: &Request) -> u64 {
    let (path, query) = req.extensions().get::<OriginalUri>().map_or_else(
        || (req.uri().path().to_owned(), req.uri().query()),
        |u| (u.path().to_owned(), u.query()),
    );
    lock(&app.requests).start(RequestRecord {
        provider: ID.to_owned(),
        method: req.method().as_str().to_owned(),
        path,
        query: query.unwrap_or("").to_owned(),
        correlation_id: correlation_id(req.headers()),
        ..RequestRecord::default()
    })
}

/// Logs, then runs the request through the faults (or answers `refusal`), then notes the
/// status (not reached when a fault drops the connection: the log keeps `status: None`).
async fn gated(
    app: &Ctx,
    req: Request,
    next: Next,
    refusal: Option<Response>,
    error_body: ErrorBody,
) -> Response {
    let seq = log_request(app, &req);
    let response = match refusal {
        Some(refusal) => refusal,
        None => faults::run(&app.shared, req, next, None, error_body).await,
    };
    lock(&app.requests).finish(seq, response.status().as_u16());
    response
}

/// API calls: a live bearer token (`401` before anything else), then `X-Correlation-ID`.
async fn api_gate(State(app): State<Ctx>, req: Request, next: Next) -> Response {
    let now = app.clock.now();
    let authorised =
        auth::bearer(req.headers()).is_some_and(|t| app.sim.lock().tokens.is_live(t, now));
    let refusal = if !authorised {
        Some(TruphoneError::unauthorised().into_response())
    } else if correlation_id(req.headers()).is_none() {
        Some(
            TruphoneError::params("The X-Correlation-ID header is required on every request")
                .into_response(),
        )
    } else {
        None
    };
    gated(&app, req, next, refusal, error_body).await
}

/// The token endpoint checks its own client credentials; faults answer in the OAuth2 shape.
async fn token_gate(State(app): State<Ctx>, req: Request, next: Next) -> Response {
    gated(&app, req, next, None, auth::oauth_error_body).await
}

/// Public URLs (QR images): no token, no correlation id.
async fn public_gate(State(app): State<Ctx>, req: Request, next: Next) -> Response {
    gated(&app, req, next, None, error_body).await
}
