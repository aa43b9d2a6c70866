//! The Tauri shell: window, plugins, state and thin commands over `esimdesk-app`. No business
//! logic here; each command is a call into the app crate and a mapping of its error to
//! `ErrorPayload`.
//!
//! At start: logging (daily file + stderr), then the desk — the real database and the OS
//! keychain, or demo mode (see [`demo`]) when the real database has no provider account or
//! `ESIMDESK_DEMO=1`. In the background: demo mode syncs its catalogue, and every start reconciles
//! orders a crash left unsettled.

mod commands;
mod demo;
mod ipc;
mod logging;
mod state;

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use esimdesk_app::{Desk, accounts, catalogue, os_keychain, reconcile};
use tauri::{AppHandle, Manager};

use crate::ipc::{ORDERS_RECONCILED, SYNC_PROGRESS, with_commands};
use crate::state::{DeskState, emit};

type SetupError = Box<dyn std::error::Error>;

/// When the process started (as near as Rust can tell): start-up time is measured from here.
static STARTED: OnceLock<Instant> = OnceLock::new();

pub fn run() {
    STARTED.get_or_init(Instant::now);
    let mut builder = tauri::Builder::default();
    // One window per desk database: a second launch focuses the first. With a data directory of
    // its own (ESIMDESK_DATA_DIR: tests, a second desk) an instance stands alone.
    if esimdesk_app::data_dir_override().is_none() {
        builder = builder.plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            focus_main_window(app);
        }));
    }
    let builder = builder
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_clipboard_manager::init())
        .setup(|app| {
            setup(app.handle())?;
            Ok(())
        });
    let result = with_commands(builder).run(tauri::generate_context!());
    if let Err(error) = result {
        tracing::error!(%error, "eSIM Desk could not start");
        eprintln!("eSIM Desk could not start: {error}");
        std::process::exit(1);
    }
}

/// Time since the process started.
pub(crate) fn since_start() -> std::time::Duration {
    STARTED.get_or_init(Instant::now).elapsed()
}

fn focus_main_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

fn setup(app: &AppHandle) -> Result<(), SetupError> {
    let log_dir = match esimdesk_app::data_dir_override() {
        Some(dir) => dir.join("logs"),
        None => app.path().app_log_dir()?,
    };
    logging::init(&log_dir);
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        os = std::env::consts::OS,
        "eSIM Desk starting"
    );

    let real = Desk::open(None, os_keychain())?;
    let real_db = real.database_file().to_path_buf();
    let has_accounts = !accounts::list_accounts(&real)?.is_empty();
    let (desk, sandbox) = if has_accounts && !demo::forced() {
        tracing::info!(db = %real_db.display(), "normal mode");
        (real, None)
    } else {
        drop(real);
        match tauri::async_runtime::block_on(demo::start(&real_db)) {
            Ok((desk, sandbox)) => (desk, Some(sandbox)),
            // Without its simulator the app still opens, on the real (empty) database, so a
            // real account can be added.
            Err(e) => {
                tracing::error!("demo mode could not start: {e}");
                (Desk::open(None, os_keychain())?, None)
            }
        }
    };
    let demo = sandbox.is_some();
    let desk = Arc::new(desk);
    app.manage(DeskState {
        desk: desk.clone(),
        demo: sandbox,
        real_db,
        log_dir,
        real_account_added: AtomicBool::new(false),
    });
    start_background_work(app.clone(), desk, demo);
    Ok(())
}

/// Demo mode's first catalogue sync, start-up reconciliation, then the follow-up of orders a
/// provider is still preparing; on a worker thread, so the window opens at once.
fn start_background_work(app: AppHandle, desk: Arc<Desk>, demo: bool) {
    tauri::async_runtime::spawn_blocking(move || {
        tauri::async_runtime::block_on(async {
            if demo {
                match catalogue::sync_all(&desk, &|p| emit(&app, SYNC_PROGRESS, p)).await {
                    Ok(synced) => tracing::info!(?synced, "demo catalogue synced"),
                    Err(e) => tracing::warn!(error = e.code(), "demo catalogue sync failed: {e}"),
                }
            }
            match reconcile::reconcile_on_start(&desk).await {
                Ok(settled) if !settled.is_empty() => emit(&app, ORDERS_RECONCILED, settled),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = e.code(), "start-up reconciliation failed: {e}"),
            }
            // Orders a provider is still preparing are asked about again while the desk runs,
            // and the agent told when their eSIM is ready.
            reconcile::keep_following_up(&desk, &|settled| emit(&app, ORDERS_RECONCILED, settled))
                .await;
        })
    });
}

#[cfg(test)]
mod tests;
