//! ITT's part of the admin API, in-process: what it recorded (quotes with their travellers,
//! bookings, top-ups, webhook registrations), booking fulfilment, the partner credit, data use
//! and search expiry — through [`Admin::itt`] ([`IttAdmin`]). The same operations over HTTP
//! are in [`super::admin_http`].

use std::sync::{Arc, MutexGuard};
use std::time::Duration;

use serde::{Serialize, Serializer};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::activation_code;
use super::config::{CURRENCY, IttFulfilment, IttOutcome};
use super::model::{BookingStatus, IttPassenger};
use super::state::{Itt, IttWebhookRecord};
use super::views::amount;
use crate::admin::{Admin, AdminError};
use crate::app::AppState;
use crate::clock::rfc3339;

/// A booking tracking id handed out by single-package, booked or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IttQuoteRecord {
    pub tracking_id: String,
    pub search_tracking_id: String,
    pub package_id: String,
    /// `price.sell_price` in poisha (`price`, a decimal string, over HTTP).
    #[serde(rename = "price", serialize_with = "ser_amount")]
    pub price_cents: i64,
    pub passengers: Vec<IttPassenger>,
    /// The booking made on it, if any.
    pub booking_id: Option<String>,
    #[serde(serialize_with = "ser_time")]
    pub created: OffsetDateTime,
}

/// A booking as the simulated ITT recorded it (whether or not its answer reached the client).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IttBookingRecord {
    pub booking_id: String,
    /// The booking tracking id it was made on.
    pub tracking_id: String,
    pub search_tracking_id: String,
    pub package_id: String,
    pub title: String,
    /// `pending`, `confirmed` or `failed`.
    pub status: String,
    pub quantity: u32,
    /// Charged to the credit, in poisha (`totalPrice`, a decimal string, over HTTP).
    #[serde(rename = "totalPrice", serialize_with = "ser_amount")]
    pub total_cents: i64,
    pub currency: String,
    /// The lead contact's `email_address`.
    pub email: String,
    /// The travellers of its tracking id.
    pub passengers: Vec<IttPassenger>,
    pub iccids: Vec<String>,
    /// `LPA:1$rsp.sandbox-itt.example.com$<matching id>`, one per eSIM.
    pub activation_codes: Vec<String>,
    pub failure: Option<String>,
    #[serde(serialize_with = "ser_time")]
    pub created: OffsetDateTime,
    /// When it left `pending`.
    #[serde(serialize_with = "ser_time_opt")]
    pub ended: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IttTopupRecord {
    pub booking_id: String,
    /// The booking tracking id of the eSIM's booking.
    pub tracking_id: String,
    pub iccid: String,
    pub package_id: String,
    #[serde(rename = "totalPrice", serialize_with = "ser_amount")]
    pub total_cents: i64,
    pub currency: String,
    #[serde(serialize_with = "ser_time")]
    pub created: OffsetDateTime,
}

pub(crate) fn ser_time<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(*t))
}

fn ser_time_opt<S: Serializer>(t: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
    t.map(rfc3339).serialize(s)
}

fn ser_amount<S: Serializer>(cents: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&amount(*cents))
}

impl Admin {
    /// The ITT eSIM API's controls and records.
    pub fn itt(&self) -> IttAdmin {
        IttAdmin::from_shared(self.shared())
    }
}

/// In-process control of the simulated ITT eSIM API (cheap to clone).
#[derive(Debug, Clone)]
pub struct IttAdmin {
    shared: AppState,
}

impl IttAdmin {
    pub(crate) fn from_shared(shared: &AppState) -> Self {
        Self {
            shared: Arc::clone(shared),
        }
    }

    /// The state, brought up to the sandbox clock's now.
    fn settled(&self) -> (OffsetDateTime, MutexGuard<'_, Itt>) {
        let now = self.shared.clock.now();
        let mut st = self.shared.providers.itt.lock();
        if let Err(e) = st.settle(now) {
            tracing::warn!(error = %e, "ITT lifecycle could not be brought up to date");
        }
        (now, st)
    }

    /// The `apikey` header it accepts.
    pub fn api_key(&self) -> String {
        self.shared.providers.itt.api_key().to_owned()
    }

