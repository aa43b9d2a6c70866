//! The adapter against a scripted local HTTP server (`test_server.rs`) answering as itt.md's
//! samples do: what goes on the wire (every call a JSON `POST` with both credential headers),
//! what comes back, and the purchase rules (one `create-booking` on the dry run's tracking id,
//! never retried; a lost reply is of unknown outcome).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use esimdesk_core::{
    ActivationType, Country, Currency, Customer, DataAllowance, DataAmount, Iccid, Money,
    OrderKind, PackageState, ProfileStatus, Region,
};
use secrecy::SecretString;

use super::*;
use crate::test_server::{Recorded, Respond, TestServer};
use crate::{CancelTarget, DeliverySource, OrderStatus, Provider, RequestLine};

const KEY: &str = "itt-apikey-SECRET-0001";
const CODE: &str = "itt-secretecode-SECRET-0002";
const MEMBER: &str = "2";
const SEARCH_TRACKING: &str = "117726070533RO1";
const TRACKING: &str = "11177260822126194QDWJV";
const PACKAGE: &str = "X1AO00012||bangladesh||1067||fatafati-in-7days-1gb";
const ICCID: &str = "8930000000000405894";
const LPA: &str = "LPA:1$rsp.sandbox-itt.example.com$K2-7PX3QD-1N8ZLA";
const TOP_UP_PACKAGE: &str = "X1AO00012||bangladesh||1068||fatafati-topup-5gb";

fn bdt() -> Currency {
    Currency::parse("BDT").unwrap()
}

fn settings() -> HttpSettings {
    HttpSettings {
        timeout: Duration::from_millis(1500),
        connect_timeout: Duration::from_secs(1),
        rate_limit: None,
        max_retries: 2,
        default_retry_after: Duration::from_millis(5),
        max_retry_wait: Duration::from_secs(2),
        retry_server_errors: false,
        correlation_header: None,
    }
}

fn adapter(server: &TestServer) -> Itt {
    let mut config = IttConfig::with_base_url(
        server.url.clone(),
        SecretString::from(KEY),
        SecretString::from(CODE),
        MEMBER.to_owned(),
    );
    config.http = settings();
    Itt::new(config).unwrap()
}

fn ana() -> Customer {
    Customer {
        name: "Ana García".into(),
        email: Some("ana@example.com".into()),
        phone: Some("+880 1711 000000".into()),
        device_model: None,
        eid: None,
    }
}

fn request(customer: Option<Customer>, draft: Option<&str>) -> OrderRequest {
    OrderRequest {
        client_reference: "desk-42".into(),
        lines: vec![RequestLine {
            offering_code: PACKAGE.into(),
            quantity: 1,
        }],
        quoted_total: Money::from_minor(48941, bdt()),
        customer,
        payment_reference: None,
        sale_country: None,
        draft: draft.map(str::to_owned),
        push_to_iphone: None,
    }
}

fn esim() -> EsimHandle {
    EsimHandle {
        iccid: Iccid::parse(ICCID).unwrap(),
        provider_ref: Some(TRACKING.into()),
    }
}

fn top_up(draft: Option<&str>) -> TopUpRequest {
    TopUpRequest {
        client_reference: "desk-43".into(),
        esim: esim(),
        offering_code: TOP_UP_PACKAGE.into(),
        quoted_total: Money::from_minor(105000, bdt()),
        payment_reference: None,
        draft: draft.map(str::to_owned),
        sale_country: None,
    }
}

// ---------------------------------------------------------------------------------------------
// An ITT that answers as the reference's samples do.

/// The docs' package, clean as the simulator sends it.
fn package(id: &str, price: &str) -> String {
    format!(
        r#"{{"tracking_id": "{SEARCH_TRACKING}", "package_id": "{id}", "supplier": "airalo",
        "supplier_partner_code": "airalo-1-00012", "supplier_key": "fatafati-in-7days-1gb",
        "sell_price": "{price}", "sell_currency": "BDT", "package_type": "sim",
        "title": "1 GB - 7 days", "data": "1 GB",
        "package_details": {{"data_amount": "1024", "voice_amount": null, "text_amount": null,
                            "validity_days": "7", "is_unlimited": "false", "has_fair_usage_policy": false}},
        "region_details": {{"id": "bangladesh", "name": "Bangladesh", "country_code": "BD",
                           "image": {{"width": 10, "height": 10}}}},
        "validity": {{"activation_days": 365, "topup_days": 180}},
        "coverage_type": "local", "esim_type": "prepaid", "plan_type": "data",
        "activation_policy": "first-usage", "rechargeable": "true"}}"#
    )
}

/// The docs' damaged sample values: trailing commas, numbers and booleans as strings or not.
const DAMAGED_PACKAGE: &str = r#"{"tracking_id": "117726070533RO1",
    "package_id": "X1AO00065||europe||2001||eu-unlimited-10days", "supplier": "airalo,",
    "sell_price": "2450.50,", "sell_currency": "BDT", "title": "Unlimited - 10 days",
    "package_details": {"data_amount": "null,", "validity_days": "10,", "is_unlimited": "yes",
                        "has_fair_usage_policy": "true,"},
    "region_details": {"id": "europe", "name": "Europe", "country_code": null},
    "coverage_type": "regional", "activation_policy": "first-usage", "rechargeable": false,
    "-\"filter\"": "x"}"#;

fn search_reply(items: &[String]) -> String {
    format!(
        r#"{{"status": "success", "reason": "A total of {n} eSIM packages were found for your search.",
        "tracking_id": "{SEARCH_TRACKING}", "search_parameter": {{}}, "total_esim_package": "{n}",
        "data": [{items}], "supplier": {{}}, "filter": {{}}}}"#,
        n = items.len(),
        items = items.join(",")
    )
}

fn catalogue_reply() -> String {
    search_reply(&[
        package(PACKAGE, "489.41"),
        DAMAGED_PACKAGE.to_owned(),
        // No price: skipped with its code, the rest of the search kept.
        r#"{"package_id": "X1AO00012||bangladesh||9||broken", "title": "broken"}"#.to_owned(),
    ])
}

