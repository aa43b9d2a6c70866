//! Pricing policy: markup rules turn what the desk pays (cost) into what the customer pays
//! (retail).
//!
//! A rule is basis points (1 bp = 0.01 %, may be negative) plus a [`Rounding`], for one scope.
//! **The most specific rule wins**: a rule for the offering's region, else one for its provider,
//! else the global rule, else no markup (retail = cost). An offering's region is the one its
//! provider names, or — when it names none — the home region its countries share (France alone →
//! Europe): see [`markup_region`]. A region rule also applies to regions inside it (an Americas
//! rule covers North and Latin America and the Caribbean) unless a rule for the inner region
//! exists; a Global region rule applies only to offerings sold as global.
//!
//! A provider's cost in another currency than the desk's selling currency is converted first
//! with the agency's rate ([`PriceList`]), then marked up; without a rate it keeps its own
//! currency and is not comparable.
//!
//! Pure: where the rules are kept and when prices are recomputed is the store's business.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::country::{Country, common_home_region};
use crate::exchange::ExchangeRate;
use crate::money::{Currency, Money, MoneyError, Rounding};
use crate::offering::ProviderKind;
use crate::region::Region;

// Which offerings a rule prices. (A plain comment: a doc comment would change the UI's binding.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum MarkupScope {
    Global,
    Provider { provider: ProviderKind },
    Region { region: Region },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MarkupRule {
    pub scope: MarkupScope,
    /// 1 bp = 0.01 %; 2500 = +25 %. Negative values discount.
    #[ts(type = "number")]
    pub basis_points: i64,
    pub rounding: Rounding,
}

/// The lowest markup: -100 %, everything free. Lower would make prices negative.
pub const MIN_BASIS_POINTS: i64 = -10_000;
/// The highest markup: +10,000 %. Far above any real one; it catches a slipped digit.
pub const MAX_BASIS_POINTS: i64 = 1_000_000;
/// The highest price ending (four digits: the finest minor unit in ISO 4217).
pub const MAX_ENDING: u32 = 9_999;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarkupError {
    #[error(
        "a markup of {0} basis points is out of range ({MIN_BASIS_POINTS} to {MAX_BASIS_POINTS})"
    )]
    BasisPointsOutOfRange(i64),
    #[error("a price ending of {0} is out of range")]
    EndingOutOfRange(u32),
}

impl MarkupRule {
    /// Refuses a rule no desk means: a markup beyond the range, a price ending beyond four digits.
    pub fn check(&self) -> Result<(), MarkupError> {
        if !(MIN_BASIS_POINTS..=MAX_BASIS_POINTS).contains(&self.basis_points) {
            return Err(MarkupError::BasisPointsOutOfRange(self.basis_points));
        }
        if let Rounding::UpToEnding { ending } = self.rounding
            && ending > MAX_ENDING
        {
            return Err(MarkupError::EndingOutOfRange(ending));
        }
        Ok(())
    }

    /// This rule applied to `cost`.
    pub fn apply(&self, cost: Money) -> Result<Money, MoneyError> {
        cost.with_markup(self.basis_points, self.rounding)
    }
}

/// The region markup rules see for an offering: the one its provider names, else the home region
/// its countries share (none when they span several, or for `Other`).
pub fn markup_region(countries: &[Country], region: Option<Region>) -> Option<Region> {
    region
        .filter(|r| *r != Region::Other)
        .or_else(|| common_home_region(countries))
}

/// `price` per decimal GB of `data_bytes`, in minor units (rounded down), for comparing value.
/// `None` for unlimited (`None`) or empty offerings.
pub fn price_per_gb_minor(price: Money, data_bytes: Option<u64>) -> Option<i64> {
    let bytes = i128::from(data_bytes.filter(|b| *b > 0)?);
    i64::try_from(i128::from(price.minor()) * 1_000_000_000 / bytes).ok()
}

