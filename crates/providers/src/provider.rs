//! The `Provider` trait: what a desk does with any provider, in core types.
//!
//! Object safe (`Arc<dyn Provider>`); every method is async through `async_trait`. Methods a
//! provider cannot do return [`ProviderError::Unsupported`] by default, and
//! [`Provider::capabilities`] says so up front.

use std::collections::HashSet;

use async_trait::async_trait;
use esimdesk_core::{Offering, ProviderKind};

use crate::capabilities::Capabilities;
use crate::error::ProviderError;
use crate::{
    AccountBalance, CancelOutcome, CancelTarget, Catalogue, CataloguePage, CatalogueProgress,
    CatalogueQuery, CompatibleDevice, EsimHandle, EsimUsage, InstallInstructions, OrderDelivery,
    OrderLookup, OrderMatch, OrderRequest, PageToken, PlacedOrder, TopUpCheck, TopUpRequest,
    ValidatedOrder,
};

/// Upper bound on pages one catalogue walk reads (a provider that never says "last page" must
/// not keep the desk busy forever).
pub const MAX_CATALOGUE_PAGES: u32 = 10_000;

/// Called after each catalogue page.
pub type ProgressFn<'a> = &'a (dyn Fn(CatalogueProgress) + Send + Sync);

#[async_trait]
pub trait Provider: Send + Sync + std::fmt::Debug {
    /// Which provider this is.
    fn kind(&self) -> ProviderKind;

    /// What this provider supports; the UI hides the rest.
    fn capabilities(&self) -> Capabilities;

    /// One page of the catalogue; `page: None` for the first.
    async fn catalogue_page(
        &self,
        query: &CatalogueQuery,
        page: Option<&PageToken>,
    ) -> Result<CataloguePage, ProviderError>;

    /// Every page of the catalogue, reporting progress after each.
    async fn catalogue(
        &self,
        query: &CatalogueQuery,
        progress: ProgressFn<'_>,
    ) -> Result<Catalogue, ProviderError> {
        let mut all = Catalogue::default();
        let mut next: Option<PageToken> = None;
        let mut seen = HashSet::new();
        loop {
            let page = self.catalogue_page(query, next.as_ref()).await?;
            all.pages += 1;
            all.offerings.extend(page.offerings);
            all.skipped.extend(page.skipped);
            progress(CatalogueProgress {
                pages_done: all.pages,
                page_count: page.page_count,
                offerings_so_far: all.offerings.len(),
            });
            match page.next {
                Some(token) if all.pages < MAX_CATALOGUE_PAGES => {
                    if !seen.insert(token.clone()) {
                        return Err(ProviderError::malformed(
                            "catalogue paging",
                            format!("page {} was offered twice", token.0),
                        ));
                    }
                    next = Some(token);
                }
                Some(_) => {
                    return Err(ProviderError::malformed(
                        "catalogue paging",
                        format!("more than {MAX_CATALOGUE_PAGES} pages"),
                    ));
                }
                None => return Ok(all),
            }
        }
    }

    /// One offering by its provider code.
    async fn offering(&self, code: &str) -> Result<Offering, ProviderError>;

    /// Dry run: the provider checks and prices the order without buying anything. Compares
    /// with nothing: the price rule is the app's.
    async fn validate_order(
        &self,
        request: &OrderRequest,
    ) -> Result<ValidatedOrder, ProviderError> {
        let _ = request;
        Err(self.unsupported("validating an order"))
    }

    /// Dry run of a top-up, as [`Provider::validate_order`].
    async fn validate_top_up(
        &self,
        request: &TopUpRequest,
    ) -> Result<ValidatedOrder, ProviderError> {
        let _ = request;
        Err(self.unsupported("validating a top-up"))
    }

    /// Buys new eSIMs: the purchase request is the first thing sent (no dry run, no check
    /// before it; the app has done those). Sent once, never retried: a lost reply is
    /// [`ProviderError::OutcomeUnknown`], settled with [`Provider::find_order`].
    async fn place_order(&self, request: &OrderRequest) -> Result<PlacedOrder, ProviderError>;

