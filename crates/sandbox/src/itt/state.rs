//! The ITT simulator's state: searches, quotes, bookings, eSIMs, top-ups, webhook
//! registrations, the partner credit, and the settings an admin can change while it runs.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use time::OffsetDateTime;

use super::SMDP_ADDRESS;
use super::config::{IttConfig, IttFulfilment};
use super::error::IttError;
use super::model::{Booking, Esim, Quote, Search, Topup};
use super::packages::Packages;
use crate::config::AutoUsage;
use crate::ids::{self, ALNUM, DIGITS, Minter};

/// Issuer prefix of minted ICCIDs: `8930…`, as the reference's example (open point 12).
const ICCID_PREFIX: &str = "8930";
/// The first serial: the reference's example ICCID `8930000000000405894` is the first minted.
const FIRST_SERIAL: u64 = 40_589;
/// Groups of a minted matching id: `K2-7PX3QD-1N8ZLA` (§8).
const MATCHING_ID_GROUPS: [usize; 3] = [2, 6, 6];
/// Keeps this simulator's identifiers apart from the other simulators' under one seed.
const MINT_STREAM: u64 = 0x0177_2600_0000_0004;
const LETTERS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
/// Searches kept before expired ones are forgotten (a demo sandbox may run for days).
const SEARCHES_KEPT: usize = 10_000;

/// A webhook registration as the simulator acknowledged it (§13).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IttWebhookRecord {
    pub supplier_code: Option<String>,
    pub supplier_uid: Option<String>,
    pub notification_type: String,
    pub webhook_url: Option<String>,
    #[serde(serialize_with = "super::admin::ser_time")]
    pub registered: OffsetDateTime,
}

/// Settings of one run, as configured (what a reset returns to).
#[derive(Debug, Clone)]
pub struct Settings {
    pub search_lifetime: Duration,
    pub fulfilment: IttFulfilment,
    pub balance: i64,
    pub auto_usage: Option<AutoUsage>,
    pub seed: u64,
}

impl Settings {
    pub fn new(config: &IttConfig, auto_usage: Option<AutoUsage>, seed: u64) -> Self {
        Self {
            search_lifetime: config.search_lifetime,
            fulfilment: config.fulfilment,
            balance: config.balance,
            auto_usage,
            seed,
        }
    }
}

#[derive(Debug)]
pub struct Itt {
    pub packages: Arc<Packages>,
    pub settings: Settings,
    pub search_lifetime: Duration,
    pub fulfilment: IttFulfilment,
    /// Partner credit in poisha.
    pub balance: i64,
    minter: Minter,
    next_serial: u64,
    pub searches: HashMap<String, Search>,
    pub quotes: Vec<Quote>,
    quote_index: HashMap<String, usize>,
    pub bookings: Vec<Booking>,
    booking_index: HashMap<String, usize>,
    pub esims: Vec<Esim>,
    esim_index: HashMap<String, usize>,
    pub topups: Vec<Topup>,
    topup_ids: std::collections::HashSet<String>,
    pub webhooks: Vec<IttWebhookRecord>,
}

impl Itt {
    pub fn new(settings: Settings, packages: Arc<Packages>) -> Self {
        Self {
            packages,
            search_lifetime: settings.search_lifetime,
            fulfilment: settings.fulfilment,
            balance: settings.balance,
            minter: Minter::new(settings.seed, MINT_STREAM),
            next_serial: FIRST_SERIAL,
            searches: HashMap::new(),
            quotes: Vec::new(),
            quote_index: HashMap::new(),
            bookings: Vec::new(),
            booking_index: HashMap::new(),
            esims: Vec::new(),
            esim_index: HashMap::new(),
            topups: Vec::new(),
            topup_ids: std::collections::HashSet::new(),
            webhooks: Vec::new(),
            settings,
        }
    }

    /// Forgets everything but the packages and the configured settings.
    pub fn reset(&mut self) {
        *self = Self::new(self.settings.clone(), Arc::clone(&self.packages));
    }

    // ------------------------------------------------------------ minting

    /// A search tracking id like the reference's `117726070533RO1` (15 characters).
    fn mint_search_id(&mut self) -> String {
        loop {
            let id = format!(
                "1{}{}{}",
                self.minter.chars(11, DIGITS),
                self.minter.chars(2, LETTERS),
                self.minter.chars(1, DIGITS)
            );
            if !self.searches.contains_key(&id) {
                return id;
            }
        }
    }

    /// A booking tracking id like the reference's `11177260822126194QDWJV` (22 characters).
    fn mint_tracking_id(&mut self) -> String {
        loop {
            let id = format!(
                "11{}{}",
                self.minter.chars(15, DIGITS),
                self.minter.chars(5, LETTERS)
            );
            if !self.quote_index.contains_key(&id) {
                return id;
            }
        }
    }

    /// A booking id like the reference's `ES2510NOKJAAFK`: `ES`, year and month, 8 letters.
    pub fn mint_booking_id(&mut self, now: OffsetDateTime) -> String {
        loop {
            let id = format!("ES{}{}", yymm(now), self.minter.chars(8, LETTERS));
            if !self.booking_index.contains_key(&id) {
                return id;
            }
        }
    }

