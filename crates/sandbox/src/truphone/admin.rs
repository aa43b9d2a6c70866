//! Truphone's part of the admin API, in-process: what it recorded (orders with their
//! correlation ids, SIMs, subscriptions), tokens, order fulfilment, data use — through
//! [`Admin::truphone`] ([`TruphoneAdmin`]). The same operations over HTTP are in
//! [`super::admin_http`].

use std::sync::{Arc, MutexGuard};

use serde::{Serialize, Serializer};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::config::{TruphoneFulfilment, TruphoneOutcome};
use super::model::{OrderStatus, SoldPrice, TruphoneSimStatus, later};
use super::state::Truphone;
use super::views::activation_code;
use crate::admin::{Admin, AdminError};
use crate::app::AppState;
use crate::clock::rfc3339;
use crate::money::Major;

/// An order as the simulated Truphone recorded it (whether or not its reply reached the client).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TruphoneOrderRecord {
    pub order_id: String,
    /// The `X-Correlation-ID` it was created with.
    pub correlation_id: Option<String>,
    /// `ACTIVATION` or `TOPUP`.
    pub operation_type: String,
    /// `ESIM` or `PSIM`.
    pub sim_type: String,
    /// `ACCEPTED`, `FULFILLING`, `COMPLETED` or `FAILED`.
    pub status: String,
    pub product_id: String,
    /// `country` of the order (ISO alpha-2).
    pub country: String,
    /// The activation's subscriber.
    pub email: Option<String>,
    /// The SIM it made or topped up (known at creation for top-ups, at completion otherwise).
    pub iccid: Option<String>,
    pub subscription_id: Option<String>,
    /// `LPA:1$rsp.truphone.com$<matching id>` of an eSIM it made.
    pub activation_code: Option<String>,
    /// The EID the eSIM is pushed to (iOS devices only).
    pub push_eid: Option<String>,
    /// `product.sold_price` in cents (`soldPrice` in major units over HTTP).
    #[serde(rename = "soldPrice", serialize_with = "ser_cents_opt")]
    pub sold_price_cents: Option<i64>,
    pub sold_currency: Option<String>,
    pub voucher: Option<String>,
    /// Why it `FAILED`.
    pub failure: Option<String>,
    #[serde(serialize_with = "ser_time")]
    pub created: OffsetDateTime,
    /// When it `COMPLETED` or `FAILED`.
    #[serde(serialize_with = "ser_time_opt")]
    pub ended: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TruphoneSimRecord {
    pub iccid: String,
    /// `ESIM` or `PSIM`.
    pub sim_type: String,
    pub status: TruphoneSimStatus,
    pub matching_id: Option<String>,
    /// `LPA:1$rsp.truphone.com$<matching id>` of an eSIM.
    pub activation_code: Option<String>,
    pub email: Option<String>,
    pub order_id: String,
    /// Its subscriptions, oldest first.
    pub subscriptions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TruphoneSubscriptionRecord {
    pub subscription_id: String,
    pub iccid: String,
    pub product_id: String,
    pub order_id: String,
    /// `PENDING`, `ACTIVE`, `DEPLETED` or `EXPIRED`.
    pub status: String,
    pub initial_bytes: u64,
    pub current_bytes: u64,
    #[serde(serialize_with = "ser_time")]
    pub created: OffsetDateTime,
    #[serde(serialize_with = "ser_time")]
    pub activation: OffsetDateTime,
    #[serde(serialize_with = "ser_time")]
    pub expiry: OffsetDateTime,
}

/// The token endpoint's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TruphoneTokenStats {
    /// Access tokens issued since start (or the last reset), by either grant.
    pub issued: u64,
    /// Of those, issued by a `refresh_token` grant.
    pub refreshed: u64,
    /// Access tokens still live now.
    pub live: usize,
}

fn ser_time<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(*t))
}

fn ser_time_opt<S: Serializer>(t: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
    t.map(rfc3339).serialize(s)
}

fn ser_cents_opt<S: Serializer>(cents: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    cents.map(Major).serialize(s)
}

impl Admin {
    /// Truphone Connect's controls and records.
    pub fn truphone(&self) -> TruphoneAdmin {
        TruphoneAdmin::from_shared(self.shared())
    }
}

/// In-process control of the simulated Truphone Connect (cheap to clone).
#[derive(Debug, Clone)]
pub struct TruphoneAdmin {
    shared: AppState,
}

impl TruphoneAdmin {
    pub(crate) fn from_shared(shared: &AppState) -> Self {
        Self {
            shared: Arc::clone(shared),
        }
    }

