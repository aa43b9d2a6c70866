//! Catalogue search, as a desk agent types into the destination box.
//!
//! **Strategy.** What was typed is resolved first to destination keys through the small
//! `destination_names` table (see `names.rs`: exact name or code → start of a name or word →
//! inside a name; only the best tier counts), and the keys to the few *coverages* serving them
//! (`coverage_destinations`: a coverage is one list of countries — Spain alone, the 30-odd
//! countries of a Europe bundle — shared by every offering sold for it, so an offering covering
//! several countries is found from any of them). Offerings carry their coverage and precomputed
//! retail price, and the index `offerings_search (coverage_id, retail_minor, id, data_bytes,
//! validity_days, provider, price_per_gb_minor)` holds every filter column: for each coverage
//! SQLite walks the index already in retail order, tests the filters on the index entry itself
//! and stops at the limit. The few sorted lists are merged (the best `limit` overall are always
//! within each list's first `limit`), and only the winners' rows are read, by primary key. No
//! scan of `offerings`, no sort, whatever the catalogue's size (`EXPLAIN QUERY PLAN` is checked
//! in the tests). Sorting by price per GB reads a coverage's index entries and sorts them.
//!
//! FTS5 is not used for offerings: nothing is ranked by text relevance (results sort by price),
//! and bundle codes (`esim_1GB_7D_NL_V2`) would be split on `_` by its tokenizers; they have their
//! own lower-cased column `code_key` with an index that answers exact and prefix searches. Text
//! containing `_`, or matching no destination, is searched as a bundle code prefix. With no text
//! at all, every offering is listed (a scan and sort: the UI always has a destination).
//!
//! Retail prices are precomputed at ingest (and on markup, rate and selling-currency changes), in
//! the desk's selling currency, so sorting by them uses the index. An offering whose currency has
//! no rate keeps its own currency and is flagged `incomparable`: the index lists those after the
//! comparable ones, and a price limit (in the selling currency) leaves them out. A destination
//! search's limit holds per block (the comparable rows, then each other currency's), so such
//! offerings are listed even when the comparable ones fill the limit.

use std::collections::HashMap;

use esimdesk_core::{DataAllowance, DataAmount, ExchangeRate, Money, Offering, ProviderKind};
use rusqlite::types::Value;
use rusqlite::{Connection, Row, params_from_iter};
use time::OffsetDateTime;

use crate::columns::{
    countries, from_name, from_ts, i64_to_u32, i64_to_u64, money, provider, region, u64_to_i64,
};
use crate::error::{Result, StoreError};
use crate::folding::{fold, prefix_end};
use crate::names::{self, Destination};
use crate::rates::rate_from_columns;
use crate::store::Store;

/// Results come back at most this many at a time.
pub const MAX_LIMIT: usize = 1_000;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum SearchSort {
    /// Cheapest retail price first.
    #[default]
    RetailPrice,
    /// Cheapest retail price per GB first; unlimited offerings (no per-GB price) last.
    PricePerGb,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    /// A country name in any case, partial or alternative ("spa", "USA", "Holland"), an ISO
    /// code ("es", "uk"), a region ("Europe", "asia pacific") or a bundle code or its start
    /// (`esim_1GB_7D_NL`). `None` or empty: every offering.
    pub destination: Option<String>,
    /// At least this much data; unlimited offerings always qualify.
    pub min_data_bytes: Option<u64>,
    /// Valid for at least this many days: the length of the customer's trip.
    pub min_days: Option<u32>,
    pub max_days: Option<u32>,
    /// Highest retail price, in minor units.
    pub max_price_minor: Option<i64>,
    /// `Some(true)`: only unlimited; `Some(false)`: only limited.
    pub unlimited: Option<bool>,
    pub provider: Option<ProviderKind>,
    pub sort: SearchSort,
    /// How many results (at most [`MAX_LIMIT`]).
    pub limit: usize,
}

impl Default for SearchQuery {
    fn default() -> Self {
        SearchQuery {
            destination: None,
            min_data_bytes: None,
            min_days: None,
            max_days: None,
            max_price_minor: None,
            unlimited: None,
            provider: None,
            sort: SearchSort::RetailPrice,
            limit: 50,
        }
    }
}

