//! Desk settings: the desk's name, its selling currency, the country it sells in and the profile
//! (actor) name written to the audit log.

use esimdesk_core::{Country, Currency};
use rusqlite::{Connection, OptionalExtension, params};

use crate::columns::currency;
use crate::error::{Result, StoreError};
use crate::store::Store;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskSettings {
    pub desk_name: String,
    /// The currency the desk sells in.
    pub currency: Currency,
    /// Who is at the desk: the actor recorded in the audit log for actions that name no one.
    pub profile_name: String,
    /// Where the desk sells (ISO 3166-1 alpha-2), for providers whose orders name the country
    /// of sale (Truphone); `None` until set.
    pub country: Option<Country>,
}

impl Default for DeskSettings {
    fn default() -> Self {
        DeskSettings {
            desk_name: "eSIM Desk".into(),
            currency: usd(),
            profile_name: "desk".into(),
            country: None,
        }
    }
}

#[allow(clippy::expect_used)] // a constant that is in every ISO 4217 table; no input involved
fn usd() -> Currency {
    Currency::parse("USD").expect("USD is an ISO 4217 currency")
}

fn get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

pub(crate) fn load(conn: &Connection) -> Result<DeskSettings> {
    let mut s = DeskSettings::default();
    if let Some(v) = get(conn, "desk_name")? {
        s.desk_name = v;
    }
    if let Some(v) = get(conn, "currency")? {
        s.currency = currency(&v)?;
    }
    if let Some(v) = get(conn, "profile_name")? {
        s.profile_name = v;
    }
    if let Some(v) = get(conn, "country")?.filter(|v| !v.is_empty()) {
        s.country = Some(crate::columns::country(&v)?);
    }
    Ok(s)
}

/// The actor for actions that name none: the desk profile.
pub(crate) fn actor(conn: &Connection) -> Result<String> {
    Ok(load(conn)?.profile_name)
}

impl Store {
    /// The desk settings; defaults (`eSIM Desk`, USD, `desk`) for anything never set.
    pub fn desk_settings(&self) -> Result<DeskSettings> {
        load(&self.conn())
    }

    pub fn set_desk_settings(&self, s: &DeskSettings) -> Result<()> {
        if s.profile_name.trim().is_empty() {
            return Err(StoreError::Invalid("the desk profile needs a name".into()));
        }
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let selling_before = load(&tx)?.currency;
        for (k, v) in [
            ("desk_name", s.desk_name.as_str()),
            ("currency", s.currency.code()),
            ("profile_name", s.profile_name.as_str()),
            ("country", s.country.as_ref().map_or("", |c| c.as_str())),
        ] {
            tx.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![k, v],
            )?;
        }
        // Another selling currency prices the whole catalogue anew (other rates apply).
        if s.currency != selling_before {
            crate::retail::reprice_all(&tx, &crate::rates::load_price_list(&tx)?)?;
        }
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::store::test_support::*;

    #[test]
    fn defaults_then_round_trip() {
        let (_dir, store) = temp_store();
        let d = store.desk_settings().unwrap();
        assert_eq!(d.currency.code(), "USD");
        let s = DeskSettings {
            desk_name: "Airport T2".into(),
            currency: Currency::parse("EUR").unwrap(),
            profile_name: "maria".into(),
            country: Some(esimdesk_core::Country::parse("ES").unwrap()),
        };
        store.set_desk_settings(&s).unwrap();
        assert_eq!(store.desk_settings().unwrap(), s);
        assert!(
            store
                .set_desk_settings(&DeskSettings {
                    profile_name: " ".into(),
                    ..s
                })
                .is_err()
        );
    }
}
