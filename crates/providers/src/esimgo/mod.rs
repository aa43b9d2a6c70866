//! eSIM Go API v2.4 adapter, written against the wire reference `esimgo.md`.
//!
//! - Auth: `X-API-Key` on every call (never the `api_key` query parameter); `Accept:
//!   application/json` on every call.
//! - Limits: 10 requests/second shared by all calls of one adapter, evenly spaced; 429/503 on a
//!   read are retried at most 3 times honouring `Retry-After`.
//! - Purchases: the `type: "transaction"` `POST /orders` is the only request before the answer
//!   (the dry run and the price rule are the app's, through [`Provider::validate_order`] and
//!   [`Provider::validate_top_up`]); a lost reply is [`ProviderError::OutcomeUnknown`], never
//!   resent. Lines take 1 to [`MAX_LINE_QUANTITY`] eSIMs (§6.1).
//! - Client reference: eSIM Go has no field for it on orders (and no idempotency key). After a
//!   purchase the adapter stores it as each new eSIM's `customerRef` (`PUT /esims`);
//!   [`Provider::find_order`] first looks for eSIMs carrying it, then lists orders created since
//!   the purchase was sent and matches them by bundle, quantity and (for top-ups) ICCID
//!   (esimgo.md §6.5), and says when another desk's reference is on a match;
//!   [`Provider::claim_order`] puts the desk's reference on a match before it is adopted.

mod delivery;
mod errors;
mod map;
mod reconcile;
mod wire;

use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use esimdesk_core::{Currency, Money, Offering, OrderKind, ProviderKind};
use reqwest::Method;
use reqwest::header::HeaderName;
use secrecy::SecretString;
use serde::de::DeserializeOwned;
use url::Url;

use crate::capabilities::Capabilities;
use crate::error::ProviderError;
use crate::http::{Call, CallKind, Http, HttpSettings, RateLimit, Reply};
use crate::provider::Provider;
use crate::{
    AccountBalance, CancelOutcome, CancelTarget, CataloguePage, CatalogueQuery, EsimHandle,
    EsimUsage, OrderDelivery, OrderLookup, OrderMatch, OrderRequest, OrderStatus, PageToken,
    PlacedOrder, PricedLine, Refund, RequestLine, SkippedItem, TopUpCheck, TopUpRequest,
    ValidatedOrder,
};
use errors::{Op, map_failure};

/// Where the live API is.
pub const DEFAULT_BASE_URL: &str = "https://api.esim-go.com/v2.4";

/// Catalogue page size asked for (the documented example uses 50; the maximum is undocumented).
pub const CATALOGUE_PAGE_SIZE: u32 = 100;

/// Most eSIMs one order line asks for: larger orders are fulfilled asynchronously and "the desk
/// only ever orders quantity 1–5" (esimgo.md §6.1).
pub const MAX_LINE_QUANTITY: u32 = 5;

/// What eSIM Go can do (v2.4): a dry run, top-ups with a compatibility check, revoking a
/// package, usage, balance; no order or eSIM cancel, no idempotency key, no client reference on
/// orders.
pub const CAPABILITIES: Capabilities = Capabilities {
    validate_order: true,
    draft_orders: false,
    async_provisioning: false,
    idempotent_orders: false,
    order_lookup_by_reference: false,
    payment_reference: false,
    requires_customer: false,
    qr_bundle_download: true,
    usage: true,
    top_up: true,
    top_up_compatibility: true,
    cancel_order: false,
    revoke_package: true,
    cancel_esim: false,
    balance: true,
    eid_push_install: false,
    install_instructions: false,
    device_list: false,
};

/// How the desk talks to eSIM Go.
#[derive(Debug, Clone)]
pub struct EsimGoConfig {
    /// `https://api.esim-go.com/v2.4` live; the simulator's URL in tests and demo mode.
    pub base_url: Url,
    /// From the keychain; never logged, never in an error.
    pub api_key: SecretString,
    /// The organisation currency, when known. Catalogue prices carry none; when `None` it is read
    /// once from `GET /organisation`.
    pub currency: Option<Currency>,
    pub http: HttpSettings,
}

impl EsimGoConfig {
    /// Live API with the documented limits: 10 requests/second, 3 retries on 429/503.
    pub fn new(api_key: SecretString) -> Result<Self, ProviderError> {
        let base_url = Url::parse(DEFAULT_BASE_URL).map_err(|e| ProviderError::Configuration {
            message: e.to_string(),
        })?;
        Ok(Self::with_base_url(base_url, api_key))
    }

