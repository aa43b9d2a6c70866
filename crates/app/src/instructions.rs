//! Installation steps in the customer's language, where the provider words them (ITT): fetched
//! once the eSIMs are delivered and printed on the voucher beside the desk's own instructions.
//! Reading them buys nothing; when the provider cannot give them, the voucher simply goes without.

use serde::Serialize;
use ts_rs::TS;

use crate::checkout::DeliveredEsim;
use crate::desk::Desk;

/// The language asked for when the checkout names none.
pub const DEFAULT_LANGUAGE: &str = "en";

/// The provider's installation steps for one eSIM, in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct InstallSteps {
    /// The language of the steps (ISO 639-1): the one asked for, where the provider has it.
    pub language: String,
    pub ios: Vec<String>,
    pub android: Vec<String>,
}

/// A language code as typed ("ES", " es "), or the default: two or three ASCII letters.
pub fn language_or_default(given: Option<&str>) -> String {
    given
        .map(str::trim)
        .filter(|l| (2..=3).contains(&l.len()) && l.chars().all(|c| c.is_ascii_alphabetic()))
        .map_or_else(|| DEFAULT_LANGUAGE.to_owned(), str::to_ascii_lowercase)
}

/// Adds the provider's steps to each delivered eSIM that has its code, where the account's
/// provider words them. Failures are logged and leave the eSIM without steps.
pub(crate) async fn attach(
    desk: &Desk,
    account_id: &str,
    esims: &mut [DeliveredEsim],
    language: &str,
) {
    let Ok(provider) = desk.provider(account_id) else {
        return;
    };
    if !provider.capabilities().install_instructions {
        return;
    }
    for esim in esims.iter_mut().filter(|e| e.code.is_some()) {
        let Ok(iccid) = desk.held_iccid(&esim.iccid) else {
            continue;
        };
        let provider_ref = desk
            .store()
            .esim(&iccid)
            .ok()
            .flatten()
            .and_then(|held| held.provider_ref);
        let handle = esimdesk_providers::EsimHandle {
            iccid,
            provider_ref,
        };
        match provider.installation_instructions(&handle, language).await {
            Ok(Some(steps)) => {
                esim.instructions = Some(InstallSteps {
                    language: steps.language,
                    ios: steps.ios,
                    android: steps.android,
                });
            }
            Ok(None) => {}
            Err(e) => tracing::info!(
                iccid = %esim.iccid,
                error = e.code(),
                "installation steps not fetched: the voucher goes without them"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_language_is_two_or_three_letters_else_the_default() {
        assert_eq!(language_or_default(Some(" ES ")), "es");
        assert_eq!(language_or_default(Some("fil")), "fil");
        assert_eq!(language_or_default(Some("español")), "en");
        assert_eq!(language_or_default(Some("")), "en");
        assert_eq!(language_or_default(None), "en");
    }
}
