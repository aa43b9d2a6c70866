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
use crate::faults::ConnKill;
use crate::providers;
use crate::{esimgo, itt, telness, truphone};

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

    /// The ids of the simulated providers, in the order of [`SandboxHandle::provider_lines`]:
    /// `["esimgo", "telness", "truphone", "itt"]`.
    pub fn provider_ids(&self) -> Vec<&'static str> {
        self.shared.providers.all().iter().map(|p| p.id()).collect()
    }

    /// The base URL of provider `id`'s simulated API (what `--base-url` takes), or `None` for
    /// a provider the sandbox does not simulate.
    pub fn provider_base_url(&self, id: &str) -> Option<String> {
        let provider = self.shared.providers.find(id)?;
        Some(format!("{}{}", self.base_url(), provider.prefix()))
    }

    /// The credential of provider `id`: the exact text `esimdesk providers add <id>` reads on
    /// standard input.
    pub fn provider_credential(&self, id: &str) -> Option<String> {
        let provider = self.shared.providers.find(id)?;
        Some(provider.credential().to_owned())
    }

    /// `http://127.0.0.1:PORT/v2.4`
    pub fn esimgo_base_url(&self) -> String {
        format!("{}{}", self.base_url(), esimgo::PREFIX)
    }

    pub fn esimgo_api_key(&self) -> &str {
        self.shared.providers.esimgo.api_key()
    }

    /// `http://127.0.0.1:PORT/telness/api/v2` (the real one is
    /// `https://connect.telnesstech.com/api/v2`).
    pub fn telness_base_url(&self) -> String {
        format!("{}{}", self.base_url(), telness::PREFIX)
    }

    /// The key Telness Connect accepts in `X-API-Key`.
    pub fn telness_api_key(&self) -> &str {
        self.shared.providers.telness.api_key()
    }

    /// The existing Telness customer a desk orders for (`customer.customerId`).
    pub fn telness_customer_id(&self) -> &str {
        self.shared.providers.telness.customer_id()
    }

    /// `http://127.0.0.1:PORT/truphone/connect-api` (the real one is
    /// `https://services.truphone.com/connect-api`). The token endpoint is derived from it as a
    /// client does: [`SandboxHandle::truphone_token_url`].
    pub fn truphone_base_url(&self) -> String {
        format!("{}{}", self.base_url(), truphone::PREFIX)
    }

    /// `http://127.0.0.1:PORT/truphone/auth/realms/tru-staff/protocol/openid-connect/token`
    pub fn truphone_token_url(&self) -> String {
        format!("{}{}", self.base_url(), truphone::TOKEN_PATH)
    }

    /// The OAuth2 client id the Truphone token endpoint accepts.
    pub fn truphone_client_id(&self) -> &str {
        self.shared.providers.truphone.client_id()
    }

    /// The OAuth2 client secret the Truphone token endpoint accepts.
    pub fn truphone_client_secret(&self) -> &str {
        self.shared.providers.truphone.client_secret()
    }

    /// `http://127.0.0.1:PORT/itt` (the real one is `https://serviceapi.innotraveltech.com`):
    /// every operation is a `POST` to `<base>/esim/…`.
    pub fn itt_base_url(&self) -> String {
        format!("{}{}", self.base_url(), itt::PREFIX)
    }

    /// The value ITT accepts in the `apikey` header.
    pub fn itt_api_key(&self) -> &str {
        self.shared.providers.itt.api_key()
    }

    /// The value ITT accepts in the `secretecode` header.
    pub fn itt_secret_code(&self) -> &str {
        self.shared.providers.itt.secret_code()
    }

    /// The partner account's `member_id`, sent in most ITT bodies.
    pub fn itt_member_id(&self) -> &str {
        self.shared.providers.itt.member_id()
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

    /// One JSON object per simulated provider, as the binary prints them: `provider`,
    /// `base_url`, the provider's demo credential fields (e.g. `api_key`; Truphone's
    /// `client_id` and `client_secret`; ITT's `api_key`, `secret_code` and `member_id`),
    /// `credential` (the exact text `esimdesk providers add <provider> --base-url <base_url>`
    /// reads on standard input: Truphone's is two lines, `"<client_id>\n<client_secret>\n"`;
    /// ITT's three, `"<api_key>\n<secret_code>\n<member_id>\n"`), `admin_url` and
    /// `admin_token`.
    pub fn provider_lines(&self) -> Vec<serde_json::Value> {
        self.shared
            .providers
            .all()
            .iter()
            .map(|p| {
                let mut line = serde_json::Map::new();
                line.insert("provider".to_owned(), p.id().into());
                line.insert(
                    "base_url".to_owned(),
                    format!("{}{}", self.base_url(), p.prefix()).into(),
                );
                line.extend(p.line_fields());
                line.insert("credential".to_owned(), p.credential().into());
                line.insert("admin_url".to_owned(), self.admin_url().into());
                line.insert("admin_token".to_owned(), self.admin_token().into());
                serde_json::Value::Object(line)
            })
            .collect()
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
    providers::check_config(config)?;
    if config.admin_token.as_deref().is_some_and(|t| t.is_empty()) {
        return Err(SandboxError::Config("the admin token is empty".to_owned()));
    }
    Ok(())
}

/// All simulated APIs and the admin API.
pub fn build_router(shared: AppState) -> Router {
    let mut router = Router::new();
    for provider in shared.providers.all() {
        router = router.merge(provider.api_router(Arc::clone(&shared)));
    }
    router
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
