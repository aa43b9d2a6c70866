//! The `esimdesk` binary over a desk with an eSIM Go and a Telness account (both simulated by one
//! sandbox on loopback, keys in the real OS keychain): one list across providers and currencies,
//! and a Telness sale from dry run to cancel, including a lost reply and an order the provider is
//! still preparing.
//!
//! Ignored by a plain `cargo test` (they need a Secret Service); `cargo xtask test` runs them
//! inside a D-Bus session with an unlocked gnome-keyring.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use esimdesk_sandbox::{
    FaultKind, FaultSpec, SandboxConfig, TelnessConfig, TelnessOutcome, start_blocking,
};
use serde_json::Value;

mod common;

use common::*;

/// A sandbox whose Telness orders complete as they are submitted (the sandbox clock is frozen in
/// tests, so a delay would never pass on its own).
fn sandbox_completing_at_once() -> Arc<esimdesk_sandbox::BlockingSandbox> {
    Arc::new(
        start_blocking(SandboxConfig {
            telness: TelnessConfig {
                processing_after: Duration::ZERO,
                completion_delay: Duration::ZERO,
                ..TelnessConfig::default()
            },
            ..SandboxConfig::for_tests()
        })
        .unwrap(),
    )
}

struct TwoProviders {
    desk: Desk,
    telness: String,
}

impl Drop for TwoProviders {
    fn drop(&mut self) {
        let _ = self.desk.run(&["providers", "remove", &self.telness]);
        self.desk.remove_account();
    }
}

/// A desk with both accounts added (keys on standard input, as a person pipes them) and synced.
fn two_providers(sandbox: Arc<esimdesk_sandbox::BlockingSandbox>) -> TwoProviders {
    let desk = desk_on(sandbox);
    desk.ready();
    let telness = format!("telness-{}", std::process::id() as u64 * 1000 + next_id());
    let mut child = desk
        .cmd()
        .args(["providers", "add", "telness", "--id", &telness, "--json"])
        .arg("--base-url")
        .arg(desk.sandbox.telness_base_url())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{}\n", desk.sandbox.telness_api_key()).as_bytes())
        .unwrap();
    let added = child.wait_with_output().unwrap();
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let added: Value = serde_json::from_slice(&added.stdout).unwrap();
    assert_eq!(added["account"]["provider"], "telness");
    assert!(added["balance"].is_null(), "Telness documents no balance");
    let synced = desk.json(&["sync", "--json"]);
    assert!(
        synced
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["offerings"].as_u64().unwrap_or(0) > 0),
        "{synced}"
    );
    TwoProviders { desk, telness }
}

fn hits(d: &Desk, query: &str) -> Vec<Value> {
    d.json(&["search", query, "--limit", "200", "--json"])
        .as_array()
        .unwrap()
        .clone()
}

/// The cheapest single-country Telness package for Spain that can be topped up.
fn telness_offering(d: &TwoProviders) -> String {
    hits(&d.desk, "spain")
        .iter()
        .find(|h| h["accountId"] == d.telness.as_str())
        .map(|h| h["offering"]["code"].as_str().unwrap().to_owned())
        .expect("a Telness package for Spain")
}

fn place(d: &TwoProviders, code: &str, reference: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "order",
        "place",
        "--provider",
        &d.telness,
        "--offering",
        code,
        "--reference",
        reference,
        "--payment-ref",
        "TERM-7Q2K",
        "--name",
        "Ana García",
        "--email",
        "ana@example.com",
        "--json",
    ];
    args.extend_from_slice(extra);
    d.desk.run(&args)
}

