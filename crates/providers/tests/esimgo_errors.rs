//! Every typed error the eSIM Go adapter can return, provoked against the eSIM Go simulator
//! (`esimdesk-sandbox`) on 127.0.0.1 and asserted by its stable [`ProviderError::code`].
//!
//! For each: where money could move, what the simulator bought (`order_references()`) is
//! checked; and no error's text (`Display` or `Debug`) ever holds the API key.
//!
//! A purchase reply dropped after the commit (`outcome_unknown`, reconciled and not resent) is
//! in `esimgo_contract.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use esimdesk_core::{Country, DataAllowance, Iccid, Money, Offering};
use esimdesk_providers::esimgo::{EsimGo, EsimGoConfig};
use esimdesk_providers::{
    CancelTarget, CatalogueQuery, EsimHandle, HttpSettings, OrderLookup, OrderRequest, Provider,
    ProviderError, RequestLine,
};
use esimdesk_sandbox::{FaultKind, FaultSpec, RunningSandbox, SandboxConfig};
use secrecy::SecretString;
use url::Url;

/// The key the test simulator accepts (and that must never show in an error).
fn key(sandbox: &RunningSandbox) -> String {
    sandbox.esimgo_api_key().to_owned()
}

async fn sandbox() -> RunningSandbox {
    esimdesk_sandbox::start(SandboxConfig::for_tests())
        .await
        .unwrap()
}

fn config(base: &str, key: &str) -> EsimGoConfig {
    let mut config = EsimGoConfig::with_base_url(
        Url::parse(base).unwrap(),
        SecretString::from(key.to_owned()),
    );
    config.http = HttpSettings {
        default_retry_after: Duration::from_millis(20),
        ..config.http
    };
    config
}

/// The adapter with its documented settings (3 retries on reads) and short retry waits.
fn adapter(sandbox: &RunningSandbox) -> EsimGo {
    EsimGo::new(config(&sandbox.esimgo_base_url(), sandbox.esimgo_api_key())).unwrap()
}

/// Asserts the code, and that neither text of the error holds `key`.
#[track_caller]
fn assert_code(err: &ProviderError, code: &str, key: &str) {
    assert_eq!(err.code(), code, "{err} / {err:?}");
    assert!(!err.to_string().contains(key), "key in Display: {err}");
    assert!(!format!("{err:?}").contains(key), "key in Debug: {err:?}");
}

/// The cheapest limited offering covering `country`.
async fn cheapest(go: &EsimGo, country: &str) -> Offering {
    let query = CatalogueQuery::country(Country::parse(country).unwrap());
    go.catalogue(&query, &|_| {})
        .await
        .unwrap()
        .offerings
        .into_iter()
        .filter(|o| matches!(o.data, DataAllowance::Limited { .. }))
        .min_by_key(|o| o.cost.minor())
        .expect("an offering")
}

fn order_for(offering: &Offering, reference: &str, quantity: u32) -> OrderRequest {
    let cost = offering.cost;
    OrderRequest {
        client_reference: reference.into(),
        lines: vec![RequestLine {
            offering_code: offering.code.clone(),
            quantity,
        }],
        quoted_total: Money::from_minor(cost.minor() * i64::from(quantity.max(1)), cost.currency()),
        customer: None,
        payment_reference: None,
        sale_country: None,
        draft: None,
        push_to_iphone: None,
    }
}

