//! Deterministic catalogue generator: a seed and a size always give the same bundles.
//!
//! Bundle names follow eSIM Go's pattern `esim_<data>_<days>D_<ISO or region>_<version>`, e.g.
//! `esim_5GB_30D_FR_V2`, `esim_UL_7D_EU_V2` (unlimited lite), `esim_10GB_30D_RAS_U`. Regional
//! codes (`EU`, `EUP`, `RNA`, `RAS`, ...) are never assigned ISO alpha-2 codes.
//!
//! The generator first emits a fixed core set (popular countries, one regional and unlimited
//! bundles: every catalogue has at least three countries, a regional and an unlimited bundle), then
//! fills up from tiers of (coverage × product), each tier shuffled with a ChaCha8 stream seeded
//! from the seed. A bundle's price depends only on the seed and its name, so a smaller catalogue
//! of the same seed is a subset of a larger one with identical prices.

pub mod countries;

use std::collections::{HashMap, HashSet};

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::ids::fnv1a;

pub use countries::{COUNTRIES, CountryInfo, REGIONS, RegionInfo};

/// Smallest catalogue the generator makes.
pub const MIN_SIZE: usize = 50;
/// Largest catalogue the generator makes.
pub const MAX_SIZE: usize = 100_000;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CatalogueError {
    #[error("catalogue size {0} is out of range ({MIN_SIZE}..={MAX_SIZE})")]
    Size(usize),
}

/// The three unlimited tiers, as eSIM Go's groups name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnlimitedKind {
    Lite,
    Essential,
    Plus,
}

impl UnlimitedKind {
    const ALL: [UnlimitedKind; 3] = [Self::Lite, Self::Essential, Self::Plus];

    fn name_part(self) -> &'static str {
        match self {
            Self::Lite => "UL",
            Self::Essential => "ULE",
            Self::Plus => "ULP",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Lite => "Unlimited Lite",
            Self::Essential => "Unlimited Essential",
            Self::Plus => "Unlimited Plus",
        }
    }

    /// High-speed data per day, in MB (reported as the assignment quantity).
    pub fn daily_quota_mb(self) -> u64 {
        match self {
            Self::Lite => 1_000,
            Self::Essential => 2_000,
            Self::Plus => 5_000,
        }
    }

    fn usd_per_day(self) -> f64 {
        match self {
            Self::Lite => 1.45,
            Self::Essential => 2.2,
            Self::Plus => 3.3,
        }
    }
}

/// How much data a bundle carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataAllowance {
    /// Megabytes (1 MB = 1 000 000 bytes).
    Fixed(u64),
    Unlimited(UnlimitedKind),
}

/// What a bundle covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coverage {
    Country(&'static CountryInfo),
    Region(&'static RegionInfo),
}

impl Coverage {
    pub fn code(self) -> &'static str {
        match self {
            Self::Country(c) => c.iso,
            Self::Region(r) => r.code,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Country(c) => c.name,
            Self::Region(r) => r.name,
        }
    }

    fn cost_tier(self) -> u8 {
        match self {
            Self::Country(c) => c.cost_tier,
            Self::Region(r) => r.cost_tier,
        }
    }

    pub fn countries(self) -> Vec<&'static CountryInfo> {
        match self {
            Self::Country(c) => vec![c],
            Self::Region(r) => r.countries(),
        }
    }
}

/// One sellable bundle.
#[derive(Debug, Clone, PartialEq)]
pub struct Bundle {
    pub name: String,
    pub description: String,
    pub groups: Vec<String>,
    pub coverage: Coverage,
    /// Base countries.
    pub countries: Vec<&'static CountryInfo>,
    /// Further countries where it works.
    pub roaming: Vec<&'static CountryInfo>,
    pub data: DataAllowance,
    pub duration_days: u32,
    pub speed: Vec<&'static str>,
    pub autostart: bool,
    /// Cost to the organisation in US cents.
    pub price_cents: i64,
    /// The name's last part: `V2`, `U`, `V3`, ...
    pub version: &'static str,
}

impl Bundle {
    pub fn unlimited(&self) -> bool {
        matches!(self.data, DataAllowance::Unlimited(_))
    }

