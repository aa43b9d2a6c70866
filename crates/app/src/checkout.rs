//! Selling: journal → validate → submit → activation code. The order's intent is committed
//! before the provider hears of it, every step is a journal row, and a purchase whose reply is
//! lost is left "unknown" for reconciliation — never sent twice.

use esimdesk_core::{Customer, Esim, Order, OrderKind, OrderLine, OrderState, ProfileStatus};
use esimdesk_providers::{IssuedEsim, OrderRequest, OrderStatus, PlacedOrder, ProviderError};
use esimdesk_store::{JournaledOrder, SearchHit, StateChange, StoredEsim};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use ts_rs::TS;

use crate::AppError;
use crate::codes::CodeReport;
use crate::desk::Desk;

/// A sale as the checkout screen sends it (fields in camelCase, like the command arguments).
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutInput {
    pub account_id: String,
    pub offering_code: String,
    pub quantity: u32,
    pub customer: Option<Customer>,
    pub payment_reference: Option<String>,
    /// The desk's own reference ([`new_client_reference`], taken when the checkout screen
    /// opens); generated when absent. Reusing one is refused.
    pub client_reference: Option<String>,
}

/// The name the CLI knows it by.
pub type CheckoutRequest = CheckoutInput;

/// A checkout milestone as the window hears it (event `checkout-progress`), for the order it
/// belongs to. Top-ups report on the same event.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutProgress {
    pub client_reference: String,
    pub step: CheckoutStep,
}

/// The provider's dry run: what it will charge, beside what the desk quoted.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Validation {
    pub offering: SearchHit,
    pub quantity: u32,
    /// What the cached catalogue says the desk pays.
    pub quoted_cost: esimdesk_core::Money,
    /// What the provider says it will charge now, where it has a dry run.
    pub provider_total: Option<esimdesk_core::Money>,
    /// What the customer pays.
    pub retail_total: esimdesk_core::Money,
}

/// The milestones of a checkout, for progress and for the crash tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum CheckoutStep {
    /// The intent is in the journal; nothing sent.
    Journaled,
    /// The provider's dry run accepted the price.
    Validated,
    /// The journal says "sent"; the purchase request goes out next.
    Submitting,
    /// The provider answered; the answer is about to be recorded.
    Answered,
    /// The order's state is recorded.
    Recorded,
    /// The eSIMs and their activation codes are saved.
    Delivered,
}

/// An eSIM ready to hand over.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct DeliveredEsim {
    pub iccid: String,
    /// Absent when the provider has not issued it yet (asynchronous providers).
    pub code: Option<CodeReport>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct CheckoutOutcome {
    pub order: JournaledOrder,
    pub esims: Vec<DeliveredEsim>,
}

pub(crate) fn cached_offering(
    desk: &Desk,
    account_id: &str,
    code: &str,
) -> Result<SearchHit, AppError> {
    desk.store()
        .offering(account_id, code)?
        .ok_or_else(|| AppError::NotInCatalogue {
            account: account_id.to_owned(),
            code: code.to_owned(),
        })
}

pub(crate) fn check_quantity(quantity: u32) -> Result<(), AppError> {
    if quantity == 0 || quantity > 50 {
        return Err(AppError::InvalidInput {
            field: "quantity".into(),
            message: "must be between 1 and 50".into(),
        });
    }
    Ok(())
}

/// Asks the provider what it would charge, buying nothing.
pub async fn validate(
    desk: &Desk,
    account_id: &str,
    offering_code: &str,
    quantity: u32,
) -> Result<Validation, AppError> {
    check_quantity(quantity)?;
    let hit = cached_offering(desk, account_id, offering_code)?;
    let quoted_cost = hit
        .offering
        .cost
        .checked_mul(i64::from(quantity))
        .map_err(money)?;
    let retail_total = hit.retail.checked_mul(i64::from(quantity)).map_err(money)?;
    let provider = desk.provider(account_id)?;
    let provider_total = if provider.capabilities().validate_order {
        let request = OrderRequest {
            client_reference: "validate-only".into(),
            lines: vec![esimdesk_providers::RequestLine {
                offering_code: offering_code.to_owned(),
                quantity,
            }],
            quoted_total: quoted_cost,
            customer: None,
            payment_reference: None,
            sale_country: None,
        };
        Some(provider.validate_order(&request).await?.total)
    } else {
        None
    };
    Ok(Validation {
        offering: hit,
        quantity,
        quoted_cost,
        provider_total,
        retail_total,
    })
}

