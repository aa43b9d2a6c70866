//! eSIMs the desk sold, imported or issued from stock: identity (ICCID, provider, account, the
//! provider's own id), activation code, customer, profile status, packages with their states and
//! usage readings over time.

use esimdesk_core::{
    ActivationCode, DataAllowance, DataAmount, Esim, Iccid, Package, ProfileStatus, ProviderKind,
    UsageSnapshot,
};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use time::OffsetDateTime;

use crate::columns::{
    from_name, from_ts, from_ts_opt, i64_to_u64, now, provider, ts, ts_opt, u64_to_i64,
};
use crate::customers::phone_digits;
use crate::error::{Result, StoreError};
use crate::folding::fold;
use crate::store::Store;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEsim {
    pub esim: Esim,
    pub account_id: String,
    /// The provider's own id for the eSIM, where its calls need it.
    pub provider_ref: Option<String>,
    /// The journal's client reference of the order that bought it.
    pub order_reference: Option<String>,
    pub customer_id: Option<i64>,
    pub created_at: OffsetDateTime,
}

/// One line of an eSIM search result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EsimSummary {
    pub iccid: String,
    pub provider: ProviderKind,
    pub account_id: String,
    pub profile_status: ProfileStatus,
    pub order_reference: Option<String>,
    pub customer_id: Option<i64>,
    pub customer_name: Option<String>,
    pub customer_email: Option<String>,
    pub customer_phone: Option<String>,
    pub packages: usize,
    pub created_at: OffsetDateTime,
}

fn write_packages(tx: &Transaction, iccid: &str, packages: &[Package]) -> Result<()> {
    tx.execute("DELETE FROM esim_packages WHERE iccid = ?1", [iccid])?;
    let mut stmt = tx.prepare_cached(
        "INSERT INTO esim_packages (iccid, position, offering_code, state, allowance_bytes,
            remaining_bytes, usage_taken_at, starts_at, ends_at, provider_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    for (i, p) in packages.iter().enumerate() {
        stmt.execute(params![
            iccid,
            i64::try_from(i).unwrap_or(i64::MAX),
            p.offering_code,
            p.state.name(),
            p.allowance
                .limited_bytes()
                .map(|b| u64_to_i64(b, "allowance"))
                .transpose()?,
            p.usage
                .and_then(|u| u.remaining)
                .map(|r| u64_to_i64(r.bytes(), "remaining data"))
                .transpose()?,
            ts_opt(p.usage.map(|u| u.taken_at))?,
            ts_opt(p.starts_at)?,
            ts_opt(p.ends_at)?,
            p.provider_id
        ])?;
    }
    Ok(())
}

fn packages(conn: &Connection, iccid: &str) -> Result<Vec<Package>> {
    let mut stmt = conn.prepare_cached(
        "SELECT offering_code, state, allowance_bytes, remaining_bytes, usage_taken_at,
                starts_at, ends_at, provider_id
         FROM esim_packages WHERE iccid = ?1 ORDER BY position",
    )?;
    let mut rows = stmt.query([iccid])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let bytes = |v: Option<i64>| -> Result<Option<DataAmount>> {
            v.map(|b| i64_to_u64(b, "data amount").map(DataAmount::from_bytes))
                .transpose()
        };
        let remaining = bytes(r.get(3)?)?;
        let usage = from_ts_opt(r.get(4)?)?.map(|taken_at| UsageSnapshot {
            remaining,
            taken_at,
        });
        out.push(Package {
            offering_code: r.get(0)?,
            state: from_name(&r.get::<_, String>(1)?)?,
            allowance: match bytes(r.get(2)?)? {
                Some(amount) => DataAllowance::Limited { amount },
                None => DataAllowance::Unlimited,
            },
            usage,
            starts_at: from_ts_opt(r.get(5)?)?,
            ends_at: from_ts_opt(r.get(6)?)?,
            provider_id: r.get(7)?,
        });
    }
    Ok(out)
}

