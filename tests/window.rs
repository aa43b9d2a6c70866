//! The real window: type a code, see it parsed and its QR drawn; type a bad one, see why; drop a
//! picture of a QR code; filters the app cannot read.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use esimdesk_app::codes::{QrFormat, qr_bytes};
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

/// A picture of a customer's QR code dropped onto Check a code is read and shown as a chosen file
/// is; a file that is no picture says so. The file is built in the page (WebDriver cannot drag the
/// OS's files) and dropped with the events a real drag sends.
/// Whether the drop zone shows a file being dragged over it.
async fn dragging(desk: &Desk) -> bool {
    desk.attr("qr-drop", "data-dragging")
        .await
        .unwrap()
        .as_deref()
        == Some("true")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_qr_picture_dropped_on_check_a_code_is_read() {
    let _window = ONE_WINDOW.lock().await;
    let desk = Desk::launch().await.unwrap();
    desk.click("nav-check").await.unwrap();
    let hint = desk
        .text_when("qr-drop-hint", |t| !t.is_empty())
        .await
        .unwrap();
    assert!(
        hint.contains("Drop a picture of the QR code here, or choose a file"),
        "{hint}"
    );
    assert!(!dragging(&desk).await);

    // Not a picture: the shell's reason is shown, and no result.
    assert!(
        desk.drag_file_over(
            "qr-drop",
            "notes.txt",
            "text/plain",
            b"call the customer back"
        )
        .await
        .unwrap()
    );
    assert!(desk.drop_dragged("qr-drop").await.unwrap());
    let error = desk
        .text_when("qr-image-error", |t| !t.is_empty())
        .await
        .unwrap();
    assert!(error.contains("not an image"), "{error}");
    assert!(!desk.is_present("qr-image-result").await.unwrap());
    desk.screenshot("check-code-dropped-not-a-picture")
        .await
        .unwrap();

    let code = "LPA:1$smdp.example.com$04386-AGYFT-A74Y8-3F815";
    let png = qr_bytes(code, QrFormat::Png { min_size_px: 300 }).unwrap();

    // Dragged over and away again: highlighted only while over the zone.
    assert!(
        desk.drag_file_over("qr-drop", "qr.png", "image/png", &png)
            .await
            .unwrap(),
        "the drop zone does not take a dragged file"
    );
    assert!(dragging(&desk).await);
    desk.leave_dragged("qr-drop").await.unwrap();
    assert!(!dragging(&desk).await);

    // Dragged over again, and dropped.
    assert!(
        desk.drag_file_over("qr-drop", "qr.png", "image/png", &png)
            .await
            .unwrap()
    );
    desk.screenshot("check-code-dragging").await.unwrap();
    assert!(desk.drop_dragged("qr-drop").await.unwrap());
    let shown = desk
        .text_at_when(
            r#"[data-testid="qr-image-result"] [data-testid="deliver-lpa"]"#,
            |t| !t.is_empty(),
        )
        .await
        .unwrap();
    assert_eq!(shown, code);
    assert_eq!(
        desk.text_at_when(
            r#"[data-testid="qr-image-result"] [data-testid="deliver-matching-id"]"#,
            |t| !t.is_empty(),
        )
        .await
        .unwrap(),
        "04386-AGYFT-A74Y8-3F815"
    );
    assert!(!desk.is_present("qr-image-error").await.unwrap());
    assert!(!dragging(&desk).await);
    // The QR drawn for the customer carries the code read from the picture.
    let shot = desk.screenshot("check-code-dropped").await.unwrap();
    let decoded = decode_qr_codes(&shot).unwrap();
    assert!(
        decoded.iter().any(|text| text == code),
        "QR codes found in the window: {decoded:?}"
    );

    desk.close().await.unwrap();
}

/// Selects all of a field's text and types over it, as an agent correcting a filter does.
async fn retype(desk: &Desk, id: &str, text: &str) {
    let field = desk.by_testid(id).await.unwrap();
    field
        .send_keys(&format!("{}a{}{}", Key::Control, Key::Null, Key::Backspace))
        .await
        .unwrap();
    field.send_keys(text).await.unwrap();
}

/// The Sell screen sends the filters as typed; text the app cannot read (a price with more
/// decimals than the desk's currency has, a size that is no size) is named beside its own filter,
/// with no results to sell by mistake, until it is corrected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filter_the_app_cannot_read_is_named_beside_it() {
    let _window = ONE_WINDOW.lock().await;
    let desk = Desk::launch().await.unwrap();
    desk.wait_catalogues_synced().await.unwrap();
    desk.type_into("destination-input", "spain").await.unwrap();
    desk.wait_count("result-row", 1).await.unwrap();

    // The demo desk sells in US dollars: two decimals at most.
    retype(&desk, "filter-price", "1.999").await;
    let error = desk
        .text_when("filter-price-error", |t| !t.is_empty())
        .await
        .unwrap();
    assert!(error.contains("USD"), "{error}");
    assert!(!error.to_lowercase().starts_with("max price"), "{error}");
    desk.wait_gone("result-row").await.unwrap();
    assert!(desk.is_present("filter-unreadable").await.unwrap());
    assert!(!desk.is_present("filter-data-error").await.unwrap());
    assert_eq!(
        desk.attr("filter-price", "aria-invalid")
            .await
            .unwrap()
            .as_deref(),
        Some("true")
    );
    desk.screenshot("sell-filter-price-unreadable")
        .await
        .unwrap();
    // Enter sells the first row; there is none while the filter cannot be read. The key's
    // handler (and the screen change a sale would make) runs before the next frames are drawn:
    // the screenshot waits for two, so the check below follows the page, not the clock.
    desk.keys(&Key::Enter.to_string()).await.unwrap();
    desk.screenshot("sell-filter-enter-refused").await.unwrap();
    assert!(!desk.is_present("customer-name").await.unwrap());
    assert!(desk.is_present("filter-price").await.unwrap());

    retype(&desk, "filter-price", "1000").await;
    desk.wait_gone("filter-price-error").await.unwrap();
    desk.wait_count("result-row", 1).await.unwrap();

    retype(&desk, "filter-data", "lots").await;
    let error = desk
        .text_when("filter-data-error", |t| !t.is_empty())
        .await
        .unwrap();
    assert!(error.contains("lots"), "{error}");
    desk.wait_gone("result-row").await.unwrap();
    assert!(!desk.is_present("filter-price-error").await.unwrap());
    desk.screenshot("sell-filter-data-unreadable")
        .await
        .unwrap();

    retype(&desk, "filter-data", "1GB").await;
    desk.wait_gone("filter-data-error").await.unwrap();
    desk.wait_count("result-row", 1).await.unwrap();
    desk.close().await.unwrap();
}

/// Ctrl + = five times: 200 % zoom (Tauri's zoom hotkeys). The Sell screen still fits the
/// window's width — no sideways scrolling of the page — and the results stay readable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sell_screen_reads_at_200_percent_zoom() {
    let _window = ONE_WINDOW.lock().await;
    let desk = Desk::launch().await.unwrap();
    desk.wait_catalogues_synced().await.unwrap();
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
