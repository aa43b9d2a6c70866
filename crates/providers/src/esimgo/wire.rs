//! eSIM Go v2.4 wire types, field names exactly as in the wire reference (`esimgo.md`).
//! Private to the adapter; mapped to core types in `map.rs`.
//!
//! Reading rules (esimgo.md §1.2): unknown fields are ignored, absent optional fields stay absent
//! (never zero), and numbers are read from their exact JSON text (money never goes through
//! `f64`). Where the reference documents two shapes (catalogue envelope or bare array, organisation
//! envelope or bare object, `bundleState`/`bundleStatus`), both are accepted here.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;

// ---------------------------------------------------------------------------------------------
// Numbers

/// Money is in major units (`2.28`); the schema calls some fields `integer` but examples carry
/// decimals: read exactly by the crate's shared [`Number`].
pub(super) use crate::json_number::{Number, parse_decimal};

/// A string id that some replies send as a number (`assignments[].id` is numeric text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Id(pub String);

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(d)?;
        let text = raw.get().trim();
        if text.starts_with('"') {
            let s: String = serde_json::from_str(text).map_err(D::Error::custom)?;
            Ok(Id(s))
        } else if parse_decimal(text).is_some() {
            Ok(Id(text.to_owned()))
        } else {
            Err(D::Error::custom("expected a string or number id"))
        }
    }
}

/// The first non-blank byte of a JSON text: `[` or `{` decide between documented shapes.
pub(super) fn first_byte(body: &[u8]) -> Option<u8> {
    body.iter().copied().find(|b| !b.is_ascii_whitespace())
}

// ---------------------------------------------------------------------------------------------
// Catalogue (§4)

/// `GET /catalogue`, object form: `{"bundles": [...], "pageCount", "rows", "pageSize"}`. The
/// bare-array form is read as `Vec<Box<RawValue>>`. Bundles stay raw so that one unreadable
/// bundle is skipped, not the whole page.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CataloguePage {
    #[serde(default)]
    pub bundles: Vec<Box<RawValue>>,
    pub page_count: Option<u32>,
    pub rows: Option<u64>,
}

/// A catalogue bundle (§4.1; §4.2 without `groups`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Bundle {
    pub name: String,
    pub description: Option<String>,
    #[serde(default)]
    pub countries: Option<Vec<CountryEntry>>,
    /// MB (decimal: 1 MB = 1,000,000 bytes); `-1` or meaningless when `unlimited`.
    pub data_amount: Option<Number>,
    /// Days.
    pub duration: Option<Number>,
    #[serde(default)]
    pub speed: Option<Vec<String>>,
    pub autostart: Option<bool>,
    pub unlimited: Option<bool>,
    #[serde(default)]
    pub roaming_enabled: Option<Vec<CountryEntry>>,
    /// Major units of the organisation currency (the catalogue carries no currency).
    pub price: Option<Number>,
}

/// `{name, region, iso}`, or on `/catalogue/bundle/{name}` sometimes
/// `{"country": {name, region, iso}, "networks": [...]}` (§4.2).
#[derive(Debug, Deserialize)]
pub(super) struct CountryEntry {
    pub region: Option<String>,
    pub iso: Option<String>,
    pub country: Option<Box<CountryEntry>>,
}

