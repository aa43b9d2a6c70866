//! The Truphone Connect v2 simulator over HTTP on loopback (truphone.md): OAuth2 in both
//! credential forms, tokens over the sandbox clock, the correlation id, the walk-in flow, top-up,
//! no idempotency, failing and stuck fulfilment, reconciliation by email, no cancel, faults.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::into_json;
use common::truphone::{FormExt, Tp};
use esimdesk_sandbox::{
    AutoUsage, FaultKind, FaultSpec, SandboxConfig, TruphoneFulfilment, TruphoneOutcome,
    TruphoneSimStatus,
};
use reqwest::Method;
use serde_json::{Value, json};

const DAY: u64 = 86_400;
const GIB: u64 = 1024 * 1024 * 1024;

fn basic(id: &str, secret: &str) -> String {
    // What `reqwest`'s own `basic_auth` sends, written out so the test pins the wire form.
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = format!("{id}:{secret}").into_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(B64[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    format!("Basic {out}")
}

#[tokio::test]
async fn both_credential_forms_get_a_token() {
    let tp = Tp::default().await;
    let (id, secret) = (
        tp.sandbox.truphone_client_id().to_owned(),
        tp.sandbox.truphone_client_secret().to_owned(),
    );
    assert_eq!(id, esimdesk_sandbox::TRUPHONE_DEMO_CLIENT_ID);
    assert_eq!(tp.token_url(), tp.sandbox.truphone_token_url());

    // In the body.
    let resp = tp
        .client
        .post(tp.token_url())
        .form_body(&[
            ("grant_type", "client_credentials"),
            ("client_id", id.as_str()),
            ("client_secret", secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let (status, body) = into_json(resp).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 300);
    assert_eq!(body["refresh_expires_in"], 1_800);
    assert!(body["refresh_token"].is_string());
    let body_token = body["access_token"].as_str().unwrap().to_owned();

    // As HTTP Basic, only grant_type in the body (the PHP client's CURLOPT_USERPWD).
    let (status, body) = into_json(
        tp.client
            .post(tp.token_url())
            .header("Authorization", basic(&id, &secret))
            .form_body(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let basic_token = body["access_token"].as_str().unwrap().to_owned();
    assert_ne!(basic_token, body_token);
    // reqwest's own basic_auth is the same form.
    let (status, _) = into_json(
        tp.client
            .post(tp.token_url())
            .basic_auth(&id, Some(&secret))
            .form_body(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);

    // Both tokens work on the API.
    for token in [&body_token, &basic_token] {
        let resp = tp
            .client
            .get(tp.url("/v2/products"))
            .bearer_auth(token)
            .header("X-Correlation-ID", "c-1")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
    }
    assert_eq!(tp.sandbox.admin().truphone().tokens_issued(), 3);

    // Wrong credentials: the documented 401.
    let (status, body) = tp
        .token_request(&[
            ("grant_type", "client_credentials"),
            ("client_id", id.as_str()),
            ("client_secret", "wrong"),
        ])
        .await;
    assert_eq!(status, 401);
    assert_eq!(
        body,
        json!({"error": "unauthorized_client",
            "error_description": "Invalid client or Invalid client credentials"})
    );
    let (status, body) = into_json(
        tp.client
            .post(tp.token_url())
            .header("Authorization", basic(&id, "wrong"))
            .form_body(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 401, "{body}");
    let (status, _) = tp
        .token_request(&[("grant_type", "client_credentials")])
        .await;
    assert_eq!(status, 401);

    // Malformed requests.
    let (status, body) = tp.token_request(&[("client_id", id.as_str())]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    let (status, body) = tp.token_request(&[("grant_type", "password")]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    let (status, body) = into_json(
        tp.client
            .post(tp.token_url())
            .json(&json!({"grant_type": "client_credentials", "client_id": id,
                "client_secret": secret}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    // Two authentication methods at once.
    let (status, body) = into_json(
        tp.client
            .post(tp.token_url())
            .header("Authorization", basic(&id, &secret))
            .form_body(&[
                ("grant_type", "client_credentials"),
                ("client_secret", &secret),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    assert_eq!(tp.sandbox.admin().truphone().tokens_issued(), 3);
    tp.sandbox.shutdown().await;
}

#[tokio::test]
async fn tokens_expire_on_the_sandbox_clock_and_refresh() {
    let tp = Tp::default().await;
    let truphone = tp.sandbox.admin().truphone();
    let (access, refresh) = tp.login().await;
    tp.advance_secs(299);
    assert_eq!(tp.get_once("/v2/products").await, 200);
    tp.advance_secs(1);
    let resp = tp
        .client
        .get(tp.url("/v2/products"))
        .bearer_auth(&access)
        .header("X-Correlation-ID", "c-expired")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["www-authenticate"], "Bearer");
    let (status, body) = into_json(resp).await;
    assert_eq!(status, 401);
    assert_eq!(body["type"], "UNAUTHORISED");
    assert!(body["messages"][0].is_string());

    // Refresh (with the client's credentials, in the body).
    let (id, secret) = (truphone.client_id(), truphone.client_secret());
    let refresh_form = |token: &str| {
        vec![
            ("grant_type".to_owned(), "refresh_token".to_owned()),
            ("refresh_token".to_owned(), token.to_owned()),
            ("client_id".to_owned(), id.clone()),
            ("client_secret".to_owned(), secret.clone()),
        ]
    };
    let (status, body) = into_json(
        tp.client
            .post(tp.token_url())
            .form_body(&refresh_form(&refresh))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let fresh = body["access_token"].as_str().unwrap().to_owned();
    assert_ne!(fresh, access);
    let ok = tp
        .client
        .get(tp.url("/v2/products"))
        .bearer_auth(&fresh)
        .header("X-Correlation-ID", "c-fresh")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    assert_eq!(truphone.tokens().refreshed, 1);

    // An unknown refresh token, an access token as one, or one past its 30 minutes.
    for bad in ["nonsense", fresh.as_str()] {
        let (status, body) = into_json(
            tp.client
                .post(tp.token_url())
                .form_body(&refresh_form(bad))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_grant"))
        );
    }
    tp.advance_secs(1_800);
    let (status, body) = into_json(
        tp.client
            .post(tp.token_url())
            .form_body(&refresh_form(&refresh))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // The admin ends every access token mid-sale; refresh tokens still work...
    let (access, refresh) = tp.login().await;
    truphone.expire_tokens();
    let resp = tp
        .client
        .get(tp.url("/v2/products"))
        .bearer_auth(&access)
        .header("X-Correlation-ID", "c-2")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    let (status, _) = into_json(
        tp.client
            .post(tp.token_url())
            .form_body(&refresh_form(&refresh))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    // ...until it revokes everything.
    truphone.revoke_tokens();
    let (status, _) = into_json(
        tp.client
            .post(tp.token_url())
            .form_body(&refresh_form(&refresh))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(truphone.tokens().live, 0);
    // Over HTTP too.
    let admin = |m: Method, p: &str| {
        tp.client
            .request(m, format!("{}/truphone{p}", tp.sandbox.admin_url()))
            .header("X-Admin-Token", tp.sandbox.admin_token())
    };
    tp.login().await;
    let (_, stats) = into_json(admin(Method::GET, "/tokens").send().await.unwrap()).await;
    assert_eq!(stats["live"], 1);
    let expired = admin(Method::POST, "/tokens/expire").send().await.unwrap();
    assert_eq!(expired.status().as_u16(), 204);
    assert_eq!(tp.get_once("/v2/products").await, 401);
    tp.sandbox.shutdown().await;
}

#[tokio::test]
async fn every_call_needs_a_token_and_a_correlation_id() {
    let tp = Tp::default().await;
    // No token: 401 before anything else.
    let resp = tp
        .client
        .get(tp.url("/v2/products"))
        .header("X-Correlation-ID", "c-1")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    // A token but no correlation id.
    let token = tp.token().await;
    for correlation in [None, Some("  ")] {
        let mut req = tp.client.get(tp.url("/v2/products")).bearer_auth(&token);
        if let Some(c) = correlation {
            req = req.header("X-Correlation-ID", c);
        }
        let (status, body) = into_json(req.send().await.unwrap()).await;
        assert_eq!(status, 400);
        assert_eq!(body["type"], "INVALID_REQUEST_PARAMS");
        assert!(
            body["messages"][0]
                .as_str()
                .unwrap()
                .contains("X-Correlation-ID")
        );
    }
    // Recorded in the request log, with the status answered.
    tp.sandbox.admin().clear_requests();
    let (status, _) = tp.post("/v2/orders", &json!({}), "sale-000123").await;
    assert_eq!(status, 400);
    let log = tp.sandbox.admin().requests();
    let last = log.last().unwrap();
    assert_eq!(last.provider, "truphone");
    assert_eq!(last.path, "/truphone/connect-api/v2/orders");
    assert_eq!(last.correlation_id.as_deref(), Some("sale-000123"));
    assert_eq!(last.status, Some(400));
    let (_, http_log) = into_json(
        tp.client
            .get(format!("{}/requests", tp.sandbox.admin_url()))
            .header("X-Admin-Token", tp.sandbox.admin_token())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        http_log.as_array().unwrap().last().unwrap()["correlationId"],
        "sale-000123"
    );
    tp.sandbox.shutdown().await;
}

#[tokio::test]
async fn the_catalogue_pages_and_varies_sim_types() {
    let tp = Tp::default().await;
    let (status, first) = tp.get("/v2/products").await;
    assert_eq!(status, 200, "{first}");
    let meta = &first["_metadata"];
    assert_eq!(meta["page"], 1);
    assert_eq!(meta["page_size"], 10);
    let origin = tp.sandbox.truphone_base_url();
    assert_eq!(
        meta["links"]["_self"],
        format!("{origin}/v2/products?page=1&page_size=10")
    );
    let all = tp.products().await;
    assert!(all.len() > 5);
    assert_eq!(
        usize::try_from(meta["page_count"].as_u64().unwrap()).unwrap(),
        all.len().div_ceil(10)
    );
    let footprints: std::collections::BTreeSet<&str> = all
        .iter()
        .map(|p| p["footprint_code"].as_str().unwrap())
        .collect();
    assert_eq!(
        footprints.into_iter().collect::<Vec<_>>(),
        ["EUROPE", "GLOBAL", "USA"]
    );
    assert!(all.iter().any(|p| p["sim_type"] == json!(["PSIM"])));
    assert!(all.iter().any(|p| p["sim_type"] == json!(["ESIM", "PSIM"])));
    for p in &all {
        assert_eq!(p["data_unit"], "MB");
        assert_eq!(p["duration_unit"], "DAYS");
        assert_eq!(p["price_currency"], "EUR");
        assert!(p["data"].as_u64().unwrap() > 0);
        let cents = common::cents(&p["price"]);
        assert_eq!(cents % 10, 9, "{}", p["price"]);
        let id = p["id"].as_str().unwrap();
        assert_eq!(
            p["_metadata"]["links"]["_self"],
            format!("{origin}/v2/products/{id}")
        );
    }
    let eu5 = all
        .iter()
        .find(|p| p["name"] == "Europe 5GB 30 days")
        .expect("the reference's example plan");
    assert_eq!(eu5["data"], 5120);
    // One product, by its id (URL-encoded: it has `-`, `_`, `=`).
    let id = eu5["id"].as_str().unwrap();
    let encoded = url_escape(id);
    let (status, one) = tp.get(&format!("/v2/products/{encoded}")).await;
    assert_eq!(status, 200);
    assert_eq!(&one, eu5);
    let (status, body) = tp.get("/v2/products/nope=").await;
    assert_eq!((status, body["type"].as_str()), (404, Some("NOT_FOUND")));
    // Past the last page: empty, still counted; bad paging refused.
    let (_, past) = tp.get("/v2/products?page=999").await;
    assert_eq!(past["data"], json!([]));
    assert_eq!(past["_metadata"]["page_count"], meta["page_count"]);
    let (status, body) = tp.get("/v2/products?page_size=0").await;
    assert_eq!(
        (status, body["type"].as_str()),
        (400, Some("INVALID_REQUEST_PARAMS"))
    );
    tp.sandbox.shutdown().await;
}

fn url_escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn a_walk_in_sale_from_catalogue_to_usage() {
    let tp = Tp::default().await;
    let product = tp.esim_product("EUROPE").await;
    let product_id = product["id"].as_str().unwrap();
    let (status, created) = tp
        .post(
            "/v2/orders",
            &Tp::activation(product_id, "ana@example.com"),
            "DSK-0001",
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["status"], "ACCEPTED");
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 36, "a UUID");
    assert!(created["created_date"].as_str().unwrap().ends_with('Z'));
    // The create answer's quirk: `_links`, not `links`.
    let self_link = created["_metadata"]["_links"]["_self"].as_str().unwrap();
    assert_eq!(
        self_link,
        format!("{}/v2/orders/{id}", tp.sandbox.truphone_base_url())
    );

    // Polling over the sandbox clock.
    assert_eq!(tp.order_status(&id).await, "ACCEPTED");
    tp.advance_secs(1);
    assert_eq!(tp.order_status(&id).await, "FULFILLING");
    let (_, fulfilling) = tp.follow(self_link).await;
    assert!(fulfilling.get("output").is_none());
    tp.advance_secs(3);
    let (status, order) = tp.follow(self_link).await;
    assert_eq!(status, 200);
    assert_eq!(order["status"], "COMPLETED", "{order}");
    let out = &order["output"];
    let links = &order["_metadata"]["links"];
    let matching_id = out["matching_id"].as_str().unwrap();
    assert_eq!(matching_id.len(), 14, "{matching_id}");
    assert_eq!(links["_smdp"], "rsp.truphone.com");
    // The activation code both ways: built from the parts, and `_lpa` without `LPA:`.
    let built = format!("LPA:1${}${matching_id}", links["_smdp"].as_str().unwrap());
    let lpa = links["_lpa"].as_str().unwrap();
    assert!(!lpa.starts_with("LPA:"));
    assert_eq!(format!("LPA:{lpa}"), built);
    let code = esimdesk_core::ActivationCode::parse(lpa).unwrap();
    assert_eq!(code.to_string(), built);
    assert!(out.get("data").is_none(), "no voucher unless configured");
    let iccid = out["iccid"].as_str().unwrap();
    assert!(iccid.starts_with("894447"), "{iccid}");
    assert!(matches!(iccid.len(), 19 | 20));
    assert!(esimdesk_core::Iccid::parse(iccid).is_ok());
    let base = tp.sandbox.truphone_base_url();
    assert_eq!(links["_sim"], format!("{base}/v2/sims/{iccid}"));
    let sub_id = out["subscription_id"].as_str().unwrap();
    assert!(sub_id.ends_with('='));
    assert_eq!(
        links["_subscription"],
        format!("{base}/v2/subscriptions/{sub_id}")
    );

    // The QR link is a public image of the same code.
    let qr = tp
        .client
        .get(links["_qrcode"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(qr.status().as_u16(), 200);
    assert_eq!(qr.headers()["content-type"], "image/png");
    let png = qr.bytes().await.unwrap();
    let img = image::load_from_memory(&png).unwrap().to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let grids = prepared.detect_grids();
    let (_, text) = grids[0].decode().unwrap();
    assert_eq!(text, built);

    // The SIM: `_lpa` with the prefix here.
    let (status, sim) = tp.follow(links["_sim"].as_str().unwrap()).await;
    assert_eq!(status, 200, "{sim}");
    assert_eq!(sim["iccid"], iccid);
    assert_eq!(sim["status"], "Released");
    assert_eq!(sim["sim_type"], "ESIM");
    assert_eq!(sim["matching_id"], matching_id);
    assert_eq!(sim["_metadata"]["links"]["_lpa"], built);

    // Usage: balances in bytes, as numbers.
    let (status, subs) = tp.get(&format!("/v2/subscriptions?iccid={iccid}")).await;
    assert_eq!(status, 200, "{subs}");
    let sub = &subs["data"][0];
    assert_eq!(subs["data"].as_array().unwrap().len(), 1);
    assert_eq!(sub["id"], sub_id);
    assert_eq!(sub["status"], "ACTIVE");
    assert_eq!(sub["product_id"], product_id);
    assert_eq!(sub["sim_id"], iccid);
    assert_eq!(sub["balance_units"], "Bytes");
    let initial = product["data"].as_u64().unwrap() * 1024 * 1024;
    assert_eq!(sub["initial_balance"], initial);
    assert_eq!(sub["current_balance"], initial);
    assert_eq!(sub["sold_product_price"], 24.9);
    let truphone = tp.sandbox.admin().truphone();
    assert_eq!(
        truphone.consume(iccid, 100 * 1024 * 1024).unwrap(),
        100 * 1024 * 1024
    );
    let (_, sub) = tp.follow(links["_subscription"].as_str().unwrap()).await;
    assert_eq!(sub["current_balance"], initial - 100 * 1024 * 1024);
    assert_eq!(sub["spend_balance"], 100 * 1024 * 1024);
    let (_, sim) = tp.get(&format!("/v2/sims/{iccid}")).await;
    assert_eq!(sim["status"], "Installed", "data flowed");
    // All of it: DEPLETED; then the plan's days run out: EXPIRED.
    truphone.consume(sub_id, u64::MAX).unwrap();
    let (_, sub) = tp.get(&format!("/v2/subscriptions/{sub_id}")).await;
    assert_eq!(sub["status"], "DEPLETED");
    assert!(truphone.consume(sub_id, 1).is_err());
    tp.advance_secs(product["duration"].as_u64().unwrap() * DAY);
    let (_, sub) = tp.get(&format!("/v2/subscriptions/{sub_id}")).await;
    assert_eq!(sub["status"], "EXPIRED");

    // The admin saw it all, correlation id included; iOS with an EID is a push install.
    let orders = truphone.orders();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].correlation_id.as_deref(), Some("DSK-0001"));
    assert_eq!(
        orders[0].push_eid.as_deref(),
        Some("89049032005008882600012345678905")
    );
    assert_eq!(orders[0].sold_price_cents, Some(2490));
    assert_eq!(orders[0].activation_code.as_deref(), Some(built.as_str()));
    assert_eq!(truphone.sims()[0].iccid, iccid);
    tp.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_top_up_adds_a_plan_to_the_same_sim() {
    let tp = Tp::immediate().await;
    let product = tp.esim_product("GLOBAL").await;
    let product_id = product["id"].as_str().unwrap();
    let id = tp
        .order(&Tp::activation(product_id, "ana@example.com"), "DSK-1")
        .await;
    let (_, order) = tp.get(&format!("/v2/orders/{id}")).await;
    let iccid = order["output"]["iccid"].as_str().unwrap().to_owned();

    let top_up = json!({"operation_type": "TOPUP", "sim_type": "ESIM", "country": "ES",
        "product": {"id": product_id}, "subscriber": {"sim": {"iccid": iccid}}});
    let top = tp.order(&top_up, "DSK-2").await;
    let (_, order) = tp.get(&format!("/v2/orders/{top}")).await;
    assert_eq!(order["status"], "COMPLETED", "{order}");
    assert_eq!(order["output"]["iccid"], iccid);
    assert!(order["output"].get("matching_id").is_none(), "{order}");
    assert!(order["_metadata"]["links"].get("_lpa").is_none());
    let (_, subs) = tp.get(&format!("/v2/subscriptions?iccid={iccid}")).await;
    let subs = subs["data"].as_array().unwrap();
    assert_eq!(subs.len(), 2);
    assert!(subs.iter().all(|s| s["status"] == "ACTIVE"));
    assert_eq!(subs[1]["id"], order["output"]["subscription_id"]);
    // Usage comes from the older plan first.
    let truphone = tp.sandbox.admin().truphone();
    let first_bytes = subs[0]["initial_balance"].as_u64().unwrap();
    truphone.consume(&iccid, first_bytes + 5).unwrap();
    let (_, subs) = tp.get(&format!("/v2/subscriptions?iccid={iccid}")).await;
    assert_eq!(subs["data"][0]["status"], "DEPLETED");
    assert_eq!(subs["data"][1]["current_balance"], first_bytes - 5);

    // Refused: no ICCID, an unknown one, a SIM deleted from its device.
    let mut no_iccid = top_up.clone();
    no_iccid["subscriber"] = json!({});
    let (status, body) = tp.post("/v2/orders", &no_iccid, "DSK-3").await;
    assert_eq!(
        (status, body["type"].as_str()),
        (400, Some("INVALID_REQUEST_PARAMS"))
    );
    assert!(
        body["messages"][0]
            .as_str()
            .unwrap()
            .contains("subscriber.sim.iccid")
    );
    let mut unknown = top_up.clone();
    unknown["subscriber"]["sim"]["iccid"] = json!("8944470000005678901");
    assert_eq!(tp.post("/v2/orders", &unknown, "DSK-4").await.0, 400);
    truphone
        .set_sim_status(&iccid, TruphoneSimStatus::Unavailable)
        .unwrap();
    let (status, body) = tp.post("/v2/orders", &top_up, "DSK-5").await;
    assert_eq!(status, 400);
    assert!(
        body["messages"][0]
            .as_str()
            .unwrap()
            .contains("Unavailable"),
        "{body}"
    );
    let (_, sim) = tp.get(&format!("/v2/sims/{iccid}")).await;
    assert_eq!(sim["status"], "Unavailable");

    // A SIM that becomes Unavailable while the top-up is under way: the order FAILS.
    truphone
        .set_sim_status(&iccid, TruphoneSimStatus::Released)
        .unwrap();
    truphone.set_fulfilment(TruphoneFulfilment::completing_after(Duration::from_secs(
        10,
    )));
    let late = tp.order(&top_up, "DSK-6").await;
    truphone
        .set_sim_status(&iccid, TruphoneSimStatus::Unavailable)
        .unwrap();
    tp.advance_secs(10);
    let (_, order) = tp.get(&format!("/v2/orders/{late}")).await;
    assert_eq!(order["status"], "FAILED", "{order}");
    tp.sandbox.shutdown().await;
}

#[tokio::test]
async fn every_post_is_a_new_order() {
    let tp = Tp::immediate().await;
    let product = tp.esim_product("USA").await;
    let body = Tp::activation(product["id"].as_str().unwrap(), "ana@example.com");
    let a = tp.order(&body, "DSK-SAME").await;
    let b = tp.order(&body, "DSK-SAME").await;
    assert_ne!(a, b);
    let orders = tp.sandbox.admin().truphone().orders();
    assert_eq!(orders.len(), 2);
    assert!(
        orders
            .iter()
            .all(|o| o.correlation_id.as_deref() == Some("DSK-SAME"))
    );
    let (_, oa) = tp.get(&format!("/v2/orders/{a}")).await;
    let (_, ob) = tp.get(&format!("/v2/orders/{b}")).await;
    assert_ne!(
        oa["output"]["iccid"], ob["output"]["iccid"],
        "two eSIMs, two charges"
    );
    tp.sandbox.shutdown().await;
}

#[tokio::test]
async fn fulfilment_can_fail_or_never_finish() {
    let tp = Tp::default().await;
    let truphone = tp.sandbox.admin().truphone();
    let product = tp.esim_product("EUROPE").await;
    let body = Tp::activation(product["id"].as_str().unwrap(), "ana@example.com");

    truphone.set_fulfilment(TruphoneFulfilment::failing_after(Duration::from_secs(5)));
    let doomed = tp.order(&body, "DSK-F").await;
    tp.advance_secs(4);
    assert_eq!(tp.order_status(&doomed).await, "FULFILLING");
    tp.advance_secs(1);
    let (_, order) = tp.get(&format!("/v2/orders/{doomed}")).await;
    assert_eq!(order["status"], "FAILED");
    assert_eq!(order["output"], json!({}));
    assert_eq!(order["error"]["type"], "INVALID_REQUEST_PARAMS");
    assert!(order["error"]["messages"][0].is_string());
    assert!(order["_metadata"]["links"]["_self"].is_string());
    assert!(truphone.sims().is_empty(), "nothing provisioned");

    truphone.set_fulfilment(TruphoneFulfilment::never());
    let stuck = tp.order(&body, "DSK-N").await;
    tp.advance_secs(DAY);
    assert_eq!(tp.order_status(&stuck).await, "FULFILLING");
    // Released by the admin: completes now.
    truphone
        .set_order_outcome(&stuck, TruphoneOutcome::Complete)
        .unwrap();
    assert_eq!(tp.order_status(&stuck).await, "COMPLETED");
    assert!(
        truphone
            .set_order_outcome(&stuck, TruphoneOutcome::Fail)
            .is_err()
    );
    assert!(
        truphone
            .set_order_outcome("nope", TruphoneOutcome::Fail)
            .is_err()
    );

    // Over HTTP: the default lifecycle back, one order told to fail.
    let admin = |m: Method, p: &str| {
        tp.client
            .request(m, format!("{}/truphone{p}", tp.sandbox.admin_url()))
            .header("X-Admin-Token", tp.sandbox.admin_token())
    };
    let (status, f) = into_json(
        admin(Method::POST, "/fulfilment")
            .json(&json!({"fulfillingMs": 1000, "completionMs": 3000, "outcome": "complete"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        f,
        json!({"fulfillingMs": 1000, "completionMs": 3000, "outcome": "complete"})
    );
    let told = tp.order(&body, "DSK-T").await;
    let (status, _) = into_json(
        admin(Method::POST, &format!("/orders/{told}/outcome"))
            .json(&json!({"outcome": "fail"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    tp.advance_secs(4);
    assert_eq!(tp.order_status(&told).await, "FAILED");
    let (_, orders) = into_json(admin(Method::GET, "/orders").send().await.unwrap()).await;
    let statuses: Vec<&str> = orders
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["FAILED", "COMPLETED", "FAILED"]);
    assert_eq!(orders[2]["correlationId"], "DSK-T");
    tp.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_lost_sale_is_found_by_email_and_time() {
    let tp = Tp::immediate().await;
    let product = tp.esim_product("EUROPE").await;
    let pid = product["id"].as_str().unwrap();
    let before_any = esimdesk_sandbox::rfc3339(tp.sandbox.admin().now());
    tp.order(&Tp::activation(pid, "old@example.com"), "DSK-A")
        .await;
    tp.get("/v2/subscriptions").await; // settles the first order now
    tp.advance_secs(3_600);
    let sale_time = tp.sandbox.admin().now();
    // The reply is lost after the order was committed (the hour outlived the token).
    tp.login().await;
    tp.sandbox
        .admin()
        .add_fault(
            FaultSpec::new(FaultKind::DropAfterCommit)
                .on("POST", "/truphone/connect-api/v2/orders")
                .times(1),
        )
        .unwrap();
    let lost = tp
        .req(Method::POST, "/v2/orders", "DSK-B")
        .await
        .json(&Tp::activation(pid, "Ana@Example.com"))
        .send()
        .await;
    assert!(lost.is_err(), "the connection was dropped");
    assert_eq!(
        tp.sandbox.admin().truphone().orders().len(),
        2,
        "yet the order exists"
    );
    let logged = tp.sandbox.admin().requests();
    assert_eq!(logged.last().unwrap().status, None);

    // Reconcile: by email (any case) and after the sale, in either documented date form.
    let after = esimdesk_sandbox::rfc3339(sale_time);
    let java = sale_time
        .format(time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second]+0000"
        ))
        .unwrap();
    for after in [after.clone(), url_escape(&java), java.clone()] {
        let (status, found) = tp
            .get(&format!(
                "/v2/subscriptions?email=ana%40example.com&after={after}"
            ))
            .await;
        assert_eq!(status, 200, "{found}");
        assert_eq!(
            found["data"].as_array().unwrap().len(),
            1,
            "{after}: {found}"
        );
    }
    let (_, old) = tp
        .get(&format!(
            "/v2/subscriptions?email=old%40example.com&after={after}"
        ))
        .await;
    assert_eq!(old["data"], json!([]));
    let (_, both) = tp
        .get(&format!(
            "/v2/subscriptions?after={before_any}&before={after}"
        ))
        .await;
    assert_eq!(
        both["data"].as_array().unwrap().len(),
        1,
        "before is exclusive"
    );
    let (_, by_product) = tp
        .get(&format!("/v2/subscriptions?product-id={}", url_escape(pid)))
        .await;
    assert_eq!(by_product["data"].as_array().unwrap().len(), 2);
    let (status, body) = tp.get("/v2/subscriptions?after=yesterday").await;
    assert_eq!(
        (status, body["type"].as_str()),
        (400, Some("INVALID_HTTP_MESSAGE"))
    );
    tp.sandbox.shutdown().await;
}

#[tokio::test]
async fn there_is_no_cancel() {
    let tp = Tp::immediate().await;
    let product = tp.esim_product("EUROPE").await;
    let id = tp
        .order(
            &Tp::activation(product["id"].as_str().unwrap(), "a@example.com"),
            "DSK-C",
        )
        .await;
    let (_, order) = tp.get(&format!("/v2/orders/{id}")).await;
    let sub = order["output"]["subscription_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let iccid = order["output"]["iccid"].as_str().unwrap().to_owned();
    let guesses = [
        (Method::POST, format!("/v2/orders/{id}/cancel"), 404),
        (Method::DELETE, format!("/v2/orders/{id}"), 405),
        (Method::PUT, format!("/v2/orders/{id}"), 405),
        (Method::POST, format!("/v2/subscriptions/{sub}/cancel"), 404),
        (
            Method::POST,
            format!("/v2/subscriptions/{sub}/terminate"),
            404,
        ),
        (Method::DELETE, format!("/v2/subscriptions/{sub}"), 405),
        (Method::DELETE, format!("/v2/sims/{iccid}"), 405),
        (Method::POST, "/v2/cancellations".to_owned(), 404),
    ];
    for (method, path, expected) in guesses {
        let (status, body) = into_json(
            tp.req(method.clone(), &path, "DSK-C")
                .await
                .json(&json!({}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, expected, "{method} {path}: {body}");
        assert!(body["type"].is_string(), "{body}");
        assert!(body["messages"].is_array());
    }
    assert_eq!(tp.order_status(&id).await, "COMPLETED");
    tp.sandbox.shutdown().await;
}

#[tokio::test]
async fn orders_are_checked_as_the_reference_says() {
    let tp = Tp::immediate().await;
    let all = tp.products().await;
    let esim = tp.esim_product("EUROPE").await;
    let pid = esim["id"].as_str().unwrap();
    let psim_only = all
        .iter()
        .find(|p| p["sim_type"] == json!(["PSIM"]))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let good = Tp::activation(pid, "ana@example.com");
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"operation_type": "ACTIVATION"}),
            "INVALID_REQUEST_PARAMS",
            "sim_type",
        ),
        (
            {
                let mut b = good.clone();
                b["operation_type"] = json!("SWAP");
                b
            },
            "INVALID_REQUEST_PARAMS",
            "operation_type",
        ),
        (
            {
                let mut b = good.clone();
                b["subscriber"]["email"] = Value::Null;
                b
            },
            "INVALID_REQUEST_PARAMS",
            "subscriber.email is required",
        ),
        (
            {
                let mut b = good.clone();
                b["subscriber"].as_object_mut().unwrap().remove("last_name");
                b
            },
            "INVALID_REQUEST_PARAMS",
            "subscriber.last_name",
        ),
        (
            {
                let mut b = good.clone();
                b["product"]["id"] = json!("unknown=");
                b
            },
            "INVALID_REQUEST_PARAMS",
            "product.id",
        ),
        (
            {
                let mut b = good.clone();
                b["product"]["id"] = json!(psim_only);
                b
            },
            "INVALID_REQUEST_PARAMS",
            "does not support",
        ),
        (
            {
                let mut b = good.clone();
                b["country"] = json!("XX");
                b
            },
            "INVALID_REQUEST_PARAMS",
            "country",
        ),
        (
            {
                let mut b = good.clone();
                b["subscriber"]["country_of_residence"] = json!("Spain");
                b
            },
            "INVALID_REQUEST_PARAMS",
            "country_of_residence",
        ),
        (
            {
                let mut b = good.clone();
                b["subscriber"]["device"]["eid"] = json!("1234");
                b
            },
            "INVALID_REQUEST_PARAMS",
            "eid",
        ),
        (
            {
                let mut b = good.clone();
                b["product"]["sold_price"] = json!(24.999);
                b
            },
            "INVALID_REQUEST_PARAMS",
            "sold_price",
        ),
        (
            {
                let mut b = good.clone();
                b["product"]
                    .as_object_mut()
                    .unwrap()
                    .remove("sold_currency");
                b
            },
            "INVALID_REQUEST_PARAMS",
            "sold_currency",
        ),
        (
            {
                let mut b = good.clone();
                b["subscriber"]["device"]["type"] = json!("ios");
                b
            },
            "INVALID_REQUEST_PARAMS",
            "unknown field",
        ),
        (
            {
                let mut b = good.clone();
                b["product"]["activation_date"] = json!("tomorrow");
                b
            },
            "INVALID_HTTP_MESSAGE",
            "activation_date",
        ),
        (
            {
                let mut b = good.clone();
                b["product"]["expiry_date"] = json!("2001-01-01T00:00:00Z");
                b
            },
            "INVALID_REQUEST_PARAMS",
            "expiry_date",
        ),
    ];
    for (body, kind, needle) in cases {
        let (status, err) = tp.post("/v2/orders", &body, "DSK-V").await;
        assert_eq!(status, 400, "{body}: {err}");
        assert_eq!(err["type"], kind, "{body}: {err}");
        let messages = err["messages"].to_string();
        assert!(messages.contains(needle), "{needle} not in {messages}");
    }
    let resp = tp
        .req(Method::POST, "/v2/orders", "DSK-V")
        .await
        .header("Content-Type", "application/json")
        .body("{\"operation_type\":")
        .send()
        .await
        .unwrap();
    let (status, err) = into_json(resp).await;
    assert_eq!(
        (status, err["type"].as_str()),
        (400, Some("INVALID_HTTP_MESSAGE"))
    );
    // Every problem at once.
    let (_, err) = tp
        .post(
            "/v2/orders",
            &json!({"operation_type": "ACTIVATION", "sim_type": "ESIM",
            "country": "ES", "product": {"id": pid}, "subscriber": {}}),
            "DSK-V",
        )
        .await;
    assert_eq!(err["messages"].as_array().unwrap().len(), 4, "{err}");
    assert!(
        tp.sandbox.admin().truphone().orders().is_empty(),
        "nothing recorded"
    );

    // A numeric string price (the PHP client) is taken; an Android EID is not a push.
    let mut php = good.clone();
    php["product"]["sold_price"] = json!("19.50");
    php["subscriber"]["device"]["operating_system"] = json!("android");
    tp.order(&php, "DSK-PHP").await;
    let rec = &tp.sandbox.admin().truphone().orders()[0];
    assert_eq!(rec.sold_price_cents, Some(1950));
    assert_eq!(rec.push_eid, None);

    // A physical SIM: activated by its ICCID, no activation code.
    let psim = json!({"operation_type": "ACTIVATION", "sim_type": "PSIM", "country": "GB",
        "product": {"id": psim_only},
        "subscriber": {"email": "p@example.com", "first_name": "P", "last_name": "S",
            "country_of_residence": "GB", "sim": {"iccid": "8944470000005678901"}}});
    let id = tp.order(&psim, "DSK-P").await;
    let (_, order) = tp.get(&format!("/v2/orders/{id}")).await;
    assert_eq!(order["status"], "COMPLETED", "{order}");
    assert!(order["output"].get("matching_id").is_none());
    let (_, sim) = tp.get("/v2/sims/8944470000005678901").await;
    assert_eq!(sim["sim_type"], "PSIM");
    let (status, _) = tp.post("/v2/orders", &psim, "DSK-P2").await;
    assert_eq!(status, 400, "already active");
    tp.sandbox.shutdown().await;
}

#[tokio::test]
async fn faults_work_on_truphone_routes() {
    let tp = Tp::immediate().await;
    let admin = tp.sandbox.admin();
    tp.login().await;

    // A rate limit, in the §9 shape with its odd type string.
    admin
        .add_fault(
            FaultSpec::status(429)
                .on("GET", "/truphone/connect-api/v2/products")
                .times(1),
        )
        .unwrap();
    let resp = tp
        .req(Method::GET, "/v2/products", "c")
        .await
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["retry-after"], "1");
    let (status, body) = into_json(resp).await;
    assert_eq!(status, 429);
    assert_eq!(body["type"], "TOO MANY REQUESTS");
    assert_eq!(tp.get("/v2/products").await.0, 200, "once only");

    // Latency.
    admin
        .add_fault(FaultSpec::latency(150).on("GET", "/truphone").times(1))
        .unwrap();
    assert_eq!(tp.get("/v2/products").await.0, 200);
    // The fault was used on a Truphone route (no wall-clock assertion in a pass/fail test).
    assert!(admin.faults().is_empty());

    // Malformed JSON.
    admin
        .add_fault(
            FaultSpec::new(FaultKind::MalformedJson)
                .on("GET", "/truphone")
                .times(1),
        )
        .unwrap();
    let text = tp
        .req(Method::GET, "/v2/products", "c")
        .await
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err());

    // A dropped connection, before handling: no order.
    let product = tp.esim_product("EUROPE").await;
    let body = Tp::activation(product["id"].as_str().unwrap(), "a@example.com");
    admin
        .add_fault(
            FaultSpec::new(FaultKind::Drop)
                .on("POST", "/truphone/connect-api/v2/orders")
                .times(1),
        )
        .unwrap();
    let sent = tp
        .req(Method::POST, "/v2/orders", "DSK-D")
        .await
        .json(&body)
        .send()
        .await;
    assert!(sent.is_err());
    assert!(admin.truphone().orders().is_empty());

    // Dropped after commit: the order exists, the reply is lost; a refused order commits
    // nothing, so the fault waits for a real one.
    admin
        .add_fault(
            FaultSpec::new(FaultKind::DropAfterCommit)
                .on("POST", "/truphone")
                .times(1),
        )
        .unwrap();
    assert_eq!(tp.post("/v2/orders", &json!({}), "DSK-X").await.0, 400);
    let sent = tp
        .req(Method::POST, "/v2/orders", "DSK-L")
        .await
        .json(&body)
        .send()
        .await;
    assert!(sent.is_err());
    let orders = admin.truphone().orders();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].correlation_id.as_deref(), Some("DSK-L"));
    assert!(admin.faults().is_empty());

    // The token endpoint answers a fault in the OAuth2 shape.
    admin
        .add_fault(FaultSpec::status(503).on("POST", "/truphone/auth").times(1))
        .unwrap();
    let (status, body) = tp
        .token_request(&[("grant_type", "client_credentials")])
        .await;
    assert_eq!(status, 503);
    assert_eq!(body["error"], "temporarily_unavailable");
    tp.sandbox.shutdown().await;
}

#[tokio::test]
async fn plans_can_start_later_and_data_flows_by_itself() {
    let mut config = SandboxConfig::for_tests();
    config.truphone.fulfilment = TruphoneFulfilment::immediate();
    config.truphone.vouchers = true;
    config.auto_usage = Some(AutoUsage {
        start_after: Duration::from_secs(3_600),
        bytes_per_day: GIB,
    });
    let tp = Tp::start(config).await;
    let product = tp
        .products()
        .await
        .into_iter()
        .find(|p| p["data"] == 1024 && p["sim_type"].to_string().contains("ESIM"))
        .expect("a 1 GB eSIM plan");
    let days = product["duration"].as_u64().unwrap();
    let mut body = Tp::activation(product["id"].as_str().unwrap(), "a@example.com");
    let start = tp.sandbox.admin().now() + time::Duration::days(2);
    body["product"]["activation_date"] = json!(esimdesk_sandbox::rfc3339(start));
    let id = tp.order(&body, "DSK-L").await;
    let (_, order) = tp.get(&format!("/v2/orders/{id}")).await;
    assert_eq!(
        order["output"]["data"]["code"].as_str().unwrap().len(),
        6,
        "voucher"
    );
    let sub = order["output"]["subscription_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, s) = tp.get(&format!("/v2/subscriptions/{sub}")).await;
    assert_eq!(s["status"], "PENDING");
    assert_eq!(s["activation_date"], esimdesk_sandbox::rfc3339(start));
    assert!(s["_metadata"]["links"]["_activate"].is_string());
    tp.advance_secs(DAY);
    let (_, s) = tp.get(&format!("/v2/subscriptions/{sub}")).await;
    assert_eq!(s["current_balance"], GIB, "nothing used while pending");
    // Started early: runs for its full length from now.
    let (status, s) = tp
        .post(
            &format!("/v2/subscriptions/{sub}/activate"),
            &json!({}),
            "DSK-A",
        )
        .await;
    assert_eq!(status, 200, "{s}");
    assert_eq!(s["status"], "ACTIVE");
    let (status, _) = tp
        .post(
            &format!("/v2/subscriptions/{sub}/activate"),
            &json!({}),
            "DSK-A",
        )
        .await;
    assert_eq!(status, 400, "only a pending plan");
    // Half a day of use at 1 GiB a day.
    tp.advance_secs(DAY / 2);
    let (_, s) = tp.get(&format!("/v2/subscriptions/{sub}")).await;
    assert_eq!(s["current_balance"], GIB / 2, "{s}");
    tp.advance_secs(DAY);
    let (_, s) = tp.get(&format!("/v2/subscriptions/{sub}")).await;
    assert_eq!(s["status"], "DEPLETED");
    tp.advance_secs(days * DAY);
    let (_, s) = tp.get(&format!("/v2/subscriptions/{sub}")).await;
    assert_eq!(s["status"], "EXPIRED");
    tp.sandbox.shutdown().await;
}

#[tokio::test]
async fn the_handle_names_truphone_and_reset_forgets_it() {
    let tp = Tp::immediate().await;
    let s = &tp.sandbox;
    assert_eq!(s.provider_ids(), ["esimgo", "telness", "truphone", "itt"]);
    assert!(s.truphone_base_url().ends_with("/truphone/connect-api"));
    assert_eq!(
        s.provider_base_url("truphone").as_deref(),
        Some(s.truphone_base_url().as_str())
    );
    let credential = format!(
        "{}\n{}\n",
        esimdesk_sandbox::TRUPHONE_DEMO_CLIENT_ID,
        esimdesk_sandbox::TRUPHONE_DEMO_CLIENT_SECRET
    );
    assert_eq!(
        s.provider_credential("truphone").as_deref(),
        Some(credential.as_str())
    );
    let line = s
        .provider_lines()
        .into_iter()
        .find(|l| l["provider"] == "truphone")
        .unwrap();
    assert_eq!(line["provider"], "truphone");
    assert_eq!(line["base_url"], s.truphone_base_url());
    assert_eq!(line["client_id"], s.truphone_client_id());
    assert_eq!(line["client_secret"], s.truphone_client_secret());
    assert_eq!(line["credential"], credential);
    assert_eq!(line["admin_url"], s.admin_url());
    assert_eq!(line["admin_token"], s.admin_token());

    let product = tp.esim_product("EUROPE").await;
    tp.order(
        &Tp::activation(product["id"].as_str().unwrap(), "a@example.com"),
        "DSK-R",
    )
    .await;
    let state = s.admin().summary();
    assert_eq!(state["truphone"]["orders"], 1);
    assert_eq!(state["truphone"]["tokensIssued"], 1);
    s.admin().reset();
    assert!(s.admin().truphone().orders().is_empty());
    assert_eq!(s.admin().truphone().tokens_issued(), 0);
    assert_eq!(
        tp.get_once("/v2/products").await,
        401,
        "tokens are forgotten too"
    );
    tp.sandbox.shutdown().await;
}

#[tokio::test]
async fn the_binary_prints_the_truphone_line_and_takes_its_flags() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_esim-sandbox"))
        .args([
            "--catalogue-size",
            "60",
            "--exit-on-stdin-eof",
            "--frozen-clock",
        ])
        .args([
            "--truphone-client-id",
            "flag-client",
            "--truphone-client-secret",
            "flag-secret",
        ])
        .args(["--truphone-delays", "0,0", "--truphone-token-secs", "60"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    for _ in 0..3 {
        line.clear();
        out.read_line(&mut line).unwrap();
    }
    let info: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(info["provider"], "truphone");
    assert_eq!(info["credential"], "flag-client\nflag-secret\n");
    let base = info["base_url"].as_str().unwrap();
    let token_url = format!(
        "{}auth/realms/tru-staff/protocol/openid-connect/token",
        base.strip_suffix("connect-api").unwrap()
    );
    let token: Value = reqwest::Client::new()
        .post(token_url)
        .basic_auth("flag-client", Some("flag-secret"))
        .form_body(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(token["expires_in"], 60);
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
}
