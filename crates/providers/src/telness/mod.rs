//! Telness Connect API v2 (Travel eSIM) adapter, written against the wire reference
//! `telness.md`. What the reference leaves open and this adapter assumes is all in `assumed.rs`.
//!
//! - Auth: `X-API-Key` on every call, as a sensitive header (never logged, never in an error).
//! - A Travel eSIM is a subscription (the eSIM container, offering category `TRAVEL_ESIM`) with
//!   data packages on it (addons, `TRAVEL_ESIM_PACKAGE`). The catalogue lists the packages; the
//!   container offering is configured or looked up once and cached (§3 step 1).
//! - Purchases follow the app's protocol (`provider.rs`, `orders.rs`): the dry run
//!   ([`Provider::validate_order`], [`Provider::validate_top_up`]) creates the cart (`POST
//!   /orders`, `X-Idempotency-Key: <ref>-order`) and prices it (`calculate-price`), returning the
//!   cart's id as [`ValidatedOrder::draft`]; the purchase submits that draft
//!   (`POST /orders/{id}/submit`, `X-Idempotency-Key: <ref>-submit`) exactly once. A lost submit
//!   reply is [`ProviderError::OutcomeUnknown`], settled by reading the draft
//!   ([`Provider::order_status`]).
//! - Provisioning is asynchronous: poll [`Provider::order_status`] until it is final; the eSIMs
//!   are the order's `createdEntities.subscriptions[]`, each read for its ICCID, and their codes
//!   come from `GET /subscriptions/{id}/esim/qrcode` ([`Provider::activation_codes`]).
//! - An eSIM is addressed by its subscription id ([`EsimHandle::provider_ref`]).
//! - No balance is documented: [`Provider::check_credentials`] is the "test connection".

mod assumed;
mod catalogue;
mod errors;
mod map;
mod orders;
mod subscriptions;
mod wire;

use std::num::NonZeroU32;
use std::sync::Mutex;

use async_trait::async_trait;
use esimdesk_core::{Offering, ProviderKind};
use reqwest::header::{HeaderName, HeaderValue};
use secrecy::SecretString;
use serde::de::DeserializeOwned;
use url::Url;

use crate::capabilities::Capabilities;
use crate::error::ProviderError;
use crate::http::{Call, Http, HttpSettings, RateLimit, Reply};
use crate::provider::Provider;
use crate::{
    CancelOutcome, CancelTarget, CataloguePage, CatalogueQuery, EsimHandle, EsimUsage,
    OrderDelivery, OrderLookup, OrderMatch, OrderRequest, PageToken, PlacedOrder, TopUpRequest,
    ValidatedOrder,
};
use errors::{Op, map_failure};

/// Where the live API is (§1, seed 000).
pub const DEFAULT_BASE_URL: &str = "https://connect.telnesstech.com/api/v2";

/// What the Telness adapter can do (telness.md):
///
/// - `validate_order`: a priced cart (`calculate-price`, §6) is an exact dry run, and it is the
///   draft the purchase submits.
/// - `async_provisioning`: submit → `SUBMITTED`/`PROCESSING` → `COMPLETED` (§8.2, §8.3).
/// - `idempotent_orders`: `X-Idempotency-Key` on create and submit; a repeat with the same key
///   returns the first result (§1).
/// - `order_lookup_by_reference: false`: there is no order search, and a subscription's
///   `referenceId` (the `rid_` address, §9.1) cannot be set through an order line (§5.2); the
///   app settles a lost reply by the draft id it journaled.
/// - `payment_reference`: the submit carries `externalPayment.reference` (§8.1).
/// - `requires_customer`: the `SUBSCRIPTION` line names the traveller as `subscriber` with name
///   and email (§5.2, assumed required), whether or not a desk customer id is configured.
/// - `usage` (§9.4), `top_up` (§5.4: a new package on the subscription), `cancel_order` (before
///   completion, §8.4), `cancel_esim` (§9.5).
/// - No QR bundle, no compatibility check, no revoke of one package (none documented), no balance
///   (none documented), no EID push.
pub const CAPABILITIES: Capabilities = Capabilities {
    validate_order: true,
    draft_orders: true,
    async_provisioning: true,
    idempotent_orders: true,
    order_lookup_by_reference: false,
    payment_reference: true,
    requires_customer: true,
    qr_bundle_download: false,
    usage: true,
    top_up: true,
    top_up_compatibility: false,
    cancel_order: true,
    revoke_package: false,
    cancel_esim: true,
    balance: false,
    eid_push_install: false,
    install_instructions: false,
    device_list: false,
};

