//! eSIM Go's part of the admin API: its recorded orders, balance, data use and profile status.
//! Kept on [`Admin`] itself and under `/_admin/esimgo` (the shape tests and tools already use).
//!
//! | method and path | body | answer |
//! |---|---|---|
//! | `GET /_admin/esimgo/orders` | — | `[{reference, created, total, assigned, lines:[{type, item, quantity, esims:[{iccid, customerRef}]}]}]`: every order eSIM Go recorded, answered or not, oldest first |
//! | `POST /_admin/esimgo/balance` | `{balance: 245.37 \| "245.37"}` (USD) | `{balance}` |
//! | `POST /_admin/esimgo/consume` | `{iccid, bytes}` or `{iccid, mb}` | `{consumedBytes}` |
//! | `POST /_admin/esimgo/profile-status` | `{iccid, profileStatus}` (`Released`, `Installed`, `Deactivated`, ...) | echo |

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::StrictJson;
use super::model::ProfileStatus;
use crate::admin::{Admin, AdminError};
use crate::app::AppState;
use crate::clock::rfc3339;
use crate::money::{Major, parse_cents};

/// An order as the simulated eSIM Go recorded it (whether or not its reply reached the client).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordedOrder {
    /// `orderReference`.
    pub reference: String,
    #[serde(serialize_with = "ser_time")]
    pub created: OffsetDateTime,
    /// What was charged, in cents (`total` in major units over HTTP).
    #[serde(rename = "total", serialize_with = "ser_cents")]
    pub total_cents: i64,
    /// `assign: true` (bundles on eSIMs) rather than to inventory.
    pub assigned: bool,
    pub lines: Vec<RecordedLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordedLine {
    /// `bundle` (a purchase) or `bundleAssignment` (an apply from inventory).
    #[serde(rename = "type")]
    pub kind: String,
    /// Bundle name (an apply reference for `bundleAssignment`).
    pub item: String,
    pub quantity: u32,
    /// The eSIMs the line's bundles went on, in order; empty for bundles put into inventory.
    pub esims: Vec<RecordedEsim>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordedEsim {
    pub iccid: String,
    /// The eSIM's `customerRef` now (empty when none was set).
    pub customer_ref: String,
}

fn ser_time<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(*t))
}

fn ser_cents<S: Serializer>(cents: &i64, s: S) -> Result<S::Ok, S::Error> {
    Major(*cents).serialize(s)
}

/// eSIM Go's in-process controls (on [`Admin`] directly, as they were before other providers).
impl Admin {
    pub fn balance_cents(&self) -> i64 {
        self.shared().providers.esimgo.lock().balance_cents
    }

    pub fn set_balance_cents(&self, cents: i64) {
        self.shared().providers.esimgo.lock().balance_cents = cents;
    }

    /// Uses `bytes` of data on the eSIM now (starting a queued bundle if none is active).
    pub fn consume(&self, iccid: &str, bytes: u64) -> Result<u64, AdminError> {
        let now = self.now();
        let mut st = self.shared().providers.esimgo.lock();
        let e = st
            .esim_index(iccid)
            .map_err(|_| AdminError::UnknownIccid(iccid.to_owned()))?;
        st.consume(e, bytes, now).map_err(AdminError::Invalid)
    }

    /// Sets an eSIM's `profileStatus` (`Released`, `Downloaded`, `Installed`, `Unavailable`,
    /// `Deactivated`).
    pub fn set_profile_status(&self, iccid: &str, status: &str) -> Result<(), AdminError> {
        let status = ProfileStatus::parse(status)
            .ok_or_else(|| AdminError::Invalid(format!("unknown profile status {status:?}")))?;
        let now = self.now();
        let mut st = self.shared().providers.esimgo.lock();
        let e = st
            .esim_index(iccid)
            .map_err(|_| AdminError::UnknownIccid(iccid.to_owned()))?;
        st.sync_esim(e, now);
        if let Some(esim) = st.esims.get_mut(e) {
            esim.profile_status = status;
            if status == ProfileStatus::Installed && esim.first_installed.is_none() {
                esim.first_installed = Some(now);
            }
        }
        Ok(())
    }

