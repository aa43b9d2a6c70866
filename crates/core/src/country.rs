//! Countries: ISO 3166-1 alpha-2 codes with English names, from the maintained `keshvar` crate.

use std::fmt;
use std::str::FromStr;

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
}
