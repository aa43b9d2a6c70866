//! eSIM endpoints: list, details, customer reference, compatibility, history, location,
//! refresh, SMS (esimgo.md §7, §12), and `GET /networks`.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use esimdesk_core::ActivationCode;
use esimdesk_core::install_link::{android_install_url, apple_install_url};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::Ctx;
use super::model::{Esim, ProfileStatus};
use super::wire::{
    Compatible, CountryNetworks, EsimDetails, EsimListItem, EsimsEnvelope, HistoryItem, Location,
    Network, Networks, Page, SmsRequest, Status, UpdateEsimRequest,
};
use super::{ApiError, Committed, Params, StrictJson};
use crate::catalogue::COUNTRIES;
use crate::clock::rfc3339;

/// The install links eSIM Go adds on request: `appleInstallUrl` (v2.4) or both (`installUrl`).
pub fn install_links(esim: &Esim, additional: Option<&str>) -> (Option<String>, Option<String>) {
    let wanted: Vec<String> = additional
        .map(|a| {
            a.split(',')
                .map(|x| x.trim().to_ascii_lowercase())
                .collect()
        })
        .unwrap_or_default();
    let apple = wanted
        .iter()
        .any(|w| w == "appleinstallurl" || w == "installurl");
    let android = wanted
        .iter()
        .any(|w| w == "installurl" || w == "androidinstallurl");
    let Ok(code) = ActivationCode::new(&esim.smdp_address, &esim.matching_id, None, false) else {
        return (None, None);
    };
    (
        apple.then(|| apple_install_url(&code)),
        android.then(|| android_install_url(&code)),
    )
}

fn list_item(e: &Esim) -> EsimListItem {
    let (action, date) = e.last_action();
    EsimListItem {
        iccid: e.iccid.clone(),
        customer_ref: e.customer_ref.clone(),
        last_action: action.to_owned(),
        action_date: rfc3339(date),
        physical: false,
        assigned_date: rfc3339(e.assigned_date),
    }
}

fn date_matches(value: OffsetDateTime, filter: &str) -> Result<bool, ApiError> {
    let (op, text) = match filter.split_once(':') {
        Some((op, rest)) if matches!(op, "eq" | "lt" | "lte" | "gt" | "gte") => (op, rest),
        _ => ("eq", filter),
    };
    let bound = OffsetDateTime::parse(text.trim(), &Rfc3339)
        .map_err(|_| ApiError::bad_request("filter must be [eq|lt|lte|gt|gte:]<RFC 3339 time>"))?;
    Ok(match op {
        "lt" => value < bound,
        "lte" => value <= bound,
        "gt" => value > bound,
        "gte" => value >= bound,
        _ => value == bound,
    })
}

pub async fn list(
    State(app): State<Ctx>,
    params: Params,
) -> Result<Json<Page<EsimsEnvelope>>, ApiError> {
    let page = params.int("page", 1, 1..=i64::from(u32::MAX))?;
    let per_page = params.int("perPage", 25, 1..=100)?;
    if ![10, 25, 50, 100].contains(&per_page) {
        return Err(ApiError::bad_request("perPage must be 10, 25, 50 or 100"));
    }
    let descending = match params
        .get("direction")
        .map(|d| d.trim().to_ascii_lowercase())
    {
        None => false,
        Some(d) if d.is_empty() || d == "asc" => false,
        Some(d) if d == "desc" => true,
        Some(_) => return Err(ApiError::bad_request("direction must be asc or desc")),
    };
    if let Some(o) = params.get("orderBy").map(str::trim)
        && !o.is_empty()
        && o != "iccid"
    {
        return Err(ApiError::bad_request("orderBy must be iccid"));
    }
    let filter_by = params
        .get("filterBy")
        .map(str::trim)
        .filter(|f| !f.is_empty());
    let filter = params.get("filter").unwrap_or("").trim().to_owned();
    if let Some(f) = filter_by
        && !matches!(
            f,
            "iccid" | "customerRef" | "lastAction" | "actionDate" | "assignedDate"
        )
    {
        return Err(ApiError::bad_request(
            "filterBy must be iccid, customerRef, lastAction, actionDate or assignedDate",
        ));
    }
    let now = app.clock.now();
    let mut st = app.sim.lock();
    st.sync_all(now);
    let needle = filter.to_lowercase();
    let mut items = Vec::new();
    for e in &st.esims {
        let keep = match filter_by {
            None => true,
            Some(_) if filter.is_empty() => true,
            Some("iccid") => e.iccid.contains(&filter),
            Some("customerRef") => e.customer_ref.to_lowercase().contains(&needle),
            Some("lastAction") => e.last_action().0.to_lowercase().contains(&needle),
            Some("actionDate") => date_matches(e.last_action().1, &filter)?,
            Some(_) => date_matches(e.assigned_date, &filter)?,
        };
        if keep {
            items.push(list_item(e));
        }
    }
    items.sort_by(|a, b| a.iccid.cmp(&b.iccid));
    if descending {
        items.reverse();
    }
    let rows = items.len();
    let page_size = usize::try_from(per_page).unwrap_or(25);
    let start = usize::try_from(page - 1)
        .unwrap_or(usize::MAX)
        .saturating_mul(page_size);
    let esims = items.into_iter().skip(start).take(page_size).collect();
    Ok(Json(Page {
        items: EsimsEnvelope { esims },
        page_count: rows.div_ceil(page_size),
        rows,
        page_size,
    }))
}

