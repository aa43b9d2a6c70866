//! Where provider keys come from: the OS keychain in the app and the CLI; [`EphemeralSecrets`]
//! (memory only) in demo mode and tests. The real keychain is exercised by the store's keychain
//! tests and the CLI's end-to-end tests.

use std::fmt::Debug;

use secrecy::SecretString;

use crate::AppError;

pub trait SecretSource: Send + Sync + Debug {
    fn get(&self, account_id: &str) -> Result<Option<SecretString>, AppError>;
    fn set(&self, account_id: &str, secret: &SecretString) -> Result<(), AppError>;
    fn delete(&self, account_id: &str) -> Result<(), AppError>;
}

impl SecretSource for esimdesk_store::keychain::Keychain {
    fn get(&self, account_id: &str) -> Result<Option<SecretString>, AppError> {
        Ok(esimdesk_store::keychain::Keychain::get(self, account_id)?)
    }

    fn set(&self, account_id: &str, secret: &SecretString) -> Result<(), AppError> {
        Ok(esimdesk_store::keychain::Keychain::set(
            self, account_id, secret,
        )?)
    }

    fn delete(&self, account_id: &str) -> Result<(), AppError> {
        Ok(esimdesk_store::keychain::Keychain::delete(
            self, account_id,
        )?)
    }
}

/// Keys held in memory for demo mode and tests: never written anywhere, gone when the process
/// ends. Not for real provider keys, which belong in the OS keychain.
#[derive(Default)]
pub struct EphemeralSecrets(std::sync::Mutex<std::collections::HashMap<String, SecretString>>);

impl EphemeralSecrets {
    pub fn new() -> EphemeralSecrets {
        EphemeralSecrets::default()
    }
}

/// Lists the account ids only: the keys never reach a log or a debug print.
impl Debug for EphemeralSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let mut ids: Vec<&String> = map.keys().collect();
        ids.sort();
        f.debug_struct("EphemeralSecrets")
            .field("accounts", &ids)
            .finish()
    }
}

impl SecretSource for EphemeralSecrets {
    fn get(&self, account_id: &str) -> Result<Option<SecretString>, AppError> {
        Ok(self
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(account_id)
            .cloned())
    }

    fn set(&self, account_id: &str, secret: &SecretString) -> Result<(), AppError> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(account_id.to_owned(), secret.clone());
        Ok(())
    }

    fn delete(&self, account_id: &str) -> Result<(), AppError> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(account_id);
        Ok(())
    }
}
