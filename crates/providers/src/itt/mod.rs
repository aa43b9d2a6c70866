//! ITT eSIM API 1.0.0 (InnoTravelTech) adapter, written against the wire reference `itt.md`,
//! the least documented of the four: what it leaves open and this adapter assumes is all in
//! `assumed.rs`, and the values its samples damage are read in `lenient.rs` alone.
//!
//! - Every call is a JSON `POST` to `/esim/<operation>` with two sensitive headers, `apikey` and
//!   `secretecode` (never logged, never in an error). A reply succeeds only when it is 2xx and
//!   its `status` is `"success"` (`errors.rs`).
//! - The catalogue is `/esim/search` over every supplier; an offering's code is ITT's opaque
//!   `package_id`, its name shows the supplier (`catalogue.rs`).
//! - A sale follows the app's purchase protocol with ITT's identifier chain (`bookings.rs`): the
//!   dry run prices the package (single-package, which issues the **booking tracking id**) and
//!   registers the traveller on it; that tracking id is the draft, and the purchase is one
//!   `create-booking` on it. The tracking id is also the order's reference and each eSIM's
//!   [`EsimHandle::provider_ref`].
//! - Provisioning may be asynchronous (`pending`): poll [`Provider::order_status`].
//! - No cancel and no order search are published: cancelling is unsupported, and a lost
//!   purchase reply is settled by the journaled tracking id, never by [`Provider::find_order`].

mod assumed;
mod bookings;
mod catalogue;
mod errors;
mod esims;
mod lenient;
mod map;
mod topups;
mod wire;

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Mutex;

use async_trait::async_trait;
use esimdesk_core::{Country, Offering, ProviderKind};
use reqwest::Method;
use reqwest::header::HeaderName;
use secrecy::SecretString;
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use crate::capabilities::Capabilities;
use crate::error::{ProviderError, clip};
use crate::http::{Call, CallKind, Http, HttpSettings, RateLimit};
use crate::provider::Provider;
use crate::{
    CataloguePage, CatalogueQuery, CompatibleDevice, EsimHandle, EsimUsage, InstallInstructions,
    OrderDelivery, OrderLookup, OrderMatch, OrderRequest, PageToken, PlacedOrder, TopUpRequest,
    ValidatedOrder,
};

/// The production service host (§1; the paths are `/esim/…` under it). Configurable: see
/// [`IttConfig::with_base_url`].
pub const DEFAULT_BASE_URL: &str = assumed::PRODUCTION_BASE_URL;

/// What the ITT adapter can do (itt.md):
///
/// - `validate_order` + `draft_orders`: single-package confirms the price and issues the booking
///   tracking id the purchase books (§5, §7); with the traveller registered on it (§6) it is the
///   sale's draft. A top-up's dry run reads its price from the eSIM's top-up list (§12.1) and
///   leaves a desk-made draft reference read back through the top-up history (§12.3).
/// - `async_provisioning`: a booking may be `pending` before its eSIM is issued (§7, §8).
/// - `requires_customer`: the traveller's first and last name and email are registered on the
///   booking (§6, assumed required), and create-booking names the lead email (§7).
/// - `usage` (§11), `top_up` (§12), `install_instructions` (§9).
/// - Not: idempotent purchases (none published; the simulator's repeat answer is not relied on),
///   order lookup by reference or any order search, a payment reference, QR bundles, top-up
///   compatibility checks (the top-up list is per eSIM already), cancel of any kind (§3 step
///   10), balance, EID push.
pub const CAPABILITIES: Capabilities = Capabilities {
    validate_order: true,
    draft_orders: true,
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
    eid_push_install: false,
    install_instructions: true,
    device_list: true,
};

/// How the desk talks to ITT.
#[derive(Debug, Clone)]
pub struct IttConfig {
    /// The service host ([`DEFAULT_BASE_URL`]); the simulator's URL in tests and demo mode.
    pub base_url: Url,
    /// Sent as `apikey`. From the keychain; never logged, never in an error.
    pub api_key: SecretString,
    /// Sent as `secretecode`. From the keychain; never logged, never in an error.
    pub secret_code: SecretString,
    /// The partner account, named in the bodies as `member_id` (§2). Not a secret.
    pub member_id: String,
    pub http: HttpSettings,
}

