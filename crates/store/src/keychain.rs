//! Provider credentials in the operating system's keychain.
//!
//! Each provider account's API key is one keychain entry: service `esim-desk`, user (account
//! name) the provider account's id, e.g. `esimgo` or `esimgo:agency-2`. The database records only
//! which accounts exist; the keys themselves never reach SQLite, logs or error messages.
//!
//! The keychain is the platform's own: the Secret Service on Linux and the BSDs (GNOME Keyring,
//! KWallet, KeePassXC…), the login keychain on macOS, the Credential Manager on Windows. Where
//! none is usable, [`Keychain::status`] and every call say so, with a hint for the person at the
//! desk; there is no plain-text fallback, ever.
//!
//! Every call blocks, and on a locked keychain the platform may show its unlock prompt and wait
//! for it: call from a worker thread (`spawn_blocking` in async code), never from a UI thread.

use std::error::Error as StdError;

use keyring::Entry;
use secrecy::{ExposeSecret, SecretString};

/// The keychain service every eSIM Desk entry is stored under.
pub const SERVICE: &str = "esim-desk";

/// The user name [`Keychain::status`] reads to probe the keychain. It contains `#`, which no
/// account id may, so it can never be a real account's entry; nothing ever writes it.
const PROBE_ACCOUNT: &str = "#keychain-probe";

/// The longest account id accepted (Windows' Credential Manager limits target names).
const MAX_ACCOUNT_ID_LEN: usize = 100;

/// Provider API keys in the operating system's keychain, one entry per provider account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keychain {
    service: String,
}

/// Whether the keychain can be used right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeychainStatus {
    /// Keys can be read and stored.
    Available,
    /// There is a keychain, but it is locked (or the person declined to unlock it).
    Locked {
        /// What to do about it, for the person at the desk.
        hint: String,
    },
    /// No usable keychain: provider keys cannot be stored on this machine until there is one.
    Unavailable {
        /// What the platform reported (never contains a secret).
        reason: String,
        /// What to do about it, for the person at the desk.
        hint: String,
    },
}

impl KeychainStatus {
    pub fn is_available(&self) -> bool {
        matches!(self, KeychainStatus::Available)
    }
}

/// A keychain call that failed. No variant ever holds a secret, in its text or its `Debug`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeychainError {
    #[error(
        "no system keychain is available ({reason}); provider keys are never stored in plain \
         text, so they cannot be saved or read until there is one"
    )]
    Unavailable { reason: String },
    #[error("the system keychain is locked: unlock it and try again")]
    Locked,
    #[error("access to the system keychain was refused")]
    Denied,
    #[error("invalid provider account id {account_id:?}: {reason}")]
    InvalidAccount { account_id: String, reason: String },
    #[error("the system keychain failed: {reason}")]
    Other { reason: String },
}

impl KeychainError {
    /// What the person at the desk can do about it, where there is something to do.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            KeychainError::Unavailable { .. } => Some(unavailable_hint()),
            KeychainError::Locked | KeychainError::Denied => Some(locked_hint()),
            KeychainError::InvalidAccount { .. } | KeychainError::Other { .. } => None,
        }
    }
}

impl Default for Keychain {
    fn default() -> Self {
        Keychain::new()
    }
}

impl Keychain {
    /// The app's keychain: service [`SERVICE`].
    pub fn new() -> Keychain {
        Keychain::with_service(SERVICE)
    }

