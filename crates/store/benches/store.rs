//! eSIM Desk store benchmarks, each beside the same work done with bare rusqlite in the same run.
//!
//! - **ingest**: 100,000 offerings (the sandbox's deterministic eSIM Go catalogue, seed 7, mapped
//!   to core `Offering`s) into an empty database with `Store::replace_catalogue`, against bare
//!   rusqlite inserting the very same rows (read back from the store's result: coverages, their
//!   destinations, offerings) into the same schema, one prepared statement per table in one
//!   transaction.
//! - **search**: a typed destination search — "spa" (partial country name) with at least 5 GB,
//!   cheapest 50, mapped to core types — against one hand-written SQL query doing the same (name
//!   lookup, join, filter, sort, limit) with its rows mapped to core types.
//! - **open → first result**: opening the database file and running that search.
//!
//! Criterion reports its statistics as usual; then the binary measures each case with a plain
//! loop (median, p99) and prints a Markdown table with the targets (release build): ingest
//! ≤ 0.5 s, search p99 ≤ 1 ms, open → first result ≤ 50 ms, each within 1.5× of bare rusqlite.
//!
//! Both sides use the same connection settings (WAL, synchronous=NORMAL, foreign keys, 32 MiB
//! page cache). `cargo bench -p esimdesk-store -- --test` runs everything once, quickly.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_debug_implementations
)]

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode};
use esimdesk_core::{
    ActivationType, Country, Currency, DataAllowance, DataAmount, Money, Offering, ProviderKind,
    Region,
};
use esimdesk_sandbox::{self as sandbox, Coverage};
use esimdesk_store::{ProviderAccount, SearchHit, SearchQuery, Store};
use rusqlite::types::Value;
use rusqlite::{Connection, params, params_from_iter};
use time::OffsetDateTime;

const SIZE: usize = 100_000;
const ACCOUNT: &str = "esimgo";

fn offerings() -> Vec<Offering> {
    let usd = Currency::parse("USD").unwrap();
    let cat = sandbox::generate_catalogue(7, SIZE).unwrap();
    cat.bundles()
        .iter()
        .map(|b| Offering {
            provider: ProviderKind::Esimgo,
            code: b.name.clone(),
            name: b.description.clone(),
            countries: b
                .countries
                .iter()
                .filter_map(|c| Country::parse(c.iso).ok())
                .collect(),
            region: match b.coverage {
                Coverage::Region(r) => Some(Region::from_provider_name(r.name)),
                Coverage::Country(_) => None,
            },
            data: match b.data {
                sandbox::DataAllowance::Fixed(mb) => DataAllowance::Limited {
                    amount: DataAmount::from_decimal_megabytes(mb).unwrap(),
                },
                sandbox::DataAllowance::Unlimited(_) => DataAllowance::Unlimited,
            },
            validity_days: b.duration_days,
            cost: Money::from_minor(b.price_cents, usd),
            activation: ActivationType::FirstUse,
            speeds: b.speed.iter().map(|s| (*s).to_owned()).collect(),
            top_up: true,
        })
        .collect()
}

fn bare_connection(path: &Path) -> Connection {
    let conn = Connection::open(path).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", "NORMAL").unwrap();
    conn.pragma_update(None, "foreign_keys", true).unwrap();
    conn.pragma_update(None, "cache_size", -32_768).unwrap();
    conn
}

fn new_store(path: &Path) -> Store {
    let store = Store::open(path).unwrap();
    store
        .upsert_account(&ProviderAccount {
            id: ACCOUNT.into(),
            provider: ProviderKind::Esimgo,
            label: "eSIM Go".into(),
            base_url: "https://api.esim-go.com/v2.4".into(),
            created_at: OffsetDateTime::UNIX_EPOCH,
        })
        .unwrap();
    store
}

/// The rows the store wrote, in the order it wrote them.
struct Rows {
    coverages: Vec<Vec<Value>>,
    destinations: Vec<Vec<Value>>,
    offerings: Vec<Vec<Value>>,
    sync: Vec<Value>,
}

