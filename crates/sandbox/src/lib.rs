//! Local simulators of the eSIM providers' HTTP APIs, for tests, benchmarks and demo mode.
//!
//! ```no_run
//! # async fn demo() -> Result<(), esimdesk_sandbox::SandboxError> {
//! let sandbox = esimdesk_sandbox::start(esimdesk_sandbox::SandboxConfig::for_tests()).await?;
//! let base = sandbox.esimgo_base_url(); // http://127.0.0.1:PORT/v2.4
//! let key = sandbox.esimgo_api_key().to_owned(); // send as X-API-Key
//! sandbox.admin().advance_clock(std::time::Duration::from_secs(86_400));
//! sandbox.shutdown().await;
//! # let _ = (base, key); Ok(()) }
//! ```
//!
//! From synchronous code use [`start_blocking`], which runs the server on its own thread.

pub mod admin;
pub mod app;
pub mod catalogue;
pub mod clock;
pub mod config;
pub mod error;
pub mod esimgo;
pub mod faults;
pub mod money;
pub mod ratelimit;
pub mod server;

pub use admin::{Admin, AdminError, RecordedEsim, RecordedLine, RecordedOrder, RequestRecord};
pub use config::{AutoUsage, SandboxConfig};
pub use error::SandboxError;
pub use faults::{FaultKind, FaultSpec};
pub use server::{BlockingSandbox, RunningSandbox, SandboxHandle, start, start_blocking};
