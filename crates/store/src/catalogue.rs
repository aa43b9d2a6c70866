//! The catalogue cache: every provider account's offerings, when they were fetched, and the
//! search index derived from them.
//!
//! A sync replaces one account's catalogue in **one transaction**: the old rows are deleted and
//! the new ones written, and nothing is visible to anyone until the commit. An error, a panic or a
//! killed process before the commit leaves the previous catalogue exactly as it was.

use std::collections::{HashMap, HashSet};

use esimdesk_core::country::common_home_region;
use esimdesk_core::pricing::markup_region;
use esimdesk_core::{Country, Offering, ProviderKind, Region};
use rusqlite::{Connection, Transaction, TransactionBehavior, params};
use time::OffsetDateTime;

use crate::audit;
use crate::columns::{from_ts_opt, join_countries, provider, region, ts, u64_to_i64};
use crate::error::{Result, StoreError};
use crate::names::searchable_regions;
use crate::rates;
use crate::retail;
use crate::settings;
use crate::store::Store;

/// How fresh one account's cached catalogue is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueFreshness {
    pub account_id: String,
    pub provider: ProviderKind,
    pub label: String,
    /// `None`: never synced.
    pub fetched_at: Option<OffsetDateTime>,
    pub offerings: usize,
}

/// Progress is reported after every this many offerings, and once at the end.
pub const PROGRESS_EVERY: usize = 1_000;

/// A key of the search index: a country's alpha-2 code, or a region's code (`EUROPE`; never two
/// letters, so the two cannot collide).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dest {
    Country(Country),
    Region(&'static str),
}

impl Dest {
    pub(crate) fn key(&self) -> &str {
        match self {
            Dest::Country(c) => c.as_str(),
            Dest::Region(k) => k,
        }
    }
}

fn region_dest(r: Region) -> &'static str {
    r.code()
}

/// The region a search by region finds an offering under: the provider's region, or for a
/// multi-country offering without one, its countries' common home region (a single-country
/// offering is found by its country, not by "Europe").
fn search_region(countries: &[Country], region: Option<Region>) -> Option<Region> {
    region.filter(|r| *r != Region::Other).or_else(|| {
        if countries.len() > 1 {
            common_home_region(countries)
        } else {
            None
        }
    })
}

/// Every search-index key of an offering: each country, its region and the regions containing
/// that one (Americas for North America; not Global, which is its own destination).
pub(crate) fn dest_keys(countries: &[Country], region: Option<Region>, out: &mut Vec<Dest>) {
    out.clear();
    let mut seen: HashSet<Country> = HashSet::with_capacity(countries.len());
    for c in countries {
        if seen.insert(*c) {
            out.push(Dest::Country(*c));
        }
    }
    if let Some(r) = search_region(countries, region) {
        out.push(Dest::Region(region_dest(r)));
        for outer in searchable_regions() {
            if outer != r && outer != Region::Global && outer.contains_region(r) {
                out.push(Dest::Region(region_dest(outer)));
            }
        }
    }
}

/// Coverage ids by (countries, search region), loaded once per write transaction.
pub(crate) struct Coverages {
    ids: HashMap<(String, Option<&'static str>), i64>,
}

impl Coverages {
    pub(crate) fn load(tx: &Transaction) -> Result<Coverages> {
        let mut stmt = tx.prepare("SELECT id, countries, region FROM coverages")?;
        let mut rows = stmt.query([])?;
        let mut ids = HashMap::new();
        while let Some(r) = rows.next()? {
            let region = r
                .get::<_, Option<String>>(2)?
                .map(|c| region(&c).map(Region::code))
                .transpose()?;
            ids.insert((r.get::<_, String>(1)?, region), r.get::<_, i64>(0)?);
        }
        Ok(Coverages { ids })
    }

    /// The id of the coverage of these countries (in this order) and region, created with its
    /// destination keys when new.
    pub(crate) fn id(
        &mut self,
        tx: &Transaction,
        countries: &[Country],
        named_region: Option<Region>,
        keys: &mut Vec<Dest>,
    ) -> Result<i64> {
        let region = search_region(countries, named_region).map(Region::code);
        let joined = join_countries(countries);
        if let Some(id) = self.ids.get(&(joined.clone(), region)) {
            return Ok(*id);
        }
        tx.prepare_cached("INSERT INTO coverages (countries, region) VALUES (?1, ?2)")?
            .execute(params![joined, region])?;
        let id = tx.last_insert_rowid();
        dest_keys(countries, named_region, keys);
        let mut dest = tx.prepare_cached(
            "INSERT OR IGNORE INTO coverage_destinations (dest, coverage_id) VALUES (?1, ?2)",
        )?;
        for k in keys.iter() {
            dest.execute(params![k.key(), id])?;
        }
        self.ids.insert((joined, region), id);
        Ok(id)
    }
}

/// Drops coverages no offering uses any more (through the search index's first column).
pub(crate) fn drop_unused_coverages(tx: &Transaction) -> Result<()> {
    tx.execute(
        "DELETE FROM coverages WHERE NOT EXISTS
            (SELECT 1 FROM offerings o WHERE o.coverage_id = coverages.id)",
        [],
    )?;
    Ok(())
}

const INSERT_OFFERING: &str = "INSERT INTO offerings (account_id, coverage_id, provider, code,
    code_key, name, region, markup_region, data_bytes, validity_days, cost_minor, currency,
    retail_minor, retail_currency, incomparable, price_per_gb_minor, activation, speeds, top_up)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)";

