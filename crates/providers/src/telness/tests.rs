//! The adapter against a scripted local HTTP server (`test_server.rs`): what goes on the wire,
//! what comes back, and the purchase rules (the submit of the draft is the one spending request,
//! sent once; a lost reply is outcome unknown; the idempotency keys are the sale's).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use esimdesk_core::{
    Currency, Customer, Iccid, Money, OrderKind, PackageState, ProfileStatus, Region,
};
use secrecy::SecretString;
use time::macros::datetime;

use super::*;
use crate::test_server::{Recorded, Respond, TestServer};
use crate::{DeliverySource, OrderStatus, RequestLine};

const KEY: &str = "tk_test_SECRET0000000000000001";
const BASE: &str = "/api/v2";
const ORDER_ID: &str = "4b0f6a8e-2d7c-4e59-9a39-0f1d2c3b4a55";
const SUB_ID: &str = "d8174435-6378-4be5-a9f5-8b4aaadae5d4";
const ICCID: &str = "89460000000012345674";
const CODE: &str = "LPA:1$rsp.sandbox-telness.example.com$K2-4Q7ZP-1MB3XY";

fn eur() -> Currency {
    Currency::parse("EUR").unwrap()
}

fn settings() -> HttpSettings {
    HttpSettings {
        timeout: Duration::from_millis(1500),
        connect_timeout: Duration::from_secs(1),
        rate_limit: None,
        max_retries: 3,
        default_retry_after: Duration::from_millis(10),
        max_retry_wait: Duration::from_secs(5),
        retry_server_errors: true,
        correlation_header: None,
    }
}

fn config(server: &TestServer) -> TelnessConfig {
    let mut config = TelnessConfig::with_base_url(server.url.clone(), SecretString::from(KEY));
    config.http = settings();
    config
}

fn adapter(server: &TestServer) -> Telness {
    Telness::new(config(server)).unwrap()
}

fn ana() -> Customer {
    Customer {
        name: "Ana García".into(),
        email: Some("ana@example.com".into()),
        phone: None,
        device_model: None,
        eid: None,
    }
}

fn request(draft: Option<&str>) -> OrderRequest {
    OrderRequest {
        client_reference: "desk-42".into(),
        lines: vec![RequestLine {
            offering_code: "europe-5gb-30days-offering-id".into(),
            quantity: 1,
        }],
        quoted_total: Money::from_minor(1499, eur()),
        customer: Some(ana()),
        payment_reference: Some("term-7Q2K-0042".into()),
        sale_country: None,
        draft: draft.map(str::to_owned),
        push_to_iphone: None,
    }
}

fn esim() -> EsimHandle {
    EsimHandle {
        iccid: Iccid::parse(ICCID).unwrap(),
        provider_ref: Some(SUB_ID.into()),
    }
}

fn top_up(draft: Option<&str>) -> TopUpRequest {
    TopUpRequest {
        client_reference: "desk-43".into(),
        esim: esim(),
        offering_code: "europe-10gb-30days-offering-id".into(),
        quoted_total: Money::from_minor(2499, eur()),
        payment_reference: Some("term-7Q2K-0043".into()),
        draft: draft.map(str::to_owned),
        sale_country: None,
    }
}

// ---------------------------------------------------------------------------------------------
// A Telness that answers as the reference's examples do.

const SUBSCRIPTION_OFFERINGS: &str = r#"{"items": [
  {"productOfferingId": "travel-esim-subscription-offering-id", "status": "AVAILABLE",
   "name": "Travel eSIM", "product": {"productId": "prd_travel", "type": "SUBSCRIPTION",
   "category": "TRAVEL_ESIM", "features": {}},
   "price": {"netPrice": 0, "currency": "EUR", "priceType": "ONE_TIME"}}],
  "pagination": {"nextCursor": null}}"#;

fn package(id: &str, price: &str, extra_features: &str) -> String {
    format!(
        r#"{{"productOfferingId": "{id}", "status": "AVAILABLE", "name": "Europe {id}",
        "customerType": "CONSUMER",
        "product": {{"productId": "prd_{id}", "type": "SUBSCRIPTION_ADDON", "category": "TRAVEL_ESIM_PACKAGE",
          "features": {{"dataMb": 5120, "validityDays": 30, "countries": ["ES", "FR", "DE", "IT"],
                        "regions": ["EUROPE"], "activationType": "FIRST_USE"{extra_features}}}}},
        "price": {{"grossPrice": {price}, "discount": 0, "netPrice": {price}, "currency": "EUR",
                  "priceType": "ONE_TIME", "taxIncluded": true}}}}"#
    )
}

fn packages_page(items: &[String], next: Option<&str>) -> String {
    let next = next.map_or("null".to_owned(), |c| format!("\"{c}\""));
    format!(
        r#"{{"items": [{}], "pagination": {{"nextCursor": {next}}}}}"#,
        items.join(",")
    )
}

fn cart_reply(state: &str) -> String {
    format!(
        r#"{{"orderId": "{ORDER_ID}", "state": "{state}",
        "customer": {{"customerId": "123e4567-e89b-12d3-a456-426614174000"}},
        "lineItems": [
          {{"type": "SUBSCRIPTION", "lineItemId": "esim-1", "productOfferingId": "travel-esim-subscription-offering-id",
            "subscriber": {{"name": "Ana García", "email": "ana@example.com"}}, "sim": {{"esim": true}}}},
          {{"type": "ADDON", "lineItemId": "package-1", "productOfferingId": "europe-5gb-30days-offering-id",
            "parentLineItemId": "esim-1"}}],
        "validation": {{"isValid": true, "missingFields": [], "errors": [], "lineItemValidation": []}},
        "requirements": {{"requiresPayment": "REQUIRED", "requiresPaymentProfile": "NOT_REQUIRED",
                          "requiresSigning": "NOT_REQUIRED"}},
        "metadata": {{"deskSaleRef": "desk-42"}},
        "createdAt": "2025-06-02T09:14:00Z", "updatedAt": "2025-06-02T09:14:00Z",
        "expiresAt": "2025-06-09T09:14:00Z"}}"#
    )
}

fn price_reply(total: &str) -> String {
    format!(
        r#"{{"pricing": {{"subtotal": {total}, "taxAmount": 0, "fees": 0, "total": {total}, "taxIncluded": true,
        "currency": "EUR", "calculatedAt": "2025-06-02T09:14:05Z",
        "lineItemPricing": [
          {{"lineItemId": "esim-1", "description": "Travel eSIM", "amount": 0, "taxAmount": 0,
            "taxIncluded": true, "taxBreakdown": []}},
          {{"lineItemId": "package-1", "description": "Europe 5 GB / 30 days", "amount": {total},
            "taxAmount": 0, "taxIncluded": true, "taxBreakdown": []}}]}}}}"#
    )
}

const SUBMITTED: &str = r#"{"orderId": "4b0f6a8e-2d7c-4e59-9a39-0f1d2c3b4a55", "state": "PROCESSING",
  "externalPayment": {"reference": "term-7Q2K-0042", "receiptDescription": "Travel eSIM data package"},
  "submittedAt": "2025-06-02T09:15:10Z", "createdEntities": {"subscriptions": []}}"#;

