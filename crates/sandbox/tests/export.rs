//! `GET /esims/assignments` as CSV, JSON and ZIP; the ZIP's PNGs decode to the CSV's codes
//! (esimgo.md §9).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::io::{Cursor, Read};

use common::Api;
use esimdesk_core::ActivationCode;
use reqwest::Method;
use serde_json::json;

fn decode_png(png: &[u8]) -> Vec<String> {
    let img = image::load_from_memory_with_format(png, image::ImageFormat::Png)
        .expect("a PNG")
        .to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    prepared
        .detect_grids()
        .into_iter()
        .map(|g| g.decode().expect("decodable QR").1)
        .collect()
}

fn csv_codes(csv_text: &str) -> BTreeSet<(String, String)> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        ["ICCID", "Matching ID", "RSP URL", "Bundle"]
    );
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let code = ActivationCode::new(&r[2], &r[1], None, false).unwrap();
            (r[0].to_owned(), code.to_string())
        })
        .collect()
}

async fn order_of_three(api: &Api) -> String {
    let (status, body) = api
        .post_json(
            "/orders",
            &json!({"type": "transaction", "assign": true, "order": [
                {"type": "bundle", "quantity": 2, "item": "esim_1GB_7D_NL_V2"},
                {"type": "bundle", "quantity": 1, "item": "esim_5GB_30D_FR_V2"}]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["orderReference"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn zip_holds_pngs_that_decode_to_the_csv_codes() {
    let api = Api::default().await;
    let reference = order_of_three(&api).await;
    let resp = api
        .client
        .get(api.url(&format!("/esims/assignments?reference={reference}")))
        .header("X-API-Key", api.sandbox.esimgo_api_key())
        .header("Accept", "application/zip")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["content-type"], "application/zip");
    let bytes = resp.bytes().await.unwrap();
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).unwrap();
    let mut csv_text = None;
    let mut from_png: BTreeSet<(String, String)> = BTreeSet::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let name = file.name().unwrap().to_string();
        let mut content = Vec::new();
        file.read_to_end(&mut content).unwrap();
        if name.ends_with(".csv") {
            assert_eq!(name, format!("{reference}.csv"));
            csv_text = Some(String::from_utf8(content).unwrap());
        } else {
            let iccid = name.strip_suffix(".png").expect("only PNGs and the CSV");
            let decoded = decode_png(&content);
            assert_eq!(decoded.len(), 1, "{name}");
            let code = ActivationCode::parse(&decoded[0]).expect("an LPA code");
            assert_eq!(code.to_string(), decoded[0], "canonical");
            from_png.insert((iccid.to_owned(), decoded[0].clone()));
        }
    }
    let csv_text = csv_text.expect("a CSV in the ZIP");
    assert!(csv_text.contains("\r\n"));
    assert!(csv_text.starts_with("\"ICCID\",\"Matching ID\",\"RSP URL\",\"Bundle\"\r\n"));
    let from_csv = csv_codes(&csv_text);
    assert_eq!(from_csv.len(), 3);
    assert_eq!(from_png, from_csv);
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn csv_is_the_default_and_json_is_an_array() {
    let api = Api::default().await;
    let reference = order_of_three(&api).await;
    let path = format!("/esims/assignments?reference={reference}");
    let resp = api
        .client
        .get(api.url(&path))
        .header("X-API-Key", api.sandbox.esimgo_api_key())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv_text = resp.text().await.unwrap();
    let from_csv = csv_codes(&csv_text);
    assert!(csv_text.contains("esim_5GB_30D_FR_V2"));

    let (status, json) = api.get_json(&path).await;
    assert_eq!(status, 200);
    let items = json.as_array().unwrap();
    assert_eq!(items.len(), 3);
    let from_json: BTreeSet<(String, String)> = items
        .iter()
        .map(|i| {
            let code = ActivationCode::new(
                i["smdpAddress"].as_str().unwrap(),
                i["matchingId"].as_str().unwrap(),
                None,
                false,
            )
            .unwrap();
            assert_eq!(i["profileStatus"], "Released");
            (i["iccid"].as_str().unwrap().to_owned(), code.to_string())
        })
        .collect();
    assert_eq!(from_json, from_csv);

    let (status, body) = api
        .get_json("/esims/assignments?reference=no-such-reference")
        .await;
    assert_eq!((status, body), (400, json!({"message": "Order not found"})));

    // A deactivated eSIM: 410 Gone.
    let iccid = &items[0]["iccid"].as_str().unwrap().to_owned();
    api.sandbox
        .admin()
        .set_profile_status(iccid, "Deactivated")
        .unwrap();
    let resp = api.req(Method::GET, &path).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 410);
    api.sandbox.shutdown().await;
}