    /// `dataAmount` as the catalogue reports it: MB, or `-1` for unlimited bundles.
    pub fn data_amount_mb(&self) -> i64 {
        match self.data {
            DataAllowance::Fixed(mb) => i64::try_from(mb).unwrap_or(i64::MAX),
            DataAllowance::Unlimited(_) => -1,
        }
    }

    /// Bytes an assignment of this bundle starts with (the daily quota for unlimited ones).
    pub fn initial_bytes(&self) -> u64 {
        let mb = match self.data {
            DataAllowance::Fixed(mb) => mb,
            DataAllowance::Unlimited(kind) => kind.daily_quota_mb(),
        };
        mb.saturating_mul(1_000_000)
    }

    /// The network profile family this bundle runs on: `U` bundles use a different one from the
    /// `V*` bundles, so they cannot be applied to each other's eSIMs.
    pub fn profile_family(&self) -> &'static str {
        if self.version == "U" { "U" } else { "V" }
    }
}

/// A generated catalogue, sorted by name.
#[derive(Debug, Clone)]
pub struct Catalogue {
    seed: u64,
    bundles: Vec<Bundle>,
    index: HashMap<String, usize>,
}

impl Catalogue {
    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn bundles(&self) -> &[Bundle] {
        &self.bundles
    }

    pub fn len(&self) -> usize {
        self.bundles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bundles.is_empty()
    }

    pub fn get(&self, name: &str) -> Option<&Bundle> {
        self.index.get(name).and_then(|&i| self.bundles.get(i))
    }

    /// Distinct group names, sorted.
    pub fn groups(&self) -> Vec<String> {
        let mut groups: Vec<String> = self
            .bundles
            .iter()
            .flat_map(|b| b.groups.iter().cloned())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        groups.sort();
        groups
    }
}

const FIXED_MB: [u64; 15] = [
    500, 1_000, 2_000, 3_000, 5_000, 8_000, 10_000, 15_000, 20_000, 25_000, 30_000, 40_000, 50_000,
    75_000, 100_000,
];
const FIXED_DAYS: [u32; 15] = [1, 3, 5, 7, 10, 14, 15, 21, 30, 45, 60, 90, 120, 180, 365];
const UNLIMITED_DAYS: [u32; 10] = [1, 2, 3, 5, 7, 10, 14, 15, 21, 30];
/// Version tiers, in the order the generator draws from them.
const VERSIONS: [&str; 6] = ["V2", "U", "V3", "V4", "V5", "V6"];

type Product = (DataAllowance, u32);

fn products() -> Vec<Product> {
    let mut out = Vec::with_capacity(FIXED_MB.len() * FIXED_DAYS.len() + 30);
    for mb in FIXED_MB {
        for days in FIXED_DAYS {
            out.push((DataAllowance::Fixed(mb), days));
        }
    }
    for kind in UnlimitedKind::ALL {
        for days in UNLIMITED_DAYS {
            out.push((DataAllowance::Unlimited(kind), days));
        }
    }
    out
}

fn coverages() -> Vec<Coverage> {
    COUNTRIES
        .iter()
        .map(Coverage::Country)
        .chain(REGIONS.iter().map(Coverage::Region))
        .collect()
}

fn coverage_by_code(code: &str) -> Option<Coverage> {
    coverages().into_iter().find(|c| c.code() == code)
}

/// Bundles every catalogue starts with (all `V2`).
const CORE_SET: &[(&str, DataAllowance, u32)] = &[
    ("NL", DataAllowance::Fixed(1_000), 7),
    ("NL", DataAllowance::Fixed(3_000), 30),
    ("FR", DataAllowance::Fixed(1_000), 7),
    ("FR", DataAllowance::Fixed(5_000), 30),
    ("FR", DataAllowance::Unlimited(UnlimitedKind::Lite), 7),
    ("GB", DataAllowance::Fixed(1_000), 7),
    ("GB", DataAllowance::Fixed(5_000), 30),
    ("US", DataAllowance::Fixed(1_000), 7),
    ("US", DataAllowance::Fixed(10_000), 30),
    ("US", DataAllowance::Unlimited(UnlimitedKind::Essential), 7),
    ("ES", DataAllowance::Fixed(3_000), 30),
    ("IT", DataAllowance::Fixed(5_000), 30),
    ("DE", DataAllowance::Fixed(3_000), 30),
    ("JP", DataAllowance::Fixed(5_000), 15),
    ("JP", DataAllowance::Unlimited(UnlimitedKind::Plus), 10),
    ("TH", DataAllowance::Fixed(10_000), 15),
    ("AE", DataAllowance::Fixed(3_000), 7),
    ("EU", DataAllowance::Fixed(1_000), 7),
    ("EU", DataAllowance::Fixed(5_000), 30),
    ("EU", DataAllowance::Unlimited(UnlimitedKind::Lite), 7),
    ("RGL", DataAllowance::Fixed(1_000), 7),
    ("RAS", DataAllowance::Fixed(3_000), 30),
];

