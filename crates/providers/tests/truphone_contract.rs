//! Contract tests: the Truphone adapter against the Truphone Connect simulator
//! (`esimdesk-sandbox`), both written independently from `truphone.md`. A real HTTP server on
//! 127.0.0.1. Tokens expire and orders are fulfilled on the sandbox clock (frozen in tests): a
//! test moves it on with `advance_clock` instead of sleeping.
//!
//! Every `Provider` method is called, and every typed error the adapter can return is provoked
//! (Truphone has no balance, so `insufficient_balance` cannot occur). No error's text (`Display`
//! or `Debug`) ever holds the client secret or an access token, and every request the simulator
//! recorded carries an `X-Correlation-ID` (§1: "we require").
//!
//! Two things the simulator never sends are produced by a small relay in front of it (see
//! [`relay`]): a product of a coverage zone the desk does not know, and an order whose code is
//! given only as its `_lpa` link.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;
use std::time::Duration;

use esimdesk_core::{
    ActivationType, Country, Currency, Customer, DataAllowance, DataAmount, Eid, Iccid, Money,
    Offering, OrderKind, OrderState, PackageState, ProfileStatus, ProviderKind, Region,
};
use esimdesk_providers::truphone::{Truphone, TruphoneConfig};
use esimdesk_providers::{
    CancelTarget, CatalogueQuery, DeliverySource, EsimHandle, HttpSettings, MatchBasis,
    OrderLookup, OrderRequest, OrderStatus, PlacedOrder, Provider, ProviderError, RequestLine,
    TopUpCheck, TopUpRequest,
};
use esimdesk_sandbox::{
    FaultKind, FaultSpec, RequestRecord, RunningSandbox, SandboxConfig, TruphoneFulfilment,
    TruphoneOutcome, TruphoneSimStatus, parse_cents,
};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use url::Url;

/// The SM-DP+ of every Truphone activation code (§6, §7).
const SMDP: &str = "rsp.truphone.com";

/// How every simulated access token starts (a JWT header, as the reference's example): no
/// error text may contain it.
const TOKEN_HEAD: &str = "eyJhbGciOiJSUzI1NiJ9";

/// The EID of the reference's push-install example (§5.3).
const EID: &str = "89049032005008882600012345678905";

async fn sandbox_with(fulfilment: TruphoneFulfilment) -> RunningSandbox {
    sandbox_config(esimdesk_sandbox::TruphoneConfig {
        fulfilment,
        ..esimdesk_sandbox::TruphoneConfig::default()
    })
    .await
}

async fn sandbox_config(truphone: esimdesk_sandbox::TruphoneConfig) -> RunningSandbox {
    esimdesk_sandbox::start(SandboxConfig {
        truphone,
        ..SandboxConfig::for_tests()
    })
    .await
    .unwrap()
}

/// The reference's lifecycle: `FULFILLING` after 1 s, `COMPLETED` 3 s later (§6).
async fn sandbox() -> RunningSandbox {
    sandbox_with(TruphoneFulfilment::default()).await
}

fn es() -> Country {
    Country::parse("ES").unwrap()
}

fn eur() -> Currency {
    Currency::parse("EUR").unwrap()
}

/// The adapter against `base` (the simulator, or a relay in front of it) with `secret`, the
/// desk's country of sale Spain, short retry waits, and `tune` applied on top. The desk's own
/// pace of one request a second (open point 12) is switched off: the simulator enforces none,
/// and with it a sale's dozen calls would take seconds.
fn adapter_at(
    sandbox: &RunningSandbox,
    base: &str,
    secret: &str,
    tune: impl FnOnce(&mut TruphoneConfig),
) -> Truphone {
    let mut config = TruphoneConfig::with_base_url(
        Url::parse(base).unwrap(),
        sandbox.truphone_client_id().to_owned(),
        SecretString::from(secret.to_owned()),
    );
    config.http = HttpSettings {
        rate_limit: None,
        default_retry_after: Duration::from_millis(20),
        ..config.http
    };
    config.sale_country = Some(es());
    tune(&mut config);
    Truphone::new(config).unwrap()
}

fn adapter_tuned(sandbox: &RunningSandbox, tune: impl FnOnce(&mut TruphoneConfig)) -> Truphone {
    adapter_at(
        sandbox,
        &sandbox.truphone_base_url(),
        sandbox.truphone_client_secret(),
        tune,
    )
}

fn adapter(sandbox: &RunningSandbox) -> Truphone {
    adapter_tuned(sandbox, |_| {})
}

/// `/truphone/connect-api/<rest>`: a path as the simulator's request log and faults name it.
fn api_path(sandbox: &RunningSandbox, rest: &str) -> String {
    let base = Url::parse(&sandbox.truphone_base_url()).unwrap();
    format!("{}/{rest}", base.path().trim_end_matches('/'))
}

/// The token endpoint's path.
fn token_path(sandbox: &RunningSandbox) -> String {
    Url::parse(&sandbox.truphone_token_url())
        .unwrap()
        .path()
        .to_owned()
}

/// Where the simulator's request log stands now (requests are looked at [`since`] a mark, so
/// that the whole log stays for [`finish`]).
fn mark(sandbox: &RunningSandbox) -> u64 {
    sandbox
        .admin()
        .requests()
        .iter()
        .map(|r| r.seq)
        .max()
        .unwrap_or(0)
}

/// The Truphone requests (token and API) the simulator logged after `mark`.
fn since(sandbox: &RunningSandbox, mark: u64) -> Vec<RequestRecord> {
    sandbox
        .admin()
        .requests()
        .into_iter()
        .filter(|r| r.provider == "truphone" && r.seq > mark)
        .collect()
}