/// The rules in force, indexed for pricing many offerings.
#[derive(Debug, Clone, Default)]
pub struct MarkupBook {
    global: Option<MarkupRule>,
    providers: HashMap<ProviderKind, MarkupRule>,
    regions: HashMap<Region, MarkupRule>,
}

impl MarkupBook {
    /// A later rule for the same scope replaces an earlier one.
    pub fn new(rules: &[MarkupRule]) -> Self {
        let mut book = MarkupBook::default();
        for r in rules {
            match r.scope {
                MarkupScope::Global => book.global = Some(*r),
                MarkupScope::Provider { provider } => {
                    book.providers.insert(provider, *r);
                }
                MarkupScope::Region { region } => {
                    book.regions.insert(region, *r);
                }
            }
        }
        book
    }

    /// The rule that prices an offering of `provider` whose [`markup_region`] is `region` (see
    /// the module docs).
    pub fn rule_for(&self, provider: ProviderKind, region: Option<Region>) -> Option<&MarkupRule> {
        if let Some(region) = region {
            if let Some(r) = self.regions.get(&region) {
                return Some(r);
            }
            // Region::ALL's order, so that the answer never depends on a hash map's order.
            let containing = Region::ALL.into_iter().find_map(|outer| {
                (outer != Region::Global && outer != region && outer.contains_region(region))
                    .then(|| self.regions.get(&outer))
                    .flatten()
            });
            if let Some(r) = containing {
                return Some(r);
            }
        }
        self.providers.get(&provider).or(self.global.as_ref())
    }

    /// What the customer pays for an offering of `provider` in `region` that costs `cost`.
    pub fn retail(
        &self,
        provider: ProviderKind,
        region: Option<Region>,
        cost: Money,
    ) -> Result<Money, MoneyError> {
        match self.rule_for(provider, region) {
            Some(rule) => rule.apply(cost),
            None => Ok(cost),
        }
    }
}

/// What a customer is charged, and how it came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retail {
    pub price: Money,
    /// The rate the cost was converted with; `None` when the cost was already in the selling
    /// currency, or when there is no rate (see `comparable`).
    pub rate: Option<ExchangeRate>,
    /// In the desk's selling currency, so comparable with the rest of a list. `false`: the
    /// provider's currency has no rate to the selling currency, so the price is shown in the
    /// provider's own currency, never converted silently, and sorted after the comparable ones.
    pub comparable: bool,
}

/// Everything a retail price depends on: the markup rules, the desk's selling currency and the
/// agency's exchange rates into it. Markup applies after conversion.
#[derive(Debug, Clone)]
pub struct PriceList {
    book: MarkupBook,
    selling: Currency,
    /// Rates into `selling`, by the currency they convert.
    rates: HashMap<Currency, ExchangeRate>,
}

impl PriceList {
    /// Rates that do not convert into `selling` are ignored (they wait for the selling currency
    /// they were entered for).
    pub fn new(book: MarkupBook, selling: Currency, rates: &[ExchangeRate]) -> Self {
        PriceList {
            book,
            selling,
            rates: rates
                .iter()
                .filter(|r| r.to == selling)
                .map(|r| (r.from, *r))
                .collect(),
        }
    }

    pub fn selling(&self) -> Currency {
        self.selling
    }