impl SearchQuery {
    pub fn destination(text: impl Into<String>) -> Self {
        SearchQuery {
            destination: Some(text.into()),
            ..SearchQuery::default()
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    pub account_id: String,
    pub offering: Offering,
    /// The rate the cost was converted into the selling currency with, to show beside the price.
    pub rate: Option<ExchangeRate>,
    /// `retail` is in the desk's selling currency. `false`: no rate converts the provider's
    /// currency, so `retail` is in the provider's own currency and the hit is listed after the
    /// comparable ones.
    pub comparable: bool,
    /// What the customer pays, under the current markup rules.
    pub retail: Money,
    /// Retail per decimal GB in minor units; `None` for unlimited offerings.
    pub price_per_gb_minor: Option<i64>,
    /// When this account's catalogue was fetched.
    pub fetched_at: OffsetDateTime,
}

/// Full result rows: `FROM` [`HIT_FROM`].
const HIT_COLUMNS: &str = "o.id, o.account_id, o.provider, o.code, o.name, c.countries, o.region,
    o.data_bytes, o.validity_days, o.cost_minor, o.currency, o.retail_minor,
    o.price_per_gb_minor, o.activation, o.speeds, o.top_up,
    (SELECT s.fetched_at FROM catalogue_syncs s WHERE s.account_id = o.account_id),
    o.retail_currency, o.incomparable, r.from_currency, r.rate, r.as_of";
const HIT_FROM: &str = "offerings o JOIN coverages c ON c.id = o.coverage_id
    LEFT JOIN exchange_rates r ON r.from_currency = o.currency
        AND r.to_currency = o.retail_currency";

/// The order results merge in: (not comparable, currency, no per-GB price, per-GB price, retail,
/// id) or (not comparable, currency, retail, id).
type SortKey = (bool, String, bool, i64, i64, i64);

fn hit_from_row(r: &Row<'_>) -> Result<(i64, SearchHit)> {
    let id: i64 = r.get(0)?;
    let code: String = r.get(3)?;
    let currency: String = r.get(10)?;
    let retail_currency: String = r.get(17)?;
    let data = match r.get::<_, Option<i64>>(7)? {
        Some(b) => DataAllowance::Limited {
            amount: DataAmount::from_bytes(i64_to_u64(b, "data amount")?),
        },
        None => DataAllowance::Unlimited,
    };
    let speeds: Vec<String> = serde_json::from_str(&r.get::<_, String>(14)?)
        .map_err(|e| StoreError::corrupt(format!("speeds of {code}: {e}")))?;
    let fetched: Option<i64> = r.get(16)?;
    let offering = Offering {
        provider: provider(&r.get::<_, String>(2)?)?,
        name: r.get(4)?,
        countries: countries(&r.get::<_, String>(5)?)?,
        region: r
            .get::<_, Option<String>>(6)?
            .map(|c| region(&c))
            .transpose()?,
        data,
        validity_days: i64_to_u32(r.get(8)?, "validity")?,
        cost: money(r.get(9)?, &currency)?,
        activation: from_name(&r.get::<_, String>(13)?)?,
        speeds,
        top_up: r.get(15)?,
        code,
    };
    Ok((
        id,
        SearchHit {
            account_id: r.get(1)?,
            retail: money(r.get(11)?, &retail_currency)?,
            rate: rate_from_columns(r.get(19)?, &retail_currency, r.get(20)?, r.get(21)?)?,
            comparable: !r.get::<_, bool>(18)?,
            price_per_gb_minor: r.get(12)?,
            fetched_at: from_ts(
                fetched.ok_or_else(|| StoreError::corrupt("catalogue without a sync time"))?,
            )?,
            offering,
        },
    ))
}

/// `AND ...` clauses for the filters on table alias `t` (both tables name the columns alike),
/// with their values appended to `values`.
fn filter_sql(q: &SearchQuery, t: &str, values: &mut Vec<Value>) -> Result<String> {
    let mut sql = String::new();
    if let Some(max) = q.max_price_minor {
        // A price in another currency than the selling one cannot be held against the limit.
        values.push(Value::Integer(max));
        sql.push_str(&format!(
            " AND {t}.incomparable = 0 AND {t}.retail_minor <= ?{}",
            values.len()
        ));
    }
    if let Some(min) = q.min_data_bytes {
        values.push(Value::Integer(u64_to_i64(min, "data amount")?));
        sql.push_str(&format!(
            " AND ({t}.data_bytes IS NULL OR {t}.data_bytes >= ?{})",
            values.len()
        ));
    }
    if let Some(days) = q.min_days {
        values.push(Value::Integer(i64::from(days)));
        sql.push_str(&format!(" AND {t}.validity_days >= ?{}", values.len()));
    }
    if let Some(days) = q.max_days {
        values.push(Value::Integer(i64::from(days)));
        sql.push_str(&format!(" AND {t}.validity_days <= ?{}", values.len()));
    }
    match q.unlimited {
        Some(true) => sql.push_str(&format!(" AND {t}.data_bytes IS NULL")),
        Some(false) => sql.push_str(&format!(" AND {t}.data_bytes IS NOT NULL")),
        None => {}
    }
    if let Some(p) = q.provider {
        values.push(Value::Text(p.id().to_owned()));
        sql.push_str(&format!(" AND {t}.provider = ?{}", values.len()));
    }
    Ok(sql)
}

fn order_sql(sort: SearchSort, t: &str, id: &str) -> String {
    match sort {
        SearchSort::RetailPrice => {
            format!("{t}.incomparable, {t}.retail_currency, {t}.retail_minor, {t}.{id}")
        }
        SearchSort::PricePerGb => format!(
            "{t}.incomparable, {t}.retail_currency, {t}.price_per_gb_minor IS NULL, \
             {t}.price_per_gb_minor, {t}.retail_minor, {t}.{id}"
        ),
    }
}

/// The blocks of one coverage: comparable, or not with its currency (a walk of the search
/// index's prefix).
const COVERAGE_BLOCKS: &str = "SELECT DISTINCT incomparable, retail_currency FROM offerings
    WHERE coverage_id = ?1";

/// The candidates of one coverage (`?1`) in one block (`?2` incomparable, `?3` currency), best
/// first: id, incomparable, currency, retail, price per GB.
pub(crate) fn coverage_sql(q: &SearchQuery, coverage_id: i64) -> Result<(String, Vec<Value>)> {
    let mut values = vec![
        Value::Integer(coverage_id),
        Value::Integer(0),
        Value::Text(String::new()),
    ];
    let filters = filter_sql(q, "o", &mut values)?;
    let sql = format!(
        "SELECT o.id, o.incomparable, o.retail_currency, o.retail_minor, o.price_per_gb_minor
         FROM offerings o
         WHERE o.coverage_id = ?1 AND o.incomparable = ?2 AND o.retail_currency = ?3{filters}
         ORDER BY {} LIMIT {}",
        order_sql(q.sort, "o", "id"),
        limit(q)
    );
    Ok((sql, values))
}

/// The blocks one coverage's offerings fall in.
fn coverage_blocks(conn: &Connection, coverage_id: i64) -> Result<Vec<(bool, String)>> {
    let mut stmt = conn.prepare_cached(COVERAGE_BLOCKS)?;
    let mut rows = stmt.query([coverage_id])?;
    let mut blocks = Vec::new();
    while let Some(r) = rows.next()? {
        blocks.push((r.get(0)?, r.get(1)?));
    }
    Ok(blocks)
}

fn limit(q: &SearchQuery) -> usize {
    q.limit.min(MAX_LIMIT)
}

fn run(conn: &Connection, sql: &str, values: &[Value]) -> Result<Vec<(i64, SearchHit)>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(params_from_iter(values.iter()))?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(hit_from_row(r)?);
    }
    Ok(out)
}

