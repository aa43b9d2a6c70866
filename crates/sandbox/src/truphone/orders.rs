//! `POST /v2/orders` and `GET /v2/orders/{id}` (truphone.md §5, §6).
//!
//! No idempotency: every accepted POST is a new order, as the real API is assumed to behave
//! (open point 4) — the same body and the same `X-Correlation-ID` twice make two orders, so a
//! test can prove that a client never re-posts a purchase. The create answer is `201` (open
//! point 5) with the order `ACCEPTED`; it moves on over the sandbox clock ([`super::lifecycle`]).
//!
//! Refused with `400 INVALID_REQUEST_PARAMS` (§5.1 "Simulator validation"), every problem of a
//! body listed in `messages`: an unknown `operation_type` or `sim_type`; an unknown
//! `product.id` or one that does not support the `sim_type`; an activation without
//! `subscriber.email`, `first_name`, `last_name` or `country_of_residence`; a top-up without
//! `subscriber.sim.iccid`, or for an unknown SIM, a SIM of another type or an `Unavailable`
//! one; a physical-SIM activation without a valid, unused ICCID, or an eSIM activation with
//! one (the eSIM is minted; an ICCID there is a client mistaking it for a top-up); `country` or
//! `country_of_residence` not an ISO alpha-2 code; `device.eid` not 32 digits; `sold_price`
//! with more than two decimals or without `sold_currency`; an `expiry_date` not after the start
//! or beyond the plan's duration; a field the reference does not name. A body that is not
//! JSON, or a date that is not ISO 8601, is `400 INVALID_HTTP_MESSAGE`. Country codes are
//! taken in any case.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::error::{TruphoneError, parse_body};
use super::model::{
    OperationType, Order, OrderStatus, SimType, SoldPrice, Subscriber, TruphoneSimStatus, later,
};
use super::products::Product;
use super::state::Truphone;
use super::views::Base;
use super::{Ctx, correlation_id};
use crate::faults::Committed;
use crate::money::parse_cents;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateOrder {
    operation_type: Option<String>,
    sim_type: Option<String>,
    country: Option<String>,
    product: Option<ProductIn>,
    subscriber: Option<SubscriberIn>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductIn {
    id: Option<String>,
    /// A number, or a numeric string as the PHP client sends it (§5.1).
    sold_price: Option<Value>,
    sold_currency: Option<String>,
    activation_date: Option<String>,
    expiry_date: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubscriberIn {
    email: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    country_of_residence: Option<String>,
    #[expect(
        dead_code,
        reason = "read as text so a wrong type is refused; not used"
    )]
    language: Option<String>,
    device: Option<DeviceIn>,
    sim: Option<SimIn>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeviceIn {
    operating_system: Option<String>,
    #[expect(
        dead_code,
        reason = "read as text so a wrong type is refused; not used"
    )]
    model: Option<String>,
    #[expect(
        dead_code,
        reason = "read as text so a wrong type is refused; not used"
    )]
    id: Option<String>,
    eid: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SimIn {
    iccid: Option<String>,
}

/// A present, non-blank text, trimmed.
fn text(v: Option<&String>) -> Option<String> {
    v.map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// An ISO 8601 date-time, or `INVALID_HTTP_MESSAGE` (the reference's "bad date").
fn date(field: &str, v: Option<&String>) -> Result<Option<OffsetDateTime>, TruphoneError> {
    let Some(text) = text(v) else { return Ok(None) };
    OffsetDateTime::parse(&text, &Rfc3339)
        .map(Some)
        .map_err(|_| TruphoneError::unparsable(format!("{field} is not an ISO 8601 date-time")))
}

/// An ISO 3166-1 alpha-2 code the domain knows, upper-cased.
fn country(v: &str) -> Option<String> {
    (v.len() == 2 && v.bytes().all(|b| b.is_ascii_alphabetic()))
        .then(|| esimdesk_core::Country::parse(v).ok())
        .flatten()
        .map(|c| c.code())
}

/// `sold_price` in cents: a JSON number or numeric string with at most two decimals.
fn sold_cents(v: &Value) -> Option<i64> {
    let text = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_owned(),
        _ => return None,
    };
    parse_cents(&text).ok().filter(|&c| c >= 0)
}

/// Everything wrong with one request, so that a client learns it all at once (`messages`).
#[derive(Debug, Default)]
struct Problems(Vec<String>);

impl Problems {
    fn add(&mut self, message: impl Into<String>) {
        self.0.push(message.into());
    }

    /// A required field: one of `options`, by its wire name.
    fn choice<T: Copy>(
        &mut self,
        field: &str,
        value: Option<&String>,
        options: &[(&str, T)],
    ) -> Option<T> {
        let Some(value) = text(value) else {
            self.add(format!("{field} is required"));
            return None;
        };
        let found = options
            .iter()
            .find(|(name, _)| *name == value)
            .map(|&(_, v)| v);
        if found.is_none() {
            let names: Vec<&str> = options.iter().map(|(name, _)| *name).collect();
            self.add(format!(
                "{field} {value} is not one of {}",
                names.join(", ")
            ));
        }
        found
    }

