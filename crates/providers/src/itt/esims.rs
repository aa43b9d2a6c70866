//! Calls about one sold eSIM (itt.md §9, §11), each naming it by the booking tracking id it was
//! sold under and its ICCID, and the account's compatible-device list (§10).

use time::OffsetDateTime;

use super::{Itt, assumed, map, wire};
use crate::CompatibleDevice;
use crate::error::ProviderError;
use crate::http::CallKind;
use crate::{EsimHandle, EsimUsage, InstallInstructions};

/// `/esim/data-usage` (§11).
pub(super) async fn usage(t: &Itt, esim: &EsimHandle) -> Result<EsimUsage, ProviderError> {
    let body = wire::EsimCall {
        member_id: t.member_id(),
        tracking_id: assumed::tracking_id_of(esim)?,
        esim_iccid: esim.iccid.as_str(),
        preferred_language: None,
    };
    let reply: wire::UsageReply = t
        .post(
            assumed::DATA_USAGE_PATH,
            CallKind::Idempotent,
            &body,
            "data usage",
        )
        .await?;
    map::usage(&esim.iccid, &reply.data, OffsetDateTime::now_utc())
}

/// `/esim/installation-instructions` (§9) in `language`; `None` when ITT gives no steps.
pub(super) async fn instructions(
    t: &Itt,
    esim: &EsimHandle,
    language: &str,
) -> Result<Option<InstallInstructions>, ProviderError> {
    let asked = language.trim().to_ascii_lowercase();
    let body = wire::EsimCall {
        member_id: t.member_id(),
        tracking_id: assumed::tracking_id_of(esim)?,
        esim_iccid: esim.iccid.as_str(),
        preferred_language: Some(&asked),
    };
    let reply: wire::InstructionsReply = t
        .post(
            assumed::INSTALLATION_INSTRUCTIONS_PATH,
            CallKind::Idempotent,
            &body,
            "installation instructions",
        )
        .await?;
    let steps = |items: &[serde_json::Value]| -> Vec<String> {
        let mut read: Vec<(Option<u64>, String)> =
            items.iter().filter_map(assumed::step_text).collect();
        // Numbered steps in their order; unnumbered ones keep their place after them (stable).
        read.sort_by_key(|(n, _)| n.unwrap_or(u64::MAX));
        read.into_iter().map(|(_, text)| text).collect()
    };
    let (ios, android) = (steps(&reply.data.ios), steps(&reply.data.android));
    if ios.is_empty() && android.is_empty() {
        return Ok(None);
    }
    Ok(Some(InstallInstructions {
        language: reply
            .data
            .language
            .map(|l| l.trim().to_ascii_lowercase())
            .filter(|l| !l.is_empty())
            .unwrap_or(asked),
        ios,
        android,
    }))
}

/// `/esim/compatible-devices` (§10). Entries without a model are left out.
pub(super) async fn compatible_devices(t: &Itt) -> Result<Vec<CompatibleDevice>, ProviderError> {
    let body = wire::Devices {
        member_id: assumed::devices_member_id(t.member_id()),
    };
    let reply: wire::DevicesReply = t
        .post(
            assumed::COMPATIBLE_DEVICES_PATH,
            CallKind::Idempotent,
            &body,
            "compatible devices",
        )
        .await?;
    Ok(reply
        .data
        .into_iter()
        .filter_map(|d| {
            let model = d
                .model
                .map(|m| m.trim().to_owned())
                .filter(|m| !m.is_empty())?;
            Some(CompatibleDevice {
                brand: d.brand.map(|b| b.trim().to_owned()).unwrap_or_default(),
                model,
                os: d.os.map(|o| o.trim().to_owned()).filter(|o| !o.is_empty()),
            })
        })
        .collect())
}
