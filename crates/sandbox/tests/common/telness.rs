//! Talking to the simulated Telness Connect on loopback.

use esimdesk_sandbox::{RunningSandbox, SandboxConfig};
use reqwest::{Client, Method, RequestBuilder};
use serde_json::{Value, json};

use super::into_json;

pub struct Tn {
    pub sandbox: RunningSandbox,
    pub client: Client,
}

impl Tn {
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

    /// Frozen clock, the reference's lifecycle (1 s to PROCESSING, 2 s more to COMPLETED).
    pub async fn default() -> Self {
        Self::start(SandboxConfig::for_tests()).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.telness_base_url())
    }

    /// A request with the API key.
    pub fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, self.url(path))
            .header("X-API-Key", self.sandbox.telness_api_key())
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        into_json(self.req(Method::GET, path).send().await.expect("GET")).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        into_json(
            self.req(Method::POST, path)
                .json(body)
                .send()
                .await
                .expect("POST"),
        )
        .await
    }

    /// A POST with `X-Idempotency-Key: key`.
    pub async fn post_key(&self, path: &str, body: &Value, key: &str) -> (u16, Value) {
        into_json(
            self.req(Method::POST, path)
                .header("X-Idempotency-Key", key)
                .json(body)
                .send()
                .await
                .expect("POST"),
        )
        .await
    }

    /// A POST with no body at all.
    pub async fn post_empty(&self, path: &str) -> (u16, Value) {
        into_json(self.req(Method::POST, path).send().await.expect("POST")).await
    }

    /// The offerings a query returns (asserting a single page).
    pub async fn offerings(&self, query: &str) -> Vec<Value> {
        let (status, body) = self.get(&format!("/product-offerings{query}")).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["pagination"], json!({"nextCursor": null}));
        body["items"].as_array().expect("items").clone()
    }

    /// The Travel eSIM subscription offering's id.
    pub async fn subscription_offering(&self) -> String {
        let items = self.offerings("?categories=TRAVEL_ESIM").await;
        assert_eq!(items.len(), 1, "{items:?}");
        items[0]["productOfferingId"]
            .as_str()
            .expect("id")
            .to_owned()
    }

    /// A package for `country` whose activation type is `activation`.
    pub async fn package(&self, country: &str, activation: &str) -> Value {
        self.offerings(&format!(
            "?categories=TRAVEL_ESIM_PACKAGE&countries={country}"
        ))
        .await
        .into_iter()
        .find(|o| o["product"]["features"]["activationType"] == activation)
        .expect("a package of that activation type")
    }

    pub fn customer(&self) -> Value {
        json!({"customerId": self.sandbox.telness_customer_id()})
    }

    /// A walk-in order: one Travel eSIM and one package for it.
    pub fn walk_in(&self, subscription: &str, package: &str) -> Value {
        let sub = json!({"type": "SUBSCRIPTION", "lineItemId": "esim-container",
            "productOfferingId": subscription,
            "subscriber": {"name": "Ana García", "email": "ana@example.com"},
            "sim": {"esim": true}});
        json!({
            "customer": self.customer(),
            "lineItems": [sub, {"type": "ADDON", "lineItemId": "data-package",
                "productOfferingId": package, "parentLineItemId": "esim-container"}],
            "metadata": {"deskSaleRef": "DSK-2025-000123"}
        })
    }

    /// Creates an order (asserting 201) and returns it.
    pub async fn create(&self, body: &Value) -> Value {
        let (status, order) = self.post("/orders", body).await;
        assert_eq!(status, 201, "{order}");
        order
    }

    /// Submits with an external payment (asserting 200) and returns the order.
    pub async fn submit(&self, order_id: &str) -> Value {
        let (status, order) = self
            .post(
                &format!("/orders/{order_id}/submit"),
                &json!({"externalPayment": {"reference": "term-7Q2K-0042",
                    "receiptDescription": "Travel eSIM data package"}}),
            )
            .await;
        assert_eq!(status, 200, "{order}");
        order
    }

    pub async fn order_state(&self, order_id: &str) -> String {
        let (status, order) = self.get(&format!("/orders/{order_id}")).await;
        assert_eq!(status, 200, "{order}");
        order["state"].as_str().expect("state").to_owned()
    }

    /// Gives the newest subscription the client reference `reference` (through the admin: the
    /// reference has no way to set it in an order), so it answers at `rid_<reference>`.
    pub fn name_latest(&self, reference: &str) {
        let telness = self.sandbox.admin().telness();
        let newest = telness.subscriptions().pop().expect("a subscription");
        telness
            .set_reference(&newest.subscription_id, reference)
            .expect("reference set");
    }

    pub fn advance_secs(&self, secs: u64) {
        self.sandbox
            .admin()
            .advance_clock(std::time::Duration::from_secs(secs));
    }

    /// A walk-in sale through to COMPLETED: returns `(order id, subscription id)`.
    pub async fn sell(&self, package: &str) -> (String, String) {
        let subscription = self.subscription_offering().await;
        let order = self.create(&self.walk_in(&subscription, package)).await;
        let id = order["orderId"].as_str().expect("orderId").to_owned();
        self.submit(&id).await;
        self.advance_secs(3);
        let (_, order) = self.get(&format!("/orders/{id}")).await;
        assert_eq!(order["state"], "COMPLETED", "{order}");
        let sub = order["createdEntities"]["subscriptions"][0]["subscriptionId"]
            .as_str()
            .expect("subscription id")
            .to_owned();
        (id, sub)
    }
}

/// A JSON money number in cents, read from its text.
pub fn cents(v: &Value) -> i64 {
    super::cents(v)
}
