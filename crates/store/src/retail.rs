//! The precomputed retail columns of `offerings` (`retail_minor`, `price_per_gb_minor`), so that
//! results sort by an index: priced with core's pricing policy when a catalogue is stored, and
//! recomputed in the same transaction whenever a markup rule changes.

use esimdesk_core::pricing::price_per_gb_minor;
use esimdesk_core::{MarkupBook, Money, ProviderKind, Region};
use rusqlite::{Transaction, params};

use crate::columns::{currency, i64_to_u64, provider, region};
use crate::error::Result;

/// Retail price and retail per decimal GB of one offering's row.
pub(crate) fn price(
    book: &MarkupBook,
    provider: ProviderKind,
    markup_region: Option<Region>,
    cost: Money,
    data_bytes: Option<u64>,
) -> Result<(Money, Option<i64>)> {
    let retail = book.retail(provider, markup_region, cost)?;
    Ok((retail, price_per_gb_minor(retail, data_bytes)))
}

/// Recomputes every offering's retail columns under `book` (inside the caller's transaction),
/// writing only the rows whose price changed.
pub(crate) fn reprice_all(tx: &Transaction, book: &MarkupBook) -> Result<()> {
    let mut changed: Vec<(i64, i64, Option<i64>)> = Vec::new();
    {
        let mut stmt = tx.prepare(
            "SELECT id, provider, markup_region, cost_minor, currency, data_bytes, retail_minor,
                    price_per_gb_minor
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
            let old: (i64, Option<i64>) = (r.get(6)?, r.get(7)?);
            let (retail, per_gb) = price(book, provider, mregion, cost, data)?;
            if (retail.minor(), per_gb) != old {
                changed.push((id, retail.minor(), per_gb));
            }
        }
    }
    let mut upd = tx
        .prepare("UPDATE offerings SET retail_minor = ?2, price_per_gb_minor = ?3 WHERE id = ?1")?;
    for (id, retail, per_gb) in &changed {
        upd.execute(params![id, retail, per_gb])?;
    }
    Ok(())
}
