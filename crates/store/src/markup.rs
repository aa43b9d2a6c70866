//! Markup rules turn what the desk pays (cost) into what the customer pays (retail).
//!
//! A rule is basis points (1 bp = 0.01 %, may be negative) plus a [`Rounding`], for one scope.
//! **The most specific rule wins**: a rule for the offering's region, else one for its provider,
//! else the global rule, else no markup (retail = cost). An offering's region is the one its
//! provider names, or — when it names none — the home region its countries share (France alone →
//! Europe). A region rule also applies to regions inside it (an Americas rule covers North and
//! Latin America and the Caribbean) unless a rule for the inner region exists; a Global region
//! rule applies only to offerings sold as global.
//!
//! Retail prices are precomputed into the catalogue (so results sort by an index) and recomputed
//! in one transaction whenever a rule changes.

use std::collections::HashMap;

use esimdesk_core::{Money, ProviderKind, Region, Rounding};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::audit;
use crate::catalogue;
use crate::error::{Result, StoreError};
use crate::settings;
use crate::store::Store;
use crate::util::{now, provider, region, ts};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum MarkupScope {
    Global,
    Provider { provider: ProviderKind },
    Region { region: Region },
}

impl MarkupScope {
    fn key(self) -> String {
        match self {
            MarkupScope::Global => "global".into(),
            MarkupScope::Provider { provider } => format!("provider:{}", provider.id()),
            MarkupScope::Region { region } => format!("region:{}", region.code()),
        }
    }

