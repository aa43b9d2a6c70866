//! `POST /orders` (validate / transaction), `GET /orders`, `GET /orders/{reference}`
//! (esimgo.md §6).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::Ctx;
use super::model::{InventoryItem, LineKind, Order, OrderLine, ProfileStatus, Source};
use super::state::{CURRENCY, EsimGo, INLINE_ESIM_LIMIT};
use super::wire::{
    OrderLineResponse, OrderRequest, OrderResponse, OrderType, OrdersEnvelope, Page,
    ValidateResponse,
};
use super::{ApiError, ClientIp, Committed, Params, StrictJson};
use crate::catalogue::Bundle;
use crate::clock::rfc3339;
use crate::money::Major;

/// Largest `quantity` of one order line.
pub const MAX_QUANTITY: i64 = 1000;

/// Where each bundle of a line goes.
#[derive(Debug, Clone, Copy)]
enum Target {
    NewEsim,
    Esim(usize),
    Inventory,
}

#[derive(Debug)]
struct CheckedLine {
    bundle: Bundle,
    quantity: u32,
    allow_reassign: bool,
    targets: Vec<Target>,
}

#[derive(Debug)]
struct Checked {
    assign: bool,
    lines: Vec<CheckedLine>,
    total_cents: i64,
}

impl EsimGo {
    /// Every check of esimgo.md §6.1 except the balance; changes nothing but lifecycles.
    fn check_order(
        &mut self,
        req: &OrderRequest,
        now: OffsetDateTime,
    ) -> Result<Checked, ApiError> {
        if req.order.is_empty() {
            return Err(ApiError::bad_request(
                "order must contain at least one item",
            ));
        }
        let assign = req.assign.unwrap_or(false);
        let mut lines = Vec::with_capacity(req.order.len());
        let mut total: i64 = 0;
        for line in &req.order {
            if !(1..=MAX_QUANTITY).contains(&line.quantity) {
                return Err(ApiError::bad_request(format!(
                    "quantity must be from 1 to {MAX_QUANTITY}"
                )));
            }
            let quantity = u32::try_from(line.quantity).unwrap_or(1);
            let bundle = self.bundle(&line.item)?.clone();
            let allow_reassign = line.allow_reassign.unwrap_or(false);
            let iccids = line.iccids.clone().unwrap_or_default();
            let targets = if iccids.is_empty() {
                let t = if assign {
                    Target::NewEsim
                } else {
                    Target::Inventory
                };
                vec![t; quantity as usize]
            } else {
                if !assign {
                    return Err(ApiError::bad_request(
                        "iccids are only allowed with assign: true",
                    ));
                }
                if iccids.len() != quantity as usize {
                    return Err(ApiError::bad_request(
                        "the number of iccids must equal quantity",
                    ));
                }
                let mut targets = Vec::with_capacity(iccids.len());
                for iccid in &iccids {
                    let e = self.esim_index(iccid)?;
                    self.sync_esim(e, now);
                    let esim = self.esim(e)?;
                    if esim.profile_status == ProfileStatus::Deactivated {
                        return Err(ApiError::bad_request("eSIM is deactivated"));
                    }
                    if esim.family == bundle.profile_family() {
                        targets.push(Target::Esim(e));
                    } else if allow_reassign {
                        targets.push(Target::NewEsim);
                    } else {
                        return Err(ApiError::bad_request(
                            "Bundle is not compatible with the eSIM",
                        ));
                    }
                }
                targets
            };
            total = bundle
                .price_cents
                .checked_mul(i64::from(quantity))
                .and_then(|s| total.checked_add(s))
                .ok_or_else(|| ApiError::bad_request("order total too large"))?;
            lines.push(CheckedLine {
                bundle,
                quantity,
                allow_reassign,
                targets,
            });
        }
        Ok(Checked {
            assign,
            lines,
            total_cents: total,
        })
    }

    fn validate_response(&self, checked: &Checked, now: OffsetDateTime) -> ValidateResponse {
        ValidateResponse {
            order: checked
                .lines
                .iter()
                .map(|l| OrderLineResponse {
                    esims: None,
                    kind: "bundle".to_owned(),
                    item: l.bundle.name.clone(),
                    iccids: None,
                    quantity: l.quantity,
                    sub_total: Major(l.bundle.price_cents * i64::from(l.quantity)),
                    price_per_unit: Major(l.bundle.price_cents),
                    allow_reassign: l.allow_reassign,
                })
                .collect(),
            total: Major(checked.total_cents),
            valid: self.balance_cents >= checked.total_cents,
            currency: CURRENCY.to_owned(),
            created_date: rfc3339(now),
            assigned: checked.assign,
        }
    }

