//! The keychain against the REAL platform store: on Linux a Secret Service (GNOME Keyring) in a
//! private D-Bus session. These tests write entries, so they never run by accident against a
//! developer's own keychain: they are `#[ignore]`d and refuse to run outside that session.
//!
//! Run them (Linux; Debian packages dbus-daemon, dbus-bin, gnome-keyring, libdbus-1-dev):
//!
//! ```text
//! sh xtask/keyring-session.sh cargo test -p esimdesk-store --test keychain -- --include-ignored
//! ```
//!
//! `cargo xtask test` runs exactly that. The one test that is not ignored needs no keychain.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use esimdesk_store::keychain::{Keychain, KeychainError, KeychainStatus};
use secrecy::{ExposeSecret, SecretString};

const HOW_TO_RUN: &str = "the keychain tests need a throwaway keychain: run them through \
     `cargo xtask test`, or `sh xtask/keyring-session.sh cargo test -p esimdesk-store --test \
     keychain -- --include-ignored`, which starts a private D-Bus session with an unlocked GNOME \
     Keyring (to use your own system keychain instead, at your own risk, set \
     ESIMDESK_KEYCHAIN_TESTS=1)";

/// One keychain test at a time: the keyring daemon is shared by the whole test run, and a test
/// that starts and ends a keyring session of its own (the locked keyring) must not overlap the
/// others' calls (seen once: the shared daemon gone from the bus mid-run while the tests ran in
/// parallel).
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

/// Fails (never skips) when the tests are not in the session `keyring-session.sh` makes.
fn require_test_keychain() {
    assert_eq!(
        std::env::var("ESIMDESK_KEYCHAIN_TESTS").as_deref(),
        Ok("1"),
        "{HOW_TO_RUN}"
    );
    if cfg!(target_os = "linux") {
        assert!(
            std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
            "DBUS_SESSION_BUS_ADDRESS is not set: {HOW_TO_RUN}"
        );
    }
}

/// A keychain under a service name no other test (or run) uses, whose entries are removed when
/// it is dropped.
struct TestKeychain {
    keychain: Keychain,
    accounts: Vec<&'static str>,
}

