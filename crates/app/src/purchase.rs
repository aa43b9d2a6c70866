//! The purchase protocol: the one sequence every order that moves money follows — a new eSIM, a
//! top-up, a revoke (and, later, stock bought ahead) — for every provider:
//!
//! 1. the client reference is claimed in this process (a double click is refused at once);
//! 2. the intent is journaled (a reference used before is refused by the journal);
//! 3. one dry run, where the provider has one: the one the agent saw on Checkout if it is still
//!    fresh, else one new one; the price-rise rule is applied here and only here. Where the dry
//!    run leaves a priced draft at the provider (a cart), its id is journaled now, so that
//!    whatever happens next is settled by reading that very order, and the purchase submits it;
//! 4. "submitted" is journaled; from here until the purchase request nothing may retry, wait or
//!    call the provider;
//! 5. the purchase request, sent once; a lost reply leaves the order `unknown`;
//! 6. the answer, the eSIMs, their activation codes and the customer are recorded in one
//!    transaction; codes the answer lacked are fetched and the order is delivered once all are
//!    saved — until then reconciliation keeps working on it;
//! 7. an asynchronous provider's order is read again until it is final or a deadline passes
//!    ([`crate::provisioning`]); one still provisioning then stays in the journal for
//!    reconciliation, never lost.
//!
//! Every failure says whether money may have moved ([`MoneyMoved`]): only `not_sent` lets the
//! desk try the same sale again under a new reference.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use esimdesk_core::{Customer, Money, Order, OrderKind, OrderState};
use esimdesk_providers::{
    CancelOutcome, CancelTarget, Capabilities, OrderRequest, OrderStatus, PlacedOrder, Provider,
    ProviderError, TopUpCheck, TopUpRequest, ValidatedOrder,
};
use esimdesk_store::{Answer, AnsweredEsim, JournaledOrder, StateChange, StoreError};
use time::{Duration, OffsetDateTime};

use crate::checkout::{CheckoutStep, DeliveredEsim};
use crate::codes::CodeReport;
use crate::desk::Desk;
use crate::error::{AppError, MoneyMoved};
use crate::test_hooks;

/// How long a dry run the agent saw on Checkout stands in for the one a sale needs. Provider
/// prices change rarely; a quote older than this is asked again.
pub const DRY_RUN_FRESH_FOR: Duration = Duration::minutes(5);

/// Purchases in flight in this process and the dry runs shown on Checkout, shared by every face
/// (window and CLI) of one desk.
#[derive(Debug, Default)]
pub(crate) struct Purchases {
    in_flight: Mutex<HashSet<String>>,
    dry_runs: Mutex<HashMap<String, DryRun>>,
}

#[derive(Debug, Clone)]
struct DryRun {
    account_id: String,
    offering_code: String,
    quantity: u32,
    priced: Priced,
    at: OffsetDateTime,
}

/// What a dry run found: the total, and the provider's draft where its dry run leaves one
/// ([`esimdesk_providers::ValidatedOrder::draft`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Priced {
    pub total: Money,
    pub draft: Option<String>,
}

