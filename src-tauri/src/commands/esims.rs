//! eSIMs sold: find, detail, usage, top-up offers, revoking a package.

use esimdesk_app::cancel::{self, RevokeInput, RevokeOutcome};
use esimdesk_app::cancel_esim::{self, CancelEsimInput, CancelEsimOutcome};
use esimdesk_app::esims::{self, EsimDetail, UsageView};
use esimdesk_app::{ErrorPayload, top_up};
use esimdesk_app::{EsimSummary, SearchHit};
use tauri::State;

use crate::state::{DeskState, blocking, blocking_async};

/// Results of one eSIM search.
const FIND_LIMIT: usize = 50;

#[tauri::command]
pub async fn find_esims(
    state: State<'_, DeskState>,
    text: String,
) -> Result<Vec<EsimSummary>, ErrorPayload> {
    let desk = state.desk.clone();
    blocking(move || esims::find(&desk, &text, FIND_LIMIT)).await
}

#[tauri::command]
pub async fn esim_detail(
    state: State<'_, DeskState>,
    iccid: String,
) -> Result<EsimDetail, ErrorPayload> {
    let desk = state.desk.clone();
    blocking(move || esims::esim_detail(&desk, &iccid)).await
}

#[tauri::command]
pub async fn refresh_usage(
    state: State<'_, DeskState>,
    iccid: String,
) -> Result<UsageView, ErrorPayload> {
    let desk = state.desk.clone();
    blocking_async(move || async move { esims::refresh_usage(&desk, &iccid).await }).await
}

#[tauri::command]
pub async fn top_up_offerings(
    state: State<'_, DeskState>,
    iccid: String,
) -> Result<Vec<SearchHit>, ErrorPayload> {
    let desk = state.desk.clone();
    blocking_async(move || async move { top_up::top_up_offerings(&desk, &iccid).await }).await
}

#[tauri::command]
pub async fn cancel_esim(
    state: State<'_, DeskState>,
    input: CancelEsimInput,
) -> Result<CancelEsimOutcome, ErrorPayload> {
    let desk = state.desk.clone();
    blocking_async(move || async move { cancel_esim::cancel_esim(&desk, input, &|_| {}).await })
        .await
}

#[tauri::command]
pub async fn revoke_package(
    state: State<'_, DeskState>,
    input: RevokeInput,
) -> Result<RevokeOutcome, ErrorPayload> {
    let desk = state.desk.clone();
    blocking_async(move || async move { cancel::revoke_package(&desk, input, &|_| {}).await }).await
}
