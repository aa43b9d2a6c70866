//! The commands through Tauri's IPC (mock runtime): argument names as the window sends them
//! (camelCase), results and `ErrorPayload`s as it receives them, over a demo desk.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use esimdesk_app::catalogue;
use esimdesk_app::codes::{QrFormat, qr_bytes};
use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, mock_builder, mock_context, noop_assets};
use tauri::webview::InvokeRequest;
use tauri::{Manager, WebviewWindow, WebviewWindowBuilder};

use crate::demo;
use crate::ipc::with_commands;
use crate::state::DeskState;

struct Window {
    _dir: tempfile::TempDir,
    _app: tauri::App<MockRuntime>,
    webview: WebviewWindow<MockRuntime>,
}

fn window() -> Window {
    let dir = tempfile::tempdir().unwrap();
    let real_db = dir.path().join("esim-desk.sqlite3");
    let (desk, sandbox) = tauri::async_runtime::block_on(demo::start(&real_db)).unwrap();
    let synced = tauri::async_runtime::block_on(catalogue::sync_all(&desk, &|_| {})).unwrap();
    assert_eq!(synced[0].offerings, Some(demo::DEMO_CATALOGUE_SIZE));
    let app = with_commands(mock_builder())
        .build(mock_context(noop_assets()))
        .unwrap();
    app.manage(DeskState {
        desk: Arc::new(desk),
        demo: Some(sandbox),
        real_db,
        log_dir: dir.path().join("logs"),
        real_account_added: AtomicBool::new(false),
    });
    let webview = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    Window {
        _dir: dir,
        _app: app,
        webview,
    }
}

impl Window {
    fn call(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        self.invoke(cmd, InvokeBody::Json(args))
    }

    /// A command whose request body is raw bytes.
    fn raw(&self, cmd: &str, body: Vec<u8>) -> Result<Value, Value> {
        self.invoke(cmd, InvokeBody::Raw(body))
    }

    fn invoke(&self, cmd: &str, body: InvokeBody) -> Result<Value, Value> {
        tauri::test::get_ipc_response(
            &self.webview,
            InvokeRequest {
                cmd: cmd.into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                url: "tauri://localhost".parse().unwrap(),
                body,
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|body| body.deserialize::<Value>().unwrap())
    }

    fn ok(&self, cmd: &str, args: Value) -> Value {
        self.call(cmd, args.clone())
            .unwrap_or_else(|e| panic!("{cmd} {args}: {e}"))
    }

    /// The error's `code`.
    fn refused(&self, cmd: &str, args: Value) -> String {
        self.refusal(cmd, args)["code"].as_str().unwrap().to_owned()
    }

    /// The whole error payload of a refused command.
    fn refusal(&self, cmd: &str, args: Value) -> Value {
        let e = self.call(cmd, args).expect_err(cmd);
        assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()), "{e}");
        e
    }
}

