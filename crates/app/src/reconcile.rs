//! After a crash, a timeout or a lost reply: ask the provider what became of each order the
//! journal cannot vouch for, and record it. Never buys anything, and never adopts a provider
//! order by guess: what cannot be told with certainty waits for a person ("needs a person"),
//! who settles it by hand ([`resolve`]), audited.

use esimdesk_core::{OrderKind, OrderState, PackageState};
use esimdesk_providers::{
    CancelOutcome, CancelTarget, EsimHandle, MatchBasis, OrderLookup, OrderMatch, OrderStatus,
    PlacedOrder, Refund, RequestLine,
};
use esimdesk_store::{JournaledOrder, StateChange};
use serde::Serialize;
use time::{Duration, OffsetDateTime};
use ts_rs::TS;

use crate::AppError;
use crate::desk::Desk;
use crate::purchase::record_placed;

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct Reconciled {
    pub client_reference: String,
    pub before: OrderState,
    pub after: OrderState,
    /// What was decided and why, in plain words.
    pub note: String,
    /// The eSIM the order delivered, once it has its code (to open it from a notice).
    pub ready_iccid: Option<String>,
}

/// How long after sending an order the provider's silence is taken as "not bought": eSIM Go
/// documents no idempotency and gives 10 minutes (esimgo.md §6.5).
pub const DEFAULT_GRACE: Duration = Duration::minutes(10);

/// How long an order journaled but never sent is left alone (its dry run may still be running in
/// another window); at most the grace.
pub const NEVER_SENT_GRACE: Duration = Duration::minutes(2);

/// Clock skew allowed between the desk and a provider.
pub const SKEW: Duration = Duration::minutes(1);

/// A provider order matched by contents counts only if the provider created it between the
/// sending (less [`SKEW`]) and this long after.
pub const ADOPT_WINDOW: Duration = Duration::minutes(10);

/// Reconciliation at start-up, with [`DEFAULT_GRACE`]: the desktop app runs it in the
/// background as it opens, so orders a crash left unsettled are settled without anyone asking.
pub async fn reconcile_on_start(desk: &Desk) -> Result<Vec<Reconciled>, AppError> {
    let settled = reconcile(desk, DEFAULT_GRACE).await?;
    if !settled.is_empty() {
        tracing::info!(orders = settled.len(), "orders reconciled at start-up");
    }
    Ok(settled)
}

/// Settles every order the journal cannot vouch for:
///
/// - journaled or validated but never sent (a crash before the purchase request): failed,
///   nothing was bought;
/// - completed but with activation codes missing: the codes are fetched;
/// - sent, provisioning or unknown: looked up by the provider's reference when known; else by
///   the client reference, else among the provider's orders by contents and time — adopted only
///   when certain, failed when the provider has nothing once `grace` has passed since sending,
///   and otherwise left for a person;
/// - revokes: the package is looked at on the eSIM.
///
/// Orders this process is submitting right now are left alone.
pub async fn reconcile(desk: &Desk, grace: Duration) -> Result<Vec<Reconciled>, AppError> {
    settle_all(desk, needing_reconciliation(desk)?, grace).await
}

/// How often a running desk asks again about orders a provider is still preparing.
pub const FOLLOW_UP_EVERY: std::time::Duration = std::time::Duration::from_secs(15);

/// The running desk's follow-up: orders an asynchronous provider is still preparing (the sale
/// stopped waiting) and completed orders whose codes are still to come, read again by the
/// provider's reference. Reading buys nothing, so this may run as often as [`FOLLOW_UP_EVERY`];
/// lost replies and never-sent orders are left to [`reconcile`].
pub async fn follow_up(desk: &Desk) -> Result<Vec<Reconciled>, AppError> {
    let waiting: Vec<JournaledOrder> = desk
        .store()
        .unsettled_orders()?
        .into_iter()
        .filter(|o| {
            o.order.provider_reference.is_some()
                && match o.order.state {
                    OrderState::Provisioning => true,
                    OrderState::Completed => o.delivered_at.is_none(),
                    _ => false,
                }
        })
        .collect();
    // Only what moved is news: an order still being prepared is asked about again next time.
    Ok(settle_all(desk, waiting, DEFAULT_GRACE)
        .await?
        .into_iter()
        .filter(|r| r.after != r.before || r.ready_iccid.is_some())
        .collect())
}

