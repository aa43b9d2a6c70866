//! Exact money: integer minor units with an ISO 4217 currency. Never floating point.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use ts_rs::TS;

/// An ISO 4217 currency, from the maintained `iso_currency` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, TS)]
#[ts(type = "string")]
pub struct Currency(iso_currency::Currency);

impl Currency {
    pub fn parse(code: &str) -> Result<Self, MoneyError> {
        iso_currency::Currency::from_code(&code.trim().to_ascii_uppercase())
            .map(Currency)
            .ok_or_else(|| MoneyError::UnknownCurrency(code.trim().to_owned()))
    }

    pub fn code(self) -> &'static str {
        self.0.code()
    }

    /// Digits after the decimal point (2 for EUR, 0 for JPY, 3 for KWD). Funds and
    /// precious-metal codes without an exponent are treated as 2.
    pub fn exponent(self) -> u32 {
        u32::from(self.0.exponent().unwrap_or(2))
    }

    pub fn name(self) -> String {
        self.0.name().to_owned()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = String::deserialize(d)?;
        Currency::parse(&code).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("unknown currency code '{0}'")]
    UnknownCurrency(String),
    #[error("cannot combine {0} with {1}: amounts in different currencies")]
    CurrencyMismatch(Currency, Currency),
    #[error("'{0}' is not a decimal amount")]
    NotADecimal(String),
    #[error("{amount} has more decimal places than {currency} allows ({exponent})")]
    TooPrecise {
        amount: String,
        currency: Currency,
        exponent: u32,
    },
    #[error("amount is too large")]
    Overflow,
}

/// How a marked-up price is rounded to something a customer sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Rounding {
    /// Half up to the nearest minor unit.
    NearestMinor,
    /// Up to the next price whose minor part ends in `ending` (e.g. 99 → x.99), never below the
    /// exact marked-up price, so markup is never lost to rounding.
    UpToEnding { ending: u32 },
}

/// An amount in minor units (cents) of one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
pub struct Money {
    #[ts(type = "number")]
    minor: i64,
    currency: Currency,
}

impl Money {
    pub fn from_minor(minor: i64, currency: Currency) -> Self {
        Money { minor, currency }
    }

    pub fn zero(currency: Currency) -> Self {
        Money { minor: 0, currency }
    }

    /// Parses a decimal amount in major units ("2.28") exactly; refuses amounts finer than the
    /// currency's minor unit rather than rounding money silently.
    pub fn from_major_str(amount: &str, currency: Currency) -> Result<Self, MoneyError> {
        let text = amount.trim();
        let value =
            Decimal::from_str(text).map_err(|_| MoneyError::NotADecimal(text.to_owned()))?;
        Self::from_major_decimal(value, currency)
    }

    pub fn from_major_decimal(value: Decimal, currency: Currency) -> Result<Self, MoneyError> {
        let exponent = currency.exponent();
        let scaled = value
            .checked_mul(Decimal::from(10_i64.pow(exponent)))
            .ok_or(MoneyError::Overflow)?
            .normalize();
        if scaled.scale() != 0 {
            return Err(MoneyError::TooPrecise {
                amount: value.to_string(),
                currency,
                exponent,
            });
        }
        let minor = i64::try_from(scaled.mantissa()).map_err(|_| MoneyError::Overflow)?;
        Ok(Money { minor, currency })
    }

    pub fn minor(self) -> i64 {
        self.minor
    }

    pub fn currency(self) -> Currency {
        self.currency
    }

    pub fn is_zero(self) -> bool {
        self.minor == 0
    }

    /// The amount in major units as exact text, e.g. "12.99" (no currency).
    pub fn major_string(self) -> String {
        Decimal::new(self.minor, self.currency.exponent()).to_string()
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self
            .minor
            .checked_add(other.minor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money { minor, ..self })
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self
            .minor
            .checked_sub(other.minor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money { minor, ..self })
    }

    pub fn checked_mul(self, factor: i64) -> Result<Money, MoneyError> {
        let minor = self.minor.checked_mul(factor).ok_or(MoneyError::Overflow)?;
        Ok(Money { minor, ..self })
    }

    /// Compares two amounts; only defined within one currency.
    pub fn compare(self, other: Money) -> Result<Ordering, MoneyError> {
        self.same_currency(other)?;
        Ok(self.minor.cmp(&other.minor))
    }

    pub fn sum<I: IntoIterator<Item = Money>>(
        currency: Currency,
        items: I,
    ) -> Result<Money, MoneyError> {
        items
            .into_iter()
            .try_fold(Money::zero(currency), Money::checked_add)
    }