fn read_rows(path: &Path) -> Rows {
    let conn = Connection::open(path).unwrap();
    let all = |sql: &str, n: usize| -> Vec<Vec<Value>> {
        let mut stmt = conn.prepare(sql).unwrap();
        stmt.query_map([], |r| (0..n).map(|i| r.get::<_, Value>(i)).collect())
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    let coverages = all("SELECT id, countries, region FROM coverages ORDER BY id", 3);
    let destinations = all(
        "SELECT dest, coverage_id FROM coverage_destinations ORDER BY coverage_id, dest",
        2,
    );
    let offerings = all(
        "SELECT account_id, coverage_id, provider, code, code_key, name, region, markup_region,
            data_bytes, validity_days, cost_minor, currency, retail_minor, price_per_gb_minor,
            activation, speeds, top_up FROM offerings ORDER BY id",
        17,
    );
    let sync = all(
        "SELECT account_id, fetched_at, offering_count FROM catalogue_syncs",
        3,
    )
    .remove(0);
    Rows {
        coverages,
        destinations,
        offerings,
        sync,
    }
}

fn bare_ingest(conn: &mut Connection, rows: &Rows) {
    let tx = conn.transaction().unwrap();
    {
        let mut ins = tx
            .prepare("INSERT INTO coverages (id, countries, region) VALUES (?1, ?2, ?3)")
            .unwrap();
        for r in &rows.coverages {
            ins.execute(params_from_iter(r.iter())).unwrap();
        }
        let mut ins = tx
            .prepare("INSERT INTO coverage_destinations (dest, coverage_id) VALUES (?1, ?2)")
            .unwrap();
        for r in &rows.destinations {
            ins.execute(params_from_iter(r.iter())).unwrap();
        }
        let mut ins = tx
            .prepare(
                "INSERT INTO offerings (account_id, coverage_id, provider, code, code_key, name,
                    region, markup_region, data_bytes, validity_days, cost_minor, currency,
                    retail_minor, price_per_gb_minor, activation, speeds, top_up)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
            )
            .unwrap();
        for r in &rows.offerings {
            ins.execute(params_from_iter(r.iter())).unwrap();
        }
        tx.execute(
            "INSERT INTO catalogue_syncs (account_id, fetched_at, offering_count)
             VALUES (?1, ?2, ?3)",
            params_from_iter(rows.sync.iter()),
        )
        .unwrap();
    }
    tx.commit().unwrap();
}

fn query() -> SearchQuery {
    SearchQuery {
        min_data_bytes: Some(5_000_000_000),
        limit: 50,
        ..SearchQuery::destination("spa")
    }
}

const BARE_SEARCH: &str = "SELECT o.account_id, o.provider, o.code, o.name, c.countries,
        o.region, o.data_bytes, o.validity_days, o.cost_minor, o.currency, o.retail_minor,
        o.price_per_gb_minor, o.speeds, o.top_up, s.fetched_at
    FROM offerings o
    JOIN coverages c ON c.id = o.coverage_id
    JOIN catalogue_syncs s ON s.account_id = o.account_id
    WHERE o.coverage_id IN (
        SELECT coverage_id FROM coverage_destinations WHERE dest IN (
            SELECT dest FROM destination_names WHERE name_key >= ?1 AND name_key < ?2))
      AND (o.data_bytes IS NULL OR o.data_bytes >= ?3)
    ORDER BY o.retail_minor, o.id
    LIMIT 50";

