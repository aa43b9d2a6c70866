//! API key, strict request parsing, rate-limit headers (esimgo.md §1).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Api;
use esimdesk_sandbox::SandboxConfig;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn missing_or_wrong_key_is_403_unauthorised_on_every_route() {
    let api = Api::default().await;
    for path in ["/catalogue", "/organisation", "/orders", "/esims", "/nope"] {
        let resp = api.client.get(api.url(path)).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 403, "{path}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body, json!({"message": "Unauthorised"}));

        let resp = api
            .client
            .get(api.url(path))
            .header("X-API-Key", "wrong-key")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 403, "{path}");
    }
    // The header name is case-insensitive.
    let resp = api
        .client
        .get(api.url("/organisation"))
        .header("x-api-KEY", api.sandbox.esimgo_api_key())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    // A POST without a key changes nothing.
    let resp = api
        .client
        .post(api.url("/orders"))
        .json(&json!({"type": "transaction", "assign": true,
            "order": [{"type": "bundle", "quantity": 1, "item": "esim_1GB_7D_NL_V2"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 403);
    assert!(api.sandbox.admin().order_references().is_empty());
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn wrong_field_names_and_bad_bodies_get_the_documented_400() {
    let api = Api::default().await;
    let expected = json!({"message": "failed to parse request body"});
    let bodies = [
        // `items` instead of `item`
        r#"{"type":"validate","assign":true,"order":[{"type":"bundle","quantity":1,"items":"esim_1GB_7D_NL_V2"}]}"#,
        // `orders` instead of `order`
        r#"{"type":"validate","assign":true,"orders":[{"type":"bundle","quantity":1,"item":"esim_1GB_7D_NL_V2"}]}"#,
        // an unknown top-level field
        r#"{"type":"validate","assign":true,"dryRun":true,"order":[{"type":"bundle","quantity":1,"item":"esim_1GB_7D_NL_V2"}]}"#,
        // the v2.5 flat body
        r#"{"type":"validate","quantity":1,"item":"esim_1GB_7D_NL_V2"}"#,
        // wrong type
        r#"{"type":"validate","assign":"yes","order":[{"type":"bundle","quantity":1,"item":"esim_1GB_7D_NL_V2"}]}"#,
        r#"{"type":"purchase","assign":true,"order":[{"type":"bundle","quantity":1,"item":"esim_1GB_7D_NL_V2"}]}"#,
        "not json",
        "",
    ];
    for body in bodies {
        let (status, answer) = api.post_raw("/orders", body).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(answer, expected, "{body}");
    }
    // The documented alias `Order` is accepted.
    let (status, answer) = api
        .post_raw(
            "/orders",
            r#"{"type":"validate","assign":true,"Order":[{"type":"bundle","quantity":1,"item":"esim_1GB_7D_NL_V2","allowReassign":false}]}"#,
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    // Refund and apply bodies are strict too.
    let (status, answer) = api
        .post_json("/inventory/refund", &json!({"usageID": 1, "quantity": 1}))
        .await;
    assert_eq!((status, answer), (400, expected.clone()));
    let (status, answer) = api
        .post_json(
            "/esims/apply",
            &json!({"name": "esim_1GB_7D_NL_V2", "bundleName": "x"}),
        )
        .await;
    assert_eq!((status, answer), (400, expected));
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn documented_errors_for_unknown_things() {
    let api = Api::default().await;
    let (s, b) = api.get_json("/catalogue/bundle/esim_1GB_7D_XX_V2").await;
    assert_eq!((s, b), (400, json!({"message": "Bundle not found"})));
    let (s, b) = api
        .get_json("/orders/00000000-0000-4000-8000-000000000000")
        .await;
    assert_eq!((s, b), (400, json!({"message": "Order not found"})));
    let (s, b) = api.get_json("/esims/8944000100000000017").await;
    assert_eq!((s, b), (403, json!({"message": "eSIM not accessible"})));
    let (s, b) = api.get_json("/esims/89440001ABC").await;
    assert_eq!((s, b), (400, json!({"message": "Invalid ICCID"})));
    let (s, b) = api
        .post_json(
            "/esims/apply",
            &json!({"name": "esim_1GB_7D_NL_V2", "allowReassign": false}),
        )
        .await;
    assert_eq!((s, b), (403, json!({"message": "No available bundles"})));
    let (s, _) = api.get_json("/catalogue?perPage=1001").await;
    assert_eq!(s, 400);
    let (s, _) = api.get_json("/catalogue?orderBy=colour").await;
    assert_eq!(s, 400);
    let (s, _) = api.get_json("/esims?perPage=20").await;
    assert_eq!(s, 400);
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn rate_limit_headers_and_429() {
    let api = Api::start(SandboxConfig {
        rate_limit_per_second: Some(3),
        ..SandboxConfig::for_tests()
    })
    .await;
    let resp = api.req(Method::GET, "/organisation").send().await.unwrap();
    for h in [
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "x-ratelimit-cost",
    ] {
        assert!(resp.headers().contains_key(h), "missing {h}");
    }
    assert_eq!(resp.headers()["x-ratelimit-limit"], "3");
    // Ten quick requests overrun a limit of three per second.
    let mut limited = None;
    for _ in 0..10 {
        let resp = api.req(Method::GET, "/organisation").send().await.unwrap();
        if resp.status().as_u16() == 429 {
            limited = Some(resp);
            break;
        }
    }
    let resp = limited.expect("a 429 within ten requests");
    assert_eq!(resp.headers()["retry-after"], "1");
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body, json!({"message": "Rate limit exceeded"}));
    // Switched off through the admin handle: no more 429s.
    api.sandbox.admin().set_rate_limit(None);
    for _ in 0..20 {
        let resp = api.req(Method::GET, "/organisation").send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200);
    }
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn admin_api_requires_its_token() {
    let api = Api::default().await;
    let resp = api
        .client
        .get(format!("{}/state", api.sandbox.admin_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    let resp = api.admin_req(Method::GET, "/state").send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["esimgo"]["catalogueSize"], 500);
    api.sandbox.shutdown().await;
}