    /// The state, brought up to the sandbox clock's now.
    fn settled(&self) -> (OffsetDateTime, MutexGuard<'_, Truphone>) {
        let now = self.shared.clock.now();
        let mut st = self.shared.providers.truphone.lock();
        if let Err(e) = st.settle(now) {
            tracing::warn!(error = %e, "Truphone lifecycle could not be brought up to date");
        }
        (now, st)
    }

    /// The OAuth2 client id the token endpoint accepts.
    pub fn client_id(&self) -> String {
        self.shared.providers.truphone.client_id().to_owned()
    }

    /// Its client secret.
    pub fn client_secret(&self) -> String {
        self.shared.providers.truphone.client_secret().to_owned()
    }

    /// Every order, oldest first (including those whose reply a fault dropped).
    pub fn orders(&self) -> Vec<TruphoneOrderRecord> {
        let (_, st) = self.settled();
        st.orders
            .iter()
            .map(|o| {
                let out = o.output.as_ref();
                TruphoneOrderRecord {
                    order_id: o.id.clone(),
                    correlation_id: o.correlation_id.clone(),
                    operation_type: o.operation.wire().to_owned(),
                    sim_type: o.sim_type.wire().to_owned(),
                    status: o.status.wire().to_owned(),
                    product_id: o.product_id.clone(),
                    country: o.country.clone(),
                    email: o.subscriber.email.clone(),
                    iccid: out.map(|x| x.iccid.clone()).or_else(|| o.iccid.clone()),
                    subscription_id: out.map(|x| x.subscription_id.clone()),
                    activation_code: out
                        .and_then(|x| x.matching_id.as_deref())
                        .map(activation_code),
                    push_eid: o.push_eid.clone(),
                    sold_price_cents: o.sold_price.as_ref().map(|p| p.cents),
                    sold_currency: o
                        .sold_price
                        .as_ref()
                        .map(|p: &SoldPrice| p.currency.clone()),
                    voucher: out.and_then(|x| x.voucher.clone()),
                    failure: o.failure.clone(),
                    created: o.created_at,
                    ended: o.ended_at,
                }
            })
            .collect()
    }

    /// Every SIM, oldest first.
    pub fn sims(&self) -> Vec<TruphoneSimRecord> {
        let (_, st) = self.settled();
        st.sims
            .iter()
            .map(|s| TruphoneSimRecord {
                iccid: s.iccid.clone(),
                sim_type: s.sim_type.wire().to_owned(),
                status: s.status,
                matching_id: s.matching_id.clone(),
                activation_code: s.matching_id.as_deref().map(activation_code),
                email: s.email.clone(),
                order_id: s.order_id.clone(),
                subscriptions: s
                    .subscriptions
                    .iter()
                    .filter_map(|&i| st.subscriptions.get(i))
                    .map(|x| x.id.clone())
                    .collect(),
            })
            .collect()
    }

    /// Every subscription, oldest first.
    pub fn subscriptions(&self) -> Vec<TruphoneSubscriptionRecord> {
        let (now, st) = self.settled();
        st.subscriptions
            .iter()
            .map(|s| TruphoneSubscriptionRecord {
                subscription_id: s.id.clone(),
                iccid: st
                    .sims
                    .get(s.sim)
                    .map(|x| x.iccid.clone())
                    .unwrap_or_default(),
                product_id: s.product_id.clone(),
                order_id: s.order_id.clone(),
                status: s.status(now).wire().to_owned(),
                initial_bytes: s.initial_bytes,
                current_bytes: s.current_bytes,
                created: s.created_at,
                activation: s.activation_at,
                expiry: s.expiry_at,
            })
            .collect()
    }

    /// How orders created from now on are fulfilled.
    pub fn fulfilment(&self) -> TruphoneFulfilment {
        self.shared.providers.truphone.lock().fulfilment
    }

    /// Changes the delays and outcome of orders created from now on (orders already created
    /// keep theirs; see [`TruphoneAdmin::set_order_outcome`]).
    pub fn set_fulfilment(&self, fulfilment: TruphoneFulfilment) {
        self.shared.providers.truphone.lock().fulfilment = fulfilment;
    }

    /// Changes only the outcome of orders created from now on.
    pub fn set_outcome(&self, outcome: TruphoneOutcome) {
        self.shared.providers.truphone.lock().fulfilment.outcome = outcome;
    }