#[test]
#[ignore = "needs a Secret Service: cargo xtask test runs it"]
fn one_list_across_providers_in_the_selling_currency() {
    let d = two_providers(sandbox_completing_at_once());
    // The desk sells in USD; Telness prices in EUR. Without a rate its rows keep EUR, are marked
    // not comparable, and come after every comparable row.
    let list = hits(&d.desk, "spain");
    let providers: Vec<&str> = list
        .iter()
        .map(|h| h["offering"]["provider"].as_str().unwrap())
        .collect();
    assert!(providers.contains(&"esimgo") && providers.contains(&"telness"));
    let first_telness = providers.iter().position(|p| *p == "telness").unwrap();
    assert!(providers[first_telness..].iter().all(|p| *p == "telness"));
    for h in &list[first_telness..] {
        assert_eq!(h["comparable"], false);
        assert_eq!(h["retail"]["currency"], "EUR");
        assert!(h["rate"].is_null());
    }
    // Exact money: the cost's minor units come from the provider's decimal text.
    assert_eq!(list[first_telness]["offering"]["cost"]["digits"], 2);

    // A rate converts them, then markup applies; sorting uses the converted price.
    let set = d.desk.json(&[
        "rates",
        "set",
        "EUR",
        "1.08",
        "--as-of",
        "2026-11-30",
        "--json",
    ]);
    assert_eq!(set["rate"], "1.08");
    let list = hits(&d.desk, "spain");
    assert!(list.iter().all(|h| h["comparable"] == true));
    assert!(list.iter().all(|h| h["retail"]["currency"] == "USD"));
    let prices: Vec<i64> = list
        .iter()
        .map(|h| h["retail"]["minor"].as_i64().unwrap())
        .collect();
    assert!(prices.windows(2).all(|w| w[0] <= w[1]), "{prices:?}");
    let converted = list
        .iter()
        .find(|h| h["offering"]["provider"] == "telness")
        .unwrap();
    assert_eq!(converted["rate"]["asOf"], "2026-11-30");
    let cost = converted["offering"]["cost"]["minor"].as_i64().unwrap();
    let retail = converted["retail"]["minor"].as_i64().unwrap();
    // No markup rule: retail = cost × 1.08, rounded half away from zero to the cent.
    assert_eq!(retail, (cost * 108 + 50) / 100);

    // A price limit is in the selling currency.
    let cheap = d.desk.json(&[
        "search",
        "spain",
        "--max-price",
        "5",
        "--limit",
        "200",
        "--json",
    ]);
    assert!(
        cheap
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["retail"]["minor"].as_i64().unwrap() <= 500)
    );

    // A CSV import is all or nothing, the bad line named.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("rates.csv");
    std::fs::write(
        &bad,
        "from,rate,as_of\nGBP,1.27,2026-11-30\nSEK,-1,2026-11-30\n",
    )
    .unwrap();
    let out = d.desk.run(&["rates", "import", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("CSV line 3"));
    let listed = d.desk.json(&["rates", "list", "--json"]);
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
}