fn coverages_for(conn: &Connection, keys: &[String]) -> Result<Vec<i64>> {
    let mut stmt =
        conn.prepare_cached("SELECT coverage_id FROM coverage_destinations WHERE dest = ?1")?;
    let mut ids = Vec::new();
    for key in keys {
        let mut rows = stmt.query([key])?;
        while let Some(r) = rows.next()? {
            ids.push(r.get::<_, i64>(0)?);
        }
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

fn search_destinations(
    conn: &Connection,
    q: &SearchQuery,
    keys: &[String],
) -> Result<Vec<SearchHit>> {
    let mut candidates: Vec<SortKey> = Vec::new();
    for coverage in coverages_for(conn, keys)? {
        let (sql, mut values) = coverage_sql(q, coverage)?;
        for (incomparable, currency) in coverage_blocks(conn, coverage)? {
            values[1] = Value::Integer(i64::from(incomparable));
            values[2] = Value::Text(currency);
            let mut stmt = conn.prepare_cached(&sql)?;
            let mut rows = stmt.query(params_from_iter(values.iter()))?;
            while let Some(r) = rows.next()? {
                let id: i64 = r.get(0)?;
                let incomparable: bool = r.get(1)?;
                let currency: String = r.get(2)?;
                let retail: i64 = r.get(3)?;
                let per_gb: Option<i64> = r.get(4)?;
                candidates.push(match q.sort {
                    SearchSort::RetailPrice => (incomparable, currency, false, 0, retail, id),
                    SearchSort::PricePerGb => (
                        incomparable,
                        currency,
                        per_gb.is_none(),
                        per_gb.unwrap_or(0),
                        retail,
                        id,
                    ),
                });
            }
        }
    }
    candidates.sort_unstable();
    candidates.dedup_by_key(|k| k.5);
    // The limit holds per block: the comparable rows, then each other currency's (a list cut at
    // the limit would otherwise never show the offerings no rate converts).
    let mut shown: HashMap<(bool, String), usize> = HashMap::new();
    candidates.retain(|k| {
        let n = shown.entry((k.0, k.1.clone())).or_insert(0);
        *n += 1;
        *n <= limit(q)
    });
    // The winners' rows in one statement (one primary-key lookup each), then in winning order.
    let ids: Vec<i64> = candidates.iter().map(|k| k.5).collect();
    let placeholders = vec!["?"; ids.len()].join(",");
    let sql = format!("SELECT {HIT_COLUMNS} FROM {HIT_FROM} WHERE o.id IN ({placeholders})");
    let values: Vec<Value> = ids.iter().map(|id| Value::Integer(*id)).collect();
    let mut by_id: HashMap<i64, SearchHit> = run(conn, &sql, &values)?.into_iter().collect();
    let out: Vec<SearchHit> = ids.iter().filter_map(|id| by_id.remove(id)).collect();
    Ok(out)
}

fn search_all(
    conn: &Connection,
    q: &SearchQuery,
    code_prefix: Option<&str>,
) -> Result<Vec<SearchHit>> {
    let mut values = Vec::new();
    let mut sql = format!("SELECT {HIT_COLUMNS} FROM {HIT_FROM} WHERE 1");
    if let Some(prefix) = code_prefix {
        values.push(Value::Text(prefix.to_owned()));
        values.push(Value::Text(prefix_end(prefix)));
        sql.push_str(" AND o.code_key >= ?1 AND o.code_key < ?2");
    }
    sql.push_str(&filter_sql(q, "o", &mut values)?);
    sql.push_str(&format!(
        " ORDER BY {} LIMIT {}",
        order_sql(q.sort, "o", "id"),
        limit(q)
    ));
    Ok(run(conn, &sql, &values)?
        .into_iter()
        .map(|(_, h)| h)
        .collect())
}

pub(crate) fn search(conn: &Connection, q: &SearchQuery) -> Result<Vec<SearchHit>> {
    if limit(q) == 0 {
        return Ok(Vec::new());
    }
    let text = q.destination.as_deref().map(str::trim).unwrap_or("");
    if text.is_empty() {
        return search_all(conn, q, None);
    }
    if !text.contains('_') {
        let keys = names::resolve(conn, text)?;
        if !keys.is_empty() {
            return search_destinations(conn, q, &keys);
        }
        if fold(text).is_empty() {
            return Ok(Vec::new());
        }
    }
    search_all(conn, q, Some(&text.to_lowercase()))
}

impl Store {
    /// Searches every cached catalogue (see the module docs for how text is understood).
    pub fn search(&self, q: &SearchQuery) -> Result<Vec<SearchHit>> {
        search(&self.conn(), q)
    }

    /// One cached offering by account and code (any case).
    pub fn offering(&self, account_id: &str, code: &str) -> Result<Option<SearchHit>> {
        let conn = self.conn();
        let sql = format!(
            "SELECT {HIT_COLUMNS} FROM {HIT_FROM} WHERE o.code_key = ?1 AND o.account_id = ?2"
        );
        let values = [
            Value::Text(code.trim().to_lowercase()),
            Value::Text(account_id.to_owned()),
        ];
        Ok(run(&conn, &sql, &values)?
            .into_iter()
            .next()
            .map(|(_, h)| h))
    }

    /// Countries and regions for the destination box: exact matches first, then names (or words
    /// of names) starting with the text, then names containing it.
    pub fn suggest_destinations(&self, prefix: &str, limit: usize) -> Result<Vec<Destination>> {
        names::suggest(&self.conn(), prefix, limit)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::catalogue::tests::offering;
    use crate::names::DestinationKind;
    use crate::store::test_support::*;
    use esimdesk_core::Region;

    fn store_with_catalogue() -> (tempfile::TempDir, Store) {
        let (dir, store) = temp_store();
        account(&store, "go", ProviderKind::Esimgo);
        account(&store, "tel", ProviderKind::Telness);
        let mut europe = offering(
            "esim_5GB_30D_EU_V2",
            &["ES", "FR", "NL", "DE"],
            Some(5),
            900,
        );
        europe.region = Some(Region::Europe);
        let mut go = vec![
            offering("esim_1GB_7D_ES_V2", &["ES"], Some(1), 200),
            offering("esim_3GB_30D_ES_V2", &["ES"], Some(3), 450),
            offering("esim_10GB_30D_ES_V2", &["ES"], Some(10), 1200),
            offering("esim_UL_7D_ES_V2", &["ES"], None, 1500),
            offering("esim_1GB_7D_NL_V2", &["NL"], Some(1), 180),
            offering("esim_1GB_7D_NL_V3", &["NL"], Some(1), 190),
            offering("esim_2GB_7D_US_V2", &["US"], Some(2), 500),
            offering("esim_2GB_7D_GB_V2", &["GB"], Some(2), 400),
            offering("esim_2GB_7D_AE_V2", &["AE"], Some(2), 700),
            offering("esim_1GB_7D_CI_V2", &["CI"], Some(1), 300),
            europe,
        ];
        for o in &mut go {
            if o.code.contains("_30D_") {
                o.validity_days = 30;
            }
        }
        store
            .replace_catalogue("go", &go, OffsetDateTime::UNIX_EPOCH, &mut |_| {})
            .unwrap();
        let mut tel = offering("TEL-ES-20", &["ES"], Some(20), 1600);
        tel.provider = ProviderKind::Telness;
        tel.validity_days = 30;
        store
            .replace_catalogue("tel", &[tel], OffsetDateTime::UNIX_EPOCH, &mut |_| {})
            .unwrap();
        (dir, store)
    }

    fn codes(store: &Store, q: &SearchQuery) -> Vec<String> {
        store
            .search(q)
            .unwrap()
            .into_iter()
            .map(|h| h.offering.code)
            .collect()
    }

    fn dest(store: &Store, text: &str) -> Vec<String> {
        codes(store, &SearchQuery::destination(text))
    }

    #[test]
    fn partial_names_any_case() {
        let (_dir, store) = store_with_catalogue();
        for text in [
            "spa", "SPAIN", "Spain", " sPa ", "es", "ES", "españa", "espana",
        ] {
            let found = dest(&store, text);
            assert_eq!(
                found,
                [
                    "esim_1GB_7D_ES_V2",
                    "esim_3GB_30D_ES_V2",
                    "esim_5GB_30D_EU_V2",
                    "esim_10GB_30D_ES_V2",
                    "esim_UL_7D_ES_V2",
                    "TEL-ES-20"
                ],
                "{text}"
            );
        }
    }

    #[test]
    fn common_alternative_names() {
        let (_dir, store) = store_with_catalogue();
        assert_eq!(dest(&store, "usa"), ["esim_2GB_7D_US_V2"]);
        assert_eq!(dest(&store, "us"), ["esim_2GB_7D_US_V2"]);
        assert_eq!(dest(&store, "America"), ["esim_2GB_7D_US_V2"]);
        assert_eq!(dest(&store, "uk"), ["esim_2GB_7D_GB_V2"]);
        assert_eq!(dest(&store, "great brit"), ["esim_2GB_7D_GB_V2"]);
        assert_eq!(dest(&store, "kingdom"), ["esim_2GB_7D_GB_V2"]);
        assert_eq!(dest(&store, "England"), ["esim_2GB_7D_GB_V2"]);
        assert_eq!(dest(&store, "uae"), ["esim_2GB_7D_AE_V2"]);
        assert_eq!(dest(&store, "cote d'ivoire"), ["esim_1GB_7D_CI_V2"]);
        let holland = dest(&store, "holland");
        assert_eq!(
            holland,
            [
                "esim_1GB_7D_NL_V2",
                "esim_1GB_7D_NL_V3",
                "esim_5GB_30D_EU_V2"
            ]
        );
        assert_eq!(dest(&store, "nether"), holland);
        assert_eq!(dest(&store, "Nederland"), holland);
        // Inside a word, when nothing starts with the text.
        assert_eq!(dest(&store, "olland"), holland);
    }

    #[test]
    fn several_destinations_merge_without_repeats() {
        let (_dir, store) = store_with_catalogue();
        // "united" starts United States, United Kingdom, United Arab Emirates, ...
        let found = dest(&store, "united");
        assert_eq!(
            found,
            [
                "esim_2GB_7D_GB_V2",
                "esim_2GB_7D_US_V2",
                "esim_2GB_7D_AE_V2"
            ]
        );
        // Regions: the EU bundle is found by region, and from every one of its countries.
        assert_eq!(dest(&store, "europe"), ["esim_5GB_30D_EU_V2"]);
        for c in ["france", "germany", "nl", "spain"] {
            assert!(
                dest(&store, c).contains(&"esim_5GB_30D_EU_V2".to_owned()),
                "{c}"
            );
        }
    }

    #[test]
    fn bundle_codes_exact_and_prefix() {
        let (_dir, store) = store_with_catalogue();
        assert_eq!(dest(&store, "esim_1GB_7D_NL_V2"), ["esim_1GB_7D_NL_V2"]);
        assert_eq!(
            dest(&store, "ESIM_1GB_7D_NL"),
            ["esim_1GB_7D_NL_V2", "esim_1GB_7D_NL_V3"]
        );
        assert_eq!(dest(&store, "tel-es"), ["TEL-ES-20"]);
        assert!(dest(&store, "zzzz").is_empty());
        assert!(dest(&store, "???").is_empty());
        let hit = store.offering("go", "ESIM_1gb_7d_nl_v2").unwrap().unwrap();
        assert_eq!(hit.offering.code, "esim_1GB_7D_NL_V2");
        assert_eq!(hit.offering.countries[0].as_str(), "NL");
        assert_eq!(hit.offering.speeds, ["4G", "5G"]);
        assert!(
            store
                .offering("tel", "esim_1GB_7D_NL_V2")
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn filters() {
        let (_dir, store) = store_with_catalogue();
        let q = |f: &dyn Fn(&mut SearchQuery)| {
            let mut q = SearchQuery::destination("spain");
            f(&mut q);
            codes(&store, &q)
        };
        assert_eq!(
            q(&|q| q.min_data_bytes = Some(5_000_000_000)),
            [
                "esim_5GB_30D_EU_V2",
                "esim_10GB_30D_ES_V2",
                "esim_UL_7D_ES_V2",
                "TEL-ES-20"
            ]
        );
        assert_eq!(
            q(&|q| q.max_days = Some(7)),
            ["esim_1GB_7D_ES_V2", "esim_UL_7D_ES_V2"]
        );
        // A ten-day trip: only what stays valid that long.
        assert_eq!(
            q(&|q| q.min_days = Some(10)),
            [
                "esim_3GB_30D_ES_V2",
                "esim_5GB_30D_EU_V2",
                "esim_10GB_30D_ES_V2",
                "TEL-ES-20"
            ]
        );
        assert_eq!(
            q(&|q| q.max_price_minor = Some(450)),
            ["esim_1GB_7D_ES_V2", "esim_3GB_30D_ES_V2"]
        );
        assert_eq!(q(&|q| q.unlimited = Some(true)), ["esim_UL_7D_ES_V2"]);
        assert_eq!(q(&|q| q.unlimited = Some(false)).len(), 5);
        assert_eq!(
            q(&|q| q.provider = Some(ProviderKind::Telness)),
            ["TEL-ES-20"]
        );
        assert_eq!(q(&|q| q.limit = 2).len(), 2);
        assert!(q(&|q| q.limit = 0).is_empty());
        // No destination: everything, cheapest first.
        let all = codes(&store, &SearchQuery::default());
        assert_eq!(all.len(), 12);
        assert_eq!(all[0], "esim_1GB_7D_NL_V2");
    }

    #[test]
    fn sorts_by_price_per_gb() {
        let (_dir, store) = store_with_catalogue();
        let hits = store
            .search(&SearchQuery {
                sort: SearchSort::PricePerGb,
                ..SearchQuery::destination("spain")
            })
            .unwrap();
        let per_gb: Vec<Option<i64>> = hits.iter().map(|h| h.price_per_gb_minor).collect();
        // 20 GB for 16.00 = 80/GB, 10 GB for 12.00 = 120, 3 GB for 4.50 = 150, 5 GB for 9.00 =
        // 180, 1 GB for 2.00 = 200; unlimited last.
        assert_eq!(
            per_gb,
            [Some(80), Some(120), Some(150), Some(180), Some(200), None]
        );
        let multi = store
            .search(&SearchQuery {
                sort: SearchSort::PricePerGb,
                ..SearchQuery::destination("united")
            })
            .unwrap();
        assert_eq!(multi[0].price_per_gb_minor, Some(200));
    }

    fn plan(conn: &Connection, sql: &str, values: &[Value]) -> String {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let plan: Vec<String> = stmt
            .query_map(params_from_iter(values.iter()), |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        plan.join("\n")
    }

    #[test]
    fn destination_search_uses_indexes_only() {
        let (_dir, store) = store_with_catalogue();
        let conn = store.conn();
        let q = SearchQuery {
            min_data_bytes: Some(1),
            min_days: Some(1),
            max_days: Some(30),
            max_price_minor: Some(10_000),
            provider: Some(ProviderKind::Esimgo),
            ..SearchQuery::destination("spa")
        };
        let text = plan(
            &conn,
            "SELECT coverage_id FROM coverage_destinations WHERE dest = ?1",
            &[Value::Text("ES".into())],
        );
        assert!(
            text.contains("SEARCH coverage_destinations USING PRIMARY KEY (dest=?)"),
            "{text}"
        );
        let text = plan(&conn, COVERAGE_BLOCKS, &[Value::Integer(1)]);
        assert!(
            text.contains("SEARCH offerings USING COVERING INDEX offerings_search (coverage_id=?)"),
            "{text}"
        );
        for sort in [SearchSort::RetailPrice, SearchSort::PricePerGb] {
            let (sql, values) = coverage_sql(&SearchQuery { sort, ..q.clone() }, 1).unwrap();
            let text = plan(&conn, &sql, &values);
            assert!(!text.contains("SCAN"), "{text}");
            assert!(
                text.contains("SEARCH o USING COVERING INDEX offerings_search (coverage_id=?"),
                "{text}"
            );
            if sort == SearchSort::RetailPrice {
                assert!(!text.contains("TEMP B-TREE"), "{text}");
            }
        }
        let text = plan(
            &conn,
            &format!("SELECT {HIT_COLUMNS} FROM {HIT_FROM} WHERE o.id IN (?, ?)"),
            &[Value::Integer(1), Value::Integer(2)],
        );
        assert!(!text.contains("SCAN"), "{text}");
        assert!(
            text.contains("SEARCH o USING INTEGER PRIMARY KEY (rowid=?)"),
            "{text}"
        );
    }

    #[test]
    fn suggestions() {
        let (_dir, store) = store_with_catalogue();
        let s = store.suggest_destinations("spa", 5).unwrap();
        assert_eq!(s[0].code, "ES");
        assert_eq!(s[0].name, "Spain");
        let s = store.suggest_destinations("holland", 5).unwrap();
        assert_eq!(s[0].code, "NL");
        assert_eq!(s[0].matched.as_deref(), Some("Holland"));
        let s = store.suggest_destinations("eur", 5).unwrap();
        assert!(
            s.iter()
                .any(|d| d.kind == DestinationKind::Region && d.code == "EUROPE")
        );
        let s = store.suggest_destinations("a", 3).unwrap();
        assert_eq!(s.len(), 3);
        assert!(store.suggest_destinations("", 3).unwrap().is_empty());
    }
}