    /// The order as the provider sees it now (poll this while provisioning).
    async fn order_status(&self, provider_reference: &str) -> Result<PlacedOrder, ProviderError>;

    /// Looks for the order behind a lost purchase reply: by client reference where the provider
    /// stores it, otherwise among recent orders by contents and time. Empty: not found (yet).
    async fn find_order(&self, lookup: &OrderLookup) -> Result<Vec<OrderMatch>, ProviderError>;

    /// Marks a found order as this desk's before adopting a contents-and-time match, so that
    /// another desk sharing the account sees it as taken. `Ok(false)`: another desk holds it
    /// (do not adopt). Default `Ok(true)`: providers that store the client reference on the
    /// order itself need no claim.
    async fn claim_order(
        &self,
        order: &PlacedOrder,
        client_reference: &str,
    ) -> Result<bool, ProviderError> {
        let _ = (order, client_reference);
        Ok(true)
    }

    /// The eSIMs and activation codes of an order.
    async fn activation_codes(
        &self,
        provider_reference: &str,
    ) -> Result<OrderDelivery, ProviderError>;

    /// Installation steps for the eSIM in `language` (ISO 639-1), where the provider words them
    /// (see [`Capabilities::install_instructions`]); `Ok(None)` where it has none. The desk
    /// prints them on the voucher beside its own.
    async fn installation_instructions(
        &self,
        esim: &EsimHandle,
        language: &str,
    ) -> Result<Option<InstallInstructions>, ProviderError> {
        let _ = (esim, language);
        Ok(None)
    }

    /// The phone models the provider lists as taking its eSIMs (see
    /// [`Capabilities::device_list`]), for the desk's device check.
    async fn compatible_devices(&self) -> Result<Vec<CompatibleDevice>, ProviderError> {
        Err(self.unsupported("listing compatible phones"))
    }

    /// The packages on an eSIM and what is left of them.
    async fn usage(&self, esim: &EsimHandle) -> Result<EsimUsage, ProviderError> {
        let _ = esim;
        Err(self.unsupported("reading usage"))
    }

    /// Offerings that can be added to this eSIM, narrowed by `query`.
    async fn top_up_offerings(
        &self,
        esim: &EsimHandle,
        query: &CatalogueQuery,
    ) -> Result<Vec<Offering>, ProviderError> {
        let _ = (esim, query);
        Err(self.unsupported("top-ups"))
    }

    /// Whether one offering fits this eSIM, where the provider can tell beforehand.
    async fn check_top_up(
        &self,
        esim: &EsimHandle,
        offering_code: &str,
    ) -> Result<TopUpCheck, ProviderError> {
        let _ = (esim, offering_code);
        Ok(TopUpCheck::Unknown)
    }

    /// Adds a package to an existing eSIM. Same purchase rules as [`Provider::place_order`]
    /// (no compatibility check or dry run before it: see [`Provider::check_top_up`] and
    /// [`Provider::validate_top_up`]).
    async fn place_top_up(&self, request: &TopUpRequest) -> Result<PlacedOrder, ProviderError> {
        let _ = request;
        Err(self.unsupported("top-ups"))
    }

    /// Cancels an order, revokes a package or cancels an eSIM.
    async fn cancel(&self, target: &CancelTarget) -> Result<CancelOutcome, ProviderError> {
        let _ = target;
        Err(self.unsupported("cancelling"))
    }

    /// The cheapest real call that proves the credentials work (the account form tests them on
    /// save). By default a first catalogue page; providers with a balance are tested with it by
    /// the app, and others may know a cheaper call.
    async fn check_credentials(&self) -> Result<(), ProviderError> {
        self.catalogue_page(&CatalogueQuery::all(), None)
            .await
            .map(|_| ())
    }

    /// The prepaid account balance (also a cheap "test connection").
    async fn balance(&self) -> Result<AccountBalance, ProviderError> {
        Err(self.unsupported("reading the account balance"))
    }

    /// The error for an operation this provider does not offer.
    fn unsupported(&self, operation: &'static str) -> ProviderError {
        ProviderError::Unsupported {
            provider: self.kind().display_name(),
            operation,
        }
    }
}
