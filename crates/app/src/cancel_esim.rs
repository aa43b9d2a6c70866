//! Cancelling a whole eSIM, where the provider cancels eSIMs rather than single packages
//! (Telness subscriptions, telness.md §9.5). It cannot be undone, so it is an order like a sale
//! (kind `cancel_esim`) run through [`crate::purchase`]: journaled first, sent once, a lost reply
//! settled by reconciliation from the eSIM's state at the provider. Once done, the eSIM is
//! deactivated on this desk and its packages revoked.

use esimdesk_core::{Iccid, Money, Order, OrderKind, OrderLine, OrderState, ProfileStatus};
use esimdesk_providers::{CancelOutcome, CancelTarget, EsimHandle};
use esimdesk_store::{Answer, JournaledOrder, StateChange};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use ts_rs::TS;

use crate::AppError;
use crate::cancel::RefundView;
use crate::checkout::{CheckoutStep, not_sent, reference_for};
use crate::desk::Desk;
use crate::purchase::{self, Plan, Spend};

/// What the desk says about money after an eSIM is cancelled: the provider refunds nothing
/// itself where the desk took the payment.
pub const REFUND_NOTE: &str =
    "The desk took the payment itself: refund the customer at the till if anything is owed.";

/// A cancel as the eSIM screen and the CLI ask for it.
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct CancelEsimInput {
    pub iccid: String,
    /// Taken when the cancel is offered; generated when absent. Reusing one is refused.
    pub client_reference: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct CancelEsimOutcome {
    pub client_reference: String,
    pub iccid: String,
    pub refund: RefundView,
    /// The provider's words, and what the desk adds to them.
    pub message: String,
}

/// Cancels an eSIM this desk holds. Refused, changing nothing, when its provider cannot cancel
/// eSIMs or it is deactivated already.
pub async fn cancel_esim(
    desk: &Desk,
    input: CancelEsimInput,
    on_step: &(dyn Fn(CheckoutStep) + Send + Sync),
) -> Result<CancelEsimOutcome, AppError> {
    let given = input.client_reference.clone();
    let plan = plan(desk, &input).map_err(|e| not_sent(given.as_deref(), e))?;
    let iccid = plan
        .order
        .lines
        .first()
        .and_then(|l| l.iccid.as_ref())
        .map(ToString::to_string)
        .unwrap_or_default();
    let done = purchase::run(desk, plan, on_step).await?;
    let outcome = done.cancelled.unwrap_or(CancelOutcome {
        refund: esimdesk_providers::Refund::Unknown,
        message: None,
    });
    tracing::info!(iccid = %iccid, "eSIM cancelled");
    Ok(CancelEsimOutcome {
        client_reference: done.order.order.client_reference,
        iccid,
        refund: outcome.refund.into(),
        message: match outcome.message {
            Some(m) => format!("{}. {REFUND_NOTE}", m.trim_end_matches('.')),
            None => REFUND_NOTE.to_owned(),
        },
    })
}

fn plan(desk: &Desk, input: &CancelEsimInput) -> Result<Plan, AppError> {
    let iccid = desk.held_iccid(&input.iccid)?;
    let held = desk
        .store()
        .esim(&iccid)?
        .ok_or_else(|| AppError::UnknownEsim(iccid.to_string()))?;
    let provider = desk.provider(&held.account_id)?;
    if !provider.capabilities().cancel_esim {
        return Err(provider.unsupported("cancelling an eSIM").into());
    }
    if held.esim.profile_status == ProfileStatus::Deactivated {
        return Err(AppError::InvalidInput {
            field: "eSIM".into(),
            message: format!("eSIM {iccid} is cancelled already: there is nothing to cancel"),
        });
    }
    let nothing = Money::zero(desk.store().desk_settings()?.currency);
    let order = Order {
        client_reference: reference_for(input.client_reference.as_deref())?,
        provider: held.esim.provider,
        kind: OrderKind::CancelEsim,
        lines: vec![OrderLine {
            // The line names what is cancelled: the eSIM (and the package it was sold with).
            offering_code: held
                .esim
                .packages
                .first()
                .map_or_else(|| "eSIM".to_owned(), |p| p.offering_code.clone()),
            quantity: 1,
            unit_cost: nothing,
            unit_retail: nothing,
            iccid: Some(iccid.clone()),
        }],
        customer: None,
        payment_reference: None,
        state: OrderState::Journaled,
        // What the cancel acts on: reconciliation reads exactly this eSIM.
        provider_reference: held.provider_ref.clone(),
        created_at: OffsetDateTime::now_utc(),
    };
    Ok(Plan {
        account_id: held.account_id.clone(),
        provider,
        order,
        spend: Spend::Revoke {
            target: CancelTarget::Esim {
                esim: EsimHandle {
                    iccid,
                    provider_ref: held.provider_ref,
                },
            },
        },
    })
}

/// Records a cancel the provider carried out, then deactivates the eSIM on this desk.
pub(crate) fn record_cancelled(
    desk: &Desk,
    reference: &str,
    outcome: &CancelOutcome,
) -> Result<JournaledOrder, AppError> {
    let order = desk
        .store()
        .order(reference)?
        .ok_or_else(|| AppError::Store(esimdesk_store::StoreError::NotFound(reference.into())))?;
    let refund = RefundView::from(outcome.refund);
    let recorded = desk.store().record_answer(
        reference,
        &Answer {
            to: OrderState::Completed,
            change: StateChange::detail(format!("eSIM cancelled (refund: {refund:?})")),
            provider: order.order.provider,
            esims: &[],
            customer: None,
            cancels: None,
        },
        &desk.actor(),
    )?;
    // The cancel is recorded by now: failing to mark the eSIM only leaves the old reading, and
    // must not read as "not recorded".
    if let Some(iccid) = order.order.lines.first().and_then(|l| l.iccid.as_ref())
        && let Err(e) = deactivate(desk, iccid)
    {
        tracing::warn!(
            order = reference,
            error = e.code(),
            "cancelled eSIM not marked"
        );
    }
    Ok(recorded)
}

fn deactivate(desk: &Desk, iccid: &Iccid) -> Result<(), AppError> {
    if let Some(mut held) = desk.store().esim(iccid)? {
        held.esim.profile_status = ProfileStatus::Deactivated;
        for package in &mut held.esim.packages {
            if !package.state.is_final() {
                package.state = esimdesk_core::PackageState::Revoked;
            }
        }
        desk.store().save_esim(&held)?;
    }
    Ok(())
}

/// A cancel whose reply was lost: the eSIM's state at the provider tells. `Ok(None)`: too early
/// to decide.
pub(crate) async fn reconcile(
    desk: &Desk,
    journaled: &JournaledOrder,
    sent_at: OffsetDateTime,
    now: OffsetDateTime,
    grace: Duration,
) -> Result<Option<String>, AppError> {
    let reference = &journaled.order.client_reference;
    let Some(iccid) = journaled.order.lines.first().and_then(|l| l.iccid.clone()) else {
        return Err(AppError::Store(esimdesk_store::StoreError::Corrupt(
            format!("cancel {reference} names no eSIM"),
        )));
    };
    let provider = desk.provider(&journaled.account_id)?;
    let usage = provider
        .usage(&EsimHandle {
            iccid,
            provider_ref: journaled.order.provider_reference.clone(),
        })
        .await?;
    if usage.profile_status == Some(ProfileStatus::Deactivated) {
        record_cancelled(
            desk,
            reference,
            &CancelOutcome {
                refund: esimdesk_providers::Refund::Unknown,
                message: None,
            },
        )?;
        return Ok(Some("the eSIM is cancelled at the provider".to_owned()));
    }
    if now - sent_at < grace {
        return Ok(None);
    }
    desk.store().record_order_state(
        reference,
        OrderState::Failed,
        &StateChange::detail("the eSIM is still active at the provider: nothing was cancelled"),
        &desk.actor(),
    )?;
    Ok(Some("not cancelled: nothing changed".to_owned()))
}
