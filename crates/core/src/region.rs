//! Regions as providers name them (EUROPE, AMERICAS, ASIA_PACIFIC, GLOBAL, ...), mapped to one enum.

use std::fmt;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Region {
    Europe,
    Americas,
    NorthAmerica,
    LatinAmerica,
    Caribbean,
    AsiaPacific,
    MiddleEast,
    Africa,
    Global,
    /// A region name a provider sent that we do not know; kept rather than failing a sync.
    Other,
}

impl Region {
    pub const ALL: [Region; 10] = [
        Region::Europe,
        Region::Americas,
        Region::NorthAmerica,
        Region::LatinAmerica,
        Region::Caribbean,
        Region::AsiaPacific,
        Region::MiddleEast,
        Region::Africa,
        Region::Global,
        Region::Other,
    ];

    /// Maps a provider's region name ("Europe", "ASIA_PACIFIC", "Asia Pacific", "north-america")
    /// to a region; unknown names map to `Other` rather than failing.
    pub fn from_provider_name(name: &str) -> Region {
        let key: String = name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        match key.as_str() {
            "europe" | "eu" | "eea" => Region::Europe,
            "americas" | "america" => Region::Americas,
            "northamerica" | "usca" => Region::NorthAmerica,
            "latinamerica" | "southamerica" | "latam" | "centralamerica" => Region::LatinAmerica,
            "caribbean" | "caribbeans" => Region::Caribbean,
            "asiapacific" | "asia" | "apac" | "oceania" | "asiaoceania" => Region::AsiaPacific,
            "middleeast" | "mena" | "middleeastandnorthafrica" => Region::MiddleEast,
            "africa" => Region::Africa,
            "global" | "world" | "worldwide" => Region::Global,
            _ => Region::Other,
        }
    }

    /// The wire-style code, e.g. `ASIA_PACIFIC`.
    pub fn code(self) -> &'static str {
        match self {
            Region::Europe => "EUROPE",
            Region::Americas => "AMERICAS",
            Region::NorthAmerica => "NORTH_AMERICA",
            Region::LatinAmerica => "LATIN_AMERICA",
            Region::Caribbean => "CARIBBEAN",
            Region::AsiaPacific => "ASIA_PACIFIC",
            Region::MiddleEast => "MIDDLE_EAST",
            Region::Africa => "AFRICA",
            Region::Global => "GLOBAL",
            Region::Other => "OTHER",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Region::Europe => "Europe",
            Region::Americas => "Americas",
            Region::NorthAmerica => "North America",
            Region::LatinAmerica => "Latin America",
            Region::Caribbean => "Caribbean",
            Region::AsiaPacific => "Asia Pacific",
            Region::MiddleEast => "Middle East",
            Region::Africa => "Africa",
            Region::Global => "Global",
            Region::Other => "Other",
        }
    }

    /// Whether a country whose home region is `home` lies inside `self`
    /// (the Americas contain North and Latin America and the Caribbean; Global contains all).
    pub fn contains_region(self, home: Region) -> bool {
        self == home
            || self == Region::Global
            || (self == Region::Americas
                && matches!(
                    home,
                    Region::NorthAmerica | Region::LatinAmerica | Region::Caribbean
                ))
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_provider_spellings() {
        for (name, region) in [
            ("Europe", Region::Europe),
            ("EUROPE", Region::Europe),
            ("ASIA_PACIFIC", Region::AsiaPacific),
            ("Asia Pacific", Region::AsiaPacific),
            ("NORTH_AMERICA", Region::NorthAmerica),
            ("Middle East", Region::MiddleEast),
            ("GLOBAL", Region::Global),
            ("Narnia", Region::Other),
        ] {
            assert_eq!(Region::from_provider_name(name), region, "{name}");
        }
    }

    #[test]
    fn americas_contains_its_parts() {
        assert!(Region::Americas.contains_region(Region::Caribbean));
        assert!(Region::Global.contains_region(Region::Europe));
        assert!(!Region::Europe.contains_region(Region::Africa));
    }
}
