//! A provider that prepares eSIMs asynchronously (Telness's simulator on loopback, keys in
//! memory): the sale waits for it up to the desk's deadline, then leaves the order provisioning;
//! the running desk's follow-up completes it and names the eSIM that became ready, and nothing is
//! ever ordered twice.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use esimdesk_app::accounts::{self, NewAccount};
use esimdesk_app::checkout::{self, CheckoutInput, CheckoutStep};
use esimdesk_app::{CustomerView, Desk, EphemeralSecrets, OrderState, catalogue, reconcile};
use esimdesk_core::ProviderKind;
use esimdesk_sandbox::{SandboxConfig, TelnessConfig, TelnessOutcome};
use esimdesk_store::{SearchQuery, Store};
use secrecy::SecretString;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sale_still_being_prepared_is_followed_up_until_its_esim_is_ready() {
    let sandbox = esimdesk_sandbox::start(SandboxConfig {
        telness: TelnessConfig {
            processing_after: Duration::ZERO,
            completion_delay: Duration::ZERO,
            outcome: TelnessOutcome::StayProcessing,
            ..TelnessConfig::default()
        },
        ..SandboxConfig::for_tests()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(&dir.path().join("desk.sqlite3")).unwrap());
    let desk = Desk::new(store, Arc::new(EphemeralSecrets::new()), "tester");
    accounts::add_account(
        &desk,
        NewAccount {
            provider: ProviderKind::Telness,
            id: Some("tn".into()),
            label: None,
            base_url: Some(sandbox.telness_base_url()),
            key: SecretString::from(sandbox.telness_api_key().to_owned()),
        },
    )
    .await
    .unwrap();
    catalogue::sync_all(&desk, &|_| {}).await.unwrap();
    let hit = catalogue::search(&desk, &SearchQuery::destination("spain"))
        .unwrap()
        .into_iter()
        .next()
        .expect("a Telness package for Spain");

    // The desk waits a moment (the sandbox's clock is frozen: the order stays PROCESSING).
    desk.set_provisioning_deadline(Duration::from_millis(1500));
    let steps = Mutex::new(Vec::new());
    let outcome = checkout::checkout(
        &desk,
        CheckoutInput {
            account_id: hit.account_id.clone(),
            offering_code: hit.offering.code.clone(),
            quantity: 1,
            customer: Some(CustomerView {
                name: "Ana García".into(),
                email: Some("ana@example.com".into()),
                ..CustomerView::default()
            }),
            payment_reference: Some("card-1".into()),
            client_reference: Some("tn-async-1".into()),
            dry_run_id: None,
            language: None,
        },
        &|s| steps.lock().unwrap().push(s),
    )
    .await
    .unwrap();
    assert_eq!(outcome.order.order.state, OrderState::Provisioning);
    assert!(steps.lock().unwrap().contains(&CheckoutStep::Provisioning));
    let order_id = outcome.order.order.provider_reference.clone().unwrap();

    // Still preparing: the follow-up reads it and leaves it.
    assert!(reconcile::follow_up(&desk).await.unwrap().is_empty());

    sandbox
        .admin()
        .telness()
        .set_order_outcome(&order_id, TelnessOutcome::Complete)
        .unwrap();
    sandbox.admin().advance_clock(Duration::from_secs(10));
    let settled = reconcile::follow_up(&desk).await.unwrap();
    assert_eq!(settled.len(), 1, "{settled:?}");
    assert_eq!(settled[0].client_reference, "tn-async-1");
    assert_eq!(settled[0].after, OrderState::Completed);
    let iccid = settled[0]
        .ready_iccid
        .clone()
        .expect("the eSIM that is ready");
    assert!(iccid.starts_with("8946"));
    assert!(
        esimdesk_app::esims::esim_detail(&desk, &iccid)
            .unwrap()
            .code
            .is_some()
    );
    // One order at the provider, one submit: waiting and following up only read.
    assert_eq!(sandbox.admin().telness().orders().len(), 1);
    let submits = sandbox
        .admin()
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/submit"))
        .count();
    assert_eq!(submits, 1);
    assert!(reconcile::follow_up(&desk).await.unwrap().is_empty());
}
