//! Catalogue requests and results: which offerings to list, and the pages and whole catalogue a
//! provider answers with, in core types (never wire types).

use esimdesk_core::{Country, Offering, Region};

/// Which offerings to list. Empty means everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogueQuery {
    /// Offerings usable in at least one of these countries.
    pub countries: Vec<Country>,
    /// Offerings sold for this region (or whose countries lie in it).
    pub region: Option<Region>,
    /// Free text the provider matches against its descriptions, where it can.
    pub text: Option<String>,
}

impl CatalogueQuery {
    pub fn all() -> Self {
        CatalogueQuery::default()
    }

    pub fn country(country: Country) -> Self {
        CatalogueQuery {
            countries: vec![country],
            ..CatalogueQuery::default()
        }
    }

    /// Whether an offering passes the parts of the query an adapter applies locally.
    pub fn matches(&self, offering: &Offering) -> bool {
        let country_ok =
            self.countries.is_empty() || self.countries.iter().any(|c| offering.covers(*c));
        let region_ok = match self.region {
            None => true,
            Some(wanted) => match offering.region {
                Some(r) => wanted.contains_region(r),
                None => {
                    !offering.countries.is_empty()
                        && offering
                            .countries
                            .iter()
                            .all(|c| wanted.contains_region(c.home_region()))
                }
            },
        };
        country_ok && region_ok
    }
}

/// Where the next catalogue page starts; opaque to callers (a page number for eSIM Go, a cursor
/// for Telness).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageToken(pub String);

/// One page of a provider's catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CataloguePage {
    pub offerings: Vec<Offering>,
    /// Items of this page that could not be read, with the reason (kept out of `offerings`
    /// rather than failing the whole sync).
    pub skipped: Vec<SkippedItem>,
    /// `None` on the last page.
    pub next: Option<PageToken>,
    /// 1-based number of this page.
    pub page: u32,
    /// Number of pages, when the provider says.
    pub page_count: Option<u32>,
    /// Number of matching items across all pages, when the provider says.
    pub total_items: Option<u64>,
}

/// A catalogue item that could not be mapped to an [`Offering`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedItem {
    /// The provider's id for the item, when it had one.
    pub code: Option<String>,
    pub reason: String,
}

/// Progress of a whole-catalogue walk, reported after each page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatalogueProgress {
    pub pages_done: u32,
    pub page_count: Option<u32>,
    pub offerings_so_far: usize,
}

/// The whole catalogue for a query, every page read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalogue {
    pub offerings: Vec<Offering>,
    pub skipped: Vec<SkippedItem>,
    pub pages: u32,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use esimdesk_core::{ActivationType, Currency, DataAllowance, Money, ProviderKind};

    fn offering(countries: &[&str], region: Option<Region>) -> Offering {
        Offering {
            provider: ProviderKind::Esimgo,
            code: "x".into(),
            name: "x".into(),
            countries: countries
                .iter()
                .map(|c| Country::parse(c).unwrap())
                .collect(),
            region,
            data: DataAllowance::Unlimited,
            validity_days: 1,
            cost: Money::zero(Currency::parse("USD").unwrap()),
            activation: ActivationType::Unknown,
            speeds: vec![],
            top_up: true,
        }
    }

    #[test]
    fn query_matches_countries_and_regions() {
        let nl = offering(&["NL"], Some(Region::Europe));
        let us = offering(&["US"], None);
        let fr = Country::parse("FR").unwrap();
        assert!(CatalogueQuery::all().matches(&nl));
        assert!(!CatalogueQuery::country(fr).matches(&nl));
        assert!(CatalogueQuery::country(Country::parse("NL").unwrap()).matches(&nl));
        let americas = CatalogueQuery {
            region: Some(Region::Americas),
            ..CatalogueQuery::default()
        };
        assert!(americas.matches(&us));
        assert!(!americas.matches(&nl));
    }
}
