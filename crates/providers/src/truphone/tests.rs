//! The adapter against a scripted local HTTP server (`test_server.rs`) that plays both the
//! Keycloak token endpoint and the Connect API: what goes on the wire, what comes back, the
//! token's life (cache, expiry, refresh, one re-send after a `401`), and the purchase rules (one
//! `POST`, never retried; a lost reply is outcome unknown).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use esimdesk_core::{
    Country, Currency, Customer, Eid, Iccid, Money, OrderKind, PackageState, ProfileStatus, Region,
};
use secrecy::SecretString;
use time::macros::datetime;

use super::*;
use crate::test_server::{Recorded, Respond, TestServer};
use crate::{DeliverySource, MatchBasis, OrderStatus, RequestLine};

const BASE: &str = "/connect-api";
const TOKEN: &str = "/auth/realms/tru-staff/protocol/openid-connect/token";
const CLIENT_ID: &str = "desk-sandbox";
const SECRET: &str = "00000000-fake-4f3a-9fba-SECRET0000001";
const ACCESS: &str = "eyJhbGciOiJSUzI1NiJ9.FAKE-PAYLOAD-1.FAKE-SIG";
const REFRESH: &str = "eyJhbGciOiJIUzI1NiJ9.FAKE-REFRESH-1.FAKE-SIG";
const PRODUCT: &str = "wp-_bXkuC26SFDSRMHyiAQK7LJ6MtiWyr3zLfwB7FM=";
const TOP_UP_PRODUCT: &str = "kn8etk9XBX0gG7pFP5KErXvWVNN4jOERTMVMNEkX-Ak=";
const ORDER_ID: &str = "6d41c4ff-1877-4d13-82b0-7dad02c4b02a";
const ICCID: &str = "8944470000005678901";
const MATCHING_ID: &str = "6C-DA326D-K86D";
const CODE: &str = "LPA:1$rsp.truphone.com$6C-DA326D-K86D";
const EID: &str = "89049032005008882600012345678905";
const SUB_ID: &str = "Q-hzHc6EErZPQcgw2L02_nDdruGtr6lDrM-jmja_xuE=";

fn eur() -> Currency {
    Currency::parse("EUR").unwrap()
}

fn settings() -> HttpSettings {
    HttpSettings {
        timeout: Duration::from_millis(1500),
        connect_timeout: Duration::from_secs(1),
        rate_limit: None,
        max_retries: 2,
        default_retry_after: Duration::from_millis(10),
        max_retry_wait: Duration::from_secs(5),
        retry_server_errors: false,
        // Left out on purpose: the adapter sets it itself (§1 "we require").
        correlation_header: None,
    }
}

fn config(server: &TestServer) -> TruphoneConfig {
    let mut config = TruphoneConfig::with_base_url(
        server.url.clone(),
        CLIENT_ID.into(),
        SecretString::from(SECRET),
    );
    config.http = settings();
    config.sale_country = Some(Country::parse("ES").unwrap());
    config
}

fn adapter(server: &TestServer) -> Truphone {
    Truphone::new(config(server)).unwrap()
}

fn ana() -> Customer {
    Customer {
        name: "Ana García".into(),
        email: Some("ana@example.com".into()),
        phone: None,
        device_model: Some("iPhone 15".into()),
        eid: None,
    }
}

fn request() -> OrderRequest {
    OrderRequest {
        client_reference: "desk-42".into(),
        lines: vec![RequestLine {
            offering_code: PRODUCT.into(),
            quantity: 1,
        }],
        quoted_total: Money::from_minor(1950, eur()),
        customer: Some(ana()),
        payment_reference: Some("term-7Q2K-0042".into()),
        sale_country: None,
        draft: None,
        push_to_iphone: None,
    }
}

fn esim() -> EsimHandle {
    EsimHandle::iccid(Iccid::parse(ICCID).unwrap())
}

fn top_up() -> TopUpRequest {
    TopUpRequest {
        client_reference: "desk-43".into(),
        esim: esim(),
        offering_code: TOP_UP_PRODUCT.into(),
        quoted_total: Money::from_minor(900, eur()),
        payment_reference: None,
        draft: None,
        sale_country: None,
    }
}

// ---------------------------------------------------------------------------------------------
// A Truphone that answers as the reference's examples do.

fn token_reply(access: &str, expires_in: u64, refresh: Option<(&str, u64)>) -> String {
    let refresh = refresh.map_or(String::new(), |(r, e)| {
        format!(r#", "refresh_token": "{r}", "refresh_expires_in": {e}"#)
    });
    format!(
        r#"{{"access_token": "{access}", "expires_in": {expires_in}, "token_type": "Bearer",
        "not-before-policy": 0, "scope": "profile email"{refresh}}}"#
    )
}

fn product(id: &str, price: &str, footprint: &str, sim_type: &str) -> String {
    format!(
        r#"{{"id": "{id}", "name": "Europe 5GB 30 days", "sim_type": {sim_type}, "duration": 30,
        "duration_unit": "DAYS", "data": 5120, "data_unit": "MB", "price": {price},
        "price_currency": "EUR", "footprint_code": "{footprint}",
        "_metadata": {{"links": {{"_self": "https://sandbox.local/connect-api/v2/products/{id}"}}}}}}"#
    )
}

fn products_page(items: &[String], page: u32, page_count: u32) -> String {
    format!(
        r#"{{"data": [{}], "_metadata": {{"links": {{"_self": "https://sandbox.local/connect-api/v2/products?page={page}&page_size=50"}},
        "page": {page}, "page_size": 50, "page_count": {page_count}}}}}"#,
        items.join(",")
    )
}

/// The create reply (§5.2): links under `_links`.
fn created(status: &str) -> String {
    format!(
        r#"{{"id": "{ORDER_ID}", "status": "{status}", "created_date": "2025-06-02T09:14:00Z",
        "_metadata": {{"_links": {{"_self": "{{BASE_URL}}/v2/orders/{ORDER_ID}"}}}}}}"#
    )
}

/// The order read (§6), completed as in seed 004.
fn completed(links: &str, output: &str) -> String {
    format!(
        r#"{{"id": "{ORDER_ID}", "status": "COMPLETED", "created_date": "2025-06-02T09:14:00Z",
        "output": {{{output}}}, "_metadata": {{"links": {{{links}}}}}}}"#
    )
}

const OUTPUT: &str = r#""matching_id": "6C-DA326D-K86D", "iccid": "8944470000005678901",
    "subscription_id": "Q-hzHc6EErZPQcgw2L02_nDdruGtr6lDrM-jmja_xuE=""#;
const LINKS: &str = r#""_lpa": "1$rsp.truphone.com$6C-DA326D-K86D",
    "_sim": "{BASE_URL}/v2/sims/8944470000005678901",
    "_qrcode": "https://services.truphone.com/connect/qrcode/v1/esim/LPA:1$rsp.truphone.com$6C-DA326D-K86D",
    "_smdp": "rsp.truphone.com",
    "_subscription": "{BASE_URL}/v2/subscriptions/Q-hzHc6EErZPQcgw2L02_nDdruGtr6lDrM-jmja_xuE=",
    "_self": "{BASE_URL}/v2/orders/6d41c4ff-1877-4d13-82b0-7dad02c4b02a""#;

