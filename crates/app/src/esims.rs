//! eSIMs already sold: find them, show one, refresh their usage.

use esimdesk_core::{Package, ProfileStatus};
use esimdesk_providers::EsimHandle;
use serde::Serialize;
use time::OffsetDateTime;
use ts_rs::TS;

use crate::AppError;
use crate::codes::{self, CodeView};
use crate::desk::Desk;
use crate::views::{EsimSummary, EsimView, JournaledOrder, PackageView};

pub fn find(desk: &Desk, text: &str, limit: usize) -> Result<Vec<EsimSummary>, AppError> {
    Ok(desk
        .store()
        .find_esims(text, limit)?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Everything the eSIM screen shows, from the database (works offline).
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct EsimDetail {
    /// The eSIM as stored: its packages carry the last usage reading.
    pub esim: EsimView,
    /// The activation code with its QR codes and install links, when the desk has it.
    pub code: Option<CodeView>,
    /// When the packages' usage was last read from the provider.
    #[serde(with = "time::serde::rfc3339::option")]
    #[ts(type = "string | null")]
    pub usage_taken_at: Option<OffsetDateTime>,
    /// The order that sold it, when it was sold here.
    pub order: Option<JournaledOrder>,
    pub customer_name: Option<String>,
    pub customer_email: Option<String>,
    pub customer_phone: Option<String>,
}

/// One eSIM with its code, last usage, order and customer. [`AppError::UnknownEsim`] when the
/// desk does not hold it.
pub fn esim_detail(desk: &Desk, iccid: &str) -> Result<EsimDetail, AppError> {
    let iccid = desk.held_iccid(iccid)?;
    let store = desk.store();
    let esim = store
        .esim(&iccid)?
        .ok_or_else(|| AppError::UnknownEsim(iccid.to_string()))?;
    let code = match &esim.esim.activation_code {
        Some(c) => Some(codes::view(&c.to_string())?),
        None => None,
    };
    let usage_taken_at = esim
        .esim
        .packages
        .iter()
        .filter_map(|p| p.usage.map(|u| u.taken_at))
        .max();
    let order = match &esim.order_reference {
        Some(r) => store.order(r)?.map(Into::into),
        None => None,
    };
    let customer = match esim.customer_id {
        Some(id) => store.customer(id)?,
        None => None,
    };
    Ok(EsimDetail {
        code,
        usage_taken_at,
        order,
        customer_name: customer.as_ref().map(|c| c.name.clone()),
        customer_email: customer.as_ref().and_then(|c| c.email.clone()),
        customer_phone: customer.and_then(|c| c.phone),
        esim: esim.into(),
    })
}

/// An eSIM's packages and remaining data as the provider reported them at `taken_at`.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct UsageView {
    pub iccid: String,
    /// Where the provider reports it: installed, released, ... (shown before promising a refund).
    pub profile_status: Option<ProfileStatus>,
    pub packages: Vec<PackageView>,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub taken_at: OffsetDateTime,
}

/// Asks the provider for the eSIM's packages and usage now, and keeps the reading.
pub async fn refresh_usage(desk: &Desk, iccid: &str) -> Result<UsageView, AppError> {
    let iccid = desk.held_iccid(iccid)?;
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
        packages: packages.into_iter().map(Into::into).collect(),
        taken_at: usage.taken_at,
    })
}