/// How the desk talks to Telness.
#[derive(Debug, Clone)]
pub struct TelnessConfig {
    /// `https://connect.telnesstech.com/api/v2` live; the simulator's URL in tests and demo mode.
    pub base_url: Url,
    /// From the keychain; never logged, never in an error.
    pub api_key: SecretString,
    pub http: HttpSettings,
    /// The desk's own Telness customer (open point 16). When set, every new-eSIM cart names it
    /// (`{"customerId"}`) and the traveller goes in the line's `subscriber`; when `None`, each
    /// cart creates a customer for the traveller (§5.1's new-customer object).
    pub desk_customer_id: Option<String>,
    /// The Travel eSIM subscription offering (the eSIM container line). `None`: looked up once
    /// with `GET /product-offerings?categories=TRAVEL_ESIM` and cached (§3 step 1).
    pub subscription_offering_id: Option<String>,
}

impl TelnessConfig {
    /// The live API, with the desk's own rate limit (none is documented, open point 13).
    pub fn new(api_key: SecretString) -> Result<Self, ProviderError> {
        let base_url = Url::parse(DEFAULT_BASE_URL).map_err(|e| ProviderError::Configuration {
            message: e.to_string(),
        })?;
        Ok(Self::with_base_url(base_url, api_key))
    }

    pub fn with_base_url(base_url: Url, api_key: SecretString) -> Self {
        TelnessConfig {
            base_url,
            api_key,
            http: HttpSettings {
                rate_limit: Some(RateLimit::per_second(
                    NonZeroU32::new(assumed::DEFAULT_REQUESTS_PER_SECOND)
                        .unwrap_or(NonZeroU32::MIN),
                )),
                // §11: "5xx server error (retry GETs; for POSTs retry only with the same
                // idempotency key)": reads and the keyed cart are the idempotent calls.
                retry_server_errors: true,
                ..HttpSettings::default()
            },
            desk_customer_id: None,
            subscription_offering_id: None,
        }
    }
}

/// The Telness adapter.
#[derive(Debug)]
pub struct Telness {
    http: Http,
    desk_customer_id: Option<String>,
    /// Configured, or found once by [`Telness::subscription_offering`].
    subscription_offering: Mutex<Option<String>>,
}

impl Telness {
    pub fn new(config: TelnessConfig) -> Result<Self, ProviderError> {
        let http = Http::new(
            "telness",
            &config.base_url,
            config.http,
            vec![(
                HeaderName::from_static(wire::API_KEY_HEADER),
                config.api_key,
            )],
        )?;
        let clean = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        Ok(Telness {
            http,
            desk_customer_id: clean(config.desk_customer_id),
            subscription_offering: Mutex::new(clean(config.subscription_offering_id)),
        })
    }

    /// Sends a call and maps any failure with Telness's rules.
    async fn send(&self, call: &Call, op: Op) -> Result<Reply, ProviderError> {
        self.http
            .send(call)
            .await
            .map_err(|f| map_failure(f, op, self.http.redactor()))
    }

    async fn get_json<T: DeserializeOwned>(
        &self,
        call: Call,
        what: &str,
    ) -> Result<T, ProviderError> {
        let reply = self.send(&call, Op::Other).await?;
        parse(&reply.body, what)
    }
}

/// `X-Idempotency-Key: <client reference><suffix>` (§1, §3). Refused before anything is sent
/// when it cannot be a header or is longer than Telness accepts. The length is checked against
/// the longer of the two suffixes, so that a reference whose cart was created can be submitted.
fn with_idempotency_key(
    mut call: Call,
    client_reference: &str,
    suffix: &str,
) -> Result<Call, ProviderError> {
    let reference = client_reference.trim();
    let longest_suffix = assumed::CART_KEY_SUFFIX
        .len()
        .max(assumed::SUBMIT_KEY_SUFFIX.len());
    let max_reference = wire::MAX_IDEMPOTENCY_KEY_LEN - longest_suffix;
    let key = format!("{reference}{suffix}");
    let value = HeaderValue::from_str(&key).ok().filter(|_| {
        !reference.is_empty()
            && reference.len() <= max_reference
            && key.bytes().all(|b| b.is_ascii_graphic())
    });
    let Some(value) = value else {
        return Err(ProviderError::InvalidRequest {
            message: format!(
                "the sale reference '{}' cannot be a Telness idempotency key (printable ASCII without spaces, at most {max_reference} characters)",
                crate::error::clip(reference),
            ),
        });
    };
    call.headers
        .insert(HeaderName::from_static(wire::IDEMPOTENCY_KEY_HEADER), value);
    Ok(call)
}

