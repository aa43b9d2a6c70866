//! The `esimdesk` binary against the eSIM Go sandbox on loopback, with the real OS keychain.
//!
//! These tests need a Secret Service (the keys go to the OS keychain, never to the database), so
//! they are ignored by a plain `cargo test`; `cargo xtask test` runs them inside a D-Bus session
//! with an unlocked gnome-keyring.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use esimdesk_sandbox::{FaultKind, FaultSpec};
use serde_json::Value;

mod common;

use common::*;

#[test]
#[ignore = "needs a Secret Service: cargo xtask test runs it"]
fn walk_in_sale_from_key_to_usage() {
    let d = desk();
    let added = d.add_account(d.sandbox.esimgo_api_key());
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let added: Value = serde_json::from_slice(&added.stdout).unwrap();
    assert_eq!(added["account"]["id"], d.account.as_str());
    assert!(added["balance"]["minor"].as_i64().unwrap() > 0);

    // Live catalogue, filtered by the provider.
    let fr = d.json(&[
        "catalogue",
        "list",
        "--provider",
        &d.account,
        "--country",
        "FR",
        "--json",
    ]);
    let fr = fr.as_array().unwrap();
    assert!(!fr.is_empty());
    assert!(
        fr.iter()
            .all(|o| o["countries"].as_array().unwrap().iter().any(|c| c == "FR"))
    );

    // Sync, then search offline.
    let synced = d.json(&["sync", "--json"]);
    assert!(synced[0]["offerings"].as_u64().unwrap() >= 50);
    let hits = d.json(&["search", "netherlands", "--json"]);
    let code = hits
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["offering"]["code"].as_str().unwrap().to_owned())
        .find(|c| c == "esim_1GB_7D_NL_V2")
        .expect("the sandbox's NL bundle is found by country name");

    let v = d.json(&[
        "order",
        "validate",
        "--provider",
        &d.account,
        "--offering",
        &code,
        "--json",
    ]);
    assert_eq!(v["providerTotal"], v["quotedCost"]);
    assert!(
        d.sandbox.admin().order_references().is_empty(),
        "validate bought nothing"
    );

    let placed = d.json(&[
        "order",
        "place",
        "--provider",
        &d.account,
        "--offering",
        &code,
        "--reference",
        "walkin-0001",
        "--payment-ref",
        "TERM-1",
        "--name",
        "Ana Ruiz",
        "--email",
        "ana@example.com",
        "--json",
    ]);
    assert_eq!(placed["order"]["order"]["state"], "completed");
    let esim = &placed["esims"][0];
    let iccid = esim["iccid"].as_str().unwrap().to_owned();
    let canonical = esim["code"]["canonical"].as_str().unwrap();
    let parsed = d.json(&["code", "parse", canonical]);
    assert_eq!(parsed["canonical"], canonical);
    assert_eq!(d.sandbox.admin().order_references().len(), 1);

    // Text output prints the ICCID and the LPA: code.
    let again = d.run(&[
        "order",
        "place",
        "--provider",
        &d.account,
        "--offering",
        &code,
        "--reference",
        "walkin-0001",
    ]);
    assert_eq!(again.status.code(), Some(2), "a used reference is refused");
    assert!(String::from_utf8_lossy(&again.stderr).contains("already used"));
    assert_eq!(
        d.sandbox.admin().order_references().len(),
        1,
        "never bought twice"
    );

    let usage = d.json(&["esim", "usage", &iccid, "--json"]);
    assert_eq!(usage["iccid"], iccid.as_str());
    assert_eq!(usage["packages"][0]["offeringCode"], code.as_str());

    let orders = d.json(&["orders", "--json"]);
    assert_eq!(orders.as_array().unwrap().len(), 1);
    assert_eq!(orders[0]["order"]["paymentReference"], "TERM-1");
    d.remove_account();
}

#[test]
#[ignore = "needs a Secret Service: cargo xtask test runs it"]
fn a_wrong_key_is_refused_and_nothing_is_stored() {
    let d = desk();
    let out = d.add_account("not-the-key");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.to_lowercase().contains("key"), "{stderr}");
    assert!(
        !stderr.contains("not-the-key"),
        "the key leaked into an error: {stderr}"
    );
    let list = d.json(&["providers", "list", "--json"]);
    assert!(list.as_array().unwrap().is_empty());
}

