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
    #[error("'{0}' is not an amount: type digits, e.g. 19.99 or 1500")]
    NotADecimal(String),
    #[error("'{0}' is negative: enter an amount of zero or more")]
    Negative(String),
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, TS)]
#[ts(as = "MoneyJson")]
pub struct Money {
    minor: i64,
    currency: Currency,
}

/// Money as it crosses to the window and to scripts: the currency's own number of decimals
/// (`digits`: USD 2, JPY 0, KWD 3) travels with the amount, so no face keeps a table of its own.
/// Read back, `digits` is optional and must match the currency when given.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, TS)]
#[ts(rename = "Money")]
struct MoneyJson {
    #[ts(type = "number")]
    minor: i64,
    currency: Currency,
    #[serde(default)]
    #[ts(type = "number")]
    digits: Option<u32>,
}

// By hand, through `MoneyJson` (ts-rs reads serde's attributes and knows no `into`/`try_from`).
impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        MoneyJson::from(*self).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Money::try_from(MoneyJson::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

impl From<Money> for MoneyJson {
    fn from(m: Money) -> Self {
        MoneyJson {
            minor: m.minor,
            currency: m.currency,
            digits: Some(m.currency.exponent()),
        }
    }
}

impl TryFrom<MoneyJson> for Money {
    type Error = String;

    fn try_from(j: MoneyJson) -> Result<Self, String> {
        match j.digits {
            Some(d) if d != j.currency.exponent() => Err(format!(
                "{} has {} decimal digits, not {d}",
                j.currency,
                j.currency.exponent()
            )),
            _ => Ok(Money::from_minor(j.minor, j.currency)),
        }
    }
}

impl Money {
    pub fn from_minor(minor: i64, currency: Currency) -> Self {
        Money { minor, currency }
    }

    pub fn zero(currency: Currency) -> Self {
        Money { minor: 0, currency }
    }

    /// Parses an amount a person typed, in major units ("19.99", "1500", "4,5"), exactly, with
    /// the currency's own number of decimals (USD 2, JPY 0, KWD 3). One parser for every face, so
    /// a JPY or KWD desk's price means what was typed.
    ///
    /// Accepted: ASCII digits, optionally one decimal separator ('.' or ',', as desks type both)
    /// with digits on both sides; spaces around are ignored. Refused: a sign (amounts typed are
    /// never negative), grouping, exponents, and more decimals than the currency has, even
    /// zeros: in a JPY desk "1,000" means a thousand yen to whoever typed it, and reading it as
    /// 1 would be the worst answer.
    pub fn from_major_str(amount: &str, currency: Currency) -> Result<Self, MoneyError> {
        let text = amount.trim();
        let not_a_decimal = || MoneyError::NotADecimal(text.to_owned());
        if text.starts_with('-') {
            return Err(MoneyError::Negative(text.to_owned()));
        }
        let (whole, fraction) = match text.split_once(['.', ',']) {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (text, None),
        };
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(whole) || fraction.is_some_and(|f| !all_digits(f)) {
            return Err(not_a_decimal());
        }
        let fraction = fraction.unwrap_or("");
        let exponent = currency.exponent();
        if fraction.len() > exponent as usize {
            return Err(MoneyError::TooPrecise {
                amount: text.to_owned(),
                currency,
                exponent,
            });
        }
        // Digits only, so parsing can fail only by size.
        let whole: i64 = whole.parse().map_err(|_| MoneyError::Overflow)?;
        let padded = format!("{fraction:0<width$}", width = exponent as usize);
        let fraction: i64 = if padded.is_empty() {
            0
        } else {
            padded.parse().map_err(|_| MoneyError::Overflow)?
        };
        let minor = 10_i64
            .checked_pow(exponent)
            .and_then(|unit| whole.checked_mul(unit))
            .and_then(|m| m.checked_add(fraction))
            .ok_or(MoneyError::Overflow)?;
        Ok(Money { minor, currency })
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
        currency("usd")
    }

    fn currency(code: &str) -> Currency {
        Currency::parse(code).unwrap()
    }

    #[test]
    fn parses_typed_amounts_with_the_currency_s_own_decimals() {
        // (typed, currency, minor units)
        for (text, code, minor) in [
            ("2.28", "USD", 228),
            ("1.65", "USD", 165),
            ("3.9", "USD", 390),
            ("0", "USD", 0),
            ("10", "USD", 1000),
            (" 19.99 ", "USD", 1999),
            ("4,5", "EUR", 450),
            ("007", "EUR", 700),
            ("1500", "JPY", 1500),
            ("0", "JPY", 0),
            ("12.345", "KWD", 12_345),
            ("12.3", "KWD", 12_300),
            ("12", "KWD", 12_000),
            ("2,5", "KWD", 2_500),
        ] {
            let money = Money::from_major_str(text, currency(code)).unwrap();
            assert_eq!(money.minor(), minor, "{text} {code}");
            assert_eq!(money.currency().code(), code);
        }
    }

    #[test]
    fn refuses_what_is_not_an_exact_amount() {
        fn kind(e: MoneyError) -> &'static str {
            match e {
                MoneyError::TooPrecise { .. } => "too precise",
                MoneyError::Negative(_) => "negative",
                MoneyError::NotADecimal(_) => "not a decimal",
                MoneyError::Overflow => "overflow",
                _ => "other",
            }
        }
        // (typed, currency, why)
        for (text, code, why) in [
            ("1.655", "USD", "too precise"),
            ("1.650", "USD", "too precise"),
            ("1,000", "USD", "too precise"),
            ("1500.5", "JPY", "too precise"),
            ("1500.0", "JPY", "too precise"),
            ("1,000", "JPY", "too precise"),
            ("1.2345", "KWD", "too precise"),
            ("-1", "USD", "negative"),
            ("-0.5", "JPY", "negative"),
            ("abc", "USD", "not a decimal"),
            ("", "USD", "not a decimal"),
            ("+5", "USD", "not a decimal"),
            ("5.", "USD", "not a decimal"),
            (".5", "USD", "not a decimal"),
            ("1.2.3", "USD", "not a decimal"),
            ("1 000", "JPY", "not a decimal"),
            ("1_000", "JPY", "not a decimal"),
            ("1e3", "USD", "not a decimal"),
            ("$5", "USD", "not a decimal"),
            ("5 USD", "USD", "not a decimal"),
            ("٣", "USD", "not a decimal"),
            ("99999999999999999999", "USD", "overflow"),
            ("92233720368547758.08", "USD", "overflow"),
        ] {
            let err = Money::from_major_str(text, currency(code)).unwrap_err();
            assert_eq!(kind(err.clone()), why, "{text} {code}: {err}");
        }
        assert_eq!(
            Money::from_major_str("1500.5", currency("JPY"))
                .unwrap_err()
                .to_string(),
            "1500.5 has more decimal places than JPY allows (0)"
        );
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
        assert_eq!(json, r#"{"minor":228,"currency":"USD","digits":2}"#);
        let back: Money = serde_json::from_str(&json).unwrap();
        assert_eq!(back.minor(), 228);
        // The digits travel with the amount: yen have none, dinars three.
        let yen = Money::from_minor(1500, Currency::parse("JPY").unwrap());
        assert!(
            serde_json::to_string(&yen)
                .unwrap()
                .ends_with(r#""digits":0}"#)
        );
        // Read back, they may be left out, but never contradict the currency.
        let short: Money = serde_json::from_str(r#"{"minor":5,"currency":"USD"}"#).unwrap();
        assert_eq!(short.minor(), 5);
        assert!(
            serde_json::from_str::<Money>(r#"{"minor":5,"currency":"USD","digits":0}"#).is_err()
        );
        assert!(serde_json::from_str::<Money>(r#"{"minor":1,"currency":"XYZ"}"#).is_err());
    }
}
