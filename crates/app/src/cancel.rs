//! Revoking a package from an eSIM, where the provider allows it. Money may come back, so a
//! revoke is an order like a sale (kind `revoke`), run through [`crate::purchase`]: journaled
//! first, sent once, a lost reply settled by reconciliation. It names the package by the
//! provider's id for it (eSIM Go assignment id), so a retry can never revoke a second one, and
//! the order that bought the package becomes cancelled with it.

use esimdesk_core::{Iccid, Money, Order, OrderKind, OrderLine, OrderState};
use esimdesk_providers::{CancelOutcome, CancelTarget, EsimHandle, Refund};
use esimdesk_store::{Answer, JournaledOrder, StateChange, StoredEsim};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use ts_rs::TS;

use crate::AppError;
use crate::checkout::{CheckoutStep, not_sent, reference_for};
use crate::desk::Desk;
use crate::purchase::{self, Plan, Spend};

/// Where the money of a revoked package went, as the provider reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum RefundView {
    /// Back to the desk's prepaid balance at the provider.
    ToBalance,
    /// Back to the desk's inventory at the provider, to be used again.
    ToInventory,
    /// Not refunded (it had been used or was too old).
    None,
    /// The provider did not say.
    Unknown,
}

impl From<Refund> for RefundView {
    fn from(r: Refund) -> Self {
        match r {
            Refund::ToBalance => RefundView::ToBalance,
            Refund::ToInventory => RefundView::ToInventory,
            Refund::None => RefundView::None,
            Refund::Unknown => RefundView::Unknown,
        }
    }
}

/// A revoke as the eSIM screen and the CLI ask for it (fields in camelCase).
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct RevokeInput {
    pub iccid: String,
    /// The provider's id of the package shown ([`esimdesk_core::Package::provider_id`]).
    pub package_id: String,
    /// Taken when the revoke is offered; generated when absent. Reusing one is refused.
    pub client_reference: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct RevokeOutcome {
    pub client_reference: String,
    pub iccid: String,
    pub offering_code: String,
    pub package_id: String,
    pub refund: RefundView,
    /// The provider's own words, and what the desk adds to them.
    pub message: Option<String>,
    /// The order that bought the package, now cancelled.
    pub cancelled_order: Option<String>,
}

/// What the desk says about refunds: the reference documents no way to learn the offer a
/// balance refund needs (esimgo.md §8.3), so packages go back to the provider inventory.
pub const REFUND_NOTE: &str = "eSIM Desk refunds revoked packages to the provider inventory \
     (a refund to the balance needs details the provider does not give the desk)";

/// Revokes exactly one package from an eSIM this desk holds. Refused, changing nothing, when
/// the eSIM's provider cannot revoke packages or the package is not (or no longer) on it.
pub async fn revoke_package(
    desk: &Desk,
    input: RevokeInput,
    on_step: &(dyn Fn(CheckoutStep) + Send + Sync),
) -> Result<RevokeOutcome, AppError> {
    let given = input.client_reference.clone();
    let (plan, held, bought) = plan(desk, &input).map_err(|e| not_sent(given.as_deref(), e))?;
    let offering_code = plan.order.lines[0].offering_code.clone();
    let done = purchase::run(desk, plan, on_step).await?;
    let outcome = done.cancelled.unwrap_or(CancelOutcome {
        refund: Refund::Unknown,
        message: None,
    });
    let refund = RefundView::from(outcome.refund);
    tracing::info!(iccid = %held.esim.iccid, package = %input.package_id, ?refund, "package revoked");
    let message = Some(match outcome.message {
        Some(m) => format!("{m}. {REFUND_NOTE}"),
        None => REFUND_NOTE.to_owned(),
    });
    Ok(RevokeOutcome {
        client_reference: done.order.order.client_reference.clone(),
        iccid: held.esim.iccid.to_string(),
        offering_code,
        package_id: input.package_id.trim().to_owned(),
        refund,
        message,
        cancelled_order: match bought {
            Some(reference) => desk
                .store()
                .order(&reference)?
                .filter(|o| o.order.state == OrderState::Cancelled)
                .map(|o| o.order.client_reference),
            None => None,
        },
    })
}

/// The plan, the eSIM, and the order that bought the package (when exactly one did).
fn plan(desk: &Desk, input: &RevokeInput) -> Result<(Plan, StoredEsim, Option<String>), AppError> {
    let iccid = desk.held_iccid(&input.iccid)?;
    let package_id = input.package_id.trim();
    if package_id.is_empty() {
        return Err(AppError::InvalidInput {
            field: "package".into(),
            message: "choose the package to revoke".into(),
        });
    }
    let held = desk
        .store()
        .esim(&iccid)?
        .ok_or_else(|| AppError::UnknownEsim(iccid.to_string()))?;
    let provider = desk.provider(&held.account_id)?;
    if !provider.capabilities().revoke_package {
        return Err(provider.unsupported("revoking a package").into());
    }
    let package = held
        .esim
        .packages
        .iter()
        .find(|p| p.provider_id.as_deref() == Some(package_id))
        .ok_or_else(|| AppError::InvalidInput {
            field: "package".into(),
            message: format!(
                "package {package_id} is not on eSIM {iccid} as the desk last read it: refresh its usage first"
            ),
        })?;
    if package.state.is_final() {
        return Err(AppError::InvalidInput {
            field: "package".into(),
            message: format!(
                "package {package_id} is {} already: there is nothing to revoke",
                package.state.name()
            ),
        });
    }
    let offering_code = package.offering_code.clone();
    let bought = buying_order(desk, &held, &offering_code)?;
    let (unit_cost, unit_retail) = match bought.as_ref().and_then(|o| o.order.lines.first()) {
        Some(line) => (line.unit_cost, line.unit_retail),
        None => {
            let cost = desk
                .store()
                .offering(&held.account_id, &offering_code)?
                .map(|h| h.offering.cost)
                .ok_or_else(|| AppError::NotInCatalogue {
                    account: held.account_id.clone(),
                    code: offering_code.clone(),
                })?;
            (cost, Money::zero(cost.currency()))
        }
    };
    let order = Order {
        client_reference: reference_for(input.client_reference.as_deref())?,
        provider: held.esim.provider,
        kind: OrderKind::Revoke,
        lines: vec![OrderLine {
            offering_code: offering_code.clone(),
            quantity: 1,
            unit_cost,
            unit_retail,
            iccid: Some(iccid.clone()),
        }],
        customer: None,
        payment_reference: None,
        state: OrderState::Journaled,
        // What the revoke acts on: reconciliation looks for exactly this package.
        provider_reference: Some(package_id.to_owned()),
        created_at: OffsetDateTime::now_utc(),
    };
    let target = CancelTarget::Package {
        esim: EsimHandle {
            iccid,
            provider_ref: held.provider_ref.clone(),
        },
        offering_code,
        assignment_id: package_id.to_owned(),
    };
    Ok((
        Plan {
            account_id: held.account_id.clone(),
            provider,
            order,
            spend: Spend::Revoke { target },
        },
        held,
        bought.map(|o| o.order.client_reference),
    ))
}

/// The one completed order that bought exactly this package for this eSIM (a single line of
/// one), if there is exactly one: a sale whose eSIM it is, or a top-up of it. Where several
/// could be, none is cancelled: the revoke's own journal row still records the money.
fn buying_order(
    desk: &Desk,
    held: &StoredEsim,
    offering_code: &str,
) -> Result<Option<JournaledOrder>, AppError> {
    let mut candidates = desk.store().orders_touching_esim(&held.esim.iccid)?;
    candidates.retain(|o| {
        o.order.state == OrderState::Completed
            && o.order.kind != OrderKind::Revoke
            && matches!(o.order.lines.as_slice(), [line]
                if line.offering_code == offering_code && line.quantity == 1)
    });
    Ok(match candidates.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    })
}

