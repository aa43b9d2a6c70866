//! Contract tests: the Telness adapter against the Telness Connect simulator
//! (`esimdesk-sandbox`), both written independently from `telness.md`. A real HTTP server on
//! 127.0.0.1. Provisioning runs on the sandbox clock (frozen in tests): a test moves it on with
//! `advance_clock` instead of sleeping.
//!
//! Every `Provider` method is called, and every typed error the adapter can return is provoked
//! (Telness has no balance, so `insufficient_balance` cannot occur). No error's text (`Display`
//! or `Debug`) ever holds the API key.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::time::Duration;

use esimdesk_core::{
    ActivationType, Country, Currency, Customer, DataAllowance, DataAmount, Money, Offering,
    OrderKind, OrderState, PackageState, ProfileStatus, ProviderKind, Region,
};
use esimdesk_providers::telness::{Telness, TelnessConfig};
use esimdesk_providers::{
    CancelTarget, CatalogueQuery, DeliverySource, EsimHandle, HttpSettings, OrderLookup,
    OrderRequest, OrderStatus, PlacedOrder, Provider, ProviderError, Refund, RequestLine,
    TopUpCheck, TopUpRequest,
};
use esimdesk_sandbox::{
    FaultKind, FaultSpec, RequestRecord, RunningSandbox, SandboxConfig, TelnessFulfilment,
    TelnessOutcome, parse_cents,
};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use url::Url;

/// The SM-DP+ host of the simulator's activation codes (telness.md §9.3, §10).
const SMDP: &str = "rsp.sandbox-telness.example.com";

async fn sandbox() -> RunningSandbox {
    esimdesk_sandbox::start(SandboxConfig::for_tests())
        .await
        .unwrap()
}

/// The adapter against the simulator with `key`, short retry waits, and `tune` applied on top.
/// The simulator enforces no rate limit (open point 13), so the adapter's own 5 requests per
/// second are switched off: with them a walk-in sale's dozen calls would take seconds.
fn adapter_tuned(
    sandbox: &RunningSandbox,
    key: &str,
    tune: impl FnOnce(&mut TelnessConfig),
) -> Telness {
    let mut config = TelnessConfig::with_base_url(
        Url::parse(&sandbox.telness_base_url()).unwrap(),
        SecretString::from(key.to_owned()),
    );
    config.http = HttpSettings {
        rate_limit: None,
        default_retry_after: Duration::from_millis(20),
        ..config.http
    };
    tune(&mut config);
    Telness::new(config).unwrap()
}

fn adapter(sandbox: &RunningSandbox) -> Telness {
    adapter_tuned(sandbox, sandbox.telness_api_key(), |_| {})
}

/// `/telness/api/v2/<rest>`: a path as the simulator's request log and faults name it.
fn api_path(sandbox: &RunningSandbox, rest: &str) -> String {
    let base = Url::parse(&sandbox.telness_base_url()).unwrap();
    format!("{}/{rest}", base.path().trim_end_matches('/'))
}

/// The Telness requests the simulator logged.
fn log(sandbox: &RunningSandbox) -> Vec<RequestRecord> {
    sandbox
        .admin()
        .requests()
        .into_iter()
        .filter(|r| r.provider == "telness")
        .collect()
}

/// `(method, path)` of each logged request.
fn steps(log: &[RequestRecord]) -> Vec<(String, String)> {
    log.iter()
        .map(|r| (r.method.clone(), r.path.clone()))
        .collect()
}

fn step(method: &str, path: String) -> (String, String) {
    (method.to_owned(), path)
}

/// How often fault `id` fired, if it is still active.
fn fired(sandbox: &RunningSandbox, id: u64) -> u64 {
    sandbox
        .admin()
        .faults()
        .iter()
        .find(|f| f.id == id)
        .map_or(0, |f| f.fired)
}

/// Asserts the code, and that neither text of the error holds `key`.
#[track_caller]
fn assert_code(err: &ProviderError, code: &str, key: &str) {
    assert_eq!(err.code(), code, "{err} / {err:?}");
    assert!(!err.to_string().contains(key), "key in Display: {err}");
    assert!(!format!("{err:?}").contains(key), "key in Debug: {err:?}");
}

fn eur() -> Currency {
    Currency::parse("EUR").unwrap()
}

fn traveller() -> Customer {
    Customer {
        name: "Ana García".into(),
        email: Some("ana@example.com".into()),
        ..Customer::default()
    }
}

/// A walk-in sale of `quantity` eSIMs of `offering`, paid at the desk's terminal.
fn sale(offering: &Offering, reference: &str, quantity: u32) -> OrderRequest {
    OrderRequest {
        client_reference: reference.into(),
        lines: vec![RequestLine {
            offering_code: offering.code.clone(),
            quantity,
        }],
        quoted_total: offering.cost.checked_mul(i64::from(quantity)).unwrap(),
        customer: Some(traveller()),
        payment_reference: Some(format!("term-{reference}")),
        sale_country: None,
        draft: None,
        push_to_iphone: None,
    }
}

fn with_draft(request: &OrderRequest, draft: &str) -> OrderRequest {
    OrderRequest {
        draft: Some(draft.to_owned()),
        ..request.clone()
    }
}

/// The cheapest package covering `country`.
async fn cheapest(t: &Telness, country: &str) -> Offering {
    let query = CatalogueQuery::country(Country::parse(country).unwrap());
    t.catalogue(&query, &|_| {})
        .await
        .unwrap()
        .offerings
        .into_iter()
        .min_by_key(|o| o.cost.minor())
        .expect("an offering")
}

/// Submitted orders complete at once (no processing or completion delay).
fn instant_fulfilment(sandbox: &RunningSandbox) {
    sandbox.admin().telness().set_fulfilment(TelnessFulfilment {
        processing_after: Duration::ZERO,
        completion_delay: Duration::ZERO,
        outcome: TelnessOutcome::Complete,
    });
}

/// Polls `order_status` as the desk does, moving the sandbox clock one second between polls,
/// until the order is final (at most 10 polls). Returns every status seen and the last answer.
async fn poll_until_final(
    t: &Telness,
    sandbox: &RunningSandbox,
    order_id: &str,
) -> (Vec<OrderStatus>, PlacedOrder) {
    let mut seen = Vec::new();
    for _ in 0..10 {
        let order = t.order_status(order_id).await.unwrap();
        seen.push(order.status.clone());
        if order.status.is_final() {
            return (seen, order);
        }
        sandbox.admin().advance_clock(Duration::from_secs(1));
    }
    panic!("order {order_id} never ended: {seen:?}");
}

/// The matching id of an `LPA:1$<smdp>$<matching id>` code.
fn matching_id(code: &str) -> &str {
    code.rsplit('$').next().unwrap()
}

// ------------------------------------------------------------------------- the raw simulator

