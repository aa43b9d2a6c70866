//! Simulator of eSIM Go's API v2.4 (contract: esimgo.md), served under `/v2.4`.

pub mod admin;
pub mod assignments;
pub mod bundles;
pub mod catalogue;
pub mod esims;
pub mod inventory;
pub mod lifecycle;
pub mod model;
pub mod orders;
pub mod organisation;
pub mod sim;
pub mod state;
pub mod wire;

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, OriginalUri, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use bytes::Bytes;
use serde::de::DeserializeOwned;

use crate::admin::RequestRecord;
use crate::app::{AppState, lock};
use crate::faults;
use wire::Message;

pub use crate::faults::Committed;
pub use sim::{Sim, check_config};

/// The provider's id (`esimdesk providers add esimgo`).
pub const ID: &str = "esimgo";

/// Path prefix of the simulated API.
pub const PREFIX: &str = "/v2.4";

/// What the eSIM Go handlers are given: the shared services and this simulator.
pub type Ctx = crate::app::Ctx<Sim>;

/// Whether this is `POST /v2.4/orders`, the dry run or the purchase: the one request whose body
/// the gate reads to tell them apart (for logging and for faults limited to an order type).
pub fn is_order_post(method: &str, path: &str) -> bool {
    method.eq_ignore_ascii_case("POST")
        && path
            .strip_prefix(PREFIX)
            .is_some_and(|rest| rest == "/orders")
}

/// The error body of a status the sandbox answers for eSIM Go (an injected fault).
fn error_body(status: StatusCode, message: &str) -> Response {
    ApiError::new(status, message).into_response()
}

/// The `/v2.4` router, with API-key check, rate limit and fault injection in front.
pub(crate) fn router(ctx: Ctx) -> Router<AppState> {
    let api = Router::new()
        .route("/catalogue", get(catalogue::list))
        .route("/catalogue/bundle/{name}", get(catalogue::one))
        .route("/organisation", get(organisation::get))
        .route("/organisation/balance", post(organisation::top_up))
        .route("/organisation/groups", get(organisation::groups))
        .route("/orders", get(orders::list).post(orders::create))
        .route("/orders/{reference}", get(orders::one))
        .route("/esims", get(esims::list).put(esims::update))
        .route("/esims/apply", post(inventory::apply))
        .route("/esims/assignments", get(assignments::export))
        .route("/esims/{iccid}", get(esims::one))
        .route("/esims/{iccid}/bundles", get(bundles::list))
        .route(
            "/esims/{iccid}/bundles/{name}",
            get(bundles::one).delete(bundles::revoke_by_name),
        )
        .route(
            "/esims/{iccid}/bundles/{name}/assignments/{id}",
            delete(bundles::revoke_by_id),
        )
        .route(
            "/esims/{iccid}/bundles/{name}/applications/{id}",
            delete(bundles::revoke_by_id),
        )
        .route("/esims/{iccid}/compatible/{bundle}", get(esims::compatible))
        .route("/esims/{iccid}/history", get(esims::history))
        .route("/esims/{iccid}/location", get(esims::location))
        .route("/esims/{iccid}/refresh", get(esims::refresh))
        .route("/esims/{iccid}/sms", post(esims::sms))
        .route("/inventory", get(inventory::list))
        .route("/inventory/refund", post(inventory::refund))
        .route("/networks", get(esims::networks))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(ctx.clone(), gate))
        .with_state(ctx);
    Router::new().nest(PREFIX, api)
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "Not Found")
}

/// Logs the request (for [`crate::Admin::requests`]); then the API key (403 before anything
/// else), the rate limit, and injected faults.
async fn gate(State(app): State<Ctx>, req: Request, next: Next) -> Response {
    let method = req.method().as_str().to_owned();
    // Inside a nested router the URI lost its prefix; log the path the client sent.
    let (path, query) = req.extensions().get::<OriginalUri>().map_or_else(
        || (req.uri().path().to_owned(), req.uri().query()),
        |u| (u.path().to_owned(), u.query()),
    );
    let query = query.unwrap_or("").to_owned();
    // The dry run and the purchase share method and path: only the body tells them apart.
    let (req, order_type) = if is_order_post(&method, &path) {
        faults::read_order_type(req).await
    } else {
        (req, None)
    };
    let seq = lock(&app.requests).start(RequestRecord {
        provider: ID.to_owned(),
        method,
        path,
        query,
        order_type: order_type.clone(),
        ..RequestRecord::default()
    });
    let ip = client_addr(req.extensions()).map(|a| a.ip());
    let key = app.sim.api_key();
    let key_ok = req
        .headers()
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|k| k == key);
    let window = app.rate_check(ip, key_ok);
    let mut response = if !key_ok {
        ApiError::forbidden("Unauthorised").into_response()
    } else if let Some(retry_after) = window.retry_after {
        let mut r =
            ApiError::new(StatusCode::TOO_MANY_REQUESTS, "Rate limit exceeded").into_response();
        r.headers_mut()
            .insert("retry-after", HeaderValue::from(retry_after));
        r
    } else {
        faults::run(&app.shared, req, next, order_type.as_deref(), error_body).await
    };
    window.write_headers(response.headers_mut());
    // Not reached when a fault drops the connection: the log keeps `status: None`.
    lock(&app.requests).finish(seq, response.status().as_u16());
    response
}

pub(crate) fn client_addr(ext: &axum::http::Extensions) -> Option<SocketAddr> {
    ext.get::<ConnectInfo<SocketAddr>>().map(|c| c.0)
}

/// An error answered as `{"message": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// The documented answer to a body that does not parse or has unknown fields.
    pub fn unparsable() -> Self {
        Self::bad_request("failed to parse request body")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::warn!(status = %self.status, message = %self.message, "eSIM Go simulator error");
        }
        (
            self.status,
            Json(Message {
                message: self.message,
            }),
        )
            .into_response()
    }
}

/// A JSON body parsed strictly; any failure is `400 {"message":"failed to parse request body"}`.
#[derive(Debug)]
pub struct StrictJson<T>(pub T);

impl<S, T> FromRequest<S> for StrictJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| ApiError::unparsable())?;
        serde_json::from_slice(&bytes).map(StrictJson).map_err(|e| {
            tracing::debug!(error = %e, "rejected request body");
            ApiError::unparsable()
        })
    }
}

/// Query parameters in order, repeated names kept.
#[derive(Debug, Default)]
pub struct Params(pub Vec<(String, String)>);

impl Params {
    /// The last value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// An integer parameter in `range`, or `default` when absent.
    pub fn int(
        &self,
        name: &str,
        default: i64,
        range: std::ops::RangeInclusive<i64>,
    ) -> Result<i64, ApiError> {
        match self.get(name).map(str::trim) {
            None | Some("") => Ok(default),
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|n| range.contains(n))
                .ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "{name} must be an integer from {} to {}",
                        range.start(),
                        range.end()
                    ))
                }),
        }
    }

    /// A `true`/`false` parameter.
    pub fn bool(&self, name: &str) -> Result<bool, ApiError> {
        match self.get(name).map(|v| v.trim().to_ascii_lowercase()) {
            None => Ok(false),
            Some(v) if v.is_empty() || v == "false" => Ok(false),
            Some(v) if v == "true" => Ok(true),
            Some(_) => Err(ApiError::bad_request(format!(
                "{name} must be true or false"
            ))),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let pairs = parts
            .uri
            .query()
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Params(pairs))
    }
}

/// The caller's IP as text (for `sourceIP`).
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_addr(&parts.extensions).map_or_else(
            || "127.0.0.1".to_owned(),
            |a| a.ip().to_string(),
        )))
    }
}
