//! Where provider keys come from: the OS keychain in the app and the CLI. The trait lets the app's
//! own unit tests run without a Secret Service; the real keychain is exercised by the store's
//! keychain tests and the CLI's end-to-end tests.

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

/// Keys held in memory only, for tests of the use cases.
#[cfg(test)]
#[derive(Debug, Default)]
pub struct MemorySecrets(std::sync::Mutex<std::collections::HashMap<String, SecretString>>);

#[cfg(test)]
impl SecretSource for MemorySecrets {
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