pub(crate) fn money(e: esimdesk_core::MoneyError) -> AppError {
    AppError::InvalidInput {
        field: "amount".into(),
        message: e.to_string(),
    }
}

/// A fresh client reference (`desk-` and 12 hex digits). The checkout screen takes one when it
/// opens, so a double click or a retry of the same sale carries the same reference and the
/// journal refuses the second purchase.
pub fn new_client_reference() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("desk-{}", &id[..12])
}

/// The reference an order will be journaled under: the one given (trimmed), or a new one.
/// An empty one, or one the journal already holds, is refused before anything is written.
pub(crate) fn reference_for(desk: &Desk, given: Option<&str>) -> Result<String, AppError> {
    let reference = match given.map(str::trim) {
        Some(r) if !r.is_empty() => r.to_owned(),
        Some(_) => {
            return Err(AppError::InvalidInput {
                field: "client reference".into(),
                message: "is empty".into(),
            });
        }
        None => new_client_reference(),
    };
    if desk.store().order(&reference)?.is_some() {
        return Err(AppError::DuplicateReference(reference));
    }
    Ok(reference)
}

/// Sells one offering: journal, dry run, purchase, activation codes. `on_step` hears each
/// milestone after it is durable.
pub async fn checkout(
    desk: &Desk,
    request: CheckoutRequest,
    on_step: &(dyn Fn(CheckoutStep) + Send + Sync),
) -> Result<CheckoutOutcome, AppError> {
    check_quantity(request.quantity)?;
    let hit = cached_offering(desk, &request.account_id, &request.offering_code)?;
    let provider = desk.provider(&request.account_id)?;
    let store = desk.store();
    let actor = &desk.actor();
    let client_reference = reference_for(desk, request.client_reference.as_deref())?;

    let order = Order {
        client_reference: client_reference.clone(),
        provider: hit.offering.provider,
        kind: OrderKind::NewEsim,
        lines: vec![OrderLine {
            offering_code: hit.offering.code.clone(),
            quantity: request.quantity,
            unit_cost: hit.offering.cost,
            unit_retail: hit.retail,
            iccid: None,
        }],
        customer: request.customer.clone(),
        payment_reference: request.payment_reference.clone(),
        state: OrderState::Journaled,
        provider_reference: None,
        created_at: OffsetDateTime::now_utc(),
    };
    let wire_request = OrderRequest::from_order(&order).map_err(money)?;
    journal(desk, &order, &request.account_id)?;
    on_step(CheckoutStep::Journaled);

    let record = |to: OrderState, detail: Option<String>, provider_reference: Option<String>| {
        store.record_order_state(
            &client_reference,
            to,
            &StateChange {
                detail,
                provider_reference,
            },
            actor,
        )
    };

    if provider.capabilities().validate_order {
        match provider.validate_order(&wire_request).await {
            Ok(validated) => {
                if validated
                    .total
                    .compare(wire_request.quoted_total)
                    .map_err(money)?
                    == std::cmp::Ordering::Greater
                {
                    record(
                        OrderState::Failed,
                        Some(format!(
                            "price changed: quoted {}, provider wants {}",
                            wire_request.quoted_total, validated.total
                        )),
                        None,
                    )?;
                    return Err(AppError::PriceChanged {
                        quoted: wire_request.quoted_total,
                        validated: validated.total,
                    });
                }
                record(
                    OrderState::Validated,
                    Some(format!("provider total {}", validated.total)),
                    None,
                )?;
                on_step(CheckoutStep::Validated);
            }
            Err(e) => return Err(refused(desk, &client_reference, e)?),
        }
    }

    record(OrderState::Submitted, Some("purchase sent".into()), None)?;
    on_step(CheckoutStep::Submitting);
    tracing::info!(order = %client_reference, account = %request.account_id, "purchase sent");

    let placed = match provider.place_order(&wire_request).await {
        Ok(placed) => placed,
        Err(e) if is_outcome_unknown(&e) => {
            record(OrderState::Unknown, Some(e.to_string()), None)?;
            tracing::warn!(order = %client_reference, error = e.code(), "purchase outcome unknown");
            return Err(AppError::OutcomeUnknown { client_reference });
        }
        Err(e) => return Err(refused(desk, &client_reference, e)?),
    };
    on_step(CheckoutStep::Answered);
    let esims = settle(
        desk,
        &request.account_id,
        &client_reference,
        placed,
        request.customer.as_ref(),
    )
    .await?;
    on_step(CheckoutStep::Delivered);
    let order = store.order(&client_reference)?.ok_or_else(|| {
        AppError::Store(esimdesk_store::StoreError::NotFound(
            client_reference.clone(),
        ))
    })?;
    Ok(CheckoutOutcome { order, esims })
}

