//! Selling: client references, the provider's dry run, checkout and top-up (with
//! `checkout-progress` events), the order list and reconciliation.

use esimdesk_app::ErrorPayload;
use esimdesk_app::JournaledOrder;
use esimdesk_app::checkout::{
    self, CheckoutInput, CheckoutOutcome, CheckoutProgress, CheckoutStep, Validation,
};
use esimdesk_app::devices::{self, DeviceCheck};
use esimdesk_app::reconcile::{self, Reconciled};
use esimdesk_app::top_up::{self, TopUpInput};
use tauri::{AppHandle, Runtime, State};

use crate::ipc::CHECKOUT_PROGRESS;
use crate::state::{DeskState, blocking, blocking_async, emit};

/// A fresh reference for the sale the checkout screen is opening.
#[tauri::command]
pub fn new_client_reference() -> String {
    checkout::new_client_reference()
}

#[tauri::command]
pub async fn validate_order(
    state: State<'_, DeskState>,
    account_id: String,
    offering_code: String,
    quantity: u32,
) -> Result<Validation, ErrorPayload> {
    let desk = state.desk.clone();
    blocking_async(move || async move {
        checkout::validate(&desk, &account_id, &offering_code, quantity).await
    })
    .await
}

/// The reference a submission runs under: the one given, trimmed, or a new one (so progress
/// events always have one).
fn reference(given: &mut Option<String>) -> String {
    let r = given
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(checkout::new_client_reference);
    *given = Some(r.clone());
    r
}

/// Sends each checkout step of one order to the window as `checkout-progress`.
fn progress_to<'a, R: Runtime>(
    app: &'a AppHandle<R>,
    client_reference: &'a str,
) -> impl Fn(CheckoutStep) + Send + Sync + 'a {
    move |step| {
        emit(
            app,
            CHECKOUT_PROGRESS,
            CheckoutProgress {
                client_reference: client_reference.to_owned(),
                step,
            },
        )
    }
}

/// Sells: refused at once if the same reference is being submitted now (a double click), and
/// by the journal if it was ever used (the purchase protocol in `esimdesk-app` guards both).
#[tauri::command]
pub async fn checkout<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, DeskState>,
    mut request: CheckoutInput,
) -> Result<CheckoutOutcome, ErrorPayload> {
    let client_reference = reference(&mut request.client_reference);
    let desk = state.desk.clone();
    blocking_async(move || async move {
        let on_step = progress_to(&app, &client_reference);
        checkout::checkout(&desk, request, &on_step).await
    })
    .await
}

/// A package added to an eSIM; same guards and events as `checkout`.
#[tauri::command]
pub async fn top_up<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, DeskState>,
    mut input: TopUpInput,
) -> Result<CheckoutOutcome, ErrorPayload> {
    let client_reference = reference(&mut input.client_reference);
    let desk = state.desk.clone();
    blocking_async(move || async move {
        let on_step = progress_to(&app, &client_reference);
        top_up::top_up(&desk, input, &on_step).await
    })
    .await
}

#[tauri::command]
pub async fn orders(
    state: State<'_, DeskState>,
    limit: u32,
) -> Result<Vec<JournaledOrder>, ErrorPayload> {
    let desk = state.desk.clone();
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    blocking(move || esimdesk_app::orders::orders(&desk, limit)).await
}

/// Settles by hand an order reconciliation could not (audited): `providerOrder` names the
/// provider order that is this sale's; without it, nothing was bought.
#[tauri::command]
pub async fn resolve_order(
    state: State<'_, DeskState>,
    client_reference: String,
    provider_order: Option<String>,
) -> Result<JournaledOrder, ErrorPayload> {
    let desk = state.desk.clone();
    blocking_async(move || async move {
        let resolution = reconcile::Resolution::from_typed(provider_order.as_deref());
        reconcile::resolve(&desk, &client_reference, resolution).await
    })
    .await
}

/// Asks the providers about unsettled orders (an order not found is failed only once the
/// provider's grace since sending has passed).
#[tauri::command]
pub async fn reconcile(state: State<'_, DeskState>) -> Result<Vec<Reconciled>, ErrorPayload> {
    let desk = state.desk.clone();
    blocking_async(
        move || async move { reconcile::reconcile(&desk, reconcile::DEFAULT_GRACE).await },
    )
    .await
}

#[tauri::command]
pub async fn check_device(
    state: State<'_, DeskState>,
    account_id: String,
    model: String,
) -> Result<Option<DeviceCheck>, ErrorPayload> {
    let desk = state.desk.clone();
    blocking_async(move || async move { devices::check_device(&desk, &account_id, &model).await })
        .await
}
