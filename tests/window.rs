//! The real window: type a code, see it parsed and its QR drawn; type a bad one, see why.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use esimdesk_e2e::{Desk, decode_qr_codes};
use fantoccini::key::Key;

// One window at a time: the tests share one display and (later) a single-instance app.
static ONE_WINDOW: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pasted_code_is_parsed_and_its_qr_drawn() {
    let _window = ONE_WINDOW.lock().await;
    let desk = Desk::launch().await.unwrap();

    let name = desk
        .text_when("app-name", |t| t == "eSIM Desk")
        .await
        .unwrap();
    assert_eq!(name, "eSIM Desk");
    let version = desk
        .text_when("app-version", |t| !t.is_empty())
        .await
        .unwrap();
    assert_eq!(version, format!("v{}", env!("CARGO_PKG_VERSION")));

    desk.click("nav-check").await.unwrap();
    let input = desk.by_testid("code-input").await.unwrap();
    input
        .send_keys("  lpa:1$smdp.example.com$04386-AGYFT-A74Y8-3F815$$1  ")
        .await
        .unwrap();
    input.send_keys(&Key::Enter.to_string()).await.unwrap();

    let canonical = "LPA:1$smdp.example.com$04386-AGYFT-A74Y8-3F815$$1";
    desk.text_when("code-canonical", |t| t == canonical)
        .await
        .unwrap();
    assert_eq!(
        desk.text_when("code-smdp", |t| !t.is_empty())
            .await
            .unwrap(),
        "smdp.example.com"
    );
    assert_eq!(
        desk.text_when("code-matching-id", |t| !t.is_empty())
            .await
            .unwrap(),
        "04386-AGYFT-A74Y8-3F815"
    );
    let confirmation = desk
        .text_when("code-confirmation", |t| !t.is_empty())
        .await
        .unwrap();
    assert!(confirmation.starts_with("Required"), "{confirmation}");
    let apple = desk
        .text_when("code-apple-url", |t| !t.is_empty())
        .await
        .unwrap();
    assert!(apple.starts_with("https://esimsetup.apple.com/esim_qrcode_provisioning?carddata=LPA"));
    assert!(desk.is_present("code-qr").await.unwrap());

    // What the customer's phone would read: the QR in the screenshot carries the code shown.
    let png = desk.screenshot("check-code-valid").await.unwrap();
    let decoded = decode_qr_codes(&png).unwrap();
    assert!(
        decoded.iter().any(|text| text == canonical),
        "QR codes found in the window: {decoded:?}"
    );

    desk.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_code_says_which_field_is_wrong_and_shows_no_qr() {
    let _window = ONE_WINDOW.lock().await;
    let desk = Desk::launch().await.unwrap();

    desk.click("nav-check").await.unwrap();
    let input = desk.by_testid("code-input").await.unwrap();
    input
        .send_keys("LPA:1$rsp.truphone.com$6C_DA326D")
        .await
        .unwrap();
    desk.by_testid("code-check")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    let error = desk
        .text_when("code-error", |t| t.contains("matching ID"))
        .await
        .unwrap();
    assert!(error.contains("'_'"), "{error}");
    assert!(!desk.is_present("code-qr").await.unwrap());
    desk.screenshot("check-code-invalid").await.unwrap();

    // An ICCID typed with spaces is accepted and normalised.
    let id = desk.by_testid("id-input").await.unwrap();
    id.send_keys("8937 2020 0000 0123 4569").await.unwrap();
    desk.by_testid("id-check")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    desk.text_when("id-result", |t| t.contains("89372020000001234569"))
        .await
        .unwrap();

    desk.close().await.unwrap();
}

/// Ctrl + = five times: 200 % zoom (Tauri's zoom hotkeys). The Sell screen still fits the
/// window's width — no sideways scrolling of the page — and the results stay readable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sell_screen_reads_at_200_percent_zoom() {
    let _window = ONE_WINDOW.lock().await;
    let desk = Desk::launch().await.unwrap();
    desk.text_when("freshness", |t| t.contains("offerings"))
        .await
        .unwrap();
    let input = desk.by_testid("destination-input").await.unwrap();
    input.send_keys("spain").await.unwrap();
    desk.wait_count("result-row", 1).await.unwrap();
    let before = desk.number("return window.innerWidth;").await.unwrap();
    for _ in 0..5 {
        input
            .send_keys(&format!("{}={}", Key::Control, Key::Null))
            .await
            .unwrap();
    }
    // The zoom is applied by the shell, asynchronously: wait (bounded) for the CSS width to halve.
    let mut width = before;
    for _ in 0..100 {
        width = desk.number("return window.innerWidth;").await.unwrap();
        if width <= before / 1.9 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        width <= before / 1.9,
        "zoom not applied: {before} → {width} CSS px"
    );
    let overflow = desk
        .number(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
        )
        .await
        .unwrap();
    desk.screenshot("sell-zoom-200").await.unwrap();
    assert!(
        overflow <= 1.0,
        "the page scrolls sideways by {overflow} px at 200 %"
    );
    desk.close().await.unwrap();
}
