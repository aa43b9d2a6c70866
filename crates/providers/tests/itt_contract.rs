//! Contract tests: the ITT adapter against the ITT eSIM API simulator (`esimdesk-sandbox`),
//! both written independently from `itt.md`. A real HTTP server on 127.0.0.1. Provisioning runs
//! on the sandbox clock (frozen in tests): a test moves it on with `advance_clock` instead of
//! sleeping.
//!
//! The simulator logs every request and answers `401` before anything else when either header
//! (`apikey`, `secretecode`) is missing or wrong (§1, §14), so a logged request answered with
//! anything but `401` carried both. No error's text (`Display` or `Debug`) ever holds either
//! secret.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use esimdesk_core::{
    ActivationType, Country, Currency, Customer, DataAllowance, DataAmount, Iccid, Money, Offering,
    OrderKind, PackageState, ProfileStatus, ProviderKind,
};
use esimdesk_providers::itt::{Itt, IttConfig};
use esimdesk_providers::{
    CancelTarget, CatalogueQuery, DeliverySource, EsimHandle, HttpSettings, OrderLookup,
    OrderRequest, OrderStatus, PlacedOrder, Provider, ProviderError, RequestLine, TopUpRequest,
};
use esimdesk_sandbox::{
    FaultKind, FaultSpec, IttConfig as SimIttConfig, IttFulfilment, RequestRecord, RunningSandbox,
    SandboxConfig, parse_cents,
};
use secrecy::SecretString;
use serde_json::{Value, json};
use url::Url;

/// The SM-DP+ host of the simulator's activation codes (itt.md §8, §15).
const SMDP: &str = "rsp.sandbox-itt.example.com";

async fn sandbox_with(itt: SimIttConfig) -> RunningSandbox {
    esimdesk_sandbox::start(SandboxConfig {
        itt,
        ..SandboxConfig::for_tests()
    })
    .await
    .unwrap()
}

async fn sandbox() -> RunningSandbox {
    sandbox_with(SimIttConfig::default()).await
}

/// The adapter against the simulator with the given credentials and member id, short retry
/// waits and no client rate limit (the simulator enforces none; the adapter's 5 per second
/// would make a sale take seconds). Everything else as the adapter configures itself.
fn adapter_with(sandbox: &RunningSandbox, key: &str, secret: &str, member: &str) -> Itt {
    let mut config = IttConfig::with_base_url(
        Url::parse(&sandbox.itt_base_url()).unwrap(),
        SecretString::from(key.to_owned()),
        SecretString::from(secret.to_owned()),
        member.to_owned(),
    );
    config.http = HttpSettings {
        rate_limit: None,
        default_retry_after: Duration::from_millis(20),
        ..config.http
    };
    Itt::new(config).unwrap()
}

fn adapter(sandbox: &RunningSandbox) -> Itt {
    adapter_with(
        sandbox,
        sandbox.itt_api_key(),
        sandbox.itt_secret_code(),
        sandbox.itt_member_id(),
    )
}

/// `/itt/esim/<op>`: a path as the simulator's log and faults name it.
fn op(sandbox: &RunningSandbox, name: &str) -> String {
    let base = Url::parse(&sandbox.itt_base_url()).unwrap();
    format!("{}/esim/{name}", base.path().trim_end_matches('/'))
}

/// The ITT requests the simulator logged.
fn log(sandbox: &RunningSandbox) -> Vec<RequestRecord> {
    sandbox
        .admin()
        .requests()
        .into_iter()
        .filter(|r| r.provider == "itt")
        .collect()
}

/// The operation (last path segment) of each logged request; all are `POST` (§1).
fn ops(log: &[RequestRecord]) -> Vec<String> {
    log.iter()
        .map(|r| {
            assert_eq!(r.method, "POST", "{r:?}");
            r.path.rsplit('/').next().unwrap().to_owned()
        })
        .collect()
}

