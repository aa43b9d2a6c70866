//! The eSIM Go simulator's state: balance, orders, eSIMs, assignments and inventory.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use esimdesk_core::ActivationCode;
use time::OffsetDateTime;

use super::ApiError;
use super::model::{
    Assignment, BundleState, Esim, HistoryEvent, InventoryItem, Order, ProfileStatus, Source,
};
use super::wire::{AssignmentWire, EsimRef, OrderLineResponse, OrderResponse};
use crate::catalogue::{Bundle, Catalogue};
use crate::clock::rfc3339;
use crate::config::AutoUsage;
use crate::ids::{self, DIGITS, Minter};
use crate::money::Major;

/// Fixed settings of one run.
#[derive(Debug, Clone)]
pub struct Settings {
    pub api_key: String,
    pub smdp_address: String,
    pub initial_balance_cents: i64,
    pub processing_delay: Duration,
    pub lapse_after: Duration,
    pub auto_usage: Option<AutoUsage>,
    pub seed: u64,
}

pub const CURRENCY: &str = "USD";
/// Issuer prefix of minted ICCIDs (`8944…`, as the eSIM Go reference's examples).
const ICCID_PREFIX: &str = "8944";
/// eSIMs per order above which details are not returned inline (esimgo.md §6.1).
pub const INLINE_ESIM_LIMIT: usize = 5;
/// Unstarted bundles can be refunded within this many days of purchase.
pub const REFUND_DAYS: i64 = 60;

#[derive(Debug)]
pub struct EsimGo {
    pub catalogue: Arc<Catalogue>,
    pub settings: Settings,
    minter: Minter,
    pub balance_cents: i64,
    pub orders: Vec<Order>,
    order_index: HashMap<String, usize>,
    pub esims: Vec<Esim>,
    esim_index: HashMap<String, usize>,
    pub assignments: Vec<Assignment>,
    pub inventory: Vec<InventoryItem>,
    next_serial: u64,
    next_assignment_id: u64,
    next_usage_id: u64,
    pub next_topup_ref: u64,
    /// Top-ups on the current (sandbox) day: (day, cents).
    pub topups_today: Option<(time::Date, i64)>,
}

impl EsimGo {
    pub fn new(settings: Settings, catalogue: Arc<Catalogue>) -> Self {
        let seed = settings.seed;
        Self {
            catalogue,
            minter: Minter::new(seed, 0x5eed_e519_0000_0001),
            balance_cents: settings.initial_balance_cents,
            settings,
            orders: Vec::new(),
            order_index: HashMap::new(),
            esims: Vec::new(),
            esim_index: HashMap::new(),
            assignments: Vec::new(),
            inventory: Vec::new(),
            next_serial: 1,
            next_assignment_id: 215_000_001,
            next_usage_id: 1_043_401,
            next_topup_ref: 987_654_001,
            topups_today: None,
        }
    }

    /// Forgets everything but the catalogue and the settings.
    pub fn reset(&mut self) {
        *self = Self::new(self.settings.clone(), Arc::clone(&self.catalogue));
    }

    // ------------------------------------------------------------ minting

    pub fn mint_uuid(&mut self) -> String {
        self.minter.uuid()
    }

    /// A new eSIM (no bundle yet). ICCIDs alternate between 19 and 20 digits, start `8944` and
    /// carry a Luhn check digit; matching IDs look like `K2-4F7G1H-1J0KLM`.
    pub fn mint_esim(
        &mut self,
        now: OffsetDateTime,
        family: &'static str,
    ) -> Result<usize, ApiError> {
        let serial = self.next_serial;
        self.next_serial += 1;
        let iccid = ids::iccid(ICCID_PREFIX, serial)
            .map_err(|e| ApiError::internal(format!("minting ICCID: {e}")))?;
        let matching_id = self.minter.matching_id(&[2, 6, 6]);
        // Every minted code must be one our own parser accepts.
        ActivationCode::new(&self.settings.smdp_address, &matching_id, None, false)
            .map_err(|e| ApiError::internal(format!("minting activation code: {e}")))?;
        let pin = self.minter.chars(4, DIGITS);
        let puk = self.minter.chars(8, DIGITS);
        let idx = self.esims.len();
        self.esim_index.insert(iccid.clone(), idx);
        self.esims.push(Esim {
            iccid,
            matching_id,
            smdp_address: self.settings.smdp_address.clone(),
            pin,
            puk,
            customer_ref: String::new(),
            profile_status: ProfileStatus::Released,
            first_installed: None,
            assigned_date: now,
            family,
            assignments: Vec::new(),
            history: Vec::new(),
            synced_to: now,
            last_country: None,
        });
        Ok(idx)
    }

    /// Puts a bundle on an eSIM.
    pub fn add_assignment(
        &mut self,
        esim: usize,
        bundle: &Bundle,
        reference: String,
        now: OffsetDateTime,
        price_cents: i64,
        source: Source,
    ) -> usize {
        let id = self.next_assignment_id;
        self.next_assignment_id += 1;
        let ready_at = now + self.settings.processing_delay;
        let state = if self.settings.processing_delay.is_zero() {
            BundleState::Queued
        } else {
            BundleState::Processing
        };
        let initial = bundle.initial_bytes();
        let idx = self.assignments.len();
        self.assignments.push(Assignment {
            id,
            esim,
            bundle: bundle.name.clone(),
            reference,
            assigned_at: now,
            ready_at,
            state,
            initial_bytes: initial,
            remaining_bytes: initial,
            unlimited: bundle.unlimited(),
            duration_days: bundle.duration_days,
            started_at: None,
            end_time: None,
            price_cents,
            source,
        });
        if let Some(e) = self.esims.get_mut(esim) {
            e.assignments.push(idx);
        }
        self.push_history(esim, "Bundle Applied", &bundle.name, now);
        idx
    }

