//! The `esimdesk` binary with all four providers' accounts (one sandbox on loopback, keys in the
//! real OS keychain): one list for one country in each provider's own currency unless a rate
//! converts it (ITT sells in BDT), and an ITT sale end to end with installation steps in the
//! customer's language.
//!
//! Ignored by a plain `cargo test` (they need a Secret Service); `cargo xtask test` runs them
//! inside a D-Bus session with an unlocked gnome-keyring.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;

mod common;

use common::*;

#[test]
#[ignore = "needs a Secret Service: cargo xtask test runs it"]
fn four_providers_in_one_list_and_an_itt_sale_with_steps_in_spanish() {
    let d = desk();
    let accounts: Vec<SandboxAccount<'_>> = ["esimgo", "telness", "truphone", "itt"]
        .into_iter()
        .map(|p| add_sandbox_account(&d, p))
        .collect();
    let itt = accounts[3].id.clone();
    let synced = d.json(&["sync", "--json"]);
    assert!(
        synced
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["offerings"].as_u64().unwrap_or(0) > 0),
        "{synced}"
    );

    let list = d.json(&["search", "spain", "--limit", "1000", "--json"]);
    let list = list.as_array().unwrap();
    let mut providers: Vec<&str> = list
        .iter()
        .map(|h| h["offering"]["provider"].as_str().unwrap())
        .collect();
    providers.sort_unstable();
    providers.dedup();
    assert_eq!(providers, ["esimgo", "itt", "telness", "truphone"]);
    // ITT's BDT prices are shown as BDT (no rate: never converted silently), after the USD rows;
    // exact money in the currency's own decimals.
    let itt_rows: Vec<&Value> = list
        .iter()
        .filter(|h| h["offering"]["provider"] == "itt")
        .collect();
    assert!(itt_rows.iter().all(|h| h["retail"]["currency"] == "BDT"));
    assert!(itt_rows.iter().all(|h| h["comparable"] == false));
    assert_eq!(itt_rows[0]["offering"]["cost"]["digits"], 2);
    // Comparable rows first; then, without a rate, each currency in one block.
    let blocks: Vec<(bool, &str)> = list
        .iter()
        .map(|h| {
            (
                h["comparable"] == true,
                h["retail"]["currency"].as_str().unwrap(),
            )
        })
        .collect();
    let mut seen: Vec<(bool, &str)> = Vec::new();
    for b in &blocks {
        if seen.last() != Some(b) {
            assert!(!seen.contains(b), "{b:?} appears in two places: {blocks:?}");
            seen.push(*b);
        }
    }
    assert_eq!(seen[0], (true, "USD"));

    let code = itt_rows[0]["offering"]["code"].as_str().unwrap().to_owned();
    let out = d.run(&[
        "order",
        "place",
        "--provider",
        &itt,
        "--offering",
        &code,
        "--reference",
        "itt-sale-1",
        "--payment-ref",
        "T-9",
        "--name",
        "Ana García",
        "--email",
        "ana@example.com",
        "--language",
        "es",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sold: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sold["order"]["order"]["state"], "completed", "{sold}");
    let esim = &sold["esims"][0];
    assert!(
        esim["code"]["canonical"]
            .as_str()
            .unwrap()
            .starts_with("LPA:1$rsp.sandbox-itt.example.com$")
    );
    assert_eq!(esim["instructions"]["language"], "es", "{esim}");
    assert!(!esim["instructions"]["ios"].as_array().unwrap().is_empty());
    // The booking tracking id was journaled before the one booking was made.
    assert_eq!(d.sandbox.admin().itt().bookings().len(), 1);

    let iccid = esim["iccid"].as_str().unwrap().to_owned();
    let usage = d.json(&["esim", "usage", &iccid, "--json"]);
    assert!(!usage["packages"].as_array().unwrap().is_empty(), "{usage}");
    let cancel = d.run(&["esim", "cancel", &iccid]);
    assert!(!cancel.status.success());
    assert!(String::from_utf8_lossy(&cancel.stderr).contains("ITT support"));
    drop(accounts);
}
