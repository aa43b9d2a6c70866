//! The Telness Connect simulator under repeats and faults: idempotency keys, answers dropped
//! after the change committed, injected statuses, and its admin API (telness.md §1, §11).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::telness::Tn;
use esimdesk_sandbox::{FaultKind, FaultSpec, TelnessOutcome};
use reqwest::Method;
use serde_json::{Value, json};

const DAY: u64 = 86_400;

#[tokio::test]
async fn the_same_key_answers_the_first_result_and_a_different_body_conflicts() {
    let tn = Tn::default().await;
    let sub = tn.subscription_offering().await;
    let spain = tn
        .offerings("?categories=TRAVEL_ESIM_PACKAGE&countries=ES")
        .await;
    let (a, b) = (&spain[0], &spain[1]);
    assert_ne!(a["productOfferingId"], b["productOfferingId"]);
    let body_a = tn.walk_in(&sub, a["productOfferingId"].as_str().unwrap());
    let body_b = tn.walk_in(&sub, b["productOfferingId"].as_str().unwrap());

    let (status, first) = tn.post_key("/orders", &body_a, "sale-1-order").await;
    assert_eq!(status, 201);
    let (status, again) = tn.post_key("/orders", &body_a, "sale-1-order").await;
    assert_eq!(status, 201);
    assert_eq!(again, first, "the first result, not a second order");
    let (status, err) = tn.post_key("/orders", &body_b, "sale-1-order").await;
    assert_eq!(status, 409, "{err}");
    assert_eq!(err["code"], "CONFLICT");
    assert_eq!(tn.sandbox.admin().telness().order_ids().len(), 1);

    // The same key on another request (submit) is a different request too.
    let id = first["orderId"].as_str().unwrap();
    let submit = json!({"externalPayment": {"reference": "term-1"}});
    let (status, _) = tn
        .post_key(&format!("/orders/{id}/submit"), &submit, "sale-1-order")
        .await;
    assert_eq!(status, 409);

    // A refused request is not remembered: corrected, the same key goes through.
    let (status, _) = tn
        .post_key(&format!("/orders/{id}/submit"), &json!({}), "sale-1-submit")
        .await;
    assert_eq!(status, 412);
    let (status, submitted) = tn
        .post_key(&format!("/orders/{id}/submit"), &submit, "sale-1-submit")
        .await;
    assert_eq!(status, 200);
    assert_eq!(submitted["state"], "SUBMITTED");
    // A repeat of the submit answers the first answer, even once the order has moved on.
    tn.advance_secs(3);
    let (status, replay) = tn
        .post_key(&format!("/orders/{id}/submit"), &submit, "sale-1-submit")
        .await;
    assert_eq!(status, 200);
    assert_eq!(replay, submitted);
    assert_eq!(tn.order_state(id).await, "COMPLETED");

    // Keys are forgotten after 24 hours of sandbox clock.
    tn.advance_secs(DAY);
    let (status, other) = tn.post_key("/orders", &body_b, "sale-1-order").await;
    assert_eq!(status, 201);
    assert_ne!(other["orderId"], first["orderId"]);

    // Keys longer than 256 characters, or empty, are refused.
    let (status, _) = tn.post_key("/orders", &body_a, &"k".repeat(257)).await;
    assert_eq!(status, 400);
    let (status, _) = tn.post_key("/orders", &body_a, "").await;
    assert_eq!(status, 400);
    assert_eq!(tn.sandbox.admin().telness().order_ids().len(), 2);
    tn.sandbox.shutdown().await;
}

