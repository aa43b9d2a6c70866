//! eSIM Desk's domain core. Pure: no I/O, no async, no clocks (callers pass the time in).
//!
//! Identifiers a desk agent types, scans and prints (activation codes, ICCIDs, EIDs), the links and
//! QR codes made from them, money, countries and regions, and the sale's domain objects with their
//! allowed state transitions.

pub mod activation_code;
pub mod country;
pub mod data;
mod digit_string;
pub mod eid;
pub mod esim;
pub mod iccid;
pub mod install_link;
pub mod money;
pub mod offering;
pub mod order;
pub mod package;
pub mod qr;
pub mod region;

pub use activation_code::{ActivationCode, ActivationCodeError, CodeField, CodeWarning};
pub use country::{Country, CountryError};
pub use data::DataAmount;
pub use eid::{Eid, EidError};
pub use iccid::{Iccid, IccidError};
pub use money::{Currency, Money, MoneyError, Rounding};
pub use region::Region;
pub mod transition;

pub use data::DataAllowance;
pub use esim::{Esim, ProfileStatus};
pub use offering::{ActivationType, Offering, ProviderKind};
pub use order::{Customer, Order, OrderKind, OrderLine, OrderState};
pub use package::{Package, PackageState, UsageSnapshot};
pub use transition::IllegalTransition;
