//! The agency's exchange rates into the desk's selling currency. Every change reprices the cached
//! catalogue in the same transaction (see `retail.rs`), as markup changes do.

use esimdesk_core::{Currency, ExchangeRate, MarkupBook, PriceList};
use rusqlite::{Connection, params};

use crate::columns::{currency, now, ts};
use crate::error::{Result, StoreError};
use crate::store::Store;
use crate::{audit, markup, retail, settings};

fn load_rates(conn: &Connection) -> Result<Vec<ExchangeRate>> {
    let mut stmt = conn.prepare_cached(
        "SELECT from_currency, to_currency, rate, as_of FROM exchange_rates
         ORDER BY to_currency, from_currency",
    )?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let (from, to, rate, as_of): (String, String, String, String) =
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
        out.push(
            ExchangeRate::parse(&from, &to, &rate, &as_of)
                .map_err(|e| StoreError::corrupt(format!("exchange rate {from}/{to}: {e}")))?,
        );
    }
    Ok(out)
}

/// Everything retail prices depend on, as the database holds it now.
pub(crate) fn load_price_list(conn: &Connection) -> Result<PriceList> {
    let book: MarkupBook = markup::load_book(conn)?;
    let selling = settings::load(conn)?.currency;
    Ok(PriceList::new(book, selling, &load_rates(conn)?))
}

impl Store {
    /// Every rate the agency entered, into any currency.
    pub fn exchange_rates(&self) -> Result<Vec<ExchangeRate>> {
        load_rates(&self.conn())
    }

    /// Adds or replaces rates (one per currency pair) and reprices the cached catalogue, all in
    /// one transaction: an import of many rates lands whole or not at all.
    pub fn set_exchange_rates(&self, rates: &[ExchangeRate]) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let mut upsert = tx.prepare_cached(
                "INSERT INTO exchange_rates (from_currency, to_currency, rate, as_of, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (from_currency, to_currency) DO UPDATE SET rate = excluded.rate,
                    as_of = excluded.as_of, updated_at = excluded.updated_at",
            )?;
            for r in rates {
                upsert.execute(params![
                    r.from.code(),
                    r.to.code(),
                    r.rate.to_string(),
                    r.as_of.to_string(),
                    ts(now())?
                ])?;
            }
        }
        retail::reprice_all(&tx, &load_price_list(&tx)?)?;
        let actor = settings::actor(&tx)?;
        let detail: Vec<String> = rates.iter().map(ToString::to_string).collect();
        audit::record(&tx, &actor, "rates.set", &detail.join("; "))?;
        tx.commit()?;
        Ok(())
    }

    /// Removes the rate `from` → `to` and reprices. [`StoreError::NotFound`] if there is none.
    pub fn remove_exchange_rate(&self, from: Currency, to: Currency) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let n = tx.execute(
            "DELETE FROM exchange_rates WHERE from_currency = ?1 AND to_currency = ?2",
            params![from.code(), to.code()],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!(
                "exchange rate {from} to {to}"
            )));
        }
        retail::reprice_all(&tx, &load_price_list(&tx)?)?;
        let actor = settings::actor(&tx)?;
        audit::record(&tx, &actor, "rates.remove", &format!("{from} to {to}"))?;
        tx.commit()?;
        Ok(())
    }
}