fn single_reply() -> String {
    format!(
        r#"{{"status": "success", "tracking_id": "{TRACKING}",
        "search_parameter": {{"tracking_id": "{SEARCH_TRACKING}", "package_id": "{PACKAGE}"}},
        "data": {{"package_id": "{PACKAGE}", "title": "1 GB - 7 days", "sell_price": "480.00",
                 "sell_currency": "BDT", "package_details": {{"data_amount": "1024"}}}},
        "region_details": {{"id": "bangladesh", "name": "Bangladesh", "country_code": "BD"}},
        "operator_details": {{}}, "coverage_country": [{{"country_code": "BD", "name": "Bangladesh"}}],
        "price": {{"sell_price": "489.41", "sell_currency": "BDT"}}, "fmg": {{}},
        "supplier": {{"supplier": "airalo", "supplier_uid": "X1AO00012"}}, "fair_usage_policy": null}}"#
    )
}

const TRAVELLERS_REPLY: &str = r#"{"status": "success", "reason": "Passenger data has been successfully updated.",
    "tracking_id": "11177260822126194QDWJV", "total_guest": 1, "data": [{"tracking_id": "11177260822126194QDWJV", "pax_id": "1"}]}"#;

fn booking_reply(status: &str) -> String {
    format!(
        r#"{{"status": "success", "reason": "eSIM booking confirmed.", "tracking_id": "{TRACKING}",
        "booking_id": "ES2510NOKJAAFK", "booking_status": "{status}", "total_price": "489.41", "currency": "BDT"}}"#
    )
}

fn esim_json(iccid: &str, qrcode: &str) -> String {
    format!(
        r#"{{"iccid": "{iccid}", "lpa": "rsp.sandbox-itt.example.com", "matching_id": "K2-7PX3QD-1N8ZLA",
        "qrcode": "{qrcode}", "qrcode_url": "https://sandbox-itt.example.com/qr/ES2510NOKJAAFK-1.png",
        "apn": "internet", "esim_status": "NOT_ACTIVE"}}"#
    )
}

fn details_reply(status: &str, esims: &[String]) -> String {
    format!(
        r#"{{"status": "success", "tracking_id": "{TRACKING}", "booking_id": "ES2510NOKJAAFK",
        "booking_status": "{status}",
        "package": {{"package_id": "{PACKAGE}", "title": "1 GB - 7 days", "sell_price": "489.41", "sell_currency": "BDT"}},
        "passenger": [{{"first_name": "Ana", "last_name": "García", "email_address": "ana@example.com"}}],
        "esims": [{esims}], "created_at": "2025-06-02 09:15:02"}}"#,
        esims = esims.join(",")
    )
}

fn confirmed_details() -> String {
    details_reply("confirmed", &[esim_json(ICCID, LPA)])
}

const NOT_FOUND: &str = r#"{"status": "failed", "reason": "Booking not found"}"#;

const USAGE_REPLY: &str = r#"{"status": "success", "tracking_id": "11177260822126194QDWJV",
    "data": {"iccid": "8930000000000405894", "total": "1024", "remaining": "794.0", "used": "230",
             "unit": "MB", "is_unlimited": "false", "esim_status": "ACTIVE",
             "expired_at": "2025-07-03 07:40:12", "updated_at": "2025-06-05 18:00:00"}}"#;

const INSTRUCTIONS_REPLY: &str = r#"{"status": "success", "data": {"language": "es",
    "ios": [{"step": 2, "text": "Escanee el código QR"}, {"step": 1, "text": "Abra Ajustes"}],
    "android": ["Abra Ajustes", "Escanee el código QR"],
    "qrcode": "LPA:1$rsp.sandbox-itt.example.com$K2-7PX3QD-1N8ZLA", "qrcode_url": "x",
    "manual": {"smdp_address": "rsp.sandbox-itt.example.com", "activation_code": "K2-7PX3QD-1N8ZLA"}}}"#;

const DEVICES_REPLY: &str = r#"{"status": "success", "data": [
    {"brand": "Apple", "model": "iPhone 15", "os": "ios"},
    {"brand": "Google", "model": "Pixel 8", "os": null},
    {"brand": "Nobody", "model": ""}]}"#;

fn top_up_packages_reply() -> String {
    let mut p = package(TOP_UP_PACKAGE, "1050.00")
        .replace("\"package_type\": \"sim\"", "\"package_type\": \"topup\"")
        .replace("\"1 GB - 7 days\"", "\"5 GB - 30 days\"");
    // A top-up package need not say where it works (the eSIM does).
    p = p.replace(
        r#""region_details": {"id": "bangladesh", "name": "Bangladesh", "country_code": "BD",
                           "image": {"width": 10, "height": 10}},"#,
        "",
    );
    format!(
        r#"{{"status": "success", "tracking_id": "TU117726070533X", "data": [{p}, {}]}}"#,
        package("X1AO00012||bangladesh||1069||other-topup", "300")
    )
}

const TOP_UP_BOOKING_REPLY: &str = r#"{"status": "success", "reason": "Top-up confirmed.",
    "booking_id": "TU2506ABCDEF12", "booking_status": "confirmed", "total_price": "1050.00", "currency": "BDT"}"#;

fn history_reply(records: &str) -> String {
    format!(r#"{{"status": "success", "data": [{records}]}}"#)
}

fn history_record(booking_id: &str, package_id: &str, status: &str, created_at: &str) -> String {
    format!(
        r#"{{"booking_id": "{booking_id}", "package_id": "{package_id}", "title": "5 GB - 30 days",
        "sell_price": "1050.00", "sell_currency": "BDT", "booking_status": "{status}", "created_at": "{created_at}"}}"#
    )
}

fn op(r: &Recorded) -> &str {
    r.path.rsplit('/').next().unwrap_or("")
}

