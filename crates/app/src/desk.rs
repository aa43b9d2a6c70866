//! The desk: the store, the keychain and the provider adapters, wired together for the use cases.
//! [`Desk::open`] is the one way the faces (window, CLI) open one.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use esimdesk_core::ProviderKind;
use esimdesk_providers::esimgo::{EsimGo, EsimGoConfig};
use esimdesk_providers::itt::{Itt, IttConfig};
use esimdesk_providers::telness::{Telness, TelnessConfig};
use esimdesk_providers::truphone::{Truphone, TruphoneConfig};
use esimdesk_providers::{Capabilities, Provider};
use esimdesk_store::{ProviderAccount, Store};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::AppError;
use crate::purchase::Purchases;
use crate::secrets::SecretSource;

#[derive(Debug)]
pub struct Desk {
    store: Arc<Store>,
    secrets: Arc<dyn SecretSource>,
    /// Who is acting, for the audit log (the desk profile); changes with the settings.
    actor: RwLock<String>,
    providers: Mutex<HashMap<String, Arc<dyn Provider>>>,
    /// Purchases in flight and dry runs shown, shared by every face of this desk.
    purchases: Purchases,
    /// How long a sale waits for an asynchronous provider ([`crate::provisioning`]).
    provisioning_deadline: RwLock<std::time::Duration>,
}

/// `ESIMDESK_DATA_DIR`: another data folder for the app and the CLI (logs, database).
pub use esimdesk_store::DATA_DIR_ENV;