fn completed_order() -> String {
    cart_reply("COMPLETED").replace(
        r#""createdAt""#,
        &format!(r#""createdEntities": {{"subscriptions": [{{"subscriptionId": "{SUB_ID}"}}]}}, "createdAt""#),
    )
}

fn top_up_order(state: &str) -> String {
    format!(
        r#"{{"orderId": "topup-order-1", "state": "{state}",
        "lineItems": [{{"type": "ADDON", "lineItemId": "topup-package",
          "productOfferingId": "europe-10gb-30days-offering-id", "subscriptionId": "{SUB_ID}"}}],
        "metadata": {{"deskSaleRef": "desk-43"}}, "createdEntities": {{"subscriptions": []}}}}"#
    )
}

fn subscription(status: &str) -> String {
    format!(
        r#"{{"subscriptionId": "{SUB_ID}", "status": "{status}", "type": "MOBILE", "msisdn": "46700000000",
        "customer": {{"customerId": "cust-of-the-esim", "name": "Ana García"}},
        "sim": {{"esim": true, "iccid": "{ICCID}"}}, "referenceId": null,
        "activatedAt": "2025-06-02T09:15:40Z", "createdAt": "2025-06-02T09:15:12Z"}}"#
    )
}

const QR: &str = r#"{"subscriptionId": "d8174435-6378-4be5-a9f5-8b4aaadae5d4",
  "qrCodeData": "LPA:1$rsp.sandbox-telness.example.com$K2-4Q7ZP-1MB3XY",
  "qrCodeUrl": "https://esim.sandbox-telness.example.com/qr/d8174435-6378-4be5-a9f5-8b4aaadae5d4",
  "expiresAt": "2025-06-09T09:15:10Z", "metadata": {}}"#;

const USAGE: &str = r#"{"dataBytes": {"remaining": 4294967296, "limit": 5368709120},
  "topupBytes": {"remaining": 0, "limit": 0}, "callCount": 0, "callSeconds": 0, "smsCount": 0,
  "period": {"startDate": "2025-06-02", "endDate": "2025-07-01"}, "updatedAt": "2025-06-05T18:00:00Z"}"#;

/// The path under the base, e.g. `/orders/{id}/submit`.
fn route(r: &Recorded) -> &str {
    r.path.strip_prefix(BASE).unwrap_or(&r.path)
}

/// Every documented call answered as in the reference's examples.
fn happy(r: &Recorded) -> Respond {
    let path = route(r);
    match (r.method.as_str(), path) {
        ("GET", "/product-offerings") => match r.query_value("categories") {
            Some("TRAVEL_ESIM") => Respond::json(200, SUBSCRIPTION_OFFERINGS),
            _ => Respond::json(
                200,
                &packages_page(
                    &[package("europe-5gb-30days-offering-id", "14.99", "")],
                    None,
                ),
            ),
        },
        ("GET", p) if p.starts_with("/product-offerings/") => Respond::json(
            200,
            &package(p.trim_start_matches("/product-offerings/"), "14.99", ""),
        ),
        ("POST", "/orders") => Respond::json(201, &cart_reply("PENDING")),
        ("POST", p) if p.ends_with("/calculate-price") => Respond::json(200, &price_reply("14.99")),
        ("POST", p) if p.ends_with("/submit") => Respond::json(200, SUBMITTED),
        ("POST", p) if p.starts_with("/orders/") && p.ends_with("/cancel") => {
            Respond::json(200, &cart_reply("CANCELLED"))
        }
        ("GET", "/orders/topup-order-1") => Respond::json(200, &top_up_order("COMPLETED")),
        ("GET", p) if p.starts_with("/orders/") => Respond::json(200, &completed_order()),
        ("GET", p) if p.ends_with("/esim/qrcode") => Respond::json(200, QR),
        ("GET", p) if p.ends_with("/usage") => Respond::json(200, USAGE),
        ("POST", p) if p.starts_with("/subscriptions/") && p.ends_with("/cancel") => {
            Respond::json(200, "{}")
        }
        ("GET", p) if p.starts_with("/subscriptions/") => {
            Respond::json(200, &subscription("ACTIVATED"))
        }
        _ => Respond::json(404, r#"{"message": "no route", "code": "NOT_FOUND"}"#),
    }
}

/// A server answering `over` where it has something to say, else [`happy`].
async fn server_with(
    over: impl Fn(&Recorded) -> Option<Respond> + Send + Sync + 'static,
) -> TestServer {
    TestServer::start(BASE, move |r| over(r).unwrap_or_else(|| happy(r))).await
}

async fn happy_server() -> TestServer {
    server_with(|_| None).await
}

/// `(method, path under the base)` of every request, in order.
fn sequence(server: &TestServer) -> Vec<(String, String)> {
    server
        .requests()
        .iter()
        .map(|r| (r.method.clone(), route(r).to_owned()))
        .collect()
}

fn step(method: &str, path: &str) -> (String, String) {
    (method.to_owned(), path.to_owned())
}

fn submits(server: &TestServer) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/submit"))
        .count()
}

// ---------------------------------------------------------------------------------------------
// Catalogue

#[tokio::test]
async fn the_catalogue_walks_cursors_with_the_key_and_the_package_category() {
    let server = TestServer::start(BASE, |r| match r.query_value("cursor") {
        None => Respond::json(
            200,
            &packages_page(
                &[
                    package("eu-5", "14.99", ""),
                    // Another category, an unavailable one, and one that cannot be read.
                    SUBSCRIPTION_OFFERINGS
                        .split_once('[')
                        .unwrap()
                        .1
                        .rsplit_once(']')
                        .unwrap()
                        .0
                        .to_owned(),
                    package("eu-old", "9.99", "").replace("AVAILABLE", "RETIRED"),
                    r#"{"name": "no id"}"#.to_owned(),
                ],
                Some("c2"),
            ),
        ),
        Some("c2") => Respond::json(200, &packages_page(&[package("eu-10", "137.39", "")], None)),
        _ => Respond::json(404, "{}"),
    })
    .await;
    let telness = adapter(&server);
    let catalogue = telness
        .catalogue(
            &CatalogueQuery::country(esimdesk_core::Country::parse("ES").unwrap()),
            &|_| {},
        )
        .await
        .unwrap();
    assert_eq!(catalogue.pages, 2);
    let codes: Vec<&str> = catalogue
        .offerings
        .iter()
        .map(|o| o.code.as_str())
        .collect();
    assert_eq!(codes, ["eu-5", "eu-10"]);
    assert_eq!(catalogue.offerings[0].cost, Money::from_minor(1499, eur()));
    assert_eq!(catalogue.offerings[1].cost, Money::from_minor(13739, eur()));
    assert_eq!(catalogue.skipped.len(), 1, "{:?}", catalogue.skipped);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    for r in &requests {
        assert_eq!(r.method, "GET");
        assert_eq!(r.path, "/api/v2/product-offerings");
        assert_eq!(r.header("x-api-key"), Some(KEY));
        assert_eq!(r.header("accept"), Some("application/json"));
        assert_eq!(r.query_value("categories"), Some("TRAVEL_ESIM_PACKAGE"));
        assert_eq!(r.query_value("countries"), Some("ES"));
    }
    assert_eq!(requests[1].query_value("cursor"), Some("c2"));
    assert_eq!(requests[0].query_value("cursor"), None);
}