impl CountryEntry {
    /// The `{name, region, iso}` part, whichever form it came in.
    pub(super) fn inner(&self) -> &CountryEntry {
        match &self.country {
            Some(c) if self.iso.is_none() => c,
            _ => self,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Organisation (§5.1)

/// `GET /organisation`: `{"organisations": [{...}]}` (seen live) or the bare object (schema).
/// `apiKey` is deliberately not a field: it is never read, kept or logged.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct OrganisationReply {
    pub organisations: Option<Vec<Organisation>>,
    pub currency: Option<String>,
    pub balance: Option<Number>,
    pub test_credit: Option<Number>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Organisation {
    pub currency: Option<String>,
    pub balance: Option<Number>,
    pub test_credit: Option<Number>,
}

// ---------------------------------------------------------------------------------------------
// Orders (§6)

/// `POST /orders` body. The line array is spelled `order` (§6.1, §15.1).
#[derive(Debug, Serialize)]
pub(super) struct OrderRequest<'a> {
    #[serde(rename = "type")]
    pub kind: OrderType,
    pub assign: bool,
    pub order: Vec<OrderRequestLine<'a>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum OrderType {
    Validate,
    Transaction,
}

#[derive(Debug, Serialize)]
pub(super) struct OrderRequestLine<'a> {
    /// Always `"bundle"`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub quantity: u32,
    pub item: &'a str,
    /// Target eSIMs for a top-up (length = quantity); omitted for new eSIMs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iccids: Option<Vec<&'a str>>,
    /// Always `false`: an incompatible top-up must fail, not land on a new eSIM silently.
    #[serde(rename = "allowReassign")]
    pub allow_reassign: bool,
}

/// The reply of `POST /orders` (validate or transaction), `GET /orders/{ref}`, and each item of
/// `GET /orders`. One type for all: every field is optional.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Order {
    #[serde(default)]
    pub order: Option<Vec<OrderLine>>,
    pub total: Option<Number>,
    pub valid: Option<bool>,
    pub currency: Option<String>,
    /// `createDate` in the schema's `Order` type.
    #[serde(alias = "createDate")]
    pub created_date: Option<String>,
    pub status: Option<String>,
    pub status_message: Option<String>,
    pub order_reference: Option<String>,
}

/// A reply line. Lines of orders created by bundle applies have `type: "bundleAssignment"`.
/// `AllowReassign` (capital A in replies) is not needed and not read.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct OrderLine {
    #[serde(default)]
    pub esims: Option<Vec<EsimCredentials>>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub item: Option<String>,
    #[serde(default)]
    pub iccids: Option<Vec<String>>,
    pub quantity: Option<Number>,
    pub sub_total: Option<Number>,
    pub price_per_unit: Option<Number>,
}

/// `order[].esims[]`, and the JSON form of `GET /esims/assignments` (§9.1).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct EsimCredentials {
    pub iccid: Option<String>,
    pub matching_id: Option<String>,
    pub smdp_address: Option<String>,
}

/// `GET /orders`: `{"orders": [...], "pageCount", "rows", "pageSize"}` (assumed, §6.2) or a bare
/// array. Orders stay raw so one unreadable order does not hide the others.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct OrderList {
    #[serde(default)]
    pub orders: Vec<Box<RawValue>>,
    pub page_count: Option<u32>,
}

// ---------------------------------------------------------------------------------------------
// eSIMs (§7)

/// `GET /esims` (§7.1), with the paging fields next to `esims` (assumed, as the catalogue).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct EsimList {
    #[serde(default)]
    pub esims: Vec<EsimListItem>,
    pub page_count: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct EsimListItem {
    pub iccid: Option<String>,
    pub customer_ref: Option<String>,
}

/// `PUT /esims` body (§7.3): the desk's reference on the eSIM.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct UpdateEsim<'a> {
    pub iccid: &'a str,
    pub customer_ref: &'a str,
}

/// `GET /esims/{iccid}` (§7.2); only what the desk uses.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct EsimDetails {
    pub profile_status: Option<String>,
    /// The reference some desk stored with `PUT /esims` (§7.3); empty or absent when none.
    pub customer_ref: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Bundles on an eSIM (§8)

/// `GET /esims/{iccid}/bundles`.
#[derive(Debug, Deserialize)]
pub(super) struct EsimBundles {
    #[serde(default)]
    pub bundles: Vec<EsimBundle>,
}