/// A well-behaved ITT: both credentials required (401 otherwise), every path of itt.md.
fn happy(r: &Recorded) -> Respond {
    if r.header("apikey") != Some(KEY) || r.header("secretecode") != Some(CODE) {
        return Respond::json(
            401,
            r#"{"status": "failed", "reason": "Invalid API credentials"}"#,
        );
    }
    if r.method != "POST" || !r.path.contains("/esim/") {
        return Respond::json(404, r#"{"status": "failed", "reason": "No such path"}"#);
    }
    match op(r) {
        "search" => Respond::json(200, &catalogue_reply()),
        "single-esim-package" => Respond::json(200, &single_reply()),
        "update-travellers" => Respond::json(200, TRAVELLERS_REPLY),
        "create-booking" => Respond::json(200, &booking_reply("confirmed")),
        "booking-details" => Respond::json(200, &confirmed_details()),
        "data-usage" => Respond::json(200, USAGE_REPLY),
        "installation-instructions" => Respond::json(200, INSTRUCTIONS_REPLY),
        "compatible-devices" => Respond::json(200, DEVICES_REPLY),
        "topup-packages" => Respond::json(200, &top_up_packages_reply()),
        "create-topup-booking" => Respond::json(200, TOP_UP_BOOKING_REPLY),
        "topup-history" => Respond::json(
            200,
            &history_reply(&history_record(
                "TU2506ABCDEF12",
                TOP_UP_PACKAGE,
                "confirmed",
                "2999-01-01 00:00:00",
            )),
        ),
        _ => Respond::json(404, r#"{"status": "failed", "reason": "No such path"}"#),
    }
}

/// ITT as `happy`, except where `special` answers.
async fn server_with(
    special: impl Fn(&Recorded) -> Option<Respond> + Send + Sync + 'static,
) -> TestServer {
    TestServer::start("", move |r| special(r).unwrap_or_else(|| happy(r))).await
}

async fn happy_server() -> TestServer {
    server_with(|_| None).await
}

fn ops(server: &TestServer) -> Vec<String> {
    server.requests().iter().map(|r| op(r).to_owned()).collect()
}

fn calls(server: &TestServer, name: &str) -> Vec<Recorded> {
    server
        .requests()
        .into_iter()
        .filter(|r| op(r) == name)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The wire: POST, JSON, both headers, never echoed

#[tokio::test]
async fn every_call_is_a_json_post_with_both_credential_headers() {
    let server = happy_server().await;
    let itt = adapter(&server);
    itt.catalogue_page(&CatalogueQuery::all(), None)
        .await
        .unwrap();
    itt.check_credentials().await.unwrap();
    itt.usage(&esim()).await.unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    for r in &requests {
        assert_eq!(r.method, "POST");
        assert!(r.path.starts_with("/esim/"), "{}", r.path);
        assert_eq!(r.header("apikey"), Some(KEY));
        assert_eq!(r.header("secretecode"), Some(CODE));
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.header("accept"), Some("application/json"));
        let body = String::from_utf8(r.body.clone()).unwrap();
        assert!(!body.contains("SECRET"), "a credential in a body: {body}");
        assert!(r.json().is_object());
    }
}

#[tokio::test]
async fn credentials_never_appear_in_errors_or_debug() {
    // An ITT that echoes both headers back in its refusal.
    let server = TestServer::start("", |r| {
        let echo = format!(
            "apikey {} secretecode {} refused",
            r.header("apikey").unwrap_or(""),
            r.header("secretecode").unwrap_or("")
        );
        Respond::json(
            401,
            &format!(r#"{{"status": "failed", "reason": "{echo}", "message": "{echo}"}}"#),
        )
    })
    .await;
    let itt = adapter(&server);
    let e = itt.check_credentials().await.unwrap_err();
    assert_eq!(e.code(), "unauthorised");
    let text = format!("{e} {e:?}");
    assert!(!text.contains("SECRET"), "{text}");
    assert!(text.contains("[REDACTED]"), "{text}");
    // A business refusal in a 200 that echoes them.
    let server = TestServer::start("", |r| {
        Respond::json(
            200,
            &format!(
                r#"{{"status": "failed", "reason": "wrong {} / {}"}}"#,
                r.header("apikey").unwrap_or(""),
                r.header("secretecode").unwrap_or("")
            ),
        )
    })
    .await;
    let e = adapter(&server).usage(&esim()).await.unwrap_err();
    assert!(!format!("{e} {e:?}").contains("SECRET"));
    // Nor in the adapter's or the configuration's Debug.
    let config = IttConfig::with_base_url(
        server.url.clone(),
        SecretString::from(KEY),
        SecretString::from(CODE),
        MEMBER.to_owned(),
    );
    let debug = format!("{config:?} {:?}", Itt::new(config.clone()).unwrap());
    assert!(!debug.contains("SECRET"), "{debug}");
    assert!(debug.contains("apikey: [REDACTED]"), "{debug}");
    assert!(debug.contains("secretecode: [REDACTED]"), "{debug}");
}

#[test]
fn configuration_and_capabilities() {
    assert_eq!(DEFAULT_BASE_URL, "https://serviceapi.innotraveltech.com");
    let config = IttConfig::new(
        SecretString::from(KEY),
        SecretString::from(CODE),
        MEMBER.into(),
    )
    .unwrap();
    assert_eq!(
        config.base_url.as_str(),
        "https://serviceapi.innotraveltech.com/"
    );
    assert!(config.http.rate_limit.is_some());
    let itt = Itt::new(config.clone()).unwrap();
    assert_eq!(itt.kind(), ProviderKind::Itt);
    assert_eq!(itt.capabilities(), CAPABILITIES);
    assert_eq!(
        crate::capabilities::of(ProviderKind::Itt),
        Some(CAPABILITIES)
    );
    let c = CAPABILITIES;
    assert!(c.validate_order && c.draft_orders && c.async_provisioning && c.requires_customer);
    assert!(c.usage && c.top_up && c.install_instructions);
    assert!(!c.idempotent_orders && !c.cancel_order && !c.cancel_esim && !c.balance);
    // The member id names the account: required.
    let mut blank = config.clone();
    blank.member_id = "  ".into();
    assert_eq!(Itt::new(blank).unwrap_err().code(), "configuration");
    // Plain http only to this machine.
    let mut remote = config;
    remote.base_url = Url::parse("http://serviceapi.innotraveltech.com").unwrap();
    assert_eq!(Itt::new(remote).unwrap_err().code(), "configuration");
}

// ---------------------------------------------------------------------------------------------
// Catalogue

#[tokio::test]
async fn the_catalogue_searches_every_supplier_and_reads_money_exactly_in_bdt() {
    let server = happy_server().await;
    let page = adapter(&server)
        .catalogue_page(&CatalogueQuery::all(), None)
        .await
        .unwrap();
    let body = server.requests()[0].json();
    assert_eq!(body["supplier_uid"], "all");
    assert_eq!(body["eSim"]["plan_type"], "data");
    assert!(body["eSim"].get("country_code").is_none());
    assert_eq!(page.next, None);
    assert_eq!(page.offerings.len(), 2);
    let o = &page.offerings[0];
    assert_eq!(o.provider, ProviderKind::Itt);
    assert_eq!(o.code, PACKAGE, "the opaque package_id is the code");
    assert_eq!(o.name, "1 GB - 7 days (airalo)");
    assert_eq!(o.cost, Money::from_minor(48941, bdt()));
    assert_eq!(
        o.cost.to_string(),
        Money::from_minor(48941, bdt()).to_string()
    );
    assert_eq!(
        o.data,
        DataAllowance::Limited {
            amount: DataAmount::from_bytes(1024 * 1024 * 1024)
        },
        "1 GB = 1024 MB of 1024² bytes"
    );
    assert_eq!(o.validity_days, 7);
    assert_eq!(o.countries, vec![Country::parse("BD").unwrap()]);
    assert_eq!(o.activation, ActivationType::FirstUse);
    assert!(o.top_up);
    // The docs' damaged sample reads as meant.
    let d = &page.offerings[1];
    assert_eq!(d.name, "Unlimited - 10 days (airalo)");
    assert_eq!(d.cost, Money::from_minor(245050, bdt()));
    assert_eq!(d.data, DataAllowance::Unlimited);
    assert_eq!(d.validity_days, 10);
    assert_eq!(d.region, Some(Region::Europe));
    assert!(!d.top_up);
    // The unreadable one is skipped by name, not fatal.
    assert_eq!(page.skipped.len(), 1);
    assert_eq!(
        page.skipped[0].code.as_deref(),
        Some("X1AO00012||bangladesh||9||broken")
    );
}

#[tokio::test]
async fn a_search_answering_one_object_instead_of_a_list_is_read() {
    let server = server_with(|r| {
        (op(r) == "search").then(|| {
            Respond::json(
                200,
                &format!(
                    r#"{{"status": "success", "tracking_id": "{SEARCH_TRACKING}", "data": {}}}"#,
                    package(PACKAGE, "489.41")
                ),
            )
        })
    })
    .await;
    let page = adapter(&server)
        .catalogue_page(&CatalogueQuery::all(), None)
        .await
        .unwrap();
    assert_eq!(page.offerings.len(), 1);
}

#[tokio::test]
async fn a_query_for_countries_searches_each_country_and_filters_the_rest_locally() {
    let server = happy_server().await;
    let itt = adapter(&server);
    let query = CatalogueQuery {
        countries: vec![Country::parse("BD").unwrap(), Country::parse("ES").unwrap()],
        ..CatalogueQuery::default()
    };
    let all = itt.catalogue(&query, &|_| {}).await.unwrap();
    let bodies: Vec<serde_json::Value> = server.requests().iter().map(Recorded::json).collect();
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[0]["eSim"]["region_type"], "local");
    assert_eq!(bodies[0]["eSim"]["country_code"], "BD");
    assert_eq!(bodies[1]["eSim"]["country_code"], "ES");
    assert_eq!(all.pages, 2);
    // Only the Bangladesh package covers a queried country, and only Bangladesh's search keeps it.
    assert_eq!(all.offerings.len(), 1);
    assert_eq!(all.offerings[0].code, PACKAGE);
    // A region and text are applied locally.
    let europe = CatalogueQuery {
        region: Some(Region::Europe),
        ..CatalogueQuery::default()
    };
    let page = itt.catalogue_page(&europe, None).await.unwrap();
    assert_eq!(page.offerings.len(), 1);
    assert_eq!(page.offerings[0].region, Some(Region::Europe));
    let text = CatalogueQuery {
        text: Some("UNLIMITED".into()),
        ..CatalogueQuery::default()
    };
    assert_eq!(
        itt.catalogue_page(&text, None)
            .await
            .unwrap()
            .offerings
            .len(),
        1
    );
    let bad = itt
        .catalogue_page(&query, Some(&PageToken("7".into())))
        .await
        .unwrap_err();
    assert_eq!(bad.code(), "invalid_request");
}

#[tokio::test]
async fn one_offering_by_its_package_id() {
    let server = happy_server().await;
    let itt = adapter(&server);
    let o = itt.offering(PACKAGE).await.unwrap();
    assert_eq!(o.cost, Money::from_minor(48941, bdt()));
    let e = itt
        .offering("X1AO00012||nowhere||1||gone")
        .await
        .unwrap_err();
    assert_eq!(e.code(), "not_found");
}

// ---------------------------------------------------------------------------------------------
// The dry run

#[tokio::test]
async fn validate_order_searches_prices_and_registers_the_traveller_on_the_draft() {
    let server = happy_server().await;
    let itt = adapter(&server);
    let v = itt
        .validate_order(&request(Some(ana()), None))
        .await
        .unwrap();
    assert_eq!(
        ops(&server),
        ["search", "single-esim-package", "update-travellers"]
    );
    // price.sell_price wins over data.sell_price; exact BDT.
    assert_eq!(v.total, Money::from_minor(48941, bdt()));
    assert_eq!(v.draft.as_deref(), Some(TRACKING));
    assert_eq!(v.lines[0].unit_price, Some(v.total));
    let single = calls(&server, "single-esim-package")[0].json();
    assert_eq!(single["tracking_id"], SEARCH_TRACKING);
    assert_eq!(single["package_id"], PACKAGE);
    let travellers = calls(&server, "update-travellers")[0].json();
    assert_eq!(travellers["booking_tracking_id"], TRACKING);
    assert_eq!(travellers["member_id"], MEMBER);
    assert_eq!(travellers["save_pax"], "no");
    let pax = &travellers["passenger"][0];
    assert_eq!(pax["pax_id"], "1");
    assert_eq!(pax["first_name"], "Ana");
    assert_eq!(pax["last_name"], "García");
    assert_eq!(pax["email_address"], "ana@example.com");
    assert_eq!(pax["contact_no"], "+8801711000000");
    // Nothing was booked.
    assert!(calls(&server, "create-booking").is_empty());
}

#[tokio::test]
async fn a_price_check_without_the_customer_leaves_no_draft() {
    let server = happy_server().await;
    let v = adapter(&server)
        .validate_order(&request(None, None))
        .await
        .unwrap();
    assert_eq!(v.draft, None);
    assert_eq!(v.total, Money::from_minor(48941, bdt()));
    assert_eq!(ops(&server), ["search", "single-esim-package"]);
}

#[tokio::test]
async fn the_dry_run_searches_again_where_the_catalogue_found_the_package() {
    let server = happy_server().await;
    let itt = adapter(&server);
    itt.catalogue_page(
        &CatalogueQuery::country(Country::parse("BD").unwrap()),
        None,
    )
    .await
    .unwrap();
    itt.validate_order(&request(Some(ana()), None))
        .await
        .unwrap();
    let searches = calls(&server, "search");
    assert_eq!(
        searches.len(),
        2,
        "a fresh search, not the sync's tracking id"
    );
    assert_eq!(searches[1].json()["eSim"]["country_code"], "BD");
}

#[tokio::test]
async fn a_sale_itt_cannot_take_is_refused_before_anything_is_sent() {
    let server = happy_server().await;
    let itt = adapter(&server);
    let one_word = Customer {
        name: "Ana".into(),
        ..ana()
    };
    let no_email = Customer {
        email: None,
        ..ana()
    };
    let mut two = request(Some(ana()), None);
    two.lines[0].quantity = 2;
    let mut two_lines = request(Some(ana()), None);
    two_lines.lines.push(two_lines.lines[0].clone());
    for (r, why) in [
        (request(Some(one_word), None), "full name"),
        (request(Some(no_email), None), "email"),
        (two, "one by one"),
        (two_lines, "one by one"),
    ] {
        let e = itt.validate_order(&r).await.unwrap_err();
        assert_eq!(e.code(), "invalid_request");
        assert!(e.to_string().contains(why), "{e}");
    }
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn dry_run_failures_are_typed() {
    // An expired search tracking id at single-package (§5): not found.
    let server = server_with(|r| {
        (op(r) == "single-esim-package").then(|| {
            Respond::json(
                404,
                r#"{"status": "failed", "reason": "Tracking id expired"}"#,
            )
        })
    })
    .await;
    let e = adapter(&server)
        .validate_order(&request(Some(ana()), None))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "not_found");
    // A price in a currency amount the currency cannot hold is refused, never rounded.
    let server = server_with(|r| {
        (op(r) == "single-esim-package").then(|| {
            Respond::json(
                200,
                &single_reply().replace(r#""sell_price": "489.41""#, r#""sell_price": "489.415""#),
            )
        })
    })
    .await;
    let e = adapter(&server)
        .validate_order(&request(Some(ana()), None))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "malformed_reply");
    // No booking tracking id: no draft can be named.
    let server = server_with(|r| {
        (op(r) == "single-esim-package").then(|| {
            Respond::json(
                200,
                r#"{"status": "success", "price": {"sell_price": "1", "sell_currency": "BDT"}}"#,
            )
        })
    })
    .await;
    let e = adapter(&server)
        .validate_order(&request(Some(ana()), None))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "malformed_reply");
}

// ---------------------------------------------------------------------------------------------
// The purchase

#[tokio::test]
async fn place_order_books_the_draft_once_and_reads_its_esims() {
    let server = happy_server().await;
    let placed = adapter(&server)
        .place_order(&request(Some(ana()), Some(TRACKING)))
        .await
        .unwrap();
    assert_eq!(ops(&server), ["create-booking", "booking-details"]);
    let booking = calls(&server, "create-booking")[0].json();
    assert_eq!(booking["booking_tracking_id"], TRACKING);
    assert_eq!(booking["member_id"], MEMBER);
    assert_eq!(booking["payment_type"], "wallet");
    assert_eq!(booking["email_address"], "ana@example.com");
    assert!(booking.get("quantity").is_none());
    let lookup = calls(&server, "booking-details")[0].json();
    assert_eq!(lookup["tracking_id"], TRACKING);
    assert_eq!(lookup["booking_id"], "");
    assert_eq!(placed.provider_reference, TRACKING);
    assert_eq!(placed.status, OrderStatus::Completed);
    assert_eq!(placed.kind, OrderKind::NewEsim);
    assert_eq!(placed.total, Some(Money::from_minor(48941, bdt())));
    assert_eq!(
        placed.created_at,
        Some(time::macros::datetime!(2025-06-02 09:15:02 UTC))
    );
    assert_eq!(placed.esims.len(), 1);
    let e = &placed.esims[0];
    assert_eq!(e.iccid.as_str(), ICCID);
    assert_eq!(e.activation_code.as_ref().unwrap().to_string(), LPA);
    assert_eq!(e.provider_ref.as_deref(), Some(TRACKING));
    assert_eq!(e.offering_code.as_deref(), Some(PACKAGE));
    assert_eq!(placed.lines[0].iccids, vec![e.iccid.clone()]);
    assert!(placed.has_lines(&request(None, None).lines));
}

#[tokio::test]
async fn place_order_without_a_draft_or_an_email_sends_nothing() {
    let server = happy_server().await;
    let itt = adapter(&server);
    for r in [
        request(Some(ana()), None),
        request(None, Some(TRACKING)),
        request(
            Some(Customer {
                email: Some(" ".into()),
                ..ana()
            }),
            Some(TRACKING),
        ),
    ] {
        let e = itt.place_order(&r).await.unwrap_err();
        assert_eq!(e.code(), "invalid_request");
        assert!(e.to_string().contains("nothing was sent"), "{e}");
    }
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn a_lost_booking_reply_is_outcome_unknown_after_exactly_one_post() {
    let server = server_with(|r| (op(r) == "create-booking").then_some(Respond::Drop)).await;
    let e = adapter(&server)
        .place_order(&request(Some(ana()), Some(TRACKING)))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "outcome_unknown", "{e}");
    assert!(e.to_string().contains(TRACKING), "{e}");
    assert_eq!(server.requests().len(), 1, "one POST, nothing after it");
    assert_eq!(calls(&server, "create-booking").len(), 1);
}

#[tokio::test]
async fn a_booking_answered_late_by_a_fault_or_garbage_is_outcome_unknown_and_never_resent() {
    for respond in [
        Respond::After(
            Duration::from_millis(2500),
            Box::new(Respond::json(200, &booking_reply("confirmed"))),
        ),
        Respond::json(500, r#"{"status": "failed", "reason": "Internal error"}"#),
        Respond::json(503, ""),
        Respond::json(200, "<html>proxy</html>"),
        Respond::json(200, r#"{"status": "success", "total_price": "abc"}"#),
    ] {
        let server =
            server_with(move |r| (op(r) == "create-booking").then(|| respond.clone())).await;
        let e = adapter(&server)
            .place_order(&request(Some(ana()), Some(TRACKING)))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "outcome_unknown", "{e}");
        assert_eq!(server.requests().len(), 1);
    }
}

#[tokio::test]
async fn booking_refusals_are_typed_and_sent_once() {
    for (status, body, code) in [
        (
            200,
            r#"{"status": "failed", "reason": "Insufficient balance"}"#,
            "insufficient_balance",
        ),
        (
            401,
            r#"{"status": "failed", "reason": "Invalid API credentials"}"#,
            "unauthorised",
        ),
        (
            400,
            r#"{"status": "failed", "reason": "booking_tracking_id is required"}"#,
            "invalid_request",
        ),
        (404, NOT_FOUND, "not_found"),
        (
            200,
            r#"{"status": "failed", "reason": "Package out of stock"}"#,
            "forbidden",
        ),
        (429, "", "rate_limited"),
    ] {
        let server =
            server_with(move |r| (op(r) == "create-booking").then(|| Respond::json(status, body)))
                .await;
        let e = adapter(&server)
            .place_order(&request(Some(ana()), Some(TRACKING)))
            .await
            .unwrap_err();
        assert_eq!(e.code(), code, "{status} {body}");
        assert_eq!(server.requests().len(), 1);
    }
    let server = server_with(|r| {
        (op(r) == "create-booking").then(|| {
            Respond::json(
                200,
                r#"{"status": "failed", "reason": "Insufficient balance"}"#,
            )
        })
    })
    .await;
    let e = adapter(&server)
        .place_order(&request(Some(ana()), Some(TRACKING)))
        .await
        .unwrap_err();
    assert_eq!(
        e,
        ProviderError::InsufficientBalance {
            message: Some("Insufficient balance".into())
        }
    );
}

#[tokio::test]
async fn a_pending_booking_or_an_unreadable_details_read_is_still_provisioning() {
    let server = server_with(|r| match op(r) {
        "create-booking" => Some(Respond::json(200, &booking_reply("pending"))),
        "booking-details" => Some(Respond::json(200, &details_reply("pending", &[]))),
        _ => None,
    })
    .await;
    let placed = adapter(&server)
        .place_order(&request(Some(ana()), Some(TRACKING)))
        .await
        .unwrap();
    assert_eq!(placed.status, OrderStatus::Provisioning);
    assert_eq!(placed.provider_reference, TRACKING);
    // Booked, but the details read fails: still a success, provisioning, with a note.
    let server = server_with(|r| {
        (op(r) == "booking-details").then(|| Respond::json(500, r#"{"status":"failed"}"#))
    })
    .await;
    let placed = adapter(&server)
        .place_order(&request(Some(ana()), Some(TRACKING)))
        .await
        .unwrap();
    assert_eq!(placed.status, OrderStatus::Provisioning);
    assert_eq!(placed.total, Some(Money::from_minor(48941, bdt())));
    assert!(placed.esims.is_empty());
    assert!(!placed.notes.is_empty());
    assert_eq!(calls(&server, "create-booking").len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Reading the order back

async fn status_for(details: Respond) -> PlacedOrder {
    let server = server_with(move |r| (op(r) == "booking-details").then(|| details.clone())).await;
    adapter(&server).order_status(TRACKING).await.unwrap()
}

#[tokio::test]
async fn order_status_maps_every_booking_state() {
    let confirmed = status_for(Respond::json(200, &confirmed_details())).await;
    assert_eq!(confirmed.status, OrderStatus::Completed);
    assert_eq!(confirmed.esims.len(), 1);
    let pending = status_for(Respond::json(200, &details_reply("pending", &[]))).await;
    assert_eq!(pending.status, OrderStatus::Provisioning);
    let no_esims_yet = status_for(Respond::json(200, &details_reply("confirmed", &[]))).await;
    assert_eq!(no_esims_yet.status, OrderStatus::Provisioning);
    let failed = status_for(Respond::json(
        200,
        &details_reply("failed", &[]).replace(
            r#""status": "success","#,
            r#""status": "success", "reason": "Supplier refused","#,
        ),
    ))
    .await;
    assert_eq!(
        failed.status,
        OrderStatus::Failed {
            reason: Some("Supplier refused".into())
        }
    );
    let cancelled = status_for(Respond::json(200, &details_reply("cancelled", &[]))).await;
    assert_eq!(cancelled.status, OrderStatus::Cancelled);
    let odd = status_for(Respond::json(200, &details_reply("on_hold", &[]))).await;
    assert_eq!(
        odd.status,
        OrderStatus::Unrecognised {
            raw: "on_hold".into()
        }
    );
}

#[tokio::test]
async fn a_tracking_id_priced_but_never_booked_is_a_draft() {
    // 404 "Booking not found" (§14), and the same refusal in a 200 envelope.
    for respond in [
        Respond::json(404, NOT_FOUND),
        Respond::json(200, NOT_FOUND),
        Respond::json(
            200,
            r#"{"status": "success", "tracking_id": "11177260822126194QDWJV", "esims": []}"#,
        ),
    ] {
        let placed = status_for(respond).await;
        assert_eq!(placed.status, OrderStatus::Draft);
        assert_eq!(placed.provider_reference, TRACKING);
        assert!(placed.esims.is_empty());
    }
    // Other failures stay failures (a read: retried, then unavailable).
    let server = server_with(|r| {
        (op(r) == "booking-details").then(|| Respond::json(503, r#"{"status":"failed"}"#))
    })
    .await;
    let e = adapter(&server).order_status(TRACKING).await.unwrap_err();
    assert_eq!(e.code(), "unavailable");
    assert_eq!(
        calls(&server, "booking-details").len(),
        3,
        "reads are retried"
    );
}

#[tokio::test]
async fn activation_codes_from_qrcode_or_built_from_lpa_and_matching_id() {
    let esims = [
        esim_json(ICCID, LPA),
        // An unusable qrcode: built from lpa + matching_id.
        esim_json("89300000000004058903", "https://example.com/not-a-code.png"),
        // No qrcode at all.
        r#"{"iccid": "8930000000000405902", "lpa": "rsp.other.example.com", "matching_id": "AB-12"}"#.to_owned(),
        // Nothing to build a code from.
        r#"{"iccid": "8930000000000405910", "qrcode": null}"#.to_owned(),
    ];
    let server = server_with(move |r| {
        (op(r) == "booking-details")
            .then(|| Respond::json(200, &details_reply("confirmed", &esims)))
    })
    .await;
    let d = adapter(&server).activation_codes(TRACKING).await.unwrap();
    assert_eq!(d.source, DeliverySource::Order);
    assert!(d.qr_images.is_empty());
    let codes: Vec<Option<String>> = d
        .esims
        .iter()
        .map(|e| e.activation_code.as_ref().map(ToString::to_string))
        .collect();
    assert_eq!(
        codes,
        vec![
            Some(LPA.to_owned()),
            Some(LPA.to_owned()),
            Some("LPA:1$rsp.other.example.com$AB-12".to_owned()),
            None,
        ]
    );
    assert!(
        d.esims
            .iter()
            .all(|e| e.provider_ref.as_deref() == Some(TRACKING))
    );
    assert_eq!(d.notes.len(), 1);
    assert!(d.notes[0].contains("8930000000000405910"));
    assert!(
        !d.notes.iter().any(|n| n.contains("K2-7PX3QD")),
        "no code in a note"
    );
}

#[tokio::test]
async fn an_iccid_failing_the_desks_check_is_kept_as_issued_and_flagged() {
    // The reference's own sample ICCID: 18 digits starting 87 (§2, open point 12).
    let esims = [esim_json("873000000000040589", LPA), esim_json(ICCID, LPA)];
    let server = server_with(move |r| {
        (op(r) == "booking-details")
            .then(|| Respond::json(200, &details_reply("confirmed", &esims)))
    })
    .await;
    let itt = adapter(&server);
    let placed = itt.order_status(TRACKING).await.unwrap();
    assert_eq!(placed.status, OrderStatus::Completed);
    assert_eq!(placed.esims.len(), 2, "both kept");
    assert_eq!(placed.esims[0].iccid.as_str(), "873000000000040589");
    assert!(placed.esims[0].iccid.problem().is_some());
    assert!(placed.esims[1].iccid.problem().is_none());
    assert!(
        placed
            .notes
            .iter()
            .any(|n| n.contains("873000000000040589") && n.contains("kept as issued")),
        "{:?}",
        placed.notes
    );
    let d = itt.activation_codes(TRACKING).await.unwrap();
    assert_eq!(d.esims.len(), 2);
    // Digits that are no ICCID at all (too short) are not kept, and never fail the booking.
    let server = server_with(|r| {
        (op(r) == "booking-details").then(|| {
            Respond::json(
                200,
                &details_reply("confirmed", &[esim_json("8730000", LPA)]),
            )
        })
    })
    .await;
    let placed = adapter(&server).order_status(TRACKING).await.unwrap();
    assert_eq!(placed.status, OrderStatus::Completed);
    assert!(placed.esims.is_empty());
    assert!(placed.notes.iter().any(|n| n.contains("8730000")));
}

#[tokio::test]
async fn activation_codes_of_an_unknown_booking_are_not_found() {
    let server =
        server_with(|r| (op(r) == "booking-details").then(|| Respond::json(404, NOT_FOUND))).await;
    let e = adapter(&server)
        .activation_codes(TRACKING)
        .await
        .unwrap_err();
    assert_eq!(
        e,
        ProviderError::NotFound {
            message: Some("Booking not found".into())
        }
    );
}

#[tokio::test]
async fn find_order_has_nothing_to_search_and_cancel_is_unsupported() {
    let server = happy_server().await;
    let itt = adapter(&server);
    let lookup =
        OrderLookup::for_order(&request(Some(ana()), None), time::OffsetDateTime::now_utc());
    assert!(itt.find_order(&lookup).await.unwrap().is_empty());
    for target in [
        CancelTarget::Order {
            provider_reference: TRACKING.into(),
        },
        CancelTarget::Esim { esim: esim() },
    ] {
        assert_eq!(itt.cancel(&target).await.unwrap_err().code(), "unsupported");
    }
    assert_eq!(itt.balance().await.unwrap_err().code(), "unsupported");
    assert!(server.requests().is_empty());
}

// ---------------------------------------------------------------------------------------------
// After the sale

#[tokio::test]
async fn usage_in_mb_with_the_esim_status() {
    let server = happy_server().await;
    let u = adapter(&server).usage(&esim()).await.unwrap();
    let body = server.requests()[0].json();
    assert_eq!(op(&server.requests()[0]), "data-usage");
    assert_eq!(body["tracking_id"], TRACKING);
    assert_eq!(body["eSim_iccid"], ICCID);
    assert_eq!(body["member_id"], MEMBER);
    assert_eq!(u.iccid.as_str(), ICCID);
    assert_eq!(u.profile_status, Some(ProfileStatus::Installed));
    assert_eq!(u.taken_at, time::macros::datetime!(2025-06-05 18:00:00 UTC));
    let p = &u.packages[0].package;
    assert_eq!(p.state, PackageState::Active);
    assert_eq!(
        p.allowance,
        DataAllowance::Limited {
            amount: DataAmount::from_binary_megabytes(1024).unwrap()
        }
    );
    assert_eq!(
        p.usage.unwrap().remaining,
        Some(DataAmount::from_binary_megabytes(794).unwrap())
    );
    assert_eq!(
        p.ends_at,
        Some(time::macros::datetime!(2025-07-03 07:40:12 UTC))
    );
}

#[tokio::test]
async fn usage_needs_the_tracking_id_and_refuses_another_esims_reply() {
    let server = happy_server().await;
    let itt = adapter(&server);
    let e = itt
        .usage(&EsimHandle::iccid(Iccid::parse(ICCID).unwrap()))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "invalid_request");
    assert!(server.requests().is_empty());
    let other = EsimHandle {
        iccid: Iccid::parse("89300000000004058903").unwrap(),
        provider_ref: Some(TRACKING.into()),
    };
    assert_eq!(
        itt.usage(&other).await.unwrap_err().code(),
        "malformed_reply"
    );
}

#[tokio::test]
async fn installation_instructions_in_the_language_asked() {
    let server = happy_server().await;
    let itt = adapter(&server);
    let steps = itt
        .installation_instructions(&esim(), "ES")
        .await
        .unwrap()
        .unwrap();
    let body = server.requests()[0].json();
    assert_eq!(op(&server.requests()[0]), "installation-instructions");
    assert_eq!(body["preferred_language"], "es");
    assert_eq!(body["eSim_iccid"], ICCID);
    assert_eq!(body["tracking_id"], TRACKING);
    assert_eq!(steps.language, "es");
    assert_eq!(steps.ios, ["Abra Ajustes", "Escanee el código QR"]);
    assert_eq!(steps.android, ["Abra Ajustes", "Escanee el código QR"]);
    // No steps: none.
    let server = server_with(|r| {
        (op(r) == "installation-instructions").then(|| {
            Respond::json(
                200,
                r#"{"status": "success", "data": {"ios": [], "android": null}}"#,
            )
        })
    })
    .await;
    assert_eq!(
        adapter(&server)
            .installation_instructions(&esim(), "en")
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn compatible_devices_send_the_member_id_as_the_sample_does() {
    let server = happy_server().await;
    let devices = adapter(&server).compatible_devices().await.unwrap();
    assert_eq!(server.requests()[0].json()["member_id"], 2);
    assert_eq!(
        devices,
        vec![
            CompatibleDevice {
                brand: "Apple".into(),
                model: "iPhone 15".into(),
                os: Some("ios".into())
            },
            CompatibleDevice {
                brand: "Google".into(),
                model: "Pixel 8".into(),
                os: None
            },
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Top-ups

#[tokio::test]
async fn top_up_offerings_are_the_esims_own_list() {
    let server = happy_server().await;
    let offerings = adapter(&server)
        .top_up_offerings(
            &esim(),
            &CatalogueQuery::country(Country::parse("BD").unwrap()),
        )
        .await
        .unwrap();
    let body = server.requests()[0].json();
    assert_eq!(body["tracking_id"], TRACKING);
    assert_eq!(body["eSim_iccid"], ICCID);
    assert_eq!(offerings.len(), 2);
    assert_eq!(offerings[0].code, TOP_UP_PACKAGE);
    assert_eq!(offerings[0].cost, Money::from_minor(105000, bdt()));
    assert!(offerings[0].countries.is_empty(), "kept without coverage");
    assert!(offerings.iter().all(|o| o.top_up));
}

#[tokio::test]
async fn a_top_up_is_priced_from_the_list_then_booked_once() {
    let server = happy_server().await;
    let itt = adapter(&server);
    let v = itt.validate_top_up(&top_up(None)).await.unwrap();
    assert_eq!(v.total, Money::from_minor(105000, bdt()));
    let draft = v.draft.clone().unwrap();
    assert!(draft.starts_with("itt-topup:"), "{draft}");
    assert_eq!(ops(&server), ["topup-packages"]);
    // Before it is booked, the draft reads as a draft.
    let server_none =
        server_with(|r| (op(r) == "topup-history").then(|| Respond::json(200, &history_reply(""))))
            .await;
    let before = adapter(&server_none).order_status(&draft).await.unwrap();
    assert_eq!(before.status, OrderStatus::Draft);
    assert_eq!(before.kind, OrderKind::TopUp);

    let placed = itt.place_top_up(&top_up(Some(&draft))).await.unwrap();
    let booking = calls(&server, "create-topup-booking");
    assert_eq!(booking.len(), 1);
    let body = booking[0].json();
    assert_eq!(body["tracking_id"], TRACKING);
    assert_eq!(body["eSim_iccid"], ICCID);
    assert_eq!(body["package_id"], TOP_UP_PACKAGE);
    assert_eq!(body["payment_type"], "wallet");
    assert_eq!(body["member_id"], MEMBER);
    assert_eq!(placed.kind, OrderKind::TopUp);
    assert_eq!(placed.status, OrderStatus::Completed);
    assert_eq!(
        placed.provider_reference,
        format!("itt-topup-booking:{TRACKING}:{ICCID}:TU2506ABCDEF12")
    );
    assert_eq!(placed.total, Some(Money::from_minor(105000, bdt())));
    assert_eq!(placed.esims[0].iccid.as_str(), ICCID);
    assert_eq!(placed.esims[0].activation_code, None);
    // Read back by its booking id, and by the draft (a lost reply) from the history.
    for reference in [placed.provider_reference.clone(), draft] {
        let read = itt.order_status(&reference).await.unwrap();
        assert_eq!(read.status, OrderStatus::Completed, "{reference}");
        assert_eq!(read.provider_reference, placed.provider_reference);
        assert_eq!(read.lines[0].offering_code, TOP_UP_PACKAGE);
    }
    // The eSIM's code, unchanged, from the booking it was sold under.
    let codes = itt
        .activation_codes(&placed.provider_reference)
        .await
        .unwrap();
    assert_eq!(codes.esims.len(), 1);
    assert_eq!(
        codes.esims[0].activation_code.as_ref().unwrap().to_string(),
        LPA
    );
}

#[tokio::test]
async fn a_top_up_not_in_the_esims_list_is_refused_and_a_lost_reply_is_unknown() {
    let server = happy_server().await;
    let mut wrong = top_up(None);
    wrong.offering_code = "X1AO00012||bangladesh||1||nope".into();
    let e = adapter(&server).validate_top_up(&wrong).await.unwrap_err();
    assert_eq!(e.code(), "invalid_request");
    let server = server_with(|r| (op(r) == "create-topup-booking").then_some(Respond::Drop)).await;
    let e = adapter(&server)
        .place_top_up(&top_up(Some("itt-topup:1:a:b:c")))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "outcome_unknown");
    assert_eq!(server.requests().len(), 1);
    let server = server_with(|r| {
        (op(r) == "create-topup-booking").then(|| {
            Respond::json(
                200,
                r#"{"status": "failed", "reason": "Insufficient balance"}"#,
            )
        })
    })
    .await;
    let e = adapter(&server)
        .place_top_up(&top_up(None))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "insufficient_balance");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_top_up_draft_ignores_older_bookings_of_the_same_package() {
    let server = server_with(|r| {
        (op(r) == "topup-history").then(|| {
            Respond::json(
                200,
                &history_reply(&history_record(
                    "TU-OLD",
                    TOP_UP_PACKAGE,
                    "confirmed",
                    "2020-01-01 00:00:00",
                )),
            )
        })
    })
    .await;
    let draft = format!("itt-topup:1750000000:{TRACKING}:{ICCID}:{TOP_UP_PACKAGE}");
    let read = adapter(&server).order_status(&draft).await.unwrap();
    assert_eq!(read.status, OrderStatus::Draft);
}

#[tokio::test]
async fn no_connection_and_no_answer_in_time_are_typed() {
    // A port nobody listens on: nothing was sent, for a read and for a booking alike.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut config = IttConfig::with_base_url(
        Url::parse(&format!("http://127.0.0.1:{closed}")).unwrap(),
        SecretString::from(KEY),
        SecretString::from(CODE),
        MEMBER.to_owned(),
    );
    config.http = HttpSettings {
        max_retries: 0,
        ..settings()
    };
    let itt = Itt::new(config).unwrap();
    assert_eq!(itt.check_credentials().await.unwrap_err().code(), "network");
    let e = itt
        .place_order(&request(Some(ana()), Some(TRACKING)))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "network", "{e}");
    // A read answered too late: a timeout (safe to try again).
    let server = server_with(|r| {
        (op(r) == "data-usage").then(|| {
            Respond::After(
                Duration::from_millis(2500),
                Box::new(Respond::json(200, USAGE_REPLY)),
            )
        })
    })
    .await;
    let mut config = IttConfig::with_base_url(
        server.url.clone(),
        SecretString::from(KEY),
        SecretString::from(CODE),
        MEMBER.to_owned(),
    );
    config.http = HttpSettings {
        max_retries: 0,
        ..settings()
    };
    let e = Itt::new(config).unwrap().usage(&esim()).await.unwrap_err();
    assert_eq!(e, ProviderError::Timeout);
}
