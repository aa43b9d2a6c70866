//! Exact JSON numbers, shared by the adapters whose providers send money as JSON numbers in
//! major units (eSIM Go, Telness): the number's own text is parsed as a decimal, never through
//! `f64`, so `137.39` stays `137.39` and an amount finer than a currency's minor unit can be told
//! apart (and refused or rounded, as each adapter's reference says) rather than silently lost.
//!
//! Moved here from `esimgo/wire.rs` when the Telness adapter needed the same reading.

use rust_decimal::Decimal;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

/// A JSON number kept exact: parsed from the number's text as a decimal, never via `f64`.
/// A numeric string (`"2.28"`) is accepted too, leniently: some replies quote numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Number(pub Decimal);

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(d)?;
        let text = raw.get().trim();
        let text = text
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .map_or(text, str::trim);
        parse_decimal(text).map(Number).ok_or_else(|| {
            D::Error::custom(format!("expected a decimal number, found {}", clip(text)))
        })
    }
}

fn clip(text: &str) -> String {
    text.chars().take(40).collect()
}

/// Parses JSON number text exactly (`2.28`, `-1`, `1e3`, `2.5E-1`).
pub(crate) fn parse_decimal(text: &str) -> Option<Decimal> {
    if text.is_empty()
        || !text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'))
    {
        return None;
    }
    if text.contains(['e', 'E']) {
        Decimal::from_scientific(text).ok()
    } else {
        // Refuses, rather than rounds, digits beyond what a Decimal holds.
        Decimal::from_str_exact(text).ok()
    }
}

impl Number {
    /// A whole non-negative number (data quantities, days, bytes).
    pub(crate) fn as_u64(self) -> Option<u64> {
        let n = self.0.normalize();
        if n.scale() != 0 || n.is_sign_negative() {
            return None;
        }
        u64::try_from(n.mantissa()).ok()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn money_is_read_from_the_number_text() {
        let n: Number = serde_json::from_str("2.28").unwrap();
        assert_eq!(n.0.to_string(), "2.28");
        // Values f64 cannot hold exactly stay exact.
        let n: Number = serde_json::from_str("12345678901234567.89").unwrap();
        assert_eq!(n.0.to_string(), "12345678901234567.89");
        let n: Number = serde_json::from_str("1.005").unwrap();
        assert_eq!(n.0, Decimal::new(1005, 3));
        // Digits beyond a Decimal's precision are refused, not rounded.
        assert!(serde_json::from_str::<Number>("0.1000000000000000055511151231257827").is_err());
        let n: Number = serde_json::from_str("3.9").unwrap();
        assert_eq!(n.0, Decimal::new(39, 1));
        let n: Number = serde_json::from_str("1e3").unwrap();
        assert_eq!(n.as_u64(), Some(1000));
        let n: Number = serde_json::from_str("\"12.40\"").unwrap();
        assert_eq!(n.0, Decimal::new(1240, 2));
        assert!(serde_json::from_str::<Number>("true").is_err());
        assert!(serde_json::from_str::<Number>("\"abc\"").is_err());
        let n: Number = serde_json::from_str("-1").unwrap();
        assert_eq!(n.0, Decimal::NEGATIVE_ONE);
        assert_eq!(n.as_u64(), None);
        let n: Number = serde_json::from_str("1000.0").unwrap();
        assert_eq!(n.as_u64(), Some(1000));
        let n: Number = serde_json::from_str("1000.5").unwrap();
        assert_eq!(n.as_u64(), None);
    }
}
