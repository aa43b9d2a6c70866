//! The use cases against the eSIM Go sandbox on loopback, with keys in memory
//! ([`EphemeralSecrets`]) and a temporary database: status, eSIM detail, top-ups (and their
//! reconciliation after a lost reply), revoking a package, settings and markup.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use esimdesk_app::accounts::{self, NewAccount};
use esimdesk_app::checkout::{self, CheckoutInput, CheckoutStep};
use esimdesk_app::status::{self, KeychainState};
use esimdesk_app::top_up::{self, TopUpInput};
use esimdesk_app::{CustomerView, DeskSettings, MarkupRule, MarkupScope, SearchHit};
use esimdesk_app::{Desk, EphemeralSecrets, cancel, catalogue, esims, reconcile, settings};
use esimdesk_core::{Currency, Iccid, OrderKind, OrderState, ProviderKind, Rounding};
use esimdesk_sandbox::{FaultKind, FaultSpec, RunningSandbox, SandboxConfig};
use esimdesk_store::{KeychainStatus, SearchQuery, Store};
use secrecy::SecretString;

const ACCOUNT: &str = "go";

struct Fixture {
    _dir: tempfile::TempDir,
    sandbox: RunningSandbox,
    desk: Desk,
    /// The desk's database, for what the tests check beneath the use cases.
    store: Arc<Store>,
}

async fn fixture() -> Fixture {
    let sandbox = esimdesk_sandbox::start(SandboxConfig::for_tests())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(&dir.path().join("desk.sqlite3")).unwrap());
    let desk = Desk::new(store.clone(), Arc::new(EphemeralSecrets::new()), "tester");
    accounts::add_account(
        &desk,
        NewAccount {
            provider: ProviderKind::Esimgo,
            id: Some(ACCOUNT.into()),
            label: None,
            base_url: Some(sandbox.esimgo_base_url()),
            key: SecretString::from(sandbox.esimgo_api_key().to_owned()),
        },
    )
    .await
    .unwrap();
    let synced = catalogue::sync_all(&desk, &|_| {}).await.unwrap();
    assert!(synced[0].offerings.unwrap() > 0, "{synced:?}");
    Fixture {
        _dir: dir,
        sandbox,
        desk,
        store,
    }
}

/// The cheapest limited offering for a single country.
fn single_country_offering(desk: &Desk) -> SearchHit {
    catalogue::search(
        desk,
        &SearchQuery {
            destination: Some("NL".into()),
            unlimited: Some(false),
            limit: 200,
            ..SearchQuery::default()
        },
    )
    .unwrap()
    .into_iter()
    .find(|h| h.offering.countries.len() == 1)
    .expect("a single-country offering for NL")
}

async fn sell(desk: &Desk, hit: &SearchHit) -> String {
    let outcome = checkout::checkout(
        desk,
        CheckoutInput {
            account_id: hit.account_id.clone(),
            offering_code: hit.offering.code.clone(),
            quantity: 1,
            customer: Some(CustomerView {
                name: "Ana Lima".into(),
                email: Some("ana@example.com".into()),
                ..CustomerView::default()
            }),
            payment_reference: Some("card-1".into()),
            client_reference: Some(checkout::new_client_reference()),
            dry_run_id: None,
            language: None,
        },
        &|_| {},
    )
    .await
    .unwrap();
    assert_eq!(outcome.order.order.state, OrderState::Completed);
    outcome.esims[0].iccid.clone()
}