/// Of those, the Connect API's (not the token endpoint's).
fn api_since(sandbox: &RunningSandbox, mark: u64) -> Vec<RequestRecord> {
    let token = token_path(sandbox);
    since(sandbox, mark)
        .into_iter()
        .filter(|r| r.path != token)
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

fn statuses(log: &[RequestRecord]) -> Vec<Option<u16>> {
    log.iter().map(|r| r.status).collect()
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

/// Asserts the code, and that neither text of the error holds the simulator's client secret,
/// any of `more`, an access token or a bearer header.
#[track_caller]
fn assert_code(err: &ProviderError, code: &str, sandbox: &RunningSandbox, more: &[&str]) {
    assert_eq!(err.code(), code, "{err} / {err:?}");
    let texts = [err.to_string(), format!("{err:?}")];
    for secret in [sandbox.truphone_client_secret(), TOKEN_HEAD, "Bearer "]
        .iter()
        .chain(more)
    {
        for text in &texts {
            assert!(!text.contains(secret), "{secret:?} in {text}");
        }
    }
}

/// Every Truphone request the simulator recorded carried an `X-Correlation-ID` (§1); then
/// the sandbox stops.
async fn finish(sandbox: RunningSandbox) {
    let log: Vec<RequestRecord> = sandbox
        .admin()
        .requests()
        .into_iter()
        .filter(|r| r.provider == "truphone")
        .collect();
    assert!(!log.is_empty());
    for r in &log {
        assert!(
            r.correlation_id.as_deref().is_some_and(|c| !c.is_empty()),
            "no correlation id: {r:?}"
        );
    }
    sandbox.shutdown().await;
}

fn traveller() -> Customer {
    Customer {
        name: "Ana García".into(),
        email: Some("ana@example.com".into()),
        ..Customer::default()
    }
}

fn other_traveller() -> Customer {
    Customer {
        name: "Bo Berg".into(),
        email: Some("bo@example.com".into()),
        ..Customer::default()
    }
}

/// A walk-in sale of one eSIM of `offering`, paid at the desk's terminal, in the account's
/// country of sale.
fn sale(offering: &Offering, reference: &str) -> OrderRequest {
    OrderRequest {
        client_reference: reference.into(),
        lines: vec![RequestLine {
            offering_code: offering.code.clone(),
            quantity: 1,
        }],
        quoted_total: offering.cost,
        customer: Some(traveller()),
        payment_reference: Some(format!("term-{reference}")),
        sale_country: None,
        draft: None,
        push_to_iphone: None,
    }
}

fn top_up_of(esim: &EsimHandle, offering: &Offering, reference: &str) -> TopUpRequest {
    TopUpRequest {
        client_reference: reference.into(),
        esim: esim.clone(),
        offering_code: offering.code.clone(),
        quoted_total: offering.cost,
        payment_reference: None,
        draft: None,
        sale_country: None,
    }
}

/// The cheapest eSIM product covering `country`.
async fn cheapest(t: &Truphone, country: Country) -> Offering {
    t.catalogue(&CatalogueQuery::country(country), &|_| {})
        .await
        .unwrap()
        .offerings
        .into_iter()
        .min_by_key(|o| o.cost.minor())
        .expect("an offering")
}

/// The simulator's record of order `id`.
fn recorded(sandbox: &RunningSandbox, id: &str) -> esimdesk_sandbox::TruphoneOrderRecord {
    sandbox
        .admin()
        .truphone()
        .orders()
        .into_iter()
        .find(|o| o.order_id == id)
        .unwrap_or_else(|| panic!("no order {id} at the simulator"))
}

/// A completed sale (fulfilment must be immediate): the placed order, read again.
async fn sold(t: &Truphone, offering: &Offering, reference: &str) -> PlacedOrder {
    let placed = t.place_order(&sale(offering, reference)).await.unwrap();
    let done = t.order_status(&placed.provider_reference).await.unwrap();
    assert_eq!(done.status, OrderStatus::Completed, "{done:?}");
    done
}

// ------------------------------------------------------------------------- the raw simulator

/// A product as the simulator lists it, read apart from the adapter: the price as the exact
/// JSON number text.
#[derive(Debug, Deserialize)]
struct RawProduct {
    id: String,
    name: String,
    sim_type: Vec<String>,
    duration: u32,
    duration_unit: String,
    data: u64,
    data_unit: String,
    price: Box<RawValue>,
    price_currency: String,
    footprint_code: String,
}

impl RawProduct {
    fn is_esim(&self) -> bool {
        self.sim_type.iter().any(|t| t == "ESIM")
    }
}

#[derive(Debug, Deserialize)]
struct RawList {
    data: Vec<RawProduct>,
}

fn raw_client() -> reqwest::Client {
    reqwest::Client::new()
}

/// An access token straight from the token endpoint (client credentials in the form, §2).
async fn raw_token(sandbox: &RunningSandbox) -> String {
    let reply = raw_client()
        .post(sandbox.truphone_token_url())
        .header("X-Correlation-ID", "contract-raw-token")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("grant_type", "client_credentials")
                .append_pair("client_id", sandbox.truphone_client_id())
                .append_pair("client_secret", sandbox.truphone_client_secret())
                .finish(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let body: Value = reply.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

/// Every product, straight from the simulator, in its order.
async fn raw_products(sandbox: &RunningSandbox) -> Vec<RawProduct> {
    let token = raw_token(sandbox).await;
    let reply = raw_client()
        .get(format!(
            "{}/v2/products?page=1&page_size=1000",
            sandbox.truphone_base_url()
        ))
        .bearer_auth(token)
        .header("X-Correlation-ID", "contract-raw-products")
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    serde_json::from_slice::<RawList>(&reply.bytes().await.unwrap())
        .unwrap()
        .data
}

// ------------------------------------------------------------------------------------- relay

/// Changes a JSON reply of the simulator on its way to the adapter: `(path, body)`.
type Rewrite = Arc<dyn Fn(&str, &mut Value) + Send + Sync>;

/// A plain HTTP relay on 127.0.0.1 in front of the simulator, for replies the simulator never
/// gives. Requests go through unchanged (headers, body, correlation id), so the simulator logs
/// and answers them as ever; JSON replies pass through `rewrite`. One request per connection.
#[derive(Debug)]
struct Relay {
    /// The Truphone base URL through the relay (the token endpoint is derived from it).
    base_url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn relay(sandbox: &RunningSandbox, rewrite: Rewrite) -> Relay {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let upstream = sandbox.base_url();
    let client = raw_client();
    let task = tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let (upstream, client, rewrite) =
                (upstream.clone(), client.clone(), Arc::clone(&rewrite));
            tokio::spawn(async move {
                let _ = relay_one(socket, &upstream, &client, &rewrite).await;
            });
        }
    });
    let path = Url::parse(&sandbox.truphone_base_url())
        .unwrap()
        .path()
        .to_owned();
    Relay {
        base_url: format!("http://{addr}{path}"),
        task,
    }
}

async fn relay_one(
    mut socket: TcpStream,
    upstream: &str,
    client: &reqwest::Client,
    rewrite: &Rewrite,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = socket.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let method = request_line.next().unwrap_or("GET").to_owned();
    let target = request_line.next().unwrap_or("/").to_owned();
    let mut headers = Vec::new();
    let mut length = 0usize;
    for line in lines.filter(|l| !l.is_empty()) {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim().to_owned());
        if name == "content-length" {
            length = value.parse().unwrap_or(0);
        }
        if !matches!(
            name.as_str(),
            "host" | "connection" | "content-length" | "transfer-encoding" | "accept-encoding"
        ) {
            headers.push((name, value));
        }
    }
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let n = socket.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(std::io::Error::other)?;
    let mut request = client
        .request(method, format!("{upstream}{target}"))
        .body(body);
    for (name, value) in &headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let reply = request.send().await.map_err(std::io::Error::other)?;
    let status = reply.status();
    let kept: Vec<(String, String)> = reply
        .headers()
        .iter()
        .filter(|(n, _)| matches!(n.as_str(), "content-type" | "retry-after"))
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or_default().to_owned()))
        .collect();
    let mut bytes = reply.bytes().await.map_err(std::io::Error::other)?.to_vec();
    let path = target.split('?').next().unwrap_or_default();
    if let Ok(mut json) = serde_json::from_slice::<Value>(&bytes) {
        rewrite(path, &mut json);
        bytes = serde_json::to_vec(&json).map_err(std::io::Error::other)?;
    }
    let mut out = format!(
        "HTTP/1.1 {} {}\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    );
    for (name, value) in kept {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        bytes.len()
    ));
    socket.write_all(out.as_bytes()).await?;
    socket.write_all(&bytes).await?;
    socket.shutdown().await
}

// ----------------------------------------------------------------------------------- catalogue

#[tokio::test]
async fn the_catalogue_is_the_esim_products_mapped_exactly() {
    let sandbox = sandbox().await;
    let t = adapter(&sandbox);
    assert_eq!(t.kind(), ProviderKind::Truphone);
    let c = t.capabilities();
    assert!(c.async_provisioning && c.usage && c.top_up && c.requires_customer);
    assert!(!c.idempotent_orders && !c.order_lookup_by_reference && !c.validate_order);
    assert!(!c.cancel_order && !c.revoke_package && !c.cancel_esim && !c.balance);

    let raw = raw_products(&sandbox).await;
    let esims: Vec<&RawProduct> = raw.iter().filter(|p| p.is_esim()).collect();
    assert!(esims.len() > 10, "{}", esims.len());
    assert!(esims.len() < raw.len(), "physical-SIM-only products too");
    assert!(raw.iter().any(|p| p.sim_type.len() == 2));

    let start = mark(&sandbox);
    let progress = std::sync::Mutex::new(Vec::new());
    let catalogue = t
        .catalogue(&CatalogueQuery::all(), &|p| {
            progress.lock().unwrap().push((p.pages_done, p.page_count));
        })
        .await
        .unwrap();
    assert!(catalogue.skipped.is_empty(), "{:?}", catalogue.skipped);
    // Paged until `page == page_count` (§4), the desk's page size being 50.
    let pages = u32::try_from(raw.len().div_ceil(50)).unwrap();
    assert_eq!(catalogue.pages, pages);
    let progress = progress.into_inner().unwrap();
    assert_eq!(progress.len(), pages as usize);
    assert!(progress.iter().all(|(_, count)| *count == Some(pages)));
    let requests = since(&sandbox, start);
    let mut expected = vec![step("POST", token_path(&sandbox))];
    expected.extend((0..pages).map(|_| step("GET", api_path(&sandbox, "v2/products"))));
    assert_eq!(steps(&requests), expected);
    let queries: Vec<&str> = requests[1..].iter().map(|r| r.query.as_str()).collect();
    let wanted: Vec<String> = (1..=pages)
        .map(|p| format!("page={p}&page_size=50"))
        .collect();
    assert_eq!(queries, wanted);
    assert!(requests.iter().all(|r| r.status == Some(200)));

    // Only the eSIM products, each exactly.
    assert_eq!(catalogue.offerings.len(), esims.len());
    let mut zones = BTreeSet::new();
    for (o, r) in catalogue.offerings.iter().zip(&esims) {
        assert_eq!(o.code, r.id);
        assert_eq!(o.provider, ProviderKind::Truphone);
        assert_eq!(o.name, r.name);
        // Money: the price's exact text, in major units (§1).
        assert_eq!(r.price_currency, "EUR");
        let cents = parse_cents(r.price.get()).unwrap();
        assert_eq!(o.cost, Money::from_minor(cents, eur()), "{}", o.code);
        // Data: MB of 1024² bytes (§4, the adapter's assumption).
        assert_eq!(r.data_unit, "MB");
        assert_eq!(
            o.data,
            DataAllowance::Limited {
                amount: DataAmount::from_bytes(r.data * 1024 * 1024)
            },
            "{}",
            o.code
        );
        assert_eq!(r.duration_unit, "DAYS");
        assert_eq!(o.validity_days, r.duration);
        assert_eq!(o.activation, ActivationType::Unknown);
        assert!(o.top_up, "any product can be a top-up (§5.4)");
        // Coverage from the footprint code (open point 2).
        let has = |c: &str| o.covers(Country::parse(c).unwrap());
        match r.footprint_code.as_str() {
            "EUROPE" => {
                assert_eq!(o.region, Some(Region::Europe));
                assert!(has("ES") && has("FR") && has("DE") && has("IT"));
                assert!(!has("US") && !has("JP"));
            }
            "GLOBAL" => {
                assert_eq!(o.region, Some(Region::Global));
                assert!(has("ES") && has("US") && has("JP") && has("BR"));
            }
            "USA" => {
                assert_eq!(o.countries, [Country::parse("US").unwrap()]);
                assert_eq!(o.region, None);
            }
            other => panic!("the simulator sent footprint {other}"),
        }
        zones.insert(r.footprint_code.as_str());
    }
    assert_eq!(
        zones.into_iter().collect::<Vec<_>>(),
        ["EUROPE", "GLOBAL", "USA"]
    );

    // A country or a region: filtered by the adapter itself (no documented filter, §4).
    let ids_of = |zones: &[&str]| -> HashSet<String> {
        esims
            .iter()
            .filter(|r| zones.contains(&r.footprint_code.as_str()))
            .map(|r| r.id.clone())
            .collect()
    };
    let codes = |offerings: &[Offering]| -> HashSet<String> {
        offerings.iter().map(|o| o.code.clone()).collect()
    };
    let start = mark(&sandbox);
    let us = Country::parse("US").unwrap();
    let in_us = t
        .catalogue(&CatalogueQuery::country(us), &|_| {})
        .await
        .unwrap();
    assert_eq!(codes(&in_us.offerings), ids_of(&["USA", "GLOBAL"]));
    let in_spain = t
        .catalogue(&CatalogueQuery::country(es()), &|_| {})
        .await
        .unwrap();
    assert_eq!(codes(&in_spain.offerings), ids_of(&["EUROPE", "GLOBAL"]));
    let europe = CatalogueQuery {
        region: Some(Region::Europe),
        ..CatalogueQuery::default()
    };
    let in_europe = t.catalogue(&europe, &|_| {}).await.unwrap();
    assert_eq!(codes(&in_europe.offerings), ids_of(&["EUROPE"]));
    assert!(
        api_since(&sandbox, start)
            .iter()
            .all(|r| r.query.starts_with("page="))
    );
    finish(sandbox).await;
}