/// Records a revoke the provider carried out, and cancels the order that bought the package,
/// in one transaction.
pub(crate) fn record_revoked(
    desk: &Desk,
    reference: &str,
    outcome: &CancelOutcome,
) -> Result<JournaledOrder, AppError> {
    let revoke = desk
        .store()
        .order(reference)?
        .ok_or_else(|| AppError::Store(esimdesk_store::StoreError::NotFound(reference.into())))?;
    let Some(line) = revoke.order.lines.first() else {
        return Err(AppError::Store(esimdesk_store::StoreError::Corrupt(
            format!("revoke {reference} has no line"),
        )));
    };
    let cancels = match &line.iccid {
        Some(iccid) => match desk.store().esim(iccid)? {
            Some(held) => buying_order(desk, &held, &line.offering_code)?,
            None => None,
        },
        None => None,
    };
    let detail = format!(
        "revoked: {}",
        match RefundView::from(outcome.refund) {
            RefundView::ToBalance => "refunded to the balance",
            RefundView::ToInventory => "refunded to the provider inventory",
            RefundView::None => "not refunded",
            RefundView::Unknown => "the provider did not say where the money went",
        }
    );
    let recorded = desk.store().record_answer(
        reference,
        &Answer {
            to: OrderState::Completed,
            change: StateChange::detail(detail),
            provider: revoke.order.provider,
            esims: &[],
            customer: None,
            cancels: cancels.as_ref().map(|o| o.order.client_reference.as_str()),
        },
        &desk.actor(),
    )?;
    // The eSIM screen shows the package revoked at once (the next usage reading confirms it).
    // The revoke is recorded by now: failing to mark the package only leaves the old reading,
    // and must not read as "not recorded".
    if let (Some(iccid), Some(package_id)) =
        (&line.iccid, revoke.order.provider_reference.as_deref())
        && let Err(e) = mark_revoked(desk, iccid, package_id)
    {
        tracing::warn!(
            order = reference,
            error = e.code(),
            "revoked package not marked"
        );
    }
    Ok(recorded)
}

fn mark_revoked(desk: &Desk, iccid: &Iccid, package_id: &str) -> Result<(), AppError> {
    if let Some(mut held) = desk.store().esim(iccid)?
        && let Some(package) = held
            .esim
            .packages
            .iter_mut()
            .find(|p| p.provider_id.as_deref() == Some(package_id))
    {
        package.state = esimdesk_core::PackageState::Revoked;
        desk.store().save_esim(&held)?;
    }
    Ok(())
}