/// An offering as the simulator lists it, read apart from the adapter: money as the exact JSON
/// number text.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawOffering {
    product_offering_id: String,
    name: String,
    product: RawProduct,
    price: RawPrice,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawProduct {
    category: String,
    features: Option<RawFeatures>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawFeatures {
    data_mb: u64,
    validity_days: u32,
    countries: Vec<String>,
    regions: Vec<String>,
    activation_type: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPrice {
    net_price: Box<RawValue>,
    gross_price: Box<RawValue>,
    currency: String,
}

#[derive(Debug, Deserialize)]
struct RawList {
    items: Vec<RawOffering>,
}

fn raw_client() -> reqwest::Client {
    reqwest::Client::new()
}

/// `GET /product-offerings?<query>` straight from the simulator.
async fn raw_listing(sandbox: &RunningSandbox, query: &str) -> Vec<RawOffering> {
    let reply = raw_client()
        .get(format!(
            "{}/product-offerings?{query}",
            sandbox.telness_base_url()
        ))
        .header("X-API-Key", sandbox.telness_api_key())
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    serde_json::from_slice::<RawList>(&reply.bytes().await.unwrap())
        .unwrap()
        .items
}

/// `POST /orders/{id}/submit` straight to the simulator, with or without an idempotency key.
async fn raw_submit(
    sandbox: &RunningSandbox,
    order_id: &str,
    key: Option<&str>,
    body: &Value,
) -> (u16, Value) {
    let mut request = raw_client()
        .post(format!(
            "{}/orders/{order_id}/submit",
            sandbox.telness_base_url()
        ))
        .header("X-API-Key", sandbox.telness_api_key())
        .json(body);
    if let Some(key) = key {
        request = request.header("X-Idempotency-Key", key);
    }
    let reply = request.send().await.unwrap();
    let status = reply.status().as_u16();
    (status, reply.json().await.unwrap())
}

/// What the adapter must make of a region name (§2; `NORTH_AMERICA` from the reference's
/// example).
fn region_of(name: &str) -> Region {
    match name {
        "EUROPE" => Region::Europe,
        "AMERICAS" => Region::Americas,
        "NORTH_AMERICA" => Region::NorthAmerica,
        "ASIA_PACIFIC" => Region::AsiaPacific,
        "GLOBAL" => Region::Global,
        other => panic!("the simulator sent region {other}"),
    }
}

// ----------------------------------------------------------------------------------- catalogue

#[tokio::test]
async fn the_catalogue_maps_every_package_exactly() {
    let sandbox = sandbox().await;
    let t = adapter(&sandbox);
    assert_eq!(t.kind(), ProviderKind::Telness);
    sandbox.admin().clear_requests();
    let pages = std::sync::atomic::AtomicU32::new(0);
    let catalogue = t
        .catalogue(&CatalogueQuery::all(), &|p| {
            pages.store(p.pages_done, std::sync::atomic::Ordering::SeqCst);
        })
        .await
        .unwrap();
    // One page (open point 5), asked with the package category (§3 step 1).
    assert_eq!(catalogue.pages, 1);
    assert_eq!(pages.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert!(catalogue.skipped.is_empty(), "{:?}", catalogue.skipped);
    let requests = log(&sandbox);
    assert_eq!(
        steps(&requests),
        [step("GET", api_path(&sandbox, "product-offerings"))]
    );
    assert_eq!(requests[0].query, "categories=TRAVEL_ESIM_PACKAGE");

    // Every package the simulator lists, and only packages, each mapped exactly.
    let raw = raw_listing(&sandbox, "").await;
    let packages: Vec<&RawOffering> = raw
        .iter()
        .filter(|o| o.product.category == "TRAVEL_ESIM_PACKAGE")
        .collect();
    assert!(packages.len() > 100, "{}", packages.len());
    assert!(packages.len() < raw.len(), "the subscription offering too");
    assert_eq!(catalogue.offerings.len(), packages.len());
    let (mut discounted, mut regional, mut instant, mut first_use) = (0, 0, 0, 0);
    for (o, r) in catalogue.offerings.iter().zip(&packages) {
        let f = r.product.features.as_ref().unwrap();
        assert_eq!(o.code, r.product_offering_id);
        assert_eq!(o.provider, ProviderKind::Telness);
        assert_eq!(o.name, r.name);
        // Money: the net price's exact text, in EUR cents.
        assert_eq!(r.price.currency, "EUR");
        let net = parse_cents(r.price.net_price.get()).unwrap();
        let gross = parse_cents(r.price.gross_price.get()).unwrap();
        assert_eq!(o.cost, Money::from_minor(net, eur()), "{}", o.code);
        if net != gross {
            discounted += 1;
        }
        // Data: MB of 1024² bytes (§1).
        assert_eq!(
            o.data,
            DataAllowance::Limited {
                amount: DataAmount::from_bytes(f.data_mb * 1024 * 1024)
            },
            "{}",
            o.code
        );
        assert_eq!(o.validity_days, f.validity_days);
        let countries: Vec<&str> = o.countries.iter().map(Country::as_str).collect();
        assert_eq!(countries, f.countries, "{}", o.code);
        match f.regions.as_slice() {
            [] => assert_eq!(o.region, None, "{}", o.code),
            [one] => {
                regional += 1;
                assert_eq!(o.region, Some(region_of(one)), "{}", o.code);
            }
            more => panic!("{more:?}"),
        }
        match f.activation_type.as_str() {
            "INSTANT" => {
                instant += 1;
                assert_eq!(o.activation, ActivationType::Immediate);
            }
            "FIRST_USE" => {
                first_use += 1;
                assert_eq!(o.activation, ActivationType::FirstUse);
            }
            other => panic!("{other}"),
        }
        assert!(o.top_up, "every package can top up a subscription (§2)");
    }
    assert!(discounted > 0, "net price differs from gross somewhere");
    assert!(regional > 0 && instant > 0 && first_use > 0);

    // One country: sent to Telness, and the answer matches the simulator's own filter.
    sandbox.admin().clear_requests();
    let es = Country::parse("ES").unwrap();
    let spain = t
        .catalogue(&CatalogueQuery::country(es), &|_| {})
        .await
        .unwrap();
    assert_eq!(
        log(&sandbox)[0].query,
        "categories=TRAVEL_ESIM_PACKAGE&countries=ES"
    );
    assert!(!spain.offerings.is_empty());
    assert!(spain.offerings.iter().all(|o| o.covers(es)));
    let expected: HashSet<String> =
        raw_listing(&sandbox, "categories=TRAVEL_ESIM_PACKAGE&countries=ES")
            .await
            .into_iter()
            .map(|o| o.product_offering_id)
            .collect();
    let got: HashSet<String> = spain.offerings.iter().map(|o| o.code.clone()).collect();
    assert_eq!(got, expected);

    // A region: filtered by the adapter itself.
    let europe = CatalogueQuery {
        region: Some(Region::Europe),
        ..CatalogueQuery::default()
    };
    let in_europe = t.catalogue(&europe, &|_| {}).await.unwrap().offerings;
    assert!(in_europe.iter().any(|o| o.region == Some(Region::Europe)));
    assert!(in_europe.iter().all(|o| europe.matches(o)));
    assert!(in_europe.len() < catalogue.offerings.len());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn one_offering_by_its_code() {
    let sandbox = sandbox().await;
    let t = adapter(&sandbox);
    let key = sandbox.telness_api_key().to_owned();
    let all = t.catalogue(&CatalogueQuery::all(), &|_| {}).await.unwrap();
    let discounted = raw_listing(&sandbox, "categories=TRAVEL_ESIM_PACKAGE")
        .await
        .into_iter()
        .find(|r| r.price.net_price.get() != r.price.gross_price.get())
        .unwrap();
    for code in [&all.offerings[0].code, &discounted.product_offering_id] {
        let listed = all.offerings.iter().find(|o| &o.code == code).unwrap();
        sandbox.admin().clear_requests();
        let one = t.offering(code).await.unwrap();
        assert_eq!(&one, listed);
        assert_eq!(
            steps(&log(&sandbox)),
            [step(
                "GET",
                api_path(&sandbox, &format!("product-offerings/{code}"))
            )]
        );
    }
    assert_code(
        &t.offering("no-such-offering").await.unwrap_err(),
        "not_found",
        &key,
    );
    // The eSIM container (category TRAVEL_ESIM) is not a package a desk sells.
    let container = raw_listing(&sandbox, "categories=TRAVEL_ESIM").await;
    assert_eq!(container.len(), 1);
    let err = t
        .offering(&container[0].product_offering_id)
        .await
        .unwrap_err();
    assert_code(&err, "invalid_request", &key);
    sandbox.shutdown().await;
}

// --------------------------------------------------------------------------------- credentials

#[tokio::test]
async fn credentials_are_checked_and_a_wrong_key_is_refused() {
    let sandbox = sandbox().await;
    let key = sandbox.telness_api_key().to_owned();
    let t = adapter(&sandbox);
    assert!(
        !format!("{t:?}").contains(&key),
        "key in the adapter's Debug"
    );
    sandbox.admin().clear_requests();
    t.check_credentials().await.unwrap();
    // The Travel eSIM subscription offering every sale needs (§3 step 1).
    let requests = log(&sandbox);
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, api_path(&sandbox, "product-offerings"));
    assert_eq!(requests[0].query, "categories=TRAVEL_ESIM");
    assert_eq!(requests[0].status, Some(200));

    let wrong = "tk_test_WRONG00000000000000099";
    let stranger = adapter_tuned(&sandbox, wrong, |_| {});
    for err in [
        stranger.check_credentials().await.unwrap_err(),
        stranger
            .catalogue_page(&CatalogueQuery::all(), None)
            .await
            .unwrap_err(),
        stranger.order_status("any-order").await.unwrap_err(),
    ] {
        assert_code(&err, "unauthorised", wrong);
        assert_code(&err, "unauthorised", &key);
    }
    // A submit refused for the key bought nothing, and says so (not "outcome unknown").
    let offering = cheapest(&t, "ES").await;
    let draft = t
        .validate_order(&sale(&offering, "desk-key-1", 1))
        .await
        .unwrap()
        .draft
        .unwrap();
    let err = stranger
        .place_order(&with_draft(&sale(&offering, "desk-key-1", 1), &draft))
        .await
        .unwrap_err();
    assert_code(&err, "unauthorised", wrong);
    assert_eq!(sandbox.admin().telness().orders()[0].state, "PENDING");
    sandbox.shutdown().await;
}

// ------------------------------------------------------------------------------------ dry run

#[tokio::test]
async fn validate_order_leaves_a_priced_cart_as_the_draft() {
    let sandbox = sandbox().await;
    let t = adapter(&sandbox);
    let key = sandbox.telness_api_key().to_owned();
    let offering = cheapest(&t, "ES").await;
    t.check_credentials().await.unwrap();
    sandbox.admin().clear_requests();

    let request = sale(&offering, "desk-val-1", 1);
    let validated = t.validate_order(&request).await.unwrap();
    assert_eq!(validated.total, offering.cost);
    assert_eq!(validated.lines.len(), 1);
    assert_eq!(validated.lines[0].offering_code, offering.code);
    assert_eq!(validated.lines[0].quantity, 1);
    assert_eq!(validated.lines[0].unit_price, Some(offering.cost));
    assert_eq!(validated.lines[0].subtotal, Some(offering.cost));
    let draft = validated.draft.clone().expect("the cart is the draft");

    // The cart (with the sale's key) then its price; the offering was cached by the check.
    let requests = log(&sandbox);
    assert_eq!(
        steps(&requests),
        [
            step("POST", api_path(&sandbox, "orders")),
            step(
                "POST",
                api_path(&sandbox, &format!("orders/{draft}/calculate-price"))
            ),
        ]
    );
    assert_eq!(
        requests[0].idempotency_key.as_deref(),
        Some("desk-val-1-order")
    );
    assert_eq!(requests[0].status, Some(201));
    assert_eq!(requests[1].status, Some(200));

    // At the simulator: one PENDING cart, a container and a package linked to it.
    let orders = sandbox.admin().telness().orders();
    assert_eq!(orders.len(), 1);
    let cart = &orders[0];
    assert_eq!(cart.order_id, draft);
    assert_eq!(cart.state, "PENDING");
    assert_eq!(cart.total_cents, offering.cost.minor());
    assert_eq!(cart.currency, "EUR");
    assert_eq!(cart.payment_reference, None);
    assert!(cart.subscriptions.is_empty());
    let kinds: Vec<&str> = cart.lines.iter().map(|l| l.kind.as_str()).collect();
    assert_eq!(kinds, ["SUBSCRIPTION", "ADDON"]);
    assert_eq!(cart.lines[1].product_offering_id, offering.code);
    assert_eq!(
        cart.lines[1].parent_line_item_id.as_deref(),
        Some(cart.lines[0].line_item_id.as_str())
    );
    assert!(sandbox.admin().telness().subscriptions().is_empty());

    // The same dry run again (same key, same body): the same cart, not a second one (§1).
    let again = t.validate_order(&request).await.unwrap();
    assert_eq!(again.draft.as_deref(), Some(draft.as_str()));
    assert_eq!(sandbox.admin().telness().orders().len(), 1);

    // Two eSIMs: twice the container and package; the line's unit price is one of them.
    let two = t
        .validate_order(&sale(&offering, "desk-val-2", 2))
        .await
        .unwrap();
    assert_eq!(two.total, offering.cost.checked_mul(2).unwrap());
    assert_eq!(two.lines[0].unit_price, Some(offering.cost));
    let orders = sandbox.admin().telness().orders();
    assert_eq!(orders[1].lines.len(), 4);

    // Before the traveller is known: a price check, priced then cancelled, no draft.
    let check = OrderRequest {
        customer: None,
        ..sale(&offering, "desk-val-3", 1)
    };
    let priced = t.validate_order(&check).await.unwrap();
    assert_eq!(priced.total, offering.cost);
    assert_eq!(priced.draft, None);
    assert_eq!(sandbox.admin().telness().orders()[2].state, "CANCELLED");

    // A package Telness does not know: refused with Telness's reason, no cart.
    sandbox.admin().clear_requests();
    let unknown = Offering {
        code: "no-such-package".into(),
        ..offering.clone()
    };
    let err = t
        .validate_order(&sale(&unknown, "desk-val-4", 1))
        .await
        .unwrap_err();
    assert_code(&err, "invalid_request", &key);
    assert!(err.to_string().contains("no-such-package"), "{err}");
    assert_eq!(log(&sandbox)[0].status, Some(400));
    assert_eq!(sandbox.admin().telness().orders().len(), 3);

    // A cart without a package line cannot be asked for: refused before anything is sent.
    sandbox.admin().clear_requests();
    let empty = OrderRequest {
        lines: Vec::new(),
        ..sale(&offering, "desk-val-5", 1)
    };
    assert_code(
        &t.validate_order(&empty).await.unwrap_err(),
        "invalid_request",
        &key,
    );
    // As a sale without the traveller's email (Telness registers each eSIM to them, §5.2).
    let no_email = OrderRequest {
        customer: Some(Customer {
            email: None,
            ..traveller()
        }),
        ..sale(&offering, "desk-val-6", 1)
    };
    assert_code(
        &t.place_order(&no_email).await.unwrap_err(),
        "invalid_request",
        &key,
    );
    assert!(log(&sandbox).is_empty(), "{:?}", log(&sandbox));
    sandbox.shutdown().await;
}

// ---------------------------------------------------------------------------------- purchases

#[tokio::test]
async fn a_walk_in_sale_submits_its_draft_once_then_polls_to_completion() {
    let sandbox = sandbox().await;
    let t = adapter(&sandbox);
    let capabilities = t.capabilities();
    assert!(capabilities.draft_orders && capabilities.async_provisioning);
    assert!(!capabilities.order_lookup_by_reference);
    let offering = cheapest(&t, "ES").await;
    let request = sale(&offering, "desk-1", 1);
    let draft = t.validate_order(&request).await.unwrap().draft.unwrap();

    // The purchase: exactly one submit of the draft, with its key and the payment reference.
    sandbox.admin().clear_requests();
    let sent_at = sandbox.admin().now();
    let placed = t.place_order(&with_draft(&request, &draft)).await.unwrap();
    let requests = log(&sandbox);
    assert_eq!(
        steps(&requests),
        [step(
            "POST",
            api_path(&sandbox, &format!("orders/{draft}/submit"))
        )]
    );
    assert_eq!(
        requests[0].idempotency_key.as_deref(),
        Some("desk-1-submit")
    );
    assert_eq!(requests[0].status, Some(200));
    let recorded = &sandbox.admin().telness().orders()[0];
    assert_eq!(recorded.payment_reference.as_deref(), Some("term-desk-1"));
    assert_eq!(recorded.submitted, Some(sent_at));

    // Accepted, not fulfilled yet (SUBMITTED, §8.2).
    assert_eq!(placed.provider_reference, draft);
    assert_eq!(placed.client_reference.as_deref(), Some("desk-1"));
    assert_eq!(placed.kind, OrderKind::NewEsim);
    assert_eq!(placed.status, OrderStatus::Provisioning);
    assert!(placed.esims.is_empty());
    assert!(placed.has_lines(&request.lines));
    // Its codes are not there yet: said in a note, not an error.
    let early = t.activation_codes(&draft).await.unwrap();
    assert!(early.esims.is_empty());
    assert_eq!(early.notes.len(), 1, "{:?}", early.notes);

    // SUBMITTED → PROCESSING after 1 s → COMPLETED 2 s later (§8.2 simulator lifecycle).
    let (seen, done) = poll_until_final(&t, &sandbox, &draft).await;
    assert_eq!(
        seen,
        [
            OrderStatus::Provisioning,
            OrderStatus::Provisioning,
            OrderStatus::Provisioning,
            OrderStatus::Completed
        ]
    );
    assert_eq!(done.status.order_state(), OrderState::Completed);
    assert!(done.notes.is_empty(), "{:?}", done.notes);
    assert_eq!(done.client_reference.as_deref(), Some("desk-1"));
    assert!(done.created_at.is_some());
    let subscriptions = sandbox.admin().telness().subscriptions();
    assert_eq!(subscriptions.len(), 1);
    let sub = &subscriptions[0];
    assert_eq!(sub.status, "ACTIVATED");
    assert_eq!(sub.order_id, draft);
    assert_eq!(done.esims.len(), 1);
    let esim = &done.esims[0];
    assert_eq!(esim.iccid.as_str(), sub.iccid);
    assert_eq!(
        esim.provider_ref.as_deref(),
        Some(sub.subscription_id.as_str())
    );
    assert_eq!(esim.offering_code.as_deref(), Some(offering.code.as_str()));
    assert_eq!(done.lines[0].iccids, std::slice::from_ref(&esim.iccid));

    // The activation code, parsed, from the subscription's QR code (§9.3).
    sandbox.admin().clear_requests();
    let delivery = t.activation_codes(&draft).await.unwrap();
    assert_eq!(delivery.source, DeliverySource::Json);
    assert!(delivery.notes.is_empty(), "{:?}", delivery.notes);
    assert!(delivery.qr_images.is_empty());
    assert_eq!(delivery.esims.len(), 1);
    assert_eq!(delivery.esims[0].iccid, esim.iccid);
    let code = delivery.esims[0].activation_code.clone().expect("a code");
    assert_eq!(code.smdp_address(), SMDP);
    assert_eq!(code.matching_id(), matching_id(&sub.activation_code));
    assert_eq!(code.to_string(), sub.activation_code);
    assert!(log(&sandbox).iter().any(|r| r.path
        == api_path(
            &sandbox,
            &format!("subscriptions/{}/esim/qrcode", sub.subscription_id)
        )));

    // No order search at Telness: the app reconciles by the draft id it journaled.
    let lookup = OrderLookup::for_order(&request, time::OffsetDateTime::now_utc());
    assert!(t.find_order(&lookup).await.unwrap().is_empty());
    assert!(t.claim_order(&done, "desk-1").await.unwrap());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn without_a_draft_the_adapter_creates_the_cart_then_submits_it() {
    let sandbox = sandbox().await;
    instant_fulfilment(&sandbox);
    // The desk's own Telness customer (open point 16).
    let customer_id = sandbox.telness_customer_id().to_owned();
    let t = adapter_tuned(&sandbox, sandbox.telness_api_key(), |c| {
        c.desk_customer_id = Some(customer_id.clone());
    });
    let offering = cheapest(&t, "FR").await;
    t.check_credentials().await.unwrap();
    sandbox.admin().clear_requests();
    let request = sale(&offering, "desk-2", 2);
    let placed = t.place_order(&request).await.unwrap();

    // Cart then submit, each with its key; no pricing (the app's dry run did that).
    let orders = sandbox.admin().telness().orders();
    assert_eq!(orders.len(), 1);
    let id = &orders[0].order_id;
    let requests = log(&sandbox);
    let posts: Vec<(String, String)> = steps(&requests)
        .into_iter()
        .filter(|(m, _)| m == "POST")
        .collect();
    assert_eq!(
        posts,
        [
            step("POST", api_path(&sandbox, "orders")),
            step("POST", api_path(&sandbox, &format!("orders/{id}/submit"))),
        ]
    );
    let keys: Vec<Option<&str>> = requests
        .iter()
        .filter(|r| r.method == "POST")
        .map(|r| r.idempotency_key.as_deref())
        .collect();
    assert_eq!(keys, [Some("desk-2-order"), Some("desk-2-submit")]);
    assert_eq!(orders[0].customer_id.as_deref(), Some(customer_id.as_str()));
    assert_eq!(orders[0].payment_reference.as_deref(), Some("term-desk-2"));
    assert_eq!(orders[0].total_cents, 2 * offering.cost.minor());

    // With no delays Telness answers the submit COMPLETED, naming both eSIMs.
    assert_eq!(placed.provider_reference, *id);
    assert_eq!(placed.status, OrderStatus::Completed);
    assert_eq!(placed.esims.len(), 2);
    let subscriptions = sandbox.admin().telness().subscriptions();
    let iccids: HashSet<&str> = subscriptions.iter().map(|s| s.iccid.as_str()).collect();
    assert_eq!(iccids.len(), 2);
    assert!(
        placed
            .esims
            .iter()
            .all(|e| iccids.contains(e.iccid.as_str()))
    );
    assert_eq!(placed.lines.len(), 1);
    assert_eq!(placed.lines[0].quantity, 2);
    assert_eq!(placed.lines[0].iccids.len(), 2);
    let delivery = t.activation_codes(id).await.unwrap();
    assert_eq!(delivery.esims.len(), 2);
    assert!(
        delivery
            .esims
            .iter()
            .all(|e| e.activation_code.as_ref().unwrap().smdp_address() == SMDP)
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_lost_submit_reply_is_settled_by_the_draft_and_never_doubled() {
    let sandbox = sandbox().await;
    let t = adapter(&sandbox);
    let key = sandbox.telness_api_key().to_owned();
    let offering = cheapest(&t, "ES").await;
    let request = sale(&offering, "desk-3", 1);
    let draft = t.validate_order(&request).await.unwrap().draft.unwrap();
    let purchase = with_draft(&request, &draft);
    let submit_path = api_path(&sandbox, &format!("orders/{draft}/submit"));
    sandbox
        .admin()
        .add_fault(
            FaultSpec::new(FaultKind::DropAfterCommit)
                .on("POST", &submit_path)
                .times(1),
        )
        .unwrap();
    sandbox.admin().clear_requests();
    let err = t.place_order(&purchase).await.unwrap_err();
    assert_code(&err, "outcome_unknown", &key);
    assert!(err.to_string().contains(&draft), "names the order: {err}");
    assert!(sandbox.admin().faults().is_empty(), "the drop fired");

    // Sent once, never resent; the simulator took it (no answer went out).
    let requests = log(&sandbox);
    assert_eq!(steps(&requests), [step("POST", submit_path.clone())]);
    assert_eq!(requests[0].status, None);
    assert_eq!(
        requests[0].idempotency_key.as_deref(),
        Some("desk-3-submit")
    );
    let orders = sandbox.admin().telness().orders();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].state, "SUBMITTED");
    assert_eq!(orders[0].payment_reference.as_deref(), Some("term-desk-3"));

    // Reconciliation reads the draft it journaled: submitted, then processing, then completed.
    assert!(
        t.find_order(&OrderLookup::for_order(
            &request,
            time::OffsetDateTime::now_utc()
        ))
        .await
        .unwrap()
        .is_empty()
    );
    let (seen, done) = poll_until_final(&t, &sandbox, &draft).await;
    assert_eq!(
        seen,
        [
            OrderStatus::Provisioning,
            OrderStatus::Provisioning,
            OrderStatus::Provisioning,
            OrderStatus::Completed
        ]
    );
    assert_eq!(done.status, OrderStatus::Completed);
    assert_eq!(done.esims.len(), 1);
    let subscriptions = sandbox.admin().telness().subscriptions();
    assert_eq!(subscriptions.len(), 1);

    // "A repeat with the same key returns the first result" (§1): the identical submit, sent
    // again by hand, answers what the lost reply said (SUBMITTED) although the order is
    // COMPLETED by now, and buys nothing more.
    let body = json!({ "externalPayment": { "reference": "term-desk-3" } });
    for _ in 0..2 {
        let (status, replay) = raw_submit(&sandbox, &draft, Some("desk-3-submit"), &body).await;
        assert_eq!(status, 200, "{replay}");
        assert_eq!(replay["orderId"], draft.as_str());
        assert_eq!(replay["state"], "SUBMITTED");
        assert_eq!(replay["externalPayment"]["reference"], "term-desk-3");
    }
    // The same through the adapter: the first order again.
    let again = t.place_order(&purchase).await.unwrap();
    assert_eq!(again.provider_reference, draft);
    assert_eq!(again.status, OrderStatus::Provisioning);
    // Same key, another body: 409 (§1).
    let other = json!({ "externalPayment": { "reference": "term-OTHER" } });
    let (status, conflict) = raw_submit(&sandbox, &draft, Some("desk-3-submit"), &other).await;
    assert_eq!(status, 409, "{conflict}");
    assert_eq!(conflict["code"], "CONFLICT");
    // Without the key, a second submit is refused: the order is no longer a cart (§8.1).
    let (status, refused) = raw_submit(&sandbox, &draft, None, &body).await;
    assert_eq!(status, 409, "{refused}");
    // And once the key has expired (24 h), the same: still one order, one eSIM.
    sandbox
        .admin()
        .advance_clock(Duration::from_secs(25 * 3_600));
    let (status, _) = raw_submit(&sandbox, &draft, Some("desk-3-submit"), &body).await;
    assert_eq!(status, 409);
    let orders = sandbox.admin().telness().orders();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].state, "COMPLETED");
    assert_eq!(orders[0].payment_reference.as_deref(), Some("term-desk-3"));
    assert_eq!(sandbox.admin().telness().subscriptions(), subscriptions);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_cart_never_submitted_is_a_draft_and_once_cancelled_cannot_be_bought() {
    let sandbox = sandbox().await;
    let t = adapter(&sandbox);
    let key = sandbox.telness_api_key().to_owned();
    let offering = cheapest(&t, "ES").await;
    let request = sale(&offering, "desk-4", 1);
    let draft = t.validate_order(&request).await.unwrap().draft.unwrap();

    let status = t.order_status(&draft).await.unwrap();
    assert_eq!(status.status, OrderStatus::Draft);
    assert_eq!(status.status.order_state(), OrderState::Submitted);
    assert_eq!(status.kind, OrderKind::NewEsim);
    assert_eq!(status.client_reference.as_deref(), Some("desk-4"));
    assert!(status.has_lines(&request.lines));
    assert!(status.esims.is_empty());
    // Even days later (the cart lives 7 days): still a draft, nothing bought.
    sandbox
        .admin()
        .advance_clock(Duration::from_secs(2 * 86_400));
    assert_eq!(
        t.order_status(&draft).await.unwrap().status,
        OrderStatus::Draft
    );

    // Cancelled before anyone submits it (§8.4).
    sandbox.admin().clear_requests();
    let outcome = t
        .cancel(&CancelTarget::Order {
            provider_reference: draft.clone(),
        })
        .await
        .unwrap();
    assert_eq!(outcome.refund, Refund::None);
    let requests = log(&sandbox);
    assert_eq!(
        steps(&requests),
        [step(
            "POST",
            api_path(&sandbox, &format!("orders/{draft}/cancel"))
        )]
    );
    assert_eq!(requests[0].status, Some(200));
    assert_eq!(sandbox.admin().telness().orders()[0].state, "CANCELLED");
    assert_eq!(
        t.order_status(&draft).await.unwrap().status,
        OrderStatus::Cancelled
    );

    // A late submit of it is refused by Telness (409). The adapter cannot tell that from a
    // submit of this sale that already went through, so it says "unknown" and the order is
    // read: cancelled, nothing bought.
    sandbox.admin().clear_requests();
    let err = t
        .place_order(&with_draft(&request, &draft))
        .await
        .unwrap_err();
    assert_code(&err, "outcome_unknown", &key);
    let requests = log(&sandbox);
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].status, Some(409));
    assert_eq!(sandbox.admin().telness().orders()[0].state, "CANCELLED");
    assert!(sandbox.admin().telness().subscriptions().is_empty());
    assert_eq!(
        t.order_status(&draft).await.unwrap().status,
        OrderStatus::Cancelled
    );
    // Cancelling it again is refused (409: already final).
    let err = t
        .cancel(&CancelTarget::Order {
            provider_reference: draft.clone(),
        })
        .await
        .unwrap_err();
    assert_code(&err, "invalid_request", &key);
    sandbox.shutdown().await;
}

// ------------------------------------------------------------------ usage, top-up and cancel

#[tokio::test]
async fn usage_a_top_up_and_cancelling_the_esim() {
    let sandbox = sandbox().await;
    instant_fulfilment(&sandbox);
    let t = adapter(&sandbox);
    let key = sandbox.telness_api_key().to_owned();
    let offering = cheapest(&t, "ES").await;
    let request = sale(&offering, "desk-5", 1);
    let draft = t.validate_order(&request).await.unwrap().draft.unwrap();
    let placed = t.place_order(&with_draft(&request, &draft)).await.unwrap();
    assert_eq!(placed.status, OrderStatus::Completed);
    let esim = placed.esims[0].handle();
    let subscription = esim.provider_ref.clone().unwrap();
    let limit = offering.data.limited_bytes().unwrap();

    // The package bought with the eSIM: the plan data (`dataBytes`, §9.4).
    let usage = t.usage(&esim).await.unwrap();
    assert_eq!(usage.iccid, esim.iccid);
    assert_eq!(usage.profile_status, None);
    assert_eq!(usage.packages.len(), 1, "{:?}", usage.packages);
    let plan = &usage.packages[0].package;
    assert_eq!(plan.allowance, offering.data);
    assert_eq!(plan.state, PackageState::Active);
    assert_eq!(
        plan.usage.unwrap().remaining,
        Some(DataAmount::from_bytes(limit))
    );
    assert_eq!(
        sandbox
            .admin()
            .telness()
            .consume(esim.iccid.as_str(), 1_000_000)
            .unwrap(),
        1_000_000
    );
    let usage = t.usage(&esim).await.unwrap();
    let plan = &usage.packages[0].package;
    assert_eq!(
        plan.usage.unwrap().remaining,
        Some(DataAmount::from_bytes(limit - 1_000_000))
    );
    // Telness's `updatedAt`: the (frozen) sandbox clock.
    assert_eq!(plan.usage.unwrap().taken_at, sandbox.admin().now());

    // Top-ups: every package (several regions may coexist on one subscription, §2).
    let fr = Country::parse("FR").unwrap();
    let top_ups = t
        .top_up_offerings(&esim, &CatalogueQuery::country(fr))
        .await
        .unwrap();
    assert!(!top_ups.is_empty());
    assert!(top_ups.iter().all(|o| o.covers(fr)));
    let top = top_ups
        .iter()
        .max_by_key(|o| o.cost.minor())
        .unwrap()
        .clone();
    assert_eq!(
        t.check_top_up(&esim, &top.code).await.unwrap(),
        TopUpCheck::Unknown
    );
    let top_up = TopUpRequest {
        client_reference: "desk-6".into(),
        esim: esim.clone(),
        offering_code: top.code.clone(),
        quoted_total: top.cost,
        payment_reference: Some("term-desk-6".into()),
        draft: None,
        sale_country: None,
    };
    sandbox.admin().clear_requests();
    let validated = t.validate_top_up(&top_up).await.unwrap();
    assert_eq!(validated.total, top.cost);
    assert_eq!(validated.lines[0].unit_price, Some(top.cost));
    let top_draft = validated.draft.clone().unwrap();
    let requests = log(&sandbox);
    assert_eq!(
        steps(&requests),
        [
            step(
                "GET",
                api_path(&sandbox, &format!("subscriptions/{subscription}"))
            ),
            step("POST", api_path(&sandbox, "orders")),
            step(
                "POST",
                api_path(&sandbox, &format!("orders/{top_draft}/calculate-price"))
            ),
        ]
    );
    assert_eq!(requests[1].idempotency_key.as_deref(), Some("desk-6-order"));
    let orders = sandbox.admin().telness().orders();
    let cart = orders.iter().find(|o| o.order_id == top_draft).unwrap();
    assert_eq!(cart.state, "PENDING");
    assert_eq!(cart.lines.len(), 1);
    assert_eq!(cart.lines[0].kind, "ADDON");
    assert_eq!(cart.lines[0].product_offering_id, top.code);
    assert_eq!(
        cart.lines[0].subscription_id.as_deref(),
        Some(subscription.as_str())
    );
    assert_eq!(
        cart.customer_id, orders[0].customer_id,
        "the eSIM's own customer"
    );

    // The top-up's purchase: one submit of its draft.
    sandbox.admin().clear_requests();
    let topped = t
        .place_top_up(&TopUpRequest {
            draft: Some(top_draft.clone()),
            ..top_up.clone()
        })
        .await
        .unwrap();
    let requests = log(&sandbox);
    assert_eq!(
        steps(&requests),
        [step(
            "POST",
            api_path(&sandbox, &format!("orders/{top_draft}/submit"))
        )]
    );
    assert_eq!(
        requests[0].idempotency_key.as_deref(),
        Some("desk-6-submit")
    );
    assert_eq!(topped.provider_reference, top_draft);
    assert_eq!(topped.kind, OrderKind::TopUp);
    assert_eq!(topped.status, OrderStatus::Completed);
    assert_eq!(topped.esims.len(), 1);
    assert_eq!(topped.esims[0].iccid, esim.iccid);
    assert_eq!(topped.lines[0].iccids, std::slice::from_ref(&esim.iccid));
    let read = t.order_status(&top_draft).await.unwrap();
    assert_eq!(read.kind, OrderKind::TopUp);
    assert_eq!(read.status, OrderStatus::Completed);
    assert_eq!(read.esims[0].iccid, esim.iccid);
    assert_eq!(
        read.esims[0].provider_ref.as_deref(),
        Some(subscription.as_str())
    );

    // The package is on the same subscription; usage shows it as top-up data.
    let subs = sandbox.admin().telness().subscriptions();
    assert_eq!(subs.len(), 1, "no new eSIM");
    let packages = &subs[0].packages;
    assert_eq!(packages.len(), 2);
    assert!(!packages[0].top_up);
    assert!(packages[1].top_up);
    assert_eq!(packages[1].product_offering_id, top.code);
    assert_eq!(packages[1].order_id, top_draft);
    let usage = t.usage(&esim).await.unwrap();
    assert_eq!(usage.packages.len(), 2, "{:?}", usage.packages);
    assert_eq!(usage.packages[0].package.allowance, offering.data);
    let added = &usage.packages[1].package;
    assert_eq!(added.allowance, top.data);
    assert_eq!(
        added.usage.unwrap().remaining,
        Some(DataAmount::from_bytes(top.data.limited_bytes().unwrap()))
    );
    assert_ne!(usage.packages[0].package.offering_code, added.offering_code);
    // The seed's usage shape (`dataUsed`/`dataRemaining`, bytes, open point 6), which the
    // simulator also sends, tells the same story as the reference's shape the adapter read.
    let raw: Value = raw_client()
        .get(format!(
            "{}/subscriptions/{subscription}/usage",
            sandbox.telness_base_url()
        ))
        .header("X-API-Key", sandbox.telness_api_key())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (mut limit_sum, mut remaining_sum) = (0, 0);
    for p in &usage.packages {
        limit_sum += p.package.allowance.limited_bytes().unwrap();
        remaining_sum += p.package.usage.unwrap().remaining.unwrap().bytes();
    }
    assert_eq!(raw["dataRemaining"], remaining_sum);
    assert_eq!(raw["dataUsed"], limit_sum - remaining_sum);
    assert_eq!(raw["dataUsed"], 1_000_000);

    // A completed order cannot be cancelled (409); the eSIM can (§9.5).
    assert_code(
        &t.cancel(&CancelTarget::Order {
            provider_reference: draft.clone(),
        })
        .await
        .unwrap_err(),
        "invalid_request",
        &key,
    );
    assert_code(
        &t.cancel(&CancelTarget::Package {
            esim: esim.clone(),
            offering_code: top.code.clone(),
            assignment_id: "x".into(),
        })
        .await
        .unwrap_err(),
        "unsupported",
        &key,
    );
    sandbox.admin().clear_requests();
    let outcome = t
        .cancel(&CancelTarget::Esim { esim: esim.clone() })
        .await
        .unwrap();
    assert_eq!(outcome.refund, Refund::Unknown);
    assert!(outcome.message.unwrap().contains("cancelled"));
    let requests = log(&sandbox);
    assert_eq!(
        requests[0].path,
        api_path(&sandbox, &format!("subscriptions/{subscription}/cancel"))
    );
    assert_eq!(requests[0].status, Some(200));
    assert_eq!(
        sandbox.admin().telness().subscriptions()[0].status,
        "CANCELLED"
    );
    let usage = t.usage(&esim).await.unwrap();
    assert_eq!(usage.profile_status, Some(ProfileStatus::Deactivated));
    assert!(
        usage
            .packages
            .iter()
            .all(|p| p.package.state == PackageState::Revoked),
        "{:?}",
        usage.packages
    );
    // No code for a cancelled eSIM, no top-up on it (refused before any cart), no second cancel.
    let delivery = t.activation_codes(&draft).await.unwrap();
    assert_eq!(delivery.esims.len(), 1);
    assert_eq!(delivery.esims[0].activation_code, None);
    assert_eq!(delivery.notes.len(), 1, "{:?}", delivery.notes);
    sandbox.admin().clear_requests();
    let err = t
        .validate_top_up(&TopUpRequest {
            client_reference: "desk-7".into(),
            ..top_up.clone()
        })
        .await
        .unwrap_err();
    assert_code(&err, "invalid_request", &key);
    assert!(log(&sandbox).iter().all(|r| r.method == "GET"));
    assert_code(
        &t.cancel(&CancelTarget::Esim { esim: esim.clone() })
            .await
            .unwrap_err(),
        "invalid_request",
        &key,
    );
    sandbox.shutdown().await;
}

// ---------------------------------------------------------------------- fulfilment outcomes

#[tokio::test]
async fn fulfilment_that_never_completes_stays_provisioning() {
    let sandbox = sandbox().await;
    sandbox
        .admin()
        .telness()
        .set_outcome(TelnessOutcome::StayProcessing);
    let t = adapter(&sandbox);
    let offering = cheapest(&t, "ES").await;
    let mut drafts = Vec::new();
    for reference in ["desk-8", "desk-9"] {
        let request = sale(&offering, reference, 1);
        let draft = t.validate_order(&request).await.unwrap().draft.unwrap();
        t.place_order(&with_draft(&request, &draft)).await.unwrap();
        drafts.push(draft);
    }
    // A day later: still being fulfilled, no eSIM named, no code.
    for _ in 0..24 {
        sandbox.admin().advance_clock(Duration::from_secs(3_600));
        let order = t.order_status(&drafts[0]).await.unwrap();
        assert_eq!(order.status, OrderStatus::Provisioning);
        assert!(order.esims.is_empty());
    }
    assert!(!OrderStatus::Provisioning.is_final());
    let orders = sandbox.admin().telness().orders();
    assert!(orders.iter().all(|o| o.state == "PROCESSING"));
    let delivery = t.activation_codes(&drafts[0]).await.unwrap();
    assert!(delivery.esims.is_empty());
    assert_eq!(delivery.notes.len(), 1);

    // Released, it completes; the other, cancelled by the desk meanwhile, ends cancelled.
    sandbox
        .admin()
        .telness()
        .set_order_outcome(&drafts[0], TelnessOutcome::Complete)
        .unwrap();
    let done = t.order_status(&drafts[0]).await.unwrap();
    assert_eq!(done.status, OrderStatus::Completed);
    assert_eq!(done.esims.len(), 1);
    let outcome = t
        .cancel(&CancelTarget::Order {
            provider_reference: drafts[1].clone(),
        })
        .await
        .unwrap();
    assert_eq!(outcome.refund, Refund::None);
    assert_eq!(
        t.order_status(&drafts[1]).await.unwrap().status,
        OrderStatus::Cancelled
    );
    let subs = sandbox.admin().telness().subscriptions();
    let stuck = subs.iter().find(|s| s.order_id == drafts[1]).unwrap();
    assert_eq!(stuck.status, "CANCELLED");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn fulfilment_that_ends_cancelled_is_cancelled() {
    let sandbox = sandbox().await;
    sandbox
        .admin()
        .telness()
        .set_outcome(TelnessOutcome::Cancel);
    let t = adapter(&sandbox);
    let offering = cheapest(&t, "ES").await;
    let request = sale(&offering, "desk-10", 1);
    let draft = t.validate_order(&request).await.unwrap().draft.unwrap();
    let placed = t.place_order(&with_draft(&request, &draft)).await.unwrap();
    assert_eq!(placed.status, OrderStatus::Provisioning);
    let (seen, done) = poll_until_final(&t, &sandbox, &draft).await;
    assert_eq!(seen.last(), Some(&OrderStatus::Cancelled));
    assert!(
        seen[..seen.len() - 1]
            .iter()
            .all(|s| *s == OrderStatus::Provisioning)
    );
    assert_eq!(done.status.order_state(), OrderState::Cancelled);
    assert!(done.esims.is_empty());
    assert_eq!(sandbox.admin().telness().orders()[0].state, "CANCELLED");
    let subs = sandbox.admin().telness().subscriptions();
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0].status, "CANCELLED");
    let delivery = t.activation_codes(&draft).await.unwrap();
    assert!(delivery.esims.is_empty());
    sandbox.shutdown().await;
}

