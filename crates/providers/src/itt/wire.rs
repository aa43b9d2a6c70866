//! ITT's wire format (itt.md): request bodies and the parts of replies the desk reads. Values
//! the reference marks as damaged or loosely typed are read with [`super::lenient`]; identifiers
//! and the envelope are strict. Unknown fields are ignored.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::lenient;

/// §1: the two credential headers (note ITT's spelling `secretecode`).
pub(super) const API_KEY_HEADER: &str = "apikey";
pub(super) const SECRET_CODE_HEADER: &str = "secretecode";

/// §1: every path is `/esim/<operation>` under the base URL.
pub(super) const PATH_PREFIX: &str = "esim";
/// §3: the three paths the seed confirms (the others are in `assumed.rs`).
pub(super) const SEARCH_PATH: &str = "search";
pub(super) const SINGLE_PACKAGE_PATH: &str = "single-esim-package";
pub(super) const CREATE_BOOKING_PATH: &str = "create-booking";

/// §1, §14: the envelope's `status` on success.
pub(super) const SUCCESS: &str = "success";
/// §4: every supplier.
pub(super) const ALL_SUPPLIERS: &str = "all";

// ---------------------------------------------------------------------------------------------
// Requests

/// §4.
#[derive(Debug, Serialize)]
pub(super) struct Search<'a> {
    #[serde(rename = "eSim")]
    pub esim: SearchCriteria,
    pub supplier_uid: &'a str,
    pub language: &'a str,
}

#[derive(Debug, Serialize)]
pub(super) struct SearchCriteria {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    pub plan_type: &'static str,
}

/// §5.
#[derive(Debug, Serialize)]
pub(super) struct SinglePackage<'a> {
    pub tracking_id: &'a str,
    pub package_id: &'a str,
}

/// §6.
#[derive(Debug, Serialize)]
pub(super) struct UpdateTravellers<'a> {
    pub booking_tracking_id: &'a str,
    pub member_id: &'a str,
    pub save_pax: &'a str,
    pub passenger: Vec<Passenger<'a>>,
}

#[derive(Debug, Serialize)]
pub(super) struct Passenger<'a> {
    pub pax_id: &'a str,
    pub pax_type: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_no: Option<String>,
    pub email_address: &'a str,
}

/// §7.
#[derive(Debug, Serialize)]
pub(super) struct CreateBooking<'a> {
    pub booking_tracking_id: &'a str,
    pub member_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_no: Option<String>,
    pub email_address: &'a str,
    pub payment_type: &'a str,
}

/// §8.
#[derive(Debug, Serialize)]
pub(super) struct BookingLookup<'a> {
    pub member_id: &'a str,
    pub tracking_id: &'a str,
    pub booking_id: &'a str,
}

/// §9, §11, §12.1, §12.3: one eSIM of a booking.
#[derive(Debug, Serialize)]
pub(super) struct EsimCall<'a> {
    pub member_id: &'a str,
    pub tracking_id: &'a str,
    #[serde(rename = "eSim_iccid")]
    pub esim_iccid: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_language: Option<&'a str>,
}

/// §12.2.
#[derive(Debug, Serialize)]
pub(super) struct CreateTopUpBooking<'a> {
    pub member_id: &'a str,
    pub tracking_id: &'a str,
    #[serde(rename = "eSim_iccid")]
    pub esim_iccid: &'a str,
    pub package_id: &'a str,
    pub payment_type: &'a str,
}

/// §10.
#[derive(Debug, Serialize)]
pub(super) struct Devices<'a> {
    pub member_id: MemberId<'a>,
}

/// §2: `member_id` appears as a string and as a number.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub(super) enum MemberId<'a> {
    Number(u64),
    Text(&'a str),
}

// ---------------------------------------------------------------------------------------------
// Replies

/// §4 (and §12.1, same envelope): packages are kept raw and read one by one, so that one that
/// cannot be read is skipped rather than failing the list.
#[derive(Debug, Deserialize)]
pub(super) struct PackageList {
    #[serde(default)]
    pub tracking_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::raw_items")]
    pub data: Vec<Box<RawValue>>,
}