/// [`follow_up`] every [`FOLLOW_UP_EVERY`] for as long as the desk runs, handing what it settled
/// to `on_settled` (the window tells the agent an eSIM is ready).
pub async fn keep_following_up(desk: &Desk, on_settled: &(dyn Fn(Vec<Reconciled>) + Send + Sync)) {
    loop {
        tokio::time::sleep(FOLLOW_UP_EVERY).await;
        match follow_up(desk).await {
            Ok(settled) if !settled.is_empty() => on_settled(settled),
            Ok(_) => {}
            Err(e) => tracing::warn!(
                error = e.code(),
                "follow-up of provisioning orders failed: {e}"
            ),
        }
    }
}

async fn settle_all(
    desk: &Desk,
    orders: Vec<JournaledOrder>,
    grace: Duration,
) -> Result<Vec<Reconciled>, AppError> {
    let mut results = Vec::new();
    let now = OffsetDateTime::now_utc();
    for journaled in orders {
        let reference = journaled.order.client_reference.clone();
        if desk.purchases().is_in_flight(&reference) {
            continue;
        }
        let before = journaled.order.state;
        let outcome = match settle(desk, &journaled, now, grace).await {
            Ok(Some(note)) => note,
            Ok(None) => continue,
            Err(e) => {
                tracing::warn!(order = %reference, error = e.code(), "reconciliation could not settle an order");
                format!("still open: {e}")
            }
        };
        let settled = desk.store().order(&reference)?;
        let after = settled.as_ref().map_or(before, |o| o.order.state);
        let ready_iccid = match &settled {
            Some(o) if o.delivered_at.is_some() && !o.order.kind.takes_back() => desk
                .store()
                .esims_of_order(&reference)?
                .into_iter()
                .find(|e| e.esim.activation_code.is_some())
                .map(|e| e.esim.iccid.to_string())
                .or_else(|| {
                    o.order
                        .lines
                        .first()
                        .and_then(|l| l.iccid.as_ref())
                        .map(ToString::to_string)
                }),
            _ => None,
        };
        desk.store().audit(
            &desk.actor(),
            "order.reconcile",
            &format!(
                "{reference}: {} → {} ({outcome})",
                before.name(),
                after.name()
            ),
        )?;
        results.push(Reconciled {
            client_reference: reference,
            before,
            after,
            note: outcome,
            ready_iccid,
        });
    }
    Ok(results)
}

/// `Ok(None)`: too early to decide.
async fn settle(
    desk: &Desk,
    journaled: &JournaledOrder,
    now: OffsetDateTime,
    grace: Duration,
) -> Result<Option<String>, AppError> {
    let order = &journaled.order;
    match order.state {
        OrderState::Journaled | OrderState::Validated => {
            if now - journaled.updated_at < grace.min(NEVER_SENT_GRACE) {
                return Ok(None);
            }
            fail(
                desk,
                journaled,
                "never sent to the provider: nothing was bought",
            )?;
            if let Some(draft) = &order.provider_reference {
                cancel_draft(desk, journaled, draft).await;
            }
            Ok(Some("never sent: nothing was bought".to_owned()))
        }
        _ if order.kind == OrderKind::Revoke => revoke_status(desk, journaled, now, grace).await,
        _ if order.kind == OrderKind::CancelEsim => {
            crate::cancel_esim::reconcile(desk, journaled, sent_at(desk, journaled)?, now, grace)
                .await
        }
        _ => match order.provider_reference.clone() {
            Some(provider_reference) => {
                by_provider_reference(desk, journaled, &provider_reference, now, grace).await
            }
            None => find(desk, journaled, now, grace).await,
        },
    }
}

/// Orders reconciliation works on, and orders journaled but never sent.
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
        &StateChange::detail(why),
        &desk.actor(),
    )?;
    Ok(())
}

