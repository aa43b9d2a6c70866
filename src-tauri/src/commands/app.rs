//! The app itself: about, status, diagnostics.

use esimdesk_app::status::{self, AppStatus};
use esimdesk_app::{AppInfo, ErrorPayload, diagnostics};
use std::sync::atomic::{AtomicBool, Ordering};

use tauri::{AppHandle, Runtime, State};

use crate::state::{DeskState, blocking};

/// The window's first screen is drawn and its destination box takes input: logs the start-up
/// time, once. With `ESIMDESK_EXIT_WHEN_READY=1` the app then prints it and quits — how
/// `cargo xtask bench` measures a cold start.
#[tauri::command]
pub fn ui_ready<R: Runtime>(app: AppHandle<R>) {
    static LOGGED: AtomicBool = AtomicBool::new(false);
    if LOGGED.swap(true, Ordering::SeqCst) {
        return;
    }
    let startup_ms = crate::since_start().as_secs_f64() * 1000.0;
    tracing::info!(startup_ms = format!("{startup_ms:.0}"), "ready for input");
    if std::env::var(EXIT_WHEN_READY_ENV).is_ok_and(|v| v.trim() == "1") {
        println!("ready for input after {startup_ms:.1} ms");
        app.exit(0);
    }
}

/// Quits and starts the app again: how a desk leaves demo mode once a real account was added.
/// The single-instance lock is released in Tauri's exit clean-up, before the new process starts.
#[tauri::command]
pub fn restart<R: Runtime>(app: AppHandle<R>) {
    tracing::info!("restart asked for from the window");
    app.request_restart();
}

/// `1`: quit as soon as the window is ready for input (start-up benchmarks).
pub const EXIT_WHEN_READY_ENV: &str = "ESIMDESK_EXIT_WHEN_READY";

#[tauri::command]
pub fn app_info() -> AppInfo {
    esimdesk_app::about()
}

#[tauri::command]
pub async fn status(state: State<'_, DeskState>) -> Result<AppStatus, ErrorPayload> {
    let desk = state.desk.clone();
    let demo = state.is_demo();
    let mut s = blocking(move || status::status_now(&desk, demo)).await?;
    s.restart_to_leave_demo = demo && state.real_account_added();
    Ok(s)
}

/// Version, OS and the redacted end of the newest log, for "Copy diagnostics".
#[tauri::command]
pub async fn diagnostics(state: State<'_, DeskState>) -> Result<String, ErrorPayload> {
    let dir = state.log_dir.clone();
    blocking(move || Ok(diagnostics::diagnostics(&dir))).await
}
