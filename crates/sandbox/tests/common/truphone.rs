//! Talking to the simulated Truphone Connect on loopback: a token first, then every call with
//! `Authorization: Bearer …` and `X-Correlation-ID`.

use std::sync::Mutex;

use esimdesk_sandbox::{RunningSandbox, SandboxConfig, TruphoneFulfilment};
use reqwest::{Client, Method, RequestBuilder};
use serde_json::{Value, json};

use super::into_json;

/// `application/x-www-form-urlencoded` bodies (the workspace's reqwest has no `form` feature).
pub trait FormExt {
    fn form_body<K: AsRef<str>, V: AsRef<str>>(self, pairs: &[(K, V)]) -> Self;
}

impl FormExt for RequestBuilder {
    fn form_body<K: AsRef<str>, V: AsRef<str>>(self, pairs: &[(K, V)]) -> Self {
        let mut body = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            body.append_pair(k.as_ref(), v.as_ref());
        }
        self.header("Content-Type", "application/x-www-form-urlencoded")
            .body(body.finish())
    }
}

pub struct Tp {
    pub sandbox: RunningSandbox,
    pub client: Client,
    token: Mutex<Option<String>>,
}

impl Tp {
    pub async fn start(config: SandboxConfig) -> Self {
        let sandbox = esimdesk_sandbox::start(config)
            .await
            .expect("sandbox starts");
        let client = Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .expect("client");
        Self {
            sandbox,
            client,
            token: Mutex::new(None),
        }
    }

    /// Frozen clock, the reference's lifecycle (1 s to FULFILLING, 3 s more to COMPLETED).
    pub async fn default() -> Self {
        Self::start(SandboxConfig::for_tests()).await
    }

    /// Frozen clock, orders COMPLETED at the first poll.
    pub async fn immediate() -> Self {
        let mut config = SandboxConfig::for_tests();
        config.truphone.fulfilment = TruphoneFulfilment::immediate();
        Self::start(config).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.truphone_base_url())
    }

    /// The token URL derived from the base URL as the adapter derives it: its last segment
    /// `connect-api` replaced.
    pub fn token_url(&self) -> String {
        let base = self.sandbox.truphone_base_url();
        let root = base.strip_suffix("connect-api").expect("…/connect-api");
        format!("{root}auth/realms/tru-staff/protocol/openid-connect/token")
    }

    /// A token request with a form body (and whatever else the caller adds).
    pub async fn token_request(&self, form: &[(&str, &str)]) -> (u16, Value) {
        into_json(
            self.client
                .post(self.token_url())
                .form_body(form)
                .send()
                .await
                .expect("token POST"),
        )
        .await
    }

    /// A fresh token pair by client credentials in the body: `(access, refresh)`.
    pub async fn login(&self) -> (String, String) {
        let (status, body) = self
            .token_request(&[
                ("grant_type", "client_credentials"),
                ("client_id", self.sandbox.truphone_client_id()),
                ("client_secret", self.sandbox.truphone_client_secret()),
            ])
            .await;
        assert_eq!(status, 200, "{body}");
        let access = body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned();
        let refresh = body["refresh_token"].as_str().expect("refresh").to_owned();
        *self.token.lock().unwrap() = Some(access.clone());
        (access, refresh)
    }

    /// The current token, logging in first if there is none.
    pub async fn token(&self) -> String {
        let current = self.token.lock().unwrap().clone();
        match current {
            Some(t) => t,
            None => self.login().await.0,
        }
    }

    /// An API request with a bearer token and a correlation id.
    pub async fn req(&self, method: Method, path: &str, correlation: &str) -> RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(self.token().await)
            .header("X-Correlation-ID", correlation)
    }

    /// Sends `build(token)`; on a `401` logs in again and retries once with the same request
    /// (the reference's client policy, §2), so that tests may move the clock by days.
    async fn send(&self, build: impl Fn(String) -> RequestBuilder) -> (u16, Value) {
        let (status, body) =
            into_json(build(self.token().await).send().await.expect("request")).await;
        if status != 401 {
            return (status, body);
        }
        let (fresh, _) = self.login().await;
        into_json(build(fresh).send().await.expect("request")).await
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.follow(&self.url(path)).await
    }

    /// GET of an absolute URL (a link the API gave), with token and correlation id.
    pub async fn follow(&self, url: &str) -> (u16, Value) {
        self.send(|token| {
            self.client
                .get(url)
                .bearer_auth(token)
                .header("X-Correlation-ID", "test-read")
        })
        .await
    }

    pub async fn post(&self, path: &str, body: &Value, correlation: &str) -> (u16, Value) {
        self.send(|token| {
            self.client
                .post(self.url(path))
                .bearer_auth(token)
                .header("X-Correlation-ID", correlation)
                .json(body)
        })
        .await
    }

    /// A GET with the current token as it is: no new login on a `401`.
    pub async fn get_once(&self, path: &str) -> u16 {
        self.req(Method::GET, path, "test-once")
            .await
            .send()
            .await
            .expect("GET")
            .status()
            .as_u16()
    }

    /// Every product, all pages.
    pub async fn products(&self) -> Vec<Value> {
        let mut out = Vec::new();
        let mut page = 1;
        loop {
            let (status, body) = self
                .get(&format!("/v2/products?page={page}&page_size=5"))
                .await;
            assert_eq!(status, 200, "{body}");
            out.extend(body["data"].as_array().expect("data").iter().cloned());
            if body["_metadata"]["page"] == body["_metadata"]["page_count"] {
                return out;
            }
            page += 1;
        }
    }

    /// An eSIM product of footprint `footprint`.
    pub async fn esim_product(&self, footprint: &str) -> Value {
        self.products()
            .await
            .into_iter()
            .find(|p| {
                p["footprint_code"] == footprint
                    && p["sim_type"].as_array().unwrap().contains(&json!("ESIM"))
            })
            .expect("an eSIM product there")
    }

    /// The reference's activation example (§5.3) for product `product_id` and `email`.
    pub fn activation(product_id: &str, email: &str) -> Value {
        json!({
            "operation_type": "ACTIVATION",
            "sim_type": "ESIM",
            "country": "ES",
            "product": {"id": product_id, "sold_price": 24.9, "sold_currency": "EUR"},
            "subscriber": {
                "email": email, "first_name": "Ana", "last_name": "García",
                "country_of_residence": "ES",
                "device": {"operating_system": "ios", "model": "iPhone 15", "id": "desk-07",
                           "eid": "89049032005008882600012345678905"}
            }
        })
    }

    /// Creates an order (asserting 201 ACCEPTED) and returns its id.
    pub async fn order(&self, body: &Value, correlation: &str) -> String {
        let (status, order) = self.post("/v2/orders", body, correlation).await;
        assert_eq!(status, 201, "{order}");
        assert_eq!(order["status"], "ACCEPTED");
        order["id"].as_str().expect("id").to_owned()
    }

    pub async fn order_status(&self, id: &str) -> String {
        let (status, order) = self.get(&format!("/v2/orders/{id}")).await;
        assert_eq!(status, 200, "{order}");
        order["status"].as_str().expect("status").to_owned()
    }

    pub fn advance_secs(&self, secs: u64) {
        self.sandbox
            .admin()
            .advance_clock(std::time::Duration::from_secs(secs));
    }
}