fn needs_person(desk: &Desk, journaled: &JournaledOrder, why: String) -> Result<String, AppError> {
    if journaled.order.state != OrderState::NeedsPerson {
        desk.store().record_order_state(
            &journaled.order.client_reference,
            OrderState::NeedsPerson,
            &StateChange::detail(why.clone()),
            &desk.actor(),
        )?;
    }
    Ok(format!("needs a person: {why}"))
}

/// The provider's reference is known (a sale that was provisioning, completed without its
/// codes, or submitting the draft its dry run left): ask for that order.
async fn by_provider_reference(
    desk: &Desk,
    journaled: &JournaledOrder,
    provider_reference: &str,
    now: OffsetDateTime,
    grace: Duration,
) -> Result<Option<String>, AppError> {
    let provider = desk.provider(&journaled.account_id)?;
    let placed = provider.order_status(provider_reference).await?;
    if placed.status == OrderStatus::Draft {
        return never_submitted(desk, journaled, provider_reference, now, grace).await;
    }
    let settled = record_placed(
        desk,
        &journaled.account_id,
        &journaled.order.client_reference,
        placed,
        journaled.order.customer.as_ref(),
        None,
    )
    .await?;
    Ok(Some(match (settled.order.state, settled.delivered_at) {
        (OrderState::Completed, Some(_)) => format!("{provider_reference}: delivered"),
        (OrderState::Completed, None) => {
            format!("{provider_reference}: completed, activation codes still to come")
        }
        (state, _) => format!("{provider_reference}: {}", state.name()),
    }))
}

/// The provider holds the order's draft, never submitted. Once the grace has passed (a submit
/// still on its way could land until then), the draft is cancelled first, so that no late
/// submit can ever buy it, and the order fails: nothing was bought.
async fn never_submitted(
    desk: &Desk,
    journaled: &JournaledOrder,
    draft: &str,
    now: OffsetDateTime,
    grace: Duration,
) -> Result<Option<String>, AppError> {
    if now - sent_at(desk, journaled)? < grace {
        return Ok(None);
    }
    let provider = desk.provider(&journaled.account_id)?;
    if provider.capabilities().cancel_order {
        provider
            .cancel(&CancelTarget::Order {
                provider_reference: draft.to_owned(),
            })
            .await?;
    }
    fail(
        desk,
        journaled,
        &format!("the provider holds draft {draft}, never submitted: nothing was bought"),
    )?;
    Ok(Some(format!(
        "{draft}: never submitted (draft cancelled): nothing was bought"
    )))
}

/// Tidies the draft a dry run left for an order that was never sent (it would expire at the
/// provider anyway, so a failure is only logged).
async fn cancel_draft(desk: &Desk, journaled: &JournaledOrder, draft: &str) {
    let cancelled = match desk.provider(&journaled.account_id) {
        Ok(provider) if provider.capabilities().cancel_order => provider
            .cancel(&CancelTarget::Order {
                provider_reference: draft.to_owned(),
            })
            .await
            .map(|_| ())
            .map_err(AppError::from),
        Ok(_) => Ok(()),
        Err(e) => Err(e),
    };
    if let Err(e) = cancelled {
        tracing::info!(order = %journaled.order.client_reference, error = e.code(), "draft left to expire at the provider");
    }
}

fn lookup(desk: &Desk, journaled: &JournaledOrder) -> Result<OrderLookup, AppError> {
    let order = &journaled.order;
    Ok(OrderLookup {
        client_reference: order.client_reference.clone(),
        kind: order.kind,
        lines: RequestLine::all_of(order),
        esim: match order.kind {
            OrderKind::TopUp => order
                .lines
                .first()
                .and_then(|l| l.iccid.clone())
                .map(EsimHandle::iccid),
            _ => None,
        },
        sent_at: sent_at(desk, journaled)?,
        customer_email: order.customer.as_ref().and_then(|c| c.email.clone()),
    })
}