#[tokio::test]
async fn one_offering_by_its_code() {
    let sandbox = sandbox().await;
    let t = adapter(&sandbox);
    let all = t.catalogue(&CatalogueQuery::all(), &|_| {}).await.unwrap();
    let raw = raw_products(&sandbox).await;
    for zone in ["EUROPE", "GLOBAL", "USA"] {
        let r = raw
            .iter()
            .find(|r| r.is_esim() && r.footprint_code == zone)
            .unwrap();
        let listed = all.offerings.iter().find(|o| o.code == r.id).unwrap();
        let start = mark(&sandbox);
        let one = t.offering(&r.id).await.unwrap();
        assert_eq!(&one, listed);
        // The id (base64url, ending in `=`) is one path segment, as it is (§4).
        assert_eq!(
            steps(&api_since(&sandbox, start)),
            [step(
                "GET",
                api_path(&sandbox, &format!("v2/products/{}", r.id))
            )]
        );
    }
    // A product for physical SIMs only is not sold at the desk.
    let psim = raw.iter().find(|r| !r.is_esim()).unwrap();
    assert_code(
        &t.offering(&psim.id).await.unwrap_err(),
        "invalid_request",
        &sandbox,
        &[],
    );
    let start = mark(&sandbox);
    assert_code(
        &t.offering("no-such-product=").await.unwrap_err(),
        "not_found",
        &sandbox,
        &[],
    );
    assert_eq!(statuses(&api_since(&sandbox, start)), [Some(404)]);
    finish(sandbox).await;
}

#[tokio::test]
async fn a_coverage_zone_the_desk_does_not_know_is_skipped_with_its_reason() {
    let sandbox = sandbox().await;
    // The simulator names only EUROPE, GLOBAL and USA; the relay renames USA.
    let relay = relay(
        &sandbox,
        Arc::new(|path: &str, body: &mut Value| {
            let rename = |p: &mut Value| {
                if p["footprint_code"] == "USA" {
                    p["footprint_code"] = Value::from("ATLANTIS");
                }
            };
            if path.ends_with("/v2/products") {
                if let Some(items) = body["data"].as_array_mut() {
                    items.iter_mut().for_each(rename);
                }
            } else if path.contains("/v2/products/") {
                rename(body);
            }
        }),
    )
    .await;
    let t = adapter_at(
        &sandbox,
        &relay.base_url,
        sandbox.truphone_client_secret(),
        |_| {},
    );
    let raw = raw_products(&sandbox).await;
    let usa: Vec<&RawProduct> = raw
        .iter()
        .filter(|r| r.is_esim() && r.footprint_code == "USA")
        .collect();
    assert!(!usa.is_empty());

    let catalogue = t.catalogue(&CatalogueQuery::all(), &|_| {}).await.unwrap();
    let skipped: Vec<Option<&str>> = catalogue
        .skipped
        .iter()
        .map(|s| s.code.as_deref())
        .collect();
    let expected: Vec<Option<&str>> = usa.iter().map(|r| Some(r.id.as_str())).collect();
    assert_eq!(skipped, expected);
    for s in &catalogue.skipped {
        assert!(s.reason.contains("ATLANTIS"), "{}", s.reason);
    }
    assert_eq!(
        catalogue.offerings.len(),
        raw.iter().filter(|r| r.is_esim()).count() - usa.len()
    );
    assert!(
        catalogue
            .offerings
            .iter()
            .all(|o| !o.covers(Country::parse("US").unwrap()) || o.region == Some(Region::Global))
    );
    // Asked for by its code, it cannot be sold either: Truphone's answer is not usable.
    assert_code(
        &t.offering(&usa[0].id).await.unwrap_err(),
        "malformed_reply",
        &sandbox,
        &[],
    );
    drop(relay);
    finish(sandbox).await;
}

// --------------------------------------------------------------------------------- credentials

#[tokio::test]
async fn credentials_are_checked_and_a_wrong_secret_is_refused() {
    let sandbox = sandbox().await;
    let secret = sandbox.truphone_client_secret().to_owned();
    let t = adapter(&sandbox);
    assert!(!format!("{t:?}").contains(&secret), "secret in Debug");
    let start = mark(&sandbox);
    t.check_credentials().await.unwrap();
    // A token (credentials in the form, §2), then one product.
    let requests = since(&sandbox, start);
    assert_eq!(
        steps(&requests),
        [
            step("POST", token_path(&sandbox)),
            step("GET", api_path(&sandbox, "v2/products")),
        ]
    );
    assert_eq!(requests[1].query, "page=1&page_size=1");
    assert_eq!(statuses(&requests), [Some(200), Some(200)]);
    assert_eq!(sandbox.admin().truphone().tokens().issued, 1);
    assert!(!format!("{t:?}").contains(TOKEN_HEAD), "token in Debug");

    let wrong = "00000000-WRONG-4f3a-9fba-000000000000";
    let stranger = adapter_at(&sandbox, &sandbox.truphone_base_url(), wrong, |_| {});
    let offering = cheapest(&t, es()).await;
    let start = mark(&sandbox);
    for err in [
        stranger.check_credentials().await.unwrap_err(),
        stranger
            .catalogue_page(&CatalogueQuery::all(), None)
            .await
            .unwrap_err(),
        stranger.order_status("any-order").await.unwrap_err(),
        stranger
            .place_order(&sale(&offering, "desk-key-1"))
            .await
            .unwrap_err(),
    ] {
        assert_code(&err, "unauthorised", &sandbox, &[wrong]);
        assert!(!err.is_transient());
    }
    // Refused at the token endpoint (401 unauthorized_client, §2), once per call: the API was
    // never reached, and nothing was bought.
    let requests = since(&sandbox, start);
    assert_eq!(requests.len(), 4, "{requests:?}");
    assert!(
        requests
            .iter()
            .all(|r| r.path == token_path(&sandbox) && r.status == Some(401))
    );
    assert!(sandbox.admin().truphone().orders().is_empty());
    assert_eq!(sandbox.admin().truphone().tokens().issued, 1);
    finish(sandbox).await;
}

#[tokio::test]
async fn a_token_that_expires_mid_session_is_renewed_transparently() {
    let sandbox = sandbox().await;
    let t = adapter(&sandbox);
    t.check_credentials().await.unwrap();
    let tokens = || sandbox.admin().truphone().tokens();
    assert_eq!(tokens().issued, 1);

    // Every way a token stops working between two calls: the API says 401, the adapter asks
    // for a new token and sends the same request again, with the same correlation id.
    for (how, end) in [
        (
            "expired",
            Box::new(|s: &RunningSandbox| s.admin().truphone().expire_tokens())
                as Box<dyn Fn(&RunningSandbox)>,
        ),
        (
            "past its lifetime on the clock",
            Box::new(|s: &RunningSandbox| {
                s.admin().advance_clock(Duration::from_secs(301));
            }),
        ),
        (
            "revoked with its refresh token",
            Box::new(|s: &RunningSandbox| s.admin().truphone().revoke_tokens()),
        ),
    ] {
        let issued = tokens().issued;
        end(&sandbox);
        let start = mark(&sandbox);
        let page = t
            .catalogue_page(&CatalogueQuery::all(), None)
            .await
            .unwrap_or_else(|e| panic!("{how}: {e}"));
        assert!(!page.offerings.is_empty());
        let requests = since(&sandbox, start);
        let products = api_path(&sandbox, "v2/products");
        assert_eq!(
            steps(&requests),
            [
                step("GET", products.clone()),
                step("POST", token_path(&sandbox)),
                step("GET", products),
            ],
            "{how}"
        );
        assert_eq!(statuses(&requests), [Some(401), Some(200), Some(200)]);
        assert_eq!(requests[0].correlation_id, requests[2].correlation_id);
        assert_eq!(tokens().issued, issued + 1, "{how}");
        // And the new token is kept.
        let start = mark(&sandbox);
        t.check_credentials().await.unwrap();
        assert_eq!(since(&sandbox, start).len(), 1, "{how}");
    }
    finish(sandbox).await;
}

