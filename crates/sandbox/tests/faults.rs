//! Fault injection: forced statuses, latency, malformed bodies and the connection dropped after
//! a committed purchase (esimgo.md §6.5, §14.8).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{Api, cents};
use esimdesk_sandbox::{FaultKind, FaultSpec};
use reqwest::Method;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn tx(item: &str) -> serde_json::Value {
    json!({"type": "transaction", "assign": true,
        "order": [{"type": "bundle", "quantity": 1, "item": item, "allowReassign": false}]})
}

#[tokio::test]
async fn dropped_after_commit_the_order_exists_but_no_answer_came() {
    let api = Api::default().await;
    let admin = api.sandbox.admin();
    admin
        .add_fault(
            FaultSpec::new(FaultKind::DropAfterCommit)
                .on("POST", "/v2.4/orders")
                .times(1),
        )
        .unwrap();
    let start = api.balance_cents().await;
    let t0 = esimdesk_sandbox::rfc3339(admin.now());

    // A validate commits nothing, so it is answered and does not use the fault up.
    let (status, v) = api
        .post_json(
            "/orders",
            &json!({"type": "validate", "assign": true,
                "order": [{"type": "bundle", "quantity": 1, "item": "esim_1GB_7D_NL_V2"}]}),
        )
        .await;
    assert_eq!(status, 200);
    let price = cents(&v["total"]);
    assert_eq!(admin.faults().len(), 1);

    // The transaction: the connection closes with no response at all.
    let err = api
        .req(Method::POST, "/orders")
        .json(&tx("esim_1GB_7D_NL_V2"))
        .send()
        .await
        .expect_err("no response");
    assert!(!err.is_timeout(), "{err}");
    assert!(admin.faults().is_empty(), "the fault fired once");

    // ...yet the purchase happened, and reconciliation can find it.
    assert_eq!(api.balance_cents().await, start - price);
    let (_, found) = api
        .get_json(&format!("/orders?createdAt=gte:{t0}&includeIccids=true"))
        .await;
    assert_eq!(found["rows"], 1);
    assert_eq!(found["orders"][0]["order"][0]["item"], "esim_1GB_7D_NL_V2");
    assert_eq!(found["orders"][0]["order"][0]["quantity"], 1);
    let reference = found["orders"][0]["orderReference"].as_str().unwrap();
    let (status, _) = api.get_json(&format!("/orders/{reference}")).await;
    assert_eq!(status, 200);

    // The next purchase is answered normally.
    let body = api.buy("esim_1GB_7D_NL_V2").await;
    assert_eq!(body["status"], "completed");
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn dropped_connection_sends_not_a_single_byte() {
    let api = Api::default().await;
    api.sandbox
        .admin()
        .add_fault(FaultSpec::new(FaultKind::DropAfterCommit).times(1))
        .unwrap();
    let body = tx("esim_1GB_7D_FR_V2").to_string();
    let request = format!(
        "POST /v2.4/orders HTTP/1.1\r\nHost: localhost\r\nX-API-Key: {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        api.sandbox.esimgo_api_key(),
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(api.sandbox.local_addr())
        .await
        .unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("closed, not hanging");
    // Closed by the server: an orderly end of stream (0 bytes) or a reset, never data.
    match read {
        Ok(n) => assert_eq!(n, 0, "got {:?}", String::from_utf8_lossy(&answer)),
        Err(e) => assert!(
            matches!(
                e.kind(),
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted
            ),
            "{e}"
        ),
    }
    assert!(
        answer.is_empty(),
        "got {:?}",
        String::from_utf8_lossy(&answer)
    );
    assert!(api.sandbox.admin().faults().is_empty(), "the fault fired");
    assert_eq!(api.sandbox.admin().order_references().len(), 1);
    // The log shows the purchase and that no answer was sent.
    let log = api.sandbox.admin().requests();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].order_type.as_deref(), Some("transaction"));
    assert_eq!(log[0].status, None);
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn forced_statuses_latency_and_malformed_json() {
    let api = Api::default().await;
    let admin = api.sandbox.admin();

    admin
        .add_fault(FaultSpec::status(503).on("GET", "/v2.4/catalogue").times(2))
        .unwrap();
    for _ in 0..2 {
        let resp = api.req(Method::GET, "/catalogue").send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 503);
        assert_eq!(resp.headers()["retry-after"], "1");
        assert!(resp.headers().contains_key("x-ratelimit-remaining"));
    }
    let resp = api.req(Method::GET, "/catalogue").send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);

    admin
        .add_fault(FaultSpec {
            retry_after: Some(2),
            ..FaultSpec::status(429).times(1)
        })
        .unwrap();
    let resp = api.req(Method::GET, "/organisation").send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 429);
    assert_eq!(resp.headers()["retry-after"], "2");
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body, json!({"message": "Rate limit exceeded"}));

    admin
        .add_fault(
            FaultSpec::latency(300)
                .on("GET", "/v2.4/organisation")
                .times(1),
        )
        .unwrap();
    let t = Instant::now();
    let resp = api.req(Method::GET, "/organisation").send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(t.elapsed() >= Duration::from_millis(300));

    admin
        .add_fault(FaultSpec::new(FaultKind::MalformedJson).times(1))
        .unwrap();
    let resp = api.req(Method::GET, "/organisation").send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let text = resp.text().await.unwrap();
    assert!(
        serde_json::from_str::<serde_json::Value>(&text).is_err(),
        "{text}"
    );

    // A plain drop, over the admin HTTP API this time.
    let resp = api
        .admin_req(Method::POST, "/faults")
        .json(&json!({"kind": "drop", "path": "/v2.4/esims", "count": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(api.req(Method::GET, "/esims").send().await.is_err());
    let resp = api.req(Method::GET, "/esims").send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);

    // Unknown fault fields are refused.
    let resp = api
        .admin_req(Method::POST, "/faults")
        .json(&json!({"kind": "status", "code": 503}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn an_order_type_tells_the_dry_run_from_the_purchase() {
    let api = Api::default().await;
    let admin = api.sandbox.admin();
    let start = api.balance_cents().await;
    let validate = json!({"type": "validate", "assign": true,
        "order": [{"type": "bundle", "quantity": 1, "item": "esim_1GB_7D_NL_V2"}]});

    // Over the admin HTTP API: a refusal for the purchase only.
    let resp = api
        .admin_req(Method::POST, "/faults")
        .json(
            &json!({"kind": "status", "status": 400, "message": "Insufficient balance",
            "path": "/v2.4/orders", "method": "POST", "orderType": "transaction", "count": 1}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let faults = admin.faults();
    assert_eq!(faults[0].spec.order_type.as_deref(), Some("transaction"));
    let (_, listed) =
        common::into_json(api.admin_req(Method::GET, "/faults").send().await.unwrap()).await;
    assert_eq!(listed[0]["orderType"], "transaction");

    // The dry run (twice), a body that does not parse and a read pass it by.
    for _ in 0..2 {
        let (status, v) = api.post_json("/orders", &validate).await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["valid"], true);
    }
    let (status, v) = api.post_raw("/orders", "{\"type\":").await;
    assert_eq!(
        (status, v),
        (400, json!({"message": "failed to parse request body"}))
    );
    let (status, _) = api.get_json("/orders").await;
    assert_eq!(status, 200);
    assert_eq!(admin.faults()[0].fired, 0);

    // The purchase meets it, before anything is bought.
    let (status, v) = api.post_json("/orders", &tx("esim_1GB_7D_NL_V2")).await;
    assert_eq!(
        (status, v),
        (400, json!({"message": "Insufficient balance"}))
    );
    assert!(admin.faults().is_empty(), "fired once");
    assert!(admin.order_references().is_empty());
    assert_eq!(api.balance_cents().await, start);
    let body = api.buy("esim_1GB_7D_NL_V2").await;
    assert_eq!(body["status"], "completed");

    // The other way round, in process: the dry run's connection is dropped, the purchase is
    // answered.
    admin
        .add_fault(FaultSpec::new(FaultKind::Drop).order_type("validate"))
        .unwrap();
    assert!(
        api.req(Method::POST, "/orders")
            .json(&validate)
            .send()
            .await
            .is_err()
    );
    let body = api.buy("esim_1GB_7D_NL_V2").await;
    assert_eq!(body["status"], "completed");
    assert_eq!(admin.faults()[0].fired, 1);
    admin.clear_faults();

    // A body longer than the sandbox reads for the order type is handed on whole and unread,
    // so it meets no fault limited to an order type.
    admin
        .add_fault(FaultSpec::status(500).order_type("transaction"))
        .unwrap();
    let mut long = tx("esim_1GB_7D_NL_V2").to_string();
    long.push_str(&" ".repeat(esimdesk_sandbox::ORDER_BODY_LIMIT + 10));
    let (status, v) = api.post_raw("/orders", &long).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["status"], "completed");
    assert_eq!(admin.faults()[0].fired, 0);
    assert_eq!(admin.order_references().len(), 3);

    // Anything but the two order types is refused.
    let resp = api
        .admin_req(Method::POST, "/faults")
        .json(&json!({"kind": "drop", "orderType": "purchase"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn admin_http_clock_balance_consume_and_reset() {
    let api = Api::default().await;
    let body = api.buy("esim_1GB_7D_NL_V2").await;
    let iccid = body["order"][0]["esims"][0]["iccid"]
        .as_str()
        .unwrap()
        .to_owned();
    let resp = api
        .admin_req(Method::POST, "/esimgo/consume")
        .json(&json!({"iccid": iccid, "mb": 250}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let (_, b) = api
        .get_json(&format!("/esims/{iccid}/bundles/esim_1GB_7D_NL_V2"))
        .await;
    assert_eq!(b["assignments"][0]["remainingQuantity"], 750_000_000u64);
    let resp = api
        .admin_req(Method::POST, "/clock/advance")
        .json(&json!({"days": 8}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let (_, b) = api
        .get_json(&format!("/esims/{iccid}/bundles/esim_1GB_7D_NL_V2"))
        .await;
    assert_eq!(b["assignments"][0]["bundleState"], "expired");
    let resp = api
        .admin_req(Method::POST, "/esimgo/balance")
        .json(&json!({"balance": "12.34"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(api.balance_cents().await, 1234);
    let resp = api.admin_req(Method::POST, "/reset").send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(api.balance_cents().await, 100_000);
    let (status, _) = api.get_json(&format!("/esims/{iccid}")).await;
    assert_eq!(status, 403);
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn the_request_log_shows_every_request_its_order_type_and_status() {
    let api = Api::start(esimdesk_sandbox::SandboxConfig {
        rate_limit_per_second: Some(2),
        ..esimdesk_sandbox::SandboxConfig::for_tests()
    })
    .await;
    let admin = api.sandbox.admin();
    let validate = json!({"type": "validate", "assign": true,
        "order": [{"type": "bundle", "quantity": 1, "item": "esim_1GB_7D_NL_V2"}]});
    // Three calls in one go against a limit of 2 a second: at least one is refused, unless a
    // second boundary falls between them (then retry once).
    let mut refused = 0;
    for _ in 0..2 {
        admin.clear_requests();
        let (_, _) = api.post_json("/orders", &validate).await;
        let (_, _) = api.post_json("/orders", &tx("esim_1GB_7D_NL_V2")).await;
        let (_, _) = api.get_json("/organisation?x=1").await;
        refused = admin
            .requests()
            .iter()
            .filter(|r| r.status == Some(429))
            .count();
        if refused > 0 {
            break;
        }
    }
    assert!(refused > 0, "{:?}", admin.requests());
    let log = admin.requests();
    assert_eq!(log.len(), 3);
    assert_eq!(
        log.iter()
            .map(|r| (r.method.as_str(), r.path.as_str(), r.order_type.as_deref()))
            .collect::<Vec<_>>(),
        [
            ("POST", "/v2.4/orders", Some("validate")),
            ("POST", "/v2.4/orders", Some("transaction")),
            ("GET", "/v2.4/organisation", None),
        ]
    );
    assert_eq!(log[2].query, "x=1");
    assert!(log.windows(2).all(|w| w[0].seq < w[1].seq));
    assert!(log.iter().all(|r| r.status.is_some()));

    // The same over HTTP; and a reset empties it.
    let (status, listed) = common::into_json(
        api.admin_req(Method::GET, "/requests")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(listed[0]["orderType"], "validate");
    assert_eq!(listed[2]["path"], "/v2.4/organisation");
    let resp = api
        .admin_req(Method::DELETE, "/requests")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 204);
    assert!(admin.requests().is_empty());
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn the_admin_lists_every_order_including_unanswered_ones() {
    let api = Api::default().await;
    let admin = api.sandbox.admin();
    let answered = api.buy("esim_1GB_7D_NL_V2").await;
    let iccid = answered["order"][0]["esims"][0]["iccid"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _) = api
        .req(Method::PUT, "/esims")
        .json(&json!({"iccid": iccid, "customerRef": "desk-1"}))
        .send()
        .await
        .map(|r| (r.status().as_u16(), ()))
        .unwrap();
    assert_eq!(status, 200);
    admin
        .add_fault(
            FaultSpec::new(FaultKind::DropAfterCommit)
                .on("POST", "/v2.4/orders")
                .times(1),
        )
        .unwrap();
    let two = json!({"type": "transaction", "assign": true,
        "order": [{"type": "bundle", "quantity": 2, "item": "esim_1GB_7D_FR_V2"}]});
    assert!(
        api.req(Method::POST, "/orders")
            .json(&two)
            .send()
            .await
            .is_err()
    );
    assert!(admin.faults().is_empty(), "the drop fired");

    let orders = admin.orders();
    assert_eq!(orders.len(), 2);
    assert_eq!(
        orders[0].reference,
        answered["orderReference"].as_str().unwrap()
    );
    assert_eq!(orders[0].lines.len(), 1);
    assert_eq!(orders[0].lines[0].kind, "bundle");
    assert_eq!(orders[0].lines[0].item, "esim_1GB_7D_NL_V2");
    assert_eq!(orders[0].lines[0].quantity, 1);
    assert_eq!(
        orders[0].lines[0].esims,
        [esimdesk_sandbox::RecordedEsim {
            iccid: iccid.clone(),
            customer_ref: "desk-1".into()
        }]
    );
    assert_eq!(orders[0].total_cents, cents(&answered["total"]));
    assert!(orders[0].assigned);
    // The unanswered one is there too, with its two untagged eSIMs.
    assert_eq!(orders[1].lines[0].item, "esim_1GB_7D_FR_V2");
    assert_eq!(orders[1].lines[0].quantity, 2);
    assert_eq!(orders[1].lines[0].esims.len(), 2);
    assert!(
        orders[1].lines[0]
            .esims
            .iter()
            .all(|e| e.customer_ref.is_empty())
    );
    assert_eq!(
        admin.order_references(),
        [orders[0].reference.clone(), orders[1].reference.clone()]
    );

    let (status, listed) = common::into_json(
        api.admin_req(Method::GET, "/esimgo/orders")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(listed[0]["reference"], answered["orderReference"]);
    assert_eq!(listed[0]["total"], answered["total"]);
    assert_eq!(listed[0]["lines"][0]["type"], "bundle");
    assert_eq!(listed[0]["lines"][0]["esims"][0]["customerRef"], "desk-1");
    assert_eq!(listed[1]["lines"][0]["esims"][1]["customerRef"], "");
    assert!(listed[1]["created"].as_str().unwrap().ends_with('Z'));
    api.sandbox.shutdown().await;
}