/// A lost reply with no provider reference: find the provider order, adopting only a certain
/// match.
async fn find(
    desk: &Desk,
    journaled: &JournaledOrder,
    now: OffsetDateTime,
    grace: Duration,
) -> Result<Option<String>, AppError> {
    let reference = &journaled.order.client_reference;
    let provider = desk.provider(&journaled.account_id)?;
    let lookup = lookup(desk, journaled)?;
    let mut candidates = Vec::new();
    for m in provider.find_order(&lookup).await? {
        // A provider order already answers another journal order: never this one's.
        let owner = desk
            .store()
            .order_by_provider_reference(&m.order.provider_reference)?;
        if owner.is_some_and(|o| o.order.client_reference != *reference) {
            continue;
        }
        // A new eSIM cannot be one this desk already holds for another order: a provider order
        // that went on such an eSIM is a top-up of it (or another sale's), never this sale.
        if journaled.order.kind == OrderKind::NewEsim
            && held_for_another_order(desk, &m.order, reference)?
        {
            continue;
        }
        // A topped-up eSIM carries the reference of the sale that made it: when that sale is
        // in this journal the eSIM is this desk's, not another desk's.
        let mut m = m;
        if journaled.order.kind == OrderKind::TopUp
            && let Some(tag) = &m.foreign_reference
            && desk.store().order(tag)?.is_some()
        {
            m.foreign_reference = None;
        }
        candidates.push(m);
    }
    match choose(candidates, &lookup) {
        Choice::Adopt(found) => {
            // A new eSIM found by contents is tagged with this desk's reference before it is
            // adopted, so another desk sharing the account sees it taken (a top-up's eSIM keeps
            // the tag of the sale that made it).
            if found.basis == MatchBasis::ContentsAndTime
                && journaled.order.kind == OrderKind::NewEsim
                && !provider.claim_order(&found.order, reference).await?
            {
                return needs_person(
                    desk,
                    journaled,
                    format!(
                        "provider order {} matches, but another desk took it first",
                        found.order.provider_reference
                    ),
                )
                .map(Some);
            }
            let provider_reference = found.order.provider_reference.clone();
            let how = match found.basis {
                MatchBasis::ClientReference => "by this desk's reference",
                MatchBasis::ContentsAndTime => "by contents and time, the only match",
            };
            record_placed(
                desk,
                &journaled.account_id,
                reference,
                found.order,
                journaled.order.customer.as_ref(),
                Some(format!(
                    "found at the provider as {provider_reference} ({how})"
                )),
            )
            .await?;
            Ok(Some(format!(
                "found at the provider as {provider_reference}"
            )))
        }
        Choice::Ask(why) => needs_person(desk, journaled, why).map(Some),
        // A provider that prepares orders asynchronously and can be searched only for what a
        // finished order leaves behind (Truphone's subscriptions) cannot prove "never bought":
        // the order may still be being prepared. A person checks the provider's portal.
        Choice::Nothing
            if now - lookup.sent_at >= grace && !absence_is_proof(provider.capabilities()) =>
        {
            needs_person(
                desk,
                journaled,
                "the provider shows no eSIM for this sale, but it may still be preparing one: \
                 check its portal, then settle by hand"
                    .to_owned(),
            )
            .map(Some)
        }
        Choice::Nothing if now - lookup.sent_at >= grace => {
            fail(
                desk,
                journaled,
                "the provider has no such order: nothing was bought",
            )?;
            Ok(Some("not at the provider: nothing was bought".to_owned()))
        }
        Choice::Nothing => Ok(None),
    }
}

/// Whether a provider's silence after the grace means the order never arrived: true where it
/// finds orders by this desk's reference, or answers synchronously (a sent order exists at once).
fn absence_is_proof(c: esimdesk_providers::Capabilities) -> bool {
    c.order_lookup_by_reference || !c.async_provisioning
}

/// Whether any eSIM of a provider order is one the desk holds for another order.
fn held_for_another_order(
    desk: &Desk,
    order: &PlacedOrder,
    reference: &str,
) -> Result<bool, AppError> {
    for iccid in order.lines.iter().flat_map(|l| l.iccids.iter()) {
        if let Some(held) = desk.store().esim(iccid)?
            && held.order_reference.as_deref() != Some(reference)
        {
            return Ok(true);
        }
    }
    Ok(false)
}

