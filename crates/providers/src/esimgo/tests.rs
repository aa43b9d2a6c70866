//! The adapter against a scripted local HTTP server: what goes on the wire, what comes back,
//! and the purchase rules (the transaction is the only request before the answer, never resent,
//! lost reply = outcome unknown).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use esimdesk_core::{Country, Currency, Iccid, Money, OrderKind, PackageState, ProfileStatus};
use secrecy::SecretString;
use time::macros::datetime;

use super::*;
use crate::test_server::{Recorded, Respond, TestServer};
use crate::{DeliverySource, MatchBasis};

const KEY: &str = "test-key-SECRET-0001";

fn usd() -> Currency {
    Currency::parse("USD").unwrap()
}

fn settings() -> HttpSettings {
    HttpSettings {
        timeout: Duration::from_millis(1500),
        connect_timeout: Duration::from_secs(1),
        rate_limit: None,
        max_retries: 3,
        default_retry_after: Duration::from_millis(10),
        max_retry_wait: Duration::from_secs(5),
        retry_server_errors: false,
        correlation_header: None,
    }
}

fn adapter(server: &TestServer, currency: Option<Currency>) -> EsimGo {
    let mut config = EsimGoConfig::with_base_url(server.url.clone(), SecretString::from(KEY));
    config.currency = currency;
    config.http = settings();
    EsimGo::new(config).unwrap()
}

fn request(quote_minor: i64) -> OrderRequest {
    OrderRequest {
        client_reference: "desk-42".into(),
        lines: vec![RequestLine {
            offering_code: "esim_1GB_7D_NL_V2".into(),
            quantity: 1,
        }],
        quoted_total: Money::from_minor(quote_minor, usd()),
        customer: None,
        payment_reference: None,
        sale_country: None,
        draft: None,
        push_to_iphone: None,
    }
}

const VALIDATE_OK: &str = r#"{"order": [{"type": "bundle", "item": "esim_1GB_7D_NL_V2", "quantity": 1,
    "subTotal": 1.65, "pricePerUnit": 1.65, "AllowReassign": false}],
    "total": 1.65, "valid": true, "currency": "USD",
    "createdDate": "2025-06-01T10:15:00.123456789Z", "assigned": true}"#;

const TRANSACTION_OK: &str = r#"{"order": [{"esims": [{"iccid": "8944000100000000017", "matchingId": "K2-4F7G1H-1J0KLM",
    "smdpAddress": "smdp.example"}],
    "type": "bundle", "item": "esim_1GB_7D_NL_V2", "iccids": ["8944000100000000017"],
    "quantity": 1, "subTotal": 1.65, "pricePerUnit": 1.65, "AllowReassign": false}],
    "total": 1.65, "currency": "USD", "status": "completed",
    "statusMessage": "Order completed: 1 eSIMs assigned",
    "orderReference": "e268b769-1cb3-4335-aed8-52ecb78425e9",
    "createdDate": "2025-06-01T10:16:02.5Z", "assigned": true, "sourceIP": "203.0.113.7"}"#;

fn order_type(r: &Recorded) -> Option<String> {
    (r.method == "POST" && r.path.ends_with("/orders"))
        .then(|| r.json()["type"].as_str().unwrap_or("").to_owned())
}

/// A server that validates at `validate` and answers transactions with `transaction`.
async fn order_server(validate: &'static str, transaction: Respond) -> TestServer {
    TestServer::start("/v2.4", move |r| match order_type(r).as_deref() {
        Some("validate") => Respond::json(200, validate),
        Some("transaction") => transaction.clone(),
        _ if r.method == "PUT" => Respond::json(200, r#"{"status": "success"}"#),
        _ => Respond::json(404, r#"{"message": "no route"}"#),
    })
    .await
}

fn bundle_json(name: &str, price: &str) -> String {
    format!(
        r#"{{"name": "{name}", "description": "eSIM {name}", "groups": ["Standard Fixed"],
        "countries": [{{"name": "Netherlands", "region": "Europe", "iso": "NL"}}],
        "dataAmount": 1000, "duration": 7, "speed": ["4G"], "autostart": true, "unlimited": false,
        "roamingEnabled": [], "price": {price}, "billingType": "FixedCost"}}"#
    )
}

#[tokio::test]
async fn catalogue_walks_every_page_with_key_and_accept_headers() {
    let server = TestServer::start("/v2.4", |r| {
        let page: u32 = r.query_value("page").unwrap().parse().unwrap();
        let bundles = (0..2)
            .map(|i| bundle_json(&format!("esim_{page}_{i}"), "1.65"))
            .collect::<Vec<_>>()
            .join(",");
        Respond::json(
            200,
            &format!(r#"{{"bundles": [{bundles}], "pageCount": 3, "rows": 6, "pageSize": 2}}"#),
        )
    })
    .await;
    let go = adapter(&server, Some(usd()));
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&calls);
    let progress = move |p: crate::CatalogueProgress| {
        seen.fetch_add(1, Ordering::SeqCst);
        assert_eq!(p.page_count, Some(3));
    };
    let query = CatalogueQuery::country(Country::parse("NL").unwrap());
    let catalogue = go.catalogue(&query, &progress).await.unwrap();
    assert_eq!(catalogue.offerings.len(), 6);
    assert_eq!(catalogue.pages, 3);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    for (i, r) in requests.iter().enumerate() {
        assert_eq!(r.method, "GET");
        assert_eq!(r.path, "/v2.4/catalogue");
        assert_eq!(r.header("x-api-key"), Some(KEY));
        assert_eq!(r.header("accept"), Some("application/json"));
        assert_eq!(r.query_value("page"), Some((i + 1).to_string().as_str()));
        assert_eq!(r.query_value("perPage"), Some("100"));
        assert_eq!(r.query_value("countries"), Some("NL"));
        assert!(r.query_value("api_key").is_none());
    }
    assert_eq!(catalogue.offerings[5].code, "esim_3_1");
    assert_eq!(catalogue.offerings[0].cost, Money::from_minor(165, usd()));
}

