//! Truphone Connect API v2 ("1GLOBAL Connect") adapter, written against the wire reference
//! `truphone.md`. What the reference leaves open and this adapter assumes is all in
//! `assumed.rs`; the coverage zones (open point 2) are in `footprints.rs`.
//!
//! - Auth: OAuth2 client credentials (§2, `auth.rs`): a bearer token held in memory only, renewed
//!   before it expires, fetched again once when the API answers `401`.
//! - Every request carries `X-Correlation-ID` (§1): the journal's client reference on the order
//!   `POST`, a fresh UUID elsewhere, the same on every retry of one call.
//! - The catalogue is the eSIM products (§4); coverage comes from `footprint_code`.
//! - A sale is one `POST /v2/orders` (§5), sent once and never retried (no idempotency, §3): a
//!   lost reply is [`ProviderError::OutcomeUnknown`], and [`Provider::find_order`] looks for the
//!   eSIM among recent subscriptions (§8.2). Orders are fulfilled asynchronously: the app polls
//!   [`Provider::order_status`] (§6).
//! - Codes come from the order (`matching_id` + `_smdp`, or `_lpa`), else from the SIM (§7, §8.1).
//! - An eSIM is addressed by its ICCID; there is no cancel of any kind (open point 1) and no
//!   balance (none documented): [`Provider::check_credentials`] reads one product.

mod assumed;
mod auth;
mod catalogue;
mod errors;
mod footprints;
mod map;
mod orders;
mod reconcile;
mod subscriptions;
mod wire;

use std::num::NonZeroU32;
use std::time::Duration;

use async_trait::async_trait;
use esimdesk_core::{Country, Eid, Offering, ProviderKind};
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CACHE_CONTROL, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use url::Url;

use crate::capabilities::Capabilities;
use crate::error::ProviderError;
use crate::http::{Call, Failure, Http, HttpSettings, RateLimit, Reply};
use crate::provider::Provider;
use crate::{
    CancelOutcome, CancelTarget, CataloguePage, CatalogueQuery, EsimHandle, EsimUsage,
    OrderDelivery, OrderLookup, OrderMatch, OrderRequest, PageToken, PlacedOrder, TopUpCheck,
    TopUpRequest,
};
use errors::{Op, map_failure};

/// Where the live API is (§1, seed 004).
pub const DEFAULT_BASE_URL: &str = "https://services.truphone.com/connect-api";

/// What the Truphone adapter can do (truphone.md):
///
/// - No `validate_order` / `draft_orders`: no quote endpoint exists (§3 step 2); the price is the
///   catalogue's.
/// - `async_provisioning`: `ACCEPTED` → `FULFILLING` → `COMPLETED` / `FAILED` (§6).
/// - `idempotent_orders: false`, `order_lookup_by_reference: false`: no idempotency and no
///   stored client reference (§3, open point 4); a lost reply is looked for among subscriptions
///   by product and time: candidates, never proof.
/// - No `payment_reference`: the order has no field for it (§5.1).
/// - `requires_customer`: an `ACTIVATION` names the traveller by email and first and last name
///   (§5.1), and reconciliation looks for the eSIM by that email where it can (§3).
/// - `usage` (§8.2), `top_up` (§5.4).
/// - No cancel of an order, a package or an eSIM: none is documented (§10.1): cancel through
///   Truphone support.
/// - No QR bundle, no compatibility check (Truphone only says an `Unavailable` SIM takes no
///   top-up, §5.4), no balance.
/// - `eid_push_install`: an iOS device's EID in the order makes Truphone push the profile to it
///   (§7): [`Truphone::place_order_with_push_install`].
pub const CAPABILITIES: Capabilities = Capabilities {
    validate_order: false,
    draft_orders: false,
    async_provisioning: true,
    idempotent_orders: false,
    order_lookup_by_reference: false,
    payment_reference: false,
    requires_customer: true,
    qr_bundle_download: false,
    usage: true,
    top_up: true,
    top_up_compatibility: false,
    cancel_order: false,
    revoke_package: false,
    cancel_esim: false,
    balance: false,
    eid_push_install: true,
    install_instructions: false,
    device_list: false,
};

/// How the desk talks to Truphone.
#[derive(Debug, Clone)]
pub struct TruphoneConfig {
    /// `https://services.truphone.com/connect-api` live; the simulator's URL in tests and demo
    /// mode.
    pub base_url: Url,
    /// The OAuth2 token endpoint (§2).
    pub token_url: Url,
    /// Issued by Truphone; names the account (not a secret, but never needed in a log).
    pub client_id: String,
    /// From the keychain; never logged, never in an error.
    pub client_secret: SecretString,
    pub http: HttpSettings,
    /// The desk's country of sale, sent as the order's `country` when the request names none
    /// ([`OrderRequest::sale_country`], [`crate::TopUpRequest::sale_country`]). `ACTIVATION`
    /// requires one (§5.1, assumed).
    pub sale_country: Option<Country>,
}

