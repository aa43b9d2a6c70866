//! The Telness Connect simulator over HTTP: the walk-in sale end to end and every refusal
//! (telness.md §3, §5, §6, §8, §11).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::telness::{Tn, cents};
use esimdesk_core::{ActivationCode, Iccid};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn a_walk_in_sale_end_to_end() {
    let tn = Tn::default().await;
    let subscription = tn.subscription_offering().await;
    let package = tn.package("ES", "FIRST_USE").await;
    let package_id = package["productOfferingId"].as_str().unwrap();
    let data_mb = package["product"]["features"]["dataMb"].as_u64().unwrap();

    // Step 2: the cart, with the desk's sale reference as idempotency key.
    let (status, order) = tn
        .post_key(
            "/orders",
            &tn.walk_in(&subscription, package_id),
            "DSK-1-order",
        )
        .await;
    assert_eq!(status, 201, "{order}");
    assert_eq!(order["state"], "PENDING");
    assert_eq!(
        order["validation"],
        json!({"isValid": true, "missingFields": [], "errors": [], "lineItemValidation": []})
    );
    assert_eq!(order["requirements"]["requiresPayment"], "REQUIRED");
    assert_eq!(
        order["customer"]["customerId"],
        tn.sandbox.telness_customer_id()
    );
    assert_eq!(order["lineItems"][1]["parentLineItemId"], "esim-container");
    assert_eq!(order["lineItems"][0]["subscriber"]["name"], "Ana García");
    assert_eq!(order["metadata"]["deskSaleRef"], "DSK-2025-000123");
    assert_eq!(order["createdEntities"], json!({"subscriptions": []}));
    let id = order["orderId"].as_str().unwrap().to_owned();

    // Step 3: the price is the package's net price, in EUR.
    let (status, price) = tn
        .post_empty(&format!("/orders/{id}/calculate-price"))
        .await;
    assert_eq!(status, 200, "{price}");
    let pricing = &price["pricing"];
    assert_eq!(pricing["currency"], "EUR");
    assert_eq!(
        cents(&pricing["total"]),
        cents(&package["price"]["netPrice"])
    );
    assert_eq!(pricing["taxIncluded"], true);
    assert_eq!(pricing["lineItemPricing"][0]["amount"], 0);
    assert_eq!(pricing["lineItemPricing"][1]["lineItemId"], "data-package");

    // Step 5: submit with the terminal's reference.
    let submitted = tn.submit(&id).await;
    assert_eq!(submitted["state"], "SUBMITTED");
    assert_eq!(submitted["externalPayment"]["reference"], "term-7Q2K-0042");
    assert!(submitted["submittedAt"].is_string());

    // Step 6: provisioning over the sandbox clock.
    assert_eq!(tn.order_state(&id).await, "SUBMITTED");
    tn.advance_secs(1);
    assert_eq!(tn.order_state(&id).await, "PROCESSING");
    // Being provisioned, addressable by a client reference, but no QR code yet.
    tn.name_latest("desk-000123");
    let (status, pending) = tn.get("/subscriptions/rid_desk-000123").await;
    assert_eq!(status, 200, "{pending}");
    assert_eq!(pending["status"], "PENDING");
    let (status, err) = tn.get("/subscriptions/rid_desk-000123/esim/qrcode").await;
    assert_eq!(status, 409, "{err}");
    tn.advance_secs(2);
    let (_, done) = tn.get(&format!("/orders/{id}")).await;
    assert_eq!(done["state"], "COMPLETED");
    assert!(done["completedAt"].is_string());
    let sub_id = done["createdEntities"]["subscriptions"][0]["subscriptionId"]
        .as_str()
        .unwrap()
        .to_owned();

    // The subscription: ACTIVATED, a Luhn-valid 8946 ICCID, the same by id and by reference.
    let (status, sub) = tn.get(&format!("/subscriptions/{sub_id}")).await;
    assert_eq!(status, 200, "{sub}");
    assert_eq!(sub["status"], "ACTIVATED");
    assert_eq!(sub["referenceId"], "desk-000123");
    assert_eq!(sub["sim"]["esim"], true);
    let iccid = sub["sim"]["iccid"].as_str().unwrap();
    assert!(iccid.starts_with("8946"), "{iccid}");
    Iccid::parse(iccid).unwrap();
    assert_eq!(sub["addons"][0]["productOfferingId"], package_id);
    assert_eq!(
        sub["addons"][0]["state"], "PENDING",
        "FIRST_USE waits for data"
    );
    let (_, by_ref) = tn.get("/subscriptions/rid_desk-000123").await;
    assert_eq!(by_ref, sub);

    // Step 7: the activation code.
    let (status, qr) = tn
        .get(&format!("/subscriptions/{sub_id}/esim/qrcode"))
        .await;
    assert_eq!(status, 200, "{qr}");
    assert_eq!(qr["subscriptionId"], sub_id.as_str());
    let code = ActivationCode::parse(qr["qrCodeData"].as_str().unwrap()).unwrap();
    assert_eq!(code.smdp_address(), "rsp.sandbox-telness.example.com");
    assert!(qr["qrCodeUrl"].as_str().unwrap().starts_with("https://"));
    assert!(qr["expiresAt"].is_string());

    // Step 8: usage in both shapes, bytes of 1024² per MB.
    let (status, usage) = tn.get(&format!("/subscriptions/{sub_id}/usage")).await;
    assert_eq!(status, 200, "{usage}");
    let limit = data_mb * 1024 * 1024;
    assert_eq!(
        usage["dataBytes"],
        json!({"remaining": limit, "limit": limit})
    );
    assert_eq!(usage["topupBytes"], json!({"remaining": 0, "limit": 0}));
    assert_eq!(usage["dataUsed"], 0);
    assert_eq!(usage["dataRemaining"], limit);
    assert_eq!(usage["callCount"], 0);
    assert!(usage["period"]["startDate"].is_string());

    // The admin saw it all, and the request log has the Telness requests with their keys.
    let recorded = tn.sandbox.admin().telness().orders();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].order_id, id);
    assert_eq!(recorded[0].state, "COMPLETED");
    assert_eq!(
        recorded[0].payment_reference.as_deref(),
        Some("term-7Q2K-0042")
    );
    assert_eq!(recorded[0].subscriptions, [sub_id.as_str()]);
    let subs = tn.sandbox.admin().telness().subscriptions();
    assert_eq!(subs[0].iccid, iccid);
    assert_eq!(subs[0].activation_code, qr["qrCodeData"].as_str().unwrap());
    let log = tn.sandbox.admin().requests();
    let create = log
        .iter()
        .find(|r| r.method == "POST" && r.path == "/telness/api/v2/orders")
        .unwrap();
    assert_eq!(create.provider, "telness");
    assert_eq!(create.status, Some(201));
    assert_eq!(create.idempotency_key.as_deref(), Some("DSK-1-order"));
    assert!(log.iter().all(|r| r.provider == "telness"));
    tn.sandbox.shutdown().await;
}