    /// Applies a markup in basis points (1 bp = 0.01 %) and rounds as asked.
    pub fn with_markup(self, basis_points: i64, rounding: Rounding) -> Result<Money, MoneyError> {
        let exact = Decimal::from(self.minor)
            .checked_mul(Decimal::from(10_000_i64 + basis_points))
            .ok_or(MoneyError::Overflow)?
            / Decimal::from(10_000_i64);
        let minor = match rounding {
            Rounding::NearestMinor => exact
                .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero),
            Rounding::UpToEnding { ending } => {
                let unit = Decimal::from(10_i64.pow(self.currency.exponent()));
                let ending = Decimal::from(ending) % unit;
                let whole = (exact / unit).floor() * unit;
                let mut candidate = whole + ending;
                if candidate < exact {
                    candidate += unit;
                }
                candidate
            }
        };
        let minor = i64::try_from(minor.mantissa() / 10_i128.pow(minor.scale()))
            .map_err(|_| MoneyError::Overflow)?;
        Ok(Money { minor, ..self })
    }

    fn same_currency(self, other: Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch(self.currency, other.currency))
        }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.major_string(), self.currency)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn usd() -> Currency {
        Currency::parse("usd").unwrap()
    }

    #[test]
    fn parses_major_decimal_text_exactly() {
        for (text, minor) in [
            ("2.28", 228),
            ("1.65", 165),
            ("3.9", 390),
            ("0", 0),
            ("10", 1000),
        ] {
            assert_eq!(
                Money::from_major_str(text, usd()).unwrap().minor(),
                minor,
                "{text}"
            );
        }
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(Money::from_major_str("1500", jpy).unwrap().minor(), 1500);
        assert!(matches!(
            Money::from_major_str("1.655", usd()),
            Err(MoneyError::TooPrecise { .. })
        ));
        assert!(matches!(
            Money::from_major_str("abc", usd()),
            Err(MoneyError::NotADecimal(_))
        ));
    }

    #[test]
    fn refuses_mixing_currencies() {
        let eur = Currency::parse("EUR").unwrap();
        let a = Money::from_minor(100, usd());
        let b = Money::from_minor(100, eur);
        assert!(matches!(
            a.checked_add(b),
            Err(MoneyError::CurrencyMismatch(..))
        ));
        assert!(a.compare(b).is_err());
        assert_eq!(
            a.compare(Money::from_minor(5, usd())).unwrap(),
            Ordering::Greater
        );
    }

    #[test]
    fn markup_rounds_as_asked() {
        let cost = Money::from_minor(1000, usd());
        // +25 % → 12.50
        assert_eq!(
            cost.with_markup(2500, Rounding::NearestMinor)
                .unwrap()
                .minor(),
            1250
        );
        // +25 % then up to .99 → 12.99
        let r = cost
            .with_markup(2500, Rounding::UpToEnding { ending: 99 })
            .unwrap();
        assert_eq!(r.minor(), 1299);
        // exact 12.99 stays; 13.00 goes to 13.99 (never below the exact price)
        let c = Money::from_minor(1299, usd());
        assert_eq!(
            c.with_markup(0, Rounding::UpToEnding { ending: 99 })
                .unwrap()
                .minor(),
            1299
        );
        let c = Money::from_minor(1300, usd());
        assert_eq!(
            c.with_markup(0, Rounding::UpToEnding { ending: 99 })
                .unwrap()
                .minor(),
            1399
        );
        // half up: 1.005 → 1.01
        let c = Money::from_minor(201, usd());
        assert_eq!(
            c.with_markup(-5000, Rounding::NearestMinor)
                .unwrap()
                .minor(),
            101
        );
    }

    #[test]
    fn displays_major_units() {
        assert_eq!(Money::from_minor(1299, usd()).to_string(), "12.99 USD");
        assert_eq!(Money::from_minor(5, usd()).major_string(), "0.05");
    }

    #[test]
    fn serialises_currency_as_code() {
        let json = serde_json::to_string(&Money::from_minor(228, usd())).unwrap();
        assert_eq!(json, r#"{"minor":228,"currency":"USD"}"#);
        let back: Money = serde_json::from_str(&json).unwrap();
        assert_eq!(back.minor(), 228);
        assert!(serde_json::from_str::<Money>(r#"{"minor":1,"currency":"XYZ"}"#).is_err());
    }
}
