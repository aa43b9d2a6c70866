//! The ITT eSIM API simulator over HTTP on loopback (itt.md): credentials, the walk-in flow
//! along the identifier chain, one booking per tracking id, fulfilment over the sandbox clock,
//! refusals in the `status: "failed"` envelope, expiring searches, instructions per language,
//! usage, top-ups, faults, no cancel.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::itt::It;
use esimdesk_sandbox::{FaultKind, FaultSpec, IttFulfilment, IttOutcome, SandboxConfig};
use serde_json::{Value, json};

const DAY: u64 = 86_400;

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

/// A decimal string with exactly two decimals, in poisha.
fn poisha(v: &Value) -> i64 {
    let t = text(v);
    assert_eq!(t.split_once('.').map(|(_, d)| d.len()), Some(2), "{t}");
    esimdesk_sandbox::parse_cents(t).unwrap()
}

#[tokio::test]
async fn both_headers_and_the_member_id_are_required() {
    let it = It::default().await;
    let body = json!({"member_id": it.member()});
    let key = it.sandbox.itt_api_key().to_owned();
    let secret = it.sandbox.itt_secret_code().to_owned();
    for (k, s) in [
        (None, None),
        (Some(key.as_str()), None),
        (None, Some(secret.as_str())),
        (Some(key.as_str()), Some("wrong")),
        (Some("wrong"), Some(secret.as_str())),
    ] {
        let (status, v) = it.post_as("/esim/compatible-devices", &body, k, s).await;
        assert_eq!(status, 401, "{k:?} {s:?}");
        assert_eq!(
            v,
            json!({"status": "failed", "reason": "Invalid API credentials"})
        );
    }
    // Checked before the path exists: a guess without credentials learns nothing.
    let (status, _) = it.post_as("/esim/nothing", &body, None, None).await;
    assert_eq!(status, 401);

    // member_id: a string or a number; required; the account's own.
    let v = it
        .ok("/esim/compatible-devices", &json!({"member_id": 2}))
        .await;
    assert!(v["data"].as_array().unwrap().len() > 5);
    assert_eq!(v["data"][0]["os"], "ios");
    let (status, v) = it.post("/esim/compatible-devices", &json!({})).await;
    assert_eq!(
        (status, &v["reason"]),
        (400, &json!("member_id is required"))
    );
    assert_eq!(v["status"], "failed");
    let (status, v) = it
        .post("/esim/compatible-devices", &json!({"member_id": "7"}))
        .await;
    assert_eq!(status, 401, "{v}");

    // Bad JSON is a 400 in the same envelope.
    let (status, v) = common::into_json(
        it.client
            .post(it.url("/esim/search"))
            .header("apikey", &key)
            .header("secretecode", &secret)
            .header("Content-Type", "application/json")
            .body("{\"eSim\":")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(v["status"], "failed");

    let log = it.sandbox.admin().requests();
    assert!(log.iter().all(|r| r.provider == "itt"));
    assert_eq!(log[0].path, "/itt/esim/compatible-devices");
    assert_eq!(log[0].status, Some(401));
    it.sandbox.shutdown().await;
}

#[tokio::test]
async fn the_walk_in_flow_end_to_end() {
    let it = It::default().await;
    let opening = it.sandbox.admin().itt().balance_cents();

    // 1. Search: strings where the reference has strings, BDT, MB of 1024.
    let (search_id, packages) = it.search("ES").await;
    assert_eq!(search_id.len(), 15, "{search_id}");
    assert!(!packages.is_empty());
    for p in &packages {
        assert_eq!(p["tracking_id"], search_id.as_str());
        assert_eq!(p["sell_currency"], "BDT");
        assert!(poisha(&p["sell_price"]) > 0);
        let parts: Vec<&str> = text(&p["package_id"]).split("||").collect();
        assert_eq!(parts.len(), 4, "{p}");
        assert_eq!(parts[3], text(&p["supplier_key"]));
        let mb: u64 = text(&p["package_details"]["data_amount"]).parse().unwrap();
        if text(&p["data"]).ends_with(" GB") {
            assert_eq!(mb % 1024, 0, "{p}");
        }
        assert!(
            text(&p["package_details"]["validity_days"])
                .parse::<u32>()
                .is_ok()
        );
        assert_eq!(p["package_details"]["is_unlimited"], "false");
        assert_eq!(p["package_type"], "sim");
        assert_eq!(p["coverage_type"], "local");
        assert_eq!(p["region_details"]["country_code"], "ES");
        assert_eq!(p["rechargeable"], "true", "topup_included: yes");
        assert!(p["validity"]["activation_days"].is_u64());
    }
    let package = &packages[0];
    let package_id = text(&package["package_id"]);

    // 2. Single package: the booking tracking id and the price.
    let (tracking_id, quote) = it.quote(&search_id, package_id).await;
    assert_eq!(tracking_id.len(), 22, "{tracking_id}");
    assert_ne!(tracking_id, search_id);
    assert_eq!(quote["price"]["sell_price"], package["sell_price"]);
    assert_eq!(quote["price"]["sell_currency"], "BDT");
    assert_eq!(quote["search_parameter"]["tracking_id"], search_id.as_str());
    assert_eq!(quote["data"]["package_id"], package_id);
    assert_eq!(quote["coverage_country"][0]["country_code"], "ES");
    let price = poisha(&quote["price"]["sell_price"]);

    // 3. Travellers.
    let v = it.travellers(&tracking_id).await;
    assert_eq!(v["total_guest"], 1);
    assert_eq!(v["data"][0]["first_name"], "Ana");

    // 4. Booking: confirmed at once, charged to the credit.
    let (status, booked) = it.book(&tracking_id).await;
    assert_eq!(status, 200, "{booked}");
    assert_eq!(booked["status"], "success");
    assert_eq!(booked["booking_status"], "confirmed");
    assert_eq!(booked["tracking_id"], tracking_id.as_str());
    assert_eq!(booked["currency"], "BDT");
    assert_eq!(poisha(&booked["total_price"]), price);
    let booking_id = text(&booked["booking_id"]).to_owned();
    assert!(
        booking_id.starts_with("ES") && booking_id.len() == 14,
        "{booking_id}"
    );
    assert_eq!(it.sandbox.admin().itt().balance_cents(), opening - price);

    // 6. Details, by booking id and by tracking id alone.
    let (status, details) = it.details(&tracking_id, &booking_id).await;
    assert_eq!(status, 200, "{details}");
    assert_eq!(details["booking_status"], "confirmed");
    assert_eq!(details["passenger"][0]["email_address"], "ana@example.com");
    let esim = &details["esims"][0];
    let iccid = text(&esim["iccid"]).to_owned();
    assert!(iccid.starts_with("893") && (19..=20).contains(&iccid.len()));
    assert!(esimdesk_core::Iccid::parse(&iccid).is_ok(), "{iccid}");
    let code = text(&esim["qrcode"]);
    assert!(
        code.starts_with("LPA:1$rsp.sandbox-itt.example.com$"),
        "{code}"
    );
    assert_eq!(
        code,
        format!(
            "LPA:1${}${}",
            text(&esim["lpa"]),
            text(&esim["matching_id"])
        )
    );
    assert!(esimdesk_core::ActivationCode::parse(code).is_ok());
    assert_eq!(esim["esim_status"], "NOT_ACTIVE");
    let (status, by_tracking) = it.details(&tracking_id, "").await;
    assert_eq!(status, 200);
    assert_eq!(by_tracking["booking_id"], booking_id.as_str());
    assert_eq!(by_tracking["esims"], details["esims"]);

    // 7. Instructions and 8. usage.
    let v = it
        .ok(
            "/esim/installation-instructions",
            &it.esim_body(&tracking_id, &iccid, &json!({"preferred_language": "en"})),
        )
        .await;
    assert_eq!(v["data"]["language"], "en");
    assert_eq!(v["data"]["qrcode"], code);
    assert_eq!(v["data"]["manual"]["activation_code"], esim["matching_id"]);
    let v = it
        .ok(
            "/esim/data-usage",
            &it.esim_body(&tracking_id, &iccid, &json!({})),
        )
        .await;
    assert_eq!(v["data"]["used"], "0");
    assert_eq!(
        v["data"]["total"],
        package["package_details"]["data_amount"]
    );
    assert_eq!(v["data"]["unit"], "MB");

    // The admin saw it all.
    let bookings = it.sandbox.admin().itt().bookings();
    assert_eq!(bookings.len(), 1);
    assert_eq!(bookings[0].booking_id, booking_id);
    assert_eq!(bookings[0].tracking_id, tracking_id);
    assert_eq!(bookings[0].search_tracking_id, search_id);
    assert_eq!(bookings[0].passengers[0].last_name, "García");
    assert_eq!(bookings[0].iccids, [iccid]);
    assert_eq!(bookings[0].activation_codes, [code.to_owned()]);
    it.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_repeated_create_booking_returns_the_same_booking() {
    let it = It::default().await;
    let (tracking_id, _) = it.quoted("FR").await;
    let (_, first) = it.book(&tracking_id).await;
    let after_first = it.sandbox.admin().itt().balance_cents();
    let (status, second) = it.book(&tracking_id).await;
    assert_eq!(status, 200);
    assert_eq!(second, first);
    assert_eq!(it.sandbox.admin().itt().balance_cents(), after_first);
    assert_eq!(it.sandbox.admin().itt().bookings().len(), 1);

    // A tracking id never booked is not found by details: safe to book.
    let (other, _) = it.quoted("FR").await;
    let (status, v) = it.details(&other, "").await;
    assert_eq!(status, 404, "{v}");
    assert_eq!(v["reason"], "Booking not found");
    // Booking without travellers is refused; an unknown tracking id is not found.
    let (search_id, packages) = it.search("FR").await;
    let (bare, _) = it.quote(&search_id, text(&packages[0]["package_id"])).await;
    let (status, _) = it.book(&bare).await;
    assert_eq!(status, 400);
    let (status, _) = it.book("11000000000000000AAAAA").await;
    assert_eq!(status, 404);
    it.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_pending_booking_is_confirmed_over_the_clock() {
    let it = It::with(IttFulfilment::confirming_after(Duration::from_secs(30))).await;
    let (tracking_id, _) = it.quoted("IT").await;
    let (status, booked) = it.book(&tracking_id).await;
    assert_eq!(status, 200);
    assert_eq!(booked["status"], "success");
    assert_eq!(booked["booking_status"], "pending");
    let booking_id = text(&booked["booking_id"]).to_owned();
    let (_, details) = it.details(&tracking_id, &booking_id).await;
    assert_eq!(details["booking_status"], "pending");
    assert_eq!(details["esims"], json!([]));
    // A retry while pending is the same booking, still pending.
    let (_, again) = it.book(&tracking_id).await;
    assert_eq!(again, booked);

    it.advance_secs(29);
    let (_, details) = it.details(&tracking_id, "").await;
    assert_eq!(details["booking_status"], "pending");
    it.advance_secs(1);
    let (_, details) = it.details(&tracking_id, "").await;
    assert_eq!(details["booking_status"], "confirmed");
    assert_eq!(details["esims"].as_array().unwrap().len(), 1);

    // A held booking is released by the admin.
    it.sandbox
        .admin()
        .itt()
        .set_fulfilment(IttFulfilment::never());
    let (held, _) = it.quoted("IT").await;
    let (_, booked) = it.book(&held).await;
    assert_eq!(booked["booking_status"], "pending");
    it.advance_secs(DAY);
    let (_, details) = it.details(&held, "").await;
    assert_eq!(details["booking_status"], "pending");
    it.sandbox
        .admin()
        .itt()
        .set_booking_outcome(&held, IttOutcome::Confirm)
        .unwrap();
    let (_, details) = it.details(&held, "").await;
    assert_eq!(details["booking_status"], "confirmed");
    it.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_failed_booking_is_refunded_and_stays_failed() {
    let it = It::with(IttFulfilment::failing_after(Duration::ZERO)).await;
    let opening = it.sandbox.admin().itt().balance_cents();
    let (tracking_id, _) = it.quoted("DE").await;
    let (status, booked) = it.book(&tracking_id).await;
    assert_eq!(status, 200, "a supplier refusal is a 200");
    assert_eq!(booked["status"], "failed");
    assert_eq!(booked["booking_status"], "failed");
    assert!(text(&booked["reason"]).contains("could not issue"));
    let booking_id = text(&booked["booking_id"]).to_owned();
    assert_eq!(it.sandbox.admin().itt().balance_cents(), opening);
    let (status, details) = it.details(&tracking_id, &booking_id).await;
    assert_eq!(status, 200);
    assert_eq!(details["booking_status"], "failed");
    assert_eq!(details["esims"], json!([]));
    let (_, again) = it.book(&tracking_id).await;
    assert_eq!(again, booked);
    it.sandbox.shutdown().await;
}

#[tokio::test]
async fn insufficient_balance_is_a_refusal_that_books_nothing() {
    let it = It::default().await;
    let admin = it.sandbox.admin().itt();
    let (tracking_id, _) = it.quoted("GB").await;
    admin.set_balance_cents(100).unwrap();
    let (status, v) = it.book(&tracking_id).await;
    assert_eq!(status, 200);
    assert_eq!(v["status"], "failed");
    assert_eq!(v["reason"], "Insufficient balance");
    assert!(admin.bookings().is_empty());
    assert_eq!(admin.balance_cents(), 100);

    // Forced, whatever the credit.
    admin.set_balance_cents(100_000_000).unwrap();
    admin.set_outcome(IttOutcome::InsufficientBalance);
    let (_, v) = it.book(&tracking_id).await;
    assert_eq!(v["reason"], "Insufficient balance");
    admin.set_outcome(IttOutcome::Confirm);
    let (_, v) = it.book(&tracking_id).await;
    assert_eq!(v["booking_status"], "confirmed", "{v}");

    // Online payment is not offered for eSIMs.
    let (other, _) = it.quoted("GB").await;
    let mut body = it.booking_body(&other);
    body["payment_type"] = json!("onlinepayment");
    let (status, v) = it.post("/esim/create-booking", &body).await;
    assert_eq!((status, &v["status"]), (200, &json!("failed")));
    it.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_search_tracking_id_expires_on_the_sandbox_clock() {
    let mut config = SandboxConfig::for_tests();
    config.itt.search_lifetime = Duration::from_secs(600);
    let it = It::start(config).await;
    let (search_id, packages) = it.search("JP").await;
    let package_id = text(&packages[0]["package_id"]).to_owned();
    let body = json!({"tracking_id": search_id, "package_id": package_id});
    it.advance_secs(599);
    it.ok("/esim/single-esim-package", &body).await;
    it.advance_secs(1);
    let (status, v) = it.post("/esim/single-esim-package", &body).await;
    assert_eq!(status, 404, "{v}");
    assert_eq!(v["status"], "failed");
    assert!(text(&v["reason"]).contains("expired"), "{v}");

    // The admin expires every search at once.
    let (fresh, _) = it.search("JP").await;
    assert_eq!(it.sandbox.admin().itt().expire_searches(), 1);
    let (status, _) = it
        .post(
            "/esim/single-esim-package",
            &json!({"tracking_id": fresh, "package_id": package_id}),
        )
        .await;
    assert_eq!(status, 404);

    // Unknown ids, and a package that was not in the search.
    let (status, _) = it
        .post(
            "/esim/single-esim-package",
            &json!({"tracking_id": "100000000000AA0", "package_id": package_id}),
        )
        .await;
    assert_eq!(status, 404);
    let (other, _) = it.search("FR").await;
    let (status, v) = it
        .post(
            "/esim/single-esim-package",
            &json!({"tracking_id": other, "package_id": package_id}),
        )
        .await;
    assert_eq!(status, 404, "{v}");
    let (status, v) = it
        .post("/esim/single-esim-package", &json!({"tracking_id": other}))
        .await;
    assert_eq!(
        (status, &v["reason"]),
        (400, &json!("package_id is required"))
    );
    it.sandbox.shutdown().await;
}

#[tokio::test]
async fn search_criteria() {
    let it = It::default().await;
    let search = |body: Value| {
        let it = &it;
        async move { it.post("/esim/search", &body).await }
    };
    let (_, all) = search(json!({"eSim": {}, "supplier_uid": "all"})).await;
    let total: usize = text(&all["total_esim_package"]).parse().unwrap();
    assert_eq!(all["data"].as_array().unwrap().len(), total);
    assert!(total > 50);
    let (_, regional) =
        search(json!({"eSim": {"region_type": "regional", "country_code": "ES"}})).await;
    let regional = regional["data"].as_array().unwrap().clone();
    assert!(!regional.is_empty());
    for p in &regional {
        assert_eq!(p["coverage_type"], "regional");
        assert!(
            p["coverage_country"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["country_code"] == "ES")
        );
    }
    let (_, global) = search(json!({"eSim": {"region_type": "global"}})).await;
    assert!(
        global["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["coverage_type"] == "global")
    );
    // One supplier, then another: different packages; "all" has both.
    let uid = text(&all["data"][0]["package_id"])
        .split("||")
        .next()
        .unwrap()
        .to_owned();
    let (_, one) = search(json!({"eSim": {}, "supplier_uid": uid})).await;
    let one = one["data"].as_array().unwrap();
    assert!(!one.is_empty() && one.len() < total);
    assert!(one.iter().all(|p| text(&p["package_id"]).starts_with(&uid)));
    let (_, none) = search(json!({"eSim": {}, "supplier_uid": "X9NO00000"})).await;
    assert_eq!(none["total_esim_package"], "0");
    // Refused criteria.
    for (body, reason) in [
        (json!({}), "eSim is required"),
        (
            json!({"eSim": {"region_type": "local"}}),
            "eSim.country_code is required for a local search",
        ),
        (
            json!({"eSim": {"country_code": "XX1"}}),
            "eSim.country_code XX1 is not an ISO 3166-1 alpha-2 code",
        ),
        (
            json!({"eSim": {"region_type": "lunar"}}),
            "eSim.region_type lunar is not one of local, regional, global",
        ),
    ] {
        let (status, v) = search(body).await;
        assert_eq!((status, text(&v["reason"])), (400, reason));
    }
    it.sandbox.shutdown().await;
}

#[tokio::test]
async fn instructions_in_spanish_and_english_for_anything_else() {
    let it = It::default().await;
    let (tracking_id, _) = it.quoted("ES").await;
    it.book(&tracking_id).await;
    let (_, details) = it.details(&tracking_id, "").await;
    let iccid = text(&details["esims"][0]["iccid"]).to_owned();
    let ask = |lang: &str| it.esim_body(&tracking_id, &iccid, &json!({"preferred_language": lang}));
    let es = it.ok("/esim/installation-instructions", &ask("es")).await;
    assert_eq!(es["data"]["language"], "es");
    assert!(text(&es["data"]["ios"][0]["text"]).contains("Ajustes"));
    assert!(text(&es["data"]["android"][0]["text"]).contains("Ajustes"));
    assert_eq!(es["data"]["ios"][0]["step"], 1);
    let en = it.ok("/esim/installation-instructions", &ask("bn")).await;
    assert_eq!(en["data"]["language"], "en");
    assert!(text(&en["data"]["ios"][0]["text"]).contains("Settings"));
    assert_ne!(en["data"]["android"], es["data"]["android"]);
    // An ICCID of another booking, or none at all, is not found.
    let (status, _) = it
        .post(
            "/esim/installation-instructions",
            &it.esim_body(&tracking_id, "8930000000000000000", &json!({})),
        )
        .await;
    assert_eq!(status, 404);
    it.sandbox.shutdown().await;
}

#[tokio::test]
async fn usage_in_mb_and_the_esim_lifecycle() {
    let it = It::default().await;
    let (search_id, packages) = it.search("US").await;
    let package = packages
        .iter()
        .find(|p| p["package_details"]["data_amount"] == "1024")
        .unwrap_or(&packages[0])
        .clone();
    let total: u64 = text(&package["package_details"]["data_amount"])
        .parse()
        .unwrap();
    let days: u64 = text(&package["package_details"]["validity_days"])
        .parse()
        .unwrap();
    let (tracking_id, _) = it.quote(&search_id, text(&package["package_id"])).await;
    it.travellers(&tracking_id).await;
    it.book(&tracking_id).await;
    let (_, details) = it.details(&tracking_id, "").await;
    let iccid = text(&details["esims"][0]["iccid"]).to_owned();
    let usage = || async {
        it.ok(
            "/esim/data-usage",
            &it.esim_body(&tracking_id, &iccid, &json!({})),
        )
        .await["data"]
            .clone()
    };
    let admin = it.sandbox.admin().itt();
    assert_eq!(admin.consume(&iccid, 100).unwrap(), 100);
    let u = usage().await;
    assert_eq!(u["used"], "100");
    assert_eq!(u["remaining"], (total - 100).to_string());
    assert_eq!(u["esim_status"], "ACTIVE");
    admin.consume(&iccid, total).unwrap();
    let u = usage().await;
    assert_eq!(
        (&u["remaining"], &u["esim_status"]),
        (&json!("0"), &json!("FINISHED"))
    );
    it.advance_secs(days * DAY);
    assert_eq!(usage().await["esim_status"], "EXPIRED");
    assert!(admin.consume(&iccid, 1).is_err());
    it.sandbox.shutdown().await;
}

#[tokio::test]
async fn top_ups_and_their_history() {
    let it = It::default().await;
    let (tracking_id, package) = it.quoted("TH").await;
    it.book(&tracking_id).await;
    let (_, details) = it.details(&tracking_id, "").await;
    let iccid = text(&details["esims"][0]["iccid"]).to_owned();
    let body = |extra: Value| it.esim_body(&tracking_id, &iccid, &extra);

    let list = it.ok("/esim/topup-packages", &body(json!({}))).await;
    assert_eq!(list["tracking_id"], tracking_id.as_str());
    let topups = list["data"].as_array().unwrap().clone();
    assert!(!topups.is_empty());
    assert!(topups.iter().all(|p| p["package_type"] == "topup"
        && p["region_details"]["id"] == package["region_details"]["id"]));
    let topup = &topups[0];
    let price = poisha(&topup["sell_price"]);
    let before = it.sandbox.admin().itt().balance_cents();

    let done = it
        .ok(
            "/esim/create-topup-booking",
            &body(json!({"package_id": topup["package_id"], "payment_type": "wallet"})),
        )
        .await;
    assert_eq!(done["booking_status"], "confirmed");
    assert!(text(&done["booking_id"]).starts_with("TU"));
    assert_eq!(poisha(&done["total_price"]), price);
    assert_eq!(it.sandbox.admin().itt().balance_cents(), before - price);

    let usage = it.ok("/esim/data-usage", &body(json!({}))).await;
    let total: u64 = text(&usage["data"]["total"]).parse().unwrap();
    let own: u64 = text(&package["package_details"]["data_amount"])
        .parse()
        .unwrap();
    let added: u64 = text(&topup["package_details"]["data_amount"])
        .parse()
        .unwrap();
    assert_eq!(total, own + added);
    let history = it.ok("/esim/topup-history", &body(json!({}))).await;
    assert_eq!(history["data"].as_array().unwrap().len(), 1);
    assert_eq!(history["data"][0]["booking_id"], done["booking_id"]);
    assert_eq!(history["data"][0]["sell_currency"], "BDT");
    // The activation code does not change.
    let (_, after) = it.details(&tracking_id, "").await;
    assert_eq!(after["esims"][0]["qrcode"], details["esims"][0]["qrcode"]);

    // A package that is not a top-up of this eSIM; missing fields; too little credit.
    let (status, _) = it
        .post(
            "/esim/create-topup-booking",
            &body(json!({"package_id": package["package_id"]})),
        )
        .await;
    assert_eq!(status, 404);
    let (status, v) = it
        .post("/esim/create-topup-booking", &body(json!({})))
        .await;
    assert_eq!(
        (status, &v["reason"]),
        (400, &json!("package_id is required"))
    );
    it.sandbox.admin().itt().set_balance_cents(0).unwrap();
    let (status, v) = it
        .post(
            "/esim/create-topup-booking",
            &body(json!({"package_id": topup["package_id"]})),
        )
        .await;
    assert_eq!(
        (status, &v["reason"]),
        (200, &json!("Insufficient balance"))
    );
    assert_eq!(it.sandbox.admin().itt().topups().len(), 1);

    // Webhook registration is acknowledged.
    let v = it
        .ok(
            "/esim/register-webhook",
            &json!({"supplier_code": "airalo", "supplier_uid": "X1AO00084",
                    "notification_type": "webhook_low_data"}),
        )
        .await;
    assert_eq!(v["reason"], "Webhook registered.");
    assert_eq!(it.sandbox.admin().itt().webhooks().len(), 1);
    it.sandbox.shutdown().await;
}

#[tokio::test]
async fn faults_on_itt_routes() {
    let it = It::default().await;
    let admin = it.sandbox.admin();
    admin
        .add_fault(
            FaultSpec::status(503)
                .on("POST", "/itt/esim/search")
                .times(1),
        )
        .unwrap();
    let (status, v) = it.post("/esim/search", &json!({"eSim": {}})).await;
    assert_eq!(status, 503);
    assert_eq!(v["status"], "failed");
    assert!(v["reason"].is_string());

    admin
        .add_fault(
            FaultSpec::new(FaultKind::MalformedJson)
                .on("POST", "/itt/esim/search")
                .times(1),
        )
        .unwrap();
    let (status, v) = it.post("/esim/search", &json!({"eSim": {}})).await;
    assert_eq!(status, 200);
    assert!(v.is_string(), "not JSON: cut in half");

    admin
        .add_fault(
            FaultSpec::new(FaultKind::Drop)
                .on("POST", "/itt/esim/compatible-devices")
                .times(1),
        )
        .unwrap();
    let sent = it
        .client
        .post(it.url("/esim/compatible-devices"))
        .header("apikey", it.sandbox.itt_api_key())
        .header("secretecode", it.sandbox.itt_secret_code())
        .json(&json!({"member_id": it.member()}))
        .send()
        .await;
    assert!(sent.is_err());

    // The booking is made, its answer lost; details by tracking id finds it and a retry
    // returns it — never a second one.
    let (tracking_id, _) = it.quoted("NL").await;
    admin
        .add_fault(
            FaultSpec::new(FaultKind::DropAfterCommit)
                .on("POST", "/itt/esim/create-booking")
                .times(1),
        )
        .unwrap();
    let sent = it
        .client
        .post(it.url("/esim/create-booking"))
        .header("apikey", it.sandbox.itt_api_key())
        .header("secretecode", it.sandbox.itt_secret_code())
        .json(&it.booking_body(&tracking_id))
        .send()
        .await;
    assert!(sent.is_err());
    let recorded = admin.itt().bookings();
    assert_eq!(recorded.len(), 1);
    let (status, details) = it.details(&tracking_id, "").await;
    assert_eq!(status, 200);
    assert_eq!(details["booking_id"], recorded[0].booking_id.as_str());
    let (status, again) = it.book(&tracking_id).await;
    assert_eq!(
        (status, &again["booking_id"]),
        (200, &details["booking_id"])
    );
    assert_eq!(admin.itt().bookings().len(), 1);

    // The same for a top-up.
    let iccid = text(&details["esims"][0]["iccid"]).to_owned();
    let list = it
        .ok(
            "/esim/topup-packages",
            &it.esim_body(&tracking_id, &iccid, &json!({})),
        )
        .await;
    admin
        .add_fault(
            FaultSpec::new(FaultKind::DropAfterCommit)
                .on("POST", "/itt/esim/create-topup-booking")
                .times(1),
        )
        .unwrap();
    let sent = it
        .client
        .post(it.url("/esim/create-topup-booking"))
        .header("apikey", it.sandbox.itt_api_key())
        .header("secretecode", it.sandbox.itt_secret_code())
        .json(&it.esim_body(
            &tracking_id,
            &iccid,
            &json!({"package_id": list["data"][0]["package_id"]}),
        ))
        .send()
        .await;
    assert!(sent.is_err());
    assert_eq!(admin.itt().topups().len(), 1);
    let log = admin.requests();
    assert!(
        log.iter()
            .any(|r| r.path == "/itt/esim/create-topup-booking" && r.status.is_none())
    );
    it.sandbox.shutdown().await;
}

#[tokio::test]
async fn there_is_no_cancel() {
    let it = It::default().await;
    let (tracking_id, _) = it.quoted("PT").await;
    let (_, booked) = it.book(&tracking_id).await;
    for path in [
        "/esim/cancel-booking",
        "/esim/cancel",
        "/esim/refund",
        "/esim/booking-cancel",
    ] {
        let (status, v) = it
            .post(
                path,
                &json!({"member_id": it.member(), "booking_id": booked["booking_id"]}),
            )
            .await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(v["status"], "failed");
    }
    // Every operation is a POST.
    let resp = it
        .client
        .get(it.url("/esim/booking-details"))
        .header("apikey", it.sandbox.itt_api_key())
        .header("secretecode", it.sandbox.itt_secret_code())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 405);
    let (_, details) = it.details(&tracking_id, "").await;
    assert_eq!(details["booking_status"], "confirmed");
    it.sandbox.shutdown().await;
}

#[tokio::test]
async fn the_handle_the_line_the_admin_api_and_reset() {
    let it = It::default().await;
    let s = &it.sandbox;
    assert_eq!(s.provider_ids(), ["esimgo", "telness", "truphone", "itt"]);
    assert!(s.itt_base_url().ends_with("/itt"));
    assert_eq!(
        s.provider_base_url("itt").as_deref(),
        Some(s.itt_base_url().as_str())
    );
    let credential = format!(
        "{}\n{}\n{}\n",
        esimdesk_sandbox::ITT_DEMO_API_KEY,
        esimdesk_sandbox::ITT_DEMO_SECRET_CODE,
        esimdesk_sandbox::ITT_DEMO_MEMBER_ID
    );
    assert_eq!(
        s.provider_credential("itt").as_deref(),
        Some(credential.as_str())
    );
    assert_eq!(s.itt_member_id(), "2");
    let line = s
        .provider_lines()
        .into_iter()
        .find(|l| l["provider"] == "itt")
        .unwrap();
    assert_eq!(line["base_url"], s.itt_base_url());
    assert_eq!(line["api_key"], s.itt_api_key());
    assert_eq!(line["secret_code"], s.itt_secret_code());
    assert_eq!(line["member_id"], s.itt_member_id());
    assert_eq!(line["credential"], credential);
    assert_eq!(line["admin_url"], s.admin_url());
    assert_eq!(line["admin_token"], s.admin_token());

    // The admin HTTP API.
    let admin = |method: reqwest::Method, path: &str| {
        it.client
            .request(method, format!("{}/itt{path}", s.admin_url()))
            .header("X-Admin-Token", s.admin_token())
    };
    let (status, f) = common::into_json(
        admin(reqwest::Method::POST, "/fulfilment")
            .json(&json!({"pendingMs": 5000, "outcome": "fail"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, f),
        (200, json!({"pendingMs": 5000, "outcome": "fail"}))
    );
    assert_eq!(
        s.admin().itt().fulfilment(),
        IttFulfilment::failing_after(Duration::from_secs(5))
    );
    let (status, b) = common::into_json(
        admin(reqwest::Method::POST, "/balance")
            .json(&json!({"balance": "1234.50"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, b),
        (200, json!({"balance": "1234.50", "currency": "BDT"}))
    );
    s.admin().itt().set_fulfilment(IttFulfilment::immediate());
    let (tracking_id, _) = it.quoted("ES").await;
    it.book(&tracking_id).await;
    let (status, bookings) = common::into_json(
        admin(reqwest::Method::GET, "/bookings")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(bookings[0]["trackingId"], tracking_id.as_str());
    assert_eq!(bookings[0]["currency"], "BDT");
    assert!(bookings[0]["totalPrice"].is_string());
    assert_eq!(
        bookings[0]["passengers"][0]["emailAddress"],
        "ana@example.com"
    );
    let iccid = text(&bookings[0]["iccids"][0]).to_owned();
    let (status, c) = common::into_json(
        admin(reqwest::Method::POST, "/consume")
            .json(&json!({"iccid": iccid, "mb": 10}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, c), (200, json!({"consumedMb": 10})));
    let state = s.admin().summary();
    assert_eq!(state["itt"]["bookings"], 1);
    assert_eq!(state["itt"]["currency"], "BDT");

    s.admin().reset();
    assert!(s.admin().itt().bookings().is_empty());
    assert_eq!(
        s.admin().itt().balance_cents(),
        SandboxConfig::default().itt.balance
    );
    let (status, _) = it.details(&tracking_id, "").await;
    assert_eq!(status, 404, "forgotten");
    it.sandbox.shutdown().await;
}

#[tokio::test]
async fn the_binary_prints_the_itt_line_and_takes_its_flags() {
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
            "--itt-api-key",
            "flag-key",
            "--itt-secret-code",
            "flag-secret",
        ])
        .args([
            "--itt-member-id",
            "77",
            "--itt-outcome",
            "insufficient-balance",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    for _ in 0..4 {
        line.clear();
        out.read_line(&mut line).unwrap();
    }
    let info: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(info["provider"], "itt");
    assert_eq!(info["credential"], "flag-key\nflag-secret\n77\n");
    let base = text(&info["base_url"]).to_owned();
    let v: Value = reqwest::Client::new()
        .post(format!("{base}/esim/compatible-devices"))
        .header("apikey", "flag-key")
        .header("secretecode", "flag-secret")
        .json(&json!({"member_id": 77}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["status"], "success");
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
}