#[tokio::test]
async fn a_token_near_its_end_is_renewed_with_the_refresh_token() {
    // Tokens of 20 s: always inside the adapter's 30 s margin, so each call renews first.
    let sandbox = sandbox_config(esimdesk_sandbox::TruphoneConfig {
        token_lifetime: Duration::from_secs(20),
        ..esimdesk_sandbox::TruphoneConfig::default()
    })
    .await;
    let t = adapter(&sandbox);
    t.check_credentials().await.unwrap();
    let start = mark(&sandbox);
    t.check_credentials().await.unwrap();
    let requests = since(&sandbox, start);
    assert_eq!(
        steps(&requests),
        [
            step("POST", token_path(&sandbox)),
            step("GET", api_path(&sandbox, "v2/products")),
        ]
    );
    assert_eq!(statuses(&requests), [Some(200), Some(200)]);
    let tokens = sandbox.admin().truphone().tokens();
    assert_eq!((tokens.issued, tokens.refreshed), (2, 1));
    finish(sandbox).await;
}

#[tokio::test]
async fn a_token_that_expires_just_before_the_order_post_buys_exactly_once() {
    let sandbox = sandbox_with(TruphoneFulfilment::immediate()).await;
    let t = adapter(&sandbox);
    let offering = cheapest(&t, es()).await;
    let request = sale(&offering, "desk-401");
    // The sale is prepared with a live token; it ends before the POST reaches Truphone.
    sandbox.admin().truphone().expire_tokens();
    let start = mark(&sandbox);
    let placed = t.place_order(&request).await.unwrap();
    assert_eq!(placed.status, OrderStatus::Provisioning);
    let requests = since(&sandbox, start);
    let orders_path = api_path(&sandbox, "v2/orders");
    assert_eq!(
        steps(&requests),
        [
            step("POST", orders_path.clone()),
            step("POST", token_path(&sandbox)),
            step("POST", orders_path),
        ]
    );
    assert_eq!(statuses(&requests), [Some(401), Some(200), Some(201)]);
    for post in [&requests[0], &requests[2]] {
        assert_eq!(post.correlation_id.as_deref(), Some("desk-401"));
    }
    // One order at Truphone: the 401 bought nothing, the one re-send bought the eSIM.
    let orders = sandbox.admin().truphone().orders();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].order_id, placed.provider_reference);
    assert_eq!(orders[0].correlation_id.as_deref(), Some("desk-401"));
    let done = t.order_status(&placed.provider_reference).await.unwrap();
    assert_eq!(done.status, OrderStatus::Completed);
    assert_eq!(sandbox.admin().truphone().sims().len(), 1);
    assert_eq!(sandbox.admin().truphone().subscriptions().len(), 1);

    // Refused for its token twice: sent twice (the same correlation id), never a third time,
    // and the credentials error; nothing bought.
    let id = sandbox
        .admin()
        .add_fault(
            FaultSpec::status(401)
                .on("POST", &api_path(&sandbox, "v2/orders"))
                .times(2),
        )
        .unwrap();
    let start = mark(&sandbox);
    let err = t
        .place_order(&sale(&offering, "desk-402"))
        .await
        .unwrap_err();
    assert_code(&err, "unauthorised", &sandbox, &[]);
    assert_eq!(fired(&sandbox, id), 0, "both fired, and gone");
    let posts: Vec<RequestRecord> = api_since(&sandbox, start);
    assert_eq!(statuses(&posts), [Some(401), Some(401)]);
    assert!(
        posts
            .iter()
            .all(|r| r.correlation_id.as_deref() == Some("desk-402"))
    );
    assert_eq!(sandbox.admin().truphone().orders().len(), 1);
    finish(sandbox).await;
}

// ---------------------------------------------------------------------------------- purchases

#[tokio::test]
async fn a_walk_in_sale_posts_one_order_then_polls_to_completion() {
    let sandbox = sandbox().await;
    let t = adapter(&sandbox);
    let offering = cheapest(&t, es()).await;
    // The request's country of sale wins over the account's.
    let request = OrderRequest {
        sale_country: Some(Country::parse("PT").unwrap()),
        customer: Some(Customer {
            device_model: Some("iPhone 15".into()),
            ..traveller()
        }),
        ..sale(&offering, "desk-1")
    };
    let start = mark(&sandbox);
    let sent_at = sandbox.admin().now();
    let placed = t.place_order(&request).await.unwrap();

    // Exactly one POST /v2/orders, the sale's reference as its correlation id (§3).
    let requests = api_since(&sandbox, start);
    assert_eq!(
        steps(&requests),
        [step("POST", api_path(&sandbox, "v2/orders"))]
    );
    assert_eq!(requests[0].status, Some(201));
    assert_eq!(requests[0].correlation_id.as_deref(), Some("desk-1"));
    let orders = sandbox.admin().truphone().orders();
    assert_eq!(orders.len(), 1);
    let record = &orders[0];
    assert_eq!(record.correlation_id.as_deref(), Some("desk-1"));
    assert_eq!(record.operation_type, "ACTIVATION");
    assert_eq!(record.sim_type, "ESIM");
    assert_eq!(record.product_id, offering.code);
    assert_eq!(record.country, "PT");
    assert_eq!(record.email.as_deref(), Some("ana@example.com"));
    assert_eq!(record.push_eid, None, "no push without an EID");
    assert_eq!(record.status, "ACCEPTED");

    // ACCEPTED: being provisioned, no eSIM yet.
    assert_eq!(placed.provider_reference, record.order_id);
    assert_eq!(placed.client_reference, None, "Truphone does not store it");
    assert_eq!(placed.kind, OrderKind::NewEsim);
    assert_eq!(placed.status, OrderStatus::Provisioning);
    assert!(placed.esims.is_empty());
    assert!(placed.has_lines(&request.lines));
    let created = placed.created_at.unwrap();
    assert!((created - sent_at).abs() < time::Duration::seconds(1));
    let id = placed.provider_reference.clone();
    let early = t.activation_codes(&id).await.unwrap();
    assert!(early.esims.is_empty());
    assert_eq!(early.notes.len(), 1, "{:?}", early.notes);

    // ACCEPTED → FULFILLING after 1 s → COMPLETED 3 s later (§6).
    let status_now = || recorded(&sandbox, &id).status;
    assert_eq!(
        t.order_status(&id).await.unwrap().status,
        OrderStatus::Provisioning
    );
    assert_eq!(status_now(), "ACCEPTED");
    sandbox.admin().advance_clock(Duration::from_secs(1));
    assert_eq!(
        t.order_status(&id).await.unwrap().status,
        OrderStatus::Provisioning
    );
    assert_eq!(status_now(), "FULFILLING");
    sandbox.admin().advance_clock(Duration::from_secs(2));
    assert_eq!(
        t.order_status(&id).await.unwrap().status,
        OrderStatus::Provisioning
    );
    assert_eq!(status_now(), "FULFILLING");
    sandbox.admin().advance_clock(Duration::from_secs(1));
    let done = t.order_status(&id).await.unwrap();
    assert_eq!(status_now(), "COMPLETED");
    assert_eq!(done.status, OrderStatus::Completed);
    assert_eq!(done.status.order_state(), OrderState::Completed);
    assert!(done.notes.is_empty(), "{:?}", done.notes);
    let record = recorded(&sandbox, &id);
    let sims = sandbox.admin().truphone().sims();
    assert_eq!(sims.len(), 1);
    assert_eq!(sims[0].order_id, id);
    assert_eq!(sims[0].email.as_deref(), Some("ana@example.com"));
    assert_eq!(done.esims.len(), 1);
    let esim = &done.esims[0];
    assert_eq!(esim.iccid.as_str(), record.iccid.as_deref().unwrap());
    assert_eq!(esim.iccid.as_str(), sims[0].iccid);
    // The code from `matching_id` + `_smdp` (§7, way 3).
    let code = esim.activation_code.clone().expect("a code");
    assert_eq!(code.to_string(), record.activation_code.clone().unwrap());
    assert_eq!(code.smdp_address(), SMDP);
    assert_eq!(Some(code.matching_id()), sims[0].matching_id.as_deref());

    // The activation code, from the order alone (no SIM read).
    let start = mark(&sandbox);
    let delivery = t.activation_codes(&id).await.unwrap();
    assert_eq!(
        steps(&api_since(&sandbox, start)),
        [step("GET", api_path(&sandbox, &format!("v2/orders/{id}")))]
    );
    assert_eq!(delivery.source, DeliverySource::Order);
    assert!(delivery.notes.is_empty(), "{:?}", delivery.notes);
    assert!(delivery.qr_images.is_empty());
    assert_eq!(delivery.esims.len(), 1);
    assert_eq!(delivery.esims[0].iccid, esim.iccid);
    assert_eq!(delivery.esims[0].activation_code.as_ref(), Some(&code));
    let subs = sandbox.admin().truphone().subscriptions();
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0].order_id, id);
    assert_eq!(subs[0].product_id, offering.code);
    assert_eq!(
        subs[0].initial_bytes,
        offering.data.limited_bytes().unwrap()
    );

    // No dry run at Truphone (§3 step 2); nothing to claim (no shared client reference).
    assert_code(
        &t.validate_order(&request).await.unwrap_err(),
        "unsupported",
        &sandbox,
        &[],
    );
    assert!(t.claim_order(&done, "desk-1").await.unwrap());

    // Push install (§7): the iPhone and its EID in the order, recorded by Truphone.
    let eid = Eid::parse(EID).unwrap();
    let pushed = t
        .place_order_with_push_install(&sale(&offering, "desk-1b"), &eid)
        .await
        .unwrap();
    assert_eq!(
        recorded(&sandbox, &pushed.provider_reference)
            .push_eid
            .as_deref(),
        Some(EID)
    );
    finish(sandbox).await;
}