#[tokio::test]
async fn several_countries_and_regions_are_filtered_locally() {
    let server = TestServer::start(BASE, |_| {
        let asia = package("asia-1", "5", "")
            .replace(r#"["ES", "FR", "DE", "IT"]"#, r#"["JP", "KR"]"#)
            .replace(r#"["EUROPE"]"#, r#"["ASIA_PACIFIC"]"#);
        Respond::json(
            200,
            &packages_page(&[package("eu-5", "14.99", ""), asia], None),
        )
    })
    .await;
    let telness = adapter(&server);
    let query = CatalogueQuery {
        countries: vec![
            esimdesk_core::Country::parse("JP").unwrap(),
            esimdesk_core::Country::parse("FR").unwrap(),
        ],
        ..CatalogueQuery::default()
    };
    let page = telness.catalogue_page(&query, None).await.unwrap();
    assert_eq!(page.offerings.len(), 2);
    assert_eq!(server.requests()[0].query_value("countries"), None);
    let query = CatalogueQuery {
        region: Some(Region::AsiaPacific),
        ..CatalogueQuery::default()
    };
    let page = telness.catalogue_page(&query, None).await.unwrap();
    assert_eq!(page.offerings.len(), 1);
    assert_eq!(page.offerings[0].code, "asia-1");
    assert_eq!(page.next, None);
}

#[tokio::test]
async fn both_category_spellings_and_both_data_fields() {
    let server = TestServer::start(BASE, |r| match r.query_value("categories") {
        Some("TRAVEL_ESIM") => Respond::json(
            200,
            &SUBSCRIPTION_OFFERINGS.replace(
                r#""category": "TRAVEL_ESIM""#,
                r#""category": "PRODUCT_CATEGORY_TRAVEL_ESIM""#,
            ),
        ),
        _ => {
            let prefixed = package("eu-prefixed", "14.99", "").replace(
                r#""category": "TRAVEL_ESIM_PACKAGE""#,
                r#""category": "PRODUCT_CATEGORY_TRAVEL_ESIM_PACKAGE""#,
            );
            let in_gb =
                package("eu-gb", "14.99", "").replace(r#""dataMb": 5120"#, r#""dataGb": 5"#);
            Respond::json(200, &packages_page(&[prefixed, in_gb], None))
        }
    })
    .await;
    let telness = adapter(&server);
    let page = telness
        .catalogue_page(&CatalogueQuery::all(), None)
        .await
        .unwrap();
    assert_eq!(page.offerings.len(), 2, "{:?}", page.skipped);
    for o in &page.offerings {
        assert_eq!(
            o.data.limited_bytes(),
            Some(5 * 1024 * 1024 * 1024),
            "{}",
            o.code
        );
    }
    // The prefixed subscription offering is found too.
    telness.check_credentials().await.unwrap();
}

#[tokio::test]
async fn a_cursor_offered_twice_stops_the_walk() {
    let server = TestServer::start(BASE, |_| {
        Respond::json(
            200,
            &packages_page(&[package("eu-5", "14.99", "")], Some("same")),
        )
    })
    .await;
    let telness = adapter(&server);
    let err = telness
        .catalogue(&CatalogueQuery::all(), &|_| {})
        .await
        .unwrap_err();
    assert_eq!(err.code(), "malformed_reply", "{err}");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn one_offering_by_id() {
    let server = server_with(|r| {
        (route(r) == "/product-offerings/gone").then(|| {
            Respond::json(
                200,
                &package("gone", "1", "").replace("AVAILABLE", "RETIRED"),
            )
        })
    })
    .await;
    let telness = adapter(&server);
    let o = telness.offering("eu-5").await.unwrap();
    assert_eq!(o.code, "eu-5");
    assert_eq!(o.cost, Money::from_minor(1499, eur()));
    assert_eq!(
        telness.offering("gone").await.unwrap_err().code(),
        "not_found"
    );
    assert_eq!(server.requests()[0].path, "/api/v2/product-offerings/eu-5");
}

// ---------------------------------------------------------------------------------------------
// The dry run: cart + price

#[tokio::test]
async fn validate_order_creates_the_cart_with_its_key_and_prices_it() {
    let server = happy_server().await;
    let telness = adapter(&server);
    let validated = telness.validate_order(&request(None)).await.unwrap();
    assert_eq!(validated.total, Money::from_minor(1499, eur()));
    assert_eq!(validated.draft.as_deref(), Some(ORDER_ID));
    assert_eq!(validated.lines.len(), 1);
    assert_eq!(
        validated.lines[0].subtotal,
        Some(Money::from_minor(1499, eur()))
    );
    assert_eq!(
        validated.lines[0].unit_price,
        Some(Money::from_minor(1499, eur()))
    );
    assert_eq!(
        sequence(&server),
        [
            step("GET", "/product-offerings"),
            step("POST", "/orders"),
            step("POST", &format!("/orders/{ORDER_ID}/calculate-price")),
        ]
    );
    let cart = &server.calls("POST", "/orders")[0];
    assert_eq!(cart.header("x-idempotency-key"), Some("desk-42-order"));
    assert_eq!(cart.header("content-type"), Some("application/json"));
    assert_eq!(cart.header("x-api-key"), Some(KEY));
    // No desk customer configured: the order creates one for the traveller (open point 16).
    assert_eq!(
        cart.json(),
        serde_json::json!({
            "customer": {"name": "Ana García", "customerType": "CONSUMER", "referenceId": "desk-42",
                         "contact": {"email": "ana@example.com"}},
            "lineItems": [
                {"type": "SUBSCRIPTION", "lineItemId": "esim-1",
                 "productOfferingId": "travel-esim-subscription-offering-id",
                 "subscriber": {"name": "Ana García", "email": "ana@example.com"}, "sim": {"esim": true}},
                {"type": "ADDON", "lineItemId": "package-1",
                 "productOfferingId": "europe-5gb-30days-offering-id", "parentLineItemId": "esim-1"}
            ],
            "metadata": {"deskSaleRef": "desk-42"}
        })
    );
    let price = &server.calls("POST", "/calculate-price")[0];
    assert!(price.body.is_empty());
    assert_eq!(price.header("x-idempotency-key"), None);
    // The subscription offering is looked up once.
    telness.validate_order(&request(None)).await.unwrap();
    assert_eq!(server.calls("GET", "/product-offerings").len(), 1);
}

#[tokio::test]
async fn a_desk_customer_and_a_configured_offering() {
    let server = happy_server().await;
    let mut config = config(&server);
    config.desk_customer_id = Some("123e4567-e89b-12d3-a456-426614174000".into());
    config.subscription_offering_id = Some("configured-container".into());
    let telness = Telness::new(config).unwrap();
    let mut r = request(None);
    r.lines[0].quantity = 2;
    let validated = telness.validate_order(&r).await.unwrap();
    assert_eq!(validated.lines[0].quantity, 2);
    assert_eq!(
        sequence(&server),
        [
            step("POST", "/orders"),
            step("POST", &format!("/orders/{ORDER_ID}/calculate-price")),
        ]
    );
    let body = server.calls("POST", "/orders")[0].json();
    assert_eq!(
        body["customer"],
        serde_json::json!({"customerId": "123e4567-e89b-12d3-a456-426614174000"})
    );
    let lines = body["lineItems"].as_array().unwrap();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["productOfferingId"], "configured-container");
    assert_eq!(lines[2]["lineItemId"], "esim-2");
    assert_eq!(lines[3]["parentLineItemId"], "esim-2");
}

#[tokio::test]
async fn money_is_exact_or_refused() {
    let server = server_with(|r| {
        r.path
            .ends_with("/calculate-price")
            .then(|| Respond::json(200, &price_reply("137.39")))
    })
    .await;
    let telness = adapter(&server);
    assert_eq!(
        telness.validate_order(&request(None)).await.unwrap().total,
        Money::from_minor(13739, eur())
    );
    let server = server_with(|r| {
        r.path
            .ends_with("/calculate-price")
            .then(|| Respond::json(200, &price_reply("1.005")))
    })
    .await;
    let telness = adapter(&server);
    let err = telness.validate_order(&request(None)).await.unwrap_err();
    assert_eq!(err.code(), "malformed_reply", "{err}");
    assert!(err.to_string().contains("decimal places"), "{err}");
}

#[tokio::test]
async fn a_sale_without_the_travellers_name_and_email_is_refused_before_sending() {
    let server = happy_server().await;
    let mut config = config(&server);
    config.subscription_offering_id = Some("configured-container".into());
    let telness = Telness::new(config).unwrap();
    for customer in [
        None,
        Some(Customer {
            email: None,
            ..ana()
        }),
        Some(Customer {
            name: " ".into(),
            ..ana()
        }),
    ] {
        let mut r = request(None);
        r.customer = customer;
        // No traveller at all is a price check (tested below); a half-given one is refused.
        if r.customer.is_some() {
            let err = telness.validate_order(&r).await.unwrap_err();
            assert_eq!(err.code(), "invalid_request");
            assert!(err.to_string().contains("name and email"), "{err}");
        }
        assert_eq!(
            telness.place_order(&r).await.unwrap_err().code(),
            "invalid_request"
        );
    }
    for quantity in [0, 6] {
        let mut r = request(None);
        r.lines[0].quantity = quantity;
        assert_eq!(
            telness.validate_order(&r).await.unwrap_err().code(),
            "invalid_request"
        );
    }
    let mut r = request(None);
    r.client_reference = "x".repeat(300);
    assert_eq!(
        telness.validate_order(&r).await.unwrap_err().code(),
        "invalid_request"
    );
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn an_invalid_cart_is_explained_and_not_priced() {
    let server = server_with(|r| {
        (r.method == "POST" && route(r) == "/orders").then(|| {
            Respond::json(
                201,
                &cart_reply("PENDING").replace(
                    r#""validation": {"isValid": true, "missingFields": [], "errors": [], "lineItemValidation": []}"#,
                    r#""validation": {"isValid": false, "missingFields": ["billing.address"], "errors": [],
                       "lineItemValidation": [{"lineItemId": "package-1", "isValid": false, "missingFields": [],
                         "errors": [{"message": "offering not available", "property": "productOfferingId"}]}]}"#,
                ),
            )
        })
    })
    .await;
    let telness = adapter(&server);
    let err = telness.validate_order(&request(None)).await.unwrap_err();
    assert_eq!(
        err,
        ProviderError::InvalidRequest {
            message: "Telness cannot take this order: missing billing.address; line package-1: \
                productOfferingId: offering not available"
                .into()
        }
    );
    assert!(server.calls("POST", "/calculate-price").is_empty());
}

#[tokio::test]
async fn the_cart_is_retried_under_the_same_key_but_the_submit_never() {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    let server = server_with(move |r| {
        (r.method == "POST" && route(r) == "/orders" && counter.fetch_add(1, Ordering::SeqCst) == 0)
            .then(|| Respond::json(503, "").with_header("Retry-After", "0"))
    })
    .await;
    let telness = adapter(&server);
    telness.validate_order(&request(None)).await.unwrap();
    let carts = server.calls("POST", "/orders");
    assert_eq!(carts.len(), 2);
    assert!(
        carts
            .iter()
            .all(|c| c.header("x-idempotency-key") == Some("desk-42-order"))
    );
    assert_eq!(carts[0].body, carts[1].body);

    let server = server_with(|r| {
        r.path
            .ends_with("/submit")
            .then(|| Respond::json(503, "").with_header("Retry-After", "0"))
    })
    .await;
    let telness = adapter(&server);
    let err = telness
        .place_order(&request(Some(ORDER_ID)))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "outcome_unknown");
    assert_eq!(submits(&server), 1);
}

#[tokio::test]
async fn a_reused_key_with_another_body_is_a_clear_refusal() {
    let server = server_with(|r| {
        (r.method == "POST" && route(r) == "/orders").then(|| {
            Respond::json(
                409,
                r#"{"message": "Idempotency key reused with a different request body", "code": "CONFLICT"}"#,
            )
        })
    })
    .await;
    let telness = adapter(&server);
    let err = telness.validate_order(&request(None)).await.unwrap_err();
    assert_eq!(err.code(), "invalid_request");
    assert!(err.to_string().contains("already used"), "{err}");
    assert!(err.to_string().contains("Idempotency key reused"), "{err}");
}

#[tokio::test]
async fn validate_top_up_puts_one_addon_on_the_subscription() {
    let server = server_with(|r| {
        (r.method == "POST" && route(r) == "/orders")
            .then(|| Respond::json(201, &top_up_order("PENDING")))
            .or_else(|| {
                r.path.ends_with("/calculate-price").then(|| {
                    Respond::json(
                        200,
                        r#"{"pricing": {"total": 24.99, "currency": "EUR",
                        "lineItemPricing": [{"lineItemId": "topup-package", "amount": 24.99}]}}"#,
                    )
                })
            })
    })
    .await;
    let telness = adapter(&server);
    let validated = telness.validate_top_up(&top_up(None)).await.unwrap();
    assert_eq!(validated.total, Money::from_minor(2499, eur()));
    assert_eq!(validated.draft.as_deref(), Some("topup-order-1"));
    assert_eq!(
        validated.lines[0].unit_price,
        Some(Money::from_minor(2499, eur()))
    );
    assert_eq!(
        sequence(&server),
        [
            step("GET", &format!("/subscriptions/{SUB_ID}")),
            step("POST", "/orders"),
            step("POST", "/orders/topup-order-1/calculate-price"),
        ]
    );
    let cart = &server.calls("POST", "/orders")[0];
    assert_eq!(cart.header("x-idempotency-key"), Some("desk-43-order"));
    assert_eq!(
        cart.json(),
        serde_json::json!({
            "customer": {"customerId": "cust-of-the-esim"},
            "lineItems": [{"type": "ADDON", "lineItemId": "topup-package",
                "productOfferingId": "europe-10gb-30days-offering-id", "subscriptionId": SUB_ID}],
            "metadata": {"deskSaleRef": "desk-43"}
        })
    );
}