    /// A keychain under another service name (tests use a unique one each).
    pub fn with_service(service: impl Into<String>) -> Keychain {
        Keychain {
            service: service.into(),
        }
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    /// Stores (or replaces) the key of a provider account.
    pub fn set(&self, account_id: &str, secret: &SecretString) -> Result<(), KeychainError> {
        self.entry(account_id)?
            .set_password(secret.expose_secret())
            .map_err(map_error)
    }

    /// The key of a provider account, or `None` when none is stored.
    pub fn get(&self, account_id: &str) -> Result<Option<SecretString>, KeychainError> {
        match self.entry(account_id)?.get_password() {
            Ok(password) => Ok(Some(SecretString::from(password))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(error) => Err(map_error(error)),
        }
    }

    /// Removes the key of a provider account; removing one that is not there is not an error.
    pub fn delete(&self, account_id: &str) -> Result<(), KeychainError> {
        match self.entry(account_id)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(error) => Err(map_error(error)),
        }
    }

    /// Whether the keychain can be used now, probed by reading an entry that never exists (and,
    /// on the Secret Service, by asking whether the default keyring is locked, which a read of a
    /// missing entry does not reveal). Shows no prompt and stores nothing.
    pub fn status(&self) -> KeychainStatus {
        match self.probe() {
            Ok(()) => KeychainStatus::Available,
            Err(KeychainError::Locked | KeychainError::Denied) => KeychainStatus::Locked {
                hint: locked_hint().to_owned(),
            },
            Err(KeychainError::Unavailable { reason } | KeychainError::Other { reason }) => {
                KeychainStatus::Unavailable {
                    reason,
                    hint: unavailable_hint().to_owned(),
                }
            }
            Err(error @ KeychainError::InvalidAccount { .. }) => KeychainStatus::Unavailable {
                reason: error.to_string(),
                hint: unavailable_hint().to_owned(),
            },
        }
    }

    fn probe(&self) -> Result<(), KeychainError> {
        if !HAS_NATIVE_STORE {
            return Err(no_native_store());
        }
        let entry = Entry::new(&self.service, PROBE_ACCOUNT).map_err(map_error)?;
        // Nothing stores the probe entry; should something have, its text is dropped unseen.
        match entry.get_password() {
            Ok(_) | Err(keyring::Error::NoEntry) => {}
            Err(error) => return Err(map_error(error)),
        }
        default_keyring_unlocked()
    }

    fn entry(&self, account_id: &str) -> Result<Entry, KeychainError> {
        validate_account_id(account_id)?;
        if !HAS_NATIVE_STORE {
            // keyring would hand out its in-memory mock store here: keys that vanish on exit.
            return Err(no_native_store());
        }
        Entry::new(&self.service, account_id).map_err(map_error)
    }
}

/// Whether keyring has a real store on this target (with the features this crate enables);
/// elsewhere its default is an in-memory mock, which must never be taken for a keychain.
const HAS_NATIVE_STORE: bool = cfg!(any(
    target_os = "linux",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "macos",
    target_os = "ios",
    target_os = "windows",
));

fn no_native_store() -> KeychainError {
    KeychainError::Unavailable {
        reason: "eSIM Desk knows no keychain on this operating system".to_owned(),
    }
}

/// The Secret Service's default keyring (where keyring creates new entries) must be unlocked;
/// asked without a prompt, over a session that carries no secret.
#[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
fn default_keyring_unlocked() -> Result<(), KeychainError> {
    use dbus_secret_service::{EncryptionType, SecretService};
    let ss_error = |error| map_error(keyring::Error::PlatformFailure(Box::new(error)));
    let service = SecretService::connect(EncryptionType::Plain).map_err(ss_error)?;
    let collection = service.get_default_collection().map_err(ss_error)?;
    if collection.is_locked().map_err(ss_error)? {
        return Err(KeychainError::Locked);
    }
    Ok(())
}

/// Elsewhere the probe read says it all.
#[cfg(not(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd")))]
fn default_keyring_unlocked() -> Result<(), KeychainError> {
    Ok(())
}

/// Account ids are provider names with an optional `:suffix`: ASCII letters, digits and
/// `-_.:@`, at most [`MAX_ACCOUNT_ID_LEN`] characters.
fn validate_account_id(account_id: &str) -> Result<(), KeychainError> {
    let invalid = |reason: &str| KeychainError::InvalidAccount {
        account_id: account_id.chars().take(MAX_ACCOUNT_ID_LEN).collect(),
        reason: reason.to_owned(),
    };
    if account_id.is_empty() {
        return Err(invalid("it is empty"));
    }
    if account_id.len() > MAX_ACCOUNT_ID_LEN {
        return Err(invalid("it is longer than 100 characters"));
    }
    if !account_id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.:@".contains(c))
    {
        return Err(invalid(
            "only ASCII letters, digits and the characters - _ . : @ are allowed",
        ));
    }
    Ok(())
}

fn unavailable_hint() -> &'static str {
    if cfg!(target_os = "macos") {
        "Open Keychain Access and check that your login keychain exists and is unlocked."
    } else if cfg!(target_os = "windows") {
        "Sign in to Windows with a normal user account: provider keys are kept in its Credential \
         Manager."
    } else if cfg!(any(
        target_os = "linux",
        target_os = "freebsd",
        target_os = "openbsd"
    )) {
        "Start and unlock GNOME Keyring or KWallet (a Secret Service provider), then try again."
    } else {
        "This operating system has no keychain eSIM Desk can use, so provider keys cannot be \
         stored here."
    }
}

fn locked_hint() -> &'static str {
    if cfg!(target_os = "macos") {
        "Unlock your login keychain (Keychain Access) and allow eSIM Desk to use it."
    } else if cfg!(target_os = "windows") {
        "Sign in to Windows again, then retry."
    } else {
        "Unlock your login keyring (GNOME Keyring or KWallet) and allow eSIM Desk to use it."
    }
}