impl Purchases {
    /// Claims a client reference for one submission; released when the guard drops.
    pub(crate) fn claim(&self, reference: &str) -> Result<InFlight<'_>, AppError> {
        let mut set = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
        if !set.insert(reference.to_owned()) {
            tracing::warn!(
                order = reference,
                "second submission of an order in flight refused"
            );
            return Err(AppError::CheckoutInProgress(reference.to_owned()));
        }
        Ok(InFlight {
            purchases: self,
            reference: reference.to_owned(),
        })
    }

    /// Whether this process is submitting that order now (reconciliation leaves it alone).
    pub(crate) fn is_in_flight(&self, reference: &str) -> bool {
        self.in_flight
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(reference)
    }

    /// Keeps a dry run the agent was shown, and returns its id.
    pub(crate) fn remember_dry_run(
        &self,
        account_id: &str,
        offering_code: &str,
        quantity: u32,
        priced: Priced,
    ) -> String {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let now = OffsetDateTime::now_utc();
        let mut runs = self.dry_runs.lock().unwrap_or_else(|p| p.into_inner());
        runs.retain(|_, r| now - r.at < DRY_RUN_FRESH_FOR);
        runs.insert(
            id.clone(),
            DryRun {
                account_id: account_id.to_owned(),
                offering_code: offering_code.to_owned(),
                quantity,
                priced,
                at: now,
            },
        );
        id
    }

    /// A fresh dry run of exactly this sale, used up by the asking.
    fn take_dry_run(&self, id: &str, request: &OrderRequest, account_id: &str) -> Option<Priced> {
        let run = self
            .dry_runs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id)?;
        let same = run.account_id == account_id
            && matches!(request.lines.as_slice(), [line]
                if line.offering_code == run.offering_code && line.quantity == run.quantity);
        (same && OffsetDateTime::now_utc() - run.at < DRY_RUN_FRESH_FOR).then_some(run.priced)
    }
}

/// A client reference claimed for one submission in this process (see [`Desk::claim_purchase`]).
#[derive(Debug)]
pub struct InFlight<'a> {
    purchases: &'a Purchases,
    reference: String,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.purchases
            .in_flight
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.reference);
    }
}

/// What is bought (or given back), as the provider hears it.
#[derive(Debug)]
pub(crate) enum Spend {
    NewEsim {
        request: OrderRequest,
        /// A dry run shown on Checkout ([`crate::checkout::Validation::dry_run_id`]).
        dry_run_id: Option<String>,
    },
    TopUp {
        request: TopUpRequest,
    },
    Revoke {
        target: CancelTarget,
    },
}

impl Spend {
    /// The purchase submits the draft its dry run left at the provider, if any.
    fn submit_draft(&mut self, draft: Option<String>) {
        match self {
            Spend::NewEsim { request, .. } => request.draft = draft,
            Spend::TopUp { request } => request.draft = draft,
            Spend::Revoke { .. } => {}
        }
    }
}

impl From<ValidatedOrder> for Priced {
    fn from(v: ValidatedOrder) -> Self {
        Priced {
            total: v.total,
            draft: v.draft,
        }
    }
}

/// One purchase, ready to run: built by the use case of its kind.
#[derive(Debug)]
pub(crate) struct Plan {
    pub account_id: String,
    pub provider: Arc<dyn Provider>,
    /// The intent as journaled (state `journaled`).
    pub order: Order,
    pub spend: Spend,
}

/// A purchase carried out.
#[derive(Debug)]
pub(crate) struct Done {
    pub order: JournaledOrder,
    pub esims: Vec<DeliveredEsim>,
    /// A revoke's answer.
    pub cancelled: Option<CancelOutcome>,
}

fn failure(client_reference: &str, money_moved: MoneyMoved, error: AppError) -> AppError {
    match error {
        already @ AppError::Purchase { .. } => already,
        error => AppError::Purchase {
            client_reference: client_reference.to_owned(),
            money_moved,
            error: Box::new(error),
        },
    }
}