    /// The `secretecode` header it accepts.
    pub fn secret_code(&self) -> String {
        self.shared.providers.itt.secret_code().to_owned()
    }

    /// The partner account's `member_id`.
    pub fn member_id(&self) -> String {
        self.shared.providers.itt.member_id().to_owned()
    }

    /// Every booking tracking id single-package handed out, oldest first.
    pub fn quotes(&self) -> Vec<IttQuoteRecord> {
        let (_, st) = self.settled();
        st.quotes
            .iter()
            .map(|q| IttQuoteRecord {
                tracking_id: q.tracking_id.clone(),
                search_tracking_id: q.search_tracking_id.clone(),
                package_id: q.package_id.clone(),
                price_cents: q.price_cents,
                passengers: q.passengers.clone(),
                booking_id: q
                    .booking
                    .and_then(|b| st.bookings.get(b))
                    .map(|b| b.booking_id.clone()),
                created: q.created_at,
            })
            .collect()
    }

    /// Every booking, oldest first (including those whose answer a fault dropped).
    pub fn bookings(&self) -> Vec<IttBookingRecord> {
        let (_, st) = self.settled();
        st.bookings
            .iter()
            .map(|b| {
                let quote = st.quotes.get(b.quote);
                let esims: Vec<_> = b.esims.iter().filter_map(|&e| st.esims.get(e)).collect();
                IttBookingRecord {
                    booking_id: b.booking_id.clone(),
                    tracking_id: b.tracking_id.clone(),
                    search_tracking_id: quote
                        .map(|q| q.search_tracking_id.clone())
                        .unwrap_or_default(),
                    package_id: b.package_id.clone(),
                    title: st
                        .packages
                        .get(&b.package_id)
                        .map(super::packages::Package::title)
                        .unwrap_or_default(),
                    status: b.status.wire().to_owned(),
                    quantity: b.quantity,
                    total_cents: b.total_cents,
                    currency: CURRENCY.to_owned(),
                    email: b.contact.email_address.clone(),
                    passengers: quote.map(|q| q.passengers.clone()).unwrap_or_default(),
                    iccids: esims.iter().map(|e| e.iccid.clone()).collect(),
                    activation_codes: esims
                        .iter()
                        .map(|e| activation_code(&e.matching_id))
                        .collect(),
                    failure: b.failure.clone(),
                    created: b.created_at,
                    ended: b.ended_at,
                }
            })
            .collect()
    }

    /// Every top-up, oldest first.
    pub fn topups(&self) -> Vec<IttTopupRecord> {
        let (_, st) = self.settled();
        st.topups
            .iter()
            .map(|t| {
                let esim = st.esims.get(t.esim);
                IttTopupRecord {
                    booking_id: t.booking_id.clone(),
                    tracking_id: esim
                        .and_then(|e| st.bookings.get(e.booking))
                        .map(|b| b.tracking_id.clone())
                        .unwrap_or_default(),
                    iccid: esim.map(|e| e.iccid.clone()).unwrap_or_default(),
                    package_id: t.package_id.clone(),
                    total_cents: t.price_cents,
                    currency: CURRENCY.to_owned(),
                    created: t.created_at,
                }
            })
            .collect()
    }

    /// Every webhook registration, oldest first.
    pub fn webhooks(&self) -> Vec<IttWebhookRecord> {
        self.shared.providers.itt.lock().webhooks.clone()
    }

    /// How bookings created from now on are fulfilled.
    pub fn fulfilment(&self) -> IttFulfilment {
        self.shared.providers.itt.lock().fulfilment
    }

    /// Changes the delay and outcome of bookings created from now on (bookings already made
    /// keep theirs; see [`IttAdmin::set_booking_outcome`]).
    pub fn set_fulfilment(&self, fulfilment: IttFulfilment) {
        self.shared.providers.itt.lock().fulfilment = fulfilment;
    }

    /// Changes only the outcome of bookings created from now on.
    pub fn set_outcome(&self, outcome: IttOutcome) {
        self.shared.providers.itt.lock().fulfilment.outcome = outcome;
    }

