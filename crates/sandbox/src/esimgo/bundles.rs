//! Bundles on an eSIM: usage (`GET /esims/{iccid}/bundles[/{name}]`) and revoke
//! (`DELETE /esims/{iccid}/bundles/{name}[/assignments/{id}]`) (esimgo.md §8).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use time::OffsetDateTime;

use super::Ctx;
use super::model::{BundleState, InventoryItem, Source};
use super::state::{EsimGo, REFUND_DAYS};
use super::wire::{Assignments, EsimBundle, EsimBundles, Status};
use super::{ApiError, Committed, Params};

pub async fn list(
    State(app): State<Ctx>,
    Path(iccid): Path<String>,
    params: Params,
) -> Result<Json<EsimBundles>, ApiError> {
    let include_used = params.bool("includeUsed")?;
    let limit = usize::try_from(params.int("limit", 15, 1..=200)?).unwrap_or(15);
    let now = app.clock.now();
    let mut st = app.sim.lock();
    let e = st.esim_index(&iccid)?;
    st.sync_esim(e, now);
    let esim = st.esim(e)?;
    // Newest assignments first, then grouped by bundle in order of first appearance.
    let picked: Vec<usize> = esim
        .assignments
        .iter()
        .rev()
        .copied()
        .filter(|&a| {
            st.assignments
                .get(a)
                .is_some_and(|x| include_used || !x.state.is_final())
        })
        .take(limit)
        .collect();
    let mut bundles: Vec<EsimBundle> = Vec::new();
    for a in picked {
        let Some(x) = st.assignments.get(a) else {
            continue;
        };
        let wire = st.assignment_wire(x);
        match bundles.iter_mut().find(|b| b.name == x.bundle) {
            Some(b) => b.assignments.push(wire),
            None => bundles.push(EsimBundle {
                name: x.bundle.clone(),
                description: st
                    .catalogue
                    .get(&x.bundle)
                    .map(|b| b.description.clone())
                    .unwrap_or_default(),
                assignments: vec![wire],
            }),
        }
    }
    Ok(Json(EsimBundles { bundles }))
}