pub async fn one(
    State(app): State<Ctx>,
    Path(iccid): Path<String>,
    params: Params,
) -> Result<Json<EsimDetails>, ApiError> {
    let now = app.clock.now();
    let mut st = app.sim.lock();
    let e = st.esim_index(&iccid)?;
    st.sync_esim(e, now);
    let esim = st.esim(e)?;
    let (apple, android) = install_links(esim, params.get("additionalFields"));
    Ok(Json(EsimDetails {
        iccid: esim.iccid.clone(),
        pin: esim.pin.clone(),
        puk: esim.puk.clone(),
        matching_id: esim.matching_id.clone(),
        smdp_address: esim.smdp_address.clone(),
        profile_status: esim.profile_status.wire().to_owned(),
        first_installed_date_time: esim
            .first_installed
            .map(|t| i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(0)),
        customer_ref: esim.customer_ref.clone(),
        apple_install_url: apple,
        android_install_url: android,
    }))
}

/// `PUT /esims`: body `{iccid, customerRef}`, or the same two as query parameters.
pub async fn update(
    State(app): State<Ctx>,
    params: Params,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let from_body: UpdateEsimRequest = if body.iter().all(u8::is_ascii_whitespace) {
        UpdateEsimRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|_| ApiError::unparsable())?
    };
    let iccid = from_body
        .iccid
        .or_else(|| params.get("iccid").map(str::to_owned))
        .ok_or_else(|| ApiError::bad_request("iccid is required"))?;
    let customer_ref = from_body
        .customer_ref
        .or_else(|| params.get("customerRef").map(str::to_owned))
        .ok_or_else(|| ApiError::bad_request("customerRef is required"))?;
    let now = app.clock.now();
    let mut st = app.sim.lock();
    let e = st.esim_index(&iccid)?;
    st.sync_esim(e, now);
    st.esim_mut(e)?.customer_ref = customer_ref;
    st.push_history(e, "eSIM Updated", "", now);
    Ok((
        Extension(Committed),
        Json(Status {
            status: "success".to_owned(),
        }),
    )
        .into_response())
}

pub async fn compatible(
    State(app): State<Ctx>,
    Path((iccid, bundle)): Path<(String, String)>,
) -> Result<Json<Compatible>, ApiError> {
    let st = app.sim.lock();
    let e = st.esim_index(&iccid)?;
    let bundle = st.bundle(&bundle)?;
    let esim = st.esim(e)?;
    Ok(Json(Compatible {
        compatible: esim.family == bundle.profile_family()
            && esim.profile_status != ProfileStatus::Deactivated,
    }))
}