fn count(log: &[RequestRecord], name: &str) -> usize {
    ops(log).iter().filter(|o| *o == name).count()
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

/// Every logged request carried both credential headers: none was refused with `401`.
#[track_caller]
fn assert_both_headers(sandbox: &RunningSandbox) {
    let requests = log(sandbox);
    assert!(!requests.is_empty());
    for r in &requests {
        assert_ne!(r.status, Some(401), "a request without both headers: {r:?}");
    }
}

/// Asserts the code, and that neither text of the error holds either secret.
#[track_caller]
fn assert_code(err: &ProviderError, code: &str, sandbox: &RunningSandbox) {
    assert_eq!(err.code(), code, "{err} / {err:?}");
    for secret in [sandbox.itt_api_key(), sandbox.itt_secret_code()] {
        assert!(
            !err.to_string().contains(secret),
            "secret in Display: {err}"
        );
        assert!(
            !format!("{err:?}").contains(secret),
            "secret in Debug: {err:?}"
        );
    }
}

fn bdt() -> Currency {
    Currency::parse("BDT").unwrap()
}

fn traveller() -> Customer {
    Customer {
        name: "Ana García".into(),
        email: Some("ana@example.com".into()),
        phone: Some("+34 612 345 678".into()),
        ..Customer::default()
    }
}

/// A walk-in sale of one eSIM of `offering` (ITT books one eSIM per tracking id, §5, §7).
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

fn with_draft(request: &OrderRequest, draft: &str) -> OrderRequest {
    OrderRequest {
        draft: Some(draft.to_owned()),
        ..request.clone()
    }
}

/// The cheapest rechargeable package for Spain.
async fn cheapest(t: &Itt) -> Offering {
    let query = CatalogueQuery::country(Country::parse("ES").unwrap());
    t.catalogue(&query, &|_| {})
        .await
        .unwrap()
        .offerings
        .into_iter()
        .filter(|o| o.top_up)
        .min_by_key(|o| o.cost.minor())
        .expect("a rechargeable offering for ES")
}

/// Dry run with the customer, then the purchase of its draft.
async fn buy(t: &Itt, offering: &Offering, reference: &str) -> (String, PlacedOrder) {
    let request = sale(offering, reference);
    let draft = t.validate_order(&request).await.unwrap().draft.unwrap();
    let placed = t.place_order(&with_draft(&request, &draft)).await.unwrap();
    (draft, placed)
}

/// Polls `order_status` as the desk does, moving the sandbox clock one second between polls,
/// until the order is final (at most 15 polls). Returns every status seen and the last answer.
async fn poll_until_final(
    t: &Itt,
    sandbox: &RunningSandbox,
    reference: &str,
) -> (Vec<OrderStatus>, PlacedOrder) {
    let mut seen = Vec::new();
    for _ in 0..15 {
        let order = t.order_status(reference).await.unwrap();
        seen.push(order.status.clone());
        if order.status.is_final() {
            return (seen, order);
        }
        sandbox.admin().advance_clock(Duration::from_secs(1));
    }
    panic!("order {reference} never ended: {seen:?}");
}

/// `POST <base>/esim/search` straight to the simulator (both headers).
async fn raw_search(sandbox: &RunningSandbox, criteria: Value) -> Value {
    let reply = reqwest::Client::new()
        .post(format!("{}/esim/search", sandbox.itt_base_url()))
        .header("apikey", sandbox.itt_api_key())
        .header("secretecode", sandbox.itt_secret_code())
        .json(&json!({ "eSim": criteria, "supplier_uid": "all", "language": "en" }))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let body: Value = reply.json().await.unwrap();
    assert_eq!(body["status"], "success");
    body
}

/// `digits` with its Luhn check digit appended.
fn luhn(digits: &str) -> String {
    let sum: u32 = digits
        .chars()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let d = c.to_digit(10).unwrap();
            if i % 2 == 0 {
                let d = d * 2;
                if d > 9 { d - 9 } else { d }
            } else {
                d
            }
        })
        .sum();
    format!("{digits}{}", (10 - sum % 10) % 10)
}

// ----------------------------------------------------------------------------------- catalogue