/// Generates the catalogue for `seed` with exactly `size` bundles (`50..=100_000`).
pub fn generate(seed: u64, size: usize) -> Result<Catalogue, CatalogueError> {
    if !(MIN_SIZE..=MAX_SIZE).contains(&size) {
        return Err(CatalogueError::Size(size));
    }
    let mut picked: Vec<(Coverage, Product, &'static str)> = Vec::with_capacity(size);
    let mut names: HashSet<String> = HashSet::with_capacity(size);
    for &(code, data, days) in CORE_SET {
        if let Some(cov) = coverage_by_code(code) {
            let name = bundle_name(cov, (data, days), "V2");
            if names.insert(name) {
                picked.push((cov, (data, days), "V2"));
            }
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let covs = coverages();
    let prods = products();
    'tiers: for version in VERSIONS {
        let mut tier: Vec<(Coverage, Product)> = covs
            .iter()
            .flat_map(|&c| prods.iter().map(move |&p| (c, p)))
            .collect();
        shuffle(&mut tier, &mut rng);
        for (cov, prod) in tier {
            if picked.len() >= size {
                break 'tiers;
            }
            let name = bundle_name(cov, prod, version);
            if names.insert(name) {
                picked.push((cov, prod, version));
            }
        }
    }
    picked.truncate(size);
    let mut bundles: Vec<Bundle> = picked
        .into_iter()
        .map(|(cov, prod, version)| make_bundle(seed, cov, prod, version))
        .collect();
    bundles.sort_by(|a, b| a.name.cmp(&b.name));
    let index = bundles
        .iter()
        .enumerate()
        .map(|(i, b)| (b.name.clone(), i))
        .collect();
    Ok(Catalogue {
        seed,
        bundles,
        index,
    })
}

fn shuffle<T>(items: &mut [T], rng: &mut ChaCha8Rng) {
    for i in (1..items.len()).rev() {
        let j = rng.random_range(0..=i);
        items.swap(i, j);
    }
}

fn data_name(data: DataAllowance) -> String {
    match data {
        DataAllowance::Fixed(mb) if mb % 1_000 == 0 => format!("{}GB", mb / 1_000),
        DataAllowance::Fixed(mb) => format!("{mb}MB"),
        DataAllowance::Unlimited(kind) => kind.name_part().to_owned(),
    }
}

fn bundle_name(cov: Coverage, (data, days): Product, version: &str) -> String {
    format!("esim_{}_{days}D_{}_{version}", data_name(data), cov.code())
}

fn make_bundle(seed: u64, cov: Coverage, (data, days): Product, version: &'static str) -> Bundle {
    let name = bundle_name(cov, (data, days), version);
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ fnv1a(&name));
    let label = match data {
        DataAllowance::Fixed(_) => data_name(data),
        DataAllowance::Unlimited(kind) => kind.label().to_owned(),
    };
    let day_word = if days == 1 { "Day" } else { "Days" };
    let description = format!(
        "eSIM, {label}, {days} {day_word}, {}, {version}",
        cov.name()
    );
    let group = match data {
        DataAllowance::Fixed(_) if days >= 90 => "Standard Long Duration",
        DataAllowance::Fixed(_) => "Standard Fixed",
        DataAllowance::Unlimited(UnlimitedKind::Lite) => "Standard Unlimited Lite",
        DataAllowance::Unlimited(UnlimitedKind::Essential) => "Standard Unlimited Essential",
        DataAllowance::Unlimited(UnlimitedKind::Plus) => "Standard Unlimited Plus",
    };
    let tier = cov.cost_tier();
    let speed = match tier {
        1 | 2 => vec!["4G", "5G"],
        3 if rng.random_bool(0.6) => vec!["4G", "5G"],
        3 => vec!["3G", "4G"],
        _ => vec!["3G", "4G"],
    };
    let roaming = match cov {
        Coverage::Country(home) if rng.random_bool(0.2) => {
            let neighbours: Vec<&'static CountryInfo> = COUNTRIES
                .iter()
                .filter(|c| c.region == home.region && c.iso != home.iso)
                .collect();
            let take = rng.random_range(1..=2usize).min(neighbours.len());
            let start = if neighbours.is_empty() {
                0
            } else {
                rng.random_range(0..neighbours.len())
            };
            (0..take)
                .filter_map(|k| {
                    neighbours
                        .get((start + k) % neighbours.len().max(1))
                        .copied()
                })
                .collect()
        }
        _ => Vec::new(),
    };
    let price_cents = price_cents(&mut rng, tier, data, days, version);
    Bundle {
        description,
        groups: vec![group.to_owned()],
        countries: cov.countries(),
        coverage: cov,
        roaming,
        data,
        duration_days: days,
        speed,
        autostart: true,
        price_cents,
        version,
        name,
    }
}

#[allow(clippy::cast_possible_truncation)]
fn price_cents(
    rng: &mut ChaCha8Rng,
    tier: u8,
    data: DataAllowance,
    days: u32,
    version: &str,
) -> i64 {
    let tier_factor = match tier {
        1 => 1.0,
        2 => 1.45,
        3 => 2.3,
        _ => 3.6,
    };
    let days_f = f64::from(days);
    let base = match data {
        DataAllowance::Fixed(mb) => {
            let gb = (mb as f64) / 1000.0;
            let volume = 1.5 * gb.powf(0.82);
            let validity = (1.0 + 0.08 * (days_f / 7.0).log2()).max(0.9);
            volume * validity
        }
        DataAllowance::Unlimited(kind) => kind.usd_per_day() * days_f.powf(0.82),
    };
    let version_factor = match version {
        "V2" => 1.0,
        "U" => 0.92,
        _ => 1.04,
    };
    let jitter = rng.random_range(0.94..1.06);
    let usd = (base * tier_factor * version_factor * jitter).max(0.5);
    (usd * 100.0).round() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_is_checked() {
        assert_eq!(generate(1, 49).err(), Some(CatalogueError::Size(49)));
        assert_eq!(
            generate(1, 100_001).err(),
            Some(CatalogueError::Size(100_001))
        );
    }

    #[test]
    fn exact_size_unique_names_and_core_set() {
        let cat = generate(7, 50).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(cat.len(), 50);
        let names: HashSet<&str> = cat.bundles().iter().map(|b| b.name.as_str()).collect();
        assert_eq!(names.len(), 50);
        assert!(cat.get("esim_1GB_7D_NL_V2").is_some());
        assert!(cat.get("esim_UL_7D_EU_V2").is_some());
        assert!(cat.bundles().iter().any(|b| b.unlimited()));
        assert!(cat.bundles().iter().any(|b| b.countries.len() > 1));
    }

    #[test]
    fn names_follow_the_pattern() {
        let cat = generate(3, 2_000).unwrap_or_else(|e| panic!("{e}"));
        for b in cat.bundles() {
            let parts: Vec<&str> = b.name.split('_').collect();
            assert_eq!(parts.len(), 5, "{}", b.name);
            assert_eq!(parts[0], "esim");
            assert!(parts[2].ends_with('D'));
            assert!(b.price_cents >= 50);
            assert!(!b.countries.is_empty());
        }
    }

    #[test]
    fn smaller_catalogue_is_a_subset_with_equal_prices() {
        let small = generate(11, 300).unwrap_or_else(|e| panic!("{e}"));
        let big = generate(11, 5_000).unwrap_or_else(|e| panic!("{e}"));
        for b in small.bundles() {
            assert_eq!(big.get(&b.name), Some(b));
        }
    }

    #[test]
    fn maximum_size_is_reachable() {
        let cat = generate(5, MAX_SIZE).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(cat.len(), MAX_SIZE);
    }
}
