//! `esim-sandbox`: serves the provider simulators on 127.0.0.1 and prints one JSON line per
//! provider (`{"provider","base_url", <demo credential fields>, "credential","admin_url",
//! "admin_token"}`) once listening. `credential` is the exact text `esimdesk providers add
//! <provider> --base-url <base_url>` reads on standard input.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use esimdesk_sandbox::{
    AutoUsage, FaultSpec, IttConfig, IttFulfilment, IttOutcome, SandboxConfig, TelnessConfig,
    TelnessOutcome, TruphoneConfig, TruphoneFulfilment, TruphoneOutcome, parse_cents,
};

#[derive(Debug, Parser)]
#[command(
    name = "esim-sandbox",
    version,
    about = "Local simulators of the eSIM providers' HTTP APIs (eSIM Go v2.4, Telness Connect v2, Truphone Connect v2, ITT eSIM API 1.0.0), for tests, benchmarks and demo mode.",
    long_about = "Serves the simulators on 127.0.0.1 and, once listening, prints one JSON line per provider to stdout, e.g. \
{\"provider\":\"esimgo\",\"base_url\":\"http://127.0.0.1:PORT/v2.4\",\"api_key\":\"...\",\"credential\":\"...\",\"admin_url\":\"http://127.0.0.1:PORT/_admin\",\"admin_token\":\"...\"}, \
{\"provider\":\"telness\",\"base_url\":\"http://127.0.0.1:PORT/telness/api/v2\",\"api_key\":\"...\",\"customer_id\":\"...\",\"credential\":\"...\",...}, \
{\"provider\":\"truphone\",\"base_url\":\"http://127.0.0.1:PORT/truphone/connect-api\",\"client_id\":\"...\",\"client_secret\":\"...\",\"credential\":\"<client_id>\\n<client_secret>\\n\",...} \
and {\"provider\":\"itt\",\"base_url\":\"http://127.0.0.1:PORT/itt\",\"api_key\":\"...\",\"secret_code\":\"...\",\"member_id\":\"...\",\"credential\":\"<api_key>\\n<secret_code>\\n<member_id>\\n\",...}. \
`credential` is what `esimdesk providers add <provider> --base-url <base_url>` reads on standard input. \
Serves until SIGINT or SIGTERM (or standard input closes, with --exit-on-stdin-eof). Logs go to stderr (RUST_LOG)."
)]
struct Cli {
    /// TCP port on 127.0.0.1; 0 picks any free port.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Seed of the catalogue and of minted ICCIDs, matching IDs and references.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Number of bundles in the catalogue (50..=100000).
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(50..=100_000))]
    catalogue_size: u32,
    /// eSIM Go API key the sandbox accepts (X-API-Key).
    #[arg(long, default_value = "sandbox-esimgo-key-0001")]
    api_key: String,
    /// Token for the admin API (X-Admin-Token); random when absent.
    #[arg(long)]
    admin_token: Option<String>,
    /// Opening organisation balance in USD, e.g. 1000 or 245.37.
    #[arg(long, default_value = "1000.00")]
    balance: String,
    /// SM-DP+ host name of minted eSIMs.
    #[arg(long, default_value = "smdp.example")]
    smdp_address: String,
    /// Requests per second per client IP; 0 switches the limit off.
    #[arg(long, default_value_t = 10)]
    rate_limit: u32,
    /// Latency added to every provider request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Seconds a new eSIM Go bundle assignment stays in `processing`.
    #[arg(long, default_value_t = 0)]
    processing_secs: u64,
    /// Telness Connect API key the sandbox accepts (X-API-Key).
    #[arg(long, default_value = esimdesk_sandbox::TELNESS_DEMO_API_KEY)]
    telness_api_key: String,
    /// Seconds a submitted Telness order stays SUBMITTED, then PROCESSING (e.g. 1,2).
    #[arg(long, value_name = "SUBMITTED,PROCESSING", default_value = "1,2")]
    telness_delays: String,
    /// How submitted Telness orders end: complete, stay-processing or cancel.
    #[arg(long, default_value = "complete", value_parser = ["complete", "stay-processing", "cancel"])]
    telness_outcome: String,
    /// Truphone Connect OAuth2 client id the token endpoint accepts.
    #[arg(long, default_value = esimdesk_sandbox::TRUPHONE_DEMO_CLIENT_ID)]
    truphone_client_id: String,
    /// Truphone Connect OAuth2 client secret the token endpoint accepts.
    #[arg(long, default_value = esimdesk_sandbox::TRUPHONE_DEMO_CLIENT_SECRET)]
    truphone_client_secret: String,
    /// Lifetime of a Truphone access token, in seconds (of the sandbox clock).
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    truphone_token_secs: u64,
    /// Seconds a Truphone order stays ACCEPTED, then FULFILLING (e.g. 1,3).
    #[arg(long, value_name = "ACCEPTED,FULFILLING", default_value = "1,3")]
    truphone_delays: String,
    /// How Truphone orders end: complete, fail or never (stay FULFILLING).
    #[arg(long, default_value = "complete", value_parser = ["complete", "fail", "never"])]
    truphone_outcome: String,
    /// ITT eSIM API key the sandbox accepts (header apikey).
    #[arg(long, default_value = esimdesk_sandbox::ITT_DEMO_API_KEY)]
    itt_api_key: String,
    /// ITT secret code the sandbox accepts (header secretecode).
    #[arg(long, default_value = esimdesk_sandbox::ITT_DEMO_SECRET_CODE)]
    itt_secret_code: String,
    /// ITT partner account's member_id.
    #[arg(long, default_value = esimdesk_sandbox::ITT_DEMO_MEMBER_ID)]
    itt_member_id: String,
    /// Seconds an ITT booking stays pending (0: confirmed in the create answer).
    #[arg(long, default_value_t = 0)]
    itt_pending_secs: u64,
    /// How ITT bookings end: confirm, fail, never (stay pending) or insufficient-balance.
    #[arg(long, default_value = "confirm", value_parser = ["confirm", "fail", "never", "insufficient-balance"])]
    itt_outcome: String,
    /// Opening ITT partner credit in BDT, e.g. 500000 or 1234.56.
    #[arg(long, default_value = "500000.00")]
    itt_balance: String,
    /// Seconds an ITT search tracking id can be used (of the sandbox clock).
    #[arg(long, default_value_t = 1_800, value_parser = clap::value_parser!(u64).range(1..))]
    itt_search_secs: u64,
    /// Simulated data use per day of an active bundle or package, in MB (of 1,000,000 bytes);
    /// 0 = only through the admin API.
    #[arg(long, default_value_t = 250)]
    usage_mb_per_day: u64,
    /// Freeze the sandbox clock (it then moves only through the admin API).
    #[arg(long)]
    frozen_clock: bool,
    /// A fault active for the whole run, as the admin API takes it (repeatable), e.g.
    /// '{"kind":"status","status":503,"path":"/v2.4/orders","count":2}' or, for purchases only
    /// (not their dry runs), '{"kind":"status","status":500,"orderType":"transaction"}'.
    #[arg(long = "fault", value_name = "JSON")]
    faults: Vec<String>,
    /// Exit when standard input reaches end of file (for test harnesses).
    #[arg(long)]
    exit_on_stdin_eof: bool,
}