#[tokio::test]
async fn the_catalogue_maps_every_package_exactly() {
    let sandbox = sandbox().await;
    let t = adapter(&sandbox);
    assert_eq!(t.kind(), ProviderKind::Itt);

    // One country: every package the simulator lists, money exact from the raw string in BDT,
    // data in MB of 1024, the supplier in the name, the country as coverage.
    let raw = raw_search(
        &sandbox,
        json!({ "region_type": "local", "country_code": "ES", "plan_type": "data" }),
    )
    .await;
    let raw = raw["data"].as_array().unwrap().clone();
    assert!(!raw.is_empty());
    let es = Country::parse("ES").unwrap();
    let page = t
        .catalogue_page(&CatalogueQuery::country(es), None)
        .await
        .unwrap();
    assert!(page.skipped.is_empty(), "{:?}", page.skipped);
    assert_eq!(page.next, None);
    assert_eq!(page.offerings.len(), raw.len());
    let mut suppliers = std::collections::HashSet::new();
    for p in &raw {
        let code = p["package_id"].as_str().unwrap();
        let o = page
            .offerings
            .iter()
            .find(|o| o.code == code)
            .unwrap_or_else(|| panic!("{code} missing"));
        let price = p["sell_price"].as_str().unwrap();
        assert_eq!(p["sell_currency"], "BDT");
        assert_eq!(
            o.cost,
            Money::from_minor(parse_cents(price).unwrap(), bdt()),
            "{code}: {price}"
        );
        let mb: u64 = p["package_details"]["data_amount"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(
            o.data,
            DataAllowance::Limited {
                amount: DataAmount::from_binary_megabytes(mb).unwrap()
            },
            "{code}"
        );
        let days: u32 = p["package_details"]["validity_days"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(o.validity_days, days);
        let supplier = p["supplier"].as_str().unwrap();
        suppliers.insert(supplier.to_owned());
        assert!(o.name.contains(supplier), "{}: names {supplier}", o.name);
        assert!(o.name.contains(p["title"].as_str().unwrap()), "{}", o.name);
        assert_eq!(o.countries, [es]);
        assert_eq!(o.region, None);
        assert_eq!(o.activation, ActivationType::FirstUse);
        assert_eq!(o.top_up, p["rechargeable"] == "true", "{code}");
        assert_eq!(o.provider, ProviderKind::Itt);
    }
    // "1 GB" ↔ "1024" (§1): a whole-GB package reads as whole GB.
    assert!(
        raw.iter()
            .any(|p| p["data"].as_str().unwrap().ends_with(" GB"))
    );

    // Everything: one search (no paging, §4); every package is an offering or skipped with a
    // reason, never lost silently.
    let everything = raw_search(&sandbox, json!({ "plan_type": "data" })).await;
    let all_raw = everything["data"].as_array().unwrap();
    let all = t.catalogue(&CatalogueQuery::all(), &|_| {}).await.unwrap();
    assert_eq!(all.pages, 1);
    assert_eq!(all.offerings.len() + all.skipped.len(), all_raw.len());
    assert!(all.skipped.is_empty(), "{:?}", all.skipped);
    // A regional or global package (no `region_details.country_code`) is kept by its region.
    for p in all_raw.iter().filter(|p| p["coverage_type"] != "local") {
        let code = p["package_id"].as_str().unwrap();
        let o = all.offerings.iter().find(|o| o.code == code).unwrap();
        assert!(o.region.is_some(), "{o:?}");
    }
    for p in all_raw.iter().filter(|p| p["coverage_type"] == "local") {
        let code = p["package_id"].as_str().unwrap();
        let o = all.offerings.iter().find(|o| o.code == code).unwrap();
        let country =
            Country::parse(p["region_details"]["country_code"].as_str().unwrap()).unwrap();
        assert_eq!(o.countries, [country]);
    }
    for o in &all.offerings {
        assert!(!o.countries.is_empty() || o.region.is_some(), "{o:?}");
        assert_eq!(o.cost.currency(), bdt());
    }
    let all_suppliers: std::collections::HashSet<&str> = all_raw
        .iter()
        .map(|p| p["supplier"].as_str().unwrap())
        .collect();
    assert!(all_suppliers.len() > 1, "ITT resells several suppliers");

    // One offering by its code: as a fresh search lists it.
    let wanted = &page.offerings[0];
    assert_eq!(&t.offering(&wanted.code).await.unwrap(), wanted);
    let err = t
        .offering("X1AO00084||nowhere||1||no-such-package")
        .await
        .unwrap_err();
    assert_code(&err, "not_found", &sandbox);
    assert_both_headers(&sandbox);
    sandbox.shutdown().await;
}

// --------------------------------------------------------------------------------- credentials

#[tokio::test]
async fn credentials_are_checked_and_wrong_ones_refused_unechoed() {
    let sandbox = sandbox().await;
    let t = adapter(&sandbox);
    t.check_credentials().await.unwrap();
    assert_both_headers(&sandbox);

    let key = sandbox.itt_api_key().to_owned();
    let secret = sandbox.itt_secret_code().to_owned();
    let member = sandbox.itt_member_id().to_owned();
    for (k, s) in [
        ("itt-wrong-apikey-9999", secret.as_str()),
        (key.as_str(), "itt-wrong-secretecode-9999"),
    ] {
        sandbox.admin().clear_requests();
        let wrong = adapter_with(&sandbox, k, s, &member);
        let err = wrong.check_credentials().await.unwrap_err();
        assert_code(&err, "unauthorised", &sandbox);
        for sent in [k, s] {
            assert!(!err.to_string().contains(sent), "{err}");
            assert!(!format!("{err:?}").contains(sent), "{err:?}");
        }
        assert!(!err.is_transient());
        // Refused once, not retried.
        let requests = log(&sandbox);
        assert_eq!(ops(&requests), ["compatible-devices"]);
        assert_eq!(requests[0].status, Some(401));
        // Any other call too.
        let err = wrong
            .catalogue_page(&CatalogueQuery::all(), None)
            .await
            .unwrap_err();
        assert_code(&err, "unauthorised", &sandbox);
    }

    // A member id that is not the partner account's: refused as credentials.
    let wrong = adapter_with(&sandbox, &key, &secret, "999");
    let err = wrong.check_credentials().await.unwrap_err();
    assert_code(&err, "unauthorised", &sandbox);
    assert!(err.to_string().contains("member_id"), "{err}");
    // An empty member id never reaches ITT.
    let config = IttConfig::with_base_url(
        Url::parse(&sandbox.itt_base_url()).unwrap(),
        SecretString::from(key.clone()),
        SecretString::from(secret.clone()),
        "  ".into(),
    );
    assert_eq!(Itt::new(config).unwrap_err().code(), "configuration");
    sandbox.shutdown().await;
}

// ------------------------------------------------------------------------------------ dry runs

#[tokio::test]
async fn the_dry_run_leaves_the_booking_tracking_id_as_the_draft() {
    let sandbox = sandbox().await;
    let t = adapter(&sandbox);
    let offering = cheapest(&t).await;

    // With the customer: search afresh, single-package, update-travellers (§3 steps 1–3).
    sandbox.admin().clear_requests();
    let request = sale(&offering, "desk-1");
    let validated = t.validate_order(&request).await.unwrap();
    assert_eq!(
        ops(&log(&sandbox)),
        ["search", "single-esim-package", "update-travellers"]
    );
    assert_eq!(validated.total, offering.cost);
    assert_eq!(validated.lines.len(), 1);
    assert_eq!(validated.lines[0].unit_price, Some(offering.cost));
    let draft = validated.draft.clone().unwrap();
    let quotes = sandbox.admin().itt().quotes();
    assert_eq!(quotes.len(), 1);
    assert_eq!(quotes[0].tracking_id, draft);
    assert_eq!(draft.len(), 22, "the booking tracking id (§2): {draft}");
    assert_eq!(quotes[0].package_id, offering.code);
    assert_eq!(quotes[0].price_cents, offering.cost.minor());
    assert_eq!(quotes[0].booking_id, None, "nothing bought");
    let pax = serde_json::to_value(&quotes[0].passengers).unwrap();
    assert_eq!(pax.as_array().unwrap().len(), 1, "{pax}");
    let pax = pax[0].to_string();
    for part in ["Ana", "García", "ana@example.com"] {
        assert!(pax.contains(part), "{pax}");
    }
    assert!(sandbox.admin().itt().bookings().is_empty());

    // A price check before the customer is known: priced, no traveller, no draft.
    sandbox.admin().clear_requests();
    let check = OrderRequest {
        customer: None,
        ..request.clone()
    };
    let priced = t.validate_order(&check).await.unwrap();
    assert_eq!(priced.draft, None);
    assert_eq!(priced.total, offering.cost);
    assert_eq!(ops(&log(&sandbox)), ["search", "single-esim-package"]);
    let quotes = sandbox.admin().itt().quotes();
    assert_eq!(quotes.len(), 2);
    assert!(quotes[1].passengers.is_empty());

    // The catalogue's search has expired (§5: 404 on single-package with it): the dry run
    // never reuses it, it searches afresh.
    assert!(sandbox.admin().itt().expire_searches() > 0);
    sandbox.admin().advance_clock(Duration::from_secs(31 * 60));
    sandbox.admin().clear_requests();
    let again = t.validate_order(&request).await.unwrap();
    assert_eq!(
        ops(&log(&sandbox)),
        ["search", "single-esim-package", "update-travellers"]
    );
    assert!(log(&sandbox).iter().all(|r| r.status == Some(200)));
    let draft2 = again.draft.unwrap();
    assert_ne!(draft2, draft, "a new tracking id for a new dry run");

    // A sale of two eSIMs, or a one-word name, is refused before anything is sent.
    sandbox.admin().clear_requests();
    let mut two = request.clone();
    two.lines[0].quantity = 2;
    assert_code(
        &t.validate_order(&two).await.unwrap_err(),
        "invalid_request",
        &sandbox,
    );
    let mut one_word = request.clone();
    one_word.customer.as_mut().unwrap().name = "Ana".into();
    assert_code(
        &t.validate_order(&one_word).await.unwrap_err(),
        "invalid_request",
        &sandbox,
    );
    assert!(log(&sandbox).is_empty());
    sandbox.shutdown().await;
}

// --------------------------------------------------------------------------------------- sales

#[tokio::test]
async fn a_walk_in_sale_books_its_draft_once_and_delivers_the_code() {
    let sandbox = sandbox().await;
    let t = adapter(&sandbox);
    let offering = cheapest(&t).await;
    let request = sale(&offering, "desk-2");
    let draft = t.validate_order(&request).await.unwrap().draft.unwrap();
    let balance = sandbox.admin().itt().balance_cents();

    sandbox.admin().clear_requests();
    let placed = t.place_order(&with_draft(&request, &draft)).await.unwrap();
    let requests = log(&sandbox);
    assert_eq!(ops(&requests), ["create-booking", "booking-details"]);
    assert_eq!(count(&requests, "create-booking"), 1);

    let bookings = sandbox.admin().itt().bookings();
    assert_eq!(bookings.len(), 1);
    let b = &bookings[0];
    assert_eq!(b.tracking_id, draft);
    assert_eq!(b.status, "confirmed");
    assert_eq!(b.email, "ana@example.com");
    assert_eq!(b.quantity, 1);
    assert_eq!(b.total_cents, offering.cost.minor());
    assert_eq!(
        sandbox.admin().itt().balance_cents(),
        balance - offering.cost.minor()
    );

    assert_eq!(placed.provider_reference, draft);
    assert_eq!(placed.kind, OrderKind::NewEsim);
    assert_eq!(placed.status, OrderStatus::Completed);
    assert_eq!(placed.total, Some(offering.cost));
    assert_eq!(placed.esims.len(), 1);
    let esim = &placed.esims[0];
    assert_eq!(esim.iccid.as_str(), b.iccids[0]);
    assert_eq!(esim.provider_ref.as_deref(), Some(draft.as_str()));
    let code = esim.activation_code.as_ref().unwrap().to_string();
    assert!(code.starts_with(&format!("LPA:1${SMDP}$")), "{code}");
    assert_eq!(code, b.activation_codes[0]);
    assert_eq!(placed.lines.len(), 1);
    assert_eq!(placed.lines[0].offering_code, offering.code);
    assert_eq!(placed.lines[0].iccids, std::slice::from_ref(&esim.iccid));

    // Read back by the tracking id: the same.
    let status = t.order_status(&draft).await.unwrap();
    assert_eq!(status.status, OrderStatus::Completed);
    assert_eq!(status.esims, placed.esims);
    assert!(status.created_at.is_some());
    let delivery = t.activation_codes(&draft).await.unwrap();
    assert_eq!(delivery.source, DeliverySource::Order);
    assert_eq!(delivery.esims, placed.esims);

    // Installation instructions in Spanish; a language ITT does not offer falls back to `en`.
    let handle = esim.handle();
    let es = t
        .installation_instructions(&handle, "es")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(es.language, "es");
    assert_eq!(es.ios.len(), 5);
    assert!(es.ios[0].starts_with("Abre Ajustes"), "{:?}", es.ios);
    assert!(!es.android.is_empty());
    let fallback = t
        .installation_instructions(&handle, "xx")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(fallback.language, "en");
    assert!(
        fallback.ios[0].starts_with("Open Settings"),
        "{:?}",
        fallback.ios
    );
    assert_both_headers(&sandbox);

    // Without a draft, nothing is sent.
    sandbox.admin().clear_requests();
    assert_code(
        &t.place_order(&request).await.unwrap_err(),
        "invalid_request",
        &sandbox,
    );
    assert!(log(&sandbox).is_empty());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_lost_booking_reply_is_settled_by_the_tracking_id_and_never_doubled() {
    let sandbox = sandbox().await;
    let t = adapter(&sandbox);
    let offering = cheapest(&t).await;
    let request = sale(&offering, "desk-3");
    let draft = t.validate_order(&request).await.unwrap().draft.unwrap();
    sandbox
        .admin()
        .add_fault(
            FaultSpec::new(FaultKind::DropAfterCommit)
                .on("POST", &op(&sandbox, "create-booking"))
                .times(1),
        )
        .unwrap();
    sandbox.admin().clear_requests();
    let err = t
        .place_order(&with_draft(&request, &draft))
        .await
        .unwrap_err();
    assert_code(&err, "outcome_unknown", &sandbox);
    assert!(
        err.to_string().contains(&draft),
        "names the tracking id: {err}"
    );
    assert!(sandbox.admin().faults().is_empty(), "the drop fired");

    // Sent once, never re-posted; ITT made the booking (its answer never went out).
    let requests = log(&sandbox);
    assert_eq!(ops(&requests), ["create-booking"]);
    assert_eq!(requests[0].status, None);
    let bookings = sandbox.admin().itt().bookings();
    assert_eq!(bookings.len(), 1);
    assert_eq!(bookings[0].tracking_id, draft);

    // No order search at ITT: reconciliation reads the journaled tracking id (§3).
    assert!(
        t.find_order(&OrderLookup::for_order(
            &request,
            time::OffsetDateTime::now_utc()
        ))
        .await
        .unwrap()
        .is_empty()
    );
    sandbox.admin().clear_requests();
    let found = t.order_status(&draft).await.unwrap();
    assert_eq!(ops(&log(&sandbox)), ["booking-details"]);
    assert_eq!(found.status, OrderStatus::Completed);
    assert_eq!(found.provider_reference, draft);
    assert_eq!(found.esims.len(), 1);
    assert_eq!(found.esims[0].iccid.as_str(), bookings[0].iccids[0]);
    assert_eq!(
        found.esims[0].activation_code.as_ref().unwrap().to_string(),
        bookings[0].activation_codes[0]
    );
    assert_eq!(sandbox.admin().itt().bookings().len(), 1);
    assert_eq!(count(&log(&sandbox), "create-booking"), 0);

    // A tracking id priced but never booked is a draft: nothing was bought through it.
    let unbooked = t.validate_order(&sale(&offering, "desk-3b")).await.unwrap();
    let unbooked = unbooked.draft.unwrap();
    let status = t.order_status(&unbooked).await.unwrap();
    assert_eq!(status.status, OrderStatus::Draft);
    assert_eq!(status.provider_reference, unbooked);
    assert!(status.esims.is_empty());
    // So is one ITT never handed out.
    assert_eq!(
        t.order_status("99999999999999999XXXXX")
            .await
            .unwrap()
            .status,
        OrderStatus::Draft
    );
    assert_eq!(sandbox.admin().itt().bookings().len(), 1);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_pending_booking_provisions_then_completes_over_the_clock() {
    let sandbox = sandbox_with(SimIttConfig {
        fulfilment: IttFulfilment::confirming_after(Duration::from_secs(5)),
        ..SimIttConfig::default()
    })
    .await;
    let t = adapter(&sandbox);
    let offering = cheapest(&t).await;
    let (draft, placed) = buy(&t, &offering, "desk-4").await;
    assert_eq!(placed.status, OrderStatus::Provisioning);
    assert!(placed.esims.is_empty());
    assert_eq!(placed.provider_reference, draft);
    assert_eq!(placed.lines.len(), 1);
    assert_eq!(sandbox.admin().itt().bookings()[0].status, "pending");

    let (seen, done) = poll_until_final(&t, &sandbox, &draft).await;
    assert_eq!(seen.len(), 6, "{seen:?}");
    assert!(
        seen[..5].iter().all(|s| *s == OrderStatus::Provisioning),
        "{seen:?}"
    );
    assert_eq!(done.status, OrderStatus::Completed);
    assert_eq!(done.esims.len(), 1);
    assert!(done.esims[0].activation_code.is_some());
    assert_eq!(count(&log(&sandbox), "create-booking"), 1);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_failing_booking_is_failed_and_insufficient_balance_buys_nothing() {
    let sandbox = sandbox_with(SimIttConfig {
        fulfilment: IttFulfilment::failing_after(Duration::from_secs(2)),
        ..SimIttConfig::default()
    })
    .await;
    let t = adapter(&sandbox);
    let offering = cheapest(&t).await;
    let balance = sandbox.admin().itt().balance_cents();
    let (draft, placed) = buy(&t, &offering, "desk-5").await;
    assert_eq!(placed.status, OrderStatus::Provisioning);
    let (_, done) = poll_until_final(&t, &sandbox, &draft).await;
    assert!(
        matches!(done.status, OrderStatus::Failed { .. }),
        "{:?}",
        done.status
    );
    assert!(done.esims.is_empty());
    assert_eq!(sandbox.admin().itt().bookings()[0].status, "failed");
    // The price went back to the credit.
    assert_eq!(sandbox.admin().itt().balance_cents(), balance);

    // Insufficient balance (200, status "failed", §7, §14): typed, nothing bought.
    sandbox
        .admin()
        .itt()
        .set_fulfilment(IttFulfilment::insufficient_balance());
    let request = sale(&offering, "desk-5b");
    let draft = t.validate_order(&request).await.unwrap().draft.unwrap();
    sandbox.admin().clear_requests();
    let err = t
        .place_order(&with_draft(&request, &draft))
        .await
        .unwrap_err();
    assert_code(&err, "insufficient_balance", &sandbox);
    assert!(err.to_string().contains("Insufficient balance"), "{err}");
    let requests = log(&sandbox);
    assert_eq!(ops(&requests), ["create-booking"]);
    assert_eq!(requests[0].status, Some(200));
    assert_eq!(sandbox.admin().itt().bookings().len(), 1);
    assert_eq!(
        t.order_status(&draft).await.unwrap().status,
        OrderStatus::Draft
    );

    // The same from a credit too small for the price.
    sandbox
        .admin()
        .itt()
        .set_fulfilment(IttFulfilment::immediate());
    sandbox.admin().itt().set_balance_cents(1).unwrap();
    let err = t
        .place_order(&with_draft(&request, &draft))
        .await
        .unwrap_err();
    assert_code(&err, "insufficient_balance", &sandbox);
    assert_eq!(sandbox.admin().itt().bookings().len(), 1);
    assert_eq!(sandbox.admin().itt().balance_cents(), 1);
    sandbox.shutdown().await;
}

// ------------------------------------------------------------------------------ after the sale

#[tokio::test]
async fn usage_top_ups_and_what_itt_cannot_do() {
    let sandbox = sandbox().await;
    let t = adapter(&sandbox);
    let offering = cheapest(&t).await;
    let (draft, placed) = buy(&t, &offering, "desk-6").await;
    let esim = placed.esims[0].handle();
    let iccid = esim.iccid.as_str().to_owned();

    // Usage (§11), in MB of 1024.
    let total_mb = match offering.data {
        DataAllowance::Limited { amount } => amount,
        DataAllowance::Unlimited => panic!("the simulator sells no unlimited package"),
    };
    let before = t.usage(&esim).await.unwrap();
    assert_eq!(before.iccid, esim.iccid);
    assert_eq!(before.packages.len(), 1);
    assert_eq!(before.packages[0].package.state, PackageState::Queued);
    assert_eq!(
        before.packages[0].package.usage.as_ref().unwrap().remaining,
        Some(total_mb)
    );
    let used = sandbox.admin().itt().consume(&iccid, 100).unwrap();
    assert_eq!(used, 100);
    let after = t.usage(&esim).await.unwrap();
    let p = &after.packages[0];
    assert_eq!(
        p.package.allowance,
        DataAllowance::Limited { amount: total_mb }
    );
    assert_eq!(p.initial, Some(total_mb));
    assert_eq!(
        p.package.usage.as_ref().unwrap().remaining,
        Some(total_mb.saturating_sub(DataAmount::from_binary_megabytes(100).unwrap()))
    );
    assert_eq!(p.package.state, PackageState::Active);
    assert_eq!(after.profile_status, Some(ProfileStatus::Installed));
    assert!(p.package.ends_at.is_some());

    // Top-ups (§12): the eSIM's list, its dry run, one create-topup-booking, its history.
    let offers = t
        .top_up_offerings(&esim, &CatalogueQuery::all())
        .await
        .unwrap();
    assert!(!offers.is_empty());
    let topup = offers.iter().min_by_key(|o| o.cost.minor()).unwrap();
    assert!(topup.top_up);
    assert_eq!(topup.cost.currency(), bdt());
    let request = TopUpRequest {
        client_reference: "desk-6-topup".into(),
        esim: esim.clone(),
        offering_code: topup.code.clone(),
        quoted_total: topup.cost,
        payment_reference: None,
        draft: None,
        sale_country: None,
    };
    let validated = t.validate_top_up(&request).await.unwrap();
    assert_eq!(validated.total, topup.cost);
    let topup_draft = validated.draft.unwrap();
    assert!(sandbox.admin().itt().topups().is_empty());
    // Not booked yet: a draft.
    assert_eq!(
        t.order_status(&topup_draft).await.unwrap().status,
        OrderStatus::Draft
    );
    let balance = sandbox.admin().itt().balance_cents();
    sandbox.admin().clear_requests();
    let booked = t
        .place_top_up(&TopUpRequest {
            draft: Some(topup_draft.clone()),
            ..request.clone()
        })
        .await
        .unwrap();
    assert_eq!(ops(&log(&sandbox)), ["create-topup-booking"]);
    let topups = sandbox.admin().itt().topups();
    assert_eq!(topups.len(), 1);
    assert_eq!(topups[0].tracking_id, draft);
    assert_eq!(topups[0].iccid, iccid);
    assert_eq!(topups[0].package_id, topup.code);
    assert_eq!(
        sandbox.admin().itt().balance_cents(),
        balance - topup.cost.minor()
    );
    assert_eq!(booked.kind, OrderKind::TopUp);
    assert_eq!(booked.status, OrderStatus::Completed);
    assert_eq!(booked.total, Some(topup.cost));
    assert!(booked.provider_reference.contains(&topups[0].booking_id));
    // Its status from the top-up history, by the booked reference and by the draft.
    for reference in [&booked.provider_reference, &topup_draft] {
        sandbox.admin().clear_requests();
        let read = t.order_status(reference).await.unwrap();
        assert_eq!(ops(&log(&sandbox)), ["topup-history"]);
        assert_eq!(read.status, OrderStatus::Completed, "{reference}");
        assert_eq!(read.provider_reference, booked.provider_reference);
        assert_eq!(read.total, Some(topup.cost));
        assert_eq!(read.lines[0].offering_code, topup.code);
    }
    // The eSIM and its code do not change (§12.2).
    let delivery = t
        .activation_codes(&booked.provider_reference)
        .await
        .unwrap();
    assert_eq!(delivery.esims, placed.esims);

    // No cancel (§3 step 10, §15.13): unsupported, pointing at ITT support; nothing sent.
    sandbox.admin().clear_requests();
    for target in [
        CancelTarget::Order {
            provider_reference: draft.clone(),
        },
        CancelTarget::Esim { esim: esim.clone() },
    ] {
        let err = t.cancel(&target).await.unwrap_err();
        assert_code(&err, "unsupported", &sandbox);
        assert!(err.to_string().contains("ITT support"), "{err}");
    }
    // No balance operation is published.
    assert_code(&t.balance().await.unwrap_err(), "unsupported", &sandbox);
    assert!(!t.capabilities().balance);
    assert!(!t.capabilities().cancel_order);
    assert!(log(&sandbox).is_empty());

    // Compatible devices (§10).
    let devices = t.compatible_devices().await.unwrap();
    assert!(!devices.is_empty());
    assert!(
        devices
            .iter()
            .any(|d| d.brand == "Apple" && d.os.as_deref() == Some("ios")),
        "{devices:?}"
    );
    assert!(devices.iter().all(|d| !d.model.is_empty()));
    assert_both_headers(&sandbox);

    // A business refusal on a read (200 with `status: "failed"`, §14): an eSIM past its
    // validity cannot be topped up. Typed from its reason, never a success.
    sandbox
        .admin()
        .advance_clock(Duration::from_secs(800 * 86_400));
    sandbox.admin().clear_requests();
    let err = t
        .top_up_offerings(&esim, &CatalogueQuery::all())
        .await
        .unwrap_err();
    // §14 lists an expired ICCID with "not found"; the adapter reads the reason so.
    assert_code(&err, "not_found", &sandbox);
    assert!(err.to_string().contains("expired"), "{err}");
    let requests = log(&sandbox);
    assert_eq!(ops(&requests), ["topup-packages"]);
    assert_eq!(requests[0].status, Some(200));
    sandbox.shutdown().await;
}

// --------------------------------------------------------------------------------------- errors

#[tokio::test]
async fn errors_map_to_typed_errors() {
    let sandbox = sandbox().await;
    let t = adapter(&sandbox);
    let offering = cheapest(&t).await;
    let (draft, placed) = buy(&t, &offering, "desk-7").await;
    let esim = placed.esims[0].handle();

    // 400: a real one (create-booking with an address that is not an e-mail, §7): a refusal,
    // nothing booked.
    let request = sale(&offering, "desk-7b");
    let draft2 = t.validate_order(&request).await.unwrap().draft.unwrap();
    let mut bad = with_draft(&request, &draft2);
    bad.customer.as_mut().unwrap().email = Some("not-an-email".into());
    let err = t.place_order(&bad).await.unwrap_err();
    assert_code(&err, "invalid_request", &sandbox);
    assert!(err.to_string().contains("email_address"), "{err}");
    assert_eq!(sandbox.admin().itt().bookings().len(), 1);

    // 404: an ICCID not on this booking (§14).
    let stranger = EsimHandle {
        iccid: Iccid::parse(&luhn("893000000000099999")).unwrap(),
        provider_ref: Some(draft.clone()),
    };
    assert_code(
        &t.usage(&stranger).await.unwrap_err(),
        "not_found",
        &sandbox,
    );
    // An eSIM without its tracking id cannot be addressed at all: nothing sent.
    sandbox.admin().clear_requests();
    let bare = EsimHandle::iccid(esim.iccid.clone());
    assert_code(
        &t.usage(&bare).await.unwrap_err(),
        "invalid_request",
        &sandbox,
    );
    assert!(log(&sandbox).is_empty());

    // 401 from the fault injector on any call: credentials refused.
    let details = op(&sandbox, "booking-details");
    sandbox
        .admin()
        .add_fault(FaultSpec::status(401).on("POST", &details).times(1))
        .unwrap();
    assert_code(
        &t.order_status(&draft).await.unwrap_err(),
        "unauthorised",
        &sandbox,
    );
    // 400 on a read.
    sandbox
        .admin()
        .add_fault(FaultSpec::status(400).on("POST", &details).times(1))
        .unwrap();
    assert_code(
        &t.order_status(&draft).await.unwrap_err(),
        "invalid_request",
        &sandbox,
    );

    // 503 on a read: retried, then OK.
    sandbox
        .admin()
        .add_fault(
            FaultSpec {
                retry_after: Some(0),
                ..FaultSpec::status(503)
            }
            .on("POST", &details)
            .times(1),
        )
        .unwrap();
    sandbox.admin().clear_requests();
    assert_eq!(
        t.order_status(&draft).await.unwrap().status,
        OrderStatus::Completed
    );
    let statuses: Vec<Option<u16>> = log(&sandbox).iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Some(503), Some(200)]);

    // 500 on a read: typed unavailable (transient). The adapter retries 502/503/504 only
    // (`retry_server_errors: false`); itt.md §14 asks for no retry of a 500 either way.
    let id = sandbox
        .admin()
        .add_fault(FaultSpec::status(500).on("POST", &details))
        .unwrap();
    let err = t.order_status(&draft).await.unwrap_err();
    assert_code(&err, "unavailable", &sandbox);
    assert!(err.is_transient());
    assert_eq!(fired(&sandbox, id), 1, "a 500 is not retried");
    sandbox.admin().clear_faults();

    // 500 (or 503) on create-booking: sent once, outcome unknown; the read then settles it
    // (the fault answered without booking: a draft).
    for status in [500, 503] {
        sandbox
            .admin()
            .add_fault(
                FaultSpec {
                    retry_after: Some(0),
                    ..FaultSpec::status(status)
                }
                .on("POST", &op(&sandbox, "create-booking"))
                .times(1),
            )
            .unwrap();
        sandbox.admin().clear_requests();
        let purchase = with_draft(&request, &draft2);
        let err = t.place_order(&purchase).await.unwrap_err();
        assert_code(&err, "outcome_unknown", &sandbox);
        assert_eq!(ops(&log(&sandbox)), ["create-booking"], "{status}");
        assert_eq!(
            t.order_status(&draft2).await.unwrap().status,
            OrderStatus::Draft
        );
    }
    assert_eq!(sandbox.admin().itt().bookings().len(), 1);

    // A booking answered with broken JSON: it was made, and the adapter does not claim to
    // know; the read then finds it.
    sandbox
        .admin()
        .add_fault(
            FaultSpec::new(FaultKind::MalformedJson)
                .on("POST", &op(&sandbox, "create-booking"))
                .times(1),
        )
        .unwrap();
    sandbox.admin().clear_requests();
    let err = t
        .place_order(&with_draft(&request, &draft2))
        .await
        .unwrap_err();
    assert_code(&err, "outcome_unknown", &sandbox);
    assert_eq!(ops(&log(&sandbox)), ["create-booking"]);
    assert_eq!(sandbox.admin().itt().bookings().len(), 2);
    assert_eq!(
        t.order_status(&draft2).await.unwrap().status,
        OrderStatus::Completed
    );

    // Malformed JSON on reads: typed malformed, not retried.
    for (name, call) in [
        ("booking-details", "order"),
        ("search", "catalogue"),
        ("data-usage", "usage"),
    ] {
        let id = sandbox
            .admin()
            .add_fault(
                FaultSpec::new(FaultKind::MalformedJson)
                    .on("POST", &op(&sandbox, name))
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
        assert_code(&err, "malformed_reply", &sandbox);
        assert!(!err.is_transient());
        assert_eq!(fired(&sandbox, id), 1, "{call}: not retried");
        sandbox.admin().clear_faults();
    }

    // Every request of this test carried both headers (the faults answered before the check
    // only for their own status codes, never 401 from a missing header).
    let refused: Vec<_> = log(&sandbox)
        .into_iter()
        .filter(|r| r.status == Some(401))
        .collect();
    assert!(refused.is_empty(), "{refused:?}");
    sandbox.shutdown().await;
}
