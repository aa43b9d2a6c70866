//! eSIM Go v2.4 wire types: requests parsed strictly (unknown fields are refused, only the
//! aliases that esimgo.md names are accepted) and responses as the reference spells them.

use serde::{Deserialize, Serialize};

use crate::money::Major;

// ---------------------------------------------------------------- requests

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderType {
    Validate,
    Transaction,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum LineType {
    Bundle,
}

/// `POST /orders` body. `Order` is accepted as an alias of `order` (esimgo.md §6.1).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderRequest {
    #[serde(rename = "type")]
    pub kind: OrderType,
    #[serde(default)]
    pub assign: Option<bool>,
    #[serde(alias = "Order")]
    pub order: Vec<OrderLineRequest>,
    // Accepted because the API documents it (unknown fields are refused); the simulator does
    // not act on it.
    #[allow(dead_code)]
    #[serde(rename = "profileID", default)]
    pub profile_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct OrderLineRequest {
    // Accepted because the API documents it (unknown fields are refused); the simulator does
    // not act on it.
    #[allow(dead_code)]
    #[serde(rename = "type")]
    pub kind: LineType,
    pub quantity: i64,
    pub item: String,
    #[serde(default)]
    pub iccids: Option<Vec<String>>,
    #[serde(default)]
    pub allow_reassign: Option<bool>,
}

/// `POST /esims/apply` body: the single form or the list form (esimgo.md §10).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ApplyRequest {
    Single(ApplySingle),
    List(ApplyList),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ApplySingle {
    #[serde(default)]
    pub iccid: Option<String>,
    #[serde(alias = "bundle")]
    pub name: String,
    #[serde(default)]
    pub repeat: Option<i64>,
    #[serde(default)]
    pub allow_reassign: Option<bool>,
    // Accepted because the API documents it (unknown fields are refused); the simulator does
    // not act on it.
    #[allow(dead_code)]
    #[serde(default)]
    pub start_time: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplyList {
    pub bundles: Vec<ApplyListItem>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ApplyListItem {
    Name(String),
    Entry(ApplyListEntry),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ApplyListEntry {
    #[serde(alias = "bundle")]
    pub name: String,
    #[serde(default)]
    pub repeat: Option<i64>,
    // Accepted because the API documents it (unknown fields are refused); the simulator does
    // not act on it.
    #[allow(dead_code)]
    #[serde(default)]
    pub allow_reassign: Option<bool>,
}

/// `POST /inventory/refund` body.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RefundRequest {
    pub usage_id: i64,
    pub quantity: i64,
}

/// `PUT /esims` body.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateEsimRequest {
    #[serde(default)]
    pub iccid: Option<String>,
    #[serde(default)]
    pub customer_ref: Option<String>,
}

/// `POST /esims/{iccid}/sms` body.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsRequest {
    pub message: String,
    #[serde(default)]
    pub from: Option<String>,
}

// ---------------------------------------------------------------- responses

#[derive(Debug, Clone, Serialize)]
pub struct Message {
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub status: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CountryRef {
    pub name: String,
    pub region: String,
    pub iso: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CatalogueBundle {
    pub name: String,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
    pub countries: Vec<CountryRef>,
    pub data_amount: i64,
    pub duration: u32,
    pub speed: Vec<String>,
    pub autostart: bool,
    pub unlimited: bool,
    pub roaming_enabled: Vec<CountryRef>,
    pub price: Major,
    pub billing_type: &'static str,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T: Serialize> {
    #[serde(flatten)]
    pub items: T,
    pub page_count: usize,
    pub rows: usize,
    pub page_size: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct BundlesEnvelope {
    pub bundles: Vec<CatalogueBundle>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OrdersEnvelope {
    pub orders: Vec<OrderResponse>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EsimsEnvelope {
    pub esims: Vec<EsimListItem>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EsimRef {
    pub iccid: String,
    pub matching_id: String,
    pub smdp_address: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderLineResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub esims: Option<Vec<EsimRef>>,
    #[serde(rename = "type")]
    pub kind: String,
    pub item: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iccids: Option<Vec<String>>,
    pub quantity: u32,
    pub sub_total: Major,
    pub price_per_unit: Major,
    #[serde(rename = "AllowReassign")]
    pub allow_reassign: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidateResponse {
    pub order: Vec<OrderLineResponse>,
    pub total: Major,
    pub valid: bool,
    pub currency: String,
    pub created_date: String,
    pub assigned: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderResponse {
    pub order: Vec<OrderLineResponse>,
    pub total: Major,
    pub currency: String,
    pub status: String,
    pub status_message: String,
    pub order_reference: String,
    pub created_date: String,
    pub assigned: bool,
    #[serde(rename = "sourceIP")]
    pub source_ip: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Organisation {
    pub name: String,
    pub api_key: String,
    pub tax_liable: String,
    pub addr1: String,
    pub addr2: String,
    pub city: String,
    pub country: String,
    pub postcode: String,
    pub callback_url: String,
    pub notes: String,
    pub groups: Vec<String>,
    pub currency: String,
    pub balance: Major,
    pub test_credit: Major,
    pub test_credit_expiry: String,
    pub business_type: String,
    pub website: String,
    pub product_description: String,
    pub users: Vec<OrganisationUser>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrganisationUser {
    pub first_name: String,
    pub last_name: String,
    pub role: String,
    pub email_address: String,
    pub phone_number: String,
    pub time_zone: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OrganisationsEnvelope {
    pub organisations: Vec<Organisation>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TopupResponse {
    pub amount: i64,
    pub balance: Major,
    #[serde(rename = "ref")]
    pub reference: u64,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleGroup {
    pub name: String,
    pub desc: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct BundleGroups {
    pub groups: Vec<BundleGroup>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EsimListItem {
    pub iccid: String,
    pub customer_ref: String,
    pub last_action: String,
    pub action_date: String,
    pub physical: bool,
    pub assigned_date: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EsimDetails {
    pub iccid: String,
    pub pin: String,
    pub puk: String,
    pub matching_id: String,
    pub smdp_address: String,
    pub profile_status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_installed_date_time: Option<i64>,
    pub customer_ref: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apple_install_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub android_install_url: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstallDetails {
    pub iccid: String,
    pub matching_id: String,
    pub smdp_address: String,
    pub profile_status: String,
    pub pin: String,
    pub puk: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_installed_date_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apple_install_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub android_install_url: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AssignmentWire {
    pub id: String,
    pub call_type_group: String,
    pub initial_quantity: u64,
    pub remaining_quantity: u64,
    pub assignment_date_time: String,
    pub assignment_reference: String,
    pub bundle_state: String,
    pub unlimited: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EsimBundle {
    pub name: String,
    pub description: String,
    pub assignments: Vec<AssignmentWire>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EsimBundles {
    pub bundles: Vec<EsimBundle>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Assignments {
    pub assignments: Vec<AssignmentWire>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Compatible {
    pub compatible: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryItem {
    pub name: String,
    pub bundle_name: String,
    pub date: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    pub mobile_network_code: String,
    pub network_name: String,
    pub network_brand_name: String,
    pub country: String,
    pub last_seen: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApplyEsim {
    pub iccid: String,
    pub status: String,
    pub bundle: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplyResponse {
    pub esims: Vec<ApplyEsim>,
    pub apply_reference: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct InventoryAvailable {
    pub id: u64,
    pub total: u32,
    pub remaining: u32,
    pub expiry: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Allowance {
    #[serde(rename = "type")]
    pub kind: String,
    pub service: String,
    pub description: String,
    pub amount: i64,
    pub unit: String,
    pub unlimited: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InventoryBundle {
    pub name: String,
    pub desc: String,
    pub use_dms: bool,
    pub available: Vec<InventoryAvailable>,
    pub countries: Vec<String>,
    pub data: i64,
    pub duration: u32,
    pub duration_unit: String,
    pub autostart: bool,
    pub unlimited: bool,
    pub speed: Option<Vec<String>>,
    pub allowances: Vec<Allowance>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Inventory {
    pub bundles: Vec<InventoryBundle>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Network {
    pub name: String,
    pub brand_name: String,
    pub mcc: String,
    pub mnc: String,
    pub tagid: String,
    pub speed: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CountryNetworks {
    pub name: String,
    pub networks: Vec<Network>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Networks {
    pub country_networks: Vec<CountryNetworks>,
}