impl Cli {
    fn config(&self) -> Result<SandboxConfig, String> {
        let balance = parse_cents(&self.balance).map_err(|e| format!("--balance: {e}"))?;
        let faults = self
            .faults
            .iter()
            .map(|f| serde_json::from_str::<FaultSpec>(f).map_err(|e| format!("--fault {f}: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        let (processing, completion) = self
            .telness_delays
            .split_once(',')
            .and_then(|(a, b)| Some((a.trim().parse::<u64>().ok()?, b.trim().parse::<u64>().ok()?)))
            .ok_or_else(|| "--telness-delays: two whole numbers of seconds, e.g. 1,2".to_owned())?;
        let (accepted, fulfilling) = self
            .truphone_delays
            .split_once(',')
            .and_then(|(a, b)| Some((a.trim().parse::<u64>().ok()?, b.trim().parse::<u64>().ok()?)))
            .ok_or_else(|| {
                "--truphone-delays: two whole numbers of seconds, e.g. 1,3".to_owned()
            })?;
        let truphone_outcome = match self.truphone_outcome.as_str() {
            "fail" => TruphoneOutcome::Fail,
            "never" => TruphoneOutcome::Never,
            _ => TruphoneOutcome::Complete,
        };
        let itt_balance = parse_cents(&self.itt_balance)
            .ok()
            .filter(|c| *c >= 0)
            .ok_or_else(|| "--itt-balance: an amount in BDT, e.g. 500000.00".to_owned())?;
        let itt_outcome = match self.itt_outcome.as_str() {
            "fail" => IttOutcome::Fail,
            "never" => IttOutcome::Never,
            "insufficient-balance" => IttOutcome::InsufficientBalance,
            _ => IttOutcome::Confirm,
        };
        let outcome = match self.telness_outcome.as_str() {
            "stay-processing" => TelnessOutcome::StayProcessing,
            "cancel" => TelnessOutcome::Cancel,
            _ => TelnessOutcome::Complete,
        };
        Ok(SandboxConfig {
            port: self.port,
            seed: self.seed,
            catalogue_size: self.catalogue_size as usize,
            esimgo_api_key: self.api_key.clone(),
            admin_token: self.admin_token.clone(),
            initial_balance_cents: balance,
            smdp_address: self.smdp_address.clone(),
            rate_limit_per_second: (self.rate_limit > 0).then_some(self.rate_limit),
            base_latency: Duration::from_millis(self.latency_ms),
            processing_delay: Duration::from_secs(self.processing_secs),
            auto_usage: (self.usage_mb_per_day > 0).then(|| AutoUsage {
                bytes_per_day: self.usage_mb_per_day.saturating_mul(1_000_000),
                ..AutoUsage::default()
            }),
            clock_follows_wall: !self.frozen_clock,
            faults,
            telness: TelnessConfig {
                api_key: self.telness_api_key.clone(),
                processing_after: Duration::from_secs(processing),
                completion_delay: Duration::from_secs(completion),
                outcome,
                ..TelnessConfig::default()
            },
            truphone: TruphoneConfig {
                client_id: self.truphone_client_id.clone(),
                client_secret: self.truphone_client_secret.clone(),
                token_lifetime: Duration::from_secs(self.truphone_token_secs),
                fulfilment: TruphoneFulfilment {
                    fulfilling_after: Duration::from_secs(accepted),
                    completion_delay: Duration::from_secs(fulfilling),
                    outcome: truphone_outcome,
                },
                ..TruphoneConfig::default()
            },
            itt: IttConfig {
                api_key: self.itt_api_key.clone(),
                secret_code: self.itt_secret_code.clone(),
                member_id: self.itt_member_id.clone(),
                search_lifetime: Duration::from_secs(self.itt_search_secs),
                fulfilment: IttFulfilment {
                    pending_for: Duration::from_secs(self.itt_pending_secs),
                    outcome: itt_outcome,
                },
                balance: itt_balance,
            },
            ..SandboxConfig::default()
        })
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let config = match cli.config() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("esim-sandbox: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("esim-sandbox: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(run(config, cli.exit_on_stdin_eof));
    // A thread may still block on stdin; do not wait for it.
    runtime.shutdown_timeout(Duration::from_secs(1));
    code
}

async fn run(config: SandboxConfig, exit_on_stdin_eof: bool) -> ExitCode {
    let sandbox = match esimdesk_sandbox::start(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("esim-sandbox: {e}");
            return ExitCode::FAILURE;
        }
    };
    {
        let mut out = std::io::stdout().lock();
        for line in sandbox.provider_lines() {
            // A harness may read only the line it needs and close the pipe: the server keeps
            // serving (it is told to stop by a signal or, with --exit-on-stdin-eof, by stdin).
            if let Err(e) = writeln!(out, "{line}").and_then(|()| out.flush()) {
                tracing::warn!(error = %e, "cannot write the provider lines to stdout");
                break;
            }
        }
    }
    let (eof_tx, eof_rx) = tokio::sync::oneshot::channel::<()>();
    if exit_on_stdin_eof {
        let spawned = std::thread::Builder::new()
            .name("stdin-watch".to_owned())
            .spawn(move || {
                let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
                let _ = eof_tx.send(());
            });
        if let Err(e) = spawned {
            eprintln!("esim-sandbox: cannot watch stdin: {e}");
            return ExitCode::FAILURE;
        }
    } else {
        // Keep the sender alive so that the receiver never fires.
        std::mem::forget(eof_tx);
    }
    tokio::select! {
        () = terminate_signal() => tracing::info!("signal received, stopping"),
        _ = eof_rx => tracing::info!("stdin closed, stopping"),
    }
    sandbox.shutdown().await;
    ExitCode::SUCCESS
}

#[cfg(unix)]
async fn terminate_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
async fn terminate_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
