//! The desk's walk-in flow in the real window, against the sandbox: sell, deliver, top up, and
//! what the agent sees when things go wrong.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use esimdesk_app::Desk as Services;
use esimdesk_app::accounts::{self, NewAccount};
use esimdesk_core::ProviderKind;
use esimdesk_e2e::{Desk, decode_qr_codes};
use esimdesk_sandbox::{FaultKind, FaultSpec, SandboxConfig, SandboxHandle, start_blocking};
use esimdesk_store::{Keychain, Store};
use fantoccini::key::Key;

static ONE_WINDOW: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A sandbox for tests whose clock moves with the wall clock, as the desk's does: reconciliation
/// compares the provider's order times with when the desk sent its orders.
fn wall_clock_sandbox() -> esimdesk_sandbox::BlockingSandbox {
    start_blocking(SandboxConfig {
        clock_follows_wall: true,
        ..SandboxConfig::for_tests()
    })
    .unwrap()
}

/// A fresh data folder holding one real eSIM Go account on `sandbox` (its key in the OS
/// keychain, under an id of this test's own) with the catalogue synced: the desk starts on it
/// out of demo mode. Undo with [`forget_keys`].
async fn data_with_account(sandbox: &SandboxHandle, name: &str) -> PathBuf {
    let data = tempfile::tempdir().unwrap().keep();
    let store = Store::open(&data.join(esimdesk_store::DB_FILE_NAME)).unwrap();
    let services = Services::new(Arc::new(store), Arc::new(Keychain::new()), "e2e");
    accounts::add_account(
        &services,
        NewAccount {
            provider: ProviderKind::Esimgo,
            id: Some(format!("esimgo-e2e-{name}-{}", std::process::id())),
            label: None,
            base_url: Some(sandbox.esimgo_base_url()),
            key: secrecy::SecretString::from(sandbox.esimgo_api_key().to_owned()),
        },
    )
    .await
    .unwrap();
    esimdesk_app::catalogue::sync_all(&services, &|_| {})
        .await
        .unwrap();
    data
}

/// Removes the keys [`data_with_account`] put in the OS keychain.
fn forget_keys(data: &Path) {
    let store = Store::open(&data.join(esimdesk_store::DB_FILE_NAME)).unwrap();
    for account in store.accounts().unwrap() {
        let _ = Keychain::new().delete(&account.id);
    }
}

/// From "Netherlands" typed to a filled-in checkout, not yet bought: the customer's name, Tab,
/// the payment reference, as the agent types them. Returns the sale's client reference.
async fn fill_checkout(desk: &Desk, customer: &str, payment: &str) -> String {
    desk.type_into("destination-input", "Netherlands")
        .await
        .unwrap();
    desk.wait_count("result-row", 1).await.unwrap();
    desk.click("sell-esim_1GB_7D_NL_V2").await.unwrap();
    desk.text_when("provider-total", |t| t.contains('$') || t.contains("USD"))
        .await
        .unwrap();
    // The name field has the focus when Checkout opens.
    desk.keys(&format!("{customer}{}{payment}", Key::Tab))
        .await
        .unwrap();
    assert_eq!(desk.value("customer-name").await.unwrap(), customer);
    assert_eq!(desk.value("payment-reference").await.unwrap(), payment);
    reference_shown(desk).await
}

/// The client reference Checkout shows ("Ref. desk-…").
async fn reference_shown(desk: &Desk) -> String {
    desk.text_when("client-reference", |t| t.starts_with("Ref. "))
        .await
        .unwrap()
        .trim_start_matches("Ref. ")
        .to_owned()
}

/// A sale whose purchase reply the sandbox loses (a fault set beforehand): the agent is told the
/// outcome is not known, and goes back to the results. Returns the sale's client reference.
async fn lost_sale(desk: &Desk, customer: &str, payment: &str) -> String {
    let reference = fill_checkout(desk, customer, payment).await;
    desk.keys(&Key::Enter.to_string()).await.unwrap();
    desk.text_when("checkout-error-headline", |t| t.contains("not known"))
        .await
        .unwrap();
    assert_eq!(
        desk.attr("checkout-error", "data-money-moved")
            .await
            .unwrap()
            .as_deref(),
        Some("maybe")
    );
    assert_eq!(
        reference_shown(desk).await,
        reference,
        "the reference is kept"
    );
    desk.click("back-to-sell").await.unwrap();
    reference
}