#[derive(Debug)]
enum Choice {
    Adopt(OrderMatch),
    Ask(String),
    Nothing,
}

/// The rule for adopting a provider order as the answer to a lost reply:
///
/// - one order carrying this desk's reference is certain; several are for a person;
/// - otherwise, orders another desk tagged are that desk's and never considered; of the rest,
///   exactly one, created inside the window with a readable time, is adopted; one without a
///   readable time, or several, are for a person.
fn choose(candidates: Vec<OrderMatch>, lookup: &OrderLookup) -> Choice {
    let (exact, by_contents): (Vec<_>, Vec<_>) = candidates
        .into_iter()
        .partition(|m| m.basis == MatchBasis::ClientReference);
    match exact.len() {
        0 => {}
        1 => {
            return exact
                .into_iter()
                .next()
                .map_or(Choice::Nothing, Choice::Adopt);
        }
        n => {
            return Choice::Ask(format!("{n} provider orders carry this desk's reference"));
        }
    }
    let earliest = lookup.sent_at - SKEW;
    let latest = lookup.sent_at + ADOPT_WINDOW;
    let mut timed = Vec::new();
    let mut untimed = 0;
    for m in by_contents {
        if m.foreign_reference.is_some() {
            continue;
        }
        match m.order.created_at {
            Some(at) if at >= earliest && at <= latest => timed.push(m),
            Some(_) => {}
            None => untimed += 1,
        }
    }
    match (timed.len(), untimed) {
        (0, 0) => Choice::Nothing,
        (1, 0) => timed
            .into_iter()
            .next()
            .map_or(Choice::Nothing, Choice::Adopt),
        (0, n) => Choice::Ask(format!(
            "{n} provider order(s) match but give no readable creation time"
        )),
        (t, n) => Choice::Ask(format!(
            "{} provider orders match the same package and time: which one is this sale's cannot be told",
            t + n
        )),
    }
}

/// A revoke whose reply was lost: the package itself says whether it was revoked.
async fn revoke_status(
    desk: &Desk,
    journaled: &JournaledOrder,
    now: OffsetDateTime,
    grace: Duration,
) -> Result<Option<String>, AppError> {
    let order = &journaled.order;
    let (Some(package_id), Some(iccid)) = (
        order.provider_reference.as_deref(),
        order.lines.first().and_then(|l| l.iccid.clone()),
    ) else {
        return needs_person(desk, journaled, "the revoke names no package".into()).map(Some);
    };
    let held = desk.store().esim(&iccid)?;
    let handle = EsimHandle {
        iccid,
        provider_ref: held.and_then(|h| h.provider_ref),
    };
    let provider = desk.provider(&journaled.account_id)?;
    let usage = provider.usage(&handle).await?;
    let package = usage
        .packages
        .iter()
        .find(|p| p.assignment_id.as_deref() == Some(package_id));
    match package.map(|p| p.package.state) {
        Some(PackageState::Revoked) => {
            crate::cancel::record_revoked(
                desk,
                &order.client_reference,
                &CancelOutcome {
                    refund: Refund::Unknown,
                    message: None,
                },
            )?;
            Ok(Some(format!(
                "package {package_id} is revoked at the provider"
            )))
        }
        Some(_) if now - sent_at(desk, journaled)? >= grace => {
            fail(
                desk,
                journaled,
                "the package is still on the eSIM: nothing was revoked",
            )?;
            Ok(Some("not revoked: nothing changed".to_owned()))
        }
        Some(_) => Ok(None),
        None => needs_person(
            desk,
            journaled,
            format!("package {package_id} is no longer listed on the eSIM"),
        )
        .map(Some),
    }
}

/// How a person settles an order reconciliation could not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// This provider order is the sale's: its eSIMs and codes are recorded.
    ProviderOrder(String),
    /// Nothing was bought (the person checked the provider's portal).
    NotBought,
}

