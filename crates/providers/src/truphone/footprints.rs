//! Coverage zones (`footprint_code`) → countries and a region (truphone.md §4, open point 2).
//!
//! ASSUMED, all of it: a Truphone product names only its `footprint_code` ("coverage zone, e.g.
//! `GLOBAL`; codes are not listed in the material"), and no documented call lists the countries
//! of a zone. This table is the desk's own reading of the zones the reference names (`EUROPE`,
//! `GLOBAL`, `USA`) and a few that commonly accompany them. It errs on the side of listing fewer
//! countries: a destination missing here hides an offering, one wrongly listed would sell an
//! eSIM that does not work there. A code not in the table is skipped with its reason (the
//! catalogue sync reports it), never guessed. Confirm the lists with Truphone's coverage pages
//! before relying on them; this file is the only place to change.

use esimdesk_core::{Country, Region};

/// A zone's coverage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Footprint {
    pub countries: Vec<Country>,
    pub region: Option<Region>,
}

/// EU member states, the other EEA states, the United Kingdom and Switzerland.
const EUROPE: &[&str] = &[
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", // EU
    "IS", "LI", "NO", // EEA
    "GB", "CH",
];

const NORTH_AMERICA: &[&str] = &["US", "CA", "MX"];

const ASIA_PACIFIC: &[&str] = &[
    "AU", "NZ", "JP", "KR", "SG", "HK", "TW", "TH", "MY", "ID", "PH", "VN", "IN",
];

/// Beyond Europe, North America and Asia Pacific: major destinations only.
const GLOBAL_OTHERS: &[&str] = &[
    "BR", "AR", "CL", "CO", "PE", "AE", "IL", "TR", "ZA", "EG", "MA",
];

/// The zone's countries and region; `None` for a code this table does not know.
pub(super) fn footprint(code: &str) -> Option<Footprint> {
    let key: String = code
        .trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let (lists, region): (&[&[&str]], Option<Region>) = match key.as_str() {
        "EUROPE" | "EU" => (&[EUROPE], Some(Region::Europe)),
        "GLOBAL" | "WORLD" | "WORLDWIDE" => (
            &[EUROPE, NORTH_AMERICA, ASIA_PACIFIC, GLOBAL_OTHERS],
            Some(Region::Global),
        ),
        "USA" | "US" => (&[&["US"]], None),
        "UK" | "GB" => (&[&["GB"]], None),
        "NORTHAMERICA" => (&[NORTH_AMERICA], Some(Region::NorthAmerica)),
        "ASIAPACIFIC" | "APAC" => (&[ASIA_PACIFIC], Some(Region::AsiaPacific)),
        _ => return None,
    };
    let mut countries: Vec<Country> = Vec::new();
    for code in lists.iter().flat_map(|l| l.iter()) {
        if let Ok(c) = Country::parse(code)
            && !countries.contains(&c)
        {
            countries.push(c);
        }
    }
    Some(Footprint { countries, region })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn has(f: &Footprint, code: &str) -> bool {
        f.countries.contains(&Country::parse(code).unwrap())
    }

    #[test]
    fn known_zones_map_to_countries() {
        let europe = footprint("EUROPE").unwrap();
        assert_eq!(europe.region, Some(Region::Europe));
        assert_eq!(europe.countries.len(), 32);
        assert!(has(&europe, "ES") && has(&europe, "GB") && has(&europe, "NO"));
        assert!(!has(&europe, "US"));
        let usa = footprint("USA").unwrap();
        assert_eq!(usa.countries, [Country::parse("US").unwrap()]);
        assert_eq!(usa.region, None);
        let global = footprint("global").unwrap();
        assert_eq!(global.region, Some(Region::Global));
        assert!(has(&global, "JP") && has(&global, "FR") && has(&global, "BR"));
        assert_eq!(
            footprint("north-america").unwrap().region,
            Some(Region::NorthAmerica)
        );
    }

    #[test]
    fn every_listed_code_is_a_country() {
        for list in [EUROPE, NORTH_AMERICA, ASIA_PACIFIC, GLOBAL_OTHERS] {
            for code in list {
                assert!(Country::parse(code).is_ok(), "{code}");
            }
        }
    }

    #[test]
    fn unknown_zones_are_not_guessed() {
        assert_eq!(footprint("MARS"), None);
        assert_eq!(footprint(""), None);
        assert_eq!(footprint("ES"), None);
    }
}
