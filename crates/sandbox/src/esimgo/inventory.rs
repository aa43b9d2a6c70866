//! Inventory: `GET /inventory`, `POST /inventory/refund` (esimgo.md §11) and applying bundles
//! from it with `POST /esims/apply` (esimgo.md §10).

use std::collections::HashMap;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use time::OffsetDateTime;

use super::Ctx;
use super::model::{LineKind, Order, OrderLine, ProfileStatus, Source};
use super::state::{EsimGo, REFUND_DAYS};
use super::wire::{
    Allowance, ApplyEsim, ApplyListItem, ApplyRequest, ApplyResponse, Inventory,
    InventoryAvailable, InventoryBundle, RefundRequest, Status,
};
use super::{ApiError, ClientIp, Committed, StrictJson};
use crate::catalogue::DataAllowance;
use crate::clock::date;

pub async fn list(State(app): State<Ctx>) -> Json<Inventory> {
    let now = app.clock.now();
    let st = app.sim.lock();
    let mut bundles: Vec<InventoryBundle> = Vec::new();
    for item in st
        .inventory
        .iter()
        .filter(|i| i.remaining > 0 && i.expiry > now)
    {
        let available = InventoryAvailable {
            id: item.usage_id,
            total: item.total,
            remaining: item.remaining,
            expiry: date(item.expiry),
        };
        if let Some(b) = bundles.iter_mut().find(|b| b.name == item.bundle) {
            b.available.push(available);
            continue;
        }
        let Some(bundle) = st.catalogue.get(&item.bundle) else {
            continue;
        };
        let (amount, description) = match bundle.data {
            DataAllowance::Fixed(mb) => (
                i64::try_from(mb).unwrap_or(i64::MAX),
                format!(
                    "{} Data",
                    bundle.description.split(", ").nth(1).unwrap_or("")
                ),
            ),
            DataAllowance::Unlimited(_) => (-1, "Unlimited Data".to_owned()),
        };
        bundles.push(InventoryBundle {
            name: bundle.name.clone(),
            desc: bundle.description.clone(),
            use_dms: false,
            available: vec![available],
            countries: bundle.countries.iter().map(|c| c.iso.to_owned()).collect(),
            data: bundle.data_amount_mb(),
            duration: bundle.duration_days,
            duration_unit: "day".to_owned(),
            autostart: bundle.autostart,
            unlimited: bundle.unlimited(),
            speed: Some(bundle.speed.iter().map(|s| (*s).to_owned()).collect()),
            allowances: vec![Allowance {
                kind: "DATA".to_owned(),
                service: "Roaming".to_owned(),
                description,
                amount,
                unit: "MB".to_owned(),
                unlimited: bundle.unlimited(),
            }],
        });
    }
    Json(Inventory { bundles })
}

pub async fn refund(
    State(app): State<Ctx>,
    StrictJson(req): StrictJson<RefundRequest>,
) -> Result<Response, ApiError> {
    let now = app.clock.now();
    let mut st = app.sim.lock();
    let item = st
        .inventory
        .iter_mut()
        .find(|i| i64::try_from(i.usage_id).is_ok_and(|id| id == req.usage_id))
        .ok_or_else(|| ApiError::bad_request("Unknown usageId"))?;
    if req.quantity < 1 || req.quantity > i64::from(item.remaining) {
        return Err(ApiError::bad_request(format!(
            "quantity must be from 1 to {} for this usageId",
            item.remaining
        )));
    }
    if now - item.purchased > time::Duration::days(REFUND_DAYS) {
        return Err(ApiError::bad_request("Refund period has expired"));
    }
    let quantity = u32::try_from(req.quantity).unwrap_or(0);
    item.remaining -= quantity;
    let amount = item.price_cents * i64::from(quantity);
    st.balance_cents += amount;
    Ok((
        Extension(Committed),
        Json(Status {
            status: "Successfully refunded bundles to balance".to_owned(),
        }),
    )
        .into_response())
}

/// One bundle to apply: to an existing eSIM or to a new one.
#[derive(Debug)]
struct ApplyItem {
    bundle: String,
    esim: Option<usize>,
}