/// The state shown on the Orders screen for one order, once `check` holds.
async fn order_state_when(desk: &Desk, reference: &str, check: impl Fn(&str) -> bool) -> String {
    desk.text_at_when(
        &format!("tr[data-reference=\"{reference}\"] [data-testid=\"order-state\"]"),
        check,
    )
    .await
    .unwrap()
}

/// From "Netherlands" typed to the QR on screen: every keystroke and click the agent needs.
async fn sell_netherlands(desk: &Desk, customer: &str) -> String {
    desk.type_into("destination-input", "Netherlands")
        .await
        .unwrap();
    desk.wait_count("result-row", 1).await.unwrap();
    desk.screenshot("sell-results").await.unwrap();
    desk.click("sell-esim_1GB_7D_NL_V2").await.unwrap();
    desk.text_when("provider-total", |t| t.contains('$') || t.contains("USD"))
        .await
        .unwrap();
    desk.type_into("customer-name", customer).await.unwrap();
    desk.type_into("payment-reference", "TERM-0001")
        .await
        .unwrap();
    desk.screenshot("checkout").await.unwrap();
    desk.click("submit-order").await.unwrap();
    desk.text_when("deliver-lpa", |t| t.starts_with("LPA:1$"))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn walk_in_sale_in_demo_mode_ends_with_a_scannable_qr() {
    let _w = ONE_WINDOW.lock().await;
    let desk = Desk::launch().await.unwrap();
    desk.by_testid("demo-banner").await.unwrap();
    // Demo mode syncs the sandbox's catalogue at start.
    desk.wait_catalogues_synced().await.unwrap();

    let lpa = sell_netherlands(&desk, "Ana Ruiz").await;
    let png = desk.screenshot("deliver").await.unwrap();
    let decoded = decode_qr_codes(&png).unwrap();
    assert!(
        decoded.contains(&lpa),
        "QR codes in the window: {decoded:?}, shown: {lpa}"
    );
    assert!(desk.is_present("install-instructions").await.unwrap());
    assert!(desk.is_present("print-voucher").await.unwrap());

    // The printed voucher fits one page: A4 and US Letter, 12 mm margins, at 96 CSS px per inch.
    for (paper, width, height) in [("a4", 703, 1032), ("letter", 725, 965)] {
        let content = desk.print_layout(width).await.unwrap();
        desk.screenshot(&format!("voucher-print-{paper}"))
            .await
            .unwrap();
        assert!(
            content <= f64::from(height),
            "the voucher is {content} px tall on {paper}, the page {height} px"
        );
    }
    desk.client.refresh().await.unwrap();

    desk.click("nav-orders").await.unwrap();
    desk.wait_count("order-row", 1).await.unwrap();
    assert_eq!(
        desk.text_when("order-state", |t| !t.is_empty())
            .await
            .unwrap(),
        "completed"
    );
    desk.screenshot("orders").await.unwrap();
    desk.close().await.unwrap();
}

/// The focused element's test id.
async fn focused(desk: &Desk) -> Option<String> {
    desk.client
        .active_element()
        .await
        .unwrap()
        .attr("data-testid")
        .await
        .unwrap()
}

/// The walk-in flow with the keyboard alone, as the desk benchmark drives it: "spain", Tab to
/// Data, Tab to Trip days, "10", Enter sells the cheapest that lasts the trip; the customer's
/// name, Tab, the payment reference, Enter buys; the QR is on screen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_walk_in_sale_by_keyboard_alone() {
    let _w = ONE_WINDOW.lock().await;
    let desk = Desk::launch().await.unwrap();
    desk.text_when("freshness", |t| t.contains("3000 offerings"))
        .await
        .unwrap();
    assert_eq!(focused(&desk).await.as_deref(), Some("destination-input"));
    desk.keys("spain").await.unwrap();
    desk.wait_count("result-row", 1).await.unwrap();
    desk.keys(&Key::Tab.to_string()).await.unwrap();
    assert_eq!(focused(&desk).await.as_deref(), Some("filter-data"));
    desk.keys(&Key::Tab.to_string()).await.unwrap();
    assert_eq!(focused(&desk).await.as_deref(), Some("filter-days"));
    desk.keys("10").await.unwrap();
    // The results answer the trip's length before Enter picks the first row.
    desk.client
        .wait()
        .for_element(fantoccini::Locator::Css(
            r#"[data-testid="results"][data-results-for="spain"][data-trip-days="10"]"#,
        ))
        .await
        .unwrap();
    desk.keys(&Key::Enter.to_string()).await.unwrap();
    desk.text_when("provider-total", |t| t.contains('$'))
        .await
        .unwrap();
    assert_eq!(focused(&desk).await.as_deref(), Some("customer-name"));
    desk.keys(&format!("Ana Ruiz{}4821", Key::Tab))
        .await
        .unwrap();
    desk.keys(&Key::Enter.to_string()).await.unwrap();
    let lpa = desk
        .text_when("deliver-lpa", |t| t.starts_with("LPA:1$"))
        .await
        .unwrap();
    let png = desk.screenshot("deliver-by-keyboard").await.unwrap();
    assert!(decode_qr_codes(&png).unwrap().contains(&lpa));
    desk.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_double_click_buys_once() {
    let _w = ONE_WINDOW.lock().await;
    let desk = Desk::launch().await.unwrap();
    desk.wait_catalogues_synced().await.unwrap();
    desk.type_into("destination-input", "NL").await.unwrap();
    desk.wait_count("result-row", 1).await.unwrap();
    desk.click("sell-esim_1GB_7D_NL_V2").await.unwrap();
    desk.text_when("provider-total", |t| t.contains('$') || t.contains("USD"))
        .await
        .unwrap();
    desk.type_into("customer-name", "Bo Li").await.unwrap();
    desk.type_into("payment-reference", "TERM-0002")
        .await
        .unwrap();
    // Two clicks as fast as WebDriver sends them, then Enter for good measure.
    let submit = desk.by_testid("submit-order").await.unwrap();
    let _ = submit.click().await;
    let _ = submit.click().await;
    let _ = desk
        .by_testid("payment-reference")
        .await
        .unwrap()
        .send_keys(&Key::Enter.to_string())
        .await;
    desk.text_when("deliver-lpa", |t| t.starts_with("LPA:1$"))
        .await
        .unwrap();

    desk.click("nav-orders").await.unwrap();
    desk.wait_count("order-row", 1).await.unwrap();
    assert_eq!(
        desk.count("order-row").await.unwrap(),
        1,
        "one purchase only"
    );
    desk.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_refresh_and_a_top_up() {
    let _w = ONE_WINDOW.lock().await;
    let desk = Desk::launch().await.unwrap();
    desk.wait_catalogues_synced().await.unwrap();
    sell_netherlands(&desk, "Carla Gomez").await;

    desk.click("nav-esims").await.unwrap();
    desk.type_into("esim-search", "Carla").await.unwrap();
    desk.wait_count("esim-result", 1).await.unwrap();
    desk.click("esim-result").await.unwrap();
    desk.by_testid("install-status").await.unwrap();
    desk.click("refresh-usage").await.unwrap();
    desk.wait_count("package-row", 1).await.unwrap();

    desk.click("show-top-ups").await.unwrap();
    desk.by_testid("topup-list").await.unwrap();
    // The top-up's reference is taken as the panel opens, not at the click.
    desk.text_when("topup-reference", |t| t.starts_with("Ref. desk-"))
        .await
        .unwrap();
    desk.type_into("topup-payment", "TERM-0003").await.unwrap();
    desk.screenshot("esim-top-up-offers").await.unwrap();
    let first = desk
        .client
        .find(fantoccini::Locator::Css("[data-testid^=\"topup-esim_\"]"))
        .await
        .unwrap();
    first.click().await.unwrap();
    desk.text_when("topup-message", |t| t.starts_with("Added"))
        .await
        .unwrap();
    desk.wait_count("package-row", 2).await.unwrap();
    desk.screenshot("esim-top-up").await.unwrap();
    desk.close().await.unwrap();
}

/// A package revoked from the eSIM screen, named by the provider's id for it: the desk says where
/// the refund goes, and the Orders screen shows the revoke as a revoke and the sale cancelled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_a_package_says_where_the_refund_goes() {
    let _w = ONE_WINDOW.lock().await;
    let desk = Desk::launch().await.unwrap();
    desk.wait_catalogues_synced().await.unwrap();
    sell_netherlands(&desk, "Omar Haddad").await;

    desk.click("nav-esims").await.unwrap();
    desk.type_into("esim-search", "Omar").await.unwrap();
    desk.wait_count("esim-result", 1).await.unwrap();
    desk.click("esim-result").await.unwrap();
    // The provider's package ids come with the usage; no revoke is offered without one.
    desk.click("refresh-usage").await.unwrap();
    desk.wait_count("package-row", 1).await.unwrap();
    desk.click("revoke").await.unwrap();
    let reference = desk
        .text_when("revoke-reference", |t| t.starts_with("Ref. "))
        .await
        .unwrap();
    desk.screenshot("esim-revoke-confirm").await.unwrap();
    desk.click("confirm-revoke").await.unwrap();
    let said = desk
        .text_when("revoke-message", |t| !t.is_empty())
        .await
        .unwrap();
    assert!(said.contains("inventory"), "{said}");
    assert!(!desk.is_present("revoke-error").await.unwrap());
    desk.screenshot("esim-revoked").await.unwrap();

    desk.click("nav-orders").await.unwrap();
    desk.wait_count("order-row", 2).await.unwrap();
    let revoke = reference.trim_start_matches("Ref. ");
    let kind = desk
        .text_at_when(
            &format!("tr[data-reference=\"{revoke}\"] [data-testid=\"order-kind\"]"),
            |t| !t.is_empty(),
        )
        .await
        .unwrap();
    assert_eq!(kind.to_lowercase(), "revoke");
    order_state_when(&desk, revoke, |t| t == "completed").await;
    // The sale the package came with is cancelled.
    let sale = desk
        .client
        .find(fantoccini::Locator::Css(&format!(
            "tr[data-testid=\"order-row\"]:not([data-reference=\"{revoke}\"])"
        )))
        .await
        .unwrap()
        .attr("data-reference")
        .await
        .unwrap()
        .expect("the sale's reference");
    assert!(said.contains(&sale), "{said}");
    order_state_when(&desk, &sale, |t| t == "cancelled").await;
    desk.screenshot("orders-revoke").await.unwrap();
    desk.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_error_is_shown_in_plain_words() {
    let _w = ONE_WINDOW.lock().await;
    let desk = Desk::launch().await.unwrap();
    desk.click("nav-settings").await.unwrap();
    // Nothing listens on port 9: the provider cannot be reached.
    desk.type_into("account-url", "http://127.0.0.1:9/v2.4")
        .await
        .unwrap();
    desk.type_into("account-key", "some-key-0000")
        .await
        .unwrap();
    desk.click("add-account").await.unwrap();
    let error = desk
        .text_when("account-error", |t| !t.is_empty())
        .await
        .unwrap();
    assert!(error.to_lowercase().contains("could not reach"), "{error}");
    assert!(
        !error.contains("some-key-0000"),
        "the key must not be shown back"
    );
    desk.screenshot("provider-error").await.unwrap();
    desk.close().await.unwrap();
}

/// A real (non-demo) desk whose provider goes away: the cache still answers, buying says why not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_search_still_works_and_buying_needs_the_network() {
    let _w = ONE_WINDOW.lock().await;
    let sandbox = start_blocking(SandboxConfig::for_tests()).unwrap();
    let data = data_with_account(&sandbox, "offline").await;
    sandbox.shutdown();

    let desk = Desk::launch_with(&data).await.unwrap();
    assert!(!desk.is_present("demo-banner").await.unwrap());
    desk.type_into("destination-input", "Netherlands")
        .await
        .unwrap();
    desk.wait_count("result-row", 1).await.unwrap();
    desk.click("sell-esim_1GB_7D_NL_V2").await.unwrap();
    let dry_run = desk
        .text_when("provider-total", |t| t.to_lowercase().contains("reach"))
        .await
        .unwrap();
    assert!(
        dry_run.to_lowercase().contains("could not reach"),
        "{dry_run}"
    );
    desk.type_into("customer-name", "Dana").await.unwrap();
    desk.type_into("payment-reference", "TERM-0004")
        .await
        .unwrap();
    let reference = reference_shown(&desk).await;
    desk.click("submit-order").await.unwrap();
    let error = desk
        .text_when("checkout-error", |t| !t.is_empty())
        .await
        .unwrap();
    assert!(
        error.to_lowercase().contains("nothing was bought"),
        "{error}"
    );
    assert_eq!(
        desk.attr("checkout-error", "data-money-moved")
            .await
            .unwrap()
            .as_deref(),
        Some("not_sent")
    );
    // Nothing was sent: trying again is a new order, under a new reference.
    desk.text_at_when("[data-testid=\"client-reference\"]", |t| {
        t.starts_with("Ref. ") && !t.ends_with(&reference)
    })
    .await
    .unwrap();
    desk.screenshot("offline").await.unwrap();
    desk.close().await.unwrap();
    forget_keys(&data);
}

/// First run: demo mode, then a real account added in Settings (its key to the OS keychain, the
/// private one of `cargo xtask test`); after a restart the desk is out of demo mode and uses the
/// key from the keychain to sync.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_account_added_in_demo_mode_takes_over_after_a_restart() {
    assert!(
        std::env::var_os("ESIMDESK_KEYCHAIN_TESTS").is_some(),
        "writes to the OS keychain: run through `cargo xtask test` (a private keyring)"
    );
    let _w = ONE_WINDOW.lock().await;
    let data = tempfile::tempdir().unwrap().keep();
    let sandbox = start_blocking(SandboxConfig::for_tests()).unwrap();

    let desk = Desk::launch_with(&data).await.unwrap();
    desk.by_testid("demo-banner").await.unwrap();
    desk.click("nav-settings").await.unwrap();
    desk.text_when("keychain-status", |t| t.starts_with("Available"))
        .await
        .unwrap();
    desk.type_into("account-url", &sandbox.esimgo_base_url())
        .await
        .unwrap();
    desk.type_into("account-key", sandbox.esimgo_api_key())
        .await
        .unwrap();
    desk.click("add-account").await.unwrap();
    let added = desk
        .text_when("account-added", |t| t.contains("Restart"))
        .await
        .unwrap();
    assert!(added.contains("balance"), "{added}");
    assert!(!added.contains(sandbox.esimgo_api_key()), "{added}");
    // "Restart now" is offered (not clicked: a restart would end the WebDriver session).
    desk.by_testid("restart-now").await.unwrap();
    desk.screenshot("settings-real-account-added")
        .await
        .unwrap();
    desk.close().await.unwrap();

    let desk = Desk::launch_with(&data).await.unwrap();
    desk.by_testid("app-version").await.unwrap();
    assert!(!desk.is_present("demo-banner").await.unwrap());
    desk.click("sync-button").await.unwrap();
    desk.text_when("freshness", |t| t.contains("offerings, updated"))
        .await
        .unwrap();
    desk.type_into("destination-input", "Netherlands")
        .await
        .unwrap();
    desk.wait_count("result-row", 1).await.unwrap();
    desk.screenshot("sell-after-leaving-demo").await.unwrap();
    desk.close().await.unwrap();
    sandbox.shutdown();
}