impl TruphoneConfig {
    /// The live API and its token endpoint.
    pub fn new(client_id: String, client_secret: SecretString) -> Result<Self, ProviderError> {
        let base_url = Url::parse(DEFAULT_BASE_URL).map_err(|e| ProviderError::Configuration {
            message: e.to_string(),
        })?;
        Ok(Self::with_base_url(base_url, client_id, client_secret))
    }

    /// An API at `base_url`, its token endpoint derived from it (assumed, §1/§2): the base's
    /// last path segment (`connect-api`) is replaced by
    /// `auth/realms/tru-staff/protocol/openid-connect/token`. The desk's own rate limit (open
    /// point 12) and the correlation header (§1) are set.
    pub fn with_base_url(base_url: Url, client_id: String, client_secret: SecretString) -> Self {
        let token_url = token_url_for(&base_url);
        TruphoneConfig {
            base_url,
            token_url,
            client_id,
            client_secret,
            http: HttpSettings {
                rate_limit: Some(RateLimit {
                    requests: NonZeroU32::new(assumed::DEFAULT_REQUESTS_PER_MINUTE)
                        .unwrap_or(NonZeroU32::MIN),
                    per: Duration::from_secs(60),
                }),
                correlation_header: Some(HeaderName::from_static(wire::CORRELATION_HEADER)),
                ..HttpSettings::default()
            },
            sale_country: None,
        }
    }
}

/// `https://host/prefix/connect-api` → `https://host/prefix/<token path>`.
fn token_url_for(base: &Url) -> Url {
    let mut url = base.clone();
    let segments: Vec<&str> = base
        .path_segments()
        .map(|s| s.filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    let parent = segments
        .split_last()
        .map(|(_, parent)| parent)
        .unwrap_or_default();
    let mut path = String::new();
    for segment in parent {
        path.push('/');
        path.push_str(segment);
    }
    path.push('/');
    path.push_str(assumed::TOKEN_PATH);
    url.set_path(&path);
    url.set_query(None);
    url.set_fragment(None);
    url
}

/// The Truphone adapter.
#[derive(Debug)]
pub struct Truphone {
    http: Http,
    auth: auth::Auth,
    sale_country: Option<Country>,
}

impl Truphone {
    pub fn new(config: TruphoneConfig) -> Result<Self, ProviderError> {
        // §1: "we require" the correlation header, whatever the settings say.
        let settings = HttpSettings {
            correlation_header: Some(HeaderName::from_static(wire::CORRELATION_HEADER)),
            ..config.http
        };
        let http = Http::new("truphone", &config.base_url, settings.clone(), Vec::new())?;
        let auth = auth::Auth::new(
            &config.token_url,
            config.client_id,
            config.client_secret,
            settings,
        )?;
        Ok(Truphone {
            http,
            auth,
            sale_country: config.sale_country,
        })
    }

    /// Buys a new eSIM as [`Provider::place_order`] does, and has Truphone push the profile to
    /// the traveller's iPhone (§5.1, §7): the order names the device as `operating_system: ios`
    /// with its EID, and the phone shows an install notification. The activation code still
    /// comes with the order, for a QR code if the push does not arrive. Same purchase rules:
    /// one `POST`, sent once; a lost reply is [`ProviderError::OutcomeUnknown`]. Truphone ignores
    /// the EID of a device that is not an iPhone.
    pub async fn place_order_with_push_install(
        &self,
        request: &OrderRequest,
        eid: &Eid,
    ) -> Result<PlacedOrder, ProviderError> {
        orders::place_new(self, request, Some(eid)).await
    }

    /// Sends a Connect API call with a bearer token and the correlation id, mapping failures
    /// with Truphone's rules (§9).
    ///
    /// A `401` means the token was refused (expired early, revoked, or the API restarted its
    /// sessions): the token is fetched again ONCE and the SAME request re-sent with the SAME
    /// `X-Correlation-ID`, then whatever comes back is the answer (a second `401` is
    /// [`ProviderError::Unauthorised`]). This holds for the order `POST` too, although
    /// purchases are otherwise never re-sent: a `401` is the API refusing the request at its
    /// door, before it is read, so nothing was ordered and the first `POST` bought nothing. The
    /// re-send is therefore the first request that can buy, and it is sent once. Any other
    /// answer (a timeout, a `5xx`, a lost connection) is never re-sent.
    async fn send(&self, mut call: Call, op: Op) -> Result<Reply, ProviderError> {
        if call.correlation.is_none() {
            call.correlation = Some(uuid::Uuid::new_v4().to_string());
        }
        // §1: the examples send it; replies about orders must never come from a cache.
        call.headers
            .insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        let token = self.auth.token().await?;
        let first = self.http.send(with_bearer(&mut call, &token)).await;
        match first {
            Ok(reply) => Ok(reply),
            Err(Failure::Status(reply)) if reply.status == StatusCode::UNAUTHORIZED => {
                tracing::info!(
                    provider = "truphone",
                    path = %call.label(),
                    "access token refused; sending the same request once more with a new token"
                );
                self.auth.invalidate(&token).await;
                let token = self.auth.token().await?;
                self.http
                    .send(with_bearer(&mut call, &token))
                    .await
                    .map_err(|f| map_failure(f, op, &self.auth.redactor(Some(&token))))
            }
            Err(f) => Err(map_failure(f, op, &self.auth.redactor(Some(&token)))),
        }
    }

    async fn get_json<T: DeserializeOwned>(
        &self,
        call: Call,
        what: &str,
    ) -> Result<T, ProviderError> {
        let reply = self.send(call, Op::Read).await?;
        parse(&reply.body, what)
    }
}

/// Puts `Authorization: Bearer <token>` on the call (a sensitive header, scrubbed from errors).
fn with_bearer<'a>(call: &'a mut Call, token: &SecretString) -> &'a Call {
    call.secret_headers = vec![(
        AUTHORIZATION,
        SecretString::from(format!("Bearer {}", token.expose_secret())),
    )];
    call
}