#[tokio::test]
async fn no_top_up_on_a_cancelled_or_unknown_subscription() {
    let server = server_with(|r| {
        r.path
            .starts_with("/api/v2/subscriptions/")
            .then(|| Respond::json(200, &subscription("CANCELLED")))
    })
    .await;
    let telness = adapter(&server);
    let err = telness.validate_top_up(&top_up(None)).await.unwrap_err();
    assert_eq!(err.code(), "invalid_request");
    assert!(err.to_string().contains("cancelled"), "{err}");
    assert!(server.calls("POST", "/orders").is_empty());
    // An eSIM without its subscription id cannot be addressed.
    let mut r = top_up(None);
    r.esim.provider_ref = None;
    assert_eq!(
        telness.validate_top_up(&r).await.unwrap_err().code(),
        "invalid_request"
    );
}

// ---------------------------------------------------------------------------------------------
// The purchase: one submit

#[tokio::test]
async fn place_order_submits_the_draft_once_and_nothing_before_it() {
    let server = happy_server().await;
    let telness = adapter(&server);
    let placed = telness.place_order(&request(Some(ORDER_ID))).await.unwrap();
    assert_eq!(
        sequence(&server),
        [step("POST", &format!("/orders/{ORDER_ID}/submit"))]
    );
    let submit = &server.requests()[0];
    assert_eq!(submit.header("x-idempotency-key"), Some("desk-42-submit"));
    assert_eq!(submit.header("x-api-key"), Some(KEY));
    assert_eq!(
        submit.json(),
        serde_json::json!({"externalPayment": {"reference": "term-7Q2K-0042"}})
    );
    assert_eq!(placed.provider_reference, ORDER_ID);
    assert_eq!(placed.status, OrderStatus::Provisioning);
    assert_eq!(placed.kind, OrderKind::NewEsim);
    assert_eq!(placed.client_reference.as_deref(), Some("desk-42"));
    assert_eq!(
        placed.lines[0].offering_code,
        "europe-5gb-30days-offering-id"
    );
    assert!(placed.esims.is_empty());
}

