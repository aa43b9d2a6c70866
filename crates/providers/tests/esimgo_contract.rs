//! Contract tests: the eSIM Go adapter against the eSIM Go simulator (`esimdesk-sandbox`), both
//! written independently from `esimgo.md`. A real HTTP server on 127.0.0.1.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use esimdesk_core::{Country, DataAllowance, Money, Offering, PackageState};
use esimdesk_providers::esimgo::{CATALOGUE_PAGE_SIZE, EsimGo, EsimGoConfig};
use esimdesk_providers::{
    CancelTarget, CatalogueQuery, DeliverySource, HttpSettings, MatchBasis, OrderLookup,
    OrderRequest, OrderStatus, PageToken, Provider, RequestLine, TopUpCheck, TopUpRequest,
};
use esimdesk_sandbox::{FaultKind, FaultSpec, RequestRecord, RunningSandbox, SandboxConfig};
use secrecy::SecretString;
use url::Url;

async fn sandbox() -> RunningSandbox {
    esimdesk_sandbox::start(SandboxConfig::for_tests())
        .await
        .unwrap()
}

fn adapter_with_key(sandbox: &RunningSandbox, key: &str) -> EsimGo {
    adapter_tuned(sandbox, key, |_| {})
}

/// The adapter with its documented settings (10 requests/second, 3 retries), short retry waits,
/// and `tune` applied on top.
fn adapter_tuned(
    sandbox: &RunningSandbox,
    key: &str,
    tune: impl FnOnce(&mut HttpSettings),
) -> EsimGo {
    let mut config = EsimGoConfig::with_base_url(
        Url::parse(&sandbox.esimgo_base_url()).unwrap(),
        SecretString::from(key.to_owned()),
    );
    config.http = HttpSettings {
        default_retry_after: Duration::from_millis(20),
        ..config.http
    };
    tune(&mut config.http);
    EsimGo::new(config).unwrap()
}

fn adapter(sandbox: &RunningSandbox) -> EsimGo {
    adapter_with_key(sandbox, sandbox.esimgo_api_key())
}

/// `(method, path, order type)` of each request the simulator logged.
fn steps(log: &[RequestRecord]) -> Vec<(&str, &str, Option<&str>)> {
    log.iter()
        .map(|r| (r.method.as_str(), r.path.as_str(), r.order_type.as_deref()))
        .collect()
}

/// The cheapest limited offering covering `country`.
async fn cheapest(go: &EsimGo, country: &str) -> Offering {
    let query = CatalogueQuery::country(Country::parse(country).unwrap());
    let catalogue = go.catalogue(&query, &|_| {}).await.unwrap();
    catalogue
        .offerings
        .into_iter()
        .filter(|o| matches!(o.data, DataAllowance::Limited { .. }))
        .min_by_key(|o| o.cost.minor())
        .expect("an offering")
}

fn order_for(offering: &Offering, reference: &str, quote: Money) -> OrderRequest {
    OrderRequest {
        client_reference: reference.into(),
        lines: vec![RequestLine {
            offering_code: offering.code.clone(),
            quantity: 1,
        }],
        quoted_total: quote,
        customer: None,
        payment_reference: None,
        sale_country: None,
        draft: None,
        push_to_iphone: None,
    }
}

/// Bundles in the large simulated catalogue.
const BIG_CATALOGUE: usize = 10_000;