#[tokio::test]
async fn the_code_is_read_from_the_lpa_link_when_the_order_gives_only_that() {
    let sandbox = sandbox_with(TruphoneFulfilment::immediate()).await;
    // The order reads come back without `matching_id` and `_smdp`: only `_lpa` (`1$…`, no
    // `LPA:` prefix, §6) is left.
    let relay = relay(
        &sandbox,
        Arc::new(|path: &str, body: &mut Value| {
            if path.contains("/v2/orders/") {
                if let Some(output) = body["output"].as_object_mut() {
                    output.remove("matching_id");
                }
                if let Some(links) = body["_metadata"]["links"].as_object_mut() {
                    links.remove("_smdp");
                }
            }
        }),
    )
    .await;
    let t = adapter_at(
        &sandbox,
        &relay.base_url,
        sandbox.truphone_client_secret(),
        |_| {},
    );
    let offering = cheapest(&t, es()).await;
    let placed = t.place_order(&sale(&offering, "desk-lpa")).await.unwrap();
    let id = placed.provider_reference;
    let start = mark(&sandbox);
    let delivery = t.activation_codes(&id).await.unwrap();
    // From the order itself: no SIM read.
    assert_eq!(
        steps(&api_since(&sandbox, start)),
        [step("GET", api_path(&sandbox, &format!("v2/orders/{id}")))]
    );
    assert!(delivery.notes.is_empty(), "{:?}", delivery.notes);
    let record = recorded(&sandbox, &id);
    let code = delivery.esims[0].activation_code.clone().unwrap();
    assert_eq!(code.to_string(), record.activation_code.unwrap());
    assert_eq!(code.smdp_address(), SMDP);
    assert_eq!(delivery.esims[0].iccid.as_str(), record.iccid.unwrap());
    drop(relay);
    finish(sandbox).await;
}

#[tokio::test]
async fn what_truphone_cannot_take_is_refused_before_anything_is_sent() {
    let sandbox = sandbox().await;
    let t = adapter(&sandbox);
    let offering = cheapest(&t, es()).await;
    let nowhere = adapter_tuned(&sandbox, |c| c.sale_country = None);
    let good = sale(&offering, "desk-r");
    let with = |customer: Option<Customer>| OrderRequest {
        customer,
        ..good.clone()
    };
    let start = mark(&sandbox);
    for (why, err) in [
        (
            "no email",
            t.place_order(&with(Some(Customer {
                email: None,
                ..traveller()
            })))
            .await,
        ),
        (
            "a blank email",
            t.place_order(&with(Some(Customer {
                email: Some("  ".into()),
                ..traveller()
            })))
            .await,
        ),
        (
            "a name of one word",
            t.place_order(&with(Some(Customer {
                name: "Madonna".into(),
                ..traveller()
            })))
            .await,
        ),
        ("no customer", t.place_order(&with(None)).await),
        ("no country of sale", nowhere.place_order(&good).await),
        (
            "two eSIMs",
            t.place_order(&OrderRequest {
                lines: vec![RequestLine {
                    offering_code: offering.code.clone(),
                    quantity: 2,
                }],
                ..good.clone()
            })
            .await,
        ),
        (
            "a reference that cannot be a correlation id",
            t.place_order(&OrderRequest {
                client_reference: "desk r".into(),
                ..good.clone()
            })
            .await,
        ),
    ] {
        let err = err.expect_err(why);
        assert_code(&err, "invalid_request", &sandbox, &[]);
        assert!(!err.is_transient(), "{why}");
    }
    // Nothing reached Truphone: not even a token was asked for.
    assert!(
        since(&sandbox, start).is_empty(),
        "{:?}",
        since(&sandbox, start)
    );
    assert!(sandbox.admin().truphone().orders().is_empty());

    // What Truphone itself refuses (400 INVALID_REQUEST_PARAMS, §5.1): its words, no order.
    let unknown = Offering {
        code: "no-such-product=".into(),
        ..offering.clone()
    };
    let start = mark(&sandbox);
    let err = t.place_order(&sale(&unknown, "desk-r2")).await.unwrap_err();
    assert_code(&err, "invalid_request", &sandbox, &[]);
    assert!(err.to_string().contains("no-such-product="), "{err}");
    let requests = api_since(&sandbox, start);
    assert_eq!(statuses(&requests), [Some(400)]);
    assert!(sandbox.admin().truphone().orders().is_empty());
    finish(sandbox).await;
}

#[tokio::test]
async fn a_lost_order_reply_is_found_by_the_customers_email_once_completed() {
    let sandbox = sandbox().await;
    let t = adapter(&sandbox);
    let offering = cheapest(&t, es()).await;
    let request = sale(&offering, "desk-3");
    let orders_path = api_path(&sandbox, "v2/orders");
    sandbox
        .admin()
        .add_fault(
            FaultSpec::new(FaultKind::DropAfterCommit)
                .on("POST", &orders_path)
                .times(1),
        )
        .unwrap();
    let sent_at = sandbox.admin().now();
    let start = mark(&sandbox);
    let err = t.place_order(&request).await.unwrap_err();
    assert_code(&err, "outcome_unknown", &sandbox, &[]);
    // Sent once, its reply lost; Truphone took it (exactly one order).
    let requests = api_since(&sandbox, start);
    assert_eq!(steps(&requests), [step("POST", orders_path.clone())]);
    assert_eq!(requests[0].status, None, "the connection was dropped");
    assert_eq!(requests[0].correlation_id.as_deref(), Some("desk-3"));
    let orders = sandbox.admin().truphone().orders();
    assert_eq!(orders.len(), 1);
    let lost = orders[0].order_id.clone();
    assert_eq!(orders[0].correlation_id.as_deref(), Some("desk-3"));

    // At the same time, another traveller buys the same product at the desk.
    let other = t
        .place_order(&OrderRequest {
            customer: Some(other_traveller()),
            ..sale(&offering, "desk-4")
        })
        .await
        .unwrap();
    assert_eq!(sandbox.admin().truphone().orders().len(), 2);

    // While Truphone prepares it (ACCEPTED, then FULFILLING) there is no subscription yet:
    // nothing to find, whether asked by the customer's email or not.
    let lookup = OrderLookup::for_order(&request, sent_at);
    assert_eq!(lookup.customer_email.as_deref(), Some("ana@example.com"));
    let anyone = OrderLookup {
        customer_email: None,
        ..lookup.clone()
    };
    for step_secs in [0, 1, 2] {
        sandbox
            .admin()
            .advance_clock(Duration::from_secs(step_secs));
        assert!(t.find_order(&lookup).await.unwrap().is_empty());
        assert!(t.find_order(&anyone).await.unwrap().is_empty());
    }
    assert_eq!(recorded(&sandbox, &lost).status, "FULFILLING");

    // Completed: exactly the one subscription of this traveller (§3: by email and time).
    sandbox.admin().advance_clock(Duration::from_secs(1));
    assert_eq!(recorded(&sandbox, &lost).status, "COMPLETED");
    let start = mark(&sandbox);
    let found = t.find_order(&lookup).await.unwrap();
    let subscriptions = api_since(&sandbox, start);
    assert!(
        subscriptions[0].query.contains("email=ana%40example.com")
            && subscriptions[0].query.contains("product-id=")
            && subscriptions[0].query.contains("after="),
        "{}",
        subscriptions[0].query
    );
    assert_eq!(found.len(), 1, "{found:?}");
    let m = &found[0];
    assert_eq!(m.basis, MatchBasis::ContentsAndTime);
    assert_eq!(m.foreign_reference, None);
    let record = recorded(&sandbox, &lost);
    let iccid = record.iccid.clone().unwrap();
    assert_eq!(m.order.status, OrderStatus::Completed);
    assert_eq!(m.order.kind, OrderKind::NewEsim);
    assert!(m.order.has_lines(&request.lines));
    assert_eq!(m.order.esims.len(), 1);
    assert_eq!(m.order.esims[0].iccid.as_str(), iccid);
    // Without the email, the other traveller's eSIM would be a candidate too.
    let both = t.find_order(&anyone).await.unwrap();
    assert_eq!(both.len(), 2, "{both:?}");
    let other_iccid = recorded(&sandbox, &other.provider_reference).iccid.unwrap();
    let found_iccids: HashSet<String> = both
        .iter()
        .map(|m| m.order.esims[0].iccid.as_str().to_owned())
        .collect();
    assert_eq!(
        found_iccids,
        HashSet::from([iccid.clone(), other_iccid.clone()])
    );

    // The match's reference reads as an order: its status and its code (from the SIM's `_lpa`,
    // with `LPA:`, §7).
    let reference = m.order.provider_reference.clone();
    let read = t.order_status(&reference).await.unwrap();
    assert_eq!(read.status, OrderStatus::Completed);
    assert_eq!(read.esims[0].iccid.as_str(), iccid);
    let delivery = t.activation_codes(&reference).await.unwrap();
    assert!(delivery.notes.is_empty(), "{:?}", delivery.notes);
    assert_eq!(delivery.esims.len(), 1);
    assert_eq!(delivery.esims[0].iccid.as_str(), iccid);
    assert_eq!(
        delivery.esims[0]
            .activation_code
            .as_ref()
            .map(ToString::to_string),
        record.activation_code
    );
    // Never a second purchase: still the two orders the two sales made.
    assert_eq!(sandbox.admin().truphone().orders().len(), 2);
    assert_eq!(sandbox.admin().truphone().sims().len(), 2);
    let posts = sandbox
        .admin()
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == orders_path)
        .count();
    assert_eq!(posts, 2);
    finish(sandbox).await;
}