#[tokio::test]
async fn without_a_payment_reference_the_sale_reference_is_sent() {
    let server = happy_server().await;
    let telness = adapter(&server);
    let mut r = request(Some(ORDER_ID));
    r.payment_reference = None;
    telness.place_order(&r).await.unwrap();
    assert_eq!(
        server.requests()[0].json(),
        serde_json::json!({"externalPayment": {"reference": "desk-42"}})
    );
}

#[tokio::test]
async fn without_a_draft_the_cart_is_created_then_submitted_unpriced() {
    let server = happy_server().await;
    let mut config = config(&server);
    config.subscription_offering_id = Some("travel-esim-subscription-offering-id".into());
    let telness = Telness::new(config).unwrap();
    telness.place_order(&request(None)).await.unwrap();
    assert_eq!(
        sequence(&server),
        [
            step("POST", "/orders"),
            step("POST", &format!("/orders/{ORDER_ID}/submit")),
        ]
    );
    let requests = server.requests();
    assert_eq!(
        requests[0].header("x-idempotency-key"),
        Some("desk-42-order")
    );
    assert_eq!(
        requests[1].header("x-idempotency-key"),
        Some("desk-42-submit")
    );
}

#[tokio::test]
async fn a_lost_submit_reply_is_outcome_unknown_and_never_resent() {
    let server = server_with(|r| r.path.ends_with("/submit").then_some(Respond::Drop)).await;
    let telness = adapter(&server);
    let err = telness
        .place_order(&request(Some(ORDER_ID)))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "outcome_unknown", "{err}");
    assert!(err.to_string().contains(ORDER_ID), "{err}");
    assert_eq!(submits(&server), 1);
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_late_submit_reply_is_outcome_unknown_and_never_resent() {
    let server = server_with(|r| {
        r.path.ends_with("/submit").then(|| {
            Respond::After(
                Duration::from_secs(3),
                Box::new(Respond::json(200, SUBMITTED)),
            )
        })
    })
    .await;
    let telness = adapter(&server);
    let err = telness
        .place_order(&request(Some(ORDER_ID)))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "outcome_unknown", "{err}");
    assert_eq!(submits(&server), 1);
}

