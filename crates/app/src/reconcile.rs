//! After a crash, a timeout or a lost reply: ask the provider what became of each unsettled order
//! and record it. Never buys anything.

use esimdesk_core::{OrderKind, OrderState};
use esimdesk_providers::{MatchBasis, OrderLookup, RequestLine};
use esimdesk_store::{JournaledOrder, StateChange};
use serde::Serialize;
use time::{Duration, OffsetDateTime};
use ts_rs::TS;

use crate::AppError;
use crate::checkout::settle;
use crate::desk::Desk;

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Reconciled {
    pub client_reference: String,
    pub before: OrderState,
    pub after: OrderState,
    /// What was decided and why, in plain words.
    pub note: String,
}

/// How long after sending an order is left alone, in case its purchase is still in flight (in
/// another window, or a slow provider).
pub const DEFAULT_GRACE: Duration = Duration::seconds(120);

/// Reconciliation at start-up, with [`DEFAULT_GRACE`]: the desktop app runs it in the
/// background as it opens, so orders a crash left unsettled are settled without anyone asking.
pub async fn reconcile_on_start(desk: &Desk) -> Result<Vec<Reconciled>, AppError> {
    let settled = reconcile(desk, DEFAULT_GRACE).await?;
    if !settled.is_empty() {
        tracing::info!(orders = settled.len(), "orders reconciled at start-up");
    }
    Ok(settled)
}

/// Settles every order the journal cannot vouch for.
///
/// - Journaled or validated but never sent (a crash before the purchase request): failed,
///   nothing was bought.
/// - Sent, provisioning or unknown: the provider is asked by the client reference. Found → its
///   state is recorded with the eSIMs; not found → failed, once `grace` has passed since it was
///   sent (a purchase still in flight in another window is left alone until then).
pub async fn reconcile(desk: &Desk, grace: Duration) -> Result<Vec<Reconciled>, AppError> {
    let mut results = Vec::new();
    let now = OffsetDateTime::now_utc();
    let pending = needing_reconciliation(desk)?;
    if pending.is_empty() {
        return Ok(results);
    }
    let known = known_provider_references(desk)?;
    for journaled in pending {
        let before = journaled.order.state;
        let outcome = match before {
            OrderState::Journaled | OrderState::Validated => {
                if now - journaled.updated_at < grace {
                    continue;
                }
                fail(
                    desk,
                    &journaled,
                    "never sent to the provider: nothing was bought",
                )?;
                "never sent: nothing was bought".to_owned()
            }
            _ => match ask_provider(desk, &journaled, &known, now, grace).await {
                Ok(Some(note)) => note,
                Ok(None) => continue,
                Err(e) => {
                    tracing::warn!(order = %journaled.order.client_reference, error = e.code(), "reconciliation could not reach the provider");
                    format!("still unknown: {e}")
                }
            },
        };
        let after = desk
            .store()
            .order(&journaled.order.client_reference)?
            .map(|o| o.order.state)
            .unwrap_or(before);
        desk.store().audit(
            &desk.actor(),
            "order.reconcile",
            &format!(
                "{}: {} → {} ({outcome})",
                journaled.order.client_reference,
                before.name(),
                after.name()
            ),
        )?;
        results.push(Reconciled {
            client_reference: journaled.order.client_reference.clone(),
            before,
            after,
            note: outcome,
        });
    }
    Ok(results)
}

/// Orders sent but not settled, and orders journaled but never sent.
fn needing_reconciliation(desk: &Desk) -> Result<Vec<JournaledOrder>, AppError> {
    let mut orders = desk.store().unsettled_orders()?;
    let never_sent = desk
        .store()
        .orders(10_000)?
        .into_iter()
        .filter(|o| matches!(o.order.state, OrderState::Journaled | OrderState::Validated));
    orders.extend(never_sent);
    Ok(orders)
}

/// Provider references the journal already gives to an order: such a provider order cannot be
/// the one behind another order's lost reply (e.g. the sale of an eSIM, when a top-up of it
/// minutes later is looked for by contents and time).
fn known_provider_references(
    desk: &Desk,
) -> Result<std::collections::HashMap<String, String>, AppError> {
    Ok(desk
        .store()
        .orders(10_000)?
        .into_iter()
        .filter_map(|o| {
            o.order
                .provider_reference
                .map(|p| (p, o.order.client_reference))
        })
        .collect())
}

/// When the purchase request went out: the journal's "submitted" row.
fn sent_at(desk: &Desk, journaled: &JournaledOrder) -> Result<OffsetDateTime, AppError> {
    let events = desk
        .store()
        .order_events(&journaled.order.client_reference)?;
    Ok(events
        .iter()
        .find(|e| e.to == OrderState::Submitted)
        .map(|e| e.at)
        .unwrap_or(journaled.updated_at))
}

fn fail(desk: &Desk, journaled: &JournaledOrder, why: &str) -> Result<(), AppError> {
    desk.store().record_order_state(
        &journaled.order.client_reference,
        OrderState::Failed,
        &StateChange {
            detail: Some(why.to_owned()),
            provider_reference: None,
        },
        &desk.actor(),
    )?;
    Ok(())
}

/// `Ok(None)`: too early to decide.
async fn ask_provider(
    desk: &Desk,
    journaled: &JournaledOrder,
    known: &std::collections::HashMap<String, String>,
    now: OffsetDateTime,
    grace: Duration,
) -> Result<Option<String>, AppError> {
    let order = &journaled.order;
    let provider = desk.provider(&journaled.account_id)?;
    let lookup = OrderLookup {
        client_reference: order.client_reference.clone(),
        kind: order.kind,
        lines: order
            .lines
            .iter()
            .map(|l| RequestLine {
                offering_code: l.offering_code.clone(),
                quantity: l.quantity,
            })
            .collect(),
        esim: match order.kind {
            OrderKind::TopUp => order
                .lines
                .first()
                .and_then(|l| l.iccid.clone())
                .map(esimdesk_providers::EsimHandle::iccid),
            OrderKind::NewEsim => None,
        },
        sent_at: sent_at(desk, journaled)?,
    };
    let matches: Vec<_> = provider
        .find_order(&lookup)
        .await?
        .into_iter()
        .filter(|m| {
            known
                .get(&m.order.provider_reference)
                .is_none_or(|owner| *owner == order.client_reference)
        })
        .collect();
    let exact: Vec<_> = matches
        .iter()
        .filter(|m| m.basis == MatchBasis::ClientReference)
        .collect();
    let chosen = match (exact.as_slice(), matches.as_slice()) {
        ([one], _) => Some((*one).clone()),
        ([], [one]) => Some(one.clone()),
        ([], []) => None,
        _ => {
            return Ok(Some(format!(
                "{} possible matches at the provider: left for a person to decide",
                matches.len()
            )));
        }
    };
    match chosen {
        Some(found) => {
            let reference = found.order.provider_reference.clone();
            settle(
                desk,
                &journaled.account_id,
                &order.client_reference,
                found.order,
                order.customer.as_ref(),
            )
            .await?;
            Ok(Some(format!("found at the provider as {reference}")))
        }
        None if now - journaled.updated_at >= grace => {
            fail(
                desk,
                journaled,
                "the provider has no such order: nothing was bought",
            )?;
            Ok(Some("not at the provider: nothing was bought".to_owned()))
        }
        None => Ok(None),
    }
}
