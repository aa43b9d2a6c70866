//! Product offerings (telness.md §4): the data packages the desk sells, one by id, and the
//! Travel eSIM subscription offering every new eSIM's cart needs.

use esimdesk_core::Offering;

use super::{Telness, map, wire};
use crate::error::{ProviderError, clip};
use crate::http::Call;
use crate::{CataloguePage, CatalogueQuery, PageToken, SkippedItem};

/// At most this many pages are read looking for the subscription offering.
const MAX_DISCOVERY_PAGES: u32 = 10;

/// A page token: `<page number>:<cursor>` (the number only for [`CataloguePage::page`]).
fn parse_token(token: &PageToken) -> Result<(u32, &str), ProviderError> {
    token
        .0
        .split_once(':')
        .and_then(|(n, cursor)| Some((n.parse::<u32>().ok()?, cursor)))
        .filter(|(n, cursor)| *n > 1 && !cursor.is_empty())
        .ok_or_else(|| ProviderError::InvalidRequest {
            message: format!("'{}' is not a Telness catalogue page", clip(&token.0)),
        })
}

/// `GET /product-offerings?categories=<category>[&countries=..][&cursor=..]`. One value per
/// parameter (open point 4, assumed).
fn list_call(category: &str, country: Option<String>, cursor: Option<&str>) -> Call {
    let mut call = Call::get(&["product-offerings"]).query("categories", category);
    if let Some(country) = country {
        call = call.query("countries", country);
    }
    if let Some(cursor) = cursor {
        call = call.query("cursor", cursor);
    }
    call
}

/// The next page's cursor: a non-empty `nextCursor`, else none (either paging shape, §4.1).
fn next_cursor(
    list: &wire::OfferingList,
    current: Option<&str>,
) -> Result<Option<String>, ProviderError> {
    let next = list
        .pagination
        .as_ref()
        .and_then(|p| p.next_cursor.as_deref())
        .map(str::trim)
        .filter(|c| !c.is_empty());
    match next {
        Some(c) if Some(c) == current => Err(ProviderError::malformed(
            "catalogue paging",
            "the same page was offered twice",
        )),
        other => Ok(other.map(str::to_owned)),
    }
}

/// One page of data packages. The country filter goes to Telness when the query names exactly
/// one; regions (whose names differ between core and Telness) and several countries are applied
/// locally. Free text is not a Telness filter (none is documented): the desk searches its own
/// cache. Offerings of another category or not orderable are left out; unreadable ones are
/// skipped with the reason.
pub(super) async fn page(
    t: &Telness,
    query: &CatalogueQuery,
    token: Option<&PageToken>,
) -> Result<CataloguePage, ProviderError> {
    let (number, cursor) = match token {
        None => (1, None),
        Some(token) => {
            let (n, c) = parse_token(token)?;
            (n, Some(c))
        }
    };
    let country = match query.countries.as_slice() {
        [one] => Some(one.code()),
        _ => None,
    };
    let call = list_call(map::PACKAGE_CATEGORY, country, cursor);
    let list: wire::OfferingList = t.get_json(call, "product offerings").await?;
    let next = next_cursor(&list, cursor)?;
    let mut offerings = Vec::new();
    let mut skipped = Vec::new();
    for raw in list.items {
        let item = match serde_json::from_str::<wire::Offering>(raw.get()) {
            Ok(item) => item,
            Err(e) => {
                skipped.push(SkippedItem {
                    code: None,
                    reason: clip(&e.to_string()),
                });
                continue;
            }
        };
        if !map::in_category(&item, map::PACKAGE_CATEGORY) || !map::orderable(&item) {
            continue;
        }
        let code = item.product_offering_id.clone();
        match map::offering(item) {
            Ok(o) if query.matches(&o) => offerings.push(o),
            Ok(_) => {}
            Err(reason) => skipped.push(SkippedItem {
                code: Some(code),
                reason,
            }),
        }
    }
    for s in &skipped {
        tracing::warn!(provider = "telness", code = ?s.code, reason = %s.reason, "offering skipped");
    }
    Ok(CataloguePage {
        offerings,
        skipped,
        next: next.map(|c| PageToken(format!("{}:{c}", number + 1))),
        page: number,
        page_count: None,
        total_items: None,
    })
}

/// `GET /product-offerings/{id}` (§4.2): a data package the desk can still order.
pub(super) async fn one(t: &Telness, code: &str) -> Result<Offering, ProviderError> {
    let item: wire::Offering = t
        .get_json(Call::get(&["product-offerings", code]), "product offering")
        .await?;
    if !map::orderable(&item) {
        return Err(ProviderError::NotFound {
            message: Some(format!(
                "offering {} is no longer available ({})",
                clip(code),
                clip(item.status.as_deref().unwrap_or(""))
            )),
        });
    }
    if !map::in_category(&item, map::PACKAGE_CATEGORY) {
        return Err(ProviderError::InvalidRequest {
            message: format!("offering {} is not a Travel eSIM data package", clip(code)),
        });
    }
    map::offering(item).map_err(|reason| ProviderError::malformed("product offering", reason))
}

/// The Travel eSIM subscription offering (the eSIM container line): configured, or the first
/// orderable `TRAVEL_ESIM` offering, found once and cached (§3 step 1).
pub(super) async fn subscription_offering(t: &Telness) -> Result<String, ProviderError> {
    if let Some(id) = t
        .subscription_offering
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
    {
        return Ok(id);
    }
    find_subscription_offering(t).await
}

/// Asks Telness for the subscription offering (even when one is configured: this is also the
/// credentials check) and caches it when none was configured.
pub(super) async fn find_subscription_offering(t: &Telness) -> Result<String, ProviderError> {
    let configured = t
        .subscription_offering
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let mut cursor: Option<String> = None;
    let mut found: Vec<String> = Vec::new();
    for _ in 0..MAX_DISCOVERY_PAGES {
        let call = list_call(map::SUBSCRIPTION_CATEGORY, None, cursor.as_deref());
        let list: wire::OfferingList = t.get_json(call, "product offerings").await?;
        let next = next_cursor(&list, cursor.as_deref())?;
        for raw in &list.items {
            // An unreadable item is not the one we need; the catalogue sync reports those.
            if let Ok(item) = serde_json::from_str::<wire::Offering>(raw.get())
                && map::in_category(&item, map::SUBSCRIPTION_CATEGORY)
                && map::orderable(&item)
                && item
                    .product
                    .as_ref()
                    .and_then(|p| p.kind.as_deref())
                    .is_none_or(|k| k.trim().eq_ignore_ascii_case("SUBSCRIPTION"))
            {
                found.push(item.product_offering_id);
            }
        }
        if configured.is_some() || !found.is_empty() {
            break;
        }
        match next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    if let Some(id) = configured {
        return Ok(id);
    }
    let Some(first) = found.first().cloned() else {
        return Err(ProviderError::Configuration {
            message: "this Telness account lists no orderable Travel eSIM subscription offering \
                (category TRAVEL_ESIM); ask Telness, or set the offering id in the account"
                .to_owned(),
        });
    };
    if found.len() > 1 {
        tracing::warn!(
            provider = "telness",
            chosen = %first,
            count = found.len(),
            "several Travel eSIM subscription offerings: using the first (configure one to choose)"
        );
    }
    *t.subscription_offering
        .lock()
        .unwrap_or_else(|p| p.into_inner()) = Some(first.clone());
    Ok(first)
}
