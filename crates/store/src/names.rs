//! Destination names: every country (names from core, i.e. keshvar) and region, with every name it
//! goes by, folded (lower case, no accents) into `destination_names`, and the matching of what a
//! desk agent types against them.
//!
//! Why plain B-tree lookups and not FTS5 here: the table is small (~2,500 rows) and agents type
//! the *start* of a name or of one of its words ("spa", "kingdom", "hol"). Each name is stored
//! whole and as every suffix that starts at a word, so one indexed range scan
//! (`name_key >= 'spa' AND name_key < 'spa' || U+10FFFF`) answers both, in microseconds, for any
//! input length — a trigram index needs three characters and would add an FTS5 table to keep in
//! step. Only when nothing starts with the text does a scan of the whole names (`instr`) look for
//! it inside a word ("erman" → Germany); at this size that scan still takes well under a
//! millisecond.

use esimdesk_core::{Country, Region};
use rusqlite::{Connection, Transaction, params};

use crate::error::Result;
use crate::folding::{fold, prefix_end};

/// A small, documented supplement to keshvar's names: everyday names it lacks.
const EXTRA_COUNTRY_NAMES: &[(&str, &str)] = &[
    ("NL", "Holland"),
    ("AE", "UAE"),
    ("US", "America"),
    ("GB", "Britain"),
    ("GB", "Scotland"),
    ("GB", "Wales"),
    ("GB", "Northern Ireland"),
];

/// Region names providers and agents use beyond core's names and codes (the spellings core's
/// `Region::from_provider_name` accepts).
const EXTRA_REGION_NAMES: &[(Region, &str)] = &[
    (Region::Europe, "EU"),
    (Region::Europe, "EEA"),
    (Region::AsiaPacific, "APAC"),
    (Region::AsiaPacific, "Asia"),
    (Region::AsiaPacific, "Oceania"),
    (Region::LatinAmerica, "LATAM"),
    (Region::LatinAmerica, "South America"),
    (Region::LatinAmerica, "Central America"),
    (Region::MiddleEast, "MENA"),
    (Region::Global, "World"),
    (Region::Global, "Worldwide"),
];

/// The key under which a region's coverages are indexed in `coverage_destinations`.
pub(crate) fn region_key(r: Region) -> &'static str {
    r.code()
}

/// Regions a search can name (everything but `Other`).
pub(crate) fn searchable_regions() -> impl Iterator<Item = Region> {
    Region::ALL.into_iter().filter(|r| *r != Region::Other)
}

/// Fills `destinations` and `destination_names` (run by the first migration).
pub(crate) fn fill(tx: &Transaction) -> Result<()> {
    let mut dest = tx.prepare(
        "INSERT OR IGNORE INTO destinations (key, kind, code, name) VALUES (?1, ?2, ?3, ?4)",
    )?;
    let mut name = tx.prepare(
        "INSERT INTO destination_names (name_key, dest, whole, label) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (name_key, dest) DO UPDATE SET whole = max(whole, excluded.whole)",
    )?;
    let mut add_names = |key: &str, labels: &[&str]| -> Result<()> {
        for label in labels {
            let folded = fold(label);
            if folded.is_empty() {
                continue;
            }
            name.execute(params![folded, key, 1, label])?;
            // Suffixes starting at each later word of three letters or more.
            let mut offset = 0;
            for word in folded.split(' ') {
                if offset > 0 && word.chars().count() >= 3 {
                    name.execute(params![&folded[offset..], key, 0, label])?;
                }
                offset += word.len() + 1;
            }
        }
        Ok(())
    };
    for country in Country::all() {
        let key = country.code();
        dest.execute(params![key, "country", key, country.name()])?;
        let mut labels = vec![country.as_str()];
        labels.extend(country.alternative_names());
        labels.extend(
            EXTRA_COUNTRY_NAMES
                .iter()
                .filter(|(code, _)| *code == key)
                .map(|(_, n)| *n),
        );
        add_names(&key, &labels)?;
    }
    for region in searchable_regions() {
        let key = region_key(region);
        dest.execute(params![key, "region", region.code(), region.name()])?;
        let mut labels = vec![region.name(), region.code()];
        labels.extend(
            EXTRA_REGION_NAMES
                .iter()
                .filter(|(r, _)| *r == region)
                .map(|(_, n)| *n),
        );
        add_names(key, &labels)?;
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DestinationKind {
    Country,
    Region,
}

/// A suggestion for the destination box.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    pub kind: DestinationKind,
    /// What to search for: the alpha-2 code ("ES") or the region code ("EUROPE").
    pub code: String,
    /// The everyday English name ("Spain", "Europe").
    pub name: String,
    /// The name that matched what was typed, when it is not `name` ("Holland", "USA").
    pub matched: Option<String>,
}

/// How well a name matched: whole name, start of the name or of one of its words, inside a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tier {
    Exact,
    Prefix,
    Inside,
}