/// A valid ICCID (Luhn) that the simulated organisation does not have.
fn foreign_iccid() -> Iccid {
    Iccid::from_body("894400000000999999").unwrap()
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

/// A fault for the purchase only: its dry run is the same `POST /v2.4/orders` with
/// `"type": "validate"`, which passes, so the transaction is what meets the fault. Fires once.
fn on_the_transaction(spec: FaultSpec) -> FaultSpec {
    spec.on("POST", "/v2.4/orders")
        .order_type("transaction")
        .times(1)
}

// ------------------------------------------------------------------------------------- refusals

#[tokio::test]
async fn a_wrong_key_is_unauthorised() {
    let sandbox = sandbox().await;
    let stranger = EsimGo::new(config(&sandbox.esimgo_base_url(), "not-the-key-9999")).unwrap();
    let err = stranger.balance().await.unwrap_err();
    assert_code(&err, "unauthorised", "not-the-key-9999");
    // Not only `GET /organisation` (where a 403 can only be the key): any call.
    let err = stranger
        .catalogue_page(&CatalogueQuery::all(), None)
        .await
        .unwrap_err();
    assert_code(&err, "unauthorised", "not-the-key-9999");
    let err = stranger
        .order_status("00000000-0000-0000-0000-000000000000")
        .await
        .unwrap_err();
    assert_code(&err, "unauthorised", "not-the-key-9999");
    assert!(sandbox.admin().order_references().is_empty());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_esim_of_another_organisation_is_forbidden() {
    let sandbox = sandbox().await;
    let go = adapter(&sandbox);
    let key = key(&sandbox);
    let esim = EsimHandle::iccid(foreign_iccid());
    // The simulator answers 403 "eSIM not accessible" for an ICCID it does not hold.
    let err = go.usage(&esim).await.unwrap_err();
    assert_code(&err, "forbidden", &key);
    assert!(err.to_string().contains("eSIM not accessible"), "{err}");
    let offering = cheapest(&go, "NL").await;
    let err = go.check_top_up(&esim, &offering.code).await.unwrap_err();
    assert_code(&err, "forbidden", &key);
    let err = go
        .place_top_up(&esimdesk_providers::TopUpRequest {
            client_reference: "desk-forbidden".into(),
            esim: esim.clone(),
            offering_code: offering.code.clone(),
            quoted_total: offering.cost,
            payment_reference: None,
            draft: None,
            sale_country: None,
        })
        .await
        .unwrap_err();
    assert_code(&err, "forbidden", &key);
    assert!(sandbox.admin().order_references().is_empty());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn unknown_things_are_not_found() {
    let sandbox = sandbox().await;
    let go = adapter(&sandbox);
    let key = key(&sandbox);
    // eSIM Go says "Bundle not found" / "Order not found" with a 400.
    assert_code(
        &go.offering("esim_NOPE").await.unwrap_err(),
        "not_found",
        &key,
    );
    let unknown = "00000000-0000-0000-0000-000000000000";
    assert_code(
        &go.order_status(unknown).await.unwrap_err(),
        "not_found",
        &key,
    );
    assert_code(
        &go.activation_codes(unknown).await.unwrap_err(),
        "not_found",
        &key,
    );
    // A bundle the eSIM does not carry.
    let offering = cheapest(&go, "NL").await;
    let placed = go
        .place_order(&order_for(&offering, "desk-nf", 1))
        .await
        .unwrap();
    let usage = go.usage(&placed.esims[0].handle()).await.unwrap();
    let err = go
        .cancel(&CancelTarget::Package {
            esim: placed.esims[0].handle(),
            offering_code: "esim_NOPE".into(),
            assignment_id: usage.packages[0].assignment_id.clone().unwrap(),
        })
        .await
        .unwrap_err();
    assert_code(&err, "not_found", &key);
    // Buying an unknown bundle is refused by eSIM Go; nothing is bought.
    let mut request = order_for(&offering, "desk-nf-2", 1);
    request.lines[0].offering_code = "esim_NOPE".into();
    assert_code(
        &go.place_order(&request).await.unwrap_err(),
        "not_found",
        &key,
    );
    assert_eq!(sandbox.admin().order_references().len(), 1, "only desk-nf");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn refused_requests_are_invalid() {
    let sandbox = sandbox().await;
    let go = adapter(&sandbox);
    let key = key(&sandbox);
    let offering = cheapest(&go, "NL").await;

    // The desk orders 1 to 5 eSIMs a line (esimgo.md §6.1): more is refused before sending.
    sandbox.admin().clear_requests();
    let too_many = order_for(&offering, "desk-inv", 6);
    let err = go.validate_order(&too_many).await.unwrap_err();
    assert_code(&err, "invalid_request", &key);
    assert!(err.to_string().contains("quantity"), "{err}");
    let err = go.place_order(&too_many).await.unwrap_err();
    assert_code(&err, "invalid_request", &key);
    assert!(sandbox.admin().requests().is_empty(), "nothing sent");
    assert!(sandbox.admin().order_references().is_empty());

    // Revoking the same package twice: 400 "Bundle cannot be revoked: it is revoked".
    let placed = go
        .place_order(&order_for(&offering, "desk-inv-2", 1))
        .await
        .unwrap();
    let esim = placed.esims[0].handle();
    let usage = go.usage(&esim).await.unwrap();
    let package = &usage.packages[0];
    let target = CancelTarget::Package {
        esim: esim.clone(),
        offering_code: package.package.offering_code.clone(),
        assignment_id: package.assignment_id.clone().unwrap(),
    };
    go.cancel(&target).await.unwrap();
    let err = go.cancel(&target).await.unwrap_err();
    assert_code(&err, "invalid_request", &key);
    assert!(err.to_string().contains("revoked"), "{err}");

    // Refused by the adapter before anything is sent.
    let mut empty = order_for(&offering, "desk-inv-3", 1);
    empty.lines.clear();
    assert_code(
        &go.place_order(&empty).await.unwrap_err(),
        "invalid_request",
        &key,
    );
    let err = go
        .catalogue_page(
            &CatalogueQuery::all(),
            Some(&esimdesk_providers::PageToken("next-please".into())),
        )
        .await
        .unwrap_err();
    assert_code(&err, "invalid_request", &key);
    assert_eq!(
        sandbox.admin().order_references().len(),
        1,
        "only desk-inv-2"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_low_balance_buys_nothing() {
    let sandbox = sandbox().await;
    let go = adapter(&sandbox);
    let key = key(&sandbox);
    let offering = cheapest(&go, "NL").await;

    // The dry run says `valid: false`; the balance below the total names the reason. The
    // purchase itself gets 400 "Insufficient balance".
    sandbox.admin().set_balance_cents(0);
    let request = order_for(&offering, "desk-bal", 1);
    let err = go.validate_order(&request).await.unwrap_err();
    assert_code(&err, "insufficient_balance", &key);
    let err = go.place_order(&request).await.unwrap_err();
    assert_code(&err, "insufficient_balance", &key);
    assert!(sandbox.admin().order_references().is_empty());

    // Enough balance, yet the transaction gets a 400 "Insufficient balance" (as when the
    // balance dropped after the app's dry run).
    sandbox.admin().set_balance_cents(100_000);
    sandbox
        .admin()
        .add_fault(on_the_transaction(FaultSpec {
            message: Some("Insufficient balance".to_owned()),
            ..FaultSpec::status(400)
        }))
        .unwrap();
    let err = go.place_order(&request).await.unwrap_err();
    assert_code(&err, "insufficient_balance", &key);
    assert!(
        sandbox.admin().faults().is_empty(),
        "the transaction was sent"
    );
    assert!(sandbox.admin().order_references().is_empty());
    assert_eq!(sandbox.admin().balance_cents(), 100_000);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn what_esim_go_cannot_do_is_unsupported() {
    let sandbox = sandbox().await;
    let go = adapter(&sandbox);
    let key = key(&sandbox);
    let err = go
        .cancel(&CancelTarget::Order {
            provider_reference: "00000000-0000-0000-0000-000000000000".into(),
        })
        .await
        .unwrap_err();
    assert_code(&err, "unsupported", &key);
    let err = go
        .cancel(&CancelTarget::Esim {
            esim: EsimHandle::iccid(foreign_iccid()),
        })
        .await
        .unwrap_err();
    assert_code(&err, "unsupported", &key);
    sandbox.shutdown().await;
}

#[test]
fn a_plain_http_base_url_off_this_machine_is_a_configuration_error() {
    let err = EsimGo::new(config(
        "http://api.esim-go.example/v2.4",
        "sandbox-esimgo-key-0001",
    ))
    .unwrap_err();
    assert_code(&err, "configuration", "sandbox-esimgo-key-0001");
}

// ------------------------------------------------------------------- rate limits, busy, timeouts

#[tokio::test]
async fn reads_rate_limited_past_their_retries_are_rate_limited() {
    let sandbox = sandbox().await;
    let go = adapter(&sandbox);
    let key = key(&sandbox);
    // Every attempt refused: the first try and 3 retries, then the error.
    let id = sandbox
        .admin()
        .add_fault(
            FaultSpec {
                retry_after: Some(0),
                ..FaultSpec::status(429)
            }
            .on("GET", "/v2.4/organisation"),
        )
        .unwrap();
    let err = go.balance().await.unwrap_err();
    assert_code(&err, "rate_limited", &key);
    assert_eq!(fired(&sandbox, id), 4, "one try and three retries");
    sandbox.admin().clear_faults();

    // A wait longer than the adapter will sit through is not waited for: it is in the error.
    let id = sandbox
        .admin()
        .add_fault(
            FaultSpec {
                retry_after: Some(120),
                ..FaultSpec::status(429)
            }
            .on("GET", "/v2.4/catalogue"),
        )
        .unwrap();
    let err = go
        .catalogue_page(&CatalogueQuery::all(), None)
        .await
        .unwrap_err();
    assert_code(&err, "rate_limited", &key);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(fired(&sandbox, id), 1, "not retried");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_rate_limited_purchase_is_not_repeated() {
    let sandbox = sandbox().await;
    let go = adapter(&sandbox);
    let key = key(&sandbox);
    let offering = cheapest(&go, "NL").await;
    // One 429 for the transaction: a resent transaction would get through and buy.
    sandbox
        .admin()
        .add_fault(on_the_transaction(FaultSpec {
            retry_after: Some(0),
            ..FaultSpec::status(429)
        }))
        .unwrap();
    let err = go
        .place_order(&order_for(&offering, "desk-429", 1))
        .await
        .unwrap_err();
    // Refused before processing: nothing was bought, and the adapter says so.
    assert_code(&err, "rate_limited", &key);
    assert!(sandbox.admin().order_references().is_empty());
    assert!(sandbox.admin().faults().is_empty(), "the 429 was used");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn busy_replies_past_the_retries_are_unavailable() {
    let sandbox = sandbox().await;
    let go = adapter(&sandbox);
    let key = key(&sandbox);
    let offering = cheapest(&go, "NL").await;
    let placed = go
        .place_order(&order_for(&offering, "desk-busy", 1))
        .await
        .unwrap();
    let id = sandbox
        .admin()
        .add_fault(
            FaultSpec {
                retry_after: Some(0),
                ..FaultSpec::status(503)
            }
            .on("GET", "/v2.4/orders"),
        )
        .unwrap();
    let err = go
        .order_status(&placed.provider_reference)
        .await
        .unwrap_err();
    assert_code(&err, "unavailable", &key);
    assert!(err.is_transient());
    assert_eq!(fired(&sandbox, id), 4, "one try and three retries");
    sandbox.admin().clear_faults();

    // A 500 is not retried (it is not a "busy" reply) and is still unavailable.
    let id = sandbox
        .admin()
        .add_fault(FaultSpec::status(500).on("GET", "/v2.4/esims"))
        .unwrap();
    let err = go.usage(&placed.esims[0].handle()).await.unwrap_err();
    assert_code(&err, "unavailable", &key);
    assert_eq!(fired(&sandbox, id), 1);
    sandbox.admin().clear_faults();

    // 503 on every `POST /orders`: the dry run is retried like a read, then unavailable.
    let id = sandbox
        .admin()
        .add_fault(
            FaultSpec {
                retry_after: Some(0),
                ..FaultSpec::status(503)
            }
            .on("POST", "/v2.4/orders"),
        )
        .unwrap();
    let err = go
        .validate_order(&order_for(&offering, "desk-busy-2", 1))
        .await
        .unwrap_err();
    assert_code(&err, "unavailable", &key);
    assert_eq!(fired(&sandbox, id), 4, "one try and three retries");
    assert_eq!(
        sandbox.admin().order_references().len(),
        1,
        "only desk-busy"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_transaction_answered_by_a_server_error_is_outcome_unknown() {
    // The adapter's rule (esimgo/errors.rs): a purchase answered by 408 or a 5xx ("503 =
    // still processing") may have been carried out, so it is `outcome_unknown`, never
    // `unavailable`, and never resent. Here the simulator refused before handling, so
    // reconciliation finds nothing.
    let sandbox = sandbox().await;
    let go = adapter(&sandbox);
    let key = key(&sandbox);
    let offering = cheapest(&go, "NL").await;
    for (status, reference) in [(503, "desk-503"), (500, "desk-500")] {
        let request = order_for(&offering, reference, 1);
        let sent_at = time::OffsetDateTime::now_utc();
        sandbox
            .admin()
            .add_fault(on_the_transaction(FaultSpec {
                retry_after: Some(0),
                ..FaultSpec::status(status)
            }))
            .unwrap();
        let err = go.place_order(&request).await.unwrap_err();
        assert_code(&err, "outcome_unknown", &key);
        assert!(!err.is_transient());
        assert!(sandbox.admin().faults().is_empty(), "the {status} was used");
        // Not resent: a second transaction would have met no fault and bought.
        assert!(sandbox.admin().order_references().is_empty(), "{status}");
        let found = go
            .find_order(&OrderLookup::for_order(&request, sent_at))
            .await
            .unwrap();
        assert!(found.is_empty(), "{found:?}");
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_transaction_whose_connection_closes_unanswered_is_outcome_unknown() {
    // The request was written; the adapter cannot know it was not handled.
    let sandbox = sandbox().await;
    let go = adapter(&sandbox);
    let key = key(&sandbox);
    let offering = cheapest(&go, "NL").await;
    sandbox
        .admin()
        .add_fault(on_the_transaction(FaultSpec::new(FaultKind::Drop)))
        .unwrap();
    let err = go
        .place_order(&order_for(&offering, "desk-drop", 1))
        .await
        .unwrap_err();
    assert_code(&err, "outcome_unknown", &key);
    assert!(sandbox.admin().faults().is_empty(), "the drop was used");
    assert!(sandbox.admin().order_references().is_empty(), "not resent");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_transaction_with_an_unreadable_reply_is_outcome_unknown_and_found_again() {
    // The simulator buys, then sends half the JSON: bought once, reply unreadable.
    let sandbox = sandbox().await;
    let go = adapter(&sandbox);
    let key = key(&sandbox);
    let offering = cheapest(&go, "NL").await;
    let request = order_for(&offering, "desk-garbled", 1);
    let sent_at = time::OffsetDateTime::now_utc();
    sandbox
        .admin()
        .add_fault(on_the_transaction(FaultSpec::new(FaultKind::MalformedJson)))
        .unwrap();
    let err = go.place_order(&request).await.unwrap_err();
    assert_code(&err, "outcome_unknown", &key);
    assert!(
        sandbox.admin().faults().is_empty(),
        "the transaction met the fault"
    );
    let references = sandbox.admin().order_references();
    assert_eq!(references.len(), 1, "bought exactly once");
    let found = go
        .find_order(&OrderLookup::for_order(&request, sent_at))
        .await
        .unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].order.provider_reference, references[0]);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_read_slower_than_the_timeout_times_out() {
    let sandbox = sandbox().await;
    let key = key(&sandbox);
    let mut cfg = config(&sandbox.esimgo_base_url(), &key);
    cfg.http.timeout = Duration::from_millis(200);
    cfg.http.max_retries = 1;
    let go = EsimGo::new(cfg).unwrap();
    // Far above the timeout, on every attempt.
    let id = sandbox
        .admin()
        .add_fault(FaultSpec::latency(30_000).on("GET", "/v2.4/organisation"))
        .unwrap();
    let err = go.balance().await.unwrap_err();
    assert_code(&err, "timeout", &key);
    assert!(err.is_transient());
    assert_eq!(fired(&sandbox, id), 2, "one try and one retry");
    assert!(sandbox.admin().order_references().is_empty());
    // No graceful shutdown: it would wait for the simulator's held requests. The runtime
    // ends with the test and takes the server with it.
    sandbox.admin().clear_faults();
    drop(sandbox);
}

// ---------------------------------------------------------------------- unreadable, unreachable

#[tokio::test]
async fn a_read_with_broken_json_is_a_malformed_reply() {
    let sandbox = sandbox().await;
    let go = adapter(&sandbox);
    let key = key(&sandbox);
    let id = sandbox
        .admin()
        .add_fault(FaultSpec::new(FaultKind::MalformedJson).on("GET", "/v2.4/organisation"))
        .unwrap();
    let err = go.balance().await.unwrap_err();
    assert_code(&err, "malformed_reply", &key);
    assert_eq!(fired(&sandbox, id), 1, "a broken reply is not retried");
    sandbox.admin().clear_faults();

    // The catalogue (the currency is read first, unharmed).
    sandbox
        .admin()
        .add_fault(FaultSpec::new(FaultKind::MalformedJson).on("GET", "/v2.4/catalogue"))
        .unwrap();
    let err = go
        .catalogue_page(&CatalogueQuery::all(), None)
        .await
        .unwrap_err();
    assert_code(&err, "malformed_reply", &key);
    sandbox.admin().clear_faults();

    // A dry run with a broken reply: nothing is bought.
    let offering = cheapest(&go, "NL").await;
    sandbox
        .admin()
        .add_fault(
            FaultSpec::new(FaultKind::MalformedJson)
                .on("POST", "/v2.4/orders")
                .order_type("validate")
                .times(1),
        )
        .unwrap();
    let err = go
        .validate_order(&order_for(&offering, "desk-malformed", 1))
        .await
        .unwrap_err();
    assert_code(&err, "malformed_reply", &key);
    assert!(sandbox.admin().faults().is_empty(), "the dry run met it");
    assert!(sandbox.admin().order_references().is_empty());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_closed_port_is_a_network_error_and_buys_nothing() {
    // A port that was just free and now has no listener: connections are refused.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let key = "sandbox-esimgo-key-0001";
    let go = EsimGo::new(config(&format!("http://127.0.0.1:{port}/v2.4"), key)).unwrap();
    let err = go.balance().await.unwrap_err();
    assert_code(&err, "network", key);
    assert!(err.is_transient());
    let err = go
        .catalogue_page(&CatalogueQuery::all(), None)
        .await
        .unwrap_err();
    assert_code(&err, "network", key);
    let request = OrderRequest {
        client_reference: "desk-offline".into(),
        lines: vec![RequestLine {
            offering_code: "esim_1GB_7D_NL_V2".into(),
            quantity: 1,
        }],
        quoted_total: Money::from_minor(165, esimdesk_core::Currency::parse("USD").unwrap()),
        customer: None,
        payment_reference: None,
        sale_country: None,
        draft: None,
        push_to_iphone: None,
    };
    // Nothing could be sent, so nothing was bought: `network`, not `outcome_unknown`.
    let err = go.place_order(&request).await.unwrap_err();
    assert_code(&err, "network", key);
}

#[tokio::test]
async fn a_read_whose_connection_keeps_closing_is_a_network_error() {
    let sandbox = sandbox().await;
    let go = adapter(&sandbox);
    let key = key(&sandbox);
    let id = sandbox
        .admin()
        .add_fault(FaultSpec::new(FaultKind::Drop).on("GET", "/v2.4/organisation"))
        .unwrap();
    let err = go.balance().await.unwrap_err();
    assert_code(&err, "network", &key);
    assert_eq!(fired(&sandbox, id), 4, "one try and three retries");
    sandbox.shutdown().await;
}