impl IttConfig {
    /// The production host, with the desk's own rate limit (none is published).
    pub fn new(
        api_key: SecretString,
        secret_code: SecretString,
        member_id: String,
    ) -> Result<Self, ProviderError> {
        let base_url = Url::parse(DEFAULT_BASE_URL).map_err(|e| ProviderError::Configuration {
            message: e.to_string(),
        })?;
        Ok(Self::with_base_url(
            base_url,
            api_key,
            secret_code,
            member_id,
        ))
    }

    pub fn with_base_url(
        base_url: Url,
        api_key: SecretString,
        secret_code: SecretString,
        member_id: String,
    ) -> Self {
        IttConfig {
            base_url,
            api_key,
            secret_code,
            member_id,
            http: HttpSettings {
                rate_limit: Some(RateLimit::per_second(
                    NonZeroU32::new(assumed::DEFAULT_REQUESTS_PER_SECOND)
                        .unwrap_or(NonZeroU32::MIN),
                )),
                ..HttpSettings::default()
            },
        }
    }
}

/// The ITT adapter.
#[derive(Debug)]
pub struct Itt {
    http: Http,
    member_id: String,
    /// Which search found each package (its country, or `None` for the search of everything),
    /// so that a sale's dry run searches there again (see `assumed::pricing_searches`).
    found_under: Mutex<HashMap<String, Option<Country>>>,
}

impl Itt {
    pub fn new(config: IttConfig) -> Result<Self, ProviderError> {
        let member_id = config.member_id.trim().to_owned();
        if member_id.is_empty() {
            return Err(ProviderError::Configuration {
                message: "the ITT Member ID (the partner account) is missing".into(),
            });
        }
        let http = Http::new(
            "itt",
            &config.base_url,
            config.http,
            vec![
                (
                    HeaderName::from_static(wire::API_KEY_HEADER),
                    config.api_key,
                ),
                (
                    HeaderName::from_static(wire::SECRET_CODE_HEADER),
                    config.secret_code,
                ),
            ],
        )?;
        Ok(Itt {
            http,
            member_id,
            found_under: Mutex::new(HashMap::new()),
        })
    }

    fn member_id(&self) -> &str {
        &self.member_id
    }

    fn remember(&self, packages: impl Iterator<Item = String>, country: Option<Country>) {
        // A poisoned lock only loses the hint: the dry run then searches everything.
        if let Ok(mut map) = self.found_under.lock() {
            for id in packages {
                // A country's search is the narrower hint: a later search of everything does
                // not overwrite it.
                if country.is_some() || !map.contains_key(&id) {
                    map.insert(id, country);
                }
            }
        }
    }

    fn found_under(&self, package_id: &str) -> Option<Option<Country>> {
        self.found_under
            .lock()
            .ok()
            .and_then(|map| map.get(package_id).copied())
    }

    /// One operation: `POST /esim/<path>` with `body` as JSON, the envelope checked (§14), the
    /// reply read as `T`. A purchase (`CallKind::Once`) is sent once, and a 2xx reply that cannot
    /// be read is of unknown outcome, never a plain failure.
    async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        kind: CallKind,
        body: &impl Serialize,
        what: &str,
    ) -> Result<T, ProviderError> {
        let bytes = serde_json::to_vec(body).map_err(|e| ProviderError::Configuration {
            message: format!("cannot encode {what}: {e}"),
        })?;
        let call = Call::new(Method::POST, &[wire::PATH_PREFIX, path], kind).json_body(bytes);
        let reply = self
            .http
            .send(&call)
            .await
            .map_err(|f| errors::map_failure(f, kind, self.http.redactor()))?;
        errors::check_envelope(&reply, kind, self.http.redactor())?;
        serde_json::from_slice(&reply.body).map_err(|e| match kind {
            CallKind::Once => ProviderError::OutcomeUnknown {
                detail: clip(&format!(
                    "ITT accepted {what} but its reply could not be read: {e}"
                )),
            },
            CallKind::Idempotent => ProviderError::malformed(what, e),
        })
    }
}

