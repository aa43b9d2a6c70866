//! Demo mode: the sandbox's simulators play every provider it has (eSIM Go, Telness, ...),
//! in-process on loopback, with their own database (wiped at each start, so demo sales never mix
//! with real ones) and their keys held in memory only — never in the OS keychain.
//!
//! It starts when the real database has no provider account, or when `ESIMDESK_DEMO=1`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use esimdesk_app::accounts::{self, NewAccount};
use esimdesk_app::{AppError, Desk, DeskSettings, EphemeralSecrets, ProviderKind, settings};
use esimdesk_sandbox::{RunningSandbox, SandboxConfig};
use secrecy::SecretString;

/// `1` forces demo mode even when real accounts exist.
pub const DEMO_ENV: &str = "ESIMDESK_DEMO";
/// A simulated provider's account id in the demo database (`esimgo-demo`, `telness-demo`).
pub fn account_id(provider_id: &str) -> String {
    format!("{provider_id}-demo")
}
/// Bundles in the simulated catalogue: enough countries, regions and sizes for search to be
/// interesting, synced in a few seconds at the sandbox's 10 requests a second.
pub const DEMO_CATALOGUE_SIZE: usize = 3_000;
/// Another size for the demo catalogue (the sandbox's range: 50 to 100,000), to try the desk —
/// or benchmark it — with a catalogue as large as a real provider's.
pub const DEMO_CATALOGUE_ENV: &str = "ESIMDESK_DEMO_CATALOGUE";
const CATALOGUE_RANGE: std::ops::RangeInclusive<usize> = 50..=100_000;

fn catalogue_size() -> usize {
    let Ok(text) = std::env::var(DEMO_CATALOGUE_ENV) else {
        return DEMO_CATALOGUE_SIZE;
    };
    match text.trim().replace('_', "").parse::<usize>() {
        Ok(n) if CATALOGUE_RANGE.contains(&n) => n,
        _ => {
            tracing::warn!(
                value = %text,
                "{DEMO_CATALOGUE_ENV} must be a number from 50 to 100000; using {DEMO_CATALOGUE_SIZE}"
            );
            DEMO_CATALOGUE_SIZE
        }
    }
}

pub fn forced() -> bool {
    std::env::var(DEMO_ENV).is_ok_and(|v| v.trim() == "1")
}

/// `<data dir>/demo`, beside the real database: demo mode's own data folder.
pub fn data_dir(real_db: &Path) -> PathBuf {
    real_db
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join("demo")
}

/// Removes the demo database and its SQLite side files.
fn wipe(db: &Path) -> Result<(), String> {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        match std::fs::remove_file(PathBuf::from(name)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("cannot reset the demo database: {e}")),
        }
    }
    Ok(())
}

fn config() -> SandboxConfig {
    SandboxConfig {
        catalogue_size: catalogue_size(),
        ..SandboxConfig::default()
    }
}

/// A fresh demo desk: the sandbox started, an empty demo database, and the sandbox's account in
/// it (its key checked by a balance call, like any account). The catalogue is not synced yet.
pub async fn start(real_db: &Path) -> Result<(Desk, RunningSandbox), String> {
    let dir = data_dir(real_db);
    let path = esimdesk_app::database_path(Some(&dir)).map_err(|e| e.to_string())?;
    wipe(&path)?;
    let desk =
        Desk::open(Some(&dir), Arc::new(EphemeralSecrets::new())).map_err(|e| e.to_string())?;
    settings::set_desk_settings(
        &desk,
        &DeskSettings {
            desk_name: "eSIM Desk (demo)".into(),
            // Truphone's orders name the country of sale: the demo desk sells in Spain.
            country: esimdesk_app::Country::parse("ES").ok(),
            ..DeskSettings::default()
        },
    )
    .map_err(|e| e.to_string())?;
    let sandbox = esimdesk_sandbox::start(config())
        .await
        .map_err(|e| format!("the demo provider did not start: {e}"))?;
    for id in sandbox.provider_ids() {
        let (Some(kind), Some(base_url), Some(credential)) = (
            ProviderKind::from_id(id),
            sandbox.provider_base_url(id),
            sandbox.provider_credential(id),
        ) else {
            continue;
        };
        accounts::add_account(
            &desk,
            NewAccount {
                provider: kind,
                id: Some(account_id(id)),
                label: Some(format!("{} (demo sandbox)", kind.display_name())),
                base_url: Some(base_url.clone()),
                key: SecretString::from(credential),
            },
        )
        .await
        .map_err(|e: AppError| format!("the demo account could not be added: {e}"))?;
        tracing::info!(db = %path.display(), provider = id, %base_url, "demo mode: simulated provider");
    }
    // No exchange rate: the simulated providers' EUR and BDT prices are listed in their own
    // currencies after the USD ones, never converted silently (a desk enters its own rates).
    Ok((desk, sandbox))
}