fn check(o: &Offering) -> Result<()> {
    if o.code.trim().is_empty() {
        return Err(StoreError::Invalid(format!(
            "an offering named '{}' has no code",
            o.name
        )));
    }
    if o.cost.minor() < 0 {
        return Err(StoreError::Invalid(format!(
            "offering {} has a negative cost",
            o.code
        )));
    }
    Ok(())
}

/// An offering mapped to its row, before it is written.
struct Prepared<'a> {
    offering: &'a Offering,
    coverage_id: i64,
    code_key: String,
    markup_region: Option<Region>,
    data_bytes: Option<i64>,
    retail: retail::RetailColumns,
}

fn replace(
    conn: &mut Connection,
    account_id: &str,
    offerings: &[Offering],
    fetched_at: OffsetDateTime,
    progress: &mut dyn FnMut(usize),
) -> Result<usize> {
    let fetched = ts(fetched_at)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let exists: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM provider_accounts WHERE id = ?1)",
        [account_id],
        |r| r.get(0),
    )?;
    if !exists {
        return Err(StoreError::NotFound(format!(
            "provider account '{account_id}'"
        )));
    }
    let prices = rates::load_price_list(&tx)?;
    tx.execute("DELETE FROM offerings WHERE account_id = ?1", [account_id])?;
    let mut coverages = Coverages::load(&tx)?;

    // Map and price everything first; then write in search-index order, so the table and its
    // search index both grow by appending.
    let mut rows: Vec<Prepared<'_>> = Vec::with_capacity(offerings.len());
    let mut seen: HashSet<String> = HashSet::with_capacity(offerings.len());
    let mut keys = Vec::new();
    for o in offerings {
        check(o)?;
        let code_key = o.code.to_lowercase();
        if !seen.insert(code_key.clone()) {
            continue;
        }
        let markup_region = markup_region(&o.countries, o.region);
        let retail = retail::price(
            &prices,
            o.provider,
            markup_region,
            o.cost,
            o.data.limited_bytes(),
        )?;
        rows.push(Prepared {
            offering: o,
            coverage_id: coverages.id(&tx, &o.countries, o.region, &mut keys)?,
            code_key,
            markup_region,
            data_bytes: o
                .data
                .limited_bytes()
                .map(|b| u64_to_i64(b, "data amount"))
                .transpose()?,
            retail,
        });
    }
    rows.sort_by(|a, b| {
        (
            a.coverage_id,
            a.retail.incomparable,
            a.retail.currency,
            a.retail.minor,
        )
            .cmp(&(
                b.coverage_id,
                b.retail.incomparable,
                b.retail.currency,
                b.retail.minor,
            ))
    });
    // A large load builds the secondary indexes afterwards, by sorting, rather than entry by
    // entry; a small one into a big catalogue updates them in place.
    let others: i64 = tx.query_row("SELECT count(*) FROM offerings", [], |r| r.get(0))?;
    let rebuild = rows.len() >= 10_000 && usize::try_from(others).unwrap_or(0) < rows.len();
    if rebuild {
        tx.execute_batch("DROP INDEX offerings_code; DROP INDEX offerings_search;")?;
    }
    {
        let mut insert = tx.prepare_cached(INSERT_OFFERING)?;
        for (i, r) in rows.iter().enumerate() {
            let o = r.offering;
            let speeds = serde_json::to_string(&o.speeds)
                .map_err(|e| StoreError::Invalid(format!("speeds of {}: {e}", o.code)))?;
            insert.execute(params![
                account_id,
                r.coverage_id,
                o.provider.id(),
                o.code,
                r.code_key,
                o.name,
                o.region.map(|r| r.code()),
                r.markup_region.map(|r| r.code()),
                r.data_bytes,
                o.validity_days,
                o.cost.minor(),
                o.cost.currency().code(),
                r.retail.minor,
                r.retail.currency,
                r.retail.incomparable,
                r.retail.per_gb,
                o.activation.name(),
                speeds,
                o.top_up
            ])?;
            if (i + 1) % PROGRESS_EVERY == 0 {
                progress(i + 1);
            }
        }
    }
    if rebuild {
        tx.execute_batch(crate::schema::OFFERING_INDEXES)?;
    }
    drop_unused_coverages(&tx)?;
    let stored = rows.len();
    tx.execute(
        "INSERT INTO catalogue_syncs (account_id, fetched_at, offering_count) VALUES (?1, ?2, ?3)
         ON CONFLICT (account_id) DO UPDATE SET fetched_at = excluded.fetched_at,
            offering_count = excluded.offering_count",
        params![account_id, fetched, u64_to_i64(stored as u64, "count")?],
    )?;
    let actor = settings::actor(&tx)?;
    audit::record(
        &tx,
        &actor,
        "catalogue.replace",
        &format!("account {account_id}: {stored} offerings"),
    )?;
    tx.commit()?;
    progress(offerings.len());
    Ok(stored)
}