/// Parses a JSON reply; a reply that breaks the format is [`ProviderError::MalformedReply`].
fn parse<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, ProviderError> {
    serde_json::from_slice(body).map_err(|e| ProviderError::malformed(what, e))
}

#[async_trait]
impl Provider for Truphone {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Truphone
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    /// A token and one product (`GET /v2/products?page=1&page_size=1`): the cheapest call that
    /// proves the client id, the secret and the API access.
    async fn check_credentials(&self) -> Result<(), ProviderError> {
        catalogue::probe(self).await
    }

    /// `GET /v2/products?page=&page_size=` (§4): the eSIM products, filtered locally.
    async fn catalogue_page(
        &self,
        query: &CatalogueQuery,
        page: Option<&PageToken>,
    ) -> Result<CataloguePage, ProviderError> {
        catalogue::page(self, query, page).await
    }

    /// `GET /v2/products/{id}` (§4).
    async fn offering(&self, code: &str) -> Result<Offering, ProviderError> {
        catalogue::one(self, code).await
    }

    /// One `ACTIVATION` order, sent once (§5.1).
    /// With [`OrderRequest::push_to_iphone`], as [`Truphone::place_order_with_push_install`].
    async fn place_order(&self, request: &OrderRequest) -> Result<PlacedOrder, ProviderError> {
        orders::place_new(self, request, request.push_to_iphone.as_ref()).await
    }

    /// `GET /v2/orders/{id}` (§6); the app polls it.
    async fn order_status(&self, provider_reference: &str) -> Result<PlacedOrder, ProviderError> {
        orders::status(self, provider_reference).await
    }

    /// Subscriptions of the product created since the sale (§3, §8.2): candidates by contents
    /// and time.
    async fn find_order(&self, lookup: &OrderLookup) -> Result<Vec<OrderMatch>, ProviderError> {
        reconcile::find_order(self, lookup).await
    }

    /// The order's eSIM and code (§7), from the order or else its SIM.
    async fn activation_codes(
        &self,
        provider_reference: &str,
    ) -> Result<OrderDelivery, ProviderError> {
        orders::activation_codes(self, provider_reference).await
    }

    /// `GET /v2/subscriptions?iccid=` (§8.2), every subscription of the eSIM as a package.
    async fn usage(&self, esim: &EsimHandle) -> Result<EsimUsage, ProviderError> {
        subscriptions::usage(self, esim).await
    }

    /// Every eSIM product (any can be a top-up, assumed), unless the eSIM is `Unavailable`
    /// (§5.4: sell a new one instead).
    async fn top_up_offerings(
        &self,
        esim: &EsimHandle,
        query: &CatalogueQuery,
    ) -> Result<Vec<Offering>, ProviderError> {
        if subscriptions::unavailable(self, esim).await? {
            return Err(ProviderError::InvalidRequest {
                message: format!(
                    "eSIM {} is unavailable at Truphone (deleted or deactivated) and cannot be topped up: sell a new eSIM",
                    esim.iccid
                ),
            });
        }
        Ok(self.catalogue(query, &|_| {}).await?.offerings)
    }

    /// Truphone says no top-up for an `Unavailable` SIM (§5.4); otherwise it cannot tell.
    async fn check_top_up(
        &self,
        esim: &EsimHandle,
        offering_code: &str,
    ) -> Result<TopUpCheck, ProviderError> {
        let _ = offering_code;
        Ok(if subscriptions::unavailable(self, esim).await? {
            TopUpCheck::Incompatible
        } else {
            TopUpCheck::Unknown
        })
    }

    /// One `TOPUP` order, sent once (§5.4).
    async fn place_top_up(&self, request: &TopUpRequest) -> Result<PlacedOrder, ProviderError> {
        orders::place_top_up(self, request).await
    }

    /// No cancel endpoint exists (§10.1).
    async fn cancel(&self, target: &CancelTarget) -> Result<CancelOutcome, ProviderError> {
        let _ = target;
        Err(self.unsupported("cancelling in the desk: cancel through Truphone support"))
    }
}

#[cfg(test)]
mod tests;