/// Maps keyring's errors to ours, keeping only texts that cannot hold a secret: never the bytes
/// of `BadEncoding`, never the `Display` of a variant we do not know.
fn map_error(error: keyring::Error) -> KeychainError {
    match error {
        keyring::Error::NoStorageAccess(inner) => {
            platform_error(inner.as_ref()).unwrap_or_else(|| no_storage_access(inner.as_ref()))
        }
        keyring::Error::PlatformFailure(inner) => {
            platform_error(inner.as_ref()).unwrap_or_else(|| KeychainError::Other {
                reason: reason_of(inner.as_ref()),
            })
        }
        keyring::Error::NoEntry => KeychainError::Other {
            reason: "the entry vanished during the call".to_owned(),
        },
        keyring::Error::BadEncoding(_) => KeychainError::Other {
            reason: "the stored key is not UTF-8 text".to_owned(),
        },
        keyring::Error::TooLong(attribute, limit) => KeychainError::Other {
            reason: format!("{attribute} is longer than the keychain's limit of {limit}"),
        },
        keyring::Error::Invalid(attribute, why) => KeychainError::Other {
            reason: format!("{attribute} is invalid: {why}"),
        },
        keyring::Error::Ambiguous(entries) => KeychainError::Other {
            reason: format!(
                "{} keychain entries match this account; remove the duplicates with the system's \
                 keychain manager",
                entries.len()
            ),
        },
        _ => KeychainError::Other {
            reason: "unexpected keychain error".to_owned(),
        },
    }
}

/// keyring's "no storage access": on the Secret Service a locked keyring or a dismissed prompt
/// (told apart by [`platform_error`]); on macOS and Windows, no keychain or no logon session.
fn no_storage_access(inner: &(dyn StdError + Send + Sync + 'static)) -> KeychainError {
    if cfg!(any(
        target_os = "macos",
        target_os = "ios",
        target_os = "windows"
    )) {
        KeychainError::Unavailable {
            reason: reason_of(inner),
        }
    } else {
        KeychainError::Locked
    }
}

/// The Secret Service's own errors, told apart precisely.
#[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
fn platform_error(inner: &(dyn StdError + Send + Sync + 'static)) -> Option<KeychainError> {
    use dbus_secret_service::Error as SsError;
    let error = inner.downcast_ref::<SsError>()?;
    Some(match error {
        SsError::Locked => KeychainError::Locked,
        SsError::Prompt => KeychainError::Denied,
        SsError::NoResult => KeychainError::Unavailable {
            reason: "the Secret Service has no default keyring".to_owned(),
        },
        SsError::Dbus(dbus) if dbus.name() == Some("org.freedesktop.Secret.Error.IsLocked") => {
            KeychainError::Locked
        }
        SsError::Dbus(dbus) if dbus.name() == Some("org.freedesktop.DBus.Error.AccessDenied") => {
            KeychainError::Denied
        }
        SsError::Unavailable | SsError::Dbus(_) => KeychainError::Unavailable {
            reason: error.to_string(),
        },
        _ => KeychainError::Other {
            reason: error.to_string(),
        },
    })
}

#[cfg(not(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd")))]
fn platform_error(_inner: &(dyn StdError + Send + Sync + 'static)) -> Option<KeychainError> {
    None
}

/// A platform error's own text: codes and messages from the OS, never a stored secret.
fn reason_of(inner: &(dyn StdError + Send + Sync + 'static)) -> String {
    inner.to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn account_ids_are_checked_before_the_keychain_is_touched() {
        for good in [
            "esimgo",
            "esimgo:agency-2",
            "truphone.connect",
            "itt_travel@desk-1",
        ] {
            assert_eq!(validate_account_id(good), Ok(()), "{good}");
        }
        for bad in [
            "",
            "has space",
            "tab\there",
            "ключ",
            PROBE_ACCOUNT,
            &"a".repeat(101),
        ] {
            let error = Keychain::with_service("esim-desk-unit-test")
                .get(bad)
                .unwrap_err();
            assert!(
                matches!(error, KeychainError::InvalidAccount { .. }),
                "{bad:?}: {error:?}"
            );
        }
    }

    #[test]
    fn a_bad_encoding_never_shows_the_stored_bytes() {
        let error = map_error(keyring::Error::BadEncoding(b"sk_live_SECRET\xff".to_vec()));
        assert!(
            !format!("{error} {error:?}").contains("SECRET"),
            "{error:?}"
        );
        assert!(matches!(error, KeychainError::Other { .. }));
    }

    #[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
    #[test]
    fn secret_service_errors_are_told_apart() {
        use dbus_secret_service::Error as SsError;
        let access = |e: SsError| map_error(keyring::Error::NoStorageAccess(Box::new(e)));
        let failure = |e: SsError| map_error(keyring::Error::PlatformFailure(Box::new(e)));
        assert_eq!(access(SsError::Locked), KeychainError::Locked);
        assert_eq!(failure(SsError::Locked), KeychainError::Locked);
        assert_eq!(access(SsError::Prompt), KeychainError::Denied);
        assert!(matches!(
            failure(SsError::Unavailable),
            KeychainError::Unavailable { .. }
        ));
        assert!(matches!(
            access(SsError::NoResult),
            KeychainError::Unavailable { .. }
        ));
        let error = failure(SsError::Unavailable);
        assert_eq!(
            error.hint(),
            Some(
                "Start and unlock GNOME Keyring or KWallet (a Secret Service provider), then try \
                 again."
            )
        );
    }
}
