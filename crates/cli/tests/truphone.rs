//! The `esimdesk` binary with a Truphone account (client id and secret on standard input, in the
//! real OS keychain) beside eSIM Go and Telness, all simulated by one sandbox on loopback: one list
//! across the three, a sale that waits while Truphone prepares the eSIM, and one still being
//! prepared when the CLI stops waiting, completed later by reconciliation — never ordered twice.
//!
//! Ignored by a plain `cargo test` (they need a Secret Service); `cargo xtask test` runs them
//! inside a D-Bus session with an unlocked gnome-keyring.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Output;
use std::sync::Arc;
use std::time::Duration;

use esimdesk_sandbox::{
    BlockingSandbox, SandboxConfig, TruphoneConfig, TruphoneFulfilment, TruphoneOutcome,
    start_blocking,
};
use serde_json::Value;

mod common;

use common::*;

fn sandbox(fulfilment: TruphoneFulfilment) -> Arc<BlockingSandbox> {
    Arc::new(
        start_blocking(SandboxConfig {
            // Truphone's fulfilment runs on the sandbox clock: let it follow the wall clock so a
            // sale's wait sees it move.
            clock_follows_wall: true,
            truphone: TruphoneConfig {
                fulfilment,
                ..TruphoneConfig::default()
            },
            ..SandboxConfig::for_tests()
        })
        .unwrap(),
    )
}

struct Accounts {
    desk: Desk,
    ids: Vec<String>,
}

impl Drop for Accounts {
    fn drop(&mut self) {
        for id in &self.ids {
            let _ = self.desk.run(&["providers", "remove", id]);
        }
    }
}

impl Accounts {
    fn truphone(&self) -> &str {
        &self.ids[0]
    }
}

/// A desk selling in Spain with a Truphone account (and, with `all`, eSIM Go and Telness too),
/// synced.
fn desk_with(sandbox: Arc<BlockingSandbox>, all: bool) -> Accounts {
    let desk = desk_on(sandbox);
    let n = std::process::id() as u64 * 1000 + next_id();
    let mut ids = vec![format!("truphone-{n}")];
    let credential = desk.sandbox.provider_credential("truphone").unwrap();
    assert_eq!(credential.lines().count(), 2, "client id, then secret");
    let out = add_provider_account(
        &desk,
        "truphone",
        &ids[0],
        &desk.sandbox.truphone_base_url(),
        &credential,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    if all {
        for provider in ["esimgo", "telness"] {
            let id = format!("{provider}-{n}");
            let url = desk.sandbox.provider_base_url(provider).unwrap();
            let key = desk.sandbox.provider_credential(provider).unwrap();
            let out = add_provider_account(&desk, provider, &id, &url, &key);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            ids.push(id);
        }
    }
    let accounts = Accounts { desk, ids };
    accounts.desk.json(&["sync", "--json"]);
    accounts
}

fn truphone_offering(a: &Accounts, place: &str) -> String {
    a.desk
        .json(&["search", place, "--limit", "500", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["accountId"] == a.truphone())
        .map(|h| h["offering"]["code"].as_str().unwrap().to_owned())
        .expect("a Truphone product")
}

fn place(a: &Accounts, code: &str, reference: &str, wait: &str) -> Output {
    a.desk.run(&[
        "order",
        "place",
        "--provider",
        a.truphone(),
        "--offering",
        code,
        "--reference",
        reference,
        "--payment-ref",
        "T-1",
        "--name",
        "Ana García",
        "--email",
        "ana@example.com",
        "--wait-seconds",
        wait,
        "--json",
    ])
}

#[test]
#[ignore = "needs a Secret Service: cargo xtask test runs it"]
fn three_providers_in_one_list_and_a_truphone_sale_that_waits_for_its_esim() {
    let a = desk_with(
        sandbox(TruphoneFulfilment::completing_after(Duration::from_secs(2))),
        true,
    );
    let list = a
        .desk
        .json(&["search", "spain", "--limit", "500", "--json"]);
    let mut providers: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["offering"]["provider"].as_str().unwrap())
        .collect();
    providers.sort_unstable();
    providers.dedup();
    assert_eq!(providers, ["esimgo", "telness", "truphone"]);

    // Truphone orders name the country of sale: without one the sale is refused, nothing sent.
    let code = truphone_offering(&a, "spain");
    let refused = place(&a, &code, "tp-nocountry", "30");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("country"));
    assert_eq!(a.desk.sandbox.admin().truphone().orders().len(), 0);

    let set = a
        .desk
        .json(&["settings", "set", "--country", "es", "--json"]);
    assert_eq!(set["country"], "ES");
    let out = place(&a, &code, "tp-sale-1", "30");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("preparing the eSIM"));
    let sold: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sold["order"]["order"]["state"], "completed", "{sold}");
    let lpa = sold["esims"][0]["code"]["canonical"].as_str().unwrap();
    assert!(lpa.starts_with("LPA:1$rsp.truphone.com$"), "{lpa}");
    let orders = a.desk.sandbox.admin().truphone().orders();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].correlation_id.as_deref(), Some("tp-sale-1"));

    let iccid = sold["esims"][0]["iccid"].as_str().unwrap().to_owned();
    let usage = a.desk.json(&["esim", "usage", &iccid, "--json"]);
    assert!(!usage["packages"].as_array().unwrap().is_empty(), "{usage}");
    // Truphone cancels nothing through the API: refused with where to go instead.
    let cancel = a.desk.run(&["esim", "cancel", &iccid]);
    assert!(!cancel.status.success());
    assert!(String::from_utf8_lossy(&cancel.stderr).contains("Truphone support"));
}

#[test]
#[ignore = "needs a Secret Service: cargo xtask test runs it"]
fn a_sale_still_being_prepared_is_completed_by_reconciliation_without_a_second_order() {
    let a = desk_with(sandbox(TruphoneFulfilment::never()), false);
    a.desk
        .json(&["settings", "set", "--country", "ES", "--json"]);
    let code = truphone_offering(&a, "spain");
    let out = place(&a, &code, "tp-slow-1", "1");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let kept: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(kept["order"]["order"]["state"], "provisioning");
    assert!(String::from_utf8_lossy(&out.stdout).contains("provisioning"));

    // Still being prepared: reconciliation leaves it as it is.
    a.desk.json(&["reconcile", "--json"]);
    assert!(order_states(&a.desk).contains(&("tp-slow-1".into(), "provisioning".into())));

    let truphone = a.desk.sandbox.admin().truphone();
    let order_id = truphone.orders()[0].order_id.clone();
    truphone
        .set_order_outcome(&order_id, TruphoneOutcome::Complete)
        .unwrap();
    a.desk
        .sandbox
        .admin()
        .advance_clock(Duration::from_secs(10));
    let settled = a.desk.json(&["reconcile", "--json"]);
    assert!(
        settled
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["clientReference"] == "tp-slow-1" && r["after"] == "completed"),
        "{settled}"
    );
    assert_eq!(truphone.orders().len(), 1, "never ordered twice");
    let found = a.desk.json(&["esim", "find", "Ana", "--json"]);
    assert!(
        found
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["orderReference"] == "tp-slow-1")
    );
}