struct Match {
    tier: Tier,
    dest: String,
    kind: String,
    code: String,
    name: String,
    label: String,
}

fn matches(conn: &Connection, folded: &str, tier: Tier) -> Result<Vec<Match>> {
    let sql = match tier {
        Tier::Exact => {
            "SELECT n.dest, d.kind, d.code, d.name, n.label FROM destination_names n
             JOIN destinations d ON d.key = n.dest
             WHERE n.name_key = ?1 AND n.whole = 1 AND ?2 IS NOT NULL"
        }
        Tier::Prefix => {
            "SELECT n.dest, d.kind, d.code, d.name, n.label FROM destination_names n
             JOIN destinations d ON d.key = n.dest
             WHERE n.name_key >= ?1 AND n.name_key < ?2"
        }
        Tier::Inside => {
            "SELECT n.dest, d.kind, d.code, d.name, n.label FROM destination_names n
             JOIN destinations d ON d.key = n.dest
             WHERE n.whole = 1 AND instr(n.name_key, ?1) > 0 AND ?2 IS NOT NULL"
        }
    };
    let end = prefix_end(folded);
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params![folded, end], |r| {
        Ok(Match {
            tier,
            dest: r.get(0)?,
            kind: r.get(1)?,
            code: r.get(2)?,
            name: r.get(3)?,
            label: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The destination keys (`coverage_destinations.dest`) a typed text stands for: those matching at
/// the best tier only, so "spain" never drags in "Spanish Town", and "us" (exactly a code) is the
/// United States rather than every name containing "us".
pub(crate) fn resolve(conn: &Connection, text: &str) -> Result<Vec<String>> {
    let folded = fold(text);
    if folded.is_empty() {
        return Ok(Vec::new());
    }
    for tier in [Tier::Exact, Tier::Prefix, Tier::Inside] {
        if tier == Tier::Inside && folded.chars().count() < 3 {
            break;
        }
        let mut keys: Vec<String> = matches(conn, &folded, tier)?
            .into_iter()
            .map(|m| m.dest)
            .collect();
        if !keys.is_empty() {
            keys.sort();
            keys.dedup();
            return Ok(keys);
        }
    }
    Ok(Vec::new())
}

/// Destinations for the destination box, best matches first.
pub(crate) fn suggest(conn: &Connection, text: &str, limit: usize) -> Result<Vec<Destination>> {
    let folded = fold(text);
    if folded.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let mut all = Vec::new();
    for tier in [Tier::Exact, Tier::Prefix, Tier::Inside] {
        if tier == Tier::Inside && folded.chars().count() < 3 {
            break;
        }
        all.extend(matches(conn, &folded, tier)?);
    }
    // Best tier first; within a tier countries before regions, then by name.
    all.sort_by(|a, b| {
        (a.tier, &a.kind, &a.name, &a.label).cmp(&(b.tier, &b.kind, &b.name, &b.label))
    });
    let mut out: Vec<Destination> = Vec::new();
    for m in all {
        if out.len() >= limit {
            break;
        }
        if out.iter().any(|d| d.code == m.code) {
            continue;
        }
        let kind = if m.kind == "region" {
            DestinationKind::Region
        } else {
            DestinationKind::Country
        };
        let matched = (fold(&m.label) != fold(&m.name) && m.label != m.code).then_some(m.label);
        out.push(Destination {
            kind,
            code: m.code,
            name: m.name,
            matched,
        });
    }
    Ok(out)
}