#[tokio::test]
async fn bare_array_catalogue_is_one_page_and_currency_comes_from_the_organisation() {
    let server = TestServer::start("/v2.4", |r| {
        if r.path.ends_with("/organisation") {
            Respond::json(
                200,
                r#"{"organisations": [{"name": "Demo", "apiKey": "x", "currency": "EUR", "balance": 245.37}]}"#,
            )
        } else {
            Respond::json(
                200,
                &format!(
                    "[{}, {}, {{\"name\": 5}}]",
                    bundle_json("a", "2.5"),
                    bundle_json("b", "0.1")
                ),
            )
        }
    })
    .await;
    let go = adapter(&server, None);
    let page = go
        .catalogue_page(&CatalogueQuery::all(), None)
        .await
        .unwrap();
    assert_eq!(page.next, None);
    assert_eq!(page.offerings.len(), 2);
    assert_eq!(page.skipped.len(), 1);
    assert_eq!(
        page.offerings[0].cost,
        Money::from_minor(250, Currency::parse("EUR").unwrap())
    );
    assert_eq!(page.offerings[1].cost.minor(), 10);
    // The currency is cached.
    go.catalogue_page(&CatalogueQuery::all(), None)
        .await
        .unwrap();
    assert_eq!(server.calls("GET", "/organisation").len(), 1);
}