pub async fn history(
    State(app): State<Ctx>,
    Path(iccid): Path<String>,
) -> Result<Json<Vec<HistoryItem>>, ApiError> {
    let now = app.clock.now();
    let mut st = app.sim.lock();
    let e = st.esim_index(&iccid)?;
    st.sync_esim(e, now);
    let mut items: Vec<HistoryItem> = st
        .esim(e)?
        .history
        .iter()
        .map(|h| HistoryItem {
            name: h.name.to_owned(),
            bundle_name: h.bundle_name.clone(),
            date: rfc3339(h.date),
        })
        .collect();
    items.reverse();
    Ok(Json(items))
}

fn network_for(iso: &str) -> Network {
    let name = COUNTRIES
        .iter()
        .find(|c| c.iso == iso)
        .map_or("Sandbox", |c| c.name);
    Network {
        name: format!("{name} Mobile"),
        brand_name: format!("{name} Mobile"),
        mcc: "001".to_owned(),
        mnc: "01".to_owned(),
        tagid: format!("{iso}SB1"),
        speed: vec!["4G".to_owned(), "5G".to_owned()],
    }
}

pub async fn location(
    State(app): State<Ctx>,
    Path(iccid): Path<String>,
) -> Result<Json<Location>, ApiError> {
    let now = app.clock.now();
    let mut st = app.sim.lock();
    let e = st.esim_index(&iccid)?;
    st.sync_esim(e, now);
    let esim = st.esim(e)?;
    let (Some(country), Some(_)) = (esim.last_country.clone(), esim.first_installed) else {
        return Err(ApiError::bad_request("eSIM has not been seen on a network"));
    };
    let net = network_for(&country);
    Ok(Json(Location {
        mobile_network_code: net.tagid,
        network_name: net.name,
        network_brand_name: net.brand_name,
        country,
        last_seen: rfc3339(
            esim.last_action()
                .1
                .max(esim.first_installed.unwrap_or(now)),
        ),
    }))
}

pub async fn refresh(
    State(app): State<Ctx>,
    Path(iccid): Path<String>,
) -> Result<Json<Status>, ApiError> {
    let now = app.clock.now();
    let mut st = app.sim.lock();
    let e = st.esim_index(&iccid)?;
    st.sync_esim(e, now);
    st.push_history(e, "eSIM Refreshed", "", now);
    Ok(Json(Status {
        status: "Successfully refreshed SIM".to_owned(),
    }))
}

pub async fn sms(
    State(app): State<Ctx>,
    Path(iccid): Path<String>,
    StrictJson(body): StrictJson<SmsRequest>,
) -> Result<Json<Status>, ApiError> {
    let len = body.message.chars().count();
    if len == 0 || len > 160 {
        return Err(ApiError::bad_request("message must be 1 to 160 characters"));
    }
    if body.from.as_deref().is_some_and(|f| f != "eSIM") {
        return Err(ApiError::bad_request("from must be eSIM"));
    }
    let st = app.sim.lock();
    let e = st.esim_index(&iccid)?;
    if st.esim(e)?.profile_status == ProfileStatus::Deactivated {
        return Err(ApiError::bad_request("eSIM is deactivated"));
    }
    Ok(Json(Status {
        status: "sent".to_owned(),
    }))
}

pub async fn networks(params: Params) -> Result<Json<Networks>, ApiError> {
    let return_all = params.bool("returnAll")?;
    let isos: Vec<String> = params
        .get("isos")
        .map(|v| {
            v.split(',')
                .map(|x| x.trim().to_ascii_uppercase())
                .filter(|x| !x.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let names: Vec<String> = params
        .get("countries")
        .map(|v| {
            v.split(',')
                .map(|x| x.trim().to_lowercase())
                .filter(|x| !x.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let country_networks = COUNTRIES
        .iter()
        .filter(|c| {
            (return_all && isos.is_empty() && names.is_empty())
                || isos.iter().any(|i| i == c.iso)
                || names.iter().any(|n| *n == c.name.to_lowercase())
        })
        .map(|c| CountryNetworks {
            name: c.iso.to_owned(),
            networks: vec![network_for(c.iso)],
        })
        .collect();
    Ok(Json(Networks { country_networks }))
}
