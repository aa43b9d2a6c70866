//! Local simulators of the eSIM providers' HTTP APIs, for tests, benchmarks and demo mode.
//!
//! ```no_run
//! # async fn demo() -> Result<(), esimdesk_sandbox::SandboxError> {
//! let sandbox = esimdesk_sandbox::start(esimdesk_sandbox::SandboxConfig::for_tests()).await?;
//! let base = sandbox.esimgo_base_url(); // http://127.0.0.1:PORT/v2.4
//! let key = sandbox.esimgo_api_key().to_owned(); // send as X-API-Key
//! let telness = sandbox.telness_base_url(); // http://127.0.0.1:PORT/telness/api/v2
//! let telness_key = sandbox.telness_api_key().to_owned(); // send as X-API-Key
//! let truphone = sandbox.truphone_base_url(); // http://127.0.0.1:PORT/truphone/connect-api
//! let token_url = sandbox.truphone_token_url(); // OAuth2 client credentials
//! let client = (sandbox.truphone_client_id(), sandbox.truphone_client_secret());
//! sandbox.admin().advance_clock(std::time::Duration::from_secs(86_400));
//! let telness_orders = sandbox.admin().telness().orders();
//! let truphone_orders = sandbox.admin().truphone().orders();
//! let itt = sandbox.itt_base_url(); // http://127.0.0.1:PORT/itt
//! let itt_headers = (sandbox.itt_api_key(), sandbox.itt_secret_code()); // apikey, secretecode
//! let itt_member = sandbox.itt_member_id(); // member_id in the bodies
//! let itt_bookings = sandbox.admin().itt().bookings();
//! # let _ = (base, key, telness, telness_key, truphone, token_url, client);
//! # let _ = (telness_orders, truphone_orders, itt, itt_headers, itt_member, itt_bookings);
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! From synchronous code use [`start_blocking`], which runs the server on its own thread.
//!
//! One server simulates every provider at once, each under its own path prefix (eSIM Go at
//! `/v2.4`, Telness Connect at `/telness/api/v2`, Truphone Connect at `/truphone`: its API at
//! `/truphone/connect-api`, its OAuth2 token endpoint at
//! `/truphone/auth/realms/tru-staff/protocol/openid-connect/token`; the ITT eSIM API at `/itt`),
//! sharing the clock, faults, request log and admin API. Each has its own credential: eSIM Go's
//! and Telness's a static key, Truphone's an OAuth2 client (id and secret) whose tokens expire
//! on the sandbox clock, ITT's two header secrets (`apikey`, `secretecode`) and a member id.
//!
//! What tests, benchmarks and demo mode use is exported here, by name; the modules are private, so
//! the simulators' insides (routes, state, wire types) can change without breaking a caller.

mod admin;
mod app;
mod catalogue;
mod clock;
mod config;
mod error;
mod esimgo;
mod faults;
mod ids;
mod itt;
mod money;
mod providers;
mod ratelimit;
mod server;
mod telness;
mod truphone;

// Starting one, and its handles.
pub use config::{AutoUsage, SandboxConfig};
pub use error::SandboxError;
pub use itt::config::{
    CURRENCY as ITT_CURRENCY, DEMO_API_KEY as ITT_DEMO_API_KEY,
    DEMO_MEMBER_ID as ITT_DEMO_MEMBER_ID, DEMO_SECRET_CODE as ITT_DEMO_SECRET_CODE,
};
pub use itt::{IttConfig, IttFulfilment, IttOutcome};
pub use server::{BlockingSandbox, RunningSandbox, SandboxHandle, start, start_blocking};
pub use telness::config::{
    DEMO_API_KEY as TELNESS_DEMO_API_KEY, DEMO_CUSTOMER_ID as TELNESS_DEMO_CUSTOMER_ID,
};
pub use telness::{TelnessConfig, TelnessFulfilment, TelnessOutcome};
pub use truphone::config::{
    DEMO_CLIENT_ID as TRUPHONE_DEMO_CLIENT_ID, DEMO_CLIENT_SECRET as TRUPHONE_DEMO_CLIENT_SECRET,
};
pub use truphone::{TruphoneConfig, TruphoneFulfilment, TruphoneOutcome, TruphoneSimStatus};

// Steering it from a test: clock, balance, faults, and what it recorded.
pub use admin::{Admin, AdminError, RequestRecord};
pub use esimgo::admin::{RecordedEsim, RecordedLine, RecordedOrder};
pub use faults::{ActiveFault, FaultKind, FaultSpec, ORDER_BODY_LIMIT};
pub use itt::admin::{IttAdmin, IttBookingRecord, IttQuoteRecord, IttTopupRecord};
pub use itt::model::IttPassenger;
pub use itt::state::IttWebhookRecord;
pub use telness::admin::{
    TelnessAdmin, TelnessLineRecord, TelnessOrderRecord, TelnessPackageRecord,
    TelnessSubscriptionRecord,
};
pub use truphone::admin::{
    TruphoneAdmin, TruphoneOrderRecord, TruphoneSimRecord, TruphoneSubscriptionRecord,
    TruphoneTokenStats,
};

// The generated catalogue (for benchmarks that need the same data without a server).
pub use catalogue::{
    Bundle, Catalogue, CatalogueError, CountryInfo, Coverage, DataAllowance, RegionInfo,
    UnlimitedKind, generate as generate_catalogue,
};

// Formats the simulated API uses, for checking its answers.
pub use clock::rfc3339;
pub use money::{AmountError, parse_cents};