fn load(conn: &Connection, iccid: &str) -> Result<Option<StoredEsim>> {
    let row = conn
        .prepare_cached(
            "SELECT provider, account_id, provider_ref, activation_code, profile_status,
                    order_reference, customer_id, created_at
             FROM esims WHERE iccid = ?1",
        )?
        .query_row([iccid], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<i64>>(6)?,
                r.get::<_, i64>(7)?,
            ))
        })
        .optional()?;
    let Some((prov, account_id, provider_ref, code, status, order_reference, customer_id, at)) =
        row
    else {
        return Ok(None);
    };
    let activation_code = code
        .map(|c| ActivationCode::parse(&c))
        .transpose()
        .map_err(|e| StoreError::corrupt(format!("activation code of eSIM {iccid}: {e}")))?;
    Ok(Some(StoredEsim {
        esim: Esim {
            // As stored: a provider's ICCID that fails the desk's rule is kept as issued.
            iccid: Iccid::from_provider(iccid)
                .map(|(i, _)| i)
                .map_err(|e| StoreError::corrupt(format!("ICCID {iccid}: {e}")))?,
            provider: provider(&prov)?,
            activation_code,
            profile_status: from_name(&status)?,
            packages: packages(conn, iccid)?,
        },
        account_id,
        provider_ref,
        order_reference,
        customer_id,
        created_at: from_ts(at)?,
    }))
}

const SUMMARY: &str = "SELECT e.iccid, e.provider, e.account_id, e.profile_status,
        e.order_reference, e.customer_id,
        CASE WHEN c.forgotten_at IS NULL THEN c.name END,
        CASE WHEN c.forgotten_at IS NULL THEN c.email END,
        CASE WHEN c.forgotten_at IS NULL THEN c.phone END,
        (SELECT count(*) FROM esim_packages p WHERE p.iccid = e.iccid),
        e.created_at
    FROM esims e LEFT JOIN customers c ON c.id = e.customer_id";

fn summaries(
    conn: &Connection,
    sql: &str,
    values: &[&dyn rusqlite::ToSql],
) -> Result<Vec<EsimSummary>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(values)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(EsimSummary {
            iccid: r.get(0)?,
            provider: provider(&r.get::<_, String>(1)?)?,
            account_id: r.get(2)?,
            profile_status: from_name(&r.get::<_, String>(3)?)?,
            order_reference: r.get(4)?,
            customer_id: r.get(5)?,
            customer_name: r.get(6)?,
            customer_email: r.get(7)?,
            customer_phone: r.get(8)?,
            packages: usize::try_from(r.get::<_, i64>(9)?)
                .map_err(|_| StoreError::corrupt("package count"))?,
            created_at: from_ts(r.get(10)?)?,
        });
    }
    Ok(out)
}

impl Store {
    /// Adds or updates an eSIM by ICCID, with its packages (replaced by `e.esim.packages`).
    /// Optional fields that are `None` keep what was stored (a provider reference, code,
    /// order or customer once known is never lost by a later partial save); the creation time
    /// of an existing eSIM stays.
    pub fn save_esim(&self, e: &StoredEsim) -> Result<()> {
        let iccid = e.esim.iccid.as_str();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO esims (iccid, provider, account_id, provider_ref, activation_code,
                profile_status, order_reference, customer_id, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (iccid) DO UPDATE SET
                provider = excluded.provider,
                account_id = excluded.account_id,
                provider_ref = coalesce(excluded.provider_ref, provider_ref),
                activation_code = coalesce(excluded.activation_code, activation_code),
                profile_status = excluded.profile_status,
                order_reference = coalesce(excluded.order_reference, order_reference),
                customer_id = coalesce(excluded.customer_id, customer_id),
                updated_at = excluded.updated_at",
            params![
                iccid,
                e.esim.provider.id(),
                e.account_id,
                e.provider_ref,
                e.esim.activation_code.as_ref().map(ToString::to_string),
                e.esim.profile_status.name(),
                e.order_reference,
                e.customer_id,
                ts(e.created_at)?,
                ts(now())?
            ],
        )?;
        write_packages(&tx, iccid, &e.esim.packages)?;
        tx.commit()?;
        Ok(())
    }