/// Runs a plan through the protocol. `on_step` hears each milestone once it is durable.
pub(crate) async fn run(
    desk: &Desk,
    mut plan: Plan,
    on_step: &(dyn Fn(CheckoutStep) + Send + Sync),
) -> Result<Done, AppError> {
    let reference = plan.order.client_reference.clone();
    let not_sent = |e: AppError| failure(&reference, MoneyMoved::NotSent, e);
    // Each milestone goes to the face, then to the crash tests' hooks (a no-op in a release
    // build).
    let reached = |step: CheckoutStep| -> Result<(), StoreError> {
        on_step(step);
        test_hooks::at(step)
    };
    let _in_flight = desk
        .purchases()
        .claim(&reference)
        .map_err(|e| failure(&reference, MoneyMoved::Maybe, e))?;
    journal(desk, &plan.order, &plan.account_id).map_err(|e| match e {
        AppError::DuplicateReference(r) => {
            let moved = money_of_existing(desk, &r);
            failure(&reference, moved, AppError::DuplicateReference(r))
        }
        other => not_sent(other),
    })?;
    reached(CheckoutStep::Journaled).map_err(|e| not_sent(e.into()))?;

    let record = |to: OrderState, change: StateChange| {
        desk.store()
            .record_order_state(&reference, to, &change, &desk.actor())
    };

    // 3. One dry run.
    if let Some(Priced { total, draft }) = dry_run(desk, &plan)
        .await
        .map_err(|e| refused(desk, &reference, e))?
    {
        let quoted = plan
            .order
            .total_cost()
            .map_err(|e| not_sent(crate::money(e)))?;
        if let Err(e) = price_rule(quoted, total) {
            record(OrderState::Failed, StateChange::detail(e.to_string()))
                .map_err(|e| not_sent(e.into()))?;
            return Err(not_sent(e));
        }
        // The draft's id is journaled before anything is submitted: reconciliation then reads
        // that order, whatever happens from here on.
        record(
            OrderState::Validated,
            StateChange {
                detail: Some(format!("the provider will charge {total}")),
                provider_reference: draft.clone(),
            },
        )
        .map_err(|e| not_sent(e.into()))?;
        plan.spend.submit_draft(draft);
        reached(CheckoutStep::Validated).map_err(|e| not_sent(e.into()))?;
    }

    // 4. Submitted: nothing but the purchase request follows.
    record(OrderState::Submitted, StateChange::detail("purchase sent"))
        .map_err(|e| not_sent(e.into()))?;
    reached(CheckoutStep::Submitting)
        .map_err(|e| failure(&reference, MoneyMoved::Maybe, e.into()))?;
    tracing::info!(order = %reference, account = %plan.account_id, kind = plan.order.kind.name(), "purchase sent");

    // 5. The purchase request, once.
    let answer = match send(plan.provider.as_ref(), &plan.spend).await {
        Ok(answer) => answer,
        Err(e) if is_outcome_unknown(&e) => {
            tracing::warn!(order = %reference, error = e.code(), "purchase outcome unknown");
            // The journal already says "submitted", which reconciliation settles too.
            let _ = record(OrderState::Unknown, StateChange::detail(e.to_string()));
            return Err(failure(
                &reference,
                MoneyMoved::Maybe,
                AppError::OutcomeUnknown {
                    client_reference: reference.clone(),
                },
            ));
        }
        Err(e) => return Err(refused(desk, &reference, e.into())),
    };
    let sent = |e: AppError| failure(&reference, MoneyMoved::Sent, e);
    reached(CheckoutStep::Answered).map_err(|e| sent(e.into()))?;

    // 6. The answer, eSIMs, codes and customer together.
    let (order, cancelled) = match answer {
        Sent::Placed(placed) => {
            for note in &placed.notes {
                tracing::warn!(order = %reference, note = %note, "purchase note");
            }
            let customer = plan.order.customer.as_ref();
            let mut order = record_placed(
                desk,
                &plan.account_id,
                &reference,
                placed.clone(),
                customer,
                None,
            )
            .await
            .map_err(sent)?;
            // 7. An asynchronous provider is asked again until the order is final or the wait
            // is over; an order still provisioning then is reconciliation's.
            if order.order.state == OrderState::Provisioning
                && plan.provider.capabilities().async_provisioning
            {
                reached(CheckoutStep::Provisioning).map_err(|e| sent(e.into()))?;
                let latest = crate::provisioning::wait_until_final(
                    plan.provider.as_ref(),
                    placed,
                    desk.provisioning_deadline(),
                )
                .await;
                if latest.status.order_state() != OrderState::Provisioning {
                    order =
                        record_placed(desk, &plan.account_id, &reference, latest, customer, None)
                            .await
                            .map_err(sent)?;
                }
            }
            (order, None)
        }
        Sent::Revoked(outcome) => {
            let order = match plan.order.kind {
                OrderKind::CancelEsim => {
                    crate::cancel_esim::record_cancelled(desk, &reference, &outcome)
                }
                _ => crate::cancel::record_revoked(desk, &reference, &outcome),
            }
            .map_err(sent)?;
            (order, Some(outcome))
        }
    };
    reached(CheckoutStep::Recorded).map_err(|e| sent(e.into()))?;
    if order.delivered_at.is_some() {
        reached(CheckoutStep::Delivered).map_err(|e| sent(e.into()))?;
    }
    let esims = delivered_esims(desk, &order).map_err(sent)?;
    Ok(Done {
        order,
        esims,
        cancelled,
    })
}