fn bare_search(conn: &Connection) -> Vec<SearchHit> {
    let mut stmt = conn.prepare_cached(BARE_SEARCH).unwrap();
    let rows = stmt
        .query_map(params!["spa", "spa\u{10FFFF}", 5_000_000_000_i64], |r| {
            let currency = Currency::parse(&r.get::<_, String>(9)?).unwrap();
            let countries: String = r.get(4)?;
            let region: Option<String> = r.get(5)?;
            let speeds: String = r.get(12)?;
            Ok(SearchHit {
                account_id: r.get(0)?,
                offering: Offering {
                    provider: ProviderKind::from_id(&r.get::<_, String>(1)?).unwrap(),
                    code: r.get(2)?,
                    name: r.get(3)?,
                    countries: countries
                        .split(',')
                        .map(|c| Country::parse(c).unwrap())
                        .collect(),
                    region: region
                        .map(|c| Region::ALL.into_iter().find(|r| r.code() == c).unwrap()),
                    data: match r.get::<_, Option<i64>>(6)? {
                        Some(b) => DataAllowance::Limited {
                            amount: DataAmount::from_bytes(b as u64),
                        },
                        None => DataAllowance::Unlimited,
                    },
                    validity_days: r.get(7)?,
                    cost: Money::from_minor(r.get(8)?, currency),
                    activation: ActivationType::FirstUse,
                    speeds: serde_json::from_str(&speeds).unwrap(),
                    top_up: r.get(13)?,
                },
                retail: Money::from_minor(r.get(10)?, currency),
                rate: None,
                comparable: true,
                price_per_gb_minor: r.get(11)?,
                fetched_at: OffsetDateTime::from_unix_timestamp_nanos(i128::from(
                    r.get::<_, i64>(14)?,
                ))
                .unwrap(),
            })
        })
        .unwrap();
    rows.collect::<rusqlite::Result<_>>().unwrap()
}

struct Fixture {
    _dir: tempfile::TempDir,
    offerings: Vec<Offering>,
    rows: Rows,
    /// A database holding the 100,000 offerings, written by the store.
    loaded: PathBuf,
    scratch: PathBuf,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let offerings = offerings();
        let loaded = dir.path().join("loaded.sqlite3");
        let store = new_store(&loaded);
        store
            .replace_catalogue(ACCOUNT, &offerings, OffsetDateTime::now_utc(), &mut |_| {})
            .unwrap();
        drop(store);
        let rows = read_rows(&loaded);
        let scratch = dir.path().join("scratch");
        std::fs::create_dir_all(&scratch).unwrap();
        Fixture {
            _dir: dir,
            offerings,
            rows,
            loaded,
            scratch,
        }
    }

    /// An empty database with the schema (and the account), made by the store.
    fn empty_db(&self, name: &str) -> PathBuf {
        let path = self.scratch.join(name);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        drop(new_store(&path));
        path
    }

    fn time_store_ingest(&self) -> Duration {
        let path = self.empty_db("store.sqlite3");
        let store = Store::open(&path).unwrap();
        let start = Instant::now();
        let n = store
            .replace_catalogue(
                ACCOUNT,
                black_box(&self.offerings),
                OffsetDateTime::now_utc(),
                &mut |_| {},
            )
            .unwrap();
        let took = start.elapsed();
        assert_eq!(n, self.rows.offerings.len());
        took
    }

    fn time_bare_ingest(&self) -> Duration {
        let path = self.empty_db("bare.sqlite3");
        let mut conn = bare_connection(&path);
        let start = Instant::now();
        bare_ingest(&mut conn, black_box(&self.rows));
        start.elapsed()
    }
}

#[derive(Debug, Clone, Copy)]
struct Stats {
    median: Duration,
    p99: Duration,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    Stats {
        median: at(0.5),
        p99: at(0.99),
    }
}

fn repeat(n: usize, mut f: impl FnMut() -> Duration) -> Stats {
    stats((0..n).map(|_| f()).collect())
}