#[test]
fn the_walk_in_flow_through_ipc() {
    let w = window();
    let status = w.ok("status", json!({}));
    assert_eq!(status["demo"], true);
    assert_eq!(status["restartToLeaveDemo"], false);
    assert_eq!(
        status["accounts"][0]["account"]["id"],
        demo::account_id("esimgo")
    );
    assert_eq!(status["accounts"][0]["canTopUp"], true);
    assert_eq!(status["settings"]["deskName"], "eSIM Desk (demo)");
    assert_eq!(w.ok("app_info", json!({}))["name"], "eSIM Desk");

    let suggestions = w.ok("suggest_destinations", json!({ "prefix": "spa" }));
    assert_eq!(suggestions[0]["code"], "ES");
    let hits = w.ok(
        "search",
        json!({ "input": {
            "destination": "Spain", "minData": "1GB", "maxPrice": "500", "minDays": 10,
            "unlimited": false, "sort": "retail_price", "limit": 20
        }}),
    );
    // A price the desk's currency cannot have is refused, naming the field.
    let e = w.refusal(
        "search",
        json!({ "input": { "destination": "Spain", "maxPrice": "1.999", "limit": 20 } }),
    );
    assert_eq!(e["field"], "max price", "{e}");
    let hit = &hits[0];
    assert!(
        hit["offering"]["validityDays"].as_u64().unwrap() >= 10,
        "{hit}"
    );
    let account = hit["accountId"].as_str().unwrap();
    let code = hit["offering"]["code"].as_str().unwrap();

    let v = w.ok(
        "validate_order",
        json!({ "accountId": account, "offeringCode": code, "quantity": 1 }),
    );
    assert!(v["providerTotal"].is_object(), "{v}");

    let reference = w.ok("new_client_reference", json!({}));
    let reference = reference.as_str().unwrap();
    let request = json!({ "request": {
        "accountId": account, "offeringCode": code, "quantity": 1,
        "customer": { "name": "Ana Lima", "email": "ana@example.com", "phone": null,
                      "deviceModel": null, "eid": null },
        "paymentReference": "card-77", "clientReference": reference
    }});

    // A submission of the same reference already in flight is refused before the journal.
    {
        let state = w.webview.state::<DeskState>();
        let _held = state.desk.claim_purchase(reference).unwrap();
        let e = w.refusal("checkout", request.clone());
        assert_eq!(e["code"], "checkout_in_progress");
        // The first submission may be spending: the window must keep this reference.
        assert_eq!(e["moneyMoved"], "maybe", "{e}");
    }
    assert!(
        w.ok("orders", json!({ "limit": 10 }))
            .as_array()
            .unwrap()
            .is_empty()
    );

    let sold = w.ok("checkout", request.clone());
    assert_eq!(sold["order"]["order"]["state"], "completed");
    let iccid = sold["esims"][0]["iccid"].as_str().unwrap().to_owned();
    let lpa = sold["esims"][0]["code"]["canonical"]
        .as_str()
        .unwrap()
        .to_owned();
    // Never two purchases: the journal refuses the reference now, and says it was bought.
    let e = w.refusal("checkout", request);
    assert_eq!(e["code"], "duplicate_reference");
    assert_eq!(e["moneyMoved"], "sent", "{e}");

    let found = w.ok("find_esims", json!({ "text": "ana" }));
    assert_eq!(found[0]["iccid"], iccid.as_str());
    let detail = w.ok("esim_detail", json!({ "iccid": iccid }));
    assert_eq!(detail["code"]["report"]["canonical"], lpa.as_str());
    assert_eq!(detail["customerName"], "Ana Lima");
    let usage = w.ok("refresh_usage", json!({ "iccid": iccid }));
    assert_eq!(usage["packages"].as_array().unwrap().len(), 1);

    let offers = w.ok("top_up_offerings", json!({ "iccid": iccid }));
    let top_up_code = offers[0]["offering"]["code"].as_str().unwrap();
    let topped = w.ok(
        "top_up",
        json!({ "input": {
            "iccid": iccid, "accountId": null, "offeringCode": top_up_code,
            "paymentReference": "card-78", "clientReference": null
        }}),
    );
    assert_eq!(topped["order"]["order"]["kind"], "top_up");
    assert_eq!(topped["order"]["order"]["state"], "completed");

    // The package is named by the provider's id of it, read with the usage.
    let usage = w.ok("refresh_usage", json!({ "iccid": iccid }));
    let package = usage["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["offeringCode"] == top_up_code)
        .and_then(|p| p["providerId"].as_str())
        .unwrap()
        .to_owned();
    let revoked = w.ok(
        "revoke_package",
        json!({ "input": { "iccid": iccid, "packageId": package, "clientReference": null } }),
    );
    assert_eq!(revoked["refund"], "to_inventory");
    assert_eq!(revoked["packageId"], package.as_str());
    // The window hands HTML drop events to the page (dropping a QR picture on Check a code):
    // Tauri's own file-drop handling is off for the main window.
    let conf: Value = serde_json::from_str(include_str!("../tauri.conf.json")).unwrap();
    assert_eq!(conf["app"]["windows"][0]["dragDropEnabled"], false);
    // Settling by hand is refused for an order that is settled already.
    let e = w.refusal(
        "resolve_order",
        json!({ "clientReference": reference, "providerOrder": null }),
    );
    assert_eq!(e["code"], "cannot_resolve", "{e}");

    let png = qr_bytes(&lpa, QrFormat::Png { min_size_px: 300 }).unwrap();
    // Pictures travel as the raw request body, not as JSON.
    let read = w.raw("inspect_code_image", png).unwrap();
    assert_eq!(read["report"]["canonical"], lpa.as_str());
    assert_eq!(
        w.raw("inspect_code_image", vec![1, 2, 3]).unwrap_err()["code"],
        "not_an_image"
    );
    assert_eq!(
        w.refused("inspect_code_image", json!({ "bytes": [1, 2, 3] })),
        "invalid_input"
    );
    assert_eq!(
        w.refused("esim_detail", json!({ "iccid": "12" })),
        "invalid_iccid"
    );

    // A yen desk's price filter is read in yen: no decimals (the UI sends the text as typed).
    w.ok(
        "set_desk_settings",
        json!({ "settings": { "deskName": "Narita", "currency": "JPY", "profileName": "maria" } }),
    );
    let yen =
        |price: &str| json!({ "input": { "destination": "Spain", "maxPrice": price, "limit": 5 } });
    let e = w.refusal("search", yen("1.5"));
    assert_eq!(e["field"], "max price", "{e}");
    assert!(e["message"].as_str().unwrap().contains("JPY"), "{e}");
    w.ok("search", yen("1500"));
    let money = &w.ok("search", yen(""))[0]["retail"];
    assert!(
        money["digits"].is_u64(),
        "the decimals travel with the amount: {money}"
    );
    w.ok(
        "set_desk_settings",
        json!({ "settings": { "deskName": "Airport T2", "currency": "EUR", "profileName": "maria" } }),
    );
    w.ok(
        "set_markup_rule",
        json!({ "rule": { "scope": { "kind": "global" }, "basisPoints": 2500, "rounding": { "kind": "nearest_minor" } } }),
    );
    assert_eq!(w.ok("markup_rules", json!({})).as_array().unwrap().len(), 1);
    w.ok(
        "remove_markup_rule",
        json!({ "scope": { "kind": "global" } }),
    );
    assert_eq!(
        w.refused(
            "remove_markup_rule",
            json!({ "scope": { "kind": "global" } })
        ),
        "store"
    );

    assert!(w.ok("reconcile", json!({})).as_array().unwrap().is_empty());
    // The sale, the top-up, and the revoke (journaled like a purchase).
    let orders = w.ok("orders", json!({ "limit": 10 }));
    let kinds: Vec<&str> = orders
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["order"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.len(), 3, "{orders}");
    assert!(kinds.contains(&"revoke"), "{orders}");
    let status = w.ok("status", json!({}));
    assert_eq!(status["settings"]["profileName"], "maria");
    assert_eq!(status["unsettledOrders"], 0);

    // A key the provider refuses stores nothing, in the demo database or the real one.
    let sandbox_url = w
        .webview
        .state::<DeskState>()
        .demo
        .as_ref()
        .unwrap()
        .esimgo_base_url();
    let code = w.refused(
        "add_account",
        json!({ "provider": "esimgo", "id": "mine", "label": null, "baseUrl": sandbox_url, "credential": ["wrong"] }),
    );
    assert_ne!(code, "internal");
    assert_eq!(w.ok("status", json!({}))["restartToLeaveDemo"], false);

    let report = w.ok("diagnostics", json!({}));
    assert!(report.as_str().unwrap().starts_with("eSIM Desk"));
}