    /// A top-up booking id like the reference's `TU2506ABCDEF12`.
    pub fn mint_topup_id(&mut self, now: OffsetDateTime) -> String {
        loop {
            let id = format!("TU{}{}", yymm(now), self.minter.chars(8, ALNUM));
            if self.topup_ids.insert(id.clone()) {
                return id;
            }
        }
    }

    /// A new eSIM identity: `(iccid, matching id)`.
    pub fn mint_esim(&mut self) -> Result<(String, String), IttError> {
        let serial = self.next_serial;
        self.next_serial += 1;
        let iccid = ids::iccid_padded(ICCID_PREFIX, serial)
            .map_err(|e| IttError::internal(format!("minting ICCID: {e}")))?;
        let matching_id = self.minter.matching_id(&MATCHING_ID_GROUPS);
        // Every minted code must be one our own parser accepts.
        esimdesk_core::ActivationCode::new(SMDP_ADDRESS, &matching_id, None, false)
            .map_err(|e| IttError::internal(format!("minting activation code: {e}")))?;
        Ok((iccid, matching_id))
    }

    // ------------------------------------------------------------ adding

    pub fn add_search(&mut self, criteria: super::model::Criteria, now: OffsetDateTime) -> String {
        if self.searches.len() >= SEARCHES_KEPT {
            self.searches.retain(|_, s| s.expires_at > now);
        }
        let tracking_id = self.mint_search_id();
        let expires_at = super::model::later(now, self.search_lifetime);
        self.searches.insert(
            tracking_id.clone(),
            Search {
                criteria,
                expires_at,
            },
        );
        tracking_id
    }

    /// A new quote for a package found by a search; returns its index.
    pub fn add_quote(
        &mut self,
        search_tracking_id: &str,
        package_id: &str,
        price_cents: i64,
        now: OffsetDateTime,
    ) -> usize {
        let tracking_id = self.mint_tracking_id();
        let idx = self.quotes.len();
        self.quote_index.insert(tracking_id.clone(), idx);
        self.quotes.push(Quote {
            tracking_id,
            search_tracking_id: search_tracking_id.to_owned(),
            package_id: package_id.to_owned(),
            price_cents,
            created_at: now,
            passengers: Vec::new(),
            save_pax: false,
            booking: None,
        });
        idx
    }

    pub fn add_booking(&mut self, booking: Booking) -> Result<usize, IttError> {
        let idx = self.bookings.len();
        self.quote_mut(booking.quote)?.booking = Some(idx);
        self.booking_index.insert(booking.booking_id.clone(), idx);
        self.bookings.push(booking);
        Ok(idx)
    }

    pub fn add_esim(&mut self, esim: Esim) -> usize {
        let idx = self.esims.len();
        self.esim_index.insert(esim.iccid.clone(), idx);
        self.esims.push(esim);
        idx
    }

    // ------------------------------------------------------------ lookups

    pub fn quote_index(&self, tracking_id: &str) -> Option<usize> {
        self.quote_index.get(tracking_id).copied()
    }

    pub fn booking_index(&self, booking_id: &str) -> Option<usize> {
        self.booking_index.get(booking_id).copied()
    }

    pub fn esim_index(&self, iccid: &str) -> Option<usize> {
        self.esim_index.get(iccid).copied()
    }

    pub fn quote(&self, idx: usize) -> Result<&Quote, IttError> {
        self.quotes
            .get(idx)
            .ok_or_else(|| IttError::internal("quote index out of range"))
    }

    pub fn quote_mut(&mut self, idx: usize) -> Result<&mut Quote, IttError> {
        self.quotes
            .get_mut(idx)
            .ok_or_else(|| IttError::internal("quote index out of range"))
    }

    pub fn booking(&self, idx: usize) -> Result<&Booking, IttError> {
        self.bookings
            .get(idx)
            .ok_or_else(|| IttError::internal("booking index out of range"))
    }

    pub fn booking_mut(&mut self, idx: usize) -> Result<&mut Booking, IttError> {
        self.bookings
            .get_mut(idx)
            .ok_or_else(|| IttError::internal("booking index out of range"))
    }

    pub fn esim(&self, idx: usize) -> Result<&Esim, IttError> {
        self.esims
            .get(idx)
            .ok_or_else(|| IttError::internal("eSIM index out of range"))
    }

    pub fn esim_mut(&mut self, idx: usize) -> Result<&mut Esim, IttError> {
        self.esims
            .get_mut(idx)
            .ok_or_else(|| IttError::internal("eSIM index out of range"))
    }

    /// The package of a quote, booking or eSIM (packages never change during a run).
    pub fn package(&self, id: &str) -> Result<&super::packages::Package, IttError> {
        self.packages
            .get(id)
            .ok_or_else(|| IttError::internal(format!("package {id} vanished")))
    }
}

/// `2510` for October 2025.
fn yymm(t: OffsetDateTime) -> String {
    format!("{:02}{:02}", t.year().rem_euclid(100), u8::from(t.month()))
}