/// Commits an order's intent. A reference another window journaled a moment ago is refused as a
/// duplicate, like one journaled long ago.
pub(crate) fn journal(desk: &Desk, order: &Order, account_id: &str) -> Result<(), AppError> {
    desk.store()
        .journal_order(order, account_id, &desk.actor())
        .map_err(|e| match e {
            esimdesk_store::StoreError::DuplicateReference(r) => AppError::DuplicateReference(r),
            other => AppError::Store(other),
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
pub(crate) fn refused(
    desk: &Desk,
    client_reference: &str,
    e: ProviderError,
) -> Result<AppError, AppError> {
    desk.store().record_order_state(
        client_reference,
        OrderState::Failed,
        &StateChange {
            detail: Some(e.to_string()),
            provider_reference: None,
        },
        &desk.actor(),
    )?;
    Ok(match e {
        ProviderError::PriceChanged { quoted, validated } => {
            AppError::PriceChanged { quoted, validated }
        }
        source => AppError::Refused {
            client_reference: client_reference.to_owned(),
            source,
        },
    })
}

/// Records what the provider says of an order (from the purchase reply or from reconciliation)
/// and saves its eSIMs with their activation codes.
///
/// A top-up lands on an eSIM the desk already holds: that eSIM's record (its packages, status,
/// original order and customer) is left as it is, and it is what the top-up delivers. An eSIM the
/// provider minted instead (a package that could not land) is saved like a new sale's, for the
/// same customer.
pub(crate) async fn settle(
    desk: &Desk,
    account_id: &str,
    client_reference: &str,
    placed: PlacedOrder,
    customer: Option<&Customer>,
) -> Result<Vec<DeliveredEsim>, AppError> {
    let store = desk.store();
    let journaled = store.order(client_reference)?;
    let to = placed.status.order_state();
    let detail = match &placed.status {
        OrderStatus::Failed { reason } => reason.clone(),
        _ => placed.total.map(|t| format!("charged {t}")),
    };
    let current = journaled
        .as_ref()
        .map(|o| o.order.state)
        .unwrap_or(OrderState::Unknown);
    if current != to {
        store.record_order_state(
            client_reference,
            to,
            &StateChange {
                detail,
                provider_reference: Some(placed.provider_reference.clone()),
            },
            &desk.actor(),
        )?;
    }
    if to != OrderState::Completed {
        return Ok(Vec::new());
    }
    let kind = journaled
        .as_ref()
        .map(|j| j.order.kind)
        .unwrap_or(placed.kind);
    let target = match kind {
        OrderKind::TopUp => journaled
            .as_ref()
            .and_then(|j| j.order.lines.first())
            .and_then(|l| l.iccid.clone())
            .map(|iccid| store.esim(&iccid).map(|e| (iccid, e)))
            .transpose()?,
        OrderKind::NewEsim => None,
    };

    let mut issued = placed.esims.clone();
    let held_with_code = |iccid: &esimdesk_core::Iccid| -> Result<bool, AppError> {
        Ok(store
            .esim(iccid)?
            .is_some_and(|e| e.esim.activation_code.is_some()))
    };
    let mut missing_codes = match kind {
        OrderKind::NewEsim => issued.is_empty(),
        OrderKind::TopUp => false,
    };
    for e in &issued {
        missing_codes |= e.activation_code.is_none() && !held_with_code(&e.iccid)?;
    }
    if missing_codes {
        let provider = desk.provider(account_id)?;
        match provider.activation_codes(&placed.provider_reference).await {
            Ok(delivery) => issued = delivery.esims,
            Err(e) => {
                tracing::warn!(
                    order = client_reference,
                    error = e.code(),
                    "activation codes not fetched yet"
                );
            }
        }
    }
    let customer_id = match (
        &target,
        journaled.as_ref().and_then(|j| j.customer_id),
        customer,
    ) {
        (Some((_, Some(esim))), _, _) => esim.customer_id,
        (Some(_), _, _) => None,
        (None, Some(id), _) => Some(id),
        (None, None, Some(c)) => Some(store.save_customer(c)?),
        (None, None, None) => None,
    };
    let provider_kind = desk.provider(account_id)?.kind();
    let mut delivered = Vec::new();
    for esim in issued {
        let stored = save_issued(
            desk,
            account_id,
            client_reference,
            provider_kind,
            &esim,
            customer_id,
        )?;
        delivered.push(DeliveredEsim {
            iccid: esim.iccid.to_string(),
            code: stored.esim.activation_code.as_ref().map(CodeReport::of),
        });
    }
    if let Some((iccid, held)) = target
        && !delivered.iter().any(|d| d.iccid == iccid.as_str())
    {
        delivered.insert(
            0,
            DeliveredEsim {
                iccid: iccid.to_string(),
                code: held
                    .and_then(|h| h.esim.activation_code)
                    .as_ref()
                    .map(CodeReport::of),
            },
        );
    }
    Ok(delivered)
}

/// Saves an eSIM an order produced and returns it as stored. One the desk already holds keeps
/// its record (packages, status, order, customer); only a code or provider id it lacked is added.
fn save_issued(
    desk: &Desk,
    account_id: &str,
    client_reference: &str,
    provider: esimdesk_core::ProviderKind,
    issued: &IssuedEsim,
    customer_id: Option<i64>,
) -> Result<StoredEsim, AppError> {
    if let Some(mut held) = desk.store().esim(&issued.iccid)? {
        let adds_code = held.esim.activation_code.is_none() && issued.activation_code.is_some();
        let adds_ref = held.provider_ref.is_none() && issued.provider_ref.is_some();
        if adds_code || adds_ref {
            if adds_code {
                held.esim.activation_code = issued.activation_code.clone();
            }
            if adds_ref {
                held.provider_ref = issued.provider_ref.clone();
            }
            desk.store().save_esim(&held)?;
        }
        return Ok(held);
    }
    let stored = StoredEsim {
        esim: Esim {
            iccid: issued.iccid.clone(),
            provider,
            activation_code: issued.activation_code.clone(),
            profile_status: ProfileStatus::Released,
            packages: Vec::new(),
        },
        account_id: account_id.to_owned(),
        provider_ref: issued.provider_ref.clone(),
        order_reference: Some(client_reference.to_owned()),
        customer_id,
        created_at: OffsetDateTime::now_utc(),
    };
    desk.store().save_esim(&stored)?;
    Ok(stored)
}