/// The provider took the money, then the desk's database refused to record it (a test hook: the
/// write right after the answer fails). The agent is told not to sell it again; pressing Buy
/// again on the same screen is refused by the journal under the same reference, so the provider
/// still has exactly one order. After a restart without the fault, start-up reconciliation finds
/// the order by the desk's reference and the eSIM's QR is there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buying_again_after_a_store_error_that_followed_the_charge_buys_once() {
    assert!(
        std::env::var_os("ESIMDESK_KEYCHAIN_TESTS").is_some(),
        "writes to the OS keychain: run through `cargo xtask test` (a private keyring)"
    );
    let _w = ONE_WINDOW.lock().await;
    let sandbox = wall_clock_sandbox();
    let data = data_with_account(&sandbox, "not-recorded").await;

    let desk = Desk::launch_with_env(&data, &[("ESIMDESK_TEST_FAIL_AT", "answered")])
        .await
        .unwrap();
    assert!(!desk.is_present("demo-banner").await.unwrap());
    let reference = fill_checkout(&desk, "Ines Moreau", "TERM-0201").await;
    // Enter in the payment field buys.
    desk.keys(&Key::Enter.to_string()).await.unwrap();
    let error = desk
        .text_when("checkout-error", |t| !t.is_empty())
        .await
        .unwrap();
    assert!(error.contains("Do not sell it again"), "{error}");
    assert!(error.contains("Bought, but not recorded"), "{error}");
    assert_eq!(
        desk.attr("checkout-error", "data-money-moved")
            .await
            .unwrap()
            .as_deref(),
        Some("sent")
    );
    assert!(desk.is_present("checkout-to-orders").await.unwrap());
    assert_eq!(sandbox.admin().orders().len(), 1, "bought once");
    assert_eq!(
        reference_shown(&desk).await,
        reference,
        "the reference is kept"
    );
    desk.screenshot("checkout-bought-not-recorded")
        .await
        .unwrap();

    // Buy again, same screen, same reference: the journal refuses it; nothing more is bought.
    desk.click("submit-order").await.unwrap();
    let again = desk
        .text_when("checkout-error-headline", |t| {
            t.contains("not bought a second time")
        })
        .await
        .unwrap();
    assert!(again.starts_with("Already"), "{again}");
    assert_eq!(reference_shown(&desk).await, reference);
    assert_eq!(
        sandbox.admin().orders().len(),
        1,
        "still one order at the provider: {:?}",
        sandbox.admin().order_references()
    );
    desk.screenshot("checkout-buy-again-refused").await.unwrap();
    desk.close().await.unwrap();

    // A restart without the fault: start-up reconciliation completes the order.
    let desk = Desk::launch_with(&data).await.unwrap();
    desk.click("nav-orders").await.unwrap();
    order_state_when(&desk, &reference, |t| t == "completed").await;
    assert_eq!(desk.count("order-row").await.unwrap(), 1, "one sale");
    assert!(!desk.is_present("order-codes-pending").await.unwrap());
    desk.screenshot("orders-completed-after-restart")
        .await
        .unwrap();

    // Start-up reconciliation may announce the eSIM as ready ("Open it") when the window was
    // already listening; either way the eSIMs screen finds it.
    if desk.is_present("open-ready-esim").await.unwrap() {
        desk.click("open-ready-esim").await.unwrap();
    } else {
        desk.click("nav-esims").await.unwrap();
        desk.type_into("esim-search", "Ines").await.unwrap();
        desk.wait_count("esim-result", 1).await.unwrap();
        desk.click("esim-result").await.unwrap();
    }
    let lpa = desk
        .text_when("deliver-lpa", |t| t.starts_with("LPA:1$"))
        .await
        .unwrap();
    desk.screenshot_showing_qr("esim-after-reconcile", &lpa)
        .await
        .unwrap();
    assert_eq!(
        sandbox.admin().orders().len(),
        1,
        "reconciling bought nothing"
    );
    desk.close().await.unwrap();
    forget_keys(&data);
    sandbox.shutdown();
}