// ---------------------------------------------------------------------- fulfilment outcomes

#[tokio::test]
async fn fulfilment_that_fails_is_failed_with_the_reason() {
    let sandbox = sandbox_with(TruphoneFulfilment::failing_after(Duration::from_secs(2))).await;
    let t = adapter(&sandbox);
    let offering = cheapest(&t, es()).await;
    let placed = t.place_order(&sale(&offering, "desk-f")).await.unwrap();
    let id = placed.provider_reference;
    assert_eq!(
        t.order_status(&id).await.unwrap().status,
        OrderStatus::Provisioning
    );
    sandbox.admin().advance_clock(Duration::from_secs(2));
    let failed = t.order_status(&id).await.unwrap();
    let record = recorded(&sandbox, &id);
    assert_eq!(record.status, "FAILED");
    let reason = record.failure.unwrap();
    assert_eq!(
        failed.status,
        OrderStatus::Failed {
            reason: Some(reason)
        }
    );
    assert!(failed.status.is_final());
    assert_eq!(failed.status.order_state(), OrderState::Failed);
    assert!(failed.esims.is_empty());
    let delivery = t.activation_codes(&id).await.unwrap();
    assert!(delivery.esims.is_empty());
    assert_eq!(delivery.notes.len(), 1, "{:?}", delivery.notes);
    assert!(sandbox.admin().truphone().sims().is_empty());
    assert!(sandbox.admin().truphone().subscriptions().is_empty());
    finish(sandbox).await;
}

#[tokio::test]
async fn fulfilment_that_never_completes_stays_provisioning() {
    let sandbox = sandbox_with(TruphoneFulfilment::never()).await;
    let t = adapter(&sandbox);
    let offering = cheapest(&t, es()).await;
    let sent_at = sandbox.admin().now();
    let request = sale(&offering, "desk-n");
    let id = t.place_order(&request).await.unwrap().provider_reference;
    let lookup = OrderLookup::for_order(&request, sent_at);
    // A day later: still being prepared, no eSIM, no code, nothing to reconcile with.
    for _ in 0..24 {
        sandbox.admin().advance_clock(Duration::from_secs(3_600));
        let order = t.order_status(&id).await.unwrap();
        assert_eq!(order.status, OrderStatus::Provisioning);
        assert!(order.esims.is_empty());
    }
    assert_eq!(recorded(&sandbox, &id).status, "FULFILLING");
    assert!(t.activation_codes(&id).await.unwrap().esims.is_empty());
    assert!(t.find_order(&lookup).await.unwrap().is_empty());

    // Released, it completes, and the lookup finds it.
    sandbox
        .admin()
        .truphone()
        .set_order_outcome(&id, TruphoneOutcome::Complete)
        .unwrap();
    let done = t.order_status(&id).await.unwrap();
    assert_eq!(done.status, OrderStatus::Completed);
    assert_eq!(done.esims.len(), 1);
    let found = t.find_order(&lookup).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].order.esims[0].iccid, done.esims[0].iccid);
    finish(sandbox).await;
}

// ------------------------------------------------------------------ usage, top-up and cancel

#[tokio::test]
async fn usage_a_top_up_and_no_cancel() {
    let sandbox = sandbox_with(TruphoneFulfilment::immediate()).await;
    let t = adapter(&sandbox);
    let offering = cheapest(&t, es()).await;
    let done = sold(&t, &offering, "desk-5").await;
    let esim = done.esims[0].handle();
    let iccid = esim.iccid.as_str().to_owned();
    let limit = offering.data.limited_bytes().unwrap();

    // The plan bought with the eSIM, in bytes (§8.2).
    let start = mark(&sandbox);
    let usage = t.usage(&esim).await.unwrap();
    let requests = api_since(&sandbox, start);
    assert_eq!(
        steps(&requests),
        [
            step("GET", api_path(&sandbox, "v2/subscriptions")),
            step("GET", api_path(&sandbox, &format!("v2/sims/{iccid}"))),
        ]
    );
    assert!(
        requests[0].query.contains(&format!("iccid={iccid}")),
        "{}",
        requests[0].query
    );
    assert_eq!(usage.iccid, esim.iccid);
    assert_eq!(usage.profile_status, Some(ProfileStatus::Released));
    assert_eq!(usage.packages.len(), 1, "{:?}", usage.packages);
    let subs = sandbox.admin().truphone().subscriptions();
    let plan = &usage.packages[0];
    assert_eq!(
        plan.assignment_id.as_deref(),
        Some(subs[0].subscription_id.as_str())
    );
    assert_eq!(plan.package.offering_code, offering.code);
    assert_eq!(plan.package.allowance, offering.data);
    assert_eq!(plan.package.state, PackageState::Active);
    assert_eq!(
        plan.package.usage.unwrap().remaining,
        Some(DataAmount::from_bytes(limit))
    );
    // Data used on the device.
    assert_eq!(
        sandbox
            .admin()
            .truphone()
            .consume(&iccid, 1_000_000)
            .unwrap(),
        1_000_000
    );
    let usage = t.usage(&esim).await.unwrap();
    assert_eq!(usage.profile_status, Some(ProfileStatus::Installed));
    assert_eq!(
        usage.packages[0].package.usage.unwrap().remaining,
        Some(DataAmount::from_bytes(limit - 1_000_000))
    );
    assert_eq!(
        usage.packages[0].initial,
        Some(DataAmount::from_bytes(limit))
    );

    // Top-ups: any eSIM product, narrowed by the query.
    let fr = Country::parse("FR").unwrap();
    let top_ups = t
        .top_up_offerings(&esim, &CatalogueQuery::country(fr))
        .await
        .unwrap();
    assert!(!top_ups.is_empty());
    assert!(top_ups.iter().all(|o| o.covers(fr)));
    let top = top_ups
        .iter()
        .filter(|o| o.code != offering.code)
        .max_by_key(|o| o.cost.minor())
        .unwrap()
        .clone();
    assert_eq!(
        t.check_top_up(&esim, &top.code).await.unwrap(),
        TopUpCheck::Unknown
    );
    assert_code(
        &t.validate_top_up(&top_up_of(&esim, &top, "desk-6"))
            .await
            .unwrap_err(),
        "unsupported",
        &sandbox,
        &[],
    );

    // The top-up: one TOPUP order on the same ICCID, the country of sale sent (§5.4).
    let start = mark(&sandbox);
    let topped = t
        .place_top_up(&TopUpRequest {
            sale_country: Some(fr),
            ..top_up_of(&esim, &top, "desk-6")
        })
        .await
        .unwrap();
    let requests = api_since(&sandbox, start);
    assert_eq!(
        steps(&requests),
        [step("POST", api_path(&sandbox, "v2/orders"))]
    );
    assert_eq!(requests[0].correlation_id.as_deref(), Some("desk-6"));
    assert_eq!(requests[0].status, Some(201));
    let record = recorded(&sandbox, &topped.provider_reference);
    assert_eq!(record.operation_type, "TOPUP");
    assert_eq!(record.iccid.as_deref(), Some(iccid.as_str()));
    assert_eq!(record.product_id, top.code);
    assert_eq!(record.country, "FR");
    assert_eq!(record.email, None);
    assert_eq!(topped.kind, OrderKind::TopUp);
    assert_eq!(topped.status, OrderStatus::Provisioning);
    assert_eq!(topped.lines[0].iccids, std::slice::from_ref(&esim.iccid));
    let read = t.order_status(&topped.provider_reference).await.unwrap();
    assert_eq!(read.status, OrderStatus::Completed);
    assert_eq!(read.kind, OrderKind::TopUp);
    assert_eq!(read.esims[0].iccid, esim.iccid);
    // A top-up order names no matching id: its code is the SIM's (`_lpa` with `LPA:`, §7).
    let start = mark(&sandbox);
    let delivery = t
        .activation_codes(&topped.provider_reference)
        .await
        .unwrap();
    assert!(
        api_since(&sandbox, start)
            .iter()
            .any(|r| r.path == api_path(&sandbox, &format!("v2/sims/{iccid}")))
    );
    let sim = sandbox.admin().truphone().sims().remove(0);
    assert_eq!(
        delivery.esims[0]
            .activation_code
            .as_ref()
            .map(ToString::to_string),
        sim.activation_code
    );
    // On the same eSIM: a second plan, no second SIM.
    assert_eq!(sandbox.admin().truphone().sims().len(), 1);
    assert_eq!(sim.subscriptions.len(), 2);
    let usage = t.usage(&esim).await.unwrap();
    assert_eq!(usage.packages.len(), 2, "{:?}", usage.packages);
    let added = &usage.packages[1].package;
    assert_eq!(added.offering_code, top.code);
    assert_eq!(added.allowance, top.data);
    // Without a country on the request, the account's.
    let again = t
        .place_top_up(&top_up_of(&esim, &offering, "desk-6b"))
        .await
        .unwrap();
    assert_eq!(recorded(&sandbox, &again.provider_reference).country, "ES");

    // Deleted from the phone (`Unavailable`): no top-up (§5.4) — told beforehand, and refused
    // by Truphone if tried anyway.
    sandbox
        .admin()
        .truphone()
        .set_sim_status(&iccid, TruphoneSimStatus::Unavailable)
        .unwrap();
    assert_eq!(
        t.check_top_up(&esim, &top.code).await.unwrap(),
        TopUpCheck::Incompatible
    );
    assert_code(
        &t.top_up_offerings(&esim, &CatalogueQuery::all())
            .await
            .unwrap_err(),
        "invalid_request",
        &sandbox,
        &[],
    );
    let orders_before = sandbox.admin().truphone().orders().len();
    let start = mark(&sandbox);
    let err = t
        .place_top_up(&top_up_of(&esim, &top, "desk-7"))
        .await
        .unwrap_err();
    assert_code(&err, "invalid_request", &sandbox, &[]);
    assert!(err.to_string().contains("Unavailable"), "{err}");
    assert_eq!(statuses(&api_since(&sandbox, start)), [Some(400)]);
    assert_eq!(sandbox.admin().truphone().orders().len(), orders_before);
    assert_eq!(
        t.usage(&esim).await.unwrap().profile_status,
        Some(ProfileStatus::Unavailable)
    );

    // No cancel of any kind (open point 1), no balance: said, and nothing is sent.
    let start = mark(&sandbox);
    for target in [
        CancelTarget::Order {
            provider_reference: done.provider_reference.clone(),
        },
        CancelTarget::Package {
            esim: esim.clone(),
            offering_code: offering.code.clone(),
            assignment_id: subs[0].subscription_id.clone(),
        },
        CancelTarget::Esim { esim: esim.clone() },
    ] {
        let err = t.cancel(&target).await.unwrap_err();
        assert_code(&err, "unsupported", &sandbox, &[]);
        assert!(err.to_string().contains("Truphone support"), "{err}");
    }
    assert_code(
        &t.balance().await.unwrap_err(),
        "unsupported",
        &sandbox,
        &[],
    );
    assert!(since(&sandbox, start).is_empty());
    finish(sandbox).await;
}

