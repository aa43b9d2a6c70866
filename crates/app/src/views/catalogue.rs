//! Offerings as the Sell screen and `esimdesk search` list them.

use esimdesk_core::{
    ActivationType, Country, DataAllowance, ExchangeRate, Money, Offering, ProviderKind, Region,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use ts_rs::TS;

/// A provider's package for sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OfferingView {
    pub provider: ProviderKind,
    /// The provider's own id for it, e.g. `esim_1GB_7D_NL_V2`.
    pub code: String,
    pub name: String,
    /// Base countries; a regional offering lists all of them.
    pub countries: Vec<Country>,
    pub region: Option<Region>,
    pub data: DataAllowance,
    pub validity_days: u32,
    /// What the desk pays the provider.
    pub cost: Money,
    pub activation: ActivationType,
    /// Network generations advertised, e.g. ["4G", "5G"].
    pub speeds: Vec<String>,
    /// Whether it can be added to an existing eSIM as a top-up.
    pub top_up: bool,
}

impl From<Offering> for OfferingView {
    fn from(o: Offering) -> Self {
        OfferingView {
            provider: o.provider,
            code: o.code,
            name: o.name,
            countries: o.countries,
            region: o.region,
            data: o.data,
            validity_days: o.validity_days,
            cost: o.cost,
            activation: o.activation,
            speeds: o.speeds,
            top_up: o.top_up,
        }
    }
}

/// One row of a search: an offering of one account, priced for the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SearchHit {
    pub account_id: String,
    pub offering: OfferingView,
    /// What the customer pays: converted into the desk's selling currency where the agency has a
    /// rate, then marked up.
    pub retail: Money,
    /// The rate the cost was converted with (shown beside the price with its date); `None` when
    /// no conversion was needed or possible.
    pub rate: Option<ExchangeRate>,
    /// `retail` is in the selling currency. `false`: the provider's currency has no rate, so the
    /// price is in that currency, not comparable with the rest (listed after them).
    pub comparable: bool,
    /// Retail per decimal GB in minor units; `None` for unlimited offerings.
    #[ts(type = "number | null")]
    pub price_per_gb_minor: Option<i64>,
    /// When this account's catalogue was fetched.
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub fetched_at: OffsetDateTime,
}

impl From<esimdesk_store::SearchHit> for SearchHit {
    fn from(h: esimdesk_store::SearchHit) -> Self {
        SearchHit {
            account_id: h.account_id,
            offering: h.offering.into(),
            retail: h.retail,
            rate: h.rate,
            comparable: h.comparable,
            price_per_gb_minor: h.price_per_gb_minor,
            fetched_at: h.fetched_at,
        }
    }
}

/// How fresh one account's cached catalogue is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CatalogueFreshness {
    pub account_id: String,
    pub provider: ProviderKind,
    pub label: String,
    /// `None`: never synced.
    #[serde(with = "time::serde::rfc3339::option")]
    #[ts(type = "string | null")]
    pub fetched_at: Option<OffsetDateTime>,
    pub offerings: usize,
}

impl From<esimdesk_store::CatalogueFreshness> for CatalogueFreshness {
    fn from(f: esimdesk_store::CatalogueFreshness) -> Self {
        CatalogueFreshness {
            account_id: f.account_id,
            provider: f.provider,
            label: f.label,
            fetched_at: f.fetched_at,
            offerings: f.offerings,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum DestinationKind {
    Country,
    Region,
}

/// A suggestion for the destination box.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Destination {
    pub kind: DestinationKind,
    /// What to search for: the alpha-2 code ("ES") or the region code ("EUROPE").
    pub code: String,
    /// The everyday English name ("Spain", "Europe").
    pub name: String,
    /// The name that matched what was typed, when it is not `name` ("Holland", "USA").
    pub matched: Option<String>,
}

impl From<esimdesk_store::Destination> for Destination {
    fn from(d: esimdesk_store::Destination) -> Self {
        Destination {
            kind: match d.kind {
                esimdesk_store::DestinationKind::Country => DestinationKind::Country,
                esimdesk_store::DestinationKind::Region => DestinationKind::Region,
            },
            code: d.code,
            name: d.name,
            matched: d.matched,
        }
    }
}

/// The order search results come in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SearchSort {
    /// Cheapest retail price first.
    #[default]
    RetailPrice,
    /// Cheapest retail price per GB first; unlimited offerings (no per-GB price) last.
    PricePerGb,
}

impl From<SearchSort> for esimdesk_store::SearchSort {
    fn from(s: SearchSort) -> Self {
        match s {
            SearchSort::RetailPrice => esimdesk_store::SearchSort::RetailPrice,
            SearchSort::PricePerGb => esimdesk_store::SearchSort::PricePerGb,
        }
    }
}