impl EsimGo {
    fn plan_apply(
        &mut self,
        req: &ApplyRequest,
        now: OffsetDateTime,
    ) -> Result<Vec<ApplyItem>, ApiError> {
        let repeat_of = |r: Option<i64>| -> Result<usize, ApiError> {
            match r {
                None => Ok(1),
                Some(n) if (1..=100).contains(&n) => Ok(usize::try_from(n).unwrap_or(1)),
                Some(_) => Err(ApiError::bad_request("repeat must be from 1 to 100")),
            }
        };
        let mut raw: Vec<(String, Option<String>, bool)> = Vec::new();
        match req {
            ApplyRequest::Single(s) => {
                if s.iccid.is_some() && s.repeat.is_some() {
                    return Err(ApiError::bad_request(
                        "repeat cannot be used together with iccid",
                    ));
                }
                for _ in 0..repeat_of(s.repeat)? {
                    raw.push((
                        s.name.clone(),
                        s.iccid.clone(),
                        s.allow_reassign.unwrap_or(false),
                    ));
                }
            }
            ApplyRequest::List(l) => {
                if l.bundles.is_empty() {
                    return Err(ApiError::bad_request("bundles must not be empty"));
                }
                for entry in &l.bundles {
                    let (name, repeat) = match entry {
                        ApplyListItem::Name(n) => (n.clone(), None),
                        ApplyListItem::Entry(e) => (e.name.clone(), e.repeat),
                    };
                    for _ in 0..repeat_of(repeat)? {
                        raw.push((name.clone(), None, false));
                    }
                }
            }
        }
        let mut needed: HashMap<String, u32> = HashMap::new();
        let mut items = Vec::with_capacity(raw.len());
        for (name, iccid, allow_reassign) in raw {
            let family = self.bundle(&name)?.profile_family();
            let esim = match iccid {
                None => None,
                Some(iccid) => {
                    let e = self.esim_index(&iccid)?;
                    self.sync_esim(e, now);
                    let esim = self.esim(e)?;
                    if esim.profile_status == ProfileStatus::Deactivated {
                        return Err(ApiError::bad_request("eSIM is deactivated"));
                    }
                    if esim.family == family {
                        Some(e)
                    } else if allow_reassign {
                        None
                    } else {
                        return Err(ApiError::bad_request(
                            "Bundle is not compatible with the eSIM",
                        ));
                    }
                }
            };
            *needed.entry(name.clone()).or_default() += 1;
            items.push(ApplyItem { bundle: name, esim });
        }
        for (name, count) in &needed {
            let available: u32 = self
                .inventory
                .iter()
                .filter(|i| &i.bundle == name && i.expiry > now)
                .map(|i| i.remaining)
                .sum();
            if available < *count {
                return Err(ApiError::forbidden("No available bundles"));
            }
        }
        Ok(items)
    }

    fn commit_apply(
        &mut self,
        items: Vec<ApplyItem>,
        now: OffsetDateTime,
        source_ip: String,
    ) -> Result<ApplyResponse, ApiError> {
        let reference = self.mint_uuid();
        let mut esims_out = Vec::with_capacity(items.len());
        let mut lines = Vec::with_capacity(items.len());
        for (n, item) in items.into_iter().enumerate() {
            let bundle = self.bundle(&item.bundle)?.clone();
            let stock = self
                .inventory
                .iter_mut()
                .filter(|i| i.bundle == item.bundle && i.remaining > 0 && i.expiry > now)
                .min_by_key(|i| i.usage_id)
                .ok_or_else(|| ApiError::forbidden("No available bundles"))?;
            stock.remaining -= 1;
            let (usage_id, price) = (stock.usage_id, stock.price_cents);
            let e = match item.esim {
                Some(e) => e,
                None => self.mint_esim(now, bundle.profile_family())?,
            };
            let assignment_ref = format!("{reference}-{n}");
            self.add_assignment(
                e,
                &bundle,
                assignment_ref.clone(),
                now,
                price,
                Source::Inventory(usage_id),
            );
            esims_out.push(ApplyEsim {
                iccid: self.esim(e)?.iccid.clone(),
                status: "ACTIVE".to_owned(),
                bundle: bundle.name.clone(),
            });
            lines.push(OrderLine {
                kind: LineKind::BundleAssignment,
                item: assignment_ref,
                quantity: 0,
                price_per_unit_cents: 0,
                allow_reassign: false,
                esims: vec![e],
            });
        }
        self.insert_order(Order {
            reference: reference.clone(),
            created: now,
            lines,
            total_cents: 0,
            assigned: true,
            source_ip,
            inline_esims: true,
        });
        Ok(ApplyResponse {
            esims: esims_out,
            apply_reference: reference,
        })
    }
}

pub async fn apply(
    State(app): State<Ctx>,
    ClientIp(ip): ClientIp,
    StrictJson(req): StrictJson<ApplyRequest>,
) -> Result<Response, ApiError> {
    let now = app.clock.now();
    let mut st = app.sim.lock();
    let items = st.plan_apply(&req, now)?;
    let body = st.commit_apply(items, now, ip)?;
    Ok((Extension(Committed), Json(body)).into_response())
}
