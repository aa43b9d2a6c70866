//! eSIMs already sold: find them, refresh their usage.

use esimdesk_core::{Iccid, Package, ProfileStatus};
use esimdesk_providers::EsimHandle;
use esimdesk_store::EsimSummary;
use serde::Serialize;
use time::OffsetDateTime;
use ts_rs::TS;

use crate::AppError;
use crate::desk::Desk;

pub fn find(desk: &Desk, text: &str, limit: usize) -> Result<Vec<EsimSummary>, AppError> {
    Ok(desk.store().find_esims(text, limit)?)
}

/// An eSIM's packages and remaining data as the provider reported them at `taken_at`.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct UsageView {
    pub iccid: String,
    /// Where the provider reports it: installed, released, ... (shown before promising a refund).
    pub profile_status: Option<ProfileStatus>,
    pub packages: Vec<Package>,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub taken_at: OffsetDateTime,
}

/// Asks the provider for the eSIM's packages and usage now, and keeps the reading.
pub async fn refresh_usage(desk: &Desk, iccid: &str) -> Result<UsageView, AppError> {
    let iccid = Iccid::parse(iccid)?;
    let stored = desk.store().esim(&iccid)?;
    let (account_id, provider_ref) = match &stored {
        Some(s) => (s.account_id.clone(), s.provider_ref.clone()),
        // Not sold here (e.g. sold by another desk): try the only account, if there is one.
        None => match desk.store().accounts()?.as_slice() {
            [only] => (only.id.clone(), None),
            _ => {
                return Err(AppError::InvalidInput {
                    field: "ICCID".into(),
                    message: format!("{iccid} is not an eSIM this desk knows"),
                });
            }
        },
    };
    let provider = desk.provider(&account_id)?;
    let usage = provider
        .usage(&EsimHandle {
            iccid: iccid.clone(),
            provider_ref,
        })
        .await?;
    let packages: Vec<Package> = usage.packages.into_iter().map(|p| p.package).collect();
    if stored.is_some() {
        desk.store()
            .record_usage(&iccid, &packages, usage.taken_at)?;
    }
    Ok(UsageView {
        iccid: iccid.to_string(),
        profile_status: usage.profile_status,
        packages,
        taken_at: usage.taken_at,
    })
}
