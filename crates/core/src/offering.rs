//! An offering: one sellable package from one provider's catalogue, in core terms.

use std::fmt;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::allowance::DataAllowance;
use crate::country::Country;
use crate::money::{Money, MoneyError};
use crate::region::Region;

/// The providers eSIM Desk speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    Esimgo,
    Telness,
    Truphone,
    Itt,
}

impl ProviderKind {
    pub const ALL: [ProviderKind; 4] = [
        ProviderKind::Esimgo,
        ProviderKind::Telness,
        ProviderKind::Truphone,
        ProviderKind::Itt,
    ];

    /// Stable id used in storage, the CLI and the keychain.
    pub fn id(self) -> &'static str {
        match self {
            ProviderKind::Esimgo => "esimgo",
            ProviderKind::Telness => "telness",
            ProviderKind::Truphone => "truphone",
            ProviderKind::Itt => "itt",
        }
    }

    pub fn display_name(self) -> &'static str {
        match self {
            ProviderKind::Esimgo => "eSIM Go",
            ProviderKind::Telness => "Telness",
            ProviderKind::Truphone => "Truphone",
            ProviderKind::Itt => "ITT",
        }
    }

    pub fn from_id(id: &str) -> Option<ProviderKind> {
        ProviderKind::ALL
            .into_iter()
            .find(|p| p.id().eq_ignore_ascii_case(id.trim()))
    }
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.display_name())
    }
}

/// When the package's validity starts counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ActivationType {
    /// On first use of data in a covered country.
    FirstUse,
    /// When the profile is installed.
    OnInstall,
    /// At purchase.
    Immediate,
    Unknown,
}

crate::enum_names::string_forms!(ActivationType, "activation type", [
    FirstUse => "first_use",
    OnInstall => "on_install",
    Immediate => "immediate",
    Unknown => "unknown",
]);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offering {
    pub provider: ProviderKind,
    /// The provider's own id for it, e.g. `esim_1GB_7D_NL_V2`.
    pub code: String,
    pub name: String,
    /// Base countries; a regional offering lists all of them.
    pub countries: Vec<Country>,
    /// Where the provider names a region for it.
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

impl Offering {
    pub fn covers(&self, country: Country) -> bool {
        self.countries.contains(&country)
    }

    /// Price per decimal GB of `price`, in minor units (rounded down), for comparing value.
    /// `None` for unlimited or empty offerings.
    pub fn price_per_gb_minor(&self, price: Money) -> Option<i64> {
        crate::pricing::price_per_gb_minor(price, self.data.limited_bytes())
    }

    pub fn retail_price(
        &self,
        basis_points: i64,
        rounding: crate::money::Rounding,
    ) -> Result<Money, MoneyError> {
        self.cost.with_markup(basis_points, rounding)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::data_amount::DataAmount;
    use crate::money::Currency;

    pub(crate) fn sample() -> Offering {
        Offering {
            provider: ProviderKind::Esimgo,
            code: "esim_5GB_30D_FR_V2".into(),
            name: "eSIM, 5GB, 30 Days, France, V2".into(),
            countries: vec![Country::parse("FR").unwrap()],
            region: Some(Region::Europe),
            data: DataAllowance::Limited {
                amount: DataAmount::from_bytes(5_000_000_000),
            },
            validity_days: 30,
            cost: Money::from_minor(900, Currency::parse("USD").unwrap()),
            activation: ActivationType::FirstUse,
            speeds: vec!["4G".into()],
            top_up: true,
        }
    }

    #[test]
    fn price_per_gb() {
        let o = sample();
        assert_eq!(o.price_per_gb_minor(o.cost), Some(180));
        let mut u = sample();
        u.data = DataAllowance::Unlimited;
        assert_eq!(u.price_per_gb_minor(u.cost), None);
    }

    #[test]
    fn provider_ids_round_trip() {
        for p in ProviderKind::ALL {
            assert_eq!(ProviderKind::from_id(p.id()), Some(p));
        }
        assert_eq!(ProviderKind::from_id("nope"), None);
    }
}
