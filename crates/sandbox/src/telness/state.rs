//! The Telness simulator's state: customers, orders, subscriptions, the idempotency keys, and
//! the lifecycle settings an admin can change while it runs.

use std::collections::HashMap;
use std::sync::Arc;

use super::config::TelnessFulfilment;
use super::error::TelnessError;
use super::idempotency::IdempotencyStore;
use super::model::{Customer, Order, Subscription};
use super::offerings::Offerings;
use super::wire::CustomerType;
use crate::config::AutoUsage;
use crate::ids::{self, Minter};

/// Issuer prefix of minted ICCIDs (`8946…`, §10).
const ICCID_PREFIX: &str = "8946";
/// Prefix of a subscription addressed by the client's own reference (§1).
pub const REFERENCE_PREFIX: &str = "rid_";
/// Keeps this simulator's identifiers apart from the other simulators' under one seed.
const MINT_STREAM: u64 = 0x7e1e_5500_0000_0002;

/// Fixed settings of one run.
#[derive(Debug, Clone)]
pub struct Settings {
    pub customer_id: String,
    pub smdp_address: String,
    pub auto_usage: Option<AutoUsage>,
    pub seed: u64,
    pub fulfilment: TelnessFulfilment,
}

#[derive(Debug)]
pub struct Telness {
    pub offerings: Arc<Offerings>,
    pub settings: Settings,
    pub fulfilment: TelnessFulfilment,
    minter: Minter,
    pub customers: Vec<Customer>,
    customer_index: HashMap<String, usize>,
    pub orders: Vec<Order>,
    order_index: HashMap<String, usize>,
    pub subscriptions: Vec<Subscription>,
    subscription_index: HashMap<String, usize>,
    pub idempotency: IdempotencyStore,
    next_serial: u64,
}

impl Telness {
    pub fn new(settings: Settings, offerings: Arc<Offerings>) -> Self {
        let mut st = Self {
            offerings,
            fulfilment: settings.fulfilment,
            minter: Minter::new(settings.seed, MINT_STREAM),
            customers: Vec::new(),
            customer_index: HashMap::new(),
            orders: Vec::new(),
            order_index: HashMap::new(),
            subscriptions: Vec::new(),
            subscription_index: HashMap::new(),
            idempotency: IdempotencyStore::default(),
            next_serial: 1,
            settings,
        };
        st.add_customer(Customer {
            id: st.settings.customer_id.clone(),
            name: Some("Sandbox Travel Desk".to_owned()),
            customer_type: CustomerType::Business,
            reference_id: None,
            contact: None,
            created_by_order: false,
        });
        st
    }

    /// Forgets everything but the offerings and the configured settings.
    pub fn reset(&mut self) {
        *self = Self::new(self.settings.clone(), Arc::clone(&self.offerings));
    }

    // ------------------------------------------------------------ minting

    pub fn mint_uuid(&mut self) -> String {
        self.minter.uuid()
    }

    /// A fresh SIM identity: `(iccid, matching id, msisdn)`.
    pub fn mint_sim(&mut self) -> Result<(String, String, String), TelnessError> {
        let serial = self.next_serial;
        self.next_serial += 1;
        let iccid = ids::iccid(ICCID_PREFIX, serial)
            .map_err(|e| TelnessError::internal(format!("minting ICCID: {e}")))?;
        let matching_id = self.minter.matching_id(&[2, 5, 6]);
        // Every minted code must be one our own parser accepts.
        esimdesk_core::ActivationCode::new(&self.settings.smdp_address, &matching_id, None, false)
            .map_err(|e| TelnessError::internal(format!("minting activation code: {e}")))?;
        // Swedish mobile numbers (Telness is a Swedish operator): +46 73 …
        let msisdn = format!("4673{:07}", serial % 10_000_000);
        Ok((iccid, matching_id, msisdn))
    }

    pub fn add_customer(&mut self, customer: Customer) -> usize {
        let idx = self.customers.len();
        self.customer_index.insert(customer.id.clone(), idx);
        self.customers.push(customer);
        idx
    }

    pub fn add_order(&mut self, order: Order) -> usize {
        let idx = self.orders.len();
        self.order_index.insert(order.id.clone(), idx);
        self.orders.push(order);
        idx
    }

    pub fn add_subscription(&mut self, sub: Subscription) -> usize {
        let idx = self.subscriptions.len();
        self.subscription_index.insert(sub.id.clone(), idx);
        self.subscriptions.push(sub);
        idx
    }

    // ------------------------------------------------------------ lookups

    pub fn customer_index(&self, id: &str) -> Option<usize> {
        self.customer_index.get(id).copied()
    }

    pub fn order_index(&self, id: &str) -> Result<usize, TelnessError> {
        self.order_index
            .get(id)
            .copied()
            .ok_or_else(|| TelnessError::not_found("order", id))
    }

    pub fn order(&self, idx: usize) -> Result<&Order, TelnessError> {
        self.orders
            .get(idx)
            .ok_or_else(|| TelnessError::internal("order index out of range"))
    }

    pub fn order_mut(&mut self, idx: usize) -> Result<&mut Order, TelnessError> {
        self.orders
            .get_mut(idx)
            .ok_or_else(|| TelnessError::internal("order index out of range"))
    }

    /// A subscription by id, or by the client's reference as `rid_<referenceId>` (§1).
    pub fn subscription_index(&self, address: &str) -> Result<usize, TelnessError> {
        let found = match address.strip_prefix(REFERENCE_PREFIX) {
            Some(reference) => self
                .subscriptions
                .iter()
                .position(|s| s.reference_id.as_deref() == Some(reference)),
            None => self.subscription_index.get(address).copied(),
        };
        found.ok_or_else(|| TelnessError::not_found("subscription", address))
    }

    /// A subscription by id, by `rid_<referenceId>` or by ICCID (for the admin API).
    pub fn find_subscription(&self, key: &str) -> Option<usize> {
        self.subscription_index(key)
            .ok()
            .or_else(|| self.subscriptions.iter().position(|s| s.iccid == key))
    }

    pub fn subscription(&self, idx: usize) -> Result<&Subscription, TelnessError> {
        self.subscriptions
            .get(idx)
            .ok_or_else(|| TelnessError::internal("subscription index out of range"))
    }

    pub fn subscription_mut(&mut self, idx: usize) -> Result<&mut Subscription, TelnessError> {
        self.subscriptions
            .get_mut(idx)
            .ok_or_else(|| TelnessError::internal("subscription index out of range"))
    }

    /// Whether a subscription reference is taken (references are unique per tenant, §9.1).
    pub fn reference_taken(&self, reference: &str) -> bool {
        self.subscriptions
            .iter()
            .any(|s| s.reference_id.as_deref() == Some(reference))
    }
}
