//! Hand-listed popular travel destinations, for generating test catalogues.
//!
//! Each entry: ISO 3166-1 alpha-2 code, English short name, the region name as eSIM Go writes it
//! in `countries[].region`, and a cost tier (1 = cheap data, 4 = expensive) that drives prices.

/// One destination country.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountryInfo {
    pub iso: &'static str,
    pub name: &'static str,
    pub region: &'static str,
    pub cost_tier: u8,
}

const fn c(
    iso: &'static str,
    name: &'static str,
    region: &'static str,
    cost_tier: u8,
) -> CountryInfo {
    CountryInfo {
        iso,
        name,
        region,
        cost_tier,
    }
}

pub const EUROPE: &str = "Europe";
pub const ASIA: &str = "Asia";
pub const MIDDLE_EAST: &str = "Middle East";
pub const AFRICA: &str = "Africa";
pub const NORTH_AMERICA: &str = "North America";
pub const SOUTH_AMERICA: &str = "South America";
pub const CENTRAL_AMERICA: &str = "Central America";
pub const CARIBBEAN: &str = "Caribbean";
pub const OCEANIA: &str = "Oceania";

/// The destinations, most popular first.
pub const COUNTRIES: &[CountryInfo] = &[
    c("FR", "France", EUROPE, 1),
    c("ES", "Spain", EUROPE, 1),
    c("IT", "Italy", EUROPE, 1),
    c("GB", "United Kingdom", EUROPE, 1),
    c("US", "United States", NORTH_AMERICA, 2),
    c("DE", "Germany", EUROPE, 1),
    c("NL", "Netherlands", EUROPE, 1),
    c("PT", "Portugal", EUROPE, 1),
    c("GR", "Greece", EUROPE, 1),
    c("TR", "Turkey", EUROPE, 2),
    c("JP", "Japan", ASIA, 3),
    c("TH", "Thailand", ASIA, 2),
    c("AE", "United Arab Emirates", MIDDLE_EAST, 3),
    c("MX", "Mexico", NORTH_AMERICA, 2),
    c("CA", "Canada", NORTH_AMERICA, 3),
    c("AT", "Austria", EUROPE, 1),
    c("CH", "Switzerland", EUROPE, 2),
    c("BE", "Belgium", EUROPE, 1),
    c("IE", "Ireland", EUROPE, 1),
    c("HR", "Croatia", EUROPE, 1),
    c("PL", "Poland", EUROPE, 1),
    c("CZ", "Czechia", EUROPE, 1),
    c("HU", "Hungary", EUROPE, 1),
    c("SE", "Sweden", EUROPE, 1),
    c("NO", "Norway", EUROPE, 2),
    c("DK", "Denmark", EUROPE, 1),
    c("FI", "Finland", EUROPE, 1),
    c("IS", "Iceland", EUROPE, 2),
    c("MT", "Malta", EUROPE, 1),
    c("CY", "Cyprus", EUROPE, 1),
    c("RO", "Romania", EUROPE, 1),
    c("BG", "Bulgaria", EUROPE, 1),
    c("EG", "Egypt", AFRICA, 2),
    c("MA", "Morocco", AFRICA, 2),
    c("ZA", "South Africa", AFRICA, 3),
    c("KE", "Kenya", AFRICA, 3),
    c("TZ", "Tanzania", AFRICA, 3),
    c("IL", "Israel", MIDDLE_EAST, 2),
    c("JO", "Jordan", MIDDLE_EAST, 3),
    c("SA", "Saudi Arabia", MIDDLE_EAST, 3),
    c("QA", "Qatar", MIDDLE_EAST, 3),
    c("CN", "China", ASIA, 3),
    c("HK", "Hong Kong", ASIA, 2),
    c("SG", "Singapore", ASIA, 2),
    c("MY", "Malaysia", ASIA, 2),
    c("ID", "Indonesia", ASIA, 2),
    c("VN", "Viet Nam", ASIA, 2),
    c("KR", "Korea, Republic of", ASIA, 3),
    c("IN", "India", ASIA, 2),
    c("LK", "Sri Lanka", ASIA, 2),
    c("PH", "Philippines", ASIA, 3),
    c("TW", "Taiwan", ASIA, 2),
    c("AU", "Australia", OCEANIA, 3),
    c("NZ", "New Zealand", OCEANIA, 3),
    c("BR", "Brazil", SOUTH_AMERICA, 3),
    c("AR", "Argentina", SOUTH_AMERICA, 3),
    c("CL", "Chile", SOUTH_AMERICA, 3),
    c("PE", "Peru", SOUTH_AMERICA, 3),
    c("CO", "Colombia", SOUTH_AMERICA, 3),
    c("CR", "Costa Rica", CENTRAL_AMERICA, 3),
    c("DO", "Dominican Republic", CARIBBEAN, 4),
    c("JM", "Jamaica", CARIBBEAN, 4),
];