    /// Every order eSIM Go recorded, oldest first: transactions (including those whose reply a
    /// fault dropped) and applies, with their lines, eSIMs and each eSIM's `customerRef`.
    pub fn orders(&self) -> Vec<RecordedOrder> {
        let st = self.shared().providers.esimgo.lock();
        st.orders
            .iter()
            .map(|o| RecordedOrder {
                reference: o.reference.clone(),
                created: o.created,
                total_cents: o.total_cents,
                assigned: o.assigned,
                lines: o
                    .lines
                    .iter()
                    .map(|l| RecordedLine {
                        kind: l.kind.wire().to_owned(),
                        item: l.item.clone(),
                        quantity: l.quantity,
                        esims: l
                            .esims
                            .iter()
                            .filter_map(|&e| st.esims.get(e))
                            .map(|e| RecordedEsim {
                                iccid: e.iccid.clone(),
                                customer_ref: e.customer_ref.clone(),
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect()
    }

    /// References of every order (transactions and applies), oldest first.
    pub fn order_references(&self) -> Vec<String> {
        self.shared()
            .providers
            .esimgo
            .lock()
            .orders
            .iter()
            .map(|o| o.reference.clone())
            .collect()
    }

    /// ICCIDs of every eSIM, oldest first.
    pub fn iccids(&self) -> Vec<String> {
        self.shared()
            .providers
            .esimgo
            .lock()
            .esims
            .iter()
            .map(|e| e.iccid.clone())
            .collect()
    }
}

// ------------------------------------------------------------------ HTTP

/// Routes under `/_admin/esimgo`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/orders", get(list_orders))
        .route("/balance", post(balance))
        .route("/consume", post(consume))
        .route("/profile-status", post(profile_status))
}

fn admin(app: &AppState) -> Admin {
    Admin::new(std::sync::Arc::clone(app))
}

async fn list_orders(State(app): State<AppState>) -> Json<Vec<RecordedOrder>> {
    Json(admin(&app).orders())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BalanceBody {
    /// A JSON number or a decimal string, in major units.
    balance: Value,
}

async fn balance(
    State(app): State<AppState>,
    StrictJson(body): StrictJson<BalanceBody>,
) -> Result<Json<Value>, AdminError> {
    let text = match &body.balance {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => {
            return Err(AdminError::Invalid(
                "balance must be a number or a decimal string".to_owned(),
            ));
        }
    };
    let cents = parse_cents(&text).map_err(|e| AdminError::Invalid(e.to_string()))?;
    admin(&app).set_balance_cents(cents);
    Ok(Json(json!({"balance": Major(cents)})))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsumeBody {
    iccid: String,
    #[serde(default)]
    bytes: Option<u64>,
    #[serde(default)]
    mb: Option<u64>,
}

async fn consume(
    State(app): State<AppState>,
    StrictJson(body): StrictJson<ConsumeBody>,
) -> Result<Json<Value>, AdminError> {
    let bytes = match (body.bytes, body.mb) {
        (Some(b), None) => b,
        (None, Some(mb)) => mb.saturating_mul(1_000_000),
        _ => {
            return Err(AdminError::Invalid(
                "give exactly one of bytes, mb".to_owned(),
            ));
        }
    };
    let used = admin(&app).consume(&body.iccid, bytes)?;
    Ok(Json(json!({"consumedBytes": used})))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ProfileStatusBody {
    iccid: String,
    profile_status: String,
}

async fn profile_status(
    State(app): State<AppState>,
    StrictJson(body): StrictJson<ProfileStatusBody>,
) -> Result<Json<Value>, AdminError> {
    admin(&app).set_profile_status(&body.iccid, &body.profile_status)?;
    Ok(Json(
        json!({"iccid": body.iccid, "profileStatus": body.profile_status}),
    ))
}
