//! What each provider's account form asks for, and the one text form a credential is kept in: its
//! values one per line, in the fields' order (an API key alone; Truphone's client id, then its
//! secret). That text is what goes to the keychain, what `esimdesk providers add` reads on standard
//! input, and what the sandbox prints as `credential`; the window sends the values, and they are
//! joined here.

use esimdesk_core::ProviderKind;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use ts_rs::TS;

use crate::AppError;

/// One field of a provider's account form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CredentialField {
    /// What the form shows ("API key", "Client secret").
    pub label: String,
    /// Typed without echo and never shown again (a key, a secret); `false` for an identifier.
    pub secret: bool,
}

fn field(label: &str, secret: bool) -> CredentialField {
    CredentialField {
        label: label.to_owned(),
        secret,
    }
}

/// The fields of `kind`'s credential, in the order their values are kept.
pub fn fields(kind: ProviderKind) -> Vec<CredentialField> {
    match kind {
        ProviderKind::Esimgo | ProviderKind::Telness => vec![field("API key", true)],
        ProviderKind::Truphone => vec![field("Client ID", false), field("Client secret", true)],
        // ITT's partner account is named in every body as `member_id` (itt.md §2).
        ProviderKind::Itt => vec![
            field("API key", true),
            field("Secret code", true),
            field("Member ID", false),
        ],
    }
}

/// The credential's text from the values a form sent, checked: one per field, none empty.
pub fn from_values(kind: ProviderKind, values: &[String]) -> Result<SecretString, AppError> {
    let wanted = fields(kind);
    if values.len() != wanted.len() {
        return Err(AppError::InvalidInput {
            field: "credential".into(),
            message: format!(
                "{} needs {} ({} given)",
                kind.display_name(),
                names(&wanted),
                values.len()
            ),
        });
    }
    for (value, f) in values.iter().zip(&wanted) {
        check_value(value, f)?;
    }
    let text: Vec<&str> = values.iter().map(|v| v.trim()).collect();
    Ok(SecretString::from(text.join("\n")))
}

/// The credential's text as read from standard input: its first lines, one per field.
pub fn from_text(kind: ProviderKind, text: &str) -> Result<SecretString, AppError> {
    let values: Vec<String> = text
        .lines()
        .take(fields(kind).len())
        .map(str::to_owned)
        .collect();
    from_values(kind, &values)
}

/// The values of a kept credential, one per field (for the adapter that needs them apart).
pub(crate) fn values(
    kind: ProviderKind,
    kept: &SecretString,
) -> Result<Vec<SecretString>, AppError> {
    let wanted = fields(kind).len();
    let values: Vec<SecretString> = kept
        .expose_secret()
        .lines()
        .map(|l| SecretString::from(l.trim().to_owned()))
        .collect();
    if values.len() != wanted || values.iter().any(|v| v.expose_secret().is_empty()) {
        return Err(AppError::InvalidInput {
            field: "credential".into(),
            message: format!(
                "the {} credential in the keychain is not {}: add the account again",
                kind.display_name(),
                names(&fields(kind))
            ),
        });
    }
    Ok(values)
}

fn check_value(value: &str, f: &CredentialField) -> Result<(), AppError> {
    let value = value.trim();
    let problem = if value.is_empty() {
        Some("is empty")
    } else if value.chars().any(char::is_control) {
        Some("holds a line break or another control character")
    } else {
        None
    };
    match problem {
        Some(problem) => Err(AppError::InvalidInput {
            field: f.label.clone(),
            message: format!("the {} {problem}", f.label.to_lowercase()),
        }),
        None => Ok(()),
    }
}

fn names(fields: &[CredentialField]) -> String {
    let with_article = |f: &CredentialField| {
        let label = f.label.to_lowercase();
        let article = if label.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        format!("{article} {label}")
    };
    let named: Vec<String> = fields.iter().map(with_article).collect();
    match named.as_slice() {
        [.., last] if named.len() > 1 => {
            format!("{} and {last}", named[..named.len() - 1].join(", "))
        }
        _ => named.join(""),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_credential_is_its_values_one_per_line() {
        let text = from_values(
            ProviderKind::Truphone,
            &[" desk-client ".into(), "s3cret".into()],
        )
        .unwrap();
        assert_eq!(text.expose_secret(), "desk-client\ns3cret");
        let back = values(ProviderKind::Truphone, &text).unwrap();
        assert_eq!(back[0].expose_secret(), "desk-client");
        assert_eq!(back[1].expose_secret(), "s3cret");
        let piped = from_text(ProviderKind::Truphone, "desk-client\ns3cret\n").unwrap();
        assert_eq!(piped.expose_secret(), "desk-client\ns3cret");
        let key = from_text(ProviderKind::Esimgo, "abc123\n").unwrap();
        assert_eq!(key.expose_secret(), "abc123");
    }

    #[test]
    fn a_missing_or_broken_value_is_named_and_never_echoed() {
        let e = from_values(ProviderKind::Truphone, &["desk-client".into()]).unwrap_err();
        assert!(
            e.to_string()
                .contains("needs a client id and a client secret (1 given)"),
            "{e}"
        );
        let e = from_values(ProviderKind::Truphone, &["desk".into(), " ".into()]).unwrap_err();
        assert!(e.to_string().contains("client secret is empty"), "{e}");
        let e = from_values(ProviderKind::Esimgo, &["a\tb".into()]).unwrap_err();
        assert!(e.to_string().contains("control character"), "{e}");
        assert!(!e.to_string().contains("a\tb"));
        let e = from_text(ProviderKind::Esimgo, "").unwrap_err();
        assert!(e.to_string().contains("needs an api key"), "{e}");
        assert!(values(ProviderKind::Truphone, &SecretString::from("only-one")).is_err());
    }
}