/// A rate row as stored, for the search's "converted at" note.
pub(crate) fn rate_from_columns(
    from: Option<String>,
    to: &str,
    rate: Option<String>,
    as_of: Option<String>,
) -> Result<Option<ExchangeRate>> {
    match (from, rate, as_of) {
        (Some(from), Some(rate), Some(as_of)) => {
            currency(&from)?;
            Ok(Some(
                ExchangeRate::parse(&from, to, &rate, &as_of)
                    .map_err(|e| StoreError::corrupt(format!("exchange rate {from}/{to}: {e}")))?,
            ))
        }
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use esimdesk_core::{Money, ProviderKind};
    use time::OffsetDateTime;

    use super::*;
    use crate::catalogue::tests::offering;
    use crate::search::SearchQuery;
    use crate::store::test_support::*;

    fn eur() -> Currency {
        Currency::parse("EUR").unwrap()
    }

    /// A USD desk with eSIM Go in USD and Telness in EUR, both selling Spain.
    fn two_currencies() -> (tempfile::TempDir, Store) {
        let (dir, store) = temp_store();
        account(&store, "go", ProviderKind::Esimgo);
        account(&store, "tn", ProviderKind::Telness);
        let at = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let usd = vec![offering("go_es_1", &["ES"], Some(1), 500)];
        let mut in_eur = offering("tn_es_1", &["ES"], Some(1), 400);
        in_eur.provider = ProviderKind::Telness;
        in_eur.cost = Money::from_minor(400, eur());
        store
            .replace_catalogue("go", &usd, at, &mut |_| {})
            .unwrap();
        store
            .replace_catalogue("tn", &[in_eur], at, &mut |_| {})
            .unwrap();
        (dir, store)
    }

    fn listed(store: &Store, query: SearchQuery) -> Vec<(String, String, bool)> {
        store
            .search(&query)
            .unwrap()
            .into_iter()
            .map(|h| (h.offering.code, h.retail.to_string(), h.comparable))
            .collect()
    }

    #[test]
    fn without_a_rate_an_offering_keeps_its_currency_and_comes_after_the_comparable_ones() {
        let (_dir, store) = two_currencies();
        assert_eq!(
            listed(&store, SearchQuery::destination("spain")),
            vec![
                ("go_es_1".into(), "5.00 USD".into(), true),
                ("tn_es_1".into(), "4.00 EUR".into(), false),
            ]
        );
        // A price limit is in the selling currency: a EUR price cannot be held against it.
        let cheap = SearchQuery {
            max_price_minor: Some(450),
            ..SearchQuery::destination("spain")
        };
        assert!(listed(&store, cheap).is_empty());
    }

    #[test]
    fn the_limit_holds_per_block_so_other_currencies_are_listed_too() {
        let (_dir, store) = two_currencies();
        let one_each = SearchQuery {
            limit: 1,
            ..SearchQuery::destination("spain")
        };
        assert_eq!(
            listed(&store, one_each),
            vec![
                ("go_es_1".into(), "5.00 USD".into(), true),
                ("tn_es_1".into(), "4.00 EUR".into(), false),
            ]
        );
    }

    #[test]
    fn a_rate_converts_reprices_and_sorts_and_its_removal_undoes_it() {
        let (_dir, store) = two_currencies();
        let rate = ExchangeRate::parse("EUR", "USD", "1.1", "2026-11-30").unwrap();
        store.set_exchange_rates(&[rate]).unwrap();
        // 4.00 EUR × 1.1 = 4.40 USD: now comparable, and cheaper than 5.00 USD.
        assert_eq!(
            listed(&store, SearchQuery::destination("spain")),
            vec![
                ("tn_es_1".into(), "4.40 USD".into(), true),
                ("go_es_1".into(), "5.00 USD".into(), true),
            ]
        );
        let hit = &store.search(&SearchQuery::destination("tn_es")).unwrap()[0];
        assert_eq!(hit.rate, Some(rate));
        assert_eq!(hit.price_per_gb_minor, Some(440));
        assert_eq!(store.exchange_rates().unwrap(), vec![rate]);

        store
            .remove_exchange_rate(eur(), Currency::parse("USD").unwrap())
            .unwrap();
        assert_eq!(
            listed(&store, SearchQuery::destination("spain"))[1],
            ("tn_es_1".into(), "4.00 EUR".into(), false)
        );
        assert!(matches!(
            store.remove_exchange_rate(eur(), Currency::parse("USD").unwrap()),
            Err(StoreError::NotFound(_))
        ));
    }

    #[test]
    fn another_selling_currency_reprices_everything() {
        let (_dir, store) = two_currencies();
        let mut settings = store.desk_settings().unwrap();
        settings.currency = eur();
        store.set_desk_settings(&settings).unwrap();
        assert_eq!(
            listed(&store, SearchQuery::destination("spain")),
            vec![
                ("tn_es_1".into(), "4.00 EUR".into(), true),
                ("go_es_1".into(), "5.00 USD".into(), false),
            ]
        );
    }
}
