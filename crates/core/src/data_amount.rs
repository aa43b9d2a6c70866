//! Data amounts in bytes. Providers' MB/GB are converted at the adapter edge, each with its own
//! convention written next to the conversion; these constructors name the convention. What a
//! person reads and types uses decimal units (1 GB = 1,000,000,000 bytes), as catalogues sell.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

const MB: u64 = 1_000_000;
const GB: u64 = 1_000_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[ts(type = "number")]
pub struct DataAmount(u64);

impl DataAmount {
    pub const fn from_bytes(bytes: u64) -> Self {
        DataAmount(bytes)
    }

    /// Decimal megabytes: 1 MB = 1,000,000 bytes (eSIM Go's convention).
    pub fn from_decimal_megabytes(mb: u64) -> Option<Self> {
        mb.checked_mul(MB).map(DataAmount)
    }

    /// Binary megabytes: 1 MB = 1,048,576 bytes.
    pub fn from_binary_megabytes(mb: u64) -> Option<Self> {
        mb.checked_mul(1 << 20).map(DataAmount)
    }

    pub const fn bytes(self) -> u64 {
        self.0
    }

    pub fn saturating_sub(self, other: DataAmount) -> DataAmount {
        DataAmount(self.0.saturating_sub(other.0))
    }
}

impl fmt::Display for DataAmount {
    /// Decimal units, one decimal place where it matters: "500 MB", "1 GB", "1.5 GB".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        if b >= GB {
            let tenths = (u128::from(b) * 10 + u128::from(GB / 2)) / u128::from(GB);
            if tenths.is_multiple_of(10) {
                write!(f, "{} GB", tenths / 10)
            } else {
                write!(f, "{}.{} GB", tenths / 10, tenths % 10)
            }
        } else if b >= MB {
            write!(f, "{} MB", (b + MB / 2) / MB)
        } else {
            write!(f, "{b} B")
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DataAmountError {
    #[error("'{0}' is not a data amount like 5GB or 500MB")]
    NotAnAmount(String),
    #[error("'{0}' is not a whole number of bytes")]
    TooPrecise(String),
    #[error("'{0}' is too large")]
    TooLarge(String),
}

impl FromStr for DataAmount {
    type Err = DataAmountError;

    /// Reads what a person types in a data filter: "5GB", "5 GB", "500mb", "1.5 GB", "750 B"
    /// (GB, G, MB, M or B, any case; decimal units). A bare number is GB, the unit packages are
    /// sold in.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let trimmed = text.trim();
        let not_an_amount = || DataAmountError::NotAnAmount(trimmed.to_owned());
        let split = trimmed
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(trimmed.len());
        let (number, unit) = trimmed.split_at(split);
        let multiplier = match unit.trim_start().to_ascii_uppercase().as_str() {
            "" | "GB" | "G" => GB,
            "MB" | "M" => MB,
            "B" => 1,
            _ => return Err(not_an_amount()),
        };
        let (whole, fraction) = match number.split_once('.') {
            Some((whole, fraction)) => (whole, fraction),
            None => (number, ""),
        };
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !digits(whole) || !digits(fraction) || number.ends_with('.') {
            return Err(not_an_amount());
        }
        // Trailing zeros say nothing; what is left must come to whole bytes.
        let fraction = fraction.trim_end_matches('0');
        let scale = 10_u128
            .checked_pow(u32::try_from(fraction.len()).map_err(|_| not_an_amount())?)
            .ok_or_else(|| DataAmountError::TooPrecise(trimmed.to_owned()))?;
        let too_large = || DataAmountError::TooLarge(trimmed.to_owned());
        let whole: u128 = whole.parse().map_err(|_| too_large())?;
        let fraction: u128 = if fraction.is_empty() {
            0
        } else {
            fraction.parse().map_err(|_| too_large())?
        };
        let scaled = whole
            .checked_mul(scale)
            .and_then(|w| w.checked_add(fraction))
            .and_then(|n| n.checked_mul(u128::from(multiplier)))
            .ok_or_else(too_large)?;
        if scaled % scale != 0 {
            return Err(DataAmountError::TooPrecise(trimmed.to_owned()));
        }
        u64::try_from(scaled / scale)
            .map(DataAmount)
            .map_err(|_| too_large())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn converts_with_named_conventions() {
        assert_eq!(
            DataAmount::from_decimal_megabytes(1000).unwrap().bytes(),
            1_000_000_000
        );
        assert_eq!(
            DataAmount::from_binary_megabytes(1).unwrap().bytes(),
            1_048_576
        );
        assert!(DataAmount::from_decimal_megabytes(u64::MAX).is_none());
    }

    #[test]
    fn displays_readably() {
        assert_eq!(DataAmount::from_bytes(1_000_000_000).to_string(), "1 GB");
        assert_eq!(DataAmount::from_bytes(1_500_000_000).to_string(), "1.5 GB");
        assert_eq!(DataAmount::from_bytes(500_000_000).to_string(), "500 MB");
        assert_eq!(
            DataAmount::from_bytes(u64::MAX).to_string(),
            "18446744073.7 GB"
        );
    }

    #[test]
    fn parses_what_people_type() {
        // (typed, bytes)
        for (text, bytes) in [
            ("5GB", 5_000_000_000),
            ("5 GB", 5_000_000_000),
            ("5gb", 5_000_000_000),
            ("5G", 5_000_000_000),
            ("5", 5_000_000_000),
            (" 5 GB ", 5_000_000_000),
            ("500mb", 500_000_000),
            ("500 MB", 500_000_000),
            ("500M", 500_000_000),
            ("1.5 GB", 1_500_000_000),
            ("1.50GB", 1_500_000_000),
            ("0.5", 500_000_000),
            ("0.000000001 GB", 1),
            ("1.000000000000 GB", 1_000_000_000),
            ("750 B", 750),
            ("0", 0),
            ("18446744073709551615 B", u64::MAX),
        ] {
            assert_eq!(text.parse::<DataAmount>().unwrap().bytes(), bytes, "{text}");
        }
    }

    #[test]
    fn refuses_what_is_not_an_amount() {
        fn kind(e: DataAmountError) -> &'static str {
            match e {
                DataAmountError::NotAnAmount(_) => "not an amount",
                DataAmountError::TooPrecise(_) => "too precise",
                DataAmountError::TooLarge(_) => "too large",
            }
        }
        // (typed, why)
        for (text, why) in [
            ("lots", "not an amount"),
            ("", "not an amount"),
            ("GB", "not an amount"),
            ("5 TB", "not an amount"),
            ("5 GiB", "not an amount"),
            ("-5GB", "not an amount"),
            ("5.GB", "not an amount"),
            (".5GB", "not an amount"),
            ("1.2.3GB", "not an amount"),
            ("5 G B", "not an amount"),
            ("1,5 GB", "not an amount"),
            ("0.0000000001 GB", "too precise"),
            ("1.5 B", "too precise"),
            ("18446744073709551616 B", "too large"),
            ("99999999999 GB", "too large"),
            ("999999999999999999999999999999999999999999 GB", "too large"),
        ] {
            let err = text.parse::<DataAmount>().unwrap_err();
            assert_eq!(kind(err.clone()), why, "{text}: {err}");
        }
    }

    #[test]
    fn reads_back_what_it_displays() {
        for bytes in [
            750,
            500_000_000,
            1_000_000_000,
            1_500_000_000,
            20_000_000_000,
        ] {
            let shown = DataAmount::from_bytes(bytes).to_string();
            assert_eq!(
                shown.parse::<DataAmount>().unwrap().bytes(),
                bytes,
                "{shown}"
            );
        }
    }
}