    /// How one `pending` booking (by booking id or booking tracking id) ends: `Confirm` or
    /// `Fail` when its own delay is over (at once for a held booking), or `Never` to hold it.
    pub fn set_booking_outcome(&self, id: &str, outcome: IttOutcome) -> Result<(), AdminError> {
        let (now, mut st) = self.settled();
        let idx = st
            .booking_index(id)
            .or_else(|| {
                st.quote_index(id)
                    .and_then(|q| st.quotes.get(q))
                    .and_then(|q| q.booking)
            })
            .ok_or_else(|| AdminError::UnknownOrder(id.to_owned()))?;
        let booking = st
            .bookings
            .get_mut(idx)
            .ok_or_else(|| AdminError::UnknownOrder(id.to_owned()))?;
        if booking.status != BookingStatus::Pending {
            return Err(AdminError::Invalid(format!(
                "booking {} is {}; only a pending booking can be steered",
                booking.booking_id,
                booking.status.wire()
            )));
        }
        booking.due_at = match outcome {
            IttOutcome::Never => None,
            // Its own delay when it has one, else (held) now.
            IttOutcome::Confirm | IttOutcome::Fail => Some(booking.due_at.unwrap_or(now)),
            IttOutcome::InsufficientBalance => {
                return Err(AdminError::Invalid(
                    "insufficientBalance refuses new bookings; a made booking confirms or fails"
                        .to_owned(),
                ));
            }
        };
        booking.outcome = outcome;
        st.settle(now)
            .map_err(|e| AdminError::Invalid(e.to_string()))
    }

    /// The partner credit in poisha.
    pub fn balance_cents(&self) -> i64 {
        self.shared.providers.itt.lock().balance
    }

    /// Sets the partner credit (poisha, not negative): e.g. too little for the next booking.
    pub fn set_balance_cents(&self, cents: i64) -> Result<(), AdminError> {
        if cents < 0 {
            return Err(AdminError::Invalid(
                "the balance cannot be negative".to_owned(),
            ));
        }
        self.shared.providers.itt.lock().balance = cents;
        Ok(())
    }

    /// Uses `mb` MB (of 1024² bytes) of data now on an eSIM. Returns the MB counted.
    pub fn consume(&self, iccid: &str, mb: u64) -> Result<u64, AdminError> {
        let (now, mut st) = self.settled();
        let e = st
            .esim_index(iccid)
            .ok_or_else(|| AdminError::UnknownIccid(iccid.to_owned()))?;
        st.consume(e, mb, now).map_err(AdminError::Invalid)
    }

    /// How long search tracking ids made from now on live.
    pub fn search_lifetime(&self) -> Duration {
        self.shared.providers.itt.lock().search_lifetime
    }

    pub fn set_search_lifetime(&self, lifetime: Duration) -> Result<(), AdminError> {
        if lifetime.is_zero() {
            return Err(AdminError::Invalid(
                "the search lifetime is at least one second".to_owned(),
            ));
        }
        self.shared.providers.itt.lock().search_lifetime = lifetime;
        Ok(())
    }

    /// Every search tracking id expires now (single-package then answers `404`). Returns how
    /// many were still live.
    pub fn expire_searches(&self) -> usize {
        let now = self.shared.clock.now();
        let mut st = self.shared.providers.itt.lock();
        let mut live = 0;
        for s in st.searches.values_mut() {
            if s.expires_at > now {
                s.expires_at = now;
                live += 1;
            }
        }
        live
    }

    /// Its part of `GET /_admin/state`.
    pub(crate) fn summary(st: &Itt, now: OffsetDateTime) -> Value {
        json!({
            "currency": CURRENCY,
            "balance": amount(st.balance),
            "packages": st.packages.all().len(),
            "liveSearches": st.searches.values().filter(|s| s.expires_at > now).count(),
            "quotes": st.quotes.len(),
            "bookings": st.bookings.len(),
            "esims": st.esims.len(),
            "topups": st.topups.len(),
            "webhooks": st.webhooks.len(),
            "searchLifetimeSecs": st.search_lifetime.as_secs(),
            "fulfilment": fulfilment_json(st.fulfilment),
        })
    }
}

/// The fulfilment settings as the admin API shows them.
pub(crate) fn fulfilment_json(f: IttFulfilment) -> Value {
    json!({
        "pendingMs": u64::try_from(f.pending_for.as_millis()).unwrap_or(u64::MAX),
        "outcome": f.outcome,
    })
}
