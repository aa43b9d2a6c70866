//! Product offerings (telness.md §4): the one Travel eSIM subscription offering and the data
//! packages, derived deterministically from the shared catalogue generator. Served by
//! [`super::listing`].
//!
//! Derivation: every fixed-data bundle of the catalogue becomes a package (versions of the same
//! coverage, data and days collapse into one; unlimited bundles are left out — the reference has
//! no unlimited package). Data becomes megabytes of 1024 (`5GB` → `dataMb: 5120`, §1); the
//! price, in EUR, is the catalogue's cost with a reseller margin, ending in `.49` or `.99`; one
//! package in eight carries a 10 % discount so that `netPrice` and `grossPrice` differ.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use serde_json::Value;

use crate::catalogue::{Bundle, Catalogue, Coverage, DataAllowance};
use crate::ids::{Minter, fnv1a};
use crate::money::Major;

/// The currency of every Telness price (the reference's examples are in EUR).
pub const CURRENCY: &str = "EUR";
/// Category of the subscription (the eSIM container) and of its data packages.
pub const CATEGORY_SUBSCRIPTION: &str = "TRAVEL_ESIM";
pub const CATEGORY_PACKAGE: &str = "TRAVEL_ESIM_PACKAGE";
/// Fixed creation instant of the generated offerings (informational field).
const CREATED_AT: &str = "2025-01-01T00:00:00Z";

/// What a package's validity starts with (§2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ActivationType {
    /// Validity starts when the order is submitted.
    Instant,
    /// Validity starts when the device first attaches.
    FirstUse,
}

/// One offering as the simulator keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offering {
    pub id: String,
    pub product_id: String,
    pub name: String,
    pub description: String,
    /// What it covers, by name (`Europe`, `France`); empty for the subscription.
    pub coverage: &'static str,
    /// `SUBSCRIPTION` or `SUBSCRIPTION_ADDON`.
    pub kind: &'static str,
    pub category: &'static str,
    pub data_mb: u64,
    pub validity_days: u32,
    pub countries: Vec<&'static str>,
    pub regions: Vec<&'static str>,
    pub activation: ActivationType,
    pub gross_cents: i64,
    pub discount_cents: i64,
}

impl Offering {
    pub fn net_cents(&self) -> i64 {
        self.gross_cents - self.discount_cents
    }

    /// A data package (`TRAVEL_ESIM_PACKAGE`), not the subscription.
    pub fn is_package(&self) -> bool {
        self.category == CATEGORY_PACKAGE
    }

    /// The allowance in bytes (1 MB = 1024² bytes, §1).
    pub fn limit_bytes(&self) -> u64 {
        self.data_mb.saturating_mul(1024 * 1024)
    }

