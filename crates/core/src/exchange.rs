//! Exchange rates the agency enters (or imports) with their date, and conversion of a
//! provider's cost into the desk's selling currency. A rate is never invented: an amount in a
//! currency without a rate to the selling currency stays in its own currency (see
//! [`crate::pricing::PriceList`]).

use std::fmt;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use time::Date;
use ts_rs::TS;

use crate::money::{Currency, Money};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExchangeError {
    #[error("'{0}' is not a rate: write it as a positive number such as 1.0843")]
    Unreadable(String),
    #[error("a rate must be above zero")]
    NotPositive,
    #[error("a rate converts between two different currencies ({0} to {0} is always 1)")]
    SameCurrency(Currency),
    #[error("'{0}' is not a date: write it as YYYY-MM-DD")]
    UnreadableDate(String),
    #[error("this rate converts {expected}, not {got}")]
    WrongCurrency { expected: Currency, got: Currency },
    #[error("the converted amount is too large")]
    Overflow,
}

/// `1 from = rate to`, as the agency set it on `as_of`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ExchangeRate {
    pub from: Currency,
    pub to: Currency,
    /// How many `to` one `from` buys, exactly as entered (a decimal string on the wire).
    #[ts(type = "string")]
    #[serde(with = "decimal_text")]
    pub rate: Decimal,
    /// The day the rate is from, shown beside every price converted with it.
    #[ts(type = "string")]
    #[serde(with = "iso_date")]
    pub as_of: Date,
}

/// The largest number of decimals a rate keeps (more is noise, and keeps products exact).
const MAX_RATE_DECIMALS: u32 = 10;

impl ExchangeRate {
    pub fn new(
        from: Currency,
        to: Currency,
        rate: Decimal,
        as_of: Date,
    ) -> Result<Self, ExchangeError> {
        if from == to {
            return Err(ExchangeError::SameCurrency(from));
        }
        if rate <= Decimal::ZERO {
            return Err(ExchangeError::NotPositive);
        }
        Ok(ExchangeRate {
            from,
            to,
            rate: rate.normalize(),
            as_of,
        })
    }

    /// A rate as a person types it or a CSV file holds it: currency codes, the rate ("1.0843";
    /// a decimal comma is read too) and the date (`YYYY-MM-DD`).
    pub fn parse(from: &str, to: &str, rate: &str, as_of: &str) -> Result<Self, ExchangeError> {
        let from =
            Currency::parse(from.trim()).map_err(|_| ExchangeError::Unreadable(from.to_owned()))?;
        let to =
            Currency::parse(to.trim()).map_err(|_| ExchangeError::Unreadable(to.to_owned()))?;
        let text = rate.trim().replace(',', ".");
        let value: Decimal = text
            .parse()
            .map_err(|_| ExchangeError::Unreadable(rate.trim().to_owned()))?;
        if value.scale() > MAX_RATE_DECIMALS {
            return Err(ExchangeError::Unreadable(rate.trim().to_owned()));
        }
        let as_of = parse_date(as_of)?;
        ExchangeRate::new(from, to, value, as_of)
    }

    /// `amount` (in `from`) in `to`, rounded half away from zero to `to`'s minor unit.
    pub fn convert(&self, amount: Money) -> Result<Money, ExchangeError> {
        if amount.currency() != self.from {
            return Err(ExchangeError::WrongCurrency {
                expected: self.from,
                got: amount.currency(),
            });
        }
        let scale_from = Decimal::from(10_i64.pow(self.from.exponent()));
        let scale_to = Decimal::from(10_i64.pow(self.to.exponent()));
        let exact = Decimal::from(amount.minor())
            .checked_mul(self.rate)
            .and_then(|v| v.checked_mul(scale_to))
            .and_then(|v| v.checked_div(scale_from))
            .ok_or(ExchangeError::Overflow)?;
        let minor = exact
            .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
            .normalize();
        let minor = i64::try_from(minor.mantissa()).map_err(|_| ExchangeError::Overflow)?;
        Ok(Money::from_minor(minor, self.to))
    }
}

impl fmt::Display for ExchangeRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "1 {} = {} {} ({})",
            self.from, self.rate, self.to, self.as_of
        )
    }
}

