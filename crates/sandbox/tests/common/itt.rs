//! Talking to the simulated ITT eSIM API on loopback: every call a JSON `POST` with the
//! `apikey` and `secretecode` headers, most bodies with the partner's `member_id`.

use esimdesk_sandbox::{IttFulfilment, RunningSandbox, SandboxConfig};
use reqwest::Client;
use serde_json::{Value, json};

use super::into_json;

pub struct It {
    pub sandbox: RunningSandbox,
    pub client: Client,
}

impl It {
    pub async fn start(config: SandboxConfig) -> Self {
        let sandbox = esimdesk_sandbox::start(config)
            .await
            .expect("sandbox starts");
        let client = Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .expect("client");
        Self { sandbox, client }
    }

    /// Frozen clock, bookings confirmed in the create answer.
    pub async fn default() -> Self {
        Self::start(SandboxConfig::for_tests()).await
    }

    /// Frozen clock, bookings fulfilled as `fulfilment` says.
    pub async fn with(fulfilment: IttFulfilment) -> Self {
        let mut config = SandboxConfig::for_tests();
        config.itt.fulfilment = fulfilment;
        Self::start(config).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.itt_base_url())
    }

    pub fn member(&self) -> String {
        self.sandbox.itt_member_id().to_owned()
    }

    /// A `POST` with both credential headers.
    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.post_as(
            path,
            body,
            Some(self.sandbox.itt_api_key()),
            Some(self.sandbox.itt_secret_code()),
        )
        .await
    }

    /// A `POST` with the given headers (absent when `None`).
    pub async fn post_as(
        &self,
        path: &str,
        body: &Value,
        api_key: Option<&str>,
        secret: Option<&str>,
    ) -> (u16, Value) {
        let mut req = self
            .client
            .post(self.url(path))
            .header("Accept", "application/json")
            .json(body);
        if let Some(k) = api_key {
            req = req.header("apikey", k);
        }
        if let Some(s) = secret {
            req = req.header("secretecode", s);
        }
        into_json(req.send().await.expect("POST")).await
    }

    /// A successful call: HTTP 200 and `status: "success"`.
    pub async fn ok(&self, path: &str, body: &Value) -> Value {
        let (status, v) = self.post(path, body).await;
        assert_eq!(status, 200, "{path}: {v}");
        assert_eq!(v["status"], "success", "{path}: {v}");
        v
    }

    /// A local search in `country`, topping up possible: `(search tracking id, packages)`.
    pub async fn search(&self, country: &str) -> (String, Vec<Value>) {
        let v = self
            .ok(
                "/esim/search",
                &json!({"eSim": {"region_type": "local", "country_code": country,
                                  "plan_type": "data", "topup_included": "yes"},
                        "supplier_uid": "all", "partner_id": "1", "language": "en"}),
            )
            .await;
        let id = v["tracking_id"].as_str().expect("tracking_id").to_owned();
        (id, v["data"].as_array().expect("data").clone())
    }

    /// Single-package: the booking tracking id and the whole answer.
    pub async fn quote(&self, search_id: &str, package_id: &str) -> (String, Value) {
        let v = self
            .ok(
                "/esim/single-esim-package",
                &json!({"tracking_id": search_id, "package_id": package_id}),
            )
            .await;
        (
            v["tracking_id"].as_str().expect("tracking_id").to_owned(),
            v,
        )
    }

    pub async fn travellers(&self, tracking_id: &str) -> Value {
        self.ok(
            "/esim/update-travellers",
            &json!({"booking_tracking_id": tracking_id, "member_id": self.member(),
                    "save_pax": "no",
                    "passenger": [{"pax_id": "1", "pax_type": "ADT", "title": "MS",
                                   "first_name": "Ana", "last_name": "García", "isd_code": "+34",
                                   "contact_no": "612345678", "email_address": "ana@example.com"}]}),
        )
        .await
    }

    pub fn booking_body(&self, tracking_id: &str) -> Value {
        json!({"booking_tracking_id": tracking_id, "member_id": self.member(),
               "isd_code": "+34", "contact_no": "612345678",
               "email_address": "ana@example.com", "payment_type": "wallet"})
    }

    pub async fn book(&self, tracking_id: &str) -> (u16, Value) {
        self.post("/esim/create-booking", &self.booking_body(tracking_id))
            .await
    }

    /// Search in `country`, price its first package, set the traveller: the booking tracking
    /// id and the package.
    pub async fn quoted(&self, country: &str) -> (String, Value) {
        let (search_id, packages) = self.search(country).await;
        let package = packages.first().expect("a package").clone();
        let (tracking_id, _) = self
            .quote(&search_id, package["package_id"].as_str().expect("id"))
            .await;
        self.travellers(&tracking_id).await;
        (tracking_id, package)
    }

    pub async fn details(&self, tracking_id: &str, booking_id: &str) -> (u16, Value) {
        self.post(
            "/esim/booking-details",
            &json!({"member_id": self.member(), "tracking_id": tracking_id,
                    "booking_id": booking_id}),
        )
        .await
    }

    /// `{member_id, tracking_id, eSim_iccid}` and `extra`.
    pub fn esim_body(&self, tracking_id: &str, iccid: &str, extra: &Value) -> Value {
        let mut body = json!({"member_id": self.member(), "tracking_id": tracking_id,
                              "eSim_iccid": iccid});
        if let (Some(map), Some(more)) = (body.as_object_mut(), extra.as_object()) {
            map.extend(more.clone());
        }
        body
    }

    pub fn advance_secs(&self, secs: u64) {
        self.sandbox
            .admin()
            .advance_clock(std::time::Duration::from_secs(secs));
    }
}