    /// Buys the order: balance, eSIMs, assignments or inventory, and the order record.
    fn commit_order(
        &mut self,
        checked: Checked,
        now: OffsetDateTime,
        source_ip: String,
    ) -> Result<usize, ApiError> {
        if self.balance_cents < checked.total_cents {
            return Err(ApiError::bad_request("Insufficient balance"));
        }
        let reference = self.mint_uuid();
        let esim_count: usize = checked
            .lines
            .iter()
            .map(|l| {
                l.targets
                    .iter()
                    .filter(|t| !matches!(t, Target::Inventory))
                    .count()
            })
            .sum();
        let mut n = 0usize;
        let mut lines = Vec::with_capacity(checked.lines.len());
        for line in checked.lines {
            let mut esims = Vec::new();
            let mut to_inventory = 0u32;
            for target in &line.targets {
                let e = match *target {
                    Target::Inventory => {
                        to_inventory += 1;
                        continue;
                    }
                    Target::NewEsim => self.mint_esim(now, line.bundle.profile_family())?,
                    Target::Esim(e) => e,
                };
                self.add_assignment(
                    e,
                    &line.bundle,
                    format!("{reference}-{n}"),
                    now,
                    line.bundle.price_cents,
                    Source::Order,
                );
                n += 1;
                esims.push(e);
            }
            if to_inventory > 0 {
                let usage_id = self.new_usage_id();
                self.inventory.push(InventoryItem {
                    usage_id,
                    bundle: line.bundle.name.clone(),
                    total: to_inventory,
                    remaining: to_inventory,
                    purchased: now,
                    expiry: now + time::Duration::days(365),
                    price_cents: line.bundle.price_cents,
                });
            }
            lines.push(OrderLine {
                kind: LineKind::Bundle,
                item: line.bundle.name.clone(),
                quantity: line.quantity,
                price_per_unit_cents: line.bundle.price_cents,
                allow_reassign: line.allow_reassign,
                esims,
            });
        }
        self.balance_cents -= checked.total_cents;
        let idx = self.orders.len();
        self.insert_order(Order {
            reference,
            created: now,
            lines,
            total_cents: checked.total_cents,
            assigned: checked.assign,
            source_ip,
            inline_esims: esim_count <= INLINE_ESIM_LIMIT,
        });
        Ok(idx)
    }
}

pub async fn create(
    State(app): State<Ctx>,
    ClientIp(ip): ClientIp,
    StrictJson(req): StrictJson<OrderRequest>,
) -> Result<Response, ApiError> {
    let now = app.clock.now();
    let mut st = app.sim.lock();
    let checked = st.check_order(&req, now)?;
    match req.kind {
        OrderType::Validate => Ok(Json(st.validate_response(&checked, now)).into_response()),
        OrderType::Transaction => {
            let idx = st.commit_order(checked, now, ip)?;
            let order = st
                .orders
                .get(idx)
                .ok_or_else(|| ApiError::internal("order vanished"))?;
            let body = st.order_response(order, true);
            tracing::info!(reference = %body.order_reference, total = order.total_cents, "order committed");
            Ok((Extension(Committed), Json(body)).into_response())
        }
    }
}

/// One `createdAt` bound: `gte:2024-03-01T00:00:00.000Z` (operator defaults to `eq`).
fn parse_bound(text: &str) -> Result<(String, OffsetDateTime), ApiError> {
    let bad = || ApiError::bad_request("createdAt must be [eq|lt|lte|gt|gte:]<RFC 3339 time>");
    let (op, value) = match text.split_once(':') {
        Some((op, rest)) if matches!(op, "eq" | "lt" | "lte" | "gt" | "gte") => (op, rest),
        _ => ("eq", text),
    };
    let t = OffsetDateTime::parse(value.trim(), &Rfc3339).map_err(|_| bad())?;
    Ok((op.to_owned(), t))
}

fn within(t: OffsetDateTime, bounds: &[(String, OffsetDateTime)]) -> bool {
    bounds.iter().all(|(op, b)| match op.as_str() {
        "lt" => t < *b,
        "lte" => t <= *b,
        "gt" => t > *b,
        "gte" => t >= *b,
        _ => t == *b,
    })
}

pub async fn list(
    State(app): State<Ctx>,
    params: Params,
) -> Result<Json<Page<OrdersEnvelope>>, ApiError> {
    let include = params.bool("includeIccids")?;
    let page = params.int("page", 1, 1..=i64::from(u32::MAX))?;
    let limit = params.int("limit", 50, 1..=1000)?;
    let bounds = params
        .all("createdAt")
        .into_iter()
        .map(parse_bound)
        .collect::<Result<Vec<_>, _>>()?;
    let st = app.sim.lock();
    let mut matching: Vec<&Order> = st
        .orders
        .iter()
        .filter(|o| within(o.created, &bounds))
        .collect();
    // Newest first; ties keep creation order reversed.
    matching.reverse();
    matching.sort_by_key(|o| std::cmp::Reverse(o.created));
    let rows = matching.len();
    let page_size = usize::try_from(limit).unwrap_or(50);
    let start = usize::try_from(page - 1)
        .unwrap_or(usize::MAX)
        .saturating_mul(page_size);
    let orders: Vec<OrderResponse> = matching
        .into_iter()
        .skip(start)
        .take(page_size)
        .map(|o| st.order_response(o, include))
        .collect();
    Ok(Json(Page {
        items: OrdersEnvelope { orders },
        page_count: rows.div_ceil(page_size),
        rows,
        page_size,
    }))
}

pub async fn one(
    State(app): State<Ctx>,
    Path(reference): Path<String>,
) -> Result<Json<OrderResponse>, ApiError> {
    let st = app.sim.lock();
    let order = st.order(&reference)?;
    Ok(Json(st.order_response(order, true)))
}
