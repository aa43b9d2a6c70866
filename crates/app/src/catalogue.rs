//! Catalogues: synced from every provider into the local cache (concurrently, with progress),
//! searched offline, or browsed live.

use esimdesk_core::{DataAmount, Money, ProviderKind};
use esimdesk_providers::{Catalogue, CatalogueProgress, CatalogueQuery};
use esimdesk_store::SearchQuery;
use futures::future::join_all;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use ts_rs::TS;

use crate::AppError;
use crate::views::{CatalogueFreshness, Destination, OfferingView, SearchHit, SearchSort};

use crate::desk::Desk;

/// Progress of a catalogue sync, per account, for the UI's progress bar and the CLI.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
#[serde(
    tag = "stage",
    rename_all = "snake_case",
    rename_all_fields = "camelCase"
)]
pub enum SyncProgress {
    Fetching {
        account_id: String,
        pages_done: u32,
        page_count: Option<u32>,
        offerings: usize,
    },
    Saving {
        account_id: String,
        offerings: usize,
    },
    Done {
        account_id: String,
        offerings: usize,
    },
    Failed {
        account_id: String,
        message: String,
    },
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct AccountSync {
    pub account_id: String,
    /// Offerings now cached, when the sync worked.
    pub offerings: Option<usize>,
    /// Items the provider sent that broke its own format and were left out.
    pub skipped: usize,
    /// Why it failed; the previous catalogue is kept then.
    pub error: Option<String>,
}

/// Syncs every account's catalogue at once. One account failing leaves its previous catalogue
/// in place and does not stop the others.
pub async fn sync_all(
    desk: &Desk,
    progress: &(dyn Fn(SyncProgress) + Send + Sync),
) -> Result<Vec<AccountSync>, AppError> {
    let accounts = desk.store().accounts()?;
    let jobs = accounts
        .iter()
        .map(|account| sync_account(desk, &account.id, progress));
    Ok(join_all(jobs).await)
}

async fn sync_account(
    desk: &Desk,
    account_id: &str,
    progress: &(dyn Fn(SyncProgress) + Send + Sync),
) -> AccountSync {
    match try_sync_account(desk, account_id, progress).await {
        Ok((offerings, skipped)) => {
            progress(SyncProgress::Done {
                account_id: account_id.to_owned(),
                offerings,
            });
            AccountSync {
                account_id: account_id.to_owned(),
                offerings: Some(offerings),
                skipped,
                error: None,
            }
        }
        Err(e) => {
            tracing::warn!(
                account = account_id,
                error = e.code(),
                "catalogue sync failed"
            );
            progress(SyncProgress::Failed {
                account_id: account_id.to_owned(),
                message: e.to_string(),
            });
            AccountSync {
                account_id: account_id.to_owned(),
                offerings: None,
                skipped: 0,
                error: Some(e.to_string()),
            }
        }
    }
}

async fn try_sync_account(
    desk: &Desk,
    account_id: &str,
    progress: &(dyn Fn(SyncProgress) + Send + Sync),
) -> Result<(usize, usize), AppError> {
    let provider = desk.provider(account_id)?;
    let fetched_at = OffsetDateTime::now_utc();
    let on_page = |p: CatalogueProgress| {
        progress(SyncProgress::Fetching {
            account_id: account_id.to_owned(),
            pages_done: p.pages_done,
            page_count: p.page_count,
            offerings: p.offerings_so_far,
        })
    };
    let catalogue = provider.catalogue(&CatalogueQuery::all(), &on_page).await?;
    save_catalogue(desk, account_id, catalogue, fetched_at, progress)
}

/// Replaces an account's cached catalogue with a fetched one; returns (saved, skipped).
fn save_catalogue(
    desk: &Desk,
    account_id: &str,
    catalogue: Catalogue,
    fetched_at: OffsetDateTime,
    progress: &(dyn Fn(SyncProgress) + Send + Sync),
) -> Result<(usize, usize), AppError> {
    // An answer with nothing usable in it is a provider fault, not an empty shop: replacing the
    // cache with it would leave an offline desk with nothing to sell.
    if catalogue.offerings.is_empty() {
        return Err(AppError::EmptyCatalogue {
            account: account_id.to_owned(),
            skipped: catalogue.skipped.len(),
        });
    }
    let total = catalogue.offerings.len();
    let mut last_report = 0;
    let saved =
        desk.store()
            .replace_catalogue(account_id, &catalogue.offerings, fetched_at, &mut |n| {
                // Every few thousand rows is often enough for a progress bar.
                if n == total || n >= last_report + 5_000 {
                    last_report = n;
                    progress(SyncProgress::Saving {
                        account_id: account_id.to_owned(),
                        offerings: n,
                    });
                }
            })?;
    desk.store().audit(
        &desk.actor(),
        "catalogue.sync",
        &format!("{account_id}: {saved} offerings"),
    )?;
    Ok((saved, catalogue.skipped.len()))
}

/// How old each account's cached catalogue is: works offline.
pub fn freshness(desk: &Desk) -> Result<Vec<CatalogueFreshness>, AppError> {
    Ok(desk
        .store()
        .catalogue_freshness()?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// "3 minutes", "2 hours", "5 days": how a desk agent reads an age.
pub fn age_in_words(age: time::Duration) -> String {
    let plural = |n: i64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    let minutes = age.whole_minutes().max(0);
    if minutes < 1 {
        "less than a minute".to_owned()
    } else if minutes < 60 {
        plural(minutes, "minute")
    } else if minutes < 48 * 60 {
        plural(minutes / 60, "hour")
    } else {
        plural(minutes / (24 * 60), "day")
    }
}

/// Searches the local catalogue: works offline.
/// Destinations whose names start like `prefix` (countries and regions), for the Sell screen's
/// suggestions.
pub fn suggest_destinations(
    desk: &Desk,
    prefix: &str,
    limit: usize,
) -> Result<Vec<Destination>, AppError> {
    Ok(desk
        .store()
        .suggest_destinations(prefix, limit)?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// A search as a person types it (the Sell screen, `esimdesk search`): sizes and prices are
/// text, read here by core — a price in the desk's selling currency with that currency's own
/// decimals (JPY 0, USD 2, KWD 3), a size in decimal units ("5GB", "500 MB"; a bare number is
/// GB). Retail prices are in the offerings' currency, the desk's own while there is no
/// conversion.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase", default)]
pub struct SearchInput {
    pub destination: Option<String>,
    pub min_data: Option<String>,
    pub max_price: Option<String>,
    pub min_days: Option<u32>,
    pub max_days: Option<u32>,
    pub unlimited: Option<bool>,
    /// A provider's id (`esimgo`).
    pub provider: Option<String>,
    pub sort: Option<SearchSort>,
    /// How many results; 0: the store's default.
    pub limit: u32,
}

/// Typed text, trimmed; `None` when blank.
fn typed(t: &Option<String>) -> Option<&str> {
    t.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// The query a person's typed search stands for; bad text is an input error naming its field.
pub fn query_from_input(desk: &Desk, input: &SearchInput) -> Result<SearchQuery, AppError> {
    let invalid = |field: &str, message: String| AppError::InvalidInput {
        field: field.into(),
        message,
    };
    let min_data_bytes = typed(&input.min_data)
        .map(|t| {
            t.parse::<DataAmount>()
                .map(DataAmount::bytes)
                .map_err(|e| invalid("min data", e.to_string()))
        })
        .transpose()?;
    let max_price_minor = match typed(&input.max_price) {
        Some(t) => {
            let currency = desk.store().desk_settings()?.currency;
            Some(
                Money::from_major_str(t, currency)
                    .map(Money::minor)
                    .map_err(|e| invalid("max price", e.to_string()))?,
            )
        }
        None => None,
    };
    let provider = typed(&input.provider)
        .map(|p| {
            ProviderKind::from_id(p)
                .ok_or_else(|| invalid("provider", format!("unknown provider '{p}'")))
        })
        .transpose()?;
    let defaults = SearchQuery::default();
    Ok(SearchQuery {
        destination: typed(&input.destination).map(str::to_owned),
        min_data_bytes,
        min_days: input.min_days,
        max_days: input.max_days,
        max_price_minor,
        unlimited: input.unlimited,
        provider,
        sort: input.sort.map_or(defaults.sort, Into::into),
        limit: match input.limit {
            0 => defaults.limit,
            n => usize::try_from(n).unwrap_or(usize::MAX),
        },
    })
}

/// Searches the cached catalogue for what a person typed ([`SearchInput`]).
pub fn search_input(desk: &Desk, input: &SearchInput) -> Result<Vec<SearchHit>, AppError> {
    search(desk, &query_from_input(desk, input)?)
}

pub fn search(desk: &Desk, query: &SearchQuery) -> Result<Vec<SearchHit>, AppError> {
    Ok(desk
        .store()
        .search(query)?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Reads one account's catalogue live from the provider (every page), filtered by the provider.
pub async fn browse(
    desk: &Desk,
    account_id: &str,
    query: &CatalogueQuery,
) -> Result<Vec<OfferingView>, AppError> {
    let provider = desk.provider(account_id)?;
    let catalogue = provider.catalogue(query, &|_| {}).await?;
    Ok(catalogue.offerings.into_iter().map(Into::into).collect())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::sync::Arc;

    use super::*;
    use esimdesk_core::{
        ActivationType, Country, Currency, DataAllowance, Money, Offering, ProviderKind,
    };
    use esimdesk_providers::SkippedItem;
    use esimdesk_store::{ProviderAccount, Store};
    use time::Duration;

    #[test]
    fn an_empty_or_unreadable_catalogue_keeps_the_cached_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("desk.sqlite3")).unwrap();
        store
            .upsert_account(&ProviderAccount {
                id: "go".into(),
                provider: ProviderKind::Esimgo,
                label: "go".into(),
                base_url: "https://api.example.invalid".into(),
                created_at: OffsetDateTime::UNIX_EPOCH,
            })
            .unwrap();
        let desk = Desk::new(
            Arc::new(store),
            Arc::new(crate::EphemeralSecrets::new()),
            "test",
        );
        let offering = Offering {
            provider: ProviderKind::Esimgo,
            code: "esim_1GB_7D_NL_V2".into(),
            name: "1GB".into(),
            countries: vec![Country::parse("NL").unwrap()],
            region: None,
            data: DataAllowance::Unlimited,
            validity_days: 7,
            cost: Money::from_minor(165, Currency::parse("USD").unwrap()),
            activation: ActivationType::Unknown,
            speeds: vec![],
            top_up: true,
        };
        let full = Catalogue {
            offerings: vec![offering],
            skipped: vec![],
            pages: 1,
        };
        let now = OffsetDateTime::now_utc();
        assert_eq!(
            save_catalogue(&desk, "go", full, now, &|_| {}).unwrap(),
            (1, 0)
        );
        for empty in [
            Catalogue::default(),
            Catalogue {
                offerings: vec![],
                skipped: vec![SkippedItem {
                    code: Some("esim_broken".into()),
                    reason: "no price".into(),
                }],
                pages: 1,
            },
        ] {
            let e = save_catalogue(&desk, "go", empty, now, &|_| {}).unwrap_err();
            assert_eq!(e.code(), "empty_catalogue");
            assert!(
                desk.store()
                    .offering("go", "esim_1GB_7D_NL_V2")
                    .unwrap()
                    .is_some()
            );
        }
    }

    #[test]
    fn ages_read_naturally() {
        assert_eq!(age_in_words(Duration::seconds(20)), "less than a minute");
        assert_eq!(age_in_words(Duration::minutes(1)), "1 minute");
        assert_eq!(age_in_words(Duration::minutes(59)), "59 minutes");
        assert_eq!(age_in_words(Duration::hours(3)), "3 hours");
        assert_eq!(age_in_words(Duration::days(4)), "4 days");
    }
}
