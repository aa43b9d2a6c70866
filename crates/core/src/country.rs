//! Countries: ISO 3166-1 alpha-2 codes with English names, from the maintained `keshvar` crate.

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use keshvar::{Alpha2, SubRegion};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use ts_rs::TS;

use crate::region::Region;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CountryError {
    #[error("'{0}' is not an ISO 3166-1 alpha-2 country code")]
    UnknownCode(String),
}

/// A country by its ISO 3166-1 alpha-2 code (two upper-case ASCII letters, checked against
/// keshvar's table on construction).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, TS)]
#[ts(type = "string")]
pub struct Country([u8; 2]);

impl Country {
    /// Parses an alpha-2 code in any case ("fr", "FR"). "UK" is accepted for GB, as providers
    /// and people write it.
    pub fn parse(code: &str) -> Result<Self, CountryError> {
        let upper = code.trim().to_ascii_uppercase();
        let upper = if upper == "UK" {
            "GB".to_owned()
        } else {
            upper
        };
        match (Alpha2::try_from(upper.as_str()), upper.as_bytes()) {
            (Ok(_), &[a, b]) => Ok(Country([a, b])),
            _ => Err(CountryError::UnknownCode(code.trim().to_owned())),
        }
    }

    pub fn code(self) -> String {
        self.as_str().to_owned()
    }

    pub fn as_str(&self) -> &str {
        // Constructed only from two ASCII letters.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }

    fn keshvar(self) -> Option<keshvar::Country> {
        Alpha2::try_from(self.as_str()).ok().map(|a| a.to_country())
    }

    /// The everyday English name ("United Kingdom", "Netherlands"), which keshvar lists first
    /// among its names; the ISO short name is the fallback.
    pub fn name(self) -> &'static str {
        let Some(country) = self.keshvar() else {
            return "";
        };
        let common = country.unofficial_name_list().first().copied();
        common.unwrap_or_else(|| country.iso_short_name())
    }

    /// Every English and local name keshvar knows (for search: "Holland", "USA", "UK").
    pub fn alternative_names(self) -> Vec<&'static str> {
        let Some(country) = self.keshvar() else {
            return Vec::new();
        };
        let mut names = vec![country.iso_short_name()];
        names.extend(country.unofficial_name_list().iter().copied());
        names
    }

    /// The region a country is sold under when a provider does not say.
    pub fn home_region(self) -> Region {
        // Read from keshvar once for all countries: keshvar builds a whole record per call, and a
        // catalogue load asks this for every country of 100,000 offerings.
        static TABLE: OnceLock<Vec<Region>> = OnceLock::new();
        let table = TABLE.get_or_init(|| {
            let mut table = vec![Region::Other; 26 * 26];
            for c in Country::all() {
                if let Some(slot) = c.slot().and_then(|i| table.get_mut(i)) {
                    *slot = c.looked_up_home_region();
                }
            }
            table
        });
        match self.slot().and_then(|i| table.get(i)) {
            Some(region) => *region,
            None => self.looked_up_home_region(),
        }
    }

    /// Where the country sits in a table indexed by its two letters.
    fn slot(self) -> Option<usize> {
        let [a, b] = self.0;
        let letter = |x: u8| x.is_ascii_uppercase().then(|| usize::from(x - b'A'));
        Some(letter(a)? * 26 + letter(b)?)
    }

    fn looked_up_home_region(self) -> Region {
        let Some(country) = self.keshvar() else {
            return Region::Other;
        };
        match country.maybe_subregion() {
            Some(SubRegion::WesternAsia) => return Region::MiddleEast,
            Some(SubRegion::Caribbean) => return Region::Caribbean,
            Some(SubRegion::NorthernAmerica) => return Region::NorthAmerica,
            Some(SubRegion::CentralAmerica | SubRegion::SouthAmerica) => {
                return Region::LatinAmerica;
            }
            _ => {}
        }
        match country.maybe_region() {
            Some(keshvar::Region::Europe) => Region::Europe,
            Some(keshvar::Region::Americas) => Region::Americas,
            Some(keshvar::Region::Asia | keshvar::Region::Oceania) => Region::AsiaPacific,
            Some(keshvar::Region::Africa) => Region::Africa,
            _ => Region::Other,
        }
    }

    /// All countries, ordered by code.
    pub fn all() -> Vec<Country> {
        let mut all: Vec<Country> = keshvar::CountryIterator::new()
            .filter_map(|c| Country::parse(&c.alpha2().to_string()).ok())
            .collect();
        all.sort();
        all
    }
}

/// The home region every one of `countries` shares; `None` when they span several, when there
/// are none, or when it is [`Region::Other`].
pub fn common_home_region(countries: &[Country]) -> Option<Region> {
    let first = countries.first()?.home_region();
    countries
        .iter()
        .all(|c| c.home_region() == first)
        .then_some(first)
        .filter(|r| *r != Region::Other)
}

impl fmt::Debug for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Country({})", self.as_str())
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Country {
    type Err = CountryError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for Country {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.code())
    }
}

impl<'de> Deserialize<'de> for Country {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = String::deserialize(d)?;
        Country::parse(&code).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn parses_codes_in_any_case() {
        assert_eq!(Country::parse("fr").unwrap().code(), "FR");
        assert_eq!(Country::parse("UK").unwrap().code(), "GB");
        assert!(Country::parse("XX").is_err());
        assert!(Country::parse("FRA").is_err());
        assert!(Country::parse("").is_err());
    }

    #[test]
    fn names_are_everyday_english() {
        for (code, name) in [
            ("GB", "United Kingdom"),
            ("NL", "Netherlands"),
            ("US", "United States"),
            ("ES", "Spain"),
        ] {
            assert_eq!(Country::parse(code).unwrap().name(), name);
        }
        assert!(
            Country::parse("GB")
                .unwrap()
                .alternative_names()
                .contains(&"UK")
        );
    }

    #[test]
    fn home_regions() {
        for (code, region) in [
            ("FR", Region::Europe),
            ("AE", Region::MiddleEast),
            ("JP", Region::AsiaPacific),
            ("AU", Region::AsiaPacific),
            ("US", Region::NorthAmerica),
            ("BR", Region::LatinAmerica),
            ("JM", Region::Caribbean),
            ("KE", Region::Africa),
        ] {
            assert_eq!(
                Country::parse(code).unwrap().home_region(),
                region,
                "{code}"
            );
        }
        assert!(Country::all().len() >= 249);
    }

    #[test]
    fn the_home_region_table_agrees_with_keshvar() {
        for c in Country::all() {
            assert_eq!(c.home_region(), c.looked_up_home_region(), "{c:?}");
        }
    }

    #[test]
    fn common_home_regions() {
        let c = |codes: &[&str]| -> Vec<Country> {
            codes.iter().map(|c| Country::parse(c).unwrap()).collect()
        };
        // (countries, the home region they share)
        for (countries, shared) in [
            (c(&["FR"]), Some(Region::Europe)),
            (c(&["FR", "DE", "ES"]), Some(Region::Europe)),
            (c(&["FR", "JP"]), None),
            (c(&["US", "BR"]), None),
            (c(&["JM", "BB"]), Some(Region::Caribbean)),
            (c(&[]), None),
        ] {
            assert_eq!(common_home_region(&countries), shared, "{countries:?}");
        }
    }
}
