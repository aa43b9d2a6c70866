//! `GET /catalogue` (paged, filtered, sorted) and `GET /catalogue/bundle/{name}` (esimgo.md §4).

use std::cmp::Ordering;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};

use super::Ctx;
use super::wire::{BundlesEnvelope, CatalogueBundle, CountryRef, Page};
use super::{ApiError, Params};
use crate::catalogue::{Bundle, CountryInfo};
use crate::money::Major;

pub const DEFAULT_PER_PAGE: i64 = 50;
pub const MAX_PER_PAGE: i64 = 1000;

fn country_ref(c: &CountryInfo) -> CountryRef {
    CountryRef {
        name: c.name.to_owned(),
        region: c.region.to_owned(),
        iso: c.iso.to_owned(),
    }
}

pub fn bundle_wire(b: &Bundle, with_groups: bool) -> CatalogueBundle {
    CatalogueBundle {
        name: b.name.clone(),
        description: b.description.clone(),
        groups: with_groups.then(|| b.groups.clone()),
        countries: b.countries.iter().map(|c| country_ref(c)).collect(),
        data_amount: b.data_amount_mb(),
        duration: b.duration_days,
        speed: b.speed.iter().map(|s| (*s).to_owned()).collect(),
        autostart: b.autostart,
        unlimited: b.unlimited(),
        roaming_enabled: b.roaming.iter().map(|c| country_ref(c)).collect(),
        price: Major(b.price_cents),
        billing_type: "FixedCost",
    }
}

#[derive(Debug, Clone, Copy)]
enum OrderBy {
    Name,
    Price,
    Duration,
    DataAmount,
}

pub async fn list(
    State(app): State<Ctx>,
    params: Params,
) -> Result<Json<Page<BundlesEnvelope>>, ApiError> {
    let page = params.int("page", 1, 1..=i64::from(u32::MAX))?;
    let per_page = params.int("perPage", DEFAULT_PER_PAGE, 1..=MAX_PER_PAGE)?;
    let descending = match params
        .get("direction")
        .map(|d| d.trim().to_ascii_lowercase())
    {
        None => false,
        Some(d) if d.is_empty() || d == "asc" => false,
        Some(d) if d == "desc" => true,
        Some(_) => return Err(ApiError::bad_request("direction must be asc or desc")),
    };
    let order_by = match params.get("orderBy").map(str::trim) {
        None | Some("") | Some("name") => OrderBy::Name,
        Some("price") => OrderBy::Price,
        Some("duration") => OrderBy::Duration,
        Some("dataAmount") => OrderBy::DataAmount,
        Some(_) => {
            return Err(ApiError::bad_request(
                "orderBy must be one of name, price, duration, dataAmount",
            ));
        }
    };
    let countries: Vec<String> = params
        .get("countries")
        .map(|c| {
            c.split(',')
                .map(|x| x.trim().to_ascii_uppercase())
                .filter(|x| !x.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let region = params
        .get("region")
        .map(|r| r.trim().to_lowercase())
        .filter(|r| !r.is_empty());
    let description = params
        .get("description")
        .map(|d| d.trim().to_lowercase())
        .filter(|d| !d.is_empty());
    let group = params
        .get("group")
        .map(|g| g.trim().to_owned())
        .filter(|g| !g.is_empty());

    let catalogue = Arc::clone(&app.sim.lock().catalogue);
    let mut matching: Vec<&Bundle> = catalogue
        .bundles()
        .iter()
        .filter(|b| {
            countries.is_empty()
                || b.countries
                    .iter()
                    .any(|c| countries.iter().any(|x| x == c.iso))
        })
        .filter(|b| {
            region
                .as_deref()
                .is_none_or(|r| b.countries.iter().any(|c| c.region.to_lowercase() == r))
        })
        .filter(|b| {
            description
                .as_deref()
                .is_none_or(|d| b.description.to_lowercase().contains(d))
        })
        .filter(|b| {
            group
                .as_deref()
                .is_none_or(|g| b.groups.iter().any(|x| x == g))
        })
        .collect();
    matching.sort_by(|a, b| {
        let primary = match order_by {
            OrderBy::Name => Ordering::Equal,
            OrderBy::Price => a.price_cents.cmp(&b.price_cents),
            OrderBy::Duration => a.duration_days.cmp(&b.duration_days),
            OrderBy::DataAmount => a.data_amount_mb().cmp(&b.data_amount_mb()),
        };
        let ord = primary.then_with(|| a.name.cmp(&b.name));
        if descending { ord.reverse() } else { ord }
    });
    let rows = matching.len();
    let page_size = usize::try_from(per_page).unwrap_or(50);
    let page_count = rows.div_ceil(page_size);
    let start = usize::try_from(page - 1)
        .unwrap_or(usize::MAX)
        .saturating_mul(page_size);
    let bundles = matching
        .into_iter()
        .skip(start)
        .take(page_size)
        .map(|b| bundle_wire(b, true))
        .collect();
    Ok(Json(Page {
        items: BundlesEnvelope { bundles },
        page_count,
        rows,
        page_size,
    }))
}

pub async fn one(
    State(app): State<Ctx>,
    Path(name): Path<String>,
) -> Result<Json<CatalogueBundle>, ApiError> {
    let st = app.sim.lock();
    let bundle = st.bundle(&name)?;
    Ok(Json(bundle_wire(bundle, false)))
}
