//! Desk settings, markup rules and exchange rates.

use esimdesk_app::rates::{self, RateInput, RatesImported};
use esimdesk_app::{DeskSettings, ExchangeRate, MarkupRule, MarkupScope};
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

#[tauri::command]
pub async fn exchange_rates(
    state: State<'_, DeskState>,
) -> Result<Vec<ExchangeRate>, ErrorPayload> {
    let desk = state.desk.clone();
    blocking(move || rates::exchange_rates(&desk)).await
}

#[tauri::command]
pub async fn set_exchange_rate(
    state: State<'_, DeskState>,
    input: RateInput,
) -> Result<ExchangeRate, ErrorPayload> {
    let desk = state.desk.clone();
    blocking(move || rates::set_exchange_rate(&desk, &input)).await
}

#[tauri::command]
pub async fn remove_exchange_rate(
    state: State<'_, DeskState>,
    from: String,
    to: String,
) -> Result<(), ErrorPayload> {
    let desk = state.desk.clone();
    blocking(move || rates::remove_exchange_rate(&desk, &from, &to)).await
}

#[tauri::command]
pub async fn import_exchange_rates(
    state: State<'_, DeskState>,
    csv: String,
) -> Result<RatesImported, ErrorPayload> {
    let desk = state.desk.clone();
    blocking(move || rates::import_csv(&desk, &csv)).await
}
