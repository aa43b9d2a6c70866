//! The Telness Connect simulator over time: the order lifecycle on the sandbox clock, usage,
//! top-ups, cancels and expiry (telness.md §5.4, §8, §9).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::telness::Tn;
use esimdesk_sandbox::{
    AutoUsage, SandboxConfig, TelnessConfig, TelnessFulfilment, TelnessOutcome,
};
use serde_json::{Value, json};

const DAY: u64 = 86_400;

fn mib(v: &Value) -> u64 {
    v.as_u64().unwrap() / (1024 * 1024)
}

#[tokio::test]
async fn orders_can_stay_processing_or_end_cancelled() {
    let tn = Tn::default().await;
    let telness = tn.sandbox.admin().telness();
    let sub = tn.subscription_offering().await;
    let pkg = tn.package("GB", "FIRST_USE").await;
    let pkg = pkg["productOfferingId"].as_str().unwrap();

    telness.set_outcome(TelnessOutcome::StayProcessing);
    let held = tn.create(&tn.walk_in(&sub, pkg)).await;
    let held = held["orderId"].as_str().unwrap().to_owned();
    tn.submit(&held).await;
    tn.advance_secs(DAY);
    assert_eq!(tn.order_state(&held).await, "PROCESSING");
    tn.name_latest("held");
    let (_, s) = tn.get("/subscriptions/rid_held").await;
    assert_eq!(s["status"], "PENDING");
    // Released by the admin: completes now.
    telness
        .set_order_outcome(&held, TelnessOutcome::Complete)
        .unwrap();
    assert_eq!(tn.order_state(&held).await, "COMPLETED");
    let (_, s) = tn.get("/subscriptions/rid_held").await;
    assert_eq!(s["status"], "ACTIVATED");
    assert!(
        telness
            .set_order_outcome(&held, TelnessOutcome::Cancel)
            .is_err()
    );

    telness.set_fulfilment(TelnessFulfilment {
        processing_after: Duration::from_secs(5),
        completion_delay: Duration::from_secs(10),
        outcome: TelnessOutcome::Cancel,
    });
    let doomed = tn.create(&tn.walk_in(&sub, pkg)).await;
    let doomed = doomed["orderId"].as_str().unwrap().to_owned();
    tn.submit(&doomed).await;
    tn.advance_secs(4);
    assert_eq!(tn.order_state(&doomed).await, "SUBMITTED");
    tn.advance_secs(1);
    assert_eq!(tn.order_state(&doomed).await, "PROCESSING");
    tn.name_latest("doomed");
    tn.advance_secs(10);
    let (_, o) = tn.get(&format!("/orders/{doomed}")).await;
    assert_eq!(o["state"], "CANCELLED");
    assert!(o["cancelledAt"].is_string());
    assert_eq!(o["createdEntities"]["subscriptions"], json!([]));
    let (_, s) = tn.get("/subscriptions/rid_doomed").await;
    assert_eq!(s["status"], "CANCELLED");
    assert_eq!(s["addons"][0]["state"], "CANCELLED");
    let (status, _) = tn.get("/subscriptions/rid_doomed/esim/qrcode").await;
    assert_eq!(status, 409);
    // References are unique per tenant; a cancelled subscription keeps its own.
    let first = telness.subscriptions()[0].subscription_id.clone();
    assert!(telness.set_reference(&first, "doomed").is_err());
    assert!(telness.set_reference(&first, &"r".repeat(256)).is_err());
    tn.sandbox.shutdown().await;
}

#[tokio::test]
async fn with_no_delays_the_submit_answer_is_already_completed() {
    let tn = Tn::start(SandboxConfig {
        telness: TelnessConfig {
            processing_after: Duration::ZERO,
            completion_delay: Duration::ZERO,
            ..TelnessConfig::default()
        },
        ..SandboxConfig::for_tests()
    })
    .await;
    let sub = tn.subscription_offering().await;
    let pkg = tn.package("JP", "FIRST_USE").await;
    let order = tn
        .create(&tn.walk_in(&sub, pkg["productOfferingId"].as_str().unwrap()))
        .await;
    let submitted = tn.submit(order["orderId"].as_str().unwrap()).await;
    assert_eq!(submitted["state"], "COMPLETED");
    let id = submitted["createdEntities"]["subscriptions"][0]["subscriptionId"]
        .as_str()
        .unwrap();
    let (status, _) = tn.get(&format!("/subscriptions/{id}/esim/qrcode")).await;
    assert_eq!(status, 200);
    tn.sandbox.shutdown().await;
}

