//! Exact money for the simulators: integer cents (eSIM Go in USD, Telness in EUR), written on
//! the wire as a JSON number in major units (`1.65`). The JSON number is produced from the
//! nearest `f64`, whose shortest representation is exactly the two-decimal value for every
//! amount below 2^53 cents.

use serde::{Serialize, Serializer};

/// An amount in cents, serialised in major units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Major(pub i64);

impl Serialize for Major {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0 % 100 == 0 {
            // Whole amounts as integers (`1000`, not `1000.0`), as the reference's examples.
            return s.serialize_i64(self.0 / 100);
        }
        #[allow(clippy::cast_precision_loss)]
        let v = self.0 as f64 / 100.0;
        s.serialize_f64(v)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not an amount with at most two decimals: {0:?}")]
pub struct AmountError(pub String);

/// Parses `"12"`, `"12.5"`, `"-0.25"` into cents, exactly. More than two decimals is an error
/// unless the extra digits are zeros.
pub fn parse_cents(text: &str) -> Result<i64, AmountError> {
    let err = || AmountError(text.to_owned());
    let t = text.trim();
    let (neg, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err());
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) || (t.contains('.') && frac.is_empty()) {
        return Err(err());
    }
    let (keep, rest) = frac.split_at(frac.len().min(2));
    if rest.bytes().any(|b| b != b'0') {
        return Err(err());
    }
    let whole: i64 = int.parse().map_err(|_| err())?;
    let mut cents: i64 = keep.parse::<i64>().unwrap_or(0);
    if keep.len() == 1 {
        cents *= 10;
    }
    let total = whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(cents))
        .ok_or_else(err)?;
    Ok(if neg { -total } else { total })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exactly() {
        assert_eq!(parse_cents("1.65"), Ok(165));
        assert_eq!(parse_cents("3.9"), Ok(390));
        assert_eq!(parse_cents("1000"), Ok(100_000));
        assert_eq!(parse_cents("-0.25"), Ok(-25));
        assert_eq!(parse_cents("2.500"), Ok(250));
        assert!(parse_cents("2.505").is_err());
        assert!(parse_cents("abc").is_err());
        assert!(parse_cents("1.").is_err());
        assert!(parse_cents("").is_err());
    }

    #[test]
    fn serialises_in_major_units() {
        let s = serde_json::to_string(&[
            Major(165),
            Major(390),
            Major(100_000),
            Major(24_537),
            Major(0),
            Major(-25),
        ])
        .unwrap_or_default();
        assert_eq!(s, "[1.65,3.9,1000,245.37,0,-0.25]");
    }
}