    pub fn push_history(
        &mut self,
        esim: usize,
        name: &'static str,
        bundle: &str,
        at: OffsetDateTime,
    ) {
        if let Some(e) = self.esims.get_mut(esim) {
            e.history.push(HistoryEvent {
                name,
                bundle_name: bundle.to_owned(),
                date: at,
            });
        }
    }

    pub fn new_usage_id(&mut self) -> u64 {
        let id = self.next_usage_id;
        self.next_usage_id += 1;
        id
    }

    pub fn insert_order(&mut self, order: Order) {
        self.order_index
            .insert(order.reference.clone(), self.orders.len());
        self.orders.push(order);
    }

    // ------------------------------------------------------------ lookups

    pub fn bundle(&self, name: &str) -> Result<&Bundle, ApiError> {
        self.catalogue
            .get(name)
            .ok_or_else(|| ApiError::bad_request("Bundle not found"))
    }

    /// An eSIM of this organisation by ICCID: not digits → 400, unknown → 403 (esimgo.md §1.2).
    pub fn esim_index(&self, raw: &str) -> Result<usize, ApiError> {
        let iccid = raw.trim();
        if iccid.is_empty() || !iccid.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ApiError::bad_request("Invalid ICCID"));
        }
        self.esim_index
            .get(iccid)
            .copied()
            .ok_or_else(|| ApiError::forbidden("eSIM not accessible"))
    }

    pub fn order_index(&self, reference: &str) -> Option<usize> {
        self.order_index.get(reference).copied()
    }

    pub fn order(&self, reference: &str) -> Result<&Order, ApiError> {
        self.order_index(reference)
            .and_then(|i| self.orders.get(i))
            .ok_or_else(|| ApiError::bad_request("Order not found"))
    }

    pub fn esim(&self, idx: usize) -> Result<&Esim, ApiError> {
        self.esims
            .get(idx)
            .ok_or_else(|| ApiError::internal("eSIM index out of range"))
    }

    pub fn esim_mut(&mut self, idx: usize) -> Result<&mut Esim, ApiError> {
        self.esims
            .get_mut(idx)
            .ok_or_else(|| ApiError::internal("eSIM index out of range"))
    }

    // ------------------------------------------------------------ wire views

    pub fn esim_ref(&self, idx: usize) -> Option<EsimRef> {
        self.esims.get(idx).map(|e| EsimRef {
            iccid: e.iccid.clone(),
            matching_id: e.matching_id.clone(),
            smdp_address: e.smdp_address.clone(),
        })
    }

    pub fn assignment_wire(&self, a: &Assignment) -> AssignmentWire {
        AssignmentWire {
            id: a.id.to_string(),
            call_type_group: "data".to_owned(),
            initial_quantity: a.initial_bytes,
            remaining_quantity: a.remaining_bytes,
            assignment_date_time: rfc3339(a.assigned_at),
            assignment_reference: a.reference.clone(),
            bundle_state: a.state.wire().to_owned(),
            unlimited: a.unlimited,
            start_time: a.started_at.map(rfc3339),
            end_time: a.end_time.map(rfc3339),
        }
    }

    /// An order in the transaction shape; `with_esims` adds `esims` and `iccids` to each line.
    pub fn order_response(&self, order: &Order, with_esims: bool) -> OrderResponse {
        let mut esim_count = 0usize;
        let lines = order
            .lines
            .iter()
            .map(|l| {
                esim_count += l.esims.len();
                let iccids: Vec<String> = l
                    .esims
                    .iter()
                    .filter_map(|&i| self.esims.get(i).map(|e| e.iccid.clone()))
                    .collect();
                let esims: Vec<EsimRef> = if order.inline_esims {
                    l.esims.iter().filter_map(|&i| self.esim_ref(i)).collect()
                } else {
                    Vec::new()
                };
                OrderLineResponse {
                    esims: with_esims.then_some(esims),
                    kind: l.kind.wire().to_owned(),
                    item: l.item.clone(),
                    iccids: with_esims.then_some(iccids),
                    quantity: l.quantity,
                    sub_total: Major(l.price_per_unit_cents * i64::from(l.quantity)),
                    price_per_unit: Major(l.price_per_unit_cents),
                    allow_reassign: l.allow_reassign,
                }
            })
            .collect();
        let status_message = if order.assigned {
            format!("Order completed: {esim_count} eSIMs assigned")
        } else {
            "Order completed: bundles added to inventory".to_owned()
        };
        OrderResponse {
            order: lines,
            total: Major(order.total_cents),
            currency: CURRENCY.to_owned(),
            status: "completed".to_owned(),
            status_message,
            order_reference: order.reference.clone(),
            created_date: rfc3339(order.created),
            assigned: order.assigned,
            source_ip: order.source_ip.clone(),
        }
    }
}
