//! The `markup_rules` rows. The policy — what a rule is, which one prices an offering, the
//! arithmetic — is core's (`esimdesk_core::pricing`); here rules are saved, loaded and removed,
//! and each change reprices the cached catalogue in the same transaction (see `retail.rs`).

use esimdesk_core::{MarkupBook, MarkupRule, MarkupScope, Rounding};
use rusqlite::{Connection, params};

use crate::audit;
use crate::columns::{now, provider, region, ts};
use crate::error::{Result, StoreError};
use crate::rates;
use crate::retail;
use crate::settings;
use crate::store::Store;

/// The `scope` column: 'global', 'provider:esimgo', 'region:EUROPE'.
fn scope_key(scope: MarkupScope) -> String {
    match scope {
        MarkupScope::Global => "global".into(),
        MarkupScope::Provider { provider } => format!("provider:{}", provider.id()),
        MarkupScope::Region { region } => format!("region:{}", region.code()),
    }
}

fn scope_from_key(key: &str) -> Result<MarkupScope> {
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

/// The `rounding` column: 'nearest' or 'ending:99'.
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

fn load_rules(conn: &Connection) -> Result<Vec<MarkupRule>> {
    let mut stmt = conn
        .prepare_cached("SELECT scope, basis_points, rounding FROM markup_rules ORDER BY scope")?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(MarkupRule {
            scope: scope_from_key(&r.get::<_, String>(0)?)?,
            basis_points: r.get(1)?,
            rounding: rounding_from(&r.get::<_, String>(2)?)?,
        });
    }
    Ok(out)
}

/// The rules in force, ready to price offerings.
pub(crate) fn load_book(conn: &Connection) -> Result<MarkupBook> {
    Ok(MarkupBook::new(&load_rules(conn)?))
}

impl Store {
    /// Adds or replaces the rule for its scope and reprices every cached offering, atomically.
    /// A rule core's policy refuses ([`MarkupRule::check`]) is [`StoreError::Invalid`].
    pub fn set_markup_rule(&self, r: &MarkupRule) -> Result<()> {
        r.check().map_err(|e| StoreError::Invalid(e.to_string()))?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO markup_rules (scope, basis_points, rounding, updated_at)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (scope) DO UPDATE SET basis_points = excluded.basis_points,
                rounding = excluded.rounding, updated_at = excluded.updated_at",
            params![
                scope_key(r.scope),
                r.basis_points,
                rounding_text(r.rounding),
                ts(now())?
            ],
        )?;
        retail::reprice_all(&tx, &rates::load_price_list(&tx)?)?;
        let actor = settings::actor(&tx)?;
        audit::record(
            &tx,
            &actor,
            "markup.set",
            &format!(
                "{} {} bp, {}",
                scope_key(r.scope),
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
        let n = tx.execute(
            "DELETE FROM markup_rules WHERE scope = ?1",
            [scope_key(scope)],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!(
                "markup rule for {}",
                scope_key(scope)
            )));
        }
        retail::reprice_all(&tx, &rates::load_price_list(&tx)?)?;
        let actor = settings::actor(&tx)?;
        audit::record(&tx, &actor, "markup.remove", &scope_key(scope))?;
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::store::test_support::*;
    use esimdesk_core::{ProviderKind, Region};

    #[test]
    fn scope_keys_and_roundings_round_trip() {
        // (scope, its stored key)
        for (scope, key) in [
            (MarkupScope::Global, "global"),
            (
                MarkupScope::Provider {
                    provider: ProviderKind::Truphone,
                },
                "provider:truphone",
            ),
            (
                MarkupScope::Region {
                    region: Region::AsiaPacific,
                },
                "region:ASIA_PACIFIC",
            ),
        ] {
            assert_eq!(scope_key(scope), key);
            assert_eq!(scope_from_key(key).unwrap(), scope);
        }
        for (r, text) in [
            (Rounding::NearestMinor, "nearest"),
            (Rounding::UpToEnding { ending: 99 }, "ending:99"),
        ] {
            assert_eq!(rounding_text(r), text);
            assert_eq!(rounding_from(text).unwrap(), r);
        }
        for bad in ["provider:nope", "region:MARS", "local"] {
            assert!(matches!(scope_from_key(bad), Err(StoreError::Corrupt(_))));
        }
        assert!(matches!(
            rounding_from("ending:x"),
            Err(StoreError::Corrupt(_))
        ));
    }

    #[test]
    fn rules_are_saved_replaced_and_removed() {
        let (_dir, store) = temp_store();
        let europe = MarkupScope::Region {
            region: Region::Europe,
        };
        let rule = |scope, basis_points| MarkupRule {
            scope,
            basis_points,
            rounding: Rounding::UpToEnding { ending: 99 },
        };
        store.set_markup_rule(&rule(europe, 2_500)).unwrap();
        store
            .set_markup_rule(&rule(MarkupScope::Global, 1_000))
            .unwrap();
        store.set_markup_rule(&rule(europe, 3_000)).unwrap();
        assert_eq!(
            store.markup_rules().unwrap(),
            [rule(MarkupScope::Global, 1_000), rule(europe, 3_000)]
        );
        store.remove_markup_rule(europe).unwrap();
        assert_eq!(
            store.markup_rules().unwrap(),
            [rule(MarkupScope::Global, 1_000)]
        );
        assert!(matches!(
            store.remove_markup_rule(europe),
            Err(StoreError::NotFound(_))
        ));
    }

    #[test]
    fn rules_core_refuses_are_invalid_and_change_nothing() {
        let (_dir, store) = temp_store();
        let err = store
            .set_markup_rule(&MarkupRule {
                scope: MarkupScope::Global,
                basis_points: -10_001,
                rounding: Rounding::NearestMinor,
            })
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Invalid(m) if m.contains("-10001 basis points")),
            "{err}"
        );
        assert!(store.markup_rules().unwrap().is_empty());
        assert!(store.audit_log(10).unwrap().is_empty());
    }
}
