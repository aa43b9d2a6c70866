//! Conversions between core types and SQLite columns: times, integers, providers, regions,
//! currencies, countries, and the string forms of core's enums (core's own, never listed here).

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::OnceLock;

use esimdesk_core::{Country, Currency, Money, ProviderKind, Region, UnknownName};
use time::OffsetDateTime;

use crate::error::{Result, StoreError};

/// Times are stored as UTC Unix nanoseconds (INTEGER): exact round trips, cheap comparisons.
pub(crate) fn ts(t: OffsetDateTime) -> Result<i64> {
    i64::try_from(t.unix_timestamp_nanos())
        .map_err(|_| StoreError::Invalid(format!("time {t} is out of the supported range")))
}

pub(crate) fn from_ts(nanos: i64) -> Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(nanos))
        .map_err(|_| StoreError::corrupt(format!("timestamp {nanos}")))
}

pub(crate) fn from_ts_opt(nanos: Option<i64>) -> Result<Option<OffsetDateTime>> {
    nanos.map(from_ts).transpose()
}

pub(crate) fn ts_opt(t: Option<OffsetDateTime>) -> Result<Option<i64>> {
    t.map(ts).transpose()
}

pub(crate) fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

pub(crate) fn u64_to_i64(v: u64, what: &str) -> Result<i64> {
    i64::try_from(v).map_err(|_| StoreError::Invalid(format!("{what} {v} is too large")))
}

pub(crate) fn i64_to_u64(v: i64, what: &str) -> Result<u64> {
    u64::try_from(v).map_err(|_| StoreError::corrupt(format!("negative {what} {v}")))
}

pub(crate) fn i64_to_u32(v: i64, what: &str) -> Result<u32> {
    u32::try_from(v).map_err(|_| StoreError::corrupt(format!("{what} {v}")))
}

/// A core enum from its stored name (`OrderState`, `OrderKind`, `PackageState`,
/// `ProfileStatus`, `ActivationType`); an unknown one is corrupt data, named as core names it.
pub(crate) fn from_name<T: FromStr<Err = UnknownName>>(name: &str) -> Result<T> {
    name.parse()
        .map_err(|e: UnknownName| StoreError::corrupt(format!("{} '{}'", e.what, e.name)))
}

pub(crate) fn provider(id: &str) -> Result<ProviderKind> {
    ProviderKind::from_id(id).ok_or_else(|| StoreError::corrupt(format!("provider '{id}'")))
}

/// Region codes as stored (`EUROPE`); unknown ones are refused as corrupt, since the store only
/// writes codes of [`Region::ALL`].
pub(crate) fn region(code: &str) -> Result<Region> {
    Region::ALL
        .into_iter()
        .find(|r| r.code() == code)
        .ok_or_else(|| StoreError::corrupt(format!("region '{code}'")))
}

pub(crate) fn currency(code: &str) -> Result<Currency> {
    Currency::parse(code).map_err(|_| StoreError::corrupt(format!("currency '{code}'")))
}

pub(crate) fn money(minor: i64, code: &str) -> Result<Money> {
    Ok(Money::from_minor(minor, currency(code)?))
}

/// A country from its stored alpha-2 code, through a table built once (search results map
/// thousands of codes; `Country::parse` allocates for each).
pub(crate) fn country(code: &str) -> Result<Country> {
    static TABLE: OnceLock<HashMap<String, Country>> = OnceLock::new();
    let table = TABLE.get_or_init(|| Country::all().into_iter().map(|c| (c.code(), c)).collect());
    table
        .get(code)
        .copied()
        .ok_or_else(|| StoreError::corrupt(format!("country '{code}'")))
}

pub(crate) fn countries(joined: &str) -> Result<Vec<Country>> {
    joined
        .split(',')
        .filter(|c| !c.is_empty())
        .map(country)
        .collect()
}

pub(crate) fn join_countries(countries: &[Country]) -> String {
    let mut out = String::with_capacity(countries.len() * 3);
    for (i, c) in countries.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(c.as_str());
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use esimdesk_core::{ActivationType, OrderKind, OrderState, PackageState, ProfileStatus};

    #[test]
    fn core_names_load_and_unknown_ones_are_corrupt() {
        assert_eq!(
            from_name::<OrderState>("needs_person").unwrap(),
            OrderState::NeedsPerson
        );
        assert_eq!(from_name::<OrderKind>("top_up").unwrap(), OrderKind::TopUp);
        assert_eq!(
            from_name::<PackageState>("lapsed").unwrap(),
            PackageState::Lapsed
        );
        assert_eq!(
            from_name::<ProfileStatus>("installed").unwrap(),
            ProfileStatus::Installed
        );
        assert_eq!(
            from_name::<ActivationType>("on_install").unwrap(),
            ActivationType::OnInstall
        );
        for (err, message) in [
            (
                from_name::<OrderState>("delivered").unwrap_err(),
                "order state 'delivered'",
            ),
            (
                from_name::<ProfileStatus>("enabled").unwrap_err(),
                "profile status 'enabled'",
            ),
        ] {
            assert!(
                matches!(&err, StoreError::Corrupt(m) if m == message),
                "{err:?}"
            );
        }
    }

    #[test]
    fn countries_round_trip() {
        let list = countries("FR,DE,GB").unwrap();
        assert_eq!(join_countries(&list), "FR,DE,GB");
        assert!(countries("").unwrap().is_empty());
        assert!(matches!(countries("FR,XX"), Err(StoreError::Corrupt(_))));
    }
}
