//! Catalogues: sync (with `sync-progress` events), destination suggestions, search.

use esimdesk_app::ErrorPayload;
use esimdesk_app::catalogue::{self, AccountSync, SearchInput};
use esimdesk_app::{Destination, SearchHit};
use tauri::{AppHandle, Runtime, State};

use crate::ipc::SYNC_PROGRESS;
use crate::state::{DeskState, blocking, blocking_async, emit};

/// Suggestions shown under the destination box.
const SUGGESTIONS: usize = 8;

#[tauri::command]
pub async fn sync_catalogues<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, DeskState>,
) -> Result<Vec<AccountSync>, ErrorPayload> {
    let desk = state.desk.clone();
    blocking_async(move || async move {
        catalogue::sync_all(&desk, &|p| emit(&app, SYNC_PROGRESS, p)).await
    })
    .await
}

#[tauri::command]
pub async fn suggest_destinations(
    state: State<'_, DeskState>,
    prefix: String,
) -> Result<Vec<Destination>, ErrorPayload> {
    let desk = state.desk.clone();
    blocking(move || catalogue::suggest_destinations(&desk, &prefix, SUGGESTIONS)).await
}

/// A search as the agent typed it: sizes and prices are text, read by the app (core's parsers,
/// the desk's currency and its decimals).
#[tauri::command]
pub async fn search(
    state: State<'_, DeskState>,
    input: SearchInput,
) -> Result<Vec<SearchHit>, ErrorPayload> {
    let desk = state.desk.clone();
    blocking(move || catalogue::search_input(&desk, &input)).await
}