    /// An optional country field, checked; upper-cased when known.
    fn country(&mut self, field: &str, value: Option<String>) -> Option<String> {
        let value = value?;
        let known = country(&value);
        if known.is_none() {
            self.add(format!("{field} {value} is not an ISO 3166-1 alpha-2 code"));
        }
        known
    }

    /// `product.sold_price` with its `sold_currency`, both or neither.
    fn sold_price(&mut self, product: &ProductIn) -> Option<SoldPrice> {
        let price = product.sold_price.as_ref().filter(|v| !v.is_null());
        match (price, text(product.sold_currency.as_ref())) {
            (None, None) => None,
            (None, Some(_)) => {
                self.add("product.sold_currency is given without product.sold_price");
                None
            }
            (Some(_), None) => {
                self.add("product.sold_currency is required with product.sold_price");
                None
            }
            (Some(v), Some(currency)) => {
                let cents = sold_cents(v);
                if cents.is_none() {
                    self.add("product.sold_price must be an amount with at most two decimals");
                }
                if currency.len() != 3 || esimdesk_core::Currency::parse(&currency).is_err() {
                    self.add(format!(
                        "product.sold_currency {currency} is not an ISO 4217 code"
                    ));
                }
                cents.map(|cents| SoldPrice {
                    cents,
                    currency: currency.to_ascii_uppercase(),
                })
            }
        }
    }

    /// The subscriber (its fields required for an activation), and the EID to push the eSIM
    /// to: iOS devices only (§7), an EID from another device is ignored.
    fn subscriber(
        &mut self,
        operation: Option<OperationType>,
        s: &SubscriberIn,
    ) -> (Subscriber, Option<String>) {
        let subscriber = Subscriber {
            email: text(s.email.as_ref()),
            first_name: text(s.first_name.as_ref()),
            last_name: text(s.last_name.as_ref()),
            country_of_residence: text(s.country_of_residence.as_ref()),
        };
        if operation == Some(OperationType::Activation) {
            let required = [
                ("subscriber.email", &subscriber.email),
                ("subscriber.first_name", &subscriber.first_name),
                ("subscriber.last_name", &subscriber.last_name),
                (
                    "subscriber.country_of_residence",
                    &subscriber.country_of_residence,
                ),
            ];
            for (name, value) in required {
                if value.is_none() {
                    self.add(format!("{name} is required"));
                }
            }
        }
        if let Some(email) = &subscriber.email
            && !email
                .split_once('@')
                .is_some_and(|(a, b)| !a.is_empty() && b.contains('.'))
        {
            self.add(format!("subscriber.email {email} is not an email address"));
        }
        let residence = self.country(
            "subscriber.country_of_residence",
            subscriber.country_of_residence.clone(),
        );
        let device = s.device.as_ref();
        let eid = text(device.and_then(|d| d.eid.as_ref()));
        if let Some(e) = &eid
            && !(e.len() == 32 && e.bytes().all(|b| b.is_ascii_digit()))
        {
            self.add("subscriber.device.eid must be 32 digits");
        }
        let ios = text(device.and_then(|d| d.operating_system.as_ref()))
            .is_some_and(|os| os.eq_ignore_ascii_case("ios"));
        let subscriber = Subscriber {
            country_of_residence: residence,
            ..subscriber
        };
        (subscriber, eid.filter(|_| ios))
    }

    fn into_error(self) -> TruphoneError {
        TruphoneError {
            messages: self.0,
            ..TruphoneError::params("")
        }
    }
}

impl Truphone {
    /// The product by id, known and supporting the SIM type.
    fn check_product(
        &self,
        p: &mut Problems,
        id: Option<&String>,
        sim_type: Option<SimType>,
    ) -> Option<Product> {
        let Some(id) = text(id) else {
            p.add("product.id is required");
            return None;
        };
        let Some(product) = self.products.get(&id).cloned() else {
            p.add(format!("product.id {id} is not a known product"));
            return None;
        };
        if let Some(t) = sim_type
            && !product.supports(t)
        {
            p.add(format!(
                "product {id} does not support sim_type {}",
                t.wire()
            ));
        }
        Some(product)
    }