fn sim(status: &str) -> String {
    format!(
        r#"{{"iccid": "{ICCID}", "status": "{status}", "matching_id": "{MATCHING_ID}",
        "last_modified": "2025-06-02T09:14:05Z", "sim_type": "ESIM",
        "_metadata": {{"links": {{"_lpa": "{CODE}",
          "_self": "https://sandbox.local/connect-api/v2/sims/{ICCID}"}}}}}}"#
    )
}

fn subscription(id: &str, product: &str, created: &str, status: &str, balances: &str) -> String {
    format!(
        r#"{{"id": "{id}", "name": "Europe 5GB 30 days", "sim_id": "{ICCID}", "product_id": "{product}",
        "created_date": "{created}", "activation_date": "2025-06-03T07:40:12Z",
        "expiry_date": "2025-07-03T07:40:12Z", "status": "{status}", {balances},
        "balance_units": "Bytes", "_metadata": {{"links": {{"_self": "x"}}}}}}"#
    )
}

const BALANCES: &str =
    r#""initial_balance": 5368709120, "current_balance": 4026531840, "spend_balance": 1342177280"#;

fn list(items: &[String]) -> String {
    format!(
        r#"{{"data": [{}], "_metadata": {{"page": 1, "page_size": 50, "page_count": 1,
        "links": {{"_self": "x"}}}}}}"#,
        items.join(",")
    )
}