/// The subscription id an eSIM is addressed by (§9).
fn subscription_id(esim: &EsimHandle) -> Result<&str, ProviderError> {
    esim.provider_ref
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ProviderError::InvalidRequest {
            message: format!(
                "Telness addresses eSIM {} by its subscription id, which this desk does not hold",
                esim.iccid
            ),
        })
}

/// Parses a JSON reply; a reply that breaks the format is [`ProviderError::MalformedReply`].
fn parse<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, ProviderError> {
    serde_json::from_slice(body).map_err(|e| ProviderError::malformed(what, e))
}

#[async_trait]
impl Provider for Telness {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Telness
    }

    /// No balance is documented: the "test connection" reads the Travel eSIM subscription
    /// offering every sale needs (`GET /product-offerings?categories=TRAVEL_ESIM`, cached for the
    /// sales that follow). `Ok`: the key works and this account can sell Travel eSIMs.
    async fn check_credentials(&self) -> Result<(), ProviderError> {
        catalogue::find_subscription_offering(self)
            .await
            .map(|_| ())
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    /// `GET /product-offerings?categories=TRAVEL_ESIM_PACKAGE`, following `nextCursor` (§4.1).
    async fn catalogue_page(
        &self,
        query: &CatalogueQuery,
        page: Option<&PageToken>,
    ) -> Result<CataloguePage, ProviderError> {
        catalogue::page(self, query, page).await
    }

    /// `GET /product-offerings/{id}` (§4.2).
    async fn offering(&self, code: &str) -> Result<Offering, ProviderError> {
        catalogue::one(self, code).await
    }

    /// The cart (`POST /orders`) priced by `calculate-price`; its id is the draft.
    async fn validate_order(
        &self,
        request: &OrderRequest,
    ) -> Result<ValidatedOrder, ProviderError> {
        orders::validate_new(self, request).await
    }

    /// A one-`ADDON` cart on the eSIM's subscription, priced; its id is the draft.
    async fn validate_top_up(
        &self,
        request: &TopUpRequest,
    ) -> Result<ValidatedOrder, ProviderError> {
        orders::validate_top_up(self, request).await
    }

    /// Submits the draft once (or, without one, creates the cart and submits it).
    async fn place_order(&self, request: &OrderRequest) -> Result<PlacedOrder, ProviderError> {
        orders::place_new(self, request).await
    }

    /// `GET /orders/{id}` with each created subscription read for its ICCID.
    async fn order_status(&self, provider_reference: &str) -> Result<PlacedOrder, ProviderError> {
        orders::status(self, provider_reference).await
    }

    /// Telness has no order search (and a subscription's `rid_` reference cannot be set by an
    /// order): nothing to look for without the order id. The app reconciles a lost submit by
    /// the draft id it journaled before submitting ([`Provider::order_status`]).
    async fn find_order(&self, lookup: &OrderLookup) -> Result<Vec<OrderMatch>, ProviderError> {
        tracing::info!(
            provider = "telness",
            kind = lookup.kind.name(),
            "no order search at Telness: reconcile by the journaled draft id"
        );
        Ok(Vec::new())
    }

    /// The order's subscriptions and their QR codes.
    async fn activation_codes(
        &self,
        provider_reference: &str,
    ) -> Result<OrderDelivery, ProviderError> {
        subscriptions::activation_codes(self, provider_reference).await
    }

    /// `GET /subscriptions/{id}/usage`, both documented shapes.
    async fn usage(&self, esim: &EsimHandle) -> Result<EsimUsage, ProviderError> {
        subscriptions::usage(self, esim).await
    }

    /// Every data package: a subscription carries packages for any region side by side (§2),
    /// so none is ruled out by the eSIM's earlier ones.
    async fn top_up_offerings(
        &self,
        esim: &EsimHandle,
        query: &CatalogueQuery,
    ) -> Result<Vec<Offering>, ProviderError> {
        let _ = esim;
        Ok(self.catalogue(query, &|_| {}).await?.offerings)
    }

    /// Submits a top-up's draft once (or creates the cart and submits it).
    async fn place_top_up(&self, request: &TopUpRequest) -> Result<PlacedOrder, ProviderError> {
        orders::place_top_up(self, request).await
    }

    /// An order before completion (§8.4), or a whole eSIM (§9.5). One package cannot be revoked.
    async fn cancel(&self, target: &CancelTarget) -> Result<CancelOutcome, ProviderError> {
        match target {
            CancelTarget::Order { provider_reference } => {
                orders::cancel(self, provider_reference).await
            }
            CancelTarget::Esim { esim } => subscriptions::cancel(self, esim).await,
            CancelTarget::Package { .. } => Err(self.unsupported("revoking one package")),
        }
    }
}

#[cfg(test)]
mod tests;
