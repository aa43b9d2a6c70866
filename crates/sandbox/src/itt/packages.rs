//! The packages ITT resells (itt.md §4, §12.1), derived from the shared catalogue generator.
//!
//! Every fixed-data bundle becomes a package of one or two of three suppliers (ITT resells
//! several, §1): the same coverage, data and duration collapse into one package per supplier,
//! priced from the catalogue's cost (USD cents) in BDT with the supplier's margin — so that
//! `supplier_uid: "all"` and one supplier's search differ, and the same plan can come from two
//! suppliers at two prices. Coverage maps to `coverage_type` (§4 `region_type`): a country is
//! `local`, a multi-country region `regional`, the global bundle `global`. Data is in MB of
//! 1024 (`"1 GB"` ↔ `"1024"`, §1). Unlimited bundles are left out: the reference shows no
//! unlimited package, and inventing its `data_amount` would be a guess a client might copy.
//!
//! `package_id` has the reference's shape `<supplier uid>||<region id>||<number>||<supplier
//! key>` (§2). Most packages are rechargeable; each rechargeable one has a top-up twin
//! (`package_type: "topup"`, key ending `-topup`) offered for eSIMs of the same supplier and
//! region (§12.1).

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};

use super::config::CURRENCY;
use super::views::{amount, flag};
use crate::catalogue::{Catalogue, Coverage, DataAllowance};
use crate::ids::fnv1a;

/// One supplier ITT resells.
#[derive(Debug, PartialEq, Eq)]
pub struct Supplier {
    /// `supplier` / `supplier_code` (e.g. `airalo`, the reference's sample).
    pub code: &'static str,
    /// `supplier_uid`, the first part of its package ids.
    pub uid: &'static str,
    /// Price to the partner, in percent of the base price.
    margin_percent: i64,
}

/// The suppliers of the simulated catalogue; the first is the reference's sample supplier.
pub const SUPPLIERS: [Supplier; 3] = [
    Supplier {
        code: "airalo",
        uid: "X1AO00084",
        margin_percent: 100,
    },
    Supplier {
        code: "esimaccess",
        uid: "X1EA00031",
        margin_percent: 94,
    },
    Supplier {
        code: "globalroam",
        uid: "X1GR00012",
        margin_percent: 108,
    },
];

/// Taka per US dollar used to price the catalogue's USD costs.
const BDT_PER_USD: i64 = 122;
/// Days an issued eSIM can wait for its first use (`validity.activation_days`).
pub const ACTIVATION_DAYS: u32 = 365;
/// Days top-ups stay possible (`validity.topup_days`).
pub const TOPUP_DAYS: u32 = 180;
/// Where the sample image URLs point (never fetched).
const IMAGE_HOST: &str = "https://sandbox-itt.example.com/img";

/// `package_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackageKind {
    Sim,
    Topup,
}

/// `coverage_type`, and the `eSim.region_type` a search names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoverageType {
    Local,
    Regional,
    Global,
}