fn top_up_input(iccid: &str, code: &str, reference: &str) -> TopUpInput {
    TopUpInput {
        iccid: iccid.to_owned(),
        account_id: None,
        offering_code: code.to_owned(),
        payment_reference: Some("card-2".into()),
        client_reference: Some(reference.to_owned()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_lists_accounts_capabilities_freshness_and_keychain() {
    let f = fixture().await;
    let s = status::status(&f.desk, true, &KeychainStatus::Available).unwrap();
    assert!(s.demo);
    assert!(!s.restart_to_leave_demo);
    assert_eq!(s.info, esimdesk_app::about());
    assert!(s.keychain.available);
    assert_eq!(s.keychain.state, KeychainState::Available);
    assert_eq!(s.accounts.len(), 1);
    let a = &s.accounts[0];
    assert_eq!(a.account.id, ACCOUNT);
    assert!(a.can_validate && a.can_top_up && a.can_refresh_usage && a.can_cancel);
    assert_eq!(s.freshness.len(), 1);
    assert!(s.freshness[0].fetched_at.is_some() && s.freshness[0].offerings > 0);
    assert_eq!(s.settings, DeskSettings::default());
    assert_eq!(s.unsettled_orders, 0);

    let locked = status::status(
        &f.desk,
        false,
        &KeychainStatus::Locked {
            hint: "unlock it".into(),
        },
    )
    .unwrap();
    assert!(!locked.keychain.available);
    assert_eq!(locked.keychain.state, KeychainState::Locked);
    assert_eq!(locked.keychain.hint.as_deref(), Some("unlock it"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn detail_shows_code_order_customer_and_last_usage() {
    let f = fixture().await;
    let hit = single_country_offering(&f.desk);
    let iccid = sell(&f.desk, &hit).await;

    let d = esims::esim_detail(&f.desk, &iccid).unwrap();
    assert_eq!(d.esim.iccid.as_str(), iccid);
    let code = d.code.expect("the activation code's view");
    assert!(code.report.canonical.starts_with("LPA:1$"));
    assert!(code.qr_svg.starts_with("<svg"));
    let order = d.order.expect("the order that sold it");
    assert_eq!(order.order.lines[0].offering_code, hit.offering.code);
    assert_eq!(d.customer_name.as_deref(), Some("Ana Lima"));
    assert_eq!(d.customer_email.as_deref(), Some("ana@example.com"));
    assert_eq!(d.usage_taken_at, None);

    esims::refresh_usage(&f.desk, &iccid).await.unwrap();
    let d = esims::esim_detail(&f.desk, &iccid).unwrap();
    assert!(d.usage_taken_at.is_some());
    assert!(!d.esim.packages.is_empty());

    let unknown = esims::esim_detail(&f.desk, "8944538532046590109").unwrap_err();
    assert_eq!(unknown.code(), "unknown_esim");
    assert_eq!(
        esims::esim_detail(&f.desk, "123").unwrap_err().code(),
        "invalid_iccid"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn top_up_is_journaled_lands_on_the_esim_and_keeps_its_record() {
    let f = fixture().await;
    let hit = single_country_offering(&f.desk);
    let iccid = sell(&f.desk, &hit).await;
    esims::refresh_usage(&f.desk, &iccid).await.unwrap();
    let before = esims::esim_detail(&f.desk, &iccid).unwrap();

    let offers = top_up::top_up_offerings(&f.desk, &iccid).await.unwrap();
    assert!(!offers.is_empty());
    for o in &offers {
        assert_eq!(o.account_id, ACCOUNT);
        assert!(o.offering.top_up);
        assert!(
            o.offering.countries.iter().any(|c| c.as_str() == "NL"),
            "{o:?}"
        );
    }
    assert!(
        offers
            .windows(2)
            .all(|w| w[0].retail.minor() <= w[1].retail.minor()),
        "cheapest first"
    );

    let reference = checkout::new_client_reference();
    let steps = Mutex::new(Vec::new());
    let outcome = top_up::top_up(
        &f.desk,
        top_up_input(&iccid, &offers[0].offering.code, &reference),
        &|s| steps.lock().unwrap().push(s),
    )
    .await
    .unwrap();
    assert_eq!(outcome.order.order.kind, OrderKind::TopUp);
    assert_eq!(outcome.order.order.state, OrderState::Completed);
    assert_eq!(
        outcome.order.order.lines[0].iccid.as_deref(),
        Some(iccid.as_str())
    );
    assert_eq!(outcome.esims[0].iccid, iccid);
    assert!(outcome.esims[0].code.is_some());
    assert_eq!(
        *steps.lock().unwrap(),
        vec![
            CheckoutStep::Journaled,
            CheckoutStep::Validated,
            CheckoutStep::Submitting,
            CheckoutStep::Answered,
            CheckoutStep::Recorded,
            CheckoutStep::Delivered
        ]
    );

    // The eSIM keeps its original order, customer and packages until usage is read again.
    let after = esims::esim_detail(&f.desk, &iccid).unwrap();
    assert_eq!(after.esim.order_reference, before.esim.order_reference);
    assert_eq!(after.customer_name.as_deref(), Some("Ana Lima"));
    assert_eq!(after.esim.packages, before.esim.packages);
    let usage = esims::refresh_usage(&f.desk, &iccid).await.unwrap();
    assert_eq!(usage.packages.len(), before.esim.packages.len() + 1);

    // The same reference again is refused before anything is sent.
    let again = top_up::top_up(
        &f.desk,
        top_up_input(&iccid, &offers[0].offering.code, &reference),
        &|_| {},
    )
    .await
    .unwrap_err();
    assert_eq!(again.code(), "duplicate_reference");
    assert_eq!(f.sandbox.admin().order_references().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn top_up_refusals_buy_nothing() {
    let f = fixture().await;
    let hit = single_country_offering(&f.desk);
    let iccid = sell(&f.desk, &hit).await;
    let code = hit.offering.code.clone();

    // Not an eSIM of this desk, and no account named.
    let e = top_up::top_up(
        &f.desk,
        top_up_input("8944538532046590109", &code, "r-1"),
        &|_| {},
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), "unknown_esim");
    // Another account than the eSIM's.
    let mut other = top_up_input(&iccid, &code, "r-2");
    other.account_id = Some("elsewhere".into());
    let e = top_up::top_up(&f.desk, other, &|_| {}).await.unwrap_err();
    assert_eq!(e.code(), "invalid_input");
    // Not in the catalogue.
    let e = top_up::top_up(&f.desk, top_up_input(&iccid, "esim_nope", "r-3"), &|_| {})
        .await
        .unwrap_err();
    assert_eq!(e.code(), "not_in_catalogue");
    assert!(f.store.order("r-1").unwrap().is_none());

    // The provider says the package does not fit (a deactivated profile): journaled, failed.
    f.sandbox
        .admin()
        .set_profile_status(&iccid, "Deactivated")
        .unwrap();
    let e = top_up::top_up(&f.desk, top_up_input(&iccid, &code, "r-4"), &|_| {})
        .await
        .unwrap_err();
    assert_eq!(e.code(), "top_up_incompatible");
    assert!(e.to_string().contains("nothing was bought"), "{e}");
    let order = f.store.order("r-4").unwrap().unwrap();
    assert_eq!(order.order.state, OrderState::Failed);
    assert_eq!(f.sandbox.admin().order_references().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_top_up_reply_is_unknown_then_reconciled_never_resent() {
    let f = fixture().await;
    let hit = single_country_offering(&f.desk);
    let iccid = sell(&f.desk, &hit).await;
    let customer_of = |iccid: &str| {
        let iccid = Iccid::parse(iccid).unwrap();
        f.store.esim(&iccid).unwrap().unwrap().customer_id
    };
    let customer_before = customer_of(&iccid);

    f.sandbox
        .admin()
        .add_fault(
            FaultSpec::new(FaultKind::DropAfterCommit)
                .on("POST", "/v2.4/orders")
                .order_type("transaction"),
        )
        .unwrap();
    let reference = checkout::new_client_reference();
    let e = top_up::top_up(
        &f.desk,
        top_up_input(&iccid, &hit.offering.code, &reference),
        &|_| {},
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), "outcome_unknown");
    let order = f.store.order(&reference).unwrap().unwrap();
    assert_eq!(order.order.state, OrderState::Unknown);
    assert_eq!(f.sandbox.admin().order_references().len(), 2, "bought once");
    let s = status::status(&f.desk, false, &KeychainStatus::Available).unwrap();
    assert_eq!(s.unsettled_orders, 1);

    f.sandbox.admin().clear_faults();
    let settled = reconcile::reconcile(&f.desk, time::Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(settled.len(), 1, "{settled:?}");
    assert_eq!(settled[0].after, OrderState::Completed, "{settled:?}");
    assert_eq!(settled[0].after, OrderState::Completed);
    assert_eq!(
        f.sandbox.admin().order_references().len(),
        2,
        "never resent"
    );
    let d = esims::esim_detail(&f.desk, &iccid).unwrap();
    assert_eq!(customer_of(&iccid), customer_before);
    assert!(d.code.is_some());

    // Nothing left: start-up reconciliation finds nothing to do.
    assert!(
        reconcile::reconcile_on_start(&f.desk)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_a_package_is_journaled_by_its_id_and_cancels_its_order() {
    let f = fixture().await;
    let hit = single_country_offering(&f.desk);
    let iccid = sell(&f.desk, &hit).await;
    let revoke = |iccid: &str, package: &str, reference: Option<&str>| cancel::RevokeInput {
        iccid: iccid.to_owned(),
        package_id: package.to_owned(),
        client_reference: reference.map(str::to_owned),
    };

    let e = cancel::revoke_package(&f.desk, revoke(&iccid, " ", None), &|_| {})
        .await
        .unwrap_err();
    assert_eq!(e.inner().code(), "invalid_input");
    assert_eq!(e.money_moved(), Some(esimdesk_app::MoneyMoved::NotSent));
    let e = cancel::revoke_package(&f.desk, revoke("8944538532046590109", "1", None), &|_| {})
        .await
        .unwrap_err();
    assert_eq!(e.inner().code(), "unknown_esim");
    // The package is named by the provider's id, read with the usage.
    let usage = esims::refresh_usage(&f.desk, &iccid).await.unwrap();
    let package_id = usage.packages[0]
        .provider_id
        .clone()
        .expect("an assignment id");
    let e = cancel::revoke_package(&f.desk, revoke(&iccid, "no-such-package", None), &|_| {})
        .await
        .unwrap_err();
    assert_eq!(e.inner().code(), "invalid_input");

    let outcome = cancel::revoke_package(
        &f.desk,
        revoke(&iccid, &package_id, Some("revoke-1")),
        &|_| {},
    )
    .await
    .unwrap();
    assert_eq!(outcome.iccid, iccid);
    assert_eq!(outcome.package_id, package_id);
    assert_eq!(outcome.refund, cancel::RefundView::ToInventory);
    assert!(outcome.message.as_deref().unwrap().contains("inventory"));
    // Journaled like a purchase, and the sale is cancelled with it.
    let journaled = f.store.order("revoke-1").unwrap().unwrap();
    assert_eq!(journaled.order.kind, esimdesk_core::OrderKind::Revoke);
    assert_eq!(journaled.order.state, OrderState::Completed);
    assert_eq!(
        journaled.order.provider_reference.as_deref(),
        Some(package_id.as_str())
    );
    let sale = outcome
        .cancelled_order
        .clone()
        .expect("the sale is cancelled");
    assert_eq!(
        f.store.order(&sale).unwrap().unwrap().order.state,
        OrderState::Cancelled
    );
    let audit = f.store.audit_log(20).unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.action == "order.journal" && a.detail.contains("revoke-1")),
        "{audit:?}"
    );
    // The package is marked revoked at once: revoking it again, under a new reference or the
    // same one, is refused before anything is journaled or sent.
    let held = esims::esim_detail(&f.desk, &iccid).unwrap();
    assert_eq!(
        held.esim.packages[0].state,
        esimdesk_core::PackageState::Revoked
    );
    for reference in [None, Some("revoke-1")] {
        let again =
            cancel::revoke_package(&f.desk, revoke(&iccid, &package_id, reference), &|_| {})
                .await
                .unwrap_err();
        assert_eq!(again.inner().code(), "invalid_input", "{again}");
        assert_eq!(again.money_moved(), Some(esimdesk_app::MoneyMoved::NotSent));
    }
    let usage = esims::refresh_usage(&f.desk, &iccid).await.unwrap();
    assert!(
        usage
            .packages
            .iter()
            .all(|p| p.state == esimdesk_core::PackageState::Revoked),
        "{usage:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_and_markup_are_saved_audited_and_priced() {
    let f = fixture().await;
    let hit = single_country_offering(&f.desk);

    let saved = settings::set_desk_settings(
        &f.desk,
        &DeskSettings {
            desk_name: " Airport T2 ".into(),
            currency: Currency::parse("EUR").unwrap(),
            profile_name: "maria".into(),
            country: None,
        },
    )
    .unwrap();
    assert_eq!(saved.desk_name, "Airport T2");
    assert_eq!(f.desk.actor(), "maria");
    assert_eq!(settings::desk_settings(&f.desk).unwrap(), saved);
    let audit = f.store.audit_log(5).unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.action == "settings.set" && a.actor == "maria")
    );
    let e = settings::set_desk_settings(
        &f.desk,
        &DeskSettings {
            profile_name: "  ".into(),
            ..saved.clone()
        },
    )
    .unwrap_err();
    assert_eq!(e.field().as_deref(), Some("profile"));

    let rule = MarkupRule {
        scope: MarkupScope::Global,
        basis_points: 5_000,
        rounding: Rounding::NearestMinor,
    };
    settings::set_markup_rule(&f.desk, &rule).unwrap();
    assert_eq!(settings::markup_rules(&f.desk).unwrap(), vec![rule]);
    let priced = f
        .store
        .offering(ACCOUNT, &hit.offering.code)
        .unwrap()
        .unwrap();
    let half_more = hit.offering.cost.minor() * 3;
    assert!(
        (priced.retail.minor() * 2 - half_more).abs() <= 1,
        "{} for a cost of {}",
        priced.retail,
        hit.offering.cost
    );
    let e = settings::set_markup_rule(
        &f.desk,
        &MarkupRule {
            basis_points: -20_000,
            ..rule
        },
    )
    .unwrap_err();
    assert_eq!(e.code(), "invalid_input");
    settings::remove_markup_rule(&f.desk, MarkupScope::Global).unwrap();
    assert!(settings::markup_rules(&f.desk).unwrap().is_empty());
    assert!(
        f.store
            .audit_log(10)
            .unwrap()
            .iter()
            .any(|a| a.action == "markup.remove")
    );
}

/// Window 1 of the purchase protocol: a paid order recorded as completed without its eSIMs and
/// codes (a crash between two writes, as the desk once did it) is not forgotten: reconciliation
/// visits every order not fully delivered, asks the provider for that order by its reference,
/// and saves the eSIM with its code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paid_order_without_its_codes_is_delivered_by_reconciliation() {
    use esimdesk_core::{Order, OrderLine};
    use esimdesk_providers::OrderRequest;
    use esimdesk_store::StateChange;

    let f = fixture().await;
    let hit = single_country_offering(&f.desk);
    let store = &f.store;
    let order = Order {
        client_reference: "half-1".into(),
        provider: ProviderKind::Esimgo,
        kind: OrderKind::NewEsim,
        lines: vec![OrderLine {
            offering_code: hit.offering.code.clone(),
            quantity: 1,
            unit_cost: hit.offering.cost,
            unit_retail: hit.retail,
            iccid: None,
        }],
        customer: None,
        payment_reference: None,
        state: OrderState::Journaled,
        provider_reference: None,
        created_at: time::OffsetDateTime::now_utc(),
    };
    store.journal_order(&order, ACCOUNT, "tester").unwrap();
    store
        .record_order_state(
            "half-1",
            OrderState::Submitted,
            &StateChange::default(),
            "tester",
        )
        .unwrap();
    let provider = f.desk.provider(ACCOUNT).unwrap();
    let placed = provider
        .place_order(&OrderRequest::from_order(&order).unwrap())
        .await
        .unwrap();
    store
        .record_order_state(
            "half-1",
            OrderState::Completed,
            &StateChange {
                detail: None,
                provider_reference: Some(placed.provider_reference.clone()),
            },
            "tester",
        )
        .unwrap();
    assert!(store.esims_of_order("half-1").unwrap().is_empty());
    f.sandbox.admin().clear_requests();

    let settled = reconcile::reconcile(&f.desk, time::Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(settled.len(), 1, "{settled:?}");
    let after = store.order("half-1").unwrap().unwrap();
    assert_eq!(after.order.state, OrderState::Completed);
    assert!(after.delivered_at.is_some(), "{settled:?}");
    let esims = store.esims_of_order("half-1").unwrap();
    assert_eq!(esims.len(), 1);
    assert!(esims[0].esim.activation_code.is_some());
    // Asked by the provider's reference, never by a search, and nothing bought.
    let asked: Vec<String> = f
        .sandbox
        .admin()
        .requests()
        .into_iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(
        asked
            .iter()
            .any(|r| r.ends_with(&format!("/orders/{}", placed.provider_reference))),
        "{asked:?}"
    );
    assert!(!asked.iter().any(|r| r.starts_with("POST")), "{asked:?}");
    assert_eq!(f.sandbox.admin().order_references().len(), 1);
    assert!(
        reconcile::reconcile(&f.desk, time::Duration::ZERO)
            .await
            .unwrap()
            .is_empty()
    );
}

/// A sale makes exactly one dry run: the one shown on Checkout when it is still fresh, and
/// between "submitted" and the purchase nothing but the purchase is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sale_makes_one_dry_run_and_then_only_the_purchase() {
    let f = fixture().await;
    let hit = single_country_offering(&f.desk);
    let shown = checkout::validate(&f.desk, ACCOUNT, &hit.offering.code, 1)
        .await
        .unwrap();
    assert!(shown.dry_run_id.is_some());
    f.sandbox.admin().clear_requests();
    let input = |dry_run_id: Option<String>, reference: &str| CheckoutInput {
        account_id: ACCOUNT.into(),
        offering_code: hit.offering.code.clone(),
        quantity: 1,
        customer: None,
        payment_reference: None,
        client_reference: Some(reference.into()),
        dry_run_id,
        language: None,
    };
    checkout::checkout(&f.desk, input(shown.dry_run_id.clone(), "one-1"), &|_| {})
        .await
        .unwrap();
    let posts = |f: &Fixture| -> Vec<Option<String>> {
        f.sandbox
            .admin()
            .requests()
            .into_iter()
            .filter(|r| r.method == "POST")
            .map(|r| r.order_type)
            .collect()
    };
    assert_eq!(
        posts(&f),
        [Some("transaction".to_owned())],
        "the shown dry run was reused"
    );

    // Without one (the CLI), or with one already used: exactly one new dry run.
    f.sandbox.admin().clear_requests();
    checkout::checkout(&f.desk, input(shown.dry_run_id, "one-2"), &|_| {})
        .await
        .unwrap();
    assert_eq!(
        posts(&f),
        [Some("validate".to_owned()), Some("transaction".to_owned())]
    );
    // Quantity is 1–5 (esimgo.md §6.1), refused before anything is journaled.
    let mut six = input(None, "six-1");
    six.quantity = 6;
    let e = checkout::checkout(&f.desk, six, &|_| {}).await.unwrap_err();
    assert_eq!(e.inner().code(), "invalid_input");
    assert_eq!(e.money_moved(), Some(esimdesk_app::MoneyMoved::NotSent));
    assert!(f.store.order("six-1").unwrap().is_none());
}
