//! Desk settings and markup rules.

use esimdesk_app::{DeskSettings, MarkupRule, MarkupScope};
use esimdesk_app::{ErrorPayload, settings};
use tauri::State;

use crate::state::{DeskState, blocking};

#[tauri::command]
pub async fn set_desk_settings(
    state: State<'_, DeskState>,
    settings: DeskSettings,
) -> Result<(), ErrorPayload> {
    let desk = state.desk.clone();
    blocking(move || settings::set_desk_settings(&desk, &settings).map(|_| ())).await
}

#[tauri::command]
pub async fn markup_rules(state: State<'_, DeskState>) -> Result<Vec<MarkupRule>, ErrorPayload> {
    let desk = state.desk.clone();
    blocking(move || settings::markup_rules(&desk)).await
}

#[tauri::command]
pub async fn set_markup_rule(
    state: State<'_, DeskState>,
    rule: MarkupRule,
) -> Result<(), ErrorPayload> {
    let desk = state.desk.clone();
    blocking(move || settings::set_markup_rule(&desk, &rule)).await
}

#[tauri::command]
pub async fn remove_markup_rule(
    state: State<'_, DeskState>,
    scope: MarkupScope,
) -> Result<(), ErrorPayload> {
    let desk = state.desk.clone();
    blocking(move || settings::remove_markup_rule(&desk, scope)).await
}