#[derive(Debug, Deserialize)]
pub(super) struct EsimBundle {
    pub name: Option<String>,
    #[serde(default)]
    pub assignments: Vec<Assignment>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Assignment {
    pub id: Option<Id>,
    /// Bytes.
    pub initial_quantity: Option<Number>,
    /// Bytes.
    pub remaining_quantity: Option<Number>,
    pub assignment_date_time: Option<String>,
    pub bundle_state: Option<String>,
    /// The v2.3 changelog's spelling; read when `bundleState` is absent.
    pub bundle_status: Option<String>,
    pub unlimited: Option<bool>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
}

/// `GET /esims/{iccid}/compatible/{bundle}` (§12).
#[derive(Debug, Deserialize)]
pub(super) struct Compatibility {
    pub compatible: bool,
}

/// `{"status": "..."}` replies (revoke, update).
#[derive(Debug, Deserialize)]
pub(super) struct StatusMessage {
    pub status: Option<String>,
    pub message: Option<String>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use rust_decimal::Decimal;

    use super::*;

    #[test]
    fn ids_may_be_strings_or_numbers() {
        let id: Id = serde_json::from_str("\"215009266\"").unwrap();
        assert_eq!(id.0, "215009266");
        let id: Id = serde_json::from_str("215009266").unwrap();
        assert_eq!(id.0, "215009266");
        assert!(serde_json::from_str::<Id>("{}").is_err());
    }

    #[test]
    fn catalogue_envelope_from_the_reference() {
        let json = r#"{
          "bundles": [
            {"name": "esim_1GB_7D_NL_V2", "description": "eSIM, 1GB, 7 Days, Netherlands, V2",
             "groups": ["Standard Fixed"],
             "countries": [{"name": "Netherlands", "region": "Europe", "iso": "NL"}],
             "dataAmount": 1000, "duration": 7, "speed": ["4G", "5G"], "autostart": true,
             "unlimited": false, "roamingEnabled": [], "price": 1.65, "billingType": "FixedCost"}
          ],
          "pageCount": 4, "rows": 8, "pageSize": 2
        }"#;
        let page: CataloguePage = serde_json::from_str(json).unwrap();
        assert_eq!(page.page_count, Some(4));
        assert_eq!(page.rows, Some(8));
        let bundle: Bundle = serde_json::from_str(page.bundles[0].get()).unwrap();
        assert_eq!(bundle.name, "esim_1GB_7D_NL_V2");
        assert_eq!(bundle.price.unwrap().0, Decimal::new(165, 2));
        assert_eq!(bundle.data_amount.unwrap().as_u64(), Some(1000));
        let countries = bundle.countries.unwrap();
        assert_eq!(countries[0].inner().iso.as_deref(), Some("NL"));
    }