impl Resolution {
    /// What a person typed on the Orders screen: a provider order reference, or nothing (blank)
    /// for "nothing was bought".
    pub fn from_typed(provider_order: Option<&str>) -> Resolution {
        match provider_order.map(str::trim).filter(|p| !p.is_empty()) {
            Some(id) => Resolution::ProviderOrder(id.to_owned()),
            None => Resolution::NotBought,
        }
    }
}

/// Settles an order by hand, audited. Only orders whose fate is open (needs a person, unknown,
/// submitted, provisioning) can be settled, and a provider order only if it has the same
/// contents, answers no other journal order and carries no other desk's reference.
pub async fn resolve(
    desk: &Desk,
    client_reference: &str,
    resolution: Resolution,
) -> Result<crate::views::JournaledOrder, AppError> {
    let cannot = |message: String| AppError::CannotResolve {
        client_reference: client_reference.to_owned(),
        message,
    };
    let journaled = desk
        .store()
        .order(client_reference)?
        .ok_or_else(|| cannot("there is no such order in the journal".into()))?;
    let state = journaled.order.state;
    if !matches!(
        state,
        OrderState::NeedsPerson
            | OrderState::Unknown
            | OrderState::Submitted
            | OrderState::Provisioning
    ) {
        return Err(cannot(format!("it is {} already", state.name())));
    }
    if desk.purchases().is_in_flight(client_reference) {
        return Err(AppError::CheckoutInProgress(client_reference.to_owned()));
    }
    let actor = desk.actor();
    let settled = match &resolution {
        Resolution::NotBought => desk.store().record_order_state(
            client_reference,
            OrderState::Failed,
            &StateChange::detail(format!("settled by hand by {actor}: nothing was bought")),
            &actor,
        )?,
        Resolution::ProviderOrder(id) => {
            let id = id.trim();
            if journaled.order.kind.takes_back() {
                return Err(cannot(
                    "a revoke or cancel is settled from the eSIM itself: refresh its usage, then mark it not done if the package is still there".into(),
                ));
            }
            if let Some(owner) = desk.store().order_by_provider_reference(id)?
                && owner.order.client_reference != client_reference
            {
                return Err(cannot(format!(
                    "provider order {id} is already order {}'s",
                    owner.order.client_reference
                )));
            }
            let provider = desk.provider(&journaled.account_id)?;
            let mut placed = provider.order_status(id).await?;
            placed.kind = journaled.order.kind;
            check_same_contents(&journaled, &placed).map_err(cannot)?;
            if journaled.order.kind == OrderKind::NewEsim
                && !provider.claim_order(&placed, client_reference).await?
            {
                return Err(cannot(format!(
                    "provider order {id}'s eSIMs carry another desk's reference"
                )));
            }
            record_placed(
                desk,
                &journaled.account_id,
                client_reference,
                placed,
                journaled.order.customer.as_ref(),
                Some(format!("settled by hand by {actor} as provider order {id}")),
            )
            .await?
        }
    };
    desk.store().audit(
        &actor,
        "order.resolve",
        &format!(
            "{client_reference}: {} → {} by hand ({})",
            state.name(),
            settled.order.state.name(),
            match &resolution {
                Resolution::NotBought => "not bought".to_owned(),
                Resolution::ProviderOrder(id) => format!("provider order {id}"),
            }
        ),
    )?;
    Ok(settled.into())
}