/// Three sales of the same bundle whose purchase replies are lost: the first never reached the
/// provider, the other two were bought. Reconciliation finds two matching provider orders with no
/// reference on them for each sale, cannot tell which is which, and leaves all three to a person,
/// who settles them on the Orders screen: two as the provider's orders (a provider order another
/// sale already holds is refused beside the row), one as nothing bought (after confirming).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_reconciliation_cannot_match_are_settled_by_hand() {
    assert!(
        std::env::var_os("ESIMDESK_KEYCHAIN_TESTS").is_some(),
        "writes to the OS keychain: run through `cargo xtask test` (a private keyring)"
    );
    let _w = ONE_WINDOW.lock().await;
    let sandbox = wall_clock_sandbox();
    let data = data_with_account(&sandbox, "needs-person").await;
    let desk = Desk::launch_with(&data).await.unwrap();
    let admin = sandbox.admin();
    let purchase = |kind| {
        FaultSpec::new(kind)
            .on("POST", "/v2.4/orders")
            .order_type("transaction")
    };

    // Lost before the provider handled it: nothing bought.
    admin.add_fault(purchase(FaultKind::Drop).times(1)).unwrap();
    let unbought = lost_sale(&desk, "Noor One", "TERM-0301").await;
    assert!(admin.orders().is_empty(), "{:?}", admin.order_references());
    // Bought, and the replies lost.
    admin
        .add_fault(purchase(FaultKind::DropAfterCommit).times(2))
        .unwrap();
    let first = lost_sale(&desk, "Noor Two", "TERM-0302").await;
    let second = lost_sale(&desk, "Noor Three", "TERM-0303").await;
    let provider_orders = admin.order_references();
    assert_eq!(provider_orders.len(), 2, "{provider_orders:?}");

    desk.click("nav-orders").await.unwrap();
    desk.click("reconcile").await.unwrap();
    desk.text_when("needs-person-count", |t| t == "3")
        .await
        .unwrap();
    desk.text_when("needs-person-badge", |t| t == "3")
        .await
        .unwrap();
    for reference in [&unbought, &first, &second] {
        order_state_when(&desk, reference, |t| t == "needs a person").await;
        let reason = desk
            .text_at_when(
                &format!("[data-testid=\"resolve-row-{reference}\"] [data-testid=\"needs-person-reason\"]"),
                |t| !t.is_empty(),
            )
            .await
            .unwrap();
        assert!(reason.contains("cannot be told"), "{reason}");
    }
    desk.screenshot("orders-needs-person").await.unwrap();

    // The first as the provider's first order.
    desk.type_into(
        &format!("resolve-provider-order-{first}"),
        &provider_orders[0],
    )
    .await
    .unwrap();
    desk.click(&format!("resolve-as-provider-order-{first}"))
        .await
        .unwrap();
    order_state_when(&desk, &first, |t| t == "completed").await;

    // The second: the first's provider order is refused beside its row, then the other one.
    let typed = format!("resolve-provider-order-{second}");
    desk.type_into(&typed, &provider_orders[0]).await.unwrap();
    desk.click(&format!("resolve-as-provider-order-{second}"))
        .await
        .unwrap();
    let refused = desk
        .text_when(&format!("resolve-error-{second}"), |t| !t.is_empty())
        .await
        .unwrap();
    assert!(refused.contains("already"), "{refused}");
    order_state_when(&desk, &second, |t| t == "needs a person").await;
    let erase = Key::Backspace.to_string().repeat(provider_orders[0].len());
    desk.type_into(&typed, &format!("{erase}{}", provider_orders[1]))
        .await
        .unwrap();
    desk.click(&format!("resolve-as-provider-order-{second}"))
        .await
        .unwrap();
    order_state_when(&desk, &second, |t| t == "completed").await;

    // The one never bought: a first click asks, the second settles.
    desk.click(&format!("resolve-not-bought-{unbought}"))
        .await
        .unwrap();
    desk.by_testid(&format!("resolve-confirm-{unbought}"))
        .await
        .unwrap();
    order_state_when(&desk, &unbought, |t| t == "needs a person").await;
    desk.click(&format!("resolve-not-bought-{unbought}"))
        .await
        .unwrap();
    order_state_when(&desk, &unbought, |t| t == "failed").await;

    assert!(!desk.is_present("needs-person-banner").await.unwrap());
    // The count beside Orders follows (it is read from the status after the list).
    desk.wait_gone("needs-person-badge").await.unwrap();
    let note = desk
        .text_when("resolved-note", |t| t.contains(&unbought))
        .await
        .unwrap();
    assert!(note.contains(&provider_orders[1]), "{note}");
    desk.screenshot("orders-settled-by-hand").await.unwrap();
    assert_eq!(admin.orders().len(), 2, "settling bought nothing");
    desk.close().await.unwrap();
    forget_keys(&data);
    sandbox.shutdown();
}