impl Store {
    /// Replaces `account_id`'s cached catalogue with `offerings`, atomically (see the module
    /// docs), pricing each under the current markup rules. `progress` is told how many
    /// offerings were written, every [`PROGRESS_EVERY`], and `offerings.len()` once at the end. Returns how many
    /// were stored: a code that repeats (in any case) is kept once, first one wins.
    pub fn replace_catalogue(
        &self,
        account_id: &str,
        offerings: &[Offering],
        fetched_at: OffsetDateTime,
        progress: &mut dyn FnMut(usize),
    ) -> Result<usize> {
        replace(
            &mut self.conn(),
            account_id,
            offerings,
            fetched_at,
            progress,
        )
    }

    /// Every account with when its catalogue was fetched and how many offerings it holds.
    pub fn catalogue_freshness(&self) -> Result<Vec<CatalogueFreshness>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT a.id, a.provider, a.label, s.fetched_at, s.offering_count
             FROM provider_accounts a LEFT JOIN catalogue_syncs s ON s.account_id = a.id
             ORDER BY a.id",
        )?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(CatalogueFreshness {
                account_id: r.get(0)?,
                provider: provider(&r.get::<_, String>(1)?)?,
                label: r.get(2)?,
                fetched_at: from_ts_opt(r.get(3)?)?,
                offerings: usize::try_from(r.get::<_, Option<i64>>(4)?.unwrap_or(0))
                    .map_err(|_| StoreError::corrupt("offering count"))?,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::store::test_support::*;
    use esimdesk_core::{
        ActivationType, Currency, DataAllowance, DataAmount, MarkupRule, MarkupScope, Money,
        Rounding,
    };

    pub(crate) fn offering(
        code: &str,
        countries: &[&str],
        gb: Option<u64>,
        cents: i64,
    ) -> Offering {
        Offering {
            provider: ProviderKind::Esimgo,
            code: code.into(),
            name: format!("eSIM {code}"),
            countries: countries
                .iter()
                .map(|c| Country::parse(c).unwrap())
                .collect(),
            region: None,
            data: match gb {
                Some(gb) => DataAllowance::Limited {
                    amount: DataAmount::from_bytes(gb * 1_000_000_000),
                },
                None => DataAllowance::Unlimited,
            },
            validity_days: 7,
            cost: Money::from_minor(cents, Currency::parse("USD").unwrap()),
            activation: ActivationType::FirstUse,
            speeds: vec!["4G".into(), "5G".into()],
            top_up: true,
        }
    }

    fn count(store: &Store, table: &str) -> i64 {
        store
            .conn()
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn replaces_and_reports_progress_and_freshness() {
        let (_dir, store) = temp_store();
        account(&store, "go", ProviderKind::Esimgo);
        let many: Vec<Offering> = (0..2_500)
            .map(|i| offering(&format!("esim_{i}GB_7D_FR_V2"), &["FR"], Some(1), 100 + i))
            .collect();
        let mut seen = Vec::new();
        let at = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let n = store
            .replace_catalogue("go", &many, at, &mut |done| seen.push(done))
            .unwrap();
        assert_eq!(n, 2_500);
        assert_eq!(seen, [1_000, 2_000, 2_500]);
        let fresh = store.catalogue_freshness().unwrap();
        assert_eq!(fresh[0].offerings, 2_500);
        assert_eq!(fresh[0].fetched_at, Some(at));
        // A second sync replaces, it does not add.
        let n = store
            .replace_catalogue("go", &many[..10], at, &mut |_| {})
            .unwrap();
        assert_eq!(n, 10);
        assert_eq!(count(&store, "offerings"), 10);
        assert_eq!(count(&store, "coverages"), 1);
        assert_eq!(count(&store, "coverage_destinations"), 1);
        // Unknown account.
        assert!(matches!(
            store.replace_catalogue("nope", &many, at, &mut |_| {}),
            Err(StoreError::NotFound(_))
        ));
    }

    #[test]
    fn duplicate_codes_are_kept_once() {
        let (_dir, store) = temp_store();
        account(&store, "go", ProviderKind::Esimgo);
        let list = vec![
            offering("esim_1GB_7D_NL_V2", &["NL"], Some(1), 100),
            offering("ESIM_1GB_7D_NL_V2", &["NL"], Some(1), 200),
        ];
        let n = store
            .replace_catalogue("go", &list, OffsetDateTime::UNIX_EPOCH, &mut |_| {})
            .unwrap();
        assert_eq!(n, 1);
    }

    #[test]
    fn a_failed_sync_leaves_the_old_catalogue() {
        let (_dir, store) = temp_store();
        account(&store, "go", ProviderKind::Esimgo);
        store
            .set_markup_rule(&MarkupRule {
                scope: MarkupScope::Global,
                basis_points: 1_000,
                rounding: Rounding::NearestMinor,
            })
            .unwrap();
        let old: Vec<Offering> = (0..50)
            .map(|i| offering(&format!("old_{i}"), &["ES"], Some(1), 100 + i))
            .collect();
        store
            .replace_catalogue("go", &old, OffsetDateTime::UNIX_EPOCH, &mut |_| {})
            .unwrap();
        let before_coverages = count(&store, "coverages");

        // An offering whose marked-up price overflows, after the old catalogue was deleted and
        // 1,500 new ones (with a new coverage) were mapped.
        let mut new: Vec<Offering> = (0..3_000)
            .map(|i| offering(&format!("new_{i}"), &["ES", "PT"], Some(1), 100 + i))
            .collect();
        new[1_500].cost = Money::from_minor(i64::MAX, Currency::parse("USD").unwrap());
        let err = store
            .replace_catalogue("go", &new, OffsetDateTime::now_utc(), &mut |_| {})
            .unwrap_err();
        assert!(matches!(err, StoreError::Money(_)), "{err}");
        assert_eq!(count(&store, "offerings"), 50);
        assert_eq!(count(&store, "coverages"), before_coverages);
        let fresh = store.catalogue_freshness().unwrap();
        assert_eq!(fresh[0].fetched_at, Some(OffsetDateTime::UNIX_EPOCH));

        // An interrupted sync (a panic after 1,000 new offerings were written) leaves it too,
        // and the store stays usable.
        let mut written = 0;
        let interrupted = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            store.replace_catalogue("go", &new[..1_200], OffsetDateTime::now_utc(), &mut |d| {
                written = d;
                panic!("window closed")
            })
        }));
        assert!(interrupted.is_err());
        assert_eq!(written, 1_000, "it stopped mid-way");
        assert_eq!(count(&store, "offerings"), 50);
        assert_eq!(store.catalogue_freshness().unwrap()[0].offerings, 50);
    }

    #[test]
    fn markup_changes_reprice_the_catalogue() {
        let (_dir, store) = temp_store();
        account(&store, "go", ProviderKind::Esimgo);
        store
            .replace_catalogue(
                "go",
                &[offering("a", &["FR"], Some(2), 1000)],
                OffsetDateTime::UNIX_EPOCH,
                &mut |_| {},
            )
            .unwrap();
        let retail = |s: &Store| -> (i64, i64) {
            s.conn()
                .query_row(
                    "SELECT o.retail_minor, o.price_per_gb_minor FROM offerings o",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .unwrap()
        };
        assert_eq!(retail(&store), (1000, 500));
        store
            .set_markup_rule(&MarkupRule {
                scope: MarkupScope::Region {
                    region: Region::Europe,
                },
                basis_points: 2_500,
                rounding: Rounding::UpToEnding { ending: 99 },
            })
            .unwrap();
        assert_eq!(retail(&store), (1299, 649));
        store
            .remove_markup_rule(MarkupScope::Region {
                region: Region::Europe,
            })
            .unwrap();
        assert_eq!(retail(&store), (1000, 500));
        let log = store.audit_log(10).unwrap();
        assert!(log.iter().any(|e| e.action == "markup.set"));
        assert!(log.iter().any(|e| e.action == "markup.remove"));
    }

    #[test]
    fn dest_keys_cover_countries_and_regions() {
        let c = |s: &str| Country::parse(s).unwrap();
        let mut keys = Vec::new();
        dest_keys(&[c("US"), c("CA")], None, &mut keys);
        let names: Vec<&str> = keys.iter().map(Dest::key).collect();
        assert_eq!(names, ["US", "CA", "NORTH_AMERICA", "AMERICAS"]);
        dest_keys(&[c("FR")], None, &mut keys);
        assert_eq!(keys.len(), 1);
        dest_keys(&[c("FR"), c("JP")], Some(Region::Global), &mut keys);
        let names: Vec<&str> = keys.iter().map(Dest::key).collect();
        assert_eq!(names, ["FR", "JP", "GLOBAL"]);
    }
}
