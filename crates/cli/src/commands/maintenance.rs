//! The journal, reconciliation, backup and integrity.

use std::path::Path;

use esimdesk_app::Desk;
use esimdesk_app::reconcile;

use crate::{Failure, output};

pub fn orders(desk: &Desk, limit: usize, json: bool) -> Result<(), Failure> {
    let orders = desk
        .store()
        .orders(limit)
        .map_err(|e| Failure::App(e.into()))?;
    output::either(json, &orders, |orders| {
        if orders.is_empty() {
            return "no orders yet\n".to_owned();
        }
        orders
            .iter()
            .map(|o| {
                let flag = if o.order.state.is_unsettled() {
                    "  ⚠ unsettled: run `esimdesk reconcile`"
                } else {
                    ""
                };
                let total = o
                    .order
                    .total_retail()
                    .map(|m| m.to_string())
                    .unwrap_or_default();
                format!(
                    "{:<24} {:<12} {:<10} {:>14}  {}{flag}\n",
                    o.order.client_reference,
                    o.order.state.name(),
                    o.account_id,
                    total,
                    o.order.payment_reference.as_deref().unwrap_or("-"),
                )
            })
            .collect()
    })
}

pub async fn reconcile(desk: &Desk, grace_seconds: i64, json: bool) -> Result<(), Failure> {
    if grace_seconds < 0 {
        return Err(Failure::Invalid("grace-seconds: must be 0 or more".into()));
    }
    let settled = reconcile::reconcile(desk, time::Duration::seconds(grace_seconds)).await?;
    output::either(json, &settled, |list| {
        if list.is_empty() {
            return "nothing to reconcile\n".to_owned();
        }
        list.iter()
            .map(|r| {
                format!(
                    "{}: {} → {} ({})\n",
                    r.client_reference,
                    r.before.name(),
                    r.after.name(),
                    r.note
                )
            })
            .collect()
    })
}

pub fn backup(desk: &Desk, file: &Path) -> Result<(), Failure> {
    desk.store()
        .backup_to(file)
        .map_err(|e| Failure::App(e.into()))?;
    println!("backed up to {}", file.display());
    Ok(())
}

pub fn check(desk: &Desk, json: bool) -> Result<(), Failure> {
    let problems = desk
        .store()
        .integrity_check()
        .map_err(|e| Failure::App(e.into()))?;
    output::either(json, &problems, |p| {
        if p.is_empty() {
            "database ok\n".to_owned()
        } else {
            p.iter().map(|line| format!("{line}\n")).collect()
        }
    })?;
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Failure::Other(format!(
            "the database has {} problem(s)",
            problems.len()
        )))
    }
}