    pub fn with_base_url(base_url: Url, api_key: SecretString) -> Self {
        EsimGoConfig {
            base_url,
            api_key,
            currency: None,
            http: HttpSettings {
                rate_limit: Some(RateLimit::per_second(
                    NonZeroU32::new(10).unwrap_or(NonZeroU32::MIN),
                )),
                ..HttpSettings::default()
            },
        }
    }
}

/// The eSIM Go adapter.
#[derive(Debug)]
pub struct EsimGo {
    http: Http,
    currency: Mutex<Option<Currency>>,
}

/// Timeout for the ZIP download of an order's QR codes.
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(120);

impl EsimGo {
    pub fn new(config: EsimGoConfig) -> Result<Self, ProviderError> {
        let http = Http::new(
            "esimgo",
            &config.base_url,
            config.http,
            vec![(HeaderName::from_static("x-api-key"), config.api_key)],
        )?;
        Ok(EsimGo {
            http,
            currency: Mutex::new(config.currency),
        })
    }

    /// Sends a call and maps any failure with eSIM Go's rules.
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

    /// The organisation currency: configured, or read once from `GET /organisation`.
    async fn currency(&self) -> Result<Currency, ProviderError> {
        if let Some(c) = *self.currency.lock().unwrap_or_else(|p| p.into_inner()) {
            return Ok(c);
        }
        let (currency, _, _) = self.organisation().await?;
        *self.currency.lock().unwrap_or_else(|p| p.into_inner()) = Some(currency);
        Ok(currency)
    }

    /// `GET /organisation` → (currency, balance, test credit). The reply's `apiKey` is never read.
    async fn organisation(&self) -> Result<(Currency, Money, Option<Money>), ProviderError> {
        let reply = self
            .send(&Call::get(&["organisation"]), Op::Organisation)
            .await?;
        let org: wire::OrganisationReply = parse(&reply.body, "organisation")?;
        let (code, balance, test_credit) = match org.organisations {
            Some(list) => {
                let first = list
                    .into_iter()
                    .next()
                    .ok_or_else(|| ProviderError::malformed("organisation", "empty list"))?;
                (first.currency, first.balance, first.test_credit)
            }
            None => (org.currency, org.balance, org.test_credit),
        };
        let currency = map::currency(code.as_deref(), "organisation")?;
        let balance = map::money(
            balance.ok_or_else(|| ProviderError::malformed("organisation", "no balance"))?,
            currency,
            "balance",
        )?;
        let test_credit = test_credit
            .map(|t| map::money(t, currency, "test credit"))
            .transpose()?;
        Ok((currency, balance, test_credit))
    }

    /// `POST /orders`. `validate` is a dry run and retried like a read; `transaction` is sent once.
    async fn post_order(
        &self,
        kind: wire::OrderType,
        lines: &[RequestLine],
        iccid: Option<&str>,
    ) -> Result<Reply, ProviderError> {
        check_lines(lines)?;
        let body = wire::OrderRequest {
            kind,
            assign: true,
            order: lines
                .iter()
                .map(|l| wire::OrderRequestLine {
                    kind: "bundle",
                    quantity: l.quantity,
                    item: &l.offering_code,
                    iccids: iccid.map(|i| vec![i; l.quantity as usize]),
                    allow_reassign: false,
                })
                .collect(),
        };
        let bytes = serde_json::to_vec(&body).map_err(|e| ProviderError::Configuration {
            message: format!("cannot encode the order: {e}"),
        })?;
        let (call_kind, op) = match kind {
            wire::OrderType::Validate => (CallKind::Idempotent, Op::Other),
            wire::OrderType::Transaction => (CallKind::Once, Op::Transaction),
        };
        let call = Call::new(Method::POST, &["orders"], call_kind).json_body(bytes);
        self.send(&call, op).await
    }

