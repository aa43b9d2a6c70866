//! Selling a new eSIM: the checkout's input, its dry run and its outcome. The purchase itself
//! runs through [`crate::purchase`], the one protocol every spending order follows.

use esimdesk_core::{Customer, Order, OrderKind, OrderLine, OrderState};
use esimdesk_providers::OrderRequest;
use esimdesk_store::SearchHit as CachedOffering;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use ts_rs::TS;

use crate::codes::CodeReport;
use crate::desk::Desk;
use crate::purchase::{self, Plan, Spend};
use crate::views::{CustomerView, JournaledOrder, SearchHit};
use crate::{AppError, money};

/// A sale as the checkout screen sends it (fields in camelCase, like the command arguments).
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutInput {
    pub account_id: String,
    pub offering_code: String,
    pub quantity: u32,
    pub customer: Option<CustomerView>,
    pub payment_reference: Option<String>,
    /// The desk's own reference ([`new_client_reference`], taken when the checkout screen
    /// opens); generated when absent. Reusing one is refused.
    pub client_reference: Option<String>,
    /// The dry run the agent was shown ([`Validation::dry_run_id`]): reused when still fresh,
    /// so a sale makes one dry run, not two.
    #[serde(default)]
    pub dry_run_id: Option<String>,
    /// The customer's language (ISO 639-1, e.g. `es`) for the provider's installation steps on
    /// the voucher, where the provider words them; English when absent.
    #[serde(default)]
    pub language: Option<String>,
}

/// The name the CLI knows it by.
pub type CheckoutRequest = CheckoutInput;

/// A checkout milestone as the window hears it (the checkout progress event), for the order it
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
#[serde(rename_all = "camelCase")]
pub struct Validation {
    pub offering: SearchHit,
    pub quantity: u32,
    /// What the cached catalogue says the desk pays.
    pub quoted_cost: esimdesk_core::Money,
    /// What the provider says it will charge now, where it has a dry run.
    pub provider_total: Option<esimdesk_core::Money>,
    /// What the customer pays.
    pub retail_total: esimdesk_core::Money,
    /// Hand it back with the checkout ([`CheckoutInput::dry_run_id`]) so the sale does not ask
    /// the provider again; `None` where the provider has no dry run.
    pub dry_run_id: Option<String>,
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
    /// The provider accepted the order and is preparing the eSIM (asynchronous providers): the
    /// desk is waiting for it.
    Provisioning,
    /// The order's state is recorded.
    Recorded,
    /// The eSIMs and their activation codes are saved.
    Delivered,
}

/// An eSIM ready to hand over.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct DeliveredEsim {
    pub iccid: String,
    /// Why the ICCID fails the desk's check, for one the provider issued that way (kept as
    /// issued, flagged on the voucher screen); `None` for a valid one.
    pub iccid_problem: Option<String>,
    /// Absent when the provider has not issued it yet (asynchronous providers).
    pub code: Option<CodeReport>,
    /// The provider's installation steps in the customer's language, where it words them.
    pub instructions: Option<crate::instructions::InstallSteps>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutOutcome {
    pub order: JournaledOrder,
    pub esims: Vec<DeliveredEsim>,
}

pub(crate) fn cached_offering(
    desk: &Desk,
    account_id: &str,
    code: &str,
) -> Result<CachedOffering, AppError> {
    desk.store()
        .offering(account_id, code)?
        .ok_or_else(|| AppError::NotInCatalogue {
            account: account_id.to_owned(),
            code: code.to_owned(),
        })
}

/// eSIMs one sale may buy: eSIM Go answers up to 5 inline and processes more asynchronously
/// (esimgo.md §6.1, "the desk only ever orders quantity 1–5").
pub const MAX_QUANTITY: u32 = 5;

