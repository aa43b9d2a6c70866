//! The product catalogue (truphone.md §4): `GET /v2/products` and `GET /v2/products/{id}`.
//!
//! Derivation from the shared catalogue generator: every fixed-data bundle whose coverage has
//! a Truphone footprint becomes a product — Europe (`EU`, `EUP`) → `EUROPE`, the global bundle →
//! `GLOBAL`, the United States → `USA` (open point 2: only `footprint_code` is documented, and
//! these three are the values the reference names; an adapter keeps its own map from footprint
//! to countries). Bundles of one footprint, data and duration collapse into one product. Data is
//! in `MB` of 1024 (`5GB` → `5120`, as §4 counts), duration in `DAYS` (open point 8). Prices are
//! in EUR (the reference's examples), the catalogue's cost with a margin, ending in `9` cents.
//!
//! SIM types vary so that a client's `ESIM` filter matters: most products are `["ESIM"]`, every
//! third one `["ESIM", "PSIM"]`, and every fourth has a twin for physical SIMs only
//! (`["PSIM"]`, "… (physical SIM)").

use std::collections::{BTreeMap, HashMap};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::Uri;
use serde_json::{Value, json};

use super::Ctx;
use super::error::{Query, TruphoneError};
use super::listing::Paging;
use super::model::SimType;
use super::views::Base;
use crate::catalogue::{Bundle, Catalogue, Coverage, DataAllowance};
use crate::ids::{Minter, fnv1a};
use crate::money::Major;

/// The currency of every Truphone price (the reference's examples are in EUR).
pub const CURRENCY: &str = "EUR";
/// base64url, the alphabet of the reference's product and subscription ids.
pub const B64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// One product as the simulator keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    pub id: String,
    pub name: String,
    pub sim_types: Vec<SimType>,
    pub duration_days: u32,
    /// Allowance in MB of 1024² bytes.
    pub data_mb: u64,
    /// EUR cents.
    pub price_cents: i64,
    pub footprint: &'static str,
}

impl Product {
    /// The allowance in bytes (1 MB = 1 048 576 bytes, §4).
    pub fn bytes(&self) -> u64 {
        self.data_mb.saturating_mul(1024 * 1024)
    }

    pub fn supports(&self, sim_type: SimType) -> bool {
        self.sim_types.contains(&sim_type)
    }

    pub fn wire(&self, base: &Base) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "sim_type": self.sim_types.iter().map(|t| t.wire()).collect::<Vec<_>>(),
            "duration": self.duration_days,
            "duration_unit": "DAYS",
            "data": self.data_mb,
            "data_unit": "MB",
            "price": Major(self.price_cents),
            "price_currency": CURRENCY,
            "footprint_code": self.footprint,
            "_metadata": {"links": {"_self": base.product(&self.id)}},
        })
    }
}

/// Every product, by footprint, data and duration; fixed for a run.
#[derive(Debug)]
pub struct Products {
    items: Vec<Product>,
    index: HashMap<String, usize>,
}

impl Products {
    pub fn generate(seed: u64, catalogue: &Catalogue) -> Self {
        // (footprint, MB, days) → the cheapest bundle's cost, so versions collapse.
        let mut plans: BTreeMap<(&'static str, u64, u32), i64> = BTreeMap::new();
        for bundle in catalogue.bundles() {
            if let Some((footprint, data_mb)) = plan_of(bundle) {
                plans
                    .entry((footprint, data_mb, bundle.duration_days))
                    .and_modify(|c| *c = (*c).min(bundle.price_cents))
                    .or_insert(bundle.price_cents);
            }
        }
        let mut items = Vec::new();
        for (i, ((footprint, data_mb, days), cost)) in plans.into_iter().enumerate() {
            let name = plan_name(footprint, data_mb, days);
            let price_cents = eur_cents(cost);
            let sim_types = if i % 3 == 1 {
                vec![SimType::Esim, SimType::Psim]
            } else {
                vec![SimType::Esim]
            };
            items.push(Product {
                id: product_id(seed, &name),
                name: name.clone(),
                sim_types,
                duration_days: days,
                data_mb,
                price_cents,
                footprint,
            });
            if i % 4 == 0 {
                let name = format!("{name} (physical SIM)");
                items.push(Product {
                    id: product_id(seed, &name),
                    name,
                    sim_types: vec![SimType::Psim],
                    duration_days: days,
                    data_mb,
                    price_cents: price_cents + 200,
                    footprint,
                });
            }
        }
        let index = items
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.clone(), i))
            .collect();
        Self { items, index }
    }

    pub fn get(&self, id: &str) -> Option<&Product> {
        self.index.get(id).and_then(|&i| self.items.get(i))
    }

    pub fn all(&self) -> &[Product] {
        &self.items
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }
}