    /// The dry run: eSIM Go's price now. `valid: false` is an error; nothing is compared here.
    async fn validate(
        &self,
        lines: &[RequestLine],
        iccid: Option<&str>,
    ) -> Result<ValidatedOrder, ProviderError> {
        let reply = self
            .post_order(wire::OrderType::Validate, lines, iccid)
            .await?;
        let order: wire::Order = parse(&reply.body, "order validation")?;
        let currency = map::currency(order.currency.as_deref(), "order validation")?;
        let total = map::money(
            order
                .total
                .ok_or_else(|| ProviderError::malformed("order validation", "no total"))?,
            currency,
            "order total",
        )?;
        if order.valid == Some(false) {
            return Err(self.why_invalid(total).await);
        }
        let mut priced = Vec::new();
        for line in order.order.unwrap_or_default() {
            priced.push(PricedLine {
                offering_code: line.item.unwrap_or_default(),
                quantity: line
                    .quantity
                    .and_then(wire::Number::as_u64)
                    .and_then(|q| u32::try_from(q).ok())
                    .unwrap_or(0),
                unit_price: line
                    .price_per_unit
                    .map(|p| map::money(p, currency, "price per unit"))
                    .transpose()?,
                subtotal: line
                    .sub_total
                    .map(|p| map::money(p, currency, "subtotal"))
                    .transpose()?,
            });
        }
        Ok(ValidatedOrder {
            total,
            lines: priced,
            draft: None,
        })
    }

    /// A `valid: false` dry run says nothing about why; a balance below the total is the one
    /// reason the desk can name (esimgo.md §6.1).
    async fn why_invalid(&self, total: Money) -> ProviderError {
        match self.organisation().await {
            Ok((_, balance, _)) if balance.compare(total).is_ok_and(|o| o.is_lt()) => {
                ProviderError::InsufficientBalance {
                    message: Some(format!("balance {balance}, order total {total}")),
                }
            }
            _ => ProviderError::InvalidRequest {
                message: "eSIM Go says this order would not succeed".to_owned(),
            },
        }
    }

    /// Sends the transaction once and reads its reply. A 2xx whose body cannot be read is still a
    /// purchase: OutcomeUnknown, so that reconciliation finds it.
    async fn transaction(
        &self,
        lines: &[RequestLine],
        iccid: Option<&str>,
        kind: OrderKind,
        client_reference: &str,
    ) -> Result<PlacedOrder, ProviderError> {
        let reply = self
            .post_order(wire::OrderType::Transaction, lines, iccid)
            .await?;
        let order: wire::Order =
            parse(&reply.body, "order").map_err(|e| ProviderError::OutcomeUnknown {
                detail: format!("the purchase reply could not be read: {e}"),
            })?;
        map::placed_order(order, kind, Some(client_reference.to_owned())).map_err(|e| {
            ProviderError::OutcomeUnknown {
                detail: format!("the purchase reply could not be read: {e}"),
            }
        })
    }

    /// `PUT /esims` (§7.3): `reference` as the eSIM's `customerRef`.
    async fn put_customer_ref(&self, iccid: &str, reference: &str) -> Result<(), ProviderError> {
        let body = wire::UpdateEsim {
            iccid,
            customer_ref: reference,
        };
        let bytes = serde_json::to_vec(&body).map_err(|e| ProviderError::Configuration {
            message: e.to_string(),
        })?;
        let call = Call::new(Method::PUT, &["esims"], CallKind::Idempotent).json_body(bytes);
        self.send(&call, Op::Other).await.map(|_| ())
    }

    /// `GET /esims/{iccid}` (§7.2): the eSIM's `customerRef`, `None` when empty.
    async fn customer_ref(&self, iccid: &str) -> Result<Option<String>, ProviderError> {
        let details: wire::EsimDetails =
            self.get_json(Call::get(&["esims", iccid]), "eSIM").await?;
        Ok(details.customer_ref.filter(|r| !r.trim().is_empty()))
    }

    /// Stores the desk's reference on each new eSIM (`PUT /esims`, §7.3). Best effort: the
    /// purchase stands whatever happens here; failures become notes.
    async fn tag_esims(&self, placed: &mut PlacedOrder, client_reference: &str) {
        let iccids: Vec<String> = placed
            .lines
            .iter()
            .flat_map(|l| l.iccids.iter().map(|i| i.as_str().to_owned()))
            .collect();
        for iccid in iccids {
            if let Err(e) = self.put_customer_ref(&iccid, client_reference).await {
                tracing::warn!(
                    provider = "esimgo",
                    error = e.code(),
                    "could not store the client reference on an eSIM"
                );
                placed.notes.push(format!(
                    "eSIM {iccid}: the desk reference was not stored ({e})"
                ));
            }
        }
    }
}