#[tokio::test]
async fn an_answer_dropped_after_commit_is_recovered_by_resending_with_the_same_key() {
    let tn = Tn::default().await;
    let admin = tn.sandbox.admin();
    let sub = tn.subscription_offering().await;
    let pkg = tn.package("DE", "FIRST_USE").await;
    let body = tn.walk_in(&sub, pkg["productOfferingId"].as_str().unwrap());
    admin
        .add_fault(
            FaultSpec::new(FaultKind::DropAfterCommit)
                .on("POST", "/telness/api/v2/orders")
                .times(1),
        )
        .unwrap();

    let err = tn
        .req(Method::POST, "/orders")
        .header("X-Idempotency-Key", "sale-2-order")
        .json(&body)
        .send()
        .await
        .expect_err("no answer");
    assert!(!err.is_timeout(), "{err}");
    assert!(admin.faults().is_empty(), "fired once");
    let recorded = admin.telness().orders();
    assert_eq!(recorded.len(), 1, "the order exists");
    let log = admin.requests();
    let dropped = log.last().unwrap();
    assert_eq!(dropped.status, None);
    assert_eq!(dropped.idempotency_key.as_deref(), Some("sale-2-order"));

    // Re-sent with the same key: the first order, not a second.
    let (status, order) = tn.post_key("/orders", &body, "sale-2-order").await;
    assert_eq!(status, 201);
    assert_eq!(order["orderId"], recorded[0].order_id.as_str());
    assert_eq!(admin.telness().orders().len(), 1);

    // The same on submit: the order is submitted once.
    let id = recorded[0].order_id.clone();
    admin
        .add_fault(
            FaultSpec::new(FaultKind::DropAfterCommit)
                .on("POST", &format!("/telness/api/v2/orders/{id}/submit"))
                .times(1),
        )
        .unwrap();
    // Pricing commits nothing: answered, fault kept.
    let (status, _) = tn
        .post_empty(&format!("/orders/{id}/calculate-price"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(admin.faults().len(), 1);
    let submit = json!({"externalPayment": {"reference": "term-2"}});
    let err = tn
        .req(Method::POST, &format!("/orders/{id}/submit"))
        .header("X-Idempotency-Key", "sale-2-submit")
        .json(&submit)
        .send()
        .await
        .expect_err("no answer");
    assert!(!err.is_timeout(), "{err}");
    assert_eq!(tn.order_state(&id).await, "SUBMITTED");
    let (status, again) = tn
        .post_key(&format!("/orders/{id}/submit"), &submit, "sale-2-submit")
        .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["state"], "SUBMITTED");
    assert_eq!(again["externalPayment"]["reference"], "term-2");
    tn.sandbox.shutdown().await;
}

#[tokio::test]
async fn injected_statuses_use_the_telness_error_shape_and_spare_esim_go() {
    let tn = Tn::default().await;
    tn.sandbox
        .admin()
        .add_fault(FaultSpec::status(503).on("GET", "/telness/api/v2/product-offerings"))
        .unwrap();
    tn.sandbox
        .admin()
        .add_fault(FaultSpec::status(429).on("POST", "/telness/").times(1))
        .unwrap();
    let resp = tn
        .req(Method::GET, "/product-offerings")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 503);
    assert_eq!(resp.headers()["retry-after"], "1");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["code"], "SERVICE_UNAVAILABLE");
    let (status, body) = tn.post("/orders", &json!({})).await;
    assert_eq!(status, 429);
    assert_eq!(body["code"], "RATE_LIMITED");
    assert!(tn.sandbox.admin().telness().orders().is_empty());
    // Malformed JSON reaches Telness answers too.
    tn.sandbox.admin().clear_faults();
    tn.sandbox
        .admin()
        .add_fault(
            FaultSpec::new(FaultKind::MalformedJson)
                .on("GET", "/telness/")
                .times(1),
        )
        .unwrap();
    let text = tn
        .req(Method::GET, "/product-offerings?types=SUBSCRIPTION")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
    // eSIM Go is untouched by Telness faults.
    let resp = tn
        .client
        .get(format!("{}/organisation", tn.sandbox.esimgo_base_url()))
        .header("X-API-Key", tn.sandbox.esimgo_api_key())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    tn.sandbox.shutdown().await;
}

#[tokio::test]
async fn the_admin_api_steers_and_shows_telness() {
    let tn = Tn::default().await;
    let admin = |method: Method, path: &str| {
        tn.client
            .request(method, format!("{}{path}", tn.sandbox.admin_url()))
            .header("X-Admin-Token", tn.sandbox.admin_token())
    };
    let (status, f) = common::into_json(
        admin(Method::POST, "/telness/fulfilment")
            .json(&json!({"processingMs": 0, "completionMs": 0, "outcome": "stayProcessing"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{f}");
    assert_eq!(
        f,
        json!({"processingMs": 0, "completionMs": 0, "outcome": "stayProcessing"})
    );
    let sub = tn.subscription_offering().await;
    let pkg = tn.package("GR", "FIRST_USE").await;
    let order = tn
        .create(&tn.walk_in(&sub, pkg["productOfferingId"].as_str().unwrap()))
        .await;
    let id = order["orderId"].as_str().unwrap();
    assert_eq!(tn.submit(id).await["state"], "PROCESSING");
    let (status, _) = common::into_json(
        admin(Method::POST, &format!("/telness/orders/{id}/outcome"))
            .json(&json!({"outcome": "complete"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(tn.order_state(id).await, "COMPLETED");
    let (_, orders) =
        common::into_json(admin(Method::GET, "/telness/orders").send().await.unwrap()).await;
    assert_eq!(orders[0]["orderId"], id);
    assert_eq!(orders[0]["state"], "COMPLETED");
    assert_eq!(orders[0]["currency"], "EUR");
    assert_eq!(orders[0]["lines"][1]["parentLineItemId"], "esim-container");
    let (_, subs) = common::into_json(
        admin(Method::GET, "/telness/subscriptions")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(subs[0]["status"], "ACTIVATED");
    let sub_id = subs[0]["subscriptionId"].as_str().unwrap();
    let (status, named) = common::into_json(
        admin(
            Method::POST,
            &format!("/telness/subscriptions/{sub_id}/reference"),
        )
        .json(&json!({"referenceId": "desk-9"}))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{named}");
    let (status, by_ref) = tn.get("/subscriptions/rid_desk-9").await;
    assert_eq!(status, 200);
    assert_eq!(by_ref["subscriptionId"], sub_id);
    let (_, state) = common::into_json(admin(Method::GET, "/state").send().await.unwrap()).await;
    assert_eq!(state["telness"]["orders"], 1);
    assert_eq!(state["telness"]["subscriptions"], 1);
    assert!(
        state["esimgo"]["balance"].is_number(),
        "eSIM Go's part unchanged"
    );
    let (status, _) = common::into_json(
        admin(Method::POST, "/telness/orders/nope/outcome")
            .json(&json!({"outcome": "cancel"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 404);

    // Reset forgets Telness's orders too and restores its configured lifecycle.
    let resp = admin(Method::POST, "/reset").send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(tn.sandbox.admin().telness().orders().is_empty());
    assert!(tn.sandbox.admin().telness().subscriptions().is_empty());
    assert_eq!(
        tn.sandbox.admin().telness().fulfilment().outcome,
        TelnessOutcome::Complete
    );
    tn.sandbox.shutdown().await;
}