    /// `subscriber.sim.iccid`: a known, usable SIM of the same type for a top-up; a valid
    /// ICCID not yet active for a physical SIM's activation; none for an eSIM's activation.
    fn check_sim(
        &self,
        p: &mut Problems,
        operation: Option<OperationType>,
        sim_type: Option<SimType>,
        iccid: Option<&str>,
    ) -> Result<(), TruphoneError> {
        use OperationType::{Activation, Topup};
        match (operation, sim_type, iccid) {
            (Some(Topup), _, None) => p.add("subscriber.sim.iccid is required for a TOPUP"),
            (Some(Topup), _, Some(iccid)) => match self.sim_index(iccid) {
                None => p.add(format!("subscriber.sim.iccid {iccid} is not a known SIM")),
                Some(s) => {
                    let sim = self.sim(s)?;
                    if sim.status == TruphoneSimStatus::Unavailable {
                        p.add(format!(
                            "SIM {iccid} is Unavailable; order a new eSIM instead of a top-up"
                        ));
                    }
                    if sim_type.is_some_and(|t| t != sim.sim_type) {
                        p.add(format!("SIM {iccid} is a {}", sim.sim_type.wire()));
                    }
                }
            },
            (Some(Activation), Some(SimType::Psim), None) => {
                p.add("subscriber.sim.iccid is required for a PSIM activation");
            }
            (Some(Activation), Some(SimType::Psim), Some(iccid)) => {
                if esimdesk_core::Iccid::parse(iccid).is_err() {
                    p.add(format!("subscriber.sim.iccid {iccid} is not a valid ICCID"));
                } else if self.sim_index(iccid).is_some() {
                    p.add(format!("SIM {iccid} is already active"));
                }
            }
            (Some(Activation), Some(SimType::Esim), Some(_)) => p.add(
                "subscriber.sim.iccid is for a TOPUP or a PSIM; an eSIM activation mints its own",
            ),
            _ => {}
        }
        Ok(())
    }

    /// Checks a create request and records the order, `ACCEPTED`.
    pub fn create_order(
        &mut self,
        req: CreateOrder,
        correlation_id: Option<String>,
        now: OffsetDateTime,
    ) -> Result<usize, TruphoneError> {
        let product_in = req.product.unwrap_or_default();
        let subscriber_in = req.subscriber.unwrap_or_default();
        // A date that does not parse is a message that does not parse: answered alone.
        let activation_date = date(
            "product.activation_date",
            product_in.activation_date.as_ref(),
        )?;
        let expiry_date = date("product.expiry_date", product_in.expiry_date.as_ref())?;

        let mut p = Problems::default();
        let operation = p.choice(
            "operation_type",
            req.operation_type.as_ref(),
            &[
                ("ACTIVATION", OperationType::Activation),
                ("TOPUP", OperationType::Topup),
            ],
        );
        let sim_type = p.choice(
            "sim_type",
            req.sim_type.as_ref(),
            &[("ESIM", SimType::Esim), ("PSIM", SimType::Psim)],
        );
        let order_country = text(req.country.as_ref());
        if order_country.is_none() {
            p.add("country is required");
        }
        let order_country = p.country("country", order_country);
        let product = self.check_product(&mut p, product_in.id.as_ref(), sim_type);
        let sold_price = p.sold_price(&product_in);
        if let (Some(product), Some(end)) = (&product, expiry_date) {
            let start = activation_date.unwrap_or(now);
            let longest =
                start.saturating_add(time::Duration::days(i64::from(product.duration_days)));
            if end <= start || end > longest {
                p.add(format!(
                    "product.expiry_date must be after the start and at most {} days later",
                    product.duration_days
                ));
            }
        }
        let (subscriber, push_eid) = p.subscriber(operation, &subscriber_in);
        let iccid = text(subscriber_in.sim.as_ref().and_then(|s| s.iccid.as_ref()));
        self.check_sim(&mut p, operation, sim_type, iccid.as_deref())?;

        let (Some(operation), Some(sim_type), Some(country), Some(product), true) =
            (operation, sim_type, order_country, product, p.0.is_empty())
        else {
            return Err(p.into_error());
        };
        let id = self.mint_uuid();
        let f = self.fulfilment;
        let idx = self.add_order(Order {
            id: id.clone(),
            correlation_id,
            operation,
            sim_type,
            country,
            product_id: product.id,
            sold_price,
            activation_date,
            expiry_date,
            subscriber,
            iccid,
            push_eid,
            status: OrderStatus::Accepted,
            created_at: now,
            fulfilling_at: None,
            ended_at: None,
            next_at: Some(later(now, f.fulfilling_after)),
            completion_delay: f.completion_delay,
            outcome: f.outcome,
            output: None,
            failure: None,
        });
        tracing::info!(order = %id, operation = operation.wire(), "Truphone order accepted");
        Ok(idx)
    }
}

/// `POST /v2/orders` → `201`, the order `ACCEPTED`.
pub async fn create(
    State(app): State<Ctx>,
    base: Base,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, TruphoneError> {
    let req: CreateOrder = parse_body(&headers, &body)?;
    let now = app.clock.now();
    let mut st = app.sim.lock();
    st.settle(now)?;
    let idx = st.create_order(req, correlation_id(&headers), now)?;
    let view = Truphone::created_view(st.order(idx)?, &base);
    // A new order was committed: the drop-after-commit fault may swallow this answer.
    Ok((Extension(Committed), (StatusCode::CREATED, Json(view))).into_response())
}

/// `GET /v2/orders/{id}`: the polling read.
pub async fn one(
    State(app): State<Ctx>,
    base: Base,
    Path(id): Path<String>,
) -> Result<Json<Value>, TruphoneError> {
    let now = app.clock.now();
    let mut st = app.sim.lock();
    st.settle(now)?;
    let idx = st
        .order_index(&id)
        .ok_or_else(|| TruphoneError::not_found("order", &id))?;
    Ok(Json(Truphone::order_view(st.order(idx)?, &base)))
}
