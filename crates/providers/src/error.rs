//! The one error every provider call returns.
//!
//! Each variant says what a desk agent can do about it, and has a stable [`ProviderError::code`]
//! for the UI. No variant ever holds a credential: adapters keep keys in
//! [`secrecy::SecretString`], mark auth headers sensitive, and scrub provider texts with
//! [`crate::http::Redactor`] before they land here.

use std::time::Duration;

/// Longest provider text kept in an error; longer texts are cut (a reply is not a log).
pub(crate) const MAX_MESSAGE_CHARS: usize = 300;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProviderError {
    /// The API key (or token, or credential pair) is missing, wrong or revoked.
    #[error("the provider rejected the credentials: check the API key in Settings{}", suffix(.message))]
    Unauthorised { message: Option<String> },

    /// Authenticated, but this account may not do this (e.g. an eSIM of another organisation,
    /// nothing left in inventory).
    #[error("the provider refused access{}", suffix(.message))]
    Forbidden { message: Option<String> },

    /// The order, eSIM, package or offering does not exist (or no longer does).
    #[error("not found at the provider{}", suffix(.message))]
    NotFound { message: Option<String> },

    /// The provider refused the request as invalid; its text says why.
    #[error("the provider refused the request: {message}")]
    InvalidRequest { message: String },

    /// The account balance or credit does not cover the purchase. Nothing was bought.
    #[error("the provider account balance is too low for this purchase{}", suffix(.message))]
    InsufficientBalance { message: Option<String> },

    /// Too many requests; try again after `retry_after` when given.
    #[error("the provider is rate limiting requests{}", retry_suffix(.retry_after))]
    RateLimited { retry_after: Option<Duration> },

    /// The provider is down, busy or failed internally (5xx).
    #[error("the provider is unavailable{}{}", suffix(.message), retry_suffix(.retry_after))]
    Unavailable {
        message: Option<String>,
        retry_after: Option<Duration>,
    },

    /// No reply in time for a call that changes nothing (safe to try again).
    #[error("the provider did not answer in time")]
    Timeout,

    /// A purchase was sent but its reply never arrived (dropped connection, timeout, a 5xx or an
    /// unreadable body). It may or may not have gone through: reconcile with the provider
    /// ([`crate::Provider::find_order`]); never send it again blindly.
    #[error(
        "the purchase may or may not have gone through ({detail}); it will be checked with the provider, do not sell it again"
    )]
    OutcomeUnknown { detail: String },

    /// A reply that breaks the provider's documented format.
    #[error("the provider sent a reply that could not be read ({what}: {detail})")]
    MalformedReply { what: String, detail: String },

    /// No connection (offline, DNS, TLS, refused). For a purchase this means nothing was sent.
    #[error("could not reach the provider: {detail}")]
    Network { detail: String },

    /// The provider cannot do this at all (see [`crate::Capabilities`]).
    #[error("{provider} does not support {operation} through the desk: ask {provider} support")]
    Unsupported {
        provider: &'static str,
        operation: &'static str,
    },

    /// The desk's configuration for this provider is unusable (bad URL, missing setting).
    #[error("the provider is not configured correctly: {message}")]
    Configuration { message: String },
}

fn suffix(message: &Option<String>) -> String {
    match message {
        Some(m) if !m.is_empty() => format!(": {m}"),
        _ => String::new(),
    }
}

fn retry_suffix(retry_after: &Option<Duration>) -> String {
    match retry_after {
        Some(d) => format!(" (retry in {} s)", d.as_secs().max(1)),
        None => String::new(),
    }
}

impl ProviderError {
    /// A stable, machine-readable code for the UI and logs.
    pub fn code(&self) -> &'static str {
        match self {
            ProviderError::Unauthorised { .. } => "unauthorised",
            ProviderError::Forbidden { .. } => "forbidden",
            ProviderError::NotFound { .. } => "not_found",
            ProviderError::InvalidRequest { .. } => "invalid_request",
            ProviderError::InsufficientBalance { .. } => "insufficient_balance",
            ProviderError::RateLimited { .. } => "rate_limited",
            ProviderError::Unavailable { .. } => "unavailable",
            ProviderError::Timeout => "timeout",
            ProviderError::OutcomeUnknown { .. } => "outcome_unknown",
            ProviderError::MalformedReply { .. } => "malformed_reply",
            ProviderError::Network { .. } => "network",
            ProviderError::Unsupported { .. } => "unsupported",
            ProviderError::Configuration { .. } => "configuration",
        }
    }

    /// Whether the same call may simply be tried again later (it changed nothing).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ProviderError::RateLimited { .. }
                | ProviderError::Unavailable { .. }
                | ProviderError::Timeout
                | ProviderError::Network { .. }
        )
    }

    /// The wait the provider asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ProviderError::RateLimited { retry_after }
            | ProviderError::Unavailable { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    pub(crate) fn malformed(what: impl Into<String>, detail: impl std::fmt::Display) -> Self {
        ProviderError::MalformedReply {
            what: what.into(),
            detail: clip(&detail.to_string()),
        }
    }
}

/// Keeps a provider text short and printable.
pub(crate) fn clip(text: &str) -> String {
    let cleaned: String = text
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if cleaned.chars().count() <= MAX_MESSAGE_CHARS {
        cleaned
    } else {
        let mut cut: String = cleaned.chars().take(MAX_MESSAGE_CHARS).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn all() -> Vec<ProviderError> {
        vec![
            ProviderError::Unauthorised { message: None },
            ProviderError::Forbidden {
                message: Some("eSIM not accessible".into()),
            },
            ProviderError::NotFound { message: None },
            ProviderError::InvalidRequest {
                message: "Bundle not found".into(),
            },
            ProviderError::InsufficientBalance { message: None },
            ProviderError::RateLimited {
                retry_after: Some(Duration::from_secs(1)),
            },
            ProviderError::Unavailable {
                message: None,
                retry_after: None,
            },
            ProviderError::Timeout,
            ProviderError::OutcomeUnknown {
                detail: "connection dropped".into(),
            },
            ProviderError::malformed("catalogue", "expected a list"),
            ProviderError::Network {
                detail: "connection refused".into(),
            },
            ProviderError::Unsupported {
                provider: "Truphone",
                operation: "cancelling an eSIM",
            },
            ProviderError::Configuration {
                message: "base URL must use https".into(),
            },
        ]
    }

    #[test]
    fn codes_are_stable_and_unique() {
        let codes: Vec<&str> = all().iter().map(ProviderError::code).collect();
        let mut unique = codes.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), codes.len());
        assert!(codes.contains(&"outcome_unknown"));
    }

    #[test]
    fn messages_read_well() {
        let e = ProviderError::InsufficientBalance {
            message: Some("balance 1.00 USD".into()),
        };
        assert_eq!(
            e.to_string(),
            "the provider account balance is too low for this purchase: balance 1.00 USD"
        );
        let e = ProviderError::RateLimited {
            retry_after: Some(Duration::from_secs(2)),
        };
        assert_eq!(
            e.to_string(),
            "the provider is rate limiting requests (retry in 2 s)"
        );
        assert!(e.is_transient());
        assert!(
            !ProviderError::OutcomeUnknown {
                detail: String::new()
            }
            .is_transient()
        );
    }

    #[test]
    fn clips_long_and_control_text() {
        let long = "x".repeat(1000);
        assert_eq!(clip(&long).chars().count(), MAX_MESSAGE_CHARS + 1);
        assert_eq!(clip(" a\nb\t "), "a b");
    }
}