/// A provider order a person names must hold what the journal says was asked for.
fn check_same_contents(journaled: &JournaledOrder, placed: &PlacedOrder) -> Result<(), String> {
    if !placed.has_lines(&RequestLine::all_of(&journaled.order)) {
        return Err(format!(
            "provider order {} holds other packages than this order",
            placed.provider_reference
        ));
    }
    if journaled.order.kind == OrderKind::TopUp
        && let Some(iccid) = journaled.order.lines.first().and_then(|l| l.iccid.as_ref())
        && !placed.lines.iter().any(|l| l.iccids.contains(iccid))
    {
        return Err(format!(
            "provider order {} did not go on eSIM {iccid}",
            placed.provider_reference
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use esimdesk_core::Iccid;
    use esimdesk_providers::{OrderStatus, PlacedLine};
    use time::macros::datetime;

    const SENT: OffsetDateTime = datetime!(2026-06-01 10:00:00 UTC);

    fn lookup() -> OrderLookup {
        OrderLookup {
            client_reference: "desk-1".into(),
            kind: OrderKind::NewEsim,
            lines: vec![RequestLine {
                offering_code: "esim_1GB_7D_NL_V2".into(),
                quantity: 1,
            }],
            esim: None,
            sent_at: SENT,
            customer_email: None,
        }
    }

    fn candidate(
        reference: &str,
        basis: MatchBasis,
        created_at: Option<OffsetDateTime>,
        foreign: Option<&str>,
    ) -> OrderMatch {
        OrderMatch {
            order: PlacedOrder {
                provider_reference: reference.into(),
                client_reference: None,
                kind: OrderKind::NewEsim,
                status: OrderStatus::Completed,
                total: None,
                created_at,
                lines: vec![PlacedLine {
                    offering_code: "esim_1GB_7D_NL_V2".into(),
                    quantity: 1,
                    iccids: vec![Iccid::parse("8944000100000000017").unwrap()],
                }],
                esims: vec![],
                notes: vec![],
            },
            basis,
            foreign_reference: foreign.map(str::to_owned),
        }
    }

    fn adopted(choice: Choice) -> Option<String> {
        match choice {
            Choice::Adopt(m) => Some(m.order.provider_reference),
            _ => None,
        }
    }

    #[test]
    fn adopts_only_what_is_certain() {
        use MatchBasis::*;
        let at = Some(SENT + Duration::seconds(2));
        // The check(input, expected) table: candidates → adopted provider order.
        let cases: Vec<(Vec<OrderMatch>, Option<&str>)> = vec![
            (vec![], None),
            (vec![candidate("a", ContentsAndTime, at, None)], Some("a")),
            (vec![candidate("a", ClientReference, None, None)], Some("a")),
            // The exact match wins over contents.
            (
                vec![
                    candidate("a", ContentsAndTime, at, None),
                    candidate("b", ClientReference, at, None),
                ],
                Some("b"),
            ),
            // Two by contents: which is ours cannot be told.
            (
                vec![
                    candidate("a", ContentsAndTime, at, None),
                    candidate("b", ContentsAndTime, at, None),
                ],
                None,
            ),
            // Another desk's tag: never ours, the other one is.
            (
                vec![
                    candidate("a", ContentsAndTime, at, Some("desk-other")),
                    candidate("b", ContentsAndTime, at, None),
                ],
                Some("b"),
            ),
            (
                vec![candidate("a", ContentsAndTime, at, Some("desk-other"))],
                None,
            ),
            // No readable time.
            (vec![candidate("a", ContentsAndTime, None, None)], None),
            // Outside the window.
            (
                vec![candidate(
                    "a",
                    ContentsAndTime,
                    Some(SENT - Duration::minutes(5)),
                    None,
                )],
                None,
            ),
            (
                vec![candidate(
                    "a",
                    ContentsAndTime,
                    Some(SENT + ADOPT_WINDOW + Duration::seconds(1)),
                    None,
                )],
                None,
            ),
        ];
        for (i, (candidates, expected)) in cases.into_iter().enumerate() {
            assert_eq!(
                adopted(choose(candidates, &lookup())).as_deref(),
                expected,
                "case {i}"
            );
        }
    }

    #[test]
    fn what_cannot_be_told_goes_to_a_person() {
        use MatchBasis::*;
        let at = Some(SENT);
        assert!(matches!(
            choose(vec![candidate("a", ContentsAndTime, None, None)], &lookup()),
            Choice::Ask(_)
        ));
        assert!(matches!(
            choose(
                vec![
                    candidate("a", ClientReference, at, None),
                    candidate("b", ClientReference, at, None)
                ],
                &lookup()
            ),
            Choice::Ask(_)
        ));
        assert!(matches!(
            choose(
                vec![candidate("a", ContentsAndTime, at, Some("desk-other"))],
                &lookup()
            ),
            Choice::Nothing
        ));
    }
}