#[tokio::test]
async fn usage_first_use_instant_packages_and_expiry() {
    let tn = Tn::default().await;
    let telness = tn.sandbox.admin().telness();
    let first_use = tn.package("FR", "FIRST_USE").await;
    let (_, sub) = tn
        .sell(first_use["productOfferingId"].as_str().unwrap())
        .await;
    let days = first_use["product"]["features"]["validityDays"]
        .as_u64()
        .unwrap();
    let mb = first_use["product"]["features"]["dataMb"].as_u64().unwrap();

    // Nothing used yet: the package waits.
    tn.advance_secs(10 * DAY);
    let (_, s) = tn.get(&format!("/subscriptions/{sub}")).await;
    assert_eq!(s["addons"][0]["state"], "PENDING");
    assert!(s["addons"][0].get("expiresAt").is_none());

    // First use starts it; usage follows.
    assert_eq!(
        telness.consume(&sub, 100 * 1024 * 1024).unwrap(),
        100 * 1024 * 1024
    );
    let (_, s) = tn.get(&format!("/subscriptions/{sub}")).await;
    assert_eq!(s["addons"][0]["state"], "ACTIVE");
    let (_, usage) = tn.get(&format!("/subscriptions/{sub}/usage")).await;
    assert_eq!(mib(&usage["dataBytes"]["limit"]), mb);
    assert_eq!(mib(&usage["dataBytes"]["remaining"]), mb - 100);
    assert_eq!(mib(&usage["dataUsed"]), 100);
    assert_eq!(usage["dataRemaining"], usage["dataBytes"]["remaining"]);
    // By ICCID and by the admin HTTP API (MB of 1024²).
    let iccid = s["sim"]["iccid"].as_str().unwrap();
    let resp = tn
        .client
        .post(format!("{}/telness/consume", tn.sandbox.admin_url()))
        .header("X-Admin-Token", tn.sandbox.admin_token())
        .json(&json!({"subscription": iccid, "mb": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let (_, usage) = tn.get(&format!("/subscriptions/{sub}/usage")).await;
    assert_eq!(mib(&usage["dataUsed"]), 101);
    // More than is left: only what is left is counted.
    let left = usage["dataRemaining"].as_u64().unwrap();
    assert_eq!(telness.consume(&sub, u64::MAX / 2).unwrap(), left);
    assert!(telness.consume(&sub, 1).is_err(), "nothing left");

    // Validity ends `days` after first use.
    tn.advance_secs(days * DAY);
    let (_, s) = tn.get(&format!("/subscriptions/{sub}")).await;
    assert_eq!(s["addons"][0]["state"], "EXPIRED");
    assert_eq!(s["status"], "ACTIVATED", "the eSIM outlives its packages");
    let (_, usage) = tn.get(&format!("/subscriptions/{sub}/usage")).await;
    assert_eq!(usage["dataBytes"], json!({"remaining": 0, "limit": 0}));

    // An INSTANT package runs from submission.
    let instant = tn.package("FR", "INSTANT").await;
    let days = instant["product"]["features"]["validityDays"]
        .as_u64()
        .unwrap();
    let (_, sub2) = tn
        .sell(instant["productOfferingId"].as_str().unwrap())
        .await;
    let (_, s) = tn.get(&format!("/subscriptions/{sub2}")).await;
    assert_eq!(s["addons"][0]["state"], "ACTIVE");
    tn.advance_secs(days * DAY - 3);
    let (_, s) = tn.get(&format!("/subscriptions/{sub2}")).await;
    assert_eq!(s["addons"][0]["state"], "EXPIRED");

    // Bulk usage.
    let (status, bulk) = tn
        .get(&format!(
            "/subscriptions/usage?subscriptionId={sub}&subscriptionId={sub2}&aggregate=true"
        ))
        .await;
    assert_eq!(status, 200, "{bulk}");
    assert_eq!(bulk["items"].as_array().unwrap().len(), 2);
    assert_eq!(bulk["items"][1]["subscriptionId"], sub2.as_str());
    assert!(bulk["aggregate"].is_object());
    let (status, _) = tn.get("/subscriptions/usage").await;
    assert_eq!(status, 400);
    tn.sandbox.shutdown().await;
}

#[tokio::test]
async fn automatic_usage_follows_the_clock() {
    let tn = Tn::start(SandboxConfig {
        auto_usage: Some(AutoUsage {
            start_after: Duration::from_secs(3_600),
            bytes_per_day: 512 * 1024 * 1024,
        }),
        ..SandboxConfig::for_tests()
    })
    .await;
    let pkg = tn.package("ES", "FIRST_USE").await;
    let mb = pkg["product"]["features"]["dataMb"].as_u64().unwrap();
    let (_, sub) = tn.sell(pkg["productOfferingId"].as_str().unwrap()).await;
    tn.advance_secs(3_600 + DAY);
    let (_, usage) = tn.get(&format!("/subscriptions/{sub}/usage")).await;
    assert_eq!(mib(&usage["dataUsed"]), 512.min(mb), "{usage}");
    tn.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_top_up_adds_a_package_counted_as_top_up_data() {
    let tn = Tn::default().await;
    let first = tn.package("IT", "FIRST_USE").await;
    let (_, sub) = tn.sell(first["productOfferingId"].as_str().unwrap()).await;
    tn.name_latest("desk-7");
    let extra = tn.package("IT", "INSTANT").await;
    let extra_id = extra["productOfferingId"].as_str().unwrap();
    let top_up = json!({"customer": tn.customer(), "lineItems": [{"type": "ADDON",
        "lineItemId": "topup-package", "productOfferingId": extra_id, "subscriptionId": sub}]});
    let (status, order) = tn.post_key("/orders", &top_up, "DSK-7-topup").await;
    assert_eq!(status, 201, "{order}");
    let id = order["orderId"].as_str().unwrap();
    let (_, price) = tn
        .post_empty(&format!("/orders/{id}/calculate-price"))
        .await;
    assert_eq!(
        common::telness::cents(&price["pricing"]["total"]),
        common::telness::cents(&extra["price"]["netPrice"])
    );
    tn.submit(id).await;
    tn.advance_secs(3);
    let (_, done) = tn.get(&format!("/orders/{id}")).await;
    assert_eq!(done["state"], "COMPLETED");
    assert_eq!(done["createdEntities"]["subscriptions"], json!([]));
    let (_, s) = tn.get("/subscriptions/rid_desk-7").await;
    let addons = s["addons"].as_array().unwrap();
    assert_eq!(addons.len(), 2);
    assert_eq!(addons[1]["productOfferingId"], extra_id);
    assert_eq!(addons[1]["state"], "ACTIVE", "INSTANT");
    let (_, usage) = tn.get(&format!("/subscriptions/{sub}/usage")).await;
    let extra_mb = extra["product"]["features"]["dataMb"].as_u64().unwrap();
    assert_eq!(mib(&usage["topupBytes"]["limit"]), extra_mb);
    assert_eq!(
        mib(&usage["dataBytes"]["limit"]),
        first["product"]["features"]["dataMb"].as_u64().unwrap()
    );
    // A top-up for another customer's subscription is refused.
    let mut stranger = top_up.clone();
    stranger["customer"] = json!({"name": "Someone Else"});
    let (status, _) = tn.post("/orders", &stranger).await;
    assert_eq!(status, 400);
    // Addressing by reference is for paths, not for the body.
    let mut by_ref = top_up.clone();
    by_ref["lineItems"][0]["subscriptionId"] = json!("rid_desk-7");
    let (status, _) = tn.post("/orders", &by_ref).await;
    assert_eq!(status, 400);
    let records = tn.sandbox.admin().telness().subscriptions();
    assert!(records[0].packages[1].top_up);
    assert_eq!(records[0].packages[1].order_id, id);
    tn.sandbox.shutdown().await;
}

#[tokio::test]
async fn cancels_of_orders_and_subscriptions() {
    let tn = Tn::default().await;
    let sub = tn.subscription_offering().await;
    let pkg = tn.package("PT", "FIRST_USE").await;
    let pkg_id = pkg["productOfferingId"].as_str().unwrap();

    // A cart: cancelled once, then 409; it can no longer be submitted.
    let cart = tn.create(&tn.walk_in(&sub, pkg_id)).await;
    let cart = cart["orderId"].as_str().unwrap();
    let (status, o) = tn.post(&format!("/orders/{cart}/cancel"), &json!({})).await;
    assert_eq!(status, 200, "{o}");
    assert_eq!(o["state"], "CANCELLED");
    let (status, _) = tn.post_empty(&format!("/orders/{cart}/cancel")).await;
    assert_eq!(status, 409);
    let (status, _) = tn
        .post(
            &format!("/orders/{cart}/submit"),
            &json!({"externalPayment": {"reference": "r"}}),
        )
        .await;
    assert_eq!(status, 409);

    // Processing: cancelled with the subscription it was provisioning.
    let busy = tn.create(&tn.walk_in(&sub, pkg_id)).await;
    let busy = busy["orderId"].as_str().unwrap();
    tn.submit(busy).await;
    tn.advance_secs(1);
    assert_eq!(tn.order_state(busy).await, "PROCESSING");
    tn.name_latest("busy");
    let (status, _) = tn.post_empty("/subscriptions/rid_busy/cancel").await;
    assert_eq!(status, 409, "still being provisioned");
    let (status, _) = tn.post_empty(&format!("/orders/{busy}/cancel")).await;
    assert_eq!(status, 200);
    tn.advance_secs(10);
    assert_eq!(tn.order_state(busy).await, "CANCELLED");
    let (_, s) = tn.get("/subscriptions/rid_busy").await;
    assert_eq!(s["status"], "CANCELLED");

    // Completed: the order cannot be cancelled, its subscription can.
    let (done, sub_id) = tn.sell(pkg_id).await;
    let (status, _) = tn.post_empty(&format!("/orders/{done}/cancel")).await;
    assert_eq!(status, 409);
    let (status, s) = tn
        .post_key(
            &format!("/subscriptions/{sub_id}/cancel"),
            &json!({}),
            "c-1",
        )
        .await;
    assert_eq!(status, 200, "{s}");
    assert_eq!(s["status"], "CANCELLED");
    assert!(s["cancelledAt"].is_string());
    assert_eq!(s["addons"][0]["state"], "CANCELLED");
    let (status, replay) = tn
        .post_key(
            &format!("/subscriptions/{sub_id}/cancel"),
            &json!({}),
            "c-1",
        )
        .await;
    assert_eq!((status, &replay), (200, &s), "the first result again");
    let (status, _) = tn
        .post_empty(&format!("/subscriptions/{sub_id}/cancel"))
        .await;
    assert_eq!(status, 409);
    let (status, _) = tn
        .get(&format!("/subscriptions/{sub_id}/esim/qrcode"))
        .await;
    assert_eq!(status, 409);
    let (status, _) = tn
        .post(
            &format!("/subscriptions/{sub_id}/cancel"),
            &json!({"reason": "x"}),
        )
        .await;
    assert_eq!(status, 400, "no body is taken");
    // No top-up onto a cancelled subscription.
    let top_up = json!({"customer": tn.customer(), "lineItems": [{"type": "ADDON",
        "lineItemId": "t", "productOfferingId": pkg_id, "subscriptionId": sub_id}]});
    let (status, _) = tn.post("/orders", &top_up).await;
    assert_eq!(status, 409);
    tn.sandbox.shutdown().await;
}

#[tokio::test]
async fn carts_expire_after_seven_days() {
    let tn = Tn::default().await;
    let sub = tn.subscription_offering().await;
    let pkg = tn.package("NL", "FIRST_USE").await;
    let order = tn
        .create(&tn.walk_in(&sub, pkg["productOfferingId"].as_str().unwrap()))
        .await;
    let id = order["orderId"].as_str().unwrap();
    tn.advance_secs(7 * DAY - 1);
    assert_eq!(tn.order_state(id).await, "PENDING");
    tn.advance_secs(1);
    assert_eq!(tn.order_state(id).await, "EXPIRED");
    let (status, _) = tn
        .post(
            &format!("/orders/{id}/submit"),
            &json!({"externalPayment": {"reference": "r"}}),
        )
        .await;
    assert_eq!(status, 409);
    tn.sandbox.shutdown().await;
}