    /// How one order, not yet ended, ends: e.g. release an order held `FULFILLING`
    /// (`Complete`, due now at the earliest), or make it fail.
    pub fn set_order_outcome(
        &self,
        order_id: &str,
        outcome: TruphoneOutcome,
    ) -> Result<(), AdminError> {
        let (now, mut st) = self.settled();
        let order = st
            .order_index(order_id)
            .and_then(|i| st.orders.get_mut(i))
            .ok_or_else(|| AdminError::UnknownOrder(order_id.to_owned()))?;
        match order.status {
            OrderStatus::Accepted => order.outcome = outcome,
            OrderStatus::Fulfilling => {
                order.outcome = outcome;
                let due = later(order.fulfilling_at.unwrap_or(now), order.completion_delay);
                order.next_at = match outcome {
                    TruphoneOutcome::Never => None,
                    TruphoneOutcome::Complete | TruphoneOutcome::Fail => Some(due.max(now)),
                };
            }
            other => {
                return Err(AdminError::Invalid(format!(
                    "order {order_id} is {}; only an ACCEPTED or FULFILLING order can be steered",
                    other.wire()
                )));
            }
        }
        st.settle(now)
            .map_err(|e| AdminError::Invalid(e.to_string()))
    }

    /// Whether completed activations carry a voucher code (`output.data.code`, §5.5).
    pub fn set_vouchers(&self, enabled: bool) {
        self.shared.providers.truphone.lock().vouchers = enabled;
    }

    /// Every access token ends now (refresh tokens still work): the next API call is `401`,
    /// as when a token runs out in the middle of a sale.
    pub fn expire_tokens(&self) {
        self.shared.providers.truphone.lock().tokens.expire_access();
    }

    /// Every access and refresh token ends now: the client must authenticate again.
    pub fn revoke_tokens(&self) {
        self.shared.providers.truphone.lock().tokens.revoke_all();
    }

    /// Access tokens issued since start (or the last reset), by either grant.
    pub fn tokens_issued(&self) -> u64 {
        self.tokens().issued
    }

    /// The token endpoint's counters.
    pub fn tokens(&self) -> TruphoneTokenStats {
        let now = self.shared.clock.now();
        let st = self.shared.providers.truphone.lock();
        TruphoneTokenStats {
            issued: st.tokens.issued(),
            refreshed: st.tokens.refreshed(),
            live: st.tokens.live(now),
        }
    }

    /// Sets a SIM's profile state, e.g. `Unavailable` (deleted from the device) to see a
    /// top-up refused.
    pub fn set_sim_status(&self, iccid: &str, status: TruphoneSimStatus) -> Result<(), AdminError> {
        let (now, mut st) = self.settled();
        let sim = st
            .sim_index(iccid)
            .and_then(|i| st.sims.get_mut(i))
            .ok_or_else(|| AdminError::UnknownIccid(iccid.to_owned()))?;
        sim.status = status;
        sim.last_modified = now;
        Ok(())
    }

    /// Uses `bytes` of data now, from one subscription (by id) or from a SIM's active
    /// subscriptions, oldest first (by ICCID). Returns the bytes counted.
    pub fn consume(&self, subscription_or_iccid: &str, bytes: u64) -> Result<u64, AdminError> {
        let (now, mut st) = self.settled();
        let (sim, only) = match st.subscription_index(subscription_or_iccid) {
            Some(i) => {
                let sim = st.subscriptions.get(i).map(|s| s.sim).ok_or_else(|| {
                    AdminError::UnknownSubscription(subscription_or_iccid.to_owned())
                })?;
                (sim, Some(i))
            }
            None => (
                st.sim_index(subscription_or_iccid).ok_or_else(|| {
                    AdminError::UnknownSubscription(subscription_or_iccid.to_owned())
                })?,
                None,
            ),
        };
        st.consume(sim, only, bytes, now)
            .map_err(AdminError::Invalid)
    }

    /// Its part of `GET /_admin/state`.
    pub(crate) fn summary(st: &Truphone, now: OffsetDateTime) -> Value {
        json!({
            "currency": super::products::CURRENCY,
            "products": st.products.len(),
            "orders": st.orders.len(),
            "sims": st.sims.len(),
            "subscriptions": st.subscriptions.len(),
            "tokensIssued": st.tokens.issued(),
            "liveTokens": st.tokens.live(now),
            "vouchers": st.vouchers,
            "fulfilment": fulfilment_json(st.fulfilment),
        })
    }
}

/// The fulfilment settings as the admin API shows them.
pub(crate) fn fulfilment_json(f: TruphoneFulfilment) -> Value {
    json!({
        "fulfillingMs": u64::try_from(f.fulfilling_after.as_millis()).unwrap_or(u64::MAX),
        "completionMs": u64::try_from(f.completion_delay.as_millis()).unwrap_or(u64::MAX),
        "outcome": f.outcome,
    })
}