fn parse_date(text: &str) -> Result<Date, ExchangeError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text.trim(), &format)
        .map_err(|_| ExchangeError::UnreadableDate(text.trim().to_owned()))
}

/// Rates as decimal text on the wire (a JSON number would go through a float).
mod decimal_text {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(rate: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&rate.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Dates as `YYYY-MM-DD` on the wire.
mod iso_date {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    pub fn serialize<S: Serializer>(date: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&date.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_date(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn cur(code: &str) -> Currency {
        Currency::parse(code).unwrap()
    }

    fn rate(from: &str, to: &str, r: &str) -> ExchangeRate {
        ExchangeRate::parse(from, to, r, "2026-11-30").unwrap()
    }

    #[test]
    fn converts_into_the_target_minor_unit_half_away_from_zero() {
        let eur_usd = rate("EUR", "USD", "1.0843");
        // 14.99 EUR × 1.0843 = 16.253657 USD → 16.25
        assert_eq!(
            eur_usd
                .convert(Money::from_minor(1499, cur("EUR")))
                .unwrap(),
            Money::from_minor(1625, cur("USD"))
        );
        // 0.05 EUR × 1.1 = 0.055 → 0.06 (half away from zero)
        let r = rate("EUR", "USD", "1.1");
        assert_eq!(
            r.convert(Money::from_minor(5, cur("EUR"))).unwrap().minor(),
            6
        );
    }

    #[test]
    fn currencies_keep_their_own_exponents() {
        // 10.00 USD at 150.25 JPY = 1502.5 JPY → 1503 (JPY has no minor unit)
        let usd_jpy = rate("USD", "JPY", "150.25");
        assert_eq!(
            usd_jpy
                .convert(Money::from_minor(1000, cur("USD")))
                .unwrap(),
            Money::from_minor(1503, cur("JPY"))
        );
        // 1000 JPY at 0.00205 KWD = 2.050 KWD (three decimals)
        let jpy_kwd = rate("JPY", "KWD", "0.00205");
        assert_eq!(
            jpy_kwd
                .convert(Money::from_minor(1000, cur("JPY")))
                .unwrap(),
            Money::from_minor(2050, cur("KWD"))
        );
    }

    #[test]
    fn bad_rates_are_refused_with_a_reason() {
        assert_eq!(
            ExchangeRate::parse("EUR", "USD", "-1", "2026-11-30"),
            Err(ExchangeError::NotPositive)
        );
        assert_eq!(
            ExchangeRate::parse("EUR", "USD", "0", "2026-11-30"),
            Err(ExchangeError::NotPositive)
        );
        assert!(matches!(
            ExchangeRate::parse("EUR", "USD", "abc", "2026-11-30"),
            Err(ExchangeError::Unreadable(_))
        ));
        assert!(matches!(
            ExchangeRate::parse("EUR", "EUR", "1", "2026-11-30"),
            Err(ExchangeError::SameCurrency(_))
        ));
        assert!(matches!(
            ExchangeRate::parse("EUR", "USD", "1.08", "30/11/2026"),
            Err(ExchangeError::UnreadableDate(_))
        ));
        assert!(matches!(
            ExchangeRate::parse("XXQ", "USD", "1.08", "2026-11-30"),
            Err(ExchangeError::Unreadable(_))
        ));
        assert_eq!(rate("EUR", "USD", "1,0843").rate.to_string(), "1.0843");
    }

    #[test]
    fn an_amount_in_another_currency_is_not_converted() {
        let eur_usd = rate("EUR", "USD", "1.0843");
        assert!(matches!(
            eur_usd.convert(Money::from_minor(100, cur("GBP"))),
            Err(ExchangeError::WrongCurrency { .. })
        ));
    }

    #[test]
    fn travels_as_text_with_its_date() {
        let r = rate("EUR", "USD", "1.0843");
        let json = serde_json::to_value(r).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"from": "EUR", "to": "USD", "rate": "1.0843", "asOf": "2026-11-30"})
        );
        let back: ExchangeRate = serde_json::from_value(json).unwrap();
        assert_eq!(back, r);
    }
}
