//! Top-ups: another package on an eSIM the desk sold, as an order of kind `top_up` whose line
//! names the eSIM. It runs through [`crate::purchase`] exactly like a sale.

use std::collections::HashSet;

use esimdesk_core::{Country, Iccid, Order, OrderKind, OrderLine, OrderState};
use esimdesk_providers::{CatalogueQuery, EsimHandle, TopUpRequest};
use esimdesk_store::{SearchQuery, StoredEsim};
use serde::Deserialize;
use time::OffsetDateTime;
use ts_rs::TS;

use crate::AppError;
use crate::checkout::{CheckoutOutcome, CheckoutStep, cached_offering, not_sent, reference_for};
use crate::desk::Desk;
use crate::purchase::{self, Plan, Spend};
use crate::views::SearchHit;

/// At most this many top-up offerings are listed.
pub const MAX_TOP_UP_OFFERINGS: usize = 200;

/// A top-up as the eSIM screen sends it (fields in camelCase, like the command arguments).
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct TopUpInput {
    pub iccid: String,
    /// Only for an eSIM this desk does not hold (sold elsewhere): the account to buy through.
    /// For one it holds, the eSIM's own account is used, and another one is refused.
    pub account_id: Option<String>,
    pub offering_code: String,
    pub payment_reference: Option<String>,
    /// Taken when the top-up screen opens ([`crate::checkout::new_client_reference`]); generated
    /// when absent. Reusing one is refused.
    pub client_reference: Option<String>,
}

fn held_esim(desk: &Desk, iccid: &Iccid) -> Result<StoredEsim, AppError> {
    desk.store()
        .esim(iccid)?
        .ok_or_else(|| AppError::UnknownEsim(iccid.to_string()))
}

/// The countries of the package the eSIM was sold with: its order's offering, else its first
/// package's, looked up in the cached catalogue. `None` when neither is known any more.
fn original_countries(desk: &Desk, esim: &StoredEsim) -> Result<Option<Vec<Country>>, AppError> {
    let store = desk.store();
    let mut codes = Vec::new();
    if let Some(reference) = &esim.order_reference
        && let Some(order) = store.order(reference)?
    {
        codes.extend(order.order.lines.into_iter().map(|l| l.offering_code));
    }
    codes.extend(esim.esim.packages.iter().map(|p| p.offering_code.clone()));
    for code in codes {
        if let Some(hit) = store.offering(&esim.account_id, &code)?
            && !hit.offering.countries.is_empty()
        {
            return Ok(Some(hit.offering.countries));
        }
    }
    Ok(None)
}

/// Packages that can be added to this eSIM, cheapest first, from the local catalogue: offerings
/// of the eSIM's own account, sold as top-ups, covering every country of the package it was sold
/// with. When that package is no longer known, the provider is asked (online) and its answer is
/// priced from the local catalogue.
pub async fn top_up_offerings(desk: &Desk, iccid: &str) -> Result<Vec<SearchHit>, AppError> {
    let iccid = desk.held_iccid(iccid)?;
    let held = held_esim(desk, &iccid)?;
    let account = desk
        .store()
        .account(&held.account_id)?
        .ok_or_else(|| AppError::UnknownAccount(held.account_id.clone()))?;
    if !desk.capabilities(&account)?.top_up {
        return Err(AppError::Provider(
            esimdesk_providers::ProviderError::Unsupported {
                provider: account.provider.display_name(),
                operation: "top-ups",
            },
        ));
    }
    if let Some(countries) = original_countries(desk, &held)? {
        return local_top_ups(desk, &held, &countries);
    }
    let provider = desk.provider(&held.account_id)?;
    let offered = provider
        .top_up_offerings(&handle(&held), &CatalogueQuery::all())
        .await?;
    let mut hits = Vec::new();
    for o in offered {
        if let Some(hit) = desk.store().offering(&held.account_id, &o.code)?
            && hit.offering.top_up
        {
            hits.push(hit);
        }
    }
    hits.sort_by_key(|h| h.retail.minor());
    hits.truncate(MAX_TOP_UP_OFFERINGS);
    Ok(hits.into_iter().map(Into::into).collect())
}