/// The footprint and Truphone allowance of a bundle, if Truphone sells its coverage.
fn plan_of(bundle: &Bundle) -> Option<(&'static str, u64)> {
    let DataAllowance::Fixed(mb) = bundle.data else {
        return None;
    };
    let footprint = match bundle.coverage {
        Coverage::Region(r) if matches!(r.code, "EU" | "EUP") => "EUROPE",
        Coverage::Region(r) if r.code == "RGL" => "GLOBAL",
        Coverage::Country(c) if c.iso == "US" => "USA",
        _ => return None,
    };
    // The catalogue counts 1 GB as 1000 MB; Truphone's MB are 1024 to the GB (§4).
    let data_mb = if mb.is_multiple_of(1000) {
        mb / 1000 * 1024
    } else {
        mb
    };
    Some((footprint, data_mb))
}

fn plan_name(footprint: &str, data_mb: u64, days: u32) -> String {
    let place = match footprint {
        "EUROPE" => "Europe",
        "GLOBAL" => "Global",
        other => other,
    };
    let data = if data_mb.is_multiple_of(1024) {
        format!("{}GB", data_mb / 1024)
    } else {
        format!("{data_mb}MB")
    };
    let unit = if days == 1 { "day" } else { "days" };
    format!("{place} {data} {days} {unit}")
}

/// A stable id from the seed and the product's name: 43 base64url characters and `=`, the
/// shape of the reference's ids (`wp-_bXku…7FM=`).
fn product_id(seed: u64, name: &str) -> String {
    let mut id = Minter::new(seed, fnv1a(name)).chars(43, B64URL);
    id.push('=');
    id
}

/// The EUR price in cents for a catalogue cost in USD cents: +30 %, rounded up to the next
/// ten cents less one (`12.39`), so that prices exercise two decimals.
fn eur_cents(usd_cents: i64) -> i64 {
    let raw = usd_cents.saturating_mul(130) / 100;
    (((raw + 9) / 10) * 10 - 1).max(99)
}

/// `GET /v2/products?page=&page_size=`.
pub async fn list(
    State(app): State<Ctx>,
    base: Base,
    uri: Uri,
) -> Result<Json<Value>, TruphoneError> {
    let paging = Paging::parse(&Query::parse(uri.query()))?;
    let items: Vec<Value> = app
        .sim
        .products()
        .all()
        .iter()
        .map(|p| p.wire(&base))
        .collect();
    Ok(Json(paging.envelope(items, &base.url("/v2/products"), &[])))
}

/// `GET /v2/products/{id}`: one list item.
pub async fn one(
    State(app): State<Ctx>,
    base: Base,
    Path(id): Path<String>,
) -> Result<Json<Value>, TruphoneError> {
    app.sim
        .products()
        .get(&id)
        .map(|p| Json(p.wire(&base)))
        .ok_or_else(|| TruphoneError::not_found("product", &id))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn products_are_deterministic_and_varied() {
        let cat = crate::catalogue::generate(9, 500).unwrap();
        let a = Products::generate(9, &cat);
        let b = Products::generate(9, &cat);
        assert_eq!(a.all(), b.all());
        assert!(a.len() > 5);
        for footprint in ["EUROPE", "GLOBAL", "USA"] {
            assert!(
                a.all().iter().any(|p| p.footprint == footprint),
                "{footprint}"
            );
        }
        assert!(a.all().iter().any(|p| p.sim_types == [SimType::Psim]));
        assert!(a.all().iter().any(|p| p.sim_types.len() == 2));
        let ids: std::collections::HashSet<&str> = a.all().iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids.len(), a.len());
        assert!(
            a.all()
                .iter()
                .all(|p| p.id.len() == 44 && p.id.ends_with('='))
        );
        let eu5 = a
            .all()
            .iter()
            .find(|p| p.name == "Europe 5GB 30 days")
            .unwrap();
        assert_eq!(eu5.data_mb, 5120);
        assert_eq!(eu5.bytes(), 5 * 1024 * 1024 * 1024);
    }

    #[test]
    fn prices_end_in_nine_cents() {
        assert_eq!(eur_cents(1000), 1299);
        assert_eq!(eur_cents(10), 99);
        assert_eq!(eur_cents(953), 1239);
    }
}