fn journal(desk: &Desk, order: &Order, account_id: &str) -> Result<(), AppError> {
    desk.store()
        .journal_order(order, account_id, &desk.actor())
        .map_err(|e| match e {
            StoreError::DuplicateReference(r) => AppError::DuplicateReference(r),
            other => AppError::Store(other),
        })
}

/// What a reference used before means for the money: that order's own state.
fn money_of_existing(desk: &Desk, reference: &str) -> MoneyMoved {
    match desk.store().order(reference) {
        Ok(Some(o)) => match o.order.state {
            OrderState::Failed => MoneyMoved::NotSent,
            OrderState::Completed | OrderState::Cancelled => MoneyMoved::Sent,
            _ => MoneyMoved::Maybe,
        },
        _ => MoneyMoved::Maybe,
    }
}

/// The price-rise rule, the one place it is written: the provider may charge the quote or less,
/// never more (nor in another currency).
pub(crate) fn price_rule(quoted: Money, validated: Money) -> Result<(), AppError> {
    match quoted.compare(validated) {
        Ok(std::cmp::Ordering::Less) | Err(_) => Err(AppError::PriceChanged { quoted, validated }),
        Ok(_) => Ok(()),
    }
}

/// The dry run: `Ok(None)` where the provider has none. A new eSIM reuses a fresh one shown on
/// Checkout; a top-up asks whether the package fits the eSIM first, where the provider can tell.
async fn dry_run(desk: &Desk, plan: &Plan) -> Result<Option<Priced>, AppError> {
    let provider = plan.provider.as_ref();
    let capabilities = provider.capabilities();
    match &plan.spend {
        Spend::NewEsim {
            request,
            dry_run_id,
        } => {
            if !capabilities.validate_order {
                return Ok(None);
            }
            // A draft-leaving provider's sale makes its own dry run, with the customer: the
            // checkout's price check left no draft to submit.
            if !capabilities.draft_orders
                && let Some(priced) = dry_run_id
                    .as_deref()
                    .and_then(|id| desk.purchases().take_dry_run(id, request, &plan.account_id))
            {
                return Ok(Some(priced));
            }
            Ok(Some(drafted(
                capabilities,
                provider.validate_order(request).await?,
            )?))
        }
        Spend::TopUp { request } => {
            if capabilities.top_up_compatibility
                && provider
                    .check_top_up(&request.esim, &request.offering_code)
                    .await?
                    == TopUpCheck::Incompatible
            {
                return Err(AppError::TopUpIncompatible {
                    iccid: request.esim.iccid.to_string(),
                    offering_code: request.offering_code.clone(),
                });
            }
            if !capabilities.validate_order {
                return Ok(None);
            }
            Ok(Some(drafted(
                capabilities,
                provider.validate_top_up(request).await?,
            )?))
        }
        Spend::Revoke { .. } => Ok(None),
    }
}

/// A dry run's result, checked: a provider whose purchase submits a draft must have left one,
/// or nothing can be sent safely (reconciliation could not read what was submitted).
fn drafted(capabilities: Capabilities, validated: ValidatedOrder) -> Result<Priced, AppError> {
    if capabilities.draft_orders && validated.draft.is_none() {
        return Err(ProviderError::MalformedReply {
            what: "order dry run".into(),
            detail: "the provider priced the order but named no draft to submit".into(),
        }
        .into());
    }
    Ok(validated.into())
}

