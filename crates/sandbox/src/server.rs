//! Starting and stopping a sandbox: an axum router served connection by connection with hyper,
//! so that fault injection can drop a single connection without answering.

use std::net::{Ipv4Addr, SocketAddr};
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tower::ServiceExt;

use crate::admin::{self, Admin};
use crate::app::{AppState, Shared};
use crate::catalogue;
use crate::config::SandboxConfig;
use crate::error::SandboxError;
use crate::esimgo;
use crate::faults::ConnKill;

/// Where a running sandbox listens and how to reach each simulated provider.
#[derive(Debug, Clone)]
pub struct SandboxHandle {
    addr: SocketAddr,
    shared: AppState,
}

impl SandboxHandle {
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT/v2.4`
    pub fn esimgo_base_url(&self) -> String {
        format!("{}{}", self.base_url(), esimgo::PREFIX)
    }

    pub fn esimgo_api_key(&self) -> &str {
        self.shared.esimgo_api_key()
    }

    /// `http://127.0.0.1:PORT/_admin`
    pub fn admin_url(&self) -> String {
        format!("{}{}", self.base_url(), admin::PREFIX)
    }

    /// Value of the `X-Admin-Token` header the admin API requires.
    pub fn admin_token(&self) -> &str {
        &self.shared.admin_token
    }

    /// In-process control of the simulated state (the same operations as the admin API).
    pub fn admin(&self) -> Admin {
        Admin::new(Arc::clone(&self.shared))
    }

    /// One JSON object per simulated provider, as the CLI prints them.
    pub fn provider_lines(&self) -> Vec<serde_json::Value> {
        vec![serde_json::json!({
            "provider": "esimgo",
            "base_url": self.esimgo_base_url(),
            "api_key": self.esimgo_api_key(),
            "admin_url": self.admin_url(),
            "admin_token": self.admin_token(),
        })]
    }
}

/// A sandbox serving on the current tokio runtime. Dropping it stops the server too.
#[derive(Debug)]
pub struct RunningSandbox {
    handle: SandboxHandle,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl Deref for RunningSandbox {
    type Target = SandboxHandle;
    fn deref(&self) -> &SandboxHandle {
        &self.handle
    }
}

impl RunningSandbox {
    pub fn handle(&self) -> SandboxHandle {
        self.handle.clone()
    }

    /// Stops accepting, lets open requests finish (up to 5 s), then returns.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Serves until the server stops (it stops only through `shutdown` from another handle).
    pub async fn wait(mut self) {
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// A sender that stops the server when `true` is sent (for signal handlers).
    pub fn shutdown_sender(&self) -> watch::Sender<bool> {
        self.shutdown.clone()
    }
}

/// Starts a sandbox on 127.0.0.1 on the current tokio runtime.
pub async fn start(config: SandboxConfig) -> Result<RunningSandbox, SandboxError> {
    check_config(&config)?;
    let catalogue = Arc::new(catalogue::generate(config.seed, config.catalogue_size)?);
    let token = config
        .admin_token
        .clone()
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let shared: AppState = Arc::new(Shared::new(config.clone(), catalogue, token));
    let router = build_router(Arc::clone(&shared));
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, config.port))
        .await
        .map_err(|source| SandboxError::Bind {
            port: config.port,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| SandboxError::Bind {
        port: config.port,
        source,
    })?;
    let (tx, rx) = watch::channel(false);
    let task = tokio::spawn(serve(listener, router, rx));
    tracing::info!(%addr, "sandbox listening");
    Ok(RunningSandbox {
        handle: SandboxHandle { addr, shared },
        shutdown: tx,
        task: Some(task),
    })
}

fn check_config(config: &SandboxConfig) -> Result<(), SandboxError> {
    for fault in &config.faults {
        fault
            .check()
            .map_err(|e| SandboxError::Config(format!("fault {fault:?}: {e}")))?;
    }
    if config.esimgo_api_key.trim().is_empty() {
        return Err(SandboxError::Config(
            "the eSIM Go API key is empty".to_owned(),
        ));
    }
    esimdesk_core::ActivationCode::new(&config.smdp_address, "TEST", None, false).map_err(|e| {
        SandboxError::Config(format!("SM-DP+ address {:?}: {e}", config.smdp_address))
    })?;
    if config.admin_token.as_deref().is_some_and(|t| t.is_empty()) {
        return Err(SandboxError::Config("the admin token is empty".to_owned()));
    }
    Ok(())
}

/// All simulated APIs and the admin API.
pub fn build_router(shared: AppState) -> Router {
    Router::new()
        .merge(esimgo::router(Arc::clone(&shared)))
        .merge(admin::router(Arc::clone(&shared)))
        .fallback(fallback)
        .with_state(shared)
}

async fn fallback() -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(serde_json::json!({"message": "Not Found"})),
    )
        .into_response()
}

async fn serve(listener: TcpListener, router: Router, mut shutdown: watch::Receiver<bool>) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, remote)) => {
                    conns.spawn(serve_connection(stream, remote, router.clone(), shutdown.clone()));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
            _ = shutdown.changed() => break,
        }
    }
    drop(listener);
    let drained = tokio::time::timeout(Duration::from_secs(5), async {
        while conns.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        conns.abort_all();
    }
    tracing::info!("sandbox stopped");
}

async fn serve_connection(
    stream: TcpStream,
    remote: SocketAddr,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
) {
    let kill = ConnKill::default();
    let for_requests = kill.clone();
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(remote));
        req.extensions_mut().insert(for_requests.clone());
        router.clone().oneshot(req)
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    tokio::select! {
        result = conn.as_mut() => {
            if let Err(e) = result {
                tracing::debug!(error = %e, %remote, "connection ended with an error");
            }
        }
        _ = kill.0.notified() => {
            tracing::debug!(%remote, "connection dropped on purpose");
        }
        _ = shutdown.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(Duration::from_secs(5), conn.as_mut()).await;
        }
    }
}

/// A sandbox on its own thread and tokio runtime, for synchronous tests and tools.
/// Dropping it stops the server and joins the thread.
#[derive(Debug)]
pub struct BlockingSandbox {
    handle: SandboxHandle,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Deref for BlockingSandbox {
    type Target = SandboxHandle;
    fn deref(&self) -> &SandboxHandle {
        &self.handle
    }
}

impl BlockingSandbox {
    pub fn handle(&self) -> SandboxHandle {
        self.handle.clone()
    }

    /// Stops the server and waits for its thread.
    pub fn shutdown(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for BlockingSandbox {
    fn drop(&mut self) {
        self.stop_now();
    }
}

/// Starts a sandbox on a background thread with its own two-worker tokio runtime.
pub fn start_blocking(config: SandboxConfig) -> Result<BlockingSandbox, SandboxError> {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<SandboxHandle, SandboxError>>();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("esim-sandbox".to_owned())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("esim-sandbox-worker")
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(SandboxError::Runtime(e)));
                    return;
                }
            };
            runtime.block_on(async move {
                match start(config).await {
                    Ok(running) => {
                        let _ = ready_tx.send(Ok(running.handle()));
                        let _ = stop_rx.await;
                        running.shutdown().await;
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                    }
                }
            });
        })
        .map_err(SandboxError::Runtime)?;
    let handle = match ready_rx.recv() {
        Ok(Ok(handle)) => handle,
        Ok(Err(e)) => {
            let _ = thread.join();
            return Err(e);
        }
        Err(_) => {
            let _ = thread.join();
            return Err(SandboxError::ThreadGone);
        }
    };
    Ok(BlockingSandbox {
        handle,
        stop: Some(stop_tx),
        thread: Some(thread),
    })
}
