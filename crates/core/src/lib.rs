//! eSIM Desk's domain core. Pure: no I/O, no async, no clocks (callers pass the time in).
//!
//! Identifiers a desk agent types, scans and prints (activation codes, ICCIDs, EIDs), the links and
//! QR codes made from them, money and data amounts (and reading them as people type them),
//! countries and regions, pricing policy (markup), and the sale's domain objects with their
//! allowed state transitions and the string forms of their states.

pub mod activation_code;
pub mod allowance;
pub mod country;
pub mod data_amount;
mod digit_string;
pub mod eid;
pub mod enum_names;
pub mod esim;
pub mod exchange;
pub mod iccid;
pub mod install_link;
pub mod money;
pub mod offering;
pub mod order;
pub mod package;
pub mod pricing;
pub mod qr;
pub mod region;
pub mod transition;

/// The old home of [`DataAmount`] and [`DataAllowance`] (now `data_amount` and `allowance`),
/// kept so that `esimdesk_core::data::…` paths still compile.
pub mod data {
    pub use crate::allowance::DataAllowance;
    pub use crate::data_amount::DataAmount;
}

pub use activation_code::{ActivationCode, ActivationCodeError, CodeField, CodeWarning};
pub use allowance::DataAllowance;
pub use country::{Country, CountryError};
pub use data_amount::{DataAmount, DataAmountError};
pub use eid::{Eid, EidError};
pub use enum_names::UnknownName;
pub use esim::{Esim, ProfileStatus};
pub use exchange::{ExchangeError, ExchangeRate};
pub use iccid::{Iccid, IccidError};
pub use money::{Currency, Money, MoneyError, Rounding};
pub use offering::{ActivationType, Offering, ProviderKind};
pub use order::{Customer, Order, OrderKind, OrderLine, OrderState};
pub use package::{Package, PackageState, UsageSnapshot};
pub use pricing::{MarkupBook, MarkupError, MarkupRule, MarkupScope, PriceList, Retail};
pub use region::Region;
pub use transition::IllegalTransition;