/// The data folder `ESIMDESK_DATA_DIR` names, when it is set and not empty.
pub fn data_dir_override() -> Option<PathBuf> {
    std::env::var_os(DATA_DIR_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// The database file of the desk in `data_dir`; `None`: `$ESIMDESK_DATA_DIR`, else the
/// platform's app-data folder (the same for the app and the CLI).
pub fn database_path(data_dir: Option<&Path>) -> Result<PathBuf, AppError> {
    Ok(match data_dir {
        Some(dir) => dir.join(esimdesk_store::DB_FILE_NAME),
        None => Store::default_path()?,
    })
}

/// Keys from the operating system's keychain (Secret Service, macOS Keychain, Windows
/// Credential Manager).
pub fn os_keychain() -> Arc<dyn SecretSource> {
    Arc::new(esimdesk_store::Keychain::new())
}

impl Desk {
    /// Opens the desk in `data_dir` (see [`database_path`]): its database created and migrated
    /// as needed, keys from `secrets`, acting as the desk profile's name.
    pub fn open(data_dir: Option<&Path>, secrets: Arc<dyn SecretSource>) -> Result<Desk, AppError> {
        let store = Store::open(&database_path(data_dir)?)?;
        let actor = store.desk_settings()?.profile_name;
        Ok(Desk::new(Arc::new(store), secrets, actor))
    }

    /// An ICCID as a person typed it, for an eSIM this desk may hold: checked by the desk's rule,
    /// except that one a provider issued and the desk keeps as issued (flagged, e.g. ITT's
    /// 18-digit samples) is found too.
    pub(crate) fn held_iccid(&self, text: &str) -> Result<esimdesk_core::Iccid, AppError> {
        match esimdesk_core::Iccid::parse(text) {
            Ok(iccid) => Ok(iccid),
            Err(strict) => match esimdesk_core::Iccid::from_provider(text) {
                Ok((kept, Some(_))) if self.store.esim(&kept)?.is_some() => Ok(kept),
                _ => Err(strict.into()),
            },
        }
    }

    /// Where this desk's database file is.
    pub fn database_file(&self) -> &Path {
        self.store.path()
    }

    /// A desk over an open store (the app's own tests and benchmarks build one this way).
    pub fn new(
        store: Arc<Store>,
        secrets: Arc<dyn SecretSource>,
        actor: impl Into<String>,
    ) -> Desk {
        Desk {
            store,
            secrets,
            actor: RwLock::new(actor.into()),
            providers: Mutex::new(HashMap::new()),
            purchases: Purchases::default(),
            provisioning_deadline: RwLock::new(crate::provisioning::DEFAULT_DEADLINE),
        }
    }

    /// How long a sale waits for an asynchronous provider to finish before it leaves the order
    /// to reconciliation.
    pub fn provisioning_deadline(&self) -> std::time::Duration {
        *self
            .provisioning_deadline
            .read()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// Sets that wait (tests shorten it; a desk on a slow provider may lengthen it).
    pub fn set_provisioning_deadline(&self, deadline: std::time::Duration) {
        *self
            .provisioning_deadline
            .write()
            .unwrap_or_else(|p| p.into_inner()) = deadline;
    }

    pub(crate) fn purchases(&self) -> &Purchases {
        &self.purchases
    }

    /// Claims a client reference as every purchase does before it starts: while the guard
    /// lives, a purchase of that reference is refused at once (`checkout_in_progress`) and
    /// reconciliation leaves the order alone. For faces that hold a reference across steps, and
    /// for tests.
    pub fn claim_purchase(
        &self,
        reference: &str,
    ) -> Result<crate::purchase::InFlight<'_>, AppError> {
        self.purchases.claim(reference)
    }

    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    pub fn secrets(&self) -> &dyn SecretSource {
        self.secrets.as_ref()
    }

    /// Who is acting now, for the audit log.
    pub fn actor(&self) -> String {
        self.actor.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Changes who is acting (the desk profile was renamed in the settings).
    pub fn set_actor(&self, actor: impl Into<String>) {
        *self.actor.write().unwrap_or_else(|p| p.into_inner()) = actor.into();
    }

    /// The adapter for an account, built once from its row and its key in the keychain.
    pub fn provider(&self, account_id: &str) -> Result<Arc<dyn Provider>, AppError> {
        if let Some(p) = self.lock_providers().get(account_id) {
            return Ok(p.clone());
        }
        let account = self
            .store
            .account(account_id)?
            .ok_or_else(|| AppError::UnknownAccount(account_id.to_owned()))?;
        let key = self
            .secrets
            .get(account_id)?
            .ok_or_else(|| AppError::MissingKey(account_id.to_owned()))?;
        let provider = build_provider(&account, key)?;
        self.lock_providers()
            .insert(account_id.to_owned(), provider.clone());
        Ok(provider)
    }

    /// What an account's provider can do, without reading its key from the keychain (status
    /// screens ask often; the keychain may be locked): a constant of its adapter.
    pub fn capabilities(&self, account: &ProviderAccount) -> Result<Capabilities, AppError> {
        esimdesk_providers::capabilities::of(account.provider)
            .ok_or(AppError::ProviderNotAvailable(account.provider))
    }

    /// Forgets a cached adapter (after its key or URL changed).
    pub fn forget_provider(&self, account_id: &str) {
        self.lock_providers().remove(account_id);
    }

    fn lock_providers(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<dyn Provider>>> {
        self.providers.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The live API address of each provider, used when an account gives none.
pub fn default_base_url(kind: ProviderKind) -> Option<&'static str> {
    match kind {
        ProviderKind::Esimgo => Some(esimdesk_providers::esimgo::DEFAULT_BASE_URL),
        ProviderKind::Telness => Some(esimdesk_providers::telness::DEFAULT_BASE_URL),
        ProviderKind::Truphone => Some(esimdesk_providers::truphone::DEFAULT_BASE_URL),
        ProviderKind::Itt => Some(esimdesk_providers::itt::DEFAULT_BASE_URL),
    }
}

pub fn build_provider(
    account: &ProviderAccount,
    key: SecretString,
) -> Result<Arc<dyn Provider>, AppError> {
    let url = Url::parse(&account.base_url).map_err(|e| AppError::InvalidInput {
        field: "base URL".into(),
        message: format!("'{}' is not a URL: {e}", account.base_url),
    })?;
    // The kept credential's values, one per field of the provider's form.
    let mut values = crate::credentials::values(account.provider, &key)?.into_iter();
    let mut next = || {
        values
            .next()
            .unwrap_or_else(|| SecretString::from(String::new()))
    };
    match account.provider {
        ProviderKind::Esimgo => Ok(Arc::new(EsimGo::new(EsimGoConfig::with_base_url(
            url,
            next(),
        ))?)),
        // The desk's customer at Telness and its Travel eSIM offering are left to the adapter: a
        // new customer per sale (telness.md open point 16), the offering looked up once.
        ProviderKind::Telness => Ok(Arc::new(Telness::new(TelnessConfig::with_base_url(
            url,
            next(),
        ))?)),
        // The country of sale comes with each request (the desk's settings), not the account.
        ProviderKind::Truphone => {
            let client_id = next().expose_secret().to_owned();
            Ok(Arc::new(Truphone::new(TruphoneConfig::with_base_url(
                url,
                client_id,
                next(),
            ))?))
        }
        // The API key, the secret code, then the partner account's member id (itt.md §2).
        ProviderKind::Itt => {
            let (api_key, secret_code) = (next(), next());
            let member_id = next().expose_secret().to_owned();
            Ok(Arc::new(Itt::new(IttConfig::with_base_url(
                url,
                api_key,
                secret_code,
                member_id,
            ))?))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use esimdesk_core::{Esim, Iccid, ProfileStatus};
    use esimdesk_store::StoredEsim;

    #[test]
    fn a_held_esim_is_found_by_the_iccid_its_provider_issued_and_no_other_is() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(&dir.path().join("desk.sqlite3")).unwrap());
        let desk = Desk::new(
            store.clone(),
            Arc::new(crate::EphemeralSecrets::new()),
            "tester",
        );
        let (sample, _) = Iccid::from_provider("873000000000040589").unwrap();
        store
            .save_esim(&StoredEsim {
                esim: Esim {
                    iccid: sample.clone(),
                    provider: ProviderKind::Itt,
                    activation_code: None,
                    profile_status: ProfileStatus::Released,
                    packages: Vec::new(),
                },
                account_id: "itt".into(),
                provider_ref: None,
                order_reference: None,
                customer_id: None,
                created_at: time::OffsetDateTime::now_utc(),
            })
            .unwrap();
        assert_eq!(desk.held_iccid("8730 0000 0000 0405 89").unwrap(), sample);
        // Typed by a person, an ICCID outside the rule that the desk does not hold is refused.
        let e = desk.held_iccid("873000000000042014").unwrap_err();
        assert_eq!(e.code(), "invalid_iccid");
        assert!(desk.held_iccid("8930000000000405894").is_ok());
    }
}