// ----------------------------------------------------------------------------- error mapping

#[tokio::test]
async fn reads_honour_retry_after_but_a_rate_limited_order_is_never_resent() {
    let sandbox = sandbox_with(TruphoneFulfilment::immediate()).await;
    let t = adapter(&sandbox);
    t.check_credentials().await.unwrap();
    let products = api_path(&sandbox, "v2/products");
    sandbox
        .admin()
        .add_fault(
            FaultSpec {
                retry_after: Some(1),
                ..FaultSpec::status(429)
            }
            .on("GET", &products)
            .times(1),
        )
        .unwrap();
    let start = mark(&sandbox);
    let page = t
        .catalogue_page(&CatalogueQuery::all(), None)
        .await
        .unwrap();
    assert!(!page.offerings.is_empty());
    // Retried once, as the reply asked (how long it waited is the shared client's unit tests'
    // business: no wall-clock assertion here).
    let requests = api_since(&sandbox, start);
    assert_eq!(statuses(&requests), [Some(429), Some(200)]);
    assert_eq!(requests[0].correlation_id, requests[1].correlation_id);

    // A wait longer than the adapter sits through: not waited for, in the error.
    let id = sandbox
        .admin()
        .add_fault(
            FaultSpec {
                retry_after: Some(120),
                ..FaultSpec::status(429)
            }
            .on("GET", &products),
        )
        .unwrap();
    let err = t
        .catalogue_page(&CatalogueQuery::all(), None)
        .await
        .unwrap_err();
    assert_code(&err, "rate_limited", &sandbox, &[]);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(fired(&sandbox, id), 1, "not retried");
    sandbox.admin().clear_faults();

    // The order POST refused by a 429: not sent again; nothing was bought.
    let offering = cheapest(&t, es()).await;
    let orders = api_path(&sandbox, "v2/orders");
    sandbox
        .admin()
        .add_fault(
            FaultSpec {
                retry_after: Some(0),
                ..FaultSpec::status(429)
            }
            .on("POST", &orders)
            .times(3),
        )
        .unwrap();
    let request = sale(&offering, "desk-11");
    let start = mark(&sandbox);
    let err = t.place_order(&request).await.unwrap_err();
    assert_code(&err, "rate_limited", &sandbox, &[]);
    assert!(err.is_transient());
    let requests = api_since(&sandbox, start);
    assert_eq!(steps(&requests), [step("POST", orders.clone())]);
    assert_eq!(requests[0].status, Some(429));
    assert!(sandbox.admin().truphone().orders().is_empty());
    // Tried again later (by the desk), it goes through once.
    sandbox.admin().clear_faults();
    let placed = t.place_order(&request).await.unwrap();
    assert_eq!(placed.status, OrderStatus::Provisioning);
    assert_eq!(sandbox.admin().truphone().orders().len(), 1);
    finish(sandbox).await;
}

#[tokio::test]
async fn server_errors_on_reads_are_retried_and_on_the_order_post_are_unknown() {
    let sandbox = sandbox_with(TruphoneFulfilment::immediate()).await;
    let t = adapter(&sandbox);
    let offering = cheapest(&t, es()).await;
    let done = sold(&t, &offering, "desk-12").await;
    let order_path = api_path(&sandbox, &format!("v2/orders/{}", done.provider_reference));

    // 503 and 502 on a read: retried with the same correlation id, then OK.
    for status in [503, 502] {
        sandbox
            .admin()
            .add_fault(
                FaultSpec {
                    retry_after: Some(0),
                    ..FaultSpec::status(status)
                }
                .on("GET", &order_path)
                .times(1),
            )
            .unwrap();
        let start = mark(&sandbox);
        let read = t.order_status(&done.provider_reference).await.unwrap();
        assert_eq!(read.status, OrderStatus::Completed);
        let requests = api_since(&sandbox, start);
        assert_eq!(statuses(&requests), [Some(status), Some(200)]);
        assert_eq!(requests[0].correlation_id, requests[1].correlation_id);
    }
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
    let err = t.order_status(&done.provider_reference).await.unwrap_err();
    assert_code(&err, "unavailable", &sandbox, &[]);
    assert!(err.is_transient());
    assert_eq!(fired(&sandbox, id), 4, "one try and three retries");
    sandbox.admin().clear_faults();
    // INTERNAL_ERROR (500) on a read: unavailable, for the caller to try again. (The adapter
    // retries only the statuses that say "try again" (502/503/504); §9 asks nothing more.)
    sandbox
        .admin()
        .add_fault(FaultSpec::status(500).on("GET", &order_path).times(1))
        .unwrap();
    let start = mark(&sandbox);
    let err = t.order_status(&done.provider_reference).await.unwrap_err();
    assert_code(&err, "unavailable", &sandbox, &[]);
    assert!(err.is_transient());
    assert_eq!(statuses(&api_since(&sandbox, start)), [Some(500)]);
    sandbox.admin().clear_faults();

    // A 5xx on the order POST: sent once, its outcome unknown (§9: never retried). Here the
    // fault answered for Truphone, so no order was made, and none is made later.
    let orders = api_path(&sandbox, "v2/orders");
    for (status, reference) in [(503, "desk-13"), (500, "desk-14")] {
        sandbox
            .admin()
            .add_fault(
                FaultSpec {
                    retry_after: Some(0),
                    ..FaultSpec::status(status)
                }
                .on("POST", &orders)
                .times(2),
            )
            .unwrap();
        let before = sandbox.admin().truphone().orders().len();
        let start = mark(&sandbox);
        let err = t
            .place_order(&sale(&offering, reference))
            .await
            .unwrap_err();
        assert_code(&err, "outcome_unknown", &sandbox, &[]);
        let requests = api_since(&sandbox, start);
        assert_eq!(steps(&requests), [step("POST", orders.clone())]);
        assert_eq!(requests[0].status, Some(status));
        assert_eq!(requests[0].correlation_id.as_deref(), Some(reference));
        assert_eq!(sandbox.admin().truphone().orders().len(), before);
        sandbox.admin().clear_faults();
    }
    // A connection closed before Truphone read the POST: the same, from the desk's side.
    sandbox
        .admin()
        .add_fault(FaultSpec::new(FaultKind::Drop).on("POST", &orders).times(2))
        .unwrap();
    let before = sandbox.admin().truphone().orders().len();
    let start = mark(&sandbox);
    let err = t
        .place_order(&sale(&offering, "desk-15"))
        .await
        .unwrap_err();
    assert_code(&err, "outcome_unknown", &sandbox, &[]);
    assert_eq!(api_since(&sandbox, start).len(), 1, "sent once");
    assert_eq!(sandbox.admin().truphone().orders().len(), before);
    sandbox.admin().clear_faults();

    // A POST whose reply arrives broken: Truphone took it (one order); the adapter does not
    // claim to know.
    sandbox
        .admin()
        .add_fault(
            FaultSpec::new(FaultKind::MalformedJson)
                .on("POST", &orders)
                .times(2),
        )
        .unwrap();
    let before = sandbox.admin().truphone().orders().len();
    let start = mark(&sandbox);
    let err = t
        .place_order(&sale(&offering, "desk-16"))
        .await
        .unwrap_err();
    assert_code(&err, "outcome_unknown", &sandbox, &[]);
    let requests = api_since(&sandbox, start);
    assert_eq!(statuses(&requests), [Some(201)]);
    let orders_now = sandbox.admin().truphone().orders();
    assert_eq!(orders_now.len(), before + 1);
    assert_eq!(
        orders_now.last().unwrap().correlation_id.as_deref(),
        Some("desk-16")
    );
    finish(sandbox).await;
}