fn local_top_ups(
    desk: &Desk,
    held: &StoredEsim,
    countries: &[Country],
) -> Result<Vec<SearchHit>, AppError> {
    let Some(first) = countries.first() else {
        return Ok(Vec::new());
    };
    let wanted: HashSet<Country> = countries.iter().copied().collect();
    let hits = desk.store().search(&SearchQuery {
        destination: Some(first.as_str().to_owned()),
        provider: Some(held.esim.provider),
        // The store's most per search: every offering of a busy country.
        limit: 1_000,
        ..SearchQuery::default()
    })?;
    Ok(hits
        .into_iter()
        .filter(|h| {
            h.account_id == held.account_id
                && h.offering.top_up
                && wanted.iter().all(|c| h.offering.countries.contains(c))
        })
        .take(MAX_TOP_UP_OFFERINGS)
        .map(Into::into)
        .collect())
}

fn handle(esim: &StoredEsim) -> EsimHandle {
    EsimHandle {
        iccid: esim.esim.iccid.clone(),
        provider_ref: esim.provider_ref.clone(),
    }
}

/// Adds a package to an eSIM through the purchase protocol ([`crate::purchase`]): journal →
/// the package-fits check and dry run (where the provider has them) → submitted → purchase →
/// the answer recorded. Every error says whether money may have moved.
pub async fn top_up(
    desk: &Desk,
    input: TopUpInput,
    on_step: &(dyn Fn(CheckoutStep) + Send + Sync),
) -> Result<CheckoutOutcome, AppError> {
    let given = input.client_reference.clone();
    let plan = plan(desk, input).map_err(|e| not_sent(given.as_deref(), e))?;
    let done = purchase::run(desk, plan, on_step).await?;
    Ok(CheckoutOutcome {
        order: done.order.into(),
        esims: done.esims,
    })
}

fn plan(desk: &Desk, input: TopUpInput) -> Result<Plan, AppError> {
    let iccid = desk.held_iccid(&input.iccid)?;
    let held = desk.store().esim(&iccid)?;
    let given = input
        .account_id
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty());
    let account_id = match (&held, given) {
        (Some(h), Some(a)) if a != h.account_id => {
            return Err(AppError::InvalidInput {
                field: "account".into(),
                message: format!(
                    "eSIM {iccid} was sold through account '{}', not '{a}'",
                    h.account_id
                ),
            });
        }
        (Some(h), _) => h.account_id.clone(),
        (None, Some(a)) => a.to_owned(),
        (None, None) => return Err(AppError::UnknownEsim(iccid.to_string())),
    };
    let hit = cached_offering(desk, &account_id, &input.offering_code)?;
    if !hit.offering.top_up {
        return Err(AppError::InvalidInput {
            field: "package".into(),
            message: format!(
                "{} is sold only with a new eSIM, not as a top-up",
                hit.offering.code
            ),
        });
    }
    let provider = desk.provider(&account_id)?;
    if !provider.capabilities().top_up {
        return Err(provider.unsupported("top-ups").into());
    }
    let client_reference = reference_for(input.client_reference.as_deref())?;
    let order = Order {
        client_reference: client_reference.clone(),
        provider: hit.offering.provider,
        kind: OrderKind::TopUp,
        lines: vec![OrderLine {
            offering_code: hit.offering.code.clone(),
            quantity: 1,
            unit_cost: hit.offering.cost,
            unit_retail: hit.retail,
            iccid: Some(iccid.clone()),
        }],
        // The eSIM already names its customer.
        customer: None,
        payment_reference: input.payment_reference.clone(),
        state: OrderState::Journaled,
        provider_reference: None,
        created_at: OffsetDateTime::now_utc(),
    };
    let request = TopUpRequest {
        client_reference,
        esim: EsimHandle {
            iccid,
            provider_ref: held.as_ref().and_then(|h| h.provider_ref.clone()),
        },
        offering_code: hit.offering.code.clone(),
        quoted_total: hit.offering.cost,
        payment_reference: input.payment_reference,
        draft: None,
        sale_country: desk.store().desk_settings()?.country,
    };
    Ok(Plan {
        account_id,
        provider,
        order,
        spend: Spend::TopUp { request },
    })
}
