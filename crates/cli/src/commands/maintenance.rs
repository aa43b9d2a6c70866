//! The journal, reconciliation, backup and integrity.

use std::path::Path;

use esimdesk_app::Desk;
use esimdesk_app::reconcile;

use crate::args::ReconcileCommand;
use crate::{Failure, output};

pub fn orders(desk: &Desk, limit: usize, json: bool) -> Result<(), Failure> {
    let orders = esimdesk_app::orders::orders(desk, limit)?;
    output::either(json, &orders, |orders| {
        if orders.is_empty() {
            return "no orders yet\n".to_owned();
        }
        orders
            .iter()
            .map(|o| {
                let flag = match o.order.state {
                    s if s.is_unsettled() => "  ⚠ unsettled: run `esimdesk reconcile`",
                    esimdesk_app::OrderState::NeedsPerson => {
                        "  ⚠ needs a person: check the provider, then `esimdesk reconcile resolve`"
                    }
                    esimdesk_app::OrderState::Completed if o.delivered_at.is_none() => {
                        "  ⚠ codes still to come: run `esimdesk reconcile`"
                    }
                    _ => "",
                };
                let total = o
                    .order
                    .retail_total
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

pub async fn resolve(desk: &Desk, command: ReconcileCommand) -> Result<(), Failure> {
    let ReconcileCommand::Resolve {
        reference,
        provider_order,
        not_bought,
        json,
    } = command;
    let resolution = match (provider_order, not_bought) {
        (Some(id), false) => reconcile::Resolution::ProviderOrder(id),
        (None, true) => reconcile::Resolution::NotBought,
        _ => {
            return Err(Failure::Invalid(
                "give either --provider-order ID or --not-bought".into(),
            ));
        }
    };
    let settled = reconcile::resolve(desk, &reference, resolution).await?;
    output::either(json.json, &settled, |o| {
        format!(
            "order {}: {} ({})\n",
            o.order.client_reference,
            o.order.state.name(),
            o.last_detail.as_deref().unwrap_or("")
        )
    })
}

pub fn backup(desk: &Desk, file: &Path) -> Result<(), Failure> {
    esimdesk_app::maintenance::backup(desk, file)?;
    println!("backed up to {}", file.display());
    Ok(())
}

pub fn check(desk: &Desk, json: bool) -> Result<(), Failure> {
    let problems = esimdesk_app::maintenance::integrity_problems(desk)?;
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
