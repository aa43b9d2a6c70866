//! Orders, eSIMs, inventory and lifecycles (esimgo.md §5–§11).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{Api, cents};
use esimdesk_core::{ActivationCode, Iccid};
use serde_json::json;

const NL_1GB: &str = "esim_1GB_7D_NL_V2";

fn order(kind: &str, assign: bool, item: &str, quantity: u32) -> serde_json::Value {
    json!({"type": kind, "assign": assign,
        "order": [{"type": "bundle", "quantity": quantity, "item": item, "allowReassign": false}]})
}

#[tokio::test]
async fn validate_prices_the_order_and_changes_nothing() {
    let api = Api::default().await;
    let before = api.balance_cents().await;
    let (_, bundle) = api.get_json(&format!("/catalogue/bundle/{NL_1GB}")).await;
    let price = cents(&bundle["price"]);
    let (status, body) = api
        .post_json("/orders", &order("validate", true, NL_1GB, 2))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["valid"], true);
    assert_eq!(body["assigned"], true);
    assert_eq!(body["currency"], "USD");
    assert_eq!(cents(&body["total"]), 2 * price);
    assert_eq!(cents(&body["order"][0]["pricePerUnit"]), price);
    assert_eq!(cents(&body["order"][0]["subTotal"]), 2 * price);
    assert_eq!(body["order"][0]["AllowReassign"], false);
    assert!(body.get("orderReference").is_none());
    assert_eq!(api.balance_cents().await, before);
    let (_, orders) = api.get_json("/orders").await;
    assert_eq!(orders["rows"], 0);
    let (_, esims) = api.get_json("/esims").await;
    assert_eq!(esims["rows"], 0);

    // Not enough money: validate says valid:false, transaction is refused; nothing changes.
    api.sandbox.admin().set_balance_cents(price - 1);
    let (status, body) = api
        .post_json("/orders", &order("validate", true, NL_1GB, 1))
        .await;
    assert_eq!((status, body["valid"].clone()), (200, json!(false)));
    let (status, body) = api
        .post_json("/orders", &order("transaction", true, NL_1GB, 1))
        .await;
    assert_eq!(
        (status, body),
        (400, json!({"message": "Insufficient balance"}))
    );
    assert_eq!(api.balance_cents().await, price - 1);
    assert!(api.sandbox.admin().order_references().is_empty());
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn transaction_spends_the_balance_and_mints_a_valid_esim() {
    let api = Api::default().await;
    let before = api.balance_cents().await;
    let body = api.buy(NL_1GB).await;
    let total = cents(&body["total"]);
    assert!(total > 0);
    assert_eq!(api.balance_cents().await, before - total);
    assert_eq!(body["status"], "completed");
    assert_eq!(body["statusMessage"], "Order completed: 1 eSIMs assigned");
    assert_eq!(body["sourceIP"], "127.0.0.1");
    let esim = &body["order"][0]["esims"][0];
    let iccid = esim["iccid"].as_str().unwrap();
    Iccid::parse(iccid).expect("Luhn-valid ICCID");
    assert!(iccid.starts_with("8944"));
    assert_eq!(body["order"][0]["iccids"], json!([iccid]));
    let code = ActivationCode::new(
        esim["smdpAddress"].as_str().unwrap(),
        esim["matchingId"].as_str().unwrap(),
        None,
        false,
    )
    .expect("parses");
    assert!(code.to_string().starts_with("LPA:1$smdp.example$"));

    // The order can be read back, alone and in the list.
    let reference = body["orderReference"].as_str().unwrap();
    let (status, one) = api.get_json(&format!("/orders/{reference}")).await;
    assert_eq!(status, 200);
    assert_eq!(one, body);
    let (_, list) = api.get_json("/orders?includeIccids=true").await;
    assert_eq!(list["rows"], 1);
    assert_eq!(list["orders"][0]["order"][0]["iccids"], json!([iccid]));
    let (_, list) = api.get_json("/orders").await;
    assert!(list["orders"][0]["order"][0].get("iccids").is_none());

    // eSIM details, with the Apple link on request.
    let (status, details) = api
        .get_json(&format!("/esims/{iccid}?additionalFields=appleInstallUrl"))
        .await;
    assert_eq!(status, 200, "{details}");
    assert_eq!(details["profileStatus"], "Released");
    assert!(
        details["appleInstallUrl"]
            .as_str()
            .unwrap()
            .starts_with("https://esimsetup.apple.com/esim_qrcode_provisioning?carddata=")
    );
    // Usage: one queued assignment with the whole GB.
    let (_, bundles) = api.get_json(&format!("/esims/{iccid}/bundles")).await;
    let a = &bundles["bundles"][0]["assignments"][0];
    assert_eq!(bundles["bundles"][0]["name"], NL_1GB);
    assert_eq!(a["bundleState"], "queued");
    assert_eq!(a["initialQuantity"], 1_000_000_000u64);
    assert_eq!(a["remainingQuantity"], 1_000_000_000u64);
    assert_eq!(a["assignmentReference"], format!("{reference}-0"));
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn top_up_onto_an_existing_esim_and_compatibility() {
    let api = Api::default().await;
    let first = api.buy(NL_1GB).await;
    let iccid = first["order"][0]["esims"][0]["iccid"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, c) = api
        .get_json(&format!("/esims/{iccid}/compatible/esim_3GB_30D_NL_V2"))
        .await;
    assert_eq!(c, json!({"compatible": true}));
    let (status, body) = api
        .post_json(
            "/orders",
            &json!({"type": "transaction", "assign": true, "order": [{"type": "bundle",
                "quantity": 1, "item": "esim_3GB_30D_NL_V2", "iccids": [iccid], "allowReassign": false}]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["order"][0]["iccids"], json!([iccid]));
    let (_, bundles) = api.get_json(&format!("/esims/{iccid}/bundles")).await;
    assert_eq!(bundles["bundles"].as_array().unwrap().len(), 2);
    // iccids without assign, or a count that does not match quantity: 400.
    let (status, _) = api
        .post_json(
            "/orders",
            &json!({"type": "validate", "assign": false, "order": [{"type": "bundle",
                "quantity": 1, "item": NL_1GB, "iccids": [iccid]}]}),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = api
        .post_json(
            "/orders",
            &json!({"type": "validate", "assign": true, "order": [{"type": "bundle",
                "quantity": 2, "item": NL_1GB, "iccids": [iccid]}]}),
        )
        .await;
    assert_eq!(status, 400);
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn inventory_apply_and_refund_restore_the_balance() {
    let api = Api::default().await;
    let start = api.balance_cents().await;
    let (status, body) = api
        .post_json("/orders", &order("transaction", false, NL_1GB, 3))
        .await;
    assert_eq!(status, 200, "{body}");
    let total = cents(&body["total"]);
    assert_eq!(api.balance_cents().await, start - total);
    let (_, inv) = api.get_json("/inventory").await;
    let item = &inv["bundles"][0];
    assert_eq!(item["name"], NL_1GB);
    assert_eq!(item["available"][0]["remaining"], 3);
    let usage_id = item["available"][0]["id"].as_u64().unwrap();

    // Apply one to a new eSIM.
    let (status, applied) = api
        .post_json(
            "/esims/apply",
            &json!({"name": NL_1GB, "allowReassign": false}),
        )
        .await;
    assert_eq!(status, 200, "{applied}");
    assert_eq!(applied["esims"][0]["status"], "ACTIVE");
    assert_eq!(applied["esims"][0]["bundle"], NL_1GB);
    let reference = applied["applyReference"].as_str().unwrap();
    let (_, order) = api.get_json(&format!("/orders/{reference}")).await;
    assert_eq!(order["order"][0]["type"], "bundleAssignment");
    assert_eq!(api.balance_cents().await, start - total);

    // Refund the other two.
    let (status, refunded) = api
        .post_json(
            "/inventory/refund",
            &json!({"usageId": usage_id, "quantity": 2}),
        )
        .await;
    assert_eq!(status, 200, "{refunded}");
    assert_eq!(
        refunded["status"],
        "Successfully refunded bundles to balance"
    );
    assert_eq!(api.balance_cents().await, start - total / 3);
    let (status, _) = api
        .post_json(
            "/inventory/refund",
            &json!({"usageId": usage_id, "quantity": 1}),
        )
        .await;
    assert_eq!(status, 400);
    let (status, b) = api
        .post_json("/esims/apply", &json!({"name": NL_1GB}))
        .await;
    assert_eq!(
        (status, b),
        (403, json!({"message": "No available bundles"}))
    );
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn revoke_refunds_an_unused_bundle_to_inventory_or_balance() {
    let api = Api::default().await;
    let start = api.balance_cents().await;
    let body = api.buy(NL_1GB).await;
    let price = cents(&body["total"]);
    let iccid = body["order"][0]["esims"][0]["iccid"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, v) = api
        .delete_json(&format!("/esims/{iccid}/bundles/{NL_1GB}?type=validate"))
        .await;
    assert_eq!(status, 200, "{v}");
    let (_, b) = api
        .get_json(&format!("/esims/{iccid}/bundles/{NL_1GB}"))
        .await;
    assert_eq!(b["assignments"][0]["bundleState"], "queued");
    let id = b["assignments"][0]["id"].as_str().unwrap().to_owned();
    let (status, r) = api
        .delete_json(&format!(
            "/esims/{iccid}/bundles/{NL_1GB}/assignments/{id}?type=transaction&refundToBalance=true"
        ))
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        r["status"],
        "Successfully Revoked Bundle, bundle has been refunded to balance"
    );
    assert_eq!(api.balance_cents().await, start);
    let (_, b) = api
        .get_json(&format!("/esims/{iccid}/bundles/{NL_1GB}"))
        .await;
    assert_eq!(b["assignments"][0]["bundleState"], "revoked");
    // Revoked assignments only show with includeUsed.
    let (_, l) = api.get_json(&format!("/esims/{iccid}/bundles")).await;
    assert_eq!(l["bundles"], json!([]));
    let (_, l) = api
        .get_json(&format!("/esims/{iccid}/bundles?includeUsed=true"))
        .await;
    assert_eq!(l["bundles"][0]["assignments"][0]["bundleState"], "revoked");

    // A second purchase, revoked to inventory.
    let body = api.buy(NL_1GB).await;
    let iccid = body["order"][0]["esims"][0]["iccid"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, r) = api
        .delete_json(&format!("/esims/{iccid}/bundles/{NL_1GB}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        r["status"],
        "Successfully Revoked Bundle, bundle has been refunded to inventory"
    );
    assert_eq!(api.balance_cents().await, start - price);
    let (_, inv) = api.get_json("/inventory").await;
    assert_eq!(inv["bundles"][0]["available"][0]["remaining"], 1);
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn revoke_by_id_revokes_exactly_the_assignment_named_and_only_once() {
    let api = Api::default().await;
    let body = api.buy(NL_1GB).await;
    let iccid = body["order"][0]["esims"][0]["iccid"]
        .as_str()
        .unwrap()
        .to_owned();
    // The same bundle a second time on the same eSIM: two unused assignments.
    let (status, v) = api
        .post_json(
            "/orders",
            &json!({"type": "transaction", "assign": true,
                "order": [{"type": "bundle", "quantity": 1, "item": NL_1GB,
                           "iccids": [iccid], "allowReassign": false}]}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let states = |l: &serde_json::Value| -> Vec<(String, String)> {
        l["bundles"][0]["assignments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                (
                    a["id"].as_str().unwrap().to_owned(),
                    a["bundleState"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let (_, l) = api
        .get_json(&format!("/esims/{iccid}/bundles?includeUsed=true"))
        .await;
    let before = states(&l);
    assert_eq!(before.len(), 2, "{l}");
    assert!(before.iter().all(|(_, s)| s == "queued"));
    // Newest first: the by-name path would take the other (oldest unused) one.
    let (newest, oldest) = (before[0].0.clone(), before[1].0.clone());
    assert!(newest.parse::<u64>().unwrap() > oldest.parse::<u64>().unwrap());

    let path = format!("/esims/{iccid}/bundles/{NL_1GB}/assignments/{newest}?type=transaction");
    let (status, r) = api.delete_json(&path).await;
    assert_eq!(status, 200, "{r}");
    let (_, l) = api
        .get_json(&format!("/esims/{iccid}/bundles?includeUsed=true"))
        .await;
    let after = states(&l);
    assert!(
        after.contains(&(newest.clone(), "revoked".to_owned())),
        "{after:?}"
    );
    assert!(
        after.contains(&(oldest.clone(), "queued".to_owned())),
        "{after:?}"
    );
    let (_, inv) = api.get_json("/inventory").await;
    assert_eq!(inv["bundles"][0]["available"][0]["remaining"], 1);

    // Again: an error, and nothing else is revoked or refunded.
    let (status, r) = api.delete_json(&path).await;
    assert_eq!(status, 400, "{r}");
    assert!(r["message"].as_str().unwrap().contains("revoked"), "{r}");
    let (_, l) = api
        .get_json(&format!("/esims/{iccid}/bundles?includeUsed=true"))
        .await;
    assert_eq!(states(&l), after);
    let (_, inv) = api.get_json("/inventory").await;
    assert_eq!(inv["bundles"][0]["available"][0]["remaining"], 1);
    // An id of another bundle, or none of this eSIM's, is refused.
    let (status, _) = api
        .delete_json(&format!(
            "/esims/{iccid}/bundles/esim_1GB_7D_FR_V2/assignments/{oldest}"
        ))
        .await;
    assert_eq!(status, 400);
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn lifecycle_follows_the_sandbox_clock_and_consumption() {
    let api = Api::default().await;
    let admin = api.sandbox.admin();
    let body = api.buy(NL_1GB).await;
    let iccid = body["order"][0]["esims"][0]["iccid"]
        .as_str()
        .unwrap()
        .to_owned();
    let state = |b: &serde_json::Value| b["assignments"][0]["bundleState"].clone();
    let path = format!("/esims/{iccid}/bundles/{NL_1GB}");

    admin.consume(&iccid, 400_000_000).unwrap();
    let (_, b) = api.get_json(&path).await;
    assert_eq!(state(&b), "active");
    assert_eq!(b["assignments"][0]["remainingQuantity"], 600_000_000u64);
    assert!(b["assignments"][0]["startTime"].is_string());
    let (_, d) = api.get_json(&format!("/esims/{iccid}")).await;
    assert_eq!(d["profileStatus"], "Installed");
    assert!(d["firstInstalledDateTime"].is_i64());

    admin.consume(&iccid, 600_000_000).unwrap();
    let (_, b) = api.get_json(&path).await;
    assert_eq!(state(&b), "depleted");
    assert_eq!(b["assignments"][0]["remainingQuantity"], 0);

    admin.advance_clock(Duration::from_secs(8 * 86_400));
    let (_, b) = api.get_json(&path).await;
    assert_eq!(state(&b), "expired");
    let (_, h) = api.get_json(&format!("/esims/{iccid}/history")).await;
    assert_eq!(h[0]["name"], "Bundle Expired");
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn automatic_usage_and_processing_delay() {
    let api = Api::start(esimdesk_sandbox::SandboxConfig {
        processing_delay: Duration::from_secs(120),
        auto_usage: Some(esimdesk_sandbox::AutoUsage {
            start_after: Duration::from_secs(3_600),
            bytes_per_day: 500_000_000,
        }),
        ..esimdesk_sandbox::SandboxConfig::for_tests()
    })
    .await;
    let admin = api.sandbox.admin();
    let body = api.buy(NL_1GB).await;
    let iccid = body["order"][0]["esims"][0]["iccid"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/esims/{iccid}/bundles/{NL_1GB}");
    let (_, b) = api.get_json(&path).await;
    assert_eq!(b["assignments"][0]["bundleState"], "processing");
    admin.advance_clock(Duration::from_secs(180));
    let (_, b) = api.get_json(&path).await;
    assert_eq!(b["assignments"][0]["bundleState"], "queued");
    // Starts an hour after it is ready, then uses 500 MB a day: a day later, about half left.
    admin.advance_clock(Duration::from_secs(3_600 + 86_400));
    let (_, b) = api.get_json(&path).await;
    assert_eq!(b["assignments"][0]["bundleState"], "active");
    let left = b["assignments"][0]["remainingQuantity"].as_u64().unwrap();
    assert!((499_000_000..=501_000_000).contains(&left), "{left}");
    admin.advance_clock(Duration::from_secs(86_400));
    let (_, b) = api.get_json(&path).await;
    assert_eq!(b["assignments"][0]["bundleState"], "depleted");
    admin.advance_clock(Duration::from_secs(6 * 86_400));
    let (_, b) = api.get_json(&path).await;
    assert_eq!(b["assignments"][0]["bundleState"], "expired");
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn orders_can_be_found_by_creation_time() {
    let api = Api::default().await;
    let admin = api.sandbox.admin();
    let t0 = esimdesk_sandbox::rfc3339(admin.now());
    api.buy(NL_1GB).await;
    admin.advance_clock(Duration::from_secs(3_600));
    let t1 = esimdesk_sandbox::rfc3339(admin.now());
    api.buy("esim_1GB_7D_FR_V2").await;
    let (_, all) = api.get_json(&format!("/orders?createdAt=gte:{t0}")).await;
    assert_eq!(all["rows"], 2);
    let (_, late) = api.get_json(&format!("/orders?createdAt=gte:{t1}")).await;
    assert_eq!(late["rows"], 1);
    assert_eq!(late["orders"][0]["order"][0]["item"], "esim_1GB_7D_FR_V2");
    let (_, early) = api
        .get_json(&format!("/orders?createdAt=gte:{t0}&createdAt=lt:{t1}"))
        .await;
    assert_eq!(early["rows"], 1);
    let (status, _) = api.get_json("/orders?createdAt=gte:yesterday").await;
    assert_eq!(status, 400);
    api.sandbox.shutdown().await;
}