#[test]
#[ignore = "needs a Secret Service: cargo xtask test runs it"]
fn a_reply_lost_after_commit_is_unknown_then_reconciled_never_rebought() {
    let d = desk();
    d.ready();
    d.sandbox
        .admin()
        .add_fault(
            FaultSpec::new(FaultKind::DropAfterCommit)
                .on("POST", "/v2.4/orders")
                .times(1),
        )
        .unwrap();
    let out = d.run(&[
        "order",
        "place",
        "--provider",
        &d.account,
        "--offering",
        "esim_1GB_7D_NL_V2",
        "--reference",
        "lost-1",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("reconcile"), "{stderr}");
    assert_eq!(order_states(&d), vec![("lost-1".into(), "unknown".into())]);
    assert_eq!(d.sandbox.admin().order_references().len(), 1);

    d.json(&["reconcile", "--grace-seconds", "0", "--json"]);
    assert_eq!(
        order_states(&d),
        vec![("lost-1".into(), "completed".into())]
    );
    assert_eq!(
        d.sandbox.admin().order_references().len(),
        1,
        "never bought twice"
    );
    d.remove_account();
}

#[test]
#[ignore = "needs a Secret Service: cargo xtask test runs it"]
fn the_key_appears_nowhere_but_the_keychain() {
    let d = desk();
    let key = d.sandbox.esimgo_api_key().to_owned();
    let added = d.add_account(&key);
    let mut outputs = vec![added];
    outputs.push(d.run(&["sync", "--json"]));
    outputs.push(d.run(&[
        "order",
        "place",
        "--provider",
        &d.account,
        "--offering",
        "esim_1GB_7D_NL_V2",
        "--reference",
        "leak-1",
    ]));
    // An error path too: a bundle the provider refuses.
    outputs.push(d.run(&[
        "order",
        "place",
        "--provider",
        &d.account,
        "--offering",
        "esim_nope",
        "--reference",
        "leak-2",
    ]));
    outputs.push(d.run(&["providers", "list", "--json"]));
    for out in &outputs {
        for stream in [&out.stdout, &out.stderr] {
            assert!(
                !String::from_utf8_lossy(stream).contains(&key),
                "the key leaked into output"
            );
        }
    }
    for entry in std::fs::read_dir(&d.data).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(
            !bytes.windows(key.len()).any(|w| w == key.as_bytes()),
            "the key is in a database file"
        );
    }
    d.remove_account();
}

#[test]
#[ignore = "needs a Secret Service: cargo xtask test runs it"]
fn search_works_offline_and_buying_says_it_needs_the_network() {
    let d = desk();
    d.ready();
    let account = d.account.clone();
    let Desk {
        _dir,
        data,
        sandbox,
        account: _,
    } = d;
    match Arc::try_unwrap(sandbox) {
        Ok(sandbox) => sandbox.shutdown(),
        Err(_) => panic!("the test holds the only handle to its sandbox"),
    }

    let hits = json_in(&data, &["search", "NL", "--min-data", "1GB", "--json"]);
    assert!(
        !hits.as_array().unwrap().is_empty(),
        "the cached catalogue answers offline"
    );
    let fresh = json_in(&data, &["catalogue", "status", "--json"]);
    assert_eq!(fresh[0]["accountId"], account.as_str());
    assert!(fresh[0]["fetchedAt"].is_string());
    let text = run_in(&data, &["catalogue", "status"]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("ago"));

    let out = run_in(
        &data,
        &[
            "order",
            "place",
            "--provider",
            &account,
            "--offering",
            "esim_1GB_7D_NL_V2",
            "--reference",
            "offline-1",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr).to_lowercase();
    assert!(
        stderr.contains("network") || stderr.contains("reach"),
        "{stderr}"
    );
    let orders = json_in(&data, &["orders", "--json"]);
    assert_eq!(
        orders[0]["order"]["state"], "failed",
        "nothing sent, nothing bought"
    );
    let _ = run_in(&data, &["providers", "remove", &account]);
}