#[tokio::test]
async fn pages_through_a_10000_bundle_catalogue() {
    let sandbox = esimdesk_sandbox::start(SandboxConfig {
        catalogue_size: BIG_CATALOGUE,
        ..SandboxConfig::for_tests()
    })
    .await
    .unwrap();
    // The test simulator enforces no rate limit; without the adapter's own 10/s spacing the
    // 100 pages take a moment instead of 10 s (the spacing is covered by
    // `the_adapter_keeps_under_the_simulators_rate_limit`).
    let go = adapter_tuned(&sandbox, sandbox.esimgo_api_key(), |http| {
        http.rate_limit = None;
    });
    let expected_pages = u32::try_from(BIG_CATALOGUE)
        .unwrap()
        .div_ceil(CATALOGUE_PAGE_SIZE);
    assert!(expected_pages > 1);

    let first = go
        .catalogue_page(&CatalogueQuery::all(), None)
        .await
        .unwrap();
    assert_eq!(first.total_items, Some(BIG_CATALOGUE as u64));
    assert_eq!(first.page, 1);
    assert_eq!(first.page_count, Some(expected_pages));
    assert_eq!(first.offerings.len(), CATALOGUE_PAGE_SIZE as usize);
    assert_eq!(first.next, Some(PageToken("2".into())));
    let last = go
        .catalogue_page(
            &CatalogueQuery::all(),
            Some(&PageToken(expected_pages.to_string())),
        )
        .await
        .unwrap();
    assert_eq!(last.page, expected_pages);
    assert!(last.next.is_none(), "the last page offers no next page");

    let pages = Arc::new(AtomicU32::new(0));
    let seen = Arc::clone(&pages);
    let catalogue = go
        .catalogue(&CatalogueQuery::all(), &move |p| {
            seen.store(p.pages_done, Ordering::SeqCst);
        })
        .await
        .unwrap();
    assert!(catalogue.skipped.is_empty(), "{:?}", catalogue.skipped);
    assert_eq!(catalogue.pages, expected_pages);
    assert!(catalogue.pages > 1, "the catalogue spans pages");
    assert_eq!(pages.load(Ordering::SeqCst), catalogue.pages);
    // Every bundle exactly once: as many distinct codes as rows, and as rows as the API counts.
    let codes: HashSet<&str> = catalogue
        .offerings
        .iter()
        .map(|o| o.code.as_str())
        .collect();
    assert_eq!(catalogue.offerings.len(), BIG_CATALOGUE);
    assert_eq!(
        codes.len(),
        catalogue.offerings.len(),
        "a bundle came twice"
    );
    assert!(
        first
            .offerings
            .iter()
            .chain(last.offerings.iter())
            .all(|o| codes.contains(o.code.as_str()))
    );
    assert!(
        catalogue
            .offerings
            .iter()
            .any(|o| o.data == DataAllowance::Unlimited)
    );
    let one = go.offering(&catalogue.offerings[0].code).await.unwrap();
    assert_eq!(one.code, catalogue.offerings[0].code);
    assert_eq!(one.cost, catalogue.offerings[0].cost);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn walk_in_sale_end_to_end() {
    let sandbox = sandbox().await;
    let go = adapter(&sandbox);
    let before = go.balance().await.unwrap().available;
    let offering = cheapest(&go, "NL").await;

    let validated = go
        .validate_order(&order_for(&offering, "desk-1", offering.cost))
        .await
        .unwrap();
    assert_eq!(validated.total, offering.cost);

    let placed = go
        .place_order(&order_for(&offering, "desk-1", offering.cost))
        .await
        .unwrap();
    assert_eq!(placed.status, OrderStatus::Completed);
    assert_eq!(placed.total, Some(offering.cost));
    assert!(placed.notes.is_empty(), "{:?}", placed.notes);
    let esim = &placed.esims[0];
    let code = esim.activation_code.clone().expect("activation code");
    assert_eq!(code.smdp_address(), "smdp.example");

    let after = go.balance().await.unwrap().available;
    assert_eq!(after, before.checked_sub(offering.cost).unwrap());

    // The QR code ZIP gives the same eSIM and code.
    let delivery = go
        .activation_codes(&placed.provider_reference)
        .await
        .unwrap();
    assert_eq!(
        delivery.source,
        DeliverySource::QrBundle,
        "{:?}",
        delivery.notes
    );
    assert_eq!(delivery.esims.len(), 1);
    assert_eq!(delivery.esims[0].iccid, esim.iccid);
    assert_eq!(delivery.esims[0].activation_code.as_ref(), Some(&code));
    assert_eq!(delivery.qr_images.len(), 1);

    let status = go.order_status(&placed.provider_reference).await.unwrap();
    assert_eq!(status.status, OrderStatus::Completed);

    // The desk's reference went onto the eSIM, so reconciliation can be certain.
    let lookup = OrderLookup::for_order(
        &order_for(&offering, "desk-1", offering.cost),
        time::OffsetDateTime::now_utc(),
    );
    let found = go.find_order(&lookup).await.unwrap();
    assert_eq!(found[0].basis, MatchBasis::ClientReference);
    assert_eq!(found[0].order.provider_reference, placed.provider_reference);

    // Usage in bytes.
    let usage = go.usage(&esim.handle()).await.unwrap();
    let package = &usage.packages[0];
    assert_eq!(package.package.offering_code, offering.code);
    assert!(package.package.state.is_usable());
    assert_eq!(package.package.allowance, offering.data);
    sandbox
        .admin()
        .consume(esim.iccid.as_str(), 1_000_000)
        .unwrap();
    let usage = go.usage(&esim.handle()).await.unwrap();
    let package = &usage.packages[0];
    assert_eq!(package.package.state, PackageState::Active);
    let remaining = package.package.usage.unwrap().remaining.unwrap().bytes();
    assert_eq!(
        remaining,
        offering.data.limited_bytes().unwrap() - 1_000_000
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn place_order_sends_one_transaction_and_nothing_before_it() {
    let sandbox = sandbox().await;
    let go = adapter(&sandbox);
    let offering = cheapest(&go, "FR").await;
    sandbox.admin().clear_requests();
    // A quote below the provider's price: the adapter compares nothing (the app does).
    let low = Money::from_minor(offering.cost.minor() - 1, offering.cost.currency());
    let placed = go
        .place_order(&order_for(&offering, "desk-2", low))
        .await
        .unwrap();
    assert_eq!(placed.total, Some(offering.cost));
    let log = sandbox.admin().requests();
    assert_eq!(
        steps(&log),
        [
            ("POST", "/v2.4/orders", Some("transaction")),
            ("PUT", "/v2.4/esims", None),
        ]
    );
    assert!(log.iter().all(|r| r.status == Some(200)), "{log:?}");
    // The provider's record matches the reply, and the eSIM carries the desk's reference.
    let orders = sandbox.admin().orders();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].reference, placed.provider_reference);
    assert_eq!(orders[0].lines[0].item, offering.code);
    assert_eq!(orders[0].lines[0].quantity, 1);
    assert_eq!(
        orders[0].lines[0].esims[0].iccid,
        placed.esims[0].iccid.as_str()
    );
    assert_eq!(orders[0].lines[0].esims[0].customer_ref, "desk-2");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_lost_purchase_reply_is_reconciled_not_resent() {
    let sandbox = sandbox().await;
    let go = adapter(&sandbox);
    let offering = cheapest(&go, "NL").await;
    sandbox
        .admin()
        .add_fault(FaultSpec::new(FaultKind::DropAfterCommit).on("POST", "/v2.4/orders"))
        .unwrap();
    let request = order_for(&offering, "desk-3", offering.cost);
    let sent_at = time::OffsetDateTime::now_utc();
    let err = go.place_order(&request).await.unwrap_err();
    assert_eq!(err.code(), "outcome_unknown", "{err}");
    let references = sandbox.admin().order_references();
    assert_eq!(references.len(), 1, "bought exactly once");
    sandbox.admin().clear_faults();

    let found = go
        .find_order(&OrderLookup::for_order(&request, sent_at))
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].basis, MatchBasis::ContentsAndTime);
    assert_eq!(found[0].foreign_reference, None);
    assert_eq!(found[0].order.provider_reference, references[0]);
    assert!(found[0].order.created_at.is_some());
    // Claimed before adoption: the eSIM now carries the desk's reference.
    assert!(go.claim_order(&found[0].order, "desk-3").await.unwrap());
    let orders = sandbox.admin().orders();
    assert_eq!(orders[0].lines[0].esims[0].customer_ref, "desk-3");
    let found = go
        .find_order(&OrderLookup::for_order(&request, sent_at))
        .await
        .unwrap();
    assert_eq!(found[0].basis, MatchBasis::ClientReference);
    let delivery = go.activation_codes(&references[0]).await.unwrap();
    assert_eq!(delivery.esims.len(), 1);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn two_desks_sharing_a_key_never_adopt_the_same_order() {
    let sandbox = sandbox().await;
    let desk_a = adapter(&sandbox);
    let desk_b = adapter(&sandbox);
    let offering = cheapest(&desk_a, "NL").await;
    sandbox
        .admin()
        .add_fault(
            FaultSpec::new(FaultKind::DropAfterCommit)
                .on("POST", "/v2.4/orders")
                .times(1),
        )
        .unwrap();
    let sent_at = time::OffsetDateTime::now_utc();
    let request_a = order_for(&offering, "desk-A-1", offering.cost);
    let err = desk_a.place_order(&request_a).await.unwrap_err();
    assert_eq!(err.code(), "outcome_unknown", "{err}");
    assert!(sandbox.admin().faults().is_empty(), "the drop fired");

    // Desk B lost a reply for the same bundle at the same time: the same order matches its
    // contents and time, and B claims it first.
    let request_b = order_for(&offering, "desk-B-1", offering.cost);
    let found_b = desk_b
        .find_order(&OrderLookup::for_order(&request_b, sent_at))
        .await
        .unwrap();
    assert_eq!(found_b.len(), 1);
    assert_eq!(found_b[0].foreign_reference, None);
    assert!(
        desk_b
            .claim_order(&found_b[0].order, "desk-B-1")
            .await
            .unwrap()
    );

    // Desk A now sees the order as taken, and cannot claim it.
    let found_a = desk_a
        .find_order(&OrderLookup::for_order(&request_a, sent_at))
        .await
        .unwrap();
    assert_eq!(found_a.len(), 1);
    assert_eq!(found_a[0].basis, MatchBasis::ContentsAndTime);
    assert_eq!(found_a[0].foreign_reference.as_deref(), Some("desk-B-1"));
    assert!(
        !desk_a
            .claim_order(&found_a[0].order, "desk-A-1")
            .await
            .unwrap()
    );
    let orders = sandbox.admin().orders();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].lines[0].esims[0].customer_ref, "desk-B-1");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn find_order_reads_every_page_of_recent_orders() {
    let sandbox = sandbox().await;
    // No client-side spacing: this test makes some 130 calls.
    let go = adapter_tuned(&sandbox, sandbox.esimgo_api_key(), |http| {
        http.rate_limit = None;
    });
    let wanted = cheapest(&go, "NL").await;
    let other = cheapest(&go, "FR").await;
    assert_ne!(wanted.code, other.code);
    sandbox
        .admin()
        .add_fault(
            FaultSpec::new(FaultKind::DropAfterCommit)
                .on("POST", "/v2.4/orders")
                .times(1),
        )
        .unwrap();
    let sent_at = time::OffsetDateTime::now_utc();
    let request = order_for(&wanted, "desk-pages", wanted.cost);
    assert_eq!(
        go.place_order(&request).await.unwrap_err().code(),
        "outcome_unknown"
    );
    // Newer orders push the lost one (listed newest first) past the first page of 50.
    for i in 0..60 {
        go.place_order(&order_for(&other, &format!("desk-other-{i}"), other.cost))
            .await
            .unwrap();
    }
    sandbox.admin().clear_requests();
    let found = go
        .find_order(&OrderLookup::for_order(&request, sent_at))
        .await
        .unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        found[0].order.provider_reference,
        sandbox.admin().order_references()[0]
    );
    let pages: Vec<String> = sandbox
        .admin()
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path == "/v2.4/orders")
        .map(|r| r.query.clone())
        .collect();
    assert_eq!(pages.len(), 2, "{pages:?}");
    assert!(pages[1].contains("page=2"), "{pages:?}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn reads_ride_out_rate_limits_and_busy_replies() {
    let sandbox = sandbox().await;
    let go = adapter(&sandbox);
    sandbox
        .admin()
        .add_fault(
            FaultSpec {
                retry_after: Some(1),
                ..FaultSpec::status(429)
            }
            .on("GET", "/v2.4/organisation")
            .times(1),
        )
        .unwrap();
    sandbox
        .admin()
        .add_fault(
            FaultSpec {
                retry_after: Some(0),
                ..FaultSpec::status(503)
            }
            .on("GET", "/v2.4/catalogue")
            .times(2),
        )
        .unwrap();
    sandbox.admin().clear_requests();
    assert!(go.balance().await.is_ok());
    assert!(
        go.catalogue_page(&CatalogueQuery::all(), None)
            .await
            .is_ok()
    );
    // The faults did fire (each is gone once used up), and each refused call was tried again.
    assert!(sandbox.admin().faults().is_empty());
    let statuses: Vec<(String, Option<u16>)> = sandbox
        .admin()
        .requests()
        .iter()
        .map(|r| (r.path.clone(), r.status))
        .collect();
    let organisation = "/v2.4/organisation".to_owned();
    let catalogue = "/v2.4/catalogue".to_owned();
    assert_eq!(
        statuses,
        [
            (organisation.clone(), Some(429)),
            (organisation, Some(200)),
            (catalogue.clone(), Some(503)),
            (catalogue.clone(), Some(503)),
            (catalogue, Some(200)),
        ]
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_adapter_keeps_under_the_simulators_rate_limit() {
    let sandbox = esimdesk_sandbox::start(SandboxConfig {
        rate_limit_per_second: Some(10),
        ..SandboxConfig::for_tests()
    })
    .await
    .unwrap();
    let go = adapter(&sandbox);
    sandbox.admin().clear_requests();
    // 25 calls at most 10 a second: the simulator refuses none (a refused call would be
    // retried into success, so success alone proves nothing).
    for _ in 0..25 {
        go.balance().await.unwrap();
    }
    let log = sandbox.admin().requests();
    assert_eq!(
        log.len(),
        25,
        "one request per call: none refused and retried"
    );
    assert!(log.iter().all(|r| r.status == Some(200)), "{log:?}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn top_up_and_revoke() {
    let sandbox = sandbox().await;
    let go = adapter(&sandbox);
    let offering = cheapest(&go, "NL").await;
    let placed = go
        .place_order(&order_for(&offering, "desk-4", offering.cost))
        .await
        .unwrap();
    let esim = placed.esims[0].handle();
    let nl = Country::parse("NL").unwrap();
    let top_ups = go
        .top_up_offerings(&esim, &CatalogueQuery::country(nl))
        .await
        .unwrap();
    assert!(top_ups.iter().all(|o| o.covers(nl)));
    assert!(top_ups.iter().any(|o| o.code == offering.code));
    assert_eq!(
        go.check_top_up(&esim, &offering.code).await.unwrap(),
        TopUpCheck::Compatible
    );
    let request = TopUpRequest {
        client_reference: "desk-5".into(),
        esim: esim.clone(),
        offering_code: offering.code.clone(),
        quoted_total: offering.cost,
        payment_reference: None,
        draft: None,
        sale_country: None,
    };
    let validated = go.validate_top_up(&request).await.unwrap();
    assert_eq!(validated.total, offering.cost);
    sandbox.admin().clear_requests();
    let top_up = go.place_top_up(&request).await.unwrap();
    assert!(top_up.notes.is_empty(), "{:?}", top_up.notes);
    assert!(top_up.lines[0].iccids.contains(&esim.iccid));
    // Only the purchase: no compatibility check, no dry run, no reference written.
    assert_eq!(
        steps(&sandbox.admin().requests()),
        [("POST", "/v2.4/orders", Some("transaction"))]
    );
    let orders = sandbox.admin().orders();
    assert_eq!(orders[1].reference, top_up.provider_reference);
    assert_eq!(orders[1].lines[0].esims[0].iccid, esim.iccid.as_str());
    assert_eq!(orders[1].lines[0].esims[0].customer_ref, "desk-4");

    // Two unused assignments of the same bundle: revoke the newer one by its id, which the
    // by-name path (oldest unused first) would not pick.
    let usage = go.usage(&esim).await.unwrap();
    assert_eq!(usage.packages.len(), 2);
    assert!(
        usage
            .packages
            .iter()
            .all(|p| p.package.offering_code == offering.code)
    );
    let newest = usage
        .packages
        .iter()
        .max_by_key(|p| p.assignment_id.as_deref().unwrap().parse::<u64>().unwrap())
        .unwrap();
    let named = newest.assignment_id.clone().unwrap();
    let outcome = go
        .cancel(&CancelTarget::Package {
            esim: esim.clone(),
            offering_code: offering.code.clone(),
            assignment_id: named.clone(),
        })
        .await
        .unwrap();
    assert_eq!(outcome.refund, esimdesk_providers::Refund::ToInventory);
    let usage = go.usage(&esim).await.unwrap();
    for p in &usage.packages {
        let expected = if p.assignment_id.as_deref() == Some(named.as_str()) {
            PackageState::Revoked
        } else {
            PackageState::Queued
        };
        assert_eq!(p.package.state, expected, "{:?}", p.assignment_id);
    }
    let delete = sandbox
        .admin()
        .requests()
        .into_iter()
        .find(|r| r.method == "DELETE")
        .unwrap();
    assert_eq!(
        delete.path,
        format!(
            "/v2.4/esims/{}/bundles/{}/assignments/{named}",
            esim.iccid.as_str(),
            offering.code
        )
    );
    assert_eq!(delete.query, "type=transaction");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn refusals_are_typed() {
    let sandbox = sandbox().await;
    let go = adapter(&sandbox);
    let offering = cheapest(&go, "NL").await;

    assert_eq!(
        go.offering("esim_NOPE").await.unwrap_err().code(),
        "not_found"
    );
    assert_eq!(
        go.order_status("00000000-0000-0000-0000-000000000000")
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );

    sandbox.admin().set_balance_cents(0);
    let err = go
        .validate_order(&order_for(&offering, "desk-6", offering.cost))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "insufficient_balance", "{err}");
    let err = go
        .place_order(&order_for(&offering, "desk-6", offering.cost))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "insufficient_balance", "{err}");
    assert!(sandbox.admin().order_references().is_empty());

    let stranger = adapter_with_key(&sandbox, "not-the-key-9999");
    let err = stranger.balance().await.unwrap_err();
    assert_eq!(err.code(), "unauthorised", "{err}");
    let err = stranger
        .catalogue_page(&CatalogueQuery::all(), None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "unauthorised", "{err}");
    assert!(!format!("{err:?}").contains("not-the-key-9999"));
    sandbox.shutdown().await;
}