#[test]
#[ignore = "needs a Secret Service: cargo xtask test runs it"]
fn a_telness_sale_from_dry_run_to_cancel() {
    let d = two_providers(sandbox_completing_at_once());
    let code = telness_offering(&d);

    let v = d.desk.json(&[
        "order",
        "validate",
        "--provider",
        &d.telness,
        "--offering",
        &code,
        "--json",
    ]);
    assert!(v["providerTotal"]["minor"].as_i64().unwrap() > 0, "{v}");

    // The provider registers eSIMs to the traveller: no email, nothing journaled.
    let out = d.desk.run(&[
        "order",
        "place",
        "--provider",
        &d.telness,
        "--offering",
        &code,
        "--reference",
        "tn-noemail",
        "--payment-ref",
        "T-1",
        "--name",
        "Ana",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("email"));
    assert!(!order_states(&d.desk).iter().any(|(r, _)| r == "tn-noemail"));

    let out = place(&d, &code, "tn-sale-1", &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sold: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sold["order"]["order"]["state"], "completed");
    let iccid = sold["esims"][0]["iccid"].as_str().unwrap().to_owned();
    assert!(iccid.starts_with("8946"));
    let lpa = sold["esims"][0]["code"]["canonical"].as_str().unwrap();
    assert!(
        lpa.starts_with("LPA:1$rsp.sandbox-telness.example.com$"),
        "{lpa}"
    );

    // The submit carried the journal's reference as its idempotency key, and went once.
    let submits: Vec<_> = d
        .desk
        .sandbox
        .admin()
        .requests()
        .into_iter()
        .filter(|r| r.provider == "telness" && r.path.ends_with("/submit"))
        .collect();
    assert_eq!(submits.len(), 1);
    assert_eq!(
        submits[0].idempotency_key.as_deref(),
        Some("tn-sale-1-submit")
    );

    let usage = d.desk.json(&["esim", "usage", &iccid, "--json"]);
    assert!(!usage["packages"].as_array().unwrap().is_empty(), "{usage}");

    let topped = d.desk.json(&[
        "esim",
        "top-up",
        &iccid,
        "--offering",
        &code,
        "--reference",
        "tn-topup-1",
        "--payment-ref",
        "T-2",
        "--json",
    ]);
    assert_eq!(topped["order"]["order"]["kind"], "top_up");
    assert_eq!(topped["order"]["order"]["state"], "completed");

    let cancelled = d.desk.json(&[
        "esim",
        "cancel",
        &iccid,
        "--reference",
        "tn-cancel-1",
        "--json",
    ]);
    assert_eq!(cancelled["iccid"], iccid.as_str());
    let usage = d.desk.json(&["esim", "usage", &iccid, "--json"]);
    assert_eq!(usage["profileStatus"], "deactivated");
    // Cancelled already: refused, nothing journaled or sent.
    let again = d.desk.run(&["esim", "cancel", &iccid]);
    assert!(!again.status.success());
    let states = order_states(&d.desk);
    assert!(states.contains(&("tn-cancel-1".to_owned(), "completed".to_owned())));
}

#[test]
#[ignore = "needs a Secret Service: cargo xtask test runs it"]
fn a_lost_submit_reply_is_settled_by_its_draft_and_never_sent_again() {
    let d = two_providers(sandbox_completing_at_once());
    let code = telness_offering(&d);
    // The first committed POST under an order is the submit (pricing commits nothing).
    d.desk
        .sandbox
        .admin()
        .add_fault(FaultSpec {
            count: Some(1),
            ..FaultSpec::new(FaultKind::DropAfterCommit).on("POST", "/telness/api/v2/orders/")
        })
        .unwrap();
    let out = place(&d, &code, "tn-lost-1", &[]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("[money: maybe]"), "{stderr}");

    let settled = d
        .desk
        .json(&["reconcile", "--grace-seconds", "0", "--json"]);
    let mine = settled
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["clientReference"] == "tn-lost-1")
        .expect("the lost sale is reconciled");
    assert_eq!(mine["after"], "completed", "{settled}");
    let submits = d
        .desk
        .sandbox
        .admin()
        .requests()
        .into_iter()
        .filter(|r| r.provider == "telness" && r.path.ends_with("/submit"))
        .count();
    assert_eq!(
        submits, 1,
        "reconciliation reads the draft; it never submits again"
    );
    let esims = d.desk.json(&["esim", "find", "Ana", "--json"]);
    assert!(
        esims
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["orderReference"] == "tn-lost-1")
    );
}

#[test]
#[ignore = "needs a Secret Service: cargo xtask test runs it"]
fn an_order_still_being_prepared_is_kept_and_completed_by_reconciliation() {
    let d = two_providers(sandbox_completing_at_once());
    let code = telness_offering(&d);
    let telness = d.desk.sandbox.admin().telness();
    telness.set_outcome(TelnessOutcome::StayProcessing);
    let out = place(&d, &code, "tn-slow-1", &["--wait-seconds", "1"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("preparing the eSIM"));
    let kept: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(kept["order"]["order"]["state"], "provisioning");
    assert!(order_states(&d.desk).contains(&("tn-slow-1".to_owned(), "provisioning".to_owned())));

    // The provider finishes; reconciliation collects the eSIM and its code.
    let order_id = kept["order"]["order"]["providerReference"]
        .as_str()
        .unwrap();
    telness
        .set_order_outcome(order_id, TelnessOutcome::Complete)
        .unwrap();
    d.desk
        .sandbox
        .admin()
        .advance_clock(Duration::from_secs(10));
    let settled = d.desk.json(&["reconcile", "--json"]);
    assert!(
        settled
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["clientReference"] == "tn-slow-1" && r["after"] == "completed"),
        "{settled}"
    );
    let orders = d.desk.json(&["orders", "--json"]);
    let order = orders
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["order"]["clientReference"] == "tn-slow-1")
        .unwrap();
    assert!(order["deliveredAt"].is_string(), "{order}");
}
