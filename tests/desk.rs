//! The desk's walk-in flow in the real window, against the sandbox: sell, deliver, top up, and
//! what the agent sees when things go wrong.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use esimdesk_app::Desk as Services;
use esimdesk_app::accounts::{self, NewAccount};
use esimdesk_core::ProviderKind;
use esimdesk_e2e::{Desk, decode_qr_codes};
use esimdesk_sandbox::{SandboxConfig, start_blocking};
use esimdesk_store::{Keychain, Store};
use fantoccini::key::Key;

static ONE_WINDOW: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

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
    desk.text_when("freshness", |t| t.contains("offerings"))
        .await
        .unwrap();

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_double_click_buys_once() {
    let _w = ONE_WINDOW.lock().await;
    let desk = Desk::launch().await.unwrap();
    desk.text_when("freshness", |t| t.contains("offerings"))
        .await
        .unwrap();
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
    desk.text_when("freshness", |t| t.contains("offerings"))
        .await
        .unwrap();
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
    desk.type_into("topup-payment", "TERM-0003").await.unwrap();
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
    let data = tempfile::tempdir().unwrap().keep();
    let sandbox = start_blocking(SandboxConfig::for_tests()).unwrap();
    {
        let store = Store::open(&data.join(esimdesk_store::DB_FILE_NAME)).unwrap();
        let services = Services::new(Arc::new(store), Arc::new(Keychain::new()), "e2e");
        accounts::add_account(
            &services,
            NewAccount {
                provider: ProviderKind::Esimgo,
                id: Some(format!("esimgo-e2e-{}", std::process::id())),
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
    }
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
    desk.click("submit-order").await.unwrap();
    let error = desk
        .text_when("checkout-error", |t| !t.is_empty())
        .await
        .unwrap();
    assert!(
        error.to_lowercase().contains("nothing was bought"),
        "{error}"
    );
    desk.screenshot("offline").await.unwrap();
    desk.close().await.unwrap();

    let store = Store::open(&data.join(esimdesk_store::DB_FILE_NAME)).unwrap();
    for account in store.accounts().unwrap() {
        let _ = Keychain::new().delete(&account.id);
    }
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