fn error(kind: &str, message: &str) -> String {
    format!(r#"{{"type": "{kind}", "messages": ["{message}"]}}"#)
}

/// The path under the API base, e.g. `/v2/orders`.
fn route(r: &Recorded) -> &str {
    r.path.strip_prefix(BASE).unwrap_or(&r.path)
}

fn is_token(r: &Recorded) -> bool {
    r.path == TOKEN
}

fn form(r: &Recorded) -> HashMap<String, String> {
    url::form_urlencoded::parse(&r.body).into_owned().collect()
}

/// Every documented call answered as in the reference's examples.
fn happy(r: &Recorded) -> Respond {
    if is_token(r) {
        return Respond::json(200, &token_reply(ACCESS, 300, Some((REFRESH, 1800))));
    }
    match (r.method.as_str(), route(r)) {
        ("GET", "/v2/products") => Respond::json(
            200,
            &products_page(&[product(PRODUCT, "19.5", "EUROPE", r#"["ESIM"]"#)], 1, 1),
        ),
        ("GET", p) if p.starts_with("/v2/products/") => Respond::json(
            200,
            &product(
                p.trim_start_matches("/v2/products/"),
                "19.5",
                "EUROPE",
                r#"["ESIM", "PSIM"]"#,
            ),
        ),
        ("POST", "/v2/orders") => Respond::json(201, &created("ACCEPTED")),
        ("GET", p) if p.starts_with("/v2/orders/") => Respond::json(200, &completed(LINKS, OUTPUT)),
        ("GET", p) if p.starts_with("/v2/sims/") => Respond::json(200, &sim("Installed")),
        ("GET", "/v2/subscriptions") => Respond::json(
            200,
            &list(&[subscription(
                SUB_ID,
                PRODUCT,
                "2025-06-02T09:14:03Z",
                "ACTIVE",
                BALANCES,
            )]),
        ),
        _ => Respond::json(404, &error("NOT_FOUND", "no route")),
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

/// Token requests, in order.
fn tokens(server: &TestServer) -> Vec<Recorded> {
    server.requests().into_iter().filter(is_token).collect()
}

/// API requests (not the token endpoint), in order.
fn api(server: &TestServer) -> Vec<Recorded> {
    server
        .requests()
        .into_iter()
        .filter(|r| !is_token(r))
        .collect()
}

fn posts(server: &TestServer) -> Vec<Recorded> {
    server.calls("POST", "/v2/orders")
}

/// A token endpoint issuing `eyJ-ACCESS-<n>` (n = 1, 2, ...) for `expires_in` seconds, with a
/// refresh token `eyJ-REFRESH-<n>` when `refresh` is set.
fn issuer(
    expires_in: u64,
    refresh: Option<u64>,
) -> impl Fn(&Recorded) -> Option<Respond> + Send + Sync + 'static {
    let n = Arc::new(AtomicUsize::new(0));
    move |r: &Recorded| {
        is_token(r).then(|| {
            let i = n.fetch_add(1, Ordering::SeqCst) + 1;
            let refresh_token = format!("eyJ-REFRESH-{i}");
            Respond::json(
                200,
                &token_reply(
                    &format!("eyJ-ACCESS-{i}"),
                    expires_in,
                    refresh.map(|e| (refresh_token.as_str(), e)),
                ),
            )
        })
    }
}

fn bearer(r: &Recorded) -> Option<&str> {
    r.header("authorization")?.strip_prefix("Bearer ")
}

// ---------------------------------------------------------------------------------------------
// Configuration

#[test]
fn the_token_url_replaces_the_last_segment_of_the_api_base() {
    let live = TruphoneConfig::new(CLIENT_ID.into(), SecretString::from(SECRET)).unwrap();
    assert_eq!(live.base_url.as_str(), DEFAULT_BASE_URL);
    assert_eq!(
        live.token_url.as_str(),
        "https://services.truphone.com/auth/realms/tru-staff/protocol/openid-connect/token"
    );
    for (base, token) in [
        (
            "http://127.0.0.1:8080/truphone/connect-api",
            "http://127.0.0.1:8080/truphone/auth/realms/tru-staff/protocol/openid-connect/token",
        ),
        (
            "http://127.0.0.1:8080/truphone/connect-api/",
            "http://127.0.0.1:8080/truphone/auth/realms/tru-staff/protocol/openid-connect/token",
        ),
        (
            "http://localhost:9/",
            "http://localhost:9/auth/realms/tru-staff/protocol/openid-connect/token",
        ),
    ] {
        let c = TruphoneConfig::with_base_url(
            Url::parse(base).unwrap(),
            CLIENT_ID.into(),
            SecretString::from(SECRET),
        );
        assert_eq!(c.token_url.as_str(), token, "{base}");
    }
    // The desk's own limit, one request a second; the correlation header is set.
    let limit = live.http.rate_limit.unwrap();
    assert_eq!(
        (limit.requests.get(), limit.per),
        (60, Duration::from_secs(60))
    );
    assert!(live.http.correlation_header.is_some());
    assert_eq!(live.sale_country, None);
}

#[test]
fn capabilities_are_registered_and_truthful() {
    assert_eq!(
        crate::capabilities::of(ProviderKind::Truphone),
        Some(CAPABILITIES)
    );
    let c = CAPABILITIES;
    assert!(c.async_provisioning && c.requires_customer && c.usage && c.top_up);
    assert!(c.eid_push_install);
    assert!(!c.validate_order && !c.draft_orders && !c.idempotent_orders);
    assert!(!c.order_lookup_by_reference && !c.balance && !c.payment_reference);
    assert!(!c.cancel_order && !c.revoke_package && !c.cancel_esim);
}

#[test]
fn missing_or_unsafe_settings_are_refused() {
    let base = Url::parse("http://127.0.0.1:1/connect-api").unwrap();
    let c = TruphoneConfig::with_base_url(base.clone(), " ".into(), SecretString::from(SECRET));
    assert_eq!(Truphone::new(c).unwrap_err().code(), "configuration");
    let c = TruphoneConfig::with_base_url(base, CLIENT_ID.into(), SecretString::from(""));
    assert_eq!(Truphone::new(c).unwrap_err().code(), "configuration");
    let c = TruphoneConfig::with_base_url(
        Url::parse("http://services.truphone.com/connect-api").unwrap(),
        CLIENT_ID.into(),
        SecretString::from(SECRET),
    );
    assert_eq!(Truphone::new(c).unwrap_err().code(), "configuration");
}

// ---------------------------------------------------------------------------------------------
// Authentication (§2)

#[tokio::test]
async fn the_token_is_asked_for_with_client_credentials_in_a_form_and_kept() {
    let server = happy_server().await;
    let truphone = adapter(&server);
    truphone.check_credentials().await.unwrap();
    truphone.offering(PRODUCT).await.unwrap();
    let asked = tokens(&server);
    assert_eq!(asked.len(), 1, "one token for both calls");
    let t = &asked[0];
    assert_eq!(t.method, "POST");
    assert_eq!(
        t.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let f = form(t);
    assert_eq!(f["grant_type"], "client_credentials");
    assert_eq!(f["client_id"], CLIENT_ID);
    assert_eq!(f["client_secret"], SECRET);
    assert_eq!(t.header("authorization"), None);
    for r in api(&server) {
        assert_eq!(bearer(&r), Some(ACCESS));
        assert_eq!(r.header("accept"), Some("application/json"));
        assert_eq!(r.header("cache-control"), Some("no-cache"));
        let id = r.header("x-correlation-id").unwrap();
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
    }
    let ids: Vec<String> = api(&server)
        .iter()
        .map(|r| r.header("x-correlation-id").unwrap().to_owned())
        .collect();
    assert_ne!(ids[0], ids[1], "one id per logical call");
    // The credentials check is one product.
    let probe = &api(&server)[0];
    assert_eq!(probe.path, "/connect-api/v2/products");
    assert_eq!(probe.query_value("page_size"), Some("1"));
}

#[tokio::test]
async fn a_token_close_to_expiry_is_refreshed_with_the_refresh_token() {
    // 30 s left is inside the margin: the next call renews it.
    let server = server_with(issuer(30, Some(1800))).await;
    let truphone = adapter(&server);
    truphone.check_credentials().await.unwrap();
    truphone.check_credentials().await.unwrap();
    let asked = tokens(&server);
    assert_eq!(asked.len(), 2);
    assert_eq!(form(&asked[0])["grant_type"], "client_credentials");
    let refresh = form(&asked[1]);
    assert_eq!(refresh["grant_type"], "refresh_token");
    assert_eq!(refresh["refresh_token"], "eyJ-REFRESH-1");
    assert_eq!(refresh["client_id"], CLIENT_ID);
    assert_eq!(refresh["client_secret"], SECRET);
    let used: Vec<String> = api(&server)
        .iter()
        .map(|r| bearer(r).unwrap().to_owned())
        .collect();
    assert_eq!(used, ["eyJ-ACCESS-1", "eyJ-ACCESS-2"]);
}

#[tokio::test]
async fn without_a_usable_refresh_token_client_credentials_again() {
    // No refresh token at all.
    let server = server_with(issuer(10, None)).await;
    let truphone = adapter(&server);
    truphone.check_credentials().await.unwrap();
    truphone.check_credentials().await.unwrap();
    let grants: Vec<String> = tokens(&server)
        .iter()
        .map(|t| form(t)["grant_type"].clone())
        .collect();
    assert_eq!(grants, ["client_credentials", "client_credentials"]);
    // A refresh token that expires inside the margin too.
    let server = server_with(issuer(10, Some(20))).await;
    let truphone = adapter(&server);
    truphone.check_credentials().await.unwrap();
    truphone.check_credentials().await.unwrap();
    let grants: Vec<String> = tokens(&server)
        .iter()
        .map(|t| form(t)["grant_type"].clone())
        .collect();
    assert_eq!(grants, ["client_credentials", "client_credentials"]);
}

#[tokio::test]
async fn a_refused_refresh_falls_back_to_client_credentials() {
    let issue = issuer(10, Some(1800));
    let server = server_with(move |r| {
        if is_token(r) && form(r).get("grant_type").map(String::as_str) == Some("refresh_token") {
            return Some(Respond::json(
                400,
                r#"{"error": "invalid_grant", "error_description": "Token is not active"}"#,
            ));
        }
        issue(r)
    })
    .await;
    let truphone = adapter(&server);
    truphone.check_credentials().await.unwrap();
    truphone.check_credentials().await.unwrap();
    let grants: Vec<String> = tokens(&server)
        .iter()
        .map(|t| form(t)["grant_type"].clone())
        .collect();
    assert_eq!(
        grants,
        ["client_credentials", "refresh_token", "client_credentials"]
    );
    assert_eq!(bearer(&api(&server)[1]), Some("eyJ-ACCESS-2"));
}

#[tokio::test]
async fn bad_credentials_are_the_credentials_error_in_plain_words() {
    let server = server_with(|r| {
        is_token(r).then(|| {
            Respond::json(
                401,
                &format!(
                    r#"{{"error": "unauthorized_client", "error_description": "Invalid client or Invalid client credentials ({SECRET})"}}"#
                ),
            )
        })
    })
    .await;
    let truphone = adapter(&server);
    let err = truphone
        .catalogue_page(&CatalogueQuery::all(), None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "unauthorised");
    let text = format!("{err} {err:?}");
    assert!(
        text.contains("Truphone refused the client id and secret"),
        "{text}"
    );
    assert!(
        text.contains("Invalid client or Invalid client credentials"),
        "{text}"
    );
    assert!(!text.contains(SECRET), "{text}");
    assert!(api(&server).is_empty(), "no API call without a token");
    // A purchase refused at the token endpoint sent nothing: an ordinary refusal.
    let err = truphone.place_order(&request()).await.unwrap_err();
    assert_eq!(err.code(), "unauthorised");
    assert!(posts(&server).is_empty());
}

#[tokio::test]
async fn token_endpoint_failures_are_typed() {
    for (status, code) in [
        (503, "unavailable"),
        (429, "rate_limited"),
        (404, "configuration"),
    ] {
        let server = server_with(move |r| is_token(r).then(|| Respond::json(status, ""))).await;
        let err = adapter(&server).check_credentials().await.unwrap_err();
        assert_eq!(err.code(), code, "{status}");
    }
    // A reply that is not a token is described, never quoted.
    for body in [
        r#"{"token_type": "Bearer", "expires_in": 300}"#.to_owned(),
        format!(r#"{{"access_token": "{ACCESS}", "token_type": "MAC"}}"#),
        format!(r#"{{"access_token": "{ACCESS}", "expires_in": "soon"}}"#),
        format!("not json {ACCESS}"),
    ] {
        let server = server_with(move |r| is_token(r).then(|| Respond::json(200, &body))).await;
        let err = adapter(&server).check_credentials().await.unwrap_err();
        assert_eq!(err.code(), "malformed_reply");
        assert!(!format!("{err} {err:?}").contains(ACCESS), "{err}");
    }
}

#[tokio::test]
async fn calls_arriving_together_share_one_new_token() {
    let server = server_with(|r| {
        is_token(r).then(|| {
            Respond::After(
                Duration::from_millis(100),
                Box::new(Respond::json(200, &token_reply(ACCESS, 300, None))),
            )
        })
    })
    .await;
    let truphone = Arc::new(adapter(&server));
    let (a, b) = tokio::join!(truphone.check_credentials(), truphone.check_credentials());
    a.unwrap();
    b.unwrap();
    assert_eq!(tokens(&server).len(), 1);
    assert_eq!(api(&server).len(), 2);
}

/// The API refuses `eyJ-ACCESS-1` (and any token listed in `refused`) with `401`.
fn refusing(
    refused: &'static [&'static str],
) -> impl Fn(&Recorded) -> Option<Respond> + Send + Sync + 'static {
    let issue = issuer(300, Some(1800));
    move |r: &Recorded| {
        if is_token(r) {
            return issue(r);
        }
        bearer(r)
            .is_some_and(|t| refused.contains(&t))
            .then(|| Respond::json(401, &error("UNAUTHORISED", "token not valid")))
    }
}

#[tokio::test]
async fn a_401_fetches_a_new_token_once_and_sends_the_same_read_again() {
    let server = server_with(refusing(&["eyJ-ACCESS-1"])).await;
    let truphone = adapter(&server);
    let placed = truphone.order_status(ORDER_ID).await.unwrap();
    assert_eq!(placed.status, OrderStatus::Completed);
    let reads = api(&server);
    assert_eq!(reads.len(), 2);
    assert_eq!(bearer(&reads[0]), Some("eyJ-ACCESS-1"));
    assert_eq!(bearer(&reads[1]), Some("eyJ-ACCESS-2"));
    assert_eq!(
        reads[0].header("x-correlation-id"),
        reads[1].header("x-correlation-id")
    );
    // The new token comes from client credentials, not the refused session's refresh token.
    let grants: Vec<String> = tokens(&server)
        .iter()
        .map(|t| form(t)["grant_type"].clone())
        .collect();
    assert_eq!(grants, ["client_credentials", "client_credentials"]);
    // And it is kept.
    truphone.order_status(ORDER_ID).await.unwrap();
    assert_eq!(tokens(&server).len(), 2);
}

#[tokio::test]
async fn a_second_401_is_the_credentials_error() {
    let server = server_with(refusing(&["eyJ-ACCESS-1", "eyJ-ACCESS-2", "eyJ-ACCESS-3"])).await;
    let truphone = adapter(&server);
    let err = truphone.order_status(ORDER_ID).await.unwrap_err();
    assert_eq!(
        err,
        ProviderError::Unauthorised {
            message: Some("token not valid".into())
        }
    );
    assert_eq!(api(&server).len(), 2, "never a third try");
    assert_eq!(tokens(&server).len(), 2);
}

#[tokio::test]
async fn a_purchase_refused_with_401_is_sent_once_more_with_the_same_correlation_id() {
    let server = server_with(refusing(&["eyJ-ACCESS-1"])).await;
    let truphone = adapter(&server);
    let placed = truphone.place_order(&request()).await.unwrap();
    assert_eq!(placed.status, OrderStatus::Provisioning);
    let sent = posts(&server);
    assert_eq!(sent.len(), 2, "first 401, then 201, and never more");
    assert_eq!(sent[0].header("x-correlation-id"), Some("desk-42"));
    assert_eq!(sent[1].header("x-correlation-id"), Some("desk-42"));
    assert_eq!(sent[0].body, sent[1].body);
    assert_eq!(bearer(&sent[1]), Some("eyJ-ACCESS-2"));

    let server = server_with(refusing(&["eyJ-ACCESS-1", "eyJ-ACCESS-2"])).await;
    let truphone = adapter(&server);
    let err = truphone.place_order(&request()).await.unwrap_err();
    assert_eq!(err.code(), "unauthorised");
    assert_eq!(posts(&server).len(), 2);
}

#[tokio::test]
async fn the_token_is_never_in_an_error_or_debug_output() {
    // An API that echoes the token (without "Bearer ") and the secret in its errors.
    let server = server_with(|r| {
        if is_token(r) {
            return None;
        }
        let token = bearer(r).unwrap_or("").to_owned();
        Some(Respond::json(
            400,
            &error(
                "INVALID_REQUEST_PARAMS",
                &format!("bad token {token} for {SECRET}"),
            ),
        ))
    })
    .await;
    let truphone = adapter(&server);
    let errors = [
        truphone.order_status(ORDER_ID).await.unwrap_err(),
        truphone.place_order(&request()).await.unwrap_err(),
        truphone.usage(&esim()).await.unwrap_err(),
    ];
    for err in &errors {
        let text = format!("{err} {err:?}");
        assert!(!text.contains(ACCESS), "{text}");
        assert!(!text.contains(SECRET), "{text}");
        assert!(text.contains("[REDACTED]"), "{text}");
    }
    let debug = format!("{truphone:?} {:?}", config(&server));
    assert!(!debug.contains(ACCESS), "{debug}");
    assert!(!debug.contains(REFRESH), "{debug}");
    assert!(!debug.contains(SECRET), "{debug}");
    assert!(debug.contains(CLIENT_ID), "{debug}");
}

// ---------------------------------------------------------------------------------------------
// Catalogue (§4)

#[tokio::test]
async fn the_catalogue_pages_and_keeps_only_sellable_esim_products() {
    let server = server_with(|r| {
        (route(r) == "/v2/products").then(|| match r.query_value("page") {
            Some("1") => Respond::json(
                200,
                &products_page(
                    &[
                        product("eu-5", "19.5", "EUROPE", r#"["ESIM"]"#),
                        // A physical SIM only: not an offering, not a problem.
                        product("psim", "9", "EUROPE", r#"["PSIM"]"#),
                        // A zone the desk does not know: skipped with the reason.
                        product("mars", "9", "MARS", r#"["ESIM"]"#),
                        r#"{"name": "no id"}"#.to_owned(),
                    ],
                    1,
                    2,
                ),
            ),
            _ => Respond::json(
                200,
                &products_page(
                    &[product("us-1", "137.39", "USA", r#"["ESIM", "PSIM"]"#)],
                    2,
                    2,
                ),
            ),
        })
    })
    .await;
    let truphone = adapter(&server);
    let pages = std::sync::Mutex::new(Vec::new());
    let catalogue = truphone
        .catalogue(&CatalogueQuery::all(), &|p| pages.lock().unwrap().push(p))
        .await
        .unwrap();
    assert_eq!(catalogue.pages, 2);
    let codes: Vec<&str> = catalogue
        .offerings
        .iter()
        .map(|o| o.code.as_str())
        .collect();
    assert_eq!(codes, ["eu-5", "us-1"]);
    assert_eq!(catalogue.offerings[0].cost, Money::from_minor(1950, eur()));
    assert_eq!(catalogue.offerings[1].cost, Money::from_minor(13739, eur()));
    assert_eq!(
        catalogue.offerings[0].data.limited_bytes(),
        Some(5 * 1024 * 1024 * 1024)
    );
    assert_eq!(catalogue.offerings[0].validity_days, 30);
    assert_eq!(
        catalogue.offerings[1].countries,
        [Country::parse("US").unwrap()]
    );
    assert_eq!(catalogue.skipped.len(), 2, "{:?}", catalogue.skipped);
    let mars = catalogue
        .skipped
        .iter()
        .find(|s| s.code.as_deref() == Some("mars"))
        .unwrap();
    assert!(mars.reason.contains("MARS"), "{}", mars.reason);
    assert_eq!(pages.lock().unwrap()[0].page_count, Some(2));
    let reads = api(&server);
    assert_eq!(reads.len(), 2);
    assert_eq!(reads[0].query_value("page"), Some("1"));
    assert_eq!(reads[1].query_value("page"), Some("2"));
    assert_eq!(reads[0].query_value("page_size"), Some("50"));
}

#[tokio::test]
async fn countries_and_regions_are_filtered_locally() {
    let server = server_with(|r| {
        (route(r) == "/v2/products").then(|| {
            Respond::json(
                200,
                &products_page(
                    &[
                        product("eu-5", "19.5", "EUROPE", r#"["ESIM"]"#),
                        product("us-1", "9", "USA", r#"["ESIM"]"#),
                        product("world", "49", "GLOBAL", r#"["ESIM"]"#),
                    ],
                    1,
                    1,
                ),
            )
        })
    })
    .await;
    let truphone = adapter(&server);
    let page = truphone
        .catalogue_page(
            &CatalogueQuery::country(Country::parse("FR").unwrap()),
            None,
        )
        .await
        .unwrap();
    let codes: Vec<&str> = page.offerings.iter().map(|o| o.code.as_str()).collect();
    assert_eq!(codes, ["eu-5", "world"]);
    assert_eq!(page.next, None);
    let page = truphone
        .catalogue_page(
            &CatalogueQuery {
                region: Some(Region::Europe),
                ..CatalogueQuery::default()
            },
            None,
        )
        .await
        .unwrap();
    let codes: Vec<&str> = page.offerings.iter().map(|o| o.code.as_str()).collect();
    assert_eq!(codes, ["eu-5"]);
    assert_eq!(api(&server)[0].query_value("country"), None);
}

#[tokio::test]
async fn without_a_page_count_the_next_link_decides() {
    let server = server_with(|r| {
        (route(r) == "/v2/products").then(|| {
            let next = if r.query_value("page") == Some("1") {
                r#", "_next": "https://sandbox.local/connect-api/v2/products?page=2&page_size=50""#
            } else {
                ""
            };
            Respond::json(
                200,
                &format!(
                    r#"{{"data": [{}], "_metadata": {{"links": {{"_self": "x"{next}}}}}}}"#,
                    product("eu-5", "19.5", "EUROPE", r#"["ESIM"]"#)
                ),
            )
        })
    })
    .await;
    let catalogue = adapter(&server)
        .catalogue(&CatalogueQuery::all(), &|_| {})
        .await
        .unwrap();
    assert_eq!(catalogue.pages, 2);
}

#[tokio::test]
async fn one_product_by_id() {
    let server = server_with(|r| {
        (route(r) == "/v2/products/psim-only=")
            .then(|| Respond::json(200, &product("psim-only=", "9", "EUROPE", r#"["PSIM"]"#)))
            .or_else(|| {
                (route(r) == "/v2/products/gone=")
                    .then(|| Respond::json(404, &error("NOT_FOUND", "no such product")))
            })
    })
    .await;
    let truphone = adapter(&server);
    let o = truphone.offering(PRODUCT).await.unwrap();
    assert_eq!(o.code, PRODUCT);
    assert_eq!(o.cost, Money::from_minor(1950, eur()));
    assert_eq!(
        api(&server)[0].path,
        format!("/connect-api/v2/products/{PRODUCT}")
    );
    assert_eq!(
        truphone.offering("psim-only=").await.unwrap_err().code(),
        "invalid_request"
    );
    assert_eq!(
        truphone.offering("gone=").await.unwrap_err(),
        ProviderError::NotFound {
            message: Some("no such product".into())
        }
    );
}

// ---------------------------------------------------------------------------------------------
// Orders (§5, §6)

#[tokio::test]
async fn place_order_is_one_activation_post_with_the_sale_reference() {
    let server = happy_server().await;
    let truphone = adapter(&server);
    let placed = truphone.place_order(&request()).await.unwrap();
    assert_eq!(placed.provider_reference, ORDER_ID);
    assert_eq!(placed.status, OrderStatus::Provisioning);
    assert_eq!(placed.kind, OrderKind::NewEsim);
    assert_eq!(placed.created_at, Some(datetime!(2025-06-02 09:14 UTC)));
    assert_eq!(placed.client_reference, None);
    assert!(placed.has_lines(&request().lines));
    assert!(placed.esims.is_empty());
    let sent = posts(&server);
    assert_eq!(sent.len(), 1);
    let post = &sent[0];
    assert_eq!(post.path, "/connect-api/v2/orders");
    assert_eq!(post.header("x-correlation-id"), Some("desk-42"));
    assert_eq!(post.header("content-type"), Some("application/json"));
    assert_eq!(bearer(post), Some(ACCESS));
    assert_eq!(
        post.json(),
        serde_json::json!({
            "operation_type": "ACTIVATION", "sim_type": "ESIM", "country": "ES",
            "product": {"id": PRODUCT},
            "subscriber": {"email": "ana@example.com", "first_name": "Ana", "last_name": "García",
                           "country_of_residence": "ES", "device": {"model": "iPhone 15"}}
        })
    );
    // The request's own country wins over the account's; no device without a model.
    let mut r = request();
    r.sale_country = Some(Country::parse("PT").unwrap());
    r.customer.as_mut().unwrap().device_model = None;
    truphone.place_order(&r).await.unwrap();
    let body = posts(&server)[1].json();
    assert_eq!(body["country"], "PT");
    assert_eq!(body["subscriber"]["country_of_residence"], "PT");
    assert!(body["subscriber"].get("device").is_none());
    // Nothing but the one POST per sale: no dry run, no read before it.
    assert_eq!(api(&server).len(), 2);
}

#[tokio::test]
async fn push_install_names_the_iphone_and_its_eid() {
    let server = happy_server().await;
    let truphone = adapter(&server);
    let eid = Eid::parse(EID).unwrap();
    let placed = truphone
        .place_order_with_push_install(&request(), &eid)
        .await
        .unwrap();
    assert_eq!(placed.status, OrderStatus::Provisioning);
    let sent = posts(&server);
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].json()["subscriber"]["device"],
        serde_json::json!({"operating_system": "ios", "model": "iPhone 15", "eid": EID})
    );
    // An ordinary sale never pushes, even with the EID on file.
    let mut r = request();
    r.customer.as_mut().unwrap().eid = Some(eid);
    truphone.place_order(&r).await.unwrap();
    assert!(
        posts(&server)[1].json()["subscriber"]["device"]
            .get("eid")
            .is_none()
    );
}

#[tokio::test]
async fn what_truphone_cannot_take_is_refused_before_anything_is_sent() {
    let server = happy_server().await;
    let mut config = config(&server);
    config.sale_country = None;
    let no_country = Truphone::new(config).unwrap();
    let truphone = adapter(&server);
    let two = {
        let mut r = request();
        r.lines[0].quantity = 2;
        r
    };
    let two_lines = {
        let mut r = request();
        r.lines.push(r.lines[0].clone());
        r
    };
    let no_email = {
        let mut r = request();
        r.customer.as_mut().unwrap().email = None;
        r
    };
    let one_name = {
        let mut r = request();
        r.customer.as_mut().unwrap().name = "Ana".into();
        r
    };
    let no_customer = OrderRequest {
        customer: None,
        ..request()
    };
    let bad_reference = OrderRequest {
        client_reference: "desk 42".into(),
        ..request()
    };
    for (r, words) in [
        (&two, "one eSIM"),
        (&two_lines, "one eSIM"),
        (&no_email, "first and last name and email"),
        (&one_name, "first and last name and email"),
        (&no_customer, "first and last name and email"),
        (&bad_reference, "correlation id"),
    ] {
        let err = truphone.place_order(r).await.unwrap_err();
        assert_eq!(err.code(), "invalid_request");
        assert!(err.to_string().contains(words), "{err}");
    }
    let err = no_country.place_order(&request()).await.unwrap_err();
    assert!(err.to_string().contains("country of sale"), "{err}");
    assert!(server.requests().is_empty(), "not even a token");
}

#[tokio::test]
async fn a_lost_order_reply_is_outcome_unknown_after_exactly_one_post() {
    let cases: Vec<(Respond, &str)> = vec![
        (Respond::Drop, "connection dropped"),
        (
            Respond::After(
                Duration::from_secs(3),
                Box::new(Respond::json(201, &created("ACCEPTED"))),
            ),
            "no reply in time",
        ),
        (Respond::json(500, &error("INTERNAL_ERROR", "boom")), "500"),
        (
            Respond::json(503, "").with_header("Retry-After", "0"),
            "503",
        ),
        (
            Respond::json(201, "<html>accepted</html>"),
            "2xx unreadable",
        ),
        (
            Respond::json(201, r#"{"status": "ACCEPTED"}"#),
            "2xx without an id",
        ),
    ];
    for (answer, case) in cases {
        let server = server_with(move |r| {
            (r.method == "POST" && route(r) == "/v2/orders").then(|| answer.clone())
        })
        .await;
        let err = adapter(&server).place_order(&request()).await.unwrap_err();
        assert_eq!(err.code(), "outcome_unknown", "{case}: {err}");
        assert_eq!(posts(&server).len(), 1, "{case}");
    }
}

#[tokio::test]
async fn every_documented_error_on_a_purchase_is_typed_and_never_retried() {
    for (status, body, code) in [
        (
            400,
            error("INVALID_REQUEST_PARAMS", "subscriber.email is required"),
            "invalid_request",
        ),
        (
            400,
            error("INVALID_HTTP_MESSAGE", "bad JSON"),
            "invalid_request",
        ),
        (403, error("ACCESS_DENIED", "not yours"), "forbidden"),
        (404, error("NOT_FOUND", "no product"), "not_found"),
        (
            406,
            error("UNACCEPTABLE", "daily limit exceeded"),
            "forbidden",
        ),
        (429, error("TOO MANY REQUESTS", "slow down"), "rate_limited"),
    ] {
        let answer = Respond::json(status, &body);
        let server = server_with(move |r| {
            (r.method == "POST" && route(r) == "/v2/orders").then(|| answer.clone())
        })
        .await;
        let err = adapter(&server).place_order(&request()).await.unwrap_err();
        assert_eq!(err.code(), code, "{status}: {err}");
        assert_eq!(posts(&server).len(), 1, "{status}");
    }
}

#[tokio::test]
async fn reads_are_retried_with_the_same_correlation_id() {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    let server = server_with(move |r| {
        (route(r).starts_with("/v2/orders/") && counter.fetch_add(1, Ordering::SeqCst) == 0)
            .then(|| Respond::json(503, "").with_header("Retry-After", "0"))
    })
    .await;
    adapter(&server).order_status(ORDER_ID).await.unwrap();
    let reads = api(&server);
    assert_eq!(reads.len(), 2);
    assert_eq!(
        reads[0].header("x-correlation-id"),
        reads[1].header("x-correlation-id")
    );
}

#[tokio::test]
async fn order_status_reads_each_state() {
    let state = Arc::new(std::sync::Mutex::new(String::new()));
    let current = Arc::clone(&state);
    let server = server_with(move |r| {
        route(r).starts_with("/v2/orders/").then(|| {
            let s = current.lock().unwrap().clone();
            Respond::json(200, &s)
        })
    })
    .await;
    let truphone = adapter(&server);
    let set = |body: String| *state.lock().unwrap() = body;

    set(created("ACCEPTED").replace("_links", "links"));
    assert_eq!(
        truphone.order_status(ORDER_ID).await.unwrap().status,
        OrderStatus::Provisioning
    );
    set(created("FULFILLING"));
    assert_eq!(
        truphone.order_status(ORDER_ID).await.unwrap().status,
        OrderStatus::Provisioning
    );

    set(completed(
        LINKS,
        &format!(r#"{OUTPUT}, "data": {{"code": "A54G2W"}}"#),
    ));
    let done = truphone.order_status(ORDER_ID).await.unwrap();
    assert_eq!(done.status, OrderStatus::Completed);
    assert_eq!(done.kind, OrderKind::NewEsim);
    assert_eq!(done.esims.len(), 1);
    assert_eq!(done.esims[0].iccid.as_str(), ICCID);
    assert_eq!(
        done.esims[0].activation_code.as_ref().unwrap().to_string(),
        CODE
    );
    // The voucher is mentioned, never quoted.
    assert!(done.notes.iter().any(|n| n.contains("voucher")));
    assert!(!done.notes.iter().any(|n| n.contains("A54G2W")));

    set(format!(
        r#"{{"id": "{ORDER_ID}", "status": "FAILED", "created_date": "2025-06-02T09:14:00Z", "output": {{}},
        "error": {{"type": "INVALID_REQUEST_PARAMS", "messages": ["product not available in ES"]}},
        "_metadata": {{"links": {{}}}}}}"#
    ));
    assert_eq!(
        truphone.order_status(ORDER_ID).await.unwrap().status,
        OrderStatus::Failed {
            reason: Some("product not available in ES".into())
        }
    );
    set(r#"{"id": "x", "status": "FAILED", "error": {"type": "INTERNAL_ERROR"}}"#.into());
    assert_eq!(
        truphone.order_status("x").await.unwrap().status,
        OrderStatus::Failed {
            reason: Some("INTERNAL_ERROR".into())
        }
    );
    set(r#"{"id": "x", "status": "ON_HOLD"}"#.into());
    assert!(matches!(
        truphone.order_status("x").await.unwrap().status,
        OrderStatus::Unrecognised { .. }
    ));
    set("{".into());
    assert_eq!(
        truphone.order_status("x").await.unwrap_err().code(),
        "malformed_reply"
    );
    assert_eq!(
        api(&server)[0].path,
        format!("/connect-api/v2/orders/{ORDER_ID}")
    );
}

#[tokio::test]
async fn an_unknown_order_is_not_found() {
    let server = server_with(|r| {
        route(r)
            .starts_with("/v2/orders/")
            .then(|| Respond::json(404, &error("NOT_FOUND", "order not found")))
    })
    .await;
    let err = adapter(&server).order_status("nope").await.unwrap_err();
    assert_eq!(
        err,
        ProviderError::NotFound {
            message: Some("order not found".into())
        }
    );
}

// ---------------------------------------------------------------------------------------------
// Activation codes (§7)

#[tokio::test]
async fn activation_codes_from_matching_id_and_smdp() {
    let server = server_with(|r| {
        route(r)
            .starts_with("/v2/orders/")
            .then(|| Respond::json(200, &completed(r#""_smdp": "rsp.truphone.com""#, OUTPUT)))
    })
    .await;
    let delivery = adapter(&server).activation_codes(ORDER_ID).await.unwrap();
    assert_eq!(delivery.source, DeliverySource::Order);
    assert_eq!(delivery.esims.len(), 1);
    assert_eq!(
        delivery.esims[0]
            .activation_code
            .as_ref()
            .unwrap()
            .to_string(),
        CODE
    );
    assert!(
        server
            .calls("GET", "/v2/sims/8944470000005678901")
            .is_empty()
    );
}

#[tokio::test]
async fn activation_codes_from_the_lpa_link_without_its_prefix() {
    let server = server_with(|r| {
        route(r).starts_with("/v2/orders/").then(|| {
            Respond::json(
                200,
                &completed(
                    r#""_lpa": "1$rsp.truphone.com$6C-DA326D-K86D""#,
                    r#""iccid": "8944470000005678901""#,
                ),
            )
        })
    })
    .await;
    let delivery = adapter(&server).activation_codes(ORDER_ID).await.unwrap();
    assert_eq!(
        delivery.esims[0]
            .activation_code
            .as_ref()
            .unwrap()
            .to_string(),
        CODE
    );
}

#[tokio::test]
async fn a_top_up_order_has_no_matching_id_and_its_code_comes_from_the_sim() {
    let server = server_with(|r| {
        route(r).starts_with("/v2/orders/").then(|| {
            Respond::json(
                200,
                &completed(
                    "",
                    &format!(r#""iccid": "{ICCID}", "subscription_id": "new-sub=""#),
                ),
            )
        })
    })
    .await;
    let truphone = adapter(&server);
    let placed = truphone.order_status(ORDER_ID).await.unwrap();
    assert_eq!(placed.kind, OrderKind::TopUp);
    let delivery = truphone.activation_codes(ORDER_ID).await.unwrap();
    // The SIM's `_lpa` carries `LPA:` (§8.1).
    assert_eq!(
        delivery.esims[0]
            .activation_code
            .as_ref()
            .unwrap()
            .to_string(),
        CODE
    );
    assert_eq!(server.calls("GET", &format!("/v2/sims/{ICCID}")).len(), 1);
}

#[tokio::test]
async fn no_codes_before_completion() {
    let server = server_with(|r| {
        route(r)
            .starts_with("/v2/orders/")
            .then(|| Respond::json(200, &created("FULFILLING")))
    })
    .await;
    let delivery = adapter(&server).activation_codes(ORDER_ID).await.unwrap();
    assert!(delivery.esims.is_empty());
    assert!(
        delivery.notes[0].contains("not completed yet"),
        "{:?}",
        delivery.notes
    );
}

#[tokio::test]
async fn an_unusable_code_is_a_note_without_the_code() {
    let server = server_with(|r| {
        route(r).starts_with("/v2/orders/").then(|| {
            Respond::json(
                200,
                &completed(
                    r#""_smdp": "https://rsp.truphone.com/x""#,
                    r#""matching_id": "SECRET-MATCHING", "iccid": "8944470000005678901""#,
                ),
            )
        })
    })
    .await;
    let placed = adapter(&server).order_status(ORDER_ID).await.unwrap();
    assert_eq!(placed.esims[0].activation_code, None);
    let notes = placed.notes.join(" ");
    assert!(notes.contains("activation code refused"), "{notes}");
    assert!(!notes.contains("SECRET-MATCHING"), "{notes}");
}

// ---------------------------------------------------------------------------------------------
// Top-up (§5.4)

#[tokio::test]
async fn place_top_up_is_one_topup_post_on_the_esim() {
    let server = happy_server().await;
    let truphone = adapter(&server);
    let placed = truphone.place_top_up(&top_up()).await.unwrap();
    assert_eq!(placed.kind, OrderKind::TopUp);
    assert_eq!(placed.status, OrderStatus::Provisioning);
    assert_eq!(placed.lines[0].offering_code, TOP_UP_PRODUCT);
    assert_eq!(placed.lines[0].iccids, [Iccid::parse(ICCID).unwrap()]);
    let sent = posts(&server);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].header("x-correlation-id"), Some("desk-43"));
    assert_eq!(
        sent[0].json(),
        serde_json::json!({"operation_type": "TOPUP", "sim_type": "ESIM", "country": "ES",
            "product": {"id": TOP_UP_PRODUCT}, "subscriber": {"sim": {"iccid": ICCID}}})
    );
    // Without a country for the account, a top-up goes without one.
    let mut config = config(&server);
    config.sale_country = None;
    Truphone::new(config)
        .unwrap()
        .place_top_up(&top_up())
        .await
        .unwrap();
    assert!(posts(&server)[1].json().get("country").is_none());
    // A lost top-up reply: one POST, outcome unknown.
    let server =
        server_with(|r| (r.method == "POST" && route(r) == "/v2/orders").then_some(Respond::Drop))
            .await;
    let err = adapter(&server).place_top_up(&top_up()).await.unwrap_err();
    assert_eq!(err.code(), "outcome_unknown");
    assert_eq!(posts(&server).len(), 1);
}

#[tokio::test]
async fn top_up_offerings_unless_the_esim_is_unavailable() {
    let server = happy_server().await;
    let truphone = adapter(&server);
    let offered = truphone
        .top_up_offerings(&esim(), &CatalogueQuery::all())
        .await
        .unwrap();
    assert_eq!(offered.len(), 1);
    assert!(offered[0].top_up);
    assert_eq!(
        truphone.check_top_up(&esim(), PRODUCT).await.unwrap(),
        TopUpCheck::Unknown
    );
    let server = server_with(|r| {
        route(r)
            .starts_with("/v2/sims/")
            .then(|| Respond::json(200, &sim("Unavailable")))
    })
    .await;
    let truphone = adapter(&server);
    let err = truphone
        .top_up_offerings(&esim(), &CatalogueQuery::all())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_request");
    assert!(err.to_string().contains("sell a new eSIM"), "{err}");
    assert_eq!(
        truphone.check_top_up(&esim(), PRODUCT).await.unwrap(),
        TopUpCheck::Incompatible
    );
    assert!(server.calls("GET", "/v2/products").is_empty());
}

// ---------------------------------------------------------------------------------------------
// Usage (§8.2)

#[tokio::test]
async fn usage_lists_every_subscription_with_what_is_left() {
    let server = server_with(|r| {
        (route(r) == "/v2/subscriptions").then(|| {
            Respond::json(
                200,
                &list(&[
                    subscription(SUB_ID, PRODUCT, "2025-06-02T09:14:03Z", "ACTIVE", BALANCES),
                    subscription(
                        "topup-sub=",
                        TOP_UP_PRODUCT,
                        "2025-06-10T10:00:00Z",
                        "PENDING_USAGE",
                        r#""initial_balance": "1073741824", "current_balance": "1073741824""#,
                    ),
                    subscription("old=", PRODUCT, "2025-01-01T00:00:00Z", "EXPIRED", BALANCES),
                ]),
            )
        })
    })
    .await;
    let usage = adapter(&server).usage(&esim()).await.unwrap();
    assert_eq!(usage.iccid.as_str(), ICCID);
    assert_eq!(usage.profile_status, Some(ProfileStatus::Installed));
    assert_eq!(usage.packages.len(), 3);
    let first = &usage.packages[0];
    assert_eq!(first.package.offering_code, PRODUCT);
    assert_eq!(first.package.state, PackageState::Active);
    assert_eq!(first.package.allowance.limited_bytes(), Some(5368709120));
    assert_eq!(
        first.package.usage.unwrap().remaining.unwrap().bytes(),
        4026531840
    );
    assert_eq!(first.assignment_id.as_deref(), Some(SUB_ID));
    let second = &usage.packages[1];
    assert_eq!(second.package.state, PackageState::Queued);
    assert_eq!(
        second.package.usage.unwrap().remaining.unwrap().bytes(),
        1073741824
    );
    assert_eq!(usage.packages[2].package.state, PackageState::Expired);
    let read = &server.calls("GET", "/v2/subscriptions")[0];
    assert_eq!(read.query_value("iccid"), Some(ICCID));
}

#[tokio::test]
async fn usage_without_the_sim_status_is_still_usage() {
    let server = server_with(|r| {
        route(r)
            .starts_with("/v2/sims/")
            .then(|| Respond::json(403, &error("ACCESS_DENIED", "no")))
    })
    .await;
    let usage = adapter(&server).usage(&esim()).await.unwrap();
    assert_eq!(usage.profile_status, None);
    assert_eq!(usage.packages.len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Reconciliation (§3, open point 4)

fn lookup(kind: OrderKind) -> OrderLookup {
    OrderLookup {
        client_reference: "desk-42".into(),
        kind,
        lines: vec![RequestLine {
            offering_code: PRODUCT.into(),
            quantity: 1,
        }],
        esim: (kind == OrderKind::TopUp).then(esim),
        sent_at: datetime!(2025-06-02 09:14:00 UTC),
        customer_email: None,
    }
}

#[tokio::test]
async fn a_lost_sale_is_looked_for_among_new_subscriptions_of_the_product() {
    let other = "89444700000056789016";
    let server = server_with(move |r| {
        (route(r) == "/v2/subscriptions").then(|| {
            if r.query_value("product-id").is_some() {
                // This sale's eSIM, and a top-up of an older eSIM with the same product.
                let topped = subscription(
                    "topup=",
                    PRODUCT,
                    "2025-06-02T09:15:00Z",
                    "ACTIVE",
                    BALANCES,
                )
                .replace(ICCID, other);
                Respond::json(
                    200,
                    &list(&[
                        subscription(SUB_ID, PRODUCT, "2025-06-02T09:14:03Z", "ACTIVE", BALANCES),
                        topped,
                    ]),
                )
            } else if r.query_value("iccid") == Some(other) {
                let first = subscription(
                    "first=",
                    PRODUCT,
                    "2025-05-01T00:00:00Z",
                    "EXPIRED",
                    BALANCES,
                )
                .replace(ICCID, other);
                Respond::json(200, &list(&[first]))
            } else {
                Respond::json(
                    200,
                    &list(&[subscription(
                        SUB_ID,
                        PRODUCT,
                        "2025-06-02T09:14:03Z",
                        "ACTIVE",
                        BALANCES,
                    )]),
                )
            }
        })
    })
    .await;
    let truphone = adapter(&server);
    let found = truphone
        .find_order(&lookup(OrderKind::NewEsim))
        .await
        .unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    let m = &found[0];
    assert_eq!(m.basis, MatchBasis::ContentsAndTime);
    assert_eq!(m.foreign_reference, None);
    assert_eq!(
        m.order.provider_reference,
        format!("subscription:{ICCID}:{SUB_ID}")
    );
    assert_eq!(m.order.status, OrderStatus::Completed);
    assert_eq!(m.order.created_at, Some(datetime!(2025-06-02 09:14:03 UTC)));
    assert!(m.order.has_lines(&lookup(OrderKind::NewEsim).lines));
    let search = &server.calls("GET", "/v2/subscriptions")[0];
    assert_eq!(search.query_value("product-id"), Some(PRODUCT));
    assert_eq!(search.query_value("after"), Some("2025-06-02T09:13:00Z"));
    assert_eq!(search.query_value("email"), None);

    // The app then reads the found order and its code through the same reference.
    let placed = truphone
        .order_status(&m.order.provider_reference)
        .await
        .unwrap();
    assert_eq!(placed.status, OrderStatus::Completed);
    assert_eq!(placed.lines[0].offering_code, PRODUCT);
    let delivery = truphone
        .activation_codes(&m.order.provider_reference)
        .await
        .unwrap();
    assert_eq!(
        delivery.esims[0]
            .activation_code
            .as_ref()
            .unwrap()
            .to_string(),
        CODE
    );
    assert_eq!(
        truphone
            .order_status(&format!("subscription:{ICCID}:gone="))
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );
}

#[tokio::test]
async fn a_lost_top_up_is_looked_for_on_its_esim() {
    let server = happy_server().await;
    let found = adapter(&server)
        .find_order(&lookup(OrderKind::TopUp))
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].order.kind, OrderKind::TopUp);
    let search = &server.calls("GET", "/v2/subscriptions")[0];
    assert_eq!(search.query_value("iccid"), Some(ICCID));
    assert_eq!(search.query_value("product-id"), Some(PRODUCT));
    // A subscription from before the sale is not it.
    let server = server_with(|r| {
        (route(r) == "/v2/subscriptions").then(|| {
            Respond::json(
                200,
                &list(&[subscription(
                    SUB_ID,
                    PRODUCT,
                    "2025-06-02T08:00:00Z",
                    "ACTIVE",
                    BALANCES,
                )]),
            )
        })
    })
    .await;
    assert!(
        adapter(&server)
            .find_order(&lookup(OrderKind::TopUp))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn nothing_to_look_for_is_no_call() {
    let server = happy_server().await;
    let truphone = adapter(&server);
    let mut two = lookup(OrderKind::NewEsim);
    two.lines[0].quantity = 2;
    assert!(truphone.find_order(&two).await.unwrap().is_empty());
    assert!(
        truphone
            .find_order(&lookup(OrderKind::Revoke))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(server.requests().is_empty());
}

// ---------------------------------------------------------------------------------------------
// What Truphone does not do

#[tokio::test]
async fn cancel_is_through_truphone_support() {
    let server = happy_server().await;
    let truphone = adapter(&server);
    for target in [
        CancelTarget::Order {
            provider_reference: ORDER_ID.into(),
        },
        CancelTarget::Esim { esim: esim() },
        CancelTarget::Package {
            esim: esim(),
            offering_code: PRODUCT.into(),
            assignment_id: SUB_ID.into(),
        },
    ] {
        let err = truphone.cancel(&target).await.unwrap_err();
        assert_eq!(err.code(), "unsupported");
        assert!(
            err.to_string().contains("cancel through Truphone support"),
            "{err}"
        );
    }
    assert_eq!(
        truphone
            .validate_order(&request())
            .await
            .unwrap_err()
            .code(),
        "unsupported"
    );
    assert_eq!(
        truphone
            .validate_top_up(&top_up())
            .await
            .unwrap_err()
            .code(),
        "unsupported"
    );
    assert_eq!(truphone.balance().await.unwrap_err().code(), "unsupported");
    assert_eq!(truphone.kind(), ProviderKind::Truphone);
    assert_eq!(truphone.capabilities(), CAPABILITIES);
    // Nothing can be marked on a Truphone order: the default claim, which calls nothing.
    let placed = truphone.place_order(&request()).await.unwrap();
    let before = server.requests().len();
    assert!(truphone.claim_order(&placed, "desk-42").await.unwrap());
    assert_eq!(server.requests().len(), before);
    assert_eq!(
        server
            .requests()
            .iter()
            .filter(|r| !is_token(r) && r.method != "POST")
            .count(),
        0
    );
}
