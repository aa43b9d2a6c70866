//! What every command shares: the desk (which also guards the purchases in flight), demo mode's
//! sandbox and where logs go.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use esimdesk_app::{AppError, Desk, ErrorPayload};
use esimdesk_sandbox::RunningSandbox;
use serde::Serialize;
use tauri::{AppHandle, Emitter, Runtime};

#[derive(Debug)]
pub struct DeskState {
    pub desk: Arc<Desk>,
    /// Demo mode's simulator; `None` in normal mode. Dropping it stops it.
    pub demo: Option<RunningSandbox>,
    /// The real database (demo mode keeps its own elsewhere): where a real account added during
    /// demo mode goes.
    pub real_db: PathBuf,
    pub log_dir: PathBuf,
    /// A real provider account was added during demo mode.
    pub real_account_added: AtomicBool,
}

impl DeskState {
    pub fn is_demo(&self) -> bool {
        self.demo.is_some()
    }

    pub fn mark_real_account_added(&self) {
        self.real_account_added.store(true, Ordering::SeqCst);
    }

    pub fn real_account_added(&self) -> bool {
        self.real_account_added.load(Ordering::SeqCst)
    }
}

fn crashed(e: impl std::fmt::Display) -> ErrorPayload {
    tracing::error!(error = %e, "a command's worker failed");
    ErrorPayload {
        code: "internal".into(),
        message: "eSIM Desk hit an internal error; the log has the details".into(),
        field: None,
        // Unknown, so the desk keeps the sale's reference: a retry cannot buy twice.
        money_moved: None,
    }
}

/// Runs a use case on a worker thread: store and keychain calls block (a locked keychain may wait
/// for its unlock prompt), and neither the window nor the async runtime should wait with them.
pub async fn blocking<T, F>(f: F) -> Result<T, ErrorPayload>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, AppError> + Send + 'static,
{
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(crashed)?
        .map_err(|e| log_error(e).payload())
}

/// Runs an async use case on a worker thread (see [`blocking`]): it talks to a provider, and may
/// read a key from the keychain on the way.
pub async fn blocking_async<T, F, Fut>(f: F) -> Result<T, ErrorPayload>
where
    T: Send + 'static,
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = Result<T, AppError>>,
{
    tauri::async_runtime::spawn_blocking(move || tauri::async_runtime::block_on(f()))
        .await
        .map_err(crashed)?
        .map_err(|e| log_error(e).payload())
}

fn log_error(e: AppError) -> AppError {
    if e.is_bad_input() {
        tracing::debug!(code = e.code(), "refused: {e}");
    } else {
        tracing::warn!(code = e.code(), "failed: {e}");
    }
    e
}

/// Sends an event to the window; a window that is gone is not an error.
pub fn emit<R: Runtime, P: Serialize + Clone>(app: &AppHandle<R>, event: &str, payload: P) {
    if let Err(e) = app.emit(event, payload) {
        tracing::debug!(event, error = %e, "event not delivered");
    }
}