fn timed(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.3} ms")
    } else {
        format!("{ms:.1} ms")
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--test" || a == "--list");
    let fixture = Fixture::new();

    // The two searches must agree before they are compared.
    {
        let store = Store::open(&fixture.loaded).unwrap();
        let conn = bare_connection(&fixture.loaded);
        let ours = store.search(&query()).unwrap();
        let bare = bare_search(&conn);
        assert_eq!(ours.len(), 50);
        assert_eq!(ours, bare, "store and bare search disagree");
        assert!(
            ours.iter()
                .all(|h| h.offering.covers(Country::parse("ES").unwrap()))
        );
    }

    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));

    {
        let mut g = c.benchmark_group("ingest_100k");
        g.sampling_mode(SamplingMode::Flat);
        g.bench_function("store", |b| {
            b.iter_custom(|iters| (0..iters).map(|_| fixture.time_store_ingest()).sum())
        });
        g.bench_function("bare_rusqlite", |b| {
            b.iter_custom(|iters| (0..iters).map(|_| fixture.time_bare_ingest()).sum())
        });
        g.finish();
    }
    {
        let store = Store::open(&fixture.loaded).unwrap();
        let conn = bare_connection(&fixture.loaded);
        let q = query();
        let mut g = c.benchmark_group("search_spa_5gb_cheapest_50");
        g.sample_size(50);
        g.bench_function("store", |b| b.iter(|| store.search(black_box(&q)).unwrap()));
        g.bench_function("bare_rusqlite", |b| {
            b.iter(|| bare_search(black_box(&conn)))
        });
        g.finish();
    }
    {
        let q = query();
        let mut g = c.benchmark_group("open_to_first_result");
        g.sample_size(20);
        g.bench_function("store", |b| {
            b.iter(|| {
                let store = Store::open(&fixture.loaded).unwrap();
                store.search(black_box(&q)).unwrap()
            })
        });
        g.bench_function("bare_rusqlite", |b| {
            b.iter(|| {
                let conn = bare_connection(&fixture.loaded);
                bare_search(black_box(&conn))
            })
        });
        g.finish();
    }
    c.final_summary();

    // Plain loops for the table (p99 needs every sample).
    let (ingest_n, search_n, open_n) = if quick { (1, 20, 3) } else { (5, 3_000, 60) };
    let ingest_store = repeat(ingest_n, || fixture.time_store_ingest());
    let ingest_bare = repeat(ingest_n, || fixture.time_bare_ingest());
    let (search_store, search_bare) = {
        let store = Store::open(&fixture.loaded).unwrap();
        let conn = bare_connection(&fixture.loaded);
        let q = query();
        (
            repeat(search_n, || {
                timed(|| drop(black_box(store.search(&q).unwrap())))
            }),
            repeat(search_n, || timed(|| drop(black_box(bare_search(&conn))))),
        )
    };
    let q = query();
    let open_store = repeat(open_n, || {
        timed(|| {
            let store = Store::open(&fixture.loaded).unwrap();
            drop(black_box(store.search(&q).unwrap()));
        })
    });
    let open_bare = repeat(open_n, || {
        timed(|| {
            let conn = bare_connection(&fixture.loaded);
            drop(black_box(bare_search(&conn)));
        })
    });

    let row = |name: &str, measure: &str, ours: Duration, bare: Duration, target: Duration| {
        let ratio = ours.as_secs_f64() / bare.as_secs_f64();
        let met = ours <= target && ratio <= 1.5;
        format!(
            "| {name} | {measure} | {} | {} | {ratio:.2}× | ≤ {} and ≤ 1.5× | {} |",
            ms(ours),
            ms(bare),
            ms(target),
            if met { "yes" } else { "**no**" }
        )
    };
    println!();
    println!(
        "### eSIM Desk store ({} offerings{})",
        fixture.rows.offerings.len(),
        if quick { ", quick run" } else { "" }
    );
    println!();
    println!(
        "{} coverages, {} coverage destinations. Plain-loop measurements: ingest {ingest_n} \
         runs, search {search_n} runs, open {open_n} runs.",
        fixture.rows.coverages.len(),
        fixture.rows.destinations.len()
    );
    println!();
    println!("| benchmark | measure | store | bare rusqlite | ratio | target | met |");
    println!("|---|---|---|---|---|---|---|");
    println!(
        "{}",
        row(
            "ingest 100,000 offerings",
            "median",
            ingest_store.median,
            ingest_bare.median,
            Duration::from_millis(500)
        )
    );
    println!(
        "{}",
        row(
            "search \"spa\", ≥ 5 GB, cheapest 50",
            "p99",
            search_store.p99,
            search_bare.p99,
            Duration::from_millis(1)
        )
    );
    println!(
        "| search \"spa\", ≥ 5 GB, cheapest 50 | median | {} | {} | {:.2}× | | |",
        ms(search_store.median),
        ms(search_bare.median),
        search_store.median.as_secs_f64() / search_bare.median.as_secs_f64()
    );
    println!(
        "{}",
        row(
            "open → first result",
            "p99",
            open_store.p99,
            open_bare.p99,
            Duration::from_millis(50)
        )
    );
    println!(
        "| open → first result | median | {} | {} | {:.2}× | | |",
        ms(open_store.median),
        ms(open_bare.median),
        open_store.median.as_secs_f64() / open_bare.median.as_secs_f64()
    );
}