#[async_trait]
impl Provider for Itt {
    /// The phone models ITT lists as compatible (§10): the desk's device check.
    async fn compatible_devices(&self) -> Result<Vec<CompatibleDevice>, ProviderError> {
        esims::compatible_devices(self).await
    }

    fn kind(&self) -> ProviderKind {
        ProviderKind::Itt
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    /// The cheapest call: the compatible-device list (§10) reads nothing of the sale.
    async fn check_credentials(&self) -> Result<(), ProviderError> {
        self.compatible_devices().await.map(|_| ())
    }

    /// `/esim/search`: one search per queried country (one per page), or one for everything.
    async fn catalogue_page(
        &self,
        query: &CatalogueQuery,
        page: Option<&PageToken>,
    ) -> Result<CataloguePage, ProviderError> {
        catalogue::page(self, query, page).await
    }

    /// The package as a fresh search lists it.
    async fn offering(&self, code: &str) -> Result<Offering, ProviderError> {
        catalogue::one(self, code).await
    }

    /// Search, single-package (the price), update-travellers: the booking tracking id is the
    /// draft (none for a price check without the customer).
    async fn validate_order(
        &self,
        request: &OrderRequest,
    ) -> Result<ValidatedOrder, ProviderError> {
        bookings::validate(self, request).await
    }

    /// The top-up's price from the eSIM's top-up list, with a draft reference to read it back.
    async fn validate_top_up(
        &self,
        request: &TopUpRequest,
    ) -> Result<ValidatedOrder, ProviderError> {
        topups::validate(self, request).await
    }

    /// One `create-booking` on the draft's tracking id.
    async fn place_order(&self, request: &OrderRequest) -> Result<PlacedOrder, ProviderError> {
        bookings::place(self, request).await
    }

    /// Booking-details by tracking id (or, for a top-up reference, the eSIM's top-up history).
    async fn order_status(&self, provider_reference: &str) -> Result<PlacedOrder, ProviderError> {
        if topups::is_reference(provider_reference) {
            topups::status(self, provider_reference).await
        } else {
            bookings::status(self, provider_reference).await
        }
    }

    /// ITT has no order search: the app settles a lost reply by the tracking id it journaled
    /// before booking ([`Provider::order_status`]).
    async fn find_order(&self, lookup: &OrderLookup) -> Result<Vec<OrderMatch>, ProviderError> {
        tracing::info!(
            provider = "itt",
            kind = lookup.kind.name(),
            "no order search at ITT: reconcile by the journaled tracking id"
        );
        Ok(Vec::new())
    }

    async fn activation_codes(
        &self,
        provider_reference: &str,
    ) -> Result<OrderDelivery, ProviderError> {
        if topups::is_reference(provider_reference) {
            topups::activation_codes(self, provider_reference).await
        } else {
            bookings::activation_codes(self, provider_reference).await
        }
    }

    async fn installation_instructions(
        &self,
        esim: &EsimHandle,
        language: &str,
    ) -> Result<Option<InstallInstructions>, ProviderError> {
        esims::instructions(self, esim, language).await
    }

    async fn usage(&self, esim: &EsimHandle) -> Result<EsimUsage, ProviderError> {
        esims::usage(self, esim).await
    }

    async fn top_up_offerings(
        &self,
        esim: &EsimHandle,
        query: &CatalogueQuery,
    ) -> Result<Vec<esimdesk_core::Offering>, ProviderError> {
        topups::offerings(self, esim, query).await
    }

    async fn place_top_up(&self, request: &TopUpRequest) -> Result<PlacedOrder, ProviderError> {
        topups::place(self, request).await
    }
}

#[cfg(test)]
mod tests;