#[tokio::test]
async fn every_submit_failure_is_typed_and_sent_once() {
    for (reply, code) in [
        (
            Respond::json(500, r#"{"message": "boom"}"#),
            "outcome_unknown",
        ),
        (
            Respond::json(503, "").with_header("Retry-After", "1"),
            "outcome_unknown",
        ),
        (Respond::json(200, "{not json"), "outcome_unknown"),
        (
            Respond::json(200, r#"{"state": "PROCESSING"}"#),
            "outcome_unknown",
        ),
        (
            Respond::json(
                409,
                r#"{"message": "Order is not in a submittable state", "code": "CONFLICT"}"#,
            ),
            "outcome_unknown",
        ),
        (
            Respond::json(
                412,
                r#"{"message": "Payment required", "code": "PRECONDITION_FAILED"}"#,
            ),
            "invalid_request",
        ),
        (
            Respond::json(
                400,
                r#"{"message": "Validation failed", "code": "VALIDATION_ERROR",
                "details": [{"message": "must not be blank", "property": "externalPayment.reference"}]}"#,
            ),
            "invalid_request",
        ),
        (
            Respond::json(
                429,
                r#"{"message": "Too many requests", "code": "RATE_LIMITED"}"#,
            )
            .with_header("Retry-After", "2"),
            "rate_limited",
        ),
        (
            Respond::json(401, r#"{"message": "Invalid API key"}"#),
            "unauthorised",
        ),
        (
            Respond::json(403, r#"{"message": "Forbidden"}"#),
            "forbidden",
        ),
        (
            Respond::json(404, r#"{"message": "Order not found"}"#),
            "not_found",
        ),
    ] {
        let server = server_with(move |r| r.path.ends_with("/submit").then(|| reply.clone())).await;
        let telness = adapter(&server);
        let err = telness
            .place_order(&request(Some(ORDER_ID)))
            .await
            .unwrap_err();
        assert_eq!(err.code(), code, "{err}");
        assert_eq!(submits(&server), 1, "{code}");
        if code == "rate_limited" {
            assert_eq!(err.retry_after(), Some(Duration::from_secs(2)));
        }
        if err.code() == "invalid_request" && err.to_string().contains("Validation") {
            assert!(
                err.to_string()
                    .contains("externalPayment.reference: must not be blank"),
                "{err}"
            );
        }
    }
}

#[tokio::test]
async fn a_completed_submit_reply_names_its_esims() {
    let server = server_with(|r| {
        r.path
            .ends_with("/submit")
            .then(|| Respond::json(200, &completed_order()))
    })
    .await;
    let telness = adapter(&server);
    let placed = telness.place_order(&request(Some(ORDER_ID))).await.unwrap();
    assert_eq!(placed.status, OrderStatus::Completed);
    assert_eq!(placed.esims.len(), 1);
    assert_eq!(placed.esims[0].iccid.as_str(), ICCID);
    assert_eq!(placed.esims[0].provider_ref.as_deref(), Some(SUB_ID));
    assert_eq!(
        placed.esims[0].offering_code.as_deref(),
        Some("europe-5gb-30days-offering-id")
    );
    assert_eq!(placed.lines[0].iccids, [Iccid::parse(ICCID).unwrap()]);
    // The subscription is read after the submit, never before.
    assert_eq!(
        sequence(&server),
        [
            step("POST", &format!("/orders/{ORDER_ID}/submit")),
            step("GET", &format!("/subscriptions/{SUB_ID}")),
        ]
    );
}

#[tokio::test]
async fn place_top_up_submits_its_draft_once() {
    let server = server_with(|r| {
        r.path
            .ends_with("/submit")
            .then(|| Respond::json(200, &top_up_order("COMPLETED")))
    })
    .await;
    let telness = adapter(&server);
    let placed = telness
        .place_top_up(&top_up(Some("topup-order-1")))
        .await
        .unwrap();
    assert_eq!(
        sequence(&server),
        [step("POST", "/orders/topup-order-1/submit")]
    );
    let submit = &server.requests()[0];
    assert_eq!(submit.header("x-idempotency-key"), Some("desk-43-submit"));
    assert_eq!(
        submit.json(),
        serde_json::json!({"externalPayment": {"reference": "term-7Q2K-0043"}})
    );
    assert_eq!(placed.kind, OrderKind::TopUp);
    assert_eq!(placed.status, OrderStatus::Completed);
    assert_eq!(placed.esims[0].iccid.as_str(), ICCID);
    assert_eq!(placed.esims[0].provider_ref.as_deref(), Some(SUB_ID));
    assert_eq!(
        placed.lines[0].offering_code,
        "europe-10gb-30days-offering-id"
    );
    assert_eq!(placed.lines[0].iccids.len(), 1);

    // A bare submit reply (no lines) still reports the top-up's line and eSIM.
    let server = happy_server().await;
    let telness = adapter(&server);
    let placed = telness
        .place_top_up(&top_up(Some("topup-order-1")))
        .await
        .unwrap();
    assert_eq!(placed.status, OrderStatus::Provisioning);
    assert_eq!(
        placed.lines[0].offering_code,
        "europe-10gb-30days-offering-id"
    );
    assert_eq!(placed.esims[0].iccid.as_str(), ICCID);
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn place_top_up_without_a_draft_builds_the_cart_first() {
    let server = server_with(|r| {
        (r.method == "POST" && route(r) == "/orders")
            .then(|| Respond::json(201, &top_up_order("PENDING")))
    })
    .await;
    let telness = adapter(&server);
    telness.place_top_up(&top_up(None)).await.unwrap();
    assert_eq!(
        sequence(&server),
        [
            step("GET", &format!("/subscriptions/{SUB_ID}")),
            step("POST", "/orders"),
            step("POST", "/orders/topup-order-1/submit"),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// After the purchase: status, lookup, codes

#[tokio::test]
async fn order_status_reads_the_order_and_its_subscriptions() {
    let server = happy_server().await;
    let telness = adapter(&server);
    let placed = telness.order_status(ORDER_ID).await.unwrap();
    assert_eq!(placed.status, OrderStatus::Completed);
    assert_eq!(placed.kind, OrderKind::NewEsim);
    assert_eq!(placed.client_reference.as_deref(), Some("desk-42"));
    assert_eq!(placed.created_at, Some(datetime!(2025-06-02 09:14:00 UTC)));
    assert_eq!(placed.esims[0].iccid.as_str(), ICCID);
    assert_eq!(placed.esims[0].activation_code, None);
    assert!(placed.has_lines(&request(None).lines));
    assert_eq!(
        sequence(&server),
        [
            step("GET", &format!("/orders/{ORDER_ID}")),
            step("GET", &format!("/subscriptions/{SUB_ID}")),
        ]
    );
    // A top-up order is told by its lines.
    let placed = telness.order_status("topup-order-1").await.unwrap();
    assert_eq!(placed.kind, OrderKind::TopUp);
    assert_eq!(placed.client_reference.as_deref(), Some("desk-43"));
    assert_eq!(placed.esims[0].provider_ref.as_deref(), Some(SUB_ID));
}

#[tokio::test]
async fn order_states_from_the_wire() {
    for (state, status) in [
        ("PENDING", OrderStatus::Draft),
        ("CONFIGURED", OrderStatus::Draft),
        ("SUBMITTED", OrderStatus::Provisioning),
        ("PENDING_APPROVAL", OrderStatus::Provisioning),
        ("PROCESSING", OrderStatus::Provisioning),
        ("CANCELLED", OrderStatus::Cancelled),
        ("EXPIRED", OrderStatus::Cancelled),
        ("FAILED", OrderStatus::Failed { reason: None }),
        (
            "PENDING_PAYMENT",
            OrderStatus::Unrecognised {
                raw: "PENDING_PAYMENT".into(),
            },
        ),
    ] {
        let reply = cart_reply(state);
        let server = TestServer::start(BASE, move |_| Respond::json(200, &reply)).await;
        let telness = adapter(&server);
        assert_eq!(
            telness.order_status(ORDER_ID).await.unwrap().status,
            status,
            "{state}"
        );
    }
}

#[tokio::test]
async fn a_completed_order_whose_esim_cannot_be_read_is_still_provisioning() {
    let server = server_with(|r| {
        r.path
            .starts_with("/api/v2/subscriptions/")
            .then(|| Respond::json(200, &subscription("PENDING").replace(ICCID, "")))
    })
    .await;
    let telness = adapter(&server);
    let placed = telness.order_status(ORDER_ID).await.unwrap();
    assert_eq!(placed.status, OrderStatus::Provisioning);
    assert!(placed.esims.is_empty());
    assert!(
        placed.notes.iter().any(|n| n.contains("no ICCID yet")),
        "{:?}",
        placed.notes
    );
}

#[tokio::test]
async fn find_order_has_nothing_to_search() {
    let server = happy_server().await;
    let telness = adapter(&server);
    let lookup = OrderLookup::for_order(&request(None), datetime!(2025-06-02 09:15:00 UTC));
    assert!(telness.find_order(&lookup).await.unwrap().is_empty());
    assert!(server.requests().is_empty());
    // Matches need no claim.
    let placed = telness.order_status(ORDER_ID).await.unwrap();
    assert!(telness.claim_order(&placed, "desk-42").await.unwrap());
}

#[tokio::test]
async fn activation_codes_come_from_each_subscriptions_qr_code() {
    let server = happy_server().await;
    let telness = adapter(&server);
    let delivery = telness.activation_codes(ORDER_ID).await.unwrap();
    assert_eq!(delivery.source, DeliverySource::Json);
    assert!(delivery.notes.is_empty(), "{:?}", delivery.notes);
    assert_eq!(delivery.esims.len(), 1);
    let e = &delivery.esims[0];
    assert_eq!(e.iccid.as_str(), ICCID);
    assert_eq!(e.activation_code.as_ref().unwrap().to_string(), CODE);
    assert_eq!(e.provider_ref.as_deref(), Some(SUB_ID));
    assert_eq!(
        sequence(&server),
        [
            step("GET", &format!("/orders/{ORDER_ID}")),
            step("GET", &format!("/subscriptions/{SUB_ID}")),
            step("GET", &format!("/subscriptions/{SUB_ID}/esim/qrcode")),
        ]
    );
}

#[tokio::test]
async fn activation_codes_not_ready_or_unusable_are_notes() {
    // The QR code endpoint says "not yet" (409, assumed).
    let server = server_with(|r| {
        r.path.ends_with("/qrcode").then(|| {
            Respond::json(
                409,
                r#"{"message": "Subscription is pending", "code": "CONFLICT"}"#,
            )
        })
    })
    .await;
    let telness = adapter(&server);
    let d = telness.activation_codes(ORDER_ID).await.unwrap();
    assert_eq!(d.esims.len(), 1);
    assert_eq!(d.esims[0].activation_code, None);
    assert!(d.notes[0].contains("no code ready yet"), "{:?}", d.notes);

    // A pending subscription is not asked for its code.
    let server = server_with(|r| {
        (r.method == "GET" && route(r) == format!("/subscriptions/{SUB_ID}"))
            .then(|| Respond::json(200, &subscription("PENDING")))
    })
    .await;
    let telness = adapter(&server);
    let d = telness.activation_codes(ORDER_ID).await.unwrap();
    assert_eq!(d.esims[0].activation_code, None);
    assert!(server.calls("GET", "/qrcode").is_empty());

    // A code that core refuses is a note without the code in it.
    let server = server_with(|r| {
        r.path.ends_with("/qrcode").then(|| {
            Respond::json(
                200,
                &QR.replace("rsp.sandbox-telness.example.com", "https://bad host"),
            )
        })
    })
    .await;
    let telness = adapter(&server);
    let d = telness.activation_codes(ORDER_ID).await.unwrap();
    assert_eq!(d.esims[0].activation_code, None);
    assert!(
        !d.notes.iter().any(|n| n.contains("K2-4Q7ZP-1MB3XY")),
        "{:?}",
        d.notes
    );

    // A transient failure fails the call (asked again later).
    let server = server_with(|r| {
        r.path
            .ends_with("/qrcode")
            .then(|| Respond::json(503, "").with_header("Retry-After", "0"))
    })
    .await;
    let telness = adapter(&server);
    assert_eq!(
        telness.activation_codes(ORDER_ID).await.unwrap_err().code(),
        "unavailable"
    );

    // An order still processing has no eSIM yet.
    let server = server_with(|r| {
        r.path
            .ends_with(&format!("/orders/{ORDER_ID}"))
            .then(|| Respond::json(200, SUBMITTED))
    })
    .await;
    let telness = adapter(&server);
    let d = telness.activation_codes(ORDER_ID).await.unwrap();
    assert!(d.esims.is_empty());
    assert!(d.notes[0].contains("no eSIM"), "{:?}", d.notes);
}

// ---------------------------------------------------------------------------------------------
// Usage, top-ups, cancel, balance

#[tokio::test]
async fn usage_in_the_references_shape_with_activated() {
    let server = happy_server().await;
    let telness = adapter(&server);
    let usage = telness.usage(&esim()).await.unwrap();
    assert_eq!(usage.iccid.as_str(), ICCID);
    assert_eq!(usage.taken_at, datetime!(2025-06-05 18:00:00 UTC));
    assert_eq!(usage.profile_status, None);
    assert_eq!(usage.packages.len(), 1);
    let p = &usage.packages[0].package;
    assert_eq!(p.state, PackageState::Active);
    assert_eq!(p.allowance.limited_bytes(), Some(5_368_709_120));
    assert_eq!(p.used_per_mille(), Some(200));
    assert_eq!(
        sequence(&server),
        [
            step("GET", &format!("/subscriptions/{SUB_ID}/usage")),
            step("GET", &format!("/subscriptions/{SUB_ID}")),
        ]
    );
}

#[tokio::test]
async fn usage_in_the_seeds_shape_with_active() {
    let server = server_with(|r| {
        r.path
            .ends_with("/usage")
            .then(|| {
                Respond::json(
                    200,
                    r#"{"dataUsed": 1073741824, "dataRemaining": 4294967296}"#,
                )
            })
            .or_else(|| {
                r.path
                    .starts_with("/api/v2/subscriptions/")
                    .then(|| Respond::json(200, &subscription("ACTIVE")))
            })
    })
    .await;
    let telness = adapter(&server);
    let usage = telness.usage(&esim()).await.unwrap();
    let p = &usage.packages[0].package;
    assert_eq!(p.state, PackageState::Active);
    assert_eq!(p.allowance.limited_bytes(), Some(5_368_709_120));
    assert_eq!(
        p.usage.unwrap().remaining.map(|r| r.bytes()),
        Some(4_294_967_296)
    );
}

#[tokio::test]
async fn usage_refuses_an_esim_it_cannot_address_or_that_is_not_its_own() {
    let server = server_with(|r| {
        { r.path.starts_with("/api/v2/subscriptions/") && !r.path.ends_with("/usage") }.then(|| {
            Respond::json(
                200,
                &subscription("CANCELLED").replace(ICCID, "8946000000001234562"),
            )
        })
    })
    .await;
    let telness = adapter(&server);
    let err = telness.usage(&esim()).await.unwrap_err();
    assert_eq!(err.code(), "invalid_request");
    assert!(err.to_string().contains("8946000000001234562"), "{err}");
    let unaddressed = EsimHandle::iccid(Iccid::parse(ICCID).unwrap());
    assert_eq!(
        telness.usage(&unaddressed).await.unwrap_err().code(),
        "invalid_request"
    );
    // A cancelled subscription's eSIM shows as deactivated.
    let server = server_with(|r| {
        (r.method == "GET" && route(r) == format!("/subscriptions/{SUB_ID}"))
            .then(|| Respond::json(200, &subscription("CANCELLED")))
    })
    .await;
    let usage = adapter(&server).usage(&esim()).await.unwrap();
    assert_eq!(usage.profile_status, Some(ProfileStatus::Deactivated));
    assert_eq!(usage.packages[0].package.state, PackageState::Revoked);
}

#[tokio::test]
async fn top_up_offerings_are_every_package() {
    let server = happy_server().await;
    let telness = adapter(&server);
    let offerings = telness
        .top_up_offerings(&esim(), &CatalogueQuery::all())
        .await
        .unwrap();
    assert_eq!(offerings.len(), 1);
    assert!(offerings[0].top_up);
    assert_eq!(
        telness.check_top_up(&esim(), "x").await.unwrap(),
        crate::TopUpCheck::Unknown
    );
}

#[tokio::test]
async fn cancel_an_order_before_it_completes() {
    let server = happy_server().await;
    let telness = adapter(&server);
    let outcome = telness
        .cancel(&CancelTarget::Order {
            provider_reference: ORDER_ID.into(),
        })
        .await
        .unwrap();
    assert_eq!(outcome.refund, crate::Refund::None);
    let cancel = &server.requests()[0];
    assert_eq!(route(cancel), format!("/orders/{ORDER_ID}/cancel"));
    assert_eq!(cancel.json(), serde_json::json!({}));
    assert_eq!(server.requests().len(), 1);

    // A completed order cannot be cancelled (409): a refusal, sent once.
    let server = server_with(|r| {
        r.path.ends_with("/cancel").then(|| {
            Respond::json(
                409,
                r#"{"message": "Order is COMPLETED", "code": "CONFLICT"}"#,
            )
        })
    })
    .await;
    let telness = adapter(&server);
    let err = telness
        .cancel(&CancelTarget::Order {
            provider_reference: ORDER_ID.into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_request");
    assert!(err.to_string().contains("Order is COMPLETED"), "{err}");
    assert_eq!(server.requests().len(), 1);

    // A lost cancel reply is not resent.
    let server = server_with(|r| r.path.ends_with("/cancel").then_some(Respond::Drop)).await;
    let telness = adapter(&server);
    let err = telness
        .cancel(&CancelTarget::Order {
            provider_reference: ORDER_ID.into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), "outcome_unknown");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn cancel_an_esim_and_read_it_again() {
    let cancelled = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&cancelled);
    let server = server_with(move |r| {
        if r.method == "POST" && r.path.ends_with("/cancel") {
            seen.fetch_add(1, Ordering::SeqCst);
            // The reply body is unconfirmed (open point 15): an empty one.
            return Some(Respond::json(204, ""));
        }
        (r.method == "GET" && seen.load(Ordering::SeqCst) > 0)
            .then(|| Respond::json(200, &subscription("CANCELLED")))
    })
    .await;
    let telness = adapter(&server);
    let outcome = telness
        .cancel(&CancelTarget::Esim { esim: esim() })
        .await
        .unwrap();
    assert_eq!(outcome.refund, crate::Refund::Unknown);
    assert_eq!(
        outcome.message.as_deref(),
        Some(format!("Telness cancelled eSIM {ICCID}").as_str())
    );
    assert_eq!(
        sequence(&server),
        [
            step("POST", &format!("/subscriptions/{SUB_ID}/cancel")),
            step("GET", &format!("/subscriptions/{SUB_ID}")),
        ]
    );
    assert!(server.requests()[0].body.is_empty());
    assert_eq!(cancelled.load(Ordering::SeqCst), 1);

    // Still active after a 2xx: said so.
    let server = happy_server().await;
    let outcome = adapter(&server)
        .cancel(&CancelTarget::Esim { esim: esim() })
        .await
        .unwrap();
    assert!(outcome.message.unwrap().contains("still shows active"));

    // One package cannot be revoked at Telness.
    let err = adapter(&server)
        .cancel(&CancelTarget::Package {
            esim: esim(),
            offering_code: "x".into(),
            assignment_id: "1".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), "unsupported");
}

#[tokio::test]
async fn no_balance_but_a_credentials_check() {
    let server = happy_server().await;
    let telness = adapter(&server);
    assert_eq!(telness.balance().await.unwrap_err().code(), "unsupported");
    assert_eq!(telness.kind(), esimdesk_core::ProviderKind::Telness);
    assert_eq!(telness.capabilities(), CAPABILITIES);
    assert_eq!(
        crate::capabilities::of(esimdesk_core::ProviderKind::Telness),
        Some(CAPABILITIES)
    );
    telness.check_credentials().await.unwrap();
    let r = &server.requests()[0];
    assert_eq!(r.query_value("categories"), Some("TRAVEL_ESIM"));

    let server = TestServer::start(BASE, |_| {
        Respond::json(
            401,
            r#"{"message": "Invalid API key", "code": "UNAUTHORIZED"}"#,
        )
    })
    .await;
    assert_eq!(
        adapter(&server)
            .check_credentials()
            .await
            .unwrap_err()
            .code(),
        "unauthorised"
    );
    // No Travel eSIM subscription offering: the account cannot sell.
    let server = TestServer::start(BASE, |_| {
        Respond::json(200, r#"{"items": [], "pagination": {"nextCursor": null}}"#)
    })
    .await;
    assert_eq!(
        adapter(&server)
            .check_credentials()
            .await
            .unwrap_err()
            .code(),
        "configuration"
    );
}

// ---------------------------------------------------------------------------------------------
// Errors, retries, limits, secrets

#[tokio::test]
async fn every_documented_error_on_a_read_is_typed() {
    for (status, code) in [
        (400, "invalid_request"),
        (401, "unauthorised"),
        (403, "forbidden"),
        (404, "not_found"),
        (409, "invalid_request"),
        (412, "invalid_request"),
        (500, "unavailable"),
    ] {
        let server = TestServer::start(BASE, move |_| {
            Respond::json(
                status,
                r#"{"message": "refused for a reason", "code": "SOME_CODE"}"#,
            )
        })
        .await;
        let telness = adapter(&server);
        let err = telness.offering("eu-5").await.unwrap_err();
        assert_eq!(err.code(), code, "{status}");
        if status != 500 {
            assert!(err.to_string().contains("refused for a reason"), "{err}");
        }
    }
}

#[tokio::test]
async fn reads_are_retried_after_429_honouring_retry_after() {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    let server = server_with(move |_| {
        (counter.fetch_add(1, Ordering::SeqCst) == 0).then(|| {
            Respond::json(
                429,
                r#"{"message": "Too many requests", "code": "RATE_LIMITED"}"#,
            )
            .with_header("Retry-After", "1")
        })
    })
    .await;
    let telness = adapter(&server);
    let started = Instant::now();
    telness.order_status(ORDER_ID).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.calls("GET", &format!("/orders/{ORDER_ID}")).len(), 2);

    // A wait beyond the limit is not waited for: the error carries it.
    let server = TestServer::start(BASE, |_| {
        Respond::json(429, "").with_header("Retry-After", "3600")
    })
    .await;
    let err = adapter(&server).order_status(ORDER_ID).await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn the_default_rate_limit_spaces_calls() {
    let server = happy_server().await;
    let config = TelnessConfig::with_base_url(server.url.clone(), SecretString::from(KEY));
    let telness = Telness::new(config).unwrap();
    let started = Instant::now();
    for _ in 0..4 {
        telness.offering("eu-5").await.unwrap();
    }
    // 5 per second, evenly spaced: four calls need three gaps of 200 ms.
    assert!(
        started.elapsed() >= Duration::from_millis(590),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn the_key_never_appears_in_errors() {
    // A hostile server echoes the key everywhere.
    let server = TestServer::start(BASE, |r| {
        let echo = format!(
            r#"{{"message": "key {KEY} rejected", "code": "{KEY}", "details": [{{"message": "{KEY}"}}], "hint": "{KEY}"}}"#
        );
        match (r.method.as_str(), r.path.as_str()) {
            ("POST", p) if p.ends_with("/submit") => Respond::json(503, &echo),
            ("POST", _) => Respond::json(400, &echo),
            (_, p) if p.contains("/product-offerings") => Respond::json(401, &echo),
            (_, p) if p.ends_with("/usage") => Respond::text(200, &format!("not json {KEY}")),
            _ => Respond::json(404, &echo),
        }
    })
    .await;
    let mut config = config(&server);
    config.subscription_offering_id = Some("container".into());
    let telness = Telness::new(config.clone()).unwrap();
    let errors = vec![
        telness.offering("eu-5").await.unwrap_err(),
        telness.check_credentials().await.unwrap_err(),
        telness.validate_order(&request(None)).await.unwrap_err(),
        telness
            .place_order(&request(Some(ORDER_ID)))
            .await
            .unwrap_err(),
        telness.order_status(ORDER_ID).await.unwrap_err(),
        telness.usage(&esim()).await.unwrap_err(),
        telness
            .cancel(&CancelTarget::Order {
                provider_reference: ORDER_ID.into(),
            })
            .await
            .unwrap_err(),
    ];
    assert_eq!(errors[0].code(), "unauthorised");
    assert_eq!(errors[3].code(), "outcome_unknown");
    for e in &errors {
        for text in [e.to_string(), format!("{e:?}")] {
            assert!(!text.contains(KEY), "{text}");
        }
    }
    assert!(
        errors[0].to_string().contains("[REDACTED]"),
        "{}",
        errors[0]
    );
    for text in [format!("{telness:?}"), format!("{config:?}")] {
        assert!(!text.contains(KEY), "{text}");
    }
}