/// §4: one package.
#[derive(Debug, Deserialize)]
pub(super) struct Package {
    pub package_id: String,
    #[serde(default, deserialize_with = "lenient::text")]
    pub supplier: Option<String>,
    #[serde(default, deserialize_with = "lenient::number")]
    pub sell_price: Option<Decimal>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub sell_currency: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub data: Option<String>,
    #[serde(default)]
    pub package_details: Option<PackageDetails>,
    #[serde(default)]
    pub region_details: Option<RegionDetails>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub coverage_type: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub activation_policy: Option<String>,
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub rechargeable: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct PackageDetails {
    #[serde(default, deserialize_with = "lenient::number")]
    pub data_amount: Option<Decimal>,
    #[serde(default, deserialize_with = "lenient::number")]
    pub validity_days: Option<Decimal>,
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub is_unlimited: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RegionDetails {
    #[serde(default, deserialize_with = "lenient::text")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub country_code: Option<String>,
}

/// §5.
#[derive(Debug, Deserialize)]
pub(super) struct SinglePackageReply {
    /// The booking tracking id.
    #[serde(default)]
    pub tracking_id: Option<String>,
    #[serde(default)]
    pub data: Option<PriceFields>,
    #[serde(default)]
    pub price: Option<PriceFields>,
}

#[derive(Debug, Deserialize)]
pub(super) struct PriceFields {
    #[serde(default, deserialize_with = "lenient::number")]
    pub sell_price: Option<Decimal>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub sell_currency: Option<String>,
}

/// §7, §12.2: a booking as create-booking / create-topup-booking answer it.
#[derive(Debug, Deserialize)]
pub(super) struct BookingReply {
    #[serde(default)]
    pub tracking_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub booking_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub booking_status: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub reason: Option<String>,
    #[serde(default, deserialize_with = "lenient::number")]
    pub total_price: Option<Decimal>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub currency: Option<String>,
}

/// §8. eSIMs are kept raw and read one by one (one unreadable eSIM is a note, not a failure).
#[derive(Debug, Deserialize)]
pub(super) struct BookingDetails {
    #[serde(default, deserialize_with = "lenient::text")]
    pub booking_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub booking_status: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub reason: Option<String>,
    #[serde(default)]
    pub package: Option<BookedPackage>,
    #[serde(default, deserialize_with = "lenient::raw_items")]
    pub esims: Vec<Box<RawValue>>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub created_at: Option<String>,
    #[serde(default, deserialize_with = "lenient::number")]
    pub total_price: Option<Decimal>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub currency: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct BookedPackage {
    #[serde(default)]
    pub package_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::number")]
    pub sell_price: Option<Decimal>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub sell_currency: Option<String>,
}

/// §8: one eSIM of a booking.
#[derive(Debug, Deserialize)]
pub(super) struct Esim {
    #[serde(default, deserialize_with = "lenient::text")]
    pub iccid: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub lpa: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub matching_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub qrcode: Option<String>,
}

/// §9.
#[derive(Debug, Deserialize)]
pub(super) struct InstructionsReply {
    pub data: Instructions,
}

#[derive(Debug, Deserialize)]
pub(super) struct Instructions {
    #[serde(default, deserialize_with = "lenient::text")]
    pub language: Option<String>,
    #[serde(default, deserialize_with = "lenient::items")]
    pub ios: Vec<serde_json::Value>,
    #[serde(default, deserialize_with = "lenient::items")]
    pub android: Vec<serde_json::Value>,
}

/// §10.
#[derive(Debug, Deserialize)]
pub(super) struct DevicesReply {
    #[serde(default, deserialize_with = "lenient::items")]
    pub data: Vec<Device>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Device {
    #[serde(default, deserialize_with = "lenient::text")]
    pub brand: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub model: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub os: Option<String>,
}

/// §11.
#[derive(Debug, Deserialize)]
pub(super) struct UsageReply {
    pub data: Usage,
}

#[derive(Debug, Deserialize)]
pub(super) struct Usage {
    #[serde(default, deserialize_with = "lenient::text")]
    pub iccid: Option<String>,
    #[serde(default, deserialize_with = "lenient::number")]
    pub total: Option<Decimal>,
    #[serde(default, deserialize_with = "lenient::number")]
    pub remaining: Option<Decimal>,
    #[serde(default, deserialize_with = "lenient::number")]
    pub used: Option<Decimal>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub unit: Option<String>,
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub is_unlimited: Option<bool>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub esim_status: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub expired_at: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub updated_at: Option<String>,
}

/// §12.3.
#[derive(Debug, Deserialize)]
pub(super) struct TopUpHistory {
    #[serde(default, deserialize_with = "lenient::items")]
    pub data: Vec<TopUpRecord>,
}

#[derive(Debug, Deserialize)]
pub(super) struct TopUpRecord {
    #[serde(default, deserialize_with = "lenient::text")]
    pub booking_id: Option<String>,
    #[serde(default)]
    pub package_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::number")]
    pub sell_price: Option<Decimal>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub sell_currency: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub booking_status: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub created_at: Option<String>,
}
