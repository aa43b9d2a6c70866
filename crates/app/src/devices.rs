//! The desk's device check: whether the customer's phone is on the provider's list of phones its
//! eSIMs work on (ITT, itt.md §10), where the provider keeps one. A help to the agent, never a
//! refusal: a phone missing from the list may still take eSIMs.

use serde::Serialize;
use ts_rs::TS;

use crate::AppError;
use crate::desk::Desk;

/// What the provider's list says of one phone model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DeviceCheck {
    /// The model as the list names it ("Apple iPhone 15"), when it is there.
    pub listed_as: Option<String>,
    /// How many phones the provider lists.
    pub listed: usize,
}

/// Looks `model` up in the account's provider's list. `Ok(None)` where the provider keeps none.
pub async fn check_device(
    desk: &Desk,
    account_id: &str,
    model: &str,
) -> Result<Option<DeviceCheck>, AppError> {
    let provider = desk.provider(account_id)?;
    if !provider.capabilities().device_list {
        return Ok(None);
    }
    let wanted = normalise(model);
    if wanted.is_empty() {
        return Err(AppError::InvalidInput {
            field: "phone model".into(),
            message: "type the phone's model, e.g. iPhone 15".into(),
        });
    }
    let devices = provider.compatible_devices().await?;
    let listed_as = devices
        .iter()
        .find(|d| {
            let model = normalise(&d.model);
            let full = normalise(&format!("{} {}", d.brand, d.model));
            model == wanted || full == wanted
        })
        .map(|d| format!("{} {}", d.brand, d.model).trim().to_owned());
    Ok(Some(DeviceCheck {
        listed_as,
        listed: devices.len(),
    }))
}

/// Lower case, single spaces: "iphone  15 " and "iPhone 15" are one model.
fn normalise(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_compare_without_case_or_extra_spaces() {
        assert_eq!(normalise("  iPhone   15 "), "iphone 15");
        assert_eq!(normalise("Apple iPhone 15"), "apple iphone 15");
    }
}
