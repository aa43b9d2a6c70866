//! `GET /product-offerings` (also at the seed's `/products/offerings`) and
//! `GET /product-offerings/{id}` (telness.md §4, open points 1–5).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use serde_json::Value;

use super::Ctx;
use super::error::{Query, TelnessError};
use super::offerings::{Offering, OfferingWire};

/// The prefix one version of the reference puts before category names (open point 2).
const CATEGORY_PREFIX: &str = "PRODUCT_CATEGORY_";
/// Offering types the reference lists (§4.1).
const TYPES: [&str; 4] = [
    "SUBSCRIPTION",
    "SUBSCRIPTION_ADDON",
    "LICENSE",
    "EXTERNAL_PRODUCT",
];

/// The filters of a listing, checked.
#[derive(Debug, Default)]
struct Filter {
    categories: Vec<String>,
    types: Vec<String>,
    countries: Vec<String>,
    regions: Vec<String>,
    consumer: Option<bool>,
}

impl Filter {
    fn parse(q: &Query) -> Result<Self, TelnessError> {
        let categories = q
            .list(&["categories"])
            .into_iter()
            .map(|c| {
                c.strip_prefix(CATEGORY_PREFIX)
                    .map_or(c.clone(), str::to_owned)
            })
            .collect();
        let types = q.list(&["types", "type"]);
        if let Some(bad) = types.iter().find(|t| !TYPES.contains(&t.as_str())) {
            return Err(TelnessError::field(
                "types",
                "INVALID_VALUE",
                &format!("unknown offering type {bad:?}; one of {}", TYPES.join(", ")),
            ));
        }
        let countries = q
            .list(&["countries"])
            .into_iter()
            .map(|c| c.to_ascii_uppercase())
            .collect::<Vec<_>>();
        if let Some(bad) = countries
            .iter()
            .find(|c| c.len() != 2 || !c.bytes().all(|b| b.is_ascii_alphabetic()))
        {
            return Err(TelnessError::field(
                "countries",
                "INVALID_VALUE",
                &format!("{bad:?} is not an ISO 3166-1 alpha-2 code"),
            ));
        }
        let consumer = match q.get("customerType").map(str::trim) {
            None | Some("") => None,
            Some("CONSUMER") => Some(true),
            Some("BUSINESS") => Some(false),
            Some(other) => {
                return Err(TelnessError::field(
                    "customerType",
                    "INVALID_VALUE",
                    &format!("unknown customer type {other:?}"),
                ));
            }
        };
        if q.get("cursor").is_some_and(|c| !c.trim().is_empty()) {
            // Every listing is one page (open point 5), so no cursor was ever handed out.
            return Err(TelnessError::field(
                "cursor",
                "INVALID_VALUE",
                "unknown cursor",
            ));
        }
        if let Some(limit) = q.get("limit").map(str::trim).filter(|l| !l.is_empty())
            && !limit.parse::<u32>().is_ok_and(|n| (1..=1000).contains(&n))
        {
            return Err(TelnessError::field(
                "limit",
                "INVALID_VALUE",
                "limit must be an integer from 1 to 1000",
            ));
        }
        Ok(Self {
            categories,
            types,
            countries,
            regions: q.list(&["regions"]),
            consumer,
        })
    }

    fn matches(&self, o: &Offering) -> bool {
        (self.categories.is_empty() || self.categories.iter().any(|c| c == o.category))
            && (self.types.is_empty() || self.types.iter().any(|t| t == o.kind))
            && (self.countries.is_empty()
                || o.countries
                    .iter()
                    .any(|c| self.countries.iter().any(|x| x == c)))
            && (self.regions.is_empty()
                || o.regions
                    .iter()
                    .any(|r| self.regions.iter().any(|x| x == r)))
            && self.consumer != Some(false)
    }
}

/// `GET /product-offerings` and `GET /products/offerings`: every match in one page (the
/// documented `limit` is checked, not applied; open point 5).
pub async fn list(State(app): State<Ctx>, uri: Uri) -> Result<Json<Value>, TelnessError> {
    let filter = Filter::parse(&Query::parse(uri.query()))?;
    let items: Vec<OfferingWire> = app
        .sim
        .offerings()
        .all()
        .iter()
        .filter(|o| filter.matches(o))
        .map(Offering::wire)
        .collect();
    Ok(Json(serde_json::json!({
        "items": items,
        "pagination": { "nextCursor": null },
    })))
}

/// `GET /product-offerings/{productOfferingId}` (`promoCode` is accepted and has no effect).
pub async fn one(
    State(app): State<Ctx>,
    Path(id): Path<String>,
) -> Result<Json<OfferingWire>, TelnessError> {
    app.sim
        .offerings()
        .get(&id)
        .map(|o| Json(o.wire()))
        .ok_or_else(|| TelnessError::not_found("product offering", &id))
}

/// A 404 for any path the simulated API does not have.
pub async fn no_route() -> TelnessError {
    TelnessError::new(StatusCode::NOT_FOUND, "Not Found")
}