/// Refuses, before anything is sent, what the desk never orders from eSIM Go: no line, or a
/// line outside 1 to [`MAX_LINE_QUANTITY`] (§6.1).
fn check_lines(lines: &[RequestLine]) -> Result<(), ProviderError> {
    if lines.is_empty() {
        return Err(ProviderError::InvalidRequest {
            message: "an order needs at least one line".into(),
        });
    }
    match lines
        .iter()
        .find(|l| !(1..=MAX_LINE_QUANTITY).contains(&l.quantity))
    {
        Some(line) => Err(ProviderError::InvalidRequest {
            message: format!(
                "quantity {} of {}: eSIM Go orders take 1 to {MAX_LINE_QUANTITY} eSIMs per line",
                line.quantity,
                crate::error::clip(&line.offering_code)
            ),
        }),
        None => Ok(()),
    }
}

/// The one line of a top-up.
fn top_up_lines(request: &TopUpRequest) -> [RequestLine; 1] {
    [RequestLine {
        offering_code: request.offering_code.clone(),
        quantity: 1,
    }]
}

/// Parses a JSON reply; a reply that breaks the format is [`ProviderError::MalformedReply`].
fn parse<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, ProviderError> {
    serde_json::from_slice(body).map_err(|e| ProviderError::malformed(what, e))
}