impl CoverageType {
    pub fn wire(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::Regional => "regional",
            Self::Global => "global",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "local" => Some(Self::Local),
            "regional" => Some(Self::Regional),
            "global" => Some(Self::Global),
            _ => None,
        }
    }

    fn of(coverage: Coverage) -> Self {
        match coverage {
            Coverage::Country(_) => Self::Local,
            Coverage::Region(r) if r.code == "RGL" => Self::Global,
            Coverage::Region(_) => Self::Regional,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Package {
    pub id: String,
    pub kind: PackageKind,
    pub supplier: &'static Supplier,
    pub supplier_key: String,
    pub coverage: Coverage,
    /// `region_details.id`, e.g. `spain`.
    pub region_id: String,
    pub data_mb: u64,
    pub validity_days: u32,
    /// Price to the partner in poisha.
    pub price_cents: i64,
    pub rechargeable: bool,
}

impl Package {
    pub fn coverage_type(&self) -> CoverageType {
        CoverageType::of(self.coverage)
    }

    /// `5 GB`, `500 MB`.
    pub fn data_label(&self) -> String {
        if self.data_mb.is_multiple_of(1024) {
            format!("{} GB", self.data_mb / 1024)
        } else {
            format!("{} MB", self.data_mb)
        }
    }

    /// `5 GB - 30 days`.
    pub fn title(&self) -> String {
        let unit = if self.validity_days == 1 {
            "day"
        } else {
            "days"
        };
        format!("{} - {} {unit}", self.data_label(), self.validity_days)
    }

    pub fn covers(&self, country: &str) -> bool {
        self.coverage.countries().iter().any(|c| c.iso == country)
    }

    pub fn region_details(&self) -> Value {
        let country_code = match self.coverage {
            Coverage::Country(c) => Value::from(c.iso),
            // A region has no ISO code; its countries are in `coverage_country`.
            Coverage::Region(_) => Value::Null,
        };
        json!({
            "id": self.region_id,
            "name": self.coverage.name(),
            "country_code": country_code,
            "image": {"width": 512, "height": 512,
                      "url": format!("{IMAGE_HOST}/region/{}.png", self.region_id)},
        })
    }

    pub fn operator_details(&self) -> Value {
        json!({"image": {"width": 512, "height": 512,
                         "url": format!("{IMAGE_HOST}/operator/{}.png", self.supplier.code)}})
    }

    /// `coverage_country`: every country the package works in.
    pub fn coverage_countries(&self) -> Value {
        Value::from(
            self.coverage
                .countries()
                .iter()
                .map(|c| json!({"country_code": c.iso, "name": c.name}))
                .collect::<Vec<_>>(),
        )
    }

    /// A package as search and the top-up list show it (§4). `coverage_country` is added to
    /// each item (the reference's item is cut off after `rechargeable`): without it a client
    /// could not tell which countries a regional package covers before single-package.
    pub fn wire(&self, tracking_id: &str) -> Value {
        json!({
            "tracking_id": tracking_id,
            "package_id": self.id,
            "supplier": self.supplier.code,
            "supplier_uid": self.supplier.uid,
            "supplier_partner_code": format!("{}-1-{}", self.supplier.code,
                                             self.supplier.uid.get(4..).unwrap_or_default()),
            "supplier_key": self.supplier_key,
            "sell_price": amount(self.price_cents),
            "sell_currency": CURRENCY,
            "package_type": match self.kind { PackageKind::Sim => "sim", PackageKind::Topup => "topup" },
            "title": self.title(),
            "data": self.data_label(),
            "package_details": {
                "data_amount": self.data_mb.to_string(),
                "voice_amount": null,
                "text_amount": null,
                "validity_days": self.validity_days.to_string(),
                "is_unlimited": "false",
                "has_fair_usage_policy": false,
            },
            "region_details": self.region_details(),
            "operator_details": self.operator_details(),
            "validity": {"activation_days": ACTIVATION_DAYS, "topup_days": TOPUP_DAYS},
            "coverage_type": self.coverage_type().wire(),
            "coverage_country": self.coverage_countries(),
            "esim_type": "prepaid",
            "plan_type": "data",
            "activation_policy": "first-usage",
            "rechargeable": flag(self.rechargeable),
        })
    }
}

/// Every package and top-up of a run, fixed at start.
#[derive(Debug)]
pub struct Packages {
    items: Vec<Package>,
    index: HashMap<String, usize>,
}

impl Packages {
    pub fn generate(catalogue: &Catalogue) -> Self {
        // (coverage code, MB, days) → (coverage, cheapest cost): versions of a plan collapse.
        let mut plans: BTreeMap<(&'static str, u64, u32), (Coverage, i64)> = BTreeMap::new();
        for b in catalogue.bundles() {
            let DataAllowance::Fixed(mb) = b.data else {
                continue;
            };
            // The catalogue counts 1 GB as 1000 MB; ITT's are 1024 (§1).
            let mb = if mb.is_multiple_of(1000) {
                mb / 1000 * 1024
            } else {
                mb
            };
            plans
                .entry((b.coverage.code(), mb, b.duration_days))
                .and_modify(|(_, c)| *c = (*c).min(b.price_cents))
                .or_insert((b.coverage, b.price_cents));
        }
        let mut items = Vec::new();
        let mut number = 1_000_u32;
        for ((code, mb, days), (coverage, cost)) in plans {
            let region_id = slug(coverage.name());
            let plan = format!("{code}-{mb}-{days}");
            let hash = fnv1a(&plan);
            let primary = usize::try_from(hash % 3).unwrap_or(0);
            let mut offered = vec![primary];
            if hash.is_multiple_of(5) {
                offered.push((primary + 1) % SUPPLIERS.len());
            }
            for s in offered {
                let Some(supplier) = SUPPLIERS.get(s) else {
                    continue;
                };
                number += 1;
                let key = format!("{region_id}-{}-{days}days", data_key(mb));
                let price_cents = bdt_cents(cost, supplier, &key);
                let rechargeable = fnv1a(&format!("{}{key}", supplier.uid)) % 4 != 3;
                let sim = Package {
                    id: format!("{}||{region_id}||{number}||{key}", supplier.uid),
                    kind: PackageKind::Sim,
                    supplier,
                    supplier_key: key.clone(),
                    coverage,
                    region_id: region_id.clone(),
                    data_mb: mb,
                    validity_days: days,
                    price_cents,
                    rechargeable,
                };
                if rechargeable {
                    let topup_key = format!("{key}-topup");
                    items.push(Package {
                        id: format!(
                            "{}||{region_id}||{}||{topup_key}",
                            supplier.uid,
                            number + 100_000
                        ),
                        kind: PackageKind::Topup,
                        supplier_key: topup_key,
                        // Top-ups cost less than a new eSIM.
                        price_cents: (price_cents * 9 / 10).max(100),
                        rechargeable: false,
                        ..sim.clone()
                    });
                }
                items.push(sim);
            }
        }
        let index = items
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.clone(), i))
            .collect();
        Self { items, index }
    }

    pub fn get(&self, id: &str) -> Option<&Package> {
        self.index.get(id).and_then(|&i| self.items.get(i))
    }

    pub fn all(&self) -> &[Package] {
        &self.items
    }

    /// eSIM packages (no top-ups).
    pub fn sims(&self) -> impl Iterator<Item = &Package> {
        self.items.iter().filter(|p| p.kind == PackageKind::Sim)
    }

    /// The top-ups for an eSIM of `package`: same supplier, same region.
    pub fn topups_for<'a>(&'a self, package: &'a Package) -> impl Iterator<Item = &'a Package> {
        self.items.iter().filter(move |p| {
            p.kind == PackageKind::Topup
                && p.supplier.uid == package.supplier.uid
                && p.region_id == package.region_id
        })
    }
}

/// `1gb`, `500mb`: the data part of a supplier key.
fn data_key(mb: u64) -> String {
    if mb.is_multiple_of(1024) {
        format!("{}gb", mb / 1024)
    } else {
        format!("{mb}mb")
    }
}

/// `Europe+` → `europe-plus`, `Korea, Republic of` → `korea-republic-of`.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for ch in name.replace('+', " plus").chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

/// The partner price in poisha of a catalogue cost in US cents: converted, the supplier's
/// margin applied, and the poisha drawn from the key so that prices exercise two decimals.
fn bdt_cents(usd_cents: i64, supplier: &Supplier, key: &str) -> i64 {
    let taka = usd_cents.saturating_mul(BDT_PER_USD) * supplier.margin_percent / 100 / 100;
    let poisha = i64::try_from(fnv1a(&format!("{}{key}", supplier.code)) % 100).unwrap_or(0);
    taka.max(1) * 100 + poisha
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn packages_are_deterministic_and_shaped_like_the_reference() {
        let cat = crate::catalogue::generate(9, 500).unwrap();
        let a = Packages::generate(&cat);
        let b = Packages::generate(&cat);
        assert_eq!(a.all(), b.all());
        for p in a.all() {
            let parts: Vec<&str> = p.id.split("||").collect();
            assert_eq!(parts.len(), 4, "{}", p.id);
            assert_eq!(parts[0], p.supplier.uid);
            assert_eq!(parts[1], p.region_id);
            assert!(parts[2].parse::<u32>().is_ok());
            assert_eq!(parts[3], p.supplier_key);
            assert!(p.price_cents >= 100);
        }
        for s in &SUPPLIERS {
            assert!(a.sims().any(|p| p.supplier == s), "{}", s.code);
        }
        for t in [
            CoverageType::Local,
            CoverageType::Regional,
            CoverageType::Global,
        ] {
            assert!(a.sims().any(|p| p.coverage_type() == t), "{t:?}");
        }
        let es = a
            .sims()
            .find(|p| p.region_id == "spain" && p.data_mb == 3072 && p.validity_days == 30)
            .unwrap();
        assert_eq!(es.title(), "3 GB - 30 days");
        assert!(es.covers("ES"));
        let ids: std::collections::HashSet<&str> = a.all().iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids.len(), a.all().len());
        assert!(a.all().iter().any(|p| p.kind == PackageKind::Topup));
        assert!(a.sims().any(|p| !p.rechargeable));
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("Europe+"), "europe-plus");
        assert_eq!(slug("Korea, Republic of"), "korea-republic-of");
        assert_eq!(slug("Spain"), "spain");
        assert_eq!(data_key(5120), "5gb");
        assert_eq!(data_key(500), "500mb");
    }
}
