//! The objects every Truphone endpoint answers — order (§5.2, §6), SIM (§8.1) and subscription
//! (§8.2) — with their `_metadata` links, absolute on the sandbox's own origin (open point 11).

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::error::INVALID_REQUEST_PARAMS;
use super::model::{Order, OrderStatus, SimCard, Subscription, SubscriptionStatus, iso};
use super::state::Truphone;
use super::{PREFIX, QR_PATH, SMDP_ADDRESS};
use crate::money::Major;

/// The origin the client reached the sandbox at (its `Host` header), for absolute links.
#[derive(Debug, Clone)]
pub struct Base {
    origin: String,
}

impl Base {
    pub fn new(host: &str) -> Self {
        Self {
            origin: format!("http://{host}"),
        }
    }

    /// `http://HOST/truphone/connect-api{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{PREFIX}{path}", self.origin)
    }

    pub fn product(&self, id: &str) -> String {
        self.url(&format!("/v2/products/{id}"))
    }

    pub fn order(&self, id: &str) -> String {
        self.url(&format!("/v2/orders/{id}"))
    }

    pub fn sim(&self, iccid: &str) -> String {
        self.url(&format!("/v2/sims/{iccid}"))
    }

    pub fn subscription(&self, id: &str) -> String {
        self.url(&format!("/v2/subscriptions/{id}"))
    }

    /// The public QR image of `code` (served by the sandbox, without a token).
    pub fn qrcode(&self, code: &str) -> String {
        format!("{}{QR_PATH}/{code}", self.origin)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Base {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        // HTTP/1.1 requires `Host`; only a plain host[:port] is echoed into links.
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .filter(|h| {
                !h.is_empty()
                    && h.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
            })
            .unwrap_or("127.0.0.1");
        Ok(Self::new(host))
    }
}

/// `1$rsp.truphone.com$<matching id>`: the order's `_lpa`, without the `LPA:` prefix (§6,
/// open point 10).
pub fn lpa_body(matching_id: &str) -> String {
    format!("1${SMDP_ADDRESS}${matching_id}")
}

/// `LPA:1$rsp.truphone.com$<matching id>`: the canonical activation code, and the SIM's `_lpa`.
pub fn activation_code(matching_id: &str) -> String {
    format!("LPA:{}", lpa_body(matching_id))
}

fn links(entries: Vec<(&str, String)>) -> Value {
    Value::Object(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_owned(), Value::from(v)))
            .collect::<Map<String, Value>>(),
    )
}

impl Truphone {
    /// The create answer (§5.2): links under `_metadata._links`, unlike every other answer —
    /// the reference's quirk, reproduced.
    pub fn created_view(order: &Order, base: &Base) -> Value {
        json!({
            "id": order.id,
            "status": order.status.wire(),
            "created_date": iso(order.created_at),
            "_metadata": {"_links": {"_self": base.order(&order.id)}},
        })
    }

    /// `GET /v2/orders/{id}` (§6).
    pub fn order_view(order: &Order, base: &Base) -> Value {
        let mut view = json!({
            "id": order.id,
            "status": order.status.wire(),
            "created_date": iso(order.created_at),
        });
        let mut link_list = Vec::new();
        match (order.status, &order.output) {
            (OrderStatus::Completed, Some(out)) => {
                let mut output = json!({
                    "iccid": out.iccid,
                    "subscription_id": out.subscription_id,
                });
                if let Some(m) = &out.matching_id {
                    output["matching_id"] = Value::from(m.clone());
                    link_list.push(("_lpa", lpa_body(m)));
                    link_list.push(("_qrcode", base.qrcode(&activation_code(m))));
                    link_list.push(("_smdp", SMDP_ADDRESS.to_owned()));
                }
                if let Some(code) = &out.voucher {
                    output["data"] = json!({"code": code});
                }
                link_list.push(("_sim", base.sim(&out.iccid)));
                link_list.push(("_subscription", base.subscription(&out.subscription_id)));
                view["output"] = output;
            }
            (OrderStatus::Failed, _) => {
                // Not documented; the simulator's assumption (open point 6).
                view["output"] = json!({});
                view["error"] = json!({
                    "type": INVALID_REQUEST_PARAMS,
                    "messages": [order.failure.clone().unwrap_or_else(|| "The order failed".to_owned())],
                });
            }
            _ => {}
        }
        link_list.push(("_self", base.order(&order.id)));
        view["_metadata"] = json!({"links": links(link_list)});
        view
    }

    /// `GET /v2/sims/{iccid}` (§8.1): `_lpa` here carries the `LPA:` prefix.
    pub fn sim_view(sim: &SimCard, base: &Base) -> Value {
        let mut view = json!({
            "iccid": sim.iccid,
            "status": sim.status.wire(),
            "last_modified": iso(sim.last_modified),
            "sim_type": sim.sim_type.wire(),
        });
        let mut link_list = Vec::new();
        if let Some(m) = &sim.matching_id {
            view["matching_id"] = Value::from(m.clone());
            link_list.push(("_lpa", activation_code(m)));
            link_list.push(("_qrcode", base.qrcode(&activation_code(m))));
        }
        link_list.push((
            "_subscriptions",
            base.url(&format!("/v2/subscriptions?iccid={}", sim.iccid)),
        ));
        link_list.push(("_self", base.sim(&sim.iccid)));
        view["_metadata"] = json!({"links": links(link_list)});
        view
    }

    /// One subscription (§8.2): balances in bytes, as JSON numbers (open point 9).
    pub fn subscription_view(&self, sub: &Subscription, now: OffsetDateTime, base: &Base) -> Value {
        let status = sub.status(now);
        let iccid = self
            .sims
            .get(sub.sim)
            .map(|s| s.iccid.clone())
            .unwrap_or_default();
        let mut view = json!({
            "id": sub.id,
            "name": sub.name,
            "sim_id": iccid,
            "product_id": sub.product_id,
            "created_date": iso(sub.created_at),
            "activation_date": iso(sub.activation_at),
            "expiry_date": iso(sub.expiry_at),
            "status": status.wire(),
            "initial_balance": sub.initial_bytes,
            "current_balance": sub.current_bytes,
            "spend_balance": sub.initial_bytes.saturating_sub(sub.current_bytes),
            "balance_units": "Bytes",
        });
        if let Some(price) = &sub.sold_price {
            view["sold_product_price"] =
                serde_json::to_value(Major(price.cents)).unwrap_or_default();
        }
        let mut link_list = Vec::new();
        if status == SubscriptionStatus::Pending {
            link_list.push((
                "_activate",
                base.url(&format!("/v2/subscriptions/{}/activate", sub.id)),
            ));
        }
        link_list.push(("_sim", base.sim(&iccid)));
        link_list.push(("_self", base.subscription(&sub.id)));
        link_list.push(("_product", base.product(&sub.product_id)));
        view["_metadata"] = json!({"links": links(link_list)});
        view
    }
}