#[async_trait]
impl Provider for EsimGo {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Esimgo
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    /// `GET /catalogue?page=&perPage=&countries=`: countries are filtered by eSIM Go, a region
    /// locally (eSIM Go's region names are not a documented set).
    async fn catalogue_page(
        &self,
        query: &CatalogueQuery,
        page: Option<&PageToken>,
    ) -> Result<CataloguePage, ProviderError> {
        let number = match page {
            None => 1,
            Some(token) => token
                .0
                .parse::<u32>()
                .map_err(|_| ProviderError::InvalidRequest {
                    message: format!(
                        "'{}' is not an eSIM Go catalogue page",
                        crate::error::clip(&token.0)
                    ),
                })?,
        };
        let currency = self.currency().await?;
        let mut call = Call::get(&["catalogue"])
            .query("page", number.to_string())
            .query("perPage", CATALOGUE_PAGE_SIZE.to_string());
        if !query.countries.is_empty() {
            let codes: Vec<String> = query.countries.iter().map(|c| c.code()).collect();
            call = call.query("countries", codes.join(","));
        }
        if let Some(text) = query
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            call = call.query("description", text);
        }
        let reply = self.send(&call, Op::Other).await?;
        let (raw_bundles, page_count, rows, envelope) = match wire::first_byte(&reply.body) {
            Some(b'[') => {
                let list: Vec<Box<serde_json::value::RawValue>> = parse(&reply.body, "catalogue")?;
                (list, None, None, false)
            }
            _ => {
                let page: wire::CataloguePage = parse(&reply.body, "catalogue")?;
                (page.bundles, page.page_count, page.rows, true)
            }
        };
        let received = raw_bundles.len();
        let mut offerings = Vec::new();
        let mut skipped = Vec::new();
        for raw in raw_bundles {
            match serde_json::from_str::<wire::Bundle>(raw.get()) {
                Ok(bundle) => {
                    let code = bundle.name.clone();
                    match map::offering(bundle, currency) {
                        Ok(o) if query.matches(&o) => offerings.push(o),
                        Ok(_) => {}
                        Err(reason) => skipped.push(SkippedItem {
                            code: Some(code),
                            reason,
                        }),
                    }
                }
                Err(e) => skipped.push(SkippedItem {
                    code: None,
                    reason: crate::error::clip(&e.to_string()),
                }),
            }
        }
        for s in &skipped {
            tracing::warn!(provider = "esimgo", code = ?s.code, reason = %s.reason, "catalogue bundle skipped");
        }
        // Object form: walk 1..=pageCount, or stop on a short page when pageCount is absent.
        // Bare array: one page (esimgo.md §4.1).
        let more = envelope
            && match page_count {
                Some(count) => number < count,
                None => received >= CATALOGUE_PAGE_SIZE as usize,
            };
        Ok(CataloguePage {
            offerings,
            skipped,
            next: more.then(|| PageToken((number + 1).to_string())),
            page: number,
            page_count: if envelope { page_count } else { Some(1) },
            total_items: rows,
        })
    }

    /// `GET /catalogue/bundle/{name}`.
    async fn offering(&self, code: &str) -> Result<Offering, ProviderError> {
        let currency = self.currency().await?;
        let bundle: wire::Bundle = self
            .get_json(
                Call::get(&["catalogue", "bundle", code]),
                "catalogue bundle",
            )
            .await?;
        map::offering(bundle, currency)
            .map_err(|reason| ProviderError::malformed("catalogue bundle", reason))
    }

    /// `POST /orders` with `type: validate` (§6.1).
    async fn validate_order(
        &self,
        request: &OrderRequest,
    ) -> Result<ValidatedOrder, ProviderError> {
        self.validate(&request.lines, None).await
    }

    /// The dry run of [`Provider::place_top_up`]'s order: `iccids: [iccid]`,
    /// `allowReassign: false` (§6.4).
    async fn validate_top_up(
        &self,
        request: &TopUpRequest,
    ) -> Result<ValidatedOrder, ProviderError> {
        self.validate(&top_up_lines(request), Some(request.esim.iccid.as_str()))
            .await
    }

    /// One `type: transaction` `POST /orders`, the only request before the answer; then, best
    /// effort, the desk's reference on each new eSIM (§7.3).
    async fn place_order(&self, request: &OrderRequest) -> Result<PlacedOrder, ProviderError> {
        let mut placed = self
            .transaction(
                &request.lines,
                None,
                OrderKind::NewEsim,
                &request.client_reference,
            )
            .await?;
        self.tag_esims(&mut placed, &request.client_reference).await;
        Ok(placed)
    }

    /// `GET /orders/{orderReference}`. eSIM Go orders do not say whether they were a top-up
    /// (both are `bundle` lines; `iccids` are present either way), so `kind` is `NewEsim`
    /// here: the desk's journal knows better.
    async fn order_status(&self, provider_reference: &str) -> Result<PlacedOrder, ProviderError> {
        let order: wire::Order = self
            .get_json(Call::get(&["orders", provider_reference]), "order")
            .await?;
        map::placed_order(order, OrderKind::NewEsim, None)
    }

    async fn find_order(&self, lookup: &OrderLookup) -> Result<Vec<OrderMatch>, ProviderError> {
        reconcile::find_order(self, lookup).await
    }

    /// Puts the desk's reference on each of the order's eSIMs that carries none, then reads
    /// them all back: the order is this desk's only if every eSIM carries exactly its reference
    /// (esimgo.md §6.5, §7.2, §7.3).
    async fn claim_order(
        &self,
        order: &PlacedOrder,
        client_reference: &str,
    ) -> Result<bool, ProviderError> {
        reconcile::claim_order(self, order, client_reference).await
    }

    async fn activation_codes(
        &self,
        provider_reference: &str,
    ) -> Result<OrderDelivery, ProviderError> {
        delivery::activation_codes(self, provider_reference).await
    }

    /// `GET /esims/{iccid}/bundles?includeUsed=true`, plus the profile status from
    /// `GET /esims/{iccid}` (best effort).
    async fn usage(&self, esim: &EsimHandle) -> Result<EsimUsage, ProviderError> {
        let iccid = esim.iccid.as_str();
        let reply: wire::EsimBundles = self
            .get_json(
                Call::get(&["esims", iccid, "bundles"])
                    .query("includeUsed", "true")
                    .query("limit", "50"),
                "eSIM bundles",
            )
            .await?;
        let taken_at = time::OffsetDateTime::now_utc();
        let packages = map::packages(reply, taken_at);
        let profile_status = match self
            .get_json::<wire::EsimDetails>(Call::get(&["esims", iccid]), "eSIM")
            .await
        {
            Ok(details) => details.profile_status.as_deref().map(map::profile_status),
            Err(e) => {
                tracing::info!(
                    provider = "esimgo",
                    error = e.code(),
                    "profile status not read"
                );
                None
            }
        };
        Ok(EsimUsage {
            iccid: esim.iccid.clone(),
            packages,
            profile_status,
            taken_at,
        })
    }

    /// The catalogue for `query`: any bundle can go on an existing eSIM, subject to
    /// [`Provider::check_top_up`] (one call per bundle, so not done for the whole list).
    async fn top_up_offerings(
        &self,
        esim: &EsimHandle,
        query: &CatalogueQuery,
    ) -> Result<Vec<Offering>, ProviderError> {
        let _ = esim;
        let catalogue = self.catalogue(query, &|_| {}).await?;
        Ok(catalogue.offerings)
    }

    /// `GET /esims/{iccid}/compatible/{bundle}`.
    async fn check_top_up(
        &self,
        esim: &EsimHandle,
        offering_code: &str,
    ) -> Result<TopUpCheck, ProviderError> {
        let reply: wire::Compatibility = self
            .get_json(
                Call::get(&["esims", esim.iccid.as_str(), "compatible", offering_code]),
                "compatibility",
            )
            .await?;
        Ok(if reply.compatible {
            TopUpCheck::Compatible
        } else {
            TopUpCheck::Incompatible
        })
    }

    /// One transaction with `iccids: [iccid]` and `allowReassign: false` (§6.4), the only
    /// request: an incompatible bundle is refused by eSIM Go itself (the app may ask
    /// [`Provider::check_top_up`] beforehand). The eSIM's `customerRef` is left alone: it names
    /// the eSIM's first sale.
    async fn place_top_up(&self, request: &TopUpRequest) -> Result<PlacedOrder, ProviderError> {
        let iccid = request.esim.iccid.as_str();
        let lines = top_up_lines(request);
        let mut placed = self
            .transaction(
                &lines,
                Some(iccid),
                OrderKind::TopUp,
                &request.client_reference,
            )
            .await?;
        let landed = placed
            .lines
            .iter()
            .flat_map(|l| l.iccids.iter())
            .any(|i| *i == request.esim.iccid);
        if !landed && placed.status == OrderStatus::Completed {
            placed.notes.push(format!(
                "the package did not land on eSIM {iccid}; check the order's eSIMs (a new QR code may be needed)"
            ));
        }
        Ok(placed)
    }

    /// Revokes exactly the named assignment:
    /// `DELETE /esims/{iccid}/bundles/{name}/assignments/{id}?type=transaction` (§8.3). Never the
    /// by-name path, which lets eSIM Go pick "the oldest unused" one; never `refundToBalance`,
    /// which needs an `offerId` the reference gives no way to learn, so a refund goes to
    /// inventory. Orders and whole eSIMs cannot be cancelled in v2.4.
    async fn cancel(&self, target: &CancelTarget) -> Result<CancelOutcome, ProviderError> {
        let (esim, offering_code, assignment_id) = match target {
            CancelTarget::Package {
                esim,
                offering_code,
                assignment_id,
            } => (esim, offering_code, assignment_id.trim()),
            CancelTarget::Order { .. } => return Err(self.unsupported("cancelling an order")),
            CancelTarget::Esim { .. } => return Err(self.unsupported("cancelling an eSIM")),
        };
        if assignment_id.is_empty() || offering_code.trim().is_empty() {
            return Err(ProviderError::InvalidRequest {
                message: "revoking needs the package's bundle and assignment id (refresh the eSIM's usage)".into(),
            });
        }
        let iccid = esim.iccid.as_str();
        let call = Call::new(
            Method::DELETE,
            &[
                "esims",
                iccid,
                "bundles",
                offering_code,
                "assignments",
                assignment_id,
            ],
            CallKind::Once,
        )
        .query("type", "transaction");
        let reply = self.send(&call, Op::Revoke).await?;
        let status: Option<wire::StatusMessage> = serde_json::from_slice(&reply.body).ok();
        let message = status
            .and_then(|s| s.status.or(s.message))
            .map(|m| crate::error::clip(&m));
        let lower = message.as_deref().unwrap_or("").to_ascii_lowercase();
        let refund = if lower.contains("inventory") {
            Refund::ToInventory
        } else if lower.contains("balance") {
            Refund::ToBalance
        } else if lower.contains("not refunded") || lower.contains("no refund") {
            Refund::None
        } else {
            Refund::Unknown
        };
        Ok(CancelOutcome { refund, message })
    }

    /// `GET /organisation`: `balance` (includes test credit) in the organisation currency.
    async fn balance(&self) -> Result<AccountBalance, ProviderError> {
        let (currency, available, test_credit) = self.organisation().await?;
        *self.currency.lock().unwrap_or_else(|p| p.into_inner()) = Some(currency);
        Ok(AccountBalance {
            available,
            test_credit,
        })
    }
}

#[cfg(test)]
mod tests;
