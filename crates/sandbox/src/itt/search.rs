//! Finding and pricing a package (itt.md §4, §5): `POST /esim/search` hands out a search
//! tracking id that expires on the sandbox clock; `POST /esim/single-esim-package` turns it and
//! one of its packages into a booking tracking id with the confirmed price.

use axum::Json;
use axum::extract::State;
use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::Ctx;
use super::config::CURRENCY;
use super::error::{Fields, IttError};
use super::model::Criteria;
use super::packages::{CoverageType, Package, PackageKind};
use super::views::{amount, success};

impl Criteria {
    /// The criteria of a search body. `eSim` is required; `region_type` is `local`,
    /// `regional` or `global`; a `local` search needs `country_code` (§4).
    fn from_body(f: &Fields) -> Result<Self, IttError> {
        let esim = f
            .object("eSim")?
            .ok_or_else(|| IttError::bad_request("eSim is required"))?;
        let region_type = match esim.text("region_type")? {
            None => None,
            Some(t) => Some(CoverageType::parse(&t).ok_or_else(|| {
                IttError::bad_request(format!(
                    "eSim.region_type {t} is not one of local, regional, global"
                ))
            })?),
        };
        let country_code = match esim.text("country_code")? {
            None => None,
            Some(c) => {
                let known = (c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()))
                    .then(|| esimdesk_core::Country::parse(&c).ok())
                    .flatten();
                Some(known.map(|k| k.code()).ok_or_else(|| {
                    IttError::bad_request(format!(
                        "eSim.country_code {c} is not an ISO 3166-1 alpha-2 code"
                    ))
                })?)
            }
        };
        if region_type == Some(CoverageType::Local) && country_code.is_none() {
            return Err(IttError::bad_request(
                "eSim.country_code is required for a local search",
            ));
        }
        let topup_included = match esim.text("topup_included")?.as_deref() {
            None => false,
            Some(t) if t.eq_ignore_ascii_case("yes") || t.eq_ignore_ascii_case("true") => true,
            Some(t) if t.eq_ignore_ascii_case("no") || t.eq_ignore_ascii_case("false") => false,
            Some(t) => {
                return Err(IttError::bad_request(format!(
                    "eSim.topup_included {t} is not yes or no"
                )));
            }
        };
        let supplier_uid = f
            .text("supplier_uid")?
            .filter(|s| !s.eq_ignore_ascii_case("all"));
        Ok(Self {
            region_type,
            country_code,
            plan_type: esim.text("plan_type")?,
            topup_included,
            supplier_uid,
        })
    }

    /// Whether an eSIM package is among this search's results.
    pub fn matches(&self, p: &Package) -> bool {
        p.kind == PackageKind::Sim
            && self.region_type.is_none_or(|t| p.coverage_type() == t)
            && self.country_code.as_deref().is_none_or(|c| p.covers(c))
            && self
                .plan_type
                .as_deref()
                .is_none_or(|t| t.eq_ignore_ascii_case("data"))
            && (!self.topup_included || p.rechargeable)
            && self
                .supplier_uid
                .as_deref()
                .is_none_or(|u| p.supplier.uid.eq_ignore_ascii_case(u))
    }
}

/// `supplier`: how many packages each supplier contributed (the reference's facet; contents
/// not published).
fn supplier_facet(found: &[&Package]) -> Value {
    let mut facet = Map::new();
    for s in &super::packages::SUPPLIERS {
        let n = found.iter().filter(|p| p.supplier == s).count();
        if n > 0 {
            facet.insert(
                s.uid.to_owned(),
                json!({"supplier": s.code, "supplier_uid": s.uid, "total_esim_package": n.to_string()}),
            );
        }
    }
    Value::Object(facet)
}

/// `POST /esim/search` (§4). An unknown `supplier_uid` finds nothing (a search, not an error).
pub async fn search(State(app): State<Ctx>, body: Bytes) -> Result<Json<Value>, IttError> {
    let f = Fields::parse(&body)?;
    let criteria = Criteria::from_body(&f)?;
    let now = app.clock.now();
    let found: Vec<&Package> = app
        .sim
        .packages()
        .sims()
        .filter(|p| criteria.matches(p))
        .collect();
    let tracking_id = app.sim.lock().add_search(criteria, now);
    let mut echo = f.echo();
    echo.insert("tracking_id".to_owned(), Value::from(tracking_id.clone()));
    let n = found.len();
    Ok(Json(success(
        &format!("A total of {n} eSIM packages were found for your search."),
        json!({
            "tracking_id": tracking_id,
            "search_parameter": echo,
            "total_esim_package": n.to_string(),
            "data": found.iter().map(|p| p.wire(&tracking_id)).collect::<Vec<_>>(),
            "supplier": supplier_facet(&found),
            "filter": {},
        }),
    )))
}

/// `POST /esim/single-esim-package` (§5): the booking tracking id and the confirmed price.
pub async fn single_package(State(app): State<Ctx>, body: Bytes) -> Result<Json<Value>, IttError> {
    let f = Fields::parse(&body)?;
    let search_id = f.required("tracking_id")?;
    let package_id = f.required("package_id")?;
    let now = app.clock.now();
    let mut st = app.sim.lock();
    let search = st.searches.get(&search_id).ok_or_else(|| {
        IttError::not_found(format!("Search tracking id {search_id} not found"))
            .with_tracking_id(&search_id)
    })?;
    if now >= search.expires_at {
        return Err(IttError::not_found(format!(
            "Search tracking id {search_id} has expired; search again"
        ))
        .with_tracking_id(&search_id));
    }
    let package = app
        .sim
        .packages()
        .get(&package_id)
        .filter(|p| search.criteria.matches(p))
        .ok_or_else(|| {
            IttError::not_found(format!("Package {package_id} not found in this search"))
                .with_tracking_id(&search_id)
        })?;
    let idx = st.add_quote(&search_id, &package_id, package.price_cents, now);
    let tracking_id = st.quote(idx)?.tracking_id.clone();
    let mut data = package.wire(&tracking_id);
    if let Some(map) = data.as_object_mut() {
        // Only the top-level `tracking_id` names the booking; one id per answer.
        map.remove("tracking_id");
    }
    Ok(Json(success(
        "The package price is confirmed.",
        json!({
            "tracking_id": tracking_id,
            "search_parameter": {"tracking_id": search_id, "package_id": package_id},
            "data": data,
            "region_details": package.region_details(),
            "operator_details": package.operator_details(),
            "coverage_country": package.coverage_countries(),
            "price": {"sell_price": amount(package.price_cents), "sell_currency": CURRENCY},
            "fmg": {},
            "supplier": {"supplier": package.supplier.code, "supplier_uid": package.supplier.uid},
            "fair_usage_policy": null,
        }),
    )))
}