    /// The retail price of an offering of `provider` in `region` that costs `cost`.
    pub fn retail(
        &self,
        provider: ProviderKind,
        region: Option<Region>,
        cost: Money,
    ) -> Result<Retail, MoneyError> {
        let (base, rate, comparable) = if cost.currency() == self.selling {
            (cost, None, true)
        } else if let Some(rate) = self.rates.get(&cost.currency()) {
            let converted = rate.convert(cost).map_err(|_| MoneyError::Overflow)?;
            (converted, Some(*rate), true)
        } else {
            (cost, None, false)
        };
        Ok(Retail {
            price: self.book.retail(provider, region, base)?,
            rate,
            comparable,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::money::Currency;

    use MarkupScope::{Global, Provider, Region as InRegion};
    use ProviderKind::{Esimgo, Itt, Telness, Truphone};

    fn rule(scope: MarkupScope, basis_points: i64) -> MarkupRule {
        MarkupRule {
            scope,
            basis_points,
            rounding: Rounding::NearestMinor,
        }
    }

    fn usd(minor: i64) -> Money {
        Money::from_minor(minor, Currency::parse("USD").unwrap())
    }

    fn book() -> MarkupBook {
        MarkupBook::new(&[
            rule(Global, 1000),
            rule(Provider { provider: Esimgo }, 2000),
            rule(
                InRegion {
                    region: Region::Europe,
                },
                3000,
            ),
            rule(
                InRegion {
                    region: Region::Americas,
                },
                4000,
            ),
            rule(
                InRegion {
                    region: Region::Caribbean,
                },
                4500,
            ),
            rule(
                InRegion {
                    region: Region::Global,
                },
                5000,
            ),
        ])
    }

    #[test]
    fn the_most_specific_rule_wins() {
        let book = book();
        // (provider, markup region, basis points of the rule that applies)
        for (provider, region, bp) in [
            (Esimgo, Some(Region::Europe), Some(3000)),
            (Telness, Some(Region::Europe), Some(3000)),
            (Esimgo, Some(Region::Africa), Some(2000)),
            (Telness, Some(Region::Africa), Some(1000)),
            (Telness, None, Some(1000)),
            (Esimgo, None, Some(2000)),
            // Inside the Americas, without a rule of their own.
            (Itt, Some(Region::NorthAmerica), Some(4000)),
            (Itt, Some(Region::LatinAmerica), Some(4000)),
            // Inside the Americas, with one.
            (Itt, Some(Region::Caribbean), Some(4500)),
            (Itt, Some(Region::Americas), Some(4000)),
            // A Global rule is for offerings sold as global only.
            (Truphone, Some(Region::Global), Some(5000)),
            (Truphone, Some(Region::AsiaPacific), Some(1000)),
            (Truphone, Some(Region::Other), Some(1000)),
        ] {
            assert_eq!(
                book.rule_for(provider, region).map(|r| r.basis_points),
                bp,
                "{provider:?} in {region:?}"
            );
        }
        assert_eq!(MarkupBook::default().rule_for(Esimgo, None), None);
        assert_eq!(
            MarkupBook::new(&[]).rule_for(Itt, Some(Region::Europe)),
            None
        );
    }

    #[test]
    fn a_later_rule_for_a_scope_replaces_the_earlier() {
        let book = MarkupBook::new(&[rule(Global, 100), rule(Global, 200)]);
        assert_eq!(book.rule_for(Itt, None).map(|r| r.basis_points), Some(200));
    }

    #[test]
    fn retail_prices() {
        let ending_99 = MarkupBook::new(&[MarkupRule {
            scope: InRegion {
                region: Region::Europe,
            },
            basis_points: 2500,
            rounding: Rounding::UpToEnding { ending: 99 },
        }]);
        // (book, provider, region, cost, retail)
        for (book, provider, region, cost, retail) in [
            (book(), Esimgo, Some(Region::Europe), 1000, 1300),
            (book(), Esimgo, Some(Region::Africa), 1000, 1200),
            (book(), Itt, None, 1000, 1100),
            (book(), Itt, None, 0, 0),
            (MarkupBook::default(), Itt, None, 1000, 1000),
            (ending_99.clone(), Esimgo, Some(Region::Europe), 1000, 1299),
            (ending_99, Esimgo, Some(Region::Africa), 1000, 1000),
        ] {
            assert_eq!(
                book.retail(provider, region, usd(cost)).unwrap(),
                usd(retail),
                "{provider:?} in {region:?} at {cost}"
            );
        }
        assert!(matches!(
            book().retail(Itt, None, usd(i64::MAX)),
            Err(MoneyError::Overflow)
        ));
    }

    #[test]
    fn markup_regions() {
        let c = |codes: &[&str]| -> Vec<Country> {
            codes.iter().map(|c| Country::parse(c).unwrap()).collect()
        };
        // (countries, region the provider named, region markup rules see)
        for (countries, named, seen) in [
            (c(&["FR"]), None, Some(Region::Europe)),
            (c(&["FR", "DE"]), None, Some(Region::Europe)),
            (c(&["FR", "JP"]), None, None),
            (c(&["US", "CA"]), None, Some(Region::NorthAmerica)),
            (c(&["FR"]), Some(Region::Global), Some(Region::Global)),
            (c(&["FR"]), Some(Region::Other), Some(Region::Europe)),
            (c(&["FR", "JP"]), Some(Region::Other), None),
            (c(&[]), None, None),
        ] {
            assert_eq!(
                markup_region(&countries, named),
                seen,
                "{countries:?} {named:?}"
            );
        }
    }

    #[test]
    fn price_per_gb() {
        // (price, bytes, per GB)
        for (price, bytes, per_gb) in [
            (900, Some(5_000_000_000), Some(180)),
            (1299, Some(2_000_000_000), Some(649)),
            (1000, Some(500_000_000), Some(2000)),
            (1000, None, None),
            (1000, Some(0), None),
            (i64::MAX, Some(1), None),
        ] {
            assert_eq!(
                price_per_gb_minor(usd(price), bytes),
                per_gb,
                "{price} {bytes:?}"
            );
        }
    }

    #[test]
    fn rules_out_of_range_are_refused() {
        // (basis points, rounding, accepted)
        for (bp, rounding, ok) in [
            (0, Rounding::NearestMinor, true),
            (MIN_BASIS_POINTS, Rounding::NearestMinor, true),
            (MAX_BASIS_POINTS, Rounding::NearestMinor, true),
            (MIN_BASIS_POINTS - 1, Rounding::NearestMinor, false),
            (MAX_BASIS_POINTS + 1, Rounding::NearestMinor, false),
            (2500, Rounding::UpToEnding { ending: 99 }, true),
            (2500, Rounding::UpToEnding { ending: MAX_ENDING }, true),
            (2500, Rounding::UpToEnding { ending: 10_000 }, false),
        ] {
            let r = MarkupRule {
                scope: Global,
                basis_points: bp,
                rounding,
            };
            assert_eq!(r.check().is_ok(), ok, "{r:?}");
        }
        assert_eq!(
            rule(Global, 2_000_000).check().unwrap_err().to_string(),
            "a markup of 2000000 basis points is out of range (-10000 to 1000000)"
        );
    }

    #[test]
    fn a_price_list_converts_then_marks_up_and_never_converts_silently() {
        let eur = Currency::parse("EUR").unwrap();
        let sek = Currency::parse("SEK").unwrap();
        let rate = ExchangeRate::parse("EUR", "USD", "1.1", "2026-11-30").unwrap();
        let list = PriceList::new(
            MarkupBook::new(&[rule(Global, 1000)]),
            usd(0).currency(),
            &[rate],
        );
        // 10.00 EUR → 11.00 USD, +10 % → 12.10 USD
        let r = list
            .retail(Esimgo, None, Money::from_minor(1000, eur))
            .unwrap();
        assert_eq!(r.price, usd(1210));
        assert_eq!(r.rate, Some(rate));
        assert!(r.comparable);
        // Already in USD: no rate used.
        let r = list.retail(Esimgo, None, usd(1000)).unwrap();
        assert_eq!((r.price, r.rate, r.comparable), (usd(1100), None, true));
        // SEK has no rate: marked up in SEK, flagged as not comparable.
        let r = list
            .retail(Telness, None, Money::from_minor(10000, sek))
            .unwrap();
        assert_eq!(r.price, Money::from_minor(11000, sek));
        assert!(!r.comparable && r.rate.is_none());
    }
}
