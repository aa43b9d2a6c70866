//! The agency's exchange rates into the desk's selling currency: listed, set one at a time,
//! imported from a CSV file, removed. Every change reprices the cached catalogue at once (one
//! transaction), and is in the audit log.

use esimdesk_core::{Currency, ExchangeError, ExchangeRate};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::AppError;
use crate::desk::Desk;

/// The most rates one CSV import takes: far more than there are currencies, so a larger file is
/// not a rate table.
pub const MAX_IMPORTED_RATES: usize = 1_000;

/// The largest CSV text an import reads.
pub const MAX_IMPORT_BYTES: usize = 256 * 1024;

/// A rate as a person types it on the Settings screen: into the desk's selling currency.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RateInput {
    /// The currency converted (a provider's, e.g. "EUR").
    pub from: String,
    /// How many units of the selling currency one unit of `from` buys ("1.0843").
    pub rate: String,
    /// The day the rate is from (`YYYY-MM-DD`).
    pub as_of: String,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RatesImported {
    /// Rates added or replaced.
    pub rates: usize,
    /// Of those, rates into the selling currency (the others wait for a change of it).
    pub into_selling_currency: usize,
}

fn invalid(field: impl Into<String>, e: impl std::fmt::Display) -> AppError {
    AppError::InvalidInput {
        field: field.into(),
        message: e.to_string(),
    }
}

fn exchange(e: ExchangeError) -> AppError {
    invalid("exchange rate", e)
}

/// Today's date (UTC) as a rate's date is written: what a rate entered now is "as of".
pub fn today() -> String {
    time::OffsetDateTime::now_utc().date().to_string()
}

/// Every rate the agency entered.
pub fn exchange_rates(desk: &Desk) -> Result<Vec<ExchangeRate>, AppError> {
    Ok(desk.store().exchange_rates()?)
}

/// Sets (or replaces) the rate from `input.from` into the selling currency.
pub fn set_exchange_rate(desk: &Desk, input: &RateInput) -> Result<ExchangeRate, AppError> {
    let selling = desk.store().desk_settings()?.currency;
    let rate = ExchangeRate::parse(&input.from, selling.code(), &input.rate, &input.as_of)
        .map_err(exchange)?;
    desk.store().set_exchange_rates(&[rate])?;
    Ok(rate)
}

/// Removes the rate `from` → `to`.
pub fn remove_exchange_rate(desk: &Desk, from: &str, to: &str) -> Result<(), AppError> {
    let currency = |code: &str| Currency::parse(code.trim()).map_err(|e| invalid("currency", e));
    Ok(desk
        .store()
        .remove_exchange_rate(currency(from)?, currency(to)?)?)
}

/// Imports rates from CSV text with a header naming the columns `from`, `to`, `rate` and
/// `as_of` (any order; `to` may be left out: the selling currency). All or nothing: a line that
/// does not read is an error naming the line, and nothing changes.
pub fn import_csv(desk: &Desk, text: &str) -> Result<RatesImported, AppError> {
    if text.len() > MAX_IMPORT_BYTES {
        return Err(invalid(
            "CSV file",
            format!(
                "it is over {} KB: not a rate table",
                MAX_IMPORT_BYTES / 1024
            ),
        ));
    }
    let selling = desk.store().desk_settings()?.currency;
    let rates = read_csv(text, selling)?;
    desk.store().set_exchange_rates(&rates)?;
    Ok(RatesImported {
        rates: rates.len(),
        into_selling_currency: rates.iter().filter(|r| r.to == selling).count(),
    })
}

/// The rates of a CSV text (see [`import_csv`]).
fn read_csv(text: &str, selling: Currency) -> Result<Vec<ExchangeRate>, AppError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| invalid("CSV file", e))?
        .iter()
        .map(|h| h.to_ascii_lowercase().replace([' ', '-'], "_"))
        .collect::<Vec<_>>();
    let column = |name: &str| headers.iter().position(|h| h == name);
    let (Some(from), Some(rate), Some(as_of)) = (column("from"), column("rate"), column("as_of"))
    else {
        return Err(invalid(
            "CSV file",
            "the first line must name the columns from, rate and as_of (and optionally to)",
        ));
    };
    let to = column("to");
    let mut rates: Vec<ExchangeRate> = Vec::new();
    for (i, record) in reader.records().enumerate() {
        // Line 1 is the header.
        let line = i + 2;
        let record = record.map_err(|e| invalid(format!("CSV line {line}"), e))?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        if rates.len() == MAX_IMPORTED_RATES {
            return Err(invalid(
                "CSV file",
                format!("more than {MAX_IMPORTED_RATES} rates: not a rate table"),
            ));
        }
        let field = |i: usize| record.get(i).unwrap_or("");
        let target = to
            .map(field)
            .filter(|t| !t.is_empty())
            .unwrap_or(selling.code());
        let parsed = ExchangeRate::parse(field(from), target, field(rate), field(as_of))
            .map_err(|e| invalid(format!("CSV line {line}"), e))?;
        if let Some(earlier) = rates
            .iter()
            .position(|r| r.from == parsed.from && r.to == parsed.to)
        {
            return Err(invalid(
                format!("CSV line {line}"),
                format!(
                    "{} to {} is given twice (also on line {})",
                    parsed.from,
                    parsed.to,
                    earlier + 2
                ),
            ));
        }
        rates.push(parsed);
    }
    if rates.is_empty() {
        return Err(invalid("CSV file", "it holds no rates"));
    }
    Ok(rates)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn usd() -> Currency {
        Currency::parse("USD").unwrap()
    }

    #[test]
    fn reads_a_rate_table_in_any_column_order() {
        let rates = read_csv(
            "as_of,from,rate\n2026-11-30,EUR,1.0843\n2026-11-30, SEK ,\"0,0921\"\n",
            usd(),
        )
        .unwrap();
        assert_eq!(rates.len(), 2);
        assert_eq!(rates[1].to_string(), "1 SEK = 0.0921 USD (2026-11-30)");
        let with_to = read_csv("From,To,Rate,As Of\nEUR,GBP,0.85,2026-11-29\n", usd()).unwrap();
        assert_eq!(with_to[0].to.code(), "GBP");
    }

    #[test]
    fn a_bad_line_is_named_and_nothing_is_taken() {
        let e = read_csv(
            "from,rate,as_of\nEUR,1.08,2026-11-30\nSEK,-1,2026-11-30\n",
            usd(),
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("CSV line 3: "), "{e}");
        let e = read_csv(
            "from,rate,as_of\nEUR,1.08,2026-11-30\nEUR,1.09,2026-11-30\n",
            usd(),
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("given twice (also on line 2)"),
            "{e}"
        );
        let e = read_csv("currency,value\nEUR,1.08\n", usd()).unwrap_err();
        assert!(e.to_string().contains("must name the columns"), "{e}");
        let e = read_csv("from,rate,as_of\nEUR,1.08\n", usd()).unwrap_err();
        assert!(e.to_string().starts_with("CSV line 2: "), "{e}");
        assert!(read_csv("from,rate,as_of\n", usd()).is_err());
        let many: String = std::iter::once("from,rate,as_of\n".to_owned())
            .chain((0..=MAX_IMPORTED_RATES).map(|_| "EUR,1,2026-11-30\n".to_owned()))
            .collect();
        assert!(read_csv(&many, usd()).is_err());
    }
}