pub(crate) fn check_quantity(quantity: u32) -> Result<(), AppError> {
    if quantity == 0 || quantity > MAX_QUANTITY {
        return Err(AppError::InvalidInput {
            field: "quantity".into(),
            message: format!("must be between 1 and {MAX_QUANTITY}"),
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
    let (provider_total, dry_run_id) = if provider.capabilities().validate_order {
        // A reference of its own: a provider keying the draft it leaves by reference (Telness's
        // idempotency key) must not see two different dry runs under one key.
        let request = OrderRequest {
            client_reference: format!("dry-run-{}", uuid::Uuid::new_v4().simple()),
            lines: vec![esimdesk_providers::RequestLine {
                offering_code: offering_code.to_owned(),
                quantity,
            }],
            quoted_total: quoted_cost,
            customer: None,
            payment_reference: None,
            sale_country: None,
            draft: None,
            push_to_iphone: None,
        };
        let priced: purchase::Priced = provider.validate_order(&request).await?.into();
        let total = priced.total;
        let id = desk
            .purchases()
            .remember_dry_run(account_id, offering_code, quantity, priced);
        (Some(total), Some(id))
    } else {
        (None, None)
    };
    Ok(Validation {
        offering: hit.into(),
        quantity,
        quoted_cost,
        provider_total,
        retail_total,
        dry_run_id,
    })
}

/// A fresh client reference (`desk-` and 12 hex digits). The checkout screen takes one when it
/// opens, so a double click or a retry of the same sale carries the same reference and the
/// journal refuses the second purchase.
pub fn new_client_reference() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("desk-{}", &id[..12])
}

/// The reference an order will be journaled under: the one given (trimmed), or a new one.
/// An empty one is refused before anything is written.
pub(crate) fn reference_for(given: Option<&str>) -> Result<String, AppError> {
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
    // A reference used before is refused by the journal itself (atomically, and with what it
    // means for the money: see `purchase::run`).
    Ok(reference)
}

/// Sells one offering through the purchase protocol ([`crate::purchase`]). `on_step` hears each
/// milestone after it is durable. Every error says whether money may have moved.
pub async fn checkout(
    desk: &Desk,
    request: CheckoutRequest,
    on_step: &(dyn Fn(CheckoutStep) + Send + Sync),
) -> Result<CheckoutOutcome, AppError> {
    let given = request.client_reference.clone();
    let account_id = request.account_id.clone();
    let language = crate::instructions::language_or_default(request.language.as_deref());
    let plan = plan(desk, request).map_err(|e| not_sent(given.as_deref(), e))?;
    let mut done = purchase::run(desk, plan, on_step).await?;
    crate::instructions::attach(desk, &account_id, &mut done.esims, &language).await;
    Ok(CheckoutOutcome {
        order: done.order.into(),
        esims: done.esims,
    })
}

/// A provider that registers each eSIM to the traveller needs their name and email; asked
/// before anything is journaled, so a missing one changes nothing.
fn check_registered_customer(
    provider: esimdesk_core::ProviderKind,
    customer: Option<&CustomerView>,
) -> Result<(), AppError> {
    let given = |f: Option<&str>| f.is_some_and(|v| !v.trim().is_empty());
    let missing = match customer {
        None => Some("name"),
        Some(c) if !given(Some(&c.name)) => Some("name"),
        Some(c) if !given(c.email.as_deref()) => Some("email"),
        Some(_) => None,
    };
    match missing {
        Some(field) => Err(AppError::InvalidInput {
            field: format!("customer's {field}"),
            message: format!(
                "{} registers each eSIM to the traveller: give their name and email",
                provider.display_name()
            ),
        }),
        None => Ok(()),
    }
}

/// An error before anything was journaled: nothing was sent.
pub(crate) fn not_sent(reference: Option<&str>, error: AppError) -> AppError {
    AppError::Purchase {
        client_reference: reference.unwrap_or_default().to_owned(),
        money_moved: crate::MoneyMoved::NotSent,
        error: Box::new(error),
    }
}

fn plan(desk: &Desk, request: CheckoutRequest) -> Result<Plan, AppError> {
    check_quantity(request.quantity)?;
    let hit = cached_offering(desk, &request.account_id, &request.offering_code)?;
    let provider = desk.provider(&request.account_id)?;
    if provider.capabilities().requires_customer {
        check_registered_customer(provider.kind(), request.customer.as_ref())?;
    }
    let client_reference = reference_for(request.client_reference.as_deref())?;
    let order = Order {
        client_reference,
        provider: hit.offering.provider,
        kind: OrderKind::NewEsim,
        lines: vec![OrderLine {
            offering_code: hit.offering.code.clone(),
            quantity: request.quantity,
            unit_cost: hit.offering.cost,
            unit_retail: hit.retail,
            iccid: None,
        }],
        customer: request.customer.map(Customer::try_from).transpose()?,
        payment_reference: request.payment_reference,
        state: OrderState::Journaled,
        provider_reference: None,
        created_at: OffsetDateTime::now_utc(),
    };
    let mut wire_request = OrderRequest::from_order(&order).map_err(money)?;
    wire_request.sale_country = desk.store().desk_settings()?.country;
    // A provider that pushes the profile to an iPhone by its EID does so when the customer gave
    // the EID of a phone they named as an iPhone (the QR code comes as well).
    if provider.capabilities().eid_push_install {
        wire_request.push_to_iphone = order.customer.as_ref().and_then(|c| {
            let iphone = c
                .device_model
                .as_deref()
                .is_some_and(|m| m.to_lowercase().contains("iphone"));
            c.eid.clone().filter(|_| iphone)
        });
    }
    Ok(Plan {
        account_id: request.account_id,
        provider,
        order,
        spend: Spend::NewEsim {
            request: wire_request,
            dry_run_id: request.dry_run_id,
        },
    })
}
