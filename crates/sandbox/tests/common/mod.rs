//! Shared helpers: start a sandbox and talk to it with reqwest on loopback.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod itt;
pub mod telness;
pub mod truphone;

use esimdesk_sandbox::{RunningSandbox, SandboxConfig};
use reqwest::{Client, Method, RequestBuilder, Response};
use serde_json::Value;

pub struct Api {
    pub sandbox: RunningSandbox,
    pub client: Client,
}

impl Api {
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

    pub async fn default() -> Self {
        Self::start(SandboxConfig::for_tests()).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.esimgo_base_url())
    }

    /// A request with the API key and `Accept: application/json`.
    pub fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, self.url(path))
            .header("X-API-Key", self.sandbox.esimgo_api_key())
            .header("Accept", "application/json")
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        into_json(self.req(Method::GET, path).send().await.expect("GET")).await
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> (u16, Value) {
        into_json(
            self.req(Method::POST, path)
                .json(body)
                .send()
                .await
                .expect("POST"),
        )
        .await
    }

    pub async fn post_raw(&self, path: &str, body: &str) -> (u16, Value) {
        into_json(
            self.req(Method::POST, path)
                .header("Content-Type", "application/json")
                .body(body.to_owned())
                .send()
                .await
                .expect("POST"),
        )
        .await
    }

    pub async fn delete_json(&self, path: &str) -> (u16, Value) {
        into_json(self.req(Method::DELETE, path).send().await.expect("DELETE")).await
    }

    /// Balance in cents from `GET /organisation`.
    pub async fn balance_cents(&self) -> i64 {
        let (status, body) = self.get_json("/organisation").await;
        assert_eq!(status, 200, "{body}");
        cents(&body["organisations"][0]["balance"])
    }

    /// A transaction for one bundle onto a new eSIM; returns the response body.
    pub async fn buy(&self, item: &str) -> Value {
        let (status, body) = self
            .post_json(
                "/orders",
                &serde_json::json!({"type": "transaction", "assign": true,
                    "order": [{"type": "bundle", "quantity": 1, "item": item, "allowReassign": false}]}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    pub fn admin_req(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.sandbox.admin_url()))
            .header("X-Admin-Token", self.sandbox.admin_token())
    }
}

pub async fn into_json(resp: Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, value)
}

/// A JSON money number in cents, read from its text (never via f64 arithmetic on the wire).
pub fn cents(v: &Value) -> i64 {
    let text = match v {
        Value::Number(n) => n.to_string(),
        other => panic!("not a number: {other}"),
    };
    esimdesk_sandbox::parse_cents(&text).expect("two decimals at most")
}