// ----------------------------------------------------------------------------- error mapping

#[tokio::test]
async fn reads_honour_retry_after_but_a_rate_limited_submit_is_never_resent() {
    let sandbox = sandbox().await;
    let t = adapter(&sandbox);
    let key = sandbox.telness_api_key().to_owned();
    let listing = api_path(&sandbox, "product-offerings");
    sandbox
        .admin()
        .add_fault(
            FaultSpec {
                retry_after: Some(1),
                ..FaultSpec::status(429)
            }
            .on("GET", &listing)
            .times(1),
        )
        .unwrap();
    sandbox.admin().clear_requests();
    let page = t
        .catalogue_page(&CatalogueQuery::all(), None)
        .await
        .unwrap();
    assert!(!page.offerings.is_empty());
    // Retried once, as the reply asked (how long it waited is the shared client's unit tests'
    // business: no wall-clock assertion here).
    let statuses: Vec<Option<u16>> = log(&sandbox).iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Some(429), Some(200)]);

    // A wait longer than the adapter sits through: not waited for, in the error.
    let id = sandbox
        .admin()
        .add_fault(
            FaultSpec {
                retry_after: Some(120),
                ..FaultSpec::status(429)
            }
            .on("GET", &listing),
        )
        .unwrap();
    let err = t
        .catalogue_page(&CatalogueQuery::all(), None)
        .await
        .unwrap_err();
    assert_code(&err, "rate_limited", &key);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(fired(&sandbox, id), 1, "not retried");
    sandbox.admin().clear_faults();

    // The submit: refused by a 429, not sent again; nothing was bought.
    let offering = cheapest(&t, "ES").await;
    let request = sale(&offering, "desk-11", 1);
    let draft = t.validate_order(&request).await.unwrap().draft.unwrap();
    let submit_path = api_path(&sandbox, &format!("orders/{draft}/submit"));
    sandbox
        .admin()
        .add_fault(
            FaultSpec {
                retry_after: Some(0),
                ..FaultSpec::status(429)
            }
            .on("POST", &submit_path),
        )
        .unwrap();
    sandbox.admin().clear_requests();
    let err = t
        .place_order(&with_draft(&request, &draft))
        .await
        .unwrap_err();
    assert_code(&err, "rate_limited", &key);
    assert!(err.is_transient());
    let requests = log(&sandbox);
    assert_eq!(steps(&requests), [step("POST", submit_path)]);
    assert_eq!(requests[0].status, Some(429));
    assert_eq!(
        t.order_status(&draft).await.unwrap().status,
        OrderStatus::Draft
    );
    // Tried again later, it goes through once.
    sandbox.admin().clear_faults();
    let placed = t.place_order(&with_draft(&request, &draft)).await.unwrap();
    assert_eq!(placed.status, OrderStatus::Provisioning);
    assert_eq!(sandbox.admin().telness().orders()[0].state, "SUBMITTED");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn server_errors_on_reads_are_retried_and_on_a_submit_are_unknown() {
    let sandbox = sandbox().await;
    let t = adapter(&sandbox);
    let key = sandbox.telness_api_key().to_owned();
    let offering = cheapest(&t, "ES").await;
    let request = sale(&offering, "desk-12", 1);
    let draft = t.validate_order(&request).await.unwrap().draft.unwrap();
    let order_path = api_path(&sandbox, &format!("orders/{draft}"));

    // A 500 on a GET: retried, then OK (§11: "5xx server error (retry GETs; …)").
    sandbox
        .admin()
        .add_fault(FaultSpec::status(500).on("GET", &order_path).times(1))
        .unwrap();
    sandbox.admin().clear_requests();
    let status = t.order_status(&draft).await.unwrap();
    assert_eq!(status.status, OrderStatus::Draft);
    let statuses: Vec<Option<u16>> = log(&sandbox).iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Some(500), Some(200)]);

    // Busy on every try: one try and three retries, then unavailable.
    let id = sandbox
        .admin()
        .add_fault(
            FaultSpec {
                retry_after: Some(0),
                ..FaultSpec::status(503)
            }
            .on("GET", &order_path),
        )
        .unwrap();
    let err = t.order_status(&draft).await.unwrap_err();
    assert_code(&err, "unavailable", &key);
    assert!(err.is_transient());
    assert_eq!(fired(&sandbox, id), 4, "one try and three retries");
    sandbox.admin().clear_faults();

    // A 503 on the submit: sent once, and its outcome unknown. The order read then says it was
    // not taken (still a draft), so the same submit may go again.
    let submit_path = api_path(&sandbox, &format!("orders/{draft}/submit"));
    sandbox
        .admin()
        .add_fault(
            FaultSpec {
                retry_after: Some(0),
                ..FaultSpec::status(503)
            }
            .on("POST", &submit_path)
            .times(1),
        )
        .unwrap();
    sandbox.admin().clear_requests();
    let purchase = with_draft(&request, &draft);
    let err = t.place_order(&purchase).await.unwrap_err();
    assert_code(&err, "outcome_unknown", &key);
    assert_eq!(steps(&log(&sandbox)), [step("POST", submit_path.clone())]);
    assert_eq!(
        t.order_status(&draft).await.unwrap().status,
        OrderStatus::Draft
    );

    // A submit whose reply arrives broken: it was taken, and the adapter does not claim to know.
    sandbox
        .admin()
        .add_fault(
            FaultSpec::new(FaultKind::MalformedJson)
                .on("POST", &submit_path)
                .times(1),
        )
        .unwrap();
    sandbox.admin().clear_requests();
    let err = t.place_order(&purchase).await.unwrap_err();
    assert_code(&err, "outcome_unknown", &key);
    let requests = log(&sandbox);
    assert_eq!(steps(&requests), [step("POST", submit_path)]);
    assert_eq!(requests[0].status, Some(200));
    assert_eq!(sandbox.admin().telness().orders()[0].state, "SUBMITTED");
    assert_eq!(
        t.order_status(&draft).await.unwrap().status,
        OrderStatus::Provisioning
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_malformed_read_is_a_typed_error_and_not_retried() {
    let sandbox = sandbox().await;
    instant_fulfilment(&sandbox);
    let t = adapter(&sandbox);
    let key = sandbox.telness_api_key().to_owned();
    let offering = cheapest(&t, "ES").await;
    let request = sale(&offering, "desk-13", 1);
    let draft = t.validate_order(&request).await.unwrap().draft.unwrap();
    let placed = t.place_order(&with_draft(&request, &draft)).await.unwrap();
    let esim = placed.esims[0].handle();
    let subscription = esim.provider_ref.clone().unwrap();

    for (path, call) in [
        (format!("orders/{draft}"), "order"),
        ("product-offerings".to_owned(), "catalogue"),
        (format!("subscriptions/{subscription}/usage"), "usage"),
    ] {
        let id = sandbox
            .admin()
            .add_fault(
                FaultSpec::new(FaultKind::MalformedJson)
                    .on("GET", &api_path(&sandbox, &path))
                    .times(2),
            )
            .unwrap();
        let err = match call {
            "order" => t.order_status(&draft).await.unwrap_err(),
            "catalogue" => t
                .catalogue_page(&CatalogueQuery::all(), None)
                .await
                .unwrap_err(),
            _ => t.usage(&esim).await.unwrap_err(),
        };
        assert_code(&err, "malformed_reply", &key);
        assert!(!err.is_transient());
        assert_eq!(fired(&sandbox, id), 1, "{call}: not retried");
        sandbox.admin().clear_faults();
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn unknown_ids_are_not_found() {
    let sandbox = sandbox().await;
    let t = adapter(&sandbox);
    let key = sandbox.telness_api_key().to_owned();
    let unknown = "00000000-0000-4000-8000-000000000000";
    sandbox.admin().clear_requests();
    assert_code(
        &t.order_status(unknown).await.unwrap_err(),
        "not_found",
        &key,
    );
    assert_code(
        &t.activation_codes(unknown).await.unwrap_err(),
        "not_found",
        &key,
    );
    assert_code(
        &t.cancel(&CancelTarget::Order {
            provider_reference: unknown.into(),
        })
        .await
        .unwrap_err(),
        "not_found",
        &key,
    );
    let stranger = EsimHandle {
        iccid: esimdesk_core::Iccid::parse("89460000000012345674").unwrap(),
        provider_ref: Some(unknown.into()),
    };
    assert_code(&t.usage(&stranger).await.unwrap_err(), "not_found", &key);
    assert_code(
        &t.cancel(&CancelTarget::Esim {
            esim: stranger.clone(),
        })
        .await
        .unwrap_err(),
        "not_found",
        &key,
    );
    // Each answered 404 once: a 404 is not retried.
    let requests = log(&sandbox);
    assert!(
        requests.iter().all(|r| r.status == Some(404)),
        "{requests:?}"
    );
    assert_eq!(requests.len(), 5);
    // An eSIM without its subscription id cannot be addressed: refused before sending.
    let bare = EsimHandle::iccid(stranger.iccid.clone());
    assert_code(&t.usage(&bare).await.unwrap_err(), "invalid_request", &key);
    assert_eq!(log(&sandbox).len(), 5);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn every_other_typed_error() {
    let sandbox = sandbox().await;
    let key = sandbox.telness_api_key().to_owned();
    let t = adapter(&sandbox);

    // 403.
    let listing = api_path(&sandbox, "product-offerings");
    sandbox
        .admin()
        .add_fault(FaultSpec::status(403).on("GET", &listing).times(1))
        .unwrap();
    assert_code(
        &t.catalogue_page(&CatalogueQuery::all(), None)
            .await
            .unwrap_err(),
        "forbidden",
        &key,
    );

    // No reply in time to a read.
    let impatient = adapter_tuned(&sandbox, &key, |c| {
        c.http.timeout = Duration::from_millis(100);
        c.http.max_retries = 0;
    });
    sandbox
        .admin()
        .add_fault(FaultSpec::latency(400).on("GET", &listing).times(1))
        .unwrap();
    assert_code(
        &impatient
            .catalogue_page(&CatalogueQuery::all(), None)
            .await
            .unwrap_err(),
        "timeout",
        &key,
    );

    // What Telness does not offer.
    assert_code(&t.balance().await.unwrap_err(), "unsupported", &key);

    // A plain-http base URL off this machine.
    let err = Telness::new(TelnessConfig::with_base_url(
        Url::parse("http://connect.telnesstech.example/api/v2").unwrap(),
        SecretString::from(key.clone()),
    ))
    .unwrap_err();
    assert_code(&err, "configuration", &key);

    // Nobody listening: a read fails to connect, and a submit that never left bought nothing.
    let offering = cheapest(&t, "ES").await;
    let request = sale(&offering, "desk-14", 1);
    let draft = t.validate_order(&request).await.unwrap().draft.unwrap();
    sandbox.shutdown().await;
    assert_code(&t.order_status(&draft).await.unwrap_err(), "network", &key);
    assert_code(
        &t.place_order(&with_draft(&request, &draft))
            .await
            .unwrap_err(),
        "network",
        &key,
    );
}
