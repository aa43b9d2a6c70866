//! The precomputed retail columns of `offerings` (`retail_minor`, `retail_currency`,
//! `incomparable`, `price_per_gb_minor`), so that results sort by an index: priced with core's
//! pricing policy ([`PriceList`]: exchange rate, then markup) when a catalogue is stored, and
//! recomputed in the same transaction whenever a markup rule, a rate or the selling currency
//! changes.

use esimdesk_core::pricing::price_per_gb_minor;
use esimdesk_core::{Money, PriceList, ProviderKind, Region, Retail};
use rusqlite::{Transaction, params};

use crate::columns::{currency, i64_to_u64, provider, region};
use crate::error::Result;

/// An offering's retail columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RetailColumns {
    pub minor: i64,
    pub currency: &'static str,
    pub incomparable: bool,
    pub per_gb: Option<i64>,
}

/// Retail price (converted and marked up) and retail per decimal GB of one offering's row.
pub(crate) fn price(
    list: &PriceList,
    provider: ProviderKind,
    markup_region: Option<Region>,
    cost: Money,
    data_bytes: Option<u64>,
) -> Result<RetailColumns> {
    let Retail {
        price, comparable, ..
    } = list.retail(provider, markup_region, cost)?;
    Ok(RetailColumns {
        minor: price.minor(),
        currency: price.currency().code(),
        incomparable: !comparable,
        per_gb: price_per_gb_minor(price, data_bytes),
    })
}

/// Recomputes every offering's retail columns under `list` (inside the caller's transaction),
/// writing only the rows whose price changed.
pub(crate) fn reprice_all(tx: &Transaction, list: &PriceList) -> Result<()> {
    let mut changed: Vec<(i64, RetailColumns)> = Vec::new();
    {
        let mut stmt = tx.prepare(
            "SELECT id, provider, markup_region, cost_minor, currency, data_bytes, retail_minor,
                    retail_currency, incomparable, price_per_gb_minor
             FROM offerings",
        )?;
        let mut q = stmt.query([])?;
        while let Some(r) = q.next()? {
            let id: i64 = r.get(0)?;
            let provider = provider(&r.get::<_, String>(1)?)?;
            let mregion = r
                .get::<_, Option<String>>(2)?
                .map(|c| region(&c))
                .transpose()?;
            let cost = Money::from_minor(r.get(3)?, currency(&r.get::<_, String>(4)?)?);
            let data = r
                .get::<_, Option<i64>>(5)?
                .map(|b| i64_to_u64(b, "data amount"))
                .transpose()?;
            let new = price(list, provider, mregion, cost, data)?;
            let old = (
                r.get::<_, i64>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, bool>(8)?,
                r.get::<_, Option<i64>>(9)?,
            );
            if (new.minor, new.currency, new.incomparable, new.per_gb)
                != (old.0, old.1.as_str(), old.2, old.3)
            {
                changed.push((id, new));
            }
        }
    }
    let mut upd = tx.prepare(
        "UPDATE offerings SET retail_minor = ?2, retail_currency = ?3, incomparable = ?4,
            price_per_gb_minor = ?5
         WHERE id = ?1",
    )?;
    for (id, c) in &changed {
        upd.execute(params![id, c.minor, c.currency, c.incomparable, c.per_gb])?;
    }
    Ok(())
}