#[tokio::test]
async fn envelope_without_page_count_stops_on_a_short_page() {
    let server = TestServer::start("/v2.4", |r| {
        let page: u32 = r.query_value("page").unwrap().parse().unwrap();
        let n = if page == 1 { CATALOGUE_PAGE_SIZE } else { 3 };
        let bundles = (0..n)
            .map(|i| bundle_json(&format!("b{page}_{i}"), "1"))
            .collect::<Vec<_>>()
            .join(",");
        Respond::json(200, &format!(r#"{{"bundles": [{bundles}]}}"#))
    })
    .await;
    let go = adapter(&server, Some(usd()));
    let catalogue = go.catalogue(&CatalogueQuery::all(), &|_| {}).await.unwrap();
    assert_eq!(catalogue.pages, 2);
    assert_eq!(catalogue.offerings.len(), CATALOGUE_PAGE_SIZE as usize + 3);
}

/// `(method, path, order type)` of every request the server saw, in order.
fn sequence(server: &TestServer) -> Vec<(String, String, Option<String>)> {
    server
        .requests()
        .iter()
        .map(|r| (r.method.clone(), r.path.clone(), order_type(r)))
        .collect()
}

fn step(method: &str, path: &str, kind: Option<&str>) -> (String, String, Option<String>) {
    (method.to_owned(), path.to_owned(), kind.map(str::to_owned))
}

#[tokio::test]
async fn place_order_sends_only_the_transaction_then_tags_the_esim() {
    let server = order_server(VALIDATE_OK, Respond::json(200, TRANSACTION_OK)).await;
    // No configured currency: even the organisation is not read before buying.
    let go = adapter(&server, None);
    let placed = go.place_order(&request(165)).await.unwrap();
    assert_eq!(
        placed.provider_reference,
        "e268b769-1cb3-4335-aed8-52ecb78425e9"
    );
    assert_eq!(placed.status, OrderStatus::Completed);
    assert_eq!(placed.total, Some(Money::from_minor(165, usd())));
    assert_eq!(placed.client_reference.as_deref(), Some("desk-42"));
    assert_eq!(placed.esims.len(), 1);
    assert_eq!(
        placed.esims[0]
            .activation_code
            .as_ref()
            .unwrap()
            .to_string(),
        "LPA:1$smdp.example$K2-4F7G1H-1J0KLM"
    );
    assert!(placed.notes.is_empty(), "{:?}", placed.notes);

    assert_eq!(
        sequence(&server),
        [
            step("POST", "/v2.4/orders", Some("transaction")),
            step("PUT", "/v2.4/esims", None),
        ]
    );
    let orders = server.calls("POST", "/v2.4/orders");
    assert_eq!(
        orders[0].json(),
        serde_json::json!({"type": "transaction", "assign": true,
            "order": [{"type": "bundle", "quantity": 1, "item": "esim_1GB_7D_NL_V2", "allowReassign": false}]})
    );
    assert_eq!(orders[0].header("content-type"), Some("application/json"));
    let tags = server.calls("PUT", "/v2.4/esims");
    assert_eq!(
        tags[0].json(),
        serde_json::json!({"iccid": "8944000100000000017", "customerRef": "desk-42"})
    );
}

#[tokio::test]
async fn the_price_is_not_the_adapters_business() {
    // A quote far below eSIM Go's price: the adapter buys anyway (the app has compared).
    let server = order_server(VALIDATE_OK, Respond::json(200, TRANSACTION_OK)).await;
    let go = adapter(&server, Some(usd()));
    let placed = go.place_order(&request(1)).await.unwrap();
    assert_eq!(placed.total, Some(Money::from_minor(165, usd())));
    assert_eq!(server.calls("POST", "/v2.4/orders").len(), 1);
}

#[tokio::test]
async fn line_quantities_outside_one_to_five_are_refused_before_sending() {
    let server = order_server(VALIDATE_OK, Respond::json(200, TRANSACTION_OK)).await;
    let go = adapter(&server, Some(usd()));
    for quantity in [0, 6, 1000] {
        let mut r = request(165);
        r.lines[0].quantity = quantity;
        let err = go.place_order(&r).await.unwrap_err();
        assert_eq!(err.code(), "invalid_request", "{quantity}: {err}");
        assert!(err.to_string().contains("1 to 5"), "{err}");
        assert_eq!(
            go.validate_order(&r).await.unwrap_err().code(),
            "invalid_request"
        );
    }
    let mut r = request(165);
    r.lines.push(RequestLine {
        offering_code: "esim_3GB_30D_NL_V2".into(),
        quantity: 6,
    });
    assert_eq!(
        go.place_order(&r).await.unwrap_err().code(),
        "invalid_request"
    );
    assert!(server.requests().is_empty());
    // 5 is still an order.
    let mut r = request(165);
    r.lines[0].quantity = 5;
    go.place_order(&r).await.unwrap();
    assert_eq!(
        server.calls("POST", "/v2.4/orders")[0].json()["order"][0]["quantity"],
        5
    );
}

#[tokio::test]
async fn a_transaction_total_with_three_decimals_is_a_completed_purchase() {
    let reply = TRANSACTION_OK.replace(r#""total": 1.65"#, r#""total": 1.645"#);
    assert_ne!(reply, TRANSACTION_OK);
    let server = order_server(VALIDATE_OK, Respond::json(200, &reply)).await;
    let go = adapter(&server, Some(usd()));
    let placed = go.place_order(&request(165)).await.unwrap();
    assert_eq!(placed.status, OrderStatus::Completed);
    assert_eq!(placed.total, Some(Money::from_minor(165, usd())));
}

#[tokio::test]
async fn a_dropped_purchase_reply_is_outcome_unknown_and_never_resent() {
    let server = order_server(VALIDATE_OK, Respond::Drop).await;
    let go = adapter(&server, Some(usd()));
    let err = go.place_order(&request(165)).await.unwrap_err();
    assert_eq!(err.code(), "outcome_unknown", "{err}");
    let transactions = server
        .requests()
        .iter()
        .filter(|r| order_type(r).as_deref() == Some("transaction"))
        .count();
    assert_eq!(transactions, 1);
}

#[tokio::test]
async fn a_late_purchase_reply_is_outcome_unknown_and_never_resent() {
    let late = Respond::After(
        Duration::from_secs(3),
        Box::new(Respond::json(200, TRANSACTION_OK)),
    );
    let server = order_server(VALIDATE_OK, late).await;
    let go = adapter(&server, Some(usd()));
    let err = go.place_order(&request(165)).await.unwrap_err();
    assert_eq!(err.code(), "outcome_unknown", "{err}");
    let transactions = server
        .requests()
        .iter()
        .filter(|r| order_type(r).as_deref() == Some("transaction"))
        .count();
    assert_eq!(transactions, 1);
}

#[tokio::test]
async fn purchase_server_errors_are_unknown_and_not_retried_but_429_is_safe() {
    for (reply, code) in [
        (
            Respond::json(503, "").with_header("Retry-After", "1"),
            "outcome_unknown",
        ),
        (Respond::text(500, "oops"), "outcome_unknown"),
        (Respond::json(200, "{not json"), "outcome_unknown"),
        (
            Respond::json(429, r#"{"message": "Rate limit exceeded"}"#)
                .with_header("Retry-After", "1"),
            "rate_limited",
        ),
        (
            Respond::text(400, "Insufficient balance"),
            "insufficient_balance",
        ),
        (
            Respond::Reply {
                status: 400,
                headers: vec![],
                body: vec![],
            },
            "invalid_request",
        ),
    ] {
        let server = order_server(VALIDATE_OK, reply).await;
        let go = adapter(&server, Some(usd()));
        let err = go.place_order(&request(165)).await.unwrap_err();
        assert_eq!(err.code(), code, "{err}");
        let transactions = server
            .requests()
            .iter()
            .filter(|r| order_type(r).as_deref() == Some("transaction"))
            .count();
        assert_eq!(transactions, 1, "{code}");
    }
}

#[tokio::test]
async fn reads_are_retried_after_429_honouring_retry_after() {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    let server = TestServer::start("/v2.4", move |_| {
        if counter.fetch_add(1, Ordering::SeqCst) == 0 {
            Respond::json(429, r#"{"message": "Rate limit exceeded"}"#)
                .with_header("Retry-After", "1")
        } else {
            Respond::json(
                200,
                r#"{"organisations": [{"currency": "USD", "balance": 245.37, "testCredit": 0}]}"#,
            )
        }
    })
    .await;
    let go = adapter(&server, None);
    let started = Instant::now();
    let balance = go.balance().await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(balance.available, Money::from_minor(24537, usd()));
    assert_eq!(balance.test_credit, Some(Money::zero(usd())));
    assert_eq!(hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn reads_give_up_after_three_retries() {
    let server = TestServer::start("/v2.4", |_| {
        Respond::json(503, "").with_header("Retry-After", "0")
    })
    .await;
    let go = adapter(&server, Some(usd()));
    let err = go.offering("esim_1GB_7D_NL_V2").await.unwrap_err();
    assert_eq!(err.code(), "unavailable");
    assert_eq!(server.requests().len(), 4);

    // A Retry-After beyond the limit is not waited for.
    let server = TestServer::start("/v2.4", |_| {
        Respond::json(429, "").with_header("Retry-After", "3600")
    })
    .await;
    let go = adapter(&server, Some(usd()));
    let err = go.offering("x").await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_slow_read_times_out_after_retries() {
    let server = TestServer::start("/v2.4", |_| {
        Respond::After(Duration::from_secs(3), Box::new(Respond::json(200, "{}")))
    })
    .await;
    let mut config = EsimGoConfig::with_base_url(server.url.clone(), SecretString::from(KEY));
    config.currency = Some(usd());
    config.http = HttpSettings {
        timeout: Duration::from_millis(200),
        max_retries: 1,
        ..settings()
    };
    let go = EsimGo::new(config).unwrap();
    assert_eq!(go.offering("x").await.unwrap_err(), ProviderError::Timeout);
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn rate_limit_spaces_calls() {
    let server =
        TestServer::start("/v2.4", |_| Respond::json(200, r#"{"compatible": true}"#)).await;
    let mut config = EsimGoConfig::with_base_url(server.url.clone(), SecretString::from(KEY));
    config.currency = Some(usd());
    let go = EsimGo::new(config).unwrap();
    let esim = EsimHandle::iccid(Iccid::parse("8944000100000000017").unwrap());
    let started = Instant::now();
    for _ in 0..6 {
        assert_eq!(
            go.check_top_up(&esim, "b").await.unwrap(),
            TopUpCheck::Compatible
        );
    }
    // 10 per second, evenly spaced: six calls need at least five gaps of 100 ms.
    assert!(
        started.elapsed() >= Duration::from_millis(490),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn invalid_dry_run_with_low_balance_is_insufficient_balance() {
    let server = TestServer::start("/v2.4", |r| {
        if r.path.ends_with("/organisation") {
            Respond::json(200, r#"{"currency": "USD", "balance": 1.00}"#)
        } else {
            Respond::json(
                200,
                r#"{"order": [], "total": 1.65, "valid": false, "currency": "USD"}"#,
            )
        }
    })
    .await;
    let go = adapter(&server, Some(usd()));
    let err = go.validate_order(&request(165)).await.unwrap_err();
    assert_eq!(err.code(), "insufficient_balance", "{err}");
    assert!(
        server
            .requests()
            .iter()
            .all(|r| order_type(r).as_deref() != Some("transaction"))
    );
}

#[tokio::test]
async fn validate_order_reports_the_provider_price() {
    let server = order_server(VALIDATE_OK, Respond::Drop).await;
    let go = adapter(&server, Some(usd()));
    let v = go.validate_order(&request(1)).await.unwrap();
    assert_eq!(v.total, Money::from_minor(165, usd()));
    assert_eq!(v.lines[0].unit_price, Some(Money::from_minor(165, usd())));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn the_key_never_appears_in_errors() {
    // A hostile server echoes the key in every error text.
    let server = TestServer::start("/v2.4", |r| {
        let echo = format!(r#"{{"message": "key {KEY} rejected"}}"#);
        match (r.method.as_str(), r.path.as_str()) {
            (_, p) if p.ends_with("/organisation") => Respond::json(403, &echo),
            ("POST", _) => match order_type(r).as_deref() {
                Some("validate") => Respond::json(200, VALIDATE_OK),
                _ => Respond::text(503, &format!("busy {KEY}")),
            },
            (_, p) if p.contains("/catalogue/bundle/") => Respond::json(400, &echo),
            (_, p) if p.contains("/compatible/") => Respond::text(200, &format!("not json {KEY}")),
            _ => Respond::Drop,
        }
    })
    .await;
    let go = adapter(&server, Some(usd()));
    let esim = EsimHandle::iccid(Iccid::parse("8944000100000000017").unwrap());
    let errors = vec![
        go.balance().await.unwrap_err(),
        go.place_order(&request(165)).await.unwrap_err(),
        go.offering("x").await.unwrap_err(),
        go.check_top_up(&esim, "b").await.unwrap_err(),
        go.usage(&esim).await.unwrap_err(),
    ];
    assert_eq!(errors[0].code(), "unauthorised");
    for e in &errors {
        for text in [e.to_string(), format!("{e:?}")] {
            assert!(!text.contains(KEY), "{text}");
        }
    }
    assert!(errors[0].to_string().contains("[REDACTED]"));
    let debug = format!("{go:?}");
    assert!(!debug.contains(KEY), "{debug}");
    let config = EsimGoConfig::with_base_url(server.url.clone(), SecretString::from(KEY));
    assert!(!format!("{config:?}").contains(KEY));
}

#[tokio::test]
async fn errors_from_reads_are_typed() {
    let server = TestServer::start("/v2.4", |r| {
        if r.path.contains("/catalogue/bundle/") {
            Respond::json(400, r#"{"message": "Bundle not found"}"#)
        } else if r.path.ends_with("/orders/nope") {
            Respond::text(400, "Order not found")
        } else if r.path.contains("/compatible/") {
            Respond::json(403, r#"{"message": "eSIM not accessible"}"#)
        } else {
            Respond::json(403, r#"{"message": "Unauthorised"}"#)
        }
    })
    .await;
    let go = adapter(&server, Some(usd()));
    let esim = EsimHandle::iccid(Iccid::parse("8944000100000000017").unwrap());
    assert_eq!(go.offering("nope").await.unwrap_err().code(), "not_found");
    assert_eq!(
        go.order_status("nope").await.unwrap_err().code(),
        "not_found"
    );
    assert_eq!(
        go.check_top_up(&esim, "b").await.unwrap_err().code(),
        "forbidden"
    );
    assert_eq!(
        go.catalogue_page(&CatalogueQuery::all(), None)
            .await
            .unwrap_err()
            .code(),
        "unauthorised"
    );
}

#[tokio::test]
async fn activation_codes_from_the_zip() {
    use crate::qr_bundle::tests::{CSV, zip_of};
    let zip = zip_of(&[
        ("8944000100000000025.png", b"png"),
        ("89440001000000000506.png", b"png"),
        ("e268b769.csv", CSV.as_bytes()),
    ]);
    let server = TestServer::start("/v2.4", move |_| {
        Respond::bytes(200, "application/zip", zip.clone())
    })
    .await;
    let go = adapter(&server, Some(usd()));
    let d = go
        .activation_codes("e268b769-1cb3-4335-aed8-52ecb78425e9")
        .await
        .unwrap();
    assert_eq!(d.source, DeliverySource::QrBundle);
    assert_eq!(d.esims.len(), 2);
    assert_eq!(d.qr_images.len(), 2);
    let r = &server.requests()[0];
    assert_eq!(r.path, "/v2.4/esims/assignments");
    assert_eq!(
        r.query_value("reference"),
        Some("e268b769-1cb3-4335-aed8-52ecb78425e9")
    );
    assert_eq!(r.header("accept"), Some("application/zip"));
}

#[tokio::test]
async fn activation_codes_fall_back_to_json() {
    let server = TestServer::start("/v2.4", |r| {
        if r.header("accept") == Some("application/zip") {
            let mut garbage = b"PK\x03\x04".to_vec();
            garbage.extend_from_slice(&[7; 100]);
            Respond::bytes(200, "application/zip", garbage)
        } else {
            Respond::json(
                200,
                r#"[{"iccid": "8944000100000000025", "matchingId": "K2-7QW3ER-5TY8UI", "smdpAddress": "smdp.example",
                     "profileStatus": "Released", "pin": "1234", "puk": "87654321"}]"#,
            )
        }
    })
    .await;
    let go = adapter(&server, Some(usd()));
    let d = go.activation_codes("ref").await.unwrap();
    assert_eq!(d.source, DeliverySource::Json);
    assert_eq!(d.esims.len(), 1);
    assert!(
        d.notes[0].starts_with("QR code download not used"),
        "{:?}",
        d.notes
    );
    let accepts: Vec<Option<String>> = server
        .requests()
        .iter()
        .map(|r| r.header("accept").map(str::to_owned))
        .collect();
    assert_eq!(
        accepts,
        [
            Some("application/zip".to_owned()),
            Some("application/json".to_owned())
        ]
    );

    // A real error is not papered over by the fallback.
    let server = TestServer::start("/v2.4", |_| Respond::json(410, "")).await;
    let go = adapter(&server, Some(usd()));
    assert_eq!(
        go.activation_codes("ref").await.unwrap_err().code(),
        "not_found"
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn find_order_after_a_lost_reply() {
    let server = TestServer::start("/v2.4", |r| {
        if r.path.ends_with("/esims") {
            Respond::json(200, r#"{"esims": [], "pageCount": 1, "rows": 0, "pageSize": 100}"#)
        } else if r.path.starts_with("/v2.4/esims/") {
            Respond::json(200, r#"{"iccid": "8944000100000000017", "customerRef": ""}"#)
        } else {
            let other = TRANSACTION_OK
                .replace("esim_1GB_7D_NL_V2", "esim_3GB_30D_NL_V2")
                .replace("e268b769", "aaaaaaaa");
            let early = TRANSACTION_OK
                .replace("2025-06-01T10:16:02.5Z", "2025-05-01T10:16:02.5Z")
                .replace("e268b769", "bbbbbbbb");
            Respond::json(
                200,
                &format!(r#"{{"orders": [{other}, {TRANSACTION_OK}, {early}, {{"bad": 1}}], "pageCount": 1, "rows": 4, "pageSize": 50}}"#),
            )
        }
    })
    .await;
    let go = adapter(&server, Some(usd()));
    let lookup = OrderLookup::for_order(&request(165), datetime!(2025-06-01 10:16:00 UTC));
    let found = go.find_order(&lookup).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].basis, MatchBasis::ContentsAndTime);
    assert_eq!(found[0].foreign_reference, None);
    assert_eq!(
        found[0].order.provider_reference,
        "e268b769-1cb3-4335-aed8-52ecb78425e9"
    );
    // The candidate's eSIM was read for another desk's reference.
    assert_eq!(
        server.calls("GET", "/v2.4/esims/8944000100000000017").len(),
        1
    );
    let list = &server.calls("GET", "/v2.4/orders")[0];
    assert_eq!(
        list.query_value("createdAt"),
        Some("gte:2025-06-01T10:15:00.000Z")
    );
    assert_eq!(list.query_value("includeIccids"), Some("true"));
    let esims = &server.calls("GET", "/v2.4/esims")[0];
    assert_eq!(esims.query_value("filterBy"), Some("customerRef"));
    assert_eq!(esims.query_value("filter"), Some("desk-42"));
}

#[tokio::test]
async fn find_order_by_tagged_esim_is_certain() {
    let server = TestServer::start("/v2.4", |r| {
        if r.path.ends_with("/esims") {
            Respond::json(
                200,
                r#"{"esims": [{"iccid": "8944000100000000017", "customerRef": "desk-42"},
                              {"iccid": "8944000100000000025", "customerRef": "desk-420"}]}"#,
            )
        } else {
            Respond::json(200, &format!("[{TRANSACTION_OK}]"))
        }
    })
    .await;
    let go = adapter(&server, Some(usd()));
    let lookup = OrderLookup::for_order(&request(165), datetime!(2025-06-01 10:16:00 UTC));
    let found = go.find_order(&lookup).await.unwrap();
    assert_eq!(found[0].basis, MatchBasis::ClientReference);
    assert_eq!(found[0].order.client_reference.as_deref(), Some("desk-42"));
}

/// `count` orders of `esim_3GB_30D_NL_V2` (never the one looked for), with distinct references.
fn other_orders(from: usize, count: usize) -> String {
    (from..from + count)
        .map(|i| {
            TRANSACTION_OK
                .replace("esim_1GB_7D_NL_V2", "esim_3GB_30D_NL_V2")
                .replace("e268b769", &format!("{i:08x}"))
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[tokio::test]
async fn find_order_reads_every_page_of_tagged_esims_and_orders() {
    // Page 1 of the eSIM list holds 100 eSIMs of other references; ours is on page 2. The
    // order is on page 3 of 3 of the order list.
    let server = TestServer::start("/v2.4", |r| {
        let page: usize = r.query_value("page").unwrap_or("1").parse().unwrap();
        if r.path.ends_with("/esims") {
            let esims = if page == 1 {
                (0..100)
                    .map(|i| {
                        format!(
                            r#"{{"iccid": "89440001000000{i:05}", "customerRef": "desk-42{i}"}}"#
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(",")
            } else {
                r#"{"iccid": "8944000100000000017", "customerRef": "desk-42"}"#.to_owned()
            };
            Respond::json(
                200,
                &format!(r#"{{"esims": [{esims}], "pageCount": 2, "rows": 101, "pageSize": 100}}"#),
            )
        } else if r.path.ends_with("/orders") {
            let orders = match page {
                1 | 2 => other_orders(page * 100, 50),
                _ => TRANSACTION_OK.to_owned(),
            };
            Respond::json(
                200,
                &format!(
                    r#"{{"orders": [{orders}], "pageCount": 3, "rows": 101, "pageSize": 50}}"#
                ),
            )
        } else {
            Respond::json(404, r#"{"message": "no route"}"#)
        }
    })
    .await;
    let go = adapter(&server, Some(usd()));
    let lookup = OrderLookup::for_order(&request(165), datetime!(2025-06-01 10:16:00 UTC));
    let found = go.find_order(&lookup).await.unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].basis, MatchBasis::ClientReference);
    assert_eq!(found[0].foreign_reference, None);
    let pages = |path: &str| -> Vec<String> {
        server
            .calls("GET", path)
            .iter()
            .map(|r| r.query_value("page").unwrap().to_owned())
            .collect()
    };
    assert_eq!(pages("/v2.4/esims"), ["1", "2"]);
    assert_eq!(pages("/v2.4/orders"), ["1", "2", "3"]);
    // Tagged with our reference: not read again.
    assert!(
        server
            .calls("GET", "/v2.4/esims/8944000100000000017")
            .is_empty()
    );
}

#[tokio::test]
async fn find_order_fails_rather_than_answer_from_part_of_the_list() {
    let server = TestServer::start("/v2.4", |r| {
        if r.path.ends_with("/esims") {
            Respond::json(200, r#"{"esims": [], "pageCount": 1}"#)
        } else {
            Respond::json(
                200,
                &format!(
                    r#"{{"orders": [{}], "pageCount": 100000}}"#,
                    other_orders(0, 1)
                ),
            )
        }
    })
    .await;
    let go = adapter(&server, Some(usd()));
    let lookup = OrderLookup::for_order(&request(165), datetime!(2025-06-01 10:16:00 UTC));
    let err = go.find_order(&lookup).await.unwrap_err();
    assert_eq!(err.code(), "malformed_reply", "{err}");
    assert_eq!(
        server.calls("GET", "/v2.4/orders").len(),
        reconcile::MAX_PAGES as usize
    );
}

#[tokio::test]
async fn find_order_names_another_desks_reference() {
    let server = TestServer::start("/v2.4", |r| {
        if r.path.ends_with("/esims") {
            Respond::json(200, r#"{"esims": [], "pageCount": 1}"#)
        } else if r.path.starts_with("/v2.4/esims/") {
            Respond::json(
                200,
                r#"{"iccid": "8944000100000000017", "customerRef": "other-desk-9"}"#,
            )
        } else {
            Respond::json(
                200,
                &format!(r#"{{"orders": [{TRANSACTION_OK}], "pageCount": 1}}"#),
            )
        }
    })
    .await;
    let go = adapter(&server, Some(usd()));
    let lookup = OrderLookup::for_order(&request(165), datetime!(2025-06-01 10:16:00 UTC));
    let found = go.find_order(&lookup).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].basis, MatchBasis::ContentsAndTime);
    assert_eq!(found[0].foreign_reference.as_deref(), Some("other-desk-9"));

    // A top-up's eSIM carries its first sale's reference: that says nothing about the top-up.
    let top_up = OrderLookup {
        kind: OrderKind::TopUp,
        esim: Some(EsimHandle::iccid(
            Iccid::parse("8944000100000000017").unwrap(),
        )),
        ..lookup
    };
    let found = go.find_order(&top_up).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].foreign_reference, None);
}

#[tokio::test]
async fn find_order_keeps_an_unreadable_time_unknown() {
    let undated = TRANSACTION_OK.replace(r#""createdDate": "2025-06-01T10:16:02.5Z", "#, "");
    assert_ne!(undated, TRANSACTION_OK);
    let server = TestServer::start("/v2.4", move |r| {
        if r.path.ends_with("/esims") {
            Respond::json(200, r#"{"esims": [], "pageCount": 1}"#)
        } else if r.path.starts_with("/v2.4/esims/") {
            Respond::json(200, r#"{"iccid": "8944000100000000017"}"#)
        } else {
            Respond::json(
                200,
                &format!(r#"{{"orders": [{undated}], "pageCount": 1}}"#),
            )
        }
    })
    .await;
    let go = adapter(&server, Some(usd()));
    let lookup = OrderLookup::for_order(&request(165), datetime!(2025-06-01 10:16:00 UTC));
    let found = go.find_order(&lookup).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].order.created_at, None);
}

/// A server holding one `customerRef` per eSIM, changed by `PUT /esims`.
fn ref_server(
    refs: Arc<std::sync::Mutex<std::collections::HashMap<String, String>>>,
) -> impl Fn(&Recorded) -> Respond + Send + Sync + 'static {
    move |r| {
        let mut refs = refs.lock().unwrap();
        if r.method == "PUT" && r.path == "/v2.4/esims" {
            let body = r.json();
            refs.insert(
                body["iccid"].as_str().unwrap().to_owned(),
                body["customerRef"].as_str().unwrap().to_owned(),
            );
            Respond::json(200, r#"{"status": "success"}"#)
        } else if let Some(iccid) = r.path.strip_prefix("/v2.4/esims/") {
            let current = refs.get(iccid).cloned().unwrap_or_default();
            Respond::json(
                200,
                &serde_json::json!({"iccid": iccid, "customerRef": current}).to_string(),
            )
        } else {
            Respond::json(404, r#"{"message": "no route"}"#)
        }
    }
}

fn two_esim_order() -> PlacedOrder {
    PlacedOrder {
        provider_reference: "e268b769".into(),
        client_reference: None,
        kind: OrderKind::NewEsim,
        status: OrderStatus::Completed,
        total: None,
        created_at: None,
        lines: vec![crate::PlacedLine {
            offering_code: "esim_1GB_7D_NL_V2".into(),
            quantity: 2,
            iccids: vec![
                Iccid::parse("8944000100000000017").unwrap(),
                Iccid::parse("8944000100000000025").unwrap(),
            ],
        }],
        esims: vec![],
        notes: vec![],
    }
}

#[tokio::test]
async fn claim_order_tags_untagged_esims_and_reads_them_back() {
    let refs = Arc::new(std::sync::Mutex::new(std::collections::HashMap::from([(
        "8944000100000000025".to_owned(),
        "desk-42".to_owned(),
    )])));
    let server = TestServer::start("/v2.4", ref_server(Arc::clone(&refs))).await;
    let go = adapter(&server, Some(usd()));
    assert!(go.claim_order(&two_esim_order(), "desk-42").await.unwrap());
    // Only the eSIM without a reference was written.
    let puts = server.calls("PUT", "/v2.4/esims");
    assert_eq!(puts.len(), 1);
    assert_eq!(
        puts[0].json(),
        serde_json::json!({"iccid": "8944000100000000017", "customerRef": "desk-42"})
    );
    // Both read before, both read back after.
    assert_eq!(
        server.calls("GET", "/v2.4/esims/8944000100000000017").len(),
        2
    );
    assert_eq!(
        server.calls("GET", "/v2.4/esims/8944000100000000025").len(),
        2
    );
    // Claiming again changes nothing and still holds.
    assert!(go.claim_order(&two_esim_order(), "desk-42").await.unwrap());
    assert_eq!(server.calls("PUT", "/v2.4/esims").len(), 1);
}

#[tokio::test]
async fn claim_order_refuses_an_order_another_desk_holds() {
    let refs = Arc::new(std::sync::Mutex::new(std::collections::HashMap::from([(
        "8944000100000000025".to_owned(),
        "desk-other".to_owned(),
    )])));
    let server = TestServer::start("/v2.4", ref_server(Arc::clone(&refs))).await;
    let go = adapter(&server, Some(usd()));
    assert!(!go.claim_order(&two_esim_order(), "desk-42").await.unwrap());
    // The other desk's reference is never overwritten.
    assert_eq!(refs.lock().unwrap()["8944000100000000025"], "desk-other");
    assert!(
        server
            .calls("PUT", "/v2.4/esims")
            .iter()
            .all(|r| r.json()["iccid"] != "8944000100000000025")
    );
    // An order with no eSIM cannot be marked, so it is not claimed.
    let mut empty = two_esim_order();
    empty.lines.clear();
    assert!(!go.claim_order(&empty, "desk-42").await.unwrap());
    assert_eq!(
        go.claim_order(&two_esim_order(), " ")
            .await
            .unwrap_err()
            .code(),
        "invalid_request"
    );
}

#[tokio::test]
async fn usage_reads_bundles_and_profile() {
    let server = TestServer::start("/v2.4", |r| {
        if r.path.ends_with("/bundles") {
            Respond::json(
                200,
                r#"{"bundles": [{"name": "esim_1GB_7D_NL_V2", "description": "x", "assignments": [
                  {"id": "215009266", "callTypeGroup": "data", "initialQuantity": 1000000000,
                   "remainingQuantity": 734003200, "assignmentDateTime": "2025-06-01T10:16:02.34523Z",
                   "assignmentReference": "e268b769-1cb3-4335-aed8-52ecb78425e9-0", "bundleState": "active",
                   "unlimited": false}]}]}"#,
            )
        } else {
            Respond::json(
                200,
                r#"{"iccid": "8944000100000000017", "matchingId": "K2-4F7G1H-1J0KLM", "smdpAddress": "smdp.example",
                    "profileStatus": "Installed", "firstInstalledDateTime": 1748773200000}"#,
            )
        }
    })
    .await;
    let go = adapter(&server, Some(usd()));
    let esim = EsimHandle::iccid(Iccid::parse("8944000100000000017").unwrap());
    let usage = go.usage(&esim).await.unwrap();
    assert_eq!(usage.profile_status, Some(ProfileStatus::Installed));
    assert_eq!(usage.packages.len(), 1);
    assert_eq!(usage.packages[0].package.state, PackageState::Active);
    let r = &server.calls("GET", "/bundles")[0];
    assert_eq!(r.path, "/v2.4/esims/8944000100000000017/bundles");
    assert_eq!(r.query_value("includeUsed"), Some("true"));
}

#[tokio::test]
async fn usage_with_an_unknown_state_keeps_every_package() {
    let server = TestServer::start("/v2.4", |r| {
        if r.path.ends_with("/bundles") {
            Respond::json(
                200,
                r#"{"bundles": [{"name": "esim_1GB_7D_NL_V2", "assignments": [
                  {"id": "1", "bundleState": "queued", "initialQuantity": 1000000000, "remainingQuantity": 1000000000},
                  {"id": "2", "bundleState": "paused", "initialQuantity": 1000000000, "remainingQuantity": 3}]}]}"#,
            )
        } else {
            Respond::json(200, r#"{"iccid": "8944000100000000017", "profileStatus": "Released"}"#)
        }
    })
    .await;
    let go = adapter(&server, Some(usd()));
    let esim = EsimHandle::iccid(Iccid::parse("8944000100000000017").unwrap());
    let usage = go.usage(&esim).await.unwrap();
    let states: Vec<PackageState> = usage.packages.iter().map(|p| p.package.state).collect();
    assert_eq!(states, [PackageState::Queued, PackageState::Unknown]);
}

#[tokio::test]
async fn top_up_sends_only_the_transaction_onto_the_esim() {
    let server = order_server(VALIDATE_OK, Respond::json(200, TRANSACTION_OK)).await;
    let go = adapter(&server, None);
    let esim = EsimHandle::iccid(Iccid::parse("8944000100000000017").unwrap());
    let placed = go
        .place_top_up(&TopUpRequest {
            client_reference: "desk-43".into(),
            esim: esim.clone(),
            offering_code: "esim_1GB_7D_NL_V2".into(),
            quoted_total: Money::from_minor(165, usd()),
            payment_reference: None,
            draft: None,
            sale_country: None,
        })
        .await
        .unwrap();
    assert_eq!(placed.kind, OrderKind::TopUp);
    assert!(placed.notes.is_empty(), "{:?}", placed.notes);
    // No compatibility check, no dry run, and the eSIM's reference is left alone.
    assert_eq!(
        sequence(&server),
        [step("POST", "/v2.4/orders", Some("transaction"))]
    );
    assert_eq!(
        server.requests()[0].json()["order"][0],
        serde_json::json!({"type": "bundle", "quantity": 1, "item": "esim_1GB_7D_NL_V2",
            "iccids": ["8944000100000000017"], "allowReassign": false})
    );
}

#[tokio::test]
async fn a_top_up_that_lands_elsewhere_says_so() {
    let elsewhere = TRANSACTION_OK.replace("8944000100000000017", "8944000100000000025");
    let server = order_server(VALIDATE_OK, Respond::json(200, &elsewhere)).await;
    let go = adapter(&server, Some(usd()));
    let placed = go
        .place_top_up(&TopUpRequest {
            client_reference: "desk-43".into(),
            esim: EsimHandle::iccid(Iccid::parse("8944000100000000017").unwrap()),
            offering_code: "esim_1GB_7D_NL_V2".into(),
            quoted_total: Money::from_minor(165, usd()),
            payment_reference: None,
            draft: None,
            sale_country: None,
        })
        .await
        .unwrap();
    assert_eq!(placed.notes.len(), 1, "{:?}", placed.notes);
    assert!(
        placed.notes[0].contains("did not land"),
        "{:?}",
        placed.notes
    );
}

#[tokio::test]
async fn validate_top_up_is_the_dry_run_onto_the_esim() {
    let server = order_server(VALIDATE_OK, Respond::Drop).await;
    let go = adapter(&server, Some(usd()));
    let v = go
        .validate_top_up(&TopUpRequest {
            client_reference: "desk-43".into(),
            esim: EsimHandle::iccid(Iccid::parse("8944000100000000017").unwrap()),
            offering_code: "esim_1GB_7D_NL_V2".into(),
            quoted_total: Money::from_minor(1, usd()),
            payment_reference: None,
            draft: None,
            sale_country: None,
        })
        .await
        .unwrap();
    assert_eq!(v.total, Money::from_minor(165, usd()));
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].json(),
        serde_json::json!({"type": "validate", "assign": true,
            "order": [{"type": "bundle", "quantity": 1, "item": "esim_1GB_7D_NL_V2",
                "iccids": ["8944000100000000017"], "allowReassign": false}]})
    );
}

#[tokio::test]
async fn an_incompatible_top_up_is_refused_by_esim_go() {
    let server = order_server(
        VALIDATE_OK,
        Respond::json(
            400,
            r#"{"message": "Bundle is not compatible with the eSIM"}"#,
        ),
    )
    .await;
    let go = adapter(&server, Some(usd()));
    let err = go
        .place_top_up(&TopUpRequest {
            client_reference: "desk-43".into(),
            esim: EsimHandle::iccid(Iccid::parse("8944000100000000017").unwrap()),
            offering_code: "esim_1GB_7D_NL_V2".into(),
            quoted_total: Money::from_minor(165, usd()),
            payment_reference: None,
            draft: None,
            sale_country: None,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_request");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn revoke_one_assignment_once() {
    let server = TestServer::start("/v2.4", |_| {
        Respond::json(
            200,
            r#"{"status": "Successfully Revoked Bundle, bundle has been refunded to inventory"}"#,
        )
    })
    .await;
    let go = adapter(&server, Some(usd()));
    let out = go
        .cancel(&CancelTarget::Package {
            esim: EsimHandle::iccid(Iccid::parse("8944000100000000017").unwrap()),
            offering_code: "esim_1GB_7D_NL_V2".into(),
            assignment_id: "215009266".into(),
        })
        .await
        .unwrap();
    assert_eq!(out.refund, Refund::ToInventory);
    let r = &server.requests()[0];
    assert_eq!(r.method, "DELETE");
    assert_eq!(
        r.path,
        "/v2.4/esims/8944000100000000017/bundles/esim_1GB_7D_NL_V2/assignments/215009266"
    );
    assert_eq!(r.query_value("type"), Some("transaction"));
    assert_eq!(
        go.cancel(&CancelTarget::Order {
            provider_reference: "x".into()
        })
        .await
        .unwrap_err()
        .code(),
        "unsupported"
    );

    assert!(r.query_value("refundToBalance").is_none());
    assert_eq!(server.requests().len(), 1);

    // Without an assignment id nothing is sent: eSIM Go would pick one itself.
    let err = go
        .cancel(&CancelTarget::Package {
            esim: EsimHandle::iccid(Iccid::parse("8944000100000000017").unwrap()),
            offering_code: "esim_1GB_7D_NL_V2".into(),
            assignment_id: " ".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_request");
    assert_eq!(server.requests().len(), 1);

    let server = TestServer::start("/v2.4", |_| Respond::json(503, "")).await;
    let go = adapter(&server, Some(usd()));
    let err = go
        .cancel(&CancelTarget::Package {
            esim: EsimHandle::iccid(Iccid::parse("8944000100000000017").unwrap()),
            offering_code: "esim_1GB_7D_NL_V2".into(),
            assignment_id: "215009266".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), "outcome_unknown");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn order_status_reads_one_order() {
    let server = TestServer::start("/v2.4", |_| Respond::json(200, TRANSACTION_OK)).await;
    let go = adapter(&server, Some(usd()));
    let order = go
        .order_status("e268b769-1cb3-4335-aed8-52ecb78425e9")
        .await
        .unwrap();
    assert_eq!(order.status, OrderStatus::Completed);
    assert_eq!(order.esims.len(), 1);
    assert_eq!(
        server.requests()[0].path,
        "/v2.4/orders/e268b769-1cb3-4335-aed8-52ecb78425e9"
    );
}

#[tokio::test]
async fn works_as_a_trait_object() {
    let server = TestServer::start("/v2.4", |_| {
        Respond::json(200, r#"{"currency": "USD", "balance": 3}"#)
    })
    .await;
    let provider: Arc<dyn Provider> = Arc::new(adapter(&server, None));
    assert_eq!(provider.kind(), esimdesk_core::ProviderKind::Esimgo);
    assert!(provider.capabilities().validate_order);
    assert_eq!(provider.balance().await.unwrap().available.minor(), 300);
}
