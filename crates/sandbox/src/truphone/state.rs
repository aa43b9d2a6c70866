//! The Truphone simulator's state: tokens, orders, SIMs, subscriptions, and the settings an
//! admin can change while it runs.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use super::SMDP_ADDRESS;
use super::auth::Tokens;
use super::config::{TruphoneConfig, TruphoneFulfilment};
use super::error::TruphoneError;
use super::model::{Order, SimCard, Subscription};
use super::products::{B64URL, Products};
use crate::config::AutoUsage;
use crate::ids::{self, ALNUM, Minter};

/// Issuer prefix of minted ICCIDs: `8944 47…`, as the reference's examples (open point 14).
const ICCID_PREFIX: &str = "894447";
/// Groups of a minted matching id: `6C-DA326D-K86D` (open point 14).
const MATCHING_ID_GROUPS: [usize; 3] = [2, 6, 4];
/// Keeps this simulator's identifiers apart from the other simulators' under one seed.
const MINT_STREAM: u64 = 0x7e1e_5500_0000_0003;

/// Settings of one run, as configured (what a reset returns to).
#[derive(Debug, Clone)]
pub struct Settings {
    pub token_lifetime: Duration,
    pub refresh_token_lifetime: Duration,
    pub fulfilment: TruphoneFulfilment,
    pub vouchers: bool,
    pub auto_usage: Option<AutoUsage>,
    pub seed: u64,
}

impl Settings {
    pub fn new(config: &TruphoneConfig, auto_usage: Option<AutoUsage>, seed: u64) -> Self {
        Self {
            token_lifetime: config.token_lifetime,
            refresh_token_lifetime: config.refresh_token_lifetime,
            fulfilment: config.fulfilment,
            vouchers: config.vouchers,
            auto_usage,
            seed,
        }
    }
}

#[derive(Debug)]
pub struct Truphone {
    pub products: Arc<Products>,
    pub settings: Settings,
    /// How orders created from now on are fulfilled.
    pub fulfilment: TruphoneFulfilment,
    /// Whether completed activations carry a voucher code.
    pub vouchers: bool,
    pub tokens: Tokens,
    minter: Minter,
    next_serial: u64,
    pub orders: Vec<Order>,
    order_index: HashMap<String, usize>,
    pub sims: Vec<SimCard>,
    sim_index: HashMap<String, usize>,
    pub subscriptions: Vec<Subscription>,
    subscription_index: HashMap<String, usize>,
}

impl Truphone {
    pub fn new(settings: Settings, products: Arc<Products>) -> Self {
        Self {
            products,
            fulfilment: settings.fulfilment,
            vouchers: settings.vouchers,
            tokens: Tokens::default(),
            minter: Minter::new(settings.seed, MINT_STREAM),
            next_serial: 1,
            orders: Vec::new(),
            order_index: HashMap::new(),
            sims: Vec::new(),
            sim_index: HashMap::new(),
            subscriptions: Vec::new(),
            subscription_index: HashMap::new(),
            settings,
        }
    }

    /// Forgets everything (tokens too) but the products and the configured settings.
    pub fn reset(&mut self) {
        *self = Self::new(self.settings.clone(), Arc::clone(&self.products));
    }

    // ------------------------------------------------------------ minting

    pub fn mint_uuid(&mut self) -> String {
        self.minter.uuid()
    }

    /// A new eSIM identity: `(iccid, matching id)`.
    pub fn mint_esim(&mut self) -> Result<(String, String), TruphoneError> {
        let serial = self.next_serial;
        self.next_serial += 1;
        let iccid = ids::iccid_padded(ICCID_PREFIX, serial)
            .map_err(|e| TruphoneError::internal(format!("minting ICCID: {e}")))?;
        let matching_id = self.minter.matching_id(&MATCHING_ID_GROUPS);
        // Every minted code must be one our own parser accepts.
        esimdesk_core::ActivationCode::new(SMDP_ADDRESS, &matching_id, None, false)
            .map_err(|e| TruphoneError::internal(format!("minting activation code: {e}")))?;
        Ok((iccid, matching_id))
    }

    /// A subscription id in the reference's base64url shape (`Q-hzHc6E…xuE=`).
    pub fn mint_subscription_id(&mut self) -> String {
        let mut id = self.minter.chars(43, B64URL);
        id.push('=');
        id
    }

    /// A voucher code like the reference's `A54G2W` (§5.5).
    pub fn mint_voucher(&mut self) -> String {
        self.minter.chars(6, ALNUM)
    }

    // ------------------------------------------------------------ adding

    pub fn add_order(&mut self, order: Order) -> usize {
        let idx = self.orders.len();
        self.order_index.insert(order.id.clone(), idx);
        self.orders.push(order);
        idx
    }

    pub fn add_sim(&mut self, sim: SimCard) -> usize {
        let idx = self.sims.len();
        self.sim_index.insert(sim.iccid.clone(), idx);
        self.sims.push(sim);
        idx
    }

    /// Adds a subscription and puts it on its SIM.
    pub fn add_subscription(&mut self, sub: Subscription) -> Result<usize, TruphoneError> {
        let idx = self.subscriptions.len();
        let sim = sub.sim;
        self.subscription_index.insert(sub.id.clone(), idx);
        self.subscriptions.push(sub);
        self.sims
            .get_mut(sim)
            .ok_or_else(|| TruphoneError::internal("a subscription on no SIM"))?
            .subscriptions
            .push(idx);
        Ok(idx)
    }

    // ------------------------------------------------------------ lookups

    pub fn order_index(&self, id: &str) -> Option<usize> {
        self.order_index.get(id).copied()
    }

    pub fn sim_index(&self, iccid: &str) -> Option<usize> {
        self.sim_index.get(iccid).copied()
    }

    pub fn subscription_index(&self, id: &str) -> Option<usize> {
        self.subscription_index.get(id).copied()
    }

    pub fn order(&self, idx: usize) -> Result<&Order, TruphoneError> {
        self.orders
            .get(idx)
            .ok_or_else(|| TruphoneError::internal("order index out of range"))
    }

    pub fn order_mut(&mut self, idx: usize) -> Result<&mut Order, TruphoneError> {
        self.orders
            .get_mut(idx)
            .ok_or_else(|| TruphoneError::internal("order index out of range"))
    }

    pub fn sim(&self, idx: usize) -> Result<&SimCard, TruphoneError> {
        self.sims
            .get(idx)
            .ok_or_else(|| TruphoneError::internal("SIM index out of range"))
    }
}