enum Sent {
    Placed(PlacedOrder),
    Revoked(CancelOutcome),
}

/// The one request that spends (or gives back) money.
async fn send(provider: &dyn Provider, spend: &Spend) -> Result<Sent, ProviderError> {
    Ok(match spend {
        Spend::NewEsim { request, .. } => Sent::Placed(provider.place_order(request).await?),
        Spend::TopUp { request } => Sent::Placed(provider.place_top_up(request).await?),
        Spend::Revoke { target } => Sent::Revoked(provider.cancel(target).await?),
    })
}

/// A purchase whose fate the desk cannot know from the reply.
pub(crate) fn is_outcome_unknown(e: &ProviderError) -> bool {
    matches!(
        e,
        ProviderError::OutcomeUnknown { .. } | ProviderError::Timeout
    )
}

/// Records a refusal (nothing bought) and returns the error to show.
fn refused(desk: &Desk, reference: &str, e: AppError) -> AppError {
    let recorded = desk.store().record_order_state(
        reference,
        OrderState::Failed,
        &StateChange::detail(e.to_string()),
        &desk.actor(),
    );
    if let Err(store) = recorded {
        // Nothing was bought either way; reconciliation fails the order later.
        tracing::warn!(order = reference, error = %store, "refusal not recorded");
    }
    let shown = match e {
        AppError::Provider(source) => AppError::Refused {
            client_reference: reference.to_owned(),
            source,
        },
        other => other,
    };
    failure(reference, MoneyMoved::NotSent, shown)
}

/// Records what a provider says of an order (from the purchase reply, reconciliation or a
/// person) with its eSIMs and codes in one transaction; fetches codes the answer lacked and
/// records them too. A code fetch that fails leaves the order completed but not delivered, for
/// reconciliation.
pub(crate) async fn record_placed(
    desk: &Desk,
    account_id: &str,
    reference: &str,
    placed: PlacedOrder,
    customer: Option<&Customer>,
    detail: Option<String>,
) -> Result<JournaledOrder, AppError> {
    let to = placed.status.order_state();
    let detail = detail.or_else(|| match &placed.status {
        OrderStatus::Failed { reason } => reason.clone(),
        _ => placed.total.map(|t| format!("charged {t}")),
    });
    let kind = desk
        .store()
        .order(reference)?
        .map(|o| o.order.kind)
        .unwrap_or(placed.kind);
    let mut esims: Vec<AnsweredEsim> = placed
        .esims
        .iter()
        .map(|e| AnsweredEsim {
            iccid: e.iccid.clone(),
            activation_code: e.activation_code.clone(),
            provider_ref: e.provider_ref.clone(),
        })
        .collect();
    // A line's ICCIDs the reply gave no details for are eSIMs all the same (codes come later).
    for iccid in placed.lines.iter().flat_map(|l| l.iccids.iter()) {
        if !esims.iter().any(|e| e.iccid == *iccid) {
            esims.push(AnsweredEsim {
                iccid: iccid.clone(),
                activation_code: None,
                provider_ref: None,
            });
        }
    }
    let provider = desk.provider(account_id)?;
    let record = |esims: &[AnsweredEsim], change: StateChange| {
        desk.store().record_answer(
            reference,
            &Answer {
                to,
                change,
                provider: provider.kind(),
                esims,
                customer,
                cancels: None,
            },
            &desk.actor(),
        )
    };
    let order = record(
        &esims,
        StateChange {
            detail,
            provider_reference: Some(placed.provider_reference.clone()),
        },
    )?;
    if to != OrderState::Completed || order.delivered_at.is_some() || kind.takes_back() {
        return Ok(order);
    }
    match provider.activation_codes(&placed.provider_reference).await {
        Ok(delivery) => {
            let with_codes: Vec<AnsweredEsim> = delivery
                .esims
                .into_iter()
                .map(|e| AnsweredEsim {
                    iccid: e.iccid,
                    activation_code: e.activation_code,
                    provider_ref: e.provider_ref,
                })
                .collect();
            Ok(record(&with_codes, StateChange::default())?)
        }
        Err(e) => {
            tracing::warn!(
                order = reference,
                error = e.code(),
                "activation codes not fetched yet"
            );
            Ok(order)
        }
    }
}

