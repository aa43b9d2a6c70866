//! Catalogue paging, filters and the generator's determinism (esimgo.md §4).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;

use common::{Api, cents};
use esimdesk_sandbox::SandboxConfig;
use esimdesk_sandbox::generate_catalogue as generate;
use serde_json::Value;

#[tokio::test]
async fn paging_through_ten_thousand_bundles_returns_each_exactly_once() {
    let api = Api::start(SandboxConfig {
        catalogue_size: 10_000,
        ..SandboxConfig::for_tests()
    })
    .await;
    for (per_page, order) in [(1000, ""), (337, "&orderBy=price&direction=desc")] {
        let mut seen: HashSet<String> = HashSet::new();
        let mut total = 0usize;
        let mut page = 1;
        loop {
            let (status, body) = api
                .get_json(&format!("/catalogue?page={page}&perPage={per_page}{order}"))
                .await;
            assert_eq!(status, 200, "{body}");
            assert_eq!(body["rows"], 10_000);
            assert_eq!(body["pageSize"], per_page);
            let page_count = body["pageCount"].as_u64().unwrap();
            assert_eq!(page_count, 10_000u64.div_ceil(per_page));
            for b in body["bundles"].as_array().unwrap() {
                assert!(
                    seen.insert(b["name"].as_str().unwrap().to_owned()),
                    "duplicate"
                );
                total += 1;
            }
            if page as u64 >= page_count {
                break;
            }
            page += 1;
        }
        assert_eq!(total, 10_000);
        assert_eq!(seen.len(), 10_000);
    }
    // Past the last page: an empty page, not an error.
    let (status, body) = api.get_json("/catalogue?page=11&perPage=1000").await;
    assert_eq!(status, 200);
    assert_eq!(body["bundles"], Value::Array(vec![]));
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn default_page_and_filters() {
    let api = Api::default().await;
    let (_, body) = api.get_json("/catalogue").await;
    assert_eq!(body["pageSize"], 50);
    assert_eq!(body["bundles"].as_array().unwrap().len(), 50);
    let b = &body["bundles"][0];
    for field in [
        "name",
        "description",
        "groups",
        "countries",
        "dataAmount",
        "duration",
        "speed",
        "autostart",
        "unlimited",
        "roamingEnabled",
        "price",
        "billingType",
    ] {
        assert!(b.get(field).is_some(), "missing {field}");
    }

    let (_, nl) = api.get_json("/catalogue?countries=NL&perPage=1000").await;
    let nl = nl["bundles"].as_array().unwrap().clone();
    assert!(nl.iter().any(|b| b["name"] == "esim_1GB_7D_NL_V2"));
    assert!(nl.iter().all(|b| {
        b["countries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["iso"] == "NL")
    }));
    // Regional bundles covering NL are included.
    assert!(
        nl.iter()
            .any(|b| b["countries"].as_array().unwrap().len() > 1)
    );
    let (_, spaced) = api
        .get_json("/catalogue?countries=GB,%20NL&perPage=1000")
        .await;
    assert!(spaced["rows"].as_u64().unwrap() > nl.len() as u64);

    let (_, europe) = api.get_json("/catalogue?region=Europe&perPage=1000").await;
    assert!(europe["rows"].as_u64().unwrap() > 0);
    let (_, unl) = api
        .get_json("/catalogue?group=Standard%20Unlimited%20Lite&perPage=1000")
        .await;
    let unl = unl["bundles"].as_array().unwrap().clone();
    assert!(!unl.is_empty());
    assert!(
        unl.iter()
            .all(|b| b["unlimited"] == true && b["dataAmount"] == -1)
    );
    let (_, d) = api
        .get_json("/catalogue?description=netherlands&perPage=1000")
        .await;
    assert!(d["rows"].as_u64().unwrap() >= 2);

    let (_, sorted) = api
        .get_json("/catalogue?orderBy=price&direction=asc&perPage=1000")
        .await;
    let prices: Vec<i64> = sorted["bundles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| cents(&b["price"]))
        .collect();
    assert!(prices.windows(2).all(|w| w[0] <= w[1]));

    let (status, one) = api.get_json("/catalogue/bundle/esim_1GB_7D_NL_V2").await;
    assert_eq!(status, 200);
    assert_eq!(one["description"], "eSIM, 1GB, 7 Days, Netherlands, V2");
    assert_eq!(one["countries"][0]["name"], "Netherlands");
    assert_eq!(one["countries"][0]["region"], "Europe");
    assert_eq!(one["dataAmount"], 1000);
    api.sandbox.shutdown().await;
}

#[test]
fn the_generator_is_deterministic() {
    for (seed, size) in [(1, 50), (42, 500), (7, 20_000)] {
        let a = generate(seed, size).unwrap();
        let b = generate(seed, size).unwrap();
        assert_eq!(a.bundles(), b.bundles());
        assert_eq!(a.len(), size);
    }
    let a = generate(1, 1_000).unwrap();
    let b = generate(2, 1_000).unwrap();
    assert_ne!(a.bundles(), b.bundles());
}

#[tokio::test]
async fn two_sandboxes_with_one_seed_serve_the_same_catalogue() {
    let a = Api::start(SandboxConfig {
        seed: 9,
        ..SandboxConfig::for_tests()
    })
    .await;
    let b = Api::start(SandboxConfig {
        seed: 9,
        ..SandboxConfig::for_tests()
    })
    .await;
    let (_, x) = a.get_json("/catalogue?perPage=1000").await;
    let (_, y) = b.get_json("/catalogue?perPage=1000").await;
    assert_eq!(x, y);
    // Same seed and same requests: the same ICCIDs and matching IDs.
    let ox = a.buy("esim_1GB_7D_NL_V2").await;
    let oy = b.buy("esim_1GB_7D_NL_V2").await;
    assert_eq!(ox["order"][0]["esims"], oy["order"][0]["esims"]);
    a.sandbox.shutdown().await;
    b.sandbox.shutdown().await;
}