    pub fn esim(&self, iccid: &Iccid) -> Result<Option<StoredEsim>> {
        load(&self.conn(), iccid.as_str())
    }

    /// The eSIMs an order produced, oldest first.
    pub fn esims_of_order(&self, client_reference: &str) -> Result<Vec<StoredEsim>> {
        let conn = self.conn();
        let iccids: Vec<String> = conn
            .prepare_cached(
                "SELECT iccid FROM esims WHERE order_reference = ?1 ORDER BY created_at, iccid",
            )?
            .query_map([client_reference], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut out = Vec::with_capacity(iccids.len());
        for iccid in iccids {
            out.extend(load(&conn, &iccid)?);
        }
        Ok(out)
    }

    /// Finds eSIMs by ICCID (its start; spaces and dashes ignored), or by the customer's name,
    /// e-mail or phone (any case, any part). Empty text lists the latest. Newest first.
    pub fn find_esims(&self, text: &str, limit: usize) -> Result<Vec<EsimSummary>> {
        let conn = self.conn();
        let limit_sql = i64::try_from(limit).unwrap_or(i64::MAX);
        let text = text.trim();
        if text.is_empty() {
            return summaries(
                &conn,
                &format!("{SUMMARY} ORDER BY e.created_at DESC, e.iccid LIMIT ?1"),
                &[&limit_sql],
            );
        }
        let compact: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        let mut found = Vec::new();
        if !compact.is_empty() && compact.chars().all(|c| c.is_ascii_digit()) {
            // ICCID prefix through the primary key.
            let end = format!("{compact}:");
            found.extend(summaries(
                &conn,
                &format!(
                    "{SUMMARY} WHERE e.iccid >= ?1 AND e.iccid < ?2
                     ORDER BY e.created_at DESC LIMIT ?3"
                ),
                &[&compact, &end, &limit_sql],
            )?);
        }
        let folded = fold(text);
        let lower = text.to_lowercase();
        let digits = phone_digits(text);
        let digits =
            (digits.len() >= 3 && text.chars().all(|c| !c.is_alphabetic())).then_some(digits);
        if !folded.is_empty() {
            found.extend(summaries(
                &conn,
                &format!(
                    "{SUMMARY} WHERE c.forgotten_at IS NULL AND (instr(c.search_key, ?1) > 0
                        OR instr(c.search_key, ?2) > 0
                        OR (?3 IS NOT NULL AND instr(c.phone_digits, ?3) > 0))
                     ORDER BY e.created_at DESC LIMIT ?4"
                ),
                &[&folded, &lower, &digits, &limit_sql],
            )?);
        }
        found.sort_by(|a, b| {
            b.created_at
                .cmp(&a.created_at)
                .then_with(|| a.iccid.cmp(&b.iccid))
        });
        found.dedup_by(|a, b| a.iccid == b.iccid);
        found.truncate(limit);
        Ok(found)
    }

