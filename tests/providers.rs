//! Several providers in the real window (demo mode plays every simulated provider): one list with
//! the provider named on each row, and a walk-in sale through Telness — an asynchronous provider
//! that registers each eSIM to the traveller — ending with a scannable QR, then the eSIM cancelled.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use esimdesk_e2e::Desk;
use fantoccini::Locator;

static ONE_WINDOW: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Clicks Sell on the first row of `provider`: the destination box's suggestions closed and the
/// row in the middle of the view first, so nothing covers the button.
async fn sell_first_row_of(desk: &Desk, provider: &str) {
    let row = format!("tr[data-provider=\"{provider}\"]");
    desk.client
        .execute(
            &format!(
                "document.activeElement.blur(); \
                 document.querySelector('{}').scrollIntoView({{block: 'center'}})",
                row.replace('\'', "\\'")
            ),
            vec![],
        )
        .await
        .unwrap();
    desk.client
        .find(Locator::Css(&format!("{row} button.primary")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Back on Sell, searches for `place` unless the box still holds it.
async fn search(desk: &Desk, place: &str) {
    desk.click("nav-sell").await.unwrap();
    if desk.value("destination-input").await.unwrap() != place {
        desk.type_into("destination-input", place).await.unwrap();
    }
}

/// A row's provider name, for the first row of `provider` in the results.
fn row_provider(provider: &str) -> String {
    format!("tr[data-provider=\"{provider}\"] [data-testid=\"row-provider\"]")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_telness_walk_in_sale_among_every_providers_offerings() {
    let _w = ONE_WINDOW.lock().await;
    let desk = Desk::launch().await.unwrap();
    desk.by_testid("demo-banner").await.unwrap();
    desk.wait_catalogues_synced().await.unwrap();

    // One list, both providers named (Telness's EUR prices in EUR: demo mode has no rate).
    desk.type_into("destination-input", "Spain").await.unwrap();
    desk.text_at_when(&row_provider("esimgo"), |t| t.contains("eSIM Go"))
        .await
        .unwrap();
    desk.text_at_when(&row_provider("telness"), |t| t.contains("Telness"))
        .await
        .unwrap();
    // No rate in demo mode: Telness's EUR prices stay in EUR, after the USD rows.
    desk.text_at_when("tr[data-provider=\"telness\"] td.price", |t| {
        t.contains('€') || t.contains("EUR")
    })
    .await
    .unwrap();
    desk.by_testid("not-comparable").await.unwrap();
    // The first Telness row in view, under the last cheaper rows of eSIM Go.
    desk.client
        .execute(
            "document.querySelector('tr[data-provider=\"telness\"]').scrollIntoView({block: 'center'})",
            vec![],
        )
        .await
        .unwrap();
    desk.screenshot("sell-two-providers").await.unwrap();

    sell_first_row_of(&desk, "telness").await;
    // The provider's exact price, from a price check made before the customer is known.
    desk.text_when("provider-total", |t| t.contains('€') || t.contains("EUR"))
        .await
        .unwrap();
    desk.type_into("customer-name", "Ana García").await.unwrap();
    desk.type_into("payment-reference", "TERM-7Q2K")
        .await
        .unwrap();
    // Telness registers the eSIM to the traveller: without an email the sale does not start.
    desk.click("submit-order").await.unwrap();
    desk.text_when("email-error", |t| {
        t.contains("Telness") && t.contains("email is needed")
    })
    .await
    .unwrap();
    desk.type_into("customer-email", "ana@example.com")
        .await
        .unwrap();
    desk.screenshot("checkout-telness").await.unwrap();
    desk.click("submit-order").await.unwrap();

    // Telness prepares the eSIM asynchronously; the desk waits for it, then delivers.
    let lpa = desk
        .text_when("deliver-lpa", |t| {
            t.starts_with("LPA:1$rsp.sandbox-telness.example.com$")
        })
        .await
        .unwrap();
    desk.screenshot_showing_qr("deliver-telness", &lpa)
        .await
        .unwrap();

    // The eSIM screen offers what Telness can do: cancel the whole eSIM (not single packages).
    desk.click("nav-esims").await.unwrap();
    desk.type_into("esim-search", "Ana").await.unwrap();
    desk.wait_count("esim-result", 1).await.unwrap();
    desk.click("esim-result").await.unwrap();
    desk.by_testid("install-status").await.unwrap();
    assert!(!desk.is_present("revoke").await.unwrap());
    desk.click("cancel-esim").await.unwrap();
    desk.click("confirm-cancel-esim").await.unwrap();
    desk.text_when("cancel-esim-message", |t| {
        t.contains("refund the customer at the till")
    })
    .await
    .unwrap();
    desk.text_when("install-status", |t| t == "Deactivated")
        .await
        .unwrap();
    assert!(desk.is_present("install-cancelled").await.unwrap());
    desk.screenshot("esim-cancelled-telness").await.unwrap();
    desk.close().await.unwrap();
}

/// Exchange rates from Providers & settings: without one (as demo mode starts), Telness's EUR
/// offerings are listed after the comparable ones, in their own currency; a rate set on the
/// screen converts them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exchange_rate_set_in_settings_converts_the_list() {
    let _w = ONE_WINDOW.lock().await;
    let desk = Desk::launch().await.unwrap();
    desk.wait_catalogues_synced().await.unwrap();
    desk.click("nav-settings").await.unwrap();
    desk.text_when("exchange-rates", |t| t.contains("No rates yet"))
        .await
        .unwrap();

    search(&desk, "Spain").await;
    desk.text_when("not-comparable", |t| {
        t.contains("no exchange rate into USD")
    })
    .await
    .unwrap();
    desk.text_at_when("tr[data-provider=\"telness\"] td.price", |t| {
        t.contains("EUR") || t.contains('€')
    })
    .await
    .unwrap();
    desk.screenshot("sell-not-comparable").await.unwrap();

    desk.click("nav-settings").await.unwrap();
    desk.type_into("rate-from", "EUR").await.unwrap();
    desk.type_into("rate-value", "1.10").await.unwrap();
    desk.click("rate-save").await.unwrap();
    desk.text_when("rate-note", |t| t.contains("1 EUR = 1.1 USD"))
        .await
        .unwrap();
    desk.screenshot("settings-rates").await.unwrap();
    search(&desk, "Spain").await;
    desk.text_at_when(
        "tr[data-provider=\"telness\"] [data-testid=\"row-rate\"]",
        |t| t.contains("1.1"),
    )
    .await
    .unwrap();
    // Converted, Telness's rows are among the comparable ones, above the divider (ITT's BDT rows
    // still have no rate).
    let above = desk
        .number(
            "const rows = [...document.querySelectorAll('tr')]; \
             const t = rows.findIndex(r => r.dataset.provider === 'telness'); \
             const d = rows.findIndex(r => r.dataset.testid === 'not-comparable'); \
             return d < 0 || t < d ? 1 : 0;",
        )
        .await
        .unwrap();
    assert_eq!(above, 1.0);
    desk.close().await.unwrap();
}

/// A Truphone sale in the window: Truphone prepares the eSIM asynchronously, so Checkout shows
/// the wait ("the provider is preparing the eSIM…") until the order completes, then delivers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truphone_sale_shows_the_wait_then_the_qr() {
    let _w = ONE_WINDOW.lock().await;
    let desk = Desk::launch().await.unwrap();
    desk.text_when("freshness", |t| {
        t.contains("Truphone") && t.contains("offerings")
    })
    .await
    .unwrap();
    desk.type_into("destination-input", "Spain").await.unwrap();
    desk.text_at_when(&row_provider("truphone"), |t| t.contains("Truphone"))
        .await
        .unwrap();
    sell_first_row_of(&desk, "truphone").await;
    desk.type_into("customer-name", "Ana García").await.unwrap();
    desk.type_into("customer-email", "ana@example.com")
        .await
        .unwrap();
    desk.type_into("payment-reference", "TERM-7Q2L")
        .await
        .unwrap();
    desk.click("submit-order").await.unwrap();
    desk.text_when("checkout-preparing", |t| t.contains("preparing the eSIM"))
        .await
        .unwrap();
    desk.screenshot("checkout-preparing-truphone")
        .await
        .unwrap();
    let lpa = desk
        .text_when("deliver-lpa", |t| t.starts_with("LPA:1$rsp.truphone.com$"))
        .await
        .unwrap();
    desk.screenshot_showing_qr("deliver-truphone", &lpa)
        .await
        .unwrap();

    // Truphone cancels nothing through its API: the eSIM screen says where to go instead.
    desk.click("nav-esims").await.unwrap();
    desk.type_into("esim-search", "Ana").await.unwrap();
    desk.wait_count("esim-result", 1).await.unwrap();
    desk.click("esim-result").await.unwrap();
    desk.text_when("cancel-through-support", |t| t.contains("Truphone"))
        .await
        .unwrap();
    assert!(!desk.is_present("cancel-esim").await.unwrap());
    desk.close().await.unwrap();
}

/// Four providers in demo mode: ITT sells in BDT, which no rate converts, so its rows come after
/// the comparable ones, in BDT. An ITT sale prints ITT's installation steps in the customer's
/// language (Spanish here) on the voucher.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_itt_sale_prints_installation_steps_in_the_customers_language() {
    let _w = ONE_WINDOW.lock().await;
    let desk = Desk::launch().await.unwrap();
    desk.by_testid("demo-banner").await.unwrap();
    desk.type_into("destination-input", "Spain").await.unwrap();
    for (provider, name) in [
        ("esimgo", "eSIM Go"),
        ("telness", "Telness"),
        ("truphone", "Truphone"),
        ("itt", "ITT"),
    ] {
        desk.text_at_when(&row_provider(provider), |t| t.contains(name))
            .await
            .unwrap();
    }
    desk.text_at_when("tr[data-provider=\"itt\"] td.price", |t| {
        t.contains("BDT") || t.contains('৳')
    })
    .await
    .unwrap();
    // The boundary between the comparable rows and ITT's BDT rows, in view.
    desk.client
        .execute(
            "document.querySelector('[data-testid=\"not-comparable\"]').scrollIntoView({block: 'center'})",
            vec![],
        )
        .await
        .unwrap();
    desk.screenshot("sell-four-providers").await.unwrap();

    sell_first_row_of(&desk, "itt").await;
    desk.type_into("customer-name", "Ana García").await.unwrap();
    desk.type_into("customer-email", "ana@example.com")
        .await
        .unwrap();
    // ITT lists the phones its eSIMs work on: the desk checks the customer's.
    desk.type_into("customer-device", "iPhone 14")
        .await
        .unwrap();
    desk.client
        .find(Locator::Css(
            "[data-testid=\"customer-language\"] option[value=\"es\"]",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    desk.type_into("payment-reference", "TERM-7Q2M")
        .await
        .unwrap();
    desk.text_when("device-check", |t| {
        t.contains("list of compatible phones") && t.contains("iPhone 14")
    })
    .await
    .unwrap();
    desk.screenshot("checkout-itt").await.unwrap();
    desk.click("submit-order").await.unwrap();
    let lpa = desk
        .text_when("deliver-lpa", |t| {
            t.starts_with("LPA:1$rsp.sandbox-itt.example.com$")
        })
        .await
        .unwrap();
    desk.text_when("provider-steps", |t| !t.trim().is_empty())
        .await
        .unwrap();
    assert_eq!(
        desk.attr("provider-steps", "lang")
            .await
            .unwrap()
            .as_deref(),
        Some("es")
    );
    desk.screenshot_showing_qr("deliver-itt", &lpa)
        .await
        .unwrap();
    desk.close().await.unwrap();
}