impl TestKeychain {
    fn new(accounts: &[&'static str]) -> TestKeychain {
        require_test_keychain();
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let service = format!(
            "esim-desk-test-{}-{nanos}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        TestKeychain {
            keychain: Keychain::with_service(service),
            accounts: accounts.to_vec(),
        }
    }
}

impl Drop for TestKeychain {
    fn drop(&mut self) {
        for account in &self.accounts {
            let _ = self.keychain.delete(account);
        }
    }
}

fn secret(text: &str) -> SecretString {
    SecretString::from(text.to_owned())
}

fn read(keychain: &Keychain, account: &str) -> Option<String> {
    keychain
        .get(account)
        .unwrap()
        .map(|s| s.expose_secret().to_owned())
}

#[test]
#[ignore = "needs a Secret Service: run via `cargo xtask test` (see this file's header)"]
fn status_is_available() {
    let _one = one_at_a_time();
    let test = TestKeychain::new(&[]);
    assert_eq!(test.keychain.status(), KeychainStatus::Available);
    assert_eq!(Keychain::new().status(), KeychainStatus::Available);
}

#[test]
#[ignore = "needs a Secret Service: run via `cargo xtask test` (see this file's header)"]
fn set_get_overwrite_delete_round_trip() {
    let _one = one_at_a_time();
    let test = TestKeychain::new(&["esimgo"]);
    let keychain = &test.keychain;

    assert_eq!(
        read(keychain, "esimgo"),
        None,
        "a fresh service has no entry"
    );

    keychain
        .set("esimgo", &secret("sk_first key/with+odd=chars ✓"))
        .unwrap();
    assert_eq!(
        read(keychain, "esimgo").as_deref(),
        Some("sk_first key/with+odd=chars ✓")
    );

    keychain.set("esimgo", &secret("sk_second")).unwrap();
    assert_eq!(read(keychain, "esimgo").as_deref(), Some("sk_second"));

    keychain.delete("esimgo").unwrap();
    assert_eq!(read(keychain, "esimgo"), None);
    keychain
        .delete("esimgo")
        .expect("deleting a missing entry is not an error");
}

#[test]
#[ignore = "needs a Secret Service: run via `cargo xtask test` (see this file's header)"]
fn accounts_and_services_are_separate_entries() {
    let _one = one_at_a_time();
    let test = TestKeychain::new(&["esimgo", "esimgo:agency-2"]);
    let other = TestKeychain::new(&["esimgo"]);

    test.keychain.set("esimgo", &secret("key-main")).unwrap();
    test.keychain
        .set("esimgo:agency-2", &secret("key-agency-2"))
        .unwrap();
    assert_eq!(read(&other.keychain, "esimgo"), None, "another service");

    other.keychain.set("esimgo", &secret("key-other")).unwrap();
    test.keychain.delete("esimgo").unwrap();

    assert_eq!(read(&test.keychain, "esimgo"), None);
    assert_eq!(
        read(&test.keychain, "esimgo:agency-2").as_deref(),
        Some("key-agency-2")
    );
    assert_eq!(
        read(&other.keychain, "esimgo").as_deref(),
        Some("key-other")
    );
}

#[test]
#[ignore = "needs a Secret Service: run via `cargo xtask test` (see this file's header)"]
fn errors_and_debug_output_never_show_the_secret() {
    let _one = one_at_a_time();
    let test = TestKeychain::new(&["esimgo"]);
    let key = secret("sk_live_do_not_print_me");
    test.keychain.set("esimgo", &key).unwrap();
    let read_back = test.keychain.get("esimgo").unwrap().unwrap();
    let shown = format!("{key:?} {read_back:?} {:?}", test.keychain);
    assert!(!shown.contains("do_not_print_me"), "{shown}");

    let error = test.keychain.set("not valid!", &key).unwrap_err();
    assert!(matches!(error, KeychainError::InvalidAccount { .. }));
    assert!(!format!("{error} {error:?}").contains("do_not_print_me"));
}

/// A locked keyring: `status()` says so without prompting, and calls that would need it unlocked
/// fail as `Locked` or (the unlock prompt dismissed: there is no display here) `Denied`. Runs in a
/// keyring session of its own, in a child process, since locking it would upset the other tests.
#[cfg(target_os = "linux")]
#[test]
#[ignore = "needs a Secret Service: run via `cargo xtask test` (see this file's header)"]
fn a_locked_keyring_is_reported_and_refuses_calls() {
    let _one = one_at_a_time();
    const CHILD: &str = "ESIMDESK_KEYCHAIN_TEST_CHILD";
    const NAME: &str = "a_locked_keyring_is_reported_and_refuses_calls";
    require_test_keychain();
    if std::env::var_os(CHILD).is_some() {
        let test = TestKeychain::new(&[]);
        let keychain = &test.keychain;
        keychain.set("esimgo", &secret("sk_locked_away")).unwrap();
        let locked = std::process::Command::new("dbus-send")
            .args([
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.secrets",
                "/org/freedesktop/secrets",
                "org.freedesktop.Secret.Service.Lock",
                "array:objpath:/org/freedesktop/secrets/collection/login",
            ])
            .output()
            .unwrap();
        assert!(locked.status.success(), "{locked:?}");

        let status = keychain.status();
        let KeychainStatus::Locked { hint } = &status else {
            panic!("expected Locked, got {status:?}");
        };
        assert!(hint.contains("Unlock your login keyring"), "{hint}");
        let refused = |result: Result<(), KeychainError>| {
            let error = result.unwrap_err();
            assert!(
                matches!(error, KeychainError::Locked | KeychainError::Denied),
                "{error:?}"
            );
            assert!(!format!("{error} {error:?}").contains("sk_"), "{error:?}");
            assert!(error.hint().is_some());
        };
        refused(keychain.get("esimgo").map(|_| ()));
        refused(keychain.set("esimgo", &secret("sk_replacement")));
        refused(keychain.set("esimgo:agency-2", &secret("sk_new")));
        refused(keychain.delete("esimgo"));
        return;
    }
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../xtask/keyring-session.sh");
    let output = std::process::Command::new("sh")
        .arg(script)
        .arg(std::env::current_exe().unwrap())
        .args([NAME, "--exact", "--include-ignored", "--nocapture"])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "child failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
}

/// Without any session bus the keychain is reported unavailable, with the Linux hint — in a child
/// process, since the bus address is process-wide. Needs no keychain, so it is not ignored.
#[cfg(target_os = "linux")]
#[test]
fn without_a_session_bus_the_keychain_is_unavailable() {
    const CHILD: &str = "ESIMDESK_KEYCHAIN_TEST_CHILD";
    const NAME: &str = "without_a_session_bus_the_keychain_is_unavailable";
    if std::env::var_os(CHILD).is_some() {
        let keychain = Keychain::with_service("esim-desk-test-no-bus");
        let status = keychain.status();
        let KeychainStatus::Unavailable { reason, hint } = &status else {
            panic!("expected Unavailable, got {status:?}");
        };
        assert!(!reason.is_empty());
        assert!(hint.contains("GNOME Keyring or KWallet"), "{hint}");
        let error = keychain
            .set("esimgo", &secret("sk_never_stored"))
            .unwrap_err();
        assert!(
            matches!(error, KeychainError::Unavailable { .. }),
            "{error:?}"
        );
        assert!(
            error.to_string().contains("never stored in plain text"),
            "{error}"
        );
        assert!(matches!(
            keychain.get("esimgo"),
            Err(KeychainError::Unavailable { .. })
        ));
        return;
    }
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([NAME, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/esim-desk-test-bus",
        )
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "child failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
}