    pub fn wire(&self) -> OfferingWire {
        let package = self.is_package();
        OfferingWire {
            product_offering_id: self.id.clone(),
            status: "AVAILABLE",
            name: self.name.clone(),
            description: self.description.clone(),
            rich_content: format!("<p>{}</p>", self.description),
            customer_type: "CONSUMER",
            product_id: self.product_id.clone(),
            product: ProductWire {
                product_id: self.product_id.clone(),
                internal_name: self.product_id.to_ascii_uppercase(),
                kind: self.kind,
                category: self.category,
                network_provider_id: "sandbox-network",
                features: package.then(|| FeaturesWire {
                    data_mb: self.data_mb,
                    validity_days: self.validity_days,
                    countries: self.countries.clone(),
                    regions: self.regions.clone(),
                    activation_type: self.activation,
                }),
            },
            price: PriceWire {
                gross_price: Major(self.gross_cents),
                discount: Major(self.discount_cents),
                net_price: Major(self.net_cents()),
                currency: CURRENCY,
                price_type: "ONE_TIME",
                tax_included: true,
            },
            created_at: CREATED_AT,
            updated_at: CREATED_AT,
            metadata: serde_json::Map::new(),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OfferingWire {
    product_offering_id: String,
    status: &'static str,
    name: String,
    description: String,
    rich_content: String,
    customer_type: &'static str,
    product_id: String,
    product: ProductWire,
    price: PriceWire,
    created_at: &'static str,
    updated_at: &'static str,
    metadata: serde_json::Map<String, Value>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ProductWire {
    product_id: String,
    internal_name: String,
    #[serde(rename = "type")]
    kind: &'static str,
    category: &'static str,
    network_provider_id: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    features: Option<FeaturesWire>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct FeaturesWire {
    data_mb: u64,
    validity_days: u32,
    countries: Vec<&'static str>,
    regions: Vec<&'static str>,
    activation_type: ActivationType,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PriceWire {
    gross_price: Major,
    discount: Major,
    net_price: Major,
    currency: &'static str,
    price_type: &'static str,
    tax_included: bool,
}

/// Every offering, the subscription first, then packages by coverage, data and days.
#[derive(Debug)]
pub struct Offerings {
    items: Vec<Offering>,
    index: HashMap<String, usize>,
}

impl Offerings {
    pub fn generate(seed: u64, catalogue: &Catalogue) -> Self {
        let mut items = vec![subscription_offering(seed)];
        let mut seen = HashSet::new();
        let mut packages: Vec<Offering> = catalogue
            .bundles()
            .iter()
            .filter_map(|b| package_offering(seed, b))
            .filter(|o| seen.insert(o.product_id.clone()))
            .collect();
        packages.sort_by_key(|o| (o.coverage, o.data_mb, o.validity_days));
        items.extend(packages);
        let index = items
            .iter()
            .enumerate()
            .map(|(i, o)| (o.id.clone(), i))
            .collect();
        Self { items, index }
    }

    pub fn get(&self, id: &str) -> Option<&Offering> {
        self.index.get(id).and_then(|&i| self.items.get(i))
    }

    pub fn all(&self) -> &[Offering] {
        &self.items
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }
}

/// A stable UUID for an offering: from the seed and its product id only.
fn offering_id(seed: u64, product_id: &str) -> String {
    Minter::new(seed, fnv1a(product_id)).uuid()
}

fn subscription_offering(seed: u64) -> Offering {
    let product_id = "prd_travel_esim".to_owned();
    Offering {
        id: offering_id(seed, &product_id),
        product_id,
        name: "Travel eSIM".to_owned(),
        description: "The Travel eSIM: an eSIM profile that carries data packages".to_owned(),
        coverage: "",
        kind: "SUBSCRIPTION",
        category: CATEGORY_SUBSCRIPTION,
        data_mb: 0,
        validity_days: 0,
        countries: Vec::new(),
        regions: Vec::new(),
        activation: ActivationType::Instant,
        gross_cents: 0,
        discount_cents: 0,
    }
}

/// The seed's region of a regional coverage; `None` for regions Telness does not sell
/// (Middle East, Africa). `NORTH_AMERICA` is the reference example's extra value (§2).
fn telness_region(code: &str) -> Option<&'static str> {
    match code {
        "EU" | "EUP" => Some("EUROPE"),
        "RNA" => Some("NORTH_AMERICA"),
        "RLA" | "RCB" => Some("AMERICAS"),
        "RAS" | "ROC" => Some("ASIA_PACIFIC"),
        "RGL" => Some("GLOBAL"),
        _ => None,
    }
}

fn package_offering(seed: u64, bundle: &Bundle) -> Option<Offering> {
    let DataAllowance::Fixed(mb) = bundle.data else {
        return None;
    };
    // The catalogue counts 1 GB as 1000 MB; Telness as 1024 MB (§1).
    let (data_mb, data_label) = if mb % 1000 == 0 {
        (mb / 1000 * 1024, format!("{} GB", mb / 1000))
    } else {
        (mb, format!("{mb} MB"))
    };
    let regions = match bundle.coverage {
        Coverage::Country(_) => Vec::new(),
        Coverage::Region(r) => vec![telness_region(r.code)?],
    };
    let code = bundle.coverage.code().to_ascii_lowercase();
    let days = bundle.duration_days;
    let product_id = format!(
        "prd_{code}_{}_{days}d",
        data_label.replace(' ', "").to_ascii_lowercase()
    );
    let hash = fnv1a(&product_id) ^ seed;
    let day_word = if days == 1 { "day" } else { "days" };
    let coverage = bundle.coverage.name();
    let gross_cents = gross_eur_cents(bundle.price_cents);
    let discount_cents = if hash.rotate_left(17).is_multiple_of(8) {
        (gross_cents / 10).max(1)
    } else {
        0
    };
    Some(Offering {
        id: offering_id(seed, &product_id),
        name: format!("{coverage} {data_label} / {days} {day_word}"),
        description: format!("{data_label} of data for {days} {day_word} in {coverage}"),
        coverage,
        product_id,
        kind: "SUBSCRIPTION_ADDON",
        category: CATEGORY_PACKAGE,
        data_mb,
        validity_days: days,
        countries: bundle.countries.iter().map(|c| c.iso).collect(),
        regions,
        activation: if hash.is_multiple_of(4) {
            ActivationType::Instant
        } else {
            ActivationType::FirstUse
        },
        gross_cents,
        discount_cents,
    })
}

/// The retail price in EUR cents for a catalogue cost in USD cents: +24 %, rounded up to the
/// next `.49` or `.99`.
fn gross_eur_cents(usd_cents: i64) -> i64 {
    let raw = usd_cents.saturating_mul(124) / 100;
    (((raw + 49) / 50) * 50 - 1).max(99)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn prices_end_in_49_or_99() {
        assert_eq!(gross_eur_cents(1000), 1249);
        assert_eq!(gross_eur_cents(10), 99);
        assert_eq!(gross_eur_cents(1209), 1499);
    }

    #[test]
    fn derived_offerings_are_deterministic_and_well_formed() {
        let cat = crate::catalogue::generate(9, 500).unwrap();
        let a = Offerings::generate(9, &cat);
        let b = Offerings::generate(9, &cat);
        assert_eq!(a.all(), b.all());
        assert_eq!(a.all()[0].category, CATEGORY_SUBSCRIPTION);
        let packages: Vec<&Offering> = a.all().iter().filter(|o| o.is_package()).collect();
        assert!(packages.len() > 100);
        let ids: HashSet<&str> = a.all().iter().map(|o| o.id.as_str()).collect();
        assert_eq!(ids.len(), a.len());
        assert!(packages.iter().any(|o| o.discount_cents > 0));
        assert!(
            packages
                .iter()
                .any(|o| o.activation == ActivationType::Instant)
        );
        assert!(packages.iter().any(|o| !o.regions.is_empty()));
        let eu5 = packages
            .iter()
            .find(|o| o.product_id == "prd_eu_5gb_30d")
            .unwrap();
        assert_eq!(eu5.data_mb, 5120);
        assert_eq!(eu5.regions, ["EUROPE"]);
        assert_eq!(eu5.name, "Europe 5 GB / 30 days");
        assert!(eu5.countries.contains(&"ES"));
    }
}
