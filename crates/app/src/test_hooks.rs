//! Hooks the crash and failure tests drive a purchase with; compiled only with the `test-hooks`
//! feature (the workspace's test builds turn it on; a release build has none of it).
//!
//! - `ESIMDESK_TEST_PAUSE_AT=<step>` (e.g. `submitting`): at that step the process writes
//!   `ESIMDESK_TEST_PAUSE_FILE` and waits there to be killed, so a test can SIGKILL it at an
//!   exact point of a purchase.
//! - `ESIMDESK_TEST_FAIL_AT=<step>` (e.g. `answered`): at that step the database "fails" (a write the
//!   disk refuses, as a full disk does), so a test sees what the desk does with a store
//!   error after the provider charged.

use esimdesk_store::StoreError;

use crate::checkout::CheckoutStep;

#[cfg(feature = "test-hooks")]
pub(crate) fn at(step: CheckoutStep) -> Result<(), StoreError> {
    let name = serde_json::to_value(step)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    if std::env::var("ESIMDESK_TEST_FAIL_AT").is_ok_and(|w| w == name) {
        tracing::warn!(step = %name, "test hook: the database fails here");
        return Err(StoreError::Io {
            context: "saving the order".into(),
            source: std::io::Error::other("the disk refused the write (test hook)"),
        });
    }
    if std::env::var("ESIMDESK_TEST_PAUSE_AT").is_ok_and(|w| w == name) {
        if let Ok(marker) = std::env::var("ESIMDESK_TEST_PAUSE_FILE") {
            let _ = std::fs::write(marker, &name);
        }
        loop {
            std::thread::sleep(std::time::Duration::from_secs(3600));
        }
    }
    Ok(())
}

#[cfg(not(feature = "test-hooks"))]
#[inline(always)]
pub(crate) fn at(_step: CheckoutStep) -> Result<(), StoreError> {
    Ok(())
}