    #[test]
    fn nested_country_form_on_single_bundle() {
        let json = r#"{"name": "esim_1GB_7D_NL_V2",
            "countries": [{"country": {"name": "Netherlands", "region": "Europe", "iso": "NL"},
                           "networks": [{"name": "KPN"}]}],
            "dataAmount": 1000, "duration": 7, "price": 1.65}"#;
        let bundle: Bundle = serde_json::from_str(json).unwrap();
        let countries = bundle.countries.unwrap();
        assert_eq!(countries[0].inner().iso.as_deref(), Some("NL"));
        assert_eq!(countries[0].inner().region.as_deref(), Some("Europe"));
    }

    #[test]
    fn order_request_spells_fields_as_documented() {
        let body = OrderRequest {
            kind: OrderType::Validate,
            assign: true,
            order: vec![OrderRequestLine {
                kind: "bundle",
                quantity: 1,
                item: "esim_1GB_7D_NL_V2",
                iccids: None,
                allow_reassign: false,
            }],
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"type":"validate","assign":true,"order":[{"type":"bundle","quantity":1,"item":"esim_1GB_7D_NL_V2","allowReassign":false}]}"#
        );
        let body = OrderRequest {
            kind: OrderType::Transaction,
            assign: true,
            order: vec![OrderRequestLine {
                kind: "bundle",
                quantity: 1,
                item: "esim_3GB_30D_NL_V2",
                iccids: Some(vec!["8944000100000000017"]),
                allow_reassign: false,
            }],
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"type":"transaction","assign":true,"order":[{"type":"bundle","quantity":1,"item":"esim_3GB_30D_NL_V2","iccids":["8944000100000000017"],"allowReassign":false}]}"#
        );
    }

    #[test]
    fn transaction_reply_from_the_reference() {
        let json = r#"{"order": [{"esims": [{"iccid": "8944000100000000017", "matchingId": "K2-4F7G1H-1J0KLM",
                       "smdpAddress": "smdp.example"}],
            "type": "bundle", "item": "esim_1GB_7D_NL_V2", "iccids": ["8944000100000000017"],
            "quantity": 1, "subTotal": 1.65, "pricePerUnit": 1.65, "AllowReassign": false}],
            "total": 1.65, "currency": "USD", "status": "completed",
            "statusMessage": "Order completed: 1 eSIMs assigned",
            "orderReference": "e268b769-1cb3-4335-aed8-52ecb78425e9",
            "createdDate": "2025-06-01T10:16:02.5Z", "assigned": true, "sourceIP": "203.0.113.7"}"#;
        let order: Order = serde_json::from_str(json).unwrap();
        assert_eq!(order.total.unwrap().0, Decimal::new(165, 2));
        assert_eq!(order.status.as_deref(), Some("completed"));
        let line = &order.order.as_ref().unwrap()[0];
        let esim = &line.esims.as_ref().unwrap()[0];
        assert_eq!(esim.matching_id.as_deref(), Some("K2-4F7G1H-1J0KLM"));
        assert_eq!(line.quantity.unwrap().as_u64(), Some(1));
    }

    #[test]
    fn organisation_in_both_shapes_never_reads_the_key() {
        let live = r#"{"organisations": [{"name": "Demo Travel Desk Ltd", "apiKey": "REDACTED", "currency": "USD",
            "balance": 245.37, "testCredit": 0, "testCreditExpiry": "2025-12-31"}]}"#;
        let reply: OrganisationReply = serde_json::from_str(live).unwrap();
        let org = &reply.organisations.unwrap()[0];
        assert_eq!(org.balance.unwrap().0, Decimal::new(24537, 2));
        let schema = r#"{"name": "Acme", "apiKey": "x", "currency": "EUR", "balance": 10}"#;
        let reply: OrganisationReply = serde_json::from_str(schema).unwrap();
        assert_eq!(reply.currency.as_deref(), Some("EUR"));
        assert!(reply.organisations.is_none());
    }

    #[test]
    fn assignments_read_state_or_status() {
        let json = r#"{"bundles": [{"name": "esim_1GB_7D_NL_V2", "description": "x",
            "assignments": [{"id": "215009266", "callTypeGroup": "data", "initialQuantity": 1000000000,
              "remainingQuantity": 734003200, "assignmentDateTime": "2025-06-01T10:16:02.34523Z",
              "assignmentReference": "e268b769-1cb3-4335-aed8-52ecb78425e9-0", "bundleState": "active",
              "unlimited": false, "startTime": "2025-06-02T08:01:00Z", "endTime": "2025-06-09T08:01:00Z"},
              {"id": 7, "bundleStatus": "queued"}]}]}"#;
        let reply: EsimBundles = serde_json::from_str(json).unwrap();
        let a = &reply.bundles[0].assignments;
        assert_eq!(a[0].remaining_quantity.unwrap().as_u64(), Some(734_003_200));
        assert_eq!(a[0].bundle_state.as_deref(), Some("active"));
        assert_eq!(a[1].bundle_status.as_deref(), Some("queued"));
        assert_eq!(a[1].id.as_ref().unwrap().0, "7");
    }
}
