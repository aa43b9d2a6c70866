//! Conversions between core types and SQLite columns, and the text folding used for search.

use std::collections::HashMap;
use std::sync::OnceLock;

use esimdesk_core::{
    ActivationType, Country, Currency, Money, OrderState, PackageState, ProfileStatus,
    ProviderKind, Region,
};
use time::OffsetDateTime;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

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

pub(crate) fn activation_name(a: ActivationType) -> &'static str {
    match a {
        ActivationType::FirstUse => "first_use",
        ActivationType::OnInstall => "on_install",
        ActivationType::Immediate => "immediate",
        ActivationType::Unknown => "unknown",
    }
}

pub(crate) fn activation(name: &str) -> Result<ActivationType> {
    Ok(match name {
        "first_use" => ActivationType::FirstUse,
        "on_install" => ActivationType::OnInstall,
        "immediate" => ActivationType::Immediate,
        "unknown" => ActivationType::Unknown,
        other => return Err(StoreError::corrupt(format!("activation type '{other}'"))),
    })
}

pub(crate) fn order_state(name: &str) -> Result<OrderState> {
    OrderState::from_name(name).ok_or_else(|| StoreError::corrupt(format!("order state '{name}'")))
}

pub(crate) fn package_state(name: &str) -> Result<PackageState> {
    PackageState::from_name(name)
        .ok_or_else(|| StoreError::corrupt(format!("package state '{name}'")))
}

pub(crate) fn profile_status_name(s: ProfileStatus) -> &'static str {
    match s {
        ProfileStatus::Released => "released",
        ProfileStatus::Downloaded => "downloaded",
        ProfileStatus::Installed => "installed",
        ProfileStatus::Unavailable => "unavailable",
        ProfileStatus::Deactivated => "deactivated",
        ProfileStatus::Unknown => "unknown",
    }
}

pub(crate) fn profile_status(name: &str) -> Result<ProfileStatus> {
    use ProfileStatus::*;
    [
        Released,
        Downloaded,
        Installed,
        Unavailable,
        Deactivated,
        Unknown,
    ]
    .into_iter()
    .find(|s| profile_status_name(*s) == name)
    .ok_or_else(|| StoreError::corrupt(format!("profile status '{name}'")))
}

/// Folds text for matching what an agent types: lower case, accents removed ("Côte d'Ivoire" →
/// "cote d ivoire"), every run of other non-alphanumeric characters one space, trimmed.
pub(crate) fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.nfkd().filter(|c| !is_combining_mark(*c)) {
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(c.to_lowercase());
        } else {
            pending_space = true;
        }
    }
    out
}

/// The exclusive upper bound of a prefix range: every string starting with `prefix` sorts
/// (bytewise, SQLite's BINARY collation) at or above `prefix` and below this.
pub(crate) fn prefix_end(prefix: &str) -> String {
    let mut end = String::with_capacity(prefix.len() + 4);
    end.push_str(prefix);
    end.push(char::MAX);
    end
}

/// A country's home region, through a table built once (keshvar builds a full record per call).
pub(crate) fn home_region(c: Country) -> Region {
    static TABLE: OnceLock<HashMap<Country, Region>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        Country::all()
            .into_iter()
            .map(|c| (c, c.home_region()))
            .collect()
    });
    table.get(&c).copied().unwrap_or(Region::Other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_what_agents_type() {
        assert_eq!(fold("Côte d'Ivoire"), "cote d ivoire");
        assert_eq!(fold("  Guinea-Bissau "), "guinea bissau");
        assert_eq!(fold("ÅLAND"), "aland");
        assert_eq!(fold("USA"), "usa");
        assert_eq!(fold("--"), "");
    }

    #[test]
    fn prefix_range_covers_continuations() {
        let end = prefix_end("spa");
        assert!("spain" < end.as_str() && "spa" < end.as_str());
        assert!("spb" > end.as_str());
    }
}
