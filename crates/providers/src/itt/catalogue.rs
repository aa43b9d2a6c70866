//! The catalogue (itt.md §4): `/esim/search` over every supplier (`supplier_uid: "all"`). ITT
//! has no paging: a query for countries is walked one country (one search) per page, a query
//! for everything is one search, and regions and text are filtered locally. Each offering's
//! code is ITT's opaque `package_id`.
//!
//! Every search also remembers under which country it found each package, so that a sale's dry
//! run can search afresh where the package lives ([`assumed::pricing_searches`]).

use esimdesk_core::{Country, Offering};

use super::{Itt, assumed, map, wire};
use crate::error::{ProviderError, clip};
use crate::http::CallKind;
use crate::{CataloguePage, CatalogueQuery, PageToken, SkippedItem};

/// One search's packages: the search `tracking_id` (needed to price one, §5) and each package,
/// or why it could not be read.
pub(super) struct Found {
    pub tracking_id: Option<String>,
    pub packages: Vec<Result<wire::Package, SkippedItem>>,
}

/// `POST /esim/search` for one country, or for everything.
pub(super) async fn search(t: &Itt, country: Option<Country>) -> Result<Found, ProviderError> {
    let body = wire::Search {
        esim: assumed::search_criteria(country),
        supplier_uid: wire::ALL_SUPPLIERS,
        language: assumed::SEARCH_LANGUAGE,
    };
    let list: wire::PackageList = t
        .post(
            wire::SEARCH_PATH,
            CallKind::Idempotent,
            &body,
            "eSIM search",
        )
        .await?;
    let packages: Vec<_> = list
        .data
        .iter()
        .map(|raw| {
            map::package(raw).map_err(|(code, reason)| SkippedItem {
                code,
                reason: format!("unreadable package: {reason}"),
            })
        })
        .collect();
    t.remember(
        packages
            .iter()
            .filter_map(|p| p.as_ref().ok())
            .map(|p| p.package_id.trim().to_owned()),
        country,
    );
    Ok(Found {
        tracking_id: list.tracking_id,
        packages,
    })
}

/// One page: the `n`th country of the query (0-based), or everything when it names none.
pub(super) async fn page(
    t: &Itt,
    query: &CatalogueQuery,
    token: Option<&PageToken>,
) -> Result<CataloguePage, ProviderError> {
    let mut countries: Vec<Country> = Vec::new();
    for c in &query.countries {
        if !countries.contains(c) {
            countries.push(*c);
        }
    }
    let index = match token {
        None => 0,
        Some(PageToken(text)) => text
            .parse::<usize>()
            .ok()
            .filter(|i| *i < countries.len())
            .ok_or_else(|| ProviderError::InvalidRequest {
                message: format!("'{}' is not an ITT catalogue page", clip(text)),
            })?,
    };
    let country = countries.get(index).copied();
    let found = search(t, country).await?;
    let mut offerings = Vec::new();
    let mut skipped = Vec::new();
    for item in found.packages {
        match item.and_then(|p| {
            map::offering(&p, false).map_err(|reason| SkippedItem {
                code: Some(p.package_id.clone()),
                reason,
            })
        }) {
            // A package covering a country of an earlier page was listed there already.
            Ok(o) if wanted(query, &o) && !countries[..index].iter().any(|c| o.covers(*c)) => {
                offerings.push(o)
            }
            Ok(_) => {}
            Err(s) => skipped.push(s),
        }
    }
    let pages = countries.len().max(1);
    Ok(CataloguePage {
        offerings,
        skipped,
        next: (index + 1 < countries.len()).then(|| PageToken((index + 1).to_string())),
        page: u32::try_from(index + 1).unwrap_or(u32::MAX),
        page_count: u32::try_from(pages).ok(),
        total_items: None,
    })
}

/// The parts of the query ITT's search does not apply: region, other countries, text.
fn wanted(query: &CatalogueQuery, o: &Offering) -> bool {
    let text_ok = query
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .is_none_or(|t| o.name.to_lowercase().contains(&t.to_lowercase()));
    text_ok && query.matches(o)
}

/// A package as a fresh search finds it (with that search's `tracking_id`), searching where the
/// catalogue last found it, then everywhere. `NotFound` when ITT no longer lists it.
pub(super) async fn find(
    t: &Itt,
    package_id: &str,
) -> Result<(String, wire::Package), ProviderError> {
    let code = package_id.trim();
    if code.is_empty() {
        return Err(ProviderError::InvalidRequest {
            message: "no ITT package named".into(),
        });
    }
    for country in assumed::pricing_searches(t.found_under(code)) {
        let found = search(t, country).await?;
        let package = found
            .packages
            .into_iter()
            .flatten()
            .find(|p| p.package_id.trim() == code);
        if let Some(package) = package {
            let tracking_id = found
                .tracking_id
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .ok_or_else(|| ProviderError::malformed("eSIM search", "no tracking_id"))?;
            return Ok((tracking_id, package));
        }
    }
    Err(ProviderError::NotFound {
        message: Some(format!("ITT no longer lists package {}", clip(code))),
    })
}

/// `offering(code)`: the package as a fresh search lists it.
pub(super) async fn one(t: &Itt, code: &str) -> Result<Offering, ProviderError> {
    let (_, package) = find(t, code).await?;
    map::offering(&package, false).map_err(|reason| ProviderError::malformed("ITT package", reason))
}
