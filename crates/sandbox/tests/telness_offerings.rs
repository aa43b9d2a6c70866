//! The Telness Connect simulator's offerings and credentials: both listing paths and category
//! spellings, filters, the API key, and how the handle and the binary name the provider
//! (telness.md §1, §4, §11, open points 1–5).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;

use common::telness::{Tn, cents};
use serde_json::{Value, json};

fn ids(items: &[Value]) -> BTreeSet<String> {
    items
        .iter()
        .map(|o| o["productOfferingId"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn offerings_on_both_paths_with_both_spellings_and_list_syntaxes() {
    let tn = Tn::default().await;
    let all = tn.offerings("").await;
    assert!(all.len() > 100);
    let packages = tn.offerings("?categories=TRAVEL_ESIM_PACKAGE").await;
    assert_eq!(packages.len(), all.len() - 1);
    let prefixed = tn
        .offerings("?categories=PRODUCT_CATEGORY_TRAVEL_ESIM_PACKAGE")
        .await;
    assert_eq!(ids(&prefixed), ids(&packages));
    let (status, seed_path) = tn
        .get("/products/offerings?categories=TRAVEL_ESIM_PACKAGE")
        .await;
    assert_eq!(status, 200);
    assert_eq!(seed_path["items"].as_array().unwrap(), &packages);

    // Both list syntaxes, for categories and countries.
    let comma = tn
        .offerings("?categories=TRAVEL_ESIM,TRAVEL_ESIM_PACKAGE&countries=ES,JP")
        .await;
    let repeated = tn
        .offerings(
            "?categories=TRAVEL_ESIM&categories=TRAVEL_ESIM_PACKAGE&countries=ES&countries=JP",
        )
        .await;
    assert_eq!(ids(&comma), ids(&repeated));
    assert!(!comma.is_empty());

    // Filters.
    let spain = tn
        .offerings("?categories=TRAVEL_ESIM_PACKAGE&countries=ES")
        .await;
    assert!(!spain.is_empty());
    for o in &spain {
        let features = &o["product"]["features"];
        assert!(
            features["countries"]
                .as_array()
                .unwrap()
                .contains(&json!("ES")),
            "{o}"
        );
        assert_eq!(o["product"]["type"], "SUBSCRIPTION_ADDON");
        assert_eq!(o["product"]["category"], "TRAVEL_ESIM_PACKAGE");
        assert_eq!(o["status"], "AVAILABLE");
        assert!(features["dataMb"].as_u64().unwrap() > 0);
        assert!(features["validityDays"].as_u64().unwrap() > 0);
        assert!(["INSTANT", "FIRST_USE"].contains(&features["activationType"].as_str().unwrap()));
        let price = &o["price"];
        assert_eq!(price["currency"], "EUR");
        assert_eq!(price["priceType"], "ONE_TIME");
        assert_eq!(
            cents(&price["netPrice"]),
            cents(&price["grossPrice"]) - cents(&price["discount"])
        );
    }
    let europe = tn.offerings("?regions=EUROPE").await;
    assert!(!europe.is_empty());
    assert!(europe.iter().all(|o| {
        o["product"]["features"]["regions"]
            .as_array()
            .unwrap()
            .contains(&json!("EUROPE"))
    }));
    assert!(europe.iter().any(|o| {
        o["name"]
            .as_str()
            .unwrap()
            .starts_with("Europe 5 GB / 30 days")
    }));
    assert_eq!(tn.offerings("?types=SUBSCRIPTION").await.len(), 1);
    assert_eq!(tn.offerings("?type=SUBSCRIPTION").await.len(), 1);
    assert!(tn.offerings("?customerType=BUSINESS").await.is_empty());
    assert_eq!(tn.offerings("?limit=10").await.len(), all.len(), "one page");
    // Every price is exact to the cent; some packages are discounted.
    assert!(all.iter().any(|o| cents(&o["price"]["discount"]) > 0));

    // One offering.
    let first = &spain[0];
    let id = first["productOfferingId"].as_str().unwrap();
    let (status, one) = tn.get(&format!("/product-offerings/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(&one, first);

    // Refused.
    for query in [
        "?types=ADDON",
        "?countries=ESP",
        "?cursor=abc",
        "?limit=0",
        "?customerType=x",
    ] {
        let (status, body) = tn.get(&format!("/product-offerings{query}")).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["code"], "VALIDATION_ERROR");
    }
    let (status, body) = tn.get("/product-offerings/no-such-offering").await;
    assert_eq!(status, 404);
    assert_eq!(body["code"], "NOT_FOUND");
    tn.sandbox.shutdown().await;
}

#[tokio::test]
async fn the_api_key_is_required_and_errors_have_the_reference_shape() {
    let tn = Tn::default().await;
    let url = tn.url("/product-offerings");
    for key in [None, Some("wrong"), Some(tn.sandbox.esimgo_api_key())] {
        let mut req = tn.client.get(&url);
        if let Some(k) = key {
            req = req.header("X-API-Key", k);
        }
        let (status, body) = common::into_json(req.send().await.unwrap()).await;
        assert_eq!(status, 401, "{key:?}");
        assert_eq!(body["code"], "UNAUTHORIZED");
        assert!(body["message"].is_string());
        assert!(body["details"].is_array());
    }
    // Header names are case-insensitive (the reference spells it both ways).
    for name in ["x-api-key", "X-Api-Key"] {
        let resp = tn
            .client
            .get(&url)
            .header(name, tn.sandbox.telness_api_key())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{name}");
    }
    let (status, body) = tn.get("/no/such/path").await;
    assert_eq!(status, 404);
    assert_eq!(body["code"], "NOT_FOUND");
    // The eSIM Go key still works on eSIM Go only.
    let resp = tn
        .client
        .get(format!("{}/organisation", tn.sandbox.esimgo_base_url()))
        .header("X-API-Key", tn.sandbox.telness_api_key())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 403);
    tn.sandbox.shutdown().await;
}

#[tokio::test]
async fn the_handle_and_the_binary_name_every_provider() {
    let tn = Tn::default().await;
    let s = &tn.sandbox;
    assert_eq!(s.provider_ids(), ["esimgo", "telness", "truphone", "itt"]);
    assert_eq!(
        s.provider_base_url("telness").as_deref(),
        Some(s.telness_base_url().as_str())
    );
    assert!(s.telness_base_url().ends_with("/telness/api/v2"));
    assert_eq!(
        s.provider_credential("telness").as_deref(),
        Some(s.telness_api_key())
    );
    assert_eq!(s.telness_api_key(), esimdesk_sandbox::TELNESS_DEMO_API_KEY);
    assert_eq!(s.provider_base_url("nope"), None);
    let lines = s.provider_lines();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["provider"], "esimgo");
    assert_eq!(lines[0]["credential"], lines[0]["api_key"]);
    assert_eq!(lines[1]["provider"], "telness");
    assert_eq!(lines[1]["base_url"], s.telness_base_url());
    assert_eq!(lines[1]["credential"], s.telness_api_key());
    assert_eq!(lines[1]["customer_id"], s.telness_customer_id());
    assert_eq!(lines[1]["admin_token"], s.admin_token());
    tn.sandbox.shutdown().await;

    // The binary prints the same lines, one per provider.
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_esim-sandbox"))
        .args(["--catalogue-size", "60", "--exit-on-stdin-eof"])
        .args([
            "--telness-api-key",
            "tk_test_FROM_FLAG",
            "--telness-delays",
            "0,0",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    for _ in 0..2 {
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        lines.push(serde_json::from_str::<Value>(&line).unwrap());
    }
    assert_eq!(lines[0]["provider"], "esimgo");
    assert_eq!(lines[1]["provider"], "telness");
    assert_eq!(lines[1]["credential"], "tk_test_FROM_FLAG");
    let base = lines[1]["base_url"].as_str().unwrap().to_owned();
    let resp = reqwest::Client::new()
        .get(format!("{base}/product-offerings?categories=TRAVEL_ESIM"))
        .header("X-API-Key", "tk_test_FROM_FLAG")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    drop(child.stdin.take());
    let status = child.wait().unwrap();
    assert!(status.success());
}