/// The eSIMs an order delivers: those it produced, and for a top-up the eSIM it went on.
pub(crate) fn delivered_esims(
    desk: &Desk,
    order: &JournaledOrder,
) -> Result<Vec<DeliveredEsim>, AppError> {
    let mut held = desk.store().esims_of_order(&order.order.client_reference)?;
    if order.order.kind == OrderKind::TopUp
        && let Some(iccid) = order.order.lines.first().and_then(|l| l.iccid.as_ref())
        && !held.iter().any(|e| e.esim.iccid == *iccid)
        && let Some(target) = desk.store().esim(iccid)?
    {
        held.insert(0, target);
    }
    Ok(held
        .into_iter()
        .map(|e| DeliveredEsim {
            iccid_problem: e.esim.iccid.problem().map(|p| p.to_string()),
            iccid: e.esim.iccid.to_string(),
            code: e.esim.activation_code.as_ref().map(CodeReport::of),
            instructions: None,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use esimdesk_core::Currency;

    fn usd(minor: i64) -> Money {
        Money::from_minor(minor, Currency::parse("USD").unwrap())
    }

    #[test]
    fn the_provider_may_charge_the_quote_or_less() {
        assert!(price_rule(usd(330), usd(330)).is_ok());
        assert!(price_rule(usd(330), usd(300)).is_ok());
        assert!(matches!(
            price_rule(usd(330), usd(331)),
            Err(AppError::PriceChanged { .. })
        ));
        let eur = Money::from_minor(300, Currency::parse("EUR").unwrap());
        assert!(price_rule(usd(330), eur).is_err());
    }

    #[test]
    fn a_dry_run_is_used_once_for_the_same_sale_only() {
        let purchases = Purchases::default();
        let request = |code: &str, quantity| OrderRequest {
            client_reference: "desk-1".into(),
            lines: vec![esimdesk_providers::RequestLine {
                offering_code: code.into(),
                quantity,
            }],
            quoted_total: usd(330),
            customer: None,
            payment_reference: None,
            sale_country: None,
            draft: None,
            push_to_iphone: None,
        };
        let priced = Priced {
            total: usd(165),
            draft: Some("cart-1".into()),
        };
        let id = purchases.remember_dry_run("go", "esim_1GB", 1, priced.clone());
        assert_eq!(
            purchases.take_dry_run(&id, &request("esim_2GB", 1), "go"),
            None
        );
        let id = purchases.remember_dry_run("go", "esim_1GB", 1, priced.clone());
        assert_eq!(
            purchases.take_dry_run(&id, &request("esim_1GB", 2), "go"),
            None
        );
        let id = purchases.remember_dry_run("go", "esim_1GB", 1, priced.clone());
        assert_eq!(
            purchases.take_dry_run(&id, &request("esim_1GB", 1), "go"),
            Some(priced),
            "the draft the agent was shown is the one submitted"
        );
        assert_eq!(
            purchases.take_dry_run(&id, &request("esim_1GB", 1), "go"),
            None
        );
    }

    #[test]
    fn a_reference_is_claimed_once_at_a_time() {
        let purchases = Purchases::default();
        let guard = purchases.claim("desk-7").unwrap();
        assert!(purchases.is_in_flight("desk-7"));
        assert!(matches!(
            purchases.claim("desk-7"),
            Err(AppError::CheckoutInProgress(_))
        ));
        drop(guard);
        assert!(purchases.claim("desk-7").is_ok());
    }
}