    /// Records a usage reading: the eSIM's packages as the provider reports them now (states
    /// are the provider's word, taken as they come), each stamped with `taken_at`, and a row per
    /// package in the usage history. [`StoreError::NotFound`] for an unknown ICCID.
    pub fn record_usage(
        &self,
        iccid: &Iccid,
        packages: &[Package],
        taken_at: OffsetDateTime,
    ) -> Result<()> {
        let at = ts(taken_at)?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let n = tx.execute(
            "UPDATE esims SET updated_at = ?2 WHERE iccid = ?1",
            params![iccid.as_str(), ts(now())?],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("eSIM {iccid}")));
        }
        let stamped: Vec<Package> = packages
            .iter()
            .map(|p| Package {
                usage: Some(UsageSnapshot {
                    remaining: p.usage.and_then(|u| u.remaining),
                    taken_at,
                }),
                ..p.clone()
            })
            .collect();
        write_packages(&tx, iccid.as_str(), &stamped)?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO usage_snapshots (iccid, position, offering_code, state,
                    remaining_bytes, taken_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for (i, p) in stamped.iter().enumerate() {
                stmt.execute(params![
                    iccid.as_str(),
                    i64::try_from(i).unwrap_or(i64::MAX),
                    p.offering_code,
                    p.state.name(),
                    p.usage
                        .and_then(|u| u.remaining)
                        .map(|r| u64_to_i64(r.bytes(), "remaining data"))
                        .transpose()?,
                    at
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The usage history of an eSIM: (package position, remaining data, time), oldest first.
    pub fn usage_history(
        &self,
        iccid: &Iccid,
    ) -> Result<Vec<(usize, Option<DataAmount>, OffsetDateTime)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT position, remaining_bytes, taken_at FROM usage_snapshots
             WHERE iccid = ?1 ORDER BY taken_at, position",
        )?;
        let mut rows = stmt.query([iccid.as_str()])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push((
                usize::try_from(r.get::<_, i64>(0)?)
                    .map_err(|_| StoreError::corrupt("package position"))?,
                r.get::<_, Option<i64>>(1)?
                    .map(|b| i64_to_u64(b, "data amount").map(DataAmount::from_bytes))
                    .transpose()?,
                from_ts(r.get(2)?)?,
            ));
        }
        Ok(out)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::store::test_support::*;
    use esimdesk_core::{Customer, PackageState};

    pub(crate) fn iccid(n: u64) -> Iccid {
        Iccid::from_body(&format!("894400000000{n:07}")).unwrap()
    }

    pub(crate) fn code() -> ActivationCode {
        ActivationCode::parse("LPA:1$smdp.example.com$ABC-123-XYZ").unwrap()
    }

    fn package(state: PackageState) -> Package {
        Package {
            offering_code: "esim_1GB_7D_NL_V2".into(),
            state,
            allowance: DataAllowance::Limited {
                amount: DataAmount::from_bytes(1_000_000_000),
            },
            usage: None,
            starts_at: None,
            ends_at: None,
            provider_id: None,
        }
    }

    fn stored(n: u64, customer_id: Option<i64>) -> StoredEsim {
        StoredEsim {
            esim: Esim {
                iccid: iccid(n),
                provider: ProviderKind::Esimgo,
                activation_code: Some(code()),
                profile_status: ProfileStatus::Released,
                packages: vec![package(PackageState::Queued)],
            },
            account_id: "go".into(),
            provider_ref: Some(format!("ref-{n}")),
            order_reference: Some("desk-1".into()),
            customer_id,
            created_at: OffsetDateTime::from_unix_timestamp(1_700_000_000 + n as i64).unwrap(),
        }
    }

    #[test]
    fn an_iccid_a_provider_issued_outside_the_rule_is_kept_as_issued() {
        let (_dir, store) = temp_store();
        let (sample, problem) = Iccid::from_provider("873000000000040589").unwrap();
        assert!(problem.is_some());
        let mut e = stored(1, None);
        e.esim.iccid = sample.clone();
        store.save_esim(&e).unwrap();
        let back = store.esim(&sample).unwrap().unwrap();
        assert_eq!(back.esim.iccid.as_str(), "873000000000040589");
        assert!(back.esim.iccid.problem().is_some());
        assert_eq!(store.find_esims("8730", 10).unwrap().len(), 1);
    }

    #[test]
    fn save_load_and_partial_updates_keep_what_is_known() {
        let (_dir, store) = temp_store();
        let e = stored(1, None);
        store.save_esim(&e).unwrap();
        assert_eq!(store.esim(&e.esim.iccid).unwrap().unwrap(), e);
        let mut later = e.clone();
        later.provider_ref = None;
        later.esim.activation_code = None;
        later.esim.profile_status = ProfileStatus::Installed;
        later.created_at = OffsetDateTime::now_utc();
        store.save_esim(&later).unwrap();
        let back = store.esim(&e.esim.iccid).unwrap().unwrap();
        assert_eq!(back.provider_ref.as_deref(), Some("ref-1"));
        assert!(back.esim.activation_code.is_some());
        assert_eq!(back.esim.profile_status, ProfileStatus::Installed);
        assert_eq!(back.created_at, e.created_at);
        assert!(store.esim(&iccid(2)).unwrap().is_none());
    }

    #[test]
    fn finds_by_iccid_prefix_and_customer() {
        let (_dir, store) = temp_store();
        let ana = store
            .save_customer(&Customer {
                name: "Ana María Pérez".into(),
                email: Some("Ana.Perez@Example.com".into()),
                phone: Some("+34 600 11 22 33".into()),
                ..Customer::default()
            })
            .unwrap();
        store.save_esim(&stored(1, Some(ana))).unwrap();
        store.save_esim(&stored(2, None)).unwrap();
        let all = store.find_esims("", 10).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].iccid, iccid(2).as_str(), "newest first");
        let full = iccid(1).as_str().to_owned();
        assert_eq!(store.find_esims(&full, 10).unwrap().len(), 1);
        assert_eq!(store.find_esims("8944 0000", 10).unwrap().len(), 2);
        for text in [
            "perez",
            "PÉREZ",
            "maría",
            "ana.perez@",
            "example.com",
            "600 11",
            "+346001122",
        ] {
            let found = store.find_esims(text, 10).unwrap();
            assert_eq!(found.len(), 1, "{text}");
            assert_eq!(found[0].customer_name.as_deref(), Some("Ana María Pérez"));
            assert_eq!(found[0].packages, 1);
        }
        assert!(store.find_esims("bob", 10).unwrap().is_empty());
        store.forget_customer(ana).unwrap();
        assert!(store.find_esims("perez", 10).unwrap().is_empty());
        let by_iccid = store.find_esims(&full, 10).unwrap();
        assert_eq!(by_iccid[0].customer_name, None);
        assert_eq!(by_iccid[0].customer_id, Some(ana));
    }

    #[test]
    fn usage_readings_are_kept_over_time() {
        let (_dir, store) = temp_store();
        let e = stored(1, None);
        store.save_esim(&e).unwrap();
        let t1 = OffsetDateTime::from_unix_timestamp(1_700_100_000).unwrap();
        let mut p = package(PackageState::Active);
        p.usage = Some(UsageSnapshot {
            remaining: Some(DataAmount::from_bytes(600_000_000)),
            taken_at: OffsetDateTime::UNIX_EPOCH,
        });
        store.record_usage(&e.esim.iccid, &[p.clone()], t1).unwrap();
        let t2 = t1 + time::Duration::hours(1);
        p.usage = Some(UsageSnapshot {
            remaining: Some(DataAmount::from_bytes(0)),
            taken_at: t2,
        });
        p.state = PackageState::Depleted;
        store.record_usage(&e.esim.iccid, &[p], t2).unwrap();
        let back = store.esim(&e.esim.iccid).unwrap().unwrap();
        let pkg = &back.esim.packages[0];
        assert_eq!(pkg.state, PackageState::Depleted);
        assert_eq!(pkg.usage.unwrap().taken_at, t2);
        assert_eq!(pkg.used_per_mille(), Some(1000));
        let history = store.usage_history(&e.esim.iccid).unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[0].1, Some(DataAmount::from_bytes(600_000_000)));
        assert_eq!(history[0].2, t1);
        assert!(matches!(
            store.record_usage(&iccid(9), &[], t1),
            Err(StoreError::NotFound(_))
        ));
    }
}