    fn from_key(key: &str) -> Result<MarkupScope> {
        if key == "global" {
            return Ok(MarkupScope::Global);
        }
        if let Some(p) = key.strip_prefix("provider:") {
            return Ok(MarkupScope::Provider {
                provider: provider(p)?,
            });
        }
        if let Some(r) = key.strip_prefix("region:") {
            return Ok(MarkupScope::Region { region: region(r)? });
        }
        Err(StoreError::corrupt(format!("markup scope '{key}'")))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MarkupRule {
    pub scope: MarkupScope,
    /// 1 bp = 0.01 %; 2500 = +25 %. Negative values discount.
    #[ts(type = "number")]
    pub basis_points: i64,
    pub rounding: Rounding,
}

fn rounding_text(r: Rounding) -> String {
    match r {
        Rounding::NearestMinor => "nearest".into(),
        Rounding::UpToEnding { ending } => format!("ending:{ending}"),
    }
}

fn rounding_from(text: &str) -> Result<Rounding> {
    if text == "nearest" {
        return Ok(Rounding::NearestMinor);
    }
    text.strip_prefix("ending:")
        .and_then(|e| e.parse().ok())
        .map(|ending| Rounding::UpToEnding { ending })
        .ok_or_else(|| StoreError::corrupt(format!("rounding '{text}'")))
}

/// The rules in force, indexed for pricing many offerings.
#[derive(Debug, Clone, Default)]
pub(crate) struct MarkupBook {
    global: Option<MarkupRule>,
    providers: HashMap<ProviderKind, MarkupRule>,
    regions: HashMap<Region, MarkupRule>,
}

impl MarkupBook {
    pub(crate) fn new(rules: &[MarkupRule]) -> Self {
        let mut book = MarkupBook::default();
        for r in rules {
            match r.scope {
                MarkupScope::Global => book.global = Some(*r),
                MarkupScope::Provider { provider } => {
                    book.providers.insert(provider, *r);
                }
                MarkupScope::Region { region } => {
                    book.regions.insert(region, *r);
                }
            }
        }
        book
    }

    pub(crate) fn load(conn: &Connection) -> Result<Self> {
        Ok(MarkupBook::new(&load_rules(conn)?))
    }

    /// The rule that prices an offering of `provider` in `region` (see the module docs).
    pub(crate) fn rule_for(
        &self,
        provider: ProviderKind,
        region: Option<Region>,
    ) -> Option<&MarkupRule> {
        if let Some(region) = region {
            if let Some(r) = self.regions.get(&region) {
                return Some(r);
            }
            let containing = self.regions.iter().find(|(outer, _)| {
                **outer != Region::Global && **outer != region && outer.contains_region(region)
            });
            if let Some((_, r)) = containing {
                return Some(r);
            }
        }
        self.providers.get(&provider).or(self.global.as_ref())
    }

    pub(crate) fn retail(
        &self,
        provider: ProviderKind,
        region: Option<Region>,
        cost: Money,
    ) -> Result<Money> {
        Ok(match self.rule_for(provider, region) {
            Some(rule) => cost.with_markup(rule.basis_points, rule.rounding)?,
            None => cost,
        })
    }
}

pub(crate) fn load_rules(conn: &Connection) -> Result<Vec<MarkupRule>> {
    let mut stmt = conn
        .prepare_cached("SELECT scope, basis_points, rounding FROM markup_rules ORDER BY scope")?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(MarkupRule {
            scope: MarkupScope::from_key(&r.get::<_, String>(0)?)?,
            basis_points: r.get(1)?,
            rounding: rounding_from(&r.get::<_, String>(2)?)?,
        });
    }
    Ok(out)
}

impl Store {
    /// Adds or replaces the rule for its scope and reprices every cached offering, atomically.
    pub fn set_markup_rule(&self, r: &MarkupRule) -> Result<()> {
        if !(-10_000..=1_000_000).contains(&r.basis_points) {
            return Err(StoreError::Invalid(format!(
                "a markup of {} basis points is out of range (-10000 to 1000000)",
                r.basis_points
            )));
        }
        if let Rounding::UpToEnding { ending } = r.rounding
            && ending > 9_999
        {
            return Err(StoreError::Invalid(format!(
                "a price ending of {ending} is out of range"
            )));
        }
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO markup_rules (scope, basis_points, rounding, updated_at)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (scope) DO UPDATE SET basis_points = excluded.basis_points,
                rounding = excluded.rounding, updated_at = excluded.updated_at",
            params![
                r.scope.key(),
                r.basis_points,
                rounding_text(r.rounding),
                ts(now())?
            ],
        )?;
        catalogue::reprice_all(&tx)?;
        let actor = settings::actor(&tx)?;
        audit::record(
            &tx,
            &actor,
            "markup.set",
            &format!(
                "{} {} bp, {}",
                r.scope.key(),
                r.basis_points,
                rounding_text(r.rounding)
            ),
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn markup_rules(&self) -> Result<Vec<MarkupRule>> {
        load_rules(&self.conn())
    }

    /// Removes the rule for `scope` and reprices. [`StoreError::NotFound`] if there is none.
    pub fn remove_markup_rule(&self, scope: MarkupScope) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let n = tx.execute("DELETE FROM markup_rules WHERE scope = ?1", [scope.key()])?;
        if n == 0 {
            return Err(StoreError::NotFound(format!(
                "markup rule for {}",
                scope.key()
            )));
        }
        catalogue::reprice_all(&tx)?;
        let actor = settings::actor(&tx)?;
        audit::record(&tx, &actor, "markup.remove", &scope.key())?;
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use esimdesk_core::Currency;

    fn rule(scope: MarkupScope, bp: i64) -> MarkupRule {
        MarkupRule {
            scope,
            basis_points: bp,
            rounding: Rounding::NearestMinor,
        }
    }

    #[test]
    fn most_specific_rule_wins() {
        let book = MarkupBook::new(&[
            rule(MarkupScope::Global, 1000),
            rule(
                MarkupScope::Provider {
                    provider: ProviderKind::Esimgo,
                },
                2000,
            ),
            rule(
                MarkupScope::Region {
                    region: Region::Europe,
                },
                3000,
            ),
            rule(
                MarkupScope::Region {
                    region: Region::Americas,
                },
                4000,
            ),
        ]);
        let bp = |p, r| book.rule_for(p, r).map(|r| r.basis_points);
        assert_eq!(bp(ProviderKind::Esimgo, Some(Region::Europe)), Some(3000));
        assert_eq!(bp(ProviderKind::Esimgo, Some(Region::Africa)), Some(2000));
        assert_eq!(bp(ProviderKind::Telness, Some(Region::Africa)), Some(1000));
        assert_eq!(bp(ProviderKind::Telness, None), Some(1000));
        assert_eq!(bp(ProviderKind::Itt, Some(Region::Caribbean)), Some(4000));
        let usd = Currency::parse("USD").unwrap();
        let retail = book
            .retail(
                ProviderKind::Esimgo,
                Some(Region::Europe),
                Money::from_minor(1000, usd),
            )
            .unwrap();
        assert_eq!(retail.minor(), 1300);
        assert_eq!(
            MarkupBook::default()
                .retail(ProviderKind::Itt, None, Money::from_minor(1000, usd))
                .unwrap()
                .minor(),
            1000
        );
    }

    #[test]
    fn scope_keys_and_roundings_round_trip() {
        for scope in [
            MarkupScope::Global,
            MarkupScope::Provider {
                provider: ProviderKind::Truphone,
            },
            MarkupScope::Region {
                region: Region::AsiaPacific,
            },
        ] {
            assert_eq!(MarkupScope::from_key(&scope.key()).unwrap(), scope);
        }
        for r in [Rounding::NearestMinor, Rounding::UpToEnding { ending: 99 }] {
            assert_eq!(rounding_from(&rounding_text(r)).unwrap(), r);
        }
    }
}