/// A multi-country coverage area sold as one regional bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegionInfo {
    /// The code used in bundle names (`esim_5GB_30D_EU_V2`); never an assigned ISO alpha-2 code.
    pub code: &'static str,
    /// English name used in descriptions.
    pub name: &'static str,
    /// Which countries it covers: those whose region is in `regions`, plus `extra`, minus `except`.
    pub regions: &'static [&'static str],
    pub extra: &'static [&'static str],
    pub except: &'static [&'static str],
    pub cost_tier: u8,
}

/// Regional bundle coverages.
pub const REGIONS: &[RegionInfo] = &[
    RegionInfo {
        code: "EU",
        name: "Europe",
        regions: &[EUROPE],
        extra: &[],
        except: &["CH", "TR", "NO", "IS", "GB"],
        cost_tier: 1,
    },
    RegionInfo {
        code: "EUP",
        name: "Europe+",
        regions: &[EUROPE],
        extra: &[],
        except: &[],
        cost_tier: 2,
    },
    RegionInfo {
        code: "RNA",
        name: "North America",
        regions: &[NORTH_AMERICA],
        extra: &[],
        except: &[],
        cost_tier: 3,
    },
    RegionInfo {
        code: "RLA",
        name: "Latin America",
        regions: &[SOUTH_AMERICA, CENTRAL_AMERICA],
        extra: &["MX"],
        except: &[],
        cost_tier: 3,
    },
    RegionInfo {
        code: "RAS",
        name: "Asia",
        regions: &[ASIA],
        extra: &[],
        except: &["CN"],
        cost_tier: 3,
    },
    RegionInfo {
        code: "RME",
        name: "Middle East",
        regions: &[MIDDLE_EAST],
        extra: &["EG"],
        except: &[],
        cost_tier: 3,
    },
    RegionInfo {
        code: "RAF",
        name: "Africa",
        regions: &[AFRICA],
        extra: &[],
        except: &[],
        cost_tier: 4,
    },
    RegionInfo {
        code: "ROC",
        name: "Oceania",
        regions: &[OCEANIA],
        extra: &[],
        except: &[],
        cost_tier: 3,
    },
    RegionInfo {
        code: "RCB",
        name: "Caribbean",
        regions: &[CARIBBEAN],
        extra: &[],
        except: &[],
        cost_tier: 4,
    },
    RegionInfo {
        code: "RGL",
        name: "Global",
        regions: &[
            EUROPE,
            ASIA,
            MIDDLE_EAST,
            AFRICA,
            NORTH_AMERICA,
            SOUTH_AMERICA,
            CENTRAL_AMERICA,
            CARIBBEAN,
            OCEANIA,
        ],
        extra: &[],
        except: &[],
        cost_tier: 4,
    },
];

impl RegionInfo {
    /// The covered countries, in the order the generator lists countries.
    pub fn countries(&self) -> Vec<&'static CountryInfo> {
        COUNTRIES
            .iter()
            .filter(|c| {
                (self.regions.contains(&c.region) || self.extra.contains(&c.iso))
                    && !self.except.contains(&c.iso)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_upper_case_and_regions_never_collide_with_countries() {
        let mut seen = std::collections::BTreeSet::new();
        for c in COUNTRIES {
            assert_eq!(c.iso.len(), 2);
            assert!(c.iso.chars().all(|ch| ch.is_ascii_uppercase()));
            assert!(seen.insert(c.iso), "duplicate {}", c.iso);
        }
        for r in REGIONS {
            assert!(seen.insert(r.code), "region code {} collides", r.code);
            assert!(r.countries().len() >= 2, "region {} too small", r.code);
        }
    }

    #[test]
    fn iso_codes_are_known_to_core() {
        for c in COUNTRIES {
            assert!(esimdesk_core::Country::parse(c.iso).is_ok(), "{}", c.iso);
        }
    }
}