#[tokio::test]
async fn a_malformed_read_is_a_typed_error_and_not_retried() {
    let sandbox = sandbox_with(TruphoneFulfilment::immediate()).await;
    let t = adapter(&sandbox);
    let offering = cheapest(&t, es()).await;
    let done = sold(&t, &offering, "desk-17").await;
    let id = done.provider_reference.clone();
    let esim = done.esims[0].handle();
    let iccid = esim.iccid.as_str().to_owned();

    for (path, call) in [
        (format!("v2/orders/{id}"), "order"),
        ("v2/products".to_owned(), "catalogue"),
        ("v2/subscriptions".to_owned(), "usage"),
        (format!("v2/sims/{iccid}"), "sim"),
    ] {
        let fault = sandbox
            .admin()
            .add_fault(
                FaultSpec::new(FaultKind::MalformedJson)
                    .on("GET", &api_path(&sandbox, &path))
                    .times(2),
            )
            .unwrap();
        let err = match call {
            "order" => t.order_status(&id).await.unwrap_err(),
            "catalogue" => t
                .catalogue_page(&CatalogueQuery::all(), None)
                .await
                .unwrap_err(),
            "usage" => t.usage(&esim).await.unwrap_err(),
            _ => t.check_top_up(&esim, &offering.code).await.unwrap_err(),
        };
        assert_code(&err, "malformed_reply", &sandbox, &[]);
        assert!(!err.is_transient(), "{call}");
        assert_eq!(fired(&sandbox, fault), 1, "{call}: not retried");
        sandbox.admin().clear_faults();
    }
    finish(sandbox).await;
}

#[tokio::test]
async fn unknown_ids_are_not_found() {
    let sandbox = sandbox().await;
    let t = adapter(&sandbox);
    t.check_credentials().await.unwrap();
    let unknown = "00000000-0000-4000-8000-000000000000";
    let stranger = EsimHandle::iccid(Iccid::parse("8944470000005678901").unwrap());
    let start = mark(&sandbox);
    for (what, err) in [
        ("order", t.order_status(unknown).await.unwrap_err()),
        (
            "order codes",
            t.activation_codes(unknown).await.unwrap_err(),
        ),
        ("SIM", t.check_top_up(&stranger, "any").await.unwrap_err()),
        (
            "SIM to top up",
            t.top_up_offerings(&stranger, &CatalogueQuery::all())
                .await
                .unwrap_err(),
        ),
    ] {
        assert_code(&err, "not_found", &sandbox, &[]);
        assert!(!err.is_transient(), "{what}");
    }
    // Each answered 404 once: a 404 is not retried.
    let requests = api_since(&sandbox, start);
    assert_eq!(statuses(&requests), [Some(404); 4], "{requests:?}");
    // A subscription the eSIM does not have (a reconciled order's reference).
    let start = mark(&sandbox);
    let err = t
        .order_status("subscription:8944470000005678901:no-such-subscription=")
        .await
        .unwrap_err();
    assert_code(&err, "not_found", &sandbox, &[]);
    assert_eq!(
        steps(&api_since(&sandbox, start)),
        [step("GET", api_path(&sandbox, "v2/subscriptions"))]
    );
    // An eSIM Truphone does not know has no packages (every subscription "ever attached").
    let usage = t.usage(&stranger).await.unwrap();
    assert!(usage.packages.is_empty());
    assert_eq!(usage.profile_status, None);
    finish(sandbox).await;
}

#[tokio::test]
async fn every_other_typed_error() {
    let sandbox = sandbox().await;
    let t = adapter(&sandbox);
    let offering = cheapest(&t, es()).await;
    let products = api_path(&sandbox, "v2/products");
    let orders = api_path(&sandbox, "v2/orders");

    // 403 ACCESS_DENIED.
    sandbox
        .admin()
        .add_fault(FaultSpec::status(403).on("GET", &products).times(1))
        .unwrap();
    assert_code(
        &t.catalogue_page(&CatalogueQuery::all(), None)
            .await
            .unwrap_err(),
        "forbidden",
        &sandbox,
        &[],
    );
    // 406 UNACCEPTABLE on the order: the account's eSIM limit; a refusal, nothing bought.
    sandbox
        .admin()
        .add_fault(FaultSpec::status(406).on("POST", &orders).times(1))
        .unwrap();
    let start = mark(&sandbox);
    let err = t
        .place_order(&sale(&offering, "desk-18"))
        .await
        .unwrap_err();
    assert_code(&err, "forbidden", &sandbox, &[]);
    assert!(err.to_string().contains("limit"), "{err}");
    assert_eq!(statuses(&api_since(&sandbox, start)), [Some(406)]);
    assert!(sandbox.admin().truphone().orders().is_empty());

    // No reply in time to a read.
    let impatient = adapter_tuned(&sandbox, |c| {
        c.http.timeout = Duration::from_millis(100);
        c.http.max_retries = 0;
    });
    impatient.check_credentials().await.unwrap();
    sandbox
        .admin()
        .add_fault(FaultSpec::latency(400).on("GET", &products).times(1))
        .unwrap();
    assert_code(
        &impatient
            .catalogue_page(&CatalogueQuery::all(), None)
            .await
            .unwrap_err(),
        "timeout",
        &sandbox,
        &[],
    );

    // Settings the adapter refuses: no secret, a plain-http base URL off this machine.
    let base = Url::parse(&sandbox.truphone_base_url()).unwrap();
    let err = Truphone::new(TruphoneConfig::with_base_url(
        base,
        sandbox.truphone_client_id().to_owned(),
        SecretString::from("  ".to_owned()),
    ))
    .unwrap_err();
    assert_code(&err, "configuration", &sandbox, &[]);
    let err = Truphone::new(TruphoneConfig::with_base_url(
        Url::parse("http://services.truphone.example/connect-api").unwrap(),
        sandbox.truphone_client_id().to_owned(),
        SecretString::from(sandbox.truphone_client_secret().to_owned()),
    ))
    .unwrap_err();
    assert_code(&err, "configuration", &sandbox, &[]);

    // Nobody listening: a read fails to connect, and a sale that never left bought nothing.
    let secret = sandbox.truphone_client_secret().to_owned();
    let correlated = sandbox
        .admin()
        .requests()
        .iter()
        .filter(|r| r.provider == "truphone")
        .all(|r| r.correlation_id.is_some());
    assert!(correlated);
    sandbox.shutdown().await;
    for err in [
        t.order_status("6d41c4ff-1877-4d13-82b0-7dad02c4b02a")
            .await
            .unwrap_err(),
        t.place_order(&sale(&offering, "desk-19"))
            .await
            .unwrap_err(),
    ] {
        assert_eq!(err.code(), "network", "{err}");
        assert!(!format!("{err} {err:?}").contains(&secret));
    }
}