#[tokio::test]
async fn what_the_api_refuses_is_refused_and_records_nothing() {
    let tn = Tn::default().await;
    let sub = tn.subscription_offering().await;
    let package = tn.package("FR", "FIRST_USE").await;
    let pkg = package["productOfferingId"].as_str().unwrap();
    let good = tn.walk_in(&sub, pkg);
    let customer = tn.customer();
    let subscription_line = good["lineItems"][0].clone();

    let mut both = good.clone();
    both["lineItems"][1]["subscriptionId"] = json!("d8174435-6378-4be5-a9f5-8b4aaadae5d4");
    let mut neither = good.clone();
    neither["lineItems"][1]
        .as_object_mut()
        .unwrap()
        .remove("parentLineItemId");
    let mut orphan = good.clone();
    orphan["lineItems"][1]["parentLineItemId"] = json!("no-such-line");
    let mut unknown_offering = good.clone();
    unknown_offering["lineItems"][1]["productOfferingId"] = json!("nope");
    let mut package_as_subscription = good.clone();
    package_as_subscription["lineItems"][0]["productOfferingId"] = json!(pkg);
    let mut subscription_as_package = good.clone();
    subscription_as_package["lineItems"][1]["productOfferingId"] = json!(sub);
    let mut misspelt = good.clone();
    misspelt["lineItems"][1]["parentLineItemID"] =
        misspelt["lineItems"][1]["parentLineItemId"].take();
    let mut physical = good.clone();
    physical["lineItems"][0]["sim"]["esim"] = json!(false);
    let mut with_reference = good.clone();
    with_reference["lineItems"][0]["referenceId"] = json!("desk-1");
    let mut duplicate = good.clone();
    duplicate["lineItems"][1]["lineItemId"] = json!("esim-container");
    let mut stranger = good.clone();
    stranger["customer"] = json!({"customerId": "00000000-0000-4000-8000-000000000000"});
    let cases = [
        (
            "a Travel eSIM without a package",
            json!({"customer": customer, "lineItems": [subscription_line]}),
        ),
        ("both parent and subscription", both),
        ("neither parent nor subscription", neither),
        ("a parent that is not in the order", orphan),
        ("an unknown offering", unknown_offering),
        ("a package on a SUBSCRIPTION line", package_as_subscription),
        (
            "the subscription offering on an ADDON line",
            subscription_as_package,
        ),
        ("a misspelt field", misspelt),
        ("a physical SIM", physical),
        ("a line id used twice", duplicate),
        (
            "a referenceId on a line (not documented there)",
            with_reference,
        ),
        ("an unknown customer", stranger),
        (
            "a misspelt top-level field",
            json!({"customer": customer, "lineItem": []}),
        ),
        (
            "a line type the tenant does not sell",
            json!({"customer": customer, "lineItems": [{"type": "LICENSE",
                "lineItemId": "l", "productOfferingId": pkg}]}),
        ),
        (
            "a top-up onto an unknown subscription",
            json!({"customer": customer, "lineItems": [{"type": "ADDON",
                "lineItemId": "t", "productOfferingId": pkg,
                "subscriptionId": "d8174435-6378-4be5-a9f5-8b4aaadae5d4"}]}),
        ),
        (
            "metadata that is not strings",
            json!({"customer": customer, "metadata": {"n": 1}}),
        ),
        (
            "a new customer without a name",
            json!({"customer": {"customerType": "CONSUMER"}}),
        ),
    ];
    for (what, body) in &cases {
        let (status, err) = tn.post("/orders", body).await;
        assert_eq!(status, 400, "{what}: {err}");
        assert_eq!(err["code"], "VALIDATION_ERROR", "{what}");
        assert!(
            !err["details"].as_array().unwrap().is_empty(),
            "{what}: {err}"
        );
    }
    // The seed's own example error.
    let (_, err) = tn.post("/orders", &cases[0].1).await;
    assert_eq!(err["details"][0]["property"], "lineItems");
    assert_eq!(err["details"][0]["code"], "FIELD_REQUIRED");
    assert!(err["hint"].as_str().unwrap().contains("parentLineItemId"));

    // Not JSON, or no body.
    let resp = tn
        .req(Method::POST, "/orders")
        .header("Content-Type", "text/plain")
        .body(good.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let (status, _) = tn.post_empty("/orders").await;
    assert_eq!(status, 400);
    assert!(
        tn.sandbox.admin().telness().orders().is_empty(),
        "nothing recorded"
    );

    // A cart may lack details; it cannot then be priced or submitted.
    let mut incomplete = good.clone();
    incomplete["lineItems"][0]["subscriber"]
        .as_object_mut()
        .unwrap()
        .remove("email");
    incomplete.as_object_mut().unwrap().remove("customer");
    let order = tn.create(&incomplete).await;
    let v = &order["validation"];
    assert_eq!(v["isValid"], false);
    assert_eq!(v["missingFields"], json!(["customer"]));
    assert_eq!(v["lineItemValidation"][0]["lineItemId"], "esim-container");
    assert_eq!(
        v["lineItemValidation"][0]["missingFields"],
        json!(["subscriber.email"])
    );
    let id = order["orderId"].as_str().unwrap();
    for step in ["calculate-price", "submit"] {
        let (status, err) = tn.post_empty(&format!("/orders/{id}/{step}")).await;
        assert_eq!(status, 400, "{step}: {err}");
        assert!(err["details"].as_array().unwrap().len() >= 2, "{err}");
    }

    // Submit without payment: 412; after a submit: 409.
    let order = tn.create(&good).await;
    let id = order["orderId"].as_str().unwrap();
    let (status, err) = tn.post_empty(&format!("/orders/{id}/submit")).await;
    assert_eq!(status, 412, "{err}");
    assert_eq!(err["code"], "PRECONDITION_FAILED");
    let (status, _) = tn
        .post(
            &format!("/orders/{id}/submit"),
            &json!({"externalPayment": {"reference": " "}}),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = tn
        .post(
            &format!("/orders/{id}/submit"),
            &json!({"externalPayment": {"reference": "r", "receipt": "x"}}),
        )
        .await;
    assert_eq!(status, 400, "unknown field");
    tn.submit(id).await;
    let (status, err) = tn
        .post(
            &format!("/orders/{id}/submit"),
            &json!({"externalPayment": {"reference": "again"}}),
        )
        .await;
    assert_eq!(status, 409, "{err}");
    assert_eq!(err["code"], "CONFLICT");
    let (status, _) = tn
        .post(&format!("/orders/{id}/calculate-price"), &json!({"x": 1}))
        .await;
    assert_eq!(status, 400, "calculate-price takes no body");

    // Unknown things.
    for path in [
        "/orders/nope",
        "/subscriptions/nope",
        "/subscriptions/rid_nope/usage",
    ] {
        let (status, err) = tn.get(path).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(err["code"], "NOT_FOUND");
    }
    let (status, _) = tn.post_empty("/orders/nope/submit").await;
    assert_eq!(status, 404);
    tn.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_new_customer_and_lines_added_later() {
    let tn = Tn::default().await;
    let sub = tn.subscription_offering().await;
    let pkg = tn.package("IT", "FIRST_USE").await;
    let pkg = pkg["productOfferingId"].as_str().unwrap();
    // An empty cart for a new customer.
    let order = tn
        .create(
            &json!({"customer": {"name": "Ana García", "customerType": "CONSUMER",
            "referenceId": "cust-1", "contact": {"email": "ana@example.com"}}}),
        )
        .await;
    assert_eq!(order["validation"]["missingFields"], json!(["lineItems"]));
    assert_eq!(order["customer"]["name"], "Ana García");
    assert_eq!(order["customer"]["contact"]["email"], "ana@example.com");
    let customer_id = order["customer"]["customerId"].as_str().unwrap();
    assert_ne!(customer_id, tn.sandbox.telness_customer_id());
    let id = order["orderId"].as_str().unwrap();
    let lines = format!("/orders/{id}/line-items");
    // A package for a line that is not there yet: refused.
    let addon = json!({"type": "ADDON", "lineItemId": "p", "productOfferingId": pkg,
        "parentLineItemId": "s"});
    let (status, _) = tn.post(&lines, &addon).await;
    assert_eq!(status, 400);
    let (status, line) = tn
        .post(
            &lines,
            &json!({"type": "SUBSCRIPTION", "lineItemId": "s", "productOfferingId": sub,
                "subscriber": {"name": "Ana García", "email": "ana@example.com"},
                "sim": {"esim": true}}),
        )
        .await;
    assert_eq!(status, 201, "{line}");
    assert_eq!(line["lineItemId"], "s");
    // A subscription without its package yet: not valid.
    let (_, o) = tn.get(&format!("/orders/{id}")).await;
    assert_eq!(o["validation"]["isValid"], false);
    let (status, _) = tn.post(&lines, &addon).await;
    assert_eq!(status, 201);
    let (status, _) = tn.post(&lines, &addon).await;
    assert_eq!(status, 400, "the line id is taken");
    let (_, o) = tn.get(&format!("/orders/{id}")).await;
    assert_eq!(o["validation"]["isValid"], true, "{o}");
    tn.submit(id).await;
    let (status, _) = tn.post(&lines, &addon).await;
    assert_eq!(status, 409, "no lines once submitted");
    tn.sandbox.shutdown().await;
}