pub async fn one(
    State(app): State<Ctx>,
    Path((iccid, name)): Path<(String, String)>,
) -> Result<Json<Assignments>, ApiError> {
    let now = app.clock.now();
    let mut st = app.sim.lock();
    let e = st.esim_index(&iccid)?;
    st.sync_esim(e, now);
    let latest = st
        .esim(e)?
        .assignments
        .iter()
        .rev()
        .filter_map(|&a| st.assignments.get(a))
        .find(|x| x.bundle == name)
        .ok_or_else(|| ApiError::bad_request("Bundle not found"))?;
    Ok(Json(Assignments {
        assignments: vec![st.assignment_wire(latest)],
    }))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RevokeMode {
    Validate,
    Transaction,
}

fn revoke_mode(params: &Params) -> Result<(RevokeMode, bool), ApiError> {
    let mode = match params.get("type").map(str::trim) {
        None | Some("") | Some("transaction") => RevokeMode::Transaction,
        Some("validate") => RevokeMode::Validate,
        Some(_) => {
            return Err(ApiError::bad_request(
                "type must be validate or transaction",
            ));
        }
    };
    Ok((mode, params.bool("refundToBalance")?))
}

impl EsimGo {
    /// Revokes assignment `a`; refunds an unstarted one inside the refund window to inventory or
    /// balance. Returns the status text.
    fn revoke(
        &mut self,
        a: usize,
        mode: RevokeMode,
        to_balance: bool,
        now: OffsetDateTime,
    ) -> Result<String, ApiError> {
        let x = self
            .assignments
            .get(a)
            .ok_or_else(|| ApiError::internal("assignment index out of range"))?;
        if x.state.is_final() {
            return Err(ApiError::bad_request(format!(
                "Bundle cannot be revoked: it is {}",
                x.state.wire()
            )));
        }
        let refundable =
            x.state.is_unused() && now - x.assigned_at <= time::Duration::days(REFUND_DAYS);
        let (e, bundle, price, source) = (x.esim, x.bundle.clone(), x.price_cents, x.source);
        if mode == RevokeMode::Validate {
            return Ok(if refundable {
                "Bundle can be revoked and refunded to inventory or to balance".to_owned()
            } else {
                "Bundle can be revoked; it has started and will not be refunded".to_owned()
            });
        }
        if let Some(x) = self.assignments.get_mut(a) {
            x.state = BundleState::Revoked;
        }
        self.push_history(e, "Bundle Revoked", &bundle, now);
        if !refundable {
            return Ok("Successfully Revoked Bundle".to_owned());
        }
        if to_balance {
            self.balance_cents += price;
            self.push_history(e, "Bundle Refunded To Balance", &bundle, now);
            return Ok(
                "Successfully Revoked Bundle, bundle has been refunded to balance".to_owned(),
            );
        }
        let existing = match source {
            Source::Inventory(id) => self.inventory.iter_mut().find(|i| i.usage_id == id),
            Source::Order => None,
        };
        match existing {
            Some(item) => {
                item.remaining += 1;
                item.total = item.total.max(item.remaining);
            }
            None => {
                let usage_id = self.new_usage_id();
                self.inventory.push(InventoryItem {
                    usage_id,
                    bundle: bundle.clone(),
                    total: 1,
                    remaining: 1,
                    purchased: now,
                    expiry: now + time::Duration::days(365),
                    price_cents: price,
                });
            }
        }
        self.push_history(e, "Bundle Refunded to Inventory", &bundle, now);
        Ok("Successfully Revoked Bundle, bundle has been refunded to inventory".to_owned())
    }
}

fn status_response(status: String, mode: RevokeMode) -> Response {
    let body = Json(Status { status });
    match mode {
        RevokeMode::Transaction => (Extension(Committed), body).into_response(),
        RevokeMode::Validate => body.into_response(),
    }
}

/// Revokes the oldest unused assignment of the bundle, else the oldest one still running.
pub async fn revoke_by_name(
    State(app): State<Ctx>,
    Path((iccid, name)): Path<(String, String)>,
    params: Params,
) -> Result<Response, ApiError> {
    let (mode, to_balance) = revoke_mode(&params)?;
    let now = app.clock.now();
    let mut st = app.sim.lock();
    let e = st.esim_index(&iccid)?;
    st.sync_esim(e, now);
    let of_bundle: Vec<usize> = st
        .esim(e)?
        .assignments
        .iter()
        .copied()
        .filter(|&a| st.assignments.get(a).is_some_and(|x| x.bundle == name))
        .collect();
    if of_bundle.is_empty() {
        return Err(ApiError::bad_request("Bundle not found"));
    }
    let pick = |pred: &dyn Fn(BundleState) -> bool| {
        of_bundle
            .iter()
            .copied()
            .find(|&a| st.assignments.get(a).is_some_and(|x| pred(x.state)))
    };
    let a = pick(&|s| s.is_unused())
        .or_else(|| pick(&|s| !s.is_final()))
        .ok_or_else(|| ApiError::bad_request("Bundle cannot be revoked: no running assignment"))?;
    let status = st.revoke(a, mode, to_balance, now)?;
    Ok(status_response(status, mode))
}

pub async fn revoke_by_id(
    State(app): State<Ctx>,
    Path((iccid, name, id)): Path<(String, String, String)>,
    params: Params,
) -> Result<Response, ApiError> {
    let (mode, to_balance) = revoke_mode(&params)?;
    let now = app.clock.now();
    let mut st = app.sim.lock();
    let e = st.esim_index(&iccid)?;
    st.sync_esim(e, now);
    let a = st
        .esim(e)?
        .assignments
        .iter()
        .copied()
        .find(|&a| {
            st.assignments
                .get(a)
                .is_some_and(|x| x.bundle == name && x.id.to_string() == id)
        })
        .ok_or_else(|| ApiError::bad_request("Assignment not found"))?;
    let status = st.revoke(a, mode, to_balance, now)?;
    Ok(status_response(status, mode))
}
